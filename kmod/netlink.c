// SPDX-License-Identifier: GPL-2.0
/*
 * The "pciassign" generic-netlink family: device events for management
 * daemons (multicast group "events"), a dump of the devices bound to
 * pciassign, and admin commands to ask an owner to release a device or to
 * revoke it. See uapi/linux/pciassign_netlink.h.
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <net/genetlink.h>
#include <linux/pciassign_netlink.h>

#include "compat.h"
#include "pciassign.h"

static struct genl_family pa_genl_family;

enum pa_genl_mcgrp { PA_MCGRP_EVENTS };

static const struct genl_multicast_group pa_genl_mcgrps[] = {
	/* Events name owners and states: for administrators only. */
	[PA_MCGRP_EVENTS] = { .name = PCIASSIGN_GENL_MCGRP_EVENTS,
			      .flags = PA_COMPAT_MCAST_ADMIN_FLAGS },
};

static const struct nla_policy pa_genl_policy[PCIASSIGN_A_MAX + 1] = {
	[PCIASSIGN_A_DEV_NAME] = { .type = NLA_NUL_STRING, .len = 32 },
};

static u32 pa_adev_state(struct pa_adev *padev)
{
	if (padev->revoked)
		return PCIASSIGN_STATE_REVOKED;
	if (padev->ctx && padev->releasing)
		return PCIASSIGN_STATE_RELEASING;
	if (padev->ctx)
		return PCIASSIGN_STATE_ATTACHED;
	return PCIASSIGN_STATE_BOUND;
}

/*
 * The device's attributes; the caller holds padev->lock. @with_pid: the
 * reader is known to be an administrator.
 */
static int pa_put_device(struct sk_buff *skb, struct pa_adev *padev,
			 bool with_pid)
{
	struct pci_dev *pdev = padev->pdev;

	lockdep_assert_held(&padev->lock);
	if (nla_put_string(skb, PCIASSIGN_A_DEV_NAME, pci_name(pdev)) ||
	    nla_put_u16(skb, PCIASSIGN_A_VENDOR, pdev->vendor) ||
	    nla_put_u16(skb, PCIASSIGN_A_DEVICE, pdev->device) ||
	    nla_put_u32(skb, PCIASSIGN_A_STATE, pa_adev_state(padev)))
		return -EMSGSIZE;
	if (with_pid && padev->ctx &&
	    nla_put_u32(skb, PCIASSIGN_A_OWNER_PID, padev->owner_pid))
		return -EMSGSIZE;
	return 0;
}

static int pa_fill_device(struct sk_buff *skb, struct pa_adev *padev,
			  u32 portid, u32 seq, int flags, u8 cmd)
{
	void *hdr = genlmsg_put(skb, portid, seq, &pa_genl_family, flags, cmd);

	if (!hdr)
		return -EMSGSIZE;
	if (pa_put_device(skb, padev, true)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/**
 * pa_nl_event() - announce an event of @padev to the "events" group
 * @padev: the device; the caller holds padev->lock
 * @event: enum pciassign_event
 * @reason: why, or NULL
 * @value_attr: an extra u32 attribute (PCIASSIGN_A_TIMEOUT_MS...), or 0
 * @value: its value
 */
void pa_nl_event(struct pa_adev *padev, u32 event, const char *reason,
		 int value_attr, u32 value)
{
	struct sk_buff *skb;
	void *hdr;

	lockdep_assert_held(&padev->lock);
	if (!genl_has_listeners(&pa_genl_family, &init_net, PA_MCGRP_EVENTS))
		return;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &pa_genl_family, 0, PCIASSIGN_CMD_EVENT);
	if (!hdr)
		goto drop;
	if (nla_put_u32(skb, PCIASSIGN_A_EVENT, event) ||
	    pa_put_device(skb, padev, PA_COMPAT_EVENTS_PRIVATE))
		goto drop;
	if (reason && nla_put_string(skb, PCIASSIGN_A_REASON, reason))
		goto drop;
	if (value_attr && nla_put_u32(skb, value_attr, value))
		goto drop;
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&pa_genl_family, skb, 0, PA_MCGRP_EVENTS, GFP_KERNEL);
	return;
drop:
	nlmsg_free(skb);
}

/* The pa_adev named by the request's DEV_NAME, referenced, or NULL. */
static struct pa_adev *pa_genl_lookup(struct genl_info *info)
{
	struct pa_adev *padev;
	struct device *dev;

