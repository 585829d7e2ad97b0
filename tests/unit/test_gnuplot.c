/*
 * gnuplot: quoting untrusted text into scripts (checked by gnuplot itself
 * where gnuplot is installed), terminals from paths, sizes, and running
 * gnuplot (reports/gnuplot.h).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/util.h"
#include "reports/gnuplot.h"
#include "skip.h"

static char *quoted(enum gp_term t, const char *s, size_t len)
{
        struct sbuf sb = SBUF_INIT;

        assert_int_equal(gp_strn(&sb, t, s, len), 0);
        return sbuf_detach(&sb, NULL);
}

static void expect_quoted(enum gp_term t, const char *s, const char *want)
{
        char *got = quoted(t, s, strlen(s));

        assert_string_equal(got, want);
        free(got);
}

static void test_gp_str_doubles_single_quotes(void **state)
{
        (void)state;
        expect_quoted(GP_SVG, "it's", "'it''s'");
        expect_quoted(GP_SVG, "''", "''''''");
        expect_quoted(GP_SVG, "", "''");
}

static void test_gp_str_keeps_backquotes_macros_and_system_literal(void **state)
{
        (void)state;
        /* single-quoted gnuplot strings expand nothing: kept as they are */
        expect_quoted(GP_SVG, "`touch CANARY`", "'`touch CANARY`'");
        expect_quoted(GP_SVG, "@macro", "'@macro'");
        expect_quoted(GP_SVG, "system(\"touch CANARY\")", "'system(\"touch CANARY\")'");
        expect_quoted(GP_SVG, "a\\nb", "'a\\nb'");
        expect_quoted(GP_SVG, "<script>&amp;", "'<script>&amp;'");
}

static void test_gp_str_shows_control_bytes_as_hex(void **state)
{
        (void)state;
        expect_quoted(GP_SVG, "a\nb", "'a\\x0ab'");
        expect_quoted(GP_SVG, "\r\t\x1b[2J", "'\\x0d\\x09\\x1b[2J'");
        expect_quoted(GP_SVG, "del\x7f", "'del\\x7f'");
}

static void test_gp_str_shows_invalid_utf8_as_hex_and_keeps_valid(void **state)
{
        char *got;

        (void)state;
        expect_quoted(GP_SVG, "caf\xc3\xa9", "'caf\xc3\xa9'");
        expect_quoted(GP_SVG, "\xff\xfe", "'\\xff\\xfe'");
        expect_quoted(GP_SVG, "\xc0\xaf", "'\\xc0\\xaf'");          /* overlong '/' */
        expect_quoted(GP_SVG, "\xed\xa0\x80", "'\\xed\\xa0\\x80'"); /* a surrogate */
        expect_quoted(GP_SVG, "\xe2\x82", "'\\xe2\\x82'");          /* truncated */
        /* a NUL inside the length is a control byte */
        got = quoted(GP_SVG, "a\0b", 3);
        assert_string_equal(got, "'a\\x00b'");
        free(got);
}

static void test_gp_str_escapes_latex_for_cairolatex_only(void **state)
{
        (void)state;
        expect_quoted(GP_CAIROLATEX, "hammer_time 50% $x & #1 {a} ~^\\<>",
                      "'hammer\\_time 50\\% \\$x \\& \\#1 \\{a\\} "
                      "\\textasciitilde{}\\textasciicircum{}\\textbackslash{}"
                      "\\textless{}\\textgreater{}'");
        expect_quoted(GP_SVG, "hammer_time 50%", "'hammer_time 50%'");
        expect_quoted(GP_CAIROLATEX, "it's", "'it''s'");
}

static void test_gp_term_from_path_reads_the_extension(void **state)
{
        static const struct {
                const char *path;
                int rc;
                enum gp_term t;
        } cases[] = {
            {"fig.svg", 0, GP_SVG},           {"a/b/fig.png", 0, GP_PNG},
            {"fig.pdf", 0, GP_PDF},           {"fig.eps", 0, GP_EPS},
            {"fig.tex", 0, GP_CAIROLATEX},    {"fig.txt", 0, GP_DUMB},
            {"fig.jpg", -EINVAL, GP_SVG},     {"fig", -EINVAL, GP_SVG},
            {"dir.svg/fig", -EINVAL, GP_SVG}, {"fig.SVG", -EINVAL, GP_SVG},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                enum gp_term t = GP_SVG;

                assert_int_equal(gp_term_from_path(cases[i].path, &t), cases[i].rc);
                if (cases[i].rc == 0)
                        assert_int_equal(t, cases[i].t);
        }
}

