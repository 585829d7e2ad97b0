/*
 * fuzz_fgraph: a function_graph trace (the text of tracefs's "trace")
 * through fgraph_parse and the call trees built from its threads.
 *
 * The input is the trace, whole; its length picks the clock offset
 * (none, positive, negative, extreme) so that the same bytes take the
 * same path.
 */
#include "analyzer/calltree.h"
#include "analyzer/fgraph.h"
#include "tests/fuzz/fuzz.h"

static const int64_t offsets[] = {0, 123456789, -5000000000, INT64_MIN};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *buf = (const char *)data;
        struct fgraph_meta meta;
        struct ct_forest f;
        struct ev_trace t;

        fgraph_probe(buf, size);
        if (ev_trace_init(&t, "fuzz") < 0)
                return 0;
        t.os = EV_OS_LINUX;
        t.clock = EV_CLOCK_NS;
        if (fgraph_parse(&t, buf, size, 1 + (uint32_t)(size % 7), offsets[size % 4], &meta) == 0 &&
            ct_build(&f, &t) == 0)
                ct_free(&f);
        ev_trace_free(&t);
        return 0;
}
