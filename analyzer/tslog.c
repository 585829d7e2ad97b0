/* tslog: see tslog.h. */
#include "analyzer/tslog.h"
#include "analyzer/idmap.h"
#include "base/util.h"
#include "guest/framing.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* How much of a line a warning quotes. */
#define QUOTE_MAX 40

/* Per-thread state for the backward-step correction. */
struct thread_state {
        uint64_t id;
        uint64_t last; /* last corrected timestamp */
        uint64_t offset;
};

struct thread_map {
        struct idmap ids;       /* thread id -> index into v */
        struct thread_state *v; /* ids.n of them */
        size_t cap;
};

struct parser {
        struct ev_trace *t;
        const struct tslog_options *opts;
        struct tslog_meta *meta;
        struct thread_map threads;
        bool in_user;
        bool os_from_framing;
        enum ev_os framing_os;
        uint64_t capture_freq;
        uint32_t line;
        const char *end; /* the end of the capture */
};

/* The state of thread id, created on first sight; NULL on -ENOMEM. */
static struct thread_state *thread_get(struct thread_map *m, uint64_t id)
{
        bool added;
        int64_t k;

        if (m->ids.n == m->cap) { /* room first: the map never names a missing state */
                size_t cap = m->cap ? m->cap * 2 : 64;
                struct thread_state *v = realloc(m->v, cap * sizeof(*v));

                if (!v)
                        return NULL;
                m->v = v;
                m->cap = cap;
        }
        k = idmap_get(&m->ids, id, &added);
        if (k < 0)
                return NULL;
        if (added)
                m->v[k] = (struct thread_state){.id = id};
        return &m->v[k];
}

static void thread_map_free(struct thread_map *m)
{
        free(m->v);
        idmap_free(&m->ids);
}

