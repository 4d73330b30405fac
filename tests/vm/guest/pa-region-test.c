// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest tests of a device fd's regions: REGION_INFO, config space
 * through the kernel filter, BAR pread/pwrite and mmap, ROM.
 * Usage: pa-region-test edu|e1000e|nvme BDF
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/pciassign.h>

#include "vmtest.h"
#include "edu.h"

#define DEVNODE "/dev/pciassign"
#define CFG(off) (PCIASSIGN_REGION_OFFSET(PCIASSIGN_REGION_CONFIG) + (off))
#define BAR(i, off) (PCIASSIGN_REGION_OFFSET(i) + (off))

static const char *bdf;
static int ctx_fd = -1, dev_fd = -1;

static int attach(void)
{
	ctx_fd = open(DEVNODE, O_RDWR | O_CLOEXEC);
	if (ctx_fd < 0)
		return -1;
	dev_fd = vt_attach(ctx_fd, bdf);
	return dev_fd < 0 ? -1 : 0;
}

static int region_info(uint32_t index, struct pciassign_region_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->argsz = sizeof(*ri);
	ri->index = index;
	return ioctl(dev_fd, PCIASSIGN_REGION_INFO, ri);
}

/* Config space as the host sees it, through sysfs. */
static int sysfs_config(void *buf, size_t len, off_t off)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = pread(fd, buf, len, off);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

static uint32_t cfg_read(off_t off, int len)
{
	uint32_t v = 0;

	if (pread(dev_fd, &v, len, CFG(off)) != len)
		return 0xdeadbeef;
	return v;
}

static int cfg_write(off_t off, int len, uint32_t v)
{
	return pwrite(dev_fd, &v, len, CFG(off)) == len ? 0 : -1;
}

/* Position of a standard capability, walking the device fd's view. */
static int find_cap(uint8_t id)
{
	int pos = cfg_read(PCI_CAPABILITY_LIST, 1) & ~3, guard = 48;

	while (pos && guard--) {
		if (cfg_read(pos, 1) == id)
			return pos;
		pos = cfg_read(pos + 1, 1) & ~3;
	}
	return 0;
}

static uint32_t bar_read32(int bar, off_t off)
{
	uint32_t v = 0xdeadbeef;

	if (pread(dev_fd, &v, 4, BAR(bar, off)) != 4)
		return 0xdeadbeef;
	return v;
}

static int bar_write32(int bar, off_t off, uint32_t v)
{
	return pwrite(dev_fd, &v, 4, BAR(bar, off)) == 4 ? 0 : -1;
}

/* --- SIGBUS-safe loads from a mapping --------------------------------- */

static sigjmp_buf bus_jmp;
static volatile sig_atomic_t bus_armed;

static void on_sigbus(int sig)
{
	(void)sig;
	if (bus_armed)
		siglongjmp(bus_jmp, 1);
	_exit(3);
}

/* 0 and *val on success, -1 if the load raised SIGBUS. */
static int probe_load(volatile uint32_t *p, uint32_t *val)
{
	struct sigaction sa = { .sa_handler = on_sigbus };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	if (sigsetjmp(bus_jmp, 1)) {
		bus_armed = 0;
		return -1;
	}
	bus_armed = 1;
	*val = *p;
	bus_armed = 0;
	return 0;
}

/* ===================== edu ===================== */

static int edu_region_info(void)
{
	struct pciassign_region_info ri;

	for (uint32_t i = 0; i < PCIASSIGN_NUM_REGIONS; i++) {
		VT_ASSERT(region_info(i, &ri) == 0);
		VT_ASSERT(ri.offset == PCIASSIGN_REGION_OFFSET(i));
		switch (i) {
		case PCIASSIGN_REGION_BAR0:
			VT_ASSERT(ri.size == EDU_BAR_SIZE);
			VT_ASSERT(ri.flags == (PCIASSIGN_REGION_INFO_READ |
					       PCIASSIGN_REGION_INFO_WRITE |
					       PCIASSIGN_REGION_INFO_MMAP));
			break;
		case PCIASSIGN_REGION_CONFIG:
			VT_ASSERT(ri.size == 256);
			VT_ASSERT(ri.flags == (PCIASSIGN_REGION_INFO_READ |
					       PCIASSIGN_REGION_INFO_WRITE));
			break;
		default:	/* edu has one BAR and no ROM */
			VT_ASSERT(ri.size == 0 && ri.flags == 0);
		}
	}
	return 0;
}

static int edu_region_info_bad(void)
{
	struct pciassign_region_info ri;

	VT_EXPECT_ERRNO(region_info(PCIASSIGN_NUM_REGIONS, &ri), EINVAL);
	VT_EXPECT_ERRNO(region_info(0xffffffffu, &ri), EINVAL);
	memset(&ri, 0, sizeof(ri));
	ri.argsz = sizeof(ri);
	ri.flags = 1;
	VT_EXPECT_ERRNO(ioctl(dev_fd, PCIASSIGN_REGION_INFO, &ri), EINVAL);
	memset(&ri, 0, sizeof(ri));
	ri.argsz = sizeof(ri);
	ri.reserved = 1;
	VT_EXPECT_ERRNO(ioctl(dev_fd, PCIASSIGN_REGION_INFO, &ri), EINVAL);
	memset(&ri, 0, sizeof(ri));
	ri.argsz = sizeof(ri) - 8;	/* no room for the offset */
	VT_EXPECT_ERRNO(ioctl(dev_fd, PCIASSIGN_REGION_INFO, &ri), EINVAL);
	VT_EXPECT_ERRNO(ioctl(dev_fd, PCIASSIGN_REGION_INFO, NULL), EFAULT);
	return 0;
}

