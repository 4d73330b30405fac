// SPDX-License-Identifier: GPL-2.0
/*
 * pciassign: hand PCI functions to KVM guests.
 *
 * Module entry points: registers the PCI driver that devices are bound to
 * and the /dev/pciassign character device through which VMMs use them.
 */
#include <linux/module.h>

#include "pciassign.h"

static int __init pciassign_init(void)
{
	int ret;

	ret = pa_pci_driver_register();
	if (ret)
		return ret;

	ret = pa_chardev_register();
	if (ret) {
		pa_pci_driver_unregister();
		return ret;
	}

	pr_info("version %s loaded\n", PCIASSIGN_VERSION);
	return 0;
}

static void __exit pciassign_exit(void)
{
	pa_chardev_unregister();
	pa_pci_driver_unregister();
}

module_init(pciassign_init);
module_exit(pciassign_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("PCI device assignment for KVM virtual machine monitors");
MODULE_VERSION(PCIASSIGN_VERSION);
