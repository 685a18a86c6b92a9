// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests for managed device resources (src/base/devres.c): every
 * devres entry point, groups, actions, managed memory, the release order
 * at unbind and after a failed probe, pcilab's rules on when a devres may
 * be added (checker "devres"), and the leak checker at unbind.
 *
 * Every test runs on one test-bus device, "devres0", bound to the driver
 * "devres-test" by the fixture.  The driver's probe and remove call the
 * per-test hooks in T, so a test decides what the binding acquires.  Each
 * test says how many reports it expects; the fixture checks that no other
 * report was made and that every allocation was given back.
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
#include <string.h>

#include <pcilab/base.h>
#include "../../src/base/internal.h"

#include "pcltest.h"

#define DEV_NAME	"devres0"
#define DRV_NAME	"devres-test"

/* ---- fixture state ---- */

static struct pcl_capture cap;

static struct {
	struct testbus_device *tdev;
	struct device *dev;
	unsigned long live0;		/* pcl_kmem_live() before the test */
	unsigned int expected_reports;	/* reports the test accounted for */
	/* per-test driver behaviour */
	int (*probe)(struct device *dev);
	void (*remove)(struct device *dev);
	unsigned int probes, removes;
	/* scratch the hooks fill in */
	int line;			/* a call site the test checks */
	void *ptr;
	int ret;
	unsigned int count_in_remove;
} T;

/* Release order: every release function and action appends its id. */
static int order[64];
static unsigned int norder;

static void record(int id)
{
	if (norder < ARRAY_SIZE(order))
		order[norder] = id;
	norder++;
}

static void assert_order_is(const int *want, unsigned int n)
{
	if (norder != n) {
		print_error("release order: %u entries, expected %u:", norder, n);
		for (unsigned int i = 0; i < norder && i < ARRAY_SIZE(order); i++)
			print_error(" %d", order[i]);
		print_error("\n");
	}
	assert_int_equal(norder, n);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(order[i], want[i]);
}

#define assert_order(...)						\
	do {								\
		static const int __want[] = { __VA_ARGS__ };		\
		assert_order_is(__want, ARRAY_SIZE(__want));		\
	} while (0)
#define assert_no_release()	assert_int_equal(norder, 0)

/* A recorded resource: its release function appends its id. */
struct rec {
	int id;
	char pad[12];
};

static void rec_release(struct device *dev, void *res)
{
	record(((struct rec *)res)->id);
}

static struct rec *new_rec(int id)
{
	struct rec *r = devres_alloc(rec_release, sizeof(*r), GFP_KERNEL);

	assert_non_null(r);
	r->id = id;
	return r;
}

static struct rec *add_rec(struct device *dev, int id)
{
	struct rec *r = new_rec(id);

	devres_add(dev, r);
	return r;
}

static int rec_id_match(struct device *dev, void *res, void *match_data)
{
	return ((struct rec *)res)->id == *(int *)match_data;
}

static int match_nothing(struct device *dev, void *res, void *match_data)
{
	return 0;
}

/* A second release function, to show lookups are keyed by it. */
static void other_release(struct device *dev, void *res)
{
	record(1000 + ((struct rec *)res)->id);
}

/* An action: appends the int its data encodes. */
static void rec_action(void *data)
{
	record((int)(intptr_t)data);
}
#define ID(n)	((void *)(intptr_t)(n))

/*
 * Exactly @n reports captured so far, every one from @chk.  Also what the
 * fixture will expect at the end of the test.
 */
static void assert_reports(enum pcl_checker chk, unsigned int n)
{
	assert_captured(&cap, chk, n);
	T.expected_reports = n;
}

static const struct pcl_report *last_report(void)
{
	return last_captured(&cap);
}

/* ---- the driver ---- */

static const struct testbus_device_id dr_ids[] = {
	{ 0x0d0e, 0x0001 },
	{ 0, 0 }
};

static int dr_probe(struct testbus_device *tdev,
		    const struct testbus_device_id *id)
{
	T.probes++;
	return T.probe ? T.probe(&tdev->dev) : 0;
}

static void dr_remove(struct testbus_device *tdev)
{
	T.removes++;
	if (T.remove)
		T.remove(&tdev->dev);
}

static struct testbus_driver dr_driver = {
	.name = DRV_NAME,
	.id_table = dr_ids,
	.probe = dr_probe,
	.remove = dr_remove,
};

/* Unbind, install @probe, bind again.  Return: device_driver_attach()'s. */
static int rebind(int (*probe)(struct device *dev))
{
	device_release_driver(T.dev);
	T.probe = probe;
	T.probes = 0;
	T.removes = 0;
	return device_driver_attach(&dr_driver.driver, T.dev);
}

/* ---- fixture ---- */

static int setup(void **state)
{
	pcl_base_init();
	memset(&T, 0, sizeof(T));
	norder = 0;
	T.live0 = fixture_begin(&cap);
	if (testbus_driver_register(&dr_driver))
		return -1;
	T.tdev = testbus_device_create(DEV_NAME, 0x0d0e, 0x0001);
	if (IS_ERR(T.tdev)) {
		T.tdev = NULL;
		return -1;
	}
	T.dev = &T.tdev->dev;
	if (dev_state(T.dev) != DEV_STATE_BOUND || T.probes != 1)
		return -1;
	T.probes = 0;
	return 0;
}

static int teardown(void **state)
{
	pcl_kmem_fail_nth(0);
	T.probe = NULL;
	T.remove = NULL;
	if (T.tdev)
		testbus_device_destroy(T.tdev);
	testbus_driver_unregister(&dr_driver);
	return fixture_end(&cap, T.expected_reports, T.live0);
}

/* ------------------------------------------------------------------ */
/* devres_alloc / devres_add / devres_free                             */
/* ------------------------------------------------------------------ */

static void test_devres_alloc_is_zeroed_and_not_on_the_device(void **state)
{
	unsigned char *p;

	/* Dirty a block of the same size first, so that a reused chunk
	 * would show through if devres_alloc() did not zero. */
	p = devres_alloc(rec_release, 200, GFP_KERNEL);
	assert_non_null(p);
	memset(p, 0xa5, 200);
	devres_free(p);

	p = devres_alloc(rec_release, 200, GFP_KERNEL);
	assert_non_null(p);
	for (int i = 0; i < 200; i++)
		assert_int_equal(p[i], 0);
	assert_int_equal(pcl_devres_count(T.dev), 0);
	assert_null(devres_find(T.dev, rec_release, NULL, NULL));
	devres_free(p);
	assert_no_release();
}

