/*
 * bootlens sweep: what each knob saves (docs/sweep.md).
 */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

void usage_sweep(FILE *out)
{
        fputs("usage: bootlens sweep --kernel K [--knob 'NAME: SPEC']... [--preset NAME]\n"
              "                      [--mode each|cumulative] [-n RUNS] [-j N] [COLLECT-OPTIONS]\n"
              "                      -o SESSION\n",
              out);
}

int sweep_execute(const struct collect_opts *co, const struct sweep_plan *plan,
                  const struct compare_options *cmp, const char *format, FILE *out,
                  struct savings *result)
{
        bl_error("sweep: not implemented yet");
        return BL_EXIT_USAGE;
}

int cmd_sweep(int argc, char **argv)
{
        if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
                usage_sweep(stdout);
                return BL_EXIT_OK;
        }
        bl_error("sweep: not implemented yet");
        return BL_EXIT_USAGE;
}
