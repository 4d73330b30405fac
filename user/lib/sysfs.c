// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host discovery: PCI functions, IOMMU groups, assignability, readiness
 * checks, and binding to/unbinding from the pciassign driver, all through
 * sysfs/procfs under configurable roots.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libpciassign.h"

#define PA_DRV "pciassign"

static const char *sysfs_root(const struct pa_host *h)
{
	return h && h->sysfs_root ? h->sysfs_root : "/sys";
}

static const char *proc_root(const struct pa_host *h)
{
	return h && h->proc_root ? h->proc_root : "/proc";
}

static const char *dev_root(const struct pa_host *h)
{
	return h && h->dev_root ? h->dev_root : "/dev";
}

static const char *state_dir(const struct pa_host *h)
{
	return h && h->state_dir ? h->state_dir : "/run/pciassign";
}

/* Format into buf; -ENAMETOOLONG instead of silent truncation. */
__attribute__((format(printf, 3, 4)))
static int fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, len, f, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	return (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Appending variant for messages: truncation is harmless there. */
__attribute__((format(printf, 3, 4)))
static void msgf(char *buf, size_t len, const char *f, ...)
{
	va_list ap;

	if (!buf || !len)
		return;
	va_start(ap, f);
	vsnprintf(buf, len, f, ap);
	va_end(ap);
}

static void dev_path(const struct pa_host *h, const struct pa_bdf *bdf,
		     const char *attr, char *buf, size_t len)
{
	char name[PA_BDF_STRLEN];

	pa_bdf_format(bdf, name);
	if (fmt(buf, len, "%s/bus/pci/devices/%s/%s", sysfs_root(h), name, attr))
		buf[0] = '\0';
}

/* Read a small text file, NUL-terminated, trailing whitespace stripped. */
static int read_text(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	if (!path[0])
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	return (int)n;
}

static int read_hex(const char *path, uint64_t *val)
{
	char buf[64], *end;
	int ret = read_text(path, buf, sizeof(buf));

	if (ret < 0)
		return ret;
	errno = 0;
	*val = strtoull(buf, &end, 16);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

/* The last path component of a symlink's target (driver, iommu_group). */
static int link_name(const char *path, char *buf, size_t len)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, base);
	return 0;
}

/* Write value to a sysfs attribute in one write(), as the kernel wants. */
static int write_attr(const struct pa_host *h, const char *path, const char *value)
{
	size_t len = strlen(value);
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && h && h->wrote)
		h->wrote(h->opaque, path, value);
	return ret;
}

int pa_host_read_attr(const struct pa_host *h, const struct pa_bdf *bdf,
		      const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];

	if (!len)
		return -EINVAL;
	dev_path(h, bdf, attr, path, sizeof(path));
	return read_text(path, buf, len);
}

int pa_host_read_config(const struct pa_host *h, const struct pa_bdf *bdf,
			void *buf, size_t len)
{
	char path[PATH_MAX];
	size_t done = 0;
	int fd;

	dev_path(h, bdf, "config", path, sizeof(path));
	if (!path[0])
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return (int)n;
		}
		if (!n)
			break;
		done += (size_t)n;
	}
	close(fd);
	return (int)done;
}

static uint8_t header_from_class(uint32_t class_code)
{
	switch (class_code >> 8) {
	case 0x0604:
	case 0x0609:
		return 1;
	case 0x0607:
		return 2;
	default:
		return 0;
	}
}

int pa_host_get_func(const struct pa_host *h, const struct pa_bdf *bdf,
		     struct pa_pci_func *out)
{
	char path[PATH_MAX], buf[PA_DRIVER_NAME_MAX];
	uint64_t v;
	uint8_t hdr;
	struct stat st;
	int ret;

	memset(out, 0, sizeof(*out));
	out->bdf = *bdf;
	out->iommu_group = -1;

	dev_path(h, bdf, "", path, sizeof(path));
	if (!path[0])
		return -ENAMETOOLONG;
	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return -ENODEV;

