/* session: see session.h. */
#include "collector/session.h"

#include <dirent.h>
#include <jansson.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "guest/kimage.h"
#include "guest/vmlinux.h"

struct session {
        char *dir;
        json_t *meta; /* session.json; every string of info is borrowed from it */
        struct session_info info;
        struct session_label *labels;
        struct session_variant_info *variants;
        struct session_plan_entry *plan;
        char **settings_args;
};

/* ---- variants ---- */

static void set_err(char *err, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t size, const char *fmt, ...)
{
        va_list ap;

        if (!err || !size)
                return;
        va_start(ap, fmt);
        vsnprintf(err, size, fmt, ap);
        va_end(ap);
}

static char *trim(char *s)
{
        char *e;

        while (*s == ' ' || *s == '\t')
                s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
                *--e = '\0';
        return s;
}

/* Append a copy of each of n words (n: SIZE_MAX for NULL-terminated) to
 * the NULL-terminated *v of *n words (*v may be NULL). */
static int push_strv(char ***v, size_t *n, char *const *words, size_t nwords)
{
        for (size_t i = 0; i < nwords && words[i]; i++) {
                char **a = realloc(*v, (*n + 2) * sizeof(*a));

                if (!a)
                        return -ENOMEM;
                *v = a;
                a[*n] = strdup(words[i]);
                if (!a[*n])
                        return -ENOMEM;
                a[++*n] = NULL;
        }
        return 0;
}

/* Split s (modified) on spaces and append its words to *v (push_strv). */
static int add_strv(char ***v, size_t *n, char *s)
{
        int ret = 0;

        for (char *w = strtok(s, " \t"); w && ret == 0; w = strtok(NULL, " \t"))
                ret = push_strv(v, n, &w, 1);
        return ret;
}

static void free_strv(char **v, size_t n)
{
        for (size_t i = 0; v && i < n; i++)
                free(v[i]);
        free(v);
}

/* Words joined by single spaces, appended to *dst (malloc'd). */
static int add_append(char **dst, const char *s)
{
        struct sbuf sb = SBUF_INIT;
        char *copy = strdup(s);
        int ret = 0;

        if (!copy)
                return -ENOMEM;
        if (*dst)
                ret = sbuf_adds(&sb, *dst);
        for (char *w = strtok(copy, " \t"); w && ret == 0; w = strtok(NULL, " \t")) {
                if (sb.len)
                        ret = sbuf_addch(&sb, ' ');
                if (ret == 0)
                        ret = sbuf_adds(&sb, w);
        }
        free(copy);
        if (ret < 0) {
                sbuf_release(&sb);
                return ret;
        }
        free(*dst);
        if (sb.len) {
                *dst = sbuf_detach(&sb, NULL);
        } else {
                sbuf_release(&sb); /* may hold a buffer even when empty */
                *dst = strdup("");
        }
        return *dst ? 0 : -ENOMEM;
}

static bool valid_name(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > 63)
                return false;
        for (; *s; s++) {
                char c = *s;
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-'))
                        return false;
        }
        return true;
}

int session_variant_parse(const char *spec, struct session_variant *v, char *err, size_t errsize)
{
        char *copy, *colon, *name, *rest, *saveptr = NULL;
        int ret = 0;

        memset(v, 0, sizeof(*v));
        v->qemu_args = calloc(1, sizeof(char *));
        v->append_remove = calloc(1, sizeof(char *));
        copy = strdup(spec);
        if (!copy || !v->qemu_args || !v->append_remove) {
                ret = -ENOMEM;
                goto out;
        }
        colon = strchr(copy, ':');
        rest = colon ? colon + 1 : copy + strlen(copy);
        if (colon)
                *colon = '\0';
        name = trim(copy);
        if (!valid_name(name)) {
                set_err(err, errsize, "variant name '%s' must be 1-63 of A-Z a-z 0-9 . _ -", name);
                ret = -EINVAL;
                goto out;
        }
        v->name = strdup(name);
        if (!v->name) {
                ret = -ENOMEM;
                goto out;
        }
        for (char *item = strtok_r(rest, ";", &saveptr); item;
             item = strtok_r(NULL, ";", &saveptr)) {
                char *kv = trim(item), *val;

                if (!*kv)
                        continue;
                if (strncmp(kv, "append+=", 8) == 0) {
                        ret = add_append(&v->append, kv + 8);
                } else if (strncmp(kv, "append-=", 8) == 0) {
                        size_t before = v->nappend_remove;

                        ret = add_strv(&v->append_remove, &v->nappend_remove, kv + 8);
                        if (ret == 0 && v->nappend_remove == before) {
                                set_err(err, errsize, "variant '%s': no word to drop in '%s'",
                                        v->name, kv);
                                ret = -EINVAL;
                        }
                } else if (strncmp(kv, "timing=", 7) == 0) {
                        val = trim(kv + 7);
                        if (strcmp(val, "host") == 0 || strcmp(val, "dump") == 0) {
                                v->host_timed = val[0] == 'h';
                        } else {
                                set_err(err, errsize, "variant '%s': '%s': timing= is host or dump",
                                        v->name, kv);
                                ret = -EINVAL;
                        }
                } else if (strncmp(kv, "append=", 7) == 0) {
                        free(v->append);
                        v->append = NULL;
                        v->append_replace = true;
                        ret = add_append(&v->append, kv + 7);
                } else if (strncmp(kv, "qemu+=", 6) == 0) {
                        ret = add_strv(&v->qemu_args, &v->nqemu_args, kv + 6);
                } else if (strncmp(kv, "kernel=", 7) == 0 || strncmp(kv, "initrd=", 7) == 0) {
                        char **dst = kv[0] == 'k' ? &v->kernel : &v->initrd;

                        val = trim(kv + 7);
                        if (!*val) {
                                set_err(err, errsize, "variant '%s': empty path in '%s'", v->name,
                                        kv);
                                ret = -EINVAL;
                                goto out;
                        }
                        free(*dst);
                        *dst = strdup(val);
                        ret = *dst ? 0 : -ENOMEM;
                } else {
                        set_err(err, errsize,
                                "variant '%s': unknown key in '%s' (expected append+=, "
                                "append-=, append=, qemu+=, kernel=, initrd= or timing=)",
                                v->name, kv);
                        ret = -EINVAL;
                }
                if (ret < 0)
                        goto out;
        }
out:
        free(copy);
        if (ret < 0)
                session_variant_free(v);
        return ret;
}

void session_variant_free(struct session_variant *v)
{
        if (!v)
                return;
        free(v->name);
        free(v->kernel);
        free(v->initrd);
        free(v->append);
        free_strv(v->append_remove, v->nappend_remove);
        free_strv(v->qemu_args, v->nqemu_args);
        memset(v, 0, sizeof(*v));
}

int session_variant_merge(struct session_variant *dst, const struct session_variant *src)
{
        struct session_variant t = {0};
        int ret = -ENOMEM;

        /* Build the result in t, then swap it in: on failure dst is as it was. */
        if (src->append_replace)
                t.append = src->append ? strdup(src->append) : strdup("");
        else if (dst->append)
                t.append = strdup(dst->append);
        if ((src->append_replace || dst->append) && !t.append)
                goto out;
        if (!src->append_replace && src->append && *src->append &&
            add_append(&t.append, src->append) < 0)
                goto out;
        t.kernel = src->kernel ? strdup(src->kernel) : dst->kernel ? strdup(dst->kernel) : NULL;
        t.initrd = src->initrd ? strdup(src->initrd) : dst->initrd ? strdup(dst->initrd) : NULL;
        if ((src->kernel || dst->kernel) && !t.kernel)
                goto out;
        if ((src->initrd || dst->initrd) && !t.initrd)
                goto out;
        t.append_remove = calloc(1, sizeof(char *));
        t.qemu_args = calloc(1, sizeof(char *));
        if (!t.append_remove || !t.qemu_args ||
            push_strv(&t.append_remove, &t.nappend_remove, dst->append_remove,
                      dst->nappend_remove) < 0 ||
            push_strv(&t.append_remove, &t.nappend_remove, src->append_remove,
                      src->nappend_remove) < 0 ||
            push_strv(&t.qemu_args, &t.nqemu_args, dst->qemu_args, dst->nqemu_args) < 0 ||
            push_strv(&t.qemu_args, &t.nqemu_args, src->qemu_args, src->nqemu_args) < 0)
                goto out;
        t.append_replace = dst->append_replace || src->append_replace;
        t.host_timed = dst->host_timed || src->host_timed;
        t.name = dst->name;
        dst->name = NULL;
        session_variant_free(dst);
        *dst = t;
        return 0;
out:
        session_variant_free(&t);
        return ret;
}

/* Whether word w is one of v's n words. */
static bool in_words(char *const *v, size_t n, const char *w, size_t wlen)
{
        for (size_t i = 0; v && i < n; i++) {
                if (strlen(v[i]) == wlen && memcmp(v[i], w, wlen) == 0)
                        return true;
        }
        return false;
}

/* The line v starts from: base, or its append= line. */
static const char *start_line(const char *base, const struct session_variant *v)
{
        if (v->append_replace)
                return v->append ? v->append : "";
        return base ? base : "";
}

