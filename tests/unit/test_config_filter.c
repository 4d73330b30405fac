// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel config filter's allowlist (kmod/config_rules.c), built in
 * userspace over a fake config space: for the header, every standard and
 * extended capability ID Linux knows (and unknown ones), every register
 * of the table, which bits of a write reach the device, which are hidden
 * from reads or virtual, and how bytes between capabilities are treated.
 *
 * The expectations below are written out by hand from the policy in
 * config_rules.c's comments, not derived from its table; every row of the
 * table must be matched by one (table_rows_all_expected).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

#include "../../kmod/config_rules.c"

static u8 cfg[4096];

static int fake_read(void *opaque, unsigned int pos, u32 *val)
{
	(void)opaque;
	if (pos > sizeof(cfg) - 4 || (pos & 3))
		return -22;
	*val = cfg[pos] | cfg[pos + 1] << 8 | cfg[pos + 2] << 16 | (u32)cfg[pos + 3] << 24;
	return 0;
}

static void put16(unsigned int pos, u16 v)
{
	cfg[pos] = v & 0xff;
	cfg[pos + 1] = v >> 8;
}

static void put32(unsigned int pos, u32 v)
{
	put16(pos, v & 0xffff);
	put16(pos + 2, v >> 16);
}

/* An endpoint with no capabilities. */
static void cfg_reset(void)
{
	memset(cfg, 0, sizeof(cfg));
	put16(PCI_VENDOR_ID, 0x8086);
	put16(PCI_DEVICE_ID, 0x10d3);
}

/* Chain standard capabilities given as (id, pos) pairs, in that order. */
static void std_chain(unsigned int n, const u8 (*caps)[2])
{
	unsigned int i;

	put16(PCI_STATUS, PCI_STATUS_CAP_LIST);
	cfg[PCI_CAPABILITY_LIST] = caps[0][1];
	for (i = 0; i < n; i++) {
		cfg[caps[i][1]] = caps[i][0];
		cfg[caps[i][1] + 1] = i + 1 < n ? caps[i + 1][1] : 0;
	}
}

static void ext_cap(unsigned int pos, u16 id, unsigned int next)
{
	put32(pos, id | 1 << 16 | next << 20);
}

/* Registers a capability needs for its length to be known. */
static void std_fill(u8 id, unsigned int pos)
{
	switch (id) {
	case PCI_CAP_ID_MSI:	/* 64-bit, per-vector masking: 0x18 bytes */
		put16(pos + 2, 0x0180);
		break;
	case PCI_CAP_ID_VNDR:
		cfg[pos + 2] = 0x10;
		break;
	case PCI_CAP_ID_EXP:	/* v2 endpoint: 0x3c bytes */
		put16(pos + 2, 0x0002);
		put32(pos + 4, 0x10008fc0 | PCI_EXP_DEVCAP_FLR);
		break;
	case PCI_CAP_ID_AF:
		cfg[pos + 2] = 6;
		cfg[pos + 3] = PCI_AF_CAP_TP | PCI_AF_CAP_FLR;
		break;
	default:
		break;
	}
}

/* Expected masks of one register: (capability, offset, bytes, masks). */
struct expect {
	u16 cap;
	u16 off;
	u16 len;
	u32 write, virt, hide;
	u8 flags;
};

#define HDR		PA_CFG_HDR
#define STD(id)		PA_CFG_STD(PCI_CAP_ID_##id)
#define EXT(id)		PA_CFG_EXT(PCI_EXT_CAP_ID_##id)

