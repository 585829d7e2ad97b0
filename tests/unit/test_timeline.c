/* Unit tests of the timeline figure (reports/timeline.h, docs/timeline.md):
 * the boxes of its .dat against the call trees, the rows, the phases'
 * row, the labels' quoting, and gnuplot drawing the script into an SVG
 * that parses. TIMELINE_KEEP=DIR keeps every figure drawn (also as PNG)
 * in DIR, to look at. */
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyzer/dmesg.h"
#include "analyzer/fgraph.h"
#include "analyzer/run.h"
#include "analyzer/runset.h"
#include "base/sbuf.h"
#include "base/util.h"
#include "reports/gnuplot.h"
#include "reports/timeline.h"
#include "scratch.h"
#include "skip.h"

#define SAMPLE_HEAD BOOTLENS_SAMPLES "/freebsd15-firecracker-tslog-head.txt"
#define SAMPLE_TAIL BOOTLENS_SAMPLES "/freebsd15-firecracker-tslog-tail.txt"
#define SESSION5    BOOTLENS_TEST_DATA "/linux-session-5"
#define ASYNC_LOG   BOOTLENS_TEST_DATA "/dmesg/async-pids.log"

struct dbox {
        double x0, x1, y0, y1;
        int color;
        unsigned calls;
        int what; /* 0 phase, 1 call, 2 merged calls */
};

struct figure {
        struct sbuf gp, dat, note;
        struct dbox *b;
        size_t n;
};

static void run_of_buffer(struct run *r, const char *name, const char *text)
{
        struct run_options o = {0};
        char *buf = strdup(text), *err = NULL;

        assert_non_null(buf);
        assert_int_equal(run_analyse(r, name, buf, strlen(text), &o, NULL, &err), 0);
}

static void run_of_file(struct run *r, const char *path)
{
        struct run_options o = {0};
        char *buf, *err = NULL;
        size_t len;
        bool opened;

        assert_int_equal(run_read_input(path, &buf, &len, &opened), 0);
        assert_int_equal(run_analyse(r, path, buf, len, &o, NULL, &err), 0);
}

/* Run i of the session, analysed with its host marks. */
static void run_of_session(struct run *r, const char *dir, size_t i)
{
        struct runset rs;
        struct run_options o = {0};
        char msg[256], *err = NULL;

        assert_int_equal(runset_open(dir, &rs, msg, sizeof(msg)), 0);
        assert_true(i < rs.n && rs.v[i].selected);
        assert_int_equal(runset_analyse(&rs, i, &o, r, &err), 0);
        runset_free(&rs);
}

static void parse_dat(struct figure *fg)
{
        const char *p = fg->dat.buf;
        size_t cap = 0;

        while (*p) {
                const char *end = strchr(p, '\n');
                struct dbox b;

                if (*p != '#' && *p != '\n') {
                        assert_int_equal(sscanf(p, "%lf %lf %lf %lf %d %u %d", &b.x0, &b.x1, &b.y0,
                                                &b.y1, &b.color, &b.calls, &b.what),
                                         7);
                        if (fg->n == cap) {
                                cap = cap ? cap * 2 : 64;
                                fg->b = realloc(fg->b, cap * sizeof(*fg->b));
                                assert_non_null(fg->b);
                        }
                        fg->b[fg->n++] = b;
                }
                p = end ? end + 1 : p + strlen(p);
        }
}

static void draw(struct figure *fg, const struct run *r, const struct gp_style *st,
                 const char *title)
{
        double w, h, tw, th;

        memset(fg, 0, sizeof(*fg));
        sbuf_init(&fg->gp);
        sbuf_init(&fg->dat);
        sbuf_init(&fg->note);
        char err[256];

        timeline_default_size(r, &w, &h);
        assert_true(w > 0 && h >= 320 && h <= 4000);
        /* as plot.c calls it: the size for the style, then gp_head */
        assert_int_equal(timeline_size(r, title, st, &tw, &th, err, sizeof(err)), 0);
        assert_true(tw > 0 && th > 0);
        assert_int_equal(gp_head(&fg->gp, st, "bootlens plot timeline", "timeline.out", tw, th), 0);
        assert_int_equal(timeline_write(r, title, st,
                                        "time_line.dat" /* an underscore: LaTeX would escape it */,
                                        &fg->gp, &fg->dat, &fg->note),
                         0);
        parse_dat(fg);
        if (getenv("TIMELINE_DEBUG"))
                fprintf(stderr, "%s\n--- note:\n%s", fg->gp.buf, fg->note.buf);
}

