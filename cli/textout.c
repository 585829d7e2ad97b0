/* textout: see textout.h. */
#include "cli/textout.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include "cli/commands.h"

/* Length of the valid UTF-8 sequence at s (a code point of 2-4 bytes
 * above U+009F, no overlong form, no surrogate), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
        unsigned char lo = 0x80, hi = 0xbf;
        size_t len;

        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                len = 2;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                len = 3;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                len = 4;
        else
                return 0;
        if (s[0] == 0xc2)
                lo = 0xa0; /* U+0080-U+009F: the C1 controls */
        else if (s[0] == 0xe0)
                lo = 0xa0;
        else if (s[0] == 0xed)
                hi = 0x9f;
        else if (s[0] == 0xf0)
                lo = 0x90;
        else if (s[0] == 0xf4)
                hi = 0x8f;
        if (n < len || s[1] < lo || s[1] > hi)
                return 0;
        for (size_t i = 2; i < len; i++)
                if (s[i] < 0x80 || s[i] > 0xbf)
                        return 0;
        return len;
}

void textout_write(FILE *f, const void *data, size_t len, unsigned flags)
{
        const unsigned char *s = data;
        size_t i = 0, run = 0; /* s[i - run, i) is safe and not yet written */

        while (i < len) {
                unsigned char c = s[i];
                size_t n = 1;
                bool keep = c >= 0x20 && c < 0x7f;

                if (!keep && (flags & TEXTOUT_LINES))
                        keep = c == '\n' || c == '\t' ||
                               (c == '\r' && i + 1 < len && s[i + 1] == '\n');
                if (!keep && c >= 0x80) {
                        n = utf8_len(s + i, len - i);
                        keep = n > 0;
                        n = n ? n : 1;
                }
                if (keep) {
                        i += n;
                        run += n;
                        continue;
                }
                fwrite(s + i - run, 1, run, f);
                run = 0;
                fprintf(f, "\\x%02x", c);
                i++;
        }
        fwrite(s + i - run, 1, run, f);
}

void textout_puts(FILE *f, const char *s)
{
        if (!s)
                s = "unknown";
        textout_write(f, s, strlen(s), 0);
}

static void say(const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void say(const char *prefix, const char *fmt, va_list ap)
{
        char *msg;

        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        fputs(prefix, stderr);
        textout_puts(stderr, msg ? msg : "out of memory");
        fputc('\n', stderr);
        free(msg);
}

void textout_error(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        say("bootlens: ", fmt, ap);
        va_end(ap);
}

void textout_warning(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        say("bootlens: warning: ", fmt, ap);
        va_end(ap);
}
