// SPDX-License-Identifier: GPL-2.0
/*
 * Several threads hammer ONE attached edu at the same time, for a bounded
 * time. Usage: pa-concurrency-test BDF [SECONDS [SEED]]
 *
 *   device  edu DMA RAM -> edu -> RAM through a stable DMA mapping, data
 *           checked; edu interrupts raised via 0x60 and counted on the
 *           eventfds of whichever IRQ mode is set at the moment
 *   map     DMA_MAP/DMA_UNMAP of other IOVA ranges, 4 KiB .. 2 MiB, from
 *           small-page and THP-backed memory, with deliberate overlaps
 *           (EEXIST) and straddling unmaps (EINVAL)
 *   irq     MSI on/off/eventfd swap/mask, INTx with a resample eventfd,
 *           mask/unmask, the REQ eventfd, conflicts (EBUSY), IRQ_INFO
 *           read back after every change
 *   reset   PCIASSIGN_DEVICE_RESET now and then
 *   config  config reads, command-register rewrites, memory decode off
 *           and on again (BAR pread must then fail with EIO)
 *
 * Before that, a focused 5 s race: command-register rewrites on one CPU
 * against INTx deliver/acknowledge/unmask rounds on the other.
 *
 * The UAPI has no "trigger an interrupt by ioctl" action, so interrupts
 * only come from the device.
 *
 * The device thread does its MMIO through the device fd's mmap of BAR0.
 * While decode is off a touched page faults with SIGBUS: the access runs
 * under sigsetjmp and is simply retried. (The kernel once zapped only
 * after the config write, so a load in between reached the mute device;
 * it now zaps first, and 40-regions' decode-off-race checks that. The
 * accounting below does not rely on it.) So an MMIO access only counts
 * when no decode change or reset overlapped it (the disturbance counters
 * below), edu's DMA registers are read back before a DMA is started (a
 * DMA from half-written registers could make QEMU's edu abort), and data
 * and interrupts are only verified where nothing that could really
 * disturb them overlapped: a real reset (the ioctl returned 0; edu has
 * usually no reset method, so its resets are zaps only) for DMA data and
 * delivery, an IRQ reconfiguration for delivery. Such verified transfers
 * and interrupts are counted, and too few of them fail the test.
 *
 * Every ioctl's result is checked against the errnos documented for it.
 * After the threads are joined: pinned memory back to its baseline after
 * unmapping, no pciassign line in /proc/interrupts after close, and the
 * device attaches again and does a clean DMA round trip and an MSI.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>

#include "vmtest.h"
#include "edu.h"

#define PG		4096UL
#define HPAGE		(2UL << 20)
#define RW		(PCIASSIGN_DMA_MAP_READ | PCIASSIGN_DMA_MAP_WRITE)

/* IOVAs: the device thread's stable mapping, the map thread's window. */
#define SRC_IOVA	0x100000ULL
#define DST_IOVA	0x200000ULL
#define MAP_BASE	0x40000000ULL
#define MAP_SLOTS	32
#define MAP_STRIDE	(4ULL << 20)	/* slot i at MAP_BASE + i * 4 MiB */
#define MAP_BUF		(8UL << 20)

#define CMD_MEM		0x2
#define CMD_MASTER	0x4

#define IRQ_WAIT_MS	3000	/* TCG is slow: generous for "must arrive" */

static const char *bdf;
static int secs = 20;
static uint64_t seed = 1;
static int ctx = -1, devfd = -1;
static volatile uint8_t *bar0;
static int real_reset;		/* DEVICE_INFO says a reset method exists */
static atomic_int stop;

/* ---- failures: the first one is reported and stops the run ------------ */

static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;
static char fail_msg[400];
static atomic_int failed;

static void tfail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void tfail(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&fail_lock);
	if (!failed) {
		va_start(ap, fmt);
		vsnprintf(fail_msg, sizeof(fail_msg), fmt, ap);
		va_end(ap);
		atomic_store(&failed, 1);
	}
	pthread_mutex_unlock(&fail_lock);
	atomic_store(&stop, 1);
}

/*
 * Check a call's result: success, or one of the errnos the UAPI documents
 * for it (up to three, 0-terminated). Returns the result.
 */
static long checked(const char *call, long r, int e1, int e2, int e3)
{
	int e = errno;

	if (r >= 0 || (e && (e == e1 || e == e2 || e == e3)))
		return errno = e, r;
	tfail("%s: unexpected errno %d (%s)", call, e, strerror(e));
	return errno = e, r;
}

/* Fail unless @call returned -1 with @want. */
static void must_fail(const char *call, long r, int want)
{
	if (r == -1 && errno == want)
		return;
	tfail("%s returned %ld errno %d (%s), want %s", call, r,
	      r == -1 ? errno : 0, r == -1 ? strerror(errno) : "-", strerror(want));
}

/* ---- small helpers ----------------------------------------------------- */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static uint64_t below(uint64_t *s, uint64_t n)
{
	return n ? rnd(s) % n : 0;
}

static int set_irqs(int fd, uint32_t flags, uint32_t index, uint32_t start,
		    uint32_t count, int32_t efd)
{
	struct {
		struct pciassign_irq_set s;
		int32_t fds[1];
	} a;

	memset(&a, 0, sizeof(a));
	a.s.argsz = sizeof(a.s) + (count ? sizeof(int32_t) : 0);
	a.s.flags = flags;
	a.s.index = index;
	a.s.start = start;
	a.s.count = count;
	a.fds[0] = efd;
	return ioctl(fd, PCIASSIGN_SET_IRQS, &a);
}

static int cfg_read(int fd, unsigned int off, void *v, size_t len)
{
	return pread(fd, v, len, VT_CFG_OFF + off) == (ssize_t)len ? 0 : -1;
}

static int cfg_write16(int fd, unsigned int off, uint16_t v)
{
	return pwrite(fd, &v, 2, VT_CFG_OFF + off) == 2 ? 0 : -1;
}

static void *anon(size_t size, int thp)
{
	return vt_anon_2m(size, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE, 0x5a);
}