static void figure_free(struct figure *fg)
{
        sbuf_release(&fg->gp);
        sbuf_release(&fg->dat);
        sbuf_release(&fg->note);
        free(fg->b);
}

/* Whether the script holds name as gp_str() quotes it. */
static bool has_quoted(const struct figure *fg, const char *name)
{
        struct sbuf q = SBUF_INIT;
        bool found;

        assert_int_equal(gp_str(&q, GP_SVG, name), 0);
        found = strstr(fg->gp.buf, q.buf) != NULL;
        sbuf_release(&q);
        return found;
}

/* The count a note line gives, 0 without the line. */
static size_t note_count(const struct figure *fg, const char *words)
{
        const char *p = strstr(fg->note.buf, words);
        size_t n = 0;

        if (!p)
                return 0;
        while (p > fg->note.buf && p[-1] != '\n')
                p--;
        assert_int_equal(sscanf(p, "%zu", &n), 1);
        return n;
}

/* Calls the .dat stands for (boxes and merged boxes) plus those the note
 * says were not drawn. */
static size_t calls_accounted(const struct figure *fg)
{
        size_t n = note_count(fg, "with no neighbour to merge with");

        for (size_t i = 0; i < fg->n; i++)
                if (fg->b[i].what != 0)
                        n += fg->b[i].calls;
        return n;
}

static int cmp_dbox(const void *pa, const void *pb)
{
        const struct dbox *a = pa, *b = pb;

        if (a->y0 != b->y0)
                return a->y0 < b->y0 ? -1 : 1;
        return a->x0 < b->x0 ? -1 : a->x0 > b->x0;
}

/* No two boxes of one row overlap; returns the number of rows. */
static size_t assert_rows_disjoint(struct figure *fg)
{
        size_t rows = 0;

        qsort(fg->b, fg->n, sizeof(*fg->b), cmp_dbox);
        for (size_t i = 0; i < fg->n; i++) {
                assert_true(fg->b[i].x1 >= fg->b[i].x0);
                if (i == 0 || fg->b[i].y0 != fg->b[i - 1].y0) {
                        rows++;
                        continue;
                }
                assert_true(fg->b[i - 1].x1 <= fg->b[i].x0 + 1e-9);
        }
        return rows;
}

/* Activations in the call trees: completed and open ones, every frame. */
static size_t tree_activations(const struct run *r)
{
        const struct ct_forest *f = &r->analysis.forest;
        size_t n = 0;

        for (size_t i = 0; i < f->nnodes; i++)
                if (f->nodes[i].depth > 0)
                        n += f->nodes[i].calls + f->nodes[i].open;
        return n;
}

/* Linux initcalls in the call trees: a PID's outermost frames. */
static size_t tree_initcalls(const struct run *r, bool pid1)
{
        const struct ct_forest *f = &r->analysis.forest;
        uint32_t probe = ev_lookup(&r->trace, "probe");
        size_t n = 0;

        for (size_t i = 0; i < f->nnodes; i++) {
                const struct ct_node *nd = &f->nodes[i];
                uint64_t id = f->threads[nd->thread].id;

                if (nd->depth != 1 || nd->name == probe || id == DMESG_PROBE_THREAD ||
                    id >= FGRAPH_THREAD_BASE || (id == 1) != pid1)
                        continue;
                n += nd->calls + nd->open;
        }
        return n;
}

/* The phase boxes (what 0) in x order follow the map's order. */
static size_t assert_phases_in_order(const struct figure *fg)
{
        int last = -1;
        size_t n = 0;

        for (size_t i = 0; i < fg->n; i++) { /* sorted by row, then x */
                if (fg->b[i].what != 0)
                        continue;
                assert_true(fg->b[i].y0 < 1); /* the top row */
                assert_true(fg->b[i].color > last);
                last = fg->b[i].color;
                n++;
        }
        return n;
}

static bool have_gnuplot(void)
{
        char err[256];
        char dir[] = "/tmp/bootlens-tl-XXXXXX";
        bool ok;
        FILE *f;

        assert_non_null(mkdtemp(dir));
        f = fopen(strcat(strcpy((char[64]){0}, dir), "/t.gp"), "w");
        assert_non_null(f);
        fputs("print 1\n", f);
        fclose(f);
        ok = gp_run(dir, "t.gp", 10, err, sizeof(err)) != -ENOENT;
        scratch_rm_rf(dir);
        return ok;
}

