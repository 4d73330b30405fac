// SPDX-License-Identifier: GPL-2.0
/* Unit tests of vconfig: the PCI Express capability rules and quirks. */
#include "test_vconfig.h"

/* A v2 endpoint with every register filled with ones. */
static uint8_t *full_pcie(struct mockdev *d, uint8_t pos, unsigned int ver, unsigned int type)
{
	uint8_t *c;

	c = cfg_add_pcie(d, pos, ver, type);
	memset(c + 4, 0xff, 0x3c - 4);
	return c;
}

static void pcie_v2_endpoint(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;
	uint8_t *c;

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	c = full_pcie(&d, 0x80, 2, PCI_EXP_TYPE_ENDPOINT);
	put16(c + PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_URRE |
	      0x2000 /* MRRS 512 */ | 0x0020 /* MPS 256 */);
	put16(c + PCI_EXP_LNKSTA, 0x1041 | PCI_EXP_LNKSTA_LT);
	vc = vc_open(&d, NULL);
	assert_int_equal(pa_vconfig_size(vc), 4096);
	assert_int_equal(pa_vconfig_find_cap(vc, PCI_CAP_ID_EXP), 0x80);
	/* FLR capability hidden */
	assert_int_equal(rd(vc, 0x84, 4), 0xffffffff & ~(uint32_t)PCI_EXP_DEVCAP_FLR);
	/* device control: host sizes, relaxed ordering + no snoop, no error reporting */
	assert_int_equal(rd(vc, 0x88, 2), 0x2000 | 0x0020 | PCI_EXP_DEVCTL_RELAX_EN |
			 PCI_EXP_DEVCTL_NOSNOOP_EN);
	assert_int_equal(rd(vc, 0x8a, 2), 0);	/* device status */
	assert_int_equal(rd(vc, 0x8c, 4), PCI_EXP_LNKCAP_SLS | PCI_EXP_LNKCAP_MLW |
			 PCI_EXP_LNKCAP_ASPMS | PCI_EXP_LNKCAP_L0SEL | PCI_EXP_LNKCAP_L1EL);
	assert_int_equal(rd(vc, 0x90, 2), 0xffff);	/* link control: copy */
	assert_int_equal(rd(vc, 0x92, 2), 0x1041 & 0x3ff);
	put16(c + PCI_EXP_LNKSTA, 0x0012);	/* retrained: read live */
	assert_int_equal(rd(vc, 0x92, 2), 0x0012);
	/* slot and root registers zeroed */
	for (unsigned int o = 0x94; o < 0xa4; o += 4)
		assert_int_equal(rd(vc, (uint16_t)o, 4), 0);
	/* the "2" registers: read-only copies */
	assert_int_equal(rd(vc, 0xa4, 4), 0xffffffff);
	assert_int_equal(rd(vc, 0xb8, 4), 0xffffffff);
	assert_int_equal(rd(vc, 0xbc, 4), 0);	/* past 0x3c */
	wr(vc, 0xa8, 2, 0);
	assert_int_equal(rd(vc, 0xa8, 2), 0xffff);
	assert_int_equal(d.nwrites, 0);
	pa_vconfig_free(vc);
}

static void pcie_devctl_flr_dropped(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;
	uint8_t *c;

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	c = full_pcie(&d, 0x80, 2, PCI_EXP_TYPE_ENDPOINT);
	put16(c + PCI_EXP_DEVCTL, 0);
	vc = vc_open(&d, NULL);
	wr(vc, 0x88, 2, PCI_EXP_DEVCTL_BCR_FLR | PCI_EXP_DEVCTL_URRE);
	assert_int_equal(rd(vc, 0x88, 2), PCI_EXP_DEVCTL_URRE);
	wr(vc, 0x88, 4, 0xffffffff);
	assert_int_equal(rd(vc, 0x88, 2), 0xffff & ~(PCI_EXP_DEVCTL_BCR_FLR |
						      PCI_EXP_DEVCTL_AUX_PME));
	assert_int_equal(rd(vc, 0x8a, 2), 0);
	wr(vc, 0x88, 1, 0);
	assert_int_equal(rd(vc, 0x88, 2), 0xff00 & ~(PCI_EXP_DEVCTL_BCR_FLR |
						      PCI_EXP_DEVCTL_AUX_PME));
	/* nothing, in particular no FLR, reached the device */
	assert_int_equal(d.nwrites, 0);
	assert_int_equal(get16(c + PCI_EXP_DEVCTL), 0);
	pa_vconfig_free(vc);
}

