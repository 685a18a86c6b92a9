/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to src/sync.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#ifndef PCILAB_SYNC_INTERNAL_H
#define PCILAB_SYNC_INTERNAL_H

#include <pcilab/sync.h>

/* Record which queue @t sleeps on interruptibly (NULL: none). */
void pcl__task_set_waiting(struct task_struct *t, wait_queue_head_t *wq);

#endif
