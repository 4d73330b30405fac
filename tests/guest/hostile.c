// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Hostile-guest checks (pciassign-vmm --append "hostile probe=ADDR
 * magic=M [rounds=N]"): the payload drives the assigned devices the way a
 * malicious or broken guest kernel would, and checks that what it can
 * observe stays sane; rounds=N repeats the move and toggle loops. The rig guest (tests/vm/guest/cases/83-hostile) checks the other
 * side: host memory at ADDR unchanged, the IOMMU fault reported, the host
 * interrupt count bounded, the devices' real BARs untouched.
 *
 *   dma-outside   edu DMA to and from ADDR, an IOVA outside guest RAM (and a
 *                 host page filled with M): blocked both ways, then the
 *                 device still works
 *   bar-moves     edu BAR0 moved between addresses while a DMA runs, onto
 *                 guest RAM, onto another device's BAR; nvme's 64-bit BAR
 *                 moved above 4 GiB and back; e1000e's ROM BAR toggled
 *   msix-past     e1000e MSI-X: writes past the table, into the PBA, and
 *                 misaligned or narrow writes into it change nothing
 *   intx-storm    edu INTx with no EOI (one interrupt at most), then EOI
 *                 without acking the device (a storm paced by the guest),
 *                 then quiet again after the ack
 *   decode        memory decode toggled around MMIO: accesses with decode
 *                 off read all ones and writes are lost
 *   flr           FLR through DEVCTL on nvme and e1000e: no reset
 */
#include "rt.h"

#define EDU_ID		0x010000edu
#define RAM_VICTIM	0x2000000ul	/* 32 MiB: guest RAM nothing else uses */
/* Per round (rounds=N in the arguments; make stress asks for more). */
#define MOVE_ROUNDS	(48 * rounds)
#define ROM_ROUNDS	(24 * rounds)
#define DECODE_ROUNDS	(32 * rounds)
#define STORM_RAISES	64
#define STORM_CYCLES	((uint64_t)200000000u)	/* short: see 83-hostile */
#define STORM_MAX	1000u	/* re-deliveries; the check needs more than 1 */

struct dev {
	unsigned int slot;	/* 0: absent */
	struct bar bars[6];
	uint8_t pcie, msi, msix;
};

static struct dev edu, nic, nvme;
static unsigned int rounds = 1;

/* "key=value" (hex or decimal) from the VMM's argument string. */
static bool arg_u64(const char *args, const char *key, uint64_t *out)
{
	for (const char *p = args; p && *p; p++) {
		const char *k = key, *q = p;
		uint64_t v = 0;
		unsigned int base = 10;

		if (p != args && p[-1] != ' ')
			continue;
		while (*k && *q == *k) {
			k++;
			q++;
		}
		if (*k)
			continue;
		if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
			base = 16;
			q += 2;
		}
		for (; *q && *q != ' '; q++) {
			unsigned int d;

			if (*q >= '0' && *q <= '9')
				d = (unsigned int)(*q - '0');
			else if (base == 16 && (*q | 0x20) >= 'a' && (*q | 0x20) <= 'f')
				d = (unsigned int)((*q | 0x20) - 'a' + 10);
			else
				return false;
			v = v * base + d;
		}
		*out = v;
		return true;
	}
	return false;
}

static void setup_device(unsigned int d)
{
	uint32_t id = cfg_r32(d, 0);
	uint16_t ven = (uint16_t)id, devid = (uint16_t)(id >> 16);
	const char *k = kind_of(ven, devid);
	struct dev *x;

	if (ven == 0x1234 && devid == 0x11e8)
		x = &edu;
	else if (ven == 0x8086 && devid == 0x10d3)
		x = &nic;
	else if (ven == 0x1b36 && devid == 0x0010)
		x = &nvme;
	else
		return;
	x->slot = d;
	x->pcie = walk_caps(d, k, 0x10, false);
	x->msi = walk_caps(d, k, 0x05, false);
	x->msix = walk_caps(d, k, 0x11, false);
	size_bars(d, k, x->bars, x == &edu);
	place_bars(d, k, x->bars);
}

