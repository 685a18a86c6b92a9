// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The PCI layer's scenario verbs: describing the machine (host bridges,
 * functions from built-in models or real dumps, bridges), enumeration,
 * lspci, user config access, reset, power states, surprise removal, and
 * expectations on registers and core flags.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <pcilab/scenario.h>
#include "internal.h"

static struct pci_dev *find_pdev(struct pcl_scn *s, const struct pcl_scn_arg *a)
{
	struct pci_dev *pdev = pcl_pci_find_dev(a->word);

	if (!pdev)
		pcl_scn_input_error(s, a,
			"no PCI device '%s' (plug it and enumerate first; names are BB:DD.F or DDDD:BB:DD.F)",
			a->word);
	return pdev;
}

static int parse_devfn(struct pcl_scn *s, const struct pcl_scn_arg *a,
		       const char *str, unsigned int *devfn)
{
	unsigned int d, f;
	char tail;

	if (sscanf(str, "%x.%u%c", &d, &f, &tail) != 2 || d > 31 || f > 7)
		return pcl_scn_input_error(s, a,
			"'%s' is not a slot DD.F (device 00-1f, function 0-7)", str);
	*devfn = PCI_DEVFN(d, f);
	return 0;
}

/* host NAME [kind=ecam|conf1] [domain=N] */
static int verb_host(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	const struct pcl_scn_arg *k = pcl_scn_kv(argc, argv, 1, "kind");
	const struct pcl_scn_arg *d = pcl_scn_kv(argc, argv, 1, "domain");
	enum pcl_host_kind kind = PCL_HOST_ECAM;
	unsigned long domain = 0;
	struct pci_host_bridge *h;

	if (k && !strcmp(k->value, "conf1"))
		kind = PCL_HOST_CONF1;
	else if (k && strcmp(k->value, "ecam"))
		return pcl_scn_input_error(s, k, "kind is ecam or conf1, not '%s'",
					   k->value);
	if (d && pcl_scn_arg_uint(s, d, 0xffff, &domain))
		return -EINVAL;
	pcl_pci_init();
	h = pcl_pci_host_new(argv[0].word, kind, (int)domain);
	return IS_ERR(h) ? (int)PTR_ERR(h) : 0;
}

/*
 * barN=SIZE: bytes, with an optional K, M, G or T (powers of 1024, as
 * lspci prints sizes).  Return: 0, or an input error.
 */
static int parse_size(struct pcl_scn *s, const struct pcl_scn_arg *a,
		      uint64_t *size)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	const char *u;
	char *end;

	errno = 0;
	v = strtoull(a->value, &end, 0);
	if (end != a->value && *end && (u = strchr(units, *end)) && !end[1]) {
		unsigned int shift = 10 * (unsigned int)(u - units + 1);

		v = v > (~0ull >> shift) ? 0 : v << shift;
		end++;
	}
	if (a->value[0] == '-' || end == a->value || *end || errno || !v ||
	    (v & (v - 1)))
		return pcl_scn_input_error(s, a,
			"%s size '%s' is not a power of two in bytes (4096, 0x1000, 4K, 512K, 16M, 8G)",
			strcmp(a->key, "rom") ? "BAR" : "ROM", a->value);
	*size = v;
	return 0;
}

/* barN=SIZE arguments: every key bar0..bar5 among @argv from @from on. */
static int bar_sizes(struct pcl_scn *s, int argc,
		     const struct pcl_scn_arg *argv, uint64_t size[6])
{
	for (int i = 1; i < argc; i++) {
		const struct pcl_scn_arg *a = &argv[i];
		unsigned int n;

		if (!a->key || strncmp(a->key, "bar", 3))
			continue;
		if (strlen(a->key) != 4 || a->key[3] < '0' || a->key[3] > '5')
			return pcl_scn_input_error(s, a,
				"'%s' is not a BAR (bar0 .. bar5)", a->key);
		n = (unsigned int)(a->key[3] - '0');
		if (size[n])
			return pcl_scn_input_error(s, a, "BAR %u given twice", n);
		if (parse_size(s, a, &size[n]))
			return -EINVAL;
	}
	return 0;
}

