// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host readiness checks (pa_host_check) and handing functions to and from
 * the pciassign driver (pa_host_bind, pa_host_unbind), through sysfs and
 * procfs under configurable roots.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "libpciassign.h"
#include "msg.h"
#include "sysfs_int.h"

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
	pa_fmt(path, sizeof(path), "%s/class/iommu", pa_sysfs_root(h));
	units = count_entries(path, names, sizeof(names));
	pa_fmt(path, sizeof(path), "%s/kernel/iommu_groups", pa_sysfs_root(h));
	groups = count_entries(path, NULL, 0);
	pa_fmt(path, sizeof(path), "%s/firmware/acpi/tables/DMAR", pa_sysfs_root(h));
	if (path_exists(path))
		table = "DMAR";
	pa_fmt(path, sizeof(path), "%s/firmware/acpi/tables/IVRS", pa_sysfs_root(h));
	if (path_exists(path))
		table = "IVRS";
	if (units < 0)
		units = 0;
	if (groups < 0)
		groups = 0;
	pa_textf(c->detail, sizeof(c->detail),
		 "%d IOMMU unit(s)%s%s%s, %d IOMMU group(s), ACPI table %s (checked /sys/class/iommu, /sys/kernel/iommu_groups, /sys/firmware/acpi/tables)",
		 units, units ? " (" : "", units ? names : "", units ? ")" : "", groups, table);
	if (units > 0 || groups > 0) {
		c->status = PA_CHECK_OK;
		return;
	}
	c->status = PA_CHECK_FAIL;
	if (strcmp(table, "none"))
		pa_textf(c->fix, sizeof(c->fix),
			 "the firmware describes an IOMMU (%s) but Linux does not use it: boot with %s",
			 table, strcmp(table, "DMAR") ? "amd_iommu=on" : "intel_iommu=on");
	else
		pa_textf(c->fix, sizeof(c->fix),
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
	pa_fmt(path, sizeof(path), "%s/interrupts", pa_proc_root(h));
	f = fopen(path, "re");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (strstr(line, " IR-"))
				ir_lines++;
		fclose(f);
	}
	pa_fmt(path, sizeof(path), "%s/cmdline", pa_proc_root(h));
	if (pa_read_text(path, cmdline, sizeof(cmdline)) >= 0)
		off = cmdline_has(cmdline, "intremap=off") ||
		      cmdline_has(cmdline, "nointremap");

	pa_fmt(path, sizeof(path), "%s/class/iommu", pa_sysfs_root(h));
	d = opendir(path);
	while (d && (de = readdir(d))) {
		char ecap_path[PATH_MAX];
		uint64_t ecap;

		if (de->d_name[0] == '.')
			continue;
		if (pa_fmt(ecap_path, sizeof(ecap_path), "%s/%s/intel-iommu/ecap", path, de->d_name) ||
		    pa_read_hex(ecap_path, &ecap))
			continue;
		units++;
		if (ecap & (1u << 3))
			units_ir++;
	}
	if (d)
		closedir(d);

	pa_textf(c->detail, sizeof(c->detail),
		 "%d interrupt(s) through IR- chips in /proc/interrupts; %s; Intel IOMMU units with ECAP.IR: %d of %d (checked /proc/interrupts, /proc/cmdline, /sys/class/iommu/*/intel-iommu/ecap)",
		 ir_lines, off ? "disabled on the kernel command line" : "not disabled on the kernel command line",
		 units_ir, units);
	if (ir_lines > 0) {
		c->status = PA_CHECK_OK;
		return;
	}
	c->status = PA_CHECK_FAIL;
	if (off)
		pa_textf(c->fix, sizeof(c->fix),
			 "remove intremap=off/nointremap from the kernel command line and reboot");
	else if (units && !units_ir)
		pa_textf(c->fix, sizeof(c->fix),
			 "the IOMMU cannot remap interrupts: assignment is unsafe (guests could forge MSIs); use a platform with interrupt remapping, or load pciassign with allow_unsafe_interrupts=1 at your own risk");
	else
		pa_textf(c->fix, sizeof(c->fix),
			 "interrupt remapping is not active: enable the IOMMU (intel_iommu=on / amd_iommu=on) and x2APIC/interrupt remapping in the firmware, then check dmesg for 'remapping'");
}