static const struct expect expects[] = {
	/* IO, memory, master, MWI, parity, SERR; not INTx disable */
	{ HDR, 0x04, 2, 0x0157, 0, 0, PA_CFG_F_DECODE },
	/* status error bits, write-1-to-clear */
	{ HDR, 0x06, 2, 0xf900, 0, 0, 0 },
	{ HDR, 0x0c, 1, 0xff, 0, 0, 0 },		/* cache line size */
	{ HDR, 0x0d, 1, 0xff, 0, 0, 0 },		/* latency timer */
	{ HDR, 0x3c, 1, 0, 0xff, 0, 0 },		/* interrupt line: virtual */
	/* PMCSR: PME enable, data select, PME status; not the power state */
	{ STD(PM), 0x04, 2, 0x9f00, 0, 0, 0 },
	{ STD(VPD), 0x02, 2, 0xffff, 0, 0, 0 },
	{ STD(VPD), 0x04, 4, 0xffffffff, 0, 0, 0 },
	{ STD(PCIX), 0x02, 2, 0x0003, 0, 0, 0 },
	/* vendor-specific from its fourth byte to its length (0x10 here) */
	{ STD(VNDR), 0x03, 1, 0xff, 0, 0, 0 },
	{ STD(VNDR), 0x04, 4, 0xffffffff, 0, 0, 0 },
	{ STD(VNDR), 0x08, 4, 0xffffffff, 0, 0, 0 },
	{ STD(VNDR), 0x0c, 4, 0xffffffff, 0, 0, 0 },
	/* DEVCAP FLR hidden */
	{ STD(EXP), 0x04, 4, 0, 0, 0x10000000, 0 },
	/* DEVCTL: error reporting enables, relaxed ordering only */
	{ STD(EXP), 0x08, 2, 0x001f, 0, 0, 0 },
	/* DEVSTA: the four error bits, write-1-to-clear */
	{ STD(EXP), 0x0a, 2, 0x000f, 0, 0, 0 },
	/* DEVCTL2: completion timeout, AtomicOp requester, IDO */
	{ STD(EXP), 0x28, 2, 0x035f, 0, 0, 0 },
	{ STD(AF), 0x03, 1, 0, 0, 0x02, 0 },		/* AF FLR hidden */
	/* AER: status (RW1C), masks, severity, ECRC enables */
	{ EXT(ERR), 0x04, 4, 0xffffffff, 0, 0, 0 },
	{ EXT(ERR), 0x08, 4, 0xffffffff, 0, 0, 0 },
	{ EXT(ERR), 0x0c, 4, 0xffffffff, 0, 0, 0 },
	{ EXT(ERR), 0x10, 4, 0xffffffff, 0, 0, 0 },
	{ EXT(ERR), 0x14, 4, 0xffffffff, 0, 0, 0 },
	{ EXT(ERR), 0x18, 4, 0x00000140, 0, 0, 0 },
	{ EXT(PWR), 0x04, 1, 0xff, 0, 0, 0 },		/* data select */
	/* VSEC: after its 8-byte header to its length (0x18 here) */
	{ EXT(VNDR), 0x08, 4, 0xffffffff, 0, 0, 0 },
	{ EXT(VNDR), 0x0c, 4, 0xffffffff, 0, 0, 0 },
	{ EXT(VNDR), 0x10, 4, 0xffffffff, 0, 0, 0 },
	{ EXT(VNDR), 0x14, 4, 0xffffffff, 0, 0, 0 },
	/* DVSEC: after its 10-byte header to its length (0x18 here) */
	{ EXT(DVSEC), 0x0a, 2, 0xffff, 0, 0, 0 },
	{ EXT(DVSEC), 0x0c, 4, 0xffffffff, 0, 0, 0 },
	{ EXT(DVSEC), 0x10, 4, 0xffffffff, 0, 0, 0 },
	{ EXT(DVSEC), 0x14, 4, 0xffffffff, 0, 0, 0 },
};

/* Expected masks of byte @b of capability @cap (offset @off in it). */
static void expect_byte(u16 cap, unsigned int off, u8 *write, u8 *virt, u8 *hide,
			u8 *flags)
{
	size_t i;

	*write = *virt = *hide = *flags = 0;
	for (i = 0; i < ARRAY_SIZE(expects); i++) {
		const struct expect *e = &expects[i];
		unsigned int s;

		if (e->cap != cap || off < e->off || off >= e->off + e->len)
			continue;
		s = 8 * (off - e->off);
		*write |= e->write >> s;
		*virt |= e->virt >> s;
		*hide |= e->hide >> s;
		if ((e->write >> s) & 0xff)
			*flags |= e->flags;
	}
}

