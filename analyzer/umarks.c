/* umarks: see umarks.h. */
#include "analyzer/umarks.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "mark."

/* The name as the collector records it: cut, printable ASCII only. */
static void safe_name(char *out, const char *in)
{
        size_t n = 0;

        for (; in[n] && n < UMARKS_NAME_MAX; n++)
                out[n] = (unsigned char)in[n] >= 0x21 && (unsigned char)in[n] <= 0x7e ? in[n] : '?';
        out[n] = '\0';
}

static int by_line(const void *a, const void *b)
{
        const struct umark *x = a, *y = b;

        return (x->line > y->line) - (x->line < y->line);
}

int umarks_collect(const struct ev_trace *t, const struct umarks_host *host, size_t nhost,
                   uint64_t spawn, struct umarks *out)
{
        const size_t plen = sizeof(PREFIX) - 1;
        size_t n = 0, next = 0;

        memset(out, 0, sizeof(*out));
        for (size_t i = 0; i < t->nrecs; i++)
                if (t->recs[i].kind == EV_EVENT &&
                    strncmp(ev_str(t, t->recs[i].name), PREFIX, plen) == 0)
                        n++;
        if (!n)
                return 0;
        out->v = calloc(n, sizeof(*out->v));
        if (!out->v)
                return -ENOMEM;
        for (size_t i = 0; i < t->nrecs; i++) {
                const struct ev_record *r = &t->recs[i];
                const char *name = ev_str(t, r->name);
                struct umark *m;

                if (r->kind != EV_EVENT || strncmp(name, PREFIX, plen) != 0)
                        continue;
                m = &out->v[out->n++];
                safe_name(m->name, name + plen);
                m->line = r->line;
                m->guest_ns = r->ts;
        }
        qsort(out->v, out->n, sizeof(*out->v), by_line);
        for (size_t i = 0; i < out->n && host; i++) {
                struct umark *m = &out->v[i];

                for (size_t k = next; k < nhost; k++) {
                        if (!host[k].name || strcmp(host[k].name, m->name) != 0)
                                continue;
                        if (host[k].host_ns >= spawn) {
                                m->has_host = true;
                                m->host_ns = host[k].host_ns - spawn;
                        }
                        next = k + 1;
                        break;
                }
        }
        return 0;
}

void umarks_free(struct umarks *m)
{
        free(m->v);
        m->v = NULL;
        m->n = 0;
}
