// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The base layer's scenario verbs: driver modules, test-bus devices,
 * bind / unbind / driver_override / attach, events, and expectations on
 * binding state and devres.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <string.h>
#include <pcilab/scenario.h>
#include "internal.h"

#define MAX_SCN_DEVICES	1024

/* Devices the scenario created, so teardown can delete what is left.
 * Scenarios run in one thread; no lock. */
static struct testbus_device *scn_devices[MAX_SCN_DEVICES];
static unsigned int nscn_devices;

static struct testbus_device *find_tdev(struct pcl_scn *s,
					const struct pcl_scn_arg *a)
{
	for (unsigned int i = 0; i < nscn_devices; i++)
		if (strcmp(dev_name(&scn_devices[i]->dev), a->word) == 0)
			return scn_devices[i];
	pcl_scn_input_error(s, a, "no device named '%s' (create it with 'device %s')",
			    a->word, a->word);
	return NULL;
}

/* Any bus's device, referenced: put_device() it. */
static struct device *find_dev(struct pcl_scn *s, const struct pcl_scn_arg *a)
{
	struct device *dev = pcl_find_device(a->word);

	if (!dev)
		pcl_scn_input_error(s, a, "no device named '%s'", a->word);
	return dev;
}

static struct pcl_module *find_module(struct pcl_scn *s,
				      const struct pcl_scn_arg *a)
{
	struct pcl_module *m = pcl_module_find(a->word);

	if (!m)
		pcl_scn_input_error(s, a,
				    "no driver module named '%s' (pcilab drivers lists them)",
				    a->word);
	return m;
}

/* The named driver, which must exist in the catalogue; NULL + *err
 * = -ENODEV if it is known but not loaded. */
static struct device_driver *find_driver(struct pcl_scn *s,
					 const struct pcl_scn_arg *a,
					 struct bus_type *bus, int *err)
{
	struct device_driver *drv;

	*err = 0;
	drv = driver_find(a->word, bus);
	if (drv)
		return drv;
	if (find_module(s, a))
		*err = -ENODEV;
	else
		*err = -EINVAL;
	return NULL;
}

static int parse_yesno(struct pcl_scn *s, const struct pcl_scn_arg *a, bool *out)
{
	if (!strcmp(a->word, "yes") || !strcmp(a->word, "1")) {
		*out = true;
		return 0;
	}
	if (!strcmp(a->word, "no") || !strcmp(a->word, "0")) {
		*out = false;
		return 0;
	}
	return pcl_scn_input_error(s, a, "expected yes or no, got '%s'", a->word);
}

static void base_teardown(struct pcl_scn *s)
{
	pcl_module_unload_all();
	while (nscn_devices)
		testbus_device_destroy(scn_devices[--nscn_devices]);
}

/* modprobe NAME */
static int verb_modprobe(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct pcl_module *m = find_module(s, &argv[0]);

	return m ? pcl_module_load(m) : -EINVAL;
}

/* rmmod NAME */
static int verb_rmmod(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct pcl_module *m = find_module(s, &argv[0]);

	if (!m)
		return -EINVAL;
	if (!m->loaded)
		return -ENOENT;
	pcl_module_unload(m);
	return 0;
}

/* device NAME [vendor=ID] [device=ID] */
static int verb_device(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	unsigned long vendor = 0x1b36, device = 0x0001;	/* a test id */
	struct testbus_device *tdev;

	if (!argv[0].word[0] || strlen(argv[0].word) >= 64 || argv[0].key)
		return pcl_scn_input_error(s, &argv[0],
					   "a device name is 1 to 63 characters, without '='");
	for (int i = 1; i < argc; i++) {
		unsigned long *dst;

		if (!argv[i].key)
			return pcl_scn_input_error(s, &argv[i],
				"expected vendor=ID or device=ID, got '%s'",
				argv[i].word);
		if (!strcmp(argv[i].key, "vendor"))
			dst = &vendor;
		else if (!strcmp(argv[i].key, "device"))
			dst = &device;
		else
			return pcl_scn_input_error(s, &argv[i],
				"unknown option '%s' (vendor=, device=)",
				argv[i].key);
		if (pcl_scn_arg_uint(s, &argv[i], 0xffff, dst))
			return -EINVAL;
	}
	if (nscn_devices == MAX_SCN_DEVICES)
		return -ENOSPC;
	tdev = testbus_device_create(argv[0].word, (uint16_t)vendor,
				     (uint16_t)device);
	if (IS_ERR(tdev))
		return (int)PTR_ERR(tdev);
	scn_devices[nscn_devices++] = tdev;
	return 0;
}

