// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests for the sync layer (src/sync): the semantics of every
 * primitive, mostly single-threaded, and the context reports they make
 * (atomic-sleep, lockdep, api, leak) with the caller's file and line.
 * Helper threads appear only where a second task is the point (non-owner
 * unlock, signals, kthreads); the stress tests live in
 * test-sync-threaded.c.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcilab/check.h>
#include <pcilab/sync.h>

#include "pcltest.h"

#if defined(__SANITIZE_ADDRESS__)
#define PCL_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PCL_TEST_ASAN 1
#endif
#endif

/* ---- helpers ---- */

static struct pcl_capture cap;

/* Assert the capture holds exactly one report of @chk, made at @line. */
static const struct pcl_report *one_report_at(enum pcl_checker chk, int line)
{
	const struct pcl_report *r = pcl_capture_find(&cap, chk);

	assert_int_equal(pcl_capture_count(&cap, chk), 1);
	assert_non_null(r);
	assert_string_equal(r->file, __FILE__);
	assert_int_equal(r->line, line);
	return r;
}

/* Assert the capture holds exactly one report, of @chk, titled with @part. */
static void one_report_titled(enum pcl_checker chk, const char *part)
{
	assert_int_equal(cap.n, 1);
	assert_int_equal(cap.r[0].checker, chk);
	assert_contains(cap.r[0].title, part);
}

static DECLARE_WAIT_QUEUE_HEAD(wq);
static atomic_int wq_flag;

/*
 * A rescuer ends a wait that a broken primitive would never end, so that
 * the test fails instead of hanging: unless stopped within @ms it makes
 * wq_flag true, wakes wq and completes @c (if any).
 */
#define RESCUE_MS	3000

struct rescuer {
	pthread_t thread;
	long deadline;
	struct completion *c;
	atomic_int stop, fired;
};

static void *rescuer_thread(void *arg)
{
	struct rescuer *r = arg;

	while (!atomic_load(&r->stop)) {
		if (now_ms() >= r->deadline) {
			atomic_store(&r->fired, 1);
			atomic_store(&wq_flag, 1);
			wake_up(&wq);
			if (r->c)
				complete(r->c);
			break;
		}
		usleep_range(500, 1000);
	}
	return NULL;
}

static void rescuer_start(struct rescuer *r, struct completion *c)
{
	r->deadline = now_ms() + RESCUE_MS;
	r->c = c;
	atomic_store(&r->stop, 0);
	atomic_store(&r->fired, 0);
	r->thread = start_thread(rescuer_thread, r);
}

/* Return: true if the rescuer had to step in (the test has failed). */
static bool rescuer_stop(struct rescuer *r)
{
	atomic_store(&r->stop, 1);
	join_thread(r->thread);
	return atomic_load(&r->fired);
}

/* ------------------------------------------------------------------ */
/* Context: spinlocks, IRQs, preemption                                 */
/* ------------------------------------------------------------------ */

static DEFINE_SPINLOCK(slock);
static DEFINE_MUTEX(mlock);

static void test_spin_lock_makes_caller_atomic_until_unlock(void **state)
{
	(void)state;
	quiet_begin(&cap);
	assert_false(pcl_in_atomic());
	spin_lock(&slock);
	assert_true(pcl_in_atomic());
	assert_int_equal(pcl_ctx()->atomic_depth, 1);
	assert_true(pcl_ctx_holds(&slock.dep));
	assert_true(in_task());
	assert_false(irqs_disabled());
	spin_unlock(&slock);
	assert_false(pcl_in_atomic());
	assert_false(pcl_ctx_holds(&slock.dep));
	quiet_end();
	assert_int_equal(cap.n, 0);
}

static void test_spin_lock_init_names_the_lock(void **state)
{
	spinlock_t l;

	(void)state;
	spin_lock_init(&l);
	spin_lock(&l);
	assert_int_equal(pcl_ctx()->nheld, 1);
	assert_string_equal(pcl_ctx()->held[0].name, "&l");
	assert_int_equal(pcl_ctx()->held[0].kind, PCL_LOCK_SPIN);
	spin_unlock(&l);
}

static void test_kmalloc_gfp_kernel_under_spinlock_reports_once_at_call_site(void **state)
{
	const struct pcl_report *r;
	void *p;
	int line;

	(void)state;
	quiet_begin(&cap);
	spin_lock(&slock);
	line = __LINE__ + 1;
	p = kmalloc(32, GFP_KERNEL);
	spin_unlock(&slock);
	quiet_end();

	assert_non_null(p);		/* reported, then served */
	assert_int_equal(cap.n, 1);
	r = one_report_at(PCL_CHK_ATOMIC_SLEEP, line);
	assert_string_equal(r->title, "sleeping function called from invalid context");
	assert_int_equal(r->atomic, 1);
	assert_int_equal(r->hardirq, 0);
	assert_contains(r->detail, "in_atomic(): 1");
	kfree(p);
}

static void test_kzalloc_kcalloc_kstrdup_gfp_kernel_under_spinlock_report_their_lines(void **state)
{
	void *a, *b, *c;
	int la, lb, lc;

	(void)state;
	quiet_begin(&cap);
	spin_lock(&slock);
	la = __LINE__ + 1;
	a = kzalloc(8, GFP_KERNEL);
	lb = __LINE__ + 1;
	b = kcalloc(4, 8, GFP_KERNEL);
	lc = __LINE__ + 1;
	c = kstrdup("x", GFP_KERNEL);
	spin_unlock(&slock);
	quiet_end();

	assert_int_equal(cap.n, 3);
	assert_int_equal(cap.r[0].line, la);
	assert_int_equal(cap.r[1].line, lb);
	assert_int_equal(cap.r[2].line, lc);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(cap.r[i].checker, PCL_CHK_ATOMIC_SLEEP);
		assert_string_equal(cap.r[i].file, __FILE__);
	}
	kfree(a);
	kfree(b);
	kfree(c);
}

static void test_kmalloc_gfp_atomic_under_spinlock_is_silent(void **state)
{
	void *a, *b, *c;

	(void)state;
	quiet_begin(&cap);
	spin_lock(&slock);
	a = kmalloc(32, GFP_ATOMIC);
	b = kzalloc(32, GFP_NOWAIT);
	spin_unlock(&slock);
	pcl_hardirq_enter();
	c = kmalloc(16, GFP_ATOMIC);
	pcl_hardirq_exit();
	quiet_end();

	assert_int_equal(cap.n, 0);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	kfree(a);
	kfree(b);
	kfree(c);
}

static void test_mutex_lock_in_hardirq_reports_atomic_sleep_and_lockdep(void **state)
{
	const struct pcl_report *r;
	int line;

	(void)state;
	quiet_begin(&cap);
	pcl_hardirq_enter();
	line = __LINE__ + 1;
	mutex_lock(&mlock);
	mutex_unlock(&mlock);
	pcl_hardirq_exit();
	quiet_end();

	assert_int_equal(cap.n, 2);
	r = one_report_at(PCL_CHK_ATOMIC_SLEEP, line);
	assert_int_equal(r->hardirq, 1);
	assert_contains(r->detail, "in hard-IRQ context");
	r = one_report_at(PCL_CHK_LOCKDEP, line);
	assert_contains(r->title, "hard-IRQ");
	assert_contains(r->title, "mlock");
	assert_false(mutex_is_locked(&mlock));
}

static void test_mutex_lock_in_process_context_is_silent(void **state)
{
	(void)state;
	quiet_begin(&cap);
	assert_false(mutex_is_locked(&mlock));
	mutex_lock(&mlock);
	assert_true(mutex_is_locked(&mlock));
	assert_true(pcl_ctx_holds(&mlock.dep));
	assert_false(pcl_in_atomic());		/* a mutex is not atomic */
	assert_int_equal(pcl_ctx()->held[0].kind, PCL_LOCK_MUTEX);
	assert_int_equal(mutex_trylock(&mlock), 0);	/* already ours */
	mutex_unlock(&mlock);
	assert_false(mutex_is_locked(&mlock));
	assert_int_equal(mutex_trylock(&mlock), 1);
	assert_true(mutex_is_locked(&mlock));
	mutex_unlock(&mlock);
	assert_int_equal(mutex_lock_interruptible(&mlock), 0);
	mutex_unlock(&mlock);
	quiet_end();
	assert_int_equal(cap.n, 0);
	assert_int_equal(pcl_ctx()->nheld, 0);
}

