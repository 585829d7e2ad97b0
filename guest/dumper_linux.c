/*
 * dumper_linux: the Linux path of bootlens-dumper (see dumper_os.h).
 *
 * As /init: mount proc, sysfs, devtmpfs and tracefs; load the modules
 * listed in /etc/bootlens/modules (finit_module, in the listed order, which
 * the initramfs builder made dependency order); wait for /dev/hvc0; read
 * the kernel log (klogctl), the ftrace buffer when asked, /proc/uptime,
 * /proc/cmdline; frame it all onto hvc0 in raw mode (falling back to
 * ttyS0, then /dev/console, and naming the one used in the begin line);
 * then print a "poweroff" (or "exec-init") marker and power off.
 *
 * As /init of a bare image (DUMPER_POWEROFF_FILE present, "bootlens guest
 * initrd --poweroff"): mount /proc and /sys and power off at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "guest/dumper_os.h"

#define SYSLOG_ACTION_READ_ALL    3
#define SYSLOG_ACTION_CONSOLE_OFF 6
#define SYSLOG_ACTION_CONSOLE_ON  7
#define SYSLOG_ACTION_SIZE_BUFFER 10
#define MODULE_LIST               "/etc/bootlens/modules"
#define DEFAULT_WAIT_MS           5000

/* Settings from the kernel command line (bootlens.KEY=VALUE). */
struct cmdline {
        char *text;            /* /proc/cmdline, owned, verbatim */
        char *words;           /* a copy cut into words; the pointers below point here */
        const char *init;      /* bootlens.init=PATH */
        const char *console;   /* bootlens.console=DEV */
        int ftrace;            /* bootlens.ftrace=0|1; -1: unset */
        bool kallsyms;         /* bootlens.kallsyms=1: send /proc/kallsyms */
        bool boot_tracing;     /* ftrace= / trace_event= / ftrace_boot_snapshot given */
        unsigned long wait_ms; /* bootlens.wait_ms=N */
        const char *halt;      /* bootlens.halt=poweroff|reboot; NULL: by ACPI */
};

