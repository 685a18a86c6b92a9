// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Seed 001's wrong twin: switchtec as Linux 4.12 had it, with a
 * home-made "alive" flag instead of a fence.
 *
 * wrong-switchtec-alive uses the plain cdev (cdev_add/cdev_del: open
 * files keep calling the driver after cdev_del) and checks an unlocked
 * alive flag at the top of read().  Its remove() clears the flag and
 * returns without waking a reader: the task sleeping on the command stays
 * asleep although the device is gone (a hung task).  When a signal
 * finally wakes it, read() "aborts the command" with an MMIO write -
 * through a mapping devres has already undone.  pcilab reports that
 * write, and every file operation that runs after cdev_del()
 * (checker use-after-revoke).  switchtec-lite is the fixed twin.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <pcilab/cdev.h>
#include <pcilab/pci.h>

struct wst_dev {
	struct device dev;		/* "switchtec-wrongN"; frees this */
	struct cdev cdev;
	void __iomem *mmio;
	bool alive;			/* WRONG: racy, and nobody waits for it */
	spinlock_t lock;		/* protects done; hard-IRQ */
	bool done;
	wait_queue_head_t wq;
};

static bool wst_done(struct wst_dev *w)
{
	unsigned long flags;
	bool d;

	spin_lock_irqsave(&w->lock, flags);
	d = w->done;
	spin_unlock_irqrestore(&w->lock, flags);
	return d;
}

static irqreturn_t wst_irq(int irq, void *data)
{
	struct wst_dev *w = data;

	spin_lock(&w->lock);
	w->done = true;
	spin_unlock(&w->lock);
	wake_up(&w->wq);
	return IRQ_HANDLED;
}

static int wst_open(struct inode *inode, struct file *file)
{
	file->private_data = container_of(inode->i_cdev, struct wst_dev, cdev);
	return 0;
}

static ssize_t wst_write(struct file *file, const char *buf, size_t len,
			 loff_t *pos)
{
	struct wst_dev *w = file->private_data;
	unsigned long flags;

	if (!w->alive)
		return -ENODEV;
	spin_lock_irqsave(&w->lock, flags);
	w->done = false;
	spin_unlock_irqrestore(&w->lock, flags);
	writel(1, w->mmio + PCL_SWT_CMD);
	return (ssize_t)len;
}

static ssize_t wst_read(struct file *file, char *buf, size_t len, loff_t *pos)
{
	struct wst_dev *w = file->private_data;
	int ret;

	if (!w->alive)			/* WRONG: checked once, then trusted */
		return -ENODEV;
	ret = wait_event_interruptible(w->wq, wst_done(w));
	if (ret) {
		/* Interrupted: abort the command - the device may be gone. */
		writel(PCL_SWT_CMD_ABORT, w->mmio + PCL_SWT_CMD);
		return ret;
	}
	return 0;
}

static const struct file_operations wst_fops = {
	.open = wst_open,
	.read = wst_read,
	.write = wst_write,
};

static void wst_dev_release(struct device *dev)
{
	kfree(container_of(dev, struct wst_dev, dev));
}

static void wst_put_dev(void *data)
{
	put_device(&((struct wst_dev *)data)->dev);
}

static int wst_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct wst_dev *w;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_master(pdev);
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	kmemleak_not_leak(w);		/* open files hold it */
	device_initialize(&w->dev);
	w->dev.release = wst_dev_release;
	w->dev.parent = &pdev->dev;
	dev_set_name(&w->dev, "switchtec-wrong0");
	spin_lock_init(&w->lock);
	init_waitqueue_head(&w->wq);
	cdev_init(&w->cdev, &wst_fops);
	ret = devm_add_action_or_reset(&pdev->dev, wst_put_dev, w);
	if (ret)
		return ret;
	w->mmio = pcim_iomap_region(pdev, 0, "wrong-switchtec");
	if (IS_ERR(w->mmio))
		return (int)PTR_ERR(w->mmio);
	ret = pcim_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSIX);
	if (ret < 0)
		return ret;
	ret = devm_request_irq(&pdev->dev, pci_irq_vector(pdev, 0), wst_irq, 0,
			       "wrong-switchtec", w);
	if (ret)
		return ret;
	pci_set_drvdata(pdev, w);
	w->alive = true;
	return cdev_add(&w->cdev, &w->dev);	/* WRONG: no fence */
}

static void wst_remove(struct pci_dev *pdev)
{
	struct wst_dev *w = pci_get_drvdata(pdev);

	w->alive = false;		/* WRONG: a sleeper is neither woken nor waited for */
	cdev_del(&w->cdev);
}

static struct pci_driver wrong_switchtec_alive = {
	.name = "wrong-switchtec-alive",
	.id_table = NULL,		/* bound by driver_override */
	.probe = wst_probe,
	.remove = wst_remove,
};
module_pci_driver(wrong_switchtec_alive,
		  "wrong twin: an unlocked alive flag and an unfenced cdev; MMIO after remove (seed 001)");
