/* events: see events.h. */
#include "analyzer/events.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The string table: an arena of NUL-terminated strings (chunks that never
 * move, so returned pointers stay valid) and an open-addressing hash of
 * ids. Id i names strs[i]; id 0 is "".
 */
struct ev_strtab {
        char **strs; /* by id */
        uint32_t *lens;
        uint32_t count, cap;
        uint32_t *slots; /* hash slots hold id+1, 0 = empty */
        uint32_t nslots; /* power of two */
        char *chunk;     /* current arena chunk */
        size_t chunk_used, chunk_size;
        char **chunks;
        size_t nchunks;
};

#define STRTAB_CHUNK (64 * 1024)

static uint32_t hash_bytes(const char *s, size_t len)
{
        uint32_t h = 2166136261u; /* FNV-1a */

        for (size_t i = 0; i < len; i++) {
                h ^= (unsigned char)s[i];
                h *= 16777619u;
        }
        return h;
}

static char *arena_alloc(struct ev_strtab *st, size_t len)
{
        char *p;

        if (!st->chunk || st->chunk_used + len > st->chunk_size) {
                size_t size = len > STRTAB_CHUNK ? len : STRTAB_CHUNK;
                char **chunks = realloc(st->chunks, (st->nchunks + 1) * sizeof(*chunks));

                if (!chunks)
                        return NULL;
                st->chunks = chunks;
                st->chunk = malloc(size);
                if (!st->chunk)
                        return NULL;
                st->chunks[st->nchunks++] = st->chunk;
                st->chunk_size = size;
                st->chunk_used = 0;
        }
        p = st->chunk + st->chunk_used;
        st->chunk_used += len;
        return p;
}

static int rehash(struct ev_strtab *st, uint32_t nslots)
{
        uint32_t *slots = calloc(nslots, sizeof(*slots));

        if (!slots)
                return -ENOMEM;
        for (uint32_t id = 1; id < st->count; id++) {
                uint32_t i = hash_bytes(st->strs[id], st->lens[id]) & (nslots - 1);
                while (slots[i])
                        i = (i + 1) & (nslots - 1);
                slots[i] = id + 1;
        }
        free(st->slots);
        st->slots = slots;
        st->nslots = nslots;
        return 0;
}

int ev_trace_init(struct ev_trace *t, const char *source)
{
        struct ev_strtab *st;

        memset(t, 0, sizeof(*t));
        st = calloc(1, sizeof(*st));
        if (!st)
                return -ENOMEM;
        t->strs = st;
        st->cap = 256;
        st->strs = malloc(st->cap * sizeof(*st->strs));
        st->lens = malloc(st->cap * sizeof(*st->lens));
        if (!st->strs || !st->lens || rehash(st, 512) < 0)
                goto out_nomem;
        st->strs[0] = "";
        st->lens[0] = 0;
        st->count = 1;
        if (source) {
                t->source = strdup(source);
                if (!t->source)
                        goto out_nomem;
        }
        return 0;
out_nomem:
        ev_trace_free(t);
        return -ENOMEM;
}

void ev_trace_free(struct ev_trace *t)
{
        if (!t)
                return;
        if (t->strs) {
                struct ev_strtab *st = t->strs;
                for (size_t i = 0; i < st->nchunks; i++)
                        free(st->chunks[i]);
                free(st->chunks);
                free(st->strs);
                free(st->lens);
                free(st->slots);
                free(st);
        }
        for (size_t i = 0; i < t->nwarns; i++)
                free(t->warns[i].msg);
        free(t->warns);
        free(t->recs);
        free(t->procs);
        free(t->source);
        memset(t, 0, sizeof(*t));
}

int64_t ev_intern(struct ev_trace *t, const char *s, size_t len)
{
        struct ev_strtab *st = t->strs;
        uint32_t h, i;
        char *copy;

        if (len == 0)
                return 0;
        if (len > UINT32_MAX - 1)
                return -ENOMEM;
        h = hash_bytes(s, len);
        for (i = h & (st->nslots - 1); st->slots[i]; i = (i + 1) & (st->nslots - 1)) {
                uint32_t id = st->slots[i] - 1;
                if (st->lens[id] == len && memcmp(st->strs[id], s, len) == 0)
                        return id;
        }
        if (st->count == st->cap) {
                uint32_t cap = st->cap * 2;
                char **strs = realloc(st->strs, cap * sizeof(*strs));
                uint32_t *lens;

                if (!strs)
                        return -ENOMEM;
                st->strs = strs;
                lens = realloc(st->lens, cap * sizeof(*lens));
                if (!lens)
                        return -ENOMEM;
                st->lens = lens;
                st->cap = cap;
        }
        copy = arena_alloc(st, len + 1);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, s, len);
        copy[len] = '\0';
        st->strs[st->count] = copy;
        st->lens[st->count] = (uint32_t)len;
        st->slots[i] = st->count + 1;
        st->count++;
        if (st->count * 2 > st->nslots && rehash(st, st->nslots * 2) < 0)
                return -ENOMEM;
        return st->count - 1;
}

