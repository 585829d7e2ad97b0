/*
 * sbuf: a growable byte buffer (git's strbuf, in small).
 *
 * Invariants, once initialised with SBUF_INIT or sbuf_init():
 *   - buf is never NULL and buf[len] is always '\0', so sb.buf is a valid
 *     (possibly empty) C string at any time, even before anything was
 *     added and after sbuf_release();
 *   - cap == 0 means nothing was allocated (buf points at a shared,
 *     read-only empty string that must not be written through).
 * A zeroed struct sbuf (memset, calloc, "= {0}") is NOT initialised: call
 * sbuf_init() on it before reading buf. The adders accept a zeroed sbuf.
 *
 * On allocation failure the adders return -ENOMEM and the buffer keeps
 * what it had. Data may hold NUL bytes; len counts them.
 */
#ifndef BOOTLENS_SBUF_H
#define BOOTLENS_SBUF_H

#include <stdarg.h>
#include <stddef.h>

struct sbuf {
        char *buf;
        size_t len;
        size_t cap;
};

/* The empty string an unallocated sbuf points at; never written. */
extern char sbuf_empty[];

#define SBUF_INIT                                                                                  \
        {                                                                                          \
                sbuf_empty, 0, 0                                                                   \
        }

void sbuf_init(struct sbuf *sb);
/* Make room for extra more bytes (and the NUL). Returns 0 or -ENOMEM. */
int sbuf_grow(struct sbuf *sb, size_t extra);
/* Append; each returns 0 or -ENOMEM (-EINVAL for a bad format). */
int sbuf_add(struct sbuf *sb, const void *data, size_t len);
int sbuf_adds(struct sbuf *sb, const char *s);
int sbuf_addch(struct sbuf *sb, char c);
int sbuf_addf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sbuf_vaddf(struct sbuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Empty the buffer, keeping its allocation. */
void sbuf_reset(struct sbuf *sb);
/* Hand the buffer to the caller (free()) and reset sb to empty. Returns
 * an allocated string (even for an empty buffer), or NULL on -ENOMEM. */
char *sbuf_detach(struct sbuf *sb, size_t *len);
/* Free the allocation and leave sb initialised and empty. */
void sbuf_release(struct sbuf *sb);

#endif