/* dump=FILE or dump=<<END: the functions in it. */
static int load_dump(struct pcl_scn *s, const struct pcl_scn_arg *a,
		     struct pcl_dump_fn **fns, unsigned int *n,
		     const char **where)
{
	const char *text;
	size_t len;
	int line, ret;

	text = pcl_scn_heredoc(s, a, &len, &line);
	if (text) {
		*where = pcl_scn_file(s);
		ret = pcl_dump_parse(*where, (unsigned int)line, text, len,
				     fns, n, pcl_scn_err(s));
		if (ret)
			return pcl_scn_input_error(s, a,
				"the dump in the here-document is not usable (%s)",
				pcl_errname(ret));
		return 0;
	}
	*where = a->value;
	ret = pcl_dump_load(a->value, fns, n, pcl_scn_err(s));
	if (ret)
		return pcl_scn_input_error(s, a, "cannot use dump '%s' (%s)",
					   a->value, pcl_errname(ret));
	return 0;
}

static struct pcl_emu_fn *fn_from_dump(struct pcl_scn *s,
				       const struct pcl_scn_arg *a,
				       const struct pcl_scn_arg *from,
				       const uint64_t bar_size[6],
				       uint64_t rom_size)
{
	struct pcl_dump_fn *fns = NULL;
	struct pcl_emu_fn *fn = NULL;
	unsigned int n = 0, pick = 0;
	const char *where;

	if (load_dump(s, a, &fns, &n, &where))
		return NULL;
	if (from) {
		for (pick = 0; pick < n; pick++)
			if (!strcmp(fns[pick].slot, from->value))
				break;
		if (pick == n) {
			pcl_scn_input_error(s, from, "no function %s in %s",
					    from->value, where);
			free(fns);
			return NULL;
		}
	}
	if (n) {
		memcpy(fns[pick].bar_size, bar_size, sizeof(fns[pick].bar_size));
		fns[pick].rom_size = rom_size;
		if (pcl_emu_fn_from_dump(&fns[pick], where, pcl_scn_err(s), &fn))
			pcl_scn_input_error(s, a, "the dump %s is not usable",
					    where == a->value ? a->value :
					    "in the here-document");
	}
	free(fns);
	return fn;
}

/*
 * plug DD.F model=NAME|dump=FILE|dump=<<END [from=SLOT] [barN=SIZE]...
 *      [rom=SIZE] [host=NAME] [behind=DD.F/...]
 */
static int verb_plug(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	const struct pcl_scn_arg *m = pcl_scn_kv(argc, argv, 1, "model");
	const struct pcl_scn_arg *dmp = pcl_scn_kv(argc, argv, 1, "dump");
	const struct pcl_scn_arg *from = pcl_scn_kv(argc, argv, 1, "from");
	const struct pcl_scn_arg *ha = pcl_scn_kv(argc, argv, 1, "host");
	const struct pcl_scn_arg *beh = pcl_scn_kv(argc, argv, 1, "behind");
	const struct pcl_scn_arg *rom = pcl_scn_kv(argc, argv, 1, "rom");
	uint64_t bar_size[6] = { 0 }, rom_size = 0;
	struct pci_host_bridge *h;
	struct pcl_emu_bus *on = NULL;
	struct pcl_emu_fn *fn;
	unsigned int devfn;
	int ret;

	if (parse_devfn(s, &argv[0], argv[0].word, &devfn))
		return -EINVAL;
	if (!!m == !!dmp)
		return pcl_scn_input_error(s, &argv[0],
			"plug needs exactly one of model=NAME (%s) or dump=FILE",
			pcl_emu_model_names());
	if (bar_sizes(s, argc, argv, bar_size) ||
	    (rom && parse_size(s, rom, &rom_size)))
		return -EINVAL;
	if (m && (rom || memcmp(bar_size, (uint64_t[6]){ 0 }, sizeof(bar_size))))
		return pcl_scn_input_error(s, m,
			"barN= and rom= sizes are for dumps; a model has its own BARs");
	h = pcl_pci_host_find(ha ? ha->value : "pci0");
	if (!h && !ha) {
		pcl_pci_init();
		h = pcl_pci_host_new("pci0", PCL_HOST_ECAM, 0);
		if (IS_ERR(h))
			return (int)PTR_ERR(h);
	}
	if (!h)
		return pcl_scn_input_error(s, ha, "no host bridge '%s'", ha->value);
	if (beh) {
		char path[64], *save = NULL;

		snprintf(path, sizeof(path), "%s", beh->value);
		for (char *p = strtok_r(path, "/", &save); p;
		     p = strtok_r(NULL, "/", &save)) {
			unsigned int bdevfn;

			if (parse_devfn(s, beh, p, &bdevfn))
				return -EINVAL;
			on = pcl_pci_child_bus(h, on, bdevfn);
			if (!on)
				return pcl_scn_input_error(s, beh,
					"no bridge plugged at %s", p);
		}
	}
	if (m) {
		fn = pcl_emu_model_new(m->value);
		if (!fn)
			return pcl_scn_input_error(s, m, "no model '%s' (%s)",
						   m->value, pcl_emu_model_names());
	} else {
		fn = fn_from_dump(s, dmp, from, bar_size, rom_size);
		if (!fn)
			return -EINVAL;
	}
	ret = pcl_pci_plug(h, on, devfn, fn);
	if (ret)
		pcl_emu_fn_free(fn);
	return ret;
}

