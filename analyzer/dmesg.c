/* dmesg: see dmesg.h. */
#include "analyzer/dmesg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/fgraph.h"
#include "analyzer/idmap.h"
#include "base/sbuf.h"
#include "base/util.h"
#include "guest/framing.h"

/* An initcall whose "returned" line has not come yet. */
struct open_frame {
        uint64_t pid;
        uint32_t name;
        uint32_t line;
        size_t rec;          /* index of its ENTER record */
        uint64_t calling_ts; /* printk time of its "calling" line */
        uint64_t min_child;  /* earliest start of a probe inside it */
        uint64_t prev_end;   /* end of the frame before it on its thread */
        size_t prev_same;    /* 1 + index of the open frame of the same name below it, 0 = none */
        bool done;           /* returned; dropped once nothing above it is open */
};

/* The end of the last frame closed on a thread. */
struct parser {
        struct ev_trace *t;
        struct dmesg_meta *m;
        bool marks_inline; /* marks are handled while walking the log */
        bool precise;      /* the kernel's clocksource switch was seen */
        bool cmdline_initcall_debug;
        bool probe_thread_named;
        bool saw_calling;
        uint64_t first_ts;
        uint32_t first_line;
        /* Open initcalls in order of their "calling" lines; those that
         * returned stay as tombstones (done) until the ones above them
         * return, so that a "returned" line costs O(1), not a search (a
         * log of many unmatched lines was quadratic). */
        struct open_frame *open;
        size_t nopen, open_cap, nlive;
        size_t *last_open; /* by name id: 1 + index of its innermost open frame, 0 = none */
        size_t last_open_cap;
        struct idmap end_ids; /* thread -> index into ends */
        uint64_t *ends;       /* end of the last frame per thread, end_ids.n of them */
        size_t ends_cap;
        bool has_first_pid1;
        size_t first_pid1_rec; /* ENTER of the first initcall on PID 1 */
        bool has_last_exit;
        size_t last_exit_rec; /* EXIT of the last initcall before Run /init */
        struct sbuf name;     /* scratch for "SYM [MOD]" */
};

static bool starts(const char *s, const char *end, const char *prefix)
{
        size_t n = strlen(prefix);

        return (size_t)(end - s) >= n && memcmp(s, prefix, n) == 0;
}

/* A decimal number at *p (before end) into *v, *p moved past it; false
 * when there is none or it overflows (then *p is where it was). */
static bool scan_u64(const char **p, const char *end, uint64_t *v)
{
        const char *s = *p;

        if (util_scan_u64(&s, end, 10, 0, v) < 0)
                return false;
        *p = s;
        return true;
}

static const char *skip_spaces(const char *s, const char *end)
{
        while (s < end && *s == ' ')
                s++;
        return s;
}

/*
 * Parse an optional "<N>" level and a "[ SSSS.UUUUUU]" timestamp, then an
 * optional "[  T123]" caller field and one space. Returns a pointer to the
 * message and sets *ns, or NULL when the line carries no timestamp.
 */
/* A /dev/kmsg record: "PRI,SEQ,USEC,FLAGS[,...];MESSAGE". */
static const char *parse_kmsg(const char *s, const char *end, uint64_t *ns)
{
        uint64_t pri, seq, usec;
        const char *p = s, *semi;

        if (!scan_u64(&p, end, &pri) || p >= end || *p != ',')
                return NULL;
        p++;
        if (!scan_u64(&p, end, &seq) || p >= end || *p != ',')
                return NULL;
        p++;
        if (!scan_u64(&p, end, &usec) || p >= end || *p != ',')
                return NULL;
        semi = memchr(p, ';', (size_t)(end - p));
        if (!semi)
                return NULL;
        /* too big for ns: saturated, for the caller to refuse (UTIL_CLOCK_MAX) */
        *ns = usec > UINT64_MAX / 1000 ? UINT64_MAX : usec * 1000;
        return semi + 1;
}

