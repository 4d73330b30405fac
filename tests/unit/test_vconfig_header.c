// SPDX-License-Identifier: GPL-2.0
/* Unit tests of vconfig: header, BARs, ROM, accesses, fixtures. */
#include "test_vconfig.h"

static void fixture_edu(void **state)
{
	struct mockdev d;
	struct pa_vconfig_opts o = { .bar_size = { 1 << 20 } };
	struct pa_vconfig *vc;
	uint8_t ids[16], pos[16];
	struct pa_vconfig_msi msi;

	(void)state;
	load_fixture(&d, "edu", 256);
	vc = vc_open(&d, &o);
	assert_int_equal(pa_vconfig_size(vc), 256);
	assert_int_equal(rd(vc, 0, 4), 0x11e81234);
	assert_int_equal(guest_caps(vc, ids, pos, 16), 1);
	assert_int_equal(ids[0], PCI_CAP_ID_MSI);
	assert_int_equal(pos[0], 0x40);
	assert_int_equal(pa_vconfig_get_msi(vc, &msi), 0);
	assert_true(msi.present && msi.is64 && !msi.maskable);
	/* host BAR address is hidden until the guest programs one */
	assert_int_equal(rd(vc, PCI_BASE_ADDRESS_0, 4), 0);
	assert_int_equal(rd(vc, 0x100, 4), 0);
	pa_vconfig_free(vc);
}

static void fixture_e1000e(void **state)
{
	struct mockdev d;
	struct pa_vconfig_opts o = {
		.bar_size = { 128 << 10, 128 << 10, 32, 16 << 10 },
	};
	struct pa_vconfig *vc;
	struct pa_vconfig_bar b;
	uint8_t ids[16], pos[16];

	(void)state;
	load_fixture(&d, "e1000e", 4096);
	vc = vc_open(&d, &o);
	assert_int_equal(pa_vconfig_size(vc), 4096);
	/* PM 0xc8, MSI 0xd0, PCIe 0xe0, MSI-X 0xa0, in device order */
	assert_int_equal(guest_caps(vc, ids, pos, 16), 4);
	assert_int_equal(ids[0], PCI_CAP_ID_PM);
	assert_int_equal(pos[0], 0xc8);
	assert_int_equal(ids[1], PCI_CAP_ID_MSI);
	assert_int_equal(ids[2], PCI_CAP_ID_EXP);
	assert_int_equal(ids[3], PCI_CAP_ID_MSIX);
	assert_int_equal(pos[3], 0xa0);
	/* AER at 0x100 and DSN at 0x140 are kept (test_vconfig_ext.c) */
	assert_int_equal(pa_vconfig_find_ext_cap(vc, PCI_EXT_CAP_ID_ERR), 0x100);
	assert_int_equal(pa_vconfig_get_bar(vc, 2, &b), 0);
	assert_true(b.io);
	assert_int_equal(b.size, 32);
	wr(vc, PCI_BASE_ADDRESS_2, 4, 0xffffffff);
	assert_int_equal(rd(vc, PCI_BASE_ADDRESS_2, 4), 0xffffffe1);
	assert_int_equal(d.nwrites, 0);
	pa_vconfig_free(vc);
}

static void fixture_nvme(void **state)
{
	struct mockdev d;
	struct pa_vconfig_opts o = { .bar_size = { 16 << 10 } };
	struct pa_vconfig *vc;
	struct pa_vconfig_bar b;
	struct pa_vconfig_msix x;

	(void)state;
	load_fixture(&d, "nvme", 4096);
	vc = vc_open(&d, &o);
	assert_int_equal(pa_vconfig_get_bar(vc, 0, &b), 0);
	assert_true(b.mem64);
	assert_int_equal(pa_vconfig_get_bar(vc, 1, &b), 0);
	assert_int_equal(b.size, 0);	/* upper half */
	assert_int_equal(pa_vconfig_get_msix(vc, &x), 0);
	assert_true(x.present);
	assert_int_equal(x.cap, 0x40);
	assert_int_equal(x.table_size, 65);
	assert_int_equal(x.table_bir, 0);
	assert_int_equal(x.table_offset, 0x2000);
	assert_int_equal(x.pba_offset, 0x3000);
	assert_int_equal(pa_vconfig_find_cap(vc, PCI_CAP_ID_EXP), 0x80);
	pa_vconfig_free(vc);
}

