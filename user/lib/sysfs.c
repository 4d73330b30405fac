// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host discovery: PCI functions, IOMMU groups and assignability, through
 * sysfs under configurable roots, and the sysfs helpers bind.c shares
 * (sysfs_int.h).
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
#include <linux/pci_regs.h>

#include "libpciassign.h"
#include "sysfs_int.h"

const char *pa_sysfs_root(const struct pa_host *h)
{
	return h && h->sysfs_root ? h->sysfs_root : "/sys";
}

const char *pa_proc_root(const struct pa_host *h)
{
	return h && h->proc_root ? h->proc_root : "/proc";
}

const char *pa_dev_root(const struct pa_host *h)
{
	return h && h->dev_root ? h->dev_root : "/dev";
}

const char *pa_state_dir(const struct pa_host *h)
{
	return h && h->state_dir ? h->state_dir : "/run/pciassign";
}

/* Format into buf; -ENAMETOOLONG instead of silent truncation. */
int pa_fmt(char *buf, size_t len, const char *f, ...)
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

/* The variant for messages: truncation is harmless there. */
void pa_textf(char *buf, size_t len, const char *f, ...)
{
	va_list ap;

	if (!buf || !len)
		return;
	va_start(ap, f);
	vsnprintf(buf, len, f, ap);
	va_end(ap);
}

void pa_dev_path(const struct pa_host *h, const struct pa_bdf *bdf,
		 const char *attr, char *buf, size_t len)
{
	char name[PA_BDF_STRLEN];

	pa_bdf_format(bdf, name);
	if (pa_fmt(buf, len, "%s/bus/pci/devices/%s/%s", pa_sysfs_root(h), name, attr))
		buf[0] = '\0';
}

/* Read a small text file, NUL-terminated, trailing whitespace stripped. */
int pa_read_text(const char *path, char *buf, size_t len)
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

int pa_read_hex(const char *path, uint64_t *val)
{
	char buf[64], *end;
	int ret = pa_read_text(path, buf, sizeof(buf));

	if (ret < 0)
		return ret;
	errno = 0;
	*val = strtoull(buf, &end, 16);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

/* The last path component of a symlink's target (driver, iommu_group). */
int pa_link_name(const char *path, char *buf, size_t len)
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
int pa_write_attr(const struct pa_host *h, const char *path, const char *value)
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
	pa_dev_path(h, bdf, attr, path, sizeof(path));
	return pa_read_text(path, buf, len);
}

/* Store v little-endian at buf[off..off+3], as far as len reaches. */
static void put_le32(uint8_t *buf, size_t len, size_t off, uint32_t v)
{
	for (size_t i = 0; i < 4 && off + i < len; i++)
		buf[off + i] = (uint8_t)(v >> (8 * i));
}

/*
 * An SR-IOV VF's config space reads 0xffff for its IDs and 0 for its BARs
 * (they are its PF's SR-IOV capability's): show what the kernel's device
 * fd shows instead, the IDs sysfs has and the BARs its resource file has,
 * with their types.
 */
static void vf_config_fixup(const struct pa_host *h, const struct pa_bdf *bdf,
			    uint8_t *buf, size_t len)
{
	struct pa_host_resource res[PA_HOST_NUM_RES];
	char path[PATH_MAX];
	uint64_t vendor, device;
	struct stat st;

	pa_dev_path(h, bdf, "physfn", path, sizeof(path));
	if (!path[0] || lstat(path, &st))
		return;
	pa_dev_path(h, bdf, "vendor", path, sizeof(path));
	if (pa_read_hex(path, &vendor))
		return;
	pa_dev_path(h, bdf, "device", path, sizeof(path));
	if (pa_read_hex(path, &device))
		return;
	put_le32(buf, len, PCI_VENDOR_ID,
		 (uint32_t)(vendor & 0xffff) | (uint32_t)(device & 0xffff) << 16);
	if (pa_host_read_resources(h, bdf, res))
		return;
	for (unsigned int i = 0; i < 6; i++) {
		const struct pa_host_resource *r = &res[i];
		uint32_t lo = 0;

		if ((r->flags & PA_HOST_RES_MEM) && pa_host_res_size(r)) {
			lo = (uint32_t)r->start & ~0xfu;
			if (r->flags & PA_HOST_RES_MEM64)
				lo |= PCI_BASE_ADDRESS_MEM_TYPE_64;
			if (r->flags & PA_HOST_RES_PREFETCH)
				lo |= PCI_BASE_ADDRESS_MEM_PREFETCH;
		}
		put_le32(buf, len, PCI_BASE_ADDRESS_0 + 4 * i, lo);
		if (lo & PCI_BASE_ADDRESS_MEM_TYPE_64 && i < 5) {
			put_le32(buf, len, PCI_BASE_ADDRESS_0 + 4 * (i + 1),
				 (uint32_t)(r->start >> 32));
			i++;
		}
	}
}

int pa_host_read_config(const struct pa_host *h, const struct pa_bdf *bdf,
			void *buf, size_t len)
{
	char path[PATH_MAX];
	size_t done = 0;
	int fd;

	pa_dev_path(h, bdf, "config", path, sizeof(path));
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
	vf_config_fixup(h, bdf, buf, done);
	return (int)done;
}