static void fill(void *p, size_t n, uint32_t seed_)
{
	uint32_t *w = p;

	for (size_t i = 0; i < n / 4; i++)
		w[i] = seed_ * 0x9e3779b9u + (uint32_t)i * 2654435761u;
}

/* ---- disturbance accounting -------------------------------------------- */

/*
 * A disturber counts started before and done after its operation, and
 * "real" when it really changed the device (decode off; a reset that
 * returned 0). A window of the device thread is clean when no disturber
 * was active at its start or end and none was real in between.
 */
struct disturber {
	atomic_uint started, done, real;
};

static struct disturber decode_d, reset_d;

static void dist_begin(struct disturber *d)
{
	atomic_fetch_add(&d->started, 1);
}

static void dist_end(struct disturber *d, int real)
{
	if (real)
		atomic_fetch_add(&d->real, 1);
	atomic_fetch_add(&d->done, 1);
}

struct window {
	unsigned int real_d, real_r;
	int clean;
};

static void win_open(struct window *w)
{
	atomic_thread_fence(memory_order_seq_cst);
	w->real_d = atomic_load(&decode_d.real);
	w->real_r = atomic_load(&reset_d.real);
	w->clean = atomic_load(&decode_d.started) == atomic_load(&decode_d.done) &&
		   atomic_load(&reset_d.started) == atomic_load(&reset_d.done);
}

/* No decode change and no reset overlapped: MMIO did reach the device. */
static int win_mmio_ok(const struct window *w)
{
	atomic_thread_fence(memory_order_seq_cst);
	return w->clean && atomic_load(&decode_d.real) == w->real_d &&
	       atomic_load(&decode_d.started) == atomic_load(&decode_d.done) &&
	       atomic_load(&reset_d.real) == w->real_r &&
	       atomic_load(&reset_d.started) == atomic_load(&reset_d.done);
}

/* No real reset overlapped: device state (DMA, IRQ status) survived. */
static int win_state_ok(const struct window *w)
{
	atomic_thread_fence(memory_order_seq_cst);
	return atomic_load(&reset_d.real) == w->real_r &&
	       (!real_reset || atomic_load(&reset_d.started) == atomic_load(&reset_d.done));
}

/*
 * A real reset clears edu's DMA registers; a DMA started from them makes
 * QEMU's edu abort the whole VM. So where the function can really be
 * reset, programming and starting a DMA excludes the reset thread (a
 * guest would not reset its device in the middle of that either).
 */
static pthread_mutex_t program_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- the IRQ configuration the irq thread publishes -------------------- */

enum { MODE_NONE, MODE_MSI, MODE_INTX };
static const char *const mode_name[] = { "none", "msi", "intx" };

/* Bumped before and after every SET_IRQS; odd while one is under way. */
static atomic_uint irq_seq;
static atomic_int pub_mode, pub_masked, pub_resample;
static int msi_efd[2], intx_efd, resample_efd, req_efd;

/* ---- device thread: MMIO with SIGBUS caught ---------------------------- */

static __thread sigjmp_buf bus_jb;
static __thread volatile sig_atomic_t bus_armed;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	if (bus_armed) {
		bus_armed = 0;
		siglongjmp(bus_jb, 1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

struct dev_stats {
	long rounds, verified, disturbed, sigbus, prog_retries;
	long raises, irq_verified_msi, irq_verified_intx, msi_got, intx_got;
	long live_checks;
};
static struct dev_stats ds;

/* One BAR0 access, 32 or 64 (@wide) bits; -1 when it raised SIGBUS. */
static int mmio_access(unsigned int off, uint64_t *v, int wide, int write)
{
	if (sigsetjmp(bus_jb, 1)) {
		ds.sigbus++;
		return -1;
	}
	bus_armed = 1;
	if (write && wide)
		*(volatile uint64_t *)(bar0 + off) = *v;
	else if (write)
		*(volatile uint32_t *)(bar0 + off) = (uint32_t)*v;
	else if (wide)
		*v = *(volatile uint64_t *)(bar0 + off);
	else
		*v = *(volatile uint32_t *)(bar0 + off);
	bus_armed = 0;
	return 0;
}

static int mmio_write(unsigned int off, uint64_t v, int wide)
{
	return mmio_access(off, &v, wide, 1);
}

static int mmio_read(unsigned int off, uint64_t *v, int wide)
{
	return mmio_access(off, v, wide, 0);
}

/* A store that provably reached the device (no decode change overlapped). */
static int mmio_store_landed(unsigned int off, uint64_t v, int wide)
{
	struct window w;

	win_open(&w);
	if (mmio_write(off, v, wide))
		return 0;
	return win_mmio_ok(&w);
}

/* A load whose value came from the device: 0, or -1 (retry). */
static int mmio_load_true(unsigned int off, uint64_t *v, int wide)
{
	struct window w;

	win_open(&w);
	if (mmio_read(off, v, wide))
		return -1;
	return win_mmio_ok(&w) ? 0 : -1;
}

/* ---- device thread: interrupts ----------------------------------------- */

static uint64_t drain(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, 8) != 8)
		return 0;
	return v;
}

static uint64_t intx_armed_epoch = ~0ULL;

/* Acknowledge edu and unmask INTx (unless the irq thread masked it). */
static int ack_and_unmask(unsigned int seq0)
{
	uint64_t st = 0, one = 1;
	int ok;

	ok = mmio_load_true(EDU_IRQ_STATUS, &st, 0) == 0 &&
	     mmio_store_landed(EDU_IRQ_ACK, st, 0);
	if (atomic_load(&pub_mode) != MODE_INTX || atomic_load(&pub_masked))
		return 0;
	if (atomic_load(&pub_resample)) {
		if (write(resample_efd, &one, 8) != 8)
			tfail("write to the resample eventfd: %s", strerror(errno));
	} else {
		checked("SET_IRQS(INTx UNMASK)",
			set_irqs(devfd, PCIASSIGN_IRQ_SET_UNMASK, PCIASSIGN_IRQ_INTX, 0, 1, 0),
			0, 0, 0);
	}
	/* Unmasked, line low, all in one IRQ epoch: the next raise must fire. */
	return ok && atomic_load(&irq_seq) == seq0;
}

