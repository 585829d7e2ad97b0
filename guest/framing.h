/*
 * framing: the console framing between the guest dumper and the host
 * (docs/framing.md). Written once, used by the dumper (writer) and by the
 * collector and analyzer (parser).
 *
 *   @@bootlens v1 begin KEY=VALUE ...\n
 *   @@bootlens section NAME\n
 *   ...verbatim lines...
 *   @@bootlens end sections=N bytes=B crc32=XXXXXXXX\n
 *
 * bytes and crc32 (zlib's crc32, 8 lowercase hex digits) cover every byte
 * after the begin line's newline up to the '@' of the end line: section
 * lines included. A writer that cannot compute crc32 (the /etc/rc shell
 * snippet) writes "crc32=none": the parser then checks bytes and sections
 * only and sets crc_unchecked. A marker line "@@bootlens mark NAME uptime_ns=N" may
 * appear anywhere on the console, inside or outside a dump.
 *
 * The writer needs only libc and zlib so that it links into the static
 * dumper. Functions return 0 or a negative errno.
 */
#ifndef BOOTLENS_FRAMING_H
#define BOOTLENS_FRAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAMING_PREFIX  "@@bootlens "
#define FRAMING_VERSION "v1"

/* ---- writer ---- */

/* Output goes to fd; the writer buffers nothing, so every call is a
 * write(2) (or a few). err latches the first failure: later calls do
 * nothing and return it. */
struct framing_writer {
        int fd;
        uint32_t crc;
        uint64_t bytes;
        unsigned sections;
        bool at_line_start; /* last body byte written was '\n' (or none yet) */
        int err;
};

/* Write the begin line: "@@bootlens v1 begin " FIELDS "\n". fields is a
 * space-separated list of key=value words made by the caller (no newline). */
int framing_begin(struct framing_writer *w, int fd, const char *fields);
/* Start a section; a newline is inserted first if the body is mid-line. */
int framing_section(struct framing_writer *w, const char *name);
/* Append body bytes (counted in bytes and crc32). */
int framing_write(struct framing_writer *w, const void *data, size_t len);
/* Terminate the last line if needed and write the end line. */
int framing_end(struct framing_writer *w);

/* Format a marker line into buf (NUL-terminated). Returns its length, or
 * -ENOSPC if it does not fit, -EINVAL if name holds a space or control
 * character. */
int framing_format_mark(char *buf, size_t size, const char *name, uint64_t uptime_ns);

/* ---- lines ---- */

/* What a console line is. A framing line starts at the line's first byte
 * with FRAMING_PREFIX; its keyword is the word after the prefix (up to a
 * space or the end of the line). */
enum framing_kind {
        FRAMING_LINE_NONE = 0, /* not a framing line: kernel output, records */
        FRAMING_LINE_BEGIN,    /* "@@bootlens v1 begin [FIELDS]" */
        FRAMING_LINE_SECTION,  /* "@@bootlens section NAME" */
        FRAMING_LINE_END,      /* "@@bootlens end FIELDS" */
        FRAMING_LINE_MARK,     /* "@@bootlens mark NAME [FIELDS]" */
        FRAMING_LINE_OTHER,    /* any other "@@bootlens " line (another version, an
                                * unknown keyword): ours, to be skipped */
};

/* Classify one console line, line[0..len) without its '\n' (one trailing
 * '\r' is dropped). When rest is not NULL it is set to what follows the
 * keyword and its space ("begin" and the spaces after it for a begin line:
 * the fields; the name for a section; the fields for an end line; the
 * name and fields for a mark), *rest_len to its length (0 when none). */
enum framing_kind framing_line_kind(const char *line, size_t len, const char **rest,
                                    size_t *rest_len);

/* Look up KEY in a begin line's fields, fields[0..len) (space-separated
 * KEY=VALUE words). Returns a pointer to the value and sets *vlen, or NULL
 * when the key is absent. */
