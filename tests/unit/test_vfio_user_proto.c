// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: the vfio-user codec (user/vfio-user/proto.c), each command's
 * good message and each reason to refuse one, the reply encoders, and
 * vu_recv()/vu_send() over a socketpair (descriptors never leak).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "proto.h"

static const struct vu_limits lim = {
	.max_data_xfer_size = 4096, .max_msg_fds = 8, .dma_pgsize = 4096,
};

/* A message under construction: the header, then fields appended. */
struct mb {
	uint8_t b[8192];
	size_t n;
};

static void le(struct mb *m, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		m->b[m->n++] = (uint8_t)(v >> (8 * i));
}

static void u16(struct mb *m, uint16_t v) { le(m, v, 2); }
static void u32(struct mb *m, uint32_t v) { le(m, v, 4); }
static void u64(struct mb *m, uint64_t v) { le(m, v, 8); }

static void bytes(struct mb *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

/* A command header with the size to be filled in by fin(). */
static void cmd(struct mb *m, uint16_t command)
{
	m->n = 0;
	u16(m, 0x1234);
	u16(m, command);
	u32(m, 0);
	u32(m, 0);
	u32(m, 0);
}

static void set32(struct mb *m, size_t off, uint32_t v)
{
	for (unsigned int i = 0; i < 4; i++)
		m->b[off + i] = (uint8_t)(v >> (8 * i));
}

static void fin(struct mb *m)
{
	set32(m, 4, (uint32_t)m->n);
}

/* A command of fixed fields by fmt ('4' 32 bits of v, '8' 64), size set. */
static void build(struct mb *m, uint16_t command, const char *fmt, const uint64_t *v)
{
	cmd(m, command);
	for (size_t i = 0; fmt[i]; i++)
		le(m, v[i], (unsigned int)(fmt[i] - '0'));
	fin(m);
}

/* A DEVICE_RESET, msg_id 0x12 << 8 | id. */
static void reset_msg(struct mb *m, uint8_t id)
{
	cmd(m, VU_CMD_DEVICE_RESET);
	m->b[0] = id;
	fin(m);
}

static int dec(struct mb *m, unsigned int nfds, struct vu_msg *out)
{
	return vu_decode(m->b, m->n, nfds, &lim, out);
}

/* ---- header ------------------------------------------------------------ */

static void header_rejects(void **state)
{
	struct vu_msg out;
	struct mb m;

	(void)state;
	reset_msg(&m, 0x34);
	assert_int_equal(dec(&m, 0, &out), 0);
	assert_true(out.hdr_valid);
	assert_int_equal(out.hdr.msg_id, 0x1234);

	/* Shorter than a header. */
	assert_int_equal(vu_decode(m.b, 15, 0, &lim, &out), -EBADMSG);
	assert_false(out.hdr_valid);
	/* Size field not the length received, or below the header's. */
	set32(&m, 4, 17);
	assert_int_equal(dec(&m, 0, &out), -EBADMSG);
	set32(&m, 4, 15);
	assert_int_equal(dec(&m, 0, &out), -EBADMSG);
	set32(&m, 4, 16);
	/* Unknown flag bits; a reply; a type beyond reply. */
	set32(&m, 8, 0x40);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	assert_false(out.hdr_valid);
	set32(&m, 8, VU_FLAG_TYPE_REPLY);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	set32(&m, 8, 2);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	/* The error bit and number are the replies'. */
	set32(&m, 8, VU_FLAG_ERROR);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	set32(&m, 8, 0);
	set32(&m, 12, 5);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	set32(&m, 12, 0);
	/* NO_REPLY is fine on a command, refused on a reply. */
	set32(&m, 8, VU_FLAG_NO_REPLY);
	assert_int_equal(dec(&m, 0, &out), 0);
	set32(&m, 8, VU_FLAG_NO_REPLY | VU_FLAG_TYPE_REPLY);
	assert_int_equal(vu_hdr_parse(m.b, m.n, &out.hdr), -EINVAL);
	set32(&m, 8, 0);
	/* More descriptors than offered. */
	assert_int_equal(dec(&m, lim.max_msg_fds + 1, &out), -E2BIG);
	assert_true(out.hdr_valid);
}

static void unsupported_commands(void **state)
{
	static const uint16_t cmds[] = {
		0, VU_CMD_DEVICE_GET_REGION_IO_FDS, VU_CMD_DMA_READ, VU_CMD_DMA_WRITE,
		VU_CMD_DIRTY_PAGES, VU_CMD_REGION_WRITE_MULTI, VU_CMD_DEVICE_FEATURE,
		VU_CMD_MIG_DATA_READ, VU_CMD_MIG_DATA_WRITE, 19, 0xffff,
	};
	struct vu_msg out;
	struct mb m;

	(void)state;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		cmd(&m, cmds[i]);
		u64(&m, 0);
		fin(&m);
		assert_int_equal(dec(&m, 0, &out), -ENOTSUP);
		/* Answerable: the server sends ENOTSUP back. */
		assert_true(out.hdr_valid);
		assert_int_equal(out.hdr.command, cmds[i]);
	}
	assert_string_equal(vu_command_name(VU_CMD_DMA_MAP), "DMA_MAP");
	assert_string_equal(vu_command_name(VU_CMD_DEVICE_RESET), "DEVICE_RESET");
	assert_string_equal(vu_command_name(VU_CMD_MIG_DATA_WRITE), "MIG_DATA_WRITE");
	assert_string_equal(vu_command_name(0), "?");
	assert_string_equal(vu_command_name(999), "?");
}

/* ---- VERSION ----------------------------------------------------------- */

