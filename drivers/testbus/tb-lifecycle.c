// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Drivers that exercise the driver core's own paths:
 *  - tb-probe-fail: acquires managed resources, then fails; the core
 *    must unwind them, newest first, and leave the device pristine;
 *  - tb-supplier / tb-consumer: the consumer defers its probe until a
 *    supplier is bound, and is probed again when one binds;
 *  - tb-plain: binds to anything, acquires nothing (for override tests).
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <pcilab/base.h>

static const struct testbus_device_id tb_test_ids[] = {
	{ 0x1b36, 0x0001 },
	{ 0, 0 }
};

static const struct testbus_device_id tb_supplier_ids[] = {
	{ 0x1b36, 0x0002 },
	{ 0, 0 }
};

/* ---- tb-probe-fail ---- */

static void tb_note(void *data)
{
	pcl_trace(PCL_TR_DRV, "tb-probe-fail: undo %s", (const char *)data);
}

static int tb_probe_fail_probe(struct testbus_device *tdev,
			       const struct testbus_device_id *id)
{
	struct device *dev = &tdev->dev;
	int ret;

	if (!devm_kzalloc(dev, 128, GFP_KERNEL))
		return -ENOMEM;
	ret = testbus_enable_device_managed(tdev);
	if (ret)
		return ret;
	ret = devm_add_action_or_reset(dev, tb_note, "step 3");
	if (ret)
		return ret;
	ret = devm_add_action_or_reset(dev, tb_note, "step 4");
	if (ret)
		return ret;
	return dev_err_probe(dev, -EIO, "hardware did not answer");
}

static struct testbus_driver tb_probe_fail_driver = {
	.name = "tb-probe-fail",
	.id_table = tb_test_ids,
	.probe = tb_probe_fail_probe,
};
module_testbus_driver(tb_probe_fail_driver,
		      "acquires four managed resources, then fails probe with -EIO");

/* ---- tb-supplier / tb-consumer ---- */

static atomic_t tb_suppliers = ATOMIC_INIT(0);

static void tb_supplier_gone(void *data)
{
	atomic_dec(&tb_suppliers);
}

static int tb_supplier_probe(struct testbus_device *tdev,
			     const struct testbus_device_id *id)
{
	atomic_inc(&tb_suppliers);
	return devm_add_action_or_reset(&tdev->dev, tb_supplier_gone, NULL);
}

static struct testbus_driver tb_supplier_driver = {
	.name = "tb-supplier",
	.id_table = tb_supplier_ids,
	.probe = tb_supplier_probe,
};
module_testbus_driver(tb_supplier_driver,
		      "a supplier that tb-consumer waits for (device id 0x0002)");

static int tb_consumer_probe(struct testbus_device *tdev,
			     const struct testbus_device_id *id)
{
	if (!atomic_read(&tb_suppliers))
		return dev_err_probe(&tdev->dev, -EPROBE_DEFER,
				     "supplier not ready");
	dev_info(&tdev->dev, "supplier found");
	return 0;
}

static struct testbus_driver tb_consumer_driver = {
	.name = "tb-consumer",
	.id_table = tb_test_ids,
	.probe = tb_consumer_probe,
};
module_testbus_driver(tb_consumer_driver,
		      "defers its probe (-EPROBE_DEFER) until a tb-supplier is bound");

/* ---- tb-plain ---- */

static int tb_plain_probe(struct testbus_device *tdev,
			  const struct testbus_device_id *id)
{
	return 0;
}

static const struct testbus_device_id tb_no_ids[] = {
	{ 0, 0 }
};

static struct testbus_driver tb_plain_driver = {
	.name = "tb-plain",
	.id_table = tb_no_ids,
	.probe = tb_plain_probe,
};
module_testbus_driver(tb_plain_driver,
		      "matches no id: binds only through driver_override");