/* Raise one edu interrupt and collect whatever the eventfds deliver. */
static void irq_check(void)
{
	struct pollfd p[3] = {
		{ .fd = msi_efd[0], .events = POLLIN },
		{ .fd = msi_efd[1], .events = POLLIN },
		{ .fd = intx_efd, .events = POLLIN },
	};
	unsigned int seq0;
	uint64_t msi = 0, intx = 0;
	int mode, masked, landed, verify;
	struct window sw;
	double t0;

	seq0 = atomic_load(&irq_seq);
	mode = atomic_load(&pub_mode);
	masked = atomic_load(&pub_masked);
	win_open(&sw);
	landed = mmio_store_landed(EDU_IRQ_RAISE, 1, 0);
	ds.raises++;
	verify = !(seq0 & 1) && landed && mode != MODE_NONE && !masked &&
		 (mode == MODE_MSI || intx_armed_epoch == seq0);

	/* Waits long only when the interrupt must come. */
	t0 = vt_now();
	do {
		int left = verify ? IRQ_WAIT_MS - (int)((vt_now() - t0) * 1000) : 20;

		if (left <= 0 || poll(p, 3, left) <= 0)
			break;
		msi += drain(msi_efd[0]) + drain(msi_efd[1]);
		intx += drain(intx_efd);
	} while (verify && !(mode == MODE_MSI ? msi : intx) &&
		 atomic_load(&irq_seq) == seq0 && !atomic_load(&stop));
	ds.msi_got += msi;
	ds.intx_got += intx;

	if (verify && atomic_load(&irq_seq) == seq0 && win_state_ok(&sw) &&
	    !atomic_load(&stop)) {
		if (!(mode == MODE_MSI ? msi : intx)) {
			uint16_t cmd = 0, status = 0;
			uint64_t st = 0;

			cfg_read(devfd, 4, &cmd, 2);
			cfg_read(devfd, 6, &status, 2);
			mmio_read(EDU_IRQ_STATUS, &st, 0);
			tfail("edu interrupt lost: %s on and unmasked, nothing on its eventfd in %d ms (command %#x, status %#x, edu IRQ status %#llx)",
			      mode_name[mode], IRQ_WAIT_MS, cmd, status, (unsigned long long)st);
			return;
		}
		if (mode == MODE_MSI)
			ds.irq_verified_msi++;
		else
			ds.irq_verified_intx++;
	}
	intx_armed_epoch = ack_and_unmask(seq0) ? seq0 : ~0ULL;
}

/* ---- device thread: DMA ------------------------------------------------ */

/*
 * Program one DMA leg and start it. Registers are read back before the
 * start, so a store lost to a decode change cannot start a DMA with
 * half-old registers. 0: started (the start store landed), -1: not.
 */
static int dma_start(uint64_t src, uint64_t dst, uint64_t cnt, uint64_t cmd)
{
	const unsigned int reg[3] = { EDU_DMA_SRC, EDU_DMA_DST, EDU_DMA_CNT };
	const uint64_t val[3] = { src, dst, cnt };
	double t0 = vt_now();

	while (!atomic_load(&stop) && vt_now() - t0 < 10) {
		uint64_t v;
		int ok = 1, started = 0;

		if (real_reset)
			pthread_mutex_lock(&program_lock);
		for (int i = 0; i < 3 && ok; i++)
			ok = !mmio_write(reg[i], val[i], 1);
		for (int i = 0; i < 3 && ok; i++)
			ok = !mmio_load_true(reg[i], &v, 1) && v == val[i];
		if (ok)
			started = mmio_store_landed(EDU_DMA_CMD, cmd, 1);
		if (real_reset)
			pthread_mutex_unlock(&program_lock);
		if (ok)
			return started ? 0 : -1;
		ds.prog_retries++;
		vt_msleep(1);
	}
	return -1;
}

/* Wait for the running leg, raising interrupts meanwhile. 0, or -1. */
static int dma_wait(void)
{
	double t0 = vt_now();
	uint64_t cmd;

	while (vt_now() - t0 < 10) {
		irq_check();
		if (atomic_load(&stop))
			return -1;
		if (!mmio_load_true(EDU_DMA_CMD, &cmd, 1) && !(cmd & EDU_CMD_START))
			return 0;
		vt_msleep(2);
	}
	tfail("edu DMA did not complete within 10 s");
	return -1;
}

static uint8_t *src_buf, *dst_buf;

static void *device_thread(void *arg)
{
	uint64_t rng = seed * 0x9e3779b97f4a7c15ull | 1;

	(void)arg;
	while (!atomic_load(&stop)) {
		unsigned int len = 4 * (1 + below(&rng, EDU_MAX_XFER / 4));
		uint64_t live = rnd(&rng) & 0xffffffff, v;
		struct window w;
		int ok;

		/* edu's liveness register: a cheap check of the MMIO path. */
		if (mmio_store_landed(EDU_LIVE, live, 0) &&
		    !mmio_load_true(EDU_LIVE, &v, 0)) {
			if ((uint32_t)v != (uint32_t)~live) {
				tfail("edu liveness register read %#llx after writing %#llx",
				      (unsigned long long)v, (unsigned long long)live);
				break;
			}
			ds.live_checks++;
		}

		fill(src_buf, PG, (uint32_t)ds.rounds + 1);
		memset(dst_buf, 0, PG);
		ds.rounds++;
		win_open(&w);
		ok = !dma_start(SRC_IOVA, EDU_BUF, len, EDU_CMD_START) && !dma_wait() &&
		     !dma_start(EDU_BUF, DST_IOVA, len, EDU_CMD_START | EDU_CMD_TO_RAM) &&
		     !dma_wait();
		if (atomic_load(&stop))
			break;
		if (!ok || !win_state_ok(&w)) {
			ds.disturbed++;
			continue;
		}
		if (memcmp(src_buf, dst_buf, len)) {
			tfail("DMA round trip %ld (%u bytes) came back different, with no reset overlapping",
			      ds.rounds, len);
			break;
		}
		ds.verified++;
	}
	/*
	 * Leave no DMA running: edu has no reset method, so a leg in flight
	 * would outlive the detach and run for whoever attaches next.
	 */
	for (double t0 = vt_now(); vt_now() - t0 < 2; vt_msleep(2)) {
		uint64_t cmd;

		if (!mmio_load_true(EDU_DMA_CMD, &cmd, 1) && !(cmd & EDU_CMD_START))
			break;
	}
	return NULL;
}

