/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to src/pci.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#ifndef PCILAB_PCI_INTERNAL_H
#define PCILAB_PCI_INTERNAL_H

#include <pcilab/pci.h>

/* The window for 32-bit BARs the host's own window cannot place. */
#define PCL_MEM32_START	0x80000000ull
#define PCL_MEM32_END	0xe0000000ull

#define PCI_MAX_BRIDGE_DEPTH	32

/* An emulated bus: functions by devfn, and the bus behind each bridge. */
struct pcl_emu_bus {
	struct pcl_emu_fn *slot[256];
	struct pcl_emu_bus *child[256];
	struct pci_bus *sw;		/* the core's view, once enumerated */
};

/* host.c */
struct pcl_emu_fn *pcl__route(struct pci_host_bridge *host, uint8_t busnr,
			      unsigned int devfn);
extern struct list_head pcl__hosts;		/* under pcl__pci_lock */
extern struct mutex pcl__pci_lock;		/* the machine's topology */

/* hotplug.c */
/* probe.c */
void pcl__pci_free_emu_bus(struct pcl_emu_bus *b, int depth);

/* residue.c */
int pcl__residue_snapshot(struct pci_dev *dev);
void pcl__residue_check(struct pci_dev *dev);
void pcl__residue_free(struct pci_dev *dev);

/* iomap.c */
/* Call @fn once per mapping and region @dev's binding left behind, with
 * a description; under the iomap/region locks: @fn may only report. */
void pcl__iomap_leftovers(struct pci_dev *dev,
			  void (*fn)(struct pci_dev *dev, const char *what));
void pcl__iomap_revoke_all(struct pci_dev *dev);

/* msi.c */
void pcl__pci_msi_unbind(struct pci_dev *dev);
void pcl__pci_msi_removed(struct pci_dev *dev);
/* Where a function's interrupts go: its host's ITS and INTx line. */
struct pcl_irq_route {
	struct pci_host_bridge *host;
	unsigned int line;
	struct list_head node;
};
int pcl__pci_route_irqs(struct pci_dev *dev);

/* driver.c */
void pcl__pci_unbind_cleanup(struct device *dev);

/* delays */
void pcl__pci_delay_ms(unsigned int ms);

#endif
