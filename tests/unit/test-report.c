// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests for the report engine (src/check/report.c), the stack
 * printer, the event trace and the errno name tables: what a report
 * carries, where it goes, how it is counted, and what it looks like.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <pcilab/check.h>
#include <pcilab/sync.h>

#include "pcltest.h"

/* ---- helpers ---- */

/*
 * Print into memory: m->f is an open_memstream() stream until
 * mem_close(), which returns the text written (caller frees).
 */
struct membuf {
	FILE *f;
	char *text;
	size_t len;
};

static void mem_open(struct membuf *m)
{
	m->text = NULL;
	m->len = 0;
	m->f = open_memstream(&m->text, &m->len);
	assert_non_null(m->f);
}

static char *mem_close(struct membuf *m)
{
	fclose(m->f);
	assert_non_null(m->text);
	return m->text;
}

/* Reports are printed into @m until mem_end() returns the text. */
static void mem_begin(struct membuf *m)
{
	mem_open(m);
	pcl_report_set_stream(m->f);
}

static char *mem_end(struct membuf *m)
{
	pcl_report_set_stream(stderr);
	return mem_close(m);
}

/* Number of non-overlapping occurrences of @needle in @hay. */
static int count_substr(const char *hay, const char *needle)
{
	int n = 0;
	size_t l = strlen(needle);

	for (const char *p = strstr(hay, needle); p; p = strstr(p + l, needle))
		n++;
	return n;
}

/* ---- checker names ---- */

static void test_checker_names_parse_back_to_same_checker(void **state)
{
	(void)state;
	for (int i = 0; i < PCL_CHK_NR; i++) {
		const char *name = pcl_checker_name((enum pcl_checker)i);
		enum pcl_checker got = PCL_CHK_NR;

		assert_non_null(name);
		assert_string_not_equal(name, "?");
		assert_int_equal(pcl_checker_parse(name, &got), 0);
		assert_int_equal(got, i);
		/* names are distinct */
		for (int j = 0; j < i; j++)
			assert_string_not_equal(
				name, pcl_checker_name((enum pcl_checker)j));
	}
}

static void test_checker_names_are_the_stable_spellings(void **state)
{
	static const struct {
		enum pcl_checker chk;
		const char *name;
	} want[] = {
		{ PCL_CHK_DEVRES, "devres" },
		{ PCL_CHK_ATOMIC_SLEEP, "atomic-sleep" },
		{ PCL_CHK_RESIDUE, "residue" },
		{ PCL_CHK_IRQ_FREE, "irq-free" },
		{ PCL_CHK_REVOKE, "use-after-revoke" },
		{ PCL_CHK_LEAK, "leak" },
		{ PCL_CHK_LOCKDEP, "lockdep" },
		{ PCL_CHK_SPURIOUS, "spurious-irq" },
		{ PCL_CHK_API, "api" },
	};

	(void)state;
	assert_int_equal(ARRAY_SIZE(want), PCL_CHK_NR);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		assert_string_equal(pcl_checker_name(want[i].chk), want[i].name);
}

static void test_checker_parse_rejects_unknown_names(void **state)
{
	enum pcl_checker got = PCL_CHK_DEVRES;

	(void)state;
	assert_int_equal(pcl_checker_parse("nosuch", &got), -EINVAL);
	assert_int_equal(pcl_checker_parse("", &got), -EINVAL);
	assert_int_equal(pcl_checker_parse("Leak", &got), -EINVAL);
	assert_int_equal(pcl_checker_parse("leak ", &got), -EINVAL);
	assert_int_equal(got, PCL_CHK_DEVRES);	/* untouched on failure */
	assert_string_equal(pcl_checker_name(PCL_CHK_NR), "?");
	assert_string_equal(pcl_checker_name((enum pcl_checker)-1), "?");
}

/* ---- what a report carries ---- */

