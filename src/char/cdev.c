// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Character devices with a strong fence, and the system calls of the
 * "userspace" tasks that use them.
 *
 * A node's life:
 *
 *   cdev_init   cdev_device_add          cdev_device_del
 *   ---------> (unpublished) ---------> LIVE -------------> DEAD
 *                                        |  open, read, ...   |
 *                                        |  run the driver's  | no op starts;
 *                                        |  file operations   | ops running are
 *                                        |                    | kicked and drained;
 *                                        |                    | open files released
 *
 * Invariants
 *   1. A file operation of a fenced cdev runs only between fop_enter()
 *      and fop_leave(), with its call on cdev->active; fop_enter() fails
 *      once dead is set (both under cdev->lock).
 *   2. cdev_device_del() sets dead, kicks every task on active, then
 *      loops: wait for active to empty, take one unreleased file off
 *      cdev->files and call its ->release; it returns when files and
 *      active are both empty.  A close() racing with it takes the file
 *      off the list under the lock and registers its ->release call on
 *      active, so the fence waits for it too.
 *   3. ->release runs exactly once per opened file (f->released); a
 *      close() that finds the fence releasing its file (f->releasing)
 *      waits for it before freeing the file.
 *   4. An open file holds a reference on the class device: the memory
 *      of the driver's structure (which embeds the cdev) outlives every
 *      file, whatever order close and unbind come in.
 *
 * Lock order: registry_lock -> cdev->lock -> task sig_lock -> wait queue.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <string.h>
#include <pcilab/cdev.h>

/* registry_lock protects the list of published nodes.  Process context. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static LIST_HEAD(registry);

/* One file operation in progress (on cdev->active). */
struct fop_call {
	struct task_struct *task;
	const char *op;
	struct list_head node;
};

#define FENCE_WARN_MS	2000

void cdev_init(struct cdev *cdev, const struct file_operations *fops)
{
	memset(cdev, 0, sizeof(*cdev));
	cdev->ops = fops;
	pthread_mutex_init(&cdev->lock, NULL);
	INIT_LIST_HEAD(&cdev->files);
	INIT_LIST_HEAD(&cdev->active);
	INIT_LIST_HEAD(&cdev->node);
	init_waitqueue_head(&cdev->drained);
}

static struct cdev *registry_find(const char *name)
{
	struct cdev *c;

