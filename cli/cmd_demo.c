/*
 * bootlens demo: profile real boots of Debian's cloud kernel, end to end.
 *
 * fetch the kernel (cached: guest/kernel_fetch.h) -> build the initramfs
 * with the dumper (guest/initrd.h) -> RUNS boots with the collector's Linux
 * defaults (collector/collect.h, reported as "bootlens collect" reports
 * them) -> print the aggregate of the ok runs: one table with the spread
 * of the total, every phase and the slowest initcalls
 * (cli/analyze_session.h) -> write the session's report into
 * SESSION/report/ (index.html, its figures and JSON: cmd_report.c), whose
 * index.html is the line before the last. The session is left in
 * ./bootlens-demo-<UTC timestamp>/, whose path is the last line printed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "cli/analyze_session.h"
#include "cli/commands.h"
#include "cli/io.h"
#include "cli/textout.h"
#include "collector/collect.h"
#include "guest/initrd.h"
#include "guest/kernel_fetch.h"
#include "reports/htmlreport.h"

#define DEMO_RUNS 5
#define DEMO_TOP  10

void usage_demo(FILE *out)
{
        fprintf(out,
                "usage: bootlens demo [-n RUNS] [--accel auto|kvm|tcg] [--kernel-version V]\n"
                "                     [--top N]\n\n"
                "Fetch Debian's cloud kernel (cached), build the dumper's initramfs, boot it\n"
                "RUNS times under QEMU (-M microvm) with the collector's Linux defaults, and\n"
                "print the aggregate of the ok runs: the total, every boot phase and the\n"
                "slowest initcalls, each with its median, spread and a 95%% CI of the median.\n"
                "The session is kept\n"
                "in ./bootlens-demo-<timestamp>/ for 'bootlens analyze' and 'bootlens show',\n"
                "with its report (as 'bootlens report') in SESSION/report/index.html: that\n"
                "page's path is the line before the last, the session's the last line.\n\n"
                "  -n, --runs RUNS         boots (default %d)\n"
                "      --accel A           accelerator (default auto: KVM only when it runs a\n"
                "                          guest, else TCG)\n"
                "      --kernel-version V  a Debian release such as 6.1.0-56 (default: what\n"
                "                          linux-image-cloud-amd64 depends on)\n"
                "      --top N             slowest initcalls listed (default %d)\n"
                "  -h, --help              show this help\n\n"
                "Exit status: 0 at least one ok run, 1 none, 2 usage error or a failed\n"
                "download or build. See docs/linux.md.\n",
                DEMO_RUNS, DEMO_TOP);
}

/* ./bootlens-demo-YYYYMMDDTHHMMSSZ, with -2, -3 ... if it exists. */
static int make_dir_name(char *buf, size_t size)
{
        time_t now = time(NULL);
        struct tm tm;
        char stamp[32];
        struct stat st;

        if (!gmtime_r(&now, &tm) || !strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm))
                return -EINVAL;
        for (int k = 1; k < 100; k++) {
                int n = k == 1 ? snprintf(buf, size, "bootlens-demo-%s", stamp)
                               : snprintf(buf, size, "bootlens-demo-%s-%d", stamp, k);

                if (n < 0 || (size_t)n >= size)
                        return -ENAMETOOLONG;
                if (stat(buf, &st) != 0)
                        return 0;
        }
        return -EEXIST;
}

struct demo_opts {
        uint64_t runs;
        const char *accel;
        struct kernel_fetch_opts fetch;
        size_t top;
};

