/* jsonw: see jsonw.h. */
#include "reports/jsonw.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bootlens_config.h"

static void flush(struct jsonw *w)
{
        if (w->len && !w->err && fwrite(w->buf, 1, w->len, w->out) != w->len)
                w->err = -EIO;
        w->len = 0;
}

static void put(struct jsonw *w, const char *s, size_t n)
{
        if (w->err)
                return;
        if (n > JSONW_BUF - w->len) {
                flush(w);
                if (n > JSONW_BUF) {
                        if (!w->err && fwrite(s, 1, n, w->out) != n)
                                w->err = -EIO;
                        return;
                }
        }
        memcpy(w->buf + w->len, s, n);
        w->len += n;
}

static void putc_(struct jsonw *w, char c)
{
        if (w->len == JSONW_BUF)
                flush(w);
        w->buf[w->len++] = c;
}

static void newline(struct jsonw *w)
{
        static const char spaces[] =
            "                                                                ";
        size_t n = 2 * (size_t)w->depth;

        putc_(w, '\n');
        while (n) {
                size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
                put(w, spaces, k);
                n -= k;
        }
}

/* Before a value: the separator and indentation of an array element, or
 * nothing after a key. Returns false when w is stopped. */
static bool before_value(struct jsonw *w)
{
        if (w->err)
                return false;
        if (w->have_key) {
                w->have_key = false;
                return true;
        }
        if (w->depth == 0)
                return true;
        if (w->is_obj[w->depth - 1]) {
                w->err = -EINVAL; /* a value needs a key here */
                return false;
        }
        if (!w->first[w->depth - 1])
                putc_(w, ',');
        w->first[w->depth - 1] = false;
        newline(w);
        return true;
}

void jsonw_init(struct jsonw *w, FILE *out)
{
        w->out = out;
        w->err = 0;
        w->depth = 0;
        w->have_key = false;
        w->len = 0;
}

int jsonw_finish(struct jsonw *w)
{
        if (!w->err && (w->depth || w->have_key))
                w->err = -EINVAL;
        flush(w);
        if (!w->err && (fflush(w->out) != 0 || ferror(w->out)))
                w->err = -EIO;
        return w->err;
}

void jsonw_fail(struct jsonw *w, int err)
{
        if (!w->err)
                w->err = err;
}

static void open_(struct jsonw *w, char c, bool obj)
{
        if (!before_value(w))
                return;
        if (w->depth == JSONW_MAX_DEPTH) {
                w->err = -EINVAL;
                return;
        }
        putc_(w, c);
        w->first[w->depth] = true;
        w->is_obj[w->depth] = obj;
        w->depth++;
}

static void close_(struct jsonw *w, char c, bool obj)
{
        if (w->err)
                return;
        if (!w->depth || w->is_obj[w->depth - 1] != obj || w->have_key) {
                w->err = -EINVAL;
                return;
        }
        w->depth--;
        if (!w->first[w->depth])
                newline(w);
        putc_(w, c);
}

void jsonw_obj_begin(struct jsonw *w)
{
        open_(w, '{', true);
}

void jsonw_obj_end(struct jsonw *w)
{
        close_(w, '}', true);
}

void jsonw_arr_begin(struct jsonw *w)
{
        open_(w, '[', false);
}

void jsonw_arr_end(struct jsonw *w)
{
        close_(w, ']', false);
}

/* Length of a valid UTF-8 sequence at s[0..n), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
        size_t len;
        uint32_t cp;

        if (s[0] < 0x80)
                return 1;
        if ((s[0] & 0xe0) == 0xc0) {
                len = 2;
                cp = s[0] & 0x1f;
        } else if ((s[0] & 0xf0) == 0xe0) {
                len = 3;
                cp = s[0] & 0x0f;
        } else if ((s[0] & 0xf8) == 0xf0) {
                len = 4;
                cp = s[0] & 0x07;
        } else {
                return 0;
        }
        if (n < len)
                return 0;
        for (size_t k = 1; k < len; k++) {
                if ((s[k] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[k] & 0x3f);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return len;
}

static void string(struct jsonw *w, const char *str)
{
        static const char hex[] = "0123456789ABCDEF"; /* as jansson writes them */
        const unsigned char *s = (const unsigned char *)str;
        size_t n = strlen(str), k = 0, run = 0;

        putc_(w, '"');
        while (k < n) {
                unsigned char c = s[k];
                size_t len;

                if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                        k++;
                        run++;
                        continue;
                }
                put(w, str + k - run, run);
                run = 0;
                if (c >= 0x80) {
                        len = utf8_seq(s + k, n - k);
                        if (len)
                                put(w, str + k, len);
                        else
                                put(w, "\xef\xbf\xbd", 3);
                        k += len ? len : 1;
                        continue;
                }
                switch (c) {
                case '"':
                        put(w, "\\\"", 2);
                        break;
                case '\\':
                        put(w, "\\\\", 2);
                        break;
                case '\b':
                        put(w, "\\b", 2);
                        break;
                case '\f':
                        put(w, "\\f", 2);
                        break;
                case '\n':
                        put(w, "\\n", 2);
                        break;
                case '\r':
                        put(w, "\\r", 2);
                        break;
                case '\t':
                        put(w, "\\t", 2);
                        break;
                default: {
                        char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                        put(w, u, 6);
                }
                }
                k++;
        }
        put(w, str + k - run, run);
        putc_(w, '"');
}

