// SPDX-License-Identifier: GPL-2.0
/*
 * An SR-IOV virtual function assigned (the sriov profile: QEMU's igb, an
 * 82576 whose PF the host's igb driver keeps). Usage:
 *
 *   pa-sriov-test vf BDF   the VF, bound to pciassign: its config through
 *                          the device fd (IDs and BARs the hardware reads
 *                          as 0xffff and 0, a virtual memory-enable bit
 *                          that BAR access and mappings follow), BAR mmap,
 *                          the mailbox reset handshake with the PF (its
 *                          answer raises a VF MSI-X vector), a transmit
 *                          descriptor the VF fetches and writes back by DMA
 *                          through the context's IOMMU domain (its MSI-X
 *                          vector fires), and FLR
 *   pa-sriov-test pf BDF   the PF, bound to pciassign with no VFs enabled:
 *                          attachable, its real IDs and memory bit
 *   pa-sriov-test vf-removal VF PF
 *                          the PF's driver removes its VFs while the VF is
 *                          attached: release request, release, removal
 *
 * 82576 VF registers (BAR0), from the datasheet's VF register map:
 * VTCTRL 0x0, VTSTATUS 0x8, mailbox memory 0x800 (16 dwords), the VF's
 * mailbox control 0xc40, VTEIMS 0x1524, VTEICR 0x1580, VTIVAR 0x1700,
 * VTIVAR_MISC 0x1740, transmit queue 0 at 0x3800.
 */
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/pci_regs.h>

#include "vmtest.h"

#define VF_CTRL		0x0000
#define VF_STATUS	0x0008
#define VF_MBMEM	0x0800
#define VF_MAILBOX	0x0c40
#define VF_EIMS		0x1524
#define VF_EIMC		0x1528
#define VF_EICR		0x1580
#define VF_IVAR0	0x1700
#define VF_IVAR_MISC	0x1740
#define VF_TDBAL	0x3800
#define VF_TDBAH	0x3804
#define VF_TDLEN	0x3808
#define VF_TDH		0x3810
#define VF_TDT		0x3818
#define VF_TXDCTL	0x3828

#define CTRL_RST	(1u << 26)
#define STATUS_LU	(1u << 1)
/* The VF's mailbox control bits. */
#define MB_REQ		(1u << 0)	/* a message for the PF */
#define MB_ACK		(1u << 1)	/* the PF's message read */
#define MB_VFU		(1u << 2)	/* buffer taken by the VF */
#define MB_PFU		(1u << 3)	/* buffer taken by the PF */
#define MB_PFSTS	(1u << 4)	/* the PF wrote a message (read clears) */
#define MB_PFACK	(1u << 5)	/* the PF read ours (read clears) */
/* Mailbox messages (Linux's e1000_mbx.h numbers, the 82576's protocol). */
#define MSG_VF_RESET	0x01u
#define MSG_ACK		0x80000000u
#define MSG_NACK	0x40000000u
#define TXDCTL_ENABLE	(1u << 25)
#define IVAR_VALID	0x80u
/* Legacy transmit descriptor command bits (cmd_type_len). */
#define TXD_EOP		(1u << 24)
#define TXD_IFCS	(1u << 25)
#define TXD_RS		(1u << 27)
#define TXD_STAT_DD	1u

#define VF_VENDOR	0x8086
#define VF_DEVICE	0x10ca
#define PF_DEVICE	0x10c9
#define NVEC		3	/* the 82576 VF's MSI-X vectors */
#define IOVA		0x100000ull
#define PG		4096

static const char *bdf;
static int ctx = -1, dev_fd = -1;
static volatile uint32_t *bar0;
static size_t bar0_size;
static int efd[NVEC] = { -1, -1, -1 };
static uint8_t *dma_buf;	/* the ring at IOVA, the frame one page up */
static uint32_t vf_mac_lo, vf_mac_hi;

