/*
 * bootlens demo: profile real boots of Debian's cloud kernel, end to end.
 *
 * fetch the kernel (cached: guest/kernel_fetch.h) -> build the initramfs
 * with the dumper (guest/initrd.h) -> RUNS boots with the collector's Linux
 * defaults (collector/collect.h, reported as "bootlens collect" reports
 * them) -> print per ok run the phase table and the slowest initcalls
 * (cli/analyze_session.h). The session is left in
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
#include "collector/collect.h"
#include "guest/initrd.h"
#include "guest/kernel_fetch.h"

#define DEMO_RUNS 5
#define DEMO_TOP  10

void usage_demo(FILE *out)
{
        fprintf(out,
                "usage: bootlens demo [-n RUNS] [--accel auto|kvm|tcg] [--kernel-version V]\n"
                "                     [--top N]\n\n"
                "Fetch Debian's cloud kernel (cached), build the dumper's initramfs, boot it\n"
                "RUNS times under QEMU (-M microvm) with the collector's Linux defaults, and\n"
                "print per run the boot phases and the slowest initcalls. The session is kept\n"
                "in ./bootlens-demo-<timestamp>/ for 'bootlens analyze' and 'bootlens show';\n"
                "its path is the last line printed.\n\n"
                "  -n, --runs RUNS         boots (default %d)\n"
                "      --accel A           accelerator (default auto: KVM only when it runs a\n"
                "                          guest, else TCG)\n"
                "      --kernel-version V  a Debian release such as 6.1.0-56 (default: what\n"
                "                          linux-image-cloud-amd64 depends on)\n"
                "      --top N             slowest initcalls listed per run (default %d)\n"
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

int cmd_demo(int argc, char **argv)
{
        static const struct option longopts[] = {
            {"runs", required_argument, NULL, 'n'},
            {"accel", required_argument, NULL, 'a'},
            {"kernel-version", required_argument, NULL, 'k'},
            {"top", required_argument, NULL, 't'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        struct kernel_fetch_opts fo = {0};
        struct kernel_paths kp = {0};
        struct analyze_session_opts so = {.top = DEMO_TOP};
        struct sbuf log = SBUF_INIT;
        struct collect_opts co = {0};
        char *labels[] = {"demo=1", NULL};
        const char *accel = "auto";
        char dir[128], *initrd = NULL, *dumper = NULL, *bad = NULL;
        uint64_t runs = DEMO_RUNS, v;
        int c, rc = BL_EXIT_USAGE, err;

        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
                switch (c) {
                case 'n':
                        if (util_parse_u64(optarg, 10, &runs) < 0 || runs == 0 || runs > 1000) {
                                bl_error("demo: --runs wants a number from 1 to 1000, not '%s'",
                                         optarg);
                                return BL_EXIT_USAGE;
                        }
                        break;
                case 'a':
                        accel = optarg;
                        break;
                case 'k':
                        fo.version = optarg;
                        break;
                case 't':
                        if (util_parse_u64(optarg, 10, &v) < 0 || v > 1000) {
                                bl_error("demo: --top wants a number up to 1000, not '%s'", optarg);
                                return BL_EXIT_USAGE;
                        }
                        so.top = (size_t)v;
                        break;
                case 'h':
                        usage_demo(stdout);
                        return BL_EXIT_OK;
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

        printf("bootlens demo: fetching Debian's cloud kernel (cached after the first run)\n");
        fflush(stdout);
        err = kernel_fetch(&fo, &kp, &log);
        if (err < 0) {
                bl_error("cannot fetch the kernel: %s%s%s", strerror(-err), log.len ? "\n" : "",
                         log.len ? log.buf : "");
                goto out;
        }
        printf("kernel   %s%s\n", kp.kernel, kp.cached ? " (cached)" : "");
        err = make_dir_name(dir, sizeof(dir));
        if (err == 0)
                err = util_mkdir_p(dir, 0755);
        if (err < 0) {
                bl_error("cannot create a demo directory in the current directory: %s",
                         strerror(-err));
                goto out;
        }
        if (asprintf(&initrd, "%s/initrd.gz", dir) < 0) {
                initrd = NULL;
                bl_error("demo: out of memory");
                goto out;
        }
        err = initrd_find_dumper(&dumper);
        if (err < 0) {
                bl_error("cannot find bootlens-dumper (build it, or set BOOTLENS_DUMPER)");
                goto out;
        }
        err = initrd_build(kp.modules, NULL, 0, dumper, initrd, &bad);
        if (err < 0) {
                bl_error("cannot build the initramfs '%s': %s%s%s", initrd, strerror(-err),
                         bad ? ": " : "", bad ? bad : "");
                goto out;
        }
        printf("initrd   %s (the dumper as /init, VirtIO console modules)\n", initrd);
        printf("booting  %llu times under QEMU -M microvm (--accel %s)\n", (unsigned long long)runs,
               accel);
        if (qemu_accel_parse(accel, &co.accel) < 0) {
                bl_error("--accel: '%s' is not one of auto, kvm, hvf, nvmm, tcg", accel);
                goto out;
        }
        co.out = dir;
        co.kernel = kp.kernel;
        co.initrd = initrd;
        co.interleave = true;
        co.runs = runs;
        co.timeout_s = COLLECT_DEFAULT_TIMEOUT_S;
        co.retries = COLLECT_DEFAULT_RETRIES;
        co.labels = labels;
        co.nlabels = 1;
        if (collect_and_report(&co) == BL_EXIT_USAGE)
                goto out;
        rc = analyze_session(dir, &so);
        if (rc == BL_EXIT_USAGE)
                goto out;
        printf("\nanalyse further: bootlens analyze %s   (--format json), bootlens show %s\n", dir,
               dir);
        printf("%s\n", dir);
out:
        free(initrd);
        free(dumper);
        free(bad);
        kernel_paths_free(&kp);
        sbuf_release(&log);
        return rc;
}
