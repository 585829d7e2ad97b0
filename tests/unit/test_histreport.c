/* Unit tests of reports/histreport.h: every format of list, show, trend
 * and check rendered from structs filled by hand (as analyzer/history.h
 * and trend.h describe them) and compared byte for byte with the goldens
 * in tests/data/history/ (JSON without its "tool" line, which names the
 * version). BOOTLENS_REGEN=1 rewrites the goldens: review the diff. The
 * fixtures carry hostile text (a label with '|', '<', '*', a session id
 * with a backquote, a function named with markup) that every format must
 * show as the text it is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/compare.h"
#include "base/sbuf.h"
#include "base/util.h"
#include "golden.h"
#include "reports/histreport.h"

#define DATA BOOTLENS_TEST_DATA "/history/"
#define MS   1e6

static struct history_label labels_a[] = {
    {"branch", "main"}, {"commit", "0123abc"}, {"kernel", "6.1.0-55"}};
static struct history_label labels_b[] = {
    {"branch", "main"}, {"commit", "4567def"}, {"kernel", "6.1.0-56"}, {"note", "a|b <x> *y*"}};
static struct history_label labels_c[] = {
    {"branch", "topic"}, {"job", "ci-42"}, {"kernel", "6.1.0-57"}};

static void entry(struct history_entry *e, int64_t id, const char *sid, const char *created,
                  struct history_label *l, size_t nl)
{
        memset(e, 0, sizeof(*e));
        e->id = id;
        e->session_id = (char *)sid;
        e->variant = (char *)"default";
        e->path = (char *)"/srv/sessions/x";
        e->created = (char *)created;
        e->added = (char *)"2026-12-01T10:00:00Z";
        e->host_cpu = (char *)"Intel(R) Xeon(R) Processor";
        e->host_kernel = (char *)"6.1.0-28-amd64";
        e->qemu_version = (char *)"QEMU emulator version 7.2.22";
        e->accel = (char *)"tcg";
        e->kernel_path = (char *)"/cache/vmlinuz-6.1.0-55-cloud-amd64";
        e->kernel_sha256 =
            (char *)"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        e->kernel_version = (char *)"6.1.0-55-cloud-amd64";
        e->cmdline = (char *)"console=hvc0 quiet";
        e->labels = l;
        e->nlabels = nl;
        e->runs_recorded = 6;
        e->runs_ok = 5;
        e->runs_used = 5;
}

static struct history_entry entries[3];

static void fill_entries(void)
{
        entry(&entries[0], 1, "20261125-015734-a1b2", "2026-11-25T01:57:34Z", labels_a, 3);
        entry(&entries[1], 2, "20261126-101010-`x`", "2026-11-26T10:10:10Z", labels_b, 4);
        entry(&entries[2], 3, "20261127-080000-c3d4", "2026-11-27T08:00:00Z", labels_c, 3);
        entries[2].variant = (char *)"pvh";
        entries[2].runs_left_out = 1;
        entries[2].runs_used = 4;
        entries[2].host_cpu = NULL;
}

/* Render with fn into memory; the text (malloc'd). */
typedef int (*render_fn)(FILE *out, const void *ctx, const struct histreport_options *o);

static char *render(render_fn fn, const void *ctx, enum histreport_format f)
{
        struct histreport_options o = {.format = f, .db = "/var/lib/ci/history.db"};
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);

        assert_non_null(out);
        assert_int_equal(fn(out, ctx, &o), 0);
        fclose(out);
        return buf;
}

static void check_golden(const char *name, char *got)
{
        golden_check(DATA, name, got);
}

/* ---- list, show ---- */

static const double totals[3] = {3541.9 * MS, 3581.55 * MS, NAN};

static int do_list(FILE *out, const void *ctx, const struct histreport_options *o)
{
        (void)ctx;
        return histreport_list(out, entries, 3, totals, o);
}

static void test_histreport_list_golden(void **state)
{
        (void)state;
        fill_entries();
        check_golden("list.table", render(do_list, NULL, HISTREPORT_TABLE));
        check_golden("list.json", render(do_list, NULL, HISTREPORT_JSON));
        check_golden("list.csv", render(do_list, NULL, HISTREPORT_CSV));
}

static void test_histreport_list_empty(void **state)
{
        struct histreport_options o = {.format = HISTREPORT_TABLE};
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);

        (void)state;
        assert_int_equal(histreport_list(out, NULL, 0, NULL, &o), 0);
        fclose(out);
        assert_string_equal(buf, "bootlens history list, 0 entries\n");
        free(buf);
}

static struct history_metric metrics[4];