static off_t cfg_off(unsigned int pos)
{
	return (off_t)PCIASSIGN_REGION_OFFSET(PCIASSIGN_REGION_CONFIG) + pos;
}

static int cfg_read(unsigned int pos, void *v, size_t len)
{
	return pread(dev_fd, v, len, cfg_off(pos)) == (ssize_t)len ? 0 : -1;
}

static int cfg_write16(unsigned int pos, uint16_t v)
{
	return pwrite(dev_fd, &v, 2, cfg_off(pos)) == 2 ? 0 : -1;
}

/* The host's own view of config space: sysfs, raw from the hardware. */
static int sysfs_cfg(unsigned int pos, void *v, size_t len)
{
	char path[128];
	int fd, r;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	r = pread(fd, v, len, pos) == (ssize_t)len ? 0 : -1;
	close(fd);
	return r;
}

/* Line @bar of the sysfs resource file: start and flags. */
static int sysfs_res(int bar, uint64_t *start, uint64_t *flags)
{
	char path[128], line[128];
	unsigned long long s, e, f;
	FILE *fp;
	int i = 0, r = -1;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", bdf);
	fp = fopen(path, "r");
	while (fp && fgets(line, sizeof(line), fp))
		if (i++ == bar && sscanf(line, "%llx %llx %llx", &s, &e, &f) == 3) {
			*start = s;
			*flags = f;
			r = 0;
		}
	if (fp)
		fclose(fp);
	return r;
}

static void msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static uint32_t rd(unsigned int off)
{
	return bar0[off / 4];
}

static void wr(unsigned int off, uint32_t v)
{
	bar0[off / 4] = v;
}

/* --- SIGBUS-safe loads ------------------------------------------------ */

static sigjmp_buf bus_jmp;
static volatile sig_atomic_t bus_armed;

static void on_sigbus(int sig)
{
	(void)sig;
	if (bus_armed)
		siglongjmp(bus_jmp, 1);
	_exit(3);
}

/* 0 and *val, or -1 when the load raised SIGBUS. */
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

/* Which vectors fired within @ms: a bit each (their counts are drained). */
static unsigned int vectors_fired(unsigned int ms)
{
	struct pollfd p[NVEC];
	unsigned int fired = 0;
	uint64_t n;

	for (int i = 0; i < NVEC; i++)
		p[i] = (struct pollfd){ .fd = efd[i], .events = POLLIN };
	if (poll(p, NVEC, (int)ms) <= 0)
		return 0;
	msleep(50);	/* one firing may be followed by another vector's */
	for (int i = 0; i < NVEC; i++)
		if (read(efd[i], &n, sizeof(n)) == sizeof(n) && n)
			fired |= 1u << i;
	return fired;
}

static void drain_vectors(void)
{
	uint64_t n;

	for (int i = 0; i < NVEC; i++)
		while (read(efd[i], &n, sizeof(n)) == sizeof(n))
			;
}

/* ===================== the VF ===================== */

static int vf_attach(void)
{
	struct pciassign_device_info di = { .argsz = sizeof(di) };

	ctx = open("/dev/pciassign", O_RDWR);
	VT_ASSERT(ctx >= 0);
	dev_fd = vt_attach(ctx, bdf);
	VT_ASSERT(dev_fd >= 0);
	VT_ASSERT(ioctl(dev_fd, PCIASSIGN_DEVICE_INFO, &di) == 0);
	if (di.vendor != VF_VENDOR || di.device != VF_DEVICE)
		return vt_fail("DEVICE_INFO says %04x:%04x", di.vendor, di.device);
	VT_ASSERT(di.flags & PCIASSIGN_DEVICE_INFO_RESET);
	VT_ASSERT(!(di.flags & PCIASSIGN_DEVICE_INFO_RESET_SET));
	return 0;
}

