// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Delivering interrupts to emulated CPUs.
 *
 * Deterministic mode (the default): an interrupt is handled inline, on the
 * thread that raised it, in hard-IRQ context as CPU 0 - or, if that thread
 * has interrupts disabled, kept pending until its next pcl_irq_poll().  So
 * a scenario replays exactly.
 *
 * CPU-thread mode: each emulated CPU is a thread with a queue; an
 * interrupt is queued to the CPU of its affinity and handled there in
 * hard-IRQ context, concurrently with the process-context code that
 * raised it.  This is the mode that finds races.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <pthread.h>
#include "internal.h"

#define PENDING_MAX	256
#define CPU_QUEUE	4096

/* Deterministic mode: a thread's interrupts that found it irqs-off. */
static __thread unsigned int pending[PENDING_MAX];
static __thread unsigned int npending;

struct cpu {
	unsigned int id;
	struct task_struct *task;
	/* q_lock protects the queue; a raw leaf (interrupts are raised
	 * from any context, the emulated hardware included). */
	pthread_mutex_t q_lock;
	pthread_cond_t q_more, q_room;
	unsigned int q[CPU_QUEUE];
	unsigned int head, tail;
	/* Raised in atomic context while the queue was full: latched, as an
	 * interrupt controller's pending bit - delivered once, however often
	 * it was raised meanwhile.  Under q_lock. */
	unsigned long latched[PCL_NR_IRQS / (8 * sizeof(unsigned long))];
	unsigned int nlatched;
	bool stop;
};

#define LATCH_BITS	(8 * sizeof(unsigned long))

/*
 * cpus_lock serialises start/stop; ncpus is read locklessly by raisers,
 * so pcl_cpus_stop() must not race with pcl_irq_raise(): stop the
 * raisers (the emulated devices, the test threads) first.
 */
static DEFINE_MUTEX(cpus_lock);
static struct cpu *cpus[PCL_MAX_CPUS];
static _Atomic unsigned int ncpus;
static _Atomic unsigned int cpus_ever = 1;	/* columns of the table */

unsigned int pcl__irq_cpus_shown(void)
{
	return atomic_load(&cpus_ever);
}

static void deliver(unsigned int irq)
{
	struct pcl_context *c = pcl_ctx();
	int cpu = c->cpu;

	if (cpu < 0)
		c->cpu = 0;	/* inline delivery happens "on CPU 0" */
	pcl_hardirq_enter();
	generic_handle_irq(irq);
	pcl_hardirq_exit();
	c->cpu = cpu;
}

void pcl_irq_poll(void)
{
	while (npending && !irqs_disabled()) {
		unsigned int irq = pending[0];

		npending--;
		for (unsigned int i = 0; i < npending; i++)
			pending[i] = pending[i + 1];
		deliver(irq);
	}
}

static unsigned int affinity_of(unsigned int irq)
{
	struct irq_desc *d;
	unsigned int cpu = 0;

	rcu_read_lock();
	d = irq_to_desc(irq);
	if (d)
		cpu = __atomic_load_n(&d->affinity, __ATOMIC_RELAXED);
	rcu_read_unlock();
	return cpu;
}

/*
 * A raiser that may sleep waits for room in a full queue.  One in atomic
 * context must not: it may hold a lock the CPU needs before it can make
 * room (request_irq() unmasking a vector under desc->lock, the device
 * sending its pending message, while the CPU's demultiplexer waits for
 * that desc->lock) - so its interrupt is latched instead.
 */
static void enqueue(struct cpu *c, unsigned int irq)
{
	bool may_wait = !pcl_in_atomic();

	pthread_mutex_lock(&c->q_lock);
	while (may_wait && c->tail - c->head == CPU_QUEUE && !c->stop)
		pthread_cond_wait(&c->q_room, &c->q_lock);
	if (!c->stop) {
		if (c->tail - c->head < CPU_QUEUE) {
			c->q[c->tail++ % CPU_QUEUE] = irq;
		} else if (irq < PCL_NR_IRQS) {
			unsigned long *w = &c->latched[irq / LATCH_BITS];
			unsigned long bit = 1ul << (irq % LATCH_BITS);

			if (!(*w & bit)) {
				*w |= bit;
				c->nlatched++;
			}
		}
		pthread_cond_signal(&c->q_more);
	}
	pthread_mutex_unlock(&c->q_lock);
}

/* Under q_lock, nlatched > 0: take one latched interrupt. */
static unsigned int take_latched(struct cpu *c)
{
	for (unsigned int w = 0; w < ARRAY_SIZE(c->latched); w++) {
		unsigned long bits = c->latched[w];

		if (bits) {
			unsigned int b = (unsigned int)__builtin_ctzl(bits);

			c->latched[w] = bits & ~(1ul << b);
			c->nlatched--;
			return w * LATCH_BITS + b;
		}
	}
	c->nlatched = 0;	/* not reached: the count was wrong */
	return 0;
}

