// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A 16550A UART at 0x3F8, IRQ 4: the guest's console. Transmitted bytes
 * go to stdout at once (the transmitter is always empty); with
 * --console-in, stdin feeds the receiver. Enough of the register set for
 * Linux's 8250 driver to identify a 16550A and run it on interrupts:
 * loopback for the modem-status probe, FIFO bits in IIR, scratch, DLAB.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm.h"

enum {
	UART_RBR_THR = 0, UART_IER = 1, UART_IIR_FCR = 2, UART_LCR = 3,
	UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};
#define LCR_DLAB	0x80
#define MCR_LOOP	0x10
#define IER_RDI		0x01
#define IER_THRI	0x02
#define IIR_NONE	0x01
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_FIFO	0xc0
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40

void vmm_serial_flush(struct vmm_serial *s)
{
	size_t done = 0;

	while (done < s->line_len) {
		ssize_t n = write(STDOUT_FILENO, s->line + done, s->line_len - done);

		if (n <= 0)
			break;
		done += (size_t)n;
	}
	s->line_len = 0;
}

static void serial_tx(struct vmm_serial *s, uint8_t c)
{
	if (c == '\r' && !s->unbuffered)
		return;
	s->line[s->line_len++] = (char)c;
	/* Whole lines, so a reader sees one transcript line at a time. */
	if (s->unbuffered || c == '\n' || s->line_len == sizeof(s->line))
		vmm_serial_flush(s);
}

static uint8_t serial_iir(const struct vmm_serial *s)
{
	uint8_t fifo = (s->fcr & 1) ? IIR_FIFO : 0;

	if ((s->ier & IER_RDI) && s->rx_len)
		return fifo | IIR_RDI;
	if ((s->ier & IER_THRI) && s->thr_irq)
		return fifo | IIR_THRI;
	return fifo | IIR_NONE;
}

/* Drive IRQ 4 to what IIR says (OUT2 gates it on a PC). */
static void serial_update_irq(struct vmm *v)
{
	struct vmm_serial *s = &v->serial;
	bool level = !(serial_iir(s) & IIR_NONE);
	struct kvm_irq_level irq = { .irq = VMM_SERIAL_IRQ, .level = level };

	if (level == s->level)
		return;
	s->level = level;
	ioctl(v->vm_fd, KVM_IRQ_LINE, &irq);
}

static void serial_rx_push(struct vmm_serial *s, uint8_t c)
{
	if (s->rx_len == sizeof(s->rx))
		return;		/* overrun: dropped, as a real FIFO would */
	s->rx[(s->rx_head + s->rx_len++) % sizeof(s->rx)] = c;
}

static uint8_t serial_msr(const struct vmm_serial *s)
{
	uint8_t m = s->mcr;

	if (!(s->mcr & MCR_LOOP))
		return 0xb0;	/* DCD, DSR, CTS: a cable is there */
	/* Loopback: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
	return (uint8_t)(((m & 0x02) << 3) | ((m & 0x01) << 5) | ((m & 0x04) << 4) |
			 ((m & 0x08) << 4));
}

void vmm_serial_io(struct vmm *v, uint16_t off, uint8_t *data, bool is_write)
{
	struct vmm_serial *s = &v->serial;
	bool dlab = s->lcr & LCR_DLAB;

	if (is_write) {
		uint8_t val = *data;

		switch (off) {
		case UART_RBR_THR:
			if (dlab) {
				s->dll = val;
			} else if (s->mcr & MCR_LOOP) {
				serial_rx_push(s, val);
				s->thr_irq = true;
			} else {
				serial_tx(s, val);
				s->thr_irq = true;
			}
			break;
		case UART_IER:
			if (dlab) {
				s->dlm = val;
				break;
			}
			/* Enabling THRI with the THR empty raises it at once. */
			if ((val & IER_THRI) && !(s->ier & IER_THRI))
				s->thr_irq = true;
			s->ier = val & 0x0f;
			break;
		case UART_IIR_FCR:
			s->fcr = val & 0xc9;
			if (val & 0x02) {
				s->rx_len = 0;
				s->rx_head = 0;
			}
			break;
		case UART_LCR:
			s->lcr = val;
			break;
		case UART_MCR:
			s->mcr = val & 0x1f;
			break;
		case UART_SCR:
			s->scr = val;
			break;
		default:
			break;
		}
		serial_update_irq(v);
		return;
	}
	switch (off) {
	case UART_RBR_THR:
		if (dlab) {
			*data = s->dll;
		} else if (s->rx_len) {
			*data = s->rx[s->rx_head];
			s->rx_head = (s->rx_head + 1) % sizeof(s->rx);
			s->rx_len--;
		} else {
			*data = 0;
		}
		break;
	case UART_IER:
		*data = dlab ? s->dlm : s->ier;
		break;
	case UART_IIR_FCR:
		*data = serial_iir(s);
		/* Reading IIR that reports THR-empty acknowledges it. */
		if ((*data & 0x0f) == IIR_THRI)
			s->thr_irq = false;
		break;
	case UART_LCR:
		*data = s->lcr;
		break;
	case UART_MCR:
		*data = s->mcr;
		break;
	case UART_LSR:
		*data = LSR_THRE | LSR_TEMT | (s->rx_len ? LSR_DR : 0);
		break;
	case UART_MSR:
		*data = serial_msr(s);
		break;
	default:
		*data = s->scr;
		break;
	}
	serial_update_irq(v);
}

static void *stdin_reader(void *arg)
{
	struct vmm *v = arg;

	for (;;) {
		uint8_t buf[32];
		ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return NULL;
		}
		for (ssize_t i = 0; i < n; i++) {
			/* Wait for room rather than drop typed input. */
			for (;;) {
				bool room;

				pthread_mutex_lock(&v->lock);
				room = v->serial.rx_len < sizeof(v->serial.rx);
				if (room) {
					serial_rx_push(&v->serial, buf[i]);
					serial_update_irq(v);
				}
				pthread_mutex_unlock(&v->lock);
				if (room)
					break;
				poll(NULL, 0, 5);
			}
		}
	}
}

int vmm_serial_stdin(struct vmm *v)
{
	pthread_t t;
	int ret;

	v->serial.unbuffered = true;
	ret = -pthread_create(&t, NULL, stdin_reader, v);
	if (!ret)
		pthread_detach(t);
	return ret;
}
