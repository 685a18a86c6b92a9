/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pcilab/sync.h - the sync layer: locks, sleeping primitives, atomics,
 * reference counts, RCU, tasks and the gfp-aware allocator, all shaped
 * like the kernel's and all aware of the calling context (pcilab/check.h).
 *
 * Rules the layer enforces and reports (checker "atomic-sleep"):
 *  - a sleeping call (mutex_lock, down_read, wait_*, synchronize_rcu,
 *    kmalloc(GFP_KERNEL), msleep, ...) made with a spinlock held, with
 *    interrupts disabled, in hard- or soft-IRQ context or inside an RCU
 *    read-side section prints "BUG: sleeping function called from invalid
 *    context" with the held locks, then proceeds (the kernel does too);
 * and (checker "lockdep"):
 *  - taking a lock the task already holds, releasing one it does not hold,
 *    unlocking a mutex owned by another task, and taking a sleeping lock in
 *    hard-IRQ context.
 *
 * Time is in milliseconds; one jiffy is one millisecond (HZ = 1000).
 *
 * Copyright (C) 2026 The pcilab authors
 */
#ifndef PCILAB_SYNC_H
#define PCILAB_SYNC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <pcilab/check.h>
#include <pcilab/compiler.h>
#include <pcilab/list.h>

/* ------------------------------------------------------------------ */
/* Context checks                                                       */
/* ------------------------------------------------------------------ */

void __might_sleep(const char *file, int line);

/**
 * might_sleep() - annotate a call that may sleep; reports if the caller is
 * in atomic context.  Context: process context is the only legal one.
 */
#define might_sleep()	__might_sleep(__FILE__, __LINE__)

/* Disable "preemption": makes the caller atomic without a lock. */
void preempt_disable(void);
void preempt_enable(void);

/* Interrupt disabling on the calling (emulated) CPU. */
void local_irq_disable(void);
void local_irq_enable(void);
#define local_irq_save(flags)	 do { (flags) = pcl__irq_save(); } while (0)
#define local_irq_restore(flags) pcl__irq_restore(flags)
unsigned long pcl__irq_save(void);
void pcl__irq_restore(unsigned long flags);