static void test_report_reaches_capture_with_all_fields(void **state)
{
	static const struct pcl_subject subj = {
		.device = "0000:00:1f.3", .bus = "pci", .driver = "snd-hda",
	};
	struct pcl_capture cap;
	const struct pcl_report *r;
	int line;

	(void)state;
	quiet_begin(&cap);
	line = __LINE__ + 1;
	pcl_report(PCL_CHK_DEVRES, &subj, __FILE__, line, "devres %s #%d", "added", 7);
	quiet_end();

	assert_int_equal(cap.n, 1);
	r = &cap.r[0];
	assert_int_equal(r->checker, PCL_CHK_DEVRES);
	assert_string_equal(r->device, "0000:00:1f.3");
	assert_string_equal(r->driver, "snd-hda");
	assert_string_equal(r->title, "devres added #7");
	assert_string_equal(r->detail, "");
	assert_ptr_equal(r->file, __FILE__);
	assert_int_equal(r->line, line);
	assert_int_equal(r->hardirq, 0);
	assert_int_equal(r->atomic, 0);
	assert_null(r->text);
	assert_ptr_equal(pcl_capture_find(&cap, PCL_CHK_DEVRES), r);
	assert_null(pcl_capture_find(&cap, PCL_CHK_LEAK));
}

static void test_report_detail_is_captured(void **state)
{
	struct pcl_capture cap;

	(void)state;
	quiet_begin(&cap);
	pcl_report_detail(PCL_CHK_LEAK, NULL, "x.c", 3, "line one\nline two",
			  "leaked %zu bytes", (size_t)24);
	quiet_end();

	assert_int_equal(cap.n, 1);
	assert_int_equal(cap.r[0].checker, PCL_CHK_LEAK);
	assert_string_equal(cap.r[0].title, "leaked 24 bytes");
	assert_string_equal(cap.r[0].detail, "line one\nline two");
	assert_string_equal(cap.r[0].file, "x.c");
	assert_int_equal(cap.r[0].line, 3);
	assert_string_equal(cap.r[0].device, "");
	assert_string_equal(cap.r[0].driver, "");
}

static void test_report_title_longer_than_buffer_is_truncated(void **state)
{
	struct pcl_capture cap;
	char longtitle[400];

	(void)state;
	memset(longtitle, 'x', sizeof(longtitle) - 1);
	longtitle[sizeof(longtitle) - 1] = '\0';
	quiet_begin(&cap);
	pcl_report(PCL_CHK_API, NULL, __FILE__, __LINE__, "%s", longtitle);
	quiet_end();

	assert_int_equal(cap.n, 1);
	assert_int_equal(strlen(cap.r[0].title), sizeof(cap.r[0].title) - 1);
}

static void test_report_context_flags_in_hardirq(void **state)
{
	struct pcl_capture cap;

	(void)state;
	quiet_begin(&cap);
	pcl_hardirq_enter();
	pcl_report(PCL_CHK_SPURIOUS, NULL, __FILE__, __LINE__, "in irq");
	pcl_hardirq_exit();
	preempt_disable();
	pcl_report(PCL_CHK_API, NULL, __FILE__, __LINE__, "atomic, no irq");
	preempt_enable();
	quiet_end();

	assert_int_equal(cap.n, 2);
	assert_int_equal(cap.r[0].hardirq, 1);
	assert_int_equal(cap.r[0].atomic, 1);
	assert_int_equal(cap.r[1].hardirq, 0);
	assert_int_equal(cap.r[1].atomic, 1);
}

