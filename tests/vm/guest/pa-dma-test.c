// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest tests of PCIASSIGN_IOMMU_INFO / DMA_MAP / DMA_UNMAP, with edu's
 * DMA engine as the device that reads and writes through the mappings.
 * Usage: pa-dma-test BDF (edu, bound to pciassign)
 *
 * edu is driven through sysfs (resource0 mmap, config for bus mastering)
 * so that only the DMA path of the module is under test; if the kernel
 * refuses the sysfs mmap (the BAR claimed with IO_STRICT_DEVMEM) the BAR
 * is mapped through the device fd instead.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/pciassign.h>

#include "vmtest.h"
#include "edu.h"

#define PG		4096UL
#define HPAGE		(2UL << 20)
#define MSI_BASE	0xfee00000ULL

static const char *bdf;
static unsigned int seg, bus, dev, fn;

/* ---- helpers ----------------------------------------------------------- */

static int attach(int ctx)
{
	struct pciassign_attach a = {
		.argsz = sizeof(a), .segment = seg, .bus = bus,
		.devfn = (dev << 3) | fn,
	};

	return ioctl(ctx, PCIASSIGN_ATTACH_DEVICE, &a);
}

#define RW (PCIASSIGN_DMA_MAP_READ | PCIASSIGN_DMA_MAP_WRITE)

static void *anon(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	memset(p, 0, size);
	return p;
}

/* A 2 MiB-aligned anonymous region of @size, THP advised. */
static void *anon_thp(size_t size)
{
	return vt_anon_2m(size, MADV_HUGEPAGE, 0);
}