static const char *parse_prefix(const char *s, const char *end, uint64_t *ns)
{
        const char *p = s, *stamp, *dot;

        if (p < end && *p >= '0' && *p <= '9')
                return parse_kmsg(s, end, ns);
        if (p < end && *p >= 'a' && *p <= 'z') { /* dmesg -x: "kern  :info  : [ ..." */
                const char *b =
                    memmem(p, (size_t)(end - p) < 24 ? (size_t)(end - p) : 24, ": [", 3);

                if (!b)
                        return NULL;
                p = b + 2;
        }
        if (p < end && *p == '<') {
                uint64_t level;

                p++;
                if (!scan_u64(&p, end, &level) || p >= end || *p != '>')
                        return NULL;
                p++;
        }
        if (p >= end || *p != '[')
                return NULL;
        p = skip_spaces(p + 1, end);
        stamp = p;
        if (util_scan_fixed(&p, end, 1000000000ull, ns) < 0)
                return NULL;
        dot = memchr(stamp, '.', (size_t)(p - stamp));
        if (!dot || dot + 1 == p || p >= end || *p != ']') /* "S.U]": a digit after the dot */
                return NULL;
        p++;
        if (p < end && *p == '[') { /* CONFIG_PRINTK_CALLER: "[    T1]" */
                const char *q = memchr(p, ']', (size_t)(end - p) < 16 ? (size_t)(end - p) : 16);

                if (q)
                        p = q + 1;
        }
        if (p < end && *p == ' ')
                p++;
        return p;
}

/* The end of the last frame on thread (0 when none yet), to update;
 * NULL on -ENOMEM. */
static uint64_t *thread_end(struct parser *p, uint64_t thread)
{
        bool added;
        int64_t k;

        if (p->end_ids.n == p->ends_cap) { /* room first: the map never names a missing end */
                size_t cap = p->ends_cap ? p->ends_cap * 2 : 16;
                uint64_t *e = realloc(p->ends, cap * sizeof(*e));

                if (!e)
                        return NULL;
                p->ends = e;
                p->ends_cap = cap;
        }
        k = idmap_get(&p->end_ids, thread, &added);
        if (k < 0)
                return NULL;
        if (added)
                p->ends[k] = 0;
        return &p->ends[k];
}

static int add_rec(struct parser *p, enum ev_kind kind, uint64_t ts, uint64_t thread, uint32_t name,
                   uint32_t arg, uint32_t line, size_t *index)
{
        struct ev_record r = {.ts = ts,
                              .thread = thread,
                              .name = name,
                              .arg = arg,
                              .line = line,
                              .kind = (uint8_t)kind};
        int64_t i = ev_add(p->t, &r);

        if (i < 0)
                return (int)i;
        if (index)
                *index = (size_t)i;
        return 0;
}

static int intern(struct parser *p, const char *s, size_t len, uint32_t *id)
{
        int64_t v = ev_intern(p->t, s, len);

        *id = 0;
        if (v < 0)
                return (int)v;
        *id = (uint32_t)v;
        return 0;
}

static int intern_str(struct parser *p, const char *s, uint32_t *id)
{
        return intern(p, s, strlen(s), id);
}

static int event(struct parser *p, const char *name, uint64_t ts, uint64_t thread, uint32_t arg,
                 uint32_t line)
{
        uint32_t id;
        int err = intern_str(p, name, &id);

        if (err)
                return err;
        return add_rec(p, EV_EVENT, ts, thread, id, arg, line, NULL);
}

/* A line refused: counted in lines_malformed, warned about while few. */
static int junk(struct parser *p, uint32_t line, const char *why)
{
        return ev_skip(p->t, &p->m->lines_malformed, line, "%s, line skipped", why);
}

/*
 * Read "SYM+0x0/0x20 [MOD]" at s into the interned name "SYM [MOD]" and
 * return the first byte after it, or NULL when there is no symbol.
 */
static const char *parse_symbol(struct parser *p, const char *s, const char *end, uint32_t *id,
                                int *err)
{
        const char *sym = skip_spaces(s, end), *q = sym, *plus = NULL;
        size_t symlen;

        while (q < end && *q != ' ') {
                if (*q == '+' && !plus && q + 2 < end && q[1] == '0' && q[2] == 'x')
                        plus = q;
                q++;
        }
        if (q == sym)
                return NULL;
        symlen = (size_t)((plus ? plus : q) - sym);
        if (symlen == 0)
                return NULL;
        sbuf_reset(&p->name);
        *err = sbuf_add(&p->name, sym, symlen);
        q = skip_spaces(q, end);
        if (!*err && q < end && *q == '[') {
                const char *close = memchr(q, ']', (size_t)(end - q));

                if (close) {
                        *err = sbuf_addch(&p->name, ' ');
                        if (!*err)
                                *err = sbuf_add(&p->name, q, (size_t)(close - q + 1));
                        q = skip_spaces(close + 1, end);
                }
        }
        if (!*err)
                *err = intern(p, p->name.buf, p->name.len, id);
        return *err ? NULL : q;
}

