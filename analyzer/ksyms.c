/* ksyms: addresses to symbols (ksyms.h). */
#include "analyzer/ksyms.h"

#include <errno.h>
#include <stdlib.h>

int ksyms_from_kimage(const struct kimage *k, struct ksyms **out, char *why, size_t whylen)
{
        *out = NULL;
        return -ENOSYS; /* TODO(issue 15) */
}

int ksyms_parse_kallsyms(const char *text, size_t len, const char *path, struct ksyms **out,
                         char *why, size_t whylen)
{
        *out = NULL;
        return -ENOSYS; /* TODO(issue 15) */
}

int ksyms_load(const char *path, struct ksyms **out, char *why, size_t whylen)
{
        *out = NULL;
        return -ENOSYS; /* TODO(issue 15) */
}

void ksyms_free(struct ksyms *s)
{
        free(s);
}

size_t ksyms_count(const struct ksyms *s)
{
        return 0;
}

const char *ksyms_source(const struct ksyms *s)
{
        return "elf";
}

int ksyms_resolve(const struct ksyms *s, uint64_t addr, struct ksyms_hit *hit)
{
        return -ENOSYS; /* TODO(issue 15) */
}

int ksyms_format_hit(const struct ksyms_hit *hit, char *buf, size_t len)
{
        return -ENOSYS; /* TODO(issue 15) */
}

int ksyms_parse_addr(const char *s, uint64_t *addr)
{
        return -ENOSYS; /* TODO(issue 15) */
}
