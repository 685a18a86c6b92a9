/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pcilab/check.h - the bottom layer: the calling context of every thread,
 * the one report path every checker goes through, and the event trace.
 *
 * Every other layer sits on this one.  It knows nothing of devices or
 * drivers: a report names them with strings its caller passes.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#ifndef PCILAB_CHECK_H
#define PCILAB_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <pcilab/compiler.h>

/* ------------------------------------------------------------------ */
/* Calling context                                                      */
/* ------------------------------------------------------------------ */

/* What a report is about.  All fields optional (NULL). */
struct pcl_subject {
	const char *device;
	const char *bus;
	const char *driver;
};

#define PCL_MAX_HELD_LOCKS	48

enum pcl_lock_kind {
	PCL_LOCK_SPIN,		/* spinlock_t: makes the holder atomic   */
	PCL_LOCK_MUTEX,		/* struct mutex: sleeping                */
	PCL_LOCK_RWSEM_READ,	/* struct rw_semaphore held for read      */
	PCL_LOCK_RWSEM_WRITE,	/* struct rw_semaphore held for write     */
};

/* One entry of a thread's held-lock stack (what lockdep prints). */
struct pcl_held_lock {
	const void *lock;
	const char *name;	/* lock class name, e.g. "&dev->mutex"   */
	enum pcl_lock_kind kind;
	const char *file;	/* where it was taken                   */
	int line;
	bool recursive;		/* a reported re-acquisition, not taken  */
};

/*
 * struct pcl_context - what the calling thread is doing, in the terms the
 * kernel's might_sleep() and lockdep use.  One per thread, thread-local;
 * only its own thread writes it, so it needs no lock.
 */
struct pcl_context {
	int atomic_depth;	/* spinlocks held + preempt_disable()      */
	int hardirq_depth;	/* inside a hard-IRQ handler               */
	int softirq_depth;	/* inside an RCU callback or timer         */
	int irqs_disabled;	/* local_irq_save() nesting                */
	int rcu_depth;		/* rcu_read_lock() nesting                 */
	int nheld;
	struct pcl_held_lock held[PCL_MAX_HELD_LOCKS];
	int cpu;		/* emulated CPU, or -1 for a task          */
	int tid;
	char comm[16];		/* task name                               */
	void *kmem_owner;	/* who new allocations are charged to      */
	/* the device/driver whose code is running, for reports that are
	 * not given one explicitly; set by whoever calls into a driver */
	const struct pcl_subject *subject;
	int in_report;		/* guards against reports from reports     */
};

/*
 * Thread-local storage with the initial-exec model: a plain %fs-relative
 * load, not a __tls_get_addr() call - pcl_ctx() is on every lock, every
 * interrupt and every allocation.  (A program dlopen()ing libpcilab.so
 * late needs the static TLS space for it; linking it normally is fine.)
 */
#define PCL_TLS	__thread __attribute__((tls_model("initial-exec")))
extern PCL_TLS struct pcl_context pcl__tls_ctx;
extern PCL_TLS bool pcl__tls_ctx_ready;
struct pcl_context *pcl__ctx_init(void);

/**
 * pcl_ctx() - the calling thread's context.
 * Context: any.  Return: never NULL.
 */
static inline struct pcl_context *pcl_ctx(void)
{
	if (__builtin_expect(pcl__tls_ctx_ready, 1))
		return &pcl__tls_ctx;
	return pcl__ctx_init();
}

/** pcl_ctx_set_comm() - name the calling task (shown in reports). */
void pcl_ctx_set_comm(const char *comm);

static inline bool pcl_in_atomic(void)
{
	struct pcl_context *c = pcl_ctx();

	return c->atomic_depth || c->hardirq_depth || c->softirq_depth ||
	       c->irqs_disabled;
}

static inline bool in_hardirq(void) { return pcl_ctx()->hardirq_depth > 0; }
static inline bool in_softirq(void) { return pcl_ctx()->softirq_depth > 0; }
static inline bool in_task(void)
{
	return !pcl_ctx()->hardirq_depth && !pcl_ctx()->softirq_depth;
}
static inline bool irqs_disabled(void) { return pcl_ctx()->irqs_disabled > 0; }

