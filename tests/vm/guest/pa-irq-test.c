// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest tests of interrupt forwarding (PCIASSIGN_IRQ_INFO and
 * PCIASSIGN_SET_IRQS). Usage:
 *   pa-irq-test edu BDF       INTx, MSI, masking, argument checks, close
 *   pa-irq-test e1000e BDF    MSI-X vector subsets
 *
 * Interrupts are raised by poking the device's registers: through the
 * sysfs resource0 mmap when the kernel allows it, else through the device
 * fd (mmap, then pread/pwrite). That path is only a means here; what is
 * under test is the delivery into eventfds.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/pciassign.h>

#include "vmtest.h"
#include "edu.h"
#include "e1000e_regs.h"

#define DEVNODE "/dev/pciassign"

#define ICR_LSC		(1u << 2)	/* e1000e link status change */

#define WAIT_YES_MS	3000	/* TCG is slow; generous for "must arrive" */
#define WAIT_NO_MS	300	/* for "must not arrive" */

static const char *bdf;
static int ctx_fd = -1, dev_fd = -1;
static volatile uint32_t *bar0;	/* mmap of BAR0, or NULL: use dev_fd */

static void close_dev(void)
{
	if (bar0)
		munmap((void *)bar0, 4096 * 32);
	bar0 = NULL;
	if (dev_fd >= 0)
		close(dev_fd);
	if (ctx_fd >= 0)
		close(ctx_fd);
	dev_fd = ctx_fd = -1;
}

/* Open a context, attach the device, map BAR0 somehow. */
static int open_dev(void)
{
	struct pciassign_attach a;
	char path[128];
	void *p;
	int fd;

	close_dev();
	if (vt_parse_bdf(bdf, &a))
		return vt_fail("bad BDF %s", bdf);
	ctx_fd = open(DEVNODE, O_RDWR | O_CLOEXEC);
	if (ctx_fd < 0)
		return vt_fail("open %s: %s", DEVNODE, strerror(errno));
	dev_fd = ioctl(ctx_fd, PCIASSIGN_ATTACH_DEVICE, &a);
	if (dev_fd < 0)
		return vt_fail("attach %s: %s", bdf, strerror(errno));

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", bdf);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd >= 0) {
		p = mmap(NULL, 4096 * 32, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
		if (p != MAP_FAILED) {
			bar0 = p;
			return 0;
		}
	}
	p = mmap(NULL, 4096 * 32, PROT_READ | PROT_WRITE, MAP_SHARED, dev_fd,
		 PCIASSIGN_REGION_OFFSET(PCIASSIGN_REGION_BAR0));
	if (p != MAP_FAILED)
		bar0 = p;
	return 0;
}

static uint32_t rd32(uint32_t off)
{
	uint32_t v = 0xffffffff;

	if (bar0)
		return bar0[off / 4];
	if (pread(dev_fd, &v, 4, PCIASSIGN_REGION_OFFSET(PCIASSIGN_REGION_BAR0) + off) != 4)
		fprintf(stderr, "pread BAR0+%#x: %s\n", off, strerror(errno));
	return v;
}

static void wr32(uint32_t off, uint32_t v)
{
	if (bar0) {
		bar0[off / 4] = v;
		return;
	}
	if (pwrite(dev_fd, &v, 4, PCIASSIGN_REGION_OFFSET(PCIASSIGN_REGION_BAR0) + off) != 4)
		fprintf(stderr, "pwrite BAR0+%#x: %s\n", off, strerror(errno));
}

/* MSI and MSI-X messages are DMA writes: the function must master. */
static int set_bus_master(void)
{
	char path[128];
	uint16_t cmd;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -1;
	if (pread(fd, &cmd, 2, 4) != 2) {
		close(fd);
		return -1;
	}
	cmd |= 0x6;	/* memory space, bus master */
	if (pwrite(fd, &cmd, 2, 4) != 2) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int new_efd(void)
{
	return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

/* Wait up to @ms for @efd; return its count (0 on timeout). */
static uint64_t wait_efd(int efd, int ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	uint64_t v = 0;

	if (poll(&p, 1, ms) != 1)
		return 0;
	if (read(efd, &v, 8) != 8)
		return 0;
	return v;
}

static void drain_efd(int efd)
{
	uint64_t v;

	while (read(efd, &v, 8) == 8)
		;
}

/* SET_IRQS with an fds array. */
static int set_irqs(uint32_t flags, uint32_t index, uint32_t start,
		    uint32_t count, const int32_t *fds, uint32_t nfds)
{
	struct {
		struct pciassign_irq_set s;
		int32_t fds[16];
	} a;

	memset(&a, 0, sizeof(a));
	a.s.argsz = sizeof(a.s) + nfds * sizeof(int32_t);
	a.s.flags = flags;
	a.s.index = index;
	a.s.start = start;
	a.s.count = count;
	for (uint32_t i = 0; i < nfds && i < 16; i++)
		a.fds[i] = fds[i];
	return ioctl(dev_fd, PCIASSIGN_SET_IRQS, &a);
}

static int trigger1(uint32_t index, uint32_t vec, int32_t fd)
{
	return set_irqs(PCIASSIGN_IRQ_SET_TRIGGER, index, vec, 1, &fd, 1);
}

static int disable_index(uint32_t index)
{
	return set_irqs(PCIASSIGN_IRQ_SET_TRIGGER, index, 0, 0, NULL, 0);
}

static int mask_op(uint32_t action, uint32_t index, uint32_t start, uint32_t count)
{
	return set_irqs(action, index, start, count, NULL, 0);
}

static int irq_info(uint32_t index, struct pciassign_irq_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return ioctl(dev_fd, PCIASSIGN_IRQ_INFO, info);
}

/*
 * The Linux IRQ number of our /proc/interrupts line named
 * "pciassign-<kind>[<bdf>:<n>]" (or "pciassign-intx[<bdf>]" when n < 0),
 * -1 if absent. Also counts how many pciassign lines exist.
 */
static int proc_irq(const char *kind, int n, int *total)
{
	char want[96], line[1024];
	FILE *f = fopen("/proc/interrupts", "r");
	int irq = -1, cnt = 0;

	if (n < 0)
		snprintf(want, sizeof(want), "pciassign-%s[%s]", kind, bdf);
	else
		snprintf(want, sizeof(want), "pciassign-%s[%s:%d]", kind, bdf, n);
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "pciassign"))
			continue;
		cnt++;
		if (strstr(line, want))
			irq = atoi(line);
	}
	fclose(f);
	if (total)
		*total = cnt;
	return irq;
}