static void version_msg(struct mb *m, uint16_t major, const char *json)
{
	cmd(m, VU_CMD_VERSION);
	u16(m, major);
	u16(m, 0);
	if (json)
		bytes(m, json, strlen(json) + 1);
	fin(m);
}

static void version_good(void **state)
{
	/* What QEMU's client sends (hw/vfio-user/proxy.c; key order varies). */
	static const char qemu[] =
		"{\"capabilities\": {\"migration\": {\"pgsize\": 4096, "
		"\"max_bitmap_size\": 268435456}, \"max_msg_fds\": 16, "
		"\"max_data_xfer_size\": 1048576, \"pgsizes\": 4096, "
		"\"max_dma_maps\": 65535, \"write_multiple\": true}}";
	struct vu_msg out;
	struct mb m;

	(void)state;
	version_msg(&m, 0, qemu);
	assert_int_equal(dec(&m, 0, &out), 0);
	assert_int_equal(out.u.version.major, 0);
	assert_int_equal(out.u.version.caps.max_msg_fds, 16);
	assert_int_equal(out.u.version.caps.max_data_xfer_size, 1048576);
	assert_int_equal(out.u.version.caps.pgsizes, 4096);
	assert_int_equal(out.u.version.caps.max_dma_maps, 65535);
	assert_true(out.u.version.caps.write_multiple);
	assert_true(out.u.version.caps.migration);
	assert_int_equal(out.u.version.caps.present, 0xff & ~VU_CAP_HAS_TWIN_SOCKET);

	/* No JSON at all, and an empty object: the spec's defaults. */
	version_msg(&m, 0, NULL);
	assert_int_equal(dec(&m, 0, &out), 0);
	assert_int_equal(out.u.version.caps.max_msg_fds, VU_DEFAULT_MAX_MSG_FDS);
	assert_int_equal(out.u.version.caps.max_data_xfer_size, VU_DEFAULT_MAX_XFER);
	version_msg(&m, 0, " { } ");
	assert_int_equal(dec(&m, 0, &out), 0);
	assert_int_equal(out.u.version.caps.present, 0);
	assert_int_equal(out.u.version.caps.max_dma_maps, VU_DEFAULT_MAX_DMA_MAPS);

	/* Unknown members of any well-formed shape are passed over. */
	version_msg(&m, 0, "{\"x\":[1,-2.5e+3,\"a\\\"\\u0041\",null,{}],"
			   "\"capabilities\":{\"future\":{\"a\":[true,false]},"
			   "\"twin_socket\":{\"supported\":true,\"fd_index\":0},"
			   "\"max_msg_fds\":0}}");
	assert_int_equal(dec(&m, 0, &out), 0);
	assert_true(out.u.version.caps.twin_socket);
	assert_int_equal(out.u.version.caps.max_msg_fds, 0);
}

static void version_rejects(void **state)
{
	static const char *const bad[] = {
		"", " ", "{", "}", "[]", "1", "null", "{} x", "{}{}",
		"{\"capabilities\":1}", "{\"capabilities\":[]}",
		"{\"capabilities\":{\"max_msg_fds\":-1}}",
		"{\"capabilities\":{\"max_msg_fds\":1.5}}",
		"{\"capabilities\":{\"max_msg_fds\":1e3}}",
		"{\"capabilities\":{\"max_msg_fds\":01}}",
		"{\"capabilities\":{\"max_msg_fds\":\"8\"}}",
		"{\"capabilities\":{\"max_msg_fds\":18446744073709551616}}",
		"{\"capabilities\":{\"max_msg_fds\":1,\"max_msg_fds\":2}}",
		"{\"capabilities\":{},\"capabilities\":{}}",
		"{\"capabilities\":{\"pgsizes\":0}}",
		"{\"capabilities\":{\"pgsizes\":6144}}",
		"{\"capabilities\":{\"write_multiple\":1}}",
		"{\"capabilities\":{\"migration\":5}}",
		"{\"capabilities\":{\"twin_socket\":{\"supported\":\"yes\"}}}",
		"{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{\"a\":}", "{\"a\":tru}",
		"{\"a\":\"\\x\"}", "{\"a\":\"\\u12g4\"}", "{\"a\":\"\t\"}",
		"{\"a\":\"open}", "{\"a\":[1,]}", "{\"a\":[1 2]}", "{\"a\":-}",
		"{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":+1}",
		/* Nested deeper than VU_JSON_MAX_DEPTH. */
		"{\"a\":[[[[[[[[1]]]]]]]]}",
	};
	struct vu_msg out;
	struct mb m;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		version_msg(&m, 0, bad[i]);
		if (dec(&m, 0, &out) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
		assert_true(out.hdr_valid);
	}
	/* Seven levels are fine. */
	version_msg(&m, 0, "{\"a\":[[[[[[1]]]]]]}");
	assert_int_equal(dec(&m, 0, &out), 0);

	/* Another major version. */
	version_msg(&m, 1, "{}");
	assert_int_equal(dec(&m, 0, &out), -ENOTSUP);
	/* The JSON without its NUL; with a NUL inside; a payload below 4. */
	version_msg(&m, 0, "{}");
	m.n--;
	fin(&m);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	version_msg(&m, 0, "{}");
	m.b[m.n - 2] = 0;
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	cmd(&m, VU_CMD_VERSION);
	u16(&m, 0);
	fin(&m);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	/* A descriptor with it. */
	version_msg(&m, 0, "{}");
	assert_int_equal(dec(&m, 1, &out), -EINVAL);
}

/* ---- DMA_MAP, DMA_UNMAP ------------------------------------------------ */

