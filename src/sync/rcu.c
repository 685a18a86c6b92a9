// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * RCU over liburcu's "memb" flavour.
 *
 * The read side is liburcu's, inlined (see pcilab/sync.h).  Grace periods
 * are liburcu's synchronize_rcu().  call_rcu() is ours, so that callbacks
 * run in soft-IRQ context (sleeping in one is reported, as in the kernel),
 * so that pending callbacks can be counted at teardown, and so that every
 * grace period is counted: pcilab's benchmarks report grace periods per
 * operation.  Callbacks queued while a grace period is in progress are all
 * served by the next one.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <pcilab/sync.h>

/*
 * liburcu's non-inline entry points.  <urcu/urcu-memb.h> cannot be
 * included here: it defines struct rcu_head and call_rcu, which are
 * pcilab's names in this program.
 */
void urcu_memb_synchronize_rcu(void);
void urcu_memb_register_thread(void);
void urcu_memb_unregister_thread(void);

__thread int pcl__rcu_registered;
int pcl__rcu_tsan_sync;

static atomic_ulong grace_periods;

static pthread_key_t rcu_key;
static pthread_once_t rcu_key_once = PTHREAD_ONCE_INIT;

static void rcu_thread_exit(void *arg)
{
	(void)arg;
	urcu_memb_unregister_thread();
}

static void rcu_key_init(void)
{
	pthread_key_create(&rcu_key, rcu_thread_exit);
}

void pcl__rcu_register_self(void)
{
	pthread_once(&rcu_key_once, rcu_key_init);
	urcu_memb_register_thread();
	pthread_setspecific(rcu_key, (void *)1);
	pcl__rcu_registered = 1;
}

void pcl__rcu_read_unlock_slow(void)
{
	pcl_report(PCL_CHK_LOCKDEP, NULL, __FILE__, __LINE__,
		   "rcu_read_unlock() without rcu_read_lock()");
}

static void grace_period(void)
{
	urcu_memb_synchronize_rcu();
	atomic_fetch_add(&grace_periods, 1);
#ifdef PCL_TSAN
	__tsan_acquire(&pcl__rcu_tsan_sync);
#endif
	pcl_trace(PCL_TR_SYNC, "rcu grace period %lu",
		  atomic_load(&grace_periods));
}

/* Grace periods this thread waited for: its synchronize_rcu() calls and
 * the callback batches its rcu_barrier() calls waited on. */
static __thread unsigned long gp_waited;

void __synchronize_rcu(const char *file, int line)
{
	__might_sleep(file, line);
	if (pcl_ctx()->rcu_depth) {
		pcl_report(PCL_CHK_LOCKDEP, NULL, file, line,
			   "synchronize_rcu() inside an RCU read-side section would deadlock; not waiting");
		return;
	}
	grace_period();
	gp_waited++;
}

unsigned long pcl_rcu_grace_periods(void)
{
	return atomic_load(&grace_periods);
}

unsigned long pcl_rcu_grace_periods_waited(void)
{
	return gp_waited;
}

/* ---- callbacks ---- */

/*
 * cb_lock protects the queue and the counters below.  A leaf lock (raw
 * pthread mutex): call_rcu() is legal in any context, hard-IRQ included.
 */
static pthread_mutex_t cb_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cb_more = PTHREAD_COND_INITIALIZER;	/* work queued */
static pthread_cond_t cb_done = PTHREAD_COND_INITIALIZER;	/* batch ran */
static struct rcu_head *cb_head, **cb_tail = &cb_head;
static unsigned long cb_queued, cb_completed;
static unsigned long cb_batches;	/* grace periods the thread ran */
static unsigned int cb_barriers;	/* rcu_barrier() callers waiting */
static bool cb_thread_started;

/*
 * Batching: the callback thread waits this long after the first callback
 * of a batch, so that the callbacks an unbind or a teardown queues one by
 * one (a freed IRQ descriptor each) share one grace period, as they do in
 * the kernel, where a grace period takes milliseconds anyway.  An
 * rcu_barrier() cuts the wait short.
 */