static void test_gp_term_parse_names_and_aliases(void **state)
{
        enum gp_term t;

        (void)state;
        assert_int_equal(gp_term_parse("pngcairo", &t), 0);
        assert_int_equal(t, GP_PNG);
        assert_int_equal(gp_term_parse("png", &t), 0);
        assert_int_equal(t, GP_PNG);
        assert_int_equal(gp_term_parse("cairolatex", &t), 0);
        assert_int_equal(t, GP_CAIROLATEX);
        assert_int_equal(gp_term_parse("x11", &t), -EINVAL);
        assert_string_equal(gp_term_size_unit(GP_SVG), "px");
        assert_string_equal(gp_term_size_unit(GP_PDF), "in");
        assert_string_equal(gp_term_size_unit(GP_DUMB), "chars");
}

static void test_gp_parse_size_wants_two_positive_numbers(void **state)
{
        static const char *const bad[] = {"",     "800",     "800,",    ",600",  "0,600", "a,b",
                                          "1,-1", "30000,1", "800x600", "1,2,3", "nan,1", "inf,1"};
        double w, h;

        (void)state;
        assert_int_equal(gp_parse_size("800,600", &w, &h), 0);
        assert_true(w == 800 && h == 600);
        assert_int_equal(gp_parse_size("3.5,2.25", &w, &h), 0);
        assert_true(w == 3.5 && h == 2.25);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(gp_parse_size(bad[i], &w, &h), -EINVAL);
        assert_int_equal(gp_check_font("Sans,10"), 0);
        assert_int_equal(gp_check_font("DejaVu Serif"), 0);
        assert_int_equal(gp_check_font("Sans,0"), -EINVAL);
        assert_int_equal(gp_check_font("Sans\n,10"), -EINVAL);
}

static void test_gp_fill_mono_gives_8_fills_that_print_apart(void **state)
{
        struct gp_style st = {.term = GP_PNG, .mono = true};
        char seen[8][96];

        (void)state;
        for (size_t k = 0; k < 8; k++) {
                struct sbuf sb = SBUF_INIT;

                assert_int_equal(gp_fill(&sb, &st, k), 0);
                snprintf(seen[k], sizeof(seen[k]), "%s %s", gp_color(&st, k), sb.buf);
                /* neighbours: one solid grey, one black hatch */
                if (k % 2) {
                        assert_string_equal(gp_color(&st, k), "#000000");
                        assert_non_null(strstr(sb.buf, "pattern "));
                } else {
                        assert_non_null(strstr(sb.buf, "solid 1.0"));
                }
                /* gnuplot's empty (0, 8) and faint (6, 7) patterns are not used */
                for (const char *bad = "0678"; *bad; bad++) {
                        char p[16];

                        snprintf(p, sizeof(p), "pattern %c ", *bad);
                        assert_null(strstr(sb.buf, p));
                }
                for (size_t j = 0; j < k; j++)
                        assert_string_not_equal(seen[j], seen[k]);
                sbuf_release(&sb);
        }
}

static void test_gp_verdict_colors_are_four_apart(void **state)
{
        struct gp_style colour = {.term = GP_SVG}, mono = {.term = GP_SVG, .mono = true};

        (void)state;
        assert_string_equal(gp_verdict_color(&colour, GP_SLOWER), "#D55E00");
        assert_string_equal(gp_verdict_color(&colour, GP_INCONCLUSIVE), "#F0E442");
        for (int a = GP_SLOWER; a <= GP_INCONCLUSIVE; a++)
                for (int b = GP_SLOWER; b < a; b++)
                        assert_string_not_equal(gp_verdict_color(&colour, a),
                                                gp_verdict_color(&colour, b));
        /* mono: black, white, grey (inconclusive is a black crosshatch) */
        assert_string_equal(gp_verdict_color(&mono, GP_SLOWER), "#000000");
        assert_string_equal(gp_verdict_color(&mono, GP_FASTER), "#FFFFFF");
        assert_string_equal(gp_verdict_color(&mono, GP_SAME), "#A0A0A0");
}

static void test_gp_head_sets_noenhanced_and_the_size_unit(void **state)
{
        struct gp_style st = {.term = GP_PDF};
        struct sbuf sb = SBUF_INIT;

        (void)state;
        assert_int_equal(gp_head(&sb, &st, "test", "fig.pdf", 4, 3), 0);
        assert_non_null(strstr(sb.buf, "set terminal pdfcairo size 4in,3in font 'Sans,10' "
                                       "noenhanced\n"));
        assert_non_null(strstr(sb.buf, "set output 'fig.pdf'\n"));
        sbuf_reset(&sb);
        st.term = GP_CAIROLATEX;
        assert_int_equal(gp_head(&sb, &st, "test", "fig.tex", 4, 3), 0);
        assert_non_null(strstr(sb.buf, "set terminal cairolatex pdf input size 4in,3in\n"));
        sbuf_release(&sb);
}