static int pciassign_lines(void)
{
	int total = 0;

	proc_irq("none", -1, &total);
	return total;
}

/* ------------------------------------------------------------------ */
/* edu                                                                */
/* ------------------------------------------------------------------ */

static void edu_ack_all(void)
{
	wr32(EDU_IRQ_ACK, rd32(EDU_IRQ_STATUS));
}

static int edu_info(void)
{
	struct pciassign_irq_info i;

	if (open_dev())
		return -1;
	VT_ASSERT(irq_info(PCIASSIGN_IRQ_INTX, &i) == 0);
	VT_ASSERT(i.count == 1);
	VT_ASSERT(i.flags == (PCIASSIGN_IRQ_INFO_MASKABLE | PCIASSIGN_IRQ_INFO_AUTOMASKED));
	VT_ASSERT(irq_info(PCIASSIGN_IRQ_MSI, &i) == 0);
	VT_ASSERT(i.count == 1);
	VT_ASSERT(i.flags & PCIASSIGN_IRQ_INFO_MASKABLE);
	VT_ASSERT(irq_info(PCIASSIGN_IRQ_MSIX, &i) == 0);
	VT_ASSERT(i.count == 0);
	VT_ASSERT(irq_info(PCIASSIGN_IRQ_REQ, &i) == 0);
	VT_ASSERT(i.count == 1);

	VT_EXPECT_ERRNO(irq_info(PCIASSIGN_NUM_IRQS, &i), EINVAL);
	i.argsz = sizeof(i);
	i.flags = 1;
	i.index = 0;
	VT_EXPECT_ERRNO(ioctl(dev_fd, PCIASSIGN_IRQ_INFO, &i), EINVAL);
	i.argsz = 8;
	i.flags = 0;
	VT_EXPECT_ERRNO(ioctl(dev_fd, PCIASSIGN_IRQ_INFO, &i), EINVAL);
	close_dev();
	return 0;
}

static int edu_msi(void)
{
	uint64_t got = 0;
	int efd = new_efd(), irq;

	if (open_dev())
		return -1;
	VT_ASSERT(set_bus_master() == 0);
	VT_ASSERT(trigger1(PCIASSIGN_IRQ_MSI, 0, efd) == 0);
	irq = proc_irq("msi", 0, NULL);
	VT_ASSERT(irq > 0);

	/* Each raise is one message; count them as they come. */
	for (int i = 0; i < 5; i++) {
		wr32(EDU_IRQ_RAISE, 1u << i);
		uint64_t v = wait_efd(efd, WAIT_YES_MS);

		if (!v)
			return vt_fail("raise %d: no MSI signalled", i);
		got += v;
		edu_ack_all();
	}
	VT_ASSERT(got == 5);
	VT_ASSERT(wait_efd(efd, WAIT_NO_MS) == 0);

	VT_ASSERT(disable_index(PCIASSIGN_IRQ_MSI) == 0);
	VT_ASSERT(proc_irq("msi", 0, NULL) < 0);
	close_dev();
	close(efd);
	return 0;
}