static void test_devres_alloc_data_is_16_byte_aligned(void **state)
{
	void *p = devres_alloc(rec_release, 1, GFP_KERNEL);

	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 16, 0);
	devres_free(p);
}

static void test_devres_alloc_of_huge_size_returns_null(void **state)
{
	unsigned long live = pcl_kmem_live();

	assert_null(devres_alloc(rec_release, ((size_t)1 << 32) + 1,
				 GFP_KERNEL));
	assert_int_equal(pcl_kmem_live(), live);
}

static void test_devres_alloc_returns_null_when_allocation_fails(void **state)
{
	pcl_kmem_fail_nth(1);
	assert_null(devres_alloc(rec_release, 16, GFP_KERNEL));
	/* Only that one allocation failed. */
	devres_free(new_rec(1));
}

static void test_devres_free_frees_without_calling_release(void **state)
{
	unsigned long live = pcl_kmem_live();
	struct rec *r = new_rec(1);

	assert_int_equal(pcl_kmem_live(), live + 1);
	devres_free(r);
	assert_int_equal(pcl_kmem_live(), live);
	assert_no_release();
	devres_free(NULL);		/* a no-op */
}

static void test_devres_free_of_added_devres_reports_api_and_keeps_it(void **state)
{
	struct rec *r = add_rec(T.dev, 1);

	quiet();
	devres_free(r);
	assert_reports(PCL_CHK_API, 1);
	assert_contains(last_report()->title, "still on a device's list");
	/* Not freed: still found, still released at unbind. */
	assert_ptr_equal(devres_find(T.dev, rec_release, NULL, NULL), r);
	device_release_driver(T.dev);
	assert_order(1);
}

static void test_devres_add_to_bound_device_is_found_and_counted(void **state)
{
	struct rec *r = add_rec(T.dev, 7);

	assert_int_equal(pcl_devres_count(T.dev), 1);
	assert_ptr_equal(devres_find(T.dev, rec_release, NULL, NULL), r);
	assert_int_equal(r->id, 7);	/* the data is the caller's */
	assert_no_release();
}

static void test_devres_find_is_keyed_by_release_function(void **state)
{
	struct rec *r = add_rec(T.dev, 1);

	assert_null(devres_find(T.dev, other_release, NULL, NULL));
	assert_ptr_equal(devres_find(T.dev, rec_release, NULL, NULL), r);
}

static void test_devres_find_returns_newest_match(void **state)
{
	struct rec *r1 = add_rec(T.dev, 1);
	struct rec *r2 = add_rec(T.dev, 2);
	int want = 1;

	assert_ptr_equal(devres_find(T.dev, rec_release, NULL, NULL), r2);
	assert_ptr_equal(devres_find(T.dev, rec_release, rec_id_match, &want),
			 r1);
	want = 3;
	assert_null(devres_find(T.dev, rec_release, rec_id_match, &want));
	assert_null(devres_find(T.dev, rec_release, match_nothing, NULL));
}

/* ------------------------------------------------------------------ */
/* devres_get                                                           */
/* ------------------------------------------------------------------ */

static void test_devres_get_adds_new_res_when_none_matches(void **state)
{
	struct rec *r = new_rec(5);

	assert_ptr_equal(devres_get(T.dev, r, NULL, NULL), r);
	assert_int_equal(pcl_devres_count(T.dev), 1);
	assert_ptr_equal(devres_find(T.dev, rec_release, NULL, NULL), r);
	device_release_driver(T.dev);
	assert_order(5);
}

static void test_devres_get_returns_existing_and_frees_new_res(void **state)
{
	struct rec *old = add_rec(T.dev, 1);
	unsigned long live = pcl_kmem_live();
	struct rec *fresh = new_rec(2);

	assert_ptr_equal(devres_get(T.dev, fresh, NULL, NULL), old);
	assert_int_equal(pcl_devres_count(T.dev), 1);
	/* The new one was freed, not released. */
	assert_int_equal(pcl_kmem_live(), live);
	assert_no_release();
	device_release_driver(T.dev);
	assert_order(1);
}

static void test_devres_get_uses_match_to_choose(void **state)
{
	int want = 2;
	struct rec *r1 = add_rec(T.dev, 1);
	struct rec *fresh = new_rec(2);

	/* id 1 exists but does not match: the new one is added. */
	assert_ptr_equal(devres_get(T.dev, fresh, rec_id_match, &want), fresh);
	assert_int_equal(pcl_devres_count(T.dev), 2);
	want = 1;
	assert_ptr_equal(devres_get(T.dev, new_rec(3), rec_id_match, &want),
			 r1);
	assert_int_equal(pcl_devres_count(T.dev), 2);
	device_release_driver(T.dev);
	assert_order(2, 1);
}

/* ------------------------------------------------------------------ */
/* devres_remove / devres_destroy / devres_release                      */
/* ------------------------------------------------------------------ */

static void test_devres_remove_detaches_without_release(void **state)
{
	struct rec *r = add_rec(T.dev, 1);

	assert_ptr_equal(devres_remove(T.dev, rec_release, NULL, NULL), r);
	assert_int_equal(pcl_devres_count(T.dev), 0);
	assert_null(devres_remove(T.dev, rec_release, NULL, NULL));
	device_release_driver(T.dev);
	assert_no_release();
	/* The caller owns it again: it may free (or re-add) it. */
	assert_int_equal(r->id, 1);
	devres_free(r);
}

static void test_devres_remove_takes_the_newest_match(void **state)
{
	struct rec *r1 = add_rec(T.dev, 1);
	struct rec *r2 = add_rec(T.dev, 2);
	int want = 1;

	assert_ptr_equal(devres_remove(T.dev, rec_release, NULL, NULL), r2);
	devres_free(r2);
	add_rec(T.dev, 3);
	assert_ptr_equal(devres_remove(T.dev, rec_release, rec_id_match, &want),
			 r1);
	devres_free(r1);
	assert_int_equal(pcl_devres_count(T.dev), 1);
	device_release_driver(T.dev);
	assert_order(3);
}

static void test_devres_destroy_frees_without_release(void **state)
{
	unsigned long live = pcl_kmem_live();

	add_rec(T.dev, 1);
	assert_int_equal(devres_destroy(T.dev, rec_release, NULL, NULL), 0);
	assert_int_equal(pcl_kmem_live(), live);
	assert_int_equal(pcl_devres_count(T.dev), 0);
	assert_no_release();
	assert_int_equal(devres_destroy(T.dev, rec_release, NULL, NULL),
			 -ENOENT);
}