	list_for_each_entry(c, &registry, node)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static int publish(struct cdev *cdev, struct device *dev, bool fenced)
{
	might_sleep();
	if (PCL_WARN_ON(!dev || !dev->name[0] || !cdev->ops, NULL,
			"cdev add without a named device or file operations"))
		return -EINVAL;
	pthread_mutex_lock(&registry_lock);
	if (registry_find(dev_name(dev))) {
		pthread_mutex_unlock(&registry_lock);
		return -EEXIST;
	}
	snprintf(cdev->name, sizeof(cdev->name), "%s", dev_name(dev));
	cdev->dev = get_device(dev);
	cdev->fenced = fenced;
	cdev->dead = false;
	list_add_tail(&cdev->node, &registry);
	pthread_mutex_unlock(&registry_lock);
	pcl_trace(PCL_TR_CORE, "cdev %s: published%s", cdev->name,
		  fenced ? "" : " (unfenced cdev_add)");
	return 0;
}

int cdev_device_add(struct cdev *cdev, struct device *dev)
{
	return publish(cdev, dev, true);
}

int cdev_add(struct cdev *cdev, struct device *dev)
{
	return publish(cdev, dev, false);
}

/* Return: false if @cdev was not published.  The links are the
 * registry's: read and written under its lock only. */
static bool unpublish(struct cdev *cdev)
{
	bool was;

	pthread_mutex_lock(&registry_lock);
	was = !list_empty(&cdev->node);
	list_del_init(&cdev->node);
	pthread_mutex_unlock(&registry_lock);
	return was;
}

/* The subject of reports from a file operation: the bound device. */
static const struct pcl_subject *fop_subject(struct cdev *cdev)
{
	struct device *dev = cdev->dev;

	return dev->parent ? &dev->parent->subject : &dev->subject;
}

/*
 * Start file operation @op on @cdev.  Return: 0 (the call is on
 * cdev->active; call fop_leave()), or -ENODEV (fenced and deleted).
 */
static int fop_enter(struct cdev *cdev, struct fop_call *call, const char *op,
		     bool has_hook)
{
	bool late;

	call->task = pcl_current();
	call->op = op;
	pthread_mutex_lock(&cdev->lock);
	if (cdev->dead && cdev->fenced) {
		pthread_mutex_unlock(&cdev->lock);
		return -ENODEV;
	}
	/* Unfenced and deleted: the call runs into the driver (if it has
	 * the hook), as Linux's plain cdev lets it. */
	late = cdev->dead && !cdev->fenced && has_hook;
	if (late)
		cdev->legacy_calls++;
	list_add_tail(&call->node, &cdev->active);
	pthread_mutex_unlock(&cdev->lock);
	if (late)
		pcl_report(PCL_CHK_REVOKE, fop_subject(cdev), __FILE__, __LINE__,
			   "%s() on %s after cdev_del(): the driver's file operations still run after its device was removed (use cdev_device_del(), which fences them)",
			   op, cdev->name);
	return 0;
}

static void fop_leave(struct cdev *cdev, struct fop_call *call)
{
	pthread_mutex_lock(&cdev->lock);
	list_del_init(&call->node);
	if (cdev->dead && list_empty(&cdev->active))
		wake_up(&cdev->drained);
	pthread_mutex_unlock(&cdev->lock);
	pcl_task_clear_kick(call->task);
}

/*
 * An op interrupted by the fence returns -ENODEV to userspace; one
 * interrupted by a signal -EINTR (userspace never sees -ERESTARTSYS:
 * pcilab does not restart system calls).
 */
static long fop_result(struct cdev *cdev, long ret)
{
	bool dead;

	if (ret != -ERESTARTSYS && ret != -EINTR)
		return ret;
	pthread_mutex_lock(&cdev->lock);
	dead = cdev->dead && cdev->fenced;
	pthread_mutex_unlock(&cdev->lock);
	return dead ? -ENODEV : -EINTR;
}

static bool fence_drained(struct cdev *cdev)
{
	bool empty;

	pthread_mutex_lock(&cdev->lock);
	empty = list_empty(&cdev->active);
	pthread_mutex_unlock(&cdev->lock);
	return empty;
}

/* Wait until no op runs; say so once if one will not leave. */
static void fence_wait(struct cdev *cdev)
{
	bool warned = false;

	while (!wait_event_timeout(cdev->drained, fence_drained(cdev),
				   msecs_to_jiffies(FENCE_WARN_MS))) {
		struct fop_call *call;
		char who[96] = "?";

		if (warned)
			continue;
		warned = true;
		pthread_mutex_lock(&cdev->lock);
		if (!list_empty(&cdev->active)) {
			call = list_first_entry(&cdev->active, struct fop_call,
						node);
			snprintf(who, sizeof(who), "%s() of task %s", call->op,
				 call->task->comm);
		}
		pthread_mutex_unlock(&cdev->lock);
		pcl_report(PCL_CHK_API, fop_subject(cdev), __FILE__, __LINE__,
			   "cdev_device_del(%s): %s still running %d ms after the device was revoked: it sleeps uninterruptibly; use an interruptible wait",
			   cdev->name, who, FENCE_WARN_MS);
	}
}

static struct file *take_unreleased(struct cdev *cdev)
{
	struct file *f = NULL;

	pthread_mutex_lock(&cdev->lock);
	if (!list_empty(&cdev->files)) {
		f = list_first_entry(&cdev->files, struct file, node);
		list_del_init(&f->node);
		f->released = true;
		f->releasing = true;	/* close() waits until we are done */
	}
	pthread_mutex_unlock(&cdev->lock);
	return f;
}

static void call_release(struct cdev *cdev, struct file *f)
{
	const struct pcl_subject *save;

	if (!cdev->ops->release)
		return;
	save = pcl_subject_switch(fop_subject(cdev));
	cdev->ops->release(f->f_inode, f);
	pcl_subject_switch(save);
}

void cdev_device_del(struct cdev *cdev, struct device *dev)
{
	struct fop_call *call;
	struct file *f;
	unsigned int kicked = 0, released = 0;

	might_sleep();
	if (PCL_WARN_ON(!cdev->fenced || !unpublish(cdev), NULL,
			"cdev_device_del() of a node that is not published by cdev_device_add()"))
		return;
	pthread_mutex_lock(&cdev->lock);
	cdev->dead = true;
	list_for_each_entry(call, &cdev->active, node) {
		pcl_task_kick(call->task);
		kicked++;
	}
	pthread_mutex_unlock(&cdev->lock);
	for (;;) {
		fence_wait(cdev);
		f = take_unreleased(cdev);
		if (!f)
			break;
		call_release(cdev, f);
		pthread_mutex_lock(&cdev->lock);
		f->releasing = false;
		pthread_mutex_unlock(&cdev->lock);
		wake_up(&cdev->drained);
		released++;
	}
	fence_wait(cdev);
	pcl_trace(PCL_TR_CORE, "cdev %s: revoked (%u task(s) kicked, %u open file(s) released)",
		  cdev->name, kicked, released);
	put_device(cdev->dev);
}

void cdev_del(struct cdev *cdev)
{
	might_sleep();
	if (!unpublish(cdev))
		return;
	pthread_mutex_lock(&cdev->lock);
	cdev->dead = true;
	pthread_mutex_unlock(&cdev->lock);
	pcl_trace(PCL_TR_CORE, "cdev %s: removed (unfenced: open files keep calling the driver)",
		  cdev->name);
	put_device(cdev->dev);
}

static void devm_cdev_del(void *data)
{
	struct cdev *cdev = data;

	cdev_device_del(cdev, cdev->dev);
}

int devm_cdev_device_add(struct device *parent, struct cdev *cdev,
			 struct device *dev)
{
	int ret = cdev_device_add(cdev, dev);

