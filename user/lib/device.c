// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The device layer: one assigned function as a VMM presents it.
 *
 * Config space is served by a pa_vconfig over the device fd's config
 * region. Its notifications drive everything else:
 *  - BAR placement: page-aligned MMIO BARs are mmap()ed from the device fd
 *    once and handed to the VM as memslots at the guest address; the pages
 *    holding the MSI-X table or PBA stay trapped (the table is emulated
 *    here). Sub-page and I/O BARs are trapped whole and reach the device
 *    through pread/pwrite. The ROM BAR is trapped and served from a copy.
 *  - interrupts: one eventfd per vector given to PCIASSIGN_SET_IRQS and
 *    bound to a guest GSI with an irqfd; MSI/MSI-X vectors get MSI routes
 *    updated as the guest reprograms them, INTx is a level irqfd on the
 *    swizzled IOAPIC pin whose resample eventfd unmasks the host line.
 * Only one interrupt index is live at a time (the module's rule): MSI-X,
 * else MSI, else INTx.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include <linux/pciassign.h>
#include "libpciassign.h"
#include "rom.h"
#include "vconfig.h"

#define PA_MAX_PIECES		5	/* a BAR split by table and PBA pages */
#define PA_MSI_MAX		32

/* ------------------------------------------------------------------ */
/* DMA                                                                */
/* ------------------------------------------------------------------ */

int pa_dma_map(int ctx_fd, void *vaddr, uint64_t iova, uint64_t size,
	       bool writable)
{
	struct pciassign_dma_map m = {
		.argsz = sizeof(m),
		.flags = PCIASSIGN_DMA_MAP_READ |
			 (writable ? PCIASSIGN_DMA_MAP_WRITE : 0),
		.vaddr = (uint64_t)(uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};

	return ioctl(ctx_fd, PCIASSIGN_DMA_MAP, &m) ? -errno : 0;
}

int pa_dma_unmap(int ctx_fd, uint64_t iova, uint64_t size)
{
	struct pciassign_dma_unmap u = {
		.argsz = sizeof(u),
		.iova = iova,
		.size = size,
	};

	return ioctl(ctx_fd, PCIASSIGN_DMA_UNMAP, &u) ? -errno : 0;
}

/* ------------------------------------------------------------------ */
/* The device                                                         */
/* ------------------------------------------------------------------ */

struct pa_device;

/* A trapped part of a BAR: [off, off + size) of the BAR. */
struct pa_piece {
	struct pa_bar_map *bar;
	uint64_t off, size;
	bool trap;			/* else a memslot */
	int slot;
};

struct pa_bar_map {
	struct pa_device *d;
	unsigned int index;		/* 0..5 or PA_VCONFIG_ROM_INDEX */
	struct pciassign_region_info info;
	void *map;			/* mmap of the whole BAR, or NULL */
	bool live;			/* mapped into the guest */
	bool io;
	uint64_t gaddr;
	struct pa_piece piece[PA_MAX_PIECES];
	unsigned int npieces;
};

struct pa_msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl;
};

enum pa_irq_mode { PA_MODE_NONE, PA_MODE_INTX, PA_MODE_MSI, PA_MODE_MSIX };

struct pa_device {
	int dev_fd;
	struct pa_device_opts opts;
	const struct pa_vm_ops *ops;
	void *opaque;
	uint8_t devfn;
	long page_size;
	struct pa_vconfig *vc;
	struct pa_bar_map bar[PA_VCONFIG_NUM_BARS + 1];

	uint8_t *rom;
	size_t rom_len;
	uint64_t rom_size;

	uint32_t irq_count[PCIASSIGN_NUM_IRQS];
	enum pa_irq_mode mode;

	/* INTx (or its host-MSI stand-in with prefer_msi) */
	uint8_t pin;
	int intx_gsi;
	int intx_efd, intx_rfd;
	bool intx_via_msi;

	/* MSI */
	unsigned int msi_nvec;
	int msi_efd[PA_MSI_MAX];
	int msi_gsi[PA_MSI_MAX];
	uint32_t msi_mask;

	/* MSI-X */
	struct pa_vconfig_msix msix;	/* layout, read at open */
	struct pa_msix_entry *table;
	int *msix_efd;
	int *msix_gsi;
	bool *msix_live;		/* vector unmasked at the module */
};

static void dlog(struct pa_device *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void dlog(struct pa_device *d, const char *fmt, ...)
{
	char msg[320], bdf[PA_BDF_STRLEN];
	int n;
	va_list ap;

	if (!d->ops->log)
		return;
	pa_bdf_format(&d->opts.host, bdf);
	n = snprintf(msg, sizeof(msg), "%s%s%s: ", bdf, d->opts.id[0] ? " " : "",
		     d->opts.id);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	d->ops->log(d->opaque, msg);
}

const struct pa_device_opts *pa_device_get_opts(const struct pa_device *d)
{
	return &d->opts;
}

int pa_device_fd(const struct pa_device *d)
{
	return d->dev_fd;
}

/* pread/pwrite that must move exactly len bytes. */
static int pa_region_rw(struct pa_device *d, unsigned int region, uint64_t off,
			void *buf, size_t len, bool write)
{
	off_t pos = (off_t)(PCIASSIGN_REGION_OFFSET(region) + off);
	ssize_t n = write ? pwrite(d->dev_fd, buf, len, pos) :
			    pread(d->dev_fd, buf, len, pos);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static int pa_cfg_read(void *opaque, uint16_t off, void *buf, size_t len)
{
	return pa_region_rw(opaque, PCIASSIGN_REGION_CONFIG, off, buf, len, false);
}

static int pa_cfg_write(void *opaque, uint16_t off, const void *buf, size_t len)
{
	return pa_region_rw(opaque, PCIASSIGN_REGION_CONFIG, off, (void *)buf,
			    len, true);
}

static void pa_cfg_log(void *opaque, const char *msg)
{
	dlog(opaque, "config: %s", msg);
}

/* SET_IRQS with an optional fd array. */
static int pa_set_irqs(struct pa_device *d, uint32_t flags, uint32_t index,
		       uint32_t start, uint32_t count, const int *fds)
{
	size_t nfds = fds ? count : 0;
	struct pciassign_irq_set *s;
	int ret;

	s = calloc(1, sizeof(*s) + nfds * sizeof(int32_t));
	if (!s)
		return -ENOMEM;
	s->argsz = (uint32_t)(sizeof(*s) + nfds * sizeof(int32_t));
	s->flags = flags;
	s->index = index;
	s->start = start;
	s->count = count;
	for (size_t i = 0; i < nfds; i++)
		s->fds[i] = fds[i];
	ret = ioctl(d->dev_fd, PCIASSIGN_SET_IRQS, s) ? -errno : 0;
	free(s);
	return ret;
}

static int pa_new_eventfd(void)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	return fd < 0 ? -errno : fd;
}

static void pa_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- INTx ---- */

static void pa_intx_off(struct pa_device *d)
{
	if (d->mode != PA_MODE_INTX)
		return;
	if (d->intx_via_msi) {
		pa_set_irqs(d, PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_MSI, 0, 0, NULL);
	} else {
		pa_set_irqs(d, PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_INTX, 0, 0, NULL);
		pa_set_irqs(d, PCIASSIGN_IRQ_SET_RESAMPLE, PCIASSIGN_IRQ_INTX, 0, 1,
			    (int[]){ -1 });
	}
	d->ops->irqfd(d->opaque, d->intx_gsi, d->intx_efd, -1, false);
	pa_close_fd(&d->intx_efd);
	pa_close_fd(&d->intx_rfd);
	d->mode = PA_MODE_NONE;
}

static int pa_intx_on(struct pa_device *d)
{
	bool via_msi = d->opts.prefer_msi && d->irq_count[PCIASSIGN_IRQ_MSI];
	int ret;

	if (d->mode != PA_MODE_NONE || !d->pin || d->intx_gsi < 0)
		return 0;
	if (!via_msi && !d->irq_count[PCIASSIGN_IRQ_INTX])
		return 0;
	d->intx_efd = pa_new_eventfd();
	if (d->intx_efd < 0)
		return d->intx_efd;
	if (!via_msi) {
		d->intx_rfd = pa_new_eventfd();
		if (d->intx_rfd < 0) {
			ret = d->intx_rfd;
			goto close;
		}
	}
	/* The guest side first, so nothing the device raises is lost. */
	ret = d->ops->irqfd(d->opaque, d->intx_gsi, d->intx_efd, d->intx_rfd, true);
	if (ret)
		goto close;
	if (via_msi) {
		/* A host MSI edge pulses the guest's line: no resample needed. */
		ret = pa_set_irqs(d, PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_MSI,
				  0, 1, &d->intx_efd);
	} else {
		ret = pa_set_irqs(d, PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_INTX,
				  0, 1, &d->intx_efd);
		if (!ret) {
			ret = pa_set_irqs(d, PCIASSIGN_IRQ_SET_RESAMPLE,
					  PCIASSIGN_IRQ_INTX, 0, 1, &d->intx_rfd);
			if (ret)
				pa_set_irqs(d, PCIASSIGN_IRQ_SET_TRIGGER,
					    PCIASSIGN_IRQ_INTX, 0, 0, NULL);
		}
	}
	if (ret) {
		d->ops->irqfd(d->opaque, d->intx_gsi, d->intx_efd, -1, false);
		goto close;
	}
	d->intx_via_msi = via_msi;
	d->mode = PA_MODE_INTX;
	return 0;
close:
	dlog(d, "INTx setup failed: %s", strerror(-ret));
	pa_close_fd(&d->intx_efd);
	pa_close_fd(&d->intx_rfd);
	return ret;
}

/* ---- MSI ---- */

static void pa_msi_off(struct pa_device *d)
{
	if (d->mode != PA_MODE_MSI)
		return;
	pa_set_irqs(d, PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_MSI, 0, 0, NULL);
	for (unsigned int i = 0; i < d->msi_nvec; i++) {
		d->ops->irqfd(d->opaque, d->msi_gsi[i], d->msi_efd[i], -1, false);
		d->ops->gsi_free(d->opaque, d->msi_gsi[i]);
		pa_close_fd(&d->msi_efd[i]);
	}
	d->msi_nvec = 0;
	d->mode = PA_MODE_NONE;
}

static uint32_t pa_msi_vec_data(const struct pa_vconfig_msi *m, unsigned int nvec,
				unsigned int i)
{
	/* Multiple messages: the low bits of the data carry the vector. */
	return (m->data & ~(uint32_t)(nvec - 1)) | i;
}

/* Routes and masks for the live MSI block. */
static void pa_msi_apply(struct pa_device *d, const struct pa_vconfig_msi *m)
{
	for (unsigned int i = 0; i < d->msi_nvec; i++) {
		bool masked = m->maskable && (m->mask & (1u << i));

		d->ops->gsi_set_msi(d->opaque, d->msi_gsi[i], m->address,
				    pa_msi_vec_data(m, d->msi_nvec, i));
		if (masked != !!(d->msi_mask & (1u << i)))
			pa_set_irqs(d, masked ? PCIASSIGN_IRQ_SET_MASK :
					      PCIASSIGN_IRQ_SET_UNMASK,
				    PCIASSIGN_IRQ_MSI, i, 1, NULL);
	}
	d->msi_mask = m->maskable ? m->mask : 0;
}

static int pa_msi_on(struct pa_device *d, const struct pa_vconfig_msi *m,
		     unsigned int nvec)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < nvec; i++) {
		d->msi_efd[i] = pa_new_eventfd();
		d->msi_gsi[i] = d->ops->gsi_alloc(d->opaque);
		if (d->msi_efd[i] < 0 || d->msi_gsi[i] < 0) {
			ret = d->msi_efd[i] < 0 ? d->msi_efd[i] : d->msi_gsi[i];
			goto undo;
		}
		ret = d->ops->gsi_set_msi(d->opaque, d->msi_gsi[i], m->address,
					  pa_msi_vec_data(m, nvec, i));
		if (!ret)
			ret = d->ops->irqfd(d->opaque, d->msi_gsi[i], d->msi_efd[i],
					    -1, true);
		if (ret) {
			i++;
			goto undo;
		}
	}
	ret = pa_set_irqs(d, PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_MSI, 0,
			  nvec, d->msi_efd);
	if (ret)
		goto undo;
	d->msi_nvec = nvec;
	d->msi_mask = 0;
	d->mode = PA_MODE_MSI;
	pa_msi_apply(d, m);
	return 0;
undo:
	dlog(d, "MSI setup failed: %s", strerror(-ret));
	while (i-- > 0) {
		if (d->msi_efd[i] >= 0 && d->msi_gsi[i] >= 0)
			d->ops->irqfd(d->opaque, d->msi_gsi[i], d->msi_efd[i], -1, false);
		if (d->msi_gsi[i] >= 0)
			d->ops->gsi_free(d->opaque, d->msi_gsi[i]);
		pa_close_fd(&d->msi_efd[i]);
	}
	return ret;
}