/* enumerate [HOST] */
static int verb_enumerate(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct pci_host_bridge *h;
	int n = 0, ret;

	if (argc) {
		h = pcl_pci_host_find(argv[0].word);
		if (!h)
			return pcl_scn_input_error(s, &argv[0], "no host bridge '%s'",
						   argv[0].word);
		ret = pcl_pci_scan(h);
		return ret < 0 ? ret : 0;
	}
	/* every host bridge, in creation order */
	list_for_each_entry(h, &pcl__hosts, node) {
		ret = pcl_pci_scan(h);
		if (ret < 0)
			return ret;
		n += ret;
	}
	pcl_scn_note(s, "enumerated %d new devices", n);
	return 0;
}

/* lspci [ARGS...] [--devres] */
static int verb_lspci(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	char *args[PCL_SCN_MAX_ARGS];
	bool devres = false;
	int n = 0, ret;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i].word, "--devres"))
			devres = true;
		else
			args[n++] = (char *)argv[i].word;
	}
	ret = pcl_pci_lspci(pcl_scn_out(s), n, args, devres);
	if (ret == -ENOENT)
		return pcl_scn_input_error(s, NULL,
			"lspci is not installed (Debian package pciutils)");
	return ret > 0 ? -EINVAL : ret;
}

static int parse_access(struct pcl_scn *s, const struct pcl_scn_arg *argv,
			unsigned long *off, unsigned long *size)
{
	if (pcl_scn_arg_uint(s, &argv[1], 4095, off) ||
	    pcl_scn_arg_uint(s, &argv[2], 4, size))
		return -EINVAL;
	if (*size != 1 && *size != 2 && *size != 4)
		return pcl_scn_input_error(s, &argv[2], "size is 1, 2 or 4");
	return 0;
}

static int user_read(struct pci_dev *pdev, unsigned long off,
		     unsigned long size, uint32_t *val)
{
	uint16_t w;
	uint8_t b;
	int ret;

	switch (size) {
	case 1:
		ret = pci_user_read_config_byte(pdev, (int)off, &b);
		*val = b;
		return ret;
	case 2:
		ret = pci_user_read_config_word(pdev, (int)off, &w);
		*val = w;
		return ret;
	default:
		return pci_user_read_config_dword(pdev, (int)off, val);
	}
}

/* cfg-read DEV OFF SIZE: print the value (user accessor) */
static int verb_cfg_read(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct pci_dev *pdev = find_pdev(s, &argv[0]);
	unsigned long off, size;
	uint32_t val;
	int ret;

	if (!pdev)
		return -EINVAL;
	ret = parse_access(s, argv, &off, &size);
	if (!ret)
		ret = user_read(pdev, off, size, &val);
	if (!ret)
		fprintf(pcl_scn_out(s), "%s+0x%03lx: 0x%0*x\n", argv[0].word,
			off, (int)size * 2, val);
	put_device(&pdev->dev);
	return ret;
}

