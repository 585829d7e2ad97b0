/*
 * textout: text from sessions and guests, made safe for a terminal (the
 * check that what a command printed reached its output is cli/io.h's).
 *
 * A session directory or a capture may come from anyone: its strings can
 * hold escape sequences that would drive the terminal (move the cursor,
 * retitle the window, rewrite what was printed before). textout_write()
 * lets through printable ASCII and valid UTF-8 other than the C1 controls
 * (U+0080-U+009F) and shows every other byte as \xNN (ESC as \x1b).
 */
#ifndef BOOTLENS_CLI_TEXTOUT_H
#define BOOTLENS_CLI_TEXTOUT_H

#include <stddef.h>
#include <stdio.h>

enum {
        TEXTOUT_LINES = 1, /* keep '\n', '\t' and a '\r' before '\n' (a capture's lines) */
};

/* Write len bytes of s to f, escaped as above. */
void textout_write(FILE *f, const void *s, size_t len, unsigned flags);
/* textout_write() of a string on one line; NULL prints as "unknown". */
void textout_puts(FILE *f, const char *s);
/* bl_error() and bl_warning() for a message that quotes a session's or a
 * guest's text: the whole message is made safe as above. */
void textout_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void textout_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
