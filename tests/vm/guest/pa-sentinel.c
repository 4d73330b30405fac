// SPDX-License-Identifier: GPL-2.0
/*
 * pa-sentinel LO HI: hold a page of this process's memory whose physical
 * address lies in [LO, HI), filled with a pattern, and say where it is;
 * on SIGUSR1, check that nothing changed it. 83-hostile hands the address
 * to a nested guest as a DMA target outside its RAM: an IOMMU that did not
 * confine the device would let the guest write this host page.
 *
 * Prints "ADDR MAGIC" (hex) once the page is ready, then, after SIGUSR1,
 * "intact" (exit 0) or "changed: N of M words" (exit 1).
 */
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>

#include "vmtest.h"

#define CHUNK	(2u << 20)
#define MAX_CHUNKS 256		/* 512 MiB of searching at most */

static uint64_t phys_of(int pagemap, const void *p)
{
	uint64_t e;
	long ps = sysconf(_SC_PAGESIZE);

	if (pread(pagemap, &e, 8, (off_t)((uintptr_t)p / ps) * 8) != 8)
		return 0;
	if (!(e & (1ull << 63)))
		return 0;
	return (e & ((1ull << 55) - 1)) * (uint64_t)ps;
}

int main(int argc, char **argv)
{
	static uint8_t *chunks[MAX_CHUNKS];
	long ps = sysconf(_SC_PAGESIZE);
	uint64_t lo, hi, magic, found = 0, *page = NULL;
	unsigned int n = 0, keep = 0, changed = 0, words;
	sigset_t set;
	int pagemap, sig;

	if (argc != 3) {
		fprintf(stderr, "usage: %s LO HI\n", argv[0]);
		return 2;
	}
	lo = strtoull(argv[1], NULL, 0);
	hi = strtoull(argv[2], NULL, 0);
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	if (pagemap < 0) {
		perror("/proc/self/pagemap");
		return 2;
	}
	/* Block SIGUSR1 before anyone can send it. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);

	for (n = 0; n < MAX_CHUNKS && !page; n++) {
		chunks[n] = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_LOCKED, -1, 0);
		if (chunks[n] == MAP_FAILED) {
			perror("mmap");
			break;
		}
		for (size_t off = 0; off < CHUNK; off += (size_t)ps) {
			uint64_t pa = phys_of(pagemap, chunks[n] + off);

			if (pa >= lo && pa + (uint64_t)ps <= hi) {
				page = (uint64_t *)(chunks[n] + off);
				found = pa;
				keep = n;
				break;
			}
		}
	}
	for (unsigned int i = 0; i < n; i++)
		if (chunks[i] != MAP_FAILED && (i != keep || !page))
			munmap(chunks[i], CHUNK);
	if (!page) {
		fprintf(stderr, "no page in [%#llx, %#llx) within %u MiB\n",
			(unsigned long long)lo, (unsigned long long)hi, n * 2);
		return 2;
	}
	magic = 0x5e471e1000000000ull ^ found;
	words = (unsigned int)(ps / 8);
	for (unsigned int i = 0; i < words; i++)
		page[i] = magic;
	printf("%#llx %#llx\n", (unsigned long long)found, (unsigned long long)magic);
	fflush(stdout);

	sigwait(&set, &sig);
	for (unsigned int i = 0; i < words; i++)
		changed += page[i] != magic;
	/* Still the same physical page: nothing moved it away under us. */
	if (phys_of(pagemap, page) != found) {
		printf("moved: page now at %#llx\n",
		       (unsigned long long)phys_of(pagemap, page));
		return 1;
	}
	if (changed) {
		printf("changed: %u of %u words\n", changed, words);
		return 1;
	}
	printf("intact\n");
	return 0;
}
