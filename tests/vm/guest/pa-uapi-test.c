// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest tests of the /dev/pciassign UAPI. Usage: pa-uapi-test SUITE
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <linux/pciassign.h>

#include "vmtest.h"

static int version_ok(void)
{
	struct pciassign_version v = { .argsz = sizeof(v) };
	int fd = vt_open_ctx();

	VT_ASSERT(ioctl(fd, PCIASSIGN_GET_VERSION, &v) == 0);
	VT_ASSERT(v.api_version == PCIASSIGN_API_VERSION);
	close(fd);
	return 0;
}

static int version_bad_flags(void)
{
	struct pciassign_version v = { .argsz = sizeof(v), .flags = 1 };
	int fd = vt_open_ctx();

	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_GET_VERSION, &v), EINVAL);
	v.flags = 0x80000000u;
	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_GET_VERSION, &v), EINVAL);
	close(fd);
	return 0;
}

static int version_short_argsz(void)
{
	struct pciassign_version v = { .argsz = 4 };
	int fd = vt_open_ctx();

	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_GET_VERSION, &v), EINVAL);
	v.argsz = 0;
	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_GET_VERSION, &v), EINVAL);
	close(fd);
	return 0;
}

/* Only the fields that fit in argsz are written back. */
static int version_minimal_argsz(void)
{
	struct pciassign_version v;
	int fd = vt_open_ctx();

	memset(&v, 0xa5, sizeof(v));
	v.argsz = 8;
	v.flags = 0;
	VT_ASSERT(ioctl(fd, PCIASSIGN_GET_VERSION, &v) == 0);
	VT_ASSERT(v.api_version == 0xa5a5a5a5u);
	close(fd);
	return 0;
}

/* A newer, longer structure is accepted when its unknown tail is zero. */
static int version_long_argsz(void)
{
	struct {
		struct pciassign_version v;
		uint8_t tail[64];
	} big;
	int fd = vt_open_ctx();

	memset(&big, 0, sizeof(big));
	big.v.argsz = sizeof(big);
	VT_ASSERT(ioctl(fd, PCIASSIGN_GET_VERSION, &big) == 0);
	VT_ASSERT(big.v.api_version == PCIASSIGN_API_VERSION);
	big.tail[63] = 1;
	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_GET_VERSION, &big), E2BIG);
	close(fd);
	return 0;
}

static int version_huge_argsz(void)
{
	struct pciassign_version v = { .argsz = 0xffffffffu };
	int fd = vt_open_ctx();

	/* Refused up front, without scanning gigabytes of user memory. */
	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_GET_VERSION, &v), E2BIG);
	close(fd);
	return 0;
}

static int bad_pointer(void)
{
	int fd = vt_open_ctx();

	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_GET_VERSION, NULL), EFAULT);
	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_GET_VERSION, (void *)16), EFAULT);
	close(fd);
	return 0;
}

static int unknown_ioctl(void)
{
	int fd = vt_open_ctx();

	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_IO(0x7f), NULL), ENOTTY);
	VT_EXPECT_ERRNO(ioctl(fd, _IO('x', 1), NULL), ENOTTY);
	close(fd);
	return 0;
}

static int check_ext(int fd, uint32_t ext)
{
	struct pciassign_check_extension ce = { .argsz = sizeof(ce), .extension = ext };

	return ioctl(fd, PCIASSIGN_CHECK_EXTENSION, &ce);
}

/* Dynamic MSI-X allocation came with 6.2. */
static int kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return -1;
	return ma > major || (ma == major && mi >= minor);
}

/*
 * Whether the loaded KVM exports kvm_arch_start_assignment (6.1-6.16 with
 * kvm.ko loaded): what PCIASSIGN_EXT_SET_KVM answers.
 */
static int kvm_exports_assignment(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[256];
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, " __ksymtab_kvm_arch_start_assignment\t") != NULL ||
			strstr(line, " __ksymtab_kvm_arch_start_assignment\n") != NULL;
	fclose(f);
	return found;
}

