// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The emulated machine's topology, and enumeration: finding functions,
 * numbering bridges, sizing and placing BARs, creating struct pci_dev and
 * adding them so drivers bind.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include "internal.h"

int pcl_pci_plug(struct pci_host_bridge *host, struct pcl_emu_bus *on,
		 unsigned int devfn, struct pcl_emu_fn *fn)
{
	uint32_t hdr;

	if (!on)
		on = host->hw;
	if (devfn > 255 || !fn)
		return -EINVAL;
	mutex_lock(&pcl__pci_lock);
	if (on->slot[devfn]) {
		mutex_unlock(&pcl__pci_lock);
		return -EBUSY;
	}
	hdr = pcl_emu_cfg_read(fn, PCI_HEADER_TYPE, 1) & PCI_HEADER_TYPE_MASK;
	if (hdr == PCI_HEADER_TYPE_BRIDGE) {
		struct pcl_emu_bus *child = kzalloc(sizeof(*child), GFP_KERNEL);

		if (!child) {
			mutex_unlock(&pcl__pci_lock);
			return -ENOMEM;
		}
		__atomic_store_n(&on->child[devfn], child, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&on->slot[devfn], fn, __ATOMIC_RELEASE);
	mutex_unlock(&pcl__pci_lock);
	return 0;
}

struct pcl_emu_bus *pcl_pci_child_bus(struct pci_host_bridge *host,
				      struct pcl_emu_bus *on, unsigned int devfn)
{
	if (!on)
		on = host->hw;
	return devfn < 256 ? on->child[devfn] : NULL;
}

static void route_msi(void *ctx, uint64_t addr, uint32_t data, uint16_t rid)
{
	struct pcl_irq_route *r = ctx;

	if (r->host->msi_write)
		r->host->msi_write(r->host->msi_ctx, addr, data, rid);
	else
		pcl_its_doorbell(r->host->its, addr, data, rid);
}

static void route_intx(void *ctx, unsigned int pin, bool asserted, uint16_t rid)
{
	struct pcl_irq_route *r = ctx;

	pcl_intx_set(r->host->intx, r->line, asserted);
}

/*
 * Wire the function's interrupts: messages to the host's ITS, INTx
 * through the bridges' swizzle (pin' = (pin - 1 + slot) % 4 + 1 per
 * bridge) to one of the host's four lines.  Under pcl__pci_lock.
 */
int pcl__pci_route_irqs(struct pci_dev *dev)
{
	struct pci_host_bridge *h = dev->bus->host;
	struct pcl_emu_irq_sink sink;
	struct pcl_irq_route *r;
	struct pci_dev *d = dev;
	unsigned int pin = dev->pin;

	if (!dev->hw)
		return 0;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->host = h;
	if (pin >= 1 && pin <= 4) {
		for (int depth = 0; d->bus->self && depth < PCI_MAX_BRIDGE_DEPTH; depth++) {
			pin = (pin - 1 + PCI_SLOT(d->devfn)) % 4 + 1;
			d = d->bus->self;
		}
		r->line = (PCI_SLOT(d->devfn) + pin - 1) % 4;
		{
			uint32_t spec = r->line;
			int virq = irq_domain_translate(pcl_intx_domain(h->intx),
							&spec, 1);

			dev->irq = virq > 0 ? (unsigned int)virq : 0;
		}
	}
	list_add_tail(&r->node, &h->routes);
	sink.msi = route_msi;
	sink.intx = route_intx;
	sink.ctx = r;
	sink.rid = (uint16_t)(dev->bus->number << 8 | dev->devfn);
	pcl_emu_set_irq_sink(dev->hw, &sink);
	return 0;
}

static void pci_release_dev(struct device *dev)
{
	struct pci_dev *pdev = to_pci_dev(dev);

	pcl__residue_free(pdev);
	pcl_emu_fn_free(pdev->hw);	/* our reference */
	kfree(pdev);
}

static struct pci_dev *find_on_bus(struct pci_bus *bus, unsigned int devfn)
{
	struct pci_dev *pdev;

	list_for_each_entry(pdev, &bus->devices, bus_list)
		if (pdev->devfn == devfn)
			return pdev;
	return NULL;
}

/*
 * An address for resource @i of @size bytes the firmware did not place:
 * the host's window; for a 32-bit BAR or a ROM that window may lie above
 * 4 GiB (another domain's, or a large BAR), so then the low one.
 * Return: the base, or 0 if there is no room (said in the trace).
 */
static uint64_t place(struct pci_dev *dev, int i, uint64_t size, bool io,
		      bool is64)
{
	struct pci_host_bridge *h = dev->bus->host;
	uint64_t *next = io ? &h->io_next : &h->mem_next;
	uint64_t base = (*next + size - 1) & ~(size - 1);

	if (!io && !is64 && base + size > (1ull << 32)) {
		next = &h->mem32_next;
		base = (*next + size - 1) & ~(size - 1);
		if (base + size > PCL_MEM32_END) {
			pcl_trace(PCL_TR_CORE, "pci %s: resource %d: no room below 4 GiB for %#llx bytes: not assigned",
				  pci_name(dev), i, (unsigned long long)size);
			return 0;
		}
	}
	*next = base + size;
	return base;
}

/*
 * The expansion ROM: sized as Linux sizes it (all address bits written,
 * enable clear), placed if the firmware did not, left disabled.
 */
static void setup_rom(struct pci_dev *dev)
{
	struct resource *r = &dev->resource[PCI_ROM_RESOURCE];
	int reg = dev->hdr_type == PCI_HEADER_TYPE_BRIDGE ? PCI_ROM_ADDRESS1
							  : PCI_ROM_ADDRESS;
	uint32_t orig, sz;
	uint64_t size, base;

	if (dev->hdr_type != PCI_HEADER_TYPE_NORMAL &&
	    dev->hdr_type != PCI_HEADER_TYPE_BRIDGE)
		return;
	pci_read_config_dword(dev, reg, &orig);
	pci_write_config_dword(dev, reg, PCI_ROM_ADDRESS_MASK);
	pci_read_config_dword(dev, reg, &sz);
	pci_write_config_dword(dev, reg, orig);
	sz &= PCI_ROM_ADDRESS_MASK;
	if (!sz)
		return;
	/* Linux's pci_size(): the lowest address bit that answered (a
	 * read-only register - a dump without a ROM size - answers its
	 * address, whose alignment is then the size). */
	size = sz & -sz;
	base = orig & PCI_ROM_ADDRESS_MASK;
	if (!base) {
		base = place(dev, PCI_ROM_RESOURCE, size, false, false);
		if (!base)
			return;
		pci_write_config_dword(dev, reg, (uint32_t)base |
				       (orig & PCI_ROM_ADDRESS_ENABLE));
	}
	r->start = base;
	r->end = base + size - 1;
	r->flags = IORESOURCE_MEM | IORESOURCE_PREFETCH | IORESOURCE_READONLY;
}

/* Size BAR @i and place it if the firmware (the dump) did not. */
static int setup_bar(struct pci_dev *dev, int i)
{
	struct resource *r = &dev->resource[i];
	int reg = PCI_BASE_ADDRESS_0 + 4 * i;
	uint32_t orig, sz, orig_hi = 0, sz_hi = 0;
	uint64_t mask, size, base;
	bool io, is64;

	pci_read_config_dword(dev, reg, &orig);
	pci_write_config_dword(dev, reg, ~0u);
	pci_read_config_dword(dev, reg, &sz);
	pci_write_config_dword(dev, reg, orig);
	if (!sz || sz == ~0u)
		return 0;
	io = sz & PCI_BASE_ADDRESS_SPACE_IO;
	is64 = !io && (sz & 0x6) == PCI_BASE_ADDRESS_MEM_TYPE_64;
	if (is64 && i < 5) {
		pci_read_config_dword(dev, reg + 4, &orig_hi);
		pci_write_config_dword(dev, reg + 4, ~0u);
		pci_read_config_dword(dev, reg + 4, &sz_hi);
		pci_write_config_dword(dev, reg + 4, orig_hi);
	}
	if (io)
		mask = 0xffffffff00000000ull | (sz & PCI_BASE_ADDRESS_IO_MASK);
	else if (is64)
		mask = ((uint64_t)sz_hi << 32) | (sz & PCI_BASE_ADDRESS_MEM_MASK);
	else
		mask = 0xffffffff00000000ull | (sz & PCI_BASE_ADDRESS_MEM_MASK);
	size = ~mask + 1;
	if (!size || (size & (size - 1)))
		return is64;
	base = io ? (orig & PCI_BASE_ADDRESS_IO_MASK)
		  : (((uint64_t)orig_hi << 32) | (orig & PCI_BASE_ADDRESS_MEM_MASK));
	if (!base) {
		base = place(dev, i, size, io, is64);
		if (!base)
			return is64;
		pci_write_config_dword(dev, reg, (uint32_t)base | (orig & (io ? 3u : 0xfu)));
		if (is64)
			pci_write_config_dword(dev, reg + 4, (uint32_t)(base >> 32));
	}
	r->start = base;
	r->end = base + size - 1;
	r->flags = io ? IORESOURCE_IO : IORESOURCE_MEM;
	if (!io && (sz & PCI_BASE_ADDRESS_MEM_PREFETCH))
		r->flags |= IORESOURCE_PREFETCH;
	if (is64)
		r->flags |= IORESOURCE_MEM_64;
	return is64;
}

static void setup_bars(struct pci_dev *dev)
{
	int nbars = (dev->hdr_type & 0x7f) == PCI_HEADER_TYPE_BRIDGE ? 2 : 6;
	uint16_t cmd;

	/* Decoding off while the BARs hold sizing patterns. */
	pci_read_config_word(dev, PCI_COMMAND, &cmd);
	if (cmd & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY))
		pci_write_config_word(dev, PCI_COMMAND,
				      cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (int i = 0; i < nbars; i++)
		i += setup_bar(dev, i);
	setup_rom(dev);
	if (cmd & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY))
		pci_write_config_word(dev, PCI_COMMAND, cmd);
}

