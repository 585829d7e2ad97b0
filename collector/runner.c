/* runner: see runner.h. */
#include "base/sbuf.h"
#include "collector/hostsched.h"
#include "collector/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MAX_MARKS      65536
#define KVM_ERROR_TEXT "KVM internal error"

/* One stream QEMU writes to us. */
struct stream {
        int fd;
        struct sbuf *buf;
        size_t cap;
        bool *truncated;
        uint64_t *t_first;
        bool is_file; /* a regular file being written: end of file is "nothing yet" */
};

static uint64_t tv_ns(const struct timeval *tv)
{
        return (uint64_t)tv->tv_sec * 1000000000ull + (uint64_t)tv->tv_usec * 1000ull;
}

static int add_mark(struct runner_result *r, const char *line, size_t len, size_t off, uint64_t now)
{
        struct runner_mark m = {0};
        struct runner_mark *a;

        if (framing_parse_mark(line, len, m.name, sizeof(m.name), &m.uptime_ns) < 0)
                return 0;
        /* The name came from the guest: keep it printable ASCII (and so
         * valid UTF-8 for the run's JSON). */
        for (char *p = m.name; *p; p++)
                if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
                        *p = '?';
        if (r->nmarks >= MAX_MARKS)
                return 0;
        if (r->nmarks % 64 == 0) {
                a = realloc(r->marks, (r->nmarks + 64) * sizeof(*a));
                if (!a)
                        return -ENOMEM;
                r->marks = a;
        }
        m.host_ns = now;
        m.offset = off;
        r->marks[r->nmarks++] = m;
        return 0;
}

int runner_scan_console(struct runner_result *r, struct runner_scan *s, uint64_t now)
{
        const char *buf = r->console.buf;

        while (s->scanned < r->console.len) {
                const char *nl = memchr(buf + s->scanned, '\n', r->console.len - s->scanned);
                size_t eol, len;
                const char *line;

                if (!nl) {
                        s->scanned = r->console.len;
                        break;
                }
                eol = (size_t)(nl - buf);
                line = buf + s->line_start;
                len = eol - s->line_start;
                switch (framing_line_kind(line, len, NULL, NULL)) {
                case FRAMING_LINE_BEGIN:
                        if (!r->t_dump_begin) {
                                r->t_dump_begin = now;
                                r->off_dump_begin = s->line_start;
                        }
                        break;
                case FRAMING_LINE_END:
                        if (r->t_dump_begin && !r->t_dump_end) {
                                r->t_dump_end = now;
                                r->off_dump_end = s->line_start;
                        }
                        break;
                case FRAMING_LINE_MARK:
                        if (add_mark(r, line, len, s->line_start, now) < 0)
                                return -ENOMEM;
                        break;
                default:
                        break;
                }
                s->line_start = eol + 1;
                s->scanned = eol + 1;
        }
        return 0;
}

/* Read what is there. Returns 1 at end of file, 0 when more may come,
 * -errno on error. Bytes past the stream's cap are read and dropped. */
static int drain(struct stream *st, uint64_t now)
{
        char scratch[4096];

        for (;;) {
                char *dst = scratch;
                size_t room = sizeof(scratch);
                bool keep = st->buf->len < st->cap;
                ssize_t n;

                if (keep) {
                        if (sbuf_grow(st->buf, 65536) < 0)
                                return -ENOMEM;
                        dst = st->buf->buf + st->buf->len;
                        room = st->buf->cap - st->buf->len - 1;
                        if (room > st->cap - st->buf->len)
                                room = st->cap - st->buf->len;
                }
                n = read(st->fd, dst, room);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN || errno == EWOULDBLOCK)
                                return 0;
                        if (errno == ECONNRESET)
                                return 1;
                        return -errno;
                }
                if (n == 0)
                        return st->is_file ? 0 : 1;
                if (st->t_first && !*st->t_first)
                        *st->t_first = now;
                if (keep) {
                        st->buf->len += (size_t)n;
                        st->buf->buf[st->buf->len] = '\0';
                } else if (st->truncated) {
                        *st->truncated = true;
                }
        }
}

