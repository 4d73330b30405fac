/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest's extended config space (0x100-0xfff). The extended
 * capabilities of the table below are kept at their device offsets and
 * relinked in device order; every other byte reads 0 and drops writes.
 * When the device's first capability (always at 0x100) is not kept, 0x100
 * holds a header of ID 0 whose only use is to link to the first kept one,
 * which the spec allows and Linux's walker follows.
 */
#include <stdbool.h>
#include <string.h>
#include <linux/pci_regs.h>

#include "vconfig_int.h"

#define EXT_HDR(id, ver, next)	((uint32_t)(id) | (uint32_t)(ver) << 16 | (uint32_t)(next) << 20)
#define EXT_MAX_CAPS	((PA_VCONFIG_SPACE_SIZE - PA_VCONFIG_LEGACY_SIZE) / 4)

/*
 * AER: the guest sees the device's error status and header log as they
 * are, but cannot clear them (the host's AER handling owns the device's
 * error state); masks and severities are the guest's own, kept in the
 * shadow and never written to the device; capabilities and control
 * (ECRC) are a read-only snapshot.
 */
static const struct pa_vc_field aer_fields[] = {
	{ .off = PCI_ERR_UNCOR_STATUS, .len = 4, .live = 0xffffffff },
	{ .off = PCI_ERR_UNCOR_MASK, .len = 4, .keep = 0xffffffff, .wmask = 0xffffffff },
	{ .off = PCI_ERR_UNCOR_SEVER, .len = 4, .keep = 0xffffffff, .wmask = 0xffffffff },
	{ .off = PCI_ERR_COR_STATUS, .len = 4, .live = 0xffffffff },
	{ .off = PCI_ERR_COR_MASK, .len = 4, .keep = 0xffffffff, .wmask = 0xffffffff },
	{ .off = PCI_ERR_HEADER_LOG, .len = 4, .live = 0xffffffff },
	{ .off = PCI_ERR_HEADER_LOG + 4, .len = 4, .live = 0xffffffff },
	{ .off = PCI_ERR_HEADER_LOG + 8, .len = 4, .live = 0xffffffff },
	{ .off = PCI_ERR_HEADER_LOG + 12, .len = 4, .live = 0xffffffff },
};

/*
 * How one extended capability ID is exposed, as struct pa_vc_cap_policy
 * does for standard ones: an ID in the table is kept (its first
 * instance), any other is hidden. Bytes of a kept capability no field
 * covers are a read-only snapshot of the device; nothing here reaches
 * the device.
 */
struct pa_vc_ext_policy {
	uint16_t id;
	const char *name;
	uint16_t size;		/* fixed: an endpoint's layout, header included */
	struct pa_vc_field_list fields;
};

static const struct pa_vc_ext_policy ext_policies[] = {
	/* Endpoint layout: the root port registers (0x2c-0x37) do not apply. */
	{ .id = PCI_EXT_CAP_ID_ERR, .name = "AER", .size = PCI_ERR_ROOT_COMMAND,
	  .fields = PA_VC_FIELDS(aer_fields) },
	/* Device serial number: read-only. */
	{ .id = PCI_EXT_CAP_ID_DSN, .name = "DSN", .size = PCI_EXT_CAP_DSN_SIZEOF },
};

static const struct pa_vc_ext_policy *ext_policy(uint16_t id)
{
	for (size_t i = 0; i < sizeof(ext_policies) / sizeof(ext_policies[0]); i++)
		if (ext_policies[i].id == id)
			return &ext_policies[i];
	return NULL;
}

static bool ext_kept(const uint16_t *ids, unsigned int n, uint16_t id)
{
	for (unsigned int i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/*
 * Walk the device's extended list from 0x100 and keep the capabilities of
 * the table, first instance of each. A broken link (misaligned, below
 * 0x100, looping, a kept capability running past 4 KiB or over another)
 * ends the walk: what was found before it is kept, and the reason logged.
 */
void pa_vc_build_ext_caps(struct pa_vconfig *vc)
{
	unsigned int pos = PA_VCONFIG_LEGACY_SIZE, n = 0, kept_end = 0;
	unsigned int kept_pos[EXT_MAX_CAPS], kept_n = 0;
	uint16_t kept_id[EXT_MAX_CAPS];
	uint32_t hdr;

	while (pos && n++ < EXT_MAX_CAPS) {
		const struct pa_vc_ext_policy *p;
		uint16_t id;

		if (pos < PA_VCONFIG_LEGACY_SIZE || (pos & 3) ||
		    pos + 4 > PA_VCONFIG_SPACE_SIZE) {
			pa_vc_log(vc, "extended capability link to 0x%x: list cut there", pos);
			break;
		}
		hdr = pa_vc_get(vc->host + pos, 4);
		if (!hdr || hdr == 0xffffffff)
			break;
		id = (uint16_t)PCI_EXT_CAP_ID(hdr);
		p = ext_policy(id);
		if (p && !ext_kept(kept_id, kept_n, id)) {
			if (pos < kept_end || pos + p->size > PA_VCONFIG_SPACE_SIZE) {
				pa_vc_log(vc, "extended capability %s at 0x%x overlaps or overruns: list cut there",
					  p->name, pos);
				break;
			}
			memcpy(vc->shadow + pos, vc->host + pos, p->size);
			for (size_t i = 0; i < p->fields.n; i++)
				pa_vc_apply_field(vc, pos, &p->fields.f[i], p->size);
			kept_id[kept_n] = id;
			kept_pos[kept_n++] = pos;
			kept_end = pos + p->size;
		}
		pos = PCI_EXT_CAP_NEXT(hdr);
	}
	if (n > EXT_MAX_CAPS)
		pa_vc_log(vc, "extended capability list loops: cut after %u", EXT_MAX_CAPS);

	/* Relink: each kept header points at the next kept one. */
	for (unsigned int i = 0; i < kept_n; i++) {
		unsigned int at = kept_pos[i];

		hdr = pa_vc_get(vc->host + at, 4);
		pa_vc_put(vc->shadow + at, 4,
			  EXT_HDR(PCI_EXT_CAP_ID(hdr), PCI_EXT_CAP_VER(hdr),
				  i + 1 < kept_n ? kept_pos[i + 1] : 0));
	}
	if (kept_n && kept_pos[0] != PA_VCONFIG_LEGACY_SIZE)
		pa_vc_put(vc->shadow + PA_VCONFIG_LEGACY_SIZE, 4, EXT_HDR(0, 0, kept_pos[0]));
}

uint16_t pa_vconfig_find_ext_cap(const struct pa_vconfig *vc, uint16_t id)
{
	unsigned int pos = PA_VCONFIG_LEGACY_SIZE, n = 0;
	uint32_t hdr;

	if (!vc || !id || vc->size < PA_VCONFIG_SPACE_SIZE)
		return 0;
	while (pos >= PA_VCONFIG_LEGACY_SIZE && !(pos & 3) &&
	       pos + 4 <= PA_VCONFIG_SPACE_SIZE && n++ < EXT_MAX_CAPS) {
		hdr = pa_vc_get(vc->shadow + pos, 4);
		if (!hdr)
			return 0;
		if (PCI_EXT_CAP_ID(hdr) == id)
			return (uint16_t)pos;
		pos = PCI_EXT_CAP_NEXT(hdr);
	}
	return 0;
}
