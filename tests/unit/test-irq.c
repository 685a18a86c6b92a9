// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests for the IRQ core (src/irq) in deterministic delivery mode:
 * descriptor allocation and RCU-deferred freeing, request_irq /
 * request_threaded_irq / free_irq / devm_request_irq, sharing rules,
 * handler context, kstat accounting, disable/enable nesting and edge
 * replay, threaded handlers and synchronize_irq(), the order in which
 * each flow handler drives its irq_chip, chained (demultiplexing)
 * handlers, spurious-interrupt detection, interrupts raised with local
 * interrupts off, and the /proc/interrupts-style table.
 *
 * Interrupts are raised with pcl_irq_raise() and handled inline on the
 * raising thread as CPU 0.  Every test allocates its descriptors and
 * installs its handlers through the helpers below, which remember them:
 * a test gives everything back itself (and asserts it could), and the
 * fixture fails a test that left something behind, frees it so that the
 * next test starts clean, waits for RCU callbacks (descriptor memory goes
 * after a grace period) and checks reports and tracked allocations.
 *
 * The multi-threaded tests (CPU threads) are in test-irq-threaded.c.
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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcilab/irq.h>

#include "pcltest.h"

/* A wait that does not end is a hang: SIGALRM ends the binary instead. */
#define HANG_GUARD_S	5

/* The spurious-detection window src/irq/spurious.c starts with. */
#define SPURIOUS_WINDOW_DEFAULT		1000
#define SPURIOUS_UNHANDLED_DEFAULT	990

/* ------------------------------------------------------------------ */
/* Fixture                                                              */
/* ------------------------------------------------------------------ */

static struct pcl_capture cap;

#define MAX_RANGES	8
#define MAX_REQS	8

static struct {
	unsigned long live0;
	unsigned int expected_reports;
	unsigned int mark;		/* reports already accounted for */
	struct { unsigned int base, cnt; } range[MAX_RANGES];
	struct { unsigned int irq; void *dev_id; } req[MAX_REQS];
} F;

static void hang_guard(int sig)
{
	static const char msg[] = "test-irq: watchdog: a test hung (deadlock?)\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1))
		_exit(2);
	_exit(2);
}

static void devs_reset(void);
static void devs_release(void);

static int setup(void **state)
{
	memset(&F, 0, sizeof(F));
	devs_reset();
	quiet();
	F.live0 = fixture_begin(&cap);
	alarm(HANG_GUARD_S);
	return 0;
}

static int teardown(void **state)
{
	unsigned int left = 0;

	/* A test that failed half-way (or forgot) left these: free them so
	 * that the next test starts clean, and fail this one. */
	devs_release();
	for (unsigned int i = 0; i < MAX_REQS; i++) {
		if (!F.req[i].dev_id)
			continue;
		print_error("teardown: IRQ %u handler (dev_id %p) left installed\n",
			    F.req[i].irq, F.req[i].dev_id);
		free_irq(F.req[i].irq, F.req[i].dev_id);
		left++;
	}
	for (unsigned int i = 0; i < MAX_RANGES; i++) {
		if (!F.range[i].cnt)
			continue;
		print_error("teardown: IRQs %u..%u left allocated\n",
			    F.range[i].base,
			    F.range[i].base + F.range[i].cnt - 1);
		irq_free_descs(F.range[i].base, F.range[i].cnt);
		left++;
	}
	pcl_irq_set_spurious_window(SPURIOUS_WINDOW_DEFAULT,
				    SPURIOUS_UNHANDLED_DEFAULT);
	rcu_barrier();			/* descriptors go after a grace period */
	alarm(0);
	if (fixture_end(&cap, F.expected_reports, F.live0))
		return -1;
	return left ? -1 : 0;
}

/*
 * Exactly @n reports since the last call, all from @chk; the last of them
 * (if any) has @needle in its title.  The fixture expects them at the end.
 */
static void new_reports(enum pcl_checker chk, unsigned int n, const char *needle)
{
	assert_new_reports(&cap, &F.mark, chk, n, needle);
	F.expected_reports = cap.n;
}

static void no_new_reports(void)
{
	new_reports(PCL_CHK_NR, 0, NULL);
}

/* ---- descriptors and handlers the fixture knows about ---- */

static void remember_range(unsigned int base, unsigned int cnt)
{
	for (unsigned int i = 0; i < MAX_RANGES; i++) {
		if (!F.range[i].cnt) {
			F.range[i].base = base;
			F.range[i].cnt = cnt;
			return;
		}
	}
	fail_msg("too many descriptor ranges for the fixture");
}

static void forget_range(unsigned int base)
{
	for (unsigned int i = 0; i < MAX_RANGES; i++)
		if (F.range[i].cnt && F.range[i].base == base)
			F.range[i].cnt = 0;
}

/* @cnt consecutive new IRQs; Return: the first. */
static unsigned int irqs(unsigned int cnt)
{
	int base = irq_alloc_descs(0, cnt, "test");

	assert_true(base > 0);
	remember_range((unsigned int)base, cnt);
	return (unsigned int)base;
}

/* Free them; asserts it succeeded. */
static void put_irqs(unsigned int base, unsigned int cnt)
{
	assert_int_equal(irq_free_descs(base, cnt), 0);
	forget_range(base);
}

static void remember_req(unsigned int irq, void *dev_id)
{
	for (unsigned int i = 0; i < MAX_REQS; i++) {
		if (!F.req[i].dev_id) {
			F.req[i].irq = irq;
			F.req[i].dev_id = dev_id;
			return;
		}
	}
	fail_msg("too many handlers for the fixture");
}

static void forget_req(unsigned int irq, void *dev_id)
{
	for (unsigned int i = 0; i < MAX_REQS; i++)
		if (F.req[i].dev_id == dev_id && F.req[i].irq == irq)
			F.req[i].dev_id = NULL;
}

/* ------------------------------------------------------------------ */
/* A recording irq_chip and handlers                                    */
/* ------------------------------------------------------------------ */

enum ev { EV_NONE, EV_MASK, EV_UNMASK, EV_ACK, EV_EOI, EV_HANDLER, EV_THREAD };

static const char *const ev_name[] = {
	"none", "mask", "unmask", "ack", "eoi", "handler", "thread",
};

#define LOG_MAX	32

/* What the chip and the handlers did, in order; written from the raising
 * thread and from handler threads, read after synchronize_irq(). */
static struct {
	atomic_uint n;
	int ev[LOG_MAX];
	bool hard[LOG_MAX];		/* in_hardirq() at the time */
} L;

static void log_reset(void)
{
	atomic_store(&L.n, 0);
	memset(L.ev, 0, sizeof(L.ev));
	memset(L.hard, 0, sizeof(L.hard));
}