/* device-del NAME */
static int verb_device_del(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct testbus_device *tdev = find_tdev(s, &argv[0]);

	if (!tdev)
		return -EINVAL;
	for (unsigned int i = 0; i < nscn_devices; i++) {
		if (scn_devices[i] != tdev)
			continue;
		memmove(&scn_devices[i], &scn_devices[i + 1],
			(nscn_devices - i - 1) * sizeof(scn_devices[0]));
		nscn_devices--;
		break;
	}
	testbus_device_destroy(tdev);
	return 0;
}

/* bind DEVICE DRIVER */
static int verb_bind(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct device *dev = find_dev(s, &argv[0]);
	struct device_driver *drv;
	int err;

	if (!dev)
		return -EINVAL;
	drv = find_driver(s, &argv[1], dev->bus, &err);
	if (drv)
		err = device_driver_attach(drv, dev);
	put_device(dev);
	return err;
}

/* unbind DEVICE */
static int verb_unbind(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct device *dev = find_dev(s, &argv[0]);
	int ret = 0;

	if (!dev)
		return -EINVAL;
	if (device_is_bound(dev))
		device_release_driver(dev);
	else
		ret = -ENODEV;
	put_device(dev);
	return ret;
}

/* attach DEVICE */
static int verb_attach(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct device *dev = find_dev(s, &argv[0]);
	int ret;

	if (!dev)
		return -EINVAL;
	ret = device_attach(dev);
	put_device(dev);
	if (ret == 1)
		return 0;
	return ret ? ret : -ENODEV;
}

/* override DEVICE DRIVER|none */
static int verb_override(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct device *dev = find_dev(s, &argv[0]);
	int ret;

	if (!dev)
		return -EINVAL;
	ret = device_set_driver_override(dev,
		strcmp(argv[1].word, "none") ? argv[1].word : NULL);
	put_device(dev);
	return ret;
}

/* event DEVICE [count=N] */
static int verb_event(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct testbus_device *tdev = find_tdev(s, &argv[0]);
	const struct pcl_scn_arg *c = pcl_scn_kv(argc, argv, 1, "count");
	unsigned long count = 1;

	if (!tdev)
		return -EINVAL;
	if (argc > 1 && !c)
		return pcl_scn_input_error(s, &argv[1], "expected count=N");
	if (c && pcl_scn_arg_uint(s, c, 1000000, &count))
		return -EINVAL;
	for (unsigned long i = 0; i < count; i++) {
		int ret = testbus_raise_event(tdev);

		if (ret < 0)
			return ret;
		if (ret == IRQ_NONE)
			pcl_scn_note(s, "%s: event not handled", argv[0].word);
	}
	return 0;
}

/* expect-driver DEVICE DRIVER|none */
static int verb_expect_driver(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct device *dev = find_dev(s, &argv[0]);
	const char *have;

	if (!dev)
		return -EINVAL;
	have = device_is_bound(dev) ? dev->driver->name : "none";
	if (strcmp(have, argv[1].word))
		pcl_scn_fail(s, "%s: expected driver %s, bound to %s",
			     argv[0].word, argv[1].word, have);
	else
		pcl_scn_pass(s);
	put_device(dev);
	return 0;
}

/* expect-deferred DEVICE yes|no */
static int verb_expect_deferred(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct device *dev = find_dev(s, &argv[0]);
	bool want, have;

	if (!dev)
		return -EINVAL;
	if (parse_yesno(s, &argv[1], &want)) {
		put_device(dev);
		return -EINVAL;
	}
	have = driver_deferred_probe_pending(dev);
	if (have != want)
		pcl_scn_fail(s, "%s: expected %son the deferred probe list",
			     argv[0].word, want ? "" : "not ");
	else
		pcl_scn_pass(s);
	put_device(dev);
	return 0;
}

/* expect-devres DEVICE N */
static int verb_expect_devres(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct device *dev = find_dev(s, &argv[0]);
	unsigned long want;
	unsigned int have;

	if (!dev)
		return -EINVAL;
	if (pcl_scn_arg_uint(s, &argv[1], 1u << 30, &want)) {
		put_device(dev);
		return -EINVAL;
	}
	have = pcl_devres_count(dev);
	if (have != want)
		pcl_scn_fail(s, "%s: expected %lu devres, found %u",
			     argv[0].word, want, have);
	else
		pcl_scn_pass(s);
	put_device(dev);
	return 0;
}

/* expect-flag DEVICE enabled|managed yes|no */
static int verb_expect_flag(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct testbus_device *tdev = find_tdev(s, &argv[0]);
	bool want, have;

	if (!tdev || parse_yesno(s, &argv[2], &want))
		return -EINVAL;
	if (!strcmp(argv[1].word, "enabled"))
		have = tdev->enabled;
	else if (!strcmp(argv[1].word, "managed"))
		have = tdev->managed;
	else
		return pcl_scn_input_error(s, &argv[1],
					   "unknown flag '%s' (enabled, managed)",
					   argv[1].word);
	if (have != want)
		pcl_scn_fail(s, "%s: expected %s %s, is %s", argv[0].word,
			     argv[1].word, want ? "yes" : "no",
			     have ? "yes" : "no");
	else
		pcl_scn_pass(s);
	return 0;
}

