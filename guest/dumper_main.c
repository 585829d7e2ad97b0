/*
 * bootlens-dumper: frames the kernel's boot records onto the console and
 * powers the VM off (docs/guest.md). One static binary, three roles:
 *
 *   /init (process 1 on Linux)     dump, then power off or exec a real init
 *                                  (a bare image, /etc/bootlens/poweroff:
 *                                  power off at once, no dump)
 *   bootlens-dumper [OPTIONS]      dump from a running system (BSD /etc/rc)
 *   bootlens-mark NAME             print "@@bootlens mark NAME uptime_ns=N"
 *   bootlens-dumper --mark NAME    (the same)
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "guest/dumper_os.h"

static void usage(FILE *out)
{
        fputs("usage: bootlens-dumper [--console DEV] [--poweroff] [--ftrace]\n"
              "       bootlens-dumper --mark NAME [--console DEV]\n"
              "       bootlens-mark NAME\n\n"
              "Frame the kernel's boot records (dmesg, or tslog on BSD) onto the console.\n"
              "As Linux /init it mounts /proc, /sys, /dev, loads /etc/bootlens/modules,\n"
              "dumps to /dev/hvc0 and powers off (kernel command line: bootlens.init=PATH\n"
              "execs PATH instead, bootlens.ftrace=1 adds the ftrace buffer,\n"
              "bootlens.console=DEV picks the console). In a bare image (with\n"
              "/etc/bootlens/poweroff) /init powers off at once, dumping nothing.\n\n"
              "  --console DEV  write to DEV ('-' for stdout)\n"
              "  --poweroff     power off after dumping\n"
              "  --ftrace       include the ftrace buffer (Linux)\n"
              "  --mark NAME    print a marker line with the time since boot\n",
              out);
}

static int mark(const char *name, const char *console)
{
        int fd, ret;

        fd = dumper_os_open_console(console);
        if (fd < 0) {
                fprintf(stderr, "bootlens-mark: cannot open console: %s\n", strerror(-fd));
                return 1;
        }
        ret = dumper_write_mark(fd, name);
        if (fd != STDOUT_FILENO)
                close(fd);
        if (ret < 0) {
                fprintf(stderr, "bootlens-mark: cannot write marker '%s': %s\n", name,
                        strerror(-ret));
                return ret == -EINVAL ? 2 : 1;
        }
        return 0;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
            {"console", required_argument, NULL, 'c'}, {"poweroff", no_argument, NULL, 'p'},
            {"ftrace", no_argument, NULL, 'f'},        {"mark", required_argument, NULL, 'm'},
            {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
        };
        struct dumper_opts o = {0};
        const char *base = strrchr(argv[0], '/'), *mark_name = NULL;
        int c, ret;

        base = base ? base + 1 : argv[0];
        if (strcmp(base, "bootlens-mark") == 0) {
                if (argc != 2 || argv[1][0] == '-') {
                        fputs("usage: bootlens-mark NAME\n", stderr);
                        return 2;
                }
                return mark(argv[1], NULL);
        }
        if (getpid() == 1) {
                /* The kernel passes init its own arguments; ignore them. */
                o.as_init = true;
                o.poweroff = true;
                if (access(DUMPER_POWEROFF_FILE, F_OK) == 0)
                        ret = dumper_os_poweroff();
                else
                        ret = dumper_os_run(&o);
                fprintf(stderr, "bootlens-dumper: cannot power off: %s\n", strerror(-ret));
                /* Process 1 must not exit: the kernel would panic. */
                for (;;)
                        pause();
        }
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                case 'c':
                        o.console = optarg;
                        break;
                case 'p':
                        o.poweroff = true;
                        break;
                case 'f':
                        o.ftrace = true;
                        break;
                case 'm':
                        mark_name = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 2;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "bootlens-dumper: unexpected argument '%s'\n", argv[optind]);
                return 2;
        }
        if (mark_name)
                return mark(mark_name, o.console);
        ret = dumper_os_run(&o);
        if (ret < 0) {
                fprintf(stderr, "bootlens-dumper: %s\n", strerror(-ret));
                return 1;
        }
        return 0;
}
