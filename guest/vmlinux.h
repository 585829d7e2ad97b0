/*
 * vmlinux: unwrap the ELF kernel (vmlinux) that an x86 bzImage carries,
 * and tell what an ELF kernel is (Linux or not, PVH entry or not).
 *
 * A bzImage is real-mode setup code, then a small decompressor with the
 * compressed kernel inside it. Boot protocol 2.08 and later name that
 * payload in the setup header: payload_offset (0x248, from the end of the
 * setup code, which is (setup_sects + 1) * 512 bytes) and payload_length
 * (0x24c). The payload's compression is known by its magic; what comes out
 * is the kernel's ELF image ("objcopy -S vmlinux") followed by its
 * relocation table. Kernel builds append the uncompressed size as a 32-bit
 * little-endian number to every payload (gzip's own trailer says the
 * same), which is checked against what was decompressed.
 *
 * An ELF kernel with a Xen PHYS32_ENTRY note (owner "Xen", type 18) in a
 * PT_NOTE segment can be booted by QEMU directly through its PVH entry,
 * skipping the bzImage's decompressor. Linux builds one with CONFIG_PVH;
 * the BSDs' micro-VM kernels are such ELFs too.
 *
 * Functions return 0 or a negative errno; when a why buffer is given it
 * receives a one-line reason for a failure (lowercase, no full stop):
 *   -ENOEXEC          not a bzImage (no "HdrS"), or the payload is no ELF
 *   -EPROTONOSUPPORT  boot protocol older than 2.08 (no payload fields)
 *   -ERANGE           the payload lies outside the file
 *   -ENOTSUP          a compression that is unknown or not built in (lzo)
 *   -EBADMSG          corrupt or truncated compressed data, or a size that
 *                     disagrees with the payload's size trailer
 *   -EFBIG            the kernel would be larger than VMLINUX_MAX_SIZE
 *   -ENOMEM, or the errno of a failed read or write
 * Nothing prints.
 */
#ifndef BOOTLENS_VMLINUX_H
#define BOOTLENS_VMLINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <libelf.h>
#include <stdint.h>

/* The largest vmlinux decompressed (Debian's 6.1 cloud kernel: 53 MB). */
#define VMLINUX_MAX_SIZE ((size_t)1 << 30)

/* Xen ELF note type of the 32-bit physical PVH entry point. */
#define VMLINUX_XEN_ELFNOTE_PHYS32_ENTRY 18

enum vmlinux_comp {
        VMLINUX_COMP_UNKNOWN,
        VMLINUX_COMP_GZIP,
        VMLINUX_COMP_BZIP2,
        VMLINUX_COMP_LZMA,
        VMLINUX_COMP_XZ,
        VMLINUX_COMP_LZO, /* recognised, not decompressed */
        VMLINUX_COMP_LZ4, /* the legacy frame, as the kernel build writes it */
        VMLINUX_COMP_ZSTD,
};

/* "gzip", "bzip2", "lzma", "xz", "lzo", "lz4", "zstd", "unknown". */
const char *vmlinux_comp_name(enum vmlinux_comp c);

/* The compression of data by its first bytes (UNKNOWN when none fits). */
enum vmlinux_comp vmlinux_comp_detect(const void *data, size_t len);

/* Where a bzImage keeps its payload. */
struct vmlinux_bzimage {
        uint16_t protocol;  /* boot protocol version, e.g. 0x020f */
        size_t setup_size;  /* (setup_sects + 1) * 512 */
        size_t payload_off; /* from the start of the file */
        size_t payload_len;
        enum vmlinux_comp comp;
};

/* Read the setup header of a bzImage held in memory. A payload whose
 * compression is unknown is no error here (comp UNKNOWN). */
int vmlinux_bzimage_parse(const void *img, size_t len, struct vmlinux_bzimage *bz, char *why,
                          size_t whylen);

/* Decompress a whole payload (comp as detected) into a fresh buffer
 * (*out, owned by the caller, free()). A trailing 32-bit size, when
 * present, must match the output. */
