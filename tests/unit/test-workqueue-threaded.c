// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Tests of timers and workqueues (src/sync/timer.c, src/sync/workqueue.c)
 * and of their managed forms (src/base/devm-work.c): when and where works
 * and timers run, what flush and cancel wait for, and a stress of
 * queue/cancel/flush from several threads.  Runs under ThreadSanitizer
 * too, so every wait is bounded and an alarm() guards against hangs.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcilab/base.h>

#include "pcltest.h"

#define HANG_GUARD_S	20
#define WAIT_MS		2000	/* the longest any single wait may take */

/* ---- fixture ---- */

static struct pcl_capture cap;
static unsigned long live0;
static unsigned int expect_reports;	/* set by a test that wants some */

static int setup(void **state)
{
	(void)state;
	expect_reports = 0;
	live0 = fixture_begin(&cap);
	alarm(HANG_GUARD_S);
	return 0;
}

static int teardown(void **state)
{
	int ret;

	alarm(0);
	ret = fixture_end(&cap, expect_reports, live0);
	return ret ? ret : ctx_clean(state);
}

/* Plain sleep, not through pcilab (no context check). */
static void sleep_ms(long ms)
{
	usleep((useconds_t)ms * 1000);
}

/* Poll until *@v >= @n or WAIT_MS pass.  Return: true if reached. */
static bool wait_atomic_ge(atomic_t *v, int n)
{
	long end = now_ms() + WAIT_MS;

	while (atomic_read(v) < n) {
		if (now_ms() > end)
			return false;
		sleep_ms(1);
	}
	return true;
}

/* ---- a counting work ---- */

struct twork {
	struct work_struct work;
	atomic_t runs;
	atomic_t started, finished;
	atomic_t bad_ctx;		/* runs in the wrong context */
	atomic_t inside;		/* instances running now */
	atomic_t reentered;		/* ran concurrently with itself */
	long sleep_ms;			/* how long each run takes */
	struct completion *gate;	/* if set, each run waits for it */
	long ran_at;			/* now_ms() at the last run */
	struct mutex m;
};

static void twork_fn(struct work_struct *work)
{
	struct twork *t = container_of(work, struct twork, work);

	if (atomic_inc_return(&t->inside) != 1)
		atomic_inc(&t->reentered);
	atomic_inc(&t->started);
	if (!in_task() || pcl_in_atomic() || in_softirq() ||
	    current_work() != work)
		atomic_inc(&t->bad_ctx);
	/* might_sleep-safe: a sleeping lock here must give no report */
	mutex_lock(&t->m);
	t->ran_at = now_ms();
	mutex_unlock(&t->m);
	if (t->gate &&
	    !wait_for_completion_timeout(t->gate, msecs_to_jiffies(WAIT_MS)))
		atomic_inc(&t->bad_ctx);
	if (t->sleep_ms)
		msleep((unsigned int)t->sleep_ms);
	atomic_inc(&t->runs);
	atomic_inc(&t->finished);
	atomic_dec(&t->inside);
}

static void twork_init(struct twork *t)
{
	memset(t, 0, sizeof(*t));
	mutex_init(&t->m);
	INIT_WORK(&t->work, twork_fn);
}

/* ------------------------------------------------------------------ */
/* queue_work                                                           */
/* ------------------------------------------------------------------ */

static void test_queue_work_runs_once_in_process_context(void **state)
{
	struct workqueue_struct *wq = alloc_ordered_workqueue("t-once", 0);
	DECLARE_COMPLETION(gate);
	struct twork blocker, w;

	(void)state;
	assert_non_null(wq);
	twork_init(&blocker);
	twork_init(&w);
	blocker.gate = &gate;

	/* hold the only worker, so that @w stays pending */
	assert_true(queue_work(wq, &blocker.work));
	assert_true(wait_atomic_ge(&blocker.started, 1));
	assert_true(queue_work(wq, &w.work));
	assert_false(queue_work(wq, &w.work));	/* already pending */
	assert_null(current_work());
	complete(&gate);

	flush_work(&w.work);	/* may or may not wait: it may have run */
	assert_int_equal(atomic_read(&w.runs), 1);
	assert_int_equal(atomic_read(&w.bad_ctx), 0);
	assert_int_equal(atomic_read(&blocker.bad_ctx), 0);
	assert_null(current_work());
	/* nothing more runs */
	sleep_ms(20);
	assert_int_equal(atomic_read(&w.runs), 1);
	/* idle: flushing has nothing to wait for */
	assert_false(flush_work(&w.work));
	/* and it can be queued again */
	assert_true(queue_work(wq, &w.work));
	flush_workqueue(wq);
	assert_int_equal(atomic_read(&w.runs), 2);
	destroy_workqueue(wq);
	assert_int_equal(cap.n, 0);
}

