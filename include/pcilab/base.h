/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pcilab/base.h - the driver model: buses, devices, drivers, binding,
 * deferred probe, managed resources (devres), driver "modules", and the
 * test bus that exercises all of it without PCI.
 *
 * The device lifecycle and the devres rules are drawn in src/base/dd.c.
 *
 * Field tags in the structures below:
 *   [owner]    set by whoever creates the object, before registering it;
 *   [driver]   the bound driver's to use;
 *   [ro]       read-only outside the driver core;
 *   [private]  the driver core's; do not touch.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#ifndef PCILAB_BASE_H
#define PCILAB_BASE_H

#include <pcilab/check.h>
#include <pcilab/list.h>
#include <pcilab/sync.h>

struct device;
struct device_driver;
struct pcl_kmem_owner;

/* ------------------------------------------------------------------ */
/* Buses                                                                */
/* ------------------------------------------------------------------ */

/*
 * struct bus_type - a kind of bus.  Every hook is optional.
 *
 * Contract for @probe / @remove: the bus calls the driver's own hooks and
 * may do bus-level work around them.  @unbind_cleanup runs after the
 * driver's remove and after its devres was released (and after a failed
 * probe): it must put every per-binding flag back, so the next driver
 * finds the device as if it had never been bound.
 */
struct bus_type {
	const char *name;					/* [owner] */
	/* Return: 1 if @drv can drive @dev, 0 if not. */
	int (*match)(struct device *dev, const struct device_driver *drv);
	int (*probe)(struct device *dev);
	void (*remove)(struct device *dev);
	void (*unbind_cleanup)(struct device *dev);

	/* [private] */
	struct mutex lock;	/* protects the lists; device locks nest
				 * outside it, never inside */
	struct list_head devices;
	struct list_head drivers;
	struct list_head node;		/* on the list of buses */
	bool registered;
	/* devices by name (a fixed chained hash), under lock: adding and
	 * finding by name stay O(1) with 100 000 devices */
	struct list_head *by_name;
};

/** bus_register() - make a bus usable.  Context: process.  Return: 0. */
int bus_register(struct bus_type *bus);
/** bus_unregister() - the bus must have no devices and no drivers left. */
void bus_unregister(struct bus_type *bus);

/* ------------------------------------------------------------------ */
/* Drivers                                                              */
/* ------------------------------------------------------------------ */

struct device_driver {
	const char *name;					/* [owner] */
	struct bus_type *bus;					/* [owner] */
	/* Return: 0 when bound; -EPROBE_DEFER to be retried later; -ENODEV
	 * or -ENXIO to decline quietly; any other -errno is a failure. */
	int (*probe)(struct device *dev);			/* [owner] */
	/* Must undo what probe did that devres does not undo. */
	void (*remove)(struct device *dev);			/* [owner] */

	/* [private] */
	struct list_head bus_node;
	struct list_head devices;	/* bound devices; under bus->lock */
	bool registered;		/* under bus->lock */
	int probing;			/* probes in flight; under bus->lock */
	wait_queue_head_t probe_wq;	/* driver_unregister() waits here */
};

/**
 * driver_register() - add a driver to its bus and bind it to every
 * unbound matching device.  Context: process, no device lock held.
 * Return: 0, -EBUSY if a driver of that name is registered on the bus,
 * -EINVAL if it has no bus or the bus is not registered.
 */
int driver_register(struct device_driver *drv);
/** driver_unregister() - unbind from every device, then remove. */
void driver_unregister(struct device_driver *drv);
/** driver_find() - registered driver @name on @bus, or NULL. */
struct device_driver *driver_find(const char *name, struct bus_type *bus);

/* ------------------------------------------------------------------ */
/* Devices                                                              */
/* ------------------------------------------------------------------ */

/*
 * Device states (the diagram is in src/base/dd.c).
 */
enum dev_state {
	DEV_STATE_INITIALIZED,	/* device_initialize() done, not added */
	DEV_STATE_UNBOUND,	/* added, no driver */
	DEV_STATE_PROBING,	/* driver's probe running */
	DEV_STATE_BOUND,	/* driver bound */
	DEV_STATE_REMOVING,	/* driver's remove running */
	DEV_STATE_RELEASING,	/* the binding's devres being released */
	DEV_STATE_DELETED,	/* device_del() done; waiting for last put */
	DEV_STATE_NR
};

struct devres_node;

