/* framing: see framing.h and docs/framing.md. */
#include "guest/framing.h"
#include "base/util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static int body_write(struct framing_writer *w, const void *data, size_t len)
{
        if (w->err)
                return w->err;
        if (len == 0)
                return 0;
        w->err = util_write_full(w->fd, data, len);
        if (w->err)
                return w->err;
        w->crc = (uint32_t)crc32(w->crc, data, (uInt)len);
        w->bytes += len;
        w->at_line_start = ((const char *)data)[len - 1] == '\n';
        return 0;
}

int framing_begin(struct framing_writer *w, int fd, const char *fields)
{
        memset(w, 0, sizeof(*w));
        w->fd = fd;
        w->crc = (uint32_t)crc32(0L, Z_NULL, 0);
        w->at_line_start = true;
        w->err = util_write_full(fd, FRAMING_PREFIX FRAMING_VERSION " begin ",
                                 sizeof(FRAMING_PREFIX FRAMING_VERSION " begin ") - 1);
        if (!w->err)
                w->err = util_write_full(fd, fields, strlen(fields));
        if (!w->err)
                w->err = util_write_full(fd, "\n", 1);
        return w->err;
}

int framing_section(struct framing_writer *w, const char *name)
{
        int ret = 0;

        if (!w->at_line_start)
                ret = body_write(w, "\n", 1);
        if (!ret)
                ret = body_write(w, FRAMING_PREFIX "section ", sizeof(FRAMING_PREFIX) - 1 + 8);
        if (!ret)
                ret = body_write(w, name, strlen(name));
        if (!ret)
                ret = body_write(w, "\n", 1);
        if (!ret)
                w->sections++;
        return ret;
}

int framing_write(struct framing_writer *w, const void *data, size_t len)
{
        return body_write(w, data, len);
}

int framing_end(struct framing_writer *w)
{
        char line[128];
        int n;

        if (!w->at_line_start && body_write(w, "\n", 1))
                return w->err;
        if (w->err)
                return w->err;
        n = snprintf(line, sizeof(line), FRAMING_PREFIX "end sections=%u bytes=%llu crc32=%08x\n",
                     w->sections, (unsigned long long)w->bytes, (unsigned)w->crc);
        if (n < 0 || (size_t)n >= sizeof(line))
                return w->err = -EOVERFLOW;
        w->err = util_write_full(w->fd, line, (size_t)n);
        return w->err;
}

int framing_format_mark(char *buf, size_t size, const char *name, uint64_t uptime_ns)
{
        int n;

        if (!*name)
                return -EINVAL;
        for (const char *p = name; *p; p++)
                if ((unsigned char)*p <= ' ' || *p == 0x7f)
                        return -EINVAL;
        n = snprintf(buf, size, FRAMING_PREFIX "mark %s uptime_ns=%llu\n", name,
                     (unsigned long long)uptime_ns);
        if (n < 0 || (size_t)n >= size)
                return -ENOSPC;
        return n;
}

/* ---- lines ---- */

#define PREFIX_LEN (sizeof(FRAMING_PREFIX) - 1)

/* Whether s[0..n) starts with the word w (w, then a space or the end). */
static bool word_at(const char *s, size_t n, const char *w, size_t *after)
{
        size_t wl = strlen(w);

        if (n < wl || memcmp(s, w, wl) != 0 || (n > wl && s[wl] != ' '))
                return false;
        *after = n > wl ? wl + 1 : wl;
        return true;
}

