/* SPDX-License-Identifier: GPL-2.0 */
/* pciassign(8): shared state and helpers of the commands. */
#ifndef PA_CLI_H
#define PA_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "libpciassign.h"

/* Exit codes. */
#define CLI_OK		0
#define CLI_FAIL	1
#define CLI_USAGE	2

struct cli {
	struct pa_host host;
	bool json;
	bool host_view;		/* config --host */
	long count;		/* monitor --count N: stop after N events */
	long timeout;		/* monitor --timeout S: stop after S idle seconds */
	int argc;		/* positional arguments after the command */
	char **argv;
};

/* "pciassign: ..." on stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse the single BDF argument of a command; prints the error. */
int cli_bdf_arg(const struct cli *c, const char *cmd, struct pa_bdf *out);

/* A function named on the command line, with its config space. */
struct cli_func {
	struct pa_bdf bdf;
	char name[PA_BDF_STRLEN];
	struct pa_pci_func f;
	uint8_t cfg[4096];
	int cfg_len;		/* bytes read, at least the 64-byte header */
};

/*
 * Look up the command's single BDF argument and read its config space;
 * prints what went wrong. Returns -1 when *out is loaded, else the exit
 * code (CLI_USAGE or CLI_FAIL).
 */
int cli_load_func(const struct cli *c, const char *cmd, struct cli_func *out);

/* Human name of a class code ("Ethernet controller"). */
const char *cli_class_name(uint32_t class_code);

int cmd_list(struct cli *c);
int cmd_info(struct cli *c);
int cmd_config(struct cli *c);
int cmd_bind(struct cli *c);
int cmd_unbind(struct cli *c);
int cmd_check(struct cli *c);
int cmd_monitor(struct cli *c);
int cmd_release(struct cli *c);
int cmd_revoke(struct cli *c);

/* Config space dumps in lspci -x format (header line, then 16 bytes a line). */
void cli_hex_dump(FILE *f, const struct pa_pci_func *fn, const uint8_t *cfg,
		  size_t len);

#endif /* PA_CLI_H */
