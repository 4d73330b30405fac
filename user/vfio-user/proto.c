// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The vfio-user codec: client commands decoded and checked field by field,
 * replies encoded. No I/O and no state (see proto.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"

/* ---- little-endian fields --------------------------------------------- */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* One past the largest file offset (off_t is 64 bits). */
#define OFF_END ((uint64_t)INT64_MAX + 1)

/* [start, start + len) with len > 0 stays below 2^64. */
static bool range_wraps(uint64_t start, uint64_t len)
{
	return len - 1 > UINT64_MAX - start;
}

void vu_caps_defaults(struct vu_caps *caps)
{
	memset(caps, 0, sizeof(*caps));
	caps->max_msg_fds = VU_DEFAULT_MAX_MSG_FDS;
	caps->max_data_xfer_size = VU_DEFAULT_MAX_XFER;
	caps->pgsizes = VU_DEFAULT_PGSIZES;
	caps->max_dma_maps = VU_DEFAULT_MAX_DMA_MAPS;
}

size_t vu_max_msg_size(const struct vu_limits *lim)
{
	size_t rw = VU_HDR_SIZE + VU_REGION_RW_SIZE + (size_t)lim->max_data_xfer_size;

	return rw > VU_MIN_MSG_BUF ? rw : VU_MIN_MSG_BUF;
}

const char *vu_command_name(unsigned int command)
{
	/* In the spec's order; its names less the VFIO_USER_ prefix. */
	static const char *const names =
		"VERSION\0DMA_MAP\0DMA_UNMAP\0DEVICE_GET_INFO\0"
		"DEVICE_GET_REGION_INFO\0DEVICE_GET_REGION_IO_FDS\0"
		"DEVICE_GET_IRQ_INFO\0DEVICE_SET_IRQS\0REGION_READ\0REGION_WRITE\0"
		"DMA_READ\0DMA_WRITE\0DEVICE_RESET\0DIRTY_PAGES\0"
		"REGION_WRITE_MULTI\0DEVICE_FEATURE\0MIG_DATA_READ\0MIG_DATA_WRITE\0";
	const char *p = names;

	if (command < VU_CMD_VERSION || command > VU_CMD_MIG_DATA_WRITE)
		return "?";
	for (unsigned int i = VU_CMD_VERSION; i < command; i++)
		p += strlen(p) + 1;
	return p;
}

/* ---- the capabilities JSON -------------------------------------------- */

/*
 * A reader for the one document VERSION carries: an object, maybe with a
 * "capabilities" object whose known members are typed strictly (unsigned
 * integers without sign, fraction or exponent; booleans; objects). Other
 * members are skipped, but must be well-formed JSON no deeper than
 * VU_JSON_MAX_DEPTH. A known member given twice is malformed.
 */
struct jreader {
	const char *p, *end;
	int depth;
};

static void j_ws(struct jreader *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
				 *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

/* Whitespace, then c. */
static bool j_eat(struct jreader *j, char c)
{
	j_ws(j);
	if (j->p < j->end && *j->p == c) {
		j->p++;
		return true;
	}
	return false;
}

static bool j_peek(struct jreader *j, char c)
{
	j_ws(j);
	return j->p < j->end && *j->p == c;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A string; its first outcap - 1 bytes to out (NUL-terminated; escapes
 * decoded, \u escapes above ASCII as '?'). *truncated when it did not fit.
 */
static int j_string(struct jreader *j, char *out, size_t outcap, bool *truncated)
{
	size_t n = 0;

	*truncated = false;
	if (!j_eat(j, '"'))
		return -EINVAL;
	for (;;) {
		unsigned char c;

		if (j->p >= j->end)
			return -EINVAL;
		c = (unsigned char)*j->p++;
		if (c == '"')
			break;
		if (c < 0x20)
			return -EINVAL;
		if (c == '\\') {
			if (j->p >= j->end)
				return -EINVAL;
			c = (unsigned char)*j->p++;
			switch (c) {
			case '"': case '\\': case '/':
				break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u': {
				unsigned int v = 0;

				if (j->end - j->p < 4)
					return -EINVAL;
				for (int i = 0; i < 4; i++) {
					int h = hexval(j->p[i]);

					if (h < 0)
						return -EINVAL;
					v = v << 4 | (unsigned int)h;
				}
				j->p += 4;
				c = v > 0 && v < 0x80 ? (unsigned char)v : '?';
				break;
			}
			default:
				return -EINVAL;
			}
		}
		if (n + 1 < outcap)
			out[n++] = (char)c;
		else
			*truncated = true;
	}
	if (outcap)
		out[n] = '\0';
	return 0;
}

/* An unsigned integer that fits 64 bits. */
static int j_uint(struct jreader *j, uint64_t *v)
{
	const char *start;

	j_ws(j);
	start = j->p;
	*v = 0;
	while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
		unsigned int d = (unsigned int)(*j->p - '0');

		if (*v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		*v = *v * 10 + d;
		j->p++;
	}
	if (j->p == start || (*start == '0' && j->p - start > 1))
		return -EINVAL;
	/* A fraction or exponent makes it no integer. */
	if (j->p < j->end && (*j->p == '.' || *j->p == 'e' || *j->p == 'E'))
		return -EINVAL;
	return 0;
}

static bool j_word(struct jreader *j, const char *w)
{
	size_t n = strlen(w);

	j_ws(j);
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
		return false;
	j->p += n;
	return true;
}

static int j_bool(struct jreader *j, bool *v)
{
	if (j_word(j, "true"))
		*v = true;
	else if (j_word(j, "false"))
		*v = false;
	else
		return -EINVAL;
	return 0;
}

static int j_skip_digits(struct jreader *j)
{
	const char *start = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > start ? 0 : -EINVAL;
}

/* Any number, by the JSON grammar. */
static int j_skip_number(struct jreader *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (j_skip_digits(j))
		return -EINVAL;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (j_skip_digits(j))
			return -EINVAL;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j_skip_digits(j))
			return -EINVAL;
	}
	return 0;
}

