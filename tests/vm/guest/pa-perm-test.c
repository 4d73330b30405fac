// SPDX-License-Identifier: GPL-2.0
/*
 * Who may use what: /dev/pciassign's mode decides who opens contexts; a
 * device fd handed to an unprivileged process (privilege separation: a
 * root helper attaches, the VMM runs as a user) works within its grant and
 * gives nothing beyond it.
 *
 *   pa-perm-test EDU
 *
 * The case runs as root and drops to uid 65534 in children.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/pciassign.h>

#include "libpciassign.h"
#include "vmtest.h"
#include "edu.h"

#define DEVNODE "/dev/pciassign"
#define NOBODY 65534
#define KVM_GID 4242	/* stands for the udev rule's group */

static const char *edu;

static int drop_to(gid_t gid)
{
	if (setgroups(0, NULL) || setgid(gid) || setuid(NOBODY))
		return -1;
	return 0;
}

/* Run fn in a child as nobody (group gid); its return value is the verdict. */
static int as_nobody(gid_t gid, int (*fn)(int), int arg)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(drop_to(gid) ? 90 : fn(arg));
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int try_open(int want_ok)
{
	int fd = open(DEVNODE, O_RDWR);

	if (want_ok)
		return fd >= 0 ? 0 : 1;
	return fd < 0 && errno == EACCES ? 0 : 2;
}

/* Root-only mode (as the module creates it): nobody cannot open it. */
static int node_root_only(void)
{
	struct stat st;

	VT_ASSERT(chown(DEVNODE, 0, 0) == 0 && chmod(DEVNODE, 0600) == 0);
	VT_ASSERT(stat(DEVNODE, &st) == 0 && (st.st_mode & 0777) == 0600);
	VT_ASSERT(as_nobody(NOBODY, try_open, 0) == 0);
	return 0;
}

/* The udev rule's root:kvm 0660: members of the group may open it. */
static int node_group_grant(void)
{
	VT_ASSERT(chown(DEVNODE, 0, KVM_GID) == 0 && chmod(DEVNODE, 0660) == 0);
	VT_ASSERT(as_nobody(KVM_GID, try_open, 1) == 0);
	VT_ASSERT(as_nobody(NOBODY, try_open, 0) == 0);
	VT_ASSERT(chown(DEVNODE, 0, 0) == 0 && chmod(DEVNODE, 0600) == 0);
	return 0;
}

/*
 * What an unprivileged process may do with a device fd it was given (and
 * no context fd): use the device; not open contexts, attach others, or
 * revoke through netlink.
 */
static int use_granted_fd(int fd)
{
	struct pciassign_device_info info = { .argsz = sizeof(info) };
	struct pciassign_irq_info qi = { .argsz = sizeof(qi), .index = PCIASSIGN_IRQ_MSI };
	uint32_t id = 0;
	uint16_t vendor = 0;
	volatile uint32_t *bar;

	if (ioctl(fd, PCIASSIGN_DEVICE_INFO, &info) || info.vendor != 0x1234)
		return 10;
	if (pread(fd, &vendor, 2, PCIASSIGN_REGION_OFFSET(PCIASSIGN_REGION_CONFIG)) != 2 ||
	    vendor != 0x1234)
		return 11;
	if (ioctl(fd, PCIASSIGN_IRQ_INFO, &qi) || qi.count != 1)
		return 12;
	bar = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   PCIASSIGN_REGION_OFFSET(PCIASSIGN_REGION_BAR0));
	if (bar == MAP_FAILED)
		return 13;
	id = bar[0];
	munmap((void *)bar, 4096);
	if (id != EDU_ID_VALUE)
		return 14;
	/* Nothing beyond the grant. */
	if (open(DEVNODE, O_RDWR) >= 0 || errno != EACCES)
		return 15;
	if (pa_device_revoke(edu) != -EPERM || pa_device_request_release(edu) != -EPERM)
		return 16;
	return 0;
}

