/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pciassign: PCI device assignment for KVM virtual machine monitors.
 *
 * User API of /dev/pciassign. Two kinds of file descriptor exist:
 *
 *  - a *context* fd, one per open() of /dev/pciassign. A context owns one
 *    IOMMU domain (normally one VM) and the DMA mappings in it.
 *  - a *device* fd, returned by PCIASSIGN_ATTACH_DEVICE on a context. It
 *    gives access to one PCI function: config space, BARs, ROM, interrupts
 *    and reset.
 *
 * Every ioctl takes a pointer to a structure that starts with @argsz (the
 * size userspace passes, so the structure can grow at its end) and @flags
 * (unknown bits are rejected with -EINVAL). 64-bit fields are naturally
 * aligned so the layout is the same for 32- and 64-bit userspace.
 *
 * Errors are returned as -1/errno by the ioctl() system call.
 *
 * Ioctl numbers (PCIASSIGN_IO(nr), type 0xD9, no size encoded): context fd
 * ioctls take nr 0-15, device fd ioctls nr 16-31; the two ranges never
 * overlap, so an ioctl sent to the wrong kind of fd is -ENOTTY. New ioctls
 * take the next free nr of their range. What a module supports beyond the
 * API version is asked with PCIASSIGN_CHECK_EXTENSION.
 */
#ifndef _UAPI_LINUX_PCIASSIGN_H
#define _UAPI_LINUX_PCIASSIGN_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Bumped on incompatible changes only; additions are found via argsz. */
#define PCIASSIGN_API_VERSION	1

#define PCIASSIGN_IOCTL_TYPE	0xD9
#define PCIASSIGN_IOCTL_BASE	0x00

/* The argument size is carried in the structure, not in the ioctl number. */
#define PCIASSIGN_IO(nr)	_IO(PCIASSIGN_IOCTL_TYPE, PCIASSIGN_IOCTL_BASE + (nr))

/* ------------------------------------------------------------------------ */
/* Context fd ioctls                                                        */
/* ------------------------------------------------------------------------ */

/**
 * struct pciassign_version - PCIASSIGN_GET_VERSION argument
 * @argsz: size of this structure as known to userspace
 * @flags: must be 0
 * @api_version: out: PCIASSIGN_API_VERSION of the running module
 * @module_major: out: module release, major part
 * @module_minor: out: module release, minor part
 * @module_patch: out: module release, patch part
 *
 * Valid on a context fd. Returns 0.
 */
struct pciassign_version {
	__u32 argsz;
	__u32 flags;
	__u32 api_version;
	__u32 module_major;
	__u32 module_minor;
	__u32 module_patch;
};
#define PCIASSIGN_GET_VERSION		PCIASSIGN_IO(0)

/**
 * struct pciassign_iova_range - one usable IOVA range, inclusive bounds
 * @start: first usable IOVA
 * @last: last usable IOVA
 */
struct pciassign_iova_range {
	__u64 start;
	__u64 last;
};

/**
 * struct pciassign_iommu_info - PCIASSIGN_IOMMU_INFO argument
 * @argsz: size of this structure plus the @ranges array userspace provides
 * @flags: must be 0 on input; out: PCIASSIGN_IOMMU_INFO_* bits
 * @pgsize_bitmap: out: page sizes the domain can map (bit n = 2^n bytes)
 * @max_mappings: out: limit on the number of live mappings in the context
 * @num_ranges: out: number of usable IOVA ranges
 * @reserved: must be 0
 * @ranges: out: as many ranges as fit in @argsz; if @num_ranges is larger
 *          than what fit, call again with a larger buffer
 *
 * Before any device is attached the domain does not exist yet; the call
 * then reports @num_ranges = 0 and PCIASSIGN_IOMMU_INFO_NO_DOMAIN.
 */
struct pciassign_iommu_info {
	__u32 argsz;
	__u32 flags;
#define PCIASSIGN_IOMMU_INFO_NO_DOMAIN	(1U << 0)
	__u64 pgsize_bitmap;
	__u32 max_mappings;
	__u32 num_ranges;
	__u64 reserved;
	struct pciassign_iova_range ranges[];
};
#define PCIASSIGN_IOMMU_INFO		PCIASSIGN_IO(1)