typedef int (*j_member_fn)(struct jreader *j, const char *key, bool truncated,
			   void *ctx);

static int j_skip_value(struct jreader *j);

/* open, items separated by commas (none at all is fine), close. */
static int j_list(struct jreader *j, char open, char close,
		  int (*item)(struct jreader *j, void *arg), void *arg)
{
	int ret;

	if (!j_eat(j, open))
		return -EINVAL;
	if (++j->depth > VU_JSON_MAX_DEPTH)
		return -EINVAL;
	if (!j_eat(j, close)) {
		do {
			ret = item(j, arg);
			if (ret)
				return ret;
		} while (j_eat(j, ','));
		if (!j_eat(j, close))
			return -EINVAL;
	}
	j->depth--;
	return 0;
}

struct j_members {
	j_member_fn fn;		/* NULL: every value skipped */
	void *ctx;
};

/* "key": value, the value read by the object's member function. */
static int j_member(struct jreader *j, void *arg)
{
	const struct j_members *m = arg;
	char key[32];
	bool trunc;
	int ret;

	ret = j_string(j, key, sizeof(key), &trunc);
	if (ret)
		return ret;
	if (!j_eat(j, ':'))
		return -EINVAL;
	return m->fn ? m->fn(j, key, trunc, m->ctx) : j_skip_value(j);
}

static int j_object(struct jreader *j, j_member_fn fn, void *ctx)
{
	struct j_members m = { fn, ctx };

	return j_list(j, '{', '}', j_member, &m);
}

static int j_skip_item(struct jreader *j, void *arg)
{
	(void)arg;
	return j_skip_value(j);
}

static int j_skip_value(struct jreader *j)
{
	char dummy[1];
	bool trunc, b;

	j_ws(j);
	if (j->p >= j->end)
		return -EINVAL;
	switch (*j->p) {
	case '{':
		return j_object(j, NULL, NULL);
	case '[':
		return j_list(j, '[', ']', j_skip_item, NULL);
	case '"':
		return j_string(j, dummy, sizeof(dummy), &trunc);
	case 't':
	case 'f':
		return j_bool(j, &b);
	case 'n':
		return j_word(j, "null") ? 0 : -EINVAL;
	default:
		return j_skip_number(j);
	}
}

/* Marks a known member seen; a second time is malformed. */
static int j_once(struct vu_caps *caps, unsigned int bit)
{
	if (caps->present & bit)
		return -EINVAL;
	caps->present |= bit;
	return 0;
}

