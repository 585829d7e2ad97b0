/* run: see run.h. */
#include "analyzer/run.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/fgraph.h"
#include "base/sbuf.h"
#include "base/util.h"
#include "guest/framing.h"

/* A Linux kernel log (a dump with os=linux, a function_graph trace, or
 * more printk-stamped lines than tslog records at the start), else tslog. */
static enum run_kind choose_kind(const char *buf, size_t len, const struct run_options *o)
{
        static const char linux_dump[] = FRAMING_PREFIX FRAMING_VERSION " begin os=linux";

        if (o->os == EV_OS_FREEBSD || o->os == EV_OS_NETBSD)
                return RUN_TSLOG;
        if (memmem(buf, len, linux_dump, sizeof(linux_dump) - 1))
                return RUN_LINUX;
        if (fgraph_probe(buf, len) || dmesg_probe(buf, len) > tslog_probe(buf, len))
                return RUN_LINUX;
        return RUN_TSLOG;
}

static int parse_tslog(struct run *r, const struct run_options *o)
{
        struct tslog_options topts = {.os = o->os, .freq_hz = o->tsc_freq};
        int err = tslog_parse(&r->trace, r->buf, r->len, &topts, &r->tslog);

        r->freq_source = r->tslog.freq_source == TSLOG_FREQ_OPTION    ? "option"
                         : r->tslog.freq_source == TSLOG_FREQ_CAPTURE ? "capture"
                                                                      : "none";
        if (err == 0 && r->trace.nrecs == 0 && r->trace.nprocs == 0)
                err = -ENODATA;
        return err;
}

static int parse_linux(struct run *r)
{
        int err = dmesg_parse(&r->trace, r->buf, r->len, &r->dmesg);

        if (err == 0 && !r->dmesg.lines_printk && !r->dmesg.ftrace_calls)
                err = -ENODATA;
        return err;
}

int run_parse(struct run *r, const char *source, char *buf, size_t len, const struct run_options *o)
{
        int err;

        memset(r, 0, sizeof(*r));
        r->buf = buf;
        r->len = len;
        r->kind = choose_kind(buf, len, o);
        r->kind_name = r->kind == RUN_LINUX ? "linux" : "tslog";
        r->freq_source = "none";
        err = ev_trace_init(&r->trace, source);
        if (err < 0)
                return err;
        return r->kind == RUN_LINUX ? parse_linux(r) : parse_tslog(r, o);
}

/* The caller's map, else the OS's built-in one (a Linux log's fits its
 * initcalls or their absence); no map for an OS without one. */
static int load_map(struct run *r, const struct run_options *o, char **err)
{
        const char *text;
        int rc;

        if (o->map)
                return phases_load_map(r->phases, o->map, o->map_len,
                                       o->map_name ? o->map_name : "--phase-map", err);
        if (r->kind == RUN_LINUX) {
                text = stitch_linux_map_for(&r->dmesg);
                return phases_load_map(r->phases, text, strlen(text), "builtin:linux", err);
        }
        rc = phases_load_default(r->phases, r->trace.os);
        return rc == -ENOENT ? 0 : rc;
}

/* guest.tsc0: the guest TSC counts from 0 at vCPU creation; dump.begin:
 * the dumper's TSC when it started, when the capture says. */
static int points_tslog(struct run *r)
{
        int err = phases_set_point(r->phases, "guest.tsc0", 0);
        int64_t at;

        if (err || !r->tslog.has_tsc_now)
                return err;
        if (analysis_point(r->tslog.tsc_now, &at))
                return phases_set_point(r->phases, "dump.begin", at);
        err = ev_warn(&r->trace, r->trace.begin_marker_line,
                      "tsc_now=%" PRIu64 " lies beyond the analyzer's clock range (0 to %" PRId64
                      "): dump.begin is not placed",
                      r->tslog.tsc_now, (int64_t)EV_CLOCK_MAX);
        return err ? err
                   : phases_refuse_point(r->phases, "dump.begin",
                                         "tsc_now lies beyond the clock range (see the warnings)");
}