/* The hardware reads 0xffff; the device fd shows the VF's IDs. */
static int vf_config_ids(void)
{
	uint32_t hw = 0, ids = 0;

	VT_ASSERT(dev_fd >= 0);
	VT_ASSERT(sysfs_cfg(PCI_VENDOR_ID, &hw, 4) == 0);
	VT_ASSERT(cfg_read(PCI_VENDOR_ID, &ids, 4) == 0);
	if (ids != (VF_VENDOR | (uint32_t)VF_DEVICE << 16))
		return vt_fail("IDs through the device fd: %08x (hardware: %08x)", ids, hw);
	/* Narrow reads agree. */
	uint16_t dev = 0;

	VT_ASSERT(cfg_read(PCI_DEVICE_ID, &dev, 2) == 0);
	VT_ASSERT(dev == VF_DEVICE);
	/* Written, they stay what they are. */
	VT_ASSERT(pwrite(dev_fd, &(uint32_t){ 0x12345678 }, 4, cfg_off(0)) == 4);
	VT_ASSERT(cfg_read(PCI_VENDOR_ID, &ids, 4) == 0);
	VT_ASSERT(ids == (VF_VENDOR | (uint32_t)VF_DEVICE << 16));
	if (hw == ids)
		printf("note: this VF's hardware shows its IDs itself\n");
	return 0;
}

/* BARs as the PF's SR-IOV capability placed them, with their types. */
static int vf_config_bars(void)
{
	int checked = 0;

	VT_ASSERT(dev_fd >= 0);
	for (int i = 0; i < 6; i++) {
		uint64_t start = 0, flags = 0, addr;
		uint32_t lo = 0, hi = 0, hwlo = 1;
		struct pciassign_region_info ri = { .argsz = sizeof(ri), .index = i };

		VT_ASSERT(sysfs_res(i, &start, &flags) == 0);
		VT_ASSERT(cfg_read(PCI_BASE_ADDRESS_0 + 4 * i, &lo, 4) == 0);
		VT_ASSERT(sysfs_cfg(PCI_BASE_ADDRESS_0 + 4 * i, &hwlo, 4) == 0);
		VT_ASSERT(ioctl(dev_fd, PCIASSIGN_REGION_INFO, &ri) == 0);
		if (!(flags & 0x200)) {	/* IORESOURCE_MEM */
			if (lo)
				return vt_fail("BAR%d: no resource, reads %08x", i, lo);
			continue;
		}
		addr = lo & ~0xfull;
		if (flags & 0x00100000) {	/* IORESOURCE_MEM_64 */
			VT_ASSERT(cfg_read(PCI_BASE_ADDRESS_0 + 4 * (i + 1), &hi, 4) == 0);
			addr |= (uint64_t)hi << 32;
			if ((lo & 6) != 4)
				return vt_fail("BAR%d: %08x is not a 64-bit BAR", i, lo);
		}
		if (!!(flags & 0x2000) != !!(lo & 8))	/* IORESOURCE_PREFETCH */
			return vt_fail("BAR%d: prefetch bit of %08x, resource flags %llx",
				       i, lo, (unsigned long long)flags);
		if (addr != start)
			return vt_fail("BAR%d: address %llx, resource at %llx", i,
				       (unsigned long long)addr, (unsigned long long)start);
		if (!ri.size)
			return vt_fail("BAR%d: REGION_INFO size 0", i);
		printf("BAR%d: %08x (hardware %08x), %llu bytes\n", i, lo, hwlo,
		       (unsigned long long)ri.size);
		checked++;
		if (flags & 0x00100000)
			i++;
	}
	VT_ASSERT(checked >= 2);	/* registers and MSI-X */
	return 0;
}

static uint16_t fd_command(void)
{
	uint16_t cmd = 0;

	if (cfg_read(PCI_COMMAND, &cmd, 2))
		return 0xffff;
	return cmd;
}

static uint16_t hw_command(void)
{
	uint16_t cmd = 0xffff;

	sysfs_cfg(PCI_COMMAND, &cmd, 2);
	return cmd;
}

