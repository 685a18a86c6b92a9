/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to src/scenario.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#ifndef PCILAB_SCENARIO_INTERNAL_H
#define PCILAB_SCENARIO_INTERNAL_H

#include <pcilab/scenario.h>

#define SCN_MAX_FILE	(4u << 20)	/* bytes */
#define SCN_MAX_LINE	4096		/* bytes per line */
#define SCN_MAX_STEPS	100000

struct scn_step {
	int line;
	const struct pcl_scn_verb *verb;
	int argc;
	struct pcl_scn_arg argv[PCL_SCN_MAX_ARGS];
	bool has_expect;	/* "=> X" given */
	int expect;		/* 0 for "ok", else -errno */
	char *text;		/* the line as written, for messages */
	char *store;		/* owns the argument strings */
	/* repeat N ... end: the index of the matching step, and N */
	unsigned int match;
	unsigned long count;
	/* key=<<WORD: the argument, and the lines up to WORD (each with its
	 * '\n'), which start on line data_line */
	int data_arg;		/* -1: none */
	const char *data_end;	/* WORD, in store */
	char *data;
	size_t data_len;
	int data_line;
};

#define SCN_MAX_NEST	16	/* repeat blocks inside each other */
extern const struct pcl_scn_verb pcl__scn_repeat_verb, pcl__scn_end_verb;

struct scn_script {
	const char *path;
	struct scn_step *steps;
	unsigned int nsteps;
};

/* parse.c */
const struct pcl_scn_verb *pcl__scn_find_verb(const char *name);
const char *pcl__scn_suggest_verb(const char *name);
/* Return: 0, or 2 after printing "path:line:col: error: ..." to @err. */
int pcl__scn_parse(const char *path, FILE *err, struct scn_script *out);
void pcl__scn_script_free(struct scn_script *sc);
/* One line: Return 0 (@out filled; free with the script helpers), 1 (no
 * step: blank or comment), 2 (error printed to @err).  A step with a
 * here-document returns 0 with @out->data_end set: the caller feeds the
 * following lines to pcl__scn_data_line() until it returns 1. */
int pcl__scn_parse_one(const char *path, int lineno, const char *line,
		       FILE *err, struct scn_step *out);
void pcl__scn_step_free(struct scn_step *st);
/* A line after a step with a here-document.  Return: 0 taken into the
 * document, 1 it was the closing line, 2 error printed to @err. */
int pcl__scn_data_line(const char *path, int lineno, const char *line,
		       size_t len, FILE *err, struct scn_step *st);
/* The here-document of @st is still open at the end of the text: print
 * the error.  Return: 2. */
int pcl__scn_data_unclosed(const char *path, FILE *err,
			   const struct scn_step *st);

#endif
