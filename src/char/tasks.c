// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * "Userspace" tasks for scenarios: each is a thread that makes system
 * calls on char devices (open, read, write, ioctl, poll, close) or loops
 * reading a device's config space, one operation at a time, while the
 * scenario goes on: a step can wait for the operation, check that it
 * blocks, signal the task, and check what it got back.
 *
 *   task T OP ARGS...   run OP in T and wait for it (a hang fails the
 *                       scenario instead of hanging it)
 *   start T OP ARGS...  run OP in T, do not wait
 *   wait T              wait for T's operation; "=> ERR" checks its error
 *   expect-blocked T    T's operation is asleep in the kernel
 *   signal T            a signal: T's interruptible sleep returns
 *   expect-result T V   the last result: a number, or poll events
 *   expect-data T TEXT  what the last read returned
 *   stop T              end T's loop (cfg-loop: check it saw no torn read)
 *
 * A task thread waits for work on its own pthread condition: that is
 * "userspace", outside the kernel model, so signals and the char-device
 * fence's kicks only ever interrupt the system call.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pcilab/cdev.h>
#include <pcilab/pci.h>
#include <pcilab/scenario.h>

#define TASK_WAIT_MS	5000	/* a task op longer than this is hung */
#define BLOCK_WAIT_MS	2000	/* how long expect-blocked waits to see it */
#define DATA_MAX	256

enum op_kind { OP_OPEN, OP_CLOSE, OP_READ, OP_WRITE, OP_IOCTL, OP_POLL,
	       OP_CFG_LOOP, OP_RAISE_LOOP };

struct task_op {
	enum op_kind kind;
	char arg[DATA_MAX];		/* node, text or device name */
	size_t len;
	unsigned long num, num2;	/* ioctl cmd/arg, cfg offset/mask */
	__poll_t events;
	int timeout_ms;
	const char *name;		/* for messages */
};

enum task_state { T_IDLE, T_QUEUED, T_RUNNING, T_DONE };

struct utask {
	char name[16];
	struct task_struct *kt;
	/* m protects state, op, result, data and quit; the scenario thread
	 * and the task hand operations over with it.  Userspace: not a
	 * kernel lock, never taken in a system call. */
	pthread_mutex_t m;
	pthread_cond_t cv;
	enum task_state state;
	bool quit;
	struct task_op op;
	long result;
	char data[DATA_MAX + 1];
	size_t ndata;
	struct file *file;		/* used by the task thread only */
	_Atomic bool stop_loop;
	unsigned long reads, ones, absent, torn;
	_Atomic unsigned long progress;	/* loop iterations, for expect-progress */
	uint32_t torn_val, ref_val;
	struct list_head node;
};

static LIST_HEAD(tasks);		/* scenario thread only */

/* ---- the task side ---- */

static long do_cfg_loop(struct utask *t, const struct task_op *op)
{
	bool have_ref = false;

	while (!atomic_load(&t->stop_loop)) {
		struct pci_dev *pdev = pcl_pci_find_dev(op->arg);
		uint32_t v;
		int ret;

		if (!pdev) {
			t->absent++;
			sched_yield();
			continue;
		}
		ret = pci_user_read_config_dword(pdev, (int)op->num, &v);
		put_device(&pdev->dev);
		t->reads++;
		atomic_fetch_add(&t->progress, 1);
		if (ret || v == ~0u) {
			t->ones++;	/* gone or going: all ones is right */
		} else if (!have_ref) {
			t->ref_val = v & (uint32_t)op->num2;
			have_ref = true;
		} else if ((v & (uint32_t)op->num2) != t->ref_val) {
			if (!t->torn++)
				t->torn_val = v;
		}
		sched_yield();
	}
	return t->torn ? -EIO : 0;
}

/* The device keeps signalling a vector (an interrupt source that does
 * not care what the driver is doing), until stopped. */
static long do_raise_loop(struct utask *t, const struct task_op *op)
{
	while (!atomic_load(&t->stop_loop)) {
		struct pci_dev *pdev = pcl_pci_find_dev(op->arg);

		if (!pdev) {
			t->absent++;
		} else {
			atomic_fetch_add(&t->progress, 1);
			if (pcl_pci_raise(pdev, (unsigned int)op->num) == 0)
				t->reads++;
			else
				t->ones++;
			put_device(&pdev->dev);
		}
		sched_yield();
	}
	return 0;
}