	dev_path(h, bdf, "vendor", path, sizeof(path));
	ret = read_hex(path, &v);
	if (ret)
		return ret;
	out->vendor = (uint16_t)v;
	dev_path(h, bdf, "device", path, sizeof(path));
	ret = read_hex(path, &v);
	if (ret)
		return ret;
	out->device = (uint16_t)v;
	dev_path(h, bdf, "class", path, sizeof(path));
	ret = read_hex(path, &v);
	if (ret)
		return ret;
	out->class_code = (uint32_t)v & 0xffffff;

	/* Optional attributes: absent on some kernels or fake trees. */
	dev_path(h, bdf, "subsystem_vendor", path, sizeof(path));
	if (!read_hex(path, &v))
		out->subsys_vendor = (uint16_t)v;
	dev_path(h, bdf, "subsystem_device", path, sizeof(path));
	if (!read_hex(path, &v))
		out->subsys_device = (uint16_t)v;
	dev_path(h, bdf, "revision", path, sizeof(path));
	if (!read_hex(path, &v))
		out->revision = (uint8_t)v;

	/* Header type from config byte 0x0e; the class when unreadable. */
	if (pa_host_read_config(h, bdf, buf, 16) == 16) {
		hdr = (uint8_t)buf[0x0e];
		out->header_type = hdr & 0x7f;
		out->multifunction = hdr & 0x80;
		if (!out->revision)
			out->revision = (uint8_t)buf[0x08];
	} else {
		out->header_type = header_from_class(out->class_code);
	}

	dev_path(h, bdf, "driver", path, sizeof(path));
	if (link_name(path, out->driver, sizeof(out->driver)))
		out->driver[0] = '\0';

	dev_path(h, bdf, "iommu_group", path, sizeof(path));
	if (!link_name(path, buf, sizeof(buf))) {
		char *end;
		long g = strtol(buf, &end, 10);

		if (!*end && end != buf && g >= 0 && g <= INT_MAX)
			out->iommu_group = (int)g;
	}

	dev_path(h, bdf, "driver_override", path, sizeof(path));
	if (read_text(path, out->driver_override, sizeof(out->driver_override)) < 0 ||
	    !strcmp(out->driver_override, "(null)"))
		out->driver_override[0] = '\0';
	return 0;
}

static uint64_t bdf_key(const struct pa_bdf *b)
{
	return (uint64_t)b->segment << 16 | (uint64_t)b->bus << 8 |
	       (uint64_t)(b->dev << 3 | b->fn);
}

static int cmp_bdf(const void *a, const void *b)
{
	uint64_t ka = bdf_key(a), kb = bdf_key(b);

	return ka < kb ? -1 : ka > kb;
}

static int cmp_func(const void *a, const void *b)
{
	return cmp_bdf(&((const struct pa_pci_func *)a)->bdf,
		       &((const struct pa_pci_func *)b)->bdf);
}

/* The PCI addresses named by the entries of a directory, sorted. */
static int list_bdfs(const char *dir, struct pa_bdf **out, size_t *count)
{
	struct pa_bdf *v = NULL, *nv;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	*count = 0;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct pa_bdf b;

		if (pa_bdf_parse(de->d_name, &b))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		v[n++] = b;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_bdf);
	*out = v;
	*count = n;
	return 0;
}

int pa_host_list_funcs(const struct pa_host *h, struct pa_pci_func **out,
		       size_t *count)
{
	char dir[PATH_MAX];
	struct pa_bdf *bdfs;
	struct pa_pci_func *f;
	size_t n, i, k = 0;
	int ret;

	*out = NULL;
	*count = 0;
	ret = fmt(dir, sizeof(dir), "%s/bus/pci/devices", sysfs_root(h));
	if (ret)
		return ret;
	ret = list_bdfs(dir, &bdfs, &n);
	if (ret)
		return ret;
	f = calloc(n ? n : 1, sizeof(*f));
	if (!f) {
		free(bdfs);
		return -ENOMEM;
	}
	/* A function that vanished meanwhile (hot-unplug) is skipped. */
	for (i = 0; i < n; i++)
		if (!pa_host_get_func(h, &bdfs[i], &f[k]))
			k++;
	free(bdfs);
	qsort(f, k, sizeof(*f), cmp_func);
	*out = f;
	*count = k;
	return 0;
}

