/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpciassign: userspace side of pciassign device assignment.
 *
 * Conventions: functions return 0 (or a non-negative value) on success and
 * a negative errno on failure; the library has no global state. Where a
 * failure has more to say than its errno, the library says it as one
 * human-readable sentence to a message sink: a pa_msg_fn with its opaque
 * pointer (pa_vm_ops.log is one). The calls of API 0 that report to their
 * caller directly take a buffer the sink fills, truncating ("char *err,
 * size_t errlen": pa_device_opts_parse; "char *msg, size_t msglen":
 * pa_host_bind, pa_host_unbind); a NULL buffer: no message.
 */
#ifndef LIBPCIASSIGN_H
#define LIBPCIASSIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Everything declared here is the library's ABI: the library is built with
 * -fvisibility=hidden, and these declarations (only) are exported, under the
 * symbol version LIBPCIASSIGN_0 (user/lib/libpciassign.map).
 */
#if defined(__GNUC__) && __GNUC__ >= 4
#pragma GCC visibility push(default)
#endif

/* A message sink: one human-readable sentence, no newline. */
typedef void (*pa_msg_fn)(void *opaque, const char *msg);

/* A PCI function address, SSSS:BB:DD.F. */
struct pa_bdf {
	uint16_t segment;
	uint8_t bus;
	uint8_t dev;	/* 0..31 */
	uint8_t fn;	/* 0..7 */
};

/* Longest text form, "ssss:bb:dd.f", with its terminating NUL. */
#define PA_BDF_STRLEN 13

/*
 * Parse "SSSS:BB:DD.F" or "BB:DD.F" (segment 0), hex, case-insensitive.
 * Returns 0 or -EINVAL for anything else (trailing text, out-of-range
 * device or function, missing parts).
 */
int pa_bdf_parse(const char *s, struct pa_bdf *out);

/* Format as "ssss:bb:dd.f" into buf (at least PA_BDF_STRLEN bytes). */
void pa_bdf_format(const struct pa_bdf *bdf, char *buf);

/* Versions reported by the running module. */
struct pa_version {
	uint32_t api_version;
	uint32_t major, minor, patch;
};

/* Open /dev/pciassign (a new context). Returns an fd or -errno. */
int pa_context_open(void);

/* Query the module's versions on a context fd. */
int pa_get_version(int ctx_fd, struct pa_version *out);
/*
 * Whether the module has extension @ext (enum pciassign_extension of
 * <linux/pciassign.h>): 1 (or more) yes, 0 no or unknown to it, -errno.
 * A module older than the ioctl (ENOTTY) answers 0.
 */
int pa_check_extension(int ctx_fd, unsigned int ext);
/*
 * Tell KVM that the context's devices are assigned to the VM @vm_fd (-1:
 * no VM), which it needs before it posts their interrupts to vCPUs
 * (PCIASSIGN_SET_KVM). 0, -EOPNOTSUPP (this kernel or module cannot),
 * -EBUSY (linked to another VM) or another -errno.
 */
int pa_context_set_kvm(int ctx_fd, int vm_fd);

/* ==================== host discovery ==================== */
/*
 * Reading the host's PCI and IOMMU state from sysfs, judging whether a
 * function can be assigned, and handing functions to and from the
 * pciassign driver. Every call takes the roots it works under, so tests run
 * against fake trees.
 */
struct pa_host {
	const char *sysfs_root;	/* NULL: "/sys" */
	const char *proc_root;	/* NULL: "/proc" */
	const char *dev_root;	/* NULL: "/dev" */
	const char *state_dir;	/* NULL: "/run/pciassign" (saved host drivers) */
	/*
	 * Optional: called after every successful sysfs write with the path
	 * written and the value (tests use it to play the kernel's part).
	 */
	void (*wrote)(void *opaque, const char *path, const char *value);
	void *opaque;
};

#define PA_DRIVER_NAME_MAX 64
#define PA_REASON_MAX 320

/* One PCI function as sysfs shows it. */
struct pa_pci_func {
	struct pa_bdf bdf;
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys_device;
	uint32_t class_code;	/* base class << 16 | subclass << 8 | prog-if */
	uint8_t revision;
	uint8_t header_type;	/* layout (0 normal, 1 bridge, 2 cardbus) */
	bool multifunction;
	int iommu_group;	/* -1: not behind an IOMMU */
	char driver[PA_DRIVER_NAME_MAX];		/* "" when unbound */
	char driver_override[PA_DRIVER_NAME_MAX];	/* "" when unset */
};

/* Read one function. -ENODEV when it does not exist. */
int pa_host_get_func(const struct pa_host *h, const struct pa_bdf *bdf,
		     struct pa_pci_func *out);

