// SPDX-License-Identifier: GPL-2.0
/*
 * pciassign: hand PCI functions to KVM guests.
 *
 * Module entry points: registers the PCI driver that devices are bound to
 * and the /dev/pciassign character device through which VMMs use them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/printk.h>

#include "pciassign.h"

static int __init pciassign_init(void)
{
	int ret;

	ret = pa_pseudofs_init();
	if (ret)
		return ret;

	ret = pa_netlink_init();
	if (ret)
		goto pseudofs;

	ret = pa_pci_driver_register();
	if (ret)
		goto netlink;

	ret = pa_chardev_register();
	if (ret)
		goto driver;

	pa_fault_init();
	pr_info("version %s loaded\n", PCIASSIGN_VERSION);
	return 0;

driver:
	pa_pci_driver_unregister();
netlink:
	pa_netlink_exit();
pseudofs:
	pa_pseudofs_exit();
	return ret;
}

static void __exit pciassign_exit(void)
{
	pa_fault_exit();
	pa_chardev_unregister();
	pa_pci_driver_unregister();
	pa_netlink_exit();
	pa_pseudofs_exit();
}

module_init(pciassign_init);
module_exit(pciassign_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("PCI device assignment for KVM virtual machine monitors");
MODULE_VERSION(PCIASSIGN_VERSION);