int pa_host_group_members(const struct pa_host *h, int group,
			  struct pa_bdf **out, size_t *count)
{
	char dir[PATH_MAX];
	int ret;

	*out = NULL;
	*count = 0;
	if (group < 0)
		return -EINVAL;
	ret = fmt(dir, sizeof(dir), "%s/kernel/iommu_groups/%d/devices",
		  sysfs_root(h), group);
	if (ret)
		return ret;
	return list_bdfs(dir, out, count);
}

uint64_t pa_host_res_size(const struct pa_host_resource *r)
{
	if (!r->flags || r->end < r->start || (!r->start && !r->end))
		return 0;
	return r->end - r->start + 1;
}

int pa_host_read_resources(const struct pa_host *h, const struct pa_bdf *bdf,
			   struct pa_host_resource res[PA_HOST_NUM_RES])
{
	char path[PATH_MAX], line[128];
	FILE *f;
	int i = 0;

	memset(res, 0, sizeof(*res) * PA_HOST_NUM_RES);
	dev_path(h, bdf, "resource", path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (i < PA_HOST_NUM_RES && fgets(line, sizeof(line), f)) {
		unsigned long long s, e, fl;

		if (sscanf(line, "%llx %llx %llx", &s, &e, &fl) != 3) {
			fclose(f);
			return -EINVAL;
		}
		res[i].start = s;
		res[i].end = e;
		res[i].flags = fl;
		i++;
	}
	fclose(f);
	return 0;
}

static bool member_harmless(const struct pa_pci_func *m)
{
	if (!m->driver[0] || !strcmp(m->driver, PA_DRV))
		return true;
	/* PCIe port services do no DMA: the module accepts them too. */
	return m->header_type == 1 && !strcmp(m->driver, "pcieport");
}

int pa_host_assignability(const struct pa_host *h, const struct pa_pci_func *f,
			  struct pa_assignability *out)
{
	char name[PA_BDF_STRLEN], oname[PA_BDF_STRLEN];
	struct pa_bdf *members;
	size_t n, i;
	int ret;

	memset(out, 0, sizeof(*out));
	pa_bdf_format(&f->bdf, name);
	if (f->header_type != 0) {
		out->verdict = PA_VERDICT_BRIDGE;
		msgf(out->reason, sizeof(out->reason),
		     "%s is a bridge (header type %u): bridges are not assignable; assign the devices behind it",
		     name, f->header_type);
		return 0;
	}
	if (f->iommu_group < 0) {
		out->verdict = PA_VERDICT_NO_IOMMU;
		msgf(out->reason, sizeof(out->reason),
		     "%s is not behind an IOMMU (no iommu_group): enable VT-d/AMD-Vi in the firmware and boot with intel_iommu=on or amd_iommu=on",
		     name);
		return 0;
	}
	ret = pa_host_group_members(h, f->iommu_group, &members, &n);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		struct pa_pci_func m;

		if (!cmp_bdf(&members[i], &f->bdf))
			continue;
		if (pa_host_get_func(h, &members[i], &m) || member_harmless(&m))
			continue;
		out->verdict = PA_VERDICT_GROUP;
		out->offender = m.bdf;
		strcpy(out->offender_driver, m.driver);
		pa_bdf_format(&m.bdf, oname);
		msgf(out->reason, sizeof(out->reason),
		     "%s is in IOMMU group %d with %s (bound to %s): unbind it or bind it to pciassign too",
		     name, f->iommu_group, oname, m.driver);
		free(members);
		return 0;
	}
	free(members);
	out->assignable = true;
	if (!strcmp(f->driver, PA_DRV)) {
		out->verdict = PA_VERDICT_ASSIGNED;
		msgf(out->reason, sizeof(out->reason), "already bound to pciassign");
	} else if (f->driver[0]) {
		out->verdict = PA_VERDICT_OK;
		msgf(out->reason, sizeof(out->reason),
		     "ok, now bound to %s: 'pciassign bind %s' hands it over", f->driver, name);
	} else {
		out->verdict = PA_VERDICT_OK;
		msgf(out->reason, sizeof(out->reason), "ok");
	}
	return 0;
}

