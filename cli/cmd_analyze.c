/* bootlens analyze: placeholder until the tslog analyzer lands (issue 3). */
#include "cli/commands.h"

void usage_analyze(FILE *out)
{
        fprintf(out, "usage: bootlens analyze FILE...\n");
}

int cmd_analyze(int argc, char **argv)
{
        bl_error("analyze: not built yet");
        return BL_EXIT_USAGE;
}