/* A "Field: N kB" line of a /proc file, or -1. */
static long proc_kb(const char *file, const char *field)
{
	char line[256];
	size_t n = strlen(field);
	long v = -1;
	FILE *f = fopen(file, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* Pages pinned by the module are charged here (and to RLIMIT_MEMLOCK). */
static long vmpin(void)
{
	return proc_kb("/proc/self/status", "VmPin");
}

/* ---- edu --------------------------------------------------------------- */

static volatile uint8_t *bar0;
static int bar0_from_devfd;

static int edu_set_master(void)
{
	char path[128];
	uint16_t cmd;
	int fd, ok;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -1;
	ok = pread(fd, &cmd, 2, 4) == 2;
	cmd |= 0x6;	/* memory decode, bus master */
	ok = ok && pwrite(fd, &cmd, 2, 4) == 2;
	close(fd);
	return ok ? 0 : -1;
}

/* Map BAR0 and enable bus mastering for the device fd @devfd. */
static int edu_open(int devfd)
{
	char path[128];
	void *p;
	int fd;

	if (bar0)
		munmap((void *)bar0, EDU_BAR_SIZE);
	bar0 = NULL;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", bdf);
	fd = open(path, O_RDWR | O_SYNC);
	p = fd < 0 ? MAP_FAILED :
	    mmap(NULL, EDU_BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (fd >= 0)
		close(fd);
	bar0_from_devfd = p == MAP_FAILED;
	if (p == MAP_FAILED)
		p = mmap(NULL, EDU_BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 devfd, PCIASSIGN_REGION_OFFSET(PCIASSIGN_REGION_BAR0));
	if (p == MAP_FAILED)
		return -1;
	bar0 = p;
	if ((*(volatile uint32_t *)(bar0 + EDU_ID) & 0xff) != 0xed)
		return -1;
	return edu_set_master();
}

/* One DMA of @len bytes; @to_ram: edu buffer -> @iova, else @iova -> edu. */
static int edu_dma(uint64_t iova, unsigned int bufoff, unsigned int len, int to_ram)
{
	return edu_dma_run(bar0, to_ram ? EDU_BUF + bufoff : iova,
			   to_ram ? iova : EDU_BUF + bufoff, len,
			   EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0));
}

/* RAM(@src_iova) -> edu -> RAM(@dst_iova), @len bytes. */
static int edu_copy(uint64_t src_iova, uint64_t dst_iova, unsigned int len)
{
	for (unsigned int off = 0; off < len; off += EDU_MAX_XFER) {
		unsigned int n = len - off < EDU_MAX_XFER ? len - off : EDU_MAX_XFER;

		if (edu_dma(src_iova + off, 0, n, 0) ||
		    edu_dma(dst_iova + off, 0, n, 1))
			return -1;
	}
	return 0;
}

static void fill(void *p, size_t n, unsigned int seed)
{
	uint32_t *w = p;

	for (size_t i = 0; i < n / 4; i++)
		w[i] = seed * 0x9e3779b9u + (uint32_t)i * 2654435761u;
}

/* Count of DMAR fault report lines in the kernel log. */
static int dmar_faults(void)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf, *p;
	int n = 0;

	if (len <= 0)
		return -1;
	buf = malloc(len + 1);
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	if (len < 0) {
		free(buf);
		return -1;
	}
	buf[len] = 0;
	for (p = buf; (p = strstr(p, "DMAR")); p++) {
		char *eol = strchr(p, '\n');

		if (eol)
			*eol = 0;
		if (strstr(p, "fault addr") || strstr(p, "fault reason"))
			n++;
		if (!eol)
			break;
		p = eol;
	}
	free(buf);
	return n;
}

/* ---- test state: one context with edu attached ------------------------- */

static int ctx = -1, devfd = -1;

static int setup(void)
{
	ctx = vt_open_ctx();
	devfd = attach(ctx);
	if (devfd < 0)
		return -1;
	return edu_open(devfd);
}

static void teardown(void)
{
	if (bar0)
		munmap((void *)bar0, EDU_BAR_SIZE);
	bar0 = NULL;
	if (devfd >= 0)
		close(devfd);
	if (ctx >= 0)
		close(ctx);
	ctx = devfd = -1;
}

/* ---- cases ------------------------------------------------------------- */

static int info_no_domain(void)
{
	struct pciassign_iommu_info info = { .argsz = sizeof(info) };
	int c = vt_open_ctx();
	void *buf = anon(PG);

	VT_ASSERT(ioctl(c, PCIASSIGN_IOMMU_INFO, &info) == 0);
	VT_ASSERT(info.flags & PCIASSIGN_IOMMU_INFO_NO_DOMAIN);
	VT_ASSERT(info.num_ranges == 0);
	VT_ASSERT(info.max_mappings > 0);
	/* No domain yet: nothing can be mapped, unmap finds nothing. */
	VT_EXPECT_ERRNO(vt_dma_map(c, buf, 0x100000, PG, RW), ENODEV);
	VT_ASSERT(vt_dma_unmap(c, 0, 0, PCIASSIGN_DMA_UNMAP_ALL) == 0);
	info.flags = 1;
	VT_EXPECT_ERRNO(ioctl(c, PCIASSIGN_IOMMU_INFO, &info), EINVAL);
	info.flags = 0;
	info.argsz = 8;
	VT_EXPECT_ERRNO(ioctl(c, PCIASSIGN_IOMMU_INFO, &info), EINVAL);
	munmap(buf, PG);
	close(c);
	return 0;
}

static int info_domain(void)
{
	struct {
		struct pciassign_iommu_info h;
		struct pciassign_iova_range r[16];
	} big;
	struct {
		struct pciassign_iommu_info h;
		struct pciassign_iova_range r[1];
		uint64_t canary;
	} one;
	struct pciassign_iommu_info small = { .argsz = sizeof(small) };
	unsigned int i;
	int msi_excluded = 1, low_usable = 0;

	memset(&big, 0, sizeof(big));
	big.h.argsz = sizeof(big);
	VT_ASSERT(ioctl(ctx, PCIASSIGN_IOMMU_INFO, &big) == 0);
	VT_ASSERT(!(big.h.flags & PCIASSIGN_IOMMU_INFO_NO_DOMAIN));
	VT_ASSERT(big.h.pgsize_bitmap & PG);
	VT_ASSERT(!(big.h.pgsize_bitmap & (PG - 1)));
	VT_ASSERT(big.h.num_ranges >= 2 && big.h.num_ranges <= 16);
	for (i = 0; i < big.h.num_ranges; i++) {
		VT_ASSERT(big.r[i].start <= big.r[i].last);
		if (i)
			VT_ASSERT(big.r[i].start > big.r[i - 1].last);
		if (big.r[i].start <= MSI_BASE + 0xfffff && big.r[i].last >= MSI_BASE)
			msi_excluded = 0;
		if (big.r[i].start == 0 && big.r[i].last >= 0x0fffffff)
			low_usable = 1;
		printf("INFO dma: usable IOVA range %#llx-%#llx\n",
		       (unsigned long long)big.r[i].start,
		       (unsigned long long)big.r[i].last);
	}
	printf("INFO dma: pgsize_bitmap %#llx max_mappings %u\n",
	       (unsigned long long)big.h.pgsize_bitmap, big.h.max_mappings);
	VT_ASSERT(msi_excluded);
	VT_ASSERT(low_usable);

	/* Too small for the ranges: the count is still reported. */
	VT_ASSERT(ioctl(ctx, PCIASSIGN_IOMMU_INFO, &small) == 0);
	VT_ASSERT(small.num_ranges == big.h.num_ranges);

	memset(&one, 0, sizeof(one));
	one.h.argsz = offsetof(typeof(one), canary);
	one.canary = 0x1122334455667788ULL;
	VT_ASSERT(ioctl(ctx, PCIASSIGN_IOMMU_INFO, &one) == 0);
	VT_ASSERT(one.h.num_ranges == big.h.num_ranges);
	VT_ASSERT(one.r[0].start == big.r[0].start && one.r[0].last == big.r[0].last);
	VT_ASSERT(one.canary == 0x1122334455667788ULL);
	return 0;
}

/* Anonymous 4 KiB pages, both directions, data verified. */
static int dma_anon(void)
{
	uint8_t *src = anon(4 * PG), *dst = anon(4 * PG);

	fill(src, 4 * PG, 1);
	memset(dst, 0xee, 4 * PG);
	VT_ASSERT(vt_dma_map(ctx, src, 0x100000, 4 * PG, PCIASSIGN_DMA_MAP_READ) == 0);
	VT_ASSERT(vt_dma_map(ctx, dst, 0x200000, 4 * PG, PCIASSIGN_DMA_MAP_WRITE) == 0);
	/* Each page through the IOMMU at its own offset. */
	for (unsigned int i = 0; i < 4; i++) {
		VT_ASSERT(edu_copy(0x100000 + i * PG, 0x200000 + (3 - i) * PG, PG) == 0);
		VT_ASSERT(!memcmp(src + i * PG, dst + (3 - i) * PG, PG));
	}
	VT_ASSERT(vt_dma_unmap(ctx, 0x100000, 0x200000, 0) == 8 * PG);
	munmap(src, 4 * PG);
	munmap(dst, 4 * PG);
	return 0;
}

/* DMA into a 2 MiB-aligned region at several offsets. */
static int dma_region_check(uint8_t *p, size_t size, uint64_t iova, const char *what)
{
	uint8_t *src = anon(PG);
	const size_t offs[] = { 0, PG, HPAGE / 2 + 3 * PG, size - PG };

	fill(src, PG, 7);
	VT_ASSERT(vt_dma_map(ctx, src, 0x100000, PG, PCIASSIGN_DMA_MAP_READ) == 0);
	VT_ASSERT(vt_dma_map(ctx, p, iova, size, RW) == 0);
	for (unsigned int i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		memset(p + offs[i], 0, PG);
		fill(src, PG, 7 + i);
		VT_ASSERT(edu_copy(0x100000, iova + offs[i], PG) == 0);
		if (memcmp(src, p + offs[i], PG))
			return vt_fail("%s: DMA to offset %#zx not seen in memory",
				       what, offs[i]);
	}
	/* And the device reads from the region too. */
	fill(p + HPAGE - PG, PG, 99);
	VT_ASSERT(edu_copy(iova + HPAGE - PG, iova + PG * 5, PG) == 0);
	VT_ASSERT(!memcmp(p + HPAGE - PG, p + PG * 5, PG));
	VT_ASSERT(vt_dma_unmap(ctx, 0, 0, PCIASSIGN_DMA_UNMAP_ALL) == (long long)(size + PG));
	munmap(src, PG);
	return 0;
}

static int dma_thp(void)
{
	uint8_t *p = anon_thp(2 * HPAGE);

	printf("INFO dma: AnonHugePages %ld kB\n", proc_kb("/proc/self/smaps_rollup", "AnonHugePages"));
	return dma_region_check(p, 2 * HPAGE, 0x400000, "THP");
}

static int set_nr_hugepages(long n)
{
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "w");

	if (!f)
		return -1;
	fprintf(f, "%ld\n", n);
	return fclose(f);
}

