/*
 * elfreport: what "bootlens elf" prints (docs/elf.md describes every
 * format): one kernel image, the change between two, and addresses
 * resolved to symbols.
 *
 *  - table: aligned text for a terminal; sizes in bytes with a human
 *    figure beside them ("53241916 (50.8 MiB)"), deltas signed;
 *  - json: one document per call, kind ELFREPORT_KIND_*, schema_version
 *    ELFREPORT_SCHEMA_VERSION; sizes in bytes (numbers), addresses as
 *    "0x..." strings (a 64-bit address does not fit a JSON double);
 *    for an image "pvh" (bool) and "pvh_entry" ("0x..." or null);
 *  - md: Markdown tables for a pull request or a paper's notes.
 *
 * The image report: the file, its format, size and loaded size; for a
 * bzImage its boot protocol, payload compression and compressed size and
 * kernel version; the ELF's class, machine, OS, build id, e_entry; the
 * boot entry (PVH note and address, or the bzImage path, or none) said in
 * words a user acts on ("qemu -M microvm -kernel enters it at its PVH
 * entry" / "needs the bzImage path: bootlens guest vmlinux unwraps it");
 * the size per class; the top largest loaded sections; the top largest
 * functions and objects, or "no symbol table".
 *
 * The compare report: the two files, file and loaded sizes and their
 * change, the change per class (a line that adds up to the loaded change,
 * shown), the sections that changed most, and with symbols the top that
 * grew, shrank, appeared and vanished.
 *
 * The address report: one line per address: the address, then
 * "symbol+0xOFF/0xSIZE" or "not in a symbol (after NAME)" or "below the
 * first symbol".
 *
 * Section and symbol names and paths come from untrusted files: the
 * table writes them through o->put_text, JSON through jsonw's escaping,
 * Markdown through md_escape. Functions return 0, -ENOMEM, -EINVAL (a bad
 * format for the report) or -EIO (a failed write); nothing else prints.
 */
#ifndef BOOTLENS_ELFREPORT_H
#define BOOTLENS_ELFREPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzer/kdiff.h"
#include "analyzer/ksyms.h"
#include "guest/kimage.h"

#define ELFREPORT_SCHEMA_VERSION 1
#define ELFREPORT_KIND_IMAGE     "bootlens-elf"
#define ELFREPORT_KIND_COMPARE   "bootlens-elf-compare"
#define ELFREPORT_KIND_ADDR      "bootlens-elf-addr"
#define ELFREPORT_TOP            10 /* --top's default */

enum elfreport_format {
        ELFREPORT_TABLE = 0,
        ELFREPORT_JSON,
        ELFREPORT_MD,
};
/* "table", "json", "md": 0 or -EINVAL. */
int elfreport_format_parse(const char *s, enum elfreport_format *f);

struct elfreport_options {
        enum elfreport_format format;
        size_t top;                                 /* sections and symbols listed */
        void (*put_text)(FILE *out, const char *s); /* table: untrusted text (NULL: fputs) */
};

int elfreport_image(FILE *out, const struct kimage *k, const char *path,
                    const struct elfreport_options *o);
/* d compares a (path_a) with b (path_b). */
int elfreport_compare(FILE *out, const struct kdiff *d, const char *path_a, const char *path_b,
                      const struct elfreport_options *o);
/* addrs[i] as the user wrote it in texts[i]; s loaded from path. */
int elfreport_addrs(FILE *out, const struct ksyms *s, const char *path, const uint64_t *addrs,
                    const char *const *texts, size_t n, const struct elfreport_options *o);

#endif