static int edu_config_matches_sysfs(void)
{
	uint8_t mine[256], host[256];

	VT_ASSERT(pread(dev_fd, mine, sizeof(mine), CFG(0)) == sizeof(mine));
	VT_ASSERT(sysfs_config(host, sizeof(host), 0) == 0);
	VT_ASSERT(memcmp(mine, host, sizeof(mine)) == 0);
	/* Odd offsets and lengths are split into aligned accesses. */
	memset(mine, 0, sizeof(mine));
	VT_ASSERT(pread(dev_fd, mine, 7, CFG(1)) == 7);
	VT_ASSERT(memcmp(mine, host + 1, 7) == 0);
	VT_ASSERT(pread(dev_fd, mine, 13, CFG(0x2b)) == 13);
	VT_ASSERT(memcmp(mine, host + 0x2b, 13) == 0);
	return 0;
}

/* The host's BAR and ROM addresses stay whatever is written. */
static int edu_bar_writes_dropped(void)
{
	uint8_t before[64], after[64], mine[64];
	uint32_t ones = 0xffffffffu;

	VT_ASSERT(sysfs_config(before, sizeof(before), 0) == 0);
	for (int off = PCI_BASE_ADDRESS_0; off <= PCI_BASE_ADDRESS_5; off += 4)
		VT_ASSERT(pwrite(dev_fd, &ones, 4, CFG(off)) == 4);
	VT_ASSERT(pwrite(dev_fd, &ones, 4, CFG(PCI_ROM_ADDRESS)) == 4);
	/* Byte and word writes too. */
	VT_ASSERT(pwrite(dev_fd, &ones, 1, CFG(PCI_BASE_ADDRESS_0 + 3)) == 1);
	VT_ASSERT(pwrite(dev_fd, &ones, 2, CFG(PCI_BASE_ADDRESS_0 + 2)) == 2);
	VT_ASSERT(sysfs_config(after, sizeof(after), 0) == 0);
	VT_ASSERT(memcmp(before + 0x10, after + 0x10, 0x28 - 0x10) == 0);
	VT_ASSERT(memcmp(before + 0x30, after + 0x30, 4) == 0);
	VT_ASSERT(pread(dev_fd, mine, sizeof(mine), CFG(0)) == sizeof(mine));
	VT_ASSERT(memcmp(mine + 0x10, before + 0x10, 0x18) == 0);
	return 0;
}

/* Bus master and decode belong to the owner, INTx disable to the kernel. */
static int edu_command_bits(void)
{
	uint16_t cmd = cfg_read(PCI_COMMAND, 2), host;

	VT_ASSERT(cmd & PCI_COMMAND_MEMORY);
	VT_ASSERT(cfg_write(PCI_COMMAND, 2, cmd ^ PCI_COMMAND_MASTER) == 0);
	VT_ASSERT(sysfs_config(&host, 2, PCI_COMMAND) == 0);
	VT_ASSERT(host == (cmd ^ PCI_COMMAND_MASTER));
	VT_ASSERT(cfg_write(PCI_COMMAND, 2, cmd) == 0);
	VT_ASSERT(sysfs_config(&host, 2, PCI_COMMAND) == 0);
	VT_ASSERT(host == cmd);
	VT_ASSERT(cfg_write(PCI_COMMAND, 2, cmd ^ PCI_COMMAND_INTX_DISABLE) == 0);
	VT_ASSERT(sysfs_config(&host, 2, PCI_COMMAND) == 0);
	VT_ASSERT(host == cmd);
	/* Same through a byte write of the high half. */
	VT_ASSERT(cfg_write(PCI_COMMAND + 1, 1,
			    (cmd ^ PCI_COMMAND_INTX_DISABLE) >> 8) == 0);
	VT_ASSERT(cfg_read(PCI_COMMAND, 2) == cmd);
	/* A harmless plain register passes. */
	uint8_t line = cfg_read(PCI_INTERRUPT_LINE, 1);

	VT_ASSERT(cfg_write(PCI_INTERRUPT_LINE, 1, line ^ 0x5a) == 0);
	VT_ASSERT(cfg_read(PCI_INTERRUPT_LINE, 1) == (uint8_t)(line ^ 0x5a));
	VT_ASSERT(cfg_write(PCI_INTERRUPT_LINE, 1, line) == 0);
	return 0;
}

