/* initrd: see initrd.h. */
#include "guest/initrd.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "bootlens_config.h"
#include "guest/dumper_os.h"
#include "guest/modinfo.h"

const char *const initrd_default_modules[] = {"virtio_mmio", "virtio_console"};
const size_t initrd_default_modules_count = UTIL_ARRAY_SIZE(initrd_default_modules);

enum visit { UNSEEN, VISITING, PLACED };

struct mod {
        struct initrd_module m; /* first: order[] entries point here */
        char *depends;          /* from .modinfo, read on first use */
        enum visit state;
};

struct initrd_modtree {
        struct mod *mods;
        size_t nmods, capmods;
        char **builtin;
        size_t nbuiltin, capbuiltin;
        char *missing; /* the last missing dependency's name, for *bad */
};

static int add_mod(struct initrd_modtree *t, const char *path, const char *fname, size_t stem)
{
        struct mod *m;

        if (t->nmods == t->capmods) {
                size_t cap = t->capmods ? t->capmods * 2 : 256;
                m = realloc(t->mods, cap * sizeof(*m));
                if (!m)
                        return -ENOMEM;
                t->mods = m;
                t->capmods = cap;
        }
        m = &t->mods[t->nmods];
        memset(m, 0, sizeof(*m));
        m->m.name = strndup(fname, stem);
        m->m.path = strdup(path);
        if (!m->m.name || !m->m.path) {
                free(m->m.name);
                free(m->m.path);
                return -ENOMEM;
        }
        modinfo_normalize_name(m->m.name);
        t->nmods++;
        return 0;
}

/* Recursively index module files below dir. */
static int scan_dir(struct initrd_modtree *t, const char *dir)
{
        struct dirent *de;
        DIR *d;
        int ret = 0;

        d = opendir(dir);
        if (!d)
                return -errno;
        while (!ret && (de = readdir(d)) != NULL) {
                struct sbuf path = SBUF_INIT;
                struct stat st;
                size_t stem;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                ret = sbuf_addf(&path, "%s/%s", dir, de->d_name);
                if (ret < 0)
                        break;
                if (stat(path.buf, &st) == 0) {
                        if (S_ISDIR(st.st_mode))
                                ret = scan_dir(t, path.buf);
                        else if (S_ISREG(st.st_mode) && modinfo_is_module_file(de->d_name, &stem))
                                ret = add_mod(t, path.buf, de->d_name, stem);
                }
                sbuf_release(&path);
        }
        closedir(d);
        return ret;
}

/* modules.builtin: one "kernel/dir/name.ko" a line. A missing file is fine. */
static int read_builtin(struct initrd_modtree *t, const char *dir)
{
        struct sbuf path = SBUF_INIT;
        char *data = NULL, *line, *save = NULL;
        size_t len;
        int ret;

        ret = sbuf_addf(&path, "%s/modules.builtin", dir);
        if (ret < 0)
                return ret;
        ret = util_read_file(path.buf, &data, &len);
        sbuf_release(&path);
        if (ret == -ENOENT)
                return 0;
        if (ret < 0)
                return ret;
        for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                const char *base = strrchr(line, '/');
                size_t stem;
                char *name;

                base = base ? base + 1 : line;
                if (!modinfo_is_module_file(base, &stem))
                        continue;
                if (t->nbuiltin == t->capbuiltin) {
                        size_t cap = t->capbuiltin ? t->capbuiltin * 2 : 64;
                        char **b = realloc(t->builtin, cap * sizeof(*b));
                        if (!b) {
                                ret = -ENOMEM;
                                break;
                        }
                        t->builtin = b;
                        t->capbuiltin = cap;
                }
                name = strndup(base, stem);
                if (!name) {
                        ret = -ENOMEM;
                        break;
                }
                modinfo_normalize_name(name);
                t->builtin[t->nbuiltin++] = name;
        }
        free(data);
        return ret;
}