/* cfg-write DEV OFF SIZE VALUE (user accessor) */
static int verb_cfg_write(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct pci_dev *pdev = find_pdev(s, &argv[0]);
	unsigned long off, size, val;
	int ret;

	if (!pdev)
		return -EINVAL;
	ret = parse_access(s, argv, &off, &size);
	if (!ret && pcl_scn_arg_uint(s, &argv[3], 0xffffffffu, &val))
		ret = -EINVAL;
	if (!ret) {
		if (size == 1)
			ret = pci_user_write_config_byte(pdev, (int)off, (uint8_t)val);
		else if (size == 2)
			ret = pci_user_write_config_word(pdev, (int)off, (uint16_t)val);
		else
			ret = pci_user_write_config_dword(pdev, (int)off, (uint32_t)val);
	}
	put_device(&pdev->dev);
	return ret;
}

/* expect-cfg DEV OFF SIZE VALUE [mask=M] */
static int verb_expect_cfg(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct pci_dev *pdev = find_pdev(s, &argv[0]);
	const struct pcl_scn_arg *ma = pcl_scn_kv(argc, argv, 4, "mask");
	unsigned long off, size, want, mask = 0xffffffffu;
	uint32_t val;
	int ret;

	if (!pdev)
		return -EINVAL;
	ret = parse_access(s, argv, &off, &size);
	if (!ret && (pcl_scn_arg_uint(s, &argv[3], 0xffffffffu, &want) ||
		     (ma && pcl_scn_arg_uint(s, ma, 0xffffffffu, &mask))))
		ret = -EINVAL;
	if (!ret)
		ret = user_read(pdev, off, size, &val);
	if (!ret) {
		if ((val & mask) != (want & mask))
			pcl_scn_fail(s, "%s+0x%03lx: read 0x%x, expected 0x%lx (mask 0x%lx)",
				     argv[0].word, off, val, want, mask);
		else
			pcl_scn_pass(s);
	}
	put_device(&pdev->dev);
	return ret;
}

/*
 * expect-mmio DEV BAR OFF SIZE VALUE [mask=M]: a read of the BAR as the
 * CPU would make it (devmem: a model's read side effects happen); for a
 * dump-based function, what the driver last wrote there.
 */
static int verb_expect_mmio(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct pci_dev *pdev = find_pdev(s, &argv[0]);
	const struct pcl_scn_arg *ma = pcl_scn_kv(argc, argv, 5, "mask");
	unsigned long bar, off, size, want, mask = ~0ul;
	uint64_t val;
	int ret = -EINVAL;

	if (!pdev)
		return -EINVAL;
	if (pcl_scn_arg_uint(s, &argv[1], PCI_STD_NUM_BARS - 1, &bar) ||
	    pcl_scn_arg_uint(s, &argv[2], ~0ul, &off) ||
	    pcl_scn_arg_uint(s, &argv[3], 8, &size) ||
	    pcl_scn_arg_uint(s, &argv[4], ~0ul, &want) ||
	    (ma && pcl_scn_arg_uint(s, ma, ~0ul, &mask)))
		goto out;
	if (size != 1 && size != 2 && size != 4 && size != 8) {
		pcl_scn_input_error(s, &argv[3], "size is 1, 2, 4 or 8");
		goto out;
	}
	if (!(pci_resource_flags(pdev, bar) & IORESOURCE_MEM) ||
	    off + size > pci_resource_len(pdev, bar) || off + size < off) {
		pcl_scn_input_error(s, &argv[2],
			"%s has no %lu bytes at 0x%lx of a memory BAR %lu",
			argv[0].word, size, off, bar);
		goto out;
	}
	ret = 0;
	val = pcl_emu_mmio_read(pdev->hw, (int)bar, off, (unsigned int)size);
	if ((val & mask) != (want & mask))
		pcl_scn_fail(s, "%s BAR%lu+0x%lx: read 0x%llx, expected 0x%lx (mask 0x%lx)",
			     argv[0].word, bar, off, (unsigned long long)val,
			     want, mask);
	else
		pcl_scn_pass(s);
out:
	put_device(&pdev->dev);
	return ret;
}

