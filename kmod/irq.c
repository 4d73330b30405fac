// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt forwarding to eventfds: INTx (auto-masked, unmasked through a
 * resample eventfd or SET_IRQS UNMASK), MSI and MSI-X (one eventfd per
 * vector, per-vector mask with a pending bit) and the request eventfd.
 *
 * Locking: every entry point runs under pa_adev.lock, which serializes
 * all configuration changes. irqs->lock (a spinlock) guards what the hard
 * IRQ handlers and the resample wake-up share with process context: the
 * masked/pending bits and the trigger pointers. Eventfds are signalled
 * outside irqs->lock (a trigger may be the very eventfd whose wake-up
 * callback takes irqs->lock); a trigger stays valid while a handler may
 * use it because it is only dropped after free_irq()/synchronize_irq()
 * and after the resignal work is flushed.
 *
 * Nothing here takes pa_adev.lock or memory_lock from a handler, a
 * wake-up callback or a work item, so teardown (called with both held)
 * can wait for them.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/interrupt.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "pciassign.h"

#define PA_IRQ_NONE	(-1)	/* irqs->active: no INTx/MSI/MSI-X index on */

struct pa_irqs;

/* One interrupt vector: the INTx line or one MSI/MSI-X vector. */
struct pa_irq_vec {
	struct pa_irqs *irqs;
	unsigned int index;		/* its position in the index */
	int irq;			/* Linux IRQ; 0 while none allocated */
	char *name;			/* while requested: shown in /proc/interrupts */
	struct eventfd_ctx *trigger;	/* non-NULL exactly while requested */
	bool masked;			/* by the user, or INTx auto-mask */
	bool pending;			/* MSI/MSI-X fired while masked */
	struct irq_bypass_producer producer;	/* MSI/MSI-X, see pa_vec_bypass_on() */
	bool bypass;			/* producer registered */
};

struct pa_irqs {
	struct pa_adev *padev;
	struct pci_dev *pdev;
	spinlock_t lock;		/* see the top of the file */
	int active;			/* PCIASSIGN_IRQ_* or PA_IRQ_NONE */

	/* INTx */
	bool has_intx;
	bool intx_dismask;		/* PCI 2.3 DisINTx masking works */
	int intx_irq;			/* pdev->irq at attach */
	struct pa_irq_vec intx;
	struct eventfd_ctx *resample;
	wait_queue_entry_t resample_wait;
	poll_table resample_pt;
	/* Signal INTx again from process context, see pa_resample_wakeup(). */
	struct work_struct intx_resignal;

	/* MSI and MSI-X: one entry per vector the device has */
	u32 msi_count;
	u32 msix_count;
	struct pa_irq_vec *msi;
	struct pa_irq_vec *msix;
	bool msix_dyn;			/* vectors allocated one at a time */
	u32 msi_alloc;			/* MSI vectors allocated at enable */
	bool bypass_refused;		/* a producer registration failed (logged) */

	/* Release request; only touched under pa_adev.lock. */
	struct eventfd_ctx *req;
};

static void pa_signal(struct eventfd_ctx *ctx)
{
	if (ctx)
		pa_compat_eventfd_signal(ctx);
}

/* ------------------------------------------------------------------ */
/* INTx                                                               */
/* ------------------------------------------------------------------ */

/*
 * Mask on fire. With DisINTx the line can be shared: the status bit tells
 * whether the interrupt is ours. Without it the line is exclusive and the
 * whole IRQ is disabled until unmask.
 */
static irqreturn_t pa_intx_handler(int irq, void *data)
{
	struct pa_irqs *irqs = data;
	struct eventfd_ctx *trigger = NULL;
	irqreturn_t ret = IRQ_NONE;

	spin_lock(&irqs->lock);
	if (!irqs->intx_dismask) {
		if (!irqs->intx.masked) {
			disable_irq_nosync(irq);
			irqs->intx.masked = true;
		}
		ret = IRQ_HANDLED;
	} else if (!irqs->intx.masked && pci_check_and_mask_intx(irqs->pdev)) {
		irqs->intx.masked = true;
		ret = IRQ_HANDLED;
	}
	if (ret == IRQ_HANDLED)
		trigger = irqs->intx.trigger;
	spin_unlock(&irqs->lock);

	pa_signal(trigger);
	return ret;
}

/*
 * Called with irqs->lock held, from any context. Returns true when the
 * device still asserts INTx: it then stays masked and the caller signals
 * the trigger again, as a level interrupt fires again after unmask.
 */
static bool pa_intx_unmask_locked(struct pa_irqs *irqs)
{
	lockdep_assert_held(&irqs->lock);
	if (!irqs->intx.masked)
		return false;
	if (!irqs->intx.trigger) {
		/* Not enabled: only the state to apply at enable changes. */
		irqs->intx.masked = false;
		return false;
	}
	if (irqs->intx_dismask) {
		if (!pci_check_and_unmask_intx(irqs->pdev))
			return true;
	} else {
		enable_irq(irqs->intx_irq);
	}
	irqs->intx.masked = false;
	return false;
}

