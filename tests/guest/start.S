/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Entry of the test payload: pciassign-vmm starts us in 64-bit long mode
 * at 1 MiB with a GDT (code 0x08, data 0x10) and identity paging. Sets a
 * stack, clears .bss, runs payload_main(args) (RDI from the VMM: its
 * --append string or 0) and writes its return value to
 * the VMM's exit port. Also the 256 interrupt stubs (16 bytes apart) and
 * their common path into isr_handler().
 */
	.section .text.start, "ax"
	.code64
	.globl _start
_start:
	cli
	mov	%rdi, %rbx		/* the VMM's argument string, or 0 */
	lea	stack_top(%rip), %rsp
	lea	__bss_start(%rip), %rdi
	lea	__bss_end(%rip), %rcx
	sub	%rdi, %rcx
	xor	%eax, %eax
	cld
	rep stosb
	mov	%rbx, %rdi
	call	payload_main
	mov	$0x501, %dx
	outb	%al, %dx
1:	cli
	hlt
	jmp	1b

	.text
	.balign	16
	.globl	isr_stubs
isr_stubs:
	.set	vec, 0
	.rept	256
	.balign	16
	.if	(vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq	$0		/* no error code from the CPU: keep the frame uniform */
	.endif
	pushq	$vec
	jmp	isr_common
	.set	vec, vec + 1
	.endr

isr_common:
	push	%rax
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	mov	%rsp, %rdi
	cld
	call	isr_handler
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
	add	$16, %rsp
	iretq

	.bss
	.balign	16
	.skip	65536
stack_top:
	.section .note.GNU-stack, "", @progbits