/* Asserts, as lockdep provides them; report under "lockdep" if violated. */
#define lockdep_assert_held(l)						\
	do {								\
		if (unlikely(!pcl_ctx_holds(&(l)->dep)))		\
			pcl_report(PCL_CHK_LOCKDEP, NULL, __FILE__, __LINE__, \
				   "lockdep_assert_held(%s) failed: lock not held", \
				   #l);					\
	} while (0)
#define lockdep_assert_not_held(l)					\
	do {								\
		if (unlikely(pcl_ctx_holds(&(l)->dep)))			\
			pcl_report(PCL_CHK_LOCKDEP, NULL, __FILE__, __LINE__, \
				   "lockdep_assert_not_held(%s) failed: lock held", \
				   #l);					\
	} while (0)
#define lockdep_assert_irqs_disabled()					\
	do {								\
		if (unlikely(!irqs_disabled()))				\
			pcl_report(PCL_CHK_LOCKDEP, NULL, __FILE__, __LINE__, \
				   "interrupts expected disabled");	\
	} while (0)

/* Identity of a lock for the held-lock stack.  Private. */
struct pcl_lockdep_map {
	const char *name;
};

/* ------------------------------------------------------------------ */
/* Spinlocks                                                            */
/* ------------------------------------------------------------------ */

/*
 * spinlock_t - a lock that makes its holder atomic.  Legal in any context,
 * hard-IRQ included.  Implemented over a pthread mutex, since an emulated
 * CPU is a thread that the host may preempt: spinning would waste the core.
 * All fields private.
 */
typedef struct spinlock {
	pthread_mutex_t m;
	struct pcl_lockdep_map dep;
} spinlock_t;

#define __SPIN_LOCK_UNLOCKED(n) { PTHREAD_MUTEX_INITIALIZER, { #n } }
#define DEFINE_SPINLOCK(x)	spinlock_t x = __SPIN_LOCK_UNLOCKED(x)
#define spin_lock_init(l)	__spin_lock_init((l), #l)

void __spin_lock_init(spinlock_t *l, const char *name);
void __spin_lock(spinlock_t *l, const char *file, int line);
int __spin_trylock(spinlock_t *l, const char *file, int line);
void spin_unlock(spinlock_t *l);

#define spin_lock(l)		__spin_lock((l), __FILE__, __LINE__)
#define spin_trylock(l)		__spin_trylock((l), __FILE__, __LINE__)
#define spin_lock_irq(l)	do { local_irq_disable(); spin_lock(l); } while (0)
#define spin_unlock_irq(l)	do { spin_unlock(l); local_irq_enable(); } while (0)
#define spin_lock_irqsave(l, flags)					\
	do { local_irq_save(flags); spin_lock(l); } while (0)
#define spin_unlock_irqrestore(l, flags)				\
	do { spin_unlock(l); local_irq_restore(flags); } while (0)

typedef spinlock_t raw_spinlock_t;
#define raw_spin_lock_init	spin_lock_init
#define raw_spin_lock		spin_lock
#define raw_spin_unlock		spin_unlock
#define raw_spin_lock_irqsave	spin_lock_irqsave
#define raw_spin_unlock_irqrestore spin_unlock_irqrestore

/* ------------------------------------------------------------------ */
/* Mutexes                                                              */
/* ------------------------------------------------------------------ */

/*
 * struct mutex - a sleeping lock with an owner.  Process context only;
 * taking one in atomic context is reported (atomic-sleep), and in hard-IRQ
 * context additionally under lockdep.  All fields private.
 */
struct mutex {
	pthread_mutex_t m;
	_Atomic int owner;		/* tid of the holder, 0 if none */
	struct pcl_lockdep_map dep;
};

#define __MUTEX_INITIALIZER(n)	{ PTHREAD_MUTEX_INITIALIZER, 0, { #n } }
#define DEFINE_MUTEX(x)		struct mutex x = __MUTEX_INITIALIZER(x)
#define mutex_init(l)		__mutex_init((l), #l)

void __mutex_init(struct mutex *l, const char *name);
void mutex_destroy(struct mutex *l);
void __mutex_lock(struct mutex *l, const char *file, int line);
int __mutex_lock_interruptible(struct mutex *l, const char *file, int line);
int __mutex_trylock(struct mutex *l, const char *file, int line);
void mutex_unlock(struct mutex *l);
bool mutex_is_locked(struct mutex *l);

#define mutex_lock(l)		__mutex_lock((l), __FILE__, __LINE__)
#define mutex_lock_interruptible(l) __mutex_lock_interruptible((l), __FILE__, __LINE__)
#define mutex_trylock(l)	__mutex_trylock((l), __FILE__, __LINE__)

/* ------------------------------------------------------------------ */
/* Reader/writer semaphores                                             */
/* ------------------------------------------------------------------ */

/*
 * struct rw_semaphore - sleeping reader/writer lock.  Writers are
 * preferred: once a writer waits, new readers wait behind it, so a stream
 * of readers cannot starve a reset.  Process context only.  Fields private.
 */
struct rw_semaphore {
	pthread_mutex_t m;		/* protects the fields below */
	pthread_cond_t readers_cv;
	pthread_cond_t writers_cv;
	int readers;			/* active readers */
	int writer;			/* tid of the active writer, 0 if none */
	int writers_waiting;
	struct pcl_lockdep_map dep;
};

#define init_rwsem(s)		__init_rwsem((s), #s)
void __init_rwsem(struct rw_semaphore *s, const char *name);
void __down_read(struct rw_semaphore *s, const char *file, int line);
int __down_read_trylock(struct rw_semaphore *s, const char *file, int line);
void up_read(struct rw_semaphore *s);
void __down_write(struct rw_semaphore *s, const char *file, int line);
int __down_write_trylock(struct rw_semaphore *s, const char *file, int line);
void up_write(struct rw_semaphore *s);
void downgrade_write(struct rw_semaphore *s);
/** rwsem_is_write_owner() - does the calling task hold @s for write? */
bool rwsem_is_write_owner(struct rw_semaphore *s);

#define down_read(s)		__down_read((s), __FILE__, __LINE__)
#define down_read_trylock(s)	__down_read_trylock((s), __FILE__, __LINE__)
#define down_write(s)		__down_write((s), __FILE__, __LINE__)
#define down_write_trylock(s)	__down_write_trylock((s), __FILE__, __LINE__)

/* ------------------------------------------------------------------ */
/* Tasks                                                                */
/* ------------------------------------------------------------------ */

struct wait_queue_head;

/*
 * struct task_struct - a thread known to pcilab: a "userspace" task or a
 * kernel thread.  Threads not created by pcilab get one on first use.
 * Fields private but @comm.
 */
struct task_struct {
	char comm[16];
	int tid;
	_Atomic int sigpending;		/* PCL_SIG_* bits: any of them
					 * interrupts interruptible waits */
	_Atomic int should_stop;	/* kthread_stop() was called */
	/* sig_lock protects waiting_on against a signaller waking a queue
	 * its sleeper has left; wait_queue_head_t.m nests inside it. */
	pthread_mutex_t sig_lock;
	struct wait_queue_head *waiting_on;
	pthread_t thread;
	int (*threadfn)(void *data);
	void *data;
	int exit_code;
	bool is_pcl_thread;
	_Atomic int refs;
};

struct task_struct *pcl_current(void);
#define current	pcl_current()

/**
 * kthread_run() - start a thread running @fn(@data), named @name.
 * Context: process.  Return: the task, or ERR_PTR(-errno).  The caller must
 * kthread_stop() it exactly once, which also frees it.
 */
struct task_struct *kthread_run(int (*fn)(void *data), void *data,
				const char *name);
/** kthread_stop() - ask the thread to stop, wait, return its exit code. */
int kthread_stop(struct task_struct *t);
bool kthread_should_stop(void);

/**
 * pcl_task_signal() - make @t's interruptible waits return -ERESTARTSYS
 * (now, if it sleeps in one) until pcl_task_clear_signal().
 */
void pcl_task_signal(struct task_struct *t);
void pcl_task_clear_signal(struct task_struct *t);
#define PCL_SIG_SIGNAL	0x1	/* pcl_task_signal() */
#define PCL_SIG_REVOKE	0x2	/* pcl_task_kick(): what the task is using
				 * is being revoked (char-device fence) */
/**
 * pcl_task_kick() - interrupt @t's interruptible waits, like a signal,
 * because the object it sleeps for is going away; until
 * pcl_task_clear_kick().  Context: any but hard-IRQ.
 */
void pcl_task_kick(struct task_struct *t);
void pcl_task_clear_kick(struct task_struct *t);
/** pcl_task_sleeping() - is @t asleep in an interruptible wait now? */
bool pcl_task_sleeping(struct task_struct *t);
static inline bool signal_pending(struct task_struct *t)
{
	return atomic_load(&t->sigpending) != 0;
}

/* Sleeping.  Context: process. */
#define msleep(ms)		__pcl_msleep((ms), __FILE__, __LINE__)
#define usleep_range(a, b)	__pcl_usleep((a), __FILE__, __LINE__)
void __pcl_msleep(unsigned int ms, const char *file, int line);
void __pcl_usleep(unsigned long us, const char *file, int line);
/* Busy delays: legal in atomic context. */
void udelay(unsigned long us);
void mdelay(unsigned long ms);
void cpu_relax(void);

#define HZ			1000
#define MAX_SCHEDULE_TIMEOUT	((long)(~0UL >> 1))
static inline long msecs_to_jiffies(unsigned int ms) { return (long)ms; }
static inline unsigned int jiffies_to_msecs(long j) { return (unsigned int)j; }

/* ------------------------------------------------------------------ */
/* Wait queues and completions                                          */
/* ------------------------------------------------------------------ */

/*
 * wait_queue_head_t - sleepers wait for a condition that wakers make true
 * and then signal with wake_up*().  Waking is legal in any context.
 * A waker must make the condition true before calling wake_up().
 */
typedef struct wait_queue_head {
	pthread_mutex_t m;
	pthread_cond_t cv;
	unsigned long seq;		/* bumped by every wake-up, under m */
	int sleepers;
} wait_queue_head_t;

#define DECLARE_WAIT_QUEUE_HEAD(n) \
	wait_queue_head_t n = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 }
void init_waitqueue_head(wait_queue_head_t *wq);
void wake_up(wait_queue_head_t *wq);
#define wake_up_all(wq)			wake_up(wq)
#define wake_up_interruptible(wq)	wake_up(wq)
#define wake_up_interruptible_all(wq)	wake_up(wq)
bool waitqueue_active(wait_queue_head_t *wq);

/* Internals of the wait_event macros. */
unsigned long pcl__wq_prepare(wait_queue_head_t *wq, const char *file, int line);
/* Sleep until seq changes, the timeout passes or (if @intr) a signal.
 * Return: 0 woken, -ETIMEDOUT, -ERESTARTSYS. */
int pcl__wq_sleep(wait_queue_head_t *wq, unsigned long seq, long *timeout_ms,
		  bool intr);

#define __wait_event_common(wq, cond, tmo, intr)			\
	({								\
		long __t = (tmo);					\
		long __ret = 0;						\
		for (;;) {						\
			unsigned long __s =				\
				pcl__wq_prepare(&(wq), __FILE__, __LINE__); \
			if (cond) {					\
				__ret = __t ? __t : 1;			\
				break;					\
			}						\
			int __e = pcl__wq_sleep(&(wq), __s, &__t, (intr)); \
			if (__e == -ERESTARTSYS) {			\
				__ret = -ERESTARTSYS;			\
				break;					\
			}						\
			if (__e == -ETIMEDOUT) {			\
				__ret = (cond) ? 1 : 0;			\
				break;					\
			}						\
		}							\
		__ret;							\
	})

/** wait_event() - sleep until @cond is true.  Context: process. */
#define wait_event(wq, cond)						\
	do { (void)__wait_event_common(wq, cond, MAX_SCHEDULE_TIMEOUT, false); } while (0)
/** wait_event_timeout() - Return: 0 if @cond still false at the timeout,
 * else the remaining time in jiffies (at least 1). */
#define wait_event_timeout(wq, cond, tmo)				\
	__wait_event_common(wq, cond, (tmo), false)
/** wait_event_interruptible() - Return: 0, or -ERESTARTSYS on a signal. */
#define wait_event_interruptible(wq, cond)				\
	({ long __r = __wait_event_common(wq, cond, MAX_SCHEDULE_TIMEOUT, true); \
	   (int)(__r < 0 ? __r : 0); })
/** wait_event_interruptible_timeout() - remaining, 0 or -ERESTARTSYS. */
#define wait_event_interruptible_timeout(wq, cond, tmo)			\
	__wait_event_common(wq, cond, (tmo), true)

/*
 * struct completion - a one-shot or counted event.  complete*() is legal
 * in any context; wait_for_completion*() in process context only.
 */
struct completion {
	unsigned int done;		/* UINT_MAX after complete_all(); under wait.m */
	wait_queue_head_t wait;
};

#define DECLARE_COMPLETION(n) \
	struct completion n = { 0, { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 } }
void init_completion(struct completion *x);
void reinit_completion(struct completion *x);
void complete(struct completion *x);
void complete_all(struct completion *x);
bool try_wait_for_completion(struct completion *x);
bool completion_done(struct completion *x);
#define wait_for_completion(x)	__wait_for_completion((x), MAX_SCHEDULE_TIMEOUT, false, __FILE__, __LINE__)
/** Return: 0 on timeout, else remaining jiffies (at least 1). */
#define wait_for_completion_timeout(x, t) __wait_for_completion((x), (t), false, __FILE__, __LINE__)
/** Return: 0, or -ERESTARTSYS if a signal came first. */
#define wait_for_completion_interruptible(x) \
	((int)__wait_for_completion((x), MAX_SCHEDULE_TIMEOUT, true, __FILE__, __LINE__))
long __wait_for_completion(struct completion *x, long timeout, bool intr,
			   const char *file, int line);

/* ------------------------------------------------------------------ */
/* Atomics and reference counts                                         */
/* ------------------------------------------------------------------ */

typedef struct { _Atomic int counter; } atomic_t;
typedef struct { _Atomic long counter; } atomic_long_t;

#define ATOMIC_INIT(i)	{ (i) }
static inline int atomic_read(const atomic_t *v) { return atomic_load((_Atomic int *)&v->counter); }
static inline void atomic_set(atomic_t *v, int i) { atomic_store(&v->counter, i); }
static inline void atomic_inc(atomic_t *v) { atomic_fetch_add(&v->counter, 1); }
static inline void atomic_dec(atomic_t *v) { atomic_fetch_sub(&v->counter, 1); }
static inline void atomic_add(int i, atomic_t *v) { atomic_fetch_add(&v->counter, i); }
static inline void atomic_sub(int i, atomic_t *v) { atomic_fetch_sub(&v->counter, i); }
static inline int atomic_inc_return(atomic_t *v) { return atomic_fetch_add(&v->counter, 1) + 1; }
static inline int atomic_dec_return(atomic_t *v) { return atomic_fetch_sub(&v->counter, 1) - 1; }
static inline int atomic_add_return(int i, atomic_t *v) { return atomic_fetch_add(&v->counter, i) + i; }
static inline bool atomic_dec_and_test(atomic_t *v) { return atomic_dec_return(v) == 0; }
static inline bool atomic_inc_not_zero(atomic_t *v)
{
	int c = atomic_read(v);

	do {
		if (!c)
			return false;
	} while (!atomic_compare_exchange_weak(&v->counter, &c, c + 1));
	return true;
}
static inline int atomic_cmpxchg(atomic_t *v, int old, int new_)
{
	atomic_compare_exchange_strong(&v->counter, &old, new_);
	return old;
}
static inline int atomic_xchg(atomic_t *v, int new_) { return atomic_exchange(&v->counter, new_); }
static inline long atomic_long_read(const atomic_long_t *v) { return atomic_load((_Atomic long *)&v->counter); }
static inline void atomic_long_set(atomic_long_t *v, long i) { atomic_store(&v->counter, i); }
static inline long atomic_long_inc_return(atomic_long_t *v) { return atomic_fetch_add(&v->counter, 1) + 1; }
static inline long atomic_long_add_return(long i, atomic_long_t *v) { return atomic_fetch_add(&v->counter, i) + i; }

/*
 * refcount_t - a reference count that saturates instead of wrapping, and
 * reports (checker "api") an increment from zero (use after free) and a
 * decrement below zero.
 */
typedef struct { _Atomic int refs; } refcount_t;
#define REFCOUNT_INIT(n)	{ (n) }
#define REFCOUNT_SATURATED	(0x40000000)
static inline void refcount_set(refcount_t *r, int n) { atomic_store(&r->refs, n); }
static inline unsigned int refcount_read(const refcount_t *r) { return (unsigned int)atomic_load((_Atomic int *)&r->refs); }
void refcount_inc(refcount_t *r);
bool refcount_inc_not_zero(refcount_t *r);
bool refcount_dec_and_test(refcount_t *r);
void refcount_dec(refcount_t *r);

/* struct kref - a refcount with a release callback. */
struct kref { refcount_t refcount; };
#define KREF_INIT(n)	{ .refcount = REFCOUNT_INIT(n) }
static inline void kref_init(struct kref *k) { refcount_set(&k->refcount, 1); }
static inline unsigned int kref_read(const struct kref *k) { return refcount_read(&k->refcount); }
static inline void kref_get(struct kref *k) { refcount_inc(&k->refcount); }
static inline bool kref_get_unless_zero(struct kref *k) { return refcount_inc_not_zero(&k->refcount); }
/** kref_put() - drop a reference; call @release on the last.  Return: 1 if released. */
static inline int kref_put(struct kref *k, void (*release)(struct kref *k))
{
	if (refcount_dec_and_test(&k->refcount)) {
		release(k);
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* RCU (liburcu, "memb" flavour, inline fast paths)                      */
/* ------------------------------------------------------------------ */

/*
 * The read side is liburcu's inlined through _LGPL_SOURCE (pcilab is
 * LGPL-2.1-or-later): a read-side section costs a few nanoseconds.  Every
 * thread is registered with liburcu on its first rcu_read_lock().  Do not
 * include <urcu.h> in a file that includes this header: its short names
 * (rcu_read_lock, call_rcu, struct rcu_head) are ours here.
 */
#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE
#define PCL__UNDEF_LGPL_SOURCE
#endif
#include <urcu/static/urcu-memb.h>
#ifdef PCL__UNDEF_LGPL_SOURCE
#undef _LGPL_SOURCE
#undef PCL__UNDEF_LGPL_SOURCE
#endif

extern __thread int pcl__rcu_registered;
extern int pcl__rcu_tsan_sync;
void pcl__rcu_register_self(void);
void pcl__rcu_read_unlock_slow(void);

#ifdef PCL_TSAN
/*
 * Under ThreadSanitizer the read side calls liburcu's out-of-line
 * entry points instead: the inline ones touch the grace-period futex
 * with plain (volatile) accesses that TSan, seeing them instrumented,
 * reports as races between readers.  Ordering for TSan comes from
 * pcl__rcu_tsan_sync below.
 */
void urcu_memb_read_lock(void);
void urcu_memb_read_unlock(void);
#define pcl__urcu_read_lock()	urcu_memb_read_lock()
#define pcl__urcu_read_unlock()	urcu_memb_read_unlock()
#else
#define pcl__urcu_read_lock()	_urcu_memb_read_lock()
#define pcl__urcu_read_unlock()	_urcu_memb_read_unlock()
#endif

/** rcu_read_lock() - enter a read-side section.  Context: any; nests. */
static inline void rcu_read_lock(void)
{
	if (unlikely(!pcl__rcu_registered))
		pcl__rcu_register_self();
	pcl__urcu_read_lock();
	pcl_ctx()->rcu_depth++;
}

/** rcu_read_unlock() - leave a read-side section. */
static inline void rcu_read_unlock(void)
{
	struct pcl_context *c = pcl_ctx();

	if (unlikely(c->rcu_depth <= 0)) {
		pcl__rcu_read_unlock_slow();
		return;
	}
	c->rcu_depth--;
#ifdef PCL_TSAN
	/* Tell TSan a grace period orders this section before what follows
	 * synchronize_rcu(): it cannot see liburcu's own synchronisation. */
	__tsan_release(&pcl__rcu_tsan_sync);
#endif
	pcl__urcu_read_unlock();
}

static inline bool rcu_read_lock_held(void) { return pcl_ctx()->rcu_depth > 0; }

#define rcu_dereference(p)	__atomic_load_n(&(p), __ATOMIC_CONSUME)
#define rcu_dereference_protected(p, c)	(p)
#define rcu_access_pointer(p)	__atomic_load_n(&(p), __ATOMIC_RELAXED)
#define rcu_assign_pointer(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define RCU_INIT_POINTER(p, v)	__atomic_store_n(&(p), (v), __ATOMIC_RELAXED)

/*
 * struct rcu_head - embed in an object to free it with call_rcu().
 * Fields private.
 */
struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
};

/*
 * RCU-protected lists: writers (serialised by their own lock) publish and
 * unlink; readers walk with list_for_each_entry_rcu() inside
 * rcu_read_lock().  An unlinked entry may be freed only after a grace
 * period (call_rcu / kfree_rcu).
 */
static inline void list_add_tail_rcu(struct list_head *n, struct list_head *head)
{
	struct list_head *prev = head->prev;

	n->next = head;
	n->prev = prev;
	__atomic_store_n(&prev->next, n, __ATOMIC_RELEASE);
	head->prev = n;
}

static inline void list_del_rcu(struct list_head *e)
{
	e->next->prev = e->prev;
	__atomic_store_n(&e->prev->next, e->next, __ATOMIC_RELEASE);
	/* e->next stays valid: a reader standing on @e walks on. */
}

#define list_for_each_entry_rcu(pos, head, member)			\
	for (pos = list_entry(__atomic_load_n(&(head)->next, __ATOMIC_ACQUIRE), \
			      __typeof__(*pos), member);		\
	     &pos->member != (head);					\
	     pos = list_entry(__atomic_load_n(&pos->member.next, __ATOMIC_ACQUIRE), \
			      __typeof__(*pos), member))

/**
 * synchronize_rcu() - wait until every read-side section that began
 * before the call has ended.  Context: process, outside any read-side
 * section (reported otherwise: it would deadlock).
 */
#define synchronize_rcu()	__synchronize_rcu(__FILE__, __LINE__)
void __synchronize_rcu(const char *file, int line);

/**
 * call_rcu() - run @func(@head) after a grace period, in soft-IRQ context
 * on pcilab's RCU callback thread.  Context: any.  Callbacks queued
 * together share one grace period.
 */
void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head));

