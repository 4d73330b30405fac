// SPDX-License-Identifier: GPL-2.0
/*
 * lg-io: the nested Linux guest's measurements for the "linux" bench phase
 * (tests/vm/nested/guest/bench.sh runs it; static, in the nested /lg/).
 *
 *   lg-io now                              CLOCK_BOOTTIME in seconds (ns digits)
 *   lg-io seq-read  DEV MIB BS_KIB         O_DIRECT sequential read
 *   lg-io seq-write DEV MIB BS_KIB         O_DIRECT sequential write
 *   lg-io rand-read DEV IOS SEED MAX_S     O_DIRECT 4 KiB random reads, QD1
 *   lg-io icmp IFACE SECONDS WINDOW        ICMP echo to the gateway 10.0.2.2
 *   lg-io access KIND BDF N                N accesses of one kind to a PCI function:
 *       bar-read    32-bit reads of BAR0 offset 0 (a mapped BAR: no exit)
 *       msix-read   reads of the MSI-X table's first entry (trapped)
 *       config-read 4-byte reads of config offset 0 through sysfs
 *       io-read     4-byte reads of the first I/O BAR through sysfs
 *     Around the loop it writes a mark to port 0x502 (pciassign-vmm
 *     --stats prints its exit counters there; other VMMs ignore it) and
 *     prints "LG-ACCESS KIND N start|end".
 *
 * The disk runs wrap around the device when MIB is larger than it (the
 * rig's nvme is small), so the amount moved is always MIB. The random
 * offsets come from a fixed-seed xorshift, so both stacks read the same
 * blocks in the same order. Each measurement prints one line
 * "LG-BENCH {json}".
 *
 * icmp: echo requests to 10.0.2.2 only (QEMU's user-mode network gateway,
 * which answers them itself; nothing leaves the machine), at most WINDOW
 * in flight; the rates are the interface's own tx/rx packet counters over
 * the run, so they count what the NIC really moved both ways.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define GATEWAY "10.0.2.2"	/* the only address this program talks to */

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t mono(void)
{
	return now_ns(CLOCK_MONOTONIC);
}

