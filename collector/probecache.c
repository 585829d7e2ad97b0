/* probecache: see probecache.h. */
#include "collector/probecache.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "guest/kernel_fetch.h"

#define PROBECACHE_SCHEMA  1
#define PROBECACHE_MAX     (1u << 20) /* a bigger file is not ours */
#define PROBECACHE_ENTRIES 64         /* the newest kept */

int probecache_path(char **path)
{
        const char *env = getenv("BOOTLENS_CACHE_DIR");
        char *dir = NULL;
        int ret;

        if (env && *env)
                dir = strdup(env);
        else if ((ret = kernel_fetch_cache_dir(&dir)) < 0)
                return ret;
        if (!dir)
                return -ENOMEM;
        ret = asprintf(path, "%s/%s", dir, PROBECACHE_FILE) < 0 ? -ENOMEM : 0;
        free(dir);
        return ret;
}

int probecache_host(char *hostname, size_t hsize, char *kernel, size_t ksize)
{
        struct utsname u;

        if (gethostname(hostname, hsize) < 0 || uname(&u) < 0)
                return -errno;
        hostname[hsize - 1] = '\0';
        if ((size_t)snprintf(kernel, ksize, "%s %s", u.release, u.version) >= ksize)
                return -ENAMETOOLONG;
        return 0;
}

static bool str_is(json_t *o, const char *key, const char *want)
{
        const char *v = json_string_value(json_object_get(o, key));

        return v && strcmp(v, want) == 0;
}

static bool matches(json_t *o, const struct probecache_key *k)
{
        return str_is(o, "hostname", k->hostname) && str_is(o, "host_kernel", k->host_kernel) &&
               str_is(o, "qemu_version", k->qemu_version) && str_is(o, "accel", k->accel);
}

/* Read the cache at path into *root (its "probes" array checked).
 * Returns 1, 0 when there is no file, -EINVAL with err, -errno. */
static int load(const char *path, json_t **root, char *err, size_t errsize)
{
        json_error_t je;
        char *data;
        size_t len;
        json_t *j;
        int ret;

        *root = NULL;
        ret = util_read_file_max(path, PROBECACHE_MAX, &data, &len);
        if (ret == -ENOENT)
                return 0;
        if (ret < 0) {
                if (err)
                        snprintf(err, errsize, "cannot read '%s': %s", path, strerror(-ret));
                return ret == -EFBIG ? -EINVAL : ret;
        }
        j = json_loadb(data, len, 0, &je);
        free(data);
        if (!j) {
                if (err)
                        snprintf(err, errsize, "%s:%d: %s", path, je.line, je.text);
                return -EINVAL;
        }
        if (!json_is_object(j) || !str_is(j, "kind", PROBECACHE_KIND) ||
            json_integer_value(json_object_get(j, "schema_version")) != PROBECACHE_SCHEMA ||
            !json_is_array(json_object_get(j, "probes"))) {
                if (err)
                        snprintf(err, errsize,
                                 "'%s' is not a bootlens probe cache (schema_version %d)", path,
                                 PROBECACHE_SCHEMA);
                json_decref(j);
                return -EINVAL;
        }
        *root = j;
        return 1;
}

int probecache_lookup(const char *path, const struct probecache_key *k, struct probecache_entry *e,
                      char *err, size_t errsize)
{
        json_t *root, *probes, *o;
        size_t i;
        int ret;

        memset(e, 0, sizeof(*e));
        ret = load(path, &root, err, errsize);
        if (ret <= 0)
                return ret;
        ret = 0;
        probes = json_object_get(root, "probes");
        json_array_foreach(probes, i, o)
        {
                json_t *works = json_object_get(o, "works");
                const char *why = json_string_value(json_object_get(o, "why"));
                const char *when = json_string_value(json_object_get(o, "probed"));

                if (!json_is_object(o) || !matches(o, k))
                        continue;
                if (!json_is_boolean(works) || !when) {
                        if (err)
                                snprintf(err, errsize, "'%s': probes[%zu] lacks works or probed",
                                         path, i);
                        ret = -EINVAL;
                        break;
                }
                e->works = json_is_true(works);
                snprintf(e->why, sizeof(e->why), "%s", why ? why : "");
                snprintf(e->probed, sizeof(e->probed), "%s", when);
                ret = 1;
        }
        json_decref(root);
        return ret;
}

static json_t *entry_json(const struct probecache_key *k, const struct probecache_entry *e)
{
        return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s}", "hostname", k->hostname,
                         "host_kernel", k->host_kernel, "qemu_version", k->qemu_version, "accel",
                         k->accel, "works", e->works, "why", e->why, "probed", e->probed);
}

/* Write root to path whole, its directory made when missing. */
static int save(const char *path, json_t *root)
{
        char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        char *dir = strdup(path), *slash;
        struct sbuf sb = SBUF_INIT;
        int ret = -ENOMEM;

        if (!text || !dir || sbuf_addf(&sb, "%s\n", text) < 0)
                goto out;
        slash = strrchr(dir, '/');
        ret = 0;
        if (slash && slash != dir) {
                *slash = '\0';
                ret = util_mkdir_p(dir, 0755);
        }
        if (ret == 0)
                ret = util_write_file_atomic(path, sb.buf, sb.len);
out:
        sbuf_release(&sb);
        free(dir);
        free(text);
        return ret;
}

int probecache_store(const char *path, const struct probecache_key *k,
                     const struct probecache_entry *e)
{
        json_t *root = NULL, *keep = json_array(), *o;
        size_t i;
        int ret = -ENOMEM;

        if (load(path, &root, NULL, 0) <= 0)
                root = json_pack("{s:s, s:i, s:[]}", "kind", PROBECACHE_KIND, "schema_version",
                                 PROBECACHE_SCHEMA, "probes");
        if (!root || !keep)
                goto out;
        /* The other keys' entries, oldest first, then this one's. */
        json_array_foreach(json_object_get(root, "probes"), i, o)
        {
                if (json_is_object(o) && !matches(o, k) && json_array_append(keep, o) < 0)
                        goto out;
        }
        while (json_array_size(keep) >= PROBECACHE_ENTRIES)
                json_array_remove(keep, 0);
        o = entry_json(k, e);
        if (!o || json_array_append_new(keep, o) < 0 || json_object_set(root, "probes", keep) < 0)
                goto out;
        ret = save(path, root);
out:
        json_decref(keep);
        json_decref(root);
        return ret;
}
