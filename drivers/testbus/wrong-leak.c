// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A deliberately wrong driver for the "leak" checker, and its fixed twin.
 *
 * wrong-leak: kmalloc()s a table in probe and forgets it in remove.
 * fixed-leak: kfree()s it in remove.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <pcilab/base.h>

static const struct testbus_device_id ids[] = {
	{ 0x1b36, 0x0001 },
	{ 0, 0 }
};

struct leaky {
	unsigned int *table;
};

static int leak_probe(struct testbus_device *tdev,
		      const struct testbus_device_id *id)
{
	struct leaky *l = devm_kzalloc(&tdev->dev, sizeof(*l), GFP_KERNEL);

	if (!l)
		return -ENOMEM;
	l->table = kcalloc(16, sizeof(*l->table), GFP_KERNEL);
	if (!l->table)
		return -ENOMEM;
	dev_set_drvdata(&tdev->dev, l);
	return 0;
}

static void wrong_leak_remove(struct testbus_device *tdev)
{
	/* BUG: l->table is never freed. */
}

static void fixed_leak_remove(struct testbus_device *tdev)
{
	struct leaky *l = dev_get_drvdata(&tdev->dev);

	kfree(l->table);
}

static struct testbus_driver wrong_leak = {
	.name = "wrong-leak",
	.id_table = ids,
	.probe = leak_probe,
	.remove = wrong_leak_remove,
};
module_testbus_driver(wrong_leak, "WRONG: kcalloc() in probe, never freed");

static struct testbus_driver fixed_leak = {
	.name = "fixed-leak",
	.id_table = ids,
	.probe = leak_probe,
	.remove = fixed_leak_remove,
};
module_testbus_driver(fixed_leak, "fixed twin: kfree() in remove");
