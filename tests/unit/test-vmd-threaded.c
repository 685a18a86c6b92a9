// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Multi-threaded unit tests for the VMD-like bridge (seed 003:
 * drivers/pci/vmd-lite.c over the "vmd" model), on a machine built in C:
 * host pci0 with the bridge at 00:05.0, vmd-lite loaded from the module
 * catalogue, and behind the bridge (host vmd0, domain 0x1000) NVMe
 * functions bound to this file's own driver.  Run under ThreadSanitizer
 * and AddressSanitizer + UBSan too:
 *
 *  - a child vector flooded through the whole path (child MSI -> VMD
 *    window -> VMD MSI-X vector -> CPU thread -> demultiplexer under RCU ->
 *    child IRQ) while another thread frees and re-requests it thousands
 *    of times with a new context each time: no handler runs for a freed
 *    generation, every generation's count is exact, nothing is freed
 *    under a running demultiplexer (ASan), no report;
 *  - children go to the least-loaded of the bridge's vectors 1..n-1, also
 *    after frees;
 *  - unbinding the bridge frees many child IRQs with a handful of grace
 *    periods, not one per child, and leaves nothing behind;
 *  - unbinding tears down the child bus first (its driver still has a
 *    working bridge when it frees its IRQs), then the bridge's handlers
 *    and vectors, with no irq-free report;
 *  - request_irq() on a child whose message was held pending, while the
 *    bridge vector's CPU queue is full, does not deadlock.
 *
 * A hang (deadlock, a wait that never ends) would stall the binary: a
 * SIGALRM watchdog ends it instead.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcilab/pci.h>

#include "pcltest.h"

/* Per test: the whole binary must stay well under 10 s, TSan included. */
#define HANG_GUARD_S	8

#define VMD_DEVFN	PCI_DEVFN(5, 0)
#define VMD_NAME	"0000:00:05.0"
#define VMD_MAX_VECS	8		/* the "vmd" model's MSI-X table */
#define NVME_VENDOR	0x1b36
#define NVME_DEVICE	0x0010
#define NVME_VECS	32		/* the "nvme" model's MSI-X table */
#define MAX_CHILDREN	2

/* ------------------------------------------------------------------ */
/* The machine and the test's own driver for the functions behind it    */
/* ------------------------------------------------------------------ */

/* One requested child vector. */
struct vctx {
	struct child *child;
	unsigned int index;
	unsigned int virq;
	atomic_ulong count;
};

/* One function behind the bridge, bound to vmdt-child. */
struct child {
	struct pci_dev *pdev;
	unsigned int nvec;		/* vectors allocated, all requested */
	struct vctx v[NVME_VECS];
};

static struct {
	struct pci_host_bridge *host;
	struct pci_dev *vmd;
	unsigned int vmd_nvec;
	unsigned int vmd_virq[VMD_MAX_VECS];
	struct pci_host_bridge *child_host;
	struct child c[MAX_CHILDREN];
	atomic_ulong bad;		/* a handler got another's call */
	/* what remove() saw */
	unsigned int probes, removes;
	unsigned int removes_with_vmd_live;	/* every bridge vector had its
						 * handler when remove() ran */
	bool raise_in_remove;
	unsigned int delivered_in_remove;
} T;

static struct pcl_module *vmd_mod;
static bool vmd_loaded, drv_registered;

static irqreturn_t vec_handler(int irq, void *dev_id)
{
	struct vctx *v = dev_id;

	if ((unsigned int)irq != v->virq || !in_hardirq())
		atomic_fetch_add(&T.bad, 1);
	atomic_fetch_add(&v->count, 1);
	return IRQ_HANDLED;
}

/* Allocate @nvec MSI-X vectors of @c and request each, as its driver. */
static int child_setup(struct child *c, unsigned int nvec)
{
	struct pcl_drv_call save;
	int ret = 0, n;

	device_driver_enter(&c->pdev->dev, &save);
	n = pci_alloc_irq_vectors(c->pdev, nvec, nvec, PCI_IRQ_MSIX);
	if (n != (int)nvec) {
		ret = n < 0 ? n : -EIO;
		goto out;
	}
	for (unsigned int i = 0; i < nvec; i++) {
		struct vctx *v = &c->v[i];

		memset(v, 0, sizeof(*v));
		v->child = c;
		v->index = i;
		v->virq = (unsigned int)pci_irq_vector(c->pdev, i);
		ret = request_irq(v->virq, vec_handler, 0, "vmdt-child", v);
		if (ret) {
			while (i--)
				free_irq(c->v[i].virq, &c->v[i]);
			pci_free_irq_vectors(c->pdev);
			goto out;
		}
	}
	c->nvec = nvec;
out:
	device_driver_leave(&save);
	return ret;
}

