/*
 * Unit tests of the run delay account (collector/hostsched.c): a real
 * child with two busy threads, one of which exits before the end (its
 * time must not be lost); a zombie read before its reap; and a fake /proc
 * for what this host cannot show (no schedstat files, "0 0 0", a reused
 * TID, a malformed file).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "collector/hostsched.h"

#include "scratch.h"
#include "skip.h"

#define MS 1000000ull

static char dir[64];

static int setup(void **state)
{
        (void)state;
        snprintf(dir, sizeof(dir), "/tmp/test_hostsched.XXXXXX");
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
        (void)state;
        scratch_rm_rf(dir);
        return 0;
}

/* Burn ms of this thread's own CPU time. */
static void spin_cpu(uint64_t ms)
{
        struct timespec ts;
        uint64_t t0;

        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        t0 = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
        for (;;) {
                clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
                if ((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec - t0 >= ms * MS)
                        return;
        }
}

static void *worker(void *arg)
{
        (void)arg;
        spin_cpu(100);
        return NULL;
}

/* The child: a worker thread that burns 100 ms of CPU and exits, the main
 * thread 150 ms; then "done" on fd, and wait to be killed. */
static void child(int fd)
{
        pthread_t t;

        if (pthread_create(&t, NULL, worker, NULL) != 0)
                _exit(1);
        spin_cpu(150);
        pthread_join(t, NULL);
        if (write(fd, "d", 1) != 1)
                _exit(1);
        for (;;)
                pause();
}

static void test_hostsched_sums_threads_even_after_one_exits(void **state)
{
        struct hostsched h = HOSTSCHED_INIT;
        uint64_t delay, cpu, t0, wall, worker_cpu = 0;
        unsigned threads;
        int p[2], ret, last = 0;
        pid_t pid;

        (void)state;
        assert_int_equal(pipe(p), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(p[0]);
                child(p[1]);
        }
        close(p[1]);
        t0 = util_now_ns();
        for (;;) {
                struct pollfd pf = {p[0], POLLIN, 0};

                ret = hostsched_sample(&h, pid, NULL);
                if (ret == -ENOTSUP) {
                        kill(pid, SIGKILL);
                        waitpid(pid, NULL, 0);
                        test_skip("this kernel keeps no /proc/PID/task/TID/schedstat");
                }
                assert_true(ret >= 1);
                if (poll(&pf, 1, 10) == 1)
                        break;
        }
        last = hostsched_sample(&h, pid, NULL);
        wall = util_now_ns() - t0;
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        close(p[0]);

        assert_int_equal(last, 1); /* the worker has exited: the main thread alone */
        assert_int_equal(hostsched_totals(&h, &delay, &cpu, &threads), 0);
        assert_int_equal(threads, 2);
        for (size_t i = 0; i < h.nthreads; i++)
                if (h.threads[i].tid != pid)
                        worker_cpu = h.threads[i].on_cpu_ns;
        /* The worker's last reading is kept: at most one 10 ms interval
         * (and a busy host's lag) short of its 100 ms. */
        assert_in_range(worker_cpu, 60 * MS, 200 * MS);
        /* 250 ms burnt in all, on at most two CPUs at once. */
        assert_in_range(cpu, 200 * MS, 2 * wall + 50 * MS);
        /* Waiting is bounded by the time there was to wait, per thread. */
        assert_true(delay <= 2 * wall);
        assert_true(h.samples >= 2);
        hostsched_release(&h);
        hostsched_release(&h); /* a released account is a zeroed one */
        hostsched_release(NULL);
}

/* A zombie can still be read (what the runner does just before the
 * reap); a reaped process is gone. */
static void test_hostsched_reads_a_zombie_not_a_reaped_process(void **state)
{
        struct hostsched h = HOSTSCHED_INIT;
        uint64_t delay, cpu;
        siginfo_t si = {0};
        pid_t pid;

        (void)state;
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                spin_cpu(50);
                _exit(0);
        }
        assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
        if (hostsched_sample(&h, pid, NULL) == -ENOTSUP) {
                waitpid(pid, NULL, 0);
                test_skip("this kernel keeps no /proc/PID/task/TID/schedstat");
        }
        assert_int_equal(hostsched_totals(&h, &delay, &cpu, NULL), 0);
        assert_in_range(cpu, 40 * MS, 5000 * MS);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
        assert_int_equal(hostsched_sample(&h, pid, NULL), -ESRCH);
        hostsched_release(&h);
}

