/* ksize: see ksize.h. */
#include "analyzer/ksize.h"

#include <stdio.h>
#include <string.h>

static void copy(char *dst, size_t size, const char *s)
{
        snprintf(dst, size, "%s", s ? s : "");
}

void ksize_from_variant(struct ksize *k, const struct session_variant_info *v)
{
        const struct session_kimage *im = &v->image;

        memset(k, 0, sizeof(*k));
        k->one = v->kernel.sha256 != NULL;
        copy(k->sha256, sizeof(k->sha256), v->kernel.sha256);
        if (!k->one || !im->known)
                return;
        k->known = true;
        copy(k->format, sizeof(k->format), im->format);
        copy(k->entry, sizeof(k->entry), im->entry);
        copy(k->comp, sizeof(k->comp), im->comp);
        copy(k->build_id, sizeof(k->build_id), im->build_id);
        k->pvh = im->pvh;
        k->file_size = im->file_size;
        k->loaded_size = im->loaded_size;
        k->comp_size = im->comp_size;
}

static const char *sha(const struct session_variant_info *v)
{
        return v->kernel.sha256 ? v->kernel.sha256 : "";
}

void ksize_from_session(struct ksize *k, const struct session_info *in, const char *variant)
{
        memset(k, 0, sizeof(*k));
        for (size_t i = 0; i < in->nvariants; i++) {
                if (variant && strcmp(in->variants[i].name, variant) == 0) {
                        ksize_from_variant(k, &in->variants[i]);
                        return;
                }
        }
        if (variant || in->nvariants == 0 || ksize_session_differs(in))
                return;
        ksize_from_variant(k, &in->variants[0]);
}

bool ksize_differ(const struct ksize *a, const struct ksize *b)
{
        return a->one && b->one && a->sha256[0] && b->sha256[0] &&
               strcmp(a->sha256, b->sha256) != 0;
}

bool ksize_session_differs(const struct session_info *in)
{
        for (size_t i = 1; i < in->nvariants; i++)
                if (strcmp(sha(&in->variants[i]), sha(&in->variants[0])) != 0)
                        return true;
        return false;
}
