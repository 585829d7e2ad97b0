/*
 * fuzz: what the fuzz targets in tests/fuzz/ share (docs/fuzzing.md).
 *
 * Each fuzz_<parser>.c defines LLVMFuzzerTestOneInput(): libFuzzer calls
 * it in the BOOTLENS_FUZZ build (clang), tests/fuzz/replay.c calls it on
 * every file of the committed corpus in the normal build. A target must
 * free everything it allocates, print nothing, and never exit.
 */
#ifndef BOOTLENS_FUZZ_H
#define BOOTLENS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A stream the renderers write to and nobody reads (opened once). */
static inline FILE *fuzz_sink(void)
{
        static FILE *sink;

        if (!sink)
                sink = fopen("/dev/null", "w");
        return sink;
}

#endif
