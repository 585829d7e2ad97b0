/* dumper: see dumper.h. */
#include "base/sbuf.h"
#include "guest/dumper.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <x86intrin.h>
#endif

#include "guest/framing.h"

int dumper_add_section(struct dumper_report *r, const char *name, char *data, size_t len)
{
        if (r->nsections == DUMPER_MAX_SECTIONS) {
                free(data);
                return -ENOSPC;
        }
        r->sections[r->nsections].name = name;
        r->sections[r->nsections].data = data;
        r->sections[r->nsections].len = len;
        r->nsections++;
        return 0;
}

int dumper_add_late_section(struct dumper_report *r, const char *name, const char *path)
{
        if (r->nsections == DUMPER_MAX_SECTIONS)
                return -ENOSPC;
        r->sections[r->nsections] = (struct dumper_section){.name = name, .path = path};
        r->nsections++;
        return 0;
}

/* Section s's content: its data, or its file read now (NULL, 0 when it
 * cannot be; *owned then says what to free). */
static void section_data(const struct dumper_section *s, char **owned, const char **data,
                         size_t *len)
{
        *owned = NULL;
        *data = s->data;
        *len = s->len;
        if (!s->path)
                return;
        if (util_read_file(s->path, owned, len) < 0) {
                *owned = NULL;
                *len = 0;
        }
        *data = *owned;
}

int dumper_add_field(struct dumper_report *r, const char *key, const char *fmt, ...)
{
        size_t start = r->fields.len;
        va_list ap;
        int ret;

        ret = sbuf_addf(&r->fields, " %s=", key);
        if (ret < 0)
                return ret;
        va_start(ap, fmt);
        ret = sbuf_vaddf(&r->fields, fmt, ap);
        va_end(ap);
        for (size_t i = start + 1; !ret && i < r->fields.len; i++)
                if ((unsigned char)r->fields.buf[i] <= ' ' || r->fields.buf[i] == 0x7f)
                        ret = -EINVAL;
        if (ret < 0) {
                r->fields.len = start;
                if (r->fields.cap)
                        r->fields.buf[start] = '\0';
        }
        return ret;
}

void dumper_report_free(struct dumper_report *r)
{
        if (!r)
                return;
        for (unsigned i = 0; i < r->nsections; i++)
                free(r->sections[i].data);
        sbuf_release(&r->fields);
        memset(r, 0, sizeof(*r));
        sbuf_init(&r->fields);
}

int dumper_format_begin(const struct dumper_report *r, uint64_t tsc_now, uint64_t uptime_ns,
                        struct sbuf *out)
{
        sbuf_reset(out);
        return sbuf_addf(out,
                         "os=%s tsc_freq=%llu tsc_freq_src=%s tsc_now=%llu uptime_ns=%llu "
                         "console=%s%s",
                         r->os, (unsigned long long)r->tsc_freq,
                         r->tsc_freq_src ? r->tsc_freq_src : "none", (unsigned long long)tsc_now,
                         (unsigned long long)uptime_ns, r->console ? r->console : "unknown",
                         r->fields.buf);
}

int dumper_write(int fd, const struct dumper_report *r)
{
        struct framing_writer w;
        struct sbuf begin = SBUF_INIT;
        uint64_t uptime, tsc;
        int ret;

        uptime = dumper_uptime_ns();
        tsc = dumper_tsc_now();
        ret = dumper_format_begin(r, tsc, uptime, &begin);
        if (ret < 0)
                return ret;
        ret = framing_begin(&w, fd, begin.buf);
        for (unsigned i = 0; i < r->nsections && !ret; i++) {
                const char *data;
                char *owned;
                size_t len;

                ret = framing_section(&w, r->sections[i].name);
                if (ret)
                        break;
                section_data(&r->sections[i], &owned, &data, &len);
                if (len)
                        ret = framing_write(&w, data, len);
                free(owned);
        }
        if (!ret)
                ret = framing_end(&w);
        sbuf_release(&begin);
        return ret;
}

int dumper_write_mark(int fd, const char *name)
{
        struct sbuf line = SBUF_INIT;
        size_t size = strlen(name) + 64;
        int n, ret;

        ret = sbuf_grow(&line, size);
        if (ret < 0)
                return ret;
        n = framing_format_mark(line.buf, size, name, dumper_uptime_ns());
        ret = n < 0 ? n : util_write_full(fd, line.buf, (size_t)n);
        sbuf_release(&line);
        return ret;
}

uint64_t dumper_uptime_ns(void)
{
        struct timespec ts;
#if defined(CLOCK_BOOTTIME)
        clockid_t id = CLOCK_BOOTTIME;
#elif defined(CLOCK_UPTIME)
        clockid_t id = CLOCK_UPTIME;
#else
        clockid_t id = CLOCK_MONOTONIC;
#endif

        if (clock_gettime(id, &ts) != 0)
                return 0;
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t dumper_tsc_now(void)
{
#if defined(__x86_64__) || defined(__i386__)
        return __rdtsc();
#else
        return 0;
#endif
}

uint64_t dumper_cpuid_tsc_hz(const char **src)
{
#if defined(__x86_64__) || defined(__i386__)
        unsigned max = __get_cpuid_max(0, NULL), a, b, c, d;

        if (max >= 0x15) {
                __cpuid(0x15, a, b, c, d);
                if (a && b && c) {
                        *src = "cpuid15";
                        return (uint64_t)c * b / a;
                }
        }
        if (max >= 0x16) {
                __cpuid(0x16, a, b, c, d);
                if (a & 0xffff) {
                        *src = "cpuid16";
                        return (uint64_t)(a & 0xffff) * 1000000u;
                }
        }
#endif
        *src = "none";
        return 0;
}

int dumper_console_raw(int fd, struct termios *saved, bool *had_tty)
{
        struct termios t;

        if (had_tty)
                *had_tty = false;
        if (tcgetattr(fd, &t) != 0)
                return errno == ENOTTY || errno == EINVAL ? 0 : -errno;
        if (saved)
                *saved = t;
        if (had_tty)
                *had_tty = true;
        cfmakeraw(&t);
        if (tcsetattr(fd, TCSADRAIN, &t) != 0)
                return -errno;
        return 0;
}

void dumper_console_restore(int fd, const struct termios *saved, bool had_tty)
{
        if (!had_tty)
                return;
        tcdrain(fd);
        tcsetattr(fd, TCSADRAIN, saved);
}

const char *dumper_console_name(const char *dev)
{
        const char *slash = strrchr(dev, '/');

        return slash && slash[1] ? slash + 1 : dev;
}