/** rcu_barrier() - wait until every callback queued so far has run. */
#define rcu_barrier()		__rcu_barrier(__FILE__, __LINE__)
void __rcu_barrier(const char *file, int line);

/** kfree_rcu() - kfree(@ptr) after a grace period; @field is its rcu_head. */
#define kfree_rcu(ptr, field)	__kfree_rcu(&(ptr)->field, offsetof(__typeof__(*(ptr)), field))
void __kfree_rcu(struct rcu_head *head, size_t offset);

/** pcl_rcu_grace_periods() - grace periods waited for so far (benchmarks). */
unsigned long pcl_rcu_grace_periods(void);
/**
 * pcl_rcu_grace_periods_waited() - grace periods the calling thread
 * waited for: its synchronize_rcu() calls, and the callback batches its
 * rcu_barrier() calls waited on.  Callbacks are batched: those queued
 * within a millisecond share one grace period (benchmarks).
 */
unsigned long pcl_rcu_grace_periods_waited(void);
/** pcl_rcu_pending() - callbacks queued and not yet run. */
unsigned long pcl_rcu_pending(void);

/* ------------------------------------------------------------------ */
/* Timers and deferred work                                             */
/* ------------------------------------------------------------------ */

/** jiffies: milliseconds since the process started (HZ = 1000). */
unsigned long pcl_jiffies(void);
#define jiffies	pcl_jiffies()