/* The memory-enable bit is the owner's own: set at attach, kept, not the hardware's. */
static int vf_memory_bit(void)
{
	uint16_t hw_mem = hw_command() & PCI_COMMAND_MEMORY;

	VT_ASSERT(dev_fd >= 0);
	if (!(fd_command() & PCI_COMMAND_MEMORY))
		return vt_fail("memory decode off after attach (command %04x)", fd_command());
	VT_ASSERT(cfg_write16(PCI_COMMAND, fd_command() & ~PCI_COMMAND_MEMORY) == 0);
	if (fd_command() & PCI_COMMAND_MEMORY)
		return vt_fail("cleared, reads back %04x", fd_command());
	/* Hardwired 0 on real VFs; QEMU's keeps what the host wrote: either way, not the owner's. */
	if ((hw_command() & PCI_COMMAND_MEMORY) != hw_mem)
		return vt_fail("the owner's write reached the hardware bit (%04x)", hw_command());
	VT_ASSERT(cfg_write16(PCI_COMMAND, fd_command() | PCI_COMMAND_MEMORY) == 0);
	if (!(fd_command() & PCI_COMMAND_MEMORY))
		return vt_fail("set, reads back %04x", fd_command());
	/* Bus mastering is the device's, as for any function. */
	VT_ASSERT(cfg_write16(PCI_COMMAND, fd_command() | PCI_COMMAND_MASTER) == 0);
	if (!(hw_command() & PCI_COMMAND_MASTER))
		return vt_fail("bus master not in hardware (%04x)", hw_command());
	printf("command: %04x through the fd, %04x in hardware\n", fd_command(), hw_command());
	return 0;
}

static int vf_bar_mmap(void)
{
	struct pciassign_region_info ri = { .argsz = sizeof(ri), .index = 0 };
	uint32_t status, v;

	VT_ASSERT(dev_fd >= 0);
	VT_ASSERT(ioctl(dev_fd, PCIASSIGN_REGION_INFO, &ri) == 0);
	VT_ASSERT(ri.flags & PCIASSIGN_REGION_INFO_MMAP);
	bar0_size = ri.size;
	void *p = mmap(NULL, bar0_size, PROT_READ | PROT_WRITE, MAP_SHARED, dev_fd,
		       (off_t)ri.offset);

	VT_ASSERT(p != MAP_FAILED);
	bar0 = p;
	VT_ASSERT(probe_load(bar0 + VF_STATUS / 4, &status) == 0);
	if (status == 0xffffffff)
		return vt_fail("VTSTATUS reads all ones");
	printf("VTSTATUS %08x (link %s)\n", status, status & STATUS_LU ? "up" : "down");
	/* The last mailbox dword: written and read back through the mapping. */
	wr(VF_MBMEM + 60, 0x5a5aa5a5);
	v = rd(VF_MBMEM + 60);
	if (v != 0x5a5aa5a5)
		return vt_fail("mailbox memory reads %08x after 5a5aa5a5", v);
	wr(VF_MBMEM + 60, 0);
	/* pread agrees with the mapping. */
	VT_ASSERT(pread(dev_fd, &v, 4, (off_t)ri.offset + VF_STATUS) == 4);
	VT_ASSERT((v & STATUS_LU) == (status & STATUS_LU));
	return 0;
}

