# A note owned by "Linux" (type 0x100, as Linux's LINUX_ELFNOTE_BUILD_SALT
# is one), instead of the PVH note.
        .section .note.Linux,"a",@note
        .balign 4
        .long 6
        .long 4
        .long 0x100
        .asciz "Linux"
        .balign 4
        .long 0x06010000
        .section .note.GNU-stack,"",@progbits
