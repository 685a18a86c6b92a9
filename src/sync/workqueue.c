// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Workqueues: works run in process context on a queue's worker threads,
 * so a driver's remove() can fence its own deferred work the way real
 * drivers do (cancel_work_sync, flush_workqueue, destroy_workqueue).
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <pcilab/sync.h>

#define WQ_MAX_WORKERS	8

struct workqueue_struct {
	char name[32];
	/*
	 * lock protects the queue, every queued work's entry/pending, the
	 * running[] slots and the counters.  A raw leaf: queue_work() is
	 * legal in any context.
	 */
	pthread_mutex_t lock;
	pthread_cond_t more;		/* works queued, or stopping */
	pthread_cond_t done;		/* a work finished */
	struct list_head queue;
	unsigned int nworkers;
	struct task_struct *workers[WQ_MAX_WORKERS];
	struct work_struct *running[WQ_MAX_WORKERS];
	unsigned long queued, finished;	/* for flush_workqueue() */
	bool stopping;
};

static __thread struct work_struct *tls_current_work;

/*
 * work->wq and dw->wq are set by queue_work() and queue_delayed_work()
 * and read, unlocked, by flush and cancel on other threads: atomic.
 */
#define wq_get(p)	__atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define wq_set(p, v)	__atomic_store_n(&(p), (v), __ATOMIC_RELEASE)

struct work_struct *current_work(void)
{
	return tls_current_work;
}

/* Under wq->lock: is @work running on one of @wq's workers? */
static bool running_locked(struct workqueue_struct *wq, struct work_struct *w)
{
	for (unsigned int i = 0; i < wq->nworkers; i++)
		if (wq->running[i] == w)
			return true;
	return false;
}

/* Under wq->lock: the first queued work not running elsewhere, or NULL. */
static struct work_struct *next_work_locked(struct workqueue_struct *wq)
{
	struct work_struct *w;

	list_for_each_entry(w, &wq->queue, entry)
		if (!running_locked(wq, w))
			return w;
	return NULL;
}

struct worker_arg {
	struct workqueue_struct *wq;
	unsigned int slot;
};

static int worker_main(void *data)
{
	struct worker_arg *a = data;
	struct workqueue_struct *wq = a->wq;
	unsigned int slot = a->slot;

	free(a);
	pthread_mutex_lock(&wq->lock);
	for (;;) {
		struct work_struct *w;

		/*
		 * A work is never run by two workers at once (the kernel's
		 * non-reentrancy): one queued again while it runs waits
		 * until it is done; its worker then takes it.
		 */
		while (!(w = next_work_locked(wq)) &&
		       !(wq->stopping && list_empty(&wq->queue)))
			pthread_cond_wait(&wq->more, &wq->lock);
		if (!w)
			break;		/* stopping, drained */
		list_del_init(&w->entry);
		w->pending = false;
		wq->running[slot] = w;
		pthread_mutex_unlock(&wq->lock);

		tls_current_work = w;
		w->func(w);		/* @w may be freed by its function */
		tls_current_work = NULL;

		pthread_mutex_lock(&wq->lock);
		wq->running[slot] = NULL;
		wq->finished++;
		pthread_cond_broadcast(&wq->done);
		if (wq->stopping)	/* idle workers may be waiting to exit */
			pthread_cond_broadcast(&wq->more);
	}
	pthread_mutex_unlock(&wq->lock);
	return 0;
}

struct workqueue_struct *alloc_workqueue(const char *name, unsigned int flags,
					 int max_active)
{
	struct workqueue_struct *wq;
	unsigned int n = max_active <= 0 ? 1 :
			 (unsigned int)max_active > WQ_MAX_WORKERS ? WQ_MAX_WORKERS :
			 (unsigned int)max_active;

	(void)flags;
	might_sleep();
	wq = calloc(1, sizeof(*wq));	/* core memory, not a binding's */
	if (!wq)
		return NULL;
	snprintf(wq->name, sizeof(wq->name), "%s", name ? name : "wq");
	pthread_mutex_init(&wq->lock, NULL);
	pthread_cond_init(&wq->more, NULL);
	pthread_cond_init(&wq->done, NULL);
	INIT_LIST_HEAD(&wq->queue);
	for (unsigned int i = 0; i < n; i++) {
		struct worker_arg *a = malloc(sizeof(*a));
		char comm[16];

		if (!a)
			break;
		a->wq = wq;
		a->slot = i;
		snprintf(comm, sizeof(comm), "kworker/%u", i);
		wq->workers[i] = kthread_run(worker_main, a, comm);
		if (IS_ERR(wq->workers[i])) {
			free(a);
			break;
		}
		wq->nworkers++;
	}
	if (!wq->nworkers) {
		pthread_mutex_destroy(&wq->lock);
		free(wq);
		return NULL;
	}
	return wq;
}