static void log_ev(enum ev ev)
{
	unsigned int i = atomic_fetch_add(&L.n, 1);

	if (i < LOG_MAX) {
		L.ev[i] = ev;
		L.hard[i] = in_hardirq();
	}
}

static void print_log(void)
{
	unsigned int n = atomic_load(&L.n);

	print_error("event log (%u):", n);
	for (unsigned int i = 0; i < n && i < LOG_MAX; i++)
		print_error(" %s%s", ev_name[L.ev[i]], L.hard[i] ? "(hard)" : "");
	print_error("\n");
}

static void check_log(const int *want, unsigned int n, const char *file,
		      int line)
{
	bool same = atomic_load(&L.n) == n;

	for (unsigned int i = 0; same && i < n; i++)
		same = L.ev[i] == want[i];
	if (!same) {
		print_error("expected:");
		for (unsigned int i = 0; i < n; i++)
			print_error(" %s", ev_name[want[i]]);
		print_error("\n");
		print_log();
		_fail(file, line);
	}
}

/* assert_log(EV_..., ...): the log holds exactly these events, in order. */
#define assert_log(...)							\
	do {								\
		static const int __want[] = { __VA_ARGS__ };		\
		check_log(__want, ARRAY_SIZE(__want), __FILE__, __LINE__); \
	} while (0)
#define assert_log_empty()	assert_int_equal(atomic_load(&L.n), 0)

static void chip_mask(struct irq_data *d) { log_ev(EV_MASK); }
static void chip_unmask(struct irq_data *d) { log_ev(EV_UNMASK); }
static void chip_ack(struct irq_data *d) { log_ev(EV_ACK); }
static void chip_eoi(struct irq_data *d) { log_ev(EV_EOI); }

static const struct irq_chip tchip = {
	.name = "tchip",
	.irq_mask = chip_mask,
	.irq_unmask = chip_unmask,
	.irq_ack = chip_ack,
	.irq_eoi = chip_eoi,
};

/*
 * A handler's device: what it returns and what it saw.  Handlers write it
 * in hard-IRQ context (inline, on this thread) or on their handler thread;
 * the test reads it after pcl_irq_raise() / synchronize_irq() returned.
 */
struct tdev {
	const char *name;
	irqreturn_t ret;		/* what the hard handler returns */
	unsigned int handled_every;	/* if set: IRQ_HANDLED on every n-th
					 * call, IRQ_NONE otherwise */
	struct mutex *take;		/* a mutex the hard handler takes */
	atomic_uint calls;
	unsigned int seq;		/* when it last ran (see call_seq) */
	int irq;			/* as last seen by the hard handler */
	void *dev_id;
	bool hard, task, irqs_off;
	/* threaded part */
	atomic_uint thread_calls;
	int thread_irq;
	void *thread_dev_id;
	bool thread_hard, thread_task;
	int thread_tid;
	unsigned int thread_sleep_ms;	/* thread_fn sleeps this long... */
	atomic_int thread_done;		/* ...then sets this */
	bool gated;			/* first thread_fn call completes
					 * @entered and waits for @go */
	struct completion entered, go;
};

/* Orders hard handler calls across devices. */
static atomic_uint call_seq;

/*
 * The devices of the running test.  Not on the test's stack: when a test
 * fails half-way, the fixture frees the handlers it left, and a handler
 * thread may still be using its device.
 */
#define NDEVS	4
static struct tdev devs[NDEVS];
static unsigned int ndevs;

static struct tdev *tdev_new(const char *name)
{
	struct tdev *t;

	assert_true(ndevs < NDEVS);
	t = &devs[ndevs++];
	t->name = name;
	t->ret = IRQ_HANDLED;
	init_completion(&t->entered);
	init_completion(&t->go);
	return t;
}

#define TDEV(var, n)	struct tdev *const var = tdev_new(n)

static void devs_reset(void)
{
	memset(devs, 0, sizeof(devs));
	ndevs = 0;
}

/* Let a thread_fn the test left waiting go on (it is being freed). */
static void devs_release(void)
{
	for (unsigned int i = 0; i < ndevs; i++)
		if (devs[i].gated)
			complete_all(&devs[i].go);
}

static irqreturn_t hard_handler(int irq, void *dev_id)
{
	struct tdev *t = dev_id;
	unsigned int call = atomic_fetch_add(&t->calls, 1) + 1;

	t->seq = atomic_fetch_add(&call_seq, 1);
	t->irq = irq;
	t->dev_id = dev_id;
	t->hard = in_hardirq();
	t->task = in_task();
	t->irqs_off = irqs_disabled();
	log_ev(EV_HANDLER);
	if (t->take) {
		mutex_lock(t->take);
		mutex_unlock(t->take);
	}
	if (t->handled_every)
		return call % t->handled_every ? IRQ_NONE : IRQ_HANDLED;
	return t->ret;
}

static irqreturn_t thread_handler(int irq, void *dev_id)
{
	struct tdev *t = dev_id;
	unsigned int call = atomic_fetch_add(&t->thread_calls, 1) + 1;

	t->thread_irq = irq;
	t->thread_dev_id = dev_id;
	t->thread_hard = in_hardirq();
	t->thread_task = in_task();
	t->thread_tid = pcl_ctx()->tid;
	log_ev(EV_THREAD);
	if (call == 1 && t->gated) {
		complete(&t->entered);
		wait_for_completion(&t->go);
	}
	if (t->thread_sleep_ms)
		msleep(t->thread_sleep_ms);
	atomic_store(&t->thread_done, 1);
	return IRQ_HANDLED;
}

static void req_threaded(unsigned int irq, irq_handler_t handler,
			 irq_handler_t thread_fn, unsigned long flags,
			 struct tdev *t)
{
	assert_int_equal(request_threaded_irq(irq, handler, thread_fn, flags,
					      t->name, t), 0);
	remember_req(irq, t);
}

static void req(unsigned int irq, unsigned long flags, struct tdev *t)
{
	req_threaded(irq, hard_handler, NULL, flags, t);
}

/* free_irq() that must succeed: it returns the name the handler had. */
static void unreq(unsigned int irq, struct tdev *t)
{
	const void *name = free_irq(irq, t);

	forget_req(irq, t);
	assert_ptr_equal(name, t->name);
}

static unsigned int calls(struct tdev *t)
{
	return atomic_load(&t->calls);
}

static void raise_n(unsigned int irq, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		pcl_irq_raise(irq);
}

/* ------------------------------------------------------------------ */
/* Descriptors                                                          */
/* ------------------------------------------------------------------ */