/* ------------------------------------------------------------------ */
/* flush_work, cancel_work_sync                                         */
/* ------------------------------------------------------------------ */

struct completer {
	struct completion *c;
	long ms;
};

static void *completer_thread(void *arg)
{
	struct completer *c = arg;

	sleep_ms(c->ms);
	complete(c->c);
	return NULL;
}

static void test_flush_work_waits_for_queued_and_running(void **state)
{
	struct workqueue_struct *wq = alloc_ordered_workqueue("t-flush", 0);
	DECLARE_COMPLETION(gate);
	struct completer cp = { &gate, 30 };
	struct twork blocker, w;
	pthread_t th;
	long t0;

	(void)state;
	assert_non_null(wq);
	twork_init(&blocker);
	twork_init(&w);
	blocker.gate = &gate;

	/* queued behind a blocker released 30 ms from now */
	assert_true(queue_work(wq, &blocker.work));
	assert_true(queue_work(wq, &w.work));
	th = start_thread(completer_thread, &cp);
	assert_true(flush_work(&w.work));
	assert_int_equal(atomic_read(&w.runs), 1);
	assert_int_equal(atomic_read(&blocker.runs), 1);
	join_thread(th);

	/* running: a 50 ms work */
	w.sleep_ms = 50;
	assert_true(queue_work(wq, &w.work));
	assert_true(wait_atomic_ge(&w.started, 2));
	t0 = now_ms();
	assert_true(flush_work(&w.work));
	assert_int_equal(atomic_read(&w.finished), 2);
	assert_true(now_ms() - t0 >= 20);
	destroy_workqueue(wq);
	assert_int_equal(cap.n, 0);
}

static void test_cancel_work_sync_of_pending_work_prevents_it(void **state)
{
	struct workqueue_struct *wq = alloc_ordered_workqueue("t-cancel", 0);
	DECLARE_COMPLETION(gate);
	struct twork blocker, w;

	(void)state;
	assert_non_null(wq);
	twork_init(&blocker);
	twork_init(&w);
	blocker.gate = &gate;

	assert_true(queue_work(wq, &blocker.work));
	assert_true(wait_atomic_ge(&blocker.started, 1));
	assert_true(queue_work(wq, &w.work));
	assert_true(cancel_work_sync(&w.work));
	assert_false(cancel_work_sync(&w.work));	/* no longer pending */
	complete(&gate);
	flush_workqueue(wq);	/* must not wait for the cancelled one */
	assert_int_equal(atomic_read(&blocker.runs), 1);
	sleep_ms(20);
	assert_int_equal(atomic_read(&w.runs), 0);
	destroy_workqueue(wq);
	assert_int_equal(atomic_read(&w.runs), 0);
	assert_int_equal(cap.n, 0);
}

static void test_cancel_work_sync_waits_for_running_work(void **state)
{
	struct workqueue_struct *wq = alloc_workqueue("t-cancel-run", 0, 2);
	struct twork w;
	long t0;

	(void)state;
	assert_non_null(wq);
	twork_init(&w);
	w.sleep_ms = 50;
	assert_true(queue_work(wq, &w.work));
	assert_true(wait_atomic_ge(&w.started, 1));
	t0 = now_ms();
	assert_false(cancel_work_sync(&w.work));	/* running, not pending */
	assert_int_equal(atomic_read(&w.finished), 1);
	assert_true(now_ms() - t0 >= 20);
	destroy_workqueue(wq);
	assert_int_equal(cap.n, 0);
}

/* A work that queues itself again at every run, until told to stop. */
struct requeue {
	struct work_struct work;
	struct workqueue_struct *wq;
	atomic_t runs;
};

static void requeue_fn(struct work_struct *work)
{
	struct requeue *r = container_of(work, struct requeue, work);

	atomic_inc(&r->runs);
	sleep_ms(1);
	queue_work(r->wq, work);
}