/* Parse "returned R after N usecs" at s. */
static bool parse_returned(const char *s, const char *end, uint64_t *usecs)
{
        uint64_t r;

        s = skip_spaces(s, end);
        if (!starts(s, end, "returned "))
                return false;
        s += 9;
        if (s < end && *s == '-')
                s++;
        if (!scan_u64(&s, end, &r))
                return false;
        if (!starts(s, end, " after "))
                return false;
        s += 7;
        if (!scan_u64(&s, end, usecs))
                return false;
        return starts(s, end, " usecs");
}

static int on_calling(struct parser *p, const char *s, const char *end, uint64_t ts, uint32_t line)
{
        struct open_frame *f;
        uint32_t name;
        uint64_t pid, *tend;
        size_t rec = 0;
        int err = 0;
        const char *q = parse_symbol(p, s, end, &name, &err);

        if (err)
                return err;
        if (!q || q >= end || *q != '@')
                return junk(p, line,
                            "malformed \"calling\" line: expected \"calling  SYMBOL @ PID\"");
        q = skip_spaces(q + 1, end);
        if (!scan_u64(&q, end, &pid) || q != end)
                return junk(p, line, "malformed \"calling\" line: bad PID");
        if (p->nopen == p->open_cap) {
                size_t cap = p->open_cap ? p->open_cap * 2 : 16;

                f = realloc(p->open, cap * sizeof(*f));
                if (!f)
                        return -ENOMEM;
                p->open = f;
                p->open_cap = cap;
        }
        if (name >= p->last_open_cap) {
                size_t cap = (size_t)name + 1 > 2 * p->last_open_cap ? (size_t)name + 1
                                                                     : 2 * p->last_open_cap;
                size_t *a = realloc(p->last_open, cap * sizeof(*a));

                if (!a)
                        return -ENOMEM;
                memset(a + p->last_open_cap, 0, (cap - p->last_open_cap) * sizeof(*a));
                p->last_open = a;
                p->last_open_cap = cap;
        }
        tend = thread_end(p, pid);
        if (!tend)
                return -ENOMEM;
        err = add_rec(p, EV_ENTER, ts, pid, name, 0, line, &rec);
        if (err)
                return err;
        f = &p->open[p->nopen++];
        *f = (struct open_frame){.pid = pid,
                                 .name = name,
                                 .line = line,
                                 .rec = rec,
                                 .calling_ts = ts,
                                 .min_child = UINT64_MAX,
                                 .prev_end = *tend,
                                 .prev_same = p->last_open[name]};
        p->last_open[name] = p->nopen;
        p->nlive++;
        if (pid == 1 && !p->has_first_pid1) {
                p->has_first_pid1 = true;
                p->first_pid1_rec = rec;
        }
        p->saw_calling = true;
        p->t->lines_records++;
        return 0;
}

static int on_returned(struct parser *p, const char *s, const char *end, uint64_t ts, uint32_t line)
{
        uint64_t usecs, dur, delta, start, *tend;
        struct open_frame f;
        uint32_t name;
        size_t i, rec = 0;
        int err = 0;
        const char *q = parse_symbol(p, s, end, &name, &err);

        if (err)
                return err;
        if (!q || !parse_returned(q, end, &usecs))
                return junk(p, line,
                            "malformed \"initcall\" line: expected \"initcall SYMBOL returned "
                            "R after N usecs\"");
        /* the innermost open frame of that name */
        i = name < p->last_open_cap ? p->last_open[name] : 0;
        if (i == 0)
                return ev_skip(p->t, &p->m->lines_malformed, line,
                               "initcall %s returned but its \"calling\" line is missing",
                               ev_str(p->t, name));
        f = p->open[i - 1];
        p->last_open[name] = f.prev_same;
        p->open[i - 1].done = true;
        p->nlive--;
        while (p->nopen && p->open[p->nopen - 1].done)
                p->nopen--;

        delta = ts >= f.calling_ts ? ts - f.calling_ts : 0;
        if (p->precise && usecs <= UINT64_MAX / 1000 && usecs * 1000 <= delta + 1000)
                dur = usecs * 1000;
        else
                dur = delta;
        start = ts >= dur ? ts - dur : 0;
        tend = thread_end(p, f.pid);
        if (!tend)
                return -ENOMEM;
        if (start < f.prev_end)
                start = f.prev_end;
        if (start > f.min_child)
                start = f.min_child;
        p->t->recs[f.rec].ts = start;
        err = add_rec(p, EV_EXIT, ts, f.pid, name, 0, line, &rec);
        if (err)
                return err;
        *tend = ts;
        p->m->initcalls++;
        p->t->lines_records++;
        if (!p->m->run_init_line) {
                p->has_last_exit = true;
                p->last_exit_rec = rec;
        }
        return 0;
}

