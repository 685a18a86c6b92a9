// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The one report path of every checker.
 *
 * A report looks like what a kernel developer reads in dmesg:
 *
 *   ------------[ cut here ]------------
 *   WARNING: CPU: 0 PID: 4242 at drivers/testbus/wrong.c:57 [devres]
 *   devres added while the device's resources are being released
 *   device: t0 (bus testbus)  driver: devres-in-release
 *   context: process (task pcilab/4242)  in_atomic(): 0  irqs_disabled(): 0
 *   1 lock held by pcilab/4242:
 *    #0: (&dev->mutex){....}, at: src/base/dd.c:201
 *   Call Trace:
 *    <TASK>
 *    ...
 *    </TASK>
 *   ---[ end trace 0000000000000003 ]---
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <pcilab/check.h>

static const char *const checker_names[PCL_CHK_NR] = {
	[PCL_CHK_DEVRES]	= "devres",
	[PCL_CHK_ATOMIC_SLEEP]	= "atomic-sleep",
	[PCL_CHK_RESIDUE]	= "residue",
	[PCL_CHK_IRQ_FREE]	= "irq-free",
	[PCL_CHK_REVOKE]	= "use-after-revoke",
	[PCL_CHK_LEAK]		= "leak",
	[PCL_CHK_LOCKDEP]	= "lockdep",
	[PCL_CHK_SPURIOUS]	= "spurious-irq",
	[PCL_CHK_API]		= "api",
};

/*
 * report_lock serialises printing and the capture hook, so that reports
 * from several threads do not interleave.  It is a raw pthread mutex, not a
 * tracked lock: reporting must not itself be checked.  Nothing nests
 * inside it but stdio.
 */
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *report_stream;		/* NULL: stderr; under report_lock */
static bool report_quiet;		/* under report_lock */
static bool report_fatal;
static bool report_backtrace = true;
static pcl_report_hook_t report_hook;	/* under report_lock */
static void *report_hook_arg;
static atomic_ulong report_counts[PCL_CHK_NR];
static atomic_ulong report_seq;

const char *pcl_checker_name(enum pcl_checker chk)
{
	if ((unsigned int)chk >= PCL_CHK_NR)
		return "?";
	return checker_names[chk];
}

int pcl_checker_parse(const char *name, enum pcl_checker *out)
{
	for (int i = 0; i < PCL_CHK_NR; i++) {
		if (strcmp(checker_names[i], name) == 0) {
			*out = (enum pcl_checker)i;
			return 0;
		}
	}
	return -EINVAL;
}

unsigned long pcl_report_count(enum pcl_checker chk)
{
	unsigned long n = 0;

	if ((unsigned int)chk < PCL_CHK_NR)
		return atomic_load(&report_counts[chk]);
	for (int i = 0; i < PCL_CHK_NR; i++)
		n += atomic_load(&report_counts[i]);
	return n;
}

void pcl_report_set_fatal(bool fatal)
{
	report_fatal = fatal;
}

void pcl_report_set_stream(FILE *f)
{
	pthread_mutex_lock(&report_lock);
	report_stream = f;
	report_quiet = !f;
	pthread_mutex_unlock(&report_lock);
}

void pcl_report_set_backtrace(bool on)
{
	report_backtrace = on;
}

void pcl_report_set_hook(pcl_report_hook_t hook, void *arg)
{
	pthread_mutex_lock(&report_lock);
	report_hook = hook;
	report_hook_arg = arg;
	pthread_mutex_unlock(&report_lock);
}

static const char *kind_str(enum pcl_lock_kind k)
{
	switch (k) {
	case PCL_LOCK_SPIN:		return "spin";
	case PCL_LOCK_MUTEX:		return "mutex";
	case PCL_LOCK_RWSEM_READ:	return "rwsem-read";
	case PCL_LOCK_RWSEM_WRITE:	return "rwsem-write";
	}
	return "?";
}

static void print_context(FILE *f, const struct pcl_context *c)
{
	const char *what;
	int n;

	if (c->hardirq_depth)
		what = "hard-IRQ";
	else if (c->softirq_depth)
		what = "soft-IRQ";
	else if (c->atomic_depth || c->irqs_disabled)
		what = "atomic";
	else
		what = "process";
	fprintf(f, "context: %s (task %s/%d", what, c->comm, c->tid);
	if (c->cpu >= 0)
		fprintf(f, ", CPU %d", c->cpu);
	fprintf(f, ")  in_atomic(): %d  irqs_disabled(): %d  RCU nest depth: %d\n",
		c->atomic_depth > 0, c->irqs_disabled > 0, c->rcu_depth);

	n = c->nheld;
	if (!n) {
		fprintf(f, "no locks held by %s/%d.\n", c->comm, c->tid);
		return;
	}
	fprintf(f, "%d lock%s held by %s/%d:\n", n, n == 1 ? "" : "s",
		c->comm, c->tid);
	if (n > PCL_MAX_HELD_LOCKS)
		n = PCL_MAX_HELD_LOCKS;
	for (int i = 0; i < n; i++) {
		const struct pcl_held_lock *h = &c->held[i];

		fprintf(f, " #%d: %p (%s){%s}, at: %s:%d\n", i, h->lock,
			h->name ? h->name : "?", kind_str(h->kind),
			h->file ? h->file : "?", h->line);
	}
}

