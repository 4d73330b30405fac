/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels pciassign supports lives here,
 * behind one helper each, so the rest of the module is written against a
 * single API. Tested: 6.1 to 7.3 (the rig's Debian kernels: bookworm's
 * 6.1, bookworm-backports' 6.12, trixie-backports' 7.3).
 *
 * 7.x API moves checked against 7.3 that need no helper here:
 * - file_operations.mmap_prepare (6.16) sits beside .mmap, which 7.3 still
 *   calls as before: the device fd keeps .mmap.
 * - vma->flags became vma_flags_t (after 6.12): vm_flags_set() still takes
 *   the VM_* word and is what pa_compat_vm_flags_set() calls.
 * - iommu_domain_alloc() is gone (6.13): only the pre-6.11 branch of
 *   pa_compat_domain_alloc() names it.
 */
#ifndef PCIASSIGN_COMPAT_H
#define PCIASSIGN_COMPAT_H

#include <linux/version.h>
#include <linux/iommu.h>
#include <linux/irqdomain.h>
#include <linux/msi.h>
#include <linux/eventfd.h>
#include <linux/pci.h>
#include <linux/mm.h>

/*
 * Paging-domain allocation: 6.11 added iommu_paging_domain_alloc(dev)
 * (ERR_PTR on failure); before it the domain came from the bus (NULL on
 * failure).
 */
static inline struct iommu_domain *pa_compat_domain_alloc(struct device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	return iommu_paging_domain_alloc(dev);
#else
	struct iommu_domain *domain = iommu_domain_alloc(dev->bus);

	return domain ? domain : ERR_PTR(-ENOMEM);
#endif
}

/*
 * Whether MSIs of @dev's group are isolated (interrupt remapping): 6.3
 * replaced IOMMU_CAP_INTR_REMAP with per-group isolated-MSI tracking.
 */
static inline bool pa_compat_group_has_isolated_msi(struct iommu_group *group,
						    struct device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	return iommu_group_has_isolated_msi(group);
#else
	return device_iommu_capable(dev, IOMMU_CAP_INTR_REMAP) ||
	       irq_domain_check_msi_remap();
#endif
}

/* iommu_map() takes a gfp argument since 6.3. */
static inline int pa_compat_iommu_map(struct iommu_domain *domain,
				      unsigned long iova, phys_addr_t paddr,
				      size_t size, int prot)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	return iommu_map(domain, iova, paddr, size, prot, GFP_KERNEL_ACCOUNT);
#else
	return iommu_map(domain, iova, paddr, size, prot);
#endif
}

/*
 * Setting VMA flags: 6.3 made vm_flags read-only behind vm_flags_set();
 * before it the field was written directly.
 */
static inline void pa_compat_vm_flags_set(struct vm_area_struct *vma,
					  unsigned long flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/* eventfd_signal() lost its count argument in 6.8 (it always added 1). */
static inline void pa_compat_eventfd_signal(struct eventfd_ctx *ctx)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/*
 * Dynamic MSI-X allocation (adding vectors while MSI-X is enabled) came
 * in 6.2 with pci_msix_can_alloc_dyn()/pci_msix_alloc_irq_at(); before it
 * the whole table is allocated up front. Returns the Linux IRQ or -errno.
 */
static inline bool pa_compat_msix_can_alloc_dyn(struct pci_dev *pdev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return pci_msix_can_alloc_dyn(pdev);
#else
	return false;
#endif
}

/* 1 when the kernel has dynamic MSI-X allocation at all (6.2). */
#define PA_COMPAT_MSIX_DYN_ALLOC \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0))

static inline int pa_compat_msix_alloc_at(struct pci_dev *pdev,
					  unsigned int index)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	struct msi_map map = pci_msix_alloc_irq_at(pdev, index, NULL);

	return map.index < 0 ? map.index : map.virq;
#else
	return -EOPNOTSUPP;
#endif
}

/*
 * Multicast groups only CAP_NET_ADMIN may join: GENL_MCAST_CAP_NET_ADMIN
 * came with 6.7 and the stable updates of older series (Debian's 6.1 has
 * it). Without it the events group is open to all, so events leave out
 * the owner's PID.
 */
#include <net/genetlink.h>
#ifdef GENL_MCAST_CAP_NET_ADMIN
#define PA_COMPAT_MCAST_ADMIN_FLAGS	GENL_MCAST_CAP_NET_ADMIN
#define PA_COMPAT_EVENTS_PRIVATE	true
#else
#define PA_COMPAT_MCAST_ADMIN_FLAGS	0
#define PA_COMPAT_EVENTS_PRIVATE	false
#endif

/*
 * IRQ bypass producers (KVM's posted interrupts): 6.17 moved the eventfd
 * token out of the producer into the register call. Kernels without the
 * bypass manager get no producer and say so (PA_COMPAT_IRQ_BYPASS).
 */
#include <linux/irqbypass.h>
#define PA_COMPAT_IRQ_BYPASS	IS_ENABLED(CONFIG_IRQ_BYPASS_MANAGER)

static inline int pa_compat_bypass_register(struct irq_bypass_producer *prod,
					    struct eventfd_ctx *trigger, int irq)
{
#if !IS_ENABLED(CONFIG_IRQ_BYPASS_MANAGER)
	return -EOPNOTSUPP;
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 17, 0)
	return irq_bypass_register_producer(prod, trigger, irq);
#else
	prod->token = trigger;
	prod->irq = irq;
	return irq_bypass_register_producer(prod);
#endif
}

static inline void pa_compat_bypass_unregister(struct irq_bypass_producer *prod)
{
#if IS_ENABLED(CONFIG_IRQ_BYPASS_MANAGER)
	irq_bypass_unregister_producer(prod);
#endif
}

/*
 * Shared memfd and hugetlbfs memory pinned one folio at a time: 6.11 added
 * memfd_pin_folios() and unpin_folio(). Before it such memory is pinned
 * page by page like any other (PA_COMPAT_MEMFD_PIN 0).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define PA_COMPAT_MEMFD_PIN	1
#else
#define PA_COMPAT_MEMFD_PIN	0
#endif

static inline long pa_compat_memfd_pin_folios(struct file *file, loff_t start,
					      loff_t end, struct folio **folios,
					      unsigned int max, pgoff_t *offset)
{
#if PA_COMPAT_MEMFD_PIN
	return memfd_pin_folios(file, start, end, folios, max, offset);
#else
	return -EOPNOTSUPP;
#endif
}

static inline void pa_compat_unpin_folio(struct folio *folio)
{
#if PA_COMPAT_MEMFD_PIN
	unpin_folio(folio);
#else
	unpin_user_page(&folio->page);
#endif
}

#endif /* PCIASSIGN_COMPAT_H */
