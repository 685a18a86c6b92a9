// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Multi-threaded unit tests for the PCI core's config access discipline
 * (src/pci/host.c, enable.c), run under ThreadSanitizer too:
 *
 *  - user config accessors wait while a function reset blocks config
 *    access: readers never see the device mid-reset, and nobody
 *    deadlocks;
 *  - the thread that blocked config access may still use the user
 *    accessors, and other threads wait (not fail) until it unblocks;
 *  - on a CONF1 host bridge the two-step address/data access is
 *    serialised, so concurrent readers of different functions always get
 *    their own function's registers; ECAM needs no lock for that.
 *
 * A deadlock would hang the binary: a watchdog thread aborts it instead.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcilab/pci.h>

#include "pcltest.h"

#define WATCHDOG_MS	8000

/* ---- fixture ---- */

static struct pcl_capture cap;
static unsigned long live0;

static int setup(void **state)
{
	assert_int_equal(pcl_pci_init(), 0);
	pcl_pci_set_delay_divisor(1000);
	quiet();
	live0 = fixture_begin(&cap);
	return 0;
}

static int teardown(void **state)
{
	pcl_pci_remove_all();
	pcl_pci_set_delay_divisor(100);
	return fixture_end(&cap, 0, live0);
}

static struct pci_host_bridge *host(enum pcl_host_kind kind)
{
	struct pci_host_bridge *h = pcl_pci_host_new("t0", kind, 0);

	assert_false(IS_ERR(h));
	return h;
}

static struct pcl_emu_fn *plug(struct pci_host_bridge *h, unsigned int devfn,
			       const char *model)
{
	struct pcl_emu_fn *fn = pcl_emu_model_new(model);

	assert_non_null(fn);
	assert_int_equal(pcl_pci_plug(h, NULL, devfn, fn), 0);
	return fn;
}

static struct pci_dev *dev_at(const char *name)
{
	struct pci_dev *pdev = pcl_pci_find_dev(name);

	assert_non_null(pdev);
	put_device(&pdev->dev);
	return pdev;
}

/* ------------------------------------------------------------------ */
/* Reset against user readers                                           */
/* ------------------------------------------------------------------ */

#define RESETS		300
#define RESET_MIN	50	/* a loaded machine may stop early ... */
#define RESET_BUDGET_MS	2500	/* ... when this is spent */
#define READERS		3

struct reset_race {
	struct pci_dev *dev;
	uint32_t bar0, bar0_hi;		/* as programmed before the race */
	atomic_int stop;
	atomic_uint seq;		/* odd while pci_reset_function() runs */
	atomic_int inflight;		/* readers inside a user accessor */
	/* seen by the model's reset hook, mid-reset, lock held */
	atomic_uint hook_calls, hook_saw_waiters, hook_saw_reset_bar;
	/* what the readers saw */
	atomic_ulong reads, bad_bar, bad_cmd, errors, started_mid_reset, waited;
	atomic_int reset_errors, resets;
};

static struct reset_race R;