#define CB_BATCH_US	1000
static pthread_t cb_thread;

static void run_callback(struct rcu_head *h)
{
	uintptr_t f = (uintptr_t)h->func;

	if (f < 4096)	/* kfree_rcu(): func is the head's offset */
		kfree((char *)h - f);
	else
		h->func(h);
}

static void *cb_main(void *arg)
{
	(void)arg;
	pcl_ctx_set_comm("rcu_cb");
	for (;;) {
		struct rcu_head *batch;
		unsigned long n = 0;

		pthread_mutex_lock(&cb_lock);
		while (!cb_head)
			pthread_cond_wait(&cb_more, &cb_lock);
		if (!cb_barriers) {
			struct timespec dl;

			clock_gettime(CLOCK_REALTIME, &dl);
			dl.tv_nsec += CB_BATCH_US * 1000L;
			if (dl.tv_nsec >= 1000000000L) {
				dl.tv_sec++;
				dl.tv_nsec -= 1000000000L;
			}
			while (!cb_barriers &&
			       pthread_cond_timedwait(&cb_more, &cb_lock, &dl) != ETIMEDOUT)
				;
		}
		batch = cb_head;
		cb_head = NULL;
		cb_tail = &cb_head;
		pthread_mutex_unlock(&cb_lock);

		grace_period();

		pcl_softirq_enter();
		while (batch) {
			struct rcu_head *next = batch->next;

			run_callback(batch);
			batch = next;
			n++;
		}
		pcl_softirq_exit();

		pthread_mutex_lock(&cb_lock);
		cb_completed += n;
		cb_batches++;
		pthread_cond_broadcast(&cb_done);
		pthread_mutex_unlock(&cb_lock);
	}
	return NULL;
}

void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head))
{
	head->func = func;
	head->next = NULL;
	pthread_mutex_lock(&cb_lock);
	if (!cb_thread_started) {
		pthread_attr_t attr;

		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&cb_thread, &attr, cb_main, NULL) == 0)
			cb_thread_started = true;
		pthread_attr_destroy(&attr);
	}
	if (!cb_thread_started) {
		/* No thread: serve the callback synchronously, if we may. */
		pthread_mutex_unlock(&cb_lock);
		if (!pcl_in_atomic() && !pcl_ctx()->rcu_depth) {
			grace_period();
			run_callback(head);
		} else {
			pcl_report(PCL_CHK_LEAK, NULL, __FILE__, __LINE__,
				   "call_rcu(): no callback thread; callback dropped");
		}
		return;
	}
	/* Wake the thread only if it is idle: while it gathers a batch, more
	 * callbacks just join it (no wake-up per callback). */
	if (!cb_head)
		pthread_cond_signal(&cb_more);
	*cb_tail = head;
	cb_tail = &head->next;
	cb_queued++;
	pthread_mutex_unlock(&cb_lock);
}

void __kfree_rcu(struct rcu_head *head, size_t offset)
{
	call_rcu(head, (void (*)(struct rcu_head *))(uintptr_t)offset);
}

void __rcu_barrier(const char *file, int line)
{
	unsigned long target;

	unsigned long b0;

	__might_sleep(file, line);
	pthread_mutex_lock(&cb_lock);
	target = cb_queued;
	b0 = cb_batches;
	if (cb_completed < target) {
		cb_barriers++;
		pthread_cond_signal(&cb_more);	/* no more batching: go */
		while (cb_completed < target)
			pthread_cond_wait(&cb_done, &cb_lock);
		cb_barriers--;
	}
	gp_waited += cb_batches - b0;
	pthread_mutex_unlock(&cb_lock);
}

unsigned long pcl_rcu_pending(void)
{
	unsigned long n;

	pthread_mutex_lock(&cb_lock);
	n = cb_queued - cb_completed;
	pthread_mutex_unlock(&cb_lock);
	return n;
}
