/* elfreport: what "bootlens elf" prints (elfreport.h). */
#include "reports/elfreport.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "reports/jsonw.h"
#include "reports/md.h"

int elfreport_format_parse(const char *s, enum elfreport_format *f)
{
        if (s && strcmp(s, "table") == 0)
                *f = ELFREPORT_TABLE;
        else if (s && strcmp(s, "json") == 0)
                *f = ELFREPORT_JSON;
        else if (s && strcmp(s, "md") == 0)
                *f = ELFREPORT_MD;
        else
                return -EINVAL;
        return 0;
}

/* ---- pieces every format shares ---- */

static void put_text(FILE *out, const struct elfreport_options *o, const char *s)
{
        if (!s)
                s = "-";
        if (o->put_text)
                o->put_text(out, s);
        else
                fputs(s, out);
}

/* "-" or "+" (sign), then m bytes: "1234 (1.2 KiB)", "5". */
static const char *bytes(char *buf, size_t size, const char *sign, uint64_t m)
{
        static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
        double f = (double)m;
        int u = -1;

        while (f >= 1024 && u < 3) {
                f /= 1024;
                u++;
        }
        if (u < 0)
                snprintf(buf, size, "%s%" PRIu64, sign, m);
        else
                snprintf(buf, size, "%s%" PRIu64 " (%s%.1f %s)", sign, m, sign, f, units[u]);
        return buf;
}

/* A size: "53241916 (50.8 MiB)". */
static const char *human(char *buf, size_t size, uint64_t v)
{
        return bytes(buf, size, "", v);
}

/* A delta: "+1234 (+1.2 KiB)", "-5", "0". */
static const char *human_delta(char *buf, size_t size, int64_t v)
{
        uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

        return bytes(buf, size, v < 0 ? "-" : v > 0 ? "+" : "", m);
}

/* Where the loaded size and the classes come from (kimage.h). */
static const char *sizes_from(const struct kimage *k)
{
        return k->from_segments ? "segments" : "sections";
}

#define SEGMENTS_NOTE "the PT_LOAD segments (the ELF has no section headers)"

static const char *hex(char *buf, size_t size, uint64_t v)
{
        snprintf(buf, size, "0x%" PRIx64, v);
        return buf;
}

static const char *machine_name(unsigned m)
{
        switch (m) {
        case 3:
                return "i386";
        case 62:
                return "x86-64";
        case 40:
                return "arm";
        case 183:
                return "aarch64";
        case 243:
                return "riscv";
        default:
                return "unknown";
        }
}

static const char *kind_name(enum kimage_sym_kind k)
{
        return k == KIMAGE_SYM_FUNC ? "func" : "object";
}

/* What the boot entry means for the user, in words. */
static const char *entry_advice(const struct kimage *k)
{
        switch (k->entry) {
        case KIMAGE_ENTRY_PVH:
                return "qemu -M microvm -kernel enters it at its PVH entry";
        case KIMAGE_ENTRY_BZIMAGE:
                if (k->pvh)
                        return "needs the bzImage path (the Linux boot protocol); its payload "
                               "has a PVH entry: bootlens guest vmlinux unwraps it for a direct "
                               "PVH boot";
                return "needs the bzImage path (the Linux boot protocol); its payload has no "
                       "PVH entry note";
        case KIMAGE_ENTRY_NONE:
        default:
                return "no PVH entry note: qemu -M microvm -kernel cannot enter this ELF "
                       "(build it with PVH support, e.g. Linux's CONFIG_PVH, or boot a bzImage)";
        }
}

static int sec_by_size(const void *pa, const void *pb)
{
        const struct kimage_section *a = *(const struct kimage_section *const *)pa;
        const struct kimage_section *b = *(const struct kimage_section *const *)pb;

        if (a->size != b->size)
                return a->size > b->size ? -1 : 1;
        return a < b ? -1 : a > b; /* then header order */
}

static int sym_by_size(const void *pa, const void *pb)
{
        const struct kimage_symbol *a = *(const struct kimage_symbol *const *)pa;
        const struct kimage_symbol *b = *(const struct kimage_symbol *const *)pb;
        int c;

        if (a->size != b->size)
                return a->size > b->size ? -1 : 1;
        c = strcmp(a->name ? a->name : "", b->name ? b->name : "");
        if (c)
                return c;
        return a < b ? -1 : a > b;
}

/* The loaded sections, largest first (then header order); *n receives
 * their count. NULL on -ENOMEM. */
static const struct kimage_section **largest_sections(const struct kimage *k, size_t *n)
{
        const struct kimage_section **v = malloc((k->nsections + 1) * sizeof(*v));

        *n = 0;
        if (!v)
                return NULL;
        for (size_t i = 0; i < k->nsections; i++)
                if (k->sections[i].alloc)
                        v[(*n)++] = &k->sections[i];
        qsort(v, *n, sizeof(*v), sec_by_size);
        return v;
}

/* Every symbol, largest first (then by name). NULL on -ENOMEM. */
static const struct kimage_symbol **largest_symbols(const struct kimage *k)
{
        const struct kimage_symbol **v = malloc((k->nsymbols + 1) * sizeof(*v));

        if (!v)
                return NULL;
        for (size_t i = 0; i < k->nsymbols; i++)
                v[i] = &k->symbols[i];
        qsort(v, k->nsymbols, sizeof(*v), sym_by_size);
        return v;
}

