/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pcilab/cdev.h - character devices whose file operations are revoked
 * with a strong fence when their device goes away, and the "userspace"
 * system calls that use them.
 *
 * A driver embeds a struct device (the class device, whose release frees
 * the driver's structure) and a struct cdev, and calls
 * cdev_device_add().  Userspace tasks open the node by name and call
 * read/write/ioctl/poll/close.  When the hardware goes (remove()),
 * the driver calls cdev_device_del() - or lets devm do it - and:
 *
 *   - no new file operation starts: open fails with -ENODEV, read,
 *     write and ioctl return -ENODEV, poll reports EPOLLHUP | EPOLLERR;
 *   - every task inside a file operation is kicked: its interruptible
 *     sleeps (wait_event_interruptible, wait_for_completion_interruptible)
 *     return at once, and the call returns -ENODEV to userspace;
 *   - cdev_device_del() returns only when no file operation of the
 *     device is running, and ->release has been called for every file
 *     still open: after it, the driver's code is never entered again
 *     through this device (the strong fence).
 *
 * What outlives the binding is only memory: open files hold a reference
 * on the class device, so the driver's structure is freed by its
 * release() when the last file is closed.  The hardware side (iomaps,
 * IRQs) goes with the binding.  No driver needs an "alive" flag.
 *
 * For contrast, cdev_add()/cdev_del() behave as Linux's plain cdev does:
 * cdev_del() stops new opens only, file operations of files already
 * open keep running into the driver after it returns.  pcilab reports
 * every such call (checker use-after-revoke).
 *
 * Copyright (C) 2026 The pcilab authors
 */
#ifndef PCILAB_CDEV_H
#define PCILAB_CDEV_H

#include <sys/types.h>
#include <pcilab/base.h>

typedef unsigned int __poll_t;
#define EPOLLIN		0x0001
#define EPOLLPRI	0x0002
#define EPOLLOUT	0x0004
#define EPOLLERR	0x0008
#define EPOLLHUP	0x0010
#define EPOLLRDNORM	0x0040
#define EPOLLWRNORM	0x0100

struct cdev;
struct file;
struct poll_table_struct;
typedef struct poll_table_struct poll_table;

struct inode {
	struct cdev *i_cdev;					/* [ro] */
};

/* File operations; every hook optional.  Context: process, may sleep. */
struct file_operations {
	int (*open)(struct inode *inode, struct file *file);
	/* Called once per open file: at close, or by cdev_device_del()
	 * for files still open then. */
	int (*release)(struct inode *inode, struct file *file);
	ssize_t (*read)(struct file *file, char *buf, size_t len, loff_t *pos);
	ssize_t (*write)(struct file *file, const char *buf, size_t len,
			 loff_t *pos);
	long (*unlocked_ioctl)(struct file *file, unsigned int cmd,
			       unsigned long arg);
	/* Report ready events; register wait queues with poll_wait(). */
	__poll_t (*poll)(struct file *file, poll_table *pt);
};

struct file {
	void *private_data;					/* [driver] */
	loff_t f_pos;						/* [driver] */
	unsigned int f_flags;					/* [ro] */
	struct inode *f_inode;					/* [ro] */
	/* [private] */
	struct inode inode;
	struct cdev *cdev;
	struct device *dev;		/* reference: the class device */
	bool released;			/* ->release ran or runs; under cdev->lock */
	bool releasing;			/* the fence is running ->release now;
					 * close waits on cdev->drained */
	struct list_head node;		/* on cdev->files, under cdev->lock */
};
#define O_NONBLOCK_PCL	0x800

struct cdev {
	const struct file_operations *ops;			/* [owner] */
	/* [private] */
	struct device *dev;		/* the class device; a reference
					 * while registered */
	char name[64];			/* the node: dev_name(dev) */
	bool fenced;			/* cdev_device_add (true) or cdev_add */
	/* lock protects dead, files and active; a leaf below the registry
	 * lock; not taken in IRQ context. */
	pthread_mutex_t lock;
	bool dead;			/* deleted: no op may start */
	struct list_head files;		/* open files */
	struct list_head active;	/* struct pcl_fop_call: ops running */
	wait_queue_head_t drained;	/* woken when active empties */
	struct list_head node;		/* in the registry */
	unsigned int legacy_calls;	/* ops run after cdev_del (reported) */
};

/** cdev_init() - prepare @cdev with @fops.  Context: any. */
void cdev_init(struct cdev *cdev, const struct file_operations *fops);
/**
 * cdev_device_add() - publish @cdev as the node dev_name(@dev), fenced.
 * @dev must be initialised (device_initialize()) and named.
 * Context: process.  Return: 0, -EEXIST (the name is taken) or -EINVAL.
 */
int cdev_device_add(struct cdev *cdev, struct device *dev);
/**
 * cdev_device_del() - unpublish, kick, fence (see above).  Returns when
 * no file operation runs and every open file was released.  Context:
 * process; must not be called from one of @cdev's own file operations.
 */
void cdev_device_del(struct cdev *cdev, struct device *dev);
/** devm_cdev_device_add() - cdev_device_add() with cdev_device_del() at
 * @parent's unbind.  Return: 0 or -errno (nothing published). */
int devm_cdev_device_add(struct device *parent, struct cdev *cdev,
			 struct device *dev);
/**
 * cdev_add()/cdev_del() - Linux's plain, unfenced character device (for
 * comparison and for wrong-driver twins): cdev_del() only stops opens.
 */
int cdev_add(struct cdev *cdev, struct device *dev);
void cdev_del(struct cdev *cdev);

/** poll_wait() - in ->poll: the caller will sleep on @wq. */
void poll_wait(struct file *file, wait_queue_head_t *wq, poll_table *pt);

/** copy_to_user()/copy_from_user(): may fault, so they may sleep.
 * Return: bytes NOT copied (always 0 here). */
#define copy_to_user(to, from, n)	__pcl_copy_user((to), (from), (n), __FILE__, __LINE__)
#define copy_from_user(to, from, n)	__pcl_copy_user((to), (from), (n), __FILE__, __LINE__)
unsigned long __pcl_copy_user(void *to, const void *from, unsigned long n,
			      const char *file, int line);

/* ------------------------------------------------------------------ */
/* Userspace: the system calls a scenario's tasks make                  */
/* ------------------------------------------------------------------ */

/**
 * pcl_sys_open() - open the node @name.  Return: 0 and *@out, -ENOENT
 * (no such node), -ENODEV (being deleted), or ->open's error.
 */
int pcl_sys_open(const char *name, unsigned int flags, struct file **out);
/** Return: bytes, or -errno (-ENODEV once revoked, -EINVAL no hook). */
ssize_t pcl_sys_read(struct file *f, void *buf, size_t len);
ssize_t pcl_sys_write(struct file *f, const void *buf, size_t len);
long pcl_sys_ioctl(struct file *f, unsigned int cmd, unsigned long arg);
/**
 * pcl_sys_poll() - wait up to @timeout_ms (-1: forever) for @events.
 * Return: the ready events (EPOLLHUP | EPOLLERR once revoked; 0 on
 * timeout), or -EINTR on a signal.  (Every call returns -EINTR where a
 * driver's wait was interrupted by a signal.)
 */
int pcl_sys_poll(struct file *f, __poll_t events, int timeout_ms);
/** pcl_sys_close() - release (unless the fence did) and free @f. */
int pcl_sys_close(struct file *f);

/** pcl_cdev_exists() - is a node @name published? */
bool pcl_cdev_exists(const char *name);

void pcl_char_scenario_init(void);

#endif /* PCILAB_CDEV_H */
