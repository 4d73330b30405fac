// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest tests of device events and of the removal protocol, through
 * libpciassign's netlink client:
 *
 *   pa-events-test events EDU           lifecycle, cooperative and stubborn
 *                                       owners on unbind, admin requests
 *   pa-events-test unplug BDF QEMU_ID coop|stubborn
 *                                       host-side removal via QMP device_del
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/pciassign.h>

#include "libpciassign.h"
#include "vmtest.h"

#define TIMEOUT_MS 1500		/* release_timeout_ms set for these tests */

static const char *dev;

/* Owner processes, killed after each case so a failure leaves none. */
static pid_t owners[8];
static int n_owners;

static void reap_owners(void)
{
	for (int i = 0; i < n_owners; i++) {
		kill(owners[i], SIGKILL);
		waitpid(owners[i], NULL, 0);
	}
	n_owners = 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int bind_dev(void)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", dev);
	if (vt_write_file(path, "pciassign"))
		return -1;
	return vt_write_file("/sys/bus/pci/drivers_probe", dev);
}

static int unbind_dev(void)
{
	return vt_write_file("/sys/bus/pci/drivers/pciassign/unbind", dev);
}

static int attach_dev(int *ctx_out)
{
	int ctx = open("/dev/pciassign", O_RDWR | O_CLOEXEC);

	if (ctx < 0)
		return -1;
	*ctx_out = ctx;
	return vt_attach(ctx, dev);
}

/* Next event for our device, skipping others; 0 if none came in time. */
static int next_event(struct pa_events *ev, struct pa_event *e, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		long long left = deadline - now_ms();
		int r;

		if (left <= 0)
			return 0;
		r = pa_events_next(ev, e, (int)left);
		if (r <= 0)
			return r;
		if (!strcmp(e->dev, dev))
			return 1;
	}
}

/* Fail unless the device has another event within 15 s. */
#define EXPECT_ANY_EVENT(ev, e)						\
	do {									\
		int r_ = next_event((ev), (e), 15000);				\
		if (r_ != 1)							\
			return vt_fail("%s:%d: no event (%d)", __FILE__,	\
				       __LINE__, r_);				\
	} while (0)

/* Fail unless the next event of the device is @type. */
#define EXPECT_EVENT(ev, e, type_)						\
	do {									\
		int r_ = next_event((ev), (e), 15000);				\
		if (r_ != 1)							\
			return vt_fail("%s:%d: no %s event (%d)", __FILE__,	\
				       __LINE__, pa_event_name(type_), r_);	\
		if ((e)->type != (type_))					\
			return vt_fail("%s:%d: got event %s, want %s",		\
				       __FILE__, __LINE__,			\
				       pa_event_name((e)->type),		\
				       pa_event_name(type_));			\
	} while (0)

static int lifecycle(void)
{
	struct pa_events *ev;
	struct pa_event e, list[16];
	int ctx, fd, n, found = 0;

	VT_ASSERT(pa_events_open(&ev) == 0);
	VT_ASSERT(bind_dev() == 0);
	EXPECT_EVENT(ev, &e, PA_EVENT_BOUND);
	VT_ASSERT(e.vendor == 0x1234 && e.device == 0x11e8);
	VT_ASSERT(e.state == PA_STATE_BOUND);

	fd = attach_dev(&ctx);
	VT_ASSERT(fd >= 0);
	EXPECT_EVENT(ev, &e, PA_EVENT_ATTACHED);
	VT_ASSERT(e.owner_pid == (uint32_t)getpid());
	VT_ASSERT(e.state == PA_STATE_ATTACHED);

	n = pa_devices_dump(list, 16);
	VT_ASSERT(n >= 1);
	for (int i = 0; i < n; i++)
		if (!strcmp(list[i].dev, dev)) {
			found = 1;
			VT_ASSERT(list[i].state == PA_STATE_ATTACHED);
			VT_ASSERT(list[i].owner_pid == (uint32_t)getpid());
		}
	VT_ASSERT(found);

	close(fd);
	EXPECT_EVENT(ev, &e, PA_EVENT_RELEASED);
	VT_ASSERT(e.state == PA_STATE_BOUND && e.owner_pid == 0);
	close(ctx);

	VT_ASSERT(unbind_dev() == 0);
	EXPECT_EVENT(ev, &e, PA_EVENT_UNBOUND);
	VT_ASSERT(!strcmp(e.reason, "host reclaims the device"));
	pa_events_close(ev);
	return 0;
}