enum framing_kind framing_line_kind(const char *line, size_t len, const char **rest,
                                    size_t *rest_len)
{
        static const struct {
                const char *word;
                enum framing_kind kind;
        } keywords[] = {
            {"section", FRAMING_LINE_SECTION},
            {"end", FRAMING_LINE_END},
            {"mark", FRAMING_LINE_MARK},
        };
        enum framing_kind kind = FRAMING_LINE_OTHER;
        const char *s;
        size_t n, at = 0;

        if (len && line[len - 1] == '\r')
                len--;
        if (len < PREFIX_LEN || memcmp(line, FRAMING_PREFIX, PREFIX_LEN) != 0)
                return FRAMING_LINE_NONE;
        s = line + PREFIX_LEN;
        n = len - PREFIX_LEN;
        if (word_at(s, n, FRAMING_VERSION, &at)) {
                size_t b;

                if (word_at(s + at, n - at, "begin", &b)) {
                        kind = FRAMING_LINE_BEGIN;
                        at += b;
                        while (at < n && s[at] == ' ')
                                at++;
                } else {
                        at = 0;
                }
        } else {
                for (size_t i = 0; i < UTIL_ARRAY_SIZE(keywords); i++) {
                        if (word_at(s, n, keywords[i].word, &at)) {
                                kind = keywords[i].kind;
                                break;
                        }
                }
        }
        if (kind == FRAMING_LINE_OTHER)
                at = 0;
        if (rest) {
                *rest = s + at;
                *rest_len = n - at;
        }
        return kind;
}

const char *framing_fields_get(const char *fields, size_t len, const char *key, size_t *vlen)
{
        size_t klen = strlen(key);
        const char *p = fields, *end = fields + len;

        while (p < end) {
                const char *w = p, *sp;

                sp = memchr(p, ' ', (size_t)(end - p));
                if (!sp)
                        sp = end;
                if ((size_t)(sp - w) > klen && memcmp(w, key, klen) == 0 && w[klen] == '=') {
                        *vlen = (size_t)(sp - w) - klen - 1;
                        return w + klen + 1;
                }
                p = sp + 1;
        }
        return NULL;
}

int framing_fields_u64(const char *fields, size_t len, const char *key, uint64_t *v)
{
        size_t vlen;
        const char *s = framing_fields_get(fields, len, key, &vlen);

        uint64_t x;
        int ret;

        if (!s)
                return -ENOENT;
        ret = util_scan_u64_all(s, vlen, 10, 0, &x);
        if (ret == 0 && x > UTIL_CLOCK_MAX) /* every number there is a clock or a frequency */
                ret = -ERANGE;
        if (ret == 0)
                *v = x;
        return ret;
}

/* ---- parser ---- */

/* The first begin line at or after from: its offset, or len. */
static size_t find_begin(const char *buf, size_t len, size_t from)
{
        while (from < len) {
                const char *nl = memchr(buf + from, '\n', len - from);
                size_t eol = nl ? (size_t)(nl - buf) : len;

                if (framing_line_kind(buf + from, eol - from, NULL, NULL) == FRAMING_LINE_BEGIN)
                        return from;
                from = eol + 1;
        }
        return len;
}

static size_t line_end(const char *buf, size_t len, size_t from)
{
        const char *nl = memchr(buf + from, '\n', len - from);

        return nl ? (size_t)(nl - buf) : len;
}

int framing_find_begin(const char *buf, size_t len, size_t *off, const char **fields,
                       size_t *fields_len)
{
        size_t at = find_begin(buf, len, 0);

        if (at == len)
                return -ENOENT;
        *off = at;
        framing_line_kind(buf + at, line_end(buf, len, at) - at, fields, fields_len);
        return 0;
}

/* Read "KEY=" at *p (before end) and move past it. */
static bool expect_key(const char **p, const char *end, const char *key)
{
        size_t n = strlen(key);

        if ((size_t)(end - *p) < n || memcmp(*p, key, n) != 0)
                return false;
        *p += n;
        return true;
}

/* The end line's fields, exactly "sections=N bytes=B crc32=XXXXXXXX" (8
 * lower-case hex digits) or "... crc32=none": decimal numbers without a
 * sign, sections within 32 bits. */
