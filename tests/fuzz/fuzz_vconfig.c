// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the vconfig engine.
 *
 * Input layout:
 *   [0]      flags: bit0 start from the built-in all-capabilities template
 *            (the config bytes below are XORed onto it) instead of raw
 *            bytes; bit1 inject device read errors; bit2 inject write
 *            errors; bit3 multifunction
 *   [1..6]   BAR sizes as log2 (0: absent)
 *   [7]      ROM size as log2 (0: none)
 *   [8]      config_size: 0 auto, 1 256, 2 4096, 3 bogus
 *   [9..10]  guest bus, devfn
 *   [11..15] unused
 *   [16..271] device config space (zero-padded)
 *   then 7-byte guest operations: op (bit0 write, bits1-2 size, bit3 reset),
 *   offset (le16), value (le32)
 *   and finally a fixed sweep writing all ones then zeros everywhere.
 *
 * The mock device records every byte it is written; the invariants below
 * abort() on violation, which libFuzzer reports as a crash.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pci_regs.h>

#include "vconfig.h"

#define HDR 16
#define CFG 256

struct fdev {
	uint8_t orig[4096];	/* config at creation */
	uint8_t cfg[4096];	/* current device state */
	bool allowed[CFG];	/* bytes a guest write may reach */
	bool forbidden[CFG];	/* bytes that must never be written */
	bool chain_broken;
	bool inited;
	unsigned int calls;
	bool read_err, write_err;
};

