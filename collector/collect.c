/*
 * The collector's session loop (collector/collect.h): plan, probe, boot,
 * retry and record; every message goes to the caller's event callback.
 */
#include "collector/collect.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "base/util.h"
#include "bootlens_config.h"
#include "collector/hosttsc.h"
#include "collector/runner.h"
#include "guest/vmlinux.h"

#define PROBE_TIMEOUT_NS 8000000000ull

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
        unsigned failures;
        bool bad_input; /* the error concerns the caller's input */
        volatile sig_atomic_t *stop;
        collect_event_fn event;
        void *user;
};

/* ---- events ---- */

static void emit(struct collect *c, const struct collect_event *ev)
{
        if (c->event)
                c->event(ev, c->user);
}

static void vsay(struct collect *c, enum collect_event_kind kind, const char *fmt, va_list ap)
{
        struct collect_event ev = {.kind = kind, .failures = c->failures};
        char *msg;

        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        ev.msg = msg ? msg : "out of memory";
        emit(c, &ev);
        free(msg);
}

static void say(struct collect *c, enum collect_event_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(struct collect *c, enum collect_event_kind kind, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsay(c, kind, fmt, ap);
        va_end(ap);
}

static void say_error(struct collect *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say_error(struct collect *c, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsay(c, COLLECT_EV_ERROR, fmt, ap);
        va_end(ap);
}

static void progress(struct collect *c, enum collect_event_kind kind, unsigned run, unsigned total,
                     const char *variant, const struct session_run_info *last)
{
        struct collect_event ev = {.kind = kind,
                                   .run = run,
                                   .total = total,
                                   .variant = variant,
                                   .last = last,
                                   .failures = c->failures};

        emit(c, &ev);
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
        struct runner_opts ro = {c->timeout_ns, c->stop, 2};
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
                        say_error(c, "run %u: cannot boot: %s", run, strerror(-ret));
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
                        say_error(c, "cannot write run %u in '%s': %s", run, c->dir,
                                  strerror(-ret));
                        runner_result_free(&r);
                        json_decref(attempts);
                        return RUN_HOST_ERROR;
                }
                json_array_append_new(attempts, attempt_json(&r, k, c->accel, prefix));
                if (r.verdict != RUNNER_OK) {
                        c->failures++;
                        say(c, COLLECT_EV_RUN_WARNING, "run %u (%s) attempt %u: %s: %s%s", run,
                            v->name, k, runner_verdict_name(r.verdict), r.reason,
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
                say_error(c, "cannot write run %u in '%s': %s", run, c->dir, strerror(-ret));
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

static int check_file(struct collect *c, const char *what, const char *path)
{
        struct stat st;
        FILE *f = fopen(path, "rb");

        if (!f) {
                say_error(c, "cannot open %s '%s': %s", what, path, strerror(errno));
                return -1;
        }
        if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
                say_error(c, "cannot use %s '%s': Is a directory", what, path);
                fclose(f);
                return -1;
        }
        fclose(f);
        return 0;
}

/* check_file, and a warning for an ELF kernel without a PVH entry note:
 * QEMU boots such an ELF only when it is a multiboot kernel. */
static int check_kernel(struct collect *c, const char *path)
{
        struct vmlinux_elf e;

        if (check_file(c, "kernel", path) < 0)
                return -1;
        if (vmlinux_elf_inspect_file(path, &e) == 0 && !e.pvh)
                say(c, COLLECT_EV_WARNING,
                    "kernel '%s' is an ELF without a PVH entry note (Xen "
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

static char *base_cmdline(const struct collect_opts *o, const char *kernel, uint64_t tsc_khz)
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
        struct runner_opts ro = {c->timeout_ns, c->stop, 1};
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
                        say_error(c, "'%s/session.json': variant '%s' lacks a kernel or cmdline",
                                  c->dir, c->v[i].name);
                        return -EINVAL;
                }
        }
        return 0;
}

/* Create the session for a fresh collection. Returns 0 or -errno (with
 * c->bad_input set when the error concerns the options or their files). */
static int new_session(struct collect *c, const struct collect_opts *o)
{
        struct session_variant def = {0};
        const struct session_variant *sv = o->variants;
        size_t nsv = o->nvariants;
        json_t *meta = NULL, *variants, *plan, *labels, *settings, *host;
        char *version = NULL, id[32], created[32], why[256] = "", err[256];
        const char *accel_note = NULL;
        uint64_t tsc_khz = 0;
        char *base_tcg = NULL, *base_hw = NULL;
        enum qemu_accel chosen = o->accel;
        int ret, code = -EINVAL;
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
                                say_error(c,
                                          "'%s' already holds a session; continue it with "
                                          "--resume or choose another -o",
                                          o->out);
                                return -EINVAL;
                        }
                }
        }
        if (check_kernel(c, o->kernel) < 0)
                return -EINVAL;
        if (o->initrd && check_file(c, "initrd", o->initrd) < 0)
                return -EINVAL;
        for (size_t i = 0; i < nsv; i++) {
                if (sv[i].kernel && check_kernel(c, sv[i].kernel) < 0)
                        return -EINVAL;
                if (sv[i].initrd && check_file(c, "initrd", sv[i].initrd) < 0)
                        return -EINVAL;
        }
        ret = qemu_find(o->qemu, &c->qemu);
        if (ret < 0) {
                const char *want = o->qemu ? o->qemu
                                           : (getenv("BOOTLENS_QEMU") && *getenv("BOOTLENS_QEMU")
                                                  ? getenv("BOOTLENS_QEMU")
                                                  : QEMU_DEFAULT_BINARY);

                say_error(c,
                          "cannot find QEMU '%s': %s (install the Debian package %s, or give "
                          "--qemu PATH)",
                          want, strerror(-ret), QEMU_DEBIAN_PACKAGE);
                return -EINVAL;
        }
        ret = qemu_version(c->qemu, &version);
        if (ret < 0) {
                say_error(c, "cannot run '%s --version': %s", c->qemu, strerror(-ret));
                return -EINVAL;
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
                        if (c->stop && *c->stop) {
                                say_error(c, "interrupted");
                                c->bad_input = false;
                                code = -EINTR;
                                goto out;
                        }
                }
                if (!c->accel) {
                        if (chosen != QEMU_ACCEL_AUTO && !present) {
                                say_error(c, "--accel %s: %s; use --accel tcg", qemu_accel_name(hw),
                                          why);
                                c->bad_input = false;
                                code = -ENODEV;
                                goto out;
                        }
                        if (chosen != QEMU_ACCEL_AUTO) {
                                say_error(c,
                                          "--accel %s: %s does not run a guest here: %s; use "
                                          "--accel tcg",
                                          qemu_accel_name(hw), qemu_accel_name(hw), why);
                                c->bad_input = false;
                                code = -ENODEV;
                                goto out;
                        }
                        if (present) {
                                say(c, COLLECT_EV_NOTE,
                                    "%s does not run a guest here (%s); using tcg",
                                    qemu_accel_name(hw), why);
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
                        say_error(c, "cannot read '%s': %s", !kj ? v->kernel : v->initrd,
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
                say_error(c, "cannot create session '%s': %s", o->out, strerror(-ret));
                goto out;
        }
        ret = session_open(o->out, &c->s, err, sizeof(err));
        if (ret < 0) {
                say_error(c, "%s", err);
                goto out;
        }
        /* From here on, everything comes from session.json, as on resume. */
        free_variant_cfgs(c);
        if (variants_from_session(c) < 0)
                goto out;
        code = 0;
        goto out;
out_nomem:
        say_error(c, "out of memory");
        c->bad_input = false;
        code = -ENOMEM;
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

/* Open o->out for --resume. Returns 0 or -EINVAL (an input error). */
static int resume_session(struct collect *c, const struct collect_opts *o)
{
        char err[512] = "";
        json_t *host;
        const char *stored_qemu, *accel;
        int ret;

        ret = session_open(o->out, &c->s, err, sizeof(err));
        if (ret < 0) {
                if (ret == -ENOENT)
                        say_error(c, "cannot resume '%s': no session.json there", o->out);
                else
                        say_error(c, "%s", err[0] ? err : strerror(-ret));
                return -EINVAL;
        }
        host = json_object_get(session_meta(c->s), "host");
        stored_qemu = json_string_value(json_object_get(host, "qemu_binary"));
        accel = json_string_value(json_object_get(host, "accel"));
        if (!accel) {
                say_error(c, "'%s/session.json': no host.accel", o->out);
                return -EINVAL;
        }
        c->accel = accel;
        ret =
            qemu_find(o->qemu ? o->qemu : (getenv("BOOTLENS_QEMU") ? NULL : stored_qemu), &c->qemu);
        if (ret < 0) {
                say_error(c,
                          "cannot find QEMU '%s': %s (install the Debian package %s, or give "
                          "--qemu PATH)",
                          o->qemu       ? o->qemu
                          : stored_qemu ? stored_qemu
                                        : QEMU_DEFAULT_BINARY,
                          strerror(-ret), QEMU_DEBIAN_PACKAGE);
                return -EINVAL;
        }
        if (variants_from_session(c) < 0)
                return -EINVAL;
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
                                say_error(c, "cannot open %s '%s': %s", keys[k], path,
                                          strerror(-ret));
                                return -EINVAL;
                        }
                        if (!sha || strcmp(sha, hex) != 0) {
                                say_error(c,
                                          "%s '%s' changed since the session began (sha256 %s, "
                                          "now %s)",
                                          keys[k], path, sha ? sha : "?", hex);
                                return -EINVAL;
                        }
                }
        }
        return 0;
}

