// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The flat test payload (tests/guest/): loaded at 1 MiB and entered in
 * 64-bit long mode with the low 4 GiB identity-mapped (2 MiB pages; 3-4
 * GiB uncached) and one vCPU. --append puts a NUL-terminated argument
 * string at ARGS_GPA and passes its address in RDI (0 without one), as a
 * boot loader passes a kernel its command line. The payload reports its
 * verdict on VMM_EXIT_PORT.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "vmm.h"

#define PAYLOAD_GPA	0x100000ull
#define GDT_GPA		0x500ull
#define PML4_GPA	0x1000ull	/* then PDPT, then four page directories */
#define ARGS_GPA	0x7000ull	/* after them: the --append string */

int vmm_payload_load(struct vmm *v, const char *path, const char *args)
{
	struct kvm_regs regs = { 0 };
	void *dst = v->mem.hva + PAYLOAD_GPA;
	size_t len;
	int ret;

	/* Leave room for the payload's stack and buffers above it. */
	ret = pa_read_file(path, v->mem.low / 2 - PAYLOAD_GPA, &dst, &len);
	if (!ret && !len)
		ret = -ENODATA;
	if (ret) {
		vmm_log("--payload %s: %s", path,
			ret == -ENODATA ? "empty file" : ret == -EFBIG ?
			"larger than half the guest memory" : strerror(-ret));
		return ret;
	}
	/* The payload's own descriptors: code 0x08, data 0x10. */
	ret = vmm_cpu_long_mode(&v->vcpu[0], GDT_GPA, PML4_GPA, 0x08, 0x10);
	if (ret)
		return ret;
	regs.rip = PAYLOAD_GPA;
	regs.rflags = 2;
	if (args) {
		memcpy(v->mem.hva + ARGS_GPA, args, strlen(args) + 1);
		regs.rdi = ARGS_GPA;
	}
	regs.rsp = PAYLOAD_GPA;	/* until the payload sets its own */
	if (ioctl(v->vcpu[0].fd, KVM_SET_REGS, &regs))
		return -errno;
	return 0;
}