/* A scratch directory with gnuplot found, else skip. */
static char scratch[64];

static int have_gnuplot(void)
{
        const char *bin = getenv("GNUPLOT");

        if (bin && *bin)
                return access(bin, X_OK) == 0;
        return access("/usr/bin/gnuplot", X_OK) == 0 || access("/usr/local/bin/gnuplot", X_OK) == 0;
}

static int setup_dir(void **state)
{
        (void)state;
        snprintf(scratch, sizeof(scratch), "/tmp/test_gnuplot-XXXXXX");
        return mkdtemp(scratch) ? 0 : -1;
}

static int teardown_dir(void **state)
{
        char path[128];
        static const char *const names[] = {"t.gp", "out.txt", "CANARY"};

        (void)state;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                snprintf(path, sizeof(path), "%s/%s", scratch, names[i]);
                unlink(path);
        }
        rmdir(scratch);
        return 0;
}

static void write_script(const char *text)
{
        char path[128];

        snprintf(path, sizeof(path), "%s/t.gp", scratch);
        assert_int_equal(util_write_file_atomic(path, text, strlen(text)), 0);
}

/* gnuplot prints the quoted hostile strings back exactly, and runs none. */
static void test_gp_str_is_read_back_literally_by_gnuplot(void **state)
{
        static const char *const hostile[] = {
            "`touch CANARY`",
            "system(\"touch CANARY\")",
            "@m",
            "it's \"quoted\"",
            "a\\nb",
            "line\nbreak",
            "<script>&",
        };
        static const char *const want =
            "`touch CANARY`\nsystem(\"touch CANARY\")\n@m\nit's \"quoted\"\na\\nb\n"
            "line\\x0abreak\n<script>&\n";
        struct sbuf sb = SBUF_INIT;
        char path[128], err[256], *out = NULL;
        size_t len;
        struct stat s;

        (void)state;
        if (!have_gnuplot())
                test_skip("gnuplot is not installed");
        sbuf_adds(&sb, "m = 'system(\"touch CANARY\")'\nset print 'out.txt'\n");
        for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
                sbuf_adds(&sb, "print ");
                gp_str(&sb, GP_SVG, hostile[i]);
                sbuf_addch(&sb, '\n');
        }
        sbuf_adds(&sb, "unset print\n");
        write_script(sb.buf);
        sbuf_release(&sb);
        assert_int_equal(gp_run(scratch, "t.gp", 30, err, sizeof(err)), 0);
        snprintf(path, sizeof(path), "%s/out.txt", scratch);
        assert_int_equal(util_read_file(path, &out, &len), 0);
        assert_string_equal(out, want);
        free(out);
        snprintf(path, sizeof(path), "%s/CANARY", scratch);
        assert_int_equal(stat(path, &s), -1);
}

static void test_gp_run_of_a_failing_script_is_eio_with_gnuplots_message(void **state)
{
        char err[256];
        unsigned before = gp_runs();

        (void)state;
        if (!have_gnuplot())
                test_skip("gnuplot is not installed");
        write_script("set terminal dumb\nplot no_such_function(x)\n");
        assert_int_equal(gp_run(scratch, "t.gp", 30, err, sizeof(err)), -EIO);
        assert_int_equal(strncmp(err, "gnuplot: ", 9), 0);
        assert_non_null(strstr(err, "function"));
        assert_null(strchr(err, '\n'));
        assert_int_equal(gp_runs(), before + 1);
}

static void test_gp_run_of_a_warning_is_0_with_the_warning(void **state)
{
        char err[256];

        (void)state;
        if (!have_gnuplot())
                test_skip("gnuplot is not installed");
        /* drawn, but the titles do not fit the key */
        write_script("set terminal pngcairo size 300,200 font 'Sans,16'\nset output "
                     "'o.png'\nset key outside right\nplot x title 'a very long title indeed "
                     "here', x*2 title 'another very long title indeed'\n");
        assert_int_equal(gp_run(scratch, "t.gp", 30, err, sizeof(err)), 0);
        assert_int_equal(strncmp(err, "gnuplot: ", 9), 0);
        assert_non_null(strstr(err, "warning:"));
        write_script("print 1\n"); /* output that is no warning: an error still */
        assert_int_equal(gp_run(scratch, "t.gp", 30, err, sizeof(err)), -EIO);
        write_script("set terminal dumb\nset output 'o.txt'\nplot x\n");
        assert_int_equal(gp_run(scratch, "t.gp", 30, err, sizeof(err)), 0);
        assert_string_equal(err, "");
}

