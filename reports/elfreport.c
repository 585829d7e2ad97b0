/* elfreport: what "bootlens elf" prints (elfreport.h). */
#include "reports/elfreport.h"

#include <errno.h>
#include <string.h>

int elfreport_format_parse(const char *s, enum elfreport_format *f)
{
        if (strcmp(s, "table") == 0)
                *f = ELFREPORT_TABLE;
        else if (strcmp(s, "json") == 0)
                *f = ELFREPORT_JSON;
        else if (strcmp(s, "md") == 0)
                *f = ELFREPORT_MD;
        else
                return -EINVAL;
        return 0;
}

int elfreport_image(FILE *out, const struct kimage *k, const char *path,
                    const struct elfreport_options *o)
{
        return -ENOSYS; /* TODO(issue 15) */
}

int elfreport_compare(FILE *out, const struct kdiff *d, const char *path_a, const char *path_b,
                      const struct elfreport_options *o)
{
        return -ENOSYS; /* TODO(issue 15) */
}

int elfreport_addrs(FILE *out, const struct ksyms *s, const char *path, const uint64_t *addrs,
                    const char *const *texts, size_t n, const struct elfreport_options *o)
{
        return -ENOSYS; /* TODO(issue 15) */
}
