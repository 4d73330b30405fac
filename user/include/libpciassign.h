/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpciassign: userspace side of pciassign device assignment.
 *
 * Conventions: functions return 0 (or a non-negative value) on success and
 * a negative errno on failure; the library has no global state.
 */
#ifndef LIBPCIASSIGN_H
#define LIBPCIASSIGN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

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

/* ==================== host discovery ==================== */
/*
 * Reading the host's PCI and IOMMU state from sysfs, judging whether a
 * function can be assigned, and handing functions to and from the
 * pciassign driver. Every call takes the roots it works under, so tests run
 * against fake trees.
 */
#include <stdbool.h>

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

const char *pa_event_name(int type);
const char *pa_state_name(int state);
/* One JSON object, no newline; returns the length snprintf would. */
int pa_event_to_json(const struct pa_event *e, char *buf, size_t len);
/* One human-readable line, no newline. */
int pa_event_to_text(const struct pa_event *e, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* LIBPCIASSIGN_H */