/**
 * struct pciassign_dma_map - PCIASSIGN_DMA_MAP argument
 * @argsz: size of this structure
 * @flags: PCIASSIGN_DMA_MAP_READ and/or PCIASSIGN_DMA_MAP_WRITE (device
 *         access rights; at least one is required)
 * @vaddr: page-aligned user virtual address of the memory to map
 * @iova: page-aligned I/O virtual address (the guest-physical address)
 * @size: page-aligned, non-zero length in bytes
 *
 * Pins the pages (accounted against RLIMIT_MEMLOCK) and maps them into the
 * context's IOMMU domain. Fails with -EEXIST if the range overlaps an
 * existing mapping, -EINVAL on misalignment, zero size or wraparound,
 * -ENOSPC when the mapping limit is reached, -ENOMEM when RLIMIT_MEMLOCK
 * would be exceeded, -ENODEV when no device is attached yet.
 */
struct pciassign_dma_map {
	__u32 argsz;
	__u32 flags;
#define PCIASSIGN_DMA_MAP_READ		(1U << 0)	/* device may read */
#define PCIASSIGN_DMA_MAP_WRITE		(1U << 1)	/* device may write */
	__u64 vaddr;
	__u64 iova;
	__u64 size;
};
#define PCIASSIGN_DMA_MAP		PCIASSIGN_IO(2)

/**
 * struct pciassign_dma_unmap - PCIASSIGN_DMA_UNMAP argument
 * @argsz: size of this structure
 * @flags: 0, or PCIASSIGN_DMA_UNMAP_ALL to remove every mapping (then
 *         @iova and @size must be 0)
 * @iova: start of the range
 * @size: in: length of the range; out: bytes actually unmapped
 *
 * Removes every mapping that lies entirely inside [iova, iova + size).
 * A mapping that straddles a boundary of the range is an error (-EINVAL)
 * and nothing is unmapped.
 */
struct pciassign_dma_unmap {
	__u32 argsz;
	__u32 flags;
#define PCIASSIGN_DMA_UNMAP_ALL		(1U << 0)
	__u64 iova;
	__u64 size;
};
#define PCIASSIGN_DMA_UNMAP		PCIASSIGN_IO(3)

/**
 * struct pciassign_attach - PCIASSIGN_ATTACH_DEVICE argument
 * @argsz: size of this structure
 * @flags: must be 0
 * @segment: PCI segment (domain) number
 * @bus: bus number
 * @devfn: device and function, (dev << 3) | fn
 *
 * Attaches a device bound to the pciassign driver to this context and
 * returns a new device fd (O_CLOEXEC) as the ioctl's return value.
 * Refusals, each with a kernel log line naming the device:
 *  -ENODEV   no such device, or not bound to pciassign
 *  -EINVAL   the device is a bridge
 *  -EPERM    no interrupt remapping and allow_unsafe_interrupts=0
 *  -EBUSY    the device is attached to another context already
 *  -EXDEV    IOMMU group not viable: another member has a host driver
 *  -ENXIO    the device is not behind an IOMMU
 */
struct pciassign_attach {
	__u32 argsz;
	__u32 flags;
	__u16 segment;
	__u8 bus;
	__u8 devfn;
	__u32 reserved;
};
#define PCIASSIGN_ATTACH_DEVICE		PCIASSIGN_IO(4)

/*
 * Extensions PCIASSIGN_CHECK_EXTENSION knows. Numbers are never reused;
 * 0 is no extension (answered 0).
 */
