/*
 * qemu: find QEMU, ask its version, choose an accelerator and build the
 * argv that boots one micro-VM (never a shell command line).
 *
 * The argv is bootlens's own arguments first, then the caller's extra
 * arguments (a variant's, then the user's), so that later ones override:
 * QEMU merges repeated -M options, so "-M microvm,rtc=off" after ours
 * turns the RTC off.
 *
 *   BINARY -M microvm -accel A -m 256M -smp 1 -nodefaults -no-user-config
 *          -display none -no-reboot -kernel K [-initrd I] [-append CMDLINE]
 *          -chardev file,id=blcon,path=P -device virtio-serial-device
 *          -device virtconsole,chardev=blcon   (virtio-serial-pci when the
 *                                               extra -M is not microvm)
 *          -chardev socket,id=blser,fd=M -serial chardev:blser  EXTRA...
 *
 * Functions return 0 or a negative errno and never print.
 */
#ifndef BOOTLENS_QEMU_H
#define BOOTLENS_QEMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QEMU_DEFAULT_BINARY  "qemu-system-x86_64"
#define QEMU_DEBIAN_PACKAGE  "qemu-system-x86"
#define QEMU_DEFAULT_MACHINE "microvm"
#define QEMU_DEFAULT_MEMORY  "256M"

/* Find the QEMU binary: explicit (a path, or a name looked up in PATH) if
 * not NULL, else $BOOTLENS_QEMU if set, else qemu-system-x86_64 in PATH.
 * *path is malloc'd. Returns 0, -ENOENT when there is no such program,
 * -EACCES when it is not executable, -ENOMEM. */
int qemu_find(const char *explicit_path, char **path);

/* Run "BINARY --version" and return its first line (malloc'd, without
 * the newline) in *version. Returns 0, -ENOENT/-EACCES when it cannot be
 * started, -EIO when it fails or prints nothing, -ETIMEDOUT after 10 s. */
int qemu_version(const char *binary, char **version);

enum qemu_accel {
        QEMU_ACCEL_AUTO,
        QEMU_ACCEL_KVM,
        QEMU_ACCEL_HVF,
        QEMU_ACCEL_NVMM,
        QEMU_ACCEL_TCG,
};

/* "auto", "kvm", "hvf", "nvmm", "tcg". Returns 0 or -EINVAL. */
int qemu_accel_parse(const char *s, enum qemu_accel *a);
const char *qemu_accel_name(enum qemu_accel a);
/* Whether the host offers a (hardware) accelerator at all: /dev/kvm or
 * /dev/nvmm opens read-write, HVF on macOS. TCG is always present. Whether
 * it actually runs a guest is another question (see collect.h's probe). */
bool qemu_accel_present(enum qemu_accel a);

/* What kind of kernel image a file is. QEMU boots an ELF through its PVH
 * entry note (guest/vmlinux.h tells whether it has one). */
enum qemu_kernel_kind {
        QEMU_KERNEL_UNKNOWN,
        QEMU_KERNEL_BZIMAGE,   /* Linux boot protocol ("HdrS" at 0x202) */
        QEMU_KERNEL_ELF,       /* an ELF that is not Linux's (a BSD's PVH kernel) */
        QEMU_KERNEL_LINUX_ELF, /* a Linux vmlinux: a "Linux" ELF note or linux_banner */
};
/* Look at path: its first bytes, and an ELF's notes and symbols (libelf).
 * Returns 0 (setting *kind, UNKNOWN for anything else) or -errno when it
 * cannot be read. */
int qemu_kernel_kind(const char *path, enum qemu_kernel_kind *kind);
/* Whether a kind of kernel gets the Linux default command line: a bzImage
 * or a Linux vmlinux ELF. */
bool qemu_kernel_is_linux(enum qemu_kernel_kind kind);

/* The documented default kernel command line for a Linux guest (see
 * docs/collect.md): the console, initcall_debug, a big log buffer, and
 * panic=-1 reboot=t so that a panic ends QEMU. Under TCG (tsc_khz != 0)
 * tsc=reliable tsc_early_khz=<tsc_khz> is added. Returns a malloc'd string or NULL. */
char *qemu_linux_cmdline(uint64_t tsc_khz);

struct qemu_config {
        const char *binary;
        const char *machine; /* NULL: microvm */
        const char *accel;   /* "tcg", "kvm", ... (never "auto") */
        const char *memory;  /* NULL: 256M */
        const char *kernel;
        const char *initrd; /* NULL: none */
        const char *append; /* NULL or "": no -append */
        int console_fd;     /* VM end of the VirtIO console socket, -1: none */
        /* A file QEMU writes the VirtIO console to (chardev file), used
         * instead of console_fd when set: QEMU drops virtconsole bytes a
         * socket cannot take at once, never those a file takes. */
        const char *console_path;
        int serial_fd;      /* VM end of the serial socket, -1: none */
        char *const *extra; /* arguments appended last */
        size_t nextra;
};

/* Build the argv (NULL-terminated, every string and the array malloc'd;
 * free with qemu_argv_free) into *argv. Returns the count of arguments or
 * -EINVAL (no binary, kernel or accel), -ENOMEM. */
int qemu_build_argv(const struct qemu_config *c, char ***argv);
void qemu_argv_free(char **argv);

#endif
