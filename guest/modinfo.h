/*
 * modinfo: read a Linux kernel module file (.ko or .ko.xz) and the
 * key=value strings of its ".modinfo" ELF section.
 *
 * A Debian kernel package ships no modules.dep (depmod makes it at install
 * time), so the initramfs builder learns each module's dependencies from
 * the "depends=" string here instead. Functions return 0 or a negative
 * errno: -ENOENT (no such file), -EINVAL (not an ELF object, no .modinfo
 * section), -EBADMSG (corrupt .xz data), -ENOTSUP (a compression other
 * than xz), -ENOMEM.
 */
#ifndef BOOTLENS_MODINFO_H
#define BOOTLENS_MODINFO_H

#include <stdbool.h>
#include <stddef.h>

/* Read a module file whole; ".ko.xz" files are decompressed (liblzma).
 * *data is owned by the caller (free()). */
int modinfo_load(const char *path, void **data, size_t *len);

/* The strings of interest in a module's .modinfo section. Every field is
 * owned (modinfo_free()); a key the module lacks is NULL, except depends,
 * which is "" when the module has no dependencies. */
struct modinfo {
        char *name;    /* "name=": the module's name (underscores) */
        char *depends; /* "depends=": comma-separated module names, maybe "" */
        char *vermagic;
};

/* Parse the .modinfo section of an ELF module image held in memory. */
int modinfo_parse(const void *data, size_t len, struct modinfo *mi);
/* modinfo_load + modinfo_parse. */
int modinfo_read_file(const char *path, struct modinfo *mi);
void modinfo_free(struct modinfo *mi);

/* Normalise a module name in place the way the kernel does: '-' -> '_'. */
void modinfo_normalize_name(char *name);
/* True if a file name ends in a module suffix (".ko", ".ko.xz"); sets
 * *stem_len to the length of the name without it. */
bool modinfo_is_module_file(const char *filename, size_t *stem_len);

#endif