/* Returns 0, an exit code, or -1 after --help. */
static int parse_demo_opts(int argc, char **argv, struct demo_opts *o)
{
        static const struct option longopts[] = {
            {"runs", required_argument, NULL, 'n'},
            {"accel", required_argument, NULL, 'a'},
            {"kernel-version", required_argument, NULL, 'k'},
            {"top", required_argument, NULL, 't'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        uint64_t v;
        int c;

        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
                switch (c) {
                case 'n':
                        if (util_parse_u64(optarg, 10, &o->runs) < 0 || o->runs == 0 ||
                            o->runs > 1000) {
                                bl_error("demo: --runs wants a number from 1 to 1000, not '%s'",
                                         optarg);
                                return BL_EXIT_USAGE;
                        }
                        break;
                case 'a':
                        o->accel = optarg;
                        break;
                case 'k':
                        o->fetch.version = optarg;
                        break;
                case 't':
                        if (util_parse_u64(optarg, 10, &v) < 0 || v > 1000) {
                                bl_error("demo: --top wants a number up to 1000, not '%s'", optarg);
                                return BL_EXIT_USAGE;
                        }
                        o->top = (size_t)v;
                        break;
                case 'h':
                        usage_demo(stdout);
                        return -1;
                default:
                        bl_error("demo: option '%s' is unknown or needs a value", argv[optind - 1]);
                        usage_demo(stderr);
                        return BL_EXIT_USAGE;
                }
        }
        if (optind < argc) {
                bl_error("demo: unexpected argument '%s'", argv[optind]);
                return BL_EXIT_USAGE;
        }
        return 0;
}

/* What the demo boots: the kernel (fetched or cached) and, in a fresh
 * ./bootlens-demo-* directory dir, an initramfs with the dumper. */
struct demo_guest {
        struct kernel_paths kp;
        char dir[128];
        char *initrd;
};

static void demo_guest_free(struct demo_guest *g)
{
        kernel_paths_free(&g->kp);
        free(g->initrd);
}

/* Build g->initrd in g->dir: the dumper as /init and the kernel's VirtIO
 * console modules. Returns 0 or BL_EXIT_USAGE (said why). */
static int build_initrd(struct demo_guest *g)
{
        char *dumper = NULL, *bad = NULL;
        int err;

        if (asprintf(&g->initrd, "%s/initrd.gz", g->dir) < 0) {
                g->initrd = NULL;
                bl_error("demo: out of memory");
                return BL_EXIT_USAGE;
        }
        err = initrd_find_dumper(&dumper);
        if (err < 0) {
                bl_error("cannot find bootlens-dumper (build it, or set BOOTLENS_DUMPER)");
                return BL_EXIT_USAGE;
        }
        err = initrd_build(g->kp.modules, NULL, 0, dumper, g->initrd, &bad);
        if (err < 0)
                bl_error("cannot build the initramfs '%s': %s%s%s", g->initrd, strerror(-err),
                         bad ? ": " : "", bad ? bad : "");
        else
                printf("initrd   %s (the dumper as /init, VirtIO console modules)\n", g->initrd);
        free(dumper);
        free(bad);
        return err < 0 ? BL_EXIT_USAGE : 0;
}

/* Fetch the kernel, make the demo directory, build the initramfs.
 * Returns 0 or BL_EXIT_USAGE (said why). */
static int prepare_guest(const struct demo_opts *o, struct demo_guest *g)
{
        struct sbuf log = SBUF_INIT;
        int err;

        printf("bootlens demo: fetching Debian's cloud kernel (cached after the first run)\n");
        fflush(stdout);
        err = kernel_fetch(&o->fetch, &g->kp, &log);
        if (err < 0) {
                bl_error("cannot fetch the kernel: %s%s%s", strerror(-err), log.len ? "\n" : "",
                         log.buf);
                sbuf_release(&log);
                return BL_EXIT_USAGE;
        }
        sbuf_release(&log);
        printf("kernel   %s%s\n", g->kp.kernel, g->kp.cached ? " (cached)" : "");
        err = make_dir_name(g->dir, sizeof(g->dir));
        if (err == 0)
                err = util_mkdir_p(g->dir, 0755);
        if (err < 0) {
                bl_error("cannot create a demo directory in the current directory: %s",
                         strerror(-err));
                return BL_EXIT_USAGE;
        }
        return build_initrd(g);
}

/* Boot the guest o->runs times through the collection library, as
 * "bootlens collect" does. Returns 0 or BL_EXIT_USAGE. */
static int boot_guest(const struct demo_opts *o, const struct demo_guest *g)
{
        static char *labels[] = {"demo=1", NULL};
        struct collect_opts co = {0};

        printf("booting  %llu times under QEMU -M microvm (--accel %s)\n",
               (unsigned long long)o->runs, o->accel);
        if (qemu_accel_parse(o->accel, &co.accel) < 0) {
                bl_error("--accel: '%s' is not one of auto, kvm, hvf, nvmm, tcg", o->accel);
                return BL_EXIT_USAGE;
        }
        co.out = g->dir;
        co.kernel = g->kp.kernel;
        co.initrd = g->initrd;
        co.interleave = true;
        co.runs = o->runs;
        co.timeout_s = COLLECT_DEFAULT_TIMEOUT_S;
        co.retries = COLLECT_DEFAULT_RETRIES;
        co.labels = labels;
        co.nlabels = 1;
        co.probe_cache = true;
        return collect_and_report(&co) == BL_EXIT_USAGE ? BL_EXIT_USAGE : 0;
}

/* The session's report into g->dir/report (as "bootlens report"); *index
 * its index.html, NULL when it could not be written (said why). */
static void write_report(const struct demo_guest *g, size_t top, char **index)
{
        const char *inputs[] = {g->dir};
        char out[sizeof(g->dir) + 8], cmd[2 * sizeof(g->dir) + 32];
        struct htmlreport_options ho = {.fmt = HTMLREPORT_HTML,
                                        .inputs = inputs,
                                        .n = 1,
                                        .dir = out,
                                        .generated_from = cmd,
                                        .top = top};

        snprintf(out, sizeof(out), "%s/report", g->dir);
        snprintf(cmd, sizeof(cmd), "bootlens report -o %s %s", out, g->dir);
        fflush(stdout);
        if (report_write_dir(&ho, index) == BL_EXIT_USAGE) {
                free(*index);
                *index = NULL;
        }
}

int cmd_demo(int argc, char **argv)
{
        struct demo_opts o = {.runs = DEMO_RUNS, .accel = "auto", .top = DEMO_TOP};
        struct demo_guest g = {0};
        struct analyze_session_opts so = {0};
        int rc;

        rc = parse_demo_opts(argc, argv, &o);
        if (rc)
                return rc < 0 ? BL_EXIT_OK : rc;
        rc = prepare_guest(&o, &g);
        if (rc == 0)
                rc = boot_guest(&o, &g);
        if (rc == 0) {
                so.top = o.top;
                rc = analyze_session(g.dir, &so);
        }
        if (rc != BL_EXIT_USAGE) {
                char *index = NULL;

                printf("\nanalyse further: bootlens analyze %s   (--per-run, --format json), "
                       "bootlens show %s\n",
                       g.dir, g.dir);
                if (rc == BL_EXIT_OK)
                        write_report(&g, o.top, &index);
                if (index)
                        printf("%s\n", index);
                printf("%s\n", g.dir);
                free(index);
        }
        if (cli_check_output(stdout, "standard output") < 0 && rc != BL_EXIT_USAGE)
                rc = BL_EXIT_FAIL;
        demo_guest_free(&g);
        return rc;
}