static int make_pair(int *ours, int *theirs)
{
        int sv[2];

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return -errno;
        /* QEMU inherits its end; ours stays private and non-blocking. */
        if (fcntl(sv[1], F_SETFD, 0) < 0 || fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0) {
                int e = -errno;

                close(sv[0]);
                close(sv[1]);
                return e;
        }
        *ours = sv[0];
        *theirs = sv[1];
        return 0;
}

/*
 * The VirtIO console goes to a scratch file, not a socket: QEMU's
 * virtconsole drops whatever its chardev cannot take at once
 * (hw/char/virtio-console.c, flush_buf), so a collector that is slow to
 * read a socket (a loaded host) loses the end of a dump. A regular file
 * takes every byte; inotify wakes the collector as bytes land, so arrival
 * times are stamped as before. The file is made in $TMPDIR (else /tmp),
 * read through *fd, and unlinked as soon as QEMU has opened it (the
 * watch's IN_OPEN), so that not even a collector killed outright leaves
 * it behind. Returns 0 or -errno.
 */
static int make_console_file(struct sbuf *path, int *fd, int *ino)
{
        const char *dir = getenv("TMPDIR");

        if (!dir || !*dir)
                dir = "/tmp";
        if (sbuf_addf(path, "%s/bootlens-console-XXXXXX", dir) < 0)
                return -ENOMEM;
        *fd = mkostemp(path->buf, O_CLOEXEC);
        if (*fd < 0) {
                sbuf_reset(path);
                return -errno;
        }
        *ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (*ino < 0 || inotify_add_watch(*ino, path->buf, IN_MODIFY | IN_OPEN) < 0)
                return -errno;
        return 0;
}

/* Consume the watch's events; the first open (QEMU's: ours came before
 * the watch) unlinks the file and empties path. */
static void console_file_events(int ino, struct sbuf *path)
{
        char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        ssize_t n;

        for (;;) {
                n = read(ino, ev, sizeof(ev));
                if (n <= 0)
                        break;
                for (ssize_t off = 0; off + (ssize_t)sizeof(struct inotify_event) <= n;) {
                        const struct inotify_event *e = (const void *)(ev + off);

                        if ((e->mask & IN_OPEN) && path->len) {
                                unlink(path->buf);
                                sbuf_reset(path);
                        }
                        off += (ssize_t)sizeof(*e) + e->len;
                }
        }
}

static int spawn_qemu(char **argv, int log_fd, pid_t *pid)
{
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t at;
        sigset_t def, none;
        int ret;

        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, log_fd, 1);
        posix_spawn_file_actions_adddup2(&fa, log_fd, 2);
        posix_spawnattr_init(&at);
        sigemptyset(&none);
        sigemptyset(&def);
        sigaddset(&def, SIGINT);
        sigaddset(&def, SIGTERM);
        sigaddset(&def, SIGPIPE);
        sigaddset(&def, SIGHUP);
        posix_spawnattr_setsigdefault(&at, &def);
        posix_spawnattr_setsigmask(&at, &none);
        posix_spawnattr_setpgroup(&at, 0);
        posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                          POSIX_SPAWN_SETSIGMASK);
        ret = posix_spawn(pid, argv[0], &fa, &at, argv, environ);
        posix_spawnattr_destroy(&at);
        posix_spawn_file_actions_destroy(&fa);
        return -ret;
}

static void self_cpu(uint64_t *user, uint64_t *sys)
{
        struct rusage ru;

        getrusage(RUSAGE_SELF, &ru);
        *user = tv_ns(&ru.ru_utime);
        *sys = tv_ns(&ru.ru_stime);
}

/* QEMU leads its own process group: signal the group, so that anything
 * it started goes too. */
static void send_signal(struct runner_result *r, pid_t pid, int sig)
{
        if (kill(-pid, sig) < 0)
                kill(pid, sig);
        r->signal_sent = sig;
}