static void test_devres_release_calls_release_once_and_frees(void **state)
{
	unsigned long live = pcl_kmem_live();
	int want = 1;

	add_rec(T.dev, 1);
	add_rec(T.dev, 2);

	assert_int_equal(devres_release(T.dev, rec_release, rec_id_match, &want),
			 0);
	assert_order(1);
	assert_int_equal(pcl_devres_count(T.dev), 1);
	assert_int_equal(devres_release(T.dev, rec_release, rec_id_match, &want),
			 -ENOENT);
	assert_order(1);
	device_release_driver(T.dev);
	assert_order(1, 2);
	assert_int_equal(pcl_kmem_live(), live);
}

/* ------------------------------------------------------------------ */
/* Release order                                                        */
/* ------------------------------------------------------------------ */

static int probe_adds_five_of_every_kind(struct device *dev)
{
	add_rec(dev, 1);
	if (devm_add_action(dev, rec_action, ID(2)))
		return -ENOMEM;
	if (!devm_kzalloc(dev, 64, GFP_KERNEL))
		return -ENOMEM;
	add_rec(dev, 3);
	if (devm_add_action_or_reset(dev, rec_action, ID(4)))
		return -ENOMEM;
	add_rec(dev, 5);
	return 0;
}

static void test_unbind_releases_in_reverse_order_of_adding(void **state)
{
	assert_int_equal(rebind(probe_adds_five_of_every_kind), 0);
	assert_int_equal(pcl_devres_count(T.dev), 6);
	assert_no_release();
	device_release_driver(T.dev);
	assert_order(5, 4, 3, 2, 1);
	assert_int_equal(pcl_devres_count(T.dev), 0);
	assert_int_equal(T.removes, 1);
}

static int probe_adds_then_fails(struct device *dev)
{
	probe_adds_five_of_every_kind(dev);
	add_rec(dev, 6);
	return -EIO;
}

static void test_failed_probe_releases_in_reverse_order(void **state)
{
	assert_int_equal(rebind(probe_adds_then_fails), -EIO);
	assert_order(6, 5, 4, 3, 2, 1);
	assert_int_equal(pcl_devres_count(T.dev), 0);
	assert_int_equal(dev_state(T.dev), DEV_STATE_UNBOUND);
	assert_null(T.dev->driver);
	assert_int_equal(T.removes, 0);	/* remove() is not called */
}

static void test_devres_left_at_last_put_is_released_and_reported(void **state)
{
	/* Only a bus doing it behind the core's back can leave a devres
	 * on an unbound device; the last put releases it and says so. */
	struct testbus_device *tdev = T.tdev;

	device_release_driver(T.dev);
	pcl__devres_add_unchecked(T.dev, new_rec(1));
	quiet();
	T.tdev = NULL;
	testbus_device_destroy(tdev);
	assert_reports(PCL_CHK_DEVRES, 1);
	assert_contains(last_report()->title,
			"still attached when the device was released");
	assert_order(1);
}

/* ------------------------------------------------------------------ */
/* Groups                                                               */
/* ------------------------------------------------------------------ */

static void test_group_open_returns_given_id_or_makes_one(void **state)
{
	static int tag;
	void *id;

	assert_ptr_equal(devres_open_group(T.dev, &tag, GFP_KERNEL), &tag);
	id = devres_open_group(T.dev, NULL, GFP_KERNEL);
	assert_non_null(id);
	assert_ptr_not_equal(id, &tag);
	/* Markers are not resources. */
	assert_int_equal(pcl_devres_count(T.dev), 0);
}

static void test_group_release_returns_count_newest_first_only_its_own(void **state)
{
	void *g;

	add_rec(T.dev, 1);
	g = devres_open_group(T.dev, NULL, GFP_KERNEL);
	assert_non_null(g);
	add_rec(T.dev, 2);
	add_rec(T.dev, 3);
	add_rec(T.dev, 4);
	devres_close_group(T.dev, g);
	add_rec(T.dev, 5);

	assert_int_equal(devres_release_group(T.dev, g), 3);
	assert_order(4, 3, 2);
	assert_int_equal(pcl_devres_count(T.dev), 2);
	device_release_driver(T.dev);
	assert_order(4, 3, 2, 5, 1);
}

static void test_group_nested_inner_is_released_with_outer(void **state)
{
	static int outer, inner;

	assert_ptr_equal(devres_open_group(T.dev, &outer, GFP_KERNEL), &outer);
	add_rec(T.dev, 1);
	assert_ptr_equal(devres_open_group(T.dev, &inner, GFP_KERNEL), &inner);
	add_rec(T.dev, 2);
	add_rec(T.dev, 3);
	devres_close_group(T.dev, &inner);
	add_rec(T.dev, 4);
	devres_close_group(T.dev, &outer);
	add_rec(T.dev, 5);

	assert_int_equal(devres_release_group(T.dev, &outer), 4);
	assert_order(4, 3, 2, 1);
	assert_int_equal(pcl_devres_count(T.dev), 1);
	/* The inner group went with the outer one. */
	quiet();
	assert_int_equal(devres_release_group(T.dev, &inner), -ENOENT);
	assert_reports(PCL_CHK_API, 1);
	assert_order(4, 3, 2, 1);
	device_release_driver(T.dev);
	assert_order(4, 3, 2, 1, 5);
}

/*
 * Open group @a, add 1, open group @b, add 2, close group @to_close (NULL:
 * the newest open one), add 3.
 */
static void two_groups_1_2_3(void *a, void *b, void *to_close)
{
	assert_ptr_equal(devres_open_group(T.dev, a, GFP_KERNEL), a);
	add_rec(T.dev, 1);
	assert_ptr_equal(devres_open_group(T.dev, b, GFP_KERNEL), b);
	add_rec(T.dev, 2);
	devres_close_group(T.dev, to_close);
	add_rec(T.dev, 3);
}

static void test_group_releasing_inner_leaves_outer_intact(void **state)
{
	static int outer, inner;

	two_groups_1_2_3(&outer, &inner, &inner);
	devres_close_group(T.dev, &outer);

	assert_int_equal(devres_release_group(T.dev, &inner), 1);
	assert_order(2);
	assert_int_equal(devres_release_group(T.dev, &outer), 2);
	assert_order(2, 3, 1);
	assert_int_equal(pcl_devres_count(T.dev), 0);
}

