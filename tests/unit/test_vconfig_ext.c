// SPDX-License-Identifier: GPL-2.0
/* Unit tests of vconfig's extended config space: AER and DSN kept, the rest hidden. */
#include "test_vconfig.h"

#define EXT(id, ver, next)	((uint32_t)(id) | (uint32_t)(ver) << 16 | (uint32_t)(next) << 20)

/* A PCIe endpoint; ext_cap() adds its extended capabilities. */
static void ext_dev(struct mockdev *d)
{
	cfg_init(d, 0x8086, 0x1234);
	cfg_add_pcie(d, 0x40, 2, PCI_EXP_TYPE_ENDPOINT);
}

static void ext_cap(struct mockdev *d, uint16_t pos, uint16_t id, uint16_t next)
{
	put32(d->cfg + pos, EXT(id, 1, next));
}

static void e1000e_aer_dsn(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;

	(void)state;
	load_fixture(&d, "e1000e", 4096);
	vc = vc_open(&d, NULL);
	assert_int_equal(pa_vconfig_find_ext_cap(vc, PCI_EXT_CAP_ID_ERR), 0x100);
	assert_int_equal(pa_vconfig_find_ext_cap(vc, PCI_EXT_CAP_ID_DSN), 0x140);
	assert_int_equal(rd(vc, 0x100, 4), get32(d.cfg + 0x100));	/* already linked so */
	assert_int_equal(PCI_EXT_CAP_NEXT(rd(vc, 0x140, 4)), 0);
	/* The serial number is the device's, read-only. */
	assert_int_equal(rd(vc, 0x144, 4), get32(d.cfg + 0x144));
	assert_int_equal(rd(vc, 0x148, 4), get32(d.cfg + 0x148));
	wr(vc, 0x144, 4, 0x12345678);
	assert_int_equal(rd(vc, 0x144, 4), get32(d.cfg + 0x144));
	assert_int_equal(d.nwrites, 0);
	pa_vconfig_free(vc);
}

/* Status and header log come from the device; the guest cannot clear them. */
static void aer_status_live_readonly(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;

	(void)state;
	load_fixture(&d, "e1000e", 4096);
	vc = vc_open(&d, NULL);
	put32(d.cfg + 0x100 + PCI_ERR_UNCOR_STATUS, PCI_ERR_UNC_COMP_TIME);
	put32(d.cfg + 0x100 + PCI_ERR_COR_STATUS, PCI_ERR_COR_BAD_TLP);
	put32(d.cfg + 0x100 + PCI_ERR_HEADER_LOG + 8, 0xa5a5a5a5);
	assert_int_equal(rd(vc, 0x100 + PCI_ERR_UNCOR_STATUS, 4), PCI_ERR_UNC_COMP_TIME);
	assert_int_equal(rd(vc, 0x100 + PCI_ERR_COR_STATUS, 4), PCI_ERR_COR_BAD_TLP);
	assert_int_equal(rd(vc, 0x100 + PCI_ERR_HEADER_LOG + 8, 4), 0xa5a5a5a5);
	wr(vc, 0x100 + PCI_ERR_UNCOR_STATUS, 4, 0xffffffff);
	wr(vc, 0x100 + PCI_ERR_COR_STATUS, 4, 0xffffffff);
	assert_int_equal(d.nwrites, 0);
	assert_int_equal(rd(vc, 0x100 + PCI_ERR_UNCOR_STATUS, 4), PCI_ERR_UNC_COMP_TIME);
	pa_vconfig_free(vc);
}

/* Masks and severities are the guest's, never the device's. */
static void aer_controls_virtual(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;
	uint32_t sever;

	(void)state;
	load_fixture(&d, "e1000e", 4096);
	sever = get32(d.cfg + 0x100 + PCI_ERR_UNCOR_SEVER);
	vc = vc_open(&d, NULL);
	assert_int_equal(rd(vc, 0x100 + PCI_ERR_UNCOR_SEVER, 4), sever);
	wr(vc, 0x100 + PCI_ERR_UNCOR_MASK, 4, 0x00400000);
	wr(vc, 0x100 + PCI_ERR_UNCOR_SEVER, 4, 0);
	wr(vc, 0x100 + PCI_ERR_COR_MASK, 4, 0x1);
	wr(vc, 0x100 + PCI_ERR_CAP, 4, 0xffffffff);
	assert_int_equal(rd(vc, 0x100 + PCI_ERR_UNCOR_MASK, 4), 0x00400000);
	assert_int_equal(rd(vc, 0x100 + PCI_ERR_UNCOR_SEVER, 4), 0);
	assert_int_equal(rd(vc, 0x100 + PCI_ERR_COR_MASK, 4), 0x1);
	/* ECRC control stays as the device has it. */
	assert_int_equal(rd(vc, 0x100 + PCI_ERR_CAP, 4), get32(d.cfg + 0x100 + PCI_ERR_CAP));
	assert_int_equal(d.nwrites, 0);
	assert_int_equal(get32(d.cfg + 0x100 + PCI_ERR_UNCOR_SEVER), sever);
	pa_vconfig_free(vc);
}