/* ---- MSI-X ---- */

static void pa_msix_off(struct pa_device *d)
{
	if (d->mode != PA_MODE_MSIX)
		return;
	pa_set_irqs(d, PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_MSIX, 0, 0, NULL);
	for (unsigned int i = 0; i < d->msix.table_size; i++) {
		d->ops->irqfd(d->opaque, d->msix_gsi[i], d->msix_efd[i], -1, false);
		d->ops->gsi_free(d->opaque, d->msix_gsi[i]);
		pa_close_fd(&d->msix_efd[i]);
		d->msix_gsi[i] = -1;
		d->msix_live[i] = false;
	}
	d->mode = PA_MODE_NONE;
}

/* Bring vector i of the live MSI-X block in line with the guest's table. */
static void pa_msix_apply(struct pa_device *d, unsigned int i, bool fn_masked)
{
	const struct pa_msix_entry *e = &d->table[i];
	bool live = !fn_masked && !(e->ctrl & 1);

	if (live)
		d->ops->gsi_set_msi(d->opaque, d->msix_gsi[i],
				    (uint64_t)e->addr_hi << 32 | e->addr_lo, e->data);
	if (live != d->msix_live[i]) {
		/* Masked at the module: fires are kept pending, not lost. */
		pa_set_irqs(d, live ? PCIASSIGN_IRQ_SET_UNMASK : PCIASSIGN_IRQ_SET_MASK,
			    PCIASSIGN_IRQ_MSIX, i, 1, NULL);
		d->msix_live[i] = live;
	}
}