static void test_alloc_descs_is_consecutive_first_fit_and_never_irq_0(void **state)
{
	unsigned int a, b, c, d;

	a = irqs(2);
	b = irqs(3);
	assert_int_equal(b, a + 2);		/* right after the first */
	for (unsigned int i = 0; i < 3; i++) {
		struct irq_data *data = irq_get_irq_data(b + i);

		assert_non_null(data);
		assert_int_equal(data->irq, b + i);
	}
	assert_null(irq_get_irq_data(0));

	/* A 2-IRQ hole: 3 do not fit in it, 2 do. */
	put_irqs(a, 2);
	c = irqs(3);
	assert_int_equal(c, b + 3);
	d = irqs(2);
	assert_int_equal(d, a);

	/* "from" is honoured. */
	assert_int_equal(irq_alloc_descs(c + 10, 1, "test"), (int)(c + 10));
	remember_range(c + 10, 1);
	put_irqs(c + 10, 1);

	put_irqs(d, 2);
	put_irqs(c, 3);
	put_irqs(b, 3);
	no_new_reports();
}

static void test_alloc_descs_enospc_and_einval_at_the_edges(void **state)
{
	const unsigned int last = PCL_NR_IRQS - 1;

	assert_int_equal(irq_alloc_descs(0, 0, "test"), -EINVAL);
	assert_int_equal(irq_alloc_descs(0, PCL_NR_IRQS + 1, "test"), -EINVAL);
	/* IRQ 0 is never handed out, so the whole space never fits. */
	assert_int_equal(irq_alloc_descs(0, PCL_NR_IRQS, "test"), -ENOSPC);
	assert_int_equal(irq_alloc_descs(last, 2, "test"), -ENOSPC);
	assert_int_equal(irq_alloc_descs(PCL_NR_IRQS, 1, "test"), -ENOSPC);
	/* A start far past the end must not wrap around to IRQ 0. */
	assert_int_equal(irq_alloc_descs(UINT_MAX, 1, "test"), -ENOSPC);
	assert_int_equal(irq_alloc_descs(UINT_MAX - 1, 2, "test"), -ENOSPC);

	/* The last number is usable, once. */
	assert_int_equal(irq_alloc_descs(last, 1, "test"), (int)last);
	remember_range(last, 1);
	assert_int_equal(irq_alloc_descs(last, 1, "test"), -ENOSPC);
	put_irqs(last, 1);
	no_new_reports();
}

static void test_irq_to_desc_under_rcu_is_null_after_free_descs(void **state)
{
	unsigned int irq = irqs(2), seen = 0;
	struct irq_desc *desc, *d0, *d1;

	/* (Asserting after the section: a failure must not leave it open.) */
	rcu_read_lock();
	desc = irq_to_desc(irq + 1);
	if (desc)
		seen = irq_desc_get_irq_data(desc)->irq;
	rcu_read_unlock();
	assert_non_null(desc);
	assert_int_equal(seen, irq + 1);

	put_irqs(irq, 2);
	rcu_read_lock();
	d0 = irq_to_desc(irq);
	d1 = irq_to_desc(irq + 1);
	rcu_read_unlock();
	assert_null(d0);
	assert_null(d1);
	assert_null(irq_get_irq_data(irq));
	assert_false(irq_has_action(irq));
	assert_int_equal(kstat_irqs_cpu(irq, 0), 0);

	/* And nothing can be requested on it. */
	{
		TDEV(t, "gone");

		assert_int_equal(request_irq(irq, hard_handler, 0, t->name, t),
				 -EINVAL);
	}
	no_new_reports();
}

static void test_free_descs_with_a_handler_is_refused_ebusy_and_reported_once(void **state)
{
	unsigned int base = irqs(3);
	struct irq_desc *d[3];
	TDEV(t, "busy");

	req(base + 1, 0, t);
	/* The batch: the busy one is kept, the others go. */
	assert_int_equal(irq_free_descs(base, 3), -EBUSY);
	new_reports(PCL_CHK_IRQ_FREE, 1, "busy");
	assert_contains_fmt(last_captured(&cap)->title, "IRQ %u which",
			    base + 1);
	rcu_read_lock();
	for (unsigned int i = 0; i < 3; i++)
		d[i] = irq_to_desc(base + i);
	rcu_read_unlock();
	assert_null(d[0]);
	assert_non_null(d[1]);
	assert_null(d[2]);

	/* The kept descriptor still works. */
	assert_true(irq_has_action(base + 1));
	pcl_irq_raise(base + 1);
	assert_int_equal(calls(t), 1);

	unreq(base + 1, t);
	assert_int_equal(irq_free_descs(base + 1, 1), 0);
	forget_range(base);
	no_new_reports();
}

/* ------------------------------------------------------------------ */
/* Requesting and raising                                               */
/* ------------------------------------------------------------------ */

static void test_raise_runs_the_handler_once_in_hardirq_with_its_dev_id(void **state)
{
	unsigned int irq = irqs(1);
	TDEV(t, "one");

	assert_false(irq_has_action(irq));
	req(irq, 0, t);
	assert_true(irq_has_action(irq));
	assert_int_equal(calls(t), 0);		/* requesting raises nothing */

	pcl_irq_raise(irq);
	assert_int_equal(calls(t), 1);
	assert_int_equal(t->irq, (int)irq);
	assert_ptr_equal(t->dev_id, t);
	assert_true(t->hard);
	assert_false(t->task);
	assert_true(t->irqs_off);
	/* ... and the raiser is back in process context. */
	assert_false(in_hardirq());
	assert_false(irqs_disabled());

	unreq(irq, t);
	put_irqs(irq, 1);
	no_new_reports();
}

static void test_kstat_counts_each_delivered_interrupt_on_cpu0(void **state)
{
	unsigned int irq = irqs(2);
	TDEV(t, "counted");

	req(irq, 0, t);
	raise_n(irq, 7);
	assert_int_equal(calls(t), 7);
	assert_int_equal(kstat_irqs_cpu(irq, 0), 7);
	for (unsigned int c = 1; c < PCL_MAX_CPUS; c++)
		assert_int_equal(kstat_irqs_cpu(irq, c), 0);
	assert_int_equal(kstat_irqs_cpu(irq, PCL_MAX_CPUS), 0);
	/* The neighbour took none. */
	assert_int_equal(kstat_irqs_cpu(irq + 1, 0), 0);

	unreq(irq, t);
	put_irqs(irq, 2);
	no_new_reports();
}

static void test_request_rejects_no_desc_no_handler_and_shared_without_dev_id(void **state)
{
	unsigned int irq = irqs(1);
	TDEV(t, "bad");

	assert_int_equal(request_irq(PCL_NR_IRQS, hard_handler, 0, t->name, t),
			 -EINVAL);
	assert_int_equal(request_threaded_irq(irq, NULL, NULL, 0, t->name, t),
			 -EINVAL);
	assert_int_equal(request_irq(irq, hard_handler, IRQF_SHARED, t->name,
				     NULL), -EINVAL);
	assert_false(irq_has_action(irq));
	pcl_irq_raise(irq);
	assert_int_equal(calls(t), 0);

	put_irqs(irq, 1);
	no_new_reports();
}