char *session_variant_line(const char *base, const struct session_variant *v)
{
        const char *line = start_line(base, v), *p = line;
        struct sbuf sb = SBUF_INIT;
        int ret = 0;

        if (v->nappend_remove == 0) {
                ret = sbuf_adds(&sb, line);
        } else {
                /* Keep every word that append-= does not name, one space apart. */
                while (ret == 0 && *p) {
                        size_t n;

                        p += strspn(p, " \t");
                        n = strcspn(p, " \t");
                        if (n && !in_words(v->append_remove, v->nappend_remove, p, n)) {
                                if (sb.len)
                                        ret = sbuf_addch(&sb, ' ');
                                if (ret == 0)
                                        ret = sbuf_add(&sb, p, n);
                        }
                        p += n;
                }
        }
        if (ret == 0 && !v->append_replace && v->append && *v->append) {
                if (sb.len)
                        ret = sbuf_addch(&sb, ' ');
                if (ret == 0)
                        ret = sbuf_adds(&sb, v->append);
        }
        if (ret < 0) {
                sbuf_release(&sb);
                return NULL;
        }
        return sbuf_detach(&sb, NULL);
}

const char *session_variant_missing(const char *base, const struct session_variant *v)
{
        const char *line = start_line(base, v);

        for (size_t i = 0; i < v->nappend_remove; i++) {
                const char *w = v->append_remove[i], *p = line;
                size_t wlen = strlen(w);
                bool found = false;

                while (!found && *p) {
                        size_t n;

                        p += strspn(p, " \t");
                        n = strcspn(p, " \t");
                        found = n == wlen && memcmp(p, w, n) == 0;
                        p += n;
                }
                if (!found)
                        return w;
        }
        return NULL;
}

/* ---- verdicts ---- */

static const char *const verdict_names[] = {
    [SESSION_OK] = "ok",         [SESSION_TIMEOUT] = "timeout",
    [SESSION_CRASH] = "crash",   [SESSION_BAD_DUMP] = "bad-dump",
    [SESSION_WARMUP] = "warmup",
};

const char *session_verdict_name(enum session_verdict v)
{
        if ((size_t)v < UTIL_ARRAY_SIZE(verdict_names))
                return verdict_names[v];
        return "?";
}

int session_verdict_parse(const char *s, enum session_verdict *v)
{
        for (size_t i = 0; i < UTIL_ARRAY_SIZE(verdict_names); i++) {
                if (strcmp(s, verdict_names[i]) == 0) {
                        *v = (enum session_verdict)i;
                        return 0;
                }
        }
        return -EINVAL;
}

/* ---- reading JSON: typed fields, every misfit named ---- */

/* Where a reader is: the file, and the object inside it ("attempts[1]"). */
struct rd {
        const char *path;
        char where[64];
        char *err;
        size_t errsize;
};

/* Set the message for o[key] being missing (v NULL) or not a want. */
static int rd_bad(struct rd *rd, const char *key, const json_t *v, const char *want)
{
        set_err(rd->err, rd->errsize, "'%s': %s%s%s %s", rd->path, rd->where,
                rd->where[0] ? "." : "", key, v ? "is not " : "is missing");
        if (v && rd->err && rd->errsize)
                strncat(rd->err, want, rd->errsize - strlen(rd->err) - 1);
        return -EINVAL;
}

/* o[key] of the wanted kind: absent or null gives NULL (an error when
 * required), another kind is an error. */
static int rd_get(struct rd *rd, json_t *o, const char *key, bool required, json_type type,
                  const char *want, json_t **out)
{
        json_t *v = json_object_get(o, key);

        *out = NULL;
        if (v && json_typeof(v) == type) {
                *out = v;
                return 0;
        }
        if ((!v || json_is_null(v)) && !required)
                return 0;
        return rd_bad(rd, key, json_is_null(v) ? NULL : v, want);
}

static int rd_str(struct rd *rd, json_t *o, const char *key, bool required, const char **out)
{
        json_t *v;
        int ret = rd_get(rd, o, key, required, JSON_STRING, "a string", &v);

        *out = v ? json_string_value(v) : NULL;
        return ret;
}

/* A non-negative integer; absent leaves 0. */
static int rd_u64(struct rd *rd, json_t *o, const char *key, bool required, uint64_t *out)
{
        json_t *v;
        int ret = rd_get(rd, o, key, required, JSON_INTEGER, "an integer", &v);

        *out = 0;
        if (ret < 0 || !v)
                return ret;
        if (json_integer_value(v) < 0)
                return rd_bad(rd, key, v, "a non-negative integer");
        *out = (uint64_t)json_integer_value(v);
        return 0;
}

static int rd_int(struct rd *rd, json_t *o, const char *key, int *out)
{
        json_t *v;
        int ret = rd_get(rd, o, key, false, JSON_INTEGER, "an integer", &v);

        *out = 0;
        if (ret < 0 || !v)
                return ret;
        if (json_integer_value(v) < INT_MIN || json_integer_value(v) > INT_MAX)
                return rd_bad(rd, key, v, "an int");
        *out = (int)json_integer_value(v);
        return 0;
}

static int rd_bool(struct rd *rd, json_t *o, const char *key, bool *out)
{
        json_t *v = json_object_get(o, key);

        *out = false;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_boolean(v))
                return rd_bad(rd, key, v, "true or false");
        *out = json_is_true(v);
        return 0;
}

static int rd_obj(struct rd *rd, json_t *o, const char *key, json_t **out)
{
        return rd_get(rd, o, key, false, JSON_OBJECT, "an object", out);
}

/* An array of strings, borrowed into a malloc'd array (NULL-terminated). */
static int rd_strv(struct rd *rd, json_t *o, const char *key, char ***out, size_t *n)
{
        json_t *a;
        int ret = rd_get(rd, o, key, false, JSON_ARRAY, "an array", &a);

        *out = NULL;
        *n = 0;
        if (ret < 0 || !a)
                return ret;
        *out = calloc(json_array_size(a) + 1, sizeof(**out));
        if (!*out)
                return -ENOMEM;
        for (size_t i = 0; i < json_array_size(a); i++) {
                json_t *v = json_array_get(a, i);

                if (!json_is_string(v)) {
                        free(*out);
                        *out = NULL;
                        return rd_bad(rd, key, v, "an array of strings");
                }
                (*out)[i] = (char *)json_string_value(v);
        }
        *n = json_array_size(a);
        return 0;
}

/* ---- settings ---- */

const struct session_setting_range session_setting_ranges[SESSION_NSETTINGS] = {
    [SESSION_SET_RUNS] = {"runs", "-n", 1, 100000},
    [SESSION_SET_WARMUP] = {"warmup", "--warmup", 0, 100000},
    [SESSION_SET_TIMEOUT_S] = {"timeout_s", "--timeout", 1, 86400},
    [SESSION_SET_RETRIES] = {"retries", "--retries", 0, 100},
};

int session_setting_check(enum session_setting which, uint64_t v)
{
        const struct session_setting_range *r = &session_setting_ranges[which];

        return v >= r->min && v <= r->max ? 0 : -ERANGE;
}

/* o[key]: absent, null or 0 is 0 (not recorded: a writer that was given
 * no settings writes 0); otherwise it is in the setting's range. */
static int rd_setting(struct rd *rd, json_t *o, enum session_setting which, uint64_t *out)
{
        const struct session_setting_range *r = &session_setting_ranges[which];
        char want[64];
        int ret = rd_u64(rd, o, r->key, false, out);

        if (ret < 0)
                return ret;
        if (*out == 0 || session_setting_check(which, *out) == 0)
                return 0;
        snprintf(want, sizeof(want), "a number from %llu to %llu, as %s takes",
                 (unsigned long long)r->min, (unsigned long long)r->max, r->option);
        return rd_bad(rd, r->key, json_object_get(o, r->key), want);
}

/* ---- reading session.json ---- */

static int read_file_ref(struct rd *rd, json_t *o, const char *key, struct session_file *f)
{
        json_t *fo;
        int ret = rd_obj(rd, o, key, &fo);

        memset(f, 0, sizeof(*f));
        if (ret < 0 || !fo)
                return ret;
        snprintf(rd->where + strlen(rd->where), sizeof(rd->where) - strlen(rd->where), ".%s", key);
        ret = rd_str(rd, fo, "path", true, &f->path);
        if (ret == 0)
                ret = rd_u64(rd, fo, "size", false, &f->size);
        if (ret == 0)
                ret = rd_str(rd, fo, "sha256", false, &f->sha256);
        *strrchr(rd->where, '.') = '\0';
        return ret;
}

/* Whether s is one of the names name(0), name(1) ... name(n - 1). */
static bool one_of(const char *s, const char *(*name)(int), int n)
{
        for (int i = 0; i < n; i++)
                if (strcmp(s, name(i)) == 0)
                        return true;
        return false;
}

static const char *format_name(int i)
{
        return kimage_format_name((enum kimage_format)i);
}

static const char *entry_name(int i)
{
        return kimage_entry_name((enum kimage_entry)i);
}

static const char *comp_name(int i)
{
        return vmlinux_comp_name((enum vmlinux_comp)i);
}

static bool lower_hex(const char *s, size_t max)
{
        size_t n = strspn(s, "0123456789abcdef");

        return n == strlen(s) && n <= max && n % 2 == 0;
}

/* The image's fields agree with each other and with the kernel file (of
 * kernel_size bytes), as collect writes them: an ELF's entry is "pvh"
 * exactly when pvh is true (else "none") and it has no compression; a
 * bzImage's entry is "bzimage" and its compression is named. */
