// SPDX-License-Identifier: GPL-2.0
/*
 * pa-bench: pciassign and VFIO (type1 container) side by side, on the same
 * edu function, in the same guest. Run by the rig's "bench" profile
 * (tests/vm/guest/profiles/bench/); the host collects the "PA-BENCH {json}"
 * lines (tests/bench/run-bench.sh) and tabulates them (tests/bench/report.py).
 *
 * Usage: pa-bench PHASE BDF [REPS]
 *   dma-4k | dma-thp | dma-hugetlb | dma-memfd | dma-memfd-huge
 *                                    DMA map/unmap of 64..MAX MiB
 *   irq                              MSI and INTx round trips into an eventfd
 *   irq-ci                           the MSI rate ratio to +-5% (95% interval)
 *   config                           config-space reads as a VMM does them
 *   attach                           open -> N MiB mapped + MSI wired
 *
 * The function is rebound between pciassign and vfio-pci (driver_override)
 * inside each phase and the order of the two stacks alternates from one
 * sample to the next, so slow drift of the emulator cancels out. Only the
 * operation under test is timed; buffers are faulted in beforehand.
 *
 * PA_BENCH_MAX_MIB (environment) caps the DMA sizes (default 512);
 * PA_BENCH_ONLY=pciassign|vfio runs the DMA phases on one stack.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <linux/pciassign.h>
#include <linux/vfio.h>

/* The userspace config engine, built into this static program. */
#include "../../../user/lib/vconfig.c"
#include "../../../user/lib/vconfig_caps.c"
#include "../../../user/lib/vconfig_pcie.c"
#include "../../../user/lib/vconfig_ext.c"
#include "../../../user/lib/vconfig_quirks.c"

#include "edu.h"

#define MIB		(1ULL << 20)
#define HPAGE		(2ULL << 20)
#define IOVA_BASE	(4ULL << 30)	/* clear of the MSI window and low RAM */

#define BAR0_MAP	(32 * 4096)
#define DMA_CYCLES	3	/* map/unmap cycles per sample */
#define IRQ_BLOCKS	4	/* stack alternations per IRQ sample */

static const char *bdf;
static int reps = 5;
static unsigned int seg, bus, slot, fn;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("PA-BENCH-ERROR ");
	vprintf(fmt, ap);
	printf(" (errno %d: %s)\n", errno, strerror(errno));
	va_end(ap);
	fflush(stdout);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ------------------------------------------------------------------ */
/* Binding through sysfs, as an administrator does                    */
/* ------------------------------------------------------------------ */

static void cur_driver(char *out, size_t len)
{
	char path[256], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	out[0] = 0;
	if (n <= 0)
		return;
	link[n] = 0;
	snprintf(out, len, "%s", strrchr(link, '/') + 1);
}

/* Bind to @drv ("pciassign", "vfio-pci"), or leave unbound when NULL. */
static void bind_to(const char *drv)
{
	char cur[64], path[256];

	cur_driver(cur, sizeof(cur));
	if (drv && !strcmp(cur, drv))
		return;
	if (cur[0]) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
		if (vt_write_file(path, bdf))
			die("unbind %s from %s", bdf, cur);
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	if (vt_write_file(path, drv ? drv : "\n"))
		die("driver_override %s", bdf);
	if (!drv)
		return;
	vt_write_file("/sys/bus/pci/drivers_probe", bdf);
	cur_driver(cur, sizeof(cur));
	if (strcmp(cur, drv))
		die("%s bound to '%s', not %s", bdf, cur, drv);
}

/* ------------------------------------------------------------------ */
/* The two stacks behind one small interface                          */
/* ------------------------------------------------------------------ */

struct dev {
	int ctx;		/* pciassign context, or VFIO container */
	int group;		/* VFIO group, -1 for pciassign */
	int fd;			/* device fd */
	uint64_t cfg_off;	/* config region offset in the device fd */
	volatile uint32_t *bar0;
	uint64_t pgsizes;
};

struct stack {
	const char *name;	/* as reported */
	const char *driver;	/* PCI driver to bind */
	void (*open)(struct dev *d);
	int (*map)(struct dev *d, void *va, uint64_t iova, uint64_t size);
	int (*unmap)(struct dev *d, uint64_t iova, uint64_t size);
	/* TRIGGER @efd on vector 0 of @index (-1 disables the index). */
	int (*trigger)(struct dev *d, int intx, int efd);
	/* INTx unmask: an eventfd the kernel listens on, or an ioctl. */
	int (*unmask_fd)(struct dev *d, int rfd);
	int (*unmask)(struct dev *d);
	void *(*mmap_bar0)(struct dev *d);
};