static void write_in(const char *dir, const char *name, const struct sbuf *sb)
{
        char path[512];

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        assert_int_equal(util_write_file_atomic(path, sb->buf, sb->len), 0);
}

/* Draw the figure in dir as timeline.out with gnuplot; the output's
 * contents. */
static char *render(const struct figure *fg, const char *dir)
{
        char err[512], path[512], *out = NULL;
        size_t len;
        int rc;

        write_in(dir, "timeline.gp", &fg->gp);
        write_in(dir, "time_line.dat", &fg->dat);
        rc = gp_run(dir, "timeline.gp", 60, err, sizeof(err));
        if (rc)
                fprintf(stderr, "gp_run: %s\n", err);
        assert_int_equal(rc, 0);
        snprintf(path, sizeof(path), "%s/timeline.out", dir);
        assert_int_equal(util_read_file(path, &out, &len), 0);
        assert_true(len > 500);
        return out;
}

/* Keep the figure for a person to look at: svg and png in TIMELINE_KEEP. */
static void keep(const struct run *r, const char *name, bool mono)
{
        const char *dir = getenv("TIMELINE_KEEP");
        const enum gp_term terms[] = {GP_SVG, GP_PNG, GP_DUMB};
        const char *ext[] = {"svg", "png", "txt"};

        if (!dir || !*dir)
                return;
        for (size_t k = 0; k < 3; k++) {
                struct gp_style st = {.term = terms[k], .mono = mono};
                struct figure fg;
                char sub[512], from[600], to[600];
                char *out;

                snprintf(sub, sizeof(sub), "%s/%s-%s", dir, name, ext[k]);
                util_mkdir_p(sub, 0755);
                draw(&fg, r, &st, name);
                out = render(&fg, sub);
                free(out);
                snprintf(from, sizeof(from), "%s/timeline.out", sub);
                snprintf(to, sizeof(to), "%s/%s.%s", dir, name, ext[k]);
                rename(from, to);
                fprintf(stderr, "kept %s\nnote:\n%s", to, fg.note.buf);
                figure_free(&fg);
        }
}

/* python3 parses the file as XML. */
static void assert_xml(const char *path)
{
        const char *py = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
        char *argv[] = {(char *)py, "-c",
                        "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])",
                        (char *)path, NULL};
        int status = 0;
        pid_t pid = fork();

        if (pid == 0) {
                execvp(argv[0], argv);
                _exit(127);
        }
        assert_true(pid > 0);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status) == 127)
                return; /* no python3: the text checks still ran */
        assert_int_equal(WEXITSTATUS(status), 0);
}

/* Draw fg into the fresh directory dir (a mkdtemp template) as an SVG
 * that parses; without gnuplot, release fg and r and skip the test. */
static char *render_svg_or_skip(struct figure *fg, struct run *r, char *dir)
{
        char path[600];
        char *svg;

        if (!have_gnuplot()) {
                figure_free(fg);
                run_free(r);
                test_skip("gnuplot is not installed");
        }
        assert_non_null(mkdtemp(dir));
        svg = render(fg, dir);
        snprintf(path, sizeof(path), "%s/timeline.out", dir);
        assert_xml(path);
        return svg;
}

static void test_timeline_bsd_sample_draws_every_activation_unmerged(void **state)
{
        struct gp_style st = {.term = GP_SVG};
        struct figure fg;
        struct run r;
        size_t nboxes = 0;

        (void)state;
        run_of_file(&r, SAMPLE_HEAD);
        keep(&r, "freebsd-head", false);
        keep(&r, "freebsd-head-mono", true);
        draw(&fg, &r, &st, "FreeBSD sample");
        /* every activation of the call trees is a box, in a merged box, or
         * counted as not drawn */
        assert_int_equal(calls_accounted(&fg), tree_activations(&r));
        assert_true(tree_activations(&r) >= 55);
        assert_true(assert_rows_disjoint(&fg) >= 4);      /* phases + depths */
        assert_int_equal(assert_phases_in_order(&fg), 2); /* firmware, early */
        assert_non_null(strstr(fg.note.buf, "phases not shown (unavailable): vmm"));
        assert_non_null(strstr(fg.gp.buf, "'time since the guest TSC''s zero (ms; guest clock"));
        assert_non_null(strstr(fg.gp.buf, "set label 1 'phases' at graph 0, first 0.500 right"));
        assert_non_null(strstr(fg.gp.buf, "set label 2 'kernel' at graph 0, first 1.850 right"));
        /* the boot's outer frames are wide enough for their names */
        assert_non_null(strstr(fg.gp.buf, "'hammer_time' at"));
        assert_non_null(strstr(fg.gp.buf, "'_vprintf' at"));
        if (have_gnuplot()) {
                static const char *const shown[] = {"firmware",   "early",    "hammer_time",
                                                    "mi_startup", "_vprintf", "kernel"};
                char dir[] = "/tmp/bootlens-tl-XXXXXX", path[600];
                char *svg;

                assert_non_null(mkdtemp(dir));
                svg = render(&fg, dir);
                snprintf(path, sizeof(path), "%s/timeline.out", dir);
                assert_xml(path);
                for (size_t k = 0; k < sizeof(shown) / sizeof(shown[0]); k++)
                        assert_non_null(strstr(svg, shown[k]));
                free(svg);
                scratch_rm_rf(dir);
        }
        /* at 20000 px most calls are boxes of their own */
        figure_free(&fg);
        st.has_size = true, st.width = 20000, st.height = 800;
        draw(&fg, &r, &st, NULL);
        assert_int_equal(calls_accounted(&fg), tree_activations(&r));
        for (size_t i = 0; i < fg.n; i++)
                nboxes += fg.b[i].what == 1;
        assert_true(nboxes >= 40);
        figure_free(&fg);
        run_free(&r);
}

