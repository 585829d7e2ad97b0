/*
 * fuzz_kimage: a kernel image (an ELF or a bzImage) through kimage_parse,
 * as "bootlens elf" and collect read it: the ELF header and tables, every
 * section and segment bounded by the input, the notes (build id, OS, PVH
 * entry), the symbol table, and for a bzImage the setup header, the
 * payload's decompression (vmlinux.h) and the ELF inside. What it returns
 * is walked whole (every name read, the classes summed), so that a name
 * or count past its block is caught by ASan.
 */
#include <stdlib.h>
#include <string.h>

#include "guest/kimage.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct kimage *k = NULL;
        char why[256];
        uint64_t sum = 0;
        size_t n = 0;

        (void)kimage_sniff(data, size);
        if (kimage_parse(data, size, &k, why, sizeof(why)) < 0) {
                if (!why[0])
                        abort(); /* every failure has a reason */
                for (const char *c = why; *c; c++)
                        if (*c < 0x20 || *c > 0x7e)
                                abort(); /* one line of printable ASCII */
                return 0;
        }
        for (int c = 0; c < KIMAGE_NCLASSES; c++)
                sum += k->class_size[c];
        if (sum != k->loaded_size || k->loaded_size > KIMAGE_SIZE_MAX ||
            (k->from_segments && k->nsections))
                abort();
        for (size_t i = 0; i < k->nsections; i++)
                n += strlen(k->sections[i].name);
        for (size_t i = 0; i < k->nsymbols; i++) {
                n += strlen(k->symbols[i].name);
                if (i && k->symbols[i - 1].addr > k->symbols[i].addr)
                        abort();
        }
        if (k->kernel_version)
                n += strlen(k->kernel_version);
        n += strlen(k->build_id) + strlen(kimage_entry_name(k->entry)) +
             strlen(kimage_os_name(k->os));
        kimage_free(k);
        return n == (size_t)-1;
}
