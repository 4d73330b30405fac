// SPDX-License-Identifier: GPL-2.0
/*
 * Structure-aware ioctl fuzzer for /dev/pciassign, run in the rig.
 *
 *   pa-ioctl-fuzz SEED OPS THREADS BDF [BDF...]
 *
 * Each thread draws operations from its own PRNG (seeded SEED + thread):
 * contexts and device fds opened, used and closed (also while other
 * threads use them), ioctls with arguments that are mostly plausible and
 * sometimes hostile (sizes, flags, ranges near 2^64, bad fds), config and
 * BAR reads/writes, mmaps that are touched (SIGBUS is expected when a
 * device stops decoding), and children that die holding fds. Every
 * operation is logged to /tmp/pa-fuzz-<thread>.log first, so the last
 * lines name what ran when something went wrong; SEED and OPS replay a
 * single-threaded run exactly.
 *
 * Verdicts (PA-RESULT lines): the run completes (no hang: the case has a
 * timeout), no ioctl returns an errno outside the documented set, locked
 * memory returns to its starting value after everything is closed, and
 * every device can be attached again. The kernel log is checked by the
 * host for oopses and warnings.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <linux/pciassign.h>

#include "vmtest.h"

#define MAX_CTX	4
#define MAX_DEV	4
#define POOL	8		/* buffers DMA maps draw from */
#define POOL_SZ	(2u << 20)

static const char **bdfs;
static int n_bdfs;
static uint64_t base_seed;
static long ops_per_thread;

/* fds shared by all threads; a slot may be closed under another's use. */
static int ctx_fds[MAX_CTX] = { -1, -1, -1, -1 };
static int dev_fds[MAX_DEV] = { -1, -1, -1, -1 };
static pthread_mutex_t fd_lock = PTHREAD_MUTEX_INITIALIZER;
static void *pool[POOL];
static int evfds[4];
static volatile int unexpected;	/* errno outside the documented set */
static char unexpected_what[256];

struct fuzzer {
	uint64_t rng;
	FILE *log;
	int id;
	sigjmp_buf jb;
	volatile sig_atomic_t jb_set;	/* jb is live: a fault may jump there */
};

static __thread struct fuzzer *self;

static uint64_t rnd(struct fuzzer *f)
{
	/* xorshift64* */
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return f->rng * 2685821657736338717ull;
}

static uint64_t below(struct fuzzer *f, uint64_t n)
{
	return n ? rnd(f) % n : 0;
}

static int chance(struct fuzzer *f, int percent)
{
	return (int)below(f, 100) < percent;
}

/* A value that is mostly sane and sometimes an edge. */
static uint64_t edge64(struct fuzzer *f, uint64_t sane)
{
	static const uint64_t edges[] = {
		0, 1, 0xfff, 0x1000, 0x1001, 0xfffff000ull, 0xfee00000ull,
		0x7ffffffff000ull, 0xfffffffffffff000ull, UINT64_MAX,
		UINT64_MAX - 0xfff, 1ull << 63, 0x100000000ull,
	};

	if (chance(f, 80))
		return sane;
	return edges[below(f, sizeof(edges) / sizeof(edges[0]))];
}

static uint32_t edge_argsz(struct fuzzer *f, uint32_t real)
{
	switch (below(f, 10)) {
	case 0: return 0;
	case 1: return (uint32_t)below(f, real);
	case 2: return real + (uint32_t)below(f, 64);
	case 3: return UINT32_MAX;
	case 4: return 4096 + 1;
	default: return real;
	}
}

static uint32_t edge_flags(struct fuzzer *f, uint32_t valid)
{
	if (chance(f, 85))
		return (uint32_t)(rnd(f) & valid);
	return (uint32_t)rnd(f);
}

/* errnos the UAPI documents; anything else is a finding. */
static void check_errno(const char *what, long r)
{
	static const int ok[] = {
		EINVAL, E2BIG, EFAULT, ENOTTY, ENODEV, EEXIST, ENOSPC, ENOMEM,
		EBUSY, EBADF, ENOENT, EIO, EPERM, EXDEV, ENXIO, EAGAIN, EOVERFLOW,
		EOPNOTSUPP, ERANGE, EACCES, EMFILE,
		ESPIPE,		/* pread on a random fd that is a pipe or eventfd */
	};

	if (r >= 0)
		return;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (errno == ok[i])
			return;
	if (!unexpected) {
		snprintf(unexpected_what, sizeof(unexpected_what), "%s: errno %d (%s)",
			 what, errno, strerror(errno));
		unexpected = 1;
	}
}

