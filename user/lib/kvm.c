// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * KVM wiring: struct pa_vm_ops over a KVM VM fd. Keeps the memslot and GSI
 * allocations, the whole GSI routing table (KVM_SET_GSI_ROUTING replaces it
 * at once, so one owner must hold it) and a table of trapped ranges that
 * the VMM's exit loop consults through pa_kvm_dispatch().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "libpciassign.h"

#define PA_KVM_MAX_SLOTS	256
#define PA_KVM_IOAPIC_PINS	24
#define PA_KVM_PIC_PINS		16
#define PA_KVM_MAX_GSI		1024	/* GSIs >= 24 are ours for MSI routes */

struct pa_kvm_trap {
	bool io;
	uint64_t addr, size;
	pa_trap_fn fn;
	void *arg;
};

struct pa_kvm_msi {
	bool routed;
	uint64_t addr;
	uint32_t data;
};

struct pa_kvm {
	int vm_fd;
	int max_slots;
	bool slot_used[PA_KVM_MAX_SLOTS];
	bool gsi_used[PA_KVM_MAX_GSI];
	struct pa_kvm_msi msi[PA_KVM_MAX_GSI];
	struct pa_kvm_trap *traps;
	size_t ntraps, traps_cap;
};

int pa_kvm_intx_gsi(uint8_t devfn, uint8_t pin)
{
	if (pin < 1 || pin > 4)
		return -EINVAL;
	return 16 + (((devfn >> 3) + pin - 1) & 3);
}

/* Rebuild the routing table: irqchip defaults, then every MSI route. */
static int pa_kvm_commit_routes(struct pa_kvm *k)
{
	struct kvm_irq_routing *r;
	struct kvm_irq_routing_entry *e;
	size_t n = PA_KVM_IOAPIC_PINS + PA_KVM_PIC_PINS;
	int gsi, ret;

	for (gsi = PA_KVM_IOAPIC_PINS; gsi < PA_KVM_MAX_GSI; gsi++)
		n += k->msi[gsi].routed;
	r = calloc(1, sizeof(*r) + n * sizeof(*e));
	if (!r)
		return -ENOMEM;
	e = r->entries;
	for (gsi = 0; gsi < PA_KVM_IOAPIC_PINS; gsi++) {
		if (gsi < PA_KVM_PIC_PINS) {
			e->gsi = gsi;
			e->type = KVM_IRQ_ROUTING_IRQCHIP;
			e->u.irqchip.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER :
							 KVM_IRQCHIP_PIC_SLAVE;
			e->u.irqchip.pin = gsi & 7;
			e++;
		}
		e->gsi = gsi;
		e->type = KVM_IRQ_ROUTING_IRQCHIP;
		e->u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		e->u.irqchip.pin = gsi;
		e++;
	}
	for (gsi = PA_KVM_IOAPIC_PINS; gsi < PA_KVM_MAX_GSI; gsi++) {
		if (!k->msi[gsi].routed)
			continue;
		e->gsi = gsi;
		e->type = KVM_IRQ_ROUTING_MSI;
		e->u.msi.address_lo = (uint32_t)k->msi[gsi].addr;
		e->u.msi.address_hi = (uint32_t)(k->msi[gsi].addr >> 32);
		e->u.msi.data = k->msi[gsi].data;
		e++;
	}
	r->nr = (uint32_t)n;
	ret = ioctl(k->vm_fd, KVM_SET_GSI_ROUTING, r) ? -errno : 0;
	free(r);
	return ret;
}

int pa_kvm_new(int vm_fd, struct pa_kvm **out)
{
	struct pa_kvm *k;
	int n, ret;

	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->vm_fd = vm_fd;
	n = ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
	k->max_slots = n > 0 && n < PA_KVM_MAX_SLOTS ? n : PA_KVM_MAX_SLOTS;
	/* The irqfd paths need these; fail early with a clear errno. */
	if (ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING) <= 0 ||
	    ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD) <= 0) {
		free(k);
		return -EOPNOTSUPP;
	}
	ret = pa_kvm_commit_routes(k);
	if (ret) {
		free(k);
		return ret;
	}
	*out = k;
	return 0;
}

void pa_kvm_free(struct pa_kvm *k)
{
	if (!k)
		return;
	free(k->traps);
	free(k);
}

static int pa_kvm_memslot_set(void *opaque, int *slot, uint64_t gpa,
			      uint64_t size, void *hva)
{
	struct pa_kvm *k = opaque;
	struct kvm_userspace_memory_region mr = { 0 };
	int s = *slot;

	if (s < 0) {
		if (!size)
			return -EINVAL;
		for (s = 0; s < k->max_slots && k->slot_used[s]; s++)
			;
		if (s == k->max_slots)
			return -ENOSPC;
	} else if (s >= k->max_slots || !k->slot_used[s]) {
		return -EINVAL;
	}
	mr.slot = (uint32_t)s;
	mr.guest_phys_addr = gpa;
	mr.memory_size = size;
	mr.userspace_addr = size ? (uint64_t)(uintptr_t)hva : 0;
	if (ioctl(k->vm_fd, KVM_SET_USER_MEMORY_REGION, &mr))
		return -errno;
	k->slot_used[s] = size != 0;
	*slot = size ? s : -1;
	return 0;
}