static void test_cancel_work_sync_stops_self_requeueing_work(void **state)
{
	struct requeue r;
	int runs;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.wq = alloc_workqueue("t-requeue", 0, 4);
	assert_non_null(r.wq);
	INIT_WORK(&r.work, requeue_fn);
	assert_true(queue_work(r.wq, &r.work));
	assert_true(wait_atomic_ge(&r.runs, 5));
	cancel_work_sync(&r.work);
	/* neither pending nor running: it never runs again */
	runs = atomic_read(&r.runs);
	sleep_ms(30);
	assert_int_equal(atomic_read(&r.runs), runs);
	assert_false(flush_work(&r.work));
	destroy_workqueue(r.wq);
	assert_int_equal(atomic_read(&r.runs), runs);
	assert_int_equal(cap.n, 0);
}

/* ------------------------------------------------------------------ */
/* Ordered and concurrent queues, flush_workqueue, destroy_workqueue    */
/* ------------------------------------------------------------------ */

#define NORDER	24

struct oswork {
	struct work_struct work;
	int idx;
};

static atomic_t order_n;
static int order_seen[NORDER];

static void order_fn(struct work_struct *work)
{
	struct oswork *o = container_of(work, struct oswork, work);
	int pos = atomic_inc_return(&order_n) - 1;

	if (pos >= 0 && pos < NORDER)
		order_seen[pos] = o->idx;
	if (o->idx % 4 == 0)
		sleep_ms(1);	/* let later works overtake, if they can */
}

static void test_ordered_queue_runs_in_queueing_order(void **state)
{
	struct workqueue_struct *wq = alloc_ordered_workqueue("t-order", 0);
	struct oswork o[NORDER];

	(void)state;
	assert_non_null(wq);
	atomic_set(&order_n, 0);
	for (int i = 0; i < NORDER; i++) {
		o[i].idx = i;
		order_seen[i] = -1;
		INIT_WORK(&o[i].work, order_fn);
	}
	for (int i = 0; i < NORDER; i++)
		assert_true(queue_work(wq, &o[i].work));
	flush_workqueue(wq);
	assert_int_equal(atomic_read(&order_n), NORDER);
	for (int i = 0; i < NORDER; i++)
		assert_int_equal(order_seen[i], i);
	destroy_workqueue(wq);
	assert_int_equal(cap.n, 0);
}

/* Rendezvous: each arrives, then waits (bounded) for all four. */
#define NCONC	4
static atomic_t conc_arrived, conc_met;

static void conc_fn(struct work_struct *work)
{
	long end = now_ms() + WAIT_MS;

	(void)work;
	atomic_inc(&conc_arrived);
	while (atomic_read(&conc_arrived) < NCONC && now_ms() < end)
		sleep_ms(1);
	if (atomic_read(&conc_arrived) >= NCONC)
		atomic_inc(&conc_met);
}

static void test_queue_with_four_workers_runs_works_concurrently(void **state)
{
	struct workqueue_struct *wq = alloc_workqueue("t-conc", 0, NCONC);
	struct work_struct w[NCONC];

	(void)state;
	assert_non_null(wq);
	atomic_set(&conc_arrived, 0);
	atomic_set(&conc_met, 0);
	for (int i = 0; i < NCONC; i++) {
		INIT_WORK(&w[i], conc_fn);
		assert_true(queue_work(wq, &w[i]));
	}
	flush_workqueue(wq);
	assert_int_equal(atomic_read(&conc_arrived), NCONC);
	assert_int_equal(atomic_read(&conc_met), NCONC);
	destroy_workqueue(wq);
	assert_int_equal(cap.n, 0);
}

#define NFLUSH	10

static void test_flush_workqueue_waits_for_everything_queued(void **state)
{
	struct workqueue_struct *wq = alloc_workqueue("t-flushwq", 0, 2);
	struct twork w[NFLUSH];

	(void)state;
	assert_non_null(wq);
	for (int i = 0; i < NFLUSH; i++) {
		twork_init(&w[i]);
		w[i].sleep_ms = 5;
		assert_true(queue_work(wq, &w[i].work));
	}
	flush_workqueue(wq);
	for (int i = 0; i < NFLUSH; i++) {
		assert_int_equal(atomic_read(&w[i].finished), 1);
		assert_int_equal(atomic_read(&w[i].bad_ctx), 0);
	}
	flush_workqueue(wq);	/* nothing queued: returns at once */
	destroy_workqueue(wq);
	assert_int_equal(cap.n, 0);
}

