// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest tests of attaching devices: device fds, every refusal, DMA
 * ownership of IOMMU groups, revocation when the host takes a device back.
 *
 *   pa-attach-test attach EDU E1000E GROUPED_EDU E1000
 *   pa-attach-test refuse ERRNO EDU       (rigs without IOMMU or remapping)
 *   pa-attach-test allowed EDU            (attach must succeed)
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/pciassign.h>

#include "vmtest.h"

static const char *edu, *e1000e, *grouped_edu, *e1000;

static int device_info(int fd, struct pciassign_device_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	return ioctl(fd, PCIASSIGN_DEVICE_INFO, info);
}

static int driver_is(const char *bdf, const char *drv)
{
	char path[256], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return drv == NULL;
	link[n] = '\0';
	return drv && !strcmp(strrchr(link, '/') + 1, drv);
}

static int probe(const char *bdf)
{
	return vt_write_file("/sys/bus/pci/drivers_probe", bdf);
}

static int unbind(const char *bdf)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
	return vt_write_file(path, bdf);
}

static int attach_edu(void)
{
	struct pciassign_device_info info;
	struct pciassign_attach a;
	int ctx = vt_open_ctx(), fd;

	fd = vt_attach(ctx, edu);
	VT_ASSERT(fd >= 0);
	VT_ASSERT(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	VT_ASSERT(device_info(fd, &info) == 0);
	VT_ASSERT(info.vendor == 0x1234 && info.device == 0x11e8);
	vt_parse_bdf(edu, &a);
	VT_ASSERT(info.segment == a.segment && info.bus == a.bus && info.devfn == a.devfn);
	VT_ASSERT(info.num_regions == PCIASSIGN_NUM_REGIONS);
	VT_ASSERT(info.num_irqs == PCIASSIGN_NUM_IRQS);
	VT_ASSERT(!(info.flags & PCIASSIGN_DEVICE_INFO_REVOKED));
	VT_ASSERT(!(info.flags & PCIASSIGN_DEVICE_INFO_PCIE));	/* edu is conventional PCI */
	close(fd);
	close(ctx);
	return 0;
}

static int attach_busy(void)
{
	int ctx1 = vt_open_ctx(), ctx2 = vt_open_ctx(), fd;

	fd = vt_attach(ctx1, edu);
	VT_ASSERT(fd >= 0);
	VT_EXPECT_ERRNO(vt_attach(ctx2, edu), EBUSY);
	VT_EXPECT_ERRNO(vt_attach(ctx1, edu), EBUSY);
	close(fd);
	/* Free again: the other context may have it now. */
	fd = vt_attach(ctx2, edu);
	VT_ASSERT(fd >= 0);
	close(fd);
	close(ctx1);
	close(ctx2);
	return 0;
}

static int attach_bad_args(void)
{
	struct pciassign_attach a;
	int ctx = vt_open_ctx();

	vt_parse_bdf(edu, &a);
	a.flags = 1;
	VT_EXPECT_ERRNO(ioctl(ctx, PCIASSIGN_ATTACH_DEVICE, &a), EINVAL);
	vt_parse_bdf(edu, &a);
	a.reserved = 1;
	VT_EXPECT_ERRNO(ioctl(ctx, PCIASSIGN_ATTACH_DEVICE, &a), EINVAL);
	vt_parse_bdf(edu, &a);
	a.argsz = 8;
	VT_EXPECT_ERRNO(ioctl(ctx, PCIASSIGN_ATTACH_DEVICE, &a), EINVAL);
	VT_EXPECT_ERRNO(ioctl(ctx, PCIASSIGN_ATTACH_DEVICE, NULL), EFAULT);
	close(ctx);
	return 0;
}

static int attach_no_device(void)
{
	int ctx = vt_open_ctx();

	VT_EXPECT_ERRNO(vt_attach(ctx, "0000:fe:1f.7"), ENODEV);
	VT_EXPECT_ERRNO(vt_attach(ctx, "ffff:00:00.0"), ENODEV);
	close(ctx);
	return 0;
}

static int attach_not_bound(void)
{
	int ctx = vt_open_ctx();

	VT_ASSERT(driver_is(e1000e, "e1000e"));
	VT_EXPECT_ERRNO(vt_attach(ctx, e1000e), ENODEV);
	VT_ASSERT(driver_is(e1000e, "e1000e"));	/* untouched */
	close(ctx);
	return 0;
}

/*
 * grouped_edu shares its IOMMU group with an e1000 on a host driver: not
 * viable. Without the host driver it is; and while it is attached the
 * kernel's DMA-ownership claim keeps the host driver from binding.
 */
static int attach_group_viability(void)
{
	int ctx = vt_open_ctx(), fd;

	VT_ASSERT(driver_is(e1000, "e1000"));
	VT_EXPECT_ERRNO(vt_attach(ctx, grouped_edu), EXDEV);

	VT_ASSERT(unbind(e1000) == 0);
	fd = vt_attach(ctx, grouped_edu);
	VT_ASSERT(fd >= 0);
	probe(e1000);
	VT_ASSERT(driver_is(e1000, NULL));
	close(fd);

	VT_ASSERT(probe(e1000) == 0);
	VT_ASSERT(driver_is(e1000, "e1000"));
	close(ctx);
	return 0;
}

/* Device fds keep their context's domain alive after the context fd closes. */
static int context_closed_first(void)
{
	struct pciassign_device_info info;
	int ctx = vt_open_ctx(), fd, ctx2;

	fd = vt_attach(ctx, edu);
	VT_ASSERT(fd >= 0);
	close(ctx);
	VT_ASSERT(device_info(fd, &info) == 0);
	VT_ASSERT(!(info.flags & PCIASSIGN_DEVICE_INFO_REVOKED));
	ctx2 = vt_open_ctx();
	VT_EXPECT_ERRNO(vt_attach(ctx2, edu), EBUSY);
	close(fd);
	fd = vt_attach(ctx2, edu);
	VT_ASSERT(fd >= 0);
	close(fd);
	close(ctx2);
	return 0;
}

/* Unbinding an attached device revokes it; the fd then answers -ENODEV. */
static int revoke_on_unbind(void)
{
	struct pciassign_region_info ri = { .argsz = sizeof(ri) };
	struct pciassign_device_info info;
	int ctx = vt_open_ctx(), fd;
	char buf[4];

	fd = vt_attach(ctx, edu);
	VT_ASSERT(fd >= 0);
	VT_ASSERT(unbind(edu) == 0);
	VT_ASSERT(driver_is(edu, NULL));
	VT_ASSERT(device_info(fd, &info) == 0);
	VT_ASSERT(info.flags & PCIASSIGN_DEVICE_INFO_REVOKED);
	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_REGION_INFO, &ri), ENODEV);
	VT_EXPECT_ERRNO(pread(fd, buf, 4, PCIASSIGN_REGION_OFFSET(PCIASSIGN_REGION_CONFIG)), ENODEV);
	VT_EXPECT_ERRNO(vt_attach(ctx, edu), ENODEV);
	close(fd);
	VT_ASSERT(probe(edu) == 0);
	VT_ASSERT(driver_is(edu, "pciassign"));
	fd = vt_attach(ctx, edu);
	VT_ASSERT(fd >= 0);
	close(fd);
	close(ctx);
	return 0;
}