static void parse_cmdline(struct cmdline *c)
{
        char *save = NULL, *w;
        size_t len;

        memset(c, 0, sizeof(*c));
        c->ftrace = -1;
        c->wait_ms = DEFAULT_WAIT_MS;
        if (util_read_file("/proc/cmdline", &c->text, &len) < 0)
                return;
        c->words = strdup(c->text);
        if (!c->words)
                return;
        for (w = strtok_r(c->words, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
                uint64_t v;

                if (strncmp(w, "bootlens.init=", 14) == 0)
                        c->init = w + 14;
                else if (strncmp(w, "bootlens.console=", 17) == 0)
                        c->console = w + 17;
                else if (strncmp(w, "bootlens.ftrace=", 16) == 0)
                        c->ftrace = strcmp(w + 16, "0") != 0;
                else if (strncmp(w, "bootlens.halt=", 14) == 0)
                        c->halt = w + 14;
                else if (strncmp(w, "bootlens.kallsyms=", 18) == 0)
                        c->kallsyms = strcmp(w + 18, "0") != 0;
                else if (strncmp(w, "bootlens.wait_ms=", 17) == 0 &&
                         util_parse_u64(w + 17, 10, &v) == 0)
                        c->wait_ms = (unsigned long)v;
                else if (strncmp(w, "ftrace=", 7) == 0 || strncmp(w, "trace_event=", 12) == 0 ||
                         strcmp(w, "ftrace_boot_snapshot") == 0)
                        c->boot_tracing = true;
        }
}

static void log_step(struct sbuf *log, const char *what, const char *obj, int err, uint64_t t0)
{
        sbuf_addf(log, "%s %s %s %llu\n", what, obj, err ? strerror(err) : "ok",
                  (unsigned long long)(dumper_uptime_ns() - t0));
}

static void mount_all(struct sbuf *log)
{
        static const struct {
                const char *src, *dir, *type;
        } fs[] = {
            {"proc", "/proc", "proc"},
            {"sysfs", "/sys", "sysfs"},
            {"devtmpfs", "/dev", "devtmpfs"},
            {"tracefs", "/sys/kernel/tracing", "tracefs"},
        };

        for (size_t i = 0; i < UTIL_ARRAY_SIZE(fs); i++) {
                uint64_t t0 = dumper_uptime_ns();
                int err = 0;

                mkdir(fs[i].dir, 0755);
                if (mount(fs[i].src, fs[i].dir, fs[i].type, MS_NOSUID | MS_NOEXEC, NULL) != 0)
                        err = errno;
                if (err != EBUSY)
                        log_step(log, "mount", fs[i].dir, err, t0);
        }
}

/*
 * The parameters the kernel command line gives module NAME ("NAME.p=v"
 * words; '-' and '_' alike), as finit_module wants them: "p=v p2=v2". The
 * kernel applies such words itself only to built-in code; for a loadable
 * module, modprobe passes them, and so do we. QEMU's microvm without ACPI
 * names its virtio-mmio devices this way (virtio_mmio.device=...).
 */
static int module_params(const char *cmdline, const char *path, struct sbuf *out)
{
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        size_t n = strcspn(base, ".");
        const char *p = cmdline;
        int ret = 0;

        sbuf_reset(out);
        while (*p && !ret) {
                size_t wlen;
                bool same = true;

                p += strspn(p, " \t\n");
                wlen = strcspn(p, " \t\n");
                if (wlen <= n + 1 || p[n] != '.' || p[n + 1] == '=')
                        same = false;
                for (size_t i = 0; same && i < n; i++) {
                        char a = p[i] == '-' ? '_' : p[i], b = base[i] == '-' ? '_' : base[i];
                        same = a == b;
                }
                if (same) {
                        if (out->len)
                                ret = sbuf_addch(out, ' ');
                        if (!ret)
                                ret = sbuf_add(out, p + n + 1, wlen - n - 1);
                }
                p += wlen;
        }
        return ret;
}

/* Load each module named in the list; a module already loaded is fine. */
static void load_modules(const char *cmdline, struct sbuf *log)
{
        struct sbuf params = SBUF_INIT;
        char *list, *line, *save = NULL;
        size_t len;

        if (util_read_file(MODULE_LIST, &list, &len) < 0)
                return;
        for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                uint64_t t0 = dumper_uptime_ns();
                int fd, err = 0;

                fd = open(line, O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        err = errno;
                } else if (module_params(cmdline ? cmdline : "", line, &params) < 0) {
                        err = ENOMEM;
                        close(fd);
                } else {
                        if (syscall(SYS_finit_module, fd, params.buf, 0) != 0 && errno != EEXIST)
                                err = errno;
                        close(fd);
                }
                log_step(log, "module", line, err, t0);
                if (params.len)
                        sbuf_addf(log, "params %s\n", params.buf);
        }
        sbuf_release(&params);
        free(list);
}

static int read_klog(char **buf, size_t *len)
{
        int size, n;

        size = klogctl(SYSLOG_ACTION_SIZE_BUFFER, NULL, 0);
        if (size < 0)
                return -errno;
        if (size == 0)
                size = 1 << 20;
        *buf = malloc((size_t)size + 1);
        if (!*buf)
                return -ENOMEM;
        n = klogctl(SYSLOG_ACTION_READ_ALL, *buf, size);
        if (n < 0) {
                free(*buf);
                return -errno;
        }
        (*buf)[n] = '\0';
        *len = (size_t)n;
        return 0;
}

/* "N.NNN MHz" (the kernel's "%lu.%03lu MHz") at s, as Hz; 0 if not. */
static uint64_t parse_mhz(const char *s)
{
        const char *p = s, *end = s + strnlen(s, 64);
        uint64_t khz;

        if (util_scan_fixed(&p, end, 1000, &khz) < 0 || strncmp(p, " MHz", 4) != 0 ||
            khz > UINT64_MAX / 1000)
                return 0;
        return khz * 1000u;
}

