/* framing: see framing.h and docs/framing.md. */
#include "guest/framing.h"
#include "base/util.h"

#include <errno.h>
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

/* ---- parser ---- */

static const char *find_line(const char *buf, size_t len, size_t from, const char *prefix,
                             size_t *at)
{
        size_t plen = strlen(prefix);

        for (size_t i = from; i + plen <= len; i++) {
                const char *nl;

                if ((i == 0 || buf[i - 1] == '\n') && memcmp(buf + i, prefix, plen) == 0) {
                        *at = i;
                        return buf + i;
                }
                nl = memchr(buf + i, '\n', len - i);
                if (!nl)
                        break;
                i = (size_t)(nl - buf);
        }
        return NULL;
}

static size_t line_end(const char *buf, size_t len, size_t from)
{
        const char *nl = memchr(buf + from, '\n', len - from);

        return nl ? (size_t)(nl - buf) : len;
}

static int parse_end_line(const char *s, size_t len, struct framing_dump *d)
{
        char tmp[128];
        unsigned sections;
        unsigned long long bytes;
        unsigned crc;
        char tail;
        int used = 0;

        if (len >= sizeof(tmp))
                return -EINVAL;
        memcpy(tmp, s, len);
        tmp[len] = '\0';
        if (len && tmp[len - 1] == '\r')
                tmp[len - 1] = '\0';
        if (sscanf(tmp, FRAMING_PREFIX "end sections=%u bytes=%llu crc32=none%n", &sections, &bytes,
                   &used) == 2 &&
            used > 0 && tmp[used] == '\0') {
                d->crc_unchecked = true;
                crc = 0;
        } else if (sscanf(tmp, FRAMING_PREFIX "end sections=%u bytes=%llu crc32=%8x%c", &sections,
                          &bytes, &crc, &tail) != 3) {
                return -EINVAL;
        }
        d->sections_claimed = sections;
        d->bytes_claimed = bytes;
        d->crc_claimed = crc;
        return 0;
}

static int add_section(struct framing_dump *d, const char *buf, size_t line_off, size_t eol)
{
        size_t name_off = line_off + sizeof(FRAMING_PREFIX) - 1 + 8;
        struct framing_section_ref *s;

        if (d->nsections % 16 == 0) {
                s = realloc(d->sections, (d->nsections + 16) * sizeof(*s));
                if (!s)
                        return -ENOMEM;
                d->sections = s;
        }
        s = &d->sections[d->nsections++];
        s->name = buf + name_off;
        s->name_len = eol - name_off;
        if (s->name_len && s->name[s->name_len - 1] == '\r')
                s->name_len--;
        s->off = eol + 1;
        s->len = 0;
        return 0;
}

int framing_parse(const char *buf, size_t len, struct framing_dump *d)
{
        static const char begin[] = FRAMING_PREFIX FRAMING_VERSION " begin";
        size_t at, eol, pos;
        int ret;

        memset(d, 0, sizeof(*d));
        d->status = FRAMING_NO_BEGIN;
        if (!find_line(buf, len, 0, begin, &at))
                return -ENOENT;
        d->begin_off = at;
        eol = line_end(buf, len, at);
        d->fields_off = at + sizeof(begin) - 1;
        while (d->fields_off < eol && buf[d->fields_off] == ' ')
                d->fields_off++;
        d->fields_len = eol - d->fields_off;
        if (d->fields_len && buf[d->fields_off + d->fields_len - 1] == '\r')
                d->fields_len--;
        d->body_off = eol < len ? eol + 1 : len;
        d->end_off = len;
        d->after_off = len;
        d->status = FRAMING_NO_END;

        /* Walk the body line by line: sections and the end line. */
        for (pos = d->body_off; pos < len; pos = eol + 1) {
                eol = line_end(buf, len, pos);
                /* "end " is the shortest keyword: no compare may pass eol */
                if (eol - pos < sizeof(FRAMING_PREFIX) - 1 + 4 ||
                    memcmp(buf + pos, FRAMING_PREFIX, sizeof(FRAMING_PREFIX) - 1) != 0)
                        continue;
                if (eol - pos >= sizeof(FRAMING_PREFIX) - 1 + 8 &&
                    memcmp(buf + pos + sizeof(FRAMING_PREFIX) - 1, "section ", 8) == 0) {
                        ret = add_section(d, buf, pos, eol);
                        if (ret < 0)
                                return ret;
                } else if (memcmp(buf + pos + sizeof(FRAMING_PREFIX) - 1, "end ", 4) == 0) {
                        d->end_off = pos;
                        d->after_off = eol < len ? eol + 1 : len;
                        d->status =
                            parse_end_line(buf + pos, eol - pos, d) ? FRAMING_BAD_END : FRAMING_OK;
                        break;
                }
        }
        for (unsigned i = 0; i < d->nsections; i++) {
                size_t stop = i + 1 < d->nsections ? (size_t)(d->sections[i + 1].name - buf) -
                                                         (sizeof(FRAMING_PREFIX) - 1 + 8)
                                                   : d->end_off;
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
                return 0;
        if (d->bytes_claimed != d->bytes_actual)
                d->status = FRAMING_BAD_BYTES;
        else if (!d->crc_unchecked && d->crc_claimed != d->crc_actual)
                d->status = FRAMING_BAD_CRC;
        else if (d->sections_claimed != d->nsections)
                d->status = FRAMING_BAD_SECTIONS;
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
        size_t klen = strlen(key);
        const char *p = buf + d->fields_off, *end = p + d->fields_len;

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

int framing_parse_mark(const char *line, size_t len, char *name, size_t name_size,
                       uint64_t *uptime_ns)
{
        static const char mark[] = FRAMING_PREFIX "mark ";
        const char *p, *end = line + len, *sp;
        size_t n;

        if (len && line[len - 1] == '\r')
                end--;
        if ((size_t)(end - line) < sizeof(mark) || memcmp(line, mark, sizeof(mark) - 1) != 0)
                return -EINVAL;
        p = line + sizeof(mark) - 1;
        sp = memchr(p, ' ', (size_t)(end - p));
        if (!sp)
                sp = end;
        if (sp == p || name_size == 0)
                return -EINVAL;
        n = (size_t)(sp - p);
        if (n >= name_size)
                n = name_size - 1;
        memcpy(name, p, n);
        name[n] = '\0';
        *uptime_ns = 0;
        while (sp < end) {
                const char *w = sp + 1;

                sp = memchr(w, ' ', (size_t)(end - w));
                if (!sp)
                        sp = end;
                if ((size_t)(sp - w) > 10 && memcmp(w, "uptime_ns=", 10) == 0) {
                        uint64_t v = 0;
                        for (const char *q = w + 10; q < sp; q++) {
                                if (*q < '0' || *q > '9' || v > (UINT64_MAX - 9) / 10)
                                        return -EINVAL;
                                v = v * 10 + (uint64_t)(*q - '0');
                        }
                        *uptime_ns = v;
                }
        }
        return 0;
}
