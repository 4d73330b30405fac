// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the vfio-user codec (user/vfio-user/proto.c).
 *
 * Input layout:
 *   [0]   flags: bits 0-3 the number of descriptors said to come with the
 *         message; bit 4 set the header's size field to the message's
 *         length; bit 5 the rest is VERSION's capabilities JSON (wrapped
 *         in a well-formed VERSION message, NUL added); bit 6 no DMA page
 *         alignment (dma_pgsize 0); bit 7 the fields mode (below)
 *   [1]   max_data_xfer_size: (byte + 1) * 16
 *   [2..] the message (a heap copy of exactly its length, so ASan sees
 *         any read past it)
 * With bit 7 of the flags the message is built from fields instead: a
 * command byte (mod 20), then per field of the command's layout a
 * selector byte, either raw (below 0x40: the field's bytes follow) or an
 * edge value (edges[(selector - 0x40) % its size]; 0xfe the payload's
 * length, 0xff the length of what follows the fields), then the rest as
 * trailing data.
 * That puts range edges and self-consistent lengths one mutation away.
 *
 * Every decode is checked against what the decoder promised (invariants
 * below, abort() on violation), and replies are encoded from what it
 * returned and read back.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

#define CHECK(c) do { if (!(c)) { \
	fprintf(stderr, "invariant failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

static uint32_t g32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Each byte of [p, p + n) read, so ASan checks the range. */
static unsigned int touch(const uint8_t *p, size_t n)
{
	unsigned int sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += p[i];
	return sum;
}

static bool one_bit(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* [start, start + len) with len > 0 inside 64 bits. */
static bool fits64(uint64_t start, uint64_t len)
{
	uint64_t end;

	return len && !__builtin_add_overflow(start, len - 1, &end);
}

static uint8_t reply[1 << 17];

/* Selector bytes from here on pick an edge value. */
#define EDGE_SEL 0x40

static const uint64_t edges[] = {
	0, 1, 2, 3, 4, 8, 16, 20, 24, 32, 0x24, 0xfff, 0x1000, 0x1001, 0x2000,
	0x200000, 0xffffffff, 0x100000000ull, 0xfffff000, 0x7fffffffffffffffull,
	0x7ffffffffffff000ull, 0x8000000000000000ull, 0xfffffffffffff000ull,
	0xffffffffffffffffull, 0xfffffffffffffffeull,
};

/*
 * Field layouts ('2', '4', '8' bytes) of each command's fixed part, by
 * command code (none past REGION_WRITE: RESET has no fields).
 */
static const char *const layouts =
	"-\0" "22\0" "44888\0" "4488\0" "4444\0" "444488\0" "-\0" "4444\0"
	"44444\0" "844\0" "844\0";

static const char *layout(unsigned int cmd)
{
	const char *p = layouts;

	if (cmd > VU_CMD_REGION_WRITE)
		return "";
	for (unsigned int i = 0; i < cmd; i++)
		p += strlen(p) + 1;
	return *p == '-' ? "" : p;
}

/* The fields mode: a whole message from the input (see the top). */
static size_t build_fields(const uint8_t *in, size_t n, uint8_t **out)
{
	const char *fmt;
	size_t pos = 1, fields = 0, tail, len;
	uint8_t cmd, *p;

	if (!n)
		return 0;
	cmd = in[0] % 20;
	fmt = layout(cmd);
	/* First the sizes: what the fields take of the input, and the tail. */
	for (const char *f = fmt; *f; f++) {
		unsigned int w = (unsigned int)(*f - '0');

		fields += w;
		if (pos < n && in[pos++] < EDGE_SEL)
			pos += w;
	}
	pos = pos < n ? pos : n;
	tail = n - pos;
	len = VU_HDR_SIZE + fields + tail;
	p = *out = calloc(1, len);
	CHECK(p);
	p[0] = 0x42;
	p[2] = cmd;
	for (unsigned int i = 0; i < 4; i++)
		p[4 + i] = (uint8_t)(len >> (8 * i));
	p += VU_HDR_SIZE;
	pos = 1;
	for (const char *f = fmt; *f; f++) {
		unsigned int w = (unsigned int)(*f - '0');
		uint8_t sel = pos < n ? in[pos++] : EDGE_SEL;
		uint64_t v;

		if (sel >= EDGE_SEL) {
			if (sel == 0xff)
				v = tail;
			else if (sel == 0xfe)
				v = fields + tail;
			else
				v = edges[(sel - EDGE_SEL) % (sizeof(edges) / sizeof(edges[0]))];
			for (unsigned int i = 0; i < w; i++)
				p[i] = (uint8_t)(v >> (8 * i));
		} else {
			for (unsigned int i = 0; i < w && pos < n; i++)
				p[i] = in[pos++];
		}
		p += w;
	}
	memcpy(p, in + n - tail, tail);
	return len;
}

static void check_caps(const struct vu_caps *c)
{
	CHECK(!(c->present & ~0xffu));
	if (c->present & VU_CAP_HAS_PGSIZES)
		CHECK(c->pgsizes && !(c->pgsizes & 0xfff));
	else
		CHECK(c->pgsizes == VU_DEFAULT_PGSIZES);
	if (!(c->present & VU_CAP_HAS_MAX_MSG_FDS))
		CHECK(c->max_msg_fds == VU_DEFAULT_MAX_MSG_FDS);
	CHECK(c->migration == !!(c->present & VU_CAP_HAS_MIGRATION));
}

static void check_version(const struct vu_msg *m, const struct vu_limits *lim)
{
	struct vu_caps offer, back;
	ssize_t len;

	CHECK(m->u.version.major == VU_VERSION_MAJOR);
	check_caps(&m->u.version.caps);
	/* The reply carries what we offer, and reads back the same. */
	vu_caps_defaults(&offer);
	offer.max_msg_fds = lim->max_msg_fds;
	offer.max_data_xfer_size = lim->max_data_xfer_size;
	len = vu_enc_version(reply, sizeof(reply), &m->hdr, m->u.version.minor, &offer);
	CHECK(len > VU_HDR_SIZE + 4);
	CHECK(reply[len - 1] == 0);
	CHECK(g32(reply + VU_HDR_SIZE) == 0);
	CHECK(vu_parse_caps_json((char *)reply + VU_HDR_SIZE + 4,
				 (size_t)len - VU_HDR_SIZE - 5, &back) == 0);
	CHECK(back.max_msg_fds == offer.max_msg_fds && !back.migration &&
	      back.max_data_xfer_size == offer.max_data_xfer_size);
}

static void check_region_info(const struct vu_msg *m)
{
	static const struct vu_sparse_area areas[3] = {
		{ 0, 0x1000 }, { 0x2000, 0x1000 }, { 0x4000, 0x2000 },
	};
	struct vu_region_desc rd = {
		.index = m->u.region_info.index, .flags = VU_REGION_READ | VU_REGION_MMAP,
		.size = 0x8000, .nr_areas = m->u.region_info.index % 4, .areas = areas,
	};
	uint32_t need = 32 + (rd.nr_areas ? 16 + 16 * rd.nr_areas : 0);
	bool full;
	ssize_t len;

	len = vu_enc_region_info(reply, sizeof(reply), &m->hdr, m->u.region_info.argsz,
				 &rd, &full);
	CHECK(len >= 48);
	CHECK(g32(reply + 16) == need);
	CHECK(full == (m->u.region_info.argsz >= need || !rd.nr_areas));
	CHECK((size_t)len == (full ? 16 + need : 48));
	CHECK(!!(g32(reply + 20) & VU_REGION_CAPS) == (full && rd.nr_areas));
	/* Never more than the client said it has room for. */
	CHECK((size_t)len - 16 <= m->u.region_info.argsz);
}

static void check_set_irqs(const struct vu_msg *m, const uint8_t *buf, size_t len)
{
	const typeof(m->u.set_irqs) *s = &m->u.set_irqs;
	uint32_t data = s->flags & VU_IRQ_DATA_MASK;

	CHECK(one_bit(data) && one_bit(s->flags & VU_IRQ_ACTION_ALL));
	CHECK(!(s->flags & ~(VU_IRQ_DATA_MASK | VU_IRQ_ACTION_ALL)));
	CHECK(s->argsz == len - VU_HDR_SIZE);
	if (!s->count)
		CHECK(data == VU_IRQ_DATA_NONE && !s->start &&
		      (s->flags & VU_IRQ_ACTION_ALL) == VU_IRQ_ACTION_TRIGGER);
	else
		CHECK((uint64_t)s->start + s->count - 1 <= UINT32_MAX);
	if (data == VU_IRQ_DATA_BOOL) {
		CHECK(s->bools == buf + VU_HDR_SIZE + VU_IRQ_SET_SIZE);
		CHECK(s->bools + s->count == buf + len);
		touch(s->bools, s->count);
	} else {
		CHECK(!s->bools && len == VU_HDR_SIZE + VU_IRQ_SET_SIZE);
	}
	if (data == VU_IRQ_DATA_EVENTFD)
		CHECK(s->has_fds ? m->nfds == s->count : !m->nfds);
	else
		CHECK(!m->nfds && !s->has_fds);
}

static void check_rw(const struct vu_msg *m, const struct vu_limits *lim,
		     const uint8_t *buf, size_t len)
{
	const typeof(m->u.region_rw) *r = &m->u.region_rw;
	uint8_t *data;
	ssize_t n;

	CHECK(r->count && r->count <= lim->max_data_xfer_size);
	CHECK(fits64(r->offset, r->count));
	CHECK(!m->nfds);
	if (m->hdr.command == VU_CMD_REGION_WRITE) {
		CHECK(r->data == buf + VU_HDR_SIZE + VU_REGION_RW_SIZE);
		CHECK(r->data + r->count == buf + len);
		touch(r->data, r->count);
		CHECK(len <= vu_max_msg_size(lim));
		n = vu_enc_region_write(reply, sizeof(reply), &m->hdr, r->offset,
					r->region, r->count);
		CHECK(n == 32);
	} else {
		CHECK(!r->data && len == VU_HDR_SIZE + VU_REGION_RW_SIZE);
		/* The reply fits the largest message these limits allow. */
		n = vu_enc_region_read(reply, vu_max_msg_size(lim), &m->hdr, r->offset,
				       r->region, r->count, &data);
		CHECK(n == (ssize_t)(32 + r->count) && data == reply + 32);
		memset(data, 0xab, r->count);
	}
}

static void check_ok(const struct vu_msg *m, const struct vu_limits *lim,
		     const uint8_t *buf, size_t len)
{
	ssize_t n;

	CHECK(m->hdr_valid && m->hdr.size == len);
	CHECK((m->hdr.flags & VU_FLAG_TYPE_MASK) == VU_FLAG_TYPE_COMMAND);
	CHECK(!(m->hdr.flags & VU_FLAG_ERROR) && !m->hdr.error_no);
	CHECK(m->nfds <= lim->max_msg_fds);

	switch (m->hdr.command) {
	case VU_CMD_VERSION:
		CHECK(!m->nfds);
		check_version(m, lim);
		break;
	case VU_CMD_DMA_MAP: {
		const typeof(m->u.dma_map) *d = &m->u.dma_map;

		CHECK(len == VU_HDR_SIZE + VU_DMA_MAP_SIZE && m->nfds <= 1);
		CHECK(d->has_fd == (m->nfds == 1));
		CHECK(!(d->flags & ~3u));
		CHECK(fits64(d->address, d->size));
		if (d->has_fd)
			CHECK(fits64(d->offset, d->size) &&
			      d->offset + d->size <= (uint64_t)INT64_MAX + 1);
		else
			CHECK(!d->offset);
		if (lim->dma_pgsize)
			CHECK(!((d->address | d->size | d->offset) & (lim->dma_pgsize - 1)));
		break;
	}
	case VU_CMD_DMA_UNMAP: {
		const typeof(m->u.dma_unmap) *d = &m->u.dma_unmap;

		CHECK(!m->nfds && d->argsz >= 24);
		if (d->flags == VU_UNMAP_ALL)
			CHECK(!d->address && !d->size);
		else
			CHECK(!d->flags && fits64(d->address, d->size));
		n = vu_enc_dma_unmap(reply, sizeof(reply), &m->hdr, d->flags, d->address, d->size);
		CHECK(n == 40 && (size_t)n - 16 <= d->argsz);
		break;
	}
	case VU_CMD_DEVICE_GET_INFO:
		CHECK(!m->nfds && m->u.device_info.argsz >= 16);
		n = vu_enc_device_info(reply, sizeof(reply), &m->hdr, 3, 9, 5);
		CHECK(n == 32);
		break;
	case VU_CMD_DEVICE_GET_REGION_INFO:
		CHECK(!m->nfds && m->u.region_info.argsz >= 32);
		check_region_info(m);
		break;
	case VU_CMD_DEVICE_GET_IRQ_INFO:
		CHECK(!m->nfds && m->u.irq_info.argsz >= 16);
		n = vu_enc_irq_info(reply, sizeof(reply), &m->hdr, 1, m->u.irq_info.index, 1);
		CHECK(n == 32);
		break;
	case VU_CMD_DEVICE_SET_IRQS:
		check_set_irqs(m, buf, len);
		break;
	case VU_CMD_REGION_READ:
	case VU_CMD_REGION_WRITE:
		check_rw(m, lim, buf, len);
		break;
	case VU_CMD_DEVICE_RESET:
		CHECK(len == VU_HDR_SIZE && !m->nfds);
		break;
	default:
		CHECK(!"decoded a command the server has not got");
	}
	n = vu_enc_reply(reply, sizeof(reply), &m->hdr);
	CHECK(n == VU_HDR_SIZE);
}

static void check_err(int ret, const struct vu_msg *m)
{
	struct vu_hdr h;
	ssize_t n;

	CHECK(ret == -EBADMSG || ret == -EINVAL || ret == -E2BIG || ret == -ENOTSUP);
	if (!m->hdr_valid)
		return;
	/* The error reply the server would send. */
	n = vu_enc_error(reply, sizeof(reply), &m->hdr, -ret);
	CHECK(n == VU_HDR_SIZE);
	CHECK(vu_hdr_parse(reply, (size_t)n, &h) == 0);
	CHECK(h.msg_id == m->hdr.msg_id && h.command == m->hdr.command);
	CHECK(h.flags == (VU_FLAG_TYPE_REPLY | VU_FLAG_ERROR) && h.error_no == (uint32_t)-ret);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vu_limits lim = { .max_msg_fds = 8, .dma_pgsize = 4096 };
	struct vu_msg m;
	uint8_t *buf;
	size_t len;
	unsigned int nfds;
	int ret;

	if (size < 2)
		return 0;
	nfds = data[0] & 0xf;
	lim.max_data_xfer_size = ((uint32_t)data[1] + 1) * 16;
	if (data[0] & 0x40)
		lim.dma_pgsize = 0;
	data += 2;
	size -= 2;

	if (data[-2] & 0x20) {
		/* VERSION around the JSON; the JSON alone to the reader too. */
		struct vu_caps caps;
		int direct = vu_parse_caps_json((const char *)data, size, &caps);

		CHECK(direct == 0 || direct == -EINVAL);
		if (!direct)
			check_caps(&caps);
		len = VU_HDR_SIZE + 4 + size + 1;
		buf = malloc(len);
		CHECK(buf);
		memset(buf, 0, VU_HDR_SIZE + 4);
		buf[2] = VU_CMD_VERSION;
		buf[4] = (uint8_t)len;
		buf[5] = (uint8_t)(len >> 8);
		buf[6] = (uint8_t)(len >> 16);
		buf[7] = (uint8_t)(len >> 24);
		memcpy(buf + VU_HDR_SIZE + 4, data, size);
		buf[len - 1] = 0;
		ret = vu_decode(buf, len, 0, &lim, &m);
		/* Same verdict, unless a NUL inside made the message malformed. */
		if (!memchr(data, 0, size))
			CHECK(ret == direct);
	} else if (data[-2] & 0x80) {
		len = build_fields(data, size, &buf);
		if (!len)
			return 0;
		ret = vu_decode(buf, len, nfds, &lim, &m);
	} else {
		len = size;
		buf = malloc(len ? len : 1);
		CHECK(buf);
		memcpy(buf, data, len);
		if ((data[-2] & 0x10) && len >= 8) {
			buf[4] = (uint8_t)len;
			buf[5] = (uint8_t)(len >> 8);
			buf[6] = (uint8_t)(len >> 16);
			buf[7] = (uint8_t)(len >> 24);
		}
		ret = vu_decode(buf, len, nfds, &lim, &m);
	}
	if (ret == 0)
		check_ok(&m, &lim, buf, len);
	else
		check_err(ret, &m);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "%s: %d\n", vu_command_name(m.hdr.command), ret);
	free(buf);
	return 0;
}
