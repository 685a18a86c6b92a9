// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tb-good: a model test-bus driver.  Everything it acquires is managed,
 * so its remove() has nothing to undo; an optional feature is set up in a
 * devres group so that its failure unwinds only that feature.  It runs
 * clean under every checker.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <pcilab/base.h>

#define TB_GOOD_RINGS	4

struct tb_good {
	struct testbus_device *tdev;
	spinlock_t lock;		/* protects events; taken in hard-IRQ */
	unsigned long events;
	void **rings;			/* the optional feature */
};

/* Runs at unbind, before the device is disabled (it was added after). */
static void tb_good_quiesce(void *data)
{
	struct tb_good *priv = data;

	dev_info(&priv->tdev->dev, "quiesced after %lu events", priv->events);
}

/* Optional: rings.  On failure, release only what this step acquired. */
static void tb_good_setup_rings(struct tb_good *priv)
{
	struct device *dev = &priv->tdev->dev;
	void *group = devres_open_group(dev, NULL, GFP_KERNEL);

	if (!group)
		return;
	priv->rings = devm_kcalloc(dev, TB_GOOD_RINGS, sizeof(void *),
				   GFP_KERNEL);
	for (int i = 0; priv->rings && i < TB_GOOD_RINGS; i++) {
		priv->rings[i] = devm_kzalloc(dev, 256, GFP_KERNEL);
		if (!priv->rings[i]) {
			dev_warn(dev, "no rings, running without them");
			devres_release_group(dev, group);
			priv->rings = NULL;
			return;
		}
	}
	devres_close_group(dev, group);
}

static int tb_good_probe(struct testbus_device *tdev,
			 const struct testbus_device_id *id)
{
	struct device *dev = &tdev->dev;
	struct tb_good *priv;
	int ret;

	priv = devm_kzalloc(dev, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->tdev = tdev;
	spin_lock_init(&priv->lock);

	ret = testbus_enable_device_managed(tdev);
	if (ret)
		return ret;
	tb_good_setup_rings(priv);
	ret = devm_add_action_or_reset(dev, tb_good_quiesce, priv);
	if (ret)
		return ret;
	dev_set_drvdata(dev, priv);
	dev_info(dev, "probed (%s rings)", priv->rings ? "with" : "without");
	return 0;
}

static irqreturn_t tb_good_event(struct testbus_device *tdev)
{
	struct tb_good *priv = dev_get_drvdata(&tdev->dev);

	spin_lock(&priv->lock);
	priv->events++;
	spin_unlock(&priv->lock);
	return IRQ_HANDLED;
}

static const struct testbus_device_id tb_good_ids[] = {
	{ 0x1b36, 0x0001 },
	{ 0, 0 }
};

static struct testbus_driver tb_good_driver = {
	.name = "tb-good",
	.id_table = tb_good_ids,
	.probe = tb_good_probe,
	.event = tb_good_event,
};
module_testbus_driver(tb_good_driver,
		      "model driver: all managed, a devres group, a hard-IRQ event handler");
