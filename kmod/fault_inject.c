// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for tests, compiled in only with
 * CONFIG_PCIASSIGN_FAULT_INJECT=y on the make command line (never in
 * packages). debugfs/pciassign/:
 *
 *   fail_nth   write N: the Nth fault site evaluated from now on fails
 *              (counting every site, in any task); 0 disarms
 *   fail_hit   the name of the site that failed, "" if none; cleared
 *              when fail_nth is written
 *
 * A test walks N = 1, 2, ... over one operation until it succeeds with
 * nothing hit, checking after each failure that nothing leaked (the way
 * iommufd's fail_nth test works, without needing the kernel's
 * CONFIG_FAULT_INJECTION, which distribution kernels do not enable).
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#include "pciassign.h"

static atomic_t pa_fail_countdown = ATOMIC_INIT(0);
static DEFINE_SPINLOCK(pa_fail_lock);
static char pa_fail_site[64];
static struct dentry *pa_debugfs;

/**
 * pa_fault_hit() - should this evaluation of a fault site fail?
 * @site: the site's name, remembered when it fails
 *
 * Only the evaluation that takes the countdown from 1 to 0 fails.
 *
 * Return: true when it should fail.
 */
bool pa_fault_hit(const char *site)
{
	/* Only the evaluation that takes the countdown from 1 to 0 fails. */
	if (atomic_dec_if_positive(&pa_fail_countdown) == 0) {
		spin_lock(&pa_fail_lock);
		strscpy(pa_fail_site, site, sizeof(pa_fail_site));
		spin_unlock(&pa_fail_lock);
		return true;
	}
	return false;
}

static ssize_t fail_nth_write(struct file *file, const char __user *buf,
			      size_t count, loff_t *ppos)
{
	unsigned int n;
	int ret = kstrtouint_from_user(buf, count, 0, &n);

	if (ret)
		return ret;
	spin_lock(&pa_fail_lock);
	pa_fail_site[0] = '\0';
	spin_unlock(&pa_fail_lock);
	atomic_set(&pa_fail_countdown, n);
	return count;
}

static ssize_t fail_hit_read(struct file *file, char __user *buf,
			     size_t count, loff_t *ppos)
{
	char site[sizeof(pa_fail_site) + 1];
	size_t len;

	spin_lock(&pa_fail_lock);
	len = scnprintf(site, sizeof(site), "%s\n", pa_fail_site);
	spin_unlock(&pa_fail_lock);
	return simple_read_from_buffer(buf, count, ppos, site, len);
}

static const struct file_operations fail_nth_fops = {
	.write = fail_nth_write,
	.llseek = noop_llseek,
};

static const struct file_operations fail_hit_fops = {
	.read = fail_hit_read,
	.llseek = default_llseek,
};

/**
 * pa_fault_init() - create the fault-injection debugfs files
 */
void pa_fault_init(void)
{
	pa_debugfs = debugfs_create_dir(PCIASSIGN_NAME, NULL);
	debugfs_create_file("fail_nth", 0200, pa_debugfs, NULL, &fail_nth_fops);
	debugfs_create_file("fail_hit", 0400, pa_debugfs, NULL, &fail_hit_fops);
	pr_warn("fault injection build: not for production use\n");
}

/**
 * pa_fault_exit() - remove the fault-injection debugfs files
 */
void pa_fault_exit(void)
{
	debugfs_remove_recursive(pa_debugfs);
}
