/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pcilab/pci_regs.h - PCI configuration-space registers: offset and width,
 * with the register's bits indented under it.  Values are the PCI and PCI
 * Express specifications'.
 *
 * Copyright (C) 2026 The pcilab authors
 */
#ifndef PCILAB_PCI_REGS_H
#define PCILAB_PCI_REGS_H

#define PCI_CFG_SPACE_SIZE	256
#define PCI_CFG_SPACE_EXP_SIZE	4096

/* Type 0 and type 1 common header */
#define PCI_VENDOR_ID		0x00	/* 16 */
#define PCI_DEVICE_ID		0x02	/* 16 */
#define PCI_COMMAND		0x04	/* 16 */
#define  PCI_COMMAND_IO			0x0001
#define  PCI_COMMAND_MEMORY		0x0002
#define  PCI_COMMAND_MASTER		0x0004
#define  PCI_COMMAND_SPECIAL		0x0008
#define  PCI_COMMAND_INVALIDATE		0x0010
#define  PCI_COMMAND_VGA_PALETTE	0x0020
#define  PCI_COMMAND_PARITY		0x0040
#define  PCI_COMMAND_WAIT		0x0080
#define  PCI_COMMAND_SERR		0x0100
#define  PCI_COMMAND_FAST_BACK		0x0200
#define  PCI_COMMAND_INTX_DISABLE	0x0400
#define PCI_STATUS		0x06	/* 16 */
#define  PCI_STATUS_IMM_READY		0x0001
#define  PCI_STATUS_INTERRUPT		0x0008
#define  PCI_STATUS_CAP_LIST		0x0010
#define  PCI_STATUS_66MHZ		0x0020
#define  PCI_STATUS_FAST_BACK		0x0080
#define  PCI_STATUS_PARITY		0x0100	/* RW1C */
#define  PCI_STATUS_DEVSEL_MASK		0x0600
#define  PCI_STATUS_SIG_TARGET_ABORT	0x0800	/* RW1C */
#define  PCI_STATUS_REC_TARGET_ABORT	0x1000	/* RW1C */
#define  PCI_STATUS_REC_MASTER_ABORT	0x2000	/* RW1C */
#define  PCI_STATUS_SIG_SYSTEM_ERROR	0x4000	/* RW1C */
#define  PCI_STATUS_DETECTED_PARITY	0x8000	/* RW1C */
#define  PCI_STATUS_ERROR_BITS		0xf900
#define PCI_CLASS_REVISION	0x08	/* 32: class << 8 | revision */
#define PCI_REVISION_ID		0x08	/* 8 */
#define PCI_CLASS_PROG		0x09	/* 8 */
#define PCI_CLASS_DEVICE	0x0a	/* 16 */
#define PCI_CACHE_LINE_SIZE	0x0c	/* 8 */
#define PCI_LATENCY_TIMER	0x0d	/* 8 */
#define PCI_HEADER_TYPE		0x0e	/* 8 */
#define  PCI_HEADER_TYPE_MASK		0x7f
#define  PCI_HEADER_TYPE_NORMAL		0
#define  PCI_HEADER_TYPE_BRIDGE		1
#define  PCI_HEADER_TYPE_MFD		0x80
#define PCI_BIST		0x0f	/* 8 */
#define PCI_BASE_ADDRESS_0	0x10	/* 32, six of them in type 0 */
#define  PCI_BASE_ADDRESS_SPACE_IO	0x01
#define  PCI_BASE_ADDRESS_MEM_TYPE_64	0x04
#define  PCI_BASE_ADDRESS_MEM_PREFETCH	0x08
#define  PCI_BASE_ADDRESS_MEM_MASK	(~0x0fu)
#define  PCI_BASE_ADDRESS_IO_MASK	(~0x03u)
#define PCI_CARDBUS_CIS		0x28	/* 32 */
#define PCI_SUBSYSTEM_VENDOR_ID	0x2c	/* 16 */
#define PCI_SUBSYSTEM_ID	0x2e	/* 16 */
#define PCI_ROM_ADDRESS		0x30	/* 32 */
#define  PCI_ROM_ADDRESS_ENABLE		0x01
#define  PCI_ROM_ADDRESS_MASK		0xfffff800u
#define PCI_CAPABILITY_LIST	0x34	/* 8 */
#define PCI_INTERRUPT_LINE	0x3c	/* 8 */
#define PCI_INTERRUPT_PIN	0x3d	/* 8 */
#define PCI_MIN_GNT		0x3e	/* 8 */
#define PCI_MAX_LAT		0x3f	/* 8 */