/*
 * Enter and leave hard-IRQ / soft-IRQ context.  The IRQ layer brackets
 * every handler invocation with these; tests use them to play an interrupt.
 * Hard-IRQ context implies interrupts disabled on this CPU.
 */
void pcl_hardirq_enter(void);
void pcl_hardirq_exit(void);
void pcl_softirq_enter(void);
void pcl_softirq_exit(void);

/* Held-lock stack maintenance, used by the sync layer. */
void pcl_ctx_lock_acquired(const void *lock, const char *name,
			   enum pcl_lock_kind kind, const char *file, int line,
			   bool recursive);
/* Return: 1 released, 2 it was a recursive (not taken) entry, 0 not held
 * (reported under "lockdep"). */
int pcl_ctx_lock_released(const void *lock);
bool pcl_ctx_holds(const void *lock);

/* ------------------------------------------------------------------ */
/* Reports                                                              */
/* ------------------------------------------------------------------ */

/**
 * pcl_subject_switch() - make @s the running subject; Return: the previous.
 */
const struct pcl_subject *pcl_subject_switch(const struct pcl_subject *s);

/* The checkers.  Names are stable: scenarios and tests refer to them. */
enum pcl_checker {
	PCL_CHK_DEVRES,		/* "devres": devres during release / unbound */
	PCL_CHK_ATOMIC_SLEEP,	/* "atomic-sleep": sleeping in atomic context */
	PCL_CHK_RESIDUE,	/* "residue": state left after remove        */
	PCL_CHK_IRQ_FREE,	/* "irq-free": freeing vectors with handlers */
	PCL_CHK_REVOKE,		/* "use-after-revoke"                        */
	PCL_CHK_LEAK,		/* "leak": memory, descriptors, callbacks    */
	PCL_CHK_LOCKDEP,	/* "lockdep": lock misuse and inversions     */
	PCL_CHK_SPURIOUS,	/* "spurious-irq": unhandled interrupt storm */
	PCL_CHK_API,		/* "api": a core API used against its contract */
	PCL_CHK_NR
};

/** pcl_checker_name() - stable name of a checker, as scenarios spell it. */
const char *pcl_checker_name(enum pcl_checker chk);

/** pcl_checker_parse() - checker by name.  Return: 0 or -EINVAL. */
int pcl_checker_parse(const char *name, enum pcl_checker *out);


#define PCL_REPORT_MSG_MAX	512

/* A report, as captured for tests and for the scenario runner. */
struct pcl_report {
	enum pcl_checker checker;
	char device[64];
	char driver[64];
	char title[160];	/* the headline, e.g. "devres added ..."    */
	char detail[PCL_REPORT_MSG_MAX];
	const char *file;	/* where the faulty call was made           */
	int line;
	int hardirq, atomic;	/* context at the time of the report       */
	unsigned long seq;	/* order of reports within the process     */
	const char *text;	/* the printed report; valid only during the
				 * capture hook call, NULL in a capture buffer */
};

/**
 * pcl_report() - the one reporting path of every checker.
 * @chk: which checker fired.
 * @subj: the device/driver concerned, or NULL.
 * @file: @line: the site of the offending call (the driver's line when the
 *	API entry point is a macro that passes it, else the core's).
 * @title: one-line headline, printf-style, followed by its arguments.
 *
 * Prints a kernel-style report (WARNING line, context, held locks, call
 * trace) on the report stream, counts it, hands it to the capture hooks,
 * and aborts if fatal mode is on.  Re-entrant calls from within a report
 * are dropped.
 *
 * Context: any, including hard-IRQ with locks held.  It allocates nothing
 * through the tracked allocator.
 */
void pcl_report(enum pcl_checker chk, const struct pcl_subject *subj,
		const char *file, int line, const char *title, ...)
	__printf(5, 6);