static void test_destroy_workqueue_drains_queued_works(void **state)
{
	struct workqueue_struct *wq = alloc_ordered_workqueue("t-destroy", 0);
	struct twork w[NFLUSH];

	(void)state;
	assert_non_null(wq);
	for (int i = 0; i < NFLUSH; i++) {
		twork_init(&w[i]);
		w[i].sleep_ms = 2;
		assert_true(queue_work(wq, &w[i].work));
	}
	destroy_workqueue(wq);
	for (int i = 0; i < NFLUSH; i++)
		assert_int_equal(atomic_read(&w[i].runs), 1);
	assert_int_equal(cap.n, 0);
}

/* ------------------------------------------------------------------ */
/* Delayed work                                                         */
/* ------------------------------------------------------------------ */

struct tdwork {
	struct delayed_work dw;
	atomic_t runs;
	atomic_t bad_ctx;
	_Atomic long ran_at;
};

static void tdwork_fn(struct work_struct *work)
{
	struct tdwork *t = container_of(to_delayed_work(work), struct tdwork,
					dw);

	if (!in_task() || pcl_in_atomic() || current_work() != work)
		atomic_inc(&t->bad_ctx);
	atomic_store(&t->ran_at, now_ms());
	atomic_inc(&t->runs);
}

static void tdwork_init(struct tdwork *t)
{
	memset(t, 0, sizeof(*t));
	INIT_DELAYED_WORK(&t->dw, tdwork_fn);
}

/* jiffies and now_ms() both truncate to the ms: allow 1 ms of slack. */
#define DELAY_SLACK	1

static void test_delayed_work_runs_after_its_delay(void **state)
{
	struct workqueue_struct *wq = alloc_workqueue("t-delay", 0, 2);
	struct tdwork t;
	long t0, late;

	(void)state;
	assert_non_null(wq);
	tdwork_init(&t);
	t0 = now_ms();
	assert_true(queue_delayed_work(wq, &t.dw, 60));
	assert_false(queue_delayed_work(wq, &t.dw, 60));	/* pending */
	sleep_ms(20);
	assert_int_equal(atomic_read(&t.runs), 0);
	assert_true(wait_atomic_ge(&t.runs, 1));
	late = atomic_load(&t.ran_at) - t0;
	assert_true(late >= 60 - DELAY_SLACK);
	assert_true(late < 60 + 5000);	/* not lost: a bound, not a timing */
	assert_int_equal(atomic_read(&t.bad_ctx), 0);
	sleep_ms(20);
	assert_int_equal(atomic_read(&t.runs), 1);
	destroy_workqueue(wq);
	assert_int_equal(cap.n, 0);
}

static void test_cancel_delayed_work_sync_before_expiry_prevents_it(void **state)
{
	struct workqueue_struct *wq = alloc_workqueue("t-dcancel", 0, 2);
	struct tdwork t;

	(void)state;
	assert_non_null(wq);
	tdwork_init(&t);
	assert_true(queue_delayed_work(wq, &t.dw, 40));
	assert_true(cancel_delayed_work_sync(&t.dw));
	assert_false(cancel_delayed_work_sync(&t.dw));
	sleep_ms(100);
	assert_int_equal(atomic_read(&t.runs), 0);
	destroy_workqueue(wq);
	assert_int_equal(atomic_read(&t.runs), 0);
	assert_int_equal(cap.n, 0);
}