static int on_probe(struct parser *p, const char *s, const char *end, uint64_t ts, uint32_t line)
{
        const char *ret = NULL, *q;
        uint64_t usecs, dur, start, thread = DMESG_PROBE_THREAD, *tend;
        struct open_frame *parent = p->nopen ? &p->open[p->nopen - 1] : NULL;
        uint32_t probe, dev;
        int err;

        for (q = s; q + 10 <= end; q++) /* the last " returned " */
                if (memcmp(q, " returned ", 10) == 0)
                        ret = q;
        if (!ret || ret == s || !parse_returned(ret, end, &usecs))
                return junk(p, line,
                            "malformed \"probe of\" line: expected \"probe of DEVICE returned R "
                            "after N usecs\"");
        err = intern_str(p, "probe", &probe);
        if (!err)
                err = intern(p, s, (size_t)(ret - s), &dev);
        if (err)
                return err;
        dur = usecs <= UINT64_MAX / 1000 ? usecs * 1000 : UINT64_MAX;
        start = ts >= dur ? ts - dur : 0;
        if (parent) {
                thread = parent->pid;
                if (start < parent->calling_ts)
                        start = parent->calling_ts;
        } else if (!p->probe_thread_named) {
                uint32_t tname;

                err = intern_str(p, "driver probes (thread unknown)", &tname);
                if (!err)
                        err = add_rec(p, EV_THREAD, start, thread, tname, 0, line, NULL);
                if (err)
                        return err;
                p->probe_thread_named = true;
        }
        tend = thread_end(p, thread);
        if (!tend)
                return -ENOMEM;
        if (start < *tend)
                start = *tend;
        if (start > ts)
                start = ts;
        err = add_rec(p, EV_ENTER, start, thread, probe, dev, line, NULL);
        if (!err)
                err = add_rec(p, EV_EXIT, ts, thread, probe, dev, line, NULL);
        if (err)
                return err;
        *tend = ts;
        if (parent && start < parent->min_child)
                parent->min_child = start;
        p->m->probes++;
        p->t->lines_records++;
        return 0;
}

/* printk time minus CLOCK_MONOTONIC, when the log said (0 to 10 s). */
static uint64_t monotonic_offset(const struct dmesg_meta *m)
{
        if (m->sched_stable_line && m->gtod_offset_ns >= 0 && m->gtod_offset_ns < 10000000000ll)
                return (uint64_t)m->gtod_offset_ns;
        return 0;
}

static int on_mark(struct parser *p, const char *s, size_t n, uint32_t line)
{
        char name[128];
        uint64_t uptime;
        struct sbuf ev = SBUF_INIT;
        uint32_t id;
        int err;

        if (framing_parse_mark(s, n, name, sizeof(name), &uptime) < 0)
                return ev_skip(p->t, &p->m->lines_malformed, line,
                               "malformed marker line, skipped");
        if (!uptime)
                return ev_skip(p->t, &p->m->lines_malformed, line,
                               "marker %s carries no uptime_ns, skipped", name);
        if (uptime > UTIL_CLOCK_MAX - monotonic_offset(p->m))
                return ev_skip(p->t, &p->m->lines_malformed, line,
                               "marker %s: uptime_ns out of range, skipped", name);
        err = sbuf_addf(&ev, "mark.%s", name);
        if (!err)
                err = intern(p, ev.buf, ev.len, &id);
        sbuf_release(&ev);
        if (!err)
                err = add_rec(p, EV_EVENT, uptime + monotonic_offset(p->m), 0, id, 0, line, NULL);
        if (err)
                return err;
        p->m->marks++;
        p->t->lines_records++;
        return 0;
}

/* Read a signed decimal. */
static bool scan_i64(const char **p, const char *end, int64_t *v)
{
        bool neg = *p < end && **p == '-';
        uint64_t u;

        if (neg)
                (*p)++;
        if (!scan_u64(p, end, &u) || u > INT64_MAX)
                return false;
        *v = neg ? -(int64_t)u : (int64_t)u;
        return true;
}