static int pick_fd(struct fuzzer *f, int *slots, int n)
{
	int fd;

	pthread_mutex_lock(&fd_lock);
	fd = slots[below(f, n)];
	pthread_mutex_unlock(&fd_lock);
	if (chance(f, 3))
		fd = (int)below(f, 64);	/* whatever fd number that is */
	return fd;
}

static void put_fd(int *slots, int n, int fd, struct fuzzer *f)
{
	int i = (int)below(f, n), old;

	pthread_mutex_lock(&fd_lock);
	old = slots[i];
	slots[i] = fd;
	pthread_mutex_unlock(&fd_lock);
	if (old >= 0)
		close(old);
}

static void bdf_attach(struct fuzzer *f, struct pciassign_attach *a)
{
	unsigned int seg, bus, dev, fn;
	const char *b = bdfs[below(f, n_bdfs)];

	memset(a, 0, sizeof(*a));
	sscanf(b, "%x:%x:%x.%x", &seg, &bus, &dev, &fn);
	a->argsz = sizeof(*a);
	a->segment = seg;
	a->bus = bus;
	a->devfn = (dev << 3) | fn;
	if (chance(f, 5))
		a->devfn = (uint8_t)rnd(f);
	if (chance(f, 3))
		a->flags = (uint32_t)rnd(f);
	if (chance(f, 3))
		a->argsz = edge_argsz(f, sizeof(*a));
}

static void op_open_ctx(struct fuzzer *f)
{
	int fd = open("/dev/pciassign", O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		put_fd(ctx_fds, MAX_CTX, fd, f);
}

/*
 * SET_KVM: a KVM VM fd (made once, when /dev/kvm is there), another fd,
 * -1 (unlink) or junk; sometimes with flags, reserved bits or a short size.
 */
static int kvm_vm_fd(void)
{
	static int vm = -2;

	pthread_mutex_lock(&fd_lock);
	if (vm == -2) {
		int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);

		vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
		if (kvm >= 0)
			close(kvm);
	}
	pthread_mutex_unlock(&fd_lock);
	return vm;
}

static void op_set_kvm(struct fuzzer *f)
{
	struct pciassign_set_kvm k = { .argsz = sizeof(k) };

	switch (below(f, 4)) {
	case 0:
		k.vm_fd = kvm_vm_fd();
		break;
	case 1:
		k.vm_fd = pick_fd(f, dev_fds, MAX_DEV);
		break;
	case 2:
		k.vm_fd = -1;
		break;
	default:
		k.vm_fd = (int32_t)rnd(f);
		break;
	}
	if (chance(f, 10))
		k.flags = edge_flags(f, 0);
	if (chance(f, 5))
		k.reserved = (uint32_t)rnd(f);
	if (chance(f, 10))
		k.argsz = edge_argsz(f, sizeof(k));
	if (k.argsz > sizeof(k))
		k.argsz = sizeof(k);
	check_errno("SET_KVM", ioctl(pick_fd(f, ctx_fds, MAX_CTX), PCIASSIGN_SET_KVM, &k));
}

static void op_attach(struct fuzzer *f)
{
	struct pciassign_attach a;
	int fd;

	bdf_attach(f, &a);
	fd = ioctl(pick_fd(f, ctx_fds, MAX_CTX), PCIASSIGN_ATTACH_DEVICE, &a);
	check_errno("ATTACH", fd);
	if (fd >= 0)
		put_fd(dev_fds, MAX_DEV, fd, f);
}

static void op_dma_map(struct fuzzer *f)
{
	struct pciassign_dma_map m = { .argsz = sizeof(m) };
	uint64_t off = below(f, POOL_SZ / 4096) * 4096;

	m.flags = edge_flags(f, PCIASSIGN_DMA_MAP_READ | PCIASSIGN_DMA_MAP_WRITE);
	m.vaddr = edge64(f, (uint64_t)(uintptr_t)pool[below(f, POOL)] + off);
	m.iova = edge64(f, below(f, 64) << 20 | (chance(f, 90) ? 0 : below(f, 4096)));
	m.size = edge64(f, (1 + below(f, 64)) * 4096);
	if (chance(f, 5))
		m.argsz = edge_argsz(f, sizeof(m));
	check_errno("DMA_MAP", ioctl(pick_fd(f, ctx_fds, MAX_CTX), PCIASSIGN_DMA_MAP, &m));
}

