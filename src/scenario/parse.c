// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The scenario parser.  The whole file is parsed before anything runs, so
 * a typo on line 90 does not leave a half-run machine behind; every error
 * names the file, line and column.
 *
 * Grammar (docs/scenario-language.md):
 *
 *   file     := { line }
 *   line     := [ step ] [ comment ] NEWLINE
 *   step     := verb { arg } [ "=>" result ]
 *   arg      := word | key "=" value | quoted | key "=<<" WORD
 *   quoted   := '"' { char | '\"' | '\\' | '\n' | '\t' } '"'
 *   result   := "ok" | ERRNAME          (EBUSY, -EBUSY, EPROBE_DEFER, ...)
 *   comment  := "#" { any }
 *
 * key=<<WORD is a here-document, as in the shell: the lines after the
 * step, up to one that holds WORD alone, are the argument's text (a
 * config-space dump pasted into the scenario).  One per step.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct parser {
	const char *path;
	FILE *err;
	int line;
};

static int perr(struct parser *p, int col, const char *fmt, ...)
	__printf(3, 4);

static int perr(struct parser *p, int col, const char *fmt, ...)
{
	va_list ap;

	fprintf(p->err, "%s:%d:%d: error: ", p->path, p->line, col);
	va_start(ap, fmt);
	vfprintf(p->err, fmt, ap);
	va_end(ap);
	fputc('\n', p->err);
	return 2;
}

/* Split @buf (one line, modified in place) into tokens. */
struct token {
	char *s;
	int col;
	bool quoted;
	bool value_quoted;	/* key="value" */
};

/*
 * Copy a quoted string starting after its opening quote at *@rp into
 * *@wp, unescaping.  Return: 0, or 2 after an error message.
 */
static int unquote(struct parser *p, const char *buf, char **rp, char **wp,
		   int col)
{
	char *r = *rp, *w = *wp;

	for (;;) {
		if (!*r)
			return perr(p, col, "unterminated quoted string");
		if (*r == '"')
			break;
		if (*r == '\\') {
			char c = r[1];

			if (c == 'n')
				*w++ = '\n';
			else if (c == 't')
				*w++ = '\t';
			else if (c == '"' || c == '\\')
				*w++ = c;
			else
				return perr(p, (int)(r - buf) + 1,
					    "unknown escape '\\%c' in quoted string",
					    c ? c : '0');
			r += 2;
			continue;
		}
		*w++ = *r++;
	}
	*rp = r + 1;	/* past the closing quote */
	*wp = w;
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * Split @buf (one line, modified in place) into tokens.  A token is a bare
 * word, a "quoted string", or key="quoted value".
 */
static int tokenize(struct parser *p, char *buf, struct token *tok, int max,
		    int *ntok)
{
	char *r = buf;
	int n = 0;

	for (;;) {
		char *w;
		int col, ret;

		while (is_space(*r))
			r++;
		if (!*r || *r == '#')
			break;
		col = (int)(r - buf) + 1;
		if (n == max)
			return perr(p, col, "too many arguments (at most %d)",
				    PCL_SCN_MAX_ARGS);
		tok[n].col = col;
		tok[n].quoted = *r == '"';
		tok[n].value_quoted = false;
		tok[n].s = w = r;
		while (*r && !is_space(*r)) {
			if (*r != '"') {
				*w++ = *r++;
				continue;
			}
			/* A quote opens a token or a value after "key=". */
			if (r != tok[n].s && !(w > tok[n].s && w[-1] == '=' &&
					       !memchr(tok[n].s, '"', (size_t)(w - tok[n].s))))
				return perr(p, (int)(r - buf) + 1,
					    "quote inside a word (quote the whole word, or key=\"value\")");
			tok[n].value_quoted = r != tok[n].s;
			r++;
			ret = unquote(p, buf, &r, &w, (int)(r - buf));
			if (ret)
				return ret;
			if (*r && !is_space(*r) && *r != '#')
				return perr(p, (int)(r - buf) + 1,
					    "expected a space after the closing quote");
			break;
		}
		if (*r && *r != '#')
			r++;
		else if (*r == '#')
			*r = '\0';	/* a comment right after a quote */
		*w = '\0';
		n++;
	}
	*ntok = n;
	return 0;
}

static int check_chars(struct parser *p, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c < 0x20 && c != '\t' && c != '\r')
			return perr(p, (int)i + 1,
				    "unexpected control character 0x%02x", c);
	}
	return 0;
}

#define SCN_MAX_WORD	32	/* a here-document's closing word */

