// SPDX-License-Identifier: GPL-2.0
/*
 * Resets. A function is reset with FLR when it has it, else with a reset
 * of its slot or bus, else with another method the PCI core found (PM,
 * device-specific). A slot/bus reset reaches every function there, so it
 * is done only when each of them is bound to pciassign and free, or (for
 * the owner's own reset) attached to the same context. Functions without
 * a driver do not qualify: a host driver could bind between the check and
 * the reset.
 *
 * A device that was not reset when it should have been (host driver state
 * at bind, a release while the reset was impossible) carries needs_reset,
 * and is not given to a new owner until a reset clears it.
 */
#include <linux/delay.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "pciassign.h"

/* Someone else holds a device lock (sysfs, another reset): retry a while. */
#define PA_RESET_TRIES		50
#define PA_RESET_RETRY_MS	20

/* The other functions a slot or bus reset of one function reaches. */
struct pa_reset_set {
	struct pa_adev **members;	/* referenced, their lock held */
	unsigned int n;
};

static int pa_count_function(struct pci_dev *pdev, void *data)
{
	(*(unsigned int *)data)++;
	return 0;
}

/*
 * Can the PCI core reset @pdev's slot or bus at all? Never for a VF: that
 * would reset its PF, and with it every VF (SR-IOV makes FLR mandatory
 * for VFs, so FLR is a VF's reset).
 */
static bool pa_set_reset_exists(struct pci_dev *pdev)
{
	if (pdev->is_virtfn)
		return false;
	return !pci_probe_reset_slot(pdev->slot) || !pci_probe_reset_bus(pdev->bus);
}

static void pa_set_release(struct pa_reset_set *set)
{
	unsigned int i;

	for (i = 0; i < set->n; i++) {
		struct pa_adev *m = set->members[i];

		if (m->ctx) {
			pa_irq_after_reset(m);
			up_write(&m->memory_lock);
		}
		mutex_unlock(&m->lock);
		pa_adev_put(m);
	}
	kfree(set->members);
	set->members = NULL;
	set->n = 0;
}

/*
 * Lock the other functions of @padev's slot or bus. Each must be bound to
 * pciassign and free or attached to @ctx (NULL: free only); attached ones
 * get their BAR mappings zapped. Returns 0, -ENOTTY when no such reset
 * exists or a function there is not ours, -EBUSY when one is in use.
 * Called with padev->lock held; everything else is only tried, so two
 * functions of one slot resetting at once cannot deadlock.
 */
static int pa_set_acquire(struct pa_adev *padev, struct pa_context *ctx,
			  struct pa_reset_set *set)
{
	struct pci_dev *pdev = padev->pdev;
	unsigned int total = 0, n, i;

	lockdep_assert_held(&padev->lock);
	set->members = NULL;
	set->n = 0;
	if (!pa_set_reset_exists(pdev))
		return -ENOTTY;
	pci_walk_bus(pdev->bus, pa_count_function, &total);
	if (total > 1) {
		set->members = kcalloc(total - 1, sizeof(*set->members), GFP_KERNEL);
		if (!set->members)
			return -ENOMEM;
	}
	n = pa_adev_collect(pdev->bus, padev, set->members, total - 1);
	if (n != total - 1) {
		/* Some function there is not ours (or one came or went). */
		for (i = 0; i < min(n, total - 1); i++)
			pa_adev_put(set->members[i]);
		kfree(set->members);
		set->members = NULL;
		return -ENOTTY;
	}

	for (i = 0; i < n; i++) {
		struct pa_adev *m = set->members[i];

		if (!mutex_trylock(&m->lock))
			break;
		if ((m->ctx && m->ctx != ctx) ||
		    (m->ctx && !down_write_trylock(&m->memory_lock))) {
			mutex_unlock(&m->lock);
			break;
		}
		if (m->ctx)
			pa_regions_zap(m);
		set->n++;
	}
	if (set->n == n)
		return 0;
	/* The ones not locked are only referenced. */
	for (i = set->n; i < n; i++)
		pa_adev_put(set->members[i]);
	pa_set_release(set);
	return -EBUSY;
}

static int pa_reset_set_now(struct pa_adev *padev, struct pa_context *ctx)
{
	struct pa_reset_set set;
	unsigned int i, tries = PA_RESET_TRIES;
	int ret;

	ret = pa_set_acquire(padev, ctx, &set);
	if (ret)
		return ret;
	/* Saves and restores the config of every function it reaches. */
	while ((ret = pci_reset_bus(padev->pdev)) == -EAGAIN && --tries)
		msleep(PA_RESET_RETRY_MS);
	if (!ret)
		for (i = 0; i < set.n; i++)
			set.members[i]->needs_reset = false;
	pa_set_release(&set);
	return ret;
}

static bool pa_has_flr(struct pci_dev *pdev)
{
	return !pcie_reset_flr(pdev, PCI_RESET_PROBE);
}

