// SPDX-License-Identifier: GPL-2.0
/*
 * pciassign(8): inspect and prepare PCI devices for assignment.
 *
 * Command line: pciassign [OPTIONS] COMMAND [OPTIONS] [ARGS], parsed with
 * getopt_long twice: the options before the command (stopping at it), then
 * the command's own options and arguments in any order ("--" ends the
 * options). The global options are accepted on either side.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cli.h"
#include "json.h"

void cli_err(const char *fmt, ...)
{
	va_list ap;

	fputs("pciassign: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

int cli_bdf_arg(const struct cli *c, const char *cmd, struct pa_bdf *out)
{
	if (c->argc != 1) {
		cli_err("'%s' takes one PCI address (SSSS:BB:DD.F); see 'pciassign %s --help'",
			cmd, cmd);
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
	if (out->cfg_len < PCI_STD_HEADER_SIZEOF) {
		cli_err("%s: cannot read its config space: %s (run as root)", out->name,
			out->cfg_len < 0 ? strerror(-out->cfg_len) : "short read");
		return CLI_FAIL;
	}
	return 0;
}

bool cli_module_loaded(const struct cli *c)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/module/pciassign",
		 c->host.sysfs_root ? c->host.sysfs_root : "/sys");
	return !stat(path, &st);
}

void cli_read_owner(const struct cli *c, const struct pa_bdf *bdf, char *buf, size_t len)
{
	struct pa_pci_func f;

	buf[0] = 0;
	if (pa_host_get_func(&c->host, bdf, &f) || strcmp(f.driver, "pciassign"))
		return;
	if (pa_host_read_attr(&c->host, bdf, "owner", buf, len) < 0)
		buf[0] = 0;
}

/*
 * pciassign version: the tools' version always; the module's when it is
 * loaded. Exit 0 unless the module is loaded but cannot be asked.
 */
static int cmd_version(struct cli *c)
{
	char path[PATH_MAX], modver[64] = "";
	const char *why = NULL;
	struct pa_version v;
	bool loaded, have_api = false;
	struct pa_json j;
	int fd, ret = 0;

	if (c->argc) {
		cli_err("'version' takes no arguments");
		return CLI_USAGE;
	}
	loaded = cli_module_loaded(c);
	if (loaded) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/module/pciassign/version",
			 c->host.sysfs_root ? c->host.sysfs_root : "/sys");
		f = fopen(path, "re");
		if (f) {
			if (fgets(modver, sizeof(modver), f))
				modver[strcspn(modver, "\n")] = 0;
			fclose(f);
		}
		fd = pa_context_open();
		if (fd < 0) {
			ret = fd;
			why = "cannot open /dev/pciassign";
		} else {
			ret = pa_get_version(fd, &v);
			close(fd);
			if (ret < 0)
				why = "version query failed";
			else
				have_api = true;
		}
	}
	if (c->json) {
		pa_json_init(&j, stdout);
		pa_json_obj_begin(&j, NULL);
		pa_json_str(&j, "tools", PCIASSIGN_VERSION);
		pa_json_bool(&j, "module_loaded", loaded);
		if (have_api) {
			char mv[48];

			snprintf(mv, sizeof(mv), "%u.%u.%u", v.major, v.minor, v.patch);
			pa_json_str(&j, "module", mv);
			pa_json_uint(&j, "api", v.api_version);
		} else {
			if (modver[0])
				pa_json_str(&j, "module", modver);
			else
				pa_json_null(&j, "module");
			pa_json_null(&j, "api");
		}
		if (why) {
			char e[160];

			snprintf(e, sizeof(e), "%s: %s", why, strerror(-ret));
			pa_json_str(&j, "error", e);
		} else {
			pa_json_null(&j, "error");
		}
		pa_json_obj_end(&j);
		pa_json_finish(&j);
	} else {
		printf("pciassign tools %s\n", PCIASSIGN_VERSION);
		if (!loaded)
			printf("module: not loaded (modprobe pciassign)\n");
		else if (have_api)
			printf("module %u.%u.%u, API %u\n", v.major, v.minor, v.patch, v.api_version);
		else
			printf("module %s, API unknown\n", modver[0] ? modver : "?");
	}
	if (why) {
		cli_err("%s: %s%s", why, strerror(-ret),
			ret == -EACCES ? " (the udev rule gives it to group kvm; run as root or join it)" : "");
		return CLI_FAIL;
	}
	return CLI_OK;
}

/* ---- commands and their options ---- */

