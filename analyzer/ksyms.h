/*
 * ksyms: addresses to "symbol+offset/size", against an ELF symbol table
 * (guest/kimage.h) or a /proc/kallsyms text (docs/elf.md, "Symbols").
 *
 * A kallsyms text is one symbol a line: "ADDRESS TYPE NAME" with an
 * optional "\t[MODULE]" after the name (a trailing "\r" of a CRLF file is
 * cut; empty lines are skipped but counted in line numbers); ADDRESS is hexadecimal without
 * 0x (16 digits on 64-bit kernels, 8 on 32-bit), TYPE one letter (nm's:
 * t/T text, d/D data, r/R rodata, b/B bss, w/W weak, a/A absolute, ...).
 * Every line must parse: a bad one is an error naming path:line. A text
 * whose addresses are all zero (the kernel hid them: kptr_restrict) is
 * refused with -EPERM and a hint. Absolute symbols (a/A: per-CPU
 * offsets, build constants) are no addresses in the image and are left
 * out. kallsyms has no sizes: as the kernel's own %pS does, a symbol ends
 * where the next higher address of the same module (or of the kernel
 * itself) begins; the last one of the kernel and of each module has no
 * known end, and nothing resolves into it.
 *
 * From an ELF, every FUNC and OBJECT symbol with its st_size. A symbol of
 * size 0 ends, as in kallsyms, at the next symbol.
 *
 * Resolution finds the symbol with the highest address <= addr (among
 * equal addresses of a kallsyms text the first in the text, as the
 * kernel's lookup takes it: "virtio_init", not its alias "init_module";
 * of an ELF a FUNC before an OBJECT, a global before a local, then the
 * first name in strcmp order) and says whether addr lies inside it.
 * Functions return 0 or a negative errno; why, when given, receives a
 * one-line reason (lowercase, no full stop). Nothing prints.
 */
#ifndef BOOTLENS_KSYMS_H
#define BOOTLENS_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/kimage.h"

struct ksyms;

/* The image's symbols. -ENOENT when it has none ("no symbol table"). */
int ksyms_from_kimage(const struct kimage *k, struct ksyms **out, char *why, size_t whylen);
/* A kallsyms text (path names it in errors: "PATH:LINE: ..."). -EBADMSG
 * for a malformed line, -EPERM for hidden addresses, -ENOENT for an empty
 * text ("the file is empty") or one without a symbol. */
int ksyms_parse_kallsyms(const char *text, size_t len, const char *path, struct ksyms **out,
                         char *why, size_t whylen);
/* A file: an ELF or bzImage (kimage_sniff()) through kimage_load() and
 * ksyms_from_kimage(), else a kallsyms text. */
int ksyms_load(const char *path, struct ksyms **out, char *why, size_t whylen);
void ksyms_free(struct ksyms *s);

size_t ksyms_count(const struct ksyms *s);
/* "elf" or "kallsyms". */
const char *ksyms_source(const struct ksyms *s);

struct ksyms_hit {
        const char *name;   /* borrowed from s */
        const char *module; /* kallsyms "[MODULE]" without brackets; NULL: the kernel's */
        char type;          /* kallsyms's letter; for an ELF 'T'/'t' or 'D'/'d' */
        uint64_t sym_addr;
        uint64_t offset; /* addr - sym_addr */
        uint64_t size;   /* the symbol's size (see above); 0 when unknown */
        bool size_known; /* false for the kernel's and each module's last kallsyms symbol */
};

/* 0 with *hit filled when addr lies inside a symbol (or at the address of
 * one whose end is unknown); -ENOENT when it lies below every symbol,
 * past the end of the nearest one, or past the address of one whose end
 * is unknown (hit is then filled for the nearest symbol below; hit->name
 * is NULL below every symbol). */
int ksyms_resolve(const struct ksyms *s, uint64_t addr, struct ksyms_hit *hit);

/* The addresses the symbols span, both inclusive: *lo the lowest
 * symbol's address, *hi the last byte of the symbol that ends highest
 * (the address itself of one whose end is unknown). What "elf --addr -"
 * keeps of a pasted oops's words. */
void ksyms_range(const struct ksyms *s, uint64_t *lo, uint64_t *hi);

/* "name+0xOFF/0xSIZE" (the kernel's %pS form; "/0xSIZE" left out when the
 * size is unknown; " [MODULE]" after it for a module) into buf. Returns
 * snprintf's count. */
int ksyms_format_hit(const struct ksyms_hit *hit, char *buf, size_t len);

/* An address as the user writes it: hexadecimal with or without 0x
 * ("0xffffffff81000000", "ffffffff81000000"), at most 16 digits. 0 or
 * -EINVAL. */
int ksyms_parse_addr(const char *s, uint64_t *addr);

#endif
