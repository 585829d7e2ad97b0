/* io: see io.h. */
#include "cli/io.h"

#include "analyzer/run.h"
#include "base/util.h"
#include "cli/commands.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void cli_input_error(const char *path, int err, bool opened)
{
        uint64_t max;
        char size[32];

        int bad_limit = util_input_limit(&max); /* the default when malformed */

        if (!opened && bad_limit < 0) {
                bl_error("%s='%s' is not a size above 0 (such as 512M or 1G)", UTIL_INPUT_MAX_ENV,
                         getenv(UTIL_INPUT_MAX_ENV));
                return;
        }
        if (err == -EFBIG)
                bl_error("'%s' is larger than the input limit of %s (set %s to raise it)", path,
                         util_format_size(max, size, sizeof(size)), UTIL_INPUT_MAX_ENV);
        else
                bl_error("cannot %s '%s': %s", opened ? "read" : "open", path, strerror(-err));
}

int cli_read_input(const char *path, char **data, size_t *len)
{
        bool opened;
        int ret = run_read_input(path, data, len, &opened);

        if (ret < 0) {
                cli_input_error(path, ret, opened);
                return -1;
        }
        return 0;
}

/* A write failure of stdout already said: main's final check stays quiet. */
static bool stdout_reported;

void cli_output_error_said(FILE *f)
{
        if (f == stdout)
                stdout_reported = true;
}

int cli_check_output(FILE *f, const char *name)
{
        int before = errno, err = 0; /* a failed earlier write left its errno, most likely */

        if (fflush(f) != 0)
                err = errno;
        if (!err && !ferror(f))
                return 0;
        if (!err)
                err = before;
        if (f == stdout)
                stdout_reported = true;
        if (err)
                bl_error("cannot write to %s: %s", name, strerror(err));
        else
                bl_error("cannot write to %s", name);
        return -1;
}

/* "standard output ('PATH')" when stdout is a regular file, else
 * "standard output". */
static const char *stdout_name(char *buf, size_t size)
{
        char path[PATH_MAX];
        struct stat st;
        ssize_t n;

        snprintf(buf, size, "standard output");
        if (fstat(STDOUT_FILENO, &st) < 0 || !S_ISREG(st.st_mode))
                return buf;
        n = readlink("/proc/self/fd/1", path, sizeof(path) - 1);
        if (n > 0) {
                path[n] = '\0';
                snprintf(buf, size, "standard output ('%s')", path);
        }
        return buf;
}

int cli_finish_stdout(void)
{
        char name[PATH_MAX + 32];
        int ret;

        if (stdout_reported) { /* said once by the command: the status only */
                fclose(stdout);
                return -1;
        }
        ret = cli_check_output(stdout, stdout_name(name, sizeof(name)));

        /* EBADF with nothing written and nothing failed: stdout was closed
         * (">&-") and the command printed nothing, as gnulib's close_stdout
         * lets pass */
        if (fclose(stdout) != 0 && ret == 0 && errno != EBADF) {
                bl_error("cannot write to %s: %s", name, strerror(errno));
                ret = -1;
        }
        return ret;
}
