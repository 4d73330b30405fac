// SPDX-License-Identifier: GPL-2.0
/*
 * Config space, BARs and ROM of an attached device: REGION_INFO,
 * pread/pwrite at PCIASSIGN_REGION_OFFSET(index) + offset, and mmap of
 * MMIO BARs.
 *
 * Every access that reaches BAR or ROM space holds memory_lock for read
 * and requires decode to be on; reset, decode changes and detach hold it
 * for write and zap the mappings, which fault back in on demand. User
 * memory is never touched with memory_lock held: the buffer may be an mmap
 * of the very BAR being accessed, whose fault takes memory_lock itself.
 *
 * The MSI-X table belongs to the host kernel, which programs it for the
 * vectors SET_IRQS asks for: pread/pwrite never reach it (reads see all
 * ones, writes are dropped), so a guest access that the VMM forwards
 * without emulating cannot retarget the host's messages. Mapping it stays
 * allowed, as the VMM traps those pages and interrupt remapping bounds
 * what the device can send anyway.
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "pciassign.h"

#define PA_OFFSET_MASK		(PCIASSIGN_REGION_OFFSET(1) - 1)
#define PA_PGOFF_SHIFT		(PCIASSIGN_REGION_SHIFT - PAGE_SHIFT)
#define PA_PGOFF_MASK		((1UL << PA_PGOFF_SHIFT) - 1)
/* 8-byte MMIO accesses where the architecture has them. */
#if defined(readq) && defined(writeq)
#define PA_MMIO_QWORD
#define PA_MMIO_MAX		8
#else
#define PA_MMIO_MAX		4
#endif
/* BAR/ROM data goes through a kernel buffer this large at most. */
#define PA_BOUNCE_SIZE		PAGE_SIZE

struct pa_bar {
	resource_size_t start;
	resource_size_t size;		/* 0: no BAR at this index */
	unsigned long flags;		/* IORESOURCE_* */
	void __iomem *map;		/* pci_iomap(), at the first pread/pwrite */
};

struct pa_regions {
	struct pa_bar bar[PCI_STD_NUM_BARS];
	int requested;			/* BAR mask we hold the regions of */
	int msix_bar;			/* BAR holding the MSI-X table, or -1 */
	u64 msix_start, msix_end;	/* the table's byte range in it */
	resource_size_t rom_size;
	u32 cfg_size;
	struct pa_cfg_filter *filter;
};

static bool pa_bar_is_io(const struct pa_bar *bar)
{
	return bar->flags & IORESOURCE_IO;
}

static bool pa_bar_mmapable(const struct pa_bar *bar)
{
	return bar->size && !pa_bar_is_io(bar) && PAGE_ALIGNED(bar->size);
}

/*
 * Whether the device decodes memory (or I/O) space right now, as its
 * owner set it. A VF's memory enable is hardwired 0 (its PF enables every
 * VF's memory space at once), so its owner's is the config filter's
 * virtual bit.
 */
static bool pa_decode_on(struct pci_dev *pdev, struct pa_regions *r, bool io)
{
	u16 cmd;

	if (!io && pdev->is_virtfn)
		return pa_cfg_filter_vf_memory_on(r->filter);
	if (pci_read_config_word(pdev, PCI_COMMAND, &cmd))
		return false;
	return cmd & (io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY);
}

/* Where the MSI-X table lives, from the capability the device has. */
static void pa_regions_find_msix(struct pci_dev *pdev, struct pa_regions *r)
{
	u32 table;
	u16 flags;

	r->msix_bar = -1;
	if (!pdev->msix_cap ||
	    pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS, &flags) ||
	    pci_read_config_dword(pdev, pdev->msix_cap + PCI_MSIX_TABLE, &table))
		return;
	r->msix_bar = table & PCI_MSIX_TABLE_BIR;
	r->msix_start = table & PCI_MSIX_TABLE_OFFSET;
	r->msix_end = r->msix_start +
		      ((flags & PCI_MSIX_FLAGS_QSIZE) + 1) * PCI_MSIX_ENTRY_SIZE;
}

