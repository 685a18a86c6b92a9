// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Spurious interrupt detection: an IRQ whose interrupts mostly find no
 * handler that claims them is storming; it is reported ("nobody cared")
 * and disabled, as Linux's note_interrupt() does.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <stdatomic.h>
#include "internal.h"

static atomic_uint spurious_window = 1000;
static atomic_uint spurious_unhandled = 990;

void pcl_irq_set_spurious_window(unsigned int window, unsigned int unhandled)
{
	if (!window || unhandled > window)
		return;
	atomic_store(&spurious_window, window);
	atomic_store(&spurious_unhandled, unhandled);
}

void pcl__note_interrupt(struct irq_desc *desc, irqreturn_t ret)
{
	unsigned int window = atomic_load(&spurious_window);
	bool storm = false;

	spin_lock(&desc->lock);
	if (ret == IRQ_NONE)
		desc->irqs_unhandled++;
	if (++desc->irq_count >= window) {
		storm = desc->irqs_unhandled >= atomic_load(&spurious_unhandled);
		desc->irq_count = 0;
		desc->irqs_unhandled = 0;
		if (storm) {
			desc->depth++;
			pcl__irq_mask(desc);
		}
	}
	spin_unlock(&desc->lock);
	if (storm)
		pcl_report(PCL_CHK_SPURIOUS, NULL, __FILE__, __LINE__,
			   "irq %u: nobody cared (%u of the last %u interrupts unhandled): disabling it",
			   desc->irq_data.irq, atomic_load(&spurious_unhandled),
			   window);
}
