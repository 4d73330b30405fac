// SPDX-License-Identifier: GPL-2.0
/*
 * pa-kvm-holder: keep one KVM VM with one vCPU alive for the whole rig
 * run, started by /init before the cases. KVM's first VM enables SVM on
 * every CPU by IPI, and its first vCPU turns on a static branch in the
 * scheduler (live code patching); under multi-threaded TCG both have
 * wedged the guest now and then. Done once at boot, where run-vm.sh
 * retries a wedged boot, later VMs (the VMM's) change neither.
 * Prints "ready" once the vCPU exists, then sleeps until killed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

int main(void)
{
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
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
