/* Unit tests of the call trees (analyzer/calltree.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/calltree.h"
#include "analyzer/events.h"
#include "analyzer/tslog.h"
#include "base/sbuf.h"
#include "base/util.h"

#define HEAD BOOTLENS_SAMPLES "/freebsd15-firecracker-tslog-head.txt"
#define TAIL BOOTLENS_SAMPLES "/freebsd15-firecracker-tslog-tail.txt"

struct fixture {
        struct ev_trace t;
        struct ct_forest f;
};

static void build(struct fixture *x, const char *buf, size_t len)
{
        assert_int_equal(ev_trace_init(&x->t, "test"), 0);
        assert_int_equal(tslog_parse(&x->t, buf, len, NULL, NULL), 0);
        assert_int_equal(ct_build(&x->f, &x->t), 0);
}

static void build_str(struct fixture *x, const char *s)
{
        build(x, s, strlen(s));
}

static void build_file(struct fixture *x, const char *path)
{
        char *buf;
        size_t len;

        assert_int_equal(util_read_file(path, &buf, &len), 0);
        build(x, buf, len);
        free(buf);
}

static void release(struct fixture *x)
{
        ct_free(&x->f);
        ev_trace_free(&x->t);
}

static const struct ct_func *func(const struct fixture *x, const char *name, const char *arg)
{
        for (size_t k = 0; k < x->f.nfuncs; k++) {
                const struct ct_func *fn = &x->f.funcs[k];
                if (strcmp(ev_str(&x->t, fn->name), name) == 0 &&
                    strcmp(ev_str(&x->t, fn->arg), arg) == 0)
                        return fn;
        }
        fail_msg("no function %s %s", name, arg);
        return NULL;
}

static bool has_warning(const struct ev_trace *t, uint32_t line, const char *text)
{
        for (size_t k = 0; k < t->nwarns; k++)
                if (t->warns[k].line == line && strstr(t->warns[k].msg, text))
                        return true;
        return false;
}

static void test_calltree_head_sample_hammer_time_total(void **state)
{
        struct fixture x;
        const struct ct_func *ht;
        double ns;

        build_file(&x, HEAD);
        ht = func(&x, "hammer_time", "");
        assert_int_equal(ht->calls, 1);
        assert_int_equal(ht->total, 13877804);
        assert_true(ev_to_ns(&x.t, ht->total, &ns));
        /* 5.675 ms at 2445431964 Hz */
        assert_true(fabs(ns / 1e6 - 5.675) < 0.0005);
        assert_int_equal(x.f.nthreads, 1);
        assert_int_equal(x.f.boot_thread, 0);
        assert_int_equal(x.f.threads[0].id, 0xffffffff8251db00ULL);
        /* every ENTER/EXIT pairs up, mi_startup and SYSINIT vm_mem stay open */
        assert_int_equal(x.f.nunmatched, 0);
        assert_int_equal(x.f.nforced, 0);
        assert_int_equal(x.f.nopen, 2);
        assert_string_equal(ev_str(&x.t, x.t.recs[x.f.open[0].rec].name), "mi_startup");
        assert_string_equal(ev_str(&x.t, x.t.recs[x.f.open[1].rec].arg), "vm_mem");
        release(&x);
}

static void test_calltree_head_sample_is_truncated(void **state)
{
        struct fixture x;

        build_file(&x, HEAD);
        assert_true(x.f.truncated);
        assert_true(x.f.truncated_by_marker);
        assert_true(x.f.truncated_by_startup);
        assert_int_equal(x.f.startup_line, 61);
        assert_true(has_warning(&x.t, 8, "truncated"));
        assert_true(has_warning(&x.t, 61, "no EXIT start_init"));
        release(&x);
}

