// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vfio-lite: hands a PCI function to a userspace task, as vfio-pci does
 * (seeds 000 and 002).
 *
 * The device is bound through driver_override.  Its node "vfioN" gives
 * the task:
 *   read()   sleeps until the device interrupts, returns "intx N" (the
 *            count so far) - vfio's eventfd, as a read;
 *   poll()   EPOLLIN when an interrupt came since the last read;
 *   ioctl VFIO_LITE_UNMASK   unmask INTx after servicing the device;
 *   ioctl VFIO_LITE_RESET    reset the function (pci_try_reset_function():
 *            user config access is blocked meanwhile).
 * The task reads and writes config space through the user accessors
 * (sysfs "config"), which wait while a reset blocks them.
 *
 * INTx (seed 000's second half): the hard-IRQ handler masks INTx at the
 * device with pci_intx() under a spinlock with interrupts off, as
 * vfio-pci's does; the task unmasks it.  pci_intx() is pure in pcilab: no
 * allocation, no devres, legal here - in Linux 6.11 it was not, because a
 * previous managed binding had left the device "managed".
 *
 * wrong-vfio-reset is the twin of seed 002: its reset calls pcie_flr()
 * itself, without blocking user config access, so a task reading config
 * space meanwhile sees the function half reset.  pcilab reports the FLR
 * (checker api), and the scenario's config readers see torn values.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <stdio.h>
#include <string.h>
#include <pcilab/cdev.h>
#include <pcilab/pci.h>

#define VFIO_LITE_UNMASK	1
#define VFIO_LITE_RESET		2
#define VFIO_LITE_MAX		64

struct vfio_lite {
	struct device dev;	/* "vfioN": owns this memory (open files too) */
	struct cdev cdev;
	struct pci_dev *pdev;	/* file ops run only while bound (fence) */
	bool wrong_reset;	/* the seed 002 twin */
	int id;
	/* irqlock protects masked, count and seen; taken in hard-IRQ */
	spinlock_t irqlock;
	bool masked;		/* INTx masked at the device by the handler */
	unsigned long count, seen;
	wait_queue_head_t wq;
};

static DEFINE_IDA(vfio_ida);	/* the N of "vfioN" */

/* Hard-IRQ: mask at the device, count, wake the task. */
static irqreturn_t vfio_lite_intx(int irq, void *data)
{
	struct vfio_lite *v = data;
	unsigned long flags;

	spin_lock_irqsave(&v->irqlock, flags);
	pci_intx(v->pdev, 0);
	v->masked = true;
	v->count++;
	spin_unlock_irqrestore(&v->irqlock, flags);
	wake_up_interruptible(&v->wq);
	return IRQ_HANDLED;
}

static bool vfio_lite_pending(struct vfio_lite *v)
{
	unsigned long flags;
	bool pending;

	spin_lock_irqsave(&v->irqlock, flags);
	pending = v->count != v->seen;
	spin_unlock_irqrestore(&v->irqlock, flags);
	return pending;
}

static int vfio_lite_open(struct inode *inode, struct file *file)
{
	file->private_data = container_of(inode->i_cdev, struct vfio_lite, cdev);
	return 0;
}

static ssize_t vfio_lite_read(struct file *file, char *buf, size_t len,
			      loff_t *pos)
{
	struct vfio_lite *v = file->private_data;
	unsigned long flags, n;
	char msg[32];
	int ret, m;

	ret = wait_event_interruptible(v->wq, vfio_lite_pending(v));
	if (ret)
		return ret;
	spin_lock_irqsave(&v->irqlock, flags);
	n = v->seen = v->count;
	spin_unlock_irqrestore(&v->irqlock, flags);
	m = snprintf(msg, sizeof(msg), "intx %lu", n);
	if ((size_t)m > len)
		m = (int)len;
	if (copy_to_user(buf, msg, (size_t)m))
		return -EFAULT;
	return m;
}

static __poll_t vfio_lite_poll(struct file *file, poll_table *pt)
{
	struct vfio_lite *v = file->private_data;

	poll_wait(file, &v->wq, pt);
	return vfio_lite_pending(v) ? (EPOLLIN | EPOLLRDNORM) : 0;
}

/* WRONG (the twin): an FLR while userspace may be reading config space. */
static int wrong_reset(struct pci_dev *pdev)
{
	int ret;

	pci_save_state(pdev);
	ret = pcie_flr(pdev);		/* no pci_cfg_access_lock() */
	pci_restore_state(pdev);
	return ret;
}

static long vfio_lite_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct vfio_lite *v = file->private_data;
	unsigned long flags;

	switch (cmd) {
	case VFIO_LITE_UNMASK:
		spin_lock_irqsave(&v->irqlock, flags);
		if (v->masked) {
			pci_intx(v->pdev, 1);
			v->masked = false;
		}
		spin_unlock_irqrestore(&v->irqlock, flags);
		return 0;
	case VFIO_LITE_RESET:
		/* try: our unbind may hold the device lock while the fence
		 * waits for this very call (vfio-pci does the same) */
		return v->wrong_reset ? wrong_reset(v->pdev)
				      : pci_try_reset_function(v->pdev);
	}
	return -ENOTTY;
}