const char *ev_str(const struct ev_trace *t, uint32_t id)
{
        if (!t->strs || id >= t->strs->count)
                return "";
        return t->strs->strs[id];
}

uint32_t ev_lookup(const struct ev_trace *t, const char *s)
{
        const struct ev_strtab *st = t->strs;
        size_t len = strlen(s);
        uint32_t i;

        if (len == 0)
                return 0;
        for (i = hash_bytes(s, len) & (st->nslots - 1); st->slots[i];
             i = (i + 1) & (st->nslots - 1)) {
                uint32_t id = st->slots[i] - 1;
                if (st->lens[id] == len && memcmp(st->strs[id], s, len) == 0)
                        return id;
        }
        return 0;
}

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
        size_t ncap;
        void *p;

        if (n < *cap)
                return 0;
        ncap = *cap ? *cap * 2 : 1024;
        p = realloc(*arr, ncap * elem);
        if (!p)
                return -ENOMEM;
        *arr = p;
        *cap = ncap;
        return 0;
}

int64_t ev_add(struct ev_trace *t, const struct ev_record *r)
{
        if (grow((void **)&t->recs, &t->recs_cap, t->nrecs, sizeof(*r)) < 0)
                return -ENOMEM;
        t->recs[t->nrecs] = *r;
        return (int64_t)t->nrecs++;
}

int64_t ev_add_process(struct ev_trace *t, const struct ev_process *p)
{
        if (grow((void **)&t->procs, &t->procs_cap, t->nprocs, sizeof(*p)) < 0)
                return -ENOMEM;
        t->procs[t->nprocs] = *p;
        return (int64_t)t->nprocs++;
}

static int ev_vwarn(struct ev_trace *t, uint32_t line, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static int ev_vwarn(struct ev_trace *t, uint32_t line, const char *fmt, va_list ap)
{
        va_list again;
        char *msg;
        size_t size;
        int n;

        if (grow((void **)&t->warns, &t->warns_cap, t->nwarns, sizeof(*t->warns)) < 0)
                return -ENOMEM;
        va_copy(again, ap);
        n = vsnprintf(NULL, 0, fmt, ap);
        if (n < 0) {
                va_end(again);
                return -ENOMEM;
        }
        /* guest names can be long and one name can be in many warnings */
        size = (size_t)n > EV_WARN_MAX ? EV_WARN_MAX : (size_t)n;
        msg = malloc(size + 4);
        if (!msg) {
                va_end(again);
                return -ENOMEM;
        }
        vsnprintf(msg, size + 1, fmt, again);
        va_end(again);
        if ((size_t)n > size)
                memcpy(msg + size, "...", 4);
        t->warns[t->nwarns].line = line;
        t->warns[t->nwarns].msg = msg;
        t->nwarns++;
        return 0;
}

int ev_warn(struct ev_trace *t, uint32_t line, const char *fmt, ...)
{
        va_list ap;
        int ret;

        va_start(ap, fmt);
        ret = ev_vwarn(t, line, fmt, ap);
        va_end(ap);
        return ret;
}

int ev_skip(struct ev_trace *t, uint64_t *count, uint32_t line, const char *fmt, ...)
{
        va_list ap;
        int ret;

        if (++*count > EV_SKIP_WARN_MAX)
                return 0;
        va_start(ap, fmt);
        ret = ev_vwarn(t, line, fmt, ap);
        va_end(ap);
        return ret;
}

int ev_skip_summary(struct ev_trace *t, uint64_t count, const char *what)
{
        if (count <= EV_SKIP_WARN_MAX)
                return 0;
        return ev_warn(t, 0, "%llu %s skipped in all (only the first %u are listed)",
                       (unsigned long long)count, what, EV_SKIP_WARN_MAX);
}

bool ev_to_ns(const struct ev_trace *t, uint64_t ticks, double *ns)
{
        if (t->clock == EV_CLOCK_NS) {
                *ns = (double)ticks;
                return true;
        }
        if (!t->freq_hz)
                return false;
        *ns = (double)ticks * 1e9 / (double)t->freq_hz;
        return true;
}

const char *ev_kind_str(enum ev_kind k)
{
        static const char *const names[] = {"ENTER", "EXIT", "THREAD", "EVENT"};

        return (unsigned)k < 4 ? names[k] : "?";
}

const char *ev_os_str(enum ev_os os)
{
        static const char *const names[] = {"unknown", "freebsd", "netbsd", "linux"};

        return (unsigned)os < 4 ? names[os] : "unknown";
}
