// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching a device to a context: the checks that make assignment safe
 * (IOMMU present, group viable, interrupt remapping), DMA ownership of the
 * IOMMU group, the device fd, and the reverse path shared by close and
 * revocation: quiesce, reset, restore, give the group back.
 */
#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "compat.h"
#include "pciassign.h"

static bool allow_unsafe_interrupts;
module_param(allow_unsafe_interrupts, bool, 0644);
MODULE_PARM_DESC(allow_unsafe_interrupts,
		 "Attach devices even without interrupt remapping (a guest can then forge MSIs to the host). Default: N");

static unsigned int release_timeout_ms = 5000;
module_param(release_timeout_ms, uint, 0644);
MODULE_PARM_DESC(release_timeout_ms,
		 "How long the host waits for an owner to release a device it wants back before revoking it (ms). Default: 5000");

/* A context's claim of one IOMMU group's DMA ownership. */
struct pa_group_claim {
	struct list_head node;
	struct iommu_group *group;
	unsigned int users;	/* attached devices of the context in it */
};

struct pa_viability {
	struct device *offender;
};

/*
 * A group member may have no driver, be ours, or be a PCIe port (port
 * services do no DMA); any other driver does DMA through the group.
 */
static int pa_check_member(struct device *dev, void *data)
{
	struct pa_viability *v = data;
	struct pci_dev *pdev;

	if (!dev->driver)
		return 0;
	if (dev_is_pci(dev)) {
		pdev = to_pci_dev(dev);
		if (pa_pci_driver_owns(pdev))
			return 0;
		if (pdev->hdr_type == PCI_HEADER_TYPE_BRIDGE &&
		    !strcmp(dev->driver->name, "pcieport"))
			return 0;
	}
	v->offender = dev;
	return -EXDEV;
}

static struct pa_group_claim *pa_find_claim(struct pa_context *ctx,
					    struct iommu_group *group)
{
	struct pa_group_claim *claim;

	list_for_each_entry(claim, &ctx->groups, node)
		if (claim->group == group)
			return claim;
	return NULL;
}

/*
 * Make @group part of ctx's domain: claim its DMA ownership (the kernel
 * then refuses host drivers that use the DMA API in it) and attach it.
 * Called with ctx->lock held.
 */
static int pa_group_join(struct pa_context *ctx, struct pci_dev *pdev,
			 struct iommu_group *group)
{
	struct pa_group_claim *claim = pa_find_claim(ctx, group);
	struct iommu_domain *domain;
	int ret;

	lockdep_assert_held(&ctx->lock);
	if (claim) {
		claim->users++;
		return 0;
	}

	claim = pa_fault("attach-claim") ? NULL : kzalloc(sizeof(*claim), GFP_KERNEL_ACCOUNT);
	if (!claim)
		return -ENOMEM;

	ret = iommu_group_claim_dma_owner(group, ctx);
	if (ret) {
		pci_info(pdev, "IOMMU group %d is owned by another user (%d)\n",
			 iommu_group_id(group), ret);
		kfree(claim);
		return -EBUSY;
	}

	if (!ctx->domain) {
		domain = pa_fault("attach-domain") ? ERR_PTR(-ENOMEM) :
			 pa_compat_domain_alloc(&pdev->dev);
		if (IS_ERR(domain)) {
			ret = PTR_ERR(domain);
			pci_err(pdev, "cannot allocate an IOMMU domain (%d)\n", ret);
			goto release;
		}
		ctx->domain = domain;
	}

	ret = pa_fault("attach-group") ? -ENOMEM : iommu_attach_group(ctx->domain, group);
	if (ret) {
		pci_err(pdev, "cannot attach IOMMU group %d to the context's domain (%d)\n",
			iommu_group_id(group), ret);
		goto release;
	}
	/*
	 * Ask once, while the domain has its first devices and no mappings
	 * (the IOMMU then refuses later devices that could not comply).
	 */
	if (list_empty(&ctx->groups))
		ctx->snoop_forced = ctx->domain->ops->enforce_cache_coherency &&
				    ctx->domain->ops->enforce_cache_coherency(ctx->domain);