/* ---- readiness checks ---- */

static bool path_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

/* Count directory entries (not . and ..), listing up to a few names. */
static int count_entries(const char *dir, char *names, size_t len)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	if (names && len)
		names[0] = '\0';
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (names && n < 4) {
			size_t used = strlen(names);

			snprintf(names + used, len - used, "%s%s", n ? "," : "", de->d_name);
		}
		n++;
	}
	closedir(d);
	return n;
}

/* Is `word` a whole word of the kernel command line? */
static bool cmdline_has(const char *cmdline, const char *word)
{
	size_t wl = strlen(word);
	const char *p = cmdline;

	while ((p = strstr(p, word))) {
		bool start = p == cmdline || p[-1] == ' ';
		bool end = p[wl] == '\0' || p[wl] == ' ' || p[wl] == '\n';

		if (start && end)
			return true;
		p += wl;
	}
	return false;
}

static void check_iommu(const struct pa_host *h, struct pa_check *c)
{
	char path[PATH_MAX], names[128];
	int units, groups;
	const char *table = "none";

	c->name = "iommu";
	fmt(path, sizeof(path), "%s/class/iommu", sysfs_root(h));
	units = count_entries(path, names, sizeof(names));
	fmt(path, sizeof(path), "%s/kernel/iommu_groups", sysfs_root(h));
	groups = count_entries(path, NULL, 0);
	fmt(path, sizeof(path), "%s/firmware/acpi/tables/DMAR", sysfs_root(h));
	if (path_exists(path))
		table = "DMAR";
	fmt(path, sizeof(path), "%s/firmware/acpi/tables/IVRS", sysfs_root(h));
	if (path_exists(path))
		table = "IVRS";
	if (units < 0)
		units = 0;
	if (groups < 0)
		groups = 0;
	msgf(c->detail, sizeof(c->detail),
	     "%d IOMMU unit(s)%s%s%s, %d IOMMU group(s), ACPI table %s (checked /sys/class/iommu, /sys/kernel/iommu_groups, /sys/firmware/acpi/tables)",
	     units, units ? " (" : "", units ? names : "", units ? ")" : "", groups, table);
	if (units > 0 || groups > 0) {
		c->status = PA_CHECK_OK;
		return;
	}
	c->status = PA_CHECK_FAIL;
	if (strcmp(table, "none"))
		msgf(c->fix, sizeof(c->fix),
		     "the firmware describes an IOMMU (%s) but Linux does not use it: boot with %s",
		     table, strcmp(table, "DMAR") ? "amd_iommu=on" : "intel_iommu=on");
	else
		msgf(c->fix, sizeof(c->fix),
		     "no IOMMU found: enable VT-d (Intel) or AMD-Vi/IOMMU in the firmware setup, then boot with intel_iommu=on or amd_iommu=on");
}

/*
 * Interrupt remapping. Active remapping shows as "IR-" interrupt chips
 * (IR-PCI-MSI, IR-IO-APIC) in /proc/interrupts; the command line and the
 * Intel IOMMUs' extended capability (ECAP.IR, bit 3) explain its absence.
 */