static int cmp_mod(const void *a, const void *b)
{
        return strcmp(((const struct mod *)a)->m.name, ((const struct mod *)b)->m.name);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int initrd_modtree_open(const char *dir, struct initrd_modtree **out)
{
        struct initrd_modtree *t;
        struct stat st;
        int ret;

        if (stat(dir, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        ret = scan_dir(t, dir);
        if (!ret)
                ret = read_builtin(t, dir);
        if (ret < 0) {
                initrd_modtree_free(t);
                return ret;
        }
        if (t->nmods)
                qsort(t->mods, t->nmods, sizeof(*t->mods), cmp_mod);
        if (t->nbuiltin)
                qsort(t->builtin, t->nbuiltin, sizeof(*t->builtin), cmp_str);
        *out = t;
        return 0;
}

void initrd_modtree_free(struct initrd_modtree *t)
{
        if (!t)
                return;
        for (size_t i = 0; i < t->nmods; i++) {
                free(t->mods[i].m.name);
                free(t->mods[i].m.path);
                free(t->mods[i].depends);
        }
        for (size_t i = 0; i < t->nbuiltin; i++)
                free(t->builtin[i]);
        free(t->mods);
        free(t->builtin);
        free(t->missing);
        free(t);
}

size_t initrd_modtree_count(const struct initrd_modtree *t)
{
        return t->nmods;
}

static struct mod *find_mod(struct initrd_modtree *t, const char *name)
{
        struct mod key;

        if (!t->nmods)
                return NULL;
        key.m.name = (char *)name;
        return bsearch(&key, t->mods, t->nmods, sizeof(*t->mods), cmp_mod);
}

static bool is_builtin(const struct initrd_modtree *t, const char *name)
{
        return t->nbuiltin &&
               bsearch(&name, t->builtin, t->nbuiltin, sizeof(*t->builtin), cmp_str) != NULL;
}

struct resolver {
        struct initrd_modtree *t;
        const struct initrd_module **order;
        size_t count;
        const char *bad;
};

static int visit(struct resolver *r, const char *name)
{
        struct mod *m = find_mod(r->t, name);
        char *deps, *dep, *save = NULL;
        int ret = 0;

        if (!m) {
                if (is_builtin(r->t, name))
                        return 0;
                r->bad = name;
                return -ENOENT;
        }
        if (m->state == PLACED)
                return 0;
        if (m->state == VISITING) {
                r->bad = m->m.name;
                return -ELOOP;
        }
        if (!m->depends) {
                struct modinfo mi;

                ret = modinfo_read_file(m->m.path, &mi);
                if (ret < 0) {
                        r->bad = m->m.path;
                        return ret;
                }
                m->depends = mi.depends;
                mi.depends = NULL;
                modinfo_free(&mi);
        }
        m->state = VISITING;
        deps = strdup(m->depends);
        if (!deps)
                return -ENOMEM;
        for (dep = strtok_r(deps, ",", &save); dep && !ret; dep = strtok_r(NULL, ",", &save)) {
                struct mod *d;

                modinfo_normalize_name(dep);
                d = find_mod(r->t, dep);
                if (!d && !is_builtin(r->t, dep)) {
                        free(r->t->missing);
                        r->t->missing = strdup(dep);
                        r->bad = r->t->missing;
                        ret = -ENOENT;
                        break;
                }
                if (d)
                        ret = visit(r, d->m.name);
        }
        free(deps);
        if (ret < 0)
                return ret;
        m->state = PLACED;
        r->order[r->count++] = &m->m;
        return 0;
}

int initrd_modtree_resolve(struct initrd_modtree *t, const char *const *names, size_t nnames,
                           const struct initrd_module ***order, size_t *count, const char **bad)
{
        struct resolver r = {.t = t};
        int ret = 0;

        for (size_t i = 0; i < t->nmods; i++)
                t->mods[i].state = UNSEEN;
        r.order = calloc(t->nmods + 1, sizeof(*r.order));
        if (!r.order)
                return -ENOMEM;
        for (size_t i = 0; i < nnames && !ret; i++) {
                char *name = strdup(names[i]);
                struct mod *m;

                if (!name) {
                        ret = -ENOMEM;
                        break;
                }
                modinfo_normalize_name(name);
                m = find_mod(t, name);
                if (m) {
                        ret = visit(&r, m->m.name);
                } else if (!is_builtin(t, name)) {
                        r.bad = names[i];
                        ret = -ENOENT;
                }
                free(name);
        }
        if (ret < 0) {
                if (bad)
                        *bad = r.bad;
                free(r.order);
                return ret;
        }
        *order = r.order;
        *count = r.count;
        return 0;
}

/* ---- the archive ---- */

static int ar_error(struct archive *a)
{
        int e = archive_errno(a);

        return e > 0 ? -e : -EIO;
}

static int add_entry(struct archive *a, const char *path, unsigned type, unsigned mode,
                     const void *data, size_t len, const char *link, unsigned rmaj, unsigned rmin)
{
        struct archive_entry *e = archive_entry_new();
        int ret = 0;

        if (!e)
                return -ENOMEM;
        archive_entry_set_pathname(e, path);
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, mode);
        archive_entry_set_uid(e, 0);
        archive_entry_set_gid(e, 0);
        archive_entry_set_mtime(e, 0, 0);
        archive_entry_set_nlink(e, type == AE_IFDIR ? 2 : 1);
        if (link)
                archive_entry_set_symlink(e, link);
        if (type == AE_IFCHR)
                archive_entry_set_rdev(e, makedev(rmaj, rmin));
        archive_entry_set_size(e, type == AE_IFREG ? (la_int64_t)len : 0);
        if (archive_write_header(a, e) != ARCHIVE_OK)
                ret = ar_error(a);
        else if (type == AE_IFREG && len && archive_write_data(a, data, len) != (la_ssize_t)len)
                ret = ar_error(a);
        archive_entry_free(e);
        return ret;
}

/* The paths an image holds, to refuse a second entry with the same path
 * and to know which directories exist. */
struct entries {
        char **paths;
        bool *dirs;
        size_t n, cap;
};

static void entries_free(struct entries *en)
{
        for (size_t i = 0; i < en->n; i++)
                free(en->paths[i]);
        free(en->paths);
        free(en->dirs);
}

/* Index of path[0..len) among the entries, or -1. */
static long entries_find(const struct entries *en, const char *path, size_t len)
{
        for (size_t i = 0; i < en->n; i++)
                if (strlen(en->paths[i]) == len && memcmp(en->paths[i], path, len) == 0)
                        return (long)i;
        return -1;
}

static int entries_note(struct entries *en, const char *path, size_t len, bool dir)
{
        if (en->n == en->cap) {
                size_t cap = en->cap ? en->cap * 2 : 32;
                char **p = realloc(en->paths, cap * sizeof(*p));
                bool *d;

                if (!p)
                        return -ENOMEM;
                en->paths = p;
                d = realloc(en->dirs, cap * sizeof(*d));
                if (!d)
                        return -ENOMEM;
                en->dirs = d;
                en->cap = cap;
        }
        en->paths[en->n] = strndup(path, len);
        if (!en->paths[en->n])
                return -ENOMEM;
        en->dirs[en->n++] = dir;
        return 0;
}

/* add_entry() that remembers the path. */
static int put(struct archive *a, struct entries *en, const char *path, unsigned type,
               unsigned mode, const void *data, size_t len, const char *link, unsigned rmaj,
               unsigned rmin)
{
        int ret = add_entry(a, path, type, mode, data, len, link, rmaj, rmin);

        return ret ? ret : entries_note(en, path, strlen(path), type == AE_IFDIR);
}

int initrd_check_dest(const char *dest)
{
        size_t len = strlen(dest), comp = 0;

        if (dest[0] != '/' || len < 2 || len > PATH_MAX)
                return -EINVAL;
        for (size_t i = 1; i <= len; i++) {
                unsigned char ch = (unsigned char)dest[i];

                if (ch == '/' || ch == '\0') {
                        const char *c = dest + i - comp;

                        if (comp == 0 || (comp == 1 && c[0] == '.') ||
                            (comp == 2 && c[0] == '.' && c[1] == '.'))
                                return -EINVAL;
                        comp = 0;
                } else if (ch < 0x20 || ch == 0x7f) {
                        return -EINVAL;
                } else {
                        comp++;
                }
        }
        return 0;
}

int initrd_parse_add(char *spec, struct initrd_add *out)
{
        char *colon = strrchr(spec, ':');

        if (!colon || colon == spec || initrd_check_dest(colon + 1) < 0)
                return -EINVAL;
        *colon = '\0';
        out->src = spec;
        out->dest = colon + 1;
        return 0;
}

/* Check every add before anything is written: a good dest, a regular
 * source that can be read. */
static int check_adds(const struct initrd_add *adds, size_t nadds, long *bad_add)
{
        for (size_t i = 0; i < nadds; i++) {
                struct stat st;
                int ret = 0;

                if (initrd_check_dest(adds[i].dest) < 0)
                        ret = -EINVAL;
                else if (stat(adds[i].src, &st) < 0)
                        ret = -errno;
                else if (S_ISDIR(st.st_mode))
                        ret = -EISDIR;
                else if (!S_ISREG(st.st_mode))
                        ret = -EINVAL;
                else if (access(adds[i].src, R_OK) < 0)
                        ret = -errno;
                if (ret < 0) {
                        *bad_add = (long)i;
                        return ret;
                }
        }
        return 0;
}

/* One add: its missing parent directories, then the file. */
static int write_add(struct archive *a, struct entries *en, const struct initrd_add *add)
{
        const char *path = add->dest + 1; /* archive paths are relative */
        const char *slash;
        struct stat st;
        char *data = NULL;
        size_t len;
        long at;
        int ret;

        for (slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
                at = entries_find(en, path, (size_t)(slash - path));
                if (at >= 0 && !en->dirs[at])
                        return -ENOTDIR;
                if (at < 0) {
                        char *dir = strndup(path, (size_t)(slash - path));

                        if (!dir)
                                return -ENOMEM;
                        ret = put(a, en, dir, AE_IFDIR, 0755, NULL, 0, NULL, 0, 0);
                        free(dir);
                        if (ret < 0)
                                return ret;
                }
        }
        if (entries_find(en, path, strlen(path)) >= 0)
                return -EEXIST;
        if (stat(add->src, &st) < 0)
                return -errno;
        ret = util_read_file(add->src, &data, &len);
        if (ret < 0)
                return ret;
        ret = put(a, en, path, AE_IFREG, st.st_mode & 07777, data, len, NULL, 0, 0);
        free(data);
        return ret;
}

static int write_archive(struct archive *a, const char *dumper_path, bool poweroff,
                         const struct initrd_module *const *modules, size_t nmodules,
                         const struct initrd_add *adds, size_t nadds, long *bad_add)
{
        static const char *const dirs[] = {"bin",         "dev",  "etc", "etc/bootlens", "lib",
                                           "lib/modules", "proc", "sys", "tmp"};
        struct sbuf list = SBUF_INIT, name = SBUF_INIT;
        struct entries en = {0};
        char *dumper = NULL;
        size_t dumper_len;
        int ret;

        ret = util_read_file(dumper_path, &dumper, &dumper_len);
        if (ret < 0)
                return ret;
        for (size_t i = 0; i < UTIL_ARRAY_SIZE(dirs) && !ret; i++)
                ret = put(a, &en, dirs[i], AE_IFDIR, 0755, NULL, 0, NULL, 0, 0);
        if (!ret)
                ret = put(a, &en, "dev/console", AE_IFCHR, 0600, NULL, 0, NULL, 5, 1);
        if (!ret)
                ret = put(a, &en, "init", AE_IFREG, 0755, dumper, dumper_len, NULL, 0, 0);
        if (!ret && !poweroff)
                ret = put(a, &en, "bin/bootlens-mark", AE_IFLNK, 0777, NULL, 0, "/init", 0, 0);
        for (size_t i = 0; i < nmodules && !ret; i++) {
                void *data;
                size_t len;

                ret = modinfo_load(modules[i]->path, &data, &len);
                if (ret < 0)
                        break;
                sbuf_reset(&name);
                ret = sbuf_addf(&name, "lib/modules/%s.ko", modules[i]->name);
                if (!ret)
                        ret = put(a, &en, name.buf, AE_IFREG, 0644, data, len, NULL, 0, 0);
                if (!ret)
                        ret = sbuf_addf(&list, "/%s\n", name.buf);
                free(data);
        }
        if (!ret && poweroff)
                ret = put(a, &en, &DUMPER_POWEROFF_FILE[1], AE_IFREG, 0644, "", 0, NULL, 0, 0);
        else if (!ret)
                ret = put(a, &en, "etc/bootlens/modules", AE_IFREG, 0644, list.buf ? list.buf : "",
                          list.len, NULL, 0, 0);
        for (size_t i = 0; i < nadds && !ret; i++) {
                ret = write_add(a, &en, &adds[i]);
                if (ret < 0 && ret != -ENOMEM)
                        *bad_add = (long)i;
        }
        entries_free(&en);
        sbuf_release(&list);
        sbuf_release(&name);
        free(dumper);
        return ret;
}

int initrd_write(const char *out_path, const char *dumper_path,
                 const struct initrd_module *const *modules, size_t nmodules)
{
        return initrd_write_adds(out_path, dumper_path, modules, nmodules, NULL, 0, NULL);
}

/* The image: the dumper as /init (in its poweroff mode when poweroff),
 * modules, adds; written to a temporary file renamed over out_path. */
static int write_image(const char *out_path, const char *dumper_path, bool poweroff,
                       const struct initrd_module *const *modules, size_t nmodules,
                       const struct initrd_add *adds, size_t nadds, long *bad_add)
{
        struct sbuf tmp = SBUF_INIT;
        struct archive *a;
        long bad_local;
        int ret;

        if (!bad_add)
                bad_add = &bad_local;
        *bad_add = -1;
        ret = check_adds(adds, nadds, bad_add);
        if (ret < 0)
                return ret;
        ret = sbuf_addf(&tmp, "%s.tmp.%ld", out_path, (long)getpid());
        if (ret < 0)
                return ret;
        a = archive_write_new();
        if (!a) {
                ret = -ENOMEM;
                goto out_tmp;
        }
        if (archive_write_set_format_cpio_newc(a) != ARCHIVE_OK ||
            archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
            /* No time in the gzip header: same inputs, same bytes. */
            archive_write_set_filter_option(a, "gzip", "timestamp", NULL) != ARCHIVE_OK ||
            archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK) {
                ret = ar_error(a);
                goto out_archive;
        }
        if (archive_write_open_filename(a, tmp.buf) != ARCHIVE_OK) {
                ret = ar_error(a);
                goto out_archive;
        }
        ret = write_archive(a, dumper_path, poweroff, modules, nmodules, adds, nadds, bad_add);
        if (archive_write_close(a) != ARCHIVE_OK && !ret)
                ret = ar_error(a);
        if (!ret && rename(tmp.buf, out_path) < 0)
                ret = -errno;
        if (ret < 0)
                unlink(tmp.buf);
out_archive:
        archive_write_free(a);
out_tmp:
        sbuf_release(&tmp);
        return ret;
}

int initrd_write_adds(const char *out_path, const char *dumper_path,
                      const struct initrd_module *const *modules, size_t nmodules,
                      const struct initrd_add *adds, size_t nadds, long *bad_add)
{
        return write_image(out_path, dumper_path, false, modules, nmodules, adds, nadds, bad_add);
}

int initrd_write_poweroff(const char *out_path, const char *dumper_path)
{
        return write_image(out_path, dumper_path, true, NULL, 0, NULL, 0, NULL);
}

static int try_path(const char *path, char **out)
{
        if (access(path, X_OK) != 0)
                return -ENOENT;
        *out = strdup(path);
        return *out ? 0 : -ENOMEM;
}

int initrd_find_dumper(char **path)
{
        /* Relative to the running bootlens: a build tree, then an install
         * (bin/ beside share/bootlens/), so a moved tree still works. */
        static const char *const beside[] = {"../guest/bootlens-dumper",
                                             "../share/bootlens/bootlens-dumper"};
        char self[PATH_MAX];
        const char *env = getenv("BOOTLENS_DUMPER");
        ssize_t n;

        if (env && *env)
                return try_path(env, path);
        n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        for (size_t i = 0; n > 0 && i < UTIL_ARRAY_SIZE(beside); i++) {
                struct sbuf sb = SBUF_INIT;
                int ret;

                self[n] = '\0';
                ret = sbuf_addf(&sb, "%s/%s", dirname(self), beside[i]);
                if (!ret)
                        ret = try_path(sb.buf, path);
                sbuf_release(&sb);
                if (ret != -ENOENT)
                        return ret;
                n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        }
        if (try_path(BOOTLENS_DATADIR "/bootlens-dumper", path) == 0)
                return 0;
        return try_path(BOOTLENS_BINARY_DIR "/guest/bootlens-dumper", path);
}

int initrd_build(const char *modules_dir, const char *const *names, size_t nnames,
                 const char *dumper_path, const char *out_path, char **bad)
{
        int ret = initrd_build_adds(modules_dir, names, nnames, dumper_path, NULL, 0, out_path, bad,
                                    NULL);

        return ret < 0 ? ret : 0;
}

int initrd_build_adds(const char *modules_dir, const char *const *names, size_t nnames,
                      const char *dumper_path, const struct initrd_add *adds, size_t nadds,
                      const char *out_path, char **bad, long *bad_add)
{
        const struct initrd_module **order = NULL;
        struct initrd_modtree *t;
        const char *culprit = NULL;
        size_t count = 0;
        int ret;

        if (bad)
                *bad = NULL;
        if (bad_add)
                *bad_add = -1;
        if (nnames == 0) {
                names = initrd_default_modules;
                nnames = initrd_default_modules_count;
        }
        ret = initrd_modtree_open(modules_dir, &t);
        if (ret < 0)
                return ret;
        ret = initrd_modtree_resolve(t, names, nnames, &order, &count, &culprit);
        if (ret < 0) {
                if (bad && culprit)
                        *bad = strdup(culprit);
                goto out_tree;
        }
        ret = initrd_write_adds(out_path, dumper_path, order, count, adds, nadds, bad_add);
        if (ret == 0)
                ret = count > INT_MAX ? INT_MAX : (int)count;
        free(order);
out_tree:
        initrd_modtree_free(t);
        return ret;
}
