// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Capability chain: validation of the device's list, the per-capability
 * policies (MSI, MSI-X, PM, PCI-X, VPD, vendor-specific) and the rebuild of
 * the guest's list into the shadow. PCIe lives in vconfig_pcie.c.
 */
#include <errno.h>
#include <string.h>
#include <linux/pci_regs.h>

#include "vconfig_int.h"

/* ---- MSI: four layouts, all shadow-only ---------------------------------- */

#define MSI_FLAGS_KEEP (PCI_MSI_FLAGS_QMASK | PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT)
#define MSI_FLAGS_WMASK (PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE)

enum { MSI_V32, MSI_V64, MSI_V32_MASK, MSI_V64_MASK };

/* The mask register's writable bits depend on the vector count: see msi_fixup. */
static const struct pa_vc_field msi32[] = {
	{ .off = PCI_MSI_FLAGS, .len = 2, .keep = MSI_FLAGS_KEEP, .wmask = MSI_FLAGS_WMASK },
	{ .off = PCI_MSI_ADDRESS_LO, .len = 4, .wmask = 0xfffffffc },
	{ .off = PCI_MSI_DATA_32, .len = 2, .wmask = 0xffff },
};
static const struct pa_vc_field msi64[] = {
	{ .off = PCI_MSI_FLAGS, .len = 2, .keep = MSI_FLAGS_KEEP, .wmask = MSI_FLAGS_WMASK },
	{ .off = PCI_MSI_ADDRESS_LO, .len = 4, .wmask = 0xfffffffc },
	{ .off = PCI_MSI_ADDRESS_HI, .len = 4, .wmask = 0xffffffff },
	{ .off = PCI_MSI_DATA_64, .len = 2, .wmask = 0xffff },
	{ .off = PCI_MSI_DATA_64 + 2, .len = 2 },		/* extended data: 0 */
};
static const struct pa_vc_field msi32_mask[] = {
	{ .off = PCI_MSI_FLAGS, .len = 2, .keep = MSI_FLAGS_KEEP, .wmask = MSI_FLAGS_WMASK },
	{ .off = PCI_MSI_ADDRESS_LO, .len = 4, .wmask = 0xfffffffc },
	{ .off = PCI_MSI_DATA_32, .len = 2, .wmask = 0xffff },
	{ .off = PCI_MSI_DATA_32 + 2, .len = 2 },		/* extended data: 0 */
	{ .off = PCI_MSI_MASK_32, .len = 4 },
	{ .off = PCI_MSI_PENDING_32, .len = 4 },		/* pending: 0 */
};
static const struct pa_vc_field msi64_mask[] = {
	{ .off = PCI_MSI_FLAGS, .len = 2, .keep = MSI_FLAGS_KEEP, .wmask = MSI_FLAGS_WMASK },
	{ .off = PCI_MSI_ADDRESS_LO, .len = 4, .wmask = 0xfffffffc },
	{ .off = PCI_MSI_ADDRESS_HI, .len = 4, .wmask = 0xffffffff },
	{ .off = PCI_MSI_DATA_64, .len = 2, .wmask = 0xffff },
	{ .off = PCI_MSI_DATA_64 + 2, .len = 2 },		/* extended data: 0 */
	{ .off = PCI_MSI_MASK_64, .len = 4 },
	{ .off = PCI_MSI_PENDING_64, .len = 4 },		/* pending: 0 */
};

/* Each layout ends after its pending bits, or else after its data. */
static const uint8_t msi_sizes[] = {
	[MSI_V32] = PCI_MSI_DATA_32 + 2, [MSI_V64] = PCI_MSI_DATA_64 + 2,
	[MSI_V32_MASK] = PCI_MSI_PENDING_32 + 4, [MSI_V64_MASK] = PCI_MSI_PENDING_64 + 4,
};
static const uint8_t msi_mask_off[] = {
	[MSI_V32] = 0, [MSI_V64] = 0, [MSI_V32_MASK] = PCI_MSI_MASK_32,
	[MSI_V64_MASK] = PCI_MSI_MASK_64,
};

static unsigned int msi_variant_of(uint16_t flags)
{
	return (flags & PCI_MSI_FLAGS_64BIT ? 1 : 0) | (flags & PCI_MSI_FLAGS_MASKBIT ? 2 : 0);
}

static unsigned int msi_variant(const struct pa_vconfig *vc, uint8_t pos)
{
	return msi_variant_of((uint16_t)pa_vc_get(vc->host + pos + PCI_MSI_FLAGS, 2));
}

static int msi_size(struct pa_vconfig *vc, uint8_t pos)
{
	return msi_sizes[msi_variant(vc, pos)];
}

static unsigned int msi_max_vectors(uint16_t flags)
{
	unsigned int mmc = (flags & PCI_MSI_FLAGS_QMASK) >> 1;

	return 1u << (mmc > 5 ? 5 : mmc);
}