void jsonw_key(struct jsonw *w, const char *key)
{
        if (w->err)
                return;
        if (!w->depth || !w->is_obj[w->depth - 1] || w->have_key) {
                w->err = -EINVAL;
                return;
        }
        if (!w->first[w->depth - 1])
                putc_(w, ',');
        w->first[w->depth - 1] = false;
        newline(w);
        string(w, key);
        put(w, ": ", 2);
        w->have_key = true;
}

void jsonw_str(struct jsonw *w, const char *s)
{
        if (!s) {
                jsonw_null(w);
                return;
        }
        if (before_value(w))
                string(w, s);
}

/* Digits of v, written backwards into the end of b[24]; returns the start. */
static char *utoa(char b[24], uint64_t v)
{
        char *p = b + 24;

        do {
                *--p = (char)('0' + v % 10);
                v /= 10;
        } while (v);
        return p;
}

void jsonw_binary_fraction(struct jsonw *w, int64_t v, unsigned bits)
{
        uint64_t m = v < 0 ? -(uint64_t)v : (uint64_t)v; /* v may be INT64_MIN */
        uint64_t frac, five = 1;
        unsigned digits = bits;
        char b[48];
        int n;

        if (bits > 16) {
                jsonw_fail(w, -EINVAL);
                return;
        }
        if (!before_value(w))
                return;
        for (unsigned k = 0; k < bits; k++)
                five *= 5;
        frac = (m & ((UINT64_C(1) << bits) - 1)) * five; /* the fraction's digits, times 10^bits */
        while (digits && frac % 10 == 0) {
                frac /= 10;
                digits--;
        }
        if (digits)
                n = snprintf(b, sizeof(b), "%s%" PRIu64 ".%0*" PRIu64, v < 0 ? "-" : "", m >> bits,
                             (int)digits, frac);
        else
                n = snprintf(b, sizeof(b), "%s%" PRIu64, v < 0 ? "-" : "", m >> bits);
        put(w, b, (size_t)n);
}

void jsonw_int(struct jsonw *w, int64_t v)
{
        char b[24], *p;

        if (!before_value(w))
                return;
        if (v < 0) {
                putc_(w, '-');
                p = utoa(b, -(uint64_t)v); /* v may be INT64_MIN */
        } else {
                p = utoa(b, (uint64_t)v);
        }
        put(w, p, (size_t)(b + 24 - p));
}

void jsonw_uint(struct jsonw *w, uint64_t v)
{
        if (v > INT64_MAX)
                jsonw_null(w); /* unrepresentable for a reader like jansson: not a wrong number */
        else
                jsonw_int(w, (int64_t)v);
}

void jsonw_real(struct jsonw *w, double v)
{
        char b[64];
        int n;

        if (!isfinite(v)) {
                jsonw_null(w);
                return;
        }
        if (!before_value(w))
                return;
        n = snprintf(b, sizeof(b) - 2, "%.17g", v);
        if (n < 0 || (size_t)n >= sizeof(b) - 2) {
                w->err = -EINVAL;
                return;
        }
        if (!strpbrk(b, ".eE")) {
                b[n++] = '.';
                b[n++] = '0';
        }
        put(w, b, (size_t)n);
}

void jsonw_bool(struct jsonw *w, bool v)
{
        if (before_value(w))
                put(w, v ? "true" : "false", v ? 4 : 5);
}

void jsonw_null(struct jsonw *w)
{
        if (before_value(w))
                put(w, "null", 4);
}

void jsonw_kstr(struct jsonw *w, const char *key, const char *s)
{
        jsonw_key(w, key);
        jsonw_str(w, s);
}

void jsonw_kint(struct jsonw *w, const char *key, int64_t v)
{
        jsonw_key(w, key);
        jsonw_int(w, v);
}

void jsonw_kuint(struct jsonw *w, const char *key, uint64_t v)
{
        jsonw_key(w, key);
        jsonw_uint(w, v);
}

void jsonw_kreal(struct jsonw *w, const char *key, double v)
{
        jsonw_key(w, key);
        jsonw_real(w, v);
}

void jsonw_kbool(struct jsonw *w, const char *key, bool v)
{
        jsonw_key(w, key);
        jsonw_bool(w, v);
}

struct jsonw *jsonw_doc_begin(FILE *out, unsigned schema_version, const char *kind)
{
        struct jsonw *w = malloc(sizeof(*w));

        if (!w)
                return NULL;
        jsonw_init(w, out);
        jsonw_obj_begin(w);
        jsonw_kuint(w, "schema_version", schema_version);
        jsonw_kstr(w, "kind", kind);
        jsonw_kstr(w, "tool", "bootlens " BOOTLENS_VERSION);
        return w;
}

int jsonw_doc_end(struct jsonw *w)
{
        FILE *out = w->out;
        int rc;

        jsonw_obj_end(w);
        rc = jsonw_finish(w);
        if (rc == 0 && fputc('\n', out) == EOF)
                rc = -EIO;
        free(w);
        if (rc == 0 && (fflush(out) != 0 || ferror(out)))
                rc = -EIO;
        return rc;
}
