// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Device events and state from the module's generic-netlink family, with
 * libnl-3. A subscriber (pa_events_*) and one-shot requests (dump,
 * release, revoke), each on its own socket.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <linux/pciassign_netlink.h>

#include "libpciassign.h"
#include "netlink_names.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* The kernel's extended-ack message of this thread's last failed request. */
static __thread char pa_nl_errmsg[256];

const char *pa_netlink_error_message(void)
{
	return pa_nl_errmsg;
}

struct pa_events {
	struct nl_sock *sock;
	struct pa_event *pending;	/* where the callback stores an event */
	int got;
};

/* A connected generic-netlink socket and our family id. */
static int pa_genl_socket(struct nl_sock **out, int *family)
{
	struct nl_sock *sock = nl_socket_alloc();
	int ret;

	if (!sock)
		return -ENOMEM;
	ret = genl_connect(sock);
	if (ret < 0) {
		nl_socket_free(sock);
		return -ECONNREFUSED;
	}
	/* Ask for the kernel's error messages; older kernels just say no. */
	setsockopt(nl_socket_get_fd(sock), SOL_NETLINK, NETLINK_EXT_ACK,
		   &(int){ 1 }, sizeof(int));
	*family = genl_ctrl_resolve(sock, PCIASSIGN_GENL_NAME);
	if (*family < 0) {
		nl_socket_free(sock);
		return -ENOENT;	/* family not registered: module not loaded */
	}
	*out = sock;
	return 0;
}

static void copy_str(char *dst, size_t len, struct nlattr *a)
{
	if (!a) {
		dst[0] = '\0';
		return;
	}
	snprintf(dst, len, "%s", nla_get_string(a));
}

/* Parse one message of ours into @e. */
static int pa_parse(struct nl_msg *msg, struct pa_event *e)
{
	static struct nla_policy policy[PCIASSIGN_A_MAX + 1] = {
		[PCIASSIGN_A_DEV_NAME] = { .type = NLA_STRING },
		[PCIASSIGN_A_VENDOR] = { .type = NLA_U16 },
		[PCIASSIGN_A_DEVICE] = { .type = NLA_U16 },
		[PCIASSIGN_A_STATE] = { .type = NLA_U32 },
		[PCIASSIGN_A_OWNER_PID] = { .type = NLA_U32 },
		[PCIASSIGN_A_EVENT] = { .type = NLA_U32 },
		[PCIASSIGN_A_REASON] = { .type = NLA_STRING },
		[PCIASSIGN_A_TIMEOUT_MS] = { .type = NLA_U32 },
		[PCIASSIGN_A_ERROR_STATE] = { .type = NLA_U32 },
	};
	struct nlattr *tb[PCIASSIGN_A_MAX + 1];
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, PCIASSIGN_A_MAX, policy) < 0)
		return -EINVAL;
	memset(e, 0, sizeof(*e));
	e->type = -1;
	if (gh->cmd == PCIASSIGN_CMD_EVENT && tb[PCIASSIGN_A_EVENT])
		e->type = (int)nla_get_u32(tb[PCIASSIGN_A_EVENT]);
	copy_str(e->dev, sizeof(e->dev), tb[PCIASSIGN_A_DEV_NAME]);
	copy_str(e->reason, sizeof(e->reason), tb[PCIASSIGN_A_REASON]);
	if (tb[PCIASSIGN_A_VENDOR])
		e->vendor = nla_get_u16(tb[PCIASSIGN_A_VENDOR]);
	if (tb[PCIASSIGN_A_DEVICE])
		e->device = nla_get_u16(tb[PCIASSIGN_A_DEVICE]);
	if (tb[PCIASSIGN_A_STATE])
		e->state = (int)nla_get_u32(tb[PCIASSIGN_A_STATE]);
	if (tb[PCIASSIGN_A_OWNER_PID])
		e->owner_pid = nla_get_u32(tb[PCIASSIGN_A_OWNER_PID]);
	if (tb[PCIASSIGN_A_TIMEOUT_MS]) {
		e->timeout_ms = nla_get_u32(tb[PCIASSIGN_A_TIMEOUT_MS]);
		e->has_timeout = 1;
	}
	if (tb[PCIASSIGN_A_ERROR_STATE]) {
		e->error_state = nla_get_u32(tb[PCIASSIGN_A_ERROR_STATE]);
		e->has_error_state = 1;
	}
	return 0;
}

static int pa_event_cb(struct nl_msg *msg, void *arg)
{
	struct pa_events *ev = arg;

	if (ev->pending && !ev->got && !pa_parse(msg, ev->pending))
		ev->got = 1;
	return NL_OK;
}

