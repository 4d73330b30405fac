// SPDX-License-Identifier: LGPL-2.1-or-later
/* Message sinks (msg.h). */
#include <stdarg.h>
#include <stdio.h>

#include "msg.h"

void pa_msgf(const struct pa_msg *m, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	if (!m || !m->fn)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	m->fn(m->opaque, text);
}

void pa_msg_to_buf(void *opaque, const char *msg)
{
	struct pa_msg_buf *b = opaque;

	if (b->buf && b->len)
		snprintf(b->buf, b->len, "%s", msg);
}