/* expect-pci DEV enabled|managed|busmaster yes|no */
static int verb_expect_pci(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct pci_dev *pdev = find_pdev(s, &argv[0]);
	bool want, have = false;
	const char *w = argv[2].word;
	int ret = 0;

	if (!pdev)
		return -EINVAL;
	if (!strcmp(w, "yes") || !strcmp(w, "no")) {
		want = !strcmp(w, "yes");
		if (!strcmp(argv[1].word, "enabled"))
			have = pci_is_enabled(pdev);
		else if (!strcmp(argv[1].word, "managed"))
			have = pdev->is_managed;
		else if (!strcmp(argv[1].word, "busmaster"))
			have = pdev->is_busmaster;
		else
			ret = pcl_scn_input_error(s, &argv[1],
				"unknown flag '%s' (enabled, managed, busmaster)",
				argv[1].word);
		if (!ret && have != want)
			pcl_scn_fail(s, "%s: expected %s %s", argv[0].word,
				     argv[1].word, w);
		else if (!ret)
			pcl_scn_pass(s);
	} else {
		ret = pcl_scn_input_error(s, &argv[2], "expected yes or no");
	}
	put_device(&pdev->dev);
	return ret;
}

/* reset DEV */
static int verb_reset(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct pci_dev *pdev = find_pdev(s, &argv[0]);
	int ret;

	if (!pdev)
		return -EINVAL;
	ret = pci_reset_function(pdev);
	put_device(&pdev->dev);
	return ret;
}

/* power DEV d0|d3hot */
static int verb_power(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct pci_dev *pdev = find_pdev(s, &argv[0]);
	pci_power_t st;
	int ret;

	if (!pdev)
		return -EINVAL;
	if (!strcmp(argv[1].word, "d0")) {
		st = PCI_D0;
	} else if (!strcmp(argv[1].word, "d3hot")) {
		st = PCI_D3hot;
	} else {
		put_device(&pdev->dev);
		return pcl_scn_input_error(s, &argv[1], "state is d0 or d3hot");
	}
	/* As sysfs does: under the device lock, so that no bind or unbind
	 * runs in the middle (the residue checker and probe's power-up
	 * look at the state the binding left). */
	device_lock(&pdev->dev);
	ret = pci_set_power_state(pdev, st);
	device_unlock(&pdev->dev);
	put_device(&pdev->dev);
	return ret;
}

/* yank DEV: the hardware vanishes (surprise removal, hardware side) */
static int verb_yank(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct pci_dev *pdev = find_pdev(s, &argv[0]);

	if (!pdev)
		return -EINVAL;
	if (pdev->hw)
		pcl_emu_surprise_remove(pdev->hw);
	pcl_trace(PCL_TR_CORE, "pci %s: hardware removed (reads all ones)",
		  pci_name(pdev));
	put_device(&pdev->dev);
	return 0;
}

/* pci-delays real|fast: PCI's settle times (FLR 100 ms, D3hot 10 ms) as
 * the spec gives them, or divided by 100 (the default) */
static int verb_pci_delays(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	if (!strcmp(argv[0].word, "real"))
		pcl_pci_set_delay_divisor(1);
	else if (!strcmp(argv[0].word, "fast"))
		pcl_pci_set_delay_divisor(100);
	else
		return pcl_scn_input_error(s, &argv[0], "pci-delays is real or fast, not '%s'",
					   argv[0].word);
	return 0;
}

/* no-msi DEV|all [off]: a no_msi quirk, or pci=nomsi */
static int verb_no_msi(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	bool off = argc > 1;
	struct pci_dev *pdev;

	if (off && strcmp(argv[1].word, "off"))
		return pcl_scn_input_error(s, &argv[1], "expected 'off' or nothing, not '%s'",
					   argv[1].word);
	if (!strcmp(argv[0].word, "all")) {
		if (off)
			pcl_pci_msi_allow();
		else
			pci_no_msi();
		return 0;
	}
	pdev = find_pdev(s, &argv[0]);
	if (!pdev)
		return -EINVAL;
	device_lock(&pdev->dev);	/* not under a probe */
	pdev->no_msi = !off;
	device_unlock(&pdev->dev);
	put_device(&pdev->dev);
	return 0;
}

