// SPDX-License-Identifier: GPL-2.0
/*
 * pciassign monitor / release / revoke: the module's netlink events and
 * admin requests.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void print_event(const struct cli *c, const struct pa_event *e)
{
	char line[512];

	if (c->json)
		pa_event_to_json(e, line, sizeof(line));
	else
		pa_event_to_text(e, line, sizeof(line));
	puts(line);
	fflush(stdout);
}

static const char *nl_hint(const struct cli *c, int err)
{
	/* Owners and states are for administrators (uapi.md). */
	if (err == -EPERM)
		return " (events need CAP_NET_ADMIN: run as root)";
	if (err != -ENOENT)
		return "";
	return cli_module_loaded(c) ? " (the module is loaded but its netlink family is missing: reload it)" :
	       ": the pciassign module is not loaded (modprobe pciassign)";
}

/*
 * Print the devices bound to pciassign, then one line per event until
 * interrupted, --count events were seen, or --timeout seconds passed.
 */
int cmd_monitor(struct cli *c)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct pa_event devs[64], e;
	struct pa_events *ev;
	long seen = 0;
	int n, r;

	if (c->argc) {
		cli_err("'monitor' takes no arguments");
		return CLI_USAGE;
	}
	r = pa_events_open(&ev);
	if (r) {
		cli_err("cannot subscribe to the module's events: %s%s", strerror(-r), nl_hint(c, r));
		return CLI_FAIL;
	}
	/* Subscribed first, so nothing falls between the dump and the events. */
	n = pa_devices_dump(devs, sizeof(devs) / sizeof(devs[0]));
	for (int i = 0; i < n; i++)
		print_event(c, &devs[i]);

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!stop && (c->count <= 0 || seen < c->count)) {
		r = pa_events_next(ev, &e, c->timeout > 0 ? c->timeout * 1000 : 500);
		if (r < 0 && r != -EINTR) {
			cli_err("reading events failed: %s", strerror(-r));
			pa_events_close(ev);
			return CLI_FAIL;
		}
		if (r == 1) {
			print_event(c, &e);
			seen++;
		} else if (r == 0 && c->timeout > 0) {
			break;
		}
	}
	pa_events_close(ev);
	return CLI_OK;
}

static int admin(struct cli *c, const char *cmd, int (*fn)(const char *bdf))
{
	char name[PA_BDF_STRLEN], msg[256];
	const char *code = NULL;
	struct pa_pci_func f;
	struct pa_bdf bdf;
	struct pa_json j;
	int r;

	if (cli_bdf_arg(c, cmd, &bdf))
		return CLI_USAGE;
	pa_bdf_format(&bdf, name);
	/*
	 * The module answers ENOENT both when its netlink family is missing
	 * (not loaded) and when the device has no VMM: sysfs tells them apart.
	 */
	if (!cli_module_loaded(c)) {
		r = -ENOENT;
		code = "module-not-loaded";
		snprintf(msg, sizeof(msg), "the pciassign module is not loaded (modprobe pciassign)");
	} else {
		r = fn(name);
		if (r == -ENOENT && !pa_host_get_func(&c->host, &bdf, &f) &&
		    strcmp(f.driver, "pciassign"))
			r = -ENODEV;
		switch (r) {
		case 0:
			snprintf(msg, sizeof(msg), "%s: %s", name,
				 !strcmp(cmd, "release") ? "release requested" : "revoked");
			break;
		case -ENOENT:
			code = "not-attached";
			snprintf(msg, sizeof(msg), "%s: not attached to a VMM: nothing to %s", name, cmd);
			break;
		case -ENODEV:
			code = "not-bound";
			snprintf(msg, sizeof(msg), "%s: not bound to pciassign", name);
			break;
		case -EPERM:
			code = "permission-denied";
			snprintf(msg, sizeof(msg), "%s: permission denied (needs CAP_NET_ADMIN: run as root)",
				 name);
			break;
		default:
			code = "error";
			snprintf(msg, sizeof(msg), "%s: %s failed: %s", name, cmd, strerror(-r));
			break;
		}
	}
	if (r && *pa_netlink_error_message()) {
		size_t n = strlen(msg);

		/* The module's own words (extended ack), after ours. */
		snprintf(msg + n, sizeof(msg) - n, " (kernel: %s)", pa_netlink_error_message());
	}
	if (r)
		cli_err("%s", msg);
	if (c->json) {
		pa_json_init(&j, stdout);
		pa_json_obj_begin(&j, NULL);
		pa_json_str(&j, "bdf", name);
		pa_json_bool(&j, "ok", !r);
		if (code)
			pa_json_str(&j, "error", code);
		else
			pa_json_null(&j, "error");
		pa_json_str(&j, "message", msg);
		pa_json_obj_end(&j);
		pa_json_finish(&j);
	} else if (!r) {
		printf("%s\n", msg);
	}
	return r ? CLI_FAIL : CLI_OK;
}

int cmd_release(struct cli *c)
{
	return admin(c, "release", pa_device_request_release);
}

int cmd_revoke(struct cli *c)
{
	return admin(c, "revoke", pa_device_revoke);
}