static struct pci_dev *setup_device(struct pci_bus *bus, unsigned int devfn,
				    struct pcl_emu_fn *hw)
{
	struct pci_dev *dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	uint32_t class, v;

	if (!dev)
		return NULL;
	dev->bus = bus;
	dev->devfn = devfn;
	dev->hw = pcl_emu_fn_get(hw);
	dev->dev.bus = &pci_bus_type;
	dev->dev.release = pci_release_dev;
	dev->dev.parent = bus->self ? &bus->self->dev : NULL;
	device_initialize(&dev->dev);
	dev_set_name(&dev->dev, "%04x:%02x:%02x.%d", bus->host->domain,
		     bus->number, PCI_SLOT(devfn), PCI_FUNC(devfn));
	init_rwsem(&dev->cfg_access);
	dev->cfg_access.dep.name = "&pdev->cfg_access";
	dev->cfg_size = PCI_CFG_SPACE_SIZE;

	pci_read_config_dword(dev, PCI_VENDOR_ID, &v);
	dev->vendor = (uint16_t)v;
	dev->device = (uint16_t)(v >> 16);
	pci_read_config_dword(dev, PCI_CLASS_REVISION, &class);
	dev->revision = (uint8_t)class;
	dev->class = class >> 8;
	pci_read_config_byte(dev, PCI_HEADER_TYPE, &dev->hdr_type);
	dev->hdr_type &= 0x7f;
	pci_read_config_byte(dev, PCI_INTERRUPT_PIN, &dev->pin);
	if (dev->hdr_type == PCI_HEADER_TYPE_NORMAL) {
		pci_read_config_word(dev, PCI_SUBSYSTEM_VENDOR_ID,
				     &dev->subsystem_vendor);
		pci_read_config_word(dev, PCI_SUBSYSTEM_ID,
				     &dev->subsystem_device);
	}
	dev->pm_cap = pci_find_capability(dev, PCI_CAP_ID_PM);
	dev->msi_cap = pci_find_capability(dev, PCI_CAP_ID_MSI);
	dev->msix_cap = pci_find_capability(dev, PCI_CAP_ID_MSIX);
	dev->pcie_cap = pci_find_capability(dev, PCI_CAP_ID_EXP);
	if (dev->pcie_cap) {
		uint32_t ext;

		/* Extended space exists if it answers past 256 bytes. */
		pci_read_config_dword(dev, PCI_CFG_SPACE_SIZE, &ext);
		if (ext != ~0u)
			dev->cfg_size = PCI_CFG_SPACE_EXP_SIZE;
	}
	dev->current_state = PCI_D0;
	if (dev->pm_cap) {
		uint16_t pmcsr;

		pci_read_config_word(dev, dev->pm_cap + PCI_PM_CTRL, &pmcsr);
		dev->current_state = pmcsr & PCI_PM_CTRL_STATE_MASK;
	}
	setup_bars(dev);
	pcl__pci_route_irqs(dev);
	return dev;
}