static void die(const char *what)
{
	fprintf(stderr, "lg-io: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t dev_size(int fd)
{
	uint64_t sz = 0;
	struct stat st;

	if (ioctl(fd, BLKGETSIZE64, &sz) == 0 && sz)
		return sz;
	if (fstat(fd, &st) == 0)
		return st.st_size;
	return 0;
}

static void *dma_buf(size_t len, int fill)
{
	void *p;

	if (posix_memalign(&p, 4096, len))
		die("posix_memalign");
	memset(p, fill, len);
	return p;
}

static int seq(const char *dev, int write, uint64_t mib, uint64_t bs_kib)
{
	uint64_t bs = bs_kib << 10, total = mib << 20, done = 0, off = 0, size, t0, t1;
	int fd = open(dev, (write ? O_WRONLY : O_RDONLY) | O_DIRECT);
	char *buf;

	if (fd < 0)
		die(dev);
	size = dev_size(fd) / bs * bs;
	if (size < bs) {
		fprintf(stderr, "lg-io: %s: smaller than one block\n", dev);
		return 1;
	}
	buf = dma_buf(bs, 0xa5);
	t0 = mono();
	while (done < total) {
		ssize_t n;

		if (off + bs > size)
			off = 0;
		n = write ? pwrite(fd, buf, bs, off) : pread(fd, buf, bs, off);
		if (n != (ssize_t)bs)
			die(write ? "pwrite" : "pread");
		off += bs;
		done += bs;
	}
	if (write && fdatasync(fd))
		die("fdatasync");
	t1 = mono();
	close(fd);
	printf("LG-BENCH {\"metric\":\"%s\",\"bytes\":%llu,\"bs\":%llu,\"dev_bytes\":%llu,"
	       "\"ns\":%llu,\"mibps\":%.2f}\n", write ? "seq_write" : "seq_read",
	       (unsigned long long)done, (unsigned long long)bs, (unsigned long long)size,
	       (unsigned long long)(t1 - t0), (double)done / (1 << 20) / ((t1 - t0) / 1e9));
	return 0;
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static int rand_read(const char *dev, uint64_t ios, uint64_t seed, uint64_t max_s)
{
	uint64_t blocks, state = seed ? seed : 1, i, t0, t1, deadline;
	int fd = open(dev, O_RDONLY | O_DIRECT);
	char *buf;

	if (fd < 0)
		die(dev);
	blocks = dev_size(fd) / 4096;
	if (!blocks) {
		fprintf(stderr, "lg-io: %s: empty\n", dev);
		return 1;
	}
	buf = dma_buf(4096, 0);
	t0 = mono();
	deadline = t0 + max_s * 1000000000ull;
	for (i = 0; i < ios; i++) {
		if (pread(fd, buf, 4096, (xorshift64(&state) % blocks) * 4096) != 4096)
			die("pread");
		/* A slow stack stops at the time limit; the rate stays valid. */
		if ((i & 63) == 63 && mono() > deadline) {
			i++;
			break;
		}
	}
	t1 = mono();
	close(fd);
	printf("LG-BENCH {\"metric\":\"rand_read\",\"ios\":%llu,\"seed\":%llu,\"ns\":%llu,"
	       "\"iops\":%.1f,\"lat_us\":%.1f}\n", (unsigned long long)i,
	       (unsigned long long)seed, (unsigned long long)(t1 - t0),
	       i / ((t1 - t0) / 1e9), (t1 - t0) / 1e3 / i);
	return 0;
}

static uint64_t netstat(const char *ifc, const char *what)
{
	char path[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", ifc, what);
	f = fopen(path, "r");
	if (!f)
		die(path);
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static uint16_t csum(const void *p, size_t len)
{
	const uint16_t *w = p;
	uint32_t s = 0;

	for (; len > 1; len -= 2)
		s += *w++;
	if (len)
		s += *(const uint8_t *)w;
	s = (s >> 16) + (s & 0xffff);
	s += s >> 16;
	return ~s;
}

static int icmp(const char *ifc, uint64_t secs, uint64_t window)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	uint64_t sent = 0, got = 0, lost = 0, errs = 0, inflight = 0;
	uint64_t tx0, rx0, tx1, rx1, t0, t1, end;
	uint16_t id = getpid() & 0xffff, seqno = 0;
	unsigned char pkt[64], rbuf[2048];
	int fd, rcv = 1 << 20;

	inet_pton(AF_INET, GATEWAY, &dst.sin_addr);
	fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_ICMP);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifc, strlen(ifc) + 1))
		die("SO_BINDTODEVICE");
	tx0 = netstat(ifc, "tx_packets");
	rx0 = netstat(ifc, "rx_packets");
	t0 = mono();
	end = t0 + secs * 1000000000ull;
	while (mono() < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r;

		while (inflight < window) {
			struct icmphdr *h = (struct icmphdr *)pkt;

			memset(pkt, 0x5a, sizeof(pkt));
			h->type = ICMP_ECHO;
			h->code = 0;
			h->un.echo.id = htons(id);
			h->un.echo.sequence = htons(seqno++);
			h->checksum = 0;
			h->checksum = csum(pkt, sizeof(pkt));
			if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
				if (errno != EAGAIN && errno != ENOBUFS)
					die("sendto");
				errs++;
				break;
			}
			sent++;
			inflight++;
		}
		r = poll(&pfd, 1, 50);
		if (r == 0) {
			/* Nothing for 50 ms: what is in flight is lost. */
			lost += inflight;
			inflight = 0;
			continue;
		}
		for (;;) {
			ssize_t n = recv(fd, rbuf, sizeof(rbuf), 0);
			struct iphdr *ip = (struct iphdr *)rbuf;
			struct icmphdr *h;

			if (n < 0)
				break;
			if (n < (ssize_t)sizeof(*ip) || n < ip->ihl * 4 + (ssize_t)sizeof(*h))
				continue;
			h = (struct icmphdr *)(rbuf + ip->ihl * 4);
			if (h->type != ICMP_ECHOREPLY || ntohs(h->un.echo.id) != id)
				continue;
			got++;
			if (inflight)
				inflight--;
		}
	}
	t1 = mono();
	/* Let stragglers land before reading the counters. */
	usleep(100000);
	tx1 = netstat(ifc, "tx_packets");
	rx1 = netstat(ifc, "rx_packets");
	close(fd);
	printf("LG-BENCH {\"metric\":\"net\",\"proto\":\"icmp-echo\",\"window\":%llu,"
	       "\"sent\":%llu,\"replies\":%llu,\"lost\":%llu,\"send_busy\":%llu,"
	       "\"tx_packets\":%llu,\"rx_packets\":%llu,\"ns\":%llu,"
	       "\"tx_pps\":%.1f,\"rx_pps\":%.1f}\n",
	       (unsigned long long)window, (unsigned long long)sent, (unsigned long long)got,
	       (unsigned long long)lost, (unsigned long long)errs,
	       (unsigned long long)(tx1 - tx0), (unsigned long long)(rx1 - rx0),
	       (unsigned long long)(t1 - t0),
	       (tx1 - tx0) / ((t1 - t0) / 1e9), (rx1 - rx0) / ((t1 - t0) / 1e9));
	return 0;
}

