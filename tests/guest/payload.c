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
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXIT_PORT	0x501
#define COM1		0x3f8
#define LAPIC_BASE	0xfee00000ul
#define IOAPIC_BASE	0xfec00000ul
#define MMIO_WINDOW	0xe0000000ul	/* where BARs are placed */
#define IO_WINDOW	0xc000u
#define VEC_MSI		0x41
#define VEC_INTX	0x51
#define VEC_MSIX0	0x61	/* e1000e MSI-X vectors 0..2 */
#define VEC_SPURIOUS	0xff
#define DMA_SRC		0x400000ul	/* 4 MiB: RAM, below edu's 28-bit mask */
#define DMA_DST		0x500000ul
#define EDU_DMA_BUF	0x40000u
#define EDU_DMA_LEN	2048u	/* QEMU edu rejects a transfer ending at its buffer end */
#define IRQ_ROUNDS	8
/* Timeouts in TSC cycles: generous, the nested guest is slow. */
#define TIMEOUT_LONG	40000000000ull
#define SETTLE		200000000ull

/* ---- tiny runtime ---- */

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;

	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static inline uint32_t mmio_r32(uintptr_t a)
{
	return *(volatile uint32_t *)a;
}

static inline void mmio_w32(uintptr_t a, uint32_t v)
{
	*(volatile uint32_t *)a = v;
}

static inline uint8_t mmio_r8(uintptr_t a)
{
	return *(volatile uint8_t *)a;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* ---- serial output ---- */

static void putc_serial(char c)
{
	if (c == '\n')
		putc_serial('\r');
	outb(COM1, (uint8_t)c);
}

static void put_u64(uint64_t v, unsigned int base, int width, char pad)
{
	char buf[24];
	int n = 0;

	do {
		unsigned int d = (unsigned int)(v % base);

		buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v);
	while (n < width--)
		putc_serial(pad);
	while (n)
		putc_serial(buf[--n]);
}

/* printf subset: %s %c %d %u %x %lu %lx %llu %llx with width and 0 pad. */
static void vpr(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		int width = 0, lng = 0;
		char pad = ' ';

		if (*fmt != '%') {
			putc_serial(*fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			int len = 0;

			while (s[len])
				len++;
			while (len < width--)
				putc_serial(' ');
			while (*s)
				putc_serial(*s++);
			break;
		}
		case 'c':
			putc_serial((char)va_arg(ap, int));
			break;
		case 'd': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);

			if (v < 0) {
				putc_serial('-');
				v = -v;
			}
			put_u64((uint64_t)v, 10, width, pad);
			break;
		}
		case 'u':
		case 'x':
			put_u64(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int),
				*fmt == 'u' ? 10 : 16, width, pad);
			break;
		case '%':
			putc_serial('%');
			break;
		default:
			putc_serial('?');
			break;
		}
	}
}

static void pr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void pr(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpr(fmt, ap);
	va_end(ap);
}

static unsigned int nchecks, nfailed;

/* One transcript verdict: CHECK <prefix>-<name> PASS|FAIL detail. */
static bool check(const char *prefix, const char *name, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static bool check(const char *prefix, const char *name, bool ok, const char *fmt, ...)
{
	va_list ap;

	nchecks++;
	if (!ok)
		nfailed++;
	pr("CHECK %s%s%s %s ", prefix, *prefix ? "-" : "", name, ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vpr(fmt, ap);
	va_end(ap);
	pr("\n");
	return ok;
}

/* ---- PCI config mechanism #1 ---- */

static void cfg_addr(unsigned int dev, unsigned int off)
{
	outl(0xcf8, 0x80000000u | dev << 11 | (off & 0xfc));
}

static uint32_t cfg_r32(unsigned int dev, unsigned int off)
{
	cfg_addr(dev, off);
	return inl(0xcfc);
}

static uint16_t cfg_r16(unsigned int dev, unsigned int off)
{
	cfg_addr(dev, off);
	return inw((uint16_t)(0xcfc + (off & 2)));
}

static uint8_t cfg_r8(unsigned int dev, unsigned int off)
{
	cfg_addr(dev, off);
	return inb((uint16_t)(0xcfc + (off & 3)));
}

static void cfg_w32(unsigned int dev, unsigned int off, uint32_t v)
{
	cfg_addr(dev, off);
	outl(0xcfc, v);
}

static void cfg_w16(unsigned int dev, unsigned int off, uint16_t v)
{
	cfg_addr(dev, off);
	outw((uint16_t)(0xcfc + (off & 2)), v);
}

static void cfg_w8(unsigned int dev, unsigned int off, uint8_t v)
{
	cfg_addr(dev, off);
	outb((uint16_t)(0xcfc + (off & 3)), v);
}

/* ---- interrupts: IDT, LAPIC, IOAPIC ---- */

struct frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, attr;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));