/*
 * Check bytes [from, to) of the map: inside [base, base + len) as
 * capability @cap; outside it, @gap is the write mask expected.
 */
static void check_range(const struct pa_cfg_map *map, unsigned int from, unsigned int to,
			u16 cap, unsigned int base, unsigned int len, u8 gap)
{
	unsigned int b;

	for (b = from; b < to; b++) {
		struct pa_cfg_masks m;
		u8 w, v, h, f;

		if (b >= base && b < base + len) {
			expect_byte(cap, b - base, &w, &v, &h, &f);
		} else {
			w = gap;
			v = h = f = 0;
		}
		pa_cfg_rules_masks(map, b, 1, &m);
		if (m.write != w || m.virt != v || m.hide != h || m.flags != f || m.zero)
			fail_msg("cap 0x%04x at 0x%x: byte 0x%x: write 0x%02x virt 0x%02x hide 0x%02x "
				 "flags %u zero 0x%02x, expected 0x%02x 0x%02x 0x%02x %u 0",
				 cap, base, b, m.write, m.virt, m.hide, m.flags, m.zero, w, v, h, f);
		/* Wider accesses see the same bits. */
		if (!(b & 3) && b + 4 <= to) {
			struct pa_cfg_masks d;
			u32 bw = 0, bv = 0, bh = 0;
			unsigned int i;

			pa_cfg_rules_masks(map, b, 4, &d);
			for (i = 0; i < 4; i++) {
				struct pa_cfg_masks one;

				pa_cfg_rules_masks(map, b + i, 1, &one);
				bw |= one.write << (8 * i);
				bv |= one.virt << (8 * i);
				bh |= one.hide << (8 * i);
			}
			assert_int_equal(d.write, bw);
			assert_int_equal(d.virt, bv);
			assert_int_equal(d.hide, bh);
		}
	}
}

static void scan(struct pa_cfg_map *map, unsigned int size)
{
	assert_int_equal(pa_cfg_map_scan(map, size, fake_read, NULL), 0);
}

/* The header, with and without capabilities. */
static void header_bits(void **state)
{
	struct pa_cfg_map map;

	(void)state;
	cfg_reset();
	scan(&map, 256);
	assert_int_equal(map.nr, 0);
	check_range(&map, 0, PCI_STD_HEADER_SIZEOF, HDR, 0, PCI_STD_HEADER_SIZEOF, 0);
	/* No capability at all: 0x40-0xff are the device's own. */
	check_range(&map, PCI_STD_HEADER_SIZEOF, 0x100, HDR, 0, 0, 0xff);
}

/* Expected length of each standard capability as std_fill() builds it. */
static unsigned int std_len(u8 id)
{
	switch (id) {
	case PCI_CAP_ID_PM: case PCI_CAP_ID_VPD: case PCI_CAP_ID_PCIX:
	case PCI_CAP_ID_SHPC: case PCI_CAP_ID_SSVID: case PCI_CAP_ID_SATA:
		return 8;
	case PCI_CAP_ID_SLOTID: case PCI_CAP_ID_CHSWP: case PCI_CAP_ID_DBG:
		return 4;
	case PCI_CAP_ID_AGP: case PCI_CAP_ID_AGP3: case PCI_CAP_ID_MSIX:
		return 12;
	case PCI_CAP_ID_MSI: return 0x18;
	case PCI_CAP_ID_VNDR: return 0x10;
	case PCI_CAP_ID_EXP: return 0x3c;
	case PCI_CAP_ID_AF: return 6;
	default: return 0;	/* HT, CCRC, SECDEV, EA, unknown: to the next */
	}
}

/*
 * Every standard capability ID, alone at 0x50 (so 0x40-0x4f and whatever
 * follows it are gaps), then followed by a PM capability at 0xc0 (so
 * capabilities of unknown length end there).
 */
