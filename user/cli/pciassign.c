// SPDX-License-Identifier: GPL-2.0
/* pciassign(8): inspect and prepare PCI devices for assignment. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_err(const char *fmt, ...)
{
	va_list ap;

	fputs("pciassign: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_bdf_arg(const struct cli *c, const char *cmd, struct pa_bdf *out)
{
	if (c->argc != 1) {
		cli_err("'%s' takes one PCI address (SSSS:BB:DD.F), see 'pciassign help'", cmd);
		return -EINVAL;
	}
	if (pa_bdf_parse(c->argv[0], out)) {
		cli_err("'%s' is not a PCI address: use SSSS:BB:DD.F or BB:DD.F, as in 'pciassign list'",
			c->argv[0]);
		return -EINVAL;
	}
	return 0;
}

int cli_load_func(const struct cli *c, const char *cmd, struct cli_func *out)
{
	int ret;

	if (cli_bdf_arg(c, cmd, &out->bdf))
		return CLI_USAGE;
	pa_bdf_format(&out->bdf, out->name);
	ret = pa_host_get_func(&c->host, &out->bdf, &out->f);
	if (ret) {
		cli_err("%s: %s; see 'pciassign list'", out->name,
			ret == -ENODEV ? "no such PCI function" : strerror(-ret));
		return CLI_FAIL;
	}
	memset(out->cfg, 0, sizeof(out->cfg));
	out->cfg_len = pa_host_read_config(&c->host, &out->bdf, out->cfg, sizeof(out->cfg));
	if (out->cfg_len < 64) {
		cli_err("%s: cannot read its config space: %s (run as root)", out->name,
			out->cfg_len < 0 ? strerror(-out->cfg_len) : "short read");
		return CLI_FAIL;
	}
	return -1;
}

static int cmd_version(struct cli *c)
{
	struct pa_version v;
	int fd, ret;

	(void)c;
	printf("pciassign tools %s\n", PCIASSIGN_VERSION);
	fd = pa_context_open();
	if (fd < 0) {
		fprintf(stderr, "pciassign: cannot open /dev/pciassign: %s%s\n",
			strerror(-fd),
			fd == -ENOENT ? " (is the module loaded? try 'modprobe pciassign')" : "");
		return 1;
	}
	ret = pa_get_version(fd, &v);
	if (ret < 0) {
		fprintf(stderr, "pciassign: version query failed: %s\n", strerror(-ret));
		return 1;
	}
	printf("module %u.%u.%u, API %u\n", v.major, v.minor, v.patch, v.api_version);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pciassign [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
		"commands:\n"
		"  list [--json]              every PCI function: IDs, class, driver, IOMMU group,\n"
		"                             whether it can be assigned and why\n"
		"  info BDF [--json]          BARs, ROM, capabilities and interrupts of a function\n"
		"  config BDF [--host]        config space in lspci -xxx format (lspci -F FILE decodes\n"
		"                             it): the guest's view, or the host's raw bytes (--host)\n"
		"  bind BDF                   hand a function to pciassign (its driver is remembered)\n"
		"  unbind BDF                 give it back to the driver it had\n"
		"  check [BDF] [--json]       is the host ready for assignment (of BDF)?\n"
		"  monitor [--json] [--count N] [--timeout S]\n"
		"                             the devices bound to pciassign, then one line per\n"
		"                             event (bound, attached, release-requested, ...)\n"
		"  release BDF                ask the VMM that has BDF to give it back\n"
		"  revoke BDF                 take BDF from its VMM now\n"
		"  version                    print the tools', module's and API versions\n\n"
		"global options:\n"
		"  --sysfs-root DIR           read sysfs under DIR instead of /sys\n"
		"  --proc-root DIR            read procfs under DIR instead of /proc\n"
		"  --dev-root DIR             look for the device node under DIR instead of /dev\n"
		"  --state-dir DIR            remember host drivers in DIR (default /run/pciassign)\n\n"
		"exit status: 0 ok, 1 failure, 2 usage error\n");
}

static const struct {
	const char *name;
	int (*fn)(struct cli *c);
	bool json, host;	/* options the command takes */
} cmds[] = {
	{ "list", cmd_list, true, false },
	{ "info", cmd_info, true, false },
	{ "config", cmd_config, false, true },
	{ "bind", cmd_bind, false, false },
	{ "unbind", cmd_unbind, false, false },
	{ "check", cmd_check, true, false },
	{ "monitor", cmd_monitor, true, false },
	{ "release", cmd_release, false, false },
	{ "revoke", cmd_revoke, false, false },
	{ "version", cmd_version, false, false },
};

/* Global options: "--opt DIR" or "--opt=DIR". Returns 1 if consumed. */
static int global_opt(struct cli *c, int argc, char **argv, int *i)
{
	static const char *const names[] = {
		"--sysfs-root", "--proc-root", "--dev-root", "--state-dir"
	};
	const char **slots[] = {
		&c->host.sysfs_root, &c->host.proc_root, &c->host.dev_root,
		&c->host.state_dir
	};

	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		size_t l = strlen(names[k]);

		if (strncmp(argv[*i], names[k], l))
			continue;
		if (argv[*i][l] == '=') {
			*slots[k] = argv[*i] + l + 1;
			return 1;
		}
		if (argv[*i][l])
			continue;
		if (*i + 1 >= argc) {
			cli_err("%s needs a directory", names[k]);
			return -1;
		}
		*slots[k] = argv[++*i];
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static char *pos[64];
	struct cli c = { 0 };
	const char *cmd = NULL;
	size_t k;
	int i, r;

	for (i = 1; i < argc; i++) {
		r = global_opt(&c, argc, argv, &i);
		if (r < 0)
			return CLI_USAGE;
		if (r)
			continue;
		if (!strcmp(argv[i], "--json")) {
			c.json = true;
		} else if (!strcmp(argv[i], "--host")) {
			c.host_view = true;
		} else if ((!strcmp(argv[i], "--count") || !strcmp(argv[i], "--timeout")) &&
			   i + 1 < argc) {
			char *end;
			long v = strtol(argv[i + 1], &end, 10);

			if (*end || v <= 0) {
				cli_err("%s needs a positive number", argv[i]);
				return CLI_USAGE;
			}
			*(argv[i][2] == 'c' ? &c.count : &c.timeout) = v;
			i++;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return CLI_OK;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			cli_err("unknown option '%s'", argv[i]);
			usage(stderr);
			return CLI_USAGE;
		} else if (!cmd) {
			cmd = argv[i];
		} else if (c.argc < (int)(sizeof(pos) / sizeof(pos[0]))) {
			pos[c.argc++] = argv[i];
		} else {
			cli_err("too many arguments");
			return CLI_USAGE;
		}
	}
	c.argv = pos;
	if (!cmd) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (!strcmp(cmd, "help")) {
		usage(stdout);
		return CLI_OK;
	}
	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
		if (strcmp(cmd, cmds[k].name))
			continue;
		if (c.json && !cmds[k].json) {
			cli_err("'%s' has no --json output", cmd);
			return CLI_USAGE;
		}
		if (c.host_view && !cmds[k].host) {
			cli_err("--host only applies to 'config'");
			return CLI_USAGE;
		}
		return cmds[k].fn(&c);
	}
	cli_err("unknown command '%s'", cmd);
	usage(stderr);
	return CLI_USAGE;
}
