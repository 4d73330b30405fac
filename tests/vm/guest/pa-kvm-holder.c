// SPDX-License-Identifier: GPL-2.0
/*
 * pa-kvm-holder: keep one KVM VM with one vCPU alive for the whole rig
 * run, started by /init before the cases. KVM's first VM enables SVM on
 * every CPU by IPI, and its first vCPU turns on a static branch in the
 * scheduler (live code patching); under multi-threaded TCG both have
 * wedged the guest now and then. Done once at boot, where run-vm.sh
 * retries a wedged boot, later VMs (the VMM's) change neither.
 *
 * KVM's local-APIC code has static keys too, counting vCPUs whose APIC is
 * software-disabled (every new vCPU until its guest enables it) and
 * hardware-disabled (APIC base without the enable bit). Each VMM start
 * would flip them from 0 and back a second later, live-patching KVM's hot
 * paths while the other CPU runs them; an int3 oops in
 * apic_has_pending_timer was seen that way. A second VM with an in-kernel
 * irqchip and one vCPU whose APIC stays software- and hardware-disabled
 * holds both counts above 0 for the whole run.
 * Prints "ready" once the vCPUs exist, then sleeps until killed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

int main(void)
{
	/* IA32_APIC_BASE at its default address, enable bit clear. */
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} apic_off = { .hdr = { .nmsrs = 1 }, .e = { .index = 0x1b, .data = 0xfee00000 } };
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm, vcpu;

	if (kvm < 0) {
		perror("/dev/kvm");
		return 1;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		perror("KVM_CREATE_VM");
		return 1;
	}
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0) {
		perror("KVM_CREATE_VCPU");
		return 1;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0 || ioctl(vm, KVM_CREATE_IRQCHIP, 0)) {
		perror("KVM_CREATE_VM/KVM_CREATE_IRQCHIP");
		return 1;
	}
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0) {
		perror("KVM_CREATE_VCPU (irqchip)");
		return 1;
	}
	if (ioctl(vcpu, KVM_SET_MSRS, &apic_off) != 1) {
		perror("KVM_SET_MSRS (APIC base)");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
