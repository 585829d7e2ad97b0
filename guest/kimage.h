/*
 * kimage: what a kernel image is, read from its bytes (docs/elf.md).
 *
 * Input is an ELF kernel (NetBSD's and FreeBSD's kernels, Linux's
 * vmlinux, 32- or 64-bit, either byte order) or an x86 bzImage, whose ELF
 * payload is unwrapped with vmlinux.h's code (vmlinux_extract_mem: one
 * unwrapper for "guest vmlinux", collect and this). Everything below is
 * then said of that ELF, with the bzImage's own facts beside it.
 *
 * The model:
 *  - sizes: the file's size; the loaded size, the sum of sh_size over
 *    every SHF_ALLOC section (NOBITS included: .bss is memory the kernel
 *    occupies), or of the PT_LOAD segments' p_memsz when the ELF has no
 *    section (from_segments), split into classes that partition it exactly, so
 *    that the class sizes always add up to loaded_size; the size of the
 *    sections that are not loaded (symbols, strings, debug info);
 *  - the sections (name, address, size, class), in section-header order;
 *  - the build id (the NT_GNU_BUILD_ID note, owner "GNU", type 3, as
 *    lowercase hex), the OS (a note owned by "NetBSD", "FreeBSD" or
 *    "Linux", or a linux_banner symbol), e_entry;
 *  - the boot entry: whether the ELF carries the Xen PHYS32_ENTRY note
 *    (owner "Xen", type 18, in a PT_NOTE segment or an SHT_NOTE section)
 *    and its value, and so how QEMU's -kernel enters the file (entry);
 *  - the symbols: every STT_FUNC and STT_OBJECT symbol defined in a
 *    section (st_shndx not UNDEF, ABS or COMMON) of .symtab, or .dynsym
 *    when there is no .symtab; none ("no symbol table") otherwise.
 *
 * Sizes are bounded: a loaded (SHF_ALLOC) section whose sh_addr + sh_size
 * runs past the class's address space (2^32 bytes for ELF32) or whose
 * sh_size exceeds KIMAGE_SIZE_MAX, and a loaded size above it, are a
 * malformed ELF (-EBADMSG naming the section): no kernel comes near, and
 * every size then fits an int64_t with room for sums and deltas. A symbol
 * whose st_size exceeds it has size 0 (unknown).
 *
 * Section classes (the first rule that matches, for SHF_ALLOC sections):
 *   init    the name starts with ".init" or ".exit" (Linux's .init.text,
 *           .init.data, .exit.text: freed or never used after boot)
 *   bss     SHT_NOBITS (.bss, .brk, .tbss)
 *   text    SHF_EXECINSTR
 *   rodata  SHT_PROGBITS named ".rodata" or ".rodata.*" (x86 Linux's
 *           .rodata is SHF_WRITE in the vmlinux: __ro_after_init lives in
 *           it, read-only once booted)
 *   data    SHF_WRITE
 *   rodata  SHT_PROGBITS without SHF_WRITE or SHF_EXECINSTR
 *   other   the rest (allocated notes, relocation and symbol sections)
 *
 * Every offset, size and count read from the image is checked against
 * the buffer before it is used: a section or segment that runs past the
 * end is a truncated ELF, never a read past it. Functions return 0 or a
 * negative errno and, when why is given, a one-line reason (lowercase, no
 * full stop, naming the section or field):
 *   -ENOEXEC  neither an ELF nor a bzImage ("not a kernel image: ...")
 *   -EBADMSG  a truncated or malformed ELF; a bzImage whose payload is
 *             truncated or corrupt or holds no ELF (vmlinux.h's reasons;
 *             a bzImage cut short, which vmlinux.h calls -ERANGE, too)
 *   -ENOTSUP, -EPROTONOSUPPORT, -EFBIG  as vmlinux.h says
 *   -ENOMEM, or the errno of a failed open or read
 * Nothing prints. The parser works on a buffer so that it can be fuzzed
 * (tests/fuzz/fuzz_kimage.c).
 */
#ifndef BOOTLENS_KIMAGE_H
#define BOOTLENS_KIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/vmlinux.h"

/* 2^40 bytes (1 TiB): the largest section, segment and loaded size. */
#define KIMAGE_SIZE_MAX ((uint64_t)1 << 40)

enum kimage_format {
        KIMAGE_ELF,
        KIMAGE_BZIMAGE,
};
/* "elf", "bzimage". */
const char *kimage_format_name(enum kimage_format f);

