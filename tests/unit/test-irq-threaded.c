// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Multi-threaded unit tests for the IRQ core (src/irq) with interrupts
 * delivered on CPU threads (pcl_cpus_start()), run under ThreadSanitizer
 * and AddressSanitizer too:
 *
 *  - every interrupt raised from several threads is taken exactly once,
 *    on the CPU its affinity names, and counted there; pcl_cpus_stop()
 *    drains the queues;
 *  - seed 003's shape (VMD): a chained demultiplexer looks a child IRQ up
 *    and hands it on while another thread keeps freeing the child's
 *    handler and descriptor and setting up a new one: no use-after-free,
 *    no race, and no handler runs after its free_irq() returned;
 *  - free_irq() waits for a handler (hard or threaded) that is running;
 *  - synchronize_irq() on threaded handlers under load: when it returns,
 *    every wake-up asked for before the call has been served.
 *
 * A hang (deadlock, a wait that never ends) would stall the binary: a
 * SIGALRM watchdog ends it instead.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcilab/irq.h>

#include "pcltest.h"

/* Per test: the whole binary must stay well under 10 s, TSan included. */
#define HANG_GUARD_S	8

/* ---- fixture ---- */

static struct pcl_capture cap;
static unsigned long live0;

static void hang_guard(int sig)
{
	static const char msg[] =
		"test-irq-threaded: watchdog: a test hung (deadlock?)\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1))
		_exit(2);
	_exit(2);
}

static int setup(void **state)
{
	quiet();
	live0 = fixture_begin(&cap);
	alarm(HANG_GUARD_S);
	return 0;
}

static int teardown(void **state)
{
	pcl_cpus_stop();		/* no-op unless a test failed early */
	rcu_barrier();			/* descriptors go after a grace period */
	alarm(0);
	return fixture_end(&cap, 0, live0);
}

static unsigned int irqs(unsigned int cnt)
{
	int base = irq_alloc_descs(0, cnt, "test");

	assert_true(base > 0);
	return (unsigned int)base;
}

static unsigned long kstat_sum(unsigned int irq)
{
	unsigned long n = 0;

	for (unsigned int c = 0; c < PCL_MAX_CPUS; c++)
		n += kstat_irqs_cpu(irq, c);
	return n;
}