/* Memory decode off (the virtual bit): mappings fault, pread fails; on again: back. */
static int vf_decode_off(void)
{
	uint32_t v;

	VT_ASSERT(bar0);
	VT_ASSERT(probe_load(bar0 + VF_STATUS / 4, &v) == 0);	/* mapped now */
	VT_ASSERT(cfg_write16(PCI_COMMAND, fd_command() & ~PCI_COMMAND_MEMORY) == 0);
	if (probe_load(bar0 + VF_STATUS / 4, &v) == 0)
		return vt_fail("load through the mapping worked with memory decode off (%08x)", v);
	VT_EXPECT_ERRNO(pread(dev_fd, &v, 4, (off_t)PCIASSIGN_REGION_OFFSET(0) + VF_STATUS), EIO);
	VT_ASSERT(cfg_write16(PCI_COMMAND, fd_command() | PCI_COMMAND_MEMORY) == 0);
	VT_ASSERT(probe_load(bar0 + VF_STATUS / 4, &v) == 0);
	VT_ASSERT(v != 0xffffffff);
	VT_ASSERT(pread(dev_fd, &v, 4, (off_t)PCIASSIGN_REGION_OFFSET(0) + VF_STATUS) == 4);
	return 0;
}

static int set_msix(void)
{
	struct {
		struct pciassign_irq_set s;
		int32_t fds[NVEC];
	} a;
	struct pciassign_irq_info ii = { .argsz = sizeof(ii), .index = PCIASSIGN_IRQ_MSIX };

	if (ioctl(dev_fd, PCIASSIGN_IRQ_INFO, &ii) || ii.count != NVEC)
		return vt_fail("MSI-X: %u vectors (want %d)", ii.count, NVEC);
	memset(&a, 0, sizeof(a));
	a.s.argsz = sizeof(a);
	a.s.flags = PCIASSIGN_IRQ_SET_TRIGGER;
	a.s.index = PCIASSIGN_IRQ_MSIX;
	a.s.count = NVEC;
	for (int i = 0; i < NVEC; i++) {
		if (efd[i] < 0)
			efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		a.fds[i] = efd[i];
	}
	VT_ASSERT(ioctl(dev_fd, PCIASSIGN_SET_IRQS, &a) == 0);
	return 0;
}

/* Wait for mailbox control bits (some clear when read): those seen. */
static uint32_t mailbox_wait(uint32_t want, unsigned int ms, uint32_t *seen)
{
	for (unsigned int t = 0; t < ms; t++) {
		*seen |= rd(VF_MAILBOX);
		if ((*seen & want) == want)
			break;
		msleep(1);
	}
	return *seen & want;
}

/*
 * The 82576 VF's reset handshake: reset the VF's queues (VTCTRL.RST),
 * post VF_RESET to the PF through the mailbox, wait for its answer
 * (ACK or NACK of VF_RESET, the VF's MAC), which the PF's driver gives
 * after enabling the VF's transmit and receive. Its answer raises the
 * VF's mailbox interrupt. 0, or -1 with vt_why set.
 */
static int vf_handshake(unsigned int *fired)
{
	uint32_t seen = 0, msg[3];

	wr(VF_EIMC, 7);
	wr(VF_EICR, 7);
	wr(VF_CTRL, CTRL_RST);
	msleep(20);
	/* Every vector enabled; the mailbox on the last (other) vector. */
	wr(VF_IVAR_MISC, IVAR_VALID | 2);
	wr(VF_EIMS, 7);
	drain_vectors();
	rd(VF_MAILBOX);		/* clears what a PF reset left */

	wr(VF_MAILBOX, MB_VFU);
	if (!(rd(VF_MAILBOX) & MB_VFU))
		return vt_fail("could not take the mailbox buffer");
	wr(VF_MBMEM, MSG_VF_RESET);
	wr(VF_MAILBOX, MB_REQ);		/* and gives the buffer back */
	if (!mailbox_wait(MB_PFSTS, 3000, &seen))
		return vt_fail("no answer from the PF in 3 s (mailbox bits seen %08x)", seen);
	wr(VF_MAILBOX, MB_VFU);
	for (int i = 0; i < 3; i++)
		msg[i] = rd(VF_MBMEM + 4 * i);
	wr(VF_MAILBOX, MB_ACK);
	*fired = vectors_fired(2000);
	if ((msg[0] & 0xffff) != MSG_VF_RESET || !(msg[0] & (MSG_ACK | MSG_NACK)))
		return vt_fail("PF answered %08x %08x %08x", msg[0], msg[1], msg[2]);
	vf_mac_lo = msg[1];
	vf_mac_hi = msg[2] & 0xffff;
	printf("PF answered %08x, VF MAC %08x%04x, vectors fired %#x\n", msg[0],
	       vf_mac_lo, vf_mac_hi, *fired);
	return 0;
}

