/*
 * A failing-malloc injector over every parser of guest bytes: for each
 * parser and a real input from tests/data, the k-th allocation fails, for
 * k = 1, 2, ... until a run completes without reaching it. Each failed run
 * must return a negative errno (-ENOMEM unless the case says why not),
 * crash nothing and leak nothing: every block the run allocated is freed
 * by its end (the wrappers count them, free() included), and under ASan
 * (setup.sh --test runs the unit label on an ASan+UBSan build)
 * LeakSanitizer checks every byte at exit.
 *
 * What is intercepted:
 *   - the project's own malloc, calloc, realloc, strdup, strndup, asprintf
 *     and vasprintf (and free, to count what is left): tests/CMakeLists.txt links this executable
 * with ld --wrap=malloc,... so every call from the layer libraries' object files (and this file)
 * lands in __wrap_malloc() and friends below;
 *   - jansson's allocations, through json_set_alloc_funcs(), except inside
 *     json_load_file(), which fails as a whole (see __wrap_json_load_file);
 *   - zlib: none of these parsers inflates (crc32 allocates nothing); the
 *     only inflate (guest/vmlinux.c, host-side kernel images) is not a
 *     parser of guest bytes.
 *
 * Each parser is driven by one small function (nomem_run_*), so that an
 * API change touches one place. Per parser it prints how many allocation
 * points (k) were failed and at how many distinct call sites.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/diagnose.h"
#include "analyzer/dmesg.h"
#include "analyzer/ksyms.h"
#include "analyzer/events.h"
#include "analyzer/fgraph.h"
#include "analyzer/run.h"
#include "analyzer/runset.h"
#include "analyzer/phases.h"
#include "analyzer/tslog.h"
#include "base/sbuf.h"
#include "base/util.h"
#include "collector/session.h"
#include "guest/framing.h"
#include "reports/json.h"

/* ---- the injector ---- */

void *__real_malloc(size_t n);
void __real_free(void *p);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_vasprintf(char **out, const char *fmt, va_list ap);
void *__wrap_malloc(size_t n);
void __wrap_free(void *p);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_vasprintf(char **out, const char *fmt, va_list ap);
int __wrap_asprintf(char **out, const char *fmt, ...);
json_t *__real_json_load_file(const char *path, size_t flags, json_error_t *error);
json_t *__wrap_json_load_file(const char *path, size_t flags, json_error_t *error);

#define NOMEM_MAX_SITES 4096

static struct {
        bool armed;
        unsigned long count;   /* allocations since armed */
        unsigned long fail_at; /* which one fails (1-based) */
        bool hit;              /* it was reached */
        long live;             /* allocations made less those freed, since armed */
        int in_json_load;      /* inside jansson's loader: its allocations never fail */
        bool trap;             /* raise SIGTRAP when failing (NOMEM_TRAP=CASE:K, for a debugger) */
        const void *sites[NOMEM_MAX_SITES];
        size_t nsites;
} nm;

/* Whether this allocation (called from site) is the one to fail. */
static bool nomem_fail(const void *site)
{
        size_t i;

        if (!nm.armed || ++nm.count != nm.fail_at)
                return false;
        nm.hit = true;
        if (nm.trap)
                raise(SIGTRAP);
        for (i = 0; i < nm.nsites && nm.sites[i] != site; i++)
                ;
        if (i == nm.nsites && nm.nsites < NOMEM_MAX_SITES)
                nm.sites[nm.nsites++] = site;
        errno = ENOMEM;
        return true;
}

#define NOMEM_SITE __builtin_extract_return_addr(__builtin_return_address(0))

/* Count a new block (p, when not NULL) while armed; returns p. */
static void *nomem_got(void *p)
{
        if (p && nm.armed)
                nm.live++;
        return p;
}

void *__wrap_malloc(size_t n)
{
        return nomem_fail(NOMEM_SITE) ? NULL : nomem_got(__real_malloc(n));
}