/* Wait (bounded) until @flag is at least @want; Return: it is. */
static bool wait_for(atomic_ulong *flag, unsigned long want, long ms)
{
	long end = now_ms() + ms;

	while (atomic_load(flag) < want) {
		if (now_ms() > end)
			return false;
		usleep(100);
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* (a) counting on CPU threads                                          */
/* ------------------------------------------------------------------ */

#define NIRQ		4
#define NRAISERS	2
#define PER_RAISER	1000	/* per IRQ, per raiser thread, per phase */

struct counted {
	unsigned int irq;
	atomic_ulong on_cpu[PCL_MAX_CPUS];	/* where the handler ran */
	atomic_ulong bad;			/* wrong irq or context */
};

static irqreturn_t counted_handler(int irq, void *dev_id)
{
	struct counted *d = dev_id;
	/* A task delivering inline does so as CPU 0 (as kstat counts it). */
	int cpu = pcl_ctx()->cpu < 0 ? 0 : pcl_ctx()->cpu;

	if (!in_hardirq() || in_task() || (unsigned int)irq != d->irq ||
	    cpu >= PCL_MAX_CPUS) {
		atomic_fetch_add(&d->bad, 1);
		return IRQ_HANDLED;
	}
	atomic_fetch_add(&d->on_cpu[cpu], 1);
	return IRQ_HANDLED;
}

struct raiser {
	const unsigned int *irq;
	unsigned int nirq;
	unsigned int per;
};

static void *raise_all(void *arg)
{
	struct raiser *r = arg;

	for (unsigned int k = 0; k < r->per; k++)
		for (unsigned int i = 0; i < r->nirq; i++)
			pcl_irq_raise(r->irq[i]);
	return NULL;
}

static void raise_from_threads(const unsigned int *irq)
{
	struct raiser r = { irq, NIRQ, PER_RAISER };
	pthread_t t[NRAISERS];

	start_threads(t, NRAISERS, raise_all, &r, 0);
	join_threads(t, NRAISERS);
}

static void test_every_raise_is_taken_once_on_its_affinity_cpu(void **state)
{
	const unsigned long per_phase = (unsigned long)NRAISERS * PER_RAISER;
	unsigned int base = irqs(NIRQ), irq[NIRQ];
	struct counted d[NIRQ];
	long end;

	memset(d, 0, sizeof(d));
	for (unsigned int i = 0; i < NIRQ; i++) {
		irq[i] = base + i;
		d[i].irq = irq[i];
		assert_int_equal(request_irq(irq[i], counted_handler, 0, "counted",
					     &d[i]), 0);
		assert_int_equal(irq_set_affinity(irq[i], i % 2), 0);
	}
	assert_int_equal(pcl_cpus_start(2), 0);

	/* Phase 1: IRQ i on CPU i % 2.  Let the queues drain. */
	raise_from_threads(irq);
	end = now_ms() + 5000;
	for (unsigned int i = 0; i < NIRQ; i++)
		while (kstat_sum(irq[i]) < per_phase && now_ms() < end)
			usleep(500);
	for (unsigned int i = 0; i < NIRQ; i++)
		assert_int_equal(kstat_sum(irq[i]), per_phase);

	/* Phase 2, CPUs running: every IRQ moves to the other CPU. */
	for (unsigned int i = 0; i < NIRQ; i++)
		assert_int_equal(irq_set_affinity(irq[i], (i + 1) % 2), 0);
	raise_from_threads(irq);
	pcl_cpus_stop();		/* drains what is still queued */

	for (unsigned int i = 0; i < NIRQ; i++) {
		unsigned int a1 = i % 2, a2 = (i + 1) % 2;

		assert_int_equal(atomic_load(&d[i].bad), 0);
		assert_int_equal(kstat_sum(irq[i]), 2 * per_phase);
		assert_int_equal(kstat_irqs_cpu(irq[i], a1), per_phase);
		assert_int_equal(kstat_irqs_cpu(irq[i], a2), per_phase);
		/* The handler saw the same CPUs. */
		assert_int_equal(atomic_load(&d[i].on_cpu[a1]), per_phase);
		assert_int_equal(atomic_load(&d[i].on_cpu[a2]), per_phase);
		for (unsigned int c = 2; c < PCL_MAX_CPUS; c++) {
			assert_int_equal(kstat_irqs_cpu(irq[i], c), 0);
			assert_int_equal(atomic_load(&d[i].on_cpu[c]), 0);
		}
	}

	/* Stopped: back to inline delivery, on this thread, as CPU 0. */
	pcl_irq_raise(irq[1]);
	assert_int_equal(atomic_load(&d[1].on_cpu[0]), per_phase + 1);
	assert_int_equal(kstat_irqs_cpu(irq[1], 0), per_phase + 1);

	for (unsigned int i = 0; i < NIRQ; i++)
		assert_non_null(free_irq(irq[i], &d[i]));
	assert_int_equal(irq_free_descs(base, NIRQ), 0);
}

static void test_cpus_start_and_affinity_reject_bad_arguments(void **state)
{
	unsigned int irq = irqs(1);

	assert_int_equal(pcl_cpus_start(0), -EINVAL);
	assert_int_equal(pcl_cpus_start(PCL_MAX_CPUS + 1), -EINVAL);
	assert_int_equal(pcl_cpus_start(1), 0);
	assert_int_equal(pcl_cpus_start(1), -EBUSY);
	pcl_cpus_stop();
	pcl_cpus_stop();		/* stopping twice is harmless */
	assert_int_equal(irq_set_affinity(irq, PCL_MAX_CPUS), -EINVAL);
	assert_int_equal(irq_set_affinity(PCL_NR_IRQS, 0), -EINVAL);
	assert_int_equal(irq_set_affinity(irq, PCL_MAX_CPUS - 1), 0);
	assert_int_equal(irq_free_descs(irq, 1), 0);
	assert_int_equal(irq_set_affinity(irq, 0), -EINVAL);
}

/* ------------------------------------------------------------------ */
/* (b) seed 003: a demultiplexer racing with the child's teardown       */
/* ------------------------------------------------------------------ */

#define GENS		3000	/* children set up and torn down, at most */
#define CHURN_MS	2500	/* ... and for at most this long */
#define MIN_GENS	300	/* fewer means the test proved little */

/* One child's life: its IRQ, handler and dev_id. */
struct gen {
	unsigned int irq;
	atomic_int freed;		/* set once its free_irq() returned */
	atomic_ulong count;		/* interrupts its handler took */
	unsigned long at_free;		/* count when free_irq() returned */
};

static struct gen gens[GENS];

static struct {
	unsigned int parent[2];
	atomic_uint child;		/* what the demux looks up; 0: none */
	atomic_ulong demux_runs, found, missing;
	atomic_ulong late;		/* handler ran after its free_irq() */
	atomic_ulong wrong;		/* handler got another generation's irq */
	atomic_ulong total;		/* child handler invocations */
	atomic_ulong raised[2];
	atomic_int stop;
	unsigned int ngens;		/* churn thread's; read after join */
	int err, err_line;
} C;

static void churn_demux(struct irq_desc *desc)
{
	unsigned int child;

	if (irq_desc_get_handler_data(desc) != &C) {
		atomic_fetch_add(&C.wrong, 1);
		return;
	}
	atomic_fetch_add(&C.demux_runs, 1);
	child = atomic_load(&C.child);
	if (!child)
		return;
	if (generic_handle_irq(child))
		atomic_fetch_add(&C.missing, 1);
	else
		atomic_fetch_add(&C.found, 1);
}

static irqreturn_t churn_child(int irq, void *dev_id)
{
	struct gen *g = dev_id;

	if (atomic_load(&g->freed))	/* started after free_irq() returned */
		atomic_fetch_add(&C.late, 1);
	if ((unsigned int)irq != g->irq)
		atomic_fetch_add(&C.wrong, 1);
	atomic_fetch_add(&g->count, 1);
	atomic_fetch_add(&C.total, 1);
	/* Take a little time, so that a free_irq() that did not wait for
	 * us would return while we still run... */
	for (unsigned int k = 0; k < 50; k++)
		cpu_relax();
	if (atomic_load(&g->freed))	/* ... and be caught here */
		atomic_fetch_add(&C.late, 1);
	return IRQ_HANDLED;
}

#define CHURN_FAIL(e)							\
	do {								\
		C.err = (e) ? (e) : -1;					\
		C.err_line = __LINE__;					\
	} while (0)

/* Set up a child, let interrupts reach it, tear it down; repeat. */
static void *churn_thread(void *arg)
{
	static const char name[] = "child";
	long end = now_ms() + CHURN_MS;
	/* A loaded machine gets more time to reach MIN_GENS, up to 4x. */
	long hard_end = now_ms() + 4 * CHURN_MS;
	unsigned int from = C.parent[1] + 1;

	for (unsigned int i = 0; i < GENS && now_ms() < hard_end &&
	     (now_ms() < end || i < MIN_GENS); i++) {
		struct gen *g = &gens[i];
		long wait_end;
		int irq, ret;

		/* Vary the number: the demux then also looks up numbers
		 * that are free, or belong to a newer child. */
		irq = irq_alloc_descs(from + i % 4, 1, "child");
		if (irq <= 0) {
			CHURN_FAIL(irq);
			break;
		}
		g->irq = (unsigned int)irq;
		ret = request_irq((unsigned int)irq, churn_child, 0, name, g);
		if (ret) {
			CHURN_FAIL(ret);
			irq_free_descs((unsigned int)irq, 1);
			break;
		}
		atomic_store(&C.child, (unsigned int)irq);
		wait_end = now_ms() + 20;
		while (!atomic_load(&g->count) && now_ms() < wait_end)
			sched_yield();
		if (free_irq((unsigned int)irq, g) != name)
			CHURN_FAIL(-1);
		g->at_free = atomic_load(&g->count);
		atomic_store(&g->freed, 1);
		/* The demux may still be looking at it: RCU keeps it. */
		ret = irq_free_descs((unsigned int)irq, 1);
		C.ngens = i + 1;
		if (ret) {
			CHURN_FAIL(ret);
			break;
		}
	}
	return NULL;
}

static void *parent_raiser(void *arg)
{
	unsigned int k = (unsigned int)(uintptr_t)arg;

	while (!atomic_load(&C.stop)) {
		pcl_irq_raise(C.parent[k]);
		atomic_fetch_add(&C.raised[k], 1);
	}
	return NULL;
}

static void test_demux_vs_child_teardown_no_uaf_no_handler_after_free_irq(void **state)
{
	unsigned int base = irqs(2);
	pthread_t churn, raisers[2];
	unsigned long sum = 0, reached = 0;

	memset(&C, 0, sizeof(C));
	memset(gens, 0, sizeof(gens));
	C.parent[0] = base;
	C.parent[1] = base + 1;
	for (unsigned int k = 0; k < 2; k++) {
		assert_int_equal(irq_set_affinity(C.parent[k], k), 0);
		irq_set_chained_handler_and_data(C.parent[k], churn_demux, &C);
	}
	assert_int_equal(pcl_cpus_start(2), 0);
	for (unsigned int k = 0; k < 2; k++)
		raisers[k] = start_thread(parent_raiser, (void *)(uintptr_t)k);
	churn = start_thread(churn_thread, NULL);
	join_thread(churn);
	atomic_store(&C.stop, 1);
	join_threads(raisers, 2);
	pcl_cpus_stop();

	if (C.err)
		print_error("churn failed at line %d: %d\n", C.err_line, C.err);
	assert_int_equal(C.err, 0);
	assert_int_equal(atomic_load(&C.late), 0);
	assert_int_equal(atomic_load(&C.wrong), 0);
	/* Each parent interrupt was taken once, on its CPU, by the demux. */
	for (unsigned int k = 0; k < 2; k++) {
		assert_int_equal(kstat_irqs_cpu(C.parent[k], k),
				 atomic_load(&C.raised[k]));
		assert_int_equal(kstat_sum(C.parent[k]),
				 atomic_load(&C.raised[k]));
	}
	assert_int_equal(atomic_load(&C.demux_runs),
			 atomic_load(&C.raised[0]) + atomic_load(&C.raised[1]));
	/* Each child interrupt handled was counted by exactly one live
	 * generation, and none after that generation's free_irq(). */
	for (unsigned int i = 0; i < C.ngens; i++) {
		unsigned long n = atomic_load(&gens[i].count);

		assert_int_equal(n, gens[i].at_free);
		sum += n;
		reached += n > 0;
	}
	assert_int_equal(sum, atomic_load(&C.total));
	print_message("  %u children, %lu reached by interrupts; %lu handled, %lu found, %lu missing\n",
		      C.ngens, reached, sum, atomic_load(&C.found),
		      atomic_load(&C.missing));
	assert_true(C.ngens >= MIN_GENS);
	assert_true(reached >= C.ngens / 2);
	assert_true(atomic_load(&C.missing) > 0);	/* stale lookups */

	for (unsigned int k = 0; k < 2; k++)
		irq_set_chained_handler_and_data(C.parent[k], NULL, NULL);
	assert_int_equal(irq_free_descs(base, 2), 0);
}

/* ------------------------------------------------------------------ */
/* (c) free_irq() waits for a running handler                           */
/* ------------------------------------------------------------------ */

#define SLOW_US		150000

static struct {
	atomic_ulong started, finished;
} S;

static irqreturn_t slow_handler(int irq, void *dev_id)
{
	atomic_fetch_add(&S.started, 1);
	udelay(SLOW_US);
	atomic_fetch_add(&S.finished, 1);
	return dev_id == &S ? IRQ_HANDLED : IRQ_NONE;
}

static irqreturn_t wake_only(int irq, void *dev_id)
{
	return IRQ_WAKE_THREAD;
}

static void check_free_irq_waits(irq_handler_t handler, irq_handler_t thread_fn)
{
	static const char name[] = "slow";
	unsigned int irq = irqs(1);
	const void *ret;

	memset(&S, 0, sizeof(S));
	assert_int_equal(request_threaded_irq(irq, handler, thread_fn, 0, name,
					      &S), 0);
	assert_int_equal(pcl_cpus_start(1), 0);
	pcl_irq_raise(irq);
	assert_true(wait_for(&S.started, 1, 3000));
	ret = free_irq(irq, &S);
	/* Returned only after the handler had finished. */
	assert_int_equal(atomic_load(&S.finished), 1);
	assert_ptr_equal(ret, name);
	/* And it is not called again. */
	pcl_irq_raise(irq);
	pcl_cpus_stop();
	assert_int_equal(atomic_load(&S.started), 1);
	assert_int_equal(irq_free_descs(irq, 1), 0);
}

static void test_free_irq_waits_for_a_running_hard_handler(void **state)
{
	check_free_irq_waits(slow_handler, NULL);
}

static void test_free_irq_waits_for_a_running_thread_fn(void **state)
{
	check_free_irq_waits(wake_only, slow_handler);
}

/* ------------------------------------------------------------------ */
/* (d) synchronize_irq() and threaded handlers under load               */
/* ------------------------------------------------------------------ */

#define SYNC_MS		1000

struct tw {
	unsigned int irq;
	atomic_ulong wakes;		/* hard handler asked for the thread */
	atomic_ulong served;		/* wakes seen by the last thread run */
	atomic_ulong runs;
	atomic_int in_thread;
	atomic_ulong bad;		/* wrong context, or overlapping runs */
	atomic_ulong unserved;		/* synchronize_irq() returned early */
	atomic_ulong syncs;
};

static struct tw W[2];
static atomic_int W_stop;

static irqreturn_t tw_hard(int irq, void *dev_id)
{
	struct tw *w = dev_id;

	if (!in_hardirq())
		atomic_fetch_add(&w->bad, 1);
	atomic_fetch_add(&w->wakes, 1);
	return IRQ_WAKE_THREAD;
}

static irqreturn_t tw_thread(int irq, void *dev_id)
{
	struct tw *w = dev_id;
	unsigned long seen;

	if (!in_task() || in_hardirq() || (unsigned int)irq != w->irq)
		atomic_fetch_add(&w->bad, 1);
	if (atomic_exchange(&w->in_thread, 1))
		atomic_fetch_add(&w->bad, 1);
	seen = atomic_load(&w->wakes);
	udelay(20);
	atomic_fetch_add(&w->runs, 1);
	if (seen > atomic_load(&w->served))
		atomic_store(&w->served, seen);
	atomic_store(&w->in_thread, 0);
	return IRQ_HANDLED;
}

/* Bursts with gaps: a flood never lets synchronize_irq() return. */
static void *tw_raiser(void *arg)
{
	while (!atomic_load(&W_stop)) {
		for (unsigned int k = 0; k < 8; k++) {
			pcl_irq_raise(W[0].irq);
			pcl_irq_raise(W[1].irq);
		}
		usleep(300);
	}
	return NULL;
}

/* Every wake asked for before synchronize_irq() was served when it
 * returned. */
static void *tw_syncer(void *arg)
{
	long end = now_ms() + SYNC_MS;

	while (now_ms() < end) {
		for (unsigned int i = 0; i < 2; i++) {
			unsigned long before = atomic_load(&W[i].wakes);

			synchronize_irq(W[i].irq);
			if (atomic_load(&W[i].served) < before)
				atomic_fetch_add(&W[i].unserved, 1);
			atomic_fetch_add(&W[i].syncs, 1);
		}
	}
	return NULL;
}

static void test_synchronize_irq_serves_every_earlier_wake_under_load(void **state)
{
	unsigned int base = irqs(2);
	pthread_t raiser, syncers[2];

	memset(W, 0, sizeof(W));
	atomic_store(&W_stop, 0);
	for (unsigned int i = 0; i < 2; i++) {
		W[i].irq = base + i;
		assert_int_equal(request_threaded_irq(W[i].irq, tw_hard, tw_thread,
						      0, "tw", &W[i]), 0);
		assert_int_equal(irq_set_affinity(W[i].irq, i), 0);
	}
	assert_int_equal(pcl_cpus_start(2), 0);
	raiser = start_thread(tw_raiser, NULL);
	start_threads(syncers, 2, tw_syncer, NULL, 0);
	join_threads(syncers, 2);
	atomic_store(&W_stop, 1);
	join_thread(raiser);
	pcl_cpus_stop();

	for (unsigned int i = 0; i < 2; i++) {
		synchronize_irq(W[i].irq);
		assert_int_equal(atomic_load(&W[i].bad), 0);
		assert_int_equal(atomic_load(&W[i].unserved), 0);
		assert_true(atomic_load(&W[i].syncs) > 10);
		/* Every wake was served; runs coalesce wakes, never exceed. */
		assert_true(atomic_load(&W[i].wakes) > 100);
		assert_int_equal(atomic_load(&W[i].served),
				 atomic_load(&W[i].wakes));
		assert_true(atomic_load(&W[i].runs) >= 1);
		assert_true(atomic_load(&W[i].runs) <= atomic_load(&W[i].wakes));
		assert_int_equal(kstat_sum(W[i].irq), atomic_load(&W[i].wakes));
		assert_non_null(free_irq(W[i].irq, &W[i]));
	}
	assert_int_equal(irq_free_descs(base, 2), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T_(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T_(test_every_raise_is_taken_once_on_its_affinity_cpu),
		T_(test_cpus_start_and_affinity_reject_bad_arguments),
		T_(test_demux_vs_child_teardown_no_uaf_no_handler_after_free_irq),
		T_(test_free_irq_waits_for_a_running_hard_handler),
		T_(test_free_irq_waits_for_a_running_thread_fn),
		T_(test_synchronize_irq_serves_every_earlier_wake_under_load),
#undef T_
	};

	signal(SIGALRM, hang_guard);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