static void fill_metrics(void)
{
        static const struct {
                const char *name;
                enum compare_kind kind;
                const char *phase;
                double med;
        } m[4] = {{"total", COMPARE_TOTAL, NULL, 3541.9},
                  {"phase:initcalls", COMPARE_PHASE, "initcalls", 1522.25},
                  {"phase:qemu", COMPARE_PHASE, "qemu", 98.4},
                  {"fn:init_kprobe_trace", COMPARE_FN, "initcalls", 4.125}};

        for (size_t i = 0; i < 4; i++) {
                metrics[i].name = (char *)m[i].name;
                metrics[i].kind = m[i].kind;
                metrics[i].phase = (char *)m[i].phase;
                metrics[i].s = (struct history_summary){
                    .n = 5,
                    .median = m[i].med * MS,
                    .ci_lo = m[i].med * 0.99 * MS,
                    .ci_hi = m[i].med * 1.02 * MS,
                    .ci_coverage = 0.9375,
                    .q25 = m[i].med * 0.995 * MS,
                    .q75 = m[i].med * 1.01 * MS,
                    .min = m[i].med * 0.98 * MS,
                    .max = m[i].med * 1.03 * MS,
                };
        }
}

static int do_show(FILE *out, const void *ctx, const struct histreport_options *o)
{
        (void)ctx;
        return histreport_show(out, &entries[1], metrics, 4, o);
}

static void test_histreport_show_golden(void **state)
{
        (void)state;
        fill_entries();
        fill_metrics();
        check_golden("show.table", render(do_show, NULL, HISTREPORT_TABLE));
        check_golden("show.json", render(do_show, NULL, HISTREPORT_JSON));
}

/* ---- trend ---- */

#define NPOINTS 6

static struct history_entry pentries[NPOINTS];
static struct history_label plabels[NPOINTS];
static char pnames[NPOINTS][32], psess[NPOINTS][32], pcreated[NPOINTS][32];

/* A series of phase:initcalls by kernel, a step of +812.4 ms at point 3. */
static void fill_trend(struct trend *t, struct history_point *pts, struct trend_change *c,
                       size_t *seg, size_t *at)
{
        static const double med[NPOINTS] = {1522.2, 1519.8, 1524.6, 2334.6, 2331.0, 2338.9};

        memset(t, 0, sizeof(*t));
        for (size_t i = 0; i < NPOINTS; i++) {
                snprintf(pnames[i], sizeof(pnames[i]), "6.1.0-%zu", 55 + i);
                snprintf(psess[i], sizeof(psess[i]), "sess-%zu", 55 + i);
                snprintf(pcreated[i], sizeof(pcreated[i]), "2026-11-%02zuT12:00:00Z", 20 + i);
                plabels[i] = (struct history_label){"kernel", pnames[i]};
                entry(&pentries[i], (int64_t)(10 + i), psess[i], pcreated[i], &plabels[i], 1);
                pts[i].e = pentries[i];
                pts[i].by = pnames[i];
                pts[i].s = (struct history_summary){.n = 5,
                                                    .median = med[i] * MS,
                                                    .ci_lo = (med[i] - 6.5) * MS,
                                                    .ci_hi = (med[i] + 7.25) * MS,
                                                    .ci_coverage = 0.9375,
                                                    .q25 = (med[i] - 3) * MS,
                                                    .q75 = (med[i] + 3) * MS,
                                                    .min = (med[i] - 9) * MS,
                                                    .max = (med[i] + 9) * MS};
                seg[i] = i < 3 ? 0 : 1;
        }
        t->s.metric = (char *)"phase:initcalls";
        t->s.kind = COMPARE_PHASE;
        t->s.v = pts;
        t->s.n = NPOINTS;
        t->s.nmissing_label = 2;
        t->s.nmissing_metric = 1;
        at[0] = 3;
        t->cp =
            (struct cp_result){.at = at, .n = 1, .sigma = 3.1 * MS, .beta = 3.58, .ndropped = 1};
        c[0] = (struct trend_change){.at = 3,
                                     .label_before = pnames[2],
                                     .label_at = pnames[3],
                                     .before = 1522.254 * MS,
                                     .after = 2334.6 * MS,
                                     .step = 812.4 * MS,
                                     .ci = {.lo = 640.1 * MS, .hi = 990.2 * MS, .coverage = 0.95},
                                     .runs_before = 15,
                                     .runs_after = 15,
                                     .points_before = 3,
                                     .points_after = 3};
        t->c = c;
        t->nc = 1;
        t->segment = seg;
}

struct trend_ctx {
        const struct trend *t;
        const struct trend_options *to;
};

static int do_trend(FILE *out, const void *ctx, const struct histreport_options *o)
{
        const struct trend_ctx *x = ctx;

        return histreport_trend(out, x->t, x->to, o);
}

