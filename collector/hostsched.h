/*
 * hostsched: how long a process's threads waited for a host CPU.
 *
 * The host scheduler's own account (CONFIG_SCHED_INFO): every thread's
 * /proc/PID/task/TID/schedstat holds "ON_CPU_NS RUN_DELAY_NS TIMESLICES",
 * the time it ran and the time it sat runnable on a runqueue waiting for
 * a CPU. Run delay, not CPU against wall time, tells a starved QEMU from
 * an idle guest (which uses little CPU and waits for nothing).
 *
 * Threads come and go (QEMU's vCPU threads, its RCU thread, the thread
 * pool's workers), and an exited thread's file goes with it: a sampler
 * reads every thread of the process now and then (the runner: every 50
 * ms, when the dump's end line arrives, and once more when QEMU is a
 * zombie, just before it is reaped), keeps each TID's last reading and
 * sums them. What a thread did after its last sample and before it exited
 * is lost (at most one interval).
 *
 * A kernel without schedstat files (CONFIG_SCHED_INFO off), or one whose
 * files hold only zeros (sched_info off, older kernels print "0 0 0"),
 * makes the account unavailable: never a 0 that looks measured.
 */
#ifndef BOOTLENS_HOSTSCHED_H
#define BOOTLENS_HOSTSCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One thread's last reading. */
struct hostsched_thread {
        pid_t tid;
        uint64_t on_cpu_ns, run_delay_ns, timeslices;
};

/* The account of one process: zero it (or HOSTSCHED_INIT) before the
 * first sample; hostsched_release() frees it. */
struct hostsched {
        struct hostsched_thread *threads; /* owned */
        size_t nthreads, cap;
        /* readings of TIDs that were reused by a newer thread (its counts
         * went backwards): kept here so that nothing is counted twice */
        uint64_t retired_on_cpu_ns, retired_run_delay_ns, retired_timeslices;
        unsigned samples; /* samples that read at least one thread */
        bool unavailable; /* a thread without a schedstat file was seen */
};

#define HOSTSCHED_INIT                                                                             \
        {                                                                                          \
                0                                                                                  \
        }

/* Read every thread of pid under proc (NULL: "/proc"; tests point it
 * elsewhere) into h. Returns the count of threads read, -ESRCH when the
 * process is gone (its task directory is), -ENOTSUP when its threads
 * have no schedstat file (h->unavailable is then set), -ENOMEM. */
int hostsched_sample(struct hostsched *h, pid_t pid, const char *proc);

/* The sums over every thread seen. Returns 0, or -ENOTSUP when the
 * account is unavailable (nothing sampled, no schedstat files, or only
 * zeros). threads: the distinct threads seen (may be NULL). */
int hostsched_totals(const struct hostsched *h, uint64_t *run_delay_ns, uint64_t *on_cpu_ns,
                     unsigned *threads);

void hostsched_release(struct hostsched *h); /* accepts NULL */

/* The host's 1-minute load average from /proc/loadavg, in hundredths
 * (3.68 is 368). Returns 0, -errno, or -EINVAL when it is malformed. */
int hostsched_loadavg(unsigned *centi);

#endif
