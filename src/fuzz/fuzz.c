// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The lifecycle fuzzer.
 *
 *   generate --> run (one scenario session) --> first report? --+--> no: more
 *                                                               |
 *                                                               v yes
 *            shrink: replay candidate sequences with chunks, then single
 *            operations, then single lines removed; keep a removal when the
 *            same failure (checker and title, numbers masked) comes back
 *                                                               |
 *                                                               v
 *            replay the minimum once more, drop lines the machine refuses,
 *            write it as a scenario with each step's "=> ERR"
 *
 * The generator's model of the machine (struct world) says which slots
 * hold powered hardware and which devices the core has, so operations
 * name live objects: an index is reduced modulo the objects an operation
 * can apply to.  Results of operations never feed back into generation,
 * which is what makes a seed replay byte for byte.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pcilab/base.h>
#include <pcilab/cdev.h>
#include <pcilab/fuzz.h>
#include <pcilab/irq.h>
#include <pcilab/pci.h>
#include <pcilab/scenario.h>

#define MAX_SLOTS	64
#define MAX_DRIVERS	32
#define LINE_MAX_	160
#define INPUT_ERROR	1	/* a step result: the machine refused the line */

/* ---- the model ---- */

struct slot {
	char name[64];		/* the device: "00:03.0" */
	char plug[96];		/* what "plug" takes to re-insert it, or "" */
	char slot[64];		/* for the "slot" verb (root slots), or "" */
	int parent;		/* the bridge's slot index, or -1 */
	bool present;		/* hardware in the slot */
	bool powered;
	bool in_core;		/* the core has a device for it */
	bool firmware;		/* the model has firmware events */
};

struct world {
	struct slot slot[MAX_SLOTS];
	unsigned int nslots;
	const char *drivers[MAX_DRIVERS];	/* every module in play */
	bool loaded[MAX_DRIVERS];
	unsigned int ndrivers;
	bool testbus;		/* t0 is in the machine */
	bool test_remove;
};

/* One operation: up to two lines (while being made). */
struct op {
	char line[2][LINE_MAX_];
	unsigned int n;
};

/* As kept in a program: the lines, '\n'-separated, in one string.  A
 * block (a step with its here-document) is shrunk whole, never split. */
struct pop {
	char *text;
	unsigned int n;
	bool block;
};

struct prog {
	struct pop *op;
	unsigned int n, cap;
};

