// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest tests of the /dev/pciassign UAPI. Usage: pa-uapi-test SUITE
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/pciassign.h>

#include "vmtest.h"

#define DEVNODE "/dev/pciassign"

static int open_ctx(void)
{
	int fd = open(DEVNODE, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		perror(DEVNODE);
		exit(1);
	}
	return fd;
}

static int version_ok(void)
{
	struct pciassign_version v = { .argsz = sizeof(v) };
	int fd = open_ctx();

	VT_ASSERT(ioctl(fd, PCIASSIGN_GET_VERSION, &v) == 0);
	VT_ASSERT(v.api_version == PCIASSIGN_API_VERSION);
	close(fd);
	return 0;
}

static int version_bad_flags(void)
{
	struct pciassign_version v = { .argsz = sizeof(v), .flags = 1 };
	int fd = open_ctx();

	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_GET_VERSION, &v), EINVAL);
	v.flags = 0x80000000u;
	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_GET_VERSION, &v), EINVAL);
	close(fd);
	return 0;
}

static int version_short_argsz(void)
{
	struct pciassign_version v = { .argsz = 4 };
	int fd = open_ctx();

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
	int fd = open_ctx();

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
	int fd = open_ctx();

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
	int fd = open_ctx();

	/* Refused up front, without scanning gigabytes of user memory. */
	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_GET_VERSION, &v), E2BIG);
	close(fd);
	return 0;
}

static int bad_pointer(void)
{
	int fd = open_ctx();

	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_GET_VERSION, NULL), EFAULT);
	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_GET_VERSION, (void *)16), EFAULT);
	close(fd);
	return 0;
}

static int unknown_ioctl(void)
{
	int fd = open_ctx();

	VT_EXPECT_ERRNO(ioctl(fd, PCIASSIGN_IO(0x7f), NULL), ENOTTY);
	VT_EXPECT_ERRNO(ioctl(fd, _IO('x', 1), NULL), ENOTTY);
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
};

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "version"))
		return vt_run("uapi", version_cases,
			      sizeof(version_cases) / sizeof(version_cases[0]));
	fprintf(stderr, "usage: %s version\n", argv[0]);
	return 2;
}
