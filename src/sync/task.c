// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Tasks: current, kernel threads and signals for interruptible waits.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <pcilab/sync.h>
#include "internal.h"

/*
 * Each thread's task_struct.  Threads made by kthread_run() own theirs
 * (freed by kthread_stop()); any other thread gets one from malloc on
 * first use, freed by a thread-exit destructor.
 */
static __thread struct task_struct *tls_task;
static pthread_key_t task_key;
static pthread_once_t task_key_once = PTHREAD_ONCE_INIT;

static void foreign_task_free(void *p)
{
	free(p);
}

static void task_key_init(void)
{
	pthread_key_create(&task_key, foreign_task_free);
}

struct task_struct *pcl_current(void)
{
	struct task_struct *t = tls_task;

	if (likely(t))
		return t;
	pthread_once(&task_key_once, task_key_init);
	t = calloc(1, sizeof(*t));
	if (!t)
		abort();	/* out of host memory before anything ran */
	pthread_mutex_init(&t->sig_lock, NULL);
	snprintf(t->comm, sizeof(t->comm), "%s", pcl_ctx()->comm);
	t->tid = pcl_ctx()->tid;
	t->thread = pthread_self();
	pthread_setspecific(task_key, t);
	tls_task = t;
	return t;
}

static void *kthread_main(void *arg)
{
	struct task_struct *t = arg;

	tls_task = t;
	t->tid = pcl_ctx()->tid;
	pcl_ctx_set_comm(t->comm);
	t->exit_code = t->threadfn(t->data);
	return NULL;
}

struct task_struct *kthread_run(int (*fn)(void *data), void *data,
				const char *name)
{
	struct task_struct *t;

	might_sleep();
	t = calloc(1, sizeof(*t));
	if (!t)
		return ERR_PTR(-ENOMEM);
	pthread_mutex_init(&t->sig_lock, NULL);
	snprintf(t->comm, sizeof(t->comm), "%s", name);
	t->threadfn = fn;
	t->data = data;
	t->is_pcl_thread = true;
	if (pthread_create(&t->thread, NULL, kthread_main, t) != 0) {
		free(t);
		return ERR_PTR(-EAGAIN);
	}
	return t;
}

int kthread_stop(struct task_struct *t)
{
	int code;

	might_sleep();
	if (PCL_WARN_ON(!t->is_pcl_thread, NULL,
			"kthread_stop() on a task kthread_run() did not make"))
		return -EINVAL;
	atomic_store(&t->should_stop, 1);
	pcl_task_signal(t);
	pthread_join(t->thread, NULL);
	code = t->exit_code;
	free(t);
	return code;
}

bool kthread_should_stop(void)
{
	return atomic_load(&pcl_current()->should_stop) != 0;
}

/*
 * Set @bit and wake @t if it sleeps.  The sleeper publishes waiting_on
 * under sig_lock before it tests sigpending, so either it sees the bit
 * or we see the queue it sleeps on: no wake-up is lost.
 */
static void task_interrupt(struct task_struct *t, int bit)
{
	pthread_mutex_lock(&t->sig_lock);
	atomic_fetch_or(&t->sigpending, bit);
	if (t->waiting_on)
		wake_up(t->waiting_on);
	pthread_mutex_unlock(&t->sig_lock);
}

void pcl_task_signal(struct task_struct *t)
{
	task_interrupt(t, PCL_SIG_SIGNAL);
}

void pcl_task_kick(struct task_struct *t)
{
	task_interrupt(t, PCL_SIG_REVOKE);
}

void pcl_task_clear_kick(struct task_struct *t)
{
	atomic_fetch_and(&t->sigpending, ~PCL_SIG_REVOKE);
}

bool pcl_task_sleeping(struct task_struct *t)
{
	bool sleeping;

	pthread_mutex_lock(&t->sig_lock);
	sleeping = t->waiting_on != NULL;
	pthread_mutex_unlock(&t->sig_lock);
	return sleeping;
}

void pcl__task_set_waiting(struct task_struct *t, wait_queue_head_t *wq)
{
	pthread_mutex_lock(&t->sig_lock);
	t->waiting_on = wq;
	pthread_mutex_unlock(&t->sig_lock);
}

void pcl_task_clear_signal(struct task_struct *t)
{
	atomic_fetch_and(&t->sigpending, ~PCL_SIG_SIGNAL);
}
