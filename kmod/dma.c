// SPDX-License-Identifier: GPL-2.0
/*
 * DMA mappings of a context's IOMMU domain: user memory pinned long-term,
 * accounted against RLIMIT_MEMLOCK and mapped at a caller-chosen IOVA.
 *
 * Design, chosen to keep per-page work and memory low:
 *
 *  - Pages are pinned in batches of PA_PIN_BATCH into one reusable array of
 *    page pointers. The only per-page work after pinning is comparing each
 *    page with the next one of its folio, to extend the current physically
 *    contiguous run a folio's worth at a time.
 *  - Shared memfd and hugetlbfs memory (what VMMs back guest RAM with) is
 *    pinned from the file, one pin per folio (memfd_pin_folios(), 6.11+),
 *    so a 2 MiB huge page costs one pin and no per-page work at all. Such
 *    runs are unpinned per folio; a run never holds two pins of one folio
 *    (a folio pinned again, through a second mapping of the same file
 *    range, starts a new run).
 *  - A run stays open across batches and is mapped with a single
 *    iommu_map() when it ends, so the IOMMU driver can use its largest
 *    page sizes (2 MiB THP/hugetlbfs, 1 GiB hugetlbfs).
 *  - A mapping does not keep a struct page pointer per page: it keeps one
 *    (pfn, npages) record per run, the first inline and the rest in small
 *    chunks sized by an upper bound of the runs still possible. Huge-page
 *    memory costs a few records per mapping; fully fragmented 4 KiB memory
 *    costs 16 bytes per page. Unmapping unpins run by run with
 *    unpin_user_page_range_dirty_lock(), which works per folio, so it does
 *    not depend on walking the IOMMU page tables either.
 *  - Mappings live in an rbtree keyed by IOVA under pa_dma.lock; they never
 *    overlap, so ordering by start also orders by end.
 *  - Pinned pages are charged to the mapper's mm->pinned_vm (VmPin in
 *    /proc/PID/status) and checked against its RLIMIT_MEMLOCK, the way
 *    RDMA and iommufd do, rather than to locked_vm via account_locked_vm():
 *    the latter needs the mm's mmap_lock, and the last context reference
 *    can be dropped by a device detach that holds pa_adev.lock, a lock
 *    that mmap() of the device fd takes under mmap_lock (an ABBA deadlock).
 *    Each mapping holds a reference (mmgrab) on that mm, so uncharging at
 *    unmap/destroy is right even when another process closes the last fd
 *    or the mapper has exited.
 */
#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/rbtree.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "pciassign.h"

static unsigned int max_mappings = 65535;
module_param(max_mappings, uint, 0644);
MODULE_PARM_DESC(max_mappings,
		 "Maximum number of live DMA mappings per context. Default: 65535");

/* Pages pinned per pin_user_pages_fast() call (two pages of pointers). */
#define PA_PIN_BATCH	1024

struct pa_run {
	unsigned long pfn;
	unsigned long npages : BITS_PER_LONG - 1;
	unsigned long folio_pinned : 1;	/* one pin per folio, not per page */
};

struct pa_run_chunk {
	struct pa_run_chunk *next;
	unsigned int nr;
	unsigned int cap;
	struct pa_run runs[];
};

/* Records per chunk so that a full chunk is one page. */
#define PA_RUNS_PER_CHUNK \
	((PAGE_SIZE - sizeof(struct pa_run_chunk)) / sizeof(struct pa_run))

struct pa_mapping {
	struct rb_node node;
	u64 iova;
	u64 last;			/* inclusive */
	unsigned long npages;
	struct mm_struct *mm;		/* accounted to; mmgrab'ed */
	bool writable;			/* device may write: dirty on unpin */
	bool leaked;			/* IOMMU unmap failed: keep pinned */
	unsigned long nr_runs;
	struct pa_run first;		/* most mappings have a single run */
	struct pa_run_chunk *chunks;	/* the other runs */
	struct pa_run_chunk *tail;
};

struct pa_dma {
	struct mutex lock;		/* the tree and count */
	struct rb_root root;
	unsigned int count;
};

static struct pa_mapping *pa_dma_first_from(struct pa_dma *dma, u64 iova);

/* The domain, or NULL before the first attach; stable once set. */
static struct iommu_domain *pa_dma_domain(struct pa_context *ctx)
{
	struct iommu_domain *domain;

