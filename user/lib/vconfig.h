/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vconfig: the config-space virtualization engine of libpciassign.
 *
 * One engine instance virtualizes the PCI configuration space of one
 * assigned function. It reads the host device's real config space once at
 * creation (through ops->read), builds a 4 KiB guest-visible shadow and
 * four per-byte tables:
 *
 *   emulated  bits served from the shadow; the other bits are read live
 *             from the device on every guest read ("live" bits)
 *   wmask     guest-writable bits of the shadow
 *   w1c       write-1-to-clear bits of the shadow
 *   passthru  bits whose guest writes are forwarded to the device
 *             (ops->write); all other guest writes stay in the shadow
 *
 * The tables are filled from declarative policies (one for the type-0
 * header, one per capability ID) in vconfig.c / vconfig_caps.c /
 * vconfig_pcie.c / vconfig_ext.c; device quirks (a table by vendor and
 * device ID) in vconfig_quirks.c.
 *
 * Policy summary:
 *   - type-0 header only (bridges are refused with -EINVAL);
 *   - vendor/device/subsystem IDs, revision, class, pin: from the device,
 *     read-only; BIST reads 0; header type multifunction bit from opts;
 *   - BARs and the expansion ROM BAR fully emulated (sizes from opts, type
 *     bits from the device), never written to the device;
 *   - command: I/O, memory, bus master and INTx-disable are tracked in the
 *     shadow and forwarded; all other command bits read 0 and are dropped;
 *     the shadow starts at 0 (nothing is written to the device at init);
 *   - status: capability-list bit follows the rebuilt chain, interrupt
 *     status bit live, error bits emulated write-1-to-clear;
 *   - a capability list that loops, is misaligned, points below 0x40, or
 *     whose known layouts overlap (even a hidden duplicate's; a hidden PCIe
 *     capability of unsupported version or size counts with the full v2
 *     layout) is refused;
 *   - capabilities re-linked at their device offsets: MSI, MSI-X, PM,
 *     PCIe, PCI-X (first instance of each), VPD and every vendor-specific
 *     capability; everything else is unlinked and reads 0;
 *   - MSI and MSI-X control/address/data/mask registers are pure shadow
 *     state: the library programs the real interrupts through the kernel;
 *   - extended config space (0x100..0xfff) of PCIe functions: AER and DSN
 *     (first instance of each) kept at their device offsets and relinked
 *     (vconfig_ext.c: AER's status and header log live and read-only, its
 *     masks and severities the guest's own, the rest read-only; DSN
 *     read-only);
 *     everything else reads 0 and drops writes. If the capability at 0x100
 *     is hidden, 0x100 holds an ID-0 header linking to the first kept one.
 *
 * Conventions: functions return 0 or a negative errno; there is no global
 * state; one instance must not be used from two threads at once.
 */
#ifndef PA_VCONFIG_H
#define PA_VCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PA_VCONFIG_SPACE_SIZE	4096	/* the shadow always covers this */
#define PA_VCONFIG_LEGACY_SIZE	256
#define PA_VCONFIG_NUM_BARS	6
#define PA_VCONFIG_ROM_INDEX	6	/* index of the ROM BAR in BAR calls */

struct pa_vconfig;

/* Change notifications (ops->notify). */
enum pa_vconfig_event {
	/*
	 * The effective mapping of BAR `index` (0..5, or PA_VCONFIG_ROM_INDEX)
	 * changed: it was mapped or unmapped, or moved while mapped. Query it
	 * with pa_vconfig_get_bar().
	 */
	PA_VCONFIG_EV_BAR,
	/* The guest changed the command register (index 0). */
	PA_VCONFIG_EV_COMMAND,
	/* The guest changed MSI enable, vector count, address, data or mask. */
	PA_VCONFIG_EV_MSI,
	/* The guest changed MSI-X enable or function mask. */
	PA_VCONFIG_EV_MSIX,
	/* The guest changed the interrupt line register (index 0). */
	PA_VCONFIG_EV_INTX,
};

/* Access to the device's real config space, and notifications. */
struct pa_vconfig_ops {
	/* Read len bytes at off (1, 2, 4 or a larger init read). 0 or -errno. */
	int (*read)(void *opaque, uint16_t off, void *buf, size_t len);
	/* Write len (1, 2 or 4) bytes at off. 0 or -errno. */
	int (*write)(void *opaque, uint16_t off, const void *buf, size_t len);
	/* Optional: called after a guest write changed guest-visible state. */
	void (*notify)(void *opaque, enum pa_vconfig_event ev,
		       unsigned int index);
	/* Optional: a human-readable message (why init failed, warnings). */
	void (*log)(void *opaque, const char *msg);
};

/* Creation options. Zero-initialized means: no BARs, no ROM, single function. */
struct pa_vconfig_opts {
	/*
	 * Size in bytes of each BAR as the kernel reports it (0: the BAR is
	 * absent and reads 0). The type (I/O, 64-bit, prefetchable) comes from
	 * the device's BAR register. For a 64-bit BAR the next entry is its
	 * upper half and is ignored. Sizes must be powers of two, at least 16
	 * for memory and 4 for I/O, and fit the BAR type.
	 */
	uint64_t bar_size[PA_VCONFIG_NUM_BARS];
	/* Expansion ROM size (0: no ROM BAR, like rombar=0). Power of two >= 2 KiB. */
	uint64_t rom_size;
	/* Report the function as part of a multi-function device. */
	bool multifunction;
	/* The guest's bus number and devfn, reported in the PCI-X status. */
	uint8_t guest_bus;
	uint8_t guest_devfn;
	/* Guest-visible size: 0 (auto: 4096 with a PCIe capability, else 256), 256 or 4096. */
	uint16_t config_size;
};

