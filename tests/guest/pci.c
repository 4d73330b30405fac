// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * PCI helpers of the payload: what a firmware does before a driver runs
 * (capability walk, BAR sizing and placement, the ROM BAR) and the edu
 * basics both check sets use.
 */
#include "rt.h"

uintptr_t mmio_next = MMIO_WINDOW;
uint32_t io_next = IO_WINDOW;

uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

const char *kind_of(uint16_t ven, uint16_t dev)
{
	if (ven == 0x1234 && dev == 0x11e8)
		return "edu";
	if (ven == 0x8086 && dev == 0x10d3)
		return "e1000e";
	if (ven == 0x1b36 && dev == 0x0010)
		return "nvme";
	return "dev";
}

uint8_t walk_caps(unsigned int d, const char *k, uint8_t want, bool print)
{
	uint8_t found = 0, p;
	unsigned int n = 0;
	bool ok = true;

	if (!(cfg_r16(d, 0x06) & 0x10))
		return 0;
	if (print)
		pr("  caps:");
	for (p = cfg_r8(d, 0x34) & 0xfc; p; p = cfg_r8(d, p + 1) & 0xfc) {
		uint8_t id = cfg_r8(d, p);

		if (p < 0x40 || ++n > 48) {
			ok = false;
			break;
		}
		if (print)
			pr(" %02x@%02x", id, p);
		if (id == want && !found)
			found = p;
	}
	if (print) {
		pr("\n");
		check(k, "caps", ok, "%u capabilities, chain %s", n,
		      ok ? "well-formed" : "broken");
	}
	return found;
}

void size_bars(unsigned int d, const char *k, struct bar bars[6], bool is_edu)
{
	bool ok = true, any = false;

	for (unsigned int i = 0; i < 6; i++) {
		unsigned int off = 0x10 + 4 * i;
		uint32_t orig = cfg_r32(d, off), lo, hi = 0xffffffffu;
		struct bar *b = &bars[i];

		memset(b, 0, sizeof(*b));
		cfg_w32(d, off, 0xffffffffu);
		lo = cfg_r32(d, off);
		cfg_w32(d, off, orig);
		if (!lo)
			continue;
		b->io = lo & 1;
		if (b->io) {
			b->size = (uint16_t)(~(lo & ~3u) + 1);
		} else {
			b->mem64 = ((lo >> 1) & 3) == 2;
			if (b->mem64 && i < 5) {
				uint32_t o2 = cfg_r32(d, off + 4);

				cfg_w32(d, off + 4, 0xffffffffu);
				hi = cfg_r32(d, off + 4);
				cfg_w32(d, off + 4, o2);
			}
			b->size = ~(((uint64_t)(b->mem64 ? hi : 0xffffffffu) << 32) |
				    (lo & ~0xfu)) + 1;
		}
		b->present = true;
		any = true;
		pr("  BAR%u: %s%s size %lx (sizing read %08x)\n", i,
		   b->io ? "I/O" : "memory", b->mem64 ? " 64-bit" : "", b->size, lo);
		if (!is_pow2(b->size) || (!b->io && b->size < 16))
			ok = false;
		if (b->mem64)
			i++;
	}
	check(k, "bar-sizing", ok && any, "sizes %s", ok && any ? "are powers of two" : "bad");
	if (is_edu)
		check(k, "bar0-1mib", bars[0].present && !bars[0].io && !bars[0].mem64 &&
		      bars[0].size == 0x100000, "BAR0 %s size %lx (edu: 32-bit 1 MiB)",
		      bars[0].io ? "I/O" : "memory", bars[0].size);
}

void place_bars(unsigned int d, const char *k, struct bar bars[6])
{
	bool ok = true;

	for (unsigned int i = 0; i < 6; i++) {
		struct bar *b = &bars[i];
		unsigned int off = 0x10 + 4 * i;
		uint32_t back;

		if (!b->present)
			continue;
		if (b->io) {
			io_next = (uint32_t)align_up(io_next, b->size);
			b->addr = io_next;
			io_next += (uint32_t)b->size;
			cfg_w32(d, off, (uint32_t)b->addr);
			back = cfg_r32(d, off) & ~3u;
		} else {
			mmio_next = align_up(mmio_next, b->size < 4096 ? 4096 : b->size);
			b->addr = mmio_next;
			mmio_next += b->size;
			cfg_w32(d, off, (uint32_t)b->addr);
			if (b->mem64)
				cfg_w32(d, off + 4, (uint32_t)(b->addr >> 32));
			back = cfg_r32(d, off) & ~0xfu;
		}
		if (back != (uint32_t)b->addr)
			ok = false;
		pr("  BAR%u placed at %lx (reads back %x)\n", i, b->addr, back);
		if (b->mem64)
			i++;
	}
	/* Decode on: memory, I/O, bus master (DMA); INTx left enabled. */
	cfg_w16(d, 0x04, 0x0007);
	check(k, "bar-program", ok && (cfg_r16(d, 0x04) & 0x7) == 0x7,
	      "BARs read back, command %04x", cfg_r16(d, 0x04));
}