static const struct file_operations vfio_lite_fops = {
	.open = vfio_lite_open,
	.read = vfio_lite_read,
	.poll = vfio_lite_poll,
	.unlocked_ioctl = vfio_lite_ioctl,
};

static void vfio_lite_release(struct device *dev)
{
	struct vfio_lite *v = container_of(dev, struct vfio_lite, dev);

	ida_free(&vfio_ida, (unsigned int)v->id);
	kfree(v);
}

static int vfio_lite_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct vfio_lite *v;
	int ret;

	v = kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	kmemleak_not_leak(v);		/* open files may hold it past unbind */
	v->id = ida_alloc_max(&vfio_ida, VFIO_LITE_MAX - 1, GFP_KERNEL);
	if (v->id < 0) {
		kfree(v);
		return -ENOSPC;
	}
	device_initialize(&v->dev);
	v->dev.release = vfio_lite_release;
	v->dev.parent = &pdev->dev;
	dev_set_name(&v->dev, "vfio%d", v->id);
	v->pdev = pdev;
	v->wrong_reset = !strcmp(pdev->dev.driver->name, "wrong-vfio-reset");
	spin_lock_init(&v->irqlock);
	init_waitqueue_head(&v->wq);
	cdev_init(&v->cdev, &vfio_lite_fops);

	/* Unmanaged on purpose, as vfio-pci: every step undone by hand. */
	ret = pci_enable_device(pdev);
	if (ret)
		goto err_put;
	ret = request_irq(pdev->irq, vfio_lite_intx, IRQF_SHARED, "vfio-lite", v);
	if (ret)
		goto err_disable;
	pci_set_drvdata(pdev, v);
	ret = cdev_device_add(&v->cdev, &v->dev);
	if (ret)
		goto err_free_irq;
	return 0;

err_free_irq:
	free_irq(pdev->irq, v);
err_disable:
	pci_disable_device(pdev);
err_put:
	put_device(&v->dev);
	return ret;
}

static void vfio_lite_remove(struct pci_dev *pdev)
{
	struct vfio_lite *v = pci_get_drvdata(pdev);
	unsigned long flags;

	cdev_device_del(&v->cdev, &v->dev);	/* no file op runs after this */
	free_irq(pdev->irq, v);			/* nor the handler after this */
	spin_lock_irqsave(&v->irqlock, flags);
	if (v->masked) {			/* give it back as we found it */
		pci_intx(pdev, 1);
		v->masked = false;
	}
	spin_unlock_irqrestore(&v->irqlock, flags);
	pci_disable_device(pdev);
	put_device(&v->dev);			/* freed now or at the last close */
}

static struct pci_driver vfio_lite = {
	.name = "vfio-lite",
	.id_table = NULL,	/* bound through driver_override, as vfio-pci */
	.probe = vfio_lite_probe,
	.remove = vfio_lite_remove,
};
module_pci_driver(vfio_lite,
		  "vfio-like: a char device for a userspace task; INTx masked by pci_intx() in hard-IRQ, unmasked by the task (seeds 000, 002)");

static struct pci_driver wrong_vfio_reset = {
	.name = "wrong-vfio-reset",
	.id_table = NULL,
	.probe = vfio_lite_probe,
	.remove = vfio_lite_remove,
};
module_pci_driver(wrong_vfio_reset,
		  "WRONG: resets with pcie_flr() without blocking user config access (seed 002)");
