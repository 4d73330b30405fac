// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * --stats: the exits that reach the VMM, by KVM exit reason and, for port
 * and MMIO exits, by what the guest touched: each assigned function's
 * config space and each of its BARs (0-5, ROM), or the rest of the
 * machine. A mapped BAR access never exits, so its counter stays 0; a
 * trapped one (MSI-X table, PBA, sub-page or I/O BAR) counts one per
 * access. Exits KVM handles itself (HLT, the LAPIC, ...) never reach the
 * VMM and are not here.
 *
 * The guest can ask for a snapshot: a write of N to port VMM_STATS_PORT
 * prints "vmm: stats mark N {json}"; the VMM's end prints "stats end".
 * Counters are cumulative, so a workload between two marks is their
 * difference (the write itself is one I/O exit, in "io_other").
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <linux/pci_regs.h>

#include "vmm.h"

#define BAR_ROM		6

static uint32_t cfg32(struct pa_device *d, uint16_t off)
{
	uint32_t v = 0xffffffffu;

	pa_device_config_read(d, off, 4, &v);
	return v;
}

/*
 * Sizes of every BAR, before the guest runs: all ones, read back, restore
 * (what firmware does; nothing else sees the device yet).
 */
void vmm_stats_init(struct vmm *v)
{
	struct vmm_stats *s = &v->stats;

	for (unsigned int i = 0; i < v->pci.ndev; i++) {
		struct pa_device *d = v->pci.dev[i];

		for (unsigned int b = 0; b <= BAR_ROM; b++) {
			uint16_t reg = (uint16_t)(b == BAR_ROM ? PCI_ROM_ADDRESS :
						  PCI_BASE_ADDRESS_0 + 4 * b);
			uint32_t orig = cfg32(d, reg), lo, hi = 0xffffffffu, orig_hi;
			uint32_t type = orig & PCI_BASE_ADDRESS_MEM_TYPE_MASK;
			bool io = b != BAR_ROM && (orig & PCI_BASE_ADDRESS_SPACE_IO);
			bool is64 = b != BAR_ROM && !io && type == PCI_BASE_ADDRESS_MEM_TYPE_64;
			uint64_t mask;

			pa_device_config_write(d, reg, 4,
					       b == BAR_ROM ? PCI_ROM_ADDRESS_MASK : 0xffffffffu);
			lo = cfg32(d, reg);
			pa_device_config_write(d, reg, 4, orig);
			if (is64 && b < 5) {
				orig_hi = cfg32(d, (uint16_t)(reg + 4));
				pa_device_config_write(d, (uint16_t)(reg + 4), 4, 0xffffffffu);
				hi = cfg32(d, (uint16_t)(reg + 4));
				pa_device_config_write(d, (uint16_t)(reg + 4), 4, orig_hi);
			}
			mask = (uint64_t)(is64 ? hi : io || b == BAR_ROM ? 0 : 0xffffffffu) << 32 |
			       (lo & (io ? ~3u : b == BAR_ROM ? PCI_ROM_ADDRESS_MASK : ~15u));
			if (io)
				mask |= 0xffffffffffff0000ull;	/* 16-bit port space */
			s->bar[i][b].size = mask ? ~mask + 1 : 0;
			s->bar[i][b].io = io;
			s->bar[i][b].is64 = is64;
			if (is64)
				b++;	/* the upper half is not a BAR of its own */
		}
	}
	s->on = true;
}

