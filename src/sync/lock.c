// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * might_sleep(), preemption and interrupt disabling, spinlocks, mutexes and
 * reader/writer semaphores, with the calling context tracked in
 * pcilab/check.h's per-thread state.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <pcilab/sync.h>

/* ---- context checks ---- */

static void report_invalid_sleep(const char *file, int line)
{
	struct pcl_context *c = pcl_ctx();
	char detail[256];

	snprintf(detail, sizeof(detail),
		 "in_atomic(): %d, irqs_disabled(): %d, non_block: 0, pid: %d, name: %s\n"
		 "preempt_count: %d, expected: 0\n"
		 "RCU nest depth: %d, expected: 0%s%s",
		 c->atomic_depth > 0 || c->hardirq_depth > 0,
		 c->irqs_disabled > 0, c->tid, c->comm,
		 c->atomic_depth + (c->hardirq_depth << 16) +
			 (c->softirq_depth << 8),
		 c->rcu_depth,
		 c->hardirq_depth ? "\nin hard-IRQ context" : "",
		 c->softirq_depth ? "\nin soft-IRQ context" : "");
	pcl_report_detail(PCL_CHK_ATOMIC_SLEEP, NULL, file, line, detail,
			  "sleeping function called from invalid context");
}

void __might_sleep(const char *file, int line)
{
	struct pcl_context *c = pcl_ctx();

	if (likely(!pcl_in_atomic() && !c->rcu_depth))
		return;
	report_invalid_sleep(file, line);
}

void preempt_disable(void)
{
	pcl_ctx()->atomic_depth++;
}

void preempt_enable(void)
{
	struct pcl_context *c = pcl_ctx();

	if (PCL_WARN_ON(c->atomic_depth <= 0, NULL,
			"preempt_enable() without preempt_disable()"))
		return;
	c->atomic_depth--;
}

void local_irq_disable(void)
{
	pcl_ctx()->irqs_disabled = 1;
}

void local_irq_enable(void)
{
	struct pcl_context *c = pcl_ctx();

	if (c->hardirq_depth) {
		pcl_report(PCL_CHK_LOCKDEP, NULL, __FILE__, __LINE__,
			   "local_irq_enable() in hard-IRQ context");
		return;
	}
	c->irqs_disabled = 0;
}

/*
 * irqs_disabled is a nesting count only for hard-IRQ entry; save/restore
 * record and put back the exact value, as the kernel's flags do.
 */
unsigned long pcl__irq_save(void)
{
	struct pcl_context *c = pcl_ctx();
	unsigned long flags = (unsigned long)c->irqs_disabled;

	c->irqs_disabled = c->irqs_disabled ? c->irqs_disabled : 1;
	return flags;
}

void pcl__irq_restore(unsigned long flags)
{
	pcl_ctx()->irqs_disabled = (int)flags;
}

/* ---- spinlocks ---- */

void __spin_lock_init(spinlock_t *l, const char *name)
{
	pthread_mutex_init(&l->m, NULL);
	l->dep.name = name;
}

static bool recursion_check(const void *dep, const char *name,
			    enum pcl_lock_kind kind, const char *file,
			    int line)
{
	if (likely(!pcl_ctx_holds(dep)))
		return false;
	pcl_report(PCL_CHK_LOCKDEP, NULL, file, line,
		   "possible recursive locking detected: %s already held by this task (not taken again, to avoid a self-deadlock)",
		   name);
	pcl_ctx_lock_acquired(dep, name, kind, file, line, true);
	return true;
}

void __spin_lock(spinlock_t *l, const char *file, int line)
{
	struct pcl_context *c = pcl_ctx();

	c->atomic_depth++;
	if (recursion_check(&l->dep, l->dep.name, PCL_LOCK_SPIN, file, line))
		return;
	pthread_mutex_lock(&l->m);
	pcl_ctx_lock_acquired(&l->dep, l->dep.name, PCL_LOCK_SPIN, file, line,
			      false);
}

int __spin_trylock(spinlock_t *l, const char *file, int line)
{
	if (pcl_ctx_holds(&l->dep) || pthread_mutex_trylock(&l->m) != 0)
		return 0;
	pcl_ctx()->atomic_depth++;
	pcl_ctx_lock_acquired(&l->dep, l->dep.name, PCL_LOCK_SPIN, file, line,
			      false);
	return 1;
}

void spin_unlock(spinlock_t *l)
{
	struct pcl_context *c = pcl_ctx();
	int r = pcl_ctx_lock_released(&l->dep);

	if (r == 0)
		return;		/* reported; unlocking would be undefined */
	c->atomic_depth--;
	if (r == 1)
		pthread_mutex_unlock(&l->m);
}

/* ---- mutexes ---- */