static int dma_hugetlb(void)
{
	uint8_t *p;
	int r;

	set_nr_hugepages(4);
	p = mmap(NULL, 2 * HPAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED) {
		printf("INFO dma: no 2 MiB hugetlb pages could be reserved, hugetlb case skipped\n");
		set_nr_hugepages(0);
		return 0;
	}
	memset(p, 0, 2 * HPAGE);
	r = dma_region_check(p, 2 * HPAGE, 0x800000, "hugetlb");
	munmap(p, 2 * HPAGE);
	set_nr_hugepages(0);
	return r;
}

/* Write @val to a sysfs/proc knob; its old value into @old (if given). */
static void knob(const char *path, const char *val, char *old, size_t oldlen)
{
	FILE *f;

	if (old) {
		old[0] = 0;
		f = fopen(path, "r");
		if (f) {
			if (fgets(old, (int)oldlen, f))
				old[strcspn(old, "\n")] = 0;
			fclose(f);
		}
		/* "always within_size advise [never] deny force": the chosen one */
		if (strchr(old, '[')) {
			char *b = strchr(old, '[') + 1;
			size_t n = strcspn(b, "]");

			memmove(old, b, n);
			old[n] = 0;
		}
	}
	f = fopen(path, "w");
	if (f) {
		fputs(val, f);
		fclose(f);
	}
}

/* Pins acquired (vmstat) by mapping @p at @iova, then unmapped. */
static long pins_for_map(void *p, uint64_t iova, size_t size)
{
	long a0, a1;

	vt_pins_held(&a0);
	if (vt_dma_map(ctx, p, iova, size, RW))
		return -1;
	vt_pins_held(&a1);
	if (vt_dma_unmap(ctx, iova, size, 0) != (long long)size)
		return -1;
	return a1 - a0;
}

/*
 * Shared memfd memory, what VMMs back guest RAM with: data through the
 * IOMMU, every pin given back. With shmem huge pages on, one 2 MiB folio
 * split over two VMAs (MADV_DONTDUMP on its second half) is pinned once
 * per VMA in one mapping: the two pins must stay in separate runs, or
 * unmapping gives back only one.
 */
