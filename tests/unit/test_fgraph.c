/* Unit tests of the function_graph trace parser (analyzer/fgraph.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/dmesg.h"
#include "analyzer/fgraph.h"
#include "base/sbuf.h"
#include "base/util.h"

#define TRACE BOOTLENS_TEST_DATA "/ftrace/graph-initcalls.txt"

static const struct ev_record *find(const struct ev_trace *t, enum ev_kind kind, const char *name)
{
        for (size_t i = 0; i < t->nrecs; i++)
                if (t->recs[i].kind == kind && strcmp(ev_str(t, t->recs[i].name), name) == 0)
                        return &t->recs[i];
        return NULL;
}

/* The real trace: leaf calls last exactly their duration, "}" closes the
 * open do_one_initcall, PID 1 becomes its own thread, the offset moves
 * raw sched_clock time into printk time. */
static void test_fgraph_real_trace(void **state)
{
        struct fgraph_meta m;
        struct ev_trace t;
        const struct ev_record *e, *x;
        char *buf;
        size_t len;

        assert_int_equal(util_read_file(TRACE, &buf, &len), 0);
        assert_true(fgraph_probe(buf, len));
        assert_int_equal(ev_trace_init(&t, "trace"), 0);
        assert_int_equal(fgraph_parse(&t, buf, len, 1, -1000000000, &m), 0);
        assert_int_equal(m.threads, 1);
        assert_int_equal(m.open, 0);
        assert_int_equal(t.nwarns, 0);
        e = find(&t, EV_ENTER, "cubictcp_register");
        x = find(&t, EV_EXIT, "cubictcp_register");
        assert_non_null(e);
        assert_non_null(x);
        assert_int_equal(e->thread, FGRAPH_THREAD_BASE + 1);
        assert_int_equal(e->ts, 5643622000 - 1000000000);
        assert_int_equal(x->ts - e->ts, 179171000);
        /* a module's tag stays in the name, as in the kernel log */
        assert_non_null(find(&t, EV_ENTER, "virtio_console_init [virtio_console]"));
        assert_non_null(find(&t, EV_THREAD, "ftrace init-1"));
        ev_trace_free(&t);
        free(buf);
}

/* No task column, a context switch, interrupt arrows, a lost-events line,
 * a return whose call predates the trace, a line without a timestamp. */
static void test_fgraph_other_lines(void **state)
{
        static const char txt[] = "# tracer: function_graph\n"
                                  "    1.000000 |   0)   0.500 us    |  } /* begun_before */\n"
                                  " ------------------------------------------\n"
                                  " 0)    init-1    =>  kworker-23\n"
                                  " ------------------------------------------\n"
                                  "    1.000010 |   0)               |  outer() {\n"
                                  "    1.000020 |   0)               |  ==========> |\n"
                                  "    1.000030 |   0)   2.000 us    |    inner();\n"
                                  "    1.000040 |   0)   + 30.000 us |  }\n"
                                  "CPU:0 [LOST 42 EVENTS]\n"
                                  "   0)   1.000 us    |  no_abstime();\n"
                                  "    1.000050 |   0)               |  broken line\n";
        struct fgraph_meta m;
        struct ev_trace t;

        assert_int_equal(ev_trace_init(&t, "trace"), 0);
        assert_int_equal(fgraph_parse(&t, txt, sizeof(txt) - 1, 1, 0, &m), 0);
        assert_int_equal(m.calls, 2);
        assert_int_equal(m.lost, 42);
        /* without funcgraph-proc the CPU stands in for the task */
        assert_int_equal(find(&t, EV_ENTER, "outer")->thread, FGRAPH_THREAD_BASE + 0);
        assert_int_equal(find(&t, EV_EXIT, "inner")->ts, 1000032000);
        assert_int_equal(find(&t, EV_EXIT, "outer")->ts, 1000040000);
        assert_int_equal(t.nwarns, 4); /* lost, broken, no abstime, begun before */
        assert_int_equal(t.warns[0].line, 10);
        assert_int_equal(t.warns[1].line, 12);
        ev_trace_free(&t);
}

/* A dump with a dmesg and an ftrace section: both read, the ftrace
 * records moved by the printk lag of the log. */
static void test_fgraph_section_of_a_dump(void **state)
{
        static const char txt[] =
            "@@bootlens v1 begin os=linux uptime_ns=3000000000\n"
            "@@bootlens section dmesg\n"
            "<6>[    0.000000] Linux version 6.1\n"
            "<6>[    1.000000] sched_clock: Marking stable (900000000, 100000000)->(1500000000, "
            "-500000000)\n"
            "@@bootlens section ftrace\n"
            "# tracer: function_graph\n"
            "    2.000000 |   0)   init-1   |   5.000 us    |  f();\n";
        struct dmesg_meta m;
        struct ev_trace t;

        assert_int_equal(ev_trace_init(&t, "dump"), 0);
        assert_int_equal(dmesg_parse(&t, txt, sizeof(txt) - 1, &m), 0);
        assert_int_equal(m.sched_lag_ns, 500000000);
        assert_int_equal(m.ftrace_line, 6);
        assert_int_equal(m.ftrace_calls, 1);
        assert_int_equal(find(&t, EV_ENTER, "f")->ts, 1500000000);
        assert_int_equal(find(&t, EV_ENTER, "f")->line, 7);
        ev_trace_free(&t);
}

/* issue 10, bug 1: a time at or above 2^63 ns is refused, a leaf call
 * cannot end past the range, and refused lines are counted and listed
 * while few */
static void test_fgraph_refuses_times_out_of_the_clock_range(void **state)
{
        struct sbuf sb = SBUF_INIT;
        struct fgraph_meta m;
        struct ev_trace t;

        (void)state;
        assert_int_equal(sbuf_adds(&sb, "# tracer: function_graph\n"
                                        "9223372036.854775808 |   0)   init-1   |               |  "
                                        "a() {\n"
                                        "9223372036.854775800 |   0)   init-1   |   5.000 us    |  "
                                        "f();\n"
                                        "    1.000000 |   0)   init-1   |   5.000 us    |  g();\n"),
                         0);
        for (int i = 0; i < 10; i++)
                assert_int_equal(sbuf_adds(&sb, "    2.000000 |   0)   init-1   |  bad  |  x\n"),
                                 0);
        assert_int_equal(ev_trace_init(&t, "big"), 0);
        assert_int_equal(fgraph_parse(&t, sb.buf, sb.len, 1, 0, &m), 0);
        assert_int_equal(m.calls, 1);
        assert_int_equal(m.lines_malformed, 12);
        assert_int_equal(t.nwarns, EV_SKIP_WARN_MAX + 1);
        assert_int_equal(t.warns[0].line, 2);
        assert_non_null(strstr(t.warns[0].msg, "timestamp out of range"));
        assert_int_equal(t.warns[1].line, 3);
        assert_non_null(strstr(t.warns[1].msg, "out of the clock range"));
        assert_non_null(strstr(t.warns[EV_SKIP_WARN_MAX].msg, "12 ftrace lines skipped"));
        for (size_t i = 0; i < t.nrecs; i++)
                assert_true(t.recs[i].ts <= UTIL_CLOCK_MAX);
        ev_trace_free(&t);
        sbuf_release(&sb);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_fgraph_real_trace),
            cmocka_unit_test(test_fgraph_other_lines),
            cmocka_unit_test(test_fgraph_section_of_a_dump),
            cmocka_unit_test(test_fgraph_refuses_times_out_of_the_clock_range),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
