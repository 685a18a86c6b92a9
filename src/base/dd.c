// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Binding drivers to devices: probe, remove, attach, deferred probe.
 *
 * The device lifecycle
 * ====================
 *
 *   device_initialize()        device_add()
 *   -----------------> INITIALIZED ---------> UNBOUND <------------------+
 *                                              |   ^                      |
 *                            really_probe()    |   | probe failed:        |
 *                                              v   | devres released,     |
 *                                           PROBING  cleanup, leak check  |
 *                                              |   \______________________|
 *                               probe() == 0   |          (via RELEASING)
 *                                              v                          |
 *                                            BOUND                        |
 *                                              | device_release_driver()  |
 *                                              v                          |
 *                                           REMOVING  driver's remove()   |
 *                                              |                          |
 *                                              v                          |
 *                                          RELEASING  revocables (one     |
 *                                              |   grace period), devres, |
 *                                              |   newest first           |
 *                                              |   bus->unbind_cleanup(), |
 *                                              |   leak check             |
 *                                              +--------------------------+
 *
 *   test-remove (DEBUG_TEST_DRIVER_REMOVE): a successful probe goes
 *   PROBING --> REMOVING --> RELEASING --> PROBING (the second probe)
 *   before BOUND.
 *
 *   device_del(): unbind if bound, then UNBOUND --> DELETED, in one
 *   device_lock() section;
 *   last put_device(): any devres left is released, then dev->release().
 *
 * Invariants
 *   1. dev->driver is set exactly in PROBING, BOUND, REMOVING, RELEASING.
 *   2. Every transition out of UNBOUND and back happens with device_lock()
 *      held; a driver's probe and remove run with it held, so they never
 *      overlap for one device.
 *   3. In INITIALIZED, UNBOUND and DELETED the devres list is empty: a
 *      devres added there is refused (devres.c), and a binding's devres is
 *      all released before the state returns to UNBOUND.
 *   4. The binding's allocation owner exists exactly while dev->driver is
 *      set; when the binding ends, what is still charged to it is a leak.
 *   5. A device waiting on the deferred-probe list is UNBOUND and holds a
 *      reference for the list.
 *   6. After unbind, every per-binding field is back to its initial value:
 *      driver, driver_data and whatever the bus's unbind_cleanup() resets.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/*
 * deferred_lock protects deferred_list and the trigger state.  Taken
 * without any device lock held; bus->lock is never taken inside it.
 */
static DEFINE_MUTEX(deferred_lock);
static LIST_HEAD(deferred_list);
static bool deferred_running;	/* a trigger is walking the list */
static bool deferred_again;	/* something bound meanwhile: walk again */

bool pcl__driver_matches(struct device_driver *drv, struct device *dev)
{
	if (dev->driver_override)
		return strcmp(dev->driver_override, drv->name) == 0;
	if (dev->bus->match)
		return dev->bus->match(dev, drv) > 0;
	return true;
}

static void deferred_probe_add(struct device *dev)
{
	mutex_lock(&deferred_lock);
	if (list_empty(&dev->deferred_node)) {
		get_device(dev);
		list_add_tail(&dev->deferred_node, &deferred_list);
		dev->deferred = true;
		pcl_trace(PCL_TR_CORE, "%s: added to the deferred probe list",
			  dev_name(dev));
	}
	mutex_unlock(&deferred_lock);
}

void pcl__deferred_probe_del(struct device *dev)
{
	bool was = false;

	mutex_lock(&deferred_lock);
	if (!list_empty(&dev->deferred_node)) {
		list_del_init(&dev->deferred_node);
		dev->deferred = false;
		was = true;
	}
	mutex_unlock(&deferred_lock);
	if (was)
		put_device(dev);
}

bool driver_deferred_probe_pending(struct device *dev)
{
	bool pending;

	mutex_lock(&deferred_lock);
	pending = !list_empty(&dev->deferred_node);
	mutex_unlock(&deferred_lock);
	return pending;
}

/*
 * Retry every deferred device.  Runs in the thread whose bind succeeded,
 * after it dropped its device lock.  A trigger that arrives while one is
 * running makes the running one walk the list again, so no trigger is lost
 * and there is no recursion.
 */