static void test_report_counters_are_per_checker(void **state)
{
	unsigned long before[PCL_CHK_NR], all_before, seq0;
	struct pcl_capture cap;

	(void)state;
	for (int i = 0; i < PCL_CHK_NR; i++)
		before[i] = pcl_report_count((enum pcl_checker)i);
	all_before = pcl_report_count(PCL_CHK_NR);

	quiet_begin(&cap);
	pcl_report(PCL_CHK_RESIDUE, NULL, __FILE__, __LINE__, "one");
	pcl_report(PCL_CHK_RESIDUE, NULL, __FILE__, __LINE__, "two");
	pcl_report(PCL_CHK_IRQ_FREE, NULL, __FILE__, __LINE__, "three");
	/* an out-of-range checker is filed under "api" */
	pcl_report((enum pcl_checker)99, NULL, __FILE__, __LINE__, "four");
	quiet_end();

	for (int i = 0; i < PCL_CHK_NR; i++) {
		unsigned long want = before[i];

		if (i == PCL_CHK_RESIDUE)
			want += 2;
		else if (i == PCL_CHK_IRQ_FREE || i == PCL_CHK_API)
			want += 1;
		assert_int_equal(pcl_report_count((enum pcl_checker)i), want);
	}
	assert_int_equal(pcl_report_count(PCL_CHK_NR), all_before + 4);

	assert_int_equal(cap.n, 4);
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_RESIDUE), 2);
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_IRQ_FREE), 1);
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_API), 1);
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_LEAK), 0);
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_NR), 4);
	assert_int_equal(cap.r[3].checker, PCL_CHK_API);
	/* sequence numbers are strictly increasing, one per report */
	seq0 = cap.r[0].seq;
	for (unsigned int i = 1; i < cap.n; i++)
		assert_int_equal(cap.r[i].seq, seq0 + i);
}

static void test_capture_counts_reports_beyond_its_buffer(void **state)
{
	struct pcl_capture cap;

	(void)state;
	quiet_begin(&cap);
	for (int i = 0; i < PCL_CAPTURE_MAX + 10; i++)
		pcl_report(i < PCL_CAPTURE_MAX ? PCL_CHK_DEVRES : PCL_CHK_LEAK,
			   NULL, __FILE__, i, "report %d", i);
	quiet_end();

	assert_int_equal(cap.n, PCL_CAPTURE_MAX + 10);
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_NR), PCL_CAPTURE_MAX + 10);
	/* only the stored ones can be counted by checker */
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_DEVRES), PCL_CAPTURE_MAX);
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_LEAK), 0);
	assert_string_equal(cap.r[PCL_CAPTURE_MAX - 1].title, "report 63");
}

static void test_capture_end_stops_capturing(void **state)
{
	struct pcl_capture cap;

	(void)state;
	quiet_begin(&cap);
	pcl_report(PCL_CHK_API, NULL, __FILE__, __LINE__, "seen");
	pcl_capture_end();
	pcl_report(PCL_CHK_API, NULL, __FILE__, __LINE__, "not seen");
	pcl_report_set_stream(stderr);
	assert_int_equal(cap.n, 1);
	assert_string_equal(cap.r[0].title, "seen");
}

/* ---- subjects ---- */

static void test_report_without_subject_uses_running_subject(void **state)
{
	static const struct pcl_subject running = {
		.device = "t0", .bus = "testbus", .driver = "drv-a",
	};
	static const struct pcl_subject explicit_ = {
		.device = "t1", .bus = "testbus", .driver = "drv-b",
	};
	const struct pcl_subject *prev;
	struct pcl_capture cap;

	(void)state;
	quiet_begin(&cap);
	prev = pcl_subject_switch(&running);
	pcl_report(PCL_CHK_DEVRES, NULL, __FILE__, __LINE__, "implicit");
	pcl_report(PCL_CHK_DEVRES, &explicit_, __FILE__, __LINE__, "explicit");
	assert_ptr_equal(pcl_subject_switch(prev), &running);
	pcl_report(PCL_CHK_DEVRES, NULL, __FILE__, __LINE__, "none");
	quiet_end();

	assert_int_equal(cap.n, 3);
	assert_string_equal(cap.r[0].device, "t0");
	assert_string_equal(cap.r[0].driver, "drv-a");
	assert_string_equal(cap.r[1].device, "t1");
	assert_string_equal(cap.r[1].driver, "drv-b");
	assert_null(prev);
	assert_string_equal(cap.r[2].device, "");
	assert_string_equal(cap.r[2].driver, "");
}

static void test_subject_with_only_a_device_leaves_driver_empty(void **state)
{
	static const struct pcl_subject dev_only = { .device = "d9" };
	struct pcl_capture cap;

	(void)state;
	quiet_begin(&cap);
	pcl_report(PCL_CHK_RESIDUE, &dev_only, __FILE__, __LINE__, "x");
	quiet_end();
	assert_string_equal(cap.r[0].device, "d9");
	assert_string_equal(cap.r[0].driver, "");
}

