// SPDX-License-Identifier: GPL-2.0
/*
 * The allowlist of config space: which bits the holder of a device fd may
 * write to the device. Everything is read-only unless a rule below makes
 * bits of a register writable:
 *
 *  - the type 0 header (0x00-0x3f): the rules of PA_CFG_HDR;
 *  - a standard capability (its ID, next pointer and registers): the rules
 *    of its ID; an ID without rules is read-only;
 *  - bytes of 0x40-0xff that no standard capability covers: raw read and
 *    write, as on bare metal. Drivers keep device-specific registers there
 *    (Intel HDA's TCSEL at 0x44, for one); they are the device's own;
 *  - an extended capability: the rules of its ID; an ID without rules is
 *    read-only, and so is extended config space outside any capability.
 *
 * Each rule is a register: a capability, an offset in it, a size (0: to
 * the end of the capability), a policy for its mask bits, flags, the mask
 * and the register's write-1-to-clear bits. A write keeps the device's
 * value in every bit that is not writable, except write-1-to-clear bits,
 * which are written as 0 (that leaves them alone); bytes without any
 * writable bit are not written at all.
 *
 * The writable bits are those a device owner's driver legitimately needs
 * (what Linux VFIO allows, with less virtualization): decode and bus
 * mastering, error reporting and error status, relaxed ordering, PME,
 * VPD, vendor-specific registers. The host keeps what affects anything
 * beyond the function itself: INTx masking, BARs, MSI/MSI-X, resets (FLR,
 * AF FLR, BIST), Max Payload/Read Request Size, Extended Tags, Phantom
 * Functions, no-snoop, AUX power, the power state (for now), link control,
 * ACS, ATS/PRI/PASID, SR-IOV, Resizable BAR, LTR, L1 substates, TPH, PTM,
 * DOE and the rest.
 */
#include "config_rules.h"

struct pa_cfg_rule {
	u16 cap;		/* PA_CFG_HDR, PA_CFG_STD(id) or PA_CFG_EXT(id) */
	u16 offset;		/* from the capability's start */
	u16 size;		/* bytes; 0: to the end of the capability */
	u8 policy;		/* enum pa_cfg_policy */
	u8 flags;		/* PA_CFG_F_* */
	u32 mask;		/* bits of the register; PA_CFG_ALL when size > 4 */
	u32 w1c;		/* its write-1-to-clear bits */
};

#define PA_STATUS_ERRORS (PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT | \
			  PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT | \
			  PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY)
#define PA_COMMAND_OWNER (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
			  PCI_COMMAND_INVALIDATE | PCI_COMMAND_PARITY | PCI_COMMAND_SERR)
#define PA_DEVCTL_OWNER	(PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_NFERE | \
			 PCI_EXP_DEVCTL_FERE | PCI_EXP_DEVCTL_URRE | PCI_EXP_DEVCTL_RELAX_EN)
#define PA_DEVSTA_W1C	(PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED | \
			 PCI_EXP_DEVSTA_FED | PCI_EXP_DEVSTA_URD)
#define PA_DEVCTL2_OWNER (PCI_EXP_DEVCTL2_COMP_TIMEOUT | PCI_EXP_DEVCTL2_COMP_TMOUT_DIS | \
			  PCI_EXP_DEVCTL2_ATOMIC_REQ | PCI_EXP_DEVCTL2_IDO_REQ_EN | \
			  PCI_EXP_DEVCTL2_IDO_CMP_EN)
#define PA_PMCSR_OWNER	(PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_DATA_SEL_MASK | \
			 PCI_PM_CTRL_PME_STATUS)
#define PA_AER_CTL_OWNER (PCI_ERR_CAP_ECRC_GENE | PCI_ERR_CAP_ECRC_CHKE)

#define HDR		PA_CFG_HDR
#define STD(id)		PA_CFG_STD(PCI_CAP_ID_##id)
#define EXT(id)		PA_CFG_EXT(PCI_EXT_CAP_ID_##id)

