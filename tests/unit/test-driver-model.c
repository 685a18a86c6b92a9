// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests for the driver model (src/base/core.c, bus.c, dd.c,
 * testbus.c): device registration and reference counting, driver
 * registration, matching, binding and unbinding on every path,
 * driver_override, deferred probe, the device state machine, the calling
 * context of probe and of the event handler, and charging a binding's
 * allocations to it.
 *
 * Test drivers are struct tdrv: a testbus_driver plus counters and
 * optional hooks.  The fixture resets them, and at the end destroys every
 * device a test made, unregisters every driver it registered, and checks
 * that the test made exactly the reports it expected and gave back every
 * allocation.  The multi-threaded test is in
 * test-driver-model-threaded.c.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcilab/base.h>

#include "pcltest.h"

/* ---- test drivers ---- */

struct tdrv {
	struct testbus_driver drv;
	int probe_ret;			/* what probe returns (no hook) */
	int (*probe_hook)(struct tdrv *d, struct testbus_device *tdev);
	void (*remove_hook)(struct tdrv *d, struct testbus_device *tdev);
	unsigned int probes, removes, events;
	const struct testbus_device_id *last_id;
	struct testbus_device *last_dev;
	/* what the hooks observed */
	enum dev_state state_in_probe, state_in_remove;
	bool lock_held_in_probe, lock_held_in_remove;
	bool task_in_probe, atomic_in_probe;
	bool hardirq_in_event, irqs_off_in_event;
	bool managed_in_probe;
	void *ptr;
	int line;
};

static struct tdrv *to_tdrv(struct device *dev)
{
	return container_of(to_testbus_driver(dev->driver), struct tdrv, drv);
}

static int tdrv_probe(struct testbus_device *tdev,
		      const struct testbus_device_id *id)
{
	struct tdrv *d = to_tdrv(&tdev->dev);

	d->probes++;
	d->last_id = id;
	d->last_dev = tdev;
	d->state_in_probe = dev_state(&tdev->dev);
	d->lock_held_in_probe = pcl_ctx_holds(&tdev->dev.mutex.dep);
	d->task_in_probe = in_task();
	d->atomic_in_probe = pcl_in_atomic();
	if (d->probe_hook)
		return d->probe_hook(d, tdev);
	return d->probe_ret;
}

static void tdrv_remove(struct testbus_device *tdev)
{
	struct tdrv *d = to_tdrv(&tdev->dev);

	d->removes++;
	d->state_in_remove = dev_state(&tdev->dev);
	d->lock_held_in_remove = pcl_ctx_holds(&tdev->dev.mutex.dep);
	if (d->remove_hook)
		d->remove_hook(d, tdev);
}

static irqreturn_t tdrv_event(struct testbus_device *tdev)
{
	struct tdrv *d = to_tdrv(&tdev->dev);

	d->events++;
	d->hardirq_in_event = in_hardirq();
	d->irqs_off_in_event = irqs_disabled();
	return IRQ_HANDLED;
}

#define TDRV(var, drvname, ids)						\
	static struct tdrv var = {					\
		.drv = {						\
			.name = (drvname),				\
			.id_table = (ids),				\
			.probe = tdrv_probe,				\
			.remove = tdrv_remove,				\
			.event = tdrv_event,				\
		},							\
	}

static const struct testbus_device_id ids_a[] = {
	{ 0x0a00, 0x0001 },
	{ 0, 0 }
};
static const struct testbus_device_id ids_table[] = {
	{ 0x0b00, 0x0001 },
	{ 0x0b00, 0x0002 },
	{ 0x0b01, TESTBUS_ANY_ID },
	{ 0, 0 }
};
static const struct testbus_device_id ids_c[] = {
	{ 0x0c00, 0x0001 },
	{ 0, 0 }
};
static const struct testbus_device_id ids_defer[] = {
	{ 0x0d00, 0x0001 },
	{ 0, 0 }
};

TDRV(drv_a, "dm-a", ids_a);
TDRV(drv_a2, "dm-a2", ids_a);		/* matches what dm-a matches */
TDRV(drv_a_dup, "dm-a", ids_a);		/* same name as drv_a */
TDRV(drv_table, "dm-table", ids_table);
TDRV(drv_c, "dm-c", ids_c);
TDRV(drv_defer, "dm-defer", ids_defer);

static struct tdrv *const all_drivers[] = {
	&drv_a, &drv_a2, &drv_a_dup, &drv_table, &drv_c, &drv_defer,
};

/* A driver with no event handler. */
static int noevent_probe(struct testbus_device *tdev,
			 const struct testbus_device_id *id)
{
	return 0;
}

static struct testbus_driver drv_noevent = {
	.name = "dm-noevent",
	.id_table = ids_c,
	.probe = noevent_probe,
};

/* ---- a second bus, for the generic device paths ---- */

static struct bus_type dm_bus = { .name = "dmbus" };

struct dmdev {
	struct device dev;
};

static unsigned int dm_released;

static void dm_release(struct device *dev)
{
	dm_released++;
	kfree(container_of(dev, struct dmdev, dev));
}

/* A device on dm_bus, initialized but not added, and with no name. */
static struct dmdev *dm_new_unnamed(void)
{
	struct dmdev *d = kzalloc(sizeof(*d), GFP_KERNEL);

