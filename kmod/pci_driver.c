// SPDX-License-Identifier: GPL-2.0
/*
 * The "pciassign" PCI driver. It matches nothing by itself: an
 * administrator hands it a function with driver_override + drivers_probe.
 * Binding only records the function; nothing touches the hardware until a
 * VMM attaches it through /dev/pciassign.
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "pciassign.h"

static struct pci_driver pa_pci_driver;

/* Bound devices, for the netlink dump. */
static LIST_HEAD(pa_adevs);
static DEFINE_MUTEX(pa_adevs_lock);

/**
 * pa_adev_get_nth() - the n-th bound device
 * @n: its index, 0-based
 *
 * Return: the device, referenced, or NULL past the end.
 */
struct pa_adev *pa_adev_get_nth(unsigned long n)
{
	struct pa_adev *padev;

	mutex_lock(&pa_adevs_lock);
	list_for_each_entry(padev, &pa_adevs, node) {
		if (!n--) {
			kref_get(&padev->ref);
			mutex_unlock(&pa_adevs_lock);
			return padev;
		}
	}
	mutex_unlock(&pa_adevs_lock);
	return NULL;
}

static bool pa_bus_at_or_below(struct pci_bus *bus, struct pci_bus *top)
{
	for (; bus; bus = bus->parent)
		if (bus == top)
			return true;
	return false;
}

/**
 * pa_adev_collect() - the bound devices on a bus and below it
 * @top: the bus
 * @skip: a device to leave out, or NULL
 * @out: where the references go
 * @max: room in @out
 *
 * The bound devices on @top or the buses below it, except @skip: up to
 * @max of them referenced into @out.
 *
 * Return: how many there are, which may be more than were stored.
 */
unsigned int pa_adev_collect(struct pci_bus *top, struct pa_adev *skip,
			     struct pa_adev **out, unsigned int max)
{
	struct pa_adev *padev;
	unsigned int n = 0;

	mutex_lock(&pa_adevs_lock);
	list_for_each_entry(padev, &pa_adevs, node) {
		if (padev == skip || !pa_bus_at_or_below(padev->pdev->bus, top))
			continue;
		if (n < max) {
			kref_get(&padev->ref);
			out[n] = padev;
		}
		n++;
	}
	mutex_unlock(&pa_adevs_lock);
	return n;
}

static void pa_adev_free(struct kref *ref)
{
	struct pa_adev *padev = container_of(ref, struct pa_adev, ref);

	WARN_ON(padev->ctx);
	pci_dev_put(padev->pdev);
	mutex_destroy(&padev->lock);
	kfree(padev);
}

/**
 * pa_adev_put() - drop a reference on a device
 * @padev: the device
 *
 * The last one frees it.
 */
void pa_adev_put(struct pa_adev *padev)
{
	kref_put(&padev->ref, pa_adev_free);
}

/**
 * pa_pci_driver_owns() - is @pdev bound to pciassign?
 * @pdev: the function
 *
 * Return: true when it is.
 */
bool pa_pci_driver_owns(struct pci_dev *pdev)
{
	return pdev->dev.driver == &pa_pci_driver.driver;
}

/**
 * pa_adev_get_by_pdev() - the pa_adev of a function
 * @pdev: the function
 *
 * The device lock keeps remove() from running while we look.
 *
 * Context: takes the device lock. May sleep.
 * Return: A reference to the pa_adev of @pdev if it is bound to pciassign, else NULL.
 */
struct pa_adev *pa_adev_get_by_pdev(struct pci_dev *pdev)
{
	struct pa_adev *padev = NULL;

	device_lock(&pdev->dev);
	if (pa_pci_driver_owns(pdev)) {
		padev = pci_get_drvdata(pdev);
		if (padev)
			kref_get(&padev->ref);
	}
	device_unlock(&pdev->dev);
	return padev;
}