struct device {
	struct device *parent;					/* [owner] */
	struct bus_type *bus;					/* [owner] */
	/* Frees the structure embedding this device; called at the last
	 * put_device().  Required. */
	void (*release)(struct device *dev);			/* [owner] */

	struct device_driver *driver;				/* [ro] */
	void *driver_data;					/* [driver] */

	/* [private] */
	char name[64];
	struct kref kref;
	struct mutex mutex;		/* device_lock(): serialises probe,
					 * remove and state changes; taken
					 * before bus->lock, never inside */
	spinlock_t devres_lock;		/* protects devres_head; leaf */
	struct list_head devres_head;
	_Atomic enum dev_state state;
	char *driver_override;		/* under mutex */
	bool deferred;			/* on the deferred-probe list */
	struct list_head bus_node;	/* under bus->lock */
	struct list_head name_node;	/* in bus->by_name, under bus->lock */
	struct list_head driver_node;	/* under bus->lock */
	struct list_head deferred_node;	/* under the deferred-probe lock */
	struct pcl_kmem_owner *owner;	/* allocations of this binding */
	struct pcl_subject subject;	/* names for reports */
	void *msi_data;			/* the IRQ layer's per-device MSI
					 * domain and descriptors */
	struct list_head revocables;	/* devm revocable providers of this
					 * binding, under devres_lock */
	unsigned long devres_added;	/* statistics for this device */
	unsigned long devres_released;
};

/** dev_name() - the device's name.  Context: any. */
static inline const char *dev_name(const struct device *dev)
{
	return dev->name;
}
/** dev_set_name() - name the device before device_add(). */
int dev_set_name(struct device *dev, const char *fmt, ...) __printf(2, 3);

static inline void *dev_get_drvdata(const struct device *dev)
{
	return dev->driver_data;
}
static inline void dev_set_drvdata(struct device *dev, void *data)
{
	dev->driver_data = data;
}
static inline enum dev_state dev_state(struct device *dev)
{
	return atomic_load(&dev->state);
}
const char *dev_state_name(enum dev_state st);
/** pcl_dev_state_transitions() - how many @from -> @to transitions any
 * device made so far (lifecycle coverage).  Context: any. */
unsigned long pcl_dev_state_transitions(enum dev_state from, enum dev_state to);

/**
 * device_initialize() - prepare @dev (zeroed by its owner, with @bus,
 * @parent and @release set) for use; it holds one reference.
 * Context: process.
 */
void device_initialize(struct device *dev);
/**
 * device_add() - make @dev visible on its bus and try to bind a driver.
 * Context: process.  Return: 0, or -EINVAL (no name, no release, bus not
 * registered), -EEXIST (a device of that name is on the bus).  On failure
 * the caller still holds its reference and must put_device().
 */
int device_add(struct device *dev);
/** device_del() - unbind @dev and take it off its bus.  Context: process. */
void device_del(struct device *dev);
/** device_register() - device_initialize() + device_add(). */
int device_register(struct device *dev);
/** device_unregister() - device_del() + put_device(). */
void device_unregister(struct device *dev);
/** get_device() - take a reference.  Context: any.  Return: @dev. */
struct device *get_device(struct device *dev);
/**
 * put_device() - drop a reference; the last calls @dev->release after
 * releasing any devres still on the device.  Context: process.
 */
void put_device(struct device *dev);
/** bus_find_device_by_name() - with a reference, or NULL. */
struct device *bus_find_device_by_name(struct bus_type *bus, const char *name);
/**
 * pcl_find_device() - a device of any registered bus by name, with a
 * reference, or NULL.  "BB:DD.F" also finds PCI domain 0's "0000:BB:DD.F".
 */
struct device *pcl_find_device(const char *name);

#define device_lock(dev)	__mutex_lock(&(dev)->mutex, __FILE__, __LINE__)
#define device_unlock(dev)	mutex_unlock(&(dev)->mutex)
/** device_trylock() - 1 if taken, 0 if someone holds it. */
#define device_trylock(dev)	__mutex_trylock(&(dev)->mutex, __FILE__, __LINE__)
#define device_lock_assert(dev)	lockdep_assert_held(&(dev)->mutex)

/* ------------------------------------------------------------------ */
/* Binding                                                              */
/* ------------------------------------------------------------------ */

