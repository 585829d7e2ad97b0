/*
 * ksize: the kernel that a set of runs booted, as collect recorded it in
 * session.json (variants[i].kernel and .image, docs/session.md), by value
 * so that it outlives the session it was read from. What compare, sweep,
 * analyze, report and history say of kernel size beside boot time
 * (reports/kline.h renders it).
 */
#ifndef BOOTLENS_KSIZE_H
#define BOOTLENS_KSIZE_H

#include <stdbool.h>
#include <stdint.h>

#include "collector/session.h"

struct ksize {
        bool one;        /* the runs booted one kernel file (one sha256) */
        char sha256[65]; /* its sha256 ("" when not one or not recorded) */
        bool known;      /* one, and collect read it as an image: then */
        char format[16]; /* "elf", "bzimage" */
        char entry[16];  /* "pvh", "bzimage", "none" */
        char comp[16];   /* a bzImage's payload compression; "" for an ELF */
        char build_id[129];
        bool pvh;
        uint64_t file_size, loaded_size, comp_size;
};

/* The kernel of in's variant called variant, or of every variant when
 * variant is NULL (one only when they all share a sha256). A variant
 * that in lacks gives one false. */
void ksize_from_session(struct ksize *k, const struct session_info *in, const char *variant);

/* The kernel of the variant v. */
void ksize_from_variant(struct ksize *k, const struct session_variant_info *v);

/* Whether a and b are each one kernel and different files (sha256). */
bool ksize_differ(const struct ksize *a, const struct ksize *b);

/* Whether any two variants of in boot different kernel files. */
bool ksize_session_differs(const struct session_info *in);

#endif
