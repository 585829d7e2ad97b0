/* kdiff: where the size went between two kernel images (kdiff.h). */
#include "analyzer/kdiff.h"

#include <errno.h>
#include <stdlib.h>

int kdiff_build(const struct kimage *a, const struct kimage *b, size_t top, struct kdiff **out)
{
        *out = NULL;
        return -ENOSYS; /* TODO(issue 15) */
}

void kdiff_free(struct kdiff *d)
{
        free(d);
}
