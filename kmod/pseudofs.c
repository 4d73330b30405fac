// SPDX-License-Identifier: GPL-2.0
/*
 * A private pseudo filesystem for device fds. Each device fd gets its own
 * inode, so unmap_mapping_range() on it zaps exactly that device's BAR
 * mappings (anon_inode files would all share one address_space).
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>

#include "pciassign.h"

#define PCIASSIGN_FS_MAGIC 0x70617373	/* "pass" */

static struct vfsmount *pa_mnt;

static int pa_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, PCIASSIGN_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type pa_fs_type = {
	.name = "pciassign",
	/* No .owner: the mount lives from module init to exit; a module
	 * reference held by it would make rmmod impossible.
	 */
	.init_fs_context = pa_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

/**
 * pa_pseudofs_init() - mount the private pseudo filesystem of device fds
 *
 * Return: 0 or a negative errno.
 */
int pa_pseudofs_init(void)
{
	pa_mnt = kern_mount(&pa_fs_type);
	return PTR_ERR_OR_ZERO(pa_mnt);
}

/**
 * pa_pseudofs_exit() - unmount it
 */
void pa_pseudofs_exit(void)
{
	kern_unmount(pa_mnt);
}

/**
 * pa_pseudofs_inode() - a new inode for a device fd
 *
 * Each device fd has its own inode, so that its BAR mappings can be zapped alone.
 *
 * Return: the inode, or an ERR_PTR().
 */
struct inode *pa_pseudofs_inode(void)
{
	return alloc_anon_inode(pa_mnt->mnt_sb);
}

/**
 * pa_pseudofs_file() - a new file on a pseudofs inode
 * @inode: the inode, consumed (also on failure)
 * @name: the file's name
 * @fops: its operations
 * @priv: its private_data
 *
 * The file holds a reference to @fops's module, as files opened through a
 * path do.
 *
 * Return: the file, or an ERR_PTR().
 */
struct file *pa_pseudofs_file(struct inode *inode, const char *name,
			      const struct file_operations *fops, void *priv)
{
	struct file *file;

	if (!fops_get(fops)) {
		iput(inode);
		return ERR_PTR(-ENODEV);
	}
	file = alloc_file_pseudo(inode, pa_mnt, name, O_RDWR, fops);
	if (IS_ERR(file)) {
		fops_put(fops);
		iput(inode);
		return file;
	}
	file->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	file->private_data = priv;
	return file;
}