static void test_gp_check_size_refuses_below_30_by_10_characters(void **state)
{
        struct gp_style st = {.term = GP_PDF, .has_size = true, .width = 3.3, .height = 2};
        char err[256];

        (void)state;
        assert_int_equal(gp_check_size(&st, err, sizeof(err)), 0); /* one paper column */
        st.height = 1.5;
        assert_int_equal(gp_check_size(&st, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "at least 2.5,1.95 (in;"));
        st.term = GP_PNG, st.width = 10, st.height = 10;
        assert_int_equal(gp_check_size(&st, err, sizeof(err)), -EINVAL);
        st.width = 600, st.height = 280, st.font = "Serif,16";
        assert_int_equal(gp_check_size(&st, err, sizeof(err)), -EINVAL); /* 280 < 10 lines */
        st.height = 400;
        assert_int_equal(gp_check_size(&st, err, sizeof(err)), 0);
        st.has_size = false, st.width = 1, st.height = 1;
        assert_int_equal(gp_check_size(&st, err, sizeof(err)), 0);
}

static void test_gp_phase_index_keys_a_colour_by_name(void **state)
{
        const char *const mixed[] = {"qemu",        "firmware+entry", "printk lag", "early kernel",
                                     "initcalls",   "late init",      "user space", "power-off",
                                     "vmm",         "firmware",       "early",      "sysinit",
                                     "rootfs+init", "userland"};
        const char *const custom[] = {"qemu", "mine", "yours"};
        struct gp_style st = {.term = GP_SVG};
        size_t n = sizeof(mixed) / sizeof(mixed[0]);

        (void)state;
        /* one name, one index, whatever the other names */
        assert_int_equal(gp_phase_index("firmware", mixed, n), gp_phase_index("firmware", NULL, 0));
        assert_int_equal(gp_phase_index("initcalls", NULL, 0), 4);
        /* a Linux session beside a FreeBSD capture: 14 names, 14 colours */
        for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++)
                        assert_string_not_equal(gp_color(&st, gp_phase_index(mixed[i], mixed, n)),
                                                gp_color(&st, gp_phase_index(mixed[j], mixed, n)));
        /* names of no built-in map: after them, in the figure's order */
        assert_int_not_equal(gp_phase_index("mine", custom, 3), gp_phase_index("yours", custom, 3));
        assert_int_equal(gp_phase_index("yours", custom, 3), gp_phase_index("mine", custom, 3) + 1);
}

static void test_gp_run_without_gnuplot_is_enoent(void **state)
{
        char err[256];
        const char *old = getenv("GNUPLOT");
        char *saved = old ? strdup(old) : NULL;

        (void)state;
        write_script("print 1\n");
        setenv("GNUPLOT", "/nonexistent/gnuplot", 1);
        assert_int_equal(gp_run(scratch, "t.gp", 30, err, sizeof(err)), -ENOENT);
        assert_non_null(strstr(err, "not installed"));
        if (saved)
                setenv("GNUPLOT", saved, 1);
        else
                unsetenv("GNUPLOT");
        free(saved);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_gp_str_doubles_single_quotes),
            cmocka_unit_test(test_gp_str_keeps_backquotes_macros_and_system_literal),
            cmocka_unit_test(test_gp_str_shows_control_bytes_as_hex),
            cmocka_unit_test(test_gp_str_shows_invalid_utf8_as_hex_and_keeps_valid),
            cmocka_unit_test(test_gp_str_escapes_latex_for_cairolatex_only),
            cmocka_unit_test(test_gp_term_from_path_reads_the_extension),
            cmocka_unit_test(test_gp_term_parse_names_and_aliases),
            cmocka_unit_test(test_gp_parse_size_wants_two_positive_numbers),
            cmocka_unit_test(test_gp_fill_mono_gives_8_fills_that_print_apart),
            cmocka_unit_test(test_gp_verdict_colors_are_four_apart),
            cmocka_unit_test(test_gp_head_sets_noenhanced_and_the_size_unit),
            cmocka_unit_test(test_gp_str_is_read_back_literally_by_gnuplot),
            cmocka_unit_test(test_gp_run_of_a_failing_script_is_eio_with_gnuplots_message),
            cmocka_unit_test(test_gp_run_of_a_warning_is_0_with_the_warning),
            cmocka_unit_test(test_gp_check_size_refuses_below_30_by_10_characters),
            cmocka_unit_test(test_gp_phase_index_keys_a_colour_by_name),
            cmocka_unit_test(test_gp_run_without_gnuplot_is_enoent),
        };

        return test_exit(cmocka_run_group_tests(tests, setup_dir, teardown_dir));
}