static int edu_msi_mask(void)
{
	int efd = new_efd();

	if (open_dev())
		return -1;
	VT_ASSERT(set_bus_master() == 0);
	VT_ASSERT(trigger1(PCIASSIGN_IRQ_MSI, 0, efd) == 0);
	VT_ASSERT(mask_op(PCIASSIGN_IRQ_SET_MASK, PCIASSIGN_IRQ_MSI, 0, 1) == 0);

	wr32(EDU_IRQ_RAISE, 1);
	VT_ASSERT(wait_efd(efd, WAIT_NO_MS * 2) == 0);	/* masked: held back */
	edu_ack_all();

	VT_ASSERT(mask_op(PCIASSIGN_IRQ_SET_UNMASK, PCIASSIGN_IRQ_MSI, 0, 1) == 0);
	VT_ASSERT(wait_efd(efd, WAIT_YES_MS) == 1);	/* the pending one */
	VT_ASSERT(mask_op(PCIASSIGN_IRQ_SET_UNMASK, PCIASSIGN_IRQ_MSI, 0, 1) == 0);
	VT_ASSERT(wait_efd(efd, WAIT_NO_MS) == 0);	/* delivered once */

	/* Unmasked again: normal delivery. */
	wr32(EDU_IRQ_RAISE, 2);
	VT_ASSERT(wait_efd(efd, WAIT_YES_MS) == 1);
	edu_ack_all();

	/* Masked with nothing pending: unmask delivers nothing. */
	VT_ASSERT(mask_op(PCIASSIGN_IRQ_SET_MASK, PCIASSIGN_IRQ_MSI, 0, 1) == 0);
	VT_ASSERT(mask_op(PCIASSIGN_IRQ_SET_UNMASK, PCIASSIGN_IRQ_MSI, 0, 1) == 0);
	VT_ASSERT(wait_efd(efd, WAIT_NO_MS) == 0);

	VT_ASSERT(disable_index(PCIASSIGN_IRQ_MSI) == 0);
	close_dev();
	close(efd);
	return 0;
}

static int edu_intx(void)
{
	int efd = new_efd(), rfd = new_efd();
	uint64_t one = 1;

	if (open_dev())
		return -1;
	VT_ASSERT(trigger1(PCIASSIGN_IRQ_INTX, 0, efd) == 0);
	VT_ASSERT(set_irqs(PCIASSIGN_IRQ_SET_RESAMPLE, PCIASSIGN_IRQ_INTX, 0, 1,
			   &rfd, 1) == 0);
	VT_ASSERT(proc_irq("intx", -1, NULL) > 0);

	/* Delivered, then auto-masked. */
	wr32(EDU_IRQ_RAISE, 1);
	VT_ASSERT(wait_efd(efd, WAIT_YES_MS) == 1);
	edu_ack_all();
	wr32(EDU_IRQ_RAISE, 2);
	VT_ASSERT(wait_efd(efd, WAIT_NO_MS * 2) == 0);

	/* Unmask by resample with the line still asserted: fires again. */
	VT_ASSERT(write(rfd, &one, 8) == 8);
	VT_ASSERT(wait_efd(efd, WAIT_YES_MS) == 1);
	/* The kernel consumed the resample count. */
	VT_ASSERT(wait_efd(rfd, 0) == 0);

	/* Line low, unmask: nothing; next raise arrives. */
	edu_ack_all();
	VT_ASSERT(write(rfd, &one, 8) == 8);
	VT_ASSERT(wait_efd(efd, WAIT_NO_MS) == 0);
	wr32(EDU_IRQ_RAISE, 4);
	VT_ASSERT(wait_efd(efd, WAIT_YES_MS) == 1);
	edu_ack_all();

	/* Same through the UNMASK ioctl. */
	VT_ASSERT(mask_op(PCIASSIGN_IRQ_SET_UNMASK, PCIASSIGN_IRQ_INTX, 0, 1) == 0);
	VT_ASSERT(wait_efd(efd, WAIT_NO_MS) == 0);
	wr32(EDU_IRQ_RAISE, 8);
	VT_ASSERT(wait_efd(efd, WAIT_YES_MS) == 1);
	VT_ASSERT(mask_op(PCIASSIGN_IRQ_SET_UNMASK, PCIASSIGN_IRQ_INTX, 0, 1) == 0);
	VT_ASSERT(wait_efd(efd, WAIT_YES_MS) == 1);	/* still asserted */
	edu_ack_all();
	VT_ASSERT(mask_op(PCIASSIGN_IRQ_SET_UNMASK, PCIASSIGN_IRQ_INTX, 0, 1) == 0);

	/* MASK ioctl: a raise is held back until unmask. */
	VT_ASSERT(mask_op(PCIASSIGN_IRQ_SET_MASK, PCIASSIGN_IRQ_INTX, 0, 1) == 0);
	wr32(EDU_IRQ_RAISE, 1);
	VT_ASSERT(wait_efd(efd, WAIT_NO_MS * 2) == 0);
	VT_ASSERT(mask_op(PCIASSIGN_IRQ_SET_UNMASK, PCIASSIGN_IRQ_INTX, 0, 1) == 0);
	VT_ASSERT(wait_efd(efd, WAIT_YES_MS) == 1);
	edu_ack_all();
	VT_ASSERT(mask_op(PCIASSIGN_IRQ_SET_UNMASK, PCIASSIGN_IRQ_INTX, 0, 1) == 0);

	/* Swapping the trigger keeps the IRQ and uses the new eventfd. */
	int efd2 = new_efd();
	int irq = proc_irq("intx", -1, NULL);

	VT_ASSERT(trigger1(PCIASSIGN_IRQ_INTX, 0, efd2) == 0);
	VT_ASSERT(proc_irq("intx", -1, NULL) == irq);
	wr32(EDU_IRQ_RAISE, 1);
	VT_ASSERT(wait_efd(efd2, WAIT_YES_MS) == 1);
	VT_ASSERT(wait_efd(efd, 0) == 0);
	edu_ack_all();

	/* The trigger cannot double as the resample eventfd. */
	VT_EXPECT_ERRNO(set_irqs(PCIASSIGN_IRQ_SET_RESAMPLE, PCIASSIGN_IRQ_INTX,
				 0, 1, &efd2, 1), EINVAL);

	VT_ASSERT(disable_index(PCIASSIGN_IRQ_INTX) == 0);
	VT_ASSERT(proc_irq("intx", -1, NULL) < 0);
	close_dev();
	close(efd);
	close(efd2);
	close(rfd);
	return 0;
}

