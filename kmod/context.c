// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/pciassign: each open() creates a context, the unit that owns one
 * IOMMU domain and the devices attached to it.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/pciassign.h>

#include "pciassign.h"

struct pa_context {
	struct mutex lock;	/* protects the context's devices and mappings */
};

static int pa_ctx_open(struct inode *inode, struct file *file)
{
	struct pa_context *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	mutex_init(&ctx->lock);
	file->private_data = ctx;
	return 0;
}

static int pa_ctx_release(struct inode *inode, struct file *file)
{
	struct pa_context *ctx = file->private_data;

	mutex_destroy(&ctx->lock);
	kfree(ctx);
	return 0;
}

static long pa_ioctl_get_version(void __user *uarg)
{
	struct pciassign_version v;
	unsigned int major = 0, minor = 0, patch = 0;
	int ret;

	ret = pa_copy_args(&v, offsetofend(struct pciassign_version, flags),
			   sizeof(v), uarg);
	if (ret)
		return ret;
	if (v.flags)
		return -EINVAL;

	if (sscanf(PCIASSIGN_VERSION, "%u.%u.%u", &major, &minor, &patch) < 1)
		major = 0;
	v.api_version = PCIASSIGN_API_VERSION;
	v.module_major = major;
	v.module_minor = minor;
	v.module_patch = patch;

	return pa_copy_out(uarg, &v, v.argsz, sizeof(v));
}

static long pa_ctx_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case PCIASSIGN_GET_VERSION:
		return pa_ioctl_get_version(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations pa_ctx_fops = {
	.owner = THIS_MODULE,
	.open = pa_ctx_open,
	.release = pa_ctx_release,
	.unlocked_ioctl = pa_ctx_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice pa_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = PCIASSIGN_NAME,
	.fops = &pa_ctx_fops,
	.mode = 0600,
};

int pa_chardev_register(void)
{
	return misc_register(&pa_miscdev);
}

void pa_chardev_unregister(void)
{
	misc_deregister(&pa_miscdev);
}