static void op_dma_unmap(struct fuzzer *f)
{
	struct pciassign_dma_unmap u = { .argsz = sizeof(u) };

	u.flags = chance(f, 10) ? PCIASSIGN_DMA_UNMAP_ALL : edge_flags(f, 0);
	if (!(u.flags & PCIASSIGN_DMA_UNMAP_ALL) || chance(f, 20)) {
		u.iova = edge64(f, below(f, 64) << 20);
		u.size = edge64(f, (1 + below(f, 1024)) * 4096);
	}
	if (chance(f, 5))
		u.argsz = edge_argsz(f, sizeof(u));
	check_errno("DMA_UNMAP", ioctl(pick_fd(f, ctx_fds, MAX_CTX), PCIASSIGN_DMA_UNMAP, &u));
}

static void op_info(struct fuzzer *f)
{
	uint8_t buf[512];
	struct pciassign_iommu_info *ii = (void *)buf;
	struct pciassign_region_info ri = { .argsz = sizeof(ri) };
	struct pciassign_irq_info qi = { .argsz = sizeof(qi) };
	struct pciassign_device_info di = { .argsz = sizeof(di) };
	struct pciassign_version v = { .argsz = sizeof(v) };
	struct pciassign_check_extension ce = { .argsz = sizeof(ce) };
	struct pciassign_device_info *dc = (void *)buf;

	memset(buf, 0, sizeof(buf));
	switch (below(f, 7)) {
	case 0:
		ii->argsz = chance(f, 50) ? sizeof(buf) : edge_argsz(f, sizeof(*ii));
		if (ii->argsz > sizeof(buf) && ii->argsz != UINT32_MAX)
			ii->argsz = sizeof(buf);
		ii->flags = edge_flags(f, 0);
		check_errno("IOMMU_INFO",
			    ioctl(pick_fd(f, ctx_fds, MAX_CTX), PCIASSIGN_IOMMU_INFO, ii));
		break;
	case 1:
		ri.index = (uint32_t)(chance(f, 85) ? below(f, PCIASSIGN_NUM_REGIONS) : rnd(f));
		ri.flags = edge_flags(f, 0);
		check_errno("REGION_INFO",
			    ioctl(pick_fd(f, dev_fds, MAX_DEV), PCIASSIGN_REGION_INFO, &ri));
		break;
	case 2:
		qi.index = (uint32_t)(chance(f, 85) ? below(f, PCIASSIGN_NUM_IRQS) : rnd(f));
		check_errno("IRQ_INFO",
			    ioctl(pick_fd(f, dev_fds, MAX_DEV), PCIASSIGN_IRQ_INFO, &qi));
		break;
	case 3:
		di.flags = edge_flags(f, 0);
		check_errno("DEVICE_INFO",
			    ioctl(pick_fd(f, dev_fds, MAX_DEV), PCIASSIGN_DEVICE_INFO, &di));
		break;
	case 4:
		/* The capability chain: any argsz, the chain lands within it. */
		memset(buf, (int)below(f, 256), sizeof(buf));
		memset(dc, 0, sizeof(*dc));
		dc->argsz = chance(f, 50) ? (uint32_t)below(f, 128) : edge_argsz(f, sizeof(*dc));
		if (dc->argsz > sizeof(buf) && dc->argsz != UINT32_MAX)
			dc->argsz = sizeof(buf);
		dc->flags = chance(f, 80) ? PCIASSIGN_DEVICE_INFO_CAPS :
			    edge_flags(f, PCIASSIGN_DEVICE_INFO_CAPS);
		check_errno("DEVICE_INFO_CAPS",
			    ioctl(pick_fd(f, dev_fds, MAX_DEV), PCIASSIGN_DEVICE_INFO, dc));
		break;
	case 5:
		ce.extension = (uint32_t)(chance(f, 70) ? below(f, 10) : rnd(f));
		ce.flags = edge_flags(f, 0);
		if (chance(f, 10))
			ce.argsz = edge_argsz(f, sizeof(ce));
		if (ce.argsz > sizeof(ce))
			ce.argsz = sizeof(ce);
		check_errno("CHECK_EXTENSION",
			    ioctl(pick_fd(f, chance(f, 90) ? ctx_fds : dev_fds, MAX_CTX),
				  PCIASSIGN_CHECK_EXTENSION, &ce));
		break;
	default:
		v.argsz = edge_argsz(f, sizeof(v));
		if (v.argsz > sizeof(v))
			v.argsz = sizeof(v);
		check_errno("GET_VERSION",
			    ioctl(pick_fd(f, ctx_fds, MAX_CTX), PCIASSIGN_GET_VERSION, &v));
	}
}