/* Free @c's handlers and vectors, as its driver. */
static int child_teardown(struct child *c)
{
	struct pcl_drv_call save;
	int ret;

	device_driver_enter(&c->pdev->dev, &save);
	for (unsigned int i = 0; i < c->nvec; i++)
		free_irq(c->v[i].virq, &c->v[i]);
	c->nvec = 0;
	ret = pci_free_irq_vectors(c->pdev);
	device_driver_leave(&save);
	return ret;
}

static void gen_remove(struct pci_dev *pdev);

static int child_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct child *c;
	int ret;

	if (PCI_SLOT(pdev->devfn) >= MAX_CHILDREN)
		return -ENODEV;
	c = &T.c[PCI_SLOT(pdev->devfn)];
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_master(pdev);
	memset(c, 0, sizeof(*c));
	c->pdev = pdev;
	pci_set_drvdata(pdev, c);
	T.probes++;
	return 0;
}

static void child_remove(struct pci_dev *pdev)
{
	struct child *c = pci_get_drvdata(pdev);
	bool live = T.vmd_nvec > 0;

	/* The bridge must still be whole while its children go. */
	for (unsigned int i = 0; i < T.vmd_nvec; i++)
		live &= irq_has_action(T.vmd_virq[i]);
	T.removes_with_vmd_live += live;
	if (T.raise_in_remove && c->nvec) {
		unsigned long before = atomic_load(&c->v[0].count);

		if (pcl_pci_raise(pdev, 0) == 0 &&
		    atomic_load(&c->v[0].count) == before + 1)
			T.delivered_in_remove++;
	}
	gen_remove(pdev);
	if (c->nvec || pdev->irq_type)
		child_teardown(c);
	c->pdev = NULL;
	T.removes++;
}

static const struct pci_device_id child_ids[] = {
	{ PCI_DEVICE(NVME_VENDOR, NVME_DEVICE) },
	{ 0 }
};

static struct pci_driver child_drv = {
	.name = "vmdt-child",
	.id_table = child_ids,
	.probe = child_probe,
	.remove = child_remove,
};

static struct pci_dev *dev_at(const char *name)
{
	struct pci_dev *pdev = pcl_pci_find_dev(name);

	assert_non_null(pdev);
	put_device(&pdev->dev);
	return pdev;
}

static void plug(struct pci_host_bridge *h, unsigned int devfn,
		 const char *model)
{
	struct pcl_emu_fn *fn = pcl_emu_model_new(model);

	assert_non_null(fn);
	assert_int_equal(pcl_pci_plug(h, NULL, devfn, fn), 0);
}

/* pci0 with the bridge at 00:05.0 and @nchild NVMe functions behind it. */
static void machine(unsigned int nchild)
{
	char name[32];

	T.host = pcl_pci_host_new("pci0", PCL_HOST_ECAM, 0);
	assert_false(IS_ERR(T.host));
	plug(T.host, VMD_DEVFN, "vmd");
	vmd_mod = pcl_module_find("vmd-lite");
	assert_non_null(vmd_mod);
	assert_int_equal(pcl_module_load(vmd_mod), 0);
	vmd_loaded = true;
	assert_int_equal(pcl_pci_scan(T.host), 1);
	T.vmd = dev_at(VMD_NAME);
	assert_non_null(T.vmd->dev.driver);
	assert_string_equal(T.vmd->dev.driver->name, "vmd-lite");
	/* Its own vectors: 0 for itself, 1..n-1 for the children. */
	T.vmd_nvec = T.vmd->nvec;
	assert_int_equal(T.vmd_nvec, VMD_MAX_VECS);
	for (unsigned int i = 0; i < T.vmd_nvec; i++) {
		int virq = pci_irq_vector(T.vmd, i);

		assert_true(virq > 0);
		T.vmd_virq[i] = (unsigned int)virq;
		assert_true(irq_has_action(T.vmd_virq[i]));
	}

	T.child_host = pcl_pci_host_find("vmd0");
	assert_non_null(T.child_host);
	assert_int_equal(T.child_host->domain, 0x1000);
	for (unsigned int i = 0; i < nchild; i++)
		plug(T.child_host, PCI_DEVFN(i, 0), "nvme");
	assert_int_equal(pci_register_driver(&child_drv), 0);
	drv_registered = true;
	assert_int_equal(pcl_pci_scan(T.child_host), (int)nchild);
	for (unsigned int i = 0; i < nchild; i++) {
		snprintf(name, sizeof(name), "1000:00:%02x.0", i);
		assert_ptr_equal(T.c[i].pdev, dev_at(name));
	}
	assert_int_equal(T.probes, nchild);
}

static unsigned long kstat_sum(unsigned int irq)
{
	unsigned long n = 0;

	for (unsigned int c = 0; c < PCL_MAX_CPUS; c++)
		n += kstat_irqs_cpu(irq, c);
	return n;
}

