/* Unit tests of the folded-stack renderer (reports/folded.c), against the
 * rules FlameGraph's stackcollapse output and speedscope read: one stack a
 * line, frames separated by ';', then one space and an integer count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/tslog.h"
#include "base/sbuf.h"
#include "base/util.h"
#include "reports/folded.h"

#define HEAD BOOTLENS_SAMPLES "/freebsd15-firecracker-tslog-head.txt"

struct run {
        struct ev_trace t;
        struct analysis a;
};

static void analyse(struct run *r, const char *buf, size_t len)
{
        assert_int_equal(ev_trace_init(&r->t, "t"), 0);
        assert_int_equal(tslog_parse(&r->t, buf, len, NULL, NULL), 0);
        assert_int_equal(analysis_run(&r->a, &r->t, NULL), 0);
}

static void release(struct run *r)
{
        analysis_free(&r->a);
        ev_trace_free(&r->t);
}

/* Render fo in unit u into a malloc'd string. */
static char *render(struct folded *fo, enum report_unit u)
{
        FILE *f = tmpfile();
        char *out;
        long n;

        assert_non_null(f);
        assert_int_equal(folded_write(f, fo, u), 0);
        n = ftell(f);
        out = calloc(1, (size_t)n + 1);
        assert_non_null(out);
        rewind(f);
        assert_int_equal(fread(out, 1, (size_t)n, f), (size_t)n);
        fclose(f);
        return out;
}

/* Every line obeys the format, and no stack appears twice. */
static size_t check_format(const char *out)
{
        regex_t re;
        char *copy = strdup(out), *save = NULL, *line;
        char **seen = NULL;
        size_t n = 0;

        assert_int_equal(regcomp(&re, "^[^;\n]+(;[^;\n]+)* [0-9]+$", REG_EXTENDED | REG_NOSUB), 0);
        assert_true(out[0] == '\0' || out[strlen(out) - 1] == '\n');
        for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                size_t stack_len = (size_t)(strrchr(line, ' ') - line);
                if (regexec(&re, line, 0, NULL, 0) != 0)
                        fail_msg("line breaks the folded format: '%s'", line);
                assert_null(strstr(line, ";;"));
                for (size_t k = 0; k < n; k++)
                        if (strlen(seen[k]) == stack_len && !strncmp(seen[k], line, stack_len))
                                fail_msg("stack listed twice: '%s'", line);
                seen = realloc(seen, (n + 1) * sizeof(*seen));
                seen[n++] = strndup(line, stack_len);
        }
        for (size_t k = 0; k < n; k++)
                free(seen[k]);
        free(seen);
        free(copy);
        regfree(&re);
        return n;
}

static void test_folded_head_sample_obeys_the_format(void **state)
{
        struct folded *fo = folded_new();
        struct run r;
        char *buf, *out;
        size_t len;

        assert_int_equal(util_read_file(HEAD, &buf, &len), 0);
        analyse(&r, buf, len);
        assert_int_equal(folded_add(fo, &r.a), 0);
        assert_int_equal(folded_unit_for(fo, REPORT_US), REPORT_US);
        out = render(fo, REPORT_US);
        assert_true(check_format(out) > 20);
        /* hammer_time's self time: 13877804 cycles less its children, in us */
        assert_non_null(strstr(out, "kernel;hammer_time 295\n"));
        assert_non_null(strstr(out, "kernel;hammer_time;link_elf_ireloc;relocate_file1;"
                                    "relocate_file1 ef->rela 155\n"));
        free(out);
        out = render(fo, REPORT_CYCLES);
        check_format(out);
        /* recursion shows as a frame under itself (self time 319 cycles) */
        assert_non_null(strstr(out, "SYSINIT vm_mem;keg_alloc_slab;keg_alloc_slab 319\n"));
        free(out);
        folded_free(fo);
        release(&r);
        free(buf);
}

