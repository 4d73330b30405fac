/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The e1000e (82574) registers the tests touch: interrupt cause, mask and
 * MSI-X vector allocation (IVAR). Macros only, no includes, so that both
 * the libc-free nested payload (tests/guest/) and the in-guest rig tests
 * (tests/vm/guest/) can use it.
 */
#ifndef PCIASSIGN_TESTS_E1000E_REGS_H
#define PCIASSIGN_TESTS_E1000E_REGS_H

#define E1000_ICR	0x000c0		/* interrupt cause read */
#define E1000_ICS	0x000c8		/* interrupt cause set */
#define E1000_IMS	0x000d0		/* interrupt mask set */
#define E1000_IMC	0x000d8		/* interrupt mask clear */
#define E1000_IVAR	0x000e4		/* MSI-X vector allocation */
#define ICR_RXQ0	(1u << 20)
#define ICR_RXQ1	(1u << 21)
#define ICR_TXQ0	(1u << 22)
#define ICR_TXQ1	(1u << 23)
#define ICR_OTHER	(1u << 24)

#endif
