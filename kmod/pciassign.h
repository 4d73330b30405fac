/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal declarations shared by the pciassign module's files.
 *
 * Objects and their lifetimes:
 *
 *  struct pa_adev     one per function bound to the pciassign driver
 *                     (pci drvdata). Refcounted: the binding holds one
 *                     reference, an open device fd another.
 *  struct pa_context  one per open of /dev/pciassign: one IOMMU domain and
 *                     its DMA mappings. Refcounted: the context file holds
 *                     one reference, each attached device another, so the
 *                     mappings outlive the context fd while devices use them.
 *
 * Lock order: pa_adev.lock, then pa_context.lock, then the DMA and IRQ
 * state's own locks. pa_adev.memory_lock (rwsem) guards every access
 * that reaches the device's MMIO/IO space against reset, decode changes and
 * revocation; it nests inside pa_adev.lock.
 */
#ifndef PCIASSIGN_INTERNAL_H
#define PCIASSIGN_INTERNAL_H

#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/pciassign.h>
#include <linux/pciassign_netlink.h>

#define PCIASSIGN_NAME "pciassign"

struct pa_context;
struct pa_dma;
struct pa_irqs;
struct pa_regions;

/* Who may attach a device (grant.c). */
struct pa_grant {
	enum { PA_GRANT_ANY, PA_GRANT_USER, PA_GRANT_GROUP } kind;
	kuid_t uid;
	kgid_t gid;
};

/* A function bound to the pciassign driver. */
struct pa_adev {
	struct kref ref;
	struct pci_dev *pdev;

	struct mutex lock;		/* attachment state below */
	struct pa_context *ctx;		/* attached to; NULL when free */
	struct file *file;		/* the device fd, while attached */
	bool revoked;			/* taken back: fd answers -ENODEV */
	bool unbound;			/* driver remove() has run */
	bool releasing;			/* owner asked to release it */
	bool needs_reset;		/* released while reset was impossible */
	u64 dirty_ctx;			/* the context that left it so */
	bool no_reset_logged;		/* "attached without a reset" said */
	bool reset_refusal_logged;	/* a refusal for want of a reset said */
	pid_t owner_pid;		/* tgid of the attacher */
	struct pa_grant grant;		/* who may attach it */
	bool grant_refusal_logged;	/* once per device and grant */
	wait_queue_head_t release_wq;	/* woken when the owner lets go */
	struct list_head node;		/* in the list of bound devices */
	struct pci_saved_state *pristine; /* config saved at attach */

	/* Held for read by every access to BARs/ROM, for write by reset,
	 * memory-decode changes and revocation (which also zap mmaps).
	 */
	struct rw_semaphore memory_lock;
	struct inode *inode;		/* of the device fd: its BAR mmaps */

	struct pa_regions *regions;	/* regions.c */
	struct pa_irqs *irqs;		/* irq.c */
	struct list_head ctx_node;	/* in ctx->devices, under ctx->lock */
};

/* An open of /dev/pciassign. */
struct pa_context {
	struct kref ref;
	u64 id;				/* unique for the module's life */
	struct mutex lock;		/* devices, groups, domain */
	struct iommu_domain *domain;	/* created by the first attach */
	bool snoop_forced;		/* the IOMMU makes all DMA snoop */
	struct list_head devices;	/* attached pa_adevs */
	struct list_head groups;	/* struct pa_group_claim */
	struct pa_dma *dma;		/* dma.c: mappings of the domain */
	struct pa_kvm_link *kvm;	/* kvm.c: the VM, under lock */
};

/* The PCI core found a reset method (FLR, PM, bus...) for the function. */
static inline bool pa_reset_supported(struct pci_dev *pdev)
{
	return pdev->reset_methods[0] != 0;
}

/* pci_driver.c */
int pa_pci_driver_register(void);
void pa_pci_driver_unregister(void);
struct pa_adev *pa_adev_get_by_pdev(struct pci_dev *pdev);
bool pa_pci_driver_owns(struct pci_dev *pdev);
void pa_adev_put(struct pa_adev *padev);
struct pa_adev *pa_adev_get_nth(unsigned long n);
unsigned int pa_adev_collect(struct pci_bus *top, struct pa_adev *skip,
			     struct pa_adev **out, unsigned int max);

/* kvm.c: the KVM VM of a context (PCIASSIGN_SET_KVM) */
struct pa_kvm_link;
long pa_kvm_ioctl_set(struct pa_context *ctx, void __user *uarg);
void __pa_kvm_unlink(struct pa_context *ctx);
bool pa_kvm_supported(void);

/* context.c: /dev/pciassign and contexts */
int pa_chardev_register(void);
void pa_chardev_unregister(void);
void pa_context_get(struct pa_context *ctx);
void pa_context_put(struct pa_context *ctx);

/* attach.c: ownership, device fds, detach, reset, revocation */
long pa_ioctl_attach(struct pa_context *ctx, void __user *uarg);
void pa_adev_release_fd(struct pa_adev *padev, struct file *file);
bool __pa_adev_revoke(struct pa_adev *padev, const char *why);
bool pa_adev_revoke(struct pa_adev *padev, const char *why);
int pa_adev_request_release(struct pa_adev *padev, const char *why);
bool pa_adev_wait_release(struct pa_adev *padev, const char *why);
int pa_adev_reset(struct pa_adev *padev);