/**
 * device_attach() - bind the first matching driver (the sysfs
 * "drivers_probe" path).  Context: process, device lock not held.
 * Return: 1 bound, 0 no driver matched or all declined, -EPROBE_DEFER when
 * a driver deferred, other -errno on probe failure.
 */
int device_attach(struct device *dev);
/**
 * device_driver_attach() - bind @drv to @dev (the sysfs "bind" path); the
 * driver must match (or be named by driver_override).  Return: 0, -EBUSY
 * if bound already, -ENODEV if @drv does not match, or probe's error.
 */
int device_driver_attach(struct device_driver *drv, struct device *dev);
/**
 * device_release_driver() - unbind (the sysfs "unbind" path): the driver's
 * remove, then its devres in reverse order, then the bus's cleanup.
 * Context: process, device lock not held.  No-op on an unbound device.
 */
void device_release_driver(struct device *dev);
/**
 * device_set_driver_override() - only the driver named @name may bind
 * from now on (NULL or "" clears).  Does not unbind.  Return: 0, -ENOMEM.
 */
int device_set_driver_override(struct device *dev, const char *name);
/** device_is_bound() - is a driver bound (and not being removed)? */
bool device_is_bound(struct device *dev);
/**
 * pcl_driver_test_remove() - Linux's DEBUG_TEST_DRIVER_REMOVE: after each
 * successful probe, remove and probe again, with every unbind check
 * (leaks, devres, residue) run in between.  Context: any.
 */
void pcl_driver_test_remove(bool on);
/** driver_deferred_probe_pending() - is @dev waiting to be re-probed? */
bool driver_deferred_probe_pending(struct device *dev);
/** driver_deferred_probe_trigger() - retry every deferred device now. */
void driver_deferred_probe_trigger(void);

/*
 * Running driver code.  A bus that calls into a bound driver outside
 * probe/remove (an interrupt, a file operation) brackets the call with
 * these, so that allocations are charged to the binding and reports name
 * the device and driver.
 */
struct pcl_drv_call {
	struct pcl_kmem_owner *owner;
	const struct pcl_subject *subject;
};
void device_driver_enter(struct device *dev, struct pcl_drv_call *save);
void device_driver_leave(const struct pcl_drv_call *save);

/* Messages, as dev_info() and friends; they go to the trace. */
void dev_printk(const char *level, const struct device *dev,
		const char *fmt, ...) __printf(3, 4);
#define dev_err(dev, ...)	dev_printk("err", (dev), __VA_ARGS__)
#define dev_warn(dev, ...)	dev_printk("warn", (dev), __VA_ARGS__)
#define dev_info(dev, ...)	dev_printk("info", (dev), __VA_ARGS__)
#define dev_dbg(dev, ...)	dev_printk("dbg", (dev), __VA_ARGS__)
/** dev_err_probe() - log (quietly for -EPROBE_DEFER) and return @err. */
int dev_err_probe(const struct device *dev, int err, const char *fmt, ...)
	__printf(3, 4);

/* ------------------------------------------------------------------ */
/* Managed resources (devres)                                           */
/* ------------------------------------------------------------------ */

/*
 * A devres is a block of data with a release function, attached to a
 * device and released - last in, first out - when the driver unbinds or
 * its probe fails.
 *
 * Beyond Linux, pcilab enforces when one may be added (checker "devres"):
 *  - while the device's driver is probing or bound: fine;
 *  - from the driver's remove(): reported; the resource is kept and is
 *    released right after remove returns, before everything else;
 *  - while the binding's resources are being released (from a release
 *    function), or to a device with no driver: reported, and the request
 *    is not honoured - devres_add() releases the resource at once (its
 *    release function runs, then it is freed), and every API that can fail
 *    (devm_add_action(), devm_kmalloc(), devres_open_group(), ...) fails
 *    with -ENODEV / NULL instead, leaving nothing behind.  So no resource
 *    is ever leaked and the next driver never finds one.
 */
typedef void (*dr_release_t)(struct device *dev, void *res);
typedef int (*dr_match_t)(struct device *dev, void *res, void *match_data);

/**
 * devres_alloc() - allocate a devres of @size bytes (zeroed) that @release
 * will release.  Context: as @gfp allows.  Return: the data, or NULL.
 */