static bool is_hex(unsigned char c)
{
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_digit(unsigned char c)
{
        return c >= '0' && c <= '9';
}

/* A decimal number at s[*i..n) (util_scan_u64); false when there is none
 * or it overflows (then *i is past the digits anyway). */
static bool scan_dec(const char *s, size_t n, size_t *i, uint64_t *out)
{
        const char *p = s + *i;
        int ret = util_scan_u64(&p, s + n, 10, 0, out);

        *i = (size_t)(p - s);
        return ret == 0;
}

/* A thread id: hex digits of either case, "0x" optional, within 64 bits.
 * Returns util_scan_u64()'s 0, -EINVAL (no digit) or -ERANGE (*i then past
 * the digits). */
static int scan_hex(const char *s, size_t n, size_t *i, uint64_t *out)
{
        const char *p = s + *i;
        int ret = util_scan_u64(&p, s + n, 16, UTIL_SCAN_0X | UTIL_SCAN_ANYCASE, out);

        *i = (size_t)(p - s);
        return ret;
}

/* A printable quote of a line for a warning: at most QUOTE_MAX bytes,
 * control bytes and non-ASCII shown as '?'. */
static void quote(const char *s, size_t n, char out[QUOTE_MAX + 4])
{
        size_t k = n < QUOTE_MAX ? n : QUOTE_MAX;

        for (size_t i = 0; i < k; i++) {
                unsigned char c = (unsigned char)s[i];
                out[i] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
        }
        if (n > QUOTE_MAX) {
                memcpy(out + k, "...", 4);
        } else {
                out[k] = '\0';
        }
}

/* A record-like line that is refused: counted, and warned about while
 * few (ev_skip). */
static int warn_malformed(struct parser *p, const char *s, size_t n, const char *why)
{
        char q[QUOTE_MAX + 4];

        quote(s, n, q);
        return ev_skip(p->t, &p->meta->lines_malformed, p->line, "%s: '%s'", why, q);
}

/* A field of a begin or META line that is refused. */
static int warn_field(struct parser *p, const char *name, const char *word, size_t n)
{
        char q[QUOTE_MAX + 4];

        quote(word, n, q);
        return ev_warn(p->t, p->line, "bad %s field '%s' ignored", name, q);
}

static bool word_is(const char *s, size_t n, const char *w)
{
        size_t wl = strlen(w);

        return n == wl && memcmp(s, w, wl) == 0;
}

static enum ev_os os_from_name(const char *s, size_t n)
{
        if (word_is(s, n, "freebsd"))
                return EV_OS_FREEBSD;
        if (word_is(s, n, "netbsd"))
                return EV_OS_NETBSD;
        if (word_is(s, n, "linux"))
                return EV_OS_LINUX;
        return EV_OS_UNKNOWN;
}

/* Look at key=value words in s[0..n): tsc_freq=, tsc_now=, os=. */
static int scan_fields(struct parser *p, const char *s, size_t n)
{
        size_t i = 0;

        while (i < n) {
                size_t ws, we, eq;
                uint64_t v;

                while (i < n && (s[i] == ' ' || s[i] == '\t'))
                        i++;
                ws = i;
                while (i < n && s[i] != ' ' && s[i] != '\t')
                        i++;
                we = i;
                for (eq = ws; eq < we && s[eq] != '='; eq++)
                        ;
                if (eq == we)
                        continue;
                const char *key = s + ws, *val = s + eq + 1;
                size_t klen = eq - ws, vlen = we - eq - 1;

                if (word_is(key, klen, "tsc_freq")) {
                        if (util_scan_u64_all(val, vlen, 10, 0, &v) < 0 || v == 0 ||
                            v > UTIL_CLOCK_MAX) {
                                if (warn_field(p, "tsc_freq", key, we - ws) < 0)
                                        return -ENOMEM;
                        } else if (!p->capture_freq) {
                                p->capture_freq = v;
                                p->meta->freq_line = p->line;
                        } else if (v != p->capture_freq) {
                                if (ev_warn(p->t, p->line,
                                            "tsc_freq=%llu differs from tsc_freq=%llu of line %u; "
                                            "using the first",
                                            (unsigned long long)v,
                                            (unsigned long long)p->capture_freq,
                                            p->meta->freq_line) < 0)
                                        return -ENOMEM;
                        }
                } else if (word_is(key, klen, "tsc_now")) {
                        if (util_scan_u64_all(val, vlen, 10, 0, &v) < 0 || v > UTIL_CLOCK_MAX) {
                                if (warn_field(p, "tsc_now", key, we - ws) < 0)
                                        return -ENOMEM;
                        } else if (!p->meta->has_tsc_now) {
                                p->meta->has_tsc_now = true;
                                p->meta->tsc_now = v;
                        }
                } else if (word_is(key, klen, "os")) {
                        enum ev_os os = os_from_name(val, vlen);
                        if (os != EV_OS_UNKNOWN && !p->os_from_framing) {
                                p->os_from_framing = true;
                                p->framing_os = os;
                        }
                }
        }
        return 0;
}

static void mark_begin(struct parser *p)
{
        if (!p->t->has_begin_marker)
                p->t->begin_marker_line = p->line;
        p->t->has_begin_marker = true;
        p->in_user = false;
}

static void mark_end(struct parser *p)
{
        if (!p->t->has_end_marker)
                p->t->end_marker_line = p->line;
        p->t->has_end_marker = true;
}

/* The first begin line of a capture: check the dump that starts there
 * (bytes, CRC, sections) as the Linux parser does, and warn when it is
 * not whole. */
static int check_dump(struct parser *p, const char *s)
{
        struct framing_dump d;
        char why[160];
        int err = framing_parse(s, (size_t)(p->end - s), &d);

        if (err == 0 && d.status != FRAMING_OK)
                err = ev_warn(p->t, p->line, "%s", framing_describe(&d, why, sizeof(why)));
        framing_dump_free(&d);
        return err == -ENOENT ? 0 : err;
}

/* "@@bootlens ..." lines. Returns 1 when handled, 0 when not framing,
 * -ENOMEM. */
static int handle_framing(struct parser *p, const char *s, size_t n)
{
        const char *rest;
        size_t rlen;
        bool first;

        switch (framing_line_kind(s, n, &rest, &rlen)) {
        case FRAMING_LINE_NONE:
                return 0;
        case FRAMING_LINE_SECTION:
                while (rlen && (rest[rlen - 1] == ' ' || rest[rlen - 1] == '\t'))
                        rlen--;
                p->in_user = word_is(rest, rlen, "tslog_user");
                break;
        case FRAMING_LINE_END:
                mark_end(p);
                p->in_user = false;
                break;
        case FRAMING_LINE_BEGIN:
                first = !p->t->has_begin_marker;
                mark_begin(p);
                if (first && check_dump(p, s) < 0)
                        return -ENOMEM;
                if (scan_fields(p, rest, rlen) < 0)
                        return -ENOMEM;
                break;
        default:
                break; /* marks and anything else of ours: skipped */
        }
        p->meta->lines_markers++;
        return 1;
}

static bool suffix_is(const char *w, size_t n, const char *suffix)
{
        size_t sl = strlen(suffix);

        if (n == sl)
                return memcmp(w, suffix, sl) == 0;
        return n > sl && w[n - sl - 1] == '_' && memcmp(w + n - sl, suffix, sl) == 0;
}

/* "*_TSLOG_BEGIN" etc. Returns 1 when handled, 0 when not a marker. */
static int handle_marker(struct parser *p, const char *s, size_t n)
{
        size_t i = 0;

        while (i < n && (is_digit((unsigned char)s[i]) || (s[i] >= 'A' && s[i] <= 'Z') ||
                         (s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
                i++;
        if (i == 0 || (i < n && s[i] != ' ' && s[i] != '\t'))
                return 0;
        if (suffix_is(s, i, "TSLOG_BEGIN")) {
                mark_begin(p);
        } else if (suffix_is(s, i, "TSLOG_END")) {
                mark_end(p);
                p->in_user = false;
        } else if (suffix_is(s, i, "TSLOG_USER_BEGIN")) {
                p->in_user = true;
        } else if (suffix_is(s, i, "TSLOG_USER_END")) {
                p->in_user = false;
        } else if (suffix_is(s, i, "TSLOG_META")) {
                if (scan_fields(p, s + i, n - i) < 0)
                        return -ENOMEM;
        } else {
                return 0;
        }
        p->meta->lines_markers++;
        return 1;
}

/* Intern s[0..n); returns the id or -ENOMEM. */
static int64_t intern(struct parser *p, const char *s, size_t n)
{
        return ev_intern(p->t, s, n);
}

/* A record line. Returns 1 when it became a record, 0 when it is not
 * record-like, 2 when it was record-like but malformed (warned), -ENOMEM. */
/* What a refused record returns: 2 (counted and warned), or -ENOMEM. */
static int refuse(struct parser *p, const char *s, size_t n, const char *why)
{
        return warn_malformed(p, s, n, why) < 0 ? -ENOMEM : 2;
}

/* The record type word at s[*i..n) into *kind (an enum ev_kind), *i past it. Returns 1; 0
 * when the line is not a tslog record (no upper-case type word: a process
 * row, noise); 2 or -ENOMEM when it is one that is refused. */
static int record_type(struct parser *p, const char *s, size_t n, size_t *i, uint8_t *kind)
{
        size_t ts = *i, te;

        while (*i < n && s[*i] >= 'A' && s[*i] <= 'Z')
                (*i)++;
        te = *i;
        if (*i < n && s[*i] != ' ' && util_has_control(s + *i, 1))
                return refuse(p, s, n, "control byte in tslog record");
        if (te == ts || (*i < n && s[*i] != ' '))
                return 0;
        if (word_is(s + ts, te - ts, "ENTER"))
                *kind = EV_ENTER;
        else if (word_is(s + ts, te - ts, "EXIT"))
                *kind = EV_EXIT;
        else if (word_is(s + ts, te - ts, "THREAD"))
                *kind = EV_THREAD;
        else if (word_is(s + ts, te - ts, "EVENT"))
                *kind = EV_EVENT;
        else
                return refuse(p, s, n, "unknown tslog record type");
        return 1;
}

/* The name and argument after the type (s[i..n), blanks at the end
 * already cut) interned into r: a THREAD's name is the rest of the line.
 * Returns 1, 2 (no name: refused) or -ENOMEM. */
static int record_name(struct parser *p, const char *s, size_t n, size_t i, struct ev_record *r)
{
        size_t ns, ne, as, ae;
        int64_t id;

        if (i < n)
                i++; /* the space after the type */
        ns = i;
        if (r->kind == EV_THREAD) {
                ne = n;
                as = ae = n;
        } else {
                while (i < n && s[i] != ' ' && s[i] != '\t')
                        i++;
                ne = i;
                as = i < n ? i + 1 : n;
                ae = n;
        }
        if (ne == ns)
                return refuse(p, s, n, "tslog record without a name");
        id = intern(p, s + ns, ne - ns);
        if (id < 0)
                return -ENOMEM;
        r->name = (uint32_t)id;
        id = intern(p, s + as, ae - as);
        if (id < 0)
                return -ENOMEM;
        r->arg = (uint32_t)id;
        return 1;
}

/* Put r (r->thread set) at tsc on its thread's clock: the thread's offset
 * added, and a step backwards corrected from here on (warned). Returns 1,
 * 2 (out of range after the correction) or -ENOMEM. */
static int record_time(struct parser *p, const char *s, size_t n, uint64_t tsc, struct ev_record *r)
{
        struct thread_state *th = thread_get(&p->threads, r->thread);

        if (!th)
                return -ENOMEM;
        r->ts = tsc + th->offset; /* both at most UTIL_CLOCK_MAX: no wrap */
        if (r->ts > UTIL_CLOCK_MAX)
                return refuse(p, s, n,
                              "tslog timestamp out of range after the backward-step correction");
        if (r->ts < th->last) {
                uint64_t step = th->last - r->ts;

                th->offset += step;
                r->ts = th->last;
                p->meta->backward_steps++;
                if (ev_warn(p->t, p->line,
                            "tsc of thread 0x%llx steps back by %llu cycles; corrected by an "
                            "offset of %llu from here on",
                            (unsigned long long)r->thread, (unsigned long long)step,
                            (unsigned long long)th->offset) < 0)
                        return -ENOMEM;
        }
        th->last = r->ts;
        return 1;
}

/* One line "THREAD TSC TYPE NAME [ARG]". Returns 1 (a record added), 0
 * (not a tslog record), 2 (a refused record: counted and warned) or
 * -ENOMEM. */
static int handle_record(struct parser *p, const char *s, size_t n)
{
        struct ev_record r = {0};
        size_t i = 0, te;
        uint64_t thread, tsc = 0;
        bool tsc_ok, thread_ok;
        int ret = scan_hex(s, n, &i, &thread);

        if (ret == -EINVAL || i >= n || s[i] != ' ')
                return 0;
        thread_ok = ret == 0;
        i++;
        if (i >= n || !is_digit((unsigned char)s[i]))
                return 0;
        tsc_ok = scan_dec(s, n, &i, &tsc) && tsc <= UTIL_CLOCK_MAX;
        if (i >= n || s[i] != ' ')
                return 0;
        i++;
        ret = record_type(p, s, n, &i, &r.kind);
        if (ret != 1)
                return ret;
        te = i;
        if (!thread_ok)
                return refuse(p, s, n, "tslog thread id above 64 bits");
        if (!tsc_ok)
                return refuse(p, s, n, "tslog timestamp out of range");
        if (util_has_control(s + te, n - te))
                return refuse(p, s, n, "control byte in tslog record");
        while (n > te && (s[n - 1] == ' ' || s[n - 1] == '\t'))
                n--; /* trailing blanks */
        ret = record_name(p, s, n, i, &r);
        if (ret != 1)
                return ret;
        r.thread = thread;
        r.line = p->line;
        ret = record_time(p, s, n, tsc, &r);
        if (ret != 1)
                return ret;
        if (ev_add(p->t, &r) < 0)
                return -ENOMEM;
        return 1;
}

/* Scan a "..." string at s[*i..n): the closing quote is the first '"'
 * followed by a space or the end of the line. */
static bool scan_quoted(const char *s, size_t n, size_t *i, size_t *qs, size_t *qe)
{
        size_t k;

        if (*i >= n || s[*i] != '"')
                return false;
        for (k = *i + 1; k < n; k++)
                if (s[k] == '"' && (k + 1 == n || s[k + 1] == ' '))
                        break;
        if (k >= n)
                return false;
        *qs = *i + 1;
        *qe = k;
        *i = k + 1;
        return true;
}

/* A process row: pid ppid forked exited "exec" "namei". Returns 1 when it
 * became a process, 3 when it was an all-zero row, 0 when not a row, 2
 * when its times are out of the clock range (warned), -ENOMEM. */
static int handle_process(struct parser *p, const char *s, size_t n)
{
        uint64_t v[4];
        size_t i = 0, es, ee, ms, me;
        struct ev_process pr = {0};
        int64_t id;

        for (int k = 0; k < 4; k++) {
                if (!scan_dec(s, n, &i, &v[k]) || i >= n || s[i] != ' ')
                        return 0;
                i++;
        }
        if (!scan_quoted(s, n, &i, &es, &ee) || i >= n || s[i] != ' ')
                return 0;
        i++;
        if (!scan_quoted(s, n, &i, &ms, &me))
                return 0;
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
                i++;
        if (i != n || util_has_control(s, n))
                return 0;
        if (v[1] == 0 && v[2] == 0 && v[3] == 0 && ee == es && me == ms)
                return 3;
        if (v[2] > UTIL_CLOCK_MAX || v[3] > UTIL_CLOCK_MAX)
                return warn_malformed(p, s, n, "tslog_user time out of range") < 0 ? -ENOMEM : 2;
        pr.pid = v[0];
        pr.ppid = v[1];
        pr.forked = v[2];
        pr.exited = v[3];
        pr.line = p->line;
        id = intern(p, s + es, ee - es);
        if (id < 0)
                return -ENOMEM;
        pr.exec = (uint32_t)id;
        id = intern(p, s + ms, me - ms);
        if (id < 0)
                return -ENOMEM;
        pr.namei = (uint32_t)id;
        return ev_add_process(p->t, &pr) < 0 ? -ENOMEM : 1;
}

static int handle_line(struct parser *p, const char *s, size_t n)
{
        int r;

        while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\r')) {
                s++;
                n--;
        }
        if (n == 0)
                goto skipped;
        if (*s == '@') {
                r = handle_framing(p, s, n);
                if (r < 0)
                        return r;
                if (r > 0)
                        goto skipped;
        }
        if (is_hex((unsigned char)*s)) {
                r = handle_record(p, s, n);
                if (r < 0)
                        return r;
                if (r == 1) {
                        p->t->lines_records++;
                        return 0;
                }
                if (r == 2)
                        goto skipped;
        }
        if (is_digit((unsigned char)*s)) {
                r = handle_process(p, s, n);
                if (r < 0)
                        return r;
                if (r == 1) {
                        p->t->lines_records++;
                        return 0;
                }
                if (r == 3) {
                        p->meta->lines_zero_rows++;
                        goto skipped;
                }
                if (r == 2)
                        goto skipped;
                if (p->in_user) {
                        if (warn_malformed(p, s, n, "not a tslog_user row") < 0)
                                return -ENOMEM;
                        goto skipped;
                }
        }
        r = handle_marker(p, s, n);
        if (r < 0)
                return r;
skipped:
        p->t->lines_skipped++;
        return 0;
}

static void detect_os(struct parser *p)
{
        struct ev_trace *t = p->t;
        uint32_t hammer = ev_lookup(t, "hammer_time"), mi = ev_lookup(t, "mi_startup");
        uint32_t main_id = ev_lookup(t, "main");
        bool big = false, small = false, freebsd_names = false, netbsd_names = false;

        if (p->opts && p->opts->os != EV_OS_UNKNOWN) {
                t->os = p->opts->os;
                return;
        }
        if (p->os_from_framing) {
                t->os = p->framing_os;
                return;
        }
        for (size_t k = 0; k < p->threads.ids.n; k++) {
                if (p->threads.v[k].id > UINT32_MAX)
                        big = true;
                else if (p->threads.v[k].id != 0)
                        small = true;
        }
        for (size_t k = 0; k < t->nrecs; k++) {
                const struct ev_record *r = &t->recs[k];
                if (r->kind != EV_ENTER)
                        continue;
                if (r->name && (r->name == hammer || r->name == mi))
                        freebsd_names = true;
                if (r->name && r->name == main_id)
                        netbsd_names = true;
        }
        if (big || freebsd_names)
                t->os = EV_OS_FREEBSD;
        else if (netbsd_names || small)
                t->os = EV_OS_NETBSD;
        else
                t->os = EV_OS_UNKNOWN;
}

int tslog_parse(struct ev_trace *t, const char *buf, size_t len, const struct tslog_options *opts,
                struct tslog_meta *meta)
{
        struct tslog_meta local;
        struct parser p = {0};
        size_t pos = 0;
        int err = 0;

        if (!meta)
                meta = &local;
        memset(meta, 0, sizeof(*meta));
        p.t = t;
        p.opts = opts;
        p.meta = meta;
        p.end = buf + len;
        t->clock = EV_CLOCK_CYCLES;
        while (pos < len) {
                const char *s = buf + pos;
                const char *nl = memchr(s, '\n', len - pos);
                size_t n = nl ? (size_t)(nl - s) : len - pos;

                pos += n + (nl ? 1 : 0);
                if (p.line < UINT32_MAX)
                        p.line++;
                t->lines_total++;
                if (n > 0 && s[n - 1] == '\r')
                        n--;
                err = handle_line(&p, s, n);
                if (err < 0)
                        goto out_free;
        }
        err = ev_skip_summary(t, meta->lines_malformed, "malformed tslog lines");
        if (err < 0)
                goto out_free;
        detect_os(&p);
        meta->nthreads = p.threads.ids.n;
        if (opts && opts->freq_hz) {
                t->freq_hz = opts->freq_hz;
                meta->freq_source = TSLOG_FREQ_OPTION;
        } else if (p.capture_freq) {
                t->freq_hz = p.capture_freq;
                meta->freq_source = TSLOG_FREQ_CAPTURE;
        }
out_free:
        thread_map_free(&p.threads);
        return err;
}

size_t tslog_probe(const char *buf, size_t len)
{
        size_t pos = 0, lines = 0, found = 0;

        while (pos < len && lines < 4096) {
                const char *s = buf + pos;
                const char *nl = memchr(s, '\n', len - pos);
                size_t n = nl ? (size_t)(nl - s) : len - pos, i = 0;
                uint64_t v;

                pos += n + (nl ? 1 : 0);
                lines++;
                if (scan_hex(s, n, &i, &v) < 0 || i >= n || s[i] != ' ')
                        continue;
                i++;
                if (!scan_dec(s, n, &i, &v) || i >= n || s[i] != ' ')
                        continue;
                i++;
                if ((n - i >= 6 && memcmp(s + i, "ENTER ", 6) == 0) ||
                    (n - i >= 5 && memcmp(s + i, "EXIT ", 5) == 0) ||
                    (n - i >= 7 && memcmp(s + i, "THREAD ", 7) == 0) ||
                    (n - i >= 6 && memcmp(s + i, "EVENT ", 6) == 0))
                        found++;
        }
        return found;
}
