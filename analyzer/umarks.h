/*
 * umarks: the user-space marks of one Linux boot, on both clocks
 * (docs/linux.md, "User space").
 *
 * A guest's boot scripts print "@@bootlens mark NAME uptime_ns=N" lines
 * (bootlens-mark NAME, docs/guest.md); the kernel-log parser turns each
 * into an EVENT "mark.NAME" at printk time N + O (dmesg.h), and the
 * collector stamps the arrival of each line with host time
 * (docs/session.md, "marks"). This module lines the two up: the trace's
 * mark events in console order, each paired with the next host mark of
 * the same name not yet paired (both lists are in console order; a guest
 * mark the host list lacks stays unpaired, e.g. a capture analysed
 * without its session).
 *
 * Times: guest_ns is printk ns (the trace's clock); host_ns is ns since
 * QEMU was spawned, the collector's own stamp (late by the console latency;
 * differences between two marks are pure host time). Names are copied
 * without the "mark." prefix and made safe as the collector makes them
 * (docs/session.md): cut to 63 bytes, bytes outside printable ASCII
 * (0x21-0x7e) turned into '?', so they print and pair as stamped.
 * Functions return 0 or a negative errno; nothing prints.
 */
#ifndef BOOTLENS_UMARKS_H
#define BOOTLENS_UMARKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/events.h"

/* One host-stamped mark, as runs/NNNN.json lists them. */
struct umarks_host {
        const char *name;
        uint64_t host_ns; /* CLOCK_MONOTONIC ns, absolute */
};

#define UMARKS_NAME_MAX 63

struct umark {
        char name[UMARKS_NAME_MAX + 1]; /* without "mark.", made safe */
        uint32_t line;                  /* console line of the marker */
        uint64_t guest_ns;
        bool has_host;
        uint64_t host_ns; /* since spawn */
};

struct umarks {
        struct umark *v;
        size_t n;
};

/* Fill out (overwritten) from t's "mark.*" EVENT records, sorted by line,
 * paired with host[0..nhost) (may be NULL); host times before spawn are
 * left unpaired. Returns 0 or -ENOMEM. */
int umarks_collect(const struct ev_trace *t, const struct umarks_host *host, size_t nhost,
                   uint64_t spawn, struct umarks *out);

/* Release out's array; accepts a zeroed umarks. */
void umarks_free(struct umarks *m);

#endif