static void msi_fixup(struct pa_vconfig *vc, uint8_t pos, unsigned int size)
{
	unsigned int v = msi_variant(vc, pos);
	unsigned int n = msi_max_vectors((uint16_t)pa_vc_get(vc->host + pos + PCI_MSI_FLAGS, 2));

	(void)size;
	if (msi_mask_off[v])
		pa_vc_put(vc->wmask + pos + msi_mask_off[v], 4,
			  n == 32 ? 0xffffffffu : (1u << n) - 1);
}

/* ---- MSI-X: enable and function mask are shadow-only ---------------------- */

static const struct pa_vc_field msix_fields[] = {
	{ .off = PCI_MSIX_FLAGS, .len = 2, .keep = PCI_MSIX_FLAGS_QSIZE,
	  .wmask = PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL },
	{ .off = PCI_MSIX_TABLE, .len = 4, .keep = 0xffffffff },
	{ .off = PCI_MSIX_PBA, .len = 4, .keep = 0xffffffff },
};

/* ---- Power management: only the power state is writable, emulated --------- */

static const struct pa_vc_field pm_fields[] = {
	{ .off = PCI_PM_PMC, .len = 2, .keep = PCI_PM_CAP_VER_MASK | PCI_PM_CAP_DSI },
	{ .off = PCI_PM_CTRL, .len = 2, .set = PCI_PM_CTRL_NO_SOFT_RESET,
	  .wmask = PCI_PM_CTRL_STATE_MASK },
	{ .off = PCI_PM_PPB_EXTENSIONS, .len = 1 },
	{ .off = PCI_PM_DATA_REGISTER, .len = 1 },
};

/* ---- PCI-X: minimal 8 bytes, the guest's bus location --------------------- */

#define PCIX_CMD_KEEP (PCI_X_CMD_DPERR_E | PCI_X_CMD_ERO | PCI_X_CMD_MAX_READ | \
		       PCI_X_CMD_MAX_SPLIT)
#define PCIX_STATUS_DROP (PCI_X_STATUS_DEVFN | PCI_X_STATUS_BUS | PCI_X_STATUS_SPL_DISC | \
			  PCI_X_STATUS_UNX_SPL | PCI_X_STATUS_SPL_ERR)

static const struct pa_vc_field pcix_fields[] = {
	{ .off = PCI_X_CMD, .len = 2, .keep = PCIX_CMD_KEEP },
	{ .off = PCI_X_STATUS, .len = 4, .keep = ~(uint32_t)PCIX_STATUS_DROP },
};

static void pcix_fixup(struct pa_vconfig *vc, uint8_t pos, unsigned int size)
{
	uint8_t *st = vc->shadow + pos + PCI_X_STATUS;

	(void)size;
	pa_vc_put(st, 4, pa_vc_get(st, 4) | ((uint32_t)vc->opts.guest_bus << 8) |
		  vc->opts.guest_devfn);
}

/* ---- Sizes of the others --------------------------------------------------- */

static int size_8(struct pa_vconfig *vc, uint8_t pos)
{
	(void)vc;
	(void)pos;
	return 8;
}

static int msix_size(struct pa_vconfig *vc, uint8_t pos)
{
	(void)vc;
	(void)pos;
	return PCI_CAP_MSIX_SIZEOF;
}

static int vndr_size(struct pa_vconfig *vc, uint8_t pos)
{
	uint8_t len = vc->host[pos + PCI_CAP_FLAGS];

	if (len < 3) {
		pa_vc_log(vc, "vendor capability at 0x%02x: bad length %u", pos, len);
		return -EINVAL;
	}
	return len;
}

static const struct pa_vc_cap_policy cap_policies[] = {
	{ .id = PCI_CAP_ID_MSI, .name = "MSI", .size = msi_size, .variant = msi_variant,
	  .fields = { PA_VC_FIELDS(msi32), PA_VC_FIELDS(msi64),
		      PA_VC_FIELDS(msi32_mask), PA_VC_FIELDS(msi64_mask) },
	  .fixup = msi_fixup },
	{ .id = PCI_CAP_ID_MSIX, .name = "MSI-X", .size = msix_size,
	  .fields = { PA_VC_FIELDS(msix_fields) } },
	{ .id = PCI_CAP_ID_PM, .name = "PM", .size = size_8,
	  .fields = { PA_VC_FIELDS(pm_fields) } },
	{ .id = PCI_CAP_ID_PCIX, .name = "PCI-X", .size = size_8,
	  .fields = { PA_VC_FIELDS(pcix_fields) }, .fixup = pcix_fixup },
	{ .id = PCI_CAP_ID_VPD, .name = "VPD", .size = size_8, .direct_from = 2 },
	{ .id = PCI_CAP_ID_VNDR, .name = "vendor", .size = vndr_size, .direct_from = 2,
	  .all_instances = true },
};

