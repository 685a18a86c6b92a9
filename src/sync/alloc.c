// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The gfp-aware allocator with per-owner leak tracking.
 *
 * Every block carries a header: size, call site, owner, and a link in the
 * list of live blocks.  An owner is what a block is charged to, normally a
 * driver binding; when the binding ends, whatever is still charged to it
 * is a leak and is reported where it was allocated (kmemleak's format).
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <pcilab/sync.h>

#define KMEM_MAGIC	0x6b6d656d6c697665ULL	/* "kmemlive" */
#define KMEM_FREED	0x6b6d656d66726565ULL	/* "kmemfree" */
#define LEAK_DETAIL_MAX	8	/* per owner; the rest are summarised */

struct pcl_kmem_owner {
	char device[64];
	char driver[64];
	int refs;		/* 1 while open + 1 per block; under kmem_lock */
	bool closed;
	struct list_head blocks;	/* kmem_hdr.onode; under kmem_lock */
};

struct kmem_hdr {
	size_t size;
	struct list_head node;
	struct pcl_kmem_owner *owner;	/* NULL: charged to nobody */
	struct list_head onode;		/* on owner->blocks, if charged */
	const char *file;
	const char *func;
	int line;
	bool reported;		/* already reported as a leak */
	/* Last, not first: free() reuses the first words of a chunk for its
	 * free-list links (glibc's tcache writes offsets 0 and 8), which
	 * would erase KMEM_FREED and hide a double free. */
	uint64_t magic;
} __attribute__((aligned(16)));

/*
 * kmem_lock protects the live list, every header's list/owner/reported
 * fields and every owner's refs.  A leaf (raw pthread mutex): allocation
 * is legal in any context with GFP_ATOMIC.
 */
static pthread_mutex_t kmem_lock = PTHREAD_MUTEX_INITIALIZER;
/* The list head lives in a header-shaped sentinel, so that the
 * list_for_each_entry() cursor computed from the head is a properly
 * aligned struct kmem_hdr (UBSan checks the alignment). */
static struct kmem_hdr kmem_sentinel = {
	.node = LIST_HEAD_INIT(kmem_sentinel.node),
};
#define kmem_live	(kmem_sentinel.node)
static unsigned long kmem_nlive;		/* under kmem_lock */
static atomic_uint kmem_fail_countdown;

static struct kmem_hdr *hdr_of(const void *p)
{
	return (struct kmem_hdr *)p - 1;
}

void pcl_kmem_fail_nth(unsigned int n)
{
	atomic_store(&kmem_fail_countdown, n);
}

static bool should_fail(void)
{
	unsigned int c = atomic_load(&kmem_fail_countdown);

	while (c) {
		if (atomic_compare_exchange_weak(&kmem_fail_countdown, &c,
						 c - 1))
			return c == 1;
	}
	return false;
}

static void owner_put_locked(struct pcl_kmem_owner *o)
{
	if (o && --o->refs == 0)
		free(o);
}

void *__kmalloc(size_t size, gfp_t gfp, const char *file, int line,
		const char *func)
{
	struct pcl_kmem_owner *owner = pcl_ctx()->kmem_owner;
	struct kmem_hdr *h;

	if (gfpflags_allow_blocking(gfp))
		__might_sleep(file, line);
	if (size > (size_t)1 << 40)
		return NULL;
	if (should_fail())
		return NULL;
	h = (gfp & __GFP_ZERO) ? calloc(1, sizeof(*h) + size)
			       : malloc(sizeof(*h) + size);
	if (!h)
		return NULL;
	h->magic = KMEM_MAGIC;
	h->size = size;
	h->file = file;
	h->line = line;
	h->func = func;
	h->reported = false;
	pthread_mutex_lock(&kmem_lock);
	h->owner = owner && !owner->closed ? owner : NULL;
	if (h->owner) {
		h->owner->refs++;
		list_add_tail(&h->onode, &h->owner->blocks);
	} else {
		INIT_LIST_HEAD(&h->onode);
	}
	list_add_tail(&h->node, &kmem_live);
	kmem_nlive++;
	pthread_mutex_unlock(&kmem_lock);
	return h + 1;
}

static bool valid_block(const void *p, const char *what)
{
	const struct kmem_hdr *h = hdr_of(p);

	if (likely(h->magic == KMEM_MAGIC))
		return true;
	pcl_report(PCL_CHK_API, NULL, __FILE__, __LINE__,
		   "%s(%p): %s", what, p,
		   h->magic == KMEM_FREED ? "double free"
					  : "not a kmalloc'd pointer");
	return false;
}

void kfree(const void *p)
{
	struct kmem_hdr *h;

	if (!p)
		return;
	if (!valid_block(p, "kfree"))
		return;
	h = hdr_of(p);
	pthread_mutex_lock(&kmem_lock);
	list_del_init(&h->node);
	list_del_init(&h->onode);
	kmem_nlive--;
	owner_put_locked(h->owner);
	pthread_mutex_unlock(&kmem_lock);
	/* volatile: a plain store just before free() is a dead store the
	 * compiler deletes, and a double free would pass valid_block() */
	*(volatile uint64_t *)&h->magic = KMEM_FREED;
	free(h);
}

void *__krealloc(void *p, size_t size, gfp_t gfp, const char *file, int line,
		 const char *func)
{
	void *n;

	if (!p)
		return __kmalloc(size, gfp, file, line, func);
	if (!valid_block(p, "krealloc"))
		return NULL;
	if (size <= hdr_of(p)->size)
		return p;
	n = __kmalloc(size, gfp & ~__GFP_ZERO, file, line, func);
	if (!n)
		return NULL;
	memcpy(n, p, hdr_of(p)->size);
	if (gfp & __GFP_ZERO)
		memset((char *)n + hdr_of(p)->size, 0, size - hdr_of(p)->size);
	kfree(p);
	return n;
}

char *__kstrdup(const char *s, gfp_t gfp, const char *file, int line,
		const char *func)
{
	size_t len;
	char *d;

	if (!s)
		return NULL;
	len = strlen(s) + 1;
	d = __kmalloc(len, gfp, file, line, func);
	if (d)
		memcpy(d, s, len);
	return d;
}

size_t ksize(const void *p)
{
	if (!p || !valid_block(p, "ksize"))
		return 0;
	return hdr_of(p)->size;
}

void kmemleak_not_leak(const void *p)
{
	struct kmem_hdr *h;

	if (!p || !valid_block(p, "kmemleak_not_leak"))
		return;
	h = hdr_of(p);
	pthread_mutex_lock(&kmem_lock);
	list_del_init(&h->onode);
	owner_put_locked(h->owner);
	h->owner = NULL;
	h->reported = true;
	pthread_mutex_unlock(&kmem_lock);
}

unsigned long pcl_kmem_live(void)
{
	unsigned long n;

	pthread_mutex_lock(&kmem_lock);
	n = kmem_nlive;
	pthread_mutex_unlock(&kmem_lock);
	return n;
}

/* ---- owners ---- */

struct pcl_kmem_owner *pcl_kmem_owner_new(const char *device,
					  const char *driver)
{
	struct pcl_kmem_owner *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	snprintf(o->device, sizeof(o->device), "%s", device ? device : "");
	snprintf(o->driver, sizeof(o->driver), "%s", driver ? driver : "");
	o->refs = 1;
	INIT_LIST_HEAD(&o->blocks);
	return o;
}

struct pcl_kmem_owner *pcl_kmem_owner_switch(struct pcl_kmem_owner *o)
{
	struct pcl_context *c = pcl_ctx();
	struct pcl_kmem_owner *old = c->kmem_owner;

	c->kmem_owner = o;
	return old;
}

/* A leak found; copied out of the live list so we report unlocked. */
struct leak {
	const void *ptr;
	size_t size;
	const char *file;
	const char *func;
	int line;
};

static void report_leaks(const struct leak *lk, unsigned long n,
			 unsigned long total, size_t bytes,
			 const struct pcl_subject *subj, const char *when)
{
	for (unsigned long i = 0; i < n; i++) {
		char detail[256];

		snprintf(detail, sizeof(detail),
			 "  backtrace: allocated at %s:%d (%s)",
			 lk[i].file, lk[i].line, lk[i].func);
		pcl_report_detail(PCL_CHK_LEAK, subj, lk[i].file, lk[i].line,
				  detail,
				  "unreferenced object %p (size %zu) %s",
				  lk[i].ptr, lk[i].size, when);
	}
	if (total > n)
		pcl_report(PCL_CHK_LEAK, subj, __FILE__, __LINE__,
			   "%lu more unreferenced objects (%zu bytes in all) %s",
			   total - n, bytes, when);
}

/* Note @h as leaked: detail (up to LEAK_DETAIL_MAX), count, uncharge. */
static void collect_one(struct kmem_hdr *h, struct leak *lk, size_t *bytes,
			unsigned long *ndetail, unsigned long *total)
{
	if (*ndetail < LEAK_DETAIL_MAX) {
		lk[*ndetail] = (struct leak){ h + 1, h->size, h->file,
					      h->func, h->line };
		(*ndetail)++;
	}
	(*total)++;
	*bytes += h->size;
	h->reported = true;
	list_del_init(&h->onode);
	owner_put_locked(h->owner);
	h->owner = NULL;
}

/*
 * Collect the unreported blocks charged to @o (to nobody if NULL), mark
 * them reported and uncharge them.  Under kmem_lock.  An owner's own list
 * makes closing a binding cost what the binding allocated, not what the
 * whole program holds.
 */
static unsigned long collect_leaks(struct pcl_kmem_owner *o,
				   struct leak *lk, size_t *bytes,
				   unsigned long *ndetail)
{
	unsigned long total = 0;

	*bytes = 0;
	*ndetail = 0;
	if (o) {
		struct list_head *pos, *next;

		for (pos = o->blocks.next; pos != &o->blocks; pos = next) {
			struct kmem_hdr *h = container_of(pos, struct kmem_hdr, onode);

			next = pos->next;
			if (!h->reported)
				collect_one(h, lk, bytes, ndetail, &total);
		}
		return total;
	}
	{
		struct kmem_hdr *h;

		list_for_each_entry(h, &kmem_live, node)
			if (!h->reported && !h->owner)
				collect_one(h, lk, bytes, ndetail, &total);
	}
	return total;
}

unsigned long pcl_kmem_owner_close(struct pcl_kmem_owner *o, const char *bus)
{
	struct leak lk[LEAK_DETAIL_MAX];
	struct pcl_subject subj = { o->device, bus, o->driver };
	unsigned long total, n;
	size_t bytes;

	pthread_mutex_lock(&kmem_lock);
	o->closed = true;
	total = collect_leaks(o, lk, &bytes, &n);
	pthread_mutex_unlock(&kmem_lock);

	report_leaks(lk, n, total, bytes, &subj,
		     "allocated by the driver and not freed by unbind");

	pthread_mutex_lock(&kmem_lock);
	owner_put_locked(o);
	pthread_mutex_unlock(&kmem_lock);
	return total;
}

/*
 * Under kmem_lock: the owner of the first live block not yet reported, as
 * a referenced owner (or NULL for blocks charged to nobody).  Return:
 * false if every live block has been reported.
 */
static bool next_unreported_owner(struct pcl_kmem_owner **o)
{
	struct kmem_hdr *h;

	list_for_each_entry(h, &kmem_live, node) {
		if (h->reported)
			continue;
		*o = h->owner;
		if (*o)
			(*o)->refs++;
		return true;
	}
	return false;
}

unsigned long pcl_kmem_check_all(void)
{
	unsigned long grand = 0;

	/* One group of reports per owner, each naming its device/driver. */
	for (;;) {
		struct leak lk[LEAK_DETAIL_MAX];
		struct pcl_kmem_owner *o;
		struct pcl_subject subj = { 0 };
		unsigned long total, n;
		size_t bytes;

		pthread_mutex_lock(&kmem_lock);
		if (!next_unreported_owner(&o)) {
			pthread_mutex_unlock(&kmem_lock);
			break;
		}
		total = collect_leaks(o, lk, &bytes, &n);
		pthread_mutex_unlock(&kmem_lock);
		if (o) {
			subj.device = o->device[0] ? o->device : NULL;
			subj.driver = o->driver[0] ? o->driver : NULL;
		}
		report_leaks(lk, n, total, bytes, o ? &subj : NULL,
			     "still allocated at teardown");
		grand += total;
		if (o) {
			pthread_mutex_lock(&kmem_lock);
			owner_put_locked(o);
			pthread_mutex_unlock(&kmem_lock);
		}
	}
	return grand;
}