	mutex_lock(&ctx->lock);
	domain = ctx->domain;
	mutex_unlock(&ctx->lock);
	return domain;
}

/* ---- usable IOVA ranges: aperture minus reserved regions --------------- */

static int pa_range_cmp(const void *a, const void *b)
{
	const struct pciassign_iova_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Remove [start, last] from the @n ranges in @r (room for one more). */
static unsigned int pa_ranges_exclude(struct pciassign_iova_range *r,
				      unsigned int n, u64 start, u64 last)
{
	unsigned int i = 0;

	while (i < n) {
		struct pciassign_iova_range *cur = &r[i];

		if (last < cur->start || start > cur->last) {
			i++;
		} else if (start <= cur->start && last >= cur->last) {
			*cur = r[--n];		/* swallowed: drop it */
		} else if (start > cur->start && last < cur->last) {
			r[n].start = last + 1;	/* a hole in the middle */
			r[n].last = cur->last;
			cur->last = start - 1;
			n++;
			i++;
		} else if (start <= cur->start) {
			cur->start = last + 1;
			i++;
		} else {
			cur->last = start - 1;
			i++;
		}
	}
	return n;
}

/*
 * Compute the usable IOVA ranges of @domain for the devices attached to
 * @ctx, sorted by start, into a new array (kfree() it). @cache_coherent
 * (may be NULL) tells whether every attached device snoops CPU caches.
 */
static int pa_dma_usable_ranges(struct pa_context *ctx,
				struct iommu_domain *domain,
				struct pciassign_iova_range **out,
				unsigned int *nr_out, bool *cache_coherent)
{
	struct iommu_resv_region *resv, *tmp;
	struct pciassign_iova_range *r;
	struct pa_adev *padev;
	unsigned int nresv = 0, n;
	bool coherent = true;
	LIST_HEAD(regions);
	int ret = 0;

	mutex_lock(&ctx->lock);
	list_for_each_entry(padev, &ctx->devices, ctx_node) {
		struct iommu_group *group = iommu_group_get(&padev->pdev->dev);

		if (!device_iommu_capable(&padev->pdev->dev,
					  IOMMU_CAP_CACHE_COHERENCY))
			coherent = false;
		if (!group)
			continue;
		/* Appends this group's regions (merged, sorted) to the list. */
		ret = iommu_get_group_resv_regions(group, &regions);
		iommu_group_put(group);
		if (ret)
			break;
	}
	mutex_unlock(&ctx->lock);
	if (ret)
		goto out;

	list_for_each_entry(resv, &regions, list)
		nresv++;
	r = kcalloc(nresv + 1, sizeof(*r), GFP_KERNEL);
	if (!r) {
		ret = -ENOMEM;
		goto out;
	}

	if (domain->geometry.force_aperture) {
		r[0].start = domain->geometry.aperture_start;
		r[0].last = domain->geometry.aperture_end;
	} else {
		r[0].start = 0;
		r[0].last = U64_MAX;
	}
	n = r[0].start <= r[0].last;

	list_for_each_entry(resv, &regions, list) {
		u64 last;

		/* Firmware-requested mappings that assignment may ignore. */
		if (resv->type == IOMMU_RESV_DIRECT_RELAXABLE || !resv->length)
			continue;
		if (check_add_overflow((u64)resv->start, (u64)resv->length - 1, &last))
			last = U64_MAX;
		n = pa_ranges_exclude(r, n, resv->start, last);
	}
	sort(r, n, sizeof(*r), pa_range_cmp, NULL);

	*out = r;
	*nr_out = n;
	if (cache_coherent)
		*cache_coherent = coherent;
out:
	list_for_each_entry_safe(resv, tmp, &regions, list)
		kfree(resv);
	return ret;
}

/**
 * pa_dma_check_resv() - may a device of @group join @ctx's mappings?
 * @ctx: the context
 * @group: the IOMMU group joining it
 * @pdev: the device, for the log
 *
 * A device of @group is joining @ctx: refuse it if a live mapping covers a
 * range its IOMMU reserves (an RMRR, an MSI window other devices of the
 * context do not have), which the device could then not use safely.
 *
 * Return: 0 or -EADDRINUSE.
 */
int pa_dma_check_resv(struct pa_context *ctx, struct iommu_group *group,
		      struct pci_dev *pdev)
{
	struct iommu_resv_region *resv, *tmp;
	struct pa_dma *dma = ctx->dma;
	LIST_HEAD(regions);
	int ret;

	ret = iommu_get_group_resv_regions(group, &regions);
	if (ret)
		return ret;
	mutex_lock(&dma->lock);
	list_for_each_entry(resv, &regions, list) {
		struct pa_mapping *m;
		u64 last;

		if (resv->type == IOMMU_RESV_DIRECT_RELAXABLE || !resv->length)
			continue;
		if (check_add_overflow((u64)resv->start, (u64)resv->length - 1, &last))
			last = U64_MAX;
		m = pa_dma_first_from(dma, resv->start);
		if (m && m->iova <= last) {
			pci_info(pdev, "attach refused: DMA mapping [%#llx-%#llx] covers reserved IOVA [%#llx-%#llx]\n",
				 m->iova, m->last, (u64)resv->start, last);
			ret = -EADDRINUSE;
			break;
		}
	}
	mutex_unlock(&dma->lock);
	list_for_each_entry_safe(resv, tmp, &regions, list)
		kfree(resv);
	return ret;
}

/* ---- run records ------------------------------------------------------- */

/*
 * Record a run; @bound is an upper bound of the runs this mapping can
 * still get, including this one, so small mappings get small chunks.
 */
static int pa_mapping_add_run(struct pa_mapping *m, unsigned long pfn,
			      unsigned long npages, bool folio_pinned,
			      unsigned long bound)
{
	struct pa_run_chunk *c = m->tail;

	if (!m->nr_runs) {
		m->first.pfn = pfn;
		m->first.npages = npages;
		m->first.folio_pinned = folio_pinned;
		m->nr_runs = 1;
		return 0;
	}
	if (!c || c->nr == c->cap) {
		unsigned int cap = min_t(unsigned long, bound, PA_RUNS_PER_CHUNK);

		c = pa_fault("dma-runs") ? NULL :
		    kmalloc(struct_size(c, runs, cap), GFP_KERNEL_ACCOUNT);
		if (!c)
			return -ENOMEM;
		c->next = NULL;
		c->nr = 0;
		c->cap = cap;
		if (m->tail)
			m->tail->next = c;
		else
			m->chunks = c;
		m->tail = c;
	}
	c->runs[c->nr].pfn = pfn;
	c->runs[c->nr].npages = npages;
	c->runs[c->nr].folio_pinned = folio_pinned;
	c->nr++;
	m->nr_runs++;
	return 0;
}

/* Forget the last recorded run (its iommu_map() failed). */
static void pa_mapping_drop_last_run(struct pa_mapping *m)
{
	if (m->nr_runs-- > 1)
		m->tail->nr--;
}

/* Drop the pins of a run: one per page, or one per folio it touches. */
static void pa_unpin_run(unsigned long pfn, unsigned long npages,
			 bool folio_pinned, bool dirty)
{
	if (!folio_pinned) {
		unpin_user_page_range_dirty_lock(pfn_to_page(pfn), npages, dirty);
		return;
	}
	while (npages) {
		struct folio *folio = page_folio(pfn_to_page(pfn));
		unsigned long n = min(npages, folio_nr_pages(folio) -
					      (pfn - folio_pfn(folio)));

		if (dirty && !folio_test_dirty(folio))
			set_page_dirty_lock(folio_page(folio, 0));
		pa_compat_unpin_folio(folio);
		pfn += n;
		npages -= n;
	}
}

/* Unpin every recorded run and free the records. */
static void pa_mapping_unpin(struct pa_mapping *m)
{
	struct pa_run_chunk *c, *next;
	unsigned int i;

	if (m->nr_runs && !m->leaked)
		pa_unpin_run(m->first.pfn, m->first.npages,
			     m->first.folio_pinned, m->writable);
	for (c = m->chunks; c; c = next) {
		next = c->next;
		if (!m->leaked)
			for (i = 0; i < c->nr; i++)
				pa_unpin_run(c->runs[i].pfn, c->runs[i].npages,
					     c->runs[i].folio_pinned,
					     m->writable);
		kfree(c);
	}
	m->chunks = NULL;
	m->tail = NULL;
	m->nr_runs = 0;
}

/* Charge @npages pinned pages to @mm, within RLIMIT_MEMLOCK. */
static int pa_charge_pinned(struct mm_struct *mm, unsigned long npages)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	s64 pinned = atomic64_add_return(npages, &mm->pinned_vm);

	if (pinned > limit && !capable(CAP_IPC_LOCK)) {
		atomic64_sub(npages, &mm->pinned_vm);
		return -ENOMEM;
	}
	return 0;
}