static void test_timeline_bsd_tail_has_a_band_per_thread(void **state)
{
        struct gp_style st = {.term = GP_SVG};
        struct figure fg;
        struct run r;
        char label[256];
        size_t bands = 0;

        (void)state;
        run_of_file(&r, SAMPLE_TAIL);
        keep(&r, "freebsd-tail", false);
        draw(&fg, &r, &st, NULL);
        assert_int_equal(calls_accounted(&fg), tree_activations(&r));
        assert_rows_disjoint(&fg);
        /* threads with records each have a named band on the y axis */
        for (size_t k = 0; k < r.analysis.forest.nthreads; k++) {
                ct_thread_label(&r.analysis.forest, (uint32_t)k, label, sizeof(label));
                label[28] = '\0';
                bands += has_quoted(&fg, label);
        }
        assert_true(bands >= 2);
        assert_non_null(strstr(fg.note.buf, "open when the buffer was read"));
        figure_free(&fg);
        run_free(&r);
}

static void test_timeline_linux_session_run_from_spawn(void **state)
{
        static const char *const names[] = {"qemu",         "firmware+entry", "printk lag",
                                            "early kernel", "initcalls",      "late init",
                                            "user space",   "power-off"};
        struct gp_style st = {.term = GP_SVG};
        struct figure fg;
        struct run r;
        char dir[] = "/tmp/bootlens-tl-XXXXXX";
        char *svg, *again;
        size_t sync = 0;

        (void)state;
        run_of_session(&r, SESSION5, 0);
        keep(&r, "linux-session-5-run1", false);
        keep(&r, "linux-session-5-run1-mono", true);
        draw(&fg, &r, &st, "linux-session-5 run 1");
        assert_int_equal(calls_accounted(&fg),
                         tree_initcalls(&r, true) + tree_initcalls(&r, false));
        assert_true(tree_initcalls(&r, true) >= 100);
        assert_true(assert_rows_disjoint(&fg) >= 2);
        assert_int_equal(assert_phases_in_order(&fg), 8);
        /* the zero is QEMU's spawn: the qemu phase starts there */
        for (size_t i = 0; i < fg.n; i++) {
                if (fg.b[i].what == 0 && fg.b[i].color == 0)
                        assert_true(fabs(fg.b[i].x0) < 1e-9);
                if (fg.b[i].what != 0 && fg.b[i].y0 < 2)
                        sync += fg.b[i].calls;
        }
        assert_non_null(strstr(fg.gp.buf, "'time since QEMU''s spawn (ms; host clock"));
        assert_non_null(strstr(fg.gp.buf, "'initcalls, pid 1'"));
        assert_string_equal(fg.note.buf + strlen(fg.note.buf) - 1, "\n");
        for (size_t k = 0; k < 8; k++)
                assert_true(has_quoted(&fg, names[k])); /* in the key at least */
        svg = render_svg_or_skip(&fg, &r, dir);
        for (size_t k = 0; k < 8; k++)
                assert_non_null(strstr(svg, names[k]));
        assert_non_null(strstr(svg, "initcalls, pid 1"));
        assert_non_null(strstr(svg, "crypto_algapi_init")); /* the widest initcall's label */
        /* the same run gives the same script, data and SVG */
        {
                struct figure fg2;
                draw(&fg2, &r, &st, "linux-session-5 run 1");
                assert_string_equal(fg.gp.buf, fg2.gp.buf);
                assert_string_equal(fg.dat.buf, fg2.dat.buf);
                again = render(&fg2, dir);
                assert_string_equal(svg, again);
                free(again);
                figure_free(&fg2);
        }
        free(svg);
        scratch_rm_rf(dir);
        figure_free(&fg);
        run_free(&r);
}