static void dma_map_msg(struct mb *m, uint32_t argsz, uint32_t flags,
			uint64_t offset, uint64_t addr, uint64_t size)
{
	build(m, VU_CMD_DMA_MAP, "44888", (const uint64_t[]){ argsz, flags, offset, addr, size });
}

static void dma_map(void **state)
{
	const uint32_t rw = VU_DMA_READ | VU_DMA_WRITE;
	struct vu_msg out;
	struct mb m;

	(void)state;
	dma_map_msg(&m, 32, rw, 0x10000, 0x100000000ull, 0x200000);
	assert_int_equal(dec(&m, 1, &out), 0);
	assert_true(out.u.dma_map.has_fd);
	assert_int_equal(out.u.dma_map.offset, 0x10000);
	assert_int_equal(out.u.dma_map.address, 0x100000000ull);
	assert_int_equal(out.u.dma_map.size, 0x200000);
	assert_int_equal(out.u.dma_map.flags, rw);
	/* Without a descriptor (offset 0); read-only; the top page. */
	dma_map_msg(&m, 32, VU_DMA_READ, 0, 0x1000, 0x1000);
	assert_int_equal(dec(&m, 0, &out), 0);
	assert_false(out.u.dma_map.has_fd);
	dma_map_msg(&m, 32, rw, 0, 0xfffffffffffff000ull, 0x1000);
	assert_int_equal(dec(&m, 0, &out), 0);
	/* The window may end at the largest file offset. */
	dma_map_msg(&m, 32, rw, 0x7ffffffffffff000ull, 0, 0x1000);
	assert_int_equal(dec(&m, 1, &out), 0);

	/* Payload one short, one long. */
	dma_map_msg(&m, 32, rw, 0, 0x1000, 0x1000);
	m.n--;
	fin(&m);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	dma_map_msg(&m, 32, rw, 0, 0x1000, 0x1000);
	m.b[m.n++] = 0;
	fin(&m);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	/* argsz; unknown flags; size 0. */
	dma_map_msg(&m, 31, rw, 0, 0x1000, 0x1000);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	dma_map_msg(&m, 32, rw | 4, 0, 0x1000, 0x1000);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	dma_map_msg(&m, 32, rw, 0, 0x1000, 0);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	/* address + size wraps. */
	dma_map_msg(&m, 32, rw, 0, 0xfffffffffffff000ull, 0x2000);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	/* The file window past off_t, or a size that alone is past it. */
	dma_map_msg(&m, 32, rw, 0x7ffffffffffff000ull, 0, 0x2000);
	assert_int_equal(dec(&m, 1, &out), -EINVAL);
	dma_map_msg(&m, 32, rw, 0x1000, 0, 0x8000000000000000ull);
	assert_int_equal(dec(&m, 1, &out), -EINVAL);
	dma_map_msg(&m, 32, rw, 0xfffffffffffff000ull, 0, 0x1000);
	assert_int_equal(dec(&m, 1, &out), -EINVAL);
	/* An offset without a descriptor. */
	dma_map_msg(&m, 32, rw, 0x1000, 0x1000, 0x1000);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	/* Not page-aligned: address, size, offset. */
	dma_map_msg(&m, 32, rw, 0, 0x1800, 0x1000);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	dma_map_msg(&m, 32, rw, 0, 0x1000, 0x1001);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	dma_map_msg(&m, 32, rw, 0x10, 0x1000, 0x1000);
	assert_int_equal(dec(&m, 1, &out), -EINVAL);
	/* Two descriptors. */
	dma_map_msg(&m, 32, rw, 0, 0x1000, 0x1000);
	assert_int_equal(dec(&m, 2, &out), -EINVAL);
}

static void dma_unmap_msg(struct mb *m, uint32_t argsz, uint32_t flags,
			  uint64_t addr, uint64_t size)
{
	build(m, VU_CMD_DMA_UNMAP, "4488", (const uint64_t[]){ argsz, flags, addr, size });
}

static void dma_unmap(void **state)
{
	struct vu_msg out;
	struct mb m;

	(void)state;
	dma_unmap_msg(&m, 24, 0, 0x100000, 0x200000);
	assert_int_equal(dec(&m, 0, &out), 0);
	assert_int_equal(out.u.dma_unmap.address, 0x100000);
	assert_int_equal(out.u.dma_unmap.size, 0x200000);
	/* Unmap all: QEMU's way, address and size 0. */
	dma_unmap_msg(&m, 24, VU_UNMAP_ALL, 0, 0);
	assert_int_equal(dec(&m, 0, &out), 0);
	assert_int_equal(out.u.dma_unmap.flags, VU_UNMAP_ALL);

	dma_unmap_msg(&m, 24, VU_UNMAP_ALL, 0x1000, 0);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	dma_unmap_msg(&m, 24, VU_UNMAP_ALL, 0, 0x1000);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	/* The dirty bitmap is migration's: not offered. */
	dma_unmap_msg(&m, 24, VU_UNMAP_DIRTY_BITMAP, 0x1000, 0x1000);
	assert_int_equal(dec(&m, 0, &out), -ENOTSUP);
	dma_unmap_msg(&m, 24, 4, 0x1000, 0x1000);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	dma_unmap_msg(&m, 23, 0, 0x1000, 0x1000);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	dma_unmap_msg(&m, 24, 0, 0x1000, 0);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	dma_unmap_msg(&m, 24, 0, 0xffffffffffff0000ull, 0x20000);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	dma_unmap_msg(&m, 24, 0, 0x1000, 0x800);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	dma_unmap_msg(&m, 24, 0, 0x1000, 0x1000);
	assert_int_equal(dec(&m, 1, &out), -EINVAL);
	m.b[m.n++] = 0;
	fin(&m);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
}

