// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Seed 000 (pci_intx devres, 2024) at the PCI level, the managed half:
 * ahci-lite-managed, pcim_enable_device() and pcim_intx(0).  At unbind the
 * core restores the INTx state pcim_intx() found in the hardware, and
 * resets the "managed" flag, so the next driver (vfio-lite, vfio-lite.c)
 * finds a clean device.
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