	claim->group = group;
	claim->users = 1;
	list_add(&claim->node, &ctx->groups);
	return 0;

release:
	iommu_group_release_dma_owner(group);
	kfree(claim);
	return ret;
}

/* Called with ctx->lock held. */
static void pa_group_leave(struct pa_context *ctx, struct iommu_group *group)
{
	struct pa_group_claim *claim = pa_find_claim(ctx, group);

	lockdep_assert_held(&ctx->lock);
	if (WARN_ON(!claim) || --claim->users)
		return;
	iommu_detach_group(ctx->domain, group);
	iommu_group_release_dma_owner(group);
	list_del(&claim->node);
	kfree(claim);
}

/* Refusals that do not depend on the context. */
static int pa_check_assignable(struct pci_dev *pdev, struct iommu_group *group)
{
	struct pa_viability v = { NULL };

	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL) {
		pci_info(pdev, "attach refused: a bridge is not assignable\n");
		return -EINVAL;
	}
	if (pci_num_vf(pdev)) {
		pci_info(pdev, "attach refused: a PF with VFs enabled is not assignable\n");
		return -EBUSY;
	}
	if (!group) {
		pci_info(pdev, "attach refused: device is not behind an IOMMU\n");
		return -ENXIO;
	}
	if (!pa_compat_group_has_isolated_msi(group, &pdev->dev)) {
		if (!allow_unsafe_interrupts) {
			pci_info(pdev, "attach refused: no interrupt remapping (allow_unsafe_interrupts=1 overrides, unsafely)\n");
			return -EPERM;
		}
		pci_warn(pdev, "attaching WITHOUT interrupt remapping: the guest can forge MSIs to the host\n");
	}
	if (iommu_group_for_each_dev(group, &v, pa_check_member)) {
		pci_info(pdev, "attach refused: IOMMU group %d not viable, %s is bound to %s\n",
			 iommu_group_id(group), dev_name(v.offender),
			 v.offender->driver ? v.offender->driver->name : "?");
		return -EXDEV;
	}
	return 0;
}

/* Bring the hardware up for a new owner. Called with padev->lock held. */
static int pa_adev_open_hw(struct pa_adev *padev, struct pa_context *ctx)
{
	struct pci_dev *pdev = padev->pdev;
	int ret;

	lockdep_assert_held(&padev->lock);
	ret = pa_fault("attach-enable") ? -EIO : pci_enable_device(pdev);
	if (ret)
		return ret;

	/* Keep the host's config so every release can go back to it. */
	pci_save_state(pdev);
	padev->pristine = pa_fault("attach-save") ? NULL : pci_store_saved_state(pdev);
	if (!padev->pristine) {
		ret = -ENOMEM;
		goto disable;
	}

	/* A clean device for the new owner (reset.c says when it can't be). */
	ret = pa_reset_at_attach(padev, ctx);
	if (ret)
		goto free_state;
	pci_restore_state(pdev);
	/*
	 * No-snoop DMA bypasses CPU caches, which KVM assumes coherent for
	 * guest memory. Unless the IOMMU forces snooping, the device may not
	 * use it while assigned (the config filter keeps the bit; release
	 * restores the host's).
	 */
	if (!ctx->snoop_forced)
		pcie_capability_clear_word(pdev, PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_NOSNOOP_EN);

	ret = pa_regions_init(padev);
	if (ret)
		goto free_state;
	ret = pa_irq_init(padev);
	if (ret)
		goto regions;
	return 0;

regions:
	pa_regions_teardown(padev);
free_state:
	kfree(padev->pristine);
	padev->pristine = NULL;
disable:
	pci_disable_device(pdev);
	return ret;
}

/*
 * Quiesce the hardware and give it back as the host had it. Called with
 * padev->lock held.
 */
static void pa_adev_close_hw(struct pa_adev *padev, bool dev_locked)
{
	struct pci_dev *pdev = padev->pdev;

	lockdep_assert_held(&padev->lock);
	down_write(&padev->memory_lock);
	pa_regions_zap(padev);
	pa_irq_teardown(padev);
	pci_clear_master(pdev);

	/* remove() may hold the device lock while it waits for us: it resets. */
	pa_reset_at_release(padev, dev_locked);
	if (padev->pristine) {
		pci_load_and_free_saved_state(pdev, &padev->pristine);
		pci_restore_state(pdev);
	}

	pa_regions_teardown(padev);
	pci_disable_device(pdev);
	up_write(&padev->memory_lock);
}

