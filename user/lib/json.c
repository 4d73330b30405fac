// SPDX-License-Identifier: LGPL-2.1-or-later
/* A tiny streaming JSON writer: compact output, escaped strings. */
#include <errno.h>
#include <string.h>

#include "json.h"

void pa_json_init(struct pa_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

void pa_json_write_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	fputc('"', f);
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			/* Other control bytes and DEL as \u escapes. */
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* Separator and key before a value at the current level. */
static void prefix(struct pa_json *j, const char *key)
{
	if (j->depth > 0) {
		if (j->need_comma[j->depth - 1])
			fputc(',', j->f);
		j->need_comma[j->depth - 1] = true;
	}
	if (key) {
		pa_json_write_string(j->f, key);
		fputc(':', j->f);
	}
}

static void open_level(struct pa_json *j, const char *key, char c)
{
	prefix(j, key);
	fputc(c, j->f);
	if (j->depth >= PA_JSON_MAX_DEPTH) {
		j->error = true;
		return;
	}
	j->need_comma[j->depth++] = false;
}

static void close_level(struct pa_json *j, char c)
{
	if (j->depth <= 0)
		j->error = true;
	else
		j->depth--;
	fputc(c, j->f);
}

void pa_json_obj_begin(struct pa_json *j, const char *key)
{
	open_level(j, key, '{');
}

void pa_json_obj_end(struct pa_json *j)
{
	close_level(j, '}');
}

void pa_json_arr_begin(struct pa_json *j, const char *key)
{
	open_level(j, key, '[');
}

void pa_json_arr_end(struct pa_json *j)
{
	close_level(j, ']');
}

void pa_json_str(struct pa_json *j, const char *key, const char *val)
{
	prefix(j, key);
	pa_json_write_string(j->f, val);
}

void pa_json_int(struct pa_json *j, const char *key, long long val)
{
	prefix(j, key);
	fprintf(j->f, "%lld", val);
}

void pa_json_uint(struct pa_json *j, const char *key, unsigned long long val)
{
	prefix(j, key);
	fprintf(j->f, "%llu", val);
}

void pa_json_bool(struct pa_json *j, const char *key, bool val)
{
	prefix(j, key);
	fputs(val ? "true" : "false", j->f);
}

void pa_json_null(struct pa_json *j, const char *key)
{
	prefix(j, key);
	fputs("null", j->f);
}

int pa_json_finish(struct pa_json *j)
{
	fputc('\n', j->f);
	return j->error || j->depth ? -EINVAL : 0;
}
