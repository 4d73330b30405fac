// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pciassign-vmm: the reference VMM of pciassign. It boots a Linux bzImage
 * (--kernel) or runs a flat test payload (--payload) with host PCI
 * functions assigned through libpciassign (--device).
 *
 * usage: see usage() and pciassign-vmm(1).
 * Exit status: the payload's verdict (0 pass, 1..99 its failure code), 0
 * when a Linux guest powers off, or VMM_EXIT_* (vmm.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

#define ARGS_MAX	4096

void vmm_log(const char *fmt, ...)
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

/* Milliseconds from *t to now; *t moves to now (phase timings). */
static long lap_ms(struct timespec *t)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
	*t = now;
	return ms;
}

/* The library's KVM ops plus our logger. */
static struct pa_vm_ops vm_ops;

/* Called with v->lock held: the first status wins, the main thread wakes. */
void vmm_finish(struct vmm *v, int status)
{
	if (v->status < 0) {
		v->status = status;
		pthread_kill(v->main_thread, VMM_DONE_SIGNAL);
	}
}

static int setup_vm(struct vmm *v, uint64_t mem_size, bool hugepages)
{
	int ret;

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
	if (v->linux_boot) {
		struct kvm_pit_config pit = { .flags = 0 };

		if (ioctl(v->vm_fd, KVM_CREATE_PIT2, &pit)) {
			ret = -errno;
			vmm_log("KVM_CREATE_PIT2: %s", strerror(errno));
			return ret;
		}
	}
	ret = pa_kvm_new(v->vm_fd, &v->kvm);
	if (ret) {
		vmm_log("KVM wiring: %s", strerror(-ret));
		return ret;
	}
	ret = vmm_mem_alloc(&v->mem, mem_size, hugepages);
	if (ret) {
		vmm_log("guest RAM (%llu MiB%s): %s", (unsigned long long)(mem_size >> 20),
			hugepages ? ", hugetlbfs" : "", strerror(-ret));
		return ret;
	}
	ret = pa_kvm_add_ram(v->kvm, 0, v->mem.low, v->mem.hva);
	if (!ret && v->mem.high)
		ret = pa_kvm_add_ram(v->kvm, VMM_HIGH_RAM_BASE, v->mem.high,
				     v->mem.hva + v->mem.low);
	if (ret) {
		vmm_log("RAM memslot: %s", strerror(-ret));
		return ret;
	}
	return vmm_vcpus_create(v);
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
			vmm_log("/dev/pciassign: %s%s", strerror(-ret),
				ret == -ENOENT ? " (is the module loaded? try 'modprobe pciassign')" :
				ret == -EACCES ? " (the udev rule gives it to group kvm: are you a member?)" :
				"");
			return ret;
		}
		/* Lets KVM post the devices' interrupts (where the IOMMU can). */
		ret = pa_context_set_kvm(v->ctx_fd, v->vm_fd);
		if (ret && (ret != -EOPNOTSUPP || v->verbose))
			vmm_log("telling KVM about the assigned devices: %s%s", strerror(-ret),
				ret == -EOPNOTSUPP ? " (this kernel keeps it to VFIO)" : "");
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
	vmm_vcpus_stop(v);
	vmm_dma_stop(v);
	/* Devices first: one may still be writing to guest RAM. */
	for (unsigned int i = 0; i < v->pci.ndev; i++)
		pa_device_close(v->pci.dev[i]);
	v->pci.ndev = 0;
	vmm_dma_unmap(v);
	if (v->ctx_fd >= 0)
		close(v->ctx_fd);
	for (unsigned int i = 0; i < v->ncpus; i++) {
		if (v->vcpu[i].run)
			munmap(v->vcpu[i].run, v->run_size);
		if (v->vcpu[i].fd >= 0)
			close(v->vcpu[i].fd);
	}
	pa_kvm_free(v->kvm);
	if (v->vm_fd >= 0)
		close(v->vm_fd);
	vmm_mem_free(&v->mem);
	if (v->kvm_fd >= 0)
		close(v->kvm_fd);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pciassign-vmm --kernel BZIMAGE [--initrd FILE] [--cmdline STR]\n"
		"                     [--cpus N] [--memory MiB] [--hugepages] [--console-in]\n"
		"                     [--bars vmm|guest] [options] [--device SPEC]...\n"
		"       pciassign-vmm --payload FILE [--append ARGS] [--memory MiB] [options]\n"
		"                     [--device SPEC]...\n"
		"options: --timeout S, --stats, --verbose, --help, --version\n"
		"SPEC: host=SSSS:BB:DD.F[,id=,rombar=,romfile=,bootindex=,prefer_msi=,share_intx=]\n");
}

/*
 * Every --device SPEC, checked before anything is opened: its options, at
 * most VMM_MAX_DEVICES, no host function, id or bootindex given twice.
 * Returns 0, or -EINVAL with a message naming the bad SPEC.
 */
