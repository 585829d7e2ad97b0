/*
 * bootlens show: list a session's runs, or print one run's capture
 * verbatim (docs/collect.md).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "cli/commands.h"
#include "collector/session.h"

void usage_show(FILE *out)
{
        fprintf(out, "usage: bootlens show SESSION[:VARIANT] [--run N [--attempt K] "
                     "[--raw | --serial | --qemu-log]]\n\n"
                     "Without --run, list the runs: variant, verdict, attempts, boot time\n"
                     "(host spawn to the dump's begin line) and what went wrong.\n"
                     "With --run N, describe run N; --raw prints its VirtIO console capture\n"
                     "verbatim, --serial its serial capture, --qemu-log QEMU's own output;\n"
                     "--attempt K picks an earlier attempt of a retried run.\n\n"
                     "  -r, --run N       one run\n"
                     "      --attempt K   attempt K of that run (default: the final one)\n"
                     "      --raw         print the VirtIO console capture\n"
                     "      --serial      print the serial capture\n"
                     "      --qemu-log    print QEMU's stdout and stderr\n"
                     "  -h, --help        show this help\n\n"
                     "Exit status: 0 ok, 2 usage error or no such session or run.\n");
}

static int print_file(const char *path)
{
        char *data;
        size_t len;
        int ret;

        ret = util_read_file(path, &data, &len);
        if (ret < 0) {
                bl_error("cannot open '%s': %s", path, strerror(-ret));
                return BL_EXIT_USAGE;
        }
        ret = util_write_full(STDOUT_FILENO, data, len);
        free(data);
        if (ret < 0) {
                bl_error("cannot write to standard output: %s", strerror(-ret));
                return BL_EXIT_FAIL;
        }
        return BL_EXIT_OK;
}

static void print_header(struct session *s)
{
        json_t *m = session_meta(s), *host = json_object_get(m, "host");
        json_t *labels = json_object_get(m, "labels");
        const char *key;
        json_t *val;

        printf("session %s (%s)\n", json_string_value(json_object_get(m, "session_id")),
               json_string_value(json_object_get(m, "created")));
        printf("host    %s, %s, %s\n", json_string_value(json_object_get(host, "cpu_model")),
               json_string_value(json_object_get(host, "kernel")),
               json_string_value(json_object_get(host, "qemu_version")));
        printf("accel   %s", json_string_value(json_object_get(host, "accel")));
        if (json_is_string(json_object_get(host, "accel_note")))
                printf(" (%s)", json_string_value(json_object_get(host, "accel_note")));
        printf("\n");
        json_object_foreach(labels, key, val)
        {
                printf("label   %s=%s\n", key, json_string_value(val));
        }
        for (size_t i = 0; i < session_variant_count(s); i++) {
                json_t *v = session_variant(s, i);

                printf("variant %s: %s\n", session_variant_name(s, i),
                       json_string_value(json_object_get(json_object_get(v, "kernel"), "path")));
                printf("        cmdline: %s\n", session_variant_cmdline(s, i));
        }
}

static int list_runs(struct session *s, const char *variant)
{
        unsigned *runs = NULL;
        int n;

        print_header(s);
        n = session_list_runs(s, &runs);
        if (n < 0) {
                bl_error("cannot list runs in '%s': %s", session_dir(s), strerror(-n));
                return BL_EXIT_USAGE;
        }
        printf("\n%5s  %-12s %-9s %8s %10s  %s\n", "run", "variant", "verdict", "attempts",
               "boot_ms", "note");
        for (int i = 0; i < n; i++) {
                struct session_run_info info;
                json_t *rj;

                if (session_load_run(s, runs[i], &rj) < 0) {
                        printf("%5u  (unreadable run file)\n", runs[i]);
                        continue;
                }
                if (session_run_info(rj, &info) < 0) {
                        printf("%5u  (malformed run file)\n", runs[i]);
                        json_decref(rj);
                        continue;
                }
                if (!variant || strcmp(variant, info.variant) == 0) {
                        char boot[32] = "-";
                        struct sbuf note = SBUF_INIT;
                        json_t *at = json_object_get(rj, "attempts");

                        if (info.boot_ns)
                                snprintf(boot, sizeof(boot), "%.1f", (double)info.boot_ns / 1e6);
                        /* Earlier attempts, e.g. "retried after timeout". */
                        for (size_t k = 0; k + 1 < json_array_size(at); k++) {
                                sbuf_addf(&note, "%sattempt %zu %s", note.len ? "; " : "", k + 1,
                                          json_string_value(
                                              json_object_get(json_array_get(at, k), "verdict")));
                        }
                        if (*info.reason)
                                sbuf_addf(&note, "%s%s", note.len ? "; " : "", info.reason);
                        printf("%5u  %-12s %-9s %8u %10s  %s\n", info.run, info.variant,
                               info.verdict, info.attempts, boot, note.len ? note.buf : "");
                        sbuf_release(&note);
                }
                json_decref(rj);
        }
        free(runs);
        return BL_EXIT_OK;
}