void *__wrap_calloc(size_t n, size_t size)
{
        return nomem_fail(NOMEM_SITE) ? NULL : nomem_got(__real_calloc(n, size));
}

/* realloc(NULL, n) makes a block; realloc(p, n) moves one. (No caller
 * relies on realloc(p, 0) freeing.) */
void *__wrap_realloc(void *p, size_t n)
{
        void *q;

        if (nomem_fail(NOMEM_SITE))
                return NULL;
        q = __real_realloc(p, n);
        return p ? q : nomem_got(q);
}

void __wrap_free(void *p)
{
        if (p && nm.armed)
                nm.live--;
        __real_free(p);
}

char *__wrap_strdup(const char *s)
{
        return nomem_fail(NOMEM_SITE) ? NULL : nomem_got(__real_strdup(s));
}

char *__wrap_strndup(const char *s, size_t n)
{
        return nomem_fail(NOMEM_SITE) ? NULL : nomem_got(__real_strndup(s, n));
}

int __wrap_vasprintf(char **out, const char *fmt, va_list ap)
{
        int n;

        if (nomem_fail(NOMEM_SITE))
                return -1;
        n = __real_vasprintf(out, fmt, ap);
        if (n >= 0)
                nomem_got(*out);
        return n;
}

int __wrap_asprintf(char **out, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (nomem_fail(NOMEM_SITE))
                return -1;
        va_start(ap, fmt);
        n = __real_vasprintf(out, fmt, ap);
        va_end(ap);
        if (n >= 0)
                nomem_got(*out);
        return n;
}

/* jansson's allocator: counted like the rest, the site being jansson's,
 * except inside its loader (below). */
static void *nomem_json_malloc(size_t n)
{
        if (!nm.in_json_load && nomem_fail(NOMEM_SITE))
                return NULL;
        return nomem_got(__real_malloc(n));
}

/* jansson 2.14's loader does not survive a failed allocation: lex_save()
 * ignores strbuffer_append_byte()'s failure, and lex_scan_string() then
 * trips its assert(0) on the short text (load.c:442). So the loader's own
 * allocations are never failed; the whole json_load_file() call is one
 * failure point instead, failing as jansson does when out of memory. */
json_t *__wrap_json_load_file(const char *path, size_t flags, json_error_t *error)
{
        json_t *j;

        if (nomem_fail(NOMEM_SITE)) {
                if (error) {
                        memset(error, 0, sizeof(*error));
                        error->line = -1;
                        snprintf(error->text, sizeof(error->text), "out of memory");
                        /* where jansson keeps json_error_code() */
                        error->text[JSON_ERROR_TEXT_LENGTH - 1] = json_error_out_of_memory;
                }
                return NULL;
        }
        nm.in_json_load++;
        j = __real_json_load_file(path, flags, error);
        nm.in_json_load--;
        return j;
}

/* ---- the inputs ---- */

struct nomem_input {
        const char *path; /* under tests/data */
        char *buf;
        size_t len;
};

static void load(struct nomem_input *in, const char *path)
{
        int ret;

        in->path = path;
        ret = util_read_file(path, &in->buf, &in->len);
        if (ret < 0)
                fail_msg("cannot read '%s': %s", path, strerror(-ret));
}

static FILE *devnull;
/* The FreeBSD sample's trace, parsed once (the phases case computes over it). */
static struct ev_trace bsd_trace;

/* What a run produced, in words: on a run whose failed allocation was
 * recovered from (the run returned 0), it must equal the clean run's. It
 * is written with the injector paused: its own allocations neither fail
 * nor count. */
static void say(struct sbuf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct sbuf *out, const char *fmt, ...)
{
        bool armed = nm.armed;
        va_list ap;

        nm.armed = false;
        va_start(ap, fmt);
        assert_int_equal(sbuf_vaddf(out, fmt, ap), 0);
        va_end(ap);
        nm.armed = armed;
}

