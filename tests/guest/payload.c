// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The test payload for pciassign-vmm: runs in the nested guest and drives
 * every assigned device the way a driver would, printing a transcript on
 * the serial port with one "CHECK <name> PASS|FAIL [detail]" line per
 * check. Returns the number of failed checks (the VMM's exit status).
 *
 * For every function on bus 0 other than the host bridge: enumeration
 * through config mechanism #1, the capability chain (FLR hidden for PCIe),
 * BAR sizing and placement, memory decode, the ROM BAR when there is one.
 * For edu (1234:11e8) also: ID, liveness and factorial registers through
 * the directly mapped BAR, DMA both ways through the IOMMU (IOVA = guest
 * physical address), MSI and INTx interrupts counted in IDT handlers.
 * With "hostile" in the VMM's --append string, the hostile-guest checks
 * of hostile.c run instead.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rt.h"


static void edu_mmio(const char *k, uintptr_t bar)
{
	static const uint32_t pats[] = { 0x12345678, 0, 0xffffffff, 0xa5a55a5a };
	uint64_t t0, cycles;
	uint32_t id, v = 0, f = 0;
	bool ok = true, fok;

	t0 = rdtsc();
	for (unsigned int i = 0; i < 1000; i++)
		id = mmio_r32(bar);
	cycles = (rdtsc() - t0) / 1000;
	check(k, "mmio-id", id == 0x010000ed, "ID register %08x (want 010000ed), %lu cycles/read",
	      id, cycles);
	for (unsigned int i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		mmio_w32(bar + 0x04, pats[i]);
		v = mmio_r32(bar + 0x04);
		if (v != ~pats[i]) {
			ok = false;
			break;
		}
	}
	check(k, "mmio-liveness", ok, "wrote 4 patterns, each read back inverted%s",
	      ok ? "" : " -- mismatch");
	mmio_w32(bar + 0x20, 0);	/* no IRQ on factorial completion */
	mmio_w32(bar + 0x08, 5);
	fok = edu_wait_idle(bar, 0x20, 1, &cycles);
	f = mmio_r32(bar + 0x08);
	check(k, "factorial", fok && f == 120, "5! = %u after %lu cycles%s", f, cycles,
	      fok ? "" : " (timed out)");
}

static void edu_dma_test(const char *k, uintptr_t bar)
{
	uint8_t *src = (uint8_t *)DMA_SRC, *dst = (uint8_t *)DMA_DST;
	uint64_t c1 = 0, c2 = 0;
	unsigned int bad = 0;
	bool ok1, ok2;

	for (unsigned int i = 0; i < EDU_DMA_LEN; i++) {
		src[i] = (uint8_t)(i * 7 + 3 + (i >> 8));
		dst[i] = 0;
	}
	ok1 = edu_dma(bar, DMA_SRC, EDU_DMA_BUF, 1, &c1);
	ok2 = ok1 && edu_dma(bar, EDU_DMA_BUF, DMA_DST, 1 | 2, &c2);
	for (unsigned int i = 0; i < EDU_DMA_LEN; i++)
		bad += src[i] != dst[i];
	check(k, "dma", ok1 && ok2 && !bad,
	      "%u bytes RAM %lx -> edu %x (%lu cycles) -> RAM %lx (%lu cycles), %u bytes differ%s",
	      EDU_DMA_LEN, DMA_SRC, EDU_DMA_BUF, c1, DMA_DST, c2, bad,
	      ok1 && ok2 ? "" : " (DMA timed out)");
}

/* Raise IRQ_ROUNDS edu interrupts one at a time on vector vec. */
static void edu_irq_rounds(const char *k, const char *name, uintptr_t bar, unsigned int vec,
			   const char *how)
{
	uint32_t base = irq_count[vec], other0 = total_irqs_except(vec, VEC_SPURIOUS);
	uint64_t lat, lat_min = ~0ull, lat_max = 0, lat_sum = 0;
	unsigned int got = 0;
	bool ok = true;

	for (unsigned int i = 0; i < IRQ_ROUNDS; i++) {
		uint64_t t0 = rdtsc();

		mmio_w32(bar + 0x60, 1u << (i & 7));
		if (!wait_count(vec, base + i + 1, TIMEOUT_LONG)) {
			ok = false;
			break;
		}
		lat = irq_tsc - t0;
		lat_sum += lat;
		lat_min = lat < lat_min ? lat : lat_min;
		lat_max = lat > lat_max ? lat : lat_max;
		got++;
	}
	/* Anything late or extra would show up here. */
	delay(SETTLE);
	got = irq_count[vec] - base;
	check(k, name, ok && got == IRQ_ROUNDS &&
	      total_irqs_except(vec, VEC_SPURIOUS) == other0,
	      "%s: raised %u, handled %u, other vectors %u, spurious %u; latency cycles min %lu avg %lu max %lu",
	      how, IRQ_ROUNDS, got, total_irqs_except(vec, VEC_SPURIOUS) - other0,
	      irq_count[VEC_SPURIOUS], got ? lat_min : 0,
	      got ? lat_sum / (got ? got : 1) : 0, lat_max);
}

static void edu_msi(unsigned int d, const char *k, uintptr_t bar, uint8_t msi)
{
	uint16_t ctrl;
	bool is64;
	uint32_t before;
	uint64_t c = 0;
	bool ok;

	ctrl = cfg_r16(d, msi + 2);
	is64 = ctrl & 0x80;
	cfg_w32(d, msi + 4, (uint32_t)LAPIC_BASE);	/* APIC ID 0, physical */
	if (is64)
		cfg_w32(d, msi + 8, 0);
	cfg_w16(d, msi + (is64 ? 12 : 8), VEC_MSI);	/* fixed, edge */
	cfg_w16(d, msi + 2, (uint16_t)((ctrl & ~0x70) | 1));
	pr("  MSI: control %04x -> %04x, address %08x, data %04x\n", ctrl,
	   cfg_r16(d, msi + 2), cfg_r32(d, msi + 4), cfg_r16(d, msi + (is64 ? 12 : 8)));
	edu_irq_rounds(k, "msi", bar, VEC_MSI, "MSI via edu 0x60");

	/* A DMA that signals completion with an interrupt. */
	before = irq_count[VEC_MSI];
	edu_status_seen = 0;
	ok = edu_dma(bar, EDU_DMA_BUF, DMA_DST, 1 | 2 | 4, &c) &&
	     wait_count(VEC_MSI, before + 1, TIMEOUT_LONG);
	check(k, "dma-msi", ok && (edu_status_seen & 0x100),
	      "DMA completion interrupt: %u, edu status seen %x, %lu cycles",
	      irq_count[VEC_MSI] - before, edu_status_seen, c);

	cfg_w16(d, msi + 2, (uint16_t)(ctrl & ~1));	/* back to INTx */
}

static void edu_intx(unsigned int d, const char *k, uintptr_t bar)
{
	uint8_t pin = cfg_r8(d, 0x3d);
	unsigned int gsi = 16 + ((d + pin - 1) & 3);

	if (!check(k, "intx-pin", pin >= 1 && pin <= 4, "interrupt pin %u -> IOAPIC pin %u",
		   pin, gsi))
		return;
	cfg_w8(d, 0x3c, (uint8_t)gsi);
	/* Level-triggered, active high, fixed, to APIC 0. */
	ioapic_w(0x10 + 2 * gsi + 1, 0);
	ioapic_w(0x10 + 2 * gsi, VEC_INTX | 1u << 15);
	edu_irq_rounds(k, "intx", bar, VEC_INTX, "INTx via IOAPIC, EOI-resampled");
	ioapic_w(0x10 + 2 * gsi, 1u << 16);	/* masked */
}

/* ---- e1000e: MSI-X through the emulated table ---- */

static void e1000e_msix(unsigned int d, const char *k, struct bar bars[6], uint8_t cap)
{
	uint16_t ctrl = cfg_r16(d, cap + 2);
	uint32_t tbl = cfg_r32(d, cap + 4), got[3], all, c0;
	unsigned int n = (ctrl & 0x7ff) + 1;
	uintptr_t regs = (uintptr_t)bars[0].addr, t;
	bool ok = true, pend;

	if (!bars[tbl & 7].present || bars[0].io || n < 3) {
		check(k, "msix", false, "table BAR%u absent or only %u vectors", tbl & 7, n);
		return;
	}
	t = (uintptr_t)bars[tbl & 7].addr + (tbl & ~7u);
	pr("  MSI-X: %u vectors, table BAR%u+%x at %lx\n", n, tbl & 7, tbl & ~7u,
	   (uint64_t)t);
	msix_table_fill3(t);
	ok = mmio_r32(t + 8) == VEC_MSIX0 && (mmio_r32(t + 16 * 3 + 12) & 1);
	check(k, "msix-table", ok, "entry 0 data %x, entry 3 control %x (masked at reset)",
	      mmio_r32(t + 8), mmio_r32(t + 16 * 3 + 12));
	cfg_w16(d, cap + 2, (uint16_t)((ctrl & ~0x4000) | 0x8000));

	/* Causes to vectors: RXQ0, TXQ1 -> 0; TXQ0 -> 1; RXQ1, OTHER -> 2. */
	e1000e_msix_route(regs);
	mmio_w32(regs + E1000_IMS, ICR_RXQ0 | ICR_RXQ1 | ICR_TXQ0 | ICR_TXQ1 | ICR_OTHER);
	ok = e1000e_msix_fire(regs, got, &all);
	check(k, "msix", ok && got[0] == 1 && got[1] == 1 && got[2] == 1 && all == 3,
	      "causes RXQ0/TXQ0/OTHER -> vectors 0/1/2 counted %u/%u/%u, %u in all",
	      got[0], got[1], got[2], all);

	/* Masked entry: the interrupt waits, and arrives on unmask. */
	c0 = irq_count[VEC_MSIX0];
	mmio_w32(t + 12, 1);
	/* TXQ1 (also vector 0) has not fired yet: no EIAC/IMS history. */
	mmio_w32(regs + E1000_IMS, ICR_TXQ1);
	mmio_w32(regs + E1000_ICS, ICR_TXQ1);
	delay(SETTLE);
	pend = irq_count[VEC_MSIX0] == c0;
	mmio_w32(t + 12, 0);
	ok = wait_count(VEC_MSIX0, c0 + 1, TIMEOUT_LONG);
	check(k, "msix-mask", pend && ok,
	      "while masked %u interrupt(s), after unmask %u (IMS %x)", pend ? 0 : 1,
	      irq_count[VEC_MSIX0] - c0, mmio_r32(regs + E1000_IMS));

	mmio_w32(regs + E1000_IMC, 0xffffffffu);
	cfg_w16(d, cap + 2, (uint16_t)(ctrl & ~0x8000));
}

/* The I/O BAR (IOADDR at +0, IODATA at +4) reaches the same registers. */
static void e1000e_io(const char *k, struct bar bars[6])
{
	uint16_t port = 0;
	uint32_t via_io, via_mmio;

	for (unsigned int i = 0; i < 6; i++)
		if (bars[i].present && bars[i].io)
			port = (uint16_t)bars[i].addr;
	if (!port || !bars[0].present || bars[0].io) {
		check(k, "io-bar", false, "no I/O BAR or no BAR0");
		return;
	}
	via_mmio = mmio_r32((uintptr_t)bars[0].addr + 0x08);	/* STATUS */
	outl(port, 0x08);
	via_io = inl((uint16_t)(port + 4));
	check(k, "io-bar", via_io == via_mmio && inl(port) == 0x08,
	      "STATUS through I/O port %x: %08x, through MMIO: %08x", port, via_io, via_mmio);
}

static void test_device(unsigned int d)
{
	uint32_t id = cfg_r32(d, 0), cls = cfg_r32(d, 8) >> 8;
	uint16_t ven = (uint16_t)id, dev = (uint16_t)(id >> 16);
	const char *k = kind_of(ven, dev);
	bool is_edu = ven == 0x1234 && dev == 0x11e8;
	uint8_t hdr = cfg_r8(d, 0x0e), pcie, msi;
	struct bar bars[6];

	pr("device 00:%02x.0: %04x:%04x class %06x header %02x (%s)\n", d, ven, dev, cls,
	   hdr, k);
	check(k, "enum", (hdr & 0x7f) == 0, "found at 00:%02x.0 via 0xcf8/0xcfc", d);

	pcie = walk_caps(d, k, 0x10, true);
	msi = walk_caps(d, k, 0x05, false);
	if (pcie) {
		uint32_t devcap = cfg_r32(d, pcie + 4);

		check(k, "flr-hidden", !(devcap & (1u << 28)), "PCIe DEVCAP %08x", devcap);
	}
	if (is_edu)
		check(k, "cap-msi", msi != 0, "MSI capability at %02x", msi);

	size_bars(d, k, bars, is_edu);
	place_bars(d, k, bars);
	check_rom(d, k);

	if (ven == 0x8086 && dev == 0x10d3) {
		uint8_t msix = walk_caps(d, k, 0x11, false);

		e1000e_io(k, bars);

		if (msix && bars[0].present)
			e1000e_msix(d, k, bars, msix);
		else
			check(k, "msix", false, "no MSI-X capability or BAR0");
	}
	if (!is_edu)
		return;
	if (!bars[0].present || bars[0].io)
		return;
	edu_bar = (uintptr_t)bars[0].addr;
	edu_mmio(k, edu_bar);
	edu_dma_test(k, edu_bar);
	if (msi)
		edu_msi(d, k, edu_bar, msi);
	edu_intx(d, k, edu_bar);
	edu_bar = 0;
}

/* A word of the VMM's --append string (NULL: none). */
static bool has_word(const char *args, const char *w)
{
	for (const char *p = args; p && *p; p++) {
		unsigned int n = 0;

		if (p != args && p[-1] != ' ')
			continue;
		while (w[n] && p[n] == w[n])
			n++;
		if (!w[n] && (!p[n] || p[n] == ' '))
			return true;
	}
	return false;
}

int payload_main(const char *args);
int payload_main(const char *args)
{
	uint64_t t0 = rdtsc(), t1;
	unsigned int ndev = 0;
	uint32_t hb;

	pr("payload: pciassign nested-guest test, long mode at %lx\n",
	   (uint64_t)(uintptr_t)payload_main);
	irq_setup();

	hb = cfg_r32(0, 0);
	check("", "host-bridge", hb != 0xffffffffu && (cfg_r32(0, 8) >> 8) == 0x060000,
	      "00:00.0 %04x:%04x class %06x", hb & 0xffff, hb >> 16, cfg_r32(0, 8) >> 8);
	t1 = rdtsc();
	for (unsigned int i = 0; i < 100; i++)
		hb = cfg_r32(0, 0);
	pr("config read via 0xcf8/0xcfc: %lu cycles each\n", (rdtsc() - t1) / 100);

	if (has_word(args, "hostile")) {
		hostile_main(args);
		pr("payload: %u checks, %u failed, %lu cycles\n", nchecks, nfailed,
		   rdtsc() - t0);
		return nfailed > 99 ? 99 : (int)nfailed;
	}
	for (unsigned int d = 1; d < 32; d++) {
		if (cfg_r16(d, 0) == 0xffff)
			continue;
		ndev++;
		test_device(d);
	}
	check("", "devices", ndev > 0, "%u assigned device(s) found", ndev);
	pr("payload: %u checks, %u failed, %lu cycles\n", nchecks, nfailed, rdtsc() - t0);
	return nfailed > 99 ? 99 : (int)nfailed;
}