/* One line of an attempt's timeline. */
struct tl_entry {
        const char *what; /* "" for host marks, "mark " for guest markers */
        const char *name;
        uint64_t ns;
};

static int cmp_entry(const void *a, const void *b)
{
        const struct tl_entry *x = a, *y = b;

        return (x->ns > y->ns) - (x->ns < y->ns);
}

/* Print an attempt's host marks and guest markers in time order, relative
 * to spawn. */
static void print_timeline(json_t *a)
{
        static const char *const host[] = {"first_serial_byte", "first_console_byte", "dump_begin",
                                           "dump_end", "exit"};
        json_t *marks = json_object_get(a, "marks");
        size_t n = 0, cap = UTIL_ARRAY_SIZE(host) + json_array_size(marks);
        struct tl_entry *e = calloc(cap ? cap : 1, sizeof(*e));
        uint64_t spawn = 0, ns;

        if (!e)
                return;
        session_attempt_mark(a, "spawn", &spawn);
        for (size_t i = 0; i < UTIL_ARRAY_SIZE(host); i++)
                if (session_attempt_mark(a, host[i], &ns) == 0)
                        e[n++] = (struct tl_entry){"", host[i], ns};
        for (size_t i = 0; i < json_array_size(marks); i++) {
                json_t *m = json_array_get(marks, i);
                const char *name = json_string_value(json_object_get(m, "name"));
                json_t *t = json_object_get(m, "host_ns");

                if (name && json_is_integer(t))
                        e[n++] = (struct tl_entry){"mark ", name, (uint64_t)json_integer_value(t)};
        }
        qsort(e, n, sizeof(*e), cmp_entry);
        for (size_t i = 0; i < n; i++)
                printf("    %12.3f ms  %s%s\n", (double)(int64_t)(e[i].ns - spawn) / 1e6, e[i].what,
                       e[i].name);
        free(e);
}

static int describe_run(json_t *rj)
{
        struct session_run_info info;
        json_t *at = json_object_get(rj, "attempts");

        if (session_run_info(rj, &info) < 0) {
                bl_error("run file is malformed");
                return BL_EXIT_USAGE;
        }
        printf("run %u  variant %s  verdict %s%s%s%s\n", info.run, info.variant, info.verdict,
               info.warmup ? " (warm-up)" : "", *info.reason ? ": " : "", info.reason);
        if (info.boot_ns)
                printf("boot    %.3f ms (spawn to dump begin)\n", (double)info.boot_ns / 1e6);
        for (size_t k = 0; k < json_array_size(at); k++) {
                json_t *a = json_array_get(at, k);
                const char *reason = json_string_value(json_object_get(a, "reason"));

                printf("attempt %zu: %s%s%s  (console %s)\n", k + 1,
                       json_string_value(json_object_get(a, "verdict")),
                       reason && *reason ? ": " : "", reason ? reason : "",
                       json_string_value(json_object_get(json_object_get(a, "files"), "console")));
                print_timeline(a);
        }
        return BL_EXIT_OK;
}