/* The PF answers the VF's mailbox, which raises a VF MSI-X vector. */
static int vf_mailbox_irq(void)
{
	unsigned int fired = 0;

	VT_ASSERT(bar0);
	if (set_msix())
		return -1;
	if (vf_handshake(&fired))
		return -1;
	if (!fired)
		return vt_fail("the PF's answer raised no VF MSI-X vector");
	return 0;
}

/*
 * Transmit one frame from the VF's queue 0: the descriptor and the frame
 * are read by DMA from the context's mapping, the descriptor's DD status
 * written back, and queue 0's vector (vector 0) fires.
 */
static int vf_tx(unsigned int *fired, uint32_t *status)
{
	uint8_t *ring = dma_buf, *frame = dma_buf + PG;
	uint32_t *d = (uint32_t *)ring;

	memset(dma_buf, 0, 2 * PG);
	/* To a locally administered unicast nobody has; from the VF. */
	memcpy(frame, "\x02\x00\x00\x00\x00\x99", 6);
	memcpy(frame + 6, &vf_mac_lo, 4);
	memcpy(frame + 10, &vf_mac_hi, 2);
	frame[12] = 0x88;
	frame[13] = 0xb5;	/* local experimental ethertype */
	memset(frame + 14, 0xa5, 46);
	/* Legacy descriptor: address, length and command, status at byte 12. */
	d[0] = (uint32_t)(IOVA + PG);
	d[1] = 0;
	d[2] = 60 | TXD_EOP | TXD_IFCS | TXD_RS;
	d[3] = 0;
	__sync_synchronize();

	wr(VF_TXDCTL, 0);
	wr(VF_TDBAL, (uint32_t)IOVA);
	wr(VF_TDBAH, 0);
	wr(VF_TDLEN, 8 * 16);
	wr(VF_TDH, 0);
	wr(VF_TDT, 0);
	wr(VF_IVAR0, IVAR_VALID << 8);	/* transmit queue 0 on vector 0 */
	wr(VF_EIMS, 7);
	wr(VF_TXDCTL, TXDCTL_ENABLE);
	drain_vectors();
	wr(VF_TDT, 1);
	for (int t = 0; t < 2000 && !(*(volatile uint8_t *)(ring + 12) & TXD_STAT_DD); t++)
		msleep(1);
	*status = ring[12];
	*fired = vectors_fired(1000);
	printf("TX: status %02x, TDH %u, vectors fired %#x\n", *status, rd(VF_TDH), *fired);
	return 0;
}

static int vf_dma_irq(void)
{
	unsigned int fired = 0;
	uint32_t status = 0;
	struct pciassign_dma_map m = {
		.argsz = sizeof(m),
		.flags = PCIASSIGN_DMA_MAP_READ | PCIASSIGN_DMA_MAP_WRITE,
		.iova = IOVA, .size = 2 * PG,
	};

	VT_ASSERT(bar0 && efd[0] >= 0);
	dma_buf = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	VT_ASSERT(dma_buf != MAP_FAILED);
	memset(dma_buf, 0, 2 * PG);
	m.vaddr = (uintptr_t)dma_buf;
	VT_ASSERT(ioctl(ctx, PCIASSIGN_DMA_MAP, &m) == 0);
	vf_tx(&fired, &status);
	if (!(status & TXD_STAT_DD))
		return vt_fail("descriptor not written back (status %02x, TDH %u, TXDCTL %08x)",
			       status, rd(VF_TDH), rd(VF_TXDCTL));
	if (rd(VF_TDH) != 1)
		return vt_fail("TDH %u after one descriptor", rd(VF_TDH));
	if (!(fired & 1))
		return vt_fail("transmit done, vector 0 did not fire (fired %#x)", fired);
	return 0;
}