/* Runs inside pcie_flr(), right after the FLR, with config access blocked. */
static void race_reset_hook(struct pcl_emu_fn *fn)
{
	atomic_fetch_add(&R.hook_calls, 1);
	/* The mid-reset state a reader must never see is really there. */
	if ((pcl_emu_cfg_read(fn, PCI_BASE_ADDRESS_0, 4) & ~0xfu) == 0 &&
	    !(pcl_emu_cfg_read(fn, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY))
		atomic_fetch_add(&R.hook_saw_reset_bar, 1);
	/* Give readers a moment to pile up behind the blocked access. */
	for (int i = 0; i < 50 && !atomic_load(&R.inflight); i++)
		usleep(20);
	if (atomic_load(&R.inflight))
		atomic_fetch_add(&R.hook_saw_waiters, 1);
}

static const struct pcl_emu_model_ops race_ops = {
	.name = "race",
	.reset = race_reset_hook,
};

static void *race_reader(void *arg)
{
	while (!atomic_load(&R.stop)) {
		unsigned int s0, s1;
		uint32_t bar, hi;
		uint16_t cmd;
		int e;

		atomic_fetch_add(&R.inflight, 1);
		s0 = atomic_load(&R.seq);
		e = pci_user_read_config_dword(R.dev, PCI_BASE_ADDRESS_0, &bar);
		e |= pci_user_read_config_dword(R.dev, PCI_BASE_ADDRESS_0 + 4, &hi);
		e |= pci_user_read_config_word(R.dev, PCI_COMMAND, &cmd);
		s1 = atomic_load(&R.seq);
		atomic_fetch_sub(&R.inflight, 1);

		atomic_fetch_add(&R.reads, 1);
		if (e)
			atomic_fetch_add(&R.errors, 1);
		if (bar != R.bar0 || hi != R.bar0_hi || (bar & ~0xfu) == 0)
			atomic_fetch_add(&R.bad_bar, 1);
		if (!(cmd & PCI_COMMAND_MEMORY))
			atomic_fetch_add(&R.bad_cmd, 1);
		if (s0 & 1) {
			atomic_fetch_add(&R.started_mid_reset, 1);
			if (s1 != s0)
				atomic_fetch_add(&R.waited, 1);
		}
	}
	return NULL;
}

static void *race_resetter(void *arg)
{
	long end = now_ms() + RESET_BUDGET_MS;

	for (int i = 0; i < RESETS && (i < RESET_MIN || now_ms() < end); i++) {
		atomic_fetch_add(&R.seq, 1);
		if (pci_reset_function(R.dev))
			atomic_fetch_add(&R.reset_errors, 1);
		atomic_fetch_add(&R.seq, 1);
		atomic_fetch_add(&R.resets, 1);
	}
	atomic_store(&R.stop, 1);
	return NULL;
}

static void test_user_readers_never_see_a_function_mid_reset(void **state)
{
	struct pci_host_bridge *h = host(PCL_HOST_ECAM);
	struct pcl_emu_fn *fn = plug(h, PCI_DEVFN(2, 0), "nvme");
	pthread_t readers[READERS], resetter;
	unsigned int n;
	long t0;

	assert_int_equal(pcl_pci_scan(h), 1);
	memset(&R, 0, sizeof(R));
	R.dev = dev_at("00:02.0");
	assert_int_equal(pci_enable_device(R.dev), 0);
	pci_set_master(R.dev);
	R.bar0 = pcl_emu_cfg_read(fn, PCI_BASE_ADDRESS_0, 4);
	R.bar0_hi = pcl_emu_cfg_read(fn, PCI_BASE_ADDRESS_0 + 4, 4);
	assert_int_not_equal(R.bar0 & ~0xfu, 0);
	pcl_emu_set_model(fn, &race_ops, NULL);

	t0 = now_ms();
	watchdog_start("reset vs. user readers", WATCHDOG_MS);
	start_threads(readers, READERS, race_reader, NULL, 0);
	resetter = start_thread(race_resetter, NULL);
	join_thread(resetter);
	join_threads(readers, READERS);
	watchdog_stop();
	n = (unsigned int)atomic_load(&R.resets);
	print_message("%u resets in %ld ms; %lu reads, %lu started mid-reset, "
		      "%lu waited across one; %u of %u resets had readers waiting\n",
		      n, now_ms() - t0, atomic_load(&R.reads),
		      atomic_load(&R.started_mid_reset), atomic_load(&R.waited),
		      atomic_load(&R.hook_saw_waiters), atomic_load(&R.hook_calls));

	assert_true(n >= RESET_MIN);
	assert_int_equal(atomic_load(&R.reset_errors), 0);
	assert_int_equal(pcl_emu_flr_count(fn), n);
	assert_int_equal(atomic_load(&R.hook_calls), n);
	/* Every reset really went through the state readers must not see. */
	assert_int_equal(atomic_load(&R.hook_saw_reset_bar), n);
	/* ... and the readers were there, blocked, while it did. */
	assert_true(atomic_load(&R.hook_saw_waiters) > 0);
	assert_true(atomic_load(&R.started_mid_reset) > 0);
	assert_true(atomic_load(&R.reads) >= READERS);
	assert_int_equal(atomic_load(&R.errors), 0);
	assert_int_equal(atomic_load(&R.bad_bar), 0);
	assert_int_equal(atomic_load(&R.bad_cmd), 0);
	/* Config access is open again. */
	assert_true(pci_cfg_access_trylock(R.dev));
	pci_cfg_access_unlock(R.dev);
	pcl_emu_set_model(fn, NULL, NULL);
	pci_clear_master(R.dev);
	pci_disable_device(R.dev);
}

/* ------------------------------------------------------------------ */
/* The blocker's own accesses, and everyone else's                      */
/* ------------------------------------------------------------------ */

static void test_blocker_may_use_user_accessors_while_blocked(void **state)
{
	struct pci_host_bridge *h = host(PCL_HOST_ECAM);
	struct pci_dev *nv;
	uint32_t id = 0;
	uint8_t lat = 0;

	plug(h, PCI_DEVFN(2, 0), "nvme");
	assert_int_equal(pcl_pci_scan(h), 1);
	nv = dev_at("00:02.0");

	watchdog_start("user access by the blocking thread", WATCHDOG_MS);
	pci_cfg_access_lock(nv);
	assert_int_equal(pci_user_read_config_dword(nv, PCI_VENDOR_ID, &id), 0);
	assert_int_equal(pci_user_write_config_byte(nv, PCI_LATENCY_TIMER, 0x30), 0);
	assert_int_equal(pci_user_read_config_byte(nv, PCI_LATENCY_TIMER, &lat), 0);
	/* A reset from the blocking thread's point of view: also fine. */
	assert_int_equal(pcie_flr(nv), 0);
	assert_int_equal(pci_user_read_config_byte(nv, PCI_LATENCY_TIMER, &lat), 0);
	pci_cfg_access_unlock(nv);
	watchdog_stop();
	assert_int_equal(id, 0x00101b36);
	assert_int_equal(lat, 0);		/* the FLR cleared it */
	assert_int_equal(pcl_emu_flr_count(nv->hw), 1);
	/* Not left blocked. */
	assert_true(pci_cfg_access_trylock(nv));
	pci_cfg_access_unlock(nv);
}

struct waiter {
	struct pci_dev *dev;
	atomic_int started, done, trylock_failed;
	int ret;
	uint32_t val;
};

static void *blocked_reader(void *arg)
{
	struct waiter *w = arg;

	if (!pci_cfg_access_trylock(w->dev))
		atomic_store(&w->trylock_failed, 1);
	else
		pci_cfg_access_unlock(w->dev);
	atomic_store(&w->started, 1);
	w->ret = pci_user_read_config_dword(w->dev, PCI_BASE_ADDRESS_0, &w->val);
	atomic_store(&w->done, 1);
	return NULL;
}

static void test_other_threads_wait_until_access_is_unblocked(void **state)
{
	struct pci_host_bridge *h = host(PCL_HOST_ECAM);
	struct waiter w = { 0 };
	pthread_t t;
	uint32_t bar;

	plug(h, PCI_DEVFN(2, 0), "nvme");
	assert_int_equal(pcl_pci_scan(h), 1);
	w.dev = dev_at("00:02.0");

	watchdog_start("a user reader behind a blocker", WATCHDOG_MS);
	pci_cfg_access_lock(w.dev);
	/* Change what the waiter will read while it cannot read. */
	pci_write_config_dword(w.dev, PCI_BASE_ADDRESS_0, 0);
	t = start_thread(blocked_reader, &w);
	while (!atomic_load(&w.started))
		usleep(1000);
	usleep(30000);
	assert_int_equal(atomic_load(&w.done), 0);	/* waiting, not failed */
	assert_int_equal(atomic_load(&w.trylock_failed), 1);
	bar = pci_resource_start(w.dev, 0);
	pci_write_config_dword(w.dev, PCI_BASE_ADDRESS_0, bar);
	pci_cfg_access_unlock(w.dev);
	join_thread(t);
	watchdog_stop();
	assert_int_equal(atomic_load(&w.done), 1);
	assert_int_equal(w.ret, 0);
	/* It read the register as the blocker left it, not in between. */
	assert_int_equal(w.val, bar | PCI_BASE_ADDRESS_MEM_TYPE_64);
}

/* ------------------------------------------------------------------ */
/* CONF1 latch vs. ECAM                                                 */
/* ------------------------------------------------------------------ */

#define HAMMER_THREADS	4
#define HAMMER_ITERS	4000
#define HAMMER_MIN	100	/* iterations a loaded machine must manage */
#define HAMMER_BUDGET_MS 1500

static const char *const hammer_models[HAMMER_THREADS] = {
	"nvme", "ahci", "nic", "legacy",
};

struct hammer {
	struct pci_dev *dev;
	uint32_t want_id, want_class;	/* this function's own registers */
	atomic_int *go;
	unsigned long wrong, reads;
	uint32_t first_wrong;
};

static void *hammer_thread(void *arg)
{
	struct hammer *hm = arg;
	long end;

	while (!atomic_load(hm->go))
		sched_yield();
	end = now_ms() + HAMMER_BUDGET_MS;
	for (int i = 0; i < HAMMER_ITERS && (i < HAMMER_MIN || now_ms() < end); i++) {
		uint32_t id = 0, class = 0;

		if (pci_read_config_dword(hm->dev, PCI_VENDOR_ID, &id) ||
		    pci_read_config_dword(hm->dev, PCI_CLASS_REVISION, &class))
			hm->wrong++;
		hm->reads += 2;
		if (id != hm->want_id || class != hm->want_class) {
			if (!hm->wrong)
				hm->first_wrong = id != hm->want_id ? id : class;
			hm->wrong++;
		}
	}
	return NULL;
}

/* Return: wrong reads over all threads. */
static unsigned long hammer(enum pcl_host_kind kind)
{
	struct pci_host_bridge *h = host(kind);
	struct hammer hm[HAMMER_THREADS];
	pthread_t t[HAMMER_THREADS];
	atomic_int go = 0;
	unsigned long wrong = 0, total = 0;
	long t0;

	memset(hm, 0, sizeof(hm));
	for (int i = 0; i < HAMMER_THREADS; i++) {
		struct pcl_emu_fn *fn = plug(h, PCI_DEVFN(1 + i, 0), hammer_models[i]);

		hm[i].want_id = pcl_emu_cfg_read(fn, PCI_VENDOR_ID, 4);
		hm[i].want_class = pcl_emu_cfg_read(fn, PCI_CLASS_REVISION, 4);
		hm[i].go = &go;
	}
	assert_int_equal(pcl_pci_scan(h), HAMMER_THREADS);
	for (int i = 0; i < HAMMER_THREADS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "00:%02x.0", 1 + i);
		hm[i].dev = dev_at(name);
		/* Every register read is unique to its function. */
		for (int j = 0; j < i; j++) {
			assert_int_not_equal(hm[i].want_id, hm[j].want_id);
			assert_int_not_equal(hm[i].want_class, hm[j].want_class);
			assert_int_not_equal(hm[i].want_id, hm[j].want_class);
			assert_int_not_equal(hm[i].want_class, hm[j].want_id);
		}
	}

	t0 = now_ms();
	watchdog_start("config readers", WATCHDOG_MS);
	start_threads(t, HAMMER_THREADS, hammer_thread, hm, sizeof(hm[0]));
	atomic_store(&go, 1);
	join_threads(t, HAMMER_THREADS);
	watchdog_stop();
	for (int i = 0; i < HAMMER_THREADS; i++) {
		if (hm[i].wrong)
			print_error("%s: %lu of %lu reads wrong (e.g. 0x%08x)\n",
				    hammer_models[i], hm[i].wrong, hm[i].reads,
				    hm[i].first_wrong);
		assert_true(hm[i].reads >= 2 * HAMMER_MIN);
		wrong += hm[i].wrong;
		total += hm[i].reads;
	}
	print_message("%s: %lu reads by %d threads in %ld ms\n",
		      kind == PCL_HOST_CONF1 ? "CONF1" : "ECAM", total,
		      HAMMER_THREADS, now_ms() - t0);
	return wrong;
}

static void test_conf1_concurrent_readers_each_get_their_own_function(void **state)
{
	assert_int_equal(hammer(PCL_HOST_CONF1), 0);
}

static void test_ecam_concurrent_readers_each_get_their_own_function(void **state)
{
	assert_int_equal(hammer(PCL_HOST_ECAM), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T_(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T_(test_user_readers_never_see_a_function_mid_reset),
		T_(test_blocker_may_use_user_accessors_while_blocked),
		T_(test_other_threads_wait_until_access_is_unblocked),
		T_(test_conf1_concurrent_readers_each_get_their_own_function),
		T_(test_ecam_concurrent_readers_each_get_their_own_function),
#undef T_
	};

	assert_int_equal(pcl_pci_init(), 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
