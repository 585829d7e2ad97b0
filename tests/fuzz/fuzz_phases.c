/*
 * fuzz_phases: a phase map (--phase-map text) through phases_load_map,
 * then computed over a small fixed FreeBSD trace with points set, and
 * rendered by the table and JSON reports (which print phase names and
 * boundaries as written).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/analysis.h"
#include "analyzer/phases.h"
#include "analyzer/tslog.h"
#include "reports/json.h"
#include "reports/table.h"
#include "tests/fuzz/fuzz.h"

static const char dump[] = "FreeBSD_TSLOG_BEGIN\n"
                           "0xfffff80001 100 ENTER hammer_time\n"
                           "0xfffff80001 200 EXIT hammer_time\n"
                           "0xfffff80001 300 ENTER mi_startup\n"
                           "0xfffff80001 400 ENTER sysinit foo\n"
                           "0xfffff80001 450 EVENT WAIT bar\n"
                           "0xfffff80001 500 EXIT sysinit foo\n"
                           "0xfffff80002 600 ENTER start_init\n"
                           "0xfffff80002 900 EXIT start_init\n"
                           "FreeBSD_TSLOG_END\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct tslog_options opts = {.os = EV_OS_FREEBSD, .freq_hz = 1000000000};
        struct report_options ro = {.unit = REPORT_US, .top = 5, .max_warnings = 10};
        struct analysis a = {0};
        struct phases *ph;
        struct ev_trace t;
        char *err = NULL;
        json_t *j;

        ph = phases_new();
        if (!ph)
                return 0;
        if (ev_trace_init(&t, "fuzz") < 0)
                goto out_phases;
        if (phases_load_map(ph, (const char *)data, size, "fuzz.map", &err) < 0)
                goto out;
        if (tslog_parse(&t, dump, sizeof(dump) - 1, &opts, NULL) < 0)
                goto out;
        if (phases_set_point(ph, "guest.tsc0", 0) < 0 ||
            phases_set_point(ph, "host.spawn", -1000) < 0 ||
            phases_set_point(ph, "dump.begin", 1000) < 0 ||
            phases_set_point(ph, "dump.begin", INT64_MAX) < 0)
                goto out;
        if (phases_compute(ph, &t) < 0)
                goto out;
        if (analysis_run(&a, &t, ph) < 0)
                goto out;
        a.input_kind = "tslog";
        a.freq_source = "option";
        if (fuzz_sink())
                table_write(fuzz_sink(), &a, &ro);
        j = json_report(&a);
        json_decref(j);
out:
        free(err);
        analysis_free(&a);
        ev_trace_free(&t);
out_phases:
        phases_free(ph);
        return 0;
}
