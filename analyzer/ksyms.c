/* ksyms: addresses to symbols (ksyms.h). */
#include "analyzer/ksyms.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

struct ksym {
        uint64_t addr;
        uint64_t size;      /* valid when size_known */
        const char *name;   /* into ksyms.strings or the kimage copy */
        const char *module; /* NULL: the kernel's */
        char type;
        bool func, global, size_known;
        size_t seq; /* kallsyms: its line (from 1); 0 from an ELF */
};

struct ksyms {
        const char *source;
        struct ksym *v; /* sorted: see ksym_cmp() */
        size_t n;
        char *strings; /* owned: the kallsyms text cut into names, or the ELF's names */
};

/* By address; among equal addresses of a kallsyms text, the text's
 * order, which is the kernel's (its lookup takes the first of them: the
 * real name before a module's init_module alias); of an ELF, a FUNC
 * first, then a global, then the name (ksyms.h), then the module (NULL
 * first). */
static int ksym_cmp(const void *pa, const void *pb)
{
        const struct ksym *a = pa, *b = pb;
        int c;

        if (a->addr != b->addr)
                return a->addr < b->addr ? -1 : 1;
        if (a->seq != b->seq)
                return a->seq < b->seq ? -1 : 1;
        if (a->func != b->func)
                return a->func ? -1 : 1;
        if (a->global != b->global)
                return a->global ? -1 : 1;
        c = strcmp(a->name, b->name);
        if (c)
                return c;
        if (!a->module || !b->module)
                return !!a->module - !!b->module;
        return strcmp(a->module, b->module);
}

static bool same_module(const struct ksym *a, const struct ksym *b)
{
        if (!a->module || !b->module)
                return a->module == b->module;
        return strcmp(a->module, b->module) == 0;
}

/* Sort and give every symbol without a size one that ends at the next
 * higher address (none for the last). */
static void ksyms_finish(struct ksyms *s)
{
        size_t next = s->n;

        qsort(s->v, s->n, sizeof(*s->v), ksym_cmp);
        for (size_t i = s->n; i-- > 0;) {
                struct ksym *k = &s->v[i];

                if (i + 1 < s->n && s->v[i + 1].addr != k->addr)
                        next = i + 1;
                if (k->size_known)
                        continue;
                /* A module's symbols end within the module: its last one,
                 * like the kernel's, has no known end. */
                if (next < s->n && same_module(k, &s->v[next])) {
                        k->size = s->v[next].addr - k->addr;
                        k->size_known = true;
                }
        }
}

/* ---- kallsyms ---- */

static bool is_name_byte(unsigned char c)
{
        return c > 0x20 && c != 0x7f;
}

/* One line line[0..len) (no newline) into k, cutting it in place (the
 * name and module are NUL-terminated where the tab and ']' were). Returns
 * 0 or -EBADMSG with the reason in why. */
static int parse_line(char *line, size_t len, struct ksym *k, char *why, size_t whylen)
{
        const char *p = line, *end = line + len;
        char *name, *mod;
        size_t digits;
        int ret;

        memset(k, 0, sizeof(*k));
        ret = util_scan_u64(&p, end, 16, UTIL_SCAN_ANYCASE, &k->addr);
        digits = (size_t)(p - line);
        if (ret < 0 || (digits != 8 && digits != 16)) {
                util_whyf(why, whylen, "expected an address of 8 or 16 hex digits at the start");
                return -EBADMSG;
        }
        if (end - p < 3 || p[0] != ' ' || p[2] != ' ' ||
            !((p[1] >= 'a' && p[1] <= 'z') || (p[1] >= 'A' && p[1] <= 'Z'))) {
                util_whyf(why, whylen, "expected ' TYPE ' (one letter) after the address");
                return -EBADMSG;
        }
        k->type = p[1];
        k->func = k->type == 't' || k->type == 'T';
        k->global = k->type >= 'A' && k->type <= 'Z';
        name = line + (p + 3 - line);
        p = name;
        while (p < end && is_name_byte((unsigned char)*p))
                p++;
        if (p == name) {
                util_whyf(why, whylen, "expected a symbol name after the type");
                return -EBADMSG;
        }
        k->name = name;
        if (p == end) {
                line[len] = '\0';
                return 0;
        }
        if (*p != '\t' || end - p < 4 || p[1] != '[' || end[-1] != ']') {
                util_whyf(why, whylen,
                          "expected '\\t[MODULE]' or the end of the line after the name");
                return -EBADMSG;
        }
        name[p - name] = '\0';
        mod = line + (p + 2 - line);
        for (const char *q = mod; q < end - 1; q++) {
                if (!is_name_byte((unsigned char)*q) || *q == '[' || *q == ']') {
                        util_whyf(why, whylen, "bad byte in the module name");
                        return -EBADMSG;
                }
        }
        line[len - 1] = '\0';
        k->module = mod;
        return 0;
}

