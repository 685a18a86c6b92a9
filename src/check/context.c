// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Per-thread calling context: atomic depth, IRQ context, RCU depth and the
 * held-lock stack.  Only the owning thread writes its context, so none of
 * this is locked.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <pcilab/check.h>

PCL_TLS struct pcl_context pcl__tls_ctx;
PCL_TLS bool pcl__tls_ctx_ready;

struct pcl_context *pcl__ctx_init(void)
{
	struct pcl_context *c = &pcl__tls_ctx;

	c->cpu = -1;
	c->tid = (int)syscall(SYS_gettid);
	if (!c->comm[0])
		strcpy(c->comm, "pcilab");
	pcl__tls_ctx_ready = true;
	return c;
}

void pcl_ctx_set_comm(const char *comm)
{
	struct pcl_context *c = pcl_ctx();

	snprintf(c->comm, sizeof(c->comm), "%s", comm);
}

void pcl_hardirq_enter(void)
{
	struct pcl_context *c = pcl_ctx();

	c->hardirq_depth++;
	c->irqs_disabled++;
}

void pcl_hardirq_exit(void)
{
	struct pcl_context *c = pcl_ctx();

	if (PCL_WARN_ON(c->hardirq_depth <= 0, NULL,
			"hard-IRQ exit without matching enter"))
		return;
	c->hardirq_depth--;
	c->irqs_disabled--;
}

void pcl_softirq_enter(void)
{
	pcl_ctx()->softirq_depth++;
}

void pcl_softirq_exit(void)
{
	struct pcl_context *c = pcl_ctx();

	if (PCL_WARN_ON(c->softirq_depth <= 0, NULL,
			"soft-IRQ exit without matching enter"))
		return;
	c->softirq_depth--;
}

void pcl_ctx_lock_acquired(const void *lock, const char *name,
			   enum pcl_lock_kind kind, const char *file, int line,
			   bool recursive)
{
	struct pcl_context *c = pcl_ctx();

	/*
	 * Past the table's end we still count the lock as held for the
	 * atomic-depth logic (done by the caller) but cannot list it.
	 */
	if (c->nheld < PCL_MAX_HELD_LOCKS) {
		struct pcl_held_lock *h = &c->held[c->nheld];

		h->lock = lock;
		h->name = name;
		h->kind = kind;
		h->file = file;
		h->line = line;
		h->recursive = recursive;
	}
	c->nheld++;
}

int pcl_ctx_lock_released(const void *lock)
{
	struct pcl_context *c = pcl_ctx();
	int n = c->nheld < PCL_MAX_HELD_LOCKS ? c->nheld : PCL_MAX_HELD_LOCKS;

	/* Locks need not be released in LIFO order: search from the top. */
	for (int i = n - 1; i >= 0; i--) {
		bool rec;

		if (c->held[i].lock != lock)
			continue;
		rec = c->held[i].recursive;
		memmove(&c->held[i], &c->held[i + 1],
			(size_t)(n - i - 1) * sizeof(c->held[0]));
		c->nheld--;
		return rec ? 2 : 1;
	}
	if (c->nheld > PCL_MAX_HELD_LOCKS) {
		c->nheld--;
		return 1;
	}
	pcl_report(PCL_CHK_LOCKDEP, NULL, __FILE__, __LINE__,
		   "bad unlock balance detected: releasing a lock this task does not hold");
	return 0;
}

bool pcl_ctx_holds(const void *lock)
{
	struct pcl_context *c = pcl_ctx();
	int n = c->nheld < PCL_MAX_HELD_LOCKS ? c->nheld : PCL_MAX_HELD_LOCKS;

	for (int i = 0; i < n; i++)
		if (c->held[i].lock == lock)
			return true;
	return false;
}

const struct pcl_subject *pcl_subject_switch(const struct pcl_subject *s)
{
	struct pcl_context *c = pcl_ctx();
	const struct pcl_subject *old = c->subject;

	c->subject = s;
	return old;
}