static int pa_msix_on(struct pa_device *d, bool fn_masked)
{
	unsigned int n = d->msix.table_size, i;
	int ret = 0;

	for (i = 0; i < n; i++) {
		d->msix_efd[i] = pa_new_eventfd();
		d->msix_gsi[i] = d->ops->gsi_alloc(d->opaque);
		if (d->msix_efd[i] < 0 || d->msix_gsi[i] < 0) {
			ret = d->msix_efd[i] < 0 ? d->msix_efd[i] : d->msix_gsi[i];
			i++;
			goto undo;
		}
		/* No route until the guest unmasks: an unrouted GSI drops. */
		ret = d->ops->irqfd(d->opaque, d->msix_gsi[i], d->msix_efd[i], -1, true);
		if (ret) {
			i++;
			goto undo;
		}
	}
	ret = pa_set_irqs(d, PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_MSIX, 0, n,
			  d->msix_efd);
	if (ret)
		goto undo;
	d->mode = PA_MODE_MSIX;
	for (i = 0; i < n; i++) {
		d->msix_live[i] = true;	/* what TRIGGER left at the module */
		pa_msix_apply(d, i, fn_masked);
	}
	return 0;
undo:
	dlog(d, "MSI-X setup failed: %s", strerror(-ret));
	while (i-- > 0) {
		if (d->msix_efd[i] >= 0 && d->msix_gsi[i] >= 0)
			d->ops->irqfd(d->opaque, d->msix_gsi[i], d->msix_efd[i], -1, false);
		if (d->msix_gsi[i] >= 0)
			d->ops->gsi_free(d->opaque, d->msix_gsi[i]);
		d->msix_gsi[i] = -1;
		pa_close_fd(&d->msix_efd[i]);
	}
	return ret;
}