static void check_intremap(const struct pa_host *h, struct pa_check *c)
{
	char path[PATH_MAX], cmdline[4096], line[512];
	int ir_lines = 0, units = 0, units_ir = 0;
	bool off = false;
	struct dirent *de;
	FILE *f;
	DIR *d;

	c->name = "interrupt-remapping";
	fmt(path, sizeof(path), "%s/interrupts", proc_root(h));
	f = fopen(path, "re");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (strstr(line, " IR-"))
				ir_lines++;
		fclose(f);
	}
	fmt(path, sizeof(path), "%s/cmdline", proc_root(h));
	if (read_text(path, cmdline, sizeof(cmdline)) >= 0)
		off = cmdline_has(cmdline, "intremap=off") ||
		      cmdline_has(cmdline, "nointremap");

	fmt(path, sizeof(path), "%s/class/iommu", sysfs_root(h));
	d = opendir(path);
	while (d && (de = readdir(d))) {
		char ecap_path[PATH_MAX];
		uint64_t ecap;

		if (de->d_name[0] == '.')
			continue;
		if (fmt(ecap_path, sizeof(ecap_path), "%s/%s/intel-iommu/ecap", path, de->d_name) ||
		    read_hex(ecap_path, &ecap))
			continue;
		units++;
		if (ecap & (1u << 3))
			units_ir++;
	}
	if (d)
		closedir(d);

	msgf(c->detail, sizeof(c->detail),
	     "%d interrupt(s) through IR- chips in /proc/interrupts; %s; Intel IOMMU units with ECAP.IR: %d of %d (checked /proc/interrupts, /proc/cmdline, /sys/class/iommu/*/intel-iommu/ecap)",
	     ir_lines, off ? "disabled on the kernel command line" : "not disabled on the kernel command line",
	     units_ir, units);
	if (ir_lines > 0) {
		c->status = PA_CHECK_OK;
		return;
	}
	c->status = PA_CHECK_FAIL;
	if (off)
		msgf(c->fix, sizeof(c->fix),
		     "remove intremap=off/nointremap from the kernel command line and reboot");
	else if (units && !units_ir)
		msgf(c->fix, sizeof(c->fix),
		     "the IOMMU cannot remap interrupts: assignment is unsafe (guests could forge MSIs); use a platform with interrupt remapping, or load pciassign with allow_unsafe_interrupts=1 at your own risk");
	else
		msgf(c->fix, sizeof(c->fix),
		     "interrupt remapping is not active: enable the IOMMU (intel_iommu=on / amd_iommu=on) and x2APIC/interrupt remapping in the firmware, then check dmesg for 'remapping'");
}

static void check_module(const struct pa_host *h, struct pa_check *c)
{
	char path[PATH_MAX], ver[64];
	bool mod, drv;

	c->name = "module";
	fmt(path, sizeof(path), "%s/module/" PA_DRV, sysfs_root(h));
	mod = path_exists(path);
	fmt(path, sizeof(path), "%s/module/" PA_DRV "/version", sysfs_root(h));
	if (read_text(path, ver, sizeof(ver)) <= 0)
		strcpy(ver, "?");
	fmt(path, sizeof(path), "%s/bus/pci/drivers/" PA_DRV, sysfs_root(h));
	drv = path_exists(path);
	if (mod && drv) {
		c->status = PA_CHECK_OK;
		msgf(c->detail, sizeof(c->detail),
		     "pciassign loaded (version %s), PCI driver registered (checked /sys/module/pciassign, /sys/bus/pci/drivers/pciassign)", ver);
	} else if (mod) {
		c->status = PA_CHECK_FAIL;
		msgf(c->detail, sizeof(c->detail),
		     "pciassign loaded but no PCI driver 'pciassign' registered");
		msgf(c->fix, sizeof(c->fix),
		     "reload it (rmmod pciassign; modprobe pciassign) and check dmesg");
	} else {
		c->status = PA_CHECK_FAIL;
		msgf(c->detail, sizeof(c->detail), "module pciassign not loaded (checked /sys/module/pciassign)");
		msgf(c->fix, sizeof(c->fix), "modprobe pciassign");
	}
}

static void check_devnode(const struct pa_host *h, struct pa_check *c)
{
	char path[PATH_MAX];
	struct stat st;

	c->name = "device-node";
	fmt(path, sizeof(path), "%s/pciassign", dev_root(h));
	if (stat(path, &st)) {
		c->status = PA_CHECK_FAIL;
		msgf(c->detail, sizeof(c->detail), "%s: %s", path, strerror(errno));
		msgf(c->fix, sizeof(c->fix),
		     "load the module (modprobe pciassign); if it is loaded, check that udev/devtmpfs created the node");
		return;
	}
	if (!S_ISCHR(st.st_mode)) {
		c->status = PA_CHECK_FAIL;
		msgf(c->detail, sizeof(c->detail), "%s is not a character device", path);
		msgf(c->fix, sizeof(c->fix), "remove %s and reload the module", path);
		return;
	}
	c->status = PA_CHECK_OK;
	msgf(c->detail, sizeof(c->detail),
	     "%s: character device, mode %04o, owner uid %u, group gid %u%s",
	     path, (unsigned int)(st.st_mode & 07777), (unsigned int)st.st_uid,
	     (unsigned int)st.st_gid,
	     (st.st_mode & 0006) ? " (open to every user: consider a udev rule restricting it)" : "");
}