static int check_image(struct rd *rd, json_t *io, const struct session_kimage *im,
                       uint64_t kernel_size)
{
        if (strcmp(im->format, "elf") == 0) {
                if (strcmp(im->entry, im->pvh ? "pvh" : "none") != 0)
                        return rd_bad(rd, "entry", json_object_get(io, "entry"),
                                      im->pvh ? "\"pvh\" (pvh is true)"
                                              : "\"none\" (pvh is false)");
                if (im->comp)
                        return rd_bad(rd, "comp", json_object_get(io, "comp"), "null for an elf");
                if (im->comp_size)
                        return rd_bad(rd, "comp_size", json_object_get(io, "comp_size"),
                                      "0 for an elf");
        } else {
                if (strcmp(im->entry, "bzimage") != 0)
                        return rd_bad(rd, "entry", json_object_get(io, "entry"),
                                      "\"bzimage\" for a bzimage");
                if (!im->comp)
                        return rd_bad(rd, "comp", NULL, NULL);
        }
        if (im->file_size != kernel_size)
                return rd_bad(rd, "file_size", json_object_get(io, "file_size"),
                              "the kernel's size (kernel.size)");
        return 0;
}

/* variants[i].image: an object, or null (or absent) with image_error
 * saying why collect could not read the kernel as an image; an object is
 * checked against itself and against the kernel file (check_image). */
static int read_image(struct rd *rd, json_t *o, struct session_kimage *im, uint64_t kernel_size)
{
        json_t *io;
        size_t end = strlen(rd->where);
        int ret = rd_obj(rd, o, "image", &io);

        memset(im, 0, sizeof(*im));
        if (ret == 0 && !io)
                return rd_str(rd, o, "image_error", false, &im->why);
        if (ret < 0)
                return ret;
        snprintf(rd->where + end, sizeof(rd->where) - end, ".image");
        ret = rd_str(rd, io, "format", true, &im->format);
        if (ret == 0 && !one_of(im->format, format_name, KIMAGE_BZIMAGE + 1))
                ret = rd_bad(rd, "format", json_object_get(io, "format"), "\"elf\" or \"bzimage\"");
        if (ret == 0)
                ret = rd_str(rd, io, "entry", true, &im->entry);
        if (ret == 0 && !one_of(im->entry, entry_name, KIMAGE_ENTRY_NONE + 1))
                ret = rd_bad(rd, "entry", json_object_get(io, "entry"),
                             "\"pvh\", \"bzimage\" or \"none\"");
        if (ret == 0)
                ret = rd_u64(rd, io, "file_size", true, &im->file_size);
        if (ret == 0)
                ret = rd_u64(rd, io, "loaded_size", true, &im->loaded_size);
        if (ret == 0)
                ret = rd_str(rd, io, "build_id", false, &im->build_id);
        if (ret == 0 && im->build_id && !lower_hex(im->build_id, 128))
                ret = rd_bad(rd, "build_id", json_object_get(io, "build_id"),
                             "lowercase hex of at most 64 bytes");
        if (ret == 0)
                ret = rd_bool(rd, io, "pvh", &im->pvh);
        if (ret == 0)
                ret = rd_str(rd, io, "comp", false, &im->comp);
        if (ret == 0 && im->comp && !one_of(im->comp, comp_name, VMLINUX_COMP_ZSTD + 1))
                ret = rd_bad(rd, "comp", json_object_get(io, "comp"), "a compression's name");
        if (ret == 0)
                ret = rd_u64(rd, io, "comp_size", false, &im->comp_size);
        if (ret == 0)
                ret = check_image(rd, io, im, kernel_size);
        rd->where[end] = '\0';
        im->known = ret == 0;
        return ret;
}

static int read_host(struct rd *rd, json_t *meta, struct session_host *h)
{
        json_t *o;
        uint64_t cpus;
        int ret = rd_obj(rd, meta, "host", &o);

        if (ret < 0 || !o)
                return ret;
        snprintf(rd->where, sizeof(rd->where), "host");
        if ((ret = rd_str(rd, o, "hostname", false, &h->hostname)) < 0 ||
            (ret = rd_str(rd, o, "cpu_model", false, &h->cpu_model)) < 0 ||
            (ret = rd_u64(rd, o, "cpus", false, &cpus)) < 0 ||
            (ret = rd_str(rd, o, "os", false, &h->os)) < 0 ||
            (ret = rd_str(rd, o, "kernel", false, &h->kernel)) < 0 ||
            (ret = rd_str(rd, o, "arch", false, &h->arch)) < 0 ||
            (ret = rd_str(rd, o, "qemu_binary", false, &h->qemu_binary)) < 0 ||
            (ret = rd_str(rd, o, "qemu_version", false, &h->qemu_version)) < 0 ||
            (ret = rd_str(rd, o, "accel", false, &h->accel)) < 0 ||
            (ret = rd_str(rd, o, "accel_requested", false, &h->accel_requested)) < 0 ||
            (ret = rd_str(rd, o, "accel_note", false, &h->accel_note)) < 0 ||
            (ret = rd_u64(rd, o, "tsc_khz", false, &h->tsc_khz)) < 0)
                return ret;
        h->cpus = (long)cpus;
        return 0;
}

static int read_settings(struct session *s, struct rd *rd)
{
        struct session_settings *st = &s->info.settings;
        json_t *o;
        int ret = rd_obj(rd, s->meta, "settings", &o);

        if (ret < 0 || !o)
                return ret;
        snprintf(rd->where, sizeof(rd->where), "settings");
        if ((ret = rd_setting(rd, o, SESSION_SET_RUNS, &st->runs)) < 0 ||
            (ret = rd_setting(rd, o, SESSION_SET_WARMUP, &st->warmup)) < 0 ||
            (ret = rd_setting(rd, o, SESSION_SET_TIMEOUT_S, &st->timeout_s)) < 0 ||
            (ret = rd_setting(rd, o, SESSION_SET_RETRIES, &st->retries)) < 0 ||
            (ret = rd_bool(rd, o, "interleave", &st->interleave)) < 0 ||
            (ret = rd_str(rd, o, "append", false, &st->append)) < 0 ||
            (ret = rd_bool(rd, o, "bare_append", &st->bare_append)) < 0 ||
            (ret = rd_strv(rd, o, "qemu_args", &s->settings_args, &st->nqemu_args)) < 0)
                return ret;
        st->qemu_args = s->settings_args;
        return 0;
}

static int read_labels(struct session *s, struct rd *rd)
{
        json_t *o, *v;
        const char *key;
        size_t n = 0;
        int ret = rd_obj(rd, s->meta, "labels", &o);

        if (ret < 0 || !o || !json_object_size(o))
                return ret;
        s->labels = calloc(json_object_size(o), sizeof(*s->labels));
        if (!s->labels)
                return -ENOMEM;
        snprintf(rd->where, sizeof(rd->where), "labels");
        json_object_foreach(o, key, v)
        {
                if (!json_is_string(v))
                        return rd_bad(rd, key, v, "a string");
                s->labels[n].key = key;
                s->labels[n++].value = json_string_value(v);
        }
        s->info.labels = s->labels;
        s->info.nlabels = n;
        return 0;
}

static int read_variants(struct session *s, struct rd *rd)
{
        json_t *a = json_object_get(s->meta, "variants");
        size_t n = json_array_size(a);

        if (!json_is_array(a) || n == 0) {
                set_err(rd->err, rd->errsize, "'%s': no variants or no plan", rd->path);
                return -EINVAL;
        }
        s->variants = calloc(n, sizeof(*s->variants));
        if (!s->variants)
                return -ENOMEM;
        s->info.variants = s->variants;
        s->info.nvariants = n;
        for (size_t i = 0; i < n; i++) {
                struct session_variant_info *v = &s->variants[i];
                json_t *o = json_array_get(a, i);
                char **args = NULL, **argv = NULL;
                int ret;

                snprintf(rd->where, sizeof(rd->where), "variants[%zu]", i);
                if (!json_is_object(o) || !json_is_string(json_object_get(o, "name"))) {
                        set_err(rd->err, rd->errsize, "'%s': variant %zu has no name", rd->path, i);
                        return -EINVAL;
                }
                v->name = json_string_value(json_object_get(o, "name"));
                if (!valid_name(v->name)) {
                        set_err(rd->err, rd->errsize,
                                "'%s': variant %zu: the name must be 1-63 of A-Z a-z 0-9 . _ -",
                                rd->path, i);
                        return -EINVAL;
                }
                for (size_t k = 0; k < i; k++) {
                        if (strcmp(s->variants[k].name, v->name) == 0) {
                                set_err(rd->err, rd->errsize, "'%s': variant '%s' is given twice",
                                        rd->path, v->name);
                                return -EINVAL;
                        }
                }
                ret = read_file_ref(rd, o, "kernel", &v->kernel);
                if (ret == 0)
                        ret = read_file_ref(rd, o, "initrd", &v->initrd);
                if (ret == 0)
                        ret = rd_str(rd, o, "cmdline", false, &v->cmdline);
                if (ret == 0)
                        ret = rd_strv(rd, o, "qemu_args", &args, &v->nqemu_args);
                v->qemu_args = args;
                if (ret == 0)
                        ret = rd_strv(rd, o, "argv", &argv, &v->nargv);
                v->argv = argv;
                if (ret == 0)
                        ret = rd_bool(rd, o, "host_timed", &v->host_timed);
                if (ret == 0)
                        ret = read_image(rd, o, &v->image, v->kernel.size);
                if (ret < 0)
                        return ret;
        }
        return 0;
}

