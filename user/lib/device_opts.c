// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Device options, "host=SSSS:BB:DD.F,id=,rombar=,romfile=,...": one table
 * entry a key, with its parser.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "libpciassign.h"
#include "msg.h"

void pa_device_opts_init(struct pa_device_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->rombar = true;
	o->share_intx = true;
	o->bootindex = -1;
}

static int pa_parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "on", "yes", "true", "1" };
	static const char *const no[] = { "off", "no", "false", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* A boolean option: @field of struct pa_device_opts. */
static int opt_bool(const char *key, const char *val, bool *field,
		    const struct pa_msg *m)
{
	int ret = pa_parse_bool(val, field);

	if (ret)
		pa_msgf(m, "%s='%s': expected on or off", key, val);
	return ret;
}

static int opt_host(const char *key, const char *val, struct pa_device_opts *o,
		    const struct pa_msg *m)
{
	int ret = pa_bdf_parse(val, &o->host);

	if (ret)
		pa_msgf(m, "%s='%s': not SSSS:BB:DD.F", key, val);
	return ret;
}

/* Copy @val into @dst of @size bytes when it fits: 0, else -EINVAL. */
static int opt_copy(const char *val, char *dst, size_t size)
{
	if (strlen(val) >= size)
		return -EINVAL;
	strcpy(dst, val);
	return 0;
}

static int opt_id(const char *key, const char *val, struct pa_device_opts *o,
		  const struct pa_msg *m)
{
	int ret = opt_copy(val, o->id, sizeof(o->id));

	if (ret)
		pa_msgf(m, "%s too long (max %zu)", key, sizeof(o->id) - 1);
	return ret;
}

static int opt_rombar(const char *key, const char *val, struct pa_device_opts *o,
		      const struct pa_msg *m)
{
	return opt_bool(key, val, &o->rombar, m);
}

static int opt_romfile(const char *key, const char *val, struct pa_device_opts *o,
		       const struct pa_msg *m)
{
	int ret = *val ? opt_copy(val, o->romfile, sizeof(o->romfile)) : -EINVAL;

	if (ret)
		pa_msgf(m, "%s: empty or too long path", key);
	return ret;
}

static int opt_bootindex(const char *key, const char *val, struct pa_device_opts *o,
			 const struct pa_msg *m)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (!*val || *end || errno || v < -1 || v > INT_MAX) {
		pa_msgf(m, "%s='%s': expected an integer >= -1", key, val);
		return -EINVAL;
	}
	o->bootindex = (int)v;
	return 0;
}

static int opt_prefer_msi(const char *key, const char *val, struct pa_device_opts *o,
			  const struct pa_msg *m)
{
	return opt_bool(key, val, &o->prefer_msi, m);
}

static int opt_share_intx(const char *key, const char *val, struct pa_device_opts *o,
			  const struct pa_msg *m)
{
	return opt_bool(key, val, &o->share_intx, m);
}

static const struct {
	const char *key;
	int (*parse)(const char *key, const char *val, struct pa_device_opts *o,
		     const struct pa_msg *m);
} opt_table[] = {
	{ "host", opt_host },		/* required: the first entry */
	{ "id", opt_id },
	{ "rombar", opt_rombar },
	{ "romfile", opt_romfile },
	{ "bootindex", opt_bootindex },
	{ "prefer_msi", opt_prefer_msi },
	{ "share_intx", opt_share_intx },
};

#define OPT_COUNT (sizeof(opt_table) / sizeof(opt_table[0]))

/* One "key=value" token over *o; *seen marks the keys given so far. */
static int opt_token(char *tok, struct pa_device_opts *o, unsigned int *seen,
		     const struct pa_msg *m)
{
	char *val = strchr(tok, '=');
	size_t k;

	if (!val) {
		pa_msgf(m, "'%s': expected key=value", tok);
		return -EINVAL;
	}
	*val++ = '\0';
	for (k = 0; k < OPT_COUNT; k++)
		if (!strcmp(tok, opt_table[k].key))
			break;
	if (k == OPT_COUNT) {
		pa_msgf(m, "unknown option '%s'", tok);
		return -EINVAL;
	}
	if (*seen & (1u << k)) {
		pa_msgf(m, "option '%s' given twice", tok);
		return -EINVAL;
	}
	*seen |= 1u << k;
	return opt_table[k].parse(opt_table[k].key, val, o, m);
}

int pa_device_opts_parse_msg(const char *s, struct pa_device_opts *o,
			     const struct pa_msg *m)
{
	unsigned int seen = 0;
	char *copy, *tok, *save = NULL;
	int ret = 0;

	if (!s || !o)
		return -EINVAL;
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok && !ret; tok = strtok_r(NULL, ",", &save))
		ret = opt_token(tok, o, &seen, m);
	free(copy);
	if (ret)
		return ret;
	if (!(seen & 1u)) {
		pa_msgf(m, "host= is required");
		return -EINVAL;
	}
	if (o->romfile[0] && !o->rombar) {
		/* No firmware channel here to hand a ROM over without its BAR. */
		pa_msgf(m, "romfile= needs rombar=on");
		return -EINVAL;
	}
	return 0;
}

int pa_device_opts_parse(const char *s, struct pa_device_opts *o,
			 char *err, size_t errlen)
{
	PA_MSG_BUF(m, err, errlen);

	return pa_device_opts_parse_msg(s, o, &m);
}