static void say_trace(struct sbuf *out, const struct ev_trace *t)
{
        say(out, "recs %zu procs %zu warns %zu lines %llu\n", t->nrecs, t->nprocs, t->nwarns,
            (unsigned long long)t->lines_total);
        for (size_t i = 0; i < t->nwarns; i++)
                say(out, "%u %s\n", t->warns[i].line, t->warns[i].msg);
}

/* ---- one function per parser: returns 0 or a negative errno, says
 * what it got into out, and frees everything it allocated, whatever
 * happened ---- */

/* analyzer/tslog.h: tslog_parse */
static int nomem_run_tslog(const struct nomem_input *in, struct sbuf *out)
{
        struct tslog_options o = {0};
        struct tslog_meta meta;
        struct ev_trace t;
        int ret = ev_trace_init(&t, in->path);

        if (ret < 0)
                return ret;
        ret = tslog_parse(&t, in->buf, in->len, &o, &meta);
        if (ret == 0)
                say_trace(out, &t);
        ev_trace_free(&t);
        return ret;
}

/* analyzer/dmesg.h: dmesg_parse */
static int nomem_run_dmesg(const struct nomem_input *in, struct sbuf *out)
{
        struct dmesg_meta meta;
        struct ev_trace t;
        int ret = ev_trace_init(&t, in->path);

        if (ret < 0)
                return ret;
        ret = dmesg_parse(&t, in->buf, in->len, &meta);
        if (ret == 0)
                say_trace(out, &t);
        ev_trace_free(&t);
        return ret;
}

/* analyzer/ksyms.h: ksyms_parse_kallsyms, then every symbol's address + 1
 * resolved and formatted */
static int nomem_run_kallsyms(const struct nomem_input *in, struct sbuf *out)
{
        struct ksyms *s = NULL;
        const char *p = in->buf, *end = in->buf + in->len;
        int ret = ksyms_parse_kallsyms(in->buf, in->len, in->path, &s, NULL, 0);

        if (ret < 0)
                return ret;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                struct ksyms_hit h;
                uint64_t addr;
                char buf[256];

                if (util_scan_u64(&p, end, 16, 0, &addr) == 0 &&
                    ksyms_resolve(s, addr + 1, &h) == 0) {
                        ksyms_format_hit(&h, buf, sizeof(buf));
                        say(out, "%s\n", buf);
                }
                p = nl ? nl + 1 : end;
        }
        ksyms_free(s);
        return 0;
}

/* analyzer/fgraph.h: fgraph_parse */
static int nomem_run_fgraph(const struct nomem_input *in, struct sbuf *out)
{
        struct fgraph_meta meta;
        struct ev_trace t;
        int ret = ev_trace_init(&t, in->path);

        if (ret < 0)
                return ret;
        ret = fgraph_parse(&t, in->buf, in->len, 1, 0, &meta);
        if (ret == 0)
                say_trace(out, &t);
        ev_trace_free(&t);
        return ret;
}

/* guest/framing.h: framing_parse */
static int nomem_run_framing(const struct nomem_input *in, struct sbuf *out)
{
        struct framing_dump d;
        int ret = framing_parse(in->buf, in->len, &d);

        if (ret == 0) {
                say(out, "%s sections %u\n", framing_status_str(d.status), d.nsections);
                framing_dump_free(&d);
        }
        return ret;
}

/* analyzer/phases.h: phases_load_map (the built-in FreeBSD map's text),
 * phases_set_point, phases_compute over the FreeBSD sample's trace */
