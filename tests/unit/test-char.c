// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests (single-threaded) for revocable resources
 * (src/base/revocable.c) and character devices with a strong fence
 * (src/char/cdev.c):
 *
 *  - revocable: try_access yields the resource until the provider is
 *    revoked, NULL after; revoking is idempotent; revoking K providers
 *    together costs one grace period; a consumer handle outlives the
 *    provider's owner; devm providers are all revoked at unbind in one
 *    grace period, before any devres is released; sleeping inside the
 *    read-side section is reported;
 *  - cdev: a small driver ("tchar", below) with its own structure
 *    embedding the class device and the cdev; the system calls reach it
 *    while the node is published, and after cdev_device_del() nothing
 *    reaches it any more (-ENODEV, EPOLLHUP | EPOLLERR), every open file
 *    was released exactly once by the fence, and the structure is freed
 *    at the last close; the plain cdev_add()/cdev_del() pair lets calls
 *    through and each one is reported; copy_to_user() under a spinlock
 *    is reported.
 *
 * Every test says how many reports it expects; the fixture checks that
 * no other report was made and that every allocation was given back.
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
#include <pcilab/cdev.h>

#include "pcltest.h"

/* ---- fixture ---- */

static struct pcl_capture cap;
static unsigned long live0;
static unsigned int expected_reports;
static unsigned int mark;	/* reports already accounted for */

static int setup(void **state)
{
	pcl_base_init();
	quiet();
	expected_reports = 0;
	mark = 0;
	live0 = fixture_begin(&cap);
	return 0;
}

static int teardown(void **state)
{
	int ret = fixture_end(&cap, expected_reports, live0);

	return ret ? ret : ctx_clean(state);
}

/* Exactly @n new reports from @chk since the last call; the fixture
 * will expect them too. */
static void expect_new_reports(enum pcl_checker chk, unsigned int n,
			       const char *needle)
{
	assert_new_reports(&cap, &mark, chk, n, needle);
	expected_reports = mark;
}

/* ------------------------------------------------------------------ */
/* Revocable resources                                                  */
/* ------------------------------------------------------------------ */

struct res {
	unsigned int magic;
};
#define RES_MAGIC	0x5e5011ceu

static void test_revocable_try_access_until_revoked(void **state)
{
	struct res r = { RES_MAGIC };
	struct revocable_provider *rp = revocable_provider_alloc(&r);
	struct revocable *rev;
	unsigned long gp0;
	struct res *p;

	check_true(rp != NULL, "a provider for a non-NULL resource");
	rev = revocable_alloc(rp);
	check_true(rev != NULL, "a consumer handle");

	p = revocable_try_access(rev);
	check_true(p == &r, "try_access before revoke yields the resource (%p, got %p)",
		   (void *)&r, (void *)p);
	check_eq(p->magic, RES_MAGIC, "the resource is readable in the section");
	check_eq(pcl_ctx()->rcu_depth, 1, "try_access enters an RCU read section");
	revocable_withdraw_access(rev);
	check_eq(pcl_ctx()->rcu_depth, 0, "withdraw leaves the read section");
	check_true(!revocable_is_revoked(rev), "not revoked yet");

	gp0 = pcl_rcu_grace_periods();
	revocable_provider_revoke(rp);
	check_eq(pcl_rcu_grace_periods() - gp0, 1,
		 "revoke waits exactly one grace period");
	check_true(revocable_is_revoked(rev), "revoked after revoke");

	p = revocable_try_access(rev);
	check_true(p == NULL, "try_access after revoke yields NULL, got %p", (void *)p);
	revocable_withdraw_access(rev);
	check_eq(pcl_ctx()->rcu_depth, 0, "withdraw after a NULL access");

	/* Idempotent: no second grace period, still NULL, no report. */
	gp0 = pcl_rcu_grace_periods();
	revocable_provider_revoke(rp);
	revocable_provider_revoke(rp);
	check_eq(pcl_rcu_grace_periods() - gp0, 0,
		 "revoking a revoked provider waits no grace period");
	p = revocable_try_access(rev);
	check_true(p == NULL, "still NULL after a second revoke");
	revocable_withdraw_access(rev);

	revocable_free(rev);
	revocable_provider_put(rp);
	expect_new_reports(PCL_CHK_NR, 0, NULL);
}

