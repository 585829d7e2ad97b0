/* diagnose: see diagnose.h and docs/diagnose.md. */
#include "analyzer/diagnose.h"

#include <errno.h>
#include <stdarg.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "guest/vmlinux.h"

#define LOG_LINE_MAX 300 /* bytes of a log line kept as evidence */

/* ---- the rules ---- */

static const char *const calib_fns[] = {
    "calibrate_*",  "*_calibrate*",     "init_TSC", "DELAY",
    "delay_tsc",    "udelay",           "__udelay", "__const_udelay",
    "i8254_delay*", "lapic_calibrate*", NULL};
static const char *const calib_logs[] = {"tsc: Fast TSC calibration",    "Calibrating delay loop",
                                         "tsc: PIT calibration matches", "calibrating APIC timer",
                                         "TSC: PIT calibration",         NULL};
static const char *const console_linux_fns[] = {"serial8250_*", "univ8250_*", "serial_*", "uart_*",
                                                NULL};
static const char *const console_bsd_fns[] = {"_vprintf", "vprintf", "kprintf", "printf",
                                              "cnputc",   "cnputs",  "cnputc*", "uart_*",
                                              "ns8250*",  "comcn*",  "com_*",   NULL};
static const char *const console_logs[] = {"console [ttyS", "Serial: 8250/16550 driver", NULL};
static const char *const bus_fns[] = {"pci_*",          "pcibios_*", "pcie_*",   "acpi_*",
                                      "pnpacpi_*",      "pnp_*",     "*_acpi_*", "AcpiInitialize*",
                                      "AcpiLoadTables", "pcib_*",    NULL};
static const char *const bus_logs[] = {"ACPI: Interpreter enabled",
                                       "PCI: Using host bridge",
                                       "ACPI: PCI Root Bridge",
                                       "acpi0: <",
                                       "pci0: <",
                                       NULL};
static const char *const selftest_fns[] = {"crypto_*",    "cryptomgr*",  "alg_test*", "test_*",
                                           "*_selftest*", "*self_test*", NULL};
static const char *const selftest_logs[] = {"alg: self-tests", "alg: No test for", NULL};
static const char *const modules_bsd_fns[] = {"linker_load*",   "link_elf_load*", "kern_kldload",
                                              "linker_preload", "module_init*",   NULL};