struct dump_ctx {
	FILE *f;
	int depth;
	unsigned int n;
};

static void dump_one(const char *name, size_t size, void *arg)
{
	struct dump_ctx *d = arg;

	if (!strcmp(name, "}"))
		d->depth--;
	fprintf(d->f, "  %*s%s", d->depth * 2, "", name);
	if (strcmp(name, "{") && strcmp(name, "}")) {
		fprintf(d->f, " (%zu bytes)", size);
		d->n++;
	}
	fputc('\n', d->f);
	if (!strcmp(name, "{"))
		d->depth++;
}

/* devres DEVICE: print the devres stack, oldest first */
static int verb_devres(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct device *dev = find_dev(s, &argv[0]);
	struct dump_ctx d = { pcl_scn_out(s), 0, 0 };

	if (!dev)
		return -EINVAL;
	fprintf(d.f, "%s: devres, oldest first:\n", argv[0].word);
	pcl_devres_dump(dev, dump_one, &d);
	put_device(dev);
	fprintf(d.f, "  (%u resources)\n", d.n);
	return 0;
}

/* fail-nth N: the N-th allocation from now fails */
static int verb_fail_nth(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	unsigned long n;

	if (pcl_scn_arg_uint(s, &argv[0], 1u << 30, &n))
		return -EINVAL;
	pcl_kmem_fail_nth((unsigned int)n);
	return 0;
}

/* test-remove on|off: DEBUG_TEST_DRIVER_REMOVE, with every check */
static int verb_test_remove(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	if (strcmp(argv[0].word, "on") && strcmp(argv[0].word, "off"))
		return pcl_scn_input_error(s, &argv[0], "test-remove is on or off, not '%s'",
					   argv[0].word);
	pcl_driver_test_remove(!strcmp(argv[0].word, "on"));
	return 0;
}

static void test_remove_teardown(struct pcl_scn *s)
{
	pcl_driver_test_remove(false);
}

static const struct pcl_scn_verb base_verbs[] = {
	{ "test-remove", "on|off", "every successful probe is followed by remove() and a second probe, all unbind checks in between (DEBUG_TEST_DRIVER_REMOVE)", 1, 1, verb_test_remove },
	{ "modprobe", "DRIVER", "load a driver module from the catalogue", 1, 1, verb_modprobe },
	{ "rmmod", "DRIVER", "unload it (unbinds it from every device)", 1, 1, verb_rmmod },
	{ "device", "NAME [vendor=ID] [device=ID]", "add a test-bus device (binds a matching driver)", 1, 3, verb_device },
	{ "device-del", "NAME", "delete a test-bus device (unbinding it first)", 1, 1, verb_device_del },
	{ "bind", "DEVICE DRIVER", "bind DRIVER to DEVICE (sysfs bind)", 2, 2, verb_bind },
	{ "unbind", "DEVICE", "unbind DEVICE's driver (sysfs unbind)", 1, 1, verb_unbind },
	{ "attach", "DEVICE", "bind the first matching driver (drivers_probe)", 1, 1, verb_attach },
	{ "override", "DEVICE DRIVER|none", "set driver_override", 2, 2, verb_override },
	{ "event", "DEVICE [count=N]", "the device raises its event: handler in hard-IRQ context", 1, 2, verb_event },
	{ "expect-driver", "DEVICE DRIVER|none", "DEVICE is bound to DRIVER (or to none)", 2, 2, verb_expect_driver },
	{ "expect-deferred", "DEVICE yes|no", "DEVICE is (not) waiting for a deferred probe", 2, 2, verb_expect_deferred },
	{ "expect-devres", "DEVICE N", "DEVICE has exactly N devres", 2, 2, verb_expect_devres },
	{ "expect-flag", "DEVICE enabled|managed yes|no", "a test-bus device flag", 3, 3, verb_expect_flag },
	{ "devres", "DEVICE", "print DEVICE's devres stack", 1, 1, verb_devres },
	{ "fail-nth", "N", "make the N-th allocation from now fail (0 disarms)", 1, 1, verb_fail_nth },
};

void pcl_base_scenario_init(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	pcl_base_init();
	pcl_scn_register(base_verbs, ARRAY_SIZE(base_verbs));
	pcl_scn_add_teardown(test_remove_teardown);
	pcl_scn_add_teardown(base_teardown);
}
