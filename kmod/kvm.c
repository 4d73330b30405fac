// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM VM a context's devices are assigned to (PCIASSIGN_SET_KVM).
 *
 * KVM posts a device interrupt straight to a vCPU (VT-d PI, AMD GA) for an
 * IRQ bypass pair (irq.c's producers, its irqfd consumers) only in a VM it
 * knows has an assigned device; VFIO tells it through KVM's VFIO device,
 * pciassign through this ioctl. While linked, the context holds a
 * reference on the VM and counts as one assignment.
 *
 * KVM's functions are looked up when needed (__symbol_get), so the module
 * neither depends on kvm.ko nor needs KVM's internal headers, and a kernel
 * whose KVM keeps the assignment count to itself (7.x) answers EOPNOTSUPP.
 * A held symbol also keeps kvm.ko loaded while the VM reference is ours.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "pciassign.h"

struct kvm;

/* KVM's exports, looked up by name; the types are KVM's own. */
struct pa_kvm_ops {
	bool (*file_is_kvm)(struct file *file);
	bool (*get_kvm_safe)(struct kvm *kvm);
	void (*put_kvm)(struct kvm *kvm);
	void (*start_assignment)(struct kvm *kvm);
	void (*end_assignment)(struct kvm *kvm);
};

struct pa_kvm_link {
	struct kvm *kvm;		/* referenced */
	struct pa_kvm_ops ops;		/* held while linked */
};

static void pa_kvm_ops_put(struct pa_kvm_ops *ops)
{
	if (ops->file_is_kvm)
		symbol_put_addr(ops->file_is_kvm);
	if (ops->get_kvm_safe)
		symbol_put_addr(ops->get_kvm_safe);
	if (ops->put_kvm)
		symbol_put_addr(ops->put_kvm);
	if (ops->start_assignment)
		symbol_put_addr(ops->start_assignment);
	if (ops->end_assignment)
		symbol_put_addr(ops->end_assignment);
	memset(ops, 0, sizeof(*ops));
}

/* All of KVM's functions, or none (-EOPNOTSUPP). */
static int pa_kvm_ops_get(struct pa_kvm_ops *ops)
{
	ops->file_is_kvm = __symbol_get("file_is_kvm");
	ops->get_kvm_safe = __symbol_get("kvm_get_kvm_safe");
	ops->put_kvm = __symbol_get("kvm_put_kvm");
	ops->start_assignment = __symbol_get("kvm_arch_start_assignment");
	ops->end_assignment = __symbol_get("kvm_arch_end_assignment");
	if (ops->file_is_kvm && ops->get_kvm_safe && ops->put_kvm &&
	    ops->start_assignment && ops->end_assignment)
		return 0;
	pa_kvm_ops_put(ops);
	return -EOPNOTSUPP;
}

/**
 * pa_kvm_supported() - whether PCIASSIGN_SET_KVM can work now
 *
 * Answers PCIASSIGN_EXT_SET_KVM: KVM is loaded and exports every call
 * kvm.c needs (6.1 to 6.16; 7.x keeps the assignment count to itself).
 *
 * Return: true if so.
 */
bool pa_kvm_supported(void)
{
	struct pa_kvm_ops ops = { 0 };

	if (pa_kvm_ops_get(&ops))
		return false;
	pa_kvm_ops_put(&ops);
	return true;
}

/**
 * __pa_kvm_unlink() - drop a context's link to its KVM VM, if any
 * @ctx: the context; its lock held, or the context unreachable (freeing)
 *
 * Ends the assignment KVM counted for it and drops the VM reference,
 * which may destroy the VM.
 */
void __pa_kvm_unlink(struct pa_context *ctx)
{
	struct pa_kvm_link *link = ctx->kvm;

	if (!link)
		return;
	link->ops.end_assignment(link->kvm);
	link->ops.put_kvm(link->kvm);
	pa_kvm_ops_put(&link->ops);
	kfree(link);
	ctx->kvm = NULL;
}

static void pa_kvm_unlink(struct pa_context *ctx)
{
	mutex_lock(&ctx->lock);
	__pa_kvm_unlink(ctx);
	mutex_unlock(&ctx->lock);
}

static int pa_kvm_link(struct pa_context *ctx, int vm_fd)
{
	struct pa_kvm_link *link;
	struct kvm *kvm;
	struct file *file;
	int ret;

	file = fget(vm_fd);
	if (!file)
		return -EBADF;
	link = kzalloc(sizeof(*link), GFP_KERNEL_ACCOUNT);
	if (!link) {
		ret = -ENOMEM;
		goto out_fput;
	}
	ret = pa_kvm_ops_get(&link->ops);
	if (ret)
		goto out_free;
	if (!link->ops.file_is_kvm(file)) {
		ret = -EINVAL;
		goto out_ops;
	}
	kvm = file->private_data;

	mutex_lock(&ctx->lock);
	if (ctx->kvm) {
		ret = ctx->kvm->kvm == kvm ? 0 : -EBUSY;
		goto out_unlock;
	}
	if (!link->ops.get_kvm_safe(kvm)) {
		ret = -ENOENT;		/* the VM is being destroyed */
		goto out_unlock;
	}
	link->kvm = kvm;
	link->ops.start_assignment(kvm);
	ctx->kvm = link;
	mutex_unlock(&ctx->lock);
	fput(file);
	return 0;

out_unlock:
	mutex_unlock(&ctx->lock);
out_ops:
	pa_kvm_ops_put(&link->ops);
out_free:
	kfree(link);
out_fput:
	fput(file);
	return ret;
}

/**
 * pa_kvm_ioctl_set() - PCIASSIGN_SET_KVM: link a context to a KVM VM
 * @ctx: the context
 * @uarg: struct pciassign_set_kvm; vm_fd -1 unlinks
 *
 * Return: 0, or -EINVAL, -EBADF, -EBUSY, -ENOENT, -EOPNOTSUPP, -EFAULT,
 * -E2BIG (see the UAPI header).
 */
long pa_kvm_ioctl_set(struct pa_context *ctx, void __user *uarg)
{
	struct pciassign_set_kvm req;
	long ret;

	ret = pa_copy_args(&req, sizeof(req), sizeof(req), uarg);
	if (ret)
		return ret;
	if (req.flags || req.reserved)
		return -EINVAL;
	if (req.vm_fd == -1) {
		pa_kvm_unlink(ctx);
		return 0;
	}
	if (req.vm_fd < 0)
		return -EBADF;
	return pa_kvm_link(ctx, req.vm_fd);
}
