// SPDX-License-Identifier: GPL-2.0
/*
 * One tenant's device state never reaches the next: a device released by
 * one context and attached by another has been reset in between, also
 * when the function has no reset of its own and only a reset of its slot
 * can do it (the rig's edu + e1000 multifunction slot behind rp3). And the
 * state the host keeps while a device is assigned: BARs across resets,
 * power state.
 *
 *   pa-tenant-test E1000E E1000 EDU
 *
 * E1000E is alone behind its root port; E1000 and EDU share a slot. All
 * three are bound to pciassign by the case script. The state written is
 * RDBAL (receive descriptor base, 0x2800 on both NICs): it holds what is
 * written and a reset clears it. (edu cannot serve: QEMU's edu has no
 * reset handler, its registers survive any reset.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/pciassign.h>

#include "vmtest.h"
#include "edu.h"

#define RDBAL		0x2800
#define TENANT_A_RDBAL	0x5a5a5000u

static const char *e1000e, *e1000, *edu;

struct tenant {
	int ctx, fd;
	volatile uint32_t *bar0;
	size_t len;
};

static int tenant_attach(struct tenant *t, int ctx, const char *bdf)
{
	struct pciassign_region_info ri = { .argsz = sizeof(ri),
					    .index = PCIASSIGN_REGION_BAR0 };
	void *p;

	t->ctx = ctx;
	t->fd = vt_attach(ctx, bdf);
	if (t->fd < 0)
		return -1;
	if (ioctl(t->fd, PCIASSIGN_REGION_INFO, &ri) ||
	    !(ri.flags & PCIASSIGN_REGION_INFO_MMAP))
		return -1;
	p = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED, t->fd, ri.offset);
	if (p == MAP_FAILED)
		return -1;
	t->bar0 = p;
	t->len = ri.size;
	return 0;
}

static void tenant_detach(struct tenant *t)
{
	munmap((void *)t->bar0, t->len);
	close(t->fd);
}

static uint32_t info_flags(int fd)
{
	struct pciassign_device_info info = { .argsz = sizeof(info) };

	return ioctl(fd, PCIASSIGN_DEVICE_INFO, &info) ? 0 : info.flags;
}

/* Tenant A leaves RDBAL set; tenant B, in a new context, finds it clear. */
static int next_tenant(const char *nic)
{
	struct tenant a, b;
	int ctx;
	uint32_t seen;

	ctx = open("/dev/pciassign", O_RDWR);
	VT_ASSERT(ctx >= 0);
	VT_ASSERT(tenant_attach(&a, ctx, nic) == 0);
	a.bar0[RDBAL / 4] = TENANT_A_RDBAL;
	VT_ASSERT(a.bar0[RDBAL / 4] == TENANT_A_RDBAL);	/* it holds */
	tenant_detach(&a);
	close(ctx);

	ctx = open("/dev/pciassign", O_RDWR);
	VT_ASSERT(ctx >= 0);
	VT_ASSERT(tenant_attach(&b, ctx, nic) == 0);
	seen = b.bar0[RDBAL / 4];
	tenant_detach(&b);
	close(ctx);
	if (seen)
		return vt_fail("%s: tenant B reads RDBAL %#x left by tenant A", nic, seen);
	return 0;
}

static int e1000e_next_tenant(void)
{
	return next_tenant(e1000e);
}

/* No reset of its own; the slot's, which DEVICE_INFO announces. */
static int slot_info(void)
{
	int ctx = open("/dev/pciassign", O_RDWR), fd;
	uint32_t flags;

	VT_ASSERT(ctx >= 0);
	fd = vt_attach(ctx, e1000);
	VT_ASSERT(fd >= 0);
	flags = info_flags(fd);
	close(fd);
	close(ctx);
	VT_ASSERT(flags & PCIASSIGN_DEVICE_INFO_RESET);
	VT_ASSERT(flags & PCIASSIGN_DEVICE_INFO_RESET_SET);
	return 0;
}

static int slot_next_tenant(void)
{
	return next_tenant(e1000);
}

/*
 * The owner of both functions resets one: the slot is reset, the other
 * function's mapping faults back in and it still answers.
 */
static int slot_owner_reset(void)
{
	struct pciassign_reset rs = { .argsz = sizeof(rs) };
	struct tenant nic, e;
	int ctx = open("/dev/pciassign", O_RDWR);

	VT_ASSERT(ctx >= 0);
	VT_ASSERT(tenant_attach(&e, ctx, edu) == 0);
	VT_ASSERT(tenant_attach(&nic, ctx, e1000) == 0);
	VT_ASSERT(e.bar0[0] == EDU_ID_VALUE);
	nic.bar0[RDBAL / 4] = TENANT_A_RDBAL;
	VT_ASSERT(nic.bar0[RDBAL / 4] == TENANT_A_RDBAL);
	VT_ASSERT(ioctl(nic.fd, PCIASSIGN_DEVICE_RESET, &rs) == 0);
	VT_ASSERT(nic.bar0[RDBAL / 4] == 0);
	VT_ASSERT(e.bar0[0] == EDU_ID_VALUE);

	/* Released while edu is in use: this context may take it again. */
	nic.bar0[RDBAL / 4] = TENANT_A_RDBAL;
	tenant_detach(&nic);
	VT_ASSERT(tenant_attach(&nic, ctx, e1000) == 0);
	tenant_detach(&nic);
	tenant_detach(&e);
	close(ctx);
	/* edu's release reset the slot: the next tenant finds nothing. */
	return next_tenant(e1000);
}

/*
 * With edu given back to no driver, the slot holds a function that is not
 * pciassign's: no reset is possible, DEVICE_INFO says so and the kernel
 * log says it once.
 */
