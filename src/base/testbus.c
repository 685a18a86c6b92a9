// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The test bus: devices with an id, an event line and one per-binding
 * flag, enough to exercise the whole driver model without PCI.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <string.h>
#include "internal.h"

static const struct testbus_device_id *
testbus_match_id(const struct testbus_driver *drv,
		 const struct testbus_device *tdev)
{
	const struct testbus_device_id *id;

	if (!drv->id_table)
		return NULL;
	for (id = drv->id_table; id->vendor || id->device; id++)
		if ((id->vendor == TESTBUS_ANY_ID || id->vendor == tdev->vendor) &&
		    (id->device == TESTBUS_ANY_ID || id->device == tdev->device))
			return id;
	return NULL;
}

static int testbus_match(struct device *dev, const struct device_driver *drv)
{
	return testbus_match_id(to_testbus_driver(drv),
				to_testbus_device(dev)) != NULL;
}

static int testbus_probe(struct device *dev)
{
	struct testbus_driver *drv = to_testbus_driver(dev->driver);
	struct testbus_device *tdev = to_testbus_device(dev);
	static const struct testbus_device_id any = { TESTBUS_ANY_ID,
						      TESTBUS_ANY_ID };
	const struct testbus_device_id *id = testbus_match_id(drv, tdev);

	if (!drv->probe)
		return -ENODEV;
	/* Bound through driver_override without an id match. */
	return drv->probe(tdev, id ? id : &any);
}

static void testbus_remove(struct device *dev)
{
	struct testbus_driver *drv = to_testbus_driver(dev->driver);

	if (drv->remove)
		drv->remove(to_testbus_device(dev));
}

/* Every per-binding field back to its pristine value (invariant 6). */
static void testbus_unbind_cleanup(struct device *dev)
{
	struct testbus_device *tdev = to_testbus_device(dev);

	if (tdev->managed || tdev->enabled)
		pcl_trace(PCL_TR_CORE, "%s: reset per-binding state (managed %d, enabled %d)",
			  dev_name(dev), tdev->managed, tdev->enabled);
	tdev->managed = false;
	tdev->enabled = false;
}

struct bus_type testbus_bus_type = {
	.name = "testbus",
	.match = testbus_match,
	.probe = testbus_probe,
	.remove = testbus_remove,
	.unbind_cleanup = testbus_unbind_cleanup,
};

int pcl_base_init(void)
{
	return bus_register(&testbus_bus_type);
}

static void testbus_release(struct device *dev)
{
	kfree(to_testbus_device(dev));
}

struct testbus_device *testbus_device_create(const char *name, uint16_t vendor,
					     uint16_t device)
{
	struct testbus_device *tdev;
	int ret;

	pcl_base_init();
	tdev = kzalloc(sizeof(*tdev), GFP_KERNEL);
	if (!tdev)
		return ERR_PTR(-ENOMEM);
	tdev->vendor = vendor;
	tdev->device = device;
	tdev->dev.bus = &testbus_bus_type;
	tdev->dev.release = testbus_release;
	device_initialize(&tdev->dev);
	ret = dev_set_name(&tdev->dev, "%s", name);
	if (!ret)
		ret = device_add(&tdev->dev);
	if (ret) {
		put_device(&tdev->dev);
		return ERR_PTR(ret);
	}
	return tdev;
}

void testbus_device_destroy(struct testbus_device *tdev)
{
	device_unregister(&tdev->dev);
}

int testbus_driver_register(struct testbus_driver *drv)
{
	pcl_base_init();
	/* Set once: a re-registered driver may still be read by probes
	 * that raced with its unregistration. */
	if (drv->driver.name != drv->name)
		drv->driver.name = drv->name;
	if (drv->driver.bus != &testbus_bus_type)
		drv->driver.bus = &testbus_bus_type;
	return driver_register(&drv->driver);
}

void testbus_driver_unregister(struct testbus_driver *drv)
{
	driver_unregister(&drv->driver);
}

int testbus_raise_event(struct testbus_device *tdev)
{
	struct device *dev = &tdev->dev;
	struct testbus_driver *drv;
	struct pcl_drv_call save;
	irqreturn_t ret;

	/*
	 * An interrupt arrives whatever the process side is doing; the
	 * handler is found under the device's binding state, which cannot
	 * change while we hold a reference and the state is BOUND... except
	 * through unbind, which the caller serialises with (this is the
	 * deterministic, inline delivery of a single-threaded scenario).
	 */
	if (dev_state(dev) != DEV_STATE_BOUND)
		return -ENODEV;
	drv = to_testbus_driver(dev->driver);
	if (!drv->event)
		return -ENODEV;
	pcl_hardirq_enter();
	device_driver_enter(dev, &save);
	ret = drv->event(tdev);
	device_driver_leave(&save);
	pcl_hardirq_exit();
	tdev->events++;
	return ret;
}

static void testbus_disable(void *data)
{
	struct testbus_device *tdev = data;

	tdev->enabled = false;
	pcl_trace(PCL_TR_CORE, "%s: disabled", dev_name(&tdev->dev));
}

int testbus_enable_device_managed(struct testbus_device *tdev)
{
	int ret;

	tdev->enabled = true;
	pcl_trace(PCL_TR_CORE, "%s: enabled (managed)", dev_name(&tdev->dev));
	ret = devm_add_action_or_reset(&tdev->dev, testbus_disable, tdev);
	if (ret)
		return ret;
	tdev->managed = true;
	return 0;
}