static void test_shared_actions_both_run(void **state)
{
	unsigned int irq = irqs(1);
	TDEV(a, "shared-a");
	TDEV(b, "shared-b");

	req(irq, IRQF_SHARED, a);
	req(irq, IRQF_SHARED, b);
	pcl_irq_raise(irq);
	assert_int_equal(calls(a), 1);
	assert_int_equal(calls(b), 1);
	assert_ptr_equal(a->dev_id, a);
	assert_ptr_equal(b->dev_id, b);
	assert_int_equal(kstat_irqs_cpu(irq, 0), 1);	/* one interrupt */

	unreq(irq, b);
	unreq(irq, a);
	put_irqs(irq, 1);
	no_new_reports();
}

static void test_sharing_conflicts_are_ebusy(void **state)
{
	unsigned int irq = irqs(2);
	TDEV(a, "a");
	TDEV(b, "b");
	TDEV(c, "c");

	req(irq, IRQF_SHARED, a);
	/* Not shareable: the newcomer does not say IRQF_SHARED. */
	assert_int_equal(request_irq(irq, hard_handler, 0, b->name, b), -EBUSY);
	/* The same dev_id twice. */
	assert_int_equal(request_irq(irq, hard_handler, IRQF_SHARED, a->name, a),
			 -EBUSY);
	/* Not shareable: the one installed did not say IRQF_SHARED. */
	req(irq + 1, 0, b);
	assert_int_equal(request_irq(irq + 1, hard_handler, IRQF_SHARED,
				     c->name, c), -EBUSY);
	assert_int_equal(request_irq(irq + 1, hard_handler, 0, c->name, c),
			 -EBUSY);

	/* None of the refused ones was installed. */
	pcl_irq_raise(irq);
	pcl_irq_raise(irq + 1);
	assert_int_equal(calls(a), 1);
	assert_int_equal(calls(b), 1);
	assert_int_equal(calls(c), 0);

	unreq(irq + 1, b);
	unreq(irq, a);
	put_irqs(irq, 2);
	no_new_reports();
}

/* ------------------------------------------------------------------ */
/* free_irq()                                                           */
/* ------------------------------------------------------------------ */

static void test_free_irq_removes_only_the_matching_dev_id_and_returns_its_name(void **state)
{
	unsigned int irq = irqs(1);
	TDEV(a, "keep-a");
	TDEV(b, "drop-b");
	TDEV(c, "keep-c");

	req(irq, IRQF_SHARED, a);
	req(irq, IRQF_SHARED, b);
	req(irq, IRQF_SHARED, c);
	unreq(irq, b);			/* asserts the name came back */
	assert_true(irq_has_action(irq));

	pcl_irq_raise(irq);
	assert_int_equal(calls(a), 1);
	assert_int_equal(calls(b), 0);
	assert_int_equal(calls(c), 1);

	unreq(irq, a);
	assert_true(irq_has_action(irq));
	unreq(irq, c);
	assert_false(irq_has_action(irq));
	put_irqs(irq, 1);
	no_new_reports();
}

static void test_free_irq_of_an_unknown_dev_id_is_null_and_one_api_report(void **state)
{
	unsigned int irq = irqs(1);
	TDEV(a, "a");
	TDEV(stranger, "stranger");

	req(irq, IRQF_SHARED, a);
	assert_null(free_irq(irq, stranger));
	new_reports(PCL_CHK_API, 1, "already-free");
	assert_true(irq_has_action(irq));
	pcl_irq_raise(irq);
	assert_int_equal(calls(a), 1);

	unreq(irq, a);
	/* Twice is the same mistake. */
	assert_null(free_irq(irq, a));
	new_reports(PCL_CHK_API, 1, "already-free");
	put_irqs(irq, 1);
}

static void test_free_irq_in_hardirq_is_refused_with_a_report_handler_kept(void **state)
{
	unsigned int irq = irqs(1);
	TDEV(t, "kept");
	const void *ret;

	req(irq, 0, t);
	pcl_hardirq_enter();
	ret = free_irq(irq, t);
	pcl_hardirq_exit();
	assert_null(ret);
	new_reports(PCL_CHK_API, 1, "hard-IRQ");
	assert_true(irq_has_action(irq));
	pcl_irq_raise(irq);
	assert_int_equal(calls(t), 1);

	unreq(irq, t);
	put_irqs(irq, 1);
	no_new_reports();
}

static void test_handler_is_never_called_after_free_irq(void **state)
{
	unsigned int irq = irqs(1);
	TDEV(t, "gone");

	irq_set_chip_and_handler(irq, &tchip, handle_edge_irq);
	req(irq, 0, t);
	pcl_irq_raise(irq);
	assert_int_equal(calls(t), 1);
	unreq(irq, t);
	assert_false(irq_has_action(irq));

	raise_n(irq, 5);
	/* Not even through an enable that would replay a pending edge. */
	enable_irq(irq);
	pcl_irq_raise(irq);
	assert_int_equal(calls(t), 1);
	no_new_reports();
	put_irqs(irq, 1);
}

/* ------------------------------------------------------------------ */
/* disable_irq / enable_irq                                             */
/* ------------------------------------------------------------------ */

static void test_disable_enable_nest_and_raises_while_disabled_are_not_delivered(void **state)
{
	unsigned int irq = irqs(1);
	TDEV(t, "nest");

	req(irq, 0, t);
	disable_irq(irq);
	disable_irq(irq);
	pcl_irq_raise(irq);
	assert_int_equal(calls(t), 0);
	enable_irq(irq);		/* depth 2 -> 1: still disabled */
	pcl_irq_raise(irq);
	assert_int_equal(calls(t), 0);
	enable_irq(irq);		/* depth 1 -> 0 */
	assert_int_equal(calls(t), 0);	/* a simple flow replays nothing */
	pcl_irq_raise(irq);
	assert_int_equal(calls(t), 1);

	/* disable_irq_nosync() nests with disable_irq() the same way. */
	disable_irq_nosync(irq);
	disable_irq(irq);
	enable_irq(irq);
	pcl_irq_raise(irq);
	assert_int_equal(calls(t), 1);
	enable_irq(irq);
	pcl_irq_raise(irq);
	assert_int_equal(calls(t), 2);

	unreq(irq, t);
	put_irqs(irq, 1);
	no_new_reports();
}