static void pa_uncharge_pinned(struct mm_struct *mm, unsigned long npages)
{
	atomic64_sub(npages, &mm->pinned_vm);
}

/* Drop the pins, the charge and the mm reference; free @m. */
static void pa_mapping_free(struct pa_mapping *m)
{
	pa_mapping_unpin(m);
	pa_uncharge_pinned(m->mm, m->npages);
	mmdrop(m->mm);
	kfree(m);
}

/*
 * Remove @size bytes at @iova from the IOMMU (TLB flush deferred to
 * @gather). A short unmap means the device may still reach the pages:
 * keep them pinned rather than hand them back to the allocator.
 */
static void pa_mapping_iommu_unmap(struct iommu_domain *domain,
				   struct pa_mapping *m, u64 size,
				   struct iommu_iotlb_gather *gather)
{
	size_t done;

	if (!size)
		return;
	done = iommu_unmap_fast(domain, m->iova, size, gather);
	if (done != size) {
		pr_err("%s: IOMMU unmap of 0x%llx+0x%llx removed 0x%zx bytes; leaking its pinned pages\n",
		       PCIASSIGN_NAME, m->iova, size, done);
		m->leaked = true;
	}
}

/* ---- pinning and mapping ----------------------------------------------- */

struct pa_pin_state {
	struct iommu_domain *domain;
	struct pa_mapping *m;
	int prot;
	unsigned int gup_flags;
	void **batch;			/* page or folio pointers */
	unsigned int batch_len;
	u64 mapped;			/* bytes mapped and recorded so far */
	unsigned long closed;		/* pages in recorded runs */
	unsigned long run_pfn;		/* open run: pinned, not yet mapped */
	unsigned long run_len;
	bool run_folio_pinned;
};