/*
 * Argument @i of @st is key=<<WORD at column @col: check that verb @v
 * takes a document there (its usage says "key=<<") and WORD.
 */
static int heredoc_arg(struct parser *p, const struct pcl_scn_verb *v,
		       struct scn_step *st, int i, int col)
{
	const char *word = st->argv[i].value + 2;
	size_t n = strlen(word);
	char want[64];

	snprintf(want, sizeof(want), "%s=<<", st->argv[i].key);
	if (!strstr(v->usage, want))
		return perr(p, col, "'%s' takes no here-document for '%s=' (%s)",
			    v->name, st->argv[i].key, v->usage);
	if (st->data_arg >= 0)
		return perr(p, col, "a second here-document on one step (one per step)");
	if (!n || n > SCN_MAX_WORD || strspn(word,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != n)
		return perr(p, col,
			    "here-document word '%s' is not 1-%d letters, digits or '_' (key=<<END)",
			    word, SCN_MAX_WORD);
	st->data_arg = i;
	st->data_end = word;
	return 0;
}

static int build_step(struct parser *p, struct token *tok, int ntok,
		      struct scn_step *st)
{
	const struct pcl_scn_verb *v;
	int nargs = ntok - 1;

	v = pcl__scn_find_verb(tok[0].s);
	if (!v) {
		const char *hint = pcl__scn_suggest_verb(tok[0].s);

		if (hint)
			return perr(p, tok[0].col,
				    "unknown verb '%s' (did you mean '%s'?)",
				    tok[0].s, hint);
		return perr(p, tok[0].col,
			    "unknown verb '%s' (pcilab verbs lists them)",
			    tok[0].s);
	}
	st->has_expect = false;
	st->expect = 0;
	for (int i = 1; i < ntok; i++) {
		if (tok[i].quoted || strcmp(tok[i].s, "=>") != 0)
			continue;
		if (i != ntok - 2)
			return perr(p, tok[i].col,
				    "'=>' must be followed by exactly one result (ok or an errno name) at the end of the line");
		st->has_expect = true;
		if (strcmp(tok[i + 1].s, "ok") != 0 &&
		    pcl_errno_parse(tok[i + 1].s, &st->expect) != 0)
			return perr(p, tok[i + 1].col,
				    "'%s' is not an errno name (EBUSY, ENODEV, EPROBE_DEFER, ...) or 'ok'",
				    tok[i + 1].s);
		nargs = i - 1;
		break;
	}
	if (nargs < v->min_args || nargs > v->max_args) {
		if (v->min_args == v->max_args)
			return perr(p, tok[0].col,
				    "'%s' takes %d argument%s (%s), got %d",
				    v->name, v->min_args,
				    v->min_args == 1 ? "" : "s", v->usage, nargs);
		return perr(p, tok[0].col,
			    "'%s' takes %d to %d arguments (%s), got %d",
			    v->name, v->min_args, v->max_args, v->usage, nargs);
	}
	st->verb = v;
	st->argc = nargs;
	st->data_arg = -1;
	for (int i = 0; i < nargs; i++) {
		struct pcl_scn_arg *a = &st->argv[i];
		struct token *t = &tok[i + 1];
		char *eq = t->quoted ? NULL : strchr(t->s, '=');

		a->word = t->s;
		a->col = t->col;
		a->key = NULL;
		a->value = NULL;
		if (eq && eq != t->s) {
			/* key=value: keep "word" intact, split a copy. */
			size_t kl = (size_t)(eq - t->s);

			a->key = strndup(t->s, kl);
			a->value = eq + 1;
			if (!a->key)
				return perr(p, t->col, "out of memory");
			if (!t->value_quoted && !strncmp(a->value, "<<", 2) &&
			    heredoc_arg(p, v, st, i, t->col + (int)kl + 1))
				return 2;
		}
	}
	return 0;
}

void pcl__scn_step_free(struct scn_step *st)
{
	for (int i = 0; i < st->argc; i++)
		free((char *)st->argv[i].key);
	free(st->store);
	free(st->text);
	free(st->data);
}

/* Is @line (@len bytes) @word alone, give or take blanks around it? */
static bool closes(const char *line, size_t len, const char *word)
{
	size_t wl = strlen(word);

	while (len && is_space(*line)) {
		line++;
		len--;
	}
	while (len && is_space(line[len - 1]))
		len--;
	return len == wl && !memcmp(line, word, wl);
}

int pcl__scn_data_line(const char *path, int lineno, const char *line,
		       size_t len, FILE *err, struct scn_step *st)
{
	struct parser p = { path, err, lineno };
	char *data;
	int ret;

	if (len > SCN_MAX_LINE)
		return perr(&p, SCN_MAX_LINE + 1, "line longer than %d bytes",
			    SCN_MAX_LINE);
	if (memchr(line, '\0', len))
		return perr(&p, (int)((const char *)memchr(line, '\0', len) -
				      line) + 1, "NUL byte in scenario text");
	ret = check_chars(&p, line, len);
	if (ret)
		return ret;
	if (closes(line, len, st->data_end))
		return 1;
	if (st->data_len + len + 1 > SCN_MAX_FILE)
		return perr(&p, 1, "here-document larger than %u MiB",
			    SCN_MAX_FILE >> 20);
	data = realloc(st->data, st->data_len + len + 2);
	if (!data)
		return perr(&p, 1, "out of memory");
	if (!st->data)
		st->data_line = lineno;
	memcpy(data + st->data_len, line, len);
	st->data_len += len;
	data[st->data_len++] = '\n';
	data[st->data_len] = '\0';
	st->data = data;
	return 0;
}

int pcl__scn_data_unclosed(const char *path, FILE *err,
			   const struct scn_step *st)
{
	struct parser p = { path, err, st->line };

	return perr(&p, st->argv[st->data_arg].col,
		    "here-document '%s' has no closing '%s' line",
		    st->argv[st->data_arg].word, st->data_end);
}

void pcl__scn_script_free(struct scn_script *sc)
{
	for (unsigned int i = 0; i < sc->nsteps; i++)
		pcl__scn_step_free(&sc->steps[i]);
	free(sc->steps);
	sc->steps = NULL;
	sc->nsteps = 0;
}

static int parse_line(struct parser *p, const char *line, size_t len,
		      struct scn_script *sc, unsigned int *cap)
{
	struct token tok[PCL_SCN_MAX_ARGS + 3];
	struct scn_step *st;
	char *buf;
	int ntok = 0, ret;