	assert_non_null(d);
	d->dev.bus = &dm_bus;
	d->dev.release = dm_release;
	device_initialize(&d->dev);
	return d;
}

static struct dmdev *dm_new(const char *name)
{
	struct dmdev *d = dm_new_unnamed();

	assert_int_equal(dev_set_name(&d->dev, "%s", name), 0);
	return d;
}

/* ---- fixture ---- */

static struct pcl_capture cap;

static struct {
	unsigned long live0;
	unsigned int expected_reports;
	struct testbus_device *devs[16];
	unsigned int ndevs;
	bool noevent_registered;
} F;

static struct testbus_device *mkdev(const char *name, uint16_t vendor,
				    uint16_t device)
{
	struct testbus_device *t = testbus_device_create(name, vendor, device);

	assert_false(IS_ERR(t));
	assert_true(F.ndevs < ARRAY_SIZE(F.devs));
	F.devs[F.ndevs++] = t;
	return t;
}

/* Destroy a device made by mkdev() before the test ends. */
static void destroy(struct testbus_device *t)
{
	for (unsigned int i = 0; i < F.ndevs; i++) {
		if (F.devs[i] == t) {
			F.devs[i] = F.devs[--F.ndevs];
			testbus_device_destroy(t);
			return;
		}
	}
	fail_msg("destroy() of a device mkdev() did not make");
}

static void reg(struct tdrv *d)
{
	assert_int_equal(testbus_driver_register(&d->drv), 0);
}

static bool registered(struct tdrv *d)
{
	return driver_find(d->drv.name, &testbus_bus_type) == &d->drv.driver;
}

static void unreg(struct tdrv *d)
{
	testbus_driver_unregister(&d->drv);
}

/*
 * Exactly @n reports captured so far, every one from @chk.  Also what the
 * fixture will expect at the end of the test.
 */
static void assert_reports(enum pcl_checker chk, unsigned int n)
{
	assert_captured(&cap, chk, n);
	F.expected_reports = n;
}

static const struct pcl_report *last_report(void)
{
	return last_captured(&cap);
}

static int setup(void **state)
{
	pcl_base_init();
	bus_register(&dm_bus);
	memset(&F, 0, sizeof(F));
	for (size_t i = 0; i < ARRAY_SIZE(all_drivers); i++) {
		struct tdrv *d = all_drivers[i];
		struct testbus_driver keep = d->drv;

		memset(d, 0, sizeof(*d));
		d->drv = keep;
	}
	dm_released = 0;
	F.live0 = fixture_begin(&cap);
	return 0;
}

static int teardown(void **state)
{
	while (F.ndevs)
		testbus_device_destroy(F.devs[--F.ndevs]);
	for (size_t i = 0; i < ARRAY_SIZE(all_drivers); i++)
		if (registered(all_drivers[i]))
			unreg(all_drivers[i]);
	if (driver_find(drv_noevent.name, &testbus_bus_type))
		testbus_driver_unregister(&drv_noevent);
	return fixture_end(&cap, F.expected_reports, F.live0);
}

/* ------------------------------------------------------------------ */
/* Devices: registration and references                                 */
/* ------------------------------------------------------------------ */

static void test_device_register_adds_to_bus_and_unregister_releases_once(void **state)
{
	struct dmdev *d = dm_new("dm0");
	struct device *found;

	assert_int_equal(dev_state(&d->dev), DEV_STATE_INITIALIZED);
	assert_int_equal(device_add(&d->dev), 0);
	assert_int_equal(dev_state(&d->dev), DEV_STATE_UNBOUND);
	found = bus_find_device_by_name(&dm_bus, "dm0");
	assert_ptr_equal(found, &d->dev);
	put_device(found);

	device_unregister(&d->dev);
	assert_int_equal(dm_released, 1);
	assert_null(bus_find_device_by_name(&dm_bus, "dm0"));
}

static void test_device_release_waits_for_the_last_put(void **state)
{
	struct dmdev *d = dm_new("dm1");

	assert_int_equal(device_add(&d->dev), 0);
	assert_ptr_equal(get_device(&d->dev), &d->dev);
	get_device(&d->dev);

	device_unregister(&d->dev);
	assert_int_equal(dm_released, 0);
	/* Still a valid object: off the bus, deleted. */
	assert_int_equal(dev_state(&d->dev), DEV_STATE_DELETED);
	assert_null(bus_find_device_by_name(&dm_bus, "dm1"));
	put_device(&d->dev);
	assert_int_equal(dm_released, 0);
	put_device(&d->dev);
	assert_int_equal(dm_released, 1);
}

static void test_put_of_never_added_device_releases_it(void **state)
{
	struct dmdev *d = dm_new("dm2");

	put_device(&d->dev);
	assert_int_equal(dm_released, 1);
	put_device(NULL);		/* a no-op */
	assert_null(get_device(NULL));
}

static void test_device_add_without_release_is_einval_and_reported(void **state)
{
	struct dmdev *d = dm_new("dm-norelease");

	d->dev.release = NULL;
	quiet();
	assert_int_equal(device_add(&d->dev), -EINVAL);
	assert_reports(PCL_CHK_API, 1);
	assert_contains(last_report()->title,
			"does not have a release() function");
	assert_string_equal(last_report()->device, "dm-norelease");
	assert_int_equal(dev_state(&d->dev), DEV_STATE_INITIALIZED);
	assert_null(bus_find_device_by_name(&dm_bus, "dm-norelease"));
	/* The caller still holds its reference. */
	d->dev.release = dm_release;
	put_device(&d->dev);
	assert_int_equal(dm_released, 1);
}

