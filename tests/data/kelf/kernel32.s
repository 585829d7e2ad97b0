# A small i386 kernel with a NetBSD note (owner "NetBSD", type 1: the
# OS version), standing in for a BSD kernel; linked by kernel32.ld.
        .section .text,"ax",@progbits
        .globl start
        .type start,@function
start:
        .fill 64,1,0x90
        .size start,64
        .globl main
        .type main,@function
main:
        .fill 32,1,0xc3
        .size main,32

        .section .rodata,"a",@progbits
        .globl ostype
        .type ostype,@object
ostype:
        .asciz "NetBSD"
        .fill 9,1,0
        .size ostype,16

        .section .data,"aw",@progbits
        .globl hz
        .type hz,@object
hz:
        .long 100
        .size hz,4

        .section .bss,"aw",@nobits
        .skip 1024

        .section .note.netbsd.ident,"a",@note
        .balign 4
        .long 7
        .long 4
        .long 1
        .asciz "NetBSD"
        .balign 4
        .long 1000000000
        .section .note.GNU-stack,"",@progbits