static uint8_t header_from_class(uint32_t class_code)
{
	switch (class_code >> 8) {
	case 0x0604:	/* PCI-to-PCI bridge */
	case 0x0609:	/* semi-transparent PCI-to-PCI bridge */
		return PCI_HEADER_TYPE_BRIDGE;
	case 0x0607:	/* CardBus bridge */
		return PCI_HEADER_TYPE_CARDBUS;
	default:
		return PCI_HEADER_TYPE_NORMAL;
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

	pa_dev_path(h, bdf, "", path, sizeof(path));
	if (!path[0])
		return -ENAMETOOLONG;
	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return -ENODEV;

	pa_dev_path(h, bdf, "vendor", path, sizeof(path));
	ret = pa_read_hex(path, &v);
	if (ret)
		return ret;
	out->vendor = (uint16_t)v;
	pa_dev_path(h, bdf, "device", path, sizeof(path));
	ret = pa_read_hex(path, &v);
	if (ret)
		return ret;
	out->device = (uint16_t)v;
	pa_dev_path(h, bdf, "class", path, sizeof(path));
	ret = pa_read_hex(path, &v);
	if (ret)
		return ret;
	out->class_code = (uint32_t)v & 0xffffff;

	/* Optional attributes: absent on some kernels or fake trees. */
	pa_dev_path(h, bdf, "subsystem_vendor", path, sizeof(path));
	if (!pa_read_hex(path, &v))
		out->subsys_vendor = (uint16_t)v;
	pa_dev_path(h, bdf, "subsystem_device", path, sizeof(path));
	if (!pa_read_hex(path, &v))
		out->subsys_device = (uint16_t)v;
	pa_dev_path(h, bdf, "revision", path, sizeof(path));
	if (!pa_read_hex(path, &v))
		out->revision = (uint8_t)v;

	/* Header type from config space; the class when unreadable. */
	if (pa_host_read_config(h, bdf, buf, 16) == 16) {
		hdr = (uint8_t)buf[PCI_HEADER_TYPE];
		out->header_type = hdr & 0x7f;
		out->multifunction = hdr & 0x80;
		if (!out->revision)
			out->revision = (uint8_t)buf[PCI_REVISION_ID];
	} else {
		out->header_type = header_from_class(out->class_code);
	}

	pa_dev_path(h, bdf, "driver", path, sizeof(path));
	if (pa_link_name(path, out->driver, sizeof(out->driver)))
		out->driver[0] = '\0';

	pa_dev_path(h, bdf, "iommu_group", path, sizeof(path));
	if (!pa_link_name(path, buf, sizeof(buf))) {
		char *end;
		long g = strtol(buf, &end, 10);

		if (!*end && end != buf && g >= 0 && g <= INT_MAX)
			out->iommu_group = (int)g;
	}

	pa_dev_path(h, bdf, "driver_override", path, sizeof(path));
	if (pa_read_text(path, out->driver_override, sizeof(out->driver_override)) < 0 ||
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
	ret = pa_fmt(dir, sizeof(dir), "%s/bus/pci/devices", pa_sysfs_root(h));
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
	ret = pa_fmt(dir, sizeof(dir), "%s/kernel/iommu_groups/%d/devices",
		  pa_sysfs_root(h), group);
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
	pa_dev_path(h, bdf, "resource", path, sizeof(path));
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
	return m->header_type == PCI_HEADER_TYPE_BRIDGE && !strcmp(m->driver, "pcieport");
}

/* VFs enabled on an SR-IOV PF (sriov_numvfs), 0 for any other function. */
static long sriov_numvfs(const struct pa_host *h, const struct pa_bdf *bdf)
{
	char path[PATH_MAX], text[32];

	pa_dev_path(h, bdf, "sriov_numvfs", path, sizeof(path));
	if (pa_read_text(path, text, sizeof(text)) <= 0)
		return 0;
	return strtol(text, NULL, 10);
}

int pa_host_assignability(const struct pa_host *h, const struct pa_pci_func *f,
			  struct pa_assignability *out)
{
	char name[PA_BDF_STRLEN], oname[PA_BDF_STRLEN];
	struct pa_bdf *members;
	size_t n, i;
	long nvfs;
	int ret;

	memset(out, 0, sizeof(*out));
	pa_bdf_format(&f->bdf, name);
	if (f->header_type != PCI_HEADER_TYPE_NORMAL) {
		out->verdict = PA_VERDICT_BRIDGE;
		pa_textf(out->reason, sizeof(out->reason),
			 "%s is a bridge (header type %u): bridges are not assignable; assign the devices behind it",
			 name, f->header_type);
		return 0;
	}
	if (f->iommu_group < 0) {
		out->verdict = PA_VERDICT_NO_IOMMU;
		pa_textf(out->reason, sizeof(out->reason),
			 "%s is not behind an IOMMU (no iommu_group): enable VT-d/AMD-Vi in the firmware and boot with intel_iommu=on or amd_iommu=on",
			 name);
		return 0;
	}
	if ((nvfs = sriov_numvfs(h, &f->bdf)) > 0) {
		out->verdict = PA_VERDICT_SRIOV_PF;
		pa_textf(out->reason, sizeof(out->reason),
			 "%s is an SR-IOV PF with %ld VFs enabled: pciassign refuses it while they exist (they depend on it); assign the VFs, or write 0 to its sriov_numvfs first",
			 name, nvfs);
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
		pa_textf(out->reason, sizeof(out->reason),
			 "%s is in IOMMU group %d with %s (bound to %s): unbind it or bind it to pciassign too",
			 name, f->iommu_group, oname, m.driver);
		free(members);
		return 0;
	}
	free(members);
	out->assignable = true;
	if (!strcmp(f->driver, PA_DRV)) {
		out->verdict = PA_VERDICT_ASSIGNED;
		pa_textf(out->reason, sizeof(out->reason), "already bound to pciassign");
	} else if (f->driver[0]) {
		out->verdict = PA_VERDICT_OK;
		pa_textf(out->reason, sizeof(out->reason),
			 "ok, now bound to %s: 'pciassign bind %s' hands it over", f->driver, name);
	} else {
		out->verdict = PA_VERDICT_OK;
		pa_textf(out->reason, sizeof(out->reason), "ok");
	}
	return 0;
}
