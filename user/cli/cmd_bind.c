// SPDX-License-Identifier: GPL-2.0
/* pciassign bind / unbind / check: preparing the host and its devices. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json.h"

int cmd_bind(struct cli *c)
{
	struct pa_assignability a;
	struct pa_pci_func f;
	struct pa_bdf bdf;
	char msg[512];
	int ret;

	if (cli_bdf_arg(c, "bind", &bdf))
		return CLI_USAGE;
	ret = pa_host_bind(&c->host, &bdf, msg, sizeof(msg));
	if (ret) {
		cli_err("bind failed: %s", msg);
		return CLI_FAIL;
	}
	printf("%s\n", msg);
	/* Binding one member of a group is a step, not an error: say what is left. */
	if (!pa_host_get_func(&c->host, &bdf, &f) && !pa_host_assignability(&c->host, &f, &a) &&
	    !a.assignable)
		fprintf(stderr, "pciassign: note: not attachable yet: %s\n", a.reason);
	return CLI_OK;
}

int cmd_unbind(struct cli *c)
{
	struct pa_bdf bdf;
	char msg[512];
	int ret;

	if (cli_bdf_arg(c, "unbind", &bdf))
		return CLI_USAGE;
	ret = pa_host_unbind(&c->host, &bdf, msg, sizeof(msg));
	if (ret) {
		cli_err("unbind failed: %s", msg);
		return CLI_FAIL;
	}
	printf("%s\n", msg);
	return CLI_OK;
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