/* ---- DMA outside guest RAM ---- */

static void dma_outside(uint64_t probe, uint64_t magic)
{
	uint8_t *src = (uint8_t *)DMA_SRC, *dst = (uint8_t *)DMA_DST;
	uintptr_t bar = (uintptr_t)edu.bars[0].addr;
	unsigned int hits = 0, bad = 0;
	bool ok;

	if (!probe || probe + EDU_DMA_LEN > (1ull << 28)) {
		check("edu", "dma-outside", false, "no usable probe= address (%lx)", probe);
		return;
	}
	for (unsigned int i = 0; i < EDU_DMA_LEN; i++)
		src[i] = 0xc3;
	/* Write: RAM -> edu, then edu -> the probe address. */
	ok = edu_dma(bar, DMA_SRC, EDU_DMA_BUF, 1, NULL) &&
	     edu_dma(bar, EDU_DMA_BUF, probe, 1 | 2, NULL);
	check("edu", "dma-outside-write", ok,
	      "%u bytes to IOVA %lx (outside guest RAM): transfer %s", EDU_DMA_LEN, probe,
	      ok ? "ended (the host checks its page)" : "hung");
	/* Read: the probe address -> edu -> RAM; the host's bytes must not come. */
	memset(dst, 0x11, EDU_DMA_LEN);
	ok = edu_dma(bar, probe, EDU_DMA_BUF, 1, NULL) &&
	     edu_dma(bar, EDU_DMA_BUF, DMA_DST, 1 | 2, NULL);
	for (unsigned int i = 0; i + 8 <= EDU_DMA_LEN; i += 8) {
		uint64_t w;

		memcpy(&w, dst + i, 8);
		hits += magic && w == magic;
	}
	check("edu", "dma-outside-read", ok && !hits,
	      "%u bytes from IOVA %lx: %u words of the host page's pattern %lx arrived%s",
	      EDU_DMA_LEN, probe, hits, magic, ok ? "" : " (transfer hung)");
	/* The device is not wedged by its faults. */
	for (unsigned int i = 0; i < EDU_DMA_LEN; i++) {
		src[i] = (uint8_t)(i * 13 + 1);
		dst[i] = 0;
	}
	ok = edu_dma(bar, DMA_SRC, EDU_DMA_BUF, 1, NULL) &&
	     edu_dma(bar, EDU_DMA_BUF, DMA_DST, 1 | 2, NULL);
	for (unsigned int i = 0; i < EDU_DMA_LEN; i++)
		bad += src[i] != dst[i];
	check("edu", "dma-after-faults", ok && !bad, "round trip in RAM: %u bytes differ%s",
	      bad, ok ? "" : " (transfer hung)");
}

/* ---- BAR and ROM BAR reprogramming ---- */

static void edu_bar_to(uint64_t addr)
{
	cfg_w32(edu.slot, 0x10, (uint32_t)addr);
}