/* ------------------------------------------------------------------ */
/* (1) seed 003: a flooded child vector freed and re-requested          */
/* ------------------------------------------------------------------ */

#define GEN_MAGIC	0x7a3d0c11u
#define CHURN_MS	2000	/* generations made for this long ... */
#define MAX_GENS	20000	/* ... at most this many ... */
#define MIN_GENS	200	/* ... at least this many (fewer proves
				 * little), if a loaded machine manages ... */
#define CHURN_MAX_MS	4000	/* ... in this long */
#define WAIT_HIT_US	2000	/* a generation waits this long for a hit */
#define HANDLER_SPIN	200	/* cpu_relax()es a handler takes */
#define KEEP		32	/* freed generations whose memory is kept,
				 * flag checked, before it is freed (ASan) */

static const char gen_name[] = "vmdt-gen";

/* One life of the child's vector 0: its IRQ, handler context, counts. */
struct gen {
	unsigned int magic;
	struct gen *self;
	unsigned int virq;
	atomic_int freed;		/* set once its free_irq() returned */
	atomic_int running;		/* its handler is running now */
	atomic_ulong count;		/* interrupts its handler took */
	unsigned long at_free;		/* count when free_irq() returned */
	unsigned long kstat;		/* its IRQ's deliveries by then */
};

static struct {
	struct child *c;
	struct gen *cur;		/* requested now; NULL: none */
	struct gen *ring[KEEP];		/* freed, memory kept */
	unsigned int ring_next;
	atomic_int stop;
	atomic_ulong sent, pending, refused;	/* pcl_pci_raise() results */
	atomic_ulong handled;		/* every generation's handler runs */
	atomic_ulong late;		/* ran for a freed generation */
	atomic_ulong wrong;		/* wrong dev_id, irq or context */
	/* settled generations (memory freed) */
	unsigned long ngens, settled, reached, sum, delivered, miscounted,
		      overcounted;
	long churn_ms;
	int err, err_line;
} F;

static irqreturn_t gen_handler(int irq, void *dev_id)
{
	struct gen *g = dev_id;

	if (g->magic != GEN_MAGIC || g->self != g ||
	    (unsigned int)irq != g->virq || !in_hardirq())
		atomic_fetch_add(&F.wrong, 1);
	if (atomic_load(&g->freed))	/* started after free_irq() returned */
		atomic_fetch_add(&F.late, 1);
	atomic_fetch_add(&g->count, 1);
	atomic_fetch_add(&F.handled, 1);
	/* Take a little time, so that a free_irq() that did not wait for
	 * us - the churn thread calls it when it sees us running - would
	 * return while we still run... */
	atomic_store(&g->running, 1);
	for (unsigned int k = 0; k < HANDLER_SPIN; k++)
		cpu_relax();
	if (atomic_load(&g->freed))	/* ... and be caught here */
		atomic_fetch_add(&F.late, 1);
	atomic_store(&g->running, 0);
	return IRQ_HANDLED;
}

/* A freed generation's books are closed and its memory goes. */
static void gen_settle(struct gen *g)
{
	unsigned long n = atomic_load(&g->count);

	if (n != g->at_free)		/* counted after its free_irq() */
		F.miscounted++;
	if (n > g->kstat)		/* more runs than deliveries */
		F.overcounted++;
	F.sum += n;
	F.delivered += g->kstat;
	F.reached += n > 0;
	F.settled++;
	g->magic = 0;
	free(g);
}

/* Free the current generation's handler; keep its memory a while. */
static int gen_free_irq(void)
{
	struct gen *g = F.cur, *old;

	if (!g)
		return 0;
	if (free_irq(g->virq, g) != gen_name)
		return -ENOENT;
	g->at_free = atomic_load(&g->count);
	/* No handler any more: what reaches the IRQ from now on is dropped
	 * uncounted; what reached it so far, handled or not, is here. */
	g->kstat = kstat_sum(g->virq);
	atomic_store(&g->freed, 1);
	F.cur = NULL;
	old = F.ring[F.ring_next];
	F.ring[F.ring_next] = g;
	F.ring_next = (F.ring_next + 1) % KEEP;
	if (old)
		gen_settle(old);
	return 0;
}

/* Allocate the child's one vector and request it for a new generation. */
static int gen_new(void)
{
	struct pci_dev *pdev = F.c->pdev;
	struct gen *g;
	int n, virq, ret;

	n = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSIX);
	if (n != 1)
		return n < 0 ? n : -EIO;
	virq = pci_irq_vector(pdev, 0);
	if (virq <= 0)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->magic = GEN_MAGIC;
	g->self = g;
	g->virq = (unsigned int)virq;
	ret = request_irq(g->virq, gen_handler, 0, gen_name, g);
	if (ret) {
		free(g);
		return ret;
	}
	F.cur = g;
	F.ngens++;
	return 0;
}