/* Skip the literal lit at *p; false when it is not there. */
static bool expect(const char **p, const char *end, const char *lit)
{
        if (!starts(*p, end, lit))
                return false;
        *p += strlen(lit);
        return true;
}

/* "(G, O)->(R, S)" after "sched_clock: Marking stable ". */
static int on_sched_stable(struct parser *p, const char *s, const char *end, uint32_t line)
{
        const int64_t lim = 1ll << 53;
        int64_t g, o, r, off;
        bool ok = scan_i64(&s, end, &g) && expect(&s, end, ", ") && scan_i64(&s, end, &o) &&
                  expect(&s, end, ")->(") && scan_i64(&s, end, &r) && expect(&s, end, ", ") &&
                  scan_i64(&s, end, &off);

        /* ns since boot, read at boot: a guest's numbers beyond 2^53 ns
         * (104 days) are garbage, and would overflow the sums below and
         * in stitching */
        if (ok && (g < -lim || g > lim || o < -lim || o > lim || r < -lim || r > lim))
                ok = false;
        if (!ok)
                return ev_warn(p->t, line, "malformed \"sched_clock: Marking stable\" line");
        p->m->sched_stable_line = line;
        p->m->sched_lag_ns = r - (g + o);
        p->m->gtod_offset_ns = o;
        return 0;
}

/* A "Linux version" line after others: forget the earlier boot. */
static int new_boot(struct parser *p, uint32_t line)
{
        struct dmesg_meta keep = *p->m;

        p->t->nrecs = 0;
        p->t->lines_records = 0;
        /* every name with an open frame: what is set in last_open (the
         * frames, not the whole table: a log of many reboots stays linear) */
        for (size_t k = 0; k < p->nopen; k++)
                if (p->open[k].name < p->last_open_cap)
                        p->last_open[p->open[k].name] = 0;
        p->nopen = 0;
        p->nlive = 0;
        idmap_clear(&p->end_ids);
        p->precise = false;
        p->probe_thread_named = false;
        p->saw_calling = false;
        p->cmdline_initcall_debug = false;
        p->has_first_pid1 = false;
        p->has_last_exit = false;
        p->first_line = line;
        p->first_ts = 0;
        memset(&p->m->lines_printk, 0, sizeof(*p->m) - offsetof(struct dmesg_meta, lines_printk));
        p->m->boots = keep.boots + 1;
        p->m->lines_printk = 1;
        return ev_warn(p->t, line,
                       "the log starts over here (\"Linux version\" after %u earlier lines: "
                       "a reboot, or console noise before the dump): only what follows is analysed",
                       line - 1);
}

/* Count a printk line; a "Linux version" line after others starts over. */
static int count_printk(struct parser *p, const char *msg, const char *end, uint64_t ts,
                        uint32_t line)
{
        if (starts(msg, end, "Linux version ") && p->m->lines_printk > 0) {
                int err = new_boot(p, line);

                if (err)
                        return err;
        } else {
                if (p->m->lines_printk == 0) {
                        p->first_ts = ts;
                        p->first_line = line;
                        p->m->boots = 1;
                }
                p->m->lines_printk++;
        }
        p->m->last_printk_ns = ts;
        return 0;
}

/* What the kernel says about its clocks. Returns 1 when msg was none of
 * that, else 0 or -ENOMEM. */
static int on_clock_message(struct parser *p, const char *msg, const char *end, uint32_t line)
{
        if (starts(msg, end, "clocksource: Switched to clocksource ")) {
                /* jiffies and refined-jiffies tick: ktime is coarse again */
                bool coarse = memmem(msg, (size_t)(end - msg), "jiffies", 7) != NULL;

                if (!p->precise && !coarse && !p->m->clocksource_line)
                        p->m->clocksource_line = line;
                p->precise = !coarse;
                return 0;
        }
        if (starts(msg, end, "tsc: Marking TSC unstable") && !p->m->tsc_unstable_line) {
                p->m->tsc_unstable_line = line;
                return ev_warn(p->t, line,
                               "the kernel marked its TSC unstable: later printk times and "
                               "initcall durations follow jiffies and lose time (under TCG, "
                               "boot with tsc=reliable)");
        }
        if (starts(msg, end, "sched_clock: Marking stable (") && !p->m->sched_stable_line)
                return on_sched_stable(p, msg + 29, end, line);
        return 1;
}

