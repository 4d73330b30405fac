// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * PCI configuration mechanism #1 on bus 0: a fixed host bridge at 00:00.0
 * and the assigned devices at 00:01.0, 00:02.0, ... (function 0 only).
 */
#include <string.h>

#include "vmm.h"

#define PCI_CF8_ENABLE	0x80000000u

/* Host bridge: vendor/device, command, status, class 06.00.00, header 0. */
static uint32_t host_bridge_read(uint16_t off)
{
	switch (off & 0xfc) {
	case 0x00:
		return 0x1237u << 16 | 0x8086u;	/* Intel 440FX, as a familiar ID */
	case 0x04:
		return 0x0006u;			/* memory + bus master */
	case 0x08:
		return 0x06000000u | 0x02;	/* host bridge, revision 2 */
	default:
		return 0;
	}
}

static void pci_cfg_access(struct vmm_pci *pci, void *data, unsigned int len,
			   unsigned int byte, bool is_write)
{
	uint32_t a = pci->cf8, val = 0;
	unsigned int bus = (a >> 16) & 0xff, dev = (a >> 11) & 0x1f;
	unsigned int fn = (a >> 8) & 7;
	uint16_t off = (uint16_t)(((a >> 16) & 0xf00) | (a & 0xfc)) + byte;

	if (!(a & PCI_CF8_ENABLE) || bus || fn || (off & (len - 1)))
		goto none;
	if (dev == 0) {
		if (is_write)
			return;
		val = host_bridge_read(off) >> (8 * (off & 3));
		memcpy(data, &val, len);
		return;
	}
	if (dev > pci->ndev)
		goto none;
	if (is_write) {
		memcpy(&val, data, len);
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
	if (port >= 0xcf8 && port < 0xcfc) {
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
	pci_cfg_access(pci, data, len, port - 0xcfc, is_write);
}