static void every_standard_capability(void **state)
{
	unsigned int id;

	(void)state;
	for (id = 1; id <= 0x16; id++) {
		const u8 one[1][2] = { { id, 0x50 } };
		const u8 two[2][2] = { { id, 0x50 }, { PCI_CAP_ID_PM, 0xc0 } };
		struct pa_cfg_map map;
		unsigned int len = std_len(id);

		cfg_reset();
		std_chain(1, one);
		std_fill(id, 0x50);
		scan(&map, 256);
		assert_int_equal(map.nr, 1);
		check_range(&map, 0x40, 0x100, PA_CFG_STD(id), 0x50, len ? len : 0xb0, 0xff);
		check_range(&map, 0, PCI_STD_HEADER_SIZEOF, HDR, 0, PCI_STD_HEADER_SIZEOF, 0);

		cfg_reset();
		std_chain(2, two);
		std_fill(id, 0x50);
		scan(&map, 256);
		assert_int_equal(map.nr, 2);
		check_range(&map, 0x40, 0xc0, PA_CFG_STD(id), 0x50, len ? len : 0x70, 0xff);
		check_range(&map, 0xc0, 0x100, STD(PM), 0xc0, 8, 0xff);
	}
}

/* A PCIe v1 capability has no DEVCTL2: those bytes are gaps after it. */
static void pcie_v1_short(void **state)
{
	const u8 one[1][2] = { { PCI_CAP_ID_EXP, 0x40 } };
	struct pa_cfg_map map;

	(void)state;
	cfg_reset();
	std_chain(1, one);
	put16(0x42, 0x0001);
	scan(&map, 256);
	check_range(&map, 0x40, 0x100, STD(EXP), 0x40, 0x14, 0xff);
}

/*
 * Version 0 (the 82599 VF reports it for a v2 structure) is sized as v2:
 * DEVCTL2 and what follows stay under the capability's rules, and DEVCTL2
 * gets exactly its v2 write mask, not a gap's.
 */
static void pcie_v0_sized_as_v2(void **state)
{
	const u8 one[1][2] = { { PCI_CAP_ID_EXP, 0x40 } };
	struct pa_cfg_map map;
	struct pa_cfg_masks m;

	(void)state;
	cfg_reset();
	std_chain(1, one);
	put16(0x42, 0x0000);
	scan(&map, 256);
	check_range(&map, 0x40, 0x100, STD(EXP), 0x40, 0x3c, 0xff);
	pa_cfg_rules_masks(&map, 0x40 + PCI_EXP_DEVCTL2, 2, &m);
	assert_int_equal(m.write, 0x035f);
}

/* Extended IDs: pci_regs.h's, the reserved ones between, and beyond. */
static const u16 ext_ids[] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
	0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a,
	0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x23, 0x25, 0x26, 0x29, 0x2a, 0x2e, 0x30,
	0x31, 0xffff,
};

/*
 * Every extended capability ID at 0x100, followed by a DSN at 0x200;
 * everything outside the capabilities with rules stays read-only.
 */
static void every_extended_capability(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ext_ids); i++) {
		const u8 exp[1][2] = { { PCI_CAP_ID_EXP, 0x40 } };
		u16 id = ext_ids[i];
		struct pa_cfg_map map;
		unsigned int len = 0x100;

		cfg_reset();
		std_chain(1, exp);
		std_fill(PCI_CAP_ID_EXP, 0x40);
		ext_cap(0x100, id, 0x200);
		ext_cap(0x200, PCI_EXT_CAP_ID_DSN, 0);
		if (id == PCI_EXT_CAP_ID_VNDR || id == PCI_EXT_CAP_ID_DVSEC) {
			put32(0x104, 0x018 << 20 | 0x1e98);
			len = 0x18;
		}
		scan(&map, 4096);
		assert_int_equal(map.nr, 3);
		check_range(&map, 0x100, 0x200, PA_CFG_EXT(id), 0x100, len, 0);
		check_range(&map, 0x200, 0x1000, EXT(DSN), 0x200, 0xe00, 0);
		/* The standard side is as before. */
		check_range(&map, 0x40, 0x100, STD(EXP), 0x40, 0x3c, 0xff);
	}
}