static int slot_sibling_not_ours(void)
{
	char path[128];
	int ctx, fd, before;
	uint32_t flags;

	VT_ASSERT(vt_write_file("/sys/bus/pci/drivers/pciassign/unbind", edu) == 0);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", edu);
	VT_ASSERT(vt_write_file(path, "\n") == 0);
	before = vt_klog_count("attached without a reset");
	for (int i = 0; i < 2; i++) {
		ctx = open("/dev/pciassign", O_RDWR);
		VT_ASSERT(ctx >= 0);
		fd = vt_attach(ctx, e1000);
		VT_ASSERT(fd >= 0);
		flags = info_flags(fd);
		close(fd);
		close(ctx);
		VT_ASSERT(!(flags & PCIASSIGN_DEVICE_INFO_RESET));
	}
	VT_ASSERT(vt_klog_count("attached without a reset") == before + 1);
	return 0;
}

static int cfg_read(int fd, unsigned int pos, void *val, size_t len)
{
	return pread(fd, val, len, PCIASSIGN_REGION_OFFSET(PCIASSIGN_REGION_CONFIG) + pos) ==
	       (ssize_t)len ? 0 : -1;
}

/* The host's view of a config dword, through sysfs. */
static int sysfs_cfg_dword(const char *bdf, unsigned int pos, uint32_t *val)
{
	char path[128];
	int fd, ok;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ok = pread(fd, val, 4, pos) == 4;
	close(fd);
	return ok ? 0 : -1;
}

#define E1000_STATUS	0x8

/*
 * The owner's reset leaves the BARs where the host put them and the
 * device decoding: registers answer through the same mapping.
 */
static int reset_restores_bars(void)
{
	struct pciassign_reset rs = { .argsz = sizeof(rs) };
	uint32_t before[6], after[6];
	struct tenant t;
	int ctx = open("/dev/pciassign", O_RDWR);

	VT_ASSERT(ctx >= 0);
	VT_ASSERT(tenant_attach(&t, ctx, e1000e) == 0);
	for (int i = 0; i < 6; i++)
		VT_ASSERT(sysfs_cfg_dword(e1000e, 0x10 + 4 * i, &before[i]) == 0);
	VT_ASSERT(ioctl(t.fd, PCIASSIGN_DEVICE_RESET, &rs) == 0);
	for (int i = 0; i < 6; i++) {
		VT_ASSERT(sysfs_cfg_dword(e1000e, 0x10 + 4 * i, &after[i]) == 0);
		if (after[i] != before[i])
			return vt_fail("BAR%d is %#x after the reset, was %#x", i,
				       after[i], before[i]);
	}
	VT_ASSERT(t.bar0[E1000_STATUS / 4] != 0xffffffffu);
	tenant_detach(&t);
	close(ctx);
	return 0;
}

/* Offset of capability @id in the device's config space, or 0. */
static unsigned int find_cap(int fd, uint8_t id)
{
	uint8_t pos = 0, hdr[2];

	if (cfg_read(fd, PCI_CAPABILITY_LIST, &pos, 1))
		return 0;
	for (int n = 0; pos && n < 48; n++) {
		if (cfg_read(fd, pos, hdr, 2))
			return 0;
		if (hdr[0] == id)
			return pos;
		pos = hdr[1];
	}
	return 0;
}

/*
 * The power state is the host's: a D3hot write through the device fd does
 * not reach the device (the kernel's view stays D0 and true), and the
 * BARs keep answering.
 */
static int pmcsr_d3_refused(void)
{
	struct tenant t;
	char state[16] = "", path[128];
	uint16_t pmcsr;
	unsigned int pm;
	int ctx = open("/dev/pciassign", O_RDWR), fd;

	VT_ASSERT(ctx >= 0);
	VT_ASSERT(tenant_attach(&t, ctx, e1000e) == 0);
	pm = find_cap(t.fd, PCI_CAP_ID_PM);
	VT_ASSERT(pm);
	VT_ASSERT(cfg_read(t.fd, pm + PCI_PM_CTRL, &pmcsr, 2) == 0);
	pmcsr = (pmcsr & ~PCI_PM_CTRL_STATE_MASK) | 3;	/* D3hot */
	VT_ASSERT(pwrite(t.fd, &pmcsr, 2, PCIASSIGN_REGION_OFFSET(PCIASSIGN_REGION_CONFIG) +
			 pm + PCI_PM_CTRL) == 2);
	VT_ASSERT(cfg_read(t.fd, pm + PCI_PM_CTRL, &pmcsr, 2) == 0);
	VT_ASSERT((pmcsr & PCI_PM_CTRL_STATE_MASK) == 0);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/power_state", e1000e);
	fd = open(path, O_RDONLY);
	VT_ASSERT(fd >= 0 && read(fd, state, sizeof(state) - 1) > 0);
	close(fd);
	VT_ASSERT(!strncmp(state, "D0", 2));
	VT_ASSERT(t.bar0[E1000_STATUS / 4] != 0xffffffffu);
	tenant_detach(&t);
	close(ctx);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct vt_case cases[] = {
		{ "e1000e-next-tenant", e1000e_next_tenant },
		{ "reset-restores-bars", reset_restores_bars },
		{ "pmcsr-d3-refused", pmcsr_d3_refused },
		{ "slot-info", slot_info },
		{ "slot-next-tenant", slot_next_tenant },
		{ "slot-owner-reset", slot_owner_reset },
		{ "slot-sibling-not-ours", slot_sibling_not_ours },
	};

	if (argc != 4) {
		fprintf(stderr, "usage: %s E1000E E1000 EDU\n", argv[0]);
		return 2;
	}
	e1000e = argv[1];
	e1000 = argv[2];
	edu = argv[3];
	return vt_run("tenant", cases, sizeof(cases) / sizeof(cases[0]));
}