static void test_mod_delayed_work_rearms(void **state)
{
	struct workqueue_struct *wq = alloc_workqueue("t-dmod", 0, 2);
	struct tdwork t;
	long t0, late;

	(void)state;
	assert_non_null(wq);
	tdwork_init(&t);
	assert_true(queue_delayed_work(wq, &t.dw, 30));
	t0 = now_ms();
	assert_true(mod_delayed_work(wq, &t.dw, 150));	/* was pending */
	sleep_ms(80);		/* well past the first expiry */
	assert_int_equal(atomic_read(&t.runs), 0);
	assert_true(wait_atomic_ge(&t.runs, 1));
	late = atomic_load(&t.ran_at) - t0;
	assert_true(late >= 150 - DELAY_SLACK);
	assert_true(late < 150 + 5000);
	/* idle: mod_delayed_work() with no delay queues it at once */
	t0 = now_ms();
	mod_delayed_work(wq, &t.dw, 0);
	assert_true(wait_atomic_ge(&t.runs, 2));
	assert_true(now_ms() - t0 < 5000);	/* not after some delay: at once */
	assert_int_equal(atomic_read(&t.bad_ctx), 0);
	destroy_workqueue(wq);
	assert_int_equal(cap.n, 0);
}

static void test_flush_delayed_work_runs_it_now(void **state)
{
	struct workqueue_struct *wq = alloc_workqueue("t-dflush", 0, 2);
	struct tdwork t;
	long t0;

	(void)state;
	assert_non_null(wq);
	tdwork_init(&t);
	assert_true(queue_delayed_work(wq, &t.dw, 10000));
	t0 = now_ms();
	assert_true(flush_delayed_work(&t.dw));
	assert_int_equal(atomic_read(&t.runs), 1);
	assert_true(now_ms() - t0 < 5000);	/* not the 10 s delay */
	assert_false(timer_pending(&t.dw.timer));
	assert_int_equal(atomic_read(&t.bad_ctx), 0);
	destroy_workqueue(wq);
	assert_int_equal(cap.n, 0);
}

/* A delayed work that re-arms itself at every run (a poller). */
struct poller {
	struct delayed_work dw;
	struct workqueue_struct *wq;
	atomic_t runs;
};

static void poller_fn(struct work_struct *work)
{
	struct poller *p = container_of(to_delayed_work(work), struct poller,
					dw);

	atomic_inc(&p->runs);
	sleep_ms(2);
	queue_delayed_work(p->wq, &p->dw, 1);
}

static void test_cancel_delayed_work_sync_stops_self_rearming_work(void **state)
{
	struct poller p;
	int runs;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.wq = alloc_workqueue("t-poll", 0, 2);
	assert_non_null(p.wq);
	INIT_DELAYED_WORK(&p.dw, poller_fn);
	assert_true(queue_delayed_work(p.wq, &p.dw, 1));
	assert_true(wait_atomic_ge(&p.runs, 5));
	cancel_delayed_work_sync(&p.dw);
	runs = atomic_read(&p.runs);
	assert_false(timer_pending(&p.dw.timer));
	sleep_ms(30);
	assert_int_equal(atomic_read(&p.runs), runs);
	destroy_workqueue(p.wq);
	assert_int_equal(atomic_read(&p.runs), runs);
	assert_int_equal(cap.n, 0);
}

/* ------------------------------------------------------------------ */
/* Timers                                                               */
/* ------------------------------------------------------------------ */

struct ttimer {
	struct timer_list t;
	atomic_t fired, started, finished;
	atomic_t in_softirq_ok;
	long busy_ms;		/* spin this long in the callback */
	bool alloc;		/* kmalloc(GFP_KERNEL) inside */
	int id;
};

static atomic_t tord_n;
static _Atomic int tord_seen[3];	/* read before the callback ends */

static void ttimer_fn(struct timer_list *tl)
{
	struct ttimer *t = container_of(tl, struct ttimer, t);
	int pos;

	atomic_inc(&t->started);
	if (in_softirq() && !in_task() && pcl_in_atomic())
		atomic_inc(&t->in_softirq_ok);
	if (t->alloc)
		kfree(kmalloc(16, GFP_KERNEL));	/* sleeping alloc: reported */
	if (t->busy_ms) {
		long end = now_ms() + t->busy_ms;

		while (now_ms() < end)
			usleep(1000);	/* plain libc: no context check */
	}
	pos = atomic_inc_return(&tord_n) - 1;
	if (pos >= 0 && pos < 3)
		tord_seen[pos] = t->id;
	atomic_inc(&t->fired);
	atomic_inc(&t->finished);
}

static void ttimer_init(struct ttimer *t, int id)
{
	memset(t, 0, sizeof(*t));
	t->id = id;
	timer_setup(&t->t, ttimer_fn, 0);
}