static void fill_report(struct pcl_report *r, enum pcl_checker chk,
			const struct pcl_subject *subj, const char *file,
			int line, const char *detail, const char *title,
			va_list ap)
{
	const struct pcl_context *c = pcl_ctx();

	memset(r, 0, sizeof(*r));
	r->checker = chk;
	if (subj && subj->device)
		snprintf(r->device, sizeof(r->device), "%s", subj->device);
	if (subj && subj->driver)
		snprintf(r->driver, sizeof(r->driver), "%s", subj->driver);
	vsnprintf(r->title, sizeof(r->title), title, ap);
	if (detail)
		snprintf(r->detail, sizeof(r->detail), "%s", detail);
	r->file = file;
	r->line = line;
	r->hardirq = c->hardirq_depth > 0;
	r->atomic = pcl_in_atomic();
}

static void print_report(FILE *f, const struct pcl_report *r,
			 const struct pcl_subject *subj)
{
	const struct pcl_context *c = pcl_ctx();
	bool sleep_bug = r->checker == PCL_CHK_ATOMIC_SLEEP;

	fprintf(f, "------------[ cut here ]------------\n");
	if (sleep_bug)
		fprintf(f, "BUG: %s at %s:%d\n", r->title, r->file, r->line);
	else
		fprintf(f, "WARNING: CPU: %d PID: %d at %s:%d [%s]\n",
			c->cpu < 0 ? 0 : c->cpu, c->tid, r->file, r->line,
			pcl_checker_name(r->checker));
	if (!sleep_bug)
		fprintf(f, "%s\n", r->title);
	else
		fprintf(f, "checker: atomic-sleep\n");
	if (subj && (subj->device || subj->driver))
		fprintf(f, "device: %s (bus %s)  driver: %s\n",
			subj->device ? subj->device : "-",
			subj->bus ? subj->bus : "-",
			subj->driver ? subj->driver : "(none)");
	if (r->detail[0])
		fprintf(f, "%s%s", r->detail,
			r->detail[strlen(r->detail) - 1] == '\n' ? "" : "\n");
	print_context(f, c);
	if (report_backtrace) {
		fprintf(f, "Call Trace:\n %s\n", c->hardirq_depth ? "<IRQ>" : "<TASK>");
		pcl_print_stack(f, 3);
		fprintf(f, " %s\n", c->hardirq_depth ? "</IRQ>" : "</TASK>");
	}
	fprintf(f, "---[ end trace %016lx ]---\n", r->seq);
}

static void report_va(enum pcl_checker chk, const struct pcl_subject *subj,
		      const char *file, int line, const char *detail,
		      const char *title, va_list ap)
{
	struct pcl_context *c = pcl_ctx();
	struct pcl_report r;

	if ((unsigned int)chk >= PCL_CHK_NR)
		chk = PCL_CHK_API;
	if (c->in_report)
		return;
	c->in_report = 1;
	if (!subj)
		subj = c->subject;

	fill_report(&r, chk, subj, file, line, detail, title, ap);
	atomic_fetch_add(&report_counts[chk], 1);
	r.seq = atomic_fetch_add(&report_seq, 1);

	/* Render once into memory, so the report is printed in one piece
	 * and the capture hook can keep its text. */
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	if (mem) {
		print_report(mem, &r, subj);
		fclose(mem);
	}
	r.text = text;
	pthread_mutex_lock(&report_lock);
	if (!report_quiet && text) {
		FILE *out = report_stream ? report_stream : stderr;

		fputs(text, out);
		fflush(out);
	}
	if (report_hook)
		report_hook(&r, report_hook_arg);
	pthread_mutex_unlock(&report_lock);
	free(text);

	c->in_report = 0;
	if (report_fatal) {
		fprintf(stderr, "pcilab: report is fatal (panic_on_warn), aborting\n");
		abort();
	}
}

void pcl_report(enum pcl_checker chk, const struct pcl_subject *subj,
		const char *file, int line, const char *title, ...)
{
	va_list ap;

	va_start(ap, title);
	report_va(chk, subj, file, line, NULL, title, ap);
	va_end(ap);
}

void pcl_report_detail(enum pcl_checker chk, const struct pcl_subject *subj,
		       const char *file, int line, const char *detail,
		       const char *title, ...)
{
	va_list ap;

	va_start(ap, title);
	report_va(chk, subj, file, line, detail, title, ap);
	va_end(ap);
}

/* ---- the capture buffer used by tests ---- */

static void capture_hook(const struct pcl_report *r, void *arg)
{
	struct pcl_capture *cap = arg;

	if (cap->n < PCL_CAPTURE_MAX) {
		cap->r[cap->n] = *r;
		cap->r[cap->n].text = NULL;
	}
	cap->n++;
}

void pcl_capture_begin(struct pcl_capture *cap)
{
	memset(cap, 0, sizeof(*cap));
	pcl_report_set_hook(capture_hook, cap);
}

void pcl_capture_end(void)
{
	pcl_report_set_hook(NULL, NULL);
}

unsigned int pcl_capture_count(const struct pcl_capture *cap,
			       enum pcl_checker chk)
{
	unsigned int n = 0;
	unsigned int lim = cap->n < PCL_CAPTURE_MAX ? cap->n : PCL_CAPTURE_MAX;

	if (chk == PCL_CHK_NR)
		return cap->n;
	for (unsigned int i = 0; i < lim; i++)
		if (cap->r[i].checker == chk)
			n++;
	return n;
}

const struct pcl_report *pcl_capture_find(const struct pcl_capture *cap,
					  enum pcl_checker chk)
{
	unsigned int lim = cap->n < PCL_CAPTURE_MAX ? cap->n : PCL_CAPTURE_MAX;

	for (unsigned int i = 0; i < lim; i++)
		if (cap->r[i].checker == chk)
			return &cap->r[i];
	return NULL;
}