/* Which function's BAR decodes @addr now (the guest may move BARs). */
static bool locate(struct vmm *v, bool io, uint64_t addr, unsigned int *dev,
		   unsigned int *bar)
{
	struct vmm_stats *s = &v->stats;

	for (unsigned int i = 0; i < v->pci.ndev; i++) {
		struct pa_device *d = v->pci.dev[i];
		uint32_t cmd = cfg32(d, 0x04);

		if (!(cmd & (io ? 1u : 2u)))
			continue;
		for (unsigned int b = 0; b <= BAR_ROM; b++) {
			uint16_t reg = (uint16_t)(b == BAR_ROM ? 0x30 : 0x10 + 4 * b);
			uint64_t base, size = s->bar[i][b].size;
			uint32_t lo;

			if (!size || s->bar[i][b].io != io)
				continue;
			lo = cfg32(d, reg);
			if (b == BAR_ROM && !(lo & 1))
				continue;
			base = lo & (io ? ~3u : b == BAR_ROM ? 0xfffff800u : ~15u);
			if (s->bar[i][b].is64)
				base |= (uint64_t)cfg32(d, (uint16_t)(reg + 4)) << 32;
			if (addr >= base && addr - base < size) {
				*dev = i;
				*bar = b;
				return true;
			}
		}
	}
	return false;
}

/* A port or MMIO exit at @addr; v->lock held. */
void vmm_stats_access(struct vmm *v, bool io, uint64_t addr)
{
	struct vmm_stats *s = &v->stats;
	unsigned int dev, bar;

	if (!s->on)
		return;
	if (io && addr >= 0xcf8 && addr < 0xd00)
		return;		/* counted as config (vmm_stats_config) */
	if (!io && v->linux_boot && addr >= VMM_ECAM_BASE &&
	    addr - VMM_ECAM_BASE < VMM_ECAM_SIZE)
		return;
	if (locate(v, io, addr, &dev, &bar))
		s->bar[dev][bar].exits++;
	else if (io)
		s->io_other++;
	else
		s->mmio_other++;
}

/* A config access to function @dev (1-based slot; 0 or absent: other). */
void vmm_stats_config(struct vmm_stats *s, unsigned int slot, unsigned int ndev)
{
	if (!s || !s->on)
		return;
	if (slot >= 1 && slot <= ndev)
		s->cfg[slot - 1]++;
	else
		s->cfg_other++;
}

static const char *reason_name(unsigned int r)
{
	switch (r) {
	case KVM_EXIT_IO:		return "io";
	case KVM_EXIT_MMIO:		return "mmio";
	case KVM_EXIT_INTR:		return "intr";
	case KVM_EXIT_SHUTDOWN:		return "shutdown";
	case KVM_EXIT_SYSTEM_EVENT:	return "system_event";
	default:			return NULL;
	}
}

/* One line: "vmm: stats WHAT {json}"; v->lock held. */
void vmm_stats_print(struct vmm *v, const char *what)
{
	struct vmm_stats *s = &v->stats;
	char buf[4096];
	size_t n = 0;
	bool first = true;

	if (!s->on)
		return;
#define OUT(...) (n += (size_t)snprintf(buf + n, n < sizeof(buf) ? sizeof(buf) - n : 0, __VA_ARGS__))
	OUT("{\"exits\":{");
	for (unsigned int r = 0; r < VMM_STATS_REASONS; r++) {
		uint64_t c = __atomic_load_n(&s->reason[r], __ATOMIC_RELAXED);
		const char *name = reason_name(r);

		if (!c)
			continue;
		if (name)
			OUT("%s\"%s\":%" PRIu64, first ? "" : ",", name, c);
		else
			OUT("%s\"reason%u\":%" PRIu64, first ? "" : ",", r, c);
		first = false;
	}
	OUT("},\"config_other\":%" PRIu64 ",\"io_other\":%" PRIu64 ",\"mmio_other\":%" PRIu64
	    ",\"devices\":[", s->cfg_other, s->io_other, s->mmio_other);
	for (unsigned int i = 0; i < v->pci.ndev; i++) {
		OUT("%s{\"slot\":%u,\"config\":%" PRIu64 ",\"bars\":[", i ? "," : "", i + 1,
		    s->cfg[i]);
		for (unsigned int b = 0; b < BAR_ROM; b++)
			OUT("%s%" PRIu64, b ? "," : "", s->bar[i][b].exits);
		OUT("],\"rom\":%" PRIu64 "}", s->bar[i][BAR_ROM].exits);
	}
	OUT("]}");
#undef OUT
	if (n >= sizeof(buf))
		vmm_log("stats %s: too many to print", what);
	else
		vmm_log("stats %s %s", what, buf);
}
