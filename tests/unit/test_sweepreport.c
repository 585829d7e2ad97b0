/* Unit tests of the sweep's reports (reports/sweepreport.c) on a savings
 * built by hand with hostile text in every string a guest or a user
 * gives: each format escapes it (the goldens on real fixtures are
 * tests/cli/sweep_results.sh). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "reports/sweepreport.h"

#define EVIL "a|b`c`*_[x](y)<i>&\x1b[31m\r\n\"q\",z"

static struct savings_step steps[3];
static struct savings sav;

static void build(void)
{
        memset(steps, 0, sizeof(steps));
        memset(&sav, 0, sizeof(sav));
        sav.session = EVIL;
        sav.mode = SWEEP_CUMULATIVE;
        sav.steps = steps;
        sav.nsteps = 3;
        sav.baseline_ns = 3000e6;
        sav.final_ns = 2900e6;
        steps[0].name = "base";
        steps[0].variant = "base";
        steps[0].recorded = steps[0].ok = 4;
        steps[0].median_ns = 3000e6;
        steps[1].name = "k1";
        steps[1].variant = "k1";
        steps[1].spec = "append+=" EVIL;
        steps[1].about = EVIL;
        steps[1].recorded = steps[1].ok = 4;
        steps[1].compared = true;
        steps[1].median_ns = 2900e6;
        steps[1].saving_ns = 100e6;
        steps[1].saving_lo_ns = 90e6;
        steps[1].saving_hi_ns = 110e6;
        steps[1].rel = 100.0 / 3000;
        steps[1].p_holm = 0.001;
        steps[1].verdict = STATS_FASTER;
        steps[1].phase.name = EVIL;
        steps[1].phase.diff_ns = -100e6;
        steps[1].fns[0].name = EVIL;
        steps[1].fns[0].phase = EVIL;
        steps[1].fns[0].diff_ns = -99e6;
        steps[1].nfns = 1;
        steps[2].name = "k2";
        steps[2].variant = "k2";
        steps[2].against = 1;
        steps[2].recorded = 4;
        steps[2].timeout = 1;
        steps[2].crash = 3;
        steps[2].broken = true;
        steps[2].median_ns = NAN;
        steps[2].failed_serial = EVIL;
        steps[2].failed_reason = EVIL;
}

static char *render(int (*fn)(FILE *, const struct savings *, const struct sweepreport_options *),
                    const struct sweepreport_options *o)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        assert_non_null(f);
        assert_int_equal(fn(f, &sav, o), 0);
        fclose(f);
        return buf;
}

/* The table's text escaper: marks what went through it. */
static void mark(FILE *out, const char *s)
{
        fputs("<<", out);
        for (; *s; s++)
                fputc(*s < 0x20 || *s == 0x7f ? '?' : *s, out);
        fputs(">>", out);
}

static void test_sweepreport_table_sends_every_string_through_put_text(void **state)
{
        struct sweepreport_options o = {.put_text = mark};
        char *t;

        (void)state;
        build();
        t = render(sweepreport_table, &o);
        assert_null(strchr(t, '\x1b'));
        assert_null(strchr(t, '\r'));
        assert_non_null(
            strstr(t, "bootlens sweep: <<a|b`c`*_[x](y)<i>&?[31m??\"q\",z>> (cumulative)"));
        assert_non_null(strstr(t, "  its serial log: <<a|b"));
        assert_non_null(strstr(t, "broken       (3 crash, 1 timeout)"));
        assert_non_null(strstr(t, "+100.0 +90.0..+110.0   +3.3% faster       <<a|b"));
        assert_non_null(strstr(t, "campaign: 3000.0 ms -> 2900.0 ms"));
        free(t);
}

static void test_sweepreport_colours_only_when_asked(void **state)
{
        struct sweepreport_options o = {.colour = true};
        char *t;

        (void)state;
        build();
        sav.session = "s";
        steps[1].phase.name = steps[1].fns[0].name = "p";
        steps[2].failed_serial = steps[2].failed_reason = "r";
        t = render(sweepreport_table, &o);
        assert_non_null(strstr(t, "\033[32mfaster\033[0m"));
        assert_non_null(strstr(t, "\033[31mbroken\033[0m"));
        free(t);
        o.colour = false;
        t = render(sweepreport_table, &o);
        assert_null(strchr(t, '\033'));
        free(t);
}

static void test_sweepreport_json_csv_md_escape(void **state)
{
        char *j, *c, *m;

        (void)state;
        build();
        j = render(sweepreport_json, NULL);
        assert_non_null(
            strstr(j, "\"session\": \"a|b`c`*_[x](y)<i>&\\u001B[31m\\r\\n\\\"q\\\",z\""));
        assert_non_null(strstr(j, "\"kind\": \"bootlens-sweep-result\""));
        assert_non_null(strstr(j, "\"saving_ci_ns\": [\n"));
        assert_non_null(strstr(j, "\"median_ns\": null"));
        assert_non_null(strstr(j, "\"statistics\": {"));
        free(j);

        c = render(sweepreport_csv, NULL);
        assert_non_null(
            strstr(c, "\r\nk1,k1,\"append+=a|b`c`*_[x](y)<i>&\x1b[31m\r\n\"\"q\"\",z\",base,"));
        assert_non_null(strstr(c, ",broken,4,0,1,3,0,0,0,,,,,,,,,,,\"a|b"));
        free(c);

        m = render(sweepreport_md, NULL);
        assert_null(strchr(m, '\x1b'));
        assert_null(strchr(m, '\r'));
        assert_non_null(
            strstr(m, "### bootlens sweep: a\\|b\\`c\\`\\*\\_\\[x\\](y)&lt;i&gt;&amp;"));
        assert_non_null(strstr(m, "broken (3 crash, 1 timeout)"));
        assert_non_null(strstr(m, "k2: broken, the last failed run's serial log: a\\|b"));
        free(m);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sweepreport_table_sends_every_string_through_put_text),
            cmocka_unit_test(test_sweepreport_colours_only_when_asked),
            cmocka_unit_test(test_sweepreport_json_csv_md_escape),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