static void test_group_never_closed_release_takes_everything_after_open(void **state)
{
	static int g;

	add_rec(T.dev, 1);
	devres_open_group(T.dev, &g, GFP_KERNEL);
	add_rec(T.dev, 2);
	assert_int_equal(devm_add_action(T.dev, rec_action, ID(3)), 0);
	add_rec(T.dev, 4);

	assert_int_equal(devres_release_group(T.dev, &g), 3);
	assert_order(4, 3, 2);
	assert_int_equal(pcl_devres_count(T.dev), 1);
	device_release_driver(T.dev);
	assert_order(4, 3, 2, 1);
}

static void test_group_remove_keeps_resources_and_forgets_group(void **state)
{
	static int g;

	devres_open_group(T.dev, &g, GFP_KERNEL);
	add_rec(T.dev, 1);
	add_rec(T.dev, 2);
	devres_close_group(T.dev, &g);

	devres_remove_group(T.dev, &g);
	assert_int_equal(pcl_devres_count(T.dev), 2);
	assert_no_release();
	quiet();
	assert_int_equal(devres_release_group(T.dev, &g), -ENOENT);
	assert_reports(PCL_CHK_API, 1);
	assert_no_release();
	device_release_driver(T.dev);
	assert_order(2, 1);
}

static void test_group_null_id_means_newest_open_group(void **state)
{
	static int first;
	void *second;

	assert_ptr_equal(devres_open_group(T.dev, &first, GFP_KERNEL), &first);
	add_rec(T.dev, 1);
	second = devres_open_group(T.dev, NULL, GFP_KERNEL);
	assert_non_null(second);
	add_rec(T.dev, 2);

	/* NULL: the second group, the newest one open. */
	assert_int_equal(devres_release_group(T.dev, NULL), 1);
	assert_order(2);

	/* Now the first is the newest open group: close it by NULL. */
	devres_close_group(T.dev, NULL);
	add_rec(T.dev, 3);		/* outside every group */
	quiet();
	assert_int_equal(devres_release_group(T.dev, NULL), -ENOENT);
	assert_reports(PCL_CHK_API, 1);
	assert_order(2);

	assert_int_equal(devres_release_group(T.dev, &first), 1);
	assert_order(2, 1);
	assert_int_equal(pcl_devres_count(T.dev), 1);
	device_release_driver(T.dev);
	assert_order(2, 1, 3);
}

static void test_group_close_by_null_closes_newest_open_only(void **state)
{
	static int a, b;

	two_groups_1_2_3(&a, &b, NULL);		/* closes b: 3 is in a only */

	assert_int_equal(devres_release_group(T.dev, &b), 1);
	assert_order(2);
	assert_int_equal(devres_release_group(T.dev, &a), 2);
	assert_order(2, 3, 1);
}

static void test_group_partial_release_then_continue(void **state)
{
	static int g;

	add_rec(T.dev, 1);
	devres_open_group(T.dev, &g, GFP_KERNEL);
	add_rec(T.dev, 2);
	add_rec(T.dev, 3);
	devres_close_group(T.dev, &g);
	assert_int_equal(devres_release_group(T.dev, &g), 2);
	assert_order(3, 2);

	/* The device carries on: new resources, and the id is free again. */
	add_rec(T.dev, 4);
	assert_ptr_equal(devres_open_group(T.dev, &g, GFP_KERNEL), &g);
	add_rec(T.dev, 5);
	devres_close_group(T.dev, &g);
	add_rec(T.dev, 6);
	assert_int_equal(pcl_devres_count(T.dev), 4);
	assert_int_equal(devres_release_group(T.dev, &g), 1);
	assert_order(3, 2, 5);
	device_release_driver(T.dev);
	assert_order(3, 2, 5, 6, 4, 1);
}

static void test_group_empty_release_returns_zero(void **state)
{
	static int g;

	add_rec(T.dev, 1);
	devres_open_group(T.dev, &g, GFP_KERNEL);
	devres_close_group(T.dev, &g);
	assert_int_equal(devres_release_group(T.dev, &g), 0);
	assert_no_release();
	assert_int_equal(pcl_devres_count(T.dev), 1);
}

static void test_group_overlapping_keeps_the_group_that_ends_later(void **state)
{
	static int a, b;

	/* a: { 1 [b 2 } 3 ]  - b opens inside a, closes after it. */
	two_groups_1_2_3(&a, &b, &a);
	devres_close_group(T.dev, &b);

	assert_int_equal(devres_release_group(T.dev, &a), 2);
	assert_order(2, 1);
	/* b lost resource 2 but still exists and holds 3. */
	assert_int_equal(devres_release_group(T.dev, &b), 1);
	assert_order(2, 1, 3);
}

static void test_group_unknown_id_warns_in_close_and_remove(void **state)
{
	static int nosuch;

	quiet();
	devres_close_group(T.dev, &nosuch);
	devres_remove_group(T.dev, &nosuch);
	assert_reports(PCL_CHK_API, 2);
	assert_contains(cap.r[0].title, "devres_close_group");
	assert_contains(cap.r[1].title, "devres_remove_group");
}

static void test_group_groups_are_released_at_unbind(void **state)
{
	static int g;

	add_rec(T.dev, 1);
	devres_open_group(T.dev, &g, GFP_KERNEL);
	add_rec(T.dev, 2);
	devres_open_group(T.dev, NULL, GFP_KERNEL);	/* never closed */
	add_rec(T.dev, 3);
	devres_close_group(T.dev, &g);
	device_release_driver(T.dev);
	assert_order(3, 2, 1);
	/* The fixture checks the group markers were freed too. */
}

struct dump_log {
	char text[256];
};

static void dump_fn(const char *name, size_t size, void *arg)
{
	struct dump_log *l = arg;
	size_t len = strlen(l->text);

	snprintf(l->text + len, sizeof(l->text) - len, "%s%s/%zu",
		 len ? " " : "", name, size);
}

static void test_devres_dump_lists_oldest_first_with_group_markers(void **state)
{
	struct dump_log log = { "" };
	void *g;

	add_rec(T.dev, 1);
	g = devres_open_group(T.dev, NULL, GFP_KERNEL);
	assert_non_null(devm_kmalloc(T.dev, 24, GFP_KERNEL));
	devres_close_group(T.dev, g);
	assert_int_equal(devm_add_action(T.dev, rec_action, ID(2)), 0);
	pcl_devres_dump(T.dev, dump_fn, &log);
	assert_string_equal(log.text,
		"rec_release/16 {/0 devm_kmalloc/24 }/0 rec_action/16");
}

