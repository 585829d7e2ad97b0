/*
 * idmap: a 64-bit id (a thread pointer, an LWP id, a PID) to a dense
 * index 0..n-1, in order of first sight.
 *
 * The parsers keep per-thread state in arrays of their own, indexed the
 * same way; the map only finds the index, in O(1) however many threads a
 * (possibly hostile) dump names. Open addressing, at most half full.
 * Zero-initialise (IDMAP_INIT); idmap_free() releases it.
 */
#ifndef BOOTLENS_IDMAP_H
#define BOOTLENS_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct idmap {
        uint64_t *keys;  /* by index */
        size_t n, cap;   /* ids known, room in keys */
        uint32_t *slots; /* 1 + index, 0 = free */
        size_t nslots;   /* a power of two, or 0 before the first id */
};
#define IDMAP_INIT                                                                                 \
        {                                                                                          \
                NULL, 0, 0, NULL, 0                                                                \
        }

/* The index of id; a new id gets index n (the count before the call) and
 * sets *added, so that the caller appends its state for it. Returns the
 * index or -ENOMEM (the map is then unchanged). */
int64_t idmap_get(struct idmap *m, uint64_t id, bool *added);
/* Forget every id, keeping the memory. */
void idmap_clear(struct idmap *m);
/* Release the memory; accepts a zeroed map. */
void idmap_free(struct idmap *m);

#endif
