// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vCPUs: one thread each, running KVM_RUN and handing port and MMIO exits
 * to the device models under the VMM lock (the models and libpciassign are
 * not thread-safe; exits are rare next to direct BAR access and irqfds).
 * The main thread stops them with immediate_exit and a kick signal.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm.h"

/* ---- CPUID ---------------------------------------------------------------- */

static struct kvm_cpuid2 *supported_cpuid(int kvm_fd)
{
	struct kvm_cpuid2 *c;
	int n = 100;

	for (;;) {
		c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c)
			return NULL;
		c->nent = (uint32_t)n;
		if (!ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c))
			return c;
		free(c);
		if (errno != E2BIG || n > 4000)
			return NULL;
		n *= 2;
	}
}

static unsigned int order_of(unsigned int n)
{
	unsigned int b = 0;

	while ((1u << b) < n)
		b++;
	return b;
}

/*
 * What KVM supports, plus what only the VMM knows: this vCPU's APIC ID and
 * the package's size (leaves 1, 0xB, 0x1F, 0x8000_0008, 0x8000_001E), the
 * hypervisor bit, and the TSC-deadline timer the in-kernel LAPIC emulates.
 */
static int setup_cpuid(struct vmm *v, struct vmm_vcpu *c, const struct kvm_cpuid2 *sup,
		       bool tsc_deadline)
{
	size_t sz = sizeof(*sup) + sup->nent * sizeof(sup->entries[0]);
	struct kvm_cpuid2 *cp = malloc(sz);
	int ret;

	if (!cp)
		return -ENOMEM;
	memcpy(cp, sup, sz);
	for (uint32_t i = 0; i < cp->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cp->entries[i];

		switch (e->function) {
		case 1:
			e->ebx = (e->ebx & 0x0000ffffu) | c->id << 24 | v->ncpus << 16;
			if (v->ncpus > 1)
				e->edx |= 1u << 28;	/* HTT: EBX[23:16] is valid */
			e->ecx |= 1u << 31;		/* running under a hypervisor */
			if (tsc_deadline)
				e->ecx |= 1u << 24;
			break;
		case 0xb:
		case 0x1f:
			e->edx = c->id;
			break;
		case 0x80000008:
			e->ecx = (e->ecx & ~0xf0ffu) | (v->ncpus - 1) |
				 order_of(v->ncpus) << 12;
			break;
		case 0x8000001e:
			e->eax = c->id;
			e->ebx = c->id;		/* one thread per core */
			e->ecx = 0;
			break;
		default:
			break;
		}
	}
	ret = ioctl(c->fd, KVM_SET_CPUID2, cp) ? -errno : 0;
	free(cp);
	return ret;
}

/* LINT0 as ExtINT and LINT1 as NMI, as PC firmware leaves them. */
static int setup_lapic(struct vmm_vcpu *c)
{
	struct kvm_lapic_state s;
	uint32_t v;

	if (ioctl(c->fd, KVM_GET_LAPIC, &s))
		return -errno;
	v = 0x700;			/* delivery mode ExtINT */
	memcpy(&s.regs[0x350], &v, 4);
	v = 0x400;			/* delivery mode NMI */
	memcpy(&s.regs[0x360], &v, 4);
	return ioctl(c->fd, KVM_SET_LAPIC, &s) ? -errno : 0;
}