static int read_plan(struct session *s, struct rd *rd)
{
        json_t *a = json_object_get(s->meta, "plan");
        size_t n = json_array_size(a);
        int ret;

        if (!json_is_array(a)) {
                set_err(rd->err, rd->errsize, "'%s': no variants or no plan", rd->path);
                return -EINVAL;
        }
        s->plan = calloc(n ? n : 1, sizeof(*s->plan));
        if (!s->plan)
                return -ENOMEM;
        s->info.plan = s->plan;
        s->info.nplan = n;
        for (size_t i = 0; i < n; i++) {
                json_t *p = json_array_get(a, i);
                json_t *vi = json_object_get(p, "variant");
                int v =
                    json_is_string(vi) ? session_variant_index(s, json_string_value(vi)) : -ENOENT;

                if (v < 0 || json_integer_value(json_object_get(p, "run")) != (json_int_t)(i + 1) ||
                    i >= UINT32_MAX) {
                        set_err(rd->err, rd->errsize, "'%s': plan entry %zu is malformed", rd->path,
                                i + 1);
                        return -EINVAL;
                }
                snprintf(rd->where, sizeof(rd->where), "plan[%zu]", i);
                s->plan[i].run = (unsigned)(i + 1);
                s->plan[i].variant = (size_t)v;
                ret = rd_bool(rd, p, "warmup", &s->plan[i].warmup);
                if (ret < 0)
                        return ret;
        }
        return 0;
}

/* With settings recorded, the plan holds runs + warmup runs of each
 * variant, warmup of them warm-ups. */
static int check_plan(const struct session *s, struct rd *rd)
{
        const struct session_settings *st = &s->info.settings;

        if (!st->runs)
                return 0;
        for (size_t v = 0; v < s->info.nvariants; v++) {
                uint64_t n = 0, w = 0;

                for (size_t i = 0; i < s->info.nplan; i++) {
                        n += s->info.plan[i].variant == v;
                        w += s->info.plan[i].variant == v && s->info.plan[i].warmup;
                }
                if (n != st->runs + st->warmup || w != st->warmup) {
                        set_err(rd->err, rd->errsize,
                                "'%s': the plan holds %llu runs (%llu warm-ups) of variant '%s', "
                                "settings say %llu (%llu)",
                                rd->path, (unsigned long long)n, (unsigned long long)w,
                                s->info.variants[v].name,
                                (unsigned long long)(st->runs + st->warmup),
                                (unsigned long long)st->warmup);
                        return -EINVAL;
                }
        }
        return 0;
}

/* Check kind and version, then fill s->info from s->meta. */
static int read_info(struct session *s, struct rd *rd)
{
        struct session_info *in = &s->info;
        json_t *sv = json_object_get(s->meta, "schema_version"), *tool;
        const char *kind = json_string_value(json_object_get(s->meta, "kind"));
        int ret;

        if (!json_is_integer(sv) || json_integer_value(sv) != SESSION_SCHEMA_VERSION || !kind ||
            strcmp(kind, SESSION_KIND) != 0) {
                set_err(rd->err, rd->errsize, "'%s' is not a bootlens session (schema_version %d)",
                        rd->path, SESSION_SCHEMA_VERSION);
                return -EINVAL;
        }
        if ((ret = read_variants(s, rd)) < 0 || (ret = read_plan(s, rd)) < 0)
                return ret;
        rd->where[0] = '\0';
        if ((ret = rd_str(rd, s->meta, "session_id", false, &in->id)) < 0 ||
            (ret = rd_str(rd, s->meta, "created", false, &in->created)) < 0 ||
            (ret = rd_obj(rd, s->meta, "tool", &tool)) < 0)
                return ret;
        snprintf(rd->where, sizeof(rd->where), "tool");
        if ((ret = rd_str(rd, tool, "name", false, &in->tool_name)) < 0 ||
            (ret = rd_str(rd, tool, "version", false, &in->tool_version)) < 0)
                return ret;
        rd->where[0] = '\0';
        if ((ret = read_host(rd, s->meta, &in->host)) < 0 || (ret = read_settings(s, rd)) < 0)
                return ret;
        rd->where[0] = '\0';
        if ((ret = check_plan(s, rd)) < 0)
                return ret;
        return read_labels(s, rd);
}

/* Why json_load_file() failed: -ENOMEM when jansson ran out of memory,
 * else -EINVAL (not JSON, or not readable as such). */
static int load_error(const json_error_t *je)
{
        return json_error_code(je) == json_error_out_of_memory ? -ENOMEM : -EINVAL;
}

int session_open(const char *dir, struct session **out, char *err, size_t errsize)
{
        struct session *s;
        struct rd rd = {.err = err, .errsize = errsize};
        json_error_t je;
        char *path = NULL;
        int ret;

        s = calloc(1, sizeof(*s));
        if (!s || asprintf(&path, "%s/session.json", dir) < 0) {
                free(s);
                return -ENOMEM;
        }
        rd.path = path;
        s->dir = strdup(dir);
        if (!s->dir) {
                ret = -ENOMEM;
                goto out_fail;
        }
        if (access(path, F_OK) < 0) {
                ret = -errno;
                set_err(err, errsize, "cannot open '%s': %s", path, strerror(errno));
                goto out_fail;
        }
        s->meta = json_load_file(path, 0, &je);
        if (!s->meta) {
                set_err(err, errsize, "%s:%d: %s", path, je.line, je.text);
                ret = load_error(&je);
                goto out_fail;
        }
        ret = read_info(s, &rd);
        if (ret < 0)
                goto out_fail;
        free(path);
        *out = s;
        return 0;
out_fail:
        free(path);
        session_free(s);
        return ret;
}

void session_free(struct session *s)
{
        if (!s)
                return;
        for (size_t i = 0; s->variants && i < s->info.nvariants; i++) {
                free((void *)s->variants[i].qemu_args);
                free((void *)s->variants[i].argv);
        }
        free(s->variants);
        free(s->labels);
        free(s->plan);
        free(s->settings_args);
        json_decref(s->meta);
        free(s->dir);
        free(s);
}

const char *session_dir(const struct session *s)
{
        return s->dir;
}

const struct session_info *session_info(const struct session *s)
{
        return &s->info;
}

size_t session_variant_count(const struct session *s)
{
        return s->info.nvariants;
}

const char *session_variant_name(const struct session *s, size_t i)
{
        return i < s->info.nvariants ? s->info.variants[i].name : NULL;
}

const char *session_variant_cmdline(const struct session *s, size_t i)
{
        return i < s->info.nvariants ? s->info.variants[i].cmdline : NULL;
}

int session_variant_index(const struct session *s, const char *name)
{
        for (size_t i = 0; i < session_variant_count(s); i++) {
                const char *n = session_variant_name(s, i);

                if (n && strcmp(n, name) == 0)
                        return (int)i;
        }
        return -ENOENT;
}

size_t session_planned_runs(const struct session *s)
{
        return s->info.nplan;
}

int session_plan(const struct session *s, unsigned run, size_t *variant, bool *warmup)
{
        if (run == 0 || run > session_planned_runs(s))
                return -ENOENT;
        *variant = s->info.plan[run - 1].variant;
        *warmup = s->info.plan[run - 1].warmup;
        return 0;
}

int session_run_path(const char *dir, unsigned run, const char *suffix, char **path)
{
        if (asprintf(path, "%s/runs/%04u%s", dir, run, suffix) < 0)
                return -ENOMEM;
        return 0;
}

bool session_run_done(const struct session *s, unsigned run)
{
        char *path;
        bool done;

        if (session_run_path(s->dir, run, ".json", &path) < 0)
                return false;
        done = access(path, F_OK) == 0;
        free(path);
        return done;
}

static int cmp_unsigned(const void *a, const void *b)
{
        unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

        return (x > y) - (x < y);
}

/* Run files in runs/, ascending: those in the plan, or (strays) those
 * outside it. */
static int list_runs(const struct session *s, bool strays, unsigned **runs)
{
        unsigned *a = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        char *path;
        DIR *d;

        if (asprintf(&path, "%s/runs", s->dir) < 0)
                return -ENOMEM;
        d = opendir(path);
        free(path);
        if (!d) {
                if (errno != ENOENT)
                        return -errno;
                *runs = NULL;
                return 0;
        }
        while ((de = readdir(d))) {
                const char *name = de->d_name;
                size_t len = strlen(name), digits = strspn(name, "0123456789");
                char num[16];
                uint64_t v;

                /* NNNN.json exactly: digits, then ".json", nothing else. */
                if (digits < 4 || digits > 10 || len != digits + 5 ||
                    strcmp(name + digits, ".json") != 0)
                        continue;
                memcpy(num, name, digits);
                num[digits] = '\0';
                if (util_parse_u64(num, 10, &v) < 0 || v == 0 || v > UINT32_MAX)
                        continue;
                if ((v <= s->info.nplan) == strays)
                        continue;
                if (n == cap) {
                        unsigned *b = realloc(a, (cap ? cap * 2 : 64) * sizeof(*a));

                        if (!b) {
                                free(a);
                                closedir(d);
                                return -ENOMEM;
                        }
                        a = b;
                        cap = cap ? cap * 2 : 64;
                }
                a[n++] = (unsigned)v;
        }
        closedir(d);
        if (n)
                qsort(a, n, sizeof(*a), cmp_unsigned);
        *runs = a;
        return (int)n;
}

int session_list_runs(const struct session *s, unsigned **runs)
{
        return list_runs(s, false, runs);
}