/* Undo an attach. Called with padev->lock held. */
static void pa_adev_detach(struct pa_adev *padev, bool dev_locked,
			   u32 event, const char *why)
{
	struct pa_context *ctx = padev->ctx;
	struct iommu_group *group;

	lockdep_assert_held(&padev->lock);
	if (!ctx)
		return;

	pa_adev_close_hw(padev, dev_locked);

	group = iommu_group_get(&padev->pdev->dev);
	mutex_lock(&ctx->lock);
	list_del(&padev->ctx_node);
	pa_group_leave(ctx, group);
	mutex_unlock(&ctx->lock);
	iommu_group_put(group);

	padev->ctx = NULL;
	padev->releasing = false;
	pa_context_put(ctx);
	pa_nl_event(padev, event, why, 0, 0);
	wake_up_all(&padev->release_wq);
	pci_info(padev->pdev, "detached\n");
}

/**
 * pa_adev_release_fd() - the device fd is closed (or the VMM died)
 * @padev: the device
 * @file: the closing file
 *
 * Detaches @padev if @file still owns it, then drops the file's reference.
 *
 * Context: takes @padev->lock. May sleep.
 */
void pa_adev_release_fd(struct pa_adev *padev, struct file *file)
{
	mutex_lock(&padev->lock);
	if (padev->file == file) {
		pa_adev_detach(padev, false, PCIASSIGN_EVENT_RELEASED, NULL);
		padev->file = NULL;
		padev->inode = NULL;
	}
	mutex_unlock(&padev->lock);
	pa_adev_put(padev);
}

/*
 * Take the device back from its owner now: the device fd stays open but
 * answers -ENODEV. @dev_locked: the caller holds the device lock. Returns
 * whether there was an owner.
 */
static bool pa_revoke(struct pa_adev *padev, const char *why, bool dev_locked)
{
	bool had_owner;

	mutex_lock(&padev->lock);
	had_owner = padev->ctx;
	if (had_owner) {
		pci_warn(padev->pdev, "revoking from its owner (pid %d): %s\n",
			 padev->owner_pid, why);
		padev->revoked = true;
		pa_adev_detach(padev, dev_locked, PCIASSIGN_EVENT_REVOKED, why);
	}
	mutex_unlock(&padev->lock);
	return had_owner;
}

/**
 * __pa_adev_revoke() - take a device back from its owner, device lock held
 * @padev: the device
 * @why: the reason, for the log and the REVOKED event
 *
 * For driver remove(), which holds the device lock: the device fd stays
 * open but answers -ENODEV, and the reset uses the locked variant.
 *
 * Context: the device lock (device_lock()) of @padev->pdev held; takes
 * @padev->lock. May sleep.
 * Return: whether the device had an owner.
 */
bool __pa_adev_revoke(struct pa_adev *padev, const char *why)
{
	lockdep_assert_held(&padev->pdev->dev.mutex);
	return pa_revoke(padev, why, true);
}

/**
 * pa_adev_revoke() - take a device back from its owner
 * @padev: the device
 * @why: the reason, for the log and the REVOKED event
 *
 * The same as __pa_adev_revoke() for callers that do not hold the device
 * lock (an administrator's netlink request). It does not take that lock
 * itself: a slot or bus reset, done under @padev->lock, takes it, so it
 * would invert the lock order; the reset then only tries the lock.
 *
 * Context: the device lock not held; takes @padev->lock. May sleep.
 * Return: whether the device had an owner.
 */
bool pa_adev_revoke(struct pa_adev *padev, const char *why)
{
	return pa_revoke(padev, why, false);
}

/**
 * pa_adev_request_release() - ask the owner to give the device back
 * @padev: the device
 * @why: the reason, for the RELEASE_REQUESTED event
 *
 * Signals the request eventfd and sends a netlink RELEASE_REQUESTED event
 * with the release timeout.
 *
 * Context: takes @padev->lock.
 * Return: 0, or -ENOENT when the device has no owner.
 */
