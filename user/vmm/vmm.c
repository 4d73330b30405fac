// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pciassign-vmm: the reference VMM of pciassign. One vCPU, RAM, the
 * in-kernel PIC/IOAPIC/LAPIC, PCI bus 0 through ports 0xCF8/0xCFC with the
 * assigned devices, a write-only serial port at 0x3F8 and an exit port at
 * 0x501. It loads a flat payload at 1 MiB and enters it in 64-bit long mode
 * with the low 4 GiB identity-mapped (2 MiB pages; 3-4 GiB uncached).
 * --append puts a NUL-terminated argument string at ARGS_GPA and passes
 * its address in RDI (0 without one), as a boot loader passes a kernel its
 * command line.
 *
 * usage: pciassign-vmm [--memory MiB] [--timeout S] [--append ARGS] --payload FILE
 *                      [--device host=SSSS:BB:DD.F[,options]]...
 * Exit status: the payload's verdict (0 pass, 1..99 its failure code), or
 * VMM_EXIT_* for the VMM's own failures.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "vmm.h"

#define PAYLOAD_GPA	0x100000ull
#define GDT_GPA		0x500ull
#define PML4_GPA	0x1000ull	/* then PDPT, then four page directories */
#define ARGS_GPA	0x7000ull	/* after them: the --append string */
#define ARGS_MAX	4096
#define SERIAL_BASE	0x3f8
#define EXIT_PORT	0x501

/* The only state shared with the signal handler. */
static volatile sig_atomic_t stop_signal;
static struct kvm_run *volatile signal_run;

static void on_signal(int sig)
{
	stop_signal = sig;
	if (signal_run)
		signal_run->immediate_exit = 1;
}

struct vmm {
	int kvm_fd, vm_fd, vcpu_fd, ctx_fd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *ram;
	uint64_t ram_size;
	struct pa_kvm *kvm;
	struct vmm_pci pci;
	bool dma_mapped;
	char line[512];
	size_t line_len;
	bool verbose;
};

