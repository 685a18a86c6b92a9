// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Deliberately wrong PCI drivers for the residue and use-after-revoke
 * checkers, each with its fixed twin, which must run clean:
 *
 * wrong-busmaster: enables the device and bus mastering; remove() forgets
 *   both.  Reported: "COMMAND: Bus Master left set" and "device left
 *   enabled".
 * wrong-iomap-leak: pci_iomap() in probe, no pci_iounmap().  Reported:
 *   "BAR0 still mapped"; the core revokes the mapping.
 * wrong-mmio-after-unmap: unmaps in remove(), then touches the registers
 *   through the dead mapping.  Reported by "use-after-revoke".
 *
 * They match the "nic" model (8086:10d3).
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <pcilab/pci.h>

static const struct pci_device_id nic_ids[] = {
	{ PCI_DEVICE(0x8086, 0x10d3) },
	{ 0 }
};

/* ---- bus mastering ---- */

static int busmaster_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret = pci_enable_device(pdev);

	if (ret)
		return ret;
	pci_set_master(pdev);
	return 0;
}

static void wrong_busmaster_remove(struct pci_dev *pdev)
{
	/* BUG: neither pci_clear_master() nor pci_disable_device(). */
}

static void fixed_busmaster_remove(struct pci_dev *pdev)
{
	pci_clear_master(pdev);
	pci_disable_device(pdev);
}

static struct pci_driver wrong_busmaster = {
	.name = "wrong-busmaster",
	.id_table = nic_ids,
	.probe = busmaster_probe,
	.remove = wrong_busmaster_remove,
};
module_pci_driver(wrong_busmaster, "WRONG: leaves bus mastering on and the device enabled");

static struct pci_driver fixed_busmaster = {
	.name = "fixed-busmaster",
	.id_table = nic_ids,
	.probe = busmaster_probe,
	.remove = fixed_busmaster_remove,
};
module_pci_driver(fixed_busmaster, "fixed twin: clears bus mastering and disables in remove()");

/* ---- a mapping left behind ---- */

struct mapped {
	void __iomem *regs;
};

static int iomap_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct mapped *m = devm_kzalloc(&pdev->dev, sizeof(*m), GFP_KERNEL);
	int ret;

	if (!m)
		return -ENOMEM;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	m->regs = pci_iomap(pdev, 0, 0);
	if (!m->regs)
		return -ENOMEM;
	writel(1, m->regs);
	pci_set_drvdata(pdev, m);
	return 0;
}

static void wrong_iomap_remove(struct pci_dev *pdev)
{
	/* BUG: no pci_iounmap(). */
}

static void fixed_iomap_remove(struct pci_dev *pdev)
{
	struct mapped *m = pci_get_drvdata(pdev);

	pci_iounmap(pdev, m->regs);
}

static struct pci_driver wrong_iomap = {
	.name = "wrong-iomap-leak",
	.id_table = nic_ids,
	.probe = iomap_probe,
	.remove = wrong_iomap_remove,
};
module_pci_driver(wrong_iomap, "WRONG: pci_iomap() without pci_iounmap()");

static struct pci_driver fixed_iomap = {
	.name = "fixed-iomap-leak",
	.id_table = nic_ids,
	.probe = iomap_probe,
	.remove = fixed_iomap_remove,
};
module_pci_driver(fixed_iomap, "fixed twin: pci_iounmap() in remove()");

/* ---- MMIO after unmap ---- */

static void wrong_mmio_remove(struct pci_dev *pdev)
{
	struct mapped *m = pci_get_drvdata(pdev);

	pci_iounmap(pdev, m->regs);
	writel(0, m->regs);	/* BUG: quiesce after the unmap */
}

static void fixed_mmio_remove(struct pci_dev *pdev)
{
	struct mapped *m = pci_get_drvdata(pdev);

	writel(0, m->regs);	/* quiesce, then unmap */
	pci_iounmap(pdev, m->regs);
}

static struct pci_driver wrong_mmio = {
	.name = "wrong-mmio-after-unmap",
	.id_table = nic_ids,
	.probe = iomap_probe,
	.remove = wrong_mmio_remove,
};
module_pci_driver(wrong_mmio, "WRONG: writel() through a mapping it already unmapped");

static struct pci_driver fixed_mmio = {
	.name = "fixed-mmio-after-unmap",
	.id_table = nic_ids,
	.probe = iomap_probe,
	.remove = fixed_mmio_remove,
};
module_pci_driver(fixed_mmio, "fixed twin: quiesces before unmapping");