/*
 * The first capability hidden: 0x100 becomes an ID-0 link to the first
 * kept one; hidden capabilities read 0 wherever they were.
 */
static void hidden_first_relinked(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;

	(void)state;
	ext_dev(&d);
	ext_cap(&d, 0x100, PCI_EXT_CAP_ID_LTR, 0x150);
	ext_cap(&d, 0x150, PCI_EXT_CAP_ID_DSN, 0x160);
	put32(d.cfg + 0x154, 0xcafe0001);
	ext_cap(&d, 0x160, PCI_EXT_CAP_ID_ACS, 0x200);
	put16(d.cfg + 0x166, 0x7f);		/* ACS control */
	ext_cap(&d, 0x200, PCI_EXT_CAP_ID_ERR, 0x300);
	ext_cap(&d, 0x300, PCI_EXT_CAP_ID_REBAR, 0);
	vc = vc_open(&d, NULL);
	assert_int_equal(rd(vc, 0x100, 4), EXT(0, 0, 0x150));
	assert_int_equal(rd(vc, 0x150, 4), EXT(PCI_EXT_CAP_ID_DSN, 1, 0x200));
	assert_int_equal(rd(vc, 0x154, 4), 0xcafe0001);
	assert_int_equal(rd(vc, 0x200, 4), EXT(PCI_EXT_CAP_ID_ERR, 1, 0));
	assert_int_equal(rd(vc, 0x160, 4), 0);
	assert_int_equal(rd(vc, 0x164, 4), 0);
	assert_int_equal(rd(vc, 0x300, 4), 0);
	assert_int_equal(pa_vconfig_find_ext_cap(vc, PCI_EXT_CAP_ID_ACS), 0);
	assert_int_equal(pa_vconfig_find_ext_cap(vc, PCI_EXT_CAP_ID_LTR), 0);
	assert_int_equal(pa_vconfig_find_ext_cap(vc, PCI_EXT_CAP_ID_ERR), 0x200);
	/* Writes to hidden capabilities go nowhere. */
	wr(vc, 0x164, 4, 0xffffffff);
	wr(vc, 0x304, 4, 0xffffffff);
	wr(vc, 0x100, 4, 0xffffffff);
	assert_int_equal(d.nwrites, 0);
	assert_int_equal(rd(vc, 0x100, 4), EXT(0, 0, 0x150));
	pa_vconfig_free(vc);
}

/*
 * The policy table, one ID at a time at 0x100 over a device whose extended
 * space is all ones: a kept ID shows exactly its size's bytes (AER's
 * endpoint layout, DSN's 12 bytes), a hidden one nothing at all.
 */
static void table_keep_hide_size(void **state)
{
	static const struct { uint16_t id; uint16_t size; } ids[] = {
		{ PCI_EXT_CAP_ID_ERR, PCI_ERR_ROOT_COMMAND },
		{ PCI_EXT_CAP_ID_DSN, PCI_EXT_CAP_DSN_SIZEOF },
		{ PCI_EXT_CAP_ID_ACS, 0 }, { PCI_EXT_CAP_ID_LTR, 0 },
		{ PCI_EXT_CAP_ID_SRIOV, 0 }, { PCI_EXT_CAP_ID_ATS, 0 },
		{ PCI_EXT_CAP_ID_REBAR, 0 }, { PCI_EXT_CAP_ID_VNDR, 0 },
		{ PCI_EXT_CAP_ID_DVSEC, 0 }, { PCI_EXT_CAP_ID_PWR, 0 },
	};
	struct mockdev d;
	struct pa_vconfig *vc;

	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		unsigned int size = ids[i].size, o;

		ext_dev(&d);
		memset(d.cfg + 0x104, 0xff, 0x100);
		ext_cap(&d, 0x100, ids[i].id, 0);
		vc = vc_open(&d, NULL);
		assert_int_equal(pa_vconfig_find_ext_cap(vc, ids[i].id), size ? 0x100 : 0);
		assert_int_equal(rd(vc, 0x100, 4), size ? EXT(ids[i].id, 1, 0) : 0);
		for (o = 0x104; o < 0x100 + size; o += 4)
			if (rd(vc, (uint16_t)o, 4) != 0xffffffff)
				fail_msg("ID 0x%x: 0x%x reads 0x%x", ids[i].id, o,
					 rd(vc, (uint16_t)o, 4));
		for (o = 0x100 + (size ? size : 4); o < 0x200; o += 4)
			if (rd(vc, (uint16_t)o, 4))
				fail_msg("ID 0x%x: 0x%x shown", ids[i].id, o);
		wr(vc, 0x104, 4, 0);
		assert_int_equal(d.nwrites, 0);
		pa_vconfig_free(vc);
	}
}