/* Tear the current generation down completely. */
static int gen_end(void)
{
	int ret = gen_free_irq();

	if (!ret)
		ret = pci_free_irq_vectors(F.c->pdev);
	return ret;
}

/* The child's remove(): a generation still requested goes too. */
static void gen_remove(struct pci_dev *pdev)
{
	if (F.c && F.c->pdev == pdev && F.cur)
		gen_free_irq();
}

static void gens_release_all(void)
{
	if (F.cur) {		/* a failed test's: no driver any more */
		F.cur->magic = 0;
		free(F.cur);
		F.cur = NULL;
	}
	for (unsigned int i = 0; i < KEEP; i++) {
		if (F.ring[i])
			gen_settle(F.ring[i]);
		F.ring[i] = NULL;
	}
}

#define CHURN_FAIL(e)							\
	do {								\
		F.err = (e) ? (e) : -1;					\
		F.err_line = __LINE__;					\
	} while (0)

static void *flood_thread(void *arg)
{
	struct pci_dev *pdev = arg;

	while (!atomic_load(&F.stop)) {
		int r = pcl_pci_raise(pdev, 0);

		if (r == 0)
			atomic_fetch_add(&F.sent, 1);
		else if (r == 1)	/* masked: pending, sent on unmask */
			atomic_fetch_add(&F.pending, 1);
		else
			atomic_fetch_add(&F.refused, 1);
	}
	return NULL;
}

/* free_irq + pci_free_irq_vectors + pci_alloc_irq_vectors + request_irq,
 * as the child's driver, over and over. */
static void *churn_thread(void *arg)
{
	long t0 = now_ms(), end = t0 + CHURN_MS, hard_end = t0 + CHURN_MAX_MS;
	struct pcl_drv_call save;

	device_driver_enter(&F.c->pdev->dev, &save);
	while (F.ngens < MAX_GENS &&
	       (now_ms() < end ||
		(F.ngens < MIN_GENS && now_ms() < hard_end))) {
		struct gen *g = F.cur;
		long hit_end = now_ms() + WAIT_HIT_US / 1000;
		int ret;

		/* Let the flood reach this generation, and free it while its
		 * handler runs, if that happens soon. */
		while (!atomic_load(&g->running) && now_ms() <= hit_end)
			cpu_relax();
		ret = gen_end();
		if (ret) {
			CHURN_FAIL(ret);
			break;
		}
		ret = gen_new();
		if (ret) {
			CHURN_FAIL(ret);
			break;
		}
	}
	device_driver_leave(&save);
	F.churn_ms = now_ms() - t0;
	return NULL;
}

/* ---- fixture ---- */

static struct pcl_capture cap;
static unsigned long live0;

static void hang_guard(int sig)
{
	static const char msg[] =
		"test-vmd-threaded: watchdog: a test hung (deadlock?)\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1))
		_exit(2);
	_exit(2);
}

static int setup(void **state)
{
	assert_int_equal(pcl_pci_init(), 0);
	memset(&T, 0, sizeof(T));
	memset(&F, 0, sizeof(F));
	quiet();
	live0 = fixture_begin(&cap);
	alarm(HANG_GUARD_S);
	return 0;
}

static void dummy_release(void);

static int teardown(void **state)
{
	pcl_cpus_stop();		/* no-op unless a test failed early */
	dummy_release();
	pcl_pci_remove_all();		/* the bridge unbinds: vmd0 goes */
	if (vmd_loaded)
		pcl_module_unload(vmd_mod);
	vmd_loaded = false;
	if (drv_registered)
		pci_unregister_driver(&child_drv);
	drv_registered = false;
	gens_release_all();
	rcu_barrier();			/* descriptors go after a grace period */
	alarm(0);
	return fixture_end(&cap, 0, live0);
}

/* No report at all so far; list them if there are. */
static void assert_no_reports(void)
{
	if (cap.n)
		print_captured(&cap);
	assert_int_equal(cap.n, 0);
}