/* Each mark.NAME a phase point at its first occurrence. */
static int points_marks(struct run *r)
{
        struct sbuf name = SBUF_INIT;
        int64_t at;
        int rc = 0;

        for (size_t i = 0; i < r->marks.n && !rc; i++) {
                sbuf_reset(&name);
                rc = sbuf_addf(&name, "mark.%s", r->marks.v[i].name);
                if (rc || phases_get_point(r->phases, name.buf, &at))
                        continue;
                if (analysis_point(r->marks.v[i].guest_ns, &at))
                        rc = phases_set_point(r->phases, name.buf, at);
                else
                        rc = phases_refuse_point(r->phases, name.buf,
                                                 "the mark's time lies beyond the clock range");
        }
        sbuf_release(&name);
        return rc;
}

/* Every available phase of a stitched Linux run lies inside QEMU's spawn
 * to exit: stitched guest times can only be late, by the console latency
 * (at most latency_bound_ns), so an end may pass the exit by that much and
 * nothing may precede the spawn. A phase outside is unavailable, with a
 * warning: the log's times contradict the host's. */
static int check_inside_host(struct run *r)
{
        struct phases *ph = r->phases;
        int64_t spawn, exit, past, slack = (int64_t)r->stitch.latency_bound_ns;
        int rc = 0;

        if (r->kind != RUN_LINUX || !r->stitch.ok || !phases_get_point(ph, "host.spawn", &spawn) ||
            !phases_get_point(ph, "host.exit", &exit))
                return 0;
        for (size_t k = 0; k < ph->nresults && !rc; k++) {
                struct phase_result *p = &ph->results[k];

                if (!p->available ||
                    (p->start >= spawn && analysis_sub(p->end, exit, &past) && past <= slack))
                        continue;
                p->available = false;
                p->why = "lies outside QEMU's spawn to exit (see the warnings)";
                rc = ev_warn(&r->trace, p->start_line ? p->start_line : p->end_line,
                             "clock stitching: phase %s (%s -> %s) lies outside QEMU's spawn to "
                             "exit: the log's times contradict the host's; it is left unavailable",
                             p->def->name, p->def->from.text, p->def->to.text);
        }
        return rc;
}

int run_finish(struct run *r, const struct run_options *o, const struct run_host *host, char **err)
{
        int rc;

        if (err)
                *err = NULL;
        if (host && host->clocks.spawn) {
                r->has_host = true;
                r->host = host->clocks;
        }
        r->phases = phases_new();
        if (!r->phases)
                return -ENOMEM;
        rc = load_map(r, o, err);
        if (rc < 0)
                return rc;
        if (r->kind == RUN_LINUX) {
                if (r->has_host) {
                        stitch_compute(&r->dmesg, &r->host, &r->stitch);
                        rc = stitch_warn(&r->stitch, &r->trace, r->trace.begin_marker_line);
                        if (rc < 0)
                                return rc;
                }
                rc = stitch_set_points(r->phases, &r->dmesg, r->has_host ? &r->stitch : NULL);
                if (rc == 0)
                        rc = umarks_collect(&r->trace, r->has_host ? host->marks : NULL,
                                            r->has_host ? host->nmarks : 0,
                                            r->has_host ? r->host.spawn : 0, &r->marks);
                if (rc == 0)
                        rc = points_marks(r);
        } else {
                rc = points_tslog(r);
        }
        if (rc < 0)
                return rc;
        rc = analysis_run(&r->analysis, &r->trace, r->phases);
        return rc < 0 ? rc : check_inside_host(r);
}

int run_analyse(struct run *r, const char *source, char *buf, size_t len,
                const struct run_options *o, const struct run_host *host, char **err)
{
        int rc;

        if (err)
                *err = NULL;
        rc = run_parse(r, source, buf, len, o);
        if (rc < 0)
                return rc;
        return run_finish(r, o, host, err);
}

