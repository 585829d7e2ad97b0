/*
 * replay: run a fuzz target's LLVMFuzzerTestOneInput over files, without
 * libFuzzer, so that the committed corpus (tests/fuzz/corpus/<target>/:
 * seeds and the reproducers of fixed bugs) is a regression test of the
 * normal build (docs/fuzzing.md).
 *
 *     replay_<target> PATH...      a PATH is a file or a directory of files
 *
 * Exit status: 0 when every input ran (a crash is the failure), 2 when a
 * path cannot be read or no input was found.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/util.h"
#include "tests/fuzz/fuzz.h"

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_file(const char *path)
{
        char *buf = NULL;
        size_t len;
        int err = util_read_file(path, &buf, &len);
        uint8_t *exact;

        if (err < 0) {
                fprintf(stderr, "replay: cannot read '%s': %s\n", path, strerror(-err));
                return -1;
        }
        /* an exact-size copy, as libFuzzer gives: no NUL after the end */
        exact = malloc(len ? len : 1);
        if (!exact) {
                free(buf);
                return -1;
        }
        memcpy(exact, buf, len);
        free(buf);
        fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
        return 0;
}

/* Returns the number of inputs run, or -1. */
static int run_path(const char *path)
{
        struct dirent *de;
        struct stat st;
        char **names = NULL;
        size_t n = 0;
        int count = 0;
        DIR *d;

        if (stat(path, &st) < 0) {
                fprintf(stderr, "replay: cannot open '%s': %s\n", path, strerror(errno));
                return -1;
        }
        if (!S_ISDIR(st.st_mode))
                return run_file(path) < 0 ? -1 : 1;
        d = opendir(path);
        if (!d) {
                fprintf(stderr, "replay: cannot open '%s': %s\n", path, strerror(errno));
                return -1;
        }
        while ((de = readdir(d))) {
                char **grown;

                if (de->d_name[0] == '.')
                        continue;
                grown = realloc(names, (n + 1) * sizeof(*names));
                if (!grown || asprintf(&grown[n], "%s/%s", path, de->d_name) < 0) {
                        free(grown ? grown : names);
                        closedir(d);
                        return -1;
                }
                names = grown;
                n++;
        }
        closedir(d);
        if (n)
                qsort(names, n, sizeof(*names), cmp_str);
        for (size_t i = 0; i < n; i++) {
                if (count >= 0 && run_file(names[i]) == 0)
                        count++;
                else
                        count = -1;
                free(names[i]);
        }
        free(names);
        return count;
}

int main(int argc, char **argv)
{
        int total = 0;

        for (int i = 1; i < argc; i++) {
                int n = run_path(argv[i]);

                if (n < 0)
                        return 2;
                total += n;
        }
        if (total == 0) {
                fprintf(stderr, "replay: no input\n");
                return 2;
        }
        printf("replay: %d inputs ran\n", total);
        return 0;
}