static const struct pa_cfg_rule pa_cfg_rules[] = {
	/*
	 * Header. Decode and bus mastering are the owner's, INTx masking is
	 * the IRQ code's; the host's resource assignment stays (userspace
	 * emulates BARs); a BIST could take the function off the bus; the
	 * interrupt line is a scratch register the host's restore owns, so
	 * the owner gets its own copy.
	 */
	{ HDR, PCI_COMMAND, 2, PA_CFG_RAW, PA_CFG_F_DECODE, PA_COMMAND_OWNER, 0 },
	{ HDR, PCI_STATUS, 2, PA_CFG_RAW, 0, PA_STATUS_ERRORS, PA_STATUS_ERRORS },
	{ HDR, PCI_CACHE_LINE_SIZE, 1, PA_CFG_RAW, 0, 0xff, 0 },
	{ HDR, PCI_LATENCY_TIMER, 1, PA_CFG_RAW, 0, 0xff, 0 },
	{ HDR, PCI_BIST, 1, PA_CFG_RAW, 0, 0, 0 },
	{ HDR, PCI_BASE_ADDRESS_0, 24, PA_CFG_RAW, 0, 0, 0 },
	{ HDR, PCI_ROM_ADDRESS, 4, PA_CFG_RAW, 0, 0, 0 },
	{ HDR, PCI_INTERRUPT_LINE, 1, PA_CFG_VIRT, 0, 0xff, 0 },

	/* Power management: the power state stays the host's. */
	{ STD(PM), PCI_PM_CTRL, 2, PA_CFG_RAW, 0, PA_PMCSR_OWNER, PCI_PM_CTRL_PME_STATUS },
	/* VPD: address and data, raw (the host reads VPD only on request). */
	{ STD(VPD), PCI_VPD_ADDR, 2, PA_CFG_RAW, 0, 0xffff, 0 },
	{ STD(VPD), PCI_VPD_DATA, 4, PA_CFG_RAW, 0, PA_CFG_ALL, 0 },
	/* MSI and MSI-X: programmed by the kernel's irq code only. */
	{ STD(MSI), PCI_MSI_FLAGS, 0, PA_CFG_RAW, 0, 0, 0 },
	{ STD(MSIX), PCI_MSIX_FLAGS, 2, PA_CFG_RAW, 0, 0, 0 },
	/* PCI-X: error recovery and relaxed ordering, not the read sizes. */
	{ STD(PCIX), PCI_X_CMD, 2, PA_CFG_RAW, 0, PCI_X_CMD_DPERR_E | PCI_X_CMD_ERO, 0 },
	/* Vendor-specific: the device's own, after ID, next and length. */
	{ STD(VNDR), PCI_CAP_FLAGS + 1, 0, PA_CFG_RAW, 0, PA_CFG_ALL, 0 },
	/*
	 * PCI Express. FLR only through PCIASSIGN_DEVICE_RESET, which zaps
	 * mappings: hidden and dropped. Payload and read request sizes must
	 * match the fabric the host configured; Extended Tags and Phantom
	 * Functions change what the requester ID and tags mean to the IOMMU
	 * and completers; no-snoop and AUX power stay as the host set them.
	 */
	{ STD(EXP), PCI_EXP_DEVCAP, 4, PA_CFG_HIDE, 0, PCI_EXP_DEVCAP_FLR, 0 },
	{ STD(EXP), PCI_EXP_DEVCTL, 2, PA_CFG_RAW, 0, PA_DEVCTL_OWNER, 0 },
	{ STD(EXP), PCI_EXP_DEVSTA, 2, PA_CFG_RAW, 0, PA_DEVSTA_W1C, PA_DEVSTA_W1C },
	{ STD(EXP), PCI_EXP_LNKCTL, 2, PA_CFG_RAW, 0, 0, 0 },
	{ STD(EXP), PCI_EXP_DEVCTL2, 2, PA_CFG_RAW, 0, PA_DEVCTL2_OWNER, 0 },
	/* Advanced Features: its FLR, like DEVCTL's, is the kernel's. */
	{ STD(AF), PCI_AF_CAP, 1, PA_CFG_HIDE, 0, PCI_AF_CAP_FLR, 0 },
	{ STD(AF), PCI_AF_CTRL, 1, PA_CFG_RAW, 0, 0, 0 },

	/* AER: the owner's driver handles its function's errors. */
	{ EXT(ERR), PCI_ERR_UNCOR_STATUS, 4, PA_CFG_RAW, 0, PA_CFG_ALL, PA_CFG_ALL },
	{ EXT(ERR), PCI_ERR_UNCOR_MASK, 4, PA_CFG_RAW, 0, PA_CFG_ALL, 0 },
	{ EXT(ERR), PCI_ERR_UNCOR_SEVER, 4, PA_CFG_RAW, 0, PA_CFG_ALL, 0 },
	{ EXT(ERR), PCI_ERR_COR_STATUS, 4, PA_CFG_RAW, 0, PA_CFG_ALL, PA_CFG_ALL },
	{ EXT(ERR), PCI_ERR_COR_MASK, 4, PA_CFG_RAW, 0, PA_CFG_ALL, 0 },
	{ EXT(ERR), PCI_ERR_CAP, 4, PA_CFG_RAW, 0, PA_AER_CTL_OWNER, 0 },
	/* Power budgeting: which budget the data register shows. */
	{ EXT(PWR), PCI_PWR_DSR, 1, PA_CFG_RAW, 0, 0xff, 0 },
	/* Vendor-specific and designated vendor-specific: after their headers. */
	{ EXT(VNDR), PCI_VNDR_HEADER + 4, 0, PA_CFG_RAW, 0, PA_CFG_ALL, 0 },
	{ EXT(DVSEC), PCI_DVSEC_HEADER1 + 6, 0, PA_CFG_RAW, 0, PA_CFG_ALL, 0 },
	/* Kept from the device's own: VFs would be host devices outside the domain. */
	{ EXT(SRIOV), PCI_SRIOV_CTRL, 2, PA_CFG_RAW, 0, 0, 0 },
	{ EXT(SRIOV), PCI_SRIOV_NUM_VF, 2, PA_CFG_RAW, 0, 0, 0 },
	{ EXT(SRIOV), PCI_SRIOV_BAR, 24, PA_CFG_RAW, 0, 0, 0 },
	/* Isolation the IOMMU groups rely on; translation the host's IOMMU owns. */
	{ EXT(ACS), PCI_ACS_CTRL, 2, PA_CFG_RAW, 0, 0, 0 },
	{ EXT(ATS), PCI_ATS_CTRL, 2, PA_CFG_RAW, 0, 0, 0 },
	{ EXT(PRI), PCI_PRI_CTRL, 2, PA_CFG_RAW, 0, 0, 0 },
	{ EXT(PASID), PCI_PASID_CTRL, 2, PA_CFG_RAW, 0, 0, 0 },
	{ EXT(REBAR), PCI_REBAR_CTRL, 0, PA_CFG_RAW, 0, 0, 0 },
};