/*
 * FLR through the device fd: the VF's queue is disabled by it, the BAR
 * mapping comes back (decode still on for the owner), and the VF works
 * again after another handshake.
 */
static int vf_reset(void)
{
	struct pciassign_reset r = { .argsz = sizeof(r) };
	unsigned int fired = 0;
	uint32_t v, status = 0;

	VT_ASSERT(bar0 && dma_buf);
	VT_ASSERT(rd(VF_TXDCTL) & TXDCTL_ENABLE);
	VT_ASSERT(ioctl(dev_fd, PCIASSIGN_DEVICE_RESET, &r) == 0);
	VT_ASSERT(fd_command() & PCI_COMMAND_MEMORY);
	VT_ASSERT(probe_load(bar0 + VF_TXDCTL / 4, &v) == 0);
	if (v & TXDCTL_ENABLE)
		return vt_fail("transmit queue still enabled after FLR (TXDCTL %08x)", v);
	if (!(hw_command() & PCI_COMMAND_MASTER))
		return vt_fail("bus mastering not restored after FLR (%04x)", hw_command());
	if (vf_handshake(&fired))
		return -1;
	vf_tx(&fired, &status);
	if (!(status & TXD_STAT_DD) || !(fired & 1))
		return vt_fail("after FLR: status %02x, vectors %#x", status, fired);
	return 0;
}

static int vf_release(void)
{
	VT_ASSERT(dev_fd >= 0);
	if (bar0)
		munmap((void *)bar0, bar0_size);
	bar0 = NULL;
	close(dev_fd);
	dev_fd = -1;
	close(ctx);
	ctx = -1;
	/* Attachable again, by a new context. */
	ctx = open("/dev/pciassign", O_RDWR);
	VT_ASSERT(ctx >= 0);
	dev_fd = vt_attach(ctx, bdf);
	VT_ASSERT(dev_fd >= 0);
	VT_ASSERT(fd_command() & PCI_COMMAND_MEMORY);
	close(dev_fd);
	close(ctx);
	dev_fd = ctx = -1;
	return 0;
}

static const struct vt_case vf_cases[] = {
	{ "attach", vf_attach },
	{ "config-ids", vf_config_ids },
	{ "config-bars", vf_config_bars },
	{ "memory-bit-virtual", vf_memory_bit },
	{ "bar-mmap", vf_bar_mmap },
	{ "decode-off-faults", vf_decode_off },
	{ "mailbox-msix", vf_mailbox_irq },
	{ "dma-tx-msix", vf_dma_irq },
	{ "flr", vf_reset },
	{ "release", vf_release },
};

/*
 * The PF's driver takes its VFs away (sriov_numvfs 0) while one is
 * attached: the owner gets the release request, lets go, and the removal
 * completes. (Run with the VF bound and free; argv[3] is the PF.)
 */
static const char *pf_bdf;