/* ---- the info commands, RESET ------------------------------------------ */

/* argsz, flags 0, index, then zeros to words 32-bit words. */
static void info_msg(struct mb *m, uint16_t command, uint32_t argsz,
		     uint32_t words, uint32_t index)
{
	static const char fmt[] = "44444444";

	build(m, command, fmt + 8 - words, (const uint64_t[8]){ argsz, 0, index });
}

static void info_commands(void **state)
{
	static const struct {
		uint16_t command;
		uint32_t words;
	} cmds[] = {
		{ VU_CMD_DEVICE_GET_INFO, 4 },
		{ VU_CMD_DEVICE_GET_REGION_INFO, 8 },
		{ VU_CMD_DEVICE_GET_IRQ_INFO, 4 },
	};
	struct vu_msg out;
	struct mb m;

	(void)state;
	info_msg(&m, VU_CMD_DEVICE_GET_INFO, 16, 4, 0);
	assert_int_equal(dec(&m, 0, &out), 0);
	assert_int_equal(out.u.device_info.argsz, 16);
	/* The region info's argsz may ask for room for capabilities. */
	info_msg(&m, VU_CMD_DEVICE_GET_REGION_INFO, 200, 8, 2);
	assert_int_equal(dec(&m, 0, &out), 0);
	assert_int_equal(out.u.region_info.argsz, 200);
	assert_int_equal(out.u.region_info.index, 2);
	info_msg(&m, VU_CMD_DEVICE_GET_IRQ_INFO, 16, 4, 3);
	assert_int_equal(dec(&m, 0, &out), 0);
	assert_int_equal(out.u.irq_info.index, 3);
	/* Device info has no index: that word must be zero as well. */
	info_msg(&m, VU_CMD_DEVICE_GET_INFO, 16, 4, 1);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);

	for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
		uint32_t size = cmds[c].words * 4;

		/* argsz below the reply's fixed part. */
		info_msg(&m, cmds[c].command, size - 1, cmds[c].words, 0);
		assert_int_equal(dec(&m, 0, &out), -EINVAL);
		/* Any other field set (flags, cap_offset, size, offset, count). */
		for (uint32_t w = 1; w < cmds[c].words; w++) {
			if (w == 2 && cmds[c].command != VU_CMD_DEVICE_GET_INFO)
				continue;	/* the index */
			info_msg(&m, cmds[c].command, size, cmds[c].words, 0);
			set32(&m, VU_HDR_SIZE + 4 * w, 1);
			if (dec(&m, 0, &out) != -EINVAL)
				fail_msg("%s: word %u accepted", vu_command_name(cmds[c].command), w);
		}
		/* Payload short or long, a descriptor. */
		info_msg(&m, cmds[c].command, size, cmds[c].words, 0);
		m.n--;
		fin(&m);
		assert_int_equal(dec(&m, 0, &out), -EINVAL);
		info_msg(&m, cmds[c].command, size, cmds[c].words, 0);
		u32(&m, 0);
		fin(&m);
		assert_int_equal(dec(&m, 0, &out), -EINVAL);
		info_msg(&m, cmds[c].command, size, cmds[c].words, 0);
		assert_int_equal(dec(&m, 1, &out), -EINVAL);
	}
}

static void device_reset(void **state)
{
	struct vu_msg out;
	struct mb m;

	(void)state;
	cmd(&m, VU_CMD_DEVICE_RESET);
	fin(&m);
	assert_int_equal(dec(&m, 0, &out), 0);
	assert_int_equal(out.hdr.command, VU_CMD_DEVICE_RESET);
	assert_int_equal(dec(&m, 1, &out), -EINVAL);
	u32(&m, 0);
	fin(&m);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
}

/* ---- SET_IRQS ---------------------------------------------------------- */

/* On index 2 (MSI-X), ndata bytes of data after the fields. */
static void irqs_msg(struct mb *m, uint32_t flags, uint32_t start,
		     uint32_t count, const uint8_t *data, uint32_t ndata)
{
	build(m, VU_CMD_DEVICE_SET_IRQS, "44444",
	      (const uint64_t[]){ VU_IRQ_SET_SIZE + ndata, flags, 2, start, count });
	if (ndata)
		bytes(m, data, ndata);
	fin(m);
}

#define EFD (VU_IRQ_DATA_EVENTFD | VU_IRQ_ACTION_TRIGGER)
#define NONE_TRIGGER (VU_IRQ_DATA_NONE | VU_IRQ_ACTION_TRIGGER)
#define BOOL_TRIGGER (VU_IRQ_DATA_BOOL | VU_IRQ_ACTION_TRIGGER)

