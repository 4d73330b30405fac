// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's floor under userspace's config-space virtualization.
 *
 * Userspace (libpciassign) emulates most of config space for the guest;
 * what reaches the device fd is what it decided to pass through. This
 * filter lets through only what an allowlist says a device owner may
 * write (config_rules.c: the table, per capability, and why); every other
 * bit keeps the host's value, so the BAR addresses the host assigned, the
 * MSI/MSI-X programming of its irq code, the INTx disable bit its INTx
 * masking relies on, FLR (which only the kernel may trigger, with BAR
 * mappings zapped around it) and whatever affects the fabric stay the
 * host's. A write nobody may make is dropped and reported as done.
 *
 * Capability positions are looked up once per attach; every access asks
 * the rules for its masks.
 */
#include <linux/pci.h>
#include <linux/slab.h>

#include "config_rules.h"
#include "pciassign.h"

struct pa_cfg_filter {
	struct pa_cfg_map map;
	/*
	 * The owner's copy of PA_CFG_VIRT registers (header only), and of a
	 * VF's IDs and BARs, which its hardware reads as 0xffff and 0.
	 */
	u8 virt[PCI_STD_HEADER_SIZEOF];
	spinlock_t virt_lock;	/* virt[] */
};

static int pa_cfg_scan_read(void *opaque, unsigned int pos, u32 *val)
{
	return pcibios_err_to_errno(pci_read_config_dword(opaque, pos, val));
}

/* A dword of the filter's copy, little-endian as config space is. */
static void pa_cfg_virt_put(struct pa_cfg_filter *f, unsigned int pos, u32 v)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		f->virt[pos + i] = v >> (8 * i);
}

/*
 * A VF shows the IDs the PCI core read from its PF's SR-IOV capability
 * and BARs as the PF's VF BARs placed it, with their types; its memory
 * decode starts on, as attach enables a function.
 */
static void pa_cfg_filter_vf_init(struct pa_cfg_filter *f, struct pci_dev *pdev)
{
	unsigned int i;

	f->map.vf = true;
	pa_cfg_virt_put(f, PCI_VENDOR_ID, pdev->vendor | (u32)pdev->device << 16);
	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		unsigned long flags = pci_resource_flags(pdev, i);
		u64 start = pci_resource_start(pdev, i);
		unsigned int pos = PCI_BASE_ADDRESS_0 + 4 * i;
		u32 type = 0;

		if (!(flags & IORESOURCE_MEM) || !pci_resource_len(pdev, i)) {
			pa_cfg_virt_put(f, pos, 0);
			continue;
		}
		if (flags & IORESOURCE_MEM_64)
			type |= PCI_BASE_ADDRESS_MEM_TYPE_64;
		if (flags & IORESOURCE_PREFETCH)
			type |= PCI_BASE_ADDRESS_MEM_PREFETCH;
		pa_cfg_virt_put(f, pos, lower_32_bits(start & PCI_BASE_ADDRESS_MEM_MASK) | type);
		if ((flags & IORESOURCE_MEM_64) && i + 1 < PCI_STD_NUM_BARS)
			pa_cfg_virt_put(f, pos + 4, upper_32_bits(start));
		if (flags & IORESOURCE_MEM_64)
			i++;
	}
	f->virt[PCI_COMMAND] |= PCI_COMMAND_MEMORY;
}

/**
 * pa_cfg_filter_vf_memory_on() - whether a VF's virtual memory-enable bit is on
 * @f: the filter of the VF
 *
 * Return: the owner's view of the VF's memory-enable bit.
 */
bool pa_cfg_filter_vf_memory_on(struct pa_cfg_filter *f)
{
	unsigned long irqflags;
	bool on;

	spin_lock_irqsave(&f->virt_lock, irqflags);
	on = f->virt[PCI_COMMAND] & PCI_COMMAND_MEMORY;
	spin_unlock_irqrestore(&f->virt_lock, irqflags);
	return on;
}

/**
 * pa_cfg_filter_create() - the config filter of a device being attached
 * @pdev: the function
 *
 * Maps its capabilities and snapshots the header for the virtualized bits.
 *
 * Context: may sleep.
 * Return: the filter, or NULL when out of memory.
 */
struct pa_cfg_filter *pa_cfg_filter_create(struct pci_dev *pdev)
{
	struct pa_cfg_filter *f = pa_fault("cfg-filter") ? NULL :
				   kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	unsigned int pos;

	if (!f)
		return NULL;
	spin_lock_init(&f->virt_lock);
	/* Unreadable config space: no capabilities, everything read-only. */
	if (pa_cfg_map_scan(&f->map, pdev->cfg_size, pa_cfg_scan_read, pdev))
		f->map.nr = 0;
	for (pos = 0; pos < PCI_STD_HEADER_SIZEOF; pos++)
		pci_read_config_byte(pdev, pos, &f->virt[pos]);
	if (pdev->is_virtfn)
		pa_cfg_filter_vf_init(f, pdev);
	return f;
}

