/*
 * bootlens: where did every millisecond of this micro-VM boot go?
 *
 * The entry point: a table of git-style subcommands, each in its own
 * cli/cmd_<name>.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bootlens_config.h"
#include "cli/commands.h"
#include "cli/io.h"

static int cmd_help(int argc, char **argv);
static void usage_help(FILE *out);
static int cmd_version(int argc, char **argv);
static void usage_version(FILE *out);

const struct bl_command bl_commands[] = {
    {"analyze", cmd_analyze, "attribute boot time to phases and functions", usage_analyze},
    {"collect", cmd_collect, "boot a kernel under QEMU many times into a session", usage_collect},
    {"compare", cmd_compare, "did a change move boot time? a verdict per phase and function",
     usage_compare},
    {"demo", cmd_demo, "profile 5 real boots of Debian's cloud kernel, end to end", usage_demo},
    {"diagnose", cmd_diagnose, "recognise known boot sinks: evidence, cause, fix, expected saving",
     usage_diagnose},
    {"elf", cmd_elf, "a kernel image: boot entry, size per section, symbols, addresses", usage_elf},
    {"guest", cmd_guest, "build guest images, fetch a test kernel, verify dumps", usage_guest},
    {"help", cmd_help, "show help for bootlens or one command", usage_help},
    {"history", cmd_history,
     "boot time per session kept in a database: trends, change points, a CI gate", usage_history},
    {"plot", cmd_plot, "draw a figure with gnuplot: phases, distribution, ecdf, timeline, delta",
     usage_plot},
    {"report", cmd_report, "write a static HTML (or Markdown) report with figures into a directory",
     usage_report},
    {"show", cmd_show, "list a session's runs or print one run's capture", usage_show},
    {"sweep", cmd_sweep, "what each knob saves: boot variants interleaved, a saving per step",
     usage_sweep},
    {"version", cmd_version, "print the version", usage_version},
    {NULL, NULL, NULL, NULL},
};

void bl_error(const char *fmt, ...)
{
        va_list ap;

        fputs("bootlens: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

void bl_warning(const char *fmt, ...)
{
        va_list ap;

        fputs("bootlens: warning: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

static void usage_main(FILE *out)
{
        fprintf(out, "usage: bootlens [--version] [--help] COMMAND [ARGS]\n\n"
                     "Boot-time profiling for micro-VMs.\n\ncommands:\n");
        for (const struct bl_command *c = bl_commands; c->name; c++)
                fprintf(out, "  %-10s %s\n", c->name, c->summary);
        fprintf(out, "\nRun 'bootlens help COMMAND' or 'bootlens COMMAND --help' for details.\n"
                     "Exit status: 0 success, 1 a check failed, 2 usage or input error.\n");
}

static const struct bl_command *find_command(const char *name)
{
        for (const struct bl_command *c = bl_commands; c->name; c++)
                if (strcmp(c->name, name) == 0)
                        return c;
        return NULL;
}

static void usage_help(FILE *out)
{
        fprintf(out, "usage: bootlens help [COMMAND]\n");
}

static int cmd_help(int argc, char **argv)
{
        const struct bl_command *c;

        if (argc < 2) {
                usage_main(stdout);
                return BL_EXIT_OK;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                usage_help(stdout);
                return BL_EXIT_OK;
        }
        c = find_command(argv[1]);
        if (!c) {
                bl_error("'%s' is not a bootlens command; see 'bootlens help'", argv[1]);
                return BL_EXIT_USAGE;
        }
        c->usage(stdout);
        return BL_EXIT_OK;
}

static void usage_version(FILE *out)
{
        fprintf(out, "usage: bootlens version\n");
}

static int cmd_version(int argc, char **argv)
{
        if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
                usage_version(stdout);
                return BL_EXIT_OK;
        }
        printf("bootlens %s\n", BOOTLENS_VERSION);
        return BL_EXIT_OK;
}

static int run(int argc, char **argv)
{
        const struct bl_command *c;

        if (argc < 2) {
                usage_main(stderr);
                return BL_EXIT_USAGE;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                usage_main(stdout);
                return BL_EXIT_OK;
        }
        if (strcmp(argv[1], "--version") == 0)
                return cmd_version(1, argv + 1);
        c = find_command(argv[1]);
        if (!c) {
                bl_error("'%s' is not a bootlens command; see 'bootlens help'", argv[1]);
                return BL_EXIT_USAGE;
        }
        return c->fn(argc - 1, argv + 1);
}

/* Every command's output is checked once it returns (cli/io.h): a write
 * that failed (a full disk, /dev/full) makes the exit status non-zero. */
int main(int argc, char **argv)
{
        int rc = run(argc, argv);

        if (cli_finish_stdout() < 0 && rc == BL_EXIT_OK)
                rc = BL_EXIT_USAGE;
        return rc;
}