/* ---- map thread -------------------------------------------------------- */

struct map_stats {
	long maps, unmaps, overlaps, straddles, infos, thp_maps;
};
static struct map_stats ms;
static uint8_t *map_small, *map_thp;
static uint64_t slot_size[MAP_SLOTS];	/* 0: free */

static void *map_thread(void *arg)
{
	static const uint64_t sizes[] = {
		PG, 2 * PG, 16 * PG, 64 * PG, 256 * PG, HPAGE / 2, HPAGE,
	};
	uint64_t rng = seed * 0xbf58476d1ce4e5b9ull | 1;

	(void)arg;
	while (!atomic_load(&stop)) {
		unsigned int i = below(&rng, MAP_SLOTS);
		uint64_t iova = MAP_BASE + i * MAP_STRIDE, size = slot_size[i];
		long long r;

		if (!size) {
			int thp = below(&rng, 2);
			uint8_t *buf = thp ? map_thp : map_small;
			uint64_t off;

			size = sizes[below(&rng, sizeof(sizes) / sizeof(sizes[0]))];
			off = below(&rng, (MAP_BUF - size) / PG + 1) * PG;
			/* THP memory mapped 2 MiB-aligned, to get its huge pages. */
			if (thp && size == HPAGE)
				off = below(&rng, MAP_BUF / HPAGE) * HPAGE;
			if (checked("DMA_MAP", vt_dma_map(ctx, buf + off, iova, size,
						       below(&rng, 4) ? RW : PCIASSIGN_DMA_MAP_READ),
				    0, 0, 0) < 0)
				break;
			slot_size[i] = size;
			ms.maps++;
			ms.thp_maps += thp;
			/* Overlapping it at either end, or inside: EEXIST. */
			switch (below(&rng, 3)) {
			case 0:
				must_fail("DMA_MAP(overlapping the start)",
					  vt_dma_map(ctx, map_small, iova - PG, 2 * PG, RW), EEXIST);
				break;
			case 1:
				must_fail("DMA_MAP(overlapping the end)",
					  vt_dma_map(ctx, map_small, iova + size - PG, 2 * PG, RW), EEXIST);
				break;
			default:
				must_fail("DMA_MAP(same range)",
					  vt_dma_map(ctx, map_small, iova, size, RW), EEXIST);
			}
			ms.overlaps++;
		} else {
			/* A range that cuts the mapping: EINVAL, nothing removed. */
			if (size > PG && below(&rng, 2)) {
				must_fail("DMA_UNMAP(straddling)",
					  vt_dma_unmap(ctx, iova + PG, size, 0), EINVAL);
				ms.straddles++;
			}
			/* Exactly, or with the empty space around it. */
			r = below(&rng, 2) ? vt_dma_unmap(ctx, iova, size, 0) :
			    vt_dma_unmap(ctx, iova - MAP_STRIDE / 4, MAP_STRIDE, 0);
			if (checked("DMA_UNMAP", r, 0, 0, 0) < 0)
				break;
			if (r != (long long)size) {
				tfail("DMA_UNMAP of slot %u removed %lld bytes, want %llu",
				      i, r, (unsigned long long)size);
				break;
			}
			slot_size[i] = 0;
			ms.unmaps++;
		}

		switch (below(&rng, 16)) {
		case 0:	/* the device thread's mappings are not to be had */
			must_fail("DMA_MAP(over the device's mapping)",
				  vt_dma_map(ctx, map_small, SRC_IOVA, PG, RW), EEXIST);
			ms.overlaps++;
			break;
		case 1: {
			struct {
				struct pciassign_iommu_info h;
				struct pciassign_iova_range r[8];
			} info;

			memset(&info, 0, sizeof(info));
			info.h.argsz = sizeof(info);
			checked("IOMMU_INFO", ioctl(ctx, PCIASSIGN_IOMMU_INFO, &info), 0, 0, 0);
			if (!info.h.num_ranges || (info.h.flags & PCIASSIGN_IOMMU_INFO_NO_DOMAIN))
				tfail("IOMMU_INFO: %u ranges, flags %#x", info.h.num_ranges,
				      info.h.flags);
			ms.infos++;
			break;
		}
		case 2:	/* a hole between two slots: nothing to do */
			r = vt_dma_unmap(ctx, MAP_BASE + i * MAP_STRIDE + (3ULL << 20), 1ULL << 20, 0);
			if (checked("DMA_UNMAP(hole)", r, 0, 0, 0) >= 0 && r != 0)
				tfail("DMA_UNMAP of a hole removed %lld bytes", r);
			break;
		}
	}
	return NULL;
}

/* ---- irq thread -------------------------------------------------------- */

struct irq_stats {
	long sets, conflicts, masks, infos, holds, swaps, req;
};
static struct irq_stats is;

/* What the kernel should have: only this thread changes it. */
static int k_active = MODE_NONE;	/* the index enabled in the kernel */
static int k_trig;			/* its eventfd is set */
static int k_masked, k_resample, k_msi_fd;

static void publish(void)
{
	atomic_store(&pub_mode, k_trig ? k_active : MODE_NONE);
	atomic_store(&pub_masked, k_masked);
	atomic_store(&pub_resample, k_resample);
}

/*
 * A change the device thread must know is under way: irq_begin(), one or
 * more irq_set(), irq_done() (which publishes the new state).
 */
static void irq_begin(void)
{
	atomic_fetch_add(&irq_seq, 1);
}

static int irq_set(const char *what, uint32_t flags, uint32_t index, uint32_t start,
		   uint32_t count, int32_t efd, int want_errno)
{
	int r;

	r = set_irqs(devfd, flags, index, start, count, efd);
	if (want_errno)
		must_fail(what, r, want_errno);
	else
		checked(what, r, 0, 0, 0);
	is.sets++;
	return r;
}

static void irq_done(void)
{
	publish();
	atomic_fetch_add(&irq_seq, 1);
}