static long run_op(struct utask *t, const struct task_op *op)
{
	long ret;

	switch (op->kind) {
	case OP_OPEN:
		if (t->file)
			return -EBUSY;
		return pcl_sys_open(op->arg, 0, &t->file);
	case OP_CLOSE:
		if (!t->file)
			return -EBADF;
		ret = pcl_sys_close(t->file);
		t->file = NULL;
		return ret;
	case OP_READ:
		if (!t->file)
			return -EBADF;
		ret = pcl_sys_read(t->file, t->data, op->num);
		pthread_mutex_lock(&t->m);
		t->ndata = ret > 0 ? (size_t)ret : 0;
		t->data[t->ndata] = '\0';
		pthread_mutex_unlock(&t->m);
		return ret;
	case OP_WRITE:
		if (!t->file)
			return -EBADF;
		return pcl_sys_write(t->file, op->arg, op->len);
	case OP_IOCTL:
		if (!t->file)
			return -EBADF;
		return pcl_sys_ioctl(t->file, (unsigned int)op->num, op->num2);
	case OP_POLL:
		if (!t->file)
			return -EBADF;
		return pcl_sys_poll(t->file, op->events, op->timeout_ms);
	case OP_CFG_LOOP:
		return do_cfg_loop(t, op);
	case OP_RAISE_LOOP:
		return do_raise_loop(t, op);
	}
	return -EINVAL;
}

static int task_main(void *data)
{
	struct utask *t = data;

	for (;;) {
		struct task_op op;
		long ret;

		pthread_mutex_lock(&t->m);
		while (t->state != T_QUEUED && !t->quit)
			pthread_cond_wait(&t->cv, &t->m);
		if (t->state != T_QUEUED) {	/* quit, nothing queued */
			pthread_mutex_unlock(&t->m);
			break;
		}
		t->state = T_RUNNING;
		op = t->op;
		pthread_mutex_unlock(&t->m);

		pcl_task_clear_signal(current);
		ret = run_op(t, &op);

		pthread_mutex_lock(&t->m);
		t->result = ret;
		t->state = T_DONE;
		pthread_cond_broadcast(&t->cv);
		pthread_mutex_unlock(&t->m);
	}
	if (t->file) {			/* exit closes what is open */
		pcl_sys_close(t->file);
		t->file = NULL;
	}
	return 0;
}

/* ---- the scenario side ---- */

static struct utask *task_find(const char *name)
{
	struct utask *t;

	list_for_each_entry(t, &tasks, node)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

static struct utask *task_get(struct pcl_scn *s, const struct pcl_scn_arg *a,
			      bool create)
{
	struct utask *t = task_find(a->word);

	if (t || !create) {
		if (!t)
			pcl_scn_input_error(s, a, "no task '%s' (tasks are made by 'task' or 'start')",
					    a->word);
		return t;
	}
	if (strlen(a->word) >= sizeof(t->name)) {
		pcl_scn_input_error(s, a, "task name '%s' longer than %zu characters",
				    a->word, sizeof(t->name) - 1);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	snprintf(t->name, sizeof(t->name), "%s", a->word);
	pthread_mutex_init(&t->m, NULL);
	pthread_cond_init(&t->cv, NULL);
	t->kt = kthread_run(task_main, t, t->name);
	if (IS_ERR(t->kt)) {
		free(t);
		return NULL;
	}
	list_add_tail(&t->node, &tasks);
	return t;
}

static int parse_events(struct pcl_scn *s, const struct pcl_scn_arg *a,
			__poll_t *ev)
{
	static const struct { const char *name; __poll_t bit; } names[] = {
		{ "in", EPOLLIN }, { "out", EPOLLOUT }, { "pri", EPOLLPRI },
		{ "err", EPOLLERR }, { "hup", EPOLLHUP },
	};
	char buf[64], *save = NULL;

	*ev = 0;
	snprintf(buf, sizeof(buf), "%s", a->word);
	for (char *p = strtok_r(buf, "|", &save); p; p = strtok_r(NULL, "|", &save)) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(names); i++)
			if (!strcmp(p, names[i].name))
				break;
		if (i == ARRAY_SIZE(names))
			return pcl_scn_input_error(s, a,
				"'%s' is not a poll event (in, out, pri, err, hup, joined by |)", p);
		*ev |= names[i].bit;
	}
	return 0;
}

static void events_str(__poll_t ev, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s", ev & EPOLLIN ? "in|" : "",
		 ev & EPOLLOUT ? "out|" : "", ev & EPOLLPRI ? "pri|" : "",
		 ev & EPOLLERR ? "err|" : "", ev & EPOLLHUP ? "hup|" : "");
	if (buf[0])
		buf[strlen(buf) - 1] = '\0';
	else
		snprintf(buf, len, "0");
}