int session_list_strays(const struct session *s, unsigned **runs)
{
        return list_runs(s, true, runs);
}

/* ---- reading runs/NNNN.json ---- */

/* o[key] as an owned copy; absent gives def (NULL: stays NULL). */
static int rd_dup(struct rd *rd, json_t *o, const char *key, bool required, const char *def,
                  char **out)
{
        const char *v;
        int ret = rd_str(rd, o, key, required, &v);

        *out = NULL;
        if (ret < 0)
                return ret;
        if (!v)
                v = def;
        if (v) {
                *out = strdup(v);
                if (!*out)
                        return -ENOMEM;
        }
        return 0;
}

static int rd_verdict(struct rd *rd, json_t *o, enum session_verdict *v)
{
        const char *name;
        int ret = rd_str(rd, o, "verdict", true, &name);

        if (ret < 0)
                return ret;
        if (session_verdict_parse(name, v) < 0)
                return rd_bad(rd, "verdict", json_object_get(o, "verdict"),
                              "one of ok, timeout, crash, bad-dump, warmup");
        return 0;
}

static int read_host_marks(struct rd *rd, json_t *a, struct session_attempt *at)
{
        struct session_host_marks *h = &at->host;
        uint64_t off;
        json_t *o;
        size_t len = strlen(rd->where);
        int ret = rd_obj(rd, a, "host_ns", &o);

        snprintf(rd->where + len, sizeof(rd->where) - len, ".host_ns");
        if (ret == 0 && o &&
            ((ret = rd_u64(rd, o, "spawn", false, &h->spawn)) < 0 ||
             (ret = rd_u64(rd, o, "first_console_byte", false, &h->first_console_byte)) < 0 ||
             (ret = rd_u64(rd, o, "first_serial_byte", false, &h->first_serial_byte)) < 0 ||
             (ret = rd_u64(rd, o, "dump_begin", false, &h->dump_begin)) < 0 ||
             (ret = rd_u64(rd, o, "dump_end", false, &h->dump_end)) < 0 ||
             (ret = rd_u64(rd, o, "exit", false, &h->exit)) < 0))
                return ret;
        rd->where[len] = '\0';
        if (ret == 0)
                ret = rd_obj(rd, a, "console_offsets", &o);
        snprintf(rd->where + len, sizeof(rd->where) - len, ".console_offsets");
        if (ret == 0 && o) {
                ret = rd_u64(rd, o, "dump_begin", false, &off);
                at->off_dump_begin = (size_t)off;
                if (ret == 0)
                        ret = rd_u64(rd, o, "dump_end", false, &off);
                at->off_dump_end = (size_t)off;
        }
        rd->where[len] = '\0';
        return ret;
}

static int read_marks(struct rd *rd, json_t *a, struct session_attempt *at)
{
        json_t *ml;
        size_t len = strlen(rd->where);
        int ret = rd_get(rd, a, "marks", false, JSON_ARRAY, "an array", &ml);

        if (ret < 0 || !json_array_size(ml))
                return ret;
        at->marks = calloc(json_array_size(ml), sizeof(*at->marks));
        if (!at->marks)
                return -ENOMEM;
        for (size_t i = 0; i < json_array_size(ml) && ret == 0; i++) {
                struct session_mark *m = &at->marks[i];
                json_t *o = json_array_get(ml, i);
                uint64_t off = 0;

                at->nmarks++;
                snprintf(rd->where + len, sizeof(rd->where) - len, ".marks[%zu]", i);
                if (!json_is_object(o)) {
                        set_err(rd->err, rd->errsize, "'%s': %s is not an object", rd->path,
                                rd->where);
                        ret = -EINVAL;
                        break;
                }
                ret = rd_dup(rd, o, "name", true, NULL, &m->name);
                if (ret == 0)
                        ret = rd_u64(rd, o, "host_ns", false, &m->host_ns);
                if (ret == 0)
                        ret = rd_u64(rd, o, "uptime_ns", false, &m->uptime_ns);
                if (ret == 0)
                        ret = rd_u64(rd, o, "offset", false, &off);
                m->offset = (size_t)off;
        }
        rd->where[len] = '\0';
        return ret;
}

static int read_dump(struct rd *rd, json_t *a, struct session_attempt *at)
{
        const char *crc;
        uint64_t v = 0;
        json_t *o;
        int ret = rd_obj(rd, a, "dump", &o);

        if (ret < 0 || !o)
                return ret;
        at->has_dump = true;
        strncat(rd->where, ".dump", sizeof(rd->where) - strlen(rd->where) - 1);
        ret = rd_dup(rd, o, "status", true, NULL, &at->dump_status);
        if (ret == 0)
                ret = rd_u64(rd, o, "bytes", false, &at->dump_bytes);
        if (ret == 0)
                ret = rd_str(rd, o, "crc32", false, &crc);
        if (ret == 0 && crc) {
                if (strlen(crc) != 8 || util_parse_u64(crc, 16, &v) < 0)
                        ret = rd_bad(rd, "crc32", json_object_get(o, "crc32"), "8 hex digits");
                at->dump_crc32 = (uint32_t)v;
        }
        *strrchr(rd->where, '.') = '\0';
        return ret;
}

static int read_exit(struct rd *rd, json_t *a, struct session_attempt *at)
{
        const char *how;
        json_t *o;
        int ret = rd_obj(rd, a, "exit", &o);

        if (ret < 0 || !o)
                return ret;
        strncat(rd->where, ".exit", sizeof(rd->where) - strlen(rd->where) - 1);
        ret = rd_str(rd, o, "how", true, &how);
        if (ret == 0 && strcmp(how, "exited") == 0) {
                at->exit_how = SESSION_EXIT_EXITED;
                ret = rd_int(rd, o, "code", &at->exit_code);
        } else if (ret == 0 && strcmp(how, "signaled") == 0) {
                at->exit_how = SESSION_EXIT_SIGNALED;
                ret = rd_int(rd, o, "signal", &at->exit_signal);
        } else if (ret == 0 && strcmp(how, "not-started") == 0) {
                at->exit_how = SESSION_EXIT_NOT_STARTED;
                ret = rd_dup(rd, o, "error", false, "", &at->exit_error);
        } else if (ret == 0) {
                ret = rd_bad(rd, "how", json_object_get(o, "how"),
                             "one of exited, signaled, not-started");
        }
        if (ret == 0)
                ret = rd_int(rd, o, "signal_sent", &at->signal_sent);
        *strrchr(rd->where, '.') = '\0';
        return ret;
}

static int read_cpu(struct rd *rd, json_t *a, struct session_attempt *at)
{
        json_t *o;
        int ret = rd_obj(rd, a, "cpu_ns", &o);

        if (ret < 0 || !o)
                return ret;
        strncat(rd->where, ".cpu_ns", sizeof(rd->where) - strlen(rd->where) - 1);
        if ((ret = rd_u64(rd, o, "qemu_user", false, &at->cpu_qemu_user_ns)) == 0 &&
            (ret = rd_u64(rd, o, "qemu_system", false, &at->cpu_qemu_system_ns)) == 0 &&
            (ret = rd_u64(rd, o, "collector_user", false, &at->cpu_collector_user_ns)) == 0)
                ret = rd_u64(rd, o, "collector_system", false, &at->cpu_collector_system_ns);
        *strrchr(rd->where, '.') = '\0';
        return ret;
}

/* "sched": null or absent (not measured), or the run delay account. */
static int read_sched(struct rd *rd, json_t *a, struct session_attempt *at)
{
        struct session_sched *sc = &at->sched;
        uint64_t threads, samples;
        json_t *o;
        int ret = rd_obj(rd, a, "sched", &o);

        sc->looked = json_object_get(a, "sched") != NULL;
        if (ret < 0 || !o)
                return ret;
        strncat(rd->where, ".sched", sizeof(rd->where) - strlen(rd->where) - 1);
        if ((ret = rd_u64(rd, o, "run_delay_ns", true, &sc->run_delay_ns)) == 0 &&
            (ret = rd_u64(rd, o, "on_cpu_ns", true, &sc->on_cpu_ns)) == 0 &&
            (ret = rd_u64(rd, o, "threads", false, &threads)) == 0 &&
            (ret = rd_u64(rd, o, "samples", false, &samples)) == 0) {
                sc->threads = threads <= UINT_MAX ? (unsigned)threads : UINT_MAX;
                sc->samples = samples <= UINT_MAX ? (unsigned)samples : UINT_MAX;
                sc->available = true;
        }
        *strrchr(rd->where, '.') = '\0';
        return ret;
}

/* "loadavg_1m" (a number, null or absent) and "cpus_online". */
static int read_host_load(struct rd *rd, json_t *a, struct session_attempt *at)
{
        json_t *v = json_object_get(a, "loadavg_1m");
        uint64_t cpus;
        int ret;

        at->loadavg_1m_centi = -1;
        if (v && !json_is_null(v)) {
                double d = json_number_value(v);

                if (!json_is_number(v) || !(d >= 0) || d > 1e7)
                        return rd_bad(rd, "loadavg_1m", v, "a load average");
                at->loadavg_1m_centi = (int)(d * 100 + 0.5);
        }
        ret = rd_u64(rd, a, "cpus_online", false, &cpus);
        at->cpus_online = cpus <= UINT_MAX ? (unsigned)cpus : UINT_MAX;
        return ret;
}