static void pa_intx_mask(struct pa_irqs *irqs)
{
	unsigned long flags;

	spin_lock_irqsave(&irqs->lock, flags);
	if (!irqs->intx.masked) {
		irqs->intx.masked = true;
		if (irqs->intx.trigger) {
			if (irqs->intx_dismask)
				pci_intx(irqs->pdev, 0);
			else
				disable_irq_nosync(irqs->intx_irq);
		}
	}
	spin_unlock_irqrestore(&irqs->lock, flags);
}

static void pa_intx_unmask(struct pa_irqs *irqs)
{
	struct eventfd_ctx *trigger = NULL;
	unsigned long flags;

	spin_lock_irqsave(&irqs->lock, flags);
	if (pa_intx_unmask_locked(irqs))
		trigger = irqs->intx.trigger;
	spin_unlock_irqrestore(&irqs->lock, flags);
	pa_signal(trigger);
}

static void pa_intx_resignal_work(struct work_struct *work)
{
	struct pa_irqs *irqs = container_of(work, struct pa_irqs, intx_resignal);
	struct eventfd_ctx *trigger;
	unsigned long flags;

	spin_lock_irqsave(&irqs->lock, flags);
	trigger = irqs->intx.masked ? irqs->intx.trigger : NULL;
	spin_unlock_irqrestore(&irqs->lock, flags);
	pa_signal(trigger);
}

/*
 * The resample eventfd was written: consume its count and unmask. Runs
 * under the eventfd's wait-queue lock with interrupts off; signalling
 * another eventfd from here would nest eventfd wake-ups (refused by the
 * kernel), so a still-asserted line is re-signalled from a work item.
 */
static int pa_resample_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			      int sync, void *key)
{
	struct pa_irqs *irqs = container_of(wait, struct pa_irqs, resample_wait);
	unsigned long flags;
	bool again;
	u64 cnt;

	if (!(key_to_poll(key) & EPOLLIN))
		return 0;

	eventfd_ctx_do_read(irqs->resample, &cnt);
	spin_lock_irqsave(&irqs->lock, flags);
	again = pa_intx_unmask_locked(irqs);
	spin_unlock_irqrestore(&irqs->lock, flags);
	if (again)
		schedule_work(&irqs->intx_resignal);
	return 0;
}

static void pa_resample_queue(struct file *file, wait_queue_head_t *wqh,
			      poll_table *pt)
{
	struct pa_irqs *irqs = container_of(pt, struct pa_irqs, resample_pt);

	add_wait_queue(wqh, &irqs->resample_wait);
}

static void pa_resample_remove(struct pa_irqs *irqs)
{
	u64 cnt;

	if (!irqs->resample)
		return;
	/* Once off the wait queue, no wake-up can use irqs->resample. */
	eventfd_ctx_remove_wait_queue(irqs->resample, &irqs->resample_wait, &cnt);
	eventfd_ctx_put(irqs->resample);
	irqs->resample = NULL;
}

/* Install @file (an eventfd; its ctx reference in @ctx is consumed). */
static void pa_resample_install(struct pa_irqs *irqs, struct file *file,
				struct eventfd_ctx *ctx)
{
	__poll_t events;

	pa_resample_remove(irqs);
	irqs->resample = ctx;
	init_waitqueue_func_entry(&irqs->resample_wait, pa_resample_wakeup);
	init_poll_funcptr(&irqs->resample_pt, pa_resample_queue);
	events = vfs_poll(file, &irqs->resample_pt);
	/* Written before we listened: honour it now. */
	if (events & EPOLLIN)
		pa_intx_unmask(irqs);
}

/* Free the INTx IRQ and drop its trigger. */
static void pa_intx_trigger_off(struct pa_irqs *irqs)
{
	struct eventfd_ctx *trigger;
	unsigned long flags;

	if (!irqs->intx.trigger)
		return;
	free_irq(irqs->intx_irq, irqs);
	/* The resample path may have queued a resignal using the trigger. */
	cancel_work_sync(&irqs->intx_resignal);

	spin_lock_irqsave(&irqs->lock, flags);
	trigger = irqs->intx.trigger;
	irqs->intx.trigger = NULL;
	irqs->intx.masked = false;
	spin_unlock_irqrestore(&irqs->lock, flags);

	/* Keep an idle line quiet: nobody forwards it any more. */
	if (irqs->intx_dismask)
		pci_intx(irqs->pdev, 0);
	kfree(irqs->intx.name);
	irqs->intx.name = NULL;
	irqs->active = PA_IRQ_NONE;
	eventfd_ctx_put(trigger);
}

