// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Multi-threaded tests of the sync layer: mutual exclusion, rwsem writer
 * preference, completions and wait queues across threads, RCU readers
 * against writers that free, and the allocator and report engine under
 * concurrency.  Every test must be clean under ThreadSanitizer and
 * AddressSanitizer ("make tsan" runs the binaries whose name contains
 * "threaded").  Each test is bounded in iterations and time.
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
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcilab/check.h>
#include <pcilab/sync.h>

#include "pcltest.h"

/* Under ThreadSanitizer everything runs several times slower. */
#ifdef PCL_TSAN
#define SCALE	2
#else
#define SCALE	1
#endif

#define NTHREADS	6

/* ---- helpers ---- */

static struct pcl_capture cap;

/* Spin (politely) until @flag is set, for at most @ms.  Return: set? */
static bool wait_flag(atomic_int *flag, long ms)
{
	long end = now_ms() + ms;

	while (!atomic_load(flag)) {
		if (now_ms() > end)
			return false;
		sched_yield();
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Mutual exclusion                                                     */
/* ------------------------------------------------------------------ */

#define COUNTER_LOOPS	(20000 / SCALE)

static DEFINE_SPINLOCK(count_spin);
static DEFINE_MUTEX(count_mutex);
static long counter;		/* under count_spin or count_mutex */
static int in_section;		/* under the same */

struct counter_result {
	int not_atomic;		/* spinlock not atomic, mutex atomic */
	int overlap;		/* someone else was inside */
};

/* The critical section: @held_right says the lock is held as it should be. */
static void count_inside(struct counter_result *res, bool held_right)
{
	if (!held_right)
		res->not_atomic++;
	if (in_section++)
		res->overlap++;
	counter++;
	in_section--;
}

static void *spin_counter_thread(void *arg)
{
	for (int i = 0; i < COUNTER_LOOPS; i++) {
		spin_lock(&count_spin);
		count_inside(arg, pcl_in_atomic());
		spin_unlock(&count_spin);
	}
	return NULL;
}

static void *mutex_counter_thread(void *arg)
{
	for (int i = 0; i < COUNTER_LOOPS; i++) {
		mutex_lock(&count_mutex);
		count_inside(arg, !pcl_in_atomic() &&
				  mutex_is_locked(&count_mutex));
		mutex_unlock(&count_mutex);
	}
	return NULL;
}

/* Run @fn in NTHREADS threads: they must count every loop, one at a time. */
static void run_counter_threads(void *(*fn)(void *))
{
	struct counter_result res[NTHREADS] = { { 0 } };
	pthread_t t[NTHREADS];

	counter = 0;
	quiet_begin(&cap);
	start_threads(t, NTHREADS, fn, res, sizeof(res[0]));
	join_threads(t, NTHREADS);
	quiet_end();
	assert_int_equal(counter, (long)NTHREADS * COUNTER_LOOPS);
	for (int i = 0; i < NTHREADS; i++) {
		assert_int_equal(res[i].not_atomic, 0);
		assert_int_equal(res[i].overlap, 0);
	}
	assert_int_equal(cap.n, 0);
}

static void test_threaded_spinlock_counter_is_exact(void **state)
{
	(void)state;
	run_counter_threads(spin_counter_thread);
}

static void test_threaded_mutex_counter_is_exact(void **state)
{
	(void)state;
	run_counter_threads(mutex_counter_thread);
	assert_false(mutex_is_locked(&count_mutex));
}

/* ------------------------------------------------------------------ */
/* Reader/writer semaphores                                             */
/* ------------------------------------------------------------------ */

static struct rw_semaphore rw;
static struct { long a, b; } pair;	/* invariant b == -a, under rw */
static atomic_int writer_inside;
static atomic_int rw_stop;
/* Readers give up at this time even if not told to stop, so that a
 * starved writer fails the test instead of hanging it. */
static long rw_deadline;
#define RW_PATIENCE_MS	5000

static bool readers_go_on(void)
{
	return !atomic_load(&rw_stop) && now_ms() < rw_deadline;
}

struct rw_reader_result {
	long reads;
	long torn;		/* saw b != -a */
	long writer_seen;	/* a writer inside while we read */
	long max_a;
};

static void *rw_reader_thread(void *arg)
{
	struct rw_reader_result *res = arg;

	while (readers_go_on()) {
		long a, b;

		down_read(&rw);
		if (atomic_load(&writer_inside))
			res->writer_seen++;
		a = pair.a;
		sched_yield();		/* widen the window */
		b = pair.b;
		if (atomic_load(&writer_inside))
			res->writer_seen++;
		up_read(&rw);
		if (b != -a)
			res->torn++;
		if (a > res->max_a)
			res->max_a = a;
		res->reads++;
	}
	return NULL;
}

static void *rw_writer_thread(void *arg)
{
	long n = (long)(intptr_t)arg;

	for (long i = 1; i <= n; i++) {
		down_write(&rw);
		atomic_store(&writer_inside, 1);
		pair.a = i;
		sched_yield();
		pair.b = -i;
		atomic_store(&writer_inside, 0);
		up_write(&rw);
		if (i % 8 == 0)
			sched_yield();
	}
	return NULL;
}

static void test_threaded_rwsem_readers_never_see_half_written_pair(void **state)
{
	enum { NREADERS = 4 };
	const long nwrites = 3000 / SCALE;
	struct rw_reader_result res[NREADERS] = { { 0 } };
	pthread_t r[NREADERS], w;
	long reads = 0;

	(void)state;
	init_rwsem(&rw);
	pair.a = pair.b = 0;
	atomic_store(&rw_stop, 0);
	rw_deadline = now_ms() + RW_PATIENCE_MS;
	start_threads(r, NREADERS, rw_reader_thread, res, sizeof(res[0]));
	w = start_thread(rw_writer_thread, (void *)(intptr_t)nwrites);
	join_thread(w);
	/* the writer finished while the readers were still reading */
	assert_true(now_ms() < rw_deadline);
	atomic_store(&rw_stop, 1);
	join_threads(r, NREADERS);

	for (int i = 0; i < NREADERS; i++) {
		assert_int_equal(res[i].torn, 0);
		assert_int_equal(res[i].writer_seen, 0);
		assert_true(res[i].max_a <= nwrites);
		reads += res[i].reads;
	}
	assert_true(reads > 0);
	assert_int_equal(pair.a, nwrites);
	assert_int_equal(pair.b, -nwrites);
}

static atomic_int order_seq;
static atomic_int writer_order, reader_order;
static atomic_int reader_about_to_lock;

static void *ordered_writer_thread(void *arg)
{
	(void)arg;
	down_write(&rw);
	atomic_store(&writer_order, atomic_fetch_add(&order_seq, 1) + 1);
	up_write(&rw);
	return NULL;
}

static void *ordered_reader_thread(void *arg)
{
	(void)arg;
	atomic_store(&reader_about_to_lock, 1);
	down_read(&rw);
	atomic_store(&reader_order, atomic_fetch_add(&order_seq, 1) + 1);
	up_read(&rw);
	return NULL;
}

static void test_threaded_rwsem_waiting_writer_blocks_new_readers(void **state)
{
	pthread_t w, r;
	bool writer_waits = false;
	long end;

	(void)state;
	init_rwsem(&rw);
	atomic_store(&order_seq, 0);
	atomic_store(&writer_order, 0);
	atomic_store(&reader_order, 0);
	atomic_store(&reader_about_to_lock, 0);

	down_read(&rw);
	w = start_thread(ordered_writer_thread, NULL);
	/* The writer queues behind our read lock; once it waits, even a
	 * read trylock is refused. */
	end = now_ms() + 3000;
	while (now_ms() < end) {
		if (!down_read_trylock(&rw)) {
			writer_waits = true;
			break;
		}
		up_read(&rw);
		msleep(1);
	}
	assert_true(writer_waits);
	assert_int_equal(atomic_load(&writer_order), 0);

	r = start_thread(ordered_reader_thread, NULL);
	assert_true(wait_flag(&reader_about_to_lock, 3000));
	msleep(30);
	/* the new reader waits behind the writer, though only readers hold it */
	assert_int_equal(atomic_load(&reader_order), 0);
	assert_int_equal(atomic_load(&writer_order), 0);

	up_read(&rw);
	join_thread(w);
	join_thread(r);
	assert_int_equal(atomic_load(&writer_order), 1);
	assert_int_equal(atomic_load(&reader_order), 2);
}

static void *busy_reader_thread(void *arg)
{
	long *reads = arg;

	while (readers_go_on()) {
		down_read(&rw);
		udelay(200);
		up_read(&rw);
		(*reads)++;
	}
	return NULL;
}

static void test_threaded_rwsem_writer_not_starved_by_reader_stream(void **state)
{
	enum { NREADERS = 4, NWRITES = 20 };
	long reads[NREADERS] = { 0 };
	pthread_t r[NREADERS];
	long t0, worst = 0, total;

	(void)state;
	init_rwsem(&rw);
	atomic_store(&rw_stop, 0);
	rw_deadline = now_ms() + RW_PATIENCE_MS;
	start_threads(r, NREADERS, busy_reader_thread, reads, sizeof(reads[0]));
	msleep(10);		/* let the readers overlap */
	t0 = now_ms();
	for (int i = 0; i < NWRITES; i++) {
		long s = now_ms(), d;

		down_write(&rw);
		d = now_ms() - s;
		if (d > worst)
			worst = d;
		up_write(&rw);
		msleep(1);
	}
	total = now_ms() - t0;
	atomic_store(&rw_stop, 1);
	join_threads(r, NREADERS);

	/* readers hold it 0.2 ms at a time: a writer waits about that long,
	 * not until the stream of readers dries up */
	assert_true(worst < 1000);
	assert_true(total < 4000);
	for (int i = 0; i < NREADERS; i++)
		assert_true(reads[i] > 0);
}

/* ------------------------------------------------------------------ */
/* Completions and wait queues                                          */
/* ------------------------------------------------------------------ */

#define NITEMS	(2000 / SCALE)

static struct completion produced;
static long items[NITEMS];	/* item i written before the i-th complete() */

static void *producer_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < NITEMS; i++) {
		items[i] = (long)i * 7 + 3;
		complete(&produced);
	}
	return NULL;
}

