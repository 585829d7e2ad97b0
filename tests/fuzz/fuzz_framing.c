/*
 * fuzz_framing: a console capture through the framing parser
 * (framing_parse, framing_field, framing_find_section) and every line of
 * it through the line reader (framing_line_kind) and the marker parser
 * (framing_parse_mark, with a roomy and a tiny name buffer); the begin
 * line's numbers through framing_field_u64 and a damaged dump's sentence
 * through framing_describe.
 */
#include <string.h>

#include "guest/framing.h"
#include "tests/fuzz/fuzz.h"

static const char *const keys[] = {"os", "tsc_freq", "tsc_now", "uptime_ns", "", "="};
static const char *const sections[] = {"tslog", "tslog_user", "dmesg", "ftrace", ""};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *buf = (const char *)data;
        struct framing_dump d;
        char name[64], tiny[2], why[160];
        const char *rest;
        uint64_t uptime, v;
        size_t vlen, pos = 0;

        if (framing_parse(buf, size, &d) == 0) {
                for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
                        framing_field(buf, &d, keys[i], &vlen);
                        framing_field_u64(buf, &d, keys[i], &v);
                }
                for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
                        framing_find_section(&d, sections[i]);
                framing_status_str(d.status);
                framing_describe(&d, why, sizeof(why));
        }
        framing_dump_free(&d);
        while (pos < size) {
                const char *nl = memchr(buf + pos, '\n', size - pos);
                size_t len = nl ? (size_t)(nl - (buf + pos)) : size - pos;

                framing_line_kind(buf + pos, len, &rest, &vlen);
                framing_parse_mark(buf + pos, len, name, sizeof(name), &uptime);
                framing_parse_mark(buf + pos, len, tiny, sizeof(tiny), &uptime);
                pos += len + 1;
        }
        return 0;
}
