// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * virtio-lite: the probe of the modern (virtio 1.x) PCI transport, in the
 * shape of Linux's drivers/virtio/virtio_pci_modern_dev.c (finding and
 * checking the vendor-specific capabilities) and virtio_pci_common.c
 * (vectors and handlers), without virtqueues or a device driver on top.
 *
 * It binds any 0x1af4 function and keeps the modern ids 0x1040..0x107f.
 * Probe walks the vendor-specific capabilities (cap id 0x09), takes the
 * first of each structure it knows - common (1), notify (2), ISR (3),
 * device (4) - and checks each as the kernel does before mapping it: a
 * BAR that exists and decodes memory, a window inside it, the minimum
 * size and alignment of its structure.  Then it maps the BARs they use,
 * resets the device and sets ACKNOWLEDGE and DRIVER in device_status,
 * takes one MSI-X vector per table entry (vector 0 for configuration
 * changes, the rest for virtqueues), or the INTx line whose handler
 * reads the ISR byte, and points msix_config at vector 0.  remove()
 * resets the device first; devres frees the rest: handlers, vectors,
 * mappings, the enable.
 *
 * Where it differs from the kernel: a capability naming a BAR that is
 * out of range or not memory fails the probe (the kernel's search skips
 * it and takes the next of that type); the whole window must lie inside
 * the BAR (the kernel checks the structure's minimum size there and
 * clips the mapping); a missing common, ISR or notify structure is
 * -ENODEV (the kernel: -ENODEV for common, leaving the device to the
 * legacy driver, -EINVAL for the others).
 *
 * Made for `pcilab host snapshot`: bound to a clone of a real virtio
 * function (scenarios/pci-host-clone.scn), whose BAR is plain memory.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#include <stdio.h>
#include <pcilab/pci.h>

#define VPL_NAME		"virtio-pci-lite"
#define VPL_MAX_DEVS		256	/* the N of "virtioN" */

/* The modern device ids: 0x1040 + the virtio device type. */
#define VPL_ID_MODERN_FIRST	0x1040
#define VPL_ID_MODERN_LAST	0x107f

/* struct virtio_pci_cap, as config-space offsets from the capability. */
#define VPL_CAP_CFG_TYPE	3
#define VPL_CAP_BAR		4
#define VPL_CAP_OFFSET		8
#define VPL_CAP_LENGTH		12
#define VPL_NOTIFY_MULTIPLIER	16	/* struct virtio_pci_notify_cap */

/* cfg_type values. */
enum vpl_cfg {
	VPL_CFG_COMMON = 1,
	VPL_CFG_NOTIFY = 2,
	VPL_CFG_ISR = 3,
	VPL_CFG_DEVICE = 4,
	VPL_CFG_PCI = 5,	/* config access window: not used here */
	VPL_CFG_NR
};

/* struct virtio_pci_common_cfg: the registers used, and its size. */
#define VPL_COMMON_MSIX_CONFIG	0x10	/* le16 */
#define VPL_COMMON_STATUS	0x14	/* u8 */
#define VPL_COMMON_SIZE		0x38

#define VPL_STATUS_ACKNOWLEDGE	0x01
#define VPL_STATUS_DRIVER	0x02
#define VPL_MSI_NO_VECTOR	0xffff
#define VPL_RESET_POLLS		100	/* 1 ms each */

/* One capability found in config space. */
struct vpl_cap {
	uint8_t pos;		/* its config offset; 0: not found */
	uint8_t bar;
	uint32_t offset, length;
};

/* Per vector: its name (request_irq keeps the pointer) and count. */
struct vpl_vector {
	char name[32];
	atomic_t count;
};

struct virtio_lite {
	struct pci_dev *pdev;
	int index;
	struct vpl_cap cap[VPL_CFG_NR];
	uint32_t notify_mult;
	void __iomem *bar[PCI_STD_NUM_BARS];
	void __iomem *common, *isr, *notify, *device;
	struct vpl_vector *vec;
	unsigned int nvec;
	bool msix;
};

static DEFINE_IDA(vpl_ida);

/* Minimum size and alignment of each structure (vp_modern_probe's). */
static const struct {
	const char *name;
	uint32_t minlen, align;
} vpl_cfg_info[VPL_CFG_NR] = {
	[VPL_CFG_COMMON] = { "common cfg", VPL_COMMON_SIZE, 4 },
	[VPL_CFG_NOTIFY] = { "notify", 2, 2 },
	[VPL_CFG_ISR] = { "ISR", 1, 1 },
	[VPL_CFG_DEVICE] = { "device cfg", 0, 4 },
};

