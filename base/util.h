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
#include <sys/types.h>

#define UTIL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Read up to len bytes, retrying on EINTR and short reads. Returns the
 * count read (less than len only at end of file) or -errno. */
ssize_t util_read_full(int fd, void *buf, size_t len);

/* Write all len bytes, retrying on EINTR and short writes. Returns 0 or
 * -errno. */
int util_write_full(int fd, const void *buf, size_t len);

/* Read a whole file into a fresh NUL-terminated buffer (*data, owned by the
 * caller, free()); *len excludes the terminating NUL. The file may hold NUL
 * bytes. Returns 0 or -errno. */
int util_read_file(const char *path, char **data, size_t *len);

/* Write a file whole: to PATH.tmp.PID, fsync, then rename over PATH, so a
 * reader never sees a partial file. Returns 0 or -errno. */
int util_write_file_atomic(const char *path, const void *data, size_t len);

/* Parse a whole string as an unsigned decimal (or 0x hex with base 0)
 * number. Returns 0, -EINVAL for junk or an empty string, -ERANGE for
 * overflow. */
int util_parse_u64(const char *s, int base, uint64_t *out);
int util_parse_double(const char *s, double *out);

/* Whether s[0..n) holds a control byte other than a tab (0x00-0x1f, 0x7f):
 * a line a parser should not take as a record. */
bool util_has_control(const char *s, size_t n);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t util_now_ns(void);

/* mkdir -p: path and every missing parent. Returns 0 (also when path is
 * already a directory), -EEXIST when something else is there, or -errno. */
int util_mkdir_p(const char *path, unsigned mode);

#endif
