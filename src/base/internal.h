/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to src/base.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#ifndef PCILAB_BASE_INTERNAL_H
#define PCILAB_BASE_INTERNAL_H

#include <pcilab/base.h>

/* dd.c */
int pcl__driver_probe_device(struct device_driver *drv, struct device *dev);
void pcl__driver_attach(struct device_driver *drv);
void pcl__bus_probe_device(struct device *dev);
void pcl__deferred_probe_del(struct device *dev);
void pcl__device_release_driver(struct device *dev);
bool pcl__driver_matches(struct device_driver *drv, struct device *dev);
bool pcl__driver_probes_done(struct device_driver *drv);

/* devres.c */
/* Release every devres of @dev, newest first.  Return: how many. */
int pcl__devres_release_all(struct device *dev);

/* core.c: the bus's name hash */
#define PCL_BUS_NAME_BUCKETS	4096
struct device *pcl__bus_lookup_locked(struct bus_type *bus, const char *name);
/* Add without the state checks: test hook for the "resources present
 * before probing" refusal, which the checks make unreachable otherwise. */
void pcl__devres_add_unchecked(struct device *dev, void *res);

/* core.c */
void pcl__set_state(struct device *dev, enum dev_state st);

#endif
