/*
 * fuzz_tslog: a tslog dump or console capture through everything
 * "bootlens analyze" does with it: tslog_parse, the call trees and phases
 * (run_analyse, the input forced to tslog), and the table, JSON and folded
 * renderers.
 *
 * The input is the capture, whole. Its length picks the options, so that
 * the same bytes always take the same path: OS detected or forced, TSC
 * frequency from the capture or given.
 */
#include <stdlib.h>
#include <string.h>

#include "analyzer/run.h"
#include "reports/folded.h"
#include "reports/json.h"
#include "reports/table.h"
#include "tests/fuzz/fuzz.h"

static const enum ev_os oses[] = {EV_OS_FREEBSD, EV_OS_FREEBSD, EV_OS_NETBSD, EV_OS_UNKNOWN};

static void render(struct run *r)
{
        struct report_options ro = {.unit = REPORT_MS, .top = 10, .max_warnings = 50};
        FILE *out = fuzz_sink();
        struct folded *fo;

        if (out) {
                table_write(out, r, &ro);
                ro.unit = REPORT_CYCLES;
                ro.top = 3;
                ro.max_warnings = 2;
                table_write(out, r, &ro);
                json_write(out, r, 3);
        }
        fo = folded_new();
        if (fo && folded_add(fo, &r->analysis) == 0 && out) {
                folded_write(out, fo, folded_unit_for(fo, REPORT_US));
                folded_write(out, fo, folded_unit_for(fo, REPORT_CYCLES));
        }
        folded_free(fo);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* size % 4 == 3: detection may take a Linux log; the rest is tslog */
        struct run_options o = {.os = oses[size % 4], .tsc_freq = size % 3 ? 0 : 2000000000};
        struct run r;
        uint32_t *w;
        char *buf;

        tslog_probe((const char *)data, size);
        buf = malloc(size ? size : 1);
        if (!buf)
                return 0;
        if (size)
                memcpy(buf, data, size);
        /* r owns buf from here on */
        if (run_analyse(&r, "fuzz", buf, size, &o, NULL, NULL) == 0) {
                analysis_boot_span(&r.analysis);
                w = analysis_warnings_sorted(&r.trace);
                free(w);
                render(&r);
        }
        run_free(&r);
        return 0;
}