static void test_histreport_trend_golden(void **state)
{
        struct history_point pts[NPOINTS];
        struct trend_change c[1];
        size_t seg[NPOINTS], at[1];
        struct trend t;
        struct trend_options to;
        struct history_label where = {"branch", "main"};
        struct history_filter f = {&where, 1};
        struct trend_ctx x = {&t, &to};

        (void)state;
        fill_trend(&t, pts, c, seg, at);
        trend_options_default(&to);
        to.by = "kernel";
        to.where = &f;
        check_golden("trend.table", render(do_trend, &x, HISTREPORT_TABLE));
        check_golden("trend.json", render(do_trend, &x, HISTREPORT_JSON));
        check_golden("trend.csv", render(do_trend, &x, HISTREPORT_CSV));
}

/* ---- check ---- */

/* Values around median ms with a spread of +-2 ms. */
static void runs(double *v, size_t n, double median)
{
        static const double d[] = {-2, 1.5, 0, -0.75, 2, -1.25, 0.5, 1, -1.5, 0.25};

        for (size_t i = 0; i < n; i++)
                v[i] = (median + d[i % 10]) * MS;
}

static void gate_add(struct compare *g, enum compare_kind k, const char *name, const char *phase,
                     double base, double new)
{
        double a[15], b[5];

        runs(a, 15, base);
        runs(b, 5, new);
        assert_int_equal(compare_add(g, k, name, phase, a, 15, 15, b, 5, 5), 0);
}

static char *check_labels[2] = {"6.1.0-55", "6.1.0-57"};
static char *notes[1] = {"phase:user space: no earlier point: not compared"};

/* The newest point 6.1.0-58 against 3 points: regressed (initcalls
 * +812 ms) or not (every metric as before). */
static struct trend_check_fresh check_fresh[] = {
    {.name = "fn:tpm_init", .phase = "initcalls", .median_new = 736.2e6, .below = 0.9e6},
};

static void fill_check(struct trend_check *c, struct trend_check_base *bases, bool regress)
{
        struct stats_options so;

        memset(c, 0, sizeof(*c));
        stats_options_default(&so);
        c->judged = true;
        entry(&c->newest, 42, "sess-58", "2026-11-28T12:00:00Z", labels_c, 3);
        c->newest_label = "6.1.0-58";
        c->points = 7;
        if (regress) {
                c->fresh = check_fresh;
                c->nfresh = 1;
        }
        gate_add(&c->gate, COMPARE_TOTAL, "total", NULL, 3541.9, regress ? 4354.3 : 3542.0);
        gate_add(&c->gate, COMPARE_PHASE, "initcalls", "initcalls", 1522.25,
                 regress ? 2334.65 : 1522.0);
        gate_add(&c->gate, COMPARE_PHASE, "qemu", "qemu", 98.4, 98.5);
        assert_int_equal(compare_evaluate(&c->gate, &so), 0);
        for (size_t i = 0; i < 3; i++)
                bases[i] = (struct trend_check_base){.metric = c->gate.m[i].name,
                                                     .first = 3,
                                                     .last = 5,
                                                     .label_first = check_labels[0],
                                                     .label_last = check_labels[1],
                                                     .points = 3,
                                                     .runs = 15,
                                                     .changes = 1,
                                                     .spread = 4.2e6};
        bases[2].tail = 1; /* qemu: the newest point before this one on a new level */
        c->base = bases;
        c->notes = notes;
        c->nnotes = 1;
        gate_add(&c->fns, COMPARE_FN, "init_kprobe_trace", "initcalls", 91.9,
                 regress ? 904.3 : 92.0);
        gate_add(&c->fns, COMPARE_FN, "crypto_algapi_init", "initcalls", 448.2, 447.0);
        gate_add(&c->fns, COMPARE_FN, "evil|`x`<b>*", "initcalls", 12.0, 15.0);
        gate_add(&c->fns, COMPARE_FN, "virtio_init", "initcalls", 3.5, 3.6);
        gate_add(&c->fns, COMPARE_FN, "pci_subsys_init", "initcalls", 30.0, 31.0);
        gate_add(&c->fns, COMPARE_FN, "acpi_init", "initcalls", 60.0, 58.0);
        gate_add(&c->fns, COMPARE_FN, "qemu_fn", "qemu", 8.0, 9.0);
        assert_int_equal(compare_evaluate(&c->fns, &so), 0);
        c->regressed = compare_any_slower(&c->gate);
}

static int do_check(FILE *out, const void *ctx, const struct histreport_options *o)
{
        return histreport_check(out, ctx, o);
}

