/*
 * jsonw: a streaming JSON writer, for reports too big to build as a tree.
 *
 * Values go straight to a FILE through a 64 KiB buffer, laid out as
 * jansson's JSON_INDENT(2) lays them out: one member or element a line,
 * indented by two spaces a level, "key": value, empty containers as {} and
 * []. Keys and strings are escaped as JSON requires: '"', '\\' and every
 * byte below 0x20 (\b \f \n \r \t, else \u00XX, upper-case hex); bytes that are not valid
 * UTF-8 (overlong forms, surrogates, beyond U+10FFFF, cut sequences) are
 * each replaced by U+FFFD, so any guest string is written safely.
 *
 * Errors are sticky: the first failed write (-EIO) or misuse (-EINVAL:
 * nesting deeper than JSONW_MAX_DEPTH, a value where a key is expected)
 * stops all output, and jsonw_finish() returns it. The caller checks once,
 * at the end. Nothing is allocated.
 */
#ifndef BOOTLENS_JSONW_H
#define BOOTLENS_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSONW_MAX_DEPTH 32
#define JSONW_BUF       65536

struct jsonw {
        FILE *out;
        int err;                      /* 0 or the first error (-EIO, -EINVAL) */
        unsigned depth;               /* open containers */
        bool first[JSONW_MAX_DEPTH];  /* no member yet at that level */
        bool is_obj[JSONW_MAX_DEPTH]; /* that level is an object */
        bool have_key;                /* a key was written, its value is next */
        size_t len;                   /* bytes in buf */
        char buf[JSONW_BUF];
};

/* Start writing to out (w is overwritten). */
void jsonw_init(struct jsonw *w, FILE *out);
/* Flush (the buffer and out); returns 0 or the sticky error. The document must be complete
 * (every container closed), else -EINVAL. */
int jsonw_finish(struct jsonw *w);

/* Stop w with err (a negative errno) unless it has stopped already: for a
 * caller that failed to get what it was about to write (-ENOMEM). */
void jsonw_fail(struct jsonw *w, int err);

/* A report's document, for the renderers that write one (elfreport,
 * histreport): a writer allocated on out with the top object opened and
 * its first members "schema_version", "kind" and "tool" ("bootlens
 * VERSION") written; NULL on -ENOMEM. jsonw_doc_end() closes the object,
 * finishes, ends the line, flushes out and frees w: 0, the writer's
 * sticky error or -EIO. */
struct jsonw *jsonw_doc_begin(FILE *out, unsigned schema_version, const char *kind);
int jsonw_doc_end(struct jsonw *w);

void jsonw_obj_begin(struct jsonw *w);
void jsonw_obj_end(struct jsonw *w);
void jsonw_arr_begin(struct jsonw *w);
void jsonw_arr_end(struct jsonw *w);
/* The key of the next member (inside an object only). */
void jsonw_key(struct jsonw *w, const char *key);

void jsonw_str(struct jsonw *w, const char *s); /* NULL writes null */
void jsonw_int(struct jsonw *w, int64_t v);
void jsonw_uint(struct jsonw *w,
                uint64_t v);                /* above INT64_MAX (which jansson cannot hold): null */
void jsonw_real(struct jsonw *w, double v); /* %.17g, ".0" added to a whole number; null
                                             * for an infinity or NaN */
/* v / 2^bits (bits at most 16) written exactly, in as few decimals as
 * that takes ("-12.5", "0.0009765625", "3"): a number that a reader's
 * double holds exactly, so that sums of such numbers (a trace's ts + dur)
 * are exact too. */
void jsonw_binary_fraction(struct jsonw *w, int64_t v, unsigned bits);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);

/* A member of the object being written: jsonw_key(w, key), then the value
 * as the writer above of the same type. */
void jsonw_kstr(struct jsonw *w, const char *key, const char *s);
void jsonw_kint(struct jsonw *w, const char *key, int64_t v);
void jsonw_kuint(struct jsonw *w, const char *key, uint64_t v);
void jsonw_kreal(struct jsonw *w, const char *key, double v);
void jsonw_kbool(struct jsonw *w, const char *key, bool v);

#endif