static void irq_info_check(void)
{
	static const struct { uint32_t count, flags; } want[PCIASSIGN_NUM_IRQS] = {
		[PCIASSIGN_IRQ_INTX] = { 1, PCIASSIGN_IRQ_INFO_MASKABLE | PCIASSIGN_IRQ_INFO_AUTOMASKED },
		[PCIASSIGN_IRQ_MSI] = { 1, PCIASSIGN_IRQ_INFO_MASKABLE },
		[PCIASSIGN_IRQ_MSIX] = { 0, 0 },
		[PCIASSIGN_IRQ_REQ] = { 1, 0 },
	};

	for (uint32_t i = 0; i < PCIASSIGN_NUM_IRQS; i++) {
		struct pciassign_irq_info info = { .argsz = sizeof(info), .index = i };

		if (checked("IRQ_INFO", ioctl(devfd, PCIASSIGN_IRQ_INFO, &info), 0, 0, 0) < 0)
			return;
		if (info.count != want[i].count || info.flags != want[i].flags)
			tfail("IRQ_INFO index %u: count %u flags %#x, want %u %#x", i,
			      info.count, info.flags, want[i].count, want[i].flags);
	}
	is.infos++;
}

static uint32_t k_index(void)
{
	return k_active == MODE_MSI ? PCIASSIGN_IRQ_MSI : PCIASSIGN_IRQ_INTX;
}

/* Turn whatever is on off. */
static void irq_all_off(void)
{
	if (k_active == MODE_NONE)
		return;
	irq_begin();
	irq_set("SET_IRQS(TRIGGER count 0)", PCIASSIGN_IRQ_SET_TRIGGER, k_index(), 0, 0, -1, 0);
	if (k_active == MODE_INTX)
		k_resample = 0;	/* disabling INTx drops the resample eventfd */
	k_active = MODE_NONE;
	k_trig = k_masked = 0;
	irq_done();
}

static void msi_on(void)
{
	irq_begin();
	irq_set("SET_IRQS(MSI TRIGGER)", PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_MSI, 0, 1,
		msi_efd[k_msi_fd], 0);
	if (k_active == MODE_NONE)
		k_masked = 0;
	k_active = MODE_MSI;
	k_trig = 1;
	irq_done();
}

static void intx_on(void)
{
	irq_begin();
	irq_set("SET_IRQS(INTx TRIGGER)", PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_INTX, 0, 1,
		intx_efd, 0);
	k_active = MODE_INTX;
	k_trig = 1;
	k_masked = 0;
	irq_done();
	irq_begin();
	irq_set("SET_IRQS(INTx RESAMPLE)", PCIASSIGN_IRQ_SET_RESAMPLE, PCIASSIGN_IRQ_INTX, 0, 1,
		resample_efd, 0);
	k_resample = 1;
	irq_done();
}

/* One random reconfiguration, consistent with the state. */
static void irq_churn_op(uint64_t *rng)
{
	switch (below(rng, 10)) {
	case 0:
	case 1:	/* switch modes */
		irq_all_off();
		if (below(rng, 2))
			msi_on();
		else
			intx_on();
		break;
	case 2:	/* the other index while one is on: EBUSY */
		irq_begin();
		if (k_active == MODE_MSI) {
			irq_set("SET_IRQS(INTx while MSI on)", PCIASSIGN_IRQ_SET_TRIGGER,
				PCIASSIGN_IRQ_INTX, 0, 1, intx_efd, EBUSY);
		} else if (k_active == MODE_INTX) {
			irq_set("SET_IRQS(MSI while INTx on)", PCIASSIGN_IRQ_SET_TRIGGER,
				PCIASSIGN_IRQ_MSI, 0, 1, msi_efd[0], EBUSY);
		} else {
			/* Out of range and absent indexes: EINVAL. */
			irq_set("SET_IRQS(MSI start 1)", PCIASSIGN_IRQ_SET_TRIGGER,
				PCIASSIGN_IRQ_MSI, 1, 1, msi_efd[0], EINVAL);
			irq_set("SET_IRQS(MSI-X on edu)", PCIASSIGN_IRQ_SET_TRIGGER,
				PCIASSIGN_IRQ_MSIX, 0, 1, msi_efd[0], EINVAL);
		}
		irq_done();
		is.conflicts++;
		break;
	case 3:
	case 4:	/* mask or unmask the active index */
		if (k_active == MODE_NONE)
			break;
		k_masked = !k_masked;
		irq_begin();
		irq_set(k_masked ? "SET_IRQS(MASK)" : "SET_IRQS(UNMASK)",
			k_masked ? PCIASSIGN_IRQ_SET_MASK : PCIASSIGN_IRQ_SET_UNMASK,
			k_index(), 0, 1, -1, 0);
		irq_done();
		is.masks++;
		break;
	case 5:	/* MSI: swap the eventfd live, or drop the vector (-1) */
		if (k_active != MODE_MSI)
			break;
		irq_begin();
		if (below(rng, 3)) {
			k_msi_fd ^= 1;
			irq_set("SET_IRQS(MSI swap eventfd)", PCIASSIGN_IRQ_SET_TRIGGER,
				PCIASSIGN_IRQ_MSI, 0, 1, msi_efd[k_msi_fd], 0);
			k_trig = 1;
		} else {
			/* The index stays on without an eventfd. */
			irq_set("SET_IRQS(MSI fd -1)", PCIASSIGN_IRQ_SET_TRIGGER,
				PCIASSIGN_IRQ_MSI, 0, 1, -1, 0);
			k_trig = 0;
		}
		irq_done();
		is.swaps++;
		break;
	case 6:	/* INTx: remove or reinstall the resample eventfd */
		if (k_active != MODE_INTX)
			break;
		k_resample = !k_resample;
		irq_begin();
		irq_set("SET_IRQS(RESAMPLE)", PCIASSIGN_IRQ_SET_RESAMPLE, PCIASSIGN_IRQ_INTX, 0, 1,
			k_resample ? resample_efd : -1, 0);
		irq_done();
		break;
	case 7:	/* the release-request eventfd on and off */
		irq_begin();
		irq_set("SET_IRQS(REQ)", PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_REQ, 0,
			below(rng, 2), req_efd, 0);
		irq_done();
		is.req++;
		break;
	case 8:	/* disabling an index that is off does nothing */
		irq_begin();
		irq_set("SET_IRQS(disable an idle index)", PCIASSIGN_IRQ_SET_TRIGGER,
			k_active == MODE_MSI ? PCIASSIGN_IRQ_INTX : PCIASSIGN_IRQ_MSIX, 0, 0, -1,
			k_active == MODE_MSI ? 0 : EINVAL);
		irq_done();
		break;
	default:
		irq_all_off();
	}
}