static size_t min_size(size_t a, size_t b)
{
        return a < b ? a : b;
}

static double share(uint64_t part, uint64_t whole)
{
        return whole ? 100.0 * (double)part / (double)whole : 0;
}

/* ---- JSON ---- */

static void json_hex(struct jsonw *w, const char *key, uint64_t v)
{
        char b[24];

        jsonw_kstr(w, key, hex(b, sizeof(b), v));
}

static void json_classes(struct jsonw *w, const char *key, const uint64_t *u, const int64_t *d)
{
        jsonw_key(w, key);
        jsonw_obj_begin(w);
        for (int c = 0; c < KIMAGE_NCLASSES; c++) {
                if (u)
                        jsonw_kuint(w, kimage_class_name(c), u[c]);
                else
                        jsonw_kint(w, kimage_class_name(c), d[c]);
        }
        jsonw_obj_end(w);
}

static void json_section(struct jsonw *w, const struct kimage_section *s)
{
        jsonw_obj_begin(w);
        jsonw_kstr(w, "name", s->name);
        jsonw_kstr(w, "class", kimage_class_name(s->cls));
        json_hex(w, "addr", s->addr);
        jsonw_kuint(w, "size", s->size);
        jsonw_obj_end(w);
}

static void json_symbol(struct jsonw *w, const struct kimage_symbol *s)
{
        jsonw_obj_begin(w);
        jsonw_kstr(w, "name", s->name);
        jsonw_kstr(w, "kind", kind_name(s->kind));
        json_hex(w, "addr", s->addr);
        jsonw_kuint(w, "size", s->size);
        jsonw_kbool(w, "global", s->global);
        jsonw_obj_end(w);
}

static int json_image(FILE *out, const struct kimage *k, const char *path, size_t top)
{
        struct jsonw *w = jsonw_doc_begin(out, ELFREPORT_SCHEMA_VERSION, ELFREPORT_KIND_IMAGE);
        const struct kimage_section **secs;
        const struct kimage_symbol **syms = NULL;
        size_t nsec;
        char b[24];

        if (!w)
                return -ENOMEM;
        secs = largest_sections(k, &nsec);
        if (k->nsymbols)
                syms = largest_symbols(k);
        if (!secs || (k->nsymbols && !syms))
                jsonw_fail(w, -ENOMEM);
        jsonw_kstr(w, "file", path);
        jsonw_kstr(w, "format", kimage_format_name(k->format));
        jsonw_kuint(w, "file_size", k->file_size);
        jsonw_kuint(w, "loaded_size", k->loaded_size);
        jsonw_kuint(w, "unloaded_size", k->unloaded_size);
        jsonw_kstr(w, "sizes_from", sizes_from(k));
        jsonw_key(w, "bzimage");
        if (k->format == KIMAGE_BZIMAGE) {
                jsonw_obj_begin(w);
                snprintf(b, sizeof(b), "0x%04x", k->boot_protocol);
                jsonw_kstr(w, "boot_protocol", b);
                jsonw_kstr(w, "comp", vmlinux_comp_name(k->comp));
                jsonw_kuint(w, "comp_size", k->comp_size);
                jsonw_kstr(w, "kernel_version", k->kernel_version);
                jsonw_obj_end(w);
        } else {
                jsonw_null(w);
        }
        jsonw_key(w, "elf");
        jsonw_obj_begin(w);
        jsonw_kuint(w, "size", k->elf_size);
        jsonw_kuint(w, "class", k->elf_class);
        jsonw_kuint(w, "machine", k->machine);
        jsonw_kstr(w, "machine_name", machine_name(k->machine));
        jsonw_kstr(w, "byte_order", k->big_endian ? "big" : "little");
        jsonw_kstr(w, "os", kimage_os_name(k->os));
        json_hex(w, "e_entry", k->e_entry);
        jsonw_kstr(w, "build_id", k->build_id[0] ? k->build_id : NULL);
        jsonw_obj_end(w);
        jsonw_kbool(w, "pvh", k->pvh);
        if (k->pvh)
                json_hex(w, "pvh_entry", k->pvh_entry);
        else
                jsonw_kstr(w, "pvh_entry", NULL);
        jsonw_kstr(w, "entry", kimage_entry_name(k->entry));
        jsonw_kstr(w, "entry_advice", entry_advice(k));
        json_classes(w, "classes", k->class_size, NULL);
        jsonw_kuint(w, "sections_loaded", nsec);
        jsonw_key(w, "sections");
        jsonw_arr_begin(w);
        for (size_t i = 0; secs && i < min_size(nsec, top); i++)
                json_section(w, secs[i]);
        jsonw_arr_end(w);
        jsonw_kstr(w, "symtab", k->has_symtab ? k->symtab : NULL);
        jsonw_key(w, "symbols");
        if (k->has_symtab) {
                jsonw_obj_begin(w);
                jsonw_kuint(w, "count", k->nsymbols);
                jsonw_key(w, "largest");
                jsonw_arr_begin(w);
                for (size_t i = 0; syms && i < min_size(k->nsymbols, top); i++)
                        json_symbol(w, syms[i]);
                jsonw_arr_end(w);
                jsonw_obj_end(w);
        } else {
                jsonw_null(w);
        }
        free(secs);
        free(syms);
        return jsonw_doc_end(w);
}