static void test_calltree_head_sample_recursion_is_a_child_node(void **state)
{
        struct fixture x;
        const struct ct_func *keg;
        bool nested = false;
        uint64_t outer_total = 0, self = 0;

        build_file(&x, HEAD);
        for (size_t k = 0; k < x.f.nnodes; k++) {
                const struct ct_node *n = &x.f.nodes[k];
                if (strcmp(ev_str(&x.t, n->name), "keg_alloc_slab") != 0)
                        continue;
                self += n->self;
                if (strcmp(ev_str(&x.t, x.f.nodes[n->parent].name), "keg_alloc_slab") == 0)
                        nested = true;
                else
                        outer_total += n->total;
        }
        assert_true(nested);
        keg = func(&x, "keg_alloc_slab", "");
        assert_int_equal(keg->calls, 6);
        assert_int_equal(keg->total, outer_total); /* the inner call is not counted twice */
        assert_int_equal(keg->self, self);
        release(&x);
}

static void test_calltree_tail_sample_unmatched_and_open(void **state)
{
        static const uint32_t unmatched_lines[] = {1, 6, 7, 12};
        struct fixture x;

        build_file(&x, TAIL);
        assert_int_equal(x.f.nthreads, 4);
        assert_int_equal(x.f.nunmatched, 4);
        for (size_t k = 0; k < 4; k++) {
                const struct ev_record *r = &x.t.recs[x.f.unmatched[k].rec];
                assert_int_equal(r->line, unmatched_lines[k]);
                assert_int_equal(r->kind, EV_EXIT);
                assert_true(has_warning(&x.t, r->line, "no matching ENTER"));
        }
        assert_int_equal(x.f.nopen, 2);
        for (size_t k = 0; k < x.f.nopen; k++)
                assert_string_equal(ev_str(&x.t, x.t.recs[x.f.open[k].rec].name), "_sleep");
        assert_false(x.f.truncated);
        release(&x);
}

static void test_calltree_exit_closes_inner_frames_with_a_warning(void **state)
{
        struct fixture x;
        const struct ct_func *a, *b;

        build_str(&x, "0xa 100 ENTER a\n"
                      "0xa 200 ENTER b\n"
                      "0xa 250 ENTER c\n"
                      "0xa 300 EXIT a\n");
        a = func(&x, "a", "");
        b = func(&x, "b", "");
        assert_int_equal(a->total, 200);
        assert_int_equal(a->self, 100);
        assert_int_equal(b->total, 100);
        assert_int_equal(b->self, 50);
        assert_int_equal(x.f.nforced, 2);
        assert_true(has_warning(&x.t, 4, "also closes c entered at line 3"));
        assert_true(has_warning(&x.t, 4, "also closes b entered at line 2"));
        assert_int_equal(x.f.nopen, 0);
        release(&x);
}

static void test_calltree_exit_matches_name_and_argument(void **state)
{
        struct fixture x;

        build_str(&x, "0xa 100 ENTER relocate_file1\n"
                      "0xa 110 ENTER relocate_file1 ef->rela\n"
                      "0xa 150 EXIT relocate_file1\n" /* closes the outer, forcing the inner */
                      "0xa 160 EXIT relocate_file1 ef->rela\n"); /* now unmatched */
        assert_int_equal(func(&x, "relocate_file1", "")->total, 50);
        assert_int_equal(func(&x, "relocate_file1", "ef->rela")->total, 40);
        assert_int_equal(x.f.nforced, 1);
        assert_int_equal(x.f.nunmatched, 1);
        assert_int_equal(x.t.recs[x.f.unmatched[0].rec].line, 4);
        release(&x);
}

/* An EXIT whose function is not open on its thread (closed already, open
 * on another thread, or never entered) is unmatched at once and closes
 * nothing, however deep the stack (fuzzing: a deep stack of such EXITs
 * was quadratic). */
static void test_calltree_exit_of_a_closed_function_is_unmatched(void **state)
{
        struct fixture x;

        build_str(&x, "0xa 100 ENTER f\n"
                      "0xa 110 EXIT f\n"
                      "0xb 115 ENTER h\n"
                      "0xa 120 ENTER g\n"
                      "0xa 130 EXIT f\n"   /* f closed: unmatched, g stays open */
                      "0xa 140 EXIT h\n"   /* h is open on 0xb only */
                      "0xa 150 EXIT k\n"); /* never entered */
        assert_int_equal(x.f.nunmatched, 3);
        assert_int_equal(x.f.nforced, 0);
        assert_int_equal(x.f.nopen, 2);
        assert_int_equal(func(&x, "f", "")->calls, 1);
        assert_true(has_warning(&x.t, 5, "EXIT f on thread 0xa has no matching ENTER"));
        release(&x);
}

