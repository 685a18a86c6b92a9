// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * An out-of-tree driver for pcilab: what a user writes for their own
 * device.  It binds the emulated "nic" model by id, enables it managed,
 * maps BAR 0, takes MSI-X vectors and a handler per vector - everything
 * devm, so remove() has nothing to undo.
 *
 * Build it against an installed pcilab (see Makefile here):
 *   cc -shared -fPIC $(pkg-config --cflags pcilab) -o my-nic.so my-nic.c
 * and run it:
 *   pcilab run --driver ./my-nic.so my-nic.scn
 *   pcilab fuzz --driver ./my-nic.so --drivers my-nic
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <pcilab/pci.h>

struct my_nic {
	void __iomem *regs;
	atomic_t irqs;
};

static irqreturn_t my_nic_irq(int irq, void *data)
{
	struct my_nic *n = data;

	atomic_inc(&n->irqs);
	return IRQ_HANDLED;
}

static int my_nic_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct my_nic *n;
	int ret, nvec;

	n = devm_kzalloc(&pdev->dev, sizeof(*n), GFP_KERNEL);
	if (!n)
		return -ENOMEM;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	n->regs = pcim_iomap_region(pdev, 0, "my-nic");
	if (IS_ERR(n->regs))
		return (int)PTR_ERR(n->regs);
	pci_set_master(pdev);
	nvec = pcim_alloc_irq_vectors(pdev, 1, 4, PCI_IRQ_MSIX | PCI_IRQ_MSI);
	if (nvec < 0)
		return nvec;
	for (int i = 0; i < nvec; i++) {
		ret = devm_request_irq(&pdev->dev,
				       (unsigned int)pci_irq_vector(pdev, (unsigned int)i),
				       my_nic_irq, 0, "my-nic", n);
		if (ret)
			return ret;
	}
	writel(1, n->regs);		/* "start the device" */
	pci_set_drvdata(pdev, n);
	dev_info(&pdev->dev, "%d vectors", nvec);
	return 0;
}

static const struct pci_device_id my_nic_ids[] = {
	{ PCI_DEVICE(0x8086, 0x10d3) },		/* the emulated "nic" */
	{ 0 }
};

static struct pci_driver my_nic_driver = {
	.name = "my-nic",
	.id_table = my_nic_ids,
	.probe = my_nic_probe,
};
module_pci_driver(my_nic_driver, "an out-of-tree example: all managed, MSI-X");