static void test_mutex_init_and_destroy(void **state)
{
	struct mutex m;

	(void)state;
	mutex_init(&m);
	mutex_lock(&m);
	assert_string_equal(pcl_ctx()->held[0].name, "&m");
	quiet_begin(&cap);
	mutex_destroy(&m);		/* while locked: reported */
	quiet_end();
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_LOCKDEP), 1);
	assert_contains(cap.r[0].title, "mutex_destroy");
	mutex_unlock(&m);
	quiet_begin(&cap);
	mutex_destroy(&m);
	quiet_end();
	assert_int_equal(cap.n, 0);
}

static void test_might_sleep_inside_rcu_read_lock_reports(void **state)
{
	const struct pcl_report *r;
	int line;

	(void)state;
	quiet_begin(&cap);
	might_sleep();			/* fine outside */
	rcu_read_lock();
	line = __LINE__ + 1;
	might_sleep();
	rcu_read_unlock();
	might_sleep();			/* fine again */
	quiet_end();

	assert_int_equal(cap.n, 1);
	r = one_report_at(PCL_CHK_ATOMIC_SLEEP, line);
	assert_contains(r->detail, "RCU nest depth: 1, expected: 0");
}

static void test_synchronize_rcu_inside_read_section_reports_and_returns(void **state)
{
	unsigned long gp0;
	int line;

	(void)state;
	rcu_barrier();
	assert_int_equal(pcl_rcu_pending(), 0);
	gp0 = pcl_rcu_grace_periods();
	quiet_begin(&cap);
	rcu_read_lock();
	line = __LINE__ + 1;
	synchronize_rcu();		/* would deadlock: reported, not waited */
	rcu_read_unlock();
	quiet_end();

	assert_int_equal(cap.n, 2);
	one_report_at(PCL_CHK_ATOMIC_SLEEP, line);
	assert_contains(one_report_at(PCL_CHK_LOCKDEP, line)->title,
			"synchronize_rcu()");
	assert_int_equal(pcl_rcu_grace_periods(), gp0);
	synchronize_rcu();
	assert_int_equal(pcl_rcu_grace_periods(), gp0 + 1);
}

static void test_spin_lock_irqsave_restores_irqs_disabled_exactly(void **state)
{
	unsigned long f1 = 99, f2 = 99;

	(void)state;
	quiet_begin(&cap);
	assert_false(irqs_disabled());
	spin_lock_irqsave(&slock, f1);
	assert_int_equal(f1, 0);
	assert_true(irqs_disabled());
	assert_true(pcl_in_atomic());
	spin_unlock_irqrestore(&slock, f1);
	assert_false(irqs_disabled());
	assert_int_equal(pcl_ctx()->irqs_disabled, 0);

	/* nested: the inner restore leaves interrupts disabled */
	local_irq_save(f1);
	spin_lock_irqsave(&slock, f2);
	spin_unlock_irqrestore(&slock, f2);
	assert_true(irqs_disabled());
	local_irq_restore(f1);
	assert_false(irqs_disabled());

	/* inside a hard-IRQ handler the entry's state is put back */
	pcl_hardirq_enter();
	spin_lock_irqsave(&slock, f1);
	spin_unlock_irqrestore(&slock, f1);
	assert_int_equal(pcl_ctx()->irqs_disabled, 1);
	pcl_hardirq_exit();
	assert_int_equal(pcl_ctx()->irqs_disabled, 0);

	spin_lock_irq(&slock);
	assert_true(irqs_disabled());
	spin_unlock_irq(&slock);
	assert_false(irqs_disabled());
	quiet_end();
	assert_int_equal(cap.n, 0);
}

static void test_local_irq_enable_in_hardirq_is_reported_and_ignored(void **state)
{
	(void)state;
	quiet_begin(&cap);
	pcl_hardirq_enter();
	local_irq_disable();
	local_irq_enable();
	assert_true(irqs_disabled());
	pcl_hardirq_exit();
	quiet_end();
	one_report_titled(PCL_CHK_LOCKDEP, "local_irq_enable() in hard-IRQ");
	assert_false(irqs_disabled());
}

static void test_local_irq_disable_makes_caller_atomic(void **state)
{
	int line;

	(void)state;
	quiet_begin(&cap);
	local_irq_disable();
	assert_true(irqs_disabled());
	assert_true(pcl_in_atomic());
	line = __LINE__ + 1;
	might_sleep();
	local_irq_enable();
	quiet_end();
	assert_false(irqs_disabled());
	assert_int_equal(cap.n, 1);
	assert_int_equal(one_report_at(PCL_CHK_ATOMIC_SLEEP, line)->atomic, 1);
}

static void test_preempt_disable_makes_caller_atomic(void **state)
{
	int line;

	(void)state;
	quiet_begin(&cap);
	preempt_disable();
	preempt_disable();
	assert_true(pcl_in_atomic());
	preempt_enable();
	assert_true(pcl_in_atomic());
	line = __LINE__ + 1;
	might_sleep();
	preempt_enable();
	assert_false(pcl_in_atomic());
	quiet_end();
	assert_int_equal(cap.n, 1);
	one_report_at(PCL_CHK_ATOMIC_SLEEP, line);

	quiet_begin(&cap);
	preempt_enable();		/* unbalanced */
	quiet_end();
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_API), 1);
	assert_int_equal(pcl_ctx()->atomic_depth, 0);
}

static void test_irq_context_predicates(void **state)
{
	int line;

	(void)state;
	assert_true(in_task());
	assert_false(in_softirq());
	assert_false(in_hardirq());

	quiet_begin(&cap);
	pcl_softirq_enter();
	assert_true(in_softirq());
	assert_false(in_task());
	assert_true(pcl_in_atomic());
	assert_false(irqs_disabled());
	line = __LINE__ + 1;
	msleep(1);
	pcl_softirq_exit();

	pcl_hardirq_enter();
	assert_true(in_hardirq());
	assert_true(irqs_disabled());
	assert_false(in_task());
	pcl_hardirq_enter();		/* nested interrupt */
	pcl_hardirq_exit();
	assert_true(in_hardirq());
	assert_true(irqs_disabled());
	pcl_hardirq_exit();
	quiet_end();

	assert_true(in_task());
	assert_false(pcl_in_atomic());
	assert_int_equal(cap.n, 1);
	assert_contains(one_report_at(PCL_CHK_ATOMIC_SLEEP, line)->detail,
			"in soft-IRQ context");
}

static void test_busy_delays_are_legal_in_atomic_context(void **state)
{
	long t0, dt;

	(void)state;
	quiet_begin(&cap);
	spin_lock(&slock);
	t0 = now_ms();
	udelay(50);
	mdelay(3);
	cpu_relax();
	dt = now_ms() - t0;
	spin_unlock(&slock);
	quiet_end();
	assert_int_equal(cap.n, 0);
	assert_true(dt >= 3);
	assert_true(dt < 2000);
}

static void test_msleep_sleeps_and_reports_in_atomic_context(void **state)
{
	long t0, dt;
	int l1, l2;

	(void)state;
	t0 = now_ms();
	msleep(10);
	dt = now_ms() - t0;
	assert_true(dt >= 10);
	assert_true(dt < 2000);

	quiet_begin(&cap);
	spin_lock(&slock);
	l1 = __LINE__ + 1;
	msleep(1);
	l2 = __LINE__ + 1;
	usleep_range(10, 20);
	spin_unlock(&slock);
	quiet_end();
	assert_int_equal(cap.n, 2);
	assert_int_equal(cap.r[0].line, l1);
	assert_int_equal(cap.r[1].line, l2);
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_ATOMIC_SLEEP), 2);
}

/* ---- recursion, ownership, balance ---- */

static void *trylock_spin_thread(void *arg)
{
	spinlock_t *l = arg;
	intptr_t got = spin_trylock(l);

	if (got)
		spin_unlock(l);
	return (void *)got;
}

static intptr_t trylock_from_other_thread(spinlock_t *l)
{
	void *ret;

	pthread_join(start_thread(trylock_spin_thread, l), &ret);
	return (intptr_t)ret;
}

static void test_spin_trylock_fails_while_held_elsewhere(void **state)
{
	(void)state;
	quiet_begin(&cap);
	assert_int_equal(spin_trylock(&slock), 1);
	assert_true(pcl_in_atomic());
	assert_int_equal(spin_trylock(&slock), 0);	/* ours already */
	assert_int_equal(trylock_from_other_thread(&slock), 0);
	spin_unlock(&slock);
	assert_false(pcl_in_atomic());
	assert_int_equal(trylock_from_other_thread(&slock), 1);
	quiet_end();
	assert_int_equal(cap.n, 0);
}