static void op_set_irqs(struct fuzzer *f)
{
	uint8_t buf[sizeof(struct pciassign_irq_set) + 8 * sizeof(int32_t)];
	struct pciassign_irq_set *s = (void *)buf;
	static const uint32_t actions[] = {
		PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_SET_MASK,
		PCIASSIGN_IRQ_SET_UNMASK, PCIASSIGN_IRQ_SET_RESAMPLE,
	};
	uint32_t n;

	memset(buf, 0, sizeof(buf));
	s->flags = chance(f, 90) ? actions[below(f, 4)] : (uint32_t)rnd(f);
	s->index = (uint32_t)(chance(f, 90) ? below(f, PCIASSIGN_NUM_IRQS) : rnd(f));
	s->start = (uint32_t)(chance(f, 85) ? below(f, 4) : rnd(f));
	n = (uint32_t)below(f, 9);
	s->count = chance(f, 90) ? n : (uint32_t)rnd(f);
	for (uint32_t i = 0; i < 8; i++)
		s->fds[i] = chance(f, 70) ? evfds[below(f, 4)] :
			    chance(f, 50) ? -1 : (int32_t)below(f, 64);
	s->argsz = sizeof(*s) + n * sizeof(int32_t);
	if (chance(f, 5))
		s->argsz = (uint32_t)below(f, sizeof(buf));
	check_errno("SET_IRQS", ioctl(pick_fd(f, dev_fds, MAX_DEV), PCIASSIGN_SET_IRQS, s));
}

static void op_reset(struct fuzzer *f)
{
	struct pciassign_reset r = { .argsz = sizeof(r) };

	r.flags = edge_flags(f, 0);
	check_errno("RESET", ioctl(pick_fd(f, dev_fds, MAX_DEV), PCIASSIGN_DEVICE_RESET, &r));
}

/* Region reads and writes. Config writes go through the kernel's filter. */
static void op_rw(struct fuzzer *f)
{
	static const size_t lens[] = { 1, 2, 4, 8, 3, 16, 4096 };
	uint8_t buf[4096];
	uint32_t region = (uint32_t)(chance(f, 60) ? PCIASSIGN_REGION_CONFIG :
				     below(f, PCIASSIGN_NUM_REGIONS + 1));
	uint64_t off = PCIASSIGN_REGION_OFFSET(region) + below(f, 0x2000);
	size_t len = lens[below(f, sizeof(lens) / sizeof(lens[0]))];
	int fd = pick_fd(f, dev_fds, MAX_DEV);
	ssize_t r;

	if (chance(f, 5))
		off = edge64(f, off) & INT64_MAX;
	/* Writes to BARs are rare: edu's DMA engine lives there. */
	if (chance(f, region == PCIASSIGN_REGION_CONFIG ? 30 : 5)) {
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rnd(f);
		r = pwrite(fd, buf, len, (off_t)off);
	} else {
		r = pread(fd, buf, len, (off_t)off);
	}
	check_errno("pread/pwrite", r);
}

/*
 * SIGBUS/SIGSEGV: expected only while op_mmap touches a mapping (the device
 * may stop decoding). A fault anywhere else is a bug of the fuzzer or the
 * kernel: die of it, so that run_prog reports the signal.
 */