/* Map and record the open run. On failure the run stays open. */
static int pa_close_run(struct pa_pin_state *s)
{
	struct pa_mapping *m = s->m;
	u64 bytes = (u64)s->run_len << PAGE_SHIFT;
	int ret;

	ret = pa_mapping_add_run(m, s->run_pfn, s->run_len, s->run_folio_pinned,
				 m->npages - s->closed - s->run_len + 1);
	if (ret)
		return ret;
	ret = pa_fault("dma-iommu-map") ? -ENOMEM :
	      pa_compat_iommu_map(s->domain, m->iova + s->mapped,
				  PFN_PHYS(s->run_pfn), bytes, s->prot);
	if (ret) {
		pa_mapping_drop_last_run(m);
		return ret;
	}
	s->mapped += bytes;
	s->closed += s->run_len;
	s->run_len = 0;
	return 0;
}

/*
 * Add @npages pinned pages at @pfn to the open run, or close it and open
 * another. A folio-pinned piece that does not start its folio continues a
 * folio pinned before (a second mapping of the same file range): it must
 * not join that run, which already holds the folio's pin. On failure the
 * pages are in no run: the caller unpins them.
 */
static int pa_run_add(struct pa_pin_state *s, unsigned long pfn,
		      unsigned long npages, bool folio_pinned, bool starts_folio)
{
	int ret;

	if (s->run_len && pfn == s->run_pfn + s->run_len &&
	    folio_pinned == s->run_folio_pinned &&
	    (!folio_pinned || starts_folio)) {
		s->run_len += npages;
		return 0;
	}
	if (s->run_len) {
		ret = pa_close_run(s);
		if (ret)
			return ret;
	}
	s->run_pfn = pfn;
	s->run_len = npages;
	s->run_folio_pinned = folio_pinned;
	return 0;
}

/*
 * Pin up to @npages pages at @vaddr page by page (GUP) and add them to the
 * runs. Pages of one folio, consecutive in the batch, join the run in one
 * step. Return: the pages pinned and recorded, or a negative errno with
 * nothing of this batch left pinned outside the open run.
 */
