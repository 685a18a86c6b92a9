/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pcilab/irq.h - the IRQ core: sparse interrupt descriptors (freed only
 * after an RCU grace period), irq_chip, flow handlers, chained handlers,
 * request_irq / request_threaded_irq / free_irq / devm_request_irq,
 * enable/disable/synchronize, spurious-interrupt detection, and delivery
 * on emulated CPUs: inline (deterministic) or on CPU threads.
 *
 * Domains, MSI and the PCI vector API build on this (issue 4, next parts).
 *
 * Copyright (C) 2026 The pcilab authors
 */
#ifndef PCILAB_IRQ_H
#define PCILAB_IRQ_H

#include <pcilab/base.h>

#define PCL_NR_IRQS	65536	/* the sparse IRQ number space */
#define PCL_MAX_CPUS	8

typedef irqreturn_t (*irq_handler_t)(int irq, void *dev_id);

/* request flags */
#define IRQF_SHARED		0x00000080
#define IRQF_ONESHOT		0x00002000
#define IRQF_NO_AUTOEN		0x00080000

struct irq_desc;
struct irq_data;

struct irq_chip {
	const char *name;
	void (*irq_mask)(struct irq_data *d);
	void (*irq_unmask)(struct irq_data *d);
	void (*irq_ack)(struct irq_data *d);
	void (*irq_eoi)(struct irq_data *d);
	int (*irq_set_affinity)(struct irq_data *d, unsigned int cpu);
};

/* Per-descriptor chip view.  [ro] for chips but @chip_data. */
struct irq_data {
	unsigned int irq;
	unsigned long hwirq;
	const struct irq_chip *chip;
	void *chip_data;
};

typedef void (*irq_flow_handler_t)(struct irq_desc *desc);

/* ---- descriptors ---- */

/**
 * irq_alloc_descs() - @cnt consecutive free IRQ numbers at or above @from.
 * Context: process.  Return: the first, or -ENOMEM / -ENOSPC.
 */
int irq_alloc_descs(unsigned int from, unsigned int cnt, const char *name);
/**
 * irq_free_descs() - free them.  A descriptor that still has handlers is
 * not freed: reported ("irq-free") and kept.  The memory goes after an RCU
 * grace period, so a concurrent lookup under rcu_read_lock() never sees
 * freed memory; one grace period serves a whole batch.  Context: process.
 * Return: 0, or -EBUSY if any still had handlers.
 */
int irq_free_descs(unsigned int irq, unsigned int cnt);
/** irq_to_desc() - under rcu_read_lock(), or while the IRQ is requested. */
struct irq_desc *irq_to_desc(unsigned int irq);
struct irq_data *irq_get_irq_data(unsigned int irq);
void irq_set_chip_and_handler(unsigned int irq, const struct irq_chip *chip,
			      irq_flow_handler_t handle);
void irq_set_chip_data(unsigned int irq, void *data);
void irq_set_hwirq(unsigned int irq, unsigned long hwirq);
/**
 * irq_set_chained_handler_and_data() - install @handle as the flow handler
 * of a demultiplexing IRQ (NULL uninstalls: waits for a running invocation
 * to finish first).  Context: process.
 */
void irq_set_chained_handler_and_data(unsigned int irq,
				      irq_flow_handler_t handle, void *data);
void *irq_desc_get_handler_data(struct irq_desc *desc);
struct irq_data *irq_desc_get_irq_data(struct irq_desc *desc);

/* Flow handlers. */
void handle_simple_irq(struct irq_desc *desc);
void handle_edge_irq(struct irq_desc *desc);
void handle_level_irq(struct irq_desc *desc);
void handle_fasteoi_irq(struct irq_desc *desc);
/**
 * generic_handle_irq() - run @irq's flow handler.  Context: hard-IRQ (a
 * chained handler demultiplexing, or the delivery code).  Return: 0 or
 * -EINVAL if there is no such IRQ.
 */
int generic_handle_irq(unsigned int irq);

/* ---- handlers ---- */

