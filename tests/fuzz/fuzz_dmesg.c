/*
 * fuzz_dmesg: a Linux kernel log or console capture through what
 * "bootlens analyze" and "analyze SESSION" do with it: dmesg_parse (and
 * the function_graph parser it calls for an ftrace section), clock
 * stitching, the Linux phases, user-space marks and call trees
 * (lxrun_analyse), and the Linux report (with its marks), table, JSON and
 * folded renderers.
 *
 * The input is the capture, whole. Its length picks whether host marks
 * are given (stitching on or off), so the same bytes take the same path.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/dmesg.h"
#include "analyzer/lxrun.h"
#include "reports/folded.h"
#include "reports/json.h"
#include "reports/lxreport.h"
#include "reports/table.h"
#include "tests/fuzz/fuzz.h"

static void render(struct lxrun *r)
{
        struct report_options ro = {.unit = REPORT_MS, .top = 10, .max_warnings = 50};
        struct lxreport_initcall top[4];
        char labels[4 * 64];
        FILE *out = fuzz_sink();
        struct folded *fo;
        json_t *j;

        lxreport_slowest(&r->analysis, top, 4, labels);
        j = lxreport_json(&r->analysis, &r->meta, r->has_host ? &r->stitch : NULL, 5);
        json_decref(j);
        j = json_report(&r->analysis);
        json_decref(j);
        j = lxreport_marks_json(&r->marks, &r->meta, r->has_host ? &r->stitch : NULL);
        json_decref(j);
        if (out) {
                lxreport_table(out, &r->analysis, &r->meta, r->has_host ? &r->stitch : NULL, 5);
                lxreport_marks_table(out, &r->marks, &r->meta, r->has_host ? &r->stitch : NULL);
                table_write(out, &r->analysis, &ro);
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
        struct lxrun r;
        char *buf;
        uint64_t ns;

        dmesg_probe((const char *)data, size);
        buf = malloc(size ? size : 1);
        if (!buf)
                return 0;
        if (size)
                memcpy(buf, data, size);
        /* r owns buf from here on */
        if (lxrun_analyse(&r, "fuzz", buf, size, size % 2 ? &host : NULL, NULL, 0, NULL) == 0) {
                dmesg_printk_at_dump(&r.meta, &ns);
                render(&r);
        }
        lxrun_free(&r);
        return 0;
}