static long pa_pin_pages(struct pa_pin_state *s, unsigned long vaddr,
			 unsigned long npages)
{
	int want = min_t(unsigned long, npages, s->batch_len);
	struct page **pages = (struct page **)s->batch;
	unsigned long i, n;
	int got, ret;

	got = pa_fault("dma-pin") ? -EFAULT :
	      pin_user_pages_fast(vaddr, want, s->gup_flags, pages);
	if (got <= 0)
		return got ? got : -EFAULT;
	for (i = 0; i < (unsigned long)got; i += n) {
		struct page *page = pages[i];
		struct folio *folio = page_folio(page);
		unsigned long left = folio_nr_pages(folio) -
				     (page_to_pfn(page) - folio_pfn(folio));

		for (n = 1; n < left && i + n < (unsigned long)got &&
			    pages[i + n] == page + n; n++)
			;
		ret = pa_run_add(s, page_to_pfn(page), n, false, false);
		if (ret) {
			unpin_user_pages(pages + i, got - i);
			return ret;
		}
	}
	return got;
}

/*
 * Pin @npages pages of the shared memfd/hugetlbfs @file from byte @pos,
 * one pin per folio, and add them to the runs. Return: the pages pinned
 * and recorded (at least one), or a negative errno with nothing of this
 * batch left pinned outside the open run; -EINVAL or -EOPNOTSUPP when
 * @file cannot be pinned this way (nothing was pinned).
 */
static long pa_pin_memfd(struct pa_pin_state *s, struct file *file, loff_t pos,
			 unsigned long npages)
{
	struct folio **folios = (struct folio **)s->batch;
	unsigned long done = 0, first, n;
	pgoff_t offset = 0;
	long got, i;
	int ret = 0;

	got = pa_fault("dma-pin") ? -EFAULT :
	      pa_compat_memfd_pin_folios(file, pos,
					 pos + ((loff_t)npages << PAGE_SHIFT) - 1,
					 folios, s->batch_len, &offset);
	if (got <= 0)
		return got ? got : -EFAULT;
	for (i = 0; i < got && done < npages; i++) {
		first = i ? 0 : offset >> PAGE_SHIFT;
		n = min(npages - done, folio_nr_pages(folios[i]) - first);
		ret = pa_run_add(s, folio_pfn(folios[i]) + first, n, true, !first);
		if (ret)
			break;
		done += n;
	}
	for (; i < got; i++)	/* not recorded: after a failure */
		pa_compat_unpin_folio(folios[i]);
	return ret ? ret : done;
}

/*
 * Whether the VMA's pages are its file's folios, pinnable from the file:
 * a shared mapping with the access the device gets (memfd_pin_folios()
 * itself refuses what is not shmem or hugetlbfs).
 */
static bool pa_vma_file_pinnable(struct vm_area_struct *vma, bool writable)
{
	return PA_COMPAT_MEMFD_PIN && vma->vm_file &&
	       (vma->vm_flags & VM_SHARED) && (vma->vm_flags & VM_READ) &&
	       (!writable || (vma->vm_flags & VM_WRITE)) &&
	       !(vma->vm_flags & (VM_IO | VM_PFNMAP));
}

/*
 * Pin the next pages from @vaddr, at most @npages and at most to the end
 * of the VMA there: from the file for shared memfd/hugetlbfs memory, with
 * GUP for everything else. Return: pages pinned, or a negative errno.
 */
static long pa_pin_step(struct pa_pin_state *s, unsigned long vaddr,
			unsigned long npages)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct file *file = NULL;
	loff_t pos = 0;
	long ret;

	if (!PA_COMPAT_MEMFD_PIN)
		return pa_pin_pages(s, vaddr, npages);
	if (mmap_read_lock_killable(mm))
		return -EINTR;
	vma = vma_lookup(mm, vaddr);
	if (vma) {
		npages = min(npages, (vma->vm_end - vaddr) >> PAGE_SHIFT);
		if (pa_vma_file_pinnable(vma, s->m->writable)) {
			file = get_file(vma->vm_file);
			pos = ((loff_t)vma->vm_pgoff << PAGE_SHIFT) +
			      (vaddr - vma->vm_start);
		}
	}
	mmap_read_unlock(mm);
	if (file) {
		ret = pa_pin_memfd(s, file, pos, npages);
		fput(file);
		if (ret != -EINVAL && ret != -EOPNOTSUPP)
			return ret;
	}
	return pa_pin_pages(s, vaddr, npages);
}

/*
 * Pin the @m->npages pages at @vaddr and map them at @m->iova. On failure
 * nothing stays pinned or mapped.
 */