static void bar_moves(void)
{
	uint64_t home = edu.bars[0].addr, at[3], cur = home;
	uint32_t id_bad = 0, old_bad = 0, dma_bad = 0, ram0, ram1;
	volatile uint32_t *victim = (volatile uint32_t *)RAM_VICTIM;
	bool ok;

	mmio_next = align_up(mmio_next, 0x100000);
	at[0] = home;
	at[1] = mmio_next;
	at[2] = mmio_next + 0x100000;
	mmio_next += 0x200000;
	for (unsigned int i = 0; i < EDU_DMA_LEN; i++)
		((uint8_t *)DMA_SRC)[i] = (uint8_t)(i ^ 0x5a);
	for (unsigned int i = 1; i <= MOVE_ROUNDS; i++) {
		uint64_t next = at[i % 3], old = cur;
		bool dma = i % 4 == 0;

		if (dma) {	/* the move races the device's own transfer */
			mmio_w32(cur + 0x80, DMA_SRC);
			mmio_w32(cur + 0x88, EDU_DMA_BUF);
			mmio_w32(cur + 0x90, EDU_DMA_LEN);
			mmio_w32(cur + 0x98, 1);
		}
		edu_bar_to(next);
		cur = next;
		id_bad += mmio_r32(cur) != EDU_ID;
		if (old != cur)
			old_bad += mmio_r32(old) != 0xffffffffu;
		if (dma && !edu_wait_idle(cur, 0x98, 1, NULL))
			dma_bad++;
	}
	edu_bar_to(home);
	check("edu", "bar-moves", !id_bad && !old_bad && !dma_bad,
	      "%u moves among %lx/%lx/%lx: ID wrong %u times, old address decoded %u times, %u DMAs hung",
	      MOVE_ROUNDS, at[0], at[1], at[2], id_bad, old_bad, dma_bad);

	/* Onto guest RAM: the RAM must stay RAM and the BAR come back. */
	victim[0] = 0x600dcafe;
	victim[1024] = 0x0badf00d;
	edu_bar_to(RAM_VICTIM);
	ram0 = victim[0];
	ram1 = victim[1024];
	victim[2] = 0x12345678;
	edu_bar_to(home);
	ok = ram0 == 0x600dcafe && ram1 == 0x0badf00d && victim[2] == 0x12345678 &&
	     mmio_r32(home) == EDU_ID;
	check("edu", "bar-over-ram", ok,
	      "BAR0 at RAM %lx: RAM reads %x %x, RAM write %s; back home ID %x",
	      RAM_VICTIM, ram0, ram1, victim[2] == 0x12345678 ? "kept" : "lost",
	      mmio_r32(home));

	/* Onto another device's BAR, then apart again: both still work. */
	if (nic.slot && nic.bars[0].present && !nic.bars[0].io) {
		uint64_t nic0 = nic.bars[0].addr;
		uint32_t st;

		edu_bar_to(nic0 & ~0xfffffull);
		(void)mmio_r32(nic0 + 0x08);
		(void)mmio_r32(nic0 & ~0xfffffull);
		edu_bar_to(home);
		st = mmio_r32(nic0 + 0x08);
		ok = mmio_r32(home) == EDU_ID && st != 0xffffffffu;
		check("edu", "bar-over-bar", ok,
		      "edu BAR0 over e1000e BAR0 %lx and back: edu ID %x, e1000e STATUS %x",
		      nic0, mmio_r32(home), st);
	}

	/* A 64-bit BAR moved above 4 GiB and back. */
	if (nvme.slot && nvme.bars[0].present && nvme.bars[0].mem64) {
		uint64_t n0 = nvme.bars[0].addr;
		uint32_t vs0 = mmio_r32(n0 + 0x08), vs1;

		cfg_w32(nvme.slot, 0x14, 0x8);		/* 32 GiB + n0 */
		(void)mmio_r32(n0 + 0x08);
		cfg_w32(nvme.slot, 0x14, 0);
		vs1 = mmio_r32(n0 + 0x08);
		check("nvme", "bar-high", vs0 == vs1 && vs0 != 0xffffffffu,
		      "VS %x before, %x after a trip to %lx", vs0, vs1, n0 + ((uint64_t)8 << 32));
	}

	/* The ROM BAR switched on and off at two addresses. */
	if (nic.slot) {
		uint32_t sz, sig_bad = 0, off_bad = 0;
		uint64_t size, a[2];

		cfg_w32(nic.slot, 0x30, 0xfffff800u);
		sz = cfg_r32(nic.slot, 0x30) & 0xfffff800u;
		if (!sz) {
			check("e1000e", "rom-toggles", false, "no ROM BAR");
			return;
		}
		size = (uint32_t)(~sz + 1);
		mmio_next = align_up(mmio_next, size);
		a[0] = mmio_next;
		a[1] = mmio_next + size;
		mmio_next += 2 * size;
		for (unsigned int i = 0; i < ROM_ROUNDS; i++) {
			uint64_t r = a[i & 1];

			cfg_w32(nic.slot, 0x30, (uint32_t)r | 1);
			sig_bad += (mmio_r8(r) | mmio_r8(r + 1) << 8) != 0xaa55;
			cfg_w32(nic.slot, 0x30, (uint32_t)r);
			off_bad += mmio_r32(r) != 0xffffffffu;
		}
		check("e1000e", "rom-toggles", !sig_bad && !off_bad,
		      "%u enables at %lx/%lx: signature wrong %u times, decoded while off %u times",
		      ROM_ROUNDS, a[0], a[1], sig_bad, off_bad);
	}
}