static void test_recursive_spin_lock_is_reported_and_unlocks_pair(void **state)
{
	const struct pcl_report *r;
	int line;

	(void)state;
	quiet_begin(&cap);
	spin_lock(&slock);
	line = __LINE__ + 1;
	spin_lock(&slock);		/* would self-deadlock in a kernel */
	assert_int_equal(pcl_ctx()->nheld, 2);
	assert_int_equal(pcl_ctx()->atomic_depth, 2);
	spin_unlock(&slock);		/* pairs with the recursive one */
	assert_true(pcl_ctx_holds(&slock.dep));
	assert_int_equal(pcl_ctx()->atomic_depth, 1);
	assert_int_equal(trylock_from_other_thread(&slock), 0);	/* still locked */
	spin_unlock(&slock);		/* the real release */
	assert_int_equal(trylock_from_other_thread(&slock), 1);
	quiet_end();

	assert_int_equal(cap.n, 1);
	r = one_report_at(PCL_CHK_LOCKDEP, line);
	assert_contains(r->title, "recursive locking");
	assert_int_equal(pcl_ctx()->atomic_depth, 0);
	assert_int_equal(pcl_ctx()->nheld, 0);
}

static void test_spin_unlock_of_unheld_lock_is_reported(void **state)
{
	(void)state;
	quiet_begin(&cap);
	spin_unlock(&slock);
	quiet_end();
	one_report_titled(PCL_CHK_LOCKDEP, "bad unlock balance");
	assert_int_equal(pcl_ctx()->atomic_depth, 0);
	/* the lock was not released behind anyone's back: still usable */
	spin_lock(&slock);
	spin_unlock(&slock);
	assert_int_equal(trylock_from_other_thread(&slock), 1);
}

static void test_recursive_mutex_lock_is_reported_and_unlocks_pair(void **state)
{
	int line;

	(void)state;
	quiet_begin(&cap);
	mutex_lock(&mlock);
	line = __LINE__ + 1;
	mutex_lock(&mlock);
	mutex_unlock(&mlock);
	assert_true(mutex_is_locked(&mlock));
	mutex_unlock(&mlock);
	assert_false(mutex_is_locked(&mlock));
	quiet_end();
	assert_int_equal(cap.n, 1);
	assert_contains(one_report_at(PCL_CHK_LOCKDEP, line)->title,
			"recursive locking");
}

struct holder {
	struct mutex *m;
	struct completion locked, release;
};

static void *mutex_holder_thread(void *arg)
{
	struct holder *h = arg;

	mutex_lock(h->m);
	complete(&h->locked);
	wait_for_completion(&h->release);
	mutex_unlock(h->m);
	return NULL;
}

/* Start a thread that locks @m; return once it holds it. */
static pthread_t start_holder(struct holder *h, struct mutex *m)
{
	pthread_t t;

	h->m = m;
	init_completion(&h->locked);
	init_completion(&h->release);
	t = start_thread(mutex_holder_thread, h);
	wait_for_completion(&h->locked);
	return t;
}

static void test_mutex_unlock_by_non_owner_is_reported(void **state)
{
	struct holder h;
	pthread_t t;

	(void)state;
	t = start_holder(&h, &mlock);

	quiet_begin(&cap);
	mutex_unlock(&mlock);		/* not ours */
	quiet_end();
	one_report_titled(PCL_CHK_LOCKDEP, "does not own it");
	assert_true(mutex_is_locked(&mlock));	/* the owner still has it */

	complete(&h.release);
	join_thread(t);
	assert_false(mutex_is_locked(&mlock));

	quiet_begin(&cap);
	mutex_unlock(&mlock);		/* nobody's */
	quiet_end();
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_LOCKDEP), 1);
	assert_contains(cap.r[0].title, "owner tid 0");
}

static void test_mutex_lock_interruptible_fails_with_signal_pending(void **state)
{
	struct holder h;
	struct rescuer r;
	pthread_t t;
	int ret;

	(void)state;
	t = start_holder(&h, &mlock);

	assert_int_equal(mutex_trylock(&mlock), 0);	/* another task's */
	pcl_task_signal(current);
	rescuer_start(&r, &h.release);	/* the holder lets go if we hang */
	ret = mutex_lock_interruptible(&mlock);
	pcl_task_clear_signal(current);
	if (rescuer_stop(&r)) {
		if (ret == 0)
			mutex_unlock(&mlock);
		join_thread(t);
		fail_msg("mutex_lock_interruptible() ignored the signal");
	}
	assert_int_equal(ret, -EINTR);
	assert_false(pcl_ctx_holds(&mlock.dep));

	complete(&h.release);
	join_thread(t);
	assert_int_equal(mutex_lock_interruptible(&mlock), 0);
	mutex_unlock(&mlock);
}

static void test_lockdep_asserts_report_only_when_violated(void **state)
{
	int l1, l2, l3;

	(void)state;
	quiet_begin(&cap);
	l1 = __LINE__ + 1;
	lockdep_assert_held(&mlock);		/* violated */
	lockdep_assert_not_held(&mlock);	/* fine */
	mutex_lock(&mlock);
	lockdep_assert_held(&mlock);		/* fine */
	l2 = __LINE__ + 1;
	lockdep_assert_not_held(&mlock);	/* violated */
	mutex_unlock(&mlock);
	spin_lock(&slock);
	lockdep_assert_held(&slock);		/* fine */
	spin_unlock(&slock);
	l3 = __LINE__ + 1;
	lockdep_assert_irqs_disabled();		/* violated */
	local_irq_disable();
	lockdep_assert_irqs_disabled();		/* fine */
	local_irq_enable();
	quiet_end();

	assert_int_equal(cap.n, 3);
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_LOCKDEP), 3);
	assert_int_equal(cap.r[0].line, l1);
	assert_contains(cap.r[0].title, "lockdep_assert_held(&mlock)");
	assert_int_equal(cap.r[1].line, l2);
	assert_int_equal(cap.r[2].line, l3);
}

/* ------------------------------------------------------------------ */
/* Reader/writer semaphores                                             */
/* ------------------------------------------------------------------ */

struct rw_try {
	struct rw_semaphore *s;
	bool write;
};

static void *rw_try_thread(void *arg)
{
	struct rw_try *t = arg;
	intptr_t ok;

	if (t->write) {
		ok = down_write_trylock(t->s);
		if (ok)
			up_write(t->s);
	} else {
		ok = down_read_trylock(t->s);
		if (ok)
			up_read(t->s);
	}
	return (void *)ok;
}

static intptr_t rw_try_elsewhere(struct rw_semaphore *s, bool write)
{
	struct rw_try t = { s, write };
	void *ret;

	pthread_join(start_thread(rw_try_thread, &t), &ret);
	return (intptr_t)ret;
}

static void test_rwsem_readers_share_and_exclude_writers(void **state)
{
	struct rw_semaphore s;

	(void)state;
	init_rwsem(&s);
	quiet_begin(&cap);
	down_read(&s);
	assert_int_equal(pcl_ctx()->held[0].kind, PCL_LOCK_RWSEM_READ);
	assert_false(pcl_in_atomic());
	assert_int_equal(rw_try_elsewhere(&s, false), 1);	/* shared */
	assert_int_equal(rw_try_elsewhere(&s, true), 0);	/* excluded */
	assert_int_equal(down_read_trylock(&s), 1);
	assert_int_equal(down_write_trylock(&s), 0);
	assert_false(rwsem_is_write_owner(&s));
	up_read(&s);
	assert_int_equal(rw_try_elsewhere(&s, true), 0);	/* one reader left */
	up_read(&s);
	assert_int_equal(rw_try_elsewhere(&s, true), 1);
	quiet_end();
	assert_int_equal(cap.n, 0);
	assert_int_equal(pcl_ctx()->nheld, 0);
}

static void test_rwsem_writer_excludes_everyone(void **state)
{
	struct rw_semaphore s;

	(void)state;
	init_rwsem(&s);
	quiet_begin(&cap);
	down_write(&s);
	assert_true(rwsem_is_write_owner(&s));
	assert_int_equal(pcl_ctx()->held[0].kind, PCL_LOCK_RWSEM_WRITE);
	assert_int_equal(rw_try_elsewhere(&s, false), 0);
	assert_int_equal(rw_try_elsewhere(&s, true), 0);
	assert_int_equal(down_read_trylock(&s), 0);
	up_write(&s);
	assert_false(rwsem_is_write_owner(&s));
	assert_int_equal(rw_try_elsewhere(&s, false), 1);
	assert_int_equal(down_write_trylock(&s), 1);
	assert_true(rwsem_is_write_owner(&s));
	assert_int_equal(rw_try_elsewhere(&s, true), 0);
	up_write(&s);
	assert_int_equal(rw_try_elsewhere(&s, true), 1);
	quiet_end();
	assert_int_equal(cap.n, 0);
}