static void check_module(const struct pa_host *h, struct pa_check *c)
{
	char path[PATH_MAX], ver[64];
	bool mod, drv;

	c->name = "module";
	pa_fmt(path, sizeof(path), "%s/module/" PA_DRV, pa_sysfs_root(h));
	mod = path_exists(path);
	pa_fmt(path, sizeof(path), "%s/module/" PA_DRV "/version", pa_sysfs_root(h));
	if (pa_read_text(path, ver, sizeof(ver)) <= 0)
		strcpy(ver, "?");
	pa_fmt(path, sizeof(path), "%s/bus/pci/drivers/" PA_DRV, pa_sysfs_root(h));
	drv = path_exists(path);
	if (mod && drv) {
		c->status = PA_CHECK_OK;
		pa_textf(c->detail, sizeof(c->detail),
			 "pciassign loaded (version %s), PCI driver registered (checked /sys/module/pciassign, /sys/bus/pci/drivers/pciassign)", ver);
	} else if (mod) {
		c->status = PA_CHECK_FAIL;
		pa_textf(c->detail, sizeof(c->detail),
			 "pciassign loaded but no PCI driver 'pciassign' registered");
		pa_textf(c->fix, sizeof(c->fix),
			 "reload it (rmmod pciassign; modprobe pciassign) and check dmesg");
	} else {
		c->status = PA_CHECK_FAIL;
		pa_textf(c->detail, sizeof(c->detail), "module pciassign not loaded (checked /sys/module/pciassign)");
		pa_textf(c->fix, sizeof(c->fix), "modprobe pciassign");
	}
}