/* The figure after the last occurrence of key in the kernel log. */
static uint64_t klog_mhz(const char *log, const char *key)
{
        const char *p = log, *hit = NULL;

        while ((p = strstr(p, key)) != NULL) {
                hit = p;
                p += strlen(key);
        }
        return hit ? parse_mhz(hit + strlen(key)) : 0;
}

/* "tsc: Detected N.NNN MHz TSC" (not "... MHz processor"). */
static uint64_t klog_tsc_line(const char *log)
{
        const char *p = log;
        uint64_t hz = 0;

        while ((p = strstr(p, "tsc: Detected ")) != NULL) {
                const char *eol = strchr(p, '\n');
                const char *tsc = strstr(p, " MHz TSC");

                if (tsc && (!eol || tsc < eol))
                        hz = parse_mhz(p + 14);
                p += 14;
        }
        return hz;
}

static void tsc_frequency(struct dumper_report *r, const char *klog)
{
        char *text = NULL;
        size_t len;
        uint64_t khz;

        if (util_read_file("/sys/devices/system/cpu/cpu0/tsc_freq_khz", &text, &len) == 0) {
                text[strcspn(text, "\n")] = '\0';
                if (util_parse_u64(text, 10, &khz) == 0 && khz) {
                        free(text);
                        r->tsc_freq = khz * 1000u;
                        r->tsc_freq_src = "sysfs";
                        return;
                }
        }
        free(text);
        if (!klog) {
                r->tsc_freq = dumper_cpuid_tsc_hz(&r->tsc_freq_src);
                return;
        }
        /* Best first: the refined calibration (printed about a second into
         * the boot, if the boot lasted that long), then "Detected N MHz TSC"
         * (printed only when it differs from the CPU clock), then
         * "Detected N MHz processor" (tsc_early_khz= or the early guess). */
        r->tsc_freq = klog_mhz(klog, "tsc: Refined TSC clocksource calibration: ");
        r->tsc_freq_src = "dmesg-refined";
        if (!r->tsc_freq) {
                r->tsc_freq = klog_tsc_line(klog);
                r->tsc_freq_src = "dmesg-detected-tsc";
        }
        if (!r->tsc_freq) {
                r->tsc_freq = klog_mhz(klog, "tsc: Detected ");
                r->tsc_freq_src = "dmesg-detected";
        }
        if (!r->tsc_freq)
                r->tsc_freq = dumper_cpuid_tsc_hz(&r->tsc_freq_src);
}

static void add_file_section(struct dumper_report *r, const char *name, const char *path,
                             struct sbuf *log)
{
        char *data;
        size_t len;
        int ret;

        ret = util_read_file(path, &data, &len);
        if (ret < 0) {
                sbuf_addf(log, "read %s %s\n", path, strerror(-ret));
                return;
        }
        dumper_add_section(r, name, data, len);
}

/* /proc/kallsyms verbatim, read after the begin line (its 3.6 MB take a
 * third of a second under TCG: not boot time), with kptr_restrict lowered
 * to 0 first when it can be (as root with CAP_SYSLOG, kptr_restrict=1
 * shows the addresses too; 2 hides them from everyone). Addresses that
 * stay hidden read as zeros: the section still goes out and the host says
 * "hidden". */
static void add_kallsyms_section(struct dumper_report *r, struct sbuf *log)
{
        static const char path[] = "/proc/sys/kernel/kptr_restrict";
        int fd = open(path, O_WRONLY | O_CLOEXEC), ret;

        ret = fd < 0 ? -errno : util_write_full(fd, "0\n", 2);
        if (ret < 0)
                sbuf_addf(log, "write %s %s\n", path, strerror(-ret));
        if (fd >= 0)
                close(fd);
        dumper_add_late_section(r, "kallsyms", "/proc/kallsyms");
}