/* ------------------------------------------------------------------ */
/* Actions                                                              */
/* ------------------------------------------------------------------ */

static void test_devm_add_action_runs_at_unbind_with_its_data(void **state)
{
	assert_int_equal(devm_add_action(T.dev, rec_action, ID(11)), 0);
	assert_int_equal(devm_add_action(T.dev, rec_action, ID(12)), 0);
	assert_int_equal(pcl_devres_count(T.dev), 2);
	assert_no_release();
	device_release_driver(T.dev);
	assert_order(12, 11);
}

static void test_devm_add_action_or_reset_success_defers_action(void **state)
{
	assert_int_equal(devm_add_action_or_reset(T.dev, rec_action, ID(3)), 0);
	assert_no_release();
	device_release_driver(T.dev);
	assert_order(3);
}

static void test_devm_add_action_or_reset_on_failure_runs_action_now(void **state)
{
	int ret;

	pcl_kmem_fail_nth(1);
	ret = devm_add_action_or_reset(T.dev, rec_action, ID(7));
	assert_int_equal(ret, -ENOMEM);
	assert_order(7);
	assert_int_equal(pcl_devres_count(T.dev), 0);
	device_release_driver(T.dev);
	assert_order(7);		/* not a second time */
}

static void test_devm_add_action_failure_does_not_call_action(void **state)
{
	pcl_kmem_fail_nth(1);
	assert_int_equal(devm_add_action(T.dev, rec_action, ID(7)), -ENOMEM);
	assert_no_release();
	assert_int_equal(pcl_devres_count(T.dev), 0);
}

static void test_devm_remove_action_forgets_without_calling(void **state)
{
	unsigned long live = pcl_kmem_live();

	assert_int_equal(devm_add_action(T.dev, rec_action, ID(1)), 0);
	assert_int_equal(devm_add_action(T.dev, rec_action, ID(2)), 0);
	devm_remove_action(T.dev, rec_action, ID(1));
	assert_int_equal(pcl_devres_count(T.dev), 1);
	assert_no_release();
	device_release_driver(T.dev);
	assert_order(2);
	assert_int_equal(pcl_kmem_live(), live);
}

static void test_devm_remove_action_of_unknown_action_reports_api(void **state)
{
	assert_int_equal(devm_add_action(T.dev, rec_action, ID(1)), 0);
	quiet();
	devm_remove_action(T.dev, rec_action, ID(2));	/* wrong data */
	assert_reports(PCL_CHK_API, 1);
	assert_contains(last_report()->title, "no such action");
	assert_int_equal(pcl_devres_count(T.dev), 1);
	device_release_driver(T.dev);
	assert_order(1);
}

static void test_devm_remove_action_nowarn_returns_enoent_quietly(void **state)
{
	assert_int_equal(devm_add_action(T.dev, rec_action, ID(1)), 0);
	assert_int_equal(devm_remove_action_nowarn(T.dev, rec_action, ID(2)),
			 -ENOENT);
	assert_int_equal(pcl_devres_count(T.dev), 1);
	assert_int_equal(devm_remove_action_nowarn(T.dev, rec_action, ID(1)), 0);
	assert_int_equal(devm_remove_action_nowarn(T.dev, rec_action, ID(1)),
			 -ENOENT);
	assert_int_equal(pcl_devres_count(T.dev), 0);
	assert_no_release();
	/* The fixture checks no report was made. */
}

static void test_devm_release_action_calls_once_now(void **state)
{
	assert_int_equal(devm_add_action(T.dev, rec_action, ID(1)), 0);
	assert_int_equal(devm_add_action(T.dev, rec_action, ID(2)), 0);
	devm_release_action(T.dev, rec_action, ID(1));
	assert_order(1);
	assert_int_equal(pcl_devres_count(T.dev), 1);
	device_release_driver(T.dev);
	assert_order(1, 2);
}

static void test_devm_release_action_of_unknown_action_reports_api(void **state)
{
	quiet();
	devm_release_action(T.dev, rec_action, ID(1));
	assert_reports(PCL_CHK_API, 1);
	assert_contains(last_report()->title, "no such action");
	assert_no_release();
}

/* ------------------------------------------------------------------ */
/* Managed memory                                                       */
/* ------------------------------------------------------------------ */

static void test_devm_kmalloc_is_freed_at_unbind(void **state)
{
	unsigned long live = pcl_kmem_live();
	char *p = devm_kmalloc(T.dev, 100, GFP_KERNEL);

	assert_non_null(p);
	memset(p, 'x', 100);		/* usable: ASan checks the size */
	assert_int_equal(pcl_kmem_live(), live + 1);
	assert_int_equal(pcl_devres_count(T.dev), 1);
	device_release_driver(T.dev);
	assert_int_equal(pcl_kmem_live(), live);
}

static void test_devm_kmalloc_returns_null_when_allocation_fails(void **state)
{
	pcl_kmem_fail_nth(1);
	assert_null(devm_kmalloc(T.dev, 10, GFP_KERNEL));
	assert_int_equal(pcl_devres_count(T.dev), 0);
}

static void test_devm_kzalloc_is_zeroed(void **state)
{
	unsigned char *p = devm_kmalloc(T.dev, 300, GFP_KERNEL);

	assert_non_null(p);
	memset(p, 0x5a, 300);
	devm_kfree(T.dev, p);
	p = devm_kzalloc(T.dev, 300, GFP_KERNEL);
	assert_non_null(p);
	for (int i = 0; i < 300; i++)
		assert_int_equal(p[i], 0);
}

static void test_devm_kcalloc_zeroes_and_sizes_n_times_size(void **state)
{
	uint32_t *v = devm_kcalloc(T.dev, 50, sizeof(*v), GFP_KERNEL);

	assert_non_null(v);
	for (int i = 0; i < 50; i++)
		assert_int_equal(v[i], 0);
	v[49] = 1;			/* ASan: the last element exists */
}

static void test_devm_kcalloc_overflow_returns_null(void **state)
{
	unsigned long live = pcl_kmem_live();

	assert_null(devm_kcalloc(T.dev, SIZE_MAX / 2 + 1, 2, GFP_KERNEL));
	assert_null(devm_kmalloc_array(T.dev, SIZE_MAX / 8, 16, GFP_KERNEL));
	assert_int_equal(pcl_devres_count(T.dev), 0);
	assert_int_equal(pcl_kmem_live(), live);
}