static int twin_member(struct jreader *j, const char *key, bool trunc, void *ctx)
{
	struct vu_caps *caps = ctx;
	uint64_t idx;

	if (!trunc && strcmp(key, "supported") == 0)
		return j_bool(j, &caps->twin_socket);
	if (!trunc && strcmp(key, "fd_index") == 0)
		return j_uint(j, &idx);
	return j_skip_value(j);
}

static int cap_member(struct jreader *j, const char *key, bool trunc, void *ctx)
{
	static const struct {
		const char *name;
		unsigned int bit;
		size_t off;
	} nums[] = {
		{ "max_msg_fds", VU_CAP_HAS_MAX_MSG_FDS, offsetof(struct vu_caps, max_msg_fds) },
		{ "max_data_xfer_size", VU_CAP_HAS_MAX_XFER, offsetof(struct vu_caps, max_data_xfer_size) },
		{ "pgsizes", VU_CAP_HAS_PGSIZES, offsetof(struct vu_caps, pgsizes) },
		{ "max_dma_maps", VU_CAP_HAS_MAX_DMA_MAPS, offsetof(struct vu_caps, max_dma_maps) },
	};
	struct vu_caps *caps = ctx;
	int ret;

	if (trunc)
		return j_skip_value(j);
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		uint64_t *v = (uint64_t *)((char *)caps + nums[i].off);

		if (strcmp(key, nums[i].name) != 0)
			continue;
		ret = j_once(caps, nums[i].bit);
		if (!ret)
			ret = j_uint(j, v);
		/* No page size at all, or one below 4 KiB, maps nothing. */
		if (!ret && nums[i].bit == VU_CAP_HAS_PGSIZES &&
		    (*v == 0 || (*v & (VU_DEFAULT_PGSIZES - 1))))
			ret = -EINVAL;
		return ret;
	}
	if (strcmp(key, "write_multiple") == 0)
		return j_once(caps, VU_CAP_HAS_WRITE_MULTI) ?:
		       j_bool(j, &caps->write_multiple);
	if (strcmp(key, "migration") == 0) {
		caps->migration = true;
		return j_once(caps, VU_CAP_HAS_MIGRATION) ?:
		       (j_peek(j, '{') ? j_object(j, NULL, NULL) : -EINVAL);
	}
	if (strcmp(key, "twin_socket") == 0)
		return j_once(caps, VU_CAP_HAS_TWIN_SOCKET) ?:
		       j_object(j, twin_member, caps);
	return j_skip_value(j);
}

static int top_member(struct jreader *j, const char *key, bool trunc, void *ctx)
{
	if (!trunc && strcmp(key, "capabilities") == 0)
		return j_once(ctx, VU_CAP_HAS_OBJECT) ?: j_object(j, cap_member, ctx);
	return j_skip_value(j);
}

int vu_parse_caps_json(const char *json, size_t len, struct vu_caps *caps)
{
	struct jreader j = { .p = json, .end = json + len };
	int ret;

	vu_caps_defaults(caps);
	ret = j_object(&j, top_member, caps);
	if (ret)
		return ret;
	j_ws(&j);
	return j.p == j.end ? 0 : -EINVAL;
}

/* ---- decoding ---------------------------------------------------------- */

int vu_hdr_parse(const void *buf, size_t len, struct vu_hdr *hdr)
{
	const uint8_t *p = buf;
	uint32_t type;

	if (len < VU_HDR_SIZE)
		return -EBADMSG;
	hdr->msg_id = get16(p);
	hdr->command = get16(p + 2);
	hdr->size = get32(p + 4);
	if (hdr->size < VU_HDR_SIZE)
		return -EBADMSG;
	hdr->flags = get32(p + 8);
	hdr->error_no = get32(p + 12);
	if (hdr->flags & ~VU_FLAG_KNOWN)
		return -EINVAL;
	type = hdr->flags & VU_FLAG_TYPE_MASK;
	if (type != VU_FLAG_TYPE_COMMAND && type != VU_FLAG_TYPE_REPLY)
		return -EINVAL;
	/* Error bit and number belong to replies; a reply wants none. */
	if (type == VU_FLAG_TYPE_COMMAND && ((hdr->flags & VU_FLAG_ERROR) || hdr->error_no))
		return -EINVAL;
	if (type == VU_FLAG_TYPE_REPLY && (hdr->flags & VU_FLAG_NO_REPLY))
		return -EINVAL;
	return 0;
}