static void header_ids_readonly(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;

	(void)state;
	cfg_init(&d, 0x1af4, 0x1041);
	put16(d.cfg + PCI_SUBSYSTEM_VENDOR_ID, 0x1234);
	put16(d.cfg + PCI_SUBSYSTEM_ID, 0x5678);
	d.cfg[PCI_BIST] = 0x80;
	d.cfg[PCI_HEADER_TYPE] = 0x80;
	d.cfg[PCI_MIN_GNT] = 3;
	vc = vc_open(&d, NULL);
	wr(vc, PCI_VENDOR_ID, 4, 0);
	wr(vc, PCI_SUBSYSTEM_VENDOR_ID, 4, 0);
	wr(vc, PCI_CLASS_REVISION, 4, 0);
	wr(vc, PCI_INTERRUPT_PIN, 1, 3);
	assert_int_equal(rd(vc, PCI_VENDOR_ID, 2), 0x1af4);
	assert_int_equal(rd(vc, PCI_DEVICE_ID, 2), 0x1041);
	assert_int_equal(rd(vc, PCI_SUBSYSTEM_VENDOR_ID, 4), 0x56781234);
	assert_int_equal(rd(vc, PCI_CLASS_REVISION, 4), 0x02000010);
	assert_int_equal(rd(vc, PCI_BIST, 1), 0);
	assert_int_equal(rd(vc, PCI_HEADER_TYPE, 1), 0);	/* multifunction cleared */
	assert_int_equal(rd(vc, PCI_INTERRUPT_PIN, 1), 1);
	assert_int_equal(rd(vc, PCI_MIN_GNT, 1), 3);
	assert_int_equal(d.nwrites, 0);
	pa_vconfig_free(vc);
}

static void header_multifunction_opt(void **state)
{
	struct mockdev d;
	struct pa_vconfig_opts o = { .multifunction = true };
	struct pa_vconfig *vc;

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	vc = vc_open(&d, &o);
	assert_int_equal(rd(vc, PCI_HEADER_TYPE, 1), 0x80);
	pa_vconfig_free(vc);
}

static void header_writable_emulated(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;
	struct pa_vconfig_intx ix;

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	d.cfg[PCI_CACHE_LINE_SIZE] = 0x10;
	d.cfg[PCI_INTERRUPT_LINE] = 0x0b;
	vc = vc_open(&d, NULL);
	assert_int_equal(rd(vc, PCI_CACHE_LINE_SIZE, 1), 0x10);
	assert_int_equal(rd(vc, PCI_INTERRUPT_LINE, 1), 0);
	wr(vc, PCI_CACHE_LINE_SIZE, 2, 0x4008);
	wr(vc, PCI_INTERRUPT_LINE, 1, 5);
	assert_int_equal(rd(vc, PCI_CACHE_LINE_SIZE, 2), 0x4008);
	assert_int_equal(rd(vc, PCI_INTERRUPT_LINE, 1), 5);
	assert_int_equal(count_ev(&d, PA_VCONFIG_EV_INTX, 0), 1);
	assert_int_equal(pa_vconfig_get_intx(vc, &ix), 0);
	assert_int_equal(ix.pin, 1);
	assert_int_equal(ix.line, 5);
	assert_int_equal(d.nwrites, 0);
	assert_int_equal(d.cfg[PCI_CACHE_LINE_SIZE], 0x10);
	pa_vconfig_free(vc);
}

