# The Xen PHYS32_ENTRY note (owner "Xen", type 18): QEMU's PVH entry.
        .section .note.Xen,"a",@note
        .balign 4
        .long 4
        .long 4
        .long 18
        .asciz "Xen"
        .long 0x1000040
        .section .note.GNU-stack,"",@progbits