static int dma_memfd(void)
{
	const char *thp = "/sys/kernel/mm/transparent_hugepage/shmem_enabled";
	long held = vt_pins_held(NULL), pins;
	char old[64];
	uint8_t *raw, *p;
	int r, fd;

	VT_ASSERT(held >= 0);
	p = vt_memfd(2 * HPAGE, 0, 0);
	VT_ASSERT(p);
	r = dma_region_check(p, 2 * HPAGE, 0x400000, "memfd");
	munmap(p, 2 * HPAGE);
	if (r)
		return r;
	if (vt_pins_held(NULL) != held)
		return vt_fail("memfd: %ld pins held after unmap, %ld before",
			       vt_pins_held(NULL), held);

	knob(thp, "always", old, sizeof(old));
	fd = (int)syscall(SYS_memfd_create, "vt-thp", 0u);
	VT_ASSERT(fd >= 0 && ftruncate(fd, HPAGE) == 0);
	raw = mmap(NULL, 2 * HPAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	VT_ASSERT(raw != MAP_FAILED);
	p = (uint8_t *)(((uintptr_t)raw + HPAGE - 1) & ~(HPAGE - 1));
	VT_ASSERT(mmap(p, HPAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == p);
	close(fd);
	memset(p, 0x33, HPAGE);
	VT_ASSERT(madvise(p + HPAGE / 2, HPAGE / 2, MADV_DONTDUMP) == 0);
	pins = pins_for_map(p, 0x400000, HPAGE);
	printf("INFO dma: memfd, shmem huge pages %s: 2 MiB over two VMAs took %ld pins (%s)\n",
	       old[0] ? "on" : "unknown", pins,
	       pins == 2 ? "one 2 MiB folio, pinned once per VMA" :
	       pins == HPAGE / PG ? "pinned per page" : "mixed folios");
	r = pins < 0 ? vt_fail("memfd over two VMAs: map/unmap failed: %s", strerror(errno)) : 0;
	if (!r)
		r = dma_region_check(p, HPAGE, 0x400000, "memfd over two VMAs");
	munmap(raw, 2 * HPAGE);
	knob(thp, old[0] ? old : "never", NULL, 0);
	if (!r && vt_pins_held(NULL) != held)
		r = vt_fail("memfd over two VMAs: %ld pins held after unmap, %ld before",
			    vt_pins_held(NULL), held);
	return r;
}

/*
 * hugetlbfs memfd: one pin per 2 MiB page where the kernel pins per folio
 * (6.11+), one per 4 KiB page before; pieces of huge pages, the same page
 * in two mappings at once, all given back exactly.
 */
static int dma_memfd_hugetlb(void)
{
	const long want = vt_kernel_at_least(6, 11) ? 2 : (long)(2 * HPAGE / PG);
	long held = vt_pins_held(NULL), pins;
	uint8_t *p;
	int r = 0;

	set_nr_hugepages(4);
	p = vt_memfd(2 * HPAGE, 1, 0);
	if (!p) {
		printf("INFO dma: no 2 MiB hugetlb pages for a memfd, case skipped\n");
		set_nr_hugepages(0);
		return 0;
	}
	pins = pins_for_map(p, 0x800000, 2 * HPAGE);
	if (pins != want)
		r = vt_fail("memfd-hugetlb: mapping two huge pages took %ld pins, want %ld",
			    pins, want);
	if (!r)
		r = dma_region_check(p, 2 * HPAGE, 0x800000, "memfd-hugetlb");
	if (!r) {
		/* A: pages 3 .. 512+5, B: pages 1 .. 512+1, both at once. */
		VT_ASSERT(vt_dma_map(ctx, p + 3 * PG, 0x1000000, HPAGE + 2 * PG, RW) == 0);
		VT_ASSERT(vt_dma_map(ctx, p + PG, 0x2000000, HPAGE, RW) == 0);
		fill(p + 4 * PG, PG, 21);
		VT_ASSERT(edu_copy(0x1000000 + PG, 0x2000000 + HPAGE - 2 * PG, PG) == 0);
		VT_ASSERT(!memcmp(p + 4 * PG, p + HPAGE - PG, PG));
		fill(p + HPAGE + 3 * PG, PG, 22);
		VT_ASSERT(edu_copy(0x1000000 + HPAGE, 0x2000000, PG) == 0);
		VT_ASSERT(!memcmp(p + HPAGE + 3 * PG, p + PG, PG));
		VT_ASSERT(vt_dma_unmap(ctx, 0, 0, PCIASSIGN_DMA_UNMAP_ALL) ==
			  (long long)(2 * HPAGE + 2 * PG));
	}
	munmap(p, 2 * HPAGE);
	set_nr_hugepages(0);
	if (!r && vt_pins_held(NULL) != held)
		r = vt_fail("memfd-hugetlb: %ld pins held after unmap, %ld before",
			    vt_pins_held(NULL), held);
	return r;
}

/* After UNMAP the device cannot reach the memory, and the IOMMU says so. */
static int dma_unmapped_blocked(void)
{
	uint8_t *src = anon(PG), *dst = anon(PG);
	int before = dmar_faults(), after = -1;

	fill(src, PG, 3);
	VT_ASSERT(vt_dma_map(ctx, src, 0x100000, PG, PCIASSIGN_DMA_MAP_READ) == 0);
	VT_ASSERT(vt_dma_map(ctx, dst, 0x300000, PG, PCIASSIGN_DMA_MAP_WRITE) == 0);
	VT_ASSERT(edu_copy(0x100000, 0x300000, PG) == 0);
	VT_ASSERT(!memcmp(src, dst, PG));
	VT_ASSERT(vt_dma_unmap(ctx, 0x300000, PG, 0) == (long long)PG);
	memset(dst, 0x55, PG);
	/* edu still holds src's data: write it to the unmapped IOVA. */
	VT_ASSERT(edu_dma(0x300000, 0, EDU_MAX_XFER, 1) == 0);
	for (unsigned int i = 0; i < PG; i++)
		if (dst[i] != 0x55)
			return vt_fail("byte %u changed after unmap", i);
	/* A write to an IOVA never mapped is refused the same way. */
	VT_ASSERT(edu_dma(0x5000000, 0, EDU_MAX_XFER, 1) == 0);
	for (int i = 0; i < 100 && after <= before; i++) {
		usleep(10000);
		after = dmar_faults();
	}
	if (after <= before)
		return vt_fail("no DMAR fault logged (%d before, %d after)", before, after);
	VT_ASSERT(vt_dma_unmap(ctx, 0, 0, PCIASSIGN_DMA_UNMAP_ALL) == (long long)PG);
	munmap(src, PG);
	munmap(dst, PG);
	return 0;
}

static int map_errors(void)
{
	uint8_t *buf = anon(4 * PG);
	uint8_t *ro = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *hole = anon(4 * PG);
	long lck = vmpin();

	VT_ASSERT(ro != MAP_FAILED);
	/* flags */
	VT_EXPECT_ERRNO(vt_dma_map(ctx, buf, 0x100000, PG, 0), EINVAL);
	VT_EXPECT_ERRNO(vt_dma_map(ctx, buf, 0x100000, PG, RW | 4), EINVAL);
	VT_EXPECT_ERRNO(vt_dma_map(ctx, buf, 0x100000, PG, 0x80000000u), EINVAL);
	/* alignment, size, wraparound */
	VT_EXPECT_ERRNO(vt_dma_map(ctx, buf + 1, 0x100000, PG, RW), EINVAL);
	VT_EXPECT_ERRNO(vt_dma_map(ctx, buf, 0x100800, PG, RW), EINVAL);
	VT_EXPECT_ERRNO(vt_dma_map(ctx, buf, 0x100000, PG + 1, RW), EINVAL);
	VT_EXPECT_ERRNO(vt_dma_map(ctx, buf, 0x100000, 0, RW), EINVAL);
	VT_EXPECT_ERRNO(vt_dma_map(ctx, buf, 0xfffffffffffff000ULL, 2 * PG, RW), EINVAL);
	VT_EXPECT_ERRNO(vt_dma_map(ctx, (void *)0xfffffffffffff000ULL, 0x100000, 2 * PG, RW), EINVAL);
	/* reserved and out-of-aperture IOVAs */
	VT_EXPECT_ERRNO(vt_dma_map(ctx, buf, MSI_BASE, PG, RW), EINVAL);
	VT_EXPECT_ERRNO(vt_dma_map(ctx, buf, MSI_BASE + 0xff000, PG, RW), EINVAL);
	VT_EXPECT_ERRNO(vt_dma_map(ctx, buf, MSI_BASE - 2 * PG, 4 * PG, RW), EINVAL);
	VT_EXPECT_ERRNO(vt_dma_map(ctx, buf, 1ULL << 62, PG, RW), EINVAL);
	/* unmapped or read-only memory */
	VT_EXPECT_ERRNO(vt_dma_map(ctx, NULL, 0x100000, PG, RW), EFAULT);
	VT_EXPECT_ERRNO(vt_dma_map(ctx, ro, 0x100000, PG, RW), EFAULT);
	VT_ASSERT(vt_dma_map(ctx, ro, 0x100000, PG, PCIASSIGN_DMA_MAP_READ) == 0);
	VT_ASSERT(vt_dma_unmap(ctx, 0x100000, PG, 0) == (long long)PG);
	/* Short argsz, nonzero tail. */
	struct pciassign_dma_map m = { .argsz = 16, .flags = RW };

	VT_EXPECT_ERRNO(ioctl(ctx, PCIASSIGN_DMA_MAP, &m), EINVAL);

	/* Pinning fails on the last page: nothing stays pinned or mapped. */
	munmap(hole + 3 * PG, PG);
	VT_EXPECT_ERRNO(vt_dma_map(ctx, hole, 0x100000, 4 * PG, RW), EFAULT);
	VT_ASSERT(vmpin() == lck);
	VT_ASSERT(vt_dma_map(ctx, hole, 0x100000, 3 * PG, RW) == 0);
	VT_ASSERT(vmpin() == lck + 12);
	VT_ASSERT(vt_dma_unmap(ctx, 0, 0, PCIASSIGN_DMA_UNMAP_ALL) == (long long)(3 * PG));
	VT_ASSERT(vmpin() == lck);
	munmap(buf, 4 * PG);
	munmap(ro, PG);
	munmap(hole, 3 * PG);
	return 0;
}

static int map_overlap(void)
{
	uint8_t *buf = anon(8 * PG);

	VT_ASSERT(vt_dma_map(ctx, buf, 0x100000, 4 * PG, RW) == 0);
	VT_EXPECT_ERRNO(vt_dma_map(ctx, buf, 0x100000, 4 * PG, RW), EEXIST);
	VT_EXPECT_ERRNO(vt_dma_map(ctx, buf, 0x103000, 2 * PG, RW), EEXIST);
	VT_EXPECT_ERRNO(vt_dma_map(ctx, buf, 0x0ff000, 2 * PG, RW), EEXIST);
	VT_EXPECT_ERRNO(vt_dma_map(ctx, buf, 0x0f0000, 0x20000, RW), EEXIST);
	VT_EXPECT_ERRNO(vt_dma_map(ctx, buf, 0x101000, PG, RW), EEXIST);
	/* Adjacent on both sides is fine, and the same memory twice too. */
	VT_ASSERT(vt_dma_map(ctx, buf, 0x0ff000, PG, RW) == 0);
	VT_ASSERT(vt_dma_map(ctx, buf + 4 * PG, 0x104000, 4 * PG, RW) == 0);
	VT_ASSERT(vt_dma_map(ctx, buf, 0x200000, 8 * PG, RW) == 0);
	VT_ASSERT(vt_dma_unmap(ctx, 0, 0, PCIASSIGN_DMA_UNMAP_ALL) == (long long)(17 * PG));
	munmap(buf, 8 * PG);
	return 0;
}

static int unmap_semantics(void)
{
	uint8_t *buf = anon(8 * PG);
	long lck = vmpin();

	VT_ASSERT(vt_dma_map(ctx, buf, 0x100000, 4 * PG, RW) == 0);	/* A */
	VT_ASSERT(vt_dma_map(ctx, buf, 0x104000, 2 * PG, RW) == 0);	/* B */
	VT_ASSERT(vt_dma_map(ctx, buf, 0x200000, PG, RW) == 0);		/* C */
	VT_ASSERT(vmpin() == lck + 28);

	/* Straddling A's start or end, or B's end: refused, nothing removed. */
	VT_EXPECT_ERRNO(vt_dma_unmap(ctx, 0x100000, 2 * PG, 0), EINVAL);
	VT_EXPECT_ERRNO(vt_dma_unmap(ctx, 0x102000, 0x10000, 0), EINVAL);
	VT_EXPECT_ERRNO(vt_dma_unmap(ctx, 0x0f0000, 0x15000, 0), EINVAL);
	VT_EXPECT_ERRNO(vt_dma_map(ctx, buf, 0x100000, PG, RW), EEXIST);
	VT_EXPECT_ERRNO(vt_dma_map(ctx, buf, 0x105000, PG, RW), EEXIST);
	/* Bad arguments. */
	VT_EXPECT_ERRNO(vt_dma_unmap(ctx, 0x100000, 0, 0), EINVAL);
	VT_EXPECT_ERRNO(vt_dma_unmap(ctx, 0x100800, PG, 0), EINVAL);
	VT_EXPECT_ERRNO(vt_dma_unmap(ctx, 0xfffffffffffff000ULL, 2 * PG, 0), EINVAL);
	VT_EXPECT_ERRNO(vt_dma_unmap(ctx, 0x100000, PG, 4), EINVAL);
	VT_EXPECT_ERRNO(vt_dma_unmap(ctx, 0x100000, 0, PCIASSIGN_DMA_UNMAP_ALL), EINVAL);
	VT_EXPECT_ERRNO(vt_dma_unmap(ctx, 0, PG, PCIASSIGN_DMA_UNMAP_ALL), EINVAL);
	/* A hole: nothing to do. */
	VT_ASSERT(vt_dma_unmap(ctx, 0x300000, 0x100000, 0) == 0);
	VT_ASSERT(vmpin() == lck + 28);
	/* A range covering A and B (and empty space around them). */
	VT_ASSERT(vt_dma_unmap(ctx, 0x0f0000, 0x20000, 0) == 6 * PG);
	VT_ASSERT(vmpin() == lck + 4);
	VT_ASSERT(vt_dma_map(ctx, buf, 0x100000, 6 * PG, RW) == 0);
	VT_ASSERT(vt_dma_unmap(ctx, 0, 0, PCIASSIGN_DMA_UNMAP_ALL) == 7 * PG);
	VT_ASSERT(vmpin() == lck);
	VT_ASSERT(vt_dma_unmap(ctx, 0, 0, PCIASSIGN_DMA_UNMAP_ALL) == 0);
	munmap(buf, 8 * PG);
	return 0;
}

/* Drop CAP_IPC_LOCK from the effective set so RLIMIT_MEMLOCK applies. */
static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
	return syscall(SYS_capset, &h, d);
}

static int memlock_child(void)
{
	uint8_t *buf = anon(64 * PG);
	long lck = vmpin();
	struct rlimit rl;

	VT_ASSERT(drop_ipc_lock() == 0);
	rl.rlim_cur = rl.rlim_max = lck * 1024 + 16 * PG;
	VT_ASSERT(setrlimit(RLIMIT_MEMLOCK, &rl) == 0);
	VT_EXPECT_ERRNO(vt_dma_map(ctx, buf, 0x100000, 64 * PG, RW), ENOMEM);
	VT_ASSERT(vmpin() == lck);
	VT_EXPECT_ERRNO(vt_dma_map(ctx, buf, 0x100000, 17 * PG, RW), ENOMEM);
	VT_ASSERT(vt_dma_map(ctx, buf, 0x100000, 16 * PG, RW) == 0);
	VT_ASSERT(vmpin() == lck + 64);
	VT_EXPECT_ERRNO(vt_dma_map(ctx, buf + 16 * PG, 0x200000, PG, RW), ENOMEM);
	VT_ASSERT(vt_dma_unmap(ctx, 0x100000, 16 * PG, 0) == (long long)(16 * PG));
	VT_ASSERT(vmpin() == lck);
	VT_ASSERT(vt_dma_map(ctx, buf, 0x100000, 16 * PG, RW) == 0);
	VT_ASSERT(vt_dma_unmap(ctx, 0, 0, PCIASSIGN_DMA_UNMAP_ALL) == (long long)(16 * PG));
	/* Left mapped: the parent unmaps it after this process is gone. */
	VT_ASSERT(vt_dma_map(ctx, buf, 0x100000, 4 * PG, RW) == 0);
	return 0;
}

static int memlock_limit(void)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int r = memlock_child();

		if (r)
			fprintf(stderr, "%s\n", vt_why);
		fflush(stderr);
		_exit(r ? 1 : 0);
	}
	VT_ASSERT(pid > 0);
	VT_ASSERT(waitpid(pid, &st, 0) == pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return vt_fail("child failed (status %#x), see the line above", st);
	/* Charged to the child's mm, uncharged after it exited. */
	VT_ASSERT(vt_dma_unmap(ctx, 0, 0, PCIASSIGN_DMA_UNMAP_ALL) == (long long)(4 * PG));
	return 0;
}