static void test_edge_raised_while_disabled_is_replayed_once_on_enable(void **state)
{
	unsigned int irq = irqs(1);
	TDEV(t, "edge");

	irq_set_chip_and_handler(irq, &tchip, handle_edge_irq);
	req(irq, 0, t);
	disable_irq(irq);
	disable_irq(irq);
	raise_n(irq, 3);		/* one latched edge */
	assert_int_equal(calls(t), 0);
	enable_irq(irq);
	assert_int_equal(calls(t), 0);	/* still disabled: no replay yet */
	enable_irq(irq);
	assert_int_equal(calls(t), 1);	/* replayed, once */

	/* Nothing left pending: a later disable/enable replays nothing. */
	disable_irq(irq);
	enable_irq(irq);
	assert_int_equal(calls(t), 1);

	unreq(irq, t);
	put_irqs(irq, 1);
	no_new_reports();
}

static void check_not_replayed(irq_flow_handler_t flow)
{
	unsigned int irq = irqs(1);
	TDEV(t, "not-replayed");

	irq_set_chip_and_handler(irq, &tchip, flow);
	req(irq, 0, t);
	disable_irq(irq);
	raise_n(irq, 2);
	enable_irq(irq);
	assert_int_equal(calls(t), 0);
	pcl_irq_raise(irq);		/* a new interrupt is delivered */
	assert_int_equal(calls(t), 1);
	unreq(irq, t);
	put_irqs(irq, 1);
}

static void test_level_raised_while_disabled_is_not_replayed_on_enable(void **state)
{
	check_not_replayed(handle_level_irq);
	no_new_reports();
}

static void test_simple_raised_while_disabled_is_not_replayed_on_enable(void **state)
{
	check_not_replayed(handle_simple_irq);
	no_new_reports();
}

static void test_unbalanced_enable_irq_is_an_api_report(void **state)
{
	unsigned int irq = irqs(1);
	TDEV(t, "unbalanced");

	req(irq, 0, t);
	enable_irq(irq);
	new_reports(PCL_CHK_API, 1, "Unbalanced enable");
	/* The depth did not go negative: one disable still disables. */
	disable_irq(irq);
	pcl_irq_raise(irq);
	assert_int_equal(calls(t), 0);
	enable_irq(irq);
	pcl_irq_raise(irq);
	assert_int_equal(calls(t), 1);
	no_new_reports();

	unreq(irq, t);
	put_irqs(irq, 1);
}

static void test_no_autoen_request_stays_disabled_until_enable_irq(void **state)
{
	unsigned int irq = irqs(1);
	TDEV(t, "noauto");

	req(irq, IRQF_NO_AUTOEN, t);
	pcl_irq_raise(irq);
	assert_int_equal(calls(t), 0);
	enable_irq(irq);
	pcl_irq_raise(irq);
	assert_int_equal(calls(t), 1);

	unreq(irq, t);
	put_irqs(irq, 1);
	no_new_reports();
}

static void test_mutex_in_a_handler_is_an_atomic_sleep_report(void **state)
{
	static DEFINE_MUTEX(m);
	unsigned int irq = irqs(1);
	TDEV(t, "sleeper");

	t->take = &m;
	req(irq, 0, t);
	pcl_irq_raise(irq);
	assert_int_equal(calls(t), 1);
	/* might_sleep() in hard-IRQ context, and lockdep's sleeping lock
	 * in hard-IRQ context. */
	assert_int_equal(cap.n - F.mark, 2);
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_ATOMIC_SLEEP), 1);
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_LOCKDEP), 1);
	assert_true(pcl_capture_find(&cap, PCL_CHK_ATOMIC_SLEEP)->hardirq);
	F.mark = cap.n;
	F.expected_reports = cap.n;

	unreq(irq, t);
	put_irqs(irq, 1);
	no_new_reports();
}

/* ------------------------------------------------------------------ */
/* Threaded handlers                                                    */
/* ------------------------------------------------------------------ */

static void test_thread_fn_runs_in_task_context_once_per_wake_thread(void **state)
{
	unsigned int irq = irqs(1);
	TDEV(t, "threaded");

	req_threaded(irq, hard_handler, thread_handler, 0, t);

	/* IRQ_HANDLED from the hard handler: the thread is not woken. */
	t->ret = IRQ_HANDLED;
	raise_n(irq, 2);
	synchronize_irq(irq);
	assert_int_equal(calls(t), 2);
	assert_int_equal(atomic_load(&t->thread_calls), 0);

	t->ret = IRQ_WAKE_THREAD;
	pcl_irq_raise(irq);
	synchronize_irq(irq);
	assert_int_equal(atomic_load(&t->thread_calls), 1);
	assert_int_equal(t->thread_irq, (int)irq);
	assert_ptr_equal(t->thread_dev_id, t);
	assert_true(t->thread_task);
	assert_false(t->thread_hard);
	assert_int_not_equal(t->thread_tid, pcl_ctx()->tid);

	pcl_irq_raise(irq);
	synchronize_irq(irq);
	assert_int_equal(atomic_load(&t->thread_calls), 2);
	assert_int_equal(calls(t), 4);

	unreq(irq, t);
	put_irqs(irq, 1);
	no_new_reports();
}

static void test_synchronize_irq_waits_for_the_thread_fn(void **state)
{
	unsigned int irq = irqs(1);
	TDEV(t, "slow-thread");

	t->ret = IRQ_WAKE_THREAD;
	t->thread_sleep_ms = 50;
	req_threaded(irq, hard_handler, thread_handler, 0, t);
	pcl_irq_raise(irq);
	synchronize_irq(irq);
	assert_int_equal(atomic_load(&t->thread_done), 1);
	assert_int_equal(atomic_load(&t->thread_calls), 1);

	unreq(irq, t);
	put_irqs(irq, 1);
	no_new_reports();
}

/*
 * Wakes that come while the thread is busy coalesce into one more run (as
 * the kernel's IRQTF_RUNTHREAD does), and synchronize_irq() still returns:
 * the count of active threads must not keep one per wake.
 */
static void test_wakes_while_the_thread_runs_coalesce_and_synchronize_returns(void **state)
{
	unsigned int irq = irqs(1);
	TDEV(t, "coalesce");

	t->ret = IRQ_WAKE_THREAD;
	t->gated = true;
	req_threaded(irq, hard_handler, thread_handler, 0, t);
	pcl_irq_raise(irq);
	assert_true(wait_for_completion_timeout(&t->entered, 2000) > 0);
	/* The thread is inside its first run: two more wakes. */
	raise_n(irq, 2);
	assert_int_equal(calls(t), 3);
	complete(&t->go);
	synchronize_irq(irq);		/* hangs (watchdog) if it leaked */
	assert_int_equal(atomic_load(&t->thread_calls), 2);

	unreq(irq, t);
	put_irqs(irq, 1);
	no_new_reports();
}

