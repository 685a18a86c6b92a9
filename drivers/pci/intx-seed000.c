// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Seed 000 (pci_intx devres, 2024) at the PCI level: two drivers that
 * bind one after the other to the same AHCI function.
 *
 * ahci-lite-managed: pcim_enable_device() and pcim_intx(0) - the managed
 *   driver.  At unbind the core restores the INTx state pcim_intx() found
 *   in the hardware, and resets the "managed" flag.
 *
 * vfio-lite: unmanaged.  It masks INTx with pci_intx() under a spinlock
 *   with interrupts off, in hard-IRQ context, as vfio-pci's interrupt
 *   handler does (the IRQ layer will call the real handler; here probe
 *   plays one interrupt).  pci_intx() is pure in pcilab, so this must not
 *   allocate, register devres, or report anything - in Linux 6.11 it did,
 *   because ahci's binding had left the device "managed".
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
	spinlock_t irqlock;	/* protects masked; taken in hard-IRQ */
	bool masked;
};

/* What vfio-pci's INTx handler does: mask at the device, under a lock. */
static irqreturn_t vfio_lite_intx_handler(struct pci_dev *pdev,
					  struct vfio_lite *v)
{
	unsigned long flags;

	spin_lock_irqsave(&v->irqlock, flags);
	pci_intx(pdev, 0);
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
	spin_lock_init(&v->irqlock);
	ret = pci_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_drvdata(pdev, v);
	/* One interrupt, delivered inline in hard-IRQ context. */
	pcl_hardirq_enter();
	vfio_lite_intx_handler(pdev, v);
	pcl_hardirq_exit();
	/* "Userspace" unmasks it again. */
	pci_intx(pdev, 1);
	v->masked = false;
	return 0;
}

static void vfio_lite_remove(struct pci_dev *pdev)
{
	pci_disable_device(pdev);
}

static struct pci_driver vfio_lite = {
	.name = "vfio-lite",
	.id_table = NULL,	/* bound through driver_override, as vfio-pci */
	.probe = vfio_lite_probe,
	.remove = vfio_lite_remove,
};
module_pci_driver(vfio_lite,
		  "unmanaged vfio-like driver: pci_intx() under a spinlock in hard-IRQ (seed 000)");