static struct pci_bus *add_child_bus(struct pci_bus *parent,
				     struct pci_dev *bridge,
				     struct pcl_emu_bus *hw, uint8_t nr)
{
	struct pci_bus *child = kzalloc(sizeof(*child), GFP_KERNEL);

	if (!child)
		return NULL;
	child->host = parent->host;
	child->parent = parent;
	child->self = bridge;
	child->number = nr;
	child->bridge_devfn = (uint8_t)bridge->devfn;
	child->hw = hw;
	hw->sw = child;
	INIT_LIST_HEAD(&child->devices);
	INIT_LIST_HEAD(&child->children);
	list_add_tail(&child->node, &parent->children);
	return child;
}

/*
 * A bridge appeared where a pulled one was: give it the bus the old one
 * left (kept, empty, with its numbers), as firmware would give the slot
 * the same bus numbers.  Under pcl__pci_lock.
 */
static struct pci_bus *reuse_vacant_bus(struct pci_bus *bus, unsigned int devfn,
					struct pcl_emu_bus *chw)
{
	struct pci_bus *c;

	list_for_each_entry(c, &bus->children, node) {
		if (c->self || c->bridge_devfn != devfn || c->hw == chw ||
		    !list_empty(&c->devices))
			continue;
		if (c->hw)
			c->hw->sw = NULL;	/* the dead bridge's bus */
		c->hw = chw;
		chw->sw = c;
		return c;
	}
	return NULL;
}