static void test_threaded_vmd_child_flood_vs_free_and_rerequest(void **state)
{
	unsigned long raised, messages, n;
	pthread_t flood, churn;
	struct pcl_drv_call save;
	struct pci_dev *pdev;
	int ret;

	machine(1);
	F.c = &T.c[0];
	pdev = F.c->pdev;
	/* Spread the bridge's vectors over both CPUs. */
	for (unsigned int i = 0; i < T.vmd_nvec; i++)
		assert_int_equal(irq_set_affinity(T.vmd_virq[i], i % 2), 0);
	messages = pcl_emu_messages(pdev->hw);
	device_driver_enter(&pdev->dev, &save);
	ret = gen_new();
	device_driver_leave(&save);
	assert_int_equal(ret, 0);

	/* Deterministic first: the whole path works, exactly once. */
	assert_int_equal(pcl_pci_raise(pdev, 0), 0);
	assert_int_equal(atomic_load(&F.cur->count), 1);
	assert_int_equal(kstat_sum(F.cur->virq), 1);

	assert_int_equal(pcl_cpus_start(2), 0);
	flood = start_thread(flood_thread, pdev);
	churn = start_thread(churn_thread, NULL);
	join_thread(churn);
	atomic_store(&F.stop, 1);
	join_thread(flood);		/* no raiser left ... */
	pcl_cpus_stop();		/* ... before the CPUs go: drained */

	if (F.err)
		print_error("churn failed at line %d: %d\n", F.err_line, F.err);
	assert_int_equal(F.err, 0);
	assert_non_null(F.cur);

	/* Deterministic again: delivered exactly once, to the last one. */
	n = atomic_load(&F.cur->count);
	assert_int_equal(pcl_pci_raise(pdev, 0), 0);
	assert_int_equal(atomic_load(&F.cur->count), n + 1);
	messages = pcl_emu_messages(pdev->hw) - messages;

	device_driver_enter(&pdev->dev, &save);
	ret = gen_end();
	device_driver_leave(&save);
	assert_int_equal(ret, 0);
	gens_release_all();

	/* The two deterministic raises and the flood's. */
	raised = atomic_load(&F.sent) + atomic_load(&F.pending) + 2;
	print_message("  %lu generations (%lu reached by interrupts) in %ld ms; "
		      "raised %lu sent + %lu pending + %lu refused, %lu messages; "
		      "%lu delivered to a child IRQ, %lu handled\n",
		      F.ngens, F.reached, F.churn_ms, atomic_load(&F.sent),
		      atomic_load(&F.pending), atomic_load(&F.refused),
		      messages, F.delivered, F.sum);

	/* No handler ran for a freed generation, or with another's dev_id. */
	assert_int_equal(atomic_load(&F.late), 0);
	assert_int_equal(atomic_load(&F.wrong), 0);
	/* Each generation's count is exactly what its handler took: nothing
	 * after its free_irq(), never more than its IRQ was delivered. */
	assert_int_equal(F.settled, F.ngens);
	assert_int_equal(F.miscounted, 0);
	assert_int_equal(F.overcounted, 0);
	assert_int_equal(F.sum, atomic_load(&F.handled));
	/* handled <= delivered to the child IRQs <= messages <= raised:
	 * what reached no handler (between generations) was dropped. */
	assert_true(F.sum <= F.delivered);
	assert_true(F.delivered <= messages);
	assert_true(messages <= raised);
	/* ... and the race really was run. */
	assert_true(F.ngens >= MIN_GENS);
	assert_true(F.reached >= F.ngens / 8);
	assert_true(F.sum > F.ngens / 4);
	assert_no_reports();
}

/* ------------------------------------------------------------------ */
/* (2) the least-loaded vector                                          */
/* ------------------------------------------------------------------ */

/*
 * Raise vector @i of @c (deterministic delivery) and return which of the
 * bridge's vectors carried it: exactly one bridge vector's count and the
 * child vector's count must each grow by one.  Return: the index, or -1.
 */
static int carrier_of(struct child *c, unsigned int i)
{
	unsigned long k0[VMD_MAX_VECS], n0 = atomic_load(&c->v[i].count);
	int found = -1;

	for (unsigned int v = 0; v < T.vmd_nvec; v++)
		k0[v] = kstat_sum(T.vmd_virq[v]);
	if (pcl_pci_raise(c->pdev, i) != 0)
		return -1;
	if (atomic_load(&c->v[i].count) != n0 + 1)
		return -1;
	for (unsigned int v = 0; v < T.vmd_nvec; v++) {
		unsigned long d = kstat_sum(T.vmd_virq[v]) - k0[v];

		if (d > 1 || (d == 1 && found >= 0))
			return -1;
		if (d == 1)
			found = (int)v;
	}
	return found;
}

/*
 * The load of each bridge vector: how many requested child vectors it
 * carries (@which[c][i]: the carrier of child c's vector i).
 */
static void loads(unsigned int load[VMD_MAX_VECS],
		  int which[MAX_CHILDREN][NVME_VECS])
{
	memset(load, 0, VMD_MAX_VECS * sizeof(*load));
	for (unsigned int c = 0; c < MAX_CHILDREN; c++) {
		for (unsigned int i = 0; i < T.c[c].nvec; i++) {
			int v = carrier_of(&T.c[c], i);

			which[c][i] = v;
			assert_true(v >= 0);
			load[v]++;
		}
	}
}

