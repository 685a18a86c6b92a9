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
struct irq_domain;

struct irq_data {
	unsigned int irq;
	unsigned long hwirq;
	const struct irq_chip *chip;
	void *chip_data;
	struct irq_domain *domain;	/* the domain that allocated it */
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
/** irq_has_chained_handler() - is a chained handler installed on @irq? */
bool irq_has_chained_handler(unsigned int irq);
/**
 * pcl_irq_in_use() - what still uses @irq: "a handler" (an action),
 * "a chained handler", or NULL.  Freeing the vector or descriptor of an
 * IRQ in use is refused.  Context: any.
 */
const char *pcl_irq_in_use(unsigned int irq);
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
/**
 * pcl_irq_free_all_actions() - for a bus cleaning up after a driver:
 * uninstall a chained handler left on @irq, and free
 * every handler still installed on @irq, each reported ("irq-free").
 * Return: how many there were.
 */
unsigned int pcl_irq_free_all_actions(unsigned int irq);
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
 * its CPU's thread; a full queue makes the raiser wait for room, unless it
 * is in atomic context: then the IRQ is latched and delivered once, however
 * often it is raised until then.  Context: any.
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

/** pcl_irq_scenario_init() - register the IRQ layer's scenario verbs. */
void pcl_irq_scenario_init(void);

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

/* ------------------------------------------------------------------ */
/* Domains                                                              */
/* ------------------------------------------------------------------ */

struct irq_domain;

/*
 * A domain translates its hardware interrupt numbers (hwirq) to Linux
 * IRQ numbers (virq).  Hierarchies: a child's @alloc allocates its level
 * and calls irq_domain_alloc_irqs_parent() for the level below; @free
 * likewise.  Every hook is optional but @alloc.
 */
struct irq_domain_ops {
	int (*alloc)(struct irq_domain *d, unsigned int virq, unsigned int nr,
		     void *arg);
	void (*free)(struct irq_domain *d, unsigned int virq, unsigned int nr);
	int (*activate)(struct irq_domain *d, struct irq_data *irqd);
	void (*deactivate)(struct irq_domain *d, struct irq_data *irqd);
	/* A firmware-style specifier (@spec, @n cells) to a hwirq. */
	int (*translate)(struct irq_domain *d, const uint32_t *spec,
			 unsigned int n, unsigned long *hwirq);
};

/**
 * irq_domain_create() - a domain with a reverse map of @hwirq_max entries,
 * under @parent (NULL: a root).  Context: process.  Return: it or NULL.
 */
struct irq_domain *irq_domain_create(const char *name,
				     const struct irq_domain_ops *ops,
				     void *host_data, struct irq_domain *parent,
				     unsigned int hwirq_max);
/** irq_domain_remove() - the domain must have no mappings left. */
void irq_domain_remove(struct irq_domain *d);
void *irq_domain_host_data(struct irq_domain *d);
struct irq_domain *irq_domain_parent(struct irq_domain *d);
const char *irq_domain_name(struct irq_domain *d);
/**
 * irq_domain_alloc_irqs() - @nr new IRQs with descriptors, allocated
 * through the hierarchy and activated.  Return: the first virq or -errno.
 */
int irq_domain_alloc_irqs(struct irq_domain *d, unsigned int nr, void *arg);
int irq_domain_alloc_irqs_parent(struct irq_domain *d, unsigned int virq,
				 unsigned int nr, void *arg);
void irq_domain_free_irqs_parent(struct irq_domain *d, unsigned int virq,
				 unsigned int nr);
/**
 * irq_domain_free_irqs() - deactivate and free through the hierarchy,
 * then free the descriptors.  IRQs that still have handlers are refused
 * (reported, "irq-free") and kept.  Return: 0 or -EBUSY.
 */
int irq_domain_free_irqs(unsigned int virq, unsigned int nr);
/** Reverse map: record / drop / find the virq of @hwirq in @d. */
int irq_domain_set_mapping(struct irq_domain *d, unsigned long hwirq,
			   unsigned int virq);
void irq_domain_clear_mapping(struct irq_domain *d, unsigned long hwirq);
unsigned int irq_find_mapping(struct irq_domain *d, unsigned long hwirq);
/**
 * irq_domain_translate() - @spec to the virq already mapped for it in @d.
 * Return: the virq, or -EINVAL (no translate op, bad spec) / -ENOENT.
 */
int irq_domain_translate(struct irq_domain *d, const uint32_t *spec,
			 unsigned int n);
/** pcl_irq_domains_show() - the hierarchy, as text or Graphviz dot. */
void pcl_irq_domains_show(FILE *f, bool dot);

/* ------------------------------------------------------------------ */
/* MSI                                                                  */
/* ------------------------------------------------------------------ */

struct msi_msg {
	uint32_t address_lo, address_hi, data;
};

/*
 * What an MSI controller (the parent of devices' MSI domains) provides.
 * @msi_prepare is called ONCE, when a device's MSI domain is created, to
 * set up the controller's per-device state (an ITS device table); the
 * matching @msi_teardown when that domain is removed - not when the last
 * vector is freed (seed 004).  @alloc/@free take event numbers in that
 * state, @compose writes the message that raises one.
 */
struct msi_parent_ops {
	int (*msi_prepare)(void *ctl, struct device *dev, uint32_t dev_id,
			   unsigned int max_vecs, void **state);
	void (*msi_teardown)(void *ctl, struct device *dev, void *state);
	int (*alloc)(void *ctl, void *state, unsigned int virq,
		     unsigned long *hwirq);
	void (*free)(void *ctl, void *state, unsigned long hwirq);
	void (*compose)(void *ctl, void *state, unsigned long hwirq,
			struct msi_msg *msg);
};

struct pcl_msi_parent {
	const char *name;
	const struct msi_parent_ops *ops;
	void *ctl;
	struct irq_domain *domain;	/* reverse map of the controller */
};

/* How the device side masks a vector and programs its message. */
struct pcl_msi_dev_ops {
	void (*mask)(struct device *dev, unsigned int index, bool masked);
	void (*write_msg)(struct device *dev, unsigned int index,
			  const struct msi_msg *msg);
};

/**
 * msi_create_device_domain() - @dev's MSI domain under @parent; calls
 * msi_prepare once.  Context: process.  Return: 0, -EEXIST, -errno.
 */
int msi_create_device_domain(struct device *dev, struct pcl_msi_parent *parent,
			     uint32_t dev_id, unsigned int max_vecs,
			     const struct pcl_msi_dev_ops *ops);
bool msi_has_device_domain(struct device *dev);
/**
 * msi_domain_alloc_irqs() - @nvec vectors with indexes 0..@nvec-1, their
 * messages composed and written to the device.  Return: the first virq
 * (vectors are consecutive) or -errno.
 */
int msi_domain_alloc_irqs(struct device *dev, unsigned int nvec);
/** msi_get_virq() - the virq of vector @index, or 0. */
unsigned int msi_get_virq(struct device *dev, unsigned int index);
unsigned int msi_nr_vectors(struct device *dev);
/** msi_domain_free_irqs() - free every vector; -EBUSY (reported, nothing
 * freed) if any still has a handler. */
int msi_domain_free_irqs(struct device *dev);
/** msi_remove_device_domain() - free what is left, then msi_teardown. */
void msi_remove_device_domain(struct device *dev);

/* ------------------------------------------------------------------ */
/* Controllers                                                          */
/* ------------------------------------------------------------------ */

/*
 * An ITS-like MSI translator: devices write the event number to its
 * doorbell; it looks the requester ID (DeviceID) up in its per-device
 * tables, created by msi_prepare and freed by msi_teardown, and raises the
 * event's LPI.
 */
struct pcl_its;
struct pcl_its *pcl_its_create(const char *name, uint64_t doorbell);
void pcl_its_destroy(struct pcl_its *its);
struct pcl_msi_parent *pcl_its_msi_parent(struct pcl_its *its);
/** pcl_its_doorbell() - a message written to @addr. Context: any. */
void pcl_its_doorbell(struct pcl_its *its, uint64_t addr, uint32_t data,
		      uint32_t dev_id);
struct pcl_its_stats {
	unsigned long prepares, teardowns, tables, lpis_mapped, delivered,
		      dropped;
};
void pcl_its_stats(struct pcl_its *its, struct pcl_its_stats *st);
/**
 * pcl_its_set_free_on_last() - make @its behave as Linux's ITS did before
 * seed 004's fix: a device's table (the state msi_prepare made) is freed
 * when its last LPI is freed.  Allocating through that state afterwards
 * is reported ("use-after-revoke") and fails with -ENODEV.  For the
 * wrong twin of seed 004; off by default.
 */
void pcl_its_set_free_on_last(struct pcl_its *its, bool on);

/*
 * A legacy INTx controller: level-triggered lines that several devices
 * may share (handle_level_irq, IRQF_SHARED).
 */
struct pcl_intx_ctl;
struct pcl_intx_ctl *pcl_intx_create(const char *name, unsigned int lines);
void pcl_intx_destroy(struct pcl_intx_ctl *ctl);
/** pcl_intx_line_irq() - the virq of line @line. */
unsigned int pcl_intx_line_irq(struct pcl_intx_ctl *ctl, unsigned int line);
/** pcl_intx_domain() - the controller's domain (translate: <line>). */
struct irq_domain *pcl_intx_domain(struct pcl_intx_ctl *ctl);
/** pcl_intx_set() - a device drives @line; asserting raises it. */
void pcl_intx_set(struct pcl_intx_ctl *ctl, unsigned int line, bool asserted);

#endif /* PCILAB_IRQ_H */