static int send_fd(int sock, int fd)
{
	char buf[CMSG_SPACE(sizeof(int))] = { 0 }, c = 'f';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = buf, .msg_controllen = sizeof(buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char buf[CMSG_SPACE(sizeof(int))], c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = buf, .msg_controllen = sizeof(buf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* A root helper attaches and passes the device fd over a unix socket. */
static int fd_passing(void)
{
	int sv[2], ctx, fd, status;
	pid_t pid;

	VT_ASSERT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	pid = fork();
	if (pid == 0) {
		int got;

		close(sv[0]);
		if (drop_to(NOBODY))
			_exit(90);
		got = recv_fd(sv[1]);
		_exit(got < 0 ? 91 : use_granted_fd(got));
	}
	close(sv[1]);
	ctx = open(DEVNODE, O_RDWR | O_CLOEXEC);
	VT_ASSERT(ctx >= 0);
	fd = vt_attach(ctx, edu);
	VT_ASSERT(fd >= 0);
	VT_ASSERT(send_fd(sv[0], fd) == 0);
	VT_ASSERT(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
	if (WEXITSTATUS(status))
		return vt_fail("unprivileged holder of the device fd: check %d failed",
			       WEXITSTATUS(status));
	close(fd);
	close(ctx);
	return 0;
}

/* An unprivileged mapper is held to its own RLIMIT_MEMLOCK. */
static int memlock_of_the_mapper(int ctx)
{
	struct rlimit rl = { 1 << 20, 1 << 20 };
	struct pciassign_dma_map m = { .argsz = sizeof(m),
		.flags = PCIASSIGN_DMA_MAP_READ | PCIASSIGN_DMA_MAP_WRITE,
		.iova = 1 << 24, .size = 4 << 20 };
	void *buf = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (buf == MAP_FAILED || setrlimit(RLIMIT_MEMLOCK, &rl))
		return 20;
	m.vaddr = (uintptr_t)buf;
	if (ioctl(ctx, PCIASSIGN_DMA_MAP, &m) != -1 || errno != ENOMEM)
		return 21;
	m.size = 512 << 10;
	if (ioctl(ctx, PCIASSIGN_DMA_MAP, &m))
		return 22;
	return 0;
}

/* The context fd too may be handed over; maps count against the user. */
static int context_passing(void)
{
	int ctx, fd, status;
	pid_t pid;

	ctx = open(DEVNODE, O_RDWR);
	VT_ASSERT(ctx >= 0);
	fd = vt_attach(ctx, edu);
	VT_ASSERT(fd >= 0);
	pid = fork();
	if (pid == 0)
		_exit(drop_to(NOBODY) ? 90 : memlock_of_the_mapper(ctx));
	VT_ASSERT(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
	if (WEXITSTATUS(status))
		return vt_fail("unprivileged mapper: check %d failed", WEXITSTATUS(status));
	close(fd);
	close(ctx);
	return 0;
}

/* ---- per-device grants (the device's "owner" sysfs attribute) ---------- */

static char owner_path[128];

static int read_owner(char *buf, size_t len)
{
	FILE *f = fopen(owner_path, "r");
	int ok = f && fgets(buf, (int)len, f);

	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

/* Exit status 0: the attach's outcome was the expected errno (0: success). */
static int try_attach(int want_errno)
{
	int ctx = open(DEVNODE, O_RDWR), fd;

	if (ctx < 0)
		return 30;
	fd = vt_attach(ctx, edu);
	if (want_errno)
		return fd < 0 && errno == want_errno ? 0 : 31;
	if (fd < 0)
		return 32;
	close(fd);
	close(ctx);
	return 0;
}

#define REFUSAL "is not granted this device"

/* Only the granted user, the granted group's members, and root attach. */
static int grant_user_group(void)
{
	char val[64];
	int logged;

	snprintf(owner_path, sizeof(owner_path), "/sys/bus/pci/devices/%s/owner", edu);
	VT_ASSERT(chown(DEVNODE, 0, KVM_GID) == 0 && chmod(DEVNODE, 0660) == 0);
	VT_ASSERT(read_owner(val, sizeof(val)) == 0 && !strcmp(val, "any\n"));
	VT_ASSERT(as_nobody(KVM_GID, try_attach, 0) == 0);

	VT_ASSERT(vt_write_file(owner_path, "uid 12345\n") == 0);
	VT_ASSERT(read_owner(val, sizeof(val)) == 0 && !strcmp(val, "uid 12345\n"));
	logged = vt_klog_count(REFUSAL);
	VT_ASSERT(as_nobody(KVM_GID, try_attach, EACCES) == 0);
	VT_ASSERT(as_nobody(KVM_GID, try_attach, EACCES) == 0);
	/* A refusal is logged once per device and grant, not per attempt. */
	VT_ASSERT(vt_klog_count(REFUSAL) == logged + 1);
	VT_ASSERT(try_attach(0) == 0);		/* root keeps all */

	VT_ASSERT(vt_write_file(owner_path, "uid 65534") == 0);
	VT_ASSERT(as_nobody(KVM_GID, try_attach, 0) == 0);

	VT_ASSERT(vt_write_file(owner_path, "gid 4243\n") == 0);
	VT_ASSERT(read_owner(val, sizeof(val)) == 0 && !strcmp(val, "gid 4243\n"));
	VT_ASSERT(as_nobody(KVM_GID, try_attach, EACCES) == 0);
	VT_ASSERT(vt_write_file(owner_path, "gid 4242\n") == 0);
	VT_ASSERT(as_nobody(KVM_GID, try_attach, 0) == 0);

	VT_ASSERT(vt_write_file(owner_path, "any\n") == 0);
	VT_ASSERT(as_nobody(KVM_GID, try_attach, 0) == 0);
	VT_ASSERT(chown(DEVNODE, 0, 0) == 0 && chmod(DEVNODE, 0600) == 0);
	return 0;
}

static int write_owner_as_nobody(int unused)
{
	(void)unused;
	return vt_write_file(owner_path, "uid 65534\n") < 0 && errno == EACCES ? 0 : 40;
}

/* Malformed grants are refused and change nothing; only root writes. */
static int grant_bad_input(void)
{
	static const char *const bad[] = {
		"\n", "uid", "uid ", "uid -1", "uid 4294967295", "uid 12x",
		"gid 99999999999", "user 5", "uid 5 6", "ANY", "any more",
	};
	char val[64];

	snprintf(owner_path, sizeof(owner_path), "/sys/bus/pci/devices/%s/owner", edu);
	VT_ASSERT(vt_write_file(owner_path, "gid 7") == 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		if (vt_write_file(owner_path, bad[i]) == 0 || errno != EINVAL)
			return vt_fail("owner write '%s' was not refused with EINVAL (%s)",
				       bad[i], strerror(errno));
	}
	VT_ASSERT(read_owner(val, sizeof(val)) == 0 && !strcmp(val, "gid 7\n"));
	VT_ASSERT(as_nobody(NOBODY, write_owner_as_nobody, 0) == 0);
	VT_ASSERT(read_owner(val, sizeof(val)) == 0 && !strcmp(val, "gid 7\n"));
	VT_ASSERT(vt_write_file(owner_path, "any") == 0);
	return 0;
}

/* What an unprivileged user can learn through netlink: nothing. */
static int netlink_as_nobody(int unused)
{
	struct pa_events *ev;
	struct pa_event devs[8];

	(void)unused;
	if (pa_events_open(&ev) != -EPERM)
		return 50;
	if (pa_devices_dump(devs, 8) != -EPERM)
		return 51;
	return 0;
}

/*
 * Owners' PIDs and device states reach administrators only: the events
 * group and DEV_GET need CAP_NET_ADMIN, while the device is attached.
 */
static int netlink_privacy(void)
{
	struct pa_event devs[8];
	int ctx, fd, n, found = 0;

	ctx = open(DEVNODE, O_RDWR);
	VT_ASSERT(ctx >= 0);
	fd = vt_attach(ctx, edu);
	VT_ASSERT(fd >= 0);
	VT_ASSERT(as_nobody(NOBODY, netlink_as_nobody, 0) == 0);
	/* Root still sees the owner. */
	n = pa_devices_dump(devs, 8);
	VT_ASSERT(n > 0);
	for (int i = 0; i < n; i++)
		if (!strcmp(devs[i].dev, edu))
			found = devs[i].owner_pid == (uint32_t)getpid();
	VT_ASSERT(found);
	close(fd);
	close(ctx);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct vt_case cases[] = {
		{ "node-root-only", node_root_only },
		{ "node-group-grant", node_group_grant },
		{ "fd-passing", fd_passing },
		{ "context-passing", context_passing },
		{ "grant-user-group", grant_user_group },
		{ "grant-bad-input", grant_bad_input },
		{ "netlink-privacy", netlink_privacy },
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s EDU\n", argv[0]);
		return 2;
	}
	edu = argv[1];
	return vt_run("perm", cases, sizeof(cases) / sizeof(cases[0]));
}