/**
 * pa_regions_init() - config space, BARs and ROM of a device being attached
 * @padev: the device
 *
 * Claims the BARs and creates the config filter.
 *
 * Context: @padev->lock held. May sleep.
 * Return: 0 or a negative errno.
 */
int pa_regions_init(struct pa_adev *padev)
{
	struct pci_dev *pdev = padev->pdev;
	struct pa_regions *r;
	int bars, i, ret;

	r = pa_fault("regions-state") ? NULL : kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	r->filter = pa_cfg_filter_create(pdev);
	if (!r->filter) {
		ret = -ENOMEM;
		goto free;
	}

	bars = pci_select_bars(pdev, IORESOURCE_MEM | IORESOURCE_IO);
	if (bars) {
		ret = pa_fault("regions-request") ? -EBUSY :
		      pci_request_selected_regions(pdev, bars, PCIASSIGN_NAME);
		if (ret) {
			pci_info(pdev, "cannot claim the BARs (%d)\n", ret);
			goto free_filter;
		}
	}
	r->requested = bars;
	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		if (!(bars & BIT(i)))
			continue;
		r->bar[i].start = pci_resource_start(pdev, i);
		r->bar[i].size = pci_resource_len(pdev, i);
		r->bar[i].flags = pci_resource_flags(pdev, i);
	}
	if (pci_resource_flags(pdev, PCI_ROM_RESOURCE) & IORESOURCE_MEM)
		r->rom_size = pci_resource_len(pdev, PCI_ROM_RESOURCE);
	r->cfg_size = pdev->cfg_size;
	pa_regions_find_msix(pdev, r);

	/* Published under memory_lock: BAR faults look it up there. */
	down_write(&padev->memory_lock);
	padev->regions = r;
	up_write(&padev->memory_lock);
	return 0;

free_filter:
	pa_cfg_filter_destroy(r->filter);
free:
	kfree(r);
	return ret;
}

/**
 * pa_regions_teardown() - release what pa_regions_init() took
 * @padev: the device
 *
 * Context: memory_lock held for write, or before any mapping exists.
 */
void pa_regions_teardown(struct pa_adev *padev)
{
	struct pa_regions *r = padev->regions;
	int i;

	if (!r)
		return;
	padev->regions = NULL;
	for (i = 0; i < PCI_STD_NUM_BARS; i++)
		if (r->bar[i].map)
			pci_iounmap(padev->pdev, r->bar[i].map);
	if (r->requested)
		pci_release_selected_regions(padev->pdev, r->requested);
	pa_cfg_filter_destroy(r->filter);
	kfree(r);
}

/**
 * pa_regions_zap() - remove every userspace mapping of the BARs
 * @padev: the device
 *
 * They fault back in on demand when the device can decode again.
 *
 * Context: memory_lock held for write.
 */
void pa_regions_zap(struct pa_adev *padev)
{
	/* Each device fd has its own inode: this hits only its mappings. */
	if (padev->inode)
		unmap_mapping_range(padev->inode->i_mapping, 0, 0, true);
}

static u64 pa_region_size(const struct pa_regions *r, u32 index)
{
	if (index < PCI_STD_NUM_BARS)
		return r->bar[index].size;
	if (index == PCIASSIGN_REGION_ROM)
		return r->rom_size;
	if (index == PCIASSIGN_REGION_CONFIG)
		return r->cfg_size;
	return 0;
}

static u32 pa_region_flags(const struct pa_regions *r, u32 index)
{
	const struct pa_bar *bar;
	u32 flags;

	if (!pa_region_size(r, index))
		return 0;
	if (index == PCIASSIGN_REGION_ROM)
		return PCIASSIGN_REGION_INFO_READ;
	flags = PCIASSIGN_REGION_INFO_READ | PCIASSIGN_REGION_INFO_WRITE;
	if (index == PCIASSIGN_REGION_CONFIG)
		return flags;

	bar = &r->bar[index];
	if (pa_bar_is_io(bar))
		return flags | PCIASSIGN_REGION_INFO_IO;
	if (pa_bar_mmapable(bar))
		flags |= PCIASSIGN_REGION_INFO_MMAP;
	if (bar->flags & IORESOURCE_MEM_64)
		flags |= PCIASSIGN_REGION_INFO_MEM64;
	if (bar->flags & IORESOURCE_PREFETCH)
		flags |= PCIASSIGN_REGION_INFO_PREFETCH;
	return flags;
}