#define CHECK(c) do { if (!(c)) { \
	fprintf(stderr, "invariant failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

static uint16_t g16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t g32(const uint8_t *p) { return g16(p) | (uint32_t)g16(p + 2) << 16; }

static int f_read(void *opaque, uint16_t off, void *buf, size_t len)
{
	struct fdev *d = opaque;

	CHECK(len && off + len <= sizeof(d->cfg));
	if (d->read_err && ++d->calls % 7 == 3)
		return -5;
	memcpy(buf, d->cfg + off, len);
	return 0;
}

static int f_write(void *opaque, uint16_t off, const void *buf, size_t len)
{
	struct fdev *d = opaque;
	const uint8_t *b = buf;

	CHECK(d->inited);
	CHECK(len == 1 || len == 2 || len == 4);
	CHECK(off % len == 0 && off + len <= CFG);
	for (size_t i = 0; i < len; i++) {
		unsigned int o = off + (unsigned int)i;

		if (d->forbidden[o])
			fprintf(stderr, "device write at 0x%x (byte 0x%x)\n", off, o);
		CHECK(!d->forbidden[o]);
		if (!d->allowed[o])
			CHECK(b[i] == d->cfg[o]);	/* only rewritten unchanged */
		if (o == PCI_COMMAND)
			CHECK(((b[i] ^ d->cfg[o]) & ~0x07) == 0);
		if (o == PCI_COMMAND + 1)
			CHECK(((b[i] ^ d->cfg[o]) & ~0x04) == 0);
	}
	if (d->write_err && ++d->calls % 5 == 1)
		return -5;
	memcpy(d->cfg + off, buf, len);
	return 0;
}

static void f_notify(void *opaque, enum pa_vconfig_event ev, unsigned int index)
{
	(void)opaque;
	CHECK(ev <= PA_VCONFIG_EV_INTX);
	CHECK(ev != PA_VCONFIG_EV_BAR ? index == 0 : index <= PA_VCONFIG_ROM_INDEX);
}

static void f_log(void *opaque, const char *msg)
{
	(void)opaque;
	CHECK(strlen(msg) < 256);
}

static const struct pa_vconfig_ops fops = {
	.read = f_read, .write = f_write, .notify = f_notify, .log = f_log,
};

static void mark(bool *t, unsigned int lo, unsigned int hi)
{
	for (unsigned int i = lo; i < hi && i < CFG; i++)
		t[i] = true;
}

/*
 * Bytes of an MSI capability: its layout is fixed by read-only flag bits,
 * so bytes past it may legitimately belong to the next capability.
 */
static unsigned int msi_len(uint16_t flags)
{
	/* control, address (+ high), data */
	unsigned int n = flags & PCI_MSI_FLAGS_64BIT ? 0x0e : 0x0a;

	/* per-vector masking: 2 reserved bytes, mask, pending */
	return flags & PCI_MSI_FLAGS_MASKBIT ? n + 2 + 4 + 4 : n;
}

/*
 * Independent oracle over the device's list: what must never be written,
 * what may be, and whether the list is broken (then init must fail).
 */
static void oracle(struct fdev *d)
{
	bool seen[64] = { false }, vpd = false;
	uint8_t p;

	mark(d->forbidden, 0x00, 0x04);
	mark(d->forbidden, 0x06, 0x40);
	mark(d->allowed, 0x04, 0x06);
	if (!(g16(d->orig + PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return;
	for (p = d->orig[PCI_CAPABILITY_LIST]; p; p = d->orig[p + 1]) {
		if (p < 0x40 || (p & 3) || seen[p / 4]) {
			d->chain_broken = true;
			return;
		}
		seen[p / 4] = true;
		mark(d->forbidden, p, p + 2);	/* list headers */
		switch (d->orig[p]) {
		case PCI_CAP_ID_MSI:
			mark(d->forbidden, p, p + msi_len(g16(d->orig + p + PCI_MSI_FLAGS)));
			break;
		case PCI_CAP_ID_MSIX:
			mark(d->forbidden, p, p + 4);
			break;
		case PCI_CAP_ID_EXP:
			mark(d->forbidden, p + PCI_EXP_DEVCTL, p + PCI_EXP_DEVCTL + 2);
			break;
		case PCI_CAP_ID_VPD:
			if (!vpd)
				mark(d->allowed, p + 2, p + 8);
			vpd = true;
			break;
		case PCI_CAP_ID_VNDR:
			mark(d->allowed, p + 2, p + d->orig[p + 2]);
			break;
		default:
			break;
		}
	}
}

/* A function with one of everything, valid as is. */
static void template(uint8_t *c)
{
	static const struct { uint8_t pos, id, next; } caps[] = {
		{ 0x40, PCI_CAP_ID_PM, 0x48 }, { 0x48, PCI_CAP_ID_MSI, 0x60 },
		{ 0x60, PCI_CAP_ID_MSIX, 0x70 }, { 0x70, PCI_CAP_ID_EXP, 0xac },
		{ 0xac, PCI_CAP_ID_VPD, 0xb4 }, { 0xb4, PCI_CAP_ID_VNDR, 0xc4 },
		{ 0xc4, PCI_CAP_ID_PCIX, 0xcc }, { 0xcc, 0x0d, 0xd0 },
		{ 0xd0, PCI_CAP_ID_VNDR, 0 },
	};

	memset(c, 0, CFG);
	c[0] = 0x86; c[1] = 0x80; c[2] = 0x34; c[3] = 0x12;
	c[PCI_STATUS] = PCI_STATUS_CAP_LIST;
	c[PCI_CLASS_DEVICE + 1] = 0x02;
	c[PCI_BASE_ADDRESS_0] = 0x0c;		/* 64-bit prefetchable */
	c[PCI_BASE_ADDRESS_3] = 0x01;		/* I/O */
	c[PCI_CAPABILITY_LIST] = 0x40;
	c[PCI_INTERRUPT_PIN] = 1;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		c[caps[i].pos] = caps[i].id;
		c[caps[i].pos + 1] = caps[i].next;
	}
	c[0x42] = 0x03;				/* PM v3 */
	c[0x4a] = PCI_MSI_FLAGS_64BIT | (2 << 1);
	c[0x4b] = PCI_MSI_FLAGS_MASKBIT >> 8;
	c[0x62] = 0x07; c[0x64] = 0x02; c[0x68] = 0x02; c[0x69] = 0x08;
	c[0x72] = 0x02;				/* PCIe v2 endpoint */
	c[0x74] = 0xff; c[0x77] = 0x10;		/* FLR capable */
	c[0x78] = 0x0f; c[0x79] = 0x80;
	c[0xb6] = 0x10;
	c[0xd2] = 0x08;
}

static void check_guest(struct pa_vconfig *vc, struct fdev *d, const uint32_t *bar_flags)
{
	uint32_t v, st, ptr;
	unsigned int n = 0;
	bool seen_id[256] = { false };
	struct pa_vconfig_msi msi;
	struct pa_vconfig_msix msix;
	struct pa_vconfig_bar bar;
	bool rerr = d->read_err;

	d->read_err = false;	/* oracle reads must succeed */
	CHECK(pa_vconfig_read(vc, PCI_VENDOR_ID, 4, &v) == 0);
	CHECK(v == g32(d->orig));
	CHECK(pa_vconfig_read(vc, PCI_STATUS, 2, &st) == 0);
	CHECK(pa_vconfig_read(vc, PCI_CAPABILITY_LIST, 1, &ptr) == 0);
	CHECK(!!(st & PCI_STATUS_CAP_LIST) == !!ptr);
	while (ptr) {
		uint32_t id;

		CHECK(ptr >= 0x40 && ptr <= 0xfc && !(ptr & 3));
		CHECK(++n <= 48);
		CHECK(pa_vconfig_read(vc, (uint16_t)ptr, 1, &id) == 0);
		CHECK(id == PCI_CAP_ID_MSI || id == PCI_CAP_ID_MSIX || id == PCI_CAP_ID_PM ||
		      id == PCI_CAP_ID_EXP || id == PCI_CAP_ID_PCIX || id == PCI_CAP_ID_VPD ||
		      id == PCI_CAP_ID_VNDR);
		CHECK(id == PCI_CAP_ID_VNDR || !seen_id[id]);
		seen_id[id] = true;
		CHECK(pa_vconfig_read(vc, (uint16_t)(ptr + 1), 1, &ptr) == 0);
	}
	CHECK(pa_vconfig_read(vc, 0x100, 4, &v) == 0 && v == 0);
	for (unsigned int i = 0; i < 6; i++) {
		CHECK(pa_vconfig_read(vc, (uint16_t)(PCI_BASE_ADDRESS_0 + 4 * i), 4, &v) == 0);
		if (bar_flags[i] != ~0u)
			CHECK((v & 0xf & (bar_flags[i] & 1 ? 0x3 : 0xf)) == bar_flags[i]);
		CHECK(pa_vconfig_get_bar(vc, i, &bar) == 0);
		CHECK(!bar.mapped || bar.enabled);
		CHECK(!bar.size || !(bar.size & (bar.size - 1)));
	}
	CHECK(pa_vconfig_get_bar(vc, PA_VCONFIG_ROM_INDEX, &bar) == 0);
	CHECK(pa_vconfig_get_bar(vc, 7, &bar) < 0);
	CHECK(pa_vconfig_get_msi(vc, &msi) == 0);
	CHECK(!msi.present || (msi.vectors >= 1 && msi.vectors <= msi.max_vectors &&
			       msi.max_vectors <= 32));
	CHECK(pa_vconfig_get_msix(vc, &msix) == 0);
	CHECK(!msix.present || (msix.table_size >= 1 && msix.table_size <= 2048));
	d->read_err = rerr;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fdev d;
	struct pa_vconfig_opts o;
	struct pa_vconfig *vc = NULL;
	uint8_t hdr[HDR] = { 0 };
	uint32_t bar_flags[6];
	int ret;

	memset(&d, 0, sizeof(d));
	memcpy(hdr, data, size < HDR ? size : HDR);
	if (hdr[0] & 1)
		template(d.orig);
	for (size_t i = 0; i < CFG && HDR + i < size; i++)
		d.orig[i] ^= data[HDR + i];
	memcpy(d.cfg, d.orig, sizeof(d.cfg));
	d.read_err = hdr[0] & 2;
	d.write_err = hdr[0] & 4;

	memset(&o, 0, sizeof(o));
	for (int i = 0; i < 6; i++)
		o.bar_size[i] = hdr[1 + i] ? 1ull << (hdr[1 + i] & 63) : 0;
	o.rom_size = hdr[7] ? 1ull << (hdr[7] & 63) : 0;
	o.config_size = (uint16_t[]){ 0, 256, 4096, 300 }[hdr[8] & 3];
	o.multifunction = hdr[0] & 8;
	o.guest_bus = hdr[9];
	o.guest_devfn = hdr[10];
	oracle(&d);

	ret = pa_vconfig_new(&fops, &d, &o, &vc);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "init: %d\n", ret);
	if (ret) {
		CHECK(ret < 0 && !vc);
		return 0;
	}
	CHECK(vc);
	CHECK(!d.chain_broken);
	d.inited = true;

	/* Expected BAR flag bits: type bits from the device, fixed forever. */
	for (unsigned int i = 0; i < 6; i++) {
		uint8_t reg = d.orig[PCI_BASE_ADDRESS_0 + 4 * i];

		bar_flags[i] = ~0u;
		if (!o.bar_size[i])
			continue;
		bar_flags[i] = reg & 1 ? 1u : reg & 0xeu;
		if (!(reg & 1) && (reg & 6) == 4 && i < 5)
			bar_flags[++i] = ~0u;	/* upper half */
	}
	check_guest(vc, &d, bar_flags);

	for (size_t p = HDR + CFG; p + 7 <= size; p += 7) {
		uint8_t op = data[p];
		unsigned int len = 1u << ((op >> 1) & 3);
		uint16_t off = (uint16_t)(data[p + 1] | data[p + 2] << 8);
		uint32_t val = g32(data + p + 3), v;

		if (op & 8) {
			pa_vconfig_reset(vc);
		} else if (op & 1) {
			ret = pa_vconfig_write(vc, off, len, val);
			CHECK(ret <= 0);
			if (len > 4 || off % len)
				CHECK(ret == -22);
		} else {
			ret = pa_vconfig_read(vc, off, len, &v);
			if (len > 4 || off % len)
				CHECK(ret == -22);
			else if (!d.read_err)
				CHECK(ret == 0);
			if (!ret && off >= pa_vconfig_size(vc))
				CHECK(v == 0);
			if (!ret && len < 4)
				CHECK(v >> (8 * len) == 0);
		}
		check_guest(vc, &d, bar_flags);
	}

	/*
	 * Then a sweep of every register with every width, all ones then
	 * zeros, so each accepted config meets every write the device must
	 * not see (the write callback checks them).
	 */
	for (unsigned int pat = 0; pat < 2; pat++) {
		for (unsigned int len = 1; len <= 4; len *= 2)
			for (unsigned int off = 0; off < CFG; off += len)
				pa_vconfig_write(vc, (uint16_t)off, len, pat ? 0 : 0xffffffffu);
		check_guest(vc, &d, bar_flags);
	}
	pa_vconfig_free(vc);
	return 0;
}
