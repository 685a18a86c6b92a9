// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Hot-plug: orderly removal, surprise removal, slot power, rescan.
 *
 *   orderly (sysfs remove, pciehp button):
 *       devices behind (deepest first) -> driver remove() -> device_del
 *       hardware stays; a rescan re-adds it
 *   surprise (the card is pulled):
 *       hardware gone (slot empty, reads all ones, messages dropped)
 *       -> devices marked disconnected (accessors short-circuit)
 *       -> the same orderly path: each remove() runs on a dead device
 *   slot off:  orderly removal, then power cut (the function is absent)
 *   slot on:   cold reset, power, scan: drivers bind
 *
 * What keeps this safe against the rest of the machine:
 *   - user config readers hold a pci_dev reference; a removed device's
 *     struct lives until the last put, and its bus struct until its host
 *     goes (buses are kept empty for a rescan, never freed on removal);
 *   - a pulled function is unhooked from its slot, then dropped after a
 *     grace period (config cycles run in RCU read-side sections); each
 *     pci_dev holds its own reference on its function, so a config
 *     access or an interrupt racing with the removal touches a removed
 *     function (all ones / dropped), never freed memory;
 *   - interrupts and char devices go with the binding (device_del unbinds:
 *     handlers freed, vectors freed, the driver's cdev fence).
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <string.h>
#include "internal.h"

/* The bus behind bridge @dev, or NULL.  Under pcl__pci_lock. */
static struct pci_bus *subordinate(struct pci_dev *dev)
{
	struct pci_bus *child;

	list_for_each_entry(child, &dev->bus->children, node)
		if (child->self == dev)
			return child;
	return NULL;
}

static void remove_devices_of(struct pci_bus *bus)
{
	for (;;) {
		struct pci_dev *dev;

		mutex_lock(&pcl__pci_lock);
		if (list_empty(&bus->devices)) {
			mutex_unlock(&pcl__pci_lock);
			return;
		}
		dev = list_last_entry(&bus->devices, struct pci_dev, bus_list);
		get_device(&dev->dev);
		mutex_unlock(&pcl__pci_lock);
		pci_stop_and_remove_bus_device(dev);
		put_device(&dev->dev);
	}
}

int pci_stop_and_remove_bus_device(struct pci_dev *dev)
{
	struct pci_bus *sub;

	might_sleep();
	mutex_lock(&pcl__pci_lock);
	if (list_empty(&dev->bus_list)) {
		mutex_unlock(&pcl__pci_lock);
		return -ENODEV;		/* removed already (or never added) */
	}
	list_del_init(&dev->bus_list);
	sub = subordinate(dev);
	mutex_unlock(&pcl__pci_lock);

	pcl_trace(PCL_TR_CORE, "pci %s: removing%s", pci_name(dev),
		  pci_dev_is_disconnected(dev) ? " (disconnected)" : "");
	if (sub) {
		remove_devices_of(sub);
		mutex_lock(&pcl__pci_lock);
		sub->self = NULL;	/* until a rescan finds a bridge again */
		mutex_unlock(&pcl__pci_lock);
	}
	get_device(&dev->dev);
	device_unregister(&dev->dev);
	pcl__pci_msi_removed(dev);	/* vectors set up without a driver */
	put_device(&dev->dev);
	return 0;
}

/* Mark @dev and everything behind it disconnected.  Under pcl__pci_lock. */
static void mark_disconnected(struct pci_dev *dev, int depth)
{
	struct pci_bus *sub = subordinate(dev);
	struct pci_dev *d;

	atomic_store(&dev->disconnected, true);
	if (!sub || depth >= PCI_MAX_BRIDGE_DEPTH)
		return;
	list_for_each_entry(d, &sub->devices, bus_list)
		mark_disconnected(d, depth + 1);
}

/* Every function on @b (and behind) loses or regains power. */
static void power_bus(struct pcl_emu_bus *b, bool on, int depth)
{
	for (int i = 0; i < 256; i++) {
		struct pcl_emu_fn *fn = __atomic_load_n(&b->slot[i], __ATOMIC_ACQUIRE);

		if (fn)
			pcl_emu_power(fn, on);
		if (b->child[i] && depth < PCI_MAX_BRIDGE_DEPTH)
			power_bus(b->child[i], on, depth + 1);
	}
}

int pcl_pci_surprise_remove(struct pci_dev *dev)
{
	struct pcl_emu_bus *on = dev->bus->hw;
	unsigned int devfn = dev->devfn;
	struct pcl_emu_fn *fn;
	struct pcl_emu_bus *behind;
	struct pci_bus *sub;

	might_sleep();
	mutex_lock(&pcl__pci_lock);
	if (list_empty(&dev->bus_list) || !on || !on->slot[devfn]) {
		mutex_unlock(&pcl__pci_lock);
		return -ENODEV;
	}
	/* 1. The hardware goes: the slot is empty from the next cycle on. */
	fn = on->slot[devfn];
	behind = on->child[devfn];
	pcl_emu_surprise_remove(fn);
	if (behind)
		power_bus(behind, false, 0);
	__atomic_store_n(&on->slot[devfn], NULL, __ATOMIC_RELEASE);
	__atomic_store_n(&on->child[devfn], NULL, __ATOMIC_RELEASE);
	/* The bus behind stays, empty, for a bridge plugged here later. */
	sub = subordinate(dev);
	if (sub)
		sub->hw = NULL;
	if (behind)
		behind->sw = NULL;
	/* 2. The core learns of it (pciehp's presence-detect interrupt). */
	mark_disconnected(dev, 0);
	mutex_unlock(&pcl__pci_lock);
	pcl_trace(PCL_TR_CORE, "pci %s: surprise removal: hardware gone",
		  pci_name(dev));
	/* 3. Orderly removal of what is left: drivers meet a dead device. */
	pci_stop_and_remove_bus_device(dev);
	/* 4. No config cycle still sees the old slot contents: drop them
	 * (the removed devices' own references keep theirs alive). */
	synchronize_rcu();
	pcl__pci_free_emu_bus(behind, 1);
	pcl_emu_fn_free(fn);
	return 0;
}

static struct pci_bus *find_bus(struct pci_bus *bus, uint8_t nr, int depth)
{
	struct pci_bus *child, *found;

	if (bus->number == nr)
		return bus;
	if (depth >= PCI_MAX_BRIDGE_DEPTH)
		return NULL;
	list_for_each_entry(child, &bus->children, node) {
		found = find_bus(child, nr, depth + 1);
		if (found)
			return found;
	}
	return NULL;
}

int pcl_pci_slot_power(struct pci_host_bridge *host, uint8_t busnr,
		       unsigned int devfn, bool on)
{
	struct pci_bus *bus;
	struct pci_dev *dev = NULL, *d;
	struct pcl_emu_fn *fn;
	int ret;

	might_sleep();
	if (devfn > 255)
		return -EINVAL;
	mutex_lock(&pcl__pci_lock);
	bus = find_bus(host->bus, busnr, 0);
	fn = bus && bus->hw ? bus->hw->slot[devfn] : NULL;
	if (!fn) {
		mutex_unlock(&pcl__pci_lock);
		return -ENOENT;
	}
	if (pcl_emu_is_removed(fn) != on) {
		mutex_unlock(&pcl__pci_lock);
		return -EALREADY;
	}
	list_for_each_entry(d, &bus->devices, bus_list)
		if (d->devfn == devfn)
			dev = d;
	if (dev)
		get_device(&dev->dev);
	mutex_unlock(&pcl__pci_lock);

	if (!on) {
		if (dev) {
			pci_stop_and_remove_bus_device(dev);
			put_device(&dev->dev);
		}
		pcl_emu_power(fn, false);
		if (bus->hw->child[devfn])
			power_bus(bus->hw->child[devfn], false, 0);
		pcl_trace(PCL_TR_CORE, "pci %04x:%02x:%02x.%d: slot powered off",
			  host->domain, busnr, PCI_SLOT(devfn), PCI_FUNC(devfn));
		return 0;
	}
	put_device(dev ? &dev->dev : NULL);
	pcl_emu_power(fn, true);
	if (bus->hw->child[devfn])	/* a bridge: what is behind it too */
		power_bus(bus->hw->child[devfn], true, 0);
	pcl_trace(PCL_TR_CORE, "pci %04x:%02x:%02x.%d: slot powered on",
		  host->domain, busnr, PCI_SLOT(devfn), PCI_FUNC(devfn));
	ret = pcl_pci_scan(host);
	return ret < 0 ? ret : 0;
}
