// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Multi-threaded tests of the driver model: several threads bind, unbind
 * and attach the same test-bus devices (and add and delete them) at once,
 * with a well-behaved driver that uses every kind of devres.  They must
 * end with no report, no leak and, under ThreadSanitizer, no data race;
 * a consistency check under the device lock catches a binding seen half
 * made or half undone.
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

#define NDEV		4
#define NTHREADS	3
#define ITERS		2000
#define THR_BUFS	4
/* priv, the testbus "disable" action, the buffer array, THR_BUFS
 * buffers and the quiesce action: what a bound device carries. */
#define THR_DEVRES	(3 + THR_BUFS + 1)

/* ---- the driver ---- */

struct thr_priv {
	struct testbus_device *tdev;
	spinlock_t lock;		/* protects events; taken in hard-IRQ */
	unsigned long events;
	void **bufs;
};

static atomic_t probes, removes, quiesced, errors;

static void thr_error(const char *what)
{
	atomic_inc(&errors);
	fprintf(stderr, "threaded test: %s\n", what);
}

static void thr_quiesce(void *data)
{
	struct thr_priv *priv = data;

	if (priv->tdev->dev.driver == NULL)
		thr_error("quiesce ran with no driver set");
	atomic_inc(&quiesced);
}

static int thr_probe(struct testbus_device *tdev,
		     const struct testbus_device_id *id)
{
	struct device *dev = &tdev->dev;
	struct thr_priv *priv;
	void *group, *tmp;
	int ret;

	priv = devm_kzalloc(dev, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->tdev = tdev;
	spin_lock_init(&priv->lock);
	ret = testbus_enable_device_managed(tdev);
	if (ret)
		return ret;

	group = devres_open_group(dev, NULL, GFP_KERNEL);
	if (!group)
		return -ENOMEM;
	priv->bufs = devm_kcalloc(dev, THR_BUFS, sizeof(void *), GFP_KERNEL);
	if (!priv->bufs)
		return -ENOMEM;
	for (int i = 0; i < THR_BUFS; i++) {
		priv->bufs[i] = devm_kzalloc(dev, 32, GFP_KERNEL);
		if (!priv->bufs[i])
			return -ENOMEM;
	}
	devres_close_group(dev, group);

	ret = devm_add_action_or_reset(dev, thr_quiesce, priv);
	if (ret)
		return ret;
	tmp = kmalloc(128, GFP_KERNEL);		/* freed: no leak */
	kfree(tmp);
	dev_set_drvdata(dev, priv);
	atomic_inc(&probes);
	return 0;
}

static void thr_remove(struct testbus_device *tdev)
{
	struct thr_priv *priv = dev_get_drvdata(&tdev->dev);

	if (!priv || priv->tdev != tdev)
		thr_error("remove() found no private data");
	device_lock_assert(&tdev->dev);
	atomic_inc(&removes);
}

static irqreturn_t thr_event(struct testbus_device *tdev)
{
	struct thr_priv *priv = dev_get_drvdata(&tdev->dev);

	if (!priv)
		return IRQ_NONE;
	spin_lock(&priv->lock);
	priv->events++;
	spin_unlock(&priv->lock);
	return IRQ_HANDLED;
}

static const struct testbus_device_id thr_ids[] = {
	{ 0x7a00, TESTBUS_ANY_ID },
	{ 0, 0 }
};

static struct testbus_driver thr_driver = {
	.name = "thr-good",
	.id_table = thr_ids,
	.probe = thr_probe,
	.remove = thr_remove,
	.event = thr_event,
};

/* ---- a deferring device deleted while probe retries run ---- */

static atomic_t defer_probes;

static int defer_probe(struct testbus_device *tdev,
		       const struct testbus_device_id *id)
{
	atomic_inc(&defer_probes);
	return -EPROBE_DEFER;
}

static const struct testbus_device_id defer_ids[] = {
	{ 0x7a01, TESTBUS_ANY_ID },
	{ 0, 0 }
};

static struct testbus_driver defer_driver = {
	.name = "thr-defer",
	.id_table = defer_ids,
	.probe = defer_probe,
};

/* ---- fixture ---- */

static struct pcl_capture cap;
static unsigned long live0;
static struct testbus_device *devs[NDEV];

static int setup(void **state)
{
	pcl_base_init();
	atomic_set(&probes, 0);
	atomic_set(&removes, 0);
	atomic_set(&quiesced, 0);
	atomic_set(&errors, 0);
	live0 = fixture_begin(&cap);
	memset(devs, 0, sizeof(devs));
	return testbus_driver_register(&thr_driver) ? -1 : 0;
}

static int teardown(void **state)
{
	for (int i = 0; i < NDEV; i++)
		if (devs[i])
			testbus_device_destroy(devs[i]);
	testbus_driver_unregister(&thr_driver);
	if (driver_find(defer_driver.name, &testbus_bus_type))
		testbus_driver_unregister(&defer_driver);
	return fixture_end(&cap, 0, live0);
}

/* Create devs[]: @prefix0.. on vendor @vendor, device ids 0.. */
static void create_devs(const char *prefix, uint16_t vendor)
{
	char name[16];

	for (int i = 0; i < NDEV; i++) {
		snprintf(name, sizeof(name), "%s%d", prefix, i);
		devs[i] = testbus_device_create(name, vendor, (uint16_t)i);
		assert_false(IS_ERR(devs[i]));
	}
}

/*
 * Under the device lock a device is either wholly bound or wholly
 * unbound (dd.c invariants 1, 3 and 6).
 */
static void check_consistent(struct testbus_device *tdev)
{
	struct device *dev = &tdev->dev;
	enum dev_state st;

	device_lock(dev);
	st = dev_state(dev);
	if (st == DEV_STATE_BOUND) {
		if (dev->driver != &thr_driver.driver)
			thr_error("bound with the wrong driver");
		if (!dev_get_drvdata(dev))
			thr_error("bound without private data");
		if (!tdev->managed || !tdev->enabled)
			thr_error("bound but not enabled");
		if (pcl_devres_count(dev) != THR_DEVRES)
			thr_error("bound with the wrong devres count");
	} else if (st == DEV_STATE_UNBOUND) {
		if (dev->driver || dev_get_drvdata(dev))
			thr_error("unbound with a driver or private data");
		if (tdev->managed || tdev->enabled)
			thr_error("unbound but still enabled");
		if (pcl_devres_count(dev) != 0)
			thr_error("unbound with devres left");
	} else {
		thr_error("device in a transient state under its lock");
	}
	device_unlock(dev);
}

/* ---- bind / unbind / attach on a fixed set of devices ---- */

static void *binder(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;
	char comm[16];

	snprintf(comm, sizeof(comm), "binder%u", seed);
	pcl_ctx_set_comm(comm);
	for (int i = 0; i < ITERS; i++) {
		struct testbus_device *tdev = devs[rand_r(&seed) % NDEV];
		struct device *dev = &tdev->dev;
		int ret;

		switch (rand_r(&seed) % 5) {
		case 0:
			device_release_driver(dev);
			break;
		case 1:
			ret = device_driver_attach(&thr_driver.driver, dev);
			if (ret != 0 && ret != -EBUSY)
				thr_error("device_driver_attach failed");
			break;
		case 2:
			ret = device_attach(dev);
			if (ret != 0 && ret != 1)
				thr_error("device_attach failed");
			break;
		case 3:
			/* An interrupt, serialised with unbind by the lock. */
			device_lock(dev);
			if (device_is_bound(dev) &&
			    testbus_raise_event(tdev) != IRQ_HANDLED)
				thr_error("event not handled");
			device_unlock(dev);
			break;
		default:
			check_consistent(tdev);
			break;
		}
	}
	return NULL;
}

static void test_threaded_bind_unbind_attach_is_clean(void **state)
{
	pthread_t th[NTHREADS];
	int bound = 0;

	create_devs("thr", 0x7a00);
	for (int i = 0; i < NDEV; i++)
		assert_true(device_is_bound(&devs[i]->dev));
	for (int i = 0; i < NTHREADS; i++)
		th[i] = start_thread(binder, (void *)(uintptr_t)(i + 1));
	join_threads(th, NTHREADS);

	assert_int_equal(atomic_read(&errors), 0);
	for (int i = 0; i < NDEV; i++) {
		check_consistent(devs[i]);
		bound += device_is_bound(&devs[i]->dev);
	}
	assert_int_equal(atomic_read(&errors), 0);
	/* Every probe but the still-bound ones was undone exactly once. */
	assert_true(atomic_read(&probes) > NDEV);
	assert_int_equal(atomic_read(&probes) - atomic_read(&removes), bound);
	assert_int_equal(atomic_read(&quiesced), atomic_read(&removes));
	assert_int_equal(cap.n, 0);
}

/* ---- devices added and deleted while others bind them ---- */

/* One device, added and deleted over and over by the churner thread. */
struct churn {
	const char *name;
	uint16_t vendor;
	struct device_driver *drv;	/* what the binders attach */
	unsigned int seed;
};

static atomic_t churn_done;

static void *churner(void *arg)
{
	const struct churn *c = arg;

	pcl_ctx_set_comm("churner");
	for (int i = 0; i < ITERS / 4; i++) {
		struct testbus_device *tdev;

		tdev = testbus_device_create(c->name, c->vendor, 0x00ff);
		if (IS_ERR(tdev)) {
			thr_error("testbus_device_create failed");
			break;
		}
		testbus_device_destroy(tdev);
	}
	atomic_set(&churn_done, 1);
	return NULL;
}

static void *churn_binder(void *arg)
{
	const struct churn *c = arg;
	unsigned int seed = c->seed;

	pcl_ctx_set_comm("churn-binder");
	while (!atomic_read(&churn_done)) {
		struct device *dev;
		int ret;

		dev = bus_find_device_by_name(&testbus_bus_type, c->name);
		if (!dev)
			continue;
		switch (rand_r(&seed) % 3) {
		case 0:
			device_release_driver(dev);
			break;
		case 1:
			ret = device_driver_attach(c->drv, dev);
			/* -ENODEV: deleted meanwhile */
			if (ret != 0 && ret != -EBUSY && ret != -ENODEV &&
			    ret != -EPROBE_DEFER)
				thr_error("device_driver_attach failed");
			break;
		default:
			ret = device_attach(dev);
			if (ret != 0 && ret != 1 && ret != -EPROBE_DEFER)
				thr_error("device_attach failed");
			break;
		}
		put_device(dev);
	}
	return NULL;
}

static void test_threaded_device_add_del_while_binding_is_clean(void **state)
{
	struct churn c[NTHREADS];
	pthread_t th[NTHREADS];

	atomic_set(&churn_done, 0);
	for (int i = 0; i < NTHREADS; i++)
		c[i] = (struct churn){ "thr-churn", 0x7a00, &thr_driver.driver,
				       (unsigned int)i + 1 };
	th[0] = start_thread(churner, &c[0]);
	start_threads(&th[1], NTHREADS - 1, churn_binder, &c[1], sizeof(c[1]));
	join_threads(th, NTHREADS);

	assert_int_equal(atomic_read(&errors), 0);
	assert_null(bus_find_device_by_name(&testbus_bus_type, "thr-churn"));
	/* Every binding was undone, none outlived its device. */
	assert_int_equal(atomic_read(&probes), atomic_read(&removes));
	assert_int_equal(cap.n, 0);
}

/* Successful binds of other devices: each one retries the deferred. */
static void *trigger_binder(void *arg)
{
	unsigned int seed = 7;

	pcl_ctx_set_comm("trigger");
	while (!atomic_read(&churn_done)) {
		struct device *dev = &devs[rand_r(&seed) % NDEV]->dev;

		device_release_driver(dev);
		if (device_driver_attach(&thr_driver.driver, dev) != 0)
			thr_error("device_driver_attach failed");
		if (rand_r(&seed) % 4 == 0)
			driver_deferred_probe_trigger();
	}
	return NULL;
}

static void test_threaded_device_del_of_deferred_device_leaks_nothing(void **state)
{
	struct churn c = { "thr-deferred", 0x7a01, &defer_driver.driver, 3 };
	pthread_t th[3];

	atomic_set(&churn_done, 0);
	atomic_set(&defer_probes, 0);
	assert_int_equal(testbus_driver_register(&defer_driver), 0);
	create_devs("thr", 0x7a00);
	th[0] = start_thread(churner, &c);
	th[1] = start_thread(churn_binder, &c);
	th[2] = start_thread(trigger_binder, NULL);
	join_threads(th, 3);
	testbus_driver_unregister(&defer_driver);

	assert_int_equal(atomic_read(&errors), 0);
	assert_true(atomic_read(&defer_probes) >= ITERS / 4);
	assert_null(bus_find_device_by_name(&testbus_bus_type, "thr-deferred"));
	/* No deleted device may stay on the deferred list holding a
	 * reference: the fixture finds every allocation given back. */
	assert_int_equal(cap.n, 0);
}

/* ---- a driver unregistered while probes of it are in flight ---- */

static atomic_t reg_probes, reg_removes;

static int reg_probe(struct testbus_device *tdev,
		     const struct testbus_device_id *id)
{
	atomic_inc(&reg_probes);
	usleep_range(20, 40);		/* widen the window */
	return devm_kzalloc(&tdev->dev, 32, GFP_KERNEL) ? 0 : -ENOMEM;
}

static void reg_remove(struct testbus_device *tdev)
{
	atomic_inc(&reg_removes);
}

static const struct testbus_device_id reg_ids[] = {
	{ 0x7b00, TESTBUS_ANY_ID },
	{ 0, 0 }
};

static struct testbus_driver reg_driver = {
	.name = "thr-reg",
	.id_table = reg_ids,
	.probe = reg_probe,
	.remove = reg_remove,
};

static void *reg_attacher(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;

	pcl_ctx_set_comm("reg-attacher");
	while (!atomic_read(&churn_done)) {
		struct device *dev = &devs[rand_r(&seed) % NDEV]->dev;
		int ret;

		if (rand_r(&seed) % 2) {
			ret = device_driver_attach(&reg_driver.driver, dev);
			if (ret && ret != -EBUSY && ret != -ENODEV)
				thr_error("device_driver_attach failed");
		} else {
			ret = device_attach(dev);
			if (ret < 0)
				thr_error("device_attach failed");
		}
	}
	return NULL;
}

/*
 * driver_unregister() against concurrent device_attach() and
 * device_driver_attach(): once it returns, no device may be bound to the
 * driver - a probe that took the driver before must have finished and
 * been unbound, and none may start after.
 */
static void test_threaded_driver_unregister_vs_probe_leaves_nothing_bound(void **state)
{
	pthread_t th[2];

	atomic_set(&churn_done, 0);
	atomic_set(&reg_probes, 0);
	atomic_set(&reg_removes, 0);
	create_devs("reg", 0x7b00);
	/* Registered once before the attachers start, so it has a bus. */
	assert_int_equal(testbus_driver_register(&reg_driver), 0);
	th[0] = start_thread(reg_attacher, (void *)1);
	th[1] = start_thread(reg_attacher, (void *)2);
	for (int round = 0; round < ITERS / 10; round++) {
		if (round)
			assert_int_equal(testbus_driver_register(&reg_driver), 0);
		usleep_range(50, 100);
		testbus_driver_unregister(&reg_driver);
		for (int i = 0; i < NDEV; i++) {
			struct device *dev = &devs[i]->dev;

			device_lock(dev);
			if (dev->driver == &reg_driver.driver)
				thr_error("bound to an unregistered driver");
			device_unlock(dev);
		}
	}
	atomic_set(&churn_done, 1);
	join_threads(th, 2);

	assert_int_equal(atomic_read(&errors), 0);
	assert_int_equal(atomic_read(&reg_probes), atomic_read(&reg_removes));
	assert_int_equal(cap.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_threaded_bind_unbind_attach_is_clean,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_threaded_device_add_del_while_binding_is_clean,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_threaded_device_del_of_deferred_device_leaks_nothing,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_threaded_driver_unregister_vs_probe_leaves_nothing_bound,
			setup, teardown),
	};

	pcl_base_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