static void test_mod_timer_fires_once_in_softirq(void **state)
{
	struct ttimer t;
	long t0;

	(void)state;
	atomic_set(&tord_n, 0);
	ttimer_init(&t, 0);
	t.alloc = true;
	quiet();	/* the capture goes on; fixture_end() prints again */
	t0 = now_ms();
	assert_int_equal(mod_timer(&t.t, jiffies + 20), 0);
	assert_true(timer_pending(&t.t));
	assert_true(wait_atomic_ge(&t.fired, 1));
	assert_true(now_ms() - t0 >= 20 - DELAY_SLACK);
	assert_int_equal(atomic_read(&t.in_softirq_ok), 1);
	sleep_ms(40);
	assert_int_equal(atomic_read(&t.fired), 1);
	assert_false(timer_pending(&t.t));
	/* the GFP_KERNEL kmalloc() in soft-IRQ context */
	assert_captured(&cap, PCL_CHK_ATOMIC_SLEEP, 1);
	expect_reports = 1;
}

static void test_del_timer_before_expiry_prevents_it(void **state)
{
	struct ttimer t;

	(void)state;
	ttimer_init(&t, 0);
	assert_int_equal(mod_timer(&t.t, jiffies + 30), 0);
	assert_int_equal(mod_timer(&t.t, jiffies + 40), 1);	/* re-armed */
	assert_int_equal(del_timer(&t.t), 1);
	assert_int_equal(del_timer(&t.t), 0);
	assert_false(timer_pending(&t.t));
	sleep_ms(80);
	assert_int_equal(atomic_read(&t.fired), 0);
	assert_int_equal(cap.n, 0);
}

static void test_del_timer_sync_waits_for_running_callback(void **state)
{
	struct ttimer t;
	long t0;

	(void)state;
	ttimer_init(&t, 0);
	t.busy_ms = 50;
	assert_int_equal(mod_timer(&t.t, jiffies), 0);
	assert_true(wait_atomic_ge(&t.started, 1));
	t0 = now_ms();
	assert_int_equal(del_timer_sync(&t.t), 0);	/* running, not pending */
	assert_int_equal(atomic_read(&t.finished), 1);
	assert_true(now_ms() - t0 >= 20);
	assert_int_equal(cap.n, 0);
}