static int nomem_run_phases(const struct nomem_input *in, struct sbuf *out)
{
        const char *map = phases_default_map(EV_OS_FREEBSD);
        struct phases *p = phases_new();
        char *err = NULL;
        int ret;

        if (!p)
                return -ENOMEM;
        ret = phases_load_map(p, map, strlen(map), "builtin:freebsd", &err);
        if (ret == 0)
                ret = phases_set_point(p, "guest.tsc0", 0);
        if (ret == 0)
                ret = phases_set_point(p, "dump.begin", 123456789);
        if (ret == 0)
                ret = phases_compute(p, &bsd_trace);
        for (size_t i = 0; ret == 0 && i < p->nresults; i++)
                say(out, "%s %d %lld %lld\n", p->results[i].def->name, p->results[i].available,
                    (long long)p->results[i].start, (long long)p->results[i].end);
        free(err);
        phases_free(p);
        return ret;
}

/* collector/session.h: session_open, session_list_runs, session_run_read
 * (the plain structs of the one session reader) */
static int nomem_run_session(const struct nomem_input *in, struct sbuf *out)
{
        struct session *s = NULL;
        unsigned *runs = NULL;
        char err[256];
        int n, ret = session_open(in->path, &s, err, sizeof(err));

        if (ret < 0)
                return ret;
        n = session_list_runs(s, &runs);
        ret = n < 0 ? n : 0;
        for (int i = 0; ret == 0 && i < n; i++) {
                const struct session_attempt *final;
                struct session_run run;

                ret = session_run_read(s, runs[i], &run, err, sizeof(err));
                if (ret < 0)
                        break;
                final = session_run_final(&run);
                say(out, "run %u %s %s %zu %llu\n", run.run, run.variant,
                    session_verdict_name(run.verdict), run.nattempts,
                    (unsigned long long)(final ? final->host.spawn : 0));
                session_run_free(&run);
        }
        free(runs);
        session_free(s);
        return ret;
}

/* The report of r as JSON into out: json_write to a memory stream, whose
 * buffer is libc's (not counted). */
static int say_report(struct sbuf *out, const struct run *r)
{
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        int ret;

        assert_non_null(f);
        ret = json_write(f, r, 10);
        fclose(f);
        if (ret == 0)
                say(out, "%s", text);
        __real_free(text);
        return ret;
}

/* analyze FILE of a tslog dump, to JSON: run_analyse (detection, the
 * built-in phase map and its points, call trees, phases), json_write */
static int nomem_run_analyze_tslog(const struct nomem_input *in, struct sbuf *out)
{
        struct run_options o = {0};
        struct run r = {0};
        char *buf = malloc(in->len + 1);
        int ret;

        if (!buf)
                return -ENOMEM;
        memcpy(buf, in->buf, in->len + 1);
        ret = run_analyse(&r, in->path, buf, in->len, &o, NULL, NULL);
        if (ret == 0)
                ret = say_report(out, &r);
        run_free(&r);
        return ret;
}

/* analyze SESSION of a Linux session: runset_open (session_open,
 * session_run_read), runset_analyse (dmesg, stitching, phases, marks),
 * json_write */
static int nomem_run_analyze_session(const struct nomem_input *in, struct sbuf *out)
{
        struct run_options o = {0};
        struct runset rs;
        char err[256], *msg = NULL;
        int ret = runset_open(in->path, &rs, err, sizeof(err));

        for (size_t i = 0; ret == 0 && i < rs.n; i++) {
                struct run r = {0};

                if (!rs.v[i].selected)
                        continue;
                ret = runset_analyse(&rs, i, &o, &r, &msg);
                if (ret == 0)
                        ret = say_report(out, &r);
                run_free(&r);
                free(msg);
                msg = NULL;
        }
        runset_free(&rs);
        return ret;
}

/* ---- the sweep ---- */

struct nomem_case {
        const char *name;
        const char *input; /* path under tests/data (a directory for sessions) */
        int (*run)(const struct nomem_input *in, struct sbuf *out);
        bool is_dir;
        /* The error a failed run may give besides -ENOMEM, and why. */
        int also_ok;
        const char *why_also;
};

