// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The PCI Express capability: sizes per version (a v2 capability cut short
 * as on the bcm5761 accepted; version 0 as v2 where a device quirk says
 * so), endpoint-only, FLR hidden, error reporting and device control kept
 * away from the hardware, link and slot/root trimmed.
 */
#include <errno.h>
#include <linux/pci_regs.h>

#include "vconfig_int.h"

#define PCIE_V1_SIZE		0x14	/* up to and including link status */
#define PCIE_V2_SIZE		0x3c	/* the full v2 structure */
#define PCIE_V2_MIN_SIZE	0x34	/* what the bcm5761 implements */

#define LNKCAP_KEEP (PCI_EXP_LNKCAP_SLS | PCI_EXP_LNKCAP_MLW | PCI_EXP_LNKCAP_ASPMS | \
		     PCI_EXP_LNKCAP_L0SEL | PCI_EXP_LNKCAP_L1EL)
#define LNKSTA_LIVE (PCI_EXP_LNKSTA_CLS | PCI_EXP_LNKSTA_NLW)

/*
 * Fields past the capability's size are skipped, so a v1 capability gets
 * only the first block. Unlisted bytes (link control, the "2" registers)
 * are read-only snapshots of the device.
 */
static const struct pa_vc_field pcie_fields[] = {
	/* Interrupt message number is updated by hardware: read live. */
	{ .off = PCI_EXP_FLAGS, .len = 2, .keep = 0xffff, .live = PCI_EXP_FLAGS_IRQ },
	/* FLR is the host's business: hidden. */
	{ .off = PCI_EXP_DEVCAP, .len = 4, .keep = ~(uint32_t)PCI_EXP_DEVCAP_FLR },
	/*
	 * Device control: host payload and read request sizes, relaxed
	 * ordering and no-snoop on, error reporting off; writable in the
	 * shadow except Initiate-FLR and Aux Power PM; nothing reaches the
	 * device.
	 */
	{ .off = PCI_EXP_DEVCTL, .len = 2,
	  .keep = PCI_EXP_DEVCTL_READRQ | PCI_EXP_DEVCTL_PAYLOAD,
	  .set = PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN,
	  .wmask = 0xffff & ~(PCI_EXP_DEVCTL_BCR_FLR | PCI_EXP_DEVCTL_AUX_PME) },
	{ .off = PCI_EXP_DEVSTA, .len = 2 },
	{ .off = PCI_EXP_LNKCAP, .len = 4, .keep = LNKCAP_KEEP },
	/* Link status: only current speed and width, read live. */
	{ .off = PCI_EXP_LNKSTA, .len = 2, .live = LNKSTA_LIVE },
	/* Slot and root registers mean nothing for an endpoint. */
	{ .off = PCI_EXP_SLTCAP, .len = 4 },
	{ .off = PCI_EXP_SLTCTL, .len = 2 },
	{ .off = PCI_EXP_SLTSTA, .len = 2 },
	{ .off = PCI_EXP_RTCTL, .len = 2 },
	{ .off = PCI_EXP_RTCAP, .len = 2 },
	{ .off = PCI_EXP_RTSTA, .len = 4 },
};

static int pcie_size(struct pa_vconfig *vc, uint8_t pos)
{
	unsigned int version = vc->host[pos + PCI_EXP_FLAGS] & PCI_EXP_FLAGS_VERS;
	unsigned int room = PA_VCONFIG_LEGACY_SIZE - pos;

	switch (version) {
	case 1:
		return PCIE_V1_SIZE;
	case 2:
		/*
		 * Accept a v2 capability cut short by the end of config space
		 * down to 0x34 bytes (bcm5761).
		 */
		if (room < PCIE_V2_MIN_SIZE) {
			pa_vc_log(vc, "PCIe capability at 0x%02x: only 0x%x bytes", pos, room);
			return -EINVAL;
		}
		if (room < PCIE_V2_SIZE) {
			pa_vc_log(vc, "warning: PCIe capability at 0x%02x has non-standard "
				  "size 0x%x (0x%x expected)", pos, room, PCIE_V2_SIZE);
			return (int)room;
		}
		return PCIE_V2_SIZE;
	case 0:
		/* A quirk (vconfig_quirks.c) vouches for the v2 layout. */
		if (vc->quirks.pcie_v0_is_v2)
			return PCIE_V2_SIZE;
		break;
	default:
		break;
	}
	pa_vc_log(vc, "unsupported PCIe capability version %u", version);
	return -EINVAL;
}

static int pcie_check(struct pa_vconfig *vc, uint8_t pos, unsigned int size)
{
	unsigned int type = (vc->host[pos + PCI_EXP_FLAGS] & PCI_EXP_FLAGS_TYPE) >> 4;

	(void)size;
	switch (type) {
	case PCI_EXP_TYPE_ENDPOINT:
	case PCI_EXP_TYPE_LEG_END:
	case PCI_EXP_TYPE_RC_END:
		return 0;
	default:
		pa_vc_log(vc, "PCIe device/port type %u: only endpoints can be assigned",
			  type);
		return -EINVAL;
	}
}

const struct pa_vc_cap_policy pa_vc_pcie_policy = {
	.id = PCI_CAP_ID_EXP,
	.name = "PCIe",
	.size = pcie_size,
	/* Every version keeps DEVCTL at +8, the v2 registers up to 0x3c. */
	.fallback_size = PCIE_V2_SIZE,
	.check = pcie_check,
	.fields = { PA_VC_FIELDS(pcie_fields) },
};