/*
 * Create an engine: read the device's config space through ops->read,
 * validate it and build the shadow. ops->read and ops->write are required.
 * Returns 0 and sets *out, or -EINVAL (bad options, bridge header, broken
 * or unsupported capability list, non-endpoint PCIe port), -ENOMEM, or the
 * error returned by ops->read. The reason is passed to ops->log.
 */
int pa_vconfig_new(const struct pa_vconfig_ops *ops, void *opaque,
		   const struct pa_vconfig_opts *opts, struct pa_vconfig **out);

/* Destroy an engine (NULL is accepted). */
void pa_vconfig_free(struct pa_vconfig *vc);

/*
 * Guest read of len (1, 2 or 4) bytes at off, which must be aligned to len.
 * Offsets at or beyond the guest-visible size read 0. Little-endian value
 * in *val. Returns 0, -EINVAL for a bad size or alignment, or the error of
 * ops->read when live bits had to be fetched (then *val is all ones).
 */
int pa_vconfig_read(struct pa_vconfig *vc, uint16_t off, unsigned int len,
		    uint32_t *val);

/*
 * Guest write of len (1, 2 or 4) bytes at off, aligned to len. Writable bits
 * update the shadow, write-1-to-clear bits are cleared, passthrough bits are
 * forwarded to the device (read-modify-write of the smallest aligned span
 * that holds them), then ops->notify is called for every change. Writes at
 * or beyond the guest-visible size are ignored. Returns 0, -EINVAL, or the
 * error of ops->read/ops->write during forwarding (the shadow is updated
 * regardless).
 */
int pa_vconfig_write(struct pa_vconfig *vc, uint16_t off, unsigned int len,
		     uint32_t val);

/*
 * Return the shadow to its state right after pa_vconfig_new() (for a guest
 * reset or after a device reset). Notifies about what changed. Nothing is
 * written to the device.
 */
void pa_vconfig_reset(struct pa_vconfig *vc);

/* Guest-visible config space size: 256 or 4096. */
unsigned int pa_vconfig_size(const struct pa_vconfig *vc);

/* Offset of the exposed capability `id` in the guest chain, or 0. */
uint8_t pa_vconfig_find_cap(const struct pa_vconfig *vc, uint8_t id);
/* Offset of extended capability @id in the guest's view, or 0. */
uint16_t pa_vconfig_find_ext_cap(const struct pa_vconfig *vc, uint16_t id);

/* State of one BAR as programmed by the guest. */
struct pa_vconfig_bar {
	uint64_t size;		/* 0: absent */
	uint64_t addr;		/* guest-programmed base, flag bits stripped */
	bool io;		/* I/O space BAR */
	bool mem64;		/* 64-bit memory BAR (covers index + 1) */
	bool prefetch;		/* prefetchable memory */
	bool enabled;		/* decoding on: command I/O or memory bit (and ROM enable) */
	/*
	 * The guest mapping is live: enabled, and addr is a usable address
	 * (not 0, no wrap past the 4 GiB / 64 KiB limit of 32-bit memory and
	 * I/O BARs, not the all-ones sizing pattern).
	 */
	bool mapped;
};

/* BAR index 0..5 or PA_VCONFIG_ROM_INDEX. 0 or -EINVAL. */
int pa_vconfig_get_bar(const struct pa_vconfig *vc, unsigned int index,
		       struct pa_vconfig_bar *out);

/* Guest MSI state (pure shadow state). */
struct pa_vconfig_msi {
	bool present;
	bool enabled;
	bool is64;
	bool maskable;		/* per-vector masking */
	uint8_t cap;		/* capability offset */
	uint8_t max_vectors;	/* 1..32, from Multiple Message Capable */
	uint8_t vectors;	/* enabled count: Multiple Message Enable, clamped */
	uint64_t address;
	uint16_t data;
	uint32_t mask;		/* per-vector mask bits (0 if not maskable) */
};

/* 0 (present false without an MSI capability). */
int pa_vconfig_get_msi(const struct pa_vconfig *vc, struct pa_vconfig_msi *out);

/* Guest MSI-X state. */
struct pa_vconfig_msix {
	bool present;
	bool enabled;
	bool masked;		/* function mask */
	uint8_t cap;
	uint16_t table_size;	/* number of entries */
	uint8_t table_bir;
	uint32_t table_offset;
	uint8_t pba_bir;
	uint32_t pba_offset;
};

/* 0 (present false without an MSI-X capability). */
int pa_vconfig_get_msix(const struct pa_vconfig *vc, struct pa_vconfig_msix *out);

/* Guest INTx state. */
struct pa_vconfig_intx {
	uint8_t pin;		/* 0: no INTx, 1..4: INTA..INTD (from the device) */
	uint8_t line;		/* guest-written interrupt line */
	bool disabled;		/* command INTx-disable bit */
};

/* 0. */
int pa_vconfig_get_intx(const struct pa_vconfig *vc, struct pa_vconfig_intx *out);

/* Guest command register value (shadow). */
uint16_t pa_vconfig_command(const struct pa_vconfig *vc);

#endif /* PA_VCONFIG_H */