/*
 * The bus numbers a bridge came with (a cloned machine's firmware set
 * them): kept, as Linux keeps a valid firmware assignment, if the bridge
 * says it sits on this bus, the secondary bus is above this bus and not
 * used yet, and the range lies inside this bus's own firmware range
 * (when it kept one).  Return: the secondary bus number (the subordinate
 * in *@end), or 0 to number the bus afresh.
 */
static uint8_t firmware_busnr(struct pci_dev *dev, struct pci_bus *bus,
			      uint8_t *end)
{
	struct pci_host_bridge *h = bus->host;
	uint8_t pri, sec, sub;

	pci_read_config_byte(dev, PCI_PRIMARY_BUS, &pri);
	pci_read_config_byte(dev, PCI_SECONDARY_BUS, &sec);
	pci_read_config_byte(dev, PCI_SUBORDINATE_BUS, &sub);
	if (pri != bus->number || sec <= bus->number || sub < sec ||
	    !h->next_busnr || sec < h->next_busnr ||
	    (bus->fw_end && sub > bus->fw_end))
		return 0;
	h->next_busnr = sec == 0xff ? 0 : (uint8_t)(sec + 1);
	*end = sub;
	return sec;
}

/* Scan @bus (its emulated side @hw); new devices are appended to @added. */
static int scan_bus(struct pci_bus *bus, struct pcl_emu_bus *hw, int depth,
		    struct pci_dev **added, int nadded, int max)
{
	struct pci_host_bridge *h = bus->host;