static void test_rwsem_downgrade_keeps_lock_for_read(void **state)
{
	struct rw_semaphore s;

	(void)state;
	init_rwsem(&s);
	quiet_begin(&cap);
	down_write(&s);
	downgrade_write(&s);
	assert_false(rwsem_is_write_owner(&s));
	assert_true(pcl_ctx_holds(&s.dep));
	assert_int_equal(pcl_ctx()->held[0].kind, PCL_LOCK_RWSEM_READ);
	assert_int_equal(rw_try_elsewhere(&s, false), 1);	/* readers welcome */
	assert_int_equal(rw_try_elsewhere(&s, true), 0);	/* writers not */
	up_read(&s);
	assert_false(pcl_ctx_holds(&s.dep));
	assert_int_equal(rw_try_elsewhere(&s, true), 1);
	quiet_end();
	assert_int_equal(cap.n, 0);

	quiet_begin(&cap);
	downgrade_write(&s);		/* not the writer */
	quiet_end();
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_LOCKDEP), 1);
	assert_int_equal(rw_try_elsewhere(&s, true), 1);
}

static void test_rwsem_down_read_by_write_owner_is_reported_not_deadlocked(void **state)
{
	struct rw_semaphore s;
	int line;

	(void)state;
	init_rwsem(&s);
	quiet_begin(&cap);
	down_write(&s);
	line = __LINE__ + 1;
	down_read(&s);
	up_read(&s);			/* pairs with the reported one */
	assert_true(rwsem_is_write_owner(&s));
	assert_int_equal(rw_try_elsewhere(&s, false), 0);
	up_write(&s);
	assert_int_equal(rw_try_elsewhere(&s, true), 1);
	quiet_end();
	assert_int_equal(cap.n, 1);
	assert_contains(one_report_at(PCL_CHK_LOCKDEP, line)->title,
			"write owner");
	assert_int_equal(pcl_ctx()->nheld, 0);
}

static void test_rwsem_recursive_down_write_is_reported_not_deadlocked(void **state)
{
	struct rw_semaphore s;
	int line;

	(void)state;
	init_rwsem(&s);
	quiet_begin(&cap);
	down_write(&s);
	line = __LINE__ + 1;
	down_write(&s);
	up_write(&s);
	assert_true(rwsem_is_write_owner(&s));
	up_write(&s);
	assert_false(rwsem_is_write_owner(&s));
	quiet_end();
	assert_int_equal(cap.n, 1);
	one_report_at(PCL_CHK_LOCKDEP, line);
	assert_int_equal(rw_try_elsewhere(&s, true), 1);
}

static void test_rwsem_up_write_by_non_writer_is_reported(void **state)
{
	struct rw_semaphore s;

	(void)state;
	init_rwsem(&s);
	quiet_begin(&cap);
	up_write(&s);
	down_read(&s);
	up_write(&s);			/* a reader, not the writer */
	assert_int_equal(rw_try_elsewhere(&s, true), 0);
	up_read(&s);
	quiet_end();
	assert_int_equal(cap.n, 2);
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_LOCKDEP), 2);
	assert_contains(cap.r[0].title, "not its writer");
	assert_int_equal(rw_try_elsewhere(&s, true), 1);
}

static void test_rwsem_up_read_by_writer_is_reported_and_keeps_write_lock(void **state)
{
	struct rw_semaphore s;

	(void)state;
	init_rwsem(&s);
	quiet_begin(&cap);
	down_write(&s);
	up_read(&s);			/* the writer, not a reader */
	assert_true(rwsem_is_write_owner(&s));
	assert_true(pcl_ctx_holds(&s.dep));
	assert_int_equal(rw_try_elsewhere(&s, false), 0);
	up_write(&s);
	quiet_end();
	one_report_titled(PCL_CHK_LOCKDEP, "by its writer");
	/* neither readers nor writers are locked out afterwards */
	assert_int_equal(rw_try_elsewhere(&s, false), 1);
	assert_int_equal(rw_try_elsewhere(&s, true), 1);
}

static void test_rwsem_in_atomic_context_reports(void **state)
{
	struct rw_semaphore s;
	int l1, l2;

	(void)state;
	init_rwsem(&s);
	quiet_begin(&cap);
	spin_lock(&slock);
	l1 = __LINE__ + 1;
	down_read(&s);
	up_read(&s);
	l2 = __LINE__ + 1;
	down_write(&s);
	up_write(&s);
	spin_unlock(&slock);
	quiet_end();
	assert_int_equal(cap.n, 2);
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_ATOMIC_SLEEP), 2);
	assert_int_equal(cap.r[0].line, l1);
	assert_int_equal(cap.r[1].line, l2);
}

/* ------------------------------------------------------------------ */
/* Completions                                                          */
/* ------------------------------------------------------------------ */

static void test_completion_counts_each_complete(void **state)
{
	struct completion c;

	(void)state;
	init_completion(&c);
	assert_false(completion_done(&c));
	assert_false(try_wait_for_completion(&c));
	complete(&c);
	complete(&c);
	assert_true(completion_done(&c));
	assert_true(try_wait_for_completion(&c));
	assert_true(try_wait_for_completion(&c));
	assert_false(try_wait_for_completion(&c));
	assert_false(completion_done(&c));
	complete(&c);
	wait_for_completion(&c);	/* consumes it, does not block */
	assert_false(completion_done(&c));
}

static void test_complete_all_releases_every_wait_until_reinit(void **state)
{
	DECLARE_COMPLETION(c);

	(void)state;
	complete_all(&c);
	for (int i = 0; i < 5; i++)
		assert_true(try_wait_for_completion(&c));
	wait_for_completion(&c);
	assert_true(wait_for_completion_timeout(&c, 100) > 0);
	assert_int_equal(wait_for_completion_interruptible(&c), 0);
	complete(&c);			/* does not wrap the "all" count */
	assert_true(completion_done(&c));
	reinit_completion(&c);
	assert_false(completion_done(&c));
	assert_false(try_wait_for_completion(&c));
}

static void test_wait_for_completion_timeout_returns_zero_on_timeout(void **state)
{
	struct rescuer r;
	struct completion c;
	long t0, dt, ret;

	(void)state;
	init_completion(&c);
	rescuer_start(&r, &c);
	t0 = now_ms();
	ret = wait_for_completion_timeout(&c, 30);
	dt = now_ms() - t0;
	assert_false(rescuer_stop(&r));
	assert_int_equal(ret, 0);
	assert_true(dt >= 29);
	assert_true(dt < 3000);
	assert_int_equal(wait_for_completion_timeout(&c, 0), 0);
}

static void test_wait_for_completion_timeout_returns_remaining_when_done(void **state)
{
	struct completion c;
	long ret;

	(void)state;
	init_completion(&c);
	complete(&c);
	ret = wait_for_completion_timeout(&c, 1000);
	assert_true(ret > 0);
	assert_true(ret <= 1000);
	assert_false(completion_done(&c));	/* consumed */
}

static void test_wait_for_completion_timeout_woken_before_deadline(void **state)
{
	struct completion c;
	struct waker w = { .ms = 20, .done = &c };
	pthread_t t;
	long ret, t0, dt;

	(void)state;
	init_completion(&c);
	t0 = now_ms();
	t = start_waker(&w);
	ret = wait_for_completion_timeout(&c, 5000);
	dt = now_ms() - t0;
	join_thread(t);
	assert_true(dt >= 19);
	assert_true(ret > 0);
	assert_true(ret <= 5000 - 19);
}

static void test_wait_for_completion_interruptible_returns_erestartsys_on_signal(void **state)
{
	struct rescuer r;
	struct completion c;

	(void)state;
	int ret;

	init_completion(&c);
	pcl_task_signal(current);
	rescuer_start(&r, &c);
	ret = wait_for_completion_interruptible(&c);
	pcl_task_clear_signal(current);
	assert_false(rescuer_stop(&r));
	assert_int_equal(ret, -ERESTARTSYS);
	complete(&c);
	assert_int_equal(wait_for_completion_interruptible(&c), 0);
}

static void test_wait_for_completion_in_atomic_context_reports(void **state)
{
	struct completion c;
	int line;

	(void)state;
	init_completion(&c);
	complete(&c);
	quiet_begin(&cap);
	spin_lock(&slock);
	line = __LINE__ + 1;
	wait_for_completion(&c);
	spin_unlock(&slock);
	quiet_end();
	assert_int_equal(cap.n, 1);
	one_report_at(PCL_CHK_ATOMIC_SLEEP, line);
}

/* ------------------------------------------------------------------ */
/* Wait queues                                                          */
/* ------------------------------------------------------------------ */

