/*
 * dumper_bsd: the NetBSD and FreeBSD path of bootlens-dumper (see
 * dumper_os.h).
 *
 * Reads the kernel's tslog(4) buffers, debug.tslog and debug.tslog_user,
 * and the TSC frequency, machdep.tsc_freq, with sysctlbyname(3); frames
 * them as sections "tslog" and "tslog_user" onto the console (stdout, which
 * is /dev/console when /etc/rc runs it, unless --console names a device);
 * then, with --poweroff, halts with power-down. The sysctl values are
 * passed on verbatim, less trailing NUL bytes (FreeBSD's sysctl sbufs end
 * in one).
 *
 * Only the sysctlbyname() and reboot() calls are BSD-specific. On other
 * systems this file still compiles, expecting a sysctlbyname() from
 * elsewhere: tests/unit/test_dumper_bsd.c supplies a stand-in that serves
 * the samples in tests/data/samples, and reboot is then -ENOSYS.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/sbuf.h"
#include "guest/dumper_os.h"

#if defined(__NetBSD__) || defined(__FreeBSD__)
#include <sys/reboot.h>
#include <sys/sysctl.h>
#include <sys/types.h>
#else
int sysctlbyname(const char *name, void *oldp, size_t *oldlenp, const void *newp, size_t newlen);
#endif

/* How often the size probe and the read are retried when the value grows
 * past the slack in between (tslog keeps recording while we read it). */
#define SYSCTL_ATTEMPTS 8

/*
 * Read a sysctl of unknown and growing size: probe its size, allocate that
 * plus slack, read; if it outgrew the buffer meanwhile (ENOMEM), probe
 * again. *buf (owned by the caller) is NUL-terminated; *len excludes the
 * terminator and any trailing NUL bytes of the value. Returns 0, -errno
 * from sysctlbyname, -EAGAIN if it kept growing, -ENOMEM.
 */
int dumper_sysctl_read(const char *name, char **buf, size_t *len);

int dumper_sysctl_read(const char *name, char **buf, size_t *len)
{
        for (int attempt = 0; attempt < SYSCTL_ATTEMPTS; attempt++) {
                size_t need = 0, cap, got;
                char *p;

                if (sysctlbyname(name, NULL, &need, NULL, 0) != 0)
                        return errno ? -errno : -EIO;
                cap = need + need / 8 + 4096;
                p = malloc(cap + 1);
                if (!p)
                        return -ENOMEM;
                got = cap;
                if (sysctlbyname(name, p, &got, NULL, 0) == 0) {
                        if (got > cap)
                                got = cap;
                        while (got && p[got - 1] == '\0')
                                got--;
                        p[got] = '\0';
                        *buf = p;
                        *len = got;
                        return 0;
                }
                free(p);
                if (errno != ENOMEM)
                        return errno ? -errno : -EIO;
        }
        return -EAGAIN;
}

/* machdep.tsc_freq is a 64-bit integer (some kernels: 32-bit). */
static uint64_t sysctl_u64(const char *name)
{
        union {
                uint64_t u64;
                uint32_t u32;
        } v = {0};
        size_t len = sizeof(v);

        if (sysctlbyname(name, &v, &len, NULL, 0) != 0)
                return 0;
        return len == sizeof(uint32_t) ? v.u32 : v.u64;
}

/* Fill r from the sysctls; problems go to log (the "dumper" section). */
int dumper_bsd_collect(struct dumper_report *r, struct sbuf *log);

int dumper_bsd_collect(struct dumper_report *r, struct sbuf *log)
{
        static const char *const sections[][2] = {
            {"tslog", "debug.tslog"},
            {"tslog_user", "debug.tslog_user"},
        };
        char *ostype = NULL, *data;
        size_t len;
        int ret, found = 0;

        r->os = "bsd";
        if (dumper_sysctl_read("kern.ostype", &ostype, &len) == 0) {
                if (strcmp(ostype, "NetBSD") == 0)
                        r->os = "netbsd";
                else if (strcmp(ostype, "FreeBSD") == 0)
                        r->os = "freebsd";
        }
        free(ostype);
        r->tsc_freq = sysctl_u64("machdep.tsc_freq");
        r->tsc_freq_src = r->tsc_freq ? "sysctl" : NULL;
        if (!r->tsc_freq)
                r->tsc_freq = dumper_cpuid_tsc_hz(&r->tsc_freq_src);
        for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
                ret = dumper_sysctl_read(sections[i][1], &data, &len);
                if (ret < 0) {
                        sbuf_addf(log, "sysctl %s %s\n", sections[i][1], strerror(-ret));
                        continue;
                }
                ret = dumper_add_section(r, sections[i][0], data, len);
                if (ret < 0)
                        return ret;
                found++;
        }
        return found ? 0 : -ENOENT;
}

int dumper_os_open_console(const char *console)
{
        int fd;

        if (!console || strcmp(console, "-") == 0)
                return STDOUT_FILENO;
        fd = open(console, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        dumper_console_raw(fd, NULL, NULL);
        return fd;
}

static int power_off(void)
{
#if defined(__NetBSD__)
        reboot(RB_HALT | RB_POWERDOWN, NULL);
#elif defined(__FreeBSD__)
        reboot(RB_HALT | RB_POWEROFF);
#else
        errno = ENOSYS;
#endif
        return -errno;
}

int dumper_os_poweroff(void)
{
        return power_off();
}

int dumper_os_run(const struct dumper_opts *o)
{
        struct dumper_report r = DUMPER_REPORT_INIT;
        struct sbuf log = SBUF_INIT;
        struct termios saved;
        bool had_tty;
        char *copy;
        int fd, ret;

        ret = dumper_bsd_collect(&r, &log);
        if (ret == -ENOENT)
                sbuf_adds(&log, "no tslog: is the kernel built with options TSLOG?\n");
        else if (ret < 0)
                goto out_free;
        fd = dumper_os_open_console(o->console);
        if (fd < 0) {
                ret = fd;
                goto out_free;
        }
        r.console = fd == STDOUT_FILENO ? "stdout" : dumper_console_name(o->console);
        ret = dumper_console_raw(fd, &saved, &had_tty);
        if (ret < 0)
                sbuf_addf(&log, "raw %s %s\n", r.console, strerror(-ret));
        if (log.len) {
                copy = strdup(log.buf);
                if (copy)
                        dumper_add_section(&r, "dumper", copy, log.len);
        }
        ret = dumper_write(fd, &r);
        if (o->poweroff) {
                dumper_write_mark(fd, "poweroff");
                ret = power_off();
        }
        dumper_console_restore(fd, &saved, had_tty);
        if (fd != STDOUT_FILENO)
                close(fd);
out_free:
        dumper_report_free(&r);
        sbuf_release(&log);
        return ret;
}