/* An EXIT with a long name closing many frames: each warning is short
 * (fuzzing: 10k frames under a 100 KB name took 1 GB of warnings). */
static void test_calltree_forced_close_warnings_stay_short(void **state)
{
        struct sbuf in = SBUF_INIT;
        char *name = malloc(5001);
        struct fixture x;

        assert_non_null(name);
        memset(name, 'n', 5000);
        name[5000] = '\0';
        assert_int_equal(sbuf_addf(&in, "0xa 1 ENTER %s\n", name), 0);
        for (int k = 0; k < 100; k++)
                assert_int_equal(sbuf_addf(&in, "0xa %d ENTER f%d\n", k + 2, k), 0);
        assert_int_equal(sbuf_addf(&in, "0xa 200 EXIT %s\n", name), 0);
        build(&x, in.buf, in.len);
        assert_int_equal(x.f.nforced, 100);
        assert_int_equal(x.t.nwarns, 100);
        for (size_t k = 0; k < x.t.nwarns; k++)
                assert_true(strlen(x.t.warns[k].msg) <= EV_WARN_MAX + 3);
        assert_true(has_warning(&x.t, 102, "also closes f0 entered at line 2"));
        release(&x);
        sbuf_release(&in);
        free(name);
}

static void test_calltree_threads_events_and_names(void **state)
{
        struct fixture x;
        const struct ct_thread *g = NULL;
        char label[64];

        build_str(&x, "0xfffff80003b02000 3300 THREAD g_event (PID 4)\n"
                      "0xffffffff80000000 1000 ENTER hammer_time\n"
                      "0xfffff80003b02000 3400 ENTER g_run_events\n"
                      "0xfffff80003b02000 3600 EVENT WAIT g_event\n"
                      "0xffffffff80000000 2000 EXIT hammer_time\n"
                      "0xfffff80003b02000 3900 EXIT g_run_events\n"
                      "0xfffff80003c00000 5000 ENTER _sleep\n");
        assert_int_equal(x.f.nthreads, 3);
        /* ordered by first timestamp */
        assert_int_equal(x.f.threads[0].id, 0xffffffff80000000ULL);
        assert_true(x.f.threads[0].is_boot);
        assert_string_equal(ct_thread_label(&x.f, 0, label, sizeof(label)), "kernel");
        g = &x.f.threads[1];
        assert_string_equal(ct_thread_label(&x.f, 1, label, sizeof(label)), "g_event (PID 4)");
        assert_string_equal(ct_thread_label(&x.f, 2, label, sizeof(label)),
                            "thread 0xfffff80003c00000");
        assert_int_equal(g->nevents, 1);
        assert_string_equal(ev_str(&x.t, x.f.nodes[x.f.events[g->first_event].node].name),
                            "g_run_events");
        assert_string_equal(ev_str(&x.t, x.t.recs[x.f.events[g->first_event].rec].arg), "g_event");
        assert_int_equal(x.f.nopen, 1);
        assert_int_equal(x.t.nwarns, 0);
        release(&x);
}

static void test_calltree_boot_thread_without_markers_has_most_records(void **state)
{
        struct fixture x;

        build_str(&x, "0xa 1 ENTER f\n0xb 2 ENTER g\n0xb 3 EXIT g\n0xa 4 EXIT f\n0xb 5 ENTER h\n");
        assert_int_equal(x.f.threads[x.f.boot_thread].id, 0xb);
        release(&x);
}