static void revoke_many(unsigned int k)
{
	struct revocable_provider **rps = kcalloc(k, sizeof(*rps), GFP_KERNEL);
	struct revocable **revs = kcalloc(k, sizeof(*revs), GFP_KERNEL);
	struct res *rs = kcalloc(k, sizeof(*rs), GFP_KERNEL);
	unsigned long gp0, gps;

	assert_non_null(rps);
	assert_non_null(revs);
	assert_non_null(rs);
	for (unsigned int i = 0; i < k; i++) {
		rs[i].magic = RES_MAGIC + i;
		rps[i] = revocable_provider_alloc(&rs[i]);
		assert_non_null(rps[i]);
		revs[i] = revocable_alloc(rps[i]);
		assert_non_null(revs[i]);
		check_true(revocable_try_access(revs[i]) == &rs[i],
			   "provider %u of %u live before the batch", i, k);
		revocable_withdraw_access(revs[i]);
	}

	gp0 = pcl_rcu_grace_periods();
	revocable_provider_revoke_many(rps, k);
	gps = pcl_rcu_grace_periods() - gp0;
	check_eq(gps, 1, "revoke_many of %u providers waits ONE grace period", k);

	for (unsigned int i = 0; i < k; i++) {
		check_true(revocable_try_access(revs[i]) == NULL,
			   "provider %u of %u revoked by the batch", i, k);
		revocable_withdraw_access(revs[i]);
	}
	/* The batch again: nothing left to revoke, no grace period. */
	gp0 = pcl_rcu_grace_periods();
	revocable_provider_revoke_many(rps, k);
	check_eq(pcl_rcu_grace_periods() - gp0, 0,
		 "revoke_many of %u revoked providers waits none", k);

	for (unsigned int i = 0; i < k; i++) {
		revocable_free(revs[i]);
		revocable_provider_put(rps[i]);
	}
	kfree(rs);
	kfree(revs);
	kfree(rps);
}

static void test_revoke_many_waits_one_grace_period(void **state)
{
	revoke_many(1);
	revoke_many(10);
	revoke_many(100);
	expect_new_reports(PCL_CHK_NR, 0, NULL);
}

static void test_revoke_many_of_partly_revoked_waits_one(void **state)
{
	struct res r[3] = { { 1 }, { 2 }, { 3 } };
	struct revocable_provider *rps[3];
	unsigned long gp0;

	for (int i = 0; i < 3; i++) {
		rps[i] = revocable_provider_alloc(&r[i]);
		assert_non_null(rps[i]);
	}
	revocable_provider_revoke(rps[1]);
	gp0 = pcl_rcu_grace_periods();
	revocable_provider_revoke_many(rps, 3);
	check_eq(pcl_rcu_grace_periods() - gp0, 1,
		 "a batch with two live providers and one revoked waits one grace period");
	for (int i = 0; i < 3; i++)
		revocable_provider_put(rps[i]);
	expect_new_reports(PCL_CHK_NR, 0, NULL);
}

static void test_consumer_handle_outlives_provider_owner(void **state)
{
	struct res *r = kzalloc(sizeof(*r), GFP_KERNEL);
	struct revocable_provider *rp;
	struct revocable *rev;
	unsigned long live;

	assert_non_null(r);
	r->magic = RES_MAGIC;
	rp = revocable_provider_alloc(r);
	assert_non_null(rp);
	rev = revocable_alloc(rp);
	assert_non_null(rev);

	/* The owner goes: revoke, free the resource, drop its reference. */
	revocable_provider_revoke(rp);
	kfree(r);
	revocable_provider_put(rp);
	live = pcl_kmem_live();

	/* The handle is still valid (ASan would see a use after free) and
	 * yields NULL, as often as asked. */
	for (int i = 0; i < 3; i++) {
		void *p = revocable_try_access(rev);

		check_true(p == NULL, "a handle outliving its provider's owner yields NULL (try %d)", i);
		revocable_withdraw_access(rev);
		check_true(revocable_is_revoked(rev), "and says it is revoked");
	}
	check_eq(pcl_kmem_live(), live, "accessing a handle allocates nothing");
	/* The last reference: the handle frees the provider. */
	revocable_free(rev);
	check_eq(pcl_kmem_live(), live - 2,
		 "freeing the last handle frees it and the provider");
	expect_new_reports(PCL_CHK_NR, 0, NULL);
}

static void test_sleeping_inside_try_access_is_reported(void **state)
{
	struct res r = { RES_MAGIC };
	struct revocable_provider *rp = revocable_provider_alloc(&r);
	struct revocable *rev = revocable_alloc(rp);
	struct res *p;

	assert_non_null(rp);
	assert_non_null(rev);
	p = revocable_try_access(rev);
	check_true(p == &r, "the resource");
	msleep(1);			/* wrong: the section is atomic */
	revocable_withdraw_access(rev);
	expect_new_reports(PCL_CHK_ATOMIC_SLEEP, 1,
			   "sleeping function called from invalid context");

	/* Outside the section, sleeping is fine. */
	msleep(1);
	expect_new_reports(PCL_CHK_NR, 0, NULL);

	revocable_provider_revoke(rp);
	revocable_free(rev);
	revocable_provider_put(rp);
	expect_new_reports(PCL_CHK_NR, 0, NULL);
}