/*
 * struct timer_list - a callback at a time, run in soft-IRQ context on
 * pcilab's timer thread.  Fields private but @function.
 */
struct timer_list {
	void (*function)(struct timer_list *t);
	unsigned long expires;		/* in jiffies */
	struct list_head entry;		/* on the timer list, if pending */
	bool pending;
};

void timer_setup(struct timer_list *t, void (*fn)(struct timer_list *t),
		 unsigned int flags);
/** mod_timer() - (re)arm for @expires (absolute jiffies).
 * Return: 1 if it was pending, 0 if not.  Context: any. */
int mod_timer(struct timer_list *t, unsigned long expires);
/** del_timer() - disarm.  Return: 1 if it was pending. */
int del_timer(struct timer_list *t);
/** del_timer_sync() - disarm and wait for a running callback.
 * Context: process (not from the timer's own callback). */
int del_timer_sync(struct timer_list *t);
#define timer_delete_sync	del_timer_sync
bool timer_pending(const struct timer_list *t);

struct workqueue_struct;
struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);

/* struct work_struct - Fields private but @func. */
struct work_struct {
	work_func_t func;
	struct list_head entry;		/* on its queue, if pending */
	struct workqueue_struct *wq;	/* where it was last queued */
	bool pending;			/* under the queue's lock */
};