const struct diag_rule diag_rules[] = {
    {.id = "calibration",
     .title = "calibration loops and busy waits",
     .family = DIAG_ANY,
     .check = DIAG_CHECK_CALIBRATION,
     .source = "NetBSD's micro-VM boot work (\"removing calibration loops and DELAY()\"); Linux "
               "Documentation/admin-guide/kernel-parameters.txt (tsc_early_khz=, lpj=)",
     .threshold = "a calibration log line (not \"(skipped)\"), or calibration/DELAY functions "
                  ">= 0.5 ms and >= 0.5% of the whole",
     .cause = "the kernel measures the TSC, the LAPIC timer or a delay loop against the PIT, or "
              "busy-waits in DELAY()/udelay(): under emulation every PIT read is a VM exit",
     .fix = "give the rates: tsc_early_khz=HOST_KHZ and lpj=N (Linux); a paravirtual clock "
            "(kvmclock, the hypervisor's TSC leaf); remove DELAY() from probes (BSD)",
     .saving = "the matched functions' medians; for a log line the printk time since the line "
               "before it (not estimated when both are stamped 0.000000)",
     .fns = calib_fns,
     .logs = calib_logs,
     .min_share = 0.005},
    {.id = "console-uart",
     .title = "console output to an emulated UART",
     .family = DIAG_ANY,
     .check = DIAG_CHECK_CONSOLE,
     .source = "NetBSD's micro-VM boot work (the console over VirtIO); QEMU "
               "docs/system/i386/microvm.rst (virtio-mmio console); Linux kernel-parameters.txt "
               "(quiet, console=, 8250.nr_uarts=)",
     .threshold = "Linux: the console on ttyS (command line or \"console [ttyS\") and 8250/UART "
                  "functions >= 0.5 ms; BSD: printf/console functions >= 0.5 ms and >= 1% of "
                  "the whole (self time)",
     .cause = "every byte to an emulated 16550 is a trapped port write; the 8250 driver probes "
              "every port it is told of; without quiet every printk reaches the UART",
     .fix = "quiet; the console on virtio (console=hvc0, -device virtconsole); 8250.nr_uarts=1 "
            "or no UART at all (BSD: boot_mute, the console on vtcon)",
     .saving = "the matched functions' medians",
     .logs = console_logs,
     .min_share = 0.0},
    {.id = "bus-enumeration",
     .title = "bus enumeration (PCI, ACPI) where MMIO devices would do",
     .family = DIAG_ANY,
     .check = DIAG_CHECK_FUNCTIONS,
     .source = "QEMU docs/system/i386/microvm.rst (acpi=off, virtio-mmio devices); NetBSD's "
               "micro-VM boot work (no PCI: VirtIO over MMIO); Linux kernel-parameters.txt "
               "(pci=off, acpi=off)",
     .threshold = "PCI/ACPI functions >= 0.5 ms and >= 1% of the whole",
     .cause = "the kernel interprets ACPI tables (AML) and scans PCI buses that a micro-VM with "
              "virtio-mmio devices does not need",
     .fix = "-M microvm,acpi=off (the devices on the command line), pci=off, or a kernel built "
            "without PCI and ACPI",
     .knob = "qemu+=-M microvm,acpi=off",
     .saving = "the matched functions' medians",
     .fns = bus_fns,
     .logs = bus_logs,
     .min_share = 0.01},
    {.id = "bzimage-pvh",
     .title = "decompressing a bzImage whose ELF has a PVH entry",
     .family = DIAG_LINUX,
     .check = DIAG_CHECK_PVH,
     .source = "NetBSD's micro-VM boot work (a PVH entry); QEMU docs/system/i386/microvm.rst "
               "(an uncompressed ELF through the PVH entry)",
     .threshold = "the firmware+entry phase >= 0.5 ms and >= 5% of the whole, and the kernel a "
                  "bzImage whose vmlinux has a Xen PHYS32_ENTRY note",
     .cause = "the bzImage's decompressor unpacks the kernel before it runs; QEMU can jump to the "
              "vmlinux's PVH entry and skip it",
     .fix = "boot the vmlinux (bootlens guest vmlinux BZIMAGE -o vmlinux; -kernel vmlinux)",
     .knob = "kernel=@vmlinux",
     .saving = "up to the firmware+entry phase's median (the firmware's own part stays)",
     .min_share = 0.05},
    {.id = "self-tests",
     .title = "crypto and other self-tests at boot",
     .family = DIAG_ANY,
     .check = DIAG_CHECK_FUNCTIONS,
     .source = "Linux kernel-parameters.txt (cryptomgr.notests); Linux crypto/Kconfig "
               "(CONFIG_CRYPTO_MANAGER_DISABLE_TESTS)",
     .threshold = "crypto/self-test functions >= 0.5 ms and >= 1% of the whole",
     .cause = "the crypto manager tests every algorithm it registers (alg: self-tests), and "
              "some modules test themselves at init",
     .fix = "cryptomgr.notests on the command line, or CONFIG_CRYPTO_MANAGER_DISABLE_TESTS=y",
     .knob = "append+=cryptomgr.notests",
     .saving = "the matched functions' medians (an upper bound: a module's own self-test may "
               "not obey cryptomgr.notests)",
     .fns = selftest_fns,
     .logs = selftest_logs,
     .min_share = 0.01},
    {.id = "modules",
     .title = "module loading from the initramfs",
     .family = DIAG_ANY,
     .check = DIAG_CHECK_MODULES,
     .source = "NetBSD's micro-VM boot work (a slim kernel configuration); Linux Kconfig "
               "(CONFIG_VIRTIO_MMIO=y, CONFIG_VIRTIO_CONSOLE=y)",
     .threshold = "Linux: module initcalls (\" [MOD]\") >= 0.5 ms; BSD: kernel linker "
                  "functions >= 0.5 ms",
     .cause = "drivers the boot needs are modules: user space finds, reads, relocates and "
              "inserts them before their initcalls run",
     .fix = "build them in (CONFIG_VIRTIO_MMIO=y, CONFIG_VIRTIO_CONSOLE=y, ...; BSD: device "
            "lines in the kernel configuration instead of loader-loaded modules)",
     .saving = "Linux: the time from Run /init to the last module initcall's return, less the "
               "module initcalls themselves (they still run when built in); BSD: the matched "
               "functions' medians",
     .fns = modules_bsd_fns},
    {.id = "printk-lag",
     .title = "the printk clock's early lag",
     .family = DIAG_LINUX,
     .check = DIAG_CHECK_PRINTK_LAG,
     .source = "analyzer/stitch.h (the printk lag); Linux kernel-parameters.txt (tsc_early_khz=, "
               "printk.time)",
     .threshold = "the printk lag phase >= 0.5 ms and >= 5% of the whole",
     .cause = "the early kernel's printk clock runs on jiffies (or stands at 0.000000) until "
              "sched_clock is marked stable: that much boot has no timestamps to attribute",
     .fix = "an early TSC clock: tsc_early_khz=HOST_KHZ (and tsc=reliable under TCG), so the "
            "early part is timed",
     .saving = "none by itself: the lag hides boot time, the fix makes it visible",
     .min_share = 0.05},
    {.id = "outsized",
     .title = "an outsized function or phase",
     .family = DIAG_ANY,
     .check = DIAG_CHECK_GENERAL,
     .source = "bootlens (docs/diagnose.md)",
     .threshold = "a function (self time for tslog) >= 10% of the whole or >= 20% of its phase, "
                  "or a phase >= 40% of the whole that the other findings explain less than "
                  "half of; >= 0.5 ms",
     .cause = "no specific rule explains it",
     .fix = "look at it: bootlens analyze --top, plot timeline, a function_graph trace",
     .saving = "unknown until it is looked at"},
};
const size_t diag_nrules = sizeof(diag_rules) / sizeof(diag_rules[0]);