static void pcie_v1_size(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	full_pcie(&d, 0x80, 1, PCI_EXP_TYPE_LEG_END);
	vc = vc_open(&d, NULL);
	assert_int_equal(rd(vc, 0x80, 2), PCI_CAP_ID_EXP);
	assert_int_equal(rd(vc, 0x92, 2), 0x3ff);
	assert_int_equal(rd(vc, 0x94, 4), 0);	/* beyond 0x14: not exposed */
	assert_int_equal(rd(vc, 0xa4, 4), 0);
	pa_vconfig_free(vc);
	/* a v1 capability can sit where a v2 one would not fit */
	cfg_init(&d, 0x8086, 0x1234);
	full_pcie(&d, 0xe8, 1, PCI_EXP_TYPE_ENDPOINT);
	vc = vc_open(&d, NULL);
	pa_vconfig_free(vc);
	cfg_init(&d, 0x8086, 0x1234);
	cfg_add_pcie(&d, 0xf0, 1, PCI_EXP_TYPE_ENDPOINT);
	assert_int_equal(vc_open_err(&d, NULL), -EINVAL);
}

static void pcie_types(void **state)
{
	static const struct { unsigned int type; int ret; } cases[] = {
		{ PCI_EXP_TYPE_ENDPOINT, 0 },
		{ PCI_EXP_TYPE_LEG_END, 0 },
		{ PCI_EXP_TYPE_RC_END, 0 },
		{ PCI_EXP_TYPE_ROOT_PORT, -EINVAL },
		{ PCI_EXP_TYPE_UPSTREAM, -EINVAL },
		{ PCI_EXP_TYPE_DOWNSTREAM, -EINVAL },
		{ PCI_EXP_TYPE_PCI_BRIDGE, -EINVAL },
		{ PCI_EXP_TYPE_PCIE_BRIDGE, -EINVAL },
		{ PCI_EXP_TYPE_RC_EC, -EINVAL },
		{ 0xf, -EINVAL },
	};
	struct mockdev d;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cfg_init(&d, 0x8086, 0x1234);
		cfg_add_pcie(&d, 0x80, 2, cases[i].type);
		if (vc_open_err(&d, NULL) != cases[i].ret)
			fail_msg("type %u: expected %d", cases[i].type, cases[i].ret);
		if (cases[i].ret)
			assert_non_null(strstr(d.log, "endpoints"));
	}
}

static void pcie_bcm5761_short(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;

	(void)state;
	/* 0x34 bytes left before 0x100: accepted with a warning */
	cfg_init(&d, 0x14e4, 0x1684);
	full_pcie(&d, 0xcc, 2, PCI_EXP_TYPE_ENDPOINT);
	vc = vc_open(&d, NULL);
	assert_non_null(strstr(d.log, "non-standard size 0x34"));
	assert_int_equal(rd(vc, 0xcc + PCI_EXP_SLTCAP, 4), 0);
	assert_int_equal(rd(vc, 0xcc + PCI_EXP_DEVCTL2, 2), 0xffff);
	assert_int_equal(rd(vc, 0xfc, 4), 0xffffffff);	/* LNKCTL2/LNKSTA2 at 0x30 */
	pa_vconfig_free(vc);
	/* 0x30 bytes: too short */
	cfg_init(&d, 0x14e4, 0x1684);
	cfg_add_pcie(&d, 0xd0, 2, PCI_EXP_TYPE_ENDPOINT);
	assert_int_equal(vc_open_err(&d, NULL), -EINVAL);
	/* the full 0x3c fits exactly at 0xc4 */
	cfg_init(&d, 0x14e4, 0x1684);
	cfg_add_pcie(&d, 0xc4, 2, PCI_EXP_TYPE_ENDPOINT);
	d.log[0] = 0;
	vc = vc_open(&d, NULL);
	assert_null(strstr(d.log, "non-standard"));
	pa_vconfig_free(vc);
}