	if (depth > PCI_MAX_BRIDGE_DEPTH)
		return nadded;
	for (unsigned int devfn = 0; devfn < 256; devfn++) {
		struct pci_dev *dev;
		uint32_t id;
		uint8_t hdr;

		pci_bus_read_config_dword(bus, devfn, PCI_VENDOR_ID, &id);
		if (id == ~0u || id == 0 || (id & 0xffff) == 0xffff) {
			if (!PCI_FUNC(devfn))
				devfn += 7;	/* no function 0: empty slot */
			continue;
		}
		dev = find_on_bus(bus, devfn);
		if (!dev) {
			dev = setup_device(bus, devfn, pcl__route(h, bus->number, devfn));
			if (!dev)
				continue;
			list_add_tail(&dev->bus_list, &bus->devices);
			if (nadded < max)
				added[nadded++] = dev;
		}
		if (dev->hdr_type == PCI_HEADER_TYPE_BRIDGE && hw->child[devfn]) {
			struct pcl_emu_bus *chw = hw->child[devfn];
			struct pci_bus *child = chw->sw;

			if (!child)
				child = reuse_vacant_bus(bus, devfn, chw);
			if (!child && !h->next_busnr) {
				pcl_trace(PCL_TR_CORE, "pci %s: no bus number left for the bus behind it",
					  pci_name(dev));
				continue;
			}
			if (!child) {
				uint8_t fw_end = 0;
				uint8_t nr = firmware_busnr(dev, bus, &fw_end);

				if (!nr)
					nr = h->next_busnr++;	/* 255 -> 0: none left */
				pci_write_config_byte(dev, PCI_PRIMARY_BUS, bus->number);
				pci_write_config_byte(dev, PCI_SECONDARY_BUS, nr);
				pci_write_config_byte(dev, PCI_SUBORDINATE_BUS, 0xff);
				child = add_child_bus(bus, dev, chw, nr);
				if (!child)
					continue;
				child->fw_end = fw_end;
				nadded = scan_bus(child, chw, depth + 1, added, nadded, max);
				/* The firmware's range may be larger (room kept for
				 * hot-plug); the next bus number comes after it. */
				if (h->next_busnr && fw_end >= h->next_busnr)
					h->next_busnr = fw_end == 0xff ? 0 : (uint8_t)(fw_end + 1);
				child->busn_end = (uint8_t)(h->next_busnr - 1);
			} else {
				/* Rescan after a hot-remove: the bus keeps its
				 * numbers (a cold reset cleared the bridge's). */
				child->self = dev;
				pci_write_config_byte(dev, PCI_PRIMARY_BUS, bus->number);
				pci_write_config_byte(dev, PCI_SECONDARY_BUS, child->number);
				pci_write_config_byte(dev, PCI_SUBORDINATE_BUS, child->busn_end);
				nadded = scan_bus(child, chw, depth + 1, added, nadded, max);
			}
			pci_write_config_byte(dev, PCI_SUBORDINATE_BUS, child->busn_end);
		}
		/* A single-function device: functions 1-7 are not looked at. */
		if (!PCI_FUNC(devfn)) {
			pci_bus_read_config_byte(bus, devfn, PCI_HEADER_TYPE, &hdr);
			if (!(hdr & PCI_HEADER_TYPE_MFD))
				devfn += 7;
		}
	}
	return nadded;
}

#define SCAN_MAX	4096

int pcl_pci_scan(struct pci_host_bridge *host)
{
	struct pci_dev **added;
	int n;

	might_sleep();
	pcl_pci_init();
	added = kcalloc(SCAN_MAX, sizeof(*added), GFP_KERNEL);
	if (!added)
		return -ENOMEM;
	mutex_lock(&pcl__pci_lock);
	n = scan_bus(host->bus, host->hw, 0, added, 0, SCAN_MAX);
	mutex_unlock(&pcl__pci_lock);
	/* Add outside the topology lock: drivers bind now. */
	for (int i = 0; i < n; i++) {
		pcl_trace(PCL_TR_CORE, "pci %s: [%04x:%04x] type %02x class 0x%06x",
			  pci_name(added[i]), added[i]->vendor, added[i]->device,
			  added[i]->hdr_type, added[i]->class);
		if (device_add(&added[i]->dev)) {
			mutex_lock(&pcl__pci_lock);
			list_del_init(&added[i]->bus_list);
			mutex_unlock(&pcl__pci_lock);
			put_device(&added[i]->dev);
		}
	}
	kfree(added);
	return n;
}

/*
 * Every device of @bus and below, children first, deepest first: drivers
 * removed, devices deleted, then marked disconnected - the host bridge
 * goes with them, so someone still holding a reference (a user config
 * reader, an interrupt source) must no longer reach its buses.
 */