static void test_devm_kstrdup_copies_string(void **state)
{
	char src[] = "hello devres";
	char *d = devm_kstrdup(T.dev, src, GFP_KERNEL);

	assert_non_null(d);
	assert_ptr_not_equal(d, src);
	assert_string_equal(d, "hello devres");
	src[0] = 'J';			/* a copy, not an alias */
	assert_string_equal(d, "hello devres");
	assert_int_equal(pcl_devres_count(T.dev), 1);
	assert_null(devm_kstrdup(T.dev, NULL, GFP_KERNEL));
	assert_int_equal(pcl_devres_count(T.dev), 1);
}

static void test_devm_kfree_frees_early(void **state)
{
	unsigned long live = pcl_kmem_live();
	void *a = devm_kmalloc(T.dev, 10, GFP_KERNEL);
	void *b = devm_kmalloc(T.dev, 10, GFP_KERNEL);

	assert_non_null(a);
	assert_non_null(b);
	devm_kfree(T.dev, a);
	assert_int_equal(pcl_devres_count(T.dev), 1);
	assert_int_equal(pcl_kmem_live(), live + 1);
	devm_kfree(T.dev, NULL);	/* a no-op */
	device_release_driver(T.dev);	/* frees b only: no double free */
	assert_int_equal(pcl_kmem_live(), live);
}

static void test_devm_kfree_of_non_devm_pointer_reports_api(void **state)
{
	char *p = kmalloc(16, GFP_KERNEL);

	assert_non_null(p);
	assert_int_equal(devm_add_action(T.dev, rec_action, ID(1)), 0);
	quiet();
	devm_kfree(T.dev, p);
	assert_reports(PCL_CHK_API, 1);
	assert_contains(last_report()->title, "not devm memory");
	assert_string_equal(last_report()->device, DEV_NAME);
	/* Neither the pointer nor the device's devres were touched. */
	assert_int_equal(pcl_devres_count(T.dev), 1);
	strcpy(p, "still mine");
	kfree(p);
}

static void test_devm_kfree_of_devres_data_reports_api(void **state)
{
	struct rec *r = add_rec(T.dev, 1);

	/* Not devm_kmalloc memory, though it is a devres. */
	quiet();
	devm_kfree(T.dev, r);
	assert_reports(PCL_CHK_API, 1);
	assert_ptr_equal(devres_find(T.dev, rec_release, NULL, NULL), r);
	device_release_driver(T.dev);
	assert_order(1);
}

/* ------------------------------------------------------------------ */
/* pcilab's rules: when a devres may be added                           */
/* ------------------------------------------------------------------ */

static void test_devres_add_to_unbound_device_reports_and_releases_now(void **state)
{
	struct rec *r;
	int line;

	device_release_driver(T.dev);
	r = new_rec(1);
	quiet();
	line = __LINE__ + 1;
	devres_add(T.dev, r);
	assert_reports(PCL_CHK_DEVRES, 1);
	assert_order(1);			/* release ran at once */
	assert_int_equal(pcl_devres_count(T.dev), 0);
	assert_string_equal(last_report()->file, __FILE__);
	assert_int_equal(last_report()->line, line);
	assert_string_equal(last_report()->device, DEV_NAME);
	assert_contains(last_report()->title, "no driver bound");
	assert_int_equal(dev_state(T.dev), DEV_STATE_UNBOUND);
}

static void kfree_release(struct device *dev)
{
	kfree(to_testbus_device(dev));
}

static void test_devres_add_to_unadded_device_is_refused(void **state)
{
	struct testbus_device *t = kzalloc(sizeof(*t), GFP_KERNEL);

	assert_non_null(t);
	t->dev.bus = &testbus_bus_type;
	t->dev.release = kfree_release;
	device_initialize(&t->dev);
	dev_set_name(&t->dev, "devres-unadded");
	quiet();
	devres_add(&t->dev, new_rec(1));
	assert_reports(PCL_CHK_DEVRES, 1);
	assert_contains(last_report()->title, "initialized");
	assert_order(1);
	assert_int_equal(pcl_devres_count(&t->dev), 0);
	put_device(&t->dev);
}

static void test_devm_add_action_on_unbound_returns_enodev_without_calling(void **state)
{
	unsigned long live;

	device_release_driver(T.dev);
	live = pcl_kmem_live();
	quiet();
	assert_int_equal(devm_add_action(T.dev, rec_action, ID(1)), -ENODEV);
	assert_reports(PCL_CHK_DEVRES, 1);
	assert_no_release();
	assert_int_equal(pcl_devres_count(T.dev), 0);
	assert_int_equal(pcl_kmem_live(), live);
}

static void test_devm_add_action_or_reset_on_unbound_runs_action_once(void **state)
{
	device_release_driver(T.dev);
	quiet();
	assert_int_equal(devm_add_action_or_reset(T.dev, rec_action, ID(1)),
			 -ENODEV);
	assert_reports(PCL_CHK_DEVRES, 1);
	assert_order(1);
}

static void test_devm_kmalloc_on_unbound_returns_null(void **state)
{
	unsigned long live;

	device_release_driver(T.dev);
	live = pcl_kmem_live();
	quiet();
	assert_null(devm_kmalloc(T.dev, 32, GFP_KERNEL));
	assert_null(devm_kstrdup(T.dev, "x", GFP_KERNEL));
	assert_reports(PCL_CHK_DEVRES, 2);
	assert_int_equal(pcl_kmem_live(), live);
	assert_int_equal(pcl_devres_count(T.dev), 0);
}

static void test_devres_get_on_unbound_returns_null_and_frees_new(void **state)
{
	unsigned long live;
	struct rec *r;

	device_release_driver(T.dev);
	live = pcl_kmem_live();
	r = new_rec(1);
	quiet();
	assert_null(devres_get(T.dev, r, NULL, NULL));
	assert_reports(PCL_CHK_DEVRES, 1);
	assert_no_release();		/* never added: freed, not released */
	assert_int_equal(pcl_kmem_live(), live);
}

