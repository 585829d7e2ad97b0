/*
 * util: small helpers every host-side module shares.
 *
 * I/O that survives EINTR and short reads, whole-file reads, atomic file
 * writes, checked number parsing and the monotonic clock. Functions
 * return 0 (or a count) on success and a negative errno on failure; none
 * of them prints.
 */
#ifndef BOOTLENS_UTIL_H
#define BOOTLENS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define UTIL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Read up to len bytes, retrying on EINTR and short reads. Returns the
 * count read (less than len only at end of file) or -errno. */
ssize_t util_read_full(int fd, void *buf, size_t len);

/* Write all len bytes, retrying on EINTR and short writes. Returns 0 or
 * -errno. */
int util_write_full(int fd, const void *buf, size_t len);

/*
 * The input limit: no reader of a whole file takes more than this many
 * bytes (a full tslog buffer is about 12 MB, a Linux dump well under 1 MB),
 * so that `bootlens analyze /dev/zero` stops instead of eating the memory.
 * The environment variable UTIL_INPUT_MAX_ENV overrides it (docs/limits.md).
 */
#define UTIL_INPUT_MAX_DEFAULT (256ull << 20) /* 256 MiB */
#define UTIL_INPUT_MAX_ENV     "BOOTLENS_MAX_INPUT"

/* The input limit in bytes: UTIL_INPUT_MAX_ENV read with util_parse_size()
 * when set, else UTIL_INPUT_MAX_DEFAULT. Returns 0; -EINVAL or -ERANGE when
 * the variable is set but is not a size above 0 (*max is then the
 * default). */
int util_input_limit(uint64_t *max);

/* Read what fd holds, to its end, into a fresh NUL-terminated buffer
 * (*data, owned by the caller, free()); *len excludes the NUL. Reads in
 * chunks and at most max + 1 bytes: returns -EFBIG (nothing kept) when fd
 * holds more than max bytes, else 0 or -errno of the read. */
int util_read_fd_max(int fd, size_t max, char **data, size_t *len);

/* open() path, then util_read_fd_max(). Returns 0, -errno of the open or
 * the read, or -EFBIG. */
int util_read_file_max(const char *path, size_t max, char **data, size_t *len);

/* Read a whole file into a fresh NUL-terminated buffer (*data, owned by the
 * caller, free()); *len excludes the terminating NUL. The file may hold NUL
 * bytes. At most the input limit (util_input_limit(); the default when the
 * variable is malformed) is read: -EFBIG beyond it. Returns 0 or -errno. */
int util_read_file(const char *path, char **data, size_t *len);

/* Write a file whole: to PATH.tmp.PID, fsync, then rename over PATH, so a
 * reader never sees a partial file. An empty file is not fsync'd: it has
 * no data a crash could lose (a run's empty QEMU log: one fsync fewer per
 * boot, docs/collect.md "The collector's floor"). Returns 0 or -errno. */
int util_write_file_atomic(const char *path, const void *data, size_t len);

/* Whether a command line (words split at spaces) holds word: a whole
 * word, or with prefix a word that starts with it ("console=ttyS"). */
bool util_has_word(const char *line, const char *word, bool prefix);

/* Flush out and tell whether every write to it went through: 0, or -EIO
 * (a renderer's last step). */
int util_flush(FILE *out);

/* Parse a whole NUL-terminated string (a command-line argument) as an
 * unsigned number with util_scan_u64(): base 10 decimal, base 16 hex of
 * either case, base 0 decimal or "0x" hex. Returns 0, -EINVAL for junk, a
 * sign, a blank or an empty string (or another base), -ERANGE for
 * overflow. */
int util_parse_u64(const char *s, int base, uint64_t *out);
int util_parse_double(const char *s, double *out);

/* Parse a whole string as a size in bytes: decimal digits and an optional
 * binary suffix K, M, G or T (either case, 1024-based, "KiB" and "KB" the
 * same as "K"), e.g. "512M", "1G", "300000". Returns 0, -EINVAL for junk or
 * an empty string, -ERANGE above UINT64_MAX. */
int util_parse_size(const char *s, uint64_t *out);

/* A size for a message: "256 MiB" (a whole number of GiB, MiB or KiB),
 * else "N bytes". Written into buf (truncated to size); returns buf. */