#define devres_alloc(release, size, gfp) \
	__devres_alloc((release), (size), (gfp), #release, __FILE__, __LINE__)
void *__devres_alloc(dr_release_t release, size_t size, gfp_t gfp,
		     const char *name, const char *file, int line);
/** devres_free() - free a devres that was never added (or was removed). */
void devres_free(void *res);
/** devres_add() - attach @res to @dev.  Context: any (takes a spinlock). */
#define devres_add(dev, res)	__devres_add((dev), (res), __FILE__, __LINE__)
void __devres_add(struct device *dev, void *res, const char *file, int line);
/** devres_find() - the newest devres of @release that @match accepts. */
void *devres_find(struct device *dev, dr_release_t release, dr_match_t match,
		  void *match_data);
/**
 * devres_get() - find a matching devres or add @new_res; frees @new_res if
 * one was found.  Return: the devres now on the device, or NULL if it could
 * not be added (see the rules above).
 */
void *devres_get(struct device *dev, void *new_res, dr_match_t match,
		 void *match_data);
/** devres_remove() - detach and return a devres without releasing it. */
void *devres_remove(struct device *dev, dr_release_t release,
		    dr_match_t match, void *match_data);
/** devres_destroy() - remove and free (not release).  Return: 0/-ENOENT. */
int devres_destroy(struct device *dev, dr_release_t release, dr_match_t match,
		   void *match_data);
/** devres_release() - remove, release and free.  Return: 0 or -ENOENT. */
int devres_release(struct device *dev, dr_release_t release, dr_match_t match,
		   void *match_data);

/*
 * Groups.  A group marks a point in the devres stack; releasing it
 * releases everything added after it was opened (until it was closed),
 * nested groups included.  @id NULL in open makes one up; in the other
 * calls it means the newest open group.
 */
void *devres_open_group(struct device *dev, void *id, gfp_t gfp);
void devres_close_group(struct device *dev, void *id);
/** devres_remove_group() - forget the group; keep its resources. */
void devres_remove_group(struct device *dev, void *id);
/** devres_release_group() - release the group's resources, newest first.
 * Return: the number of resources released, or -ENOENT. */
int devres_release_group(struct device *dev, void *id);

/** devm_add_action() - call @action(@data) at unbind.  Return: 0, -ENOMEM,
 * -ENODEV (refused: see the rules above; @action is not called). */
#define devm_add_action(dev, action, data) \
	__devm_add_action((dev), action, (data), #action, __FILE__, __LINE__)
int __devm_add_action(struct device *dev, void (*action)(void *), void *data,
		      const char *name, const char *file, int line);
/** devm_add_action_or_reset() - as devm_add_action(), but if it fails,
 * call @action(@data) at once. */
#define devm_add_action_or_reset(dev, action, data)			\
	({ int __r = devm_add_action(dev, action, data);			\
	   if (__r) (action)(data);					\
	   __r; })
/** devm_remove_action() - forget the action without calling it; warns if
 * there is none.  devm_remove_action_nowarn() returns -ENOENT instead. */
void devm_remove_action(struct device *dev, void (*action)(void *), void *data);
int devm_remove_action_nowarn(struct device *dev, void (*action)(void *),
			      void *data);
/** devm_release_action() - forget the action and call it now. */
void devm_release_action(struct device *dev, void (*action)(void *), void *data);

/** devm_kmalloc() - memory freed at unbind.  Return: NULL on failure. */
#define devm_kmalloc(dev, size, gfp) \
	__devm_kmalloc((dev), (size), (gfp), __FILE__, __LINE__)
#define devm_kzalloc(dev, size, gfp)	devm_kmalloc((dev), (size), (gfp) | __GFP_ZERO)
#define devm_kmalloc_array(dev, n, size, gfp)				\
	({ size_t __b; __builtin_mul_overflow((n), (size), &__b) ? NULL : \
	   devm_kmalloc((dev), __b, (gfp)); })
#define devm_kcalloc(dev, n, size, gfp) \
	devm_kmalloc_array((dev), (n), (size), (gfp) | __GFP_ZERO)
void *__devm_kmalloc(struct device *dev, size_t size, gfp_t gfp,
		     const char *file, int line);
char *devm_kstrdup(struct device *dev, const char *s, gfp_t gfp);
/** devm_kfree() - free devm memory early; warns if @p is not devm memory
 * of @dev. */
void devm_kfree(struct device *dev, const void *p);

/*
 * Deferred work, managed: cancelled (or the queue destroyed) at unbind,
 * before the resources probe acquired earlier go.  Return: 0 or -errno.
 */
int devm_work_autocancel(struct device *dev, struct work_struct *w,
			 work_func_t fn);
int devm_delayed_work_autocancel(struct device *dev, struct delayed_work *dw,
				 work_func_t fn);
/** devm_alloc_workqueue() - destroyed (drained) at unbind.  NULL on failure. */
struct workqueue_struct *devm_alloc_workqueue(struct device *dev,
					      const char *name,
					      unsigned int flags,
					      int max_active);

/* ------------------------------------------------------------------ */
/* Revocable resources                                                  */
/* ------------------------------------------------------------------ */

/*
 * A revocable resource: a pointer that consumers reach only inside a
 * short read-side section, and that its provider can withdraw, after
 * which no consumer holds it.  Consumers never need an "alive" flag:
 * revocable_try_access() returns NULL once the resource is revoked.
 *
 * The read side is an RCU read-side section (liburcu, inline): it must
 * not sleep, and the pointer must not be used after
 * revocable_withdraw_access().  Revoking waits for one grace period.
 *
 * A provider made with devm_revocable_provider_alloc() is revoked when
 * the driver unbinds, after remove() returns and before any devres is
 * released, together with every other devm provider of the device: K
 * resources cost ONE grace period, not K (Rust's Devres pays one
 * synchronize_rcu() per resource; Linux's VMD one synchronize_srcu() per
 * child IRQ).  The resources themselves (an iomap, a register block...)
 * are released afterwards by their own devres, newest first, with no
 * reader left.
 *
 * Lifetime: the provider is reference counted; each consumer handle
 * holds a reference, so a consumer that outlives the binding (an open
 * file, a timer) keeps a valid handle that just yields NULL.
 */
struct revocable_provider;
struct revocable;

/**
 * revocable_provider_alloc() - a provider for @res (not NULL).
 * Context: process.  Return: the provider (one reference, the caller's;
 * drop it with revocable_provider_revoke() then revocable_provider_put()),
 * or NULL if out of memory.
 */
struct revocable_provider *revocable_provider_alloc(void *res);
/**
 * devm_revocable_provider_alloc() - a provider revoked automatically at
 * unbind, in the device's shared grace period.  The device's devres holds
 * the reference.  Return: the provider or NULL.
 */
struct revocable_provider *devm_revocable_provider_alloc(struct device *dev,
							  void *res);
/**
 * revocable_provider_revoke() - withdraw the resource: from now on
 * try_access yields NULL; returns after every reader that saw it left.
 * Idempotent.  Context: process (waits a grace period), not in a
 * read-side section.
 */
void revocable_provider_revoke(struct revocable_provider *rp);
/**
 * revocable_provider_revoke_many() - revoke @n providers with one grace
 * period.  Context: process.
 */
void revocable_provider_revoke_many(struct revocable_provider **rps,
				    unsigned int n);
void revocable_provider_put(struct revocable_provider *rp);

/** revocable_alloc() - a consumer handle on @rp (takes a reference).
 * Return: the handle or NULL. */
struct revocable *revocable_alloc(struct revocable_provider *rp);
void revocable_free(struct revocable *rev);
/**
 * revocable_try_access() - enter the read-side section and return the
 * resource, or NULL if it was revoked.  Always pair with
 * revocable_withdraw_access(), whatever it returned.  Context: any;
 * the section is atomic (no sleeping until the withdraw).
 */
void *revocable_try_access(struct revocable *rev);
void revocable_withdraw_access(struct revocable *rev);
/** revocable_is_revoked() - a hint only: may change right after. */
bool revocable_is_revoked(struct revocable *rev);

/* Core: revoke every devm provider of @dev with one grace period
 * (unbind, after remove()).  Return: how many were revoked. */
unsigned int pcl__revoke_device(struct device *dev);

/** pcl_devres_count() - resources (not group markers) on @dev. */
unsigned int pcl_devres_count(struct device *dev);
/**
 * pcl_devres_dump() - call @fn once per devres of @dev, oldest first,
 * with its name ("devm_kzalloc", the release or action function's name),
 * its size and, for groups, a nesting marker ("{" / "}").
 */
void pcl_devres_dump(struct device *dev,
		     void (*fn)(const char *name, size_t size, void *arg),
		     void *arg);

/* ------------------------------------------------------------------ */
/* Driver modules                                                       */
/* ------------------------------------------------------------------ */

/*
 * A module is what "modprobe NAME" loads: usually one driver.  Driver
 * files declare theirs with a module_*_driver() macro, which puts it in
 * the catalogue before main() runs.
 */
struct pcl_module {
	const char *name;
	const char *summary;
	int (*init)(void);
	void (*exit)(void);
	/* [private] */
	struct pcl_module *next;
	bool loaded;
};

void pcl_module_add(struct pcl_module *m);
struct pcl_module *pcl_module_find(const char *name);
/** pcl_module_load() - run init.  Return: 0, -EEXIST if loaded, init's error. */
int pcl_module_load(struct pcl_module *m);
void pcl_module_unload(struct pcl_module *m);
/** pcl_module_unload_all() - unload every loaded module, newest first. */
void pcl_module_unload_all(void);
/** pcl_module_first() / ->next - the catalogue, for listing. */
struct pcl_module *pcl_module_first(void);

#define PCL_MODULE(id, modname, text, initfn, exitfn)			\
	static struct pcl_module id = {					\
		.summary = (text), .init = (initfn), .exit = (exitfn),	\
	};								\
	__attribute__((constructor)) static void id##_add(void)	\
	{								\
		id.name = (modname);					\
		pcl_module_add(&id);					\
	}

/* ------------------------------------------------------------------ */
/* The test bus                                                         */
/* ------------------------------------------------------------------ */

/*
 * testbus: a minimal bus for exercising the driver model.  A device has a
 * vendor/device id, one interrupt-like "event" line and one per-binding
 * flag (@managed, set by testbus_enable_device_managed(), the shape of
 * pcim_enable_device()), which the bus resets at unbind.
 */
#define TESTBUS_ANY_ID	0xffff

struct testbus_device_id {
	uint16_t vendor, device;
};

struct testbus_device {
	struct device dev;
	uint16_t vendor, device;				/* [ro] */
	bool enabled;						/* [ro] */
	bool managed;		/* [ro] per-binding, reset at unbind */
	unsigned long events;	/* [ro] events delivered */
};

enum irqreturn { IRQ_NONE = 0, IRQ_HANDLED = 1, IRQ_WAKE_THREAD = 2 };
typedef enum irqreturn irqreturn_t;

struct testbus_driver {
	const char *name;
	const struct testbus_device_id *id_table;	/* ends with {0, 0} */
	int (*probe)(struct testbus_device *tdev,
		     const struct testbus_device_id *id);
	void (*remove)(struct testbus_device *tdev);
	/* Runs in hard-IRQ context when the device raises its event. */
	irqreturn_t (*event)(struct testbus_device *tdev);
	struct device_driver driver;				/* [private] */
};

extern struct bus_type testbus_bus_type;

#define to_testbus_device(d)	container_of((d), struct testbus_device, dev)
#define to_testbus_driver(d)	container_of((d), struct testbus_driver, driver)

/** testbus_device_create() - register a device; Return: it or ERR_PTR. */
struct testbus_device *testbus_device_create(const char *name, uint16_t vendor,
					     uint16_t device);
/** testbus_device_destroy() - device_unregister() it. */
void testbus_device_destroy(struct testbus_device *tdev);
int testbus_driver_register(struct testbus_driver *drv);
void testbus_driver_unregister(struct testbus_driver *drv);
/**
 * testbus_raise_event() - the device signals its event: the bound
 * driver's @event handler runs in hard-IRQ context on this thread.
 * Return: the handler's irqreturn_t, or -ENODEV if no driver handles it.
 */
int testbus_raise_event(struct testbus_device *tdev);
/**
 * testbus_enable_device_managed() - enable the device for this binding,
 * managed: disabled again at unbind.  Sets @managed.  Return: 0 or -errno.
 */
int testbus_enable_device_managed(struct testbus_device *tdev);

/* module_testbus_driver() - declare the module that registers @drv. */
#define module_testbus_driver(drv, text)				\
	static int drv##_init(void) { return testbus_driver_register(&drv); } \
	static void drv##_exit(void) { testbus_driver_unregister(&drv); } \
	PCL_MODULE(drv##_module, (drv).name, text, drv##_init, drv##_exit)

/** pcl_base_init() - register the test bus; idempotent. */
int pcl_base_init(void);
/** pcl_base_scenario_init() - register the base layer's scenario verbs. */
void pcl_base_scenario_init(void);

#endif /* PCILAB_BASE_H */
