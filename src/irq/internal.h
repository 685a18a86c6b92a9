/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to src/irq.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#ifndef PCILAB_IRQ_INTERNAL_H
#define PCILAB_IRQ_INTERNAL_H

#include <pcilab/irq.h>

struct irqaction {
	irq_handler_t handler;
	irq_handler_t thread_fn;
	void *dev_id;
	unsigned long flags;
	const char *name;
	struct irqaction *next;		/* written under desc->lock, read
					 * by handlers with __atomic loads */
	struct irq_desc *desc;
	/* the handler thread */
	struct task_struct *thread;
	wait_queue_head_t thread_wq;
	_Atomic int thread_pending;	/* the hard handler asked for a run */
	_Atomic int thread_running;
};

/*
 * struct irq_desc - one interrupt line.  Freed with call_rcu(): look it up
 * under rcu_read_lock() (or while holding a requested action).
 */
struct irq_desc {
	struct irq_data irq_data;
	irq_flow_handler_t handle_irq;
	void *handler_data;		/* chained handlers' data */
	const char *name;
	/* lock protects the fields below and the action list's links.  Taken
	 * in hard-IRQ context; nothing sleeps under it. */
	spinlock_t lock;
	struct irqaction *action;
	unsigned int depth;		/* disable_irq() nesting */
	bool in_progress;		/* a flow handler is running */
	bool pending;			/* arrived while in progress/disabled */
	bool masked;
	bool chained;			/* a chained (demultiplexing) flow
					 * handler is installed */
	unsigned int affinity;		/* CPU in CPU-thread mode */
	unsigned int irq_count;		/* spurious detection window */
	unsigned int irqs_unhandled;
	/* request_mutex serialises request/free against each other. */
	struct mutex request_mutex;
	wait_queue_head_t wait_for_threads;	/* synchronize_irq() waits */
	_Atomic int threads_active;
	_Atomic unsigned long kstat[PCL_MAX_CPUS];
	struct rcu_head rcu;
};

/* irqdesc.c */
struct irq_desc *pcl__irq_desc_get(unsigned int irq);

/* chip.c */
void pcl__irq_mask(struct irq_desc *desc);
void pcl__irq_unmask(struct irq_desc *desc);
/* Run every action; note spurious.  Called without desc->lock. */
irqreturn_t pcl__handle_irq_event(struct irq_desc *desc);
bool pcl__irq_wait_for_poll(struct irq_desc *desc);

/* spurious.c */
void pcl__note_interrupt(struct irq_desc *desc, irqreturn_t ret);

/* cpu.c */
unsigned int pcl__irq_cpus_shown(void);

/* manage.c */
void pcl__irq_wake_thread(struct irqaction *action);

#endif