static void test_threaded_completion_producer_consumer(void **state)
{
	pthread_t p;
	long bad = 0;

	(void)state;
	init_completion(&produced);
	memset(items, 0, sizeof(items));
	p = start_thread(producer_thread, NULL);
	for (int i = 0; i < NITEMS; i++) {
		wait_for_completion(&produced);
		if (items[i] != (long)i * 7 + 3)
			bad++;
	}
	join_thread(p);
	assert_int_equal(bad, 0);
	assert_false(try_wait_for_completion(&produced));	/* all consumed */
}

static struct completion ping, pong;
static long ball;		/* passed back and forth by the completions */

static void *pong_thread(void *arg)
{
	long rounds = (long)(intptr_t)arg;

	for (long i = 0; i < rounds; i++) {
		wait_for_completion(&ping);
		ball = ball * 2 + 1;
		complete(&pong);
	}
	return NULL;
}

static void test_threaded_completion_ping_pong(void **state)
{
	const long rounds = 1000 / SCALE;
	pthread_t t;
	long bad = 0;

	(void)state;
	init_completion(&ping);
	init_completion(&pong);
	t = start_thread(pong_thread, (void *)(intptr_t)rounds);
	for (long i = 0; i < rounds; i++) {
		ball = i;
		complete(&ping);
		wait_for_completion(&pong);
		if (ball != 2 * i + 1)
			bad++;
	}
	join_thread(t);
	assert_int_equal(bad, 0);
	assert_false(completion_done(&ping));
	assert_false(completion_done(&pong));
}

