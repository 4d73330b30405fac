/* SPDX-License-Identifier: GPL-2.0 */
/* pciassign(8): shared state and helpers of the commands. */
#ifndef PA_CLI_H
#define PA_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/pci_regs.h>

#include "libpciassign.h"

/* Exit codes. */
#define CLI_OK		0
#define CLI_FAIL	1
#define CLI_USAGE	2

struct cli {
	struct pa_host host;
	const char *cmd;	/* the command's name, for messages */
	bool json;		/* -j, --json */
	bool numeric;		/* -n, --numeric: no names from pci.ids */
	const char *pci_ids;	/* --pci-ids FILE; NULL: the usual places */
	bool host_view;		/* config --host */
	long count;		/* monitor --count N: stop after N events */
	long timeout;		/* monitor --timeout S: stop after S idle seconds */
	const char *owner;	/* bind --owner USER|:GROUP|any */
	bool persistent;	/* bind --persistent */
	const char *conf_dir;	/* --conf-dir DIR; NULL: /etc/pciassign */
	int argc;		/* positional arguments after the command */
	char **argv;
};

/* "pciassign: ..." on stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* snprintf for messages that a long path may cut short (no truncation warning). */
void cli_say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Is the pciassign module loaded (its /sys/module directory)? */
bool cli_module_loaded(const struct cli *c);

/* Vendor and device names from pci.ids (pciids.c). */
struct cli_names {
	char vendor[128];	/* "" when unknown */
	char device[160];	/* "" when unknown */
};

/*
 * Look up vendor:device in pci.ids (--pci-ids, else the first of
 * /usr/share/misc/pci.ids, /usr/share/hwdata/pci.ids, /usr/share/pci.ids
 * that exists; read once). Empty names when unknown, with -n, or without
 * a pci.ids file.
 */
void cli_names(const struct cli *c, uint16_t vendor, uint16_t device,
	       struct cli_names *out);

/* The pci.ids file in use, or NULL. */
const char *cli_pci_ids_path(const struct cli *c);

/* bind --owner: USER, :GROUP, a number or "any" as "uid N", "gid N", "any". */
int cli_owner_value(const char *spec, char *out, size_t len);

/*
 * Bind one function (module and IOMMU checked first) and write its owner
 * attribute (owner NULL: leave it). msg gets what was done or why not;
 * *what names the failed step. 0 or -errno.
 */
int cli_bind_one(const struct cli *c, const struct pa_bdf *bdf, const char *owner,
		 char *msg, size_t len, const char **what);

/*
 * Bindings kept across boots (cmd_persist.c): one file per function,
 * CONF_DIR/bind.d/BDF, naming its IDs and owner; "pciassign apply" (the
 * udev rule, at boot and hot-plug) binds them again.
 */
bool cli_persist_path(const struct cli *c, const struct pa_bdf *bdf, char *buf, size_t len);
int cli_persist_save(const struct cli *c, const struct pa_pci_func *f, const char *owner,
		     char *msg, size_t len);
int cmd_apply(struct cli *c);

/* The owner attribute of a device bound to pciassign ("" when none). */
void cli_read_owner(const struct cli *c, const struct pa_bdf *bdf, char *buf,
		    size_t len);

/* Parse the single BDF argument of a command; prints the error. */
int cli_bdf_arg(const struct cli *c, const char *cmd, struct pa_bdf *out);

/* A function named on the command line, with its config space. */
struct cli_func {
	struct pa_bdf bdf;
	char name[PA_BDF_STRLEN];
	struct pa_pci_func f;
	uint8_t cfg[PCI_CFG_SPACE_EXP_SIZE];
	int cfg_len;		/* bytes read, at least the 64-byte header */
};

/*
 * Look up the command's single BDF argument and read its config space;
 * prints what went wrong. Returns 0 (CLI_OK) when *out is loaded, else the
 * exit code (CLI_USAGE or CLI_FAIL).
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