/* ---- MSI-X: writes past and around the table ---- */

static void msix_past(void)
{
	uint16_t ctrl = cfg_r16(nic.slot, nic.msix + 2);
	uint32_t tbl = cfg_r32(nic.slot, nic.msix + 4), pbar = cfg_r32(nic.slot, nic.msix + 8);
	unsigned int n = (ctrl & 0x7ff) + 1, bad = 0, got[3];
	uintptr_t t, pba, regs = (uintptr_t)nic.bars[0].addr;
	bool ok;

	if (!nic.bars[tbl & 7].present || !nic.bars[pbar & 7].present || n < 3) {
		check("e1000e", "msix-past", false, "no MSI-X table BAR");
		return;
	}
	t = (uintptr_t)nic.bars[tbl & 7].addr + (tbl & ~7u);
	pba = (uintptr_t)nic.bars[pbar & 7].addr + (pbar & ~7u);
	msix_table_fill3(t);
	/* Past the last entry, up to the PBA or 64 entries on. */
	for (uintptr_t a = t + 16 * n; a < t + 16 * (n + 64) && a + 4 <= pba; a += 4)
		mmio_w32(a, 0xdeadbeefu);
	mmio_w32(pba, 0xffffffffu);
	mmio_w32(pba + 4, 0xffffffffu);
	/* Narrow and misaligned writes into live entries. */
	*(volatile uint16_t *)(t + 2) = 0xdead;
	*(volatile uint8_t *)(t + 8) = 0x99;
	*(volatile uint16_t *)(t + 16 + 12) = 1;
	*(volatile uint32_t *)(t + 16 + 6) = 0xffffffffu;
	*(volatile uint8_t *)(t + 32 + 9) = 0x77;
	for (unsigned int i = 0; i < 3; i++) {
		bad += mmio_r32(t + 16 * i) != (uint32_t)LAPIC_BASE;
		bad += mmio_r32(t + 16 * i + 4) != 0;
		bad += mmio_r32(t + 16 * i + 8) != VEC_MSIX0 + i;
		bad += (mmio_r32(t + 16 * i + 12) & 1) != 0;
	}
	/* Narrow reads see the emulated entries' bytes. */
	bad += *(volatile uint16_t *)(t + 8) != VEC_MSIX0;
	bad += *(volatile uint8_t *)(t + 16 + 8) != VEC_MSIX0 + 1;
	check("e1000e", "msix-past-table", !bad,
	      "%u-entry table at %lx, PBA at %lx: %u registers of entries 0-2 changed by stray writes or misread",
	      n, (uint64_t)t, (uint64_t)pba, bad);

	/* And the vectors still go where the entries say. */
	cfg_w16(nic.slot, nic.msix + 2, (uint16_t)((ctrl & ~0x4000) | 0x8000));
	e1000e_msix_route(regs);
	ok = e1000e_msix_fire(regs, got, NULL);
	check("e1000e", "msix-after-stray-writes", ok && got[0] == 1 && got[1] == 1 && got[2] == 1,
	      "causes RXQ0/TXQ0/OTHER -> vectors 0/1/2 counted %u/%u/%u", got[0], got[1], got[2]);
	mmio_w32(regs + E1000_IMC, 0xffffffffu);
	cfg_w16(nic.slot, nic.msix + 2, (uint16_t)(ctrl & ~0x8000));
}

