// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The host wants a device back: pciassign signals the device's request
 * eventfd (IRQ index REQ). This VMM has no guest-visible hot-unplug, so it
 * answers by stopping the guest cleanly, which releases every device.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/pciassign.h>

#include "vmm.h"

static struct {
	pthread_t thread;
	int fds[VMM_MAX_DEVICES];
	unsigned int n;
	pid_t pid;
} watch;

static void *release_watcher(void *arg)
{
	struct pollfd pfd[VMM_MAX_DEVICES];

	(void)arg;
	for (unsigned int i = 0; i < watch.n; i++)
		pfd[i] = (struct pollfd){ .fd = watch.fds[i], .events = POLLIN };
	for (;;) {
		if (poll(pfd, watch.n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		for (unsigned int i = 0; i < watch.n; i++)
			if (pfd[i].revents & POLLIN) {
				fprintf(stderr, "vmm: the host asks for device %u back: stopping the guest\n", i);
				kill(watch.pid, VMM_RELEASE_SIGNAL);
				return NULL;
			}
	}
}

static int set_req_eventfd(int dev_fd, int efd)
{
	struct {
		struct pciassign_irq_set s;
		int32_t fd;
	} set = {
		.s = { .argsz = sizeof(set), .flags = PCIASSIGN_IRQ_SET_TRIGGER,
		       .index = PCIASSIGN_IRQ_REQ, .start = 0, .count = 1 },
		.fd = efd,
	};

	return ioctl(dev_fd, PCIASSIGN_SET_IRQS, &set) ? -errno : 0;
}

int vmm_watch_release(struct vmm_pci *pci)
{
	int ret;

	watch.pid = getpid();
	for (unsigned int i = 0; i < pci->ndev; i++) {
		int efd = eventfd(0, EFD_CLOEXEC);

		if (efd < 0)
			return -errno;
		ret = set_req_eventfd(pa_device_fd(pci->dev[i]), efd);
		if (ret) {
			close(efd);
			return ret;
		}
		watch.fds[watch.n++] = efd;
	}
	if (!watch.n)
		return 0;
	/* It inherits the caller's mask: main() blocks the ending signals. */
	ret = -pthread_create(&watch.thread, NULL, release_watcher, NULL);
	if (!ret)
		pthread_detach(watch.thread);
	return ret;
}