static int pa_pin_and_map(struct iommu_domain *domain, struct pa_mapping *m,
			  unsigned long vaddr, int prot)
{
	struct pa_pin_state s = {
		.domain = domain, .m = m, .prot = prot,
		.gup_flags = FOLL_LONGTERM | (m->writable ? FOLL_WRITE : 0),
		.batch_len = min_t(unsigned long, m->npages, PA_PIN_BATCH),
	};
	struct iommu_iotlb_gather gather;
	unsigned long done = 0;
	long got;
	int ret;

	s.batch = pa_fault("dma-pages") ? NULL :
		  kvmalloc_array(s.batch_len, sizeof(*s.batch), GFP_KERNEL);
	if (!s.batch)
		return -ENOMEM;

	while (done < m->npages) {
		/* Mapping a huge region can take a while: let a kill abort it. */
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto fail;
		}
		cond_resched();

		got = pa_pin_step(&s, vaddr + (done << PAGE_SHIFT),
				  m->npages - done);
		if (got < 0) {
			ret = got;
			goto fail;
		}
		done += got;
	}
	ret = pa_close_run(&s);
	if (!ret) {
		kvfree(s.batch);
		return 0;
	}

fail:
	/* Pinned but in no recorded run: the open run. */
	if (s.run_len)
		pa_unpin_run(s.run_pfn, s.run_len, s.run_folio_pinned, false);
	kvfree(s.batch);

	iommu_iotlb_gather_init(&gather);
	pa_mapping_iommu_unmap(domain, m, s.mapped, &gather);
	iommu_iotlb_sync(domain, &gather);
	pa_mapping_unpin(m);
	return ret;
}

/* ---- the tree ---------------------------------------------------------- */

/* The lowest mapping that ends at or after @iova. */
static struct pa_mapping *pa_dma_first_from(struct pa_dma *dma, u64 iova)
{
	struct rb_node *n = dma->root.rb_node;
	struct pa_mapping *best = NULL;

	while (n) {
		struct pa_mapping *m = rb_entry(n, struct pa_mapping, node);

		if (m->last < iova) {
			n = n->rb_right;
		} else {
			best = m;
			n = n->rb_left;
		}
	}
	return best;
}

static struct pa_mapping *pa_dma_next(struct pa_mapping *m)
{
	struct rb_node *n = rb_next(&m->node);

	return n ? rb_entry(n, struct pa_mapping, node) : NULL;
}

static void pa_dma_insert(struct pa_dma *dma, struct pa_mapping *new)
{
	struct rb_node **link = &dma->root.rb_node, *parent = NULL;

	while (*link) {
		struct pa_mapping *m = rb_entry(*link, struct pa_mapping, node);

		parent = *link;
		link = new->iova < m->iova ? &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&new->node, parent, link);
	rb_insert_color(&new->node, &dma->root);
}

/*
 * Remove the mappings [first .. last] (in tree order; @last NULL: to the
 * end): one IOTLB flush for all of them, then unpin. Returns the bytes
 * removed. Called with dma->lock held.
 */
static u64 pa_dma_remove_span(struct pa_dma *dma, struct iommu_domain *domain,
			      struct pa_mapping *first, struct pa_mapping *last)
{
	struct iommu_iotlb_gather gather;
	struct pa_mapping *m, *next;
	u64 bytes = 0;

	lockdep_assert_held(&dma->lock);
	if (!first)
		return 0;
	iommu_iotlb_gather_init(&gather);
	for (m = first; m; m = m == last ? NULL : pa_dma_next(m))
		pa_mapping_iommu_unmap(domain, m, m->last - m->iova + 1, &gather);
	/* The device must not reach a page once it is unpinned. */
	iommu_iotlb_sync(domain, &gather);

	for (m = first; m; m = next) {
		next = m == last ? NULL : pa_dma_next(m);
		bytes += m->last - m->iova + 1;
		rb_erase(&m->node, &dma->root);
		dma->count--;
		pa_mapping_free(m);
		cond_resched();
	}
	return bytes;
}

/* ---- interface --------------------------------------------------------- */

/**
 * pa_dma_create() - the DMA mapping state of a new context
 * @ctx: the context
 *
 * Context: may sleep.
 * Return: 0 or -ENOMEM.
 */
