/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Option ROM limits shared by rom.c and device.c. Not part of any API. */
#ifndef PA_ROM_H
#define PA_ROM_H

#define PA_ROM_MAX		(16u << 20)	/* largest image or ROM BAR */
#define PA_ROM_MIN_BAR		2048u		/* smallest ROM BAR */

#endif
