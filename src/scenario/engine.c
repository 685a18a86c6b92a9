// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The scenario engine: the verb table, running a parsed script, the
 * expectations on checker reports, teardown and the verdict.
 *
 * Reports and the verdict: every checker report raised while a scenario
 * runs is "pending" until an expect-report step accounts for it.  A
 * report still pending at the end (after teardown and the final leak
 * check) is unexpected and fails the scenario, whatever else held.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <pcilab/sync.h>
#include "internal.h"

#define MAX_VERBS	256
#define MAX_TEARDOWN	16

static const struct pcl_scn_verb *verbs[MAX_VERBS];
static unsigned int nverbs;
static void (*teardowns[MAX_TEARDOWN])(struct pcl_scn *s);
static unsigned int nteardowns;

struct pending {
	enum pcl_checker checker;
	char *summary;		/* "[checker] title (device X, driver Y)" */
	char *title;		/* the report's first line */
	char *text;		/* the full printed report */
};

struct pcl_scn {
	const struct pcl_scn_opts *opts;
	struct pcl_scn_result *res;
	const struct scn_script *script;
	const struct scn_step *step;	/* running now */
	bool input_error;
	bool torn_down;
	int last_ret;			/* the last step's result */

	/* pend_lock protects the pending array: reports may come from
	 * any thread.  Taken inside the report engine's lock; nothing
	 * nests inside it. */
	pthread_mutex_t pend_lock;
	struct pending *pend;
	unsigned int npend, cappend;
};

void pcl_scn_register(const struct pcl_scn_verb *v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (pcl__scn_find_verb(v[i].name)) {
			pcl_report(PCL_CHK_API, NULL, __FILE__, __LINE__,
				   "scenario verb '%s' registered twice",
				   v[i].name);
			continue;
		}
		if (nverbs == MAX_VERBS)
			return;
		verbs[nverbs++] = &v[i];
	}
}

const struct pcl_scn_verb *pcl__scn_find_verb(const char *name)
{
	for (unsigned int i = 0; i < nverbs; i++)
		if (strcmp(verbs[i]->name, name) == 0)
			return verbs[i];
	return NULL;
}

static unsigned int edit_distance(const char *a, const char *b)
{
	unsigned int row[64], la = (unsigned int)strlen(a),
		     lb = (unsigned int)strlen(b);

	if (la >= ARRAY_SIZE(row) || lb >= ARRAY_SIZE(row))
		return ~0u;
	for (unsigned int j = 0; j <= lb; j++)
		row[j] = j;
	for (unsigned int i = 1; i <= la; i++) {
		unsigned int diag = row[0];

		row[0] = i;
		for (unsigned int j = 1; j <= lb; j++) {
			unsigned int up = row[j];
			unsigned int best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *pcl__scn_suggest_verb(const char *name)
{
	const char *best = NULL;
	unsigned int bestd = 3;		/* suggest only close misspellings */

	for (unsigned int i = 0; i < nverbs; i++) {
		unsigned int d = edit_distance(name, verbs[i]->name);

		if (d < bestd) {
			bestd = d;
			best = verbs[i]->name;
		}
	}
	return best;
}

static int verb_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct pcl_scn_verb *const *)a)->name,
		      (*(const struct pcl_scn_verb *const *)b)->name);
}

void pcl_scn_verbs_dump(FILE *f)
{
	const struct pcl_scn_verb *v[MAX_VERBS];

	memcpy(v, verbs, nverbs * sizeof(v[0]));
	qsort(v, nverbs, sizeof(v[0]), verb_cmp);
	for (unsigned int i = 0; i < nverbs; i++) {
		char head[96];

		snprintf(head, sizeof(head), "%s %s", v[i]->name, v[i]->usage);
		fprintf(f, "  %-40s %s\n", head, v[i]->help);
	}
}

void pcl_scn_add_teardown(void (*fn)(struct pcl_scn *s))
{
	for (unsigned int i = 0; i < nteardowns; i++)
		if (teardowns[i] == fn)
			return;
	if (nteardowns < MAX_TEARDOWN)
		teardowns[nteardowns++] = fn;
}

/* ---- messages ---- */

static void where(struct pcl_scn *s, FILE *f)
{
	if (s->step)
		fprintf(f, "%s:%d: ", s->script->path, s->step->line);
	else
		fprintf(f, "%s: ", s->script->path);
}