static int dec_version(const uint8_t *p, uint32_t n, unsigned int nfds,
		       struct vu_msg *m)
{
	const char *json = (const char *)p + 4;
	size_t jlen;

	if (n < 4 || nfds)
		return -EINVAL;
	m->u.version.major = get16(p);
	m->u.version.minor = get16(p + 2);
	vu_caps_defaults(&m->u.version.caps);
	if (m->u.version.major != VU_VERSION_MAJOR)
		return -ENOTSUP;
	if (n == 4)
		return 0;
	/* The JSON ends with its NUL, the payload's last byte, and has no other. */
	jlen = n - 5;
	if (json[jlen] != '\0' || memchr(json, '\0', jlen))
		return -EINVAL;
	return vu_parse_caps_json(json, jlen, &m->u.version.caps);
}

/* Page alignment of a DMA window, when the limits ask for it. */
static bool dma_misaligned(const struct vu_limits *lim, uint64_t a, uint64_t b)
{
	uint64_t pg = lim->dma_pgsize;

	return pg && ((a | b) & (pg - 1));
}

static int dec_dma_map(const uint8_t *p, uint32_t n, unsigned int nfds,
		       const struct vu_limits *lim, struct vu_msg *m)
{
	typeof(m->u.dma_map) *d = &m->u.dma_map;

	if (n != VU_DMA_MAP_SIZE || nfds > 1)
		return -EINVAL;
	d->argsz = get32(p);
	d->flags = get32(p + 4);
	if (d->argsz != VU_DMA_MAP_SIZE || (d->flags & ~(VU_DMA_READ | VU_DMA_WRITE)))
		return -EINVAL;
	d->offset = get64(p + 8);
	d->address = get64(p + 16);
	d->size = get64(p + 24);
	d->has_fd = nfds == 1;
	if (!d->size || range_wraps(d->address, d->size))
		return -EINVAL;
	/* The file offset is mmap()'s: the window's end fits off_t. */
	if (d->has_fd ? d->size > OFF_END || d->offset > OFF_END - d->size :
			d->offset != 0)
		return -EINVAL;
	if (dma_misaligned(lim, d->address | d->offset, d->size))
		return -EINVAL;
	return 0;
}

static int dec_dma_unmap(const uint8_t *p, uint32_t n, unsigned int nfds,
			 const struct vu_limits *lim, struct vu_msg *m)
{
	typeof(m->u.dma_unmap) *d = &m->u.dma_unmap;

	if (n != VU_DMA_UNMAP_SIZE || nfds)
		return -EINVAL;
	d->argsz = get32(p);
	d->flags = get32(p + 4);
	d->address = get64(p + 8);
	d->size = get64(p + 16);
	if (d->argsz < VU_DMA_UNMAP_SIZE)
		return -EINVAL;
	if (d->flags & VU_UNMAP_DIRTY_BITMAP)
		return -ENOTSUP;
	if (d->flags == VU_UNMAP_ALL)
		return d->address || d->size ? -EINVAL : 0;
	if (d->flags)
		return -EINVAL;
	if (!d->size || range_wraps(d->address, d->size) ||
	    dma_misaligned(lim, d->address, d->size))
		return -EINVAL;
	return 0;
}

/* DEVICE_GET_INFO, GET_REGION_INFO, GET_IRQ_INFO: argsz, index, zeros. */
static int dec_info(const uint8_t *p, uint32_t n, unsigned int nfds,
		    struct vu_msg *m)
{
	uint32_t want, argsz;

	switch (m->hdr.command) {
	case VU_CMD_DEVICE_GET_INFO:
		want = VU_DEVICE_INFO_SIZE;
		break;
	case VU_CMD_DEVICE_GET_REGION_INFO:
		want = VU_REGION_INFO_SIZE;
		break;
	default:
		want = VU_IRQ_INFO_SIZE;
		break;
	}
	if (n != want || nfds)
		return -EINVAL;
	argsz = get32(p);
	/* argsz: room for the reply's fixed part at least. */
	if (argsz < want)
		return -EINVAL;
	/* Every field but argsz (and the index) must be zero. */
	for (uint32_t i = 4; i < n; i++) {
		if (p[i] && (m->hdr.command == VU_CMD_DEVICE_GET_INFO || i < 8 || i >= 12))
			return -EINVAL;
	}
	switch (m->hdr.command) {
	case VU_CMD_DEVICE_GET_INFO:
		m->u.device_info.argsz = argsz;
		break;
	case VU_CMD_DEVICE_GET_REGION_INFO:
		m->u.region_info.argsz = argsz;
		m->u.region_info.index = get32(p + 8);
		break;
	default:
		m->u.irq_info.argsz = argsz;
		m->u.irq_info.index = get32(p + 8);
		break;
	}
	return 0;
}

