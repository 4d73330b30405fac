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

static const char *nl_hint(int err)
{
	return err == -ENOENT ? " (is the module loaded? try 'modprobe pciassign')" : "";
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
		cli_err("cannot subscribe to the module's events: %s%s", strerror(-r), nl_hint(r));
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
	char name[PA_BDF_STRLEN];
	struct pa_bdf bdf;
	int r;

	if (cli_bdf_arg(c, cmd, &bdf))
		return CLI_USAGE;
	pa_bdf_format(&bdf, name);
	r = fn(name);
	if (r == -ENOENT)
		cli_err("%s: not attached to a VMM (or the module is not loaded)", name);
	else if (r == -ENODEV)
		cli_err("%s: not bound to pciassign", name);
	else if (r == -EPERM)
		cli_err("%s: permission denied (needs CAP_NET_ADMIN: run as root)", name);
	else if (r)
		cli_err("%s: %s failed: %s", name, cmd, strerror(-r));
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
