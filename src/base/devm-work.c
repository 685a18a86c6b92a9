// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Managed deferred work: what a driver queues is fenced at unbind.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include "internal.h"

static void cancel_work_action(void *data)
{
	cancel_work_sync(data);
}

int devm_work_autocancel(struct device *dev, struct work_struct *w,
			 work_func_t fn)
{
	INIT_WORK(w, fn);
	return devm_add_action(dev, cancel_work_action, w);
}

static void cancel_delayed_action(void *data)
{
	cancel_delayed_work_sync(data);
}

int devm_delayed_work_autocancel(struct device *dev, struct delayed_work *dw,
				 work_func_t fn)
{
	INIT_DELAYED_WORK(dw, fn);
	return devm_add_action(dev, cancel_delayed_action, dw);
}

static void destroy_wq_action(void *data)
{
	destroy_workqueue(data);
}

struct workqueue_struct *devm_alloc_workqueue(struct device *dev,
					      const char *name,
					      unsigned int flags,
					      int max_active)
{
	struct workqueue_struct *wq = alloc_workqueue(name, flags, max_active);

	if (!wq)
		return NULL;
	if (devm_add_action_or_reset(dev, destroy_wq_action, wq))
		return NULL;
	return wq;
}