static int dec_set_irqs(const uint8_t *p, uint32_t n, unsigned int nfds,
			struct vu_msg *m)
{
	typeof(m->u.set_irqs) *s = &m->u.set_irqs;
	uint32_t data, action;

	if (n < VU_IRQ_SET_SIZE)
		return -EINVAL;
	s->argsz = get32(p);
	s->flags = get32(p + 4);
	s->index = get32(p + 8);
	s->start = get32(p + 12);
	s->count = get32(p + 16);
	s->bools = NULL;
	s->has_fds = false;
	data = s->flags & VU_IRQ_DATA_MASK;
	action = s->flags & VU_IRQ_ACTION_ALL;
	if (s->argsz != n || (s->flags & ~(VU_IRQ_DATA_MASK | VU_IRQ_ACTION_ALL)))
		return -EINVAL;
	/* One data type, one action. */
	if (!data || (data & (data - 1)) || !action || (action & (action - 1)))
		return -EINVAL;
	/* The last vector, start + count - 1, within 32 bits. */
	if (s->count && s->count - 1 > UINT32_MAX - s->start)
		return -EINVAL;
	/* A count of 0 only to turn the whole index off (start 0, trigger). */
	if (!s->count &&
	    (data != VU_IRQ_DATA_NONE || action != VU_IRQ_ACTION_TRIGGER || s->start))
		return -EINVAL;
	switch (data) {
	case VU_IRQ_DATA_NONE:
		return n == VU_IRQ_SET_SIZE && !nfds ? 0 : -EINVAL;
	case VU_IRQ_DATA_BOOL:
		if (nfds || n - VU_IRQ_SET_SIZE != s->count)
			return -EINVAL;
		s->bools = p + VU_IRQ_SET_SIZE;
		return 0;
	default:
		/* An eventfd a vector, or none at all: de-assign them. */
		if (n != VU_IRQ_SET_SIZE || (nfds && nfds != s->count))
			return -EINVAL;
		s->has_fds = nfds > 0;
		return 0;
	}
}

static int dec_region_rw(const uint8_t *p, uint32_t n, unsigned int nfds,
			 const struct vu_limits *lim, struct vu_msg *m)
{
	typeof(m->u.region_rw) *r = &m->u.region_rw;
	bool write = m->hdr.command == VU_CMD_REGION_WRITE;

	if (n < VU_REGION_RW_SIZE || nfds)
		return -EINVAL;
	r->offset = get64(p);
	r->region = get32(p + 8);
	r->count = get32(p + 12);
	r->data = write ? p + VU_REGION_RW_SIZE : NULL;
	if (r->count > lim->max_data_xfer_size)
		return -E2BIG;
	if (!r->count || range_wraps(r->offset, r->count))
		return -EINVAL;
	if (n - VU_REGION_RW_SIZE != (write ? r->count : 0))
		return -EINVAL;
	return 0;
}

int vu_decode(const void *buf, size_t len, unsigned int nfds,
	      const struct vu_limits *lim, struct vu_msg *out)
{
	const uint8_t *p = (const uint8_t *)buf + VU_HDR_SIZE;
	uint32_t n;
	int ret;

	memset(out, 0, sizeof(*out));
	out->nfds = nfds;
	ret = vu_hdr_parse(buf, len, &out->hdr);
	if (ret)
		return ret;
	if (out->hdr.size != len)
		return -EBADMSG;
	if ((out->hdr.flags & VU_FLAG_TYPE_MASK) != VU_FLAG_TYPE_COMMAND)
		return -EINVAL;
	out->hdr_valid = true;
	if (nfds > lim->max_msg_fds)
		return -E2BIG;
	n = out->hdr.size - VU_HDR_SIZE;

	switch (out->hdr.command) {
	case VU_CMD_VERSION:
		return dec_version(p, n, nfds, out);
	case VU_CMD_DMA_MAP:
		return dec_dma_map(p, n, nfds, lim, out);
	case VU_CMD_DMA_UNMAP:
		return dec_dma_unmap(p, n, nfds, lim, out);
	case VU_CMD_DEVICE_GET_INFO:
	case VU_CMD_DEVICE_GET_REGION_INFO:
	case VU_CMD_DEVICE_GET_IRQ_INFO:
		return dec_info(p, n, nfds, out);
	case VU_CMD_DEVICE_SET_IRQS:
		return dec_set_irqs(p, n, nfds, out);
	case VU_CMD_REGION_READ:
	case VU_CMD_REGION_WRITE:
		return dec_region_rw(p, n, nfds, lim, out);
	case VU_CMD_DEVICE_RESET:
		return n || nfds ? -EINVAL : 0;
	default:
		return -ENOTSUP;
	}
}