	if (len > SCN_MAX_LINE)
		return perr(p, SCN_MAX_LINE + 1,
			    "line longer than %d bytes", SCN_MAX_LINE);
	ret = check_chars(p, line, len);
	if (ret)
		return ret;
	buf = strndup(line, len);
	if (!buf)
		return perr(p, 1, "out of memory");
	ret = tokenize(p, buf, tok, (int)ARRAY_SIZE(tok), &ntok);
	if (ret || ntok == 0) {
		free(buf);
		return ret;
	}
	if (sc->nsteps == SCN_MAX_STEPS) {
		free(buf);
		return perr(p, 1, "more than %d steps", SCN_MAX_STEPS);
	}
	if (sc->nsteps == *cap) {
		unsigned int ncap = *cap ? *cap * 2 : 32;
		struct scn_step *n = realloc(sc->steps, ncap * sizeof(*n));

		if (!n) {
			free(buf);
			return perr(p, 1, "out of memory");
		}
		sc->steps = n;
		*cap = ncap;
	}
	st = &sc->steps[sc->nsteps];
	memset(st, 0, sizeof(*st));
	st->line = p->line;
	st->store = buf;
	ret = build_step(p, tok, ntok, st);
	if (ret) {
		pcl__scn_step_free(st);
		return ret;
	}
	st->text = strndup(line, len);
	if (st->text) {
		size_t tl = strcspn(st->text, "#\r");

		while (tl && (st->text[tl - 1] == ' ' || st->text[tl - 1] == '\t'))
			tl--;
		st->text[tl] = '\0';
	}
	sc->nsteps++;
	return 0;
}

static char *slurp(struct parser *p, size_t *len)
{
	FILE *f = fopen(p->path, "rb");
	char *data;
	size_t n;

	if (!f) {
		fprintf(p->err, "%s: error: cannot open: %s\n", p->path,
			strerror(errno));
		return NULL;
	}
	data = malloc(SCN_MAX_FILE + 1);
	if (!data) {
		fclose(f);
		fprintf(p->err, "%s: error: out of memory\n", p->path);
		return NULL;
	}
	n = fread(data, 1, SCN_MAX_FILE + 1, f);
	if (ferror(f) || n > SCN_MAX_FILE) {
		fprintf(p->err, "%s: error: %s\n", p->path,
			ferror(f) ? "read error" : "file larger than 4 MiB");
		fclose(f);
		free(data);
		return NULL;
	}
	fclose(f);
	data[n] = '\0';
	*len = n;
	return data;
}

int pcl__scn_parse_one(const char *path, int lineno, const char *line,
		       FILE *err, struct scn_step *out)
{
	struct parser p = { path, err, lineno };
	struct scn_script sc = { .path = path };
	unsigned int cap = 0;
	int ret = parse_line(&p, line, strlen(line), &sc, &cap);

	if (ret) {
		pcl__scn_script_free(&sc);
		return 2;
	}
	if (!sc.nsteps) {
		free(sc.steps);
		return 1;
	}
	if (sc.steps[0].verb == &pcl__scn_repeat_verb ||
	    sc.steps[0].verb == &pcl__scn_end_verb) {
		perr(&p, 1, "'%s' blocks need a whole scenario file",
		     sc.steps[0].verb->name);
		pcl__scn_script_free(&sc);
		return 2;
	}
	*out = sc.steps[0];
	free(sc.steps);
	return 0;
}

/* Pair every "repeat N" with its "end"; N is checked here too. */
static int match_blocks(struct parser *p, struct scn_script *sc)
{
	unsigned int stack[SCN_MAX_NEST], depth = 0;

	for (unsigned int i = 0; i < sc->nsteps; i++) {
		struct scn_step *st = &sc->steps[i];
		char *end;

		p->line = st->line;
		if (st->verb == &pcl__scn_repeat_verb) {
			errno = 0;
			st->count = strtoul(st->argv[0].word, &end, 0);
			if (*end || errno || st->argv[0].word[0] == '-' ||
			    st->count > 1000000)
				return perr(p, st->argv[0].col,
					    "repeat count '%s' is not a number 0-1000000",
					    st->argv[0].word);
			if (depth == SCN_MAX_NEST)
				return perr(p, 1, "repeat blocks nested deeper than %d",
					    SCN_MAX_NEST);
			stack[depth++] = i;
		} else if (st->verb == &pcl__scn_end_verb) {
			if (!depth)
				return perr(p, 1, "'end' without a 'repeat' before it");
			st->match = stack[--depth];
			sc->steps[st->match].match = i;
		}
	}
	if (depth) {
		p->line = sc->steps[stack[depth - 1]].line;
		return perr(p, 1, "'repeat' without a matching 'end'");
	}
	return 0;
}

static int parse_text(struct parser *p, const char *data, size_t len,
		      struct scn_script *out);

int pcl_scn_check_buffer(const char *name, const char *data, size_t len,
			 FILE *err)
{
	struct parser p = { name, err, 0 };
	struct scn_script sc;
	int ret;

	memset(&sc, 0, sizeof(sc));
	sc.path = name;
	if (len > SCN_MAX_FILE) {
		fprintf(err, "%s: error: file larger than 4 MiB\n", name);
		return 2;
	}
	ret = parse_text(&p, data, len, &sc);
	pcl__scn_script_free(&sc);
	return ret;
}

/* Parse @len bytes of scenario text into @out (initialised by the caller). */
static int parse_text(struct parser *p, const char *data, size_t len,
		      struct scn_script *out)
{
	struct scn_step *doc = NULL;	/* its here-document is open */
	unsigned int cap = 0, n;
	size_t off = 0;
	int ret = 0;

