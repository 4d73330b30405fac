// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel config filter's allowlist on a real (emulated) device: every
 * register of the header, of each standard capability and of each
 * extended capability the device has is written with all ones and all
 * zeros through the device fd, and read back as the host sees it (sysfs
 * config): only the bits the allowlist makes writable may change. Where
 * the device implements allowed bits, they must change (the write really
 * went through). Each register is restored through sysfs afterwards.
 * Usage: pa-cfg-allow-test e1000e|nvme BDF
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/pciassign.h>

#include "vmtest.h"

#define DEVNODE "/dev/pciassign"
#define CFG(off) (PCIASSIGN_REGION_OFFSET(PCIASSIGN_REGION_CONFIG) + (off))

static const char *bdf;
static int ctx_fd = -1, dev_fd = -1;
static char sysfs_path[128];

static int attach(void)
{
	ctx_fd = open(DEVNODE, O_RDWR | O_CLOEXEC);
	if (ctx_fd < 0)
		return -1;
	dev_fd = vt_attach(ctx_fd, bdf);
	return dev_fd < 0 ? -1 : 0;
}

/* The host's view: /sys/bus/pci/devices/BDF/config. */
static int host_read(unsigned int off, unsigned int len, uint32_t *v)
{
	int fd = open(sysfs_path, O_RDONLY);
	ssize_t n;

	*v = 0;
	if (fd < 0)
		return -1;
	n = pread(fd, v, len, off);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

static int host_write(unsigned int off, unsigned int len, uint32_t v)
{
	int fd = open(sysfs_path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pwrite(fd, &v, len, off);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

static int fd_write(unsigned int off, unsigned int len, uint32_t v)
{
	return pwrite(dev_fd, &v, len, CFG(off)) == (ssize_t)len ? 0 : -1;
}

static uint32_t fd_read(unsigned int off, unsigned int len)
{
	uint32_t v = 0;

	if (pread(dev_fd, &v, len, CFG(off)) != (ssize_t)len)
		return 0xdeadbeef;
	return v;
}

static uint32_t len_mask(unsigned int len)
{
	return len == 4 ? 0xffffffffu : (1u << (8 * len)) - 1;
}

/*
 * One register: @allowed may change, @w1c of them are write-1-to-clear,
 * @volatile_bits change on their own. Ones, then zeros, through the fd.
 */
static int probe(const char *what, unsigned int off, unsigned int len,
		 uint32_t allowed, uint32_t w1c, uint32_t volatile_bits)
{
	uint32_t all = len_mask(len), before, mid, after, impl = 0, got;
	uint32_t rw = allowed & ~w1c;

	if (host_read(off, len, &before))
		return vt_fail("%s: sysfs read of 0x%x failed", what, off);
	/* Which allowed read-write bits the device implements (safe by definition). */
	if (rw) {
		if (host_write(off, len, (before | rw) & ~w1c) ||
		    host_read(off, len, &got) || host_write(off, len, before & ~w1c))
			return vt_fail("%s: sysfs access of 0x%x failed", what, off);
		impl = got & rw & ~before;
		if (host_write(off, len, (before & ~rw & ~w1c)) ||
		    host_read(off, len, &got) || host_write(off, len, before & ~w1c))
			return vt_fail("%s: sysfs access of 0x%x failed", what, off);
		impl |= ~got & rw & before;
	}
	if (fd_write(off, len, all))
		return vt_fail("%s: pwrite of ones at 0x%x: %s", what, off, strerror(errno));
	host_read(off, len, &mid);
	if (fd_write(off, len, 0))
		return vt_fail("%s: pwrite of zeros at 0x%x: %s", what, off, strerror(errno));
	host_read(off, len, &after);
	host_write(off, len, before & ~w1c);
	printf("%s @0x%x: before 0x%x, ones 0x%x, zeros 0x%x, allowed 0x%x, implemented 0x%x\n",
	       what, off, before, mid, after, allowed, impl);
	if ((before ^ mid) & ~allowed & ~volatile_bits & all)
		return vt_fail("%s @0x%x: all ones changed 0x%x to 0x%x (allowed 0x%x)",
			       what, off, before, mid, allowed);
	if ((mid ^ after) & ~allowed & ~volatile_bits & all)
		return vt_fail("%s @0x%x: all zeros changed 0x%x to 0x%x (allowed 0x%x)",
			       what, off, mid, after, allowed);
	if ((mid & impl) != impl || (after & impl))
		return vt_fail("%s @0x%x: allowed bits 0x%x did not follow: ones 0x%x, zeros 0x%x",
			       what, off, impl, mid, after);
	return 0;
}

/* The whole of a read-only range, a dword at a time. */
static int probe_ro(const char *what, unsigned int from, unsigned int to,
		    uint32_t volatile_bits)
{
	for (unsigned int off = from; off + 4 <= to; off += 4)
		if (probe(what, off, 4, 0, 0, volatile_bits))
			return -1;
	return 0;
}

static int header(void)
{
	uint32_t line = 0, host_line = 0;

	/* IO, memory, bus master, MWI, parity, SERR; never INTx disable. */
	if (probe("command", PCI_COMMAND, 2, 0x0157, 0, 0) ||
	    probe("status", PCI_STATUS, 2, 0xf900, 0xf900, PCI_STATUS_INTERRUPT) ||
	    probe("command+status", PCI_COMMAND, 4, 0xf9000157, 0xf9000000,
		  PCI_STATUS_INTERRUPT << 16) ||
	    probe("cache-line", PCI_CACHE_LINE_SIZE, 1, 0xff, 0, 0) ||
	    probe("latency", PCI_LATENCY_TIMER, 1, 0xff, 0, 0) ||
	    probe("bist", PCI_BIST, 1, 0, 0, 0) ||
	    probe("ids", PCI_VENDOR_ID, 4, 0, 0, 0) ||
	    probe("class", PCI_CLASS_REVISION, 4, 0, 0, 0) ||
	    probe_ro("bars", PCI_BASE_ADDRESS_0, PCI_CARDBUS_CIS, 0) ||
	    probe("rom", PCI_ROM_ADDRESS, 4, 0, 0, 0) ||
	    probe("cap-ptr", PCI_CAPABILITY_LIST, 1, 0, 0, 0))
		return -1;
	/* The interrupt line is the owner's own copy; the host's stays. */
	VT_ASSERT(host_read(PCI_INTERRUPT_LINE, 1, &host_line) == 0);
	VT_ASSERT(fd_write(PCI_INTERRUPT_LINE, 1, host_line ^ 0xa5) == 0);
	VT_ASSERT(fd_read(PCI_INTERRUPT_LINE, 1) == (host_line ^ 0xa5));
	VT_ASSERT((fd_read(PCI_INTERRUPT_LINE, 4) & 0xffff) ==
		  (fd_read(PCI_INTERRUPT_PIN, 1) << 8 | (host_line ^ 0xa5)));
	VT_ASSERT(host_read(PCI_INTERRUPT_LINE, 1, &line) == 0);
	VT_ASSERT(line == host_line);
	VT_ASSERT(fd_write(PCI_INTERRUPT_LINE, 1, host_line) == 0);
	return 0;
}

/* Position of standard capability @id in the host's view, or 0. */
static unsigned int find_cap(uint8_t id)
{
	uint32_t pos = 0, v;
	int guard = 48;

	host_read(PCI_CAPABILITY_LIST, 1, &pos);
	pos &= 0xfc;
	while (pos && guard--) {
		host_read(pos, 2, &v);
		if ((v & 0xff) == id)
			return pos;
		pos = (v >> 8) & 0xfc;
	}
	return 0;
}

static int std_caps(void)
{
	unsigned int pm = find_cap(PCI_CAP_ID_PM), exp = find_cap(PCI_CAP_ID_EXP);
	unsigned int msi = find_cap(PCI_CAP_ID_MSI), msix = find_cap(PCI_CAP_ID_MSIX);
	uint32_t flags = 0, pmcsr = 0;

	VT_ASSERT(exp);
	if (pm) {
		/* PME enable, data select, PME status; never the power state. */
		if (probe("pm-header", pm, 4, 0, 0, 0) ||
		    probe("pmcsr", pm + PCI_PM_CTRL, 2, 0x9f00, 0x8000, 0))
			return -1;
		VT_ASSERT(host_read(pm + PCI_PM_CTRL, 2, &pmcsr) == 0);
		VT_ASSERT((pmcsr & PCI_PM_CTRL_STATE_MASK) == 0);	/* D0 */
	}
	if (msi) {
		unsigned int len;

		VT_ASSERT(host_read(msi + PCI_MSI_FLAGS, 2, &flags) == 0);
		len = flags & PCI_MSI_FLAGS_64BIT ? 0x0e : 0x0a;
		if (flags & PCI_MSI_FLAGS_MASKBIT)
			len += 10;
		if (probe_ro("msi", msi, msi + (len & ~3u), 0) ||
		    (len & 2 && probe("msi-tail", msi + (len & ~3u), 2, 0, 0, 0)))
			return -1;
	}
	if (msix && probe_ro("msix", msix, msix + PCI_CAP_MSIX_SIZEOF, 0))
		return -1;
	VT_ASSERT(host_read(exp + PCI_EXP_FLAGS, 2, &flags) == 0);
	if (probe("exp-header", exp, 4, 0, 0, PCI_EXP_FLAGS_IRQ << 16) ||
	    probe("devcap", exp + PCI_EXP_DEVCAP, 4, 0, 0, 0) ||
	    probe("devctl", exp + PCI_EXP_DEVCTL, 2, 0x001f, 0, 0) ||
	    probe("devsta", exp + PCI_EXP_DEVSTA, 2, 0x000f, 0x000f, 0x0030) ||
	    probe("devctl+devsta", exp + PCI_EXP_DEVCTL, 4, 0x000f001f, 0x000f0000,
		  0x00300000) ||
	    probe("lnkcap", exp + PCI_EXP_LNKCAP, 4, 0, 0, 0) ||
	    probe("lnkctl+lnksta", exp + PCI_EXP_LNKCTL, 4, 0, 0, 0xffff0000))
		return -1;
	if ((flags & PCI_EXP_FLAGS_VERS) > 1 &&
	    (probe("devcap2", exp + PCI_EXP_DEVCAP2, 4, 0, 0, 0) ||
	     probe("devctl2", exp + PCI_EXP_DEVCTL2, 2, 0x035f, 0, 0) ||
	     probe("lnkctl2", exp + PCI_EXP_LNKCTL2, 2, 0, 0, 0)))
		return -1;
	return 0;
}

/* AER's registers; every other extended capability read-only. */
static int ext_caps(void)
{
	uint32_t hdr = 0;
	unsigned int pos = PCI_CFG_SPACE_SIZE, n = 0, next;
	char what[32];

	for (int guard = 64; guard-- && pos >= PCI_CFG_SPACE_SIZE; pos = next) {
		VT_ASSERT(host_read(pos, 4, &hdr) == 0);
		if (!hdr || hdr == 0xffffffffu)
			break;
		next = PCI_EXT_CAP_NEXT(hdr);
		n++;
		snprintf(what, sizeof(what), "ext-0x%02x", PCI_EXT_CAP_ID(hdr));
		if (probe(what, pos, 4, 0, 0, 0))
			return -1;
		if (PCI_EXT_CAP_ID(hdr) == PCI_EXT_CAP_ID_ERR) {
			if (probe("aer-uncor-status", pos + PCI_ERR_UNCOR_STATUS, 4,
				  ~0u, ~0u, 0) ||
			    probe("aer-uncor-mask", pos + PCI_ERR_UNCOR_MASK, 4, ~0u, 0, 0) ||
			    probe("aer-uncor-sever", pos + PCI_ERR_UNCOR_SEVER, 4, ~0u, 0, 0) ||
			    probe("aer-cor-status", pos + PCI_ERR_COR_STATUS, 4, ~0u, ~0u, 0) ||
			    probe("aer-cor-mask", pos + PCI_ERR_COR_MASK, 4, ~0u, 0, 0) ||
			    probe("aer-cap", pos + PCI_ERR_CAP, 4,
				  PCI_ERR_CAP_ECRC_GENE | PCI_ERR_CAP_ECRC_CHKE, 0, 0) ||
			    probe_ro("aer-log", pos + PCI_ERR_HEADER_LOG, pos + 0x2c, 0))
				return -1;
			continue;
		}
		/* Unlisted: its first 64 bytes (or up to the next) read-only. */
		if (probe_ro(what, pos + 4, next > pos && next < pos + 0x40 ? next : pos + 0x40, 0))
			return -1;
	}
	printf("%u extended capabilities\n", n);
	/* Extended space outside any capability: read-only too. */
	return probe_ro("ext-gap", 0xf00, 0xf10, 0);
}

/* A DEVCTL of all ones did not reset the device or change its sizes. */
static int devctl_guarded(void)
{
	unsigned int exp = find_cap(PCI_CAP_ID_EXP);
	uint32_t before, after, cmd;

	VT_ASSERT(exp);
	VT_ASSERT(host_read(exp + PCI_EXP_DEVCTL, 2, &before) == 0);
	VT_ASSERT(host_read(PCI_COMMAND, 2, &cmd) == 0);
	VT_ASSERT(fd_write(exp + PCI_EXP_DEVCTL, 2, 0xffff) == 0);
	usleep(100 * 1000);	/* an FLR, had it started, is over */
	VT_ASSERT(host_read(exp + PCI_EXP_DEVCTL, 2, &after) == 0);
	host_write(exp + PCI_EXP_DEVCTL, 2, before);
	VT_ASSERT((after & 0xffe0) == (before & 0xffe0));
	/* An FLR clears the command register. */
	VT_ASSERT(host_read(PCI_COMMAND, 2, &after) == 0);
	VT_ASSERT(after == cmd);
	return 0;
}

static const struct vt_case cases[] = {
	{ "header", header },
	{ "std-caps", std_caps },
	{ "ext-caps", ext_caps },
	{ "devctl-guarded", devctl_guarded },
};

int main(int argc, char **argv)
{
	char prefix[32];

	if (argc != 3) {
		fprintf(stderr, "usage: %s e1000e|nvme BDF\n", argv[0]);
		return 2;
	}
	bdf = argv[2];
	snprintf(sysfs_path, sizeof(sysfs_path), "/sys/bus/pci/devices/%s/config", bdf);
	snprintf(prefix, sizeof(prefix), "cfg-allow-%s", argv[1]);
	if (attach()) {
		vt_report("PA-RESULT %s-attach FAIL attach %s: %s", prefix, bdf, strerror(errno));
		return 0;
	}
	vt_run(prefix, cases, sizeof(cases) / sizeof(cases[0]));
	close(dev_fd);
	close(ctx_fd);
	return 0;
}
