// SPDX-License-Identifier: GPL-2.0
/*
 * Per-device grants: who may attach a bound device. Root writes the
 * device's "owner" sysfs attribute ("any", "uid N" or "gid N", IDs in the
 * writer's user namespace); attach refuses everyone else with -EACCES.
 * /dev/pciassign's mode still decides who may open a context at all, and
 * CAP_SYS_ADMIN may attach any device.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/device.h>
#include <linux/kstrtox.h>
#include <linux/pci.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "pciassign.h"

static int pa_grant_parse(const char *buf, struct pa_grant *g)
{
	u32 id;

	if (sysfs_streq(buf, "any")) {
		g->kind = PA_GRANT_ANY;
		return 0;
	}
	if (!strncmp(buf, "uid ", 4)) {
		if (kstrtou32(buf + 4, 10, &id))
			return -EINVAL;
		g->kind = PA_GRANT_USER;
		g->uid = make_kuid(current_user_ns(), id);
		return uid_valid(g->uid) ? 0 : -EINVAL;
	}
	if (!strncmp(buf, "gid ", 4)) {
		if (kstrtou32(buf + 4, 10, &id))
			return -EINVAL;
		g->kind = PA_GRANT_GROUP;
		g->gid = make_kgid(current_user_ns(), id);
		return gid_valid(g->gid) ? 0 : -EINVAL;
	}
	return -EINVAL;
}

static ssize_t owner_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct pa_adev *padev = dev_get_drvdata(dev);
	struct pa_grant g;

	mutex_lock(&padev->lock);
	g = padev->grant;
	mutex_unlock(&padev->lock);

	switch (g.kind) {
	case PA_GRANT_USER:
		return sysfs_emit(buf, "uid %u\n", from_kuid_munged(current_user_ns(), g.uid));
	case PA_GRANT_GROUP:
		return sysfs_emit(buf, "gid %u\n", from_kgid_munged(current_user_ns(), g.gid));
	default:
		return sysfs_emit(buf, "any\n");
	}
}

/* A new grant applies to later attaches; the current owner keeps its fd. */
static ssize_t owner_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	struct pa_adev *padev = dev_get_drvdata(dev);
	struct pa_grant g = { .kind = PA_GRANT_ANY };
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = pa_grant_parse(buf, &g);
	if (ret)
		return ret;

	mutex_lock(&padev->lock);
	padev->grant = g;
	padev->grant_refusal_logged = false;
	mutex_unlock(&padev->lock);
	return count;
}
static DEVICE_ATTR_RW(owner);

static struct attribute *pa_adev_attrs[] = {
	&dev_attr_owner.attr,
	NULL,
};

static const struct attribute_group pa_adev_group = {
	.attrs = pa_adev_attrs,
};

/* Created by the driver core after probe, removed before remove(). */
const struct attribute_group *pa_adev_groups[] = {
	&pa_adev_group,
	NULL,
};

/**
 * pa_grant_check() - may the calling task attach @padev?
 * @padev: the device
 *
 * Context: @padev->lock held.
 * Return: 0, or -EACCES when it is not granted the device.
 */
int pa_grant_check(struct pa_adev *padev)
{
	const struct pa_grant *g = &padev->grant;
	bool granted;

	lockdep_assert_held(&padev->lock);
	switch (g->kind) {
	case PA_GRANT_USER:
		granted = uid_eq(current_fsuid(), g->uid);
		break;
	case PA_GRANT_GROUP:
		granted = in_group_p(g->gid);
		break;
	default:
		return 0;
	}
	/* Asked last: capable() marks the task as having used privilege. */
	if (granted || capable(CAP_SYS_ADMIN))
		return 0;
	if (!padev->grant_refusal_logged) {
		pci_info(padev->pdev, "attach refused: uid %u is not granted this device\n",
			 from_kuid_munged(&init_user_ns, current_fsuid()));
		padev->grant_refusal_logged = true;
	}
	return -EACCES;
}