/**
 * pa_regions_ioctl_info() - PCIASSIGN_REGION_INFO
 * @padev: the device
 * @uarg: struct pciassign_region_info in userspace
 *
 * Context: @padev->lock held.
 * Return: 0 or a negative errno.
 */
long pa_regions_ioctl_info(struct pa_adev *padev, void __user *uarg)
{
	struct pa_regions *r = padev->regions;
	struct pciassign_region_info info;
	int ret;

	ret = pa_copy_args(&info, offsetofend(struct pciassign_region_info, offset),
			   sizeof(info), uarg);
	if (ret)
		return ret;
	if (info.flags || info.reserved)
		return -EINVAL;
	if (info.index >= PCIASSIGN_NUM_REGIONS)
		return -EINVAL;
	if (!r)
		return -ENODEV;

	info.size = pa_region_size(r, info.index);
	info.flags = pa_region_flags(r, info.index);
	info.offset = PCIASSIGN_REGION_OFFSET(info.index);
	return pa_copy_out(uarg, &info, info.argsz, sizeof(info));
}

/* The widest naturally aligned access (up to @max bytes) at @pos. */
static unsigned int pa_access_len(u64 pos, size_t left, unsigned int max)
{
	unsigned int len = max;

	while (len > 1 && ((pos & (len - 1)) || left < len))
		len >>= 1;
	return len;
}

/* Little-endian values at any alignment (bounce buffers, user bytes). */
static u64 pa_get_le(const u8 *p, unsigned int n)
{
	u64 v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

static void pa_put_le(u64 v, u8 *p, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++, v >>= 8)
		p[i] = v & 0xff;
}

static ssize_t pa_config_rw(struct pa_adev *padev, struct pa_regions *r,
			    char __user *buf, size_t count, u64 pos, bool write)
{
	size_t done = 0;
	u8 tmp[4];
	u32 val;
	int ret = 0;

	while (done < count) {
		unsigned int len = pa_access_len(pos + done, count - done, 4);

		if (write) {
			if (copy_from_user(tmp, buf + done, len)) {
				ret = -EFAULT;
				break;
			}
			val = pa_get_le(tmp, len);
			ret = pa_cfg_filter_write(padev, r->filter, pos + done, len, val);
			if (ret)
				break;
		} else {
			ret = pa_cfg_filter_read(padev, r->filter, pos + done, len, &val);
			if (ret)
				break;
			pa_put_le(val, tmp, len);
			if (copy_to_user(buf + done, tmp, len)) {
				ret = -EFAULT;
				break;
			}
		}
		done += len;
	}
	return done ? done : ret;
}

/* Accesses of @len bytes at BAR offset @pos, between the BAR and @kbuf. */
static void pa_bar_iocopy(void __iomem *map, u64 pos, u8 *kbuf, size_t len,
			  bool write, unsigned int max)
{
	size_t done = 0;

	while (done < len) {
		unsigned int n = pa_access_len(pos + done, len - done, max);
		void __iomem *addr = map + pos + done;
		u8 *p = kbuf + done;

		switch (n) {
#ifdef PA_MMIO_QWORD
		case 8:
			/* MMIO only: pci_iomap() gave a plain ioremap address. */
			if (write)
				writeq(pa_get_le(p, 8), addr);
			else
				pa_put_le(readq(addr), p, 8);
			break;
#endif
		case 4:
			if (write)
				iowrite32(pa_get_le(p, 4), addr);
			else
				pa_put_le(ioread32(addr), p, 4);
			break;
		case 2:
			if (write)
				iowrite16(pa_get_le(p, 2), addr);
			else
				pa_put_le(ioread16(addr), p, 2);
			break;
		default:
			if (write)
				iowrite8(*p, addr);
			else
				*p = ioread8(addr);
		}
		done += n;
	}
}

/*
 * pa_bar_iocopy() for @index, except that bytes in the MSI-X table read as
 * all ones and are not written.
 */
