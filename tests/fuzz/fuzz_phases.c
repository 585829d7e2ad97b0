/*
 * fuzz_phases: a phase map (--phase-map text) through phases_load_map,
 * then computed over a small fixed FreeBSD trace with points set, and
 * rendered by the table and JSON reports (which print phase names and
 * boundaries as written).
 */
#include <stdlib.h>
#include <string.h>

#include "analyzer/run.h"
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
        struct run_options o = {.os = EV_OS_FREEBSD,
                                .tsc_freq = 1000000000,
                                .map = (const char *)data,
                                .map_len = size,
                                .map_name = "fuzz.map"};
        struct report_options ro = {.unit = REPORT_US, .top = 5, .max_warnings = 10};
        struct run r;
        char *err = NULL, *buf = malloc(sizeof(dump) - 1);

        if (!buf)
                return 0;
        memcpy(buf, dump, sizeof(dump) - 1);
        /* r owns buf from here on */
        if (run_analyse(&r, "fuzz", buf, sizeof(dump) - 1, &o, NULL, &err) < 0)
                goto out;
        if (phases_set_point(r.phases, "host.spawn", -1000) < 0 ||
            phases_set_point(r.phases, "dump.begin", 1000) < 0 ||
            phases_set_point(r.phases, "dump.begin", INT64_MAX) < 0)
                goto out;
        if (phases_compute(r.phases, &r.trace) < 0)
                goto out;
        if (fuzz_sink()) {
                table_write(fuzz_sink(), &r, &ro);
                json_write(fuzz_sink(), &r, 5);
        }
out:
        free(err);
        run_free(&r);
        return 0;
}
