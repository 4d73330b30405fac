// SPDX-License-Identifier: GPL-2.0
/*
 * Bindings that survive a reboot, the way driverctl keeps driver
 * overrides: "pciassign bind --persistent BDF" writes
 * /etc/pciassign/bind.d/BDF,
 *
 *	# pciassign bind --persistent ...
 *	device 8086:10d3
 *	owner uid 1000
 *
 * and "pciassign apply [BDF]" binds what is saved again. The udev rule
 * 61-pciassign-persistent.rules runs "pciassign apply BDF" when a saved
 * function appears: at boot (coldplug) and on hot-plug. The IDs guard
 * against a different card in the slot: a mismatch is not bound.
 * "pciassign unbind BDF" forgets the saved binding.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"

static const char *conf_dir(const struct cli *c)
{
	return c->conf_dir ? c->conf_dir : "/etc/pciassign";
}

bool cli_persist_path(const struct cli *c, const struct pa_bdf *bdf, char *buf, size_t len)
{
	char name[PA_BDF_STRLEN];
	int n;

	pa_bdf_format(bdf, name);
	n = snprintf(buf, len, "%s/bind.d/%s", conf_dir(c), name);
	return n > 0 && (size_t)n < len;
}

int cli_persist_save(const struct cli *c, const struct pa_pci_func *f, const char *owner,
		     char *msg, size_t len)
{
	char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *fp;
	int ret = 0;

	snprintf(dir, sizeof(dir), "%s/bind.d", conf_dir(c));
	/* mkdir -p */
	for (char *p = dir + 1; ; p++) {
		char ch = *p;

		if (ch && ch != '/')
			continue;
		*p = 0;
		if (mkdir(dir, 0755) && errno != EEXIST)
			goto fail_dir;
		*p = ch;
		if (!ch)
			break;
	}
	if (!cli_persist_path(c, &f->bdf, path, sizeof(path))) {
		cli_say(msg, len, "the path under %s is too long", dir);
		return -ENAMETOOLONG;
	}
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fp = fopen(tmp, "we");
	if (!fp)
		goto fail_file;
	fprintf(fp, "# pciassign bind --persistent: bound to pciassign at boot and hot-plug\n"
		"# by 'pciassign apply' (udev); 'pciassign unbind' removes this file.\n"
		"device %04x:%04x\n", f->vendor, f->device);
	if (owner)
		fprintf(fp, "owner %s\n", owner);
	if (fclose(fp))
		goto fail_file;
	if (rename(tmp, path))
		goto fail_file;
	cli_say(msg, len, "bound at boot too (%s)", path);
	return 0;
fail_dir:
	ret = -errno;
	cli_say(msg, len, "cannot create %s: %s", dir, strerror(-ret));
	return ret;
fail_file:
	ret = -errno;
	unlink(tmp);
	cli_say(msg, len, "cannot write %s: %s", path, strerror(-ret));
	return ret;
}

/* What a saved file says: the IDs, and the owner ("" when none). */
static int persist_read(const char *path, uint16_t *vendor, uint16_t *device,
			char *owner, size_t olen)
{
	char line[256];
	bool ids = false;
	FILE *fp = fopen(path, "re");

	owner[0] = 0;
	if (!fp)
		return -errno;
	while (fgets(line, sizeof(line), fp)) {
		unsigned int v, d;

		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "device %4x:%4x", &v, &d) == 2) {
			*vendor = (uint16_t)v;
			*device = (uint16_t)d;
			ids = true;
		} else if (!strncmp(line, "owner ", 6)) {
			cli_say(owner, olen, "%s", line + 6);
		}
	}
	fclose(fp);
	return ids ? 0 : -EINVAL;
}

struct applied {
	char bdf[PA_BDF_STRLEN];
	bool ok;
	char msg[768];
};

/* Bind one saved function again. */
static void apply_one(const struct cli *c, const struct pa_bdf *bdf, struct applied *r)
{
	char path[PATH_MAX], owner[64], msg[768];
	uint16_t vendor = 0, device = 0;
	struct pa_pci_func f;
	const char *what;
	int ret;

	pa_bdf_format(bdf, r->bdf);
	r->ok = false;
	if (!cli_persist_path(c, bdf, path, sizeof(path)) ||
	    persist_read(path, &vendor, &device, owner, sizeof(owner))) {
		cli_say(r->msg, sizeof(r->msg), "%s: no binding saved for it (%s)%s", r->bdf,
			 path, access(path, F_OK) ? "" : " or it is not readable");
		return;
	}
	ret = pa_host_get_func(&c->host, bdf, &f);
	if (ret) {
		cli_say(r->msg, sizeof(r->msg), "%s: %s", r->bdf,
			 ret == -ENODEV ? "not present" : strerror(-ret));
		return;
	}
	if (f.vendor != vendor || f.device != device) {
		cli_say(r->msg, sizeof(r->msg),
			 "%s is %04x:%04x, but %04x:%04x was bound at boot: left alone (another card in the slot? 'pciassign unbind %s' forgets it)",
			 r->bdf, f.vendor, f.device, vendor, device, r->bdf);
		return;
	}
	ret = cli_bind_one(c, bdf, owner[0] ? owner : NULL, msg, sizeof(msg), &what);
	r->ok = !ret;
	cli_say(r->msg, sizeof(r->msg), "%s%s%s", ret ? what : "", ret ? ": " : "", msg);
}

/* pciassign apply [BDF]: the saved bindings, or that one. */
int cmd_apply(struct cli *c)
{
	static struct applied res[256];
	char dir[PATH_MAX];
	struct pa_json j;
	size_t n = 0;
	bool failed = false;

	if (c->argc > 1) {
		cli_err("'apply' takes at most one PCI address");
		return CLI_USAGE;
	}
	if (c->argc == 1) {
		struct pa_bdf bdf;

		if (cli_bdf_arg(c, "apply", &bdf))
			return CLI_USAGE;
		apply_one(c, &bdf, &res[n++]);
	} else {
		struct dirent *de;
		DIR *d;

		snprintf(dir, sizeof(dir), "%s/bind.d", conf_dir(c));
		d = opendir(dir);
		while (d && (de = readdir(d)) && n < sizeof(res) / sizeof(res[0])) {
			struct pa_bdf bdf;

			/* Only BDF-named files: not editors' backups or our .new files. */
			if (pa_bdf_parse(de->d_name, &bdf))
				continue;
			apply_one(c, &bdf, &res[n++]);
		}
		if (d)
			closedir(d);
	}
	if (c->json) {
		pa_json_init(&j, stdout);
		pa_json_obj_begin(&j, NULL);
		pa_json_arr_begin(&j, "devices");
	}
	for (size_t i = 0; i < n; i++) {
		failed |= !res[i].ok;
		if (c->json) {
			pa_json_obj_begin(&j, NULL);
			pa_json_str(&j, "bdf", res[i].bdf);
			pa_json_bool(&j, "ok", res[i].ok);
			pa_json_str(&j, "message", res[i].msg);
			pa_json_obj_end(&j);
		} else if (res[i].ok) {
			printf("%s\n", res[i].msg);
		} else {
			cli_err("%s", res[i].msg);
		}
	}
	if (c->json) {
		pa_json_arr_end(&j);
		pa_json_obj_end(&j);
		pa_json_finish(&j);
	}
	return failed ? CLI_FAIL : CLI_OK;
}
