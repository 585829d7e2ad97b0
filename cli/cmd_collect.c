/*
 * bootlens collect: boot a kernel under QEMU many times, stamp host times
 * and keep every run whole in a session directory (docs/collect.md,
 * docs/session.md).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "analyzer/util.h"
#include "bootlens_config.h"
#include "cli/commands.h"
#include "collector/hosttsc.h"
#include "collector/qemu.h"
#include "collector/runner.h"
#include "collector/session.h"
#include "guest/vmlinux.h"

#define DEFAULT_RUNS      10
#define DEFAULT_TIMEOUT_S 30
#define DEFAULT_RETRIES   2
#define PROBE_TIMEOUT_NS  8000000000ull

static volatile sig_atomic_t interrupts;

static void on_interrupt(int sig)
{
        (void)sig;
        if (interrupts < 2)
                interrupts++;
}

void usage_collect(FILE *out)
{
        fprintf(out,
                "usage: bootlens collect --kernel K [--initrd I] [--append ARGS | --bare-append "
                "ARGS]\n"
                "                        [-n RUNS] [--warmup N] [--accel auto|kvm|hvf|nvmm|tcg]\n"
                "                        [--timeout SEC] [--retries N] [--variant SPEC]...\n"
                "                        [--no-interleave] [--label KEY=VALUE]... [--qemu PATH]\n"
                "                        -o SESSION [-- EXTRA-QEMU-ARGS]\n"
                "       bootlens collect --resume -o SESSION [--qemu PATH]\n\n"
                "Boot a kernel under QEMU (-M microvm) RUNS times per variant, stamp host times\n"
                "and keep every run whole in the directory SESSION.\n\n"
                "  -k, --kernel K        kernel image: a bzImage, or an ELF with a PVH note\n"
                "                        ('bootlens guest vmlinux' unwraps one from a bzImage)\n"
                "  -i, --initrd I        initial ramdisk (e.g. from 'bootlens guest initrd')\n"
                "  -a, --append ARGS     add to the default Linux command line\n"
                "      --bare-append ARGS  use ARGS as the whole command line\n"
                "  -n, --runs RUNS       measured runs per variant (default %d)\n"
                "      --warmup N        warm-up runs per variant, never measured (default 0)\n"
                "      --accel A         accelerator (default auto: KVM only when it runs a "
                "guest)\n"
                "      --timeout SEC     kill a boot after SEC seconds (default %d)\n"
                "      --retries N       retry a timed-out run N times (default %d)\n"
                "      --variant SPEC    'NAME: append+=ARGS; qemu+=ARGS; kernel=PATH; "
                "initrd=PATH'\n"
                "      --no-interleave   all runs of one variant before the next\n"
                "      --label KEY=VALUE  record a label in the session\n"
                "      --qemu PATH       QEMU binary (default $BOOTLENS_QEMU, then %s)\n"
                "  -o, --output SESSION  session directory to create (or resume)\n"
                "      --resume          complete an interrupted session\n"
                "  -h, --help            show this help\n\n"
                "Arguments after -- go to QEMU after bootlens's own, so they override them.\n"
                "Ctrl-C stops after the current run; a second Ctrl-C stops at once.\n"
                "Exit status: 0 every variant has an ok run, 1 otherwise (or interrupted),\n"
                "2 usage or input error.\n",
                DEFAULT_RUNS, DEFAULT_TIMEOUT_S, DEFAULT_RETRIES, QEMU_DEFAULT_BINARY);
}

struct opts {
        const char *kernel, *initrd, *append, *out, *qemu;
        bool bare_append, interleave, resume;
        enum qemu_accel accel;
        uint64_t runs, warmup, timeout_s, retries;
        struct session_variant *variants;
        size_t nvariants;
        char **labels;
        size_t nlabels;
        char **extra;
        size_t nextra;
        bool set_kernel_opts; /* an option that defines a new session was given */
};

/* What one variant boots, resolved. */
struct variant_cfg {
        const char *name;
        const char *kernel, *initrd, *cmdline;
        char **qemu_args; /* variant's then the user's */
        size_t nqemu_args;
};

struct collect {
        struct session *s;
        const char *dir;
        char *qemu;
        const char *accel;
        uint64_t timeout_ns;
        unsigned retries;
        struct variant_cfg *v;
        size_t nv;
        bool progress;
        unsigned failures;
};

static int parse_num(const char *opt, const char *arg, uint64_t max, uint64_t *out)
{
        int ret = util_parse_u64(arg, 10, out);

        if (ret < 0 || *out > max) {
                bl_error("%s: '%s' is not a number from 0 to %llu", opt, arg,
                         (unsigned long long)max);
                return -EINVAL;
        }
        return 0;
}

static int add_ptr(void *arrayp, size_t *n, size_t elem, const void *item)
{
        void **a = arrayp;
        char *b = realloc(*a, (*n + 2) * elem);

        if (!b)
                return -ENOMEM;
        memcpy(b + *n * elem, item, elem);
        memset(b + (*n + 1) * elem, 0, elem);
        *a = b;
        (*n)++;
        return 0;
}

static void opts_free(struct opts *o)
{
        for (size_t i = 0; i < o->nvariants; i++)
                session_variant_free(&o->variants[i]);
        free(o->variants);
        free(o->labels);
}