/*
 * A child attaches the device and behaves as told: OWNER_NETLINK closes it
 * when a RELEASE_REQUESTED event names it, OWNER_REQ_EVENTFD when the
 * device's request eventfd (IRQ index REQ) fires, OWNER_STUBBORN is
 * stopped by the parent and never does. Its exit status says what it saw.
 */
enum owner_kind { OWNER_STUBBORN, OWNER_NETLINK, OWNER_REQ_EVENTFD };

static int wait_req_eventfd(int fd)
{
	struct {
		struct pciassign_irq_set s;
		int32_t fd;
	} set = { { .argsz = sizeof(set), .flags = PCIASSIGN_IRQ_SET_TRIGGER,
		    .index = PCIASSIGN_IRQ_REQ, .start = 0, .count = 1 }, -1 };
	struct pollfd pfd = { .events = POLLIN };
	uint64_t n;

	set.fd = eventfd(0, EFD_CLOEXEC);
	pfd.fd = set.fd;
	if (set.fd < 0 || ioctl(fd, PCIASSIGN_SET_IRQS, &set))
		return -1;
	if (poll(&pfd, 1, 30000) != 1 || read(set.fd, &n, sizeof(n)) != sizeof(n))
		return -1;
	return 0;
}

static pid_t spawn_owner(enum owner_kind kind, int ready_pipe[2])
{
	pid_t pid = fork();

	if (pid)
		return pid;

	struct pa_events *ev = NULL;
	struct pa_event e;
	int ctx, fd;

	close(ready_pipe[0]);
	if (kind == OWNER_NETLINK && pa_events_open(&ev))
		_exit(10);
	fd = attach_dev(&ctx);
	if (fd < 0)
		_exit(11);
	if (write(ready_pipe[1], "r", 1) != 1)
		_exit(12);
	if (kind == OWNER_REQ_EVENTFD) {
		if (wait_req_eventfd(fd))
			_exit(16);
		close(fd);
		_exit(0);
	}
	if (kind == OWNER_NETLINK) {
		while (next_event(ev, &e, 30000) == 1)
			if (e.type == PA_EVENT_RELEASE_REQUESTED) {
				close(fd);
				_exit(0);
			}
		_exit(13);
	}
	/* Stubborn: the parent stops us; after SIGCONT the fd must be dead. */
	for (;;) {
		struct pciassign_device_info info = { .argsz = sizeof(info) };
		struct pciassign_region_info ri = { .argsz = sizeof(ri) };

		if (ioctl(fd, PCIASSIGN_DEVICE_INFO, &info))
			_exit(14);
		if (!(info.flags & PCIASSIGN_DEVICE_INFO_REVOKED)) {
			usleep(10000);
			continue;
		}
		if (ioctl(fd, PCIASSIGN_REGION_INFO, &ri) != -1 || errno != ENODEV)
			_exit(15);
		close(fd);
		close(ctx);
		_exit(0);
	}
}

/* Start an owner and wait until it has the device. */
static pid_t start_owner(enum owner_kind kind)
{
	int p[2];
	char c;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = spawn_owner(kind, p);
	close(p[1]);
	if (pid > 0 && n_owners < 8)
		owners[n_owners++] = pid;
	if (read(p[0], &c, 1) != 1) {
		close(p[0]);
		return -1;
	}
	close(p[0]);
	return pid;
}