static void test_timeline_linux_async_initcalls_on_lanes_of_their_own(void **state)
{
        struct gp_style st = {.term = GP_SVG, .has_size = true, .width = 20000, .height = 400};
        struct figure fg;
        struct run r;
        size_t sync = 0, async = 0, rows;
        double sync_y = -1;

        (void)state;
        run_of_file(&r, ASYNC_LOG);
        keep(&r, "linux-async", false);
        draw(&fg, &r, &st, NULL);
        rows = assert_rows_disjoint(&fg);
        assert_int_equal(calls_accounted(&fg),
                         tree_initcalls(&r, true) + tree_initcalls(&r, false));
        for (size_t i = 0; i < fg.n; i++) {
                if (fg.b[i].what == 0)
                        continue;
                if (sync_y < 0)
                        sync_y = fg.b[i].y0; /* the first row after the phases */
                if (fg.b[i].y0 == sync_y)
                        sync += fg.b[i].calls;
                else
                        async += fg.b[i].calls;
        }
        assert_int_equal(sync, tree_initcalls(&r, true));
        /* the open one at the log's end lasts no time: not drawn */
        assert_int_equal(async + note_count(&fg, "with no neighbour to merge with"),
                         tree_initcalls(&r, false));
        assert_true(async >= 4);
        /* pids 152 and 153 run at once: two lanes */
        assert_int_equal(rows, 1 + 1 + 2);
        assert_non_null(strstr(fg.gp.buf, "'async 1'"));
        assert_non_null(strstr(fg.gp.buf, "'async 2'"));
        assert_non_null(strstr(fg.gp.buf, "'time since printk''s zero (ms; guest clock, no host"));
        assert_non_null(strstr(fg.note.buf, "device probes not drawn"));
        assert_non_null(strstr(fg.note.buf, "qemu (no host.spawn)"));
        figure_free(&fg);
        run_free(&r);
}

static const char hostile[] = "0x1 100000000 ENTER hammer_time\n"
                              "0x1 110000000 ENTER it's\n"
                              "0x1 200000000 EXIT it's\n"
                              "0x1 210000000 ENTER `touch CANARY`\n"
                              "0x1 300000000 EXIT `touch CANARY`\n"
                              "0x1 310000000 ENTER system(\"touch\tCANARY\")\n"
                              "0x1 400000000 EXIT system(\"touch\tCANARY\")\n"
                              "0x1 410000000 ENTER <script>&amp;@x\n"
                              "0x1 500000000 EXIT <script>&amp;@x\n"
                              "0x1 600000000 EXIT hammer_time\n"
                              "0x2 150000000 THREAD name'`x` 50%s\n"
                              "0x2 150000000 ENTER a\\nb\n"
                              "0x2 550000000 EXIT a\\nb\n";

static void test_timeline_quotes_names_with_gp_str(void **state)
{
        static const char *const names[] = {
            "it's",  "`touch CANARY`", "system(\"touch CANARY\")", "<script>&amp;@x",
            "a\\nb", "name'`x` 50%s"};
        struct gp_style st = {.term = GP_SVG};
        struct figure fg;
        struct run r;
        char dir[] = "/tmp/bootlens-tl-XXXXXX", canary[600];
        char *svg;

        (void)state;
        run_of_buffer(&r, "hostile.txt", hostile);
        keep(&r, "hostile", false);
        draw(&fg, &r, &st, "it's `a` title");
        for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
                assert_true(has_quoted(&fg, names[k]));
        assert_null(strstr(fg.gp.buf, "\t"));
        assert_null(strstr(fg.dat.buf, "touch"));
        assert_non_null(strstr(fg.note.buf, "Mcycles"));
        assert_non_null(strstr(fg.gp.buf, "(Mcycles; TSC frequency unknown)"));
        svg = render_svg_or_skip(&fg, &r, dir);
        snprintf(canary, sizeof(canary), "%s/CANARY", dir);
        assert_int_not_equal(access(canary, F_OK), 0);
        assert_int_not_equal(access("CANARY", F_OK), 0);
        assert_non_null(strstr(svg, "&lt;script>&amp;amp;@x"));
        assert_non_null(strstr(svg, "`touch CANARY`"));
        assert_non_null(strstr(svg, "name'`x` 50%s")); /* a row's name, not a format */
        free(svg);
        scratch_rm_rf(dir);
        figure_free(&fg);
        run_free(&r);
}

