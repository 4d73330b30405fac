/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Library-internal file helpers (hidden in the shared library; the CLI and
 * the VMM use them through the static one). Not part of any API.
 */
#ifndef PA_FILE_H
#define PA_FILE_H

#include <stddef.h>

/*
 * Read the whole regular file @path, at most @max bytes. With *buf NULL
 * the buffer is malloc()ed (the caller frees it), else the file goes into
 * *buf, which has room for @max bytes. *len gets its size (possibly 0).
 * Returns 0, -EINVAL (not a regular file), -EFBIG (larger than @max),
 * -ENOMEM, -EIO (shorter than it said) or the -errno of open/fstat/read.
 */
int pa_read_file(const char *path, size_t max, void **buf, size_t *len);

#endif