static void set_irqs(void **state)
{
	static const struct {
		uint32_t flags, start, count, ndata;
		unsigned int nfds;
	} bad[] = {
		/* The descriptor count must be the vector count (or 0). */
		{ EFD, 0, 3, 0, 2 }, { EFD, 0, 3, 0, 4 },
		/* No descriptors with NONE or BOOL. */
		{ NONE_TRIGGER, 0, 1, 0, 1 }, { BOOL_TRIGGER, 0, 3, 3, 1 },
		/* A boolean missing, one too many; data after NONE or EVENTFD. */
		{ BOOL_TRIGGER, 0, 3, 2, 0 }, { BOOL_TRIGGER, 0, 2, 3, 0 },
		{ NONE_TRIGGER, 0, 1, 1, 0 }, { EFD, 0, 1, 1, 1 },
		/* Two data types, none; two actions, none; an unknown bit. */
		{ NONE_TRIGGER | VU_IRQ_DATA_BOOL, 0, 1, 0, 0 },
		{ VU_IRQ_ACTION_TRIGGER, 0, 1, 0, 0 },
		{ VU_IRQ_DATA_NONE | VU_IRQ_ACTION_MASK | VU_IRQ_ACTION_UNMASK, 0, 1, 0, 0 },
		{ VU_IRQ_DATA_NONE, 0, 1, 0, 0 }, { NONE_TRIGGER | 0x40, 0, 1, 0, 0 },
		/* start + count past 2^32. */
		{ NONE_TRIGGER, 0xffffffffu, 2, 0, 0 },
		/* A count of 0 other than "all off". */
		{ NONE_TRIGGER, 1, 0, 0, 0 }, { VU_IRQ_DATA_NONE | VU_IRQ_ACTION_MASK, 0, 0, 0, 0 },
		{ EFD, 0, 0, 0, 0 }, { BOOL_TRIGGER, 0, 0, 0, 0 },
	};
	const uint32_t efd = EFD;
	const uint8_t on[3] = { 1, 0, 1 };
	struct vu_msg out;
	struct mb m;

	(void)state;
	/* An eventfd a vector. */
	irqs_msg(&m, efd, 4, 3, NULL, 0);
	assert_int_equal(dec(&m, 3, &out), 0);
	assert_true(out.u.set_irqs.has_fds);
	assert_int_equal(out.u.set_irqs.index, 2);
	assert_int_equal(out.u.set_irqs.start, 4);
	assert_int_equal(out.u.set_irqs.count, 3);
	/* None: de-assign the three (QEMU's way for fds of -1). */
	assert_int_equal(dec(&m, 0, &out), 0);
	assert_false(out.u.set_irqs.has_fds);
	/* Booleans. */
	irqs_msg(&m, VU_IRQ_DATA_BOOL | VU_IRQ_ACTION_MASK, 0, 3, on, 3);
	assert_int_equal(dec(&m, 0, &out), 0);
	assert_non_null(out.u.set_irqs.bools);
	assert_memory_equal(out.u.set_irqs.bools, on, 3);
	/* Unconditional, and the whole index off. */
	irqs_msg(&m, VU_IRQ_DATA_NONE | VU_IRQ_ACTION_UNMASK, 0, 1, NULL, 0);
	assert_int_equal(dec(&m, 0, &out), 0);
	irqs_msg(&m, VU_IRQ_DATA_NONE | VU_IRQ_ACTION_TRIGGER, 0, 0, NULL, 0);
	assert_int_equal(dec(&m, 0, &out), 0);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		irqs_msg(&m, bad[i].flags, bad[i].start, bad[i].count, on, bad[i].ndata);
		if (dec(&m, bad[i].nfds, &out) != -EINVAL)
			fail_msg("accepted bad[%zu]", i);
	}
	/* The last vector at 2^32 - 1 is fine. */
	irqs_msg(&m, efd, 0xfffffffeu, 2, NULL, 0);
	assert_int_equal(dec(&m, 0, &out), 0);
	/* argsz not the payload's size; a payload short of the fields. */
	irqs_msg(&m, efd, 0, 1, NULL, 0);
	set32(&m, VU_HDR_SIZE, 24);
	assert_int_equal(dec(&m, 1, &out), -EINVAL);
	irqs_msg(&m, efd, 0, 1, NULL, 0);
	m.n -= 4;
	fin(&m);
	set32(&m, VU_HDR_SIZE, 16);
	assert_int_equal(dec(&m, 1, &out), -EINVAL);
}

/* ---- REGION_READ, REGION_WRITE ----------------------------------------- */

/* On region 7, ndata bytes 0xa0, 0xa1... after the fields. */
static void rw_msg(struct mb *m, uint16_t command, uint64_t offset,
		   uint32_t count, uint32_t ndata)
{
	build(m, command, "844", (const uint64_t[]){ offset, 7, count });
	for (uint32_t i = 0; i < ndata; i++)
		m->b[m->n++] = (uint8_t)(0xa0 + i);
	fin(m);
}