void __mutex_init(struct mutex *l, const char *name)
{
	pthread_mutex_init(&l->m, NULL);
	atomic_store(&l->owner, 0);
	l->dep.name = name;
}

void mutex_destroy(struct mutex *l)
{
	if (atomic_load(&l->owner))
		pcl_report(PCL_CHK_LOCKDEP, NULL, __FILE__, __LINE__,
			   "mutex_destroy(%s) while locked", l->dep.name);
	else
		pthread_mutex_destroy(&l->m);
}

static void check_sleeping_lock(const char *name, const char *file, int line)
{
	if (unlikely(in_hardirq()))
		pcl_report(PCL_CHK_LOCKDEP, NULL, file, line,
			   "sleeping lock %s taken in hard-IRQ context", name);
	__might_sleep(file, line);
}

void __mutex_lock(struct mutex *l, const char *file, int line)
{
	check_sleeping_lock(l->dep.name, file, line);
	if (recursion_check(&l->dep, l->dep.name, PCL_LOCK_MUTEX, file, line))
		return;
	pthread_mutex_lock(&l->m);
	atomic_store(&l->owner, pcl_ctx()->tid);
	pcl_ctx_lock_acquired(&l->dep, l->dep.name, PCL_LOCK_MUTEX, file, line,
			      false);
}

int __mutex_lock_interruptible(struct mutex *l, const char *file, int line)
{
	struct task_struct *t = pcl_current();

	check_sleeping_lock(l->dep.name, file, line);
	if (recursion_check(&l->dep, l->dep.name, PCL_LOCK_MUTEX, file, line))
		return 0;
	/* Poll for the lock so that a signal can interrupt the wait. */
	while (pthread_mutex_trylock(&l->m) != 0) {
		if (signal_pending(t))
			return -EINTR;
		__pcl_usleep(100, file, line);
	}
	atomic_store(&l->owner, pcl_ctx()->tid);
	pcl_ctx_lock_acquired(&l->dep, l->dep.name, PCL_LOCK_MUTEX, file, line,
			      false);
	return 0;
}

int __mutex_trylock(struct mutex *l, const char *file, int line)
{
	if (pcl_ctx_holds(&l->dep) || pthread_mutex_trylock(&l->m) != 0)
		return 0;
	atomic_store(&l->owner, pcl_ctx()->tid);
	pcl_ctx_lock_acquired(&l->dep, l->dep.name, PCL_LOCK_MUTEX, file, line,
			      false);
	return 1;
}

void mutex_unlock(struct mutex *l)
{
	int owner = atomic_load(&l->owner);
	int r;

	if (owner != pcl_ctx()->tid && !pcl_ctx_holds(&l->dep)) {
		pcl_report(PCL_CHK_LOCKDEP, NULL, __FILE__, __LINE__,
			   "mutex_unlock(%s) by a task that does not own it (owner tid %d)",
			   l->dep.name, owner);
		return;
	}
	r = pcl_ctx_lock_released(&l->dep);
	if (r == 1) {
		atomic_store(&l->owner, 0);
		pthread_mutex_unlock(&l->m);
	}
}

bool mutex_is_locked(struct mutex *l)
{
	return atomic_load(&l->owner) != 0;
}

/* ---- reader/writer semaphores ---- */

void __init_rwsem(struct rw_semaphore *s, const char *name)
{
	pthread_mutex_init(&s->m, NULL);
	pthread_cond_init(&s->readers_cv, NULL);
	pthread_cond_init(&s->writers_cv, NULL);
	s->readers = 0;
	s->writer = 0;
	s->writers_waiting = 0;
	s->dep.name = name;
}

void __down_read(struct rw_semaphore *s, const char *file, int line)
{
	check_sleeping_lock(s->dep.name, file, line);
	if (rwsem_is_write_owner(s)) {
		pcl_report(PCL_CHK_LOCKDEP, NULL, file, line,
			   "down_read(%s) by its write owner: deadlock (not taken)",
			   s->dep.name);
		pcl_ctx_lock_acquired(&s->dep, s->dep.name, PCL_LOCK_RWSEM_READ,
				      file, line, true);
		return;
	}
	pthread_mutex_lock(&s->m);
	while (s->writer || s->writers_waiting)
		pthread_cond_wait(&s->readers_cv, &s->m);
	s->readers++;
	pthread_mutex_unlock(&s->m);
	pcl_ctx_lock_acquired(&s->dep, s->dep.name, PCL_LOCK_RWSEM_READ, file,
			      line, false);
}

int __down_read_trylock(struct rw_semaphore *s, const char *file, int line)
{
	int ok;

	pthread_mutex_lock(&s->m);
	ok = !s->writer && !s->writers_waiting;
	if (ok)
		s->readers++;
	pthread_mutex_unlock(&s->m);
	if (ok)
		pcl_ctx_lock_acquired(&s->dep, s->dep.name,
				      PCL_LOCK_RWSEM_READ, file, line, false);
	return ok;
}

