/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the vconfig unit tests: a mock device that serves a
 * config-space buffer and records every write, and a builder that
 * assembles synthetic config spaces with given capabilities.
 */
#ifndef TEST_VCONFIG_H
#define TEST_VCONFIG_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/pci_regs.h>

#include "vconfig.h"

#define MOCK_MAX_WRITES 256
#define MOCK_MAX_EVENTS 64

struct mock_write {
	uint16_t off;
	uint8_t len;
	uint32_t val;
};

struct mockdev {
	uint8_t cfg[4096];
	unsigned int nwrites;
	struct mock_write w[MOCK_MAX_WRITES];
	unsigned int nreads;
	int read_err;		/* returned by reads when set */
	int write_err;
	unsigned int nev;
	struct {
		enum pa_vconfig_event ev;
		unsigned int index;
	} ev[MOCK_MAX_EVENTS];
	char log[2048];
};

static inline int mock_read(void *opaque, uint16_t off, void *buf, size_t len)
{
	struct mockdev *d = opaque;

	if (off + len > sizeof(d->cfg))
		fail_msg("device read out of range: 0x%x+%zu", off, len);
	d->nreads++;
	if (d->read_err)
		return d->read_err;
	memcpy(buf, d->cfg + off, len);
	return 0;
}

static inline int mock_write(void *opaque, uint16_t off, const void *buf, size_t len)
{
	struct mockdev *d = opaque;
	uint32_t v = 0;

	if (off + len > sizeof(d->cfg) || !(len == 1 || len == 2 || len == 4) || off % len)
		fail_msg("bad device write: 0x%x+%zu", off, len);
	if (d->write_err)
		return d->write_err;
	memcpy(d->cfg + off, buf, len);
	for (size_t i = 0; i < len; i++)
		v |= (uint32_t)((const uint8_t *)buf)[i] << (8 * i);
	if (d->nwrites < MOCK_MAX_WRITES)
		d->w[d->nwrites] = (struct mock_write){ off, (uint8_t)len, v };
	d->nwrites++;
	return 0;
}

static inline void mock_notify(void *opaque, enum pa_vconfig_event ev, unsigned int index)
{
	struct mockdev *d = opaque;

	if (d->nev < MOCK_MAX_EVENTS) {
		d->ev[d->nev].ev = ev;
		d->ev[d->nev].index = index;
	}
	d->nev++;
}

static inline void mock_log(void *opaque, const char *msg)
{
	struct mockdev *d = opaque;
	size_t n = strlen(d->log);

	snprintf(d->log + n, sizeof(d->log) - n, "%s\n", msg);
}

static const struct pa_vconfig_ops mock_ops = {
	.read = mock_read,
	.write = mock_write,
	.notify = mock_notify,
	.log = mock_log,
};

static inline void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static inline uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }

/* A plain type-0 endpoint with no capabilities and no BARs. */
static inline void cfg_init(struct mockdev *d, uint16_t vid, uint16_t did)
{
	memset(d, 0, sizeof(*d));
	put16(d->cfg + PCI_VENDOR_ID, vid);
	put16(d->cfg + PCI_DEVICE_ID, did);
	d->cfg[PCI_REVISION_ID] = 0x10;
	d->cfg[PCI_CLASS_DEVICE + 1] = 0x02;	/* network */
	d->cfg[PCI_INTERRUPT_PIN] = 1;
}

/* Append capability id at pos to the end of the device's list; returns it. */
static inline uint8_t *cfg_add_cap(struct mockdev *d, uint8_t pos, uint8_t id)
{
	uint8_t *link = d->cfg + PCI_CAPABILITY_LIST;
	unsigned int guard = 0;

	put16(d->cfg + PCI_STATUS, get16(d->cfg + PCI_STATUS) | PCI_STATUS_CAP_LIST);
	while (*link && guard++ < 64)
		link = d->cfg + *link + PCI_CAP_LIST_NEXT;
	*link = pos;
	d->cfg[pos] = id;
	d->cfg[pos + 1] = 0;
	return d->cfg + pos;
}

/* Add a PCIe capability with the given version and type. */
static inline uint8_t *cfg_add_pcie(struct mockdev *d, uint8_t pos, unsigned int ver,
				    unsigned int type)
{
	uint8_t *c = cfg_add_cap(d, pos, PCI_CAP_ID_EXP);

	put16(c + PCI_EXP_FLAGS, (uint16_t)(ver | type << 4));
	return c;
}

static inline void load_fixture(struct mockdev *d, const char *name, size_t expect)
{
	char path[512];
	FILE *f;
	size_t n;

	memset(d, 0, sizeof(*d));
	snprintf(path, sizeof(path), "%s/tests/unit/fixtures/%s.config", PCIASSIGN_TOP, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(d->cfg, 1, sizeof(d->cfg), f);
	fclose(f);
	assert_int_equal(n, expect);
}

static inline struct pa_vconfig *vc_open(struct mockdev *d, const struct pa_vconfig_opts *o)
{
	struct pa_vconfig *vc = NULL;
	int ret = pa_vconfig_new(&mock_ops, d, o, &vc);

	if (ret)
		fail_msg("pa_vconfig_new: %d, log: %s", ret, d->log);
	assert_non_null(vc);
	return vc;
}

static inline int vc_open_err(struct mockdev *d, const struct pa_vconfig_opts *o)
{
	struct pa_vconfig *vc = (struct pa_vconfig *)1;
	int ret = pa_vconfig_new(&mock_ops, d, o, &vc);

	if (!ret)
		pa_vconfig_free(vc);
	else
		assert_null(vc);
	return ret;
}

static inline uint32_t rd(struct pa_vconfig *vc, uint16_t off, unsigned int len)
{
	uint32_t v = 0xdeadbeef;

	assert_int_equal(pa_vconfig_read(vc, off, len, &v), 0);
	return v;
}

static inline void wr(struct pa_vconfig *vc, uint16_t off, unsigned int len, uint32_t v)
{
	assert_int_equal(pa_vconfig_write(vc, off, len, v), 0);
}

/* Was any device byte in [lo, hi) written? */
static inline int wrote_range(const struct mockdev *d, unsigned int lo, unsigned int hi)
{
	for (unsigned int i = 0; i < d->nwrites && i < MOCK_MAX_WRITES; i++)
		if (d->w[i].off < hi && d->w[i].off + d->w[i].len > lo)
			return 1;
	return 0;
}

static inline unsigned int count_ev(const struct mockdev *d, enum pa_vconfig_event ev,
				    unsigned int index)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < d->nev && i < MOCK_MAX_EVENTS; i++)
		if (d->ev[i].ev == ev && d->ev[i].index == index)
			n++;
	return n;
}

/* Guest walk of the capability list: ids in order into ids[], returns count or -1. */
static inline int guest_caps(struct pa_vconfig *vc, uint8_t *ids, uint8_t *pos, int max)
{
	int n = 0;
	uint8_t p;

	if (!(rd(vc, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return rd(vc, PCI_CAPABILITY_LIST, 1) ? -1 : 0;
	for (p = (uint8_t)rd(vc, PCI_CAPABILITY_LIST, 1); p; p = (uint8_t)rd(vc, p + 1, 1)) {
		if (p < 0x40 || (p & 3) || n >= max)
			return -1;
		ids[n] = (uint8_t)rd(vc, p, 1);
		pos[n++] = p;
	}
	return n;
}

#endif /* TEST_VCONFIG_H */