/* INTx, MSI and MSI-X exclude each other. */
static int edu_busy(void)
{
	int efd = new_efd();

	if (open_dev())
		return -1;
	VT_ASSERT(trigger1(PCIASSIGN_IRQ_INTX, 0, efd) == 0);
	VT_EXPECT_ERRNO(trigger1(PCIASSIGN_IRQ_MSI, 0, efd), EBUSY);
	VT_ASSERT(proc_irq("msi", 0, NULL) < 0);
	VT_ASSERT(disable_index(PCIASSIGN_IRQ_INTX) == 0);
	VT_ASSERT(trigger1(PCIASSIGN_IRQ_MSI, 0, efd) == 0);
	VT_EXPECT_ERRNO(trigger1(PCIASSIGN_IRQ_INTX, 0, efd), EBUSY);
	VT_ASSERT(proc_irq("intx", -1, NULL) < 0);
	VT_ASSERT(disable_index(PCIASSIGN_IRQ_MSI) == 0);
	/* REQ is independent of them. */
	VT_ASSERT(trigger1(PCIASSIGN_IRQ_INTX, 0, efd) == 0);
	VT_ASSERT(trigger1(PCIASSIGN_IRQ_REQ, 0, efd) == 0);
	VT_ASSERT(disable_index(PCIASSIGN_IRQ_REQ) == 0);
	VT_ASSERT(disable_index(PCIASSIGN_IRQ_INTX) == 0);
	close_dev();
	close(efd);
	return 0;
}

static int edu_bad_args(void)
{
	struct pciassign_irq_set s;
	int efd = new_efd(), notefd, irq;
	int32_t fds[2];

	if (open_dev())
		return -1;
	VT_ASSERT(set_bus_master() == 0);
	VT_ASSERT(trigger1(PCIASSIGN_IRQ_MSI, 0, efd) == 0);
	irq = proc_irq("msi", 0, NULL);
	VT_ASSERT(irq > 0);

	fds[0] = fds[1] = efd;
	/* start + count wraps */
	VT_EXPECT_ERRNO(set_irqs(PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_MSI,
				 0xffffffffu, 2, fds, 2), EINVAL);
	VT_EXPECT_ERRNO(mask_op(PCIASSIGN_IRQ_SET_MASK, PCIASSIGN_IRQ_MSI,
				0xffffffffu, 2), EINVAL);
	/* beyond the index's count */
	VT_EXPECT_ERRNO(set_irqs(PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_MSI,
				 0, 2, fds, 2), EINVAL);
	VT_EXPECT_ERRNO(set_irqs(PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_MSI,
				 1, 1, fds, 1), EINVAL);
	VT_EXPECT_ERRNO(set_irqs(PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_MSIX,
				 0, 1, fds, 1), EINVAL);
	/* argsz does not cover the fds */
	memset(&s, 0, sizeof(s));
	s.argsz = sizeof(s);
	s.flags = PCIASSIGN_IRQ_SET_TRIGGER;
	s.index = PCIASSIGN_IRQ_MSI;
	s.count = 1;
	VT_EXPECT_ERRNO(ioctl(dev_fd, PCIASSIGN_SET_IRQS, &s), EINVAL);
	s.argsz = sizeof(s) - 1;
	s.flags = PCIASSIGN_IRQ_SET_MASK;
	VT_EXPECT_ERRNO(ioctl(dev_fd, PCIASSIGN_SET_IRQS, &s), EINVAL);
	/* zero or two actions, unknown flags, bad index */
	VT_EXPECT_ERRNO(set_irqs(0, PCIASSIGN_IRQ_MSI, 0, 1, fds, 1), EINVAL);
	VT_EXPECT_ERRNO(set_irqs(PCIASSIGN_IRQ_SET_TRIGGER | PCIASSIGN_IRQ_SET_MASK,
				 PCIASSIGN_IRQ_MSI, 0, 1, fds, 1), EINVAL);
	VT_EXPECT_ERRNO(set_irqs(PCIASSIGN_IRQ_SET_MASK | PCIASSIGN_IRQ_SET_UNMASK,
				 PCIASSIGN_IRQ_MSI, 0, 1, NULL, 0), EINVAL);
	VT_EXPECT_ERRNO(set_irqs(PCIASSIGN_IRQ_SET_TRIGGER | (1u << 9),
				 PCIASSIGN_IRQ_MSI, 0, 1, fds, 1), EINVAL);
	VT_EXPECT_ERRNO(set_irqs(PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_NUM_IRQS,
				 0, 1, fds, 1), EINVAL);
	/* actions that do not apply to the index */
	VT_EXPECT_ERRNO(set_irqs(PCIASSIGN_IRQ_SET_RESAMPLE, PCIASSIGN_IRQ_MSI,
				 0, 1, fds, 1), EINVAL);
	VT_EXPECT_ERRNO(mask_op(PCIASSIGN_IRQ_SET_MASK, PCIASSIGN_IRQ_REQ, 0, 1), EINVAL);
	VT_EXPECT_ERRNO(mask_op(PCIASSIGN_IRQ_SET_MASK, PCIASSIGN_IRQ_MSI, 0, 0), EINVAL);

	/* Not an eventfd, not an fd at all, a bad negative: nothing changes. */
	notefd = open("/dev/null", O_RDONLY);
	VT_ASSERT(notefd >= 0);
	VT_EXPECT_ERRNO(trigger1(PCIASSIGN_IRQ_MSI, 0, notefd), EINVAL);
	VT_EXPECT_ERRNO(trigger1(PCIASSIGN_IRQ_MSI, 0, dev_fd), EINVAL);
	VT_EXPECT_ERRNO(trigger1(PCIASSIGN_IRQ_MSI, 0, 999), EBADF);
	VT_EXPECT_ERRNO(trigger1(PCIASSIGN_IRQ_MSI, 0, -2), EINVAL);
	VT_EXPECT_ERRNO(set_irqs(PCIASSIGN_IRQ_SET_RESAMPLE, PCIASSIGN_IRQ_INTX,
				 0, 1, &notefd, 1), EINVAL);
	VT_EXPECT_ERRNO(trigger1(PCIASSIGN_IRQ_REQ, 0, notefd), EINVAL);
	close(notefd);

	VT_ASSERT(proc_irq("msi", 0, NULL) == irq);
	wr32(EDU_IRQ_RAISE, 1);
	VT_ASSERT(wait_efd(efd, WAIT_YES_MS) == 1);
	edu_ack_all();

	VT_ASSERT(disable_index(PCIASSIGN_IRQ_MSI) == 0);
	close_dev();
	close(efd);
	return 0;
}

