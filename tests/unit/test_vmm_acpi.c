// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: the reference VMM's ACPI tables (user/vmm/acpi.c) and E820
 * map, built into a buffer standing in for guest RAM and read back the
 * way an OS reads them: checksums, pointers, the DSDT's AML structure and
 * the _PRT routing against libpciassign's INTx wiring.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* The file under test, for its static AML helpers. */
#include "../../user/vmm/acpi.c"

void vmm_log(const char *fmt, ...)
{
	(void)fmt;
}

void vmm_finish(struct vmm *v, int status)
{
	v->status = status;
}

void *vmm_gpa(const struct vmm_mem *m, uint64_t gpa, uint64_t len)
{
	return gpa + len <= m->low ? m->hva + gpa : NULL;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Decode a PkgLength at p: the length it encodes; *n gets its size. */
static size_t pkglen(const uint8_t *p, size_t *n)
{
	size_t follow = p[0] >> 6, len;

	if (!follow) {
		*n = 1;
		return p[0] & 0x3f;
	}
	len = p[0] & 0x0f;
	for (size_t i = 0; i < follow; i++)
		len |= (size_t)p[1 + i] << (4 + 8 * i);
	*n = 1 + follow;
	return len;
}

/* Decode an AML integer (Zero, One, Byte/Word/DWord/QWordConst). */
static uint64_t aml_get_int(const uint8_t **pp)
{
	const uint8_t *p = *pp;
	size_t n = 0;
	uint64_t v = 0;

	switch (p[0]) {
	case 0x00: *pp = p + 1; return 0;
	case 0x01: *pp = p + 1; return 1;
	case 0x0a: n = 1; break;
	case 0x0b: n = 2; break;
	case 0x0c: n = 4; break;
	case 0x0e: n = 8; break;
	default: fail_msg("not an integer: opcode %#x", p[0]);
	}
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[1 + i] << (8 * i);
	*pp = p + 1 + n;
	return v;
}

static void pkglength_boundaries(void **state)
{
	static const size_t bodies[] = { 0, 1, 62, 63, 64, 200, 4093, 4094, 5000, 70000 };
	static struct aml a;

	(void)state;
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		size_t at, n, len;

		a.len = 0;
		a.overflow = false;
		if (bodies[i] > sizeof(a.b) - 8)
			continue;
		at = aml_open(&a, OP_PACKAGE, 1);
		for (size_t j = 0; j < bodies[i]; j++)
			aml_byte(&a, (uint8_t)j);
		aml_close(&a, at);
		assert_false(a.overflow);
		len = pkglen(a.b + 1, &n);
		/* The length counts itself and the body, and the body moved intact. */
		assert_int_equal(len, n + bodies[i]);
		assert_int_equal(a.len, 1 + n + bodies[i]);
		assert_int_equal(n, bodies[i] + 1 < 64 ? 1 : bodies[i] + 2 < 4096 ? 2 : 3);
		for (size_t j = 0; j < bodies[i]; j++)
			assert_int_equal(a.b[1 + n + j], (uint8_t)j);
	}
}

static void eisa_ids(void **state)
{
	(void)state;
	/* As ACPI compilers encode them. */
	assert_int_equal(eisa_id("PNP0A03"), 0x030ad041u);
	assert_int_equal(eisa_id("PNP0A08"), 0x080ad041u);
}

static void integers_are_shortest(void **state)
{
	static struct aml a;
	static const uint64_t vals[] = { 0, 1, 2, 0xff, 0x100, 0xffff, 0x10000,
					 0xffffffffull, 0x100000000ull };
	static const size_t sizes[] = { 1, 1, 2, 2, 3, 3, 5, 5, 9 };

	(void)state;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		const uint8_t *p = a.b;

		a.len = 0;
		aml_int(&a, vals[i]);
		assert_int_equal(a.len, sizes[i]);
		assert_true(aml_get_int(&p) == vals[i]);
	}
}

struct machine {
	struct vmm v;
	uint8_t *ram;
	uint64_t rsdp;
};

