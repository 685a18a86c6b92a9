// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pci-good: a model PCI driver.  Everything is managed: enable, the BAR
 * mapping and its region, the INTx setting (pcim_intx records what it
 * found and unbind restores it).  remove() has nothing to undo, and the
 * residue checker finds the device exactly as it was before probe.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <pcilab/pci.h>

struct pci_good {
	struct pci_dev *pdev;
	void __iomem *regs;
};

static int first_mem_bar(struct pci_dev *pdev)
{
	for (int i = 0; i < PCI_STD_NUM_BARS; i++)
		if (pci_resource_flags(pdev, i) & IORESOURCE_MEM)
			return i;
	return -1;
}

static int pci_good_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct pci_good *g;
	int bar, ret;

	g = devm_kzalloc(&pdev->dev, sizeof(*g), GFP_KERNEL);
	if (!g)
		return -ENOMEM;
	g->pdev = pdev;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	bar = first_mem_bar(pdev);
	if (bar < 0)
		return -ENODEV;
	g->regs = pcim_iomap_region(pdev, bar, "pci-good");
	if (IS_ERR(g->regs))
		return (int)PTR_ERR(g->regs);
	pci_set_master(pdev);
	/* The device will use message interrupts: INTx off, for this binding. */
	ret = pcim_intx(pdev, 0);
	if (ret)
		return ret;
	writel(0xc0ffee, g->regs + 0x10);
	if (readl(g->regs + 0x10) != 0xc0ffee)
		return dev_err_probe(&pdev->dev, -EIO, "BAR %d does not answer", bar);
	pci_set_drvdata(pdev, g);
	dev_info(&pdev->dev, "bound, BAR %d mapped", bar);
	return 0;
}

static const struct pci_device_id pci_good_ids[] = {
	{ PCI_DEVICE(0x1b36, 0x0010) },		/* the "nvme" model */
	{ PCI_DEVICE(0x8086, 0x10d3) },		/* the "nic" model */
	{ 0 }
};

static struct pci_driver pci_good_driver = {
	.name = "pci-good",
	.id_table = pci_good_ids,
	.probe = pci_good_probe,
};
module_pci_driver(pci_good_driver,
		  "model PCI driver: pcim_enable_device, pcim_iomap_region, bus master, pcim_intx");
