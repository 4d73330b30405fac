// SPDX-License-Identifier: LGPL-2.1-or-later
/* Option ROM images: validation, and loading a romfile= image. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "libpciassign.h"
#include "file.h"
#include "rom.h"

int pa_rom_validate(const void *img, size_t len, uint64_t *bar_size)
{
	const uint8_t *b = img;
	uint64_t size = PA_ROM_MIN_BAR;

	if (!img || len < 3 || b[0] != 0x55 || b[1] != 0xaa)
		return -EINVAL;
	if (len > PA_ROM_MAX)
		return -EFBIG;
	while (size < len)
		size <<= 1;
	if (bar_size)
		*bar_size = size;
	return 0;
}

int pa_rom_load_file(const char *path, void **img, size_t *len,
		     uint64_t *bar_size)
{
	void *buf = NULL;
	size_t n;
	int ret;

	ret = pa_read_file(path, PA_ROM_MAX, &buf, &n);
	if (ret)
		return ret;
	ret = pa_rom_validate(buf, n, bar_size);
	if (ret) {
		free(buf);
		return ret;
	}
	*img = buf;
	*len = n;
	return 0;
}