/*
 * Bursts of reconfiguration, then a mode held steady for longer than the
 * device thread's "must arrive" wait, so lost interrupts show up.
 */
static void *irq_thread(void *arg)
{
	uint64_t rng = seed * 0x94d049bb133111ebull | 1;
	int hold_intx = 1;

	(void)arg;
	while (!atomic_load(&stop)) {
		double t = vt_now();

		while (!atomic_load(&stop) && vt_now() - t < 1.5) {
			irq_churn_op(&rng);
			irq_info_check();
			vt_msleep(1 + below(&rng, 25));
		}
		if (atomic_load(&stop))
			break;
		irq_all_off();
		if (hold_intx)
			intx_on();
		else
			msi_on();
		hold_intx = !hold_intx;
		is.holds++;
		t = vt_now();
		while (!atomic_load(&stop) && vt_now() - t < IRQ_WAIT_MS / 1000.0 + 1.5) {
			irq_info_check();
			vt_msleep(20);
		}
	}
	return NULL;
}

/* ---- reset thread ------------------------------------------------------ */

static long resets_ok, resets_notty;

static void *reset_thread(void *arg)
{
	uint64_t rng = seed * 0xd6e8feb86659fd93ull | 1;

	(void)arg;
	while (!atomic_load(&stop)) {
		struct pciassign_reset rs = { .argsz = sizeof(rs) };
		int r;

		vt_msleep(100 + below(&rng, 400));
		if (real_reset)
			pthread_mutex_lock(&program_lock);
		dist_begin(&reset_d);
		r = ioctl(devfd, PCIASSIGN_DEVICE_RESET, &rs);
		dist_end(&reset_d, r == 0);
		if (real_reset)
			pthread_mutex_unlock(&program_lock);
		/* ENOTTY exactly when DEVICE_INFO reported no reset method. */
		if (real_reset)
			checked("DEVICE_RESET", r, 0, 0, 0);
		else
			must_fail("DEVICE_RESET (no reset method)", r, ENOTTY);
		if (r == 0)
			resets_ok++;
		else
			resets_notty++;
	}
	return NULL;
}

/* ---- config thread ----------------------------------------------------- */

static long cfg_reads, cmd_rewrites, decode_toggles, eio_seen;

static void *config_thread(void *arg)
{
	uint64_t rng = seed * 0x2545f4914f6cdd1dull | 1;
	double next_toggle = vt_now() + 0.2;

	(void)arg;
	while (!atomic_load(&stop)) {
		uint32_t id = 0, hdr[16];
		uint16_t cmd = 0;

		/* Reads: IDs stay, the whole header reads. */
		if (checked("pread(config ID)", cfg_read(devfd, 0, &id, 4), 0, 0, 0) == 0 &&
		    id != 0x11e81234)
			tfail("config vendor/device read %#x", id);
		checked("pread(config header)", cfg_read(devfd, 0, hdr, sizeof(hdr)), 0, 0, 0);
		cfg_reads += 2;

		/* Rewrite the command register as it is: decode stays on. */
		if (checked("pread(config command)", cfg_read(devfd, 4, &cmd, 2), 0, 0, 0) < 0)
			break;
		if ((cmd & (CMD_MEM | CMD_MASTER)) != (CMD_MEM | CMD_MASTER)) {
			tfail("command register %#x: memory decode or bus master lost", cmd);
			break;
		}
		checked("pwrite(config command)", cfg_write16(devfd, 4, cmd), 0, 0, 0);
		cmd_rewrites++;

		if (vt_now() >= next_toggle) {
			uint32_t v;

			dist_begin(&decode_d);
			checked("pwrite(command, decode off)",
				cfg_write16(devfd, 4, cmd & ~CMD_MEM), 0, 0, 0);
			/* The BAR answers EIO while the device does not decode. */
			must_fail("pread(BAR0 with decode off)",
				  pread(devfd, &v, 4, VT_BAR0_OFF + EDU_ID), EIO);
			eio_seen++;
			if (below(&rng, 2))
				vt_msleep(below(&rng, 5));
			checked("pwrite(command, decode on)", cfg_write16(devfd, 4, cmd), 0, 0, 0);
			dist_end(&decode_d, 1);
			decode_toggles++;
			next_toggle = vt_now() + 0.15 + below(&rng, 350) / 1000.0;
			if (pread(devfd, &v, 4, VT_BAR0_OFF + EDU_ID) != 4 || v != EDU_ID_VALUE)
				tfail("BAR0 ID after decode on: %#x (%s)", v, strerror(errno));
		}
		if (below(&rng, 4) == 0)
			vt_msleep(1);
	}
	return NULL;
}

/* ---- setup, run, checks ------------------------------------------------ */

static long pinned0;

static int attach_and_map_bar(int *c, int *d, volatile uint8_t **bar)
{
	struct pciassign_region_info ri = { .argsz = sizeof(ri), .index = 0 };
	uint16_t cmd;
	void *p;

	*c = open("/dev/pciassign", O_RDWR | O_CLOEXEC);
	VT_ASSERT(*c >= 0);
	*d = vt_attach(*c, bdf);
	VT_ASSERT(*d >= 0);
	VT_ASSERT(ioctl(*d, PCIASSIGN_REGION_INFO, &ri) == 0);
	VT_ASSERT(ri.size == EDU_BAR_SIZE && (ri.flags & PCIASSIGN_REGION_INFO_MMAP));
	p = mmap(NULL, EDU_BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, *d, VT_BAR0_OFF);
	VT_ASSERT(p != MAP_FAILED);
	*bar = p;
	/* Bus master for DMA and MSI; the kernel enabled decode at attach. */
	VT_ASSERT(cfg_read(*d, 4, &cmd, 2) == 0);
	VT_ASSERT(cfg_write16(*d, 4, cmd | CMD_MEM | CMD_MASTER) == 0);
	VT_ASSERT(*(volatile uint32_t *)(*bar + EDU_ID) == EDU_ID_VALUE);
	return 0;
}