/* firmware DEV EVENT: the device's firmware acts (switchtec: complete) */
static int verb_firmware(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct pci_dev *pdev = find_pdev(s, &argv[0]);
	int ret;

	if (!pdev)
		return -EINVAL;
	ret = pdev->hw ? pcl_emu_firmware(pdev->hw, argv[1].word) : -EOPNOTSUPP;
	put_device(&pdev->dev);
	if (ret == -EOPNOTSUPP || ret == -ENOENT)
		return pcl_scn_input_error(s, &argv[1],
			"the device's model has no firmware event '%s'", argv[1].word);
	return ret;
}

/* hot-remove DEV: orderly removal (sysfs "remove") */
static int verb_hot_remove(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct pci_dev *pdev = find_pdev(s, &argv[0]);
	int ret;

	if (!pdev)
		return -EINVAL;
	ret = pci_stop_and_remove_bus_device(pdev);
	put_device(&pdev->dev);
	return ret;
}

/* surprise-remove DEV: the card is pulled, then the core removes it */
static int verb_surprise_remove(struct pcl_scn *s, int argc,
				const struct pcl_scn_arg *argv)
{
	struct pci_dev *pdev = find_pdev(s, &argv[0]);
	int ret;

	if (!pdev)
		return -EINVAL;
	ret = pcl_pci_surprise_remove(pdev);
	put_device(&pdev->dev);
	return ret;
}

/* slot [DDDD:]BB:DD.F on|off: slot power (pciehp) */
static int verb_slot(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	unsigned int dom = 0, bus, d, f;
	struct pci_host_bridge *h, *found = NULL;
	char tail;
	bool on;

	if (sscanf(argv[0].word, "%x:%x:%x.%u%c", &dom, &bus, &d, &f, &tail) != 4 &&
	    (dom = 0, sscanf(argv[0].word, "%x:%x.%u%c", &bus, &d, &f, &tail) != 3))
		return pcl_scn_input_error(s, &argv[0],
			"'%s' is not a slot address [DDDD:]BB:DD.F", argv[0].word);
	if (dom > 0xffff || bus > 0xff || d > 31 || f > 7)
		return pcl_scn_input_error(s, &argv[0],
			"'%s' is out of range (bus 00-ff, device 00-1f, function 0-7)",
			argv[0].word);
	if (!strcmp(argv[1].word, "on"))
		on = true;
	else if (!strcmp(argv[1].word, "off"))
		on = false;
	else
		return pcl_scn_input_error(s, &argv[1], "slot power is on or off, not '%s'",
					   argv[1].word);
	pcl_pci_init();
	list_for_each_entry(h, &pcl__hosts, node)
		if (h->domain == (int)dom && !found)
			found = h;
	if (!found)
		return pcl_scn_input_error(s, &argv[0], "no host bridge for domain %04x",
					   dom);
	return pcl_pci_slot_power(found, (uint8_t)bus, PCI_DEVFN(d, f), on);
}

/* raise DEV [vector=N] [count=N]: the device signals an interrupt */
static int verb_raise(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct pci_dev *pdev = find_pdev(s, &argv[0]);
	const struct pcl_scn_arg *v = pcl_scn_kv(argc, argv, 1, "vector");
	const struct pcl_scn_arg *c = pcl_scn_kv(argc, argv, 1, "count");
	unsigned long vec = 0, count = 1;
	int ret = 0;

	if (!pdev)
		return -EINVAL;
	if ((v && pcl_scn_arg_uint(s, v, 2047, &vec)) ||
	    (c && pcl_scn_arg_uint(s, c, 10000000, &count))) {
		put_device(&pdev->dev);
		return -EINVAL;
	}
	for (unsigned long i = 0; i < count && ret >= 0; i++)
		ret = pcl_pci_raise(pdev, (unsigned int)vec);
	put_device(&pdev->dev);
	return ret < 0 ? ret : 0;
}

