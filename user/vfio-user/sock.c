// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One vfio-user message in or out of a stream socket, with its SCM_RIGHTS
 * descriptors. A received descriptor is either handed to the caller with
 * a whole, well-framed message, or closed.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "proto.h"

void vu_close_fds(int *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/* Control data room: one more descriptor than allowed, to see an excess. */
#define VU_CMSG_ROOM CMSG_SPACE((VU_FDS_LIMIT + 1) * sizeof(int))

struct vu_rx {
	int fds[VU_FDS_LIMIT + 1];
	unsigned int nfds;
	bool bad_cmsg;		/* truncated, or not SCM_RIGHTS */
};

/* Takes every descriptor out of the control data, whatever happens next. */
static void rx_cmsgs(struct vu_rx *rx, struct msghdr *mh)
{
	if (mh->msg_flags & MSG_CTRUNC)
		rx->bad_cmsg = true;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			rx->bad_cmsg = true;
			continue;
		}
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (rx->nfds < VU_FDS_LIMIT + 1)
				rx->fds[rx->nfds++] = fd;
			else
				close(fd);	/* cannot happen with VU_CMSG_ROOM */
		}
	}
}

/*
 * Reads want bytes into buf. Returns 0, or -EAGAIN (nothing read yet on a
 * non-blocking socket), -ECONNRESET for an orderly close before any byte
 * (*got 0) or inside (*got > 0), another -errno.
 */
static int rx_bytes(int sock, uint8_t *buf, size_t want, size_t *got,
		    struct vu_rx *rx, bool first)
{
	while (*got < want) {
		union {
			char buf[VU_CMSG_ROOM];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { .iov_base = buf + *got, .iov_len = want - *got };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
		};
		ssize_t r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				struct pollfd pfd = { .fd = sock, .events = POLLIN };

				if (first && !*got)
					return -EAGAIN;
				/* Inside a message: wait for the rest. */
				if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
					return -errno;
				continue;
			}
			return -errno;
		}
		rx_cmsgs(rx, &mh);
		if (r == 0)
			return -ECONNRESET;
		*got += (size_t)r;
	}
	return 0;
}

ssize_t vu_recv(int sock, void *buf, size_t cap, int *fds,
		unsigned int max_fds, unsigned int *nfds)
{
	struct vu_rx rx = { .nfds = 0 };
	struct vu_hdr hdr;
	size_t got = 0;
	int ret;

	*nfds = 0;
	if (cap < VU_HDR_SIZE)
		return -EINVAL;
	ret = rx_bytes(sock, buf, VU_HDR_SIZE, &got, &rx, true);
	if (ret == -ECONNRESET && !got) {
		vu_close_fds(rx.fds, rx.nfds);
		return 0;	/* closed between messages */
	}
	if (ret == -ECONNRESET)
		ret = -EBADMSG;
	if (!ret) {
		/*
		 * Only the framing matters here: the rest of the header is
		 * vu_decode()'s to judge, with the whole message read.
		 */
		ret = vu_hdr_parse(buf, VU_HDR_SIZE, &hdr);
		if (ret != -EBADMSG)
			ret = hdr.size > cap ? -E2BIG : 0;
	}
	if (!ret) {
		ret = rx_bytes(sock, buf, hdr.size, &got, &rx, false);
		if (ret == -ECONNRESET)
			ret = -EBADMSG;
	}
	if (!ret && (rx.bad_cmsg || rx.nfds > max_fds))
		ret = -EMSGSIZE;
	if (ret) {
		vu_close_fds(rx.fds, rx.nfds);
		return ret;
	}
	memcpy(fds, rx.fds, rx.nfds * sizeof(int));
	*nfds = rx.nfds;
	return (ssize_t)hdr.size;
}

int vu_send(int sock, const void *buf, size_t len, const int *fds,
	    unsigned int nfds)
{
	union {
		char buf[CMSG_SPACE(VU_FDS_LIMIT * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	size_t done = 0;

	if (nfds > VU_FDS_LIMIT || !len)
		return -EINVAL;
	while (done < len) {
		struct iovec iov = {
			.iov_base = (uint8_t *)buf + done, .iov_len = len - done,
		};
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t r;

		/* The descriptors ride on the message's first byte. */
		if (!done && nfds) {
			struct cmsghdr *c;

			memset(&ctl, 0, sizeof(ctl));
			mh.msg_control = ctl.buf;
			mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
			memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
		}
		r = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (r < 0) {
			struct pollfd pfd = { .fd = sock, .events = POLLOUT };

			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				return -errno;
			continue;
		}
		done += (size_t)r;
	}
	return 0;
}