static void test_device_add_without_name_is_einval(void **state)
{
	struct dmdev *d = dm_new_unnamed();

	quiet();
	assert_int_equal(device_add(&d->dev), -EINVAL);
	assert_reports(PCL_CHK_API, 1);
	put_device(&d->dev);
	assert_int_equal(dm_released, 1);
}

static void test_device_add_duplicate_name_is_eexist(void **state)
{
	struct dmdev *first = dm_new("dm-dup");
	struct dmdev *second = dm_new("dm-dup");
	struct device *found;

	assert_int_equal(device_add(&first->dev), 0);
	assert_int_equal(device_add(&second->dev), -EEXIST);
	assert_int_equal(dev_state(&second->dev), DEV_STATE_INITIALIZED);
	put_device(&second->dev);
	assert_int_equal(dm_released, 1);

	found = bus_find_device_by_name(&dm_bus, "dm-dup");
	assert_ptr_equal(found, &first->dev);
	put_device(found);
	device_unregister(&first->dev);
	assert_int_equal(dm_released, 2);
}

static void test_testbus_device_create_duplicate_returns_err_ptr(void **state)
{
	struct testbus_device *t;

	mkdev("dm-tdup", 0x0e00, 1);
	t = testbus_device_create("dm-tdup", 0x0e00, 1);
	assert_true(IS_ERR(t));
	assert_int_equal(PTR_ERR(t), -EEXIST);
}

/* ------------------------------------------------------------------ */
/* Drivers: registration and matching                                   */
/* ------------------------------------------------------------------ */

static void test_driver_register_duplicate_name_is_ebusy(void **state)
{
	reg(&drv_a);
	assert_int_equal(testbus_driver_register(&drv_a_dup.drv), -EBUSY);
	assert_ptr_equal(driver_find("dm-a", &testbus_bus_type),
			 &drv_a.drv.driver);
	/* The loser binds nothing. */
	mkdev("dm-dupdrv0", 0x0a00, 1);
	assert_int_equal(drv_a.probes, 1);
	assert_int_equal(drv_a_dup.probes, 0);
}

static void test_driver_register_twice_is_ebusy_and_reported(void **state)
{
	reg(&drv_c);
	quiet();
	assert_int_equal(testbus_driver_register(&drv_c.drv), -EBUSY);
	assert_reports(PCL_CHK_API, 1);
	assert_contains(last_report()->title, "registered twice");
	assert_ptr_equal(driver_find("dm-c", &testbus_bus_type),
			 &drv_c.drv.driver);
}

static void test_driver_unregister_removes_it_from_the_bus(void **state)
{
	reg(&drv_c);
	unreg(&drv_c);
	assert_null(driver_find("dm-c", &testbus_bus_type));
	/* And it can come back. */
	reg(&drv_c);
	assert_ptr_equal(driver_find("dm-c", &testbus_bus_type),
			 &drv_c.drv.driver);
}

static void test_match_uses_the_id_table_and_passes_the_matching_entry(void **state)
{
	struct testbus_device *exact1, *exact2, *any, *wrong_dev, *wrong_ven;

	reg(&drv_table);
	exact1 = mkdev("dm-m1", 0x0b00, 0x0001);
	assert_ptr_equal(drv_table.last_id, &ids_table[0]);
	exact2 = mkdev("dm-m2", 0x0b00, 0x0002);
	assert_ptr_equal(drv_table.last_id, &ids_table[1]);
	any = mkdev("dm-m3", 0x0b01, 0x7777);	/* TESTBUS_ANY_ID device */
	assert_ptr_equal(drv_table.last_id, &ids_table[2]);
	wrong_dev = mkdev("dm-m4", 0x0b00, 0x0003);
	wrong_ven = mkdev("dm-m5", 0x0b02, 0x0001);

	assert_int_equal(drv_table.probes, 3);
	assert_ptr_equal(exact1->dev.driver, &drv_table.drv.driver);
	assert_ptr_equal(exact2->dev.driver, &drv_table.drv.driver);
	assert_ptr_equal(any->dev.driver, &drv_table.drv.driver);
	assert_null(wrong_dev->dev.driver);
	assert_null(wrong_ven->dev.driver);
	assert_int_equal(dev_state(&wrong_dev->dev), DEV_STATE_UNBOUND);
}

/* ------------------------------------------------------------------ */
/* Binding                                                              */
/* ------------------------------------------------------------------ */

static void test_device_add_binds_a_registered_matching_driver(void **state)
{
	struct testbus_device *t;

	reg(&drv_a);
	t = mkdev("dm-autobind", 0x0a00, 1);
	assert_int_equal(drv_a.probes, 1);
	assert_ptr_equal(drv_a.last_dev, t);
	assert_ptr_equal(t->dev.driver, &drv_a.drv.driver);
	assert_true(device_is_bound(&t->dev));
	assert_int_equal(dev_state(&t->dev), DEV_STATE_BOUND);
}