/* Parse "OP ARGS..." (argv[0] is OP). */
static int parse_op(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv,
		    struct task_op *op)
{
	const char *w = argv[0].word;
	unsigned long v;

	memset(op, 0, sizeof(*op));
	op->name = w;
	op->timeout_ms = -1;
#define NEED(n) do { if (argc < (n) + 1) return pcl_scn_input_error(s, &argv[0], \
		"task op '%s' needs %d argument%s", w, (n), (n) == 1 ? "" : "s"); } while (0)
	if (!strcmp(w, "open")) {
		NEED(1);
		op->kind = OP_OPEN;
		snprintf(op->arg, sizeof(op->arg), "%s", argv[1].word);
	} else if (!strcmp(w, "close")) {
		op->kind = OP_CLOSE;
	} else if (!strcmp(w, "read")) {
		op->kind = OP_READ;
		op->num = 64;
		if (argc > 1 && pcl_scn_arg_uint(s, &argv[1], DATA_MAX, &op->num))
			return -EINVAL;
	} else if (!strcmp(w, "write")) {
		NEED(1);
		op->kind = OP_WRITE;
		op->len = strlen(argv[1].word);
		if (op->len >= sizeof(op->arg))
			return pcl_scn_input_error(s, &argv[1], "write text longer than %d bytes",
						   DATA_MAX - 1);
		memcpy(op->arg, argv[1].word, op->len);
	} else if (!strcmp(w, "ioctl")) {
		NEED(1);
		op->kind = OP_IOCTL;
		if (pcl_scn_arg_uint(s, &argv[1], 0xffffffffUL, &op->num) ||
		    (argc > 2 && pcl_scn_arg_uint(s, &argv[2], ~0UL, &op->num2)))
			return -EINVAL;
	} else if (!strcmp(w, "poll")) {
		const struct pcl_scn_arg *to = pcl_scn_kv(argc, argv, 1, "timeout");

		op->kind = OP_POLL;
		op->events = EPOLLIN;
		if (argc > 1 && !argv[1].key && parse_events(s, &argv[1], &op->events))
			return -EINVAL;
		if (to) {
			if (pcl_scn_arg_uint(s, to, 3600000, &v))
				return -EINVAL;
			op->timeout_ms = (int)v;
		}
	} else if (!strcmp(w, "cfg-loop")) {
		const struct pcl_scn_arg *o = pcl_scn_kv(argc, argv, 2, "off");
		const struct pcl_scn_arg *m = pcl_scn_kv(argc, argv, 2, "mask");

		NEED(1);
		op->kind = OP_CFG_LOOP;
		snprintf(op->arg, sizeof(op->arg), "%s", argv[1].word);
		op->num2 = 0xffffffffUL;
		if ((o && pcl_scn_arg_uint(s, o, 4092, &op->num)) ||
		    (m && pcl_scn_arg_uint(s, m, 0xffffffffUL, &op->num2)))
			return -EINVAL;
		if (op->num & 3)
			return pcl_scn_input_error(s, o, "off must be dword aligned");
	} else if (!strcmp(w, "raise-loop")) {
		const struct pcl_scn_arg *vec = pcl_scn_kv(argc, argv, 2, "vector");

		NEED(1);
		op->kind = OP_RAISE_LOOP;
		snprintf(op->arg, sizeof(op->arg), "%s", argv[1].word);
		if (vec && pcl_scn_arg_uint(s, vec, 2047, &op->num))
			return -EINVAL;
	} else {
		return pcl_scn_input_error(s, &argv[0],
			"no task op '%s' (open, close, read, write, ioctl, poll, cfg-loop, raise-loop)", w);
	}
#undef NEED
	return 0;
}

static int submit(struct pcl_scn *s, struct utask *t, const struct task_op *op,
		  const struct pcl_scn_arg *at)
{
	pthread_mutex_lock(&t->m);
	if (t->state == T_QUEUED || t->state == T_RUNNING) {
		pthread_mutex_unlock(&t->m);
		return pcl_scn_input_error(s, at, "task %s is still running '%s'",
					   t->name, t->op.name);
	}
	t->op = *op;
	t->state = T_QUEUED;
	t->reads = t->ones = t->absent = t->torn = 0;
	atomic_store(&t->progress, 0);
	atomic_store(&t->stop_loop, false);
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->m);
	return 0;
}

