/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vconfig internals shared by vconfig.c, vconfig_caps.c, vconfig_pcie.c,
 * vconfig_ext.c and vconfig_quirks.c. Not part of any API.
 */
#ifndef PA_VCONFIG_INT_H
#define PA_VCONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vconfig.h"

#define PA_VC_MAX_CAPS	48	/* (0x100 - 0x40) / 4 */

/*
 * One register (or part of one) of a policy, relative to the header or to
 * the capability start. Little-endian masks over len bytes.
 */
struct pa_vc_field {
	uint8_t off;
	uint8_t len;		/* 1, 2 or 4 */
	uint32_t keep;		/* device bits copied into the shadow at init */
	uint32_t set;		/* bits forced to 1 in the shadow at init */
	uint32_t live;		/* bits read from the device, not the shadow */
	uint32_t wmask;		/* guest-writable shadow bits */
	uint32_t w1c;		/* write-1-to-clear shadow bits */
	uint32_t pass;		/* guest writes forwarded to the device */
};

struct pa_vc_field_list {
	const struct pa_vc_field *f;
	size_t n;
};

#define PA_VC_FIELDS(a) { (a), sizeof(a) / sizeof((a)[0]) }

/*
 * How one capability ID is exposed. Bytes of a kept capability not covered
 * by a field are a read-only snapshot of the device. Bytes from direct_from
 * to the end are read from and written to the device unchanged.
 */
struct pa_vc_cap_policy {
	uint8_t id;
	const char *name;
	bool all_instances;	/* keep every instance, not only the first */
	uint8_t direct_from;	/* 0: no direct bytes */
	/* Size of the instance at pos, or -EINVAL (after logging why). */
	int (*size)(struct pa_vconfig *vc, uint8_t pos);
	/*
	 * Extent of a hidden instance whose size() fails (0: only its 2-byte
	 * header): the largest layout the ID can have, so the overlap check
	 * still protects registers that every version of it places at fixed
	 * offsets (e.g. PCIe device control).
	 */
	uint8_t fallback_size;
	/* Optional validation after sizing: 0 or -EINVAL. */
	int (*check)(struct pa_vconfig *vc, uint8_t pos, unsigned int size);
	/* Optional: which of fields[] applies to this instance. */
	unsigned int (*variant)(const struct pa_vconfig *vc, uint8_t pos);
	struct pa_vc_field_list fields[4];
	/* Optional: masks or values the tables cannot express. */
	void (*fixup)(struct pa_vconfig *vc, uint8_t pos, unsigned int size);
};

/*
 * What device quirks change in how the device's config space is read:
 * set by the fixups of vconfig_quirks.c, consulted by the policies.
 */
struct pa_vc_quirks {
	bool pcie_v0_is_v2;	/* PCIe capability version 0 is a v2 structure */
};

struct pa_vconfig {
	struct pa_vconfig_ops ops;
	void *opaque;
	struct pa_vconfig_opts opts;
	struct pa_vc_quirks quirks;
	unsigned int size;			/* guest-visible */

	uint8_t host[PA_VCONFIG_SPACE_SIZE];	/* device config at init */
	uint8_t shadow[PA_VCONFIG_SPACE_SIZE];
	uint8_t emu[PA_VCONFIG_SPACE_SIZE];
	uint8_t wmask[PA_VCONFIG_SPACE_SIZE];
	uint8_t w1c[PA_VCONFIG_SPACE_SIZE];
	uint8_t pass[PA_VCONFIG_SPACE_SIZE];
	uint8_t init_shadow[PA_VCONFIG_SPACE_SIZE];

	/* BAR i is the upper half of 64-bit BAR i - 1 (fixed at init). */
	bool bar_upper[PA_VCONFIG_NUM_BARS];

	uint8_t ncaps;				/* kept capabilities */
	uint8_t cap_pos[PA_VC_MAX_CAPS];
	uint8_t cap_id[PA_VC_MAX_CAPS];
	uint8_t cap_size[PA_VC_MAX_CAPS];
};

/* Little-endian helpers over the byte arrays. */
uint32_t pa_vc_get(const uint8_t *p, unsigned int len);
void pa_vc_put(uint8_t *p, unsigned int len, uint32_t v);

void pa_vc_log(struct pa_vconfig *vc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Apply one field at base (absolute offset of the header or capability). */
void pa_vc_apply_field(struct pa_vconfig *vc, unsigned int base,
		       const struct pa_vc_field *f, unsigned int limit);

/*
 * Run the fixups of the quirk table's entries for the device's vendor and
 * device ID (vconfig_quirks.c): once, before the policies read vc->host.
 */
void pa_vc_apply_quirks(struct pa_vconfig *vc);

/* Walk, validate and rebuild the capability chain into the shadow. */
int pa_vc_build_caps(struct pa_vconfig *vc);

/* Keep the table's extended capabilities, relinked (vconfig_ext.c). */
void pa_vc_build_ext_caps(struct pa_vconfig *vc);

/* The PCIe capability policy (vconfig_pcie.c). */
extern const struct pa_vc_cap_policy pa_vc_pcie_policy;

#endif /* PA_VCONFIG_INT_H */