/* Returns 0, or an exit code. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
        enum {
                OPT_BARE = 256,
                OPT_WARMUP,
                OPT_ACCEL,
                OPT_TIMEOUT,
                OPT_RETRIES,
                OPT_VARIANT,
                OPT_NOINTER,
                OPT_LABEL,
                OPT_RESUME,
                OPT_QEMU
        };
        static const struct option longopts[] = {
            {"kernel", required_argument, NULL, 'k'},
            {"initrd", required_argument, NULL, 'i'},
            {"append", required_argument, NULL, 'a'},
            {"bare-append", required_argument, NULL, OPT_BARE},
            {"runs", required_argument, NULL, 'n'},
            {"warmup", required_argument, NULL, OPT_WARMUP},
            {"accel", required_argument, NULL, OPT_ACCEL},
            {"timeout", required_argument, NULL, OPT_TIMEOUT},
            {"retries", required_argument, NULL, OPT_RETRIES},
            {"variant", required_argument, NULL, OPT_VARIANT},
            {"no-interleave", no_argument, NULL, OPT_NOINTER},
            {"label", required_argument, NULL, OPT_LABEL},
            {"resume", no_argument, NULL, OPT_RESUME},
            {"qemu", required_argument, NULL, OPT_QEMU},
            {"output", required_argument, NULL, 'o'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        int c;

        o->runs = DEFAULT_RUNS;
        o->timeout_s = DEFAULT_TIMEOUT_S;
        o->retries = DEFAULT_RETRIES;
        o->interleave = true;
        o->accel = QEMU_ACCEL_AUTO;
        optind = 1;
        while ((c = getopt_long(argc, argv, "k:i:a:n:o:h", longopts, NULL)) != -1) {
                struct session_variant v;
                char err[256];

                switch (c) {
                case 'k':
                        o->kernel = optarg;
                        break;
                case 'i':
                        o->initrd = optarg;
                        o->set_kernel_opts = true;
                        break;
                case 'a':
                        o->append = optarg;
                        o->bare_append = false;
                        o->set_kernel_opts = true;
                        break;
                case OPT_BARE:
                        o->append = optarg;
                        o->bare_append = true;
                        o->set_kernel_opts = true;
                        break;
                case 'n':
                        if (parse_num("-n", optarg, 100000, &o->runs) < 0)
                                return BL_EXIT_USAGE;
                        if (o->runs == 0) {
                                bl_error("-n: at least one run is needed");
                                return BL_EXIT_USAGE;
                        }
                        o->set_kernel_opts = true;
                        break;
                case OPT_WARMUP:
                        if (parse_num("--warmup", optarg, 100000, &o->warmup) < 0)
                                return BL_EXIT_USAGE;
                        o->set_kernel_opts = true;
                        break;
                case OPT_ACCEL:
                        if (qemu_accel_parse(optarg, &o->accel) < 0) {
                                bl_error("--accel: '%s' is not one of auto, kvm, hvf, nvmm, tcg",
                                         optarg);
                                return BL_EXIT_USAGE;
                        }
                        o->set_kernel_opts = true;
                        break;
                case OPT_TIMEOUT:
                        if (parse_num("--timeout", optarg, 86400, &o->timeout_s) < 0)
                                return BL_EXIT_USAGE;
                        if (o->timeout_s == 0) {
                                bl_error("--timeout: must be at least 1 second");
                                return BL_EXIT_USAGE;
                        }
                        o->set_kernel_opts = true;
                        break;
                case OPT_RETRIES:
                        if (parse_num("--retries", optarg, 100, &o->retries) < 0)
                                return BL_EXIT_USAGE;
                        o->set_kernel_opts = true;
                        break;
                case OPT_VARIANT:
                        if (session_variant_parse(optarg, &v, err, sizeof(err)) < 0) {
                                bl_error("--variant: %s", err);
                                return BL_EXIT_USAGE;
                        }
                        for (size_t i = 0; i < o->nvariants; i++) {
                                if (strcmp(o->variants[i].name, v.name) == 0) {
                                        bl_error("--variant: '%s' is given twice", v.name);
                                        session_variant_free(&v);
                                        return BL_EXIT_USAGE;
                                }
                        }
                        if (add_ptr(&o->variants, &o->nvariants, sizeof(v), &v) < 0) {
                                session_variant_free(&v);
                                bl_error("out of memory");
                                return BL_EXIT_FAIL;
                        }
                        o->set_kernel_opts = true;
                        break;
                case OPT_NOINTER:
                        o->interleave = false;
                        o->set_kernel_opts = true;
                        break;
                case OPT_LABEL:
                        if (!strchr(optarg, '=') || optarg[0] == '=') {
                                bl_error("--label: '%s' is not KEY=VALUE", optarg);
                                return BL_EXIT_USAGE;
                        }
                        if (add_ptr(&o->labels, &o->nlabels, sizeof(char *), &optarg) < 0) {
                                bl_error("out of memory");
                                return BL_EXIT_FAIL;
                        }
                        o->set_kernel_opts = true;
                        break;
                case OPT_RESUME:
                        o->resume = true;
                        break;
                case OPT_QEMU:
                        o->qemu = optarg;
                        break;
                case 'o':
                        o->out = optarg;
                        break;
                case 'h':
                        usage_collect(stdout);
                        return -1;
                default:
                        usage_collect(stderr);
                        return BL_EXIT_USAGE;
                }
        }
        o->extra = argv + optind;
        o->nextra = (size_t)(argc - optind);
        if (o->nextra && strcmp(argv[optind - 1], "--") != 0) {
                bl_error("unexpected argument '%s' (QEMU arguments go after --)", argv[optind]);
                return BL_EXIT_USAGE;
        }
        if (!o->out) {
                bl_error("no session directory: give -o SESSION");
                return BL_EXIT_USAGE;
        }
        if (o->resume) {
                if (o->kernel || o->set_kernel_opts || o->nextra) {
                        bl_error("--resume takes the settings from '%s/session.json'; give only "
                                 "-o and --qemu",
                                 o->out);
                        return BL_EXIT_USAGE;
                }
                return 0;
        }
        if (!o->kernel) {
                bl_error("no kernel: give --kernel K");
                return BL_EXIT_USAGE;
        }
        return 0;
}

/* ---- host facts ---- */

static char *cpu_model(void)
{
        char *data, *p, *model = NULL;
        size_t len;

        if (util_read_file("/proc/cpuinfo", &data, &len) < 0)
                return NULL;
        p = strstr(data, "model name");
        if (p) {
                p = strchr(p, ':');
                if (p) {
                        p++;
                        while (*p == ' ' || *p == '\t')
                                p++;
                        model = strndup(p, strcspn(p, "\n"));
                }
        }
        free(data);
        return model;
}