/* One boot in progress: the channels to QEMU and where the loop is. */
struct boot {
        struct qemu_config cfg;
        int con, ino, ser, ser_vm, logp[2], pidfd;
        struct sbuf con_path;
        struct stream st[3]; /* console file, serial socket, QEMU's stdout+stderr */
        struct runner_scan sc;
        struct hostsched hs; /* QEMU's threads' run delay */
        uint64_t sched_at;   /* next sample due (CLOCK_MONOTONIC ns) */
        bool sched_dump_end; /* sampled when the dump's end line arrived */
        uint64_t kill_at;    /* SIGKILL after a SIGTERM (0: none due) */
        char **argv;
        pid_t pid;
        bool reaped;
};

/* Make the console file, the serial socketpair, the log pipe and QEMU's
 * argv. Returns 0 or -errno (boot_close() releases what was made). */
static int boot_open(struct boot *b, const struct qemu_config *cfg)
{
        int ret;

        memset(b, 0, sizeof(*b));
        b->con = b->ino = b->ser = b->ser_vm = b->logp[0] = b->logp[1] = b->pidfd = -1;
        b->pid = -1;
        b->cfg = *cfg;
        sbuf_init(&b->con_path);
        ret = make_console_file(&b->con_path, &b->con, &b->ino);
        if (ret < 0)
                return ret;
        ret = make_pair(&b->ser, &b->ser_vm);
        if (ret < 0)
                return ret;
        if (pipe2(b->logp, O_CLOEXEC) < 0 || fcntl(b->logp[0], F_SETFL, O_NONBLOCK) < 0)
                return -errno;
        b->cfg.console_fd = -1;
        b->cfg.console_path = b->con_path.buf;
        b->cfg.serial_fd = b->ser_vm;
        ret = qemu_build_argv(&b->cfg, &b->argv);
        return ret < 0 ? ret : 0;
}