static void test_threaded_irq_without_hard_handler_is_oneshot(void **state)
{
	unsigned int irq = irqs(1);
	TDEV(t, "oneshot");

	t->gated = true;
	irq_set_chip_and_handler(irq, &tchip, handle_level_irq);
	/* No IRQF_ONESHOT given: a NULL hard handler implies it. */
	req_threaded(irq, NULL, thread_handler, 0, t);
	log_reset();
	pcl_irq_raise(irq);
	assert_true(wait_for_completion_timeout(&t->entered, 2000) > 0);
	/* The line stays masked while the thread runs... */
	assert_log(EV_MASK, EV_ACK, EV_THREAD);
	complete(&t->go);
	synchronize_irq(irq);
	/* ... and the thread unmasks it when done, in process context. */
	assert_log(EV_MASK, EV_ACK, EV_THREAD, EV_UNMASK);
	assert_false(L.hard[3]);
	assert_int_equal(atomic_load(&t->thread_calls), 1);
	assert_true(t->thread_task);
	assert_int_equal(calls(t), 0);		/* no hard handler of ours */

	/* It works again. */
	pcl_irq_raise(irq);
	synchronize_irq(irq);
	assert_int_equal(atomic_load(&t->thread_calls), 2);

	unreq(irq, t);
	put_irqs(irq, 1);
	no_new_reports();
}

/* ------------------------------------------------------------------ */
/* Flow handlers and the chip                                           */
/* ------------------------------------------------------------------ */

/* One interrupt through @flow; the log then holds what it did. */
static unsigned int one_through(irq_flow_handler_t flow, struct tdev *t)
{
	unsigned int irq = irqs(1);

	irq_set_chip_and_handler(irq, &tchip, flow);
	req(irq, 0, t);
	log_reset();			/* requesting unmasks */
	pcl_irq_raise(irq);
	assert_int_equal(calls(t), 1);
	for (unsigned int i = 0; i < atomic_load(&L.n); i++)
		assert_true(L.hard[i]);
	return irq;
}

static void done_with(unsigned int irq, struct tdev *t)
{
	unreq(irq, t);
	put_irqs(irq, 1);
	no_new_reports();
}

static void test_edge_flow_acks_then_runs_the_handler(void **state)
{
	TDEV(t, "edge");
	unsigned int irq = one_through(handle_edge_irq, t);

	assert_log(EV_ACK, EV_HANDLER);
	done_with(irq, t);
}

static void test_level_flow_masks_acks_runs_the_handler_then_unmasks(void **state)
{
	TDEV(t, "level");
	unsigned int irq = one_through(handle_level_irq, t);

	assert_log(EV_MASK, EV_ACK, EV_HANDLER, EV_UNMASK);
	done_with(irq, t);
}

static void test_fasteoi_flow_runs_the_handler_then_eois(void **state)
{
	TDEV(t, "fasteoi");
	unsigned int irq = one_through(handle_fasteoi_irq, t);

	assert_log(EV_HANDLER, EV_EOI);
	done_with(irq, t);
}

static void test_simple_flow_does_not_touch_the_chip(void **state)
{
	TDEV(t, "simple");
	unsigned int irq = one_through(handle_simple_irq, t);

	assert_log(EV_HANDLER);
	done_with(irq, t);
}

/* ------------------------------------------------------------------ */
/* Chained handlers                                                     */
/* ------------------------------------------------------------------ */

struct demux {
	unsigned int child[3];
	int ret[3];
	unsigned int runs;
	unsigned int parent;		/* as the flow handler saw it */
	bool hard;
};

static void demux_flow(struct irq_desc *desc)
{
	struct demux *d = irq_desc_get_handler_data(desc);

	d->runs++;
	d->parent = irq_desc_get_irq_data(desc)->irq;
	d->hard = in_hardirq();
	for (unsigned int i = 0; i < ARRAY_SIZE(d->child); i++)
		d->ret[i] = generic_handle_irq(d->child[i]);
}

static void test_chained_handler_demultiplexes_to_the_children_until_uninstalled(void **state)
{
	unsigned int base = irqs(3);
	struct demux d = {
		/* two children, and a number with no descriptor */
		.child = { base + 1, base + 2, PCL_NR_IRQS },
	};
	TDEV(c1, "child1");
	TDEV(c2, "child2");

	req(base + 1, 0, c1);
	req(base + 2, 0, c2);
	irq_set_chained_handler_and_data(base, demux_flow, &d);
	assert_false(irq_has_action(base));	/* a flow, not an action */

	pcl_irq_raise(base);
	assert_int_equal(d.runs, 1);
	assert_int_equal(d.parent, base);
	assert_true(d.hard);
	assert_int_equal(d.ret[0], 0);
	assert_int_equal(d.ret[1], 0);
	assert_int_equal(d.ret[2], -EINVAL);
	assert_int_equal(calls(c1), 1);
	assert_int_equal(calls(c2), 1);
	assert_int_equal(c1->irq, (int)(base + 1));
	assert_true(c1->hard);
	assert_int_equal(kstat_irqs_cpu(base + 1, 0), 1);
	assert_int_equal(kstat_irqs_cpu(base + 2, 0), 1);

	pcl_irq_raise(base);
	assert_int_equal(d.runs, 2);
	assert_int_equal(calls(c1), 2);

	irq_set_chained_handler_and_data(base, NULL, NULL);
	pcl_irq_raise(base);
	assert_int_equal(d.runs, 2);
	assert_int_equal(calls(c1), 2);
	assert_int_equal(calls(c2), 2);
	/* The children are still there on their own. */
	pcl_irq_raise(base + 2);
	assert_int_equal(calls(c2), 3);

	unreq(base + 2, c2);
	unreq(base + 1, c1);
	put_irqs(base, 3);
	no_new_reports();
}

/* ------------------------------------------------------------------ */
/* Spurious interrupts                                                  */
/* ------------------------------------------------------------------ */

static void test_unhandled_storm_is_reported_once_after_the_window_and_disabled(void **state)
{
	unsigned int irq = irqs(2);
	TDEV(t, "nobody");
	TDEV(u, "almost-nobody");

	pcl_irq_set_spurious_window(100, 99);
	t->ret = IRQ_NONE;
	req(irq, 0, t);
	raise_n(irq, 99);
	assert_int_equal(calls(t), 99);
	no_new_reports();
	pcl_irq_raise(irq);			/* the 100th */
	new_reports(PCL_CHK_SPURIOUS, 1, "nobody cared");
	assert_contains_fmt(last_captured(&cap)->title, "irq %u", irq);
	assert_int_equal(calls(t), 100);
	/* Disabled: no longer delivered, no more reports. */
	raise_n(irq, 300);
	assert_int_equal(calls(t), 100);
	no_new_reports();

	/* 99 of 100 unhandled is a storm too. */
	u->handled_every = 100;
	req(irq + 1, 0, u);
	raise_n(irq + 1, 99);
	no_new_reports();
	pcl_irq_raise(irq + 1);			/* handled, but 99 were not */
	new_reports(PCL_CHK_SPURIOUS, 1, "nobody cared");
	raise_n(irq + 1, 10);
	assert_int_equal(calls(u), 100);

	unreq(irq + 1, u);
	unreq(irq, t);
	put_irqs(irq, 2);
	no_new_reports();
}

