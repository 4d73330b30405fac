// SPDX-License-Identifier: GPL-2.0
/* pciassign bind / unbind / check: preparing the host and its devices. */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"

/* The result of bind/unbind as one JSON object. */
static void json_result(const char *bdf, bool ok, const char *msg, const char *note,
			const char *owner)
{
	struct pa_json j;

	pa_json_init(&j, stdout);
	pa_json_obj_begin(&j, NULL);
	pa_json_str(&j, "bdf", bdf);
	pa_json_bool(&j, "ok", ok);
	pa_json_str(&j, "message", msg);
	if (note && note[0])
		pa_json_str(&j, "note", note);
	else
		pa_json_null(&j, "note");
	if (owner && owner[0])
		pa_json_str(&j, "owner", owner);
	else
		pa_json_null(&j, "owner");
	pa_json_obj_end(&j);
	pa_json_finish(&j);
}

/*
 * --owner USER, :GROUP, a number of either, or "any", as the owner
 * attribute's value ("uid N", "gid N", "any"). Returns 0 or -1 with the
 * message printed.
 */
int cli_owner_value(const char *spec, char *out, size_t len)
{
	const char *name = spec;
	bool group = false;
	unsigned long id;
	char *end;

	if (!strcmp(spec, "any")) {
		snprintf(out, len, "any");
		return 0;
	}
	if (*name == ':') {
		group = true;
		name++;
	}
	if (!*name) {
		cli_err("bind: --owner '%s': give USER, :GROUP or any", spec);
		return -1;
	}
	errno = 0;
	id = strtoul(name, &end, 10);
	if (*name >= '0' && *name <= '9' && !*end) {
		if (errno || id > 0xfffffffeUL) {
			cli_err("bind: --owner '%s': %s %s out of range", spec,
				group ? "gid" : "uid", name);
			return -1;
		}
	} else if (group) {
		struct group *g = getgrnam(name);

		if (!g) {
			cli_err("bind: --owner '%s': no group '%s'", spec, name);
			return -1;
		}
		id = g->gr_gid;
	} else {
		struct passwd *p = getpwnam(name);

		if (!p) {
			cli_err("bind: --owner '%s': no user '%s' (a group is written :GROUP)",
				spec, name);
			return -1;
		}
		id = p->pw_uid;
	}
	snprintf(out, len, "%s %lu", group ? "gid" : "uid", id);
	return 0;
}

/* snprintf into a message buffer; a long path may cut it short. */
static void say(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* Write the owner attribute of a device bound to pciassign. */
static int write_owner(const struct cli *c, const char *bdf, const char *value,
		       char *msg, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/bus/pci/drivers/pciassign/%s/owner",
		 c->host.sysfs_root ? c->host.sysfs_root : "/sys", bdf);
	if (access(path, F_OK)) {
		say(msg, len,
			 "%s has no owner attribute (%s): this pciassign module predates per-device owners; update it, or leave out --owner",
			 bdf, path);
		return -ENOENT;
	}
	f = fopen(path, "we");
	if (!f) {
		ret = -errno;
	} else {
		if (fprintf(f, "%s\n", value) < 0)
			ret = -EIO;
		if (fclose(f) && !ret)
			ret = -errno;
	}
	if (ret)
		say(msg, len, "cannot write '%s' to %s: %s%s", value, path, strerror(-ret),
			 ret == -EACCES || ret == -EPERM ? " (run as root)" : "");
	return ret;
}

/*
 * Before anything of the host changes: the module must be loaded (its PCI
 * driver registered) and the host must have an IOMMU. Returns 0 or 1 with
 * the message printed.
 */
static int bind_precheck(const struct cli *c, const char *bdf, char *msg, size_t len)
{
	struct pa_check checks[PA_HOST_MAX_CHECKS];
	int n = pa_host_check(&c->host, NULL, checks, PA_HOST_MAX_CHECKS);

	for (int i = 0; i < n; i++) {
		if (checks[i].status != PA_CHECK_FAIL)
			continue;
		if (strcmp(checks[i].name, "module") && strcmp(checks[i].name, "iommu"))
			continue;
		say(msg, len, "%s left as it is: %s; to do: %s", bdf, checks[i].detail,
			 checks[i].fix);
		return 1;
	}
	return 0;
}

/*
 * Bind one function and set its owner (owner: an attribute value, or
 * NULL). The steps done go into msg, a failure's reason too; *what says
 * which step failed. Returns 0 or -errno.
 */
int cli_bind_one(const struct cli *c, const struct pa_bdf *bdf, const char *owner,
		 char *msg, size_t len, const char **what)
{
	char name[PA_BDF_STRLEN], omsg[512];
	size_t used;
	int ret;

	pa_bdf_format(bdf, name);
	*what = "bind failed";
	if (bind_precheck(c, name, msg, len))
		return -ENODEV;
	ret = pa_host_bind(&c->host, bdf, msg, len);
	if (ret || !owner)
		return ret;
	ret = write_owner(c, name, owner, omsg, sizeof(omsg));
	used = strlen(msg);
	if (ret) {
		*what = "bound, but the owner was not set";
		say(msg + used, len - used, "; %s", omsg);
	} else {
		say(msg + used, len - used, "; owner %s", owner);
	}
	return ret;
}