int pa_events_open(struct pa_events **out)
{
	struct pa_events *ev = calloc(1, sizeof(*ev));
	int family, grp, ret;

	if (!ev)
		return -ENOMEM;
	ret = pa_genl_socket(&ev->sock, &family);
	if (ret)
		goto free;
	grp = genl_ctrl_resolve_grp(ev->sock, PCIASSIGN_GENL_NAME,
				    PCIASSIGN_GENL_MCGRP_EVENTS);
	if (grp < 0) {
		ret = -ENOENT;
		goto sock;
	}
	nl_socket_disable_seq_check(ev->sock);
	nl_socket_modify_cb(ev->sock, NL_CB_VALID, NL_CB_CUSTOM, pa_event_cb, ev);
	if (nl_socket_add_membership(ev->sock, grp) < 0) {
		ret = -EPERM;
		goto sock;
	}
	/* Events come one per message: don't let a burst drop any. */
	nl_socket_set_buffer_size(ev->sock, 1 << 20, 0);
	*out = ev;
	return 0;
sock:
	nl_socket_free(ev->sock);
free:
	free(ev);
	return ret;
}

int pa_events_fd(const struct pa_events *ev)
{
	return nl_socket_get_fd(ev->sock);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int pa_events_next(struct pa_events *ev, struct pa_event *out, int timeout_ms)
{
	long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = pa_events_fd(ev), .events = POLLIN };

	ev->pending = out;
	ev->got = 0;
	/*
	 * One datagram may hold one message; loop until one of ours was
	 * parsed. The socket is non-blocking so a drained queue returns.
	 */
	nl_socket_set_nonblocking(ev->sock);
	for (;;) {
		int wait = -1, r;

		r = nl_recvmsgs_default(ev->sock);
		if (ev->got)
			break;
		if (r < 0 && r != -NLE_AGAIN) {
			ev->pending = NULL;
			return r == -NLE_NOMEM ? -ENOBUFS : -EIO;
		}
		if (deadline >= 0) {
			long long left = deadline - now_ms();

			if (left <= 0)
				break;
			wait = (int)left;
		}
		r = poll(&pfd, 1, wait);
		if (r < 0 && errno != EINTR) {
			ev->pending = NULL;
			return -errno;
		}
		if (r == 0)
			break;
	}
	ev->pending = NULL;
	return ev->got;
}

void pa_events_close(struct pa_events *ev)
{
	if (!ev)
		return;
	nl_socket_free(ev->sock);
	free(ev);
}

struct pa_dump {
	struct pa_event *out;
	size_t max, n;
};

static int pa_dump_cb(struct nl_msg *msg, void *arg)
{
	struct pa_dump *d = arg;

	if (d->n < d->max && !pa_parse(msg, &d->out[d->n]))
		d->n++;
	return NL_OK;
}

/*
 * NLMSGERR_ATTR_MSG of an error message with extended-ack TLVs: they
 * follow struct nlmsgerr and, unless NLM_F_CAPPED, the echoed request.
 */
static void pa_save_ext_ack(const struct nlmsgerr *err)
{
	const struct nlmsghdr *nlh = (const void *)((const char *)err - NLMSG_HDRLEN);
	const char *p, *end = (const char *)nlh + nlh->nlmsg_len;
	size_t payload = sizeof(*err);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		payload += err->msg.nlmsg_len - NLMSG_HDRLEN;
	for (p = (const char *)err + NLMSG_ALIGN(payload); p + NLA_HDRLEN <= end;) {
		const struct nlattr *a = (const void *)p;

		if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			snprintf(pa_nl_errmsg, sizeof(pa_nl_errmsg), "%.*s",
				 (int)(a->nla_len - NLA_HDRLEN), p + NLA_HDRLEN);
			return;
		}
		p += NLA_ALIGN(a->nla_len);
	}
}

/* Keep the kernel's own errno: libnl folds it into coarser NLE_ codes. */
static int pa_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	(void)nla;
	*(int *)arg = err->error;
	if (err->error)
		pa_save_ext_ack(err);
	return NL_STOP;
}