static void region_rw(void **state)
{
	struct vu_msg out;
	struct mb m;

	(void)state;
	assert_int_equal(vu_max_msg_size(&lim), 32 + lim.max_data_xfer_size);
	assert_int_equal(vu_max_msg_size(&(struct vu_limits){ .max_data_xfer_size = 8 }),
			 VU_MIN_MSG_BUF);
	rw_msg(&m, VU_CMD_REGION_READ, 0x10, 4, 0);
	assert_int_equal(dec(&m, 0, &out), 0);
	assert_int_equal(out.u.region_rw.offset, 0x10);
	assert_int_equal(out.u.region_rw.region, 7);
	assert_int_equal(out.u.region_rw.count, 4);
	assert_null(out.u.region_rw.data);
	rw_msg(&m, VU_CMD_REGION_WRITE, 0x10, 4, 4);
	assert_int_equal(dec(&m, 0, &out), 0);
	assert_ptr_equal(out.u.region_rw.data, m.b + VU_HDR_SIZE + VU_REGION_RW_SIZE);
	assert_int_equal(out.u.region_rw.data[3], 0xa3);
	/* The largest transfer, up to the last byte of the offset space. */
	rw_msg(&m, VU_CMD_REGION_WRITE, 0, lim.max_data_xfer_size, lim.max_data_xfer_size);
	assert_int_equal(dec(&m, 0, &out), 0);
	rw_msg(&m, VU_CMD_REGION_READ, UINT64_MAX - 3, 4, 0);
	assert_int_equal(dec(&m, 0, &out), 0);

	/* A count above max_data_xfer_size, of 0; offset + count wraps. */
	rw_msg(&m, VU_CMD_REGION_READ, 0, lim.max_data_xfer_size + 1, 0);
	assert_int_equal(dec(&m, 0, &out), -E2BIG);
	rw_msg(&m, VU_CMD_REGION_WRITE, 0, lim.max_data_xfer_size + 1, lim.max_data_xfer_size + 1);
	assert_int_equal(dec(&m, 0, &out), -E2BIG);
	rw_msg(&m, VU_CMD_REGION_READ, 0, 0, 0);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	rw_msg(&m, VU_CMD_REGION_READ, UINT64_MAX - 2, 4, 0);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	rw_msg(&m, VU_CMD_REGION_WRITE, UINT64_MAX, 2, 2);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	/* Data with a read; a write's data short or long of its count. */
	rw_msg(&m, VU_CMD_REGION_READ, 0, 4, 4);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	rw_msg(&m, VU_CMD_REGION_WRITE, 0, 4, 3);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	rw_msg(&m, VU_CMD_REGION_WRITE, 0, 4, 5);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	/* A write whose count says more than the message holds. */
	rw_msg(&m, VU_CMD_REGION_WRITE, 0, 0x1000, 8);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	/* Short fields; a descriptor. */
	rw_msg(&m, VU_CMD_REGION_READ, 0, 4, 0);
	m.n--;
	fin(&m);
	assert_int_equal(dec(&m, 0, &out), -EINVAL);
	rw_msg(&m, VU_CMD_REGION_READ, 0, 4, 0);
	assert_int_equal(dec(&m, 1, &out), -EINVAL);
}

/* ---- encoders ---------------------------------------------------------- */

static const struct vu_hdr req = {
	.msg_id = 0xbeef, .command = VU_CMD_DEVICE_GET_REGION_INFO, .size = 48,
};

static uint32_t rd32(const uint8_t *b, size_t off)
{
	return (uint32_t)b[off] | (uint32_t)b[off + 1] << 8 |
	       (uint32_t)b[off + 2] << 16 | (uint32_t)b[off + 3] << 24;
}

static uint64_t rd64(const uint8_t *b, size_t off)
{
	return rd32(b, off) | (uint64_t)rd32(b, off + 4) << 32;
}

/* The reply header: same id and command, reply type, size len. */
static void check_reply_hdr(const uint8_t *b, ssize_t len, uint32_t flags)
{
	struct vu_hdr h;

	assert_true(len >= VU_HDR_SIZE);
	assert_int_equal(vu_hdr_parse(b, (size_t)len, &h), 0);
	assert_int_equal(h.msg_id, req.msg_id);
	assert_int_equal(h.command, req.command);
	assert_int_equal(h.size, len);
	assert_int_equal(h.flags, VU_FLAG_TYPE_REPLY | flags);
}

static void encoders(void **state)
{
	uint8_t b[512], *data;
	struct vu_caps offer, back;
	ssize_t len;

	(void)state;
	len = vu_enc_reply(b, sizeof(b), &req);
	assert_int_equal(len, 16);
	check_reply_hdr(b, len, 0);
	len = vu_enc_error(b, sizeof(b), &req, EINVAL);
	assert_int_equal(len, 16);
	check_reply_hdr(b, len, VU_FLAG_ERROR);
	assert_int_equal(rd32(b, 12), EINVAL);
	assert_int_equal(vu_enc_error(b, sizeof(b), &req, 0), -EINVAL);
	assert_int_equal(vu_enc_reply(b, 15, &req), -ENOSPC);

	/* VERSION: NUL-terminated JSON the reader takes back; no migration. */
	vu_caps_defaults(&offer);
	offer.max_msg_fds = 8;
	offer.max_data_xfer_size = 1 << 20;
	offer.max_dma_maps = 4096;
	len = vu_enc_version(b, sizeof(b), &req, 3, &offer);
	assert_true(len > 20);
	check_reply_hdr(b, len, 0);
	assert_int_equal(rd32(b, 16), 0);	/* major 0, minor min(3, 0) */
	assert_int_equal(b[len - 1], 0);
	assert_int_equal(vu_parse_caps_json((char *)b + 20, (size_t)len - 21, &back), 0);
	assert_int_equal(back.max_msg_fds, 8);
	assert_int_equal(back.max_data_xfer_size, 1 << 20);
	assert_int_equal(back.pgsizes, 4096);
	assert_int_equal(back.max_dma_maps, 4096);
	assert_false(back.migration);
	assert_false(back.write_multiple);
	assert_null(strstr((char *)b + 20, "migration"));
	assert_int_equal(vu_enc_version(b, 40, &req, 0, &offer), -ENOSPC);

	len = vu_enc_dma_unmap(b, sizeof(b), &req, 0, 0x1000, 0x2000);
	assert_int_equal(len, 40);
	assert_int_equal(rd32(b, 16), 24);
	assert_int_equal(rd64(b, 24), 0x1000);
	assert_int_equal(rd64(b, 32), 0x2000);
	len = vu_enc_device_info(b, sizeof(b), &req, VU_DEVICE_FLAG_PCI | VU_DEVICE_FLAG_RESET, 9, 5);
	assert_int_equal(len, 32);
	assert_int_equal(rd32(b, 16), 16);
	assert_int_equal(rd32(b, 20), 3);
	assert_int_equal(rd32(b, 24), 9);
	assert_int_equal(rd32(b, 28), 5);
	len = vu_enc_irq_info(b, sizeof(b), &req, VU_IRQ_INFO_EVENTFD, 2, 64);
	assert_int_equal(len, 32);
	assert_int_equal(rd32(b, 24), 2);
	assert_int_equal(rd32(b, 28), 64);

	len = vu_enc_region_read(b, sizeof(b), &req, 0x40, 7, 4, &data);
	assert_int_equal(len, 36);
	assert_ptr_equal(data, b + 32);
	assert_int_equal(rd64(b, 16), 0x40);
	assert_int_equal(rd32(b, 24), 7);
	assert_int_equal(rd32(b, 28), 4);
	assert_int_equal(vu_enc_region_read(b, 35, &req, 0x40, 7, 4, &data), -ENOSPC);
	len = vu_enc_region_write(b, sizeof(b), &req, 0x40, 7, 4);
	assert_int_equal(len, 32);
	assert_int_equal(rd32(b, 28), 4);
}

