// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * switchtec-lite: a Switchtec-like management driver (seed 001, 2017).
 *
 * Userspace talks to the switch's firmware through a char device: write()
 * submits a command (its payload into the mailbox, then the CMD register),
 * read() sleeps until the completion interrupt and returns the output,
 * poll() says when a result is ready.  The driver is a model of the
 * lifetime rules pcilab's char-device layer makes easy:
 *
 *   - struct stl_dev embeds the class device and the cdev.  Its memory
 *     lives as long as anything holds the class device: the binding, and
 *     every open file.  The class device's release() frees it.
 *   - The hardware side (MMIO mapping, vectors, handler) lives exactly as
 *     long as the binding: it is all devm, released after remove().
 *   - remove() calls cdev_device_del() first.  When it returns, no file
 *     operation runs and none will start; a task asleep in read() was
 *     kicked out of its wait_event_interruptible() and got -ENODEV.  So
 *     the file operations may touch MMIO without any "alive" flag: they
 *     only run while the hardware is there.
 *
 * In Linux 4.12 switchtec hit BUG_ON(irq_has_action) when it freed its
 * vectors before its handler, used a racy "alive" flag, and could leave a
 * task asleep forever on a command that never completed.  The wrong twins
 * are in wrong-switchtec.c.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <string.h>
#include <pcilab/cdev.h>
#include <pcilab/pci.h>

#define STL_MAX_DEVS	64

static const struct pci_device_id stl_ids[] = {
	{ PCI_DEVICE(0x11f8, 0x8531) },		/* PM8531 management endpoint */
	{ 0 }
};

struct stl_dev {
	struct device dev;	/* class device "switchtecN": owns this memory */
	struct cdev cdev;
	struct pci_dev *pdev;	/* valid while bound: file ops run only then */
	void __iomem *mmio;
	int id;

	/* mrpc_lock serialises commands: taken in write() and read(), never
	 * in IRQ context; the completion state below is under done_lock. */
	struct mutex mrpc_lock;
	bool busy;		/* a command is submitted, not yet read back */
	/* done_lock protects done; taken in hard-IRQ context (the handler) */
	spinlock_t done_lock;
	bool done;
	wait_queue_head_t event_wq;	/* read() and poll() sleep here */
	unsigned long events;
};

static DEFINE_IDA(stl_ida);	/* the N of "switchtecN" */

static bool stl_done(struct stl_dev *st)
{
	unsigned long flags;
	bool done;

	spin_lock_irqsave(&st->done_lock, flags);
	done = st->done;
	spin_unlock_irqrestore(&st->done_lock, flags);
	return done;
}

/* MSI-X vector 0: the firmware finished a command. */
static irqreturn_t stl_mrpc_irq(int irq, void *data)
{
	struct stl_dev *st = data;
	uint32_t status = readl(st->mmio + PCL_SWT_STATUS);

	if (status == PCL_SWT_STATUS_INPROGRESS || status == PCL_SWT_STATUS_IDLE)
		return IRQ_NONE;
	spin_lock(&st->done_lock);
	st->done = true;
	st->events++;
	spin_unlock(&st->done_lock);
	wake_up_interruptible(&st->event_wq);
	return IRQ_HANDLED;
}

static int stl_open(struct inode *inode, struct file *file)
{
	file->private_data = container_of(inode->i_cdev, struct stl_dev, cdev);
	return 0;
}

static int stl_release(struct inode *inode, struct file *file)
{
	return 0;
}

/* write(): submit a command; -EBUSY while one is outstanding. */
static ssize_t stl_write(struct file *file, const char *buf, size_t len,
			 loff_t *pos)
{
	struct stl_dev *st = file->private_data;
	char payload[PCL_SWT_PAYLOAD] = { 0 };
	unsigned long flags;

	if (len == 0 || len >= PCL_SWT_PAYLOAD)
		return -EINVAL;
	if (copy_from_user(payload, buf, len))
		return -EFAULT;
	if (mutex_lock_interruptible(&st->mrpc_lock))
		return -EINTR;
	if (st->busy) {
		mutex_unlock(&st->mrpc_lock);
		return -EBUSY;
	}
	st->busy = true;
	spin_lock_irqsave(&st->done_lock, flags);
	st->done = false;
	spin_unlock_irqrestore(&st->done_lock, flags);
	/* The payload and its NUL, a word at a time. */
	for (size_t i = 0; i <= len; i += 4) {
		uint32_t w;

		memcpy(&w, payload + i, 4);
		writel(w, st->mmio + PCL_SWT_INPUT + i);
	}
	writel(1, st->mmio + PCL_SWT_CMD);
	mutex_unlock(&st->mrpc_lock);
	return (ssize_t)len;
}