/* ---- devm providers, revoked at unbind ---- */

#define RV_MAX		100

static struct {
	unsigned int k;			/* providers the next probe makes */
	bool handles_outlive;		/* else the last action frees them */
	struct revocable_provider *rp[RV_MAX];
	struct res *res[RV_MAX];	/* devm_kzalloc'd by probe */
	struct revocable *rev[RV_MAX];	/* the test's handles */
	unsigned int probes, removes;
	/* seen by the devres action released first at unbind */
	unsigned int action_runs, action_saw_live, action_bad_magic;
	/* seen in remove(): providers must still be live then */
	unsigned int remove_saw_revoked;
} RV;

/*
 * The devres action probe adds last, so unbind releases it first: every
 * provider must be revoked by then (the batch revoke comes before any
 * devres), while the resources are not freed yet.
 */
static void rv_check_revoked(void *data)
{
	RV.action_runs++;
	for (unsigned int i = 0; i < RV.k; i++) {
		if (!RV.rev[i])
			continue;
		if (revocable_try_access(RV.rev[i]))
			RV.action_saw_live++;
		revocable_withdraw_access(RV.rev[i]);
		/* The resource itself is still there (devres frees it later). */
		if (RV.res[i]->magic != RES_MAGIC + i)
			RV.action_bad_magic++;
		if (!RV.handles_outlive) {
			revocable_free(RV.rev[i]);
			RV.rev[i] = NULL;
		}
	}
}

static int rv_probe(struct testbus_device *tdev,
		    const struct testbus_device_id *id)
{
	struct device *dev = &tdev->dev;

	RV.probes++;
	for (unsigned int i = 0; i < RV.k; i++) {
		RV.res[i] = devm_kzalloc(dev, sizeof(*RV.res[i]), GFP_KERNEL);
		if (!RV.res[i])
			return -ENOMEM;
		RV.res[i]->magic = RES_MAGIC + i;
		RV.rp[i] = devm_revocable_provider_alloc(dev, RV.res[i]);
		if (!RV.rp[i])
			return -ENOMEM;
	}
	return devm_add_action_or_reset(dev, rv_check_revoked, NULL);
}

static void rv_remove(struct testbus_device *tdev)
{
	RV.removes++;
	for (unsigned int i = 0; i < RV.k; i++) {
		if (!RV.rev[i])
			continue;
		if (!revocable_try_access(RV.rev[i]))
			RV.remove_saw_revoked++;
		revocable_withdraw_access(RV.rev[i]);
	}
}

static const struct testbus_device_id rv_ids[] = {
	{ 0x7e57, 0x0c0d },
	{ 0, 0 }
};

static struct testbus_driver rv_driver = {
	.name = "revocable-test",
	.id_table = rv_ids,
	.probe = rv_probe,
	.remove = rv_remove,
};

/*
 * Bind with @k devm providers, take a handle on each from the test (no
 * binding owns them), unbind.  Return: the grace periods the unbind
 * waited for.  The device stays, unbound, in *@out.
 */
static unsigned long devm_bind_unbind(unsigned int k, bool handles_outlive,
				      struct testbus_device **out)
{
	struct testbus_device *tdev;
	unsigned long gp0, gps;

	memset(&RV, 0, sizeof(RV));
	RV.k = k;
	RV.handles_outlive = handles_outlive;
	check_eq(testbus_driver_register(&rv_driver), 0, "driver registers");
	tdev = testbus_device_create("revocable0", 0x7e57, 0x0c0d);
	check_true(!IS_ERR(tdev), "device created");
	check_eq(dev_state(&tdev->dev), DEV_STATE_BOUND, "bound with %u providers", k);
	check_eq(RV.probes, 1, "probed once");

	for (unsigned int i = 0; i < k; i++) {
		struct res *p;

		RV.rev[i] = revocable_alloc(RV.rp[i]);
		assert_non_null(RV.rev[i]);
		p = revocable_try_access(RV.rev[i]);
		check_true(p == RV.res[i], "devm provider %u of %u live while bound", i, k);
		check_eq(p->magic, RES_MAGIC + i, "its resource");
		revocable_withdraw_access(RV.rev[i]);
	}

	gp0 = pcl_rcu_grace_periods();
	device_release_driver(&tdev->dev);
	gps = pcl_rcu_grace_periods() - gp0;

	check_eq(RV.removes, 1, "remove() ran");
	check_eq(RV.remove_saw_revoked, 0,
		 "providers are still live inside remove() (k=%u)", k);
	check_eq(RV.action_runs, 1, "the last devres action ran at unbind");
	check_eq(RV.action_saw_live, 0,
		 "every provider was revoked before the first devres was released (k=%u)", k);
	check_eq(RV.action_bad_magic, 0,
		 "resources were still intact when the first devres was released");
	check_eq(pcl_devres_count(&tdev->dev), 0, "no devres left");
	*out = tdev;
	return gps;
}

