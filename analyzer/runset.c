/* runset: see runset.h. Everything in the analyzer that reads the session
 * format is here: runset_is_session() and runset_open() (the session,
 * its variants, its runs), read_run(), read_clocks() and read_marks() (one
 * run's JSON into struct runset_run), and runset_analyse() (the capture's
 * path). A new session API is ported by rewriting these alone. */
#include "analyzer/runset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collector/session.h"

bool runset_is_session(const char *ref)
{
        char *dir = NULL, *variant = NULL, *path = NULL;
        struct stat st;
        bool yes = false;

        if (session_split_ref(ref, &dir, &variant) < 0)
                return false;
        if (asprintf(&path, "%s/session.json", dir) >= 0) {
                yes = stat(path, &st) == 0 && S_ISREG(st.st_mode);
                free(path);
        }
        free(dir);
        free(variant);
        return yes;
}

/* The final attempt's user marks (names copied); entries without a name
 * or a host time are kept with a NULL name, never paired. */
static int read_marks(const struct session_attempt *a, struct runset_run *e)
{
        if (!a->nmarks)
                return 0;
        e->marks = calloc(a->nmarks, sizeof(*e->marks));
        if (!e->marks)
                return -ENOMEM;
        e->host.marks = e->marks;
        e->host.nmarks = a->nmarks;
        for (size_t i = 0; i < a->nmarks; i++) {
                if (a->marks[i].name && a->marks[i].host_ns > 0) {
                        e->marks[i].name = strdup(a->marks[i].name);
                        if (!e->marks[i].name)
                                return -ENOMEM;
                        e->marks[i].host_ns = a->marks[i].host_ns;
                }
        }
        return 0;
}

/* The host clocks of the final attempt (stitch.h). */
static void read_clocks(const struct session_attempt *a, struct stitch_host *h)
{
        const struct session_host_marks *m = &a->host;

        memset(h, 0, sizeof(*h));
        h->spawn = m->spawn;
        h->dump_begin = m->dump_begin;
        h->exit = m->exit;
        h->first_byte = m->first_console_byte;
        /* the begin line opened the console: its first byte counts */
        if (m->dump_begin && a->off_dump_begin == 0)
                h->begin_first_byte = h->first_byte;
        if (m->first_serial_byte && (!h->first_byte || m->first_serial_byte < h->first_byte))
                h->first_byte = m->first_serial_byte;
}

/* One run's file into e: the adapter from the session format. */
static int read_run(const struct session *s, struct runset_run *e)
{
        const struct session_attempt *final;
        struct session_run sr;
        int rc;

        rc = session_run_read(s, e->run, &sr, NULL, 0);
        if (rc == -ENOMEM)
                return rc;
        if (rc < 0)
                return 0; /* not readable: listed as such */
        e->variant = strdup(sr.variant);
        e->verdict = strdup(session_verdict_name(sr.verdict));
        e->reason = strdup(sr.reason ? sr.reason : "");
        e->attempts = (unsigned)sr.nattempts;
        rc = e->variant && e->verdict && e->reason ? 0 : -ENOMEM;
        final = session_run_final(&sr);
        if (rc == 0 && final) {
                read_clocks(final, &e->host.clocks);
                e->contention = session_attempt_contention(final);
                e->starved = e->contention == SESSION_CONTENTION_STARVED;
                e->run_delay_ns = final->sched.run_delay_ns;
                e->cpu_qemu_user_ns = final->cpu_qemu_user_ns;
                e->cpu_qemu_system_ns = final->cpu_qemu_system_ns;
                rc = read_marks(final, e);
        }
        e->readable = rc == 0;
        session_run_free(&sr);
        return rc;
}

int runset_open(const char *ref, struct runset *rs, char *err, size_t errsize)
{
        struct session *s = NULL;
        unsigned *runs = NULL;
        int n, rc;

        memset(rs, 0, sizeof(*rs));
        if (errsize)
                err[0] = '\0';
        if (session_split_ref(ref, &rs->dir, &rs->variant) < 0)
                return -ENOMEM;
        rc = session_open(rs->dir, &s, err, errsize);
        if (rc < 0)
                return rc;
        if (rs->variant && session_variant_index(s, rs->variant) < 0) {
                rc = -ESRCH;
                goto out;
        }
        n = session_list_runs(s, &runs);
        if (n < 0) {
                rc = n;
                goto out;
        }
        rs->v = calloc(n ? (size_t)n : 1, sizeof(*rs->v));
        if (!rs->v) {
                rc = -ENOMEM;
                goto out;
        }
        for (int k = 0; k < n && rc == 0; k++) {
                struct runset_run *e = &rs->v[rs->n++];

                e->run = runs[k];
                rc = read_run(s, e);
                if (rc == 0 && e->readable) {
                        int vi = session_variant_index(s, e->variant);

                        e->host_timed = vi >= 0 && session_info(s)->variants[vi].host_timed;
                }
                e->selected = e->readable && strcmp(e->verdict, "ok") == 0 &&
                              (!rs->variant || strcmp(e->variant, rs->variant) == 0);
                rs->nselected += e->selected;
        }
out:
        free(runs);
        session_free(s);
        return rc;
}

int runset_analyse(struct runset *rs, size_t i, const struct run_options *o, struct run *r,
                   char **err)
{
        const struct runset_run *e = &rs->v[i];
        char *path = NULL, *buf = NULL;
        size_t len;
        bool opened;
        int rc;

        memset(r, 0, sizeof(*r));
        if (err)
                *err = NULL;
        rc = session_run_path(rs->dir, e->run, ".console", &path);
        if (rc < 0)
                return rc;
        if (e->host_timed) {
                rc = run_host_only(r, path, &e->host);
                free(path);
                if (rc == 0)
                        rs->nanalysed++;
                return rc;
        }
        rc = run_read_input(path, &buf, &len, &opened);
        if (rc < 0) {
                free(rs->unreadable);
                rs->unreadable = path;
                rs->unreadable_opened = opened;
                return rc;
        }
        rc = run_analyse(r, path, buf, len, o, &e->host, err);
        free(path); /* the trace keeps its own copy of the source name */
        if (rc == 0) {
                rs->nanalysed++;
                rs->nwarnings += r->trace.nwarns;
        }
        return rc;
}

void runset_free(struct runset *rs)
{
        if (!rs)
                return;
        for (size_t i = 0; i < rs->n; i++) {
                struct runset_run *e = &rs->v[i];

                for (size_t k = 0; k < e->host.nmarks; k++)
                        free((char *)e->marks[k].name);
                free(e->marks);
                free(e->variant);
                free(e->verdict);
                free(e->reason);
        }
        free(rs->v);
        free(rs->unreadable);
        free(rs->dir);
        free(rs->variant);
        memset(rs, 0, sizeof(*rs));
}