/* Pick the interrupt mode the guest's config asks for and switch to it. */
static void pa_irq_update(struct pa_device *d)
{
	struct pa_vconfig_msi msi;
	struct pa_vconfig_msix msix;
	unsigned int nvec = 0;
	enum pa_irq_mode want = PA_MODE_INTX;

	pa_vconfig_get_msi(d->vc, &msi);
	pa_vconfig_get_msix(d->vc, &msix);
	if (msix.present && msix.enabled && d->irq_count[PCIASSIGN_IRQ_MSIX] >= msix.table_size) {
		want = PA_MODE_MSIX;
	} else if (msi.present && msi.enabled && d->irq_count[PCIASSIGN_IRQ_MSI]) {
		want = PA_MODE_MSI;
		nvec = msi.vectors;
		if (nvec > d->irq_count[PCIASSIGN_IRQ_MSI])
			nvec = d->irq_count[PCIASSIGN_IRQ_MSI];
		if (nvec > PA_MSI_MAX)
			nvec = PA_MSI_MAX;
		if (!nvec)
			nvec = 1;
	}

	if (d->mode == want) {
		if (want == PA_MODE_MSI && nvec == d->msi_nvec) {
			pa_msi_apply(d, &msi);
			return;
		}
		if (want == PA_MODE_MSIX) {
			for (unsigned int i = 0; i < d->msix.table_size; i++)
				pa_msix_apply(d, i, msix.masked);
			return;
		}
		if (want == PA_MODE_INTX)
			return;
	}
	pa_intx_off(d);
	pa_msi_off(d);
	pa_msix_off(d);
	switch (want) {
	case PA_MODE_MSIX:
		pa_msix_on(d, msix.masked);
		break;
	case PA_MODE_MSI:
		pa_msi_on(d, &msi, nvec);
		break;
	default:
		pa_intx_on(d);
		break;
	}
}

