/*
 * The collector's session loop (collector/collect.h): plan, probe, boot,
 * retry and record; every message goes to the caller's event callback.
 */
#include "collector/collect.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "bootlens_config.h"
#include "collector/hosttsc.h"
#include "collector/probecache.h"
#include "collector/runner.h"
#include "guest/kimage.h"
#include "guest/vmlinux.h"

#define PROBE_TIMEOUT_NS 8000000000ull

/* What one variant boots, resolved. */
struct variant_cfg {
        const char *name;
        const char *kernel, *initrd, *cmdline;
        char **qemu_args; /* variant's then the user's */
        size_t nqemu_args;
        bool host_timed; /* timing=host */
};

struct collect {
        /* Serialises the events and everything below that the slots share
         * (failures, the result, the round cursor); held while an event
         * is delivered. */
        pthread_mutex_t lock;
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
        unsigned jobs;  /* slots (1: the caller's thread boots, nothing pinned) */
        int *cpus;      /* slot k's QEMU runs on cpus[k] (jobs > 1) */
        volatile sig_atomic_t *stop;
        collect_event_fn event;
        void *user;
};

/* ---- events ---- */

/* Deliver ev with the failure count as it is now, one event at a time. */
static void emit(struct collect *c, const struct collect_event *ev)
{
        struct collect_event e = *ev;

        pthread_mutex_lock(&c->lock);
        e.failures = c->failures;
        if (c->event)
                c->event(&e, c->user);
        pthread_mutex_unlock(&c->lock);
}