int cmd_show(int argc, char **argv)
{
        enum { OPT_ATTEMPT = 256, OPT_RAW, OPT_SERIAL, OPT_QLOG };
        static const struct option longopts[] = {
            {"run", required_argument, NULL, 'r'},
            {"attempt", required_argument, NULL, OPT_ATTEMPT},
            {"raw", no_argument, NULL, OPT_RAW},
            {"serial", no_argument, NULL, OPT_SERIAL},
            {"qemu-log", no_argument, NULL, OPT_QLOG},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        const char *what = NULL;
        uint64_t run = 0, attempt = 0;
        char *dir = NULL, *variant = NULL, err[512] = "";
        struct session *s = NULL;
        json_t *rj = NULL;
        int c, code = BL_EXIT_USAGE, ret;

        optind = 1;
        while ((c = getopt_long(argc, argv, "r:h", longopts, NULL)) != -1) {
                switch (c) {
                case 'r':
                        if (util_parse_u64(optarg, 10, &run) < 0 || run == 0 || run > UINT32_MAX) {
                                bl_error("--run: '%s' is not a run number", optarg);
                                return BL_EXIT_USAGE;
                        }
                        break;
                case OPT_ATTEMPT:
                        if (util_parse_u64(optarg, 10, &attempt) < 0 || attempt == 0 ||
                            attempt > 1000) {
                                bl_error("--attempt: '%s' is not an attempt number", optarg);
                                return BL_EXIT_USAGE;
                        }
                        break;
                case OPT_RAW:
                case OPT_SERIAL:
                case OPT_QLOG:
                        if (what) {
                                bl_error("give only one of --raw, --serial, --qemu-log");
                                return BL_EXIT_USAGE;
                        }
                        what = c == OPT_RAW ? "console" : c == OPT_SERIAL ? "serial" : "qemu_log";
                        break;
                case 'h':
                        usage_show(stdout);
                        return BL_EXIT_OK;
                default:
                        usage_show(stderr);
                        return BL_EXIT_USAGE;
                }
        }
        if (optind + 1 != argc) {
                bl_error(optind == argc ? "no session given" : "give one session");
                usage_show(stderr);
                return BL_EXIT_USAGE;
        }
        if ((what || attempt) && !run) {
                bl_error("--raw, --serial, --qemu-log and --attempt need --run N");
                return BL_EXIT_USAGE;
        }
        if (session_split_ref(argv[optind], &dir, &variant) < 0) {
                bl_error("out of memory");
                return BL_EXIT_FAIL;
        }
        ret = session_open(dir, &s, err, sizeof(err));
        if (ret < 0) {
                if (ret == -ENOENT)
                        bl_error("'%s' is not a session: no session.json", dir);
                else
                        bl_error("%s", err[0] ? err : strerror(-ret));
                goto out;
        }
        if (variant && session_variant_index(s, variant) < 0) {
                bl_error("session '%s' has no variant '%s'", dir, variant);
                goto out;
        }
        if (!run) {
                code = list_runs(s, variant);
                goto out;
        }
        ret = session_load_run(s, (unsigned)run, &rj);
        if (ret < 0) {
                bl_error(ret == -ENOENT ? "session '%s' has no run %llu"
                                        : "session '%s': run %llu is malformed",
                         dir, (unsigned long long)run);
                goto out;
        }
        if (!what) {
                code = describe_run(rj);
        } else {
                json_t *at = json_object_get(rj, "attempts");
                size_t k = attempt ? (size_t)attempt : json_array_size(at);
                const char *file = json_string_value(
                    json_object_get(json_object_get(json_array_get(at, k - 1), "files"), what));
                char *path;

                if (k == 0 || k > json_array_size(at) || !file) {
                        bl_error("run %llu has no attempt %zu", (unsigned long long)run, k);
                        goto out;
                }
                if (strchr(file, '/')) {
                        bl_error("run %llu: bad file name '%s'", (unsigned long long)run, file);
                        goto out;
                }
                if (asprintf(&path, "%s/runs/%s", dir, file) < 0) {
                        code = BL_EXIT_FAIL;
                        goto out;
                }
                code = print_file(path);
                free(path);
        }
out:
        json_decref(rj);
        session_free(s);
        free(dir);
        free(variant);
        return code;
}
