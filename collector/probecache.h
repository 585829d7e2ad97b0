/*
 * probecache: what the accelerator probe of "collect --accel auto" (and
 * kvm, hvf, nvmm) found on this host, kept so that the next collection
 * need not boot a probe again (8 s here, where /dev/kvm cannot run a
 * guest). An outcome is keyed by the host's name, its kernel (uname's
 * release and version), QEMU's version line and the accelerator: a
 * change of any of them probes again (docs/collect.md, "The probe
 * cache").
 *
 * The cache is one small JSON file, PROBECACHE_FILE in
 * $BOOTLENS_CACHE_DIR, else $XDG_CACHE_HOME/bootlens, else
 * ~/.cache/bootlens:
 *
 *   {"kind": "bootlens-probe-cache", "schema_version": 1,
 *    "probes": [{"hostname": H, "host_kernel": "RELEASE VERSION",
 *                "qemu_version": Q, "accel": "kvm", "works": false,
 *                "why": "no dump within 8 s", "probed": "2026-12-01T15:00:00Z"}]}
 *
 * written whole through a temporary file and a rename. The file is only
 * advice: a caller ignores a cache it cannot read (and probes); nothing
 * here prints.
 */
#ifndef BOOTLENS_COLLECTOR_PROBECACHE_H
#define BOOTLENS_COLLECTOR_PROBECACHE_H

#include <stdbool.h>
#include <stddef.h>

#define PROBECACHE_FILE "probe-cache.json"
#define PROBECACHE_KIND "bootlens-probe-cache"

struct probecache_key {
        const char *hostname;
        const char *host_kernel; /* "RELEASE VERSION" of uname */
        const char *qemu_version;
        const char *accel; /* "kvm", "hvf", "nvmm" */
};

struct probecache_entry {
        bool works;
        char why[256];   /* why not (empty when it works) */
        char probed[32]; /* UTC, "2026-12-01T15:00:00Z" */
};

/* The cache file's path (malloc'd) into *path. Returns 0, -ENOENT when
 * neither $BOOTLENS_CACHE_DIR, an absolute $XDG_CACHE_HOME nor $HOME is
 * set, -ENOMEM. */
int probecache_path(char **path);

/* This host's key: hostname and kernel from gethostname() and uname(),
 * into the caller's buffers. Returns 0 or -errno. */
int probecache_host(char *hostname, size_t hsize, char *kernel, size_t ksize);

/* Look k up in the cache at path into *e. Returns 1 (found), 0 (no such
 * entry, or no cache file yet), -EINVAL (the file is not a cache: err,
 * if not NULL, says what is wrong, naming the file), another -errno when
 * it cannot be read, -ENOMEM. */
int probecache_lookup(const char *path, const struct probecache_key *k, struct probecache_entry *e,
                      char *err, size_t errsize);

/* Record e for k in the cache at path (its directory made when missing):
 * the entry for k is replaced, others kept; a cache file that cannot be
 * read is replaced by one holding e alone. Returns 0 or -errno. */
int probecache_store(const char *path, const struct probecache_key *k,
                     const struct probecache_entry *e);

#endif
