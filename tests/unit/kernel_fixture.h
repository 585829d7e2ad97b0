/*
 * A cmocka group fixture for the tests that need Debian's real kernel
 * (tests/unit/test_*_vm.c, label vm): fetched through the project's own
 * cache (guest/kernel_fetch.h), as a user gets it, which needs the network
 * on first use. When it cannot be had, the executable exits as skipped
 * (tests/unit/skip.h), never as passed. Include once per test file.
 */
#ifndef BOOTLENS_TEST_KERNEL_FIXTURE_H
#define BOOTLENS_TEST_KERNEL_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "guest/kernel_fetch.h"
#include "skip.h"

static struct kernel_paths kernel;

/* Fetch (or find cached) the kernel of that version (NULL: the one the
 * metapackage names), or exit as skipped saying why. */
static inline void fixture_fetch_kernel_version(const char *version)
{
        struct kernel_fetch_opts o = {.version = version};
        struct sbuf log = SBUF_INIT;
        int ret = kernel_fetch(&o, &kernel, &log);

        if (ret < 0) {
                fprintf(stderr, "note: cannot fetch Debian's kernel %s (%s): %s\n",
                        version ? version : "", strerror(-ret), log.buf);
                sbuf_release(&log);
                test_skip_all("Debian's kernel could not be fetched");
        }
        sbuf_release(&log);
}

/* Fetch (or find cached) the kernel, or exit as skipped saying why. */
static inline void fixture_fetch_kernel(void)
{
        fixture_fetch_kernel_version(NULL);
}

#endif