int vmlinux_decompress(enum vmlinux_comp comp, const void *in, size_t len, void **out,
                       size_t *out_len, char *why, size_t whylen);

/* What an ELF kernel is. */
struct vmlinux_elf {
        unsigned elf_class; /* 32 or 64 */
        unsigned machine;   /* e_machine (62: x86-64) */
        bool pvh;           /* a Xen PHYS32_ENTRY note in a PT_NOTE segment */
        uint64_t pvh_entry; /* its value: the physical address QEMU jumps to */
        bool linux_kernel;  /* a note owned by "Linux", or a linux_banner symbol */
        size_t elf_size;    /* where the ELF's last header, section or segment ends */
};

/* Inspect an ELF image in memory (trailing bytes after the ELF, such as
 * a bzImage's relocation table, are allowed). -ENOEXEC if it is no ELF. */
int vmlinux_elf_inspect(const void *img, size_t len, struct vmlinux_elf *e);
/* The same for a file, read through libelf without loading it whole. */
int vmlinux_elf_inspect_file(const char *path, struct vmlinux_elf *e);

/* One ELF note, as vmlinux_note_walk() hands it over. */
struct vmlinux_note {
        const char *name; /* the owner: namesz bytes, its NUL included */
        size_t namesz;
        uint32_t type;
        const unsigned char *desc; /* descsz bytes, in the file's byte order */
        size_t descsz;
};

/* Call fn on every note of one note chunk (the Elf_Data of a PT_NOTE
 * segment from elf_getdata_rawchunk(), or of an SHT_NOTE section), in
 * order; gelf_getnote() bounds every note by the chunk, and the walk stops
 * at the first note that does not fit. data may be NULL (no note). */
void vmlinux_note_walk(Elf_Data *data, void (*fn)(const struct vmlinux_note *n, void *arg),
                       void *arg);
/* Whether the note is owned by owner ("Xen", "GNU", "Linux"...). */
bool vmlinux_note_owner(const struct vmlinux_note *n, const char *owner);

/* What vmlinux_extract found. */
struct vmlinux_info {
        uint64_t bzimage_size;
        struct vmlinux_bzimage bz;
        size_t vmlinux_size; /* bytes written: the ELF and the relocations after it */
        struct vmlinux_elf elf;
        char why[192]; /* the reason for a failure, "" on success */
};

/* vmlinux_bzimage_parse + vmlinux_decompress + vmlinux_elf_inspect on an
 * image in memory; *out as for vmlinux_decompress. */
int vmlinux_extract_mem(const void *img, size_t len, void **out, size_t *out_len,
                        struct vmlinux_info *info);
/* Read the bzImage at path, unwrap it and write the vmlinux to out_path
 * atomically (a temporary file renamed into place). */
int vmlinux_extract(const char *path, const char *out_path, struct vmlinux_info *info);

/* The largest setup code a bzImage has: setup_sects is one byte. */
#define VMLINUX_SETUP_MAX ((size_t)(255 + 1) * 512)

/*
 * The kernel's version from a bzImage's setup header (boot protocol 2.00
 * and later): kernel_version (a 16-bit field at 0x20e), when not 0,
 * points (+ 0x200) into the setup code at a NUL-terminated string such as
 * "6.1.0-27-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP ...".
 * *version (malloc'd) receives its first word (at most 128 bytes of
 * printable ASCII, up to the first space). Every read is bounded by len
 * and by the setup code ((setup_sects + 1) * 512 bytes). Returns 0;
 * -ENOEXEC (no "HdrS"); -EPROTONOSUPPORT (protocol older than 2.00, or
 * the field is 0); -ERANGE (the string lies outside the setup code or the
 * image, has no NUL there, or its first word is empty, too long or not
 * printable); -ENOMEM. *version is NULL on error.
 */
int vmlinux_kernel_version(const void *img, size_t len, char **version, char *why, size_t whylen);
/* The same for the bzImage at path: reads its first VMLINUX_SETUP_MAX
 * bytes at most. Also the errno of a failed open or read. */
int vmlinux_kernel_version_file(const char *path, char **version, char *why, size_t whylen);

#endif