static int set_kvm(int fd, int vm_fd, uint32_t flags, uint32_t reserved)
{
	struct pciassign_set_kvm k = {
		.argsz = sizeof(k), .flags = flags, .vm_fd = vm_fd, .reserved = reserved,
	};

	return ioctl(fd, PCIASSIGN_SET_KVM, &k);
}

/* SET_KVM's argument checks; a real VM where /dev/kvm exists. */
static int set_kvm_args(void)
{
	struct pciassign_set_kvm k = { .argsz = 8 };
	int fd = vt_open_ctx(), null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int supported = kvm_exports_assignment();

	VT_ASSERT(null >= 0);
	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_SET_KVM, &k), EINVAL);
	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_SET_KVM, NULL), EFAULT);
	VT_EXPECT_ERRNO(set_kvm(fd, null, 1, 0), EINVAL);
	VT_EXPECT_ERRNO(set_kvm(fd, null, 0, 1), EINVAL);
	VT_EXPECT_ERRNO(set_kvm(fd, -5, 0, 0), EBADF);
	VT_EXPECT_ERRNO(set_kvm(fd, 4000, 0, 0), EBADF);
	/* Not a VM: refused once KVM's functions are there to ask. */
	VT_EXPECT_ERRNO(set_kvm(fd, null, 0, 0), supported ? EINVAL : EOPNOTSUPP);
	VT_EXPECT_ERRNO(set_kvm(fd, fd, 0, 0), supported ? EINVAL : EOPNOTSUPP);
	VT_ASSERT(set_kvm(fd, -1, 0, 0) == 0);	/* unlinking nothing */
	close(null);
	close(fd);
	return 0;
}

static int set_kvm_vm(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm1, vm2, fd, fd2;

	if (kvm < 0)
		return vt_fail("/dev/kvm: %s (the case loads kvm_amd)", strerror(errno));
	vm1 = ioctl(kvm, KVM_CREATE_VM, 0);
	vm2 = ioctl(kvm, KVM_CREATE_VM, 0);
	VT_ASSERT(vm1 >= 0 && vm2 >= 0);
	fd = vt_open_ctx();
	fd2 = vt_open_ctx();
	if (!kvm_exports_assignment()) {
		/* 7.x: KVM keeps the assignment count to VFIO. */
		VT_EXPECT_ERRNO(set_kvm(fd, vm1, 0, 0), EOPNOTSUPP);
		goto out;
	}
	VT_ASSERT(set_kvm(fd, vm1, 0, 0) == 0);
	VT_ASSERT(set_kvm(fd, vm1, 0, 0) == 0);		/* the same VM again */
	VT_EXPECT_ERRNO(set_kvm(fd, vm2, 0, 0), EBUSY);
	VT_ASSERT(set_kvm(fd2, vm1, 0, 0) == 0);	/* two contexts, one VM */
	VT_ASSERT(set_kvm(fd, -1, 0, 0) == 0);
	VT_ASSERT(set_kvm(fd, vm2, 0, 0) == 0);
out:
	/* The contexts keep their VMs alive past the VM fds. */
	close(vm1);
	close(vm2);
	close(fd);
	close(fd2);
	close(kvm);
	return 0;
}

static int ext_known(void)
{
	int fd = vt_open_ctx(), r;

	VT_ASSERT(check_ext(fd, PCIASSIGN_EXT_DEVICE_GRANTS) == 1);
	VT_ASSERT(check_ext(fd, PCIASSIGN_EXT_RESET_SET) == 1);
	VT_ASSERT(check_ext(fd, PCIASSIGN_EXT_IOMMU_INFO_RANGES) == 1);
	VT_ASSERT(check_ext(fd, PCIASSIGN_EXT_DEVICE_INFO_CAPS) == 1);
	r = check_ext(fd, PCIASSIGN_EXT_MSIX_DYNAMIC);
	VT_ASSERT(r == kernel_at_least(6, 2));
	r = check_ext(fd, PCIASSIGN_EXT_NETLINK_ADMIN_EVENTS);
	/* Every rig kernel has GENL_MCAST_CAP_NET_ADMIN (Debian's 6.1 too). */
	VT_ASSERT(r == 1);
	/* Debian builds the bypass manager (=m); irq_bypass defaults to on. */
	VT_ASSERT(check_ext(fd, PCIASSIGN_EXT_IRQ_BYPASS) == 1);
	r = check_ext(fd, PCIASSIGN_EXT_SET_KVM);
	VT_ASSERT(r == kvm_exports_assignment());
	close(fd);
	return 0;
}

