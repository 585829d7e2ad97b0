/* fgraph: see fgraph.h. */
#include "analyzer/fgraph.h"
#include "analyzer/idmap.h"
#include "base/util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Open functions of one task, innermost last. */
struct task {
        uint64_t pid;
        uint64_t last; /* latest time recorded on it (raw clock) */
        uint32_t *names;
        size_t n, cap;
};

struct fparser {
        struct ev_trace *t;
        struct fgraph_meta *m;
        int64_t offset;
        struct idmap task_ids; /* pid -> index into tasks */
        struct task *tasks;    /* task_ids.n of them */
        size_t tasks_cap;
        uint64_t orphan_returns; /* "}" with nothing open: the call began before the trace */
        uint64_t no_time;        /* entries without an absolute timestamp */
};

static const char *skip_sp(const char *s, const char *end)
{
        while (s < end && (*s == ' ' || *s == '\t'))
                s++;
        return s;
}

static const char *rtrim(const char *s, const char *end)
{
        while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
                end--;
        return end;
}

/* Digits [. digits] at *p into ns, the integer part in unit_ns (1e9 for
 * seconds, 1e3 for microseconds): util_scan_fixed(), *p moved only on
 * success. */
static bool scan_time(const char **p, const char *end, uint64_t unit_ns, uint64_t *ns)
{
        const char *s = *p;

        if (util_scan_fixed(&s, end, unit_ns, ns) < 0)
                return false;
        *p = s;
        return true;
}

/* A line refused: counted in lines_malformed, warned about while few. */
static int warn(struct fparser *p, uint32_t line, const char *msg)
{
        return ev_skip(p->t, &p->m->lines_malformed, line, "ftrace: %s", msg);
}

static struct task *task_of(struct fparser *p, uint64_t pid, const char *comm, size_t comm_len,
                            uint32_t line, int *err)
{
        struct task *k;
        char name[96];
        bool added;
        int64_t id;

        /* room for a new task first, so that the map never names a
         * task that is not there */
        if (p->task_ids.n == p->tasks_cap) {
                size_t cap = p->tasks_cap ? p->tasks_cap * 2 : 8;

                k = realloc(p->tasks, cap * sizeof(*k));
                if (!k) {
                        *err = -ENOMEM;
                        return NULL;
                }
                p->tasks = k;
                p->tasks_cap = cap;
        }
        id = idmap_get(&p->task_ids, pid, &added);
        if (id < 0) {
                *err = -ENOMEM;
                return NULL;
        }
        if (!added)
                return &p->tasks[id];
        k = &p->tasks[id];
        memset(k, 0, sizeof(*k));
        k->pid = pid;
        snprintf(name, sizeof(name), "ftrace %.*s", (int)(comm_len > 64 ? 64 : comm_len), comm);
        id = ev_intern(p->t, name, strlen(name));
        if (id >= 0) {
                struct ev_record r = {.thread = FGRAPH_THREAD_BASE + pid,
                                      .name = (uint32_t)id,
                                      .line = line,
                                      .kind = EV_THREAD};
                id = ev_add(p->t, &r);
        }
        if (id < 0) {
                *err = -ENOMEM;
                return NULL;
        }
        p->m->threads++;
        return k;
}

/* Record on task k, never before its latest record: the entry stamps
 * of function_graph lag the call times it measures by a few us (more
 * under TCG), so a child's end can pass its parent's "}" stamp. */
static int add(struct fparser *p, struct task *k, enum ev_kind kind, uint64_t raw, uint32_t name,
               uint32_t line)
{
        uint64_t pid = k->pid, ts, d;

        if (raw < k->last)
                raw = k->last;
        k->last = raw;
        /* raw + offset, clamped to 0..UTIL_CLOCK_MAX (both come from the guest) */
        if (p->offset >= 0) {
                d = (uint64_t)p->offset;
                ts = raw > UTIL_CLOCK_MAX - d ? UTIL_CLOCK_MAX : raw + d;
        } else {
                d = -(uint64_t)p->offset;
                ts = raw > d ? raw - d : 0;
        }
        struct ev_record r = {.ts = ts,
                              .thread = FGRAPH_THREAD_BASE + pid,
                              .name = name,
                              .line = line,
                              .kind = (uint8_t)kind};
        int64_t i = ev_add(p->t, &r);

        return i < 0 ? (int)i : 0;
}

/* The columns of one function_graph line. */
struct fline {
        uint64_t time, cpu, dur;
        bool has_time, has_dur;
        const char *task, *task_end; /* the TASK-PID column; NULL without funcgraph-proc */
        const char *func, *end;      /* the function column, to the end of the line */
};

