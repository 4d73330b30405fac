// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Config-space virtualization engine: per-byte tables, the type-0 header
 * policy, BARs, guest accesses and change notification.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pci_regs.h>

#include "vconfig_int.h"

/* Command bits the guest controls on the real device. */
#define VC_CMD_PASS (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
		     PCI_COMMAND_INTX_DISABLE)
/* Status error bits: emulated, write-1-to-clear. */
#define VC_STATUS_ERRORS (PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT | \
			  PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT | \
			  PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY)

/*
 * The type-0 header. Every header byte is emulated; bytes not listed here
 * (reserved 0x35..0x3b) read 0. BARs and the ROM BAR are set up by
 * vc_init_bars() since their masks depend on the sizes.
 */
static const struct pa_vc_field header_policy[] = {
	{ .off = PCI_VENDOR_ID, .len = 2, .keep = 0xffff },
	{ .off = PCI_DEVICE_ID, .len = 2, .keep = 0xffff },
	{ .off = PCI_COMMAND, .len = 2, .keep = 0,
	  .wmask = VC_CMD_PASS, .pass = VC_CMD_PASS },
	{ .off = PCI_STATUS, .len = 2,
	  .keep = PCI_STATUS_66MHZ | PCI_STATUS_FAST_BACK |
		  PCI_STATUS_DEVSEL_MASK | VC_STATUS_ERRORS,
	  .live = PCI_STATUS_INTERRUPT, .w1c = VC_STATUS_ERRORS },
	{ .off = PCI_REVISION_ID, .len = 1, .keep = 0xff },
	{ .off = PCI_CLASS_PROG, .len = 1, .keep = 0xff },
	{ .off = PCI_CLASS_DEVICE, .len = 2, .keep = 0xffff },
	{ .off = PCI_CACHE_LINE_SIZE, .len = 1, .keep = 0xff, .wmask = 0xff },
	{ .off = PCI_LATENCY_TIMER, .len = 1, .keep = 0xff, .wmask = 0xff },
	{ .off = PCI_HEADER_TYPE, .len = 1, .keep = 0x7f },
	{ .off = PCI_BIST, .len = 1, .keep = 0 },
	{ .off = PCI_CARDBUS_CIS, .len = 4, .keep = 0xffffffff },
	{ .off = PCI_SUBSYSTEM_VENDOR_ID, .len = 2, .keep = 0xffff },
	{ .off = PCI_SUBSYSTEM_ID, .len = 2, .keep = 0xffff },
	{ .off = PCI_CAPABILITY_LIST, .len = 1, .keep = 0 },	/* rebuilt */
	{ .off = PCI_INTERRUPT_LINE, .len = 1, .keep = 0, .wmask = 0xff },
	{ .off = PCI_INTERRUPT_PIN, .len = 1, .keep = 0xff },
	{ .off = PCI_MIN_GNT, .len = 1, .keep = 0xff },
	{ .off = PCI_MAX_LAT, .len = 1, .keep = 0xff },
};

uint32_t pa_vc_get(const uint8_t *p, unsigned int len)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < len; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