static int owner_exit_status(pid_t pid)
{
	int status;

	for (int i = 0; i < n_owners; i++)
		if (owners[i] == pid)
			owners[i] = owners[--n_owners];
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int unbind_cooperative(void)
{
	struct pa_events *ev;
	struct pa_event e;
	long long t0, took;
	pid_t owner;

	VT_ASSERT(bind_dev() == 0);
	VT_ASSERT(pa_events_open(&ev) == 0);
	/* This owner listens on its request eventfd, as a VMM does. */
	owner = start_owner(OWNER_REQ_EVENTFD);
	VT_ASSERT(owner > 0);
	EXPECT_EVENT(ev, &e, PA_EVENT_ATTACHED);

	t0 = now_ms();
	VT_ASSERT(unbind_dev() == 0);
	took = now_ms() - t0;
	EXPECT_EVENT(ev, &e, PA_EVENT_RELEASE_REQUESTED);
	VT_ASSERT(e.has_timeout && e.timeout_ms == TIMEOUT_MS);
	VT_ASSERT(!strcmp(e.reason, "host reclaims the device"));
	/*
	 * The request repeats every second until the owner lets go; under
	 * TCG a cooperative owner can take longer than that to exit.
	 */
	do
		EXPECT_ANY_EVENT(ev, &e);
	while (e.type == PA_EVENT_RELEASE_REQUESTED &&
	       !strcmp(e.reason, "host reclaims the device"));
	if (e.type != PA_EVENT_RELEASED)
		return vt_fail("%s:%d: got event %s, want released", __FILE__,
			       __LINE__, pa_event_name(e.type));
	EXPECT_EVENT(ev, &e, PA_EVENT_UNBOUND);
	VT_ASSERT(owner_exit_status(owner) == 0);
	/* Released well before the deadline: nothing was revoked. */
	VT_ASSERT(took < TIMEOUT_MS);
	printf("PA-INFO cooperative release: unbind took %lld ms\n", took);
	pa_events_close(ev);
	return 0;
}

static int unbind_stubborn(void)
{
	struct pa_events *ev;
	struct pa_event e;
	long long t0, took;
	int requests = 0;
	pid_t owner;

	VT_ASSERT(bind_dev() == 0);
	VT_ASSERT(pa_events_open(&ev) == 0);
	owner = start_owner(OWNER_STUBBORN);
	VT_ASSERT(owner > 0);
	EXPECT_EVENT(ev, &e, PA_EVENT_ATTACHED);
	VT_ASSERT(kill(owner, SIGSTOP) == 0);

	t0 = now_ms();
	VT_ASSERT(unbind_dev() == 0);
	took = now_ms() - t0;
	printf("PA-INFO stubborn owner: unbind took %lld ms (timeout %d)\n", took, TIMEOUT_MS);
	VT_ASSERT(took >= TIMEOUT_MS - 100 && took < TIMEOUT_MS + 5000);

	/* Asked repeatedly, then revoked, then unbound. */
	while (next_event(ev, &e, 5000) == 1 && e.type == PA_EVENT_RELEASE_REQUESTED)
		requests++;
	VT_ASSERT(requests >= 2);
	VT_ASSERT(e.type == PA_EVENT_REVOKED);
	VT_ASSERT(e.state == PA_STATE_REVOKED);
	EXPECT_EVENT(ev, &e, PA_EVENT_UNBOUND);

	VT_ASSERT(kill(owner, SIGCONT) == 0);
	VT_ASSERT(owner_exit_status(owner) == 0);
	pa_events_close(ev);
	return 0;
}

static int admin_requests(void)
{
	struct pciassign_device_info info = { .argsz = sizeof(info) };
	struct pa_events *ev;
	struct pa_event e;
	int ctx, fd, status;
	pid_t pid;

	VT_ASSERT(bind_dev() == 0);
	VT_ASSERT(pa_events_open(&ev) == 0);
	VT_ASSERT(pa_device_revoke(dev) == -ENOENT);	/* not attached */
	fd = attach_dev(&ctx);
	VT_ASSERT(fd >= 0);

	/* Unprivileged processes may watch but not act. */
	pid = fork();
	if (!pid) {
		if (setuid(65534))
			_exit(1);
		_exit(pa_device_revoke(dev) == -EPERM &&
		      pa_device_request_release(dev) == -EPERM ? 0 : 2);
	}
	VT_ASSERT(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
	VT_ASSERT(WEXITSTATUS(status) == 0);

	VT_ASSERT(pa_device_request_release(dev) == 0);
	do
		VT_ASSERT(next_event(ev, &e, 5000) == 1);
	while (e.type == PA_EVENT_ATTACHED);
	VT_ASSERT(e.type == PA_EVENT_RELEASE_REQUESTED);
	VT_ASSERT(!strcmp(e.reason, "administrator request"));
	VT_ASSERT(e.state == PA_STATE_RELEASING);
	VT_ASSERT(ioctl(fd, PCIASSIGN_DEVICE_INFO, &info) == 0);
	VT_ASSERT(!(info.flags & PCIASSIGN_DEVICE_INFO_REVOKED));

	VT_ASSERT(pa_device_revoke(dev) == 0);
	EXPECT_EVENT(ev, &e, PA_EVENT_REVOKED);
	VT_ASSERT(ioctl(fd, PCIASSIGN_DEVICE_INFO, &info) == 0);
	VT_ASSERT(info.flags & PCIASSIGN_DEVICE_INFO_REVOKED);
	close(fd);
	close(ctx);
	VT_ASSERT(unbind_dev() == 0);
	pa_events_close(ev);
	return 0;
}

static const struct vt_case event_cases[] = {
	{ "lifecycle", lifecycle },
	{ "unbind-cooperative", unbind_cooperative },
	{ "unbind-stubborn", unbind_stubborn },
	{ "admin-requests", admin_requests },
};

static const char *qemu_id;
static int unplug_coop;

/* Ask the host (run-vm.sh watches the console) to device_del a device. */
static void qmp_device_del(const char *id)
{
	printf("PA-QMP device_del %s\n", id);
	fflush(stdout);
}

static int host_unplug(void)
{
	struct pa_events *ev;
	struct pa_event e;
	char path[128];
	struct stat st;
	int requests = 0;
	pid_t owner;

	VT_ASSERT(bind_dev() == 0);
	VT_ASSERT(pa_events_open(&ev) == 0);
	owner = start_owner(unplug_coop ? OWNER_NETLINK : OWNER_STUBBORN);
	VT_ASSERT(owner > 0);
	EXPECT_EVENT(ev, &e, PA_EVENT_ATTACHED);
	if (!unplug_coop)
		VT_ASSERT(kill(owner, SIGSTOP) == 0);

	qmp_device_del(qemu_id);
	/* pciehp waits ~5 s after the attention button before removing. */
	EXPECT_EVENT(ev, &e, PA_EVENT_RELEASE_REQUESTED);
	VT_ASSERT(!strcmp(e.reason, "host reclaims the device"));
	while (e.type == PA_EVENT_RELEASE_REQUESTED) {
		requests++;
		VT_ASSERT(next_event(ev, &e, 10000) == 1);
	}
	VT_ASSERT(e.type == (unplug_coop ? PA_EVENT_RELEASED : PA_EVENT_REVOKED));
	EXPECT_EVENT(ev, &e, PA_EVENT_UNBOUND);
	VT_ASSERT(!strcmp(e.reason, "host reclaims the device"));

	if (!unplug_coop)
		VT_ASSERT(kill(owner, SIGCONT) == 0);
	VT_ASSERT(owner_exit_status(owner) == 0);

	/* The device is gone from the host. */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", dev);
	for (int i = 0; i < 100 && stat(path, &st) == 0; i++)
		usleep(100000);
	VT_ASSERT(stat(path, &st) != 0);
	pa_events_close(ev);
	return 0;
}

static const struct vt_case unplug_cases[] = {
	{ "host-unplug", host_unplug },
};

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "events")) {
		dev = argv[2];
		vt_after_each = reap_owners;
		return vt_run("events", event_cases,
			      sizeof(event_cases) / sizeof(event_cases[0]));
	}
	if (argc == 5 && !strcmp(argv[1], "unplug")) {
		dev = argv[2];
		qemu_id = argv[3];
		unplug_coop = !strcmp(argv[4], "coop");
		vt_after_each = reap_owners;
		return vt_run(unplug_coop ? "unplug-coop" : "unplug-stubborn",
			      unplug_cases, 1);
	}
	fprintf(stderr, "usage: %s events EDU | unplug BDF QEMU_ID coop|stubborn\n", argv[0]);
	return 2;
}