static int read_attempt(struct rd *rd, json_t *a, struct session_attempt *at)
{
        uint64_t n;
        json_t *files;
        int ret;

        if (!json_is_object(a)) {
                set_err(rd->err, rd->errsize, "'%s': %s is not an object", rd->path, rd->where);
                return -EINVAL;
        }
        if ((ret = rd_u64(rd, a, "attempt", false, &n)) < 0 ||
            (ret = rd_verdict(rd, a, &at->verdict)) < 0 ||
            (ret = rd_dup(rd, a, "reason", false, "", &at->reason)) < 0 ||
            (ret = rd_dup(rd, a, "accel", false, NULL, &at->accel)) < 0 ||
            (ret = rd_obj(rd, a, "files", &files)) < 0)
                return ret;
        at->attempt = n <= UINT_MAX ? (unsigned)n : UINT_MAX;
        strncat(rd->where, ".files", sizeof(rd->where) - strlen(rd->where) - 1);
        if ((ret = rd_dup(rd, files, "console", false, NULL, &at->console_file)) == 0 &&
            (ret = rd_dup(rd, files, "serial", false, NULL, &at->serial_file)) == 0)
                ret = rd_dup(rd, files, "qemu_log", false, NULL, &at->qemu_log_file);
        *strrchr(rd->where, '.') = '\0';
        if (ret < 0 || (ret = read_host_marks(rd, a, at)) < 0 ||
            (ret = read_marks(rd, a, at)) < 0 ||
            (ret = rd_u64(rd, a, "console_bytes", false, &at->console_bytes)) < 0 ||
            (ret = rd_u64(rd, a, "serial_bytes", false, &at->serial_bytes)) < 0 ||
            (ret = rd_bool(rd, a, "console_truncated", &at->console_truncated)) < 0 ||
            (ret = read_dump(rd, a, at)) < 0 || (ret = read_exit(rd, a, at)) < 0 ||
            (ret = rd_bool(rd, a, "timed_out", &at->timed_out)) < 0 ||
            (ret = rd_bool(rd, a, "kvm_internal_error", &at->kvm_internal_error)) < 0 ||
            (ret = rd_u64(rd, a, "wall_ns", false, &at->wall_ns)) < 0 ||
            (ret = read_cpu(rd, a, at)) < 0 || (ret = read_sched(rd, a, at)) < 0)
                return ret;
        return read_host_load(rd, a, at);
}

/* A run's slot or CPU: absent is -1, else a number from 0. */
static int rd_slot(struct rd *rd, json_t *o, const char *key, int *out)
{
        json_t *v = json_object_get(o, key);
        int ret = rd_int(rd, o, key, out);

        if (ret < 0)
                return ret;
        if (!v)
                *out = -1;
        else if (*out < 0)
                return rd_bad(rd, key, v, "a number from 0");
        return 0;
}

/* Check kind and version, then fill r from j. */
static int read_run(struct rd *rd, json_t *j, struct session_run *r)
{
        const char *kind = json_string_value(json_object_get(j, "kind"));
        json_t *attempts;
        uint64_t run;
        int ret;

        if (!json_is_object(j) ||
            json_integer_value(json_object_get(j, "schema_version")) != SESSION_SCHEMA_VERSION ||
            (kind && strcmp(kind, SESSION_RUN_KIND) != 0)) {
                set_err(rd->err, rd->errsize, "'%s' is not a bootlens run (schema_version %d)",
                        rd->path, SESSION_SCHEMA_VERSION);
                return -EINVAL;
        }
        if ((ret = rd_u64(rd, j, "run", true, &run)) < 0 ||
            (ret = rd_dup(rd, j, "variant", true, NULL, &r->variant)) < 0 ||
            (ret = rd_bool(rd, j, "warmup", &r->warmup)) < 0 ||
            (ret = rd_verdict(rd, j, &r->verdict)) < 0 ||
            (ret = rd_dup(rd, j, "reason", false, "", &r->reason)) < 0 ||
            (ret = rd_dup(rd, j, "started", false, NULL, &r->started)) < 0 ||
            (ret = rd_u64(rd, j, "boot_ns", false, &r->boot_ns)) < 0 ||
            (ret = rd_slot(rd, j, "slot", &r->slot)) < 0 ||
            (ret = rd_slot(rd, j, "cpu", &r->cpu)) < 0 ||
            (ret = rd_get(rd, j, "attempts", true, JSON_ARRAY, "an array", &attempts)) < 0)
                return ret;
        if (run == 0 || run > UINT32_MAX)
                return rd_bad(rd, "run", json_object_get(j, "run"), "a run number");
        r->run = (unsigned)run;
        if (!json_array_size(attempts)) {
                set_err(rd->err, rd->errsize, "'%s': attempts is empty", rd->path);
                return -EINVAL;
        }
        r->attempts = calloc(json_array_size(attempts), sizeof(*r->attempts));
        if (!r->attempts)
                return -ENOMEM;
        for (size_t i = 0; i < json_array_size(attempts); i++) {
                r->nattempts++;
                snprintf(rd->where, sizeof(rd->where), "attempts[%zu]", i);
                ret = read_attempt(rd, json_array_get(attempts, i), &r->attempts[i]);
                if (ret < 0)
                        return ret;
                if (r->attempts[i].attempt == 0) /* not recorded: its place */
                        r->attempts[i].attempt = (unsigned)(i + 1);
                if (r->attempts[i].attempt != i + 1)
                        return rd_bad(rd, "attempt",
                                      json_object_get(json_array_get(attempts, i), "attempt"),
                                      "its place in attempts (1, 2 ...)");
        }
        return 0;
}

/* r, read from run's file, is the run the plan has there. */
static int check_run_planned(const struct session *s, struct rd *rd, unsigned run,
                             const struct session_run *r)
{
        const struct session_plan_entry *p = &s->info.plan[run - 1];
        const char *name = s->info.variants[p->variant].name;

        rd->where[0] = '\0';
        if (r->run != run) {
                set_err(rd->err, rd->errsize, "'%s': run is %u, its file name says %u", rd->path,
                        r->run, run);
                return -EINVAL;
        }
        if (strcmp(r->variant, name) != 0) {
                set_err(rd->err, rd->errsize, "'%s': run %u is of variant '%s', the plan says '%s'",
                        rd->path, run, r->variant, name);
                return -EINVAL;
        }
        return 0;
}

int session_run_read(const struct session *s, unsigned run, struct session_run *out, char *err,
                     size_t errsize)
{
        struct rd rd = {.err = err, .errsize = errsize};
        json_error_t je;
        char *path;
        json_t *j;
        int ret;

        memset(out, 0, sizeof(*out));
        if (session_run_path(s->dir, run, ".json", &path) < 0)
                return -ENOMEM;
        rd.path = path;
        if (access(path, F_OK) < 0) {
                ret = -errno;
                set_err(err, errsize, "cannot open '%s': %s", path, strerror(errno));
                free(path);
                return ret;
        }
        if (run == 0 || run > s->info.nplan) {
                set_err(err, errsize, "'%s': run %u is not in the plan (runs 1 to %zu)", path, run,
                        s->info.nplan);
                free(path);
                return -EINVAL;
        }
        j = json_load_file(path, 0, &je);
        if (!j) {
                set_err(err, errsize, "%s:%d: %s", path, je.line, je.text);
                free(path);
                return load_error(&je);
        }
        ret = read_run(&rd, j, out);
        if (ret == 0)
                ret = check_run_planned(s, &rd, run, out);
        json_decref(j);
        free(path);
        if (ret < 0)
                session_run_free(out);
        return ret;
}

static void attempt_free(struct session_attempt *a)
{
        free(a->reason);
        free(a->accel);
        free(a->console_file);
        free(a->serial_file);
        free(a->qemu_log_file);
        for (size_t i = 0; i < a->nmarks; i++)
                free(a->marks[i].name);
        free(a->marks);
        free(a->dump_status);
        free(a->exit_error);
}

void session_run_free(struct session_run *r)
{
        if (!r)
                return;
        free(r->variant);
        free(r->reason);
        free(r->started);
        for (size_t i = 0; r->attempts && i < r->nattempts; i++)
                attempt_free(&r->attempts[i]);
        free(r->attempts);
        memset(r, 0, sizeof(*r));
}

const struct session_attempt *session_run_final(const struct session_run *r)
{
        return r && r->nattempts ? &r->attempts[r->nattempts - 1] : NULL;
}

enum session_contention session_attempt_contention(const struct session_attempt *a)
{
        uint64_t delay;

        if (!a || !a->sched.available || !a->wall_ns)
                return SESSION_CONTENTION_UNKNOWN;
        delay = a->sched.run_delay_ns;
        if (delay > SESSION_STARVED_MIN_NS &&
            (double)delay * 100 > (double)a->wall_ns * SESSION_STARVED_FRACTION_PCT)
                return SESSION_CONTENTION_STARVED;
        return SESSION_CONTENTION_NONE;
}

bool session_attempt_starved(const struct session_attempt *a)
{
        return session_attempt_contention(a) == SESSION_CONTENTION_STARVED;
}

int session_split_ref(const char *ref, char **dir, char **variant)
{
        const char *colon = strrchr(ref, ':');

        *variant = NULL;
        if (colon && colon[1]) {
                char *left = strndup(ref, (size_t)(colon - ref)), *path;
                bool is_session;

                if (!left || asprintf(&path, "%s/session.json", left) < 0) {
                        free(left);
                        return -ENOMEM;
                }
                is_session = access(path, F_OK) == 0;
                free(path);
                if (is_session) {
                        *variant = strdup(colon + 1);
                        if (!*variant) {
                                free(left);
                                return -ENOMEM;
                        }
                        *dir = left;
                        return 0;
                }
                free(left);
        }
        *dir = strdup(ref);
        return *dir ? 0 : -ENOMEM;
}