static void check_devnode(const struct pa_host *h, struct pa_check *c)
{
	char path[PATH_MAX];
	struct stat st;

	c->name = "device-node";
	pa_fmt(path, sizeof(path), "%s/pciassign", pa_dev_root(h));
	if (stat(path, &st)) {
		c->status = PA_CHECK_FAIL;
		pa_textf(c->detail, sizeof(c->detail), "%s: %s", path, strerror(errno));
		pa_textf(c->fix, sizeof(c->fix),
			 "load the module (modprobe pciassign); if it is loaded, check that udev/devtmpfs created the node");
		return;
	}
	if (!S_ISCHR(st.st_mode)) {
		c->status = PA_CHECK_FAIL;
		pa_textf(c->detail, sizeof(c->detail), "%s is not a character device", path);
		pa_textf(c->fix, sizeof(c->fix), "remove %s and reload the module", path);
		return;
	}
	c->status = PA_CHECK_OK;
	pa_textf(c->detail, sizeof(c->detail),
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
		pa_textf(c->detail, sizeof(c->detail), "%s: %s", name,
			 ret == -ENODEV ? "no such PCI function" : strerror(-ret));
		pa_textf(c->fix, sizeof(c->fix), "check the address with 'pciassign list'");
		(*n)++;
		return;
	}
	ret = pa_host_assignability(h, &f, &a);
	if (ret) {
		c->status = PA_CHECK_FAIL;
		pa_textf(c->detail, sizeof(c->detail), "%s: cannot read its IOMMU group: %s",
			 name, strerror(-ret));
		(*n)++;
		return;
	}
	c->status = a.assignable ? PA_CHECK_OK : PA_CHECK_FAIL;
	if (a.assignable)
		pa_textf(c->detail, sizeof(c->detail), "%s [%04x:%04x] in IOMMU group %d: group viable",
			 name, f.vendor, f.device, f.iommu_group);
	else
		pa_textf(c->detail, sizeof(c->detail), "%s [%04x:%04x] not assignable", name,
			 f.vendor, f.device);
	if (!a.assignable)
		pa_textf(c->fix, sizeof(c->fix), "%s", a.reason);
	(*n)++;
	if (!c2 || !a.assignable)
		return;
	c2->name = "device-driver";
	if (!strcmp(f.driver, PA_DRV)) {
		c2->status = PA_CHECK_OK;
		pa_textf(c2->detail, sizeof(c2->detail), "%s is bound to pciassign", name);
	} else {
		c2->status = PA_CHECK_WARN;
		pa_textf(c2->detail, sizeof(c2->detail), "%s is %s%s", name,
			 f.driver[0] ? "bound to " : "not bound to any driver",
			 f.driver);
		pa_textf(c2->fix, sizeof(c2->fix), "pciassign bind %s", name);
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
	return pa_fmt(buf, len, "%s/%s.driver", pa_state_dir(h), name);
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

	ret = mkdir_p(pa_state_dir(h));
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
	if (state_path(h, bdf, path, sizeof(path)) || pa_read_text(path, buf, len) < 0)
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

	ret = pa_fmt(path, sizeof(path), "%s/bus/pci/drivers/%s/%s", pa_sysfs_root(h), drv, attr);
	return ret ? ret : pa_write_attr(h, path, name);
}

static int set_override(const struct pa_host *h, const struct pa_bdf *bdf,
			const char *drv)
{
	char path[PATH_MAX];

	pa_dev_path(h, bdf, "driver_override", path, sizeof(path));
	/* A lone newline clears the override. */
	return pa_write_attr(h, path, drv[0] ? drv : "\n");
}

static int probe(const struct pa_host *h, const char *name)
{
	char path[PATH_MAX];
	int ret;

	ret = pa_fmt(path, sizeof(path), "%s/bus/pci/drivers_probe", pa_sysfs_root(h));
	return ret ? ret : pa_write_attr(h, path, name);
}

static void current_driver(const struct pa_host *h, const struct pa_bdf *bdf,
			   char *buf, size_t len)
{
	char path[PATH_MAX];

	pa_dev_path(h, bdf, "driver", path, sizeof(path));
	if (pa_link_name(path, buf, len))
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

/*
 * What bind and unbind start with: no message yet, the function's name
 * and its sysfs state. 0, or the error, said to @m.
 */
static int bind_lookup(const struct pa_host *h, const struct pa_bdf *bdf,
		       const struct pa_msg *m, char *name, struct pa_pci_func *f)
{
	int ret;

	pa_msgf(m, "%s", "");
	pa_bdf_format(bdf, name);
	ret = pa_host_get_func(h, bdf, f);
	if (ret)
		pa_msgf(m, "%s: %s; check the address with 'pciassign list'", name,
			ret == -ENODEV ? "no such PCI function" : strerror(-ret));
	return ret;
}

static int host_bind(const struct pa_host *h, const struct pa_bdf *bdf,
		     const struct pa_msg *m)
{
	char name[PA_BDF_STRLEN], now[PA_DRIVER_NAME_MAX];
	struct pa_pci_func f;
	int ret;

	ret = bind_lookup(h, bdf, m, name, &f);
	if (ret)
		return ret;
	if (!strcmp(f.driver, PA_DRV)) {
		pa_msgf(m, "%s is already bound to pciassign", name);
		return 0;
	}
	if (f.header_type != PCI_HEADER_TYPE_NORMAL) {
		pa_msgf(m, "%s is a bridge (header type %u): bridges are not assignable",
			name, f.header_type);
		return -EINVAL;
	}
	if (f.iommu_group < 0) {
		pa_msgf(m,
			"%s is not behind an IOMMU: enable VT-d/AMD-Vi and boot with intel_iommu=on or amd_iommu=on",
			name);
		return -ENXIO;
	}
	if (f.driver[0]) {
		ret = save_driver(h, bdf, f.driver);
		if (ret) {
			pa_msgf(m,
				"cannot save %s's driver name under %s: %s; check that the directory is writable",
				name, pa_state_dir(h), strerror(-ret));
			return ret;
		}
	}
	ret = set_override(h, bdf, PA_DRV);
	if (ret) {
		pa_msgf(m, "cannot set %s's driver_override: %s (kernel too old, or not root?)",
			name, strerror(-ret));
		goto undo;
	}
	if (f.driver[0]) {
		ret = drv_attr(h, f.driver, "unbind", name);
		if (ret) {
			pa_msgf(m, "cannot unbind %s from %s: %s", name, f.driver,
				strerror(-ret));
			goto undo;
		}
	}
	/* A failed probe shows as the missing driver link below. */
	probe(h, name);
	current_driver(h, bdf, now, sizeof(now));
	if (strcmp(now, PA_DRV)) {
		ret = -EIO;
		pa_msgf(m,
			"pciassign did not take %s (driver now: %s): is the module loaded (modprobe pciassign)? see dmesg; %s",
			name, now[0] ? now : "none",
			f.driver[0] ? "given back to its driver" : "left unbound");
		goto undo;
	}
	if (f.driver[0])
		pa_msgf(m, "%s: unbound from %s, bound to pciassign", name, f.driver);
	else
		pa_msgf(m, "%s: bound to pciassign", name);
	return 0;
undo:
	restore(h, bdf, name, f.driver);
	if (f.driver[0])
		forget_driver(h, bdf);
	return ret;
}

int pa_host_bind(const struct pa_host *h, const struct pa_bdf *bdf,
		 char *msg, size_t msglen)
{
	PA_MSG_BUF(m, msg, msglen);

	return host_bind(h, bdf, &m);
}

static int host_unbind(const struct pa_host *h, const struct pa_bdf *bdf,
		       const struct pa_msg *m)
{
	char name[PA_BDF_STRLEN], orig[PA_DRIVER_NAME_MAX], now[PA_DRIVER_NAME_MAX];
	struct pa_pci_func f;
	int ret;

	ret = bind_lookup(h, bdf, m, name, &f);
	if (ret)
		return ret;
	if (f.driver[0] && strcmp(f.driver, PA_DRV)) {
		pa_msgf(m, "%s is bound to %s, not to pciassign: nothing to do",
			name, f.driver);
		return -EINVAL;
	}
	if (!f.driver[0] && strcmp(f.driver_override, PA_DRV)) {
		pa_msgf(m, "%s is not bound to pciassign: nothing to do", name);
		return -EINVAL;
	}
	load_driver(h, bdf, orig, sizeof(orig));
	if (f.driver[0]) {
		ret = drv_attr(h, PA_DRV, "unbind", name);
		if (ret) {
			pa_msgf(m,
				"cannot unbind %s from pciassign: %s (is a VMM still using it? stop it first)",
				name, strerror(-ret));
			return ret;
		}
	}
	ret = set_override(h, bdf, "");
	if (ret) {
		pa_msgf(m, "cannot clear %s's driver_override: %s", name, strerror(-ret));
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
			pa_msgf(m,
				"%s: released, but binding it back to %s failed (%s): try 'modprobe %s' and 'echo %s > /sys/bus/pci/drivers/%s/bind'",
				name, orig, ret ? strerror(-ret) : "driver did not take it",
				orig, name, orig);
			return ret ? ret : -EIO;
		}
	}
	forget_driver(h, bdf);
	if (now[0])
		pa_msgf(m, "%s: unbound from pciassign, now bound to %s", name, now);
	else
		pa_msgf(m, "%s: unbound from pciassign, left without a driver", name);
	return 0;
}

int pa_host_unbind(const struct pa_host *h, const struct pa_bdf *bdf,
		   char *msg, size_t msglen)
{
	PA_MSG_BUF(m, msg, msglen);

	return host_unbind(h, bdf, &m);
}