extern char isr_stubs[];
void isr_handler(struct frame *f);

static struct idt_gate idt[256] __attribute__((aligned(16)));
static volatile uint32_t irq_count[256];
static volatile uint64_t irq_tsc;
static volatile uintptr_t edu_bar;	/* acked by the handler when set */
static volatile uint32_t edu_status_seen;

static void lapic_w(unsigned int reg, uint32_t v)
{
	mmio_w32(LAPIC_BASE + reg, v);
}

static void ioapic_w(unsigned int reg, uint32_t v)
{
	mmio_w32(IOAPIC_BASE, reg);
	mmio_w32(IOAPIC_BASE + 0x10, v);
}

void isr_handler(struct frame *f)
{
	unsigned int v = (unsigned int)f->vector;

	if (v < 32) {
		pr("EXCEPTION vector %u error %lx rip %lx\n", v, f->error, f->rip);
		outb(EXIT_PORT, 98);
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	irq_tsc = rdtsc();
	irq_count[v]++;
	if ((v == VEC_MSI || v == VEC_INTX) && edu_bar) {
		uint32_t st = mmio_r32(edu_bar + 0x24);

		/* Ack at the device before EOI, or a level INTx fires again. */
		edu_status_seen |= st;
		mmio_w32(edu_bar + 0x64, st);
	}
	if (v != VEC_SPURIOUS)
		lapic_w(0xb0, 0);	/* EOI */
}

static void irq_setup(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr;

	for (unsigned int i = 0; i < 256; i++) {
		uint64_t a = (uint64_t)(uintptr_t)(isr_stubs + 16 * i);

		idt[i] = (struct idt_gate){
			.off_lo = (uint16_t)a, .sel = 0x08, .attr = 0x8e,
			.off_mid = (uint16_t)(a >> 16), .off_hi = (uint32_t)(a >> 32),
		};
	}
	idtr.limit = sizeof(idt) - 1;
	idtr.base = (uint64_t)(uintptr_t)idt;
	__asm__ volatile("lidt %0" : : "m"(idtr));
	/* Legacy PICs fully masked: everything comes through the APICs. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	lapic_w(0x80, 0);			/* TPR: accept everything */
	lapic_w(0xf0, 0x100 | VEC_SPURIOUS);	/* software enable */
	__asm__ volatile("sti");
}

static uint32_t total_irqs_except(unsigned int a, unsigned int b)
{
	uint32_t n = 0;

	for (unsigned int i = 32; i < 256; i++)
		if (i != a && i != b)
			n += irq_count[i];
	return n;
}

static bool wait_count(unsigned int vec, uint32_t target, uint64_t timeout)
{
	uint64_t t0 = rdtsc();

	while (irq_count[vec] < target) {
		if (rdtsc() - t0 > timeout)
			return false;
		cpu_relax();
	}
	return true;
}

static void delay(uint64_t cycles)
{
	uint64_t t0 = rdtsc();

	while (rdtsc() - t0 < cycles)
		cpu_relax();
}

/* ---- devices ---- */

struct bar {
	uint64_t size, addr;
	bool io, mem64, present;
};

static uintptr_t mmio_next = MMIO_WINDOW;
static uint32_t io_next = IO_WINDOW;

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static const char *kind_of(uint16_t ven, uint16_t dev)
{
	if (ven == 0x1234 && dev == 0x11e8)
		return "edu";
	if (ven == 0x8086 && dev == 0x10d3)
		return "e1000e";
	if (ven == 0x1b36 && dev == 0x0010)
		return "nvme";
	return "dev";
}

/* Capability chain; returns the offset of `want` (0: absent). */
static uint8_t walk_caps(unsigned int d, const char *k, uint8_t want, bool print)
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

static void size_bars(unsigned int d, const char *k, struct bar bars[6], bool is_edu)
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

static void place_bars(unsigned int d, const char *k, struct bar bars[6])
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

static void check_rom(unsigned int d, const char *k)
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

static bool edu_wait_idle(uintptr_t bar, unsigned int reg, uint32_t bit, uint64_t *cycles)
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

static bool edu_dma(uintptr_t bar, uint64_t src, uint64_t dst, uint32_t cmd, uint64_t *cycles)
{
	mmio_w32(bar + 0x80, (uint32_t)src);
	mmio_w32(bar + 0x88, (uint32_t)dst);
	mmio_w32(bar + 0x90, EDU_DMA_LEN);
	mmio_w32(bar + 0x98, cmd);
	return edu_wait_idle(bar, 0x98, 1, cycles);
}

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

#define E1000_ICR	0x000c0
#define E1000_ICS	0x000c8
#define E1000_IMS	0x000d0
#define E1000_IMC	0x000d8
#define E1000_IVAR	0x000e4
#define ICR_RXQ0	(1u << 20)
#define ICR_RXQ1	(1u << 21)
#define ICR_TXQ0	(1u << 22)
#define ICR_TXQ1	(1u << 23)
#define ICR_OTHER	(1u << 24)

static void e1000e_msix(unsigned int d, const char *k, struct bar bars[6], uint8_t cap)
{
	static const uint32_t cause[3] = { ICR_RXQ0, ICR_TXQ0, ICR_OTHER };
	uint16_t ctrl = cfg_r16(d, cap + 2);
	uint32_t tbl = cfg_r32(d, cap + 4), got[3], other0, c0;
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
	for (unsigned int i = 0; i < 3; i++) {
		mmio_w32(t + 16 * i, (uint32_t)LAPIC_BASE);
		mmio_w32(t + 16 * i + 4, 0);
		mmio_w32(t + 16 * i + 8, VEC_MSIX0 + i);
		mmio_w32(t + 16 * i + 12, 0);	/* unmasked */
	}
	ok = mmio_r32(t + 8) == VEC_MSIX0 && (mmio_r32(t + 16 * 3 + 12) & 1);
	check(k, "msix-table", ok, "entry 0 data %x, entry 3 control %x (masked at reset)",
	      mmio_r32(t + 8), mmio_r32(t + 16 * 3 + 12));
	cfg_w16(d, cap + 2, (uint16_t)((ctrl & ~0x4000) | 0x8000));

	/* Causes to vectors: RXQ0, TXQ1 -> 0; TXQ0 -> 1; RXQ1, OTHER -> 2. */
	mmio_w32(regs + E1000_IMC, 0xffffffffu);
	(void)mmio_r32(regs + E1000_ICR);
	mmio_w32(regs + E1000_IVAR, (0x8 | 0) | (0x8 | 2) << 4 | (0x8 | 1) << 8 |
		 (0x8 | 0) << 12 | (0x8 | 2) << 16);
	mmio_w32(regs + E1000_IMS, ICR_RXQ0 | ICR_RXQ1 | ICR_TXQ0 | ICR_TXQ1 | ICR_OTHER);
	delay(SETTLE);
	for (unsigned int i = 0; i < 3; i++)
		got[i] = irq_count[VEC_MSIX0 + i];
	other0 = total_irqs_except(VEC_SPURIOUS, VEC_SPURIOUS);
	ok = true;
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
	check(k, "msix", ok && got[0] == 1 && got[1] == 1 && got[2] == 1 &&
	      total_irqs_except(VEC_SPURIOUS, VEC_SPURIOUS) - other0 == 3,
	      "causes RXQ0/TXQ0/OTHER -> vectors 0/1/2 counted %u/%u/%u, %u in all",
	      got[0], got[1], got[2], total_irqs_except(VEC_SPURIOUS, VEC_SPURIOUS) - other0);

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

int payload_main(void);
int payload_main(void)
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