/* ---- writing JSON: every call checked ---- */

/*
 * A failed step (a NULL value from an allocation, a failed set or append)
 * clears *ok and releases the value, so that a whole document can be
 * built and checked once at the end: jansson's set_new and append_new
 * take their value even when they fail, and accept a NULL object.
 */
static void put(bool *ok, json_t *o, const char *key, json_t *v)
{
        if (json_object_set_new(o, key, v) < 0)
                *ok = false;
}

static void push(bool *ok, json_t *a, json_t *v)
{
        if (json_array_append_new(a, v) < 0)
                *ok = false;
}

static json_t *jstr(const char *s)
{
        return s ? json_string(s) : json_null();
}

static json_t *jint(uint64_t v)
{
        return json_integer((json_int_t)v);
}

/* An integer, or null for 0. */
static json_t *jint_or_null(uint64_t v)
{
        return v ? jint(v) : json_null();
}

/* Set key only when ns happened. */
static void put_ns(bool *ok, json_t *o, const char *key, uint64_t ns)
{
        if (ns)
                put(ok, o, key, jint(ns));
}

static json_t *jstrv(bool *ok, char *const *v, size_t n)
{
        json_t *a = json_array();

        for (size_t i = 0; i < n; i++)
                push(ok, a, json_string(v[i]));
        return a;
}

struct dump_sink {
        struct sbuf sb;
        bool failed; /* latched: jansson 2.14 ignores a failed write of an object key */
};

static int dump_to_sink(const char *buf, size_t size, void *data)
{
        struct dump_sink *d = data;

        if (d->failed || sbuf_add(&d->sb, buf, size) < 0)
                d->failed = true;
        return d->failed ? -1 : 0;
}

/* Write j and a newline to path whole, then release j. The text is
 * written only when every byte of it was dumped: a run file is whole or
 * absent. */
static int write_json(const char *path, json_t *j)
{
        struct dump_sink d = {.sb = SBUF_INIT};
        int ret = -ENOMEM;

        if (json_dump_callback(j, dump_to_sink, &d,
                               JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) ==
                0 &&
            !d.failed && sbuf_addch(&d.sb, '\n') == 0)
                ret = util_write_file_atomic(path, d.sb.buf, d.sb.len);
        json_decref(j);
        sbuf_release(&d.sb);
        return ret;
}

/* ---- writing session.json ---- */

static json_t *host_json(bool *ok, const struct session_host *h)
{
        json_t *o = json_object();

        put(ok, o, "hostname", jstr(h->hostname));
        put(ok, o, "cpu_model", jstr(h->cpu_model));
        put(ok, o, "cpus", json_integer(h->cpus));
        if (h->os)
                put(ok, o, "os", json_string(h->os));
        if (h->kernel)
                put(ok, o, "kernel", json_string(h->kernel));
        if (h->arch)
                put(ok, o, "arch", json_string(h->arch));
        put(ok, o, "qemu_binary", jstr(h->qemu_binary));
        put(ok, o, "qemu_version", jstr(h->qemu_version));
        put(ok, o, "accel", jstr(h->accel));
        put(ok, o, "accel_requested", jstr(h->accel_requested));
        put(ok, o, "accel_note", jstr(h->accel_note));
        put(ok, o, "tsc_khz", jint_or_null(h->tsc_khz));
        return o;
}

static json_t *settings_json(bool *ok, const struct session_settings *st)
{
        json_t *o = json_object();

        put(ok, o, "runs", jint(st->runs));
        put(ok, o, "warmup", jint(st->warmup));
        put(ok, o, "timeout_s", jint(st->timeout_s));
        put(ok, o, "retries", jint(st->retries));
        put(ok, o, "interleave", json_boolean(st->interleave));
        put(ok, o, "append", jstr(st->append));
        put(ok, o, "bare_append", json_boolean(st->bare_append));
        put(ok, o, "qemu_args", jstrv(ok, st->qemu_args, st->nqemu_args));
        return o;
}

/* {path, size, sha256}, or null without a path. */
static json_t *file_json(bool *ok, const struct session_file *f)
{
        json_t *o;

        if (!f->path)
                return json_null();
        o = json_object();
        put(ok, o, "path", json_string(f->path));
        put(ok, o, "size", jint(f->size));
        put(ok, o, "sha256", jstr(f->sha256));
        return o;
}

/* A reason as a JSON string: as it is when it is UTF-8, else as printable
 * ASCII (a reason quotes the file's bytes, a path: it must never cost the
 * session). */
static json_t *jreason(const char *why)
{
        char buf[1024];
        json_t *v = json_string(why);

        return v ? v : json_string(util_printable(buf, sizeof(buf), why, sizeof(buf)));
}

static json_t *image_json(bool *ok, const struct session_kimage *im)
{
        json_t *o = json_object();

        put(ok, o, "format", jstr(im->format));
        put(ok, o, "entry", jstr(im->entry));
        put(ok, o, "file_size", jint(im->file_size));
        put(ok, o, "loaded_size", jint(im->loaded_size));
        put(ok, o, "build_id", jstr(im->build_id));
        put(ok, o, "pvh", json_boolean(im->pvh));
        put(ok, o, "comp", jstr(im->comp));
        put(ok, o, "comp_size", jint(im->comp_size));
        return o;
}

static json_t *variant_json(bool *ok, const struct session_variant_info *v)
{
        json_t *o = json_object();

        put(ok, o, "name", jstr(v->name));
        put(ok, o, "kernel", file_json(ok, &v->kernel));
        put(ok, o, "initrd", file_json(ok, &v->initrd));
        put(ok, o, "cmdline", jstr(v->cmdline));
        put(ok, o, "qemu_args", jstrv(ok, v->qemu_args, v->nqemu_args));
        if (v->argv)
                put(ok, o, "argv", jstrv(ok, v->argv, v->nargv));
        if (v->host_timed) /* absent when false: older sessions stay as they were */
                put(ok, o, "host_timed", json_true());
        if (v->image.known) {
                put(ok, o, "image", image_json(ok, &v->image));
        } else if (v->image.why) { /* neither: a writer that knows nothing of images */
                put(ok, o, "image", json_null());
                put(ok, o, "image_error", jreason(v->image.why));
        }
        return o;
}

static json_t *info_json(bool *ok, const struct session_info *in)
{
        json_t *j = json_object(), *tool = json_object(), *labels = json_object();
        json_t *variants = json_array(), *plan = json_array();

        put(ok, j, "schema_version", json_integer(SESSION_SCHEMA_VERSION));
        put(ok, j, "kind", json_string(SESSION_KIND));
        put(ok, j, "session_id", jstr(in->id));
        put(ok, j, "created", jstr(in->created));
        put(ok, tool, "name", jstr(in->tool_name));
        put(ok, tool, "version", jstr(in->tool_version));
        put(ok, j, "tool", tool);
        put(ok, j, "host", host_json(ok, &in->host));
        put(ok, j, "settings", settings_json(ok, &in->settings));
        for (size_t i = 0; i < in->nlabels; i++)
                put(ok, labels, in->labels[i].key, jstr(in->labels[i].value));
        put(ok, j, "labels", labels);
        for (size_t i = 0; i < in->nvariants; i++)
                push(ok, variants, variant_json(ok, &in->variants[i]));
        put(ok, j, "variants", variants);
        for (size_t i = 0; i < in->nplan; i++) {
                const struct session_plan_entry *p = &in->plan[i];
                json_t *e = json_object();

                put(ok, e, "run", jint(p->run));
                put(ok, e, "variant", json_string(in->variants[p->variant].name));
                put(ok, e, "warmup", json_boolean(p->warmup));
                push(ok, plan, e);
        }
        put(ok, j, "plan", plan);
        return j;
}

int session_create(const char *dir, const struct session_info *info)
{
        char *path, *runs;
        bool ok = true;
        json_t *j;
        int ret;

        const uint64_t set[SESSION_NSETTINGS] = {info->settings.runs, info->settings.warmup,
                                                 info->settings.timeout_s, info->settings.retries};

        for (size_t i = 0; i < info->nplan; i++)
                if (info->plan[i].variant >= info->nvariants)
                        return -EINVAL;
        for (int i = 0; i < SESSION_NSETTINGS; i++) /* 0: not recorded, as on reading */
                if (set[i] && session_setting_check((enum session_setting)i, set[i]) < 0)
                        return -EINVAL;
        if (asprintf(&path, "%s/session.json", dir) < 0)
                return -ENOMEM;
        if (asprintf(&runs, "%s/runs", dir) < 0) {
                free(path);
                return -ENOMEM;
        }
        if (access(path, F_OK) == 0) {
                ret = -EEXIST;
                goto out;
        }
        j = info_json(&ok, info);
        if (!ok) {
                json_decref(j);
                ret = -ENOMEM;
                goto out;
        }
        ret = util_mkdir_p(runs, 0755);
        if (ret == 0)
                ret = write_json(path, j);
        else
                json_decref(j);
out:
        free(path);
        free(runs);
        return ret;
}

