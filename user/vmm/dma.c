// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Guest RAM mapped for device DMA (IOVA = guest-physical address), off the
 * boot's critical path.
 *
 * Mapping pins every page of guest RAM, and the first touch of a page
 * allocates and zeroes it: for a large guest that is most of the VMM's
 * start-up time. None of it has to happen before the guest runs, only
 * before an assigned device can issue a memory request, and a function
 * issues none (DMA or MSI) until its Bus Master Enable bit is set. So:
 *
 *  - vmm_dma_prefault() starts at once, with the RAM: threads fault the
 *    RAM in (MADV_POPULATE_WRITE, slices in parallel) while the VMM loads
 *    the kernel and attaches the devices;
 *  - vmm_dma_map_async() maps it in a thread once a device is attached
 *    (the context's IOMMU domain exists from the first attach) and the
 *    vCPUs start meanwhile;
 *  - vmm_dma_wait() holds back a guest config write that sets Bus Master
 *    Enable on an assigned function until the mapping is complete; a
 *    mapping that failed ends the guest instead.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

static void *prefault_thread(void *arg)
{
	struct vmm_dma_slice *s = arg;

	/* An old kernel (before 5.14) says EINVAL: pinning faults it in instead. */
	madvise(s->start, s->len, MADV_POPULATE_WRITE);
	return NULL;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

void vmm_dma_init(struct vmm_dma *d)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
}

void vmm_dma_prefault(struct vmm *v)
{
	struct vmm_dma *d = &v->dma;
	uint64_t size = v->mem.size, per, grains = size / VMM_PREFAULT_GRAIN;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int n = VMM_PREFAULT_THREADS;

	clock_gettime(CLOCK_MONOTONIC, &d->t0);
	if (cpus > 0 && (unsigned long)cpus < n)
		n = (unsigned int)cpus;
	if (grains < n)
		n = grains ? (unsigned int)grains : 1;
	/* Equal slices in whole huge pages (hugetlbfs needs that). */
	per = ((size + n - 1) / n + VMM_PREFAULT_GRAIN - 1) / VMM_PREFAULT_GRAIN *
	      VMM_PREFAULT_GRAIN;
	for (uint64_t off = 0; off < size && d->nprefault < n; off += per) {
		struct vmm_dma_slice *s = &d->slice[d->nprefault];

		s->start = v->mem.hva + off;
		s->len = off + per > size ? size - off : per;
		if (pthread_create(&d->prefault[d->nprefault], NULL, prefault_thread, s))
			break;	/* fewer threads; pinning faults in the rest */
		d->nprefault++;
	}
}

static void prefault_join(struct vmm_dma *d)
{
	for (unsigned int i = 0; i < d->nprefault; i++)
		pthread_join(d->prefault[i], NULL);
	d->nprefault = 0;
}

static void *map_thread(void *arg)
{
	struct vmm *v = arg;
	struct vmm_dma *d = &v->dma;
	int ret;

	prefault_join(d);
	ret = pa_dma_map(v->ctx_fd, v->mem.hva, 0, v->mem.low, true);
	if (!ret) {
		d->mapped_low = true;
		if (v->mem.high) {
			ret = pa_dma_map(v->ctx_fd, v->mem.hva + v->mem.low, VMM_HIGH_RAM_BASE,
					 v->mem.high, true);
			d->mapped_high = !ret;
		}
	}
	if (ret)
		vmm_log("DMA map of guest RAM: %s", strerror(-ret));
	else
		vmm_log("guest RAM mapped for DMA %ld ms after start", ms_since(&d->t0));

	/* Wake a held-back vCPU before taking v->lock: it may hold it. */
	pthread_mutex_lock(&d->lock);
	d->error = ret;
	d->done = true;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
	if (ret) {
		pthread_mutex_lock(&v->lock);
		vmm_finish(v, VMM_EXIT_ERROR);
		pthread_mutex_unlock(&v->lock);
	}
	return NULL;
}

int vmm_dma_map_async(struct vmm *v)
{
	struct vmm_dma *d = &v->dma;
	int ret = pthread_create(&d->thread, NULL, map_thread, v);

	if (ret) {
		vmm_log("DMA map thread: %s", strerror(ret));
		return -ret;
	}
	d->started = true;
	return 0;
}

int vmm_dma_wait(struct vmm_dma *d)
{
	int ret;

	if (!d->started)
		return 0;
	pthread_mutex_lock(&d->lock);
	while (!d->done)
		pthread_cond_wait(&d->cond, &d->lock);
	ret = d->error;
	pthread_mutex_unlock(&d->lock);
	return ret;
}

void vmm_dma_stop(struct vmm *v)
{
	struct vmm_dma *d = &v->dma;

	if (d->started) {
		pthread_join(d->thread, NULL);
		d->started = false;
	}
	prefault_join(d);
}

void vmm_dma_unmap(struct vmm *v)
{
	struct vmm_dma *d = &v->dma;

	if (d->mapped_low)
		pa_dma_unmap(v->ctx_fd, 0, v->mem.low);
	if (d->mapped_high)
		pa_dma_unmap(v->ctx_fd, VMM_HIGH_RAM_BASE, v->mem.high);
	d->mapped_low = d->mapped_high = false;
}
