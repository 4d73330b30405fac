/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pciassign generic-netlink family: device events and state.
 *
 * Family "pciassign", version 1. Messages carry PCIASSIGN_A_* attributes.
 *
 * Multicast group "events": one PCIASSIGN_CMD_EVENT message per event, with
 * PCIASSIGN_A_EVENT and the device's attributes (see PCIASSIGN_CMD_DEV_GET),
 * plus PCIASSIGN_A_REASON where the event has one.
 *
 * Commands:
 *  PCIASSIGN_CMD_DEV_GET      dump: every device bound to pciassign; do:
 *                             the device named by PCIASSIGN_A_DEV_NAME.
 *                             Replies carry DEV_NAME, VENDOR, DEVICE, STATE
 *                             and, when attached, OWNER_PID.
 *  PCIASSIGN_CMD_DEV_RELEASE  ask the owner of DEV_NAME to release it (the
 *                             request eventfd fires, a RELEASE_REQUESTED
 *                             event is sent). Needs CAP_NET_ADMIN.
 *  PCIASSIGN_CMD_DEV_REVOKE   take DEV_NAME from its owner now. Needs
 *                             CAP_NET_ADMIN.
 */
#ifndef _UAPI_LINUX_PCIASSIGN_NETLINK_H
#define _UAPI_LINUX_PCIASSIGN_NETLINK_H

#define PCIASSIGN_GENL_NAME		"pciassign"
#define PCIASSIGN_GENL_VERSION		1
#define PCIASSIGN_GENL_MCGRP_EVENTS	"events"

enum pciassign_genl_cmd {
	PCIASSIGN_CMD_UNSPEC,
	PCIASSIGN_CMD_DEV_GET,
	PCIASSIGN_CMD_EVENT,
	PCIASSIGN_CMD_DEV_RELEASE,
	PCIASSIGN_CMD_DEV_REVOKE,

	__PCIASSIGN_CMD_MAX,
	PCIASSIGN_CMD_MAX = __PCIASSIGN_CMD_MAX - 1
};

enum pciassign_genl_attr {
	PCIASSIGN_A_UNSPEC,
	PCIASSIGN_A_DEV_NAME,		/* string: "ssss:bb:dd.f" */
	PCIASSIGN_A_VENDOR,		/* u16 */
	PCIASSIGN_A_DEVICE,		/* u16 */
	PCIASSIGN_A_STATE,		/* u32: enum pciassign_dev_state */
	PCIASSIGN_A_OWNER_PID,		/* u32: thread-group id of the attacher */
	PCIASSIGN_A_EVENT,		/* u32: enum pciassign_event */
	PCIASSIGN_A_REASON,		/* string */
	PCIASSIGN_A_TIMEOUT_MS,		/* u32: release deadline before revocation */
	PCIASSIGN_A_ERROR_STATE,	/* u32: pci_channel_state_t of an AER event */

	__PCIASSIGN_A_MAX,
	PCIASSIGN_A_MAX = __PCIASSIGN_A_MAX - 1
};

enum pciassign_dev_state {
	PCIASSIGN_STATE_BOUND,		/* bound to pciassign, free */
	PCIASSIGN_STATE_ATTACHED,	/* a VMM holds a device fd */
	PCIASSIGN_STATE_RELEASING,	/* the owner was asked to release it */
	PCIASSIGN_STATE_REVOKED,	/* taken back; the fd answers -ENODEV */
};

enum pciassign_event {
	PCIASSIGN_EVENT_BOUND,
	PCIASSIGN_EVENT_UNBOUND,
	PCIASSIGN_EVENT_ATTACHED,
	PCIASSIGN_EVENT_RELEASE_REQUESTED,
	PCIASSIGN_EVENT_RELEASED,
	PCIASSIGN_EVENT_REVOKED,
	PCIASSIGN_EVENT_ERROR,
};

#endif /* _UAPI_LINUX_PCIASSIGN_NETLINK_H */