/* How qemu -M microvm -kernel FILE enters the file. */
enum kimage_entry {
        KIMAGE_ENTRY_PVH,     /* an ELF with the PVH note: entered at pvh_entry */
        KIMAGE_ENTRY_BZIMAGE, /* a bzImage: the Linux boot protocol and its decompressor */
        KIMAGE_ENTRY_NONE,    /* an ELF without the note: QEMU cannot enter it */
};
/* "pvh", "bzimage", "none". */
const char *kimage_entry_name(enum kimage_entry e);

enum kimage_os {
        KIMAGE_OS_UNKNOWN,
        KIMAGE_OS_LINUX,
        KIMAGE_OS_NETBSD,
        KIMAGE_OS_FREEBSD,
};
/* "unknown", "linux", "netbsd", "freebsd". */
const char *kimage_os_name(enum kimage_os os);

enum kimage_class {
        KIMAGE_TEXT,
        KIMAGE_RODATA,
        KIMAGE_DATA,
        KIMAGE_BSS,
        KIMAGE_INIT,
        KIMAGE_OTHER,
        KIMAGE_NCLASSES,
};
/* "text", "rodata", "data", "bss", "init", "other". */
const char *kimage_class_name(enum kimage_class c);

struct kimage_section {
        char *name;            /* "" when the name cannot be read */
        uint64_t addr;         /* sh_addr */
        uint64_t offset;       /* sh_offset */
        uint64_t size;         /* sh_size (NOBITS: memory, not file bytes) */
        uint32_t type;         /* sh_type */
        uint64_t flags;        /* sh_flags */
        bool alloc;            /* SHF_ALLOC: counted in loaded_size */
        enum kimage_class cls; /* meaningful when alloc */
};

enum kimage_sym_kind {
        KIMAGE_SYM_FUNC,
        KIMAGE_SYM_OBJECT,
};

struct kimage_symbol {
        char *name;
        uint64_t addr; /* st_value */
        uint64_t size; /* st_size (0: unknown, as for many assembly labels) */
        enum kimage_sym_kind kind;
        bool global; /* STB_GLOBAL or STB_WEAK */
};

struct kimage {
        enum kimage_format format;
        uint64_t file_size; /* the input's bytes (the bzImage's for a bzImage) */

        /* bzImage only (format KIMAGE_BZIMAGE), else 0 / UNKNOWN / NULL: */
        uint16_t boot_protocol; /* e.g. 0x020f */
        enum vmlinux_comp comp; /* the payload's compression */
        uint64_t comp_size;     /* the payload's compressed bytes */
        char *kernel_version;   /* vmlinux_kernel_version(); NULL: none */

        /* The ELF (a bzImage's payload): */
        uint64_t elf_size;  /* where its last header, section or segment ends */
        unsigned elf_class; /* 32 or 64 */
        unsigned machine;   /* e_machine (62: x86-64, 3: i386) */
        bool big_endian;
        enum kimage_os os;
        uint64_t e_entry;
        bool pvh;           /* the Xen PHYS32_ENTRY note */
        uint64_t pvh_entry; /* its value (physical address) */
        enum kimage_entry entry;
        char build_id[129]; /* lowercase hex of the GNU build-id note; "": none */

        /* An ELF without sections (e_shnum 0, or the null section alone):
         * loaded_size and class_size are then the PT_LOAD segments', the
         * sum of p_memsz, classed by p_flags: PF_X text; PF_W data for
         * p_filesz and bss for p_memsz - p_filesz; else rodata. A PT_LOAD
         * whose p_filesz exceeds p_memsz is then malformed. */
        bool from_segments;
        uint64_t loaded_size;                 /* the SHF_ALLOC sections' sizes */
        uint64_t class_size[KIMAGE_NCLASSES]; /* sums to loaded_size exactly */
        uint64_t unloaded_size;               /* the other sections' sizes (not NOBITS) */
        struct kimage_section *sections;      /* header order, without index 0 */
        size_t nsections;

        bool has_symtab;               /* a .symtab or .dynsym was found (maybe with 0 symbols) */
        const char *symtab;            /* ".symtab", ".dynsym"; NULL: none */
        struct kimage_symbol *symbols; /* sorted by addr, then name */
        size_t nsymbols;
};

/* Read the image in buf (ELF or bzImage; the buffer is not kept). */
int kimage_parse(const void *buf, size_t len, struct kimage **out, char *why, size_t whylen);
/* The same for the file at path (at most VMLINUX_MAX_SIZE bytes read). */
int kimage_load(const char *path, struct kimage **out, char *why, size_t whylen);
void kimage_free(struct kimage *k);

/* Whether buf looks like an image kimage_parse() reads (an ELF magic or
 * a bzImage's "HdrS"), without parsing it: what "bootlens elf --addr"
 * uses to tell an image from a kallsyms text. */
bool kimage_sniff(const void *buf, size_t len);

#endif