/* Closing with everything enabled frees every IRQ. */
static int edu_close_live(void)
{
	int efd = new_efd(), rfd = new_efd();

	if (open_dev())
		return -1;
	VT_ASSERT(trigger1(PCIASSIGN_IRQ_INTX, 0, efd) == 0);
	VT_ASSERT(set_irqs(PCIASSIGN_IRQ_SET_RESAMPLE, PCIASSIGN_IRQ_INTX, 0, 1,
			   &rfd, 1) == 0);
	VT_ASSERT(trigger1(PCIASSIGN_IRQ_REQ, 0, efd) == 0);
	wr32(EDU_IRQ_RAISE, 1);		/* left asserted and masked */
	VT_ASSERT(wait_efd(efd, WAIT_YES_MS) == 1);
	close_dev();
	VT_ASSERT(pciassign_lines() == 0);
	/* The eventfds stay usable: the module dropped only its references. */
	uint64_t one = 1;

	VT_ASSERT(write(rfd, &one, 8) == 8);

	if (open_dev())
		return -1;
	VT_ASSERT(set_bus_master() == 0);
	VT_ASSERT(trigger1(PCIASSIGN_IRQ_MSI, 0, efd) == 0);
	VT_ASSERT(mask_op(PCIASSIGN_IRQ_SET_MASK, PCIASSIGN_IRQ_MSI, 0, 1) == 0);
	wr32(EDU_IRQ_RAISE, 1);		/* pending at close */
	vt_msleep(100);
	close_dev();
	VT_ASSERT(pciassign_lines() == 0);
	close(efd);
	close(rfd);
	return 0;
}

/*
 * The host wants the device back (unbind): the request eventfd fires,
 * the owner closes, the unbind completes. The device is bound again after.
 */
static int edu_req(void)
{
	int efd = new_efd(), status;
	pid_t pid;

	if (open_dev())
		return -1;
	VT_ASSERT(trigger1(PCIASSIGN_IRQ_REQ, 0, efd) == 0);
	pid = fork();
	VT_ASSERT(pid >= 0);
	if (pid == 0)
		_exit(vt_write_file("/sys/bus/pci/drivers/pciassign/unbind", bdf) ? 1 : 0);
	if (!wait_efd(efd, 10000)) {
		close_dev();
		waitpid(pid, &status, 0);
		return vt_fail("no release request on the REQ eventfd");
	}
	close_dev();
	VT_ASSERT(waitpid(pid, &status, 0) == pid);
	VT_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	VT_ASSERT(pciassign_lines() == 0);
	/* driver_override still names us: probing binds it again. */
	VT_ASSERT(vt_write_file("/sys/bus/pci/drivers_probe", bdf) == 0);
	close(efd);
	return 0;
}

static const struct vt_case edu_cases[] = {
	{ "info", edu_info },
	{ "msi", edu_msi },
	{ "msi-mask", edu_msi_mask },
	{ "intx", edu_intx },
	{ "busy", edu_busy },
	{ "bad-args", edu_bad_args },
	{ "close-live", edu_close_live },
	{ "req", edu_req },
};