/* ---- where reports go ---- */

/* Run @fn with fd 2 redirected to a temporary file; return bytes written. */
static long stderr_bytes_during(void (*fn)(void))
{
	FILE *tmp = tmpfile();
	int saved;
	long n;

	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), 2) >= 0);
	fn();
	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	fseek(tmp, 0, SEEK_END);
	n = ftell(tmp);
	fclose(tmp);
	return n;
}

static void report_one(void)
{
	pcl_report(PCL_CHK_API, NULL, __FILE__, __LINE__, "to stderr or nowhere");
}

static void test_set_stream_null_prints_nothing_but_still_captures(void **state)
{
	struct pcl_capture cap;
	long quiet_bytes, loud_bytes;

	(void)state;
	pcl_capture_begin(&cap);
	pcl_report_set_stream(NULL);
	quiet_bytes = stderr_bytes_during(report_one);
	pcl_report_set_stream(stderr);
	loud_bytes = stderr_bytes_during(report_one);
	pcl_capture_end();

	assert_int_equal(quiet_bytes, 0);
	assert_true(loud_bytes > 0);		/* the control: stderr works */
	assert_int_equal(cap.n, 2);		/* the hook ran both times */
}

static void test_printed_report_has_kernel_format(void **state)
{
	static const struct pcl_subject subj = {
		.device = "t0", .bus = "testbus", .driver = "devres-in-release",
	};
	struct membuf m;
	char *text;
	int line;

	(void)state;
	mem_begin(&m);
	line = __LINE__ + 1;
	pcl_report(PCL_CHK_DEVRES, &subj, __FILE__, line, "devres added while %s", "releasing");
	text = mem_end(&m);

	assert_contains(text, "------------[ cut here ]------------\n");
	assert_ptr_equal(strstr(text, "------------[ cut here ]------------"), text);
	assert_contains(text, "WARNING: CPU:");
	assert_contains_fmt(text, " at %s:%d [devres]\n", __FILE__, line);
	assert_contains(text, "\ndevres added while releasing\n");
	assert_contains(text,
		"device: t0 (bus testbus)  driver: devres-in-release\n");
	assert_contains(text, "context: process (task ");
	assert_contains(text, "no locks held by ");
	assert_contains(text, "Call Trace:\n <TASK>\n");
	assert_contains(text, " </TASK>\n");
	/* libdw names static functions: this one is in the trace */
	assert_contains(text, "test_printed_report_has_kernel_format+0x");
	assert_contains(text, "tests/unit/test-report.c:");
	assert_contains(text, "---[ end trace ");
	/* the headline comes first, the trace end last, exactly once each */
	assert_int_equal(count_substr(text, "[ cut here ]"), 1);
	assert_int_equal(count_substr(text, "---[ end trace "), 1);
	assert_true(strstr(text, "Call Trace:") < strstr(text, "---[ end trace "));
	assert_int_equal(text[strlen(text) - 1], '\n');
	free(text);
}

static void test_printed_trace_starts_at_the_reporting_caller(void **state)
{
	struct membuf m;
	char *text, *trace, *first;

	(void)state;
	mem_begin(&m);
	pcl_report(PCL_CHK_API, NULL, __FILE__, __LINE__, "where am I");
	text = mem_end(&m);

	/* The report engine's own frames are not shown: the first frame
	 * is pcl_report (the entry point) or the caller itself. */
	trace = strstr(text, " <TASK>\n");
	assert_non_null(trace);
	first = trace + strlen(" <TASK>\n");
	assert_lacks(trace, "report_va");
	assert_lacks(trace, "print_report");
	assert_lacks(trace, "pcl_print_stack");
	assert_true(strncmp(first, "  pcl_report+0x", 15) == 0 ||
		    strncmp(first, "  test_printed_trace_starts_at_the_reporting_caller+0x", 54) == 0);
	free(text);
}