static struct completion gate;
static atomic_int released;

static void *gate_waiter_thread(void *arg)
{
	long *ret = arg;

	wait_for_completion(&gate);
	*ret = wait_for_completion_timeout(&gate, 5000);
	atomic_fetch_add(&released, 1);
	return NULL;
}

static void test_threaded_complete_all_wakes_every_waiter(void **state)
{
	long ret[NTHREADS];
	pthread_t t[NTHREADS];

	(void)state;
	init_completion(&gate);
	atomic_store(&released, 0);
	for (int i = 0; i < NTHREADS; i++)
		ret[i] = -1;
	start_threads(t, NTHREADS, gate_waiter_thread, ret, sizeof(ret[0]));
	msleep(20);
	assert_int_equal(atomic_load(&released), 0);	/* all still waiting */
	complete_all(&gate);
	join_threads(t, NTHREADS);
	assert_int_equal(atomic_load(&released), NTHREADS);
	for (int i = 0; i < NTHREADS; i++)
		assert_true(ret[i] > 0);
}

static DECLARE_WAIT_QUEUE_HEAD(turn_wq);
static atomic_int turn;
static long msg;		/* owned by whoever has the turn */

static void *turn_thread(void *arg)
{
	long rounds = (long)(intptr_t)arg;
	long bad = 0;

	for (long i = 0; i < rounds; i++) {
		wait_event(turn_wq, atomic_load(&turn) == 1);
		if (msg != i)
			bad++;
		msg = -i;
		atomic_store(&turn, 0);
		wake_up(&turn_wq);
	}
	return (void *)(intptr_t)bad;
}