#undef HDR
#undef STD
#undef EXT

/* Sizes of standard capabilities whose layout is fixed or self-described. */
static u16 pa_cfg_std_len(u8 id, unsigned int pos, pa_cfg_read_fn read, void *opaque)
{
	u32 d0 = 0, d1 = 0;

	if (read(opaque, pos, &d0))
		return 0;
	switch (id) {
	case PCI_CAP_ID_PM:
	case PCI_CAP_ID_VPD:
	case PCI_CAP_ID_SSVID:
	case PCI_CAP_ID_SHPC:
		return 8;
	case PCI_CAP_ID_SLOTID:
	case PCI_CAP_ID_CHSWP:
	case PCI_CAP_ID_DBG:
		return 4;
	case PCI_CAP_ID_AGP:
	case PCI_CAP_ID_AGP3:
		return PCI_AGP_SIZEOF;
	case PCI_CAP_ID_MSIX:
		return PCI_CAP_MSIX_SIZEOF;
	case PCI_CAP_ID_AF:
		return PCI_CAP_AF_SIZEOF;
	case PCI_CAP_ID_MSI:
		d0 >>= 16;
		if (d0 & PCI_MSI_FLAGS_MASKBIT)
			return (d0 & PCI_MSI_FLAGS_64BIT ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32) + 8;
		return (d0 & PCI_MSI_FLAGS_64BIT ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32) + 2;
	case PCI_CAP_ID_PCIX:
		if (read(opaque, pos + PCI_X_STATUS, &d1))
			return 0;
		return d1 & (PCI_X_STATUS_266MHZ | PCI_X_STATUS_533MHZ) ?
		       PCI_CAP_PCIX_SIZEOF_V2 : PCI_CAP_PCIX_SIZEOF_V0;
	case PCI_CAP_ID_VNDR:
		return (d0 >> 16) & 0xff;
	case PCI_CAP_ID_EXP:
		/*
		 * Only version 1 is the short layout. Version 0 (the 82599 VF
		 * says so of a v2 structure) must not leave DEVCTL2 and the
		 * registers after it as unfiltered gap bytes.
		 */
		return ((d0 >> 16) & PCI_EXP_FLAGS_VERS) == 1 ?
		       PCI_CAP_EXP_ENDPOINT_SIZEOF_V1 : 0x3c;
	case PCI_CAP_ID_SATA:
		if (read(opaque, pos + PCI_SATA_REGS, &d1))
			return 0;
		return (d1 & PCI_SATA_REGS_MASK) == PCI_SATA_REGS_INLINE ?
		       PCI_SATA_SIZEOF_LONG : PCI_SATA_SIZEOF_SHORT;
	default:
		/* HT, CCRC, SECDEV, EA and unknown: up to the next one. */
		return 0;
	}
}