void destroy_workqueue(struct workqueue_struct *wq)
{
	if (!wq)
		return;
	might_sleep();
	pthread_mutex_lock(&wq->lock);
	wq->stopping = true;
	pthread_cond_broadcast(&wq->more);
	pthread_mutex_unlock(&wq->lock);
	for (unsigned int i = 0; i < wq->nworkers; i++)
		kthread_stop(wq->workers[i]);
	pthread_mutex_destroy(&wq->lock);
	pthread_cond_destroy(&wq->more);
	pthread_cond_destroy(&wq->done);
	free(wq);
}

static pthread_once_t system_once = PTHREAD_ONCE_INIT;
static struct workqueue_struct *system_queue;

static void system_init(void)
{
	system_queue = alloc_workqueue("events", 0, 4);
}

struct workqueue_struct *pcl_system_wq(void)
{
	pthread_once(&system_once, system_init);
	return system_queue;
}

bool queue_work(struct workqueue_struct *wq, struct work_struct *work)
{
	bool queued = false;

	if (!wq)
		return false;
	pthread_mutex_lock(&wq->lock);
	if (!work->pending && !wq->stopping) {
		work->pending = true;
		wq_set(work->wq, wq);
		list_add_tail(&work->entry, &wq->queue);
		wq->queued++;
		pthread_cond_signal(&wq->more);
		queued = true;
	}
	pthread_mutex_unlock(&wq->lock);
	return queued;
}

bool flush_work(struct work_struct *work)
{
	struct workqueue_struct *wq = wq_get(work->wq);
	bool waited = false;

	might_sleep();
	if (!wq)
		return false;
	pthread_mutex_lock(&wq->lock);
	while (work->pending || running_locked(wq, work)) {
		if (current_work() == work)
			break;		/* flushing itself would deadlock */
		waited = true;
		pthread_cond_wait(&wq->done, &wq->lock);
	}
	pthread_mutex_unlock(&wq->lock);
	return waited;
}

bool cancel_work_sync(struct work_struct *work)
{
	struct workqueue_struct *wq = wq_get(work->wq);
	bool was = false, claimed = false;

	might_sleep();
	if (!wq)
		return false;
	pthread_mutex_lock(&wq->lock);
	/*
	 * Claim @work as the kernel does: leave it marked pending but off
	 * the queue while we wait, so that queue_work() (from its own
	 * function, say) fails until we are done.  Pending but off the
	 * queue means another cancel has claimed it: wait for that one.
	 */
	while (work->pending && list_empty(&work->entry) &&
	       current_work() != work)
		pthread_cond_wait(&wq->done, &wq->lock);
	if (work->pending && !list_empty(&work->entry)) {
		list_del_init(&work->entry);
		wq->finished++;		/* it will never run: count it done */
		was = true;
		claimed = true;
	} else if (!work->pending) {
		work->pending = true;
		claimed = true;
	}
	while (running_locked(wq, work) && current_work() != work)
		pthread_cond_wait(&wq->done, &wq->lock);
	if (claimed) {
		work->pending = false;
		pthread_cond_broadcast(&wq->done);
	}
	pthread_mutex_unlock(&wq->lock);
	return was;
}

void flush_workqueue(struct workqueue_struct *wq)
{
	unsigned long target;

	might_sleep();
	if (!wq)
		return;
	pthread_mutex_lock(&wq->lock);
	target = wq->queued;
	while (wq->finished < target)
		pthread_cond_wait(&wq->done, &wq->lock);
	pthread_mutex_unlock(&wq->lock);
}

/* ---- delayed work ---- */

static void delayed_work_timer_fn(struct timer_list *t)
{
	struct delayed_work *dw = container_of(t, struct delayed_work, timer);

	queue_work(wq_get(dw->wq), &dw->work);
}

void pcl__init_delayed_work(struct delayed_work *dw, work_func_t fn)
{
	INIT_WORK(&dw->work, fn);
	timer_setup(&dw->timer, delayed_work_timer_fn, 0);
	dw->wq = NULL;
}

bool queue_delayed_work(struct workqueue_struct *wq, struct delayed_work *dw,
			unsigned long delay)
{
	if (!delay)
		return queue_work(wq, &dw->work);
	if (timer_pending(&dw->timer))
		return false;
	wq_set(dw->wq, wq);
	wq_set(dw->work.wq, wq);
	mod_timer(&dw->timer, jiffies + delay);
	return true;
}

bool mod_delayed_work(struct workqueue_struct *wq, struct delayed_work *dw,
		      unsigned long delay)
{
	bool was = del_timer(&dw->timer);

	wq_set(dw->wq, wq);
	wq_set(dw->work.wq, wq);
	if (!delay)
		return queue_work(wq, &dw->work) || was;
	mod_timer(&dw->timer, jiffies + delay);
	return was;
}

bool cancel_delayed_work_sync(struct delayed_work *dw)
{
	bool was = false;

	/* until its function stops re-arming it (a poller) */
	do {
		was |= del_timer_sync(&dw->timer);
		was |= cancel_work_sync(&dw->work);
	} while (timer_pending(&dw->timer));
	return was;
}

bool flush_delayed_work(struct delayed_work *dw)
{
	if (del_timer_sync(&dw->timer))
		queue_work(wq_get(dw->wq), &dw->work);
	return flush_work(&dw->work);
}
