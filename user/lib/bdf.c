// SPDX-License-Identifier: LGPL-2.1-or-later
/* PCI address parsing and formatting. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "libpciassign.h"

/* Parse exactly one hex field of 1..maxdigits digits ending at stop. */
static int parse_hex_field(const char **p, char stop, int maxdigits,
			   unsigned long max, unsigned long *out)
{
	const char *s = *p;
	unsigned long v = 0;
	int n = 0;

	while (*s && *s != stop) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -EINVAL;
		if (++n > maxdigits)
			return -EINVAL;
		v = v * 16 + (unsigned long)d;
		s++;
	}
	if (n == 0 || *s != stop || v > max)
		return -EINVAL;
	*p = stop ? s + 1 : s;
	*out = v;
	return 0;
}

int pa_bdf_parse(const char *s, struct pa_bdf *out)
{
	unsigned long seg = 0, bus, dev, fn;
	const char *p = s;
	int colons = 0;

	if (!s || !out)
		return -EINVAL;
	for (const char *q = s; *q; q++)
		colons += *q == ':';
	if (colons == 2 && parse_hex_field(&p, ':', 4, 0xffff, &seg))
		return -EINVAL;
	if (colons != 1 && colons != 2)
		return -EINVAL;
	if (parse_hex_field(&p, ':', 2, 0xff, &bus) ||
	    parse_hex_field(&p, '.', 2, 0x1f, &dev) ||
	    parse_hex_field(&p, '\0', 1, 0x7, &fn))
		return -EINVAL;

	out->segment = (uint16_t)seg;
	out->bus = (uint8_t)bus;
	out->dev = (uint8_t)dev;
	out->fn = (uint8_t)fn;
	return 0;
}

void pa_bdf_format(const struct pa_bdf *bdf, char *buf)
{
	snprintf(buf, PA_BDF_STRLEN, "%04x:%02x:%02x.%x", bdf->segment,
		 bdf->bus, bdf->dev & 0x1f, bdf->fn & 0x7);
}
