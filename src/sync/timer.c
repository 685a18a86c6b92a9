// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Timers: callbacks at a time, run in soft-IRQ context on one timer
 * thread (started on first use), as the kernel runs them from the timer
 * softirq.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <time.h>
#include <pcilab/sync.h>

/*
 * timer_lock protects the pending list, every timer's entry/pending/
 * expires, and running.  A raw leaf: mod_timer() is legal anywhere.
 */
static pthread_mutex_t timer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t timer_cv;			/* list changed / ran one */
static pthread_once_t timer_once = PTHREAD_ONCE_INIT;
static LIST_HEAD(timers);			/* sorted by expires */
static struct timer_list *running;		/* callback in progress */
static struct timespec t0;

static void t0_init(void)
{
	clock_gettime(CLOCK_MONOTONIC, &t0);
}

unsigned long pcl_jiffies(void)
{
	struct timespec now;

	pthread_once(&timer_once, t0_init);
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (unsigned long)((now.tv_sec - t0.tv_sec) * 1000 +
			       (now.tv_nsec - t0.tv_nsec) / 1000000);
}

static void *timer_main(void *arg)
{
	(void)arg;
	pcl_ctx_set_comm("ktimer");
	pthread_mutex_lock(&timer_lock);
	for (;;) {
		struct timer_list *t;
		unsigned long now;

		if (list_empty(&timers)) {
			pthread_cond_wait(&timer_cv, &timer_lock);
			continue;
		}
		t = list_first_entry(&timers, struct timer_list, entry);
		pthread_mutex_unlock(&timer_lock);
		now = pcl_jiffies();
		pthread_mutex_lock(&timer_lock);
		if (t != list_first_entry(&timers, struct timer_list, entry) ||
		    list_empty(&timers))
			continue;	/* the list changed meanwhile */
		if ((long)(t->expires - now) > 0) {
			struct timespec dl;
			unsigned long ms = t->expires - now;

			clock_gettime(CLOCK_MONOTONIC, &dl);
			dl.tv_sec += (time_t)(ms / 1000);
			dl.tv_nsec += (long)(ms % 1000) * 1000000L;
			if (dl.tv_nsec >= 1000000000L) {
				dl.tv_sec++;
				dl.tv_nsec -= 1000000000L;
			}
			pthread_cond_clockwait(&timer_cv, &timer_lock,
					       CLOCK_MONOTONIC, &dl);
			continue;
		}
		list_del_init(&t->entry);
		t->pending = false;
		running = t;
		pthread_mutex_unlock(&timer_lock);
		pcl_softirq_enter();
		t->function(t);
		pcl_softirq_exit();
		pthread_mutex_lock(&timer_lock);
		running = NULL;
		pthread_cond_broadcast(&timer_cv);
	}
	return NULL;
}

static void timer_init(void)
{
	pthread_condattr_t a;
	pthread_attr_t attr;
	pthread_t th;

	pthread_once(&timer_once, t0_init);
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&timer_cv, &a);
	pthread_condattr_destroy(&a);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_create(&th, &attr, timer_main, NULL);
	pthread_attr_destroy(&attr);
}

static void timers_start(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, timer_init);
}

void timer_setup(struct timer_list *t, void (*fn)(struct timer_list *t),
		 unsigned int flags)
{
	(void)flags;
	t->function = fn;
	t->expires = 0;
	t->pending = false;
	INIT_LIST_HEAD(&t->entry);
	timers_start();
}

/* Under timer_lock. */
static int detach_locked(struct timer_list *t)
{
	if (!t->pending)
		return 0;
	list_del_init(&t->entry);
	t->pending = false;
	return 1;
}

int mod_timer(struct timer_list *t, unsigned long expires)
{
	struct timer_list *pos;
	int was;

	timers_start();
	pthread_mutex_lock(&timer_lock);
	was = detach_locked(t);
	t->expires = expires;
	list_for_each_entry(pos, &timers, entry)
		if ((long)(pos->expires - expires) > 0)
			break;
	list_add_tail(&t->entry, &pos->entry);	/* before @pos */
	t->pending = true;
	pthread_cond_broadcast(&timer_cv);
	pthread_mutex_unlock(&timer_lock);
	return was;
}

int del_timer(struct timer_list *t)
{
	int was;

	pthread_mutex_lock(&timer_lock);
	was = detach_locked(t);
	pthread_mutex_unlock(&timer_lock);
	return was;
}

int del_timer_sync(struct timer_list *t)
{
	int was;

	might_sleep();
	pthread_mutex_lock(&timer_lock);
	was = detach_locked(t);
	while (running == t)
		pthread_cond_wait(&timer_cv, &timer_lock);
	pthread_mutex_unlock(&timer_lock);
	return was;
}

bool timer_pending(const struct timer_list *t)
{
	bool p;

	pthread_mutex_lock(&timer_lock);
	p = t->pending;
	pthread_mutex_unlock(&timer_lock);
	return p;
}