static uint32_t vpl_cfg_dword(struct pci_dev *pdev, int where)
{
	uint32_t v;

	pci_read_config_dword(pdev, where, &v);
	return v;
}

/* Record the first capability of each known type; skip the rest. */
static void vpl_find_caps(struct virtio_lite *vl)
{
	struct pci_dev *pdev = vl->pdev;
	struct vpl_cap *c;
	uint8_t pos, type;

	for (pos = pci_find_capability(pdev, PCI_CAP_ID_VNDR); pos;
	     pos = pci_find_next_capability(pdev, pos, PCI_CAP_ID_VNDR)) {
		pci_read_config_byte(pdev, pos + VPL_CAP_CFG_TYPE, &type);
		if (type < VPL_CFG_COMMON || type > VPL_CFG_DEVICE ||
		    vl->cap[type].pos)
			continue;	/* PCI cfg window, unknown, or later */
		c = &vl->cap[type];
		c->pos = pos;
		pci_read_config_byte(pdev, pos + VPL_CAP_BAR, &c->bar);
		c->offset = vpl_cfg_dword(pdev, pos + VPL_CAP_OFFSET);
		c->length = vpl_cfg_dword(pdev, pos + VPL_CAP_LENGTH);
		if (type == VPL_CFG_NOTIFY)
			vl->notify_mult = vpl_cfg_dword(pdev, pos +
							VPL_NOTIFY_MULTIPLIER);
	}
}

/**
 * vpl_check_cap() - is the window of capability @type usable?
 * @vl: the device
 * @type: a cfg_type that was found
 *
 * As vp_modern_map_capability(): the BAR exists and decodes memory, the
 * window neither wraps nor leaves the BAR, and it is large enough and
 * aligned for its structure.
 *
 * Return: 0, or -EINVAL with a message naming what is wrong.
 */
static int vpl_check_cap(struct virtio_lite *vl, enum vpl_cfg type)
{
	const struct vpl_cap *c = &vl->cap[type];
	const char *what = vpl_cfg_info[type].name;
	struct device *dev = &vl->pdev->dev;
	uint64_t len;

	if (c->bar >= PCI_STD_NUM_BARS) {
		dev_err(dev, "%s capability at 0x%02x: bad BAR %u", what,
			c->pos, c->bar);
		return -EINVAL;
	}
	len = pci_resource_len(vl->pdev, c->bar);
	if (!len || !(pci_resource_flags(vl->pdev, c->bar) & IORESOURCE_MEM)) {
		dev_err(dev, "%s capability at 0x%02x: BAR%u is not a memory BAR",
			what, c->pos, c->bar);
		return -EINVAL;
	}
	if (c->length < vpl_cfg_info[type].minlen) {
		dev_err(dev, "%s capability at 0x%02x: length 0x%x, at least 0x%x expected",
			what, c->pos, c->length, vpl_cfg_info[type].minlen);
		return -EINVAL;
	}
	if (c->offset & (vpl_cfg_info[type].align - 1)) {
		dev_err(dev, "%s capability at 0x%02x: offset 0x%x not aligned to %u",
			what, c->pos, c->offset, vpl_cfg_info[type].align);
		return -EINVAL;
	}
	if ((uint64_t)c->offset + c->length > len) {
		dev_err(dev, "%s capability at 0x%02x: offset 0x%x + length 0x%x outside BAR%u (0x%llx bytes)",
			what, c->pos, c->offset, c->length, c->bar,
			(unsigned long long)len);
		return -EINVAL;
	}
	return 0;
}

/* The capabilities probe needs, found and checked. */
static int vpl_setup_caps(struct virtio_lite *vl)
{
	struct device *dev = &vl->pdev->dev;
	int ret;

	vpl_find_caps(vl);
	if (!vl->cap[VPL_CFG_COMMON].pos || !vl->cap[VPL_CFG_ISR].pos ||
	    !vl->cap[VPL_CFG_NOTIFY].pos) {
		dev_err(dev, "missing capabilities:%s%s%s",
			vl->cap[VPL_CFG_COMMON].pos ? "" : " common cfg",
			vl->cap[VPL_CFG_ISR].pos ? "" : " ISR",
			vl->cap[VPL_CFG_NOTIFY].pos ? "" : " notify");
		return -ENODEV;
	}
	for (int t = VPL_CFG_COMMON; t <= VPL_CFG_DEVICE; t++) {
		if (!vl->cap[t].pos)
			continue;	/* the device cfg is optional */
		ret = vpl_check_cap(vl, (enum vpl_cfg)t);
		if (ret)
			return ret;
	}
	return 0;
}