enum pciassign_extension {
	/* sysfs "owner" grants who may attach a device (uid or gid). */
	PCIASSIGN_EXT_DEVICE_GRANTS = 1,
	/*
	 * DEVICE_RESET resets a function without a reset of its own with its
	 * slot or bus; DEVICE_INFO reports PCIASSIGN_DEVICE_INFO_RESET_SET.
	 */
	PCIASSIGN_EXT_RESET_SET = 2,
	/*
	 * This kernel allocates MSI-X vectors one by one while MSI-X is
	 * enabled (6.2 and later) rather than the whole table at enable.
	 * A device whose interrupt domain cannot still gets the whole table:
	 * see PCIASSIGN_DEVICE_INFO_CAP_MSIX.
	 */
	PCIASSIGN_EXT_MSIX_DYNAMIC = 3,
	/*
	 * Only CAP_NET_ADMIN may join the netlink "events" group, and events
	 * carry PCIASSIGN_A_OWNER_PID. Without it the group is open to all
	 * and events leave the PID out.
	 */
	PCIASSIGN_EXT_NETLINK_ADMIN_EVENTS = 4,
	/* IOMMU_INFO reports the usable IOVA ranges of the domain. */
	PCIASSIGN_EXT_IOMMU_INFO_RANGES = 5,
	/* DEVICE_INFO carries a capability chain (@cap_offset). */
	PCIASSIGN_EXT_DEVICE_INFO_CAPS = 6,
	/*
	 * PCIASSIGN_SET_KVM works: this kernel's KVM lets a module tell it
	 * about an assigned device (6.1 to 6.16; 7.x keeps that to itself).
	 */
	PCIASSIGN_EXT_SET_KVM = 7,
	/*
	 * MSI/MSI-X vectors with a trigger are IRQ bypass producers keyed
	 * by that eventfd (the module's irq_bypass parameter is on and the
	 * kernel has the bypass manager).
	 */
	PCIASSIGN_EXT_IRQ_BYPASS = 8,
};

/**
 * struct pciassign_check_extension - PCIASSIGN_CHECK_EXTENSION argument
 * @argsz: size of this structure
 * @flags: must be 0
 * @extension: in: enum pciassign_extension
 *
 * Valid on a context fd. Returns 1 if the running module supports
 * @extension, 0 if it does not or does not know the number; never fails
 * for an unknown extension. Extensions may answer more than 1 in the
 * future (a count or a level); any positive value means supported.
 */
struct pciassign_check_extension {
	__u32 argsz;
	__u32 flags;
	__u32 extension;
};
#define PCIASSIGN_CHECK_EXTENSION	PCIASSIGN_IO(5)

/**
 * struct pciassign_set_kvm - PCIASSIGN_SET_KVM argument
 * @argsz: size of this structure
 * @flags: must be 0
 * @vm_fd: in: a KVM VM fd (from KVM_CREATE_VM), or -1 to drop the link
 * @reserved: must be 0
 *
 * Valid on a context fd: the context's devices are assigned to that VM.
 * KVM counts the context as an assigned device while linked, which it
 * requires before it posts device interrupts to vCPUs (VT-d posted
 * interrupts, AMD GA) for the IRQ bypass pairs of PCIASSIGN_SET_IRQS
 * triggers and KVM irqfds. The context holds a reference on the VM until
 * the link is dropped or the context goes. Errors: EBADF (@vm_fd not
 * open), EINVAL (not a KVM VM, flags or reserved set), EBUSY (linked to
 * another VM; the same VM again is not an error), EOPNOTSUPP (this
 * kernel's KVM does not offer it: see PCIASSIGN_EXT_SET_KVM).
 */
struct pciassign_set_kvm {
	__u32 argsz;
	__u32 flags;
	__s32 vm_fd;
	__u32 reserved;
};
#define PCIASSIGN_SET_KVM		PCIASSIGN_IO(6)

/* ------------------------------------------------------------------------ */
/* Capability chains of info structures                                     */
/* ------------------------------------------------------------------------ */

/**
 * struct pciassign_info_cap_header - header of one capability of a chain
 * @id: what the capability is (PCIASSIGN_<IOCTL>_CAP_* of its ioctl)
 * @version: layout version of that capability, from 1
 * @next: offset of the next capability from the start of the info
 *        structure, 0 at the end of the chain
 *
 * An info structure with a chain has a @cap_offset field (offset of the
 * first capability from the structure's start, 0: none) and a *_CAPS flag.
 * The chain lies within argsz: when argsz is too small to hold it, the
 * ioctl succeeds, sets the flag, leaves @cap_offset 0 and returns in
 * @argsz the size needed; call again with a buffer that large. A
 * capability is 8-byte aligned; skip ids and versions you do not know.
 */
struct pciassign_info_cap_header {
	__u16 id;
	__u16 version;
	__u32 next;
};

/* ------------------------------------------------------------------------ */
/* Device fd ioctls                                                         */
/* ------------------------------------------------------------------------ */