/* Only the first instance of each ID is kept. */
static void duplicates_hidden(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;

	(void)state;
	ext_dev(&d);
	ext_cap(&d, 0x100, PCI_EXT_CAP_ID_DSN, 0x110);
	ext_cap(&d, 0x110, PCI_EXT_CAP_ID_DSN, 0);
	vc = vc_open(&d, NULL);
	assert_int_equal(rd(vc, 0x100, 4), EXT(PCI_EXT_CAP_ID_DSN, 1, 0));
	assert_int_equal(rd(vc, 0x110, 4), 0);
	pa_vconfig_free(vc);
}

/* Broken lists end the walk where they break; init never hangs or fails. */
static void broken_lists(void **state)
{
	static const struct { uint16_t next; } bad[] = {
		{ 0x100 },	/* loops to itself */
		{ 0x0f8 },	/* below 0x100 */
		{ 0x152 },	/* misaligned */
		{ 0xffc },	/* AER would run past 4 KiB */
	};
	struct mockdev d;
	struct pa_vconfig *vc;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ext_dev(&d);
		ext_cap(&d, 0x100, PCI_EXT_CAP_ID_DSN, bad[i].next);
		if (bad[i].next >= 0x100 && !(bad[i].next & 3) && bad[i].next != 0x100)
			ext_cap(&d, bad[i].next, PCI_EXT_CAP_ID_ERR, 0);
		vc = vc_open(&d, NULL);
		assert_int_equal(pa_vconfig_find_ext_cap(vc, PCI_EXT_CAP_ID_DSN), 0x100);
		assert_int_equal(PCI_EXT_CAP_NEXT(rd(vc, 0x100, 4)), 0);
		assert_int_equal(pa_vconfig_find_ext_cap(vc, PCI_EXT_CAP_ID_ERR), 0);
		pa_vconfig_free(vc);
	}
	/* A long loop among hidden capabilities. */
	ext_dev(&d);
	ext_cap(&d, 0x100, PCI_EXT_CAP_ID_LTR, 0x180);
	ext_cap(&d, 0x180, PCI_EXT_CAP_ID_ACS, 0x100);
	vc = vc_open(&d, NULL);
	assert_int_equal(rd(vc, 0x100, 4), 0);
	assert_non_null(strstr(d.log, "loops"));
	pa_vconfig_free(vc);
}

/* No PCIe capability, or a 256-byte view: no extended space at all. */
static void no_extended_space(void **state)
{
	struct mockdev d;
	struct pa_vconfig_opts o = { .config_size = 256 };
	struct pa_vconfig *vc;

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	ext_cap(&d, 0x100, PCI_EXT_CAP_ID_DSN, 0);
	vc = vc_open(&d, NULL);
	assert_int_equal(pa_vconfig_size(vc), 256);
	assert_int_equal(rd(vc, 0x100, 4), 0);
	assert_int_equal(pa_vconfig_find_ext_cap(vc, PCI_EXT_CAP_ID_DSN), 0);
	pa_vconfig_free(vc);

	load_fixture(&d, "e1000e", 4096);
	vc = vc_open(&d, &o);
	assert_int_equal(rd(vc, 0x100, 4), 0);
	assert_int_equal(pa_vconfig_find_ext_cap(vc, PCI_EXT_CAP_ID_ERR), 0);
	pa_vconfig_free(vc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(e1000e_aer_dsn),
		cmocka_unit_test(aer_status_live_readonly),
		cmocka_unit_test(aer_controls_virtual),
		cmocka_unit_test(hidden_first_relinked),
		cmocka_unit_test(table_keep_hide_size),
		cmocka_unit_test(duplicates_hidden),
		cmocka_unit_test(broken_lists),
		cmocka_unit_test(no_extended_space),
	};

	return cmocka_run_group_tests_name("vconfig_ext", tests, NULL, NULL);
}