static void test_threaded_wait_event_with_waker_thread(void **state)
{
	const long rounds = 2000 / SCALE;
	pthread_t t;
	void *bad;
	long mine_bad = 0;

	(void)state;
	atomic_store(&turn, 0);
	msg = 0;
	t = start_thread(turn_thread, (void *)(intptr_t)rounds);
	for (long i = 0; i < rounds; i++) {
		wait_event(turn_wq, atomic_load(&turn) == 0);
		if (i > 0 && msg != -(i - 1))
			mine_bad++;
		msg = i;
		atomic_store(&turn, 1);
		wake_up(&turn_wq);
	}
	wait_event(turn_wq, atomic_load(&turn) == 0);
	assert_int_equal(pthread_join(t, &bad), 0);
	assert_int_equal((intptr_t)bad, 0);
	assert_int_equal(mine_bad, 0);
	assert_int_equal(msg, -(rounds - 1));
	assert_false(waitqueue_active(&turn_wq));
}

static void test_threaded_wait_event_timeout_woken_in_time(void **state)
{
	atomic_int flag = 0;
	struct waker w = { .ms = 15, .flag = &flag, .wq = &turn_wq };
	pthread_t t;
	long ret;

	(void)state;
	t = start_waker(&w);
	ret = wait_event_timeout(turn_wq, atomic_load(&flag) != 0, 5000);
	join_thread(t);
	assert_true(ret > 0);
	assert_true(ret < 5000);
}

static DECLARE_WAIT_QUEUE_HEAD(kt_wq);
static atomic_int kt_phase;
static atomic_int kt_rescue;	/* set only if the signal did not work */

static int interruptible_sleeper_fn(void *data)
{
	int *first_ret = data;

	/* First sleep: only a signal should end it. */
	*first_ret = wait_event_interruptible(kt_wq, atomic_load(&kt_rescue));
	atomic_store(&kt_phase, 1);
	pcl_task_clear_signal(current);
	while (!kthread_should_stop())
		msleep(1);
	return 99;
}