static int prog_add_text(struct prog *p, const char *text, unsigned int nlines)
{
	char *t;

	if (p->n == p->cap) {
		unsigned int ncap = p->cap ? p->cap * 2 : 256;
		struct pop *n = realloc(p->op, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->op = n;
		p->cap = ncap;
	}
	t = strdup(text);
	if (!t)
		return -ENOMEM;
	p->op[p->n].text = t;
	p->op[p->n].block = false;
	p->op[p->n++].n = nlines;
	return 0;
}

/* A copy of @op (a line, two, or a block) at the end of @p. */
static int prog_add_op(struct prog *p, const struct pop *op)
{
	int ret = prog_add_text(p, op->text, op->n);

	if (!ret)
		p->op[p->n - 1].block = op->block;
	return ret;
}

static int prog_add(struct prog *p, const struct op *op)
{
	char buf[2 * LINE_MAX_ + 2];

	snprintf(buf, sizeof(buf), "%s%s%s", op->line[0], op->n > 1 ? "\n" : "",
		 op->n > 1 ? op->line[1] : "");
	return prog_add_text(p, buf, op->n);
}

/* Line @l of a kept operation, into @buf. */
static const char *pop_line(const struct pop *op, unsigned int l, char *buf,
			    size_t len)
{
	const char *t = op->text;

	while (l-- && (t = strchr(t, '\n')))
		t++;
	if (!t)
		return "";
	snprintf(buf, len, "%.*s", (int)strcspn(t, "\n"), t);
	return buf;
}

static void prog_free(struct prog *p)
{
	for (unsigned int i = 0; i < p->n; i++)
		free(p->op[i].text);
	free(p->op);
	memset(p, 0, sizeof(*p));
}

/* Empty @p, keeping its array. */
static void prog_clear(struct prog *p)
{
	for (unsigned int i = 0; i < p->n; i++)
		free(p->op[i].text);
	p->n = 0;
}

static int prog_line(struct prog *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int prog_line(struct prog *p, const char *fmt, ...)
{
	struct op op = { .n = 1 };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(op.line[0], sizeof(op.line[0]), fmt, ap);
	va_end(ap);
	return prog_add(p, &op);
}

/* ---- randomness: xorshift64*, seeded, nothing else ---- */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* ---- the built-in machine ---- */

static const struct {
	const char *name, *plug, *slot;
	int parent;
	bool firmware;
} builtin_slots[] = {
	{ "00:02.0", "02.0 model=nic", "00:02.0", -1, false },
	{ "00:03.0", "03.0 model=nvme", "00:03.0", -1, false },
	{ "00:04.0", "04.0 model=switchtec", "00:04.0", -1, true },
	{ "00:05.0", "05.0 model=ahci", "00:05.0", -1, false },
	{ "00:06.0", "06.0 model=nic", "00:06.0", -1, false },
	{ "00:07.0", "07.0 model=bridge", "00:07.0", -1, false },
	{ "01:00.0", "00.0 model=nvme behind=07.0", "", 5, false },
};

static const char *const sample_drivers[] = {
	"nvme-lite", "switchtec-lite", "ahci-lite", "pci-good", "vfio-lite",
	"tb-good",
};

static const char *const nodes[] = { "switchtec0", "vfio0", "switchtec-wrong0" };

static int world_add_driver(struct world *w, const char *name)
{
	for (unsigned int i = 0; i < w->ndrivers; i++)
		if (!strcmp(w->drivers[i], name))
			return 0;
	if (w->ndrivers == MAX_DRIVERS)
		return -ENOSPC;
	if (!pcl_module_find(name))
		return -ENOENT;
	w->drivers[w->ndrivers++] = name;
	return 0;
}

/* The prelude that builds the built-in machine, and the model of it. */
static void builtin_machine(struct world *w, struct prog *pre, bool stress)
{
	prog_line(pre, "host pci0");
	if (stress)
		prog_line(pre, "cpus 2");
	for (unsigned int i = 0; i < ARRAY_SIZE(builtin_slots); i++) {
		struct slot *s = &w->slot[w->nslots++];

		snprintf(s->name, sizeof(s->name), "%s", builtin_slots[i].name);
		snprintf(s->plug, sizeof(s->plug), "%s", builtin_slots[i].plug);
		snprintf(s->slot, sizeof(s->slot), "%s", builtin_slots[i].slot);
		s->parent = builtin_slots[i].parent;
		s->firmware = builtin_slots[i].firmware;
		s->present = s->powered = s->in_core = true;
		prog_line(pre, "plug %s", s->plug);
	}
	prog_line(pre, "enumerate");
	prog_line(pre, "device t0");
	w->testbus = true;
}

static void load_drivers(struct world *w, struct prog *pre, bool stress)
{
	for (unsigned int i = 0; i < w->ndrivers; i++) {
		prog_line(pre, "modprobe %s", w->drivers[i]);
		w->loaded[i] = true;
	}
	if (stress && w->nslots >= 2) {
		prog_line(pre, "start R1 cfg-loop %s", w->slot[0].name);
		prog_line(pre, "start R2 cfg-loop %s off=0x8", w->slot[w->nslots - 1].name);
		prog_line(pre, "start I1 raise-loop %s vector=0", w->slot[1].name);
	}
}

/* Collect the devices a user's machine made (pcilab fuzz --machine). */
static void discover(struct pci_dev *pdev, void *arg)
{
	struct world *w = arg;
	struct slot *s;

	if (w->nslots == MAX_SLOTS)
		return;
	s = &w->slot[w->nslots++];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", pci_name(pdev));
	s->parent = -1;
	s->present = s->powered = s->in_core = true;
	s->firmware = pdev->vendor == 0x11f8;
	/* root-bus slots can be powered off and on */
	if (pdev->bus && !pdev->bus->parent)
		snprintf(s->slot, sizeof(s->slot), "%s", pci_name(pdev));
}

/* ---- generating one operation ---- */

enum op_kind {
	K_UNBIND, K_ATTACH, K_BIND, K_OVERRIDE_NONE, K_HOT_REMOVE, K_RESCAN,
	K_SURPRISE, K_PLUG, K_SLOT_OFF, K_SLOT_ON, K_RESET, K_POWER, K_RAISE,
	K_STORM, K_FIRMWARE, K_OPEN, K_CLOSE, K_WRITE, K_IOCTL, K_POLL,
	K_RMMOD, K_MODPROBE, K_TB_EVENT, K_TB_DEL, K_TB_ADD, K_TEST_REMOVE,
	K_NR
};

static const unsigned int weight[K_NR] = {
	[K_UNBIND] = 10, [K_ATTACH] = 10, [K_BIND] = 8, [K_OVERRIDE_NONE] = 2,
	[K_HOT_REMOVE] = 3, [K_RESCAN] = 5, [K_SURPRISE] = 2, [K_PLUG] = 4,
	[K_SLOT_OFF] = 2, [K_SLOT_ON] = 3, [K_RESET] = 3, [K_POWER] = 3,
	[K_RAISE] = 14, [K_STORM] = 1, [K_FIRMWARE] = 4, [K_OPEN] = 5,
	[K_CLOSE] = 3, [K_WRITE] = 4, [K_IOCTL] = 3, [K_POLL] = 3,
	[K_RMMOD] = 2, [K_MODPROBE] = 3, [K_TB_EVENT] = 3, [K_TB_DEL] = 1,
	[K_TB_ADD] = 2, [K_TEST_REMOVE] = 1,
};

enum pred { P_CORE, P_ABSENT_PLUGGABLE, P_ROOT_ON, P_ROOT_OFF, P_FIRMWARE };

static bool slot_ok(const struct world *w, const struct slot *s, enum pred p)
{
	switch (p) {
	case P_CORE:
		return s->in_core;
	case P_ABSENT_PLUGGABLE:
		return !s->present && s->plug[0] &&
		       (s->parent < 0 || (w->slot[s->parent].present &&
					  w->slot[s->parent].powered));
	case P_ROOT_ON:
		return s->slot[0] && s->present && s->powered;
	case P_ROOT_OFF:
		return s->slot[0] && s->present && !s->powered;
	case P_FIRMWARE:
		return s->in_core && s->firmware;
	}
	return false;
}

/* The (@a mod n)-th slot satisfying @p, or NULL. */
static struct slot *pick(struct world *w, enum pred p, uint32_t a)
{
	unsigned int n = 0, k;

	for (unsigned int i = 0; i < w->nslots; i++)
		n += slot_ok(w, &w->slot[i], p);
	if (!n)
		return NULL;
	k = a % n;
	for (unsigned int i = 0; i < w->nslots; i++)
		if (slot_ok(w, &w->slot[i], p) && !k--)
			return &w->slot[i];
	return NULL;
}

/* A device and what hangs below it leave the core (and maybe lose
 * hardware or power). */
static void model_remove(struct world *w, struct slot *s, bool gone,
			 bool unpowered)
{
	s->in_core = false;
	if (gone)
		s->present = false;
	if (unpowered)
		s->powered = false;
	for (unsigned int i = 0; i < w->nslots; i++)
		if (w->slot[i].parent == (int)(s - w->slot))
			model_remove(w, &w->slot[i], gone, unpowered);
}

/* A scan: every powered function whose bridge is in the core is added.
 * Parents come before their children in the slot array. */
static void model_scan(struct world *w)
{
	for (unsigned int i = 0; i < w->nslots; i++) {
		struct slot *s = &w->slot[i];

		s->in_core = s->present && s->powered &&
			     (s->parent < 0 || w->slot[s->parent].in_core);
	}
}

static void op_set(struct op *op, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void op_set(struct op *op, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(op->line[op->n], sizeof(op->line[0]), fmt, ap);
	va_end(ap);
	op->n++;
}

/*
 * Make operation @k with argument bytes @a, @b, @c, and update the model.
 * Return: false if it does not apply now (nothing to apply it to).
 */
static bool gen(struct world *w, enum op_kind k, uint32_t a, uint32_t b,
		uint32_t c, struct op *op)
{
	struct slot *s = NULL;
	const char *task = (b & 1) ? "B" : "A";

	op->n = 0;
	switch (k) {
	case K_UNBIND:
	case K_ATTACH:
	case K_OVERRIDE_NONE:
	case K_RESET:
		if (!(s = pick(w, P_CORE, a)))
			return false;
		op_set(op, "%s %s%s", k == K_UNBIND ? "unbind" : k == K_ATTACH ? "attach" :
		       k == K_RESET ? "reset" : "override", s->name,
		       k == K_OVERRIDE_NONE ? " none" : "");
		return true;
	case K_BIND: {
		const char *drv, *dev;

		if (!w->ndrivers)
			return false;
		drv = w->drivers[b % w->ndrivers];
		/* any device, the test-bus one too: a driver of the other
		 * bus is refused, harmlessly */
		if (w->testbus && c % 8 == 0)
			dev = "t0";
		else if ((s = pick(w, P_CORE, a)))
			dev = s->name;
		else
			return false;
		op_set(op, "override %s %s", dev, drv);
		op_set(op, "bind %s %s", dev, drv);
		return true;
	}
	case K_HOT_REMOVE:
	case K_SURPRISE:
		if (!(s = pick(w, P_CORE, a)))
			return false;
		if (k == K_SURPRISE && !s->plug[0])
			return false;	/* could not be put back */
		op_set(op, "%s %s", k == K_HOT_REMOVE ? "hot-remove" : "surprise-remove",
		       s->name);
		model_remove(w, s, k == K_SURPRISE, false);
		return true;
	case K_RESCAN:
		op_set(op, "rescan");
		model_scan(w);
		return true;
	case K_PLUG:
		if (!(s = pick(w, P_ABSENT_PLUGGABLE, a)))
			return false;
		op_set(op, "plug %s", s->plug);
		s->present = s->powered = true;
		return true;
	case K_SLOT_OFF:
		if (!(s = pick(w, P_ROOT_ON, a)))
			return false;
		op_set(op, "slot %s off", s->slot);
		model_remove(w, s, false, true);
		return true;
	case K_SLOT_ON:
		if (!(s = pick(w, P_ROOT_OFF, a)))
			return false;
		op_set(op, "slot %s on", s->slot);
		s->powered = true;
		for (unsigned int i = 0; i < w->nslots; i++)
			if (w->slot[i].parent == (int)(s - w->slot) && w->slot[i].present)
				w->slot[i].powered = true;
		model_scan(w);		/* it scans the whole host */
		return true;
	case K_POWER:
		if (!(s = pick(w, P_CORE, a)))
			return false;
		op_set(op, "power %s %s", s->name, (b & 1) ? "d3hot" : "d0");
		return true;
	case K_RAISE:
	case K_STORM:
		if (!(s = pick(w, P_CORE, a)))
			return false;
		op_set(op, "raise %s vector=%u count=%u", s->name, b % 8,
		       k == K_STORM ? 200 + c % 800 : 1 + c % 4);
		return true;
	case K_FIRMWARE:
		if (!(s = pick(w, P_FIRMWARE, a)))
			return false;
		op_set(op, "firmware %s %s", s->name, (b % 4) ? "complete" : "fail");
		return true;
	case K_OPEN:
		op_set(op, "task %s open %s", task, nodes[a % ARRAY_SIZE(nodes)]);
		return true;
	case K_CLOSE:
		op_set(op, "task %s close", task);
		return true;
	case K_WRITE:
		op_set(op, "task %s write \"cmd%u\"", task, c % 100);
		return true;
	case K_IOCTL:
		op_set(op, "task %s ioctl %u", task, 1 + a % 3);
		return true;
	case K_POLL:
		op_set(op, "task %s poll in timeout=0", task);
		return true;
	case K_RMMOD:
	case K_MODPROBE: {
		unsigned int i;

		if (!w->ndrivers)
			return false;
		i = a % w->ndrivers;
		if (w->loaded[i] != (k == K_RMMOD))
			return false;
		op_set(op, "%s %s", k == K_RMMOD ? "rmmod" : "modprobe", w->drivers[i]);
		w->loaded[i] = k == K_MODPROBE;
		return true;
	}
	case K_TB_EVENT:
		if (!w->testbus)
			return false;
		op_set(op, "event t0 count=%u", 1 + c % 3);
		return true;
	case K_TB_DEL:
	case K_TB_ADD:
		if (w->testbus != (k == K_TB_DEL))
			return false;
		op_set(op, "%s t0", k == K_TB_DEL ? "device-del" : "device");
		w->testbus = k == K_TB_ADD;
		return true;
	case K_TEST_REMOVE:
		w->test_remove = !w->test_remove;
		op_set(op, "test-remove %s", w->test_remove ? "on" : "off");
		return true;
	case K_NR:
		break;
	}
	return false;
}

static enum op_kind pick_kind(uint64_t r)
{
	unsigned int total = 0, x;

	for (int k = 0; k < K_NR; k++)
		total += weight[k];
	x = (unsigned int)(r % total);
	for (int k = 0; k < K_NR; k++) {
		if (x < weight[k])
			return (enum op_kind)k;
		x -= weight[k];
	}
	return K_RESCAN;
}

/* ---- running ---- */

struct exec {
	unsigned long ran;		/* operations run */
	unsigned long invalid;
	bool failed;
	enum pcl_checker chk;
	char title[256];		/* numbers masked */
	unsigned long fail_at;		/* operation index */
	int *rets;			/* per line, if wanted */
};

/* Numbers (IRQs, addresses, PIDs, counts) vary as a sequence shrinks:
 * mask them so that "the same failure" means the same kind of report. */
static void mask_numbers(char *t)
{
	char *o = t;

	for (char *p = t; *p; p++) {
		if (isdigit((unsigned char)*p)) {
			while (isxdigit((unsigned char)p[1]))
				p++;
			*o++ = '#';
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
}

static FILE *null_stream(void)
{
	static FILE *f;

	if (!f)
		f = fopen("/dev/null", "w");
	return f;
}

static bool check_failed(struct pcl_scn_session *ss, struct exec *e,
			 unsigned long at, bool stress)
{
	enum pcl_checker chk;
	char title[256];

	/* In stress mode the background interrupt source fires vectors no
	 * driver expects: storms of unhandled interrupts are its doing. */
	if (stress)
		pcl_scn_session_forget(ss, PCL_CHK_SPURIOUS);
	if (!pcl_scn_session_pending(ss, &chk, title, sizeof(title)))
		return false;
	e->failed = true;
	e->chk = chk;
	mask_numbers(title);
	snprintf(e->title, sizeof(e->title), "%s", title);
	e->fail_at = at;
	return true;
}

struct runner {
	const struct pcl_fuzz_opts *o;
	struct workers *workers;	/* stress mode's other threads */
	unsigned int prelude;		/* lines that build the machine */
	struct timespec start;
	FILE *log;
	bool progress;
	struct pcl_fuzz_result *r;
	unsigned long base_trans[DEV_STATE_NR][DEV_STATE_NR];
};

static double elapsed(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	       (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static unsigned int transitions_seen(const struct runner *rn)
{
	unsigned int n = 0;

	for (int f = 0; f < DEV_STATE_NR; f++)
		for (int t = 0; t < DEV_STATE_NR; t++)
			n += pcl_dev_state_transitions(f, t) > rn->base_trans[f][t];
	return n;
}

/* The transitions drawn in src/base/dd.c's diagram. */
#define TRANSITIONS_TOTAL	9	/* with test-remove's PROBING -> REMOVING */

static void progress(struct runner *rn, unsigned long ops)
{
	double t = elapsed(&rn->start);

	fprintf(stderr, "\rfuzz: %lu ops, %.0f/s, lifecycle transitions %u/%u, %s   ",
		ops, t > 0 ? (double)ops / t : 0.0, transitions_seen(rn),
		TRANSITIONS_TOTAL, rn->r->failed ? "FAILURE" : "no report");
	fflush(stderr);
}

/*
 * Stress mode's operation threads: while the main thread runs the
 * generated sequence, these bind, unbind, raise interrupts and read
 * config space on random devices of the same machine, through the core
 * API, each holding a reference on the device it picked for the
 * duration of one operation.  What they find is reported through the
 * same session (the report hook takes reports from any thread).
 */
#define WORKERS	2

struct workers {
	pthread_t thread[WORKERS];
	uint64_t seed[WORKERS];
	const struct world *w;
	unsigned int n;
	_Atomic bool stop;
	_Atomic unsigned long ops;
};

struct worker_arg {
	struct workers *ws;
	unsigned int idx;
};

static struct worker_arg worker_args[WORKERS];

static void *worker_main(void *arg)
{
	struct worker_arg *wa = arg;
	struct workers *ws = wa->ws;
	uint64_t *seed = &ws->seed[wa->idx];

	pcl_ctx_set_comm(wa->idx ? "fuzz-w1" : "fuzz-w0");
	while (!atomic_load(&ws->stop)) {
		const struct slot *sl = &ws->w->slot[rnd(seed) % ws->w->nslots];
		struct pci_dev *pdev = pcl_pci_find_dev(sl->name);
		uint32_t v;

		if (!pdev) {
			sched_yield();
			continue;
		}
		switch (rnd(seed) % 6) {
		case 0:
			device_attach(&pdev->dev);
			break;
		case 1:
			device_release_driver(&pdev->dev);
			break;
		case 2:
		case 3:
			pcl_pci_raise(pdev, (unsigned int)(rnd(seed) % 4));
			break;
		default:
			pci_user_read_config_dword(pdev, PCI_VENDOR_ID, &v);
			break;
		}
		put_device(&pdev->dev);
		atomic_fetch_add(&ws->ops, 1);
	}
	return NULL;
}

static struct workers *workers_start(const struct world *w, uint64_t seed)
{
	struct workers *ws = calloc(1, sizeof(*ws));

	if (!ws)
		return NULL;
	ws->w = w;
	for (unsigned int i = 0; i < WORKERS; i++) {
		ws->seed[i] = seed + 0x1000 * (i + 1);
		worker_args[i].ws = ws;
		worker_args[i].idx = i;
		if (pthread_create(&ws->thread[i], NULL, worker_main, &worker_args[i]))
			break;
		ws->n++;
	}
	return ws;
}

static void workers_stop(struct workers *ws)
{
	if (!ws || atomic_exchange(&ws->stop, true))
		return;
	for (unsigned int i = 0; i < ws->n; i++)
		pthread_join(ws->thread[i], NULL);
}

static int step(struct pcl_scn_session *ss, const char *line, struct exec *e,
		unsigned int li)
{
	int ret, r = pcl_scn_session_step(ss, line, &ret);

	if (r == 2)
		e->invalid++;
	if (e->rets)
		e->rets[li] = r == 2 ? INPUT_ERROR : ret;
	return r;
}

/*
 * Run @p in a fresh session, stopping at the first report.  With @gen_w
 * (the fuzzing run) operations are generated on the fly until the budget
 * ends and appended to @p; otherwise @p is replayed as it is.
 */
static void exec_prog(struct runner *rn, struct prog *p, struct exec *e,
		      struct world *gen_w, uint64_t *seed)
{
	struct pcl_scn_opts so = {
		.out = null_stream(), .err = null_stream(), .lenient = true,
	};
	struct pcl_scn_result res;
	struct pcl_scn_session *ss;
	unsigned int li = 0;
	unsigned long i;
	int ret;

	ss = pcl_scn_session_begin("fuzz", &so, &res);
	if (!ss)
		return;
	for (i = 0;; i++) {
		struct op op;

		if (i == p->n) {
			const struct pcl_fuzz_opts *o = rn->o;
			enum op_kind k;

			if (!gen_w)
				break;
			if ((o->ops && e->ran >= o->ops + rn->prelude) ||
			    (o->seconds > 0 && !(e->ran & 63) &&
			     elapsed(&rn->start) >= o->seconds))
				break;
			do {
				k = pick_kind(rnd(seed));
			} while (!gen(gen_w, k, (uint32_t)rnd(seed), (uint32_t)rnd(seed),
				      (uint32_t)rnd(seed), &op));
			if (prog_add(p, &op))
				break;
			for (unsigned int l = 0; rn->log && l < op.n; l++)
				fprintf(rn->log, "%s\n", op.line[l]);
		}
		for (unsigned int l = 0; l < p->op[i].n; l++, li++) {
			char buf[LINE_MAX_];

			step(ss, pop_line(&p->op[i], l, buf, sizeof(buf)), e, li);
		}
		e->ran++;
		if (check_failed(ss, e, i, rn->o->stress))
			break;
		if (rn->progress && gen_w && !(e->ran & 1023))
			progress(rn, e->ran);
	}
	/* The end of the run: teardown and its leak checks, as a step. */
	if (gen_w)
		workers_stop(rn->workers);
	if (!e->failed) {
		pcl_scn_session_step(ss, "teardown", &ret);
		check_failed(ss, e, p->n, rn->o->stress);
	}
	pcl_scn_session_end(ss);
}

static bool same_failure(const struct exec *a, const struct exec *b)
{
	return a->failed && b->failed && a->chk == b->chk &&
	       !strcmp(a->title, b->title);
}

/* ---- shrinking ---- */

struct shrinker {
	struct runner *rn;
	const struct exec *want;
	unsigned int runs, budget;
};

static bool try_prog(struct shrinker *sh, struct prog *cand)
{
	struct exec e = { 0 };

	if (sh->runs >= sh->budget)
		return false;
	sh->runs++;
	exec_prog(sh->rn, cand, &e, NULL, NULL);
	return same_failure(&e, sh->want);
}

/* @p without ops [from, from + len). */
static int prog_without(const struct prog *p, unsigned int from,
			unsigned int len, struct prog *out)
{
	prog_clear(out);
	for (unsigned int i = 0; i < p->n; i++)
		if ((i < from || i >= from + len) &&
		    prog_add_op(out, &p->op[i]))
			return -ENOMEM;
	return 0;
}

/* ddmin: drop chunks, halving their size; then one operation at a time. */
static void shrink_ops(struct shrinker *sh, struct prog *p)
{
	struct prog cand = { 0 };
	unsigned int chunks = 2;

	while (p->n >= 2 && sh->runs < sh->budget) {
		unsigned int size = (p->n + chunks - 1) / chunks;
		bool removed = false;

		for (unsigned int from = 0; from < p->n && sh->runs < sh->budget;) {
			if (!prog_without(p, from, size, &cand) && cand.n < p->n &&
			    try_prog(sh, &cand)) {
				struct prog t = *p;

				*p = cand;
				cand = t;
				removed = true;
			} else {
				from += size;
			}
		}
		if (removed)
			chunks = chunks > 2 ? chunks - 1 : 2;
		else if (size == 1)
			break;
		else
			chunks = chunks * 2 > p->n ? p->n : chunks * 2;
	}
	prog_free(&cand);
}

/* Split two-line operations so single lines can go too. */
static void split_lines(struct prog *p)
{
	struct prog out = { 0 };

	for (unsigned int i = 0; i < p->n; i++) {
		if (p->op[i].block) {
			prog_add_op(&out, &p->op[i]);
			continue;
		}
		for (unsigned int l = 0; l < p->op[i].n; l++) {
			char buf[LINE_MAX_];

			prog_add_text(&out, pop_line(&p->op[i], l, buf, sizeof(buf)), 1);
		}
	}
	prog_free(p);
	*p = out;
}

static unsigned int prog_lines(const struct prog *p)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < p->n; i++)
		n += p->op[i].n;
	return n;
}

/* Replay; drop lines the machine refuses (a reproducer must not stop at
 * an input error).  Return: true if it still fails the same way. */
static bool drop_refused(struct shrinker *sh, struct prog *p, int **rets)
{
	for (int round = 0; round < 8; round++) {
		struct exec e = { 0 };
		struct prog keep = { 0 };
		bool dropped = false;

		free(*rets);
		*rets = calloc(prog_lines(p) + 1, sizeof(int));
		if (!*rets)
			return false;
		e.rets = *rets;
		sh->runs++;
		exec_prog(sh->rn, p, &e, NULL, NULL);
		if (!same_failure(&e, sh->want))
			return false;
		for (unsigned int i = 0, li = 0; i < p->n; li += p->op[i++].n) {
			bool refused = false;

			for (unsigned int l = 0; l < p->op[i].n; l++)
				refused |= (*rets)[li + l] == INPUT_ERROR;
			if (refused) {
				dropped = true;
				continue;
			}
			prog_add_op(&keep, &p->op[i]);
		}
		/* The last round keeps @p as run: *@rets stay its results. */
		if (!dropped || round == 7) {
			prog_free(&keep);
			return !dropped;
		}
		prog_free(p);
		*p = keep;
	}
	return false;
}

/*
 * Where the step's own line ends in an operation's text: the first line
 * that is neither blank nor a comment.  Return: its end's offset, 0 if
 * the text has no step.
 */
static size_t step_end(const char *t)
{
	for (const char *l = t; *l; ) {
		size_t len = strcspn(l, "\n");
		size_t lead = strspn(l, " \t");

		if (lead < len && l[lead] != '#')
			return (size_t)(l - t) + len;
		l += len;
		if (*l)
			l++;
	}
	return 0;
}

static int write_repro(const struct pcl_fuzz_opts *o, const struct prog *p,
		       const int *rets, const struct exec *want,
		       unsigned long found_at, struct pcl_fuzz_result *r)
{
	FILE *f;

	if (o->out)
		snprintf(r->repro, sizeof(r->repro), "%s", o->out);
	else
		snprintf(r->repro, sizeof(r->repro), "fuzz-%llu.scn",
			 (unsigned long long)o->seed);
	f = fopen(r->repro, "w");
	if (!f) {
		fprintf(stderr, "pcilab fuzz: cannot write %s: %s\n", r->repro,
			strerror(errno));
		return -errno;
	}
	r->repro_lines = prog_lines(p) + 1;	/* and the title */
	fprintf(f, "# Found by: pcilab fuzz --seed %llu%s%s%s%s (after %lu operations),\n",
		(unsigned long long)o->seed, o->drivers ? " --drivers " : "",
		o->drivers ? o->drivers : "", o->machine ? " --machine " : "",
		o->machine ? o->machine : "", found_at);
	fprintf(f, "# shrunk to %u lines.  Replay: pcilab run --trace %s\n",
		r->repro_lines, r->repro);
	fprintf(f, "# Expected failure: [%s] %s\n", pcl_checker_name(want->chk),
		want->title);
	fprintf(f, "title \"fuzz seed %llu: a [%s] report\"\n",
		(unsigned long long)o->seed, pcl_checker_name(want->chk));
	for (unsigned int i = 0, li = 0; i < p->n; li += p->op[i++].n) {
		/* A block's step runs at its closing line; "=> ERR" goes on
		 * the step's own line, after any comments before it. */
		int res = rets[li + p->op[i].n - 1];
		const char *t = p->op[i].text;
		size_t at = step_end(t);

		if (res < 0 && at)
			fprintf(f, "%.*s => %s%s\n", (int)at, t, pcl_errname(res),
				t + at);
		else
			fprintf(f, "%s\n", t);
	}
	fclose(f);
	return 0;
}

/* ---- the run ---- */

static void verbs_init(void)
{
	pcl_base_scenario_init();
	pcl_irq_scenario_init();
	pcl_pci_scenario_init();
	pcl_char_scenario_init();
}

void pcl_fuzz_opts_init(struct pcl_fuzz_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->ops = 10000;
	o->shrink = true;
	o->shrink_runs = 3000;
}

/* Drivers: the samples, then the user's. */
static int setup_drivers(struct world *w, const char *extra)
{
	char buf[512], *save = NULL;

	for (unsigned int i = 0; i < ARRAY_SIZE(sample_drivers); i++)
		if (world_add_driver(w, sample_drivers[i]))
			return -EINVAL;
	if (!extra)
		return 0;
	snprintf(buf, sizeof(buf), "%s", extra);
	for (char *d = strtok_r(buf, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
		struct pcl_module *m = pcl_module_find(d);

		if (!m) {
			fprintf(stderr, "pcilab fuzz: no driver '%s' (see pcilab drivers)\n", d);
			return -EINVAL;
		}
		if (world_add_driver(w, m->name))
			return -EINVAL;
	}
	return 0;
}

/* Lines of the user's machine that go into the prelude as one block. */
struct block {
	char *text;
	size_t len;
	unsigned int n;
};

static int block_line(struct block *b, const char *line)
{
	size_t l = strlen(line);
	char *t = realloc(b->text, b->len + l + 2);

	if (!t)
		return -ENOMEM;
	if (b->n)
		t[b->len++] = '\n';
	memcpy(t + b->len, line, l + 1);
	b->text = t;
	b->len += l;
	b->n++;
	return 0;
}

/* The block so far as one operation of @pre (a line alone stays a line). */
static int block_end(struct prog *pre, struct block *b)
{
	int ret = 0;

	if (b->n)
		ret = prog_add_text(pre, b->text, b->n);
	if (!ret && b->n > 1)
		pre->op[pre->n - 1].block = true;
	free(b->text);
	memset(b, 0, sizeof(*b));
	return ret;
}

/* Read the user's machine: run it once to learn its devices, keep its
 * lines as the prelude. */
static int user_machine(const char *path, struct world *w, struct prog *pre)
{
	struct pcl_scn_opts so = { .out = null_stream(), .err = stderr };
	struct pcl_scn_result res;
	struct pcl_scn_session *ss;
	FILE *f = fopen(path, "r");
	struct block blk = { 0 };
	char line[4096];
	int lineno = 0, bad = 0, ret;

	if (!f) {
		fprintf(stderr, "pcilab fuzz: cannot open %s: %s\n", path, strerror(errno));
		return -errno;
	}
	ss = pcl_scn_session_begin(path, &so, &res);
	if (!ss) {
		fclose(f);
		return -ENOMEM;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		lineno++;
		if (strlen(line) >= LINE_MAX_) {
			fprintf(stderr, "%s:%d: error: line longer than %d bytes (the fuzzer's limit)\n",
				path, lineno, LINE_MAX_ - 1);
			bad = 1;
			break;
		}
		switch (pcl_scn_session_step(ss, line, &ret)) {
		case 0:
			if (block_line(&blk, line) || block_end(pre, &blk))
				bad = -ENOMEM;
			if (ret)
				fprintf(stderr, "%s:%d: warning: step failed with -%s\n",
					path, lineno, pcl_errname(ret));
			break;
		case 1:
			/* a comment, or a step with a here-document (a cloned
			 * function's config space) and its lines: kept with the
			 * step that runs next, as one block */
			if (block_line(&blk, line))
				bad = -ENOMEM;
			break;
		case 2:
			bad = 1;
			break;
		}
		if (bad)
			break;
	}
	fclose(f);
	if (!bad && block_end(pre, &blk))	/* trailing comments */
		bad = 1;
	free(blk.text);
	if (!bad)
		pcl_pci_for_each_dev(discover, w);
	pcl_scn_session_end(ss);
	if (res.input_error)
		bad = 1;			/* e.g. a here-document never closed */
	if (bad)
		return -EINVAL;
	if (!w->nslots) {
		fprintf(stderr, "%s: error: the machine has no PCI device\n", path);
		return -EINVAL;
	}
	return 0;
}

int pcl_fuzz_run(const struct pcl_fuzz_opts *o, struct pcl_fuzz_result *r)
{
	struct world w = { 0 };
	struct prog pre = { 0 }, p = { 0 };
	struct runner rn = { .o = o, .r = r };
	struct exec e = { 0 };
	uint64_t seed = o->seed * 0x9e3779b97f4a7c15ull + 1;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	r->transitions_total = TRANSITIONS_TOTAL;
	verbs_init();
	if (setup_drivers(&w, o->drivers))
		return 2;
	if (o->machine) {
		if (user_machine(o->machine, &w, &pre)) {
			prog_free(&pre);
			return 2;
		}
		w.testbus = false;
	} else {
		builtin_machine(&w, &pre, o->stress);
	}
	load_drivers(&w, &pre, o->stress);
	if (o->log) {
		rn.log = fopen(o->log, "w");
		if (!rn.log) {
			fprintf(stderr, "pcilab fuzz: cannot write %s: %s\n", o->log,
				strerror(errno));
			prog_free(&pre);
			return 2;
		}
		for (unsigned int i = 0; i < pre.n; i++)
			fprintf(rn.log, "%s\n", pre.op[i].text);
	}
	rn.progress = o->progress;
	for (int f = 0; f < DEV_STATE_NR; f++)
		for (int t = 0; t < DEV_STATE_NR; t++)
			rn.base_trans[f][t] = pcl_dev_state_transitions(f, t);
	clock_gettime(CLOCK_MONOTONIC, &rn.start);

	/* The fuzzing run: the prelude, then generated operations. */
	for (unsigned int i = 0; i < pre.n; i++)
		prog_add_op(&p, &pre.op[i]);
	rn.prelude = pre.n;
	e.ran = 0;
	if (o->stress)
		rn.workers = workers_start(&w, seed);
	exec_prog(&rn, &p, &e, &w, &seed);
	workers_stop(rn.workers);
	if (rn.workers)
		r->stress_ops = atomic_load(&rn.workers->ops);
	free(rn.workers);
	rn.workers = NULL;
	r->seconds = elapsed(&rn.start);
	r->ops = e.ran > pre.n ? e.ran - pre.n : 0;
	r->invalid = e.invalid;
	r->transitions_seen = transitions_seen(&rn);
	if (rn.log)
		fclose(rn.log);
	if (rn.progress) {
		progress(&rn, r->ops);
		fputc('\n', stderr);
	}
	if (e.failed) {
		struct shrinker sh = { .rn = &rn, .want = &e, .budget = o->shrink_runs };
		int *rets = NULL;

		r->failed = true;
		r->found_at = e.fail_at >= pre.n ? e.fail_at - pre.n + 1 : 0;
		snprintf(r->checker, sizeof(r->checker), "%s", pcl_checker_name(e.chk));
		snprintf(r->title, sizeof(r->title), "%s", e.title);
		/* Nothing after the failing operation matters. */
		while (e.fail_at + 1 < p.n)
			free(p.op[--p.n].text);
		/* A stress failure depends on timing: a replay of one thread's
		 * operations proves nothing; the sequence is written as run. */
		if (o->shrink && !o->stress) {
			shrink_ops(&sh, &p);
			split_lines(&p);
			shrink_ops(&sh, &p);
		} else {
			split_lines(&p);
		}
		if (!drop_refused(&sh, &p, &rets))
			fprintf(stderr, "pcilab fuzz: warning: the shrunk sequence no longer fails the same way; writing it anyway\n");
		r->shrink_runs = sh.runs;
		if (rets)
			ret = write_repro(o, &p, rets, &e, r->found_at, r) ? 2 : 1;
		else
			ret = 2;
		free(rets);
	}
	prog_free(&p);
	prog_free(&pre);
	return ret;
}

void pcl_fuzz_print(FILE *f, const struct pcl_fuzz_opts *o,
		    const struct pcl_fuzz_result *r, bool json)
{
	double rate = r->seconds > 0 ? (double)r->ops / r->seconds : 0;

	if (json) {
		fprintf(f, "{\"seed\": %llu, \"ops\": %lu, \"invalid\": %lu, \"seconds\": %.3f, "
			"\"ops_per_second\": %.0f, \"transitions_seen\": %u, "
			"\"transitions_total\": %u, \"failed\": %s",
			(unsigned long long)o->seed, r->ops, r->invalid, r->seconds,
			rate, r->transitions_seen, r->transitions_total,
			r->failed ? "true" : "false");
		if (r->failed)
			fprintf(f, ", \"checker\": \"%s\", \"found_at\": %lu, "
				"\"reproducer\": \"%s\", \"reproducer_lines\": %u, "
				"\"shrink_runs\": %u",
				r->checker, r->found_at, r->repro, r->repro_lines,
				r->shrink_runs);
		fprintf(f, "}\n");
		return;
	}
	fprintf(f, "fuzz: seed %llu: %lu operations in %.2f s (%.0f/s), %lu refused, lifecycle transitions %u/%u\n",
		(unsigned long long)o->seed, r->ops, r->seconds, rate, r->invalid,
		r->transitions_seen, r->transitions_total);
	if (o->stress)
		fprintf(f, "fuzz: stress: %lu more operations from %d other threads\n",
			r->stress_ops, WORKERS);
	if (!r->failed) {
		fprintf(f, "fuzz: no checker report\n");
		return;
	}
	fprintf(f, "fuzz: [%s] %s\n", r->checker, r->title);
	fprintf(f, "fuzz: after %lu operations; shrunk in %u replays to %u lines: %s\n",
		r->found_at, r->shrink_runs, r->repro_lines, r->repro);
	fprintf(f, "fuzz: replay with: pcilab run --trace %s\n", r->repro);
}

/* ---- libFuzzer ---- */

int pcl_fuzz_one_input(const uint8_t *data, size_t size)
{
	static bool init;
	struct pcl_fuzz_opts o;
	struct runner rn = { .o = &o };
	struct pcl_fuzz_result r;
	struct world w = { 0 };
	struct prog p = { 0 };
	struct exec e = { 0 };

	if (!init) {
		verbs_init();
		init = true;
	}
	pcl_fuzz_opts_init(&o);
	rn.r = &r;
	memset(&r, 0, sizeof(r));
	if (setup_drivers(&w, NULL))
		return 0;
	builtin_machine(&w, &p, false);
	load_drivers(&w, &p, false);
	for (size_t i = 0; i + 4 <= size && p.n < 4096; i += 4) {
		struct op op;

		if (gen(&w, (enum op_kind)(data[i] % K_NR), data[i + 1], data[i + 2],
			data[i + 3], &op))
			prog_add(&p, &op);
	}
	exec_prog(&rn, &p, &e, NULL, NULL);
	prog_free(&p);
	if (e.failed) {
		fprintf(stderr, "pcilab fuzz: [%s] %s\n", pcl_checker_name(e.chk), e.title);
		abort();
	}
	return 0;
}