/* The command line and the milestones of the end of boot. s..end is the
 * whole line. */
static int on_boot_message(struct parser *p, const char *s, const char *msg, const char *end,
                           uint64_t ts, uint32_t line)
{
        if (starts(msg, end, "Kernel command line: ")) {
                for (const char *q = msg; q + 14 <= end; q++)
                        if (memcmp(q, "initcall_debug", 14) == 0)
                                p->cmdline_initcall_debug = true;
                return 0;
        }
        if ((starts(msg, end, "Freeing unused kernel image") ||
             starts(msg, end, "Freeing unused kernel memory")) &&
            !p->m->free_initmem_line) {
                p->m->free_initmem_line = line;
                p->m->free_initmem_ns = ts;
                p->t->lines_records++;
                return event(p, "kernel.free_initmem", ts, 1, 0, line);
        }
        if (starts(msg, end, "Run ") && end - s >= 20 &&
            memcmp(end - 16, " as init process", 16) == 0 && !p->m->run_init_line) {
                uint32_t path;
                int err = intern(p, msg + 4, (size_t)(end - 16 - (msg + 4)), &path);

                if (err)
                        return err;
                p->m->run_init_line = line;
                p->m->run_init_ns = ts;
                p->t->lines_records++;
                return event(p, "kernel.run_init", ts, 1, path, line);
        }
        return 0;
}

static int parse_line(struct parser *p, const char *s, size_t n, uint32_t line)
{
        const char *end, *msg;
        uint64_t ts;
        int err;

        if (n && s[n - 1] == '\r')
                n--;
        end = s + n;
        switch (framing_line_kind(s, n, NULL, NULL)) {
        case FRAMING_LINE_NONE:
                break;
        case FRAMING_LINE_MARK:
                return p->marks_inline ? on_mark(p, s, n, line) : 0;
        default:
                return 0;
        }
        msg = parse_prefix(s, n > 64 ? s + 64 : end, &ts);
        if (!msg)
                return 0;
        if (ts > UTIL_CLOCK_MAX)
                return junk(p, line, "printk timestamp out of range");
        if (n > DMESG_LINE_MAX) {
                char why[80];

                snprintf(why, sizeof(why), "kernel log line of %zu bytes (the limit is %u)", n,
                         DMESG_LINE_MAX);
                return junk(p, line, why);
        }
        if (util_has_control(s, n))
                return junk(p, line, "control byte (such as NUL) in a kernel log line");
        err = count_printk(p, msg, end, ts, line);
        if (err)
                return err;
        if (starts(msg, end, "calling "))
                return on_calling(p, msg + 8, end, ts, line);
        if (starts(msg, end, "initcall "))
                return on_returned(p, msg + 9, end, ts, line);
        if (starts(msg, end, "probe of "))
                return on_probe(p, msg + 9, end, ts, line);
        err = on_clock_message(p, msg, end, line);
        if (err <= 0)
                return err;
        return on_boot_message(p, s, msg, end, ts, line);
}

/* Walk the lines of buf[off..off+len), numbered from first_line. */
static int walk(struct parser *p, const char *buf, size_t len, uint32_t first_line,
                bool count_lines)
{
        const char *s = buf, *end = buf + len;
        uint32_t line = first_line;

        while (s < end) {
                const char *nl = memchr(s, '\n', (size_t)(end - s));
                size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
                int err = parse_line(p, s, n, line);

                if (err)
                        return err;
                if (count_lines)
                        p->t->lines_total++;
                line++;
                s = nl ? nl + 1 : end;
        }
        return 0;
}

/* Insert a copy of r at index i of the record array. */
static int insert_rec(struct parser *p, size_t i, const struct ev_record *r)
{
        int64_t last = ev_add(p->t, r);

        if (last < 0)
                return (int)last;
        memmove(&p->t->recs[i + 1], &p->t->recs[i], ((size_t)last - i) * sizeof(*r));
        p->t->recs[i] = *r;
        return 0;
}

static int milestone(struct parser *p, size_t at, const char *name, uint64_t ts, uint64_t thread)
{
        struct ev_record r = {.ts = ts, .thread = thread, .kind = EV_EVENT};
        int err = intern_str(p, name, &r.name);

        if (err)
                return err;
        r.line = at < p->t->nrecs ? p->t->recs[at].line : 0;
        return insert_rec(p, at, &r);
}