void pa_vc_put(uint8_t *p, unsigned int len, uint32_t v)
{
	for (unsigned int i = 0; i < len; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void pa_vc_log(struct pa_vconfig *vc, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (!vc->ops.log)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	vc->ops.log(vc->opaque, buf);
}

void pa_vc_apply_field(struct pa_vconfig *vc, unsigned int base,
		       const struct pa_vc_field *f, unsigned int limit)
{
	unsigned int o = base + f->off;

	if (f->off + f->len > limit || o + f->len > PA_VCONFIG_SPACE_SIZE)
		return;
	for (unsigned int i = 0; i < f->len; i++) {
		unsigned int s = 8 * i;
		uint8_t dev = vc->host[o + i];

		vc->shadow[o + i] = (uint8_t)((dev & (f->keep >> s)) | (f->set >> s));
		vc->emu[o + i] = (uint8_t)~(f->live >> s);
		vc->wmask[o + i] = (uint8_t)(f->wmask >> s);
		vc->w1c[o + i] = (uint8_t)(f->w1c >> s);
		vc->pass[o + i] = (uint8_t)(f->pass >> s);
	}
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* Set up BAR i (and its upper half): type from the device, size from opts. */
static int vc_init_bar(struct pa_vconfig *vc, unsigned int i, unsigned int *next)
{
	unsigned int o = PCI_BASE_ADDRESS_0 + 4 * i;
	uint32_t reg = pa_vc_get(vc->host + o, 4);
	uint64_t size = vc->opts.bar_size[i];
	uint32_t flags;
	uint64_t mask;
	bool io = reg & PCI_BASE_ADDRESS_SPACE_IO;
	bool mem64 = !io && (reg & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
		     PCI_BASE_ADDRESS_MEM_TYPE_64;

	*next = i + 1;
	if (!size)
		return 0;	/* absent: reads 0, ignores writes */
	if (!is_pow2(size) || size < (io ? 4u : 16u)) {
		pa_vc_log(vc, "BAR%u: bad size 0x%llx", i, (unsigned long long)size);
		return -EINVAL;
	}
	if (io) {
		if (size > 0x10000) {
			pa_vc_log(vc, "BAR%u: I/O BAR too large", i);
			return -EINVAL;
		}
		flags = PCI_BASE_ADDRESS_SPACE_IO;
	} else {
		flags = reg & (PCI_BASE_ADDRESS_MEM_TYPE_MASK | PCI_BASE_ADDRESS_MEM_PREFETCH);
		if (mem64 && i == PCI_STD_NUM_BARS - 1) {
			pa_vc_log(vc, "BAR%u: 64-bit BAR in the last slot", i);
			return -EINVAL;
		}
		if (!mem64 && (flags & PCI_BASE_ADDRESS_MEM_TYPE_MASK)) {
			pa_vc_log(vc, "BAR%u: unsupported memory type 0x%x", i, reg & 7);
			return -EINVAL;
		}
		if (!mem64 && size > 0x80000000ull) {
			pa_vc_log(vc, "BAR%u: 32-bit BAR too large", i);
			return -EINVAL;
		}
	}
	mask = ~(size - 1) & ~(uint64_t)(io ? 0x3 : 0xf);
	pa_vc_put(vc->shadow + o, 4, flags);
	pa_vc_put(vc->wmask + o, 4, (uint32_t)mask);
	if (mem64) {
		pa_vc_put(vc->shadow + o + 4, 4, 0);
		pa_vc_put(vc->wmask + o + 4, 4, (uint32_t)(mask >> 32));
		vc->bar_upper[i + 1] = true;
		*next = i + 2;
	}
	return 0;
}

static int vc_init_bars(struct pa_vconfig *vc)
{
	uint64_t rs = vc->opts.rom_size;
	unsigned int i = 0;
	int ret;

	/* The BAR bytes and the ROM BAR default to emulated 0, read-only. */
	while (i < PCI_STD_NUM_BARS) {
		ret = vc_init_bar(vc, i, &i);
		if (ret)
			return ret;
	}
	if (rs) {
		if (!is_pow2(rs) || rs < 0x800 || rs > 0x80000000ull) {
			pa_vc_log(vc, "ROM: bad size 0x%llx", (unsigned long long)rs);
			return -EINVAL;
		}
		pa_vc_put(vc->wmask + PCI_ROM_ADDRESS, 4,
			  ((uint32_t)~(rs - 1) & PCI_ROM_ADDRESS_MASK) |
			  PCI_ROM_ADDRESS_ENABLE);
	}
	return 0;
}

static int vc_check_opts(struct pa_vconfig *vc)
{
	unsigned int cs = vc->opts.config_size;

	if (cs && cs != PA_VCONFIG_LEGACY_SIZE && cs != PA_VCONFIG_SPACE_SIZE) {
		pa_vc_log(vc, "config_size must be 0, 256 or 4096");
		return -EINVAL;
	}
	return 0;
}

int pa_vconfig_new(const struct pa_vconfig_ops *ops, void *opaque,
		   const struct pa_vconfig_opts *opts, struct pa_vconfig **out)
{
	static const struct pa_vconfig_opts no_opts;
	struct pa_vconfig *vc;
	uint16_t vendor;
	int ret;

	if (!ops || !ops->read || !ops->write || !out)
		return -EINVAL;
	*out = NULL;
	vc = calloc(1, sizeof(*vc));
	if (!vc)
		return -ENOMEM;
	vc->ops = *ops;
	vc->opaque = opaque;
	vc->opts = opts ? *opts : no_opts;

	ret = vc_check_opts(vc);
	if (ret)
		goto fail;
	ret = ops->read(opaque, 0, vc->host, PA_VCONFIG_LEGACY_SIZE);
	if (ret) {
		pa_vc_log(vc, "cannot read the device's config space: %d", ret);
		ret = ret < 0 ? ret : -EIO;
		goto fail;
	}
	vendor = (uint16_t)pa_vc_get(vc->host + PCI_VENDOR_ID, 2);
	if (vendor == 0xffff || vendor == 0) {
		pa_vc_log(vc, "no device (vendor ID 0x%04x)", vendor);
		ret = -ENODEV;
		goto fail;
	}
	if ((vc->host[PCI_HEADER_TYPE] & 0x7f) != PCI_HEADER_TYPE_NORMAL) {
		pa_vc_log(vc, "header type %u: only endpoints can be assigned",
			  vc->host[PCI_HEADER_TYPE] & 0x7f);
		ret = -EINVAL;
		goto fail;
	}
	/* The policies below read the device as its quirks say. */
	pa_vc_apply_quirks(vc);

	/* Everything starts emulated, zero and read-only: hidden. */
	memset(vc->emu, 0xff, sizeof(vc->emu));
	for (size_t i = 0; i < sizeof(header_policy) / sizeof(header_policy[0]); i++)
		pa_vc_apply_field(vc, 0, &header_policy[i], PCI_STD_HEADER_SIZEOF);
	if (vc->opts.multifunction)
		vc->shadow[PCI_HEADER_TYPE] |= 0x80;
	ret = vc_init_bars(vc);
	if (ret)
		goto fail;
	ret = pa_vc_build_caps(vc);
	if (ret)
		goto fail;
	if (vc->shadow[PCI_CAPABILITY_LIST])
		vc->shadow[PCI_STATUS] |= PCI_STATUS_CAP_LIST;

	if (vc->opts.config_size)
		vc->size = vc->opts.config_size;
	else
		vc->size = pa_vconfig_find_cap(vc, PCI_CAP_ID_EXP) ?
			   PA_VCONFIG_SPACE_SIZE : PA_VCONFIG_LEGACY_SIZE;
	/* Only PCIe functions have extended space; a failed read shows none. */
	if (vc->size == PA_VCONFIG_SPACE_SIZE && pa_vconfig_find_cap(vc, PCI_CAP_ID_EXP)) {
		if (!ops->read(opaque, PA_VCONFIG_LEGACY_SIZE, vc->host + PA_VCONFIG_LEGACY_SIZE,
			       PA_VCONFIG_SPACE_SIZE - PA_VCONFIG_LEGACY_SIZE))
			pa_vc_build_ext_caps(vc);
		else
			pa_vc_log(vc, "cannot read extended config space: none shown");
	}
	memcpy(vc->init_shadow, vc->shadow, sizeof(vc->shadow));
	*out = vc;
	return 0;
fail:
	free(vc);
	return ret;
}

void pa_vconfig_free(struct pa_vconfig *vc)
{
	free(vc);
}

static bool vc_access_ok(uint16_t off, unsigned int len)
{
	return (len == 1 || len == 2 || len == 4) && !(off & (len - 1));
}

int pa_vconfig_read(struct pa_vconfig *vc, uint16_t off, unsigned int len,
		    uint32_t *val)
{
	uint32_t emu, v;
	uint8_t dev[4];
	int ret;

	if (!vc || !val || !vc_access_ok(off, len))
		return -EINVAL;
	if (off >= vc->size) {
		*val = 0;
		return 0;
	}
	v = pa_vc_get(vc->shadow + off, len);
	emu = pa_vc_get(vc->emu + off, len);
	if (emu != (len == 4 ? 0xffffffffu : (1u << (8 * len)) - 1)) {
		ret = vc->ops.read(vc->opaque, off, dev, len);
		if (ret) {
			*val = 0xffffffff;
			return ret < 0 ? ret : -EIO;
		}
		v = (v & emu) | (pa_vc_get(dev, len) & ~emu);
	}
	*val = v;
	return 0;
}

/* Forward the passthrough bits of a guest write to the device. */
static int vc_forward(struct pa_vconfig *vc, uint16_t off, unsigned int len,
		      uint32_t val)
{
	uint32_t pm = pa_vc_get(vc->pass + off, len);
	unsigned int first, last = 0, slen, start;
	uint32_t sval, spm, full;
	uint8_t buf[4];
	int ret;

	if (!pm)
		return 0;
	first = len;
	for (unsigned int i = 0; i < len; i++) {
		if (!((pm >> (8 * i)) & 0xff))
			continue;
		if (first == len)
			first = i;
		last = i;
	}
	for (slen = 1; slen < len && first / slen != last / slen; slen *= 2)
		;
	start = first / slen * slen;
	full = slen == 4 ? 0xffffffffu : (1u << (8 * slen)) - 1;
	sval = (val >> (8 * start)) & full;
	spm = (pm >> (8 * start)) & full;
	if (spm != full) {
		ret = vc->ops.read(vc->opaque, (uint16_t)(off + start), buf, slen);
		if (ret)
			return ret < 0 ? ret : -EIO;
		sval = (pa_vc_get(buf, slen) & ~spm) | (sval & spm);
	}
	pa_vc_put(buf, slen, sval);
	ret = vc->ops.write(vc->opaque, (uint16_t)(off + start), buf, slen);
	return ret < 0 ? ret : (ret ? -EIO : 0);
}

/* Guest-visible state compared around each write to drive notifications. */
struct vc_state {
	struct pa_vconfig_bar bar[PA_VCONFIG_NUM_BARS + 1];
	struct pa_vconfig_msi msi;
	struct pa_vconfig_msix msix;
	uint16_t cmd;
	uint8_t line;
};

static void vc_get_state(const struct pa_vconfig *vc, struct vc_state *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned int i = 0; i <= PA_VCONFIG_ROM_INDEX; i++)
		pa_vconfig_get_bar(vc, i, &s->bar[i]);
	pa_vconfig_get_msi(vc, &s->msi);
	pa_vconfig_get_msix(vc, &s->msix);
	s->cmd = pa_vconfig_command(vc);
	s->line = vc->shadow[PCI_INTERRUPT_LINE];
}

static void vc_notify_changes(struct pa_vconfig *vc, const struct vc_state *a,
			      const struct vc_state *b)
{
	void (*n)(void *, enum pa_vconfig_event, unsigned int) = vc->ops.notify;

	if (!n)
		return;
	if (a->cmd != b->cmd)
		n(vc->opaque, PA_VCONFIG_EV_COMMAND, 0);
	for (unsigned int i = 0; i <= PA_VCONFIG_ROM_INDEX; i++) {
		const struct pa_vconfig_bar *x = &a->bar[i], *y = &b->bar[i];

		if (x->mapped != y->mapped || (y->mapped && x->addr != y->addr))
			n(vc->opaque, PA_VCONFIG_EV_BAR, i);
	}
	if (memcmp(&a->msi, &b->msi, sizeof(a->msi)))
		n(vc->opaque, PA_VCONFIG_EV_MSI, 0);
	if (a->msix.enabled != b->msix.enabled || a->msix.masked != b->msix.masked)
		n(vc->opaque, PA_VCONFIG_EV_MSIX, 0);
	if (a->line != b->line)
		n(vc->opaque, PA_VCONFIG_EV_INTX, 0);
}

int pa_vconfig_write(struct pa_vconfig *vc, uint16_t off, unsigned int len,
		     uint32_t val)
{
	struct vc_state before, after;
	int ret;

	if (!vc || !vc_access_ok(off, len))
		return -EINVAL;
	if (off >= vc->size)
		return 0;
	vc_get_state(vc, &before);
	for (unsigned int i = 0; i < len; i++) {
		unsigned int o = off + i;
		uint8_t b = (uint8_t)(val >> (8 * i));
		uint8_t s = vc->shadow[o];

		s = (uint8_t)((s & ~vc->wmask[o]) | (b & vc->wmask[o]));
		s &= (uint8_t)~(b & vc->w1c[o]);
		vc->shadow[o] = s;
	}
	ret = vc_forward(vc, off, len, val);
	vc_get_state(vc, &after);
	vc_notify_changes(vc, &before, &after);
	return ret;
}

void pa_vconfig_reset(struct pa_vconfig *vc)
{
	struct vc_state before, after;

	if (!vc)
		return;
	vc_get_state(vc, &before);
	memcpy(vc->shadow, vc->init_shadow, sizeof(vc->shadow));
	vc_get_state(vc, &after);
	vc_notify_changes(vc, &before, &after);
}

unsigned int pa_vconfig_size(const struct pa_vconfig *vc)
{
	return vc ? vc->size : 0;
}

uint8_t pa_vconfig_find_cap(const struct pa_vconfig *vc, uint8_t id)
{
	if (!vc)
		return 0;
	for (unsigned int i = 0; i < vc->ncaps; i++)
		if (vc->cap_id[i] == id)
			return vc->cap_pos[i];
	return 0;
}

uint16_t pa_vconfig_command(const struct pa_vconfig *vc)
{
	return vc ? (uint16_t)pa_vc_get(vc->shadow + PCI_COMMAND, 2) : 0;
}

/* Is [addr, addr + size) a usable guest address for this kind of BAR? */
static bool vc_bar_usable(uint64_t addr, uint64_t size, uint64_t limit)
{
	uint64_t last = addr + size - 1;

	return addr && last > addr && last < limit;
}

int pa_vconfig_get_bar(const struct pa_vconfig *vc, unsigned int index,
		       struct pa_vconfig_bar *out)
{
	uint16_t cmd;
	uint32_t lo;

	if (!vc || !out || index > PA_VCONFIG_ROM_INDEX)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	cmd = pa_vconfig_command(vc);
	if (index == PA_VCONFIG_ROM_INDEX) {
		lo = pa_vc_get(vc->shadow + PCI_ROM_ADDRESS, 4);
		out->size = vc->opts.rom_size;
		if (!out->size)
			return 0;
		out->addr = lo & PCI_ROM_ADDRESS_MASK;
		out->enabled = (lo & PCI_ROM_ADDRESS_ENABLE) && (cmd & PCI_COMMAND_MEMORY);
		out->mapped = out->enabled &&
			      vc_bar_usable(out->addr, out->size, 0xffffffffull);
		return 0;
	}
	/* The upper half of a 64-bit BAR is not a BAR of its own. */
	if (vc->bar_upper[index])
		return 0;
	out->size = vc->opts.bar_size[index];
	if (!out->size)
		return 0;
	lo = pa_vc_get(vc->shadow + PCI_BASE_ADDRESS_0 + 4 * index, 4);
	out->io = lo & PCI_BASE_ADDRESS_SPACE_IO;
	if (out->io) {
		out->addr = lo & PCI_BASE_ADDRESS_IO_MASK;
		out->enabled = cmd & PCI_COMMAND_IO;
		out->mapped = out->enabled && vc_bar_usable(out->addr, out->size, 0x10000);
		return 0;
	}
	out->prefetch = lo & PCI_BASE_ADDRESS_MEM_PREFETCH;
	out->mem64 = (lo & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;
	out->addr = lo & (uint32_t)PCI_BASE_ADDRESS_MEM_MASK;
	if (out->mem64)
		out->addr |= (uint64_t)pa_vc_get(vc->shadow + PCI_BASE_ADDRESS_0 +
						 4 * index + 4, 4) << 32;
	out->enabled = cmd & PCI_COMMAND_MEMORY;
	out->mapped = out->enabled &&
		      vc_bar_usable(out->addr, out->size,
				    out->mem64 ? UINT64_MAX : 0xffffffffull);
	return 0;
}

int pa_vconfig_get_intx(const struct pa_vconfig *vc, struct pa_vconfig_intx *out)
{
	if (!vc || !out)
		return -EINVAL;
	out->pin = vc->shadow[PCI_INTERRUPT_PIN];
	out->line = vc->shadow[PCI_INTERRUPT_LINE];
	out->disabled = pa_vconfig_command(vc) & PCI_COMMAND_INTX_DISABLE;
	return 0;
}