#define PARAM "/sys/module/pciassign/parameters/max_mappings"

static int write_param(unsigned int v)
{
	FILE *f = fopen(PARAM, "w");

	if (!f)
		return -1;
	fprintf(f, "%u\n", v);
	return fclose(f);
}

static int mapping_limit(void)
{
	struct pciassign_iommu_info info = { .argsz = sizeof(info) };
	uint8_t *buf = anon(16 * PG);
	unsigned int old = 0, i;
	FILE *f = fopen(PARAM, "r");
	int r = 0;

	VT_ASSERT(f && fscanf(f, "%u", &old) == 1);
	fclose(f);
	VT_ASSERT(write_param(8) == 0);
	VT_ASSERT(ioctl(ctx, PCIASSIGN_IOMMU_INFO, &info) == 0);
	if (info.max_mappings != 8)
		r = vt_fail("max_mappings %u, want 8", info.max_mappings);
	for (i = 0; !r && i < 8; i++)
		if (vt_dma_map(ctx, buf + i * PG, 0x100000 + i * 2 * PG, PG, RW))
			r = vt_fail("map %u failed: %s", i, strerror(errno));
	if (!r && (vt_dma_map(ctx, buf + 8 * PG, 0x200000, PG, RW) != -1 || errno != ENOSPC))
		r = vt_fail("9th map: want ENOSPC, got %s", strerror(errno));
	if (!r && vt_dma_unmap(ctx, 0x100000, PG, 0) != (long long)PG)
		r = vt_fail("unmap: %s", strerror(errno));
	if (!r && vt_dma_map(ctx, buf + 8 * PG, 0x200000, PG, RW))
		r = vt_fail("map after unmap: %s", strerror(errno));
	write_param(old);
	if (r)
		return r;
	VT_ASSERT(vt_dma_unmap(ctx, 0, 0, PCIASSIGN_DMA_UNMAP_ALL) == (long long)(8 * PG));
	munmap(buf, 16 * PG);
	return 0;
}