/* ---- the loop ---- */

void collect_result_free(struct collect_result *res)
{
        if (!res)
                return;
        for (size_t i = 0; i < res->nvariants; i++)
                free(res->variants[i].name);
        free(res->variants);
        res->variants = NULL;
        res->nvariants = 0;
}

int collect_run(const struct collect_opts *o, struct collect_result *res)
{
        struct collect c = {0};
        unsigned total, done = 0, recorded = 0;
        bool stopped = false, host_error = false;
        int lock_fd = -1, ret;

        memset(res, 0, sizeof(*res));
        c.dir = o->out;
        c.timeout_ns = o->timeout_s * 1000000000ull;
        c.retries = (unsigned)o->retries;
        c.stop = o->stop;
        c.event = o->event;
        c.user = o->user;
        c.bad_input = true;
        ret = o->resume ? resume_session(&c, o) : new_session(&c, o);
        if (ret < 0)
                goto out;
        c.bad_input = false;
        if (o->resume) {
                json_t *st = json_object_get(session_meta(c.s), "settings");

                c.timeout_ns =
                    (uint64_t)json_integer_value(json_object_get(st, "timeout_s")) * 1000000000ull;
                c.retries = (unsigned)json_integer_value(json_object_get(st, "retries"));
                if (!c.timeout_ns)
                        c.timeout_ns = COLLECT_DEFAULT_TIMEOUT_S * 1000000000ull;
        }
        ret = session_lock(c.dir, &lock_fd);
        if (ret < 0) {
                say_error(&c, "cannot lock session '%s': %s", c.dir,
                          ret == -EBUSY ? "another bootlens collect is using it" : strerror(-ret));
                c.bad_input = true;
                goto out;
        }
        session_clean_temp(c.dir);

        total = (unsigned)session_planned_runs(c.s);
        res->variants = calloc(c.nv, sizeof(*res->variants));
        if (!res->variants) {
                say_error(&c, "out of memory");
                ret = -ENOMEM;
                goto out;
        }
        res->nvariants = c.nv;
        for (size_t i = 0; i < c.nv; i++) {
                res->variants[i].name = strdup(c.v[i].name);
                if (!res->variants[i].name) {
                        say_error(&c, "out of memory");
                        ret = -ENOMEM;
                        goto out;
                }
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
                                if (strcmp(info.verdict, "ok") == 0)
                                        res->variants[vi].ok++;
                                else if (strcmp(info.verdict, "warmup") != 0)
                                        c.failures++;
                        }
                        json_decref(rj);
                        done++;
                        continue;
                }
                if (c.stop && *c.stop) {
                        stopped = true;
                        break;
                }
                progress(&c, COLLECT_EV_RUN_START, run, total, c.v[vi].name, NULL);
                switch (do_run(&c, run, vi, warmup, &info, &rj)) {
                case RUN_RECORDED:
                        done++;
                        recorded++;
                        if (strcmp(info.verdict, "ok") == 0)
                                res->variants[vi].ok++;
                        progress(&c, COLLECT_EV_RUN_DONE, run, total, c.v[vi].name, &info);
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
        res->total = total;
        res->done = done;
        res->recorded = recorded;
        res->stopped = stopped;
        res->host_error = host_error;
        ret = 0;
out:
        res->bad_input = ret < 0 && c.bad_input;
        if (lock_fd >= 0)
                close(lock_fd);
        free_variant_cfgs(&c);
        session_free(c.s);
        free(c.qemu);
        return ret;
}
