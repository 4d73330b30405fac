// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection over the attach, DMA-map, IRQ and region paths, with the
 * test build of the module (debugfs pciassign/fail_nth, fail_hit):
 *
 *   pa-fault-test EDU MSIX_BDF
 *
 * For N = 1, 2, ... the Nth fault site on the path fails; after each
 * failure nothing may be left behind (pinned memory, IRQs, the device's
 * attachment) and the operation must work again without a fault. The walk
 * ends at the first N that the path no longer reaches.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pciassign.h>

#include "vmtest.h"
#include "edu.h"

#define DBG "/sys/kernel/debug/pciassign/"
#define MAX_N 200

static const char *edu, *msix_dev;

static void set_fail_nth(unsigned int n)
{
	FILE *f = fopen(DBG "fail_nth", "w");

	if (!f) {
		perror(DBG "fail_nth");
		exit(1);
	}
	fprintf(f, "%u\n", n);
	fclose(f);
}

/* The site that failed since fail_nth was written, or "" (disarms). */
static const char *fail_hit(void)
{
	static char site[80];
	FILE *f = fopen(DBG "fail_hit", "r");

	site[0] = '\0';
	if (f) {
		if (!fgets(site, sizeof(site), f))
			site[0] = '\0';
		fclose(f);
	}
	site[strcspn(site, "\n")] = '\0';
	set_fail_nth(0);
	return site;
}

static int open_ctx(void)
{
	return open("/dev/pciassign", O_RDWR | O_CLOEXEC);
}

static int sites_seen;

/* One walk step's bookkeeping: which site failed and how often. */
static void note_site(const char *path, const char *site, int ok)
{
	printf("PA-INFO fault %s: site %s -> %s\n", path, site, ok ? "handled" : "error returned");
	fflush(stdout);
	sites_seen++;
}

static int walk_attach(void)
{
	for (unsigned int n = 1; n <= MAX_N; n++) {
		int ctx = open_ctx(), fd, ctx2, fd2;
		const char *site;

		VT_ASSERT(ctx >= 0);
		set_fail_nth(n);
		fd = vt_attach(ctx, edu);
		site = fail_hit();
		if (!*site) {
			VT_ASSERT(fd >= 0);	/* no fault reached: path done */
			close(fd);
			close(ctx);
			return n > 1 ? 0 : vt_fail("no fault site on the attach path");
		}
		note_site("attach", site, fd >= 0);
		if (fd >= 0)
			close(fd);
		close(ctx);
		/* Nothing held: the device attaches cleanly right away. */
		VT_ASSERT(vt_our_irqs() == 0);
		ctx2 = open_ctx();
		fd2 = vt_attach(ctx2, edu);
		if (fd2 < 0)
			return vt_fail("after a failure at %s, attach fails: %s", site,
				       strerror(errno));
		close(fd2);
		close(ctx2);
	}
	return vt_fail("attach path did not end within %d faults", MAX_N);
}

/*
 * Every physically contiguous run of the buffer is one iommu_map() site,
 * so the walk's length depends on how fragmented the guest's memory is:
 * 16 pages keep it bounded (at most 16 runs) on any layout. The first 8
 * are anonymous (pinned page by page), the last 8 a shared memfd (pinned
 * per folio from 6.11): one map walks both pinning paths, and every pin
 * either takes must be given back after each failure.
 */
static int walk_dma(void)
{
	const size_t sz = 16u << 12;
	struct pciassign_dma_map m = { .argsz = sizeof(m),
		.flags = PCIASSIGN_DMA_MAP_READ | PCIASSIGN_DMA_MAP_WRITE,
		.iova = 1u << 24, .size = sz };
	struct pciassign_dma_unmap u = { .argsz = sizeof(u), .iova = 1u << 24, .size = sz };
	int ctx = open_ctx(), fd = vt_attach(ctx, edu);
	long pinned0 = vt_pinned_kb(), held0 = vt_pins_held(NULL);
	int mfd = (int)syscall(SYS_memfd_create, "vt-fault", 0u);
	uint8_t *buf;

	VT_ASSERT(fd >= 0 && held0 >= 0 && mfd >= 0 && ftruncate(mfd, sz / 2) == 0);
	buf = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	VT_ASSERT(buf != MAP_FAILED);
	VT_ASSERT(mmap(buf + sz / 2, sz / 2, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		       mfd, 0) == buf + sz / 2);
	close(mfd);
	memset(buf, 1, sz);
	m.vaddr = (uintptr_t)buf;
	for (unsigned int n = 1; n <= MAX_N; n++) {
		const char *site;
		int r;

		set_fail_nth(n);
		r = ioctl(ctx, PCIASSIGN_DMA_MAP, &m);
		site = fail_hit();
		if (!*site) {
			VT_ASSERT(r == 0);
			VT_ASSERT(ioctl(ctx, PCIASSIGN_DMA_UNMAP, &u) == 0 && u.size == sz);
			VT_ASSERT(vt_pinned_kb() == pinned0);
			close(fd);
			close(ctx);
			return n > 1 ? 0 : vt_fail("no fault site on the map path");
		}
		note_site("dma-map", site, r == 0);
		if (r == 0) {
			u.size = sz;
			VT_ASSERT(ioctl(ctx, PCIASSIGN_DMA_UNMAP, &u) == 0);
		}
		if (vt_pinned_kb() != pinned0)
			return vt_fail("after a failure at %s, %ld kB pinned (was %ld)",
				       site, vt_pinned_kb(), pinned0);
		if (vt_pins_held(NULL) != held0)
			return vt_fail("after a failure at %s, %ld page/folio pins held (was %ld)",
				       site, vt_pins_held(NULL), held0);
		/* The range is free again: it maps and unmaps cleanly. */
		VT_ASSERT(ioctl(ctx, PCIASSIGN_DMA_MAP, &m) == 0);
		u.size = sz;
		VT_ASSERT(ioctl(ctx, PCIASSIGN_DMA_UNMAP, &u) == 0 && u.size == sz);
	}
	return vt_fail("map path did not end within %d faults", MAX_N);
}