/* ---- encoding ---------------------------------------------------------- */

/* The reply header for req with a payload of n bytes, if it fits cap. */
static ssize_t enc_hdr(void *buf, size_t cap, const struct vu_hdr *req,
		       size_t n, uint32_t flags, uint32_t err)
{
	uint8_t *p = buf;

	if (n > UINT32_MAX - VU_HDR_SIZE)
		return -EINVAL;
	if (cap < VU_HDR_SIZE + n)
		return -ENOSPC;
	put16(p, req->msg_id);
	put16(p + 2, req->command);
	put32(p + 4, (uint32_t)(VU_HDR_SIZE + n));
	put32(p + 8, VU_FLAG_TYPE_REPLY | flags);
	put32(p + 12, err);
	return (ssize_t)(VU_HDR_SIZE + n);
}

ssize_t vu_enc_reply(void *buf, size_t cap, const struct vu_hdr *req)
{
	return enc_hdr(buf, cap, req, 0, 0, 0);
}

ssize_t vu_enc_error(void *buf, size_t cap, const struct vu_hdr *req, int err)
{
	if (err <= 0)
		return -EINVAL;
	return enc_hdr(buf, cap, req, 0, VU_FLAG_ERROR, (uint32_t)err);
}

ssize_t vu_enc_version(void *buf, size_t cap, const struct vu_hdr *req,
		       uint16_t client_minor, const struct vu_caps *offer)
{
	const uint16_t ours = VU_VERSION_MINOR;
	char json[256];
	int jlen;
	ssize_t len;
	uint8_t *p = buf;

	jlen = snprintf(json, sizeof(json),
			"{\"capabilities\":{\"max_msg_fds\":%llu,"
			"\"max_data_xfer_size\":%llu,\"pgsizes\":%llu,"
			"\"max_dma_maps\":%llu}}",
			(unsigned long long)offer->max_msg_fds,
			(unsigned long long)offer->max_data_xfer_size,
			(unsigned long long)offer->pgsizes,
			(unsigned long long)offer->max_dma_maps);
	if (jlen < 0 || (size_t)jlen >= sizeof(json))
		return -EINVAL;
	len = enc_hdr(buf, cap, req, 4 + (size_t)jlen + 1, 0, 0);
	if (len < 0)
		return len;
	put16(p + VU_HDR_SIZE, VU_VERSION_MAJOR);
	/* The client's minor version, or ours if that is lower. */
	put16(p + VU_HDR_SIZE + 2, client_minor < ours ? client_minor : ours);
	memcpy(p + VU_HDR_SIZE + 4, json, (size_t)jlen + 1);
	return len;
}

/*
 * The reply header, then fixed fields by fmt ('4' a 32-bit value of v,
 * '8' a 64-bit one), then extra bytes left for the caller to fill.
 */
static ssize_t enc_fields(void *buf, size_t cap, const struct vu_hdr *req,
			  const char *fmt, const uint64_t *v, size_t extra)
{
	uint8_t *p = (uint8_t *)buf + VU_HDR_SIZE;
	size_t n = 0;
	ssize_t len;

	for (const char *f = fmt; *f; f++)
		n += (size_t)(*f - '0');
	len = enc_hdr(buf, cap, req, n + extra, 0, 0);
	if (len < 0)
		return len;
	for (size_t i = 0; fmt[i]; p += fmt[i] - '0', i++) {
		if (fmt[i] == '4')
			put32(p, (uint32_t)v[i]);
		else
			put64(p, v[i]);
	}
	return len;
}

