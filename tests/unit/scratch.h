/*
 * scratch: helpers the unit tests share for their scratch files. Static
 * functions: include once per test file, use what you need.
 */
#ifndef BOOTLENS_TEST_SCRATCH_H
#define BOOTLENS_TEST_SCRATCH_H

#include <archive.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/sbuf.h"

/* rm -rf dir (by /bin/rm, not a shell; PATH must find rm). */
static inline void scratch_rm_rf(const char *dir)
{
        char *argv[] = {"rm", "-rf", (char *)dir, NULL};
        pid_t pid = fork();

        if (pid == 0) {
                execvp(argv[0], argv);
                _exit(127);
        }
        if (pid > 0)
                waitpid(pid, NULL, 0);
}

/* The current archive entry's data into body (reset first). */
static inline void scratch_read_entry(struct archive *a, struct sbuf *body)
{
        const void *buf;
        size_t size;
        la_int64_t off;

        sbuf_reset(body);
        while (archive_read_data_block(a, &buf, &size, &off) == ARCHIVE_OK)
                sbuf_add(body, buf, size);
}

#endif
