// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The residue checker: the device as the driver found it (snapshot taken
 * just before probe) against the device as it left it (after remove() and
 * the devres release, or after a failed probe).  Every difference in state
 * a driver controls is reported by name, one report each, so that a
 * scenario can count them:
 *
 *   COMMAND: Bus Master left set            MSI: Enable left set
 *   COMMAND: INTx-disable left set          MSI-X: Enable left set
 *   device left enabled (enable count 1)    power state D3hot, was D0
 *   BAR2 still mapped                       BAR0 region still requested
 *
 * Memory/I-O decode is not compared on its own: as in Linux, the last
 * pci_disable_device() leaves decoding on; a device left enabled is
 * reported as such.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct pcl_residue {
	bool valid;
	uint16_t command;
	uint16_t msi_flags;
	uint16_t msix_flags;
	uint16_t pmcsr;
};

static void read_state(struct pci_dev *dev, struct pcl_residue *r)
{
	pci_read_config_word(dev, PCI_COMMAND, &r->command);
	r->msi_flags = r->msix_flags = r->pmcsr = 0;
	if (dev->msi_cap)
		pci_read_config_word(dev, dev->msi_cap + PCI_MSI_FLAGS,
				     &r->msi_flags);
	if (dev->msix_cap)
		pci_read_config_word(dev, dev->msix_cap + PCI_MSIX_FLAGS,
				     &r->msix_flags);
	if (dev->pm_cap)
		pci_read_config_word(dev, dev->pm_cap + PCI_PM_CTRL, &r->pmcsr);
}

int pcl__residue_snapshot(struct pci_dev *dev)
{
	/* Core bookkeeping, not the binding's: host memory. */
	if (!dev->residue) {
		dev->residue = calloc(1, sizeof(*dev->residue));
		if (!dev->residue)
			return -ENOMEM;
	}
	read_state(dev, dev->residue);
	dev->residue->valid = true;
	return 0;
}

void pcl__residue_free(struct pci_dev *dev)
{
	free(dev->residue);
	dev->residue = NULL;
}

static void residue(struct pci_dev *dev, const char *what)
{
	pcl_report(PCL_CHK_RESIDUE, &dev->dev.subject, __FILE__, __LINE__,
		   "residue after unbind: %s", what);
}

/* A bit the driver may change: report it if it differs from before. */
static void cmp_bit(struct pci_dev *dev, const char *reg, const char *name,
		    uint16_t before, uint16_t after, uint16_t bit)
{
	char what[96];

	if ((before ^ after) & bit) {
		snprintf(what, sizeof(what), "%s: %s left %s", reg, name,
			 (after & bit) ? "set" : "cleared");
		residue(dev, what);
	}
}

void pcl__residue_check(struct pci_dev *dev)
{
	struct pcl_residue *b = dev->residue, now;
	unsigned int nmaps, nregions;
	char which[256], what[128];
	uint16_t vendor;
	int cnt;

	if (!b || !b->valid)
		return;
	b->valid = false;
	pci_read_config_word(dev, PCI_VENDOR_ID, &vendor);
	if (vendor != 0xffff) {		/* registers only if still present */
		read_state(dev, &now);
		cmp_bit(dev, "COMMAND", "Bus Master", b->command, now.command,
			PCI_COMMAND_MASTER);
		cmp_bit(dev, "COMMAND", "INTx-disable", b->command, now.command,
			PCI_COMMAND_INTX_DISABLE);
		cmp_bit(dev, "COMMAND", "SERR#", b->command, now.command,
			PCI_COMMAND_SERR);
		cmp_bit(dev, "COMMAND", "Parity", b->command, now.command,
			PCI_COMMAND_PARITY);
		cmp_bit(dev, "MSI", "Enable", b->msi_flags, now.msi_flags,
			PCI_MSI_FLAGS_ENABLE);
		cmp_bit(dev, "MSI-X", "Enable", b->msix_flags, now.msix_flags,
			PCI_MSIX_FLAGS_ENABLE);
		cmp_bit(dev, "MSI-X", "Function Mask", b->msix_flags,
			now.msix_flags, PCI_MSIX_FLAGS_MASKALL);
		if ((b->pmcsr ^ now.pmcsr) & PCI_PM_CTRL_STATE_MASK) {
			snprintf(what, sizeof(what), "power state D%u, was D%u",
				 now.pmcsr & PCI_PM_CTRL_STATE_MASK,
				 b->pmcsr & PCI_PM_CTRL_STATE_MASK);
			residue(dev, what);
		}
	}
	cnt = atomic_read(&dev->enable_cnt);
	if (cnt > 0) {
		snprintf(what, sizeof(what), "device left enabled (enable count %d)",
			 cnt);
		residue(dev, what);
	}
	pcl__iomap_count(dev, &nmaps, &nregions, which, sizeof(which));
	if (nmaps || nregions) {
		/* One report per leftover, in the order listed. */
		char *save = NULL;

		for (char *item = strtok_r(which, ",", &save); item;
		     item = strtok_r(NULL, ",", &save)) {
			while (*item == ' ')
				item++;
			residue(dev, item);
		}
	}
}
