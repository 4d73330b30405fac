// SPDX-License-Identifier: LGPL-2.1-or-later
/* Contexts: one open of /dev/pciassign, one IOMMU domain. */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/pciassign.h>

#include "libpciassign.h"

#define PA_DEVNODE "/dev/pciassign"

int pa_context_open(void)
{
	int fd = open(PA_DEVNODE, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int pa_get_version(int ctx_fd, struct pa_version *out)
{
	struct pciassign_version v = { .argsz = sizeof(v) };

	if (ioctl(ctx_fd, PCIASSIGN_GET_VERSION, &v) < 0)
		return -errno;
	out->api_version = v.api_version;
	out->major = v.module_major;
	out->minor = v.module_minor;
	out->patch = v.module_patch;
	return 0;
}

int pa_check_extension(int ctx_fd, unsigned int ext)
{
	struct pciassign_check_extension ce = { .argsz = sizeof(ce), .extension = ext };
	int r = ioctl(ctx_fd, PCIASSIGN_CHECK_EXTENSION, &ce);

	if (r < 0)
		return errno == ENOTTY ? 0 : -errno;
	return r;
}

int pa_context_set_kvm(int ctx_fd, int vm_fd)
{
	struct pciassign_set_kvm k = { .argsz = sizeof(k), .vm_fd = vm_fd };

	if (ioctl(ctx_fd, PCIASSIGN_SET_KVM, &k) < 0)
		return errno == ENOTTY ? -EOPNOTSUPP : -errno;
	return 0;
}
