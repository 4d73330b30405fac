// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt forwarding to eventfds.
 * NOT IMPLEMENTED YET: the ioctls answer -EOPNOTSUPP.
 */
#include "pciassign.h"

int pa_irq_init(struct pa_device *padev)
{
	return 0;
}

void pa_irq_teardown(struct pa_device *padev)
{
}

long pa_irq_ioctl_info(struct pa_device *padev, void __user *uarg)
{
	return -EOPNOTSUPP;
}

long pa_irq_ioctl_set(struct pa_device *padev, void __user *uarg)
{
	return -EOPNOTSUPP;
}

void pa_irq_signal_request(struct pa_device *padev)
{
}