const struct diag_rule *diag_rule_find(const char *id)
{
        for (size_t i = 0; i < diag_nrules; i++)
                if (!strcmp(diag_rules[i].id, id))
                        return &diag_rules[i];
        return NULL;
}

const char *diag_family_name(enum diag_family f)
{
        return f == DIAG_LINUX ? "linux" : f == DIAG_BSD ? "bsd" : "any";
}

const char *diag_severity_name(enum diag_severity s)
{
        static const char *const names[] = {"info", "low", "medium", "high"};
        return s <= DIAG_HIGH ? names[s] : "info";
}

/* ---- the kernel file ---- */

void diag_kernel_inspect(const char *path, struct diag_kernel *k)
{
        struct vmlinux_info vi;
        struct vmlinux_elf e;
        void *img = NULL, *out = NULL;
        size_t len = 0, out_len = 0;
        int err;

        memset(k, 0, sizeof(*k));
        if (!path) {
                snprintf(k->why, sizeof(k->why), "no kernel recorded");
                return;
        }
        if (vmlinux_elf_inspect_file(path, &e) == 0) {
                k->inspected = k->elf = true;
                k->pvh = e.pvh;
                return;
        }
        err = util_read_file(path, (char **)&img, &len);
        if (err < 0) {
                snprintf(k->why, sizeof(k->why), "%.100s: %.80s", path, strerror(-err));
                return;
        }
        memset(&vi, 0, sizeof(vi));
        err = vmlinux_extract_mem(img, len, &out, &out_len, &vi);
        free(img);
        free(out);
        if (err == -ENOEXEC && !vi.bz.protocol) {
                k->inspected = true; /* neither a bzImage nor an ELF */
                return;
        }
        if (err < 0) {
                snprintf(k->why, sizeof(k->why), "%.100s: %.80s", path,
                         vi.why[0] ? vi.why : strerror(-err));
                return;
        }
        k->inspected = k->bzimage = true;
        k->pvh = vi.elf.pvh;
        snprintf(k->comp, sizeof(k->comp), "%s", vmlinux_comp_name(vi.bz.comp));
}

/* ---- helpers ---- */

static bool name_matches(const char *name, const char *const *pats)
{
        char word[256];
        const char *p = name;

        if (!pats)
                return false;
        while (*p) {
                size_t n = strcspn(p, " ");
                if (n && n < sizeof(word)) {
                        memcpy(word, p, n);
                        word[n] = '\0';
                        for (size_t i = 0; pats[i]; i++)
                                if (!fnmatch(pats[i], word, 0))
                                        return true;
                }
                p += n;
                p += strspn(p, " ");
        }
        return false;
}

static char *dup_bounded(const char *s, size_t n)
{
        char *d;

        if (n > LOG_LINE_MAX)
                n = LOG_LINE_MAX;
        d = malloc(n + 1);
        if (d) {
                memcpy(d, s, n);
                d[n] = '\0';
        }
        return d;
}

/* Line lineno (1-based) of the representative capture, malloc'd; NULL. */
static char *capture_line(const struct run *r, uint32_t lineno)
{
        const char *p = r->buf, *end = r->buf ? r->buf + r->len : NULL;

        if (!p || !lineno)
                return NULL;
        for (uint32_t l = 1; p < end; l++) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
                if (l == lineno) {
                        if (n && p[n - 1] == '\r')
                                n--;
                        return dup_bounded(p, n);
                }
                if (!nl)
                        break;
                p = nl + 1;
        }
        return NULL;
}

/* A Linux log line's printk stamp "[ S.U]" in ns; false when none. */
static bool line_stamp(const char *p, size_t n, uint64_t *ns)
{
        const char *b = memchr(p, '[', n), *end = p + n;
        uint64_t s = 0, us = 0;
        int digits = 0;

        if (!b)
                return false;
        for (b++; b < end && *b == ' '; b++)
                ;
        if (b >= end || *b < '0' || *b > '9')
                return false;
        for (; b < end && *b >= '0' && *b <= '9'; b++)
                s = s * 10 + (uint64_t)(*b - '0');
        if (b >= end || *b != '.')
                return false;
        for (b++; b < end && *b >= '0' && *b <= '9' && digits < 6; b++, digits++)
                us = us * 10 + (uint64_t)(*b - '0');
        if (digits != 6 || b >= end || *b != ']' || s > UINT64_MAX / 2000000000ull)
                return false;
        *ns = s * 1000000000ull + us * 1000ull;
        return true;
}