static void region_info_reply(void **state)
{
	static const struct vu_sparse_area areas[2] = {
		{ 0x0, 0x1000 }, { 0x3000, 0x1000 },
	};
	struct vu_region_desc rd = {
		.index = 0, .flags = VU_REGION_READ | VU_REGION_WRITE | VU_REGION_MMAP,
		.size = 0x4000, .offset = 0x10000, .nr_areas = 2, .areas = areas,
	};
	uint8_t b[512];
	bool full;
	ssize_t len;

	(void)state;
	/* Room for all: the info, a sparse mmap capability with two areas. */
	len = vu_enc_region_info(b, sizeof(b), &req, 200, &rd, &full);
	assert_int_equal(len, 16 + 32 + 8 + 8 + 32);
	assert_true(full);
	check_reply_hdr(b, len, 0);
	assert_int_equal(rd32(b, 16), 80);			/* argsz */
	assert_int_equal(rd32(b, 20), 0xf);			/* R, W, MMAP, CAPS */
	assert_int_equal(rd32(b, 28), 32);			/* cap_offset */
	assert_int_equal(rd64(b, 32), 0x4000);
	assert_int_equal(rd64(b, 40), 0x10000);
	assert_int_equal(rd32(b, 48), VU_CAP_SPARSE_MMAP | 1 << 16);
	assert_int_equal(rd32(b, 52), 0);			/* next: none */
	assert_int_equal(rd32(b, 56), 2);			/* nr_areas */
	assert_int_equal(rd64(b, 64 + 16), 0x3000);
	assert_int_equal(rd64(b, 64 + 24), 0x1000);
	/* Exactly enough room. */
	len = vu_enc_region_info(b, sizeof(b), &req, 80, &rd, &full);
	assert_int_equal(len, 96);
	assert_true(full);
	/* Too little: the info alone, the size it takes, no CAPS flag. */
	len = vu_enc_region_info(b, sizeof(b), &req, 79, &rd, &full);
	assert_int_equal(len, 48);
	assert_false(full);
	assert_int_equal(rd32(b, 16), 80);
	assert_int_equal(rd32(b, 20), 0x7);
	assert_int_equal(rd32(b, 28), 0);
	/* No areas: always whole; a buffer too small. */
	rd.nr_areas = 0;
	len = vu_enc_region_info(b, sizeof(b), &req, 32, &rd, &full);
	assert_int_equal(len, 48);
	assert_true(full);
	assert_int_equal(rd32(b, 16), 32);
	assert_int_equal(vu_enc_region_info(b, 47, &req, 32, &rd, &full), -ENOSPC);
	rd.nr_areas = 1;
	rd.areas = NULL;
	assert_int_equal(vu_enc_region_info(b, sizeof(b), &req, 200, &rd, &full), -EINVAL);
}

/* ---- sockets ----------------------------------------------------------- */

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