static void test_calltree_missing_exit_start_init_is_truncation(void **state)
{
        struct fixture x;

        build_str(&x, "0xffffffff80000000 10 ENTER mi_startup\n"
                      "0xfffff80000000000 20 ENTER start_init\n");
        assert_true(x.f.truncated_by_startup);
        assert_false(x.f.truncated_by_marker);
        release(&x);
        build_str(&x, "0xffffffff80000000 10 ENTER mi_startup\n"
                      "0xfffff80000000000 20 ENTER start_init\n"
                      "0xfffff80000000000 30 EXIT start_init\n");
        assert_false(x.f.truncated);
        assert_int_equal(x.t.nwarns, 0);
        release(&x);
        /* NetBSD: the rule is about ENTER main */
        build_str(&x, "0x1 10 ENTER main\n0x1 20 ENTER start_init\n");
        assert_int_equal(x.t.os, EV_OS_NETBSD);
        assert_true(x.f.truncated_by_startup);
        assert_string_equal(ev_str(&x.t, x.f.startup_name), "main");
        release(&x);
        /* a begin marker without end marker */
        build_str(&x, "X_TSLOG_BEGIN\n0xa 1 ENTER f\n0xa 2 EXIT f\n");
        assert_true(x.f.truncated_by_marker);
        assert_true(has_warning(&x.t, 1, "no end marker"));
        release(&x);
}

static void test_calltree_sorts_each_thread_by_time(void **state)
{
        struct fixture x;
        struct ev_record r = {.thread = 7, .kind = EV_EXIT};

        /* a parser that appends out of order (not tslog, which corrects steps) */
        assert_int_equal(ev_trace_init(&x.t, "test"), 0);
        r.name = (uint32_t)ev_intern(&x.t, "f", 1);
        r.ts = 50;
        r.line = 1;
        assert_true(ev_add(&x.t, &r) >= 0);
        r.kind = EV_ENTER;
        r.ts = 10;
        r.line = 2;
        assert_true(ev_add(&x.t, &r) >= 0);
        assert_int_equal(ct_build(&x.f, &x.t), 0);
        assert_int_equal(func(&x, "f", "")->total, 40);
        assert_int_equal(x.f.nunmatched, 0);
        release(&x);
}

/* No record at all: an empty forest, no boot thread (found by fuzz_tslog:
 * qsort on a NULL array). */
static void test_calltree_empty_trace(void **state)
{
        struct fixture x;

        build(&x, "", 0);
        assert_int_equal(x.f.nthreads, 0);
        assert_int_equal(x.f.nnodes, 0);
        assert_int_equal(x.f.boot_thread, CT_NONE);
        release(&x);
}

static void test_calltree_funcs_sorted_by_self_and_total(void **state)
{
        struct fixture x;
        uint32_t *by_self, *by_total;

        build_str(&x, "0xa 0 ENTER outer\n0xa 10 ENTER inner\n0xa 90 EXIT inner\n"
                      "0xa 100 EXIT outer\n");
        by_self = ct_funcs_sorted(&x.f, false);
        by_total = ct_funcs_sorted(&x.f, true);
        assert_string_equal(ev_str(&x.t, x.f.funcs[by_self[0]].name), "inner");
        assert_string_equal(ev_str(&x.t, x.f.funcs[by_total[0]].name), "outer");
        free(by_self);
        free(by_total);
        release(&x);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_calltree_head_sample_hammer_time_total),
            cmocka_unit_test(test_calltree_empty_trace),
            cmocka_unit_test(test_calltree_exit_of_a_closed_function_is_unmatched),
            cmocka_unit_test(test_calltree_forced_close_warnings_stay_short),
            cmocka_unit_test(test_calltree_head_sample_is_truncated),
            cmocka_unit_test(test_calltree_head_sample_recursion_is_a_child_node),
            cmocka_unit_test(test_calltree_tail_sample_unmatched_and_open),
            cmocka_unit_test(test_calltree_exit_closes_inner_frames_with_a_warning),
            cmocka_unit_test(test_calltree_exit_matches_name_and_argument),
            cmocka_unit_test(test_calltree_threads_events_and_names),
            cmocka_unit_test(test_calltree_boot_thread_without_markers_has_most_records),
            cmocka_unit_test(test_calltree_missing_exit_start_init_is_truncation),
            cmocka_unit_test(test_calltree_sorts_each_thread_by_time),
            cmocka_unit_test(test_calltree_funcs_sorted_by_self_and_total),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