/* A tslog of n calls of short functions under one long one, and deep
 * recursion: thousands of activations. */
static char *many_calls(size_t n)
{
        struct sbuf sb = SBUF_INIT;
        uint64_t ts = 1000;

        sbuf_adds(&sb, "@@bootlens v1 begin os=freebsd tsc_freq=1000000000 tsc_now=99000000\n"
                       "@@bootlens section tslog\n");
        sbuf_addf(&sb, "0xa %llu ENTER mi_startup\n", (unsigned long long)ts);
        for (size_t i = 0; i < n; i++) {
                sbuf_addf(&sb, "0xa %llu ENTER SYSINIT f%zu\n", (unsigned long long)(ts += 10),
                          i % 97);
                if (i % 500 == 0)
                        ts += 2000000; /* a wide one now and then */
                sbuf_addf(&sb, "0xa %llu EXIT SYSINIT f%zu\n", (unsigned long long)(ts += 3000),
                          i % 97);
        }
        sbuf_addf(&sb, "0xa %llu EXIT mi_startup\n", (unsigned long long)(ts += 10));
        return sb.buf;
}

static void test_timeline_thousands_of_calls_stay_small_and_deterministic(void **state)
{
        struct gp_style st = {.term = GP_SVG};
        struct figure a, b;
        struct run r;
        char *text = many_calls(6000);

        (void)state;
        run_of_buffer(&r, "many.txt", text);
        free(text);
        keep(&r, "many-calls", false);
        draw(&a, &r, &st, NULL);
        draw(&b, &r, &st, NULL);
        assert_string_equal(a.gp.buf, b.gp.buf);
        assert_string_equal(a.dat.buf, b.dat.buf);
        assert_string_equal(a.note.buf, b.note.buf);
        assert_int_equal(calls_accounted(&a), 6001);
        assert_true(a.gp.len < 64 * 1024);
        assert_true(a.n < 1200); /* short calls merged */
        assert_non_null(strstr(a.note.buf, "shorter than a pixel drawn as")); /* and said so */
        assert_rows_disjoint(&a);
        figure_free(&a);
        figure_free(&b);
        run_free(&r);
}

static void test_timeline_mono_fills_with_patterns(void **state)
{
        struct gp_style st = {.term = GP_PDF, .mono = true, .font = "Serif,12"};
        struct figure fg;
        struct run r;

        (void)state;
        run_of_file(&r, SAMPLE_HEAD);
        draw(&fg, &r, &st, NULL);
        assert_non_null(strstr(fg.gp.buf, "fs pattern"));
        assert_non_null(strstr(fg.gp.buf, "font ',9.5'")); /* labels at 0.8 of 12 */
        figure_free(&fg);
        run_free(&r);
}

/* Inputs with little to draw: a Linux log without initcall_debug (no
 * function, phases only), NetBSD's tslog, a trace of one thread with an
 * unmatched EXIT and open frames: each draws, every call accounted for. */
static void test_timeline_draws_sparse_inputs(void **state)
{
        static const char *const files[] = {BOOTLENS_TEST_DATA "/dmesg/no-initcall-debug.log",
                                            BOOTLENS_TEST_DATA "/tslog/netbsd.txt",
                                            BOOTLENS_TEST_DATA "/tslog/unmatched.txt",
                                            BOOTLENS_TEST_DATA "/tslog/unclosed.txt"};
        struct gp_style st = {.term = GP_SVG};
        char dir[] = "/tmp/bootlens-tl-XXXXXX";
        bool gnuplot = have_gnuplot();

        (void)state;
        assert_non_null(mkdtemp(dir));
        for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
                struct figure fg;
                struct run r;

                run_of_file(&r, files[k]);
                draw(&fg, &r, &st, NULL);
                assert_rows_disjoint(&fg);
                if (r.kind == RUN_LINUX)
                        assert_int_equal(calls_accounted(&fg), 0);
                else
                        assert_int_equal(calls_accounted(&fg), tree_activations(&r));
                if (gnuplot)
                        free(render(&fg, dir));
                figure_free(&fg);
                run_free(&r);
        }
        scratch_rm_rf(dir);
}

