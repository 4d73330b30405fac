// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/pciassign: each open() creates a context, the unit that owns one
 * IOMMU domain, its DMA mappings and the devices attached to it.
 */
#include <linux/fs.h>
#include <linux/iommu.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "pciassign.h"

/**
 * pa_context_get() - take a reference on a context
 * @ctx: the context
 */
void pa_context_get(struct pa_context *ctx)
{
	kref_get(&ctx->ref);
}

static void pa_context_free(struct kref *ref)
{
	struct pa_context *ctx = container_of(ref, struct pa_context, ref);

	/* Every device holds a reference, so none is attached any more. */
	WARN_ON(!list_empty(&ctx->devices) || !list_empty(&ctx->groups));
	__pa_kvm_unlink(ctx);
	pa_dma_destroy(ctx);
	if (ctx->domain)
		iommu_domain_free(ctx->domain);
	mutex_destroy(&ctx->lock);
	kfree(ctx);
}

/**
 * pa_context_put() - drop a reference on a context
 * @ctx: the context
 *
 * The last one frees it with its DMA mappings.
 *
 * Context: may sleep.
 */
void pa_context_put(struct pa_context *ctx)
{
	kref_put(&ctx->ref, pa_context_free);
}

/* Never reused, unlike the context's address. */
static atomic64_t pa_context_ids = ATOMIC64_INIT(0);

static int pa_ctx_open(struct inode *inode, struct file *file)
{
	struct pa_context *ctx;
	int ret;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return -ENOMEM;
	kref_init(&ctx->ref);
	ctx->id = atomic64_inc_return(&pa_context_ids);
	mutex_init(&ctx->lock);
	INIT_LIST_HEAD(&ctx->devices);
	INIT_LIST_HEAD(&ctx->groups);

	ret = pa_dma_create(ctx);
	if (ret) {
		mutex_destroy(&ctx->lock);
		kfree(ctx);
		return ret;
	}
	file->private_data = ctx;
	return 0;
}

static int pa_ctx_release(struct inode *inode, struct file *file)
{
	pa_context_put(file->private_data);
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

/* Whether this module, on this kernel, has @ext: 1 or 0, never an error. */
static int pa_extension_supported(u32 ext)
{
	switch (ext) {
	case PCIASSIGN_EXT_DEVICE_GRANTS:
	case PCIASSIGN_EXT_RESET_SET:
	case PCIASSIGN_EXT_IOMMU_INFO_RANGES:
	case PCIASSIGN_EXT_DEVICE_INFO_CAPS:
		return 1;
	case PCIASSIGN_EXT_MSIX_DYNAMIC:
		return PA_COMPAT_MSIX_DYN_ALLOC;
	case PCIASSIGN_EXT_NETLINK_ADMIN_EVENTS:
		return PA_COMPAT_EVENTS_PRIVATE;
	case PCIASSIGN_EXT_SET_KVM:
		return pa_kvm_supported();
	case PCIASSIGN_EXT_IRQ_BYPASS:
		return pa_irq_bypass_enabled();
	default:
		return 0;
	}
}

static long pa_ioctl_check_extension(void __user *uarg)
{
	struct pciassign_check_extension ce;
	int ret;

	ret = pa_copy_args(&ce, sizeof(ce), sizeof(ce), uarg);
	if (ret)
		return ret;
	if (ce.flags)
		return -EINVAL;
	return pa_extension_supported(ce.extension);
}

static long pa_ctx_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct pa_context *ctx = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case PCIASSIGN_GET_VERSION:
		return pa_ioctl_get_version(uarg);
	case PCIASSIGN_IOMMU_INFO:
		return pa_dma_ioctl_iommu_info(ctx, uarg);
	case PCIASSIGN_DMA_MAP:
		return pa_dma_ioctl_map(ctx, uarg);
	case PCIASSIGN_DMA_UNMAP:
		return pa_dma_ioctl_unmap(ctx, uarg);
	case PCIASSIGN_ATTACH_DEVICE:
		return pa_ioctl_attach(ctx, uarg);
	case PCIASSIGN_CHECK_EXTENSION:
		return pa_ioctl_check_extension(uarg);
	case PCIASSIGN_SET_KVM:
		return pa_kvm_ioctl_set(ctx, uarg);
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

/**
 * pa_chardev_register() - create /dev/pciassign
 *
 * Return: 0 or a negative errno.
 */
int pa_chardev_register(void)
{
	return misc_register(&pa_miscdev);
}

/**
 * pa_chardev_unregister() - remove /dev/pciassign
 */
void pa_chardev_unregister(void)
{
	misc_deregister(&pa_miscdev);
}