/*
 * reset.c: a function's own reset, or its slot's or bus's when every
 * function there is ours; needs_reset until it has been done. The first
 * three are called with padev->lock held.
 */
int pa_reset_at_attach(struct pa_adev *padev, struct pa_context *ctx);
void pa_reset_at_release(struct pa_adev *padev, bool dev_locked);
int pa_reset_for_owner(struct pa_adev *padev);
bool pa_reset_available(struct pa_adev *padev);
bool pa_reset_is_set(struct pa_adev *padev);

/* grant.c: per-device grants, the "owner" sysfs attribute */
extern const struct attribute_group *pa_adev_groups[];
int pa_grant_check(struct pa_adev *padev);

/* device_fd.c */
extern const struct file_operations pa_adev_fops;

/* pseudofs.c: files with their own inode, so BAR mmaps can be zapped */
int pa_pseudofs_init(void);
void pa_pseudofs_exit(void);
struct inode *pa_pseudofs_inode(void);
struct file *pa_pseudofs_file(struct inode *inode, const char *name,
			      const struct file_operations *fops, void *priv);

/*
 * dma.c: DMA mappings of a context's IOMMU domain. The domain pointer is
 * ctx->domain; it is NULL until the first device is attached, and never
 * changes after that for the context's life.
 */
int pa_dma_create(struct pa_context *ctx);
void pa_dma_destroy(struct pa_context *ctx);	/* unmap and unpin all */
long pa_dma_ioctl_map(struct pa_context *ctx, void __user *uarg);
long pa_dma_ioctl_unmap(struct pa_context *ctx, void __user *uarg);
long pa_dma_ioctl_iommu_info(struct pa_context *ctx, void __user *uarg);
int pa_dma_check_resv(struct pa_context *ctx, struct iommu_group *group,
		      struct pci_dev *pdev);

/*
 * regions.c: config space, BARs and ROM of an attached device. init runs
 * at attach (claims the BARs), teardown at detach; zap removes every
 * userspace mapping of the BARs (they fault back in on demand when the
 * device can decode again). Callers hold memory_lock for write around zap.
 */
int pa_regions_init(struct pa_adev *padev);
void pa_regions_teardown(struct pa_adev *padev);
void pa_regions_zap(struct pa_adev *padev);
long pa_regions_ioctl_info(struct pa_adev *padev, void __user *uarg);
ssize_t pa_regions_rw(struct pa_adev *padev, char __user *buf,
		      size_t count, loff_t *ppos, bool write);
int pa_regions_mmap(struct pa_adev *padev, struct vm_area_struct *vma);

/*
 * config_filter.c: config accesses through the allowlist of
 * config_rules.c (which bits the owner may write, hide, virtualize), for
 * regions.c. One naturally aligned access of 1, 2 or 4 bytes per call.
 */
struct pa_cfg_filter;
struct pa_cfg_filter *pa_cfg_filter_create(struct pci_dev *pdev);
void pa_cfg_filter_destroy(struct pa_cfg_filter *f);
int pa_cfg_filter_read(struct pa_adev *padev, struct pa_cfg_filter *f,
		       unsigned int pos, unsigned int len, u32 *val);
int pa_cfg_filter_write(struct pa_adev *padev, struct pa_cfg_filter *f,
			unsigned int pos, unsigned int len, u32 val);
/* A VF's virtual memory-enable bit (its hardware bit reads 0). */
bool pa_cfg_filter_vf_memory_on(struct pa_cfg_filter *f);

/*
 * irq.c: INTx, MSI, MSI-X and the request eventfd. init at attach;
 * teardown disables every vector, frees the IRQs and drops the eventfds.
 */
int pa_irq_init(struct pa_adev *padev);
void pa_irq_teardown(struct pa_adev *padev);
long pa_irq_ioctl_info(struct pa_adev *padev, void __user *uarg);
long pa_irq_ioctl_set(struct pa_adev *padev, void __user *uarg);
/* Signal the request eventfd (host wants the device back). */
void pa_irq_signal_request(struct pa_adev *padev);
/* Re-apply the INTx mask to the hardware after a reset restored config. */
void pa_irq_after_reset(struct pa_adev *padev);
bool pa_irq_bypass_enabled(void);
/* Held by config writes of the command register, see config_filter.c. */
spinlock_t *pa_irq_intx_lock(struct pa_adev *padev);

/* netlink.c: the "pciassign" generic-netlink family */
int pa_netlink_init(void);
void pa_netlink_exit(void);
void pa_nl_event(struct pa_adev *padev, u32 event, const char *reason,
		 int value_attr, u32 value);

/*
 * fault_inject.c: test builds only (CONFIG_PCIASSIGN_FAULT_INJECT=y).
 * pa_fault(site) is true when the test asked this evaluation to fail;
 * place it before each allocation, pin, map or IRQ request.
 */
#ifdef PCIASSIGN_FAULT_INJECT
bool pa_fault_hit(const char *site);
void pa_fault_init(void);
void pa_fault_exit(void);
#define pa_fault(site) pa_fault_hit(site)
#else
static inline void pa_fault_init(void) { }
static inline void pa_fault_exit(void) { }
#define pa_fault(site) false
#endif

/* uargs.c */
int pa_copy_args(void *dst, size_t minsz, size_t maxsz, const void __user *uarg);
int pa_copy_out(void __user *uarg, const void *src, u32 argsz, size_t maxsz);

#endif /* PCIASSIGN_INTERNAL_H */