static void devm_cleanup(struct testbus_device *tdev)
{
	for (unsigned int i = 0; i < RV.k; i++)
		revocable_free(RV.rev[i]);
	testbus_device_destroy(tdev);
	testbus_driver_unregister(&rv_driver);
}

/*
 * What an unbind costs is one grace period for the batch revoke, plus
 * one for rcu_barrier() only if call_rcu() callbacks were queued (none
 * here).  Measured: exactly 1, whatever K.
 */
#define UNBIND_GRACE_PERIODS	1

static void test_devm_providers_revoked_at_unbind_in_one_grace_period(void **state)
{
	static const unsigned int ks[] = { 1, 10, 100 };
	unsigned long gps[ARRAY_SIZE(ks)];

	for (unsigned int i = 0; i < ARRAY_SIZE(ks); i++) {
		struct testbus_device *tdev;

		gps[i] = devm_bind_unbind(ks[i], false, &tdev);
		devm_cleanup(tdev);
		print_message("unbind with %u devm providers: %lu grace period(s)\n",
			      ks[i], gps[i]);
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(ks); i++) {
		check_true(gps[i] >= 1 && gps[i] <= 2,
			   "an unbind with %u providers waits 1 or 2 grace periods, not %lu",
			   ks[i], gps[i]);
		check_eq(gps[i], gps[0],
			 "the unbind's grace periods do not depend on K (K=%u vs K=%u)",
			 ks[i], ks[0]);
		check_eq(gps[i], UNBIND_GRACE_PERIODS,
			 "the unbind with %u providers waits the measured number", ks[i]);
	}
	expect_new_reports(PCL_CHK_NR, 0, NULL);
}

/*
 * Regression (found by this test, fixed in src/base/revocable.c,
 * devm_revocable_provider_alloc()): a devm provider is allocated in
 * probe, so it is charged to the binding's kmem owner; a consumer
 * handle keeps it alive past the unbind by design (base.h: "a consumer
 * that outlives the binding ... keeps a valid handle that just yields
 * NULL"), yet the unbind's leak check reports it as "allocated by the
 * driver and not freed by unbind" - one false "leak" report per
 * provider.  The provider needs kmemleak_not_leak() (as switchtec-lite
 * does for its refcounted structure).  The test keeps it fixed.
 */
static void test_devm_provider_kept_by_a_handle_is_not_a_leak(void **state)
{
	static const unsigned int ks[] = { 1, 10 };

	for (unsigned int i = 0; i < ARRAY_SIZE(ks); i++) {
		struct testbus_device *tdev;
		unsigned int before = cap.n, leaks;

		devm_bind_unbind(ks[i], true, &tdev);
		/* The handles outlived the binding: valid, and NULL. */
		for (unsigned int j = 0; j < ks[i]; j++) {
			check_true(revocable_try_access(RV.rev[j]) == NULL,
				   "devm provider %u of %u revoked after unbind", j, ks[i]);
			revocable_withdraw_access(RV.rev[j]);
			check_true(revocable_is_revoked(RV.rev[j]), "says revoked");
		}
		/* Clean up first, so a failure below leaves nothing behind. */
		devm_cleanup(tdev);
		leaks = pcl_capture_count(&cap, PCL_CHK_LEAK);
		if (cap.n != before) {
			print_error("REGRESSION: %u report(s) (%u leak) at the unbind of %u devm providers kept by consumer handles (expected none):\n",
				    cap.n - before, leaks, ks[i]);
			print_captured(&cap);
			mark = expected_reports = cap.n;	/* fail here, not in teardown */
		}
		check_eq(cap.n - before, 0,
			 "no report when consumer handles outlive the binding of %u devm providers",
			 ks[i]);
	}
	expect_new_reports(PCL_CHK_NR, 0, NULL);
}

/* ------------------------------------------------------------------ */
/* Character devices                                                    */
/* ------------------------------------------------------------------ */

#define TC_CMD_DOUBLE	0x7401	/* ioctl: return 2 * arg */
#define TC_DATA_MAX	32

/* The test driver's structure: the class device, the cdev, its state. */
struct tchar {
	struct device dev;
	struct cdev cdev;
	wait_queue_head_t wq;
	spinlock_t lock;
	char data[TC_DATA_MAX];
	size_t ndata;
	int open_ret;			/* what ->open returns */
	bool copy_atomic;		/* read copies under the spinlock */
	unsigned int opens, releases, reads, writes, ioctls, polls;
	bool *freed;			/* set by the release callback */
};

/* ->release calls of every tchar, so they can be counted after the
 * structure is gone. */
static unsigned int tc_release_calls;