static void test_driver_register_binds_existing_matching_devices(void **state)
{
	struct testbus_device *t1 = mkdev("dm-early1", 0x0a00, 1);
	struct testbus_device *t2 = mkdev("dm-early2", 0x0a00, 1);
	struct testbus_device *other = mkdev("dm-early3", 0x0c00, 1);

	assert_false(device_is_bound(&t1->dev));
	reg(&drv_a);
	assert_int_equal(drv_a.probes, 2);
	assert_true(device_is_bound(&t1->dev));
	assert_true(device_is_bound(&t2->dev));
	assert_false(device_is_bound(&other->dev));
}

static void test_device_attach_returns_1_bound_0_no_match(void **state)
{
	struct testbus_device *t = mkdev("dm-attach", 0x0a00, 1);
	struct testbus_device *nomatch = mkdev("dm-attach-nm", 0x0f00, 1);

	assert_int_equal(device_attach(&t->dev), 0);	/* no drivers yet */
	drv_a.probe_ret = -ENODEV;
	reg(&drv_a);
	assert_int_equal(drv_a.probes, 1);		/* declined */
	assert_false(device_is_bound(&t->dev));
	drv_a.probe_ret = 0;
	assert_int_equal(device_attach(&t->dev), 1);
	assert_int_equal(drv_a.probes, 2);
	assert_int_equal(device_attach(&t->dev), 1);	/* already bound */
	assert_int_equal(drv_a.probes, 2);
	assert_int_equal(device_attach(&nomatch->dev), 0);
}

static void test_device_attach_tries_the_next_driver_after_a_failure(void **state)
{
	struct testbus_device *t;

	drv_a.probe_ret = -EIO;
	reg(&drv_a);
	reg(&drv_a2);
	t = mkdev("dm-fallback", 0x0a00, 1);
	assert_int_equal(drv_a.probes, 1);
	assert_int_equal(drv_a2.probes, 1);
	assert_ptr_equal(t->dev.driver, &drv_a2.drv.driver);
}

static void test_device_driver_attach_is_ebusy_when_bound(void **state)
{
	struct testbus_device *t;

	reg(&drv_a);
	reg(&drv_a2);
	t = mkdev("dm-busy", 0x0a00, 1);
	assert_ptr_equal(t->dev.driver, &drv_a.drv.driver);
	assert_int_equal(device_driver_attach(&drv_a2.drv.driver, &t->dev),
			 -EBUSY);
	assert_int_equal(device_driver_attach(&drv_a.drv.driver, &t->dev),
			 -EBUSY);
	assert_int_equal(drv_a2.probes, 0);
	assert_int_equal(drv_a.probes, 1);
	assert_ptr_equal(t->dev.driver, &drv_a.drv.driver);
}

static void test_device_driver_attach_is_enodev_when_not_matching(void **state)
{
	struct testbus_device *t;

	reg(&drv_c);
	t = mkdev("dm-nomatch", 0x0a00, 1);
	assert_int_equal(device_driver_attach(&drv_c.drv.driver, &t->dev),
			 -ENODEV);
	assert_int_equal(drv_c.probes, 0);
	assert_null(t->dev.driver);
}

static void test_device_driver_attach_returns_probe_error(void **state)
{
	struct testbus_device *t = mkdev("dm-fail", 0x0a00, 1);

	drv_a.probe_ret = -EIO;
	reg(&drv_a);
	assert_int_equal(device_driver_attach(&drv_a.drv.driver, &t->dev),
			 -EIO);
	assert_int_equal(drv_a.probes, 2);
	assert_int_equal(drv_a.removes, 0);
	assert_null(t->dev.driver);
	assert_int_equal(dev_state(&t->dev), DEV_STATE_UNBOUND);
	assert_false(driver_deferred_probe_pending(&t->dev));
	drv_a.probe_ret = 0;
	assert_int_equal(device_driver_attach(&drv_a.drv.driver, &t->dev), 0);
}

static int probe_sets_drvdata_and_enables(struct tdrv *d,
					  struct testbus_device *tdev)
{
	static int cookie;

	dev_set_drvdata(&tdev->dev, &cookie);
	return testbus_enable_device_managed(tdev);
}

static void test_release_driver_calls_remove_once_and_resets_the_binding(void **state)
{
	struct testbus_device *t;

	drv_a.probe_hook = probe_sets_drvdata_and_enables;
	reg(&drv_a);
	t = mkdev("dm-unbind", 0x0a00, 1);
	assert_true(device_is_bound(&t->dev));
	assert_non_null(dev_get_drvdata(&t->dev));
	assert_true(t->managed);
	assert_true(t->enabled);

	device_release_driver(&t->dev);
	assert_int_equal(drv_a.removes, 1);
	assert_null(t->dev.driver);
	assert_null(dev_get_drvdata(&t->dev));
	/* The devres action disables; only the bus's unbind_cleanup()
	 * clears the per-binding "managed" flag. */
	assert_false(t->enabled);
	assert_false(t->managed);
	assert_int_equal(dev_state(&t->dev), DEV_STATE_UNBOUND);

	device_release_driver(&t->dev);			/* a no-op now */
	assert_int_equal(drv_a.removes, 1);
}

static int probe_enables_then_fails(struct tdrv *d,
				    struct testbus_device *tdev)
{
	int ret = probe_sets_drvdata_and_enables(d, tdev);

	d->managed_in_probe = tdev->managed;
	return ret ? ret : -EIO;
}

