// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Guest RAM: one memfd (hugetlbfs-backed with --hugepages), so the same
 * pages back the KVM memslots and the IOMMU mapping. Up to 3 GiB sits at
 * guest-physical 0; the rest above 4 GiB, leaving the hole for PCI BARs,
 * ECAM and the APICs.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm.h"

#ifndef MFD_HUGETLB
#define MFD_HUGETLB	0x0004u
#endif

int vmm_mem_alloc(struct vmm_mem *m, uint64_t size, bool hugepages)
{
	unsigned int flags = MFD_CLOEXEC | (hugepages ? MFD_HUGETLB : 0);

	m->hva = NULL;
	m->fd = memfd_create("pciassign-vmm-ram", flags);
	if (m->fd < 0)
		return -errno;
	if (ftruncate(m->fd, (off_t)size))
		goto fail;
	m->hva = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
	if (m->hva == MAP_FAILED) {
		m->hva = NULL;
		goto fail;
	}
	m->size = size;
	m->low = size < VMM_LOW_RAM_MAX ? size : VMM_LOW_RAM_MAX;
	m->high = size - m->low;
	return 0;
fail:
	{
		int ret = -errno;

		close(m->fd);
		m->fd = -1;
		return ret;
	}
}

void vmm_mem_free(struct vmm_mem *m)
{
	if (m->hva)
		munmap(m->hva, m->size);
	if (m->fd >= 0)
		close(m->fd);
	m->hva = NULL;
	m->fd = -1;
}

void *vmm_gpa(const struct vmm_mem *m, uint64_t gpa, uint64_t len)
{
	if (gpa + len < gpa)
		return NULL;
	if (gpa + len <= m->low)
		return m->hva + gpa;
	if (gpa >= VMM_HIGH_RAM_BASE && gpa + len - VMM_HIGH_RAM_BASE <= m->high)
		return m->hva + m->low + (gpa - VMM_HIGH_RAM_BASE);
	return NULL;
}

/*
 * The PC map: base memory below the EBDA, the BIOS area (ACPI tables)
 * reserved, RAM from 1 MiB, ECAM reserved (Linux checks MCFG against
 * the E820 map), RAM above 4 GiB.
 */
unsigned int vmm_e820_build(const struct vmm_mem *m, struct vmm_e820 *e)
{
	unsigned int n = 0;

	e[n++] = (struct vmm_e820){ 0, 0x9fc00, VMM_E820_RAM };
	e[n++] = (struct vmm_e820){ 0x9fc00, 0x400, VMM_E820_RESERVED };
	e[n++] = (struct vmm_e820){ 0xe0000, 0x20000, VMM_E820_RESERVED };
	e[n++] = (struct vmm_e820){ 0x100000, m->low - 0x100000, VMM_E820_RAM };
	e[n++] = (struct vmm_e820){ VMM_ECAM_BASE, VMM_ECAM_SIZE, VMM_E820_RESERVED };
	if (m->high)
		e[n++] = (struct vmm_e820){ VMM_HIGH_RAM_BASE, m->high, VMM_E820_RAM };
	return n;
}
