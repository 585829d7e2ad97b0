/* phases: see phases.h. */
#include "analyzer/phases.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/stitch.h"
#include "base/sbuf.h"
#include "base/util.h"

/* Built-in maps. FreeBSD's is DESIGN.md's. NetBSD's follows its boot path:
 * main() (autoconfiguration, root file system) then start_init in process
 * 1 (exec of init). Linux's is stitch_linux_map (analyzer/stitch.h), whose
 * points the Linux parser and the clock stitching set. */
static const struct {
        enum ev_os os;
        const char *name;
        const char *text;
} default_maps[] = {
    {EV_OS_FREEBSD, "freebsd",
     "vmm: host.spawn -> guest.tsc0\n"
     "firmware: guest.tsc0 -> ENTER hammer_time\n"
     "early: ENTER hammer_time -> ENTER mi_startup\n"
     "sysinit: ENTER mi_startup -> ENTER start_init\n"
     "rootfs+init: ENTER start_init -> EXIT start_init\n"
     "userland: EXIT start_init -> dump.begin\n"},
    {EV_OS_NETBSD, "netbsd",
     "vmm: host.spawn -> guest.tsc0\n"
     "firmware+early: guest.tsc0 -> ENTER main\n"
     "main: ENTER main -> ENTER start_init\n"
     "init: ENTER start_init -> EXIT start_init\n"
     "userland: EXIT start_init -> dump.begin\n"},
    {EV_OS_LINUX, "linux", stitch_linux_map},
};

struct phases *phases_new(void)
{
        return calloc(1, sizeof(struct phases));
}

static void bound_free(struct phase_bound *b)
{
        free(b->name);
        free(b->arg);
        free(b->text);
}

static void defs_free(struct phase_def *defs, size_t n)
{
        for (size_t k = 0; k < n; k++) {
                free(defs[k].name);
                bound_free(&defs[k].from);
                bound_free(&defs[k].to);
        }
        free(defs);
}

void phases_free(struct phases *p)
{
        if (!p)
                return;
        defs_free(p->defs, p->ndefs);
        for (size_t k = 0; k < p->npoints; k++) {
                free(p->points[k].name);
                free(p->points[k].why);
        }
        free(p->points);
        free(p->results);
        free(p->source);
        free(p);
}

static bool is_blank(char c)
{
        return c == ' ' || c == '\t' || c == '\r';
}

/* Trim s[*b..*e) in place. */
static void trim(const char *s, size_t *b, size_t *e)
{
        while (*b < *e && is_blank(s[*b]))
                (*b)++;
        while (*e > *b && is_blank(s[*e - 1]))
                (*e)--;
}

static bool is_point_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
}

/* Parse one boundary s[b..e). Returns 0, -EINVAL (with *why), -ENOMEM. */
static int parse_bound(const char *s, size_t b, size_t e, struct phase_bound *out, const char **why)
{
        size_t w = b, ns, ne, as;
        struct sbuf text = SBUF_INIT;

        memset(out, 0, sizeof(*out));
        while (w < e && !is_blank(s[w]))
                w++;
        if ((w - b == 5 && memcmp(s + b, "ENTER", 5) == 0) ||
            (w - b == 4 && memcmp(s + b, "EXIT", 4) == 0)) {
                out->kind = s[b + 1] == 'N' ? PHASE_ENTER : PHASE_EXIT;
                ns = w;
                while (ns < e && is_blank(s[ns]))
                        ns++;
                ne = ns;
                while (ne < e && !is_blank(s[ne]))
                        ne++;
                if (ne == ns) {
                        *why = "ENTER or EXIT needs a function name";
                        return -EINVAL;
                }
                as = ne;
                while (as < e && is_blank(s[as]))
                        as++;
                out->name = strndup(s + ns, ne - ns);
                if (as < e)
                        out->arg = strndup(s + as, e - as);
                if (!out->name || (as < e && !out->arg))
                        goto out_nomem;
                if (sbuf_addf(&text, "%s %s%s%s", out->kind == PHASE_ENTER ? "ENTER" : "EXIT",
                              out->name, out->arg ? " " : "", out->arg ? out->arg : "") < 0)
                        goto out_nomem;
        } else {
                if (w != e || w == b) {
                        *why = "an event is ENTER NAME [ARG], EXIT NAME [ARG] or one word "
                               "naming a point (host.spawn, guest.tsc0, dump.begin)";
                        return -EINVAL;
                }
                for (size_t k = b; k < e; k++) {
                        if (!is_point_char(s[k])) {
                                *why = "a point name is letters, digits, '.', '_' and '-'";
                                return -EINVAL;
                        }
                }
                out->kind = PHASE_POINT;
                out->name = strndup(s + b, e - b);
                if (!out->name || sbuf_adds(&text, out->name) < 0)
                        goto out_nomem;
        }
        out->text = sbuf_detach(&text, NULL);
        if (!out->text)
                goto out_nomem;
        return 0;
out_nomem:
        sbuf_release(&text);
        bound_free(out);
        memset(out, 0, sizeof(*out));
        return -ENOMEM;
}