static void test_timers_fire_in_expiry_order(void **state)
{
	struct ttimer t[3];
	unsigned long now;

	(void)state;
	atomic_set(&tord_n, 0);
	for (int i = 0; i < 3; i++) {
		ttimer_init(&t[i], i);
		tord_seen[i] = -1;
	}
	now = jiffies;
	mod_timer(&t[0].t, now + 45);
	mod_timer(&t[1].t, now + 15);
	mod_timer(&t[2].t, now + 30);
	assert_true(wait_atomic_ge(&tord_n, 3));
	assert_int_equal(tord_seen[0], 1);
	assert_int_equal(tord_seen[1], 2);
	assert_int_equal(tord_seen[2], 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(atomic_read(&t[i].fired), 1);
	assert_int_equal(cap.n, 0);
}

/* ------------------------------------------------------------------ */
/* The system queue                                                     */
/* ------------------------------------------------------------------ */

static void test_schedule_work_runs_on_system_wq(void **state)
{
	struct twork w;

	(void)state;
	assert_non_null(system_wq);
	assert_ptr_equal(system_wq, pcl_system_wq());
	twork_init(&w);
	assert_true(schedule_work(&w.work));
	assert_ptr_equal(w.work.wq, system_wq);
	flush_work(&w.work);
	assert_int_equal(atomic_read(&w.runs), 1);
	assert_int_equal(atomic_read(&w.bad_ctx), 0);
	assert_true(queue_work(system_wq, &w.work));
	flush_workqueue(system_wq);
	assert_int_equal(atomic_read(&w.runs), 2);
	assert_int_equal(cap.n, 0);
}

/* ------------------------------------------------------------------ */
/* Managed forms                                                        */
/* ------------------------------------------------------------------ */

struct wq_priv {
	struct workqueue_struct *wq;
	struct work_struct work;	/* requeues itself */
	struct delayed_work poll;	/* re-arms itself every ms */
	struct delayed_work far;	/* far in the future */
	struct work_struct sys;		/* on system_wq, requeues itself */
	void *buf;
};

static atomic_t dm_work_runs, dm_poll_runs, dm_far_runs, dm_sys_runs;
static atomic_t dm_probes, dm_errors;

static void dm_work_fn(struct work_struct *work)
{
	struct wq_priv *p = container_of(work, struct wq_priv, work);

	atomic_inc(&dm_work_runs);
	memset((char *)p->buf + 0, 0x5a, 8);	/* use the binding's memory */
	sleep_ms(1);
	queue_work(p->wq, work);
}

static void dm_poll_fn(struct work_struct *work)
{
	struct wq_priv *p = container_of(to_delayed_work(work),
					 struct wq_priv, poll);

	atomic_inc(&dm_poll_runs);
	memset((char *)p->buf + 8, 0xa5, 8);
	queue_delayed_work(p->wq, &p->poll, 1);
}

static void dm_far_fn(struct work_struct *work)
{
	(void)work;
	atomic_inc(&dm_far_runs);
}

static void dm_sys_fn(struct work_struct *work)
{
	struct wq_priv *p = container_of(work, struct wq_priv, sys);

	atomic_inc(&dm_sys_runs);
	memset((char *)p->buf + 16, 0x3c, 8);
	sleep_ms(1);
	schedule_work(work);
}

static int dm_probe(struct testbus_device *tdev,
		    const struct testbus_device_id *id)
{
	struct device *dev = &tdev->dev;
	struct wq_priv *p;

	(void)id;
	atomic_inc(&dm_probes);
	p = devm_kzalloc(dev, sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->buf = devm_kzalloc(dev, 64, GFP_KERNEL);
	if (!p->buf)
		return -ENOMEM;
	p->wq = devm_alloc_workqueue(dev, "dm-wq", 0, 2);
	if (!p->wq)
		return -ENOMEM;
	if (devm_work_autocancel(dev, &p->work, dm_work_fn) ||
	    devm_delayed_work_autocancel(dev, &p->poll, dm_poll_fn) ||
	    devm_delayed_work_autocancel(dev, &p->far, dm_far_fn) ||
	    devm_work_autocancel(dev, &p->sys, dm_sys_fn))
		return -ENOMEM;
	if (!queue_work(p->wq, &p->work) ||
	    !queue_delayed_work(p->wq, &p->poll, 1) ||
	    !queue_delayed_work(p->wq, &p->far, 60000) ||
	    !schedule_work(&p->sys))
		atomic_inc(&dm_errors);
	return 0;
}

static const struct testbus_device_id dm_ids[] = {
	{ 0x1d0f, 0x0777 },
	{ 0, 0 },
};

static struct testbus_driver dm_driver = {
	.name = "wq-devm",
	.id_table = dm_ids,
	.probe = dm_probe,
};

static void test_devm_work_is_fenced_at_unbind(void **state)
{
	struct testbus_device *tdev;
	int a, b, c;

	(void)state;
	atomic_set(&dm_work_runs, 0);
	atomic_set(&dm_poll_runs, 0);
	atomic_set(&dm_far_runs, 0);
	atomic_set(&dm_sys_runs, 0);
	atomic_set(&dm_probes, 0);
	atomic_set(&dm_errors, 0);
	assert_int_equal(testbus_driver_register(&dm_driver), 0);
	tdev = testbus_device_create("wqdev0", 0x1d0f, 0x0777);
	assert_false(IS_ERR(tdev));
	assert_int_equal(atomic_read(&dm_probes), 1);
	assert_ptr_equal(tdev->dev.driver, &dm_driver.driver);
	assert_int_equal(atomic_read(&dm_errors), 0);

	assert_true(wait_atomic_ge(&dm_work_runs, 5));
	assert_true(wait_atomic_ge(&dm_poll_runs, 5));
	assert_true(wait_atomic_ge(&dm_sys_runs, 5));

	device_release_driver(&tdev->dev);
	assert_null(tdev->dev.driver);
	a = atomic_read(&dm_work_runs);
	b = atomic_read(&dm_poll_runs);
	c = atomic_read(&dm_sys_runs);
	sleep_ms(100);
	assert_int_equal(atomic_read(&dm_work_runs), a);
	assert_int_equal(atomic_read(&dm_poll_runs), b);
	assert_int_equal(atomic_read(&dm_sys_runs), c);
	assert_int_equal(atomic_read(&dm_far_runs), 0);

	testbus_device_destroy(tdev);
	testbus_driver_unregister(&dm_driver);
	assert_int_equal(cap.n, 0);
}

/* ------------------------------------------------------------------ */
/* Stress                                                               */
/* ------------------------------------------------------------------ */

#define NSTRESS_W	3
#define NSTRESS_T	4
#define STRESS_ITERS	1500

static struct workqueue_struct *stress_wq;
static struct twork stress_w[NSTRESS_W];
static atomic_t stress_queued, stress_cancelled;

static void *stress_thread(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;

	for (int i = 0; i < STRESS_ITERS; i++) {
		struct twork *t = &stress_w[rand_r(&seed) % NSTRESS_W];

		switch (rand_r(&seed) % 8) {
		case 0:
			if (cancel_work_sync(&t->work))
				atomic_inc(&stress_cancelled);
			break;
		case 1:
			flush_work(&t->work);
			break;
		case 2:
			if (i % 64 == 0)
				flush_workqueue(stress_wq);
			break;
		default:
			if (queue_work(stress_wq, &t->work))
				atomic_inc(&stress_queued);
			break;
		}
	}
	return NULL;
}

static void test_stress_queue_cancel_flush_is_consistent(void **state)
{
	pthread_t th[NSTRESS_T];
	int runs = 0;

	(void)state;
	stress_wq = alloc_workqueue("t-stress", 0, 4);
	assert_non_null(stress_wq);
	atomic_set(&stress_queued, 0);
	atomic_set(&stress_cancelled, 0);
	for (int i = 0; i < NSTRESS_W; i++)
		twork_init(&stress_w[i]);
	for (int i = 0; i < NSTRESS_T; i++)
		th[i] = start_thread(stress_thread, (void *)(uintptr_t)(i + 1));
	join_threads(th, NSTRESS_T);
	flush_workqueue(stress_wq);
	for (int i = 0; i < NSTRESS_W; i++) {
		assert_false(flush_work(&stress_w[i].work));
		assert_int_equal(atomic_read(&stress_w[i].bad_ctx), 0);
		assert_int_equal(atomic_read(&stress_w[i].reentered), 0);
		assert_int_equal(atomic_read(&stress_w[i].inside), 0);
		assert_int_equal(atomic_read(&stress_w[i].started),
				 atomic_read(&stress_w[i].finished));
		runs += atomic_read(&stress_w[i].runs);
	}
	/* every successful queueing either ran or was cancelled */
	assert_true(atomic_read(&stress_queued) > 0);
	assert_int_equal(runs + atomic_read(&stress_cancelled),
			 atomic_read(&stress_queued));
	destroy_workqueue(stress_wq);
	assert_int_equal(runs, atomic_read(&stress_queued) -
			       atomic_read(&stress_cancelled));
	assert_int_equal(cap.n, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_queue_work_runs_once_in_process_context),
		T(test_flush_work_waits_for_queued_and_running),
		T(test_cancel_work_sync_of_pending_work_prevents_it),
		T(test_cancel_work_sync_waits_for_running_work),
		T(test_cancel_work_sync_stops_self_requeueing_work),
		T(test_ordered_queue_runs_in_queueing_order),
		T(test_queue_with_four_workers_runs_works_concurrently),
		T(test_flush_workqueue_waits_for_everything_queued),
		T(test_destroy_workqueue_drains_queued_works),
		T(test_delayed_work_runs_after_its_delay),
		T(test_cancel_delayed_work_sync_before_expiry_prevents_it),
		T(test_mod_delayed_work_rearms),
		T(test_flush_delayed_work_runs_it_now),
		T(test_cancel_delayed_work_sync_stops_self_rearming_work),
		T(test_mod_timer_fires_once_in_softirq),
		T(test_del_timer_before_expiry_prevents_it),
		T(test_del_timer_sync_waits_for_running_callback),
		T(test_timers_fire_in_expiry_order),
		T(test_schedule_work_runs_on_system_wq),
		T(test_devm_work_is_fenced_at_unbind),
		T(test_stress_queue_cancel_flush_is_consistent),
	};
#undef T

	pcl_base_init();
	/* start the timer thread and the system queue outside any fixture */
	(void)jiffies;
	(void)system_wq;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
