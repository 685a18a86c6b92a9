// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Devices: initialisation, registration, reference counts, names and
 * messages.  Binding is in dd.c, buses and drivers in bus.c.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "internal.h"

static const char *const state_names[] = {
	[DEV_STATE_INITIALIZED]	= "initialized",
	[DEV_STATE_UNBOUND]	= "unbound",
	[DEV_STATE_PROBING]	= "probing",
	[DEV_STATE_BOUND]	= "bound",
	[DEV_STATE_REMOVING]	= "removing",
	[DEV_STATE_RELEASING]	= "releasing",
	[DEV_STATE_DELETED]	= "deleted",
};

const char *dev_state_name(enum dev_state st)
{
	if ((unsigned int)st >= ARRAY_SIZE(state_names))
		return "?";
	return state_names[st];
}

/* How often each lifecycle transition happened (coverage, for tools). */
static atomic_ulong transitions[DEV_STATE_NR][DEV_STATE_NR];

void pcl__set_state(struct device *dev, enum dev_state st)
{
	enum dev_state old = atomic_exchange(&dev->state, st);

	if (old == st)
		return;
	atomic_fetch_add_explicit(&transitions[old][st], 1, memory_order_relaxed);
	pcl_trace(PCL_TR_CORE, "%s: state %s -> %s", dev_name(dev),
		  dev_state_name(old), dev_state_name(st));
}

unsigned long pcl_dev_state_transitions(enum dev_state from, enum dev_state to)
{
	if (from >= DEV_STATE_NR || to >= DEV_STATE_NR)
		return 0;
	return atomic_load(&transitions[from][to]);
}

int dev_set_name(struct device *dev, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dev->name, sizeof(dev->name), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(dev->name))
		return -ENAMETOOLONG;
	return 0;
}

void device_initialize(struct device *dev)
{
	kref_init(&dev->kref);
	mutex_init(&dev->mutex);
	dev->mutex.dep.name = "&dev->mutex";
	spin_lock_init(&dev->devres_lock);
	dev->devres_lock.dep.name = "&dev->devres_lock";
	INIT_LIST_HEAD(&dev->devres_head);
	INIT_LIST_HEAD(&dev->revocables);
	INIT_LIST_HEAD(&dev->bus_node);
	INIT_LIST_HEAD(&dev->name_node);
	INIT_LIST_HEAD(&dev->driver_node);
	INIT_LIST_HEAD(&dev->deferred_node);
	atomic_store(&dev->state, DEV_STATE_INITIALIZED);
	dev->subject.device = dev->name;
	dev->subject.bus = dev->bus ? dev->bus->name : NULL;
	dev->subject.driver = NULL;
}

static unsigned int name_hash(const char *name)
{
	uint32_t h = 2166136261u;

	while (*name)
		h = (h ^ (uint8_t)*name++) * 16777619u;
	return h % PCL_BUS_NAME_BUCKETS;
}

int device_add(struct device *dev)
{
	struct bus_type *bus = dev->bus;
	struct device *other;

	might_sleep();
	if (PCL_WARN_ON(!dev->name[0], NULL, "device_add() of a device with no name"))
		return -EINVAL;
	if (!dev->release) {
		pcl_report(PCL_CHK_API, &dev->subject, __FILE__, __LINE__,
			   "Device '%s' does not have a release() function, it is broken and must be fixed",
			   dev_name(dev));
		return -EINVAL;
	}
	if (PCL_WARN_ON(dev_state(dev) != DEV_STATE_INITIALIZED, &dev->subject,
			"device_add() of a device in state %s",
			dev_state_name(dev_state(dev))))
		return -EINVAL;
	if (!bus || !bus->registered)
		return -EINVAL;
	dev->subject.bus = bus->name;

	mutex_lock(&bus->lock);
	other = pcl__bus_lookup_locked(bus, dev_name(dev));
	if (other) {
		mutex_unlock(&bus->lock);
		return -EEXIST;
	}
	get_device(dev);		/* the bus list's reference */
	list_add_tail(&dev->bus_node, &bus->devices);
	if (bus->by_name)
		list_add_tail(&dev->name_node,
			      &bus->by_name[name_hash(dev_name(dev))]);
	pcl__set_state(dev, DEV_STATE_UNBOUND);
	mutex_unlock(&bus->lock);

	pcl_trace(PCL_TR_CORE, "%s: added to bus %s", dev_name(dev), bus->name);
	pcl__bus_probe_device(dev);
	return 0;
}