static void test_printed_trace_end_number_is_the_report_seq(void **state)
{
	struct pcl_capture cap;
	struct membuf m;
	char *text;

	(void)state;
	pcl_capture_begin(&cap);
	mem_begin(&m);
	pcl_report(PCL_CHK_API, NULL, __FILE__, __LINE__, "numbered");
	text = mem_end(&m);
	pcl_capture_end();

	assert_int_equal(cap.n, 1);
	assert_contains_fmt(text, "---[ end trace %016lx ]---\n", cap.r[0].seq);
	free(text);
}

static void test_printed_report_lists_held_locks(void **state)
{
	static DEFINE_SPINLOCK(report_test_lock);
	static DEFINE_MUTEX(report_test_mutex);
	struct membuf m;
	char *one, *two;
	int line;

	(void)state;
	mem_begin(&m);
	line = __LINE__ + 1;
	spin_lock(&report_test_lock);
	pcl_report(PCL_CHK_LOCKDEP, NULL, __FILE__, __LINE__, "with one lock");
	spin_unlock(&report_test_lock);
	one = mem_end(&m);

	assert_contains(one, "1 lock held by ");
	assert_contains(one, "(report_test_lock){spin}");
	assert_contains_fmt(one, "at: %s:%d\n", __FILE__, line);
	assert_contains(one, "in_atomic(): 1");
	assert_contains(one, "context: atomic");
	free(one);

	mem_begin(&m);
	mutex_lock(&report_test_mutex);
	spin_lock(&report_test_lock);
	pcl_report(PCL_CHK_LOCKDEP, NULL, __FILE__, __LINE__, "with two locks");
	spin_unlock(&report_test_lock);
	mutex_unlock(&report_test_mutex);
	two = mem_end(&m);

	assert_contains(two, "2 locks held by ");
	assert_contains(two, " #0: ");
	assert_contains(two, "(report_test_mutex){mutex}");
	assert_contains(two, " #1: ");
	assert_true(strstr(two, "report_test_mutex") < strstr(two, "report_test_lock"));
	free(two);
}

static void test_printed_report_names_the_task(void **state)
{
	struct pcl_context *c = pcl_ctx();
	char saved[sizeof(c->comm)];
	struct membuf m;
	char *text;

	(void)state;
	memcpy(saved, c->comm, sizeof(saved));
	pcl_ctx_set_comm("modprobe");
	mem_begin(&m);
	pcl_report(PCL_CHK_API, NULL, __FILE__, __LINE__, "who");
	text = mem_end(&m);
	pcl_ctx_set_comm(saved);

	assert_contains_fmt(text, "(task modprobe/%d)", c->tid);
	assert_contains_fmt(text, "no locks held by modprobe/%d.", c->tid);
	free(text);
}

static void test_printed_hardirq_report_shows_irq_stack(void **state)
{
	struct membuf m;
	char *text;

	(void)state;
	mem_begin(&m);
	pcl_hardirq_enter();
	pcl_report(PCL_CHK_SPURIOUS, NULL, __FILE__, __LINE__, "storm");
	pcl_hardirq_exit();
	text = mem_end(&m);

	assert_contains(text, "context: hard-IRQ");
	assert_contains(text, "irqs_disabled(): 1");
	assert_contains(text, "Call Trace:\n <IRQ>\n");
	assert_contains(text, " </IRQ>\n");
	assert_lacks(text, "<TASK>");
	free(text);
}

static void test_printed_atomic_sleep_report_is_a_bug_line(void **state)
{
	struct membuf m;
	char *text;
	int line;

	(void)state;
	mem_begin(&m);
	preempt_disable();
	line = __LINE__ + 1;
	might_sleep();
	preempt_enable();
	text = mem_end(&m);

	assert_contains_fmt(text,
		"BUG: sleeping function called from invalid context at %s:%d\n",
		__FILE__, line);
	assert_lacks(text, "WARNING:");
	assert_contains(text, "checker: atomic-sleep\n");
	assert_contains(text, "preempt_count: 1, expected: 0");
	free(text);
}

static void test_backtrace_can_be_turned_off(void **state)
{
	struct membuf m;
	char *text;

	(void)state;
	pcl_report_set_backtrace(false);
	mem_begin(&m);
	pcl_report(PCL_CHK_API, NULL, __FILE__, __LINE__, "no trace");
	text = mem_end(&m);
	pcl_report_set_backtrace(true);

	assert_lacks(text, "Call Trace:");
	assert_contains(text, "---[ end trace ");
	free(text);
}