static int check_devices(const char *const *specs, unsigned int n)
{
	static struct pa_device_opts o[VMM_MAX_DEVICES];
	char err[256];

	for (unsigned int i = 0; i < n; i++) {
		pa_device_opts_init(&o[i]);
		err[0] = 0;
		if (pa_device_opts_parse(specs[i], &o[i], err, sizeof(err))) {
			vmm_log("--device '%s': %s", specs[i], err[0] ? err : "invalid");
			return -EINVAL;
		}
		for (unsigned int k = 0; k < i; k++) {
			const char *what = NULL;

			if (!memcmp(&o[k].host, &o[i].host, sizeof(o[i].host)))
				what = "the same host function";
			else if (o[i].id[0] && !strcmp(o[i].id, o[k].id))
				what = "the same id";
			else if (o[i].bootindex >= 0 && o[i].bootindex == o[k].bootindex)
				what = "the same bootindex";
			if (what) {
				vmm_log("--device '%s': %s as --device '%s'", specs[i], what, specs[k]);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* A whole decimal number in [min, max], or -1 with a message. */
static long parse_num(const char *opt, const char *s, long min, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || end == s || *end || n < min || n > max) {
		vmm_log("--%s '%s': expected a whole number from %ld to %ld", opt, s, min, max);
		return -1;
	}
	return n;
}

/* The signals that end the guest; only the main thread takes them. */
static void end_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGALRM);
	sigaddset(set, VMM_RELEASE_SIGNAL);
	sigaddset(set, VMM_DONE_SIGNAL);
}

static int wait_for_end(struct vmm *v)
{
	sigset_t set;
	int sig;

	end_signals(&set);
	for (;;) {
		int status;

		sig = sigwaitinfo(&set, NULL);
		if (sig < 0)
			continue;
		pthread_mutex_lock(&v->lock);
		if (v->status < 0) {
			if (sig == VMM_RELEASE_SIGNAL) {
				vmm_log("stopped: the host reclaims a device (release request)");
				v->status = VMM_EXIT_RELEASED;
			} else if (sig == SIGALRM) {
				vmm_log("stopped: --timeout expired");
				v->status = VMM_EXIT_SIGNAL;
			} else if (sig != VMM_DONE_SIGNAL) {
				vmm_log("stopped by signal %d", sig);
				v->status = VMM_EXIT_SIGNAL;
			}
		}
		status = v->status;
		pthread_mutex_unlock(&v->lock);
		if (status >= 0)
			return status;
	}
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "memory", required_argument, NULL, 'm' },
		{ "payload", required_argument, NULL, 'p' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "cpus", required_argument, NULL, 'n' },
		{ "device", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "append", required_argument, NULL, 'a' },
		{ "hugepages", no_argument, NULL, 'H' },
		{ "console-in", no_argument, NULL, 'C' },
		{ "bars", required_argument, NULL, 'b' },
		{ "stats", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct vmm v = { .kvm_fd = -1, .vm_fd = -1, .ctx_fd = -1, .status = -1,
			 .mem = { .fd = -1 } };
	struct vmm_linux_args la = { 0 };
	const char *payload = NULL, *args = NULL, *devs[VMM_MAX_DEVICES + 1];
	unsigned int ndevs = 0;
	long timeout_s = 0, mib = -1, cpus = 1;
	bool hugepages = false, console_in = false, guest_bars = false, stats = false;
	sigset_t block;
	struct timespec t0, t1, lap;
	long ms[3] = { 0 };
	int c, rc = VMM_EXIT_ERROR, ret;

	for (unsigned int i = 0; i < VMM_MAX_CPUS; i++)
		v.vcpu[i].fd = -1;
	/* Our own messages for unknown options and missing values. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:p:k:i:c:n:d:t:a:b:vhHCSV", lopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			mib = parse_num("memory", optarg, 16, 65536);
			if (mib < 0)
				return VMM_EXIT_ERROR;
			break;
		case 'p':
			payload = optarg;
			break;
		case 'k':
			la.kernel = optarg;
			break;
		case 'i':
			la.initrd = optarg;
			break;
		case 'c':
			la.cmdline = optarg;
			break;
		case 'n':
			cpus = parse_num("cpus", optarg, 1, VMM_MAX_CPUS);
			if (cpus < 0)
				return VMM_EXIT_ERROR;
			break;
		case 'd':
			if (ndevs == VMM_MAX_DEVICES) {
				vmm_log("--device %s: at most %d devices", optarg, VMM_MAX_DEVICES);
				return VMM_EXIT_ERROR;
			}
			devs[ndevs++] = optarg;
			break;
		case 't':
			timeout_s = parse_num("timeout", optarg, 0, INT_MAX);
			if (timeout_s < 0)
				return VMM_EXIT_ERROR;
			break;
		case 'S':
			stats = true;
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
		case 'H':
			hugepages = true;
			break;
		case 'C':
			console_in = true;
			break;
		case 'b':
			if (strcmp(optarg, "vmm") && strcmp(optarg, "guest")) {
				vmm_log("--bars '%s': expected vmm or guest", optarg);
				return VMM_EXIT_ERROR;
			}
			guest_bars = !strcmp(optarg, "guest");
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("pciassign-vmm %s\n", PCIASSIGN_VERSION);
			return 0;
		case ':':
			vmm_log("%s needs a value; see pciassign-vmm --help", argv[optind - 1]);
			return VMM_EXIT_ERROR;
		default:
			if (optopt)
				vmm_log("unknown option '-%c'; see pciassign-vmm --help", optopt);
			else
				vmm_log("unknown option '%s'; see pciassign-vmm --help", argv[optind - 1]);
			return VMM_EXIT_ERROR;
		}
	}
	if (optind != argc) {
		vmm_log("unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return VMM_EXIT_ERROR;
	}
	if (!payload == !la.kernel) {
		vmm_log("give exactly one of --kernel and --payload");
		usage(stderr);
		return VMM_EXIT_ERROR;
	}
	if (payload && (la.initrd || la.cmdline || cpus != 1 || guest_bars || console_in)) {
		vmm_log("--initrd, --cmdline, --cpus, --bars and --console-in need --kernel");
		return VMM_EXIT_ERROR;
	}
	if (la.kernel && args) {
		vmm_log("--append is for --payload; use --cmdline with --kernel");
		return VMM_EXIT_ERROR;
	}
	/* Every device's options, before any of them is opened. */
	if (check_devices(devs, ndevs))
		return VMM_EXIT_ERROR;
	v.linux_boot = la.kernel != NULL;
	if (mib < 0)
		mib = v.linux_boot ? 256 : 64;
	/* The payload maps only the low 4 GiB and keeps its buffers below 2 GiB. */
	if (payload && mib > 2048) {
		vmm_log("--memory %ld: a payload takes at most 2048 MiB", mib);
		return VMM_EXIT_ERROR;
	}
	if (hugepages && (mib & 1)) {
		vmm_log("--memory %ld: --hugepages needs a multiple of 2 MiB", mib);
		return VMM_EXIT_ERROR;
	}
	v.ncpus = (unsigned int)cpus;
	vm_ops = pa_kvm_vm_ops;
	vm_ops.log = lib_log;
	pthread_mutex_init(&v.lock, NULL);
	vmm_dma_init(&v.dma);
	v.pci.dma = &v.dma;
	v.main_thread = pthread_self();

	/*
	 * Every thread blocks these; the main thread takes them with
	 * sigwaitinfo(). vCPU threads unblock only the kick.
	 */
	end_signals(&block);
	sigaddset(&block, VMM_KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	signal(SIGPIPE, SIG_IGN);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	lap = t1 = t0;

	if (setup_vm(&v, (uint64_t)mib << 20, hugepages))
		goto out;
	if (ndevs)
		vmm_dma_prefault(&v);
	ms[0] = lap_ms(&lap);
	/* The guest image first: a bad one attaches nothing. */
	ret = payload ? vmm_payload_load(&v, payload, args) : vmm_linux_load(&v, &la);
	if (ret) {
		if (ret != -ENOEXEC && ret != -ENOMEM && ret != -E2BIG && ret != -EFBIG &&
		    ret != -ENODATA && ret != -EINVAL && ret != -ENOENT)
			vmm_log("loading the guest: %s", strerror(-ret));
		goto out;
	}
	ms[1] = lap_ms(&lap);
	for (unsigned int i = 0; i < ndevs; i++)
		if (add_device(&v, devs[i]))
			goto out;
	ms[2] = lap_ms(&lap);
	if (v.pci.ndev) {
		if (vmm_dma_map_async(&v))
			goto out;
		ret = vmm_watch_release(&v.pci);
		if (ret) {
			vmm_log("release-request eventfds: %s", strerror(-ret));
			goto out;
		}
		if (v.linux_boot && !guest_bars) {
			ret = vmm_pci_assign_bars(&v.pci);
			if (ret) {
				vmm_log("placing BARs: %s", strerror(-ret));
				goto out;
			}
		}
	}
	v.pci.stats = &v.stats;
	if (stats)
		vmm_stats_init(&v);
	if (console_in && vmm_serial_stdin(&v)) {
		vmm_log("--console-in: cannot start the reader");
		goto out;
	}
	vmm_log("ready in %ld ms (VM and RAM %ld, guest image %ld, devices %ld): "
		"%ld MiB RAM%s, %u vCPU(s), %u device(s), %s %s",
		lap_ms(&t1), ms[0], ms[1], ms[2],
		mib, hugepages ? " on huge pages" : "", v.ncpus, v.pci.ndev,
		payload ? "payload" : "kernel",
		payload ? payload : la.kernel);
	if (timeout_s)
		alarm((unsigned int)timeout_s);
	ret = vmm_vcpus_run(&v);
	if (ret) {
		vmm_log("vCPU threads: %s", strerror(-ret));
		pthread_mutex_lock(&v.lock);
		v.status = VMM_EXIT_ERROR;
		pthread_mutex_unlock(&v.lock);
	}
	rc = wait_for_end(&v);
	alarm(0);
	vmm_vcpus_stop(&v);
	vmm_serial_flush(&v.serial);
	vmm_stats_print(&v, "end");
	vmm_log("guest finished with status %d after %ld ms", rc, lap_ms(&t0));
out:
	teardown(&v);
	return rc;
}