static void test_devres_open_group_on_unbound_returns_null(void **state)
{
	unsigned long live;

	device_release_driver(T.dev);
	live = pcl_kmem_live();
	quiet();
	assert_null(devres_open_group(T.dev, NULL, GFP_KERNEL));
	assert_reports(PCL_CHK_DEVRES, 1);
	assert_int_equal(pcl_kmem_live(), live);
}

static int probe_adds_two(struct device *dev)
{
	add_rec(dev, 1);
	add_rec(dev, 2);
	return 0;
}

static void remove_adds_one(struct device *dev)
{
	struct rec *r = new_rec(3);

	T.line = __LINE__ + 1;
	devres_add(dev, r);
	T.count_in_remove = pcl_devres_count(dev);
}

static void test_devres_added_from_remove_is_reported_kept_released_first(void **state)
{
	assert_int_equal(rebind(probe_adds_two), 0);
	T.remove = remove_adds_one;
	quiet();
	device_release_driver(T.dev);
	assert_reports(PCL_CHK_DEVRES, 1);
	assert_int_equal(T.count_in_remove, 3);		/* kept */
	assert_order(3, 2, 1);				/* released first */
	assert_int_equal(last_report()->line, T.line);
	assert_string_equal(last_report()->file, __FILE__);
	assert_string_equal(last_report()->driver, DRV_NAME);
	assert_contains(last_report()->title, "remove()");
	assert_int_equal(pcl_devres_count(T.dev), 0);
}

static void remove_adds_action(struct device *dev)
{
	T.line = __LINE__ + 1;
	T.ret = devm_add_action(dev, rec_action, ID(3));
}

static void test_devm_add_action_from_remove_succeeds_and_is_reported(void **state)
{
	assert_int_equal(rebind(probe_adds_two), 0);
	T.remove = remove_adds_action;
	T.ret = -1;
	quiet();
	device_release_driver(T.dev);
	assert_reports(PCL_CHK_DEVRES, 1);
	assert_int_equal(T.ret, 0);			/* not refused */
	assert_int_equal(last_report()->line, T.line);
	assert_order(3, 2, 1);
}

/* Release of id 1 adds id 9 while the device's resources are released. */
static void adding_release(struct device *dev, void *res)
{
	struct rec *r;

	record(((struct rec *)res)->id);
	r = new_rec(9);
	T.line = __LINE__ + 1;
	devres_add(dev, r);
	T.count_in_remove = pcl_devres_count(dev);
}