static void test_histreport_check_regressed_golden(void **state)
{
        struct trend_check c;
        struct trend_check_base bases[3];
        char *md;

        (void)state;
        fill_check(&c, bases, true);
        assert_true(c.regressed);
        check_golden("check.table", render(do_check, &c, HISTREPORT_TABLE));
        check_golden("check.json", render(do_check, &c, HISTREPORT_JSON));
        md = render(do_check, &c, HISTREPORT_MD);
        /* the first line names the phase, the step, its CI, p and the base */
        assert_non_null(strstr(md, "**bootlens: boot time regressed** in phase `initcalls`: "
                                   "+812.4 ms ["));
        assert_non_null(strstr(md, "after Holm) against 3 earlier points (`6.1.0-55` .. "
                                   "`6.1.0-57`, 15 runs)\n"));
        /* a hostile function name stays text */
        assert_non_null(strstr(md, "| evil\\|\\`x\\`&lt;b&gt;\\* |"));
        assert_non_null(strstr(md, "#### Functions that moved in phase `initcalls`"));
        /* top 5 of the 6 functions of initcalls, not qemu's */
        assert_null(strstr(md, "qemu\\_fn"));
        check_golden("check.md", md);
        compare_free(&c.gate);
        compare_free(&c.fns);
}

static void test_histreport_check_ok_golden(void **state)
{
        struct trend_check c;
        struct trend_check_base bases[3];

        (void)state;
        fill_check(&c, bases, false);
        assert_false(c.regressed);
        check_golden("check-ok.md", render(do_check, &c, HISTREPORT_MD));
        check_golden("check-ok.table", render(do_check, &c, HISTREPORT_TABLE));
        compare_free(&c.gate);
        compare_free(&c.fns);
}

static void test_histreport_check_not_judged(void **state)
{
        struct trend_check c;
        char *s;

        (void)state;
        memset(&c, 0, sizeof(c));
        entry(&c.newest, 1, "sess-55", "2026-11-20T12:00:00Z", labels_a, 3);
        c.newest_label = "6.1.0-55";
        c.points = 1;
        c.why = (char *)"1 point in the series: no earlier point to compare with";
        check_golden("check-not-judged.md", render(do_check, &c, HISTREPORT_MD));
        check_golden("check-not-judged.json", render(do_check, &c, HISTREPORT_JSON));
        s = render(do_check, &c, HISTREPORT_TABLE);
        assert_string_equal(s, "bootlens history check: not judged: 1 point in the series: no "
                               "earlier point to compare with\nnewest: 6.1.0-55 (entry 1, "
                               "sess-55:default, created 2026-11-20T12:00:00Z, 5 runs), point 0 "
                               "of the total's series (from 0)\n");
        free(s);
}

static void put_marked(FILE *out, const char *s)
{
        fprintf(out, "<%s>", s);
}

/* Every guest string of the table goes through put_text. */
static void test_histreport_table_uses_put_text(void **state)
{
        struct histreport_options o = {.format = HISTREPORT_TABLE, .put_text = put_marked};
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);

        (void)state;
        fill_entries();
        assert_int_equal(histreport_list(out, entries, 3, totals, &o), 0);
        fclose(out);
        assert_non_null(strstr(buf, "<20261126-101010-`x`>:<default>"));
        assert_non_null(strstr(buf, "<note>=<a|b <x> *y*>"));
        free(buf);
}

static void test_histreport_format_parse(void **state)
{
        enum histreport_format f;

        (void)state;
        assert_int_equal(histreport_format_parse("md", &f), 0);
        assert_int_equal(f, HISTREPORT_MD);
        assert_int_equal(histreport_format_parse("csv", &f), 0);
        assert_int_equal(f, HISTREPORT_CSV);
        assert_int_equal(histreport_format_parse("html", &f), -EINVAL);
        assert_int_equal(histreport_format_parse(NULL, &f), -EINVAL);
}

static void test_histreport_refuses_unknown_formats(void **state)
{
        struct histreport_options o = {.format = HISTREPORT_MD};
        FILE *out = fopen("/dev/null", "w");

        (void)state;
        fill_entries();
        fill_metrics();
        assert_int_equal(histreport_list(out, entries, 3, totals, &o), -EINVAL);
        assert_int_equal(histreport_show(out, &entries[0], metrics, 4, &o), -EINVAL);
        o.format = HISTREPORT_CSV;
        assert_int_equal(histreport_show(out, &entries[0], metrics, 4, &o), -EINVAL);
        fclose(out);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_histreport_list_golden),
            cmocka_unit_test(test_histreport_list_empty),
            cmocka_unit_test(test_histreport_show_golden),
            cmocka_unit_test(test_histreport_trend_golden),
            cmocka_unit_test(test_histreport_check_regressed_golden),
            cmocka_unit_test(test_histreport_check_ok_golden),
            cmocka_unit_test(test_histreport_check_not_judged),
            cmocka_unit_test(test_histreport_table_uses_put_text),
            cmocka_unit_test(test_histreport_format_parse),
            cmocka_unit_test(test_histreport_refuses_unknown_formats),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
