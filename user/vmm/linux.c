// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Booting a Linux bzImage with the x86 64-bit boot protocol
 * (Documentation/arch/x86/boot.rst): the protected-mode kernel at its
 * preferred address if it is relocatable (where it decompresses to:
 * 16 MiB for distribution kernels), else at 1 MiB;
 * a zero page (struct boot_params) holding the image's setup header, the
 * E820 map, the command line, the initrd and the ACPI RSDP, and the boot
 * CPU entering startup_64 (load address + 0x200) in long mode with the
 * zero page in RSI. The other vCPUs wait for the kernel's INIT/SIPI in
 * the in-kernel LAPIC.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm.h"

#define GDT_GPA		0x500ull
#define PML4_GPA	0x1000ull	/* 6 pages of page tables */
#define ZERO_PAGE_GPA	0x7000ull
#define CMDLINE_GPA	0x20000ull
#define KERNEL_GPA	0x100000ull
#define BOOT_CS		0x10		/* what the protocol asks for */
#define BOOT_DS		0x18

/* Offsets in the image's first sector and in boot_params. */
#define HDR_SETUP_SECTS	0x1f1
#define HDR_BOOT_FLAG	0x1fe
#define HDR_JUMP	0x200
#define HDR_MAGIC	0x202
#define HDR_VERSION	0x206
#define HDR_LOADER_TYPE	0x210
#define HDR_LOADFLAGS	0x211
#define HDR_RAMDISK	0x218
#define HDR_RAMDISK_LEN	0x21c
#define HDR_CMDLINE	0x228
#define HDR_INITRD_MAX	0x22c
#define HDR_RELOCATABLE	0x234
#define HDR_XLOADFLAGS	0x236
#define HDR_CMDLINE_MAX	0x238
#define HDR_PREF_ADDR	0x258
#define HDR_INIT_SIZE	0x260
#define BP_ACPI_RSDP	0x070
#define BP_E820_COUNT	0x1e8
#define BP_E820_TABLE	0x2d0
#define BP_E820_MAX	128

#define LOADED_HIGH	0x01
#define XLF_KERNEL_64	0x01

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Read a whole file into guest memory at gpa, at most max bytes. */
static int read_into(struct vmm *v, int fd, off_t from, uint64_t gpa, uint64_t len)
{
	uint8_t *dst = vmm_gpa(&v->mem, gpa, len);
	uint64_t done = 0;

	if (!dst)
		return -EFBIG;
	while (done < len) {
		ssize_t n = pread(fd, dst + done, len - done, from + (off_t)done);

		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (uint64_t)n;
	}
	return 0;
}

static int open_regular(const char *path, off_t *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	*size = st.st_size;
	return fd;
}