	if (ret)
		return ret;
	return devm_add_action_or_reset(parent, devm_cdev_del, cdev);
}

bool pcl_cdev_exists(const char *name)
{
	bool found;

	pthread_mutex_lock(&registry_lock);
	found = registry_find(name) != NULL;
	pthread_mutex_unlock(&registry_lock);
	return found;
}

/* ---- poll tables ---- */

#define POLL_MAX_WQ	4

struct poll_table_struct {
	unsigned int n;
	wait_queue_head_t *wq[POLL_MAX_WQ];
	unsigned long seq[POLL_MAX_WQ];
};

void poll_wait(struct file *file, wait_queue_head_t *wq, poll_table *pt)
{
	if (!pt || !wq)
		return;
	for (unsigned int i = 0; i < pt->n; i++)
		if (pt->wq[i] == wq)
			return;
	if (PCL_WARN_ON(pt->n == POLL_MAX_WQ, NULL,
			"poll_wait(): more than %d wait queues for one file",
			POLL_MAX_WQ))
		return;
	pt->seq[pt->n] = pcl__wq_prepare(wq, __FILE__, __LINE__);
	pt->wq[pt->n++] = wq;
}

unsigned long __pcl_copy_user(void *to, const void *from, unsigned long n,
			      const char *file, int line)
{
	__might_sleep(file, line);	/* a user access may fault */
	memmove(to, from, n);
	return 0;
}

/* ---- system calls ---- */

int pcl_sys_open(const char *name, unsigned int flags, struct file **out)
{
	struct fop_call call;
	struct cdev *cdev;
	struct file *f;
	int ret = 0;

	might_sleep();
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	pthread_mutex_lock(&registry_lock);
	cdev = registry_find(name);
	if (cdev)
		f->dev = get_device(cdev->dev);	/* the memory stays */
	pthread_mutex_unlock(&registry_lock);
	if (!cdev) {
		kfree(f);
		return -ENOENT;
	}
	f->cdev = cdev;
	f->inode.i_cdev = cdev;
	f->f_inode = &f->inode;
	f->f_flags = flags;
	INIT_LIST_HEAD(&f->node);
	if (fop_enter(cdev, &call, "open", cdev->ops->open != NULL)) {
		ret = -ENODEV;
		goto err_put;
	}
	if (cdev->ops->open) {
		const struct pcl_subject *save = pcl_subject_switch(fop_subject(cdev));

		ret = cdev->ops->open(f->f_inode, f);
		pcl_subject_switch(save);
	}
	if (!ret) {
		pthread_mutex_lock(&cdev->lock);
		list_add_tail(&f->node, &cdev->files);
		pthread_mutex_unlock(&cdev->lock);
	}
	fop_leave(cdev, &call);
	ret = (int)fop_result(cdev, ret);
	if (ret)
		goto err_put;
	*out = f;
	return 0;

err_put:
	put_device(f->dev);
	kfree(f);
	return ret;
}

/* Run @fn for one read/write/ioctl under the fence. */
#define FOP_CALL(f, opname, hook, ...)					\
	({								\
		struct cdev *__c = (f)->cdev;				\
		struct fop_call __call;					\
		long __r;						\
		might_sleep();						\
		if (fop_enter(__c, &__call, opname,			\
			      __c->ops->hook != NULL)) {		\
			__r = -ENODEV;					\
		} else {						\
			const struct pcl_subject *__save =		\
				pcl_subject_switch(fop_subject(__c));	\
			__r = __c->ops->hook ? __c->ops->hook(__VA_ARGS__) \
					     : -EINVAL;			\
			pcl_subject_switch(__save);			\
			fop_leave(__c, &__call);			\
			__r = fop_result(__c, __r);			\
		}							\
		__r;							\
	})

ssize_t pcl_sys_read(struct file *f, void *buf, size_t len)
{
	return FOP_CALL(f, "read", read, f, buf, len, &f->f_pos);
}

ssize_t pcl_sys_write(struct file *f, const void *buf, size_t len)
{
	return FOP_CALL(f, "write", write, f, buf, len, &f->f_pos);
}

long pcl_sys_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	return FOP_CALL(f, "ioctl", unlocked_ioctl, f, cmd, arg);
}