/* Type 1 (PCI-to-PCI bridge) header */
#define PCI_PRIMARY_BUS		0x18	/* 8 */
#define PCI_SECONDARY_BUS	0x19	/* 8 */
#define PCI_SUBORDINATE_BUS	0x1a	/* 8 */
#define PCI_SEC_LATENCY_TIMER	0x1b	/* 8 */
#define PCI_IO_BASE		0x1c	/* 8 */
#define PCI_IO_LIMIT		0x1d	/* 8 */
#define PCI_SEC_STATUS		0x1e	/* 16, error bits RW1C */
#define PCI_MEMORY_BASE		0x20	/* 16 */
#define PCI_MEMORY_LIMIT	0x22	/* 16 */
#define PCI_PREF_MEMORY_BASE	0x24	/* 16 */
#define PCI_PREF_MEMORY_LIMIT	0x26	/* 16 */
#define PCI_PREF_BASE_UPPER32	0x28	/* 32 */
#define PCI_PREF_LIMIT_UPPER32	0x2c	/* 32 */
#define PCI_IO_BASE_UPPER16	0x30	/* 16 */
#define PCI_IO_LIMIT_UPPER16	0x32	/* 16 */
#define PCI_ROM_ADDRESS1	0x38	/* 32 */
#define PCI_BRIDGE_CONTROL	0x3e	/* 16 */

/* Capability list entries: id at +0, next at +1 */
#define PCI_CAP_LIST_ID		0
#define PCI_CAP_LIST_NEXT	1
#define PCI_CAP_ID_PM		0x01
#define PCI_CAP_ID_MSI		0x05
#define PCI_CAP_ID_VNDR		0x09
#define PCI_CAP_ID_EXP		0x10
#define PCI_CAP_ID_MSIX		0x11

/* Power management */
#define PCI_PM_PMC		2	/* 16 */
#define PCI_PM_CTRL		4	/* 16 */
#define  PCI_PM_CTRL_STATE_MASK		0x0003
#define  PCI_PM_CTRL_NO_SOFT_RESET	0x0008
#define  PCI_PM_CTRL_PME_ENABLE		0x0100
#define  PCI_PM_CTRL_PME_STATUS		0x8000	/* RW1C */
#define PCI_PM_SIZEOF		8

/* MSI */
#define PCI_MSI_FLAGS		2	/* 16 */
#define  PCI_MSI_FLAGS_ENABLE		0x0001
#define  PCI_MSI_FLAGS_QMASK		0x000e	/* log2 vectors capable */
#define  PCI_MSI_FLAGS_QSIZE		0x0070	/* log2 vectors enabled */
#define  PCI_MSI_FLAGS_64BIT		0x0080
#define  PCI_MSI_FLAGS_MASKBIT		0x0100
#define PCI_MSI_ADDRESS_LO	4	/* 32 */
#define PCI_MSI_ADDRESS_HI	8	/* 32, 64-bit only */
#define PCI_MSI_DATA_32		8	/* 16 */
#define PCI_MSI_DATA_64		12	/* 16 */
#define PCI_MSI_MASK_32		12	/* 32 */
#define PCI_MSI_MASK_64		16	/* 32 */
#define PCI_MSI_PENDING_32	16	/* 32 */
#define PCI_MSI_PENDING_64	20	/* 32 */

/* MSI-X */
#define PCI_MSIX_FLAGS		2	/* 16 */
#define  PCI_MSIX_FLAGS_QSIZE		0x07ff	/* table size - 1 */
#define  PCI_MSIX_FLAGS_MASKALL		0x4000
#define  PCI_MSIX_FLAGS_ENABLE		0x8000
#define PCI_MSIX_TABLE		4	/* 32: BIR in bits 2:0 */
#define PCI_MSIX_PBA		8	/* 32: BIR in bits 2:0 */
#define  PCI_MSIX_BIR_MASK		0x7
#define PCI_CAP_MSIX_SIZEOF	12
#define PCI_MSIX_ENTRY_SIZE	16
#define  PCI_MSIX_ENTRY_LOWER_ADDR	0
#define  PCI_MSIX_ENTRY_UPPER_ADDR	4
#define  PCI_MSIX_ENTRY_DATA		8
#define  PCI_MSIX_ENTRY_VECTOR_CTRL	12
#define   PCI_MSIX_ENTRY_CTRL_MASKBIT	0x1