static void assert_even(const unsigned int load[VMD_MAX_VECS],
			unsigned int total, const char *when)
{
	unsigned int lo = ~0u, hi = 0, sum = 0;

	for (unsigned int v = 1; v < T.vmd_nvec; v++) {
		lo = load[v] < lo ? load[v] : lo;
		hi = load[v] > hi ? load[v] : hi;
		sum += load[v];
	}
	if (load[0] || hi - lo > 1 || sum != total) {
		print_error("%s: loads", when);
		for (unsigned int v = 0; v < T.vmd_nvec; v++)
			print_error(" %u", load[v]);
		print_error(" (vector 0 is the bridge's own)\n");
	}
	assert_int_equal(load[0], 0);	/* the bridge's own vector */
	assert_int_equal(sum, total);
	assert_true(hi - lo <= 1);
}

static void test_vmd_children_go_to_the_least_loaded_vector(void **state)
{
	int which[MAX_CHILDREN][NVME_VECS];
	unsigned int load[VMD_MAX_VECS];
	struct child *a = &T.c[0], *b = &T.c[1];
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	machine(2);
	assert_int_equal(T.vmd_nvec - 1, 7);	/* the numbers below */

	/* A: 3 on vectors 1-3; B: 5 on vectors 4-7 and one more. */
	assert_int_equal(child_setup(a, 3), 0);
	assert_int_equal(child_setup(b, 5), 0);
	loads(load, which);
	assert_even(load, 8, "A 3 + B 5");
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(load[which[0][i]], 1 + (which[0][i] ==
							 which[1][4]));

	/* B frees: loads 1 1 1 0 0 0 0.  B's 4 new ones must go to the
	 * empty vectors 4-7 (round-robin would pile them on 1-3). */
	assert_int_equal(child_teardown(b), 0);
	assert_int_equal(child_setup(b, 4), 0);
	loads(load, which);
	assert_even(load, 7, "A 3 + B 4 after B's 5 were freed");
	for (unsigned int v = 1; v < T.vmd_nvec; v++)
		assert_int_equal(load[v], 1);

	/* Many: B's 32 on top of A's 3 fill every vector to 5. */
	assert_int_equal(child_teardown(b), 0);
	assert_int_equal(child_setup(b, NVME_VECS), 0);
	loads(load, which);
	assert_even(load, 3 + NVME_VECS, "A 3 + B 32");
	for (unsigned int v = 1; v < T.vmd_nvec; v++)
		assert_int_equal(load[v], 5);

	/* The bridge's domain maps every child vector, nothing else. */
	f = open_memstream(&text, &len);
	assert_non_null(f);
	pcl_irq_domains_show(f, false);
	fclose(f);
	assert_contains(text, "VMD-00:05.0 (35 mapped)");
	assert_contains(text, "MSI-1000:00:00.0 (3 mapped) -> VMD-00:05.0");
	assert_contains(text, "MSI-1000:00:01.0 (32 mapped) -> VMD-00:05.0");
	free(text);

	assert_int_equal(atomic_load(&T.bad), 0);
	assert_int_equal(child_teardown(a), 0);
	assert_int_equal(child_teardown(b), 0);
	assert_no_reports();
}

/* ------------------------------------------------------------------ */
/* (3) teardown: N child IRQs, a handful of grace periods               */
/* ------------------------------------------------------------------ */

#define MAX_GRACE_PERIODS	8
#define GP_STALL_US		3000	/* a reader's section */
#define GP_STALLERS		2	/* staggered: one is always reading */

/*
 * With no reader running, a grace period here takes microseconds and the
 * RCU callback thread takes each callback as it comes, so how many grace
 * periods N call_rcu()s cost depends on timing (3 to 140 for 64 child
 * IRQs, measured on an idle machine).  These readers give grace periods
 * a kernel-like length - one ends when the section it waits for does -
 * so that callbacks queued together really are served together; a
 * teardown that waits a grace period per child (synchronize_rcu()) still
 * counts one per child.
 */
static atomic_int gp_stall_stop, gp_stalling;

static void *gp_staller(void *arg)
{
	/* The second starts half a section after the first. */
	while (atomic_load(&gp_stalling) < (int)(uintptr_t)arg)
		usleep(100);
	usleep((useconds_t)(uintptr_t)arg * GP_STALL_US / GP_STALLERS);
	while (!atomic_load(&gp_stall_stop)) {
		rcu_read_lock();
		if (atomic_load(&gp_stalling) == (int)(uintptr_t)arg)
			atomic_fetch_add(&gp_stalling, 1);
		usleep(GP_STALL_US);
		rcu_read_unlock();
	}
	return NULL;
}