/* ---- BARs ---- */

/*
 * Whether [off, off + len) of BAR @b touches the MSI-X table; if it is a
 * well-formed table access (DWORD or QWORD, aligned, one entry), also
 * which entry and register.
 */
static bool pa_msix_table_hit(struct pa_device *d, struct pa_bar_map *b,
			      uint64_t off, unsigned int len, unsigned int *entry,
			      unsigned int *reg, bool *well_formed)
{
	uint64_t t, tsize;

	if (!d->table || b->index != d->msix.table_bir)
		return false;
	tsize = (uint64_t)d->msix.table_size * 16;
	if (off + len <= d->msix.table_offset || off >= d->msix.table_offset + tsize)
		return false;
	t = off - d->msix.table_offset;
	*well_formed = off >= d->msix.table_offset && !(t & (len - 1)) &&
		       (len == 4 || len == 8) && t + len <= tsize;
	*entry = (unsigned int)(t / 16);
	*reg = (unsigned int)(t % 16) / 4;
	return true;
}

/*
 * Every trapped access to a BAR: emulated MSI-X table, else the device.
 * The PCI spec leaves table accesses other than aligned DWORD/QWORD
 * undefined; here they read the emulated bytes (all ones outside them)
 * and are dropped when written, so they never reach the device's table.
 */
static void pa_bar_access(struct pa_bar_map *b, uint64_t off, void *data,
			  unsigned int len, bool is_write)
{
	struct pa_device *d = b->d;
	unsigned int e, r;
	bool well_formed;
	int ret;

	if (pa_msix_table_hit(d, b, off, len, &e, &r, &well_formed)) {
		uint32_t *regs = (uint32_t *)&d->table[e];
		struct pa_vconfig_msix st;

		if (!well_formed) {
			const uint8_t *bytes = (const uint8_t *)d->table;
			uint64_t tsize = (uint64_t)d->msix.table_size * 16;

			if (is_write)
				return;
			for (unsigned int i = 0; i < len; i++) {
				uint64_t at = off + i;

				((uint8_t *)data)[i] = at >= d->msix.table_offset &&
					at - d->msix.table_offset < tsize ?
					bytes[at - d->msix.table_offset] : 0xff;
			}
			return;
		}
		if (!is_write) {
			memcpy(data, &regs[r], len);
			return;
		}
		memcpy(&regs[r], data, len);
		if (d->mode == PA_MODE_MSIX) {
			pa_vconfig_get_msix(d->vc, &st);
			pa_msix_apply(d, e, st.masked);
		}
		return;
	}
	ret = pa_region_rw(d, b->index, off, data, len, is_write);
	if (ret && !is_write)
		memset(data, 0xff, len);
}

static void pa_piece_trap(void *arg, uint64_t off, void *data, unsigned int len,
			  bool is_write)
{
	struct pa_piece *p = arg;

	pa_bar_access(p->bar, p->off + off, data, len, is_write);
}

static void pa_rom_trap(void *arg, uint64_t off, void *data, unsigned int len,
			bool is_write)
{
	struct pa_device *d = arg;
	uint8_t *out = data;

	if (is_write)
		return;		/* ROM */
	for (unsigned int i = 0; i < len; i++)
		out[i] = off + i < d->rom_len ? d->rom[off + i] : 0xff;
}