void driver_deferred_probe_trigger(void)
{
	LIST_HEAD(todo);

	mutex_lock(&deferred_lock);
	if (deferred_running) {
		deferred_again = true;
		mutex_unlock(&deferred_lock);
		return;
	}
	deferred_running = true;
	do {
		deferred_again = false;
		list_splice_tail_init(&deferred_list, &todo);
		while (!list_empty(&todo)) {
			struct device *dev = list_first_entry(&todo,
					struct device, deferred_node);

			list_del_init(&dev->deferred_node);
			dev->deferred = false;
			mutex_unlock(&deferred_lock);
			pcl_trace(PCL_TR_CORE, "%s: retrying deferred probe",
				  dev_name(dev));
			device_attach(dev);
			put_device(dev);	/* the list's reference */
			mutex_lock(&deferred_lock);
		}
	} while (deferred_again);
	deferred_running = false;
	mutex_unlock(&deferred_lock);
}

/* Undo a binding, after remove() ran or probe() failed.  Device locked. */
static void unbind_cleanup(struct device *dev)
{
	struct pcl_kmem_owner *owner = dev->owner;
	struct pcl_drv_call save;
	int n;

	pcl__set_state(dev, DEV_STATE_RELEASING);
	/* Every revocable of the binding at once, one grace period; then
	 * the resources go, newest first, with no reader left. */
	pcl__revoke_device(dev);
	device_driver_enter(dev, &save);
	n = pcl__devres_release_all(dev);
	device_driver_leave(&save);
	if (n)
		pcl_trace(PCL_TR_CORE, "%s: released %d devres", dev_name(dev),
			  n);

	if (dev->bus->unbind_cleanup)
		dev->bus->unbind_cleanup(dev);
	dev->driver_data = NULL;

	dev->owner = NULL;
	/* What the binding freed with call_rcu()/kfree_rcu() is not a
	 * leak: let those callbacks run first (one grace period, only when
	 * some are queued). */
	if (owner && pcl_rcu_pending())
		rcu_barrier();
	if (owner)
		pcl_kmem_owner_close(owner, dev->bus->name);
	dev->driver = NULL;
	dev->subject.driver = NULL;
	pcl__set_state(dev, DEV_STATE_UNBOUND);
}

/*
 * DEBUG_TEST_DRIVER_REMOVE: every successful probe is followed by a
 * remove and a second probe, so remove paths run as often as probe
 * paths.  Unlike Linux, the whole unbind check runs in between (leaks,
 * residue, devres): a driver whose remove leaves state behind is caught
 * at its first bind.
 */
static atomic_bool test_remove;

void pcl_driver_test_remove(bool on)
{
	atomic_store(&test_remove, on);
}

/* Run the probe.  Device locked; on failure the binding is undone. */
static int probe_once(struct device_driver *drv, struct device *dev)
{
	struct pcl_drv_call save;
	int ret;

	dev->driver = drv;
	dev->subject.driver = drv->name;
	dev->owner = pcl_kmem_owner_new(dev_name(dev), drv->name);
	pcl__set_state(dev, DEV_STATE_PROBING);
	pcl_trace(PCL_TR_CORE, "%s: probe by %s", dev_name(dev), drv->name);

	device_driver_enter(dev, &save);
	if (dev->bus->probe)
		ret = dev->bus->probe(dev);
	else if (drv->probe)
		ret = drv->probe(dev);
	else
		ret = 0;
	device_driver_leave(&save);
	if (ret == 0)
		return 0;

	if (ret > 0) {
		pcl_report(PCL_CHK_API, &dev->subject, __FILE__, __LINE__,
			   "probe of %s returned a positive value %d; treated as -EINVAL",
			   dev_name(dev), ret);
		ret = -EINVAL;
	}
	pcl_trace(PCL_TR_CORE, "%s: probe by %s failed with -%s, unwinding",
		  dev_name(dev), drv->name, pcl_errname(ret));
	unbind_cleanup(dev);
	return ret;
}