static void pa_bar_iocopy_shielded(struct pa_regions *r, u32 index, u64 pos,
				   u8 *kbuf, size_t len, bool write,
				   unsigned int max)
{
	void __iomem *map = r->bar[index].map;
	u64 end = pos + len, lo, hi;

	if ((int)index != r->msix_bar || end <= r->msix_start ||
	    pos >= r->msix_end) {
		pa_bar_iocopy(map, pos, kbuf, len, write, max);
		return;
	}
	lo = max(pos, r->msix_start);
	hi = min(end, r->msix_end);
	if (lo > pos)
		pa_bar_iocopy(map, pos, kbuf, lo - pos, write, max);
	if (!write)
		memset(kbuf + (lo - pos), 0xff, hi - lo);
	if (end > hi)
		pa_bar_iocopy(map, hi, kbuf + (hi - pos), end - hi, write, max);
}

/* Copy ROM bytes [pos, pos + len) out; past the image, 0xff as unbacked. */
static int pa_rom_copy(struct pci_dev *pdev, u64 pos, u8 *kbuf, size_t len)
{
	void __iomem *rom;
	size_t size, n = 0;

	rom = pci_map_rom(pdev, &size);
	if (!rom)
		return -EIO;
	if (pos < size) {
		n = min_t(u64, len, size - pos);
		memcpy_fromio(kbuf, rom + pos, n);
	}
	memset(kbuf + n, 0xff, len - n);
	pci_unmap_rom(pdev, rom);
	return 0;
}

/*
 * BAR (@index < PCI_STD_NUM_BARS) or ROM data, bounced through a kernel
 * buffer one chunk at a time.
 */
static ssize_t pa_space_rw(struct pa_adev *padev, struct pa_regions *r,
			   u32 index, char __user *buf, size_t count, u64 pos,
			   bool write)
{
	struct pci_dev *pdev = padev->pdev;
	struct pa_bar *bar = NULL;
	bool io = false;
	size_t done = 0;
	u8 *kbuf;
	int ret = 0;

	if (index < PCI_STD_NUM_BARS) {
		bar = &r->bar[index];
		io = pa_bar_is_io(bar);
		/* Serialized by padev->lock, which every caller holds. */
		if (!bar->map) {
			bar->map = pa_fault("regions-iomap") ? NULL : pci_iomap(pdev, index, 0);
			if (!bar->map)
				return -ENOMEM;
		}
	}

	kbuf = pa_fault("regions-bounce") ? NULL :
	       kmalloc(min_t(size_t, count, PA_BOUNCE_SIZE), GFP_KERNEL);
	if (!kbuf)
		return -ENOMEM;

	while (done < count) {
		u64 at = pos + done;
		/* Chunks end on bounce-size boundaries so accesses stay wide. */
		size_t n = min_t(u64, count - done,
				 PA_BOUNCE_SIZE - (at & (PA_BOUNCE_SIZE - 1)));

		if (write && copy_from_user(kbuf, buf + done, n)) {
			ret = -EFAULT;
			break;
		}

		down_read(&padev->memory_lock);
		if (!pa_decode_on(pdev, r, io))
			ret = -EIO;
		else if (bar)
			pa_bar_iocopy_shielded(r, index, at, kbuf, n, write,
					       io ? 4 : PA_MMIO_MAX);
		else
			ret = pa_rom_copy(pdev, at, kbuf, n);
		up_read(&padev->memory_lock);
		if (ret)
			break;

		if (!write && copy_to_user(buf + done, kbuf, n)) {
			ret = -EFAULT;
			break;
		}
		done += n;
	}
	kfree(kbuf);
	return done ? done : ret;
}

/**
 * pa_regions_rw() - read or write a region of the device fd
 * @padev: the device
 * @buf: the user buffer
 * @count: bytes to move
 * @ppos: the fd offset (region index and offset)
 * @write: true for a write
 *
 * Context: @padev->lock held. May sleep.
 * Return: the bytes moved, or a negative errno.
 */