static int edu_msi_dropped(void)
{
	int msi = find_cap(PCI_CAP_ID_MSI), len;
	uint8_t before[24], after[24];
	uint16_t flags;

	VT_ASSERT(msi);
	VT_ASSERT(sysfs_config(before, sizeof(before), msi) == 0);
	flags = before[2] | (before[3] << 8);
	/* Control, address (high), data and mask: the registers present. */
	len = flags & PCI_MSI_FLAGS_64BIT ? 14 : 10;
	if (flags & PCI_MSI_FLAGS_MASKBIT)
		len += 6;
	VT_ASSERT(cfg_write(msi + PCI_MSI_FLAGS, 2, flags | PCI_MSI_FLAGS_ENABLE) == 0);
	for (int off = 4; off + 4 <= len; off += 4)
		VT_ASSERT(cfg_write(msi + off, 4, 0xffffffffu) == 0);
	if (len & 2)
		VT_ASSERT(cfg_write(msi + len - 2, 2, 0xffff) == 0);
	VT_ASSERT(cfg_write(msi + PCI_MSI_FLAGS + 1, 1, 0xff) == 0);
	VT_ASSERT(sysfs_config(after, sizeof(after), msi) == 0);
	for (int i = 0; i < len; i++)
		if (before[i] != after[i])
			return vt_fail("MSI cap at 0x%x: byte %d was 0x%02x, now 0x%02x",
				       msi, i, before[i], after[i]);
	return 0;
}

static volatile uint32_t *map_bar(int bar, size_t len, int flags, off_t off)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, dev_fd,
		       BAR(bar, off));

	return p == MAP_FAILED ? NULL : p;
}

static int edu_wait_fact(volatile uint32_t *m)
{
	for (int i = 0; i < 100000; i++)
		if (!(m[0x20 / 4] & 1))
			return 0;
	return -1;
}

static int edu_mmap(void)
{
	volatile uint32_t *m = map_bar(0, EDU_BAR_SIZE, MAP_SHARED, 0);
	uint32_t x = (uint32_t)time(NULL) ^ 0x5a5a1234u;

	VT_ASSERT(m);
	VT_ASSERT(m[0] == EDU_ID_VALUE);
	m[1] = x;
	VT_ASSERT(m[1] == ~x);
	m[1] = ~x;
	VT_ASSERT(m[1] == x);
	m[0x08 / 4] = 6;
	VT_ASSERT(edu_wait_fact(m) == 0);
	VT_ASSERT(m[0x08 / 4] == 720);
	/* A mapping at an offset: edu has no registers past 0x100. */
	volatile uint32_t *d = map_bar(0, 4096, MAP_SHARED, 0x1000);

	VT_ASSERT(d);
	VT_ASSERT(d[0] == 0xffffffffu);
	munmap((void *)d, 4096);
	munmap((void *)m, EDU_BAR_SIZE);
	return 0;
}

static int edu_pread_pwrite(void)
{
	uint32_t x = (uint32_t)time(NULL) * 2654435761u;
	uint64_t q = 0;
	uint16_t w = 0;

	VT_ASSERT(bar_read32(0, 0) == EDU_ID_VALUE);
	VT_ASSERT(bar_write32(0, 4, x) == 0);
	VT_ASSERT(bar_read32(0, 4) == ~x);
	/* A 2-byte pread is one 2-byte access, as a 2-byte load would be. */
	volatile uint16_t *m16 = (volatile uint16_t *)map_bar(0, 4096, MAP_SHARED, 0);

	VT_ASSERT(m16);
	VT_ASSERT(pread(dev_fd, &w, 2, BAR(0, 0)) == 2);
	VT_ASSERT(w == m16[0]);
	munmap((void *)m16, 4096);
	VT_ASSERT(bar_write32(0, 8, 5) == 0);
	for (int i = 0; i < 100000 && (bar_read32(0, 0x20) & 1); i++)
		;
	VT_ASSERT(bar_read32(0, 8) == 120);
	/* 8-byte accesses: the DMA source address register at 0x80. */
	uint64_t src = 0x0123456789abcdefull ^ x;

	VT_ASSERT(pwrite(dev_fd, &src, 8, BAR(0, 0x80)) == 8);
	VT_ASSERT(pread(dev_fd, &q, 8, BAR(0, 0x80)) == 8);
	VT_ASSERT(q == src);
	/* A long transfer is split into aligned accesses: 0x80..0x98. */
	uint64_t regs[3] = { 0 };

	VT_ASSERT(pread(dev_fd, regs, sizeof(regs), BAR(0, 0x80)) == sizeof(regs));
	VT_ASSERT(regs[0] == src);
	q = 0;
	VT_ASSERT(pwrite(dev_fd, &q, 8, BAR(0, 0x80)) == 8);
	return 0;
}

