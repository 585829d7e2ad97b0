/*
 * skip: how a cmocka test says it could not run, so that CTest shows it as
 * "Skipped" and never as passed. cmocka's own skip() leaves the executable's
 * exit status 0 (a pass to CTest); these helpers count skips and make main
 * return BOOTLENS_SKIP_RC (tests/CMakeLists.txt registers it as the test's
 * SKIP_RETURN_CODE) when nothing failed but something was skipped.
 *
 *   test_skip("why");                          inside a test: prints, skips
 *   return test_exit(cmocka_run_group_tests(...));   in main
 *   test_skip_all("why");                      before any test: exits now
 */
#ifndef BOOTLENS_TEST_SKIP_H
#define BOOTLENS_TEST_SKIP_H

#include <stdio.h>
#include <stdlib.h>

#ifndef BOOTLENS_SKIP_RC
#define BOOTLENS_SKIP_RC 77
#endif

static unsigned test_skipped;

/* Print why, count the skip and leave the current test (cmocka's skip()). */
#define test_skip(why)                                                                             \
        do {                                                                                       \
                fprintf(stderr, "skipped: %s\n", (why));                                           \
                test_skipped++;                                                                    \
                skip();                                                                            \
        } while (0)

/* Nothing in this executable can run: say why and exit as skipped. */
static inline void test_skip_all(const char *why)
{
        fprintf(stderr, "skipped: %s\n", why);
        exit(BOOTLENS_SKIP_RC);
}

/* main's exit status: the failures, else BOOTLENS_SKIP_RC after a skip. */
static inline int test_exit(int failed)
{
        if (failed == 0 && test_skipped > 0) {
                fprintf(stderr, "%u test(s) skipped\n", test_skipped);
                return BOOTLENS_SKIP_RC;
        }
        return failed;
}

#endif