struct delayed_work {
	struct work_struct work;
	struct timer_list timer;
	struct workqueue_struct *wq;
};

#define INIT_WORK(w, f)							\
	do { (w)->func = (f); INIT_LIST_HEAD(&(w)->entry);		\
	     (w)->wq = NULL; (w)->pending = false; } while (0)
void pcl__init_delayed_work(struct delayed_work *dw, work_func_t fn);
#define INIT_DELAYED_WORK(dw, f)	pcl__init_delayed_work((dw), (f))
#define to_delayed_work(w)	container_of((w), struct delayed_work, work)

/**
 * alloc_workqueue() - a queue whose works run in process context on
 * @max_active worker threads (0: 1; ordered when 1).  Context: process.
 * Return: the queue, or NULL.
 */
struct workqueue_struct *alloc_workqueue(const char *name, unsigned int flags,
					 int max_active);
#define alloc_ordered_workqueue(name, flags) alloc_workqueue((name), (flags), 1)
/** destroy_workqueue() - drain it (queued works run), stop its workers. */
void destroy_workqueue(struct workqueue_struct *wq);
/** The system queue behind schedule_work(), made on first use. */
struct workqueue_struct *pcl_system_wq(void);
#define system_wq	pcl_system_wq()

/** queue_work() - Return: true if queued, false if it already was.
 * Context: any. */