static void test_folded_rounds_merges_and_sanitises(void **state)
{
        static const char dump[] = "X_TSLOG_META tsc_freq=1000000000\n"
                                   "0xa 0 ENTER hammer_time\n"
                                   "0xa 1000 ENTER a;b\n"
                                   "0xa 2499 EXIT a;b\n" /* 1499 ns: 1 us */
                                   "0xa 3000 ENTER a_b\n"
                                   "0xa 3001 EXIT a_b\n" /* merged with a;b: 1500 ns, 2 us */
                                   "0xa 4000 ENTER short\n"
                                   "0xa 4499 EXIT short\n" /* 499 ns: 0 us, left out */
                                   "0xa 5000 EXIT hammer_time\n"
                                   "0xb 100 THREAD worker; one\n"
                                   "0xb 200 ENTER job\n"
                                   "0xb 2200 EXIT job\n"
                                   "0xc 100 THREAD worker; one\n"
                                   "0xc 300 ENTER job\n"
                                   "0xc 1800 EXIT job\n";
        struct folded *fo = folded_new();
        struct run r;
        char *out;

        analyse(&r, dump, strlen(dump));
        assert_int_equal(folded_add(fo, &r.a), 0);
        out = render(fo, REPORT_US);
        assert_int_equal(check_format(out), 3);
        assert_string_equal(out, "kernel;hammer_time 3\n" /* 5000-1499-1-499 = 3001 ns */
                                 "kernel;hammer_time;a_b 2\n"
                                 "worker_ one;job 4\n"); /* 2000 + 1500 ns = 3.5 us: 4 */
        free(out);
        folded_free(fo);
        release(&r);
}

static void test_folded_merges_several_files_and_falls_back_to_cycles(void **state)
{
        static const char with_freq[] = "X_TSLOG_META tsc_freq=1000000000\n"
                                        "0xa 0 ENTER f\n0xa 3000 EXIT f\n";
        static const char without[] = "0xa 0 ENTER f\n0xa 5000 EXIT f\n";
        struct folded *fo = folded_new();
        struct run r1, r2;
        char *out;

        analyse(&r1, with_freq, strlen(with_freq));
        assert_int_equal(folded_add(fo, &r1.a), 0);
        out = render(fo, folded_unit_for(fo, REPORT_US));
        assert_string_equal(out, "kernel;f 3\n");
        free(out);
        analyse(&r2, without, strlen(without));
        assert_int_equal(folded_add(fo, &r2.a), 0);
        assert_int_equal(folded_unit_for(fo, REPORT_US), REPORT_CYCLES);
        out = render(fo, REPORT_CYCLES);
        assert_string_equal(out, "kernel;f 8000\n");
        free(out);
        folded_free(fo);
        release(&r1);
        release(&r2);
}

/* Frames deeper than FOLDED_MAX_DEPTH add up in one "[deeper frames]"
 * frame: every cycle is still there, and the output stays small. */
static void test_folded_caps_the_depth(void **state)
{
        const size_t n = FOLDED_MAX_DEPTH + 50;
        struct sbuf in = SBUF_INIT;
        struct folded *fo = folded_new();
        struct run r;
        char *out, *deep;
        unsigned long long sum = 0;

        for (size_t k = 0; k < n; k++)
                assert_int_equal(sbuf_addf(&in, "0x1 %zu ENTER f%zu\n", 10 * k, k), 0);
        for (size_t k = 0; k < n; k++)
                assert_int_equal(sbuf_addf(&in, "0x1 %zu EXIT f%zu\n", 10 * (n + k), n - 1 - k), 0);
        analyse(&r, in.buf, in.len);
        assert_non_null(fo);
        assert_int_equal(folded_add(fo, &r.a), 0);
        out = render(fo, REPORT_CYCLES);
        check_format(out);
        deep = strstr(out, ";f127;" FOLDED_DEEPER " ");
        assert_non_null(deep);
        assert_null(strstr(out, ";f128"));
        /* each frame has 10 cycles of its own before and after its child */
        assert_int_equal(strtoull(deep + strlen(";f127;" FOLDED_DEEPER " "), NULL, 10),
                         50 * 20 - 10);
        for (const char *l = out; *l;) {
                const char *nl = strchr(l, '\n'), *sp = nl;

                while (sp > l && sp[-1] != ' ')
                        sp--;
                sum += strtoull(sp, NULL, 10);
                l = nl + 1;
        }
        assert_int_equal(sum, 10 * (2 * n - 1)); /* the outermost frame's total */
        free(out);
        folded_free(fo);
        release(&r);
        sbuf_release(&in);
}