/* ---- access: exits per access, by kind ---------------------------------- */

#define STATS_PORT	0x502

static sigjmp_buf mark_jmp;

static void mark_fault(int sig)
{
	(void)sig;
	siglongjmp(mark_jmp, 1);
}

/*
 * Write pciassign-vmm's stats mark. Under another VMM nothing reads the
 * port. lg-io once died of SIGSEGV in the config and I/O loops under
 * QEMU 7.2 (not seen again since nvme is unbound first); this write is
 * the only instruction of those loops that can fault, so should it, the
 * loop runs without marks (the bench's KVM counters frame it by phase).
 */
static void stats_mark(uint32_t v)
{
	static int off;
	struct sigaction sa = { .sa_handler = mark_fault }, old;

	if (off)
		return;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old);
	if (!sigsetjmp(mark_jmp, 1)) {
		outl(v, STATS_PORT);
	} else {
		off = 1;
		fprintf(stderr, "lg-io: the write to port %#x faulted: no stats marks\n",
			STATS_PORT);
	}
	sigaction(SIGSEGV, &old, NULL);
}

static int pci_file(const char *bdf, const char *name, int flags)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, name);
	return open(path, flags | O_CLOEXEC);
}

static uint32_t cfg_read(int cfg, unsigned int off, unsigned int len)
{
	uint32_t v = 0;

	if (pread(cfg, &v, len, off) != (ssize_t)len)
		return 0xffffffffu;
	return v;
}

/* The MSI-X table: its BAR and offset, from the capability list. */
static int msix_table(int cfg, unsigned int *bir, uint32_t *off)
{
	unsigned int pos = cfg_read(cfg, 0x34, 1) & 0xfc;

	for (int n = 0; pos && n < 48; n++) {
		if ((cfg_read(cfg, pos, 1) & 0xff) == 0x11) {
			uint32_t t = cfg_read(cfg, pos + 4, 4);

			*bir = t & 7;
			*off = t & ~7u;
			return 0;
		}
		pos = cfg_read(cfg, pos + 1, 1) & 0xfc;
	}
	return -1;
}

