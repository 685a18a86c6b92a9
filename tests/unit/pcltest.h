/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pcltest: helpers shared by the cmocka unit tests in tests/unit -
 * capturing reports, substring assertions, a fixture's end-of-test
 * checks, a clock and threads.  The Makefile links every C file in
 * tests/unit not named test-*.c into every test binary.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#ifndef PCLTEST_H
#define PCLTEST_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <pcilab/check.h>
#include <pcilab/sync.h>

/* ---- reports ---- */

/* Stop printing reports (a capture goes on). */
void quiet(void);

/*
 * quiet_begin() stops printing reports and captures every report into
 * @cap until quiet_end(), which prints to stderr again.
 */
void quiet_begin(struct pcl_capture *cap);
void quiet_end(void);

/* List the reports @cap holds (for a failure message). */
void print_captured(const struct pcl_capture *cap);

/* Assert @cap holds exactly @n reports, every one from @chk. */
void assert_captured(const struct pcl_capture *cap, enum pcl_checker chk,
		     unsigned int n);

/* The last report @cap holds; asserts there is one. */
const struct pcl_report *last_captured(const struct pcl_capture *cap);

/*
 * assert_contains(): the string @hay contains @needle; assert_lacks(): it
 * does not.  On failure both are printed and the test fails at the
 * caller's line.
 */
#define assert_contains(hay, needle)					\
	check_contains((hay), (needle), true, __FILE__, __LINE__)
#define assert_lacks(hay, needle)					\
	check_contains((hay), (needle), false, __FILE__, __LINE__)
void check_contains(const char *hay, const char *needle, bool want,
		    const char *file, int line);

/* assert_contains_fmt(hay, fmt, ...): @hay contains what printf() makes. */
#define assert_contains_fmt(hay, ...)					\
	check_contains_fmt(__FILE__, __LINE__, (hay), __VA_ARGS__)
void check_contains_fmt(const char *file, int line, const char *hay,
			const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- fixtures ---- */

/*
 * fixture_begin() starts capturing every report into @cap and returns
 * pcl_kmem_live(), for fixture_end().
 */
unsigned long fixture_begin(struct pcl_capture *cap);

/*
 * fixture_end() stops capturing, prints to stderr again and checks what
 * the test left: exactly @expected_reports reports captured, and
 * pcl_kmem_live() back at @live0.  Return: 0, or -1 (saying why) for a
 * cmocka teardown to fail the test with.
 */
int fixture_end(const struct pcl_capture *cap, unsigned int expected_reports,
		unsigned long live0);

/*
 * A cmocka teardown: fails the test if it left the calling context dirty
 * (atomic, in an IRQ, IRQs off, in an RCU read section, holding a lock,
 * charging a kmem owner) or a signal pending.
 */
int ctx_clean(void **state);

/* ---- time and threads ---- */

/* CLOCK_MONOTONIC in milliseconds. */
long now_ms(void);

/* Start a thread running @fn(@arg); asserts it started. */
pthread_t start_thread(void *(*fn)(void *), void *arg);
/* Join @t; asserts pthread_join() succeeded. */
void join_thread(pthread_t t);

/*
 * Start @n threads running @fn into @t[], the i-th on @args + i * @stride
 * bytes (all on @args if @stride is 0); join_threads() joins them.
 */
void start_threads(pthread_t *t, unsigned int n, void *(*fn)(void *),
		   void *args, size_t stride);
void join_threads(const pthread_t *t, unsigned int n);

/*
 * A waker thread sleeps @ms, then ends the test's wait: it completes
 * @done, sets @flag and wakes @wq, and signals @task - each one given.
 */
struct waker {
	unsigned int ms;
	struct completion *done;
	atomic_int *flag;
	wait_queue_head_t *wq;
	struct task_struct *task;
};

pthread_t start_waker(struct waker *w);

/*
 * assert_new_reports() - exactly @n reports arrived in @cap since *@mark,
 * all from @chk (PCL_CHK_NR when @n is 0), the last with @needle in its
 * title if given; then *@mark moves to the end.
 */
void assert_new_reports(const struct pcl_capture *cap, unsigned int *mark,
			enum pcl_checker chk, unsigned int n,
			const char *needle);

/* ---- assertions that print what was expected (cmocka's do not say
 * which values or why) ---- */

#define check_eq(got, want, ...)					\
	do {								\
		long long __g = (long long)(got), __w = (long long)(want); \
		if (__g != __w) {					\
			print_error("expected %s == %lld, got %lld: ",	\
				    #got, __w, __g);			\
			print_error(__VA_ARGS__);			\
			print_error("\n");				\
		}							\
		assert_int_equal(__g, __w);				\
	} while (0)

#define check_true(cond, ...)						\
	do {								\
		bool __c = (cond);					\
		if (!__c) {						\
			print_error("expected %s: ", #cond);		\
			print_error(__VA_ARGS__);			\
			print_error("\n");				\
		}							\
		assert_true(__c);					\
	} while (0)

/*
 * watchdog_start() - abort the binary if watchdog_stop() is not called
 * within @ms: a deadlocked test fails the run instead of hanging it.
 * One at a time; a test's teardown calls watchdog_stop() in case an
 * assertion skipped it.
 */
void watchdog_start(const char *what, unsigned int ms);
void watchdog_stop(void);

#endif /* PCLTEST_H */