static int pa_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct pa_adev *padev;

	/* Bridges carry other devices' traffic; they are never assignable. */
	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL) {
		pci_warn(pdev, "refusing header type %#x (only endpoints are assignable)\n",
			 pdev->hdr_type);
		return -EINVAL;
	}

	/*
	 * A PF's VFs share its hardware and depend on its driver: with VFs
	 * enabled it is not assignable. None can appear while it is bound
	 * here: without a .sriov_configure, the kernel refuses sriov_numvfs.
	 */
	if (pci_num_vf(pdev)) {
		pci_info(pdev, "refusing a PF with %d VFs enabled (disable them first)\n",
			 pci_num_vf(pdev));
		return -EBUSY;
	}

	padev = kzalloc(sizeof(*padev), GFP_KERNEL);
	if (!padev)
		return -ENOMEM;

	kref_init(&padev->ref);
	padev->pdev = pci_dev_get(pdev);
	mutex_init(&padev->lock);
	init_rwsem(&padev->memory_lock);
	init_waitqueue_head(&padev->release_wq);
	pci_set_drvdata(pdev, padev);

	mutex_lock(&pa_adevs_lock);
	list_add_tail(&padev->node, &pa_adevs);
	mutex_unlock(&pa_adevs_lock);

	pci_info(pdev, "bound\n");
	mutex_lock(&padev->lock);
	pa_nl_event(padev, PCIASSIGN_EVENT_BOUND, NULL, 0, 0);
	mutex_unlock(&padev->lock);
	return 0;
}

/*
 * The host wants the device back (unbind, sysfs remove, hot-unplug). Ask
 * the owner to release it; if it does not in time, revoke it. Either way
 * removal completes.
 */
static void pa_remove(struct pci_dev *pdev)
{
	struct pa_adev *padev = pci_get_drvdata(pdev);
	/*
	 * Unbind, sysfs remove and an orderly hot-unplug all arrive as a
	 * plain remove(); only a surprise removal is visible as such.
	 */
	const char *why = pci_dev_is_disconnected(pdev) ? "device disconnected" :
			  "host reclaims the device";

	mutex_lock(&padev->lock);
	padev->unbound = true;
	mutex_unlock(&padev->lock);

	if (!pa_adev_wait_release(padev, why))
		__pa_adev_revoke(padev, why);

	mutex_lock(&padev->lock);
	if (padev->needs_reset) {
		/* Released while we held the device lock: reset it now. */
		pci_save_state(pdev);
		if (!__pci_reset_function_locked(pdev))
			pci_restore_state(pdev);
		padev->needs_reset = false;
	}
	pa_nl_event(padev, PCIASSIGN_EVENT_UNBOUND, why, 0, 0);
	mutex_unlock(&padev->lock);

	mutex_lock(&pa_adevs_lock);
	list_del(&padev->node);
	mutex_unlock(&pa_adevs_lock);

	pci_set_drvdata(pdev, NULL);
	pa_adev_put(padev);
	pci_info(pdev, "unbound (%s)\n", why);
}

/* AER: tell the owner; recovery of an assigned device is the guest's. */
static pci_ers_result_t pa_error_detected(struct pci_dev *pdev,
					  pci_channel_state_t state)
{
	struct pa_adev *padev = pci_get_drvdata(pdev);

	if (!padev)
		return PCI_ERS_RESULT_DISCONNECT;
	mutex_lock(&padev->lock);
	pa_nl_event(padev, PCIASSIGN_EVENT_ERROR, "AER error detected",
		    PCIASSIGN_A_ERROR_STATE, (__force u32)state);
	mutex_unlock(&padev->lock);
	return PCI_ERS_RESULT_CAN_RECOVER;
}

static const struct pci_error_handlers pa_err_handlers = {
	.error_detected = pa_error_detected,
};

static struct pci_driver pa_pci_driver = {
	.name = PCIASSIGN_NAME,
	.id_table = NULL,	/* bound only through driver_override */
	.probe = pa_probe,
	.remove = pa_remove,
	.err_handler = &pa_err_handlers,
	.dev_groups = pa_adev_groups,	/* grant.c */
	/* We claim the IOMMU group's DMA ownership ourselves on attach. */
	.driver_managed_dma = true,
};

/**
 * pa_pci_driver_register() - register the "pciassign" PCI driver
 *
 * Return: 0 or a negative errno.
 */
int pa_pci_driver_register(void)
{
	return pci_register_driver(&pa_pci_driver);
}

/**
 * pa_pci_driver_unregister() - unregister the PCI driver
 */
void pa_pci_driver_unregister(void)
{
	pci_unregister_driver(&pa_pci_driver);
}
