// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Flow handlers: how an interrupt of each trigger type is acknowledged,
 * masked and ended around the handlers, and chained (demultiplexing)
 * handlers.
 *
 * The handlers of one IRQ never run concurrently: a flow handler marks
 * the descriptor in progress under desc->lock and runs the action list
 * without it; an interrupt arriving meanwhile is marked pending and
 * replayed (edge) or stays asserted (level).  free_irq() unlinks an action
 * under the lock and then waits until no flow handler is in progress, so
 * a handler never runs after free_irq() returns.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include "internal.h"

void pcl__irq_mask(struct irq_desc *desc)
{
	const struct irq_chip *chip = desc->irq_data.chip;

	if (chip && chip->irq_mask)
		chip->irq_mask(&desc->irq_data);
	desc->masked = true;
}

void pcl__irq_unmask(struct irq_desc *desc)
{
	const struct irq_chip *chip = desc->irq_data.chip;

	if (chip && chip->irq_unmask)
		chip->irq_unmask(&desc->irq_data);
	desc->masked = false;
}

static void irq_ack(struct irq_desc *desc)
{
	const struct irq_chip *chip = desc->irq_data.chip;

	if (chip && chip->irq_ack)
		chip->irq_ack(&desc->irq_data);
}

static void irq_eoi(struct irq_desc *desc)
{
	const struct irq_chip *chip = desc->irq_data.chip;

	if (chip && chip->irq_eoi)
		chip->irq_eoi(&desc->irq_data);
}

irqreturn_t pcl__handle_irq_event(struct irq_desc *desc)
{
	unsigned int irq = desc->irq_data.irq;
	irqreturn_t ret = IRQ_NONE;
	struct irqaction *a;

	for (a = __atomic_load_n(&desc->action, __ATOMIC_ACQUIRE); a;
	     a = __atomic_load_n(&a->next, __ATOMIC_ACQUIRE)) {
		irqreturn_t r = a->handler(irq, a->dev_id);

		if (r == IRQ_WAKE_THREAD) {
			pcl__irq_wake_thread(a);
			r = IRQ_HANDLED;
		}
		ret |= r;
	}
	pcl__note_interrupt(desc, ret);
	return ret;
}

/* Under desc->lock: may the handlers run now?  If not, remember it. */
static bool start_locked(struct irq_desc *desc)
{
	if (desc->in_progress || desc->depth || !desc->action) {
		desc->pending = true;
		return false;
	}
	__atomic_store_n(&desc->in_progress, true, __ATOMIC_RELEASE);
	desc->pending = false;
	return true;
}

static void end_locked(struct irq_desc *desc)
{
	__atomic_store_n(&desc->in_progress, false, __ATOMIC_RELEASE);
}

/* After a flow handler: wake synchronize_irq() waiters (outside the lock). */
static void handled(struct irq_desc *desc)
{
	wake_up(&desc->wait_for_threads);
}

/* Under desc->lock, in progress: run the actions with the lock dropped. */
static void run_actions_locked(struct irq_desc *desc)
{
	spin_unlock(&desc->lock);
	pcl__handle_irq_event(desc);
	spin_lock(&desc->lock);
}

void handle_simple_irq(struct irq_desc *desc)
{
	spin_lock(&desc->lock);
	if (!start_locked(desc)) {
		spin_unlock(&desc->lock);
		return;
	}
	run_actions_locked(desc);
	end_locked(desc);
	spin_unlock(&desc->lock);
	handled(desc);
}

void handle_edge_irq(struct irq_desc *desc)
{
	spin_lock(&desc->lock);
	irq_ack(desc);
	if (!start_locked(desc)) {
		/* An edge while busy or disabled is not lost: it is replayed
		 * by the running handler, or when the IRQ is enabled. */
		spin_unlock(&desc->lock);
		return;
	}
	do {
		desc->pending = false;
		run_actions_locked(desc);
	} while (desc->pending && !desc->depth && desc->action);
	end_locked(desc);
	spin_unlock(&desc->lock);
	handled(desc);
}

void handle_level_irq(struct irq_desc *desc)
{
	spin_lock(&desc->lock);
	pcl__irq_mask(desc);
	irq_ack(desc);
	if (!start_locked(desc)) {
		spin_unlock(&desc->lock);
		return;
	}
	run_actions_locked(desc);
	end_locked(desc);
	if (!desc->depth && !atomic_load(&desc->threads_active))
		pcl__irq_unmask(desc);
	spin_unlock(&desc->lock);
	handled(desc);
}

void handle_fasteoi_irq(struct irq_desc *desc)
{
	spin_lock(&desc->lock);
	if (!start_locked(desc)) {
		irq_eoi(desc);
		spin_unlock(&desc->lock);
		return;
	}
	run_actions_locked(desc);
	end_locked(desc);
	irq_eoi(desc);
	spin_unlock(&desc->lock);
	handled(desc);
}

int generic_handle_irq(unsigned int irq)
{
	struct irq_desc *desc;
	unsigned int cpu;

	rcu_read_lock();
	desc = irq_to_desc(irq);
	if (!desc) {
		rcu_read_unlock();
		return -EINVAL;
	}
	cpu = pcl_ctx()->cpu < 0 ? 0 : (unsigned int)pcl_ctx()->cpu;
	if (cpu < PCL_MAX_CPUS)
		atomic_fetch_add(&desc->kstat[cpu], 1);
	__atomic_load_n(&desc->handle_irq, __ATOMIC_ACQUIRE)(desc);
	rcu_read_unlock();
	return 0;
}

/*
 * A chained handler runs as the flow handler itself, inside the RCU
 * read-side section of generic_handle_irq(): uninstalling it waits for a
 * grace period, after which no invocation of the old handler is running.
 */
void irq_set_chained_handler_and_data(unsigned int irq,
				      irq_flow_handler_t handle, void *data)
{
	struct irq_desc *desc = pcl__irq_desc_get(irq);
	unsigned long flags;

	might_sleep();
	if (!desc)
		return;
	spin_lock_irqsave(&desc->lock, flags);
	__atomic_store_n(&desc->chained, handle != NULL, __ATOMIC_RELEASE);
	if (handle) {
		desc->handler_data = data;
		__atomic_store_n(&desc->handle_irq, handle, __ATOMIC_RELEASE);
		desc->depth = 0;
		pcl__irq_unmask(desc);
	} else {
		pcl__irq_mask(desc);
		desc->depth = 1;
		__atomic_store_n(&desc->handle_irq, handle_simple_irq,
				 __ATOMIC_RELEASE);
	}
	spin_unlock_irqrestore(&desc->lock, flags);
	if (!handle) {
		/* Wait for an invocation that started before the swap. */
		synchronize_rcu();
		desc->handler_data = NULL;
	}
}