void device_del(struct device *dev)
{
	struct bus_type *bus = dev->bus;

	might_sleep();
	if (PCL_WARN_ON(dev_state(dev) == DEV_STATE_INITIALIZED ||
			dev_state(dev) == DEV_STATE_DELETED, &dev->subject,
			"device_del() of a device that is not added"))
		return;
	/*
	 * Unbind and leave UNBOUND for DELETED in one device_lock() section
	 * (dd.c invariant 2): a bind slipping in between - device_attach(),
	 * device_driver_attach() or a deferred-probe retry in another thread
	 * - would leave a driver bound to a deleted device, never removed.
	 */
	device_lock(dev);
	pcl__device_release_driver(dev);
	mutex_lock(&bus->lock);
	list_del_init(&dev->bus_node);
	list_del_init(&dev->name_node);
	pcl__set_state(dev, DEV_STATE_DELETED);
	mutex_unlock(&bus->lock);
	device_unlock(dev);
	/* Only now: until DELETED, a probe could defer it onto the list
	 * again. */
	pcl__deferred_probe_del(dev);
	pcl_trace(PCL_TR_CORE, "%s: removed from bus %s", dev_name(dev),
		  bus->name);
	put_device(dev);		/* the bus list's reference */
}

int device_register(struct device *dev)
{
	device_initialize(dev);
	return device_add(dev);
}

void device_unregister(struct device *dev)
{
	device_del(dev);
	put_device(dev);
}

struct device *get_device(struct device *dev)
{
	if (dev)
		kref_get(&dev->kref);
	return dev;
}

static void device_release(struct kref *kref)
{
	struct device *dev = container_of(kref, struct device, kref);
	int n;

	/*
	 * Resources attached outside any binding were refused when added,
	 * so there should be none; release whatever a bus left, as Linux
	 * does, and say so.
	 */
	n = pcl__devres_release_all(dev);
	if (n)
		pcl_report(PCL_CHK_DEVRES, &dev->subject, __FILE__, __LINE__,
			   "%d devres still attached when the device was released",
			   n);
	pcl_trace(PCL_TR_CORE, "%s: released", dev_name(dev));
	kfree(dev->driver_override);
	dev->driver_override = NULL;
	mutex_destroy(&dev->mutex);
	dev->release(dev);
}

void put_device(struct device *dev)
{
	if (!dev)
		return;
	might_sleep();
	kref_put(&dev->kref, device_release);
}

struct device *pcl__bus_lookup_locked(struct bus_type *bus, const char *name)
{
	struct list_head *head, *pos;
	struct device *dev;

	if (!bus->by_name) {		/* no table (out of memory): walk */
		list_for_each_entry(dev, &bus->devices, bus_node)
			if (!strcmp(dev_name(dev), name))
				return dev;
		return NULL;
	}
	head = &bus->by_name[name_hash(name)];
	for (pos = head->next; pos != head; pos = pos->next) {
		dev = container_of(pos, struct device, name_node);
		if (!strcmp(dev_name(dev), name))
			return dev;
	}
	return NULL;
}

struct device *bus_find_device_by_name(struct bus_type *bus, const char *name)
{
	struct device *found;

	mutex_lock(&bus->lock);
	found = get_device(pcl__bus_lookup_locked(bus, name));
	mutex_unlock(&bus->lock);
	return found;
}

void device_driver_enter(struct device *dev, struct pcl_drv_call *save)
{
	save->owner = pcl_kmem_owner_switch(dev->owner);
	save->subject = pcl_subject_switch(&dev->subject);
}

void device_driver_leave(const struct pcl_drv_call *save)
{
	pcl_kmem_owner_switch(save->owner);
	pcl_subject_switch(save->subject);
}

static void dev_vprintk(const char *level, const struct device *dev,
			const char *fmt, va_list ap)
{
	char msg[256];

	if (!pcl_trace_on(PCL_TR_DRV))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	pcl_trace(PCL_TR_DRV, "%s %s: %s: %s",
		  dev->driver ? dev->driver->name : "-", dev_name(dev), level,
		  msg);
}

void dev_printk(const char *level, const struct device *dev,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dev_vprintk(level, dev, fmt, ap);
	va_end(ap);
}

int dev_err_probe(const struct device *dev, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dev_vprintk(err == -EPROBE_DEFER ? "dbg" : "err", dev, fmt, ap);
	va_end(ap);
	return err;
}