static void test_threaded_signal_interrupts_sleeping_kthread(void **state)
{
	struct task_struct *t;
	int first_ret = 0;

	bool asleep, woken;

	(void)state;
	atomic_store(&kt_phase, 0);
	atomic_store(&kt_rescue, 0);
	t = kthread_run(interruptible_sleeper_fn, &first_ret, "sleeper");
	assert_false(IS_ERR_OR_NULL(t));
	msleep(20);
	asleep = atomic_load(&kt_phase) == 0;
	pcl_task_signal(t);
	woken = wait_flag(&kt_phase, 3000);
	if (!woken) {		/* end the sleep so the thread can be stopped */
		atomic_store(&kt_rescue, 1);
		wake_up(&kt_wq);
	}
	assert_int_equal(kthread_stop(t), 99);
	assert_true(asleep);
	assert_true(woken);
	assert_int_equal(first_ret, -ERESTARTSYS);
}

static int count_until_stopped_fn(void *data)
{
	atomic_int *n = data;
	int loops = 0;

	while (!kthread_should_stop()) {
		atomic_fetch_add(n, 1);
		loops++;
		usleep_range(100, 200);
	}
	return loops;
}

static void test_threaded_kthreads_run_concurrently_and_stop(void **state)
{
	enum { N = 4 };
	struct task_struct *t[N];
	atomic_int n = 0;
	long sum = 0;

	(void)state;
	for (int i = 0; i < N; i++) {
		t[i] = kthread_run(count_until_stopped_fn, &n, "counter");
		assert_false(IS_ERR_OR_NULL(t[i]));
	}
	msleep(20);
	for (int i = 0; i < N; i++) {
		int loops = kthread_stop(t[i]);

		assert_true(loops >= 1);
		sum += loops;
	}
	assert_int_equal(sum, atomic_load(&n));
}

/* ------------------------------------------------------------------ */
/* RCU                                                                  */
/* ------------------------------------------------------------------ */

/* Invariant of a live config: b == 3 * a + 1 and magic == CFG_LIVE. */
#define CFG_LIVE	0x11feL
#define CFG_DEAD	0xdeadL

struct cfg {
	long a, b;
	long magic;
	struct rcu_head rcu;
};

static struct cfg *gcfg;	/* RCU-protected */
static atomic_int rcu_stop;

struct rcu_reader_result {
	long reads;
	long bad;
	long last_a;
	long went_back;		/* saw an older config after a newer one */
};

static struct cfg *cfg_new(long a)
{
	struct cfg *c = kmalloc(sizeof(*c), GFP_KERNEL);

	if (!c)		/* no cmocka asserts off the main thread */
		abort();
	c->a = a;
	c->b = 3 * a + 1;
	c->magic = CFG_LIVE;
	return c;
}

/* What a reader must never see: the writer does this before freeing. */
static void cfg_poison(struct cfg *c)
{
	c->a = -1;
	c->b = 0;
	c->magic = CFG_DEAD;
}

static void *rcu_reader_thread(void *arg)
{
	struct rcu_reader_result *res = arg;

	while (!atomic_load(&rcu_stop)) {
		struct cfg *c;
		long a, b, magic;

		rcu_read_lock();
		c = rcu_dereference(gcfg);
		a = c->a;
		if ((res->reads & 15) == 0)
			sched_yield();	/* stay inside across an update */
		b = c->b;
		magic = c->magic;
		rcu_read_unlock();

		if (b != 3 * a + 1 || magic != CFG_LIVE)
			res->bad++;
		if (a < res->last_a)
			res->went_back++;
		res->last_a = a;
		res->reads++;
	}
	return NULL;
}

static void *rcu_sync_writer_thread(void *arg)
{
	long n = (long)(intptr_t)arg;

	for (long i = 1; i <= n; i++) {
		struct cfg *old = rcu_dereference_protected(gcfg, 1);

		rcu_assign_pointer(gcfg, cfg_new(i));
		synchronize_rcu();
		cfg_poison(old);
		kfree(old);
	}
	return NULL;
}

static void cfg_free_rcu(struct rcu_head *h)
{
	struct cfg *c = container_of(h, struct cfg, rcu);

	cfg_poison(c);
	kfree(c);
}

