// SPDX-License-Identifier: GPL-2.0
/*
 * Copying of extensible ioctl arguments: every structure starts with
 * argsz and flags. Older userspace passes a shorter structure, newer
 * userspace a longer one whose unknown tail must be zero.
 */
#include <linux/uaccess.h>

#include "pciassign.h"

/**
 * pa_copy_args() - copy an argsz-prefixed ioctl argument from userspace
 * @dst: kernel structure of @maxsz bytes, zero-filled past what is copied
 * @minsz: smallest argsz accepted (the fields this ioctl needs)
 * @maxsz: size of the structure this kernel knows
 * @uarg: userspace pointer
 *
 * Return: 0, -EFAULT, -EINVAL if argsz is below @minsz, or -E2BIG if the
 * part beyond @maxsz is not zero or argsz exceeds a page.
 */
int pa_copy_args(void *dst, size_t minsz, size_t maxsz, const void __user *uarg)
{
	u32 argsz;
	int ret;

	if (get_user(argsz, (const u32 __user *)uarg))
		return -EFAULT;
	if (argsz < minsz)
		return -EINVAL;
	/* No structure of ours will ever need a tail this long. */
	if (argsz > PAGE_SIZE)
		return -E2BIG;

	/* Zero-fills a short copy, -E2BIG on a non-zero unknown tail. */
	ret = copy_struct_from_user(dst, maxsz, uarg, argsz);
	if (ret)
		return ret;
	/* Keep what userspace said it passed; callers answer within it. */
	*(u32 *)dst = argsz;
	return 0;
}

/**
 * pa_copy_out() - copy an ioctl result back within the caller's argsz
 * @uarg: userspace pointer
 * @src: kernel structure of @maxsz bytes
 * @argsz: size userspace passed
 * @maxsz: size of the structure this kernel knows
 *
 * Return: 0 or -EFAULT.
 */
int pa_copy_out(void __user *uarg, const void *src, u32 argsz, size_t maxsz)
{
	if (copy_to_user(uarg, src, min_t(size_t, argsz, maxsz)))
		return -EFAULT;
	return 0;
}
