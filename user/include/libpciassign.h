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

#ifdef __cplusplus
}
#endif

#endif /* LIBPCIASSIGN_H */