static void *rcu_call_writer_thread(void *arg)
{
	long n = (long)(intptr_t)arg;

	for (long i = 1; i <= n; i++) {
		struct cfg *old = rcu_dereference_protected(gcfg, 1);

		rcu_assign_pointer(gcfg, cfg_new(i));
		call_rcu(&old->rcu, cfg_free_rcu);
		if (i % 16 == 0)
			usleep_range(50, 100);	/* let a few batches form */
	}
	rcu_barrier();
	return NULL;
}

static void run_rcu_readers_against(void *(*writer)(void *), long nwrites)
{
	enum { NREADERS = 3 };
	struct rcu_reader_result res[NREADERS];
	unsigned long live0 = pcl_kmem_live();
	unsigned long gp0 = pcl_rcu_grace_periods();
	pthread_t r[NREADERS], w;
	long reads = 0;

	memset(res, 0, sizeof(res));
	atomic_store(&rcu_stop, 0);
	RCU_INIT_POINTER(gcfg, cfg_new(0));
	quiet_begin(&cap);
	start_threads(r, NREADERS, rcu_reader_thread, res, sizeof(res[0]));
	w = start_thread(writer, (void *)(intptr_t)nwrites);
	join_thread(w);
	atomic_store(&rcu_stop, 1);
	join_threads(r, NREADERS);
	quiet_end();

	for (int i = 0; i < NREADERS; i++) {
		assert_int_equal(res[i].bad, 0);
		assert_int_equal(res[i].went_back, 0);
		assert_true(res[i].last_a <= nwrites);
		reads += res[i].reads;
	}
	assert_true(reads > 0);
	assert_int_equal(cap.n, 0);
	assert_int_equal(rcu_access_pointer(gcfg)->a, nwrites);
	assert_true(pcl_rcu_grace_periods() > gp0);
	kfree(rcu_dereference_protected(gcfg, 1));
	gcfg = NULL;
	assert_int_equal(pcl_rcu_pending(), 0);
	assert_int_equal(pcl_kmem_live(), live0);
}

static void test_threaded_rcu_readers_vs_synchronize_rcu_writer(void **state)
{
	(void)state;
	run_rcu_readers_against(rcu_sync_writer_thread, 300 / SCALE);
}

static void test_threaded_rcu_readers_vs_call_rcu_writer(void **state)
{
	(void)state;
	run_rcu_readers_against(rcu_call_writer_thread, 3000 / SCALE);
}

struct cb_counter {
	struct rcu_head rh;
	atomic_int *count;
	int ran;
};

static void count_cb(struct rcu_head *h)
{
	struct cb_counter *c = container_of(h, struct cb_counter, rh);

	c->ran++;
	if (in_softirq())
		atomic_fetch_add(c->count, 1);
}

#define CB_PER_THREAD	500

static atomic_int cb_count;

static void *call_rcu_thread(void *arg)
{
	struct cb_counter *c = arg;

	for (int i = 0; i < CB_PER_THREAD; i++) {
		c[i].count = &cb_count;
		c[i].ran = 0;
		call_rcu(&c[i].rh, count_cb);
	}
	rcu_barrier();		/* concurrently with the other threads' */
	for (int i = 0; i < CB_PER_THREAD; i++)
		if (c[i].ran != 1)
			return (void *)1;
	return NULL;
}

static void test_threaded_call_rcu_from_many_threads_then_barrier(void **state)
{
	static struct cb_counter cbs[NTHREADS][CB_PER_THREAD];
	pthread_t t[NTHREADS];

	(void)state;
	atomic_store(&cb_count, 0);
	start_threads(t, NTHREADS, call_rcu_thread, cbs, sizeof(cbs[0]));
	for (int i = 0; i < NTHREADS; i++) {
		void *ret;

		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);	/* its own callbacks ran, once each */
	}
	rcu_barrier();
	assert_int_equal(atomic_load(&cb_count), NTHREADS * CB_PER_THREAD);
	assert_int_equal(pcl_rcu_pending(), 0);
}