int run_host_only(struct run *r, const char *source, const struct run_host *host)
{
        int rc;

        memset(r, 0, sizeof(*r));
        if (!host || !host->clocks.spawn)
                return -ENODATA;
        r->kind = RUN_LINUX;
        r->kind_name = "host";
        r->freq_source = "none";
        r->host_timed = true;
        r->has_host = true;
        r->host = host->clocks;
        rc = ev_trace_init(&r->trace, source);
        if (rc < 0)
                return rc;
        r->trace.clock = EV_CLOCK_NS;
        r->phases = phases_new();
        if (!r->phases)
                return -ENOMEM;
        rc = umarks_collect(&r->trace, NULL, 0, 0, &r->marks);
        return rc < 0 ? rc : analysis_run(&r->analysis, &r->trace, r->phases);
}

void run_free(struct run *r)
{
        if (!r)
                return;
        analysis_free(&r->analysis);
        umarks_free(&r->marks);
        phases_free(r->phases);
        ev_trace_free(&r->trace);
        free(r->buf);
        memset(r, 0, sizeof(*r));
}

int run_read_input(const char *path, char **buf, size_t *len, bool *opened)
{
        uint64_t max;
        int fd, rc;

        *opened = false;
        rc = util_input_limit(&max);
        if (rc < 0)
                return rc;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        *opened = fd >= 0;
        if (fd < 0)
                return -errno;
        rc = util_read_fd_max(fd, max > SIZE_MAX ? SIZE_MAX : (size_t)max, buf, len);
        close(fd);
        return rc;
}

bool run_total_ns(const struct run *r, uint64_t *ns)
{
        if (!r->has_host || !r->host.exit || r->host.exit < r->host.spawn ||
            r->host.exit - r->host.spawn > EV_CLOCK_MAX)
                return false;
        *ns = r->host.exit - r->host.spawn;
        return true;
}

bool run_phase_ns(const struct run *r, size_t k, uint64_t *ns)
{
        const struct phase_result *p;
        double v;

        if (!r->phases || k >= r->phases->nresults)
                return false;
        p = &r->phases->results[k];
        if (!p->available || !ev_to_ns(&r->trace, (uint64_t)p->end - (uint64_t)p->start, &v))
                return false;
        *ns = r->trace.clock == EV_CLOCK_NS ? (uint64_t)p->end - (uint64_t)p->start
                                            : (uint64_t)(v + 0.5);
        return true;
}

int run_slowest_initcalls(const struct run *r, struct run_initcall *out, size_t max)
{
        const struct ct_forest *f = &r->analysis.forest;
        uint32_t probe = ev_lookup(&r->trace, "probe");
        uint32_t *idx;
        size_t n = 0;

        if (r->kind != RUN_LINUX || !f->nfuncs || !max)
                return 0;
        idx = ct_funcs_sorted(f, true);
        if (!idx)
                return -ENOMEM;
        for (size_t k = 0; k < f->nfuncs && n < max; k++) {
                const struct ct_func *fn = &f->funcs[idx[k]];
                const struct ct_thread *th = &f->threads[fn->thread];

                if (probe && fn->name == probe)
                        continue;
                if (th->id == DMESG_PROBE_THREAD || th->id >= FGRAPH_THREAD_BASE)
                        continue; /* probes and ftrace functions are not initcalls */
                out[n].name = ev_str(&r->trace, fn->name);
                out[n].pid = th->id;
                out[n].total_ns = fn->total;
                n++;
        }
        free(idx);
        return (int)n;
}

void run_mark_times(const struct run *r, size_t i, struct run_mark_times *t)
{
        const struct umark *u = &r->marks.v[i];
        const struct dmesg_meta *m = &r->dmesg;
        int64_t g, init, h, host_init;
        uint64_t dump;

        memset(t, 0, sizeof(*t));
        /* every difference checked: guest and host values come from the
         * capture and the session, and may lie anywhere in 64 bits */
        if (m->run_init_line && analysis_point(u->guest_ns, &g) &&
            analysis_point(m->run_init_ns, &init) && analysis_sub(g, init, &t->guest)) {
                t->has_guest = true;
                if (u->has_host && r->has_host && r->stitch.ok && analysis_point(u->host_ns, &h) &&
                    !__builtin_add_overflow(r->stitch.shift_ns, init, &host_init))
                        t->has_host = analysis_sub(h, host_init, &t->host);
        }
        t->after_dump = dmesg_printk_at_dump(m, &dump) && u->guest_ns >= dump;
}
