/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The config filter's decisions, with no kernel calls: the allowlist of
 * writable config-space bits per capability and what an access of 1, 2 or
 * 4 bytes may change, hides or virtualizes. config_filter.c applies them
 * to the device; tests/unit/test_config_filter.c builds this file in
 * userspace against a fake config space (tests/unit/kshim.h supplies the
 * few kernel types it uses there).
 */
#ifndef PCIASSIGN_CONFIG_RULES_H
#define PCIASSIGN_CONFIG_RULES_H

#ifdef __KERNEL__
#include <linux/bits.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>
#else
#include "kshim.h"
#endif
#include <linux/pci_regs.h>

/* Added to pci_regs.h after 6.1. */
#ifndef PCI_EXT_CAP_ID_NPEM
#define PCI_EXT_CAP_ID_NPEM	0x29
#endif
#ifndef PCI_EXT_CAP_ID_PL_32GT
#define PCI_EXT_CAP_ID_PL_32GT	0x2A
#endif

/* A capability: PA_CFG_STD(PCI_CAP_ID_x) or PA_CFG_EXT(PCI_EXT_CAP_ID_x). */
#define PA_CFG_HDR		0x0000		/* the type 0 header, at 0 */
#define PA_CFG_STD(id)		(0x1000 | (id))
#define PA_CFG_EXT(id)		(0x2000 | (id))
#define PA_CFG_IS_EXT(cap)	(((cap) & 0xf000) == 0x2000)

/* What becomes of a rule's mask bits. */
enum pa_cfg_policy {
	PA_CFG_RAW,	/* writable: the owner's value reaches the device */
	PA_CFG_VIRT,	/* writable, but kept by the filter and read back from it */
	PA_CFG_HIDE,	/* read as 0, never written */
};

/* The write may change memory decode: BAR mappings must follow. */
#define PA_CFG_F_DECODE	BIT(0)

/* Every bit of every byte the rule covers. */
#define PA_CFG_ALL	0xffffffffU

/* Capabilities recorded per device; more extended ones stay read-only. */
#define PA_CFG_MAX_CAPS	96

struct pa_cfg_cap {
	u16 cap;		/* PA_CFG_STD()/PA_CFG_EXT() */
	u16 pos;
	u16 len;		/* bytes, up to the next capability at most */
};

/* Where a device's capabilities are, found once per attach. */
struct pa_cfg_map {
	unsigned int nr;
	unsigned int cfg_size;	/* 256 or 4096 */
	/*
	 * An SR-IOV virtual function: its IDs and BARs read 0xffff and 0 in
	 * hardware (they are the PF's SR-IOV capability's) and its memory
	 * decode is the PF's, so the filter shows IDs and BARs from its copy
	 * and keeps the memory-enable bit there, for the owner alone.
	 */
	bool vf;
	struct pa_cfg_cap caps[PA_CFG_MAX_CAPS];
};

/* What one access of 1, 2 or 4 bytes may do, as masks aligned to it. */
struct pa_cfg_masks {
	u32 write;		/* bits the owner's value reaches the device with */
	u32 zero;		/* write-1-to-clear bits written as 0, not kept */
	u32 virt;		/* bits read from and written to the filter's copy */
	u32 hide;		/* bits read as 0 */
	u32 fixed;		/* bits read from the filter's copy, never written */
	u8 flags;		/* PA_CFG_F_* of the rules involved */
};

/* Reads a dword of the device's config space; 0 or -errno. */
typedef int (*pa_cfg_read_fn)(void *opaque, unsigned int pos, u32 *val);

int pa_cfg_map_scan(struct pa_cfg_map *map, unsigned int cfg_size,
		    pa_cfg_read_fn read, void *opaque);
const struct pa_cfg_cap *pa_cfg_map_find(const struct pa_cfg_map *map,
					 unsigned int pos);
void pa_cfg_rules_masks(const struct pa_cfg_map *map, unsigned int pos,
			unsigned int len, struct pa_cfg_masks *m);
unsigned int pa_cfg_next_piece(u32 write, unsigned int pos, unsigned int len,
			       unsigned int *off);

/* The value to write: the owner's writable bits, the device's others. */
static inline u32 pa_cfg_merge(u32 val, u32 hw, u32 write, u32 zero)
{
	return (val & write) | (hw & ~write & ~zero);
}

#endif /* PCIASSIGN_CONFIG_RULES_H */