static void check_device(const struct pa_host *h, const struct pa_bdf *bdf,
			 struct pa_check *c, struct pa_check *c2, size_t *n)
{
	char name[PA_BDF_STRLEN];
	struct pa_assignability a;
	struct pa_pci_func f;
	int ret;

	pa_bdf_format(bdf, name);
	c->name = "device";
	ret = pa_host_get_func(h, bdf, &f);
	if (ret) {
		c->status = PA_CHECK_FAIL;
		msgf(c->detail, sizeof(c->detail), "%s: %s", name,
		     ret == -ENODEV ? "no such PCI function" : strerror(-ret));
		msgf(c->fix, sizeof(c->fix), "check the address with 'pciassign list'");
		(*n)++;
		return;
	}
	ret = pa_host_assignability(h, &f, &a);
	if (ret) {
		c->status = PA_CHECK_FAIL;
		msgf(c->detail, sizeof(c->detail), "%s: cannot read its IOMMU group: %s",
		     name, strerror(-ret));
		(*n)++;
		return;
	}
	c->status = a.assignable ? PA_CHECK_OK : PA_CHECK_FAIL;
	if (a.assignable)
		msgf(c->detail, sizeof(c->detail), "%s [%04x:%04x] in IOMMU group %d: group viable",
		     name, f.vendor, f.device, f.iommu_group);
	else
		msgf(c->detail, sizeof(c->detail), "%s [%04x:%04x] not assignable", name,
		     f.vendor, f.device);
	if (!a.assignable)
		msgf(c->fix, sizeof(c->fix), "%s", a.reason);
	(*n)++;
	if (!c2 || !a.assignable)
		return;
	c2->name = "device-driver";
	if (!strcmp(f.driver, PA_DRV)) {
		c2->status = PA_CHECK_OK;
		msgf(c2->detail, sizeof(c2->detail), "%s is bound to pciassign", name);
	} else {
		c2->status = PA_CHECK_WARN;
		msgf(c2->detail, sizeof(c2->detail), "%s is %s%s", name,
		     f.driver[0] ? "bound to " : "not bound to any driver",
		     f.driver);
		msgf(c2->fix, sizeof(c2->fix), "pciassign bind %s", name);
	}
	(*n)++;
}

int pa_host_check(const struct pa_host *h, const struct pa_bdf *bdf,
		  struct pa_check *out, size_t max)
{
	struct pa_check all[PA_HOST_MAX_CHECKS];
	size_t n = 4;

	memset(all, 0, sizeof(all));
	check_iommu(h, &all[0]);
	check_intremap(h, &all[1]);
	check_module(h, &all[2]);
	check_devnode(h, &all[3]);
	if (bdf)
		check_device(h, bdf, &all[4], &all[5], &n);
	if (n > max)
		n = max;
	memcpy(out, all, n * sizeof(*out));
	return (int)n;
}

/* ---- bind / unbind ---- */

static int state_path(const struct pa_host *h, const struct pa_bdf *bdf,
		      char *buf, size_t len)
{
	char name[PA_BDF_STRLEN];

	pa_bdf_format(bdf, name);
	return fmt(buf, len, "%s/%s.driver", state_dir(h), name);
}