int pcl_scn_input_error(struct pcl_scn *s, const struct pcl_scn_arg *at,
			const char *fmt, ...)
{
	va_list ap;

	if (s->step && at)
		fprintf(s->opts->err, "%s:%d:%d: error: ", s->script->path,
			s->step->line, at->col);
	else {
		where(s, s->opts->err);
		fputs("error: ", s->opts->err);
	}
	va_start(ap, fmt);
	vfprintf(s->opts->err, fmt, ap);
	va_end(ap);
	fputc('\n', s->opts->err);
	s->input_error = true;
	return -EINVAL;
}

const char *pcl_scn_heredoc(struct pcl_scn *s, const struct pcl_scn_arg *a,
			    size_t *len, int *line)
{
	const struct scn_step *st = s->step;

	if (!st || st->data_arg < 0 || a != &st->argv[st->data_arg])
		return NULL;
	*len = st->data_len;
	*line = st->data ? st->data_line : st->line + 1;
	return st->data ? st->data : "";
}

FILE *pcl_scn_err(struct pcl_scn *s)
{
	return s->opts->err;
}

const char *pcl_scn_file(struct pcl_scn *s)
{
	return s->script->path;
}

void pcl_scn_fail(struct pcl_scn *s, const char *fmt, ...)
{
	FILE *f = s->opts->out;
	va_list ap;

	where(s, f);
	fputs("FAILED: ", f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	s->res->failures++;
}

void pcl_scn_pass(struct pcl_scn *s)
{
	s->res->expectations++;
}

void pcl_scn_note(struct pcl_scn *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pcl_trace(PCL_TR_SCN, "%s", msg);
}

FILE *pcl_scn_out(struct pcl_scn *s)
{
	return s->opts->out;
}

int pcl_scn_arg_uint(struct pcl_scn *s, const struct pcl_scn_arg *a,
		     unsigned long max, unsigned long *out)
{
	const char *str = a->value ? a->value : a->word;
	char *end;
	unsigned long v;

	errno = 0;
	if (!*str || *str == '-')
		goto bad;
	v = strtoul(str, &end, 0);
	if (errno || *end || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	pcl_scn_input_error(s, a, "'%s' is not a number from 0 to %lu", str,
			    max);
	return -EINVAL;
}

const struct pcl_scn_arg *pcl_scn_kv(int argc, const struct pcl_scn_arg *argv,
				     int from, const char *key)
{
	for (int i = from; i < argc; i++)
		if (argv[i].key && strcmp(argv[i].key, key) == 0)
			return &argv[i];
	return NULL;
}

/* ---- pending reports ---- */

static void report_hook(const struct pcl_report *r, void *arg)
{
	struct pcl_scn *s = arg;
	struct pending *p;
	char *summary = NULL;

	if (asprintf(&summary, "[%s] %s (device %s, driver %s)",
		     pcl_checker_name(r->checker), r->title,
		     r->device[0] ? r->device : "-",
		     r->driver[0] ? r->driver : "-") < 0)
		summary = NULL;
	pthread_mutex_lock(&s->pend_lock);
	if (s->npend == s->cappend) {
		unsigned int ncap = s->cappend ? s->cappend * 2 : 16;
		struct pending *n = realloc(s->pend, ncap * sizeof(*n));

		if (!n) {
			pthread_mutex_unlock(&s->pend_lock);
			free(summary);
			return;
		}
		s->pend = n;
		s->cappend = ncap;
	}
	p = &s->pend[s->npend++];
	p->checker = r->checker;
	p->summary = summary;
	p->title = strdup(r->title);
	p->text = r->text ? strdup(r->text) : NULL;
	pthread_mutex_unlock(&s->pend_lock);
}

static void pending_drop(struct pcl_scn *s, unsigned int i)
{
	free(s->pend[i].summary);
	free(s->pend[i].title);
	free(s->pend[i].text);
	memmove(&s->pend[i], &s->pend[i + 1],
		(s->npend - i - 1) * sizeof(s->pend[0]));
	s->npend--;
}

/* Account for every pending report of @chk (PCL_CHK_NR: any).
 * Return: how many there were. */
static unsigned int pending_take(struct pcl_scn *s, enum pcl_checker chk,
				 const char *match, bool print)
{
	unsigned int n = 0;

	pthread_mutex_lock(&s->pend_lock);
	for (unsigned int i = 0; i < s->npend;) {
		struct pending *p = &s->pend[i];

		if ((chk != PCL_CHK_NR && p->checker != chk) ||
		    (match && (!p->summary || !strstr(p->summary, match)))) {
			i++;
			continue;
		}
		if (print)
			fprintf(s->opts->out, "  %s\n",
				p->summary ? p->summary : "?");
		n++;
		pending_drop(s, i);
	}
	pthread_mutex_unlock(&s->pend_lock);
	return n;
}

static void print_unexpected(struct pcl_scn *s)
{
	pthread_mutex_lock(&s->pend_lock);
	for (unsigned int i = 0; i < s->npend; i++) {
		struct pending *p = &s->pend[i];

		fprintf(s->opts->out, "%s: unexpected report %s\n",
			s->script->path, p->summary ? p->summary : "?");
		if (!s->opts->trace && p->text && !s->opts->quiet)
			fputs(p->text, s->opts->out);
	}
	s->res->unexpected_reports += s->npend;
	while (s->npend)
		pending_drop(s, s->npend - 1);
	pthread_mutex_unlock(&s->pend_lock);
}

/* ---- the engine's own verbs ---- */

static int verb_title(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	snprintf(s->res->title, sizeof(s->res->title), "%s", argv[0].word);
	pcl_scn_note(s, "scenario: %s", argv[0].word);
	return 0;
}

static int verb_echo(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	fprintf(s->opts->out, "%s\n", argv[0].word);
	return 0;
}

static void run_teardown(struct pcl_scn *s)
{
	pcl_scn_note(s, "teardown");
	for (unsigned int i = nteardowns; i-- > 0;)
		teardowns[i](s);
	/* Callbacks queued by teardown (kfree_rcu and friends) run now, so
	 * that what they free is not counted as a leak. */
	rcu_barrier();
	pcl_kmem_check_all();
	s->torn_down = true;
}

static int verb_teardown(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	if (s->torn_down)
		return -EALREADY;
	run_teardown(s);
	return 0;
}

/* expect-report CHECKER [N] [match=TEXT] */
static int verb_expect_report(struct pcl_scn *s, int argc,
			      const struct pcl_scn_arg *argv)
{
	const struct pcl_scn_arg *m = pcl_scn_kv(argc, argv, 1, "match");
	unsigned long want = 1;
	enum pcl_checker chk;
	unsigned int got;

	if (pcl_checker_parse(argv[0].word, &chk))
		return pcl_scn_input_error(s, &argv[0],
			"unknown checker '%s' (devres, atomic-sleep, residue, irq-free, use-after-revoke, leak, lockdep, spurious-irq, api)",
			argv[0].word);
	for (int i = 1; i < argc; i++) {
		if (argv[i].key) {
			if (strcmp(argv[i].key, "match"))
				return pcl_scn_input_error(s, &argv[i],
					"unknown option '%s' (match=TEXT)",
					argv[i].key);
			continue;
		}
		if (pcl_scn_arg_uint(s, &argv[i], 1000000, &want))
			return -EINVAL;
	}
	got = pending_take(s, chk, m ? m->value : NULL, s->opts->trace);
	if (got != want) {
		pcl_scn_fail(s, "expected %lu %s report%s%s%s, got %u", want,
			     argv[0].word, want == 1 ? "" : "s",
			     m ? " matching " : "", m ? m->value : "", got);
		return 0;
	}
	s->res->expectations++;
	s->res->expected_reports += got;
	return 0;
}

static int verb_expect_no_report(struct pcl_scn *s, int argc,
				 const struct pcl_scn_arg *argv)
{
	unsigned int n;

	pthread_mutex_lock(&s->pend_lock);
	n = s->npend;
	pthread_mutex_unlock(&s->pend_lock);
	if (n) {
		pcl_scn_fail(s, "expected no checker report, got %u:", n);
		print_unexpected(s);
		return 0;
	}
	s->res->expectations++;
	return 0;
}

/* The engine runs repeat/end itself (pcl_scn_run_file); these entries
 * make them known to the parser and to "pcilab verbs". */
static int verb_block(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	return 0;
}
const struct pcl_scn_verb pcl__scn_repeat_verb = {
	"repeat", "N", "run the steps up to the matching 'end' N times", 1, 1,
	verb_block };
const struct pcl_scn_verb pcl__scn_end_verb = {
	"end", "", "close a 'repeat' block", 0, 0, verb_block };

static const struct pcl_scn_verb engine_verbs[] = {
	{ "title", "\"TEXT\"", "what the scenario shows (one line)", 1, 1, verb_title },
	{ "echo", "\"TEXT\"", "print a line", 1, 1, verb_echo },
	{ "expect-report", "CHECKER [N] [match=TEXT]",
	  "exactly N (default 1) reports of CHECKER are pending; account for them",
	  1, 3, verb_expect_report },
	{ "expect-no-report", "", "no checker report is pending", 0, 0,
	  verb_expect_no_report },
	{ "teardown", "", "unbind and free everything now, then check for leaks",
	  0, 0, verb_teardown },
};

__attribute__((constructor)) static void engine_verbs_init(void)
{
	pcl_scn_register(engine_verbs, ARRAY_SIZE(engine_verbs));
	pcl_scn_register(&pcl__scn_repeat_verb, 1);
	pcl_scn_register(&pcl__scn_end_verb, 1);
}

/* ---- running ---- */

static void run_step(struct pcl_scn *s, const struct scn_step *st)
{
	int ret;

	s->step = st;
	s->res->steps++;
	pcl_trace(PCL_TR_SCN, "%s:%d: %s", s->script->path, st->line,
		  st->text ? st->text : st->verb->name);
	ret = st->verb->run(s, st->argc, st->argv);
	if (s->input_error)
		return;
	if (st->has_expect) {
		if (ret == st->expect) {
			s->res->expectations++;
			return;
		}
		if (st->expect == 0)
			pcl_scn_fail(s, "%s: failed with -%s, expected success",
				     st->text, pcl_errname(ret));
		else if (ret == 0)
			pcl_scn_fail(s, "%s: succeeded, expected -%s", st->text,
				     pcl_errname(st->expect));
		else
			pcl_scn_fail(s, "%s: failed with -%s, expected -%s",
				     st->text, pcl_errname(ret),
				     pcl_errname(st->expect));
		return;
	}
	if (ret && !s->opts->lenient)
		pcl_scn_fail(s, "%s: failed with -%s", st->text,
			     pcl_errname(ret));
	s->last_ret = ret;
}

/* Every step in order; repeat blocks loop (pairs matched by the parser). */
static void run_steps(struct pcl_scn *s, struct scn_script *sc)
{
	unsigned long *left = calloc(sc->nsteps ? sc->nsteps : 1, sizeof(*left));
	unsigned int i = 0;

	if (!left) {
		pcl_scn_fail(s, "out of memory");
		return;
	}
	while (i < sc->nsteps && !s->input_error) {
		const struct scn_step *st = &sc->steps[i];

		if (st->verb == &pcl__scn_repeat_verb) {
			left[i] = st->count;
			i = st->count ? i + 1 : st->match + 1;
		} else if (st->verb == &pcl__scn_end_verb) {
			i = --left[st->match] ? st->match + 1 : i + 1;
		} else {
			run_step(s, st);
			i++;
		}
	}
	free(left);
}

int pcl_scn_check_file(const char *path, FILE *err)
{
	struct scn_script sc;
	int ret = pcl__scn_parse(path, err, &sc);

	if (!ret)
		pcl__scn_script_free(&sc);
	return ret;
}

int pcl_scn_run_file(const char *path, const struct pcl_scn_opts *opts,
		     struct pcl_scn_result *res)
{
	struct pcl_scn s = { 0 };
	struct scn_script sc;
	int ret;

	memset(res, 0, sizeof(*res));
	ret = pcl__scn_parse(path, opts->err, &sc);
	if (ret) {
		res->input_error = true;
		return 2;
	}
	s.opts = opts;
	s.res = res;
	s.script = &sc;
	pthread_mutex_init(&s.pend_lock, NULL);

	if (opts->trace) {
		pcl_trace_enable(~0u & ~(1u << PCL_TR_SYNC), opts->out);
		pcl_report_set_stream(opts->out);
	} else {
		pcl_report_set_stream(NULL);
	}
	pcl_report_set_hook(report_hook, &s);

	run_steps(&s, &sc);
	s.step = NULL;
	if (opts->before_teardown && !s.input_error && !s.torn_down)
		opts->before_teardown(opts->arg);
	if (!s.torn_down)
		run_teardown(&s);

	pcl_report_set_hook(NULL, NULL);
	pcl_trace_enable(0, NULL);
	pcl_report_set_stream(stderr);

	print_unexpected(&s);
	free(s.pend);
	pthread_mutex_destroy(&s.pend_lock);
	pcl__scn_script_free(&sc);

	if (s.input_error) {
		res->input_error = true;
		return 2;
	}
	return res->failures || res->unexpected_reports ? 1 : 0;
}

/* ---- sessions ---- */

struct pcl_scn_session {
	struct pcl_scn s;
	struct scn_script sc;		/* the step running, for messages */
	struct scn_step cur;
	bool in_doc;			/* cur waits for its here-document */
	unsigned int lines;		/* fed so far */
	bool input_error;		/* any step had one */
};

struct pcl_scn_session *pcl_scn_session_begin(const char *name,
					      const struct pcl_scn_opts *opts,
					      struct pcl_scn_result *res)
{
	struct pcl_scn_session *ss = calloc(1, sizeof(*ss));

	if (!ss)
		return NULL;
	memset(res, 0, sizeof(*res));
	ss->sc.path = name;
	ss->s.opts = opts;
	ss->s.res = res;
	ss->s.script = &ss->sc;
	pthread_mutex_init(&ss->s.pend_lock, NULL);
	if (opts->trace) {
		pcl_trace_enable(~0u & ~(1u << PCL_TR_SYNC), opts->out);
		pcl_report_set_stream(opts->out);
	} else {
		pcl_report_set_stream(NULL);
	}
	pcl_report_set_hook(report_hook, &ss->s);
	return ss;
}

int pcl_scn_session_step(struct pcl_scn_session *ss, const char *line,
			 int *ret)
{
	int r;

	*ret = 0;
	if (ss->s.torn_down)
		return 2;
	if (ss->in_doc) {
		r = pcl__scn_data_line(ss->sc.path, (int)++ss->lines, line,
				       strlen(line), ss->s.opts->err, &ss->cur);
		if (!r)
			return 1;
		ss->in_doc = false;
		if (r == 2) {
			ss->input_error = true;
			pcl__scn_step_free(&ss->cur);
			return 2;
		}
	} else {
		/* One step at a time: a long session keeps no history. */
		r = pcl__scn_parse_one(ss->sc.path, (int)++ss->lines, line,
				       ss->s.opts->err, &ss->cur);
		if (r == 2)
			ss->input_error = true;
		if (r)
			return r;
		if (ss->cur.data_end) {
			ss->in_doc = true;
			return 1;
		}
	}
	ss->s.input_error = false;
	ss->s.last_ret = 0;
	run_step(&ss->s, &ss->cur);
	ss->s.step = NULL;
	pcl__scn_step_free(&ss->cur);
	*ret = ss->s.last_ret;
	if (ss->s.input_error) {
		ss->input_error = true;
		ss->s.input_error = false;
		return 2;
	}
	return 0;
}

unsigned int pcl_scn_session_pending(struct pcl_scn_session *ss,
				     enum pcl_checker *chk, char *title,
				     size_t len)
{
	unsigned int n;

	pthread_mutex_lock(&ss->s.pend_lock);
	n = ss->s.npend;
	if (n && chk)
		*chk = ss->s.pend[0].checker;
	if (n && title && len)
		snprintf(title, len, "%s", ss->s.pend[0].title ? ss->s.pend[0].title : "?");
	pthread_mutex_unlock(&ss->s.pend_lock);
	return n;
}

unsigned int pcl_scn_session_forget(struct pcl_scn_session *ss,
				    enum pcl_checker chk)
{
	return pending_take(&ss->s, chk, NULL, false);
}

int pcl_scn_session_end(struct pcl_scn_session *ss)
{
	struct pcl_scn *s = &ss->s;
	struct pcl_scn_result *res = s->res;
	int ret;

	s->step = NULL;
	if (ss->in_doc) {
		pcl__scn_data_unclosed(ss->sc.path, s->opts->err, &ss->cur);
		pcl__scn_step_free(&ss->cur);
		ss->input_error = true;
	}
	if (!s->torn_down)
		run_teardown(s);
	pcl_report_set_hook(NULL, NULL);
	pcl_trace_enable(0, NULL);
	pcl_report_set_stream(stderr);
	print_unexpected(s);
	free(s->pend);
	pthread_mutex_destroy(&s->pend_lock);
	if (ss->input_error)
		res->input_error = true;
	ret = res->failures || res->unexpected_reports ? 1 : 0;
	free(ss);
	return ret;
}