static void vmm_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void vmm_log(const char *fmt, ...)
{
	va_list ap;

	fputs("vmm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void lib_log(void *opaque, const char *msg)
{
	(void)opaque;
	vmm_log("%s", msg);
}

/* The library's KVM ops plus our logger. */
static struct pa_vm_ops vm_ops;

static void serial_flush(struct vmm *v)
{
	size_t done = 0;

	while (done < v->line_len) {
		ssize_t n = write(STDOUT_FILENO, v->line + done, v->line_len - done);

		if (n <= 0)
			break;
		done += (size_t)n;
	}
	v->line_len = 0;
}

static void serial_io(struct vmm *v, uint16_t port, uint8_t *data, bool is_write)
{
	if (is_write) {
		if (port != SERIAL_BASE)
			return;
		if (*data == '\r')
			return;
		v->line[v->line_len++] = (char)*data;
		/* Whole lines, so a reader sees one transcript line at a time. */
		if (*data == '\n' || v->line_len == sizeof(v->line))
			serial_flush(v);
		return;
	}
	/* LSR: transmitter empty; everything else reads 0. */
	*data = port == SERIAL_BASE + 5 ? 0x60 : 0;
}

/* Returns -1 to keep running, else the exit status. */
static int handle_io(struct vmm *v)
{
	struct kvm_run *r = v->run;
	uint8_t *p = (uint8_t *)r + r->io.data_offset;
	bool wr = r->io.direction == KVM_EXIT_IO_OUT;
	uint16_t port = r->io.port;

	for (uint32_t i = 0; i < r->io.count; i++, p += r->io.size) {
		if (port >= SERIAL_BASE && port < SERIAL_BASE + 8) {
			serial_io(v, port, p, wr);
		} else if (port >= 0xcf8 && port < 0xd00) {
			vmm_pci_io(&v->pci, port, p, r->io.size, wr);
		} else if (port == EXIT_PORT && wr) {
			serial_flush(v);
			return *p > 99 ? 99 : *p;
		} else if (!pa_kvm_dispatch(v->kvm, true, port, p, r->io.size, wr)) {
			if (!wr)
				memset(p, 0xff, r->io.size);
		}
	}
	return -1;
}

static void handle_mmio(struct vmm *v)
{
	struct kvm_run *r = v->run;

	if (pa_kvm_dispatch(v->kvm, false, r->mmio.phys_addr, r->mmio.data,
			    r->mmio.len, r->mmio.is_write))
		return;
	if (v->verbose)
		vmm_log("unclaimed MMIO %s %#llx len %u", r->mmio.is_write ? "write" : "read",
			(unsigned long long)r->mmio.phys_addr, r->mmio.len);
	if (!r->mmio.is_write)
		memset(r->mmio.data, 0xff, sizeof(r->mmio.data));
}

static void dump_regs(struct vmm *v)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	if (ioctl(v->vcpu_fd, KVM_GET_REGS, &regs) || ioctl(v->vcpu_fd, KVM_GET_SREGS, &sregs))
		return;
	vmm_log("rip %#llx rsp %#llx rax %#llx cr0 %#llx cr3 %#llx efer %#llx",
		regs.rip, regs.rsp, regs.rax, sregs.cr0, sregs.cr3, sregs.efer);
}

static int run_vcpu(struct vmm *v)
{
	for (;;) {
		int rc;

		if (stop_signal == VMM_RELEASE_SIGNAL) {
			vmm_log("stopped: the host reclaims a device (release request)");
			return VMM_EXIT_RELEASED;
		}
		if (stop_signal) {
			vmm_log("stopped by signal %d", (int)stop_signal);
			return VMM_EXIT_SIGNAL;
		}
		if (ioctl(v->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			vmm_log("KVM_RUN: %s", strerror(errno));
			dump_regs(v);
			return VMM_EXIT_GUEST_CRASH;
		}
		switch (v->run->exit_reason) {
		case KVM_EXIT_IO:
			rc = handle_io(v);
			if (rc >= 0)
				return rc;
			break;
		case KVM_EXIT_MMIO:
			handle_mmio(v);
			break;
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_SHUTDOWN:
			serial_flush(v);
			vmm_log("guest shut down (triple fault?)");
			dump_regs(v);
			return VMM_EXIT_GUEST_CRASH;
		case KVM_EXIT_FAIL_ENTRY:
			vmm_log("VM entry failed: reason %#llx",
				(unsigned long long)v->run->fail_entry.hardware_entry_failure_reason);
			return VMM_EXIT_GUEST_CRASH;
		case KVM_EXIT_INTERNAL_ERROR:
			vmm_log("KVM internal error, suberror %u", v->run->internal.suberror);
			dump_regs(v);
			return VMM_EXIT_GUEST_CRASH;
		default:
			serial_flush(v);
			vmm_log("unexpected exit reason %u", v->run->exit_reason);
			dump_regs(v);
			return VMM_EXIT_GUEST_CRASH;
		}
	}
}

/* GDT, identity page tables, long-mode registers. */
static int setup_cpu(struct vmm *v, uint64_t entry, const char *args)
{
	uint64_t *gdt = (uint64_t *)(v->ram + GDT_GPA);
	uint64_t *pml4 = (uint64_t *)(v->ram + PML4_GPA);
	uint64_t *pdpt = pml4 + 512;
	uint64_t *pd = pdpt + 512;
	struct kvm_sregs sregs;
	struct kvm_regs regs = { 0 };
	struct kvm_segment cs = {
		.base = 0, .limit = 0xffffffff, .selector = 0x08, .type = 11,
		.present = 1, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment ds = {
		.base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 3,
		.present = 1, .s = 1, .db = 1, .g = 1,
	};

	gdt[0] = 0;
	gdt[1] = 0x00af9b000000ffffull;	/* 64-bit code */
	gdt[2] = 0x00cf93000000ffffull;	/* data */
	pml4[0] = (PML4_GPA + 0x1000) | 3;
	for (unsigned int i = 0; i < 4; i++)
		pdpt[i] = (PML4_GPA + 0x2000 + 0x1000 * i) | 3;
	for (uint64_t i = 0; i < 4 * 512; i++) {
		uint64_t addr = i << 21;

		/* 2 MiB pages; PCD|PWT above 3 GiB where MMIO and the APICs live. */
		pd[i] = addr | 0x83 | (addr >= 0xc0000000ull ? 0x18 : 0);
	}

	if (ioctl(v->vcpu_fd, KVM_GET_SREGS, &sregs))
		return -errno;
	sregs.cs = cs;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = ds;
	sregs.gdt.base = GDT_GPA;
	sregs.gdt.limit = 3 * 8 - 1;
	sregs.cr3 = PML4_GPA;
	sregs.cr4 = 0x20 | 0x200 | 0x400;	/* PAE, OSFXSR, OSXMMEXCPT */
	sregs.cr0 = 0x80050033;			/* PG, WP, NE, ET, MP, PE */
	sregs.efer = 0x500;			/* LME, LMA */
	if (ioctl(v->vcpu_fd, KVM_SET_SREGS, &sregs))
		return -errno;
	regs.rip = entry;
	regs.rflags = 2;
	if (args) {
		memcpy(v->ram + ARGS_GPA, args, strlen(args) + 1);
		regs.rdi = ARGS_GPA;
	}
	regs.rsp = PAYLOAD_GPA;	/* until the payload sets its own */
	if (ioctl(v->vcpu_fd, KVM_SET_REGS, &regs))
		return -errno;
	return 0;
}

static int setup_cpuid(struct vmm *v)
{
	struct kvm_cpuid2 *c;
	int n = 100, ret;

	for (;;) {
		c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c)
			return -ENOMEM;
		c->nent = (uint32_t)n;
		if (!ioctl(v->kvm_fd, KVM_GET_SUPPORTED_CPUID, c))
			break;
		ret = -errno;
		free(c);
		if (ret != -E2BIG || n > 4000)
			return ret;
		n *= 2;
	}
	ret = ioctl(v->vcpu_fd, KVM_SET_CPUID2, c) ? -errno : 0;
	free(c);
	return ret;
}

static int load_payload(struct vmm *v, const char *path)
{
	struct stat st;
	size_t done = 0;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		ret = -errno;
		goto out;
	}
	/* Leave room for the payload's stack and buffers above it. */
	if (!st.st_size || (uint64_t)st.st_size > v->ram_size / 2 - PAYLOAD_GPA) {
		ret = -EFBIG;
		goto out;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, v->ram + PAYLOAD_GPA + done, (size_t)st.st_size - done);

		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			goto out;
		}
		done += (size_t)n;
	}