#define POLL_DEAD	(EPOLLHUP | EPOLLERR)

static bool cdev_dead_fenced(struct cdev *cdev)
{
	bool dead;

	pthread_mutex_lock(&cdev->lock);
	dead = cdev->dead && cdev->fenced;
	pthread_mutex_unlock(&cdev->lock);
	return dead;
}

int pcl_sys_poll(struct file *f, __poll_t events, int timeout_ms)
{
	struct cdev *cdev = f->cdev;
	long left = timeout_ms < 0 ? MAX_SCHEDULE_TIMEOUT : timeout_ms;
	wait_queue_head_t idle;
	struct fop_call call;
	int ret;

	might_sleep();
	init_waitqueue_head(&idle);
	if (fop_enter(cdev, &call, "poll", cdev->ops->poll != NULL))
		return POLL_DEAD;
	for (;;) {
		struct poll_table_struct pt = { 0 };
		const struct pcl_subject *save;
		__poll_t mask;
		unsigned long seq;
		wait_queue_head_t *wq;

		save = pcl_subject_switch(fop_subject(cdev));
		mask = cdev->ops->poll ? cdev->ops->poll(f, &pt)
				       : (EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM);
		pcl_subject_switch(save);
		mask &= events | POLL_DEAD;
		if (mask || !left) {
			ret = (int)mask;
			break;
		}
		/* Sleep on the first queue the driver named (with several,
		 * re-poll every 10 ms), interruptibly: a signal or the
		 * fence's kick wakes us. */
		if (pt.n) {
			wq = pt.wq[0];
			seq = pt.seq[0];
		} else {
			wq = &idle;
			seq = pcl__wq_prepare(wq, __FILE__, __LINE__);
		}
		if (pt.n > 1 && left > 10) {
			long slice = 10;
			int e = pcl__wq_sleep(wq, seq, &slice, true);

			left = left == MAX_SCHEDULE_TIMEOUT ? left : left - 10;
			ret = e;
		} else {
			ret = pcl__wq_sleep(wq, seq, &left, true);
		}
		if (ret == -ERESTARTSYS) {
			ret = cdev_dead_fenced(cdev) ? POLL_DEAD : -EINTR;
			break;
		}
		if (ret == -ETIMEDOUT && pt.n <= 1)
			left = 0;	/* one last look */
	}
	fop_leave(cdev, &call);
	return ret;
}

static bool file_releasing(struct cdev *cdev, struct file *f)
{
	bool r;

	pthread_mutex_lock(&cdev->lock);
	r = f->releasing;
	pthread_mutex_unlock(&cdev->lock);
	return r;
}

int pcl_sys_close(struct file *f)
{
	struct cdev *cdev = f->cdev;
	struct fop_call call;
	bool mine, late = false;

	might_sleep();
	call.task = pcl_current();
	call.op = "release";
	pthread_mutex_lock(&cdev->lock);
	mine = !f->released;
	if (mine) {
		f->released = true;
		list_del_init(&f->node);
		/* Registered under the same lock: the fence waits for us. */
		list_add_tail(&call.node, &cdev->active);
		late = cdev->dead && !cdev->fenced && cdev->ops->release;
		if (late)
			cdev->legacy_calls++;
	}
	pthread_mutex_unlock(&cdev->lock);
	if (!mine) {
		/* The fence may be running ->release on @f right now: the
		 * file is ours to free only when it is done. */
		wait_event(cdev->drained, !file_releasing(cdev, f));
	}
	if (mine) {
		if (late) {
			pcl_report(PCL_CHK_REVOKE, fop_subject(cdev), __FILE__, __LINE__,
				   "release() on %s after cdev_del(): the driver's file operations still run after its device was removed (use cdev_device_del(), which fences them)",
				   cdev->name);
		}
		call_release(cdev, f);
		fop_leave(cdev, &call);
	}
	put_device(f->dev);
	kfree(f);
	return 0;
}