/* The held-lock entry pcl_ctx_lock_released() would drop for @dep. */
static const struct pcl_held_lock *held_entry(const void *dep)
{
	struct pcl_context *c = pcl_ctx();
	int n = c->nheld < PCL_MAX_HELD_LOCKS ? c->nheld : PCL_MAX_HELD_LOCKS;

	for (int i = n - 1; i >= 0; i--)
		if (c->held[i].lock == dep)
			return &c->held[i];
	return NULL;
}

void up_read(struct rw_semaphore *s)
{
	const struct pcl_held_lock *h = held_entry(&s->dep);
	int r;

	if (h && !h->recursive && h->kind != PCL_LOCK_RWSEM_READ) {
		/* releasing it as a reader would drive readers negative
		 * and leave the writer in place for ever */
		pcl_report(PCL_CHK_LOCKDEP, NULL, __FILE__, __LINE__,
			   "up_read(%s) by its writer (not released)",
			   s->dep.name);
		return;
	}
	r = pcl_ctx_lock_released(&s->dep);
	if (r != 1)
		return;
	pthread_mutex_lock(&s->m);
	if (--s->readers == 0)
		pthread_cond_signal(&s->writers_cv);
	pthread_mutex_unlock(&s->m);
}

void __down_write(struct rw_semaphore *s, const char *file, int line)
{
	int me = pcl_ctx()->tid;

	check_sleeping_lock(s->dep.name, file, line);
	if (recursion_check(&s->dep, s->dep.name, PCL_LOCK_RWSEM_WRITE, file,
			    line))
		return;
	pthread_mutex_lock(&s->m);
	s->writers_waiting++;
	while (s->writer || s->readers)
		pthread_cond_wait(&s->writers_cv, &s->m);
	s->writers_waiting--;
	s->writer = me;
	pthread_mutex_unlock(&s->m);
	pcl_ctx_lock_acquired(&s->dep, s->dep.name, PCL_LOCK_RWSEM_WRITE, file,
			      line, false);
}

int __down_write_trylock(struct rw_semaphore *s, const char *file, int line)
{
	int ok;

	pthread_mutex_lock(&s->m);
	ok = !s->writer && !s->readers;
	if (ok)
		s->writer = pcl_ctx()->tid;
	pthread_mutex_unlock(&s->m);
	if (ok)
		pcl_ctx_lock_acquired(&s->dep, s->dep.name,
				      PCL_LOCK_RWSEM_WRITE, file, line, false);
	return ok;
}

void up_write(struct rw_semaphore *s)
{
	const struct pcl_held_lock *h = held_entry(&s->dep);
	int r;

	/* Only the writer releases it; else only a reported (recursive)
	 * acquisition is dropped.  A reader's entry is not: that would
	 * leave the reader count raised for ever. */
	if (!rwsem_is_write_owner(s) && !(h && h->recursive)) {
		pcl_report(PCL_CHK_LOCKDEP, NULL, __FILE__, __LINE__,
			   "up_write(%s) by a task that is not its writer",
			   s->dep.name);
		return;
	}
	r = pcl_ctx_lock_released(&s->dep);
	if (r != 1)
		return;
	pthread_mutex_lock(&s->m);
	s->writer = 0;
	if (s->writers_waiting)
		pthread_cond_signal(&s->writers_cv);
	else
		pthread_cond_broadcast(&s->readers_cv);
	pthread_mutex_unlock(&s->m);
}

void downgrade_write(struct rw_semaphore *s)
{
	const char *file = __FILE__;
	int line = __LINE__;
	struct pcl_context *c = pcl_ctx();

	if (!rwsem_is_write_owner(s)) {
		pcl_report(PCL_CHK_LOCKDEP, NULL, file, line,
			   "downgrade_write(%s) by a task that is not its writer",
			   s->dep.name);
		return;
	}
	for (int i = 0; i < c->nheld && i < PCL_MAX_HELD_LOCKS; i++)
		if (c->held[i].lock == &s->dep)
			c->held[i].kind = PCL_LOCK_RWSEM_READ;
	pthread_mutex_lock(&s->m);
	s->writer = 0;
	s->readers++;
	if (!s->writers_waiting)
		pthread_cond_broadcast(&s->readers_cv);
	pthread_mutex_unlock(&s->m);
}

bool rwsem_is_write_owner(struct rw_semaphore *s)
{
	bool own;

	pthread_mutex_lock(&s->m);
	own = s->writer == pcl_ctx()->tid;
	pthread_mutex_unlock(&s->m);
	return own;
}