int pa_kvm_add_ram(struct pa_kvm *k, uint64_t gpa, uint64_t size, void *hva)
{
	int slot = -1;

	return pa_kvm_memslot_set(k, &slot, gpa, size, hva);
}

static int pa_kvm_trap_set(void *opaque, bool io, uint64_t addr, uint64_t size,
			   pa_trap_fn fn, void *arg)
{
	struct pa_kvm *k = opaque;
	struct pa_kvm_trap *t;
	size_t i;

	if (!fn) {
		for (i = 0; i < k->ntraps; i++) {
			if (k->traps[i].io == io && k->traps[i].addr == addr) {
				k->traps[i] = k->traps[--k->ntraps];
				return 0;
			}
		}
		return -ENOENT;
	}
	if (!size || addr + size < addr)
		return -EINVAL;
	for (i = 0; i < k->ntraps; i++) {
		t = &k->traps[i];
		if (t->io == io && addr < t->addr + t->size && t->addr < addr + size)
			return -EEXIST;
	}
	if (k->ntraps == k->traps_cap) {
		size_t cap = k->traps_cap ? k->traps_cap * 2 : 16;

		t = realloc(k->traps, cap * sizeof(*t));
		if (!t)
			return -ENOMEM;
		k->traps = t;
		k->traps_cap = cap;
	}
	k->traps[k->ntraps++] = (struct pa_kvm_trap){ io, addr, size, fn, arg };
	return 0;
}

bool pa_kvm_dispatch(struct pa_kvm *k, bool io, uint64_t addr, void *data,
		     unsigned int len, bool is_write)
{
	size_t i;

	for (i = 0; i < k->ntraps; i++) {
		struct pa_kvm_trap *t = &k->traps[i];

		if (t->io != io || addr < t->addr || addr - t->addr >= t->size)
			continue;
		/* An access straddling the end is cut to what the trap covers. */
		if (addr - t->addr + len > t->size) {
			if (!is_write)
				memset(data, 0xff, len);
			len = (unsigned int)(t->size - (addr - t->addr));
		}
		t->fn(t->arg, addr - t->addr, data, len, is_write);
		return true;
	}
	return false;
}

static int pa_kvm_gsi_alloc(void *opaque)
{
	struct pa_kvm *k = opaque;
	int gsi;

	for (gsi = PA_KVM_IOAPIC_PINS; gsi < PA_KVM_MAX_GSI; gsi++) {
		if (!k->gsi_used[gsi]) {
			k->gsi_used[gsi] = true;
			return gsi;
		}
	}
	return -ENOSPC;
}

static void pa_kvm_gsi_free(void *opaque, int gsi)
{
	struct pa_kvm *k = opaque;

	if (gsi < PA_KVM_IOAPIC_PINS || gsi >= PA_KVM_MAX_GSI || !k->gsi_used[gsi])
		return;
	k->gsi_used[gsi] = false;
	if (k->msi[gsi].routed) {
		k->msi[gsi].routed = false;
		pa_kvm_commit_routes(k);
	}
}

static int pa_kvm_gsi_set_msi(void *opaque, int gsi, uint64_t addr,
			      uint32_t data)
{
	struct pa_kvm *k = opaque;
	struct pa_kvm_msi *m;

	if (gsi < PA_KVM_IOAPIC_PINS || gsi >= PA_KVM_MAX_GSI || !k->gsi_used[gsi])
		return -EINVAL;
	m = &k->msi[gsi];
	if (m->routed && m->addr == addr && m->data == data)
		return 0;
	m->routed = true;
	m->addr = addr;
	m->data = data;
	return pa_kvm_commit_routes(k);
}

static int pa_kvm_irqfd(void *opaque, int gsi, int fd, int resample_fd,
			bool assign)
{
	struct pa_kvm *k = opaque;
	struct kvm_irqfd irqfd = {
		.fd = (uint32_t)fd,
		.gsi = (uint32_t)gsi,
	};

	if (!assign) {
		irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
	} else if (resample_fd >= 0) {
		irqfd.flags = KVM_IRQFD_FLAG_RESAMPLE;
		irqfd.resamplefd = (uint32_t)resample_fd;
	}
	return ioctl(k->vm_fd, KVM_IRQFD, &irqfd) ? -errno : 0;
}

static int pa_kvm_intx_gsi_op(void *opaque, uint8_t devfn, uint8_t pin)
{
	(void)opaque;
	return pa_kvm_intx_gsi(devfn, pin);
}

const struct pa_vm_ops pa_kvm_vm_ops = {
	.memslot_set = pa_kvm_memslot_set,
	.trap_set = pa_kvm_trap_set,
	.gsi_alloc = pa_kvm_gsi_alloc,
	.gsi_free = pa_kvm_gsi_free,
	.gsi_set_msi = pa_kvm_gsi_set_msi,
	.irqfd = pa_kvm_irqfd,
	.intx_gsi = pa_kvm_intx_gsi_op,
};