/* Add the derived milestones, highest index first so indices hold. */
static int add_milestones(struct parser *p)
{
        int err = 0;

        if (p->has_last_exit) {
                size_t i = p->last_exit_rec;

                p->m->last_initcall_ns = p->t->recs[i].ts;
                err = milestone(p, i + 1, "initcalls.end", p->m->last_initcall_ns, 1);
                if (!err)
                        p->t->recs[i + 1].line = p->t->recs[i].line;
        }
        if (!err && p->has_first_pid1) {
                size_t i = p->first_pid1_rec;

                p->m->first_initcall_ns = p->t->recs[i].ts;
                err = milestone(p, i, "initcalls.start", p->m->first_initcall_ns, 1);
        }
        if (!err && p->m->lines_printk)
                err = milestone(p, 0, "kernel.start", 0, 0);
        if (!err && p->t->nrecs)
                p->t->recs[0].line = p->first_line;
        return err;
}

/* A number of the begin line (framing_field_u64: at most UTIL_CLOCK_MAX).
 * Returns 1 when there, 0 when absent or refused (refused: warned, *err
 * set on -ENOMEM). */
static bool field_u64(struct parser *p, const char *buf, const struct framing_dump *d,
                      const char *key, uint64_t *v, int *err)
{
        int ret = framing_field_u64(buf, d, key, v);

        if (ret == -EINVAL || ret == -ERANGE) {
                int e = ev_warn(p->t, p->m->begin_line, "the begin line's %s= is %s, ignored", key,
                                ret == -ERANGE ? "out of range" : "not a number");
                if (e && !*err)
                        *err = e;
        }
        return ret == 0;
}

static uint32_t line_of(const char *buf, size_t off)
{
        uint32_t line = 1;

        for (size_t i = 0; i < off; i++)
                if (buf[i] == '\n')
                        line++;
        return line;
}

static const struct framing_section_ref *log_section(const struct framing_dump *d)
{
        static const char *const names[] = {"dmesg", "kmsg", "klog"};

        for (size_t i = 0; i < UTIL_ARRAY_SIZE(names); i++) {
                const struct framing_section_ref *s = framing_find_section(d, names[i]);

                if (s)
                        return s;
        }
        return NULL;
}

/* A function_graph trace: raw sched_clock, moved into printk time. */
static int parse_ftrace(struct parser *p, const char *buf, size_t len, uint32_t first_line)
{
        struct fgraph_meta fm;
        int64_t offset = p->m->sched_stable_line ? -p->m->sched_lag_ns : 0;
        int err = fgraph_parse(p->t, buf, len, first_line, offset, &fm);

        if (err)
                return err;
        p->m->ftrace_line = first_line;
        p->m->ftrace_calls = fm.calls;
        p->t->lines_records += fm.lines_entries;
        return 0;
}

static int parse_framed(struct parser *p, const char *buf, size_t len, struct framing_dump *d)
{
        const struct framing_section_ref *sec = log_section(d);
        struct dmesg_meta *m = p->m;
        int err;

        m->framed = true;
        m->begin_line = line_of(buf, d->begin_off);
        p->t->has_begin_marker = true;
        p->t->begin_marker_line = m->begin_line;
        p->t->has_end_marker = d->status != FRAMING_NO_END;
        if (p->t->has_end_marker)
                p->t->end_marker_line = line_of(buf, d->end_off);
        err = 0;
        m->has_uptime = field_u64(p, buf, d, "uptime_ns", &m->uptime_ns, &err);
        m->has_tsc = field_u64(p, buf, d, "tsc_now", &m->tsc_now, &err);
        m->has_tsc =
            field_u64(p, buf, d, "tsc_freq", &m->tsc_freq, &err) && m->has_tsc && m->tsc_freq > 0;
        if (err)
                return err;
        if (d->status != FRAMING_OK) {
                char why[160];

                err = ev_warn(p->t, m->begin_line, "%s", framing_describe(d, why, sizeof(why)));
                if (err)
                        return err;
        }
        if (!sec) {
                err = ev_warn(p->t, m->begin_line,
                              "the dump holds no kernel log section (dmesg): reading the whole "
                              "capture as a kernel log");
                p->marks_inline = true;
                if (!err)
                        err = walk(p, buf, len, 1, true);
                return err;
        }
        m->section_line = line_of(buf, sec->off) - 1;
        err = walk(p, buf + sec->off, sec->len, m->section_line + 1, false);
        if (err)
                return err;
        sec = framing_find_section(d, "ftrace");
        if (sec && fgraph_probe(buf + sec->off, sec->len)) {
                err = parse_ftrace(p, buf + sec->off, sec->len, line_of(buf, sec->off));
                if (err)
                        return err;
        }
        /* Marks may sit anywhere on the console; count every line. */
        p->marks_inline = true;
        {
                const char *s = buf, *end = buf + len;
                uint32_t line = 1;

                while (s < end) {
                        const char *nl = memchr(s, '\n', (size_t)(end - s));
                        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

                        p->t->lines_total++;
                        if (framing_line_kind(s, n, NULL, NULL) == FRAMING_LINE_MARK) {
                                err = on_mark(p, s, n, line);
                                if (err)
                                        return err;
                        }
                        line++;
                        s = nl ? nl + 1 : end;
                }
        }
        return 0;
}

