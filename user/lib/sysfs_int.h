/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysfs helpers shared by sysfs.c (discovery) and bind.c (readiness
 * checks, bind and unbind). Not part of any API.
 */
#ifndef PA_SYSFS_INT_H
#define PA_SYSFS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "libpciassign.h"

#define PA_DRV "pciassign"

/* The roots of struct pa_host, or their defaults. */
const char *pa_sysfs_root(const struct pa_host *h);
const char *pa_proc_root(const struct pa_host *h);
const char *pa_dev_root(const struct pa_host *h);
const char *pa_state_dir(const struct pa_host *h);

/* Format into buf; -ENAMETOOLONG instead of silent truncation. */
int pa_fmt(char *buf, size_t len, const char *f, ...)
	__attribute__((format(printf, 3, 4)));
/* Format a message into buf (may be NULL): truncation is harmless there. */
void pa_textf(char *buf, size_t len, const char *f, ...)
	__attribute__((format(printf, 3, 4)));
/* <sysfs>/bus/pci/devices/<bdf>/<attr>, or "" when too long. */
void pa_dev_path(const struct pa_host *h, const struct pa_bdf *bdf,
		 const char *attr, char *buf, size_t len);
/* Read a small text file, NUL-terminated, trailing whitespace stripped. */
int pa_read_text(const char *path, char *buf, size_t len);
int pa_read_hex(const char *path, uint64_t *val);
/* The last path component of a symlink's target (driver, iommu_group). */
int pa_link_name(const char *path, char *buf, size_t len);
/* Write value to a sysfs attribute in one write(), as the kernel wants. */
int pa_write_attr(const struct pa_host *h, const char *path, const char *value);

#endif
