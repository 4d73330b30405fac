// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ACPI tables for the Linux boot, in the BIOS area at 0xE0000 (where an
 * OS scans for the RSDP; the boot protocol also gets its address):
 *   RSDP -> RSDT/XSDT -> FADT (-> FACS, DSDT), MADT, MCFG
 * The FADT describes a legacy (not hardware-reduced) PC so the PIT and
 * the PICs stay in use; its PM1 registers at VMM_ACPI_PM_BASE give the
 * guest an ACPI power-off (S5) and its reset register a reboot. The DSDT
 * holds \_S5 and a PCI root (PNP0A08) with its windows and a static _PRT
 * that routes INTx to GSI 16-19, the same swizzle libpciassign wires
 * (pa_kvm_intx_gsi). The MCFG gives bus 0 an ECAM window, hence 4 KiB
 * config space in the guest.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "vmm.h"

#define ACPI_BASE	0xe0000ull
#define ACPI_AREA	0x20000ull

/* ---- AML encoding: just what the DSDT needs ---------------------------- */

#define AML_MAX		8192

struct aml {
	uint8_t b[AML_MAX];
	size_t len;
	bool overflow;
};

static void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (a->len + n > sizeof(a->b)) {
		a->overflow = true;
		return;
	}
	memcpy(a->b + a->len, p, n);
	a->len += n;
}

static void aml_byte(struct aml *a, uint8_t x)
{
	aml_bytes(a, &x, 1);
}

/* The shortest integer encoding: Zero, One, Byte/Word/DWord/QWordConst. */
static void aml_int(struct aml *a, uint64_t v)
{
	uint8_t prefix;
	size_t n;

	if (v <= 1) {
		aml_byte(a, (uint8_t)v);	/* ZeroOp, OneOp */
		return;
	}
	if (v <= 0xff) {
		prefix = 0x0a;
		n = 1;
	} else if (v <= 0xffff) {
		prefix = 0x0b;
		n = 2;
	} else if (v <= 0xffffffffull) {
		prefix = 0x0c;
		n = 4;
	} else {
		prefix = 0x0e;
		n = 8;
	}
	aml_byte(a, prefix);
	for (size_t i = 0; i < n; i++)
		aml_byte(a, (uint8_t)(v >> (8 * i)));
}

/* A NameString: an optional root prefix and one 4-character segment. */
static void aml_name(struct aml *a, const char *name)
{
	if (name[0] == '\\') {
		aml_byte(a, 0x5c);
		name++;
	}
	aml_bytes(a, name, 4);
}

/* Start an object with a PkgLength: returns where its length goes. */
static size_t aml_open(struct aml *a, const uint8_t *op, size_t oplen)
{
	size_t at;

	aml_bytes(a, op, oplen);
	at = a->len;
	aml_bytes(a, "\0\0\0\0", 4);	/* the longest PkgLength, shrunk later */
	return at;
}