/* Every PCI function, sorted by address. *out is malloc()ed: free() it. */
int pa_host_list_funcs(const struct pa_host *h, struct pa_pci_func **out,
		       size_t *count);

/* The PCI members of IOMMU group `group`, sorted. free() *out. */
int pa_host_group_members(const struct pa_host *h, int group,
			  struct pa_bdf **out, size_t *count);

/* Read up to len bytes of the function's config space. Returns bytes read. */
int pa_host_read_config(const struct pa_host *h, const struct pa_bdf *bdf,
			void *buf, size_t len);

/* Read a sysfs attribute of the function (trailing newline stripped). */
int pa_host_read_attr(const struct pa_host *h, const struct pa_bdf *bdf,
		      const char *attr, char *buf, size_t len);

/* One line of the sysfs `resource` file. */
struct pa_host_resource {
	uint64_t start, end, flags;	/* IORESOURCE_* flags; size end-start+1 */
};
#define PA_HOST_RES_IO		0x00000100ULL
#define PA_HOST_RES_MEM		0x00000200ULL
#define PA_HOST_RES_PREFETCH	0x00002000ULL
#define PA_HOST_RES_MEM64	0x00100000ULL
#define PA_HOST_NUM_RES		7	/* BAR0..5 and the ROM (index 6) */

/* Size of a resource, 0 when absent. */
uint64_t pa_host_res_size(const struct pa_host_resource *r);

/* BARs and ROM of a type-0 function (absent ones zeroed). */
int pa_host_read_resources(const struct pa_host *h, const struct pa_bdf *bdf,
			   struct pa_host_resource res[PA_HOST_NUM_RES]);

enum pa_verdict {
	PA_VERDICT_OK,		/* assignable */
	PA_VERDICT_ASSIGNED,	/* assignable, already bound to pciassign */
	PA_VERDICT_NO_IOMMU,	/* not behind an IOMMU */
	PA_VERDICT_BRIDGE,	/* bridges are never assigned */
	PA_VERDICT_GROUP,	/* another group member is bound to a host driver */
	PA_VERDICT_SRIOV_PF,	/* an SR-IOV PF with VFs enabled */
};

struct pa_assignability {
	enum pa_verdict verdict;
	bool assignable;
	struct pa_bdf offender;				/* PA_VERDICT_GROUP */
	char offender_driver[PA_DRIVER_NAME_MAX];	/* PA_VERDICT_GROUP */
	char reason[PA_REASON_MAX];	/* why, and what to do */
};

/*
 * Judge whether f can be assigned. Group members may be unbound, bound to
 * pciassign, or be bridges bound to pcieport (the module's own rule).
 */
int pa_host_assignability(const struct pa_host *h, const struct pa_pci_func *f,
			  struct pa_assignability *out);

enum pa_check_status { PA_CHECK_OK, PA_CHECK_WARN, PA_CHECK_FAIL };

/* One host readiness check. */
struct pa_check {
	const char *name;		/* static string */
	enum pa_check_status status;
	char detail[PA_REASON_MAX];	/* what was checked and found */
	char fix[PA_REASON_MAX];	/* what to do ("" when ok) */
};

#define PA_HOST_MAX_CHECKS 8

/*
 * Host readiness: IOMMU, interrupt remapping, module, device node and, when
 * bdf is not NULL, that function. Fills up to max entries; returns the count.
 */
int pa_host_check(const struct pa_host *h, const struct pa_bdf *bdf,
		  struct pa_check *out, size_t max);

/*
 * Hand a function to pciassign: remember its driver in the state directory,
 * set driver_override, unbind, re-probe, verify (rolled back on failure).
 * msg gets what was done, or why it failed and what to do.
 */
int pa_host_bind(const struct pa_host *h, const struct pa_bdf *bdf,
		 char *msg, size_t msglen);

/*
 * Give a function back: unbind from pciassign, clear driver_override,
 * re-probe, and bind the remembered driver if the probe did not.
 */
int pa_host_unbind(const struct pa_host *h, const struct pa_bdf *bdf,
		   char *msg, size_t msglen);

/* ================== end of host discovery ================== */

/* ---- device events (generic netlink, libnl-3) ---------------------- */

/* Mirrors enum pciassign_event of <linux/pciassign_netlink.h>. */
enum pa_event_type {
	PA_EVENT_BOUND,
	PA_EVENT_UNBOUND,
	PA_EVENT_ATTACHED,
	PA_EVENT_RELEASE_REQUESTED,
	PA_EVENT_RELEASED,
	PA_EVENT_REVOKED,
	PA_EVENT_ERROR,
};