ssize_t pa_regions_rw(struct pa_adev *padev, char __user *buf,
		      size_t count, loff_t *ppos, bool write)
{
	struct pa_regions *r = padev->regions;
	u64 index, pos, size;
	ssize_t ret;

	if (*ppos < 0)
		return -EINVAL;
	index = (u64)*ppos >> PCIASSIGN_REGION_SHIFT;
	pos = (u64)*ppos & PA_OFFSET_MASK;
	if (index >= PCIASSIGN_NUM_REGIONS)
		return -EINVAL;
	if (!r)
		return -ENODEV;
	size = pa_region_size(r, index);
	if (pos >= size)
		return -EINVAL;
	/* A read or write that runs past the region's end is cut short. */
	count = min_t(u64, count, size - pos);
	if (!count)
		return 0;

	if (index == PCIASSIGN_REGION_CONFIG)
		ret = pa_config_rw(padev, r, buf, count, pos, write);
	else if (index == PCIASSIGN_REGION_ROM && write)
		ret = -EINVAL;
	else
		ret = pa_space_rw(padev, r, index, buf, count, pos, write);

	if (ret > 0)
		*ppos += ret;
	return ret;
}

/*
 * Whether @vma's file is the device's current owner. A revoked fd (which
 * stays open) must not map the BARs of whoever attaches the device next:
 * revocation sets revoked before zapping under memory_lock, and a later
 * attach installs a new file, which an old vma can never match.
 */
static bool pa_vma_owner(struct pa_adev *padev, struct vm_area_struct *vma)
{
	return vma->vm_file == READ_ONCE(padev->file) && !READ_ONCE(padev->revoked);
}

/*
 * Pages of a BAR mapping are inserted one fault at a time, and only while
 * the device is attached and decodes memory; zapping removes them all.
 */
static vm_fault_t pa_bar_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct pa_adev *padev = vma->vm_private_data;
	unsigned int index = vma->vm_pgoff >> PA_PGOFF_SHIFT;
	unsigned long pgoff = vmf->pgoff & PA_PGOFF_MASK;
	struct pa_regions *r;
	struct pa_bar *bar;
	vm_fault_t ret = VM_FAULT_SIGBUS;

	down_read(&padev->memory_lock);
	r = padev->regions;
	if (!r || index >= PCI_STD_NUM_BARS || !pa_vma_owner(padev, vma))
		goto out;
	bar = &r->bar[index];
	if (!pa_bar_mmapable(bar) || pgoff >= bar->size >> PAGE_SHIFT)
		goto out;
	if (!pa_decode_on(padev->pdev, r, false))
		goto out;
	ret = vmf_insert_pfn(vma, vmf->address,
			     (bar->start >> PAGE_SHIFT) + pgoff);
out:
	up_read(&padev->memory_lock);
	return ret;
}

static const struct vm_operations_struct pa_bar_vm_ops = {
	.fault = pa_bar_fault,
};

/**
 * pa_regions_mmap() - map a BAR of the device fd
 * @padev: the device
 * @vma: the mapping
 *
 * Needs only memory_lock (mmap_lock, then memory_lock, as in the fault),
 * so it may be called without padev->lock.
 *
 * Context: mmap_lock held.
 * Return: 0 or a negative errno.
 */
int pa_regions_mmap(struct pa_adev *padev, struct vm_area_struct *vma)
{
	unsigned long index = vma->vm_pgoff >> PA_PGOFF_SHIFT;
	unsigned long pgoff = vma->vm_pgoff & PA_PGOFF_MASK;
	unsigned long end;
	struct pa_regions *r;
	struct pa_bar *bar;
	int ret = -EINVAL;

	if (index >= PCI_STD_NUM_BARS)
		return -EINVAL;
	/* A private (COW) mapping of device memory makes no sense. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;

	down_read(&padev->memory_lock);
	r = padev->regions;
	if (!r || !pa_vma_owner(padev, vma)) {
		ret = -ENODEV;
		goto out;
	}
	bar = &r->bar[index];
	if (!pa_bar_mmapable(bar))
		goto out;
	if (check_add_overflow(pgoff, vma_pages(vma), &end) ||
	    end > bar->size >> PAGE_SHIFT)
		goto out;

	vma->vm_private_data = padev;
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	pa_compat_vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &pa_bar_vm_ops;
	ret = 0;
out:
	up_read(&padev->memory_lock);
	return ret;
}