/* ---- INTx without EOI, and EOI without acking the device ---- */

static void intx_storm(void)
{
	uintptr_t bar = (uintptr_t)edu.bars[0].addr;
	uint8_t pin = cfg_r8(edu.slot, 0x3d);
	unsigned int gsi = 16 + ((edu.slot + pin - 1) & 3);
	uint32_t c0, stuck, storm, quiet;
	uint64_t t0;

	if (pin < 1 || pin > 4) {
		check("edu", "intx-storm", false, "interrupt pin %u", pin);
		return;
	}
	cfg_w8(edu.slot, 0x3c, (uint8_t)gsi);
	edu_bar = bar;
	/* Level-triggered, active high, fixed, to APIC 0. */
	ioapic_w(0x10 + 2 * gsi + 1, 0);
	ioapic_w(0x10 + 2 * gsi, VEC_INTX | 1u << 15);

	/* 1. Never EOI: the line stays in service, nothing more arrives. */
	irq_flags = IRQ_NO_DEVICE_ACK | IRQ_NO_EOI;
	c0 = irq_count[VEC_INTX];
	pr("INFO intx-no-eoi-begin\n");	/* the host samples its count from here */
	for (unsigned int i = 0; i < STORM_RAISES; i++) {
		mmio_w32(bar + 0x60, 1u << (i & 7));
		delay(SETTLE / 4);
	}
	delay(SETTLE);
	stuck = irq_count[VEC_INTX] - c0;
	check("edu", "intx-no-eoi", stuck == 1,
	      "%u raises while the guest never EOIs: %u interrupt(s) delivered (want 1)",
	      STORM_RAISES, stuck);

	/*
	 * 2. EOI but never ack: the line is still asserted at each EOI. The
	 * handler stops EOIing after STORM_MAX: a re-delivery that always
	 * wins the race with the next instruction would never let this loop
	 * see the clock (it hung the guest on 6.1 now and then).
	 */
	irq_eoi_budget = STORM_MAX;
	irq_flags = IRQ_NO_DEVICE_ACK | IRQ_EOI_BUDGET;
	c0 = irq_count[VEC_INTX];
	t0 = rdtsc();
	lapic_w(0xb0, 0);
	while (rdtsc() - t0 < STORM_CYCLES && !(irq_flags & IRQ_NO_EOI))
		cpu_relax();
	storm = irq_count[VEC_INTX] - c0;
	check("edu", "intx-eoi-storm", storm > 1,
	      "EOI without acking the device: %u re-deliveries (the handler stops EOIing after %u, or after %lu cycles)",
	      storm, STORM_MAX, STORM_CYCLES);

	/*
	 * 3. Ack: quiet again, then one raise gives one interrupt. The
	 * interrupt left in service (budget spent, or one that came in
	 * after IRQ_NO_EOI) gets its EOI once the device is acked.
	 */
	irq_flags = IRQ_NO_EOI;
	/*
	 * With interrupts off from the ack to irq_flags = 0: a storm
	 * interrupt still on its way through the host when the device is
	 * acked must not reach a handler that skips its EOI after this EOI,
	 * or the vector stays in service and the raise below never arrives.
	 */
	__asm__ volatile("cli" ::: "memory");
	mmio_w32(bar + 0x64, mmio_r32(bar + 0x24));
	lapic_w(0xb0, 0);
	irq_flags = 0;
	__asm__ volatile("sti" ::: "memory");
	delay(SETTLE);
	c0 = irq_count[VEC_INTX];
	delay(SETTLE);
	quiet = irq_count[VEC_INTX] - c0;
	mmio_w32(bar + 0x60, 1);
	wait_count(VEC_INTX, c0 + quiet + 1, TIMEOUT_LONG);
	delay(SETTLE);
	check("edu", "intx-after-storm", !quiet && irq_count[VEC_INTX] - c0 == 1,
	      "after the ack: %u stray, then %u for one raise (LAPIC ISR %u IRR %u, IOAPIC remote IRR %u, edu status %#x)",
	      quiet, irq_count[VEC_INTX] - c0 - quiet,
	      lapic_r(0x100 + 0x10 * (VEC_INTX / 32)) >> (VEC_INTX % 32) & 1,
	      lapic_r(0x200 + 0x10 * (VEC_INTX / 32)) >> (VEC_INTX % 32) & 1,
	      ioapic_r(0x10 + 2 * gsi) >> 14 & 1, mmio_r32(bar + 0x24));
	ioapic_w(0x10 + 2 * gsi, 1u << 16);	/* masked */
	edu_bar = 0;
	pr("INFO intx-total %u\n", irq_count[VEC_INTX]);
}

