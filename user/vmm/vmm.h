/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pciassign-vmm: a small KVM VMM for device assignment. It runs either a
 * flat test payload (payload.c) or a Linux bzImage (linux.c) on an
 * ACPI-described PC: in-kernel PIC/IOAPIC/LAPIC and PIT, an 8250 UART,
 * a CMOS RTC, the i8042 reset line, ACPI power management, and PCI bus 0
 * with the assigned devices.
 */
#ifndef PA_VMM_H
#define PA_VMM_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <linux/kvm.h>

#include "libpciassign.h"

/* Exit statuses besides the payload's own verdict (0 pass, 1..99 fail). */
#define VMM_EXIT_ERROR		100	/* setup failed, bad arguments */
#define VMM_EXIT_GUEST_CRASH	101	/* shutdown, internal error, bad exit */
#define VMM_EXIT_SIGNAL		102	/* stopped by SIGTERM/SIGINT/timeout */
#define VMM_EXIT_RELEASED	103	/* stopped: the host wants a device back */
#define VMM_EXIT_REBOOT		104	/* the guest asked for a reset */

/* Sent to the VMM by its release watcher (release.c). */
#define VMM_RELEASE_SIGNAL	SIGUSR1
/* A vCPU thread tells the main thread the guest has finished. */
#define VMM_DONE_SIGNAL		SIGUSR2
/* The main thread kicks vCPU threads out of KVM_RUN. */
#define VMM_KICK_SIGNAL		(SIGRTMIN + 1)

#define VMM_MAX_DEVICES		8	/* at 00:01.0 .. 00:08.0 */
#define VMM_MAX_CPUS		8

/* Guest-physical layout (memory.c, pci.c, acpi.c). */
#define VMM_LOW_RAM_MAX		0xc0000000ull	/* RAM below the PCI hole */
#define VMM_HIGH_RAM_BASE	0x100000000ull
#define VMM_PCI_MEM32_BASE	0xc0000000ull	/* 32-bit BAR window */
#define VMM_PCI_MEM32_SIZE	0x20000000ull
#define VMM_ECAM_BASE		0xe0000000ull	/* bus 0 only: 1 MiB */
#define VMM_ECAM_SIZE		0x100000ull
#define VMM_IOAPIC_BASE		0xfec00000ull
#define VMM_LAPIC_BASE		0xfee00000ull
#define VMM_PCI_MEM64_BASE	0x1000000000ull	/* 64-bit BAR window, 64 GiB */
#define VMM_PCI_MEM64_SIZE	0x1000000000ull
#define VMM_PCI_IO_BASE		0xc000u		/* I/O BARs go here */
#define VMM_PCI_IO_END		0xffffu

/* Legacy ports. */
#define VMM_SERIAL_BASE		0x3f8
#define VMM_SERIAL_IRQ		4
#define VMM_EXIT_PORT		0x501		/* the payload's verdict */
#define VMM_STATS_PORT		0x502		/* --stats: the guest's marks */
#define VMM_ACPI_PM_BASE	0x600		/* PM1a_EVT (4), PM1a_CNT (2), PM_TMR (4) */
#define VMM_ACPI_SCI_IRQ	9
#define VMM_RESET_PORT		0xcf9		/* ACPI reset register */

/* The emulated PCI bus 0: host bridge at 00:00.0, devices after it. */
struct vmm_pci {
	uint32_t cf8;			/* config address register */
	struct vmm_dma *dma;		/* Bus Master Enable waits for it */
	struct vmm_stats *stats;	/* config accesses counted there */
	struct pa_device *dev[VMM_MAX_DEVICES];
	unsigned int ndev;
};

/* Guest RAM: one memfd, low part at 0, the rest above 4 GiB. */
struct vmm_mem {
	uint8_t *hva;
	uint64_t size;			/* total */
	uint64_t low, high;		/* bytes below the hole, above 4 GiB */
	int fd;
};

struct vmm_serial {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thr_irq;			/* THR-empty interrupt pending */
	bool level;			/* the line as last driven */
	uint8_t rx[64];
	unsigned int rx_head, rx_len;
	char line[512];
	size_t line_len;
	bool unbuffered;		/* interactive: write every byte at once */
};

struct vmm_rtc {
	uint8_t index;
	uint8_t ram[128];
};

/* Guest RAM mapped for DMA in the background (dma.c). */
#define VMM_PREFAULT_THREADS	4
#define VMM_PREFAULT_GRAIN	(2ull << 20)

struct vmm_dma_slice {
	uint8_t *start;
	size_t len;
};

struct vmm_dma {
	pthread_t prefault[VMM_PREFAULT_THREADS];
	struct vmm_dma_slice slice[VMM_PREFAULT_THREADS];
	unsigned int nprefault;		/* prefault threads to join */
	pthread_t thread;		/* the mapping thread */
	bool started;
	pthread_mutex_t lock;		/* done, error */
	pthread_cond_t cond;
	bool done;
	int error;			/* of the mapping, negative errno */
	bool mapped_low, mapped_high;
	struct timespec t0;
};

/* --stats (stats.c): exits that reach the VMM. */
#define VMM_STATS_REASONS	64

