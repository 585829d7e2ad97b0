/*
 * dumper_os: the interface between bootlens-dumper's main (dumper_main.c)
 * and the one OS path compiled into it (dumper_linux.c or dumper_bsd.c).
 */
#ifndef BOOTLENS_DUMPER_OS_H
#define BOOTLENS_DUMPER_OS_H

#include <stdbool.h>

#include "guest/dumper.h"

struct dumper_opts {
        const char *console; /* device path, "-" for stdout, NULL: the OS default */
        bool as_init;        /* we are process 1 (Linux /init) */
        bool poweroff;       /* power off after dumping */
        bool ftrace;         /* read the ftrace buffer (Linux) */
};

/* Collect, frame and write the dump, then power off or (Linux, as init,
 * bootlens.init=) exec a real init. Returns only on failure or when
 * neither was asked for: 0 or -errno. */
int dumper_os_run(const struct dumper_opts *o);

/* Open the console a marker goes to (opts console, else the OS default,
 * else stdout). Returns an fd or -errno. */
int dumper_os_open_console(const char *console);

#endif