static const struct pa_vc_cap_policy *find_policy(uint8_t id)
{
	if (id == pa_vc_pcie_policy.id)
		return &pa_vc_pcie_policy;
	for (size_t i = 0; i < sizeof(cap_policies) / sizeof(cap_policies[0]); i++)
		if (cap_policies[i].id == id)
			return &cap_policies[i];
	return NULL;
}

/* Expose one capability instance at pos (size bytes) in the tables. */
static void apply_policy(struct pa_vconfig *vc, const struct pa_vc_cap_policy *p,
			 uint8_t pos, unsigned int size)
{
	const struct pa_vc_field_list *fl = &p->fields[p->variant ? p->variant(vc, pos) : 0];

	/* Default: a read-only snapshot of the device. */
	memcpy(vc->shadow + pos, vc->host + pos, size);
	memset(vc->emu + pos, 0xff, size);
	memset(vc->wmask + pos, 0, size);
	memset(vc->w1c + pos, 0, size);
	memset(vc->pass + pos, 0, size);
	for (size_t i = 0; i < fl->n; i++)
		pa_vc_apply_field(vc, pos, &fl->f[i], size);
	if (p->direct_from && p->direct_from < size) {
		memset(vc->emu + pos + p->direct_from, 0, size - p->direct_from);
		memset(vc->pass + pos + p->direct_from, 0xff, size - p->direct_from);
	}
	if (p->fixup)
		p->fixup(vc, pos, size);
}

/*
 * Walk the device's list into all[] (*nall entries): in range, aligned,
 * no loop.
 */
static int caps_walk(struct pa_vconfig *vc, uint8_t all[PA_VC_MAX_CAPS],
		     unsigned int *nall)
{
	bool seen[PA_VCONFIG_LEGACY_SIZE / 4] = { false };
	uint8_t ptr;

	*nall = 0;
	for (ptr = vc->host[PCI_CAPABILITY_LIST]; ptr; ptr = vc->host[ptr + PCI_CAP_LIST_NEXT]) {
		if (ptr < PCI_STD_HEADER_SIZEOF || (ptr & 3)) {
			pa_vc_log(vc, "capability pointer 0x%02x is %s", ptr,
				  ptr & 3 ? "misaligned" : "inside the header");
			return -EINVAL;
		}
		if (seen[ptr / 4]) {
			pa_vc_log(vc, "capability list loops at 0x%02x", ptr);
			return -EINVAL;
		}
		seen[ptr / 4] = true;
		all[(*nall)++] = ptr;
	}
	return 0;
}

/*
 * Choose, size and check what is exposed (vc->cap_*). Extents of every
 * instance whose layout is known (kept or duplicate) are checked for
 * overlap, so that bytes passed through for one capability can never be
 * the registers of another, even a hidden one; a hidden instance whose
 * size cannot be determined counts with its policy's fallback_size,
 * unknown IDs with their 2-byte header.
 */
static int caps_choose(struct pa_vconfig *vc, const uint8_t *all, unsigned int nall)
{
	uint16_t ext[PA_VC_MAX_CAPS];

	for (unsigned int i = 0; i < nall; i++) {
		uint8_t pos = all[i], id = vc->host[pos];
		const struct pa_vc_cap_policy *p = find_policy(id);
		bool keep = p && (p->all_instances || !pa_vconfig_find_cap(vc, id));
		int size = 2;

		if (p) {
			size = p->size(vc, pos);
			if (size < 0 && keep)
				return size;
			/*
			 * A hidden instance of unknown size (e.g. a PCIe
			 * duplicate with an unsupported version) still has
			 * its fixed registers: count its largest layout.
			 */
			if (size < 0 && p->fallback_size)
				size = p->fallback_size;
			if (size < 2)
				size = 2;
		}
		if (keep && pos + size > PA_VCONFIG_LEGACY_SIZE) {
			pa_vc_log(vc, "%s capability at 0x%02x (0x%x bytes) runs past 0xff",
				  p->name, pos, size);
			return -EINVAL;
		}
		if (keep && p->check && p->check(vc, pos, (unsigned int)size))
			return -EINVAL;
		ext[i] = (uint16_t)size;
		if (keep) {
			vc->cap_pos[vc->ncaps] = pos;
			vc->cap_id[vc->ncaps] = id;
			vc->cap_size[vc->ncaps] = (uint8_t)size;
			vc->ncaps++;
		}
	}
	for (unsigned int i = 0; i < nall; i++) {
		for (unsigned int j = 0; j < nall; j++) {
			if (i == j || all[j] < all[i] || all[j] >= all[i] + ext[i])
				continue;
			pa_vc_log(vc, "capability 0x%02x at 0x%02x (0x%x bytes) overlaps "
				  "capability 0x%02x at 0x%02x", vc->host[all[i]], all[i],
				  ext[i], vc->host[all[j]], all[j]);
			return -EINVAL;
		}
	}
	return 0;
}