out:
	close(fd);
	return ret;
}

static int setup_vm(struct vmm *v)
{
	int ret, mmap_size;

	v->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (v->kvm_fd < 0) {
		ret = -errno;
		vmm_log("/dev/kvm: %s (is kvm_intel/kvm_amd loaded, nested enabled?)",
			strerror(errno));
		return ret;
	}
	v->vm_fd = ioctl(v->kvm_fd, KVM_CREATE_VM, 0);
	if (v->vm_fd < 0) {
		ret = -errno;
		vmm_log("KVM_CREATE_VM: %s", strerror(errno));
		return ret;
	}
	/* Needed on Intel for real-mode bits; harmless elsewhere. */
	ioctl(v->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000ul);
	if (ioctl(v->vm_fd, KVM_CREATE_IRQCHIP, 0)) {
		ret = -errno;
		vmm_log("KVM_CREATE_IRQCHIP: %s", strerror(errno));
		return ret;
	}
	ret = pa_kvm_new(v->vm_fd, &v->kvm);
	if (ret) {
		vmm_log("KVM wiring: %s", strerror(-ret));
		return ret;
	}
	v->ram = mmap(NULL, v->ram_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (v->ram == MAP_FAILED) {
		v->ram = NULL;
		ret = -errno;
		vmm_log("guest RAM: %s", strerror(errno));
		return ret;
	}
	ret = pa_kvm_add_ram(v->kvm, 0, v->ram_size, v->ram);
	if (ret) {
		vmm_log("RAM memslot: %s", strerror(-ret));
		return ret;
	}
	v->vcpu_fd = ioctl(v->vm_fd, KVM_CREATE_VCPU, 0);
	if (v->vcpu_fd < 0) {
		ret = -errno;
		vmm_log("KVM_CREATE_VCPU: %s", strerror(errno));
		return ret;
	}
	mmap_size = ioctl(v->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size <= 0)
		return -EINVAL;
	v->run_size = (size_t)mmap_size;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu_fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return -errno;
	}
	ret = setup_cpuid(v);
	if (ret)
		vmm_log("CPUID setup: %s (continuing)", strerror(-ret));
	return 0;
}