/**
 * request_threaded_irq() - install a handler on @irq.  @handler runs in
 * hard-IRQ context (NULL: a default that wakes the thread); @thread_fn, if
 * given, runs on its own kernel thread in process context when @handler
 * returns IRQ_WAKE_THREAD.  Sharing needs IRQF_SHARED on every action and
 * a unique non-NULL @dev_id.  Context: process.  Return: 0, -EINVAL (no
 * such IRQ, no handler, shared without dev_id), -EBUSY (not shareable),
 * -ENOMEM.
 */
int request_threaded_irq(unsigned int irq, irq_handler_t handler,
			 irq_handler_t thread_fn, unsigned long flags,
			 const char *name, void *dev_id);
static inline int request_irq(unsigned int irq, irq_handler_t handler,
			      unsigned long flags, const char *name,
			      void *dev_id)
{
	return request_threaded_irq(irq, handler, NULL, flags, name, dev_id);
}
/**
 * free_irq() - remove the handler of @dev_id, waiting for running
 * invocations (hard and threaded).  Refused, with a report, in hard-IRQ
 * context.  Context: process.  Return: the action's name, or NULL.
 */
const void *free_irq(unsigned int irq, void *dev_id);
/** devm_request_irq() - request_irq() undone at unbind. */
int devm_request_threaded_irq(struct device *dev, unsigned int irq,
			      irq_handler_t handler, irq_handler_t thread_fn,
			      unsigned long flags, const char *name,
			      void *dev_id);
static inline int devm_request_irq(struct device *dev, unsigned int irq,
				   irq_handler_t handler, unsigned long flags,
				   const char *name, void *dev_id)
{
	return devm_request_threaded_irq(dev, irq, handler, NULL, flags, name,
					 dev_id);
}
void devm_free_irq(struct device *dev, unsigned int irq, void *dev_id);
/** irq_has_action() - does @irq have a handler installed? */
bool irq_has_action(unsigned int irq);

/** disable_irq() - mask (nesting) and wait for running handlers. */
void disable_irq(unsigned int irq);
/** disable_irq_nosync() - mask (nesting); legal in hard-IRQ context. */
void disable_irq_nosync(unsigned int irq);
void enable_irq(unsigned int irq);
/** synchronize_irq() - wait until no handler of @irq runs. */
void synchronize_irq(unsigned int irq);

/* ---- delivery ---- */

/**
 * pcl_irq_raise() - an interrupt arrives for @irq.  Deterministic mode
 * (the default): handled now, on this thread, in hard-IRQ context, as CPU
 * 0 - unless this thread has interrupts disabled, in which case it is
 * pending until pcl_irq_poll() on this thread.  CPU-thread mode: queued to
 * its CPU's thread.  Context: any.
 */
void pcl_irq_raise(unsigned int irq);
/** pcl_irq_poll() - deliver this thread's pending interrupts now, if its
 * interrupts are enabled.  The deterministic mode's delivery point. */
void pcl_irq_poll(void);
/**
 * pcl_cpus_start() - switch to CPU-thread mode with @n emulated CPUs
 * (threads taking interrupts in hard-IRQ context).  pcl_cpus_stop()
 * drains their queues and returns to deterministic mode.  Context: process.
 */
int pcl_cpus_start(unsigned int n);
void pcl_cpus_stop(void);
/** irq_set_affinity() - the CPU @irq is delivered to in CPU-thread mode. */
int irq_set_affinity(unsigned int irq, unsigned int cpu);

/* ---- accounting ---- */

/** kstat_irqs_cpu() - interrupts @irq took on @cpu. */
unsigned long kstat_irqs_cpu(unsigned int irq, unsigned int cpu);
/** pcl_irq_show() - a /proc/interrupts-style table of every IRQ. */
void pcl_irq_show(FILE *f);
/**
 * pcl_irq_set_spurious_window() - an IRQ is "storming" when at least
 * @unhandled of @window consecutive interrupts found no handler (Linux:
 * 99 900 of 100 000); it is then reported ("spurious-irq") and disabled.
 */
void pcl_irq_set_spurious_window(unsigned int window, unsigned int unhandled);

#endif /* PCILAB_IRQ_H */