static void test_vmd_teardown_frees_n_children_without_n_grace_periods(void **state)
{
	unsigned int child_virq[NVME_VECS];
	pthread_t staller[GP_STALLERS];
	unsigned long gp0, gp;

	machine(1);
	assert_int_equal(child_setup(&T.c[0], NVME_VECS), 0);
	for (unsigned int i = 0; i < NVME_VECS; i++)
		child_virq[i] = T.c[0].v[i].virq;
	rcu_barrier();			/* nothing of the set-up pending */

	atomic_store(&gp_stall_stop, 0);
	atomic_store(&gp_stalling, 0);
	for (unsigned int i = 0; i < GP_STALLERS; i++)
		staller[i] = start_thread(gp_staller, (void *)(uintptr_t)i);
	/* Each in its first section. */
	while (atomic_load(&gp_stalling) < GP_STALLERS)
		usleep(100);
	gp0 = pcl_rcu_grace_periods();
	device_release_driver(&T.vmd->dev);
	rcu_barrier();
	gp = pcl_rcu_grace_periods() - gp0;
	atomic_store(&gp_stall_stop, 1);
	join_threads(staller, GP_STALLERS);
	print_message("  %u child IRQs freed with %lu grace periods\n",
		      NVME_VECS, gp);

	/* Every child IRQ really was freed, by its driver's remove(). */
	assert_int_equal(T.removes, 1);
	for (unsigned int i = 0; i < NVME_VECS; i++)
		assert_null(irq_get_irq_data(child_virq[i]));
	assert_false(device_is_bound(&T.vmd->dev));
	assert_null(pcl_pci_host_find("vmd0"));
	/* ... sharing grace periods: not one per child. */
	assert_true(gp >= 1);
	assert_true(gp <= MAX_GRACE_PERIODS);

	/* Nothing left once the machine, the drivers and RCU are done. */
	pcl_pci_remove_all();
	pcl_module_unload(vmd_mod);
	vmd_loaded = false;
	pci_unregister_driver(&child_drv);
	drv_registered = false;
	rcu_barrier();
	assert_int_equal(pcl_rcu_pending(), 0);
	assert_int_equal(pcl_kmem_live(), live0);
	assert_no_reports();
}

/* ------------------------------------------------------------------ */
/* (4) unbind order: the child bus first, then handlers and vectors     */
/* ------------------------------------------------------------------ */

static void test_vmd_unbind_order_child_bus_first(void **state)
{
	unsigned int vmd_virq[VMD_MAX_VECS], nvec;

	machine(MAX_CHILDREN);
	assert_int_equal(child_setup(&T.c[0], 4), 0);
	assert_int_equal(child_setup(&T.c[1], 2), 0);
	nvec = T.vmd_nvec;
	memcpy(vmd_virq, T.vmd_virq, sizeof(vmd_virq));
	T.raise_in_remove = true;

	device_release_driver(&T.vmd->dev);

	/* The children were removed first, while the bridge still had all
	 * its handlers, and their interrupts still went through it. */
	assert_int_equal(T.removes, MAX_CHILDREN);
	assert_int_equal(T.removes_with_vmd_live, MAX_CHILDREN);
	assert_int_equal(T.delivered_in_remove, MAX_CHILDREN);
	assert_null(pcl_pci_host_find("vmd0"));
	assert_null(pcl_pci_find_dev("1000:00:00.0"));
	assert_null(pcl_pci_find_dev("1000:00:01.0"));
	/* Then the bridge's own handlers and vectors went. */
	assert_false(device_is_bound(&T.vmd->dev));
	for (unsigned int i = 0; i < nvec; i++) {
		assert_false(irq_has_action(vmd_virq[i]));
		assert_null(irq_get_irq_data(vmd_virq[i]));
	}
	assert_int_equal(T.vmd->irq_type, 0);
	assert_int_equal(T.vmd->nvec, 0);
	assert_int_equal(pcl_capture_count(&cap, PCL_CHK_IRQ_FREE), 0);
	assert_int_equal(atomic_load(&T.bad), 0);
	assert_no_reports();
	T.vmd_nvec = 0;

	/* Bound again, it gets the same child host back. */
	assert_int_equal(device_attach(&T.vmd->dev), 1);
	assert_non_null(pcl_pci_host_find("vmd0"));
	assert_int_equal(pcl_pci_host_find("vmd0")->domain, 0x1000);
	assert_no_reports();
}

/* ------------------------------------------------------------------ */
/* (5) request_irq() while the CPU's queue is full                      */
/* ------------------------------------------------------------------ */

/*
 * What test (1) runs into now and then, made certain: request_irq()
 * unmasks the vector under desc->lock, the device sends the message it
 * held pending, the bridge raises its vector - and that CPU's queue is
 * full.  The raiser is in atomic context and must not wait for room (the
 * CPU may be waiting for the lock it holds): the interrupt is latched.
 */