/* Wait up to @ms for T's op.  Return: true if it finished. */
static bool wait_done(struct utask *t, long ms)
{
	struct timespec dl;
	bool done;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += ms / 1000;
	dl.tv_nsec += (ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&t->m);
	while (t->state == T_QUEUED || t->state == T_RUNNING)
		if (pthread_cond_timedwait(&t->cv, &t->m, &dl) == ETIMEDOUT)
			break;
	done = !(t->state == T_QUEUED || t->state == T_RUNNING);
	pthread_mutex_unlock(&t->m);
	return done;
}

/* The op finished: show its result, hand the errno to the engine. */
static int finish(struct pcl_scn *s, struct utask *t)
{
	long r;
	char ev[48];

	pthread_mutex_lock(&t->m);
	r = t->result;
	t->state = T_IDLE;
	pthread_mutex_unlock(&t->m);
	if (r < 0) {
		pcl_scn_note(s, "task %s: %s returned -%s", t->name, t->op.name,
			     pcl_errname((int)r));
		return (int)r;
	}
	if (t->op.kind == OP_POLL) {
		events_str((__poll_t)r, ev, sizeof(ev));
		pcl_scn_note(s, "task %s: poll returned %s", t->name, ev);
	} else if (t->op.kind == OP_READ) {
		pcl_scn_note(s, "task %s: read returned %ld: \"%s\"", t->name, r,
			     t->data);
	} else {
		pcl_scn_note(s, "task %s: %s returned %ld", t->name, t->op.name, r);
	}
	return 0;
}

static int hung(struct pcl_scn *s, struct utask *t, long ms)
{
	pcl_scn_fail(s, "task %s: %s still blocked after %ld ms (hung task)",
		     t->name, t->op.name, ms);
	return 0;
}

/* task T OP ARGS... */
static int verb_task(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct task_op op;
	struct utask *t;

	if (parse_op(s, argc - 1, argv + 1, &op))
		return -EINVAL;
	if (op.kind == OP_CFG_LOOP || op.kind == OP_RAISE_LOOP)
		return pcl_scn_input_error(s, &argv[1], "%s runs until 'stop': use 'start'",
					   op.name);
	t = task_get(s, &argv[0], true);
	if (!t || submit(s, t, &op, &argv[0]))
		return -EINVAL;
	if (!wait_done(t, TASK_WAIT_MS))
		return hung(s, t, TASK_WAIT_MS);
	return finish(s, t);
}

/* start T OP ARGS... */
static int verb_start(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct task_op op;
	struct utask *t;

	if (parse_op(s, argc - 1, argv + 1, &op))
		return -EINVAL;
	t = task_get(s, &argv[0], true);
	if (!t || submit(s, t, &op, &argv[0]))
		return -EINVAL;
	return 0;
}

static struct utask *task_started(struct pcl_scn *s, const struct pcl_scn_arg *a)
{
	struct utask *t = task_get(s, a, false);
	enum task_state st;

	if (!t)
		return NULL;
	pthread_mutex_lock(&t->m);
	st = t->state;
	pthread_mutex_unlock(&t->m);
	if (st == T_IDLE) {
		pcl_scn_input_error(s, a, "task %s has no operation started", t->name);
		return NULL;
	}
	return t;
}

/* wait T [timeout=MS] */
static int verb_wait(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	const struct pcl_scn_arg *to = pcl_scn_kv(argc, argv, 1, "timeout");
	unsigned long ms = TASK_WAIT_MS;
	struct utask *t;

	if (to && pcl_scn_arg_uint(s, to, 600000, &ms))
		return -EINVAL;
	t = task_started(s, &argv[0]);
	if (!t)
		return -EINVAL;
	if (t->op.kind == OP_CFG_LOOP || t->op.kind == OP_RAISE_LOOP)
		return pcl_scn_input_error(s, &argv[0], "task %s runs a %s: use 'stop'",
					   t->name, t->op.name);
	if (!wait_done(t, (long)ms))
		return hung(s, t, (long)ms);
	return finish(s, t);
}

