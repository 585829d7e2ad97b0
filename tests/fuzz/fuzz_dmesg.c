/*
 * fuzz_dmesg: a Linux kernel log or console capture through what
 * "bootlens analyze" and "analyze SESSION" do with it: dmesg_parse (and
 * the function_graph parser it calls for an ftrace section), clock
 * stitching, the Linux phases, user-space marks and call trees
 * (run_analyse), and the table (full and brief), JSON and folded
 * renderers.
 *
 * The input is the capture, whole. Its length picks whether host marks
 * are given (stitching on or off), so the same bytes take the same path.
 */
#include <stdlib.h>
#include <string.h>

#include "analyzer/dmesg.h"
#include "analyzer/run.h"
#include "reports/folded.h"
#include "reports/json.h"
#include "reports/table.h"
#include "tests/fuzz/fuzz.h"

static void render(struct run *r)
{
        struct report_options ro = {.unit = REPORT_MS, .top = 10, .max_warnings = 50};
        struct run_initcall top[4];
        FILE *out = fuzz_sink();
        struct folded *fo;

        run_slowest_initcalls(r, top, 4);
        if (out) {
                json_write(out, r, 5);
                table_write(out, r, &ro);
                ro.brief = true;
                ro.unit = REPORT_US;
                table_write(out, r, &ro);
        }
        fo = folded_new();
        if (fo && folded_add(fo, &r->analysis) == 0 && out)
                folded_write(out, fo, folded_unit_for(fo, REPORT_US));
        folded_free(fo);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* host marks as a collector records them: ns since boot of the host */
        struct stitch_host host = {.spawn = 1000000000,
                                   .dump_begin = 4000000000,
                                   .first_byte = 1500000000,
                                   .begin_first_byte = size % 4 == 1 ? 1500000000 : 0,
                                   .exit = 4500000000};
        struct run_options o = {0};
        struct run_host h = {.clocks = host};
        struct run r;
        char *buf;
        uint64_t ns;

        dmesg_probe((const char *)data, size);
        buf = malloc(size ? size : 1);
        if (!buf)
                return 0;
        if (size)
                memcpy(buf, data, size);
        /* r owns buf from here on */
        if (run_analyse(&r, "fuzz", buf, size, &o, size % 2 ? &h : NULL, NULL) == 0) {
                dmesg_printk_at_dump(&r.dmesg, &ns);
                render(&r);
        }
        run_free(&r);
        return 0;
}