static int vf_removal(void)
{
	struct {
		struct pciassign_irq_set s;
		int32_t fd;
	} a;
	char path[128];
	struct pollfd p;
	int req, status = -1, released = vt_klog_count("released by its owner");
	pid_t child;

	ctx = open("/dev/pciassign", O_RDWR);
	VT_ASSERT(ctx >= 0);
	dev_fd = vt_attach(ctx, bdf);
	VT_ASSERT(dev_fd >= 0);
	req = eventfd(0, EFD_CLOEXEC);
	VT_ASSERT(req >= 0);
	memset(&a, 0, sizeof(a));
	a.s.argsz = sizeof(a);
	a.s.flags = PCIASSIGN_IRQ_SET_TRIGGER;
	a.s.index = PCIASSIGN_IRQ_REQ;
	a.s.count = 1;
	a.fd = req;
	VT_ASSERT(ioctl(dev_fd, PCIASSIGN_SET_IRQS, &a) == 0);

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/sriov_numvfs", pf_bdf);
	child = fork();
	VT_ASSERT(child >= 0);
	if (!child) {
		/* Only the parent owns the VF: it must not linger here. */
		close(dev_fd);
		close(ctx);
		close(req);
		_exit(vt_write_file(path, "0") ? 1 : 0);
	}
	p = (struct pollfd){ .fd = req, .events = POLLIN };
	if (poll(&p, 1, 10000) != 1) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return vt_fail("no release request within 10 s of sriov_numvfs=0");
	}
	close(dev_fd);
	close(ctx);
	dev_fd = ctx = -1;
	for (int t = 0; t < 100 && waitpid(child, &status, WNOHANG) == 0; t++)
		msleep(100);
	if (status == -1) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return vt_fail("sriov_numvfs=0 still blocked 10 s after the release");
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return vt_fail("writing sriov_numvfs=0 failed (status %#x)", status);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	if (!access(path, F_OK))
		return vt_fail("the VF %s is still there", bdf);
	if (vt_klog_count("released by its owner") <= released)
		return vt_fail("no \"released by its owner\" in the log");
	return 0;
}

static const struct vt_case removal_cases[] = {
	{ "vf-removal", vf_removal },
};

/* ===================== the PF ===================== */

/* With no VFs, the PF is assignable; its IDs and memory bit are its own. */
static int pf_attach(void)
{
	struct pciassign_device_info di = { .argsz = sizeof(di) };
	uint32_t ids = 0, hw = 0;

	ctx = open("/dev/pciassign", O_RDWR);
	VT_ASSERT(ctx >= 0);
	dev_fd = vt_attach(ctx, bdf);
	VT_ASSERT(dev_fd >= 0);
	VT_ASSERT(ioctl(dev_fd, PCIASSIGN_DEVICE_INFO, &di) == 0);
	VT_ASSERT(di.vendor == VF_VENDOR && di.device == PF_DEVICE);
	VT_ASSERT(cfg_read(PCI_VENDOR_ID, &ids, 4) == 0);
	VT_ASSERT(sysfs_cfg(PCI_VENDOR_ID, &hw, 4) == 0);
	VT_ASSERT(ids == hw);
	VT_ASSERT(cfg_write16(PCI_COMMAND, fd_command() & ~PCI_COMMAND_MEMORY) == 0);
	if (hw_command() & PCI_COMMAND_MEMORY)
		return vt_fail("PF memory decode still on in hardware (%04x)", hw_command());
	VT_ASSERT(cfg_write16(PCI_COMMAND, fd_command() | PCI_COMMAND_MEMORY) == 0);
	VT_ASSERT(hw_command() & PCI_COMMAND_MEMORY);
	close(dev_fd);
	close(ctx);
	dev_fd = ctx = -1;
	return 0;
}

static const struct vt_case pf_cases[] = {
	{ "pf-attach", pf_attach },
};

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "vf-removal")) {
		bdf = argv[2];
		pf_bdf = argv[3];
		return vt_run("sriov", removal_cases, 1);
	}
	if (argc != 3) {
		fprintf(stderr, "usage: %s vf|pf BDF | vf-removal VF PF\n", argv[0]);
		return 2;
	}
	bdf = argv[2];
	if (!strcmp(argv[1], "vf"))
		return vt_run("sriov", vf_cases, sizeof(vf_cases) / sizeof(vf_cases[0]));
	if (!strcmp(argv[1], "pf"))
		return vt_run("sriov", pf_cases, sizeof(pf_cases) / sizeof(pf_cases[0]));
	fprintf(stderr, "%s: unknown mode %s\n", argv[0], argv[1]);
	return 2;
}