static u16 pa_cfg_ext_len(u16 id, unsigned int pos, pa_cfg_read_fn read, void *opaque)
{
	u32 hdr = 0;

	if (id != PCI_EXT_CAP_ID_VNDR && id != PCI_EXT_CAP_ID_DVSEC)
		return 0;
	/* VSEC and DVSEC share the length field's position. */
	if (read(opaque, pos + PCI_VNDR_HEADER, &hdr))
		return 0;
	return PCI_VNDR_HEADER_LEN(hdr);
}

/*
 * Find every capability. Lengths end at the next capability of the same
 * space (or its end) at the latest, so that no rule of one capability can
 * reach another's registers; 0 from the helpers means "up to the next".
 */
int pa_cfg_map_scan(struct pa_cfg_map *map, unsigned int cfg_size,
		    pa_cfg_read_fn read, void *opaque)
{
	unsigned int i, j, nstd, guard, pos;
	u32 d;
	int ret;

	map->nr = 0;
	map->cfg_size = cfg_size;
	map->vf = false;	/* the caller's to say */
	ret = read(opaque, PCI_COMMAND, &d);
	if (ret)
		return ret;
	if ((d >> 16) & PCI_STATUS_CAP_LIST) {
		ret = read(opaque, PCI_CAPABILITY_LIST & ~3, &d);
		if (ret)
			return ret;
		pos = (d >> (8 * (PCI_CAPABILITY_LIST & 3))) & 0xfc;
		for (guard = 48; pos >= PCI_STD_HEADER_SIZEOF && guard; guard--) {
			ret = read(opaque, pos, &d);
			if (ret)
				return ret;
			map->caps[map->nr].cap = PA_CFG_STD(d & 0xff);
			map->caps[map->nr].pos = pos;
			map->caps[map->nr].len = pa_cfg_std_len(d & 0xff, pos, read, opaque);
			map->nr++;
			pos = (d >> 8) & 0xfc;
		}
	}
	nstd = map->nr;
	pos = PCI_CFG_SPACE_SIZE;
	for (guard = 480; cfg_size > PCI_CFG_SPACE_SIZE && pos && guard; guard--) {
		if (map->nr == PA_CFG_MAX_CAPS)
			break;		/* the rest stays read-only */
		ret = read(opaque, pos, &d);
		if (ret)
			return ret;
		if (!d || d == 0xffffffffU)
			break;
		map->caps[map->nr].cap = PA_CFG_EXT(PCI_EXT_CAP_ID(d));
		map->caps[map->nr].pos = pos;
		map->caps[map->nr].len = pa_cfg_ext_len(PCI_EXT_CAP_ID(d), pos, read, opaque);
		map->nr++;
		pos = PCI_EXT_CAP_NEXT(d);
		if (pos < PCI_CFG_SPACE_SIZE)
			break;
	}

	for (i = 0; i < map->nr; i++) {
		struct pa_cfg_cap *c = &map->caps[i];
		bool ext = i >= nstd;
		unsigned int end = ext ? cfg_size : PCI_CFG_SPACE_SIZE;

		for (j = ext ? nstd : 0; j < (ext ? map->nr : nstd); j++)
			if (map->caps[j].pos > c->pos && map->caps[j].pos < end)
				end = map->caps[j].pos;
		if (!c->len || c->pos + c->len > end)
			c->len = end - c->pos;
	}
	return 0;
}

/* The capability holding byte @pos; NULL for the header and gaps. */
const struct pa_cfg_cap *pa_cfg_map_find(const struct pa_cfg_map *map,
					 unsigned int pos)
{
	unsigned int i;

	for (i = 0; i < map->nr; i++)
		if (pos >= map->caps[i].pos && pos < map->caps[i].pos + map->caps[i].len)
			return &map->caps[i];
	return NULL;
}

