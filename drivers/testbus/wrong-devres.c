// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Deliberately wrong drivers for the "devres" checker, each with its
 * fixed twin, which must run clean.
 *
 * wrong-devres-in-remove: registers a managed action from remove().
 *   The action is released right after remove returns, i.e. before what
 *   probe acquired: the reverse of the order the driver meant.
 *
 * wrong-devres-in-release: the shape of seed 000 (pci_intx devres,
 *   2024).  A helper is "silently managed": when the device was enabled
 *   managed, it registers a devres to restore the old state.  The driver's
 *   own managed teardown calls that helper - so a devres is registered
 *   while the device's resources are being released.  In Linux that devres
 *   leaked, and a later driver inherited the "managed" flag.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <pcilab/base.h>

static const struct testbus_device_id ids[] = {
	{ 0x1b36, 0x0001 },
	{ 0, 0 }
};

struct twin {
	struct testbus_device *tdev;
	bool masked;		/* a register bit the helper toggles */
	bool saved_masked;
};

static void quiesce(void *data)
{
	struct twin *t = data;

	dev_info(&t->tdev->dev, "quiesced");
}

/* ---- devres from remove() ---- */

static int in_remove_probe(struct testbus_device *tdev,
			   const struct testbus_device_id *id)
{
	struct twin *t = devm_kzalloc(&tdev->dev, sizeof(*t), GFP_KERNEL);

	if (!t)
		return -ENOMEM;
	t->tdev = tdev;
	dev_set_drvdata(&tdev->dev, t);
	return testbus_enable_device_managed(tdev);
}

static void wrong_in_remove_remove(struct testbus_device *tdev)
{
	struct twin *t = dev_get_drvdata(&tdev->dev);

	/* BUG: too late to register teardown work. */
	if (devm_add_action(&tdev->dev, quiesce, t))
		quiesce(t);
}

static struct testbus_driver wrong_in_remove = {
	.name = "wrong-devres-in-remove",
	.id_table = ids,
	.probe = in_remove_probe,
	.remove = wrong_in_remove_remove,
};
module_testbus_driver(wrong_in_remove,
		      "WRONG: registers a devres action from remove()");

static int fixed_in_remove_probe(struct testbus_device *tdev,
				 const struct testbus_device_id *id)
{
	int ret = in_remove_probe(tdev, id);

	if (ret)
		return ret;
	/* Registered in probe: released at unbind, before the disable. */
	return devm_add_action_or_reset(&tdev->dev, quiesce,
					dev_get_drvdata(&tdev->dev));
}

static struct testbus_driver fixed_in_remove = {
	.name = "fixed-devres-in-remove",
	.id_table = ids,
	.probe = fixed_in_remove_probe,
};
module_testbus_driver(fixed_in_remove,
		      "fixed twin: registers the action in probe()");

/* ---- devres from a release function (seed 000) ---- */

static void restore_mask(struct device *dev, void *res)
{
	struct twin *t = *(struct twin **)res;

	t->masked = t->saved_masked;
}

/* The hybrid helper: plain when unmanaged, managed when the device is. */
static void hybrid_mask(struct twin *t, bool mask)
{
	if (t->tdev->managed) {
		struct twin **res = devres_alloc(restore_mask, sizeof(*res),
						 GFP_KERNEL);

		if (res) {
			*res = t;
			t->saved_masked = t->masked;
			devres_add(&t->tdev->dev, res);
		}
	}
	t->masked = mask;
}

/* The pure helper: a register update, nothing else. */
static void pure_mask(struct twin *t, bool mask)
{
	t->masked = mask;
}

static void wrong_teardown(void *data)
{
	hybrid_mask(data, false);	/* BUG: runs during devres release */
}

static void fixed_teardown(void *data)
{
	pure_mask(data, false);
}

static int in_release_probe(struct testbus_device *tdev,
			    void (*teardown)(void *), bool managed_helper)
{
	struct twin *t;
	int ret;

	ret = testbus_enable_device_managed(tdev);
	if (ret)
		return ret;
	t = devm_kzalloc(&tdev->dev, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->tdev = tdev;
	if (managed_helper)
		hybrid_mask(t, true);	/* managed here: fine, in probe */
	else
		pure_mask(t, true);
	return devm_add_action_or_reset(&tdev->dev, teardown, t);
}

static int wrong_in_release_probe(struct testbus_device *tdev,
				  const struct testbus_device_id *id)
{
	return in_release_probe(tdev, wrong_teardown, true);
}

static int fixed_in_release_probe(struct testbus_device *tdev,
				  const struct testbus_device_id *id)
{
	return in_release_probe(tdev, fixed_teardown, false);
}

static struct testbus_driver wrong_in_release = {
	.name = "wrong-devres-in-release",
	.id_table = ids,
	.probe = wrong_in_release_probe,
};
module_testbus_driver(wrong_in_release,
		      "WRONG (seed 000): a managed teardown calls a silently-managed helper");

static struct testbus_driver fixed_in_release = {
	.name = "fixed-devres-in-release",
	.id_table = ids,
	.probe = fixed_in_release_probe,
};
module_testbus_driver(fixed_in_release,
		      "fixed twin: the helper is pure; nothing is added during release");