static int add_device(struct vmm *v, const char *spec)
{
	struct pa_device_opts o;
	char err[256] = "", bdf[PA_BDF_STRLEN];
	unsigned int slot = v->pci.ndev + 1;
	struct pa_device *d;
	int ret;

	if (v->pci.ndev == VMM_MAX_DEVICES) {
		vmm_log("--device %s: at most %d devices", spec, VMM_MAX_DEVICES);
		return -ENOSPC;
	}
	pa_device_opts_init(&o);
	ret = pa_device_opts_parse(spec, &o, err, sizeof(err));
	if (ret) {
		vmm_log("--device %s: %s", spec, err);
		return ret;
	}
	for (unsigned int i = 0; i < v->pci.ndev; i++) {
		const struct pa_device_opts *p = pa_device_get_opts(v->pci.dev[i]);

		if (o.bootindex >= 0 && p->bootindex == o.bootindex) {
			vmm_log("--device %s: bootindex %d used twice", spec, o.bootindex);
			return -EINVAL;
		}
		if (o.id[0] && !strcmp(o.id, p->id)) {
			vmm_log("--device %s: id '%s' used twice", spec, o.id);
			return -EINVAL;
		}
	}
	if (v->ctx_fd < 0) {
		v->ctx_fd = pa_context_open();
		if (v->ctx_fd < 0) {
			ret = v->ctx_fd;
			vmm_log("/dev/pciassign: %s", strerror(-ret));
			return ret;
		}
	}
	pa_bdf_format(&o.host, bdf);
	ret = pa_device_open(v->ctx_fd, &o, &vm_ops, v->kvm, (uint8_t)(slot << 3), &d);
	if (ret) {
		vmm_log("device %s: %s", bdf, strerror(-ret));
		return ret;
	}
	v->pci.dev[v->pci.ndev++] = d;
	vmm_log("device %s%s%s at guest 00:%02x.0", bdf, o.id[0] ? " id " : "", o.id, slot);
	return 0;
}