/* CVE-2020-12888 class: no access to a device that stopped decoding. */
static int edu_decode_off(void)
{
	volatile uint32_t *m = map_bar(0, EDU_BAR_SIZE, MAP_SHARED, 0);
	uint16_t cmd = cfg_read(PCI_COMMAND, 2);
	uint32_t v = 0;
	int r;

	VT_ASSERT(m);
	VT_ASSERT(probe_load(m, &v) == 0 && v == EDU_ID_VALUE);
	VT_ASSERT(cfg_write(PCI_COMMAND, 2, cmd & ~PCI_COMMAND_MEMORY) == 0);
	r = probe_load(m, &v);
	VT_ASSERT(r == -1);	/* SIGBUS, not a load from a mute device */
	VT_EXPECT_ERRNO(pread(dev_fd, &v, 4, BAR(0, 0)), EIO);
	VT_EXPECT_ERRNO(pwrite(dev_fd, &v, 4, BAR(0, 4)), EIO);
	/* A mapping made while decode is off faults the same way. */
	volatile uint32_t *m2 = map_bar(0, 4096, MAP_SHARED, 0);

	VT_ASSERT(m2);
	VT_ASSERT(probe_load(m2, &v) == -1);
	VT_ASSERT(cfg_write(PCI_COMMAND, 2, cmd) == 0);
	VT_ASSERT(probe_load(m, &v) == 0 && v == EDU_ID_VALUE);
	VT_ASSERT(probe_load(m2, &v) == 0 && v == EDU_ID_VALUE);
	VT_ASSERT(bar_read32(0, 0) == EDU_ID_VALUE);
	munmap((void *)m2, 4096);
	munmap((void *)m, EDU_BAR_SIZE);
	return 0;
}

/*
 * The same with the mapping in use on another CPU: a load must either see
 * the device (decode on) or fault (decode off), never reach it in between,
 * as when the command register is written before the mappings are zapped.
 */
#define DECODE_RACE_TOGGLES 400

struct decode_race {
	volatile uint32_t *m;
	volatile bool stop;
	unsigned long ok, faults, stray;
	uint32_t stray_val;
};

static void *decode_race_reader(void *arg)
{
	struct decode_race *r = arg;
	uint32_t v;

	while (!r->stop) {
		if (probe_load(r->m, &v))
			r->faults++;
		else if (v == EDU_ID_VALUE)
			r->ok++;
		else if (!r->stray++)
			r->stray_val = v;
	}
	return NULL;
}

static int edu_decode_race(void)
{
	struct decode_race r = { .m = map_bar(0, 4096, MAP_SHARED, 0) };
	uint16_t cmd = cfg_read(PCI_COMMAND, 2);
	pthread_t t;
	int bad = 0;

	VT_ASSERT(r.m);
	VT_ASSERT(pthread_create(&t, NULL, decode_race_reader, &r) == 0);
	for (int i = 0; i < DECODE_RACE_TOGGLES && !bad; i++) {
		bad |= cfg_write(PCI_COMMAND, 2, cmd & ~PCI_COMMAND_MEMORY);
		bad |= cfg_write(PCI_COMMAND, 2, cmd);
	}
	r.stop = true;
	pthread_join(t, NULL);
	munmap((void *)r.m, 4096);
	printf("decode-race: %d toggles; loads: %lu saw the device, %lu faulted, %lu read %#x\n",
	       DECODE_RACE_TOGGLES, r.ok, r.faults, r.stray, r.stray_val);
	VT_ASSERT(!bad);
	if (r.stray)
		return vt_fail("%lu loads reached the device with decode off (read %#x)",
			       r.stray, r.stray_val);
	/* The race was really run: loads on both sides of the toggles. */
	VT_ASSERT(r.ok > 0 && r.faults > 0);
	return 0;
}

/*
 * The user buffer of a pread/pwrite may be a mapping of the same BAR:
 * its fault must not deadlock against the access.
 */
static int edu_self_buffer(void)
{
	volatile uint32_t *m = map_bar(0, EDU_BAR_SIZE, MAP_SHARED, 0);
	uint32_t x = 0;

	VT_ASSERT(m);
	/* Zap first, so the copy faults the page in mid-operation. */
	struct pciassign_reset rs = { .argsz = sizeof(rs) };

	ioctl(dev_fd, PCIASSIGN_DEVICE_RESET, &rs);
	/*
	 * The copies touch the mapping bytewise (edu ignores those), so
	 * what is checked is that they complete and move the right bytes.
	 */
	VT_ASSERT(pread(dev_fd, (void *)&m[0x10 / 4], 4, BAR(0, 0)) == 4);
	ioctl(dev_fd, PCIASSIGN_DEVICE_RESET, &rs);
	volatile uint8_t *b = (volatile uint8_t *)m;

	for (int i = 0; i < 4; i++)
		x |= (uint32_t)b[i] << (8 * i);
	ioctl(dev_fd, PCIASSIGN_DEVICE_RESET, &rs);
	VT_ASSERT(pwrite(dev_fd, (void *)&m[0], 4, BAR(0, 4)) == 4);
	VT_ASSERT(bar_read32(0, 4) == ~x);
	VT_ASSERT(m[0] == EDU_ID_VALUE);
	munmap((void *)m, EDU_BAR_SIZE);
	return 0;
}