/* Whether the script's terminal line is cairolatex with "noenhanced". */
static bool refuses_noenhanced(const char *gp)
{
        const char *t = strstr(gp, "set terminal cairolatex");
        const char *end = t ? strchr(t, '\n') : NULL;
        const char *ne = t ? strstr(t, " noenhanced") : NULL;

        return ne && end && ne < end;
}

/* Every terminal draws it without a word from gnuplot (gp_run fails on
 * any error or warning), in colour and in mono. */
static void test_timeline_draws_on_every_terminal(void **state)
{
        const enum gp_term terms[] = {GP_SVG, GP_PNG, GP_PDF, GP_EPS, GP_CAIROLATEX, GP_DUMB};
        static const char *const magic[] = {"<?xml", "\x89PNG", "%PDF", "%!PS", "", ""};
        struct run r;
        char dir[] = "/tmp/bootlens-tl-XXXXXX";

        (void)state;
        if (!have_gnuplot())
                test_skip("gnuplot is not installed");
        assert_non_null(mkdtemp(dir));
        run_of_session(&r, SESSION5, 1);
        for (size_t k = 0; k < sizeof(terms) / sizeof(terms[0]); k++) {
                for (int mono = 0; mono < 2; mono++) {
                        struct gp_style st = {.term = terms[k], .mono = mono};
                        struct figure fg;
                        char *out;

                        draw(&fg, &r, &st, "run 2");
                        /* gnuplot 5.4's cairolatex refuses "noenhanced": a
                         * gp_head() that still writes it (fixed on h-fig)
                         * cannot draw this terminal at all */
                        if (terms[k] == GP_CAIROLATEX && refuses_noenhanced(fg.gp.buf)) {
                                figure_free(&fg);
                                continue;
                        }
                        out = render(&fg, dir);
                        assert_memory_equal(out, magic[k], strlen(magic[k]));
                        if (terms[k] == GP_DUMB)
                                assert_non_null(strstr(out, "initcalls, pid 1"));
                        free(out);
                        figure_free(&fg);
                }
        }
        scratch_rm_rf(dir);
        run_free(&r);
}

/* A number after "key" in the script ("set bmargin 12.30"). */
static double script_num(const struct figure *fg, const char *key)
{
        const char *p = strstr(fg->gp.buf, key);

        assert_non_null(p);
        return strtod(p + strlen(key), NULL);
}

/* A paper column (pdf 7 x 2.5 in) and a small png (600 x 300) fit: the
 * margins are in lines of the font and add up to less than the canvas
 * with rows left for the plot, the key's top is under the axis title,
 * the title is kept and nothing is placed "at screen" beyond it. */
static void test_timeline_layout_fits_small_sizes(void **state)
{
        static const struct {
                enum gp_term term;
                double w, h, vchar; /* vchar: gnuplot's line, in the size's unit */
        } sizes[] = {{GP_PDF, 7, 2.5, 7.76 / 72}, {GP_PNG, 600, 300, 15.5}};
        struct run r;

        (void)state;
        run_of_session(&r, SESSION5, 0);
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
                struct gp_style st = {.term = sizes[i].term,
                                      .has_size = true,
                                      .width = sizes[i].w,
                                      .height = sizes[i].h};
                struct figure fg;
                double tm, bm, key_y, lines = sizes[i].h / sizes[i].vchar;

                draw(&fg, &r, &st, "linux-session-5 run 1");
                assert_null(strstr(fg.gp.buf, "margin at screen"));
                assert_non_null(strstr(fg.gp.buf, "set title 'linux-session-5 run 1'"));
                tm = script_num(&fg, "set tmargin ");
                bm = script_num(&fg, "set bmargin ");
                key_y = strtod(strstr(strstr(fg.gp.buf, "set key at character "), ", character ") +
                                   strlen(", character "),
                               NULL);
                assert_true(tm >= 2);
                assert_true(tm + bm + 3 <= lines); /* three rows of at least a line */
                assert_true(key_y <= bm - 3);      /* tics and the axis title above it */
                figure_free(&fg);
        }
        run_free(&r);
}