static void pa_intx_disable(struct pa_irqs *irqs)
{
	pa_resample_remove(irqs);
	pa_intx_trigger_off(irqs);
	irqs->intx.masked = false;
}

/* Set, change or (with NULL) remove the INTx trigger; consumes @ctx. */
static int pa_intx_set_trigger(struct pa_irqs *irqs, struct eventfd_ctx *ctx)
{
	struct eventfd_ctx *old;
	unsigned long irqflags, flags;
	char *name;
	int ret;

	if (!ctx) {
		pa_intx_trigger_off(irqs);
		return 0;
	}

	if (irqs->intx.trigger) {
		/* Live: swap the eventfd, the IRQ stays. */
		spin_lock_irqsave(&irqs->lock, flags);
		old = irqs->intx.trigger;
		irqs->intx.trigger = ctx;
		spin_unlock_irqrestore(&irqs->lock, flags);
		synchronize_irq(irqs->intx_irq);
		flush_work(&irqs->intx_resignal);
		eventfd_ctx_put(old);
		return 0;
	}

	if (irqs->active != PA_IRQ_NONE) {
		ret = -EBUSY;
		goto put;
	}

	name = kasprintf(GFP_KERNEL_ACCOUNT, "pciassign-intx[%s]",
			 pci_name(irqs->pdev));
	if (!name) {
		ret = -ENOMEM;
		goto put;
	}

	/*
	 * With DisINTx the line may be shared (DisINTx is set while INTx is
	 * off, so nothing fires before we are ready); without it we need the
	 * line to ourselves, and a masked line starts disabled.
	 */
	irqflags = irqs->intx_dismask ? IRQF_SHARED : 0;
	if (!irqs->intx_dismask && irqs->intx.masked)
		irqflags |= IRQF_NO_AUTOEN;

	spin_lock_irqsave(&irqs->lock, flags);
	irqs->intx.trigger = ctx;
	spin_unlock_irqrestore(&irqs->lock, flags);

	ret = pa_fault("irq-intx-request") ? -EBUSY :
	      request_irq(irqs->intx_irq, pa_intx_handler, irqflags, name, irqs);
	if (ret) {
		pci_info(irqs->pdev, "cannot request INTx IRQ %d (%d)%s\n",
			 irqs->intx_irq, ret,
			 irqs->intx_dismask ? "" : ": no DisINTx, line must not be shared");
		spin_lock_irqsave(&irqs->lock, flags);
		irqs->intx.trigger = NULL;
		spin_unlock_irqrestore(&irqs->lock, flags);
		kfree(name);
		goto put;
	}
	irqs->intx.name = name;
	irqs->active = PCIASSIGN_IRQ_INTX;

	if (irqs->intx_dismask) {
		spin_lock_irqsave(&irqs->lock, flags);
		if (!irqs->intx.masked)
			pci_intx(irqs->pdev, 1);
		spin_unlock_irqrestore(&irqs->lock, flags);
	}
	return 0;

put:
	eventfd_ctx_put(ctx);
	return ret;
}

/* ------------------------------------------------------------------ */
/* MSI and MSI-X                                                      */
/* ------------------------------------------------------------------ */

static bool irq_bypass = true;
module_param(irq_bypass, bool, 0644);
MODULE_PARM_DESC(irq_bypass,
		 "Offer MSI/MSI-X vectors to KVM for posted interrupts (IRQ bypass). Default: Y");

/**
 * pa_irq_bypass_enabled() - whether vectors become IRQ bypass producers
 *
 * Return: true when the kernel has the bypass manager and the irq_bypass
 * parameter is on (PCIASSIGN_EXT_IRQ_BYPASS).
 */
bool pa_irq_bypass_enabled(void)
{
	return PA_COMPAT_IRQ_BYPASS && READ_ONCE(irq_bypass);
}

/*
 * IRQ bypass: while an MSI/MSI-X vector has a trigger and is unmasked it is
 * registered as a producer keyed by that eventfd. A KVM irqfd on the same
 * eventfd is the consumer; paired, KVM may have the IOMMU post the
 * interrupt straight to a vCPU (VT-d PI, AMD GA), past pa_msi_handler(). A
 * masked vector is withdrawn so that masking keeps holding. Failure only
 * loses the shortcut: logged once, the handler keeps delivering. Called
 * under pa_adev.lock (the bypass manager takes a mutex).
 */
static void pa_vec_bypass_on(struct pa_irqs *irqs, struct pa_irq_vec *vec)
{
	int ret;

	if (!pa_irq_bypass_enabled() || vec->bypass ||
	    !vec->trigger || vec->masked)
		return;
	memset(&vec->producer, 0, sizeof(vec->producer));
	ret = pa_compat_bypass_register(&vec->producer, vec->trigger, vec->irq);
	if (ret) {
		if (!irqs->bypass_refused)
			pci_info(irqs->pdev, "IRQ %d: no IRQ bypass (%d), interrupts go through the host\n",
				 vec->irq, ret);
		irqs->bypass_refused = true;
		return;
	}
	vec->bypass = true;
}

