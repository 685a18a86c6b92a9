// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pcltest: helpers shared by the cmocka unit tests (see pcltest.h).
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

#include "pcltest.h"

/* ---- reports ---- */

void quiet(void)
{
	pcl_report_set_stream(NULL);
}

void quiet_begin(struct pcl_capture *cap)
{
	quiet();
	pcl_capture_begin(cap);
}

void quiet_end(void)
{
	pcl_capture_end();
	pcl_report_set_stream(stderr);
}

void print_captured(const struct pcl_capture *cap)
{
	for (unsigned int i = 0; i < cap->n && i < PCL_CAPTURE_MAX; i++)
		print_error("  report %u [%s] %s\n", i,
			    pcl_checker_name(cap->r[i].checker),
			    cap->r[i].title);
}

void assert_captured(const struct pcl_capture *cap, enum pcl_checker chk,
		     unsigned int n)
{
	if (cap->n != n) {
		print_error("%u reports, expected %u:\n", cap->n, n);
		print_captured(cap);
	}
	assert_int_equal(cap->n, n);
	assert_int_equal(pcl_capture_count(cap, chk), n);
}

const struct pcl_report *last_captured(const struct pcl_capture *cap)
{
	assert_true(cap->n > 0 && cap->n <= PCL_CAPTURE_MAX);
	return &cap->r[cap->n - 1];
}

void check_contains(const char *hay, const char *needle, bool want,
		    const char *file, int line)
{
	if ((strstr(hay, needle) != NULL) == want)
		return;
	print_error("\"%s\" %s in:\n%s\n", needle,
		    want ? "not found" : "found", hay);
	_fail(file, line);
}

void check_contains_fmt(const char *file, int line, const char *hay,
			const char *fmt, ...)
{
	char needle[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(needle, sizeof(needle), fmt, ap);
	va_end(ap);
	check_contains(hay, needle, true, file, line);
}

/* ---- fixtures ---- */

unsigned long fixture_begin(struct pcl_capture *cap)
{
	unsigned long live0;

	rcu_barrier();		/* an earlier test's call_rcu() frees */
	live0 = pcl_kmem_live();

	pcl_capture_begin(cap);
	return live0;
}

int fixture_end(const struct pcl_capture *cap, unsigned int expected_reports,
		unsigned long live0)
{
	unsigned long live;
	int ret = 0;

	/* Memory freed with call_rcu() (IRQ descriptors, ...) is only gone
	 * once the callbacks ran. */
	rcu_barrier();
	pcl_capture_end();
	pcl_report_set_stream(stderr);
	if (cap->n != expected_reports) {
		print_error("teardown: %u reports, the test expected %u\n",
			    cap->n, expected_reports);
		print_captured(cap);
		ret = -1;
	}
	live = pcl_kmem_live();
	if (live != live0) {
		print_error("teardown: %lu live allocations, %lu before the test\n",
			    live, live0);
		ret = -1;
	}
	return ret;
}

int ctx_clean(void **state)
{
	struct pcl_context *c = pcl_ctx();

	if (c->atomic_depth || c->hardirq_depth || c->softirq_depth ||
	    c->irqs_disabled || c->rcu_depth || c->nheld || c->kmem_owner) {
		print_error("context left dirty: atomic %d hardirq %d softirq %d irqs %d rcu %d held %d owner %p\n",
			    c->atomic_depth, c->hardirq_depth, c->softirq_depth,
			    c->irqs_disabled, c->rcu_depth, c->nheld,
			    c->kmem_owner);
		return -1;
	}
	if (signal_pending(current)) {
		print_error("signal left pending\n");
		return -1;
	}
	return 0;
}

/* ---- time and threads ---- */

long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

pthread_t start_thread(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, fn, arg), 0);
	return t;
}

void join_thread(pthread_t t)
{
	assert_int_equal(pthread_join(t, NULL), 0);
}

void start_threads(pthread_t *t, unsigned int n, void *(*fn)(void *),
		   void *args, size_t stride)
{
	for (unsigned int i = 0; i < n; i++)
		t[i] = start_thread(fn, stride ? (char *)args + i * stride : args);
}

void join_threads(const pthread_t *t, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		join_thread(t[i]);
}

static void *waker_thread(void *arg)
{
	struct waker *w = arg;

	msleep(w->ms);
	if (w->done)
		complete(w->done);
	if (w->flag) {
		atomic_store(w->flag, 1);
		wake_up(w->wq);
	}
	if (w->task)
		pcl_task_signal(w->task);
	return NULL;
}

pthread_t start_waker(struct waker *w)
{
	return start_thread(waker_thread, w);
}

void assert_new_reports(const struct pcl_capture *cap, unsigned int *mark,
			enum pcl_checker chk, unsigned int n,
			const char *needle)
{
	unsigned int got = cap->n - *mark;

	if (got != n) {
		print_error("%u new reports, expected %u:\n", got, n);
		print_captured(cap);
	}
	assert_int_equal(got, n);
	for (unsigned int i = *mark; i < cap->n && i < PCL_CAPTURE_MAX; i++)
		assert_string_equal(pcl_checker_name(cap->r[i].checker),
				    pcl_checker_name(chk));
	if (n && needle)
		assert_contains(cap->r[cap->n - 1].title, needle);
	*mark = cap->n;
}

/* ---- watchdog: a deadlock must fail the run, not hang it ---- */

/*
 * One watchdog at a time.  A test that fails an assertion does not reach
 * its watchdog_stop(): the teardown stops it then.
 */
static struct {
	atomic_int done;
	unsigned int ms;
	const char *what;
	bool running;
	pthread_t thread;
} wd;

static void *watchdog_thread(void *arg)
{
	long end = now_ms() + wd.ms;

	while (!atomic_load(&wd.done)) {
		if (now_ms() > end) {
			fprintf(stderr, "watchdog: %s did not finish in %u ms (deadlock?)\n",
				wd.what, wd.ms);
			abort();
		}
		usleep(2000);
	}
	return NULL;
}

void watchdog_start(const char *what, unsigned int ms)
{
	atomic_store(&wd.done, 0);
	wd.ms = ms;
	wd.what = what;
	wd.thread = start_thread(watchdog_thread, NULL);
	wd.running = true;
}

void watchdog_stop(void)
{
	if (!wd.running)
		return;
	atomic_store(&wd.done, 1);
	join_thread(wd.thread);
	wd.running = false;
}