static void tchar_dev_release(struct device *dev)
{
	struct tchar *t = container_of(dev, struct tchar, dev);

	if (t->freed)
		*t->freed = true;
	kfree(t);
}

static int tchar_open(struct inode *inode, struct file *file)
{
	struct tchar *t = container_of(inode->i_cdev, struct tchar, cdev);

	t->opens++;
	if (t->open_ret)
		return t->open_ret;
	file->private_data = t;
	return 0;
}

static int tchar_release(struct inode *inode, struct file *file)
{
	struct tchar *t = file->private_data;

	t->releases++;
	tc_release_calls++;
	return 0;
}

static ssize_t tchar_read(struct file *file, char *buf, size_t len,
			  loff_t *pos)
{
	struct tchar *t = file->private_data;
	size_t n;

	t->reads++;
	n = len < t->ndata ? len : t->ndata;
	if (t->copy_atomic) {
		spin_lock(&t->lock);
		if (copy_to_user(buf, t->data, n)) {	/* wrong: may fault */
			spin_unlock(&t->lock);
			return -EFAULT;
		}
		spin_unlock(&t->lock);
	} else if (copy_to_user(buf, t->data, n)) {
		return -EFAULT;
	}
	return (ssize_t)n;
}

static ssize_t tchar_write(struct file *file, const char *buf, size_t len,
			   loff_t *pos)
{
	struct tchar *t = file->private_data;

	t->writes++;
	if (len > TC_DATA_MAX)
		return -EINVAL;
	if (copy_from_user(t->data, buf, len))
		return -EFAULT;
	t->ndata = len;
	wake_up_interruptible(&t->wq);
	return (ssize_t)len;
}

static long tchar_ioctl(struct file *file, unsigned int cmd,
			unsigned long arg)
{
	struct tchar *t = file->private_data;

	t->ioctls++;
	if (cmd != TC_CMD_DOUBLE)
		return -ENOTTY;
	return (long)(2 * arg);
}

static __poll_t tchar_poll(struct file *file, poll_table *pt)
{
	struct tchar *t = file->private_data;

	t->polls++;
	poll_wait(file, &t->wq, pt);
	return t->ndata ? (EPOLLIN | EPOLLRDNORM) : 0;
}

static const struct file_operations tchar_fops = {
	.open = tchar_open,
	.release = tchar_release,
	.read = tchar_read,
	.write = tchar_write,
	.unlocked_ioctl = tchar_ioctl,
	.poll = tchar_poll,
};

/* A new driver structure named @name (not published); @freed is set
 * when it is freed. */
static struct tchar *tchar_new(const char *name, bool *freed)
{
	struct tchar *t = kzalloc(sizeof(*t), GFP_KERNEL);

	assert_non_null(t);
	device_initialize(&t->dev);
	t->dev.release = tchar_dev_release;
	check_eq(dev_set_name(&t->dev, "%s", name), 0, "the class device is named");
	init_waitqueue_head(&t->wq);
	spin_lock_init(&t->lock);
	cdev_init(&t->cdev, &tchar_fops);
	t->freed = freed;
	if (freed)
		*freed = false;
	return t;
}

/* Open @name; asserts it worked. */
static struct file *open_ok(const char *name)
{
	struct file *f = NULL;
	int ret = pcl_sys_open(name, 0, &f);

	check_eq(ret, 0, "pcl_sys_open(%s)", name);
	check_true(f != NULL, "a file for %s", name);
	return f;
}

static void test_open_of_unknown_node_is_enoent(void **state)
{
	struct file *f = NULL;

	check_eq(pcl_sys_open("tchar-no-such-node", 0, &f), -ENOENT,
		 "opening a node nobody published");
	check_true(f == NULL, "no file handed out");
	check_true(!pcl_cdev_exists("tchar-no-such-node"), "no such node");
	expect_new_reports(PCL_CHK_NR, 0, NULL);
}