static int edu_reset(void)
{
	struct pciassign_device_info di = { .argsz = sizeof(di) };
	struct pciassign_reset rs = { .argsz = sizeof(rs) };
	volatile uint32_t *m = map_bar(0, EDU_BAR_SIZE, MAP_SHARED, 0);
	uint32_t v = 0;
	int r;

	VT_ASSERT(m);
	VT_ASSERT(ioctl(dev_fd, PCIASSIGN_DEVICE_INFO, &di) == 0);
	VT_ASSERT(m[0] == EDU_ID_VALUE);
	r = ioctl(dev_fd, PCIASSIGN_DEVICE_RESET, &rs);
	if (di.flags & PCIASSIGN_DEVICE_INFO_RESET)
		VT_ASSERT(r == 0);
	else
		VT_ASSERT(r == -1 && errno == ENOTTY);
	/* Zapped around the reset, faulted back in on demand. */
	VT_ASSERT(probe_load(m, &v) == 0 && v == EDU_ID_VALUE);
	m[1] = 0x1234;
	VT_ASSERT(m[1] == ~0x1234u);
	munmap((void *)m, EDU_BAR_SIZE);
	return 0;
}

static int edu_bad_mmap(void)
{
	long pg = sysconf(_SC_PAGESIZE);

	errno = 0;
	VT_ASSERT(!map_bar(0, 4096, MAP_PRIVATE, 0) && errno == EINVAL);
	errno = 0;
	VT_ASSERT(!map_bar(0, 4096, MAP_SHARED, EDU_BAR_SIZE) && errno == EINVAL);
	errno = 0;
	VT_ASSERT(!map_bar(0, 2 * EDU_BAR_SIZE, MAP_SHARED, 0) && errno == EINVAL);
	errno = 0;
	VT_ASSERT(!map_bar(0, 2 * pg, MAP_SHARED, EDU_BAR_SIZE - pg) && errno == EINVAL);
	errno = 0;
	VT_ASSERT(!map_bar(0, 4096, MAP_SHARED, 100) && errno == EINVAL);
	/* Offset at the very end of BAR0's offset space: no wraparound. */
	errno = 0;
	VT_ASSERT(!map_bar(0, 2 * pg, MAP_SHARED, PCIASSIGN_REGION_OFFSET(1) - pg) &&
		  errno == EINVAL);
	errno = 0;
	VT_ASSERT(!map_bar(1, 4096, MAP_SHARED, 0) && errno == EINVAL);
	errno = 0;
	VT_ASSERT(!map_bar(PCIASSIGN_REGION_CONFIG, 4096, MAP_SHARED, 0) && errno == EINVAL);
	errno = 0;
	VT_ASSERT(!map_bar(PCIASSIGN_REGION_ROM, 4096, MAP_SHARED, 0) && errno == EINVAL);
	errno = 0;
	VT_ASSERT(!map_bar(PCIASSIGN_NUM_REGIONS + 3, 4096, MAP_SHARED, 0) && errno == EINVAL);
	/* Growing a mapping past its BAR is refused too. */
	void *p = (void *)map_bar(0, 4096, MAP_SHARED, EDU_BAR_SIZE - 4096);

	VT_ASSERT(p);
	VT_ASSERT(mremap(p, 4096, 8192, 0) == MAP_FAILED);
	munmap(p, 4096);
	return 0;
}

static int edu_bad_rw(void)
{
	uint8_t buf[16];

	VT_EXPECT_ERRNO(pread(dev_fd, buf, 4, CFG(256)), EINVAL);
	VT_EXPECT_ERRNO(pwrite(dev_fd, buf, 4, CFG(256)), EINVAL);
	VT_ASSERT(pread(dev_fd, buf, 16, CFG(248)) == 8);	/* cut short */
	VT_EXPECT_ERRNO(pread(dev_fd, buf, 4, BAR(0, EDU_BAR_SIZE)), EINVAL);
	VT_ASSERT(pread(dev_fd, buf, 16, BAR(0, EDU_BAR_SIZE - 4)) == 4);
	VT_EXPECT_ERRNO(pread(dev_fd, buf, 4, BAR(1, 0)), EINVAL);
	VT_EXPECT_ERRNO(pread(dev_fd, buf, 4, BAR(PCIASSIGN_REGION_ROM, 0)), EINVAL);
	VT_EXPECT_ERRNO(pread(dev_fd, buf, 4, BAR(PCIASSIGN_NUM_REGIONS, 0)), EINVAL);
	VT_EXPECT_ERRNO(pread(dev_fd, buf, 4, -1), EINVAL);
	/* An unmapped user address: no page below 64 KiB is ever mapped. */
	void *volatile bad = (void *)16;

	VT_EXPECT_ERRNO(pread(dev_fd, bad, 4, CFG(0)), EFAULT);
	VT_EXPECT_ERRNO(pread(dev_fd, bad, 4, BAR(0, 0)), EFAULT);
	VT_EXPECT_ERRNO(pwrite(dev_fd, bad, 4, BAR(0, 4)), EFAULT);
	VT_ASSERT(pread(dev_fd, buf, 0, CFG(0)) == 0);
	return 0;
}