static void sock_good(void **state)
{
	uint8_t buf[256];
	int sv[2], efd[2], fds[4];
	unsigned int nfds = 9;
	struct vu_msg out;
	struct mb m;
	int before = open_fds();

	(void)state;
	pair(sv);
	efd[0] = eventfd(0, EFD_CLOEXEC);
	efd[1] = eventfd(0, EFD_CLOEXEC);
	irqs_msg(&m, VU_IRQ_DATA_EVENTFD | VU_IRQ_ACTION_TRIGGER, 0, 2, NULL, 0);
	assert_int_equal(vu_send(sv[0], m.b, m.n, efd, 2), 0);
	/* A second message right behind it, without descriptors. */
	reset_msg(&m, 2);
	assert_int_equal(vu_send(sv[0], m.b, m.n, NULL, 0), 0);

	assert_int_equal(vu_recv(sv[1], buf, sizeof(buf), fds, 4, &nfds), 36);
	assert_int_equal(nfds, 2);
	assert_int_equal(vu_decode(buf, 36, nfds, &lim, &out), 0);
	/* The received descriptors are the eventfds (and close-on-exec). */
	assert_int_equal(eventfd_write(fds[1], 5), 0);
	{
		eventfd_t v;

		assert_int_equal(eventfd_read(efd[1], &v), 0);
		assert_int_equal(v, 5);
	}
	assert_true(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	vu_close_fds(fds, nfds);
	assert_int_equal(fds[0], -1);

	assert_int_equal(vu_recv(sv[1], buf, sizeof(buf), fds, 4, &nfds), 16);
	assert_int_equal(nfds, 0);
	assert_int_equal(buf[0], 2);
	/* A message arriving in pieces. */
	reset_msg(&m, 3);
	u64(&m, 0);
	fin(&m);
	assert_int_equal(write(sv[0], m.b, 5), 5);
	assert_int_equal(write(sv[0], m.b + 5, m.n - 5), (ssize_t)m.n - 5);
	assert_int_equal(vu_recv(sv[1], buf, sizeof(buf), fds, 4, &nfds), 24);
	/* Nothing waiting on a non-blocking socket. */
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(vu_recv(sv[1], buf, sizeof(buf), fds, 4, &nfds), -EAGAIN);
	/* The peer gone between messages: an orderly end. */
	close(sv[0]);
	assert_int_equal(vu_recv(sv[1], buf, sizeof(buf), fds, 4, &nfds), 0);
	close(sv[1]);
	close(efd[0]);
	close(efd[1]);
	assert_int_equal(open_fds(), before);
}

/* Sends m with n fresh eventfds (closed on this side after sending). */
static void send_with_fds(int sock, struct mb *m, unsigned int n)
{
	int efd[16];

	for (unsigned int i = 0; i < n; i++)
		efd[i] = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(vu_send(sock, m->b, m->n, efd, n), 0);
	vu_close_fds(efd, n);
}

/*
 * m sent with a descriptor on a fresh socketpair (the sender gone after it
 * if hangup): vu_recv() fails with err and leaves no descriptor open.
 */
static void recv_fails(struct mb *m, bool hangup, int err)
{
	int before = open_fds(), sv[2], fds[4];
	unsigned int nfds = 9;
	uint8_t buf[64];

	pair(sv);
	send_with_fds(sv[0], m, 1);
	if (hangup)
		close(sv[0]);
	assert_int_equal(vu_recv(sv[1], buf, sizeof(buf), fds, 4, &nfds), err);
	assert_int_equal(nfds, 0);
	if (!hangup)
		close(sv[0]);
	close(sv[1]);
	assert_int_equal(open_fds(), before);
}

static void sock_rejects(void **state)
{
	uint8_t buf[64];
	int sv[2], fds[4];
	unsigned int nfds;
	struct vu_msg out;
	struct mb m;
	int before = open_fds();

	(void)state;
	/* More descriptors than max_fds: all of them closed. */
	pair(sv);
	reset_msg(&m, 1);
	send_with_fds(sv[0], &m, 3);
	assert_int_equal(vu_recv(sv[1], buf, sizeof(buf), fds, 2, &nfds), -EMSGSIZE);
	assert_int_equal(nfds, 0);
	assert_int_equal(open_fds(), before + 2);
	/* Two where one is allowed (control room rounds up to 8 bytes). */
	send_with_fds(sv[0], &m, 2);
	assert_int_equal(vu_recv(sv[1], buf, sizeof(buf), fds, 1, &nfds), -EMSGSIZE);
	assert_int_equal(open_fds(), before + 2);
	/* The stream is still in step: the next message comes whole. */
	send_with_fds(sv[0], &m, 1);
	assert_int_equal(vu_recv(sv[1], buf, sizeof(buf), fds, 1, &nfds), 16);
	assert_int_equal(nfds, 1);
	vu_close_fds(fds, nfds);

	/* Bad flags are vu_decode()'s to refuse: received whole, in step. */
	reset_msg(&m, 1);
	set32(&m, 8, 0x40);
	send_with_fds(sv[0], &m, 0);
	reset_msg(&m, 2);
	send_with_fds(sv[0], &m, 0);
	assert_int_equal(vu_recv(sv[1], buf, sizeof(buf), fds, 1, &nfds), 16);
	assert_int_equal(vu_decode(buf, 16, nfds, &lim, &out), -EINVAL);
	assert_int_equal(vu_recv(sv[1], buf, sizeof(buf), fds, 1, &nfds), 16);
	assert_int_equal(vu_decode(buf, 16, nfds, &lim, &out), 0);
	assert_int_equal(out.hdr.msg_id, 0x1202);
	close(sv[0]);
	close(sv[1]);

	/* A size field above the buffer: E2BIG, its descriptor closed. */
	cmd(&m, VU_CMD_REGION_WRITE);
	set32(&m, 4, sizeof(buf) + 1);
	recv_fails(&m, false, -E2BIG);
	/* A header below 16 bytes in its size field. */
	reset_msg(&m, 1);
	set32(&m, 4, 8);
	recv_fails(&m, false, -EBADMSG);
	/* A truncated header: 8 bytes and a descriptor, then the end. */
	reset_msg(&m, 1);
	m.n = 8;
	recv_fails(&m, true, -EBADMSG);
	/* A body cut short. */
	reset_msg(&m, 1);
	u64(&m, 0);
	fin(&m);
	m.n -= 3;
	recv_fails(&m, true, -EBADMSG);

	/* Arguments. */
	assert_int_equal(vu_recv(-1, buf, 15, fds, 4, &nfds), -EINVAL);
	assert_int_equal(vu_send(-1, buf, 16, fds, VU_FDS_LIMIT + 1), -EINVAL);
	assert_int_equal(open_fds(), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_rejects),
		cmocka_unit_test(unsupported_commands),
		cmocka_unit_test(version_good),
		cmocka_unit_test(version_rejects),
		cmocka_unit_test(dma_map),
		cmocka_unit_test(dma_unmap),
		cmocka_unit_test(info_commands),
		cmocka_unit_test(device_reset),
		cmocka_unit_test(set_irqs),
		cmocka_unit_test(region_rw),
		cmocka_unit_test(encoders),
		cmocka_unit_test(region_info_reply),
		cmocka_unit_test(sock_good),
		cmocka_unit_test(sock_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