/* expect-irqs DEV VECTOR N: the vector's IRQ was handled N times */
static int verb_expect_irqs(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct pci_dev *pdev = find_pdev(s, &argv[0]);
	unsigned long vec, want, have = 0;
	int virq;

	if (!pdev)
		return -EINVAL;
	if (pcl_scn_arg_uint(s, &argv[1], 2047, &vec) ||
	    pcl_scn_arg_uint(s, &argv[2], ~0ul >> 1, &want)) {
		put_device(&pdev->dev);
		return -EINVAL;
	}
	virq = pci_irq_vector(pdev, (unsigned int)vec);
	for (unsigned int c = 0; virq > 0 && c < PCL_MAX_CPUS; c++)
		have += kstat_irqs_cpu((unsigned int)virq, c);
	if (virq <= 0)
		pcl_scn_fail(s, "%s: no vector %lu allocated", argv[0].word, vec);
	else if (have != want)
		pcl_scn_fail(s, "%s: vector %lu (IRQ %d) took %lu interrupts, expected %lu",
			     argv[0].word, vec, virq, have, want);
	else
		pcl_scn_pass(s);
	put_device(&pdev->dev);
	return 0;
}

/* expect-its [HOST] prepares=N teardowns=N tables=N lpis=N */
/* its-quirk HOST free-on-last on|off */
static int verb_its_quirk(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	struct pci_host_bridge *h = pcl_pci_host_find(argv[0].word);

	if (!h || !h->its)
		return pcl_scn_input_error(s, &argv[0], "no host bridge '%s' with an ITS",
					   argv[0].word);
	if (strcmp(argv[1].word, "free-on-last"))
		return pcl_scn_input_error(s, &argv[1], "the only ITS quirk is free-on-last");
	if (strcmp(argv[2].word, "on") && strcmp(argv[2].word, "off"))
		return pcl_scn_input_error(s, &argv[2], "on or off, not '%s'", argv[2].word);
	pcl_its_set_free_on_last(h->its, !strcmp(argv[2].word, "on"));
	return 0;
}

static int verb_expect_its(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	static const char *const keys[] = { "prepares", "teardowns", "tables", "lpis" };
	struct pci_host_bridge *h;
	struct pcl_its_stats st;
	int from = argc && !argv[0].key ? 1 : 0;

	h = pcl_pci_host_find(from ? argv[0].word : "pci0");
	if (!h)
		return pcl_scn_input_error(s, from ? &argv[0] : NULL,
					   "no host bridge '%s'", from ? argv[0].word : "pci0");
	if (!h->its)
		return pcl_scn_input_error(s, from ? &argv[0] : NULL,
					   "host bridge '%s' has no ITS (its MSIs go to the bridge above it)",
					   h->name);
	pcl_its_stats(h->its, &st);
	for (int i = from; i < argc; i++) {
		unsigned long want, have;
		size_t k;

		for (k = 0; k < ARRAY_SIZE(keys); k++)
			if (argv[i].key && !strcmp(argv[i].key, keys[k]))
				break;
		if (k == ARRAY_SIZE(keys))
			return pcl_scn_input_error(s, &argv[i],
				"expected prepares=, teardowns=, tables= or lpis=");
		if (pcl_scn_arg_uint(s, &argv[i], ~0ul >> 1, &want))
			return -EINVAL;
		have = k == 0 ? st.prepares : k == 1 ? st.teardowns :
		       k == 2 ? st.tables : st.lpis_mapped;
		if (have != want)
			pcl_scn_fail(s, "ITS of %s: %s %lu, expected %lu", h->name,
				     keys[k], have, want);
		else
			pcl_scn_pass(s);
	}
	return 0;
}

/* interrupts: the /proc/interrupts-style table */
static int verb_interrupts(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	pcl_irq_show(pcl_scn_out(s));
	return 0;
}

/* irqdomains [dot] */
static int verb_irqdomains(struct pcl_scn *s, int argc, const struct pcl_scn_arg *argv)
{
	if (argc && strcmp(argv[0].word, "dot"))
		return pcl_scn_input_error(s, &argv[0], "expected 'dot' or nothing");
	pcl_irq_domains_show(pcl_scn_out(s), argc > 0);
	return 0;
}

static void pci_teardown(struct pcl_scn *s)
{
	pcl_pci_remove_all();
	pcl_pci_msi_allow();
	pcl_pci_set_delay_divisor(100);
}

