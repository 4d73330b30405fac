// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * PCI bus 0: a fixed host bridge at 00:00.0 and the assigned devices at
 * 00:01.0, 00:02.0, ... (function 0 only), reached through configuration
 * mechanism #1 (ports 0xCF8/0xCFC) and, for the ACPI machine, an ECAM
 * window (MCFG) that reaches the whole 4 KiB. Both go through the same
 * libpciassign config path. vmm_pci_assign_bars() does a firmware's part.
 */
#include <errno.h>
#include <string.h>
#include <linux/pci_regs.h>

#include "vmm.h"

#define PCI_CF8_ENABLE	0x80000000u

/* Host bridge: vendor/device, command, status, class 06.00.00, header 0. */
static uint32_t host_bridge_read(uint16_t off)
{
	switch (off & 0xfc) {
	case PCI_VENDOR_ID:
		return 0x1237u << 16 | 0x8086u;	/* Intel 440FX, as a familiar ID */
	case PCI_COMMAND:
		return PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	case PCI_CLASS_REVISION:
		return 0x06000000u | 0x02;	/* host bridge, revision 2 */
	default:
		return 0;
	}
}

static void pci_cfg(struct vmm_pci *pci, unsigned int bus, unsigned int dev,
		    unsigned int fn, uint16_t off, void *data, unsigned int len,
		    bool is_write)
{
	uint32_t val = 0;

	vmm_stats_config(pci->stats, bus || fn ? 0 : dev, pci->ndev);
	if (bus || fn || (len != 1 && len != 2 && len != 4) || (off & (len - 1)))
		goto none;
	if (dev == 0) {
		if (is_write)
			return;
		val = off < PCI_CFG_SPACE_SIZE ? host_bridge_read(off) >> (8 * (off & 3)) : 0;
		memcpy(data, &val, len);
		return;
	}
	if (dev > pci->ndev)
		goto none;
	if (is_write) {
		memcpy(&val, data, len);
		/* No memory request from the device before guest RAM is mapped. */
		if (off <= PCI_COMMAND && PCI_COMMAND < off + len &&
		    ((val >> (8 * (PCI_COMMAND - off))) & PCI_COMMAND_MASTER) &&
		    vmm_dma_wait(pci->dma))
			return;
		pa_device_config_write(pci->dev[dev - 1], off, len, val);
	} else {
		if (pa_device_config_read(pci->dev[dev - 1], off, len, &val))
			val = 0xffffffffu;
		memcpy(data, &val, len);
	}
	return;
none:
	if (!is_write)
		memset(data, 0xff, len);
}

void vmm_pci_io(struct vmm_pci *pci, uint16_t port, void *data, unsigned int len,
		bool is_write)
{
	uint32_t a = pci->cf8;

	if (port >= 0xcf8 && port < 0xcfc) {
		vmm_stats_config(pci->stats, 0, 0);	/* the address register */
		/* Only dword accesses hit the address register. */
		if (port != 0xcf8 || len != 4) {
			if (!is_write)
				memset(data, 0xff, len);
			return;
		}
		if (is_write)
			memcpy(&pci->cf8, data, 4);
		else
			memcpy(data, &pci->cf8, 4);
		return;
	}
	if (!(a & PCI_CF8_ENABLE)) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	/* Bits 27:24 extend the register number (AMD's extension). */
	pci_cfg(pci, (a >> 16) & 0xff, (a >> 11) & 0x1f, (a >> 8) & 7,
		(uint16_t)((((a >> 16) & 0xf00) | (a & 0xfc)) + (port - 0xcfc)),
		data, len, is_write);
}

void vmm_pci_ecam(struct vmm_pci *pci, uint64_t off, void *data, unsigned int len,
		  bool is_write)
{
	pci_cfg(pci, (unsigned int)(off >> 20), (off >> 15) & 0x1f, (off >> 12) & 7,
		(uint16_t)(off & 0xfff), data, len, is_write);
}

/* ---- BAR placement ------------------------------------------------------ */

struct bar {
	struct pa_device *dev;
	unsigned int reg;		/* config offset of the BAR */
	uint64_t size;
	bool io, is64, rom;
};

static uint32_t cfg_read(struct pa_device *d, uint16_t off, unsigned int len)
{
	uint32_t v = 0xffffffffu;

	pa_device_config_read(d, off, len, &v);
	return v;
}

static uint32_t cfg_read32(struct pa_device *d, uint16_t off)
{
	return cfg_read(d, off, 4);
}