int ksyms_parse_kallsyms(const char *text, size_t len, const char *path, struct ksyms **out,
                         char *why, size_t whylen)
{
        struct ksyms *s;
        size_t cap = 0, lineno = 0, off = 0;
        bool any_addr = false;
        char reason[128];
        int ret;

        *out = NULL;
        if (!path)
                path = "kallsyms";
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->source = "kallsyms";
        s->strings = malloc(len + 1);
        if (!s->strings) {
                ret = -ENOMEM;
                goto out_free;
        }
        memcpy(s->strings, text, len);
        s->strings[len] = '\0';
        while (off < len) {
                char *line = s->strings + off, *nl = memchr(line, '\n', len - off);
                size_t llen = nl ? (size_t)(nl - line) : len - off;

                lineno++;
                off += llen + (nl ? 1 : 0);
                /* A CRLF file's "\r", and empty lines, are no symbols
                 * (the line numbers still count them). */
                if (llen && line[llen - 1] == '\r')
                        llen--;
                if (!llen)
                        continue;
                if (s->n == cap) {
                        size_t ncap = cap ? cap * 2 : 1024;
                        struct ksym *nv = realloc(s->v, ncap * sizeof(*nv));

                        if (!nv) {
                                ret = -ENOMEM;
                                goto out_free;
                        }
                        s->v = nv;
                        cap = ncap;
                }
                ret = parse_line(line, llen, &s->v[s->n], reason, sizeof(reason));
                if (ret < 0) {
                        util_whyf(why, whylen, "%s:%zu: %s", path, lineno, reason);
                        goto out_free;
                }
                s->v[s->n].seq = lineno;
                /* Absolute symbols (per-CPU offsets, build constants) are
                 * no addresses in the image. */
                if (s->v[s->n].type == 'a' || s->v[s->n].type == 'A')
                        continue;
                any_addr |= s->v[s->n].addr != 0;
                s->n++;
        }
        if (!len) {
                util_whyf(why, whylen, "%s: the file is empty", path);
                ret = -ENOENT;
                goto out_free;
        }
        if (!s->n) {
                util_whyf(why, whylen, "%s: no symbol in the kallsyms text", path);
                ret = -ENOENT;
                goto out_free;
        }
        if (!any_addr) {
                util_whyf(why, whylen,
                          "%s: every address is zero: the kernel hid them (read /proc/kallsyms as "
                          "root with /proc/sys/kernel/kptr_restrict set to 0)",
                          path);
                ret = -EPERM;
                goto out_free;
        }
        ksyms_finish(s);
        *out = s;
        return 0;
out_free:
        ksyms_free(s);
        return ret;
}

/* ---- ELF ---- */

int ksyms_from_kimage(const struct kimage *k, struct ksyms **out, char *why, size_t whylen)
{
        struct ksyms *s;
        size_t names = 0;
        char *p;

        *out = NULL;
        if (!k->nsymbols) {
                util_whyf(why, whylen, "no symbol table");
                return -ENOENT;
        }
        for (size_t i = 0; i < k->nsymbols; i++)
                names += strlen(k->symbols[i].name) + 1;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->source = "elf";
        s->v = calloc(k->nsymbols, sizeof(*s->v));
        s->strings = malloc(names);
        if (!s->v || !s->strings) {
                ksyms_free(s);
                return -ENOMEM;
        }
        p = s->strings;
        for (size_t i = 0; i < k->nsymbols; i++) {
                const struct kimage_symbol *ks = &k->symbols[i];
                struct ksym *d = &s->v[s->n++];
                size_t n = strlen(ks->name) + 1;

                memcpy(p, ks->name, n);
                d->name = p;
                p += n;
                d->addr = ks->addr;
                d->size = ks->size;
                d->size_known = ks->size != 0;
                d->func = ks->kind == KIMAGE_SYM_FUNC;
                d->global = ks->global;
                d->type = d->func ? (d->global ? 'T' : 't') : (d->global ? 'D' : 'd');
        }
        ksyms_finish(s);
        *out = s;
        return 0;
}

