// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile or careless VMM. Usage:
 *   pa-kill-test EDU_BDF NVME_BDF|- E1000E_BDF|- [ROUNDS [SEED]]
 *
 * kill-rounds: a child opens a context, attaches edu, maps several ranges
 * (up to 32 MiB), sets up INTx with a resample eventfd, then MSI, mmaps
 * BAR0 and loops with two more threads mapping/unmapping and masking. The
 * parent SIGKILLs it after a pseudo-random delay (fixed seed) spread over
 * the child's setup time, measured first by a calibration round; each
 * round checks that the system's page pins are back (/proc/vmstat
 * FOLL_PIN acquired - released), that no pciassign IRQ is left and that
 * edu attaches again (EBUSY must clear within a bounded wait).
 *
 * many-contexts: 64 contexts at once, each mapping memory (a context gets
 * its IOMMU domain from its first attach, so edu is attached to each in
 * turn and detached again: the domain and its mappings stay with the
 * context). edu is then attachable to one of them at a time, the others
 * get EBUSY. multi-device: edu, nvme and e1000e attached to three of them
 * at once, with DMA, MSI/MSI-X and isolation checks. close-random: all
 * fds closed in a random order, then no pins, no IRQs, every device
 * attaches again.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "vmtest.h"
#include "edu.h"

#define PG		4096UL
#define HPAGE		(2UL << 20)
#define RW		(PCIASSIGN_DMA_MAP_READ | PCIASSIGN_DMA_MAP_WRITE)

#define NCTX		64
#define LARGE		(32UL << 20)

static const char *edu, *nvme, *nic;
static int rounds = 30;
static uint64_t rng = 1;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

static int dma_map(int c, const void *vaddr, uint64_t iova, uint64_t size)
{
	return vt_dma_map(c, vaddr, iova, size, RW);
}

static int dma_unmap(int c, uint64_t iova, uint64_t size)
{
	return vt_dma_unmap(c, iova, size, 0) < 0 ? -1 : 0;
}

static int set_irq(int d, uint32_t flags, uint32_t index, uint32_t count, int32_t efd)
{
	struct {
		struct pciassign_irq_set s;
		int32_t fd;
	} a = { { .argsz = sizeof(a.s) + (count ? 4 : 0), .flags = flags, .index = index,
		  .count = count }, efd };

	return ioctl(d, PCIASSIGN_SET_IRQS, &a);
}

/* Memory decode and bus mastering on, through the filtered config space. */
static int set_master(int d)
{
	uint16_t cmd;

	if (pread(d, &cmd, 2, VT_CFG_OFF + 4) != 2)
		return -1;
	cmd |= 0x6;
	return pwrite(d, &cmd, 2, VT_CFG_OFF + 4) == 2 ? 0 : -1;
}

static int bar_w(int d, unsigned int off, uint64_t v, size_t n)
{
	return pwrite(d, &v, n, VT_BAR0_OFF + off) == (ssize_t)n ? 0 : -1;
}

static uint64_t bar_r(int d, unsigned int off, size_t n)
{
	uint64_t v = 0;

	if (pread(d, &v, n, VT_BAR0_OFF + off) != (ssize_t)n)
		return ~0ULL;
	return v;
}