/* ------------------------------------------------------------------ */
/* e1000e: MSI-X                                                      */
/* ------------------------------------------------------------------ */

static int e1000e_info(void)
{
	struct pciassign_irq_info i;

	if (open_dev())
		return -1;
	VT_ASSERT(irq_info(PCIASSIGN_IRQ_MSIX, &i) == 0);
	VT_ASSERT(i.count == 5);
	VT_ASSERT(i.flags & PCIASSIGN_IRQ_INFO_MASKABLE);
	VT_ASSERT(irq_info(PCIASSIGN_IRQ_REQ, &i) == 0);
	VT_ASSERT(i.count == 1);
	close_dev();
	return 0;
}

/*
 * Make the NIC raise @cause (ICS) and expect exactly eventfd @want of
 * @efds[3] to be signalled.
 */
static int fire(const int *efds, uint32_t cause, int want)
{
	wr32(E1000_ICS, cause);
	if (wait_efd(efds[want], WAIT_YES_MS) != 1)
		return vt_fail("cause %#x: vector %d not signalled", cause, want);
	vt_msleep(50);
	for (int v = 0; v < 3; v++)
		if (v != want && wait_efd(efds[v], 0))
			return vt_fail("cause %#x: vector %d signalled too", cause, v);
	return 0;
}

static int e1000e_msix(void)
{
	int efd[3] = { new_efd(), new_efd(), new_efd() }, spare = new_efd();
	int irq0, irq2, total;
	int32_t fds[3];

	if (open_dev())
		return -1;
	VT_ASSERT(set_bus_master() == 0);

	/* Vectors 0 and 2 only. */
	fds[0] = efd[0];
	fds[1] = -1;
	fds[2] = efd[2];
	VT_ASSERT(set_irqs(PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_MSIX, 0, 3,
			   fds, 3) == 0);
	irq0 = proc_irq("msix", 0, &total);
	irq2 = proc_irq("msix", 2, NULL);
	VT_ASSERT(irq0 > 0 && irq2 > 0 && irq0 != irq2);
	VT_ASSERT(proc_irq("msix", 1, NULL) < 0);
	VT_ASSERT(total == 2);

	/* Route causes: RXQ0, TXQ1 -> 0; TXQ0 -> 1; RXQ1, OTHER -> 2. */
	wr32(E1000_IMC, 0xffffffff);
	(void)rd32(E1000_ICR);		/* clears with IMS empty */
	wr32(E1000_IVAR, (0x8 | 0) | (0x8 | 2) << 4 | (0x8 | 1) << 8 |
			 (0x8 | 0) << 12 | (0x8 | 2) << 16);
	wr32(E1000_IMS, ICR_RXQ0 | ICR_RXQ1 | ICR_TXQ0 | ICR_TXQ1 | ICR_OTHER);
	vt_msleep(50);
	for (int v = 0; v < 3; v++)
		drain_efd(efd[v]);

	if (fire(efd, ICR_RXQ0, 0) || fire(efd, ICR_RXQ1, 2))
		return -1;

	/* Add vector 1: 0 and 2 stay as they are. */
	VT_ASSERT(trigger1(PCIASSIGN_IRQ_MSIX, 1, efd[1]) == 0);
	VT_ASSERT(proc_irq("msix", 0, NULL) == irq0);
	VT_ASSERT(proc_irq("msix", 2, NULL) == irq2);
	VT_ASSERT(proc_irq("msix", 1, &total) > 0);
	VT_ASSERT(total == 3);
	if (fire(efd, ICR_TXQ0, 1) || fire(efd, ICR_TXQ1, 0))
		return -1;

	/* Swap vector 2's eventfd: same IRQ, new eventfd. */
	VT_ASSERT(trigger1(PCIASSIGN_IRQ_MSIX, 2, spare) == 0);
	VT_ASSERT(proc_irq("msix", 2, NULL) == irq2);
	{
		int e2[3] = { efd[0], efd[1], spare };

		if (fire(e2, ICR_OTHER, 2))
			return -1;
		VT_ASSERT(wait_efd(efd[2], 0) == 0);
	}

	/* Disable vector 1 alone, then the whole index. */
	VT_ASSERT(trigger1(PCIASSIGN_IRQ_MSIX, 1, -1) == 0);
	VT_ASSERT(proc_irq("msix", 1, &total) < 0);
	VT_ASSERT(total == 2);
	VT_ASSERT(proc_irq("msix", 0, NULL) == irq0);

	/* Bad ranges change nothing. */
	VT_EXPECT_ERRNO(set_irqs(PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_MSIX,
				 5, 1, fds, 1), EINVAL);
	VT_EXPECT_ERRNO(set_irqs(PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_MSIX,
				 0, 6, fds, 3), EINVAL);
	VT_EXPECT_ERRNO(set_irqs(PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_MSIX,
				 4, 0xfffffffdu, fds, 3), EINVAL);
	VT_ASSERT(pciassign_lines() == 2);

	VT_ASSERT(disable_index(PCIASSIGN_IRQ_MSIX) == 0);
	VT_ASSERT(pciassign_lines() == 0);
	wr32(E1000_IMC, 0xffffffff);
	close_dev();
	for (int v = 0; v < 3; v++)
		close(efd[v]);
	close(spare);
	return 0;
}

