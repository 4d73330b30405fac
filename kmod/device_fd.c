// SPDX-License-Identifier: GPL-2.0
/*
 * The device fd: ioctls, pread/pwrite and mmap of one attached function.
 * Every operation runs under pa_device.lock and only while this fd is the
 * device's current owner; after revocation or detach it gets -ENODEV.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "pciassign.h"

/* Lock @padev if @file still owns it; else return -ENODEV unlocked. */
static int pa_device_enter(struct pa_device *padev, struct file *file)
{
	mutex_lock(&padev->lock);
	if (padev->file == file && padev->ctx && !padev->revoked)
		return 0;
	mutex_unlock(&padev->lock);
	return -ENODEV;
}

static void pa_device_leave(struct pa_device *padev)
{
	mutex_unlock(&padev->lock);
}

static long pa_ioctl_device_info(struct pa_device *padev, struct file *file,
				 void __user *uarg)
{
	struct pci_dev *pdev = padev->pdev;
	struct pciassign_device_info info;
	int ret;

	ret = pa_copy_args(&info, offsetofend(struct pciassign_device_info, num_irqs),
			   sizeof(info), uarg);
	if (ret)
		return ret;
	if (info.flags)
		return -EINVAL;

	mutex_lock(&padev->lock);
	if (padev->revoked || padev->file != file)
		info.flags |= PCIASSIGN_DEVICE_INFO_REVOKED;
	mutex_unlock(&padev->lock);

	if (pa_reset_available(padev))
		info.flags |= PCIASSIGN_DEVICE_INFO_RESET;
	if (pa_reset_is_set(padev))
		info.flags |= PCIASSIGN_DEVICE_INFO_RESET_SET;
	if (pci_is_pcie(pdev))
		info.flags |= PCIASSIGN_DEVICE_INFO_PCIE;
	info.num_regions = PCIASSIGN_NUM_REGIONS;
	info.num_irqs = PCIASSIGN_NUM_IRQS;
	info.segment = pci_domain_nr(pdev->bus);
	info.bus = pdev->bus->number;
	info.devfn = pdev->devfn;
	info.vendor = pdev->vendor;
	info.device = pdev->device;
	return pa_copy_out(uarg, &info, info.argsz, sizeof(info));
}

static long pa_ioctl_device_reset(struct pa_device *padev, void __user *uarg)
{
	struct pciassign_reset r;
	int ret;

	ret = pa_copy_args(&r, sizeof(r), sizeof(r), uarg);
	if (ret)
		return ret;
	if (r.flags)
		return -EINVAL;
	return pa_device_reset(padev);
}

static long pa_device_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct pa_device *padev = file->private_data;
	void __user *uarg = (void __user *)arg;
	long ret;

	/* Answers even after revocation, so the VMM can learn about it. */
	if (cmd == PCIASSIGN_DEVICE_INFO)
		return pa_ioctl_device_info(padev, file, uarg);

	ret = pa_device_enter(padev, file);
	if (ret)
		return ret;
	switch (cmd) {
	case PCIASSIGN_REGION_INFO:
		ret = pa_regions_ioctl_info(padev, uarg);
		break;
	case PCIASSIGN_IRQ_INFO:
		ret = pa_irq_ioctl_info(padev, uarg);
		break;
	case PCIASSIGN_SET_IRQS:
		ret = pa_irq_ioctl_set(padev, uarg);
		break;
	case PCIASSIGN_DEVICE_RESET:
		ret = pa_ioctl_device_reset(padev, uarg);
		break;
	default:
		ret = -ENOTTY;
	}
	pa_device_leave(padev);
	return ret;
}

static ssize_t pa_device_read(struct file *file, char __user *buf,
			      size_t count, loff_t *ppos)
{
	struct pa_device *padev = file->private_data;
	ssize_t ret = pa_device_enter(padev, file);

	if (ret)
		return ret;
	ret = pa_regions_rw(padev, buf, count, ppos, false);
	pa_device_leave(padev);
	return ret;
}

static ssize_t pa_device_write(struct file *file, const char __user *buf,
			       size_t count, loff_t *ppos)
{
	struct pa_device *padev = file->private_data;
	ssize_t ret = pa_device_enter(padev, file);

	if (ret)
		return ret;
	ret = pa_regions_rw(padev, (char __user *)buf, count, ppos, true);
	pa_device_leave(padev);
	return ret;
}

/*
 * mmap runs under mmap_lock, while other device-fd operations hold
 * pa_device.lock and may fault on user memory: so no pa_device.lock here.
 * pa_regions_mmap checks ownership under memory_lock instead.
 */
static int pa_device_mmap(struct file *file, struct vm_area_struct *vma)
{
	return pa_regions_mmap(file->private_data, vma);
}

static int pa_device_release(struct inode *inode, struct file *file)
{
	pa_device_release_fd(file->private_data, file);
	return 0;
}

const struct file_operations pa_device_fops = {
	.owner = THIS_MODULE,
	.release = pa_device_release,
	.unlocked_ioctl = pa_device_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.read = pa_device_read,
	.write = pa_device_write,
	.mmap = pa_device_mmap,
	.llseek = noop_llseek,
};