static void test_system_calls_reach_the_driver(void **state)
{
	bool freed;
	struct tchar *t = tchar_new("tchar-calls", &freed);
	char buf[TC_DATA_MAX] = { 0 };
	struct file *f;

	check_eq(cdev_device_add(&t->cdev, &t->dev), 0, "node published");
	check_true(pcl_cdev_exists("tchar-calls"), "the node exists once published");

	f = open_ok("tchar-calls");
	check_eq(t->opens, 1, "->open ran once");
	check_true(f->private_data == t, "->open's private_data kept");

	/* Nothing to read yet: poll with no timeout says so. */
	check_eq(pcl_sys_poll(f, EPOLLIN, 0), 0, "poll with no data and no timeout");
	check_eq(t->polls, 1, "->poll ran");

	check_eq(pcl_sys_write(f, "hello", 5), 5, "write returns what ->write did");
	check_eq(t->writes, 1, "->write ran once");
	check_eq(pcl_sys_poll(f, EPOLLIN, 100), EPOLLIN,
		 "poll reports readable once data is there");
	check_eq(pcl_sys_read(f, buf, sizeof(buf)), 5, "read returns what ->read did");
	check_eq(t->reads, 1, "->read ran once");
	assert_memory_equal(buf, "hello", 5);
	check_eq(pcl_sys_ioctl(f, TC_CMD_DOUBLE, 21), 42, "ioctl returns ->unlocked_ioctl's value");
	check_eq(pcl_sys_ioctl(f, 0x1234, 0), -ENOTTY, "an unknown ioctl's error");
	check_eq(t->ioctls, 2, "->unlocked_ioctl ran twice");

	check_eq(t->releases, 0, "no release before close");
	check_eq(pcl_sys_close(f), 0, "close");
	check_eq(t->releases, 1, "close calls ->release once");

	cdev_device_del(&t->cdev, &t->dev);
	check_eq(t->releases, 1, "no file open at delete: no more release");
	check_true(!pcl_cdev_exists("tchar-calls"), "the node is gone after delete");
	check_true(!freed, "the creator still holds its reference");
	put_device(&t->dev);
	check_true(freed, "freed at the creator's put when no file is open");
	expect_new_reports(PCL_CHK_NR, 0, NULL);
}

static void test_open_error_of_driver_is_returned_and_not_released(void **state)
{
	bool freed;
	struct tchar *t = tchar_new("tchar-openerr", &freed);
	struct file *f = NULL;
	unsigned long live;

	check_eq(cdev_device_add(&t->cdev, &t->dev), 0, "node published");
	t->open_ret = -EBUSY;
	live = pcl_kmem_live();
	check_eq(pcl_sys_open("tchar-openerr", 0, &f), -EBUSY, "->open's error");
	check_true(f == NULL, "no file");
	check_eq(pcl_kmem_live(), live, "the failed open left nothing allocated");
	check_eq(t->opens, 1, "->open ran");
	check_eq(t->releases, 0, "no ->release for a failed open");
	cdev_device_del(&t->cdev, &t->dev);
	check_eq(t->releases, 0, "and none at delete either");
	put_device(&t->dev);
	check_true(freed, "freed: the failed open kept no reference");
	expect_new_reports(PCL_CHK_NR, 0, NULL);
}

static void test_cdev_device_add_of_a_taken_name_is_eexist(void **state)
{
	bool freed1, freed2;
	struct tchar *t1 = tchar_new("tchar-dup", &freed1);
	struct tchar *t2 = tchar_new("tchar-dup", &freed2);
	struct file *f;

	check_eq(cdev_device_add(&t1->cdev, &t1->dev), 0, "the first node");
	check_eq(cdev_device_add(&t2->cdev, &t2->dev), -EEXIST,
		 "a second node with the same name");
	/* The node is still the first driver's. */
	f = open_ok("tchar-dup");
	check_eq(t1->opens, 1, "open reached the first driver");
	check_eq(t2->opens, 0, "not the second");
	check_eq(pcl_sys_close(f), 0, "close");

	/* The refused structure is not referenced by the registry. */
	put_device(&t2->dev);
	check_true(freed2, "the refused structure is freed at its creator's put");

	cdev_device_del(&t1->cdev, &t1->dev);
	put_device(&t1->dev);
	check_true(freed1, "the first freed");
	/* The name is free again. */
	t2 = tchar_new("tchar-dup", &freed2);
	check_eq(cdev_device_add(&t2->cdev, &t2->dev), 0,
		 "the name can be published again after delete");
	cdev_device_del(&t2->cdev, &t2->dev);
	put_device(&t2->dev);
	check_true(freed2, "freed");
	expect_new_reports(PCL_CHK_NR, 0, NULL);
}