static void pa_vec_bypass_off(struct pa_irq_vec *vec)
{
	if (!vec->bypass)
		return;
	pa_compat_bypass_unregister(&vec->producer);
	vec->bypass = false;
}

static irqreturn_t pa_msi_handler(int irq, void *data)
{
	struct pa_irq_vec *vec = data;
	struct pa_irqs *irqs = vec->irqs;
	struct eventfd_ctx *trigger = NULL;

	spin_lock(&irqs->lock);
	if (vec->masked)
		vec->pending = true;	/* delivered on unmask */
	else
		trigger = vec->trigger;
	spin_unlock(&irqs->lock);

	pa_signal(trigger);
	return IRQ_HANDLED;
}

static struct pa_irq_vec *pa_msi_vecs(struct pa_irqs *irqs, unsigned int index)
{
	return index == PCIASSIGN_IRQ_MSI ? irqs->msi : irqs->msix;
}

static u32 pa_msi_count(struct pa_irqs *irqs, unsigned int index)
{
	return index == PCIASSIGN_IRQ_MSI ? irqs->msi_count : irqs->msix_count;
}

/* Free one vector's IRQ and drop its eventfd; the vector stays allocated. */
static void pa_vec_off(struct pa_irqs *irqs, struct pa_irq_vec *vec)
{
	struct eventfd_ctx *trigger;
	unsigned long flags;

	if (!vec->trigger)
		return;
	/* Before the IRQ goes: the consumer may be retargeting it. */
	pa_vec_bypass_off(vec);
	/* Waits for a running handler: only then is the eventfd unused. */
	free_irq(vec->irq, vec);
	spin_lock_irqsave(&irqs->lock, flags);
	trigger = vec->trigger;
	vec->trigger = NULL;
	vec->pending = false;
	spin_unlock_irqrestore(&irqs->lock, flags);
	eventfd_ctx_put(trigger);
	kfree(vec->name);
	vec->name = NULL;
}

/*
 * Allocate the vectors of @index and make it the active one. MSI gets the
 * @want vectors the enabling request reaches (it cannot grow once enabled,
 * so a VMM sets its whole block at once, as the guest enables it).
 */
static int pa_msi_enable(struct pa_irqs *irqs, unsigned int index, u32 want)
{
	struct pa_irq_vec *vecs = pa_msi_vecs(irqs, index);
	u32 n = pa_msi_count(irqs, index), i, alloc;
	int ret;

	if (index == PCIASSIGN_IRQ_MSI) {
		alloc = min(want, n);
		ret = pa_fault("irq-msi-alloc") ? -ENOSPC :
		      pci_alloc_irq_vectors(irqs->pdev, alloc, alloc, PCI_IRQ_MSI);
		irqs->msi_alloc = alloc;
	} else {
		/*
		 * Dynamic allocation lets vectors be added later without
		 * disabling MSI-X (which would tear down the live ones);
		 * without it, allocate the whole table once.
		 */
		irqs->msix_dyn = pa_compat_msix_can_alloc_dyn(irqs->pdev);
		alloc = irqs->msix_dyn ? 1 : n;
		ret = pa_fault("irq-msix-alloc") ? -ENOSPC :
		      pci_alloc_irq_vectors(irqs->pdev, alloc, alloc, PCI_IRQ_MSIX);
	}
	if (ret < 0) {
		pci_info(irqs->pdev, "cannot enable %s with %u vectors (%d)\n",
			 index == PCIASSIGN_IRQ_MSI ? "MSI" : "MSI-X", alloc, ret);
		return ret;
	}
	for (i = 0; i < alloc; i++)
		vecs[i].irq = pci_irq_vector(irqs->pdev, i);
	irqs->active = index;
	return 0;
}

static void pa_msi_disable(struct pa_irqs *irqs, unsigned int index)
{
	struct pa_irq_vec *vecs = pa_msi_vecs(irqs, index);
	u32 n = pa_msi_count(irqs, index), i;

	if (irqs->active != index) {
		/* Mask state set before enabling is forgotten too. */
		for (i = 0; i < n; i++)
			vecs[i].masked = false;
		return;
	}
	for (i = 0; i < n; i++) {
		pa_vec_off(irqs, &vecs[i]);
		vecs[i].irq = 0;
		vecs[i].masked = false;
		vecs[i].pending = false;
	}
	/* Frees dynamically added MSI-X vectors as well. */
	pci_free_irq_vectors(irqs->pdev);
	/* Disabling MSI re-enabled INTx: keep the line quiet. */
	if (irqs->intx_dismask)
		pci_intx(irqs->pdev, 0);
	irqs->active = PA_IRQ_NONE;
}

