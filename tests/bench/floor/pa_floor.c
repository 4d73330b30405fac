// SPDX-License-Identifier: GPL-2.0
/*
 * pa_floor: the "physical floor" of DMA mapping for tests/bench, a raw
 * iommu_map() loop over pages the kernel already holds (no pinning, no
 * accounting, no bookkeeping), into a paging domain with the benchmarked
 * function attached, so IOTLB flushes are those of a real domain.
 *
 * Test-only: loaded by the rig's bench profile with the function unbound
 * from any driver, does its work at load time, reports lines
 * "pa-floor: {json}" in the kernel log, and is removed right after.
 *   insmod pa_floor.ko bdf=0000:00:03.0 reps=5 max_mib=512
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/iommu.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/mm.h>

#include "compat.h"

static char *bdf = "";
module_param(bdf, charp, 0444);
static int reps = 5;
module_param(reps, int, 0444);
static int max_mib = 512;
module_param(max_mib, int, 0444);

#define FLOOR_IOVA	(4ULL << 30)	/* as the userspace benchmark */

/*
 * Chunk @k of @n in mapping order. Scattered: even chunks first, then odd
 * ones, so pages the allocator handed out in physical order never form
 * runs: the floor of fully fragmented memory, one 4 KiB PTE per page.
 */
static struct page *floor_chunk(struct page **pg, unsigned long k,
				unsigned long n, bool scatter)
{
	unsigned long half = (n + 1) / 2;

	if (!scatter)
		return pg[k];
	return k < half ? pg[2 * k] : pg[2 * (k - half) + 1];
}

/* Map the first @n chunks of 2^@order pages, one iommu_map() per run. */
static int floor_map(struct iommu_domain *dom, struct page **pg,
		     unsigned long n, unsigned int order, bool scatter,
		     unsigned long *runs)
{
	size_t chunk = PAGE_SIZE << order;
	unsigned long i = 0, j;
	u64 iova = FLOOR_IOVA;
	int ret;

	*runs = 0;
	while (i < n) {
		phys_addr_t pa = page_to_phys(floor_chunk(pg, i, n, scatter));

		for (j = i + 1; j < n && page_to_phys(floor_chunk(pg, j, n, scatter)) ==
		     pa + (j - i) * chunk; j++)
			;
		ret = pa_compat_iommu_map(dom, iova, pa, (j - i) * chunk,
					  IOMMU_READ | IOMMU_WRITE);
		if (ret)
			return ret;
		(*runs)++;
		iova += (j - i) * chunk;
		i = j;
		cond_resched();
	}
	return 0;
}

static void floor_run(struct iommu_domain *dom, unsigned int order)
{
	unsigned long max = ((unsigned long)max_mib << 20) >> (PAGE_SHIFT + order);
	gfp_t gfp = GFP_KERNEL | __GFP_NOWARN | (order ? __GFP_COMP : 0);
	unsigned long have = 0, i;
	struct page **pg;
	unsigned int mib;
	int rep;

	pg = kvcalloc(max, sizeof(*pg), GFP_KERNEL);
	if (!pg)
		return;
	for (have = 0; have < max; have++) {
		pg[have] = alloc_pages(gfp, order);
		if (!pg[have])
			break;
	}
	for (mib = 64; mib <= max_mib; mib *= 2) {
		unsigned long n = ((unsigned long)mib << 20) >> (PAGE_SHIFT + order);

		if (n > have) {
			pr_info("pa-floor: only %lu MiB of order-%u pages\n",
				(have << (PAGE_SHIFT + order)) >> 20, order);
			break;
		}
		for (rep = 0; rep < reps; rep++) {
			unsigned long runs;
			u64 t0, t1, t2;
			size_t un;
			int ret;

			t0 = ktime_get_ns();
			ret = floor_map(dom, pg, n, order, !order, &runs);
			t1 = ktime_get_ns();
			un = iommu_unmap(dom, FLOOR_IOVA, (size_t)mib << 20);
			t2 = ktime_get_ns();
			if (ret || un != (size_t)mib << 20) {
				pr_info("pa-floor: map %d, unmapped %zu of %u MiB\n",
					ret, un, mib);
				goto out;
			}
			pr_info("pa-floor: {\"bench\":\"floor\",\"page\":\"%s\",\"size_mib\":%u,\"rep\":%d,\"map_ns\":%llu,\"unmap_ns\":%llu,\"phys_runs\":%lu}\n",
				order ? "2m" : "4k", mib, rep, t1 - t0, t2 - t1, runs);
		}
	}
out:
	for (i = 0; i < have; i++)
		__free_pages(pg[i], order);
	kvfree(pg);
}

static int __init floor_init(void)
{
	unsigned int s, b, d, f;
	struct iommu_domain *dom;
	struct iommu_group *grp;
	struct pci_dev *pdev;
	int ret;

	if (sscanf(bdf, "%x:%x:%x.%x", &s, &b, &d, &f) != 4)
		return -EINVAL;
	pdev = pci_get_domain_bus_and_slot(s, b, PCI_DEVFN(d, f));
	if (!pdev)
		return -ENODEV;
	grp = iommu_group_get(&pdev->dev);
	if (!grp) {
		ret = -ENXIO;
		goto put_dev;
	}
	/* The function must be driverless; we own its DMA while we run. */
	ret = iommu_group_claim_dma_owner(grp, THIS_MODULE);
	if (ret)
		goto put_grp;
	dom = pa_compat_domain_alloc(&pdev->dev);
	if (IS_ERR(dom)) {
		ret = PTR_ERR(dom);
		goto release;
	}
	ret = iommu_attach_group(dom, grp);
	if (ret)
		goto free_dom;
	pr_info("pa-floor: {\"bench\":\"floor-info\",\"pgsizes\":\"%#lx\"}\n",
		dom->pgsize_bitmap);
	floor_run(dom, 0);
	floor_run(dom, 9);
	iommu_detach_group(dom, grp);
free_dom:
	iommu_domain_free(dom);
release:
	iommu_group_release_dma_owner(grp);
put_grp:
	iommu_group_put(grp);
put_dev:
	pci_dev_put(pdev);
	return ret;
}

static void __exit floor_exit(void)
{
}

module_init(floor_init);
module_exit(floor_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pciassign benchmark: raw iommu_map() floor (test only)");