struct vmm_stats {
	bool on;
	uint64_t reason[VMM_STATS_REASONS];	/* by KVM exit reason, atomic */
	/* The rest under v->lock. */
	uint64_t cfg[VMM_MAX_DEVICES];		/* config accesses per function */
	struct {
		uint64_t size;			/* 0: no such BAR */
		bool io, is64;
		uint64_t exits;
	} bar[VMM_MAX_DEVICES][7];		/* BARs 0-5, ROM */
	uint64_t cfg_other, io_other, mmio_other;
};

struct vmm;

struct vmm_vcpu {
	struct vmm *v;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
};

struct vmm {
	int kvm_fd, vm_fd, ctx_fd;
	struct pa_kvm *kvm;
	struct vmm_pci pci;
	struct vmm_mem mem;
	struct vmm_serial serial;
	struct vmm_rtc rtc;
	uint16_t pm1_sts, pm1_en, pm1_cnt;
	unsigned int ncpus;
	struct vmm_vcpu vcpu[VMM_MAX_CPUS];
	size_t run_size;
	pthread_t main_thread;
	/* Held while a vCPU runs a device model or the library. */
	pthread_mutex_t lock;
	int status;			/* -1 while the guest runs */
	bool linux_boot;		/* ACPI machine; else the payload's */
	bool verbose;
	struct vmm_dma dma;
	struct vmm_stats stats;
};

void vmm_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* End the guest with status (the first caller wins); v->lock held. */
void vmm_finish(struct vmm *v, int status);

/* memory.c */
int vmm_mem_alloc(struct vmm_mem *m, uint64_t size, bool hugepages);
void vmm_mem_free(struct vmm_mem *m);
/* Host address of [gpa, gpa+len) if it is all RAM, else NULL. */
void *vmm_gpa(const struct vmm_mem *m, uint64_t gpa, uint64_t len);

/* E820 map of the ACPI machine. */
#define VMM_E820_RAM		1
#define VMM_E820_RESERVED	2
struct vmm_e820 {
	uint64_t addr, size;
	uint32_t type;
};
#define VMM_E820_MAX		8
unsigned int vmm_e820_build(const struct vmm_mem *m, struct vmm_e820 *e);

/* dma.c */
void vmm_dma_init(struct vmm_dma *d);
/* Fault guest RAM in on background threads (from the start). */
void vmm_dma_prefault(struct vmm *v);
/* Map guest RAM for DMA on a thread; a device must be attached. */
int vmm_dma_map_async(struct vmm *v);
/* Wait for that mapping: 0, or its negative errno. */
int vmm_dma_wait(struct vmm_dma *d);
/* Join its threads; then, once the devices are closed, unmap. */
void vmm_dma_stop(struct vmm *v);
void vmm_dma_unmap(struct vmm *v);

/* vcpu.c */
int vmm_vcpus_create(struct vmm *v);
int vmm_vcpus_run(struct vmm *v);		/* start the threads */
void vmm_vcpus_stop(struct vmm *v);		/* kick and join */
int vmm_cpu_long_mode(struct vmm_vcpu *c, uint64_t gdt, uint64_t pml4,
		      uint16_t cs, uint16_t ds);

/* pci.c */
void vmm_pci_io(struct vmm_pci *pci, uint16_t port, void *data, unsigned int len,
		bool is_write);
void vmm_pci_ecam(struct vmm_pci *pci, uint64_t off, void *data, unsigned int len,
		  bool is_write);
/* Firmware's part: size and place every BAR, enable decode. */
int vmm_pci_assign_bars(struct vmm_pci *pci);

/* stats.c */
void vmm_stats_init(struct vmm *v);		/* sizes BARs: before the guest runs */
void vmm_stats_access(struct vmm *v, bool io, uint64_t addr);
void vmm_stats_config(struct vmm_stats *s, unsigned int slot, unsigned int ndev);
void vmm_stats_print(struct vmm *v, const char *what);

/* serial.c */
void vmm_serial_io(struct vmm *v, uint16_t off, uint8_t *data, bool is_write);
void vmm_serial_flush(struct vmm_serial *s);
/* Start feeding stdin to the guest's receiver (a thread). */
int vmm_serial_stdin(struct vmm *v);

/* rtc.c */
void vmm_rtc_io(struct vmm_rtc *rtc, uint16_t port, uint8_t *data, bool is_write);

/* acpi.c */
int vmm_acpi_build(struct vmm *v, uint64_t *rsdp_gpa);
void vmm_acpi_pm_io(struct vmm *v, uint16_t off, void *data, unsigned int len,
		    bool is_write);

/* payload.c: the flat test payload */
int vmm_payload_load(struct vmm *v, const char *path, const char *args);

/* linux.c: the x86 64-bit boot protocol */
struct vmm_linux_args {
	const char *kernel, *initrd, *cmdline;
};
int vmm_linux_load(struct vmm *v, const struct vmm_linux_args *a);

/* release.c */
/*
 * Arm each device's release-request eventfd; when the host asks for one
 * back, the VMM gets VMM_RELEASE_SIGNAL and stops the guest cleanly.
 */
int vmm_watch_release(struct vmm_pci *pci);

#endif /* PA_VMM_H */