/* PCI Express */
#define PCI_EXP_FLAGS		2	/* 16 */
#define  PCI_EXP_FLAGS_VERS		0x000f
#define  PCI_EXP_FLAGS_TYPE		0x00f0
#define   PCI_EXP_TYPE_ENDPOINT		0x0
#define   PCI_EXP_TYPE_ROOT_PORT	0x4
#define PCI_EXP_DEVCAP		4	/* 32 */
#define  PCI_EXP_DEVCAP_FLR		0x10000000
#define PCI_EXP_DEVCTL		8	/* 16 */
#define  PCI_EXP_DEVCTL_CERE		0x0001
#define  PCI_EXP_DEVCTL_NFERE		0x0002
#define  PCI_EXP_DEVCTL_FERE		0x0004
#define  PCI_EXP_DEVCTL_URRE		0x0008
#define  PCI_EXP_DEVCTL_RELAX_EN	0x0010
#define  PCI_EXP_DEVCTL_PAYLOAD		0x00e0
#define  PCI_EXP_DEVCTL_READRQ		0x7000
#define  PCI_EXP_DEVCTL_BCR_FLR		0x8000	/* write 1: function reset */
#define PCI_EXP_DEVSTA		10	/* 16 */
#define  PCI_EXP_DEVSTA_CED		0x0001	/* RW1C */
#define  PCI_EXP_DEVSTA_NFED		0x0002	/* RW1C */
#define  PCI_EXP_DEVSTA_FED		0x0004	/* RW1C */
#define  PCI_EXP_DEVSTA_URD		0x0008	/* RW1C */
#define  PCI_EXP_DEVSTA_TRPND		0x0020
#define PCI_EXP_LNKCAP		12	/* 32 */
#define PCI_EXP_LNKCTL		16	/* 16 */
#define PCI_EXP_LNKSTA		18	/* 16 */
#define PCI_EXP_DEVCAP2		36	/* 32 */
#define PCI_EXP_DEVCTL2		40	/* 16 */
#define PCI_EXP_LNKCAP2		44	/* 32 */
#define PCI_EXP_LNKCTL2		48	/* 16 */
#define PCI_EXP_LNKSTA2		50	/* 16 */
#define PCI_CAP_EXP_ENDPOINT_SIZEOF_V2	0x3c

/* Extended capabilities: header = id[15:0] version[19:16] next[31:20] */
#define PCI_EXT_CAP_ID(h)	((h) & 0xffff)
#define PCI_EXT_CAP_VER(h)	(((h) >> 16) & 0xf)
#define PCI_EXT_CAP_NEXT(h)	(((h) >> 20) & 0xffc)
#define PCI_EXT_CAP_ID_ERR	0x0001	/* Advanced Error Reporting */
#define PCI_EXT_CAP_ID_DSN	0x0003	/* Device Serial Number */

/* AER */
#define PCI_ERR_UNCOR_STATUS	4	/* 32, RW1C */
#define PCI_ERR_UNCOR_MASK	8	/* 32 */
#define PCI_ERR_UNCOR_SEVER	12	/* 32 */
#define PCI_ERR_COR_STATUS	16	/* 32, RW1C */
#define PCI_ERR_COR_MASK	20	/* 32 */
#define PCI_ERR_CAP		24	/* 32 */
#define PCI_ERR_HEADER_LOG	28	/* 4 x 32 */
#define PCI_ERR_ROOT_COMMAND	44	/* 32, root ports */
#define PCI_ERR_ROOT_STATUS	48	/* 32, RW1C */
#define PCI_ERR_ROOT_ERR_SRC	52	/* 32 */
#define PCI_ERR_SIZEOF		0x38

/* Device serial number */
#define PCI_DSN_LOW		4	/* 32 */
#define PCI_DSN_HIGH		8	/* 32 */
#define PCI_EXT_CAP_DSN_SIZEOF	12

#endif /* PCILAB_PCI_REGS_H */