/* The driver's remove(), then the binding undone.  Device locked. */
static void remove_binding(struct device *dev, struct device_driver *drv)
{
	struct pcl_drv_call save;

	pcl__set_state(dev, DEV_STATE_REMOVING);
	pcl_trace(PCL_TR_CORE, "%s: remove by %s", dev_name(dev), drv->name);
	device_driver_enter(dev, &save);
	if (dev->bus->remove)
		dev->bus->remove(dev);
	else if (drv->remove)
		drv->remove(dev);
	device_driver_leave(&save);
	unbind_cleanup(dev);
}

/*
 * Probe @dev with @drv.  Device locked, not bound.
 * Return: 0 bound, or the probe's -errno (the device is unbound again).
 */
static int really_probe(struct device_driver *drv, struct device *dev)
{
	int ret;

	device_lock_assert(dev);
	if (!list_empty(&dev->devres_head)) {
		pcl_report(PCL_CHK_DEVRES, &dev->subject, __FILE__, __LINE__,
			   "Resources present before probing: %u devres on %s, refusing to probe %s",
			   pcl_devres_count(dev), dev_name(dev), drv->name);
		return -EBUSY;
	}
	ret = probe_once(drv, dev);
	if (ret == 0 && atomic_load(&test_remove)) {
		pcl_trace(PCL_TR_CORE, "%s: test remove: remove by %s, then probe again",
			  dev_name(dev), drv->name);
		remove_binding(dev, drv);
		ret = probe_once(drv, dev);
	}
	if (ret == 0) {
		mutex_lock(&dev->bus->lock);
		list_add_tail(&dev->driver_node, &drv->devices);
		mutex_unlock(&dev->bus->lock);
		pcl__set_state(dev, DEV_STATE_BOUND);
		pcl_trace(PCL_TR_CORE, "%s: bound to %s", dev_name(dev),
			  drv->name);
		return 0;
	}
	if (ret == -EPROBE_DEFER)
		deferred_probe_add(dev);
	return ret;
}

/*
 * Bind @drv to @dev if it matches and @dev is free.  Takes the device lock.
 * Return: 1 bound, 0 not for this driver, or probe's -errno.
 */
/*
 * A probe holds its driver: driver_unregister() first makes the driver
 * unavailable, then waits for probes in flight, then unbinds, so no probe
 * can bind a device to a driver that is going away.
 */
static int locked_probe(struct device_driver *drv, struct device *dev);

static bool driver_get_for_probe(struct device_driver *drv)
{
	bool ok;

	if (!drv->bus || !drv->bus->registered)
		return false;	/* never registered */
	mutex_lock(&drv->bus->lock);
	ok = drv->registered;
	if (ok)
		drv->probing++;
	mutex_unlock(&drv->bus->lock);
	return ok;
}

static void driver_put_for_probe(struct device_driver *drv)
{
	/* Wake under bus->lock: once probing is 0 and the lock dropped,
	 * driver_unregister() may return and the driver be registered
	 * again, re-initialising probe_wq. */
	mutex_lock(&drv->bus->lock);
	if (--drv->probing == 0)
		wake_up(&drv->probe_wq);
	mutex_unlock(&drv->bus->lock);
}

bool pcl__driver_probes_done(struct device_driver *drv)
{
	bool done;

	mutex_lock(&drv->bus->lock);
	done = drv->probing == 0;
	mutex_unlock(&drv->bus->lock);
	return done;
}

int pcl__driver_probe_device(struct device_driver *drv, struct device *dev)
{
	int ret;

	if (!driver_get_for_probe(drv))
		return 0;
	ret = locked_probe(drv, dev);
	driver_put_for_probe(drv);
	return ret;
}

/* Device lock taken here.  Return: 1 bound, 0 not for @drv, or -errno. */
static int locked_probe(struct device_driver *drv, struct device *dev)
{
	int ret;

	device_lock(dev);
	if (dev->driver || dev_state(dev) != DEV_STATE_UNBOUND ||
	    !pcl__driver_matches(drv, dev)) {
		device_unlock(dev);
		return 0;
	}
	ret = really_probe(drv, dev);
	device_unlock(dev);
	return ret == 0 ? 1 : ret;
}

/* Snapshot the drivers of a bus: probing may not run under bus->lock. */
static struct device_driver **bus_drivers(struct bus_type *bus, size_t *n)
{
	struct device_driver *drv, **v;
	size_t i = 0;

