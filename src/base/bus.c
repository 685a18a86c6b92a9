// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Buses and driver registration.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <string.h>
#include <stdlib.h>
#include "internal.h"

/* The registered buses; bus_list_lock is a leaf taken around the list. */
static LIST_HEAD(bus_list);
static DEFINE_MUTEX(bus_list_lock);

int bus_register(struct bus_type *bus)
{
	mutex_lock(&bus_list_lock);
	if (bus->registered) {
		mutex_unlock(&bus_list_lock);
		return 0;
	}
	list_add_tail(&bus->node, &bus_list);
	mutex_init(&bus->lock);
	bus->lock.dep.name = "&bus->lock";
	INIT_LIST_HEAD(&bus->devices);
	INIT_LIST_HEAD(&bus->drivers);
	if (!bus->by_name) {
		/* never freed: a registered bus lives as long as the program */
		bus->by_name = calloc(PCL_BUS_NAME_BUCKETS, sizeof(*bus->by_name));
		for (int i = 0; bus->by_name && i < PCL_BUS_NAME_BUCKETS; i++)
			INIT_LIST_HEAD(&bus->by_name[i]);
	}
	bus->registered = true;
	mutex_unlock(&bus_list_lock);
	pcl_trace(PCL_TR_CORE, "bus %s registered", bus->name);
	return 0;
}

struct device *pcl_find_device(const char *name)
{
	struct bus_type *bus;
	struct device *dev = NULL;
	char alias[24];

	/* "BB:DD.F" is PCI domain 0's "0000:BB:DD.F". */
	if (strlen(name) == 7 && name[2] == ':' && name[5] == '.')
		snprintf(alias, sizeof(alias), "0000:%s", name);
	else
		alias[0] = '\0';
	mutex_lock(&bus_list_lock);
	list_for_each_entry(bus, &bus_list, node) {
		dev = bus_find_device_by_name(bus, name);
		if (!dev && alias[0])
			dev = bus_find_device_by_name(bus, alias);
		if (dev)
			break;
	}
	mutex_unlock(&bus_list_lock);
	return dev;
}

void bus_unregister(struct bus_type *bus)
{
	if (!bus->registered)
		return;
	if (PCL_WARN_ON(!list_empty(&bus->devices) || !list_empty(&bus->drivers),
			NULL, "bus_unregister(%s) with devices or drivers left",
			bus->name))
		return;
	mutex_lock(&bus_list_lock);
	list_del_init(&bus->node);
	bus->registered = false;
	mutex_unlock(&bus_list_lock);
	mutex_destroy(&bus->lock);
}

static struct device_driver *find_locked(const char *name, struct bus_type *bus)
{
	struct device_driver *drv;

	list_for_each_entry(drv, &bus->drivers, bus_node)
		if (strcmp(drv->name, name) == 0)
			return drv;
	return NULL;
}

struct device_driver *driver_find(const char *name, struct bus_type *bus)
{
	struct device_driver *drv;

	mutex_lock(&bus->lock);
	drv = find_locked(name, bus);
	mutex_unlock(&bus->lock);
	return drv;
}

int driver_register(struct device_driver *drv)
{
	struct bus_type *bus = drv->bus;

	might_sleep();
	if (!bus || !bus->registered || !drv->name)
		return -EINVAL;
	if (PCL_WARN_ON(drv->registered, NULL, "driver %s registered twice",
			drv->name))
		return -EBUSY;
	mutex_lock(&bus->lock);
	if (find_locked(drv->name, bus)) {
		mutex_unlock(&bus->lock);
		return -EBUSY;
	}
	/* Under bus->lock: probes of an earlier registration read these. */
	INIT_LIST_HEAD(&drv->devices);
	init_waitqueue_head(&drv->probe_wq);
	drv->probing = 0;
	list_add_tail(&drv->bus_node, &bus->drivers);
	drv->registered = true;
	mutex_unlock(&bus->lock);

	pcl_trace(PCL_TR_CORE, "driver %s registered on bus %s", drv->name,
		  bus->name);
	pcl__driver_attach(drv);
	return 0;
}

void driver_unregister(struct device_driver *drv)
{
	struct bus_type *bus = drv->bus;

	might_sleep();
	if (PCL_WARN_ON(!drv->registered, NULL,
			"driver_unregister() of unregistered driver %s",
			drv->name ? drv->name : "?"))
		return;
	/*
	 * Make the driver unavailable first, then wait for the probes that
	 * took it before that, then unbind it from every device, one at a
	 * time, without bus->lock held across its remove().
	 */
	mutex_lock(&bus->lock);
	drv->registered = false;
	list_del_init(&drv->bus_node);
	mutex_unlock(&bus->lock);
	wait_event(drv->probe_wq, pcl__driver_probes_done(drv));
	for (;;) {
		struct device *dev = NULL;

		mutex_lock(&bus->lock);
		if (!list_empty(&drv->devices))
			dev = get_device(list_first_entry(&drv->devices,
							  struct device,
							  driver_node));
		mutex_unlock(&bus->lock);
		if (!dev)
			break;
		device_release_driver(dev);
		put_device(dev);
	}
	pcl_trace(PCL_TR_CORE, "driver %s unregistered", drv->name);
}