#define BLOCK_MS	3000	/* a blocked handler gives up after this */

static struct {
	atomic_int blocking, release, timed_out;
	atomic_int stop;
	atomic_ulong filled;
	unsigned int dummy;
} Q;

static void dummy_release(void)
{
	if (Q.dummy)
		irq_free_descs(Q.dummy, 1);
	memset(&Q, 0, sizeof(Q));
}

static irqreturn_t blocking_handler(int irq, void *dev_id)
{
	long end = now_ms() + BLOCK_MS;

	vec_handler(irq, dev_id);
	atomic_store(&Q.blocking, 1);
	while (!atomic_load(&Q.release)) {
		if (now_ms() > end) {
			atomic_store(&Q.timed_out, 1);
			break;
		}
		cpu_relax();
	}
	return IRQ_HANDLED;
}

/* Raise an IRQ without a handler until the CPU's queue is full. */
static void *filler_thread(void *arg)
{
	while (!atomic_load(&Q.stop)) {
		pcl_irq_raise(Q.dummy);
		atomic_fetch_add(&Q.filled, 1);
	}
	return NULL;
}

static void test_vmd_request_irq_with_the_cpu_queue_full_does_not_deadlock(void **state)
{
	struct child *c = &T.c[0];
	struct pcl_drv_call save;
	unsigned long n, dummy_raised;
	pthread_t filler;
	int base, ret;

	machine(1);
	base = irq_alloc_descs(0, 1, "vmdt-dummy");
	assert_true(base > 0);
	Q.dummy = (unsigned int)base;

	/* Vector 1 requested, with the handler that blocks; vector 0
	 * allocated, masked until requested, and raised: held pending. */
	device_driver_enter(&c->pdev->dev, &save);
	ret = pci_alloc_irq_vectors(c->pdev, 2, 2, PCI_IRQ_MSIX);
	device_driver_leave(&save);
	assert_int_equal(ret, 2);
	c->nvec = 0;			/* requested by hand below */
	for (unsigned int i = 0; i < 2; i++) {
		c->v[i].child = c;
		c->v[i].index = i;
		c->v[i].virq = (unsigned int)pci_irq_vector(c->pdev, i);
	}
	device_driver_enter(&c->pdev->dev, &save);
	ret = request_irq(c->v[1].virq, blocking_handler, 0, "vmdt-block",
			  &c->v[1]);
	device_driver_leave(&save);
	assert_int_equal(ret, 0);
	assert_int_equal(pcl_pci_raise(c->pdev, 0), 1);

	/* One CPU, stuck in the blocking handler, its queue filled. */
	assert_int_equal(pcl_cpus_start(1), 0);
	assert_int_equal(pcl_pci_raise(c->pdev, 1), 0);
	while (!atomic_load(&Q.blocking) && !atomic_load(&Q.timed_out))
		usleep(100);
	filler = start_thread(filler_thread, NULL);
	do {
		n = atomic_load(&Q.filled);
		usleep(20000);
	} while (atomic_load(&Q.filled) != n && !atomic_load(&Q.timed_out));

	/* The message held pending goes out under desc->lock: this returns
	 * (else the watchdog ends the run). */
	device_driver_enter(&c->pdev->dev, &save);
	ret = request_irq(c->v[0].virq, vec_handler, 0, "vmdt-child", &c->v[0]);
	device_driver_leave(&save);
	c->nvec = 2;			/* both requested: freed at remove() */
	atomic_store(&Q.release, 1);
	atomic_store(&Q.stop, 1);
	join_thread(filler);
	pcl_cpus_stop();

	assert_int_equal(ret, 0);
	assert_int_equal(atomic_load(&Q.timed_out), 0);
	/* Every interrupt got where it was going, the latched one once. */
	dummy_raised = atomic_load(&Q.filled);
	assert_true(dummy_raised > 0);
	assert_int_equal(kstat_sum(Q.dummy), dummy_raised);
	assert_int_equal(atomic_load(&c->v[1].count), 1);
	assert_int_equal(atomic_load(&c->v[0].count), 1);
	assert_int_equal(atomic_load(&T.bad), 0);
	assert_int_equal(irq_free_descs(Q.dummy, 1), 0);
	Q.dummy = 0;
	assert_no_reports();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T_(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T_(test_threaded_vmd_child_flood_vs_free_and_rerequest),
		T_(test_vmd_children_go_to_the_least_loaded_vector),
		T_(test_vmd_teardown_frees_n_children_without_n_grace_periods),
		T_(test_vmd_unbind_order_child_bus_first),
		T_(test_vmd_request_irq_with_the_cpu_queue_full_does_not_deadlock),
#undef T_
	};

	signal(SIGALRM, hang_guard);
	assert_int_equal(pcl_pci_init(), 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