static int set_error(char **err, const char *source, uint32_t line, const char *why)
{
        int n;

        if (!err)
                return -EINVAL;
        if (line)
                n = asprintf(err, "%s:%u: %s", source, line, why);
        else
                n = asprintf(err, "%s: %s", source, why);
        if (n < 0)
                *err = NULL;
        return -EINVAL;
}

/* One map line's "NAME: EVENT -> EVENT" (text[b..e), comment and blanks
 * already cut) into *d, which owns what it holds on success. defs[0..ndefs)
 * are the phases before it (a name may appear once). Returns 0, -EINVAL
 * with *err set, or -ENOMEM. */
static int parse_map_line(const char *text, size_t b, size_t e, const struct phase_def *defs,
                          size_t ndefs, struct phase_def *d, const char *source, uint32_t line,
                          char **err)
{
        size_t colon, arrow, nb, ne, fb, fe, tb, te;
        const char *why = NULL;
        int rc;

        for (colon = b; colon < e && text[colon] != ':'; colon++)
                ;
        for (arrow = colon; arrow + 1 < e && !(text[arrow] == '-' && text[arrow + 1] == '>');
             arrow++)
                ;
        if (colon >= e || arrow + 1 >= e)
                return set_error(err, source, line, "expected 'NAME: EVENT -> EVENT'");
        nb = b, ne = colon, fb = colon + 1, fe = arrow, tb = arrow + 2, te = e;
        trim(text, &nb, &ne);
        trim(text, &fb, &fe);
        trim(text, &tb, &te);
        if (nb == ne)
                return set_error(err, source, line, "phase without a name");
        for (size_t k = 0; k < ndefs; k++)
                if (strlen(defs[k].name) == ne - nb &&
                    memcmp(defs[k].name, text + nb, ne - nb) == 0)
                        return set_error(err, source, line, "phase defined twice");
        d->name = strndup(text + nb, ne - nb);
        if (!d->name)
                return -ENOMEM;
        rc = parse_bound(text, fb, fe, &d->from, &why);
        if (rc == 0) {
                rc = parse_bound(text, tb, te, &d->to, &why);
                if (rc < 0)
                        bound_free(&d->from);
        }
        if (rc < 0) {
                free(d->name);
                d->name = NULL;
                if (rc == -EINVAL)
                        set_error(err, source, line, why);
                return rc;
        }
        d->line = line;
        return 0;
}

/* Append d to *defs (growing it); on -ENOMEM d is released. */
static int push_def(struct phase_def **defs, size_t *ndefs, size_t *cap, struct phase_def *d)
{
        if (*ndefs == *cap) {
                size_t ncap = *cap ? *cap * 2 : 8;
                struct phase_def *nd = realloc(*defs, ncap * sizeof(*nd));

                if (!nd) {
                        free(d->name);
                        bound_free(&d->from);
                        bound_free(&d->to);
                        return -ENOMEM;
                }
                *defs = nd;
                *cap = ncap;
        }
        (*defs)[(*ndefs)++] = *d;
        return 0;
}

int phases_load_map(struct phases *p, const char *text, size_t len, const char *source, char **err)
{
        struct phase_def *defs = NULL;
        size_t ndefs = 0, cap = 0, pos = 0;
        uint32_t line = 0;
        char *src = NULL;
        int rc = 0;

        if (err)
                *err = NULL;
        if (memchr(text, '\0', len)) {
                rc = set_error(err, source, 0, "NUL byte in phase map");
                goto out_free;
        }
        while (pos < len) {
                const char *nl = memchr(text + pos, '\n', len - pos);
                size_t b = pos, e = nl ? (size_t)(nl - text) : len;
                struct phase_def d = {0};
                const char *hash;

                pos = e + (nl ? 1 : 0);
                line++;
                hash = memchr(text + b, '#', e - b);
                if (hash)
                        e = (size_t)(hash - text);
                trim(text, &b, &e);
                if (b == e)
                        continue;
                rc = parse_map_line(text, b, e, defs, ndefs, &d, source, line, err);
                if (rc == 0)
                        rc = push_def(&defs, &ndefs, &cap, &d);
                if (rc < 0)
                        goto out_free;
        }
        if (ndefs == 0) {
                rc = set_error(err, source, 0, "no phase in the map");
                goto out_free;
        }
        src = strdup(source);
        if (!src) {
                rc = -ENOMEM;
                goto out_free;
        }
        defs_free(p->defs, p->ndefs);
        free(p->source);
        free(p->results);
        p->results = NULL;
        p->nresults = 0;
        p->defs = defs;
        p->ndefs = ndefs;
        p->source = src;
        return 0;
out_free:
        defs_free(defs, ndefs);
        return rc;
}

