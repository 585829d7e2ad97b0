/*
 * kdiff: where the size went between two kernel images, A (the old one)
 * and B (docs/elf.md, "Compare").
 *
 *  - file_delta and loaded_delta: B - A;
 *  - class_delta[c] = B.class_size[c] - A.class_size[c], which adds up to
 *    loaded_delta exactly (kimage's classes partition the loaded size);
 *  - the loaded sections matched by name (a name present in one image
 *    only counts 0 in the other; repeated names are summed), sorted by
 *    |delta| descending, then name; sections whose size is unchanged are
 *    left out;
 *  - with symbol tables in both: symbols matched by name and kind, sizes
 *    of repeated names summed (and counted), then four lists, each sorted
 *    by |delta| descending, then name, cut at top entries (the counts
 *    before the cut are kept): grew, shrank, added (only in B), removed
 *    (only in A). Unchanged symbols are in none. The sum of every symbol
 *    delta (before the cut) is sym_delta.
 *
 * Strings are borrowed from the two images, which must outlive the diff.
 * Returns 0, -EINVAL (a NULL image, or one whose class sizes do not add
 * up to its loaded size), -EOVERFLOW (sizes or sums of sizes above
 * INT64_MAX, whose deltas would not be exact: no kimage's, whose sizes
 * are at most KIMAGE_SIZE_MAX, unless symbols' sizes add up past it) or
 * -ENOMEM. Checked at run time (not an assert).
 */
#ifndef BOOTLENS_KDIFF_H
#define BOOTLENS_KDIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/kimage.h"

struct kdiff_section {
        const char *name;
        enum kimage_class cls; /* B's class when in B, else A's */
        uint64_t a, b;         /* sizes; 0 when absent */
        bool in_a, in_b;
        int64_t delta;
};

struct kdiff_sym {
        const char *name;
        enum kimage_sym_kind kind;
        uint64_t a, b;   /* summed sizes; 0 when absent */
        unsigned na, nb; /* how many symbols of that name and kind */
        int64_t delta;
};

struct kdiff_list {
        struct kdiff_sym *v;
        size_t n;     /* kept (at most top) */
        size_t total; /* before the cut */
};

struct kdiff {
        const struct kimage *a, *b;
        int64_t file_delta, loaded_delta, unloaded_delta;
        int64_t class_delta[KIMAGE_NCLASSES];
        struct kdiff_section *sections;
        size_t nsections;
        bool symbols; /* both images have symbols: the lists are filled */
        struct kdiff_list grew, shrank, added, removed;
        int64_t sym_delta;
};

int kdiff_build(const struct kimage *a, const struct kimage *b, size_t top, struct kdiff **out);
void kdiff_free(struct kdiff *d);

#endif