/* Unbinding takes the device back: its mappings fault, the fd is dead. */
static int edu_revoke(void)
{
	const char *tmo = "/sys/module/pciassign/parameters/release_timeout_ms";
	volatile uint32_t *m = map_bar(0, EDU_BAR_SIZE, MAP_SHARED, 0);
	char old[32] = "5000";
	uint32_t v = 0;
	int fd, r;

	VT_ASSERT(m);
	VT_ASSERT(probe_load(m, &v) == 0 && v == EDU_ID_VALUE);
	fd = open(tmo, O_RDONLY);
	if (fd >= 0) {
		r = read(fd, old, sizeof(old) - 1);
		old[r > 0 ? r : 0] = '\0';
		close(fd);
	}
	/* Nobody answers the release request here: do not wait long. */
	vt_write_file(tmo, "100");
	r = vt_write_file("/sys/bus/pci/drivers/pciassign/unbind", bdf);
	vt_write_file(tmo, old);
	VT_ASSERT(r == 0);
	VT_ASSERT(probe_load(m, &v) == -1);
	VT_EXPECT_ERRNO(pread(dev_fd, &v, 4, BAR(0, 0)), ENODEV);
	VT_ASSERT(map_bar(0, 4096, MAP_SHARED, 0) == NULL);
	munmap((void *)m, EDU_BAR_SIZE);
	/* Back to pciassign (driver_override is still set) for later cases. */
	VT_ASSERT(vt_write_file("/sys/bus/pci/drivers_probe", bdf) == 0);
	return 0;
}

static const struct vt_case edu_cases[] = {
	{ "region-info", edu_region_info },
	{ "region-info-bad", edu_region_info_bad },
	{ "config-matches-sysfs", edu_config_matches_sysfs },
	{ "config-bar-writes-dropped", edu_bar_writes_dropped },
	{ "config-command-bits", edu_command_bits },
	{ "config-msi-dropped", edu_msi_dropped },
	{ "mmap-bar0", edu_mmap },
	{ "pread-pwrite-bar0", edu_pread_pwrite },
	{ "decode-off-sigbus", edu_decode_off },
	{ "decode-off-race", edu_decode_race },
	{ "buffer-is-own-mapping", edu_self_buffer },
	{ "reset-remaps", edu_reset },
	{ "mmap-refused", edu_bad_mmap },
	{ "rw-out-of-range", edu_bad_rw },
	{ "revoke-kills-mapping", edu_revoke },	/* last: the fd dies */
};

/* ===================== e1000e ===================== */

static int e1000e_io_bar = -1;

static int e1000e_find_io(void)
{
	struct pciassign_region_info ri;

	for (int i = 0; i < 6; i++) {
		if (region_info(i, &ri))
			return -1;
		if (ri.flags & PCIASSIGN_REGION_INFO_IO) {
			if (ri.flags & PCIASSIGN_REGION_INFO_MMAP)
				return -1;
			return i;
		}
	}
	return -1;
}

static int e1000e_region_info(void)
{
	struct pciassign_region_info ri;

	e1000e_io_bar = e1000e_find_io();
	VT_ASSERT(e1000e_io_bar >= 0);
	VT_ASSERT(region_info(e1000e_io_bar, &ri) == 0);
	VT_ASSERT(ri.size >= 8);
	VT_ASSERT(region_info(0, &ri) == 0);
	VT_ASSERT(ri.size >= 0x20000 && !(ri.flags & PCIASSIGN_REGION_INFO_IO));
	VT_ASSERT(ri.flags & PCIASSIGN_REGION_INFO_MMAP);
	VT_ASSERT(region_info(PCIASSIGN_REGION_ROM, &ri) == 0);
	VT_ASSERT(ri.size > 0 && ri.flags == PCIASSIGN_REGION_INFO_READ);
	VT_ASSERT(region_info(PCIASSIGN_REGION_CONFIG, &ri) == 0);
	VT_ASSERT(ri.size == 4096);
	return 0;
}

/* IOADDR/IODATA at 0/4 of the I/O BAR reach the MMIO registers. */
static int e1000e_io_bar_rw(void)
{
	uint32_t before, via_io = 0, after, addr = 0x8;	/* STATUS */

	VT_ASSERT(e1000e_io_bar >= 0);
	for (int tries = 0; tries < 5; tries++) {
		before = bar_read32(0, 0x8);
		VT_ASSERT(pwrite(dev_fd, &addr, 4, BAR(e1000e_io_bar, 0)) == 4);
		VT_ASSERT(pread(dev_fd, &via_io, 4, BAR(e1000e_io_bar, 4)) == 4);
		after = bar_read32(0, 0x8);
		if (before == after)
			break;
	}
	VT_ASSERT(before != 0xdeadbeef && before == after);
	VT_ASSERT(via_io == before);
	uint32_t back = 0;

	VT_ASSERT(pread(dev_fd, &back, 4, BAR(e1000e_io_bar, 0)) == 4);
	VT_ASSERT(back == addr);
	/* I/O decode off: -EIO. */
	uint16_t cmd = cfg_read(PCI_COMMAND, 2);

	VT_ASSERT(cfg_write(PCI_COMMAND, 2, cmd & ~PCI_COMMAND_IO) == 0);
	VT_EXPECT_ERRNO(pread(dev_fd, &back, 4, BAR(e1000e_io_bar, 4)), EIO);
	VT_ASSERT(cfg_write(PCI_COMMAND, 2, cmd) == 0);
	VT_ASSERT(pread(dev_fd, &back, 4, BAR(e1000e_io_bar, 4)) == 4);
	return 0;
}