int ksyms_load(const char *path, struct ksyms **out, char *why, size_t whylen)
{
        struct kimage *k = NULL;
        char *data = NULL;
        size_t len = 0;
        int ret;

        *out = NULL;
        ret = util_read_file(path, &data, &len);
        if (ret < 0) {
                util_whyf(why, whylen, "cannot read '%s': %s", path, strerror(-ret));
                return ret;
        }
        if (!kimage_sniff(data, len)) {
                ret = ksyms_parse_kallsyms(data, len, path, out, why, whylen);
                goto out_free;
        }
        ret = kimage_parse(data, len, &k, why, whylen);
        if (ret == 0) {
                ret = ksyms_from_kimage(k, out, why, whylen);
                kimage_free(k);
        }
out_free:
        free(data);
        return ret;
}

void ksyms_free(struct ksyms *s)
{
        if (!s)
                return;
        free(s->v);
        free(s->strings);
        free(s);
}

size_t ksyms_count(const struct ksyms *s)
{
        return s->n;
}

const char *ksyms_source(const struct ksyms *s)
{
        return s->source;
}

/* ---- lookup ---- */

void ksyms_range(const struct ksyms *s, uint64_t *lo, uint64_t *hi)
{
        uint64_t end = 0;

        *lo = s->n ? s->v[0].addr : 0;
        for (size_t i = 0; i < s->n; i++) {
                const struct ksym *k = &s->v[i];
                uint64_t e = k->size_known ? k->addr + k->size : k->addr;

                if (e < k->addr) /* wrapped past 2^64 */
                        e = UINT64_MAX;
                else if (k->size_known && k->size)
                        e--;
                if (e > end)
                        end = e;
        }
        *hi = end;
}

int ksyms_resolve(const struct ksyms *s, uint64_t addr, struct ksyms_hit *hit)
{
        size_t lo = 0, hi = s->n;
        const struct ksym *k;

        memset(hit, 0, sizeof(*hit));
        /* The first symbol above addr ... */
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (s->v[mid].addr <= addr)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo == 0)
                return -ENOENT;
        /* ... and the first of the highest address below it. */
        hi = lo - 1;
        lo = 0;
        {
                uint64_t a = s->v[hi].addr;

                while (lo < hi) {
                        size_t mid = lo + (hi - lo) / 2;

                        if (s->v[mid].addr < a)
                                lo = mid + 1;
                        else
                                hi = mid;
                }
        }
        k = &s->v[lo];
        hit->name = k->name;
        hit->module = k->module;
        hit->type = k->type;
        hit->sym_addr = k->addr;
        hit->offset = addr - k->addr;
        hit->size = k->size_known ? k->size : 0;
        hit->size_known = k->size_known;
        /* A symbol whose end is unknown holds its own address only. */
        if (k->size_known ? hit->offset >= k->size : hit->offset != 0)
                return -ENOENT;
        return 0;
}

int ksyms_format_hit(const struct ksyms_hit *hit, char *buf, size_t len)
{
        char size[24] = "";

        if (hit->size_known)
                snprintf(size, sizeof(size), "/0x%" PRIx64, hit->size);
        return snprintf(buf, len, "%s+0x%" PRIx64 "%s%s%s%s", hit->name ? hit->name : "?",
                        hit->offset, size, hit->module ? " [" : "", hit->module ? hit->module : "",
                        hit->module ? "]" : "");
}

int ksyms_parse_addr(const char *s, uint64_t *addr)
{
        size_t n = strlen(s), digits = n;
        int ret;

        if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
                digits -= 2;
        if (digits == 0 || digits > 16)
                return -EINVAL;
        ret = util_scan_u64_all(s, n, 16, UTIL_SCAN_ANYCASE | UTIL_SCAN_0X, addr);
        return ret < 0 ? -EINVAL : 0;
}