/**
 * pa_cfg_filter_destroy() - free a config filter
 * @f: the filter, or NULL
 */
void pa_cfg_filter_destroy(struct pa_cfg_filter *f)
{
	kfree(f);
}

static int pa_cfg_hw_read(struct pci_dev *pdev, unsigned int pos,
			  unsigned int len, u32 *val)
{
	u16 w;
	u8 b;
	int ret;

	switch (len) {
	case 1:
		ret = pci_user_read_config_byte(pdev, pos, &b);
		*val = b;
		break;
	case 2:
		ret = pci_user_read_config_word(pdev, pos, &w);
		*val = w;
		break;
	case 4:
		ret = pci_user_read_config_dword(pdev, pos, val);
		break;
	default:
		return -EINVAL;
	}
	return pcibios_err_to_errno(ret);
}

static int pa_cfg_hw_write(struct pci_dev *pdev, unsigned int pos,
			   unsigned int len, u32 val)
{
	int ret;

	switch (len) {
	case 1:
		ret = pci_user_write_config_byte(pdev, pos, val);
		break;
	case 2:
		ret = pci_user_write_config_word(pdev, pos, val);
		break;
	case 4:
		ret = pci_user_write_config_dword(pdev, pos, val);
		break;
	default:
		return -EINVAL;
	}
	return pcibios_err_to_errno(ret);
}

/*
 * Write @val's @write bits, the device's other bits (write-1-to-clear ones
 * as 0), with the plain accessors: pci_user_*() may sleep, and this runs
 * under the IRQ lock (as pci_intx() does, the IRQ code's own writer of the
 * register).
 */
static int pa_cfg_rmw_atomic(struct pci_dev *pdev, unsigned int pos,
			     unsigned int len, u32 val, u32 write, u32 zero)
{
	u32 hw = 0;
	u16 w;
	u8 b;
	int ret;

	switch (len) {
	case 1:
		ret = pci_read_config_byte(pdev, pos, &b);
		hw = b;
		break;
	case 2:
		ret = pci_read_config_word(pdev, pos, &w);
		hw = w;
		break;
	default:
		ret = pci_read_config_dword(pdev, pos, &hw);
	}
	if (ret)
		return pcibios_err_to_errno(ret);
	val = pa_cfg_merge(val, hw, write, zero);
	switch (len) {
	case 1:
		ret = pci_write_config_byte(pdev, pos, val);
		break;
	case 2:
		ret = pci_write_config_word(pdev, pos, val);
		break;
	default:
		ret = pci_write_config_dword(pdev, pos, val);
	}
	return pcibios_err_to_errno(ret);
}

/*
 * The command register's INTx disable bit is flipped by the INTx handler
 * and by unmask under the IRQ lock. Merged outside it, a stale copy could
 * be written back: INTx masked in hardware while the IRQ code has it
 * unmasked (its interrupts lost for good), or the reverse (a line that
 * nobody acknowledges).
 */
static int pa_cfg_write_command(struct pa_adev *padev, unsigned int pos,
				unsigned int len, u32 val, u32 write, u32 zero)
{
	spinlock_t *lock = pa_irq_intx_lock(padev);
	unsigned long irqflags;
	int ret;

	if (!lock)
		return pa_cfg_rmw_atomic(padev->pdev, pos, len, val, write, zero);
	spin_lock_irqsave(lock, irqflags);
	ret = pa_cfg_rmw_atomic(padev->pdev, pos, len, val, write, zero);
	spin_unlock_irqrestore(lock, irqflags);
	return ret;
}

static u32 pa_cfg_len_mask(unsigned int len)
{
	return len >= 4 ? 0xffffffffU : (1U << (8 * len)) - 1;
}

/* The filter's copy of the PA_CFG_VIRT bits @mask of [pos, pos + len). */
static u32 pa_cfg_virt_get(struct pa_cfg_filter *f, unsigned int pos,
			   unsigned int len, u32 mask)
{
	unsigned long irqflags;
	u32 v = 0;
	unsigned int i;

	spin_lock_irqsave(&f->virt_lock, irqflags);
	for (i = 0; i < len; i++)
		if (pos + i < PCI_STD_HEADER_SIZEOF)
			v |= (u32)f->virt[pos + i] << (8 * i);
	spin_unlock_irqrestore(&f->virt_lock, irqflags);
	return v & mask;
}

static void pa_cfg_virt_set(struct pa_cfg_filter *f, unsigned int pos,
			    unsigned int len, u32 val, u32 mask)
{
	unsigned long irqflags;
	unsigned int i;

	spin_lock_irqsave(&f->virt_lock, irqflags);
	for (i = 0; i < len; i++) {
		u8 m = mask >> (8 * i);

		if (m && pos + i < PCI_STD_HEADER_SIZEOF)
			f->virt[pos + i] = (f->virt[pos + i] & ~m) | ((val >> (8 * i)) & m);
	}
	spin_unlock_irqrestore(&f->virt_lock, irqflags);
}