static void test_print_stack_names_static_caller(void **state)
{
	struct membuf m;
	char *text;

	(void)state;
	mem_open(&m);
	pcl_print_stack(m.f, 0);
	text = mem_close(&m);
	assert_contains(text, "test_print_stack_names_static_caller+0x");
	assert_contains(text, "(tests/unit/test-report.c:");
	free(text);
}

/* ---- hooks ---- */

struct hook_log {
	int calls;
	bool had_text;
	bool text_has_title;
	unsigned long nested_count_delta;
};

static void reentrant_hook(const struct pcl_report *r, void *arg)
{
	struct hook_log *log = arg;
	unsigned long before = pcl_report_count(PCL_CHK_NR);

	log->calls++;
	log->had_text = r->text != NULL;
	log->text_has_title = r->text && strstr(r->text, r->title);
	/* A report from inside a report is dropped, not recursed into. */
	pcl_report(PCL_CHK_API, NULL, __FILE__, __LINE__, "nested");
	log->nested_count_delta = pcl_report_count(PCL_CHK_NR) - before;
}

static void test_report_from_a_hook_is_dropped(void **state)
{
	struct hook_log log = { 0 };
	unsigned long before = pcl_report_count(PCL_CHK_NR);

	(void)state;
	pcl_report_set_stream(NULL);
	pcl_report_set_hook(reentrant_hook, &log);
	pcl_report(PCL_CHK_RESIDUE, NULL, __FILE__, __LINE__, "outer title");
	pcl_report_set_hook(NULL, NULL);
	pcl_report_set_stream(stderr);

	assert_int_equal(log.calls, 1);
	assert_int_equal(log.nested_count_delta, 0);
	assert_int_equal(pcl_report_count(PCL_CHK_NR), before + 1);
	/* the hook sees the rendered report even when printing is off */
	assert_true(log.had_text);
	assert_true(log.text_has_title);
}

static void test_fatal_mode_aborts_the_process(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		FILE *null = fopen("/dev/null", "w");

		if (null)	/* hide the "aborting" line */
			dup2(fileno(null), 2);
		pcl_report_set_stream(NULL);
		pcl_report_set_fatal(true);
		pcl_report(PCL_CHK_API, NULL, __FILE__, __LINE__, "panic_on_warn");
		_exit(0);	/* not reached if fatal works */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

static void test_warn_on_reports_only_when_true(void **state)
{
	struct pcl_capture cap;
	bool a, b;
	int line;

	(void)state;
	quiet_begin(&cap);
	a = PCL_WARN_ON(1 + 1 == 3, NULL, "never");
	line = __LINE__ + 1;
	b = PCL_WARN_ON(2 > 1, NULL, "value %d", 5);
	quiet_end();

	assert_false(a);
	assert_true(b);
	assert_int_equal(cap.n, 1);
	assert_int_equal(cap.r[0].checker, PCL_CHK_API);
	assert_string_equal(cap.r[0].title, "value 5");
	assert_int_equal(cap.r[0].line, line);
}

/* ---- context bookkeeping that reports rely on ---- */

static void test_unbalanced_irq_exit_is_reported(void **state)
{
	struct pcl_capture cap;

	(void)state;
	quiet_begin(&cap);
	pcl_hardirq_exit();
	pcl_softirq_exit();
	quiet_end();
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_API), 2);
	assert_int_equal(pcl_ctx()->hardirq_depth, 0);
	assert_int_equal(pcl_ctx()->softirq_depth, 0);
	assert_int_equal(pcl_ctx()->irqs_disabled, 0);
}

