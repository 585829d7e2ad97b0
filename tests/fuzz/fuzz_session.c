/*
 * fuzz_session: the session JSON loader. The input is written as
 * session.json of one session (session_open and every accessor of the
 * variants and the plan) and as runs/0001.json of a second, well-formed
 * session (session_run_read, session_run_write of what it read, and
 * the run model over a small fixed console capture with a mark, paired
 * with the run's host marks: runset_open, runset_analyse, and the table
 * and JSON reports). Also parsed as
 * a --variant spec (session_variant_parse). Files go to a temporary
 * directory made on the first call (under $TMPDIR, else /dev/shm or /tmp)
 * and removed at exit.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/runset.h"
#include "base/util.h"
#include "collector/session.h"
#include "reports/json.h"
#include "reports/table.h"
#include "tests/fuzz/fuzz.h"

static const char good_session[] =
    "{\"schema_version\": 1, \"kind\": \"bootlens-session\",\n"
    " \"variants\": [{\"name\": \"default\", \"cmdline\": \"console=ttyS0\"}],\n"
    " \"plan\": [{\"run\": 1, \"variant\": \"default\", \"warmup\": false}]}\n";

static const char console[] =
    "@@bootlens v1 begin os=linux tsc_freq=2000000000 tsc_now=3000000000 uptime_ns=1400000000\n"
    "@@bootlens section dmesg\n"
    "[    0.000000] Linux version 6.1.0\n"
    "[    0.300000] calling  foo_init+0x0/0x20 @ 1\n"
    "[    0.300500] initcall foo_init+0x0/0x20 returned 0 after 400 usecs\n"
    "[    1.000000] Run /init as init process\n"
    "@@bootlens mark rc-start uptime_ns=1200000000\n"
    "@@bootlens end sections=1 bytes=10 crc32=none\n";

static char *dir_a, *dir_b; /* session.json = input; runs/0001.json = input */

static int put(const char *dir, const char *name, const void *data, size_t size)
{
        char *path;
        int ret;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -1;
        ret = util_write_file_atomic(path, data, size);
        free(path);
        return ret;
}

static char *make_dir(const char *base)
{
        char *d;

        if (asprintf(&d, "%s/bootlens-fuzz-XXXXXX", base) < 0)
                return NULL;
        if (!mkdtemp(d)) {
                free(d);
                return NULL;
        }
        return d;
}

static void rm(const char *dir, const char *name)
{
        char *path;

        if (dir && asprintf(&path, "%s/%s", dir, name) >= 0) {
                remove(path);
                free(path);
        }
}

/* At exit: the files we wrote and the two directories. */
static void cleanup(void)
{
        rm(dir_a, "session.json");
        rm(dir_b, "session.json");
        rm(dir_b, "runs/0001.json");
        rm(dir_b, "runs/0001.console");
        rm(dir_b, "runs");
        if (dir_a)
                remove(dir_a);
        if (dir_b)
                remove(dir_b);
        free(dir_a);
        free(dir_b);
        dir_a = dir_b = NULL;
}

static int setup(void)
{
        const char *base = getenv("TMPDIR");
        char *runs;
        int ret;

        if (!base || !*base)
                base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        atexit(cleanup);
        dir_a = make_dir(base);
        dir_b = make_dir(base);
        if (!dir_a || !dir_b)
                return -1;
        if (asprintf(&runs, "%s/runs", dir_b) < 0)
                return -1;
        ret = util_mkdir_p(runs, 0700);
        free(runs);
        if (ret < 0)
                return -1;
        if (put(dir_b, "session.json", good_session, sizeof(good_session) - 1) < 0)
                return -1;
        if (put(dir_b, "runs/0001.console", console, sizeof(console) - 1) < 0)
                return -1;
        return 0;
}

static void read_session(const char *dir)
{
        const struct session_info *in;
        struct session *s = NULL;
        char err[256];
        size_t variant;
        bool warmup;

        if (session_open(dir, &s, err, sizeof(err)) < 0)
                return;
        in = session_info(s);
        for (size_t i = 0; i < session_variant_count(s) + 1; i++) {
                const char *name = session_variant_name(s, i);

                session_variant_cmdline(s, i);
                if (name)
                        session_variant_index(s, name);
        }
        for (size_t i = 0; i < in->nlabels && fuzz_sink(); i++)
                fprintf(fuzz_sink(), "%s=%s\n", in->labels[i].key, in->labels[i].value);
        for (unsigned run = 0; run <= session_planned_runs(s) + 1 && run < 1000; run++)
                session_plan(s, run, &variant, &warmup);
        session_free(s);
}

static void read_run(const char *dir)
{
        struct session_run sr;
        struct report_options ro = {.unit = REPORT_MS, .top = 5, .max_warnings = 10, .brief = true};
        struct run_options o = {0};
        struct session *s = NULL;
        struct runset rs;
        struct run r = {0};
        char err[256];

        if (session_open(dir, &s, err, sizeof(err)) < 0)
                return;
        if (session_run_read(s, 1, &sr, err, sizeof(err)) == 0) {
                /* what was read writes back (over the input: run 1 only) */
                if (sr.run == 1)
                        session_run_write(dir, &sr);
                session_run_free(&sr);
        }
        session_free(s);
        if (runset_open(dir, &rs, err, sizeof(err)) == 0) {
                for (size_t i = 0; i < rs.n; i++) {
                        if (!rs.v[i].readable || runset_analyse(&rs, i, &o, &r, NULL) < 0) {
                                run_free(&r);
                                continue;
                        }
                        /* the run's host marks paired with the log's */
                        if (fuzz_sink()) {
                                table_write(fuzz_sink(), &r, &ro);
                                json_write(fuzz_sink(), &r, 5);
                        }
                        run_free(&r);
                }
        }
        runset_free(&rs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static int ready;
        struct session_variant v;
        char err[256];
        char *spec;

        if (!ready)
                ready = setup() == 0 ? 1 : -1;
        if (ready < 0)
                return 0;
        if (put(dir_a, "session.json", data, size) == 0)
                read_session(dir_a);
        if (put(dir_b, "runs/0001.json", data, size) == 0)
                read_run(dir_b);
        spec = strndup((const char *)data, size);
        if (spec && session_variant_parse(spec, &v, err, sizeof(err)) == 0)
                session_variant_free(&v);
        free(spec);
        return 0;
}