static void on_fault(int sig)
{
	if (self && self->jb_set) {
		self->jb_set = 0;
		siglongjmp(self->jb, 1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void op_mmap(struct fuzzer *f)
{
	int fd = pick_fd(f, dev_fds, MAX_DEV);
	size_t len = (1 + below(f, 4)) * 4096;
	off_t off = (off_t)(PCIASSIGN_REGION_OFFSET(below(f, PCIASSIGN_NUM_REGIONS)) +
			    below(f, 512) * 4096);
	volatile uint32_t *p;

	if (chance(f, 10))
		off += (off_t)below(f, 4096);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 chance(f, 90) ? MAP_SHARED : MAP_PRIVATE, fd, off);
	if (p == MAP_FAILED) {
		check_errno("mmap", -1);
		return;
	}
	if (!sigsetjmp(f->jb, 1)) {
		f->jb_set = 1;
		for (size_t i = 0; i < len / 4; i += 256)
			(void)p[i];	/* read only: writes could start DMA */
	}
	f->jb_set = 0;
	munmap((void *)p, len);
}

/* A child inherits our fds and dies with them open, maybe mid-ioctl. */
static void op_fork(struct fuzzer *f)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct fuzzer child = { .rng = rnd(f) | 1, .log = NULL };

		self = &child;
		for (int i = 0; i < 20; i++) {
			op_dma_map(&child);
			op_attach(&child);
		}
		_exit(0);
	}
	if (pid > 0) {
		if (chance(f, 50))
			kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

static void op_close(struct fuzzer *f)
{
	if (chance(f, 50))
		put_fd(ctx_fds, MAX_CTX, -1, f);
	else
		put_fd(dev_fds, MAX_DEV, -1, f);
}

static const struct {
	const char *name;
	void (*fn)(struct fuzzer *f);
	int weight;
} ops[] = {
	{ "open_ctx", op_open_ctx, 6 },
	{ "attach", op_attach, 8 },
	{ "set_kvm", op_set_kvm, 2 },
	{ "dma_map", op_dma_map, 20 },
	{ "dma_unmap", op_dma_unmap, 10 },
	{ "info", op_info, 15 },
	{ "set_irqs", op_set_irqs, 12 },
	{ "reset", op_reset, 2 },
	{ "rw", op_rw, 15 },
	{ "mmap", op_mmap, 5 },
	{ "fork", op_fork, 1 },
	{ "close", op_close, 6 },
};

static void *fuzz_thread(void *arg)
{
	struct fuzzer *f = arg;
	int total = 0;
	char path[64];

	self = f;
	snprintf(path, sizeof(path), "/tmp/pa-fuzz-%d.log", f->id);
	f->log = fopen(path, "w");
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		total += ops[i].weight;
	for (long n = 0; n < ops_per_thread; n++) {
		int w = (int)below(f, (uint64_t)total);
		size_t i = 0;

		while (w >= ops[i].weight)
			w -= ops[i++].weight;
		if (f->log) {
			fprintf(f->log, "%ld %s\n", n, ops[i].name);
			fflush(f->log);
		}
		ops[i].fn(f);
	}
	if (f->log)
		fclose(f->log);
	return NULL;
}


static int nthreads;

static int run(void)
{
	pthread_t th[8];
	struct fuzzer fz[8];
	long locked0 = vt_pinned_kb();

	for (int i = 0; i < nthreads; i++) {
		fz[i] = (struct fuzzer){ .rng = (base_seed + (uint64_t)i) * 0x9e3779b97f4a7c15ull | 1,
					 .id = i };
		VT_ASSERT(pthread_create(&th[i], NULL, fuzz_thread, &fz[i]) == 0);
	}
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);

	for (int i = 0; i < MAX_DEV; i++)
		put_fd(dev_fds, MAX_DEV, -1, &fz[0]);
	for (int i = 0; i < MAX_CTX; i++)
		put_fd(ctx_fds, MAX_CTX, -1, &fz[0]);
	for (int i = 0; i < MAX_DEV; i++)
		if (dev_fds[i] >= 0)
			close(dev_fds[i]), dev_fds[i] = -1;
	for (int i = 0; i < MAX_CTX; i++)
		if (ctx_fds[i] >= 0)
			close(ctx_fds[i]), ctx_fds[i] = -1;
	if (unexpected)
		return vt_fail("%s", unexpected_what);
	if (vt_pinned_kb() != locked0)
		return vt_fail("locked+pinned memory %ld kB after close, %ld kB before",
			       vt_pinned_kb(), locked0);
	return 0;
}

/* After all that, every device attaches again. */
static int reattach(void)
{
	for (int i = 0; i < n_bdfs; i++) {
		int ctx = open("/dev/pciassign", O_RDWR), fd;

		fd = vt_attach(ctx, bdfs[i]);
		VT_ASSERT(fd >= 0);
		close(fd);
		close(ctx);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct vt_case cases[] = {
		{ "run", run },
		{ "reattach", reattach },
	};
	struct sigaction sa = { .sa_handler = on_fault };

	if (argc < 5) {
		fprintf(stderr, "usage: %s SEED OPS THREADS BDF...\n", argv[0]);
		return 2;
	}
	base_seed = strtoull(argv[1], NULL, 0);
	ops_per_thread = strtol(argv[2], NULL, 0);
	nthreads = atoi(argv[3]);
	if (nthreads < 1 || nthreads > 8)
		nthreads = 1;
	bdfs = (const char **)&argv[4];
	n_bdfs = argc - 4;

	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < POOL; i++) {
		pool[i] = mmap(NULL, POOL_SZ, PROT_READ | (i == 0 ? 0 : PROT_WRITE),
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (pool[i] != MAP_FAILED && i)
			memset(pool[i], 0x5a, POOL_SZ);
	}
	munmap((uint8_t *)pool[1] + POOL_SZ / 2, 4096);	/* a hole */
	for (int i = 0; i < 4; i++)
		evfds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	printf("PA-INFO fuzz seed %llu, %ld ops x %d threads\n",
	       (unsigned long long)base_seed, ops_per_thread, nthreads);
	fflush(stdout);
	return vt_run("fuzz", cases, 2);
}
