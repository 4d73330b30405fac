/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The payload's freestanding runtime (rt.c) and PCI helpers (pci.c),
 * shared by the functional checks (payload.c) and the hostile-guest
 * checks (hostile.c).
 */
#ifndef PAYLOAD_RT_H
#define PAYLOAD_RT_H

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

#include "e1000e_regs.h"	/* tests/include: E1000_*, ICR_* */

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

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

/* ---- rt.c: serial transcript, config space, interrupts, time ---- */

void pr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vpr(const char *fmt, va_list ap);
/* One transcript verdict: CHECK <prefix>-<name> PASS|FAIL detail. */
bool check(const char *prefix, const char *name, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
extern unsigned int nchecks, nfailed;

uint32_t cfg_r32(unsigned int dev, unsigned int off);
uint16_t cfg_r16(unsigned int dev, unsigned int off);
uint8_t cfg_r8(unsigned int dev, unsigned int off);
void cfg_w32(unsigned int dev, unsigned int off, uint32_t v);
void cfg_w16(unsigned int dev, unsigned int off, uint16_t v);
void cfg_w8(unsigned int dev, unsigned int off, uint8_t v);

/* What the interrupt handler does besides counting. */
#define IRQ_NO_DEVICE_ACK	(1u << 0)	/* leave edu's status set */
#define IRQ_NO_EOI		(1u << 1)	/* never EOI: a stuck guest */
/* EOI at most irq_eoi_budget times, then behave as IRQ_NO_EOI. */
#define IRQ_EOI_BUDGET		(1u << 2)

extern volatile uint32_t irq_count[256];
extern volatile uint64_t irq_tsc;
extern volatile uintptr_t edu_bar;	/* acked by the handler when set */
extern volatile uint32_t edu_status_seen;
extern volatile uint32_t irq_flags;	/* IRQ_* */
extern volatile uint32_t irq_eoi_budget;	/* with IRQ_EOI_BUDGET */

void lapic_w(unsigned int reg, uint32_t v);
uint32_t lapic_r(unsigned int reg);
uint32_t ioapic_r(unsigned int reg);
void ioapic_w(unsigned int reg, uint32_t v);
void irq_setup(void);
uint32_t total_irqs_except(unsigned int a, unsigned int b);
bool wait_count(unsigned int vec, uint32_t target, uint64_t timeout);
void delay(uint64_t cycles);

/* ---- pci.c: enumeration, BAR sizing and placement, edu basics ---- */

struct bar {
	uint64_t size, addr;
	bool io, mem64, present;
};

extern uintptr_t mmio_next;
extern uint32_t io_next;

uint64_t align_up(uint64_t v, uint64_t a);
bool is_pow2(uint64_t v);
const char *kind_of(uint16_t ven, uint16_t dev);
/* Capability chain; returns the offset of `want` (0: absent). */
uint8_t walk_caps(unsigned int d, const char *k, uint8_t want, bool print);
void size_bars(unsigned int d, const char *k, struct bar bars[6], bool is_edu);
void place_bars(unsigned int d, const char *k, struct bar bars[6]);
void check_rom(unsigned int d, const char *k);
bool edu_wait_idle(uintptr_t bar, unsigned int reg, uint32_t bit, uint64_t *cycles);
bool edu_dma(uintptr_t bar, uint64_t src, uint64_t dst, uint32_t cmd, uint64_t *cycles);

/* ---- pci.c: e1000e MSI-X routing (payload.c and hostile.c) ---- */

/* MSI-X table entries 0..2 at @t: LAPIC 0, vectors VEC_MSIX0 + i, unmasked. */
void msix_table_fill3(uintptr_t t);
/* All causes masked and cleared; RXQ0, TXQ1 -> vector 0, TXQ0 -> 1, RXQ1, OTHER -> 2. */
void e1000e_msix_route(uintptr_t regs);
/*
 * Fire causes RXQ0, TXQ0, OTHER one at a time: got[i] gets how many
 * interrupts vector VEC_MSIX0 + i took, *all (may be NULL) how many
 * arrived on any vector. False when one of them never came.
 */
bool e1000e_msix_fire(uintptr_t regs, uint32_t got[3], uint32_t *all);

/* ---- hostile.c ---- */

/* The hostile-guest checks; args is the VMM's --append string. */
void hostile_main(const char *args);

#endif