static void test_handled_interrupts_never_trigger_spurious_detection(void **state)
{
	unsigned int irq = irqs(2);
	TDEV(t, "handled");
	TDEV(u, "mostly-unhandled");

	pcl_irq_set_spurious_window(100, 99);
	req(irq, 0, t);
	raise_n(irq, 1000);
	assert_int_equal(calls(t), 1000);

	/* 98 of every 100 unhandled: below the threshold. */
	u->handled_every = 50;
	req(irq + 1, 0, u);
	raise_n(irq + 1, 1000);
	assert_int_equal(calls(u), 1000);
	no_new_reports();

	unreq(irq + 1, u);
	unreq(irq, t);
	put_irqs(irq, 2);
	no_new_reports();
}

/* ------------------------------------------------------------------ */
/* Local interrupts off                                                 */
/* ------------------------------------------------------------------ */

static void test_raise_with_local_irqs_off_waits_for_restore_and_poll(void **state)
{
	unsigned int irq = irqs(2);
	TDEV(a, "a");
	TDEV(b, "b");
	unsigned long flags;

	req(irq, 0, a);
	req(irq + 1, 0, b);
	local_irq_save(flags);
	pcl_irq_raise(irq + 1);
	pcl_irq_raise(irq);
	pcl_irq_raise(irq + 1);		/* latched: still one */
	assert_int_equal(calls(a), 0);
	assert_int_equal(calls(b), 0);
	pcl_irq_poll();			/* interrupts still off */
	assert_int_equal(calls(a) + calls(b), 0);
	log_reset();
	local_irq_restore(flags);
	pcl_irq_poll();
	assert_int_equal(calls(a), 1);
	assert_int_equal(calls(b), 1);
	assert_true(a->hard && b->hard);
	assert_log(EV_HANDLER, EV_HANDLER);
	assert_true(b->seq < a->seq);		/* in the order raised */
	pcl_irq_poll();			/* nothing left */
	assert_int_equal(calls(a) + calls(b), 2);

	unreq(irq + 1, b);
	unreq(irq, a);
	put_irqs(irq, 2);
	no_new_reports();
}

/* ------------------------------------------------------------------ */
/* devm_request_irq                                                     */
/* ------------------------------------------------------------------ */

static struct {
	unsigned int irq;
	struct tdev t;
	int probe_ret;
	unsigned int probes;
} D;

static int devm_probe(struct testbus_device *tdev,
		      const struct testbus_device_id *id)
{
	D.probes++;
	/* No name: the device's name is used. */
	D.probe_ret = devm_request_irq(&tdev->dev, D.irq, hard_handler, 0,
				       NULL, &D.t);
	return D.probe_ret;
}

static const struct testbus_device_id devm_ids[] = {
	{ 0x1af4, 0x10f1 },
	{ 0, 0 }
};

static struct testbus_driver devm_drv = {
	.name = "irq-devm-test",
	.id_table = devm_ids,
	.probe = devm_probe,
};