static void pcie_82599vf_version0(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;

	(void)state;
	cfg_init(&d, 0x8086, 0x10ed);
	full_pcie(&d, 0xa0, 0, PCI_EXP_TYPE_ENDPOINT);
	vc = vc_open(&d, NULL);
	assert_int_equal(rd(vc, 0xa0 + PCI_EXP_DEVCAP, 4),
			 0xffffffff & ~(uint32_t)PCI_EXP_DEVCAP_FLR);
	assert_int_equal(rd(vc, 0xa0 + PCI_EXP_DEVCAP2, 4), 0xffffffff);	/* v2 size */
	assert_int_equal(rd(vc, 0xa0 + PCI_EXP_SLTCAP, 4), 0);
	pa_vconfig_free(vc);
	/* version 0 on anything else is refused, so are versions above 2 */
	cfg_init(&d, 0x8086, 0x10ec);
	cfg_add_pcie(&d, 0xa0, 0, PCI_EXP_TYPE_ENDPOINT);
	assert_int_equal(vc_open_err(&d, NULL), -EINVAL);
	assert_non_null(strstr(d.log, "version 0"));
	cfg_init(&d, 0x8086, 0x1234);
	cfg_add_pcie(&d, 0xa0, 3, PCI_EXP_TYPE_ENDPOINT);
	assert_int_equal(vc_open_err(&d, NULL), -EINVAL);
}

/* Open the device, take the guest's view of all of config space, close. */
static void guest_view(struct mockdev *d, uint8_t *out)
{
	struct pa_vconfig *vc = vc_open(d, NULL);

	assert_int_equal(pa_vconfig_size(vc), 4096);
	for (unsigned int o = 0; o < 4096; o += 4)
		put32(out + o, rd(vc, (uint16_t)o, 4));
	pa_vconfig_free(vc);
}

/*
 * The quirk table's 82599 VF line: the VF's version 0 capability is shown
 * byte for byte as the same function's v2 one would be (version field
 * aside, which stays the device's); the same device ID under another
 * vendor, or the vendor's neighbouring IDs, get no quirk and are refused.
 */
static void pcie_quirk_82599vf_table(void **state)
{
	static const struct { uint16_t vid, did; } others[] = {
		{ 0x8086, 0x10ec }, { 0x8086, 0x10ee }, { 0x8087, 0x10ed }, { 0x10ed, 0x8086 },
	};
	static uint8_t v0[4096], v2[4096];
	struct mockdev d;
	uint8_t *pcie;

	(void)state;
	cfg_init(&d, 0x8086, 0x10ed);
	pcie = full_pcie(&d, 0xa0, 0, PCI_EXP_TYPE_ENDPOINT);
	put16(pcie + PCI_EXP_DEVCTL, 0x2000 | 0x0020);
	put32(d.cfg + 0x100, PCI_EXT_CAP_ID_ERR | 2 << 16 | 0x140 << 20);
	put32(d.cfg + 0x140, PCI_EXT_CAP_ID_DSN | 1 << 16);
	guest_view(&d, v0);
	assert_int_equal(v0[0xa0 + PCI_EXP_FLAGS] & PCI_EXP_FLAGS_VERS, 0);
	assert_int_equal(get32(v0 + 0xa0 + PCI_EXP_LNKCAP2), 0xffffffff);	/* v2 size */
	assert_int_equal(get32(v0 + 0x140), PCI_EXT_CAP_ID_DSN | 1 << 16);
	pcie[PCI_EXP_FLAGS] |= 2;
	guest_view(&d, v2);
	v2[0xa0 + PCI_EXP_FLAGS] &= (uint8_t)~PCI_EXP_FLAGS_VERS;
	assert_memory_equal(v0, v2, sizeof(v0));

	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		cfg_init(&d, others[i].vid, others[i].did);
		full_pcie(&d, 0xa0, 0, PCI_EXP_TYPE_ENDPOINT);
		if (vc_open_err(&d, NULL) != -EINVAL || !strstr(d.log, "version 0"))
			fail_msg("%04x:%04x: quirk applied, log: %s", others[i].vid,
				 others[i].did, d.log);
	}
}