/* Write text as proc/PID/task/TID/schedstat under dir (text NULL: the
 * thread's directory without the file). */
static void fake_thread(const char *proc, int pid, int tid, const char *text)
{
        char path[256];

        snprintf(path, sizeof(path), "%s/%d/task/%d", proc, pid, tid);
        assert_int_equal(util_mkdir_p(path, 0755), 0);
        if (!text)
                return;
        snprintf(path, sizeof(path), "%s/%d/task/%d/schedstat", proc, pid, tid);
        assert_int_equal(util_write_file_atomic(path, text, strlen(text)), 0);
}

static void test_hostsched_fake_proc(void **state)
{
        struct hostsched h = HOSTSCHED_INIT;
        char proc[128], path[256];
        uint64_t delay, cpu;
        unsigned threads;

        (void)state;
        snprintf(proc, sizeof(proc), "%s/proc", dir);
        /* Nothing sampled: unavailable, never a measured 0. */
        assert_int_equal(hostsched_totals(&h, &delay, &cpu, &threads), -ENOTSUP);
        assert_int_equal(hostsched_sample(&h, 7, proc), -ESRCH);

        fake_thread(proc, 10, 10, "300 20 3\n");
        fake_thread(proc, 10, 11, "100 5 1\n");
        assert_int_equal(hostsched_sample(&h, 10, proc), 2);
        /* TID 11 exits, TID 12 appears; 10 runs on. */
        snprintf(path, sizeof(path), "%s/10/task/11/schedstat", proc);
        unlink(path);
        snprintf(path, sizeof(path), "%s/10/task/11", proc);
        rmdir(path);
        fake_thread(proc, 10, 10, "400 30 4\n");
        fake_thread(proc, 10, 12, "50 7 1\n");
        assert_int_equal(hostsched_sample(&h, 10, proc), 2);
        assert_int_equal(hostsched_totals(&h, &delay, &cpu, &threads), 0);
        assert_int_equal(cpu, 400 + 100 + 50);
        assert_int_equal(delay, 30 + 5 + 7);
        assert_int_equal(threads, 3);
        /* TID 12 reused by a new thread: its counts went back; the old
         * thread's reading is kept. */
        fake_thread(proc, 10, 12, "10 1 1\n");
        assert_int_equal(hostsched_sample(&h, 10, proc), 2);
        assert_int_equal(hostsched_totals(&h, &delay, &cpu, &threads), 0);
        assert_int_equal(cpu, 400 + 100 + 50 + 10);
        assert_int_equal(delay, 30 + 5 + 7 + 1);
        assert_int_equal(h.samples, 3);
        /* A malformed file is skipped like an exited thread. */
        fake_thread(proc, 10, 13, "junk\n");
        assert_int_equal(hostsched_sample(&h, 10, proc), 2);
        hostsched_release(&h);

        /* "0 0 0": a kernel with sched_info off. */
        fake_thread(proc, 20, 20, "0 0 0\n");
        assert_int_equal(hostsched_sample(&h, 20, proc), 1);
        assert_int_equal(hostsched_totals(&h, &delay, &cpu, &threads), -ENOTSUP);
        hostsched_release(&h);

        /* A thread without a schedstat file: CONFIG_SCHED_INFO off. */
        fake_thread(proc, 30, 30, NULL);
        assert_int_equal(hostsched_sample(&h, 30, proc), -ENOTSUP);
        assert_true(h.unavailable);
        assert_int_equal(hostsched_totals(&h, &delay, &cpu, &threads), -ENOTSUP);
        hostsched_release(&h);
}

static void test_hostsched_loadavg(void **state)
{
        unsigned centi = 99999;

        (void)state;
        if (access("/proc/loadavg", R_OK) != 0)
                test_skip("no /proc/loadavg");
        assert_int_equal(hostsched_loadavg(&centi), 0);
        assert_true(centi < 100000);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_hostsched_sums_threads_even_after_one_exits),
            cmocka_unit_test(test_hostsched_reads_a_zombie_not_a_reaped_process),
            cmocka_unit_test(test_hostsched_fake_proc),
            cmocka_unit_test(test_hostsched_loadavg),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