static int parse_end_fields(const char *s, size_t len, struct framing_dump *d)
{
        const char *p = s, *end = s + len;
        uint64_t sections, bytes, crc = 0;

        if (!expect_key(&p, end, "sections=") || util_scan_u64(&p, end, 10, 0, &sections) < 0 ||
            sections > UINT_MAX || !expect_key(&p, end, " bytes=") ||
            util_scan_u64(&p, end, 10, 0, &bytes) < 0 || !expect_key(&p, end, " crc32="))
                return -EINVAL;
        if (end - p == 4 && memcmp(p, "none", 4) == 0)
                d->crc_unchecked = true;
        else if (end - p != 8 || util_scan_u64_all(p, 8, 16, 0, &crc) < 0)
                return -EINVAL;
        d->sections_claimed = (unsigned)sections;
        d->bytes_claimed = bytes;
        d->crc_claimed = (uint32_t)crc;
        return 0;
}

static int add_section(struct framing_dump *d, size_t line_off, const char *name, size_t name_len)
{
        struct framing_section_ref *s;

        if (d->nsections % 16 == 0) {
                s = realloc(d->sections, (d->nsections + 16) * sizeof(*s));
                if (!s)
                        return -ENOMEM;
                d->sections = s;
        }
        s = &d->sections[d->nsections++];
        s->line_off = line_off;
        s->name = name;
        s->name_len = name_len;
        s->off = 0;
        s->len = 0;
        return 0;
}

/* Walk the body line by line: the section lines and the end line. */
static int walk_body(const char *buf, size_t len, struct framing_dump *d)
{
        size_t eol;

        for (size_t pos = d->body_off; pos < len; pos = eol + 1) {
                const char *rest;
                size_t rlen;
                int ret;

                eol = line_end(buf, len, pos);
                switch (framing_line_kind(buf + pos, eol - pos, &rest, &rlen)) {
                case FRAMING_LINE_SECTION:
                        ret = add_section(d, pos, rest, rlen);
                        if (ret < 0)
                                return ret;
                        d->sections[d->nsections - 1].off = eol < len ? eol + 1 : len;
                        break;
                case FRAMING_LINE_END:
                        d->end_off = pos;
                        d->after_off = eol < len ? eol + 1 : len;
                        /* an end line ends with '\n' (docs/framing.md): without one,
                         * the capture stops inside it */
                        d->status = eol == len || parse_end_fields(rest, rlen, d) ? FRAMING_BAD_END
                                                                                  : FRAMING_OK;
                        return 0;
                default:
                        break;
                }
        }
        return 0;
}

static void check_body(const char *buf, struct framing_dump *d)
{
        for (unsigned i = 0; i < d->nsections; i++) {
                size_t stop = i + 1 < d->nsections ? d->sections[i + 1].line_off : d->end_off;

                d->sections[i].len = stop > d->sections[i].off ? stop - d->sections[i].off : 0;
        }
        d->bytes_actual = d->end_off - d->body_off;
        d->crc_actual = (uint32_t)crc32(0L, Z_NULL, 0);
        for (size_t off = d->body_off; off < d->end_off;) {
                size_t chunk = d->end_off - off > (1u << 30) ? (1u << 30) : d->end_off - off;

                d->crc_actual =
                    (uint32_t)crc32(d->crc_actual, (const Bytef *)buf + off, (uInt)chunk);
                off += chunk;
        }
        if (d->status != FRAMING_OK)
                return;
        if (d->bytes_claimed != d->bytes_actual)
                d->status = FRAMING_BAD_BYTES;
        else if (!d->crc_unchecked && d->crc_claimed != d->crc_actual)
                d->status = FRAMING_BAD_CRC;
        else if (d->sections_claimed != d->nsections)
                d->status = FRAMING_BAD_SECTIONS;
}

