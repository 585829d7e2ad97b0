/*
 * golden: a renderer's output compared byte for byte with a golden file
 * (test_histreport, test_elfreport). BOOTLENS_REGEN=1 rewrites the golden
 * from the output instead: review the diff. JSON (a name containing
 * ".json") is compared without its "tool" line, which names the version.
 */
#ifndef BOOTLENS_TEST_GOLDEN_H
#define BOOTLENS_TEST_GOLDEN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* Remove the line "  \"tool\": ..." from s. */
static __attribute__((unused)) void golden_cut_tool(char *s)
{
        char *p = strstr(s, "\n  \"tool\": ");

        if (p) {
                char *end = strchr(p + 1, '\n');

                memmove(p, end, strlen(end) + 1);
        }
}

/* Compare got (malloc'd, freed here) with the file dir/name (dir ends in '/'). */
static __attribute__((unused)) void golden_check(const char *dir, const char *name, char *got)
{
        char path[512], *want = NULL;
        size_t len;

        if (strstr(name, ".json"))
                golden_cut_tool(got);
        snprintf(path, sizeof(path), "%s%s", dir, name);
        if (getenv("BOOTLENS_REGEN"))
                assert_int_equal(util_write_file_atomic(path, got, strlen(got)), 0);
        assert_int_equal(util_read_file(path, &want, &len), 0);
        assert_string_equal(got, want);
        free(want);
        free(got);
}

#endif