/* Region indexes; a region's data is at offset PCIASSIGN_REGION_OFFSET(i). */
enum pciassign_region_index {
	PCIASSIGN_REGION_BAR0 = 0,
	PCIASSIGN_REGION_BAR1,
	PCIASSIGN_REGION_BAR2,
	PCIASSIGN_REGION_BAR3,
	PCIASSIGN_REGION_BAR4,
	PCIASSIGN_REGION_BAR5,
	PCIASSIGN_REGION_ROM,
	PCIASSIGN_REGION_CONFIG,
	PCIASSIGN_NUM_REGIONS,
};

#define PCIASSIGN_REGION_SHIFT		40
#define PCIASSIGN_REGION_OFFSET(i)	((__u64)(i) << PCIASSIGN_REGION_SHIFT)

/* Interrupt indexes. */
enum pciassign_irq_index {
	PCIASSIGN_IRQ_INTX = 0,
	PCIASSIGN_IRQ_MSI,
	PCIASSIGN_IRQ_MSIX,
	PCIASSIGN_IRQ_REQ,	/* release request from the host, see netlink */
	PCIASSIGN_NUM_IRQS,
};

/**
 * struct pciassign_device_info - PCIASSIGN_DEVICE_INFO argument
 * @argsz: in: size of this structure plus room for the capability chain;
 *         out: the size the structure and its whole chain need
 * @flags: in: 0; out: PCIASSIGN_DEVICE_INFO_* bits
 * @num_regions: out: PCIASSIGN_NUM_REGIONS
 * @num_irqs: out: PCIASSIGN_NUM_IRQS
 * @segment: out: PCI segment
 * @bus: out: bus number
 * @devfn: out: device/function
 * @vendor: out: vendor ID
 * @device: out: device ID
 * @cap_offset: out: offset of the first capability (struct
 *              pciassign_info_cap_header) from the start of this
 *              structure, 0 when there is none or it did not fit
 *
 * The fixed part never grows: new information comes as capabilities
 * (PCIASSIGN_DEVICE_INFO_CAP_*). Bytes past it are output space only and
 * are not checked.
 */
struct pciassign_device_info {
	__u32 argsz;
	__u32 flags;
#define PCIASSIGN_DEVICE_INFO_RESET	(1U << 0)	/* a reset method exists */
#define PCIASSIGN_DEVICE_INFO_PCIE	(1U << 1)	/* has a PCIe capability */
#define PCIASSIGN_DEVICE_INFO_REVOKED	(1U << 2)	/* taken back by the host */
/* The reset is of the slot or bus: it reaches the other functions there. */
#define PCIASSIGN_DEVICE_INFO_RESET_SET	(1U << 3)
/* A capability chain exists (it may not have fit in argsz). */
#define PCIASSIGN_DEVICE_INFO_CAPS	(1U << 4)
	__u32 num_regions;
	__u32 num_irqs;
	__u16 segment;
	__u8 bus;
	__u8 devfn;
	__u16 vendor;
	__u16 device;
	__u32 cap_offset;
};
#define PCIASSIGN_DEVICE_INFO		PCIASSIGN_IO(16)

/**
 * struct pciassign_device_info_cap_pci_id - DEVICE_INFO capability 1
 * @header: id PCIASSIGN_DEVICE_INFO_CAP_PCI_ID, version 1
 * @subsystem_vendor: subsystem vendor ID
 * @subsystem_device: subsystem ID
 * @class_code: class code (base class, subclass, programming interface)
 * @revision: revision ID
 * @reserved: 0
 *
 * Always present.
 */
struct pciassign_device_info_cap_pci_id {
	struct pciassign_info_cap_header header;
	__u16 subsystem_vendor;
	__u16 subsystem_device;
	__u32 class_code;
	__u8 revision;
	__u8 reserved[7];
};
#define PCIASSIGN_DEVICE_INFO_CAP_PCI_ID	1

/**
 * struct pciassign_device_info_cap_msix - DEVICE_INFO capability 2
 * @header: id PCIASSIGN_DEVICE_INFO_CAP_MSIX, version 1
 * @flags: PCIASSIGN_CAP_MSIX_* bits
 * @table_size: number of MSI-X table entries
 *
 * Present when the function has an MSI-X capability.
 */
struct pciassign_device_info_cap_msix {
	struct pciassign_info_cap_header header;
	__u32 flags;
/* Vectors are allocated one by one while enabled, not the whole table. */
#define PCIASSIGN_CAP_MSIX_DYNAMIC	(1U << 0)
	__u32 table_size;
};
#define PCIASSIGN_DEVICE_INFO_CAP_MSIX		2