int framing_parse(const char *buf, size_t len, struct framing_dump *d)
{
        const char *fields;
        size_t eol;
        int ret;

        memset(d, 0, sizeof(*d));
        d->status = FRAMING_NO_BEGIN;
        d->begin_off = find_begin(buf, len, 0);
        if (d->begin_off == len)
                return -ENOENT;
        eol = line_end(buf, len, d->begin_off);
        framing_line_kind(buf + d->begin_off, eol - d->begin_off, &fields, &d->fields_len);
        d->fields_off = (size_t)(fields - buf);
        d->body_off = eol < len ? eol + 1 : len;
        d->end_off = len;
        d->after_off = len;
        d->status = FRAMING_NO_END;
        ret = walk_body(buf, len, d);
        if (ret < 0)
                return ret;
        check_body(buf, d);
        return 0;
}

void framing_dump_free(struct framing_dump *d)
{
        if (!d)
                return;
        free(d->sections);
        d->sections = NULL;
        d->nsections = 0;
}

const char *framing_field(const char *buf, const struct framing_dump *d, const char *key,
                          size_t *vlen)
{
        return framing_fields_get(buf + d->fields_off, d->fields_len, key, vlen);
}

int framing_field_u64(const char *buf, const struct framing_dump *d, const char *key, uint64_t *v)
{
        return framing_fields_u64(buf + d->fields_off, d->fields_len, key, v);
}

const struct framing_section_ref *framing_find_section(const struct framing_dump *d,
                                                       const char *name)
{
        size_t n = strlen(name);

        for (unsigned i = 0; i < d->nsections; i++)
                if (d->sections[i].name_len == n && memcmp(d->sections[i].name, name, n) == 0)
                        return &d->sections[i];
        return NULL;
}

const char *framing_status_str(enum framing_status s)
{
        switch (s) {
        case FRAMING_OK:
                return "ok";
        case FRAMING_NO_BEGIN:
                return "no begin line";
        case FRAMING_NO_END:
                return "no end line (truncated dump)";
        case FRAMING_BAD_END:
                return "malformed end line";
        case FRAMING_BAD_BYTES:
                return "byte count mismatch";
        case FRAMING_BAD_CRC:
                return "crc32 mismatch";
        case FRAMING_BAD_SECTIONS:
                return "section count mismatch";
        }
        return "unknown";
}

const char *framing_describe(const struct framing_dump *d, char *buf, size_t size)
{
        const char *what = framing_status_str(d->status);

        if (d->status == FRAMING_BAD_BYTES)
                snprintf(buf, size,
                         "the dump is damaged: %s (the end line says %llu bytes, %llu found)", what,
                         (unsigned long long)d->bytes_claimed, (unsigned long long)d->bytes_actual);
        else if (d->status == FRAMING_BAD_CRC)
                snprintf(buf, size,
                         "the dump is damaged: %s (the end line says %08x, %08x computed)", what,
                         (unsigned)d->crc_claimed, (unsigned)d->crc_actual);
        else if (d->status == FRAMING_BAD_SECTIONS)
                snprintf(buf, size, "the dump is damaged: %s (the end line says %u, %u found)",
                         what, d->sections_claimed, d->nsections);
        else
                snprintf(buf, size, "the dump is damaged: %s", what);
        return buf;
}

int framing_parse_mark(const char *line, size_t len, char *name, size_t name_size,
                       uint64_t *uptime_ns)
{
        const char *p, *end, *sp;
        size_t n, rlen;

        if (framing_line_kind(line, len, &p, &rlen) != FRAMING_LINE_MARK || name_size == 0)
                return -EINVAL;
        end = p + rlen;
        sp = memchr(p, ' ', rlen);
        if (!sp)
                sp = end;
        if (sp == p)
                return -EINVAL;
        n = (size_t)(sp - p);
        if (n >= name_size)
                n = name_size - 1;
        memcpy(name, p, n);
        name[n] = '\0';
        *uptime_ns = 0;
        if (sp < end) {
                int ret =
                    framing_fields_u64(sp + 1, (size_t)(end - sp - 1), "uptime_ns", uptime_ns);

                if (ret < 0 && ret != -ENOENT)
                        return -EINVAL;
        }
        return 0;
}