static void test_held_lock_stack_releases_out_of_order(void **state)
{
	static int a, b, c;
	struct pcl_capture cap;

	(void)state;
	pcl_ctx_lock_acquired(&a, "a", PCL_LOCK_MUTEX, __FILE__, __LINE__, false);
	pcl_ctx_lock_acquired(&b, "b", PCL_LOCK_SPIN, __FILE__, __LINE__, false);
	pcl_ctx_lock_acquired(&c, "c", PCL_LOCK_SPIN, __FILE__, __LINE__, true);
	assert_int_equal(pcl_ctx()->nheld, 3);
	assert_true(pcl_ctx_holds(&a) && pcl_ctx_holds(&b) && pcl_ctx_holds(&c));
	assert_int_equal(pcl_ctx_lock_released(&a), 1);
	assert_false(pcl_ctx_holds(&a));
	assert_true(pcl_ctx_holds(&b));
	assert_int_equal(pcl_ctx_lock_released(&c), 2);	/* recursive entry */
	assert_int_equal(pcl_ctx_lock_released(&b), 1);
	assert_int_equal(pcl_ctx()->nheld, 0);

	quiet_begin(&cap);
	assert_int_equal(pcl_ctx_lock_released(&a), 0);
	quiet_end();
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_LOCKDEP), 1);
	assert_contains(cap.r[0].title, "bad unlock balance");
}

static void test_held_lock_stack_survives_overflow(void **state)
{
	static int locks[PCL_MAX_HELD_LOCKS + 4];

	(void)state;
	for (int i = 0; i < (int)ARRAY_SIZE(locks); i++)
		pcl_ctx_lock_acquired(&locks[i], "l", PCL_LOCK_SPIN, __FILE__,
				      __LINE__, false);
	assert_int_equal(pcl_ctx()->nheld, ARRAY_SIZE(locks));
	for (int i = (int)ARRAY_SIZE(locks) - 1; i >= 0; i--)
		assert_int_equal(pcl_ctx_lock_released(&locks[i]), 1);
	assert_int_equal(pcl_ctx()->nheld, 0);
}

/* ---- trace ---- */

static void test_trace_prints_numbered_lines_of_enabled_categories(void **state)
{
	struct membuf m;
	char *text;

	(void)state;
	mem_open(&m);
	pcl_trace_enable(1u << PCL_TR_CORE | 1u << PCL_TR_DRV, m.f);
	assert_true(pcl_trace_on(PCL_TR_CORE));
	assert_false(pcl_trace_on(PCL_TR_DEVRES));
	pcl_trace(PCL_TR_CORE, "bind %s", "t0");
	pcl_trace(PCL_TR_DEVRES, "hidden");
	pcl_trace(PCL_TR_DRV, "probe %d", 3);
	pcl_trace_enable(0, NULL);
	assert_false(pcl_trace_on(PCL_TR_CORE));
	pcl_trace(PCL_TR_CORE, "after disable");
	text = mem_close(&m);

	assert_string_equal(text, "[    1] core   bind t0\n"
				  "[    2] drv    probe 3\n");
	free(text);
}

/* ---- errno names ---- */

static void test_errname_names_errnos_either_sign(void **state)
{
	(void)state;
	assert_string_equal(pcl_errname(-EBUSY), "EBUSY");
	assert_string_equal(pcl_errname(EBUSY), "EBUSY");
	assert_string_equal(pcl_errname(-ENOMEM), "ENOMEM");
	assert_string_equal(pcl_errname(-ENODEV), "ENODEV");
	assert_string_equal(pcl_errname(-ETIMEDOUT), "ETIMEDOUT");
	assert_string_equal(pcl_errname(-EPROBE_DEFER), "EPROBE_DEFER");
	assert_string_equal(pcl_errname(-ERESTARTSYS), "ERESTARTSYS");
	assert_string_equal(pcl_errname(0), "0");
	assert_string_equal(pcl_errname(-4000), "E?");
	assert_int_equal(EPROBE_DEFER, 517);
	assert_int_equal(ERESTARTSYS, 512);
}