/* Closing with MSI-X vectors live frees them. */
static int e1000e_close_live(void)
{
	int efd = new_efd();
	int32_t fds[5] = { efd, efd, -1, efd, efd };

	if (open_dev())
		return -1;
	VT_ASSERT(set_irqs(PCIASSIGN_IRQ_SET_TRIGGER, PCIASSIGN_IRQ_MSIX, 0, 5,
			   fds, 5) == 0);
	VT_ASSERT(pciassign_lines() == 4);
	VT_ASSERT(mask_op(PCIASSIGN_IRQ_SET_MASK, PCIASSIGN_IRQ_MSIX, 1, 3) == 0);
	close_dev();
	VT_ASSERT(pciassign_lines() == 0);
	close(efd);
	return 0;
}

/* The MSI-X capability's table: BAR index and byte range; -1 if none. */
static int msix_table(int *bir, uint32_t *start, uint32_t *end, uint32_t *pba)
{
	char path[128];
	uint8_t cfg[256];
	int fd, n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = (int)pread(fd, cfg, sizeof(cfg), 0);
	close(fd);
	if (n != (int)sizeof(cfg) || !(cfg[6] & 0x10))
		return -1;
	for (unsigned int p = cfg[0x34] & 0xfc, hops = 0; p && hops < 48;
	     p = cfg[p + 1] & 0xfc, hops++) {
		uint32_t t, b;

		if (cfg[p] != 0x11)
			continue;
		memcpy(&t, &cfg[p + 4], 4);
		memcpy(&b, &cfg[p + 8], 4);
		*bir = (int)(t & 7);
		*start = t & ~7u;
		*end = *start + ((cfg[p + 2] | (cfg[p + 3] & 7) << 8) + 1) * 16;
		*pba = b & ~7u;
		return 0;
	}
	return -1;
}

/*
 * The MSI-X table belongs to the host: pread of it reads all ones, pwrite
 * (aligned or not, any width) is dropped, and the vector the host
 * programmed keeps working. The sysfs resource mmap, where the kernel
 * allows it, shows the real entry is untouched. The PBA stays readable.
 */
static int e1000e_msix_shield(void)
{
	int efd[3] = { new_efd(), new_efd(), new_efd() }, bir, rfd;
	uint32_t start, end, pba, word, before[4] = { 0 }, after[4] = { 0 };
	uint8_t buf[256], zeros[256] = { 0 };
	volatile uint32_t *real = NULL;
	char path[128];
	uint64_t off;

	if (open_dev())
		return -1;
	VT_ASSERT(msix_table(&bir, &start, &end, &pba) == 0);
	VT_ASSERT(end - start <= sizeof(buf));
	off = PCIASSIGN_REGION_OFFSET(bir);
	VT_ASSERT(set_bus_master() == 0);
	VT_ASSERT(trigger1(PCIASSIGN_IRQ_MSIX, 0, efd[0]) == 0);

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%d", bdf, bir);
	rfd = open(path, O_RDWR | O_SYNC);
	if (rfd >= 0) {
		void *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, rfd, start & ~4095u);

		close(rfd);
		if (p != MAP_FAILED)
			real = (volatile uint32_t *)((char *)p + (start & 4095));
	}
	for (int i = 0; real && i < 4; i++)
		before[i] = real[i];

	memset(buf, 0, sizeof(buf));
	VT_ASSERT(pread(dev_fd, buf, end - start, off + start) == (ssize_t)(end - start));
	for (uint32_t i = 0; i < end - start; i++)
		if (buf[i] != 0xff)
			return vt_fail("table byte %u reads %#x through the device fd", i, buf[i]);
	/* The PBA is not shielded: pending bits, none set here. */
	VT_ASSERT(pread(dev_fd, &word, 4, off + pba) == 4);
	VT_ASSERT(word != 0xffffffff);

	VT_ASSERT(pwrite(dev_fd, zeros, end - start, off + start) == (ssize_t)(end - start));
	VT_ASSERT(pwrite(dev_fd, zeros, 2, off + start + 2) == 2);
	VT_ASSERT(pwrite(dev_fd, zeros, 1, off + start + 8) == 1);
	VT_ASSERT(pwrite(dev_fd, zeros, 3, off + start + 9) == 3);
	for (int i = 0; real && i < 4; i++)
		after[i] = real[i];
	if (real && memcmp(before, after, sizeof(before)))
		return vt_fail("entry 0 changed: %08x %08x %08x %08x -> %08x %08x %08x %08x",
			       before[0], before[1], before[2], before[3],
			       after[0], after[1], after[2], after[3]);
	printf("msix-shield: table BAR%d %#x..%#x, entry 0 %s %08x/%08x\n", bir, start, end,
	       real ? "reads" : "(no sysfs mmap)", after[0], after[2]);

	/* RXQ0 -> vector 0: still delivered with the host's message. */
	wr32(E1000_IMC, 0xffffffff);
	(void)rd32(E1000_ICR);
	wr32(E1000_IVAR, 0x8 | 0);
	wr32(E1000_IMS, ICR_RXQ0);
	vt_msleep(50);
	drain_efd(efd[0]);
	if (fire(efd, ICR_RXQ0, 0))
		return -1;
	wr32(E1000_IMC, 0xffffffff);
	if (real)
		munmap((void *)((uintptr_t)real & ~4095ul), 4096);
	VT_ASSERT(disable_index(PCIASSIGN_IRQ_MSIX) == 0);
	close_dev();
	for (int v = 0; v < 3; v++)
		close(efd[v]);
	return 0;
}

