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
 * A power state is the driver's residue only if its own code set it; one
 * the PM core or a user set is not (the core brings the device back to
 * D0 at unbind either way, and before the next probe).
 *
 * Memory/I-O decode is not compared on its own: as in Linux, the last
 * pci_disable_device() leaves decoding on; a device left enabled is
 * reported as such.
 *
 * Bus mastering, INTx-disable, MSI and MSI-X enables that the device came with (the
 * state at its first probe: firmware's, or the host driver's in a clone
 * of a live machine) are the previous owner's: the core's teardown clears
 * them (pci_disable_device(); pci_free_irq_vectors(), which gives INTx
 * back) as Linux does, and
 * that is not the driver's residue.  From then on they are compared.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct pcl_residue {
	bool armed;		/* a snapshot waits for its check */
	bool valid;		/* the snapshot's registers are real */
	uint16_t command;
	uint16_t msi_flags;
	uint16_t msix_flags;
	uint16_t pmcsr;
	/* the watched bits set when the device was first probed, not yet
	 * cleared: a previous owner's, whose clearing is not residue */
	uint16_t inherited_command, inherited_msi, inherited_msix;
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

/* Is the hardware there?  Asked after reading the registers: removal
 * is for good, so if it is there now, every read before was real. */
static bool present(struct pci_dev *dev)
{
	uint16_t vendor;

	if (pci_dev_is_disconnected(dev))
		return false;
	pci_read_config_word(dev, PCI_VENDOR_ID, &vendor);
	return vendor != 0xffff;
}

int pcl__residue_snapshot(struct pci_dev *dev)
{
	bool first = !dev->residue;

	/* Core bookkeeping, not the binding's: host memory. */
	if (first) {
		dev->residue = calloc(1, sizeof(*dev->residue));
		if (!dev->residue)
			return -ENOMEM;
	}
	read_state(dev, dev->residue);
	if (first) {
		struct pcl_residue *r = dev->residue;

		r->inherited_command = r->command & (PCI_COMMAND_MASTER |
						     PCI_COMMAND_INTX_DISABLE);
		r->inherited_msi = r->msi_flags & PCI_MSI_FLAGS_ENABLE;
		r->inherited_msix = r->msix_flags & PCI_MSIX_FLAGS_ENABLE;
	}
	/* A device whose hardware vanished (now, or while we read: reads
	 * go all ones and stay so) has no state to compare with. */
	dev->residue->valid = present(dev);
	dev->residue->armed = true;
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

/* The bits a driver controls, and where the snapshot keeps each. */
#define NO_INHERIT	((size_t)-1)
static const struct watched_bit {
	const char *reg, *name;
	size_t field;
	uint16_t bit;
	size_t inherited;	/* where its inherited bit is, or NO_INHERIT */
} watched[] = {
	{ "COMMAND", "Bus Master", offsetof(struct pcl_residue, command), PCI_COMMAND_MASTER,
	  offsetof(struct pcl_residue, inherited_command) },
	{ "COMMAND", "INTx-disable", offsetof(struct pcl_residue, command), PCI_COMMAND_INTX_DISABLE,
	  offsetof(struct pcl_residue, inherited_command) },
	{ "COMMAND", "SERR#", offsetof(struct pcl_residue, command), PCI_COMMAND_SERR, NO_INHERIT },
	{ "COMMAND", "Parity", offsetof(struct pcl_residue, command), PCI_COMMAND_PARITY, NO_INHERIT },
	{ "MSI", "Enable", offsetof(struct pcl_residue, msi_flags), PCI_MSI_FLAGS_ENABLE,
	  offsetof(struct pcl_residue, inherited_msi) },
	{ "MSI-X", "Enable", offsetof(struct pcl_residue, msix_flags), PCI_MSIX_FLAGS_ENABLE,
	  offsetof(struct pcl_residue, inherited_msix) },
	{ "MSI-X", "Function Mask", offsetof(struct pcl_residue, msix_flags), PCI_MSIX_FLAGS_MASKALL, NO_INHERIT },
};

/* A bit the driver may change: report it if it differs from before. */
static void cmp_bit(struct pci_dev *dev, const char *reg, const char *name,
		    uint16_t before, uint16_t after, uint16_t bit,
		    uint16_t *inherited)
{
	char what[96];

	/* A previous owner's bit, cleared by the core's teardown: from now
	 * on the device's state is this core's. */
	if (inherited && (*inherited & bit) && !(after & bit)) {
		*inherited &= (uint16_t)~bit;
		return;
	}
	if ((before ^ after) & bit) {
		snprintf(what, sizeof(what), "%s: %s left %s", reg, name,
			 (after & bit) ? "set" : "cleared");
		residue(dev, what);
	}
}

void pcl__residue_check(struct pci_dev *dev)
{
	struct pcl_residue *b = dev->residue, now;
	char what[128];
	bool regs;
	int cnt;

	if (!b || !b->armed)
		return;
	b->armed = false;
	regs = b->valid;
	b->valid = false;
	if (regs) {
		read_state(dev, &now);
		regs = present(dev);	/* registers only if still present */
	}
	if (regs) {
		for (size_t i = 0; i < ARRAY_SIZE(watched); i++) {
			const struct watched_bit *w = &watched[i];

			cmp_bit(dev, w->reg, w->name,
				*(const uint16_t *)((const char *)b + w->field),
				*(const uint16_t *)((const char *)&now + w->field),
				w->bit, w->inherited == NO_INHERIT ? NULL :
				(uint16_t *)((char *)b + w->inherited));
		}
		if (((b->pmcsr ^ now.pmcsr) & PCI_PM_CTRL_STATE_MASK) &&
		    dev->pm_by_driver) {
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
	pcl__iomap_leftovers(dev, residue);
}