/* A vendor capability claiming more than there is ends at the next one. */
static void lengths_end_at_next_capability(void **state)
{
	const u8 two[2][2] = { { PCI_CAP_ID_VNDR, 0x40 }, { PCI_CAP_ID_MSI, 0x48 } };
	struct pa_cfg_map map;

	(void)state;
	cfg_reset();
	std_chain(2, two);
	cfg[0x42] = 0x40;		/* would cover the MSI capability */
	std_fill(PCI_CAP_ID_MSI, 0x48);
	ext_cap(0x100, PCI_EXT_CAP_ID_VNDR, 0x110);
	put32(0x104, 0xfff << 20);	/* 4 KiB: would cover the ACS below */
	ext_cap(0x110, PCI_EXT_CAP_ID_ACS, 0);
	scan(&map, 4096);
	check_range(&map, 0x40, 0x48, STD(VNDR), 0x40, 8, 0xff);
	check_range(&map, 0x48, 0x60, STD(MSI), 0x48, 0x18, 0xff);
	check_range(&map, 0x110, 0x1000, EXT(ACS), 0x110, 0xef0, 0);
	for (unsigned int b = 0x108; b < 0x110; b++) {
		struct pa_cfg_masks m;

		pa_cfg_rules_masks(&map, b, 1, &m);
		assert_int_equal(m.write, 0xff);
	}
}

/* Loops and chains running off the end terminate; 256-byte devices have no extended space. */
static void broken_chains(void **state)
{
	const u8 loop[2][2] = { { PCI_CAP_ID_PM, 0x40 }, { PCI_CAP_ID_MSI, 0x50 } };
	struct pa_cfg_map map;

	(void)state;
	cfg_reset();
	std_chain(2, loop);
	cfg[0x51] = 0x40;		/* back to the first */
	ext_cap(0x100, PCI_EXT_CAP_ID_ERR, 0x100);	/* points at itself */
	scan(&map, 4096);
	assert_true(map.nr <= PA_CFG_MAX_CAPS);
	scan(&map, 256);
	for (unsigned int i = 0; i < map.nr; i++)
		assert_false(PA_CFG_IS_EXT(map.caps[i].cap));
	/* A pointer into the header ends the list. */
	cfg_reset();
	put16(PCI_STATUS, PCI_STATUS_CAP_LIST);
	cfg[PCI_CAPABILITY_LIST] = 0x10;
	scan(&map, 256);
	assert_int_equal(map.nr, 0);
	check_range(&map, 0x10, 0x28, HDR, 0, PCI_STD_HEADER_SIZEOF, 0);
}

/* What a write of the device's registers becomes (pa_cfg_merge). */
static void devctl_and_pm_guards(void **state)
{
	const u8 caps[2][2] = { { PCI_CAP_ID_PM, 0x40 }, { PCI_CAP_ID_EXP, 0x50 } };
	struct pa_cfg_map map;
	struct pa_cfg_masks m;
	/* Host: MPS 256, MRRS 512, no-snoop, relaxed ordering, ext tags, AUX PM. */
	u32 host = 0x2000 | 0x0020 | 0x0800 | 0x0010 | 0x0100 | 0x0400;
	u32 got;

	(void)state;
	cfg_reset();
	std_chain(2, caps);
	std_fill(PCI_CAP_ID_EXP, 0x50);
	scan(&map, 256);
	pa_cfg_rules_masks(&map, 0x50 + PCI_EXP_DEVCTL, 2, &m);
	/* All ones: MPS 4096, MRRS 4096, phantom, FLR, AUX... only the owner's bits land. */
	got = pa_cfg_merge(0xffff, host, m.write, m.zero);
	assert_int_equal(got & PCI_EXP_DEVCTL_PAYLOAD, 0x0020);
	assert_int_equal(got & PCI_EXP_DEVCTL_READRQ, 0x2000);
	assert_int_equal(got & (PCI_EXP_DEVCTL_PHANTOM | PCI_EXP_DEVCTL_BCR_FLR), 0);
	assert_int_equal(got & PCI_EXP_DEVCTL_AUX_PME, PCI_EXP_DEVCTL_AUX_PME);
	assert_int_equal(got & PCI_EXP_DEVCTL_EXT_TAG, PCI_EXP_DEVCTL_EXT_TAG);
	assert_int_equal(got & PCI_EXP_DEVCTL_NOSNOOP_EN, PCI_EXP_DEVCTL_NOSNOOP_EN);
	assert_int_equal(got & 0x1f, 0x1f);
	/* All zeros: the host's guarded bits stay set. */
	got = pa_cfg_merge(0, host, m.write, m.zero);
	assert_int_equal(got, host & ~0x1fu);
	/* PMCSR in D3hot: the owner cannot bring it to D0 or anywhere else. */
	pa_cfg_rules_masks(&map, 0x40 + PCI_PM_CTRL, 2, &m);
	assert_int_equal(pa_cfg_merge(0x0000, 0x0103, m.write, m.zero), 0x0003);
	assert_int_equal(pa_cfg_merge(0x8100, 0x0000, m.write, m.zero), 0x8100);
	/* A dword at DEVCTL: DEVSTA's error bits cleared only when asked. */
	pa_cfg_rules_masks(&map, 0x50 + PCI_EXP_DEVCTL, 4, &m);
	assert_int_equal(m.write, 0x000f001f);
}