static void pcie_flags_irq_live(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;
	uint8_t *c;

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	c = cfg_add_pcie(&d, 0x80, 2, PCI_EXP_TYPE_ENDPOINT);
	vc = vc_open(&d, NULL);
	put16(c + PCI_EXP_FLAGS, (uint16_t)(get16(c + PCI_EXP_FLAGS) | 3 << 9));
	assert_int_equal(rd(vc, 0x82, 2), 0x0002 | 3 << 9);
	wr(vc, 0x82, 2, 0);
	assert_int_equal(d.nwrites, 0);
	pa_vconfig_free(vc);
}

/*
 * A hidden duplicate PCIe capability whose size() fails (unsupported
 * version, or v2 cut short) still has a device control register (with
 * Initiate FLR) at +8: a passed-through vendor capability over it must be
 * refused, as for any known layout. Found by the fuzzer.
 */
static void pcie_hidden_duplicate_extent(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;
	int ret;

	(void)state;
	/* version 0 duplicate at 0xcc, vendor cap at 0xd0 over its DEVCTL */
	cfg_init(&d, 0x8086, 0x1234);
	cfg_add_pcie(&d, 0x40, 2, PCI_EXP_TYPE_ENDPOINT);
	cfg_add_pcie(&d, 0xcc, 0, PCI_EXP_TYPE_ENDPOINT);
	cfg_add_cap(&d, 0xd0, PCI_CAP_ID_VNDR)[2] = 8;
	ret = pa_vconfig_new(&mock_ops, &d, NULL, &vc);
	if (!ret) {
		/* had it been accepted: the guest reaches the hidden DEVCTL */
		wr(vc, 0xd4, 4, 0xffffffff);
		pa_vconfig_free(vc);
		fail_msg("accepted; device written at DEVCTL 0xd4: %d",
			 wrote_range(&d, 0xd4, 0xd6));
	}
	assert_int_equal(ret, -EINVAL);
	assert_non_null(strstr(d.log, "at 0xcc (0x3c bytes) overlaps"));
	/* same with an unknown version 3 and a vendor cap further in */
	cfg_init(&d, 0x8086, 0x1234);
	cfg_add_pcie(&d, 0x40, 2, PCI_EXP_TYPE_ENDPOINT);
	cfg_add_pcie(&d, 0x80, 3, PCI_EXP_TYPE_ENDPOINT);
	cfg_add_cap(&d, 0xa8, PCI_CAP_ID_VNDR)[2] = 8;	/* over DEVCTL2 */
	assert_int_equal(vc_open_err(&d, NULL), -EINVAL);
	/* a v2 duplicate too short for the bcm5761 quirk (0x30 bytes left) */
	cfg_init(&d, 0x8086, 0x1234);
	cfg_add_pcie(&d, 0x40, 2, PCI_EXP_TYPE_ENDPOINT);
	cfg_add_pcie(&d, 0xd0, 2, PCI_EXP_TYPE_ENDPOINT);
	cfg_add_cap(&d, 0xd4, PCI_CAP_ID_VNDR)[2] = 8;
	assert_int_equal(vc_open_err(&d, NULL), -EINVAL);
	/* a vendor cap right after the largest layout is fine, still hidden */
	cfg_init(&d, 0x8086, 0x1234);
	cfg_add_pcie(&d, 0x40, 2, PCI_EXP_TYPE_ENDPOINT);
	cfg_add_pcie(&d, 0x80, 0, PCI_EXP_TYPE_ENDPOINT);
	cfg_add_cap(&d, 0xbc, PCI_CAP_ID_VNDR)[2] = 8;
	vc = vc_open(&d, NULL);
	assert_int_equal(pa_vconfig_find_cap(vc, PCI_CAP_ID_EXP), 0x40);
	assert_int_equal(rd(vc, 0x80, 4), 0);
	wr(vc, 0x88, 4, 0xffffffff);
	assert_int_equal(d.nwrites, 0);
	pa_vconfig_free(vc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pcie_v2_endpoint),
		cmocka_unit_test(pcie_devctl_flr_dropped),
		cmocka_unit_test(pcie_v1_size),
		cmocka_unit_test(pcie_types),
		cmocka_unit_test(pcie_bcm5761_short),
		cmocka_unit_test(pcie_82599vf_version0),
		cmocka_unit_test(pcie_quirk_82599vf_table),
		cmocka_unit_test(pcie_flags_irq_live),
		cmocka_unit_test(pcie_hidden_duplicate_extent),
	};

	return cmocka_run_group_tests_name("vconfig_pcie", tests, NULL, NULL);
}