static void json_side(struct jsonw *w, const char *key, const struct kimage *k, const char *path)
{
        jsonw_key(w, key);
        jsonw_obj_begin(w);
        jsonw_kstr(w, "file", path);
        jsonw_kstr(w, "format", kimage_format_name(k->format));
        jsonw_kstr(w, "kernel_version", k->kernel_version);
        jsonw_kstr(w, "build_id", k->build_id[0] ? k->build_id : NULL);
        jsonw_kstr(w, "entry", kimage_entry_name(k->entry));
        jsonw_kuint(w, "file_size", k->file_size);
        jsonw_kuint(w, "loaded_size", k->loaded_size);
        jsonw_kuint(w, "unloaded_size", k->unloaded_size);
        jsonw_kstr(w, "sizes_from", sizes_from(k));
        json_classes(w, "classes", k->class_size, NULL);
        jsonw_obj_end(w);
}

static void json_symlist(struct jsonw *w, const char *key, const struct kdiff_list *l)
{
        jsonw_key(w, key);
        jsonw_obj_begin(w);
        jsonw_kuint(w, "total", l->total);
        jsonw_key(w, "top");
        jsonw_arr_begin(w);
        for (size_t i = 0; i < l->n; i++) {
                const struct kdiff_sym *s = &l->v[i];

                jsonw_obj_begin(w);
                jsonw_kstr(w, "name", s->name);
                jsonw_kstr(w, "kind", kind_name(s->kind));
                jsonw_kuint(w, "a", s->a);
                jsonw_kuint(w, "b", s->b);
                jsonw_kuint(w, "na", s->na);
                jsonw_kuint(w, "nb", s->nb);
                jsonw_kint(w, "delta", s->delta);
                jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
        jsonw_obj_end(w);
}

static int json_compare(FILE *out, const struct kdiff *d, const char *pa, const char *pb,
                        size_t top)
{
        struct jsonw *w = jsonw_doc_begin(out, ELFREPORT_SCHEMA_VERSION, ELFREPORT_KIND_COMPARE);

        if (!w)
                return -ENOMEM;
        json_side(w, "a", d->a, pa);
        json_side(w, "b", d->b, pb);
        jsonw_kint(w, "file_delta", d->file_delta);
        jsonw_kint(w, "loaded_delta", d->loaded_delta);
        jsonw_kint(w, "unloaded_delta", d->unloaded_delta);
        json_classes(w, "class_delta", NULL, d->class_delta);
        jsonw_kuint(w, "sections_changed", d->nsections);
        jsonw_key(w, "sections");
        jsonw_arr_begin(w);
        for (size_t i = 0; i < min_size(d->nsections, top); i++) {
                const struct kdiff_section *s = &d->sections[i];

                jsonw_obj_begin(w);
                jsonw_kstr(w, "name", s->name);
                jsonw_kstr(w, "class", kimage_class_name(s->cls));
                jsonw_kuint(w, "a", s->a);
                jsonw_kuint(w, "b", s->b);
                jsonw_kbool(w, "in_a", s->in_a);
                jsonw_kbool(w, "in_b", s->in_b);
                jsonw_kint(w, "delta", s->delta);
                jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
        jsonw_key(w, "symbols");
        if (d->symbols) {
                jsonw_obj_begin(w);
                jsonw_kint(w, "sym_delta", d->sym_delta);
                json_symlist(w, "grew", &d->grew);
                json_symlist(w, "shrank", &d->shrank);
                json_symlist(w, "added", &d->added);
                json_symlist(w, "removed", &d->removed);
                jsonw_obj_end(w);
        } else {
                jsonw_null(w);
        }
        return jsonw_doc_end(w);
}

/* ---- addresses: one resolution, shared by the formats ---- */

enum where {
        WHERE_INSIDE,
        WHERE_AFTER, /* past the end of the nearest symbol below */
        WHERE_BELOW, /* below every symbol */
};

static const char *const where_names[] = {"inside", "after", "below"};

struct resolved {
        struct ksyms_hit hit;
        enum where where;
        char text[512]; /* "name+0x10/0x40", "not in a symbol (after NAME)", ... */
};

static void resolve(const struct ksyms *s, uint64_t addr, struct resolved *r)
{
        memset(r, 0, sizeof(*r));
        if (ksyms_resolve(s, addr, &r->hit) == 0) {
                r->where = WHERE_INSIDE;
                ksyms_format_hit(&r->hit, r->text, sizeof(r->text));
        } else if (r->hit.name) {
                r->where = WHERE_AFTER;
                const char *ob = r->hit.module ? " [" : "", *m = r->hit.module ? r->hit.module : "",
                           *cb = r->hit.module ? "]" : "";

                if (r->hit.size_known)
                        snprintf(r->text, sizeof(r->text), "not in a symbol (after %s%s%s%s)",
                                 r->hit.name, ob, m, cb);
                else
                        snprintf(r->text, sizeof(r->text),
                                 "not in a known symbol (after %s+0x%" PRIx64
                                 "%s%s%s, whose end is unknown)",
                                 r->hit.name, r->hit.offset, ob, m, cb);
        } else {
                r->where = WHERE_BELOW;
                snprintf(r->text, sizeof(r->text), "below the first symbol");
        }
}

static int json_addrs(FILE *out, const struct ksyms *s, const char *path, const uint64_t *addrs,
                      const char *const *texts, size_t n)
{
        struct jsonw *w = jsonw_doc_begin(out, ELFREPORT_SCHEMA_VERSION, ELFREPORT_KIND_ADDR);
        struct resolved r;

        if (!w)
                return -ENOMEM;
        jsonw_kstr(w, "file", path);
        jsonw_kstr(w, "source", ksyms_source(s));
        jsonw_kuint(w, "symbols", ksyms_count(s));
        jsonw_key(w, "addresses");
        jsonw_arr_begin(w);
        for (size_t i = 0; i < n; i++) {
                resolve(s, addrs[i], &r);
                jsonw_obj_begin(w);
                jsonw_kstr(w, "input", texts ? texts[i] : NULL);
                json_hex(w, "addr", addrs[i]);
                jsonw_kstr(w, "where", where_names[r.where]);
                jsonw_kstr(w, "symbol", r.hit.name);
                jsonw_kstr(w, "module", r.hit.module);
                if (r.hit.name) {
                        json_hex(w, "sym_addr", r.hit.sym_addr);
                        json_hex(w, "offset", r.hit.offset);
                } else {
                        jsonw_kstr(w, "sym_addr", NULL);
                        jsonw_kstr(w, "offset", NULL);
                }
                jsonw_key(w, "size");
                if (r.hit.name && r.hit.size_known)
                        jsonw_uint(w, r.hit.size);
                else
                        jsonw_null(w);
                jsonw_kstr(w, "text", r.text);
                jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
        return jsonw_doc_end(w);
}

/* ---- table ---- */

/* How many changed and how many of them are listed: "39, the 5 largest
 * shown", or "3" when every one is. */
static const char *count_shown(char *buf, size_t len, size_t shown, size_t total)
{
        if (shown < total)
                snprintf(buf, len, "%zu, the %zu largest shown", total, shown);
        else
                snprintf(buf, len, "%zu", total);
        return buf;
}

/* Why a compare has no symbol changes: which image lacks a table. */
static const char *nosym_text(const struct kdiff *d)
{
        if (!d->a->has_symtab && !d->b->has_symtab)
                return "no symbol table in either image";
        return d->a->has_symtab ? "a symbol table only in a" : "a symbol table only in b";
}

static void table_classes(FILE *out, const struct kimage *k)
{
        char b[64];

        fprintf(out, "\n%-8s %28s %7s\n", "class", "size", "share");
        for (int c = 0; c < KIMAGE_NCLASSES; c++)
                fprintf(out, "%-8s %28s %6.1f%%\n", kimage_class_name(c),
                        human(b, sizeof(b), k->class_size[c]),
                        share(k->class_size[c], k->loaded_size));
        fprintf(out, "%-8s %28s %6.1f%%\n", "loaded", human(b, sizeof(b), k->loaded_size),
                k->loaded_size ? 100.0 : 0.0);
}

static int table_image(FILE *out, const struct kimage *k, const char *path,
                       const struct elfreport_options *o)
{
        const struct kimage_section **secs;
        const struct kimage_symbol **syms = NULL;
        size_t nsec, top = o->top;
        char b[64], h[24];
        int rc = 0;

        secs = largest_sections(k, &nsec);
        if (k->nsymbols)
                syms = largest_symbols(k);
        if (!secs || (k->nsymbols && !syms)) {
                rc = -ENOMEM;
                goto out_free;
        }
        fputs("bootlens elf: ", out);
        put_text(out, o, path);
        fputc('\n', out);
        fprintf(out, "  format         %s\n", kimage_format_name(k->format));
        fprintf(out, "  file size      %s\n", human(b, sizeof(b), k->file_size));
        if (k->format == KIMAGE_BZIMAGE) {
                fprintf(out, "  boot protocol  0x%04x\n", k->boot_protocol);
                fprintf(out, "  payload        %s, %s compressed\n", vmlinux_comp_name(k->comp),
                        human(b, sizeof(b), k->comp_size));
                fputs("  kernel         ", out);
                put_text(out, o, k->kernel_version ? k->kernel_version : "unknown");
                fputc('\n', out);
        }
        fprintf(out, "  elf            %u-bit %s-endian, machine %u (%s), os %s\n", k->elf_class,
                k->big_endian ? "big" : "little", k->machine, machine_name(k->machine),
                kimage_os_name(k->os));
        fprintf(out, "  elf size       %s\n", human(b, sizeof(b), k->elf_size));
        fprintf(out, "  build id       %s\n", k->build_id[0] ? k->build_id : "none");
        fprintf(out, "  e_entry        %s\n", hex(h, sizeof(h), k->e_entry));
        if (k->pvh)
                fprintf(out, "  pvh entry      %s\n", hex(h, sizeof(h), k->pvh_entry));
        else
                fputs("  pvh entry      none\n", out);
        fprintf(out, "  entry          %s: %s\n", kimage_entry_name(k->entry), entry_advice(k));
        fprintf(out, "  loaded size    %s\n", human(b, sizeof(b), k->loaded_size));
        if (k->from_segments)
                fprintf(out, "  sizes from     %s\n", SEGMENTS_NOTE);
        fprintf(out, "  not loaded     %s\n", human(b, sizeof(b), k->unloaded_size));
        table_classes(out, k);

        fprintf(out, "\nlargest sections (%zu of %zu loaded)\n", min_size(nsec, top), nsec);
        fprintf(out, "%-8s %18s %28s  %s\n", "class", "address", "size", "name");
        for (size_t i = 0; i < min_size(nsec, top); i++) {
                const struct kimage_section *s = secs[i];

                fprintf(out, "%-8s %18s %28s  ", kimage_class_name(s->cls),
                        hex(h, sizeof(h), s->addr), human(b, sizeof(b), s->size));
                put_text(out, o, s->name);
                fputc('\n', out);
        }
        if (!k->has_symtab) {
                fputs("\nno symbol table\n", out);
        } else {
                fprintf(out, "\nlargest symbols (%zu of %zu in %s)\n", min_size(k->nsymbols, top),
                        k->nsymbols, k->symtab ? k->symtab : "?");
                fprintf(out, "%-8s %18s %28s  %s\n", "kind", "address", "size", "name");
                for (size_t i = 0; i < min_size(k->nsymbols, top); i++) {
                        const struct kimage_symbol *s = syms[i];

                        fprintf(out, "%-8s %18s %28s  ", kind_name(s->kind),
                                hex(h, sizeof(h), s->addr), human(b, sizeof(b), s->size));
                        put_text(out, o, s->name);
                        fputc('\n', out);
                }
        }
        rc = util_flush(out);
out_free:
        free(secs);
        free(syms);
        return rc;
}

static void table_symlist(FILE *out, const char *title, const struct kdiff_list *l,
                          const struct elfreport_options *o)
{
        char b[64];

        if (!l->total) {
                fprintf(out, "\nno symbol %s\n", title);
                return;
        }
        fprintf(out, "\nsymbols %s: %s\n", title, count_shown(b, sizeof(b), l->n, l->total));
        if (l->n)
                fprintf(out, "  %-6s %12s %12s %28s  %s\n", "kind", "a", "b", "change", "name");
        for (size_t i = 0; i < l->n; i++) {
                const struct kdiff_sym *s = &l->v[i];

                fprintf(out, "  %-6s %12" PRIu64 " %12" PRIu64 " %28s  ", kind_name(s->kind), s->a,
                        s->b, human_delta(b, sizeof(b), s->delta));
                put_text(out, o, s->name);
                if (s->na > 1 || s->nb > 1)
                        fprintf(out, " (%u -> %u symbols)", s->na, s->nb);
                fputc('\n', out);
        }
}

static int table_compare(FILE *out, const struct kdiff *d, const char *pa, const char *pb,
                         const struct elfreport_options *o)
{
        const struct kimage *a = d->a, *b = d->b;
        char x[64], y[64], z[64];

        fputs("bootlens elf --compare\n  a  ", out);
        put_text(out, o, pa);
        fputs("\n  b  ", out);
        put_text(out, o, pb);
        fprintf(out, "\n\n%-12s %28s %28s %28s\n", "", "a", "b", "b - a");
        fprintf(out, "%-12s %28s %28s %28s\n", "file", human(x, sizeof(x), a->file_size),
                human(y, sizeof(y), b->file_size), human_delta(z, sizeof(z), d->file_delta));
        fprintf(out, "%-12s %28s %28s %28s\n", "loaded", human(x, sizeof(x), a->loaded_size),
                human(y, sizeof(y), b->loaded_size), human_delta(z, sizeof(z), d->loaded_delta));
        fprintf(out, "%-12s %28s %28s %28s\n", "not loaded", human(x, sizeof(x), a->unloaded_size),
                human(y, sizeof(y), b->unloaded_size),
                human_delta(z, sizeof(z), d->unloaded_delta));
        for (int c = 0; c < KIMAGE_NCLASSES; c++)
                fprintf(out, "  %-10s %28s %28s %28s\n", kimage_class_name(c),
                        human(x, sizeof(x), a->class_size[c]),
                        human(y, sizeof(y), b->class_size[c]),
                        human_delta(z, sizeof(z), d->class_delta[c]));
        /* The arithmetic, shown: the class changes add up to the loaded change. */
        fputs("\nloaded change:", out);
        for (int c = 0; c < KIMAGE_NCLASSES; c++)
                fprintf(out, " %+" PRId64 " %s", d->class_delta[c], kimage_class_name(c));
        fprintf(out, " = %+" PRId64 " loaded\n", d->loaded_delta);

        if (d->nsections)
                fprintf(out, "\nsections changed: %s\n",
                        count_shown(x, sizeof(x), min_size(d->nsections, o->top), d->nsections));
        else
                fputs("\nno section changed\n", out);
        if (d->nsections)
                fprintf(out, "  %-6s %12s %12s %28s  %s\n", "class", "a", "b", "change", "name");
        for (size_t i = 0; i < min_size(d->nsections, o->top); i++) {
                const struct kdiff_section *s = &d->sections[i];

                fprintf(out, "  %-6s %12" PRIu64 " %12" PRIu64 " %28s  ", kimage_class_name(s->cls),
                        s->a, s->b, human_delta(x, sizeof(x), s->delta));
                put_text(out, o, s->name);
                if (!s->in_a)
                        fputs(" (new)", out);
                else if (!s->in_b)
                        fputs(" (gone)", out);
                fputc('\n', out);
        }
        if (!d->symbols) {
                fprintf(out, "\n%s\n", nosym_text(d));
        } else {
                fprintf(out, "\nsymbols: %+" PRId64 " bytes in all\n", d->sym_delta);
                table_symlist(out, "grew", &d->grew, o);
                table_symlist(out, "shrank", &d->shrank, o);
                table_symlist(out, "added", &d->added, o);
                table_symlist(out, "removed", &d->removed, o);
        }
        return util_flush(out);
}

static int table_addrs(FILE *out, const struct ksyms *s, const char *path, const uint64_t *addrs,
                       size_t n, const struct elfreport_options *o)
{
        struct resolved r;
        char h[24];

        fputs("bootlens elf --addr: ", out);
        put_text(out, o, path);
        fprintf(out, " (%s, %zu symbols)\n", ksyms_source(s), ksyms_count(s));
        for (size_t i = 0; i < n; i++) {
                resolve(s, addrs[i], &r);
                fprintf(out, "%18s  ", hex(h, sizeof(h), addrs[i]));
                put_text(out, o, r.text);
                fputc('\n', out);
        }
        return util_flush(out);
}

/* ---- md ---- */

/* Add a row of up to 8 cells; the table's error in *rc. */
static void md_row(struct md_table *t, int *rc, const char *c0, const char *c1, const char *c2,
                   const char *c3, const char *c4, const char *c5)
{
        const char *cells[6] = {c0, c1, c2, c3, c4, c5};

        if (!*rc)
                *rc = md_table_add(t, cells);
}

/* Write t (NULL: -ENOMEM) and free it; the first error in *rc. */
static void md_flush(FILE *out, struct md_table *t, int *rc)
{
        if (!t && !*rc)
                *rc = -ENOMEM;
        if (t && !*rc)
                *rc = md_table_write(out, t);
        md_table_free(t);
}

static int md_image(FILE *out, const struct kimage *k, const char *path, size_t top)
{
        static const char *const kv[] = {"field", "value"};
        static const char *const ch[] = {"class", "size", "share"};
        static const bool chr[] = {false, true, true};
        static const char *const sh[] = {"section", "class", "address", "size"};
        static const bool shr[] = {false, false, false, true};
        static const char *const yh[] = {"symbol", "kind", "address", "size"};
        const struct kimage_section **secs;
        const struct kimage_symbol **syms = NULL;
        size_t nsec;
        struct md_table *t;
        char b[64], h[24], p[16], e[256];
        int rc = 0;

        secs = largest_sections(k, &nsec);
        if (k->nsymbols)
                syms = largest_symbols(k);
        if (!secs || (k->nsymbols && !syms)) {
                rc = -ENOMEM;
                goto out_free;
        }
        fputs("### bootlens elf: ", out);
        rc = md_puts(out, path);
        fputs("\n\n", out);
        t = md_table_new(2, kv, NULL);
        md_row(t, &rc, "format", kimage_format_name(k->format), NULL, NULL, NULL, NULL);
        md_row(t, &rc, "file size", human(b, sizeof(b), k->file_size), NULL, NULL, NULL, NULL);
        if (k->format == KIMAGE_BZIMAGE) {
                snprintf(p, sizeof(p), "0x%04x", k->boot_protocol);
                md_row(t, &rc, "boot protocol", p, NULL, NULL, NULL, NULL);
                md_row(t, &rc, "payload", vmlinux_comp_name(k->comp), NULL, NULL, NULL, NULL);
                md_row(t, &rc, "compressed size", human(b, sizeof(b), k->comp_size), NULL, NULL,
                       NULL, NULL);
                md_row(t, &rc, "kernel", k->kernel_version ? k->kernel_version : "unknown", NULL,
                       NULL, NULL, NULL);
        }
        snprintf(e, sizeof(e), "%u-bit", k->elf_class);
        md_row(t, &rc, "elf class", e, NULL, NULL, NULL, NULL);
        md_row(t, &rc, "byte order", k->big_endian ? "big-endian" : "little-endian", NULL, NULL,
               NULL, NULL);
        md_row(t, &rc, "os", kimage_os_name(k->os), NULL, NULL, NULL, NULL);
        md_row(t, &rc, "machine", machine_name(k->machine), NULL, NULL, NULL, NULL);
        md_row(t, &rc, "elf size", human(b, sizeof(b), k->elf_size), NULL, NULL, NULL, NULL);
        md_row(t, &rc, "build id", k->build_id[0] ? k->build_id : "none", NULL, NULL, NULL, NULL);
        md_row(t, &rc, "e_entry", hex(h, sizeof(h), k->e_entry), NULL, NULL, NULL, NULL);
        md_row(t, &rc, "pvh entry", k->pvh ? hex(h, sizeof(h), k->pvh_entry) : "none", NULL, NULL,
               NULL, NULL);
        snprintf(e, sizeof(e), "%s: %s", kimage_entry_name(k->entry), entry_advice(k));
        md_row(t, &rc, "entry", e, NULL, NULL, NULL, NULL);
        md_row(t, &rc, "loaded size", human(b, sizeof(b), k->loaded_size), NULL, NULL, NULL, NULL);
        if (k->from_segments)
                md_row(t, &rc, "sizes from", SEGMENTS_NOTE, NULL, NULL, NULL, NULL);
        md_row(t, &rc, "not loaded", human(b, sizeof(b), k->unloaded_size), NULL, NULL, NULL, NULL);
        md_flush(out, t, &rc);

        fputs("\n", out);
        t = md_table_new(3, ch, chr);
        for (int c = 0; c < KIMAGE_NCLASSES; c++) {
                snprintf(p, sizeof(p), "%.1f%%", share(k->class_size[c], k->loaded_size));
                md_row(t, &rc, kimage_class_name(c), human(b, sizeof(b), k->class_size[c]), p, NULL,
                       NULL, NULL);
        }
        md_row(t, &rc, "loaded", human(b, sizeof(b), k->loaded_size),
               k->loaded_size ? "100.0%" : "0.0%", NULL, NULL, NULL);
        md_flush(out, t, &rc);

        fprintf(out, "\nLargest sections (%zu of %zu loaded):\n\n", min_size(nsec, top), nsec);
        t = md_table_new(4, sh, shr);
        for (size_t i = 0; i < min_size(nsec, top); i++) {
                const struct kimage_section *s = secs[i];

                md_row(t, &rc, s->name, kimage_class_name(s->cls), hex(h, sizeof(h), s->addr),
                       human(b, sizeof(b), s->size), NULL, NULL);
        }
        md_flush(out, t, &rc);
        if (!k->has_symtab) {
                fputs("\nNo symbol table.\n", out);
        } else {
                fprintf(out, "\nLargest symbols (%zu of %zu in ", min_size(k->nsymbols, top),
                        k->nsymbols);
                rc = rc ?: md_puts(out, k->symtab ? k->symtab : "?");
                fputs("):\n\n", out);
                t = md_table_new(4, yh, shr);
                for (size_t i = 0; i < min_size(k->nsymbols, top); i++) {
                        const struct kimage_symbol *s = syms[i];

                        md_row(t, &rc, s->name, kind_name(s->kind), hex(h, sizeof(h), s->addr),
                               human(b, sizeof(b), s->size), NULL, NULL);
                }
                md_flush(out, t, &rc);
        }
        rc = rc ?: util_flush(out);
out_free:
        free(secs);
        free(syms);
        return rc;
}

static void md_symlist(FILE *out, const char *title, const struct kdiff_list *l, int *rc)
{
        static const char *const hd[] = {"symbol", "kind", "a", "b", "change"};
        static const bool r[] = {false, false, true, true, true};
        struct md_table *t;
        char x[32], y[32], z[64];

        if (!l->total) {
                fprintf(out, "\nNo symbol %s.\n", title);
                return;
        }
        fprintf(out, "\nSymbols that %s: %s.\n\n", title,
                count_shown(z, sizeof(z), l->n, l->total));
        t = md_table_new(5, hd, r);
        for (size_t i = 0; i < l->n; i++) {
                const struct kdiff_sym *s = &l->v[i];

                snprintf(x, sizeof(x), "%" PRIu64, s->a);
                snprintf(y, sizeof(y), "%" PRIu64, s->b);
                md_row(t, rc, s->name, kind_name(s->kind), x, y,
                       human_delta(z, sizeof(z), s->delta), NULL);
        }
        md_flush(out, t, rc);
}

/* The top of the changed sections, said how many of how many. */
static void md_sections_changed(FILE *out, const struct kdiff *d, size_t top, int *rc)
{
        static const char *const sh[] = {"section", "class", "a", "b", "change", "note"};
        static const bool sr[] = {false, false, true, true, true, false};
        struct md_table *t;
        char x[64], y[64], z[64];

        fprintf(out, "\nSections changed: %s.\n\n",
                count_shown(x, sizeof(x), min_size(d->nsections, top), d->nsections));
        t = md_table_new(6, sh, sr);
        for (size_t i = 0; i < min_size(d->nsections, top); i++) {
                const struct kdiff_section *s = &d->sections[i];

                snprintf(x, sizeof(x), "%" PRIu64, s->a);
                snprintf(y, sizeof(y), "%" PRIu64, s->b);
                md_row(t, rc, s->name, kimage_class_name(s->cls), x, y,
                       human_delta(z, sizeof(z), s->delta),
                       !s->in_a   ? "new"
                       : !s->in_b ? "gone"
                                  : NULL);
        }
        md_flush(out, t, rc);
}

static int md_compare(FILE *out, const struct kdiff *d, const char *pa, const char *pb, size_t top)
{
        static const char *const hd[] = {"", "a", "b", "b - a"};
        static const bool r[] = {false, true, true, true};
        const struct kimage *a = d->a, *b = d->b;
        struct md_table *t;
        char x[64], y[64], z[64];
        int rc = 0;

        fputs("### bootlens elf: ", out);
        rc = md_puts(out, pa);
        fputs(" → ", out);
        rc = rc ?: md_puts(out, pb);
        fputs("\n\n", out);
        t = md_table_new(4, hd, r);
        md_row(t, &rc, "file", human(x, sizeof(x), a->file_size), human(y, sizeof(y), b->file_size),
               human_delta(z, sizeof(z), d->file_delta), NULL, NULL);
        md_row(t, &rc, "loaded", human(x, sizeof(x), a->loaded_size),
               human(y, sizeof(y), b->loaded_size), human_delta(z, sizeof(z), d->loaded_delta),
               NULL, NULL);
        md_row(t, &rc, "not loaded", human(x, sizeof(x), a->unloaded_size),
               human(y, sizeof(y), b->unloaded_size), human_delta(z, sizeof(z), d->unloaded_delta),
               NULL, NULL);
        for (int c = 0; c < KIMAGE_NCLASSES; c++)
                md_row(t, &rc, kimage_class_name(c), human(x, sizeof(x), a->class_size[c]),
                       human(y, sizeof(y), b->class_size[c]),
                       human_delta(z, sizeof(z), d->class_delta[c]), NULL, NULL);
        md_flush(out, t, &rc);
        fputs("\nLoaded change:", out);
        for (int c = 0; c < KIMAGE_NCLASSES; c++)
                fprintf(out, " %+" PRId64 " %s", d->class_delta[c], kimage_class_name(c));
        fprintf(out, " = %+" PRId64 " loaded.\n", d->loaded_delta);

        if (!d->nsections)
                fputs("\nNo section changed.\n", out);
        else
                md_sections_changed(out, d, top, &rc);
        if (!d->symbols) {
                const char *why = nosym_text(d);

                fprintf(out, "\n%c%s: no symbol changes.\n", toupper((unsigned char)why[0]),
                        why + 1);
        } else {
                fprintf(out, "\nSymbols: %+" PRId64 " bytes in all.\n", d->sym_delta);
                md_symlist(out, "grew", &d->grew, &rc);
                md_symlist(out, "shrank", &d->shrank, &rc);
                md_symlist(out, "appeared", &d->added, &rc);
                md_symlist(out, "vanished", &d->removed, &rc);
        }
        return rc ?: util_flush(out);
}

static int md_addrs(FILE *out, const struct ksyms *s, const char *path, const uint64_t *addrs,
                    size_t n)
{
        static const char *const hd[] = {"address", "symbol"};
        struct md_table *t;
        struct resolved r;
        char h[24];
        int rc = 0;

        fputs("### bootlens elf --addr: ", out);
        rc = md_puts(out, path);
        fprintf(out, " (%s, %zu symbols)\n\n", ksyms_source(s), ksyms_count(s));
        t = md_table_new(2, hd, NULL);
        for (size_t i = 0; i < n; i++) {
                resolve(s, addrs[i], &r);
                md_row(t, &rc, hex(h, sizeof(h), addrs[i]), r.text, NULL, NULL, NULL, NULL);
        }
        md_flush(out, t, &rc);
        return rc ?: util_flush(out);
}

/* ---- the entry points ---- */

int elfreport_image(FILE *out, const struct kimage *k, const char *path,
                    const struct elfreport_options *o)
{
        if (!k || !o)
                return -EINVAL;
        switch (o->format) {
        case ELFREPORT_TABLE:
                return table_image(out, k, path, o);
        case ELFREPORT_JSON:
                return json_image(out, k, path, o->top);
        case ELFREPORT_MD:
                return md_image(out, k, path, o->top);
        }
        return -EINVAL;
}

int elfreport_compare(FILE *out, const struct kdiff *d, const char *path_a, const char *path_b,
                      const struct elfreport_options *o)
{
        if (!d || !o)
                return -EINVAL;
        switch (o->format) {
        case ELFREPORT_TABLE:
                return table_compare(out, d, path_a, path_b, o);
        case ELFREPORT_JSON:
                return json_compare(out, d, path_a, path_b, o->top);
        case ELFREPORT_MD:
                return md_compare(out, d, path_a, path_b, o->top);
        }
        return -EINVAL;
}

int elfreport_addrs(FILE *out, const struct ksyms *s, const char *path, const uint64_t *addrs,
                    const char *const *texts, size_t n, const struct elfreport_options *o)
{
        if (!s || !o || (n && !addrs))
                return -EINVAL;
        switch (o->format) {
        case ELFREPORT_TABLE:
                return table_addrs(out, s, path, addrs, n, o);
        case ELFREPORT_JSON:
                return json_addrs(out, s, path, addrs, texts, n);
        case ELFREPORT_MD:
                return md_addrs(out, s, path, addrs, n);
        }
        return -EINVAL;
}
