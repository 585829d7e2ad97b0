/*
 * changepoint: PELT on a series of point medians (analyzer/changepoint.h).
 * Stub: the contract only.
 */
#include <errno.h>

#include "analyzer/changepoint.h"

int cp_detect(const double *x, size_t n, const struct cp_options *o, struct cp_result *r)
{
        (void)x, (void)n, (void)o, (void)r;
        return -ENOSYS;
}