const char *phases_default_map(enum ev_os os)
{
        for (size_t k = 0; k < UTIL_ARRAY_SIZE(default_maps); k++)
                if (default_maps[k].os == os)
                        return default_maps[k].text;
        return NULL;
}

int phases_load_default(struct phases *p, enum ev_os os)
{
        for (size_t k = 0; k < UTIL_ARRAY_SIZE(default_maps); k++) {
                char source[64];
                int rc;

                if (default_maps[k].os != os)
                        continue;
                snprintf(source, sizeof(source), "builtin:%s", default_maps[k].name);
                rc = phases_load_map(p, default_maps[k].text, strlen(default_maps[k].text), source,
                                     NULL);
                return rc == -EINVAL ? -ENOMEM : rc; /* a built-in map always parses */
        }
        return -ENOENT;
}

/* The point called name, added unset when new; NULL on -ENOMEM. */
static struct phase_point *point_slot(struct phases *p, const char *name)
{
        struct phase_point *v;

        for (size_t k = 0; k < p->npoints; k++)
                if (strcmp(p->points[k].name, name) == 0)
                        return &p->points[k];
        v = realloc(p->points, (p->npoints + 1) * sizeof(*v));
        if (!v)
                return NULL;
        p->points = v;
        v += p->npoints;
        memset(v, 0, sizeof(*v));
        v->name = strdup(name);
        if (!v->name)
                return NULL;
        p->npoints++;
        return v;
}

int phases_set_point(struct phases *p, const char *name, int64_t ticks)
{
        struct phase_point *v = point_slot(p, name);

        if (!v)
                return -ENOMEM;
        free(v->why);
        v->why = NULL;
        v->ticks = ticks;
        return 0;
}

int phases_refuse_point(struct phases *p, const char *name, const char *why)
{
        struct phase_point *v = point_slot(p, name);
        char *copy = strdup(why);

        if (!v || !copy) {
                free(copy);
                return -ENOMEM;
        }
        free(v->why);
        v->why = copy;
        v->ticks = 0;
        return 0;
}

static const struct phase_point *point_find(const struct phases *p, const char *name)
{
        for (size_t k = 0; k < p->npoints; k++)
                if (strcmp(p->points[k].name, name) == 0)
                        return &p->points[k];
        return NULL;
}

bool phases_get_point(const struct phases *p, const char *name, int64_t *ticks)
{
        const struct phase_point *v = point_find(p, name);

        if (!v || v->why)
                return false;
        *ticks = v->ticks;
        return true;
}

/* Why a missing boundary is missing when it is a refused point, else NULL. */
static const char *refusal(const struct phases *p, const struct phase_bound *b)
{
        const struct phase_point *v = b->kind == PHASE_POINT ? point_find(p, b->name) : NULL;

        return v ? v->why : NULL;
}

/* Resolve one boundary: true with *ts and *line when it happened. */
static bool resolve(const struct phases *p, const struct ev_trace *t, const struct phase_bound *b,
                    int64_t *ts, uint32_t *line)
{
        uint32_t name, arg = 0;
        bool found = false;
        uint8_t kind;

        if (b->kind == PHASE_POINT) {
                *line = 0;
                return phases_get_point(p, b->name, ts);
        }
        name = ev_lookup(t, b->name);
        if (!name)
                return false;
        if (b->arg) {
                arg = ev_lookup(t, b->arg);
                if (!arg)
                        return false;
        }
        kind = b->kind == PHASE_ENTER ? EV_ENTER : EV_EXIT;
        for (size_t k = 0; k < t->nrecs; k++) {
                const struct ev_record *r = &t->recs[k];
                if (r->kind != kind || r->name != name || (b->arg && r->arg != arg))
                        continue;
                if (r->ts > INT64_MAX)
                        continue;
                if (!found || (int64_t)r->ts < *ts) {
                        *ts = (int64_t)r->ts;
                        *line = r->line;
                        found = true;
                }
        }
        return found;
}

int phases_compute(struct phases *p, const struct ev_trace *t)
{
        struct phase_result *res = calloc(p->ndefs ? p->ndefs : 1, sizeof(*res));

        if (!res)
                return -ENOMEM;
        for (size_t k = 0; k < p->ndefs; k++) {
                struct phase_result *r = &res[k];
                const struct phase_def *d = &p->defs[k];

                r->def = d;
                r->has_start = resolve(p, t, &d->from, &r->start, &r->start_line);
                r->has_end = resolve(p, t, &d->to, &r->end, &r->end_line);
                if (!r->has_start) {
                        r->missing = d->from.text;
                        r->why = refusal(p, &d->from);
                } else if (!r->has_end) {
                        r->missing = d->to.text;
                        r->why = refusal(p, &d->to);
                } else if (r->end < r->start)
                        r->inverted = true;
                else
                        r->available = true;
        }
        free(p->results);
        p->results = res;
        p->nresults = p->ndefs;
        return 0;
}
