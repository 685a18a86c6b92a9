// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The PCI bus type: id matching, probe and remove around the driver's
 * hooks, and the unbind cleanup that checks for residue and puts every
 * per-binding flag back.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <string.h>
#include "internal.h"

static bool id_matches(const struct pci_device_id *id, struct pci_dev *dev)
{
	return (id->vendor == PCI_ANY_ID || id->vendor == dev->vendor) &&
	       (id->device == PCI_ANY_ID || id->device == dev->device) &&
	       (id->subvendor == PCI_ANY_ID ||
		id->subvendor == dev->subsystem_vendor) &&
	       (id->subdevice == PCI_ANY_ID ||
		id->subdevice == dev->subsystem_device) &&
	       !((id->class ^ dev->class) & id->class_mask);
}

const struct pci_device_id *pci_match_id(const struct pci_device_id *ids,
					 struct pci_dev *dev)
{
	if (!ids)
		return NULL;
	for (; ids->vendor || ids->subvendor || ids->class_mask; ids++)
		if (id_matches(ids, dev))
			return ids;
	return NULL;
}

static int pci_bus_match(struct device *dev, const struct device_driver *drv)
{
	return pci_match_id(to_pci_driver(drv)->id_table, to_pci_dev(dev)) != NULL;
}

static int pci_device_probe(struct device *dev)
{
	struct pci_driver *drv = to_pci_driver(dev->driver);
	struct pci_dev *pdev = to_pci_dev(dev);
	static const struct pci_device_id any = {
		PCI_DEVICE(PCI_ANY_ID, PCI_ANY_ID)
	};
	const struct pci_device_id *id = pci_match_id(drv->id_table, pdev);
	int ret;

	if (!drv->probe)
		return -ENODEV;
	/* As Linux resumes a device before probe: the driver finds it in D0. */
	if (pdev->current_state != PCI_D0 && pdev->pm_cap) {
		pci_set_power_state(pdev, PCI_D0);
		pdev->pm_by_driver = false;
	}
	ret = pcl__residue_snapshot(pdev);
	if (ret)
		return ret;
	/* Bound through driver_override without an id match: a dynamic id. */
	return drv->probe(pdev, id ? id : &any);
}

static void pci_device_remove(struct device *dev)
{
	struct pci_driver *drv = to_pci_driver(dev->driver);

	if (drv->remove)
		drv->remove(to_pci_dev(dev));
}

/*
 * After remove() and the devres release (or a failed probe): report what
 * the binding left behind, revoke its leftover mappings and regions so the
 * next driver is not affected, then reset every per-binding flag.
 */
void pcl__pci_unbind_cleanup(struct device *dev)
{
	struct pci_dev *pdev = to_pci_dev(dev);

	pcl__pci_msi_unbind(pdev);
	pcl__residue_check(pdev);
	pcl__iomap_revoke_all(pdev);
	if (pdev->current_state != PCI_D0 && pdev->pm_cap &&
	    !pci_dev_is_disconnected(pdev)) {
		pci_set_power_state(pdev, PCI_D0);	/* for the next driver */
		pcl_trace(PCL_TR_CORE, "pci %s: back to D0 for the next driver",
			  pci_name(pdev));
	}
	pdev->pm_by_driver = false;
	pdev->is_managed = false;
	pdev->is_busmaster = false;
	atomic_set(&pdev->enable_cnt, 0);
}

struct bus_type pci_bus_type = {
	.name = "pci",
	.match = pci_bus_match,
	.probe = pci_device_probe,
	.remove = pci_device_remove,
	.unbind_cleanup = pcl__pci_unbind_cleanup,
};

int pcl_pci_init(void)
{
	return bus_register(&pci_bus_type);
}

int pci_register_driver(struct pci_driver *drv)
{
	pcl_pci_init();
	if (drv->driver.name != drv->name)
		drv->driver.name = drv->name;
	if (drv->driver.bus != &pci_bus_type)
		drv->driver.bus = &pci_bus_type;
	return driver_register(&drv->driver);
}

void pci_unregister_driver(struct pci_driver *drv)
{
	driver_unregister(&drv->driver);
}