static void test_errno_parse_accepts_names_and_numbers(void **state)
{
	int v = 1;

	(void)state;
	assert_int_equal(pcl_errno_parse("EBUSY", &v), 0);
	assert_int_equal(v, -EBUSY);
	assert_int_equal(pcl_errno_parse("-EBUSY", &v), 0);
	assert_int_equal(v, -EBUSY);
	assert_int_equal(pcl_errno_parse("EPROBE_DEFER", &v), 0);
	assert_int_equal(v, -517);
	assert_int_equal(pcl_errno_parse("-EPROBE_DEFER", &v), 0);
	assert_int_equal(v, -EPROBE_DEFER);
	assert_int_equal(pcl_errno_parse("12", &v), 0);
	assert_int_equal(v, -12);
	assert_int_equal(pcl_errno_parse("-19", &v), 0);
	assert_int_equal(v, -19);
	assert_int_equal(pcl_errno_parse("0", &v), 0);
	assert_int_equal(v, 0);
}

static void test_errno_parse_rejects_junk(void **state)
{
	int v = 77;

	(void)state;
	assert_int_equal(pcl_errno_parse("EFOOBAR", &v), -EINVAL);
	assert_int_equal(pcl_errno_parse("", &v), -EINVAL);
	assert_int_equal(pcl_errno_parse("-", &v), -EINVAL);
	assert_int_equal(pcl_errno_parse("12x", &v), -EINVAL);
	assert_int_equal(pcl_errno_parse("ebusy", &v), -EINVAL);
	assert_int_equal(pcl_errno_parse("4096", &v), -EINVAL);
	assert_int_equal(v, 77);
}

static void test_errname_and_parse_round_trip(void **state)
{
	int named = 0;

	(void)state;
	for (int e = 1; e <= MAX_ERRNO; e++) {
		const char *name = pcl_errname(-e);
		int back = 0;

		if (strcmp(name, "E?") == 0)
			continue;
		named++;
		assert_int_equal(pcl_errno_parse(name, &back), 0);
		assert_int_equal(back, -e);
	}
	assert_true(named >= 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checker_names_parse_back_to_same_checker),
		cmocka_unit_test(test_checker_names_are_the_stable_spellings),
		cmocka_unit_test(test_checker_parse_rejects_unknown_names),
		cmocka_unit_test(test_report_reaches_capture_with_all_fields),
		cmocka_unit_test(test_report_detail_is_captured),
		cmocka_unit_test(test_report_title_longer_than_buffer_is_truncated),
		cmocka_unit_test(test_report_context_flags_in_hardirq),
		cmocka_unit_test(test_report_counters_are_per_checker),
		cmocka_unit_test(test_capture_counts_reports_beyond_its_buffer),
		cmocka_unit_test(test_capture_end_stops_capturing),
		cmocka_unit_test(test_report_without_subject_uses_running_subject),
		cmocka_unit_test(test_subject_with_only_a_device_leaves_driver_empty),
		cmocka_unit_test(test_set_stream_null_prints_nothing_but_still_captures),
		cmocka_unit_test(test_printed_report_has_kernel_format),
		cmocka_unit_test(test_printed_trace_starts_at_the_reporting_caller),
		cmocka_unit_test(test_printed_trace_end_number_is_the_report_seq),
		cmocka_unit_test(test_printed_report_lists_held_locks),
		cmocka_unit_test(test_printed_report_names_the_task),
		cmocka_unit_test(test_printed_hardirq_report_shows_irq_stack),
		cmocka_unit_test(test_printed_atomic_sleep_report_is_a_bug_line),
		cmocka_unit_test(test_backtrace_can_be_turned_off),
		cmocka_unit_test(test_print_stack_names_static_caller),
		cmocka_unit_test(test_report_from_a_hook_is_dropped),
		cmocka_unit_test(test_fatal_mode_aborts_the_process),
		cmocka_unit_test(test_warn_on_reports_only_when_true),
		cmocka_unit_test(test_unbalanced_irq_exit_is_reported),
		cmocka_unit_test(test_held_lock_stack_releases_out_of_order),
		cmocka_unit_test(test_held_lock_stack_survives_overflow),
		cmocka_unit_test(test_trace_prints_numbered_lines_of_enabled_categories),
		cmocka_unit_test(test_errname_names_errnos_either_sign),
		cmocka_unit_test(test_errno_parse_accepts_names_and_numbers),
		cmocka_unit_test(test_errno_parse_rejects_junk),
		cmocka_unit_test(test_errname_and_parse_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