/* Mirrors enum pciassign_dev_state. */
enum pa_dev_state {
	PA_STATE_BOUND,
	PA_STATE_ATTACHED,
	PA_STATE_RELEASING,
	PA_STATE_REVOKED,
};

/* One event, or one device of a dump (type is then -1). */
struct pa_event {
	int type;		/* enum pa_event_type, -1 for dump entries */
	char dev[PA_BDF_STRLEN];
	uint16_t vendor, device;
	int state;		/* enum pa_dev_state */
	uint32_t owner_pid;	/* 0 when not attached */
	char reason[128];	/* empty when none */
	uint32_t timeout_ms;	/* release deadline, for RELEASE_REQUESTED */
	int has_timeout;
	uint32_t error_state;	/* AER channel state, for ERROR */
	int has_error_state;
};

struct pa_events;

/* Subscribe to the module's event group. -ENOENT: module not loaded. */
int pa_events_open(struct pa_events **out);
/* The socket, for poll(); readable when pa_events_next has something. */
int pa_events_fd(const struct pa_events *ev);
/*
 * Wait up to timeout_ms (-1: forever) for the next event. Returns 1 with
 * *out filled, 0 on timeout, or -errno.
 */
int pa_events_next(struct pa_events *ev, struct pa_event *out, int timeout_ms);
void pa_events_close(struct pa_events *ev);

/* Devices bound to pciassign: fills up to max entries, returns the count. */
int pa_devices_dump(struct pa_event *out, size_t max);
/* Admin requests (CAP_NET_ADMIN): ask the owner to release, or revoke. */
int pa_device_request_release(const char *bdf);
int pa_device_revoke(const char *bdf);
/*
 * The module's own message (netlink extended ack) for this thread's last
 * failed request above, or "" when it gave none.
 */
const char *pa_netlink_error_message(void);

const char *pa_event_name(int type);
const char *pa_state_name(int state);
/* One JSON object, no newline; returns the length snprintf would. */
int pa_event_to_json(const struct pa_event *e, char *buf, size_t len);
/* One human-readable line, no newline. */
int pa_event_to_text(const struct pa_event *e, char *buf, size_t len);

/* ============ device assignment to KVM guests (device layer) ============ */
/*
 * An assigned device as a VMM sees it: a virtualized config space, BARs
 * mapped into guest memory (or trapped), an optional ROM, interrupts wired
 * to the VM and DMA through the context's IOMMU domain. The library talks
 * to the VM only through struct pa_vm_ops; pa_kvm (below) implements them
 * for a plain KVM VM fd.
 */

/* Options in the style "host=SSSS:BB:DD.F,id=,rombar=,romfile=,...". */
#define PA_DEVICE_ID_MAX	64
#define PA_DEVICE_PATH_MAX	256
struct pa_device_opts {
	struct pa_bdf host;		/* host=, required */
	char id[PA_DEVICE_ID_MAX];	/* id=, "" when not given */
	bool rombar;			/* rombar=, default on: expose a ROM BAR */
	char romfile[PA_DEVICE_PATH_MAX];	/* romfile=, "": the device's ROM */
	int bootindex;			/* bootindex=, -1 when not given */
	/*
	 * prefer_msi= (default off): deliver the guest's INTx from a host-side
	 * MSI vector when the device has MSI, instead of the host INTx line.
	 */
	bool prefer_msi;
	/*
	 * share_intx= (default on): in the original, mask host INTx with the
	 * PCI 2.3 INTx-disable bit so the line can be shared. pciassign.ko makes
	 * that choice itself (DisINTx whenever the device supports it), so the
	 * option is accepted for compatibility; off is logged as not applicable.
	 */
	bool share_intx;
};

/* Defaults: rombar on, share_intx on, prefer_msi off, bootindex -1. */
void pa_device_opts_init(struct pa_device_opts *o);

/*
 * Parse a comma-separated option string over the defaults. Booleans take
 * on/off, yes/no, true/false, 1/0. Returns 0 or -EINVAL (unknown or
 * repeated key, bad value, missing host=, romfile= with rombar=off); err
 * (may be NULL) gets the reason.
 */
int pa_device_opts_parse(const char *s, struct pa_device_opts *o,
			 char *err, size_t errlen);

/*
 * Validate an option ROM image: at least 3 bytes, 0x55 0xAA signature,
 * at most 16 MiB. *bar_size (may be NULL) gets the ROM BAR size: the length
 * rounded up to a power of two, at least 2 KiB. Returns 0, -EINVAL (bad
 * signature or too short) or -EFBIG.
 */
int pa_rom_validate(const void *img, size_t len, uint64_t *bar_size);

/* Read and validate a ROM file. *img is malloc()ed. 0 or -errno. */
int pa_rom_load_file(const char *path, void **img, size_t *len,
		     uint64_t *bar_size);