/* Map each BAR a found capability uses, once; the window inside it. */
static void __iomem *vpl_map(struct virtio_lite *vl, enum vpl_cfg type)
{
	const struct vpl_cap *c = &vl->cap[type];

	if (!c->pos)
		return NULL;
	if (!vl->bar[c->bar]) {
		void __iomem *base;

		base = pcim_iomap_region(vl->pdev, c->bar, VPL_NAME);
		if (IS_ERR(base))
			return base;
		vl->bar[c->bar] = base;
	}
	return vl->bar[c->bar] + c->offset;
}

static int vpl_map_caps(struct virtio_lite *vl)
{
	void __iomem **win[VPL_CFG_NR] = {
		[VPL_CFG_COMMON] = &vl->common,
		[VPL_CFG_NOTIFY] = &vl->notify,
		[VPL_CFG_ISR] = &vl->isr,
		[VPL_CFG_DEVICE] = &vl->device,
	};

	for (int t = VPL_CFG_COMMON; t <= VPL_CFG_DEVICE; t++) {
		void __iomem *p = vpl_map(vl, (enum vpl_cfg)t);

		if (IS_ERR(p))
			return (int)PTR_ERR(p);
		*win[t] = p;
	}
	return 0;
}

/**
 * vpl_reset() - write 0 to device_status and wait until it reads back 0
 * (the device has finished resetting), as vp_reset() does.
 * @vl: the device.  Context: process (it may sleep).
 */
static void vpl_reset(struct virtio_lite *vl)
{
	writeb(0, vl->common + VPL_COMMON_STATUS);
	for (int i = 0; readb(vl->common + VPL_COMMON_STATUS); i++) {
		if (i == VPL_RESET_POLLS) {
			dev_warn(&vl->pdev->dev, "device_status did not read back 0 after reset");
			return;
		}
		msleep(1);
	}
}

static void vpl_add_status(struct virtio_lite *vl, uint8_t bits)
{
	uint8_t s = readb(vl->common + VPL_COMMON_STATUS);

	writeb(s | bits, vl->common + VPL_COMMON_STATUS);
}

/* MSI-X: one vector's interrupts, counted. */
static irqreturn_t vpl_vector_irq(int irq, void *data)
{
	struct vpl_vector *v = data;

	atomic_inc(&v->count);
	return IRQ_HANDLED;
}

/* INTx: the line may be shared; the ISR byte says whether it was us. */
static irqreturn_t vpl_intx_irq(int irq, void *data)
{
	struct virtio_lite *vl = data;

	if (!readb(vl->isr))
		return IRQ_NONE;
	atomic_inc(&vl->vec[0].count);
	return IRQ_HANDLED;
}

static void vpl_name_vectors(struct virtio_lite *vl)
{
	for (unsigned int i = 0; i < vl->nvec; i++) {
		char *name = vl->vec[i].name;
		size_t sz = sizeof(vl->vec[i].name);

		if (!vl->msix)
			snprintf(name, sz, "virtio%d", vl->index);
		else if (i == 0)
			snprintf(name, sz, "virtio%d-config", vl->index);
		else if (vl->nvec == 2)
			snprintf(name, sz, "virtio%d-virtqueues", vl->index);
		else
			snprintf(name, sz, "virtio%d-vq%u", vl->index, i - 1);
	}
}

/**
 * vpl_setup_irqs() - MSI-X vectors (one per table entry) or the INTx
 * line, every one with its handler, all managed; then msix_config.
 * @vl: the device, with its common cfg mapped.
 *
 * Return: 0, or -errno (-ENOSPC: neither MSI-X nor INTx; -EBUSY: the
 * device did not take vector 0 for configuration changes).
 */
