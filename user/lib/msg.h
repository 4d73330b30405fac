/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library's error convention, inside: a function returns a negative
 * errno, and says why through an optional message sink (pa_msg_fn of
 * libpciassign.h with its opaque pointer). Not part of any API.
 */
#ifndef PA_MSG_H
#define PA_MSG_H

#include <stddef.h>

#include "libpciassign.h"

/* Where messages go; NULL, or a NULL fn: nowhere. */
struct pa_msg {
	pa_msg_fn fn;
	void *opaque;
};

/* Format one message and hand it to the sink. */
void pa_msgf(const struct pa_msg *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A sink that copies each message into a caller's buffer (truncated). */
struct pa_msg_buf {
	char *buf;
	size_t len;
};
void pa_msg_to_buf(void *opaque, const char *msg);

/* The ABI-0 "char *msg, size_t len" form of a sink (buf may be NULL). */
#define PA_MSG_BUF(name, b, l)						\
	struct pa_msg_buf name##_buf = { .buf = (b), .len = (l) };	\
	const struct pa_msg name = { .fn = (b) ? pa_msg_to_buf : NULL,	\
				     .opaque = &name##_buf }

/* Options parsing with a message sink (pa_device_opts_parse's core). */
int pa_device_opts_parse_msg(const char *s, struct pa_device_opts *o,
			     const struct pa_msg *m);

#endif