static int e1000e_msix_dropped(void)
{
	int msix = find_cap(PCI_CAP_ID_MSIX);
	uint16_t before, after, want;

	VT_ASSERT(msix);
	VT_ASSERT(sysfs_config(&before, 2, msix + PCI_MSIX_FLAGS) == 0);
	want = before ^ (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	VT_ASSERT(cfg_write(msix + PCI_MSIX_FLAGS, 2, want) == 0);
	VT_ASSERT(cfg_write(msix, 4, (uint32_t)want << 16 | 0x11) == 0);
	VT_ASSERT(cfg_write(msix + PCI_MSIX_FLAGS + 1, 1, want >> 8) == 0);
	VT_ASSERT(sysfs_config(&after, 2, msix + PCI_MSIX_FLAGS) == 0);
	VT_ASSERT(after == before);
	VT_ASSERT(cfg_read(msix + PCI_MSIX_FLAGS, 2) == before);
	return 0;
}

static int e1000e_rom(void)
{
	struct pciassign_region_info ri;
	uint8_t sig[2] = { 0, 0 }, big[4096];

	VT_ASSERT(region_info(PCIASSIGN_REGION_ROM, &ri) == 0);
	VT_ASSERT(pread(dev_fd, sig, 2, ri.offset) == 2);
	VT_ASSERT(sig[0] == 0x55 && sig[1] == 0xaa);
	VT_ASSERT(pread(dev_fd, big, sizeof(big), ri.offset) == sizeof(big));
	VT_ASSERT(big[0] == 0x55 && big[1] == 0xaa);
	VT_EXPECT_ERRNO(pwrite(dev_fd, sig, 2, ri.offset), EINVAL);
	VT_EXPECT_ERRNO(pread(dev_fd, sig, 2, ri.offset + ri.size), EINVAL);
	return 0;
}

static int e1000e_config_matches_sysfs(void)
{
	static uint8_t mine[4096], host[4096];

	VT_ASSERT(pread(dev_fd, mine, sizeof(mine), CFG(0)) == sizeof(mine));
	VT_ASSERT(sysfs_config(host, sizeof(host), 0) == 0);
	/* e1000e has no FLR, so nothing is hidden. */
	VT_ASSERT(memcmp(mine, host, 0x40) == 0);
	VT_ASSERT(memcmp(mine + 0x100, host + 0x100, 0x100) == 0);
	return 0;
}

static const struct vt_case e1000e_cases[] = {
	{ "region-info", e1000e_region_info },
	{ "io-bar-rw", e1000e_io_bar_rw },
	{ "config-msix-dropped", e1000e_msix_dropped },
	{ "rom-read", e1000e_rom },
	{ "config-matches-sysfs", e1000e_config_matches_sysfs },
};

/* ===================== nvme ===================== */

#define NVME_REG_CC	0x14
/* CC.IOCQES = 4, CC.IOSQES = 6, CC.EN = 0: kept while disabled, reset clears */
#define NVME_CC_VAL	0x00460000u

static int nvme_exp(void)
{
	return find_cap(PCI_CAP_ID_EXP);
}

static int nvme_flr_hidden(void)
{
	int exp = nvme_exp();
	uint32_t host = 0, mine;

	VT_ASSERT(exp);
	VT_ASSERT(sysfs_config(&host, 4, exp + PCI_EXP_DEVCAP) == 0);
	VT_ASSERT(host & PCI_EXP_DEVCAP_FLR);
	mine = cfg_read(exp + PCI_EXP_DEVCAP, 4);
	VT_ASSERT(mine == (host & ~PCI_EXP_DEVCAP_FLR));
	/* Also through a byte read of the bit's byte, and a long read. */
	VT_ASSERT(cfg_read(exp + PCI_EXP_DEVCAP + 3, 1) == ((host >> 24) & 0xef));
	uint8_t all[64];

	VT_ASSERT(pread(dev_fd, all, sizeof(all), CFG(exp)) == sizeof(all));
	VT_ASSERT(!(all[PCI_EXP_DEVCAP + 3] & 0x10));
	return 0;
}

/* Setting BCR_FLR must not reset: CC, which a reset clears, survives. */
static int nvme_flr_write_dropped(void)
{
	struct pciassign_reset rs = { .argsz = sizeof(rs) };
	int exp = nvme_exp();
	uint32_t cc = NVME_CC_VAL;
	uint16_t ctl, probe, got;
	bool urre_writable;

	VT_ASSERT(exp);
	ctl = cfg_read(exp + PCI_EXP_DEVCTL, 2);
	/* Learn whether the device implements a harmless DEVCTL bit. */
	VT_ASSERT(cfg_write(exp + PCI_EXP_DEVCTL, 2, ctl ^ PCI_EXP_DEVCTL_URRE) == 0);
	probe = cfg_read(exp + PCI_EXP_DEVCTL, 2);
	urre_writable = probe == (ctl ^ PCI_EXP_DEVCTL_URRE);
	VT_ASSERT(cfg_write(exp + PCI_EXP_DEVCTL, 2, ctl) == 0);

	VT_ASSERT(bar_write32(0, NVME_REG_CC, cc) == 0);
	VT_ASSERT(bar_read32(0, NVME_REG_CC) == cc);
	VT_ASSERT(cfg_write(exp + PCI_EXP_DEVCTL, 2,
			    ctl ^ PCI_EXP_DEVCTL_URRE) == 0);
	VT_ASSERT(cfg_write(exp + PCI_EXP_DEVCTL, 2,
			    (ctl ^ PCI_EXP_DEVCTL_URRE) | PCI_EXP_DEVCTL_BCR_FLR) == 0);
	VT_ASSERT(cfg_write(exp + PCI_EXP_DEVCTL + 1, 1,
			    ((ctl | PCI_EXP_DEVCTL_BCR_FLR) >> 8)) == 0);
	usleep(200 * 1000);	/* an FLR, had it happened, is done by now */
	VT_ASSERT(bar_read32(0, NVME_REG_CC) == cc);
	got = cfg_read(exp + PCI_EXP_DEVCTL, 2);
	if (urre_writable)	/* the other bits passed */
		VT_ASSERT(got == (ctl ^ PCI_EXP_DEVCTL_URRE));
	VT_ASSERT(cfg_write(exp + PCI_EXP_DEVCTL, 2, ctl) == 0);

	/* The test can fail: a real reset does clear CC. */
	VT_ASSERT(ioctl(dev_fd, PCIASSIGN_DEVICE_RESET, &rs) == 0);
	VT_ASSERT(bar_read32(0, NVME_REG_CC) == 0);
	return 0;
}

static int nvme_bar0_mem64(void)
{
	struct pciassign_region_info ri;
	uint64_t cap = 0;

	VT_ASSERT(region_info(0, &ri) == 0);
	VT_ASSERT(ri.flags & PCIASSIGN_REGION_INFO_MEM64);
	VT_ASSERT(ri.flags & PCIASSIGN_REGION_INFO_MMAP);
	VT_ASSERT(!(ri.flags & PCIASSIGN_REGION_INFO_IO));
	VT_ASSERT(region_info(1, &ri) == 0);	/* upper half of BAR0 */
	VT_ASSERT(ri.size == 0);
	VT_ASSERT(region_info(0, &ri) == 0);
	volatile uint32_t *m = map_bar(0, ri.size, MAP_SHARED, 0);

	VT_ASSERT(m);
	VT_ASSERT(pread(dev_fd, &cap, 8, BAR(0, 0)) == 8);
	VT_ASSERT(cap != 0 && cap != ~0ull);
	VT_ASSERT(m[0] == (uint32_t)cap && m[1] == (uint32_t)(cap >> 32));
	m[NVME_REG_CC / 4] = NVME_CC_VAL;
	VT_ASSERT(bar_read32(0, NVME_REG_CC) == NVME_CC_VAL);

	/* A reset zaps the mapping; it comes back on demand. */
	struct pciassign_reset rs = { .argsz = sizeof(rs) };
	uint32_t v;

	VT_ASSERT(ioctl(dev_fd, PCIASSIGN_DEVICE_RESET, &rs) == 0);
	VT_ASSERT(probe_load(&m[NVME_REG_CC / 4], &v) == 0 && v == 0);
	VT_ASSERT(m[0] == (uint32_t)cap);
	munmap((void *)m, ri.size);
	return 0;
}

static const struct vt_case nvme_cases[] = {
	{ "flr-hidden", nvme_flr_hidden },
	{ "flr-write-dropped", nvme_flr_write_dropped },
	{ "bar0-mem64-mmap-reset", nvme_bar0_mem64 },
};

int main(int argc, char **argv)
{
	const struct vt_case *cases;
	size_t n;
	char prefix[32];

	if (argc != 3)
		goto usage;
	bdf = argv[2];
	if (!strcmp(argv[1], "edu")) {
		cases = edu_cases;
		n = sizeof(edu_cases) / sizeof(edu_cases[0]);
	} else if (!strcmp(argv[1], "e1000e")) {
		cases = e1000e_cases;
		n = sizeof(e1000e_cases) / sizeof(e1000e_cases[0]);
	} else if (!strcmp(argv[1], "nvme")) {
		cases = nvme_cases;
		n = sizeof(nvme_cases) / sizeof(nvme_cases[0]);
	} else {
		goto usage;
	}
	snprintf(prefix, sizeof(prefix), "regions-%s", argv[1]);
	if (attach()) {
		vt_report("PA-RESULT %s-attach FAIL attach %s: %s", prefix, bdf,
		       strerror(errno));
		return 0;
	}
	vt_run(prefix, cases, n);
	close(dev_fd);
	close(ctx_fd);
	return 0;
usage:
	fprintf(stderr, "usage: %s edu|e1000e|nvme BDF\n", argv[0]);
	return 2;
}
