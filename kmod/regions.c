// SPDX-License-Identifier: GPL-2.0
/*
 * Config space, BARs and ROM of an attached device.
 * NOT IMPLEMENTED YET: the accessors answer -EOPNOTSUPP.
 */
#include "pciassign.h"

int pa_regions_init(struct pa_device *padev)
{
	return 0;
}

void pa_regions_teardown(struct pa_device *padev)
{
}

void pa_regions_zap(struct pa_device *padev)
{
}

long pa_regions_ioctl_info(struct pa_device *padev, void __user *uarg)
{
	return -EOPNOTSUPP;
}

ssize_t pa_regions_rw(struct pa_device *padev, char __user *buf,
		      size_t count, loff_t *ppos, bool write)
{
	return -EOPNOTSUPP;
}

int pa_regions_mmap(struct pa_device *padev, struct vm_area_struct *vma)
{
	return -EOPNOTSUPP;
}