/*
 * An SR-IOV VF: IDs and BARs (0xffff and 0 in its hardware) read from the
 * filter's copy and are never written; its memory-enable bit is virtual
 * (the hardware bit is hardwired 0), the rest of the command register as
 * for any function.
 */
static void vf_header(void **state)
{
	const u8 caps[1][2] = { { PCI_CAP_ID_EXP, 0x50 } };
	struct pa_cfg_map map;
	struct pa_cfg_masks m, pf;

	(void)state;
	cfg_reset();
	std_chain(1, caps);
	std_fill(PCI_CAP_ID_EXP, 0x50);
	scan(&map, 256);
	assert_false(map.vf);
	pa_cfg_rules_masks(&map, PCI_COMMAND, 2, &pf);
	map.vf = true;
	pa_cfg_rules_masks(&map, PCI_VENDOR_ID, 4, &m);
	assert_int_equal(m.fixed, 0xffffffff);
	assert_int_equal(m.write | m.virt | m.hide | m.zero, 0);
	for (unsigned int b = PCI_BASE_ADDRESS_0; b < PCI_CARDBUS_CIS; b += 4) {
		pa_cfg_rules_masks(&map, b, 4, &m);
		assert_int_equal(m.fixed, 0xffffffff);
		assert_int_equal(m.write | m.virt | m.hide | m.zero, 0);
	}
	pa_cfg_rules_masks(&map, PCI_COMMAND, 2, &m);
	assert_int_equal(m.virt, PCI_COMMAND_MEMORY);
	assert_int_equal(m.write, pf.write & ~PCI_COMMAND_MEMORY);
	assert_int_equal(m.fixed, 0);
	assert_true(m.flags & PA_CFG_F_DECODE);
	/* A dword at the command register: status as for any function. */
	pa_cfg_rules_masks(&map, PCI_COMMAND, 4, &m);
	assert_int_equal(m.virt, PCI_COMMAND_MEMORY);
	assert_int_equal(m.write >> 16, PA_STATUS_ERRORS);
	/* Nothing else of the header, or past it, changes. */
	pa_cfg_rules_masks(&map, PCI_CARDBUS_CIS, 4, &m);
	assert_int_equal(m.fixed | m.write, 0);
	pa_cfg_rules_masks(&map, PCI_INTERRUPT_LINE, 1, &m);
	assert_int_equal(m.virt, 0xff);
	assert_int_equal(m.fixed, 0);
	pa_cfg_rules_masks(&map, 0x50 + PCI_EXP_DEVCTL, 2, &m);
	assert_int_equal(m.fixed, 0);
	assert_int_equal(m.write, PA_DEVCTL_OWNER);
	/* A PF (or any other function) keeps its hardware bit. */
	map.vf = false;
	pa_cfg_rules_masks(&map, PCI_COMMAND, 2, &m);
	assert_int_equal(m.virt, 0);
	assert_true(m.write & PCI_COMMAND_MEMORY);
}