bool queue_work(struct workqueue_struct *wq, struct work_struct *work);
static inline bool schedule_work(struct work_struct *work)
{
	return queue_work(system_wq, work);
}
/** queue_delayed_work() - queue after @delay jiffies. Context: any. */
bool queue_delayed_work(struct workqueue_struct *wq, struct delayed_work *dw,
			unsigned long delay);
static inline bool schedule_delayed_work(struct delayed_work *dw,
					 unsigned long delay)
{
	return queue_delayed_work(system_wq, dw, delay);
}
/** mod_delayed_work() - (re)arm for @delay from now. */
bool mod_delayed_work(struct workqueue_struct *wq, struct delayed_work *dw,
		      unsigned long delay);
/** flush_work() - wait until @work is neither queued nor running.
 * Return: true if it had to wait.  Context: process. */
bool flush_work(struct work_struct *work);
/** cancel_work_sync() - unqueue, and wait for a running instance.
 * Return: true if it was pending.  Context: process. */
bool cancel_work_sync(struct work_struct *work);
bool cancel_delayed_work_sync(struct delayed_work *dw);
bool flush_delayed_work(struct delayed_work *dw);
/** flush_workqueue() - wait until every work queued so far has run. */
void flush_workqueue(struct workqueue_struct *wq);
/** current_work() - the work the calling worker runs, or NULL. */
struct work_struct *current_work(void);