static int mkdir_p(const char *dir)
{
	char tmp[PATH_MAX];
	char *p;

	if (strlen(dir) >= sizeof(tmp))
		return -ENAMETOOLONG;
	strcpy(tmp, dir);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int save_driver(const struct pa_host *h, const struct pa_bdf *bdf,
		       const char *driver)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;
	int ret;

	ret = mkdir_p(state_dir(h));
	if (ret)
		return ret;
	ret = state_path(h, bdf, path, sizeof(path));
	if (ret)
		return ret;
	/* Write then rename: a crash never leaves a half-written name. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "%s\n", driver);
	if (fclose(f)) {
		ret = -errno;
		unlink(tmp);
		return ret;
	}
	if (rename(tmp, path)) {
		ret = -errno;
		unlink(tmp);
		return ret;
	}
	return 0;
}

/* The remembered host driver, "" when none. */
static void load_driver(const struct pa_host *h, const struct pa_bdf *bdf,
			char *buf, size_t len)
{
	char path[PATH_MAX];

	buf[0] = '\0';
	if (state_path(h, bdf, path, sizeof(path)) || read_text(path, buf, len) < 0)
		buf[0] = '\0';
}

static void forget_driver(const struct pa_host *h, const struct pa_bdf *bdf)
{
	char path[PATH_MAX];

	if (!state_path(h, bdf, path, sizeof(path)))
		unlink(path);
}

static int drv_attr(const struct pa_host *h, const char *drv, const char *attr,
		    const char *name)
{
	char path[PATH_MAX];
	int ret;

	ret = fmt(path, sizeof(path), "%s/bus/pci/drivers/%s/%s", sysfs_root(h), drv, attr);
	return ret ? ret : write_attr(h, path, name);
}

static int set_override(const struct pa_host *h, const struct pa_bdf *bdf,
			const char *drv)
{
	char path[PATH_MAX];

	dev_path(h, bdf, "driver_override", path, sizeof(path));
	/* A lone newline clears the override. */
	return write_attr(h, path, drv[0] ? drv : "\n");
}

static int probe(const struct pa_host *h, const char *name)
{
	char path[PATH_MAX];
	int ret;

	ret = fmt(path, sizeof(path), "%s/bus/pci/drivers_probe", sysfs_root(h));
	return ret ? ret : write_attr(h, path, name);
}

static void current_driver(const struct pa_host *h, const struct pa_bdf *bdf,
			   char *buf, size_t len)
{
	char path[PATH_MAX];

	dev_path(h, bdf, "driver", path, sizeof(path));
	if (link_name(path, buf, len))
		buf[0] = '\0';
}

/* Put the function back on `orig` (or on whatever probes) after a failure. */
static void restore(const struct pa_host *h, const struct pa_bdf *bdf,
		    const char *name, const char *orig)
{
	char now[PA_DRIVER_NAME_MAX];

	current_driver(h, bdf, now, sizeof(now));
	if (!strcmp(now, PA_DRV))
		drv_attr(h, PA_DRV, "unbind", name);
	set_override(h, bdf, "");
	probe(h, name);
	current_driver(h, bdf, now, sizeof(now));
	if (orig[0] && strcmp(now, orig))
		drv_attr(h, orig, "bind", name);
}

int pa_host_bind(const struct pa_host *h, const struct pa_bdf *bdf,
		 char *msg, size_t msglen)
{
	char name[PA_BDF_STRLEN], now[PA_DRIVER_NAME_MAX];
	struct pa_pci_func f;
	int ret;

	msgf(msg, msglen, "%s", "");
	pa_bdf_format(bdf, name);
	ret = pa_host_get_func(h, bdf, &f);
	if (ret) {
		msgf(msg, msglen, "%s: %s; check the address with 'pciassign list'", name,
		     ret == -ENODEV ? "no such PCI function" : strerror(-ret));
		return ret;
	}
	if (!strcmp(f.driver, PA_DRV)) {
		msgf(msg, msglen, "%s is already bound to pciassign", name);
		return 0;
	}
	if (f.header_type != 0) {
		msgf(msg, msglen, "%s is a bridge (header type %u): bridges are not assignable",
		     name, f.header_type);
		return -EINVAL;
	}
	if (f.iommu_group < 0) {
		msgf(msg, msglen,
		     "%s is not behind an IOMMU: enable VT-d/AMD-Vi and boot with intel_iommu=on or amd_iommu=on",
		     name);
		return -ENXIO;
	}
	if (f.driver[0]) {
		ret = save_driver(h, bdf, f.driver);
		if (ret) {
			msgf(msg, msglen,
			     "cannot save %s's driver name under %s: %s; check that the directory is writable",
			     name, state_dir(h), strerror(-ret));
			return ret;
		}
	}
	ret = set_override(h, bdf, PA_DRV);
	if (ret) {
		msgf(msg, msglen, "cannot set %s's driver_override: %s (kernel too old, or not root?)",
		     name, strerror(-ret));
		goto undo;
	}
	if (f.driver[0]) {
		ret = drv_attr(h, f.driver, "unbind", name);
		if (ret) {
			msgf(msg, msglen, "cannot unbind %s from %s: %s", name, f.driver,
			     strerror(-ret));
			goto undo;
		}
	}
	/* A failed probe shows as the missing driver link below. */
	probe(h, name);
	current_driver(h, bdf, now, sizeof(now));
	if (strcmp(now, PA_DRV)) {
		ret = -EIO;
		msgf(msg, msglen,
		     "pciassign did not take %s (driver now: %s): is the module loaded (modprobe pciassign)? see dmesg; %s",
		     name, now[0] ? now : "none",
		     f.driver[0] ? "given back to its driver" : "left unbound");
		goto undo;
	}
	if (f.driver[0])
		msgf(msg, msglen, "%s: unbound from %s, bound to pciassign", name, f.driver);
	else
		msgf(msg, msglen, "%s: bound to pciassign", name);
	return 0;
undo:
	restore(h, bdf, name, f.driver);
	if (f.driver[0])
		forget_driver(h, bdf);
	return ret;
}

int pa_host_unbind(const struct pa_host *h, const struct pa_bdf *bdf,
		   char *msg, size_t msglen)
{
	char name[PA_BDF_STRLEN], orig[PA_DRIVER_NAME_MAX], now[PA_DRIVER_NAME_MAX];
	struct pa_pci_func f;
	int ret;

	msgf(msg, msglen, "%s", "");
	pa_bdf_format(bdf, name);
	ret = pa_host_get_func(h, bdf, &f);
	if (ret) {
		msgf(msg, msglen, "%s: %s; check the address with 'pciassign list'", name,
		     ret == -ENODEV ? "no such PCI function" : strerror(-ret));
		return ret;
	}
	if (f.driver[0] && strcmp(f.driver, PA_DRV)) {
		msgf(msg, msglen, "%s is bound to %s, not to pciassign: nothing to do",
		     name, f.driver);
		return -EINVAL;
	}
	if (!f.driver[0] && strcmp(f.driver_override, PA_DRV)) {
		msgf(msg, msglen, "%s is not bound to pciassign: nothing to do", name);
		return -EINVAL;
	}
	load_driver(h, bdf, orig, sizeof(orig));
	if (f.driver[0]) {
		ret = drv_attr(h, PA_DRV, "unbind", name);
		if (ret) {
			msgf(msg, msglen,
			     "cannot unbind %s from pciassign: %s (is a VMM still using it? stop it first)",
			     name, strerror(-ret));
			return ret;
		}
	}
	ret = set_override(h, bdf, "");
	if (ret) {
		msgf(msg, msglen, "cannot clear %s's driver_override: %s", name, strerror(-ret));
		return ret;
	}
	probe(h, name);
	current_driver(h, bdf, now, sizeof(now));
	if (orig[0] && strcmp(now, orig)) {
		if (now[0])
			drv_attr(h, now, "unbind", name);
		ret = drv_attr(h, orig, "bind", name);
		current_driver(h, bdf, now, sizeof(now));
		if (strcmp(now, orig)) {
			msgf(msg, msglen,
			     "%s: released, but binding it back to %s failed (%s): try 'modprobe %s' and 'echo %s > /sys/bus/pci/drivers/%s/bind'",
			     name, orig, ret ? strerror(-ret) : "driver did not take it",
			     orig, name, orig);
			return ret ? ret : -EIO;
		}
	}
	forget_driver(h, bdf);
	if (now[0])
		msgf(msg, msglen, "%s: unbound from pciassign, now bound to %s", name, now);
	else
		msgf(msg, msglen, "%s: unbound from pciassign, left without a driver", name);
	return 0;
}