struct log_hit {
        uint32_t line;       /* first match, 0: none */
        char *text;          /* its text (owned) */
        size_t count;        /* lines that matched */
        bool has_gap;        /* a printk stamp before it and on it */
        uint64_t gap_ns;     /* its stamp minus the previous stamped line's */
        uint64_t zero_lines; /* lines stamped 0.000000 (printk lag's evidence) */
        uint32_t last_zero;  /* the last of them */
};

/* The lines of the capture holding one of pats (skip: a substring that
 * disqualifies a line, may be NULL): the first, or with widest the one
 * with the widest printk gap before it. Returns 0 or -ENOMEM. */
static int log_scan(const struct run *r, const char *const *pats, const char *skip, bool widest,
                    struct log_hit *h)
{
        const char *p = r->buf, *end = r->buf ? r->buf + r->len : NULL;
        uint64_t prev = 0, ns = 0;
        bool has_prev = false;

        memset(h, 0, sizeof(*h));
        if (!p)
                return 0;
        for (uint32_t l = 1; p < end; l++) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
                bool stamped = line_stamp(p, n, &ns);
                bool hit = false;

                if (n && p[n - 1] == '\r')
                        n--;
                for (size_t i = 0; pats && pats[i] && !hit; i++)
                        hit = memmem(p, n, pats[i], strlen(pats[i])) != NULL;
                if (hit && skip && memmem(p, n, skip, strlen(skip)))
                        hit = false;
                if (stamped && ns == 0) {
                        h->zero_lines++;
                        h->last_zero = l;
                }
                if (hit) {
                        bool gap = stamped && has_prev && ns >= prev;
                        if (!h->count ||
                            (widest && gap && (!h->has_gap || ns - prev > h->gap_ns))) {
                                free(h->text);
                                h->line = l;
                                h->text = dup_bounded(p, n);
                                if (!h->text)
                                        return -ENOMEM;
                                h->has_gap = gap;
                                h->gap_ns = gap ? ns - prev : 0;
                        }
                        h->count++;
                }
                if (stamped) {
                        prev = ns;
                        has_prev = true;
                }
                if (!nl)
                        break;
                p = nl + 1;
        }
        return 0;
}

/* The line of the first ENTER of function name ("name" or "name arg") in
 * the representative run; 0: none. */
static uint32_t enter_line(const struct run *r, const char *name)
{
        const struct ev_trace *t = &r->trace;

        for (size_t i = 0; i < t->nrecs; i++) {
                const struct ev_record *e = &t->recs[i];
                const char *n, *a;
                size_t nl;

                if (e->kind != EV_ENTER)
                        continue;
                n = ev_str(t, e->name);
                nl = strlen(n);
                if (strncmp(n, name, nl))
                        continue;
                a = e->arg ? ev_str(t, e->arg) : "";
                if ((!*a && !name[nl]) || (*a && name[nl] == ' ' && !strcmp(name + nl + 1, a)))
                        return e->line;
        }
        return 0;
}

static double phase_median(const struct aggregate *a, const char *phase)
{
        char name[160];
        const struct metric_series *s;

        if (!phase || snprintf(name, sizeof(name), "phase:%s", phase) >= (int)sizeof(name))
                return NAN;
        s = metrics_table_find(&a->table, name);
        return s && s->present ? s->median : NAN;
}

/* ---- the evaluation ---- */

struct ctx {
        const struct diag_input *in;
        struct diag_result *res;
        bool linux_run;
        bool *claimed;            /* one per aggregate metric */
        enum metric_kind fn_kind; /* fn: (Linux) or self: (tslog) */
};

static struct diag_finding *add_finding(struct ctx *c, const struct diag_rule *rule)
{
        struct diag_result *res = c->res;
        struct diag_finding *v = realloc(res->v, (res->n + 1) * sizeof(*v));

        if (!v)
                return NULL;
        res->v = v;
        memset(&v[res->n], 0, sizeof(v[0]));
        v[res->n].rule = rule;
        v[res->n].median_ns = v[res->n].share = v[res->n].phase_share = NAN;
        v[res->n].saving_ns = NAN;
        return &v[res->n++];
}

static double share_of(const struct ctx *c, double ns)
{
        return isfinite(c->res->whole_ns) && c->res->whole_ns > 0 ? ns / c->res->whole_ns : NAN;
}

/* Match the rule's functions (unclaimed metrics of the run's kind) into f
 * when f is not NULL, else only sum them. Returns the sum of medians. */
struct fn_match {
        double sum;
        size_t n;
        size_t top[DIAG_MAX_MATCHED];
        size_t ntop;
        const char *phase; /* the slowest one's */
};

