/*
 * dumper: the parts of bootlens-dumper that every guest OS shares.
 *
 * An OS path (dumper_linux.c, dumper_bsd.c) fills a struct dumper_report
 * with what it read from the kernel (sections of verbatim text, the TSC
 * frequency and where it came from), then dumper_write() frames it
 * (framing.h, docs/framing.md) onto the console:
 *
 *   @@bootlens v1 begin os=OS tsc_freq=HZ tsc_freq_src=SRC tsc_now=N
 *                       uptime_ns=N console=DEV [more key=value words]
 *   @@bootlens section NAME ... (one per dumper_add_section, in order)
 *   @@bootlens end sections=N bytes=B crc32=XXXXXXXX
 *
 * tsc_now and uptime_ns are sampled together by dumper_write(), right
 * before the begin line goes out. This file needs only libc and zlib (via
 * framing.c) and compiles on any host; it is also part of bootlens_core so
 * that the host unit tests exercise it. Functions return 0 or -errno.
 */
#ifndef BOOTLENS_DUMPER_H
#define BOOTLENS_DUMPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "base/sbuf.h"
#include "base/util.h"

#define DUMPER_MAX_SECTIONS 16

struct dumper_section {
        const char *name; /* static string */
        char *data;       /* owned */
        size_t len;
        const char *path; /* a late section (dumper_add_late_section): read at write time */
};

struct dumper_report {
        const char *os;           /* "linux", "netbsd", "freebsd" */
        uint64_t tsc_freq;        /* Hz; 0 if unknown */
        const char *tsc_freq_src; /* "dmesg-refined", "sysctl", "cpuid15", "none", ... */
        const char *console;      /* device name without /dev/: "hvc0", "ttyS0", "stdout" */
        struct sbuf fields;       /* extra " key=value" words for the begin line */
        struct dumper_section sections[DUMPER_MAX_SECTIONS];
        unsigned nsections;
};

/* Initialise a report: DUMPER_REPORT_INIT, or designated fields plus
 * .fields = SBUF_INIT. */
#define DUMPER_REPORT_INIT                                                                         \
        {                                                                                          \
                .fields = SBUF_INIT                                                                \
        }

/* Add a section; takes ownership of data (malloc'd; freed even on error).
 * -ENOSPC when DUMPER_MAX_SECTIONS are already there. */
int dumper_add_section(struct dumper_report *r, const char *name, char *data, size_t len);
/* Add a section whose content is the file at path (a static string),
 * read by dumper_write() after the begin line went out, so that reading
 * it (e.g. /proc/kallsyms: a third of a second under TCG) does not count
 * as boot time. A file that cannot be read then is an empty section.
 * -ENOSPC as dumper_add_section(). */
int dumper_add_late_section(struct dumper_report *r, const char *name, const char *path);
/* Append " key=value" to the begin line; the value must hold no space or
 * control character (-EINVAL). */
int dumper_add_field(struct dumper_report *r, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void dumper_report_free(struct dumper_report *r);

/* The begin line's fields (without "@@bootlens v1 begin ") for the given
 * clock samples, into out (reset first). */
int dumper_format_begin(const struct dumper_report *r, uint64_t tsc_now, uint64_t uptime_ns,
                        struct sbuf *out);
/* Sample the clocks and write the whole framed dump to fd. */
int dumper_write(int fd, const struct dumper_report *r);

/* Write "@@bootlens mark NAME uptime_ns=N" (now) to fd. -EINVAL for a bad
 * name (empty, spaces, control characters). */
int dumper_write_mark(int fd, const char *name);

/* Nanoseconds since boot: CLOCK_BOOTTIME on Linux, CLOCK_UPTIME on
 * FreeBSD, CLOCK_MONOTONIC (which counts from boot) on NetBSD. */
uint64_t dumper_uptime_ns(void);
/* The CPU's time-stamp counter (rdtsc); 0 on other architectures. */
uint64_t dumper_tsc_now(void);
/* TSC frequency from CPUID leaf 0x15 (crystal ratio) or 0x16 (base MHz).
 * Sets *src to "cpuid15"/"cpuid16". Returns Hz, or 0 if neither tells. */
uint64_t dumper_cpuid_tsc_hz(const char **src);

/* Put a tty in raw mode (cfmakeraw: no \n -> \r\n). A non-tty fd is left
 * alone and is not an error. If saved is not NULL it receives the old
 * settings (and *had_tty whether there were any) for
 * dumper_console_restore(). */
int dumper_console_raw(int fd, struct termios *saved, bool *had_tty);
/* Undo dumper_console_raw() after draining the output. */
void dumper_console_restore(int fd, const struct termios *saved, bool had_tty);
/* The name of a console device for the begin line: "/dev/ttyS0" -> "ttyS0". */
const char *dumper_console_name(const char *dev);

#endif