void check_rom(unsigned int d, const char *k)
{
	uint32_t sz, back;
	uint64_t size, addr;
	uint16_t sig;

	cfg_w32(d, 0x30, 0xfffff800u);
	sz = cfg_r32(d, 0x30) & 0xfffff800u;
	if (!sz) {
		pr("  no ROM BAR\n");
		return;
	}
	size = (uint64_t)(uint32_t)(~sz + 1);
	mmio_next = align_up(mmio_next, size);
	addr = mmio_next;
	mmio_next += size;
	cfg_w32(d, 0x30, (uint32_t)addr | 1);
	back = cfg_r32(d, 0x30);
	sig = (uint16_t)(mmio_r8(addr) | mmio_r8(addr + 1) << 8);
	check(k, "rom", sig == 0xaa55 && is_pow2(size),
	      "ROM BAR size %lx at %lx (reads %08x), signature %02x %02x", size, addr,
	      back, sig & 0xff, sig >> 8);
	cfg_w32(d, 0x30, (uint32_t)addr);	/* ROM decode off again */
}

/* ---- edu ---- */

bool edu_wait_idle(uintptr_t bar, unsigned int reg, uint32_t bit, uint64_t *cycles)
{
	uint64_t t0 = rdtsc();

	while (mmio_r32(bar + reg) & bit) {
		if (rdtsc() - t0 > TIMEOUT_LONG)
			return false;
		cpu_relax();
	}
	if (cycles)
		*cycles = rdtsc() - t0;
	return true;
}

bool edu_dma(uintptr_t bar, uint64_t src, uint64_t dst, uint32_t cmd, uint64_t *cycles)
{
	mmio_w32(bar + 0x80, (uint32_t)src);
	mmio_w32(bar + 0x88, (uint32_t)dst);
	mmio_w32(bar + 0x90, EDU_DMA_LEN);
	mmio_w32(bar + 0x98, cmd);
	return edu_wait_idle(bar, 0x98, 1, cycles);
}

/* ---- e1000e MSI-X ---- */

void msix_table_fill3(uintptr_t t)
{
	for (unsigned int i = 0; i < 3; i++) {
		mmio_w32(t + 16 * i, (uint32_t)LAPIC_BASE);
		mmio_w32(t + 16 * i + 4, 0);
		mmio_w32(t + 16 * i + 8, VEC_MSIX0 + i);
		mmio_w32(t + 16 * i + 12, 0);	/* unmasked */
	}
}

void e1000e_msix_route(uintptr_t regs)
{
	mmio_w32(regs + E1000_IMC, 0xffffffffu);
	(void)mmio_r32(regs + E1000_ICR);
	mmio_w32(regs + E1000_IVAR, (0x8 | 0) | (0x8 | 2) << 4 | (0x8 | 1) << 8 |
		 (0x8 | 0) << 12 | (0x8 | 2) << 16);
}

bool e1000e_msix_fire(uintptr_t regs, uint32_t got[3], uint32_t *all)
{
	static const uint32_t cause[3] = { ICR_RXQ0, ICR_TXQ0, ICR_OTHER };
	uint32_t other0;
	bool ok = true;

	delay(SETTLE);
	for (unsigned int i = 0; i < 3; i++)
		got[i] = irq_count[VEC_MSIX0 + i];
	other0 = total_irqs_except(VEC_SPURIOUS, VEC_SPURIOUS);
	for (unsigned int i = 0; i < 3; i++) {
		/* Auto-clear (EIAC) drops a cause from IMS once it fired. */
		mmio_w32(regs + E1000_IMS, cause[i]);
		mmio_w32(regs + E1000_ICS, cause[i]);
		if (!wait_count(VEC_MSIX0 + i, got[i] + 1, TIMEOUT_LONG))
			ok = false;
	}
	delay(SETTLE);
	for (unsigned int i = 0; i < 3; i++)
		got[i] = irq_count[VEC_MSIX0 + i] - got[i];
	if (all)
		*all = total_irqs_except(VEC_SPURIOUS, VEC_SPURIOUS) - other0;
	return ok;
}
