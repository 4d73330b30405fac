// SPDX-License-Identifier: GPL-2.0
/*
 * Vendor and device names from the PCI ID database, pci.ids, read at run
 * time from where the distribution puts it (Debian's pci.ids package:
 * /usr/share/misc/pci.ids). Nothing of the database is compiled in or
 * shipped: see Documentation/packaging.md for why (licence) and why not
 * the udev hwdb.
 *
 * Format: "vvvv  Vendor" lines, each followed by "\tdddd  Device" lines
 * (and "\t\tssss ssss  Subsystem" lines, ignored); '#' comments; the
 * device-class section starts at the first "C " line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *const default_paths[] = {
	"/usr/share/misc/pci.ids",
	"/usr/share/hwdata/pci.ids",
	"/usr/share/pci.ids",
};

static struct {
	bool loaded;
	const char *path;
	char *text;		/* the whole file, NUL-terminated */
	char **vendors;		/* start of each vendor line */
	size_t nvendors;
} db;

static int hex4(const char *s, uint16_t *out)
{
	unsigned int v = 0;

	for (int i = 0; i < 4; i++) {
		char ch = s[i];

		v <<= 4;
		if (ch >= '0' && ch <= '9')
			v |= (unsigned int)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v |= (unsigned int)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			v |= (unsigned int)(ch - 'A' + 10);
		else
			return -1;
	}
	*out = (uint16_t)v;
	return 0;
}

/* "xxxx  Name": the name, copied up to the end of the line. */
static void copy_name(const char *line, char *out, size_t len)
{
	const char *p = line + 4;
	size_t n;

	while (*p == ' ' || *p == '\t')
		p++;
	n = strcspn(p, "\n");
	if (n >= len)
		n = len - 1;
	memcpy(out, p, n);
	out[n] = 0;
}

static void load(const struct cli *c)
{
	size_t cap = 0, size = 0, n;
	char *p;
	FILE *f = NULL;

	db.loaded = true;
	if (c->pci_ids) {
		db.path = c->pci_ids;
		f = fopen(db.path, "re");
	} else {
		for (size_t i = 0; !f && i < sizeof(default_paths) / sizeof(default_paths[0]); i++) {
			db.path = default_paths[i];
			f = fopen(db.path, "re");
		}
	}
	if (!f) {
		db.path = NULL;
		return;
	}
	for (;;) {
		if (size + 65536 + 1 > cap) {
			char *t;

			cap = cap ? cap * 2 : 1 << 21;
			t = realloc(db.text, cap);
			if (!t)
				goto fail;
			db.text = t;
		}
		n = fread(db.text + size, 1, cap - size - 1, f);
		if (!n)
			break;
		size += n;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	f = NULL;
	if (!db.text)
		return;
	db.text[size] = 0;
	cap = 0;
	for (p = db.text; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
		uint16_t id;

		if (p[0] == 'C' && p[1] == ' ')
			break;	/* the class section */
		if (hex4(p, &id) || (p[4] != ' ' && p[4] != '\t'))
			continue;
		if (db.nvendors == cap) {
			char **t;

			cap = cap ? cap * 2 : 4096;
			t = realloc(db.vendors, cap * sizeof(*t));
			if (!t)
				goto fail;
			db.vendors = t;
		}
		db.vendors[db.nvendors++] = p;
	}
	return;
fail:
	if (f)
		fclose(f);
	free(db.text);
	free(db.vendors);
	db.text = NULL;
	db.vendors = NULL;
	db.nvendors = 0;
}

const char *cli_pci_ids_path(const struct cli *c)
{
	if (c->numeric)
		return NULL;
	if (!db.loaded)
		load(c);
	return db.text ? db.path : NULL;
}

void cli_names(const struct cli *c, uint16_t vendor, uint16_t device,
	       struct cli_names *out)
{
	out->vendor[0] = 0;
	out->device[0] = 0;
	if (!cli_pci_ids_path(c))
		return;
	for (size_t i = 0; i < db.nvendors; i++) {
		const char *p = db.vendors[i];
		uint16_t id;

		if (hex4(p, &id) || id != vendor)
			continue;
		copy_name(p, out->vendor, sizeof(out->vendor));
		/* Its devices: the tab-indented lines up to the next vendor. */
		for (p = strchr(p, '\n'); p && (p[1] == '\t' || p[1] == '#');
		     p = strchr(p + 1, '\n')) {
			const char *l = p + 1;

			if (l[0] == '#' || l[1] == '\t')
				continue;
			if (!hex4(l + 1, &id) && id == device) {
				copy_name(l + 1, out->device, sizeof(out->device));
				break;
			}
		}
		return;
	}
}