/* NOMEM_TRAP=CASE:K (e.g. "dmesg:12"): whether it names this case, and K.
 * Under gdb, the trap stops at the K-th allocation of CASE. */
/* diagnose FILE of a Linux log: run_analyse, aggregate, diag_run (its
 * log scans, matches, notes and knobs); the findings said */
static int nomem_run_diagnose(const struct nomem_input *in, struct sbuf *out)
{
        struct run_options o = {0};
        struct run r = {0};
        struct aggregate agg = {0};
        struct diag_result res = {0};
        char *buf = malloc(in->len + 1);
        int ret;

        if (!buf)
                return -ENOMEM;
        memcpy(buf, in->buf, in->len + 1);
        ret = run_analyse(&r, in->path, buf, in->len, &o, NULL, NULL);
        if (ret == 0)
                ret = aggregate_add(&agg, &r, 1);
        if (ret == 0)
                ret = aggregate_finish(&agg, 20);
        if (ret == 0)
                ret = diag_run(&(struct diag_input){.name = in->path,
                                                    .agg = &agg,
                                                    .rep = &r,
                                                    .rep_source = in->path,
                                                    .nruns = 1,
                                                    .cmdline = "console=ttyS0",
                                                    .host_tsc_khz = 2299840},
                               &res);
        for (size_t i = 0; ret == 0 && i < res.n; i++)
                say(out, "%s %s %.0f %s %s\n", res.v[i].rule->id, res.v[i].what, res.v[i].saving_ns,
                    res.v[i].knob ? res.v[i].knob : "-", res.v[i].note ? res.v[i].note : "-");
        diag_result_free(&res);
        aggregate_free(&agg);
        run_free(&r);
        return ret;
}

static bool trap_case(const char *name, unsigned long *k)
{
        const char *v = getenv("NOMEM_TRAP");
        size_t n = strlen(name);

        if (!v || strncmp(v, name, n) != 0 || v[n] != ':')
                return false;
        *k = strtoul(v + n + 1, NULL, 10);
        return true;
}

/* A run that recovered yet gave another result: where they part. */
static void fail_differs(const char *name, unsigned long k, const struct sbuf *got,
                         const struct sbuf *want)
{
        size_t i = 0, from;

        while (i < got->len && i < want->len && got->buf[i] == want->buf[i])
                i++;
        from = i > 80 ? i - 80 : 0;
        fail_msg("%s: allocation %lu failed, the run returned 0, but its result differs at "
                 "byte %zu:\n%.160s\nwant:\n%.160s",
                 name, k, i, got->buf + from, want->buf + from);
}

static void sweep(const struct nomem_case *c)
{
        struct nomem_input in = {0};
        struct sbuf want = SBUF_INIT, got = SBUF_INIT;
        unsigned long points = 0, also = 0, recovered = 0;
        unsigned long trap_at = 0;
        bool trap;
        int ret;

        trap = trap_case(c->name, &trap_at);
        if (c->is_dir)
                in.path = c->input;
        else
                load(&in, c->input);
        /* Once without failures: the run must succeed. */
        ret = c->run(&in, &want);
        if (ret < 0)
                fail_msg("%s: %s without failures: %s", c->name, c->input, strerror(-ret));
        nm.nsites = 0;
        for (unsigned long k = 1;; k++) {
                sbuf_reset(&got);
                nm.count = 0;
                nm.live = 0;
                nm.fail_at = k;
                nm.hit = false;
                nm.trap = trap && trap_at == k;
                nm.armed = true;
                ret = c->run(&in, &got);
                nm.armed = false;
                if (nm.live != 0)
                        fail_msg("%s: allocation %lu failed: %ld blocks leaked", c->name, k,
                                 nm.live);
                if (!nm.hit) {
                        if (ret < 0)
                                fail_msg("%s: no failure at k=%lu, yet %s", c->name, k,
                                         strerror(-ret));
                        assert_string_equal(got.buf, want.buf);
                        break;
                }
                points++;
                if (ret == 0) {
                        /* Recovered (a retry, a fallback): then whole. */
                        if (strcmp(got.buf, want.buf) != 0)
                                fail_differs(c->name, k, &got, &want);
                        recovered++;
                } else if (ret != -ENOMEM) {
                        if (!c->also_ok || ret != c->also_ok)
                                fail_msg("%s: allocation %lu failed: %s, want -ENOMEM", c->name, k,
                                         strerror(-ret));
                        also++;
                }
        }
        printf("nomem: %-16s %5lu allocation points failed at %3zu sites: %lu -ENOMEM", c->name,
               points, nm.nsites, points - also - recovered);
        if (also)
                printf(", %lu %s (%s)", also, strerror(-c->also_ok), c->why_also);
        if (recovered)
                printf(", %lu recovered with the same result", recovered);
        printf("; none leaked (%s)\n", c->input + strlen(BOOTLENS_TEST_DATA "/"));
        assert_true(points > 0);
        if (!c->is_dir)
                free(in.buf);
        sbuf_release(&want);
        sbuf_release(&got);
}

