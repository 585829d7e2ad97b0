/* qemu: see qemu.h. */
#include "collector/qemu.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "guest/vmlinux.h"

extern char **environ;

/* Whether path names an executable regular file: 0, -ENOENT or -EACCES. */
static int check_exec(const char *path)
{
        struct stat st;

        if (stat(path, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EACCES;
        if (access(path, X_OK) < 0)
                return -errno;
        return 0;
}

static int search_path(const char *name, char **path)
{
        const char *p = getenv("PATH");
        int ret = -ENOENT;

        if (!p || !*p)
                p = "/usr/local/bin:/usr/bin:/bin";
        while (*p) {
                const char *colon = strchr(p, ':');
                size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
                struct sbuf sb = SBUF_INIT;
                int r;

                if (sbuf_addf(&sb, "%.*s/%s", (int)(dlen ? dlen : 1), dlen ? p : ".", name) < 0)
                        return -ENOMEM;
                r = check_exec(sb.buf);
                if (r == 0) {
                        *path = sbuf_detach(&sb, NULL);
                        return 0;
                }
                if (r == -EACCES)
                        ret = r;
                sbuf_release(&sb);
                p += dlen;
                if (*p == ':')
                        p++;
        }
        return ret;
}

int qemu_find(const char *explicit_path, char **path)
{
        const char *want = explicit_path;
        int ret;

        if (!want || !*want)
                want = getenv("BOOTLENS_QEMU");
        if (!want || !*want)
                want = QEMU_DEFAULT_BINARY;
        if (strchr(want, '/')) {
                ret = check_exec(want);
                if (ret < 0)
                        return ret;
                *path = strdup(want);
                return *path ? 0 : -ENOMEM;
        }
        return search_path(want, path);
}

int qemu_version(const char *binary, char **version)
{
        posix_spawn_file_actions_t fa;
        char *argv[] = {(char *)binary, "--version", NULL};
        struct sbuf out = SBUF_INIT;
        uint64_t deadline = util_now_ns() + 10000000000ull;
        int pipefd[2], status, ret;
        pid_t pid;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
        ret = -posix_spawn(&pid, binary, &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(pipefd[1]);
        if (ret < 0)
                goto out_close;
        for (;;) {
                struct pollfd p = {pipefd[0], POLLIN, 0};
                uint64_t now = util_now_ns();
                ssize_t n;

                if (now >= deadline) {
                        kill(pid, SIGKILL);
                        ret = -ETIMEDOUT;
                        break;
                }
                if (poll(&p, 1, (int)((deadline - now) / 1000000 + 1)) < 0) {
                        if (errno == EINTR)
                                continue;
                        ret = -errno;
                        kill(pid, SIGKILL);
                        break;
                }
                if (sbuf_grow(&out, 4096) < 0) {
                        ret = -ENOMEM;
                        kill(pid, SIGKILL);
                        break;
                }
                n = read(pipefd[0], out.buf + out.len, 4096);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                if (out.len < 65536)
                        out.len += (size_t)n;
                out.buf[out.len] = '\0';
        }
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (ret == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || out.len == 0))
                ret = WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -ENOENT : -EIO;
        if (ret == 0) {
                out.buf[strcspn(out.buf, "\r\n")] = '\0';
                *version = sbuf_detach(&out, NULL);
        }
out_close:
        sbuf_release(&out);
        close(pipefd[0]);
        return ret;
}

static const char *const accel_names[] = {
    [QEMU_ACCEL_AUTO] = "auto", [QEMU_ACCEL_KVM] = "kvm", [QEMU_ACCEL_HVF] = "hvf",
    [QEMU_ACCEL_NVMM] = "nvmm", [QEMU_ACCEL_TCG] = "tcg",
};

int qemu_accel_parse(const char *s, enum qemu_accel *a)
{
        for (size_t i = 0; i < UTIL_ARRAY_SIZE(accel_names); i++) {
                if (strcmp(s, accel_names[i]) == 0) {
                        *a = (enum qemu_accel)i;
                        return 0;
                }
        }
        return -EINVAL;
}

const char *qemu_accel_name(enum qemu_accel a)
{
        if ((size_t)a < UTIL_ARRAY_SIZE(accel_names))
                return accel_names[a];
        return "?";
}

static bool device_opens(const char *dev)
{
        int fd = open(dev, O_RDWR | O_CLOEXEC);

        if (fd < 0)
                return false;
        close(fd);
        return true;
}

bool qemu_accel_present(enum qemu_accel a)
{
        switch (a) {
        case QEMU_ACCEL_KVM:
                return device_opens("/dev/kvm");
        case QEMU_ACCEL_NVMM:
                return device_opens("/dev/nvmm");
        case QEMU_ACCEL_HVF:
#ifdef __APPLE__
                return true;
#else
                return false;
#endif
        case QEMU_ACCEL_TCG:
                return true;
        case QEMU_ACCEL_AUTO:
                break;
        }
        return false;
}

int qemu_kernel_kind(const char *path, enum qemu_kernel_kind *kind)
{
        unsigned char head[0x210];
        ssize_t n;
        int fd;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = util_read_full(fd, head, sizeof(head));
        close(fd);
        if (n < 0)
                return (int)n;
        *kind = QEMU_KERNEL_UNKNOWN;
        if (n >= 4 && memcmp(head, "\177ELF", 4) == 0) {
                struct vmlinux_elf e;

                /* An ELF libelf cannot read stays a plain ELF: QEMU says
                 * what is wrong with it. */
                *kind = QEMU_KERNEL_ELF;
                if (vmlinux_elf_inspect_file(path, &e) == 0 && e.linux_kernel)
                        *kind = QEMU_KERNEL_LINUX_ELF;
        } else if (n >= 0x206 && memcmp(head + 0x202, "HdrS", 4) == 0) {
                *kind = QEMU_KERNEL_BZIMAGE;
        }
        return 0;
}

bool qemu_kernel_is_linux(enum qemu_kernel_kind kind)
{
        return kind == QEMU_KERNEL_BZIMAGE || kind == QEMU_KERNEL_LINUX_ELF;
}

char *qemu_linux_cmdline(uint64_t tsc_khz)
{
        struct sbuf sb = SBUF_INIT;

        /* The kernel's own messages go to the serial port (kept for a
         * person: a hang shows there) and only at warning level (quiet):
         * a synchronous 8250 console would otherwise cost boot time. The
         * log buffer keeps every initcall_debug line for the dumper. */
        if (sbuf_adds(&sb, "console=ttyS0 quiet initcall_debug log_buf_len=4M panic=-1 "
                           "reboot=t") < 0)
                return NULL;
        /* Under TCG (tsc_khz given) the guest TSC runs at the host's rate:
         * tsc_early_khz skips the PIT calibration that sometimes hangs, and
         * tsc=reliable keeps the clocksource watchdog from declaring the TSC
         * unstable mid-boot, which would put later printk and initcall
         * times on jiffies (docs/collect.md). */
        if (tsc_khz &&
            sbuf_addf(&sb, " tsc=reliable tsc_early_khz=%llu", (unsigned long long)tsc_khz) < 0) {
                sbuf_release(&sb);
                return NULL;
        }
        return sbuf_detach(&sb, NULL);
}

static int push(char ***argv, size_t *n, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int push(char ***argv, size_t *n, size_t *cap, const char *fmt, ...)
{
        va_list ap;
        char *s;
        int r;

        if (*n + 2 > *cap) {
                size_t ncap = *cap ? *cap * 2 : 64;
                char **a = realloc(*argv, ncap * sizeof(*a));

                if (!a)
                        return -ENOMEM;
                *argv = a;
                *cap = ncap;
        }
        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        (*argv)[(*n)++] = s;
        (*argv)[*n] = NULL;
        return 0;
}

/* The machine type QEMU will use: the last -M/-machine among the extra
 * arguments (its first word, or type=), else ours. */
static bool machine_is_microvm(const struct qemu_config *c)
{
        const char *m = c->machine ? c->machine : QEMU_DEFAULT_MACHINE;

        for (size_t i = 0; i + 1 < c->nextra; i++) {
                const char *a = c->extra[i];

                if (strcmp(a, "-M") == 0 || strcmp(a, "-machine") == 0 ||
                    strcmp(a, "--machine") == 0) {
                        const char *v = c->extra[i + 1], *t = strstr(v, "type=");

                        if (t && (t == v || t[-1] == ','))
                                m = t + 5;
                        else if (!memchr(v, '=', strcspn(v, ",")))
                                m = v; /* "-M q35,..."; "-M rtc=off" keeps the type */
                }
        }
        return strncmp(m, "microvm", 7) == 0 && (m[7] == '\0' || m[7] == ',');
}

/* "file,id=ID,path=PATH" with QEMU's option escaping: a ',' in the path
 * is written ",,". */
static int push_file_chardev(char ***argv, size_t *n, size_t *cap, const char *id, const char *path)
{
        struct sbuf sb = SBUF_INIT;
        int r = sbuf_addf(&sb, "file,id=%s,path=", id);

        for (const char *p = path; *p && r == 0; p++)
                r = *p == ',' ? sbuf_adds(&sb, ",,") : sbuf_addch(&sb, *p);
        if (r == 0)
                r = push(argv, n, cap, "%s", sb.buf);
        sbuf_release(&sb);
        return r;
}

int qemu_build_argv(const struct qemu_config *c, char ***argvp)
{
        char **argv = NULL;
        size_t n = 0, cap = 0;
        int r = 0;

        if (!c->binary || !c->kernel || !c->accel || strcmp(c->accel, "auto") == 0)
                return -EINVAL;
        r |= push(&argv, &n, &cap, "%s", c->binary);
        r |= push(&argv, &n, &cap, "-M");
        r |= push(&argv, &n, &cap, "%s", c->machine ? c->machine : QEMU_DEFAULT_MACHINE);
        r |= push(&argv, &n, &cap, "-accel");
        r |= push(&argv, &n, &cap, "%s", c->accel);
        r |= push(&argv, &n, &cap, "-m");
        r |= push(&argv, &n, &cap, "%s", c->memory ? c->memory : QEMU_DEFAULT_MEMORY);
        r |= push(&argv, &n, &cap, "-smp");
        r |= push(&argv, &n, &cap, "1");
        r |= push(&argv, &n, &cap, "-nodefaults");
        r |= push(&argv, &n, &cap, "-no-user-config");
        r |= push(&argv, &n, &cap, "-display");
        r |= push(&argv, &n, &cap, "none");
        r |= push(&argv, &n, &cap, "-no-reboot");
        r |= push(&argv, &n, &cap, "-kernel");
        r |= push(&argv, &n, &cap, "%s", c->kernel);
        if (c->initrd) {
                r |= push(&argv, &n, &cap, "-initrd");
                r |= push(&argv, &n, &cap, "%s", c->initrd);
        }
        if (c->append && *c->append) {
                r |= push(&argv, &n, &cap, "-append");
                r |= push(&argv, &n, &cap, "%s", c->append);
        }
        if (c->console_path || c->console_fd >= 0) {
                r |= push(&argv, &n, &cap, "-chardev");
                if (c->console_path)
                        r |= push_file_chardev(&argv, &n, &cap, "blcon", c->console_path);
                else
                        r |= push(&argv, &n, &cap, "socket,id=blcon,fd=%d", c->console_fd);
                r |= push(&argv, &n, &cap, "-device");
                /* virtio-mmio on microvm, PCI on the others (-M q35, pc). */
                r |= push(&argv, &n, &cap, "%s",
                          machine_is_microvm(c) ? "virtio-serial-device" : "virtio-serial-pci");
                r |= push(&argv, &n, &cap, "-device");
                r |= push(&argv, &n, &cap, "virtconsole,chardev=blcon");
        }
        if (c->serial_fd >= 0) {
                r |= push(&argv, &n, &cap, "-chardev");
                r |= push(&argv, &n, &cap, "socket,id=blser,fd=%d", c->serial_fd);
                r |= push(&argv, &n, &cap, "-serial");
                r |= push(&argv, &n, &cap, "chardev:blser");
        }
        for (size_t i = 0; i < c->nextra; i++)
                r |= push(&argv, &n, &cap, "%s", c->extra[i]);
        if (r) {
                qemu_argv_free(argv);
                return -ENOMEM;
        }
        *argvp = argv;
        return (int)n;
}

void qemu_argv_free(char **argv)
{
        if (!argv)
                return;
        for (char **p = argv; *p; p++)
                free(*p);
        free(argv);
}