/* ------------------------------------------------------------------ */
/* Memory                                                               */
/* ------------------------------------------------------------------ */

typedef unsigned int gfp_t;
#define __GFP_ZERO		0x1u
#define __GFP_NOWARN		0x2u
#define __GFP_DIRECT_RECLAIM	0x4u	/* may sleep */
#define GFP_ATOMIC		0x10u
#define GFP_NOWAIT		0x20u
#define GFP_KERNEL		(__GFP_DIRECT_RECLAIM)

static inline bool gfpflags_allow_blocking(gfp_t gfp)
{
	return gfp & __GFP_DIRECT_RECLAIM;
}

/*
 * The allocator.  Every allocation records its size, call site and owner
 * (the binding or subsystem that was current when it was made), so that
 * what an owner leaves behind is reported by owner.  A GFP_KERNEL request
 * in atomic context is reported (atomic-sleep) and then served.
 */
void *__kmalloc(size_t size, gfp_t gfp, const char *file, int line,
		const char *func);
void *__krealloc(void *p, size_t size, gfp_t gfp, const char *file, int line,
		 const char *func);
char *__kstrdup(const char *s, gfp_t gfp, const char *file, int line,
		const char *func);
void kfree(const void *p);

#define kmalloc(s, g)	__kmalloc((s), (g), __FILE__, __LINE__, __func__)
#define kzalloc(s, g)	__kmalloc((s), (g) | __GFP_ZERO, __FILE__, __LINE__, __func__)
#define krealloc(p, s, g) __krealloc((p), (s), (g), __FILE__, __LINE__, __func__)
#define kstrdup(s, g)	__kstrdup((s), (g), __FILE__, __LINE__, __func__)
#define kmalloc_array(n, s, g)						\
	({ size_t __b; __builtin_mul_overflow((n), (s), &__b) ? NULL :	\
	   __kmalloc(__b, (g), __FILE__, __LINE__, __func__); })
