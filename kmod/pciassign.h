/* SPDX-License-Identifier: GPL-2.0 */
/* Internal declarations shared by the pciassign module's files. */
#ifndef PCIASSIGN_INTERNAL_H
#define PCIASSIGN_INTERNAL_H

#include <linux/pci.h>
#include <linux/mutex.h>
#include <linux/types.h>

#define PCIASSIGN_NAME "pciassign"

/* A function bound to the pciassign driver. */
struct pa_device {
	struct pci_dev *pdev;
	struct mutex lock;	/* serialises attach/detach and state */
};

/* pci_driver.c */
int pa_pci_driver_register(void);
void pa_pci_driver_unregister(void);

/* chardev.c */
int pa_chardev_register(void);
void pa_chardev_unregister(void);

/* uargs.c */
int pa_copy_args(void *dst, size_t minsz, size_t maxsz, const void __user *uarg);
int pa_copy_out(void __user *uarg, const void *src, u32 argsz, size_t maxsz);

#endif /* PCIASSIGN_INTERNAL_H */
