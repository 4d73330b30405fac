/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QEMU's edu device (docs/specs/edu.rst) as the in-guest tests use it:
 * its BAR0 registers and the small helpers they share. Generic helpers
 * are in vmtest.h (included).
 */
#ifndef PCIASSIGN_EDU_H
#define PCIASSIGN_EDU_H

#include <stdint.h>
#include <unistd.h>

#include "vmtest.h"

#define EDU_BAR_SIZE	(1UL << 20)
#define EDU_ID		0x00		/* identification register */
#define EDU_ID_VALUE	0x010000edu	/* what it reads: version 1.0, 0xed */
#define EDU_LIVE	0x04		/* reads back inverted */
#define EDU_IRQ_STATUS	0x24
#define EDU_IRQ_RAISE	0x60
#define EDU_IRQ_ACK	0x64
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_CNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_CMD_START	1
#define EDU_CMD_TO_RAM	2		/* edu buffer -> RAM, else RAM -> edu */
#define EDU_BUF		0x40000		/* device-side DMA buffer, 4 KiB */
/* QEMU's edu refuses (aborts on) a transfer reaching the buffer's end. */
#define EDU_MAX_XFER	2048

/* Wait up to 10 s for the running DMA of mapped BAR0 @bar to end: 0, or -1. */
static inline int edu_dma_wait(volatile uint8_t *bar)
{
	double t0 = vt_now();

	while (*(volatile uint64_t *)(bar + EDU_DMA_CMD) & EDU_CMD_START) {
		if (vt_now() - t0 > 10)
			return -1;
		usleep(2000);
	}
	return 0;
}

/*
 * One DMA of @len bytes through mapped BAR0 @bar (@cmd: EDU_CMD_START,
 * with EDU_CMD_TO_RAM for edu -> RAM), waited for: 0, or -1.
 */
static inline int edu_dma_run(volatile uint8_t *bar, uint64_t src, uint64_t dst,
			      uint64_t len, uint64_t cmd)
{
	*(volatile uint64_t *)(bar + EDU_DMA_SRC) = src;
	*(volatile uint64_t *)(bar + EDU_DMA_DST) = dst;
	*(volatile uint64_t *)(bar + EDU_DMA_CNT) = len;
	*(volatile uint64_t *)(bar + EDU_DMA_CMD) = cmd;
	return edu_dma_wait(bar);
}

#endif