/* Split a BAR into memslot and trapped pieces. */
static void pa_bar_layout(struct pa_device *d, struct pa_bar_map *b)
{
	uint64_t ps = (uint64_t)d->page_size, size = b->info.size;
	uint64_t tr[2][2];
	unsigned int ntr = 0, i;
	uint64_t at = 0;

	b->npieces = 0;
	if (!b->map) {
		b->piece[b->npieces++] = (struct pa_piece){ b, 0, size, true, -1 };
		return;
	}
	if (d->table && d->msix.table_bir == b->index) {
		uint64_t s = d->msix.table_offset & ~(ps - 1);
		uint64_t e = d->msix.table_offset + (uint64_t)d->msix.table_size * 16;

		tr[ntr][0] = s;
		tr[ntr++][1] = (e + ps - 1) & ~(ps - 1);
	}
	if (d->table && d->msix.pba_bir == b->index) {
		uint64_t s = d->msix.pba_offset & ~(ps - 1);
		uint64_t e = d->msix.pba_offset + ((d->msix.table_size + 63) / 64) * 8;

		tr[ntr][0] = s;
		tr[ntr++][1] = (e + ps - 1) & ~(ps - 1);
	}
	/* Sort and merge the (at most two) trapped ranges. */
	if (ntr == 2 && tr[1][0] < tr[0][0]) {
		uint64_t t0 = tr[0][0], t1 = tr[0][1];

		tr[0][0] = tr[1][0];
		tr[0][1] = tr[1][1];
		tr[1][0] = t0;
		tr[1][1] = t1;
	}
	if (ntr == 2 && tr[1][0] <= tr[0][1]) {
		if (tr[1][1] > tr[0][1])
			tr[0][1] = tr[1][1];
		ntr = 1;
	}
	for (i = 0; i < ntr; i++) {
		uint64_t s = tr[i][0], e = tr[i][1] < size ? tr[i][1] : size;

		if (s >= size)
			continue;
		if (s > at)
			b->piece[b->npieces++] = (struct pa_piece){ b, at, s - at, false, -1 };
		b->piece[b->npieces++] = (struct pa_piece){ b, s, e - s, true, -1 };
		at = e;
	}
	if (at < size)
		b->piece[b->npieces++] = (struct pa_piece){ b, at, size - at, false, -1 };
}

static void pa_bar_unmap(struct pa_device *d, struct pa_bar_map *b)
{
	if (!b->live)
		return;
	if (b->index == PA_VCONFIG_ROM_INDEX) {
		d->ops->trap_set(d->opaque, false, b->gaddr, 0, NULL, NULL);
	} else {
		for (unsigned int i = 0; i < b->npieces; i++) {
			struct pa_piece *p = &b->piece[i];

			if (p->trap)
				d->ops->trap_set(d->opaque, b->io, b->gaddr + p->off,
						 0, NULL, NULL);
			else if (p->slot >= 0)
				d->ops->memslot_set(d->opaque, &p->slot,
						    b->gaddr + p->off, 0, NULL);
		}
	}
	b->live = false;
}

static void pa_bar_map_at(struct pa_device *d, struct pa_bar_map *b, uint64_t gaddr)
{
	int ret = 0;

	b->gaddr = gaddr;
	if (b->index == PA_VCONFIG_ROM_INDEX) {
		ret = d->ops->trap_set(d->opaque, false, gaddr, d->rom_size,
				       pa_rom_trap, d);
		if (ret)
			dlog(d, "ROM at %#llx: %s", (unsigned long long)gaddr,
			     strerror(-ret));
		b->live = !ret;
		return;
	}
	for (unsigned int i = 0; i < b->npieces; i++) {
		struct pa_piece *p = &b->piece[i];

		p->slot = -1;
		if (p->trap)
			ret = d->ops->trap_set(d->opaque, b->io, gaddr + p->off,
					       p->size, pa_piece_trap, p);
		else
			ret = d->ops->memslot_set(d->opaque, &p->slot, gaddr + p->off,
						  p->size, (uint8_t *)b->map + p->off);
		if (ret) {
			dlog(d, "BAR%u piece %#llx+%#llx at %#llx: %s", b->index,
			     (unsigned long long)p->off, (unsigned long long)p->size,
			     (unsigned long long)(gaddr + p->off), strerror(-ret));
			/* Undo the pieces already placed. */
			b->npieces = i;
			b->live = true;
			pa_bar_unmap(d, b);
			pa_bar_layout(d, b);
			return;
		}
	}
	b->live = true;
}

static void pa_bar_update(struct pa_device *d, unsigned int index)
{
	struct pa_bar_map *b = &d->bar[index];
	struct pa_vconfig_bar vb;

	if (pa_vconfig_get_bar(d->vc, index, &vb) || !vb.size)
		return;
	if (b->live && (!vb.mapped || vb.addr != b->gaddr))
		pa_bar_unmap(d, b);
	if (vb.mapped && !b->live)
		pa_bar_map_at(d, b, vb.addr);
}

static void pa_cfg_notify(void *opaque, enum pa_vconfig_event ev,
			  unsigned int index)
{
	struct pa_device *d = opaque;

	switch (ev) {
	case PA_VCONFIG_EV_BAR:
		pa_bar_update(d, index);
		break;
	case PA_VCONFIG_EV_MSI:
	case PA_VCONFIG_EV_MSIX:
		pa_irq_update(d);
		break;
	default:
		break;
	}
}

