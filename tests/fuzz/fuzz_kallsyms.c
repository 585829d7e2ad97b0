/*
 * fuzz_kallsyms: a /proc/kallsyms text through what "bootlens elf --addr
 * ADDR KALLSYMS" does with it: ksyms_parse_kallsyms, then addresses
 * resolved and formatted. The addresses are taken from the input itself
 * (every 8th byte onwards read as a 64-bit number, and each symbol's
 * neighbours), so that hits, misses, first and last symbols are reached.
 */
#include <stdlib.h>
#include <string.h>

#include "analyzer/ksyms.h"
#include "tests/fuzz/fuzz.h"

static void resolve(const struct ksyms *s, uint64_t addr)
{
        struct ksyms_hit h;
        char buf[64];
        FILE *out = fuzz_sink();

        if (ksyms_resolve(s, addr, &h) < 0 && !h.name)
                return;
        ksyms_format_hit(&h, buf, sizeof(buf));
        if (out)
                fputs(buf, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct ksyms *s = NULL;
        char why[128];

        if (ksyms_parse_kallsyms((const char *)data, size, "fuzz", &s, why, sizeof(why)) < 0)
                return 0;
        for (size_t i = 0; i + 8 <= size; i += 8) {
                uint64_t a;

                memcpy(&a, data + i, 8);
                resolve(s, a);
                resolve(s, a & 0xffffffffull);
        }
        resolve(s, 0);
        resolve(s, UINT64_MAX);
        ksyms_free(s);
        return 0;
}
