/*
 * kernel_fetch: get a Debian kernel package into a local cache.
 *
 * Debian's "linux-image-cloud-amd64" is a metapackage; the kernel is in
 * the versioned package it depends on, "linux-image-RELEASE" (RELEASE
 * e.g. 6.1.0-56-cloud-amd64). kernel_fetch() downloads that package with
 * `apt-get download` into a temporary directory inside the cache, unpacks
 * it with `dpkg-deb -x`, and renames the result into place:
 *
 *   CACHE/kernels/RELEASE/boot/vmlinuz-RELEASE       the bzImage
 *   CACHE/kernels/RELEASE/lib/modules/RELEASE/       the module tree
 *                         (or usr/lib/modules/RELEASE on merged-/usr packages)
 *   CACHE/kernels/default-cloud-amd64                the RELEASE the
 *                         metapackage named when last resolved
 *
 * CACHE is $XDG_CACHE_HOME/bootlens, else $HOME/.cache/bootlens. A release
 * already unpacked is reused without running apt at all; so is the
 * default release, unless refresh is asked for. Tools run with
 * posix_spawnp and an argv, never a shell; their stdout and stderr go to
 * files in the temporary directory, and on failure their stderr is copied
 * into the caller's log buffer. Returns 0 or a negative errno; -EPROTO
 * means a tool failed or printed something unexpected (see log).
 */
#ifndef BOOTLENS_KERNEL_FETCH_H
#define BOOTLENS_KERNEL_FETCH_H

#include <stdbool.h>

#include "base/sbuf.h"
#include "base/util.h"

#define KERNEL_FETCH_METAPACKAGE "linux-image-cloud-amd64"

struct kernel_fetch_opts {
        const char *version;   /* NULL: what the metapackage depends on */
        const char *cache_dir; /* NULL: kernel_fetch_cache_dir() */
        bool refresh;          /* re-ask apt which release the metapackage names */
};

struct kernel_paths {
        char *release; /* 6.1.0-56-cloud-amd64 */
        char *kernel;  /* .../boot/vmlinuz-RELEASE */
        char *modules; /* .../lib/modules/RELEASE */
        bool cached;   /* true if nothing was downloaded */
};

/* The cache directory (owned by the caller). -ENOENT if neither
 * XDG_CACHE_HOME nor HOME is set. */
int kernel_fetch_cache_dir(char **out);

/* Turn a --version argument into a release: "6.1.0-56" gets
 * "-cloud-amd64" appended; "linux-image-" is stripped; a name that already
 * ends in a flavour ("-amd64", "-arm64") is kept. Owned by the caller.
 * -EINVAL for an empty name or one with characters apt would not accept. */
int kernel_fetch_release_name(const char *version, char **release);

/* Fetch (or find in the cache) a kernel. log receives a human-readable
 * account of a failure (the failing command and its stderr). */
int kernel_fetch(const struct kernel_fetch_opts *opts, struct kernel_paths *out, struct sbuf *log);
void kernel_paths_free(struct kernel_paths *p);

#endif