/* Set, change or (with NULL) remove vector @i's trigger; consumes @ctx. */
static int pa_vec_set_trigger(struct pa_irqs *irqs, unsigned int index,
			      u32 i, struct eventfd_ctx *ctx)
{
	struct pa_irq_vec *vec = &pa_msi_vecs(irqs, index)[i];
	struct eventfd_ctx *old;
	unsigned long flags;
	char *name;
	int ret;

	if (!ctx) {
		pa_vec_off(irqs, vec);
		return 0;
	}

	if (vec->trigger) {
		/* Live: swap the eventfd, the IRQ stays; the producer follows. */
		pa_vec_bypass_off(vec);
		spin_lock_irqsave(&irqs->lock, flags);
		old = vec->trigger;
		vec->trigger = ctx;
		spin_unlock_irqrestore(&irqs->lock, flags);
		synchronize_irq(vec->irq);
		eventfd_ctx_put(old);
		pa_vec_bypass_on(irqs, vec);
		return 0;
	}

	if (!vec->irq) {
		ret = pa_fault("irq-msix-alloc-at") ? -ENOSPC :
		      pa_compat_msix_alloc_at(irqs->pdev, i);
		if (ret < 0) {
			pci_info(irqs->pdev, "cannot allocate MSI-X vector %u (%d)\n",
				 i, ret);
			goto put;
		}
		vec->irq = ret;
	}

	name = kasprintf(GFP_KERNEL_ACCOUNT, "pciassign-%s[%s:%u]",
			 index == PCIASSIGN_IRQ_MSI ? "msi" : "msix",
			 pci_name(irqs->pdev), i);
	if (!name) {
		ret = -ENOMEM;
		goto put;
	}

	spin_lock_irqsave(&irqs->lock, flags);
	vec->trigger = ctx;
	vec->pending = false;
	spin_unlock_irqrestore(&irqs->lock, flags);

	ret = pa_fault("irq-msi-request") ? -EBUSY :
	      request_irq(vec->irq, pa_msi_handler, 0, name, vec);
	if (ret) {
		pci_info(irqs->pdev, "cannot request IRQ %d for vector %u (%d)\n",
			 vec->irq, i, ret);
		spin_lock_irqsave(&irqs->lock, flags);
		vec->trigger = NULL;
		spin_unlock_irqrestore(&irqs->lock, flags);
		kfree(name);
		goto put;
	}
	vec->name = name;
	pa_vec_bypass_on(irqs, vec);
	return 0;

put:
	eventfd_ctx_put(ctx);
	return ret;
}

static bool pa_msi_any_live(struct pa_irqs *irqs, unsigned int index)
{
	struct pa_irq_vec *vecs = pa_msi_vecs(irqs, index);
	u32 i;

	for (i = 0; i < pa_msi_count(irqs, index); i++)
		if (vecs[i].trigger)
			return true;
	return false;
}

/* TRIGGER on MSI/MSI-X with @count >= 1 validated eventfds (or NULL). */
static int pa_msi_set_triggers(struct pa_irqs *irqs, unsigned int index,
			       u32 start, u32 count, struct eventfd_ctx **ctxs)
{
	bool enabled_now = false, any = false;
	u32 i, j;
	int ret = 0;

	for (i = 0; i < count; i++)
		any |= ctxs[i] != NULL;

	if (irqs->active != index) {
		if (!any)
			return 0;	/* nothing on, nothing to turn off */
		if (irqs->active != PA_IRQ_NONE)
			return -EBUSY;
		ret = pa_msi_enable(irqs, index, start + count);
		if (ret)
			return ret;
		enabled_now = true;
	} else if (index == PCIASSIGN_IRQ_MSI && start + count > irqs->msi_alloc) {
		/* Past the enabled block: turn MSI off and set it again. */
		return -EINVAL;
	}

	for (i = 0; i < count; i++) {
		ret = pa_vec_set_trigger(irqs, index, start + i, ctxs[i]);
		ctxs[i] = NULL;		/* consumed, even on failure */
		if (ret)
			break;
	}
	if (ret) {
		/* Leave no half-applied block behind. */
		for (j = 0; j < i; j++)
			pa_vec_off(irqs, &pa_msi_vecs(irqs, index)[start + j]);
		if (enabled_now && !pa_msi_any_live(irqs, index))
			pa_msi_disable(irqs, index);
	}
	return ret;
}

