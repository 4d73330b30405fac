/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel definitions kmod/config_rules.c uses, for building it in
 * userspace (tests/unit/test_config_filter.c).
 */
#ifndef PA_KSHIM_H
#define PA_KSHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;

#define BIT(n)		(1UL << (n))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#endif
