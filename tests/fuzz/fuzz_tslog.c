/*
 * fuzz_tslog: a tslog dump or console capture through everything
 * "bootlens analyze" does with it: tslog_parse, the call trees and phases
 * (analysis_run), and the table, JSON and folded renderers.
 *
 * The input is the capture, whole. Its length picks the options, so that
 * the same bytes always take the same path: OS detected or forced, TSC
 * frequency from the capture or given.
 */
#include <jansson.h>
#include <stdlib.h>

#include "analyzer/analysis.h"
#include "analyzer/phases.h"
#include "analyzer/tslog.h"
#include "reports/folded.h"
#include "reports/json.h"
#include "reports/table.h"
#include "tests/fuzz/fuzz.h"

static const enum ev_os oses[] = {EV_OS_UNKNOWN, EV_OS_FREEBSD, EV_OS_NETBSD, EV_OS_UNKNOWN};

static void render(struct analysis *a)
{
        struct report_options ro = {.unit = REPORT_MS, .top = 10, .max_warnings = 50};
        FILE *out = fuzz_sink();
        struct folded *fo;
        json_t *j;

        if (out) {
                table_write(out, a, &ro);
                ro.unit = REPORT_CYCLES;
                ro.top = 3;
                ro.max_warnings = 2;
                table_write(out, a, &ro);
        }
        j = json_report(a);
        json_decref(j);
        fo = folded_new();
        if (fo && folded_add(fo, a) == 0 && out) {
                folded_write(out, fo, folded_unit_for(fo, REPORT_US));
                folded_write(out, fo, folded_unit_for(fo, REPORT_CYCLES));
        }
        folded_free(fo);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct tslog_options opts = {.os = oses[size % 4], .freq_hz = size % 3 ? 0 : 2000000000};
        const char *buf = (const char *)data;
        struct tslog_meta meta;
        struct analysis a = {0};
        struct phases *ph = NULL;
        struct ev_trace t;
        uint32_t *w;

        tslog_probe(buf, size);
        if (ev_trace_init(&t, "fuzz") < 0)
                return 0;
        if (tslog_parse(&t, buf, size, &opts, &meta) < 0)
                goto out;
        ph = phases_new();
        if (!ph)
                goto out;
        if (phases_load_default(ph, t.os) < 0 && phases_load_default(ph, EV_OS_FREEBSD) < 0)
                goto out;
        if (phases_set_point(ph, "guest.tsc0", 0) < 0)
                goto out;
        if (meta.has_tsc_now && phases_set_point(ph, "dump.begin", (int64_t)meta.tsc_now) < 0)
                goto out;
        if (analysis_run(&a, &t, ph) < 0)
                goto out;
        a.input_kind = "tslog";
        a.freq_source = meta.freq_source == TSLOG_FREQ_NONE ? "none" : "capture";
        a.tslog = &meta;
        analysis_boot_span(&a);
        w = analysis_warnings_sorted(&t);
        free(w);
        render(&a);
out:
        analysis_free(&a);
        phases_free(ph);
        ev_trace_free(&t);
        return 0;
}
