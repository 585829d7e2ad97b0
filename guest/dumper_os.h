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

/* The marker file of a bare image (initrd_write_poweroff()): as /init,
 * the dumper then powers off at once instead of dumping. */
#define DUMPER_POWEROFF_FILE "/etc/bootlens/poweroff"

/* As /init of a bare image: power the VM off at once, with nothing
 * dumped and no module loaded; only what choosing how to end the VM needs
 * (Linux: /proc for bootlens.halt=, /sys for ACPI). Returns only on
 * failure: -errno. */
int dumper_os_poweroff(void);

/* Open the console a marker goes to (opts console, else the OS default,
 * else stdout). Returns an fd or -errno. */
int dumper_os_open_console(const char *console);

#endif