static int device_fd_bad_ioctls(void)
{
	struct pciassign_device_info info;
	int ctx = vt_open_ctx(), fd;

	fd = vt_attach(ctx, edu);
	VT_ASSERT(fd >= 0);
	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_IO(0x70), NULL), ENOTTY);
	/* Context ioctls are not device ioctls and vice versa. */
	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_GET_VERSION, &info), ENOTTY);
	VT_EXPECT_ERRNO(ioctl(ctx, PCIASSIGN_DEVICE_INFO, &info), ENOTTY);
	memset(&info, 0, sizeof(info));
	info.argsz = sizeof(info);
	info.flags = 4;
	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_DEVICE_INFO, &info), EINVAL);
	info.flags = 0;
	info.argsz = 4;
	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_DEVICE_INFO, &info), EINVAL);
	close(fd);
	close(ctx);
	return 0;
}

/* Many contexts and device fds opened and closed leave nothing behind. */
static int churn(void)
{
	for (int i = 0; i < 50; i++) {
		int ctx = vt_open_ctx(), fd = vt_attach(ctx, edu);

		VT_ASSERT(fd >= 0);
		if (i & 1) {
			close(ctx);
			close(fd);
		} else {
			close(fd);
			close(ctx);
		}
	}
	return 0;
}

static const struct vt_case attach_cases[] = {
	{ "edu", attach_edu },
	{ "busy", attach_busy },
	{ "bad-args", attach_bad_args },
	{ "no-device", attach_no_device },
	{ "not-bound", attach_not_bound },
	{ "group-viability", attach_group_viability },
	{ "context-closed-first", context_closed_first },
	{ "revoke-on-unbind", revoke_on_unbind },
	{ "device-fd-bad-ioctls", device_fd_bad_ioctls },
	{ "churn", churn },
};

static int refuse_errno;

/* On rigs that lack an IOMMU or remapping, attach must refuse. */
static int refused(void)
{
	int ctx = vt_open_ctx();

	VT_EXPECT_ERRNO(vt_attach(ctx, edu), refuse_errno);
	close(ctx);
	return 0;
}

static const struct vt_case refuse_cases[] = {
	{ "refused", refused },
};

/* With allow_unsafe_interrupts=1 the same attach goes through. */
static int allowed(void)
{
	int ctx = vt_open_ctx(), fd;

	fd = vt_attach(ctx, edu);
	VT_ASSERT(fd >= 0);
	close(fd);
	close(ctx);
	return 0;
}

static const struct vt_case allowed_cases[] = {
	{ "allowed-unsafe", allowed },
};

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "attach")) {
		edu = argv[2];
		e1000e = argv[3];
		grouped_edu = argv[4];
		e1000 = argv[5];
		return vt_run("attach", attach_cases,
			      sizeof(attach_cases) / sizeof(attach_cases[0]));
	}
	if (argc == 4 && !strcmp(argv[1], "refuse")) {
		refuse_errno = atoi(argv[2]);
		edu = argv[3];
		return vt_run("attach", refuse_cases, 1);
	}
	if (argc == 3 && !strcmp(argv[1], "allowed")) {
		edu = argv[2];
		return vt_run("attach", allowed_cases, 1);
	}
	fprintf(stderr, "usage: %s attach EDU E1000E GROUPED_EDU E1000 | refuse ERRNO EDU | allowed EDU\n",
		argv[0]);
	return 2;
}