#define kcalloc(n, s, g)	kmalloc_array((n), (s), (g) | __GFP_ZERO)
#define kvfree(p)		kfree(p)

/** ksize() - usable size of a kmalloc'd block. */
size_t ksize(const void *p);

/*
 * Owners.  An owner is what allocations are charged to: a driver binding,
 * a subsystem.  The thread's current owner (pcl_ctx()->kmem_owner) is set
 * by the code that calls into a driver.
 */
struct pcl_kmem_owner;
struct pcl_kmem_owner *pcl_kmem_owner_new(const char *device, const char *driver);
/** pcl_kmem_owner_switch() - make @o current; Return: the previous one. */
struct pcl_kmem_owner *pcl_kmem_owner_switch(struct pcl_kmem_owner *o);
/**
 * pcl_kmem_owner_close() - the owner is done (its driver unbound): report
 * every allocation still charged to it, one "leak" report per allocation
 * (up to a limit, then a summary), recharge them to no owner so they are
 * not reported twice, and drop the owner.  Return: allocations reported.
 */
unsigned long pcl_kmem_owner_close(struct pcl_kmem_owner *o, const char *bus);
/** kmemleak_not_leak() - @p legitimately outlives its owner. */
void kmemleak_not_leak(const void *p);
/** pcl_kmem_live() - live allocations (all owners). */
unsigned long pcl_kmem_live(void);
/**
 * pcl_kmem_check_all() - report every allocation still live, grouped by
 * owner (program teardown).  Return: number of live allocations.
 */
unsigned long pcl_kmem_check_all(void);
/**
 * pcl_kmem_fail_nth() - fault injection: the @n-th allocation from now
 * (1 = the next) fails, as the kernel's fail_nth does.  0 disarms.
 */
void pcl_kmem_fail_nth(unsigned int n);

/* ------------------------------------------------------------------ */
/* ID allocation                                                        */
/* ------------------------------------------------------------------ */

#define PCL_IDA_MAX	1024
/* struct ida - numbers 0 .. PCL_IDA_MAX - 1, lowest free first.  lock
 * protects map; process context. */
struct ida {
	struct mutex lock;
	unsigned long map[PCL_IDA_MAX / (8 * sizeof(unsigned long))];
};
#define DEFINE_IDA(x)	struct ida x = { __MUTEX_INITIALIZER(x.lock), { 0 } }
/** ida_alloc_max() - the lowest free ID <= @max.  Return: it, or -ENOSPC. */
int ida_alloc_max(struct ida *ida, unsigned int max, gfp_t gfp);
static inline int ida_alloc(struct ida *ida, gfp_t gfp)
{
	return ida_alloc_max(ida, PCL_IDA_MAX - 1, gfp);
}
void ida_free(struct ida *ida, unsigned int id);

#endif /* PCILAB_SYNC_H */