int pa_dma_create(struct pa_context *ctx)
{
	struct pa_dma *dma = kzalloc(sizeof(*dma), GFP_KERNEL_ACCOUNT);

	if (!dma)
		return -ENOMEM;
	mutex_init(&dma->lock);
	dma->root = RB_ROOT;
	ctx->dma = dma;
	return 0;
}

/**
 * pa_dma_destroy() - unmap and unpin everything of a context
 * @ctx: the context
 *
 * The context is being freed: no device is attached any more.
 *
 * Context: may sleep.
 */
void pa_dma_destroy(struct pa_context *ctx)
{
	struct pa_dma *dma = ctx->dma;
	struct rb_node *first;

	if (!dma)
		return;
	mutex_lock(&dma->lock);
	first = rb_first(&dma->root);
	if (first && ctx->domain)
		pa_dma_remove_span(dma, ctx->domain,
				   rb_entry(first, struct pa_mapping, node), NULL);
	mutex_unlock(&dma->lock);
	mutex_destroy(&dma->lock);
	kfree(dma);
	ctx->dma = NULL;
}

/**
 * pa_dma_ioctl_map() - PCIASSIGN_DMA_MAP
 * @ctx: the context
 * @uarg: struct pciassign_dma_map in userspace
 *
 * Pins the range and maps it into the context's IOMMU domain.
 *
 * Context: may sleep.
 * Return: 0 or a negative errno.
 */
long pa_dma_ioctl_map(struct pa_context *ctx, void __user *uarg)
{
	const u32 rw = PCIASSIGN_DMA_MAP_READ | PCIASSIGN_DMA_MAP_WRITE;
	struct pciassign_iova_range *ranges = NULL;
	struct pa_dma *dma = ctx->dma;
	struct pciassign_dma_map req;
	struct iommu_domain *domain;
	struct pa_mapping *m, *next;
	unsigned int nranges, i;
	u64 last, vlast, align;
	bool coherent = false;
	int prot = 0;
	long ret;

	ret = pa_copy_args(&req, offsetofend(struct pciassign_dma_map, size),
			   sizeof(req), uarg);
	if (ret)
		return ret;
	if ((req.flags & ~rw) || !(req.flags & rw) || !req.size)
		return -EINVAL;

	domain = pa_dma_domain(ctx);
	if (!domain)
		return -ENODEV;

	align = max_t(u64, PAGE_SIZE, 1ULL << __ffs(domain->pgsize_bitmap));
	if ((req.vaddr | req.iova | req.size) & (align - 1))
		return -EINVAL;
	if (check_add_overflow(req.iova, req.size - 1, &last) ||
	    check_add_overflow(req.vaddr, req.size - 1, &vlast))
		return -EINVAL;

	/* The whole range must fit in one usable window. */
	ret = pa_dma_usable_ranges(ctx, domain, &ranges, &nranges, &coherent);
	if (ret)
		return ret;
	for (i = 0; i < nranges; i++)
		if (req.iova >= ranges[i].start && last <= ranges[i].last)
			break;
	kfree(ranges);
	if (i == nranges)
		return -EINVAL;

	if (req.flags & PCIASSIGN_DMA_MAP_READ)
		prot |= IOMMU_READ;
	if (req.flags & PCIASSIGN_DMA_MAP_WRITE)
		prot |= IOMMU_WRITE;
	/* Only meaningful where the IOMMU sets memory attributes (not x86). */
	if (coherent)
		prot |= IOMMU_CACHE;

	m = pa_fault("dma-mapping") ? NULL : kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m)
		return -ENOMEM;
	m->iova = req.iova;
	m->last = last;
	m->npages = req.size >> PAGE_SHIFT;
	m->writable = req.flags & PCIASSIGN_DMA_MAP_WRITE;

	mutex_lock(&dma->lock);
	if (dma->count >= READ_ONCE(max_mappings)) {
		ret = -ENOSPC;
		goto unlock;
	}
	next = pa_dma_first_from(dma, req.iova);
	if (next && next->iova <= last) {
		ret = -EEXIST;
		goto unlock;
	}

	/* Charge the whole size first: -ENOMEM over RLIMIT_MEMLOCK. */
	ret = pa_charge_pinned(current->mm, m->npages);
	if (ret)
		goto unlock;
	m->mm = current->mm;
	mmgrab(m->mm);

	ret = pa_pin_and_map(domain, m, req.vaddr, prot);
	if (ret) {
		pa_uncharge_pinned(m->mm, m->npages);
		mmdrop(m->mm);
		goto unlock;
	}
	pa_dma_insert(dma, m);
	dma->count++;
	mutex_unlock(&dma->lock);
	return 0;

