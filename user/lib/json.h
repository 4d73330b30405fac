/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A tiny streaming JSON writer (internal to libpciassign and its tools).
 * Keys are given for members of objects and NULL for array elements.
 */
#ifndef PA_JSON_H
#define PA_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define PA_JSON_MAX_DEPTH 16

struct pa_json {
	FILE *f;
	int depth;
	bool need_comma[PA_JSON_MAX_DEPTH];
	bool error;		/* nesting overflow or underflow */
};

void pa_json_init(struct pa_json *j, FILE *f);
void pa_json_obj_begin(struct pa_json *j, const char *key);
void pa_json_obj_end(struct pa_json *j);
void pa_json_arr_begin(struct pa_json *j, const char *key);
void pa_json_arr_end(struct pa_json *j);
void pa_json_str(struct pa_json *j, const char *key, const char *val);
void pa_json_int(struct pa_json *j, const char *key, long long val);
void pa_json_uint(struct pa_json *j, const char *key, unsigned long long val);
void pa_json_bool(struct pa_json *j, const char *key, bool val);
void pa_json_null(struct pa_json *j, const char *key);
/* End of the document: a newline; returns 0, or -EINVAL if unbalanced. */
int pa_json_finish(struct pa_json *j);

/* Write s as a JSON string literal (quotes included). */
void pa_json_write_string(FILE *f, const char *s);

#endif /* PA_JSON_H */