static void remove_bus_devices(struct pci_bus *bus)
{
	struct pci_bus *child;

	list_for_each_entry(child, &bus->children, node)
		remove_bus_devices(child);
	while (!list_empty(&bus->devices)) {
		struct pci_dev *dev = list_last_entry(&bus->devices,
						      struct pci_dev, bus_list);

		list_del_init(&dev->bus_list);
		get_device(&dev->dev);
		device_unregister(&dev->dev);
		pcl__pci_msi_removed(dev);
		atomic_store(&dev->disconnected, true);
		put_device(&dev->dev);
	}
}

static void free_bus_tree(struct pci_bus *bus)
{
	struct pci_bus *child, *ctmp;

	list_for_each_entry_safe(child, ctmp, &bus->children, node) {
		free_bus_tree(child);
		list_del_init(&child->node);
		if (child->hw)
			child->hw->sw = NULL;
		kfree(child);
	}
}

/* Free the functions on @b and the buses behind it, and @b itself if
 * it is not a host's root bus (depth > 0). */
void pcl__pci_free_emu_bus(struct pcl_emu_bus *b, int depth)
{
	if (!b)
		return;
	for (int i = 0; i < 256; i++) {
		if (depth < PCI_MAX_BRIDGE_DEPTH)
			pcl__pci_free_emu_bus(b->child[i], depth + 1);
		pcl_emu_fn_free(b->slot[i]);
	}
	if (depth)
		kfree(b);
}

void pcl_pci_host_remove(struct pci_host_bridge *h)
{
	might_sleep();
	remove_bus_devices(h->bus);
	mutex_lock(&pcl__pci_lock);
	list_del_init(&h->node);
	mutex_unlock(&pcl__pci_lock);
	/* Accessors test "disconnected" inside an RCU read-side section:
	 * after this grace period none is still on our buses or hardware. */
	synchronize_rcu();
	free_bus_tree(h->bus);
	pcl__pci_free_emu_bus(h->hw, 0);
	pcl_its_destroy(h->its);
	pcl_intx_destroy(h->intx);
	while (!list_empty(&h->routes)) {
		struct pcl_irq_route *r = list_first_entry(&h->routes,
				struct pcl_irq_route, node);

		list_del_init(&r->node);
		kfree(r);
	}
	kfree(h->hw);
	kfree(h->bus);
	kfree(h);
}

/*
 * Newest host first; hosts a driver owns (the bus behind a VMD-like
 * bridge) go when their owner unbinds, which removing its host does.
 */
void pcl_pci_remove_all(void)
{
	for (;;) {
		struct pci_host_bridge *h, *victim = NULL;

		mutex_lock(&pcl__pci_lock);
		/* the newest unowned host; else whatever is left */
		list_for_each_entry_reverse(h, &pcl__hosts, node)
			if (!h->owned) {
				victim = h;
				break;
			}
		if (!victim && !list_empty(&pcl__hosts))
			victim = list_last_entry(&pcl__hosts,
						 struct pci_host_bridge, node);
		mutex_unlock(&pcl__pci_lock);
		if (!victim)
			break;
		pcl_pci_host_remove(victim);
	}
}

struct pci_dev *pcl_pci_find_dev(const char *name)
{
	char full[32];
	struct device *dev;

	pcl_pci_init();
	if (strlen(name) == 7)		/* "BB:DD.F": domain 0 */
		snprintf(full, sizeof(full), "0000:%s", name);
	else
		snprintf(full, sizeof(full), "%s", name);
	dev = bus_find_device_by_name(&pci_bus_type, full);
	return dev ? to_pci_dev(dev) : NULL;
}

static void walk_bus(struct pci_bus *bus,
		     void (*fn)(struct pci_dev *pdev, void *arg), void *arg,
		     int depth)
{
	struct pci_dev *dev;
	struct pci_bus *child;

	list_for_each_entry(dev, &bus->devices, bus_list)
		fn(dev, arg);
	if (depth < PCI_MAX_BRIDGE_DEPTH)
		list_for_each_entry(child, &bus->children, node)
			walk_bus(child, fn, arg, depth + 1);
}

void pcl_pci_for_each_dev(void (*fn)(struct pci_dev *pdev, void *arg),
			  void *arg)
{
	struct pci_host_bridge *h;

	mutex_lock(&pcl__pci_lock);
	list_for_each_entry(h, &pcl__hosts, node)
		walk_bus(h->bus, fn, arg, 0);
	mutex_unlock(&pcl__pci_lock);
}