unlock:
	mutex_unlock(&dma->lock);
	kfree(m);
	return ret;
}

/**
 * pa_dma_ioctl_unmap() - PCIASSIGN_DMA_UNMAP
 * @ctx: the context
 * @uarg: struct pciassign_dma_unmap in userspace
 *
 * Unmaps and unpins whole mappings in the range (or all of them).
 *
 * Context: may sleep.
 * Return: 0 or a negative errno.
 */
long pa_dma_ioctl_unmap(struct pa_context *ctx, void __user *uarg)
{
	struct pa_dma *dma = ctx->dma;
	struct pciassign_dma_unmap req;
	struct pa_mapping *first, *lastm = NULL, *m;
	struct iommu_domain *domain;
	u64 last;
	long ret;

	ret = pa_copy_args(&req, offsetofend(struct pciassign_dma_unmap, size),
			   sizeof(req), uarg);
	if (ret)
		return ret;
	if (req.flags & ~PCIASSIGN_DMA_UNMAP_ALL)
		return -EINVAL;
	if (req.flags & PCIASSIGN_DMA_UNMAP_ALL) {
		if (req.iova || req.size)
			return -EINVAL;
		last = U64_MAX;
	} else {
		if (!req.size || ((req.iova | req.size) & ~PAGE_MASK) ||
		    check_add_overflow(req.iova, req.size - 1, &last))
			return -EINVAL;
	}

	domain = pa_dma_domain(ctx);
	req.size = 0;
	mutex_lock(&dma->lock);
	first = pa_dma_first_from(dma, req.iova);
	if (!domain || !first || first->iova > last)
		goto done;		/* nothing in the range */
	/* Straddling the start or the end: refuse and keep everything. */
	if (first->iova < req.iova) {
		ret = -EINVAL;
		goto unlock;
	}
	for (m = first; m && m->iova <= last; m = pa_dma_next(m)) {
		if (m->last > last) {
			ret = -EINVAL;
			goto unlock;
		}
		lastm = m;
	}
	req.size = pa_dma_remove_span(dma, domain, first, lastm);
done:
	mutex_unlock(&dma->lock);
	return pa_copy_out(uarg, &req, req.argsz, sizeof(req));
unlock:
	mutex_unlock(&dma->lock);
	return ret;
}

/**
 * pa_dma_ioctl_iommu_info() - PCIASSIGN_IOMMU_INFO
 * @ctx: the context
 * @uarg: struct pciassign_iommu_info in userspace
 *
 * Context: may sleep.
 * Return: 0 or a negative errno.
 */
long pa_dma_ioctl_iommu_info(struct pa_context *ctx, void __user *uarg)
{
	const size_t minsz = offsetofend(struct pciassign_iommu_info, reserved);
	struct pciassign_iova_range *ranges = NULL;
	struct pciassign_iommu_info info;
	struct iommu_domain *domain;
	unsigned int nranges = 0;
	size_t room;
	long ret = 0;

	/* Not pa_copy_args(): @ranges makes argsz legitimately larger. */
	if (get_user(info.argsz, (u32 __user *)uarg))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	if (copy_from_user(&info, uarg, minsz))
		return -EFAULT;
	if (info.flags || info.reserved)
		return -EINVAL;

	info.pgsize_bitmap = 0;
	info.max_mappings = READ_ONCE(max_mappings);
	domain = pa_dma_domain(ctx);
	if (domain) {
		info.pgsize_bitmap = domain->pgsize_bitmap;
		ret = pa_dma_usable_ranges(ctx, domain, &ranges, &nranges, NULL);
		if (ret)
			return ret;
	} else {
		info.flags |= PCIASSIGN_IOMMU_INFO_NO_DOMAIN;
	}
	info.num_ranges = nranges;

	room = (info.argsz - minsz) / sizeof(*ranges);
	if (nranges && room &&
	    copy_to_user(uarg + offsetof(struct pciassign_iommu_info, ranges),
			 ranges, min_t(size_t, room, nranges) * sizeof(*ranges)))
		ret = -EFAULT;
	kfree(ranges);
	if (ret)
		return ret;
	return pa_copy_out(uarg, &info, info.argsz, minsz);
}
