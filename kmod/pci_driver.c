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

static void pa_device_free(struct kref *ref)
{
	struct pa_device *padev = container_of(ref, struct pa_device, ref);

	WARN_ON(padev->ctx);
	pci_dev_put(padev->pdev);
	mutex_destroy(&padev->lock);
	kfree(padev);
}

void pa_device_put(struct pa_device *padev)
{
	kref_put(&padev->ref, pa_device_free);
}

bool pa_pci_driver_owns(struct pci_dev *pdev)
{
	return pdev->dev.driver == &pa_pci_driver.driver;
}

/*
 * A reference to the pa_device of @pdev if it is bound to pciassign, else
 * NULL. The device lock keeps remove() from running while we look.
 */
struct pa_device *pa_device_get_by_pdev(struct pci_dev *pdev)
{
	struct pa_device *padev = NULL;

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
	struct pa_device *padev;

	/* Bridges carry other devices' traffic; they are never assignable. */
	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL) {
		pci_warn(pdev, "refusing header type %#x (only endpoints are assignable)\n",
			 pdev->hdr_type);
		return -EINVAL;
	}

	padev = kzalloc(sizeof(*padev), GFP_KERNEL);
	if (!padev)
		return -ENOMEM;

	kref_init(&padev->ref);
	padev->pdev = pci_dev_get(pdev);
	mutex_init(&padev->lock);
	init_rwsem(&padev->memory_lock);
	pci_set_drvdata(pdev, padev);

	pci_info(pdev, "bound\n");
	return 0;
}

static void pa_remove(struct pci_dev *pdev)
{
	struct pa_device *padev = pci_get_drvdata(pdev);

	mutex_lock(&padev->lock);
	padev->unbound = true;
	mutex_unlock(&padev->lock);
	pa_device_revoke(padev, "driver unbind");

	pci_set_drvdata(pdev, NULL);
	pa_device_put(padev);
	pci_info(pdev, "unbound\n");
}

static struct pci_driver pa_pci_driver = {
	.name = PCIASSIGN_NAME,
	.id_table = NULL,	/* bound only through driver_override */
	.probe = pa_probe,
	.remove = pa_remove,
	/* We claim the IOMMU group's DMA ownership ourselves on attach. */
	.driver_managed_dma = true,
};

int pa_pci_driver_register(void)
{
	return pci_register_driver(&pa_pci_driver);
}

void pa_pci_driver_unregister(void)
{
	pci_unregister_driver(&pa_pci_driver);
}