static void add_copy_section(struct dumper_report *r, const char *name, const char *data,
                             size_t len)
{
        char *copy = malloc(len + 1);

        if (!copy)
                return;
        memcpy(copy, data, len);
        copy[len] = '\0';
        dumper_add_section(r, name, copy, len);
}

/* Open the dump's console: the one asked for, else hvc0 (waiting for the
 * virtio_console driver to create it), else ttyS0, else /dev/console. */
static int open_dump_console(const char *want, unsigned long wait_ms, const char **name,
                             struct sbuf *log)
{
        static const char *const fallbacks[] = {"/dev/hvc0", "/dev/ttyS0", "/dev/console"};
        uint64_t deadline = dumper_uptime_ns() + (uint64_t)wait_ms * 1000000u;
        int fd;

        if (want) {
                struct sbuf path = SBUF_INIT;

                if (strcmp(want, "-") == 0) {
                        *name = "stdout";
                        return dup(STDOUT_FILENO);
                }
                if (sbuf_addf(&path, "%s%s", want[0] == '/' ? "" : "/dev/", want) < 0)
                        return -ENOMEM;
                fd = open(path.buf, O_WRONLY | O_NOCTTY | O_CLOEXEC);
                if (fd < 0)
                        fd = -errno;
                else
                        *name = dumper_console_name(want);
                sbuf_release(&path);
                return fd;
        }
        for (;;) {
                fd = open(fallbacks[0], O_WRONLY | O_NOCTTY | O_CLOEXEC);
                if (fd >= 0 || dumper_uptime_ns() >= deadline)
                        break;
                nanosleep(&(struct timespec){0, 5000000}, NULL);
        }
        if (fd >= 0) {
                *name = "hvc0";
                return fd;
        }
        sbuf_addf(log, "console /dev/hvc0 %s\n", strerror(errno));
        for (size_t i = 1; i < UTIL_ARRAY_SIZE(fallbacks); i++) {
                fd = open(fallbacks[i], O_WRONLY | O_NOCTTY | O_CLOEXEC);
                if (fd >= 0) {
                        *name = fallbacks[i] + 5;
                        return fd;
                }
        }
        return -errno;
}

/*
 * How to end the VM. Power-off needs ACPI; QEMU's -M microvm,acpi=off has
 * none, and the kernel would only halt, leaving QEMU running. A reboot
 * (triple fault at worst) ends QEMU when it runs with -no-reboot, so that
 * is the choice without ACPI. bootlens.halt=poweroff|reboot overrides.
 */
static int halt_command(const struct cmdline *c)
{
        if (c->halt && strcmp(c->halt, "reboot") == 0)
                return RB_AUTOBOOT;
        if (c->halt && strcmp(c->halt, "poweroff") == 0)
                return RB_POWER_OFF;
        return access("/sys/firmware/acpi", F_OK) == 0 ? RB_POWER_OFF : RB_AUTOBOOT;
}

int dumper_os_open_console(const char *console)
{
        int fd;

        if (console && strcmp(console, "-") == 0)
                return STDOUT_FILENO;
        fd = open(console ? console : "/dev/hvc0", O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (fd < 0 && console)
                return -errno;
        if (fd < 0)
                return STDOUT_FILENO;
        dumper_console_raw(fd, NULL, NULL);
        return fd;
}

int dumper_os_poweroff(void)
{
        struct cmdline c;
        int how;

        /* /proc for the command line's bootlens.halt=, /sys for ACPI;
         * nothing else: the boot this ends is the one without bootlens. */
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC, NULL);
        mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NOEXEC, NULL);
        parse_cmdline(&c);
        how = halt_command(&c);
        free(c.text);
        free(c.words);
        reboot(how);
        return -errno;
}