/* A long name is cut in every stack that repeats it (fuzzing: a 100 KB
 * parent of 20k children took 2 GB). */
static void test_folded_cuts_long_names(void **state)
{
        struct sbuf in = SBUF_INIT;
        struct folded *fo = folded_new();
        char *name = malloc(1001), *out, *line;
        struct run r;

        assert_non_null(name);
        memset(name, 'n', 1000);
        name[1000] = '\0';
        assert_int_equal(sbuf_addf(&in, "0x1 0 ENTER %s\n", name), 0);
        for (int k = 0; k < 10; k++)
                assert_int_equal(sbuf_addf(&in, "0x1 %d ENTER f%d\n0x1 %d EXIT f%d\n", 10 * k + 1,
                                           k, 10 * k + 6, k),
                                 0);
        assert_int_equal(sbuf_addf(&in, "0x1 200 EXIT %s\n", name), 0);
        analyse(&r, in.buf, in.len);
        assert_non_null(fo);
        assert_int_equal(folded_add(fo, &r.a), 0);
        out = render(fo, REPORT_CYCLES);
        assert_int_equal(check_format(out), 11);
        for (line = out; *line; line = strchr(line, '\n') + 1)
                assert_true((size_t)(strchr(line, '\n') - line) < FOLDED_NAME_MAX + 32);
        assert_non_null(strstr(out, "nnn...;f9 5\n"));
        free(out);
        folded_free(fo);
        release(&r);
        sbuf_release(&in);
        free(name);
}

/* A median profile: per stack the median of its self time over the runs,
 * a run without the stack counting as 0. */
static void test_folded_median_counts_absent_stacks_as_zero(void **state)
{
        static const char a[] = "0x1 0 ENTER f\n0x1 100 EXIT f\n0x1 100 ENTER g\n0x1 110 EXIT g\n";
        static const char b[] = "0x1 0 ENTER f\n0x1 300 EXIT f\n";
        static const char c[] = "0x1 0 ENTER f\n0x1 200 EXIT f\n0x1 200 ENTER g\n0x1 230 EXIT g\n";
        struct folded *fo = folded_new_median(), *sum = folded_new();
        struct run r[3];
        char *out;

        assert_non_null(fo);
        assert_non_null(sum);
        analyse(&r[0], a, strlen(a));
        analyse(&r[1], b, strlen(b));
        analyse(&r[2], c, strlen(c));
        for (int i = 0; i < 3; i++) {
                assert_int_equal(folded_add(fo, &r[i].a), 0);
                assert_int_equal(folded_add(sum, &r[i].a), 0);
        }
        /* f: 100, 300, 200 -> 200; g: 10, 0, 30 -> 10 */
        out = render(fo, REPORT_CYCLES);
        assert_string_equal(out, "kernel;f 200\nkernel;g 10\n");
        free(out);
        out = render(sum, REPORT_CYCLES);
        assert_string_equal(out, "kernel;f 600\nkernel;g 40\n");
        free(out);
        folded_free(fo);
        folded_free(sum);
        for (int i = 0; i < 3; i++)
                release(&r[i]);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_folded_head_sample_obeys_the_format),
            cmocka_unit_test(test_folded_rounds_merges_and_sanitises),
            cmocka_unit_test(test_folded_merges_several_files_and_falls_back_to_cycles),
            cmocka_unit_test(test_folded_caps_the_depth),
            cmocka_unit_test(test_folded_cuts_long_names),
            cmocka_unit_test(test_folded_median_counts_absent_stacks_as_zero),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