static int vpl_setup_irqs(struct virtio_lite *vl)
{
	struct pci_dev *pdev = vl->pdev;
	int count = pci_msix_vec_count(pdev);
	unsigned int max = count > 0 ? (unsigned int)count : 0;
	uint16_t cfgvec;
	int ret, n;

	vl->vec = devm_kcalloc(&pdev->dev, max ? max : 1, sizeof(*vl->vec),
			       GFP_KERNEL);
	if (!vl->vec)
		return -ENOMEM;
	n = pcim_alloc_irq_vectors(pdev, 1, max ? max : 1,
				   PCI_IRQ_MSIX | PCI_IRQ_INTX);
	if (n < 0) {
		dev_err(&pdev->dev, "no interrupts: %u MSI-X entries, %s INTx line (%d)",
			max, pdev->irq ? "an" : "no", n);
		return n;
	}
	vl->nvec = (unsigned int)n;
	vl->msix = pdev->irq_type == PCI_IRQ_MSIX;
	vpl_name_vectors(vl);
	for (unsigned int i = 0; i < vl->nvec; i++) {
		int irq = pci_irq_vector(pdev, i);

		if (irq < 0)
			return irq;
		if (vl->msix)
			ret = devm_request_irq(&pdev->dev, (unsigned int)irq,
					       vpl_vector_irq, 0,
					       vl->vec[i].name, &vl->vec[i]);
		else
			ret = devm_request_irq(&pdev->dev, (unsigned int)irq,
					       vpl_intx_irq, IRQF_SHARED,
					       vl->vec[i].name, vl);
		if (ret)
			return ret;
	}
	cfgvec = vl->msix ? 0 : VPL_MSI_NO_VECTOR;
	writew(cfgvec, vl->common + VPL_COMMON_MSIX_CONFIG);
	if (readw(vl->common + VPL_COMMON_MSIX_CONFIG) != cfgvec) {
		dev_err(&pdev->dev, "msix_config: the device refused vector %u",
			cfgvec);
		return -EBUSY;
	}
	return 0;
}

static void vpl_free_index(void *data)
{
	struct virtio_lite *vl = data;

	ida_free(&vpl_ida, (unsigned int)vl->index);
}

static int vpl_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct virtio_lite *vl;
	int ret;

	if (pdev->device < VPL_ID_MODERN_FIRST ||
	    pdev->device > VPL_ID_MODERN_LAST)
		return -ENODEV;		/* legacy or transitional: not ours */
	vl = devm_kzalloc(&pdev->dev, sizeof(*vl), GFP_KERNEL);
	if (!vl)
		return -ENOMEM;
	vl->pdev = pdev;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = vpl_setup_caps(vl);
	if (ret)
		return ret;
	ret = vpl_map_caps(vl);
	if (ret)
		return ret;
	pci_set_master(pdev);
	vl->index = ida_alloc_max(&vpl_ida, VPL_MAX_DEVS - 1, GFP_KERNEL);
	if (vl->index < 0)
		return vl->index;
	ret = devm_add_action_or_reset(&pdev->dev, vpl_free_index, vl);
	if (ret)
		return ret;

	vpl_reset(vl);
	vpl_add_status(vl, VPL_STATUS_ACKNOWLEDGE);
	vpl_add_status(vl, VPL_STATUS_DRIVER);
	ret = vpl_setup_irqs(vl);
	if (ret) {
		vpl_reset(vl);		/* leave the device as reset */
		return ret;
	}
	pci_set_drvdata(pdev, vl);
	dev_info(&pdev->dev, "virtio%d: device type %u, %u %s vector%s, notify multiplier %u",
		 vl->index, pdev->device - VPL_ID_MODERN_FIRST, vl->nvec,
		 vl->msix ? "MSI-X" : "INTx", vl->nvec == 1 ? "" : "s",
		 vl->notify_mult);
	return 0;
}

static void vpl_remove(struct pci_dev *pdev)
{
	struct virtio_lite *vl = pci_get_drvdata(pdev);

	/* The device stops first (virtio_dev_remove); vp_del_vqs() then
	 * takes vector 0 away from configuration changes.  devres frees
	 * the handlers, the vectors, the mappings and the enable. */
	vpl_reset(vl);
	if (vl->msix)
		writew(VPL_MSI_NO_VECTOR, vl->common + VPL_COMMON_MSIX_CONFIG);
}

static const struct pci_device_id vpl_ids[] = {
	{ PCI_DEVICE(0x1af4, PCI_ANY_ID) },	/* Red Hat / virtio */
	{ 0 }
};

static struct pci_driver virtio_pci_lite = {
	.name = VPL_NAME,
	.id_table = vpl_ids,
	.probe = vpl_probe,
	.remove = vpl_remove,
};
module_pci_driver(virtio_pci_lite,
		  "virtio 1.x PCI transport: vendor capabilities checked and mapped, reset/ACK/DRIVER, MSI-X config + virtqueue vectors");