int pa_adev_request_release(struct pa_adev *padev, const char *why)
{
	int ret = -ENOENT;

	mutex_lock(&padev->lock);
	if (padev->ctx) {
		padev->releasing = true;
		pa_irq_signal_request(padev);
		pa_nl_event(padev, PCIASSIGN_EVENT_RELEASE_REQUESTED, why,
			    PCIASSIGN_A_TIMEOUT_MS, release_timeout_ms);
		ret = 0;
	}
	mutex_unlock(&padev->lock);
	return ret;
}

/**
 * pa_adev_wait_release() - wait for the owner to release the device
 * @padev: the device
 * @why: the reason, for the log and the events
 *
 * Asks the owner to release the device, repeating the request, until it
 * does or release_timeout_ms passes.
 *
 * Context: may sleep; @padev->lock not held.
 * Return: true once nobody owns it, false on timeout.
 */
bool pa_adev_wait_release(struct pa_adev *padev, const char *why)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(READ_ONCE(release_timeout_ms));
	unsigned long interval = msecs_to_jiffies(1000);
	bool asked = false;

	while (!pa_adev_request_release(padev, why)) {
		long left = (long)(deadline - jiffies);

		if (!asked)
			pci_info(padev->pdev, "asking its owner (pid %d) to release it: %s\n",
				 padev->owner_pid, why);
		asked = true;
		if (left <= 0)
			return false;
		wait_event_timeout(padev->release_wq, !READ_ONCE(padev->ctx),
				   min_t(long, left, interval));
	}
	if (asked)
		pci_info(padev->pdev, "released by its owner\n");
	return true;
}

/**
 * pa_adev_reset() - PCIASSIGN_DEVICE_RESET: the owner resets its device
 * @padev: the device
 *
 * Zaps the BAR mappings and resets the function (reset.c) with
 * memory_lock held for write, then puts the INTx mask back.
 *
 * Context: @padev->lock held. May sleep.
 * Return: 0 or the reset's negative errno.
 */
int pa_adev_reset(struct pa_adev *padev)
{
	int ret;

	lockdep_assert_held(&padev->lock);
	down_write(&padev->memory_lock);
	pa_regions_zap(padev);
	ret = pa_reset_for_owner(padev);
	if (!ret)
		pa_irq_after_reset(padev);
	up_write(&padev->memory_lock);
	return ret;
}

/* What an attach has taken so far, for pa_attach_unwind(). */
struct pa_attach {
	struct pa_context *ctx;
	struct pa_adev *padev;
	struct iommu_group *group;	/* a reference, or NULL */
	int fd;				/* reserved, not installed; or -1 */
	struct file *file;		/* the device fd's file, or NULL */
	struct inode *inode;
	bool joined;			/* the group is in ctx's domain */
};

/* Refusals: unbound, attached, not granted, not assignable. */
static int pa_attach_check(struct pa_attach *at)
{
	struct pa_adev *padev = at->padev;
	struct pci_dev *pdev = padev->pdev;
	int ret;

	lockdep_assert_held(&padev->lock);
	if (padev->unbound)
		return -ENODEV;
	if (padev->ctx) {
		pci_info(pdev, "attach refused: already attached to another context\n");
		return -EBUSY;
	}
	ret = pa_grant_check(padev);
	if (ret)
		return ret;
	at->group = iommu_group_get(&pdev->dev);
	return pa_check_assignable(pdev, at->group);
}

/* A reserved fd and the device fd's file, which holds a padev reference. */
static int pa_attach_file(struct pa_attach *at)
{
	struct pa_adev *padev = at->padev;
	struct inode *inode;
	struct file *file;

	at->fd = get_unused_fd_flags(O_CLOEXEC);
	if (at->fd < 0)
		return at->fd;
	inode = pa_fault("attach-inode") ? ERR_PTR(-ENOMEM) : pa_pseudofs_inode();
	if (IS_ERR(inode))
		return PTR_ERR(inode);
	/* The file's reference on padev is taken once the file exists. */
	file = pa_fault("attach-file") ? (iput(inode), ERR_PTR(-ENOMEM)) :
	       pa_pseudofs_file(inode, "[pciassign-device]", &pa_adev_fops, padev);
	if (IS_ERR(file))
		return PTR_ERR(file);
	kref_get(&padev->ref);
	at->file = file;
	at->inode = inode;
	return 0;
}