/* pcl_irq_show() into a string; free() it. */
static char *irq_table(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	pcl_irq_show(f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* The line of @irq in @table, copied into @line; asserts it exists. */
static void irq_line(const char *table, unsigned int irq, char *line,
		     size_t size)
{
	char key[16];
	const char *p = table, *end;

	snprintf(key, sizeof(key), "%4u:", irq);
	for (;;) {
		const char *hit = strstr(p, key);

		if (!hit) {
			print_error("no line for IRQ %u in:\n%s", irq, table);
			fail();
		}
		if (hit == table || hit[-1] == '\n') {
			p = hit;
			break;
		}
		p = hit + 1;
	}
	end = strchr(p, '\n');
	assert_non_null(end);
	assert_true((size_t)(end - p) < size);
	memcpy(line, p, (size_t)(end - p));
	line[end - p] = '\0';
}

static void test_devm_request_irq_is_freed_at_unbind(void **state)
{
	struct testbus_device *tdev;
	char *table;
	char line[256];

	memset(&D, 0, sizeof(D));
	D.t.ret = IRQ_HANDLED;
	D.irq = irqs(1);
	assert_int_equal(testbus_driver_register(&devm_drv), 0);
	tdev = testbus_device_create("irqdev0", 0x1af4, 0x10f1);
	assert_false(IS_ERR(tdev));
	assert_int_equal(D.probes, 1);
	assert_int_equal(D.probe_ret, 0);
	assert_ptr_equal(tdev->dev.driver, &devm_drv.driver);
	assert_true(irq_has_action(D.irq));
	pcl_irq_raise(D.irq);
	assert_int_equal(calls(&D.t), 1);
	table = irq_table();
	irq_line(table, D.irq, line, sizeof(line));
	free(table);
	assert_contains(line, "irqdev0");

	device_release_driver(&tdev->dev);
	assert_null(tdev->dev.driver);
	assert_false(irq_has_action(D.irq));
	pcl_irq_raise(D.irq);
	assert_int_equal(calls(&D.t), 1);

	testbus_device_destroy(tdev);
	testbus_driver_unregister(&devm_drv);
	put_irqs(D.irq, 1);
	no_new_reports();
}

/* ------------------------------------------------------------------ */
/* pcl_irq_show                                                         */
/* ------------------------------------------------------------------ */

static void test_irq_show_prints_a_line_per_irq_with_counts_chip_and_actions(void **state)
{
	unsigned int irq = irqs(2);
	TDEV(a, "alpha");
	TDEV(b, "beta");
	unsigned long cnt[PCL_MAX_CPUS];
	unsigned int n, ncpu = 0;
	char *table;
	char line[256], chip[32], flow[32];
	int used = 0;

	irq_set_chip_and_handler(irq, &tchip, handle_edge_irq);
	irq_set_hwirq(irq, 42);
	req(irq, IRQF_SHARED, a);
	req(irq, IRQF_SHARED, b);
	raise_n(irq, 3);
	table = irq_table();
	/* A column per CPU that ever ran (here: CPU 0), numbered. */
	for (const char *p = table; *p != '\n'; p++) {
		unsigned int col;

		if (sscanf(p, "CPU%u", &col) == 1 && (p == table || p[-1] == ' ')) {
			assert_int_equal(col, ncpu);
			ncpu++;
		}
	}
	assert_true(ncpu >= 1 && ncpu <= PCL_MAX_CPUS);

	irq_line(table, irq, line, sizeof(line));
	assert_int_equal(sscanf(line, "%u:%n", &n, &used), 1);
	assert_int_equal(n, irq);
	for (unsigned int c = 0; c < ncpu; c++) {
		int more = 0;

		assert_int_equal(sscanf(line + used, " %lu%n", &cnt[c], &more), 1);
		used += more;
	}
	assert_int_equal(cnt[0], 3);
	for (unsigned int c = 1; c < ncpu; c++)
		assert_int_equal(cnt[c], 0);
	assert_int_equal(sscanf(line + used, " %31s %31s", chip, flow), 2);
	assert_string_equal(chip, "tchip");
	assert_string_equal(flow, "42-edge");
	assert_contains(line + used, "alpha, beta");

	/* The neighbour: no chip, no handler, no interrupts. */
	irq_line(table, irq + 1, line, sizeof(line));
	assert_contains(line, "none");
	assert_lacks(line, "alpha");
	assert_lacks(line, " 3 ");
	free(table);

	/* Freed ones are gone from the table. */
	unreq(irq, b);
	unreq(irq, a);
	put_irqs(irq, 2);
	table = irq_table();
	assert_lacks(table, "alpha");
	assert_lacks(table, "tchip");
	free(table);
	no_new_reports();
}

/* ---- domains: translate and the reverse map ---- */

static int tr_one_cell(struct irq_domain *d, const uint32_t *spec,
		       unsigned int n, unsigned long *hwirq)
{
	if (n != 1 || spec[0] >= 8)
		return -EINVAL;
	*hwirq = spec[0];
	return 0;
}

static int tr_alloc(struct irq_domain *d, unsigned int virq, unsigned int nr,
		    void *arg)
{
	for (unsigned int i = 0; i < nr; i++)
		irq_domain_set_mapping(d, 3 + i, virq + i);	/* hwirq 3.. */
	return 0;
}

static void tr_free(struct irq_domain *d, unsigned int virq, unsigned int nr)
{
	for (unsigned int i = 0; i < nr; i++)
		irq_domain_clear_mapping(d, 3 + i);
}

static const struct irq_domain_ops tr_ops = {
	.alloc = tr_alloc,
	.free = tr_free,
	.translate = tr_one_cell,
};

static const struct irq_domain_ops no_tr_ops = {
	.alloc = tr_alloc,
	.free = tr_free,
};

static void test_domain_translate_finds_the_mapped_virq(void **state)
{
	struct irq_domain *d = irq_domain_create("tr", &tr_ops, NULL, NULL, 8);
	struct irq_domain *n = irq_domain_create("no-tr", &no_tr_ops, NULL, NULL, 8);
	uint32_t spec[2] = { 3, 0 };
	int virq;

	assert_non_null(d);
	assert_non_null(n);
	virq = irq_domain_alloc_irqs(d, 2, NULL);
	assert_true(virq > 0);
	assert_int_equal(irq_domain_translate(d, spec, 1), virq);
	spec[0] = 4;
	assert_int_equal(irq_domain_translate(d, spec, 1), virq + 1);
	assert_int_equal(irq_find_mapping(d, 4), (unsigned int)virq + 1);
	spec[0] = 5;				/* valid, never mapped */
	assert_int_equal(irq_domain_translate(d, spec, 1), -ENOENT);
	spec[0] = 9;				/* out of range */
	assert_int_equal(irq_domain_translate(d, spec, 1), -EINVAL);
	spec[0] = 3;
	assert_int_equal(irq_domain_translate(d, spec, 2), -EINVAL);
	assert_int_equal(irq_domain_translate(n, spec, 1), -EINVAL);
	assert_int_equal(irq_domain_free_irqs((unsigned int)virq, 2), 0);
	assert_int_equal(irq_domain_translate(d, spec, 1), -ENOENT);
	irq_domain_remove(d);
	irq_domain_remove(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T_(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T_(test_domain_translate_finds_the_mapped_virq),
		T_(test_alloc_descs_is_consecutive_first_fit_and_never_irq_0),
		T_(test_alloc_descs_enospc_and_einval_at_the_edges),
		T_(test_irq_to_desc_under_rcu_is_null_after_free_descs),
		T_(test_free_descs_with_a_handler_is_refused_ebusy_and_reported_once),
		T_(test_raise_runs_the_handler_once_in_hardirq_with_its_dev_id),
		T_(test_kstat_counts_each_delivered_interrupt_on_cpu0),
		T_(test_request_rejects_no_desc_no_handler_and_shared_without_dev_id),
		T_(test_shared_actions_both_run),
		T_(test_sharing_conflicts_are_ebusy),
		T_(test_free_irq_removes_only_the_matching_dev_id_and_returns_its_name),
		T_(test_free_irq_of_an_unknown_dev_id_is_null_and_one_api_report),
		T_(test_free_irq_in_hardirq_is_refused_with_a_report_handler_kept),
		T_(test_handler_is_never_called_after_free_irq),
		T_(test_disable_enable_nest_and_raises_while_disabled_are_not_delivered),
		T_(test_edge_raised_while_disabled_is_replayed_once_on_enable),
		T_(test_level_raised_while_disabled_is_not_replayed_on_enable),
		T_(test_simple_raised_while_disabled_is_not_replayed_on_enable),
		T_(test_unbalanced_enable_irq_is_an_api_report),
		T_(test_no_autoen_request_stays_disabled_until_enable_irq),
		T_(test_mutex_in_a_handler_is_an_atomic_sleep_report),
		T_(test_thread_fn_runs_in_task_context_once_per_wake_thread),
		T_(test_synchronize_irq_waits_for_the_thread_fn),
		T_(test_wakes_while_the_thread_runs_coalesce_and_synchronize_returns),
		T_(test_threaded_irq_without_hard_handler_is_oneshot),
		T_(test_edge_flow_acks_then_runs_the_handler),
		T_(test_level_flow_masks_acks_runs_the_handler_then_unmasks),
		T_(test_fasteoi_flow_runs_the_handler_then_eois),
		T_(test_simple_flow_does_not_touch_the_chip),
		T_(test_chained_handler_demultiplexes_to_the_children_until_uninstalled),
		T_(test_unhandled_storm_is_reported_once_after_the_window_and_disabled),
		T_(test_handled_interrupts_never_trigger_spurious_detection),
		T_(test_raise_with_local_irqs_off_waits_for_restore_and_poll),
		T_(test_devm_request_irq_is_freed_at_unbind),
		T_(test_irq_show_prints_a_line_per_irq_with_counts_chip_and_actions),
#undef T_
	};

	signal(SIGALRM, hang_guard);
	assert_int_equal(pcl_base_init(), 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