static void test_wait_event_timeout_returns_zero_when_condition_stays_false(void **state)
{
	struct rescuer r;
	long t0, dt, ret;

	(void)state;
	atomic_store(&wq_flag, 0);
	rescuer_start(&r, NULL);
	t0 = now_ms();
	ret = wait_event_timeout(wq, atomic_load(&wq_flag) != 0, 25);
	dt = now_ms() - t0;
	assert_false(rescuer_stop(&r));
	assert_int_equal(ret, 0);
	assert_true(dt >= 24);
	assert_true(dt < 3000);
	assert_false(waitqueue_active(&wq));
}

static void test_wait_event_timeout_returns_positive_when_condition_true(void **state)
{
	long ret;

	(void)state;
	atomic_store(&wq_flag, 1);
	ret = wait_event_timeout(wq, atomic_load(&wq_flag) != 0, 25);
	assert_int_equal(ret, 25);		/* nothing used up */
	ret = wait_event_timeout(wq, atomic_load(&wq_flag) != 0, 0);
	assert_int_equal(ret, 1);		/* true at the deadline */
	wait_event(wq, atomic_load(&wq_flag) != 0);	/* returns at once */
	atomic_store(&wq_flag, 0);
}

static void test_wait_event_timeout_woken_by_another_thread(void **state)
{
	struct waker w = { .ms = 20, .flag = &wq_flag, .wq = &wq };
	pthread_t t;
	long ret, t0, dt;

	(void)state;
	atomic_store(&wq_flag, 0);
	t0 = now_ms();
	t = start_waker(&w);
	ret = wait_event_timeout(wq, atomic_load(&wq_flag) != 0, 5000);
	dt = now_ms() - t0;
	join_thread(t);
	assert_true(ret > 0);
	assert_true(ret <= 5000 - 19);
	assert_true(dt >= 19);
	assert_true(dt < 5000);
	atomic_store(&wq_flag, 0);
}

static void test_wait_event_interruptible_returns_erestartsys_on_signal_from_another_thread(void **state)
{
	struct waker w = { .ms = 20, .task = current };
	struct rescuer r;
	bool pending;
	pthread_t t;
	long t0, dt;
	int ret;

	(void)state;
	atomic_store(&wq_flag, 0);
	rescuer_start(&r, NULL);
	t0 = now_ms();
	t = start_waker(&w);
	ret = wait_event_interruptible(wq, atomic_load(&wq_flag) != 0);
	dt = now_ms() - t0;
	join_thread(t);
	pending = signal_pending(current);
	pcl_task_clear_signal(current);
	assert_false(rescuer_stop(&r));
	assert_int_equal(ret, -ERESTARTSYS);
	assert_true(dt >= 19);
	assert_true(pending);		/* until cleared */
	assert_false(signal_pending(current));
}

static void test_wait_event_interruptible_prefers_a_true_condition(void **state)
{
	struct rescuer r;
	int ret;
	long lret;

	(void)state;
	pcl_task_signal(current);
	atomic_store(&wq_flag, 1);
	ret = wait_event_interruptible(wq, atomic_load(&wq_flag) != 0);
	assert_int_equal(ret, 0);
	atomic_store(&wq_flag, 0);
	rescuer_start(&r, NULL);
	ret = wait_event_interruptible(wq, atomic_load(&wq_flag) != 0);
	if (rescuer_stop(&r))
		pcl_task_clear_signal(current);
	assert_int_equal(ret, -ERESTARTSYS);
	lret = wait_event_interruptible_timeout(wq, atomic_load(&wq_flag) != 0, 1000);
	assert_int_equal(lret, -ERESTARTSYS);
	pcl_task_clear_signal(current);
	lret = wait_event_interruptible_timeout(wq, atomic_load(&wq_flag) != 0, 5);
	assert_int_equal(lret, 0);
}

static void test_wait_event_in_atomic_context_reports(void **state)
{
	long ret;
	int line;

	(void)state;
	quiet_begin(&cap);
	spin_lock(&slock);
	line = __LINE__ + 1;
	ret = wait_event_timeout(wq, 1, 10);
	spin_unlock(&slock);
	quiet_end();
	assert_int_equal(ret, 10);
	assert_int_equal(cap.n, 1);
	one_report_at(PCL_CHK_ATOMIC_SLEEP, line);
}

static void test_wake_up_without_sleepers_is_harmless(void **state)
{
	wait_queue_head_t q;

	(void)state;
	init_waitqueue_head(&q);
	assert_false(waitqueue_active(&q));
	wake_up(&q);
	wake_up_all(&q);
	assert_false(waitqueue_active(&q));
	/* a wake-up before the sleep does not satisfy a false condition */
	assert_int_equal(wait_event_timeout(q, false, 5), 0);
}

/* ------------------------------------------------------------------ */
/* Atomics, refcount_t, kref                                            */
/* ------------------------------------------------------------------ */

static void test_atomic_operations(void **state)
{
	atomic_t a = ATOMIC_INIT(5);
	atomic_long_t l;

	(void)state;
	assert_int_equal(atomic_read(&a), 5);
	atomic_inc(&a);
	atomic_add(4, &a);
	assert_int_equal(atomic_read(&a), 10);
	atomic_dec(&a);
	atomic_sub(2, &a);
	assert_int_equal(atomic_read(&a), 7);
	assert_int_equal(atomic_inc_return(&a), 8);
	assert_int_equal(atomic_dec_return(&a), 7);
	assert_int_equal(atomic_add_return(3, &a), 10);
	assert_int_equal(atomic_cmpxchg(&a, 9, 1), 10);	/* fails */
	assert_int_equal(atomic_read(&a), 10);
	assert_int_equal(atomic_cmpxchg(&a, 10, 1), 10);	/* succeeds */
	assert_int_equal(atomic_read(&a), 1);
	assert_true(atomic_dec_and_test(&a));
	assert_false(atomic_inc_not_zero(&a));
	assert_int_equal(atomic_read(&a), 0);
	atomic_set(&a, 3);
	assert_true(atomic_inc_not_zero(&a));
	assert_int_equal(atomic_xchg(&a, 11), 4);
	assert_false(atomic_dec_and_test(&a));

	atomic_long_set(&l, 1L << 40);
	assert_true(atomic_long_inc_return(&l) == (1L << 40) + 1);
	assert_true(atomic_long_add_return(-1, &l) == 1L << 40);
	assert_true(atomic_long_read(&l) == 1L << 40);
}

static void test_refcount_normal_use_is_silent(void **state)
{
	refcount_t r = REFCOUNT_INIT(1);

	(void)state;
	quiet_begin(&cap);
	refcount_inc(&r);
	assert_int_equal(refcount_read(&r), 2);
	assert_true(refcount_inc_not_zero(&r));
	refcount_dec(&r);
	assert_false(refcount_dec_and_test(&r));
	assert_true(refcount_dec_and_test(&r));
	assert_int_equal(refcount_read(&r), 0);
	assert_false(refcount_inc_not_zero(&r));	/* no report */
	assert_int_equal(refcount_read(&r), 0);
	quiet_end();
	assert_int_equal(cap.n, 0);
}

static void test_refcount_inc_from_zero_is_reported_and_saturates(void **state)
{
	refcount_t r = REFCOUNT_INIT(0);

	(void)state;
	quiet_begin(&cap);
	refcount_inc(&r);
	quiet_end();
	one_report_titled(PCL_CHK_API, "addition on 0");
	assert_int_equal(refcount_read(&r), REFCOUNT_SATURATED);
}

static void test_refcount_underflow_is_reported_and_saturates(void **state)
{
	refcount_t r = REFCOUNT_INIT(0);

	(void)state;
	quiet_begin(&cap);
	assert_false(refcount_dec_and_test(&r));
	quiet_end();
	one_report_titled(PCL_CHK_API, "underflow");
	assert_int_equal(refcount_read(&r), REFCOUNT_SATURATED);
}

static void test_refcount_dec_to_zero_is_reported(void **state)
{
	refcount_t r = REFCOUNT_INIT(1);

	(void)state;
	quiet_begin(&cap);
	refcount_dec(&r);		/* should have been dec_and_test */
	quiet_end();
	one_report_titled(PCL_CHK_API, "decrement hit 0");
}

static void test_refcount_saturated_stays_saturated(void **state)
{
	refcount_t r = REFCOUNT_INIT(REFCOUNT_SATURATED);

	(void)state;
	quiet_begin(&cap);
	assert_false(refcount_dec_and_test(&r));
	assert_int_equal(refcount_read(&r), REFCOUNT_SATURATED);
	assert_true(refcount_inc_not_zero(&r));
	assert_int_equal(refcount_read(&r), REFCOUNT_SATURATED);
	quiet_end();
	assert_int_equal(cap.n, 0);
}

struct kobj {
	struct kref kref;
	int released;
};