static void pa_msi_mask(struct pa_irqs *irqs, unsigned int index,
			u32 start, u32 count, bool mask)
{
	struct pa_irq_vec *vecs = pa_msi_vecs(irqs, index);
	struct eventfd_ctx *trigger;
	unsigned long flags;
	u32 i;

	for (i = start; i < start + count; i++) {
		trigger = NULL;
		/* A posted interrupt would not see the mask: withdraw first. */
		if (mask)
			pa_vec_bypass_off(&vecs[i]);
		spin_lock_irqsave(&irqs->lock, flags);
		vecs[i].masked = mask;
		if (!mask && vecs[i].pending) {
			vecs[i].pending = false;
			trigger = vecs[i].trigger;
		}
		spin_unlock_irqrestore(&irqs->lock, flags);
		/* Still valid: changes happen under pa_adev.lock, as here. */
		pa_signal(trigger);
		if (!mask)
			pa_vec_bypass_on(irqs, &vecs[i]);
	}
}

/* ------------------------------------------------------------------ */
/* Entry points                                                       */
/* ------------------------------------------------------------------ */

/**
 * pa_irq_init() - the IRQ state of a device being attached
 * @padev: the device
 *
 * Context: @padev->lock held. May sleep.
 * Return: 0 or a negative errno.
 */
int pa_irq_init(struct pa_adev *padev)
{
	struct pci_dev *pdev = padev->pdev;
	struct pa_irqs *irqs;
	int n;

	irqs = pa_fault("irq-state") ? NULL : kzalloc(sizeof(*irqs), GFP_KERNEL_ACCOUNT);
	if (!irqs)
		return -ENOMEM;
	irqs->padev = padev;
	irqs->pdev = pdev;
	spin_lock_init(&irqs->lock);
	INIT_WORK(&irqs->intx_resignal, pa_intx_resignal_work);
	irqs->active = PA_IRQ_NONE;

	irqs->intx.irqs = irqs;
	irqs->intx_irq = pdev->irq;
	irqs->has_intx = pdev->pin && pdev->irq;
	irqs->intx_dismask = irqs->has_intx && pci_intx_mask_supported(pdev);

	n = pci_msi_vec_count(pdev);
	irqs->msi_count = n > 0 ? n : 0;
	n = pci_msix_vec_count(pdev);
	irqs->msix_count = n > 0 ? n : 0;

	if (irqs->msi_count) {
		irqs->msi = pa_fault("irq-msi-state") ? NULL :
			    kcalloc(irqs->msi_count, sizeof(*irqs->msi),
				    GFP_KERNEL_ACCOUNT);
		if (!irqs->msi)
			goto nomem;
	}
	if (irqs->msix_count) {
		irqs->msix = pa_fault("irq-msix-state") ? NULL :
			     kcalloc(irqs->msix_count, sizeof(*irqs->msix),
				     GFP_KERNEL_ACCOUNT);
		if (!irqs->msix)
			goto nomem;
	}
	for (n = 0; n < irqs->msi_count; n++) {
		irqs->msi[n].irqs = irqs;
		irqs->msi[n].index = n;
	}
	for (n = 0; n < irqs->msix_count; n++) {
		irqs->msix[n].irqs = irqs;
		irqs->msix[n].index = n;
	}

	/* The line stays quiet until the owner enables INTx. */
	if (irqs->intx_dismask)
		pci_intx(pdev, 0);

	padev->irqs = irqs;
	return 0;

nomem:
	kfree(irqs->msi);
	kfree(irqs->msix);
	kfree(irqs);
	return -ENOMEM;
}

/**
 * pa_irq_teardown() - disable every vector, free the IRQs, drop the eventfds
 * @padev: the device
 *
 * Context: @padev->lock held. May sleep.
 */
void pa_irq_teardown(struct pa_adev *padev)
{
	struct pa_irqs *irqs = padev->irqs;

	if (!irqs)
		return;
	/* free_irq() comes before every eventfd_ctx_put() on these paths. */
	pa_intx_disable(irqs);
	if (irqs->active == PCIASSIGN_IRQ_MSI || irqs->active == PCIASSIGN_IRQ_MSIX)
		pa_msi_disable(irqs, irqs->active);
	if (irqs->req)
		eventfd_ctx_put(irqs->req);

	padev->irqs = NULL;
	kfree(irqs->msi);
	kfree(irqs->msix);
	kfree(irqs);
}

static u32 pa_irq_count(struct pa_irqs *irqs, unsigned int index)
{
	switch (index) {
	case PCIASSIGN_IRQ_INTX:
		return irqs->has_intx ? 1 : 0;
	case PCIASSIGN_IRQ_MSI:
		return irqs->msi_count;
	case PCIASSIGN_IRQ_MSIX:
		return irqs->msix_count;
	case PCIASSIGN_IRQ_REQ:
		return 1;
	}
	return 0;
}

/**
 * pa_irq_ioctl_info() - PCIASSIGN_IRQ_INFO
 * @padev: the device
 * @uarg: struct pciassign_irq_info in userspace
 *
 * Context: @padev->lock held.
 * Return: 0 or a negative errno.
 */