static void test_cdev_device_del_fences_open_files(void **state)
{
	bool freed;
	struct tchar *t = tchar_new("tchar-fence", &freed);
	struct file *f1, *f2, *f3 = NULL;
	char buf[8];

	check_eq(cdev_device_add(&t->cdev, &t->dev), 0, "node published");
	f1 = open_ok("tchar-fence");
	f2 = open_ok("tchar-fence");
	check_eq(pcl_sys_write(f1, "x", 1), 1, "alive: write reaches the driver");
	check_eq(t->opens, 2, "two opens");
	check_eq(t->writes, 1, "one write");

	cdev_device_del(&t->cdev, &t->dev);
	/* The fence released every open file exactly once. */
	check_eq(t->releases, 2, "->release ran once per open file by the fence");
	check_true(!pcl_cdev_exists("tchar-fence"), "node unpublished");

	/* No new open. */
	check_eq(pcl_sys_open("tchar-fence", 0, &f3), -ENOENT, "open after delete");
	check_true(f3 == NULL, "no file");
	check_eq(t->opens, 2, "->open not called after delete");

	/* Files opened before: every call fails without the driver. */
	check_eq(pcl_sys_read(f1, buf, sizeof(buf)), -ENODEV, "read after delete");
	check_eq(pcl_sys_write(f1, "y", 1), -ENODEV, "write after delete");
	check_eq(pcl_sys_ioctl(f2, TC_CMD_DOUBLE, 1), -ENODEV, "ioctl after delete");
	check_eq(pcl_sys_poll(f2, EPOLLIN, 0), EPOLLHUP | EPOLLERR, "poll after delete");
	check_eq(pcl_sys_poll(f1, EPOLLIN | EPOLLOUT, -1), EPOLLHUP | EPOLLERR,
		 "poll after delete does not block even with no timeout");
	check_eq(t->reads, 0, "->read never called after delete");
	check_eq(t->writes, 1, "->write not called after delete");
	check_eq(t->ioctls, 0, "->unlocked_ioctl never called after delete");
	check_eq(t->polls, 0, "->poll never called after delete");

	/* The memory outlives the binding until the last close. */
	put_device(&t->dev);			/* the creator's reference */
	check_true(!freed, "open files keep the structure alive");
	check_eq(pcl_sys_close(f1), 0, "close after delete");
	check_eq(t->releases, 2, "close after the fence does not call ->release again");
	check_true(!freed, "one file still open");
	/* t is still valid here: f2 holds it. */
	check_eq(pcl_sys_close(f2), 0, "the last close");
	check_true(freed, "the structure is freed at the last close");
	expect_new_reports(PCL_CHK_NR, 0, NULL);
}

/* ---- plain, unfenced cdev_add()/cdev_del() ---- */

static void test_plain_cdev_del_lets_calls_through_and_reports_each(void **state)
{
	bool freed;
	struct tchar *t = tchar_new("tchar-plain", &freed);
	struct file *f, *f2 = NULL;
	char buf[8];

	check_eq(cdev_add(&t->cdev, &t->dev), 0, "plain node published");
	f = open_ok("tchar-plain");
	check_eq(pcl_sys_write(f, "ab", 2), 2, "write before cdev_del");
	expect_new_reports(PCL_CHK_NR, 0, NULL);

	cdev_del(&t->cdev);
	check_true(!pcl_cdev_exists("tchar-plain"), "unpublished by cdev_del");
	check_eq(pcl_sys_open("tchar-plain", 0, &f2), -ENOENT, "no new open after cdev_del");
	check_eq(t->releases, 0, "cdev_del does not release open files");

	check_eq(pcl_sys_read(f, buf, sizeof(buf)), 2, "read still reaches the driver");
	check_eq(t->reads, 1, "->read ran after cdev_del");
	expect_new_reports(PCL_CHK_REVOKE, 1, "after cdev_del()");
	check_eq(pcl_sys_write(f, "c", 1), 1, "write still reaches the driver");
	check_eq(t->writes, 2, "->write ran after cdev_del");
	expect_new_reports(PCL_CHK_REVOKE, 1, "write() on tchar-plain after cdev_del()");
	check_eq(pcl_sys_ioctl(f, TC_CMD_DOUBLE, 4), 8, "ioctl still reaches the driver");
	check_eq(t->ioctls, 1, "->unlocked_ioctl ran after cdev_del");
	expect_new_reports(PCL_CHK_REVOKE, 1, "ioctl() on tchar-plain after cdev_del()");
	check_eq(pcl_sys_read(f, buf, sizeof(buf)), 1, "a second read");
	expect_new_reports(PCL_CHK_REVOKE, 1, "read() on tchar-plain after cdev_del()");

	put_device(&t->dev);
	check_true(!freed, "the open file keeps it");
	tc_release_calls = 0;
	check_eq(pcl_sys_close(f), 0, "close");
	check_eq(tc_release_calls, 1, "->release ran at close");
	expect_new_reports(PCL_CHK_REVOKE, 1, "release() on tchar-plain after cdev_del()");
	check_true(freed, "freed at the last close");
}

/* ---- copy_to_user() in atomic context ---- */