int cmd_bind(struct cli *c)
{
	char msg[1024], note[PA_REASON_MAX + 64] = "", owner[64] = "", name[PA_BDF_STRLEN];
	struct pa_assignability a;
	const char *what;
	struct pa_pci_func f;
	struct pa_bdf bdf;
	int ret;

	if (cli_bdf_arg(c, "bind", &bdf))
		return CLI_USAGE;
	pa_bdf_format(&bdf, name);
	/* A bad --owner is a usage error, found before anything is done. */
	if (c->owner && cli_owner_value(c->owner, owner, sizeof(owner)))
		return CLI_USAGE;
	ret = cli_bind_one(c, &bdf, c->owner ? owner : NULL, msg, sizeof(msg), &what);
	if (!ret && c->persistent) {
		char pmsg[512];
		size_t used = strlen(msg);

		ret = pa_host_get_func(&c->host, &bdf, &f);
		if (!ret)
			ret = cli_persist_save(c, &f, c->owner ? owner : NULL, pmsg, sizeof(pmsg));
		else
			snprintf(pmsg, sizeof(pmsg), "%s vanished", name);
		if (ret)
			what = "bound, but not for the next boot";
		say(msg + used, sizeof(msg) - used, "; %s", pmsg);
	}
	if (ret) {
		cli_err("%s: %s", what, msg);
		if (c->json)
			json_result(name, false, msg, NULL, NULL);
		return CLI_FAIL;
	}
	/* Binding one member of a group is a step, not an error: say what is left. */
	if (!pa_host_get_func(&c->host, &bdf, &f) && !pa_host_assignability(&c->host, &f, &a) &&
	    !a.assignable)
		snprintf(note, sizeof(note), "not attachable yet: %s", a.reason);
	if (c->json) {
		char now[64];

		cli_read_owner(c, &bdf, now, sizeof(now));
		json_result(name, true, msg, note, now);
		return CLI_OK;
	}
	printf("%s\n", msg);
	if (note[0])
		fprintf(stderr, "pciassign: note: %s\n", note);
	return CLI_OK;
}

int cmd_unbind(struct cli *c)
{
	char name[PA_BDF_STRLEN], path[PATH_MAX];
	struct pa_pci_func f;
	struct pa_bdf bdf;
	char msg[1024];
	int ret;

	if (cli_bdf_arg(c, "unbind", &bdf))
		return CLI_USAGE;
	pa_bdf_format(&bdf, name);
	ret = pa_host_unbind(&c->host, &bdf, msg, sizeof(msg));
	/*
	 * A binding saved for boot goes with it, once the function is not
	 * bound to pciassign (also when it was not to begin with).
	 */
	if (cli_persist_path(c, &bdf, path, sizeof(path)) && !access(path, F_OK) &&
	    (pa_host_get_func(&c->host, &bdf, &f) || strcmp(f.driver, "pciassign"))) {
		size_t used = strlen(msg);

		if (unlink(path))
			say(msg + used, sizeof(msg) - used,
			    "; cannot forget its binding at boot: %s: %s", path, strerror(errno));
		else
			say(msg + used, sizeof(msg) - used, "; no longer bound at boot (%s removed)",
			    path);
	}
	if (ret)
		cli_err("unbind failed: %s", msg);
	if (c->json)
		json_result(name, !ret, msg, NULL, NULL);
	else if (!ret)
		printf("%s\n", msg);
	return ret ? CLI_FAIL : CLI_OK;
}

static const char *status_name(enum pa_check_status s)
{
	switch (s) {
	case PA_CHECK_OK:
		return "ok";
	case PA_CHECK_WARN:
		return "warn";
	case PA_CHECK_FAIL:
		return "FAIL";
	}
	return "?";
}

int cmd_check(struct cli *c)
{
	struct pa_check checks[PA_HOST_MAX_CHECKS];
	struct pa_bdf bdf, *pbdf = NULL;
	bool failed = false;
	struct pa_json j;
	int n, i;

	if (c->argc > 1) {
		cli_err("'check' takes at most one PCI address");
		return CLI_USAGE;
	}
	if (c->argc == 1) {
		if (cli_bdf_arg(c, "check", &bdf))
			return CLI_USAGE;
		pbdf = &bdf;
	}
	n = pa_host_check(&c->host, pbdf, checks, PA_HOST_MAX_CHECKS);
	for (i = 0; i < n; i++)
		failed |= checks[i].status == PA_CHECK_FAIL;
	if (c->json) {
		pa_json_init(&j, stdout);
		pa_json_obj_begin(&j, NULL);
		pa_json_bool(&j, "ready", !failed);
		pa_json_arr_begin(&j, "checks");
		for (i = 0; i < n; i++) {
			pa_json_obj_begin(&j, NULL);
			pa_json_str(&j, "name", checks[i].name);
			pa_json_str(&j, "status", status_name(checks[i].status));
			pa_json_str(&j, "detail", checks[i].detail);
			if (checks[i].fix[0])
				pa_json_str(&j, "fix", checks[i].fix);
			else
				pa_json_null(&j, "fix");
			pa_json_obj_end(&j);
		}
		pa_json_arr_end(&j);
		pa_json_obj_end(&j);
		pa_json_finish(&j);
	} else {
		for (i = 0; i < n; i++) {
			printf("%-4s %s: %s", status_name(checks[i].status), checks[i].name,
			       checks[i].detail);
			if (checks[i].fix[0])
				printf(" -- to do: %s", checks[i].fix);
			putchar('\n');
		}
	}
	return failed ? CLI_FAIL : CLI_OK;
}
