/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal harness for in-guest C tests: vt_run() announces every case
 * ("PA-EXPECT <name>...") and then prints one "PA-RESULT <name> PASS|FAIL
 * [why]" line per case, which the host collects. Case scripts start the
 * programs with run_prog (lib.sh), which fails a crash or non-zero exit.
 */
#ifndef PCIASSIGN_VMTEST_H
#define PCIASSIGN_VMTEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/pciassign.h>

struct vt_case {
	const char *name;
	int (*fn)(void);	/* 0 = pass; otherwise VT_FAIL() said why */
};

static char vt_why[512];

/* Optional clean-up run after every case (e.g. reap helper processes). */
static void (*vt_after_each)(void);

static inline int vt_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline int vt_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vt_why, sizeof(vt_why), fmt, ap);
	va_end(ap);
	return -1;
}

/* Fail the case unless EXPR holds. */
#define VT_ASSERT(expr)							\
	do {								\
		if (!(expr))						\
			return vt_fail("%s:%d: %s (errno %d: %s)",	\
				       __FILE__, __LINE__, #expr,	\
				       errno, strerror(errno));		\
	} while (0)

/* Fail unless CALL returns -1 with errno ERR. */
#define VT_EXPECT_ERRNO(call, err)					\
	do {								\
		errno = 0;						\
		long vt_r_ = (long)(call);				\
		if (vt_r_ != -1 || errno != (err))			\
			return vt_fail("%s:%d: %s returned %ld errno %d (%s), want errno %d (%s)", \
				       __FILE__, __LINE__, #call, vt_r_, errno, \
				       strerror(errno), (err), strerror(err)); \
	} while (0)

/*
 * A protocol line (PA-RESULT ...): to stdout, the console, and to the
 * results port ($PA_RESULTS, the guest's second serial line), where no
 * kernel message can cut into it.
 */
static inline void vt_report(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline void vt_report(const char *fmt, ...)
{
	const char *port = getenv("PA_RESULTS");
	char line[1024];
	va_list ap;
	int fd;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	strcat(line, "\n");
	fputs(line, stdout);
	fflush(stdout);
	if (port && *port) {
		fd = open(port, O_WRONLY | O_NOCTTY | O_APPEND);
		if (fd >= 0) {
			if (write(fd, line, strlen(line)) < 0)
				perror(port);
			close(fd);
		}
	}
}

/*
 * Results a program will report, announced before it runs anything:
 * parse-log.sh fails each one that never comes (the program crashed,
 * exited early or hung). vt_run() announces its cases; a program that
 * reports more results itself announces them with vt_expect().
 */
static inline void vt_expect(const char *name)
{
	vt_report("PA-EXPECT %s", name);
}

static inline int vt_run(const char *prefix, const struct vt_case *cases, size_t n)
{
	const char *results = getenv("PA_RESULTS");
	char line[900];
	size_t len = 0;

	/* Several names a line, each line short enough for vt_report(). */
	for (size_t i = 0; i < n; i++) {
		if (len && len + strlen(prefix) + strlen(cases[i].name) + 2 >= sizeof(line)) {
			vt_report("PA-EXPECT%s", line);
			len = 0;
		}
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %s-%s",
					prefix, cases[i].name);
	}
	if (len)
		vt_report("PA-EXPECT%s", line);
	/*
	 * Only run_prog (lib.sh) checks how a program ends (a crash after
	 * its last result, a non-zero exit): a case must start it that way.
	 */
	if (results && *results && !getenv("PA_PROG"))
		vt_report("PA-RESULT %s-run-prog FAIL started without run_prog (lib.sh): its exit status goes unchecked",
			  prefix);

	for (size_t i = 0; i < n; i++) {
		vt_why[0] = '\0';
		int r = cases[i].fn();

		if (vt_after_each)
			vt_after_each();
		vt_report("PA-RESULT %s-%s %s %s", prefix, cases[i].name,
			  r ? "FAIL" : "PASS", r ? vt_why : "");
	}
	return 0;	/* verdicts are in the lines; run_prog checks the exit */
}

/* ---- helpers the test programs share ------------------------------ */

/* The offsets of a device fd's regions. */
#define VT_BAR0_OFF	PCIASSIGN_REGION_OFFSET(PCIASSIGN_REGION_BAR0)
#define VT_CFG_OFF	PCIASSIGN_REGION_OFFSET(PCIASSIGN_REGION_CONFIG)

/*
 * @size bytes of anonymous memory at a 2 MiB boundary, madvise()d with
 * @advice and filled with @fill; exits when there is no memory.
 */
