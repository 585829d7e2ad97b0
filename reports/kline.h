/*
 * kline: "the kernel line", what every report says of kernel size beside
 * boot time when the runs it shows booted different kernel files
 * (analyzer/ksize.h; docs/compare.md "The kernel line"). One rendering,
 * used by compare, sweep, analyze and report, so that they say the same
 * thing the same way:
 *
 *   loaded 50.8 MiB -> 54.9 MiB (+4.1 MiB, +8.1%), file 13.4 -> 11.0 MiB,
 *   entry bzimage/pvh
 *
 * MiB with one decimal (1 MiB = 1048576 bytes); the delta's percentage of
 * the base's loaded size; the entry is kimage's ("pvh", "bzimage",
 * "none"), "/pvh" added for a bzImage whose payload has the PVH note, and
 * "A -> B" when the sides differ. A side that collect could not read as
 * an image makes the line say so instead of the sizes.
 *
 * The text holds only numbers and the fixed names session.c checked;
 * callers still escape it for their format (put_text, md_escape). JSON
 * holds the bytes. Functions return 0 or -ENOMEM (the sbuf's).
 */
#ifndef BOOTLENS_KLINE_H
#define BOOTLENS_KLINE_H

#include "analyzer/ksize.h"
#include "base/sbuf.h"
#include "reports/jsonw.h"

/* The line for base a and new b (without "kernel" and without newline),
 * appended to sb. */
int kline_text(struct sbuf *sb, const struct ksize *a, const struct ksize *b);

/* One kernel: "loaded 50.8 MiB, file 13.4 MiB, entry bzimage/pvh", or
 * "not read as an image" (and "" when k is not one kernel). */
int kline_one(struct sbuf *sb, const struct ksize *k);

/* The loaded-size delta of b against a, signed: "+4.1 MiB", "-0.2 MiB",
 * "?" when either is unknown. */
int kline_delta(struct sbuf *sb, const struct ksize *a, const struct ksize *b);

/* k as a JSON value: {"sha256", "format", "entry", "pvh", "file_size",
 * "loaded_size", "build_id", "comp", "comp_size"} (sizes in bytes), or
 * null when k is not a known image. */
void kline_json_one(struct jsonw *w, const struct ksize *k);

/* {"base": kline_json_one(a), "new": kline_json_one(b), "loaded_delta":
 * bytes, "loaded_delta_pct": percent, "file_delta": bytes}; the deltas
 * null when either side is unknown. */
void kline_json(struct jsonw *w, const struct ksize *a, const struct ksize *b);

#endif