int vmm_linux_load(struct vmm *v, const struct vmm_linux_args *a)
{
	uint8_t hdr[1024], *bp = vmm_gpa(&v->mem, ZERO_PAGE_GPA, 4096);
	struct vmm_e820 e820[VMM_E820_MAX];
	uint64_t kernel_len, init_size, initrd_gpa = 0, initrd_max, rsdp, load;
	off_t ksize = 0, isize = 0;
	unsigned int setup_sects, n_e820, hdr_end;
	uint16_t version;
	struct kvm_regs regs = { 0 };
	int fd, ret;

	fd = open_regular(a->kernel, &ksize);
	if (fd < 0) {
		vmm_log("--kernel %s: %s", a->kernel,
			fd == -EINVAL ? "not a regular file" : strerror(-fd));
		return fd;
	}
	if (ksize < (off_t)sizeof(hdr) || pread(fd, hdr, sizeof(hdr), 0) != sizeof(hdr) ||
	    get16(hdr + HDR_BOOT_FLAG) != 0xaa55 || memcmp(hdr + HDR_MAGIC, "HdrS", 4)) {
		vmm_log("--kernel %s: not a bzImage (no boot sector signature or HdrS header)",
			a->kernel);
		ret = -ENOEXEC;
		goto out;
	}
	version = get16(hdr + HDR_VERSION);
	/* 2.12 brought xloadflags, which says the 64-bit entry exists. */
	if (version < 0x020c || !(hdr[HDR_XLOADFLAGS] & XLF_KERNEL_64) ||
	    !(hdr[HDR_LOADFLAGS] & LOADED_HIGH)) {
		vmm_log("--kernel %s: boot protocol %u.%02u without a 64-bit entry point "
			"(need 2.12 or later, an x86-64 bzImage)", a->kernel,
			version >> 8, version & 0xff);
		ret = -ENOEXEC;
		goto out;
	}
	setup_sects = hdr[HDR_SETUP_SECTS] ? hdr[HDR_SETUP_SECTS] : 4;
	if ((off_t)(setup_sects + 1) * 512 >= ksize) {
		vmm_log("--kernel %s: truncated (setup is larger than the file)", a->kernel);
		ret = -ENOEXEC;
		goto out;
	}
	kernel_len = (uint64_t)ksize - (setup_sects + 1) * 512;
	init_size = get32(hdr + HDR_INIT_SIZE);
	if (init_size < kernel_len)
		init_size = kernel_len;
	/* Its preferred address saves the decompressor a move. */
	load = KERNEL_GPA;
	if (hdr[HDR_RELOCATABLE] && get32(hdr + HDR_PREF_ADDR) > KERNEL_GPA &&
	    !get32(hdr + HDR_PREF_ADDR + 4))
		load = get32(hdr + HDR_PREF_ADDR);
	if (load + init_size > v->mem.low) {
		vmm_log("--memory: %llu MiB cannot hold the kernel (it needs %llu MiB from %llu MiB up)",
			(unsigned long long)(v->mem.size >> 20),
			(unsigned long long)((init_size + (1 << 20) - 1) >> 20),
			(unsigned long long)(load >> 20));
		ret = -ENOMEM;
		goto out;
	}
	ret = read_into(v, fd, (setup_sects + 1) * 512, load, kernel_len);
	if (ret) {
		vmm_log("--kernel %s: %s", a->kernel, strerror(-ret));
		goto out;
	}
	close(fd);
	fd = -1;

	/* The zero page: the setup header where the kernel expects it. */
	memset(bp, 0, 4096);
	hdr_end = HDR_JUMP + 2 + hdr[HDR_JUMP + 1];
	if (hdr_end > sizeof(hdr))
		hdr_end = sizeof(hdr);
	memcpy(bp + HDR_SETUP_SECTS, hdr + HDR_SETUP_SECTS, hdr_end - HDR_SETUP_SECTS);
	bp[HDR_LOADER_TYPE] = 0xff;		/* a loader with no assigned ID */

	if (a->cmdline) {
		size_t len = strlen(a->cmdline);
		uint32_t max = get32(hdr + HDR_CMDLINE_MAX);

		if (len > max) {
			vmm_log("--cmdline: %zu bytes, the kernel takes at most %u", len, max);
			ret = -E2BIG;
			goto out;
		}
		memcpy(vmm_gpa(&v->mem, CMDLINE_GPA, len + 1), a->cmdline, len + 1);
		put32(bp + HDR_CMDLINE, CMDLINE_GPA);
	}

	if (a->initrd) {
		fd = open_regular(a->initrd, &isize);
		if (fd < 0) {
			vmm_log("--initrd %s: %s", a->initrd,
				fd == -EINVAL ? "not a regular file" : strerror(-fd));
			ret = fd;
			goto out;
		}
		/* As high as the kernel allows, above what it decompresses into. */
		initrd_max = get32(hdr + HDR_INITRD_MAX);
		if (initrd_max >= v->mem.low)
			initrd_max = v->mem.low - 1;
		initrd_gpa = (initrd_max + 1 - (uint64_t)isize) & ~0xfffull;
		if (!isize || (uint64_t)isize > initrd_max ||
		    initrd_gpa < load + init_size) {
			vmm_log("--initrd %s: %s", a->initrd, !isize ? "empty file" :
				"does not fit in guest memory beside the kernel (raise --memory)");
			ret = -ENOMEM;
			goto out;
		}
		ret = read_into(v, fd, 0, initrd_gpa, (uint64_t)isize);
		if (ret) {
			vmm_log("--initrd %s: %s", a->initrd, strerror(-ret));
			goto out;
		}
		put32(bp + HDR_RAMDISK, (uint32_t)initrd_gpa);
		put32(bp + HDR_RAMDISK_LEN, (uint32_t)isize);
	}

	n_e820 = vmm_e820_build(&v->mem, e820);
	bp[BP_E820_COUNT] = (uint8_t)n_e820;
	for (unsigned int i = 0; i < n_e820 && i < BP_E820_MAX; i++) {
		uint8_t *e = bp + BP_E820_TABLE + 20 * i;

		put64(e, e820[i].addr);
		put64(e + 8, e820[i].size);
		put32(e + 16, e820[i].type);
	}

	ret = vmm_acpi_build(v, &rsdp);
	if (ret) {
		vmm_log("ACPI tables: %s", strerror(-ret));
		goto out;
	}
	put64(bp + BP_ACPI_RSDP, rsdp);

	ret = vmm_cpu_long_mode(&v->vcpu[0], GDT_GPA, PML4_GPA, BOOT_CS, BOOT_DS);
	if (ret)
		goto out;
	regs.rip = load + 0x200;	/* startup_64 */
	regs.rsi = ZERO_PAGE_GPA;
	regs.rflags = 2;		/* interrupts off */
	if (ioctl(v->vcpu[0].fd, KVM_SET_REGS, &regs))
		ret = -errno;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}
