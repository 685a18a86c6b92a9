// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Installing and removing handlers, threaded handlers, enable/disable and
 * synchronize_irq().
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <string.h>
#include "internal.h"

static irqreturn_t default_primary(int irq, void *dev_id)
{
	return IRQ_WAKE_THREAD;
}

void pcl__irq_wake_thread(struct irqaction *a)
{
	if (!a->thread)
		return;
	/* One run serves every wake that comes before it starts (the
	 * kernel's IRQTF_RUNTHREAD), so it is counted active once: else
	 * threads_active never drops back to 0 and synchronize_irq() and
	 * free_irq() wait forever. */
	atomic_fetch_add(&a->desc->threads_active, 1);
	if (atomic_exchange(&a->thread_pending, 1)) {
		atomic_fetch_sub(&a->desc->threads_active, 1);
		return;
	}
	wake_up(&a->thread_wq);
}

/* The handler thread: run thread_fn each time the hard handler asks. */
static int irq_thread(void *data)
{
	struct irqaction *a = data;
	struct irq_desc *desc = a->desc;

	for (;;) {
		wait_event_interruptible(a->thread_wq,
					 atomic_load(&a->thread_pending) ||
					 kthread_should_stop());
		if (atomic_exchange(&a->thread_pending, 0)) {
			a->thread_fn((int)desc->irq_data.irq, a->dev_id);
			/* A line kept masked while the thread ran (IRQF_ONESHOT,
			 * or a level line whose flow saw the thread pending)
			 * is unmasked once the thread is done. */
			{
				unsigned long flags;

				spin_lock_irqsave(&desc->lock, flags);
				if (!desc->depth && desc->masked &&
				    atomic_load(&desc->threads_active) == 1)
					pcl__irq_unmask(desc);
				spin_unlock_irqrestore(&desc->lock, flags);
			}
			atomic_fetch_sub(&desc->threads_active, 1);
			wake_up(&desc->wait_for_threads);
		}
		if (kthread_should_stop())
			break;
		pcl_task_clear_signal(pcl_current());
	}
	return 0;
}

bool irq_has_action(unsigned int irq)
{
	struct irq_desc *d;
	bool has;

	rcu_read_lock();
	d = irq_to_desc(irq);
	has = d && __atomic_load_n(&d->action, __ATOMIC_ACQUIRE);
	rcu_read_unlock();
	return has;
}

bool irq_has_chained_handler(unsigned int irq)
{
	struct irq_desc *d;
	bool has;

	rcu_read_lock();
	d = irq_to_desc(irq);
	has = d && __atomic_load_n(&d->chained, __ATOMIC_ACQUIRE);
	rcu_read_unlock();
	return has;
}

const char *pcl_irq_in_use(unsigned int irq)
{
	if (irq_has_action(irq))
		return "a handler";
	if (irq_has_chained_handler(irq))
		return "a chained handler";
	return NULL;
}

int request_threaded_irq(unsigned int irq, irq_handler_t handler,
			 irq_handler_t thread_fn, unsigned long flags,
			 const char *name, void *dev_id)
{
	struct irq_desc *desc = pcl__irq_desc_get(irq);
	struct irqaction *a, **pp;
	unsigned long lflags;
	int ret = 0;

	might_sleep();
	if (!desc || (!handler && !thread_fn) ||
	    ((flags & IRQF_SHARED) && !dev_id))
		return -EINVAL;
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	a->handler = handler ? handler : default_primary;
	a->thread_fn = thread_fn;
	a->dev_id = dev_id;
	a->flags = flags | (handler ? 0 : IRQF_ONESHOT);
	a->name = name;
	a->desc = desc;
	init_waitqueue_head(&a->thread_wq);
	if (thread_fn) {
		char comm[16];

		snprintf(comm, sizeof(comm), "irq/%u", irq);
		a->thread = kthread_run(irq_thread, a, comm);
		if (IS_ERR(a->thread)) {
			ret = (int)PTR_ERR(a->thread);
			kfree(a);
			return ret;
		}
	}

	mutex_lock(&desc->request_mutex);
	spin_lock_irqsave(&desc->lock, lflags);
	for (pp = &desc->action; *pp; pp = &(*pp)->next) {
		if (!((*pp)->flags & flags & IRQF_SHARED) ||
		    (*pp)->dev_id == dev_id) {
			ret = -EBUSY;
			break;
		}
	}
	if (!ret) {
		__atomic_store_n(pp, a, __ATOMIC_RELEASE);
		if (pp == &desc->action && !(flags & IRQF_NO_AUTOEN)) {
			desc->depth = 0;
			pcl__irq_unmask(desc);
		}
	}
	spin_unlock_irqrestore(&desc->lock, lflags);
	mutex_unlock(&desc->request_mutex);
	if (ret) {
		if (a->thread)
			kthread_stop(a->thread);
		kfree(a);
		return ret;
	}
	pcl_trace(PCL_TR_CORE, "irq %u: handler '%s' installed%s", irq,
		  name ? name : "-", thread_fn ? " (threaded)" : "");
	return 0;
}

/* Wait until no flow handler and no handler thread of @desc runs. */
static void wait_idle(struct irq_desc *desc)
{
	wait_event(desc->wait_for_threads,
		   !__atomic_load_n(&desc->in_progress, __ATOMIC_ACQUIRE) &&
		   !atomic_load(&desc->threads_active));
}

void synchronize_irq(unsigned int irq)
{
	struct irq_desc *desc = pcl__irq_desc_get(irq);

	might_sleep();
	if (desc)
		wait_idle(desc);
}