int pa_device_config_read(struct pa_device *d, uint16_t off, unsigned int len,
			  uint32_t *val)
{
	return pa_vconfig_read(d->vc, off, len, val);
}

int pa_device_config_write(struct pa_device *d, uint16_t off, unsigned int len,
			   uint32_t val)
{
	return pa_vconfig_write(d->vc, off, len, val);
}

/* ---- open / close ---- */

static int pa_load_rom(struct pa_device *d)
{
	const struct pciassign_region_info *ri = &d->bar[PA_VCONFIG_ROM_INDEX].info;
	void *img = NULL;
	size_t len = 0;
	int ret;

	if (!d->opts.rombar)
		return 0;
	if (d->opts.romfile[0]) {
		ret = pa_rom_load_file(d->opts.romfile, &img, &len, &d->rom_size);
		if (ret) {
			dlog(d, "romfile %s: %s", d->opts.romfile,
			     ret == -EINVAL ? "not a PCI option ROM (no 55 AA)" :
			     strerror(-ret));
			return ret;
		}
		d->rom = img;
		d->rom_len = len;
		return 0;
	}
	if (!ri->size || ri->size > PA_ROM_MAX)
		return 0;
	img = malloc(ri->size);
	if (!img)
		return -ENOMEM;
	ret = pa_region_rw(d, PCIASSIGN_REGION_ROM, 0, img, ri->size, false);
	if (!ret)
		ret = pa_rom_validate(img, ri->size, &d->rom_size);
	if (ret) {
		/* Like a missing ROM: the guest just sees no ROM BAR. */
		dlog(d, "device ROM unusable (%s): no ROM BAR", strerror(-ret));
		free(img);
		d->rom_size = 0;
		return 0;
	}
	d->rom = img;
	d->rom_len = ri->size;
	return 0;
}

/* What the module says of the device: its regions and IRQ counts. */
static int pa_device_query(struct pa_device *d, struct pa_vconfig_opts *vo)
{
	struct pciassign_device_info di = { .argsz = sizeof(di) };
	unsigned int i;

	if (ioctl(d->dev_fd, PCIASSIGN_DEVICE_INFO, &di))
		return -errno;
	for (i = 0; i <= PA_VCONFIG_ROM_INDEX; i++) {
		struct pa_bar_map *b = &d->bar[i];

		b->d = d;
		b->index = i;
		b->info.argsz = sizeof(b->info);
		b->info.index = i;
		if (ioctl(d->dev_fd, PCIASSIGN_REGION_INFO, &b->info))
			return -errno;
		b->io = b->info.flags & PCIASSIGN_REGION_INFO_IO;
		if (i < PA_VCONFIG_NUM_BARS)
			vo->bar_size[i] = b->info.size;
	}
	for (i = 0; i < PCIASSIGN_NUM_IRQS; i++) {
		struct pciassign_irq_info ii = { .argsz = sizeof(ii), .index = i };

		if (ioctl(d->dev_fd, PCIASSIGN_IRQ_INFO, &ii))
			return -errno;
		d->irq_count[i] = ii.count;
	}
	return 0;
}

/* The emulated MSI-X table, every entry masked as at reset. */
static int pa_msix_alloc(struct pa_device *d)
{
	unsigned int n = d->msix.table_size;

	if (!d->msix.present || !n)
		return 0;
	d->table = calloc(n, sizeof(*d->table));
	d->msix_efd = malloc(n * sizeof(int));
	d->msix_gsi = malloc(n * sizeof(int));
	d->msix_live = calloc(n, sizeof(bool));
	if (!d->table || !d->msix_efd || !d->msix_gsi || !d->msix_live)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		d->table[i].ctrl = 1;	/* masked at reset */
		d->msix_efd[i] = -1;
		d->msix_gsi[i] = -1;
	}
	return 0;
}

/* mmap() the BARs that can be (the others are trapped) and lay them out. */
static void pa_bars_map(struct pa_device *d)
{
	for (unsigned int i = 0; i < PA_VCONFIG_NUM_BARS; i++) {
		struct pa_bar_map *b = &d->bar[i];

		if (!b->info.size)
			continue;
		if ((b->info.flags & PCIASSIGN_REGION_INFO_MMAP) && !b->io &&
		    !(b->info.size & ((uint64_t)d->page_size - 1))) {
			b->map = mmap(NULL, b->info.size, PROT_READ | PROT_WRITE,
				      MAP_SHARED, d->dev_fd, (off_t)b->info.offset);
			if (b->map == MAP_FAILED) {
				/* Still usable through the trapped slow path. */
				dlog(d, "BAR%u mmap: %s, trapping it", i, strerror(errno));
				b->map = NULL;
			}
		}
		pa_bar_layout(d, b);
	}
}