static void pa_open(struct dev *d)
{
	struct pciassign_attach a = {
		.argsz = sizeof(a), .segment = seg, .bus = bus,
		.devfn = (slot << 3) | fn,
	};
	struct pciassign_region_info ri = {
		.argsz = sizeof(ri), .index = PCIASSIGN_REGION_CONFIG,
	};

	d->group = -1;
	d->ctx = open("/dev/pciassign", O_RDWR | O_CLOEXEC);
	if (d->ctx < 0)
		die("open /dev/pciassign");
	d->fd = ioctl(d->ctx, PCIASSIGN_ATTACH_DEVICE, &a);
	if (d->fd < 0)
		die("PCIASSIGN_ATTACH_DEVICE");
	if (ioctl(d->fd, PCIASSIGN_REGION_INFO, &ri))
		die("PCIASSIGN_REGION_INFO");
	d->cfg_off = ri.offset;
}

static int pa_map(struct dev *d, void *va, uint64_t iova, uint64_t size)
{
	struct pciassign_dma_map m = {
		.argsz = sizeof(m),
		.flags = PCIASSIGN_DMA_MAP_READ | PCIASSIGN_DMA_MAP_WRITE,
		.vaddr = (uintptr_t)va, .iova = iova, .size = size,
	};

	return ioctl(d->ctx, PCIASSIGN_DMA_MAP, &m);
}

static int pa_unmap(struct dev *d, uint64_t iova, uint64_t size)
{
	struct pciassign_dma_unmap u = {
		.argsz = sizeof(u), .iova = iova, .size = size,
	};

	return ioctl(d->ctx, PCIASSIGN_DMA_UNMAP, &u);
}

static int pa_set_irqs(struct dev *d, uint32_t flags, uint32_t index,
		       uint32_t count, int fd)
{
	struct {
		struct pciassign_irq_set s;
		int32_t fd;
	} a = {
		.s = {
			.argsz = sizeof(a.s) + (fd >= 0 ? 4 : 0),
			.flags = flags, .index = index, .count = count,
		},
		.fd = fd,
	};

	return ioctl(d->fd, PCIASSIGN_SET_IRQS, &a);
}

static int pa_trigger(struct dev *d, int intx, int efd)
{
	uint32_t index = intx ? PCIASSIGN_IRQ_INTX : PCIASSIGN_IRQ_MSI;

	return pa_set_irqs(d, PCIASSIGN_IRQ_SET_TRIGGER, index, efd >= 0, efd);
}

static int pa_unmask_fd(struct dev *d, int rfd)
{
	return pa_set_irqs(d, PCIASSIGN_IRQ_SET_RESAMPLE, PCIASSIGN_IRQ_INTX, 1, rfd);
}

static int pa_unmask(struct dev *d)
{
	return pa_set_irqs(d, PCIASSIGN_IRQ_SET_UNMASK, PCIASSIGN_IRQ_INTX, 1, -1);
}

static void *pa_mmap_bar0(struct dev *d)
{
	return mmap(NULL, BAR0_MAP, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
		    PCIASSIGN_REGION_OFFSET(PCIASSIGN_REGION_BAR0));
}

static void vfio_open(struct dev *d)
{
	char path[256], link[256], *p;
	struct vfio_group_status st = { .argsz = sizeof(st) };
	struct vfio_region_info ri = {
		.argsz = sizeof(ri), .index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		die("readlink %s", path);
	link[n] = 0;
	p = strrchr(link, '/') + 1;
	snprintf(path, sizeof(path), "/dev/vfio/%s", p);

	d->ctx = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (d->ctx < 0)
		die("open /dev/vfio/vfio");
	if (ioctl(d->ctx, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(d->ctx, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0)
		die("no VFIO type1v2");
	d->group = open(path, O_RDWR | O_CLOEXEC);
	if (d->group < 0)
		die("open %s", path);
	if (ioctl(d->group, VFIO_GROUP_GET_STATUS, &st) ||
	    !(st.flags & VFIO_GROUP_FLAGS_VIABLE))
		die("VFIO group %s not viable", p);
	if (ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->ctx))
		die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(d->ctx, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU");
	d->fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (d->fd < 0)
		die("VFIO_GROUP_GET_DEVICE_FD");
	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &ri))
		die("VFIO_DEVICE_GET_REGION_INFO");
	d->cfg_off = ri.offset;
}

static int vfio_map(struct dev *d, void *va, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)va, .iova = iova, .size = size,
	};

	return ioctl(d->ctx, VFIO_IOMMU_MAP_DMA, &m);
}