/* Write-1-to-clear bits that are not writable are written as 0. */
static void w1c_not_writable_written_as_zero(void **state)
{
	(void)state;
	assert_int_equal(pa_cfg_merge(0xffff, 0x8003, 0x0100, 0x8000), 0x0103);
	assert_int_equal(pa_cfg_merge(0x0000, 0x80ff, 0x00f0, 0x0000), 0x800f);
}

/* Pieces a write is carried out in: only bytes with writable bits. */
static void write_pieces(void **state)
{
	unsigned int off, n;

	(void)state;
	off = 0;	/* command (2 bytes) + status high byte */
	assert_int_equal(pa_cfg_next_piece(0xf9000157, 4, 4, &off), 2);
	assert_int_equal(off, 0);
	off += 2;
	assert_int_equal(pa_cfg_next_piece(0xf9000157, 4, 4, &off), 1);
	assert_int_equal(off, 3);
	off += 1;
	assert_int_equal(pa_cfg_next_piece(0xf9000157, 4, 4, &off), 0);
	off = 0;	/* all writable: one dword */
	assert_int_equal(pa_cfg_next_piece(0xffffffff, 0x40, 4, &off), 4);
	off = 0;	/* nothing writable */
	assert_int_equal(pa_cfg_next_piece(0, 0x40, 4, &off), 0);
	off = 0;	/* bytes 1 and 2 of a dword: two single bytes */
	assert_int_equal(pa_cfg_next_piece(0x00ffff00, 0x40, 4, &off), 1);
	assert_int_equal(off, 1);
	off = 2;
	assert_int_equal(pa_cfg_next_piece(0x00ffff00, 0x40, 4, &off), 1);
	assert_int_equal(off, 2);
	off = 0;	/* a word at an odd word offset */
	assert_int_equal(pa_cfg_next_piece(0xff00, 0x46, 2, &off), 1);
	assert_int_equal(off, 1);
	for (unsigned int w = 0; w < 256; w++) {
		u32 write = 0, seen = 0;

		for (int i = 0; i < 4; i++)
			if (w & (1u << i))
				write |= 0xffu << (8 * i);
		for (off = 0; (n = pa_cfg_next_piece(write, 0x40, 4, &off)); off += n) {
			assert_true(n == 1 || n == 2 || n == 4);
			assert_int_equal(off & (n - 1), 0);
			seen |= (n == 4 ? 0xffffffffu : ((1u << (8 * n)) - 1)) << (8 * off);
		}
		assert_int_equal(seen, write);
	}
}

/*
 * A write as config_filter.c carries it out, on the fake config space
 * taken as plain memory: what reaches the device.
 */
static void fake_filter_write(const struct pa_cfg_map *map, unsigned int pos,
			      unsigned int len, u32 val)
{
	struct pa_cfg_masks m, pm;
	unsigned int off, n;

	pa_cfg_rules_masks(map, pos, len, &m);
	for (off = 0; (n = pa_cfg_next_piece(m.write, pos, len, &off)); off += n) {
		u32 hw = 0, v;

		pa_cfg_rules_masks(map, pos + off, n, &pm);
		for (unsigned int i = 0; i < n; i++)
			hw |= (u32)cfg[pos + off + i] << (8 * i);
		v = pa_cfg_merge(val >> (8 * off), hw, pm.write, pm.zero);
		for (unsigned int i = 0; i < n; i++)
			cfg[pos + off + i] = v >> (8 * i);
	}
}