	if (GENL_REQ_ATTR_CHECK(info, PCIASSIGN_A_DEV_NAME))
		return ERR_PTR(-EINVAL);
	dev = bus_find_device_by_name(&pci_bus_type, NULL,
				      nla_data(info->attrs[PCIASSIGN_A_DEV_NAME]));
	if (!dev) {
		NL_SET_ERR_MSG(info->extack, "no such PCI device");
		return ERR_PTR(-ENODEV);
	}
	padev = pa_adev_get_by_pdev(to_pci_dev(dev));
	put_device(dev);
	if (!padev) {
		NL_SET_ERR_MSG(info->extack, "device not bound to pciassign");
		return ERR_PTR(-ENODEV);
	}
	return padev;
}

static int pa_genl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct pa_adev *padev = pa_genl_lookup(info);
	struct sk_buff *msg;
	int ret;

	if (IS_ERR(padev))
		return PTR_ERR(padev);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		pa_adev_put(padev);
		return -ENOMEM;
	}
	mutex_lock(&padev->lock);
	ret = pa_fill_device(msg, padev, info->snd_portid, info->snd_seq, 0,
			     PCIASSIGN_CMD_DEV_GET);
	mutex_unlock(&padev->lock);
	pa_adev_put(padev);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/* cb->args[0]: how many devices earlier calls of this dump have sent. */
static int pa_genl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct pa_adev *padev;
	int ret;

	while ((padev = pa_adev_get_nth(cb->args[0]))) {
		mutex_lock(&padev->lock);
		ret = pa_fill_device(skb, padev, NETLINK_CB(cb->skb).portid,
				     cb->nlh->nlmsg_seq, NLM_F_MULTI,
				     PCIASSIGN_CMD_DEV_GET);
		mutex_unlock(&padev->lock);
		pa_adev_put(padev);
		if (ret)
			break;
		cb->args[0]++;
	}
	return skb->len;
}

static int pa_genl_dev_release(struct sk_buff *skb, struct genl_info *info)
{
	struct pa_adev *padev = pa_genl_lookup(info);
	int ret;

	if (IS_ERR(padev))
		return PTR_ERR(padev);
	ret = pa_adev_request_release(padev, "administrator request");
	pa_adev_put(padev);
	if (ret)
		NL_SET_ERR_MSG(info->extack, "device is not attached");
	return ret;
}

static int pa_genl_dev_revoke(struct sk_buff *skb, struct genl_info *info)
{
	struct pa_adev *padev = pa_genl_lookup(info);
	int ret;

	if (IS_ERR(padev))
		return PTR_ERR(padev);
	ret = pa_adev_revoke(padev, "administrator request") ? 0 : -ENOENT;
	pa_adev_put(padev);
	if (ret)
		NL_SET_ERR_MSG(info->extack, "device is not attached");
	return ret;
}

static const struct genl_small_ops pa_genl_ops[] = {
	{
		.cmd = PCIASSIGN_CMD_DEV_GET,
		.doit = pa_genl_dev_get_doit,
		.dumpit = pa_genl_dev_get_dumpit,
		.flags = GENL_ADMIN_PERM,	/* owners and states */
	},
	{
		.cmd = PCIASSIGN_CMD_DEV_RELEASE,
		.doit = pa_genl_dev_release,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = PCIASSIGN_CMD_DEV_REVOKE,
		.doit = pa_genl_dev_revoke,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family pa_genl_family __ro_after_init = {
	.name = PCIASSIGN_GENL_NAME,
	.version = PCIASSIGN_GENL_VERSION,
	.maxattr = PCIASSIGN_A_MAX,
	.policy = pa_genl_policy,
	.module = THIS_MODULE,
	.small_ops = pa_genl_ops,
	.n_small_ops = ARRAY_SIZE(pa_genl_ops),
	.mcgrps = pa_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(pa_genl_mcgrps),
};

/**
 * pa_netlink_init() - register the "pciassign" generic-netlink family
 *
 * Return: 0 or a negative errno.
 */
int __init pa_netlink_init(void)
{
	return genl_register_family(&pa_genl_family);
}

/**
 * pa_netlink_exit() - unregister the generic-netlink family
 */
void pa_netlink_exit(void)
{
	genl_unregister_family(&pa_genl_family);
}
