/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pciassign-vmm: a minimal KVM VMM for testing device assignment. */
#ifndef PA_VMM_H
#define PA_VMM_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "libpciassign.h"

/* Exit statuses besides the payload's own verdict (0 pass, 1..99 fail). */
#define VMM_EXIT_ERROR		100	/* setup failed */
#define VMM_EXIT_GUEST_CRASH	101	/* shutdown, internal error, bad exit */
#define VMM_EXIT_SIGNAL		102	/* stopped by SIGTERM/SIGINT */
#define VMM_EXIT_RELEASED	103	/* stopped: the host wants a device back */

/* Sent to the VMM by its release watcher (release.c). */
#define VMM_RELEASE_SIGNAL	SIGUSR1

#define VMM_MAX_DEVICES		8	/* at 00:01.0 .. 00:08.0 */

/* The emulated PCI bus 0: host bridge at 00:00.0, devices after it. */
struct vmm_pci {
	uint32_t cf8;			/* config address register */
	struct pa_device *dev[VMM_MAX_DEVICES];
	unsigned int ndev;
};

/* Port I/O to 0xCF8..0xCFF. */
void vmm_pci_io(struct vmm_pci *pci, uint16_t port, void *data, unsigned int len,
		bool is_write);

/*
 * Arm each device's release-request eventfd; when the host asks for one
 * back, the VMM gets VMM_RELEASE_SIGNAL and stops the guest cleanly.
 */
int vmm_watch_release(struct vmm_pci *pci);

#endif /* PA_VMM_H */