/* "[TIME |] CPU)" at q: l->time and l->cpu; returns what follows the ')'
 * or NULL. */
static const char *read_time_cpu(const char *q, const char *bar, const char *end, struct fline *l)
{
        const char *t = q;

        if (scan_time(&t, bar, 1000000000ull, &l->time) && skip_sp(t, bar) == bar) {
                l->has_time = true;
                q = skip_sp(bar + 1, end);
        }
        if (!scan_time(&q, end, 1, &l->cpu) || q >= end || *q != ')')
                return NULL;
        return q + 1;
}

/* "[TASK-PID |] [DURATION] |" at q (bar: the first '|' after q): l->task,
 * l->dur; returns the last '|', or NULL with *why set. */
static const char *read_task_duration(const char *q, const char *bar, const char *end,
                                      struct fline *l, const char **why)
{
        const char *a = skip_sp(q, bar), *b = rtrim(a, bar);

        /* a TASK-PID column (funcgraph-proc), else the duration's */
        if (b > a && !(b - a >= 2 && b[-2] == 'u' && b[-1] == 's') &&
            memchr(a, '-', (size_t)(b - a))) {
                l->task = a;
                l->task_end = b;
                q = bar + 1;
                bar = memchr(q, '|', (size_t)(end - q));
                if (!bar) {
                        *why = "expected \"DURATION |\" after the task";
                        return NULL;
                }
        }
        a = skip_sp(q, bar);
        if (a < bar && strchr("+!#*@$", *a))
                a = skip_sp(a + 1, bar);
        if (a < bar) {
                if (!scan_time(&a, bar, 1000, &l->dur)) {
                        *why = "unreadable duration";
                        return NULL;
                }
                l->has_dur = true;
        }
        return bar;
}

/* Split the line q..end into l. Returns 1 for an entry, 0 for a line that
 * holds none (a separator, an event, an interrupt arrow), -1 for a
 * malformed line (*why says what was expected). */
static int read_columns(const char *q, const char *end, struct fline *l, const char **why)
{
        const char *bar = memchr(q, '|', (size_t)(end - q)), *f;

        memset(l, 0, sizeof(*l));
        if (!bar)
                return 0; /* context-switch blocks, separators */
        q = read_time_cpu(q, bar, end, l);
        if (!q) {
                *why = "expected \"CPU)\" in a function_graph line";
                return -1;
        }
        bar = memchr(q, '|', (size_t)(end - q));
        if (!bar)
                return 0;
        bar = read_task_duration(q, bar, end, l, why);
        if (!bar)
                return -1;
        f = skip_sp(bar + 1, end);
        if (f >= end || (f[0] == '/' && f + 1 < end && f[1] == '*'))
                return 0; /* events and trace_printk comments */
        if (end - f >= 2 && (memcmp(f, "==", 2) == 0 || memcmp(f, "<=", 2) == 0))
                return 0; /* interrupt entry and exit arrows */
        l->func = f;
        l->end = end;
        return 1;
}

/* The thread of an entry: the PID of its TASK-PID column, else its CPU
 * (without funcgraph-proc: one thread per CPU). False when the column
 * holds no PID. */
static bool line_pid(struct fline *l, uint64_t *pid)
{
        const char *dash;

        if (!l->task) {
                *pid = l->cpu;
                l->task = "cpu";
                l->task_end = l->task + 3;
                return true;
        }
        dash = l->task_end;
        while (dash > l->task && dash[-1] != '-')
                dash--;
        return dash != l->task && scan_time(&dash, l->task_end, 1, pid) && dash == l->task_end;
}

/* "}": the innermost open call of task k returns. */
static int on_return(struct fparser *p, struct task *k, const struct fline *l, uint32_t line)
{
        int err;

        if (!k->n) {
                p->orphan_returns++;
                return 0;
        }
        err = add(p, k, EV_EXIT, l->time, k->names[--k->n], line);
        if (!err) {
                p->m->calls++;
                p->m->lines_entries++;
        }
        return err;
}

