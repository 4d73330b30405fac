// SPDX-License-Identifier: GPL-2.0
/*
 * The device fd: ioctls, pread/pwrite and mmap of one attached function.
 * Every operation runs under pa_adev.lock and only while this fd is the
 * device's current owner; after revocation or detach it gets -ENODEV.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "pciassign.h"

/* Lock @padev if @file still owns it; else return -ENODEV unlocked. */
static int pa_adev_enter(struct pa_adev *padev, struct file *file)
{
	mutex_lock(&padev->lock);
	if (padev->file == file && padev->ctx && !padev->revoked)
		return 0;
	mutex_unlock(&padev->lock);
	return -ENODEV;
}

static void pa_adev_leave(struct pa_adev *padev)
{
	mutex_unlock(&padev->lock);
}

/* Where the chain starts: capabilities are 8-byte aligned. */
#define PA_ADEV_INFO_CHAIN	ALIGN(sizeof(struct pciassign_device_info), 8)

/* Every capability DEVICE_INFO may chain, in the order it chains them. */
struct pa_adev_info_caps {
	struct pciassign_device_info_cap_pci_id id;
	struct pciassign_device_info_cap_msix msix;
};

/* Build @pdev's capability chain; returns its size. */
static size_t pa_adev_info_chain(struct pci_dev *pdev,
				 struct pa_adev_info_caps *caps)
{
	size_t len = sizeof(caps->id);

	memset(caps, 0, sizeof(*caps));
	caps->id.header.id = PCIASSIGN_DEVICE_INFO_CAP_PCI_ID;
	caps->id.header.version = 1;
	caps->id.subsystem_vendor = pdev->subsystem_vendor;
	caps->id.subsystem_device = pdev->subsystem_device;
	caps->id.class_code = pdev->class;
	caps->id.revision = pdev->revision;

	if (pdev->msix_cap) {
		caps->id.header.next = PA_ADEV_INFO_CHAIN + len;
		caps->msix.header.id = PCIASSIGN_DEVICE_INFO_CAP_MSIX;
		caps->msix.header.version = 1;
		caps->msix.table_size = max(pci_msix_vec_count(pdev), 0);
		if (pa_compat_msix_can_alloc_dyn(pdev))
			caps->msix.flags |= PCIASSIGN_CAP_MSIX_DYNAMIC;
		len += sizeof(caps->msix);
	}
	return len;
}

/*
 * Without PCIASSIGN_DEVICE_INFO_CAPS in @flags the call is what it always
 * was (argsz rules of pa_copy_args, argsz never rewritten), so a caller
 * that reuses its structure is never written past it. With it, bytes past
 * the structure are output space for the chain, and argsz comes back as
 * the size the whole chain needs.
 */
static long pa_ioctl_device_info(struct pa_adev *padev, struct file *file,
				 void __user *uarg)
{
	const size_t minsz = offsetofend(struct pciassign_device_info, num_irqs);
	struct pci_dev *pdev = padev->pdev;
	struct pciassign_device_info info;
	struct pa_adev_info_caps caps;
	size_t chainsz;
	bool want_caps;
	u32 argsz, flags;
	int ret;

	if (get_user(argsz, (u32 __user *)uarg))
		return -EFAULT;
	if (argsz < minsz)
		return -EINVAL;
	if (get_user(flags, (u32 __user *)uarg + 1))
		return -EFAULT;
	want_caps = flags & PCIASSIGN_DEVICE_INFO_CAPS;
	if (want_caps) {
		memset(&info, 0, sizeof(info));
		if (copy_from_user(&info, uarg, min_t(size_t, argsz, sizeof(info))))
			return -EFAULT;
	} else {
		ret = pa_copy_args(&info, minsz, sizeof(info), uarg);
		if (ret)
			return ret;
	}
	if (info.flags & ~PCIASSIGN_DEVICE_INFO_CAPS)
		return -EINVAL;
	info.flags = 0;

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
	info.cap_offset = 0;

	if (want_caps) {
		chainsz = pa_adev_info_chain(pdev, &caps);
		info.flags |= PCIASSIGN_DEVICE_INFO_CAPS;
		info.argsz = PA_ADEV_INFO_CHAIN + chainsz;
		if (argsz >= info.argsz) {
			if (copy_to_user(uarg + PA_ADEV_INFO_CHAIN, &caps, chainsz))
				return -EFAULT;
			info.cap_offset = PA_ADEV_INFO_CHAIN;
		}
	}
	return pa_copy_out(uarg, &info, argsz, sizeof(info));
}

static long pa_ioctl_device_reset(struct pa_adev *padev, void __user *uarg)
{
	struct pciassign_reset r;
	int ret;

	ret = pa_copy_args(&r, sizeof(r), sizeof(r), uarg);
	if (ret)
		return ret;
	if (r.flags)
		return -EINVAL;
	return pa_adev_reset(padev);
}

static long pa_adev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct pa_adev *padev = file->private_data;
	void __user *uarg = (void __user *)arg;
	long ret;

	/* Answers even after revocation, so the VMM can learn about it. */
	if (cmd == PCIASSIGN_DEVICE_INFO)
		return pa_ioctl_device_info(padev, file, uarg);

	ret = pa_adev_enter(padev, file);
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
	pa_adev_leave(padev);
	return ret;
}

static ssize_t pa_adev_read(struct file *file, char __user *buf,
			    size_t count, loff_t *ppos)
{
	struct pa_adev *padev = file->private_data;
	ssize_t ret = pa_adev_enter(padev, file);

	if (ret)
		return ret;
	ret = pa_regions_rw(padev, buf, count, ppos, false);
	pa_adev_leave(padev);
	return ret;
}

static ssize_t pa_adev_write(struct file *file, const char __user *buf,
			     size_t count, loff_t *ppos)
{
	struct pa_adev *padev = file->private_data;
	ssize_t ret = pa_adev_enter(padev, file);

	if (ret)
		return ret;
	ret = pa_regions_rw(padev, (char __user *)buf, count, ppos, true);
	pa_adev_leave(padev);
	return ret;
}

/*
 * mmap runs under mmap_lock, while other device-fd operations hold
 * pa_adev.lock and may fault on user memory: so no pa_adev.lock here.
 * pa_regions_mmap checks ownership under memory_lock instead.
 */
static int pa_adev_mmap(struct file *file, struct vm_area_struct *vma)
{
	return pa_regions_mmap(file->private_data, vma);
}

static int pa_adev_release(struct inode *inode, struct file *file)
{
	pa_adev_release_fd(file->private_data, file);
	return 0;
}

const struct file_operations pa_adev_fops = {
	.owner = THIS_MODULE,
	.release = pa_adev_release,
	.unlocked_ioctl = pa_adev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.read = pa_adev_read,
	.write = pa_adev_write,
	.mmap = pa_adev_mmap,
	.llseek = noop_llseek,
};