static int vfio_unmap(struct dev *d, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .iova = iova, .size = size,
	};

	return ioctl(d->ctx, VFIO_IOMMU_UNMAP_DMA, &u);
}

static int vfio_set_irqs(struct dev *d, uint32_t flags, uint32_t index,
			 uint32_t count, int fd)
{
	struct {
		struct vfio_irq_set s;
		int32_t fd;
	} a = {
		.s = {
			.argsz = sizeof(a.s) + (fd >= 0 ? 4 : 0),
			.flags = flags, .index = index, .count = count,
		},
		.fd = fd,
	};

	return ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &a);
}

static int vfio_trigger(struct dev *d, int intx, int efd)
{
	uint32_t index = intx ? VFIO_PCI_INTX_IRQ_INDEX : VFIO_PCI_MSI_IRQ_INDEX;

	if (efd < 0)
		return vfio_set_irqs(d, VFIO_IRQ_SET_DATA_NONE |
				     VFIO_IRQ_SET_ACTION_TRIGGER, index, 0, -1);
	return vfio_set_irqs(d, VFIO_IRQ_SET_DATA_EVENTFD |
			     VFIO_IRQ_SET_ACTION_TRIGGER, index, 1, efd);
}

static int vfio_unmask_fd(struct dev *d, int rfd)
{
	return vfio_set_irqs(d, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK,
			     VFIO_PCI_INTX_IRQ_INDEX, 1, rfd);
}

static int vfio_unmask(struct dev *d)
{
	return vfio_set_irqs(d, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK,
			     VFIO_PCI_INTX_IRQ_INDEX, 1, -1);
}

static void *vfio_mmap_bar0(struct dev *d)
{
	struct vfio_region_info ri = {
		.argsz = sizeof(ri), .index = VFIO_PCI_BAR0_REGION_INDEX,
	};

	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &ri) ||
	    !(ri.flags & VFIO_REGION_INFO_FLAG_MMAP))
		return MAP_FAILED;
	return mmap(NULL, BAR0_MAP, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
		    ri.offset);
}

static const struct stack stacks[2] = {
	{ "pciassign", "pciassign", pa_open, pa_map, pa_unmap, pa_trigger,
	  pa_unmask_fd, pa_unmask, pa_mmap_bar0 },
	{ "vfio", "vfio-pci", vfio_open, vfio_map, vfio_unmap, vfio_trigger,
	  vfio_unmask_fd, vfio_unmask, vfio_mmap_bar0 },
};

static void dev_close(struct dev *d)
{
	if (d->bar0)
		munmap((void *)d->bar0, BAR0_MAP);
	close(d->fd);
	if (d->group >= 0)
		close(d->group);
	close(d->ctx);
	memset(d, 0, sizeof(*d));
}

/* Stack order for sample @k: alternate which one goes first. */
static const struct stack *nth(int k, int i)
{
	return &stacks[(k + i) & 1];
}

/* Set memory decode and bus mastering through the stack's config region. */
static void set_master(struct dev *d)
{
	uint16_t cmd;

	if (pread(d->fd, &cmd, 2, d->cfg_off + 4) != 2)
		die("config pread");
	cmd |= 0x6;
	if (pwrite(d->fd, &cmd, 2, d->cfg_off + 4) != 2)
		die("config pwrite");
}

/* ------------------------------------------------------------------ */
/* Memory                                                             */
/* ------------------------------------------------------------------ */

enum backing { B_4K, B_THP, B_HUGETLB, B_MEMFD, B_MEMFD_HUGE };
static const char *const backing_name[] = { "4k", "thp", "hugetlb", "memfd", "memfd-huge" };

struct buf {
	void *raw, *p;
	size_t raw_len, len;
};

/* Shared memfd memory, as VMMs back guest RAM (hugetlbfs with @huge). */
static int buf_memfd(struct buf *b, size_t len, int huge)
{
	int fd = (int)syscall(SYS_memfd_create, "pa-bench", huge ? 4u /* MFD_HUGETLB */ : 0u);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)len)) {
		close(fd);
		return -1;
	}
	b->raw = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	close(fd);
	if (b->raw == MAP_FAILED)
		return -1;
	b->p = b->raw;
	b->raw_len = b->len = len;
	memset(b->p, 0x5a, len);
	return 0;
}

