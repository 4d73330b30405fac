// SPDX-License-Identifier: GPL-2.0
/*
 * DMA mappings of a context's IOMMU domain.
 * NOT IMPLEMENTED YET: the ioctls answer -EOPNOTSUPP.
 */
#include <linux/slab.h>

#include "pciassign.h"

struct pa_dma {
	unsigned int count;
};

int pa_dma_create(struct pa_context *ctx)
{
	ctx->dma = kzalloc(sizeof(*ctx->dma), GFP_KERNEL_ACCOUNT);
	return ctx->dma ? 0 : -ENOMEM;
}

void pa_dma_destroy(struct pa_context *ctx)
{
	kfree(ctx->dma);
}

long pa_dma_ioctl_map(struct pa_context *ctx, void __user *uarg)
{
	return -EOPNOTSUPP;
}

long pa_dma_ioctl_unmap(struct pa_context *ctx, void __user *uarg)
{
	return -EOPNOTSUPP;
}

long pa_dma_ioctl_iommu_info(struct pa_context *ctx, void __user *uarg)
{
	return -EOPNOTSUPP;
}
