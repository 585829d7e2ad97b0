/* util: see util.h. */
#include "analyzer/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int util_read_file(const char *path, char **data, size_t *len)
{
        struct sbuf sb = SBUF_INIT;
        int fd, ret = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t n;

                ret = sbuf_grow(&sb, 65536);
                if (ret < 0)
                        goto out_close;
                n = util_read_full(fd, sb.buf + sb.len, sb.cap - sb.len - 1);
                if (n < 0) {
                        ret = (int)n;
                        goto out_close;
                }
                if (n == 0)
                        break;
                sb.len += (size_t)n;
                sb.buf[sb.len] = '\0';
        }
        if (!sb.buf) {
                ret = sbuf_grow(&sb, 1);
                if (ret < 0)
                        goto out_close;
                sb.buf[0] = '\0';
        }
        *len = sb.len;
        *data = sb.buf;
        sb.buf = NULL;
out_close:
        sbuf_release(&sb);
        close(fd);
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
        if (ret == 0 && fsync(fd) < 0)
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
        unsigned long long v;
        char *end;

        if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, base);
        if (errno == ERANGE)
                return -ERANGE;
        if (end == s || *end)
                return -EINVAL;
        *out = v;
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

bool util_has_control(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];

                if ((c < 0x20 && c != '\t') || c == 0x7f)
                        return true;
        }
        return false;
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
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int sbuf_grow(struct sbuf *sb, size_t extra)
{
        size_t need, cap;
        char *p;

        if (extra > SIZE_MAX - sb->len - 1)
                return -ENOMEM;
        need = sb->len + extra + 1;
        if (need <= sb->cap)
                return 0;
        cap = sb->cap ? sb->cap : 64;
        while (cap < need)
                cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        p = realloc(sb->buf, cap);
        if (!p)
                return -ENOMEM;
        if (!sb->buf)
                p[0] = '\0';
        sb->buf = p;
        sb->cap = cap;
        return 0;
}

int sbuf_add(struct sbuf *sb, const void *data, size_t len)
{
        int ret = sbuf_grow(sb, len);

        if (ret < 0)
                return ret;
        memcpy(sb->buf + sb->len, data, len);
        sb->len += len;
        sb->buf[sb->len] = '\0';
        return 0;
}

int sbuf_adds(struct sbuf *sb, const char *s)
{
        return sbuf_add(sb, s, strlen(s));
}

int sbuf_addch(struct sbuf *sb, char c)
{
        return sbuf_add(sb, &c, 1);
}

int sbuf_vaddf(struct sbuf *sb, const char *fmt, va_list ap)
{
        va_list cp;
        int n, ret;

        va_copy(cp, ap);
        n = vsnprintf(NULL, 0, fmt, cp);
        va_end(cp);
        if (n < 0)
                return -EINVAL;
        ret = sbuf_grow(sb, (size_t)n);
        if (ret < 0)
                return ret;
        vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
        sb->len += (size_t)n;
        return 0;
}

int sbuf_addf(struct sbuf *sb, const char *fmt, ...)
{
        va_list ap;
        int ret;

        va_start(ap, fmt);
        ret = sbuf_vaddf(sb, fmt, ap);
        va_end(ap);
        return ret;
}

void sbuf_reset(struct sbuf *sb)
{
        sb->len = 0;
        if (sb->buf)
                sb->buf[0] = '\0';
}

char *sbuf_detach(struct sbuf *sb, size_t *len)
{
        char *p;

        if (!sb->buf && sbuf_grow(sb, 0) < 0)
                return NULL;
        p = sb->buf;
        if (len)
                *len = sb->len;
        sb->buf = NULL;
        sb->len = sb->cap = 0;
        return p;
}

void sbuf_release(struct sbuf *sb)
{
        free(sb->buf);
        sb->buf = NULL;
        sb->len = sb->cap = 0;
}
