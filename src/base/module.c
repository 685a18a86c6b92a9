// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The driver catalogue: what "modprobe NAME" can load.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <string.h>
#include "internal.h"

/*
 * The catalogue is filled by constructors before main() and read after;
 * module_lock protects the loaded flags and the load order.  Module init
 * and exit run under it (they register drivers: bus and device locks nest
 * inside it).
 */
static struct pcl_module *catalogue;
static DEFINE_MUTEX(module_lock);
static struct pcl_module *load_order[256];	/* under module_lock */
static unsigned int nloaded;

void pcl_module_add(struct pcl_module *m)
{
	struct pcl_module **p = &catalogue;

	/* Keep the catalogue sorted by name, for listings. */
	while (*p && strcmp((*p)->name, m->name) < 0)
		p = &(*p)->next;
	m->next = *p;
	*p = m;
}

struct pcl_module *pcl_module_first(void)
{
	return catalogue;
}

struct pcl_module *pcl_module_find(const char *name)
{
	for (struct pcl_module *m = catalogue; m; m = m->next)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

int pcl_module_load(struct pcl_module *m)
{
	int ret;

	mutex_lock(&module_lock);
	if (m->loaded) {
		mutex_unlock(&module_lock);
		return -EEXIST;
	}
	if (nloaded == ARRAY_SIZE(load_order)) {
		mutex_unlock(&module_lock);
		return -ENOSPC;
	}
	pcl_trace(PCL_TR_CORE, "modprobe %s", m->name);
	ret = m->init ? m->init() : 0;
	if (!ret) {
		m->loaded = true;
		load_order[nloaded++] = m;
	}
	mutex_unlock(&module_lock);
	return ret;
}

static void unload_locked(struct pcl_module *m)
{
	unsigned int i;

	for (i = 0; i < nloaded && load_order[i] != m; i++)
		;
	if (i < nloaded) {
		memmove(&load_order[i], &load_order[i + 1],
			(nloaded - i - 1) * sizeof(load_order[0]));
		nloaded--;
	}
	pcl_trace(PCL_TR_CORE, "rmmod %s", m->name);
	if (m->exit)
		m->exit();
	m->loaded = false;
}

void pcl_module_unload(struct pcl_module *m)
{
	mutex_lock(&module_lock);
	if (m->loaded)
		unload_locked(m);
	mutex_unlock(&module_lock);
}

void pcl_module_unload_all(void)
{
	mutex_lock(&module_lock);
	while (nloaded)
		unload_locked(load_order[nloaded - 1]);
	mutex_unlock(&module_lock);
}