static void test_unbind_cleanup_runs_after_a_failed_probe(void **state)
{
	struct testbus_device *t = mkdev("dm-failclean", 0x0a00, 1);

	drv_a.probe_hook = probe_enables_then_fails;
	reg(&drv_a);
	assert_int_equal(drv_a.probes, 1);
	assert_true(drv_a.managed_in_probe);
	assert_false(t->managed);
	assert_false(t->enabled);
	assert_null(dev_get_drvdata(&t->dev));
	assert_null(t->dev.driver);
	assert_int_equal(drv_a.removes, 0);
}

static void test_driver_unregister_unbinds_every_bound_device(void **state)
{
	struct testbus_device *t[3];

	reg(&drv_a);
	t[0] = mkdev("dm-u0", 0x0a00, 1);
	t[1] = mkdev("dm-u1", 0x0a00, 1);
	t[2] = mkdev("dm-u2", 0x0a00, 1);
	assert_int_equal(drv_a.probes, 3);
	unreg(&drv_a);
	assert_int_equal(drv_a.removes, 3);
	for (int i = 0; i < 3; i++) {
		assert_null(t[i]->dev.driver);
		assert_int_equal(dev_state(&t[i]->dev), DEV_STATE_UNBOUND);
	}
	/* Another driver can have them now. */
	reg(&drv_a2);
	assert_int_equal(drv_a2.probes, 3);
}

static void test_device_del_unbinds_the_driver(void **state)
{
	struct testbus_device *t;

	reg(&drv_a);
	t = mkdev("dm-del", 0x0a00, 1);
	destroy(t);
	assert_int_equal(drv_a.removes, 1);
}

/* ------------------------------------------------------------------ */
/* driver_override                                                      */
/* ------------------------------------------------------------------ */

static void test_driver_override_only_the_named_driver_matches(void **state)
{
	struct testbus_device *t;

	reg(&drv_a);
	reg(&drv_a2);
	reg(&drv_c);
	t = mkdev("dm-override", 0x0a00, 1);
	assert_ptr_equal(t->dev.driver, &drv_a.drv.driver);

	assert_int_equal(device_set_driver_override(&t->dev, "dm-c"), 0);
	/* Setting it does not unbind. */
	assert_ptr_equal(t->dev.driver, &drv_a.drv.driver);
	device_release_driver(&t->dev);

	assert_int_equal(device_driver_attach(&drv_a.drv.driver, &t->dev),
			 -ENODEV);
	assert_int_equal(device_driver_attach(&drv_a2.drv.driver, &t->dev),
			 -ENODEV);
	/* dm-c's table does not list the device: bound by name alone,
	 * with the wildcard id. */
	assert_int_equal(device_attach(&t->dev), 1);
	assert_ptr_equal(t->dev.driver, &drv_c.drv.driver);
	assert_int_equal(drv_c.last_id->vendor, TESTBUS_ANY_ID);
	assert_int_equal(drv_c.last_id->device, TESTBUS_ANY_ID);
}

static void test_driver_override_cleared_restores_id_matching(void **state)
{
	struct testbus_device *t;

	reg(&drv_a);
	reg(&drv_c);
	t = mkdev("dm-override2", 0x0a00, 1);
	device_release_driver(&t->dev);
	assert_int_equal(device_set_driver_override(&t->dev, "dm-c"), 0);
	assert_int_equal(device_driver_attach(&drv_c.drv.driver, &t->dev), 0);
	device_release_driver(&t->dev);

	assert_int_equal(device_set_driver_override(&t->dev, NULL), 0);
	assert_int_equal(device_driver_attach(&drv_c.drv.driver, &t->dev),
			 -ENODEV);
	assert_int_equal(device_attach(&t->dev), 1);
	assert_ptr_equal(t->dev.driver, &drv_a.drv.driver);

	/* "" clears too. */
	device_release_driver(&t->dev);
	assert_int_equal(device_set_driver_override(&t->dev, "dm-c"), 0);
	assert_int_equal(device_set_driver_override(&t->dev, ""), 0);
	assert_int_equal(device_attach(&t->dev), 1);
	assert_ptr_equal(t->dev.driver, &drv_a.drv.driver);
}

static void test_driver_override_naming_no_driver_binds_nothing(void **state)
{
	struct testbus_device *t = mkdev("dm-override3", 0x0a00, 1);

	assert_int_equal(device_set_driver_override(&t->dev, "nosuch"), 0);
	reg(&drv_a);
	assert_int_equal(drv_a.probes, 0);
	assert_false(device_is_bound(&t->dev));
}

static void test_driver_override_fails_with_enomem(void **state)
{
	struct testbus_device *t = mkdev("dm-override4", 0x0a00, 1);

	pcl_kmem_fail_nth(1);
	assert_int_equal(device_set_driver_override(&t->dev, "dm-c"), -ENOMEM);
	pcl_kmem_fail_nth(0);
	reg(&drv_a);			/* no override was set */
	assert_true(device_is_bound(&t->dev));
}

/* ------------------------------------------------------------------ */
/* Deferred probe                                                       */
/* ------------------------------------------------------------------ */

static bool supplier_ready;

static int probe_defers_until_supplier(struct tdrv *d,
				       struct testbus_device *tdev)
{
	if (!supplier_ready)
		return dev_err_probe(&tdev->dev, -EPROBE_DEFER, "no supplier");
	return 0;
}