/* expect-blocked T: the op is asleep in the kernel (not finished) */
static int verb_expect_blocked(struct pcl_scn *s, int argc,
			       const struct pcl_scn_arg *argv)
{
	struct utask *t = task_started(s, &argv[0]);
	struct timespec start, now;

	if (!t)
		return -EINVAL;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		long el;

		if (wait_done(t, 0)) {
			pthread_mutex_lock(&t->m);
			pcl_scn_fail(s, "task %s: %s returned %ld, expected it to block",
				     t->name, t->op.name, t->result);
			t->state = T_IDLE;
			pthread_mutex_unlock(&t->m);
			return 0;
		}
		if (pcl_task_sleeping(t->kt)) {
			pcl_scn_pass(s);
			return 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		el = (now.tv_sec - start.tv_sec) * 1000 +
		     (now.tv_nsec - start.tv_nsec) / 1000000;
		if (el > BLOCK_WAIT_MS) {
			pcl_scn_fail(s, "task %s: %s is running but not asleep after %d ms",
				     t->name, t->op.name, BLOCK_WAIT_MS);
			return 0;
		}
		usleep(1000);
	}
}

/* expect-progress T N: T's loop made N operations (waits up to 2 s) */
static int verb_expect_progress(struct pcl_scn *s, int argc,
				const struct pcl_scn_arg *argv)
{
	struct utask *t = task_started(s, &argv[0]);
	unsigned long want;

	if (!t || pcl_scn_arg_uint(s, &argv[1], ~0UL >> 1, &want))
		return -EINVAL;
	if (t->op.kind != OP_CFG_LOOP && t->op.kind != OP_RAISE_LOOP)
		return pcl_scn_input_error(s, &argv[0], "task %s runs '%s', not a loop",
					   t->name, t->op.name);
	for (int ms = 0; ms < BLOCK_WAIT_MS; ms++) {
		if (atomic_load(&t->progress) >= want) {
			pcl_scn_pass(s);
			return 0;
		}
		usleep(1000);
	}
	pcl_scn_fail(s, "task %s: %lu operations of its loop after %d ms, expected %lu",
		     t->name, (unsigned long)atomic_load(&t->progress), BLOCK_WAIT_MS, want);
	return 0;
}

/* signal T */
static int verb_signal(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct utask *t = task_get(s, &argv[0], false);

	if (!t)
		return -EINVAL;
	pcl_task_signal(t->kt);
	return 0;
}

/* The task's last call, if it finished; else a failure (it is running). */
static bool task_finished(struct pcl_scn *s, struct utask *t, long *result,
			  enum op_kind *kind, char *data, size_t dlen)
{
	bool running;

	pthread_mutex_lock(&t->m);
	running = t->state == T_QUEUED || t->state == T_RUNNING;
	*result = t->result;
	*kind = t->op.kind;
	if (data)
		snprintf(data, dlen, "%s", t->data);
	pthread_mutex_unlock(&t->m);
	if (running)
		pcl_scn_fail(s, "task %s: '%s' has not returned yet (wait for it first)",
			     t->name, t->op.name);
	return !running;
}

/* expect-result T VALUE: a number or poll events */
static int verb_expect_result(struct pcl_scn *s, int argc,
			      const struct pcl_scn_arg *argv)
{
	struct utask *t = task_get(s, &argv[0], false);
	enum op_kind kind;
	unsigned long want;
	__poll_t ev;
	long got;

	if (!t)
		return -EINVAL;
	if (!task_finished(s, t, &got, &kind, NULL, 0))
		return 0;
	if (kind == OP_POLL && !(argv[1].word[0] >= '0' && argv[1].word[0] <= '9')) {
		char a[48], b[48];

		if (parse_events(s, &argv[1], &ev))
			return -EINVAL;
		if (got == (long)ev) {
			pcl_scn_pass(s);
			return 0;
		}
		events_str(ev, a, sizeof(a));
		if (got < 0)
			snprintf(b, sizeof(b), "-%s", pcl_errname((int)got));
		else
			events_str((__poll_t)got, b, sizeof(b));
		pcl_scn_fail(s, "task %s: poll returned %s, expected %s", t->name, b, a);
		return 0;
	}
	if (pcl_scn_arg_uint(s, &argv[1], ~0UL >> 1, &want))
		return -EINVAL;
	if (got == (long)want)
		pcl_scn_pass(s);
	else
		pcl_scn_fail(s, "task %s: %s returned %ld, expected %lu", t->name,
			     t->op.name, got, want);
	return 0;
}

/* expect-data T "TEXT" */
static int verb_expect_data(struct pcl_scn *s, int argc,
			    const struct pcl_scn_arg *argv)
{
	struct utask *t = task_get(s, &argv[0], false);
	char got[DATA_MAX + 1];
	enum op_kind kind;
	long r;

	if (!t)
		return -EINVAL;
	if (!task_finished(s, t, &r, &kind, got, sizeof(got)))
		return 0;
	if (!strcmp(got, argv[1].word))
		pcl_scn_pass(s);
	else
		pcl_scn_fail(s, "task %s: read \"%s\", expected \"%s\"", t->name,
			     got, argv[1].word);
	return 0;
}

