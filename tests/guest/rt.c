// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The payload's freestanding runtime: memset/memcpy for the compiler, the
 * serial transcript (a printf subset and CHECK lines), PCI config
 * mechanism #1, the IDT with its counting handler, the LAPIC and IOAPIC,
 * and TSC-based waits.
 */
#include "rt.h"

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
void vpr(const char *fmt, va_list ap)
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

void pr(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpr(fmt, ap);
	va_end(ap);
}

unsigned int nchecks, nfailed;

bool check(const char *prefix, const char *name, bool ok, const char *fmt, ...)
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

uint32_t cfg_r32(unsigned int dev, unsigned int off)
{
	cfg_addr(dev, off);
	return inl(0xcfc);
}

uint16_t cfg_r16(unsigned int dev, unsigned int off)
{
	cfg_addr(dev, off);
	return inw((uint16_t)(0xcfc + (off & 2)));
}

uint8_t cfg_r8(unsigned int dev, unsigned int off)
{
	cfg_addr(dev, off);
	return inb((uint16_t)(0xcfc + (off & 3)));
}

void cfg_w32(unsigned int dev, unsigned int off, uint32_t v)
{
	cfg_addr(dev, off);
	outl(0xcfc, v);
}

void cfg_w16(unsigned int dev, unsigned int off, uint16_t v)
{
	cfg_addr(dev, off);
	outw((uint16_t)(0xcfc + (off & 2)), v);
}

void cfg_w8(unsigned int dev, unsigned int off, uint8_t v)
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
volatile uint32_t irq_count[256];
volatile uint64_t irq_tsc;
volatile uintptr_t edu_bar;
volatile uint32_t edu_status_seen;
volatile uint32_t irq_flags;
volatile uint32_t irq_eoi_budget;

void lapic_w(unsigned int reg, uint32_t v)
{
	mmio_w32(LAPIC_BASE + reg, v);
}

uint32_t lapic_r(unsigned int reg)
{
	return mmio_r32(LAPIC_BASE + reg);
}

uint32_t ioapic_r(unsigned int reg)
{
	mmio_w32(IOAPIC_BASE, reg);
	return mmio_r32(IOAPIC_BASE + 0x10);
}

void ioapic_w(unsigned int reg, uint32_t v)
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
		if (!(irq_flags & IRQ_NO_DEVICE_ACK))
			mmio_w32(edu_bar + 0x64, st);
	}
	if (v == VEC_SPURIOUS || (irq_flags & IRQ_NO_EOI))
		return;
	if (irq_flags & IRQ_EOI_BUDGET) {
		/* Budget spent: this one stays in service, the storm ends. */
		if (!irq_eoi_budget) {
			irq_flags |= IRQ_NO_EOI;
			return;
		}
		irq_eoi_budget--;
	}
	lapic_w(0xb0, 0);	/* EOI */
}

void irq_setup(void)
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

uint32_t total_irqs_except(unsigned int a, unsigned int b)
{
	uint32_t n = 0;

	for (unsigned int i = 32; i < 256; i++)
		if (i != a && i != b)
			n += irq_count[i];
	return n;
}

bool wait_count(unsigned int vec, uint32_t target, uint64_t timeout)
{
	uint64_t t0 = rdtsc();

	while (irq_count[vec] < target) {
		if (rdtsc() - t0 > timeout)
			return false;
		cpu_relax();
	}
	return true;
}

void delay(uint64_t cycles)
{
	uint64_t t0 = rdtsc();

	while (rdtsc() - t0 < cycles)
		cpu_relax();
}