static void match_fns(struct ctx *c, const char *const *pats, bool modules, struct fn_match *m)
{
        const struct aggregate *a = c->in->agg;

        memset(m, 0, sizeof(*m));
        for (size_t i = 0; i < a->n; i++) {
                const struct metric_series *s = a->v[i].s;
                const char *name = s->name + (c->fn_kind == METRIC_FN_SELF ? 5 : 3);

                if (c->claimed[i] || s->kind != c->fn_kind || !s->present)
                        continue;
                if (modules ? !strstr(name, " [") : !name_matches(name, pats))
                        continue;
                m->sum += s->median;
                if (m->ntop < DIAG_MAX_MATCHED)
                        m->top[m->ntop++] = i;
                if (!m->n)
                        m->phase = s->phase;
                m->n++;
        }
}

static void claim(struct ctx *c, const char *const *pats, bool modules)
{
        const struct aggregate *a = c->in->agg;

        for (size_t i = 0; i < a->n; i++) {
                const struct metric_series *s = a->v[i].s;
                const char *name = s->name + (c->fn_kind == METRIC_FN_SELF ? 5 : 3);
                if (s->kind == c->fn_kind &&
                    (modules ? strstr(name, " [") != NULL : name_matches(name, pats)))
                        c->claimed[i] = true;
        }
}

/* The finding's functions, evidence and log line from m and h. */
static int fill_fns(struct ctx *c, struct diag_finding *f, const struct fn_match *m,
                    struct log_hit *h)
{
        const struct aggregate *a = c->in->agg;

        f->nmatched = m->n;
        for (size_t k = 0; k < m->ntop; k++) {
                const struct metric_series *s = a->v[m->top[k]].s;
                f->matched[k] = strdup(s->name);
                if (!f->matched[k])
                        return -ENOMEM;
                f->nmatched_shown = k + 1;
        }
        if (m->n) {
                double ph = phase_median(a, m->phase);
                f->what = strdup(a->v[m->top[0]].s->name);
                f->median_ns = m->sum;
                f->share = share_of(c, m->sum);
                if (m->phase) {
                        f->phase = strdup(m->phase);
                        if (!f->phase)
                                return -ENOMEM;
                }
                if (isfinite(ph) && ph > 0)
                        f->phase_share = m->sum / ph;
        } else {
                f->what = strdup("log");
        }
        if (!f->what)
                return -ENOMEM;
        if (h && h->line) {
                f->log_line = h->text;
                h->text = NULL;
                f->log_lineno = h->line;
                f->log_count = h->count;
        } else if (m->n) {
                const char *fn = a->v[m->top[0]].s->name;
                fn += c->fn_kind == METRIC_FN_SELF ? 5 : 3;
                f->log_lineno = enter_line(c->in->rep, fn);
                f->log_line = capture_line(c->in->rep, f->log_lineno);
                if (f->log_line)
                        f->log_count = 1;
        }
        return 0;
}