static void build(struct machine *m, unsigned int ncpus)
{
	memset(m, 0, sizeof(*m));
	m->ram = calloc(1, 1 << 20);
	assert_non_null(m->ram);
	m->v.mem.hva = m->ram;
	m->v.mem.low = 1 << 20;
	m->v.ncpus = ncpus;
	assert_int_equal(vmm_acpi_build(&m->v, &m->rsdp), 0);
}

static const uint8_t *table(const struct machine *m, uint64_t gpa, const char *sig)
{
	const uint8_t *t = m->ram + gpa;
	uint8_t sum = 0;

	assert_true(gpa >= ACPI_BASE && gpa < ACPI_BASE + ACPI_AREA);
	assert_memory_equal(t, sig, 4);
	for (uint32_t i = 0; i < le32(t + 4); i++)
		sum += t[i];
	if (sum)
		fail_msg("%s checksum off by %u", sig, sum);
	return t;
}

/* Follow RSDP -> XSDT -> tables; return the one with signature sig. */
static const uint8_t *find(const struct machine *m, const char *sig)
{
	const uint8_t *x = table(m, le64(m->ram + m->rsdp + 24), "XSDT");

	for (uint32_t off = 36; off < le32(x + 4); off += 8) {
		const uint8_t *t = m->ram + le64(x + off);

		if (!memcmp(t, sig, 4))
			return table(m, le64(x + off), sig);
	}
	fail_msg("%s not in the XSDT", sig);
	return NULL;
}

static void rsdp_and_roots(void **state)
{
	struct machine m;
	const uint8_t *r, *rsdt;
	uint8_t sum = 0;

	(void)state;
	build(&m, 2);
	r = m.ram + m.rsdp;
	/* An OS scans 0xE0000-0xFFFFF on 16-byte boundaries. */
	assert_int_equal(m.rsdp & 15, 0);
	assert_memory_equal(r, "RSD PTR ", 8);
	for (int i = 0; i < 20; i++)
		sum += r[i];
	assert_int_equal(sum, 0);
	for (int i = 20; i < 36; i++)
		sum += r[i];
	assert_int_equal(sum, 0);
	assert_int_equal(r[15], 2);
	rsdt = table(&m, le32(r + 16), "RSDT");
	assert_int_equal(le32(rsdt + 4), 36 + 3 * 4);
	find(&m, "FACP");
	find(&m, "APIC");
	find(&m, "MCFG");
	free(m.ram);
}

static void fadt_points_at_pm_and_dsdt(void **state)
{
	struct machine m;
	const uint8_t *f;

	(void)state;
	build(&m, 1);
	f = find(&m, "FACP");
	table(&m, le32(f + 40), "DSDT");
	assert_int_equal(le64(f + 140), le32(f + 40));
	assert_memory_equal(m.ram + le32(f + 36), "FACS", 4);
	assert_int_equal(le32(f + 36) & 63, 0);
	assert_int_equal(le32(f + 56), VMM_ACPI_PM_BASE);
	assert_int_equal(le32(f + 64), VMM_ACPI_PM_BASE + 4);
	assert_int_equal(f[46], VMM_ACPI_SCI_IRQ);
	/* No "MSI not supported" bit: the guest must use MSI-X. */
	assert_int_equal(f[109] & (1 << 3), 0);
	free(m.ram);
}

static void madt_lists_every_cpu(void **state)
{
	for (unsigned int ncpus = 1; ncpus <= VMM_MAX_CPUS; ncpus++) {
		struct machine m;
		const uint8_t *t, *p;
		unsigned int cpus = 0, ioapics = 0;

		(void)state;
		build(&m, ncpus);
		t = find(&m, "APIC");
		assert_int_equal(le32(t + 36), VMM_LAPIC_BASE);
		for (p = t + 44; p < t + le32(t + 4); p += p[1]) {
			assert_true(p[1] >= 2);
			if (p[0] == 0) {
				assert_int_equal(p[3], cpus);	/* APIC IDs 0..n-1 */
				assert_int_equal(le32(p + 4) & 1, 1);
				cpus++;
			} else if (p[0] == 1) {
				assert_int_equal(le32(p + 4), VMM_IOAPIC_BASE);
				ioapics++;
			}
		}
		assert_true(p == t + le32(t + 4));
		assert_int_equal(cpus, ncpus);
		assert_int_equal(ioapics, 1);
		free(m.ram);
	}
}