/** pcl_report_detail() - like pcl_report() with a multi-line detail block. */
void pcl_report_detail(enum pcl_checker chk, const struct pcl_subject *subj,
		       const char *file, int line, const char *detail,
		       const char *title, ...) __printf(6, 7);

/** pcl_report_count() - reports so far from @chk (PCL_CHK_NR: all). */
unsigned long pcl_report_count(enum pcl_checker chk);

/** pcl_report_set_fatal() - make every report abort the process. */
void pcl_report_set_fatal(bool fatal);

/** pcl_report_set_stream() - where reports are printed (NULL: nowhere). */
void pcl_report_set_stream(FILE *f);

/** pcl_report_set_backtrace() - print call traces in reports (default on). */
void pcl_report_set_backtrace(bool on);

/*
 * Capture hook: called for every report, in the reporting thread, after it
 * is printed.  Used by tests and by the scenario runner.  One hook at a
 * time; pass NULL to remove.
 */
typedef void (*pcl_report_hook_t)(const struct pcl_report *r, void *arg);
void pcl_report_set_hook(pcl_report_hook_t hook, void *arg);

/*
 * A simple capture buffer for tests: pcl_capture_begin() installs a hook
 * that stores up to PCL_CAPTURE_MAX reports (and counts the rest).
 */
#define PCL_CAPTURE_MAX	64
struct pcl_capture {
	unsigned int n;		/* reports seen (may exceed PCL_CAPTURE_MAX) */
	struct pcl_report r[PCL_CAPTURE_MAX];
};
void pcl_capture_begin(struct pcl_capture *cap);
void pcl_capture_end(void);
/** pcl_capture_count() - captured reports from @chk (PCL_CHK_NR: all). */
unsigned int pcl_capture_count(const struct pcl_capture *cap,
			       enum pcl_checker chk);
/** pcl_capture_find() - first captured report of @chk, or NULL. */
const struct pcl_report *pcl_capture_find(const struct pcl_capture *cap,
					  enum pcl_checker chk);

/* WARN_ON-style core assertions: report under "api" and evaluate to cond. */
#define PCL_WARN_ON(cond, subj, ...)					\
	({								\
		bool __w = !!(cond);					\
		if (unlikely(__w))					\
			pcl_report(PCL_CHK_API, (subj), __FILE__, __LINE__, \
				   __VA_ARGS__);			\
		unlikely(__w);						\
	})

/* ------------------------------------------------------------------ */
/* Stack traces                                                         */
/* ------------------------------------------------------------------ */

/**
 * pcl_print_stack() - print the caller's call chain, kernel style
 * ("  function+0xoff/0xsize (file:line)"), skipping @skip frames.
 * Context: any.  Symbolises with elfutils' libdw, so static functions
 * have names too.
 */
void pcl_print_stack(FILE *f, int skip);

/* ------------------------------------------------------------------ */
/* Trace                                                                */
/* ------------------------------------------------------------------ */

enum pcl_trace_cat {
	PCL_TR_CORE,	/* bus, device and driver lifecycle          */
	PCL_TR_DEVRES,	/* devres add / remove / release (devres.log) */
	PCL_TR_SYNC,	/* grace periods, allocations (verbose)       */
	PCL_TR_SCN,	/* scenario steps                             */
	PCL_TR_DRV,	/* driver messages (dev_info and friends)     */
	PCL_TR_CFG,	/* config-space writes                        */
	PCL_TR_MMIO,	/* MMIO writes                                */
	PCL_TR_NR
};

/** pcl_trace_enable() - turn a set of categories on (bit = 1 << cat). */
void pcl_trace_enable(unsigned int mask, FILE *f);
bool pcl_trace_on(enum pcl_trace_cat cat);

/**
 * pcl_trace() - one trace line, prefixed with a monotonic event number and
 * the category, so that two runs of a deterministic scenario print the
 * same bytes.  Context: any.
 */
void pcl_trace(enum pcl_trace_cat cat, const char *fmt, ...) __printf(2, 3);

#endif /* PCILAB_CHECK_H */
