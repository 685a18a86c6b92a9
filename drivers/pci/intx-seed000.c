// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Seed 000 (pci_intx devres, 2024) at the PCI level: two drivers that
 * bind one after the other to the same AHCI function.
 *
 * ahci-lite-managed: pcim_enable_device() and pcim_intx(0) - the managed
 *   driver.  At unbind the core restores the INTx state pcim_intx() found
 *   in the hardware, and resets the "managed" flag.
 *
 * vfio-lite: unmanaged.  Its INTx handler, called by the IRQ layer in
 *   hard-IRQ context, masks INTx at the device with pci_intx() under a
 *   spinlock, as vfio-pci's does, and leaves it masked until "userspace"
 *   unmasks it (there is no char device for vfio-lite yet: nothing does).
 *   pci_intx() is pure in pcilab, so this must not allocate, register
 *   devres, or report anything - in Linux 6.11 it did, because ahci's
 *   binding had left the device "managed".  remove() frees the handler
 *   and gives the device back with INTx enabled, as it found it (vfio-pci
 *   restores the state it saved at open).
 *
 * ahci-lite (ahci-lite.c) is the full sample AHCI driver; ahci-lite-managed
 * is the smallest driver that shows the managed half of the story.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <pcilab/pci.h>

static const struct pci_device_id ahci_ids[] = {
	{ PCI_DEVICE_CLASS(0x010601, 0xffffff) },	/* SATA AHCI */
	{ 0 }
};

static int ahci_lite_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret = pcim_enable_device(pdev);

	if (ret)
		return ret;
	pci_set_master(pdev);
	return pcim_intx(pdev, 0);	/* MSI will be used: INTx off */
}

static struct pci_driver ahci_lite_managed = {
	.name = "ahci-lite-managed",
	.id_table = ahci_ids,
	.probe = ahci_lite_probe,
};
module_pci_driver(ahci_lite_managed,
		  "managed AHCI-like driver: pcim_enable_device + pcim_intx (seed 000)");

struct vfio_lite {
	struct pci_dev *pdev;
	spinlock_t irqlock;	/* protects masked; taken in hard-IRQ */
	bool masked;		/* INTx masked at the device by the handler */
};

/*
 * What vfio-pci's INTx handler does: mask at the device, under a lock,
 * and tell userspace (which unmasks when it has serviced the device).
 * Hard-IRQ context, interrupts off: pci_intx() must be pure here.
 *
 * vfio-pci asks the device whether it was asserting INTx before claiming
 * the interrupt (pci_check_and_mask_intx()).  The emulated INTx is a pulse
 * whose Interrupt Status bit is gone by the time an emulated CPU thread
 * runs the handler, so this one claims every interrupt of the line; it is
 * the only device on its line in the scenarios that bind it.
 */
static irqreturn_t vfio_lite_intx_handler(int irq, void *data)
{
	struct vfio_lite *v = data;
	unsigned long flags;

	spin_lock_irqsave(&v->irqlock, flags);
	pci_intx(v->pdev, 0);
	v->masked = true;
	spin_unlock_irqrestore(&v->irqlock, flags);
	return IRQ_HANDLED;
}

static int vfio_lite_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct vfio_lite *v;
	int ret;

	v = devm_kzalloc(&pdev->dev, sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	v->pdev = pdev;
	spin_lock_init(&v->irqlock);
	ret = pci_enable_device(pdev);
	if (ret)
		return ret;
	/*
	 * The INTx "vector": pdev->irq, with MSI left alone, as vfio-pci
	 * starts a device.  Allocating it (unmanaged, no devres) makes
	 * pci_irq_vector(pdev, 0) - and the scenarios' expect-irqs - see it.
	 */
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_INTX);
	if (ret < 0)
		goto err_disable;
	ret = request_irq(pdev->irq, vfio_lite_intx_handler, IRQF_SHARED,
			  "vfio-lite", v);
	if (ret)
		goto err_vectors;
	pci_set_drvdata(pdev, v);
	return 0;

err_vectors:
	pci_free_irq_vectors(pdev);
err_disable:
	pci_disable_device(pdev);
	return ret;
}

static void vfio_lite_remove(struct pci_dev *pdev)
{
	struct vfio_lite *v = pci_get_drvdata(pdev);
	unsigned long flags;

	free_irq(pdev->irq, v);		/* the handler no longer runs */
	spin_lock_irqsave(&v->irqlock, flags);
	if (v->masked) {		/* give it back as we found it */
		pci_intx(pdev, 1);
		v->masked = false;
	}
	spin_unlock_irqrestore(&v->irqlock, flags);
	pci_free_irq_vectors(pdev);
	pci_disable_device(pdev);
}

static struct pci_driver vfio_lite = {
	.name = "vfio-lite",
	.id_table = NULL,	/* bound through driver_override, as vfio-pci */
	.probe = vfio_lite_probe,
	.remove = vfio_lite_remove,
};
module_pci_driver(vfio_lite,
		  "unmanaged vfio-like driver: its INTx handler masks with pci_intx() under a spinlock (seed 000)");
