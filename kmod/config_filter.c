// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's floor under userspace's config-space virtualization.
 *
 * Userspace (libpciassign) emulates most of config space for the guest;
 * what reaches the device fd is what it decided to pass through. This
 * filter only enforces what the host must keep for its own safety: the BAR
 * addresses it assigned, the MSI/MSI-X programming of its irq code, the
 * INTx disable bit its INTx masking relies on, and FLR, which only the
 * kernel may trigger (with BAR mappings zapped around it).
 *
 * It is a table of rules, each naming a register by capability and offset.
 * Capability positions are looked up once per attach; every access walks
 * the table and builds a bit mask of what it must not change (writes) or
 * must hide (reads).
 */
#include <linux/pci.h>
#include <linux/slab.h>

#include "pciassign.h"

/* Where a rule's register lives. */
enum pa_cfg_where {
	PA_CFG_HEADER,		/* type 0 header, at 0 */
	PA_CFG_MSI,
	PA_CFG_MSIX,
	PA_CFG_EXP,		/* PCI Express capability */
	PA_CFG_SRIOV,		/* extended capability */
	PA_CFG_NR_WHERE,
};

static const struct {
	u16 id;
	bool ext;		/* extended (PCIe) capability */
} pa_cfg_caps[PA_CFG_NR_WHERE] = {
	[PA_CFG_MSI]	= { PCI_CAP_ID_MSI, false },
	[PA_CFG_MSIX]	= { PCI_CAP_ID_MSIX, false },
	[PA_CFG_EXP]	= { PCI_CAP_ID_EXP, false },
	[PA_CFG_SRIOV]	= { PCI_EXT_CAP_ID_SRIOV, true },
};

enum pa_cfg_policy {
	PA_CFG_KEEP,		/* writes leave the mask bits as the host has them */
	PA_CFG_HIDE,		/* the mask bits read as 0 */
};

/* The write may change memory decode: BAR mappings must follow. */
#define PA_CFG_F_DECODE	BIT(0)

/* Every bit of every byte the rule covers. */
#define PA_CFG_ALL	0xffffffffU

struct pa_cfg_rule {
	u8 where;		/* enum pa_cfg_where */
	u16 offset;		/* from the capability's start */
	u8 size;		/* bytes; 0: to the end of the capability */
	u8 policy;		/* enum pa_cfg_policy */
	u8 flags;		/* PA_CFG_F_* */
	u32 mask;		/* bits of the register; PA_CFG_ALL when size > 4 */
};

static const struct pa_cfg_rule pa_cfg_rules[] = {
	/* The owner may toggle decode and bus mastering, not INTx masking. */
	{ PA_CFG_HEADER, PCI_COMMAND, 2, PA_CFG_KEEP, PA_CFG_F_DECODE,
	  PCI_COMMAND_INTX_DISABLE },
	/* The host's resource assignment stays; userspace emulates BARs. */
	{ PA_CFG_HEADER, PCI_BASE_ADDRESS_0, 24, PA_CFG_KEEP, 0, PA_CFG_ALL },
	{ PA_CFG_HEADER, PCI_ROM_ADDRESS, 4, PA_CFG_KEEP, 0, PA_CFG_ALL },
	/* Programmed by the kernel's irq code only. */
	{ PA_CFG_MSI, PCI_MSI_FLAGS, 0, PA_CFG_KEEP, 0, PA_CFG_ALL },
	{ PA_CFG_MSIX, PCI_MSIX_FLAGS, 2, PA_CFG_KEEP, 0, PA_CFG_ALL },
	/* FLR only through PCIASSIGN_DEVICE_RESET, which zaps mappings. */
	{ PA_CFG_EXP, PCI_EXP_DEVCAP, 4, PA_CFG_HIDE, 0, PCI_EXP_DEVCAP_FLR },
	{ PA_CFG_EXP, PCI_EXP_DEVCTL, 2, PA_CFG_KEEP, 0, PCI_EXP_DEVCTL_BCR_FLR },
	/* VFs would be new host devices outside the owner's IOMMU domain. */
	{ PA_CFG_SRIOV, PCI_SRIOV_CTRL, 2, PA_CFG_KEEP, 0, PA_CFG_ALL },
	{ PA_CFG_SRIOV, PCI_SRIOV_NUM_VF, 2, PA_CFG_KEEP, 0, PA_CFG_ALL },
	{ PA_CFG_SRIOV, PCI_SRIOV_BAR, 24, PA_CFG_KEEP, 0, PA_CFG_ALL },
};

struct pa_cfg_filter {
	u16 pos[PA_CFG_NR_WHERE];	/* 0: capability absent */
	u16 len[PA_CFG_NR_WHERE];	/* bytes, for rules of size 0 */
};

/* Length of the MSI capability's registers, which depends on its flags. */
static u16 pa_cfg_msi_len(struct pci_dev *pdev, u16 pos)
{
	u16 flags = 0;

	pci_read_config_word(pdev, pos + PCI_MSI_FLAGS, &flags);
	if (flags & PCI_MSI_FLAGS_MASKBIT)
		return (flags & PCI_MSI_FLAGS_64BIT ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32) + 4;
	return (flags & PCI_MSI_FLAGS_64BIT ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32) + 2;
}

struct pa_cfg_filter *pa_cfg_filter_create(struct pci_dev *pdev)
{
	struct pa_cfg_filter *f = pa_fault("cfg-filter") ? NULL :
				   kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	int w;