/* Size one BAR the way firmware does: all ones, read back, restore. */
static int probe_bar(struct pa_device *d, unsigned int reg, bool rom, struct bar *b)
{
	uint16_t r = (uint16_t)reg;
	uint32_t orig = cfg_read32(d, r), lo, orig_hi, hi = 0;
	uint64_t mask;

	*b = (struct bar){ .dev = d, .reg = reg, .rom = rom };
	pa_device_config_write(d, r, 4, rom ? PCI_ROM_ADDRESS_MASK : 0xffffffffu);
	lo = cfg_read32(d, r);
	pa_device_config_write(d, r, 4, orig);
	if (rom) {
		mask = lo & PCI_ROM_ADDRESS_MASK;
		if (!mask)
			return 0;
		mask |= 0xffffffff00000000ull;
	} else if (orig & PCI_BASE_ADDRESS_SPACE_IO) {
		b->io = true;
		mask = lo & 0xfffcu;
		if (!mask)
			return 0;
		mask |= 0xffffffffffff0000ull;
	} else {
		b->is64 = (orig & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;
		if (b->is64) {
			orig_hi = cfg_read32(d, (uint16_t)(r + 4));
			pa_device_config_write(d, (uint16_t)(r + 4), 4, 0xffffffffu);
			hi = cfg_read32(d, (uint16_t)(r + 4));
			pa_device_config_write(d, (uint16_t)(r + 4), 4, orig_hi);
		}
		mask = (uint64_t)hi << 32 | (lo & 0xfffffff0u);
		if (!mask)
			return 0;
		if (!b->is64)
			mask |= 0xffffffff00000000ull;
	}
	b->size = ~mask + 1;
	return b->size ? 1 : 0;
}

static void write_bar(const struct bar *b, uint64_t addr)
{
	uint32_t lo = (uint32_t)addr;

	if (b->rom)
		lo &= ~PCI_ROM_ADDRESS_ENABLE;	/* placed, left off: the guest enables it */
	pa_device_config_write(b->dev, (uint16_t)b->reg, 4, lo);
	if (b->is64)
		pa_device_config_write(b->dev, (uint16_t)(b->reg + 4), 4,
				       (uint32_t)(addr >> 32));
}

int vmm_pci_assign_bars(struct vmm_pci *pci)
{
	struct bar bars[VMM_MAX_DEVICES * 7];
	uint64_t mem32 = VMM_PCI_MEM32_BASE, mem64 = VMM_PCI_MEM64_BASE;
	uint32_t io = VMM_PCI_IO_BASE;
	unsigned int n = 0;

	for (unsigned int i = 0; i < pci->ndev; i++) {
		struct pa_device *d = pci->dev[i];
		uint32_t hdr = cfg_read(d, PCI_HEADER_TYPE, 1);

		if ((hdr & 0x7f) != PCI_HEADER_TYPE_NORMAL)
			continue;	/* only type-0 functions are assigned */
		for (unsigned int r = PCI_BASE_ADDRESS_0; r <= PCI_BASE_ADDRESS_5; r += 4) {
			if (probe_bar(d, r, false, &bars[n])) {
				if (bars[n].is64)
					r += 4;
				n++;
			}
		}
		if (probe_bar(d, PCI_ROM_ADDRESS, true, &bars[n]))
			n++;
	}
	/* Largest first, so each stays naturally aligned with little waste. */
	for (unsigned int i = 1; i < n; i++) {
		struct bar t = bars[i];
		unsigned int j = i;

		for (; j > 0 && bars[j - 1].size < t.size; j--)
			bars[j] = bars[j - 1];
		bars[j] = t;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct bar *b = &bars[i];
		uint64_t *cur;
		uint64_t at;

		if (b->io) {
			at = (io + b->size - 1) & ~(b->size - 1);
			if (at + b->size - 1 > VMM_PCI_IO_END)
				return -ENOSPC;
			write_bar(b, at);
			io = (uint32_t)(at + b->size);
			continue;
		}
		/* Big 64-bit BARs above 4 GiB; the rest in the 32-bit window. */
		cur = b->is64 && b->size >= VMM_PCI_MEM32_SIZE / 4 ? &mem64 : &mem32;
		at = (*cur + b->size - 1) & ~(b->size - 1);
		if (cur == &mem32 && at + b->size > VMM_PCI_MEM32_BASE + VMM_PCI_MEM32_SIZE)
			return -ENOSPC;
		if (cur == &mem64 && at + b->size > VMM_PCI_MEM64_BASE + VMM_PCI_MEM64_SIZE)
			return -ENOSPC;
		write_bar(b, at);
		*cur = at + b->size;
	}
	for (unsigned int i = 0; i < pci->ndev; i++) {
		uint8_t slot = (uint8_t)(i + 1);
		uint8_t pin = (uint8_t)cfg_read(pci->dev[i], PCI_INTERRUPT_PIN, 1);
		int gsi = pa_kvm_intx_gsi((uint8_t)(slot << 3), pin);

		/* Interrupt line as firmware reports it; decode on. */
		if (gsi >= 0)
			pa_device_config_write(pci->dev[i], PCI_INTERRUPT_LINE, 1, (uint32_t)gsi);
		pa_device_config_write(pci->dev[i], PCI_COMMAND, 2,
				       cfg_read(pci->dev[i], PCI_COMMAND, 2) |
				       PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
	}
	return 0;
}