/* All ones over a whole PCIe device, dword by dword: what changed. */
static void whole_space_write(void **state)
{
	const u8 caps[3][2] = { { PCI_CAP_ID_PM, 0x40 }, { PCI_CAP_ID_MSI, 0x48 },
				{ PCI_CAP_ID_EXP, 0x60 } };
	static u8 before[4096];
	struct pa_cfg_map map;

	(void)state;
	cfg_reset();
	std_chain(3, caps);
	std_fill(PCI_CAP_ID_MSI, 0x48);
	std_fill(PCI_CAP_ID_EXP, 0x60);
	put16(0x60 + PCI_EXP_DEVCTL, 0x2810);		/* MRRS 512, no-snoop, relaxed */
	put16(0x40 + PCI_PM_CTRL, 0x0003);		/* D3hot */
	ext_cap(0x100, PCI_EXT_CAP_ID_ACS, 0x140);
	ext_cap(0x140, PCI_EXT_CAP_ID_ERR, 0);
	scan(&map, 4096);
	memcpy(before, cfg, sizeof(cfg));
	for (unsigned int pos = 0; pos < 4096; pos += 4)
		fake_filter_write(&map, pos, 4, 0xffffffff);
	for (unsigned int b = 0; b < 4096; b++) {
		u8 changed = before[b] ^ cfg[b], want;

		switch (b) {
		case 0x04: want = 0x57; break;		/* command */
		case 0x05: want = 0x01; break;		/* SERR */
		case 0x07: want = 0xf9; break;		/* status errors */
		case 0x0c: case 0x0d: want = 0xff; break;
		case 0x45: want = 0x9f; break;		/* PMCSR high byte */
		case 0x68: want = 0x0f; break;		/* DEVCTL: relaxed already set */
		case 0x6a: want = 0x0f; break;		/* DEVSTA */
		case 0x88: want = 0x5f; break;		/* DEVCTL2 */
		case 0x89: want = 0x03; break;
		default:
			/* 0x9c-0xff: after the PCIe capability, the device's own */
			if (b >= 0x9c && b < 0x100)
				want = 0xff;
			else if (b >= 0x144 && b < 0x158)	/* AER status, masks, severity */
				want = 0xff;
			else if (b == 0x158)			/* ECRC generation enable */
				want = 0x40;
			else if (b == 0x159)			/* ECRC check enable */
				want = 0x01;
			else
				want = 0;
		}
		if (changed != want)
			fail_msg("byte 0x%x: 0x%02x -> 0x%02x, expected change 0x%02x", b,
				 before[b], cfg[b], want);
	}
	/* The power state, payload sizes and no-snoop stayed the host's. */
	assert_int_equal(cfg[0x44] & 3, 3);
	assert_int_equal(cfg[0x69], 0x28);
}

/* Every register of the table is expected above with the same masks. */
static void table_rows_all_expected(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(pa_cfg_rules); i++) {
		const struct pa_cfg_rule *r = &pa_cfg_rules[i];
		bool found = !r->mask;	/* a documented read-only register */

		for (j = 0; j < ARRAY_SIZE(expects) && !found; j++)
			if (expects[j].cap == r->cap && expects[j].off == r->offset)
				found = true;
		if (!found)
			fail_msg("rule %zu (cap 0x%04x offset 0x%x) has no expectation", i,
				 r->cap, r->offset);
		/* VIRT only in the header, where the filter keeps its copy. */
		if (r->policy == PA_CFG_VIRT)
			assert_int_equal(r->cap, PA_CFG_HDR);
		if (r->size > 4)
			assert_true(r->mask == 0 || r->mask == PA_CFG_ALL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_bits),
		cmocka_unit_test(every_standard_capability),
		cmocka_unit_test(pcie_v1_short),
		cmocka_unit_test(pcie_v0_sized_as_v2),
		cmocka_unit_test(every_extended_capability),
		cmocka_unit_test(lengths_end_at_next_capability),
		cmocka_unit_test(broken_chains),
		cmocka_unit_test(devctl_and_pm_guards),
		cmocka_unit_test(w1c_not_writable_written_as_zero),
		cmocka_unit_test(vf_header),
		cmocka_unit_test(write_pieces),
		cmocka_unit_test(whole_space_write),
		cmocka_unit_test(table_rows_all_expected),
	};

	return cmocka_run_group_tests_name("config_filter", tests, NULL, NULL);
}