/* Mapping count at the default limit is not hit by a few thousand maps. */
static int many_mappings(void)
{
	const unsigned int n = 4096;
	uint8_t *buf = anon(PG);
	long lck = vmpin();
	double t0 = vt_now(), t1, t2;

	for (unsigned int i = 0; i < n; i++)
		if (vt_dma_map(ctx, buf, 0x1000000 + (uint64_t)i * PG, PG, RW))
			return vt_fail("map %u: %s", i, strerror(errno));
	t1 = vt_now();
	VT_ASSERT(vmpin() == lck + 4 * (long)n);
	VT_ASSERT(vt_dma_unmap(ctx, 0, 0, PCIASSIGN_DMA_UNMAP_ALL) == (long long)n * PG);
	t2 = vt_now();
	VT_ASSERT(vmpin() == lck);
	printf("INFO dma: %u single-page maps %.1f us each, unmap-all %.1f us per mapping\n",
	       n, (t1 - t0) * 1e6 / n, (t2 - t1) * 1e6 / n);
	munmap(buf, PG);
	return 0;
}

static double time_map(void *p, size_t size, uint64_t iova, double *unmap_s)
{
	double t0 = vt_now(), t1;

	if (vt_dma_map(ctx, p, iova, size, RW))
		return -1;
	t1 = vt_now();
	vt_dma_unmap(ctx, iova, size, 0);
	*unmap_s = vt_now() - t1;
	return t1 - t0;
}