/* read(): sleep until the submitted command completes, return its output. */
static ssize_t stl_read(struct file *file, char *buf, size_t len, loff_t *pos)
{
	struct stl_dev *st = file->private_data;
	char out[PCL_SWT_PAYLOAD];
	uint32_t status;
	size_t n;
	int ret;

	if (mutex_lock_interruptible(&st->mrpc_lock))
		return -EINTR;
	if (!st->busy) {
		mutex_unlock(&st->mrpc_lock);
		return -EINVAL;		/* nothing submitted */
	}
	/*
	 * Interruptible: a signal, or the char-device fence when the device
	 * goes away, ends the wait.  No alive flag: if the fence kicked us,
	 * the layer turns our -ERESTARTSYS into -ENODEV for userspace, and
	 * remove() is waiting for us to return before it lets the MMIO go.
	 */
	ret = wait_event_interruptible(st->event_wq, stl_done(st));
	if (ret) {
		mutex_unlock(&st->mrpc_lock);
		return ret;
	}
	status = readl(st->mmio + PCL_SWT_STATUS);
	st->busy = false;
	if (status != PCL_SWT_STATUS_DONE) {
		mutex_unlock(&st->mrpc_lock);
		return -EIO;
	}
	for (size_t i = 0; i < PCL_SWT_PAYLOAD; i += 4) {
		uint32_t w = readl(st->mmio + PCL_SWT_OUTPUT + i);

		memcpy(out + i, &w, 4);
		if (memchr(&w, 0, 4))
			break;		/* the output ends in this word */
	}
	mutex_unlock(&st->mrpc_lock);
	out[PCL_SWT_PAYLOAD - 1] = '\0';
	n = strnlen(out, len);
	if (copy_to_user(buf, out, n))
		return -EFAULT;
	return (ssize_t)n;
}

static __poll_t stl_poll(struct file *file, poll_table *pt)
{
	struct stl_dev *st = file->private_data;

	poll_wait(file, &st->event_wq, pt);
	return stl_done(st) ? (EPOLLIN | EPOLLRDNORM) : 0;
}

#define STL_IOCTL_EVENTS	1	/* how many completions so far */

static long stl_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct stl_dev *st = file->private_data;
	unsigned long flags;
	long n;

	if (cmd != STL_IOCTL_EVENTS)
		return -ENOTTY;
	spin_lock_irqsave(&st->done_lock, flags);
	n = (long)st->events;
	spin_unlock_irqrestore(&st->done_lock, flags);
	return n;
}

static const struct file_operations stl_fops = {
	.open = stl_open,
	.release = stl_release,
	.read = stl_read,
	.write = stl_write,
	.poll = stl_poll,
	.unlocked_ioctl = stl_ioctl,
};

/* Last reference (the binding's or the last open file's): free. */
static void stl_dev_release(struct device *dev)
{
	struct stl_dev *st = container_of(dev, struct stl_dev, dev);

	ida_free(&stl_ida, (unsigned int)st->id);
	mutex_destroy(&st->mrpc_lock);
	kfree(st);
}

static void stl_put_dev(void *data)
{
	struct stl_dev *st = data;

	put_device(&st->dev);
}

static int stl_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct stl_dev *st;
	int ret, nvec;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_master(pdev);

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	/* Reference counted by st->dev, which open files hold: it may
	 * outlive this binding by design. */
	kmemleak_not_leak(st);
	st->id = ida_alloc_max(&stl_ida, STL_MAX_DEVS - 1, GFP_KERNEL);
	if (st->id < 0) {
		kfree(st);
		return -ENOSPC;
	}
	device_initialize(&st->dev);
	st->dev.release = stl_dev_release;
	st->dev.parent = &pdev->dev;
	dev_set_name(&st->dev, "switchtec%d", st->id);
	mutex_init(&st->mrpc_lock);
	spin_lock_init(&st->done_lock);
	init_waitqueue_head(&st->event_wq);
	cdev_init(&st->cdev, &stl_fops);
	st->pdev = pdev;
	/*
	 * The binding's reference, dropped by devres after everything
	 * registered below is undone - after the handler is freed, so an
	 * interrupt can never see st freed.  On failure, this frees st.
	 */
	ret = devm_add_action_or_reset(&pdev->dev, stl_put_dev, st);
	if (ret)
		return ret;

	st->mmio = pcim_iomap_region(pdev, 0, "switchtec-lite");
	if (IS_ERR(st->mmio))
		return (int)PTR_ERR(st->mmio);
	nvec = pcim_alloc_irq_vectors(pdev, 1, 4, PCI_IRQ_MSIX);
	if (nvec < 0)
		return nvec;
	ret = devm_request_irq(&pdev->dev, pci_irq_vector(pdev, 0), stl_mrpc_irq,
			       0, "switchtec-lite mrpc", st);
	if (ret)
		return ret;
	pci_set_drvdata(pdev, st);
	ret = cdev_device_add(&st->cdev, &st->dev);
	if (ret)
		return ret;
	dev_info(&pdev->dev, "%s: %d vectors", dev_name(&st->dev), nvec);
	return 0;
}

static void stl_remove(struct pci_dev *pdev)
{
	struct stl_dev *st = pci_get_drvdata(pdev);

	/* The fence: afterwards no file operation runs, so nothing touches
	 * the MMIO that devres unmaps next. */
	cdev_device_del(&st->cdev, &st->dev);
	/* devres now frees the handler, the vectors, the mapping, and drops
	 * the binding's reference: st is freed then, or at the last close. */
}

static struct pci_driver switchtec_lite = {
	.name = "switchtec-lite",
	.id_table = stl_ids,
	.probe = stl_probe,
	.remove = stl_remove,
};
module_pci_driver(switchtec_lite,
		  "Switchtec-like: MSI-X, char device, command/completion by interrupt, fenced unbind (seed 001)");