/*
 * Register drv_defer, deferring until supplier_ready (false for now), and
 * add a device @name for it: the first probe defers.
 */
static struct testbus_device *mkdev_deferred(const char *name)
{
	supplier_ready = false;
	drv_defer.probe_hook = probe_defers_until_supplier;
	reg(&drv_defer);
	return mkdev(name, 0x0d00, 1);
}

static void test_deferred_probe_is_retried_after_another_bind(void **state)
{
	struct testbus_device *consumer;

	reg(&drv_a);
	consumer = mkdev_deferred("dm-consumer");
	assert_int_equal(drv_defer.probes, 1);
	assert_true(driver_deferred_probe_pending(&consumer->dev));
	assert_int_equal(dev_state(&consumer->dev), DEV_STATE_UNBOUND);
	assert_null(consumer->dev.driver);

	assert_int_equal(device_attach(&consumer->dev), -EPROBE_DEFER);
	assert_true(driver_deferred_probe_pending(&consumer->dev));

	/* A bind that does not help still triggers a retry. */
	mkdev("dm-supplier0", 0x0a00, 1);
	assert_int_equal(drv_defer.probes, 3);
	assert_true(driver_deferred_probe_pending(&consumer->dev));

	supplier_ready = true;
	mkdev("dm-supplier1", 0x0a00, 1);
	assert_int_equal(drv_defer.probes, 4);
	assert_false(driver_deferred_probe_pending(&consumer->dev));
	assert_ptr_equal(consumer->dev.driver, &drv_defer.drv.driver);
	assert_true(device_is_bound(&consumer->dev));
}

static void test_deferred_probe_is_not_retried_without_a_bind(void **state)
{
	struct testbus_device *consumer = mkdev_deferred("dm-consumer2");

	supplier_ready = true;
	/* A device nobody binds is no trigger. */
	mkdev("dm-nobody", 0x0f00, 1);
	assert_int_equal(drv_defer.probes, 1);
	assert_true(driver_deferred_probe_pending(&consumer->dev));
	driver_deferred_probe_trigger();
	assert_int_equal(drv_defer.probes, 2);
	assert_true(device_is_bound(&consumer->dev));
	assert_false(driver_deferred_probe_pending(&consumer->dev));
}

static void test_device_del_of_deferred_device_takes_it_off_the_list(void **state)
{
	struct testbus_device *consumer = mkdev_deferred("dm-consumer3");

	assert_true(driver_deferred_probe_pending(&consumer->dev));

	get_device(&consumer->dev);
	destroy(consumer);
	assert_false(driver_deferred_probe_pending(&consumer->dev));
	assert_int_equal(dev_state(&consumer->dev), DEV_STATE_DELETED);
	put_device(&consumer->dev);
	/* The list's reference is gone too: the fixture finds the device
	 * freed (no live allocation left), and a trigger touches nothing. */
	supplier_ready = true;
	driver_deferred_probe_trigger();
	assert_int_equal(drv_defer.probes, 1);
}

static void test_successful_probe_leaves_nothing_pending(void **state)
{
	struct testbus_device *t;

	reg(&drv_a);
	t = mkdev("dm-nodefer", 0x0a00, 1);
	assert_false(driver_deferred_probe_pending(&t->dev));
}

/* ------------------------------------------------------------------ */
/* Probe's return value, states, context                                */
/* ------------------------------------------------------------------ */

static void test_probe_returning_positive_is_reported_and_fails(void **state)
{
	struct testbus_device *t = mkdev("dm-positive", 0x0a00, 1);
	const struct pcl_report *r;

	drv_a.probe_ret = 1;
	quiet();
	reg(&drv_a);			/* auto-bind: first report */
	assert_reports(PCL_CHK_API, 1);
	assert_int_equal(device_driver_attach(&drv_a.drv.driver, &t->dev),
			 -EINVAL);
	assert_reports(PCL_CHK_API, 2);
	r = last_report();
	assert_contains(r->title, "positive value 1");
	assert_string_equal(r->device, "dm-positive");
	assert_string_equal(r->driver, "dm-a");
	assert_null(t->dev.driver);
	assert_int_equal(dev_state(&t->dev), DEV_STATE_UNBOUND);
	assert_int_equal(drv_a.removes, 0);
	assert_false(driver_deferred_probe_pending(&t->dev));
}

static void tb_kfree_release(struct device *dev)
{
	kfree(to_testbus_device(dev));
}

static enum dev_state state_at_release;

static void record_state(struct device *dev, void *res)
{
	state_at_release = dev_state(dev);
}

static int probe_adds_state_recorder(struct tdrv *d,
				     struct testbus_device *tdev)
{
	void *r = devres_alloc(record_state, 1, GFP_KERNEL);

	if (!r)
		return -ENOMEM;
	devres_add(&tdev->dev, r);
	return d->probe_ret;
}