/**
 * struct pciassign_region_info - PCIASSIGN_REGION_INFO argument
 * @argsz: size of this structure
 * @flags: in: 0; out: PCIASSIGN_REGION_INFO_* bits
 * @index: in: enum pciassign_region_index
 * @reserved: 0
 * @size: out: region size in bytes (0: the region does not exist)
 * @offset: out: file offset of the region for pread/pwrite/mmap
 */
struct pciassign_region_info {
	__u32 argsz;
	__u32 flags;
#define PCIASSIGN_REGION_INFO_READ	(1U << 0)
#define PCIASSIGN_REGION_INFO_WRITE	(1U << 1)
#define PCIASSIGN_REGION_INFO_MMAP	(1U << 2)	/* page-aligned MMIO */
#define PCIASSIGN_REGION_INFO_IO	(1U << 3)	/* I/O-port BAR */
#define PCIASSIGN_REGION_INFO_MEM64	(1U << 4)	/* 64-bit BAR */
#define PCIASSIGN_REGION_INFO_PREFETCH	(1U << 5)
	__u32 index;
	__u32 reserved;
	__u64 size;
	__u64 offset;
};
#define PCIASSIGN_REGION_INFO		PCIASSIGN_IO(17)

/**
 * struct pciassign_irq_info - PCIASSIGN_IRQ_INFO argument
 * @argsz: size of this structure
 * @flags: in: 0; out: PCIASSIGN_IRQ_INFO_* bits
 * @index: in: enum pciassign_irq_index
 * @count: out: number of vectors (0: not supported by the device)
 */
struct pciassign_irq_info {
	__u32 argsz;
	__u32 flags;
#define PCIASSIGN_IRQ_INFO_MASKABLE	(1U << 0)
#define PCIASSIGN_IRQ_INFO_AUTOMASKED	(1U << 1)	/* INTx: masked on fire */
	__u32 index;
	__u32 count;
};
#define PCIASSIGN_IRQ_INFO		PCIASSIGN_IO(18)

/**
 * struct pciassign_irq_set - PCIASSIGN_SET_IRQS argument
 * @argsz: size of this structure plus @count * sizeof(__s32) when the
 *         action takes file descriptors
 * @flags: exactly one PCIASSIGN_IRQ_SET_* action
 * @index: enum pciassign_irq_index
 * @start: first vector
 * @count: number of vectors; start + count must not exceed the index's
 *         count (checked without overflow)
 * @fds: for TRIGGER: one eventfd per vector, -1 to disable that vector;
 *       for RESAMPLE (INTx only, start 0, count 1): the eventfd the kernel
 *       listens on to unmask INTx, -1 to remove it
 *
 * TRIGGER with @count = 0 disables the whole index. Enabling or changing a
 * vector leaves the others running. MASK and UNMASK take no fds; a vector
 * that fires while masked is remembered as pending and delivered on unmask.
 */
struct pciassign_irq_set {
	__u32 argsz;
	__u32 flags;
#define PCIASSIGN_IRQ_SET_TRIGGER	(1U << 0)
#define PCIASSIGN_IRQ_SET_MASK		(1U << 1)
#define PCIASSIGN_IRQ_SET_UNMASK	(1U << 2)
#define PCIASSIGN_IRQ_SET_RESAMPLE	(1U << 3)
	__u32 index;
	__u32 start;
	__u32 count;
	__s32 fds[];
};
#define PCIASSIGN_SET_IRQS		PCIASSIGN_IO(19)

/**
 * struct pciassign_reset - PCIASSIGN_DEVICE_RESET argument
 * @argsz: size of this structure
 * @flags: must be 0
 *
 * Resets the function (FLR, PM or bus reset, whichever the kernel finds)
 * with BAR mappings zapped around it and config space restored after.
 * A function with no reset of its own is reset with its slot or bus
 * (DEVICE_INFO says PCIASSIGN_DEVICE_INFO_RESET_SET) when every other
 * function there is bound to pciassign and free or attached to this
 * context: EBUSY otherwise, ENOTTY when there is no reset at all.
 */
struct pciassign_reset {
	__u32 argsz;
	__u32 flags;
};
#define PCIASSIGN_DEVICE_RESET		PCIASSIGN_IO(20)

#endif /* _UAPI_LINUX_PCIASSIGN_H */