static int buf_alloc(struct buf *b, enum backing kind, size_t len)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	size_t extra = kind == B_THP ? HPAGE : 0;

	if (kind == B_MEMFD || kind == B_MEMFD_HUGE)
		return buf_memfd(b, len, kind == B_MEMFD_HUGE);

	if (kind == B_HUGETLB)
		flags |= MAP_HUGETLB | MAP_POPULATE;
	b->raw_len = len + extra;
	b->raw = mmap(NULL, b->raw_len, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (b->raw == MAP_FAILED)
		return -1;
	b->p = b->raw;
	if (extra)	/* THP needs 2 MiB-aligned ranges */
		b->p = (void *)(((uintptr_t)b->raw + extra - 1) & ~(uintptr_t)(extra - 1));
	b->len = len;
	if (kind == B_THP)
		madvise(b->p, len, MADV_HUGEPAGE);
	if (kind == B_4K)
		madvise(b->p, len, MADV_NOHUGEPAGE);
	memset(b->p, 0x5a, len);	/* fault everything in now */
	return 0;
}

static void buf_free(struct buf *b)
{
	munmap(b->raw, b->raw_len);
}

/* AnonHugePages of this process, in KiB (THP coverage check). */
static long anon_huge_kb(void)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/smaps_rollup", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "AnonHugePages:", 14))
			v = strtol(line + 14, NULL, 10);
	fclose(f);
	return v;
}

/*
 * Physically contiguous runs in @b (from /proc/self/pagemap; root sees the
 * PFNs): what both stacks' map cost depends on besides the size.
 */
static long phys_runs(const struct buf *b)
{
	size_t n = b->len / 4096, i, got;
	uint64_t ent[512], prev = 0;
	long runs = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return -1;
	for (i = 0; i < n; i += got) {
		size_t want = n - i < 512 ? n - i : 512;
		off_t off = ((uintptr_t)b->p / 4096 + i) * 8;

		if (pread(fd, ent, want * 8, off) != (ssize_t)(want * 8)) {
			close(fd);
			return -1;
		}
		for (got = 0; got < want; got++) {
			uint64_t pfn = ent[got] & ((1ULL << 55) - 1);

			if (!pfn) {	/* not present, or PFNs hidden */
				close(fd);
				return -1;
			}
			if (!(i + got) || pfn != prev + 1)
				runs++;
			prev = pfn;
		}
	}
	close(fd);
	return runs;
}

/* ------------------------------------------------------------------ */
/* Phases                                                             */
/* ------------------------------------------------------------------ */