static void test_dev_state_follows_the_lifecycle(void **state)
{
	struct testbus_device *t = kzalloc(sizeof(*t), GFP_KERNEL);
	struct device *dev;

	assert_non_null(t);
	dev = &t->dev;
	drv_a.probe_hook = probe_adds_state_recorder;
	reg(&drv_a);
	t->vendor = 0x0a00;
	t->device = 1;
	dev->bus = &testbus_bus_type;
	dev->release = tb_kfree_release;
	device_initialize(dev);
	assert_int_equal(dev_state(dev), DEV_STATE_INITIALIZED);
	assert_int_equal(dev_set_name(dev, "dm-states"), 0);

	assert_int_equal(device_add(dev), 0);
	assert_int_equal(drv_a.state_in_probe, DEV_STATE_PROBING);
	assert_int_equal(dev_state(dev), DEV_STATE_BOUND);

	state_at_release = DEV_STATE_INITIALIZED;
	device_release_driver(dev);
	assert_int_equal(drv_a.state_in_remove, DEV_STATE_REMOVING);
	assert_int_equal(state_at_release, DEV_STATE_RELEASING);
	assert_int_equal(dev_state(dev), DEV_STATE_UNBOUND);

	/* A failed probe unwinds through RELEASING as well. */
	drv_a.probe_ret = -EIO;
	state_at_release = DEV_STATE_INITIALIZED;
	assert_int_equal(device_driver_attach(&drv_a.drv.driver, dev), -EIO);
	assert_int_equal(state_at_release, DEV_STATE_RELEASING);
	assert_int_equal(dev_state(dev), DEV_STATE_UNBOUND);

	drv_a.probe_ret = 0;
	assert_int_equal(device_attach(dev), 1);
	assert_int_equal(dev_state(dev), DEV_STATE_BOUND);
	device_del(dev);
	assert_int_equal(drv_a.removes, 2);
	assert_int_equal(dev_state(dev), DEV_STATE_DELETED);
	assert_null(dev->driver);
	/* Deleted: no binding any more. */
	assert_int_equal(device_attach(dev), 0);
	assert_int_equal(device_driver_attach(&drv_a.drv.driver, dev), -ENODEV);
	assert_int_equal(drv_a.probes, 3);
	put_device(dev);
}

static void test_dev_state_name_names_every_state(void **state)
{
	assert_string_equal(dev_state_name(DEV_STATE_INITIALIZED), "initialized");
	assert_string_equal(dev_state_name(DEV_STATE_UNBOUND), "unbound");
	assert_string_equal(dev_state_name(DEV_STATE_PROBING), "probing");
	assert_string_equal(dev_state_name(DEV_STATE_BOUND), "bound");
	assert_string_equal(dev_state_name(DEV_STATE_REMOVING), "removing");
	assert_string_equal(dev_state_name(DEV_STATE_RELEASING), "releasing");
	assert_string_equal(dev_state_name(DEV_STATE_DELETED), "deleted");
	assert_string_equal(dev_state_name((enum dev_state)99), "?");
}

static int probe_sleeps(struct tdrv *d, struct testbus_device *tdev)
{
	static DEFINE_MUTEX(probe_mutex);
	void *p;

	might_sleep();
	msleep(1);
	mutex_lock(&probe_mutex);
	p = kmalloc(64, GFP_KERNEL);
	mutex_unlock(&probe_mutex);
	kfree(p);
	return p ? 0 : -ENOMEM;
}

static void test_sleeping_in_probe_is_fine(void **state)
{
	struct testbus_device *t;

	drv_a.probe_hook = probe_sleeps;
	reg(&drv_a);
	t = mkdev("dm-sleepy", 0x0a00, 1);
	assert_true(device_is_bound(&t->dev));
	assert_true(drv_a.task_in_probe);
	assert_false(drv_a.atomic_in_probe);
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_ATOMIC_SLEEP), 0);
	/* The fixture checks there was no report at all. */
}

static int probe_asserts_device_lock(struct tdrv *d, struct testbus_device *tdev)
{
	lockdep_assert_held(&tdev->dev.mutex);
	device_lock_assert(&tdev->dev);
	return 0;
}

static void remove_asserts_device_lock(struct tdrv *d,
				       struct testbus_device *tdev)
{
	device_lock_assert(&tdev->dev);
}

static void test_device_lock_is_held_during_probe_and_remove(void **state)
{
	struct testbus_device *t;

	drv_a.probe_hook = probe_asserts_device_lock;
	drv_a.remove_hook = remove_asserts_device_lock;
	reg(&drv_a);
	t = mkdev("dm-locked", 0x0a00, 1);
	assert_true(drv_a.lock_held_in_probe);
	device_release_driver(&t->dev);
	assert_true(drv_a.lock_held_in_remove);
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_LOCKDEP), 0);

	/* The same assertion outside probe does fire. */
	quiet();
	lockdep_assert_held(&t->dev.mutex);
	assert_reports(PCL_CHK_LOCKDEP, 1);
	assert_false(pcl_ctx_holds(&t->dev.mutex.dep));
}

static void test_raise_event_runs_the_handler_in_hardirq(void **state)
{
	struct testbus_device *t;

	reg(&drv_c);
	t = mkdev("dm-event", 0x0c00, 1);
	assert_int_equal(testbus_raise_event(t), IRQ_HANDLED);
	assert_int_equal(drv_c.events, 1);
	assert_true(drv_c.hardirq_in_event);
	assert_true(drv_c.irqs_off_in_event);
	assert_int_equal(t->events, 1);
	assert_false(in_hardirq());		/* and back */
	assert_false(irqs_disabled());
}

static void test_raise_event_on_unbound_device_is_enodev(void **state)
{
	struct testbus_device *t;

	reg(&drv_c);
	t = mkdev("dm-event2", 0x0c00, 1);
	device_release_driver(&t->dev);
	assert_int_equal(testbus_raise_event(t), -ENODEV);
	assert_int_equal(drv_c.events, 0);
	assert_int_equal(t->events, 0);
}