	if (!f)
		return NULL;
	f->len[PA_CFG_HEADER] = PCI_STD_HEADER_SIZEOF;
	for (w = PA_CFG_HEADER + 1; w < PA_CFG_NR_WHERE; w++) {
		if (pa_cfg_caps[w].ext)
			f->pos[w] = pci_find_ext_capability(pdev, pa_cfg_caps[w].id);
		else
			f->pos[w] = pci_find_capability(pdev, pa_cfg_caps[w].id);
	}
	if (f->pos[PA_CFG_MSI])
		f->len[PA_CFG_MSI] = pa_cfg_msi_len(pdev, f->pos[PA_CFG_MSI]);
	return f;
}

void pa_cfg_filter_destroy(struct pa_cfg_filter *f)
{
	kfree(f);
}

/*
 * The bits of the access [pos, pos + len) that rules with @policy cover,
 * as a mask aligned to the access. *@flags collects those rules' flags.
 */
static u32 pa_cfg_mask(const struct pa_cfg_filter *f, unsigned int pos,
		       unsigned int len, enum pa_cfg_policy policy, u8 *flags)
{
	u32 mask = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pa_cfg_rules); i++) {
		const struct pa_cfg_rule *rule = &pa_cfg_rules[i];
		unsigned int start, size, b;

		if (rule->policy != policy)
			continue;
		if (rule->where != PA_CFG_HEADER && !f->pos[rule->where])
			continue;
		start = f->pos[rule->where] + rule->offset;
		size = rule->size;
		if (!size) {
			if (f->len[rule->where] <= rule->offset)
				continue;
			size = f->len[rule->where] - rule->offset;
		}
		if (start >= pos + len || start + size <= pos)
			continue;

		for (b = max(start, pos); b < min(start + size, pos + len); b++) {
			u32 byte = 0xff;

			/* Narrow registers carry a bit mask, wide ranges all bits. */
			if (size <= 4)
				byte = (rule->mask >> (8 * (b - start))) & 0xff;
			mask |= byte << (8 * (b - pos));
		}
		if (flags)
			*flags |= rule->flags;
	}
	return mask;
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
 * Write @val keeping the @keep bits as the device has them, with the
 * plain accessors: pci_user_*() may sleep, and this runs under the IRQ
 * lock (as pci_intx() does, the IRQ code's own writer of the register).
 */
static int pa_cfg_rmw_atomic(struct pci_dev *pdev, unsigned int pos,
			     unsigned int len, u32 val, u32 keep)
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
	val = (val & ~keep) | (hw & keep);
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
static int pa_cfg_write_command(struct pa_device *padev, unsigned int pos,
				unsigned int len, u32 val, u32 keep)
{
	spinlock_t *lock = pa_irq_intx_lock(padev);
	unsigned long irqflags;
	int ret;

	if (!lock)
		return pa_cfg_rmw_atomic(padev->pdev, pos, len, val, keep);
	spin_lock_irqsave(lock, irqflags);
	ret = pa_cfg_rmw_atomic(padev->pdev, pos, len, val, keep);
	spin_unlock_irqrestore(lock, irqflags);
	return ret;
}

static u32 pa_cfg_len_mask(unsigned int len)
{
	return len >= 4 ? 0xffffffffU : (1U << (8 * len)) - 1;
}

/* One naturally aligned access of 1, 2 or 4 bytes; returns the view. */
int pa_cfg_filter_read(struct pa_device *padev, struct pa_cfg_filter *f,
		       unsigned int pos, unsigned int len, u32 *val)
{
	int ret = pa_cfg_hw_read(padev->pdev, pos, len, val);

	if (ret)
		return ret;
	*val &= ~pa_cfg_mask(f, pos, len, PA_CFG_HIDE, NULL);
	return 0;
}

/*
 * One naturally aligned write of 1, 2 or 4 bytes. Protected bits keep the
 * device's current value; a write that is all protected is dropped (and
 * reported as done: userspace's own emulation owns what the guest sees).
 */
int pa_cfg_filter_write(struct pa_device *padev, struct pa_cfg_filter *f,
			unsigned int pos, unsigned int len, u32 val)
{
	struct pci_dev *pdev = padev->pdev;
	u32 keep, hw, all = pa_cfg_len_mask(len);
	u8 flags = 0;
	u16 cmd;
	int ret;

	keep = pa_cfg_mask(f, pos, len, PA_CFG_KEEP, &flags);
	if ((keep & all) == all)
		return 0;
	if (keep && !(flags & PA_CFG_F_DECODE)) {
		ret = pa_cfg_hw_read(pdev, pos, len, &hw);
		if (ret)
			return ret;
		val = (val & ~keep) | (hw & keep);
	}
	if (!(flags & PA_CFG_F_DECODE))
		return pa_cfg_hw_write(pdev, pos, len, val);

	/*
	 * A decode change excludes every BAR access; once memory decode is
	 * off, mappings must fault (and get SIGBUS) instead of reaching a
	 * device that no longer answers. So a write that turns it off zaps
	 * first: a page still mapped when the write lands would let a load
	 * on another CPU reach the device in between. New faults wait for
	 * memory_lock and then find decode off.
	 */
	down_write(&padev->memory_lock);
	if (pos == PCI_COMMAND && !(keep & PCI_COMMAND_MEMORY) &&
	    !(val & PCI_COMMAND_MEMORY))
		pa_regions_zap(padev);
	ret = pa_cfg_write_command(padev, pos, len, val, keep);
	/* Off some other way, or unreadable: assume the worst. */
	if (pci_read_config_word(pdev, PCI_COMMAND, &cmd) ||
	    !(cmd & PCI_COMMAND_MEMORY))
		pa_regions_zap(padev);
	up_write(&padev->memory_lock);
	return ret;
}