/* "func() {" opens a call on task k, "func();" is a whole leaf call. */
static int on_call(struct fparser *p, struct task *k, const struct fline *l, uint32_t line)
{
        const char *f = l->func, *end = l->end;
        const char *paren = memmem(f, (size_t)(end - f), "()", 2), *after;
        int64_t id;
        int err;

        if (!paren || paren == f)
                return warn(p, line, "expected \"func() {\", \"func();\" or \"}\"");
        id = ev_intern(p->t, f, (size_t)(rtrim(f, paren) - f));
        if (id < 0)
                return -ENOMEM;
        after = skip_sp(paren + 2, end);
        if (after < end && *after == '{') {
                if (k->n == k->cap) {
                        size_t cap = k->cap ? k->cap * 2 : 16;
                        uint32_t *n = realloc(k->names, cap * sizeof(*n));

                        if (!n)
                                return -ENOMEM;
                        k->names = n;
                        k->cap = cap;
                }
                k->names[k->n++] = (uint32_t)id;
                err = add(p, k, EV_ENTER, l->time, (uint32_t)id, line);
        } else if (after < end && *after == ';') {
                if (!l->has_dur)
                        return warn(p, line, "a leaf call without a duration");
                if (l->dur > UTIL_CLOCK_MAX - (l->time > k->last ? l->time : k->last))
                        return warn(p, line, "a leaf call that ends out of the clock range");
                err = add(p, k, EV_ENTER, l->time, (uint32_t)id, line);
                if (!err) /* the duration is exact: end = (clamped) start + it */
                        err = add(p, k, EV_EXIT, k->last + l->dur, (uint32_t)id, line);
                if (!err)
                        p->m->calls++;
        } else {
                return warn(p, line, "expected \"func() {\", \"func();\" or \"}\"");
        }
        if (!err)
                p->m->lines_entries++;
        return err;
}

/* "[LOST N events]" at lost_at: the ring buffer overflowed. */
static int on_lost(struct fparser *p, const char *lost_at, const char *end, uint32_t line)
{
        const char *n = lost_at + 6;
        uint64_t lost = 0;

        if (scan_time(&n, end, 1, &lost))
                p->m->lost += lost;
        return warn(p, line,
                    "the trace buffer lost events here (boot with a larger trace_buf_size=)");
}

static int parse_line(struct fparser *p, const char *s, const char *end, uint32_t line)
{
        const char *q, *lost_at, *why = NULL;
        struct fline l;
        struct task *k;
        uint64_t pid;
        int err = 0, r;

        end = rtrim(s, end);
        q = skip_sp(s, end);
        if (q >= end || *q == '#')
                return 0;
        lost_at = memmem(q, (size_t)(end - q), "[LOST ", 6);
        if (lost_at)
                return on_lost(p, lost_at, end, line);
        r = read_columns(q, end, &l, &why);
        if (r < 0)
                return warn(p, line, why);
        if (r == 0)
                return 0;
        if (!line_pid(&l, &pid))
                return warn(p, line, "expected \"TASK-PID\" in the task column");
        if (!l.has_time) {
                p->no_time++;
                return 0;
        }
        if (l.time > UTIL_CLOCK_MAX)
                return warn(p, line, "timestamp out of range");
        k = task_of(p, pid, l.task, (size_t)(l.task_end - l.task), line, &err);
        if (!k)
                return err;
        if (*l.func == '}')
                return on_return(p, k, &l, line);
        return on_call(p, k, &l, line);
}

int fgraph_probe(const char *buf, size_t len)
{
        static const char head[] = "# tracer: function_graph";

        return len >= sizeof(head) - 1 && memcmp(buf, head, sizeof(head) - 1) == 0;
}

int fgraph_parse(struct ev_trace *t, const char *buf, size_t len, uint32_t first_line,
                 int64_t offset_ns, struct fgraph_meta *meta)
{
        struct fgraph_meta local;
        struct fparser p = {.t = t, .offset = offset_ns};
        const char *s = buf, *end = buf + len;
        uint32_t line = first_line;
        int err = 0;

        p.m = meta ? meta : &local;
        memset(p.m, 0, sizeof(*p.m));
        if (!buf)
                return 0;
        while (s < end && !err) {
                const char *nl = memchr(s, '\n', (size_t)(end - s));
                const char *e = nl ? nl : end;

                if (memchr(s, '\0', (size_t)(e - s)))
                        err = warn(&p, line, "NUL byte in a trace line, skipped");
                else
                        err = parse_line(&p, s, e, line);
                line++;
                s = nl ? nl + 1 : end;
        }
        for (size_t i = 0; i < p.task_ids.n; i++) {
                p.m->open += p.tasks[i].n;
                free(p.tasks[i].names);
        }
        free(p.tasks);
        idmap_free(&p.task_ids);
        if (!err)
                err = ev_skip_summary(t, p.m->lines_malformed,
                                      "ftrace lines skipped or warned about");
        if (!err && p.no_time)
                err = ev_warn(t, 0,
                              "ftrace: %llu entries without absolute timestamps ignored (boot with "
                              "trace_options=funcgraph-abstime)",
                              (unsigned long long)p.no_time);
        if (!err && p.orphan_returns)
                err =
                    ev_warn(t, 0, "ftrace: %llu returns from calls that began before the trace did",
                            (unsigned long long)p.orphan_returns);
        return err;
}