void pcl_irq_raise(unsigned int irq)
{
	unsigned int n = atomic_load(&ncpus);

	if (n) {
		enqueue(cpus[affinity_of(irq) % n], irq);
		return;
	}
	if (irqs_disabled()) {
		/* Same IRQ twice while pending: one delivery, as hardware
		 * latches one edge. */
		for (unsigned int i = 0; i < npending; i++)
			if (pending[i] == irq)
				return;
		if (npending < PENDING_MAX)
			pending[npending++] = irq;
		return;
	}
	deliver(irq);
}

static int cpu_thread(void *data)
{
	struct cpu *c = data;

	pcl_ctx()->cpu = (int)c->id;
	for (;;) {
		unsigned int irq;

		pthread_mutex_lock(&c->q_lock);
		while (c->head == c->tail && !c->nlatched && !c->stop)
			pthread_cond_wait(&c->q_more, &c->q_lock);
		if (c->nlatched) {
			irq = take_latched(c);
		} else if (c->head != c->tail) {
			irq = c->q[c->head++ % CPU_QUEUE];
			pthread_cond_signal(&c->q_room);
		} else {		/* stopping, queue drained */
			pthread_mutex_unlock(&c->q_lock);
			break;
		}
		pthread_mutex_unlock(&c->q_lock);
		deliver(irq);
	}
	return 0;
}

static void cpu_free(struct cpu *c)
{
	pthread_mutex_destroy(&c->q_lock);
	pthread_cond_destroy(&c->q_more);
	pthread_cond_destroy(&c->q_room);
	kfree(c);
}

int pcl_cpus_start(unsigned int n)
{
	might_sleep();
	if (!n || n > PCL_MAX_CPUS)
		return -EINVAL;
	mutex_lock(&cpus_lock);
	if (atomic_load(&ncpus)) {
		mutex_unlock(&cpus_lock);
		return -EBUSY;
	}
	for (unsigned int i = 0; i < n; i++) {
		char name[16];
		struct cpu *c = kzalloc(sizeof(*c), GFP_KERNEL);

		if (c) {
			kmemleak_not_leak(c);
			c->id = i;
			pthread_mutex_init(&c->q_lock, NULL);
			pthread_cond_init(&c->q_more, NULL);
			pthread_cond_init(&c->q_room, NULL);
			snprintf(name, sizeof(name), "cpu%u", i);
			c->task = kthread_run(cpu_thread, c, name);
		}
		if (!c || IS_ERR(c->task)) {
			if (c)
				cpu_free(c);
			while (i--) {
				pthread_mutex_lock(&cpus[i]->q_lock);
				cpus[i]->stop = true;
				pthread_cond_broadcast(&cpus[i]->q_more);
				pthread_mutex_unlock(&cpus[i]->q_lock);
				kthread_stop(cpus[i]->task);
				cpu_free(cpus[i]);
				cpus[i] = NULL;
			}
			mutex_unlock(&cpus_lock);
			return -ENOMEM;
		}
		cpus[i] = c;
	}
	atomic_store(&ncpus, n);
	if (n > atomic_load(&cpus_ever))
		atomic_store(&cpus_ever, n);
	mutex_unlock(&cpus_lock);
	return 0;
}

void pcl_cpus_stop(void)
{
	unsigned int n;

	might_sleep();
	mutex_lock(&cpus_lock);
	n = atomic_exchange(&ncpus, 0);
	for (unsigned int i = 0; i < n; i++) {
		struct cpu *c = cpus[i];

		pthread_mutex_lock(&c->q_lock);
		c->stop = true;
		pthread_cond_broadcast(&c->q_more);
		pthread_cond_broadcast(&c->q_room);
		pthread_mutex_unlock(&c->q_lock);
		kthread_stop(c->task);
		cpu_free(c);
		cpus[i] = NULL;
	}
	mutex_unlock(&cpus_lock);
}

int irq_set_affinity(unsigned int irq, unsigned int cpu)
{
	struct irq_desc *d = pcl__irq_desc_get(irq);
	const struct irq_chip *chip;

	if (!d || cpu >= PCL_MAX_CPUS)
		return -EINVAL;
	chip = d->irq_data.chip;
	if (chip && chip->irq_set_affinity) {
		int ret = chip->irq_set_affinity(&d->irq_data, cpu);

		if (ret)
			return ret;
	}
	__atomic_store_n(&d->affinity, cpu, __ATOMIC_RELAXED);
	return 0;
}