static void *anon(size_t size, int thp)
{
	uint8_t *raw = mmap(NULL, size + HPAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *p;

	if (raw == MAP_FAILED)
		return NULL;
	p = (uint8_t *)(((uintptr_t)raw + HPAGE - 1) & ~(HPAGE - 1));
	if (thp)
		madvise(p, size, MADV_HUGEPAGE);
	memset(p, 0x5a, size);
	return p;
}

/* Pages pinned system-wide: FOLL_PIN acquisitions minus releases. */
static long sys_pins(void)
{
	char name[64];
	long long v, acq = 0, rel = 0;
	FILE *f;

	/* Fold the per-CPU counter deltas first. */
	vt_write_file("/proc/sys/vm/stat_refresh", "1");
	f = fopen("/proc/vmstat", "r");
	while (f && fscanf(f, "%63s %lld", name, &v) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired"))
			acq = v;
		else if (!strcmp(name, "nr_foll_pin_released"))
			rel = v;
	}
	if (f)
		fclose(f);
	return (long)(acq - rel);
}

/* Wait up to 5 s for the system's pins to be back at @want. */
static long pins_settle(long want)
{
	long p = sys_pins();

	for (int i = 0; i < 50 && p != want; i++) {
		vt_msleep(100);
		p = sys_pins();
	}
	return p;
}

/* Attach @bdf to a fresh context, waiting out EBUSY for up to 2 s. */
static int attach_again(const char *bdf, double *waited)
{
	double t0 = vt_now();
	int c, d;

	for (;;) {
		c = open("/dev/pciassign", O_RDWR | O_CLOEXEC);
		if (c < 0)
			return -1;
		d = vt_attach(c, bdf);
		if (d >= 0) {
			close(d);
			close(c);
			*waited = vt_now() - t0;
			return 0;
		}
		close(c);
		if (errno != EBUSY || vt_now() - t0 > 2)
			return -1;
		vt_msleep(10);
	}
}

/* ---- kill rounds: the child ---------------------------------------------- */

enum {
	ST_FORKED, ST_CTX, ST_ATTACHED, ST_MASTER, ST_MAP_SMALL, ST_MAP_MID,
	ST_MAP_THP, ST_MAP_LARGE, ST_INTX, ST_RESAMPLE, ST_BAR, ST_MSI, ST_LOOP,
	ST_N,
};
static const char *const st_name[ST_N] = {
	"forked", "ctx", "attached", "master", "map16k", "map256k", "map2m-thp",
	"map32m", "intx", "resample", "bar-mmap", "msi", "loop",
};

/* The child's progress, seen by the parent. */
struct progress {
	int step;
	int stop_at;		/* the child waits to be killed after this step */
};
static volatile struct progress *prog;

static int child_dev, child_ctx;
static uint8_t *child_loop_buf;

static void *child_mapper(void *arg)
{
	(void)arg;
	for (;;) {
		dma_map(child_ctx, child_loop_buf, 0x10000000, HPAGE);
		dma_unmap(child_ctx, 0x10000000, HPAGE);
	}
	return NULL;
}

static void *child_masker(void *arg)
{
	(void)arg;
	for (;;) {
		set_irq(child_dev, PCIASSIGN_IRQ_SET_MASK, PCIASSIGN_IRQ_MSI, 1, -1);
		set_irq(child_dev, PCIASSIGN_IRQ_SET_UNMASK, PCIASSIGN_IRQ_MSI, 1, -1);
	}
	return NULL;
}

#define STEP(n, ok)							\
	do {								\
		if (!(ok)) {						\
			fprintf(stderr, "kill child: step %s failed: %s\n", \
				st_name[n], strerror(errno));		\
			_exit(100 + (n));				\
		}							\
		prog->step = (n);					\
		while (prog->stop_at == (n))				\
			pause();					\
	} while (0)

static void __attribute__((noreturn)) child_main(void)
{
	int efd = eventfd(0, EFD_NONBLOCK), rfd = eventfd(0, EFD_NONBLOCK);
	uint8_t *small = anon(64 * 1024, 0), *thp = anon(HPAGE, 1), *large;
	volatile uint32_t *bar;
	pthread_t t;
	double t0 = vt_now();

	child_ctx = open("/dev/pciassign", O_RDWR);
	STEP(ST_CTX, child_ctx >= 0);
	child_dev = vt_attach(child_ctx, edu);
	STEP(ST_ATTACHED, child_dev >= 0);
	STEP(ST_MASTER, set_master(child_dev) == 0);
	STEP(ST_MAP_SMALL, dma_map(child_ctx, small, 0x100000, 16 * 1024) == 0);
	STEP(ST_MAP_MID, dma_map(child_ctx, small, 0x200000, 64 * 1024) == 0 &&
	     dma_map(child_ctx, thp, 0x300000, 256 * 1024) == 0);
	STEP(ST_MAP_THP, dma_map(child_ctx, thp, 0x400000, HPAGE) == 0);
	large = anon(LARGE, 0);
	STEP(ST_MAP_LARGE, large && dma_map(child_ctx, large, 0x1000000, LARGE) == 0);
	STEP(ST_INTX, set_irq(child_dev, PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_INTX, 1, efd) == 0);
	STEP(ST_RESAMPLE, set_irq(child_dev, PCIASSIGN_IRQ_SET_RESAMPLE, PCIASSIGN_IRQ_INTX, 1, rfd) == 0);
	bar = mmap(NULL, EDU_BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, child_dev, VT_BAR0_OFF);
	STEP(ST_BAR, bar != MAP_FAILED && bar[0] == EDU_ID_VALUE);
	bar[EDU_IRQ_RAISE / 4] = 1;	/* an INTx in flight */
	STEP(ST_MSI, set_irq(child_dev, PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_INTX, 0, -1) == 0 &&
	     set_irq(child_dev, PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_MSI, 1, efd) == 0);
	child_loop_buf = thp;
	pthread_create(&t, NULL, child_mapper, NULL);
	pthread_create(&t, NULL, child_masker, NULL);
	STEP(ST_LOOP, 1);
	/* Busy until killed; a run that is never killed ends by itself. */
	while (vt_now() - t0 < 20) {
		uint64_t v;

		bar[EDU_IRQ_RAISE / 4] = 1;
		if (read(efd, &v, 8) == 8)
			bar[EDU_IRQ_ACK / 4] = bar[EDU_IRQ_STATUS / 4];
	}
	_exit(0);
}

/* ---- kill rounds: the parent --------------------------------------------- */

static int kill_rounds(void)
{
	int hist[ST_N] = { 0 };
	double setup_s = 0, max_wait = 0;
	long pins0 = pins_settle(sys_pins());
	char line[512];
	size_t o;

	prog = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	VT_ASSERT(prog != MAP_FAILED);
	for (int r = 0; r <= rounds; r++) {
		double t0, delay = 0, waited = 0;
		int st, step;
		long pins;
		pid_t pid;

		prog->step = ST_FORKED;
		/* Odd rounds: stop right after a step picked at random. */
		prog->stop_at = r % 2 ? (int)(rnd() % ST_N) : -1;
		fflush(stdout);
		fflush(stderr);
		t0 = vt_now();
		pid = fork();
		VT_ASSERT(pid >= 0);
		if (pid == 0)
			child_main();
		if (r == 0) {
			/* Calibration: how long the whole setup takes here. */
			while (prog->step != ST_LOOP && vt_now() - t0 < 60 &&
			       waitpid(pid, &st, WNOHANG) == 0)
				vt_msleep(1);
			setup_s = vt_now() - t0;
			if (prog->step != ST_LOOP) {
				kill(pid, SIGKILL);
				waitpid(pid, &st, 0);
				return vt_fail("the child never finished its setup (step %s, status %#x)",
					       st_name[prog->step], st);
			}
		} else if (prog->stop_at >= 0) {
			/* Every step gets its kills, with all before it held. */
			while (prog->step != prog->stop_at && vt_now() - t0 < 60 &&
			       waitpid(pid, &st, WNOHANG) == 0)
				;
			delay = vt_now() - t0;
		} else {
			/*
			 * Even rounds: a random time over the whole setup (and a
			 * quarter past it), landing inside whatever operation runs
			 * then, mostly pinning memory where the time goes.
			 */
			delay = (rnd() % (uint64_t)(setup_s * 1.25e6 + 1)) / 1e6;
			while (vt_now() - t0 < delay)
				;
		}
		step = prog->step;
		kill(pid, SIGKILL);
		VT_ASSERT(waitpid(pid, &st, 0) == pid);
		if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
			return vt_fail("round %d: the child ended by itself (status %#x) before the kill at %.1f ms",
				       r, st, delay * 1e3);
		hist[step]++;

		pins = pins_settle(pins0);
		if (pins != pins0)
			return vt_fail("round %d (killed at step %s, %.1f ms): %ld pages pinned system-wide, %ld before",
				       r, st_name[step], delay * 1e3, pins, pins0);
		if (attach_again(edu, &waited))
			return vt_fail("round %d (killed at step %s): edu does not attach again: %s",
				       r, st_name[step], strerror(errno));
		if (waited > max_wait)
			max_wait = waited;
		if (vt_our_irqs())
			return vt_fail("round %d (killed at step %s): %d pciassign IRQs left",
				       r, st_name[step], vt_our_irqs());
	}
	o = snprintf(line, sizeof(line), "INFO kill: %d rounds (half timed, half stopped after a step) over a %.1f ms setup, longest wait for the re-attach %.1f ms; killed after step:",
		     rounds + 1, setup_s * 1e3, max_wait * 1e3);
	for (int i = 0; i < ST_N && o < sizeof(line); i++)
		if (hist[i])
			o += snprintf(line + o, sizeof(line) - o, " %s %d", st_name[i], hist[i]);
	printf("%s\n", line);
	munmap((void *)prog, PG);
	return 0;
}

/* ---- many contexts, several devices -------------------------------------- */

static int ctxs[NCTX];
static uint8_t *small_buf, *thp_buf;
static long pins_before, vmpin_before;
static int ctx_a = -1, dev_edu = -1, dev_nvme = -1, dev_nic = -1;
static int efds[3];

#define SMALL_SZ	(64 * 1024UL)
#define CTX_IOVA(i)	(0x100000ULL + (uint64_t)(i) * 0x100000)
#define THP_IOVA	0x8000000ULL

static int many_contexts(void)
{
	pins_before = pins_settle(sys_pins());
	vmpin_before = vt_pinned_kb();
	small_buf = anon(SMALL_SZ, 0);
	thp_buf = anon(HPAGE, 1);
	VT_ASSERT(small_buf && thp_buf);

	for (int i = 0; i < NCTX; i++) {
		int d;

		ctxs[i] = open("/dev/pciassign", O_RDWR | O_CLOEXEC);
		VT_ASSERT(ctxs[i] >= 0);
		d = vt_attach(ctxs[i], edu);
		if (d < 0)
			return vt_fail("context %d: attach: %s", i, strerror(errno));
		if (dma_map(ctxs[i], small_buf, CTX_IOVA(i), SMALL_SZ) ||
		    dma_map(ctxs[i], thp_buf, THP_IOVA, HPAGE)) {
			int e = errno;

			close(d);
			return vt_fail("context %d: DMA_MAP: %s", i, strerror(e));
		}
		close(d);
	}
	if (vt_pinned_kb() != vmpin_before + NCTX * (long)((SMALL_SZ + HPAGE) >> 10))
		return vt_fail("VmPin %ld kB with %d contexts mapped, want %ld", vt_pinned_kb(),
			       NCTX, vmpin_before + NCTX * (long)((SMALL_SZ + HPAGE) >> 10));

	/* One owner at a time; everyone else is told EBUSY. */
	for (int round = 0; round < 3; round++) {
		int o = rnd() % NCTX, d = vt_attach(ctxs[o], edu);

		if (d < 0)
			return vt_fail("attach to context %d: %s", o, strerror(errno));
		for (int j = 0; j < NCTX; j++) {
			errno = 0;
			int d2 = vt_attach(ctxs[j], edu), e = errno;

			if (d2 >= 0 || e != EBUSY) {
				/* Let go, so the cases after this one can attach. */
				if (d2 >= 0)
					close(d2);
				close(d);
				return vt_fail("edu attached to context %d, attach to context %d gave %d errno %s",
					       o, j, d2, strerror(e));
			}
		}
		close(d);
	}
	return 0;
}

static int check_info(int d, const char *bdf)
{
	struct pciassign_device_info di = { .argsz = sizeof(di) };
	char path[128], buf[16];
	unsigned int ven = 0, dev = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", bdf);
	f = fopen(path, "r");
	if (f && fgets(buf, sizeof(buf), f))
		ven = strtoul(buf, NULL, 0);
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", bdf);
	f = fopen(path, "r");
	if (f && fgets(buf, sizeof(buf), f))
		dev = strtoul(buf, NULL, 0);
	if (f)
		fclose(f);
	VT_ASSERT(ioctl(d, PCIASSIGN_DEVICE_INFO, &di) == 0);
	if (di.vendor != ven || di.device != dev || (di.flags & PCIASSIGN_DEVICE_INFO_REVOKED))
		return vt_fail("%s: DEVICE_INFO %04x:%04x flags %#x, sysfs says %04x:%04x", bdf,
			       di.vendor, di.device, di.flags, ven, dev);
	return 0;
}

/* edu DMA @len bytes through its device fd (no mmap): 0, or -1. */
static int edu_dma(int d, uint64_t src, uint64_t dst, uint64_t to_ram)
{
	double t0 = vt_now();

	if (bar_w(d, EDU_DMA_SRC, src, 8) || bar_w(d, EDU_DMA_DST, dst, 8) ||
	    bar_w(d, EDU_DMA_CNT, EDU_MAX_XFER, 8) ||
	    bar_w(d, EDU_DMA_CMD, EDU_CMD_START | to_ram, 8))
		return -1;
	while (bar_r(d, EDU_DMA_CMD, 8) & EDU_CMD_START) {
		if (vt_now() - t0 > 10)
			return -1;
		vt_msleep(2);
	}
	return 0;
}

static int multi_device(void)
{
	int a = rnd() % NCTX, b = (a + 1 + rnd() % (NCTX - 1)) % NCTX, c;
	struct pollfd p;
	uint64_t v;

	do
		c = rnd() % NCTX;
	while (c == a || c == b);
	for (int i = 0; i < 3; i++)
		efds[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	ctx_a = ctxs[a];
	dev_edu = vt_attach(ctxs[a], edu);
	VT_ASSERT(dev_edu >= 0);
	if (nvme) {
		dev_nvme = vt_attach(ctxs[b], nvme);
		if (dev_nvme < 0)
			return vt_fail("attach nvme %s: %s", nvme, strerror(errno));
		VT_EXPECT_ERRNO(vt_attach(ctxs[a], nvme), EBUSY);
	}
	if (nic) {
		dev_nic = vt_attach(ctxs[c], nic);
		if (dev_nic < 0)
			return vt_fail("attach e1000e %s: %s", nic, strerror(errno));
		VT_EXPECT_ERRNO(vt_attach(ctxs[b], nic), EBUSY);
	}
	VT_EXPECT_ERRNO(vt_attach(ctxs[c], edu), EBUSY);
	if (check_info(dev_edu, edu) || (nvme && check_info(dev_nvme, nvme)) ||
	    (nic && check_info(dev_nic, nic)))
		return -1;

	/* Each context maps more while all three devices are attached. */
	VT_ASSERT(dma_map(ctxs[a], thp_buf, 0x9000000, HPAGE) == 0);
	VT_ASSERT(dma_map(ctxs[b], thp_buf, 0x9000000, HPAGE) == 0);
	VT_ASSERT(dma_map(ctxs[c], thp_buf, 0x9000000, HPAGE) == 0);

	/* edu reaches its context's IOVA, and not another context's. */
	VT_ASSERT(set_master(dev_edu) == 0);
	for (unsigned int i = 0; i < 2048; i++)
		small_buf[i] = (uint8_t)(i * 7 + a);
	memset(small_buf + 0x8000, 0, 2048);
	VT_ASSERT(edu_dma(dev_edu, CTX_IOVA(a), EDU_BUF, 0) == 0);
	VT_ASSERT(edu_dma(dev_edu, EDU_BUF, CTX_IOVA(a) + 0x8000, EDU_CMD_TO_RAM) == 0);
	VT_ASSERT(!memcmp(small_buf, small_buf + 0x8000, 2048));
	memset(small_buf + 0x8000, 0xee, 2048);
	VT_ASSERT(edu_dma(dev_edu, EDU_BUF, CTX_IOVA(b) + 0x8000, EDU_CMD_TO_RAM) == 0);
	for (unsigned int i = 0; i < 2048; i++)
		if (small_buf[0x8000 + i] != 0xee)
			return vt_fail("edu in context %d wrote through context %d's IOVA", a, b);

	/* Interrupts on all three, left on for the random-order close. */
	VT_ASSERT(set_irq(dev_edu, PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_MSI, 1, efds[0]) == 0);
	bar_w(dev_edu, EDU_IRQ_RAISE, 1, 4);
	p = (struct pollfd){ .fd = efds[0], .events = POLLIN };
	VT_ASSERT(poll(&p, 1, 3000) == 1 && read(efds[0], &v, 8) == 8);
	bar_w(dev_edu, EDU_IRQ_ACK, bar_r(dev_edu, EDU_IRQ_STATUS, 4), 4);
	if (nvme)
		VT_ASSERT(set_irq(dev_nvme, PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_MSIX, 1,
				  efds[1]) == 0);
	if (nic)
		VT_ASSERT(set_irq(dev_nic, PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_MSIX, 1,
				  efds[2]) == 0);
	if (vt_our_irqs() != 1 + !!nvme + !!nic)
		return vt_fail("%d pciassign IRQs, want %d", vt_our_irqs(), 1 + !!nvme + !!nic);
	printf("INFO kill: edu in context %d, nvme in %d, e1000e in %d of %d\n", a,
	       nvme ? b : -1, nic ? c : -1, NCTX);
	return 0;
}

static int close_random(void)
{
	int fds[NCTX + 3], n = 0;
	long pins;
	double waited;

	for (int i = 0; i < NCTX; i++)
		fds[n++] = ctxs[i];
	for (int *d = (int[]){ dev_edu, dev_nvme, dev_nic }, i = 0; i < 3; i++)
		if (d[i] >= 0)
			fds[n++] = d[i];
	for (int i = n - 1; i > 0; i--) {
		int j = rnd() % (i + 1), t = fds[i];

		fds[i] = fds[j];
		fds[j] = t;
	}
	for (int i = 0; i < n; i++)
		VT_ASSERT(close(fds[i]) == 0);
	dev_edu = dev_nvme = dev_nic = -1;

	if (vt_our_irqs())
		return vt_fail("%d pciassign IRQs left after closing everything", vt_our_irqs());
	if (vt_pinned_kb() != vmpin_before)
		return vt_fail("VmPin %ld kB after closing everything, %ld before",
			       vt_pinned_kb(), vmpin_before);
	pins = pins_settle(pins_before);
	if (pins != pins_before)
		return vt_fail("%ld pages pinned system-wide after closing, %ld before",
			       pins, pins_before);
	for (const char **b = (const char *[]){ edu, nvme, nic }, **e = b + 3; b < e; b++)
		if (*b && attach_again(*b, &waited))
			return vt_fail("%s does not attach again: %s", *b, strerror(errno));
	return 0;
}

int main(int argc, char **argv)
{
	static const struct vt_case kill_cases[] = {
		{ "rounds", kill_rounds },
		{ "many-contexts", many_contexts },
		{ "multi-device", multi_device },
		{ "close-random", close_random },
	};

	if (argc < 4) {
		fprintf(stderr, "usage: %s EDU NVME|- E1000E|- [ROUNDS [SEED]]\n", argv[0]);
		return 2;
	}
	edu = argv[1];
	nvme = strcmp(argv[2], "-") ? argv[2] : NULL;
	nic = strcmp(argv[3], "-") ? argv[3] : NULL;
	if (argc > 4 && atoi(argv[4]) > 0)
		rounds = atoi(argv[4]);
	if (argc > 5)
		rng = strtoull(argv[5], NULL, 0) | 1;
	if (!nvme || !nic)
		vt_report("PA-RESULT kill-multi-device-all SKIP %s%s not in the rig",
			  nvme ? "" : "nvme ", nic ? "" : "e1000e");
	return vt_run("kill", kill_cases, sizeof(kill_cases) / sizeof(kill_cases[0]));
}