int vmm_vcpus_create(struct vmm *v)
{
	struct kvm_cpuid2 *sup;
	bool tsc_deadline;
	int mmap_size, ret = 0;

	mmap_size = ioctl(v->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size <= 0)
		return -EINVAL;
	v->run_size = (size_t)mmap_size;
	sup = supported_cpuid(v->kvm_fd);
	if (!sup)
		vmm_log("KVM_GET_SUPPORTED_CPUID failed: the vCPUs keep KVM's default CPUID");
	tsc_deadline = ioctl(v->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	for (unsigned int i = 0; i < v->ncpus; i++) {
		struct vmm_vcpu *c = &v->vcpu[i];

		c->v = v;
		c->id = i;
		c->fd = ioctl(v->vm_fd, KVM_CREATE_VCPU, (unsigned long)i);
		if (c->fd < 0) {
			ret = -errno;
			vmm_log("KVM_CREATE_VCPU %u: %s", i, strerror(errno));
			break;
		}
		c->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
		if (c->run == MAP_FAILED) {
			c->run = NULL;
			ret = -errno;
			break;
		}
		if (sup) {
			ret = setup_cpuid(v, c, sup, tsc_deadline);
			if (ret) {
				vmm_log("CPUID of vCPU %u: %s", i, strerror(-ret));
				break;
			}
		}
		if (v->linux_boot) {
			ret = setup_lapic(c);
			if (ret) {
				vmm_log("LAPIC of vCPU %u: %s", i, strerror(-ret));
				break;
			}
		}
	}
	free(sup);
	return ret;
}

/* GDT with a 64-bit code and a data descriptor, 4 GiB identity map. */
int vmm_cpu_long_mode(struct vmm_vcpu *c, uint64_t gdt_gpa, uint64_t pml4_gpa,
		      uint16_t cs_sel, uint16_t ds_sel)
{
	struct vmm *v = c->v;
	uint64_t *gdt = vmm_gpa(&v->mem, gdt_gpa, 8 * 4);
	uint64_t *pml4 = vmm_gpa(&v->mem, pml4_gpa, 6 * 4096);
	uint64_t *pdpt, *pd;
	struct kvm_sregs sregs;
	struct kvm_segment cs = {
		.base = 0, .limit = 0xffffffff, .selector = cs_sel, .type = 11,
		.present = 1, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment ds = {
		.base = 0, .limit = 0xffffffff, .selector = ds_sel, .type = 3,
		.present = 1, .s = 1, .db = 1, .g = 1,
	};

	if (!gdt || !pml4)
		return -ENOMEM;
	pdpt = pml4 + 512;
	pd = pdpt + 512;
	memset(gdt, 0, 8 * 4);
	gdt[cs_sel >> 3] = 0x00af9b000000ffffull;	/* 64-bit code */
	gdt[ds_sel >> 3] = 0x00cf93000000ffffull;	/* data */
	memset(pml4, 0, 4096 * 2);
	pml4[0] = (pml4_gpa + 0x1000) | 3;
	for (unsigned int i = 0; i < 4; i++)
		pdpt[i] = (pml4_gpa + 0x2000 + 0x1000 * i) | 3;
	for (uint64_t i = 0; i < 4 * 512; i++) {
		uint64_t addr = i << 21;

		/* 2 MiB pages; PCD|PWT above 3 GiB where MMIO and the APICs live. */
		pd[i] = addr | 0x83 | (addr >= 0xc0000000ull ? 0x18 : 0);
	}
	if (ioctl(c->fd, KVM_GET_SREGS, &sregs))
		return -errno;
	sregs.cs = cs;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = ds;
	sregs.gdt.base = gdt_gpa;
	sregs.gdt.limit = 4 * 8 - 1;
	sregs.cr3 = pml4_gpa;
	sregs.cr4 = 0x20 | 0x200 | 0x400;	/* PAE, OSFXSR, OSXMMEXCPT */
	sregs.cr0 = 0x80050033;			/* PG, WP, NE, ET, MP, PE */
	sregs.efer = 0x500;			/* LME, LMA */
	return ioctl(c->fd, KVM_SET_SREGS, &sregs) ? -errno : 0;
}

/* ---- exits ------------------------------------------------------------------ */

static void dump_regs(struct vmm_vcpu *c)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	if (ioctl(c->fd, KVM_GET_REGS, &regs) || ioctl(c->fd, KVM_GET_SREGS, &sregs))
		return;
	vmm_log("vCPU %u: rip %#llx rsp %#llx rax %#llx cr0 %#llx cr3 %#llx efer %#llx",
		c->id, regs.rip, regs.rsp, regs.rax, sregs.cr0, sregs.cr3, sregs.efer);
}

/* One port access; called with the VMM lock held. */
static void port_io(struct vmm *v, uint16_t port, uint8_t *p, unsigned int size, bool wr)
{
	if (port >= VMM_SERIAL_BASE && port < VMM_SERIAL_BASE + 8) {
		if (size == 1)
			vmm_serial_io(v, port - VMM_SERIAL_BASE, p, wr);
		else if (!wr)
			memset(p, 0xff, size);
	} else if (v->linux_boot && port == VMM_RESET_PORT && size == 1) {
		/* ACPI reset register / PIIX reset control: bit 2 resets. */
		if (wr && (*p & 0x04)) {
			vmm_log("guest reset (port %#x)", port);
			vmm_finish(v, VMM_EXIT_REBOOT);
		} else if (!wr) {
			*p = 0;
		}
	} else if (port >= 0xcf8 && port < 0xd00) {
		vmm_pci_io(&v->pci, port, p, size, wr);
	} else if (port == VMM_EXIT_PORT && wr && !v->linux_boot) {
		vmm_serial_flush(&v->serial);
		vmm_finish(v, *p > 99 ? 99 : *p);
	} else if (v->linux_boot && (port == 0x70 || port == 0x71) && size == 1) {
		vmm_rtc_io(&v->rtc, port, p, wr);
	} else if (v->linux_boot && port == 0x64) {
		/* i8042: only the reset line; the status reads empty. */
		if (wr && *p == 0xfe) {
			vmm_log("guest reset (i8042)");
			vmm_finish(v, VMM_EXIT_REBOOT);
		} else if (!wr) {
			memset(p, 0, size);
		}
	} else if (v->linux_boot && port >= VMM_ACPI_PM_BASE && port < VMM_ACPI_PM_BASE + 12) {
		vmm_acpi_pm_io(v, port - VMM_ACPI_PM_BASE, p, size, wr);
	} else if (port == VMM_STATS_PORT && v->stats.on) {
		if (wr) {
			char what[24];
			uint32_t mark = 0;

			memcpy(&mark, p, size < 4 ? size : 4);
			snprintf(what, sizeof(what), "mark %u", mark);
			v->stats.io_other++;
			vmm_stats_print(v, what);
		} else {
			memset(p, 0, size);
		}
	} else if (!pa_kvm_dispatch(v->kvm, true, port, p, size, wr)) {
		if (!wr)
			memset(p, 0xff, size);
	}
}

static void handle_io(struct vmm_vcpu *c)
{
	struct kvm_run *r = c->run;
	uint8_t *p = (uint8_t *)r + r->io.data_offset;
	bool wr = r->io.direction == KVM_EXIT_IO_OUT;

	pthread_mutex_lock(&c->v->lock);
	for (uint32_t i = 0; i < r->io.count; i++, p += r->io.size) {
		if (r->io.port != VMM_STATS_PORT)
			vmm_stats_access(c->v, true, r->io.port);
		port_io(c->v, r->io.port, p, r->io.size, wr);
	}
	pthread_mutex_unlock(&c->v->lock);
}

static void handle_mmio(struct vmm_vcpu *c)
{
	struct kvm_run *r = c->run;
	struct vmm *v = c->v;
	uint64_t a = r->mmio.phys_addr;

	pthread_mutex_lock(&v->lock);
	vmm_stats_access(v, false, a);
	if (v->linux_boot && a >= VMM_ECAM_BASE && a - VMM_ECAM_BASE < VMM_ECAM_SIZE) {
		vmm_pci_ecam(&v->pci, a - VMM_ECAM_BASE, r->mmio.data, r->mmio.len,
			     r->mmio.is_write);
	} else if (!pa_kvm_dispatch(v->kvm, false, a, r->mmio.data, r->mmio.len,
				    r->mmio.is_write)) {
		if (v->verbose)
			vmm_log("unclaimed MMIO %s %#llx len %u",
				r->mmio.is_write ? "write" : "read",
				(unsigned long long)a, r->mmio.len);
		if (!r->mmio.is_write)
			memset(r->mmio.data, 0xff, sizeof(r->mmio.data));
	}
	pthread_mutex_unlock(&v->lock);
}

static bool vmm_done(struct vmm *v)
{
	bool done;

	pthread_mutex_lock(&v->lock);
	done = v->status >= 0;
	pthread_mutex_unlock(&v->lock);
	return done;
}

static void finish(struct vmm *v, int status)
{
	pthread_mutex_lock(&v->lock);
	vmm_finish(v, status);
	pthread_mutex_unlock(&v->lock);
}

static void *vcpu_thread(void *arg)
{
	struct vmm_vcpu *c = arg;
	struct vmm *v = c->v;
	sigset_t kick;

	sigemptyset(&kick);
	sigaddset(&kick, VMM_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	while (!vmm_done(v)) {
		if (ioctl(c->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				c->run->immediate_exit = 0;
				continue;
			}
			vmm_log("vCPU %u: KVM_RUN: %s", c->id, strerror(errno));
			dump_regs(c);
			finish(v, VMM_EXIT_GUEST_CRASH);
			break;
		}
		if (v->stats.on && c->run->exit_reason < VMM_STATS_REASONS)
			__atomic_fetch_add(&v->stats.reason[c->run->exit_reason], 1,
					   __ATOMIC_RELAXED);
		switch (c->run->exit_reason) {
		case KVM_EXIT_IO:
			handle_io(c);
			break;
		case KVM_EXIT_MMIO:
			handle_mmio(c);
			break;
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_SHUTDOWN:
			/* A triple fault is how a PC resets; Linux uses it last. */
			vmm_log("vCPU %u: guest shut down (triple fault)", c->id);
			dump_regs(c);
			finish(v, v->linux_boot ? VMM_EXIT_REBOOT : VMM_EXIT_GUEST_CRASH);
			break;
		case KVM_EXIT_FAIL_ENTRY:
			vmm_log("vCPU %u: VM entry failed: reason %#llx", c->id,
				(unsigned long long)c->run->fail_entry.hardware_entry_failure_reason);
			finish(v, VMM_EXIT_GUEST_CRASH);
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			vmm_log("vCPU %u: KVM internal error, suberror %u", c->id,
				c->run->internal.suberror);
			dump_regs(c);
			finish(v, VMM_EXIT_GUEST_CRASH);
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			vmm_log("vCPU %u: system event %u", c->id, c->run->system_event.type);
			finish(v, c->run->system_event.type == KVM_SYSTEM_EVENT_RESET ?
				   VMM_EXIT_REBOOT : 0);
			break;
		default:
			vmm_log("vCPU %u: unexpected exit reason %u", c->id, c->run->exit_reason);
			dump_regs(c);
			finish(v, VMM_EXIT_GUEST_CRASH);
			break;
		}
	}
	return NULL;
}

static void on_kick(int sig)
{
	(void)sig;
}

int vmm_vcpus_run(struct vmm *v)
{
	struct sigaction sa = { .sa_handler = on_kick };

	/* No SA_RESTART: KVM_RUN must come back with EINTR. */
	sigemptyset(&sa.sa_mask);
	sigaction(VMM_KICK_SIGNAL, &sa, NULL);
	for (unsigned int i = 0; i < v->ncpus; i++) {
		int ret = -pthread_create(&v->vcpu[i].thread, NULL, vcpu_thread, &v->vcpu[i]);

		if (ret)
			return ret;
		v->vcpu[i].started = true;
	}
	return 0;
}

void vmm_vcpus_stop(struct vmm *v)
{
	for (unsigned int i = 0; i < v->ncpus; i++) {
		struct vmm_vcpu *c = &v->vcpu[i];

		if (!c->started)
			continue;
		c->run->immediate_exit = 1;
		pthread_kill(c->thread, VMM_KICK_SIGNAL);
	}
	for (unsigned int i = 0; i < v->ncpus; i++) {
		struct vmm_vcpu *c = &v->vcpu[i];

		if (!c->started)
			continue;
		/* A vCPU halted in the kernel needs the kick again. */
		while (pthread_tryjoin_np(c->thread, NULL)) {
			c->run->immediate_exit = 1;
			pthread_kill(c->thread, VMM_KICK_SIGNAL);
			usleep(1000);
		}
		c->started = false;
	}
}
