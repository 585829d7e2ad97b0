# A small x86-64 "kernel" for tests/unit/test_kimage.c: every section
# class, FUNC and OBJECT symbols of known sizes, linked by kernel64.ld.
        .section .text,"ax",@progbits
        .globl start_kernel
        .type start_kernel,@function
start_kernel:
        .fill 100,1,0x90
        .size start_kernel,100
        .type do_one_initcall,@function
do_one_initcall:
        .fill 28,1,0xc3
        .size do_one_initcall,28

        .section .init.text,"ax",@progbits
        .globl kernel_init
        .type kernel_init,@function
kernel_init:
        .fill 48,1,0x90
        .size kernel_init,48

        .section .rodata,"a",@progbits
        .globl linux_banner
        .type linux_banner,@object
linux_banner:
        .fill 64,1,0x41
        .size linux_banner,64

        .section .data,"aw",@progbits
        .globl jiffies
        .type jiffies,@object
jiffies:
        .quad 0
        .size jiffies,8
        .fill 24,1,0

        .section .bss,"aw",@nobits
        .type init_stack,@object
init_stack:
        .skip 4096
        .size init_stack,4096

        .section .note.GNU-stack,"",@progbits