static int ext_unknown(void)
{
	static const uint32_t unknown[] = { 0, 9, 0x100, 0x7fffffff, 0xffffffffu };
	int fd = vt_open_ctx();

	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		if (check_ext(fd, unknown[i]) != 0)
			return vt_fail("extension %#x: %d, want 0 (errno %d)", unknown[i],
				       check_ext(fd, unknown[i]), errno);
	close(fd);
	return 0;
}

static int ext_bad_args(void)
{
	struct {
		struct pciassign_check_extension ce;
		uint8_t tail[16];
	} big;
	struct pciassign_check_extension ce = {
		.argsz = sizeof(ce), .flags = 1, .extension = PCIASSIGN_EXT_DEVICE_GRANTS,
	};
	int fd = vt_open_ctx();

	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_CHECK_EXTENSION, &ce), EINVAL);
	ce.flags = 0x80000000u;
	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_CHECK_EXTENSION, &ce), EINVAL);
	ce.flags = 0;
	/* The extension number is required: argsz must reach it. */
	ce.argsz = 8;
	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_CHECK_EXTENSION, &ce), EINVAL);
	ce.argsz = 0xffffffffu;
	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_CHECK_EXTENSION, &ce), E2BIG);
	memset(&big, 0, sizeof(big));
	big.ce.argsz = sizeof(big);
	big.ce.extension = PCIASSIGN_EXT_DEVICE_GRANTS;
	VT_ASSERT(ioctl(fd, PCIASSIGN_CHECK_EXTENSION, &big) == 1);
	big.tail[3] = 1;
	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_CHECK_EXTENSION, &big), E2BIG);
	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_CHECK_EXTENSION, NULL), EFAULT);
	close(fd);
	return 0;
}

static const struct vt_case version_cases[] = {
	{ "version", version_ok },
	{ "version-bad-flags", version_bad_flags },
	{ "version-short-argsz", version_short_argsz },
	{ "version-minimal-argsz", version_minimal_argsz },
	{ "version-long-argsz", version_long_argsz },
	{ "version-huge-argsz", version_huge_argsz },
	{ "bad-pointer", bad_pointer },
	{ "unknown-ioctl", unknown_ioctl },
	{ "ext-known", ext_known },
	{ "ext-unknown", ext_unknown },
	{ "ext-bad-args", ext_bad_args },
	{ "set-kvm-args", set_kvm_args },
	{ "set-kvm-vm", set_kvm_vm },
};

/* ---- DEVICE_INFO capability chain, on one device bound to pciassign ---- */

static const char *caps_bdf;
static int caps_ctx = -1, caps_dev = -1;

static int attach_bdf(const char *bdf)
{
	struct pciassign_attach a = { .argsz = sizeof(a) };
	unsigned int seg, bus, dev, fn;

	if (sscanf(bdf, "%x:%x:%x.%x", &seg, &bus, &dev, &fn) != 4)
		return -1;
	a.segment = seg;
	a.bus = bus;
	a.devfn = (dev << 3) | fn;
	return ioctl(caps_ctx, PCIASSIGN_ATTACH_DEVICE, &a);
}

static long sysfs_hex(const char *bdf, const char *attr)
{
	char path[256], buf[32];
	FILE *f;
	long v = -1;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, attr);
	f = fopen(path, "r");
	if (f && fgets(buf, sizeof(buf), f))
		v = strtol(buf, NULL, 16);
	if (f)
		fclose(f);
	return v;
}