/* PkgLength counts itself: 1 byte up to 63, else 2-4 bytes of 4+8n bits. */
static void aml_close(struct aml *a, size_t at)
{
	size_t body, total, n;
	uint8_t enc[4];

	if (a->overflow)
		return;
	body = a->len - at - 4;
	for (n = 1; n <= 4; n++) {
		total = body + n;
		if (n == 1 ? total < 0x40 : total < (1ull << (4 + 8 * (n - 1))))
			break;
	}
	if (n > 4) {
		a->overflow = true;
		return;
	}
	if (n == 1) {
		enc[0] = (uint8_t)total;
	} else {
		enc[0] = (uint8_t)(((n - 1) << 6) | (total & 0x0f));
		for (size_t i = 1; i < n; i++)
			enc[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	}
	memcpy(a->b + at, enc, n);
	memmove(a->b + at + n, a->b + at + 4, body);
	a->len -= 4 - n;
}

static const uint8_t OP_SCOPE[] = { 0x10 };
static const uint8_t OP_BUFFER[] = { 0x11 };
static const uint8_t OP_PACKAGE[] = { 0x12 };
static const uint8_t OP_DEVICE[] = { 0x5b, 0x82 };
#define AML_NAME_OP	0x08

/* A compressed EISA ID such as "PNP0A03", as a DWordConst. */
static uint32_t eisa_id(const char *id)
{
	uint16_t mfg = (uint16_t)(((id[0] - 0x40) << 10) | ((id[1] - 0x40) << 5) |
				  (id[2] - 0x40));
	uint32_t prod = 0;

	for (int i = 3; i < 7; i++) {
		char c = id[i];

		prod = prod << 4 | (uint32_t)(c <= '9' ? c - '0' : c - 'A' + 10);
	}
	/* Big-endian in memory: manufacturer bytes, then the product. */
	return (uint32_t)(mfg >> 8) | (uint32_t)(mfg & 0xff) << 8 |
	       ((prod >> 8) & 0xff) << 16 | (prod & 0xff) << 24;
}

static void aml_name_int(struct aml *a, const char *name, uint64_t v)
{
	aml_byte(a, AML_NAME_OP);
	aml_name(a, name);
	aml_int(a, v);
}

/* Little-endian fields of resource descriptors. */
static void put_le(uint8_t *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Word/DWord/QWord address space descriptor: a producer window. */
static size_t res_addr(uint8_t *p, unsigned int width, uint8_t type, uint8_t tflags,
		       uint64_t min, uint64_t max)
{
	static const uint8_t tag[] = { [2] = 0x88, [4] = 0x87, [8] = 0x8a };
	size_t len = 3 + 5 * width;	/* after the 3-byte header */

	p[0] = tag[width];
	put_le(p + 1, len, 2);
	p[3] = type;		/* 0 memory, 1 I/O, 2 bus number */
	p[4] = 0x0c;		/* MinFixed, MaxFixed, positive decode, producer */
	p[5] = tflags;
	put_le(p + 6, 0, width);			/* granularity */
	put_le(p + 6 + width, min, width);
	put_le(p + 6 + 2 * width, max, width);
	put_le(p + 6 + 3 * width, 0, width);		/* translation */
	put_le(p + 6 + 4 * width, max - min + 1, width);
	return 3 + len;
}

static void dsdt_pci_root(struct aml *a)
{
	uint8_t crs[256];
	size_t n = 0, at, prt;

	at = aml_open(a, OP_DEVICE, sizeof(OP_DEVICE));
	aml_name(a, "PCI0");
	aml_byte(a, AML_NAME_OP);
	aml_name(a, "_HID");
	aml_int(a, eisa_id("PNP0A08"));
	aml_byte(a, AML_NAME_OP);
	aml_name(a, "_CID");
	aml_int(a, eisa_id("PNP0A03"));
	aml_name_int(a, "_SEG", 0);
	aml_name_int(a, "_BBN", 0);
	aml_name_int(a, "_UID", 0);

	/* Windows: bus 0, all I/O but the config ports, the BAR windows. */
	n += res_addr(crs + n, 2, 2, 0, 0, 0);
	n += res_addr(crs + n, 2, 1, 0x03, 0x0000, 0x0cf7);
	n += res_addr(crs + n, 2, 1, 0x03, 0x0d00, 0xffff);
	n += res_addr(crs + n, 4, 0, 0x01, VMM_PCI_MEM32_BASE,
		      VMM_PCI_MEM32_BASE + VMM_PCI_MEM32_SIZE - 1);
	n += res_addr(crs + n, 8, 0, 0x01, VMM_PCI_MEM64_BASE,
		      VMM_PCI_MEM64_BASE + VMM_PCI_MEM64_SIZE - 1);
	crs[n++] = 0x79;	/* end tag, no checksum */
	crs[n++] = 0;
	aml_byte(a, AML_NAME_OP);
	aml_name(a, "_CRS");
	{
		size_t b = aml_open(a, OP_BUFFER, sizeof(OP_BUFFER));

		aml_int(a, n);
		aml_bytes(a, crs, n);
		aml_close(a, b);
	}

	/* _PRT: slot 1..31, pins INTA..INTD -> GSI 16 + ((slot + pin) & 3). */
	aml_byte(a, AML_NAME_OP);
	aml_name(a, "_PRT");
	prt = aml_open(a, OP_PACKAGE, sizeof(OP_PACKAGE));
	aml_byte(a, 31 * 4);
	for (unsigned int slot = 1; slot < 32; slot++) {
		for (unsigned int pin = 0; pin < 4; pin++) {
			size_t e = aml_open(a, OP_PACKAGE, sizeof(OP_PACKAGE));
			int gsi = pa_kvm_intx_gsi((uint8_t)(slot << 3), (uint8_t)(pin + 1));

			aml_byte(a, 4);
			aml_int(a, (uint64_t)slot << 16 | 0xffff);
			aml_int(a, pin);
			aml_int(a, 0);		/* no link device: a fixed GSI */
			aml_int(a, (uint64_t)gsi);
			aml_close(a, e);
		}
	}
	aml_close(a, prt);
	aml_close(a, at);
}

static void dsdt_body(struct aml *a)
{
	size_t at;

	/* \_S5: SLP_TYP 5 for PM1a and PM1b. */
	aml_byte(a, AML_NAME_OP);
	aml_name(a, "\\_S5_");
	at = aml_open(a, OP_PACKAGE, sizeof(OP_PACKAGE));
	aml_byte(a, 4);
	aml_int(a, 5);
	aml_int(a, 5);
	aml_int(a, 0);
	aml_int(a, 0);
	aml_close(a, at);

	at = aml_open(a, OP_SCOPE, sizeof(OP_SCOPE));
	aml_name(a, "\\_SB_");
	dsdt_pci_root(a);
	aml_close(a, at);
}

/* ---- tables ------------------------------------------------------------ */

struct acpi_writer {
	uint8_t *base;		/* host address of ACPI_BASE */
	uint64_t next;		/* next free offset */
	bool full;
};

static uint64_t acpi_alloc(struct acpi_writer *w, size_t len, size_t align)
{
	uint64_t off = (w->next + align - 1) & ~(uint64_t)(align - 1);

	if (off + len > ACPI_AREA) {
		w->full = true;
		return 0;
	}
	w->next = off + len;
	return off;
}

static uint8_t acpi_sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

/* The 36-byte header; the checksum is set by acpi_seal(). */
static void acpi_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put_le(t + 4, len, 4);
	t[8] = rev;
	memcpy(t + 10, "PCIASN", 6);
	memcpy(t + 16, "PCIASVMM", 8);
	put_le(t + 24, 1, 4);
	memcpy(t + 28, "PCAV", 4);
	put_le(t + 32, 1, 4);
}

static void acpi_seal(uint8_t *t)
{
	uint32_t len = (uint32_t)t[4] | (uint32_t)t[5] << 8 | (uint32_t)t[6] << 16 |
		       (uint32_t)t[7] << 24;

	t[9] = 0;
	t[9] = (uint8_t)-acpi_sum(t, len);
}

/* A Generic Address Structure in system I/O space. */
static void acpi_gas_io(uint8_t *p, uint8_t bits, uint64_t port)
{
	p[0] = 1;		/* system I/O */
	p[1] = bits;
	p[2] = 0;
	p[3] = 1;		/* byte access */
	put_le(p + 4, port, 8);
}

static uint64_t build_fadt(struct acpi_writer *w, uint64_t facs, uint64_t dsdt)
{
	const uint32_t len = 276;
	uint64_t off = acpi_alloc(w, len, 16);
	uint8_t *t = w->base + off;

	if (w->full)
		return 0;
	memset(t, 0, len);
	acpi_header(t, "FACP", len, 6);
	put_le(t + 36, ACPI_BASE + facs, 4);
	put_le(t + 40, ACPI_BASE + dsdt, 4);
	put_le(t + 46, VMM_ACPI_SCI_IRQ, 2);
	/* SMI_CMD 0: always in ACPI mode (PM1_CNT.SCI_EN reads 1). */
	put_le(t + 56, VMM_ACPI_PM_BASE, 4);		/* PM1a_EVT_BLK */
	put_le(t + 64, VMM_ACPI_PM_BASE + 4, 4);	/* PM1a_CNT_BLK */
	put_le(t + 76, VMM_ACPI_PM_BASE + 8, 4);	/* PM_TMR_BLK */
	t[88] = 4;		/* PM1_EVT_LEN */
	t[89] = 2;		/* PM1_CNT_LEN */
	t[91] = 4;		/* PM_TMR_LEN */
	put_le(t + 96, 101, 2);		/* no C2 */
	put_le(t + 98, 1001, 2);	/* no C3 */
	t[108] = 0x32;		/* RTC century register */
	/* IAPC_BOOT_ARCH: no VGA; no 8042 (only its reset line is here). */
	put_le(t + 109, 1u << 2, 2);
	/* WBINVD, C1 on all CPUs, no fixed buttons, reset register. */
	put_le(t + 112, 1u << 0 | 1u << 2 | 1u << 4 | 1u << 5 | 1u << 10, 4);
	acpi_gas_io(t + 116, 8, VMM_RESET_PORT);
	t[128] = 0x06;		/* full reset */
	put_le(t + 132, ACPI_BASE + facs, 8);
	put_le(t + 140, ACPI_BASE + dsdt, 8);
	acpi_seal(t);
	return off;
}

static uint64_t build_madt(struct acpi_writer *w, unsigned int ncpus)
{
	uint32_t len = 44 + 8 * ncpus + 12 + 10 + 6;
	uint64_t off = acpi_alloc(w, len, 16);
	uint8_t *t = w->base + off, *p;

	if (w->full)
		return 0;
	memset(t, 0, len);
	acpi_header(t, "APIC", len, 4);
	put_le(t + 36, VMM_LAPIC_BASE, 4);
	put_le(t + 40, 1, 4);		/* PCAT_COMPAT: there are 8259s */
	p = t + 44;
	for (unsigned int i = 0; i < ncpus; i++, p += 8) {
		p[0] = 0;		/* processor local APIC */
		p[1] = 8;
		p[2] = (uint8_t)i;	/* processor UID */
		p[3] = (uint8_t)i;	/* APIC ID = vCPU index */
		put_le(p + 4, 1, 4);	/* enabled */
	}
	p[0] = 1;			/* I/O APIC, GSIs 0-23 */
	p[1] = 12;
	p[2] = 0;
	put_le(p + 4, VMM_IOAPIC_BASE, 4);
	put_le(p + 8, 0, 4);
	p += 12;
	p[0] = 2;			/* the SCI: ISA IRQ 9, level, active high */
	p[1] = 10;
	p[2] = 0;
	p[3] = VMM_ACPI_SCI_IRQ;
	put_le(p + 4, VMM_ACPI_SCI_IRQ, 4);
	put_le(p + 8, 0x000d, 2);
	p += 10;
	p[0] = 4;			/* LINT1 of every CPU is NMI */
	p[1] = 6;
	p[2] = 0xff;
	put_le(p + 3, 0, 2);
	p[5] = 1;
	acpi_seal(t);
	return off;
}

static uint64_t build_mcfg(struct acpi_writer *w)
{
	const uint32_t len = 60;
	uint64_t off = acpi_alloc(w, len, 16);
	uint8_t *t = w->base + off;

	if (w->full)
		return 0;
	memset(t, 0, len);
	acpi_header(t, "MCFG", len, 1);
	put_le(t + 44, VMM_ECAM_BASE, 8);
	put_le(t + 52, 0, 2);		/* segment 0 */
	t[54] = 0;			/* buses 0..0 */
	t[55] = 0;
	acpi_seal(t);
	return off;
}

int vmm_acpi_build(struct vmm *v, uint64_t *rsdp_gpa)
{
	static struct aml dsdt;
	struct acpi_writer w = { .base = vmm_gpa(&v->mem, ACPI_BASE, ACPI_AREA) };
	uint64_t rsdp, facs, dsdt_off, fadt, madt, mcfg, rsdt, xsdt;
	uint64_t tables[3];
	uint8_t *t;

	if (!w.base)
		return -ENOMEM;
	memset(w.base, 0, ACPI_AREA);
	rsdp = acpi_alloc(&w, 36, 16);

	facs = acpi_alloc(&w, 64, 64);
	t = w.base + facs;
	memcpy(t, "FACS", 4);
	put_le(t + 4, 64, 4);
	t[32] = 2;			/* version */

	dsdt.len = 0;
	dsdt.overflow = false;
	aml_bytes(&dsdt, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
		  36);
	dsdt_body(&dsdt);
	if (dsdt.overflow)
		return -E2BIG;
	dsdt_off = acpi_alloc(&w, dsdt.len, 16);
	if (w.full)
		return -E2BIG;
	t = w.base + dsdt_off;
	memcpy(t, dsdt.b, dsdt.len);
	acpi_header(t, "DSDT", (uint32_t)dsdt.len, 2);
	acpi_seal(t);

	fadt = build_fadt(&w, facs, dsdt_off);
	madt = build_madt(&w, v->ncpus);
	mcfg = build_mcfg(&w);
	tables[0] = fadt;
	tables[1] = madt;
	tables[2] = mcfg;

	rsdt = acpi_alloc(&w, 36 + 4 * 3, 16);
	xsdt = acpi_alloc(&w, 36 + 8 * 3, 16);
	if (w.full)
		return -E2BIG;
	t = w.base + rsdt;
	acpi_header(t, "RSDT", 36 + 4 * 3, 1);
	for (int i = 0; i < 3; i++)
		put_le(t + 36 + 4 * i, ACPI_BASE + tables[i], 4);
	acpi_seal(t);
	t = w.base + xsdt;
	acpi_header(t, "XSDT", 36 + 8 * 3, 1);
	for (int i = 0; i < 3; i++)
		put_le(t + 36 + 8 * i, ACPI_BASE + tables[i], 8);
	acpi_seal(t);

	t = w.base + rsdp;
	memcpy(t, "RSD PTR ", 8);
	memcpy(t + 9, "PCIASN", 6);
	t[15] = 2;
	put_le(t + 16, ACPI_BASE + rsdt, 4);
	put_le(t + 20, 36, 4);
	put_le(t + 24, ACPI_BASE + xsdt, 8);
	t[8] = (uint8_t)-acpi_sum(t, 20);
	t[32] = (uint8_t)-acpi_sum(t, 36);
	*rsdp_gpa = ACPI_BASE + rsdp;
	return 0;
}

/* ---- PM1 registers and the PM timer ------------------------------------ */

#define PM1_SCI_EN	0x0001
#define PM1_SLP_EN	0x2000
#define PM1_SLP_TYP(x)	(((x) >> 10) & 7)
#define PM_TIMER_HZ	3579545ull

static uint32_t pm_timer(void)
{
	struct timespec ts;
	unsigned __int128 ns;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ns = (unsigned __int128)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	return (uint32_t)(ns * PM_TIMER_HZ / 1000000000u) & 0xffffff;
}

void vmm_acpi_pm_io(struct vmm *v, uint16_t off, void *data, unsigned int len,
		    bool is_write)
{
	uint32_t val = 0;

	if (is_write) {
		memcpy(&val, data, len < 4 ? len : 4);
		if (off == 0 && len >= 2) {
			v->pm1_sts &= (uint16_t)~val;	/* write 1 to clear */
		} else if (off == 2 && len >= 2) {
			v->pm1_en = (uint16_t)val;
		} else if (off == 4 && len >= 2) {
			v->pm1_cnt = (uint16_t)(val & ~PM1_SLP_EN);
			if ((val & PM1_SLP_EN) && PM1_SLP_TYP(val) == 5) {
				vmm_log("guest powered off (ACPI S5)");
				vmm_finish(v, 0);
			}
		}
		return;
	}
	switch (off) {
	case 0:
		val = v->pm1_sts;
		break;
	case 2:
		val = v->pm1_en;
		break;
	case 4:
		val = v->pm1_cnt | PM1_SCI_EN;
		break;
	case 8:
		val = pm_timer();
		break;
	default:
		val = 0;
		break;
	}
	memcpy(data, &val, len < 4 ? len : 4);
}
