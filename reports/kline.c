/* kline: see kline.h. */
#include "reports/kline.h"

#include <stdio.h>
#include <string.h>

static double mib(uint64_t bytes)
{
        return (double)bytes / 1048576.0;
}

/* "bzimage/pvh": the entry, and the PVH note of a file not entered by it. */
static void entry_name(char *buf, size_t size, const struct ksize *k)
{
        bool note = k->pvh && strcmp(k->entry, "pvh") != 0;

        snprintf(buf, size, "%s%s", k->entry, note ? "/pvh" : "");
}

int kline_one(struct sbuf *sb, const struct ksize *k)
{
        char entry[32];

        if (!k->one)
                return 0;
        if (!k->known)
                return sbuf_adds(sb, "not read as an image");
        entry_name(entry, sizeof(entry), k);
        return sbuf_addf(sb, "loaded %.1f MiB, file %.1f MiB, entry %s", mib(k->loaded_size),
                         mib(k->file_size), entry);
}

int kline_delta(struct sbuf *sb, const struct ksize *a, const struct ksize *b)
{
        if (!a->known || !b->known)
                return sbuf_adds(sb, "?");
        return sbuf_addf(sb, "%+.1f MiB", mib(b->loaded_size) - mib(a->loaded_size));
}

int kline_text(struct sbuf *sb, const struct ksize *a, const struct ksize *b)
{
        char ea[32], eb[32];
        double d, pct;

        if (!a->known || !b->known)
                return sbuf_addf(sb,
                                 "a different kernel file; sizes unknown (%s not read as an image)",
                                 !a->known && !b->known ? "neither"
                                 : !a->known            ? "base"
                                                        : "new");
        d = mib(b->loaded_size) - mib(a->loaded_size);
        pct = a->loaded_size ? 100.0 * ((double)b->loaded_size - (double)a->loaded_size) /
                                   (double)a->loaded_size
                             : 0.0;
        entry_name(ea, sizeof(ea), a);
        entry_name(eb, sizeof(eb), b);
        return sbuf_addf(sb,
                         "loaded %.1f MiB -> %.1f MiB (%+.1f MiB, %+.1f%%), file %.1f -> %.1f MiB, "
                         "entry %s%s%s",
                         mib(a->loaded_size), mib(b->loaded_size), d, pct, mib(a->file_size),
                         mib(b->file_size), ea, strcmp(ea, eb) ? " -> " : "",
                         strcmp(ea, eb) ? eb : "");
}

void kline_json_one(struct jsonw *w, const struct ksize *k)
{
        if (!k->known) {
                jsonw_null(w);
                return;
        }
        jsonw_obj_begin(w);
        jsonw_kstr(w, "sha256", k->sha256);
        jsonw_kstr(w, "format", k->format);
        jsonw_kstr(w, "entry", k->entry);
        jsonw_kbool(w, "pvh", k->pvh);
        jsonw_kuint(w, "file_size", k->file_size);
        jsonw_kuint(w, "loaded_size", k->loaded_size);
        jsonw_kstr(w, "build_id", k->build_id[0] ? k->build_id : NULL);
        jsonw_kstr(w, "comp", k->comp[0] ? k->comp : NULL);
        jsonw_kuint(w, "comp_size", k->comp_size);
        jsonw_obj_end(w);
}

void kline_json(struct jsonw *w, const struct ksize *a, const struct ksize *b)
{
        bool both = a->known && b->known;

        jsonw_obj_begin(w);
        jsonw_key(w, "base");
        kline_json_one(w, a);
        jsonw_key(w, "new");
        kline_json_one(w, b);
        jsonw_key(w, "loaded_delta");
        if (both)
                jsonw_int(w, (int64_t)b->loaded_size - (int64_t)a->loaded_size);
        else
                jsonw_null(w);
        jsonw_key(w, "loaded_delta_pct");
        if (both && a->loaded_size)
                jsonw_real(w, 100.0 * ((double)b->loaded_size - (double)a->loaded_size) /
                                  (double)a->loaded_size);
        else
                jsonw_null(w);
        jsonw_key(w, "file_delta");
        if (both)
                jsonw_int(w, (int64_t)b->file_size - (int64_t)a->file_size);
        else
                jsonw_null(w);
        jsonw_obj_end(w);
}