static int probe_adds_adding_release(struct device *dev)
{
	struct rec *r;

	add_rec(dev, 0);
	r = devres_alloc(adding_release, sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->id = 1;
	devres_add(dev, r);
	return 0;
}

static void test_devres_added_from_release_function_is_released_at_once(void **state)
{
	assert_int_equal(rebind(probe_adds_adding_release), 0);
	quiet();
	device_release_driver(T.dev);
	assert_reports(PCL_CHK_DEVRES, 1);
	/* 9 was released inside 1's release, before 0. */
	assert_order(1, 9, 0);
	assert_int_equal(T.count_in_remove, 1);		/* only 0 left */
	assert_int_equal(last_report()->line, T.line);
	assert_contains(last_report()->title, "being released");
	assert_int_equal(pcl_devres_count(T.dev), 0);
	assert_int_equal(dev_state(T.dev), DEV_STATE_UNBOUND);
}

static int probe_adds_adding_release_then_fails(struct device *dev)
{
	probe_adds_adding_release(dev);
	return -EIO;
}

static void test_devres_added_from_release_after_failed_probe_is_released(void **state)
{
	quiet();
	assert_int_equal(rebind(probe_adds_adding_release_then_fails), -EIO);
	assert_reports(PCL_CHK_DEVRES, 1);
	assert_order(1, 9, 0);
	assert_int_equal(pcl_devres_count(T.dev), 0);
	assert_int_equal(dev_state(T.dev), DEV_STATE_UNBOUND);
}

static void test_resources_present_before_probing_refuse_attach(void **state)
{
	struct rec *r;

	device_release_driver(T.dev);
	r = new_rec(1);
	pcl__devres_add_unchecked(T.dev, r);
	T.probe = probe_adds_two;
	T.probes = 0;
	quiet();
	assert_int_equal(device_driver_attach(&dr_driver.driver, T.dev), -EBUSY);
	assert_reports(PCL_CHK_DEVRES, 1);
	assert_contains(last_report()->title,
			"Resources present before probing");
	assert_int_equal(T.probes, 0);			/* probe never ran */
	assert_int_equal(dev_state(T.dev), DEV_STATE_UNBOUND);
	assert_null(T.dev->driver);
	assert_no_release();				/* left alone */

	/* Take it off again: binding works once the list is empty. */
	assert_ptr_equal(devres_remove(T.dev, rec_release, NULL, NULL), r);
	devres_free(r);
	assert_int_equal(device_driver_attach(&dr_driver.driver, T.dev), 0);
	assert_int_equal(T.probes, 1);
}

static void test_resources_present_before_probing_refuse_device_attach(void **state)
{
	struct rec *r;

	device_release_driver(T.dev);
	r = new_rec(1);
	pcl__devres_add_unchecked(T.dev, r);
	T.probes = 0;
	quiet();
	/* The "drivers_probe" path is refused too. */
	assert_int_equal(device_attach(T.dev), -EBUSY);
	assert_reports(PCL_CHK_DEVRES, 1);
	assert_int_equal(T.probes, 0);
	assert_false(device_is_bound(T.dev));
	assert_ptr_equal(devres_remove(T.dev, rec_release, NULL, NULL), r);
	devres_free(r);
}

/* ------------------------------------------------------------------ */
/* Leak checker at unbind                                               */
/* ------------------------------------------------------------------ */

/* One leak reported so far: the allocation at T.line, by our binding. */
static void assert_one_leak_at_t_line(void)
{
	const struct pcl_report *r;

	assert_reports(PCL_CHK_LEAK, 1);
	r = last_report();
	assert_string_equal(r->file, __FILE__);
	assert_int_equal(r->line, T.line);
	assert_string_equal(r->device, DEV_NAME);
	assert_string_equal(r->driver, DRV_NAME);
}

static int probe_leaks_kmalloc(struct device *dev)
{
	T.line = __LINE__ + 1;
	T.ptr = kmalloc(48, GFP_KERNEL);
	return T.ptr ? 0 : -ENOMEM;
}

static void test_kmalloc_in_probe_not_freed_is_one_leak_at_its_site(void **state)
{
	assert_int_equal(rebind(probe_leaks_kmalloc), 0);
	quiet();
	assert_reports(PCL_CHK_LEAK, 0);	/* nothing until unbind */
	device_release_driver(T.dev);
	assert_one_leak_at_t_line();
	/* Reported once: rebinding and unbinding again says nothing new. */
	assert_int_equal(rebind(NULL), 0);
	device_release_driver(T.dev);
	assert_reports(PCL_CHK_LEAK, 1);
	kfree(T.ptr);			/* still allocated: give it back */
}

static int probe_kmalloc_and_free(struct device *dev)
{
	void *p = kmalloc(48, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	kfree(p);
	return devm_kzalloc(dev, 8, GFP_KERNEL) ? 0 : -ENOMEM;
}

static void test_probe_that_frees_its_memory_reports_no_leak(void **state)
{
	assert_int_equal(rebind(probe_kmalloc_and_free), 0);
	device_release_driver(T.dev);
	assert_reports(PCL_CHK_LEAK, 0);
}

static int probe_allocs_devres_never_added(struct device *dev)
{
	T.line = __LINE__ + 1;
	T.ptr = devres_alloc(rec_release, sizeof(struct rec), GFP_KERNEL);
	return T.ptr ? 0 : -ENOMEM;
}

static void test_devres_alloc_never_added_is_a_leak_at_unbind(void **state)
{
	assert_int_equal(rebind(probe_allocs_devres_never_added), 0);
	quiet();
	device_release_driver(T.dev);
	assert_one_leak_at_t_line();
	assert_no_release();
	devres_free(T.ptr);
}

static int probe_leaks_then_fails(struct device *dev)
{
	probe_leaks_kmalloc(dev);
	return -ENXIO;
}

static void test_kmalloc_leaked_by_failed_probe_is_reported(void **state)
{
	quiet();
	assert_int_equal(rebind(probe_leaks_then_fails), -ENXIO);
	assert_one_leak_at_t_line();
	kfree(T.ptr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T_(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T_(test_devres_alloc_is_zeroed_and_not_on_the_device),
		T_(test_devres_alloc_data_is_16_byte_aligned),
		T_(test_devres_alloc_of_huge_size_returns_null),
		T_(test_devres_alloc_returns_null_when_allocation_fails),
		T_(test_devres_free_frees_without_calling_release),
		T_(test_devres_free_of_added_devres_reports_api_and_keeps_it),
		T_(test_devres_add_to_bound_device_is_found_and_counted),
		T_(test_devres_find_is_keyed_by_release_function),
		T_(test_devres_find_returns_newest_match),
		T_(test_devres_get_adds_new_res_when_none_matches),
		T_(test_devres_get_returns_existing_and_frees_new_res),
		T_(test_devres_get_uses_match_to_choose),
		T_(test_devres_remove_detaches_without_release),
		T_(test_devres_remove_takes_the_newest_match),
		T_(test_devres_destroy_frees_without_release),
		T_(test_devres_release_calls_release_once_and_frees),
		T_(test_unbind_releases_in_reverse_order_of_adding),
		T_(test_failed_probe_releases_in_reverse_order),
		T_(test_devres_left_at_last_put_is_released_and_reported),
		T_(test_group_open_returns_given_id_or_makes_one),
		T_(test_group_release_returns_count_newest_first_only_its_own),
		T_(test_group_nested_inner_is_released_with_outer),
		T_(test_group_releasing_inner_leaves_outer_intact),
		T_(test_group_never_closed_release_takes_everything_after_open),
		T_(test_group_remove_keeps_resources_and_forgets_group),
		T_(test_group_null_id_means_newest_open_group),
		T_(test_group_close_by_null_closes_newest_open_only),
		T_(test_group_partial_release_then_continue),
		T_(test_group_empty_release_returns_zero),
		T_(test_group_overlapping_keeps_the_group_that_ends_later),
		T_(test_group_unknown_id_warns_in_close_and_remove),
		T_(test_group_groups_are_released_at_unbind),
		T_(test_devres_dump_lists_oldest_first_with_group_markers),
		T_(test_devm_add_action_runs_at_unbind_with_its_data),
		T_(test_devm_add_action_or_reset_success_defers_action),
		T_(test_devm_add_action_or_reset_on_failure_runs_action_now),
		T_(test_devm_add_action_failure_does_not_call_action),
		T_(test_devm_remove_action_forgets_without_calling),
		T_(test_devm_remove_action_of_unknown_action_reports_api),
		T_(test_devm_remove_action_nowarn_returns_enoent_quietly),
		T_(test_devm_release_action_calls_once_now),
		T_(test_devm_release_action_of_unknown_action_reports_api),
		T_(test_devm_kmalloc_is_freed_at_unbind),
		T_(test_devm_kmalloc_returns_null_when_allocation_fails),
		T_(test_devm_kzalloc_is_zeroed),
		T_(test_devm_kcalloc_zeroes_and_sizes_n_times_size),
		T_(test_devm_kcalloc_overflow_returns_null),
		T_(test_devm_kstrdup_copies_string),
		T_(test_devm_kfree_frees_early),
		T_(test_devm_kfree_of_non_devm_pointer_reports_api),
		T_(test_devm_kfree_of_devres_data_reports_api),
		T_(test_devres_add_to_unbound_device_reports_and_releases_now),
		T_(test_devres_add_to_unadded_device_is_refused),
		T_(test_devm_add_action_on_unbound_returns_enodev_without_calling),
		T_(test_devm_add_action_or_reset_on_unbound_runs_action_once),
		T_(test_devm_kmalloc_on_unbound_returns_null),
		T_(test_devres_get_on_unbound_returns_null_and_frees_new),
		T_(test_devres_open_group_on_unbound_returns_null),
		T_(test_devres_added_from_remove_is_reported_kept_released_first),
		T_(test_devm_add_action_from_remove_succeeds_and_is_reported),
		T_(test_devres_added_from_release_function_is_released_at_once),
		T_(test_devres_added_from_release_after_failed_probe_is_released),
		T_(test_resources_present_before_probing_refuse_attach),
		T_(test_resources_present_before_probing_refuse_device_attach),
		T_(test_kmalloc_in_probe_not_freed_is_one_leak_at_its_site),
		T_(test_probe_that_frees_its_memory_reports_no_leak),
		T_(test_devres_alloc_never_added_is_a_leak_at_unbind),
		T_(test_kmalloc_leaked_by_failed_probe_is_reported),
#undef T_
	};

	pcl_base_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
