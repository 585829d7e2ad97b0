/*
 * A cmocka group fixture for the tests that need Debian's real kernel:
 * fetched through the project's own cache (guest/kernel_fetch.h), as a
 * user gets it. When it cannot be had, the tests that need it are skipped
 * with a note, never passed. Include once per test file.
 */
#ifndef BOOTLENS_TEST_KERNEL_FIXTURE_H
#define BOOTLENS_TEST_KERNEL_FIXTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "guest/kernel_fetch.h"

static struct kernel_paths kernel;
static bool have_kernel;

/* Fetch (or find cached) the kernel; sets have_kernel. */
static void fixture_fetch_kernel(void)
{
        struct kernel_fetch_opts o = {0};
        struct sbuf log = SBUF_INIT;
        int ret = kernel_fetch(&o, &kernel, &log);

        have_kernel = ret == 0;
        if (!have_kernel)
                fprintf(stderr, "note: cannot fetch Debian's kernel (%s): %s\n", strerror(-ret),
                        log.buf ? log.buf : "");
        sbuf_release(&log);
}

#define NEED_KERNEL()                                                                              \
        do {                                                                                       \
                if (!have_kernel) {                                                                \
                        fprintf(stderr, "skipped: Debian's kernel could not be fetched\n");        \
                        skip();                                                                    \
                }                                                                                  \
        } while (0)

#endif