/* The group into ctx's domain, then the hardware up for its new owner. */
static int pa_attach_hw(struct pa_attach *at)
{
	struct pa_context *ctx = at->ctx;
	struct pci_dev *pdev = at->padev->pdev;
	int ret;

	/* Mappings made for the devices already there must suit this one. */
	ret = pa_fault("attach-resv") ? -EADDRINUSE : pa_dma_check_resv(ctx, at->group, pdev);
	if (ret)
		return ret;

	mutex_lock(&ctx->lock);
	ret = pa_group_join(ctx, pdev, at->group);
	mutex_unlock(&ctx->lock);
	if (ret)
		return ret;
	at->joined = true;
	return pa_adev_open_hw(at->padev, ctx);
}

/* The device is ctx's from now on. */
static void pa_attach_commit(struct pa_attach *at)
{
	struct pa_context *ctx = at->ctx;
	struct pa_adev *padev = at->padev;

	lockdep_assert_held(&padev->lock);
	mutex_lock(&ctx->lock);
	list_add(&padev->ctx_node, &ctx->devices);
	mutex_unlock(&ctx->lock);
	pa_context_get(ctx);
	padev->ctx = ctx;
	padev->file = at->file;
	padev->inode = at->inode;
	padev->revoked = false;
	padev->owner_pid = task_tgid_nr(current);
	pa_nl_event(padev, PCIASSIGN_EVENT_ATTACHED, NULL, 0, 0);
	iommu_group_put(at->group);
}

/* Give back what a failed attach took, and padev->lock. */
static void pa_attach_unwind(struct pa_attach *at)
{
	if (at->joined) {
		mutex_lock(&at->ctx->lock);
		pa_group_leave(at->ctx, at->group);
		mutex_unlock(&at->ctx->lock);
	}
	mutex_unlock(&at->padev->lock);
	/* Not yet padev->file: its release only drops the reference. */
	if (at->file)
		fput(at->file);
	if (at->fd >= 0)
		put_unused_fd(at->fd);
	iommu_group_put(at->group);
}

/* Attach @padev to @ctx and return a new device fd. */
static int pa_attach(struct pa_context *ctx, struct pa_adev *padev)
{
	struct pa_attach at = { .ctx = ctx, .padev = padev, .fd = -1 };
	int ret;

	mutex_lock(&padev->lock);
	ret = pa_attach_check(&at);
	if (!ret)
		ret = pa_attach_file(&at);
	if (!ret)
		ret = pa_attach_hw(&at);
	if (ret) {
		pa_attach_unwind(&at);
		return ret;
	}
	pa_attach_commit(&at);
	mutex_unlock(&padev->lock);

	fd_install(at.fd, at.file);
	pci_info(padev->pdev, "attached (owner pid %d)\n", task_tgid_nr(current));
	return at.fd;
}

/**
 * pa_ioctl_attach() - PCIASSIGN_ATTACH_DEVICE: attach a function to a context
 * @ctx: the context of the /dev/pciassign fd
 * @uarg: struct pciassign_attach in userspace
 *
 * Looks the function up by its address; it must be bound to pciassign.
 *
 * Context: may sleep.
 * Return: A new device fd, or a negative errno (see Documentation/uapi.md).
 */
long pa_ioctl_attach(struct pa_context *ctx, void __user *uarg)
{
	struct pciassign_attach a;
	struct pa_adev *padev;
	struct pci_dev *pdev;
	long ret;

	ret = pa_copy_args(&a, offsetofend(struct pciassign_attach, devfn),
			   sizeof(a), uarg);
	if (ret)
		return ret;
	if (a.flags || a.reserved)
		return -EINVAL;

	pdev = pci_get_domain_bus_and_slot(a.segment, a.bus, a.devfn);
	if (!pdev)
		return -ENODEV;
	padev = pa_adev_get_by_pdev(pdev);
	if (!padev) {
		pci_info(pdev, "attach refused: not bound to pciassign\n");
		pci_dev_put(pdev);
		return -ENODEV;
	}
	pci_dev_put(pdev);

	ret = pa_attach(ctx, padev);
	pa_adev_put(padev);
	return ret;
}