/*
 * Reset @padev now: FLR when it has it, else its slot or bus when that
 * reaches only functions we may reset, else whatever other method the PCI
 * core found. A PM reset (D3hot and back) is the last resort because a
 * device may ignore it: QEMU's e1000e keeps its registers through one,
 * which the rig's tenant test caught. @ctx: other functions a slot/bus
 * reset reaches may be attached to it. @dev_locked: the caller holds the
 * device lock (driver remove), which a slot/bus reset would need. Called
 * with padev->lock held. Returns 0, -ENOTTY (no way to reset it), -EBUSY
 * (only a slot/bus reset would, and a function there is in use), or the
 * reset's error.
 */
static int pa_reset_now(struct pa_adev *padev, struct pa_context *ctx,
			bool dev_locked)
{
	struct pci_dev *pdev = padev->pdev;
	unsigned int tries = PA_RESET_TRIES;
	int ret = -ENOTTY;

	lockdep_assert_held(&padev->lock);
	if (!dev_locked && !pa_has_flr(pdev)) {
		ret = pa_reset_set_now(padev, ctx);
		if (ret != -ENOTTY && ret != -EBUSY)
			goto out;
	}
	if (!pa_reset_supported(pdev)) {
		if (dev_locked)
			ret = -EAGAIN;
		goto out;
	}
	if (dev_locked)
		ret = __pci_reset_function_locked(pdev);
	else
		while ((ret = pci_try_reset_function(pdev)) == -EAGAIN && --tries)
			msleep(PA_RESET_RETRY_MS);
out:
	if (!ret) {
		padev->needs_reset = false;
		padev->reset_refusal_logged = false;
	}
	return ret;
}

/**
 * pa_reset_at_attach() - the reset a new owner is promised
 * @padev: the device
 * @ctx: the context attaching it
 *
 * A device that cannot be reset at all is attached without one (as the
 * hardware allows), said once in the log and in DEVICE_INFO; one that
 * needs a reset it cannot get now is refused.
 *
 * Context: @padev->lock held. May sleep.
 * Return: 0 or a negative errno.
 */
int pa_reset_at_attach(struct pa_adev *padev, struct pa_context *ctx)
{
	struct pci_dev *pdev = padev->pdev;
	int ret = pa_reset_now(padev, NULL, false);

	switch (ret) {
	case 0:
		return 0;
	case -ENOTTY:
		if (!padev->no_reset_logged)
			pci_info(pdev, "no reset method, and no slot/bus reset with every function there bound to pciassign: attached without a reset\n");
		padev->no_reset_logged = true;
		return 0;
	case -EBUSY:
		/*
		 * Reset when its last owner let go and unused since, or left
		 * unreset by this same context: nobody else's state is in it.
		 */
		if (!padev->needs_reset || padev->dirty_ctx == ctx->id)
			return 0;
		if (!padev->reset_refusal_logged)
			pci_info(pdev, "attach refused: only a slot/bus reset can reset it, and another function there is in use\n");
		padev->reset_refusal_logged = true;
		return -EBUSY;
	default:
		if (!padev->reset_refusal_logged)
			pci_info(pdev, "attach refused: reset failed (%d)\n", ret);
		padev->reset_refusal_logged = true;
		return ret;
	}
}

/**
 * pa_reset_at_release() - reset a device its owner let go
 * @padev: the device
 * @dev_locked: the caller holds the device lock (driver remove())
 *
 * Resets it now, or remembers that the next owner needs a reset.
 *
 * Context: @padev->lock held. May sleep.
 */
void pa_reset_at_release(struct pa_adev *padev, bool dev_locked)
{
	if (pa_reset_now(padev, NULL, dev_locked)) {
		padev->needs_reset = true;
		padev->dirty_ctx = padev->ctx->id;
	}
}

/**
 * pa_reset_for_owner() - PCIASSIGN_DEVICE_RESET: the owner's own reset
 * @padev: the device
 *
 * Context: @padev->lock held. May sleep.
 * Return: 0 or a negative errno.
 */
int pa_reset_for_owner(struct pa_adev *padev)
{
	return pa_reset_now(padev, padev->ctx, false);
}

/* A slot/bus reset exists for @padev, and every function there is ours. */
static bool pa_set_reset_possible(struct pa_adev *padev)
{
	unsigned int total = 0;

	if (!pa_set_reset_exists(padev->pdev))
		return false;
	pci_walk_bus(padev->pdev->bus, pa_count_function, &total);
	return pa_adev_collect(padev->pdev->bus, padev, NULL, 0) == total - 1;
}

/**
 * pa_reset_available() - is there a way to reset @padev now (DEVICE_INFO)?
 * @padev: the device
 *
 * Return: true when there is.
 */
bool pa_reset_available(struct pa_adev *padev)
{
	return pa_reset_supported(padev->pdev) || pa_set_reset_possible(padev);
}

/**
 * pa_reset_is_set() - does its reset reach other functions (DEVICE_INFO)?
 * @padev: the device
 *
 * Return: true when it does.
 */
bool pa_reset_is_set(struct pa_adev *padev)
{
	unsigned int total = 0;

	if (pa_has_flr(padev->pdev) || !pa_set_reset_possible(padev))
		return false;
	pci_walk_bus(padev->pdev->bus, pa_count_function, &total);
	return total > 1;
}