/* A trapped access: off is relative to the trap's base, len 1, 2, 4 or 8. */
typedef void (*pa_trap_fn)(void *arg, uint64_t off, void *data,
			   unsigned int len, bool is_write);

/* What the device layer needs from the VM. All return 0/-errno. */
struct pa_vm_ops {
	/*
	 * Map size bytes of host memory hva at guest-physical gpa. *slot is -1
	 * for a new mapping and gets a handle; size 0 removes mapping *slot.
	 */
	int (*memslot_set)(void *opaque, int *slot, uint64_t gpa,
			   uint64_t size, void *hva);
	/* Trap guest accesses to [addr, addr+size) (io: port space); fn NULL
	 * removes the trap registered at addr. */
	int (*trap_set)(void *opaque, bool io, uint64_t addr, uint64_t size,
			pa_trap_fn fn, void *arg);
	/* A free GSI (returned >= 0), and giving it back. */
	int (*gsi_alloc)(void *opaque);
	void (*gsi_free)(void *opaque, int gsi);
	/* Route gsi to an MSI message. */
	int (*gsi_set_msi)(void *opaque, int gsi, uint64_t addr, uint32_t data);
	/*
	 * Inject gsi when eventfd fd is signalled (resample_fd >= 0: level
	 * triggered, signalled at guest EOI); assign false removes it.
	 */
	int (*irqfd)(void *opaque, int gsi, int fd, int resample_fd, bool assign);
	/* The GSI that INTx pin (1..4) of guest function devfn on bus 0 drives. */
	int (*intx_gsi)(void *opaque, uint8_t devfn, uint8_t pin);
	/* Optional: a human-readable message. */
	pa_msg_fn log;
};

struct pa_device;

/*
 * Attach host function o->host to context ctx_fd and present it to the
 * guest as bus 0 function guest_devfn. The context must outlive the device.
 */
int pa_device_open(int ctx_fd, const struct pa_device_opts *o,
		   const struct pa_vm_ops *ops, void *opaque,
		   uint8_t guest_devfn, struct pa_device **out);

/*
 * The same over an already-attached device fd (privilege separation: a
 * helper opened it). The device takes ownership of dev_fd, also on error.
 */
int pa_device_open_fd(int dev_fd, const struct pa_device_opts *o,
		      const struct pa_vm_ops *ops, void *opaque,
		      uint8_t guest_devfn, struct pa_device **out);

/* Unmap, unroute and disable everything, close the device fd. NULL ok. */
void pa_device_close(struct pa_device *d);

/* Guest config access, len 1, 2 or 4, aligned. */
int pa_device_config_read(struct pa_device *d, uint16_t off, unsigned int len,
			  uint32_t *val);
int pa_device_config_write(struct pa_device *d, uint16_t off, unsigned int len,
			   uint32_t val);

/* The options it was opened with, and its device fd. */
const struct pa_device_opts *pa_device_get_opts(const struct pa_device *d);
int pa_device_fd(const struct pa_device *d);

/* Guest RAM for device DMA: IOVA = guest-physical address. */
int pa_dma_map(int ctx_fd, void *vaddr, uint64_t iova, uint64_t size,
	       bool writable);
int pa_dma_unmap(int ctx_fd, uint64_t iova, uint64_t size);

/* ---- KVM wiring: struct pa_vm_ops over a KVM VM fd ---- */
struct pa_kvm;

/*
 * Wrap vm_fd (which must have an in-kernel irqchip): memslot and GSI
 * allocation, the GSI routing table (PIC/IOAPIC defaults plus MSI
 * routes), irqfds and a trap table. vm_fd stays the caller's.
 */
int pa_kvm_new(int vm_fd, struct pa_kvm **out);
void pa_kvm_free(struct pa_kvm *k);

/* The ops to pass to pa_device_open() with the pa_kvm as opaque. */
extern const struct pa_vm_ops pa_kvm_vm_ops;

/* Map guest RAM (a memslot). */
int pa_kvm_add_ram(struct pa_kvm *k, uint64_t gpa, uint64_t size, void *hva);

/*
 * Run the trap covering a guest access, if any. Returns true when one did
 * (data filled on reads).
 */
bool pa_kvm_dispatch(struct pa_kvm *k, bool io, uint64_t addr, void *data,
		     unsigned int len, bool is_write);

/* INTx swizzle used by pa_kvm: GSI 16 + ((slot + pin - 1) & 3). */
int pa_kvm_intx_gsi(uint8_t devfn, uint8_t pin);

/* ========== end of device assignment to KVM guests ========== */

#if defined(__GNUC__) && __GNUC__ >= 4
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* LIBPCIASSIGN_H */