long pa_irq_ioctl_info(struct pa_adev *padev, void __user *uarg)
{
	struct pa_irqs *irqs = padev->irqs;
	struct pciassign_irq_info info;
	int ret;

	ret = pa_copy_args(&info, offsetofend(struct pciassign_irq_info, index),
			   sizeof(info), uarg);
	if (ret)
		return ret;
	if (info.flags || info.index >= PCIASSIGN_NUM_IRQS)
		return -EINVAL;
	if (!irqs)
		return -ENODEV;

	info.count = pa_irq_count(irqs, info.index);
	switch (info.index) {
	case PCIASSIGN_IRQ_INTX:
		if (info.count)
			info.flags = PCIASSIGN_IRQ_INFO_MASKABLE |
				     PCIASSIGN_IRQ_INFO_AUTOMASKED;
		break;
	case PCIASSIGN_IRQ_MSI:
	case PCIASSIGN_IRQ_MSIX:
		if (info.count)
			info.flags = PCIASSIGN_IRQ_INFO_MASKABLE;
		break;
	}
	return pa_copy_out(uarg, &info, info.argsz, sizeof(info));
}

#define PA_IRQ_SET_ACTIONS (PCIASSIGN_IRQ_SET_TRIGGER | PCIASSIGN_IRQ_SET_MASK | \
			    PCIASSIGN_IRQ_SET_UNMASK | PCIASSIGN_IRQ_SET_RESAMPLE)

/* RESAMPLE: INTx only, one fd. */
static int pa_irq_set_resample(struct pa_irqs *irqs, s32 fd)
{
	struct eventfd_ctx *ctx;
	struct file *file;

	if (fd == -1) {
		pa_resample_remove(irqs);
		return 0;
	}
	if (fd < 0)
		return -EINVAL;
	file = fget(fd);
	if (!file)
		return -EBADF;
	ctx = eventfd_ctx_fileget(file);
	if (IS_ERR(ctx)) {
		fput(file);
		return PTR_ERR(ctx);
	}
	/* Its own trigger would unmask from inside the IRQ handler. */
	if (ctx == irqs->intx.trigger) {
		eventfd_ctx_put(ctx);
		fput(file);
		return -EINVAL;
	}
	pa_resample_install(irqs, file, ctx);
	fput(file);
	return 0;
}

static int pa_irq_set_triggers(struct pa_irqs *irqs, unsigned int index,
			       u32 start, u32 count, const s32 *fds)
{
	struct eventfd_ctx **ctxs;
	struct eventfd_ctx *old;
	u32 i;
	int ret = 0;

	/* Every fd is checked before anything changes. */
	ctxs = pa_fault("irq-eventfds") ? NULL : kcalloc(count, sizeof(*ctxs), GFP_KERNEL);
	if (!ctxs)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		if (fds[i] == -1)
			continue;
		if (fds[i] < 0) {
			ret = -EINVAL;
			goto put;
		}
		ctxs[i] = eventfd_ctx_fdget(fds[i]);
		if (IS_ERR(ctxs[i])) {
			ret = PTR_ERR(ctxs[i]);
			ctxs[i] = NULL;
			goto put;
		}
	}

	switch (index) {
	case PCIASSIGN_IRQ_INTX:
		if (ctxs[0] && ctxs[0] == irqs->resample) {
			ret = -EINVAL;
			goto put;
		}
		ret = pa_intx_set_trigger(irqs, ctxs[0]);
		ctxs[0] = NULL;
		break;
	case PCIASSIGN_IRQ_MSI:
	case PCIASSIGN_IRQ_MSIX:
		ret = pa_msi_set_triggers(irqs, index, start, count, ctxs);
		break;
	case PCIASSIGN_IRQ_REQ:
		/* Only used under pa_adev.lock, which we hold. */
		old = irqs->req;
		irqs->req = ctxs[0];
		ctxs[0] = NULL;
		if (old)
			eventfd_ctx_put(old);
		break;
	}

put:
	for (i = 0; i < count; i++)
		if (ctxs[i])
			eventfd_ctx_put(ctxs[i]);
	kfree(ctxs);
	return ret;
}

/* TRIGGER with count 0: the whole index off. */
static void pa_irq_disable_index(struct pa_irqs *irqs, unsigned int index)
{
	switch (index) {
	case PCIASSIGN_IRQ_INTX:
		pa_intx_disable(irqs);
		break;
	case PCIASSIGN_IRQ_MSI:
	case PCIASSIGN_IRQ_MSIX:
		pa_msi_disable(irqs, index);
		break;
	case PCIASSIGN_IRQ_REQ:
		if (irqs->req)
			eventfd_ctx_put(irqs->req);
		irqs->req = NULL;
		break;
	}
}

/**
 * pa_irq_ioctl_set() - PCIASSIGN_SET_IRQS
 * @padev: the device
 * @uarg: struct pciassign_irq_set in userspace
 *
 * Context: @padev->lock held. May sleep.
 * Return: 0 or a negative errno.
 */