static json_t *host_json(const char *qemu, const char *qemu_version)
{
        struct utsname u;
        char host[256] = "";
        char *cpu = cpu_model();
        json_t *h = json_object();

        gethostname(host, sizeof(host) - 1);
        json_object_set_new(h, "hostname", json_string(host));
        json_object_set_new(h, "cpu_model", cpu ? json_string(cpu) : json_null());
        json_object_set_new(h, "cpus", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
        if (uname(&u) == 0) {
                json_object_set_new(h, "os", json_string(u.sysname));
                json_object_set_new(h, "kernel", json_string(u.release));
                json_object_set_new(h, "arch", json_string(u.machine));
        }
        json_object_set_new(h, "qemu_binary", json_string(qemu));
        json_object_set_new(h, "qemu_version", json_string(qemu_version));
        free(cpu);
        return h;
}

static void utc_now(char buf[32])
{
        time_t t = time(NULL);
        struct tm tm;

        gmtime_r(&t, &tm);
        if (strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                buf[0] = '\0';
}

/* ---- one attempt as JSON ---- */

static void set_ns(json_t *o, const char *key, uint64_t ns)
{
        if (ns)
                json_object_set_new(o, key, json_integer((json_int_t)ns));
}

static json_t *attempt_json(const struct runner_result *r, unsigned k, const char *accel,
                            const char *prefix)
{
        json_t *a = json_object(), *marks = json_object(), *offs = json_object();
        json_t *files = json_object(), *ml = json_array(), *ex = json_object();
        json_t *cpu = json_object();
        char name[64];

        json_object_set_new(a, "attempt", json_integer(k));
        json_object_set_new(a, "verdict", json_string(runner_verdict_name(r->verdict)));
        json_object_set_new(a, "reason", json_string(r->reason));
        json_object_set_new(a, "accel", json_string(accel));
        snprintf(name, sizeof(name), "%s.console", prefix);
        json_object_set_new(files, "console", json_string(name));
        snprintf(name, sizeof(name), "%s.serial", prefix);
        json_object_set_new(files, "serial", json_string(name));
        snprintf(name, sizeof(name), "%s.qemu.log", prefix);
        json_object_set_new(files, "qemu_log", json_string(name));
        json_object_set_new(a, "files", files);
        set_ns(marks, "spawn", r->t_spawn);
        set_ns(marks, "first_console_byte", r->t_first_console);
        set_ns(marks, "first_serial_byte", r->t_first_serial);
        set_ns(marks, "dump_begin", r->t_dump_begin);
        set_ns(marks, "dump_end", r->t_dump_end);
        set_ns(marks, "exit", r->t_exit);
        json_object_set_new(a, "host_ns", marks);
        if (r->t_dump_begin)
                json_object_set_new(offs, "dump_begin",
                                    json_integer((json_int_t)r->off_dump_begin));
        if (r->t_dump_end)
                json_object_set_new(offs, "dump_end", json_integer((json_int_t)r->off_dump_end));
        json_object_set_new(a, "console_offsets", offs);
        for (size_t i = 0; i < r->nmarks; i++) {
                json_t *m = json_object();

                json_object_set_new(m, "name", json_string(r->marks[i].name));
                json_object_set_new(m, "host_ns", json_integer((json_int_t)r->marks[i].host_ns));
                json_object_set_new(m, "uptime_ns",
                                    json_integer((json_int_t)r->marks[i].uptime_ns));
                json_object_set_new(m, "offset", json_integer((json_int_t)r->marks[i].offset));
                json_array_append_new(ml, m);
        }
        json_object_set_new(a, "marks", ml);
        json_object_set_new(a, "console_bytes", json_integer((json_int_t)r->console.len));
        json_object_set_new(a, "serial_bytes", json_integer((json_int_t)r->serial.len));
        json_object_set_new(a, "console_truncated", json_boolean(r->console_truncated));
        if (r->dump_found) {
                json_t *d = json_object();
                char crc[16];

                json_object_set_new(d, "status", json_string(framing_status_str(r->dump.status)));
                json_object_set_new(d, "bytes", json_integer((json_int_t)r->dump.bytes_actual));
                snprintf(crc, sizeof(crc), "%08x", r->dump.crc_actual);
                json_object_set_new(d, "crc32", json_string(crc));
                json_object_set_new(a, "dump", d);
        } else {
                json_object_set_new(a, "dump", json_null());
        }
        switch (r->exit) {
        case RUNNER_NOT_STARTED:
                json_object_set_new(ex, "how", json_string("not-started"));
                json_object_set_new(ex, "error", json_string(strerror(r->spawn_error)));
                break;
        case RUNNER_EXITED:
                json_object_set_new(ex, "how", json_string("exited"));
                json_object_set_new(ex, "code", json_integer(r->exit_code));
                break;
        case RUNNER_SIGNALED:
                json_object_set_new(ex, "how", json_string("signaled"));
                json_object_set_new(ex, "signal", json_integer(r->exit_signal));
                break;
        }
        json_object_set_new(ex, "signal_sent", json_integer(r->signal_sent));
        json_object_set_new(a, "exit", ex);
        json_object_set_new(a, "timed_out", json_boolean(r->timed_out));
        json_object_set_new(a, "kvm_internal_error", json_boolean(r->kvm_error));
        if (r->t_exit && r->t_spawn)
                json_object_set_new(a, "wall_ns",
                                    json_integer((json_int_t)(r->t_exit - r->t_spawn)));
        json_object_set_new(cpu, "qemu_user", json_integer((json_int_t)r->qemu_user_ns));
        json_object_set_new(cpu, "qemu_system", json_integer((json_int_t)r->qemu_sys_ns));
        json_object_set_new(cpu, "collector_user", json_integer((json_int_t)r->self_user_ns));
        json_object_set_new(cpu, "collector_system", json_integer((json_int_t)r->self_sys_ns));
        json_object_set_new(a, "cpu_ns", cpu);
        return a;
}

static int save_captures(const char *dir, unsigned run, const char *suffix,
                         const struct runner_result *r)
{
        char s[32];
        int ret;

        snprintf(s, sizeof(s), "%s.console", suffix);
        ret = session_write_capture(dir, run, s, r->console.buf, r->console.len);
        if (ret == 0) {
                snprintf(s, sizeof(s), "%s.serial", suffix);
                ret = session_write_capture(dir, run, s, r->serial.buf, r->serial.len);
        }
        if (ret == 0) {
                snprintf(s, sizeof(s), "%s.qemu.log", suffix);
                ret = session_write_capture(dir, run, s, r->qemu_log.buf, r->qemu_log.len);
        }
        return ret;
}

static void config_for(const struct collect *c, const struct variant_cfg *v, struct qemu_config *q)
{
        memset(q, 0, sizeof(*q));
        q->binary = c->qemu;
        q->accel = c->accel;
        q->kernel = v->kernel;
        q->initrd = v->initrd;
        q->append = v->cmdline;
        q->console_fd = -1;
        q->serial_fd = -1;
        q->extra = v->qemu_args;
        q->nextra = v->nqemu_args;
}

enum run_outcome { RUN_RECORDED, RUN_INTERRUPTED, RUN_HOST_ERROR };

/* Boot run number run (with retries) and record it. */
static enum run_outcome do_run(struct collect *c, unsigned run, size_t vi, bool warmup,
                               struct session_run_info *out_verdict, json_t **out_run)
{
        const struct variant_cfg *v = &c->v[vi];
        struct runner_opts ro = {c->timeout_ns, &interrupts, 2};
        json_t *attempts = json_array(), *rj;
        struct runner_result r;
        struct qemu_config q;
        enum runner_verdict final = RUNNER_CRASH;
        const char *final_reason = "";
        uint64_t boot_ns = 0;
        char started[32], run_prefix[16], reason[256] = "";
        int ret;

        utc_now(started);
        snprintf(run_prefix, sizeof(run_prefix), "%04u", run);
        config_for(c, v, &q);
        for (unsigned k = 1; k <= c->retries + 1; k++) {
                bool last;
                char suffix[16], prefix[32];

                ret = runner_run(&q, &ro, &r);
                if (ret < 0) {
                        bl_error("run %u: cannot boot: %s", run, strerror(-ret));
                        runner_result_free(&r);
                        json_decref(attempts);
                        return RUN_HOST_ERROR;
                }
                if (r.interrupted) {
                        runner_result_free(&r);
                        json_decref(attempts);
                        return RUN_INTERRUPTED;
                }
                last = r.verdict != RUNNER_TIMEOUT || k == c->retries + 1;
                suffix[0] = '\0';
                if (!last)
                        snprintf(suffix, sizeof(suffix), ".a%u", k);
                snprintf(prefix, sizeof(prefix), "%s%s", run_prefix, suffix);
                ret = save_captures(c->dir, run, suffix, &r);
                if (ret < 0) {
                        bl_error("cannot write run %u in '%s': %s", run, c->dir, strerror(-ret));
                        runner_result_free(&r);
                        json_decref(attempts);
                        return RUN_HOST_ERROR;
                }
                json_array_append_new(attempts, attempt_json(&r, k, c->accel, prefix));
                if (r.verdict != RUNNER_OK) {
                        c->failures++;
                        if (c->progress) {
                                printf("\r\033[K"); /* the warning replaces the progress line */
                                fflush(stdout);
                        }
                        bl_warning("run %u (%s) attempt %u: %s: %s%s", run, v->name, k,
                                   runner_verdict_name(r.verdict), r.reason,
                                   last ? "" : "; retrying");
                }
                if (last) {
                        final = r.verdict;
                        snprintf(reason, sizeof(reason), "%s", r.reason);
                        final_reason = reason;
                        if (r.t_dump_begin)
                                boot_ns = r.t_dump_begin - r.t_spawn;
                }
                runner_result_free(&r);
                if (last)
                        break;
        }
        if (warmup && final == RUNNER_OK)
                final = RUNNER_WARMUP;
        rj = json_object();
        json_object_set_new(rj, "schema_version", json_integer(SESSION_SCHEMA_VERSION));
        json_object_set_new(rj, "kind", json_string(SESSION_RUN_KIND));
        json_object_set_new(rj, "run", json_integer(run));
        json_object_set_new(rj, "variant", json_string(v->name));
        json_object_set_new(rj, "warmup", json_boolean(warmup));
        json_object_set_new(rj, "verdict", json_string(runner_verdict_name(final)));
        json_object_set_new(rj, "reason", json_string(final_reason));
        json_object_set_new(rj, "started", json_string(started));
        json_object_set_new(rj, "boot_ns",
                            boot_ns ? json_integer((json_int_t)boot_ns) : json_null());
        json_object_set_new(rj, "attempts", attempts);
        ret = session_write_run(c->dir, run, rj);
        if (ret < 0) {
                bl_error("cannot write run %u in '%s': %s", run, c->dir, strerror(-ret));
                json_decref(rj);
                return RUN_HOST_ERROR;
        }
        if (session_run_info(rj, out_verdict) < 0) {
                json_decref(rj);
                return RUN_HOST_ERROR;
        }
        *out_run = rj;
        return RUN_RECORDED;
}

/* ---- setting a session up ---- */

static int check_file(const char *what, const char *path)
{
        struct stat st;
        FILE *f = fopen(path, "rb");

        if (!f) {
                bl_error("cannot open %s '%s': %s", what, path, strerror(errno));
                return -1;
        }
        if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
                bl_error("cannot use %s '%s': Is a directory", what, path);
                fclose(f);
                return -1;
        }
        fclose(f);
        return 0;
}

/* check_file, and a warning for an ELF kernel without a PVH entry note:
 * QEMU boots such an ELF only when it is a multiboot kernel. */
static int check_kernel(const char *path)
{
        struct vmlinux_elf e;

        if (check_file("kernel", path) < 0)
                return -1;
        if (vmlinux_elf_inspect_file(path, &e) == 0 && !e.pvh)
                bl_warning("kernel '%s' is an ELF without a PVH entry note (Xen "
                           "PHYS32_ENTRY): QEMU boots it only as a multiboot kernel",
                           path);
        return 0;
}

static json_t *file_json(const char *path)
{
        char hex[65], *abs;
        uint64_t size;
        json_t *f;

        if (session_file_sha256(path, hex, &size) < 0)
                return NULL;
        abs = realpath(path, NULL);
        f = json_object();
        json_object_set_new(f, "path", json_string(abs ? abs : path));
        json_object_set_new(f, "size", json_integer((json_int_t)size));
        json_object_set_new(f, "sha256", json_string(hex));
        free(abs);
        return f;
}

static json_t *strv_json(char *const *v, size_t n)
{
        json_t *a = json_array();

        for (size_t i = 0; i < n; i++)
                json_array_append_new(a, json_string(v[i]));
        return a;
}

/* The command line for a variant: the base (Linux default + --append, or
 * --bare-append) with the variant's append+= added or append= replacing. */
static char *variant_cmdline(const char *base, const struct session_variant *sv)
{
        char *s = NULL;

        if (sv && sv->append_replace)
                return strdup(sv->append ? sv->append : "");
        if (sv && sv->append && *sv->append) {
                if (asprintf(&s, "%s%s%s", base, *base ? " " : "", sv->append) < 0)
                        return NULL;
                return s;
        }
        return strdup(base);
}

static char *base_cmdline(const struct opts *o, const char *kernel, uint64_t tsc_khz)
{
        enum qemu_kernel_kind kind = QEMU_KERNEL_UNKNOWN;
        char *def, *s = NULL;

        if (o->bare_append)
                return strdup(o->append);
        qemu_kernel_kind(kernel, &kind);
        def = qemu_kernel_is_linux(kind) ? qemu_linux_cmdline(tsc_khz) : strdup("");
        if (!def)
                return NULL;
        if (!o->append || !*o->append)
                return def;
        if (asprintf(&s, "%s%s%s", def, *def ? " " : "", o->append) < 0)
                s = NULL;
        free(def);
        return s;
}

/* Boot variant 0 once under a hardware accelerator to see whether it runs
 * a guest at all. Returns true when it produced a whole dump; *why says
 * what went wrong otherwise. */
static bool probe_accel(struct collect *c, const char *accel, char *why, size_t whysize)
{
        struct runner_opts ro = {c->timeout_ns, &interrupts, 1};
        const char *saved = c->accel;
        struct runner_result r;
        struct qemu_config q;
        bool ok;

        if (ro.timeout_ns > PROBE_TIMEOUT_NS)
                ro.timeout_ns = PROBE_TIMEOUT_NS;
        c->accel = accel;
        config_for(c, &c->v[0], &q);
        if (runner_run(&q, &ro, &r) < 0) {
                snprintf(why, whysize, "the probe boot could not start");
                runner_result_free(&r);
                c->accel = saved;
                return false;
        }
        ok = r.verdict == RUNNER_OK;
        if (r.kvm_error)
                snprintf(why, whysize, "QEMU reported \"KVM internal error\"");
        else if (!ok)
                snprintf(why, whysize, "%s", r.reason);
        runner_result_free(&r);
        c->accel = saved;
        return ok;
}

static void free_variant_cfgs(struct collect *c)
{
        for (size_t i = 0; i < c->nv; i++)
                free(c->v[i].qemu_args);
        free(c->v);
        c->v = NULL;
        c->nv = 0;
}

/* Fill c->v from session.json's variants (strings borrowed from it). */
static int variants_from_session(struct collect *c)
{
        size_t n = session_variant_count(c->s);

        c->v = calloc(n, sizeof(*c->v));
        if (!c->v)
                return -ENOMEM;
        c->nv = n;
        for (size_t i = 0; i < n; i++) {
                json_t *v = session_variant(c->s, i);
                json_t *args = json_object_get(v, "qemu_args");
                json_t *initrd = json_object_get(v, "initrd");

                c->v[i].name = session_variant_name(c->s, i);
                c->v[i].kernel =
                    json_string_value(json_object_get(json_object_get(v, "kernel"), "path"));
                c->v[i].initrd = json_is_object(initrd)
                                     ? json_string_value(json_object_get(initrd, "path"))
                                     : NULL;
                c->v[i].cmdline = session_variant_cmdline(c->s, i);
                c->v[i].qemu_args = calloc(json_array_size(args) + 1, sizeof(char *));
                if (!c->v[i].qemu_args)
                        return -ENOMEM;
                for (size_t j = 0; j < json_array_size(args); j++) {
                        const char *a = json_string_value(json_array_get(args, j));

                        if (a)
                                c->v[i].qemu_args[c->v[i].nqemu_args++] = (char *)a;
                }
                if (!c->v[i].kernel || !c->v[i].cmdline) {
                        bl_error("'%s/session.json': variant '%s' lacks a kernel or cmdline",
                                 c->dir, c->v[i].name);
                        return -EINVAL;
                }
        }
        return 0;
}

/* Create the session for a fresh collection. Returns 0 or an exit code. */
static int new_session(struct collect *c, struct opts *o)
{
        struct session_variant def = {0};
        struct session_variant *sv = o->variants;
        size_t nsv = o->nvariants;
        json_t *meta = NULL, *variants, *plan, *labels, *settings, *host;
        char *version = NULL, id[32], created[32], why[256] = "", err[256];
        const char *accel_note = NULL;
        uint64_t tsc_khz = 0;
        char *base_tcg = NULL, *base_hw = NULL;
        enum qemu_accel chosen = o->accel;
        int ret, code = BL_EXIT_USAGE;
        char **cmdlines = NULL;
        unsigned run = 0;

        if (nsv == 0) {
                def.name = "default";
                sv = &def;
                nsv = 1;
        }
        {
                char *p;

                if (asprintf(&p, "%s/session.json", o->out) >= 0) {
                        bool exists = access(p, F_OK) == 0;

                        free(p);
                        if (exists) {
                                bl_error("'%s' already holds a session; continue it with "
                                         "--resume or choose another -o",
                                         o->out);
                                return BL_EXIT_USAGE;
                        }
                }
        }
        if (check_kernel(o->kernel) < 0)
                return BL_EXIT_USAGE;
        if (o->initrd && check_file("initrd", o->initrd) < 0)
                return BL_EXIT_USAGE;
        for (size_t i = 0; i < nsv; i++) {
                if (sv[i].kernel && check_kernel(sv[i].kernel) < 0)
                        return BL_EXIT_USAGE;
                if (sv[i].initrd && check_file("initrd", sv[i].initrd) < 0)
                        return BL_EXIT_USAGE;
        }
        ret = qemu_find(o->qemu, &c->qemu);
        if (ret < 0) {
                const char *want = o->qemu ? o->qemu
                                           : (getenv("BOOTLENS_QEMU") && *getenv("BOOTLENS_QEMU")
                                                  ? getenv("BOOTLENS_QEMU")
                                                  : QEMU_DEFAULT_BINARY);

                bl_error("cannot find QEMU '%s': %s (install the Debian package %s, or give "
                         "--qemu PATH)",
                         want, strerror(-ret), QEMU_DEBIAN_PACKAGE);
                return BL_EXIT_USAGE;
        }
        ret = qemu_version(c->qemu, &version);
        if (ret < 0) {
                bl_error("cannot run '%s --version': %s", c->qemu, strerror(-ret));
                return BL_EXIT_USAGE;
        }

        /* Per-variant configuration, first for a hardware accelerator (no
         * tsc_early_khz), so that a probe boot can use it. */
        c->v = calloc(nsv, sizeof(*c->v));
        cmdlines = calloc(nsv, sizeof(*cmdlines));
        if (!c->v || !cmdlines)
                goto out_nomem;
        c->nv = nsv;
        if (hosttsc_khz(&tsc_khz) < 0)
                tsc_khz = 0;
        for (size_t i = 0; i < nsv; i++) {
                struct variant_cfg *v = &c->v[i];

                v->name = sv[i].name;
                v->kernel = sv[i].kernel ? sv[i].kernel : o->kernel;
                v->initrd = sv[i].initrd ? sv[i].initrd : o->initrd;
                v->qemu_args = calloc(sv[i].nqemu_args + o->nextra + 1, sizeof(char *));
                if (!v->qemu_args)
                        goto out_nomem;
                for (size_t j = 0; j < sv[i].nqemu_args; j++)
                        v->qemu_args[v->nqemu_args++] = sv[i].qemu_args[j];
                for (size_t j = 0; j < o->nextra; j++)
                        v->qemu_args[v->nqemu_args++] = o->extra[j];
        }

        if (chosen != QEMU_ACCEL_TCG) {
                enum qemu_accel hw = chosen;
                bool present;

                if (chosen == QEMU_ACCEL_AUTO) {
#ifdef __APPLE__
                        hw = QEMU_ACCEL_HVF;
#elif defined(__NetBSD__)
                        hw = QEMU_ACCEL_NVMM;
#else
                        hw = QEMU_ACCEL_KVM;
#endif
                }
                present = qemu_accel_present(hw);
                if (!present) {
                        snprintf(why, sizeof(why), "%s is not available on this host",
                                 qemu_accel_name(hw));
                } else {
                        base_hw = base_cmdline(o, c->v[0].kernel, 0);
                        if (!base_hw)
                                goto out_nomem;
                        cmdlines[0] = variant_cmdline(base_hw, &sv[0]);
                        if (!cmdlines[0])
                                goto out_nomem;
                        c->v[0].cmdline = cmdlines[0];
                        if (probe_accel(c, qemu_accel_name(hw), why, sizeof(why))) {
                                why[0] = '\0';
                                c->accel = qemu_accel_name(hw);
                        }
                        free(cmdlines[0]);
                        cmdlines[0] = NULL;
                        if (interrupts) {
                                bl_error("interrupted");
                                code = BL_EXIT_FAIL;
                                goto out;
                        }
                }
                if (!c->accel) {
                        if (chosen != QEMU_ACCEL_AUTO && !present) {
                                bl_error("--accel %s: %s; use --accel tcg", qemu_accel_name(hw),
                                         why);
                                code = BL_EXIT_FAIL;
                                goto out;
                        }
                        if (chosen != QEMU_ACCEL_AUTO) {
                                bl_error("--accel %s: %s does not run a guest here: %s; use "
                                         "--accel tcg",
                                         qemu_accel_name(hw), qemu_accel_name(hw), why);
                                code = BL_EXIT_FAIL;
                                goto out;
                        }
                        if (present) {
                                printf("%s does not run a guest here (%s); using tcg\n",
                                       qemu_accel_name(hw), why);
                                fflush(stdout);
                        }
                        accel_note = why;
                }
        }
        if (!c->accel)
                c->accel = "tcg";
        if (strcmp(c->accel, "tcg") != 0)
                tsc_khz = 0;
        base_tcg = base_cmdline(o, o->kernel, tsc_khz);
        if (!base_tcg)
                goto out_nomem;
        for (size_t i = 0; i < nsv; i++) {
                char *base = base_tcg;

                if (sv[i].kernel) {
                        base = base_cmdline(o, sv[i].kernel, tsc_khz);
                        if (!base)
                                goto out_nomem;
                }
                cmdlines[i] = variant_cmdline(base, &sv[i]);
                if (base != base_tcg)
                        free(base);
                if (!cmdlines[i])
                        goto out_nomem;
        }

        /* session.json */
        meta = json_object();
        session_new_id(id);
        utc_now(created);
        json_object_set_new(meta, "schema_version", json_integer(SESSION_SCHEMA_VERSION));
        json_object_set_new(meta, "kind", json_string(SESSION_KIND));
        json_object_set_new(meta, "session_id", json_string(id));
        json_object_set_new(meta, "created", json_string(created));
        json_object_set_new(
            meta, "tool", json_pack("{s:s,s:s}", "name", "bootlens", "version", BOOTLENS_VERSION));
        host = host_json(c->qemu, version);
        json_object_set_new(host, "accel", json_string(c->accel));
        json_object_set_new(host, "accel_requested", json_string(qemu_accel_name(o->accel)));
        json_object_set_new(host, "accel_note", accel_note ? json_string(accel_note) : json_null());
        json_object_set_new(host, "tsc_khz",
                            tsc_khz ? json_integer((json_int_t)tsc_khz) : json_null());
        json_object_set_new(meta, "host", host);
        settings = json_object();
        json_object_set_new(settings, "runs", json_integer((json_int_t)o->runs));
        json_object_set_new(settings, "warmup", json_integer((json_int_t)o->warmup));
        json_object_set_new(settings, "timeout_s", json_integer((json_int_t)o->timeout_s));
        json_object_set_new(settings, "retries", json_integer((json_int_t)o->retries));
        json_object_set_new(settings, "interleave", json_boolean(o->interleave));
        json_object_set_new(settings, "append", o->append ? json_string(o->append) : json_null());
        json_object_set_new(settings, "bare_append", json_boolean(o->bare_append));
        json_object_set_new(settings, "qemu_args", strv_json(o->extra, o->nextra));
        json_object_set_new(meta, "settings", settings);
        labels = json_object();
        for (size_t i = 0; i < o->nlabels; i++) {
                char *eq = strchr(o->labels[i], '=');
                char *key = strndup(o->labels[i], (size_t)(eq - o->labels[i]));

                if (!key)
                        goto out_nomem;
                json_object_set_new(labels, key, json_string(eq + 1));
                free(key);
        }
        json_object_set_new(meta, "labels", labels);
        variants = json_array();
        for (size_t i = 0; i < nsv; i++) {
                struct variant_cfg *v = &c->v[i];
                json_t *vj = json_object(), *kj, *ij = json_null();
                struct qemu_config q;
                char **argv = NULL;

                v->cmdline = cmdlines[i];
                kj = file_json(v->kernel);
                if (v->initrd)
                        ij = file_json(v->initrd);
                if (!kj || !ij) {
                        bl_error("cannot read '%s': %s", !kj ? v->kernel : v->initrd,
                                 strerror(errno));
                        json_decref(kj);
                        json_decref(ij);
                        json_decref(vj);
                        json_decref(variants);
                        goto out;
                }
                json_object_set_new(vj, "name", json_string(v->name));
                json_object_set_new(vj, "kernel", kj);
                json_object_set_new(vj, "initrd", ij);
                json_object_set_new(vj, "cmdline", json_string(v->cmdline));
                json_object_set_new(vj, "qemu_args", strv_json(v->qemu_args, v->nqemu_args));
                /* The whole argv, console/serial fds shown as they are
                 * passed (numbers vary from run to run). */
                config_for(c, v, &q);
                q.console_fd = 3;
                q.serial_fd = 4;
                if (qemu_build_argv(&q, &argv) >= 0) {
                        size_t n = 0;

                        while (argv[n])
                                n++;
                        json_object_set_new(vj, "argv", strv_json(argv, n));
                }
                qemu_argv_free(argv);
                json_array_append_new(variants, vj);
        }
        json_object_set_new(meta, "variants", variants);
        plan = json_array();
        {
                uint64_t rounds[2] = {o->warmup, o->runs};

                for (int phase = 0; phase < 2; phase++) {
                        size_t outer = o->interleave ? rounds[phase] : nsv;
                        size_t inner = o->interleave ? nsv : rounds[phase];

                        for (size_t a = 0; a < outer; a++) {
                                for (size_t b = 0; b < inner; b++) {
                                        size_t vi = o->interleave ? b : a;

                                        json_array_append_new(
                                            plan, json_pack("{s:I,s:s,s:b}", "run",
                                                            (json_int_t)++run, "variant",
                                                            sv[vi].name, "warmup", phase == 0));
                                }
                        }
                }
        }
        /* --no-interleave: each variant's warm-ups just before its runs. */
        if (!o->interleave && o->warmup) {
                json_t *p2 = json_array();

                run = 0;
                for (size_t vi = 0; vi < nsv; vi++) {
                        for (uint64_t k = 0; k < o->warmup + o->runs; k++)
                                json_array_append_new(
                                    p2, json_pack("{s:I,s:s,s:b}", "run", (json_int_t)++run,
                                                  "variant", sv[vi].name, "warmup", k < o->warmup));
                }
                json_decref(plan);
                plan = p2;
        }
        json_object_set_new(meta, "plan", plan);

        ret = session_create(o->out, meta);
        if (ret < 0) {
                bl_error("cannot create session '%s': %s", o->out, strerror(-ret));
                goto out;
        }
        ret = session_open(o->out, &c->s, err, sizeof(err));
        if (ret < 0) {
                bl_error("%s", err);
                goto out;
        }
        /* From here on, everything comes from session.json, as on resume. */
        free_variant_cfgs(c);
        if (variants_from_session(c) < 0)
                goto out;
        code = 0;
        goto out;
out_nomem:
        bl_error("out of memory");
        code = BL_EXIT_FAIL;
out:
        for (size_t i = 0; cmdlines && i < nsv; i++)
                free(cmdlines[i]);
        free(cmdlines);
        free(base_tcg);
        free(base_hw);
        free(version);
        json_decref(meta);
        return code;
}

static int resume_session(struct collect *c, struct opts *o)
{
        char err[512] = "";
        json_t *host;
        const char *stored_qemu, *accel;
        int ret;

        ret = session_open(o->out, &c->s, err, sizeof(err));
        if (ret < 0) {
                if (ret == -ENOENT)
                        bl_error("cannot resume '%s': no session.json there", o->out);
                else
                        bl_error("%s", err[0] ? err : strerror(-ret));
                return BL_EXIT_USAGE;
        }
        host = json_object_get(session_meta(c->s), "host");
        stored_qemu = json_string_value(json_object_get(host, "qemu_binary"));
        accel = json_string_value(json_object_get(host, "accel"));
        if (!accel) {
                bl_error("'%s/session.json': no host.accel", o->out);
                return BL_EXIT_USAGE;
        }
        c->accel = accel;
        ret =
            qemu_find(o->qemu ? o->qemu : (getenv("BOOTLENS_QEMU") ? NULL : stored_qemu), &c->qemu);
        if (ret < 0) {
                bl_error("cannot find QEMU '%s': %s (install the Debian package %s, or give "
                         "--qemu PATH)",
                         o->qemu       ? o->qemu
                         : stored_qemu ? stored_qemu
                                       : QEMU_DEFAULT_BINARY,
                         strerror(-ret), QEMU_DEBIAN_PACKAGE);
                return BL_EXIT_USAGE;
        }
        if (variants_from_session(c) < 0)
                return BL_EXIT_USAGE;
        /* The files must be the ones the session began with. */
        for (size_t i = 0; i < c->nv; i++) {
                json_t *v = session_variant(c->s, i);
                const char *keys[] = {"kernel", "initrd"};

                for (int k = 0; k < 2; k++) {
                        json_t *f = json_object_get(v, keys[k]);
                        const char *path = json_string_value(json_object_get(f, "path"));
                        const char *sha = json_string_value(json_object_get(f, "sha256"));
                        char hex[65];
                        uint64_t size;

                        if (!path)
                                continue;
                        ret = session_file_sha256(path, hex, &size);
                        if (ret < 0) {
                                bl_error("cannot open %s '%s': %s", keys[k], path, strerror(-ret));
                                return BL_EXIT_USAGE;
                        }
                        if (!sha || strcmp(sha, hex) != 0) {
                                bl_error("%s '%s' changed since the session began (sha256 %s, "
                                         "now %s)",
                                         keys[k], path, sha ? sha : "?", hex);
                                return BL_EXIT_USAGE;
                        }
                }
        }
        return 0;
}

/* ---- the loop ---- */

static void show_progress(struct collect *c, unsigned run, unsigned total, const char *variant,
                          const struct session_run_info *last)
{
        if (!c->progress)
                return;
        printf("\r\033[Krun %u/%u  %s", run, total, variant);
        if (last && last->boot_ns)
                printf("  last %.3f s", (double)last->boot_ns / 1e9);
        else if (last)
                printf("  last %s", last->verdict);
        printf("  failures %u", c->failures);
        fflush(stdout);
}

int cmd_collect(int argc, char **argv)
{
        struct collect c = {0};
        struct opts o = {0};
        struct sigaction sa, ign, old_int, old_term, old_hup, old_pipe;
        unsigned total, done = 0, recorded = 0;
        unsigned *ok_per_variant = NULL, *runs_per_variant = NULL;
        bool stopped = false, host_error = false;
        int code, lock_fd = -1, ret;

        code = parse_opts(argc, argv, &o);
        if (code) {
                opts_free(&o);
                return code < 0 ? BL_EXIT_OK : code;
        }
        interrupts = 0;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_interrupt;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        /* A closed terminal stops like Ctrl-C (unless run under nohup); a
         * closed stdout pipe must not kill us with QEMU still running. */
        sigaction(SIGHUP, NULL, &old_hup);
        if (old_hup.sa_handler != SIG_IGN)
                sigaction(SIGHUP, &sa, NULL);
        memset(&ign, 0, sizeof(ign));
        ign.sa_handler = SIG_IGN;
        sigemptyset(&ign.sa_mask);
        sigaction(SIGPIPE, &ign, &old_pipe);

        c.dir = o.out;
        c.timeout_ns = o.timeout_s * 1000000000ull;
        c.retries = (unsigned)o.retries;
        c.progress = isatty(STDOUT_FILENO);
        code = o.resume ? resume_session(&c, &o) : new_session(&c, &o);
        if (code)
                goto out;
        if (o.resume) {
                json_t *st = json_object_get(session_meta(c.s), "settings");

                c.timeout_ns =
                    (uint64_t)json_integer_value(json_object_get(st, "timeout_s")) * 1000000000ull;
                c.retries = (unsigned)json_integer_value(json_object_get(st, "retries"));
                if (!c.timeout_ns)
                        c.timeout_ns = DEFAULT_TIMEOUT_S * 1000000000ull;
        }
        ret = session_lock(c.dir, &lock_fd);
        if (ret < 0) {
                bl_error("cannot lock session '%s': %s", c.dir,
                         ret == -EBUSY ? "another bootlens collect is using it" : strerror(-ret));
                code = BL_EXIT_USAGE;
                goto out;
        }
        session_clean_temp(c.dir);

        total = (unsigned)session_planned_runs(c.s);
        ok_per_variant = calloc(c.nv, sizeof(unsigned));
        runs_per_variant = calloc(c.nv, sizeof(unsigned));
        if (!ok_per_variant || !runs_per_variant) {
                bl_error("out of memory");
                code = BL_EXIT_FAIL;
                goto out;
        }
        for (unsigned run = 1; run <= total; run++) {
                struct session_run_info info;
                json_t *rj = NULL;
                size_t vi;
                bool warmup;

                if (session_plan(c.s, run, &vi, &warmup) < 0)
                        continue;
                if (session_run_done(c.s, run)) {
                        if (session_load_run(c.s, run, &rj) == 0 &&
                            session_run_info(rj, &info) == 0) {
                                runs_per_variant[vi]++;
                                if (strcmp(info.verdict, "ok") == 0)
                                        ok_per_variant[vi]++;
                                else if (strcmp(info.verdict, "warmup") != 0)
                                        c.failures++;
                        }
                        json_decref(rj);
                        done++;
                        continue;
                }
                if (interrupts) {
                        stopped = true;
                        break;
                }
                show_progress(&c, run, total, c.v[vi].name, NULL);
                switch (do_run(&c, run, vi, warmup, &info, &rj)) {
                case RUN_RECORDED:
                        done++;
                        recorded++;
                        runs_per_variant[vi]++;
                        if (strcmp(info.verdict, "ok") == 0)
                                ok_per_variant[vi]++;
                        show_progress(&c, run, total, c.v[vi].name, &info);
                        json_decref(rj);
                        break;
                case RUN_INTERRUPTED:
                        stopped = true;
                        break;
                case RUN_HOST_ERROR:
                        host_error = true;
                        break;
                }
                if (stopped || host_error)
                        break;
        }
        if (c.progress)
                printf("\n");
        if (stopped && done < total)
                printf("stopped after %u of %u runs; continue with: bootlens collect --resume -o "
                       "%s\n",
                       done, total, c.dir);
        printf("session %s: %u of %u runs recorded (%u now)", c.dir, done, total, recorded);
        for (size_t i = 0; i < c.nv; i++)
                printf("; %s: %u ok", c.v[i].name, ok_per_variant[i]);
        printf("\n");
        code = BL_EXIT_OK;
        if (stopped || host_error)
                code = BL_EXIT_FAIL;
        for (size_t i = 0; i < c.nv; i++) {
                if (ok_per_variant[i] == 0) {
                        if (!stopped)
                                bl_error("variant '%s' has no ok run", c.v[i].name);
                        code = BL_EXIT_FAIL;
                }
        }
out:
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        sigaction(SIGHUP, &old_hup, NULL);
        sigaction(SIGPIPE, &old_pipe, NULL);
        if (lock_fd >= 0)
                close(lock_fd);
        free(ok_per_variant);
        free(runs_per_variant);
        free_variant_cfgs(&c);
        session_free(c.s);
        free(c.qemu);
        opts_free(&o);
        return code;
}
