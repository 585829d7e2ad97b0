/* fgraph: see fgraph.h. */
#include "analyzer/fgraph.h"
#include "analyzer/idmap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WARN_MAX 50

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
        uint32_t warned;
        uint64_t more;
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
 * seconds, 1e3 for microseconds). */
static bool scan_time(const char **p, const char *end, uint64_t unit_ns, uint64_t *ns)
{
        const char *s = *p;
        uint64_t whole = 0, frac = 0, scale = unit_ns;

        if (s >= end || *s < '0' || *s > '9')
                return false;
        while (s < end && *s >= '0' && *s <= '9') {
                if (whole > UINT64_MAX / 10 / unit_ns)
                        return false;
                whole = whole * 10 + (uint64_t)(*s++ - '0');
        }
        if (s < end && *s == '.') {
                s++;
                while (s < end && *s >= '0' && *s <= '9') {
                        if (scale > 1) {
                                scale /= 10;
                                frac += (uint64_t)(*s - '0') * scale;
                        }
                        s++;
                }
        }
        *p = s;
        *ns = whole * unit_ns + frac;
        return true;
}

static int warn(struct fparser *p, uint32_t line, const char *msg)
{
        if (p->warned >= WARN_MAX) {
                p->more++;
                return 0;
        }
        p->warned++;
        return ev_warn(p->t, line, "ftrace: %s", msg);
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
        /* raw + offset, clamped to 0..UINT64_MAX (both come from the guest) */
        if (p->offset >= 0) {
                d = (uint64_t)p->offset;
                ts = raw > UINT64_MAX - d ? UINT64_MAX : raw + d;
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

static int parse_line(struct fparser *p, const char *s, const char *end, uint32_t line)
{
        const char *q, *bar, *f, *task = NULL, *task_end = NULL, *lost_at;
        uint64_t time = 0, cpu, dur = 0, pid;
        bool has_time = false, has_dur = false;
        struct task *k;
        int err = 0;

        end = rtrim(s, end);
        q = skip_sp(s, end);
        if (q >= end || *q == '#')
                return 0;
        lost_at = memmem(q, (size_t)(end - q), "[LOST ", 6);
        if (lost_at) {
                const char *n = lost_at + 6;
                uint64_t lost = 0;

                if (scan_time(&n, end, 1, &lost))
                        p->m->lost += lost;
                return warn(p, line,
                            "the trace buffer lost events here (boot with a larger "
                            "trace_buf_size=)");
        }
        /* TIME | */
        bar = memchr(q, '|', (size_t)(end - q));
        if (!bar)
                return 0; /* context-switch blocks, separators */
        {
                const char *t = q;

                if (scan_time(&t, bar, 1000000000ull, &time) && skip_sp(t, bar) == bar) {
                        has_time = true;
                        q = skip_sp(bar + 1, end);
                }
        }
        /* CPU) */
        if (!scan_time(&q, end, 1, &cpu) || q >= end || *q != ')')
                return warn(p, line, "expected \"CPU)\" in a function_graph line");
        q++;
        bar = memchr(q, '|', (size_t)(end - q));
        if (!bar)
                return 0;
        /* TASK-PID | (funcgraph-proc), else DURATION | */
        {
                const char *a = skip_sp(q, bar), *b = rtrim(a, bar);

                if (b > a && !(b - a >= 2 && b[-2] == 'u' && b[-1] == 's') &&
                    memchr(a, '-', (size_t)(b - a))) {
                        task = a;
                        task_end = b;
                        q = bar + 1;
                        bar = memchr(q, '|', (size_t)(end - q));
                        if (!bar)
                                return warn(p, line, "expected \"DURATION |\" after the task");
                }
        }
        {
                const char *a = skip_sp(q, bar);

                if (a < bar && strchr("+!#*@$", *a))
                        a = skip_sp(a + 1, bar);
                if (a < bar) {
                        if (!scan_time(&a, bar, 1000, &dur))
                                return warn(p, line, "unreadable duration");
                        has_dur = true;
                }
        }
        f = skip_sp(bar + 1, end);
        if (f >= end || (f[0] == '/' && f + 1 < end && f[1] == '*'))
                return 0; /* events and trace_printk comments */
        if (end - f >= 2 && (memcmp(f, "==", 2) == 0 || memcmp(f, "<=", 2) == 0))
                return 0; /* interrupt entry and exit arrows */
        if (task) {
                const char *dash = task_end;

                while (dash > task && dash[-1] != '-')
                        dash--;
                if (dash == task || !scan_time(&dash, task_end, 1, &pid) || dash != task_end)
                        return warn(p, line, "expected \"TASK-PID\" in the task column");
        } else {
                pid = cpu; /* without funcgraph-proc: one thread per CPU */
                task = "cpu";
                task_end = task + 3;
        }
        if (!has_time) {
                p->no_time++;
                return 0;
        }
        k = task_of(p, pid, task, (size_t)(task_end - task), line, &err);
        if (!k)
                return err;
        if (*f == '}') {
                if (!k->n) {
                        p->orphan_returns++;
                        return 0;
                }
                err = add(p, k, EV_EXIT, time, k->names[--k->n], line);
                if (!err) {
                        p->m->calls++;
                        p->m->lines_entries++;
                }
                return err;
        }
        {
                const char *paren = memmem(f, (size_t)(end - f), "()", 2);
                const char *after;
                int64_t id;

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
                        err = add(p, k, EV_ENTER, time, (uint32_t)id, line);
                } else if (after < end && *after == ';') {
                        if (!has_dur)
                                return warn(p, line, "a leaf call without a duration");
                        err = add(p, k, EV_ENTER, time, (uint32_t)id, line);
                        if (!err) /* the duration is exact: end = (clamped) start + it */
                                err = add(p, k, EV_EXIT, k->last + dur, (uint32_t)id, line);
                        if (!err)
                                p->m->calls++;
                } else {
                        return warn(p, line, "expected \"func() {\", \"func();\" or \"}\"");
                }
                if (!err)
                        p->m->lines_entries++;
                return err;
        }
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
        if (!err && p.more)
                err = ev_warn(t, 0, "ftrace: %llu more malformed trace lines skipped",
                              (unsigned long long)p.more);
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