static void test_copy_to_user_under_spinlock_is_reported(void **state)
{
	bool freed;
	struct tchar *t = tchar_new("tchar-atomic", &freed);
	char buf[8] = { 0 };
	struct file *f;
	const struct pcl_report *r;

	check_eq(cdev_device_add(&t->cdev, &t->dev), 0, "node published");
	f = open_ok("tchar-atomic");
	check_eq(pcl_sys_write(f, "zz", 2), 2, "write");
	check_eq(pcl_sys_read(f, buf, sizeof(buf)), 2, "a correct read");
	expect_new_reports(PCL_CHK_NR, 0, NULL);

	t->copy_atomic = true;
	memset(buf, 0, sizeof(buf));
	check_eq(pcl_sys_read(f, buf, sizeof(buf)), 2, "the wrong read still copies");
	assert_memory_equal(buf, "zz", 2);
	expect_new_reports(PCL_CHK_ATOMIC_SLEEP, 1,
			   "sleeping function called from invalid context");
	r = last_captured(&cap);
	assert_contains(r->file, "test-char.c");
	check_eq(r->atomic, 1, "the report saw the atomic context");
	check_eq(pcl_ctx()->atomic_depth, 0, "the read left no spinlock held");

	check_eq(pcl_sys_close(f), 0, "close");
	cdev_device_del(&t->cdev, &t->dev);
	put_device(&t->dev);
	check_true(freed, "freed");
	expect_new_reports(PCL_CHK_NR, 0, NULL);
}

/* ---- devm_cdev_device_add(): the fence at the parent's unbind ---- */

static struct {
	bool freed;
	struct tchar *t;
	int ret;
} DC;

static void dc_put(void *data)
{
	put_device(&((struct tchar *)data)->dev);
}

static int dc_probe(struct testbus_device *tdev,
		    const struct testbus_device_id *id)
{
	struct tchar *t = kzalloc(sizeof(*t), GFP_KERNEL);
	int ret;

	if (!t)
		return -ENOMEM;
	kmemleak_not_leak(t);		/* open files may keep it */
	device_initialize(&t->dev);
	t->dev.release = tchar_dev_release;
	t->dev.parent = &tdev->dev;
	dev_set_name(&t->dev, "tchar-devm");
	init_waitqueue_head(&t->wq);
	spin_lock_init(&t->lock);
	cdev_init(&t->cdev, &tchar_fops);
	t->freed = &DC.freed;
	DC.freed = false;
	ret = devm_add_action_or_reset(&tdev->dev, dc_put, t);
	if (ret)
		return ret;
	DC.t = t;
	return devm_cdev_device_add(&tdev->dev, &t->cdev, &t->dev);
}

static const struct testbus_device_id dc_ids[] = {
	{ 0x7e57, 0x0cde },
	{ 0, 0 }
};

static struct testbus_driver dc_driver = {
	.name = "tchar-devm",
	.id_table = dc_ids,
	.probe = dc_probe,
};

static void test_devm_cdev_device_add_is_deleted_at_unbind(void **state)
{
	struct testbus_device *tdev;
	struct file *f;
	char buf[4];

	memset(&DC, 0, sizeof(DC));
	check_eq(testbus_driver_register(&dc_driver), 0, "driver registers");
	tdev = testbus_device_create("tchar-parent", 0x7e57, 0x0cde);
	check_true(!IS_ERR(tdev), "parent created");
	check_eq(dev_state(&tdev->dev), DEV_STATE_BOUND, "bound");
	check_true(pcl_cdev_exists("tchar-devm"), "the node is published by probe");
	f = open_ok("tchar-devm");

	device_release_driver(&tdev->dev);
	check_true(!pcl_cdev_exists("tchar-devm"), "the node is gone after unbind");
	check_eq(DC.t->releases, 1, "the open file was released by the fence at unbind");
	check_true(!DC.freed, "the open file keeps the structure");
	check_eq(pcl_sys_read(f, buf, sizeof(buf)), -ENODEV, "read after unbind");
	check_eq(DC.t->reads, 0, "->read not called after unbind");
	check_eq(pcl_sys_close(f), 0, "close");
	check_true(DC.freed, "freed at the last close, after the binding");

	testbus_device_destroy(tdev);
	testbus_driver_unregister(&dc_driver);
	expect_new_reports(PCL_CHK_NR, 0, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T_(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T_(test_revocable_try_access_until_revoked),
		T_(test_revoke_many_waits_one_grace_period),
		T_(test_revoke_many_of_partly_revoked_waits_one),
		T_(test_consumer_handle_outlives_provider_owner),
		T_(test_sleeping_inside_try_access_is_reported),
		T_(test_devm_providers_revoked_at_unbind_in_one_grace_period),
		T_(test_devm_provider_kept_by_a_handle_is_not_a_leak),
		T_(test_open_of_unknown_node_is_enoent),
		T_(test_system_calls_reach_the_driver),
		T_(test_open_error_of_driver_is_returned_and_not_released),
		T_(test_cdev_device_add_of_a_taken_name_is_eexist),
		T_(test_cdev_device_del_fences_open_files),
		T_(test_plain_cdev_del_lets_calls_through_and_reports_each),
		T_(test_copy_to_user_under_spinlock_is_reported),
		T_(test_devm_cdev_device_add_is_deleted_at_unbind),
#undef T_
	};

	pcl_base_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
