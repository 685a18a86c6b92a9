// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Deliberately wrong drivers for the "atomic-sleep" checker, each with
 * its fixed twin, which must run clean.
 *
 * wrong-gfp-kernel-atomic: allocates with GFP_KERNEL under a spinlock
 *   (seed 000: get_or_create_intx_devres() under vfio's spinlock).
 * wrong-mutex-in-irq: takes a mutex in its hard-IRQ event handler.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <pcilab/base.h>

static const struct testbus_device_id ids[] = {
	{ 0x1b36, 0x0001 },
	{ 0, 0 }
};

struct ctxdrv {
	spinlock_t lock;	/* protects table and events */
	struct mutex mutex;	/* the wrong twin's choice for the handler */
	void *table;
	unsigned long events;
};

static void free_table(void *data)
{
	struct ctxdrv *c = data;

	kfree(c->table);
}

static int gfp_probe(struct testbus_device *tdev, gfp_t gfp)
{
	struct ctxdrv *c = devm_kzalloc(&tdev->dev, sizeof(*c), GFP_KERNEL);

	if (!c)
		return -ENOMEM;
	spin_lock_init(&c->lock);
	spin_lock(&c->lock);
	c->table = kzalloc(64, gfp);	/* the wrong twin passes GFP_KERNEL */
	spin_unlock(&c->lock);
	if (!c->table)
		return -ENOMEM;
	return devm_add_action_or_reset(&tdev->dev, free_table, c);
}

static int wrong_gfp_probe(struct testbus_device *tdev,
			   const struct testbus_device_id *id)
{
	return gfp_probe(tdev, GFP_KERNEL);
}

static int fixed_gfp_probe(struct testbus_device *tdev,
			   const struct testbus_device_id *id)
{
	return gfp_probe(tdev, GFP_ATOMIC);
}

static struct testbus_driver wrong_gfp = {
	.name = "wrong-gfp-kernel-atomic",
	.id_table = ids,
	.probe = wrong_gfp_probe,
};
module_testbus_driver(wrong_gfp,
		      "WRONG: kzalloc(GFP_KERNEL) with a spinlock held");

static struct testbus_driver fixed_gfp = {
	.name = "fixed-gfp-kernel-atomic",
	.id_table = ids,
	.probe = fixed_gfp_probe,
};
module_testbus_driver(fixed_gfp, "fixed twin: GFP_ATOMIC under the spinlock");

/* ---- locks in the event handler ---- */

static int irq_probe(struct testbus_device *tdev,
		     const struct testbus_device_id *id)
{
	struct ctxdrv *c = devm_kzalloc(&tdev->dev, sizeof(*c), GFP_KERNEL);

	if (!c)
		return -ENOMEM;
	spin_lock_init(&c->lock);
	mutex_init(&c->mutex);
	dev_set_drvdata(&tdev->dev, c);
	return 0;
}

static irqreturn_t wrong_irq_event(struct testbus_device *tdev)
{
	struct ctxdrv *c = dev_get_drvdata(&tdev->dev);

	mutex_lock(&c->mutex);		/* BUG: may sleep in hard-IRQ */
	c->events++;
	mutex_unlock(&c->mutex);
	return IRQ_HANDLED;
}

static irqreturn_t fixed_irq_event(struct testbus_device *tdev)
{
	struct ctxdrv *c = dev_get_drvdata(&tdev->dev);

	spin_lock(&c->lock);
	c->events++;
	spin_unlock(&c->lock);
	return IRQ_HANDLED;
}

static struct testbus_driver wrong_irq = {
	.name = "wrong-mutex-in-irq",
	.id_table = ids,
	.probe = irq_probe,
	.event = wrong_irq_event,
};
module_testbus_driver(wrong_irq, "WRONG: mutex_lock() in its hard-IRQ handler");

static struct testbus_driver fixed_irq = {
	.name = "fixed-mutex-in-irq",
	.id_table = ids,
	.probe = irq_probe,
	.event = fixed_irq_event,
};
module_testbus_driver(fixed_irq, "fixed twin: a spinlock in the handler");