static int setup(void)
{
	struct pciassign_device_info di = { .argsz = sizeof(di) };

	pinned0 = vt_pinned_kb();
	if (attach_and_map_bar(&ctx, &devfd, &bar0))
		return -1;
	VT_ASSERT(ioctl(devfd, PCIASSIGN_DEVICE_INFO, &di) == 0);
	real_reset = !!(di.flags & PCIASSIGN_DEVICE_INFO_RESET);
	src_buf = anon(PG, 0);
	dst_buf = anon(PG, 0);
	map_small = anon(MAP_BUF, 0);
	map_thp = anon(MAP_BUF, 1);
	VT_ASSERT(vt_dma_map(ctx, src_buf, SRC_IOVA, PG, PCIASSIGN_DMA_MAP_READ) == 0);
	VT_ASSERT(vt_dma_map(ctx, dst_buf, DST_IOVA, PG, PCIASSIGN_DMA_MAP_WRITE) == 0);
	for (int i = 0; i < 2; i++)
		msi_efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	intx_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	resample_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	req_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	VT_ASSERT(msi_efd[0] >= 0 && msi_efd[1] >= 0 && intx_efd >= 0 &&
		  resample_efd >= 0 && req_efd >= 0);
	printf("INFO concurrency: edu %s, reset method: %s, %d s, seed %llu\n", bdf,
	       real_reset ? "yes" : "none (resets are zaps only)", secs,
	       (unsigned long long)seed);
	return 0;
}

/*
 * Focused: command-register rewrites (decode unchanged) against INTx
 * delivery, acknowledge and resample-unmask, which flip INTx disable in
 * the same register. A stale INTx-disable bit written back would block
 * the line for good; every raise must arrive.
 */
static atomic_int cmd_stop;
static long cmd_writes;

/* Run the calling thread on CPU @cpu only (best effort). */
static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *cmd_rewriter(void *arg)
{
	uint16_t cmd;

	(void)arg;
	/* On the other CPU: the race needs both sides really in parallel. */
	pin_to_cpu(1);
	if (checked("pread(config command)", cfg_read(devfd, 4, &cmd, 2), 0, 0, 0) < 0)
		return NULL;
	while (!atomic_load(&cmd_stop)) {
		if (checked("pwrite(config command)", cfg_write16(devfd, 4, cmd), 0, 0, 0) < 0)
			break;
		cmd_writes++;
	}
	return NULL;
}

static int intx_vs_command(void)
{
	volatile uint32_t *reg = (volatile uint32_t *)bar0;
	struct pollfd p = { .fd = intx_efd, .events = POLLIN };
	uint64_t v, one = 1;
	cpu_set_t cpus;
	long n = 0;
	pthread_t t;
	double t0;
	int r = 0;

	if (devfd < 0)
		return vt_fail("no setup");
	VT_ASSERT(set_irqs(devfd, PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_INTX, 0, 1, intx_efd) == 0);
	VT_ASSERT(set_irqs(devfd, PCIASSIGN_IRQ_SET_RESAMPLE, PCIASSIGN_IRQ_INTX, 0, 1,
			   resample_efd) == 0);
	pthread_getaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	pin_to_cpu(0);
	VT_ASSERT(pthread_create(&t, NULL, cmd_rewriter, NULL) == 0);
	for (t0 = vt_now(); !r && !failed && vt_now() - t0 < 5; n++) {
		reg[EDU_IRQ_RAISE / 4] = 1;
		if (poll(&p, 1, 1000) != 1 || read(intx_efd, &v, 8) != 8) {
			uint16_t cmd = 0, status = 0;

			cfg_read(devfd, 4, &cmd, 2);
			cfg_read(devfd, 6, &status, 2);
			r = vt_fail("INTx %ld lost while the command register was rewritten (command %#x, status %#x, edu IRQ status %#x)",
				    n, cmd, status, reg[EDU_IRQ_STATUS / 4]);
		}
		reg[EDU_IRQ_ACK / 4] = reg[EDU_IRQ_STATUS / 4];
		if (write(resample_efd, &one, 8) != 8)
			r = vt_fail("resample write: %s", strerror(errno));
	}
	atomic_store(&cmd_stop, 1);
	pthread_join(t, NULL);
	pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	printf("INFO concurrency: intx-vs-command: %ld INTx round trips against %ld command rewrites\n",
	       n, cmd_writes);
	VT_ASSERT(set_irqs(devfd, PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_INTX, 0, 0, -1) == 0);
	drain(intx_efd);
	drain(resample_efd);
	if (!r && failed)
		r = vt_fail("%s", fail_msg);
	return r;
}

static int run(void)
{
	static void *(*const fns[])(void *) = {
		device_thread, map_thread, irq_thread, reset_thread, config_thread,
	};
	pthread_t th[5];
	double t0;

	if (devfd < 0)
		return vt_fail("no setup");
	for (int i = 0; i < 5; i++)
		VT_ASSERT(pthread_create(&th[i], NULL, fns[i], NULL) == 0);
	t0 = vt_now();
	while (!atomic_load(&stop) && vt_now() - t0 < secs)
		vt_msleep(100);
	atomic_store(&stop, 1);
	for (int i = 0; i < 5; i++)
		pthread_join(th[i], NULL);

	printf("INFO concurrency: device: %ld DMA round trips (%ld verified, %ld disturbed), %ld register reprograms, %ld SIGBUS, %ld liveness checks\n",
	       ds.rounds, ds.verified, ds.disturbed, ds.prog_retries, ds.sigbus, ds.live_checks);
	printf("INFO concurrency: device: %ld interrupts raised, %ld MSI and %ld INTx delivered, %ld MSI and %ld INTx verified\n",
	       ds.raises, ds.msi_got, ds.intx_got, ds.irq_verified_msi, ds.irq_verified_intx);
	printf("INFO concurrency: map: %ld maps (%ld THP-backed), %ld unmaps, %ld refused overlaps, %ld refused straddles, %ld IOMMU_INFO\n",
	       ms.maps, ms.thp_maps, ms.unmaps, ms.overlaps, ms.straddles, ms.infos);
	printf("INFO concurrency: irq: %ld SET_IRQS, %ld conflicts, %ld mask/unmask, %ld MSI eventfd changes, %ld REQ, %ld steady holds, %ld IRQ_INFO rounds\n",
	       is.sets, is.conflicts, is.masks, is.swaps, is.req, is.holds, is.infos);
	printf("INFO concurrency: reset: %ld done, %ld ENOTTY; config: %ld reads, %ld command rewrites, %ld decode toggles (%ld EIO checks)\n",
	       resets_ok, resets_notty, cfg_reads, cmd_rewrites, decode_toggles, eio_seen);
	fflush(stdout);
	if (failed)
		return vt_fail("%s", fail_msg);
	return 0;
}