static int set_irq(int fd, uint32_t index, uint32_t count, int efd)
{
	struct {
		struct pciassign_irq_set s;
		int32_t fds[8];
	} set;

	memset(&set, 0, sizeof(set));
	set.s.argsz = sizeof(set.s) + count * sizeof(int32_t);
	set.s.flags = PCIASSIGN_IRQ_SET_TRIGGER;
	set.s.index = index;
	set.s.count = count;
	for (uint32_t i = 0; i < count && i < 8; i++)
		set.fds[i] = efd;
	return ioctl(fd, PCIASSIGN_SET_IRQS, &set);
}

static int walk_irq(const char *bdf, uint32_t index, uint32_t count, const char *path)
{
	int ctx = open_ctx(), fd = vt_attach(ctx, bdf), efd = eventfd(0, EFD_CLOEXEC);

	VT_ASSERT(fd >= 0 && efd >= 0);
	for (unsigned int n = 1; n <= MAX_N; n++) {
		const char *site;
		int r;

		set_fail_nth(n);
		r = set_irq(fd, index, count, efd);
		site = fail_hit();
		if (!*site) {
			VT_ASSERT(r == 0);
			VT_ASSERT(set_irq(fd, index, 0, -1) == 0);
			VT_ASSERT(vt_our_irqs() == 0);
			close(fd);
			close(ctx);
			close(efd);
			return n > 1 ? 0 : vt_fail("no fault site on the %s path", path);
		}
		note_site(path, site, r == 0);
		VT_ASSERT(set_irq(fd, index, 0, -1) == 0);
		if (vt_our_irqs())
			return vt_fail("after a failure at %s, %d IRQs left", site, vt_our_irqs());
		VT_ASSERT(set_irq(fd, index, count, efd) == 0);
		VT_ASSERT(set_irq(fd, index, 0, -1) == 0);
	}
	return vt_fail("%s path did not end within %d faults", path, MAX_N);
}

static int walk_msi(void)
{
	return walk_irq(edu, PCIASSIGN_IRQ_MSI, 1, "msi");
}

static int walk_intx(void)
{
	return walk_irq(edu, PCIASSIGN_IRQ_INTX, 1, "intx");
}

static int walk_msix(void)
{
	return walk_irq(msix_dev, PCIASSIGN_IRQ_MSIX, 3, "msix");
}

/* BAR pread: the bounce buffer and the lazy iomap can fail. */
static int walk_bar_read(void)
{
	int ctx = open_ctx(), fd = vt_attach(ctx, edu);
	uint32_t id;

	VT_ASSERT(fd >= 0);
	for (unsigned int n = 1; n <= MAX_N; n++) {
		const char *site;
		ssize_t r;

		set_fail_nth(n);
		r = pread(fd, &id, 4, PCIASSIGN_REGION_OFFSET(PCIASSIGN_REGION_BAR0));
		site = fail_hit();
		if (!*site) {
			VT_ASSERT(r == 4 && id == EDU_ID_VALUE);
			close(fd);
			close(ctx);
			return 0;	/* the iomap may already exist: maybe no site */
		}
		note_site("bar-read", site, r == 4);
		VT_ASSERT(pread(fd, &id, 4, PCIASSIGN_REGION_OFFSET(PCIASSIGN_REGION_BAR0)) == 4);
		VT_ASSERT(id == EDU_ID_VALUE);
	}
	return vt_fail("bar-read path did not end within %d faults", MAX_N);
}

static int sites_total(void)
{
	printf("PA-INFO fault injection: %d failures injected in all\n", sites_seen);
	return sites_seen >= 10 ? 0 : vt_fail("only %d sites reached", sites_seen);
}

int main(int argc, char **argv)
{
	static const struct vt_case cases[] = {
		{ "attach", walk_attach },
		{ "dma-map", walk_dma },
		{ "msi", walk_msi },
		{ "intx", walk_intx },
		{ "bar-read", walk_bar_read },
		{ "msix", walk_msix },
		{ "sites", sites_total },
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s EDU MSIX_BDF\n", argv[0]);
		return 2;
	}
	if (access(DBG "fail_nth", W_OK)) {
		vt_report("PA-RESULT fault-build FAIL %s missing: not the fault-injection build",
		       DBG "fail_nth");
		return 0;
	}
	edu = argv[1];
	msix_dev = argv[2];
	return vt_run("fault", cases, sizeof(cases) / sizeof(cases[0]));
}
