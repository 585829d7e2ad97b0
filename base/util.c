/* util: see util.h. */
#include "base/util.h"

#include "base/sbuf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

ssize_t util_read_full(int fd, void *buf, size_t len)
{
        size_t done = 0;

        while (done < len) {
                ssize_t n = read(fd, (char *)buf + done, len - done);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                done += (size_t)n;
        }
        return (ssize_t)done;
}

int util_write_full(int fd, const void *buf, size_t len)
{
        size_t done = 0;

        while (done < len) {
                ssize_t n = write(fd, (const char *)buf + done, len - done);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                done += (size_t)n;
        }
        return 0;
}

int util_read_fd_max(int fd, size_t max, char **data, size_t *len)
{
        struct sbuf sb = SBUF_INIT;
        struct stat st;
        int ret = 0;

        if (max > SIZE_MAX - 2)
                max = SIZE_MAX - 2;
        /* A regular file's buffer is sized once from its length (one byte
         * more, to meet the end without growing): doubling would take up to
         * twice the input, and three times while realloc copies. */
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
            (uint64_t)st.st_size <= max) {
                ret = sbuf_grow(&sb, (size_t)st.st_size + 1);
                if (ret < 0)
                        return ret;
        }
        for (;;) {
                size_t want;
                ssize_t n;

                ret = sbuf_grow(&sb, 65536);
                if (ret < 0)
                        goto out_release;
                want = sb.cap - sb.len - 1;
                if (want > max + 1 - sb.len) /* max + 1 at most: enough to tell "too big" */
                        want = max + 1 - sb.len;
                n = util_read_full(fd, sb.buf + sb.len, want);
                if (n < 0) {
                        ret = (int)n;
                        goto out_release;
                }
                if (n == 0)
                        break;
                sb.len += (size_t)n;
                sb.buf[sb.len] = '\0';
                if (sb.len > max) {
                        ret = -EFBIG;
                        goto out_release;
                }
        }
        *len = sb.len;
        *data = sbuf_detach(&sb, NULL);
out_release:
        sbuf_release(&sb);
        return ret;
}

int util_read_file_max(const char *path, size_t max, char **data, size_t *len)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

        if (fd < 0)
                return -errno;
        ret = util_read_fd_max(fd, max, data, len);
        close(fd);
        return ret;
}

int util_read_file(const char *path, char **data, size_t *len)
{
        uint64_t max;

        util_input_limit(&max);
        return util_read_file_max(path, max > SIZE_MAX ? SIZE_MAX : (size_t)max, data, len);
}

int util_input_limit(uint64_t *max)
{
        const char *env = getenv(UTIL_INPUT_MAX_ENV);
        uint64_t v;
        int ret;

        *max = UTIL_INPUT_MAX_DEFAULT;
        if (!env)
                return 0;
        ret = util_parse_size(env, &v);
        if (ret == 0 && v == 0)
                ret = -EINVAL;
        if (ret == 0)
                *max = v;
        return ret;
}

int util_write_file_atomic(const char *path, const void *data, size_t len)
{
        char tmp[PATH_MAX];
        int fd, ret, n;

        n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
        if (n < 0 || (size_t)n >= sizeof(tmp))
                return -ENAMETOOLONG;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        ret = util_write_full(fd, data, len);
        if (ret == 0 && len && fsync(fd) < 0)
                ret = -errno;
        if (close(fd) < 0 && ret == 0)
                ret = -errno;
        if (ret == 0 && rename(tmp, path) < 0)
                ret = -errno;
        if (ret < 0)
                unlink(tmp);
        return ret;
}

int util_parse_u64(const char *s, int base, uint64_t *out)
{
        unsigned flags = 0;

        if (!s)
                return -EINVAL;
        if (base == 0) {
                base = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10;
                flags = UTIL_SCAN_0X | UTIL_SCAN_ANYCASE;
        } else if (base == 16) {
                flags = UTIL_SCAN_0X | UTIL_SCAN_ANYCASE;
        } else if (base != 10) {
                return -EINVAL;
        }
        return util_scan_u64_all(s, strlen(s), base, flags, out);
}