	mutex_lock(&bus->lock);
	*n = list_count(&bus->drivers);
	v = calloc(*n ? *n : 1, sizeof(*v));
	if (v)
		list_for_each_entry(drv, &bus->drivers, bus_node)
			v[i++] = drv;
	mutex_unlock(&bus->lock);
	return v;
}

int device_attach(struct device *dev)
{
	struct device_driver **drivers;
	bool deferred = false;
	int ret = 0;
	size_t n;

	might_sleep();
	if (device_is_bound(dev))
		return 1;
	drivers = bus_drivers(dev->bus, &n);
	if (!drivers)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		ret = pcl__driver_probe_device(drivers[i], dev);
		if (ret == 1)
			break;
		if (ret == -EPROBE_DEFER)
			deferred = true;
		/* -ENODEV and -ENXIO decline; so does any failure: the
		 * next driver gets its chance, as in Linux. */
	}
	free(drivers);
	if (ret == 1) {
		driver_deferred_probe_trigger();
		return 1;
	}
	return deferred ? -EPROBE_DEFER : (ret < 0 ? ret : 0);
}

void pcl__bus_probe_device(struct device *dev)
{
	device_attach(dev);
}

void pcl__driver_attach(struct device_driver *drv)
{
	struct bus_type *bus = drv->bus;
	struct device **devs;
	struct device *dev;
	bool bound = false;
	size_t n, i = 0;

	mutex_lock(&bus->lock);
	n = list_count(&bus->devices);
	devs = calloc(n ? n : 1, sizeof(*devs));
	if (devs)
		list_for_each_entry(dev, &bus->devices, bus_node)
			devs[i++] = get_device(dev);
	mutex_unlock(&bus->lock);
	if (!devs)
		return;
	for (i = 0; i < n; i++) {
		if (pcl__driver_probe_device(drv, devs[i]) == 1)
			bound = true;
		put_device(devs[i]);
	}
	free(devs);
	if (bound)
		driver_deferred_probe_trigger();
}

int device_driver_attach(struct device_driver *drv, struct device *dev)
{
	int ret;

	might_sleep();
	if (!driver_get_for_probe(drv))
		return -ENODEV;
	device_lock(dev);
	if (dev->driver) {
		ret = -EBUSY;
	} else if (dev_state(dev) != DEV_STATE_UNBOUND ||
		   !pcl__driver_matches(drv, dev)) {
		ret = -ENODEV;
	} else {
		ret = really_probe(drv, dev);
	}
	device_unlock(dev);
	driver_put_for_probe(drv);
	if (ret == 0)
		driver_deferred_probe_trigger();
	return ret;
}

/* Unbind @dev if it is bound.  Device locked. */
void pcl__device_release_driver(struct device *dev)
{
	struct device_driver *drv;

	device_lock_assert(dev);
	drv = dev->driver;
	if (!drv || dev_state(dev) != DEV_STATE_BOUND)
		return;
	mutex_lock(&dev->bus->lock);
	list_del_init(&dev->driver_node);
	mutex_unlock(&dev->bus->lock);

	remove_binding(dev, drv);
	pcl_trace(PCL_TR_CORE, "%s: unbound from %s", dev_name(dev), drv->name);
}

void device_release_driver(struct device *dev)
{
	might_sleep();
	device_lock(dev);
	pcl__device_release_driver(dev);
	device_unlock(dev);
}

int device_set_driver_override(struct device *dev, const char *name)
{
	char *copy = NULL;

	if (name && *name) {
		copy = kstrdup(name, GFP_KERNEL);
		if (!copy)
			return -ENOMEM;
		kmemleak_not_leak(copy);	/* lives with the device */
	}
	device_lock(dev);
	kfree(dev->driver_override);
	dev->driver_override = copy;
	device_unlock(dev);
	pcl_trace(PCL_TR_CORE, "%s: driver_override = %s", dev_name(dev),
		  copy ? copy : "(none)");
	return 0;
}

bool device_is_bound(struct device *dev)
{
	return dev_state(dev) == DEV_STATE_BOUND;
}
