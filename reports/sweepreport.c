/*
 * The result table of "bootlens sweep" (reports/sweepreport.h).
 */
#include "reports/sweepreport.h"

#include <errno.h>

int sweepreport_table(FILE *out, const struct savings *s, const struct sweepreport_options *o)
{
        return -ENOSYS;
}

int sweepreport_json(FILE *out, const struct savings *s, const struct sweepreport_options *o)
{
        return -ENOSYS;
}

int sweepreport_csv(FILE *out, const struct savings *s, const struct sweepreport_options *o)
{
        return -ENOSYS;
}

int sweepreport_md(FILE *out, const struct savings *s, const struct sweepreport_options *o)
{
        return -ENOSYS;
}
