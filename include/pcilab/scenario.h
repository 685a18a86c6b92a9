/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pcilab/scenario.h - the scenario language engine: parsing with precise
 * errors, a verb table that layers fill, expectations, and the verdict.
 *
 * The language (docs/scenario-language.md has the grammar):
 *
 *   # comment
 *   title "what this scenario shows"
 *   modprobe tb-good
 *   device t0 vendor=0x1af4 device=0x1000
 *   bind t0 tb-good
 *   bind t0 tb-good => EBUSY        # this step must fail with -EBUSY
 *   expect-report devres 1
 *
 * Each line is a verb and its arguments: bare words, key=value pairs and
 * "quoted strings" (with \" and \\ escapes).  "=> ERRNAME" at the end of a
 * line says the step must fail with that error ("=> ok" or nothing: it
 * must succeed).
 *
 * The engine sits below the layers that register verbs: it knows nothing
 * of devices.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#ifndef PCILAB_SCENARIO_H
#define PCILAB_SCENARIO_H

#include <stdio.h>
#include <pcilab/check.h>

#define PCL_SCN_MAX_ARGS	16

struct pcl_scn;

/* One parsed argument. */
struct pcl_scn_arg {
	const char *word;	/* the whole token, unquoted */
	const char *key;	/* for key=value: the key, else NULL */
	const char *value;	/* for key=value: the value, else NULL */
	int col;		/* 1-based column, for messages */
};

/*
 * A verb.  @run returns 0 or a negative errno, which the engine compares
 * with the step's "=> ERR" expectation.  An input problem (unknown device
 * name, bad number) is reported with pcl_scn_input_error() and makes the
 * whole run an input error (exit status 2).  An expectation that does not
 * hold is reported with pcl_scn_fail() and makes the verdict FAIL.
 */
struct pcl_scn_verb {
	const char *name;
	const char *usage;	/* arguments, e.g. "DEVICE DRIVER" */
	const char *help;	/* one line */
	int min_args, max_args;
	int (*run)(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv);
};

/** pcl_scn_register() - add verbs; names must be unique.  Before runs. */
void pcl_scn_register(const struct pcl_scn_verb *verbs, unsigned int n);
/** pcl_scn_verbs_dump() - print every verb with usage and help. */
void pcl_scn_verbs_dump(FILE *f);

/*
 * Teardown hooks run, newest first, by the "teardown" verb or at the end
 * of the scenario, to unbind and free everything the scenario made.
 */
void pcl_scn_add_teardown(void (*fn)(struct pcl_scn *s));

/* Reporting from verbs. */
int pcl_scn_input_error(struct pcl_scn *s, const struct pcl_scn_arg *at,
			const char *fmt, ...) __printf(3, 4);
void pcl_scn_fail(struct pcl_scn *s, const char *fmt, ...) __printf(2, 3);
/** pcl_scn_pass() - an expectation held (counted in the verdict line). */
void pcl_scn_pass(struct pcl_scn *s);
/** pcl_scn_note() - a line of scenario output (shown with --trace). */
void pcl_scn_note(struct pcl_scn *s, const char *fmt, ...) __printf(2, 3);
/** pcl_scn_out() - the stream where verbs print what the user asked for. */
FILE *pcl_scn_out(struct pcl_scn *s);
/** pcl_scn_err() - the stream for input errors (details before
 * pcl_scn_input_error()'s line). */
FILE *pcl_scn_err(struct pcl_scn *s);

/* Argument helpers; each reports an input error itself on failure. */
int pcl_scn_arg_uint(struct pcl_scn *s, const struct pcl_scn_arg *a,
		     unsigned long max, unsigned long *out);
/**
 * pcl_scn_heredoc() - the text of @a if it is a here-document
 * (key=<<WORD followed by lines up to WORD), every line ending in '\n';
 * its length in *@len and the file line it starts on in *@line.
 * Return: the text (NUL-terminated; "" if empty), or NULL if @a is not
 * a here-document.
 */
const char *pcl_scn_heredoc(struct pcl_scn *s, const struct pcl_scn_arg *a,
			    size_t *len, int *line);
/** pcl_scn_file() - the scenario's file name, for messages. */
const char *pcl_scn_file(struct pcl_scn *s);
/** pcl_scn_kv() - value of key=value among @argv from @from on, or NULL. */
const struct pcl_scn_arg *pcl_scn_kv(int argc, const struct pcl_scn_arg *argv,
				     int from, const char *key);

struct pcl_scn_opts {
	bool trace;		/* print the event trace and reports as they come */
	FILE *out;		/* where the trace and verdict go (stdout) */
	FILE *err;		/* where input errors go (stderr) */
	bool quiet;		/* only the verdict line */
	/* A step's own error (no "=> X" given) is not a failure: for
	 * generated steps (the fuzzer), where only reports count. */
	bool lenient;
	/* Called after the last step, before teardown (pcilab lspci). */
	void (*before_teardown)(void *arg);
	void *arg;
};

struct pcl_scn_result {
	char title[160];
	unsigned int steps;
	unsigned int expectations;	/* checks that held */
	unsigned int failures;		/* checks that did not */
	unsigned int expected_reports;
	unsigned int unexpected_reports;
	bool input_error;
};

/**
 * pcl_scn_run_file() - parse, then run, the scenario in @path.
 * Return: 0 PASS, 1 FAIL, 2 input error (the file is named with the line
 * and column of the problem on @opts->err; nothing runs if parsing fails).
 */
int pcl_scn_run_file(const char *path, const struct pcl_scn_opts *opts,
		     struct pcl_scn_result *res);

/** pcl_scn_check_file() - parse only.  Return: 0 or 2. */
int pcl_scn_check_file(const char *path, FILE *err);
/** pcl_scn_check_buffer() - parse @len bytes named @name.  Return: 0 or 2. */
int pcl_scn_check_buffer(const char *name, const char *data, size_t len,
			 FILE *err);

/*
 * A session: a scenario fed one line at a time, by a program that decides
 * the next step from what the previous ones did (the fuzzer).  Only one
 * session or file runs at a time.
 */
struct pcl_scn_session;
/** pcl_scn_session_begin() - @name stands for the file in messages.
 * Return: the session, or NULL if out of memory. */
struct pcl_scn_session *pcl_scn_session_begin(const char *name,
					      const struct pcl_scn_opts *opts,
					      struct pcl_scn_result *res);
/**
 * pcl_scn_session_step() - parse and run one line.
 * Return: 0 it ran (*@ret: the step's 0 or -errno), 1 nothing to run
 * (blank or comment, or a step or line of a here-document that is not
 * closed yet: the step runs when its closing line comes), 2 input error
 * (bad line or arguments: nothing or part of it ran; the session goes
 * on).
 */
int pcl_scn_session_step(struct pcl_scn_session *ss, const char *line,
			 int *ret);
/**
 * pcl_scn_session_pending() - reports not accounted for so far; the
 * first one's checker and title in @chk / @title (if any).
 */
unsigned int pcl_scn_session_pending(struct pcl_scn_session *ss,
				     enum pcl_checker *chk, char *title,
				     size_t len);
/** pcl_scn_session_forget() - drop pending reports of @chk (noise the
 * caller made on purpose).  Return: how many. */
unsigned int pcl_scn_session_forget(struct pcl_scn_session *ss,
				    enum pcl_checker chk);
/** pcl_scn_session_end() - teardown, final checks, free.
 * Return: as pcl_scn_run_file(). */
int pcl_scn_session_end(struct pcl_scn_session *ss);

#endif /* PCILAB_SCENARIO_H */