static uint32_t msix_count(void)
{
	struct pciassign_irq_info qi = { .argsz = sizeof(qi), .index = PCIASSIGN_IRQ_MSIX };

	return ioctl(caps_dev, PCIASSIGN_IRQ_INFO, &qi) ? 0 : qi.count;
}

/* Without the CAPS flag: the old call, argsz never rewritten, no chain. */
static int caps_not_asked(void)
{
	struct {
		struct pciassign_device_info di;
		uint8_t tail[64];
	} b;

	memset(&b, 0, sizeof(b));
	b.di.argsz = sizeof(b.di);
	VT_ASSERT(ioctl(caps_dev, PCIASSIGN_DEVICE_INFO, &b.di) == 0);
	VT_ASSERT(b.di.argsz == sizeof(b.di));
	VT_ASSERT(!(b.di.flags & PCIASSIGN_DEVICE_INFO_CAPS));
	VT_ASSERT(b.di.cap_offset == 0);
	/* A longer structure's unknown tail must still be zero. */
	b.di.argsz = sizeof(b);
	b.di.flags = 0;
	VT_ASSERT(ioctl(caps_dev, PCIASSIGN_DEVICE_INFO, &b) == 0);
	VT_ASSERT(b.di.cap_offset == 0);
	b.tail[10] = 1;
	VT_EXPECT_ERRNO(ioctl(caps_dev, PCIASSIGN_DEVICE_INFO, &b), E2BIG);
	return 0;
}

static int caps_bad_flags(void)
{
	struct pciassign_device_info di = { .argsz = sizeof(di) };

	di.flags = PCIASSIGN_DEVICE_INFO_CAPS | PCIASSIGN_DEVICE_INFO_RESET;
	VT_EXPECT_ERRNO(ioctl(caps_dev, PCIASSIGN_DEVICE_INFO, &di), EINVAL);
	di.flags = PCIASSIGN_DEVICE_INFO_CAPS;
	di.argsz = 8;
	VT_EXPECT_ERRNO(ioctl(caps_dev, PCIASSIGN_DEVICE_INFO, &di), EINVAL);
	/* Context ioctls are not device ioctls. */
	VT_EXPECT_ERRNO(check_ext(caps_dev, PCIASSIGN_EXT_DEVICE_GRANTS), ENOTTY);
	return 0;
}

/* Too small for the chain: the size needed comes back, nothing past argsz. */
static uint32_t caps_needed;

static int caps_size_query(void)
{
	uint8_t buf[512];
	struct pciassign_device_info *di = (void *)buf;

	for (uint32_t argsz = sizeof(*di); ; argsz++) {
		memset(buf, 0x5a, sizeof(buf));
		memset(di, 0, sizeof(*di));
		di->argsz = argsz;
		di->flags = PCIASSIGN_DEVICE_INFO_CAPS;
		VT_ASSERT(ioctl(caps_dev, PCIASSIGN_DEVICE_INFO, di) == 0);
		VT_ASSERT(di->flags & PCIASSIGN_DEVICE_INFO_CAPS);
		VT_ASSERT(di->argsz > sizeof(*di) && di->argsz <= sizeof(buf));
		if (argsz == sizeof(*di))
			caps_needed = di->argsz;
		VT_ASSERT(di->argsz == caps_needed);
		if (argsz == caps_needed) {
			/* The fixed part is 28 bytes; the chain is 8-aligned. */
			VT_ASSERT(di->cap_offset == ((sizeof(*di) + 7) & ~7u));
			break;
		}
		VT_ASSERT(di->cap_offset == 0);
		for (size_t i = sizeof(*di); i < sizeof(buf); i++)
			if (buf[i] != 0x5a)
				return vt_fail("argsz %u: byte %zu written", argsz, i);
	}
	return 0;
}