/* Enough was really checked, not just survived. */
static int verified(void)
{
	long want = secs / 2 > 5 ? secs / 2 : 5;

	if (ds.verified < want || ds.verified * 2 < ds.rounds)
		return vt_fail("only %ld of %ld DMA round trips verified (want >= %ld and half)",
			       ds.verified, ds.rounds, want);
	if (ds.irq_verified_msi < 3 || ds.irq_verified_intx < 3)
		return vt_fail("only %ld MSI and %ld INTx interrupts verified (want >= 3 each)",
			       ds.irq_verified_msi, ds.irq_verified_intx);
	if (!decode_toggles || !(resets_ok + resets_notty) || !ms.thp_maps || !is.holds)
		return vt_fail("a thread did not get to work");
	return 0;
}

/*
 * After unmapping everything the pins are gone; after close, the IRQs.
 * Everything is closed whatever is found, so the next case starts clean.
 */
static int teardown_clean(void)
{
	long long want = 2 * PG, got;
	int irq_off, lines;
	long pinned;

	for (int i = 0; i < MAP_SLOTS; i++)
		want += slot_size[i];
	irq_off = !set_irqs(devfd, PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_INTX, 0, 0, -1) &&
		  !set_irqs(devfd, PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_MSI, 0, 0, -1);
	got = vt_dma_unmap(ctx, 0, 0, PCIASSIGN_DMA_UNMAP_ALL);
	pinned = vt_pinned_kb();
	munmap((void *)bar0, EDU_BAR_SIZE);
	bar0 = NULL;
	close(devfd);
	close(ctx);
	devfd = ctx = -1;
	lines = vt_our_irqs();
	if (!irq_off)
		return vt_fail("disabling the IRQs failed");
	if (got != want)
		return vt_fail("UNMAP_ALL removed %lld bytes, want %lld", got, want);
	if (pinned != pinned0)
		return vt_fail("pinned %ld kB after unmapping all, %ld kB at start",
			       pinned, pinned0);
	if (lines)
		return vt_fail("%d pciassign lines left in /proc/interrupts", lines);
	return 0;
}

/* The device attaches again and does a clean DMA round trip and an MSI. */
static int reattach(void)
{
	int c, d;
	volatile uint8_t *bar;
	uint64_t v = 0;

	if (attach_and_map_bar(&c, &d, &bar))
		return -1;
	bar0 = bar;
	fill(src_buf, PG, 4242);
	memset(dst_buf, 0, PG);
	VT_ASSERT(vt_dma_map(c, src_buf, SRC_IOVA, PG, PCIASSIGN_DMA_MAP_READ) == 0);
	VT_ASSERT(vt_dma_map(c, dst_buf, DST_IOVA, PG, PCIASSIGN_DMA_MAP_WRITE) == 0);
	VT_ASSERT(set_irqs(d, PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_MSI, 0, 1, msi_efd[0]) == 0);
	drain(msi_efd[0]);
	*(volatile uint32_t *)(bar + EDU_IRQ_ACK) = *(volatile uint32_t *)(bar + EDU_IRQ_STATUS);
	for (int leg = 0; leg < 2; leg++) {
		/* edu ignores its DMA registers while a DMA runs. */
		VT_ASSERT(edu_dma_wait(bar) == 0);
		VT_ASSERT(edu_dma_run(bar, leg ? EDU_BUF : SRC_IOVA, leg ? DST_IOVA : EDU_BUF,
				      EDU_MAX_XFER,
				      EDU_CMD_START | (leg ? EDU_CMD_TO_RAM : 0)) == 0);
	}
	VT_ASSERT(!memcmp(src_buf, dst_buf, EDU_MAX_XFER));
	*(volatile uint32_t *)(bar + EDU_IRQ_RAISE) = 1;
	struct pollfd p = { .fd = msi_efd[0], .events = POLLIN };

	VT_ASSERT(poll(&p, 1, IRQ_WAIT_MS) == 1 && read(msi_efd[0], &v, 8) == 8 && v >= 1);
	*(volatile uint32_t *)(bar + EDU_IRQ_ACK) = 1;
	munmap((void *)bar, EDU_BAR_SIZE);
	bar0 = NULL;
	close(d);
	close(c);
	VT_ASSERT(vt_pinned_kb() == pinned0);
	VT_ASSERT(vt_our_irqs() == 0);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct vt_case cases[] = {
		{ "setup", setup },
		{ "intx-vs-command", intx_vs_command },
		{ "run", run },
		{ "verified", verified },
		{ "teardown-clean", teardown_clean },
		{ "reattach", reattach },
	};
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };

	if (argc < 2) {
		fprintf(stderr, "usage: %s BDF [SECONDS [SEED]]\n", argv[0]);
		return 2;
	}
	bdf = argv[1];
	if (argc > 2 && atoi(argv[2]) > 0)
		secs = atoi(argv[2]);
	if (argc > 3)
		seed = strtoull(argv[3], NULL, 0) | 1;
	sigaction(SIGBUS, &sa, NULL);
	return vt_run("conc", cases, sizeof(cases) / sizeof(cases[0]));
}
