/*
 * initrd: build the Linux initramfs that carries the dumper.
 *
 * A module tree (a kernel's lib/modules/VERSION directory, from a .deb or an
 * installed system) is indexed by module name; the requested modules and
 * their dependencies (read from each module's .modinfo, see modinfo.h, since
 * a .deb holds no modules.dep) are put in load order, and a gzip-compressed
 * cpio "newc" archive is written with libarchive:
 *
 *   /init                      the static dumper (mode 0755)
 *   /bin/bootlens-mark         symlink to /init (marker mode)
 *   /dev/console               character device 5:1
 *   /proc /sys /dev /tmp       mount points
 *   /lib/modules/NAME.ko       each module, decompressed, in load order
 *   /etc/bootlens/modules      their paths, one a line, in load order
 *   DEST ...                   each file added with initrd_write_adds(),
 *                              after everything above, in the given order
 *
 * Every entry has owner 0:0 and mtime 0, so the same inputs give the same
 * bytes. Functions return 0 or a negative errno; none prints.
 */
#ifndef BOOTLENS_INITRD_H
#define BOOTLENS_INITRD_H

#include <stddef.h>

/* Modules a VirtIO console needs on QEMU's -M microvm (virtio-mmio
 * transport). Dependencies are added by resolution; built-ins skipped. */
extern const char *const initrd_default_modules[];
extern const size_t initrd_default_modules_count;

/* One module found in a tree. */
struct initrd_module {
        char *name; /* normalised: underscores */
        char *path; /* the .ko or .ko.xz file */
};

struct initrd_modtree; /* opaque */

/* Index every .ko / .ko.xz below dir and read dir/modules.builtin (if
 * present). Returns 0, -ENOENT if dir does not exist, -ENOTDIR, -ENOMEM. */
int initrd_modtree_open(const char *dir, struct initrd_modtree **out);
void initrd_modtree_free(struct initrd_modtree *t);
/* Number of module files indexed. */
size_t initrd_modtree_count(const struct initrd_modtree *t);

/*
 * Put names (module names; '-' and '_' are the same) and everything they
 * depend on into load order: each module after its dependencies. Modules
 * built into the kernel (modules.builtin) are skipped, not errors.
 * *order (caller frees the array, not the entries, which belong to t)
 * gets *count entries. Returns 0; -ENOENT when a module (or a dependency)
 * is neither in the tree nor built in, -ELOOP for a dependency cycle, or
 * an error from reading a module: then *bad (if not NULL) names the
 * culprit, a string owned by t or by names.
 */
int initrd_modtree_resolve(struct initrd_modtree *t, const char *const *names, size_t nnames,
                           const struct initrd_module ***order, size_t *count, const char **bad);

/* Write the initramfs to out_path (atomically: a temporary file renamed
 * over it). modules are in load order, from initrd_modtree_resolve(). */
int initrd_write(const char *out_path, const char *dumper_path,
                 const struct initrd_module *const *modules, size_t nmodules);

/*
 * A bare image ("bootlens guest initrd --poweroff"): for a host-timed
 * variant (timing=host), the boot without bootlens's instrumentation. The
 * dumper is /init as usual, but /etc/bootlens/poweroff tells it to power
 * the VM off at once: it mounts /proc and /sys (to read bootlens.halt= and
 * see whether there is ACPI, as the dumper decides how to end the VM) and
 * nothing else; no module is loaded, nothing is dumped. The image holds
 * /init, /dev/console, the directories of the usual image and that file;
 * no modules, no /etc/bootlens/modules and no /bin/bootlens-mark. dumper_path:
 * initrd_find_dumper(). Written like initrd_write(). Returns 0 or a negative errno.
 */
int initrd_write_poweroff(const char *out_path, const char *dumper_path);

/* Locate the bootlens-dumper binary: $BOOTLENS_DUMPER; else relative to
 * the running bootlens, ../guest/bootlens-dumper (a build tree) or
 * ../share/bootlens/bootlens-dumper (an install); else the configured
 * DATADIR/bootlens; else this build's guest/ directory. *path is owned by
 * the caller. Returns 0 or -ENOENT. */
int initrd_find_dumper(char **path);

/* Everything at once: open dir, resolve names (the default set when nnames
 * is 0), write out_path. *bad as for initrd_modtree_resolve (copied: the
 * caller frees it). */
int initrd_build(const char *modules_dir, const char *const *names, size_t nnames,
                 const char *dumper_path, const char *out_path, char **bad);

/*
 * Extra files (bootlens guest initrd --add SRC:DEST): a host file put into
 * the image, e.g. a real init and its scripts (docs/guest.md, "Measuring
 * user space"). src is a regular file (symlinks followed); its permission
 * bits (07777) are kept, owner and mtime are 0 like every entry. dest is
 * absolute inside the image; directories above it that the image lacks
 * are added (0755) just before it.
 */
struct initrd_add {
        const char *src;
        const char *dest;
};

/* Check an image path: absolute, at most PATH_MAX bytes, no empty, "." or
 * ".." component (so no "//" and no trailing '/'), no byte below 0x20 or
 * 0x7f, not "/" itself. Returns 0 or -EINVAL. */
int initrd_check_dest(const char *dest);

/* Split spec "SRC:DEST" at its last ':' (spec is modified: the ':' becomes
 * a NUL; out points into it). Returns 0, or -EINVAL when there is no ':',
 * SRC is empty or DEST fails initrd_check_dest(). */
int initrd_parse_add(char *spec, struct initrd_add *out);

/*
 * initrd_write() plus adds[0..nadds). Returns 0 or a negative errno; for
 * an error caused by one add, *bad_add (if not NULL) is its index, else -1:
 * -EINVAL a bad dest, -EISDIR/-EINVAL a src that is a directory or not a
 * regular file, an errno from stat or read of src, -EEXIST a dest the image
 * already has (a built-in entry such as /init, or an earlier add), -ENOTDIR
 * a dest below a file of the image. Nothing is written then.
 */
int initrd_write_adds(const char *out_path, const char *dumper_path,
                      const struct initrd_module *const *modules, size_t nmodules,
                      const struct initrd_add *adds, size_t nadds, long *bad_add);

/* initrd_build() plus adds, as initrd_write_adds(); *bad names a module
 * only (*bad_add is -1 then). Returns the number of modules put into the
 * image (built-in ones are not), or a negative errno. */
int initrd_build_adds(const char *modules_dir, const char *const *names, size_t nnames,
                      const char *dumper_path, const struct initrd_add *adds, size_t nadds,
                      const char *out_path, char **bad, long *bad_add);

#endif