static void close_fd(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

static void boot_close(struct boot *b)
{
        hostsched_release(&b->hs);
        qemu_argv_free(b->argv);
        close_fd(&b->con);
        close_fd(&b->ser);
        close_fd(&b->ino);
        if (b->con_path.len)
                unlink(b->con_path.buf);
        sbuf_release(&b->con_path);
        close_fd(&b->ser_vm);
        close_fd(&b->logp[0]);
        close_fd(&b->logp[1]);
        close_fd(&b->pidfd);
}

/* Spawn QEMU at r->t_spawn; a failed spawn is a result (not started), not
 * an error. Returns 0, or 1 when QEMU runs. */
static int boot_spawn(struct boot *b, struct runner_result *r)
{
        unsigned centi;
        long cpus;
        int ret;

        if (hostsched_loadavg(&centi) == 0 && centi <= INT_MAX)
                r->loadavg_1m_centi = (int)centi;
        cpus = sysconf(_SC_NPROCESSORS_ONLN);
        r->cpus_online = cpus > 0 && cpus <= UINT_MAX ? (unsigned)cpus : 0;
        r->t_spawn = util_now_ns();
        ret = spawn_qemu(b->argv, b->logp[1], &b->pid);
        close_fd(&b->ser_vm);
        close_fd(&b->logp[1]);
        if (ret < 0) {
                r->exit = RUNNER_NOT_STARTED;
                r->spawn_error = -ret;
                return 0;
        }
        b->pidfd = (int)syscall(SYS_pidfd_open, b->pid, 0);
        b->st[0] = (struct stream){
            b->con, &r->console, RUNNER_MAX_CONSOLE, &r->console_truncated, &r->t_first_console,
            true};
        b->st[1] = (struct stream){
            b->ser, &r->serial, RUNNER_MAX_SERIAL, &r->serial_truncated, &r->t_first_serial, false};
        b->st[2] = (struct stream){b->logp[0], &r->qemu_log, RUNNER_MAX_STDERR, NULL, NULL, false};
        return 1;
}

/* Send what is due at now: SIGKILL on a stop request, SIGTERM at the
 * deadline or a while after the dump's end, SIGKILL a grace after that. */
static void send_due_signals(struct boot *b, const struct runner_opts *o, struct runner_result *r,
                             uint64_t now)
{
        if (o->stop && *o->stop >= o->stop_at && !r->interrupted) {
                r->interrupted = true;
                send_signal(r, b->pid, SIGKILL);
        }
        if (!r->signal_sent && now >= r->t_spawn + o->timeout_ns) {
                r->timed_out = true;
                send_signal(r, b->pid, SIGTERM);
                b->kill_at = now + RUNNER_KILL_GRACE_NS;
        }
        if (!r->signal_sent && r->t_dump_end && now >= r->t_dump_end + RUNNER_AFTER_DUMP_NS) {
                send_signal(r, b->pid, SIGTERM);
                b->kill_at = now + RUNNER_KILL_GRACE_NS;
        }
        if (b->kill_at && now >= b->kill_at && r->signal_sent != SIGKILL)
                send_signal(r, b->pid, SIGKILL);
}

/* QEMU was reaped at r->t_exit with status: record how, and take what its
 * streams still hold. Returns 0 or -errno. */
static int record_exit(struct boot *b, struct runner_result *r, int status, const struct rusage *ru)
{
        int ret = 0;

        if (WIFEXITED(status)) {
                r->exit = RUNNER_EXITED;
                r->exit_code = WEXITSTATUS(status);
        } else {
                r->exit = RUNNER_SIGNALED;
                r->exit_signal = WTERMSIG(status);
        }
        r->qemu_user_ns = tv_ns(&ru->ru_utime);
        r->qemu_sys_ns = tv_ns(&ru->ru_stime);
        /* Its sockets are closed now: take what is left. */
        for (int i = 0; i < 3; i++) {
                if (b->st[i].fd >= 0 && drain(&b->st[i], r->t_exit) < 0) {
                        ret = -EIO;
                        break;
                }
        }
        if (runner_scan_console(r, &b->sc, r->t_exit) < 0)
                ret = -ENOMEM;
        return ret;
}

/* How long poll() may sleep at now: until the next deadline or run delay
 * sample, but a short tick without a pidfd (QEMU's exit is noticed by wait4), and a tick that
 * lets a stop request through with one. */
static int poll_timeout_ms(const struct boot *b, const struct runner_opts *o,
                           const struct runner_result *r, uint64_t now)
{
        uint64_t wake = r->t_spawn + o->timeout_ns;
        int ms, tick = b->pidfd >= 0 ? 100 : 10;

        if (r->t_dump_end && r->t_dump_end + RUNNER_AFTER_DUMP_NS < wake)
                wake = r->t_dump_end + RUNNER_AFTER_DUMP_NS;
        if (b->kill_at)
                wake = b->kill_at;
        if (b->sched_at && b->sched_at < wake)
                wake = b->sched_at; /* the next run delay sample */
        ms = wake > now ? (int)((wake - now) / 1000000) + 1 : 0;
        return ms > tick ? tick : ms;
}

/* Wait up to timeout_ms for bytes or QEMU's exit, read every stream,
 * stamp console lines, and kill QEMU at once when it reports "KVM
 * internal error". Returns 0 or -errno. */
static int read_streams(struct boot *b, struct runner_result *r, int timeout_ms)
{
        struct pollfd p[4];
        uint64_t now;
        int n = 0;

        /* The console file is watched through inotify. */
        p[n++] = (struct pollfd){b->ino, POLLIN, 0};
        for (int i = 1; i < 3; i++)
                p[n++] = (struct pollfd){b->st[i].fd, POLLIN, 0};
        p[n++] = (struct pollfd){b->pidfd, POLLIN, 0};
        if (poll(p, (nfds_t)n, timeout_ms) < 0)
                return errno == EINTR ? 0 : -errno;
        now = util_now_ns();
        if (p[0].revents & POLLIN)
                console_file_events(b->ino, &b->con_path);
        for (int i = 0; i < 3; i++) {
                struct stream *st = &b->st[i];
                int d;

                /* the console file is read on every wake: cheap, and
                 * nothing waits on a missed inotify event */
                if (st->fd < 0 || (!st->is_file && !(p[i].revents & (POLLIN | POLLHUP | POLLERR))))
                        continue;
                d = drain(st, now);
                if (d == -ENOMEM)
                        return d;
                if (d != 0)
                        st->fd = -1; /* end of stream, or broken (ends like EOF); closed later */
        }
        if (runner_scan_console(r, &b->sc, now) < 0)
                return -ENOMEM;
        if (!r->kvm_error && r->qemu_log.len &&
            memmem(r->qemu_log.buf, r->qemu_log.len, KVM_ERROR_TEXT, sizeof(KVM_ERROR_TEXT) - 1)) {
                r->kvm_error = true;
                send_signal(r, b->pid, SIGKILL);
        }
        return 0;
}

/* Read QEMU's threads' run delay when a sample is due at now: every
 * RUNNER_SCHED_EVERY_NS, when the dump's end line has arrived, and (force)
 * when QEMU is a zombie about to be reaped. Returns 0 or -ENOMEM. */
static int sample_sched(struct boot *b, const struct runner_result *r, uint64_t now, bool force)
{
        int ret;

        if (r->t_dump_end && !b->sched_dump_end) {
                b->sched_dump_end = true;
                force = true;
        }
        if (b->hs.unavailable || (!force && now < b->sched_at))
                return 0; /* no account on this host, or not due */
        b->sched_at = now + RUNNER_SCHED_EVERY_NS;
        ret = hostsched_sample(&b->hs, b->pid, NULL);
        return ret == -ENOMEM ? ret : 0;
}

/* The run delay account of b into r->sched. */
static void record_sched(const struct boot *b, struct runner_result *r)
{
        struct session_sched *sc = &r->sched;

        memset(sc, 0, sizeof(*sc));
        if (hostsched_totals(&b->hs, &sc->run_delay_ns, &sc->on_cpu_ns, &sc->threads) == 0) {
                sc->available = true;
                sc->samples = b->hs.samples;
        } else {
                memset(sc, 0, sizeof(*sc)); /* unknown, not 0 */
        }
        sc->looked = true;
}

/* Whether QEMU has exited (a zombie, not yet reaped: its /proc entry is
 * still there to be read). */
static bool exited(pid_t pid)
{
        siginfo_t si = {0};

        return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/* Watch the running QEMU until it is reaped (b->reaped) or the host side
 * fails. Returns 0 or -errno. */
static int watch(struct boot *b, const struct runner_opts *o, struct runner_result *r)
{
        for (;;) {
                uint64_t now = util_now_ns();
                struct rusage ru;
                int status, ret;
                bool gone;

                send_due_signals(b, o, r, now);
                gone = exited(b->pid);
                ret = sample_sched(b, r, now, gone);
                if (ret < 0)
                        return ret;
                if (gone && wait4(b->pid, &status, WNOHANG, &ru) == b->pid) {
                        record_sched(b, r);
                        r->t_exit = util_now_ns();
                        b->reaped = true;
                        return record_exit(b, r, status, &ru);
                }
                ret = read_streams(b, r, poll_timeout_ms(b, o, r, now));
                if (ret < 0)
                        return ret;
        }
}

/* A host-side failure: do not leave QEMU behind. */
static void kill_unreaped(struct boot *b)
{
        if (kill(-b->pid, SIGKILL) < 0)
                kill(b->pid, SIGKILL);
        while (waitpid(b->pid, NULL, 0) < 0 && errno == EINTR)
                ;
}

/* The dump's check, bootlens's CPU time since (u0, s0), the verdict. */
static void finish(struct runner_result *r, const struct runner_opts *o, uint64_t u0, uint64_t s0)
{
        uint64_t u1, s1;

        if (r->t_dump_begin && r->console.len) {
                if (framing_parse(r->console.buf, r->console.len, &r->dump) == 0)
                        r->dump_found = true;
                else
                        framing_dump_free(&r->dump);
        }
        self_cpu(&u1, &s1);
        r->self_user_ns = u1 - u0;
        r->self_sys_ns = s1 - s0;
        r->host_timed = o->host_timed;
        runner_judge(r, o->timeout_ns);
}

int runner_run(const struct qemu_config *cfg, const struct runner_opts *o, struct runner_result *r)
{
        struct boot b;
        uint64_t u0, s0;
        int ret;

        memset(r, 0, sizeof(*r));
        r->loadavg_1m_centi = -1;
        sbuf_init(&r->console);
        sbuf_init(&r->serial);
        sbuf_init(&r->qemu_log);
        self_cpu(&u0, &s0);
        ret = boot_open(&b, cfg);
        if (ret < 0)
                goto out;
        if (boot_spawn(&b, r)) {
                ret = watch(&b, o, r);
                if (!b.reaped) {
                        kill_unreaped(&b);
                        goto out;
                }
        }
        finish(r, o, u0, s0);
out:
        boot_close(&b);
        return ret;
}

static double secs(uint64_t ns)
{
        return (double)ns / 1e9;
}

void runner_judge(struct runner_result *r, uint64_t timeout_ns)
{
        bool whole = r->dump_found && r->dump.status == FRAMING_OK;
        size_t rs = sizeof(r->reason);

        r->reason[0] = '\0';
        if (r->exit == RUNNER_NOT_STARTED) {
                r->verdict = SESSION_CRASH;
                snprintf(r->reason, rs, "cannot start qemu: %s", strerror(r->spawn_error));
        } else if (r->kvm_error) {
                r->verdict = SESSION_CRASH;
                snprintf(r->reason, rs, "qemu reported \"KVM internal error\"");
        } else if (r->host_timed && r->exit == RUNNER_EXITED && r->exit_code == 0 &&
                   !r->timed_out && !r->signal_sent) {
                r->verdict = SESSION_OK; /* timed by the host alone: spawn to exit */
        } else if (whole) {
                r->verdict = SESSION_OK;
                if (r->signal_sent)
                        snprintf(r->reason, rs, "qemu did not exit after the dump; stopped");
        } else if (r->timed_out) {
                r->verdict = SESSION_TIMEOUT;
                if (r->t_dump_begin)
                        snprintf(r->reason, rs, "dump not finished within %g s", secs(timeout_ns));
                else
                        snprintf(r->reason, rs, "no dump within %g s", secs(timeout_ns));
        } else if (r->dump_found) {
                r->verdict = SESSION_BAD_DUMP;
                if (r->dump.status == FRAMING_BAD_CRC)
                        snprintf(r->reason, rs, "dump: crc32 mismatch (claimed %08x, actual %08x)",
                                 r->dump.crc_claimed, r->dump.crc_actual);
                else if (r->dump.status == FRAMING_BAD_BYTES)
                        snprintf(r->reason, rs,
                                 "dump: byte count mismatch (claimed %llu, actual %llu)",
                                 (unsigned long long)r->dump.bytes_claimed,
                                 (unsigned long long)r->dump.bytes_actual);
                else
                        snprintf(r->reason, rs, "dump: %s", framing_status_str(r->dump.status));
                if (r->console_truncated)
                        snprintf(r->reason, rs, "dump: capture larger than %u MiB, truncated",
                                 RUNNER_MAX_CONSOLE >> 20);
        } else if (r->exit == RUNNER_SIGNALED) {
                r->verdict = SESSION_CRASH;
                snprintf(r->reason, rs, "qemu killed by signal %d (%s) before a dump",
                         r->exit_signal, strsignal(r->exit_signal));
        } else {
                r->verdict = SESSION_CRASH;
                snprintf(r->reason, rs, "qemu exited with status %d before a dump", r->exit_code);
        }
}

void runner_result_free(struct runner_result *r)
{
        if (!r)
                return;
        free(r->marks);
        r->marks = NULL;
        r->nmarks = 0;
        sbuf_release(&r->console);
        sbuf_release(&r->serial);
        sbuf_release(&r->qemu_log);
        if (r->dump_found)
                framing_dump_free(&r->dump);
        r->dump_found = false;
}
