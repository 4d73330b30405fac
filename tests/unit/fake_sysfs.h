/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fake sysfs/procfs/dev trees for the host-discovery and CLI tests, built
 * in a temporary directory: device directories with attribute files,
 * driver and iommu_group symlinks, config files copied from the fixtures,
 * and a pa_host "wrote" hook that plays the kernel's part for bind, unbind
 * and drivers_probe writes.
 */
#ifndef FAKE_SYSFS_H
#define FAKE_SYSFS_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "libpciassign.h"

/* Test paths are short; truncation warnings about PATH_MAX sums are noise. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define FAKE_MAX_DEVS 16

struct fake {
	char root[PATH_MAX];	/* the temp dir */
	char sys[PATH_MAX];	/* root/sys */
	char proc[PATH_MAX];
	char dev[PATH_MAX];
	char run[PATH_MAX];
	struct pa_host host;
	/* Kernel behaviour */
	bool pciassign_refuses;	/* pciassign's probe fails */
	bool no_native_probe;	/* drivers_probe does not bring host drivers back */
	struct {
		char bdf[PA_BDF_STRLEN];
		char native[PA_DRIVER_NAME_MAX];	/* what a plain probe binds */
	} devs[FAKE_MAX_DEVS];
	int ndevs;
	char log[4096];		/* "relpath=value" lines of every write */
};

static inline void fake_path(const struct fake *f, char *buf, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline void fake_path(const struct fake *f, char *buf, const char *fmt, ...)
{
	char rel[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(buf, PATH_MAX, "%s/%s", f->root, rel);
}

static inline void fake_mkdirs(const char *path)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = 0;
			mkdir(tmp, 0755);
			*p = '/';
		}
	}
	mkdir(tmp, 0755);
}

