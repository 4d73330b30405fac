// SPDX-License-Identifier: GPL-2.0
/* Unit tests of vconfig: capability chain, MSI, MSI-X, PM, PCI-X, VPD, vendor. */
#include "test_vconfig.h"

/* MSI capability flags for a layout. */
static uint8_t *add_msi(struct mockdev *d, uint8_t pos, bool is64, bool pvm, unsigned int mmc)
{
	uint8_t *c = cfg_add_cap(d, pos, PCI_CAP_ID_MSI);

	put16(c + PCI_MSI_FLAGS, (uint16_t)((is64 ? PCI_MSI_FLAGS_64BIT : 0) |
					    (pvm ? PCI_MSI_FLAGS_MASKBIT : 0) | mmc << 1));
	return c;
}

static void chain_rebuilt_hides_others(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;
	uint8_t ids[16], pos[16];

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	cfg_add_cap(&d, 0x40, 0x0d);			/* bridge subsystem ID: hidden */
	cfg_add_cap(&d, 0x48, PCI_CAP_ID_PM);
	cfg_add_cap(&d, 0x50, PCI_CAP_ID_AF);		/* hidden */
	add_msi(&d, 0x60, false, false, 0);
	add_msi(&d, 0x70, true, false, 0);		/* second MSI: hidden */
	cfg_add_cap(&d, 0x80, PCI_CAP_ID_HT);		/* hidden */
	put32(d.cfg + 0x84, 0xdeadbeef);
	vc = vc_open(&d, NULL);
	assert_int_equal(guest_caps(vc, ids, pos, 16), 2);
	assert_int_equal(rd(vc, PCI_CAPABILITY_LIST, 1), 0x48);
	assert_int_equal(ids[0], PCI_CAP_ID_PM);
	assert_int_equal(ids[1], PCI_CAP_ID_MSI);
	assert_int_equal(pos[1], 0x60);
	assert_int_equal(rd(vc, 0x61, 1), 0);
	assert_true(rd(vc, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	/* hidden capabilities read 0 and ignore writes */
	assert_int_equal(rd(vc, 0x40, 4), 0);
	assert_int_equal(rd(vc, 0x70, 4), 0);
	assert_int_equal(rd(vc, 0x84, 4), 0);
	wr(vc, 0x84, 4, 1);
	assert_int_equal(rd(vc, 0x84, 4), 0);
	/* cap headers are read-only */
	wr(vc, 0x48, 2, 0x4005);
	assert_int_equal(rd(vc, 0x48, 2), 0x6001);
	assert_int_equal(d.nwrites, 0);
	pa_vconfig_free(vc);
}

static void chain_no_status_bit(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	cfg_add_cap(&d, 0x40, PCI_CAP_ID_PM);
	put16(d.cfg + PCI_STATUS, 0);	/* pointer without the status bit */
	vc = vc_open(&d, NULL);
	assert_int_equal(rd(vc, PCI_CAPABILITY_LIST, 1), 0);
	assert_int_equal(rd(vc, 0x40, 4), 0);
	pa_vconfig_free(vc);
}

static void chain_invalid_rejected(void **state)
{
	struct mockdev d;

	(void)state;
	/* loop */
	cfg_init(&d, 0x8086, 0x1234);
	cfg_add_cap(&d, 0x40, PCI_CAP_ID_PM);
	cfg_add_cap(&d, 0x50, 0x0d);
	d.cfg[0x51] = 0x40;
	assert_int_equal(vc_open_err(&d, NULL), -EINVAL);
	assert_non_null(strstr(d.log, "loop"));
	/* self loop */
	cfg_init(&d, 0x8086, 0x1234);
	cfg_add_cap(&d, 0x40, 0x0d);
	d.cfg[0x41] = 0x40;
	assert_int_equal(vc_open_err(&d, NULL), -EINVAL);
	/* misaligned */
	cfg_init(&d, 0x8086, 0x1234);
	cfg_add_cap(&d, 0x40, PCI_CAP_ID_PM);
	d.cfg[0x41] = 0x4a;
	assert_int_equal(vc_open_err(&d, NULL), -EINVAL);
	assert_non_null(strstr(d.log, "misaligned"));
	/* into the header */
	cfg_init(&d, 0x8086, 0x1234);
	cfg_add_cap(&d, 0x40, PCI_CAP_ID_PM);
	d.cfg[0x41] = 0x10;
	assert_int_equal(vc_open_err(&d, NULL), -EINVAL);
	cfg_init(&d, 0x8086, 0x1234);
	cfg_add_cap(&d, 0x3c, PCI_CAP_ID_PM);
	assert_int_equal(vc_open_err(&d, NULL), -EINVAL);
	/* overlap: MSI 64-bit (0x0e bytes) with a capability inside */
	cfg_init(&d, 0x8086, 0x1234);
	add_msi(&d, 0x40, true, false, 0);
	cfg_add_cap(&d, 0x48, 0x0d);
	assert_int_equal(vc_open_err(&d, NULL), -EINVAL);
	assert_non_null(strstr(d.log, "overlaps"));
	/* same layout with 32-bit MSI (0x0a bytes) does not overlap */
	cfg_init(&d, 0x8086, 0x1234);
	add_msi(&d, 0x40, false, false, 0);
	cfg_add_cap(&d, 0x4c, 0x0d);
	assert_int_equal(vc_open_err(&d, NULL), 0);
	/* a hidden duplicate MSI whose body covers a passed-through vendor cap */
	cfg_init(&d, 0x8086, 0x1234);
	add_msi(&d, 0x40, false, false, 0);
	add_msi(&d, 0x60, true, true, 0);
	cfg_add_cap(&d, 0x70, PCI_CAP_ID_VNDR)[2] = 8;
	assert_int_equal(vc_open_err(&d, NULL), -EINVAL);
	assert_non_null(strstr(d.log, "at 0x60 (0x18 bytes) overlaps"));
	/* past the end of config space */
	cfg_init(&d, 0x8086, 0x1234);
	add_msi(&d, 0xf0, true, true, 0);
	assert_int_equal(vc_open_err(&d, NULL), -EINVAL);
	/* a hidden capability is still walked */
	cfg_init(&d, 0x8086, 0x1234);
	cfg_add_cap(&d, 0x40, 0x0d);
	d.cfg[0x41] = 0x43;
	assert_int_equal(vc_open_err(&d, NULL), -EINVAL);
}

struct msi_case {
	bool is64, pvm;
	uint8_t size, data_off, mask_off;
};

static void msi_layouts(void **state)
{
	static const struct msi_case cases[] = {
		{ false, false, 0x0a, 0x08, 0 },
		{ true, false, 0x0e, 0x0c, 0 },
		{ false, true, 0x14, 0x08, 0x0c },
		{ true, true, 0x18, 0x0c, 0x10 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct msi_case *k = &cases[i];
		struct mockdev d;
		struct pa_vconfig *vc;
		struct pa_vconfig_msi m;
		uint8_t *c;

		cfg_init(&d, 0x8086, 0x1234);
		c = add_msi(&d, 0x50, k->is64, k->pvm, 2);	/* 4 vectors */
		put32(c + 4, 0xfee00000);
		put32(c + 8, 0x4321);
		c[PCI_MSI_FLAGS] |= PCI_MSI_FLAGS_ENABLE | 0x10;
		/* a capability right after the structure must not overlap */
		cfg_add_cap(&d, (uint8_t)(0x50 + ((k->size + 3) & ~3)), PCI_CAP_ID_VNDR)[2] = 4;
		vc = vc_open(&d, NULL);
		/* device state is not shown: disabled, zero address/data */
		assert_int_equal(rd(vc, 0x52, 2), get16(c + 2) & 0x18e);
		assert_int_equal(rd(vc, 0x54, 4), 0);
		assert_int_equal(rd(vc, 0x50 + k->data_off, 2), 0);

		wr(vc, 0x52, 2, 0xffff);
		assert_int_equal(rd(vc, 0x52, 2),
				 (get16(c + 2) & 0x18e) | PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
		wr(vc, 0x54, 4, 0xfee01007);
		assert_int_equal(rd(vc, 0x54, 4), 0xfee01004);
		if (k->is64) {
			wr(vc, 0x58, 4, 0x1);
			assert_int_equal(rd(vc, 0x58, 4), 1);
		}
		wr(vc, 0x50 + k->data_off, 2, 0x4041);
		assert_int_equal(rd(vc, 0x50 + k->data_off, 2), 0x4041);
		if (k->mask_off) {
			wr(vc, 0x50 + k->mask_off, 4, 0xffffffff);
			assert_int_equal(rd(vc, 0x50 + k->mask_off, 4), 0xf);
			wr(vc, 0x50 + k->mask_off + 4, 4, 0xffffffff);
			assert_int_equal(rd(vc, 0x50 + k->mask_off + 4, 4), 0);
		}
		assert_int_equal(pa_vconfig_get_msi(vc, &m), 0);
		assert_true(m.present && m.enabled);
		assert_int_equal(m.is64, k->is64);
		assert_int_equal(m.maskable, k->pvm);
		assert_int_equal(m.max_vectors, 4);
		assert_int_equal(m.vectors, 4);	/* MME 7 clamped to capability */
		assert_int_equal(m.address, k->is64 ? 0x1fee01004ull : 0xfee01004ull);
		assert_int_equal(m.data, 0x4041);
		assert_int_equal(m.mask, k->mask_off ? 0xf : 0);
		assert_true(count_ev(&d, PA_VCONFIG_EV_MSI, 0) >= 3);
		/* nothing of MSI reaches the device */
		assert_int_equal(d.nwrites, 0);
		assert_int_equal(get16(c + 2) & PCI_MSI_FLAGS_ENABLE, PCI_MSI_FLAGS_ENABLE);
		/* the vendor capability right after it is its own: passed through */
		wr(vc, (uint16_t)(0x50 + ((k->size + 3) & ~3) + 2), 2, 0x5a5a);
		assert_true(wrote_range(&d, 0x50 + ((k->size + 3) & ~3) + 2,
					0x50 + ((k->size + 3) & ~3) + 4));
		assert_false(wrote_range(&d, 0x50, 0x50 + k->size));
		pa_vconfig_free(vc);
	}
}

static void msi_mme_and_events(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;
	struct pa_vconfig_msi m;

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	add_msi(&d, 0x40, true, true, 5);	/* 32 vectors */
	vc = vc_open(&d, NULL);
	wr(vc, 0x42, 2, 3 << 4);
	pa_vconfig_get_msi(vc, &m);
	assert_int_equal(m.max_vectors, 32);
	assert_int_equal(m.vectors, 8);
	assert_false(m.enabled);
	wr(vc, 0x50, 4, 0xffffffff);	/* all 32 mask bits writable */
	pa_vconfig_get_msi(vc, &m);
	assert_int_equal(m.mask, 0xffffffff);
	d.nev = 0;
	wr(vc, 0x50, 4, 0xffffffff);	/* no change: no event */
	assert_int_equal(d.nev, 0);
	pa_vconfig_free(vc);
}

static void msix_emulated(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;
	struct pa_vconfig_msix x;
	uint8_t *c;

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	c = cfg_add_cap(&d, 0x70, PCI_CAP_ID_MSIX);
	put16(c + 2, 0x0007 | 0x0800);	/* 8 entries + a reserved bit */
	put32(c + 4, 0x00002003);	/* table: BAR3 + 0x2000 */
	put32(c + 8, 0x00003003);
	vc = vc_open(&d, NULL);
	assert_int_equal(rd(vc, 0x72, 2), 0x0007);
	wr(vc, 0x70, 4, 0xffffffff);
	assert_int_equal(rd(vc, 0x70, 4), 0xc0070011);
	wr(vc, 0x74, 4, 0);
	wr(vc, 0x78, 4, 0);
	assert_int_equal(rd(vc, 0x74, 4), 0x2003);
	assert_int_equal(rd(vc, 0x78, 4), 0x3003);
	pa_vconfig_get_msix(vc, &x);
	assert_true(x.present && x.enabled && x.masked);
	assert_int_equal(x.table_size, 8);
	assert_int_equal(x.table_bir, 3);
	assert_int_equal(x.table_offset, 0x2000);
	assert_int_equal(x.pba_bir, 3);
	assert_int_equal(x.pba_offset, 0x3000);
	assert_int_equal(count_ev(&d, PA_VCONFIG_EV_MSIX, 0), 1);
	wr(vc, 0x72, 2, PCI_MSIX_FLAGS_ENABLE);
	assert_int_equal(count_ev(&d, PA_VCONFIG_EV_MSIX, 0), 2);
	assert_int_equal(d.nwrites, 0);
	assert_int_equal(get16(c + 2), 0x0807);
	pa_vconfig_free(vc);
}

static void pm_policy(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;
	uint8_t *c;

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	c = cfg_add_cap(&d, 0x40, PCI_CAP_ID_PM);
	put16(c + PCI_PM_PMC, 0xffff);
	put16(c + PCI_PM_CTRL, 0x0103);	/* D3, PME enable */
	c[PCI_PM_PPB_EXTENSIONS] = 0xc0;
	c[PCI_PM_DATA_REGISTER] = 0x55;
	vc = vc_open(&d, NULL);
	assert_int_equal(rd(vc, 0x42, 2), PCI_PM_CAP_VER_MASK | PCI_PM_CAP_DSI);
	assert_int_equal(rd(vc, 0x44, 4), PCI_PM_CTRL_NO_SOFT_RESET);
	wr(vc, 0x44, 4, 0xffffffff);
	assert_int_equal(rd(vc, 0x44, 4), PCI_PM_CTRL_NO_SOFT_RESET | 3);
	wr(vc, 0x44, 2, 0);
	assert_int_equal(rd(vc, 0x44, 2), PCI_PM_CTRL_NO_SOFT_RESET);
	wr(vc, 0x42, 2, 0);
	assert_int_equal(rd(vc, 0x42, 2), PCI_PM_CAP_VER_MASK | PCI_PM_CAP_DSI);
	assert_int_equal(d.nwrites, 0);
	pa_vconfig_free(vc);
}

static void pcix_policy(void **state)
{
	struct mockdev d;
	struct pa_vconfig_opts o = { .guest_bus = 0x02, .guest_devfn = 0x18 };
	struct pa_vconfig *vc;
	uint8_t *c;

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	c = cfg_add_cap(&d, 0x40, PCI_CAP_ID_PCIX);
	put16(c + PCI_X_CMD, 0xffff);
	put32(c + PCI_X_STATUS, 0xffffffff);
	vc = vc_open(&d, &o);
	assert_int_equal(rd(vc, 0x42, 2), 0x007f);
	assert_int_equal(rd(vc, 0x44, 4),
			 (0xffffffff & ~0xffffu & ~(uint32_t)(PCI_X_STATUS_SPL_DISC |
			  PCI_X_STATUS_UNX_SPL | PCI_X_STATUS_SPL_ERR)) | 0x0218);
	wr(vc, 0x44, 4, 0);
	wr(vc, 0x42, 2, 0);
	assert_int_equal(rd(vc, 0x42, 2), 0x007f);
	assert_int_equal(rd(vc, 0x44, 4) & 0xffff, 0x0218);
	assert_int_equal(d.nwrites, 0);
	pa_vconfig_free(vc);
}

static void vpd_passthrough(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	cfg_add_cap(&d, 0x50, PCI_CAP_ID_VPD);
	put32(d.cfg + 0x54, 0x11223344);
	vc = vc_open(&d, NULL);
	assert_int_equal(rd(vc, 0x54, 4), 0x11223344);
	put32(d.cfg + 0x54, 0x55667788);	/* live */
	assert_int_equal(rd(vc, 0x54, 4), 0x55667788);
	wr(vc, 0x52, 2, 0x0040);		/* VPD address: forwarded as is */
	assert_int_equal(d.nwrites, 1);
	assert_int_equal(d.w[0].off, 0x52);
	assert_int_equal(d.w[0].len, 2);
	assert_int_equal(d.w[0].val, 0x0040);
	assert_int_equal(rd(vc, 0x52, 2), 0x0040);
	/* dword write over the header: only the direct half is forwarded */
	wr(vc, 0x50, 4, 0x8004ffff);
	assert_int_equal(d.nwrites, 2);
	assert_int_equal(d.w[1].off, 0x52);
	assert_int_equal(d.w[1].val, 0x8004);
	assert_int_equal(rd(vc, 0x50, 2), PCI_CAP_ID_VPD);
	pa_vconfig_free(vc);
}

static void vendor_caps_passthrough(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;
	uint8_t ids[8], pos[8];
	uint8_t *c;

	(void)state;
	cfg_init(&d, 0x1af4, 0x1041);
	c = cfg_add_cap(&d, 0x40, PCI_CAP_ID_VNDR);
	c[2] = 0x10;
	c[3] = 0xab;
	put32(c + 12, 0xcafef00d);
	c = cfg_add_cap(&d, 0x50, 0x0d);		/* hidden in between */
	c = cfg_add_cap(&d, 0x60, PCI_CAP_ID_VNDR);
	c[2] = 0x05;
	c[4] = 0x77;
	vc = vc_open(&d, NULL);
	assert_int_equal(guest_caps(vc, ids, pos, 8), 2);
	assert_int_equal(pos[0], 0x40);
	assert_int_equal(pos[1], 0x60);
	assert_int_equal(rd(vc, 0x40, 4), 0xab106009);
	assert_int_equal(rd(vc, 0x4c, 4), 0xcafef00d);
	assert_int_equal(rd(vc, 0x64, 1), 0x77);
	assert_int_equal(rd(vc, 0x65, 1), 0);	/* past its length: hidden */
	wr(vc, 0x4c, 4, 0x01020304);
	assert_int_equal(get32(d.cfg + 0x4c), 0x01020304);
	wr(vc, 0x64, 1, 0x99);
	assert_int_equal(d.cfg[0x64], 0x99);
	wr(vc, 0x65, 1, 0x99);
	assert_int_equal(d.cfg[0x65], 0);
	assert_int_equal(d.nwrites, 2);
	pa_vconfig_free(vc);

	/* too short a vendor capability */
	d.cfg[0x62] = 2;
	assert_int_equal(vc_open_err(&d, NULL), -EINVAL);
	assert_non_null(strstr(d.log, "vendor"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(chain_rebuilt_hides_others),
		cmocka_unit_test(chain_no_status_bit),
		cmocka_unit_test(chain_invalid_rejected),
		cmocka_unit_test(msi_layouts),
		cmocka_unit_test(msi_mme_and_events),
		cmocka_unit_test(msix_emulated),
		cmocka_unit_test(pm_policy),
		cmocka_unit_test(pcix_policy),
		cmocka_unit_test(vpd_passthrough),
		cmocka_unit_test(vendor_caps_passthrough),
	};

	return cmocka_run_group_tests_name("vconfig_caps", tests, NULL, NULL);
}