ssize_t vu_enc_dma_unmap(void *buf, size_t cap, const struct vu_hdr *req,
			 uint32_t flags, uint64_t address, uint64_t size)
{
	return enc_fields(buf, cap, req, "4488",
			  (const uint64_t[]){ VU_DMA_UNMAP_SIZE, flags, address, size }, 0);
}

ssize_t vu_enc_device_info(void *buf, size_t cap, const struct vu_hdr *req,
			   uint32_t flags, uint32_t num_regions, uint32_t num_irqs)
{
	return enc_fields(buf, cap, req, "4444",
			  (const uint64_t[]){ VU_DEVICE_INFO_SIZE, flags, num_regions, num_irqs }, 0);
}

ssize_t vu_enc_irq_info(void *buf, size_t cap, const struct vu_hdr *req,
			uint32_t flags, uint32_t index, uint32_t count)
{
	return enc_fields(buf, cap, req, "4444",
			  (const uint64_t[]){ VU_IRQ_INFO_SIZE, flags, index, count }, 0);
}

ssize_t vu_enc_region_info(void *buf, size_t cap, const struct vu_hdr *req,
			   uint32_t req_argsz, const struct vu_region_desc *rd,
			   bool *full)
{
	uint8_t *p = (uint8_t *)buf + VU_HDR_SIZE;
	uint64_t need = VU_REGION_INFO_SIZE;
	uint32_t flags = rd->flags & (VU_REGION_READ | VU_REGION_WRITE | VU_REGION_MMAP);
	bool caps;
	ssize_t len;

	if (rd->nr_areas) {
		if (!rd->areas || rd->nr_areas > (UINT32_MAX - VU_REGION_INFO_SIZE -
			VU_CAP_HDR_SIZE - VU_SPARSE_HDR_SIZE) / VU_SPARSE_AREA_SIZE)
			return -EINVAL;
		need += VU_CAP_HDR_SIZE + VU_SPARSE_HDR_SIZE +
			(uint64_t)rd->nr_areas * VU_SPARSE_AREA_SIZE;
	}
	caps = rd->nr_areas && req_argsz >= need;
	len = enc_fields(buf, cap, req, "444488",
			 (const uint64_t[]){ need, flags | (caps ? VU_REGION_CAPS : 0),
					     rd->index, caps ? VU_REGION_INFO_SIZE : 0,
					     rd->size, rd->offset },
			 caps ? need - VU_REGION_INFO_SIZE : 0);
	if (len < 0)
		return len;
	if (caps) {
		uint8_t *c = p + VU_REGION_INFO_SIZE;

		put16(c, VU_CAP_SPARSE_MMAP);
		put16(c + 2, VU_CAP_SPARSE_MMAP_VERSION);
		put32(c + 4, 0);	/* the last capability */
		put32(c + 8, rd->nr_areas);
		put32(c + 12, 0);
		c += VU_CAP_HDR_SIZE + VU_SPARSE_HDR_SIZE;
		for (uint32_t i = 0; i < rd->nr_areas; i++, c += VU_SPARSE_AREA_SIZE) {
			put64(c, rd->areas[i].offset);
			put64(c + 8, rd->areas[i].size);
		}
	}
	if (full)
		*full = !rd->nr_areas || caps;
	return len;
}

/* offset, region, count, and n more bytes of payload. */
static ssize_t enc_rw(void *buf, size_t cap, const struct vu_hdr *req,
		      uint64_t offset, uint32_t region, uint32_t count, size_t n)
{
	return enc_fields(buf, cap, req, "844", (const uint64_t[]){ offset, region, count }, n);
}

ssize_t vu_enc_region_read(void *buf, size_t cap, const struct vu_hdr *req,
			   uint64_t offset, uint32_t region, uint32_t count,
			   uint8_t **data)
{
	ssize_t len = enc_rw(buf, cap, req, offset, region, count, count);

	if (len >= 0 && data)
		*data = (uint8_t *)buf + VU_HDR_SIZE + VU_REGION_RW_SIZE;
	return len;
}

ssize_t vu_enc_region_write(void *buf, size_t cap, const struct vu_hdr *req,
			    uint64_t offset, uint32_t region, uint32_t count)
{
	return enc_rw(buf, cap, req, offset, region, count, 0);
}
