// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Wait queues, completions and sleeping.
 *
 * A wait queue is a sequence number and a condition variable.  A sleeper
 * reads the sequence (pcl__wq_prepare), tests its condition, and sleeps
 * until the sequence moves; a waker makes the condition true, then bumps
 * the sequence and broadcasts.  A wake-up between the test and the sleep
 * moves the sequence, so no wake-up is lost.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <limits.h>
#include <time.h>
#include <pcilab/sync.h>
#include "internal.h"

void init_waitqueue_head(wait_queue_head_t *wq)
{
	/* wq->m is a leaf lock: taken only here, nothing nests inside it,
	 * legal in hard-IRQ context (it is the kernel's wq spinlock).
	 * Deadlines use pthread_cond_clockwait() on CLOCK_MONOTONIC, so a
	 * statically initialised queue needs no condattr. */
	pthread_mutex_init(&wq->m, NULL);
	pthread_cond_init(&wq->cv, NULL);
	wq->seq = 0;
	wq->sleepers = 0;
}

void wake_up(wait_queue_head_t *wq)
{
	pthread_mutex_lock(&wq->m);
	wq->seq++;
	if (wq->sleepers)
		pthread_cond_broadcast(&wq->cv);
	pthread_mutex_unlock(&wq->m);
}

bool waitqueue_active(wait_queue_head_t *wq)
{
	bool active;

	pthread_mutex_lock(&wq->m);
	active = wq->sleepers > 0;
	pthread_mutex_unlock(&wq->m);
	return active;
}

unsigned long pcl__wq_prepare(wait_queue_head_t *wq, const char *file,
			      int line)
{
	unsigned long seq;

	__might_sleep(file, line);
	pthread_mutex_lock(&wq->m);
	seq = wq->seq;
	pthread_mutex_unlock(&wq->m);
	return seq;
}

static struct timespec deadline_after(long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static long ms_until(const struct timespec *dl)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (dl->tv_sec - now.tv_sec) * 1000 +
	     (dl->tv_nsec - now.tv_nsec) / 1000000L;
	return ms > 0 ? ms : 0;
}

int pcl__wq_sleep(wait_queue_head_t *wq, unsigned long seq, long *timeout_ms,
		  bool intr)
{
	struct task_struct *t = pcl_current();
	bool forever = *timeout_ms >= MAX_SCHEDULE_TIMEOUT;
	struct timespec dl = { 0, 0 };
	int ret = 0;

	if (!forever)
		dl = deadline_after(*timeout_ms);
	if (intr)
		pcl__task_set_waiting(t, wq);
	pthread_mutex_lock(&wq->m);
	wq->sleepers++;
	while (wq->seq == seq) {
		if (intr && signal_pending(t)) {
			ret = -ERESTARTSYS;
			break;
		}
		if (forever) {
			pthread_cond_wait(&wq->cv, &wq->m);
		} else if (pthread_cond_clockwait(&wq->cv, &wq->m,
						  CLOCK_MONOTONIC, &dl) ==
			   ETIMEDOUT) {
			ret = wq->seq == seq ? -ETIMEDOUT : 0;
			break;
		}
	}
	wq->sleepers--;
	pthread_mutex_unlock(&wq->m);
	if (intr)
		pcl__task_set_waiting(t, NULL);
	if (!forever)
		*timeout_ms = ret == -ETIMEDOUT ? 0 : ms_until(&dl);
	if (!forever && ret == 0 && *timeout_ms == 0)
		*timeout_ms = 1;	/* woken at the wire: still in time */
	return ret;
}

/* ---- completions ---- */

void init_completion(struct completion *x)
{
	x->done = 0;
	init_waitqueue_head(&x->wait);
}

void reinit_completion(struct completion *x)
{
	pthread_mutex_lock(&x->wait.m);
	x->done = 0;
	pthread_mutex_unlock(&x->wait.m);
}

void complete(struct completion *x)
{
	pthread_mutex_lock(&x->wait.m);
	if (x->done != UINT_MAX)
		x->done++;
	x->wait.seq++;
	pthread_cond_broadcast(&x->wait.cv);
	pthread_mutex_unlock(&x->wait.m);
}

void complete_all(struct completion *x)
{
	pthread_mutex_lock(&x->wait.m);
	x->done = UINT_MAX;
	x->wait.seq++;
	pthread_cond_broadcast(&x->wait.cv);
	pthread_mutex_unlock(&x->wait.m);
}

/* Under x->wait.m: consume one completion if there is one. */
static bool take_done(struct completion *x)
{
	if (!x->done)
		return false;
	if (x->done != UINT_MAX)
		x->done--;
	return true;
}

bool try_wait_for_completion(struct completion *x)
{
	bool ok;

	pthread_mutex_lock(&x->wait.m);
	ok = take_done(x);
	pthread_mutex_unlock(&x->wait.m);
	return ok;
}

bool completion_done(struct completion *x)
{
	bool done;

	pthread_mutex_lock(&x->wait.m);
	done = x->done != 0;
	pthread_mutex_unlock(&x->wait.m);
	return done;
}

long __wait_for_completion(struct completion *x, long timeout, bool intr,
			   const char *file, int line)
{
	struct task_struct *t = pcl_current();
	bool forever = timeout >= MAX_SCHEDULE_TIMEOUT;
	struct timespec dl = { 0, 0 };
	long ret;

	__might_sleep(file, line);
	if (!forever)
		dl = deadline_after(timeout);
	if (intr)
		pcl__task_set_waiting(t, &x->wait);
	pthread_mutex_lock(&x->wait.m);
	x->wait.sleepers++;
	for (;;) {
		if (take_done(x)) {
			ret = forever ? 1 : ms_until(&dl);
			if (ret == 0)
				ret = 1;
			break;
		}
		if (intr && signal_pending(t)) {
			ret = -ERESTARTSYS;
			break;
		}
		if (forever) {
			pthread_cond_wait(&x->wait.cv, &x->wait.m);
		} else if (pthread_cond_clockwait(&x->wait.cv, &x->wait.m,
						  CLOCK_MONOTONIC, &dl) == ETIMEDOUT &&
			   !x->done) {
			ret = 0;
			break;
		}
	}
	x->wait.sleepers--;
	pthread_mutex_unlock(&x->wait.m);
	if (intr)
		pcl__task_set_waiting(t, NULL);
	if (intr && ret > 0)
		ret = 0;	/* the interruptible form returns 0 on success */
	return ret;
}

/* ---- sleeping ---- */

static void nap(unsigned long us)
{
	struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void __pcl_msleep(unsigned int ms, const char *file, int line)
{
	__might_sleep(file, line);
	nap((unsigned long)ms * 1000);
}

void __pcl_usleep(unsigned long us, const char *file, int line)
{
	__might_sleep(file, line);
	nap(us);
}

void udelay(unsigned long us)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		cpu_relax();
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((unsigned long)((now.tv_sec - start.tv_sec) * 1000000L +
				 (now.tv_nsec - start.tv_nsec) / 1000) < us);
}

void mdelay(unsigned long ms)
{
	udelay(ms * 1000);
}

void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}
