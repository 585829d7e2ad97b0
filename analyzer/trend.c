/*
 * trend: series, change points and the CI gate (analyzer/trend.h).
 * Stub: the contract only.
 */
#include <errno.h>

#include "analyzer/trend.h"

int trend_check(struct history *h, const struct trend_check_options *o, struct trend_check *c,
                char *err, size_t errsize)
{
        (void)h, (void)o, (void)c, (void)err, (void)errsize;
        return -ENOSYS;
}
