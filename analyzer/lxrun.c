/* lxrun: see lxrun.h. */
#include "analyzer/lxrun.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/sbuf.h"
#include "base/util.h"

/* Each mark.NAME a phase point at its first occurrence. */
static int set_mark_points(struct phases *ph, const struct umarks *m)
{
        struct sbuf name = SBUF_INIT;
        int64_t at;
        int rc = 0;

        for (size_t i = 0; i < m->n && !rc; i++) {
                sbuf_reset(&name);
                rc = sbuf_addf(&name, "mark.%s", m->v[i].name);
                if (!rc && !phases_get_point(ph, name.buf, &at))
                        rc = phases_set_point(ph, name.buf, (int64_t)m->v[i].guest_ns);
        }
        sbuf_release(&name);
        return rc;
}

static int analyse(struct lxrun *r, const char *source, char *buf, size_t len,
                   const struct stitch_host *host, const struct umarks_host *hmarks, size_t nhmarks,
                   const char *map_text, size_t map_len, char **err)
{
        int rc;

        memset(r, 0, sizeof(*r));
        r->buf = buf;
        r->len = len;
        if (err)
                *err = NULL;
        rc = ev_trace_init(&r->trace, source);
        if (rc < 0)
                return rc;
        rc = dmesg_parse(&r->trace, buf, len, &r->meta);
        if (rc < 0)
                return rc;
        if (host) {
                r->host = *host;
                r->has_host = true;
                stitch_compute(&r->meta, host, &r->stitch);
        }
        r->phases = phases_new();
        if (!r->phases)
                return -ENOMEM;
        if (map_text)
                rc = phases_load_map(r->phases, map_text, map_len, "--phase-map", err);
        else
                rc = phases_load_map(r->phases, stitch_linux_map_for(&r->meta),
                                     strlen(stitch_linux_map_for(&r->meta)), "builtin:linux", err);
        if (rc < 0)
                return rc;
        rc = stitch_set_points(r->phases, &r->meta, host ? &r->stitch : NULL);
        if (rc < 0)
                return rc;
        rc = umarks_collect(&r->trace, hmarks, nhmarks, host ? host->spawn : 0, &r->marks);
        if (rc < 0)
                return rc;
        rc = set_mark_points(r->phases, &r->marks);
        if (rc < 0)
                return rc;
        return analysis_run(&r->analysis, &r->trace, r->phases);
}

int lxrun_analyse(struct lxrun *r, const char *source, char *buf, size_t len,
                  const struct stitch_host *host, const char *map_text, size_t map_len, char **err)
{
        return analyse(r, source, buf, len, host, NULL, 0, map_text, map_len, err);
}

/* The final attempt's marks (names point into it); entries without a
 * host time are kept with a NULL name, never paired. */
static int host_marks(const struct session_attempt *a, struct umarks_host **out, size_t *n)
{
        *out = NULL;
        *n = 0;
        if (!a->nmarks)
                return 0;
        *out = calloc(a->nmarks, sizeof(**out));
        if (!*out)
                return -ENOMEM;
        for (size_t i = 0; i < a->nmarks; i++) {
                if (a->marks[i].name && a->marks[i].host_ns > 0) {
                        (*out)[i].name = a->marks[i].name;
                        (*out)[i].host_ns = a->marks[i].host_ns;
                }
        }
        *n = a->nmarks;
        return 0;
}

int lxrun_from_session(struct lxrun *r, const struct session *s, const struct session_run *run,
                       const char *map_text, size_t map_len, char **err)
{
        const struct session_attempt *final = session_run_final(run);
        struct stitch_host host = {0};
        struct umarks_host *hmarks = NULL;
        size_t nhmarks = 0;
        char *path = NULL, *buf = NULL;
        size_t len;
        int rc;

        memset(r, 0, sizeof(*r));
        if (err)
                *err = NULL;
        if (final) {
                const struct session_host_marks *h = &final->host;

                host.spawn = h->spawn;
                host.dump_begin = h->dump_begin;
                host.exit = h->exit;
                host.first_byte = h->first_console_byte;
                /* the begin line opened the console: its first byte counts */
                if (h->dump_begin && final->off_dump_begin == 0)
                        host.begin_first_byte = host.first_byte;
                if (h->first_serial_byte &&
                    (!host.first_byte || h->first_serial_byte < host.first_byte))
                        host.first_byte = h->first_serial_byte;
                rc = host_marks(final, &hmarks, &nhmarks);
                if (rc < 0)
                        return rc;
        }
        rc = session_run_path(session_dir(s), run->run, ".console", &path);
        if (rc < 0)
                goto out_marks;
        rc = util_read_file(path, &buf, &len);
        if (rc < 0)
                goto out_path;
        rc = analyse(r, path, buf, len, host.spawn ? &host : NULL, hmarks, nhmarks, map_text,
                     map_len, err);
out_path:
        free(path); /* the trace keeps its own copy of the source name */
out_marks:
        free(hmarks);
        return rc;
}

void lxrun_free(struct lxrun *r)
{
        analysis_free(&r->analysis);
        umarks_free(&r->marks);
        phases_free(r->phases);
        ev_trace_free(&r->trace);
        free(r->buf);
        memset(r, 0, sizeof(*r));
}