static void command_forwarding(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;
	struct pa_vconfig_intx ix;

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	put16(d.cfg + PCI_COMMAND, PCI_COMMAND_SERR | PCI_COMMAND_PARITY);
	put16(d.cfg + PCI_STATUS, PCI_STATUS_SIG_SYSTEM_ERROR);
	vc = vc_open(&d, NULL);
	assert_int_equal(rd(vc, PCI_COMMAND, 2), 0);
	/* dword write covering status: only the command word goes out */
	wr(vc, PCI_COMMAND, 4, 0xffff0000 | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
	   PCI_COMMAND_SPECIAL | PCI_COMMAND_INTX_DISABLE);
	assert_int_equal(d.nwrites, 1);
	assert_int_equal(d.w[0].off, PCI_COMMAND);
	assert_int_equal(d.w[0].len, 2);
	/* forwarded bits changed, other device bits preserved, special dropped */
	assert_int_equal(get16(d.cfg + PCI_COMMAND),
			 PCI_COMMAND_SERR | PCI_COMMAND_PARITY | PCI_COMMAND_MEMORY |
			 PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	assert_int_equal(get16(d.cfg + PCI_STATUS), PCI_STATUS_SIG_SYSTEM_ERROR);
	assert_int_equal(rd(vc, PCI_COMMAND, 2),
			 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	assert_int_equal(pa_vconfig_command(vc),
			 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	assert_int_equal(count_ev(&d, PA_VCONFIG_EV_COMMAND, 0), 1);
	pa_vconfig_get_intx(vc, &ix);
	assert_true(ix.disabled);
	/* the upper byte holds INTx-disable: forwarded as one byte */
	wr(vc, PCI_COMMAND + 1, 1, 0xff);
	assert_int_equal(d.nwrites, 2);
	assert_int_equal(d.w[1].off, PCI_COMMAND + 1);
	assert_int_equal(d.w[1].len, 1);
	wr(vc, PCI_STATUS, 2, 0);
	assert_int_equal(d.nwrites, 2);
	pa_vconfig_free(vc);
}

static void status_emulation(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	put16(d.cfg + PCI_STATUS, PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_DETECTED_PARITY |
	      PCI_STATUS_DEVSEL_MEDIUM | PCI_STATUS_CAP_LIST);
	d.cfg[PCI_CAPABILITY_LIST] = 0x40;
	d.cfg[0x40] = 0x08;	/* HyperTransport: hidden */
	vc = vc_open(&d, NULL);
	/* capability bit cleared: no capability survives */
	assert_int_equal(rd(vc, PCI_STATUS, 2), PCI_STATUS_REC_MASTER_ABORT |
			 PCI_STATUS_DETECTED_PARITY | PCI_STATUS_DEVSEL_MEDIUM);
	assert_int_equal(rd(vc, PCI_CAPABILITY_LIST, 1), 0);
	/* write-1-to-clear one error bit, the other stays */
	wr(vc, PCI_STATUS, 2, PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_DEVSEL_MASK);
	assert_int_equal(rd(vc, PCI_STATUS, 2), PCI_STATUS_DETECTED_PARITY |
			 PCI_STATUS_DEVSEL_MEDIUM);
	/* interrupt status is live */
	put16(d.cfg + PCI_STATUS, get16(d.cfg + PCI_STATUS) | PCI_STATUS_INTERRUPT);
	assert_true(rd(vc, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	assert_int_equal(d.nwrites, 0);
	pa_vconfig_free(vc);
}

static void bar_sizing_32_io_prefetch(void **state)
{
	struct mockdev d;
	struct pa_vconfig_opts o = { .bar_size = { 4096, 256, 1 << 20 } };
	struct pa_vconfig *vc;
	struct pa_vconfig_bar b;

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	put32(d.cfg + PCI_BASE_ADDRESS_0, 0xfe000000);
	put32(d.cfg + PCI_BASE_ADDRESS_1, 0xc001);
	put32(d.cfg + PCI_BASE_ADDRESS_2, 0xe0000008);	/* prefetchable */
	vc = vc_open(&d, &o);
	for (unsigned int i = 0; i < 6; i++)
		wr(vc, PCI_BASE_ADDRESS_0 + 4 * i, 4, 0xffffffff);
	assert_int_equal(rd(vc, PCI_BASE_ADDRESS_0, 4), 0xfffff000);
	assert_int_equal(rd(vc, PCI_BASE_ADDRESS_1, 4), 0xffffff01);
	assert_int_equal(rd(vc, PCI_BASE_ADDRESS_2, 4), 0xfff00008);
	assert_int_equal(rd(vc, PCI_BASE_ADDRESS_3, 4), 0);	/* absent */
	assert_int_equal(rd(vc, PCI_BASE_ADDRESS_5, 4), 0);
	wr(vc, PCI_BASE_ADDRESS_0, 4, 0x12345678);
	assert_int_equal(rd(vc, PCI_BASE_ADDRESS_0, 4), 0x12345000);
	assert_int_equal(pa_vconfig_get_bar(vc, 2, &b), 0);
	assert_true(b.prefetch);
	assert_false(b.io || b.mem64);
	assert_int_equal(d.nwrites, 0);
	assert_int_equal(get32(d.cfg + PCI_BASE_ADDRESS_0), 0xfe000000);
	pa_vconfig_free(vc);
}

static void bar_64bit_pair_and_notify(void **state)
{
	struct mockdev d;
	struct pa_vconfig_opts o = { .bar_size = { 1ull << 33, 0, 16 } };
	struct pa_vconfig *vc;
	struct pa_vconfig_bar b;

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	put32(d.cfg + PCI_BASE_ADDRESS_0, 0x0000000c);	/* 64-bit prefetchable */
	put32(d.cfg + PCI_BASE_ADDRESS_2, 0x1);
	vc = vc_open(&d, &o);
	wr(vc, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	wr(vc, PCI_BASE_ADDRESS_1, 4, 0xffffffff);
	assert_int_equal(rd(vc, PCI_BASE_ADDRESS_0, 4), 0x0000000c);
	assert_int_equal(rd(vc, PCI_BASE_ADDRESS_1, 4), 0xfffffffe);
	wr(vc, PCI_BASE_ADDRESS_0, 4, 0);
	wr(vc, PCI_BASE_ADDRESS_1, 4, 0x4);
	assert_int_equal(pa_vconfig_get_bar(vc, 0, &b), 0);
	assert_true(b.mem64 && b.prefetch && !b.enabled && !b.mapped);
	assert_int_equal(b.addr, 0x400000000ull);
	assert_int_equal(b.size, 1ull << 33);
	assert_int_equal(d.nev, 0);
	/* memory decode on: BAR0 gets mapped, the I/O BAR does not */
	wr(vc, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(count_ev(&d, PA_VCONFIG_EV_BAR, 0), 1);
	assert_int_equal(count_ev(&d, PA_VCONFIG_EV_BAR, 2), 0);
	pa_vconfig_get_bar(vc, 0, &b);
	assert_true(b.enabled && b.mapped);
	/* moving while mapped notifies again, sizing unmaps */
	wr(vc, PCI_BASE_ADDRESS_1, 4, 0x8);
	assert_int_equal(count_ev(&d, PA_VCONFIG_EV_BAR, 0), 2);
	wr(vc, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	wr(vc, PCI_BASE_ADDRESS_1, 4, 0xffffffff);
	pa_vconfig_get_bar(vc, 0, &b);
	assert_false(b.mapped);
	/* I/O: enabled by the I/O bit, 64 KiB limit */
	wr(vc, PCI_BASE_ADDRESS_2, 4, 0xfff0);
	wr(vc, PCI_COMMAND, 2, PCI_COMMAND_IO);
	pa_vconfig_get_bar(vc, 2, &b);
	assert_true(b.io && b.mapped);
	assert_int_equal(b.addr, 0xfff0);
	wr(vc, PCI_BASE_ADDRESS_2, 4, 0xfffffff0);
	pa_vconfig_get_bar(vc, 2, &b);
	assert_false(b.mapped);
	assert_false(wrote_range(&d, 0x10, 0x28));
	pa_vconfig_free(vc);
}

static void bar_bad_opts(void **state)
{
	struct mockdev d;
	struct pa_vconfig_opts o = { .bar_size = { 3000 } };

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	assert_int_equal(vc_open_err(&d, &o), -EINVAL);
	o.bar_size[0] = 8;	/* memory BAR below 16 bytes */
	assert_int_equal(vc_open_err(&d, &o), -EINVAL);
	o.bar_size[0] = 1ull << 32;	/* too large for 32-bit */
	assert_int_equal(vc_open_err(&d, &o), -EINVAL);
	o.bar_size[0] = 0;
	o.bar_size[5] = 4096;
	put32(d.cfg + PCI_BASE_ADDRESS_5, 0x4);	/* 64-bit in the last slot */
	assert_int_equal(vc_open_err(&d, &o), -EINVAL);
	assert_non_null(strstr(d.log, "BAR5"));
	put32(d.cfg + PCI_BASE_ADDRESS_5, 0);
	assert_int_equal(vc_open_err(&d, &o), 0);
	o.rom_size = 1024;
	assert_int_equal(vc_open_err(&d, &o), -EINVAL);
}

static void rom_bar(void **state)
{
	struct mockdev d;
	struct pa_vconfig_opts o = { .rom_size = 64 << 10 };
	struct pa_vconfig *vc;
	struct pa_vconfig_bar b;

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	put32(d.cfg + PCI_ROM_ADDRESS, 0xfeb80001);
	vc = vc_open(&d, &o);
	assert_int_equal(rd(vc, PCI_ROM_ADDRESS, 4), 0);
	wr(vc, PCI_ROM_ADDRESS, 4, 0xfffffffe);
	assert_int_equal(rd(vc, PCI_ROM_ADDRESS, 4), 0xffff0000);
	wr(vc, PCI_ROM_ADDRESS, 4, 0xc0000001);
	assert_int_equal(rd(vc, PCI_ROM_ADDRESS, 4), 0xc0000001);
	pa_vconfig_get_bar(vc, PA_VCONFIG_ROM_INDEX, &b);
	assert_true(!b.enabled && !b.mapped);
	wr(vc, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	pa_vconfig_get_bar(vc, PA_VCONFIG_ROM_INDEX, &b);
	assert_true(b.enabled && b.mapped);
	assert_int_equal(b.addr, 0xc0000000);
	assert_int_equal(count_ev(&d, PA_VCONFIG_EV_BAR, PA_VCONFIG_ROM_INDEX), 1);
	assert_false(wrote_range(&d, PCI_ROM_ADDRESS, PCI_ROM_ADDRESS + 4));
	pa_vconfig_free(vc);

	/* rombar=0: absent */
	o.rom_size = 0;
	vc = vc_open(&d, &o);
	wr(vc, PCI_ROM_ADDRESS, 4, 0xffffffff);
	assert_int_equal(rd(vc, PCI_ROM_ADDRESS, 4), 0);
	pa_vconfig_get_bar(vc, PA_VCONFIG_ROM_INDEX, &b);
	assert_int_equal(b.size, 0);
	pa_vconfig_free(vc);
}

static void access_rules(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;
	struct pa_vconfig_opts o = { .config_size = 4096 };
	uint32_t v;

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	vc = vc_open(&d, NULL);
	assert_int_equal(pa_vconfig_size(vc), 256);
	assert_int_equal(pa_vconfig_read(vc, 1, 2, &v), -EINVAL);
	assert_int_equal(pa_vconfig_read(vc, 2, 4, &v), -EINVAL);
	assert_int_equal(pa_vconfig_read(vc, 0, 3, &v), -EINVAL);
	assert_int_equal(pa_vconfig_read(vc, 0, 8, &v), -EINVAL);
	assert_int_equal(pa_vconfig_write(vc, 5, 2, 0), -EINVAL);
	assert_int_equal(pa_vconfig_write(vc, 4, 0, 0), -EINVAL);
	/* beyond the visible size: zeros, writes ignored */
	assert_int_equal(rd(vc, 0x100, 4), 0);
	assert_int_equal(rd(vc, 0xfffc, 4), 0);
	wr(vc, 0x104, 4, 0xffffffff);
	assert_int_equal(d.nwrites, 0);
	pa_vconfig_free(vc);

	vc = vc_open(&d, &o);
	assert_int_equal(pa_vconfig_size(vc), 4096);
	put32(d.cfg + 0x100, 0x00010001);
	assert_int_equal(rd(vc, 0x100, 4), 0);
	assert_int_equal(rd(vc, 0xffc, 4), 0);
	wr(vc, 0x100, 4, 0xffffffff);
	assert_int_equal(rd(vc, 0x100, 4), 0);
	assert_int_equal(d.nwrites, 0);
	pa_vconfig_free(vc);
	o.config_size = 512;
	assert_int_equal(vc_open_err(&d, &o), -EINVAL);
}

static void refuses_bad_devices(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	d.cfg[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_BRIDGE;
	assert_int_equal(vc_open_err(&d, NULL), -EINVAL);
	assert_non_null(strstr(d.log, "header type"));
	cfg_init(&d, 0xffff, 0xffff);
	assert_int_equal(vc_open_err(&d, NULL), -ENODEV);
	cfg_init(&d, 0x8086, 0x1234);
	d.read_err = -EIO;
	assert_int_equal(vc_open_err(&d, NULL), -EIO);
	assert_int_equal(pa_vconfig_new(NULL, &d, NULL, &vc), -EINVAL);
}

static void live_read_errors(void **state)
{
	struct mockdev d;
	struct pa_vconfig *vc;
	uint32_t v;

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	vc = vc_open(&d, NULL);
	d.read_err = -EIO;
	d.nreads = 0;
	/* fully emulated: no device access */
	assert_int_equal(pa_vconfig_read(vc, PCI_VENDOR_ID, 4, &v), 0);
	assert_int_equal(d.nreads, 0);
	/* status has a live bit */
	assert_int_equal(pa_vconfig_read(vc, PCI_STATUS, 2, &v), -EIO);
	assert_int_equal(v, 0xffffffff);
	/* the command write needs read-modify-write */
	assert_int_equal(pa_vconfig_write(vc, PCI_COMMAND, 2, PCI_COMMAND_MEMORY), -EIO);
	d.read_err = 0;
	d.write_err = -ENODEV;
	assert_int_equal(pa_vconfig_write(vc, PCI_COMMAND, 2, 0), -ENODEV);
	pa_vconfig_free(vc);
}

static void reset_restores(void **state)
{
	struct mockdev d;
	struct pa_vconfig_opts o = { .bar_size = { 4096 } };
	struct pa_vconfig *vc;

	(void)state;
	cfg_init(&d, 0x8086, 0x1234);
	vc = vc_open(&d, &o);
	wr(vc, PCI_BASE_ADDRESS_0, 4, 0xd0000000);
	wr(vc, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	wr(vc, PCI_INTERRUPT_LINE, 1, 9);
	d.nev = 0;
	pa_vconfig_reset(vc);
	assert_int_equal(rd(vc, PCI_BASE_ADDRESS_0, 4), 0);
	assert_int_equal(rd(vc, PCI_COMMAND, 2), 0);
	assert_int_equal(rd(vc, PCI_INTERRUPT_LINE, 1), 0);
	assert_int_equal(count_ev(&d, PA_VCONFIG_EV_BAR, 0), 1);
	assert_int_equal(count_ev(&d, PA_VCONFIG_EV_COMMAND, 0), 1);
	pa_vconfig_free(vc);
	pa_vconfig_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixture_edu),
		cmocka_unit_test(fixture_e1000e),
		cmocka_unit_test(fixture_nvme),
		cmocka_unit_test(header_ids_readonly),
		cmocka_unit_test(header_multifunction_opt),
		cmocka_unit_test(header_writable_emulated),
		cmocka_unit_test(command_forwarding),
		cmocka_unit_test(status_emulation),
		cmocka_unit_test(bar_sizing_32_io_prefetch),
		cmocka_unit_test(bar_64bit_pair_and_notify),
		cmocka_unit_test(bar_bad_opts),
		cmocka_unit_test(rom_bar),
		cmocka_unit_test(access_rules),
		cmocka_unit_test(refuses_bad_devices),
		cmocka_unit_test(live_read_errors),
		cmocka_unit_test(reset_restores),
	};

	return cmocka_run_group_tests_name("vconfig_header", tests, NULL, NULL);
}