/* ---- memory decode toggled around MMIO ---- */

static void decode_toggles(void)
{
	uintptr_t bar = (uintptr_t)edu.bars[0].addr;
	uint16_t cmd = cfg_r16(edu.slot, 0x04);
	uint32_t off_bad = 0, on_bad = 0, lost_bad = 0;

	mmio_w32(bar + 0x04, 0x11111111u);
	for (unsigned int i = 0; i < DECODE_ROUNDS; i++) {
		cfg_w16(edu.slot, 0x04, (uint16_t)(cmd & ~0x2));
		off_bad += mmio_r32(bar) != 0xffffffffu;
		mmio_w32(bar + 0x04, 0x22222222u);	/* must go nowhere */
		cfg_w16(edu.slot, 0x04, cmd);
		on_bad += mmio_r32(bar) != EDU_ID;
		lost_bad += mmio_r32(bar + 0x04) != ~0x11111111u;
	}
	check("edu", "decode-toggles", !off_bad && !on_bad && !lost_bad,
	      "%u toggles: decoded while off %u, ID wrong while on %u, write while off landed %u",
	      DECODE_ROUNDS, off_bad, on_bad, lost_bad);
}

/* ---- FLR attempts ---- */

static void flr_attempt(struct dev *x, const char *k, unsigned int reg, uint32_t val)
{
	uintptr_t bar = (uintptr_t)x->bars[0].addr;
	uint16_t devctl;
	uint32_t before, after;

	if (!x->slot || !x->pcie || !x->bars[0].present || x->bars[0].io)
		return;
	mmio_w32(bar + reg, val);
	before = mmio_r32(bar + reg);
	devctl = cfg_r16(x->slot, x->pcie + 8);
	cfg_w16(x->slot, x->pcie + 8, (uint16_t)(devctl | 0x8000));
	delay(SETTLE);
	after = mmio_r32(bar + reg);
	check(k, "flr-attempt", before == val && after == val &&
	      (cfg_r16(x->slot, 0x04) & 0x2),
	      "register %x: %x before, %x after DEVCTL.BCR_FLR; command %04x", reg, before,
	      after, cfg_r16(x->slot, 0x04));
}

void hostile_main(const char *args)
{
	uint64_t probe = 0, magic = 0, n = 1;

	arg_u64(args, "probe=", &probe);
	arg_u64(args, "magic=", &magic);
	if (arg_u64(args, "rounds=", &n) && n >= 1 && n <= 1000)
		rounds = (unsigned int)n;
	for (unsigned int d = 1; d < 32; d++)
		if (cfg_r16(d, 0) != 0xffff)
			setup_device(d);
	if (!check("", "hostile-devices", edu.slot != 0, "edu at %u, e1000e at %u, nvme at %u",
		   edu.slot, nic.slot, nvme.slot))
		return;

	dma_outside(probe, magic);
	bar_moves();
	if (nic.slot && nic.msix)
		msix_past();
	intx_storm();
	decode_toggles();
	flr_attempt(&nvme, "nvme", 0x24, 0x001f001fu);		/* AQA */
	flr_attempt(&nic, "e1000e", 0x2800, 0x12345000u);	/* RDBAL0 */
}