/* ------------------------------------------------------------------ */
/* Allocator and reports under concurrency                              */
/* ------------------------------------------------------------------ */

#define KMEM_ROUNDS	(20000 / SCALE)
#define KMEM_SLOTS	32

struct kmem_worker {
	int id;
	long corrupt;
	unsigned long leaked;	/* reported by the owner's close */
};

static unsigned int xorshift(unsigned int *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static bool block_ok(const unsigned char *p, unsigned char tag)
{
	size_t n = ksize(p);

	for (size_t i = 0; i < n; i++)
		if (p[i] != tag)
			return false;
	return true;
}

static void *kmem_worker_thread(void *arg)
{
	struct kmem_worker *w = arg;
	unsigned char *slot[KMEM_SLOTS] = { NULL };
	unsigned char tag = (unsigned char)(0x40 + w->id);
	unsigned int seed = 2463534242u + (unsigned int)w->id * 7919u;
	struct pcl_kmem_owner *o = pcl_kmem_owner_new("kmem", "worker");
	struct pcl_kmem_owner *prev = pcl_kmem_owner_switch(o);
	DEFINE_SPINLOCK(l);

	for (int i = 0; i < KMEM_ROUNDS; i++) {
		unsigned int r = xorshift(&seed);
		int k = (int)(r % KMEM_SLOTS);
		size_t sz = 1 + (r >> 8) % 300;

		if (slot[k]) {
			if (!block_ok(slot[k], tag))
				w->corrupt++;
			if (r & 0x10000) {
				/* grow or shrink in place, keep the contents */
				unsigned char *n = krealloc(slot[k], sz, GFP_KERNEL);

				if (n) {
					memset(n, tag, ksize(n));
					slot[k] = n;
				}
				continue;
			}
			kfree(slot[k]);
			slot[k] = NULL;
			continue;
		}
		if (r & 0x20000) {
			spin_lock(&l);
			slot[k] = kmalloc(sz, GFP_ATOMIC);
			spin_unlock(&l);
		} else {
			slot[k] = kzalloc(sz, GFP_KERNEL);
		}
		if (slot[k])
			memset(slot[k], tag, sz);
	}
	for (int k = 0; k < KMEM_SLOTS; k++) {
		if (slot[k] && !block_ok(slot[k], tag))
			w->corrupt++;
		kfree(slot[k]);
	}
	pcl_kmem_owner_switch(prev);
	w->leaked = pcl_kmem_owner_close(o, NULL);
	return NULL;
}

/* Run @fn in NTHREADS threads on @w[], capturing what they report. */
static void run_kmem_workers(struct kmem_worker *w, void *(*fn)(void *))
{
	pthread_t t[NTHREADS];

	for (int i = 0; i < NTHREADS; i++)
		w[i] = (struct kmem_worker){ .id = i };
	quiet_begin(&cap);
	start_threads(t, NTHREADS, fn, w, sizeof(w[0]));
	join_threads(t, NTHREADS);
	quiet_end();
}

static void test_threaded_kmalloc_kfree_balance_live_count(void **state)
{
	struct kmem_worker w[NTHREADS];
	unsigned long live0 = pcl_kmem_live();

	(void)state;
	run_kmem_workers(w, kmem_worker_thread);
	for (int i = 0; i < NTHREADS; i++) {
		assert_int_equal(w[i].corrupt, 0);
		assert_int_equal(w[i].leaked, 0);
	}
	assert_int_equal(cap.n, 0);
	assert_int_equal(pcl_kmem_live(), live0);
}

static void *leaky_worker_thread(void *arg)
{
	struct kmem_worker *w = arg;
	struct pcl_kmem_owner *o = pcl_kmem_owner_new("leak", "leaky");
	struct pcl_kmem_owner *prev = pcl_kmem_owner_switch(o);
	void *keep[3], *drop;

	for (int i = 0; i < 3; i++)
		keep[i] = kmalloc(16, GFP_KERNEL);
	drop = kmalloc(16, GFP_KERNEL);
	kfree(drop);
	pcl_kmem_owner_switch(prev);
	w->leaked = pcl_kmem_owner_close(o, NULL);
	for (int i = 0; i < 3; i++)
		kfree(keep[i]);
	return NULL;
}

static void test_threaded_owners_close_only_their_own_leaks(void **state)
{
	struct kmem_worker w[NTHREADS];
	unsigned long live0 = pcl_kmem_live();

	(void)state;
	run_kmem_workers(w, leaky_worker_thread);
	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(w[i].leaked, 3);
	assert_int_equal(cap.n, 3 * NTHREADS);
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_LEAK), 3 * NTHREADS);
	assert_int_equal(pcl_kmem_live(), live0);
}