enum {
	OPT_SYSFS_ROOT = 0x100,
	OPT_PROC_ROOT,
	OPT_DEV_ROOT,
	OPT_STATE_DIR,
	OPT_PCI_IDS,
	OPT_CONF_DIR,
	OPT_HOST,
};

/* Options every command takes (and the command line before the command). */
#define GLOBAL_OPTS \
	{ "json", no_argument, NULL, 'j' }, \
	{ "numeric", no_argument, NULL, 'n' }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ "sysfs-root", required_argument, NULL, OPT_SYSFS_ROOT }, \
	{ "proc-root", required_argument, NULL, OPT_PROC_ROOT }, \
	{ "dev-root", required_argument, NULL, OPT_DEV_ROOT }, \
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR }, \
	{ "pci-ids", required_argument, NULL, OPT_PCI_IDS }, \
	{ "conf-dir", required_argument, NULL, OPT_CONF_DIR }
#define GLOBAL_SHORT "jnh"

static const struct option global_opts[] = {
	GLOBAL_OPTS,
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const struct option plain_opts[] = {
	GLOBAL_OPTS,
	{ NULL, 0, NULL, 0 },
};

static const struct option config_opts[] = {
	GLOBAL_OPTS,
	{ "host", no_argument, NULL, OPT_HOST },
	{ NULL, 0, NULL, 0 },
};

static const struct option monitor_opts[] = {
	GLOBAL_OPTS,
	{ "count", required_argument, NULL, 'c' },
	{ "timeout", required_argument, NULL, 't' },
	{ NULL, 0, NULL, 0 },
};

static const struct option bind_opts[] = {
	GLOBAL_OPTS,
	{ "owner", required_argument, NULL, 'o' },
	{ "persistent", no_argument, NULL, 'p' },
	{ NULL, 0, NULL, 0 },
};

struct cli_cmd {
	const char *name;
	int (*fn)(struct cli *c);
	const struct option *opts;
	const char *shortopts;	/* beyond GLOBAL_SHORT */
	const char *synopsis;	/* after "pciassign NAME" */
	const char *summary;	/* one or two lines, for "pciassign help" */
	const char *prose;	/* more, for NAME --help ("" when none) */
	const char *opthelp;	/* the command's own options ("" when none) */
};

static const struct cli_cmd cmds[] = {
	{ "list", cmd_list, plain_opts, "", "[-j] [-n]",
	  "every PCI function: IDs, name, driver, IOMMU group,\n"
	  "whether it can be assigned (reason code and hint)",
	  "The row of a function that cannot be assigned gives a reason code\n"
	  "(no-iommu, bridge, group) and a short hint; 'pciassign info BDF'\n"
	  "explains it in full.\n", "" },
	{ "info", cmd_info, plain_opts, "", "BDF [-j] [-n]",
	  "names, BARs, ROM, capabilities, interrupts, owner\n"
	  "and assignability of a function", "", "" },
	{ "config", cmd_config, config_opts, "", "BDF [--host] [-j]",
	  "config space in lspci -xxx format (lspci -F FILE decodes\n"
	  "it): the guest's view, or the host's raw bytes (--host)", "",
	  "  --host                the host's raw bytes instead of the guest's view\n" },
	{ "bind", cmd_bind, bind_opts, "o:p", "BDF [--owner USER|:GROUP|any] [--persistent] [-j]",
	  "hand a function to pciassign (its driver is remembered);\n"
	  "--owner lets USER or GROUP's members attach it",
	  "Checks first that the module is loaded and the host has an IOMMU,\n"
	  "then sets driver_override, unbinds the host driver and re-probes.\n",
	  "  -o, --owner USER|:GROUP|any\n"
	  "                        after binding, write 'uid N', 'gid N' or 'any' to the\n"
	  "                        device's owner attribute (who may attach it)\n"
	  "  -p, --persistent      bind it again at every boot and hot-plug (saved in\n"
	  "                        /etc/pciassign/bind.d/BDF, applied by udev)\n" },
	{ "unbind", cmd_unbind, plain_opts, "", "BDF [-j]",
	  "give it back to the driver it had (and forget\n"
	  "a binding saved with bind --persistent)", "", "" },
	{ "apply", cmd_apply, plain_opts, "", "[BDF] [-j]",
	  "bind again what bind --persistent saved (all, or BDF);\n"
	  "the udev rule runs it at boot and hot-plug",
	  "A function whose vendor:device differs from the saved one is left\n"
	  "alone. Exits 1 when any could not be bound.\n", "" },
	{ "check", cmd_check, plain_opts, "", "[BDF] [-j]",
	  "is the host ready for assignment (of BDF)?", "", "" },
	{ "monitor", cmd_monitor, monitor_opts, "c:t:", "[-j] [--count N] [--timeout S]",
	  "the devices bound to pciassign, then one line per\n"
	  "event (bound, attached, release-requested, ...)", "",
	  "  -c, --count N         exit after N events (1 or more)\n"
	  "  -t, --timeout S       exit after S seconds without an event (1 or more)\n" },
	{ "release", cmd_release, plain_opts, "", "BDF [-j]",
	  "ask the VMM that has BDF to give it back", "", "" },
	{ "revoke", cmd_revoke, plain_opts, "", "BDF [-j]",
	  "take BDF from its VMM now", "", "" },
	{ "version", cmd_version, plain_opts, "", "[-j]",
	  "the tools' version, and the module's when it is loaded",
	  "Exits 0 also when the module is not loaded (it says so); 1 when it\n"
	  "is loaded but /dev/pciassign cannot be asked.\n", "" },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static const char global_help[] =
	"options (before or after the command):\n"
	"  -j, --json            JSON output (one object; monitor: one per line)\n"
	"  -n, --numeric         no vendor and device names (pci.ids)\n"
	"  -h, --help            this help, or the command's\n"
	"  -V, --version         the tools' version (before a command)\n"
	"  --pci-ids FILE        names from FILE instead of /usr/share/misc/pci.ids\n"
	"  --conf-dir DIR        persistent bindings under DIR (default /etc/pciassign)\n"
	"  --sysfs-root DIR      read sysfs under DIR instead of /sys\n"
	"  --proc-root DIR       read procfs under DIR instead of /proc\n"
	"  --dev-root DIR        look for the device node under DIR instead of /dev\n"
	"  --state-dir DIR       remember host drivers in DIR (default /run/pciassign)\n"
	"  --                    end of options\n\n"
	"exit status: 0 ok, 1 failure, 2 usage error\n";

static void usage(FILE *f)
{
	fprintf(f, "usage: pciassign [OPTIONS] COMMAND [OPTIONS] [ARGS]\n\ncommands:\n");
	for (size_t k = 0; k < NCMDS; k++) {
		const char *s = cmds[k].summary;
		char head[80];

		snprintf(head, sizeof(head), "%s %s", cmds[k].name, cmds[k].synopsis);
		/* The summary's first line beside the command, the rest under it. */
		fprintf(f, "  %s\n", head);
		while (*s) {
			size_t n = strcspn(s, "\n");

			fprintf(f, "      %.*s\n", (int)n, s);
			s += n + (s[n] == '\n');
		}
	}
	fprintf(f, "  help [COMMAND]\n      this text, or the command's\n\n%s"
		"'pciassign COMMAND --help' describes a command and its options.\n",
		global_help);
}

static void cmd_usage(FILE *f, const struct cli_cmd *cmd)
{
	const char *s = cmd->summary;

	fprintf(f, "usage: pciassign %s %s\n\n%c", cmd->name, cmd->synopsis,
		*s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s);
	s++;
	/* The summary as one sentence. */
	while (*s) {
		size_t n = strcspn(s, "\n");

		fprintf(f, "%.*s%s", (int)n, s, s[n] == '\n' ? " " : "");
		s += n + (s[n] == '\n');
	}
	fprintf(f, ".\n");
	if (cmd->prose[0])
		fprintf(f, "%s", cmd->prose);
	if (cmd->opthelp[0])
		fprintf(f, "\n%s options:\n%s", cmd->name, cmd->opthelp);
	fprintf(f, "\n%s", global_help);
}

static const struct cli_cmd *find_cmd(const char *name)
{
	for (size_t k = 0; k < NCMDS; k++)
		if (!strcmp(name, cmds[k].name))
			return &cmds[k];
	return NULL;
}

/* A whole number in [1, max] for option opt, or -1 with a message. */
static long positive(const char *cmd, const char *opt, const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > max) {
		cli_err("%s: %s '%s': expected a whole number from 1 to %ld", cmd, opt, s, max);
		return -1;
	}
	return v;
}

/*
 * One getopt_long pass. Returns -1 when done, else CLI_OK or CLI_USAGE to
 * exit with (after --help or --version, or an error).
 */
static int parse(struct cli *c, const struct cli_cmd *cmd, int argc, char **argv,
		 bool *help)
{
	char shortopts[32];
	const struct option *opts = cmd ? cmd->opts : global_opts;
	const char *who = cmd ? cmd->name : "pciassign";
	int o;

	/* '+' before the command: stop at it; ':' reports missing values. */
	snprintf(shortopts, sizeof(shortopts), "%s:" GLOBAL_SHORT "%s",
		 cmd ? "" : "+", cmd ? cmd->shortopts : "V");
	opterr = 0;
	optind = 0;	/* a full re-initialisation (glibc), for the second pass */
	while ((o = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (o) {
		case 'j':
			c->json = true;
			break;
		case 'n':
			c->numeric = true;
			break;
		case 'h':
			*help = true;
			break;
		case 'V':
			printf("pciassign tools %s\n", PCIASSIGN_VERSION);
			return CLI_OK;
		case OPT_SYSFS_ROOT:
			c->host.sysfs_root = optarg;
			break;
		case OPT_PROC_ROOT:
			c->host.proc_root = optarg;
			break;
		case OPT_DEV_ROOT:
			c->host.dev_root = optarg;
			break;
		case OPT_STATE_DIR:
			c->host.state_dir = optarg;
			break;
		case OPT_PCI_IDS:
			c->pci_ids = optarg;
			break;
		case OPT_CONF_DIR:
			c->conf_dir = optarg;
			break;
		case 'p':
			c->persistent = true;
			break;
		case OPT_HOST:
			c->host_view = true;
			break;
		case 'c':
			c->count = positive(who, "--count", optarg, LONG_MAX);
			if (c->count < 0)
				return CLI_USAGE;
			break;
		case 't':
			/* Milliseconds of it must fit an int (poll). */
			c->timeout = positive(who, "--timeout", optarg, INT_MAX / 1000);
			if (c->timeout < 0)
				return CLI_USAGE;
			break;
		case 'o':
			c->owner = optarg;
			break;
		case ':':
			cli_err("%s: %s needs a value; see 'pciassign %s%s--help'", who,
				argv[optind - 1], cmd ? cmd->name : "", cmd ? " " : "");
			return CLI_USAGE;
		default:
			if (optopt && strncmp(argv[optind - 1], "--", 2))
				cli_err("%s: unknown option '-%c'; see 'pciassign %s%s--help'", who,
					optopt, cmd ? cmd->name : "", cmd ? " " : "");
			else
				cli_err("%s: unknown option '%s'; see 'pciassign %s%s--help'", who,
					argv[optind - 1], cmd ? cmd->name : "", cmd ? " " : "");
			return CLI_USAGE;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	const struct cli_cmd *cmd;
	struct cli c = { 0 };
	bool help = false;
	int r, sub_argc;
	char **sub_argv;

	r = parse(&c, NULL, argc, argv, &help);
	if (r >= 0)
		return r;
	if (optind >= argc) {
		if (help) {
			usage(stdout);
			return CLI_OK;
		}
		usage(stderr);
		return CLI_USAGE;
	}
	/* "pciassign help [COMMAND]" */
	if (!strcmp(argv[optind], "help")) {
		if (optind + 1 >= argc) {
			usage(stdout);
			return CLI_OK;
		}
		cmd = find_cmd(argv[optind + 1]);
		if (!cmd || optind + 2 < argc) {
			cli_err("help: %s '%s'; 'pciassign help' lists the commands",
				cmd ? "one command, not" : "unknown command",
				cmd ? argv[optind + 2] : argv[optind + 1]);
			return CLI_USAGE;
		}
		cmd_usage(stdout, cmd);
		return CLI_OK;
	}
	cmd = find_cmd(argv[optind]);
	if (!cmd) {
		cli_err("unknown command '%s'; 'pciassign help' lists the commands", argv[optind]);
		return CLI_USAGE;
	}
	if (help) {	/* "pciassign --help list" */
		cmd_usage(stdout, cmd);
		return CLI_OK;
	}
	/* The command's own pass: argv[0] is the command's name. */
	sub_argc = argc - optind;
	sub_argv = argv + optind;
	r = parse(&c, cmd, sub_argc, sub_argv, &help);
	if (r >= 0)
		return r;
	if (help) {
		cmd_usage(stdout, cmd);
		return CLI_OK;
	}
	c.cmd = cmd->name;
	c.argc = sub_argc - optind;
	c.argv = sub_argv + optind;
	return cmd->fn(&c);
}