static int digit_value(unsigned char c, int base, unsigned flags)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (base != 16)
                return -1;
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if ((flags & UTIL_SCAN_ANYCASE) && c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int util_scan_u64(const char **p, const char *end, int base, unsigned flags, uint64_t *v)
{
        const char *s = *p;
        uint64_t x = 0;
        bool range = false;
        int d;

        if (base != 10 && base != 16)
                return -EINVAL;
        if (base == 16 && (flags & UTIL_SCAN_0X) && end - s > 2 && s[0] == '0' &&
            (s[1] == 'x' || ((flags & UTIL_SCAN_ANYCASE) && s[1] == 'X')) &&
            digit_value((unsigned char)s[2], base, flags) >= 0)
                s += 2;
        if (s >= end || digit_value((unsigned char)*s, base, flags) < 0)
                return -EINVAL;
        for (; s < end && (d = digit_value((unsigned char)*s, base, flags)) >= 0; s++) {
                if (x > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
                        range = true;
                x = x * (uint64_t)base + (uint64_t)d;
        }
        *p = s;
        if (range)
                return -ERANGE;
        *v = x;
        return 0;
}

int util_scan_u64_all(const char *s, size_t n, int base, unsigned flags, uint64_t *v)
{
        const char *p = s;
        uint64_t x;
        int ret = util_scan_u64(&p, s + n, base, flags, &x);

        if (ret < 0)
                return ret;
        if (p != s + n)
                return -EINVAL;
        *v = x;
        return 0;
}

int util_scan_fixed(const char **p, const char *end, uint64_t unit, uint64_t *v)
{
        const char *s = *p;
        uint64_t whole, frac = 0, scale = unit;
        int ret = util_scan_u64(&s, end, 10, 0, &whole);

        if (ret == -EINVAL)
                return ret;
        if (s < end && *s == '.') {
                for (s++; s < end && *s >= '0' && *s <= '9'; s++) {
                        if (scale > 1) {
                                scale /= 10;
                                frac += (uint64_t)(*s - '0') * scale;
                        }
                }
        }
        *p = s;
        if (ret < 0 || whole > (UINT64_MAX - frac) / unit)
                return -ERANGE;
        *v = whole * unit + frac;
        return 0;
}

int util_parse_double(const char *s, double *out)
{
        double v;
        char *end;

        if (!s || !*s)
                return -EINVAL;
        errno = 0;
        v = strtod(s, &end);
        if (errno == ERANGE)
                return -ERANGE;
        if (end == s || *end || !isfinite(v))
                return -EINVAL;
        *out = v;
        return 0;
}

int util_parse_size(const char *s, uint64_t *out)
{
        static const char units[] = "kmgt";
        const char *p = s, *end, *u;
        uint64_t v, mul = 1;
        int ret;

        if (!s)
                return -EINVAL;
        end = s + strlen(s);
        ret = util_scan_u64(&p, end, 10, 0, &v);
        if (ret < 0)
                return ret;
        if (p < end) {
                u = memchr(units, *p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p, 4);
                if (!u || !*p)
                        return -EINVAL;
                mul = 1ull << (10 * (u - units + 1));
                p++;
                if (strcmp(p, "iB") == 0 || strcmp(p, "B") == 0)
                        p = end;
                if (p != end)
                        return -EINVAL;
        }
        if (v > UINT64_MAX / mul)
                return -ERANGE;
        *out = v * mul;
        return 0;
}

void util_whyf(char *why, size_t whylen, const char *fmt, ...)
{
        va_list ap;

        if (!why || !whylen)
                return;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
}

const char *util_format_size(uint64_t bytes, char *buf, size_t size)
{
        static const char *const names[] = {"TiB", "GiB", "MiB", "KiB"};

        for (size_t i = 0; i < UTIL_ARRAY_SIZE(names); i++) {
                uint64_t unit = 1ull << (10 * (UTIL_ARRAY_SIZE(names) - i));

                if (bytes && bytes % unit == 0) {
                        snprintf(buf, size, "%llu %s", (unsigned long long)(bytes / unit),
                                 names[i]);
                        return buf;
                }
        }
        snprintf(buf, size, "%llu bytes", (unsigned long long)bytes);
        return buf;
}

bool util_has_control(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];

                if ((c < 0x20 && c != '\t') || c == 0x7f)
                        return true;
        }
        return false;
}