int session_lock(const char *dir, int *fd)
{
        char *path;
        int f;

        if (asprintf(&path, "%s/.lock", dir) < 0)
                return -ENOMEM;
        f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        free(path);
        if (f < 0)
                return -errno;
        if (flock(f, LOCK_EX | LOCK_NB) < 0) {
                int e = errno == EWOULDBLOCK ? -EBUSY : -errno;

                close(f);
                return e;
        }
        *fd = f;
        return 0;
}

int session_clean_temp(const char *dir)
{
        struct dirent *de;
        char *path;
        int n = 0;
        DIR *d;

        if (asprintf(&path, "%s/runs", dir) < 0)
                return -ENOMEM;
        d = opendir(path);
        if (!d) {
                int e = errno == ENOENT ? 0 : -errno;

                free(path);
                return e;
        }
        while ((de = readdir(d))) {
                if (strstr(de->d_name, ".tmp.") && unlinkat(dirfd(d), de->d_name, 0) == 0)
                        n++;
        }
        closedir(d);
        free(path);
        return n;
}

int session_write_capture(const char *dir, unsigned run, const char *suffix, const void *data,
                          size_t len)
{
        char *path;
        int ret;

        ret = session_run_path(dir, run, suffix, &path);
        if (ret < 0)
                return ret;
        ret = util_write_file_atomic(path, data ? data : "", len);
        free(path);
        return ret;
}

/* ---- writing runs/NNNN.json ---- */

static json_t *marks_json(bool *ok, const struct session_attempt *a)
{
        json_t *ml = json_array();

        for (size_t i = 0; i < a->nmarks; i++) {
                const struct session_mark *m = &a->marks[i];
                json_t *o = json_object();

                put(ok, o, "name", jstr(m->name));
                put(ok, o, "host_ns", jint(m->host_ns));
                put(ok, o, "uptime_ns", jint(m->uptime_ns));
                put(ok, o, "offset", jint(m->offset));
                push(ok, ml, o);
        }
        return ml;
}

static json_t *dump_json(bool *ok, const struct session_attempt *a)
{
        json_t *o;
        char crc[16];

        if (!a->has_dump)
                return json_null();
        o = json_object();
        snprintf(crc, sizeof(crc), "%08x", a->dump_crc32);
        put(ok, o, "status", jstr(a->dump_status));
        put(ok, o, "bytes", jint(a->dump_bytes));
        put(ok, o, "crc32", json_string(crc));
        return o;
}

static json_t *exit_json(bool *ok, const struct session_attempt *a)
{
        json_t *o = json_object();

        switch (a->exit_how) {
        case SESSION_EXIT_NOT_STARTED:
                put(ok, o, "how", json_string("not-started"));
                put(ok, o, "error", jstr(a->exit_error));
                break;
        case SESSION_EXIT_EXITED:
                put(ok, o, "how", json_string("exited"));
                put(ok, o, "code", json_integer(a->exit_code));
                break;
        case SESSION_EXIT_SIGNALED:
                put(ok, o, "how", json_string("signaled"));
                put(ok, o, "signal", json_integer(a->exit_signal));
                break;
        }
        put(ok, o, "signal_sent", json_integer(a->signal_sent));
        return o;
}

/* The run delay account, or null when there is none. */
static json_t *sched_json(bool *ok, const struct session_sched *sc)
{
        json_t *o;

        if (!sc->available)
                return json_null();
        o = json_object();
        put(ok, o, "run_delay_ns", jint(sc->run_delay_ns));
        put(ok, o, "on_cpu_ns", jint(sc->on_cpu_ns));
        put(ok, o, "threads", jint(sc->threads));
        put(ok, o, "samples", jint(sc->samples));
        return o;
}

static json_t *attempt_json(bool *ok, const struct session_attempt *a)
{
        json_t *j = json_object(), *files = json_object(), *host = json_object();
        json_t *offs = json_object(), *cpu = json_object();

        put(ok, j, "attempt", jint(a->attempt));
        put(ok, j, "verdict", json_string(session_verdict_name(a->verdict)));
        put(ok, j, "reason", jstr(a->reason));
        put(ok, j, "accel", jstr(a->accel));
        put(ok, files, "console", jstr(a->console_file));
        put(ok, files, "serial", jstr(a->serial_file));
        put(ok, files, "qemu_log", jstr(a->qemu_log_file));
        put(ok, j, "files", files);
        put_ns(ok, host, "spawn", a->host.spawn);
        put_ns(ok, host, "first_console_byte", a->host.first_console_byte);
        put_ns(ok, host, "first_serial_byte", a->host.first_serial_byte);
        put_ns(ok, host, "dump_begin", a->host.dump_begin);
        put_ns(ok, host, "dump_end", a->host.dump_end);
        put_ns(ok, host, "exit", a->host.exit);
        put(ok, j, "host_ns", host);
        if (a->host.dump_begin)
                put(ok, offs, "dump_begin", jint(a->off_dump_begin));
        if (a->host.dump_end)
                put(ok, offs, "dump_end", jint(a->off_dump_end));
        put(ok, j, "console_offsets", offs);
        put(ok, j, "marks", marks_json(ok, a));
        put(ok, j, "console_bytes", jint(a->console_bytes));
        put(ok, j, "serial_bytes", jint(a->serial_bytes));
        put(ok, j, "console_truncated", json_boolean(a->console_truncated));
        put(ok, j, "dump", dump_json(ok, a));
        put(ok, j, "exit", exit_json(ok, a));
        put(ok, j, "timed_out", json_boolean(a->timed_out));
        put(ok, j, "kvm_internal_error", json_boolean(a->kvm_internal_error));
        put_ns(ok, j, "wall_ns", a->wall_ns);
        put(ok, cpu, "qemu_user", jint(a->cpu_qemu_user_ns));
        put(ok, cpu, "qemu_system", jint(a->cpu_qemu_system_ns));
        put(ok, cpu, "collector_user", jint(a->cpu_collector_user_ns));
        put(ok, cpu, "collector_system", jint(a->cpu_collector_system_ns));
        put(ok, j, "cpu_ns", cpu);
        if (a->sched.looked)
                put(ok, j, "sched", sched_json(ok, &a->sched));
        if (a->loadavg_1m_centi >= 0)
                put(ok, j, "loadavg_1m", json_real(a->loadavg_1m_centi / 100.0));
        if (a->cpus_online)
                put(ok, j, "cpus_online", jint(a->cpus_online));
        return j;
}

static json_t *run_json(bool *ok, const struct session_run *r)
{
        json_t *j = json_object(), *attempts = json_array();

        put(ok, j, "schema_version", json_integer(SESSION_SCHEMA_VERSION));
        put(ok, j, "kind", json_string(SESSION_RUN_KIND));
        put(ok, j, "run", jint(r->run));
        put(ok, j, "variant", jstr(r->variant));
        put(ok, j, "warmup", json_boolean(r->warmup));
        put(ok, j, "verdict", json_string(session_verdict_name(r->verdict)));
        put(ok, j, "reason", jstr(r->reason));
        put(ok, j, "started", jstr(r->started));
        put(ok, j, "boot_ns", jint_or_null(r->boot_ns));
        if (r->slot >= 0) /* collect -j N; absent at -j 1, as before */
                put(ok, j, "slot", json_integer(r->slot));
        if (r->cpu >= 0)
                put(ok, j, "cpu", json_integer(r->cpu));
        for (size_t i = 0; i < r->nattempts; i++)
                push(ok, attempts, attempt_json(ok, &r->attempts[i]));
        put(ok, j, "attempts", attempts);
        return j;
}

int session_run_write(const char *dir, const struct session_run *r)
{
        bool ok = true;
        char *path;
        json_t *j;
        int ret;

        if (r->nattempts == 0 || !r->variant)
                return -EINVAL; /* a run has a variant and at least one attempt */
        j = run_json(&ok, r);
        if (!ok) {
                json_decref(j);
                return -ENOMEM;
        }
        ret = session_run_path(dir, r->run, ".json", &path);
        if (ret < 0) {
                json_decref(j);
                return ret;
        }
        ret = write_json(path, j);
        free(path);
        return ret;
}

/* ---- helpers ---- */

int session_file_sha256(const char *path, char hex[65], uint64_t *size)
{
        unsigned char md[EVP_MAX_MD_SIZE], buf[65536];
        unsigned mdlen = 0;
        uint64_t total = 0;
        EVP_MD_CTX *ctx;
        int fd, ret = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ctx = EVP_MD_CTX_new();
        if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
                ret = -ENOMEM;
                goto out;
        }
        for (;;) {
                ssize_t n = util_read_full(fd, buf, sizeof(buf));

                if (n < 0) {
                        ret = (int)n;
                        goto out;
                }
                if (n == 0)
                        break;
                EVP_DigestUpdate(ctx, buf, (size_t)n);
                total += (uint64_t)n;
        }
        EVP_DigestFinal_ex(ctx, md, &mdlen);
        for (unsigned i = 0; i < mdlen && i < 32; i++)
                snprintf(hex + 2 * i, 3, "%02x", md[i]);
        hex[64] = '\0';
        *size = total;
out:
        EVP_MD_CTX_free(ctx);
        close(fd);
        return ret;
}

void session_new_id(char id[32])
{
        uint32_t rnd = 0;
        time_t t = time(NULL);
        struct tm tm;
        char stamp[20];

        if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
                rnd = (uint32_t)(util_now_ns() ^ ((uint64_t)getpid() << 16));
        gmtime_r(&t, &tm);
        if (strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
                stamp[0] = '\0';
        snprintf(id, 32, "%.16s-%08x", stamp, rnd);
}