/**
 * pa_cfg_filter_read() - a config read through the filter
 * @padev: the device
 * @f: its filter
 * @pos: offset in config space
 * @len: 1, 2 or 4, naturally aligned
 * @val: where the value read goes
 *
 * One naturally aligned access of 1, 2 or 4 bytes; returns the view
 * the owner may see.
 *
 * Return: 0 or a negative errno.
 */
int pa_cfg_filter_read(struct pa_adev *padev, struct pa_cfg_filter *f,
		       unsigned int pos, unsigned int len, u32 *val)
{
	struct pa_cfg_masks m;
	int ret = pa_cfg_hw_read(padev->pdev, pos, len, val);

	if (ret)
		return ret;
	pa_cfg_rules_masks(&f->map, pos, len, &m);
	*val &= ~(m.hide | m.virt | m.fixed);
	if (m.virt | m.fixed)
		*val |= pa_cfg_virt_get(f, pos, len, m.virt | m.fixed);
	return 0;
}

/* Memory decode as the owner sees it: a VF's is its virtual bit. */
static bool pa_cfg_memory_on(struct pci_dev *pdev, struct pa_cfg_filter *f)
{
	u16 cmd;

	if (f->map.vf)
		return pa_cfg_filter_vf_memory_on(f);
	return !pci_read_config_word(pdev, PCI_COMMAND, &cmd) &&
	       (cmd & PCI_COMMAND_MEMORY);
}

/* A piece of a write whose every byte has writable bits. */
static int pa_cfg_write_piece(struct pa_adev *padev, struct pa_cfg_filter *f,
			      unsigned int pos, unsigned int len, u32 val,
			      const struct pa_cfg_masks *m)
{
	struct pci_dev *pdev = padev->pdev;
	u32 all = pa_cfg_len_mask(len), hw;
	int ret;

	if (!(m->flags & PA_CFG_F_DECODE)) {
		if ((m->write & all) != all) {
			ret = pa_cfg_hw_read(pdev, pos, len, &hw);
			if (ret)
				return ret;
			val = pa_cfg_merge(val, hw, m->write, m->zero);
		}
		return pa_cfg_hw_write(pdev, pos, len, val);
	}

	/*
	 * A decode change excludes every BAR access; once memory decode is
	 * off, mappings must fault (and get SIGBUS) instead of reaching a
	 * device that no longer answers. So a write that turns it off zaps
	 * first: a page still mapped when the write lands would let a load
	 * on another CPU reach the device in between. New faults wait for
	 * memory_lock and then find decode off.
	 */
	down_write(&padev->memory_lock);
	if (pos == PCI_COMMAND && (m->write & PCI_COMMAND_MEMORY) &&
	    !(val & PCI_COMMAND_MEMORY))
		pa_regions_zap(padev);
	ret = pa_cfg_write_command(padev, pos, len, val, m->write, m->zero);
	/* Off some other way, or unreadable: assume the worst. */
	if (!pa_cfg_memory_on(pdev, f))
		pa_regions_zap(padev);
	up_write(&padev->memory_lock);
	return ret;
}

/**
 * pa_cfg_filter_write() - a config write through the filter
 * @padev: the device
 * @f: its filter
 * @pos: offset in config space
 * @len: 1, 2 or 4, naturally aligned
 * @val: the value written
 *
 * One naturally aligned write of 1, 2 or 4 bytes. Only bytes with
 * writable bits are written, in the widest aligned pieces they form; in
 * them, bits that are not writable keep the device's current value. A
 * write with nothing writable is dropped (and reported as done:
 * userspace's own emulation owns what the guest sees).
 *
 * Return: 0 or a negative errno.
 */
int pa_cfg_filter_write(struct pa_adev *padev, struct pa_cfg_filter *f,
			unsigned int pos, unsigned int len, u32 val)
{
	unsigned int off, n;
	struct pa_cfg_masks m, pm;
	int ret;

	pa_cfg_rules_masks(&f->map, pos, len, &m);
	if (m.virt && (m.flags & PA_CFG_F_DECODE)) {
		/*
		 * A VF's virtual memory-enable bit: the same rule as the
		 * hardware bit, mappings zapped when it goes off.
		 */
		down_write(&padev->memory_lock);
		pa_cfg_virt_set(f, pos, len, val, m.virt);
		if (!pa_cfg_memory_on(padev->pdev, f))
			pa_regions_zap(padev);
		up_write(&padev->memory_lock);
	} else if (m.virt) {
		pa_cfg_virt_set(f, pos, len, val, m.virt);
	}
	for (off = 0; (n = pa_cfg_next_piece(m.write, pos, len, &off)); off += n) {
		pa_cfg_rules_masks(&f->map, pos + off, n, &pm);
		ret = pa_cfg_write_piece(padev, f, pos + off, n,
					 (val >> (8 * off)) & pa_cfg_len_mask(n), &pm);
		if (ret)
			return ret;
	}
	return 0;
}