	while (off < len && !ret) {
		const char *nl = memchr(data + off, '\n', len - off);
		size_t l = nl ? (size_t)(nl - (data + off)) : len - off;

		p->line++;
		if (doc) {
			ret = pcl__scn_data_line(p->path, p->line, data + off, l,
						 p->err, doc);
			if (ret == 1) {
				doc = NULL;
				ret = 0;
			}
		} else if (memchr(data + off, '\0', l)) {
			ret = perr(p, (int)((const char *)memchr(data + off, '\0', l) -
					    (data + off)) + 1,
				   "NUL byte in scenario text");
		} else {
			n = out->nsteps;
			ret = parse_line(p, data + off, l, out, &cap);
			if (!ret && out->nsteps > n && out->steps[n].data_end)
				doc = &out->steps[n];
		}
		off += l + 1;
	}
	if (!ret && doc)
		ret = pcl__scn_data_unclosed(p->path, p->err, doc);
	if (!ret)
		ret = match_blocks(p, out);
	if (ret)
		pcl__scn_script_free(out);
	return ret;
}

int pcl__scn_parse(const char *path, FILE *err, struct scn_script *out)
{
	struct parser p = { path, err, 0 };
	size_t len;
	char *data;
	int ret;

	memset(out, 0, sizeof(*out));
	out->path = path;
	data = slurp(&p, &len);
	if (!data)
		return 2;
	ret = parse_text(&p, data, len, out);
	free(data);
	return ret;
}