static int set_note(struct diag_finding *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int set_note(struct diag_finding *f, const char *fmt, ...)
{
        char buf[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        f->note = strdup(buf);
        return f->note ? 0 : -ENOMEM;
}

static int set_knob(struct diag_finding *f, const char *knob)
{
        if (!knob)
                return 0;
        f->knob = strdup(knob);
        return f->knob ? 0 : -ENOMEM;
}

static bool enough(const struct ctx *c, double ns, double min_share)
{
        double s = share_of(c, ns);
        return isfinite(ns) && ns >= DIAG_MIN_NS && (!isfinite(s) || s >= min_share);
}

static int check_functions(struct ctx *c, const struct diag_rule *rule)
{
        struct fn_match m;
        struct log_hit h;
        struct diag_finding *f;
        int err;

        match_fns(c, rule->fns, false, &m);
        claim(c, rule->fns, false);
        if (!enough(c, m.sum, rule->min_share))
                return 0;
        err = log_scan(c->in->rep, rule->logs, NULL, false, &h);
        if (err)
                return err;
        f = add_finding(c, rule);
        err = f ? fill_fns(c, f, &m, &h) : -ENOMEM;
        free(h.text);
        if (err)
                return err;
        f->saving_ns = m.sum;
        if (!strcmp(rule->id, "self-tests") && c->in->cmdline &&
            util_has_word(c->in->cmdline, "cryptomgr.notests", true))
                return set_note(f, "cryptomgr.notests is already on the command line");
        return c->linux_run || !rule->knob || strncmp(rule->knob, "append", 6)
                   ? set_knob(f, c->linux_run ? rule->knob : NULL)
                   : 0;
}

static int check_calibration(struct ctx *c, const struct diag_rule *rule)
{
        struct fn_match m;
        struct log_hit h = {0};
        struct diag_finding *f;
        char knob[96] = "";
        const char *cl = c->in->cmdline;
        int err;

        match_fns(c, rule->fns, false, &m);
        claim(c, rule->fns, false);
        if (c->linux_run) {
                err = log_scan(c->in->rep, rule->logs, "(skipped)", true, &h);
                if (err)
                        return err;
        }
        if (!h.line && !enough(c, m.sum, rule->min_share)) {
                free(h.text);
                return 0;
        }
        f = add_finding(c, rule);
        err = f ? fill_fns(c, f, &m, &h) : -ENOMEM;
        free(h.text);
        if (err)
                return err;
        if (m.n && m.sum >= DIAG_MIN_NS) {
                f->saving_ns = m.sum;
        } else if (h.has_gap && h.gap_ns > 0) {
                f->median_ns = f->saving_ns = (double)h.gap_ns;
                f->share = share_of(c, f->median_ns);
                if (set_note(f, "timed by the printk stamps: %.3f ms since the line before",
                             f->median_ns / 1e6))
                        return -ENOMEM;
        } else if (h.line) {
                if (set_note(f, "stamped 0.000000 like the line before: its time lies in the "
                                "printk lag, not timed here"))
                        return -ENOMEM;
        }
        if (c->linux_run && (!cl || !strstr(cl, "tsc_early_khz=")) && c->in->host_tsc_khz)
                snprintf(knob, sizeof(knob), "append+=tsc_early_khz=%" PRIu64, c->in->host_tsc_khz);
        else if (c->linux_run && f->log_line && strstr(f->log_line, "Calibrating delay loop") &&
                 (!cl || !strstr(cl, "lpj="))) {
                const char *l = strstr(f->log_line, "lpj=");
                unsigned long long lpj;
                if (l && sscanf(l, "lpj=%llu", &lpj) == 1)
                        snprintf(knob, sizeof(knob), "append+=lpj=%llu", lpj);
        }
        return set_knob(f, *knob ? knob : NULL);
}

static int check_console(struct ctx *c, const struct diag_rule *rule)
{
        const char *const *pats = c->linux_run ? console_linux_fns : console_bsd_fns;
        const char *cl = c->in->cmdline;
        struct fn_match m;
        struct log_hit h = {0};
        struct diag_finding *f;
        bool uart;
        int err;

        match_fns(c, pats, false, &m);
        claim(c, pats, false);
        if (c->linux_run) {
                err = log_scan(c->in->rep, rule->logs, NULL, false, &h);
                if (err)
                        return err;
                uart = (cl && util_has_word(cl, "console=ttyS", true)) || h.line;
                if (!uart || !enough(c, m.sum, 0.0)) {
                        free(h.text);
                        return 0;
                }
        } else if (!enough(c, m.sum, 0.01)) {
                return 0;
        }
        f = add_finding(c, rule);
        err = f ? fill_fns(c, f, &m, &h) : -ENOMEM;
        free(h.text);
        if (err)
                return err;
        f->saving_ns = m.sum;
        if (!c->linux_run)
                return 0;
        if (cl && !util_has_word(cl, "quiet", true)) {
                if (set_note(f, "no quiet on the command line: every printk goes to the UART"))
                        return -ENOMEM;
                return set_knob(f, "append+=quiet");
        }
        return set_knob(f, "append+=8250.nr_uarts=1");
}

static int check_pvh(struct ctx *c, const struct diag_rule *rule)
{
        const struct diag_kernel *k = c->in->kernel;
        double ph = phase_median(c->in->agg, "firmware+entry");
        struct diag_finding *f;

        if (!c->linux_run || !k || !k->inspected || !k->bzimage || !k->pvh ||
            !enough(c, ph, rule->min_share))
                return 0;
        f = add_finding(c, rule);
        if (!f)
                return -ENOMEM;
        f->what = strdup("phase:firmware+entry");
        f->phase = strdup("firmware+entry");
        if (!f->what || !f->phase)
                return -ENOMEM;
        f->median_ns = f->saving_ns = ph;
        f->share = share_of(c, ph);
        f->phase_share = 1.0;
        if (set_note(f, "the kernel is a bzImage (%s) whose vmlinux has a PVH entry", k->comp))
                return -ENOMEM;
        return set_knob(f, rule->knob);
}

/* Linux: from Run /init to the last module initcall's return in the
 * representative run, in printk ns; false when unknown. */
static bool modules_span(const struct run *r, uint64_t *ns)
{
        const struct ev_trace *t = &r->trace;
        uint64_t last = 0;

        if (!r->dmesg.run_init_line)
                return false;
        for (size_t i = 0; i < t->nrecs; i++) {
                const struct ev_record *e = &t->recs[i];
                if (e->kind == EV_EXIT && strstr(ev_str(t, e->name), " [") && e->ts > last)
                        last = e->ts;
        }
        if (last <= r->dmesg.run_init_ns)
                return false;
        *ns = last - r->dmesg.run_init_ns;
        return true;
}

static int check_modules(struct ctx *c, const struct diag_rule *rule)
{
        struct fn_match m;
        struct diag_finding *f;
        uint64_t span;
        int err;

        match_fns(c, rule->fns, c->linux_run, &m);
        claim(c, rule->fns, c->linux_run);
        if (!enough(c, m.sum, 0.0))
                return 0;
        f = add_finding(c, rule);
        err = f ? fill_fns(c, f, &m, NULL) : -ENOMEM;
        if (err)
                return err;
        if (!c->linux_run) {
                f->saving_ns = m.sum;
                return 0;
        }
        if (modules_span(c->in->rep, &span)) {
                double load = (double)span - m.sum;
                f->saving_ns = load > 0 ? load : 0;
                return set_note(f,
                                "%zu module initcalls (%.3f ms) returned %.3f ms after Run /init "
                                "in the representative run: %.3f ms of loading",
                                m.n, m.sum / 1e6, (double)span / 1e6, f->saving_ns / 1e6);
        }
        return 0;
}

static int check_printk_lag(struct ctx *c, const struct diag_rule *rule)
{
        double ph = phase_median(c->in->agg, "printk lag");
        const struct run *r = c->in->rep;
        const char *cl = c->in->cmdline;
        struct log_hit h;
        struct diag_finding *f;
        char knob[64];
        int err;

        if (!c->linux_run || !enough(c, ph, rule->min_share))
                return 0;
        err = log_scan(r, NULL, NULL, false, &h);
        if (err)
                return err;
        f = add_finding(c, rule);
        if (!f)
                return -ENOMEM;
        f->what = strdup("phase:printk lag");
        f->phase = strdup("printk lag");
        if (!f->what || !f->phase)
                return -ENOMEM;
        f->median_ns = ph;
        f->share = share_of(c, ph);
        f->phase_share = 1.0;
        f->saving_ns = 0;
        if (r->dmesg.sched_stable_line) {
                f->log_lineno = r->dmesg.sched_stable_line;
                f->log_line = capture_line(r, f->log_lineno);
                f->log_count = 1;
        }
        if (h.zero_lines && set_note(f, "%" PRIu64 " lines stamped 0.000000 (the last at line %u)",
                                     h.zero_lines, h.last_zero))
                return -ENOMEM;
        if ((!cl || !strstr(cl, "tsc_early_khz=")) && c->in->host_tsc_khz) {
                snprintf(knob, sizeof(knob), "append+=tsc_early_khz=%" PRIu64, c->in->host_tsc_khz);
                return set_knob(f, knob);
        }
        return 0;
}

/* Time the first n findings put in phase. */
static double explained(const struct ctx *c, const char *phase, size_t n)
{
        double sum = 0;

        for (size_t i = 0; i < n; i++) {
                const struct diag_finding *f = &c->res->v[i];
                if (f->phase && !strcmp(f->phase, phase) && isfinite(f->median_ns))
                        sum += f->median_ns;
        }
        return sum;
}

static int check_general(struct ctx *c, const struct diag_rule *rule)
{
        const struct aggregate *a = c->in->agg;
        size_t nspecific = c->res->n;

        for (size_t i = 0; i < a->n; i++) {
                const struct metric_series *s = a->v[i].s;
                struct diag_finding *f;
                double share, ph, pshare = NAN;
                bool hit;

                if (!s->present || s->median < DIAG_MIN_NS)
                        continue;
                share = share_of(c, s->median);
                if (s->kind == METRIC_PHASE) {
                        double ex = explained(c, s->phase, nspecific);
                        /* a phase that is (nearly) the whole boot points at nothing */
                        hit = isfinite(share) && share >= DIAG_GENERAL_PHASE_SHARE &&
                              share <= DIAG_GENERAL_PHASE_MAX &&
                              ex < DIAG_GENERAL_EXPLAINED * s->median;
                        pshare = 1.0;
                } else if (s->kind == c->fn_kind && !c->claimed[i]) {
                        ph = phase_median(a, s->phase);
                        if (isfinite(ph) && ph > 0)
                                pshare = s->median / ph;
                        hit = (isfinite(share) && share >= DIAG_GENERAL_FN_SHARE) ||
                              (isfinite(pshare) && pshare >= DIAG_GENERAL_FN_PHASE);
                } else {
                        continue;
                }
                if (!hit)
                        continue;
                f = add_finding(c, rule);
                if (!f)
                        return -ENOMEM;
                f->what = strdup(s->name);
                if (!f->what || (s->phase && !(f->phase = strdup(s->phase))))
                        return -ENOMEM;
                f->median_ns = s->median;
                f->share = share;
                f->phase_share = pshare;
                if (s->kind != METRIC_PHASE) {
                        const char *fn = s->name + (c->fn_kind == METRIC_FN_SELF ? 5 : 3);
                        f->log_lineno = enter_line(c->in->rep, fn);
                        f->log_line = capture_line(c->in->rep, f->log_lineno);
                        f->log_count = f->log_line ? 1 : 0;
                } else if (set_note(f, "the other findings explain %.3f ms of it",
                                    explained(c, s->phase, nspecific) / 1e6)) {
                        return -ENOMEM;
                }
        }
        return 0;
}

static void score(const struct ctx *c, struct diag_finding *f)
{
        double s = share_of(c, f->saving_ns), evid = share_of(c, f->median_ns);

        f->score = isfinite(f->saving_ns) ? f->saving_ns / 1e6 : 0;
        if (f->rule->check == DIAG_CHECK_GENERAL)
                f->severity = isfinite(evid) && evid >= 0.25 ? DIAG_MEDIUM : DIAG_LOW;
        else if (!isfinite(f->saving_ns) || f->saving_ns <= 0)
                f->severity = DIAG_INFO;
        else if (isfinite(s) && s >= 0.10)
                f->severity = DIAG_HIGH;
        else if (isfinite(s) && s >= 0.02)
                f->severity = DIAG_MEDIUM;
        else
                f->severity = DIAG_LOW;
}

static int by_score(const void *pa, const void *pb)
{
        const struct diag_finding *a = pa, *b = pb;

        if (a->score != b->score)
                return a->score > b->score ? -1 : 1;
        if (a->rule != b->rule)
                return a->rule < b->rule ? -1 : 1;
        if (isfinite(a->median_ns) && isfinite(b->median_ns) && a->median_ns != b->median_ns)
                return a->median_ns > b->median_ns ? -1 : 1;
        return strcmp(a->what ? a->what : "", b->what ? b->what : "");
}

typedef int (*check_fn)(struct ctx *c, const struct diag_rule *rule);
static const check_fn checks[] = {
    [DIAG_CHECK_FUNCTIONS] = check_functions, [DIAG_CHECK_CALIBRATION] = check_calibration,
    [DIAG_CHECK_CONSOLE] = check_console,     [DIAG_CHECK_PVH] = check_pvh,
    [DIAG_CHECK_MODULES] = check_modules,     [DIAG_CHECK_PRINTK_LAG] = check_printk_lag,
    [DIAG_CHECK_GENERAL] = check_general,
};

int diag_run(const struct diag_input *in, struct diag_result *res)
{
        struct ctx c = {.in = in, .res = res};
        const struct metric_series *total;
        double guest;
        int err = 0;

        memset(res, 0, sizeof(*res));
        if (!in->agg || !in->rep)
                return -EINVAL;
        res->name = strdup(in->name ? in->name : "");
        if (!res->name)
                return -ENOMEM;
        if (in->rep_source && !(res->log_source = strdup(in->rep_source)))
                return -ENOMEM;
        res->os = in->rep->trace.os;
        res->nruns = in->nruns;
        res->whole_ns = NAN;
        c.linux_run = in->rep->kind == RUN_LINUX;
        c.fn_kind = c.linux_run ? METRIC_FN_TOTAL : METRIC_FN_SELF;
        total = metrics_table_find(&in->agg->table, "total");
        if (total && total->present) {
                res->has_total = true;
                res->whole_ns = total->median;
        } else if (ev_to_ns(&in->rep->trace, analysis_boot_span(&in->rep->analysis), &guest) &&
                   guest > 0) {
                res->whole_ns = guest;
        }
        if (c.linux_run && in->kernel && !in->kernel->inspected) {
                res->kernel_note = strdup(in->kernel->why);
                if (!res->kernel_note)
                        return -ENOMEM;
        }
        c.claimed = calloc(in->agg->n ? in->agg->n : 1, sizeof(*c.claimed));
        if (!c.claimed)
                return -ENOMEM;
        for (size_t i = 0; i < diag_nrules && !err; i++) {
                const struct diag_rule *rule = &diag_rules[i];
                if (rule->family == (c.linux_run ? DIAG_BSD : DIAG_LINUX))
                        continue;
                err = checks[rule->check](&c, rule);
        }
        free(c.claimed);
        if (err)
                return err;
        for (size_t i = 0; i < res->n; i++)
                score(&c, &res->v[i]);
        if (res->n > 1)
                qsort(res->v, res->n, sizeof(res->v[0]), by_score);
        return 0;
}

bool diag_result_exceeds(const struct diag_result *res, double threshold_ms)
{
        for (size_t i = 0; i < res->n; i++)
                if (res->v[i].score >= threshold_ms && res->v[i].score > 0)
                        return true;
        return false;
}

void diag_result_free(struct diag_result *res)
{
        if (!res)
                return;
        for (size_t i = 0; i < res->n; i++) {
                struct diag_finding *f = &res->v[i];
                free(f->what);
                free(f->phase);
                for (size_t k = 0; k < DIAG_MAX_MATCHED; k++)
                        free(f->matched[k]);
                free(f->log_line);
                free(f->note);
                free(f->knob);
        }
        free(res->v);
        free(res->name);
        free(res->log_source);
        free(res->kernel_note);
        memset(res, 0, sizeof(*res));
}