static void kobj_release(struct kref *k)
{
	container_of(k, struct kobj, kref)->released++;
}

static void test_kref_release_called_once_on_last_put(void **state)
{
	struct kobj o = { .released = 0 };

	(void)state;
	kref_init(&o.kref);
	assert_int_equal(kref_read(&o.kref), 1);
	kref_get(&o.kref);
	assert_true(kref_get_unless_zero(&o.kref));
	assert_int_equal(kref_read(&o.kref), 3);
	assert_int_equal(kref_put(&o.kref, kobj_release), 0);
	assert_int_equal(kref_put(&o.kref, kobj_release), 0);
	assert_int_equal(o.released, 0);
	assert_int_equal(kref_put(&o.kref, kobj_release), 1);
	assert_int_equal(o.released, 1);
	assert_false(kref_get_unless_zero(&o.kref));

	quiet_begin(&cap);
	assert_int_equal(kref_put(&o.kref, kobj_release), 0);	/* one too many */
	quiet_end();
	assert_int_equal(o.released, 1);
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_API), 1);
}

/* ------------------------------------------------------------------ */
/* The allocator                                                        */
/* ------------------------------------------------------------------ */

static void test_kmalloc_records_size_and_kzalloc_zeroes(void **state)
{
	unsigned long live0 = pcl_kmem_live();
	unsigned char *p, *q;

	(void)state;
	p = kmalloc(40, GFP_KERNEL);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 16, 0);
	assert_int_equal(ksize(p), 40);
	memset(p, 0xa5, 40);
	assert_int_equal(pcl_kmem_live(), live0 + 1);
	q = kzalloc(100, GFP_KERNEL);
	assert_non_null(q);
	for (int i = 0; i < 100; i++)
		assert_int_equal(q[i], 0);
	assert_int_equal(pcl_kmem_live(), live0 + 2);
	kfree(p);
	kfree(q);
	assert_int_equal(pcl_kmem_live(), live0);
}

static void test_kcalloc_and_kmalloc_array_overflow_return_null(void **state)
{
	unsigned long live0 = pcl_kmem_live();
	size_t n = SIZE_MAX / 2 + 1;
	uint32_t *a;

	(void)state;
	assert_null(kcalloc(n, 2, GFP_KERNEL));
	assert_null(kmalloc_array(SIZE_MAX, 8, GFP_KERNEL));
	assert_null(kmalloc_array(n, n, GFP_KERNEL));
	assert_null(kmalloc((size_t)1 << 41, GFP_KERNEL));
	assert_null(kzalloc(SIZE_MAX, GFP_KERNEL));
	assert_int_equal(pcl_kmem_live(), live0);

	a = kcalloc(10, sizeof(*a), GFP_KERNEL);
	assert_non_null(a);
	assert_int_equal(ksize(a), 10 * sizeof(*a));
	for (int i = 0; i < 10; i++)
		assert_int_equal(a[i], 0);
	kfree(a);
	assert_int_equal(pcl_kmem_live(), live0);
}

static void test_krealloc_grows_keeps_contents_and_shrinks_in_place(void **state)
{
	unsigned long live0 = pcl_kmem_live();
	char *p, *q, *r, *z;

	(void)state;
	p = kmalloc(8, GFP_KERNEL);
	strcpy(p, "abcdefg");
	q = krealloc(p, 64, GFP_KERNEL);
	assert_non_null(q);
	assert_string_equal(q, "abcdefg");
	assert_int_equal(ksize(q), 64);
	assert_int_equal(pcl_kmem_live(), live0 + 1);	/* old one freed */
	r = krealloc(q, 16, GFP_KERNEL);
	assert_ptr_equal(r, q);
	assert_string_equal(r, "abcdefg");

	z = krealloc(r, 128, GFP_KERNEL | __GFP_ZERO);
	assert_non_null(z);
	assert_string_equal(z, "abcdefg");
	for (int i = 64; i < 128; i++)
		assert_int_equal(z[i], 0);
	kfree(z);

	p = krealloc(NULL, 10, GFP_KERNEL);
	assert_non_null(p);
	assert_int_equal(ksize(p), 10);
	pcl_kmem_fail_nth(1);
	assert_null(krealloc(p, 1000, GFP_KERNEL));	/* p survives */
	assert_int_equal(ksize(p), 10);
	kfree(p);
	assert_int_equal(pcl_kmem_live(), live0);
}

static void test_kstrdup_copies(void **state)
{
	unsigned long live0 = pcl_kmem_live();
	static const char src[] = "pci0000:00";
	char *d;

	(void)state;
	d = kstrdup(src, GFP_KERNEL);
	assert_non_null(d);
	assert_ptr_not_equal(d, src);
	assert_string_equal(d, src);
	assert_int_equal(ksize(d), sizeof(src));
	assert_null(kstrdup(NULL, GFP_KERNEL));
	kfree(d);
	assert_int_equal(pcl_kmem_live(), live0);
}

static void test_kfree_null_is_fine(void **state)
{
	unsigned long live0 = pcl_kmem_live();

	(void)state;
	quiet_begin(&cap);
	kfree(NULL);
	kvfree(NULL);
	assert_int_equal(ksize(NULL), 0);
	quiet_end();
	assert_int_equal(cap.n, 0);
	assert_int_equal(pcl_kmem_live(), live0);
}

static void test_double_kfree_is_reported(void **state)
{
#if defined(PCL_TEST_ASAN) || defined(PCL_TSAN)
	(void)state;
	skip();		/* the sanitizer owns use-after-free detection */
#else
	unsigned long live0 = pcl_kmem_live();
	void *p;

	(void)state;
	p = kmalloc(24, GFP_KERNEL);
	kfree(p);
	quiet_begin(&cap);
	kfree(p);
	quiet_end();
	one_report_titled(PCL_CHK_API, "double free");
	assert_int_equal(pcl_kmem_live(), live0);
#endif
}

static void test_kfree_of_foreign_pointer_is_reported(void **state)
{
	static _Alignas(64) unsigned char buf[256];
	unsigned long live0 = pcl_kmem_live();

	(void)state;
	quiet_begin(&cap);
	kfree(buf + 128);
	quiet_end();
	one_report_titled(PCL_CHK_API, "not a kmalloc'd pointer");
	assert_int_equal(pcl_kmem_live(), live0);
}

static void test_owner_close_reports_each_live_allocation_at_its_site(void **state)
{
	unsigned long live0 = pcl_kmem_live();
	struct pcl_kmem_owner *o, *prev;
	void *a, *b, *c, *d, *e;
	int la, lb;
	unsigned long n;

	(void)state;
	o = pcl_kmem_owner_new("t0", "leaky");
	assert_non_null(o);
	prev = pcl_kmem_owner_switch(o);
	assert_null(prev);
	assert_ptr_equal(pcl_ctx()->kmem_owner, o);
	la = __LINE__ + 1;
	a = kmalloc(11, GFP_KERNEL);
	lb = __LINE__ + 1;
	b = kstrdup("leaked", GFP_KERNEL);
	c = kzalloc(13, GFP_KERNEL);	/* freed: not a leak */
	d = kmalloc(14, GFP_KERNEL);	/* kmemleak_not_leak(): not a leak */
	assert_ptr_equal(pcl_kmem_owner_switch(prev), o);
	e = kmalloc(15, GFP_KERNEL);	/* charged to nobody */
	kfree(c);
	kmemleak_not_leak(d);

	quiet_begin(&cap);
	n = pcl_kmem_owner_close(o, "testbus");
	quiet_end();

	assert_int_equal(n, 2);
	assert_int_equal(cap.n, 2);
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_LEAK), 2);
	for (int i = 0; i < 2; i++) {
		assert_string_equal(cap.r[i].file, __FILE__);
		assert_string_equal(cap.r[i].device, "t0");
		assert_string_equal(cap.r[i].driver, "leaky");
		assert_contains(cap.r[i].title, "unreferenced object");
	}
	/* in allocation order */
	assert_int_equal(cap.r[0].line, la);
	assert_int_equal(cap.r[1].line, lb);
	assert_contains(cap.r[0].title, "(size 11)");
	assert_contains(cap.r[1].detail, __func__);

	kfree(a);
	kfree(b);
	kfree(d);
	kfree(e);
	assert_int_equal(pcl_kmem_live(), live0);
}

static void test_owner_close_with_nothing_left_reports_nothing(void **state)
{
	struct pcl_kmem_owner *o = pcl_kmem_owner_new("t1", "tidy");
	struct pcl_kmem_owner *prev;
	void *p;

	(void)state;
	prev = pcl_kmem_owner_switch(o);
	p = kmalloc(8, GFP_KERNEL);
	kfree(p);
	pcl_kmem_owner_switch(prev);
	quiet_begin(&cap);
	assert_int_equal(pcl_kmem_owner_close(o, NULL), 0);
	quiet_end();
	assert_int_equal(cap.n, 0);
}

