/*
 * runner: boot one micro-VM once and record what happened.
 *
 * runner_run() spawns QEMU (posix_spawn, its own process group so that a
 * Ctrl-C on the terminal reaches only bootlens), reads the VirtIO console
 * (a scratch file QEMU writes, tailed through inotify: QEMU drops console
 * bytes a socket cannot take at once), the serial port (a socketpair
 * handed to QEMU as a chardev fd) and QEMU's
 * stdout/stderr with poll(), and stamps CLOCK_MONOTONIC host times:
 * spawn, first console byte, the dump's begin and end lines, every
 * "@@bootlens mark" line (the time its newline arrived) and QEMU's exit.
 * While QEMU runs it reads its threads' run delay (hostsched.h: how long
 * they waited for a host CPU, docs/contention.md).
 * Every byte is kept verbatim in memory (bounded: see RUNNER_MAX_*).
 *
 * A run ends when QEMU exits; when the deadline passes (SIGTERM, then
 * SIGKILL a second later: verdict timeout); when QEMU reports "KVM
 * internal error" (killed at once: crash); a little after the dump's end
 * line if QEMU does not exit by itself; or when *stop asks for it (the
 * result is then marked interrupted and should be thrown away).
 *
 * runner_judge() turns the observations into a verdict; it is separate
 * so that tests can pin it. Guest bytes are untrusted: line scanning is
 * bounded and nothing is ever passed to a shell.
 */
#ifndef BOOTLENS_RUNNER_H
#define BOOTLENS_RUNNER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "collector/qemu.h"
#include "collector/session.h"
#include "guest/framing.h"

#define RUNNER_MAX_CONSOLE    (256u << 20) /* bytes kept per stream */
#define RUNNER_MAX_SERIAL     (64u << 20)
#define RUNNER_MAX_STDERR     (1u << 20)
#define RUNNER_AFTER_DUMP_NS  5000000000ull /* grace for QEMU to exit after the dump */
#define RUNNER_KILL_GRACE_NS  1000000000ull /* SIGTERM to SIGKILL */
#define RUNNER_SCHED_EVERY_NS 50000000ull   /* QEMU's threads' run delay read this often */

struct runner_mark {
        char name[64];      /* truncated to 63 bytes; bytes outside 0x21-0x7e become '?' */
        uint64_t host_ns;   /* when the line's newline arrived */
        uint64_t uptime_ns; /* what the guest said (0: nothing) */
        size_t offset;      /* the line's first byte in the console capture */
};

enum runner_exit {
        RUNNER_NOT_STARTED, /* spawn failed: spawn_error */
        RUNNER_EXITED,      /* exit_code */
        RUNNER_SIGNALED,    /* exit_signal */
};

struct runner_result {
        /* Host marks, CLOCK_MONOTONIC ns; 0 means it did not happen. */
        uint64_t t_spawn, t_first_console, t_first_serial, t_dump_begin, t_dump_end, t_exit;
        /* Console offsets of the begin and end lines' first bytes (valid
         * when the matching t_ is set). */
        size_t off_dump_begin, off_dump_end;
        struct runner_mark *marks; /* owned, runner_result_free() */
        size_t nmarks;

        struct sbuf console, serial, qemu_log; /* verbatim captures */
        bool console_truncated, serial_truncated;

        enum runner_exit exit;
        int exit_code, exit_signal, spawn_error; /* spawn_error: positive errno */
        int signal_sent;                         /* last signal bootlens sent QEMU (0: none) */
        bool timed_out;                          /* the deadline passed */
        bool kvm_error;                          /* QEMU said "KVM internal error" */
        bool interrupted;                        /* stopped by *stop: throw the result away */

        bool dump_found;          /* a begin line was seen */
        struct framing_dump dump; /* valid when dump_found */

        /* CPU time in ns: QEMU's (from wait4) and bootlens's own during the
         * run (getrusage). */
        uint64_t qemu_user_ns, qemu_sys_ns, self_user_ns, self_sys_ns;

        /* How long QEMU's threads waited for a host CPU (hostsched.h),
         * sampled every RUNNER_SCHED_EVERY_NS, when the dump's end line
         * arrives and once as a zombie before the reap; not available when
         * the host keeps no such account. The host's load at spawn. */
        struct session_sched sched;
        int loadavg_1m_centi; /* -1: unknown */
        unsigned cpus_online; /* 0: unknown */

        bool host_timed;              /* runner_opts.host_timed, for runner_judge() */
        enum session_verdict verdict; /* set by runner_judge(): never warmup */
        char reason[256];
};

struct runner_opts {
        uint64_t timeout_ns;         /* from spawn to kill */
        volatile sig_atomic_t *stop; /* non-NULL: stop at once when *stop >= stop_at */
        int stop_at;
        /* A host-timed variant (timing=host): QEMU exiting by itself with
         * status 0 before the deadline is ok, dump or not (runner_judge()). */
        bool host_timed;
};

/* Boot once: cfg's console_fd/serial_fd are filled in by the runner. r is
 * initialised here (runner_result_free() it even on error). Returns 0 when
 * a result was recorded (whatever the verdict, including a failed spawn),
 * -ENOMEM or another -errno when the host side failed (pipes, sockets). */
int runner_run(const struct qemu_config *cfg, const struct runner_opts *o, struct runner_result *r);

/* Where runner_scan_console() stopped: zero it before the first call. */
struct runner_scan {
        size_t line_start; /* first byte of the line being assembled */
        size_t scanned;    /* bytes already searched for a newline */
};

/* Look at every console line of r->console completed since the last call
 * (bytes may arrive in any chunks): stamp t_dump_begin/t_dump_end (with
 * their offsets) and append "@@bootlens mark" lines to r->marks, at host
 * time now. What runner_run() does as bytes arrive; public so that tests
 * and fuzzers can feed it. Returns 0 or -ENOMEM. */
int runner_scan_console(struct runner_result *r, struct runner_scan *s, uint64_t now);

/* Set r->verdict and r->reason from the observations, for a boot with the
 * given timeout. A whole dump is ok (even if QEMU then had to be killed);
 * a deadline passed is timeout; "KVM internal error", a failed spawn, or
 * QEMU ending without a dump is crash; a dump without a good end (missing
 * end line, byte count, CRC or section mismatch) is bad-dump. With
 * r->host_timed, QEMU that exited by itself (no signal sent) with status 0
 * before the deadline is ok whatever the console holds; a KVM internal
 * error is still crash, and every other case is judged as above. */
void runner_judge(struct runner_result *r, uint64_t timeout_ns);

void runner_result_free(struct runner_result *r);

#endif
