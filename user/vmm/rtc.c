// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The CMOS RTC at ports 0x70 (index) and 0x71 (data): the host's UTC time
 * in BCD, 24-hour mode, never mid-update; the rest is 128 bytes of NVRAM.
 * No periodic or alarm interrupts: Linux reads the time at boot and keeps
 * its own clock (kvmclock).
 */
#include <time.h>

#include "vmm.h"

enum {
	RTC_SEC = 0x00, RTC_MIN = 0x02, RTC_HOUR = 0x04, RTC_WDAY = 0x06,
	RTC_MDAY = 0x07, RTC_MON = 0x08, RTC_YEAR = 0x09, RTC_REG_A = 0x0a,
	RTC_REG_B = 0x0b, RTC_REG_C = 0x0c, RTC_REG_D = 0x0d, RTC_CENTURY = 0x32,
};

static uint8_t bcd(int v)
{
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static uint8_t rtc_read(struct vmm_rtc *rtc, uint8_t reg)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	switch (reg) {
	case RTC_SEC: return bcd(tm.tm_sec);
	case RTC_MIN: return bcd(tm.tm_min);
	case RTC_HOUR: return bcd(tm.tm_hour);
	case RTC_WDAY: return bcd(tm.tm_wday + 1);
	case RTC_MDAY: return bcd(tm.tm_mday);
	case RTC_MON: return bcd(tm.tm_mon + 1);
	case RTC_YEAR: return bcd(tm.tm_year % 100);
	case RTC_CENTURY: return bcd(19 + tm.tm_year / 100);
	case RTC_REG_A: return 0x26;		/* 32.768 kHz, 1024 Hz, no UIP */
	case RTC_REG_B: return 0x02 | (rtc->ram[RTC_REG_B] & 0x70);	/* 24h, BCD */
	case RTC_REG_C: return 0;
	case RTC_REG_D: return 0x80;		/* battery good */
	default: return rtc->ram[reg];
	}
}

void vmm_rtc_io(struct vmm_rtc *rtc, uint16_t port, uint8_t *data, bool is_write)
{
	if (port == 0x70) {
		if (is_write)
			rtc->index = *data & 0x7f;	/* bit 7 is the NMI mask */
		else
			*data = 0xff;
		return;
	}
	if (is_write)
		rtc->ram[rtc->index] = *data;	/* the clock itself stays the host's */
	else
		*data = rtc_read(rtc, rtc->index);
}