static void test_owner_close_summarises_beyond_detail_limit(void **state)
{
	unsigned long live0 = pcl_kmem_live();
	struct pcl_kmem_owner *o = pcl_kmem_owner_new("t2", "very-leaky");
	struct pcl_kmem_owner *prev;
	void *p[11];

	(void)state;
	prev = pcl_kmem_owner_switch(o);
	for (int i = 0; i < 11; i++)
		p[i] = kmalloc(10, GFP_KERNEL);
	pcl_kmem_owner_switch(prev);
	quiet_begin(&cap);
	assert_int_equal(pcl_kmem_owner_close(o, "testbus"), 11);
	quiet_end();
	/* 8 detailed reports, then one summary for the other 3 */
	assert_int_equal(cap.n, 9);
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_LEAK), 9);
	assert_contains(cap.r[8].title, "3 more unreferenced objects (110 bytes in all)");
	for (int i = 0; i < 11; i++)
		kfree(p[i]);
	assert_int_equal(pcl_kmem_live(), live0);
}

static void test_kmem_check_all_reports_every_live_allocation_once(void **state)
{
	unsigned long live0 = pcl_kmem_live();
	void *a, *b;
	unsigned long n;

	(void)state;
	a = kmalloc(1, GFP_KERNEL);
	b = kmalloc(2, GFP_KERNEL);
	quiet_begin(&cap);
	n = pcl_kmem_check_all();
	quiet_end();
	assert_true(n >= 2);
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_LEAK) > 0, 1);
	quiet_begin(&cap);
	assert_int_equal(pcl_kmem_check_all(), 0);	/* already reported */
	quiet_end();
	assert_int_equal(cap.n, 0);
	kfree(a);
	kfree(b);
	assert_int_equal(pcl_kmem_live(), live0);
}

static void test_fail_nth_fails_exactly_the_nth_allocation(void **state)
{
	unsigned long live0 = pcl_kmem_live();
	void *p[4];

	(void)state;
	pcl_kmem_fail_nth(2);
	for (int i = 0; i < 4; i++)
		p[i] = kmalloc(8, GFP_KERNEL);
	assert_non_null(p[0]);
	assert_null(p[1]);
	assert_non_null(p[2]);
	assert_non_null(p[3]);
	for (int i = 0; i < 4; i++)
		kfree(p[i]);
	assert_int_equal(pcl_kmem_live(), live0);

	pcl_kmem_fail_nth(1);
	assert_null(kstrdup("x", GFP_KERNEL));
	p[0] = kstrdup("x", GFP_KERNEL);
	assert_non_null(p[0]);
	kfree(p[0]);

	pcl_kmem_fail_nth(2);
	pcl_kmem_fail_nth(0);		/* disarmed */
	for (int i = 0; i < 4; i++) {
		p[i] = kzalloc(8, GFP_KERNEL);
		assert_non_null(p[i]);
	}
	for (int i = 0; i < 4; i++)
		kfree(p[i]);
	assert_int_equal(pcl_kmem_live(), live0);
}

/* ------------------------------------------------------------------ */
/* RCU                                                                  */
/* ------------------------------------------------------------------ */

struct rcu_probe {
	int pad;
	struct rcu_head rh;
	int ran;
	bool softirq, task, atomic;
	int tid;
};

static void rcu_probe_cb(struct rcu_head *h)
{
	struct rcu_probe *p = container_of(h, struct rcu_probe, rh);

	p->ran++;
	p->softirq = in_softirq();
	p->task = in_task();
	p->atomic = pcl_in_atomic();
	p->tid = pcl_ctx()->tid;
}

static void test_call_rcu_callback_runs_in_softirq_after_barrier(void **state)
{
	struct rcu_probe p = { 0 };
	unsigned long gp0 = pcl_rcu_grace_periods();

	(void)state;
	call_rcu(&p.rh, rcu_probe_cb);
	rcu_barrier();
	assert_int_equal(p.ran, 1);
	assert_true(p.softirq);
	assert_false(p.task);
	assert_true(p.atomic);
	assert_int_not_equal(p.tid, pcl_ctx()->tid);	/* the callback thread */
	assert_int_equal(pcl_rcu_pending(), 0);
	assert_true(pcl_rcu_grace_periods() > gp0);
	rcu_barrier();			/* nothing queued: returns at once */
	assert_int_equal(p.ran, 1);
}

static void test_call_rcu_runs_every_callback_exactly_once(void **state)
{
	enum { N = 200 };
	static struct rcu_probe p[N];

	(void)state;
	memset(p, 0, sizeof(p));
	for (int i = 0; i < N; i++)
		call_rcu(&p[i].rh, rcu_probe_cb);
	rcu_barrier();
	for (int i = 0; i < N; i++)
		assert_int_equal(p[i].ran, 1);
	assert_int_equal(pcl_rcu_pending(), 0);
}

static void test_call_rcu_from_hardirq_is_legal(void **state)
{
	struct rcu_probe p = { 0 };

	(void)state;
	quiet_begin(&cap);
	pcl_hardirq_enter();
	spin_lock(&slock);
	call_rcu(&p.rh, rcu_probe_cb);
	spin_unlock(&slock);
	pcl_hardirq_exit();
	rcu_barrier();
	quiet_end();
	assert_int_equal(cap.n, 0);
	assert_int_equal(p.ran, 1);
}

static void sleepy_cb(struct rcu_head *h)
{
	(void)h;
	msleep(1);
}

static void test_sleeping_in_rcu_callback_is_reported(void **state)
{
	struct rcu_head h;
	const struct pcl_report *r;

	(void)state;
	quiet_begin(&cap);
	call_rcu(&h, sleepy_cb);
	rcu_barrier();
	quiet_end();
	assert_int_equal(cap.n, 1);
	r = pcl_capture_find(&cap, PCL_CHK_ATOMIC_SLEEP);
	assert_non_null(r);
	assert_int_equal(r->atomic, 1);
	assert_contains(r->detail, "in soft-IRQ context");
}

struct rcu_obj {
	long payload[3];
	struct rcu_head rcu;
	char tail[20];
};

struct rcu_obj0 {
	struct rcu_head rcu;
	int x;
};

static void test_kfree_rcu_frees_after_grace_period(void **state)
{
	unsigned long live0 = pcl_kmem_live();
	struct rcu_obj *o = kzalloc(sizeof(*o), GFP_KERNEL);
	struct rcu_obj0 *o0 = kzalloc(sizeof(*o0), GFP_KERNEL);

	(void)state;
	assert_non_null(o);
	assert_non_null(o0);
	assert_int_equal(pcl_kmem_live(), live0 + 2);
	kfree_rcu(o, rcu);
	kfree_rcu(o0, rcu);		/* rcu_head at offset 0 */
	rcu_barrier();
	assert_int_equal(pcl_rcu_pending(), 0);
	assert_int_equal(pcl_kmem_live(), live0);
}

static void test_synchronize_rcu_counts_grace_periods(void **state)
{
	unsigned long gp0;

	(void)state;
	rcu_barrier();
	gp0 = pcl_rcu_grace_periods();
	synchronize_rcu();
	assert_int_equal(pcl_rcu_grace_periods(), gp0 + 1);
	synchronize_rcu();
	synchronize_rcu();
	assert_int_equal(pcl_rcu_grace_periods(), gp0 + 3);
}

static void test_rcu_read_lock_nests(void **state)
{
	(void)state;
	assert_false(rcu_read_lock_held());
	rcu_read_lock();
	rcu_read_lock();
	assert_true(rcu_read_lock_held());
	assert_int_equal(pcl_ctx()->rcu_depth, 2);
	assert_false(pcl_in_atomic());	/* RCU readers are not "atomic" here */
	rcu_read_unlock();
	assert_true(rcu_read_lock_held());
	rcu_read_unlock();
	assert_false(rcu_read_lock_held());
}

static void test_rcu_read_unlock_without_lock_is_reported(void **state)
{
	(void)state;
	quiet_begin(&cap);
	rcu_read_unlock();
	quiet_end();
	assert_int_equal(cap.n, 1);
	assert_int_equal(cap.r[0].checker, PCL_CHK_LOCKDEP);
	assert_int_equal(pcl_ctx()->rcu_depth, 0);
}

