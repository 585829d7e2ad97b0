/*
 * bootlens diagnose: known boot sinks in an analysis (docs/diagnose.md).
 */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

void usage_diagnose(FILE *out)
{
        fputs("usage: bootlens diagnose INPUT... [--verify] [--strict] [--format table|json|md]\n",
              out);
}

int cmd_diagnose(int argc, char **argv)
{
        if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
                usage_diagnose(stdout);
                return BL_EXIT_OK;
        }
        bl_error("diagnose: not implemented yet");
        return BL_EXIT_USAGE;
}