static int finish(struct parser *p)
{
        struct dmesg_meta *m = p->m;
        uint64_t dump;
        int err = 0;

        err = ev_skip_summary(p->t, m->lines_malformed, "malformed kernel log lines");
        m->initcalls_open = p->nlive;
        if (!err && m->lines_printk && p->first_ts > 1000000000ull)
                err = ev_warn(p->t, p->first_line,
                              "the kernel log starts at %.6f s, not at boot: its buffer "
                              "overflowed (boot with a larger log_buf_len=)",
                              (double)p->first_ts / 1e9);
        if (!err && m->lines_printk && !p->saw_calling)
                err = ev_warn(p->t, 0,
                              p->cmdline_initcall_debug
                                  ? "no initcall lines although the kernel command line has "
                                    "initcall_debug: the log buffer may have overflowed "
                                    "(log_buf_len=)"
                                  : "no initcall lines: initcalls are shown only when the "
                                    "kernel boots with initcall_debug; phases only");
        if (!err)
                err = add_milestones(p);
        if (!err && m->lines_printk && dmesg_printk_at_dump(m, &dump))
                err = event(p, "dump.begin", dump, 0, 0, m->begin_line);
        return err;
}

bool dmesg_printk_at_dump(const struct dmesg_meta *m, uint64_t *ns)
{
        if (!m->has_uptime || m->uptime_ns > UTIL_CLOCK_MAX - monotonic_offset(m))
                return false; /* none, or a guest's garbage that would wrap */
        *ns = m->uptime_ns + monotonic_offset(m);
        return true;
}

int dmesg_parse(struct ev_trace *t, const char *buf, size_t len, struct dmesg_meta *meta)
{
        struct dmesg_meta local;
        struct framing_dump d;
        struct parser p;
        int err, found;

        if (!meta)
                meta = &local;
        memset(meta, 0, sizeof(*meta));
        memset(&p, 0, sizeof(p));
        sbuf_init(&p.name);
        p.t = t;
        p.m = meta;
        t->os = EV_OS_LINUX;
        t->clock = EV_CLOCK_NS;
        t->freq_hz = 0;

        memset(&d, 0, sizeof(d));
        found = framing_parse(buf, len, &d);
        if (found == -ENOMEM) {
                err = -ENOMEM;
                goto out;
        }
        if (found == 0) {
                err = parse_framed(&p, buf, len, &d);
        } else if (fgraph_probe(buf, len)) {
                err = parse_ftrace(&p, buf, len, 1);
                if (!err)
                        err = walk(&p, buf, len, 1, true); /* count the lines */
        } else {
                p.marks_inline = true;
                err = walk(&p, buf, len, 1, true);
        }
        if (!err)
                err = finish(&p);
        if (t->lines_total >= t->lines_records)
                t->lines_skipped = t->lines_total - t->lines_records;
out:
        framing_dump_free(&d);
        free(p.open);
        free(p.last_open);
        free(p.ends);
        idmap_free(&p.end_ids);
        sbuf_release(&p.name);
        return err;
}

size_t dmesg_probe(const char *buf, size_t len)
{
        const char *s = buf, *end = buf + len;
        size_t hits = 0;

        for (int i = 0; i < 64 && s < end; i++) {
                const char *nl = memchr(s, '\n', (size_t)(end - s));
                const char *e = nl ? nl : end;
                uint64_t ts;

                if (parse_prefix(s, e - s > 64 ? s + 64 : e, &ts))
                        hits++;
                s = nl ? nl + 1 : end;
        }
        return hits;
}