int dumper_os_run(const struct dumper_opts *o)
{
        struct dumper_report r = {.os = "linux", .fields = SBUF_INIT};
        struct sbuf log = SBUF_INIT;
        struct cmdline c;
        struct utsname u;
        struct termios saved;
        bool had_tty = false;
        uint64_t t0 = dumper_uptime_ns();
        char *klog = NULL;
        size_t klog_len = 0;
        uint64_t t_step;
        int fd, ret, how = RB_POWER_OFF;
        bool ftrace, console_off;

        if (o->as_init)
                mount_all(&log);
        parse_cmdline(&c);
        if (o->as_init)
                load_modules(c.text, &log);
        ftrace = o->ftrace || c.ftrace == 1 || (c.ftrace == -1 && c.boot_tracing);
        how = halt_command(&c);
        t_step = dumper_uptime_ns();
        fd = open_dump_console(o->console ? o->console : c.console, c.wait_ms, &r.console, &log);
        if (fd < 0) {
                ret = fd;
                goto out_free;
        }
        log_step(&log, "console", r.console, 0, t_step);
        ret = dumper_console_raw(fd, &saved, &had_tty);
        if (ret < 0)
                sbuf_addf(&log, "raw %s %s\n", r.console, strerror(-ret));

        t_step = dumper_uptime_ns();
        ret = read_klog(&klog, &klog_len);
        log_step(&log, "klogctl", "read_all", ret < 0 ? -ret : 0, t_step);
        tsc_frequency(&r, klog);
        if (o->as_init)
                dumper_add_field(&r, "init_start_ns", "%llu", (unsigned long long)t0);
        if (uname(&u) == 0)
                dumper_add_field(&r, "kernel", "%s", u.release);
        if (klog)
                dumper_add_section(&r, "dmesg", klog, klog_len);
        add_file_section(&r, "uptime", "/proc/uptime", &log);
        if (c.text)
                add_copy_section(&r, "cmdline", c.text, strlen(c.text));
        if (ftrace) {
                add_file_section(&r, "ftrace", "/sys/kernel/tracing/trace", &log);
        }
        if (c.kallsyms)
                add_kallsyms_section(&r, &log);
        /* Kernel messages printed on the same console in the middle of the
         * dump would break its byte count (seen on the ttyS0 fallback with
         * initcall_debug): keep printk off the consoles while writing. */
        console_off = klogctl(SYSLOG_ACTION_CONSOLE_OFF, NULL, 0) == 0;
        if (!console_off)
                sbuf_addf(&log, "klogctl console_off %s\n", strerror(errno));
        sbuf_addf(&log, "collected %llu\n", (unsigned long long)(dumper_uptime_ns() - t0));
        add_copy_section(&r, "dumper", log.buf, log.len);
        ret = dumper_write(fd, &r);
        if (ret == 0)
                tcdrain(fd);
        if (console_off)
                klogctl(SYSLOG_ACTION_CONSOLE_ON, NULL, 0);
        if (o->as_init && c.init) {
                dumper_write_mark(fd, "exec-init");
                dumper_console_restore(fd, &saved, had_tty);
                close(fd);
                fd = -1;
                execv(c.init, (char *[]){(char *)c.init, NULL});
                fprintf(stderr, "bootlens-dumper: cannot run '%s': %s\n", c.init, strerror(errno));
        } else if (o->poweroff) {
                dumper_write_mark(fd, how == RB_POWER_OFF ? "poweroff" : "reboot");
                tcdrain(fd);
        }
        if (fd >= 0) {
                dumper_console_restore(fd, &saved, had_tty);
                close(fd);
        }
out_free:
        dumper_report_free(&r);
        sbuf_release(&log);
        free(c.text);
        free(c.words);
        /* Process 1 must not exit (the kernel would panic): power off even
         * when the dump failed; the host sees a missing or bad dump. */
        if (o->poweroff) {
                if (ret < 0)
                        fprintf(stderr, "bootlens-dumper: %s\n", strerror(-ret));
                sync();
                reboot(how);
                ret = -errno;
        }
        return ret;
}