const char *framing_fields_get(const char *fields, size_t len, const char *key, size_t *vlen);
/* The value of KEY read as a decimal number with util_scan_u64_all(), at
 * most UTIL_CLOCK_MAX (base/util.h: every number of a begin line or a mark,
 * tsc_now, tsc_freq, uptime_ns, init_start_ns, is a clock or a frequency).
 * Returns 0, -ENOENT when absent, -EINVAL when not a number, -ERANGE above
 * UTIL_CLOCK_MAX (*v untouched on error). */
int framing_fields_u64(const char *fields, size_t len, const char *key, uint64_t *v);

/* ---- parser ---- */

struct framing_section_ref {
        size_t line_off;  /* '@' of its section line */
        const char *name; /* points into the parsed buffer, not NUL-terminated */
        size_t name_len;
        size_t off; /* first byte of the section's content */
        size_t len; /* content length, up to the next section line or the end */
};

enum framing_status {
        FRAMING_OK = 0,
        FRAMING_NO_BEGIN,     /* no begin line at all */
        FRAMING_NO_END,       /* begin but no end line: truncated */
        FRAMING_BAD_END,      /* end line that does not parse */
        FRAMING_BAD_BYTES,    /* byte count mismatch */
        FRAMING_BAD_CRC,      /* CRC mismatch */
        FRAMING_BAD_SECTIONS, /* section count mismatch */
};

struct framing_dump {
        enum framing_status status;
        size_t begin_off;  /* '@' of the begin line */
        size_t fields_off; /* begin line's fields (after "begin ") */
        size_t fields_len;
        size_t body_off;  /* first byte after the begin line's newline */
        size_t end_off;   /* '@' of the end line; the buffer's length if none */
        size_t after_off; /* first byte after the end line (or length) */
        uint64_t bytes_claimed, bytes_actual;
        uint32_t crc_claimed, crc_actual;
        unsigned sections_claimed;
        bool crc_unchecked; /* the end line said crc32=none */
        unsigned nsections;
        struct framing_section_ref *sections; /* owned, framing_dump_free() */
};

/* The first begin line in buf[0..len), without checking the dump: sets
 * *off to its '@' and *fields, *fields_len to its fields (for
 * framing_fields_get(), e.g. the os= of a capture). Returns 0 or -ENOENT. */
int framing_find_begin(const char *buf, size_t len, size_t *off, const char **fields,
                       size_t *fields_len);
/* Find and check the first dump in buf[0..len). The buffer must outlive
 * d. Returns 0 when a begin line was found (d->status then tells whether
 * the dump is whole), -ENOENT when none was, -ENOMEM. */
int framing_parse(const char *buf, size_t len, struct framing_dump *d);
void framing_dump_free(struct framing_dump *d);
/* Look up KEY in the begin line's fields. Returns a pointer into the
 * buffer and sets *vlen, or NULL. */
const char *framing_field(const char *buf, const struct framing_dump *d, const char *key,
                          size_t *vlen);
/* framing_fields_u64() on the dump's begin line. */
int framing_field_u64(const char *buf, const struct framing_dump *d, const char *key, uint64_t *v);
/* Find a section by name, or NULL. */
const struct framing_section_ref *framing_find_section(const struct framing_dump *d,
                                                       const char *name);
const char *framing_status_str(enum framing_status s);
/* One sentence for a report about a dump whose status is not FRAMING_OK,
 * the same for every OS: "the dump is damaged: " and the status, with the
 * claimed and actual counts of a mismatch. Written into buf (truncated to
 * size, NUL-terminated); returns buf. */
const char *framing_describe(const struct framing_dump *d, char *buf, size_t size);

/* Parse one console line (without its newline) as a marker. On success
 * copies the NUL-terminated name (truncated to name_size-1) and uptime,
 * returns 0; -EINVAL if it is not a marker line, has no name, or carries
 * an uptime_ns= that is not a decimal number up to UTIL_CLOCK_MAX. uptime_ns is
 * 0 when the line carried none. Other KEY=VALUE words are ignored. */
int framing_parse_mark(const char *line, size_t len, char *name, size_t name_size,
                       uint64_t *uptime_ns);

#endif