static void mcfg_covers_bus0(void **state)
{
	struct machine m;
	const uint8_t *t;

	(void)state;
	build(&m, 1);
	t = find(&m, "MCFG");
	assert_int_equal(le64(t + 44), VMM_ECAM_BASE);
	assert_int_equal(t[54], 0);
	assert_int_equal(t[55], 0);
	free(m.ram);
}

/* Skip a NameString of one segment, with or without the root prefix. */
static const uint8_t *name(const uint8_t *p, const char *want)
{
	if (*p == '\\')
		p++;
	assert_memory_equal(p, want, 4);
	return p + 4;
}

static void dsdt_structure_and_prt(void **state)
{
	struct machine m;
	const uint8_t *d, *p, *end, *scope_end, *dev_end, *prt_end;
	size_t n, len;
	unsigned int entries = 0;

	(void)state;
	build(&m, 2);
	d = table(&m, le32(find(&m, "FACP") + 40), "DSDT");
	end = d + le32(d + 4);
	p = d + 36;
	/* Name (\_S5_, Package (4) { 5, 5, 0, 0 }) */
	assert_int_equal(*p++, 0x08);
	p = name(p, "_S5_");
	assert_int_equal(*p++, 0x12);
	len = pkglen(p, &n);
	assert_int_equal(p[n], 4);
	{
		const uint8_t *q = p + n + 1;

		assert_int_equal(aml_get_int(&q), 5);
	}
	p += len;
	/* Scope (\_SB_) { Device (PCI0) { ... } } ending with the table. */
	assert_int_equal(*p++, 0x10);
	len = pkglen(p, &n);
	scope_end = p + len;
	assert_true(scope_end == end);
	p = name(p + n, "_SB_");
	assert_int_equal(p[0], 0x5b);
	assert_int_equal(p[1], 0x82);
	p += 2;
	len = pkglen(p, &n);
	dev_end = p + len;
	assert_true(dev_end == scope_end);
	p = name(p + n, "PCI0");
	/* Find Name (_PRT, Package) among the device's names. */
	while (p < dev_end && !(p[0] == 0x08 && !memcmp(p + 1, "_PRT", 4)))
		p++;
	assert_true(p < dev_end);
	p += 5;
	assert_int_equal(*p++, 0x12);
	len = pkglen(p, &n);
	prt_end = p + len;
	assert_true(prt_end == dev_end);
	assert_int_equal(p[n], 31 * 4);
	p += n + 1;
	while (p < prt_end) {
		uint64_t addr, pin, src, gsi;
		const uint8_t *q;

		assert_int_equal(*p++, 0x12);
		len = pkglen(p, &n);
		q = p + n;
		assert_int_equal(*q++, 4);
		addr = aml_get_int(&q);
		pin = aml_get_int(&q);
		src = aml_get_int(&q);
		gsi = aml_get_int(&q);
		assert_true(q == p + len);
		assert_int_equal(addr & 0xffff, 0xffff);
		assert_true(pin < 4);
		assert_int_equal(src, 0);
		/* The GSI the device layer wires for this slot and pin. */
		assert_int_equal(gsi, pa_kvm_intx_gsi((uint8_t)((addr >> 16) << 3),
						      (uint8_t)(pin + 1)));
		p += len;
		entries++;
	}
	assert_int_equal(entries, 31 * 4);
	free(m.ram);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pkglength_boundaries),
		cmocka_unit_test(eisa_ids),
		cmocka_unit_test(integers_are_shortest),
		cmocka_unit_test(rsdp_and_roots),
		cmocka_unit_test(fadt_points_at_pm_and_dsdt),
		cmocka_unit_test(madt_lists_every_cpu),
		cmocka_unit_test(mcfg_covers_bus0),
		cmocka_unit_test(dsdt_structure_and_prt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
