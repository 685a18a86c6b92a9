// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Managed device resources.
 *
 * A device's devres list is a stack: resources and group markers in the
 * order they were added.  Unbinding (or a failed probe) pops it, newest
 * first, calling each resource's release function with the list lock
 * dropped, so a release function may use the devres API on other
 * resources of the device.
 *
 * Lifecycle of one devres:
 *
 *   devres_alloc() --> ALLOCATED --devres_add()--> ON LIST --+--> RELEASED
 *        |                 |                        |        |  (release fn
 *        |          devres_free()            devres_remove() |   ran, freed)
 *        |                 v                        v        |
 *        |               FREED          ALLOCATED (caller's) |
 *        |                                                   |
 *        +--- devres_add() refused (no binding, or during ---+
 *             release): released at once, never on the list
 *
 * When devres may be added is decided in devres_admit(), under the list
 * lock, so the decision and the insertion are one step with respect to
 * the driver core's state changes.  See pcilab/base.h for the rules.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <string.h>
#include "internal.h"

enum devres_kind {
	DR_RES,
	DR_GROUP_OPEN,
	DR_GROUP_CLOSE,
};

struct devres_node {
	struct list_head entry;
	enum devres_kind kind;
	dr_release_t release;
	const char *name;	/* release function or API name */
	size_t size;
	const char *file;	/* where it was allocated */
	int line;
};

struct devres {
	struct devres_node node;
	/* The resource data, aligned for anything a driver keeps there. */
	unsigned char data[] __attribute__((aligned(16)));
};

struct devres_group {
	struct devres_node open;
	struct devres_node close;
	void *id;
	int color;		/* scratch for devres_release_group() */
	struct devres_group *next_free;
};

enum admit {
	ADMIT_OK,		/* bound or probing */
	ADMIT_KEEP_WARN,	/* from remove(): kept, reported */
	ADMIT_REFUSE,		/* no binding, or releasing: refused */
};

static struct devres *to_dr(void *res)
{
	return (struct devres *)((char *)res - offsetof(struct devres, data));
}

static struct devres_group *node_group(struct devres_node *n)
{
	if (n->kind == DR_GROUP_OPEN)
		return container_of(n, struct devres_group, open);
	if (n->kind == DR_GROUP_CLOSE)
		return container_of(n, struct devres_group, close);
	return NULL;
}

static void trace_node(const char *op, struct device *dev,
		       const struct devres_node *n)
{
	if (!pcl_trace_on(PCL_TR_DEVRES))
		return;
	if (n->kind == DR_RES)
		pcl_trace(PCL_TR_DEVRES, "%s %s %s (%zu bytes)", dev_name(dev),
			  op, n->name, n->size);
	else
		pcl_trace(PCL_TR_DEVRES, "%s %s %s", dev_name(dev), op,
			  n->kind == DR_GROUP_OPEN ? "group-open" : "group-close");
}

/* Under devres_lock: may @dev take a new devres now? */
static enum admit devres_admit(struct device *dev)
{
	switch (dev_state(dev)) {
	case DEV_STATE_PROBING:
	case DEV_STATE_BOUND:
		return ADMIT_OK;
	case DEV_STATE_REMOVING:
		return ADMIT_KEEP_WARN;
	default:
		return ADMIT_REFUSE;
	}
}

/* Outside devres_lock: report what devres_admit() decided. */
static void report_admit(struct device *dev, enum admit a, enum dev_state st,
			 const char *name, const char *file, int line)
{
	if (a == ADMIT_KEEP_WARN)
		pcl_report(PCL_CHK_DEVRES, &dev->subject, file, line,
			   "devres %s added from the driver's remove(): it will be released first, before what probe() acquired",
			   name);
	else if (st == DEV_STATE_RELEASING)
		pcl_report(PCL_CHK_DEVRES, &dev->subject, file, line,
			   "devres %s added while the device's resources are being released: refused, released at once",
			   name);
	else if (a == ADMIT_REFUSE)
		pcl_report(PCL_CHK_DEVRES, &dev->subject, file, line,
			   "devres %s added to a device with no driver bound (state %s): refused",
			   name, dev_state_name(st));
}

/*
 * Put @n on @dev's list if the rules allow.  Return: true if added (and
 * reported if it was from remove()), false if refused (and reported).
 */
static bool add_node(struct device *dev, struct devres_node *n,
		     const char *file, int line)
{
	enum dev_state st;
	enum admit a;

	spin_lock(&dev->devres_lock);
	st = dev_state(dev);
	a = devres_admit(dev);
	if (a != ADMIT_REFUSE) {
		list_add_tail(&n->entry, &dev->devres_head);
		dev->devres_added++;
	}
	spin_unlock(&dev->devres_lock);

	if (a != ADMIT_OK)
		report_admit(dev, a, st, n->kind == DR_RES ? n->name : "group",
			     file, line);
	if (a != ADMIT_REFUSE)
		trace_node("ADD", dev, n);
	return a != ADMIT_REFUSE;
}

void *__devres_alloc(dr_release_t release, size_t size, gfp_t gfp,
		     const char *name, const char *file, int line)
{
	struct devres *dr;

	if (size > ((size_t)1 << 32))
		return NULL;
	dr = __kmalloc(sizeof(*dr) + size, gfp | __GFP_ZERO, file, line,
		       name);
	if (!dr)
		return NULL;
	INIT_LIST_HEAD(&dr->node.entry);
	dr->node.kind = DR_RES;
	dr->node.release = release;
	dr->node.name = name;
	dr->node.size = size;
	dr->node.file = file;
	dr->node.line = line;
	return dr->data;
}

void devres_free(void *res)
{
	struct devres *dr;

	if (!res)
		return;
	dr = to_dr(res);
	if (PCL_WARN_ON(!list_empty(&dr->node.entry), NULL,
			"devres_free() of devres %s still on a device's list",
			dr->node.name))
		return;
	kfree(dr);
}

static void release_node(struct device *dev, struct devres *dr)
{
	trace_node("REL", dev, &dr->node);
	if (dr->node.release)
		dr->node.release(dev, dr->data);
	dev->devres_released++;
	kfree(dr);
}

void __devres_add(struct device *dev, void *res, const char *file, int line)
{
	struct devres *dr = to_dr(res);

	if (!add_node(dev, &dr->node, file, line))
		release_node(dev, dr);	/* refused: undo it now */
}

void pcl__devres_add_unchecked(struct device *dev, void *res)
{
	struct devres *dr = to_dr(res);

	spin_lock(&dev->devres_lock);
	list_add_tail(&dr->node.entry, &dev->devres_head);
	spin_unlock(&dev->devres_lock);
}

/* Under devres_lock: the newest matching resource, or NULL. */
static struct devres *find_dr(struct device *dev, dr_release_t release,
			      dr_match_t match, void *match_data)
{
	struct devres_node *n;

	list_for_each_entry_reverse(n, &dev->devres_head, entry) {
		struct devres *dr;

		if (n->kind != DR_RES || n->release != release)
			continue;
		dr = container_of(n, struct devres, node);
		if (match && !match(dev, dr->data, match_data))
			continue;
		return dr;
	}
	return NULL;
}

void *devres_find(struct device *dev, dr_release_t release, dr_match_t match,
		  void *match_data)
{
	struct devres *dr;

	spin_lock(&dev->devres_lock);
	dr = find_dr(dev, release, match, match_data);
	spin_unlock(&dev->devres_lock);
	return dr ? dr->data : NULL;
}

void *devres_get(struct device *dev, void *new_res, dr_match_t match,
		 void *match_data)
{
	struct devres *new_dr = to_dr(new_res), *dr;
	enum dev_state st;
	enum admit a;

	spin_lock(&dev->devres_lock);
	dr = find_dr(dev, new_dr->node.release, match, match_data);
	st = dev_state(dev);
	a = devres_admit(dev);
	if (!dr && a != ADMIT_REFUSE) {
		list_add_tail(&new_dr->node.entry, &dev->devres_head);
		dev->devres_added++;
		dr = new_dr;
		new_dr = NULL;
	}
	spin_unlock(&dev->devres_lock);

	if (!new_dr) {
		if (a != ADMIT_OK)
			report_admit(dev, a, st, dr->node.name,
				     dr->node.file, dr->node.line);
		trace_node("ADD", dev, &dr->node);
		return dr->data;
	}
	if (!dr)
		report_admit(dev, a, st, new_dr->node.name, new_dr->node.file,
			     new_dr->node.line);
	devres_free(new_res);
	return dr ? dr->data : NULL;
}

void *devres_remove(struct device *dev, dr_release_t release,
		    dr_match_t match, void *match_data)
{
	struct devres *dr;

	spin_lock(&dev->devres_lock);
	dr = find_dr(dev, release, match, match_data);
	if (dr)
		list_del_init(&dr->node.entry);
	spin_unlock(&dev->devres_lock);
	if (!dr)
		return NULL;
	trace_node("REM", dev, &dr->node);
	return dr->data;
}

int devres_destroy(struct device *dev, dr_release_t release, dr_match_t match,
		   void *match_data)
{
	void *res = devres_remove(dev, release, match, match_data);

	if (!res)
		return -ENOENT;
	devres_free(res);
	return 0;
}

int devres_release(struct device *dev, dr_release_t release, dr_match_t match,
		   void *match_data)
{
	void *res = devres_remove(dev, release, match, match_data);

	if (!res)
		return -ENOENT;
	release_node(dev, to_dr(res));
	return 0;
}

/* Pop and release one node, newest first.  Return: false when empty. */
static bool release_one(struct device *dev, int *count)
{
	struct devres_node *n;
	struct devres_group *g;

	spin_lock(&dev->devres_lock);
	if (list_empty(&dev->devres_head)) {
		spin_unlock(&dev->devres_lock);
		return false;
	}
	n = list_last_entry(&dev->devres_head, struct devres_node, entry);
	list_del_init(&n->entry);
	spin_unlock(&dev->devres_lock);

	g = node_group(n);
	if (!g) {
		release_node(dev, container_of(n, struct devres, node));
		(*count)++;
		return true;
	}
	trace_node("REL", dev, n);
	/* The open marker is always older than the close marker, so it is
	 * popped last; free the group then. */
	if (n->kind == DR_GROUP_OPEN)
		kfree(g);
	return true;
}

int pcl__devres_release_all(struct device *dev)
{
	int count = 0;

	while (release_one(dev, &count))
		;
	return count;
}

unsigned int pcl_devres_count(struct device *dev)
{
	struct devres_node *n;
	unsigned int count = 0;

	spin_lock(&dev->devres_lock);
	list_for_each_entry(n, &dev->devres_head, entry)
		if (n->kind == DR_RES)
			count++;
	spin_unlock(&dev->devres_lock);
	return count;
}

void pcl_devres_dump(struct device *dev,
		     void (*fn)(const char *name, size_t size, void *arg),
		     void *arg)
{
	struct devres_node *n;

	/* The callback runs under the devres spinlock: it must not sleep
	 * nor use the devres API. */
	spin_lock(&dev->devres_lock);
	list_for_each_entry(n, &dev->devres_head, entry) {
		if (n->kind == DR_RES)
			fn(n->name, n->size, arg);
		else
			fn(n->kind == DR_GROUP_OPEN ? "{" : "}", 0, arg);
	}
	spin_unlock(&dev->devres_lock);
}

/* ---- groups ---- */

/* Under devres_lock: the newest group with @id (NULL: newest still open). */
static struct devres_group *find_group(struct device *dev, void *id)
{
	struct devres_node *n;

	list_for_each_entry_reverse(n, &dev->devres_head, entry) {
		struct devres_group *g;

		if (n->kind != DR_GROUP_OPEN)
			continue;
		g = node_group(n);
		if (id ? g->id == id : list_empty(&g->close.entry))
			return g;
	}
	return NULL;
}

void *devres_open_group(struct device *dev, void *id, gfp_t gfp)
{
	struct devres_group *g = kzalloc(sizeof(*g), gfp);

	if (!g)
		return NULL;
	INIT_LIST_HEAD(&g->open.entry);
	INIT_LIST_HEAD(&g->close.entry);
	g->open.kind = DR_GROUP_OPEN;
	g->open.name = "group";
	g->close.kind = DR_GROUP_CLOSE;
	g->close.name = "group";
	g->id = id ? id : g;
	if (!add_node(dev, &g->open, __FILE__, __LINE__)) {
		kfree(g);
		return NULL;
	}
	return g->id;
}

void devres_close_group(struct device *dev, void *id)
{
	struct devres_group *g;

	spin_lock(&dev->devres_lock);
	g = find_group(dev, id);
	if (g && list_empty(&g->close.entry))
		list_add_tail(&g->close.entry, &dev->devres_head);
	spin_unlock(&dev->devres_lock);
	if (PCL_WARN_ON(!g, &dev->subject, "devres_close_group(): no such group"))
		return;
	trace_node("ADD", dev, &g->close);
}

void devres_remove_group(struct device *dev, void *id)
{
	struct devres_group *g;

	spin_lock(&dev->devres_lock);
	g = find_group(dev, id);
	if (g) {
		list_del_init(&g->open.entry);
		list_del_init(&g->close.entry);
	}
	spin_unlock(&dev->devres_lock);
	if (PCL_WARN_ON(!g, &dev->subject, "devres_remove_group(): no such group"))
		return;
	trace_node("REM", dev, &g->open);
	kfree(g);
}

/*
 * Under devres_lock: move the resources of group @g (from its open marker
 * to its close marker, or to the end if it is still open) to @todo, and
 * unlink the markers of every group wholly inside that span (@g included),
 * chaining those groups on *@freed.  A group only partly inside (opened
 * inside, closed after the span ends) keeps its markers.
 */
static int take_group_span(struct device *dev, struct devres_group *g,
			   struct list_head *todo, struct devres_group **freed)
{
	struct list_head *first = &g->open.entry;
	struct list_head *last = list_empty(&g->close.entry) ?
				 dev->devres_head.prev : &g->close.entry;
	struct list_head *cur, *next;
	int count = 0;

	/* Pass 1: clear the colour of every group marked in the span. */
	for (cur = first;; cur = cur->next) {
		struct devres_group *gg = node_group(list_entry(cur,
						struct devres_node, entry));
		if (gg)
			gg->color = 0;
		if (cur == last)
			break;
	}
	/* Pass 2: a group scores 2 when all its markers are in the span. */
	for (cur = first;; cur = cur->next) {
		struct devres_node *n = list_entry(cur, struct devres_node, entry);
		struct devres_group *gg = node_group(n);

		if (gg) {
			gg->color++;
			if (n->kind == DR_GROUP_OPEN &&
			    list_empty(&gg->close.entry))
				gg->color++;	/* never closed */
		}
		if (cur == last)
			break;
	}
	/* Pass 3: take resources and whole groups out. */
	for (cur = first;; cur = next) {
		struct devres_node *n = list_entry(cur, struct devres_node, entry);
		struct devres_group *gg = node_group(n);
		bool at_end = cur == last;

		next = cur->next;
		if (!gg) {
			list_move_tail(&n->entry, todo);
			count++;
		} else if (gg->color == 2) {
			list_del_init(&n->entry);
			if (n->kind == DR_GROUP_OPEN) {
				gg->next_free = *freed;
				*freed = gg;
			}
		}
		if (at_end)
			break;
	}
	return count;
}

int devres_release_group(struct device *dev, void *id)
{
	struct devres_group *g, *freed = NULL;
	LIST_HEAD(todo);
	int count;

	spin_lock(&dev->devres_lock);
	g = find_group(dev, id);
	if (!g) {
		spin_unlock(&dev->devres_lock);
		PCL_WARN_ON(true, &dev->subject,
			    "devres_release_group(): no such group");
		return -ENOENT;
	}
	count = take_group_span(dev, g, &todo, &freed);
	spin_unlock(&dev->devres_lock);

	pcl_trace(PCL_TR_DEVRES, "%s REL group (%d resources)", dev_name(dev),
		  count);
	while (!list_empty(&todo)) {
		struct devres_node *n = list_last_entry(&todo,
						struct devres_node, entry);

		list_del_init(&n->entry);
		release_node(dev, container_of(n, struct devres, node));
	}
	while (freed) {
		struct devres_group *next = freed->next_free;

		kfree(freed);
		freed = next;
	}
	return count;
}

/* ---- actions ---- */

struct action_dr {
	void (*action)(void *data);
	void *data;
};

static void action_release(struct device *dev, void *res)
{
	struct action_dr *a = res;

	a->action(a->data);
}

static int action_match(struct device *dev, void *res, void *match_data)
{
	struct action_dr *a = res, *want = match_data;

	return a->action == want->action && a->data == want->data;
}

int __devm_add_action(struct device *dev, void (*action)(void *), void *data,
		      const char *name, const char *file, int line)
{
	struct action_dr *a;
	struct devres *dr;

	a = __devres_alloc(action_release, sizeof(*a), GFP_KERNEL, name, file,
			   line);
	if (!a)
		return -ENOMEM;
	a->action = action;
	a->data = data;
	dr = to_dr(a);
	if (!add_node(dev, &dr->node, file, line)) {
		kfree(dr);		/* refused: the action is not run */
		return -ENODEV;
	}
	return 0;
}

int devm_remove_action_nowarn(struct device *dev, void (*action)(void *),
			      void *data)
{
	struct action_dr want = { action, data };

	return devres_destroy(dev, action_release, action_match, &want);
}

void devm_remove_action(struct device *dev, void (*action)(void *), void *data)
{
	PCL_WARN_ON(devm_remove_action_nowarn(dev, action, data), &dev->subject,
		    "devm_remove_action(): no such action");
}

void devm_release_action(struct device *dev, void (*action)(void *), void *data)
{
	struct action_dr want = { action, data };

	PCL_WARN_ON(devres_release(dev, action_release, action_match, &want),
		    &dev->subject, "devm_release_action(): no such action");
}

/* ---- memory ---- */

static void devm_kmalloc_release(struct device *dev, void *res)
{
	/* The memory is the devres itself: freeing the node frees it. */
}

static int devm_kmalloc_match(struct device *dev, void *res, void *p)
{
	return res == p;
}

void *__devm_kmalloc(struct device *dev, size_t size, gfp_t gfp,
		     const char *file, int line)
{
	void *p = __devres_alloc(devm_kmalloc_release, size, gfp,
				 "devm_kmalloc", file, line);
	struct devres *dr;

	if (!p)
		return NULL;
	dr = to_dr(p);
	if (!add_node(dev, &dr->node, file, line)) {
		kfree(dr);
		return NULL;
	}
	return p;
}

char *devm_kstrdup(struct device *dev, const char *s, gfp_t gfp)
{
	size_t len;
	char *d;

	if (!s)
		return NULL;
	len = strlen(s) + 1;
	d = devm_kmalloc(dev, len, gfp);
	if (d)
		memcpy(d, s, len);
	return d;
}

void devm_kfree(struct device *dev, const void *p)
{
	if (!p)
		return;
	PCL_WARN_ON(devres_destroy(dev, devm_kmalloc_release,
				   devm_kmalloc_match, (void *)p),
		    &dev->subject, "devm_kfree(%p): not devm memory of %s", p,
		    dev_name(dev));
}