/* stop T: end a cfg-loop; -EIO if it saw a torn read */
static int verb_stop(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct utask *t = task_started(s, &argv[0]);

	if (!t)
		return -EINVAL;
	if (t->op.kind != OP_CFG_LOOP && t->op.kind != OP_RAISE_LOOP)
		return pcl_scn_input_error(s, &argv[0], "task %s runs '%s', not a loop",
					   t->name, t->op.name);
	atomic_store(&t->stop_loop, true);
	if (!wait_done(t, TASK_WAIT_MS))
		return hung(s, t, TASK_WAIT_MS);
	if (t->op.kind == OP_RAISE_LOOP) {
		pcl_scn_note(s, "task %s: %lu interrupts sent, %lu not sent (masked or no vector), %lu while absent",
			     t->name, t->reads, t->ones, t->absent);
		finish(s, t);
		return 0;
	}
	pcl_scn_note(s, "task %s: %lu config reads (%lu all ones, %lu while absent), %lu torn",
		     t->name, t->reads, t->ones, t->absent, t->torn);
	if (t->torn)	/* said always; the step fails unless "=> EIO" */
		fprintf(pcl_scn_out(s),
			"task %s: %lu torn config reads of %s at 0x%lx: first 0x%08x, expected 0x%08x under mask 0x%lx (or all ones)\n",
			t->name, t->torn, t->op.arg, t->op.num, t->torn_val,
			t->ref_val, t->op.num2);
	else if (!t->reads)
		pcl_scn_fail(s, "task %s: no config read completed", t->name);
	return finish(s, t);	/* -EIO if torn */
}

/* Teardown: interrupt what is running, close files, end the threads. */
static void tasks_teardown(struct pcl_scn *s)
{
	while (!list_empty(&tasks)) {
		struct utask *t = list_first_entry(&tasks, struct utask, node);
		bool done = false;

		list_del_init(&t->node);
		atomic_store(&t->stop_loop, true);
		for (int i = 0; i < 50 && !done; i++) {
			pcl_task_signal(t->kt);
			done = wait_done(t, 100);
		}
		if (!done) {
			pcl_scn_fail(s, "task %s: %s does not return even to a signal; left running",
				     t->name, t->op.name);
			continue;	/* cannot join it: leak rather than hang */
		}
		pthread_mutex_lock(&t->m);
		t->quit = true;
		pthread_cond_broadcast(&t->cv);
		pthread_mutex_unlock(&t->m);
		kthread_stop(t->kt);
		pthread_mutex_destroy(&t->m);
		pthread_cond_destroy(&t->cv);
		free(t);
	}
}

static const struct pcl_scn_verb task_verbs[] = {
	{ "task", "T open NODE|close|read [N]|write TEXT|ioctl CMD [ARG]|poll [EVENTS] [timeout=MS]",
	  "userspace task T makes a system call and the scenario waits for it (5 s: hung)", 2, 5, verb_task },
	{ "start", "T OP ARGS... | T cfg-loop DEV [off=OFF] [mask=M] | T raise-loop DEV [vector=N]",
	  "task T starts a system call (or a config-read / interrupt loop) without waiting", 2, 5, verb_start },
	{ "wait", "T [timeout=MS]", "wait for T's system call; '=> ERR' checks its error", 1, 2, verb_wait },
	{ "expect-blocked", "T", "T's system call is asleep in the kernel", 1, 1, verb_expect_blocked },
	{ "expect-progress", "T N", "T's loop has made N operations (waits up to 2 s)", 2, 2, verb_expect_progress },
	{ "signal", "T", "send T a signal: its interruptible sleep returns -ERESTARTSYS", 1, 1, verb_signal },
	{ "expect-result", "T VALUE|EVENTS", "T's last result (a number, or poll events like hup|err)", 2, 2, verb_expect_result },
	{ "expect-data", "T \"TEXT\"", "what T's last read returned", 2, 2, verb_expect_data },
	{ "stop", "T", "end T's loop; a cfg-loop that saw a torn read fails with -EIO", 1, 1, verb_stop },
};

void pcl_char_scenario_init(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	pcl_scn_register(task_verbs, ARRAY_SIZE(task_verbs));
	pcl_scn_add_teardown(tasks_teardown);
}