/* Send @cmd (with a device name when @bdf is set) and wait for the ack. */
static int pa_genl_request(int cmd, int flags, const char *bdf,
			   nl_recvmsg_msg_cb_t cb, void *arg)
{
	struct nl_sock *sock;
	struct nl_msg *msg;
	int family, ret, kerr = 0;

	pa_nl_errmsg[0] = '\0';
	ret = pa_genl_socket(&sock, &family);
	if (ret)
		return ret;
	msg = nlmsg_alloc();
	if (!msg) {
		ret = -ENOMEM;
		goto sock;
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags,
			 (uint8_t)cmd, PCIASSIGN_GENL_VERSION) ||
	    (bdf && nla_put_string(msg, PCIASSIGN_A_DEV_NAME, bdf) < 0)) {
		ret = -EMSGSIZE;
		goto msg;
	}
	if (cb)
		nl_socket_modify_cb(sock, NL_CB_VALID, NL_CB_CUSTOM, cb, arg);
	nl_socket_modify_err_cb(sock, NL_CB_CUSTOM, pa_err_cb, &kerr);
	ret = nl_send_auto(sock, msg);
	if (ret >= 0)
		ret = nl_recvmsgs_default(sock);
	if (kerr < 0)
		ret = kerr;
	else if (ret >= 0)
		ret = 0;
	else
		ret = -EIO;
msg:
	nlmsg_free(msg);
sock:
	nl_socket_free(sock);
	return ret;
}

int pa_devices_dump(struct pa_event *out, size_t max)
{
	struct pa_dump d = { .out = out, .max = max };
	int ret = pa_genl_request(PCIASSIGN_CMD_DEV_GET, NLM_F_DUMP, NULL,
				  pa_dump_cb, &d);

	return ret < 0 ? ret : (int)d.n;
}

int pa_device_request_release(const char *bdf)
{
	return pa_genl_request(PCIASSIGN_CMD_DEV_RELEASE, NLM_F_ACK, bdf, NULL, NULL);
}

int pa_device_revoke(const char *bdf)
{
	return pa_genl_request(PCIASSIGN_CMD_DEV_REVOKE, NLM_F_ACK, bdf, NULL, NULL);
}

/* The names are the YAML spec's (netlink_names.h is generated from it). */
const char *pa_event_name(int type)
{
	if (type < 0 || (size_t)type >= sizeof(pa_nl_event_names) / sizeof(pa_nl_event_names[0]) ||
	    !pa_nl_event_names[type])
		return "unknown";
	return pa_nl_event_names[type];
}

const char *pa_state_name(int state)
{
	if (state < 0 ||
	    (size_t)state >= sizeof(pa_nl_dev_state_names) / sizeof(pa_nl_dev_state_names[0]) ||
	    !pa_nl_dev_state_names[state])
		return "unknown";
	return pa_nl_dev_state_names[state];
}

/* JSON string escaping for the only free-form field, the reason. */
static void json_escape(const char *s, char *out, size_t len)
{
	size_t o = 0;

	for (; *s && o + 7 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, len - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

int pa_event_to_json(const struct pa_event *e, char *buf, size_t len)
{
	char reason[sizeof(e->reason) * 6 + 1], dev[sizeof(e->dev) * 6 + 1];
	char extra[96] = "";
	size_t x = 0;

	json_escape(e->reason, reason, sizeof(reason));
	json_escape(e->dev, dev, sizeof(dev));
	if (e->owner_pid)
		x += (size_t)snprintf(extra + x, sizeof(extra) - x, ",\"owner_pid\":%u",
				      e->owner_pid);
	if (e->has_timeout)
		x += (size_t)snprintf(extra + x, sizeof(extra) - x, ",\"timeout_ms\":%u",
				      e->timeout_ms);
	if (e->has_error_state)
		snprintf(extra + x, sizeof(extra) - x, ",\"error_state\":%u", e->error_state);
	return snprintf(buf, len,
			"{%s%s%s\"device\":\"%s\",\"vendor\":\"%04x\",\"id\":\"%04x\",\"state\":\"%s\"%s%s%s%s}",
			e->type >= 0 ? "\"event\":\"" : "",
			e->type >= 0 ? pa_event_name(e->type) : "",
			e->type >= 0 ? "\"," : "",
			dev, e->vendor, e->device, pa_state_name(e->state), extra,
			e->reason[0] ? ",\"reason\":\"" : "", reason,
			e->reason[0] ? "\"" : "");
}

int pa_event_to_text(const struct pa_event *e, char *buf, size_t len)
{
	char pid[32] = "", extra[64] = "";

	if (e->owner_pid)
		snprintf(pid, sizeof(pid), " owner=%u", e->owner_pid);
	if (e->has_timeout)
		snprintf(extra, sizeof(extra), " timeout=%ums", e->timeout_ms);
	else if (e->has_error_state)
		snprintf(extra, sizeof(extra), " error_state=%u", e->error_state);
	return snprintf(buf, len, "%s%s%s [%04x:%04x] state=%s%s%s%s%s%s",
			e->type >= 0 ? pa_event_name(e->type) : "",
			e->type >= 0 ? " " : "", e->dev, e->vendor, e->device,
			pa_state_name(e->state), pid, extra,
			e->reason[0] ? " reason=\"" : "", e->reason,
			e->reason[0] ? "\"" : "");
}
