// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/xen/gntdev: lets a privileged process map pages that other domains
 * granted to it, and takes the grants out again when their pages leave the
 * process's address space: in a PV domain at once and exactly for those
 * pages, through one mmu_interval_notifier per grant map; in an
 * auto-translated one, where the core mm owns the PTEs, with the map's last
 * user.  gntdev-internal.h states the rules, gntdev-pv.c watches the
 * address space and gntdev-unmap.c takes the grants out.
 */

#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <xen/features.h>
#include <xen/xen.h>

#include "xen/gntdev-internal.h"

/* Xen writes our user PTEs: the domain is PV, not auto-translated. */
bool gntdev_pv;

/*
 * The file operations.  Each gntdev_fop_<member>() only turns the struct
 * file it is handed into the file's state (struct gntdev_file) and passes
 * on to the function that does the work.
 */

static int gntdev_fop_open(struct inode *inode, struct file *filp)
{
	filp->private_data = gntdev_file_alloc();
	return filp->private_data ? 0 : -ENOMEM;
}

static int gntdev_fop_release(struct inode *inode, struct file *filp)
{
	gntdev_file_free(filp->private_data);
	return 0;
}

static int gntdev_fop_mmap(struct file *filp, struct vm_area_struct *vma)
{
	return gntdev_mmap(filp->private_data, vma);
}

static unsigned long gntdev_fop_get_unmapped_area(struct file *filp,
						  unsigned long addr,
						  unsigned long len,
						  unsigned long pgoff,
						  unsigned long flags)
{
	return gntdev_get_unmapped_area(filp->private_data, filp, addr, len,
					pgoff, flags);
}

static long gntdev_fop_unlocked_ioctl(struct file *filp, unsigned int cmd,
				      unsigned long arg)
{
	return gntdev_ioctl(filp->private_data, cmd, arg);
}

#ifdef CONFIG_COMPAT
static long gntdev_fop_compat_ioctl(struct file *filp, unsigned int cmd,
				    unsigned long arg)
{
	return gntdev_compat_ioctl(filp->private_data, cmd, arg);
}
#endif

static const struct file_operations gntdev_fops = {
	.owner = THIS_MODULE,
	.open = gntdev_fop_open,
	.release = gntdev_fop_release,
	.mmap = gntdev_fop_mmap,
	.get_unmapped_area = gntdev_fop_get_unmapped_area,
	.unlocked_ioctl = gntdev_fop_unlocked_ioctl,
#ifdef CONFIG_COMPAT
	.compat_ioctl = gntdev_fop_compat_ioctl,
#endif
};

static struct miscdevice gntdev_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "xen/gntdev",
	.fops = &gntdev_fops,
};

static int __init gntdev_init(void)
{
	int err;

	if (!xen_domain())
		return -ENODEV;
	gntdev_pv = !xen_feature(XENFEAT_auto_translated_physmap);

	err = gntdev_unmap_init();
	if (err)
		return err;

	err = misc_register(&gntdev_miscdev);
	if (err)
		goto exit_unmap;

	gntdev_stats_init();
	pr_info("interval-notifier gntdev %s ready (%s)\n", GNTDEV_VERSION,
		gntdev_pv ? "PV" : "auto-translated");
	return 0;

exit_unmap:
	gntdev_unmap_exit();
	return err;
}

static void __exit gntdev_exit(void)
{
	gntdev_stats_exit();
	misc_deregister(&gntdev_miscdev);
	gntdev_unmap_exit();
	gntdev_pages_exit();
}

module_init(gntdev_init);
module_exit(gntdev_exit);

MODULE_DESCRIPTION("Xen grant device on per-map mmu_interval_notifiers");
MODULE_LICENSE("GPL");
MODULE_VERSION(GNTDEV_VERSION);
