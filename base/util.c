/* util: see util.h. */
#include "base/util.h"

#include "base/sbuf.h"

#include <ctype.h>
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
        if (!sb.cap) {
                ret = sbuf_grow(&sb, 1);
                if (ret < 0)
                        goto out_close;
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

        /* strtoull would skip leading white space (any, not just ' ') and
         * take a sign: a whole number has neither. */
        if (!s || !*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
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
