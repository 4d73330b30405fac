// SPDX-License-Identifier: LGPL-2.1-or-later
/* Library-internal file helpers (file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

int pa_read_file(const char *path, size_t max, void **buf, size_t *len)
{
	struct stat st;
	uint8_t *dst = *buf;
	size_t done = 0;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		ret = -EFBIG;
		goto out;
	}
	if (!dst) {
		dst = malloc(st.st_size ? (size_t)st.st_size : 1);
		if (!dst) {
			ret = -ENOMEM;
			goto out;
		}
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, dst + done, (size_t)st.st_size - done);

		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			if (!*buf)
				free(dst);
			goto out;
		}
		done += (size_t)n;
	}
	*buf = dst;
	*len = done;
out:
	close(fd);
	return ret;
}
