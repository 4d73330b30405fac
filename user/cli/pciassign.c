// SPDX-License-Identifier: GPL-2.0
/* pciassign(8): inspect and prepare PCI devices for assignment. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "libpciassign.h"

static int cmd_version(void)
{
	struct pa_version v;
	int fd, ret;

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
	fprintf(f, "usage: pciassign COMMAND\n\n"
		   "commands:\n"
		   "  version    print the tools', module's and API versions\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "version"))
		return cmd_version();
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "pciassign: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