/*
 * INTx unmasked while the device resets: the PCI core saves the command
 * register before the reset and restores it after, which would undo the
 * unmask's INTx-disable change (INTx disabled in hardware while the
 * kernel thinks it unmasked: interrupts lost for good). A thread writes
 * the resample eventfd in the middle of each FLR; afterwards an interrupt
 * must still arrive.
 */
#define RESET_RACE_ROUNDS 8

struct reset_race {
	int rfd;
	volatile int go;	/* 1: a reset is starting; 2: stop */
	int writes;
};

static void *reset_race_unmasker(void *arg)
{
	struct reset_race *r = arg;
	uint64_t one = 1;

	for (;;) {
		while (!r->go)
			vt_msleep(1);
		if (r->go == 2)
			return NULL;
		vt_msleep(30);	/* inside the FLR's wait, after the save */
		if (write(r->rfd, &one, 8) == 8)
			r->writes++;
		r->go = 0;
	}
}

/* Raise LSC as a legacy interrupt and wait for it on @efd. */
static int e1000e_intx_fires(int efd, int ms)
{
	wr32(E1000_IMC, 0xffffffff);
	(void)rd32(E1000_ICR);
	drain_efd(efd);
	wr32(E1000_IMS, ICR_LSC);
	wr32(E1000_ICS, ICR_LSC);
	return wait_efd(efd, ms) ? 0 : -1;
}

static int e1000e_intx_reset_race(void)
{
	struct reset_race r = { .rfd = new_efd() };
	struct pciassign_reset rs = { .argsz = sizeof(rs) };
	int efd = new_efd(), resets = 0;
	uint64_t one = 1;
	pthread_t t;

	if (open_dev())
		return -1;
	VT_ASSERT(set_bus_master() == 0);
	VT_ASSERT(trigger1(PCIASSIGN_IRQ_INTX, 0, efd) == 0);
	VT_ASSERT(set_irqs(PCIASSIGN_IRQ_SET_RESAMPLE, PCIASSIGN_IRQ_INTX, 0, 1,
			   &r.rfd, 1) == 0);
	VT_ASSERT(pthread_create(&t, NULL, reset_race_unmasker, &r) == 0);
	for (int i = 0; i < RESET_RACE_ROUNDS; i++) {
		/* Fired and so masked, the line low again: ready to unmask. */
		if (e1000e_intx_fires(efd, WAIT_YES_MS)) {
			r.go = 2;
			pthread_join(t, NULL);
			return vt_fail("round %d: INTx lost before the reset", i);
		}
		wr32(E1000_IMC, 0xffffffff);
		(void)rd32(E1000_ICR);
		r.go = 1;
		if (ioctl(dev_fd, PCIASSIGN_DEVICE_RESET, &rs) == 0)
			resets++;
		while (r.go == 1)
			vt_msleep(5);
		VT_ASSERT(set_bus_master() == 0);
		/* After the reset: the next interrupt must come. */
		if (e1000e_intx_fires(efd, WAIT_YES_MS)) {
			r.go = 2;
			pthread_join(t, NULL);
			return vt_fail("round %d: INTx lost after a reset with an unmask in it (%d resets)",
				       i, resets);
		}
		/* Line low, then unmask: ready for the next round. */
		wr32(E1000_IMC, 0xffffffff);
		(void)rd32(E1000_ICR);
		VT_ASSERT(write(r.rfd, &one, 8) == 8);
		vt_msleep(50);
	}
	r.go = 2;
	pthread_join(t, NULL);
	printf("intx-reset-race: %d resets, %d unmasks during them\n", resets, r.writes);
	VT_ASSERT(resets == RESET_RACE_ROUNDS);
	wr32(E1000_IMC, 0xffffffff);
	VT_ASSERT(disable_index(PCIASSIGN_IRQ_INTX) == 0);
	close_dev();
	close(efd);
	close(r.rfd);
	return 0;
}

static const struct vt_case e1000e_cases[] = {
	{ "info", e1000e_info },
	{ "msix", e1000e_msix },
	{ "msix-shield", e1000e_msix_shield },
	{ "intx-reset-race", e1000e_intx_reset_race },
	{ "close-live", e1000e_close_live },
};

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "edu")) {
		bdf = argv[2];
		return vt_run("irq-edu", edu_cases,
			      sizeof(edu_cases) / sizeof(edu_cases[0]));
	}
	if (argc == 3 && !strcmp(argv[1], "e1000e")) {
		bdf = argv[2];
		return vt_run("irq-e1000e", e1000e_cases,
			      sizeof(e1000e_cases) / sizeof(e1000e_cases[0]));
	}
	fprintf(stderr, "usage: %s edu|e1000e BDF\n", argv[0]);
	return 2;
}