const char *util_format_size(uint64_t bytes, char *buf, size_t size);

/* Format a one-line reason into why (whylen bytes, truncated), the "why"
 * buffer of the parsers' contracts; nothing when why is NULL or whylen 0. */
void util_whyf(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * The one scanner of numbers that come from a guest. Reads an unsigned
 * number at *p, never at or past end (the text need not be NUL-terminated):
 * decimal digits (base 10) or hex digits (base 16: lower case only, unless
 * flags has UTIL_SCAN_ANYCASE; a leading "0x" only with UTIL_SCAN_0X). No
 * sign, no blanks; leading zeros are fine. Returns 0 with *v set and *p past
 * the digits; -EINVAL with *p unchanged when no digit is there (an empty
 * text, "-1", "+1", "0x" alone); -ERANGE when the value exceeds UINT64_MAX,
 * with *p past the digits (so that a caller can tell "a number, too big"
 * from "no number"). The caller checks what follows the digits.
 */
#define UTIL_SCAN_ANYCASE 1u /* hex digits A-F accepted as well */
#define UTIL_SCAN_0X      2u /* an optional "0x" (or "0X" with ANYCASE) prefix */
int util_scan_u64(const char **p, const char *end, int base, unsigned flags, uint64_t *v);

/* The whole of s[0..n) as util_scan_u64() reads it: 0, -EINVAL (empty,
 * no digit, or anything after the digits) or -ERANGE. */
int util_scan_u64_all(const char *s, size_t n, int base, unsigned flags, uint64_t *v);

/*
 * A fixed-point decimal "W[.F]" at *p (before end) as an integer count of
 * 1/unit: W * unit + F's first digits (those finer than 1/unit are read and
 * dropped), e.g. "1.5" with unit 1000 is 1500. unit is a power of ten >= 1.
 * Returns 0 with *v set and *p past the text, -EINVAL when W has no digit
 * (*p unchanged), -ERANGE when the value exceeds UINT64_MAX.
 */
int util_scan_fixed(const char **p, const char *end, uint64_t unit, uint64_t *v);

/*
 * The range of every clock value the analyzer takes from a guest (a TSC
 * read, nanoseconds since boot, a TSC frequency): 0 to UTIL_CLOCK_MAX, so
 * that each fits an int64_t and a difference of two never wraps. A real TSC
 * or uptime is far below (2^63 ns is 292 years; 2^63 cycles at 5 GHz, 58
 * years). Every parser refuses a value above it with a warning that names
 * the line, and skips the record (docs/limits.md).
 */
#define UTIL_CLOCK_MAX INT64_MAX

/* Whether s[0..n) holds a control byte other than a tab (0x00-0x1f, 0x7f):
 * a line a parser should not take as a record. */
bool util_has_control(const char *s, size_t n);

/* The length of the UTF-8 sequence at s[0..n) (1..4; n >= 1), or 0 when
 * it is not well formed (a stray continuation byte, a cut sequence, an
 * overlong form, a surrogate, a value beyond U+10FFFF). */
size_t util_utf8_len(const unsigned char *s, size_t n);

/* Copy at most max bytes of s into dst (dstlen bytes, always terminated)
 * as printable ASCII: a byte outside 0x20..0x7e (a control byte, a newline,
 * anything non-ASCII) and a backslash become "\\xNN"; "..." ends a name
 * longer than max. What an untrusted name (an ELF section's) is turned into
 * before it enters a one-line reason. Returns dst. */
char *util_printable(char *dst, size_t dstlen, const char *s, size_t max);

/* s as one word of a POSIX shell, into *out (malloc'd): as it is when it
 * holds only A-Z a-z 0-9 and _ . / : @ % + = , - (and is not empty), else
 * in single quotes with each ' written '\''. For the commands a message
 * suggests, so that they can be pasted. Returns 0 or -ENOMEM. */
int util_shell_word(const char *s, char **out);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t util_now_ns(void);

/* mkdir -p: path and every missing parent. Returns 0 (also when path is
 * already a directory), -EEXIST when something else is there, or -errno. */
int util_mkdir_p(const char *path, unsigned mode);

#endif