static void phase_dma(enum backing kind)
{
	unsigned int max_mib = 512, sizes[8], nsizes = 0;
	const char *env = getenv("PA_BENCH_MAX_MIB");
	int k = 0;

	if (env)
		max_mib = atoi(env);
	for (unsigned int s = 64; s <= max_mib && nsizes < 8; s *= 2)
		sizes[nsizes++] = s;

	for (int rep = 0; rep < reps; rep++) {
		for (unsigned int si = 0; si < nsizes; si++, k++) {
			size_t len = (size_t)sizes[si] * MIB;
			double huge = 0;
			struct buf b;
			long runs;

			if (buf_alloc(&b, kind, len)) {
				printf("PA-BENCH-ERROR %s %u MiB: cannot allocate: %s\n",
				       backing_name[kind], sizes[si], strerror(errno));
				continue;
			}
			if (kind == B_THP)
				huge = anon_huge_kb() * 1024.0 / len;
			else if (kind == B_HUGETLB || kind == B_MEMFD_HUGE)
				huge = 1;
			runs = phys_runs(&b);
			for (int i = 0; i < 2; i++) {
				const struct stack *s = nth(k, i);
				const char *only = getenv("PA_BENCH_ONLY");
				struct dev d;

				/* One stack only: the profile case traces pciassign's map. */
				if (only && strcmp(only, s->name))
					continue;
				uint64_t t0, t1, t2;
				int rm, ru;

				bind_to(s->driver);
				s->open(&d);
				/* A few cycles per open: cheap, and they tame the noise. */
				for (int c = 0; c < DMA_CYCLES; c++) {
					t0 = now_ns();
					rm = s->map(&d, b.p, IOVA_BASE, len);
					t1 = now_ns();
					ru = rm ? 0 : s->unmap(&d, IOVA_BASE, len);
					t2 = now_ns();
					if (rm || ru) {
						printf("PA-BENCH-ERROR %s %s %u MiB: %s failed: %s\n",
						       s->name, backing_name[kind], sizes[si],
						       rm ? "map" : "unmap", strerror(errno));
						break;
					}
					printf("PA-BENCH {\"bench\":\"dma\",\"backing\":\"%s\","
					       "\"stack\":\"%s\",\"size_mib\":%u,\"rep\":%d,"
					       "\"cycle\":%d,\"map_ns\":%" PRIu64 ",\"unmap_ns\":%"
					       PRIu64 ",\"huge_frac\":%.3f,\"phys_runs\":%ld}\n",
					       backing_name[kind], s->name, sizes[si], rep, c,
					       t1 - t0, t2 - t1, huge, runs);
				}
				fflush(stdout);
				dev_close(&d);
			}
			buf_free(&b);
		}
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * One interrupt round trip: raise through BAR0, block in read() on the
 * eventfd, then acknowledge on the device and (INTx) unmask. Latency is
 * from just before the MMIO write to the return of read(); the rate counts
 * whole round trips, unmask included.
 */
enum irq_mode { IRQ_MSI, IRQ_INTX_RESAMPLE, IRQ_INTX_UNMASK };
static const char *const irq_mode_name[] = { "msi", "intx-resample", "intx-unmask" };

/* One block of @n round trips; prints it and returns its rate (per s). */
/* Busy-poll the eventfd instead of sleeping in read(). */
static int irq_spin;

static double irq_run(const char *bench, const struct stack *s, enum irq_mode mode,
		      int rep, int n)
{
	int efd = eventfd(0, EFD_CLOEXEC | (irq_spin ? EFD_NONBLOCK : 0)), rfd = -1;
	uint64_t *lat = calloc(n, sizeof(*lat)), v, one = 1, t0, start, total;
	int intx = mode != IRQ_MSI;
	struct dev d;
	void *p;

	s->open(&d);
	set_master(&d);
	p = s->mmap_bar0(&d);
	if (p == MAP_FAILED)
		die("%s: mmap BAR0", s->name);
	d.bar0 = p;
	if (s->trigger(&d, intx, efd))
		die("%s: trigger %s", s->name, irq_mode_name[mode]);
	if (mode == IRQ_INTX_RESAMPLE) {
		rfd = eventfd(0, EFD_CLOEXEC);
		if (s->unmask_fd(&d, rfd))
			die("%s: INTx unmask eventfd", s->name);
	}
	d.bar0[EDU_IRQ_ACK / 4] = d.bar0[EDU_IRQ_STATUS / 4];

	start = now_ns();
	for (int i = 0; i < n; i++) {
		t0 = now_ns();
		d.bar0[EDU_IRQ_RAISE / 4] = 1;
		while (read(efd, &v, 8) != 8)
			if (!irq_spin || errno != EAGAIN)
				die("%s: eventfd read", s->name);
		lat[i] = now_ns() - t0;
		d.bar0[EDU_IRQ_ACK / 4] = 1;
		if (mode == IRQ_INTX_RESAMPLE && write(rfd, &one, 8) != 8)
			die("resample write");
		if (mode == IRQ_INTX_UNMASK && s->unmask(&d))
			die("%s: unmask", s->name);
	}
	total = now_ns() - start;
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf("PA-BENCH {\"bench\":\"%s\",\"mode\":\"%s\",\"stack\":\"%s\",\"rep\":%d,"
	       "\"n\":%d,\"rate_hz\":%.1f,\"lat_p50_ns\":%" PRIu64 ",\"lat_p90_ns\":%"
	       PRIu64 ",\"lat_p99_ns\":%" PRIu64 "}\n",
	       bench, irq_mode_name[mode], s->name, rep, n, n * 1e9 / total, lat[n / 2],
	       lat[n * 9 / 10], lat[n * 99 / 100]);
	fflush(stdout);
	s->trigger(&d, intx, -1);
	dev_close(&d);
	close(efd);
	if (rfd >= 0)
		close(rfd);
	free(lat);
	return n * 1e9 / total;
}

/*
 * Run on CPU 0 and have new IRQs (both stacks' vectors) target CPU 0:
 * otherwise whether the waiting thread and the vector share a vCPU, which
 * the scheduler and the vector allocator decide anew per block, moves a
 * block's rate 20x under TCG (an idle target vCPU must be woken first).
 * @on false gives the IRQ default back and unpins.
 */
static void irq_cpu0(int on)
{
	static char old[64] = "";
	cpu_set_t set;
	FILE *f;

	if (on && !old[0]) {
		f = fopen("/proc/irq/default_smp_affinity", "r");
		if (f) {
			if (!fgets(old, sizeof(old), f))
				old[0] = 0;
			fclose(f);
		}
	}
	f = fopen("/proc/irq/default_smp_affinity", "w");
	if (f) {
		fputs(on ? "1" : old[0] ? old : "ff", f);
		fclose(f);
	}
	CPU_ZERO(&set);
	if (on) {
		CPU_SET(0, &set);
	} else {
		for (long c = 0; c < sysconf(_SC_NPROCESSORS_ONLN) && c < CPU_SETSIZE; c++)
			CPU_SET(c, &set);
	}
	sched_setaffinity(0, sizeof(set), &set);
}

/* Two-sided 95% Student t quantile for @df degrees of freedom. */
static double t975(int df)
{
	static const double t[] = { 0, 12.71, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365,
		2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110,
		2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052,
		2.048, 2.045, 2.042 };

	if (df < 1)
		return INFINITY;
	return df <= 30 ? t[df] : 1.96 + 2.4 / df;
}

/*
 * The MSI rate ratio to a stated precision: pairs of short blocks (the two
 * stacks back to back, their order alternating) until the 95% interval of
 * the mean log ratio is within +-5% (at least IRQ_CI_MIN pairs), or the
 * pair or time budget runs out. Each block is an "irq" record (rep = the
 * pair, bench irq-ci-block); the last record gives the interval the run reached, which
 * tests/bench/report.py recomputes from the blocks.
 */
#define IRQ_CI_MIN	10
#define IRQ_CI_MAX	200
#define IRQ_CI_SECONDS	240

static void phase_irq_ci(void)
{
	int n = getenv("PA_BENCH_IRQ_CI_BLOCK") ? atoi(getenv("PA_BENCH_IRQ_CI_BLOCK")) : 5000;
	double sum = 0, sum2 = 0, mean = 0, half = INFINITY;
	uint64_t t0 = now_ns();
	int k;

	/*
	 * Busy-polling: a blocking read() makes each round trip either a
	 * sleep and wake-up or not, depending on whether the interrupt beats
	 * the read, and under TCG that race alone moves a block's rate 10x.
	 */
	irq_spin = 1;
	irq_cpu0(1);

	for (k = 0; k < IRQ_CI_MAX; k++) {
		double rate[2];

		for (int i = 0; i < 2; i++) {
			const struct stack *s = nth(k, i);

			bind_to(s->driver);
			rate[s != &stacks[0]] = irq_run("irq-ci-block", s, IRQ_MSI, k, n);
		}
		sum += log(rate[0] / rate[1]);
		sum2 += log(rate[0] / rate[1]) * log(rate[0] / rate[1]);
		if (k + 1 < IRQ_CI_MIN)
			continue;
		mean = sum / (k + 1);
		half = t975(k) * sqrt(fmax(0, (sum2 - (k + 1) * mean * mean) / k) / (k + 1));
		if (half <= log(1.05) || now_ns() - t0 > IRQ_CI_SECONDS * 1000000000ULL) {
			k++;
			break;
		}
	}
	irq_spin = 0;
	irq_cpu0(0);
	printf("PA-BENCH {\"bench\":\"irq-ci\",\"mode\":\"msi\",\"pairs\":%d,\"n\":%d,"
	       "\"ratio\":%.4f,\"lo\":%.4f,\"hi\":%.4f,\"converged\":%s}\n",
	       k, n, exp(mean), exp(mean - half), exp(mean + half),
	       half <= log(1.05) ? "true" : "false");
	fflush(stdout);
}

static void phase_irq(void)
{
	int n = getenv("PA_BENCH_IRQS") ? atoi(getenv("PA_BENCH_IRQS")) : 1000;
	int k = 0;

	/* Short blocks, alternating stacks, so noise from the host hits both. */
	irq_cpu0(1);
	for (int rep = 0; rep < reps; rep++)
		for (int m = IRQ_MSI; m <= IRQ_INTX_UNMASK; m++)
			for (int blk = 0; blk < IRQ_BLOCKS; blk++, k++)
				for (int i = 0; i < 2; i++) {
					const struct stack *s = nth(k, i);

					bind_to(s->driver);
					irq_run("irq", s, m, rep, n / IRQ_BLOCKS);
				}
	irq_cpu0(0);
}

/* vconfig reads the real config space through the pciassign device fd. */
struct vc_dev {
	struct dev *d;
	unsigned long reads;	/* calls into the device: 0 for shadow hits */
};

static int vc_read(void *opaque, uint16_t off, void *buf, size_t len)
{
	struct vc_dev *v = opaque;

	v->reads++;
	return pread(v->d->fd, buf, len, v->d->cfg_off + off) == (ssize_t)len ? 0 : -EIO;
}

static int vc_write(void *opaque, uint16_t off, const void *buf, size_t len)
{
	struct vc_dev *v = opaque;

	return pwrite(v->d->fd, buf, len, v->d->cfg_off + off) == (ssize_t)len ? 0 : -EIO;
}

/*
 * Registers a VMM reads often: the IDs (probe), BAR0 (sizing, remapping),
 * the command register and MSI control (interrupt setup). Served from the
 * shadow by vconfig; VFIO reads them through its pread path. The status
 * register has a live bit (interrupt status): it must reach the device.
 */
struct reg { uint16_t off; uint8_t len; };

static void cfg_emit(const char *kind, const char *path, int rep, int n,
		     uint64_t ns, unsigned long dev_reads)
{
	printf("PA-BENCH {\"bench\":\"config\",\"kind\":\"%s\",\"path\":\"%s\","
	       "\"rep\":%d,\"n\":%d,\"ns_per_read\":%.1f,\"device_reads\":%lu}\n",
	       kind, path, rep, n, (double)ns / n, dev_reads);
	fflush(stdout);
}

static uint64_t pread_loop(struct dev *d, const struct reg *r, int nr, int n)
{
	uint32_t v;
	uint64_t t0 = now_ns();

	for (int i = 0; i < n; i++)
		if (pread(d->fd, &v, r[i % nr].len, d->cfg_off + r[i % nr].off) != r[i % nr].len)
			die("config pread %#x", r[i % nr].off);
	return now_ns() - t0;
}

static void phase_config(void)
{
	int n = getenv("PA_BENCH_CFG_READS") ? atoi(getenv("PA_BENCH_CFG_READS")) : 20000;
	struct reg emul[4] = { { 0x00, 4 }, { 0x10, 4 }, { 0x04, 2 }, { 0, 2 } };
	const struct reg live[1] = { { 0x06, 2 } };
	int k = 0;

	for (int rep = 0; rep < reps; rep++, k++) {
		for (int i = 0; i < 2; i++) {
			const struct stack *s = nth(k, i);
			struct dev d;

			bind_to(s->driver);
			s->open(&d);
			if (s == &stacks[0]) {
				struct pciassign_region_info ri = {
					.argsz = sizeof(ri), .index = PCIASSIGN_REGION_BAR0,
				};
				struct pa_vconfig_ops ops = { .read = vc_read, .write = vc_write };
				struct pa_vconfig_opts opts = { 0 };
				struct vc_dev v = { .d = &d };
				struct pa_vconfig *vc;
				uint32_t val;
				uint64_t t0, t;

				if (ioctl(d.fd, PCIASSIGN_REGION_INFO, &ri))
					die("REGION_INFO BAR0");
				opts.bar_size[0] = ri.size;
				if (pa_vconfig_new(&ops, &v, &opts, &vc))
					die("pa_vconfig_new");
				emul[3].off = pa_vconfig_find_cap(vc, 0x05) + 2;
				v.reads = 0;
				t0 = now_ns();
				for (int j = 0; j < n; j++)
					if (pa_vconfig_read(vc, emul[j % 4].off, emul[j % 4].len, &val))
						die("vconfig read");
				t = now_ns() - t0;
				cfg_emit("emulated", "vconfig", rep, n, t, v.reads);
				v.reads = 0;
				t0 = now_ns();
				for (int j = 0; j < n; j++)
					if (pa_vconfig_read(vc, live[0].off, live[0].len, &val))
						die("vconfig read");
				t = now_ns() - t0;
				cfg_emit("live", "vconfig", rep, n, t, v.reads);
				pa_vconfig_free(vc);
				cfg_emit("emulated", "pciassign-pread", rep, n,
					 pread_loop(&d, emul, 4, n), n);
				cfg_emit("live", "pciassign-pread", rep, n,
					 pread_loop(&d, live, 1, n), n);
			} else {
				cfg_emit("emulated", "vfio-pread", rep, n,
					 pread_loop(&d, emul, 4, n), n);
				cfg_emit("live", "vfio-pread", rep, n,
					 pread_loop(&d, live, 1, n), n);
			}
			dev_close(&d);
		}
	}
}

/*
 * From nothing open to a device a VMM can start: context/container and
 * device fd, guest RAM mapped (THP-backed, already faulted in: a VMM
 * allocates RAM before it assigns devices), MSI routed to an eventfd.
 */
static void phase_attach(void)
{
	unsigned int mib = getenv("PA_BENCH_ATTACH_MIB") ?
			   atoi(getenv("PA_BENCH_ATTACH_MIB")) : 256;
	struct buf b;
	int k = 0;

	if (buf_alloc(&b, B_THP, (size_t)mib * MIB))
		die("attach buffer");
	for (int rep = 0; rep < reps; rep++, k++) {
		for (int i = 0; i < 2; i++) {
			const struct stack *s = nth(k, i);
			uint64_t t0, t1, t2, t3, t4;
			int efd = eventfd(0, EFD_CLOEXEC);
			struct dev d;

			bind_to(s->driver);
			t0 = now_ns();
			s->open(&d);
			t1 = now_ns();
			if (s->map(&d, b.p, IOVA_BASE, b.len))
				die("%s: attach map", s->name);
			t2 = now_ns();
			if (s->trigger(&d, 0, efd))
				die("%s: attach MSI", s->name);
			t3 = now_ns();
			dev_close(&d);
			t4 = now_ns();
			printf("PA-BENCH {\"bench\":\"attach\",\"stack\":\"%s\",\"rep\":%d,"
			       "\"size_mib\":%u,\"open_ns\":%" PRIu64 ",\"map_ns\":%" PRIu64
			       ",\"msi_ns\":%" PRIu64 ",\"total_ns\":%" PRIu64
			       ",\"teardown_ns\":%" PRIu64 "}\n",
			       s->name, rep, mib, t1 - t0, t2 - t1, t3 - t2, t3 - t0, t4 - t3);
			fflush(stdout);
			close(efd);
		}
	}
	buf_free(&b);
}

/* What the two stacks report about the IOMMU, once per run. */
static void phase_info(void)
{
	struct utsname u;
	uint64_t pa_pg = 0, vfio_pg = 0;
	struct {
		struct pciassign_iommu_info i;
		struct pciassign_iova_range r[8];
	} pi = { .i = { .argsz = sizeof(pi) } };
	struct vfio_iommu_type1_info vi = { .argsz = sizeof(vi) };
	struct dev d;

	bind_to("pciassign");
	stacks[0].open(&d);
	if (!ioctl(d.ctx, PCIASSIGN_IOMMU_INFO, &pi))
		pa_pg = pi.i.pgsize_bitmap;
	dev_close(&d);
	bind_to("vfio-pci");
	stacks[1].open(&d);
	if (!ioctl(d.ctx, VFIO_IOMMU_GET_INFO, &vi))
		vfio_pg = vi.iova_pgsizes;
	dev_close(&d);
	uname(&u);
	printf("PA-BENCH {\"bench\":\"info\",\"kernel\":\"%s\",\"bdf\":\"%s\","
	       "\"pa_pgsizes\":\"%#" PRIx64 "\",\"vfio_pgsizes\":\"%#" PRIx64 "\","
	       "\"cpus\":%ld}\n", u.release, bdf, pa_pg, vfio_pg,
	       sysconf(_SC_NPROCESSORS_ONLN));
}

int main(int argc, char **argv)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	const char *phase;

	if (argc < 3) {
		fprintf(stderr, "usage: %s dma-4k|dma-thp|dma-hugetlb|dma-memfd|dma-memfd-huge|irq|irq-ci|config|attach|info BDF [REPS]\n",
			argv[0]);
		return 2;
	}
	phase = argv[1];
	bdf = argv[2];
	if (argc > 3)
		reps = atoi(argv[3]);
	if (sscanf(bdf, "%x:%x:%x.%x", &seg, &bus, &slot, &fn) != 4)
		die("bad BDF %s", bdf);
	setvbuf(stdout, NULL, _IOLBF, 0);
	setrlimit(RLIMIT_MEMLOCK, &rl);

	if (!strcmp(phase, "dma-4k"))
		phase_dma(B_4K);
	else if (!strcmp(phase, "dma-thp"))
		phase_dma(B_THP);
	else if (!strcmp(phase, "dma-hugetlb"))
		phase_dma(B_HUGETLB);
	else if (!strcmp(phase, "dma-memfd"))
		phase_dma(B_MEMFD);
	else if (!strcmp(phase, "dma-memfd-huge"))
		phase_dma(B_MEMFD_HUGE);
	else if (!strcmp(phase, "irq"))
		phase_irq();
	else if (!strcmp(phase, "irq-ci"))
		phase_irq_ci();
	else if (!strcmp(phase, "config"))
		phase_config();
	else if (!strcmp(phase, "attach"))
		phase_attach();
	else if (!strcmp(phase, "info"))
		phase_info();
	else
		die("unknown phase %s", phase);
	/* Leave the function with pciassign, as the cases found it. */
	bind_to("pciassign");
	return 0;
}