static void teardown(struct vmm *v)
{
	for (unsigned int i = 0; i < v->pci.ndev; i++)
		pa_device_close(v->pci.dev[i]);
	v->pci.ndev = 0;
	if (v->dma_mapped)
		pa_dma_unmap(v->ctx_fd, 0, v->ram_size);
	if (v->ctx_fd >= 0)
		close(v->ctx_fd);
	signal_run = NULL;
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->vcpu_fd >= 0)
		close(v->vcpu_fd);
	pa_kvm_free(v->kvm);
	if (v->vm_fd >= 0)
		close(v->vm_fd);
	if (v->ram)
		munmap(v->ram, v->ram_size);
	if (v->kvm_fd >= 0)
		close(v->kvm_fd);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pciassign-vmm [--memory MiB] [--timeout S] [--verbose] [--append ARGS]\n"
		"                     --payload FILE\n"
		"                     [--device host=SSSS:BB:DD.F[,id=,rombar=,romfile=,\n"
		"                       bootindex=,prefer_msi=,share_intx=]]...\n");
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "memory", required_argument, NULL, 'm' },
		{ "payload", required_argument, NULL, 'p' },
		{ "device", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "append", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vmm v = { .kvm_fd = -1, .vm_fd = -1, .vcpu_fd = -1, .ctx_fd = -1 };
	const char *payload = NULL, *args = NULL, *devs[VMM_MAX_DEVICES + 1];
	unsigned int ndevs = 0, timeout_s = 0;
	unsigned long mib = 64;
	struct sigaction sa = { .sa_handler = on_signal };
	struct timespec t0, t1;
	int c, rc = VMM_EXIT_ERROR, ret;

	while ((c = getopt_long(argc, argv, "m:p:d:t:a:vh", lopts, NULL)) != -1) {
		switch (c) {
		case 'm': {
			char *end;

			mib = strtoul(optarg, &end, 0);
			if (*end || end == optarg)
				mib = 0;	/* rejected below */
			break;
		}
		case 'p':
			payload = optarg;
			break;
		case 'd':
			if (ndevs > VMM_MAX_DEVICES) {
				vmm_log("too many --device options");
				return VMM_EXIT_ERROR;
			}
			devs[ndevs++] = optarg;
			break;
		case 't':
			timeout_s = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'v':
			v.verbose = true;
			break;
		case 'a':
			if (strlen(optarg) >= ARGS_MAX) {
				vmm_log("--append: longer than %d bytes", ARGS_MAX - 1);
				return VMM_EXIT_ERROR;
			}
			args = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return VMM_EXIT_ERROR;
		}
	}
	/* 16 MiB holds the tables, the payload and its DMA buffers. */
	if (!payload || optind != argc || mib < 16 || mib > 2048) {
		usage(stderr);
		return VMM_EXIT_ERROR;
	}
	v.ram_size = (uint64_t)mib << 20;
	vm_ops = pa_kvm_vm_ops;
	vm_ops.log = lib_log;

	/* No SA_RESTART: KVM_RUN must come back with EINTR. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(VMM_RELEASE_SIGNAL, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);

	if (setup_vm(&v))
		goto out;
	for (unsigned int i = 0; i < ndevs; i++)
		if (add_device(&v, devs[i]))
			goto out;
	if (v.pci.ndev) {
		ret = pa_dma_map(v.ctx_fd, v.ram, 0, v.ram_size, true);
		if (ret) {
			vmm_log("DMA map of guest RAM: %s", strerror(-ret));
			goto out;
		}
		v.dma_mapped = true;
		ret = vmm_watch_release(&v.pci);
		if (ret) {
			vmm_log("release-request eventfds: %s", strerror(-ret));
			goto out;
		}
	}
	ret = load_payload(&v, payload);
	if (ret) {
		vmm_log("payload %s: %s", payload, strerror(-ret));
		goto out;
	}
	ret = setup_cpu(&v, PAYLOAD_GPA, args);
	if (ret) {
		vmm_log("vCPU setup: %s", strerror(-ret));
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	vmm_log("ready in %ld ms: %lu MiB RAM, %u device(s), payload %s",
		(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000,
		mib, v.pci.ndev, payload);
	signal_run = v.run;
	if (stop_signal)
		v.run->immediate_exit = 1;
	if (timeout_s)
		alarm(timeout_s);
	rc = run_vcpu(&v);
	alarm(0);
	serial_flush(&v);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	vmm_log("guest finished with status %d after %ld ms", rc,
		(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
out:
	teardown(&v);
	return rc;
}