char *util_printable(char *dst, size_t dstlen, const char *s, size_t max)
{
        static const char hex[] = "0123456789abcdef";
        size_t o = 0, i;

        if (!dstlen)
                return dst;
        for (i = 0; s[i] && i < max; i++) {
                unsigned char c = (unsigned char)s[i];
                bool plain = c >= 0x20 && c <= 0x7e && c != '\\';

                if (o + (plain ? 1 : 4) >= dstlen)
                        break;
                if (plain) {
                        dst[o++] = (char)c;
                        continue;
                }
                dst[o++] = '\\';
                dst[o++] = 'x';
                dst[o++] = hex[c >> 4];
                dst[o++] = hex[c & 15];
        }
        if (s[i] && o + 3 < dstlen) {
                memcpy(dst + o, "...", 3);
                o += 3;
        }
        dst[o] = '\0';
        return dst;
}

size_t util_utf8_len(const unsigned char *s, size_t n)
{
        uint32_t c;
        size_t len;

        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                len = 2, c = s[0] & 0x1f;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                len = 3, c = s[0] & 0x0f;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                len = 4, c = s[0] & 0x07;
        else
                return 0;
        if (n < len)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                c = c << 6 | (s[i] & 0x3f);
        }
        if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
            (c >= 0xd800 && c <= 0xdfff))
                return 0;
        return len;
}

uint64_t util_now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int util_mkdir_p(const char *path, unsigned mode)
{
        char buf[PATH_MAX];
        size_t len = strlen(path);

        if (len == 0 || len >= sizeof(buf))
                return -ENAMETOOLONG;
        memcpy(buf, path, len + 1);
        for (char *p = buf + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(buf, mode) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        if (mkdir(buf, mode) < 0) {
                struct stat st;

                if (errno != EEXIST)
                        return -errno;
                /* Like mkdir -p: something that is not a directory is in the way. */
                if (stat(buf, &st) < 0)
                        return -errno;
                if (!S_ISDIR(st.st_mode))
                        return -EEXIST;
        }
        return 0;
}

int util_flush(FILE *out)
{
        if (fflush(out) != 0 || ferror(out))
                return -EIO;
        return 0;
}

bool util_has_word(const char *line, const char *word, bool prefix)
{
        size_t n = strlen(word);

        for (const char *p = line; p && *p;) {
                size_t len;

                p += strspn(p, " ");
                len = strcspn(p, " ");
                if (len >= n && strncmp(p, word, n) == 0 && (prefix || len == n))
                        return true;
                p += len;
        }
        return false;
}

int util_shell_word(const char *s, char **out)
{
        size_t n = 3;
        bool plain = *s != '\0';
        char *w;

        for (const char *c = s; *c; c++) {
                plain = plain && (isalnum((unsigned char)*c) || strchr("_./:@%+=,-", *c));
                n += *c == '\'' ? 4 : 1;
        }
        *out = plain ? strdup(s) : malloc(n);
        if (!*out)
                return -ENOMEM;
        if (plain)
                return 0;
        w = *out;
        *w++ = '\'';
        for (const char *c = s; *c; c++) {
                if (*c == '\'') {
                        memcpy(w, "'\\''", 4);
                        w += 4;
                } else {
                        *w++ = *c;
                }
        }
        *w++ = '\'';
        *w = '\0';
        return 0;
}