#define REPORTS_PER_THREAD	8

static void *bad_sleeper_thread(void *arg)
{
	DEFINE_SPINLOCK(l);

	(void)arg;
	for (int i = 0; i < REPORTS_PER_THREAD; i++) {
		void *p;

		spin_lock(&l);
		p = kmalloc(8, GFP_KERNEL);	/* reported */
		spin_unlock(&l);
		kfree(p);
	}
	return NULL;
}

static void test_threaded_reports_from_many_threads_are_all_captured(void **state)
{
	enum { N = 4 };
	pthread_t t[N];
	unsigned long before = pcl_report_count(PCL_CHK_ATOMIC_SLEEP);
	bool seen[N * REPORTS_PER_THREAD] = { false };
	unsigned long seq0 = ULONG_MAX;

	(void)state;
	quiet_begin(&cap);
	start_threads(t, N, bad_sleeper_thread, NULL, 0);
	join_threads(t, N);
	quiet_end();
	assert_int_equal(cap.n, N * REPORTS_PER_THREAD);
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_ATOMIC_SLEEP),
			 N * REPORTS_PER_THREAD);
	assert_int_equal(pcl_report_count(PCL_CHK_ATOMIC_SLEEP),
			 before + N * REPORTS_PER_THREAD);
	/* every report has its own sequence number */
	for (unsigned int i = 0; i < cap.n; i++)
		if (cap.r[i].seq < seq0)
			seq0 = cap.r[i].seq;
	for (unsigned int i = 0; i < cap.n; i++) {
		unsigned long k = cap.r[i].seq - seq0;

		assert_true(k < N * REPORTS_PER_THREAD);
		assert_false(seen[k]);
		seen[k] = true;
		assert_string_equal(cap.r[i].file, __FILE__);
	}
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, ctx_clean)
	const struct CMUnitTest tests[] = {
		T(test_threaded_spinlock_counter_is_exact),
		T(test_threaded_mutex_counter_is_exact),
		T(test_threaded_rwsem_readers_never_see_half_written_pair),
		T(test_threaded_rwsem_waiting_writer_blocks_new_readers),
		T(test_threaded_rwsem_writer_not_starved_by_reader_stream),
		T(test_threaded_completion_producer_consumer),
		T(test_threaded_completion_ping_pong),
		T(test_threaded_complete_all_wakes_every_waiter),
		T(test_threaded_wait_event_with_waker_thread),
		T(test_threaded_wait_event_timeout_woken_in_time),
		T(test_threaded_signal_interrupts_sleeping_kthread),
		T(test_threaded_kthreads_run_concurrently_and_stop),
		T(test_threaded_rcu_readers_vs_synchronize_rcu_writer),
		T(test_threaded_rcu_readers_vs_call_rcu_writer),
		T(test_threaded_call_rcu_from_many_threads_then_barrier),
		T(test_threaded_kmalloc_kfree_balance_live_count),
		T(test_threaded_owners_close_only_their_own_leaks),
		T(test_threaded_reports_from_many_threads_are_all_captured),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