/* INTx wiring, live from the start like real hardware. */
static void pa_intx_setup(struct pa_device *d)
{
	struct pa_vconfig_intx intx;

	pa_vconfig_get_intx(d->vc, &intx);
	d->pin = intx.pin;
	d->intx_gsi = d->pin ? d->ops->intx_gsi(d->opaque, d->devfn, d->pin) : -1;
	if (!d->opts.share_intx)
		dlog(d, "share_intx=off: the module picks INTx masking itself");
	if (d->opts.bootindex >= 0)
		dlog(d, "bootindex=%d: no firmware to boot from it", d->opts.bootindex);
	pa_irq_update(d);
}

static int pa_device_setup(struct pa_device *d)
{
	struct pa_vconfig_opts vo = { 0 };
	struct pa_vconfig_ops vops = {
		.read = pa_cfg_read,
		.write = pa_cfg_write,
		.notify = pa_cfg_notify,
		.log = pa_cfg_log,
	};
	int ret;

	ret = pa_device_query(d, &vo);
	if (ret)
		return ret;
	ret = pa_load_rom(d);
	if (ret)
		return ret;
	vo.rom_size = d->rom_size;
	vo.guest_devfn = d->devfn;
	ret = pa_vconfig_new(&vops, d, &vo, &d->vc);
	if (ret) {
		d->vc = NULL;
		return ret;
	}
	pa_vconfig_get_msix(d->vc, &d->msix);
	ret = pa_msix_alloc(d);
	if (ret)
		return ret;
	pa_bars_map(d);
	pa_intx_setup(d);
	return 0;
}

int pa_device_open_fd(int dev_fd, const struct pa_device_opts *o,
		      const struct pa_vm_ops *ops, void *opaque,
		      uint8_t guest_devfn, struct pa_device **out)
{
	struct pa_device *d;
	int ret;

	if (dev_fd < 0 || !o || !ops || !out || !ops->memslot_set || !ops->trap_set ||
	    !ops->gsi_alloc || !ops->gsi_free || !ops->gsi_set_msi || !ops->irqfd ||
	    !ops->intx_gsi) {
		if (dev_fd >= 0)
			close(dev_fd);
		return -EINVAL;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		close(dev_fd);
		return -ENOMEM;
	}
	d->dev_fd = dev_fd;
	d->opts = *o;
	d->ops = ops;
	d->opaque = opaque;
	d->devfn = guest_devfn;
	d->page_size = sysconf(_SC_PAGESIZE);
	d->intx_efd = d->intx_rfd = -1;
	for (unsigned int i = 0; i < PA_MSI_MAX; i++) {
		d->msi_efd[i] = -1;
		d->msi_gsi[i] = -1;
	}
	ret = pa_device_setup(d);
	if (ret) {
		pa_device_close(d);
		return ret;
	}
	*out = d;
	return 0;
}

int pa_device_open(int ctx_fd, const struct pa_device_opts *o,
		   const struct pa_vm_ops *ops, void *opaque,
		   uint8_t guest_devfn, struct pa_device **out)
{
	struct pciassign_attach a = {
		.argsz = sizeof(a),
	};
	int fd;

	if (!o)
		return -EINVAL;
	a.segment = o->host.segment;
	a.bus = o->host.bus;
	a.devfn = (uint8_t)(o->host.dev << 3 | o->host.fn);
	fd = ioctl(ctx_fd, PCIASSIGN_ATTACH_DEVICE, &a);
	if (fd < 0)
		return -errno;
	return pa_device_open_fd(fd, o, ops, opaque, guest_devfn, out);
}

void pa_device_close(struct pa_device *d)
{
	unsigned int i;

	if (!d)
		return;
	pa_intx_off(d);
	pa_msi_off(d);
	pa_msix_off(d);
	for (i = 0; i <= PA_VCONFIG_ROM_INDEX; i++) {
		struct pa_bar_map *b = &d->bar[i];

		pa_bar_unmap(d, b);
		if (b->map)
			munmap(b->map, b->info.size);
	}
	pa_vconfig_free(d->vc);
	free(d->table);
	free(d->msix_efd);
	free(d->msix_gsi);
	free(d->msix_live);
	free(d->rom);
	if (d->dev_fd >= 0)
		close(d->dev_fd);
	free(d);
}