static void vsay(struct collect *c, enum collect_event_kind kind, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void vsay(struct collect *c, enum collect_event_kind kind, const char *fmt, va_list ap)
{
        struct collect_event ev = {.kind = kind};
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
                     const char *variant, const struct session_run *last)
{
        struct collect_event ev = {
            .kind = kind, .run = run, .total = total, .variant = variant, .last = last};

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

static void utc_now(char buf[32])
{
        time_t t = time(NULL);
        struct tm tm;

        gmtime_r(&t, &tm);
        if (strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                buf[0] = '\0';
}

/* ---- one attempt, as the session records it ---- */

static int dup_to(char **dst, const char *s)
{
        *dst = strdup(s);
        return *dst ? 0 : -ENOMEM;
}

/* The runner's exit, marks and dump check in a's terms. */
static int attempt_outcome(const struct runner_result *r, struct session_attempt *a)
{
        switch (r->exit) {
        case RUNNER_NOT_STARTED:
                a->exit_how = SESSION_EXIT_NOT_STARTED;
                if (dup_to(&a->exit_error, strerror(r->spawn_error)) < 0)
                        return -ENOMEM;
                break;
        case RUNNER_EXITED:
                a->exit_how = SESSION_EXIT_EXITED;
                a->exit_code = r->exit_code;
                break;
        case RUNNER_SIGNALED:
                a->exit_how = SESSION_EXIT_SIGNALED;
                a->exit_signal = r->exit_signal;
                break;
        }
        if (r->dump_found) {
                a->has_dump = true;
                a->dump_bytes = r->dump.bytes_actual;
                a->dump_crc32 = r->dump.crc_actual;
                if (dup_to(&a->dump_status, framing_status_str(r->dump.status)) < 0)
                        return -ENOMEM;
        }
        a->marks = calloc(r->nmarks ? r->nmarks : 1, sizeof(*a->marks));
        if (!a->marks)
                return -ENOMEM;
        for (size_t i = 0; i < r->nmarks; i++) {
                const struct runner_mark *m = &r->marks[i];

                a->marks[i] = (struct session_mark){NULL, m->host_ns, m->uptime_ns, m->offset};
                a->nmarks++;
                if (dup_to(&a->marks[i].name, m->name) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* Attempt k of a run from the runner's result; its captures are the
 * files prefix.console, .serial and .qemu.log. Returns 0 or -ENOMEM
 * (a's strings are then released with its run). */
static int attempt_from(const struct runner_result *r, unsigned k, const char *accel,
                        const char *prefix, struct session_attempt *a)
{
        memset(a, 0, sizeof(*a));
        a->attempt = k;
        a->verdict = r->verdict;
        a->host =
            (struct session_host_marks){r->t_spawn,      r->t_first_console, r->t_first_serial,
                                        r->t_dump_begin, r->t_dump_end,      r->t_exit};
        a->off_dump_begin = r->off_dump_begin;
        a->off_dump_end = r->off_dump_end;
        a->console_bytes = r->console.len;
        a->serial_bytes = r->serial.len;
        a->console_truncated = r->console_truncated;
        a->signal_sent = r->signal_sent;
        a->timed_out = r->timed_out;
        a->kvm_internal_error = r->kvm_error;
        if (r->t_exit && r->t_spawn)
                a->wall_ns = r->t_exit - r->t_spawn;
        a->cpu_qemu_user_ns = r->qemu_user_ns;
        a->cpu_qemu_system_ns = r->qemu_sys_ns;
        a->cpu_collector_user_ns = r->self_user_ns;
        a->cpu_collector_system_ns = r->self_sys_ns;
        a->sched = r->sched;
        a->loadavg_1m_centi = r->loadavg_1m_centi;
        a->cpus_online = r->cpus_online;
        if (dup_to(&a->reason, r->reason) < 0 || dup_to(&a->accel, accel) < 0 ||
            asprintf(&a->console_file, "%s.console", prefix) < 0 ||
            asprintf(&a->serial_file, "%s.serial", prefix) < 0 ||
            asprintf(&a->qemu_log_file, "%s.qemu.log", prefix) < 0)
                return -ENOMEM;
        return attempt_outcome(r, a);
}

/* An ERROR event naming the file of run that could not be written. */
static void say_write_error(struct collect *c, unsigned run, const char *suffix, int err)
{
        char *path = NULL;

        if (session_run_path(c->dir, run, suffix, &path) < 0)
                path = NULL;
        say_error(c, "cannot write run %u: '%s': %s", run, path ? path : c->dir, strerror(-err));
        free(path);
}

/* Write the three captures of attempt suffix ("" or ".aK") of run.
 * Returns 0 or -errno (an ERROR event named the file). */
static int save_captures(struct collect *c, unsigned run, const char *suffix,
                         const struct runner_result *r)
{
        const struct {
                const char *ext;
                const struct sbuf *data;
        } caps[] = {
            {".console", &r->console}, {".serial", &r->serial}, {".qemu.log", &r->qemu_log}};
        char s[32];

        for (size_t i = 0; i < UTIL_ARRAY_SIZE(caps); i++) {
                int ret;

                snprintf(s, sizeof(s), "%s%s", suffix, caps[i].ext);
                ret = session_write_capture(c->dir, run, s, caps[i].data->buf, caps[i].data->len);
                if (ret < 0) {
                        say_write_error(c, run, s, ret);
                        return ret;
                }
        }
        return 0;
}

/* The final attempt's kallsyms section, verbatim, as runs/NNNN.kallsyms;
 * nothing when its dump is not whole or has none. Returns 0 or -errno (an
 * ERROR event named the file). */
static int save_kallsyms(struct collect *c, unsigned run, const struct runner_result *r)
{
        const struct framing_section_ref *sec;
        int ret;

        if (!r->dump_found || r->dump.status != FRAMING_OK)
                return 0;
        sec = framing_find_section(&r->dump, "kallsyms");
        if (!sec)
                return 0;
        ret = session_write_capture(c->dir, run, ".kallsyms", r->console.buf + sec->off, sec->len);
        if (ret < 0)
                say_write_error(c, run, ".kallsyms", ret);
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

/* ---- one run ---- */

enum run_outcome { RUN_RECORDED, RUN_INTERRUPTED, RUN_HOST_ERROR };

/* Boot attempt k of run into rec->attempts[k - 1] and keep its captures
 * (as NNNN.aK.* unless it is the final attempt). Sets *last. */
static enum run_outcome boot_attempt(struct collect *c, struct session_run *rec, size_t vi,
                                     unsigned k, int *ino, bool *last)
{
        struct runner_opts ro = {.timeout_ns = c->timeout_ns,
                                 .stop = c->stop,
                                 .stop_at = 2,
                                 .pin = rec->cpu >= 0,
                                 .cpu = rec->cpu,
                                 .inotify = ino,
                                 .host_timed = c->v[vi].host_timed};
        const struct variant_cfg *v = &c->v[vi];
        enum run_outcome out = RUN_HOST_ERROR;
        char suffix[16] = "", prefix[32];
        struct runner_result r;
        struct qemu_config q;
        int ret;

        config_for(c, v, &q);
        ret = runner_run(&q, &ro, &r);
        if (ret < 0) {
                say_error(c, "run %u: cannot boot: %s", rec->run, strerror(-ret));
                goto out;
        }
        if (r.interrupted) {
                out = RUN_INTERRUPTED;
                goto out;
        }
        *last = r.verdict != SESSION_TIMEOUT || k == c->retries + 1;
        if (!*last)
                snprintf(suffix, sizeof(suffix), ".a%u", k);
        snprintf(prefix, sizeof(prefix), "%04u%s", rec->run, suffix);
        if (save_captures(c, rec->run, suffix, &r) < 0)
                goto out;
        if (*last && save_kallsyms(c, rec->run, &r) < 0)
                goto out;
        rec->nattempts++;
        if (attempt_from(&r, k, c->accel, prefix, &rec->attempts[k - 1]) < 0) {
                say_error(c, "out of memory");
                goto out;
        }
        if (r.verdict != SESSION_OK) {
                pthread_mutex_lock(&c->lock);
                c->failures++;
                pthread_mutex_unlock(&c->lock);
                say(c, COLLECT_EV_RUN_WARNING, "run %u (%s) attempt %u: %s: %s%s", rec->run,
                    v->name, k, session_verdict_name(r.verdict), r.reason,
                    *last ? "" : "; retrying");
        }
        out = RUN_RECORDED;
out:
        runner_result_free(&r);
        return out;
}

/* Boot run number run (with retries) in slot (-1: no slots), the console
 * watched through the slot's inotify instance *ino, and record it in *rec
 * (the caller session_run_free()s it whatever the outcome). */
static enum run_outcome do_run(struct collect *c, unsigned run, size_t vi, bool warmup, int slot,
                               int *ino, struct session_run *rec)
{
        const struct session_attempt *final;
        char started[32];
        bool last = false;
        int ret;

        memset(rec, 0, sizeof(*rec));
        utc_now(started);
        rec->run = run;
        rec->warmup = warmup;
        rec->slot = slot;
        rec->cpu = slot >= 0 ? c->cpus[slot] : -1;
        rec->attempts = calloc(c->retries + 1, sizeof(*rec->attempts));
        if (!rec->attempts || dup_to(&rec->variant, c->v[vi].name) < 0 ||
            dup_to(&rec->started, started) < 0) {
                say_error(c, "out of memory");
                return RUN_HOST_ERROR;
        }
        for (unsigned k = 1; !last; k++) {
                enum run_outcome out = boot_attempt(c, rec, vi, k, ino, &last);

                if (out != RUN_RECORDED)
                        return out;
        }
        final = session_run_final(rec);
        rec->verdict = warmup && final->verdict == SESSION_OK ? SESSION_WARMUP : final->verdict;
        if (dup_to(&rec->reason, final->reason) < 0) {
                say_error(c, "out of memory");
                return RUN_HOST_ERROR;
        }
        if (final->host.dump_begin)
                rec->boot_ns = final->host.dump_begin - final->host.spawn;
        ret = session_run_write(c->dir, rec);
        if (ret < 0) {
                say_write_error(c, run, ".json", ret);
                return RUN_HOST_ERROR;
        }
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

/* The settings are in the ranges the command line and session.json
 * share, and the plan's run numbers fit. Returns 0 or -EINVAL. */
static int check_settings(struct collect *c, const struct collect_opts *o, size_t nsv)
{
        const uint64_t v[SESSION_NSETTINGS] = {
            [SESSION_SET_RUNS] = o->runs,
            [SESSION_SET_WARMUP] = o->warmup,
            [SESSION_SET_TIMEOUT_S] = o->timeout_s,
            [SESSION_SET_RETRIES] = o->retries,
        };

        for (int i = 0; i < SESSION_NSETTINGS; i++) {
                const struct session_setting_range *r = &session_setting_ranges[i];

                if (session_setting_check((enum session_setting)i, v[i]) < 0) {
                        say_error(c, "%s: %llu is not a number from %llu to %llu", r->option,
                                  (unsigned long long)v[i], (unsigned long long)r->min,
                                  (unsigned long long)r->max);
                        return -EINVAL;
                }
        }
        if (nsv > UINT32_MAX / (o->runs + o->warmup)) {
                say_error(c, "%zu variants of %llu runs each are too many runs", nsv,
                          (unsigned long long)(o->runs + o->warmup));
                return -EINVAL;
        }
        return 0;
}

/* Before anything is booted or written: the settings are in range, o->out
 * holds no session yet and every kernel and initrd can be read. Returns 0
 * or -EINVAL. */
static int preflight(struct collect *c, const struct collect_opts *o,
                     const struct session_variant *sv, size_t nsv)
{
        char *p;

        if (check_settings(c, o, nsv) < 0)
                return -EINVAL;

        if (asprintf(&p, "%s/session.json", o->out) >= 0) {
                bool exists = access(p, F_OK) == 0;

                free(p);
                if (exists) {
                        say_error(c,
                                  "'%s' already holds a session; continue it with --resume or "
                                  "choose another -o",
                                  o->out);
                        return -EINVAL;
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
        return 0;
}

/* Find QEMU into c->qemu: want, else $BOOTLENS_QEMU, else the default,
 * on resume too: a path read from a session is never run (the session may
 * come from someone else). stored (NULL: a new session) is the binary the
 * session recorded; a different one is noted. Returns 0 or -EINVAL. */
static int find_qemu(struct collect *c, const char *want, const char *stored)
{
        const char *env = getenv("BOOTLENS_QEMU");
        int ret = qemu_find(want, &c->qemu);

        if (ret < 0) {
                say_error(c,
                          "cannot find QEMU '%s': %s (install the Debian package %s, or give "
                          "--qemu PATH)",
                          want          ? want
                          : env && *env ? env
                                        : QEMU_DEFAULT_BINARY,
                          strerror(-ret), QEMU_DEBIAN_PACKAGE);
                return -EINVAL;
        }
        if (stored && strcmp(stored, c->qemu) != 0)
                say(c, COLLECT_EV_NOTE, "resuming with QEMU '%s'; the session recorded '%s'",
                    c->qemu, stored);
        return 0;
}

static void free_variant_cfgs(struct collect *c)
{
        for (size_t i = 0; i < c->nv; i++)
                free(c->v[i].qemu_args);
        free(c->v);
        c->v = NULL;
        c->nv = 0;
}

/* c->v from the options (strings borrowed from o and sv; no cmdline yet).
 * Returns 0 or -ENOMEM. */
static int variants_from_opts(struct collect *c, const struct collect_opts *o,
                              const struct session_variant *sv, size_t nsv)
{
        c->v = calloc(nsv, sizeof(*c->v));
        if (!c->v)
                return -ENOMEM;
        c->nv = nsv;
        for (size_t i = 0; i < nsv; i++) {
                struct variant_cfg *v = &c->v[i];

                v->name = sv[i].name;
                v->kernel = sv[i].kernel ? sv[i].kernel : o->kernel;
                v->initrd = sv[i].initrd ? sv[i].initrd : o->initrd;
                v->host_timed = sv[i].host_timed;
                v->qemu_args = calloc(sv[i].nqemu_args + o->nextra + 1, sizeof(char *));
                if (!v->qemu_args)
                        return -ENOMEM;
                for (size_t j = 0; j < sv[i].nqemu_args; j++)
                        v->qemu_args[v->nqemu_args++] = sv[i].qemu_args[j];
                for (size_t j = 0; j < o->nextra; j++)
                        v->qemu_args[v->nqemu_args++] = o->extra[j];
        }
        return 0;
}

/* Fill c->v from session.json's variants (strings borrowed from it). */
static int variants_from_session(struct collect *c)
{
        const struct session_info *in = session_info(c->s);

        c->v = calloc(in->nvariants, sizeof(*c->v));
        if (!c->v) {
                say_error(c, "out of memory");
                return -ENOMEM;
        }
        c->nv = in->nvariants;
        for (size_t i = 0; i < in->nvariants; i++) {
                const struct session_variant_info *vi = &in->variants[i];
                struct variant_cfg *v = &c->v[i];

                v->name = vi->name;
                v->kernel = vi->kernel.path;
                v->initrd = vi->initrd.path;
                v->cmdline = vi->cmdline;
                v->host_timed = vi->host_timed;
                v->qemu_args = calloc(vi->nqemu_args + 1, sizeof(char *));
                if (!v->qemu_args) {
                        say_error(c, "out of memory");
                        return -ENOMEM;
                }
                for (size_t j = 0; j < vi->nqemu_args; j++)
                        v->qemu_args[v->nqemu_args++] = vi->qemu_args[j];
                if (!v->kernel || !v->cmdline) {
                        say_error(c, "'%s/session.json': variant '%s' lacks a kernel or cmdline",
                                  c->dir, v->name);
                        return -EINVAL;
                }
        }
        return 0;
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

/* Variant i's command line for a guest TSC of tsc_khz (0: none given). */
static char *cmdline_for(const struct collect_opts *o, const struct session_variant *sv,
                         const char *kernel, uint64_t tsc_khz)
{
        char *base = base_cmdline(o, kernel, tsc_khz), *s, *k = NULL;

        if (!base)
                return NULL;
        s = session_variant_line(base, sv);
        free(base);
        if (!s || !o->kallsyms)
                return s;
        if (asprintf(&k, "%s%s" COLLECT_KALLSYMS_ARG, s, *s ? " " : "") < 0)
                k = NULL;
        free(s);
        return k;
}

/* A word of sv's append-= that its command line lacks is an input error
 * (a typo would drop nothing). Returns 0 or -EINVAL, -ENOMEM (said). */
static int check_append_remove(struct collect *c, const struct collect_opts *o,
                               const struct session_variant *sv, const char *kernel,
                               uint64_t tsc_khz)
{
        char *base = base_cmdline(o, kernel, tsc_khz);
        const char *w;

        if (!base) {
                say_error(c, "out of memory");
                return -ENOMEM;
        }
        w = session_variant_missing(base, sv);
        if (w)
                say_error(c, "--variant '%s: append-=%s': '%s' is not in the command line '%s'",
                          sv->name, w, w, sv->append_replace && sv->append ? sv->append : base);
        free(base);
        return w ? -EINVAL : 0;
}

/* Boot variant 0 once under a hardware accelerator to see whether it runs
 * a guest at all. Returns true when it produced a whole dump; *why says
 * what went wrong otherwise, and *definitive whether the boot said so
 * (false: it could not start, or was stopped). */
static bool probe_accel(struct collect *c, const char *accel, char *why, size_t whysize,
                        bool *definitive)
{
        struct runner_opts ro = {.timeout_ns = c->timeout_ns,
                                 .stop = c->stop,
                                 .stop_at = 1,
                                 .host_timed = c->v[0].host_timed};
        const char *saved = c->accel;
        struct runner_result r;
        struct qemu_config q;
        bool ok;

        if (ro.timeout_ns > PROBE_TIMEOUT_NS)
                ro.timeout_ns = PROBE_TIMEOUT_NS;
        c->accel = accel;
        config_for(c, &c->v[0], &q);
        *definitive = false;
        if (runner_run(&q, &ro, &r) < 0) {
                snprintf(why, whysize, "the probe boot could not start");
                runner_result_free(&r);
                c->accel = saved;
                return false;
        }
        ok = r.verdict == SESSION_OK;
        *definitive = !r.interrupted && r.exit != RUNNER_NOT_STARTED;
        if (r.kvm_error)
                snprintf(why, whysize, "QEMU reported \"KVM internal error\"");
        else if (!ok)
                snprintf(why, whysize, "%s", r.reason);
        runner_result_free(&r);
        c->accel = saved;
        return ok;
}

/* The hardware accelerator "auto" means on this host. */
static enum qemu_accel host_hw_accel(void)
{
#ifdef __APPLE__
        return QEMU_ACCEL_HVF;
#elif defined(__NetBSD__)
        return QEMU_ACCEL_NVMM;
#else
        return QEMU_ACCEL_KVM;
#endif
}

/* The probe cache for one collection (docs/collect.md, "The probe
 * cache"): its file and this host's key. */
struct probe_cache {
        char *path; /* NULL: not used */
        char hostname[256], kernel[512];
        struct probecache_key key;
        char said[512]; /* "; cached DATE in PATH, --no-probe-cache to probe again" */
};

static void probe_cache_open(struct collect *c, struct probe_cache *pc, const char *version,
                             enum qemu_accel hw)
{
        memset(pc, 0, sizeof(*pc));
        if (probecache_path(&pc->path) < 0 || probecache_host(pc->hostname, sizeof(pc->hostname),
                                                              pc->kernel, sizeof(pc->kernel)) < 0) {
                free(pc->path);
                pc->path = NULL;
                say(c, COLLECT_EV_NOTE,
                    "no probe cache: neither $BOOTLENS_CACHE_DIR, $XDG_CACHE_HOME nor $HOME is "
                    "usable");
                return;
        }
        pc->key = (struct probecache_key){pc->hostname, pc->kernel, version, qemu_accel_name(hw)};
}

/* The cached outcome for pc's key: 1 (works), 0 (does not: *why), -1 (none
 * cached: probe). A cache that cannot be read is noted and ignored. */
static int probe_cache_get(struct collect *c, struct probe_cache *pc, char *why, size_t whysize)
{
        struct probecache_entry e;
        char err[512] = "";
        int ret;

        if (!pc->path)
                return -1;
        ret = probecache_lookup(pc->path, &pc->key, &e, err, sizeof(err));
        if (ret < 0) {
                say(c, COLLECT_EV_NOTE, "ignoring the probe cache: %s; probing again",
                    err[0] ? err : strerror(-ret));
                return -1;
        }
        if (ret == 0)
                return -1;
        snprintf(why, whysize, "%s", e.why);
        snprintf(pc->said, sizeof(pc->said), "cached %.10s in %s, --no-probe-cache to probe again",
                 e.probed, pc->path);
        return e.works;
}

static void probe_cache_put(struct collect *c, struct probe_cache *pc, bool works, const char *why)
{
        struct probecache_entry e = {.works = works};
        int ret;

        if (!pc->path)
                return;
        snprintf(e.why, sizeof(e.why), "%s", works ? "" : why);
        utc_now(e.probed);
        ret = probecache_store(pc->path, &pc->key, &e);
        if (ret < 0)
                say(c, COLLECT_EV_NOTE, "cannot write the probe cache '%s': %s", pc->path,
                    strerror(-ret));
}

/* Whether hw runs variant 0 here (a probe boot, with a command line
 * without tsc_early_khz, or pc's cached outcome: pc->said is then set):
 * *why says why not. Returns 1, 0, -EINTR when stopped meanwhile,
 * -ENOMEM. */
static int hw_accel_works(struct collect *c, const struct collect_opts *o,
                          const struct session_variant *sv0, enum qemu_accel hw,
                          struct probe_cache *pc, char *why, size_t whysize)
{
        char *cmdline;
        bool ok, definitive;
        int cached;

        if (!qemu_accel_present(hw)) {
                snprintf(why, whysize, "%s is not available on this host", qemu_accel_name(hw));
                return 0;
        }
        cached = probe_cache_get(c, pc, why, whysize);
        if (cached >= 0)
                return cached;
        cmdline = cmdline_for(o, sv0, c->v[0].kernel, 0);
        if (!cmdline)
                return -ENOMEM;
        c->v[0].cmdline = cmdline;
        ok = probe_accel(c, qemu_accel_name(hw), why, whysize, &definitive);
        c->v[0].cmdline = NULL;
        free(cmdline);
        if (c->stop && *c->stop)
                return -EINTR;
        if (definitive)
                probe_cache_put(c, pc, ok, why);
        return ok;
}

/* Set c->accel from o->accel: tcg as asked; kvm (hvf, nvmm) only if a
 * probe boot (or the probe cache, for QEMU version) runs a guest; auto
 * falls back to tcg with a note (also in *note, which points into why:
 * the reason alone, cached or not). Returns 0, -ENODEV (the accelerator
 * asked for is unusable), -EINTR, -ENOMEM, with c->bad_input false. */
static int choose_accel(struct collect *c, const struct collect_opts *o,
                        const struct session_variant *sv0, const char *version, char *why,
                        size_t whysize, const char **note)
{
        enum qemu_accel hw = o->accel == QEMU_ACCEL_AUTO ? host_hw_accel() : o->accel;
        const char *name = qemu_accel_name(hw);
        bool present = qemu_accel_present(hw);
        struct probe_cache pc = {0};
        const char *sep;
        int works;

        *note = NULL;
        c->accel = "tcg";
        if (o->accel == QEMU_ACCEL_TCG)
                return 0;
        if (o->probe_cache && present)
                probe_cache_open(c, &pc, version, hw);
        works = hw_accel_works(c, o, sv0, hw, &pc, why, whysize);
        free(pc.path);
        sep = pc.said[0] ? "; " : "";
        if (works == 1) {
                c->accel = name;
                if (pc.said[0])
                        say(c, COLLECT_EV_NOTE, "%s runs a guest here (%s)", name, pc.said);
                return 0;
        }
        if (works == 0 && o->accel == QEMU_ACCEL_AUTO) {
                if (present)
                        say(c, COLLECT_EV_NOTE, "%s does not run a guest here (%s%s%s); using tcg",
                            name, why, sep, pc.said);
                *note = why;
                return 0;
        }
        if (works == -EINTR)
                say_error(c, "interrupted");
        else if (works < 0)
                say_error(c, "out of memory");
        else if (!present)
                say_error(c, "--accel %s: %s; use --accel tcg", name, why);
        else
                say_error(c, "--accel %s: %s does not run a guest here: %s%s%s%s; use --accel tcg",
                          name, name, why, pc.said[0] ? " (" : "", pc.said, pc.said[0] ? ")" : "");
        c->bad_input = false;
        return works < 0 ? works : -ENODEV;
}

/* ---- session.json ---- */

/* session.json being built: the info and what its pointers point to. */
struct meta {
        struct session_info info;
        char id[32], created[32], hostname[256];
        char *cpu;
        struct utsname u;
        struct session_label *labels;
        struct session_variant_info *variants;
        struct variant_store {
                char *kernel_path, *initrd_path;
                char kernel_sha[65], initrd_sha[65];
                char **argv;
                char build_id[129], image_why[256];
        } * store;
        struct session_plan_entry *plan;
};

static void meta_free(struct meta *m)
{
        for (size_t i = 0; m->store && i < m->info.nvariants; i++) {
                free(m->store[i].kernel_path);
                free(m->store[i].initrd_path);
                qemu_argv_free(m->store[i].argv);
        }
        for (size_t i = 0; m->labels && i < m->info.nlabels; i++)
                free((char *)m->labels[i].key);
        free(m->store);
        free(m->variants);
        free(m->labels);
        free(m->plan);
        free(m->cpu);
}

/* path's absolute name, size and sha256 into f (strings in *abs, sha). */
static int file_info(struct collect *c, const char *path, struct session_file *f, char **abs,
                     char sha[65])
{
        int ret = session_file_sha256(path, sha, &f->size);

        if (ret < 0) {
                say_error(c, "cannot read '%s': %s", path, strerror(-ret));
                return -EINVAL;
        }
        *abs = realpath(path, NULL);
        f->path = *abs ? *abs : path;
        f->sha256 = sha;
        return 0;
}

/* Variant i as recorded: files with their sha256, and the whole argv with
 * the console/serial fds shown as 3 and 4 (they vary from run to run). */
static int variant_info(struct collect *c, size_t i, struct variant_store *st,
                        struct session_variant_info *vi)
{
        const struct variant_cfg *v = &c->v[i];
        struct qemu_config q;
        int ret;

        vi->name = v->name;
        vi->cmdline = v->cmdline;
        vi->qemu_args = v->qemu_args;
        vi->nqemu_args = v->nqemu_args;
        vi->host_timed = v->host_timed;
        ret = file_info(c, v->kernel, &vi->kernel, &st->kernel_path, st->kernel_sha);
        if (ret == 0 && v->initrd)
                ret = file_info(c, v->initrd, &vi->initrd, &st->initrd_path, st->initrd_sha);
        if (ret < 0)
                return ret;
        config_for(c, v, &q);
        q.console_fd = 3;
        q.serial_fd = 4;
        if (qemu_build_argv(&q, &st->argv) >= 0) {
                vi->argv = st->argv;
                while (st->argv[vi->nargv])
                        vi->nargv++;
        }
        return 0;
}

/* Variant i's kernel as an image (guest/kimage.h), read once per distinct
 * kernel (by sha256: variants often share one, and a variant that does
 * takes the first one's record). A kernel that is no image kimage reads
 * (a test's stand-in file; QEMU may boot it still) is no error: the
 * session records why, and collect says nothing. -ENOMEM is an error. */
static int variant_image(struct meta *m, size_t i)
{
        struct session_variant_info *vi = &m->variants[i];
        struct variant_store *st = &m->store[i];
        struct session_kimage *im = &vi->image;
        struct kimage *k = NULL;
        int ret;

        for (size_t j = 0; j < i; j++) {
                if (strcmp(m->variants[j].kernel.sha256, vi->kernel.sha256) == 0) {
                        *im = m->variants[j].image;
                        return 0;
                }
        }
        ret = kimage_load(vi->kernel.path, &k, st->image_why, sizeof(st->image_why));
        if (ret == -ENOMEM)
                return ret;
        if (ret < 0) {
                if (!st->image_why[0])
                        snprintf(st->image_why, sizeof(st->image_why), "%s", strerror(-ret));
                im->why = st->image_why;
                return 0;
        }
        im->known = true;
        im->format = kimage_format_name(k->format);
        im->entry = kimage_entry_name(k->entry);
        im->file_size = k->file_size;
        im->loaded_size = k->loaded_size;
        snprintf(st->build_id, sizeof(st->build_id), "%s", k->build_id);
        im->build_id = st->build_id[0] ? st->build_id : NULL;
        im->pvh = k->pvh;
        if (k->format == KIMAGE_BZIMAGE) {
                im->comp = vmlinux_comp_name(k->comp);
                im->comp_size = k->comp_size;
        }
        kimage_free(k);
        return 0;
}

/* The plan: interleaved, warm-ups of every variant first, then run 1 of
 * each, run 2 ...; otherwise each variant's warm-ups just before its runs. */
static int make_plan(struct meta *m, const struct collect_opts *o, size_t nsv)
{
        size_t per = (size_t)(o->warmup + o->runs), total = nsv * per, n = 0;

        m->plan = calloc(total ? total : 1, sizeof(*m->plan));
        if (!m->plan)
                return -ENOMEM;
        for (size_t a = 0; a < (o->interleave ? per : nsv); a++) {
                for (size_t b = 0; b < (o->interleave ? nsv : per); b++, n++) {
                        size_t vi = o->interleave ? b : a, k = o->interleave ? a : b;

                        m->plan[n] =
                            (struct session_plan_entry){(unsigned)n + 1, vi, k < o->warmup};
                }
        }
        m->info.plan = m->plan;
        m->info.nplan = n;
        return 0;
}

static int meta_labels(struct meta *m, const struct collect_opts *o)
{
        m->labels = calloc(o->nlabels ? o->nlabels : 1, sizeof(*m->labels));
        if (!m->labels)
                return -ENOMEM;
        m->info.labels = m->labels;
        for (size_t i = 0; i < o->nlabels; i++) {
                const char *eq = strchr(o->labels[i], '=');
                size_t klen = eq ? (size_t)(eq - o->labels[i]) : strlen(o->labels[i]);

                m->labels[i].key = strndup(o->labels[i], klen);
                if (!m->labels[i].key)
                        return -ENOMEM;
                m->labels[i].value = eq ? eq + 1 : "";
                m->info.nlabels++;
        }
        return 0;
}

static void meta_host(struct meta *m, const struct collect *c, const struct collect_opts *o,
                      const char *version, const char *note, uint64_t tsc_khz)
{
        struct session_host *h = &m->info.host;

        gethostname(m->hostname, sizeof(m->hostname) - 1);
        m->cpu = cpu_model();
        h->hostname = m->hostname;
        h->cpu_model = m->cpu;
        h->cpus = sysconf(_SC_NPROCESSORS_ONLN);
        if (uname(&m->u) == 0) {
                h->os = m->u.sysname;
                h->kernel = m->u.release;
                h->arch = m->u.machine;
        }
        h->qemu_binary = c->qemu;
        h->qemu_version = version;
        h->accel = c->accel;
        h->accel_requested = qemu_accel_name(o->accel);
        h->accel_note = note;
        h->tsc_khz = tsc_khz;
}

static void meta_settings(struct meta *m, const struct collect_opts *o)
{
        m->info.settings = (struct session_settings){
            .runs = o->runs,
            .warmup = o->warmup,
            .timeout_s = o->timeout_s,
            .retries = o->retries,
            .interleave = o->interleave,
            .append = o->append,
            .bare_append = o->bare_append,
            .qemu_args = o->extra,
            .nqemu_args = o->nextra,
        };
}

/* Write o->out/session.json for c->v (command lines set). Returns 0 or
 * -errno (an ERROR event said why). */
static int write_session(struct collect *c, const struct collect_opts *o, const char *version,
                         const char *note, uint64_t tsc_khz)
{
        struct meta m = {0};
        int ret = -ENOMEM;

        session_new_id(m.id);
        utc_now(m.created);
        m.info.id = m.id;
        m.info.created = m.created;
        m.info.tool_name = "bootlens";
        m.info.tool_version = BOOTLENS_VERSION;
        meta_host(&m, c, o, version, note, tsc_khz);
        meta_settings(&m, o);
        m.variants = calloc(c->nv, sizeof(*m.variants));
        m.store = calloc(c->nv, sizeof(*m.store));
        if (!m.variants || !m.store || meta_labels(&m, o) < 0 || make_plan(&m, o, c->nv) < 0)
                goto out_nomem;
        m.info.variants = m.variants;
        for (size_t i = 0; i < c->nv; i++) {
                m.info.nvariants++;
                ret = variant_info(c, i, &m.store[i], &m.variants[i]);
                if (ret < 0)
                        goto out;
                ret = variant_image(&m, i);
                if (ret < 0)
                        goto out_nomem;
        }
        ret = session_create(o->out, &m.info);
        if (ret < 0)
                say_error(c, "cannot create session '%s': '%s/session.json': %s", o->out, o->out,
                          strerror(-ret));
        goto out;
out_nomem:
        say_error(c, "out of memory");
        c->bad_input = false;
out:
        meta_free(&m);
        return ret;
}

/* Create the session for a fresh collection. Returns 0 or -errno (with
 * c->bad_input set when the error concerns the options or their files). */
static int new_session(struct collect *c, const struct collect_opts *o)
{
        struct session_variant def = {.name = "default"};
        const struct session_variant *sv = o->nvariants ? o->variants : &def;
        size_t nsv = o->nvariants ? o->nvariants : 1;
        char *version = NULL, why[256] = "", err[256];
        const char *note;
        uint64_t tsc_khz = 0;
        char **cmdlines = NULL;
        int ret;

        ret = preflight(c, o, sv, nsv);
        if (ret == 0)
                ret = find_qemu(c, o->qemu, NULL);
        if (ret < 0)
                return ret;
        ret = qemu_version(c->qemu, &version);
        if (ret < 0) {
                say_error(c, "cannot run '%s --version': %s", c->qemu, strerror(-ret));
                return -EINVAL;
        }
        ret = -ENOMEM;
        cmdlines = calloc(nsv, sizeof(*cmdlines));
        if (!cmdlines || variants_from_opts(c, o, sv, nsv) < 0)
                goto out_nomem;
        ret = choose_accel(c, o, &sv[0], version, why, sizeof(why), &note);
        if (ret < 0)
                goto out;
        /* Under TCG the guest TSC runs at the host's rate: tell Linux. */
        if (strcmp(c->accel, "tcg") != 0 || hosttsc_khz(&tsc_khz) < 0)
                tsc_khz = 0;
        for (size_t i = 0; i < nsv; i++) {
                const char *kernel = sv[i].kernel ? sv[i].kernel : o->kernel;

                ret = check_append_remove(c, o, &sv[i], kernel, tsc_khz);
                if (ret < 0)
                        goto out;
                cmdlines[i] = cmdline_for(o, &sv[i], kernel, tsc_khz);
                if (!cmdlines[i])
                        goto out_nomem;
                c->v[i].cmdline = cmdlines[i];
        }
        ret = write_session(c, o, version, note, tsc_khz);
        if (ret < 0)
                goto out;
        if (session_open(o->out, &c->s, err, sizeof(err)) < 0) {
                say_error(c, "%s", err);
                ret = -EINVAL;
                goto out;
        }
        /* From here on, everything comes from session.json, as on resume. */
        free_variant_cfgs(c);
        ret = variants_from_session(c) < 0 ? -EINVAL : 0;
        goto out;
out_nomem:
        say_error(c, "out of memory");
        c->bad_input = false;
        ret = -ENOMEM;
out:
        for (size_t i = 0; cmdlines && i < nsv; i++)
                free(cmdlines[i]);
        free(cmdlines);
        free(version);
        return ret < 0 ? ret : 0;
}

/* The files of every variant must be the ones the session began with.
 * Returns 0 or -EINVAL. */
static int check_unchanged(struct collect *c)
{
        const struct session_info *in = session_info(c->s);

        for (size_t i = 0; i < in->nvariants; i++) {
                const struct session_file *f[] = {&in->variants[i].kernel, &in->variants[i].initrd};
                const char *what[] = {"kernel", "initrd"};

                for (int k = 0; k < 2; k++) {
                        char hex[65];
                        uint64_t size;
                        int ret;

                        if (!f[k]->path)
                                continue;
                        ret = session_file_sha256(f[k]->path, hex, &size);
                        if (ret < 0) {
                                say_error(c, "cannot open %s '%s': %s", what[k], f[k]->path,
                                          strerror(-ret));
                                return -EINVAL;
                        }
                        if (!f[k]->sha256 || strcmp(f[k]->sha256, hex) != 0) {
                                say_error(c,
                                          "%s '%s' changed since the session began (sha256 %s, "
                                          "now %s)",
                                          what[k], f[k]->path, f[k]->sha256 ? f[k]->sha256 : "?",
                                          hex);
                                return -EINVAL;
                        }
                }
        }
        return 0;
}

/* Open o->out for --resume. Returns 0 or -EINVAL (an input error). */
static int resume_session(struct collect *c, const struct collect_opts *o)
{
        const struct session_info *in;
        enum qemu_accel accel;
        char err[512] = "";
        int ret;

        ret = session_open(o->out, &c->s, err, sizeof(err));
        if (ret < 0) {
                if (ret == -ENOENT)
                        say_error(c, "cannot resume '%s': no session.json there", o->out);
                else
                        say_error(c, "%s", err[0] ? err : strerror(-ret));
                return -EINVAL;
        }
        in = session_info(c->s);
        if (!in->host.accel) {
                say_error(c, "'%s/session.json': no host.accel", o->out);
                return -EINVAL;
        }
        if (qemu_accel_parse(in->host.accel, &accel) < 0 || accel == QEMU_ACCEL_AUTO) {
                say_error(c, "'%s/session.json': host.accel is not one of kvm, hvf, nvmm, tcg",
                          o->out);
                return -EINVAL;
        }
        c->accel = qemu_accel_name(accel);
        /* session_open() checked the settings against the command line's
         * ranges; 0 is "not recorded". */
        c->timeout_ns =
            (in->settings.timeout_s ? in->settings.timeout_s : COLLECT_DEFAULT_TIMEOUT_S) *
            1000000000ull;
        c->retries = (unsigned)in->settings.retries;
        if (find_qemu(c, o->qemu, in->host.qemu_binary) < 0 || variants_from_session(c) < 0)
                return -EINVAL;
        return check_unchanged(c);
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

/* Lock the session, clean up after an interrupted writer and name the
 * variants in res. Returns 0 or -errno (an ERROR event said why). */
static int start_loop(struct collect *c, int *lock_fd, struct collect_result *res)
{
        int ret = session_lock(c->dir, lock_fd);

        if (ret < 0) {
                say_error(c, "cannot lock session '%s': %s", c->dir,
                          ret == -EBUSY ? "another bootlens collect is using it" : strerror(-ret));
                c->bad_input = true;
                return ret;
        }
        session_clean_temp(c->dir);
        res->variants = calloc(c->nv, sizeof(*res->variants));
        if (!res->variants)
                goto out_nomem;
        res->nvariants = c->nv;
        for (size_t i = 0; i < c->nv; i++) {
                res->variants[i].name = strdup(c->v[i].name);
                if (!res->variants[i].name)
                        goto out_nomem;
        }
        return 0;
out_nomem:
        say_error(c, "out of memory");
        return -ENOMEM;
}

/* Run files outside the plan (e.g. a stray runs/0099.json) are not
 * runs of this session: say so, once each. */
static void warn_strays(struct collect *c, unsigned total)
{
        unsigned *runs = NULL;
        int n = session_list_strays(c->s, &runs);

        for (int i = 0; i < n; i++)
                say(c, COLLECT_EV_WARNING,
                    "'%s/runs/%04u.json' is not in the plan (runs 1 to %u): ignored", c->dir,
                    runs[i], total);
        free(runs);
}

/* Count what is on disk, not what a loop saw before it stopped: res->done
 * and each variant's ok runs from the recorded run files (older runs of a
 * resume and this call's alike); with failures, also c->failures (a
 * failed run recorded before counts as one). Returns 0, -EINVAL when a
 * run file is malformed or not the planned run, -ENOMEM (an ERROR event
 * said which). */
static int tally(struct collect *c, struct collect_result *res, bool failures)
{
        res->done = 0;
        for (size_t i = 0; i < res->nvariants; i++)
                res->variants[i].ok = 0;
        for (unsigned run = 1; run <= res->total; run++) {
                struct session_run rec;
                char err[512] = "";
                size_t vi;
                bool warmup;
                int ret;

                if (session_plan(c->s, run, &vi, &warmup) < 0 || !session_run_done(c->s, run))
                        continue;
                ret = session_run_read(c->s, run, &rec, err, sizeof(err));
                if (ret < 0) {
                        if (ret == -ENOMEM)
                                say_error(c, "out of memory");
                        else
                                say_error(c, "%s (move it away to boot run %u again)",
                                          err[0] ? err : strerror(-ret), run);
                        return ret;
                }
                res->done++;
                if (rec.verdict == SESSION_OK)
                        res->variants[vi].ok++;
                else if (failures && rec.verdict != SESSION_WARMUP)
                        c->failures++;
                session_run_free(&rec);
        }
        return 0;
}

/* The plan cut into rounds: a round is a stretch of consecutive planned
 * runs with no variant twice and one kind (warm-up or measured), so that
 * an interleaved plan's round is one run of each variant (its warm-ups
 * rounds of their own) and a plan without interleaving has rounds of one
 * run. round_end[i] is the last run of round i. */
struct rounds {
        unsigned *end;
        size_t n, next; /* next: the round the next free slot takes */
};

static int make_rounds(struct collect *c, unsigned total, struct rounds *rd)
{
        bool *seen = calloc(c->nv ? c->nv : 1, sizeof(*seen));
        bool warm = false;

        memset(rd, 0, sizeof(*rd));
        rd->end = calloc(total ? total : 1, sizeof(*rd->end));
        if (!seen || !rd->end) {
                free(seen);
                free(rd->end);
                return -ENOMEM;
        }
        for (unsigned run = 1; run <= total; run++) {
                size_t vi;
                bool warmup;

                if (session_plan(c->s, run, &vi, &warmup) < 0)
                        continue;
                if (rd->n && (seen[vi] || warmup != warm)) {
                        memset(seen, 0, c->nv * sizeof(*seen));
                        rd->n++;
                }
                if (!rd->n)
                        rd->n = 1;
                seen[vi] = true;
                warm = warmup;
                rd->end[rd->n - 1] = run;
        }
        free(seen);
        return 0;
}

/* What the slots share while they run the plan. */
struct loop {
        struct collect *c;
        struct collect_result *res;
        struct rounds rd;
        bool halt; /* a slot failed on the host side: the others stop too */
};

struct slot {
        struct loop *l;
        int id;  /* -1: the only one (-j 1), nothing pinned or recorded */
        int ino; /* the inotify instance its boots share (-1: none yet) */
};

/* Whether the slots should take no new run. Call with the lock held. */
static bool loop_stopping(struct loop *l)
{
        struct collect *c = l->c;

        if (c->stop && *c->stop)
                l->res->stopped = true;
        return l->res->stopped || l->halt;
}

/* Boot the planned runs first..last not yet recorded, in order, in slot
 * sl, until one is stopped or fails on the host side. */
static void run_round(struct slot *sl, unsigned first, unsigned last)
{
        struct loop *l = sl->l;
        struct collect *c = l->c;

        for (unsigned run = first; run <= last; run++) {
                enum run_outcome out;
                struct session_run rec;
                size_t vi;
                bool warmup, stop;

                if (session_plan(c->s, run, &vi, &warmup) < 0)
                        continue;
                if (session_run_done(c->s, run))
                        continue; /* counted by tally() */
                pthread_mutex_lock(&c->lock);
                stop = loop_stopping(l);
                pthread_mutex_unlock(&c->lock);
                if (stop)
                        return;
                progress(c, COLLECT_EV_RUN_START, run, l->res->total, c->v[vi].name, NULL);
                out = do_run(c, run, vi, warmup, sl->id, &sl->ino, &rec);
                pthread_mutex_lock(&c->lock);
                if (out == RUN_RECORDED)
                        l->res->recorded++;
                else if (out == RUN_INTERRUPTED)
                        l->res->stopped = true;
                else
                        l->res->host_error = l->halt = true;
                pthread_mutex_unlock(&c->lock);
                if (out == RUN_RECORDED)
                        progress(c, COLLECT_EV_RUN_DONE, run, l->res->total, c->v[vi].name, &rec);
                session_run_free(&rec);
                if (out != RUN_RECORDED)
                        return;
        }
}

/* A slot: take the next round whole until there is none or the loop
 * stops. Its QEMU is always reaped before a round ends, so a slot's
 * thread outlives its QEMU (PR_SET_PDEATHSIG, collector/runner.h). */
static void *slot_main(void *arg)
{
        struct slot *sl = arg;
        struct loop *l = sl->l;

        for (;;) {
                unsigned first, last;
                size_t i;

                pthread_mutex_lock(&l->c->lock);
                i = loop_stopping(l) ? l->rd.n : l->rd.next;
                if (i < l->rd.n)
                        l->rd.next++;
                pthread_mutex_unlock(&l->c->lock);
                if (i >= l->rd.n)
                        break;
                first = i ? l->rd.end[i - 1] + 1 : 1;
                last = l->rd.end[i];
                run_round(sl, first, last);
        }
        if (sl->ino >= 0)
                close(sl->ino);
        return NULL;
}

/* Boot every planned run not yet recorded: in the caller's thread with
 * one slot, else in c->jobs threads that take the rounds in turn.
 * Returns 0 or -errno (an ERROR event said why; nothing was booted). */
static int run_plan(struct collect *c, struct collect_result *res)
{
        struct loop l = {.c = c, .res = res};
        struct slot one = {&l, -1, -1}, *slots = NULL;
        pthread_t *tids = NULL;
        unsigned started = 0;
        int ret = 0;

        if (make_rounds(c, res->total, &l.rd) < 0) {
                say_error(c, "out of memory");
                return -ENOMEM;
        }
        if (c->jobs <= 1) {
                slot_main(&one);
                goto out;
        }
        slots = calloc(c->jobs, sizeof(*slots));
        tids = calloc(c->jobs, sizeof(*tids));
        if (!slots || !tids) {
                say_error(c, "out of memory");
                ret = -ENOMEM;
                goto out;
        }
        for (unsigned k = 0; k < c->jobs; k++) {
                int e;

                slots[k] = (struct slot){&l, (int)k, -1};
                e = pthread_create(&tids[k], NULL, slot_main, &slots[k]);
                if (e) {
                        say_error(c, "cannot start slot %u: %s", k, strerror(e));
                        pthread_mutex_lock(&c->lock);
                        res->host_error = l.halt = true;
                        pthread_mutex_unlock(&c->lock);
                        break;
                }
                started++;
        }
        for (unsigned k = 0; k < started; k++)
                pthread_join(tids[k], NULL);
out:
        free(tids);
        free(slots);
        free(l.rd.end);
        return ret;
}

/* c->jobs and c->cpus from jobs: slot k on the k-th CPU the collector may
 * run on; more slots than such CPUs are capped with a note. Returns 0 or
 * -errno (an ERROR event said why). */
static int plan_slots(struct collect *c, unsigned jobs)
{
        cpu_set_t set;
        unsigned avail;

        c->jobs = jobs ? jobs : 1;
        if (c->jobs > COLLECT_MAX_JOBS) {
                say_error(c, "-j: %u is not a number from 1 to %d", c->jobs, COLLECT_MAX_JOBS);
                c->bad_input = true;
                return -EINVAL;
        }
        if (c->jobs == 1)
                return 0;
        c->bad_input = false;
        if (sched_getaffinity(0, sizeof(set), &set) < 0) {
                int e = errno;

                say_error(c, "cannot read the CPUs bootlens may run on: %s", strerror(e));
                return -e;
        }
        avail = (unsigned)CPU_COUNT(&set);
        if (avail < c->jobs) {
                say(c, COLLECT_EV_NOTE, "-j %u: bootlens may run on %u CPU%s; using -j %u", c->jobs,
                    avail, avail == 1 ? "" : "s", avail ? avail : 1);
                c->jobs = avail ? avail : 1;
                if (c->jobs == 1)
                        return 0;
        }
        c->cpus = calloc(c->jobs, sizeof(*c->cpus));
        if (!c->cpus) {
                say_error(c, "out of memory");
                return -ENOMEM;
        }
        for (int cpu = 0, k = 0; cpu < CPU_SETSIZE && k < (int)c->jobs; cpu++)
                if (CPU_ISSET(cpu, &set))
                        c->cpus[k++] = cpu;
        return 0;
}

int collect_run(const struct collect_opts *o, struct collect_result *res)
{
        struct collect c = {0};
        int lock_fd = -1, ret;

        memset(res, 0, sizeof(*res));
        pthread_mutex_init(&c.lock, NULL);
        c.dir = o->out;
        c.timeout_ns = o->timeout_s * 1000000000ull;
        c.retries = (unsigned)o->retries;
        c.stop = o->stop;
        c.event = o->event;
        c.user = o->user;
        c.bad_input = true;
        ret = plan_slots(&c, o->jobs);
        if (ret < 0)
                goto out;
        c.bad_input = true;
        ret = o->resume ? resume_session(&c, o) : new_session(&c, o);
        if (ret < 0)
                goto out;
        c.bad_input = false;
        ret = start_loop(&c, &lock_fd, res);
        if (ret < 0)
                goto out;
        res->total = (unsigned)session_planned_runs(c.s);
        warn_strays(&c, res->total);
        c.bad_input = true;
        ret = tally(&c, res, true);
        if (ret < 0)
                goto out;
        c.bad_input = false;
        ret = run_plan(&c, res);
        if (ret == 0)
                ret = tally(&c, res, false);
out:
        res->bad_input = ret < 0 && c.bad_input;
        if (lock_fd >= 0)
                close(lock_fd);
        free_variant_cfgs(&c);
        session_free(c.s);
        free(c.qemu);
        free(c.cpus);
        pthread_mutex_destroy(&c.lock);
        return ret;
}