static inline void *vt_anon_2m(size_t size, int advice, int fill)
{
	const uintptr_t hpage = 2UL << 20;
	uint8_t *raw = mmap(NULL, size + hpage, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *p;

	if (raw == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	p = (uint8_t *)(((uintptr_t)raw + hpage - 1) & ~(hpage - 1));
	madvise(p, size, advice);
	memset(p, fill, size);
	return p;
}

/* Seconds on the monotonic clock. */
static inline double vt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void vt_msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* PCIASSIGN_DMA_MAP of @size bytes at @vaddr to @iova: 0, or -1 with errno. */
static inline int vt_dma_map(int ctx, const void *vaddr, uint64_t iova, uint64_t size,
			     uint32_t flags)
{
	struct pciassign_dma_map m = {
		.argsz = sizeof(m), .flags = flags,
		.vaddr = (uintptr_t)vaddr, .iova = iova, .size = size,
	};

	return ioctl(ctx, PCIASSIGN_DMA_MAP, &m);
}

/* PCIASSIGN_DMA_UNMAP: the bytes unmapped, or -1 with errno. */
static inline long long vt_dma_unmap(int ctx, uint64_t iova, uint64_t size, uint32_t flags)
{
	struct pciassign_dma_unmap u = {
		.argsz = sizeof(u), .flags = flags, .iova = iova, .size = size,
	};

	if (ioctl(ctx, PCIASSIGN_DMA_UNMAP, &u))
		return -1;
	return (long long)u.size;
}

/* Occurrences of @needle in the kernel log (the whole ring buffer), or -1. */
static inline int vt_klog_count(const char *needle)
{
	static char buf[1 << 20];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(buf) - 1);
	int count = 0;
	char *p = buf;

	if (n < 0)
		return -1;
	buf[n] = 0;
	while ((p = strstr(p, needle))) {
		count++;
		p += strlen(needle);
	}
	return count;
}

/* Write a string to a sysfs (or any) file: 0, or -1 with errno. */
static inline int vt_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

/* Fill an attach argument from "ssss:bb:dd.f": 0, or -1. */
static inline int vt_parse_bdf(const char *s, struct pciassign_attach *a)
{
	unsigned int seg, bus, dev, fn;

	if (sscanf(s, "%x:%x:%x.%x", &seg, &bus, &dev, &fn) != 4)
		return -1;
	memset(a, 0, sizeof(*a));
	a->argsz = sizeof(*a);
	a->segment = (__u16)seg;
	a->bus = (__u8)bus;
	a->devfn = (__u8)((dev << 3) | fn);
	return 0;
}

/* A new context (open /dev/pciassign); exits when it cannot. */
static inline int vt_open_ctx(void)
{
	int fd = open("/dev/pciassign", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		perror("/dev/pciassign");
		exit(1);
	}
	return fd;
}

/* Attach a device to a context: the device fd, or -1 with errno. */
static inline int vt_attach(int ctx, const char *bdf)
{
	struct pciassign_attach a;

	if (vt_parse_bdf(bdf, &a))
		return errno = EINVAL, -1;
	return ioctl(ctx, PCIASSIGN_ATTACH_DEVICE, &a);
}

/*
 * FOLL_PIN pins held in the whole system (/proc/vmstat's acquired minus
 * released; @acquired gets the first): exact for every pin the module
 * takes, per page or per folio, and what a leaked pin leaves behind.
 */
static inline long vt_pins_held(long *acquired)
{
	char line[256];
	long v, acq = -1, rel = -1;
	FILE *s = fopen("/proc/sys/vm/stat_refresh", "w");

	/* Fold the per-CPU counter deltas first, or the sums lag behind. */
	if (s) {
		fputs("1\n", s);
		fclose(s);
	}
	s = fopen("/proc/vmstat", "r");

	while (s && fgets(line, sizeof(line), s)) {
		if (sscanf(line, "nr_foll_pin_acquired %ld", &v) == 1)
			acq = v;
		else if (sscanf(line, "nr_foll_pin_released %ld", &v) == 1)
			rel = v;
	}
	if (s)
		fclose(s);
	if (acquired)
		*acquired = acq;
	return acq < 0 || rel < 0 ? -1 : acq - rel;
}

/*
 * A shared memfd mapping of @size (hugetlbfs-backed with @huge), the way
 * VMMs back guest RAM, filled with @fill; NULL when it cannot be had.
 */
static inline void *vt_memfd(size_t size, int huge, int fill)
{
	int fd = (int)syscall(SYS_memfd_create, "vt", huge ? 4u /* MFD_HUGETLB */ : 0u);
	void *p;

	if (fd < 0)
		return NULL;
	if (ftruncate(fd, (off_t)size)) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	memset(p, fill, size);
	return p;
}

/* Whether the running kernel is at least @major.@minor. */
static inline int vt_kernel_at_least(int major, int minor)
{
	int a = 0, b = 0;
	FILE *f = fopen("/proc/sys/kernel/osrelease", "r");

	if (f) {
		if (fscanf(f, "%d.%d", &a, &b) != 2)
			a = b = 0;
		fclose(f);
	}
	return a > major || (a == major && b >= minor);
}

/* This process's locked plus pinned memory (DMA pins count as VmPin). */
static inline long vt_pinned_kb(void)
{
	char line[256];
	long kb, total = 0;
	FILE *s = fopen("/proc/self/status", "r");

	while (s && fgets(line, sizeof(line), s))
		if (sscanf(line, "VmPin: %ld kB", &kb) == 1 ||
		    sscanf(line, "VmLck: %ld kB", &kb) == 1)
			total += kb;
	if (s)
		fclose(s);
	return total;
}

/* Lines of /proc/interrupts that name pciassign's handlers. */
static inline int vt_our_irqs(void)
{
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/interrupts", "r");

	while (f && fgets(line, sizeof(line), f))
		n += strstr(line, "pciassign") != NULL;
	if (f)
		fclose(f);
	return n;
}

#endif
