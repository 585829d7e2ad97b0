/*
 * standin_vmm: a stand-in for qemu-system-x86_64 for the collector's
 * floor benchmark (bench/bench_collector.sh). It takes the argv that
 * collector/qemu.c builds and boots nothing: "--version" prints a
 * QEMU-like line; otherwise it finds "-chardev file,id=blcon,path=P" (a
 * ",," in P is a ","), writes a framed dump (guest/framing.h's writer,
 * a dmesg section of about 4 KB of initcall lines, as a real guest's
 * dumper frames them) to P at once, a line to the serial socket
 * ("-chardev socket,id=blser,fd=N") if there is one, and exits 0.
 * What is left is the collector's own cost per boot.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "guest/framing.h"

#define PREFIX_CON "file,id=blcon,path="
#define PREFIX_SER "socket,id=blser,fd="

/* The dmesg section: initcall lines, about 4 KB. */
static int payload(struct sbuf *sb)
{
        int ret = sbuf_adds(sb, "<6>[    0.000000] Linux version 6.1.0-standin (bootlens bench)\n");

        for (int i = 0; i < 40 && ret == 0; i++) {
                unsigned us = 1000u + 137u * (unsigned)i;

                ret = sbuf_addf(sb,
                                "<7>[    0.%06u] calling  standin_%02d_init+0x0/0x40 @ 1\n"
                                "<7>[    0.%06u] initcall standin_%02d_init+0x0/0x40 returned 0 "
                                "after %u usecs\n",
                                us, i, us + 50, i, 50u);
        }
        return ret;
}

int main(int argc, char **argv)
{
        struct framing_writer w;
        struct sbuf path = SBUF_INIT, body = SBUF_INIT;
        int fd, ser = -1, ret;

        if (argc > 1 && strcmp(argv[1], "--version") == 0) {
                printf(
                    "QEMU emulator version 7.2.0 (bootlens stand-in VMM, bench/standin_vmm.c)\n");
                return 0;
        }
        for (int i = 1; i + 1 < argc; i++) {
                const char *a = argv[i + 1];

                if (strcmp(argv[i], "-chardev") != 0)
                        continue;
                if (strncmp(a, PREFIX_CON, strlen(PREFIX_CON)) == 0) {
                        sbuf_reset(&path);
                        for (const char *p = a + strlen(PREFIX_CON); *p; p++) {
                                if (p[0] == ',' && p[1] == ',')
                                        p++;
                                sbuf_addch(&path, *p);
                        }
                } else if (strncmp(a, PREFIX_SER, strlen(PREFIX_SER)) == 0) {
                        ser = atoi(a + strlen(PREFIX_SER));
                }
        }
        if (!path.len) {
                fprintf(stderr, "standin_vmm: no -chardev file,id=blcon,path=P in argv\n");
                return 1;
        }
        fd = open(path.buf, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd < 0 || payload(&body) < 0) {
                perror("standin_vmm: console");
                return 1;
        }
        if (ser >= 0)
                util_write_full(ser, "[    0.000000] standin serial\n", 30);
        ret = framing_begin(&w, fd,
                            "os=linux tsc_freq=2000000000 tsc_now=1000 uptime_ns=5000000 "
                            "console=hvc0");
        if (ret == 0)
                ret = framing_section(&w, "dmesg");
        if (ret == 0)
                ret = framing_write(&w, body.buf, body.len);
        if (ret == 0)
                ret = framing_end(&w);
        close(fd);
        sbuf_release(&body);
        sbuf_release(&path);
        return ret == 0 ? 0 : 1;
}