/* Write a file (creating its directory) under the fake root. */
static inline void fake_write(const struct fake *f, const char *rel, const char *text)
{
	char path[PATH_MAX], dir[PATH_MAX];
	FILE *fp;

	fake_path(f, path, "%s", rel);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = 0;
	fake_mkdirs(dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* Read a file under the fake root ("" when missing). */
static inline const char *fake_read(const struct fake *f, const char *rel)
{
	static char buf[8192];
	char path[PATH_MAX];
	FILE *fp;
	size_t n;

	fake_path(f, path, "%s", rel);
	buf[0] = 0;
	fp = fopen(path, "r");
	if (!fp)
		return buf;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = 0;
	fclose(fp);
	return buf;
}

static inline bool fake_exists(const struct fake *f, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	fake_path(f, path, "%s", rel);
	return !lstat(path, &st);
}

static inline void fake_add_driver(const struct fake *f, const char *drv)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/%s/bind", drv);
	fake_write(f, rel, "");
	snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/%s/unbind", drv);
	fake_write(f, rel, "");
}

/* Point (or clear, drv NULL) a device's driver symlink. */
static inline void fake_set_driver(const struct fake *f, const char *bdf, const char *drv)
{
	char link[PATH_MAX], target[PATH_MAX];

	fake_path(f, link, "sys/bus/pci/devices/%s/driver", bdf);
	unlink(link);
	if (!drv)
		return;
	/* The real link is relative; ours is absolute, which readers must not mind. */
	fake_path(f, target, "sys/bus/pci/drivers/%s", drv);
	assert_int_equal(symlink(target, link), 0);
}

static inline const char *fake_driver(const struct fake *f, const char *bdf)
{
	static char name[PATH_MAX];
	char link[PATH_MAX];
	ssize_t n;

	fake_path(f, link, "sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(link, name, sizeof(name) - 1);
	if (n < 0)
		return "";
	name[n] = 0;
	return strrchr(name, '/') + 1;
}

/* Copy a config fixture (tests/unit/fixtures/NAME.config). */
static inline void fake_copy_config(const struct fake *f, const char *bdf, const char *fixture)
{
	char src[PATH_MAX], dst[PATH_MAX], buf[4096];
	FILE *in, *out;
	size_t n;

	snprintf(src, sizeof(src), "%s/tests/unit/fixtures/%s.config", PCIASSIGN_TOP, fixture);
	fake_path(f, dst, "sys/bus/pci/devices/%s/config", bdf);
	in = fopen(src, "rb");
	assert_non_null(in);
	out = fopen(dst, "wb");
	assert_non_null(out);
	n = fread(buf, 1, sizeof(buf), in);
	assert_true(n >= 64);
	assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	fclose(out);
}

/*
 * Add a function. class is the 24-bit class code; group < 0: no IOMMU;
 * driver NULL: unbound; fixture NULL: no config file; res: the text of the
 * resource file (NULL: none).
 */
static inline void fake_add_dev(struct fake *f, const char *bdf, unsigned int vendor,
				unsigned int device, unsigned int class_code,
				const char *fixture, const char *res, int group,
				const char *driver)
{
	char rel[PATH_MAX], val[64], link[PATH_MAX], target[PATH_MAX];

#define ATTR(name, ...) do { \
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/" name, bdf); \
		snprintf(val, sizeof(val), __VA_ARGS__); \
		fake_write(f, rel, val); \
	} while (0)
	ATTR("vendor", "0x%04x\n", vendor);
	ATTR("device", "0x%04x\n", device);
	ATTR("class", "0x%06x\n", class_code);
	ATTR("subsystem_vendor", "0x%04x\n", 0x1af4u);
	ATTR("subsystem_device", "0x%04x\n", 0x1100u);
	ATTR("driver_override", "(null)\n");
	ATTR("irq", "%d\n", 11);
#undef ATTR
	if (res) {
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/resource", bdf);
		fake_write(f, rel, res);
	}
	if (fixture)
		fake_copy_config(f, bdf, fixture);
	if (group >= 0) {
		snprintf(rel, sizeof(rel), "sys/kernel/iommu_groups/%d/devices/%s/x", group, bdf);
		fake_path(f, link, "%s", rel);
		*strrchr(link, '/') = 0;
		/* Members are links to the device in real sysfs; a directory here. */
		fake_mkdirs(link);
		fake_path(f, link, "sys/bus/pci/devices/%s/iommu_group", bdf);
		fake_path(f, target, "sys/kernel/iommu_groups/%d", group);
		assert_int_equal(symlink(target, link), 0);
		snprintf(rel, sizeof(rel), "sys/kernel/iommu_groups/%d/type", group);
		fake_write(f, rel, "DMA\n");
	}
	if (driver) {
		fake_add_driver(f, driver);
		fake_set_driver(f, bdf, driver);
	}
	assert_true(f->ndevs < FAKE_MAX_DEVS);
	snprintf(f->devs[f->ndevs].bdf, PA_BDF_STRLEN, "%s", bdf);
	snprintf(f->devs[f->ndevs].native, PA_DRIVER_NAME_MAX, "%s", driver ? driver : "");
	f->ndevs++;
}

static inline const char *fake_native(const struct fake *f, const char *bdf)
{
	for (int i = 0; i < f->ndevs; i++)
		if (!strcmp(f->devs[i].bdf, bdf))
			return f->devs[i].native;
	return "";
}

/* The kernel's reaction to a sysfs write. */
static inline void fake_wrote(void *opaque, const char *path, const char *value)
{
	struct fake *f = opaque;
	char bdf[64], rel[PATH_MAX], drv[PA_DRIVER_NAME_MAX], ovr[PA_DRIVER_NAME_MAX];
	const char *p = path + strlen(f->sys) + 1;
	size_t used = strlen(f->log);

	assert_true(!strncmp(path, f->sys, strlen(f->sys)));
	snprintf(f->log + used, sizeof(f->log) - used, "%s=%s%s", p, value,
		 value[strlen(value) - 1] == '\n' ? "" : "\n");
	snprintf(bdf, sizeof(bdf), "%s", value);
	bdf[strcspn(bdf, "\n")] = 0;

	if (!strcmp(p, "bus/pci/drivers_probe")) {
		if (fake_driver(f, bdf)[0])
			return;
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver_override", bdf);
		snprintf(ovr, sizeof(ovr), "%s", fake_read(f, rel));
		ovr[strcspn(ovr, "\n")] = 0;
		if (ovr[0] && strcmp(ovr, "(null)")) {
			if (!strcmp(ovr, "pciassign") && f->pciassign_refuses)
				return;
			fake_set_driver(f, bdf, ovr);
		} else if (!f->no_native_probe && fake_native(f, bdf)[0]) {
			fake_set_driver(f, bdf, fake_native(f, bdf));
		}
		return;
	}
	/* sscanf stops at the first literal mismatch: compare the tail too. */
	if (sscanf(p, "bus/pci/drivers/%63[^/]/", drv) != 1)
		return;
	p += strlen("bus/pci/drivers/") + strlen(drv) + 1;
	if (!strcmp(p, "unbind")) {
		if (!strcmp(fake_driver(f, bdf), drv))
			fake_set_driver(f, bdf, NULL);
		return;
	}
	if (!strcmp(p, "bind")) {
		if (!fake_driver(f, bdf)[0])
			fake_set_driver(f, bdf, drv);
		return;
	}
}

static inline void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->root, sizeof(f->root), "%s/pa-fake-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(f->root));
	snprintf(f->sys, sizeof(f->sys), "%s/sys", f->root);
	snprintf(f->proc, sizeof(f->proc), "%s/proc", f->root);
	snprintf(f->dev, sizeof(f->dev), "%s/dev", f->root);
	snprintf(f->run, sizeof(f->run), "%s/run/pciassign", f->root);
	fake_mkdirs(f->dev);
	fake_write(f, "sys/bus/pci/drivers_probe", "");
	fake_mkdirs(f->sys);
	f->host.sysfs_root = f->sys;
	f->host.proc_root = f->proc;
	f->host.dev_root = f->dev;
	f->host.state_dir = f->run;
	f->host.wrote = fake_wrote;
	f->host.opaque = f;
}

static inline int fake_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void fake_destroy(struct fake *f)
{
	nftw(f->root, fake_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* The three rig devices, their root port, and a ready host. */
#define EDU_BDF		"0000:00:04.0"
#define PORT_BDF	"0000:00:02.0"
#define NIC_BDF		"0000:01:00.0"
#define NVME_BDF	"0000:02:00.0"

#define RES_ZERO "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
#define EDU_RES "0x00000000fe600000 0x00000000fe6fffff 0x0000000000040200\n" \
	RES_ZERO RES_ZERO RES_ZERO RES_ZERO RES_ZERO RES_ZERO
#define NIC_RES "0x00000000fe440000 0x00000000fe45ffff 0x0000000000040200\n" \
	"0x00000000fe460000 0x00000000fe47ffff 0x0000000000040200\n" \
	"0x000000000000c000 0x000000000000c01f 0x0000000000040101\n" \
	"0x00000000fe480000 0x00000000fe483fff 0x0000000000040200\n" \
	RES_ZERO RES_ZERO \
	"0x00000000fe400000 0x00000000fe43ffff 0x0000000000046200\n"
#define NVME_RES "0x00000000fe200000 0x00000000fe203fff 0x0000000000140204\n" \
	RES_ZERO RES_ZERO RES_ZERO RES_ZERO RES_ZERO RES_ZERO

static inline void fake_rig(struct fake *f)
{
	fake_add_dev(f, EDU_BDF, 0x1234, 0x11e8, 0x00ff00, "edu", EDU_RES, 3, NULL);
	fake_add_dev(f, PORT_BDF, 0x1b36, 0x000c, 0x060400, NULL, NULL, 1, "pcieport");
	fake_add_dev(f, NIC_BDF, 0x8086, 0x10d3, 0x020000, "e1000e", NIC_RES, 5, "e1000e");
	fake_add_dev(f, NVME_BDF, 0x1b36, 0x0010, 0x010802, "nvme", NVME_RES, 6, "nvme");
	fake_add_driver(f, "pciassign");
	fake_write(f, "sys/module/pciassign/version", "0.1.0\n");
	fake_mkdirs(f->sys);
	fake_write(f, "sys/class/iommu/dmar0/intel-iommu/ecap", "f00f5e\n");
	fake_write(f, "sys/firmware/acpi/tables/DMAR", "x");
	fake_write(f, "proc/cmdline", "console=ttyS0 intel_iommu=on panic=1\n");
	fake_write(f, "proc/interrupts",
		   "           CPU0       CPU1\n"
		   "  0:         38          0   IO-APIC   2-edge      timer\n"
		   " 24:          0          0  IR-PCI-MSI-0000:01:00.0   0-edge      eth0\n");
}

/* cmocka setup and teardown: a fresh rig tree (fake_rig) for each test. */
static inline int fake_rig_setup(void **state)
{
	struct fake *f = malloc(sizeof(*f));

	assert_non_null(f);
	fake_init(f);
	fake_rig(f);
	*state = f;
	return 0;
}

static inline int fake_rig_teardown(void **state)
{
	fake_destroy(*state);
	free(*state);
	return 0;
}

#endif /* FAKE_SYSFS_H */
