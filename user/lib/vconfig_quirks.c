// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Device quirks: the devices whose config space the generic policies
 * would read wrongly. One table line per device, {vendor, device, fixup};
 * the fixups run once, when a vconfig is built for a matching function,
 * after its header is read and before its capabilities are walked. They
 * only set struct pa_vc_quirks, which the policies consult; they never
 * touch the device or the tables themselves.
 *
 * Adding one: a fixup that says in one line why the device needs it, a
 * pa_vc_quirks field if no existing one fits (and the policy that reads
 * it), and a line in quirk_table naming the fixup.
 */
#include <linux/pci_regs.h>

#include "vconfig_int.h"

#define PCI_VENDOR_ID_INTEL	0x8086

struct pa_vc_quirk {
	uint16_t vendor;
	uint16_t device;
	void (*fixup)(struct pa_vconfig *vc);
};

/* The 82599 VF reports PCIe capability version 0 for what is a v2 structure. */
static void quirk_pcie_v0_is_v2(struct pa_vconfig *vc)
{
	vc->quirks.pcie_v0_is_v2 = true;
}

static const struct pa_vc_quirk quirk_table[] = {
	{ PCI_VENDOR_ID_INTEL, 0x10ed /* 82599 VF */, quirk_pcie_v0_is_v2 },
};

void pa_vc_apply_quirks(struct pa_vconfig *vc)
{
	uint16_t vendor = (uint16_t)pa_vc_get(vc->host + PCI_VENDOR_ID, 2);
	uint16_t device = (uint16_t)pa_vc_get(vc->host + PCI_DEVICE_ID, 2);

	for (size_t i = 0; i < sizeof(quirk_table) / sizeof(quirk_table[0]); i++)
		if (quirk_table[i].vendor == vendor && quirk_table[i].device == device)
			quirk_table[i].fixup(vc);
}