static const struct pcl_scn_verb pci_verbs[] = {
	{ "host", "NAME [kind=ecam|conf1] [domain=N]", "a PCI host bridge (ECAM: lockless config access; conf1: serialised)", 1, 3, verb_host },
	{ "plug", "DD.F model=NAME|dump=FILE|dump=<<END [from=SLOT] [barN=SIZE]... [rom=SIZE] [host=NAME] [behind=DD.F/...]", "put an emulated function in a slot (host pci0 by default); a dump's BAR and ROM sizes from barN= and rom= (else from the addresses' alignment)", 2, 12, verb_plug },
	{ "enumerate", "[HOST]", "scan: number bridges, size BARs, add devices (drivers bind)", 0, 1, verb_enumerate },
	{ "lspci", "[LSPCI-OPTIONS...] [--devres]", "the system's lspci on the emulated machine (BAR sizes, IRQs, bound driver); --devres adds the devres", 0, PCL_SCN_MAX_ARGS, verb_lspci },
	{ "cfg-read", "DEV OFF SIZE", "print a config register (user accessor: waits while blocked)", 3, 3, verb_cfg_read },
	{ "cfg-write", "DEV OFF SIZE VALUE", "write a config register (user accessor)", 4, 4, verb_cfg_write },
	{ "expect-cfg", "DEV OFF SIZE VALUE [mask=M]", "a config register holds VALUE (under MASK)", 4, 5, verb_expect_cfg },
	{ "expect-pci", "DEV enabled|managed|busmaster yes|no", "a PCI core flag of the device", 3, 3, verb_expect_pci },
	{ "expect-mmio", "DEV BAR OFF SIZE VALUE [mask=M]", "an MMIO read of the BAR (size 1, 2, 4, 8) returns VALUE under MASK", 5, 6, verb_expect_mmio },
	{ "reset", "DEV", "pci_reset_function(): FLR with config access blocked", 1, 1, verb_reset },
	{ "power", "DEV d0|d3hot", "pci_set_power_state()", 2, 2, verb_power },
	{ "yank", "DEV", "the hardware vanishes, the core is not told (reads all ones, writes dropped)", 1, 1, verb_yank },
	{ "pci-delays", "real|fast", "PCI settle times as the spec gives them (FLR 100 ms), or divided by 100 (the default)", 1, 1, verb_pci_delays },
	{ "no-msi", "DEV|all [off]", "a device quirk (or pci=nomsi): pci_alloc_irq_vectors() never uses MSI/MSI-X; 'off' undoes it", 1, 2, verb_no_msi },
	{ "firmware", "DEV EVENT", "the device's firmware acts (switchtec: complete | fail the command in progress)", 2, 2, verb_firmware },
	{ "hot-remove", "DEV", "orderly removal: devices behind first, driver remove(), device deleted; the hardware stays", 1, 1, verb_hot_remove },
	{ "surprise-remove", "DEV", "the card is pulled: hardware gone first, then the core removes the device (remove() on a dead device)", 1, 1, verb_surprise_remove },
	{ "slot", "[DDDD:]BB:DD.F on|off", "slot power: off removes the device (orderly) and cuts power; on powers up and scans", 2, 2, verb_slot },
	{ "rescan", "[HOST]", "re-enumerate: find new or re-powered functions, add them (drivers bind)", 0, 1, verb_enumerate },
	{ "raise", "DEV [vector=N] [count=N]", "the device signals an interrupt (MSI-X, MSI or INTx, as enabled)", 1, 3, verb_raise },
	{ "expect-irqs", "DEV VECTOR N", "the vector's IRQ was handled exactly N times", 3, 3, verb_expect_irqs },
	{ "expect-its", "[HOST] prepares=N teardowns=N tables=N lpis=N", "the ITS's msi_prepare/msi_teardown counts, live tables, mapped LPIs", 1, 5, verb_expect_its },
	{ "its-quirk", "HOST free-on-last on|off", "the ITS frees a device's table with its last LPI, as Linux did before seed 004's fix (a wrong twin)", 3, 3, verb_its_quirk },
	{ "interrupts", "", "a /proc/interrupts-style table", 0, 0, verb_interrupts },
	{ "irqdomains", "[dot]", "the IRQ domain hierarchy (as Graphviz dot)", 0, 1, verb_irqdomains },
};

void pcl_pci_scenario_init(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	pcl_pci_init();
	pcl_scn_register(pci_verbs, ARRAY_SIZE(pci_verbs));
	pcl_scn_add_teardown(pci_teardown);
}