/* Apply the rules of @cap (at @base, @len bytes) to byte @b of the access. */
static void pa_cfg_rules_byte(u16 cap, unsigned int base, unsigned int len,
			      unsigned int b, unsigned int shift,
			      struct pa_cfg_masks *m)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pa_cfg_rules); i++) {
		const struct pa_cfg_rule *rule = &pa_cfg_rules[i];
		unsigned int start = base + rule->offset, size = rule->size;
		u32 bits, w1c;

		if (rule->cap != cap)
			continue;
		if (!size) {
			if (len <= rule->offset)
				continue;
			size = len - rule->offset;
		}
		/* Registers past the end of a short capability do not exist. */
		if (rule->offset + size > len || b < start || b >= start + size)
			continue;
		/* Narrow registers carry a bit mask, wide ranges all or nothing. */
		bits = rule->mask ? 0xff : 0;
		w1c = rule->w1c ? 0xff : 0;
		if (size <= 4) {
			bits = (rule->mask >> (8 * (b - start))) & 0xff;
			w1c = (rule->w1c >> (8 * (b - start))) & 0xff;
		}
		switch (rule->policy) {
		case PA_CFG_RAW:
			m->write |= bits << shift;
			break;
		case PA_CFG_VIRT:
			m->virt |= bits << shift;
			break;
		case PA_CFG_HIDE:
			m->hide |= bits << shift;
			break;
		}
		m->zero |= (w1c & ~bits) << shift;
		if (bits)
			m->flags |= rule->flags;
	}
}

/*
 * A VF's header byte @b: the IDs and BARs its hardware does not show come
 * from the filter's copy, read-only; the memory-enable bit becomes the
 * owner's own (virtual) bit: the VF decodes whenever its PF says so.
 */
static void pa_cfg_vf_byte(unsigned int b, unsigned int shift,
			   struct pa_cfg_masks *m)
{
	u32 all = 0xffU << shift;

	if (b < PCI_COMMAND ||
	    (b >= PCI_BASE_ADDRESS_0 && b < PCI_BASE_ADDRESS_5 + 4)) {
		m->write &= ~all;
		m->virt &= ~all;
		m->hide &= ~all;
		m->zero &= ~all;
		m->fixed |= all;
	} else if (b == PCI_COMMAND) {
		m->write &= ~((u32)PCI_COMMAND_MEMORY << shift);
		m->virt |= (u32)PCI_COMMAND_MEMORY << shift;
	}
}

/* The masks of the access [pos, pos + len), one byte at a time. */
void pa_cfg_rules_masks(const struct pa_cfg_map *map, unsigned int pos,
			unsigned int len, struct pa_cfg_masks *m)
{
	unsigned int b;

	memset(m, 0, sizeof(*m));
	for (b = pos; b < pos + len; b++) {
		const struct pa_cfg_cap *c;
		unsigned int shift = 8 * (b - pos);

		if (b < PCI_STD_HEADER_SIZEOF) {
			pa_cfg_rules_byte(PA_CFG_HDR, 0, PCI_STD_HEADER_SIZEOF, b, shift, m);
			if (map->vf)
				pa_cfg_vf_byte(b, shift, m);
			continue;
		}
		c = pa_cfg_map_find(map, b);
		if (c)
			pa_cfg_rules_byte(c->cap, c->pos, c->len, b, shift, m);
		else if (b < PCI_CFG_SPACE_SIZE)
			m->write |= 0xffU << shift;	/* device-specific, raw */
	}
}

/*
 * The next piece of a write of [pos, pos + len) to carry out: from *@off
 * on, the widest naturally aligned run of bytes that all have writable
 * bits in @write. Returns its length and moves *@off to its start; 0 when
 * nothing is left. Bytes without writable bits are never written, so a
 * register next to a writable one is not rewritten with a stale value.
 */
unsigned int pa_cfg_next_piece(u32 write, unsigned int pos, unsigned int len,
			       unsigned int *off)
{
	unsigned int n, i;

	while (*off < len && !((write >> (8 * *off)) & 0xff))
		(*off)++;
	if (*off >= len)
		return 0;
	for (n = len; n > 1; n >>= 1) {
		if (((pos + *off) & (n - 1)) || *off + n > len)
			continue;
		for (i = 0; i < n; i++)
			if (!((write >> (8 * (*off + i))) & 0xff))
				break;
		if (i == n)
			break;
	}
	return n;
}