static void test_raise_event_without_handler_is_enodev(void **state)
{
	struct testbus_device *t;

	assert_int_equal(testbus_driver_register(&drv_noevent), 0);
	t = mkdev("dm-event3", 0x0c00, 1);
	assert_ptr_equal(t->dev.driver, &drv_noevent.driver);
	assert_int_equal(testbus_raise_event(t), -ENODEV);
	assert_int_equal(t->events, 0);
}

static int probe_leaks(struct tdrv *d, struct testbus_device *tdev)
{
	d->line = __LINE__ + 1;
	d->ptr = kmalloc(40, GFP_KERNEL);
	return d->ptr ? 0 : -ENOMEM;
}

static void test_allocations_in_probe_are_charged_to_the_binding(void **state)
{
	struct testbus_device *t;
	const struct pcl_report *r;
	void *mine;

	drv_c.probe_hook = probe_leaks;
	reg(&drv_c);
	t = mkdev("dm-charged", 0x0c00, 1);
	/* Not charged: made outside the driver. */
	mine = kmalloc(40, GFP_KERNEL);
	assert_non_null(mine);
	quiet();
	device_release_driver(&t->dev);
	assert_reports(PCL_CHK_LEAK, 1);
	r = last_report();
	assert_string_equal(r->device, "dm-charged");
	assert_string_equal(r->driver, "dm-c");
	assert_string_equal(r->file, __FILE__);
	assert_int_equal(r->line, drv_c.line);
	kfree(drv_c.ptr);
	kfree(mine);
}

static int probe_asserts_an_unheld_lock(struct tdrv *d,
					struct testbus_device *tdev)
{
	static DEFINE_MUTEX(not_held);

	d->line = __LINE__ + 1;
	lockdep_assert_held(&not_held);
	return 0;
}

static void test_report_from_probe_names_the_binding(void **state)
{
	const struct pcl_report *r;

	drv_a.probe_hook = probe_asserts_an_unheld_lock;
	reg(&drv_a);
	quiet();
	/* The assertion passes no subject: the running binding is used. */
	mkdev("dm-subject", 0x0a00, 1);
	assert_reports(PCL_CHK_LOCKDEP, 1);
	r = last_report();
	assert_string_equal(r->device, "dm-subject");
	assert_string_equal(r->driver, "dm-a");
	assert_int_equal(r->line, drv_a.line);
	/* Outside the driver, no subject is current. */
	lockdep_assert_held(&drv_a.drv.driver.bus->lock);
	assert_reports(PCL_CHK_LOCKDEP, 2);
	assert_string_equal(last_report()->device, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T_(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T_(test_device_register_adds_to_bus_and_unregister_releases_once),
		T_(test_device_release_waits_for_the_last_put),
		T_(test_put_of_never_added_device_releases_it),
		T_(test_device_add_without_release_is_einval_and_reported),
		T_(test_device_add_without_name_is_einval),
		T_(test_device_add_duplicate_name_is_eexist),
		T_(test_testbus_device_create_duplicate_returns_err_ptr),
		T_(test_driver_register_duplicate_name_is_ebusy),
		T_(test_driver_register_twice_is_ebusy_and_reported),
		T_(test_driver_unregister_removes_it_from_the_bus),
		T_(test_match_uses_the_id_table_and_passes_the_matching_entry),
		T_(test_device_add_binds_a_registered_matching_driver),
		T_(test_driver_register_binds_existing_matching_devices),
		T_(test_device_attach_returns_1_bound_0_no_match),
		T_(test_device_attach_tries_the_next_driver_after_a_failure),
		T_(test_device_driver_attach_is_ebusy_when_bound),
		T_(test_device_driver_attach_is_enodev_when_not_matching),
		T_(test_device_driver_attach_returns_probe_error),
		T_(test_release_driver_calls_remove_once_and_resets_the_binding),
		T_(test_unbind_cleanup_runs_after_a_failed_probe),
		T_(test_driver_unregister_unbinds_every_bound_device),
		T_(test_device_del_unbinds_the_driver),
		T_(test_driver_override_only_the_named_driver_matches),
		T_(test_driver_override_cleared_restores_id_matching),
		T_(test_driver_override_naming_no_driver_binds_nothing),
		T_(test_driver_override_fails_with_enomem),
		T_(test_deferred_probe_is_retried_after_another_bind),
		T_(test_deferred_probe_is_not_retried_without_a_bind),
		T_(test_device_del_of_deferred_device_takes_it_off_the_list),
		T_(test_successful_probe_leaves_nothing_pending),
		T_(test_probe_returning_positive_is_reported_and_fails),
		T_(test_dev_state_follows_the_lifecycle),
		T_(test_dev_state_name_names_every_state),
		T_(test_sleeping_in_probe_is_fine),
		T_(test_device_lock_is_held_during_probe_and_remove),
		T_(test_raise_event_runs_the_handler_in_hardirq),
		T_(test_raise_event_on_unbound_device_is_enodev),
		T_(test_raise_event_without_handler_is_enodev),
		T_(test_allocations_in_probe_are_charged_to_the_binding),
		T_(test_report_from_probe_names_the_binding),
#undef T_
	};

	pcl_base_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