const void *free_irq(unsigned int irq, void *dev_id)
{
	struct irq_desc *desc = pcl__irq_desc_get(irq);
	struct irqaction *a = NULL, **pp;
	unsigned long flags;
	const char *name;

	if (in_hardirq()) {
		pcl_report(PCL_CHK_API, NULL, __FILE__, __LINE__,
			   "free_irq(%u) in hard-IRQ context: refused (it must wait for handlers)",
			   irq);
		return NULL;
	}
	might_sleep();
	if (!desc)
		return NULL;
	mutex_lock(&desc->request_mutex);
	spin_lock_irqsave(&desc->lock, flags);
	for (pp = &desc->action; *pp; pp = &(*pp)->next) {
		if ((*pp)->dev_id == dev_id) {
			a = *pp;
			__atomic_store_n(pp, a->next, __ATOMIC_RELEASE);
			break;
		}
	}
	if (a && !desc->action) {
		pcl__irq_mask(desc);
		desc->depth = 1;
	}
	spin_unlock_irqrestore(&desc->lock, flags);
	if (!a) {
		mutex_unlock(&desc->request_mutex);
		pcl_report(PCL_CHK_API, NULL, __FILE__, __LINE__,
			   "Trying to free already-free IRQ %u", irq);
		return NULL;
	}
	/* No handler may be running when the action goes. */
	wait_idle(desc);
	if (a->thread)
		kthread_stop(a->thread);
	mutex_unlock(&desc->request_mutex);
	name = a->name;
	pcl_trace(PCL_TR_CORE, "irq %u: handler '%s' freed", irq,
		  name ? name : "-");
	kfree(a);
	return name;
}

/* ---- managed ---- */

struct irq_devres {
	unsigned int irq;
	void *dev_id;
};

static void devm_irq_release(struct device *dev, void *res)
{
	struct irq_devres *r = res;

	free_irq(r->irq, r->dev_id);
}

static int devm_irq_match(struct device *dev, void *res, void *data)
{
	struct irq_devres *r = res, *want = data;

	return r->irq == want->irq && r->dev_id == want->dev_id;
}

int devm_request_threaded_irq(struct device *dev, unsigned int irq,
			      irq_handler_t handler, irq_handler_t thread_fn,
			      unsigned long flags, const char *name,
			      void *dev_id)
{
	struct irq_devres *r = devres_alloc(devm_irq_release, sizeof(*r),
					    GFP_KERNEL);
	int ret;

	if (!r)
		return -ENOMEM;
	ret = request_threaded_irq(irq, handler, thread_fn, flags,
				   name ? name : dev_name(dev), dev_id);
	if (ret) {
		devres_free(r);
		return ret;
	}
	r->irq = irq;
	r->dev_id = dev_id;
	devres_add(dev, r);
	return 0;
}

void devm_free_irq(struct device *dev, unsigned int irq, void *dev_id)
{
	struct irq_devres want = { irq, dev_id };

	if (devres_release(dev, devm_irq_release, devm_irq_match, &want))
		pcl_report(PCL_CHK_API, &dev->subject, __FILE__, __LINE__,
			   "devm_free_irq(%u): not requested with devm_request_irq()",
			   irq);
}

/* ---- enable / disable ---- */

void disable_irq_nosync(unsigned int irq)
{
	struct irq_desc *desc = pcl__irq_desc_get(irq);
	unsigned long flags;

	if (!desc)
		return;
	spin_lock_irqsave(&desc->lock, flags);
	if (!desc->depth++)
		pcl__irq_mask(desc);
	spin_unlock_irqrestore(&desc->lock, flags);
}

void disable_irq(unsigned int irq)
{
	might_sleep();
	disable_irq_nosync(irq);
	synchronize_irq(irq);
}

void enable_irq(unsigned int irq)
{
	struct irq_desc *desc = pcl__irq_desc_get(irq);
	unsigned long flags;
	bool replay = false;

	if (!desc)
		return;
	spin_lock_irqsave(&desc->lock, flags);
	if (!desc->depth) {
		spin_unlock_irqrestore(&desc->lock, flags);
		pcl_report(PCL_CHK_API, NULL, __FILE__, __LINE__,
			   "Unbalanced enable for IRQ %u", irq);
		return;
	}
	if (!--desc->depth) {
		pcl__irq_unmask(desc);
		/* Only an edge is latched while disabled; a level interrupt
		 * that still matters is still asserted and raised again. */
		replay = desc->pending && desc->action &&
			 desc->handle_irq == handle_edge_irq;
		desc->pending = false;
	}
	spin_unlock_irqrestore(&desc->lock, flags);
	if (replay)		/* an edge that came while disabled */
		pcl_irq_raise(irq);
}

unsigned int pcl_irq_free_all_actions(unsigned int irq)
{
	struct irq_desc *desc = pcl__irq_desc_get(irq);
	unsigned int n = 0;

	might_sleep();
	while (desc) {
		unsigned long flags;
		void *dev_id = NULL;
		const char *name = NULL;
		bool found;

		spin_lock_irqsave(&desc->lock, flags);
		found = desc->action != NULL;
		if (found) {
			dev_id = desc->action->dev_id;
			name = desc->action->name;
		}
		spin_unlock_irqrestore(&desc->lock, flags);
		if (!found)
			break;
		pcl_report(PCL_CHK_IRQ_FREE, NULL, __FILE__, __LINE__,
			   "IRQ %u: handler '%s' left installed by its driver: freed",
			   irq, name ? name : "-");
		free_irq(irq, dev_id);
		n++;
	}
	if (desc && irq_has_chained_handler(irq)) {
		pcl_report(PCL_CHK_IRQ_FREE, NULL, __FILE__, __LINE__,
			   "IRQ %u: chained handler left installed by its driver: uninstalled",
			   irq);
		irq_set_chained_handler_and_data(irq, NULL, NULL);
		n++;
	}
	return n;
}