#define DATA BOOTLENS_TEST_DATA "/"

static const struct nomem_case cases[] = {
    {.name = "tslog",
     .input = DATA "samples/freebsd15-firecracker-tslog-tail.txt",
     .run = nomem_run_tslog},
    {.name = "dmesg", .input = DATA "dmesg/real-console.log", .run = nomem_run_dmesg},
    {.name = "kallsyms", .input = DATA "kallsyms/excerpt.kallsyms", .run = nomem_run_kallsyms},
    {.name = "fgraph", .input = DATA "ftrace/graph-initcalls.txt", .run = nomem_run_fgraph},
    {.name = "framing", .input = DATA "guest/good.console", .run = nomem_run_framing},
    {.name = "phases",
     .input = DATA "samples/freebsd15-firecracker-tslog-head.txt",
     .run = nomem_run_phases},
    {.name = "session", .input = DATA "linux-session", .run = nomem_run_session, .is_dir = true},
    {.name = "analyze-tslog",
     .input = DATA "samples/freebsd15-firecracker-tslog-head.txt",
     .run = nomem_run_analyze_tslog},
    {.name = "analyze-session",
     .input = DATA "linux-session",
     .run = nomem_run_analyze_session,
     .is_dir = true},
    {.name = "diagnose", .input = DATA "diagnose/linux-calibrate.log", .run = nomem_run_diagnose},
};

static void test_every_parser_survives_each_failed_allocation(void **state)
{
        const struct nomem_case *c = *state;

        sweep(c);
}

static int setup(void **state)
{
        struct nomem_input head;
        struct tslog_options o = {0};
        struct tslog_meta meta;

        json_set_alloc_funcs(nomem_json_malloc, __wrap_free);
        devnull = fopen("/dev/null", "w");
        assert_non_null(devnull);
        load(&head, DATA "samples/freebsd15-firecracker-tslog-head.txt");
        assert_int_equal(ev_trace_init(&bsd_trace, head.path), 0);
        assert_int_equal(tslog_parse(&bsd_trace, head.buf, head.len, &o, &meta), 0);
        free(head.buf);
        return 0;
}

static int teardown(void **state)
{
        ev_trace_free(&bsd_trace);
        fclose(devnull);
        return 0;
}

int main(void)
{
        struct CMUnitTest tests[UTIL_ARRAY_SIZE(cases)];

        for (size_t i = 0; i < UTIL_ARRAY_SIZE(cases); i++) {
                tests[i] = (struct CMUnitTest)cmocka_unit_test_prestate(
                    test_every_parser_survives_each_failed_allocation, (void *)&cases[i]);
                tests[i].name = cases[i].name;
        }
        return cmocka_run_group_tests(tests, setup, teardown);
}