/* Fill the tables, then link the kept ones in device order. */
static void caps_link(struct pa_vconfig *vc)
{
	uint8_t prev = PCI_CAPABILITY_LIST;

	for (unsigned int i = 0; i < vc->ncaps; i++) {
		uint8_t pos = vc->cap_pos[i];

		apply_policy(vc, find_policy(vc->cap_id[i]), pos, vc->cap_size[i]);
		vc->shadow[pos + PCI_CAP_LIST_ID] = vc->cap_id[i];
		vc->emu[pos + PCI_CAP_LIST_ID] = 0xff;
		vc->wmask[pos + PCI_CAP_LIST_ID] = 0;
		vc->pass[pos + PCI_CAP_LIST_ID] = 0;
		vc->emu[pos + PCI_CAP_LIST_NEXT] = 0xff;
		vc->wmask[pos + PCI_CAP_LIST_NEXT] = 0;
		vc->pass[pos + PCI_CAP_LIST_NEXT] = 0;
		vc->shadow[pos + PCI_CAP_LIST_NEXT] = 0;
		vc->shadow[prev == PCI_CAPABILITY_LIST ? prev : prev + PCI_CAP_LIST_NEXT] = pos;
		prev = pos;
	}
}

int pa_vc_build_caps(struct pa_vconfig *vc)
{
	uint8_t all[PA_VC_MAX_CAPS];
	unsigned int nall;
	int ret;

	if (!(pa_vc_get(vc->host + PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;	/* no list: nothing exposed */
	ret = caps_walk(vc, all, &nall);
	if (!ret)
		ret = caps_choose(vc, all, nall);
	if (!ret)
		caps_link(vc);
	return ret;
}

int pa_vconfig_get_msi(const struct pa_vconfig *vc, struct pa_vconfig_msi *out)
{
	const uint8_t *c;
	uint16_t flags;
	unsigned int v, mme;

	if (!vc || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->cap = pa_vconfig_find_cap(vc, PCI_CAP_ID_MSI);
	if (!out->cap)
		return 0;
	c = vc->shadow + out->cap;
	flags = (uint16_t)pa_vc_get(c + PCI_MSI_FLAGS, 2);
	v = msi_variant_of(flags);
	out->present = true;
	out->enabled = flags & PCI_MSI_FLAGS_ENABLE;
	out->is64 = flags & PCI_MSI_FLAGS_64BIT;
	out->maskable = flags & PCI_MSI_FLAGS_MASKBIT;
	out->max_vectors = (uint8_t)msi_max_vectors(flags);
	mme = (flags & PCI_MSI_FLAGS_QSIZE) >> 4;
	out->vectors = (uint8_t)(mme > 5 ? 32 : 1u << mme);
	if (out->vectors > out->max_vectors)
		out->vectors = out->max_vectors;
	out->address = pa_vc_get(c + PCI_MSI_ADDRESS_LO, 4);
	if (out->is64)
		out->address |= (uint64_t)pa_vc_get(c + PCI_MSI_ADDRESS_HI, 4) << 32;
	out->data = (uint16_t)pa_vc_get(c + (out->is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32), 2);
	if (msi_mask_off[v])
		out->mask = pa_vc_get(c + msi_mask_off[v], 4);
	return 0;
}

int pa_vconfig_get_msix(const struct pa_vconfig *vc, struct pa_vconfig_msix *out)
{
	const uint8_t *c;
	uint16_t flags;
	uint32_t t, p;

	if (!vc || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->cap = pa_vconfig_find_cap(vc, PCI_CAP_ID_MSIX);
	if (!out->cap)
		return 0;
	c = vc->shadow + out->cap;
	flags = (uint16_t)pa_vc_get(c + PCI_MSIX_FLAGS, 2);
	t = pa_vc_get(c + PCI_MSIX_TABLE, 4);
	p = pa_vc_get(c + PCI_MSIX_PBA, 4);
	out->present = true;
	out->enabled = flags & PCI_MSIX_FLAGS_ENABLE;
	out->masked = flags & PCI_MSIX_FLAGS_MASKALL;
	out->table_size = (uint16_t)((flags & PCI_MSIX_FLAGS_QSIZE) + 1);
	out->table_bir = t & PCI_MSIX_TABLE_BIR;
	out->table_offset = t & PCI_MSIX_TABLE_OFFSET;
	out->pba_bir = p & PCI_MSIX_PBA_BIR;
	out->pba_offset = p & PCI_MSIX_PBA_OFFSET;
	return 0;
}