long pa_irq_ioctl_set(struct pa_adev *padev, void __user *uarg)
{
	const size_t hdrsz = sizeof(struct pciassign_irq_set);
	struct pa_irqs *irqs = padev->irqs;
	struct pciassign_irq_set hdr;
	u32 action, max, end;
	size_t fdsz, need;
	s32 *fds = NULL;
	long ret;

	lockdep_assert_held(&padev->lock);

	/*
	 * Not pa_copy_args(): the fds array follows the header, so argsz is
	 * legitimately larger than the structure.
	 */
	if (copy_from_user(&hdr, uarg, hdrsz))
		return -EFAULT;
	if (hdr.argsz < hdrsz)
		return -EINVAL;
	if (hdr.flags & ~PA_IRQ_SET_ACTIONS)
		return -EINVAL;
	action = hdr.flags;
	if (hweight32(action) != 1)
		return -EINVAL;
	if (hdr.index >= PCIASSIGN_NUM_IRQS)
		return -EINVAL;
	if (!irqs)
		return -ENODEV;

	max = pa_irq_count(irqs, hdr.index);
	if (!max)
		return -EINVAL;
	if (check_add_overflow(hdr.start, hdr.count, &end) || end > max)
		return -EINVAL;

	switch (action) {
	case PCIASSIGN_IRQ_SET_MASK:
	case PCIASSIGN_IRQ_SET_UNMASK:
		if (!hdr.count || hdr.index == PCIASSIGN_IRQ_REQ)
			return -EINVAL;
		if (hdr.index == PCIASSIGN_IRQ_INTX) {
			if (action == PCIASSIGN_IRQ_SET_MASK)
				pa_intx_mask(irqs);
			else
				pa_intx_unmask(irqs);
		} else {
			pa_msi_mask(irqs, hdr.index, hdr.start, hdr.count,
				    action == PCIASSIGN_IRQ_SET_MASK);
		}
		return 0;
	case PCIASSIGN_IRQ_SET_RESAMPLE:
		if (hdr.index != PCIASSIGN_IRQ_INTX || hdr.count != 1)
			return -EINVAL;
		break;
	case PCIASSIGN_IRQ_SET_TRIGGER:
		if (!hdr.count) {
			pa_irq_disable_index(irqs, hdr.index);
			return 0;
		}
		break;
	}

	/* TRIGGER or RESAMPLE: argsz must cover count fds. */
	if (check_mul_overflow((size_t)hdr.count, sizeof(s32), &fdsz) ||
	    check_add_overflow(hdrsz, fdsz, &need))
		return -EINVAL;
	if (hdr.argsz < need)
		return -EINVAL;
	fds = memdup_user(uarg + hdrsz, fdsz);
	if (IS_ERR(fds))
		return PTR_ERR(fds);

	if (action == PCIASSIGN_IRQ_SET_RESAMPLE)
		ret = pa_irq_set_resample(irqs, fds[0]);
	else
		ret = pa_irq_set_triggers(irqs, hdr.index, hdr.start, hdr.count, fds);
	kfree(fds);
	return ret;
}

/**
 * pa_irq_after_reset() - put the INTx mask back after a reset
 * @padev: the device
 *
 * After a reset: the PCI core saved the command register before it and
 * restored it after, so an unmask (resample eventfd) that ran in between
 * had its INTx-disable change undone. Put the bit back as the IRQ state
 * says, or INTx would stay disabled in hardware while we think it is
 * unmasked (its interrupts lost for good), or the reverse.
 */
void pa_irq_after_reset(struct pa_adev *padev)
{
	struct pa_irqs *irqs = padev->irqs;
	unsigned long flags;

	if (!irqs)
		return;
	spin_lock_irqsave(&irqs->lock, flags);
	if (irqs->intx.trigger && irqs->intx_dismask)
		pci_intx(irqs->pdev, !irqs->intx.masked);
	spin_unlock_irqrestore(&irqs->lock, flags);
}

/**
 * pa_irq_intx_lock() - the lock under which INTx disable changes
 * @padev: the device
 *
 * For config writes of the command register (config_filter.c).
 *
 * Return: the lock, or NULL while there is no IRQ state.
 */
spinlock_t *pa_irq_intx_lock(struct pa_adev *padev)
{
	return padev->irqs ? &padev->irqs->lock : NULL;
}

/**
 * pa_irq_signal_request() - signal the request eventfd
 * @padev: the device
 *
 * The host wants the device back: tell its owner.
 *
 * Context: @padev->lock held, under which irqs->req changes.
 */
void pa_irq_signal_request(struct pa_adev *padev)
{
	lockdep_assert_held(&padev->lock);
	if (padev->irqs)
		pa_signal(padev->irqs->req);
}