static int timings(void)
{
	const size_t size = 32UL << 20;
	uint8_t *small = anon(size), *thp = anon_thp(size), *huge;
	double m, u;

	madvise(small, size, MADV_NOHUGEPAGE);
	/* Re-fault as small pages. */
	madvise(small, size, MADV_DONTNEED);
	memset(small, 1, size);
	memset(thp, 1, size);
	m = time_map(small, size, 0x1000000, &u);
	VT_ASSERT(m > 0);
	printf("INFO dma: map 4K-backed %zu MiB: %.0f MiB/s, unmap %.0f MiB/s\n",
	       size >> 20, (size >> 20) / m, (size >> 20) / u);
	m = time_map(thp, size, 0x1000000, &u);
	VT_ASSERT(m > 0);
	printf("INFO dma: map THP-backed %zu MiB: %.0f MiB/s, unmap %.0f MiB/s\n",
	       size >> 20, (size >> 20) / m, (size >> 20) / u);
	set_nr_hugepages(16);
	huge = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (huge != MAP_FAILED) {
		memset(huge, 1, size);
		m = time_map(huge, size, 0x1000000, &u);
		VT_ASSERT(m > 0);
		printf("INFO dma: map hugetlb-backed %zu MiB: %.0f MiB/s, unmap %.0f MiB/s\n",
		       size >> 20, (size >> 20) / m, (size >> 20) / u);
		munmap(huge, size);
	}
	set_nr_hugepages(0);
	munmap(small, size);
	return 0;
}

