/* hostsched: see hostsched.h. */
#include "collector/hostsched.h"
#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Read "ON_CPU RUN_DELAY TIMESLICES\n" from path. Returns 0, -ENOENT,
 * -EINVAL (malformed) or -errno. */
static int read_schedstat(const char *path, struct hostsched_thread *t)
{
        char buf[128];
        const char *p = buf, *end;
        ssize_t n;
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        n = util_read_full(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n < 0)
                return (int)n;
        end = buf + n;
        if (util_scan_u64(&p, end, 10, 0, &t->on_cpu_ns) < 0 || p >= end || *p++ != ' ' ||
            util_scan_u64(&p, end, 10, 0, &t->run_delay_ns) < 0 || p >= end || *p++ != ' ' ||
            util_scan_u64(&p, end, 10, 0, &t->timeslices) < 0)
                return -EINVAL;
        return 0;
}

/* Fold reading t into h: a known TID takes the new values, unless they
 * went backwards (the TID was reused by a new thread: the old thread's
 * last reading is retired first). Returns 0 or -ENOMEM. */
static int record(struct hostsched *h, const struct hostsched_thread *t)
{
        struct hostsched_thread *a;

        for (size_t i = 0; i < h->nthreads; i++) {
                struct hostsched_thread *o = &h->threads[i];

                if (o->tid != t->tid)
                        continue;
                if (t->on_cpu_ns < o->on_cpu_ns || t->run_delay_ns < o->run_delay_ns ||
                    t->timeslices < o->timeslices) {
                        h->retired_on_cpu_ns += o->on_cpu_ns;
                        h->retired_run_delay_ns += o->run_delay_ns;
                        h->retired_timeslices += o->timeslices;
                }
                *o = *t;
                return 0;
        }
        if (h->nthreads == h->cap) {
                size_t cap = h->cap ? 2 * h->cap : 16;

                a = realloc(h->threads, cap * sizeof(*a));
                if (!a)
                        return -ENOMEM;
                h->threads = a;
                h->cap = cap;
        }
        h->threads[h->nthreads++] = *t;
        return 0;
}

/* Whether dir/name exists (the thread has not exited). */
static bool exists(const char *dir, const char *name)
{
        char path[128];
        struct stat st;

        if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
                return false;
        return stat(path, &st) == 0;
}

int hostsched_sample(struct hostsched *h, pid_t pid, const char *proc)
{
        char dir[128], path[192];
        struct dirent *e;
        DIR *d;
        int n = 0, ret = 0;

        if (snprintf(dir, sizeof(dir), "%s/%d/task", proc ? proc : "/proc", (int)pid) >=
            (int)sizeof(dir))
                return -ENAMETOOLONG;
        d = opendir(dir);
        if (!d)
                return errno == ENOENT ? -ESRCH : -errno;
        while ((e = readdir(d))) {
                struct hostsched_thread t = {0};
                uint64_t tid;
                int r;

                if (util_parse_u64(e->d_name, 10, &tid) < 0 || tid == 0 || tid > INT32_MAX)
                        continue; /* ".", ".." */
                t.tid = (pid_t)tid;
                if (snprintf(path, sizeof(path), "%s/%s/schedstat", dir, e->d_name) >=
                    (int)sizeof(path))
                        continue;
                r = read_schedstat(path, &t);
                if (r == -ENOENT && exists(dir, e->d_name)) {
                        h->unavailable = true; /* the thread is there, its file is not */
                        ret = -ENOTSUP;
                        break;
                }
                if (r < 0)
                        continue; /* the thread exited meanwhile */
                r = record(h, &t);
                if (r < 0) {
                        ret = r;
                        break;
                }
                n++;
        }
        closedir(d);
        if (ret < 0)
                return ret;
        if (n)
                h->samples++;
        return n;
}

int hostsched_totals(const struct hostsched *h, uint64_t *run_delay_ns, uint64_t *on_cpu_ns,
                     unsigned *threads)
{
        uint64_t delay = h->retired_run_delay_ns, cpu = h->retired_on_cpu_ns;
        uint64_t slices = h->retired_timeslices;

        for (size_t i = 0; i < h->nthreads; i++) {
                delay += h->threads[i].run_delay_ns;
                cpu += h->threads[i].on_cpu_ns;
                slices += h->threads[i].timeslices;
        }
        *run_delay_ns = delay;
        *on_cpu_ns = cpu;
        if (threads)
                *threads = (unsigned)h->nthreads;
        /* A process that was sampled has run: all zeros is a kernel that
         * does not keep the account (sched_info off prints "0 0 0"). */
        if (h->unavailable || !h->samples || (!cpu && !slices))
                return -ENOTSUP;
        return 0;
}

void hostsched_release(struct hostsched *h)
{
        if (!h)
                return;
        free(h->threads);
        memset(h, 0, sizeof(*h));
}

int hostsched_loadavg(unsigned *centi)
{
        char *data;
        const char *p;
        size_t len;
        uint64_t v;
        int ret = util_read_file("/proc/loadavg", &data, &len);

        if (ret < 0)
                return ret;
        p = data;
        ret = util_scan_fixed(&p, data + len, 100, &v);
        if (ret == 0 && (p == data + len || *p != ' ' || v > UINT32_MAX))
                ret = -EINVAL;
        if (ret == 0)
                *centi = (unsigned)v;
        free(data);
        return ret < 0 ? -EINVAL : 0;
}