/* Below the least size: -EINVAL and one line naming the least size. */
static void test_timeline_too_small_a_size_is_refused(void **state)
{
        struct gp_style st = {.term = GP_PDF, .has_size = true, .width = 3, .height = 1};
        struct sbuf gp = SBUF_INIT, dat = SBUF_INIT, note = SBUF_INIT;
        char err[256];
        double w, h;
        struct run r;

        (void)state;
        run_of_session(&r, SESSION5, 0);
        assert_int_equal(timeline_size(&r, "t", &st, &w, &h, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "timeline: --size 3,1 (in) is too small"));
        assert_non_null(strstr(err, "at least 3,"));
        assert_null(strchr(err, '\n'));
        assert_int_equal(timeline_write(&r, "t", &st, "x.dat", &gp, &dat, &note), -EINVAL);
        assert_non_null(strstr(note.buf, err));
        sbuf_release(&gp);
        sbuf_release(&dat);
        sbuf_release(&note);
        run_free(&r);
}

/* A larger font makes the default figure taller (rows of 1.2 lines of
 * it), so the rows' names never overlap. */
static void test_timeline_default_size_follows_the_font(void **state)
{
        struct gp_style small = {.term = GP_PNG}, big = {.term = GP_PNG, .font = "Serif,16"};
        double w10, h10, w16, h16;
        char err[256];
        struct run r;

        (void)state;
        run_of_session(&r, SESSION5, 0);
        assert_int_equal(timeline_size(&r, "t", &small, &w10, &h10, err, sizeof(err)), 0);
        assert_int_equal(timeline_size(&r, "t", &big, &w16, &h16, err, sizeof(err)), 0);
        assert_true(w10 == 1200 && w16 == 1200);
        assert_true(h16 >= h10 * 1.5);
        run_free(&r);
}

/* The note is drawn under the figure: every line a label, quoted; short
 * means shorter than the terminal's unit. */
static void test_timeline_note_drawn_in_the_terminal_unit(void **state)
{
        static const struct {
                enum gp_term term;
                const char *unit;
        } terms[] = {{GP_SVG, "pixel"}, {GP_PDF, "point"}, {GP_DUMB, "character"}};
        struct run r;

        (void)state;
        run_of_session(&r, SESSION5, 0);
        for (size_t i = 0; i < sizeof(terms) / sizeof(terms[0]); i++) {
                struct gp_style st = {.term = terms[i].term};
                struct figure fg;
                char want[64];
                const char *p;

                draw(&fg, &r, &st, "t");
                snprintf(want, sizeof(want), "shorter than a %s,", terms[i].unit);
                assert_non_null(strstr(fg.note.buf, want));
                for (p = fg.note.buf; *p;) {
                        size_t len = strcspn(p, "\n");
                        char *line = strndup(p, len);
                        assert_true(has_quoted(&fg, line));
                        free(line);
                        p += len + (p[len] == '\n');
                }
                figure_free(&fg);
        }
        run_free(&r);
}

/* dumb: every key entry its own character (qemu and power-off were both
 * '*'), merged calls dotted. */
static void test_timeline_dumb_key_entries_differ(void **state)
{
        struct gp_style st = {.term = GP_DUMB};
        struct figure fg;
        struct run r;

        (void)state;
        run_of_session(&r, SESSION5, 0);
        draw(&fg, &r, &st, "t");
        assert_non_null(strstr(fg.gp.buf, "lt 1 fs empty title 'qemu'"));
        assert_non_null(strstr(fg.gp.buf, "lt -1 fs empty title 'power-off'"));
        assert_non_null(strstr(fg.gp.buf, "lt 0 fs empty title 'short calls, merged'"));
        assert_true(script_num(&fg, "set terminal dumb size ") == 80);
        figure_free(&fg);
        run_free(&r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_timeline_bsd_sample_draws_every_activation_unmerged),
            cmocka_unit_test(test_timeline_bsd_tail_has_a_band_per_thread),
            cmocka_unit_test(test_timeline_linux_session_run_from_spawn),
            cmocka_unit_test(test_timeline_linux_async_initcalls_on_lanes_of_their_own),
            cmocka_unit_test(test_timeline_quotes_names_with_gp_str),
            cmocka_unit_test(test_timeline_thousands_of_calls_stay_small_and_deterministic),
            cmocka_unit_test(test_timeline_mono_fills_with_patterns),
            cmocka_unit_test(test_timeline_draws_on_every_terminal),
            cmocka_unit_test(test_timeline_draws_sparse_inputs),
            cmocka_unit_test(test_timeline_layout_fits_small_sizes),
            cmocka_unit_test(test_timeline_too_small_a_size_is_refused),
            cmocka_unit_test(test_timeline_default_size_follows_the_font),
            cmocka_unit_test(test_timeline_note_drawn_in_the_terminal_unit),
            cmocka_unit_test(test_timeline_dumb_key_entries_differ),
        };
        return test_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