/*
 * Closing the context fd first: the device fd keeps the context, so the
 * mappings stay live (and accounted) until the device fd goes.
 */
static int close_order(void)
{
	uint8_t *src = anon(PG), *dst = anon(PG);
	long lck = vmpin();

	fill(src, PG, 11);
	VT_ASSERT(vt_dma_map(ctx, src, 0x100000, PG, PCIASSIGN_DMA_MAP_READ) == 0);
	VT_ASSERT(vt_dma_map(ctx, dst, 0x300000, PG, PCIASSIGN_DMA_MAP_WRITE) == 0);
	VT_ASSERT(vmpin() == lck + 8);
	close(ctx);
	ctx = -1;
	VT_ASSERT(vmpin() == lck + 8);
	VT_ASSERT(edu_copy(0x100000, 0x300000, PG) == 0);
	VT_ASSERT(!memcmp(src, dst, PG));
	teardown();
	VT_ASSERT(vmpin() == lck);

	/* The device is free again: a new context attaches it and maps. */
	VT_ASSERT(setup() == 0);
	memset(dst, 0, PG);
	fill(src, PG, 12);
	VT_ASSERT(vt_dma_map(ctx, src, 0x100000, PG, PCIASSIGN_DMA_MAP_READ) == 0);
	VT_ASSERT(vt_dma_map(ctx, dst, 0x300000, PG, PCIASSIGN_DMA_MAP_WRITE) == 0);
	VT_ASSERT(edu_copy(0x100000, 0x300000, PG) == 0);
	VT_ASSERT(!memcmp(src, dst, PG));
	/* Closing with live mappings releases them. */
	teardown();
	VT_ASSERT(vmpin() == lck);
	VT_ASSERT(setup() == 0);
	munmap(src, PG);
	munmap(dst, PG);
	return 0;
}

static int setup_case(void)
{
	if (setup())
		return vt_fail("attach/edu setup failed: %s", strerror(errno));
	printf("INFO dma: edu BAR0 through %s\n",
	       bar0_from_devfd ? "the device fd" : "sysfs resource0");
	return 0;
}

static const struct vt_case cases[] = {
	{ "info-no-domain", info_no_domain },
	{ "setup", setup_case },
	{ "info", info_domain },
	{ "anon", dma_anon },
	{ "thp", dma_thp },
	{ "hugetlb", dma_hugetlb },
	{ "memfd", dma_memfd },
	{ "memfd-hugetlb", dma_memfd_hugetlb },
	{ "unmapped-blocked", dma_unmapped_blocked },
	{ "map-errors", map_errors },
	{ "overlap", map_overlap },
	{ "unmap", unmap_semantics },
	{ "memlock", memlock_limit },
	{ "mapping-limit", mapping_limit },
	{ "many", many_mappings },
	{ "timings", timings },
	{ "close-order", close_order },
};

int main(int argc, char **argv)
{
	long start;

	if (argc != 2 || sscanf(argv[1], "%x:%x:%x.%x", &seg, &bus, &dev, &fn) != 4) {
		fprintf(stderr, "usage: %s BDF\n", argv[0]);
		return 2;
	}
	bdf = argv[1];
	start = vmpin();
	vt_expect("dma-no-leak");
	vt_run("dma", cases, sizeof(cases) / sizeof(cases[0]));
	teardown();
	vt_report("PA-RESULT dma-no-leak %s VmPin %ld kB at start, %ld kB at end",
	       vmpin() == start ? "PASS" : "FAIL", start, vmpin());
	return 0;
}