static void test_rcu_pointer_publish_and_read(void **state)
{
	static int x = 1, y = 2;
	static int *gp;
	int *p;

	(void)state;
	RCU_INIT_POINTER(gp, &x);
	rcu_read_lock();
	p = rcu_dereference(gp);
	rcu_read_unlock();
	assert_ptr_equal(p, &x);
	rcu_assign_pointer(gp, &y);
	assert_ptr_equal(rcu_access_pointer(gp), &y);
	assert_ptr_equal(rcu_dereference_protected(gp, 1), &y);
}

/* ------------------------------------------------------------------ */
/* Tasks                                                                */
/* ------------------------------------------------------------------ */

struct kt_data {
	int base;
	int loops;
	char comm[16];
	char task_comm[16];
	bool stop_seen_early;
	int wait_ret;
};

static int kt_loop_fn(void *data)
{
	struct kt_data *d = data;

	snprintf(d->comm, sizeof(d->comm), "%s", pcl_ctx()->comm);
	snprintf(d->task_comm, sizeof(d->task_comm), "%s", current->comm);
	while (!kthread_should_stop()) {
		d->loops++;
		msleep(1);
	}
	return d->base + 1;
}

static void test_kthread_runs_until_stopped_and_returns_its_code(void **state)
{
	struct kt_data d = { .base = 41 };
	struct task_struct *t;

	(void)state;
	t = kthread_run(kt_loop_fn, &d, "pcl-worker");
	assert_false(IS_ERR_OR_NULL(t));
	msleep(20);
	assert_int_equal(kthread_stop(t), 42);
	assert_true(d.loops >= 1);
	assert_string_equal(d.comm, "pcl-worker");
	assert_string_equal(d.task_comm, "pcl-worker");
	assert_false(kthread_should_stop());	/* not us */
}

static int kt_return_early_fn(void *data)
{
	(void)data;
	return -EIO;
}

static void test_kthread_that_returns_early_still_stops(void **state)
{
	struct task_struct *t;

	(void)state;
	t = kthread_run(kt_return_early_fn, NULL, "early");
	assert_false(IS_ERR_OR_NULL(t));
	msleep(5);
	assert_int_equal(kthread_stop(t), -EIO);
}

static DECLARE_WAIT_QUEUE_HEAD(kt_wq);

static int kt_wait_fn(void *data)
{
	struct kt_data *d = data;

	d->wait_ret = wait_event_interruptible(kt_wq, kthread_should_stop());
	return 7;
}

static void test_kthread_stop_wakes_a_sleeping_thread(void **state)
{
	struct kt_data d = { .wait_ret = -1 };
	struct task_struct *t;
	long t0 = now_ms();

	(void)state;
	t = kthread_run(kt_wait_fn, &d, "sleeper");
	assert_false(IS_ERR_OR_NULL(t));
	msleep(10);
	assert_int_equal(kthread_stop(t), 7);
	assert_int_equal(d.wait_ret, 0);	/* the condition came true */
	assert_true(now_ms() - t0 < 3000);
}

static void test_kthread_stop_on_a_task_kthread_run_did_not_make(void **state)
{
	(void)state;
	quiet_begin(&cap);
	assert_int_equal(kthread_stop(current), -EINVAL);
	quiet_end();
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_API), 1);
}

static void test_current_is_stable_per_thread(void **state)
{
	struct task_struct *me = current;

	(void)state;
	assert_non_null(me);
	assert_ptr_equal(current, me);
	assert_int_equal(me->tid, pcl_ctx()->tid);
	assert_false(signal_pending(me));
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, ctx_clean)
	const struct CMUnitTest tests[] = {
		/* context */
		T(test_spin_lock_makes_caller_atomic_until_unlock),
		T(test_spin_lock_init_names_the_lock),
		T(test_kmalloc_gfp_kernel_under_spinlock_reports_once_at_call_site),
		T(test_kzalloc_kcalloc_kstrdup_gfp_kernel_under_spinlock_report_their_lines),
		T(test_kmalloc_gfp_atomic_under_spinlock_is_silent),
		T(test_mutex_lock_in_hardirq_reports_atomic_sleep_and_lockdep),
		T(test_mutex_lock_in_process_context_is_silent),
		T(test_mutex_init_and_destroy),
		T(test_might_sleep_inside_rcu_read_lock_reports),
		T(test_synchronize_rcu_inside_read_section_reports_and_returns),
		T(test_spin_lock_irqsave_restores_irqs_disabled_exactly),
		T(test_local_irq_enable_in_hardirq_is_reported_and_ignored),
		T(test_local_irq_disable_makes_caller_atomic),
		T(test_preempt_disable_makes_caller_atomic),
		T(test_irq_context_predicates),
		T(test_busy_delays_are_legal_in_atomic_context),
		T(test_msleep_sleeps_and_reports_in_atomic_context),
		/* recursion, ownership, balance */
		T(test_spin_trylock_fails_while_held_elsewhere),
		T(test_recursive_spin_lock_is_reported_and_unlocks_pair),
		T(test_spin_unlock_of_unheld_lock_is_reported),
		T(test_recursive_mutex_lock_is_reported_and_unlocks_pair),
		T(test_mutex_unlock_by_non_owner_is_reported),
		T(test_mutex_lock_interruptible_fails_with_signal_pending),
		T(test_lockdep_asserts_report_only_when_violated),
		/* rwsem */
		T(test_rwsem_readers_share_and_exclude_writers),
		T(test_rwsem_writer_excludes_everyone),
		T(test_rwsem_downgrade_keeps_lock_for_read),
		T(test_rwsem_down_read_by_write_owner_is_reported_not_deadlocked),
		T(test_rwsem_recursive_down_write_is_reported_not_deadlocked),
		T(test_rwsem_up_write_by_non_writer_is_reported),
		T(test_rwsem_up_read_by_writer_is_reported_and_keeps_write_lock),
		T(test_rwsem_in_atomic_context_reports),
		/* completions */
		T(test_completion_counts_each_complete),
		T(test_complete_all_releases_every_wait_until_reinit),
		T(test_wait_for_completion_timeout_returns_zero_on_timeout),
		T(test_wait_for_completion_timeout_returns_remaining_when_done),
		T(test_wait_for_completion_timeout_woken_before_deadline),
		T(test_wait_for_completion_interruptible_returns_erestartsys_on_signal),
		T(test_wait_for_completion_in_atomic_context_reports),
		/* wait queues */
		T(test_wait_event_timeout_returns_zero_when_condition_stays_false),
		T(test_wait_event_timeout_returns_positive_when_condition_true),
		T(test_wait_event_timeout_woken_by_another_thread),
		T(test_wait_event_interruptible_returns_erestartsys_on_signal_from_another_thread),
		T(test_wait_event_interruptible_prefers_a_true_condition),
		T(test_wait_event_in_atomic_context_reports),
		T(test_wake_up_without_sleepers_is_harmless),
		/* atomics, refcounts */
		T(test_atomic_operations),
		T(test_refcount_normal_use_is_silent),
		T(test_refcount_inc_from_zero_is_reported_and_saturates),
		T(test_refcount_underflow_is_reported_and_saturates),
		T(test_refcount_dec_to_zero_is_reported),
		T(test_refcount_saturated_stays_saturated),
		T(test_kref_release_called_once_on_last_put),
		/* allocator */
		T(test_kmalloc_records_size_and_kzalloc_zeroes),
		T(test_kcalloc_and_kmalloc_array_overflow_return_null),
		T(test_krealloc_grows_keeps_contents_and_shrinks_in_place),
		T(test_kstrdup_copies),
		T(test_kfree_null_is_fine),
		T(test_double_kfree_is_reported),
		T(test_kfree_of_foreign_pointer_is_reported),
		T(test_owner_close_reports_each_live_allocation_at_its_site),
		T(test_owner_close_with_nothing_left_reports_nothing),
		T(test_owner_close_summarises_beyond_detail_limit),
		T(test_kmem_check_all_reports_every_live_allocation_once),
		T(test_fail_nth_fails_exactly_the_nth_allocation),
		/* RCU */
		T(test_call_rcu_callback_runs_in_softirq_after_barrier),
		T(test_call_rcu_runs_every_callback_exactly_once),
		T(test_call_rcu_from_hardirq_is_legal),
		T(test_sleeping_in_rcu_callback_is_reported),
		T(test_kfree_rcu_frees_after_grace_period),
		T(test_synchronize_rcu_counts_grace_periods),
		T(test_rcu_read_lock_nests),
		T(test_rcu_read_unlock_without_lock_is_reported),
		T(test_rcu_pointer_publish_and_read),
		/* tasks */
		T(test_kthread_runs_until_stopped_and_returns_its_code),
		T(test_kthread_that_returns_early_still_stops),
		T(test_kthread_stop_wakes_a_sleeping_thread),
		T(test_kthread_stop_on_a_task_kthread_run_did_not_make),
		T(test_current_is_stable_per_thread),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