static volatile uint32_t *map_bar(const char *bdf, unsigned int bar, size_t *len)
{
	char name[16];
	struct stat st;
	void *p;
	int fd;

	snprintf(name, sizeof(name), "resource%u", bar);
	fd = pci_file(bdf, name, O_RDWR | O_SYNC);
	if (fd < 0 || fstat(fd, &st)) {
		perror(name);
		return NULL;
	}
	*len = (size_t)st.st_size;
	p = mmap(NULL, *len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

static int access_run(const char *kind, const char *bdf, uint64_t n)
{
	volatile uint32_t *bar = NULL;
	int cfg = pci_file(bdf, "config", O_RDONLY), io = -1;
	unsigned int bir = 0, k;
	uint32_t toff = 0, sink = 0;
	size_t len = 0;
	uint64_t i, t0, t1;

	if (cfg < 0) {
		perror(bdf);
		return 1;
	}
	if (!strcmp(kind, "bar-read")) {
		bar = map_bar(bdf, 0, &len);
	} else if (!strcmp(kind, "msix-read")) {
		if (msix_table(cfg, &bir, &toff)) {
			fprintf(stderr, "%s: no MSI-X\n", bdf);
			return 1;
		}
		bar = map_bar(bdf, bir, &len);
		if (bar && toff + 16 > len)
			bar = NULL;
	} else if (!strcmp(kind, "io-read")) {
		for (k = 0; k < 6 && io < 0; k++) {
			char name[16];

			if (!(cfg_read(cfg, 0x10 + 4 * k, 4) & 1))
				continue;
			snprintf(name, sizeof(name), "resource%u", k);
			io = pci_file(bdf, name, O_RDONLY);
		}
		if (io < 0) {
			fprintf(stderr, "%s: no I/O BAR\n", bdf);
			return 1;
		}
	} else if (strcmp(kind, "config-read")) {
		fprintf(stderr, "access: unknown kind %s\n", kind);
		return 2;
	}
	if ((!strcmp(kind, "bar-read") || !strcmp(kind, "msix-read")) && !bar) {
		fprintf(stderr, "%s: cannot map the BAR\n", bdf);
		return 1;
	}
	if (ioperm(STATS_PORT, 4, 1)) {
		perror("ioperm");
		return 1;
	}
	printf("LG-ACCESS %s %llu start\n", kind, (unsigned long long)n);
	stats_mark(1);
	t0 = now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++) {
		if (!strcmp(kind, "bar-read"))
			sink += bar[0];
		else if (!strcmp(kind, "msix-read"))
			sink += bar[toff / 4 + 3];	/* vector control of entry 0 */
		else if (!strcmp(kind, "config-read"))
			sink += cfg_read(cfg, 0, 4);
		else if (pread(io, &sink, 4, 0) != 4)
			break;
	}
	t1 = now_ns(CLOCK_MONOTONIC);
	stats_mark(2);
	printf("LG-ACCESS %s %llu end\n", kind, (unsigned long long)i);
	printf("LG-BENCH {\"metric\":\"access\",\"kind\":\"%s\",\"n\":%llu,"
	       "\"ns_per_access\":%.1f,\"sink\":%u}\n", kind, (unsigned long long)i,
	       i ? (double)(t1 - t0) / (double)i : 0.0, sink);
	if (bar)
		munmap((void *)bar, len);
	if (io >= 0)
		close(io);
	close(cfg);
	return i == n ? 0 : 1;
}

static uint64_t num(const char *s)
{
	return strtoull(s, NULL, 0);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "now")) {
		uint64_t t = now_ns(CLOCK_BOOTTIME);

		printf("%llu.%09llu\n", (unsigned long long)(t / 1000000000ull),
		       (unsigned long long)(t % 1000000000ull));
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "seq-read"))
		return seq(argv[2], 0, num(argv[3]), num(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "seq-write"))
		return seq(argv[2], 1, num(argv[3]), num(argv[4]));
	if (argc == 6 && !strcmp(argv[1], "rand-read"))
		return rand_read(argv[2], num(argv[3]), num(argv[4]), num(argv[5]));
	if (argc == 5 && !strcmp(argv[1], "icmp"))
		return icmp(argv[2], num(argv[3]), num(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "access"))
		return access_run(argv[2], argv[3], num(argv[4]));
	fprintf(stderr, "usage: lg-io now | seq-read|seq-write DEV MIB BS_KIB |\n"
		"       rand-read DEV IOS SEED MAX_S | icmp IFACE SECONDS WINDOW |\n"
		"       access bar-read|msix-read|config-read|io-read BDF N\n");
	return 2;
}