/* Walk the chain in a buffer of exactly the size asked for. */
static int caps_walk(void)
{
	uint8_t *buf = malloc(caps_needed + 64);
	struct pciassign_device_info *di = (void *)buf;
	int seen_id = 0, seen_msix = 0, hops = 0;
	uint32_t off;

	VT_ASSERT(buf && caps_needed);
	/* Past the fixed part is output space: garbage there is fine. */
	memset(buf, 0xa5, caps_needed + 64);
	memset(di, 0, sizeof(*di));
	di->argsz = caps_needed;
	di->flags = PCIASSIGN_DEVICE_INFO_CAPS;
	VT_ASSERT(ioctl(caps_dev, PCIASSIGN_DEVICE_INFO, di) == 0);
	VT_ASSERT(di->argsz == caps_needed && di->cap_offset);
	for (off = di->cap_offset; off; hops++) {
		struct pciassign_info_cap_header *h = (void *)(buf + off);

		if (hops > 16 || off % 8 || off < sizeof(*di) ||
		    off + sizeof(*h) > caps_needed)
			return vt_fail("bad capability offset %u (hop %d)", off, hops);
		VT_ASSERT(h->version == 1);
		if (h->id == PCIASSIGN_DEVICE_INFO_CAP_PCI_ID) {
			struct pciassign_device_info_cap_pci_id *c = (void *)h;

			VT_ASSERT(off + sizeof(*c) <= caps_needed);
			VT_ASSERT(c->class_code == (uint32_t)sysfs_hex(caps_bdf, "class"));
			VT_ASSERT(c->subsystem_vendor ==
				  (uint16_t)sysfs_hex(caps_bdf, "subsystem_vendor"));
			VT_ASSERT(c->subsystem_device ==
				  (uint16_t)sysfs_hex(caps_bdf, "subsystem_device"));
			VT_ASSERT(c->revision == (uint8_t)sysfs_hex(caps_bdf, "revision"));
			seen_id++;
		} else if (h->id == PCIASSIGN_DEVICE_INFO_CAP_MSIX) {
			struct pciassign_device_info_cap_msix *c = (void *)h;

			VT_ASSERT(off + sizeof(*c) <= caps_needed);
			VT_ASSERT(c->table_size == msix_count());
			VT_ASSERT(!!(c->flags & PCIASSIGN_CAP_MSIX_DYNAMIC) ==
				  kernel_at_least(6, 2));
			seen_msix++;
		}
		off = h->next;
	}
	VT_ASSERT(seen_id == 1);
	VT_ASSERT(seen_msix == (msix_count() ? 1 : 0));
	/* Nothing was written past argsz. */
	for (uint32_t i = caps_needed; i < caps_needed + 64; i++)
		if (buf[i] != 0xa5)
			return vt_fail("byte %u past argsz written", i);
	printf("%s: chain of %d capabilities, %u bytes\n", caps_bdf, hops, caps_needed);
	free(buf);
	return 0;
}

static const struct vt_case caps_cases[] = {
	{ "caps-not-asked", caps_not_asked },
	{ "caps-bad-flags", caps_bad_flags },
	{ "caps-size-query", caps_size_query },
	{ "caps-walk", caps_walk },
};

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "version"))
		return vt_run("uapi", version_cases,
			      sizeof(version_cases) / sizeof(version_cases[0]));
	if (argc == 4 && !strcmp(argv[1], "caps")) {
		char name[64];

		caps_bdf = argv[3];
		caps_ctx = vt_open_ctx();
		caps_dev = attach_bdf(caps_bdf);
		if (caps_dev < 0) {
			perror(caps_bdf);
			return 1;
		}
		snprintf(name, sizeof(name), "uapi-%s", argv[2]);
		return vt_run(name, caps_cases, sizeof(caps_cases) / sizeof(caps_cases[0]));
	}
	fprintf(stderr, "usage: %s version | caps LABEL BDF\n", argv[0]);
	return 2;
}
