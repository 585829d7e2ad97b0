/* kernel_fetch: see kernel_fetch.h. */
#include "base/sbuf.h"
#include "guest/kernel_fetch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int kernel_fetch_cache_dir(char **out)
{
        const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
        struct sbuf sb = SBUF_INIT;
        int ret;

        if (xdg && xdg[0] == '/')
                ret = sbuf_addf(&sb, "%s/bootlens", xdg);
        else if (home && *home)
                ret = sbuf_addf(&sb, "%s/.cache/bootlens", home);
        else
                return -ENOENT;
        if (ret < 0)
                return ret;
        *out = sbuf_detach(&sb, NULL);
        return *out ? 0 : -ENOMEM;
}

static bool ends_with(const char *s, const char *suffix)
{
        size_t n = strlen(s), m = strlen(suffix);

        return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Debian package names: lowercase letters, digits, '+', '-', '.'. */
static bool valid_package_chars(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '+' ||
                      *s == '-' || *s == '.'))
                        return false;
        return true;
}

int kernel_fetch_release_name(const char *version, char **release)
{
        struct sbuf sb = SBUF_INIT;
        int ret;

        if (strncmp(version, "linux-image-", 12) == 0)
                version += 12;
        if (!valid_package_chars(version) || version[0] == '-' || version[0] == '.')
                return -EINVAL;
        if (ends_with(version, "-amd64") || ends_with(version, "-arm64"))
                ret = sbuf_adds(&sb, version);
        else
                ret = sbuf_addf(&sb, "%s-cloud-amd64", version);
        if (ret < 0)
                return ret;
        *release = sbuf_detach(&sb, NULL);
        return *release ? 0 : -ENOMEM;
}

/* Run argv in cwd with stdout/stderr to files. Returns the exit status
 * (0..255), -ENOENT if the tool is missing, -EPROTO if it died on a
 * signal, or another -errno. */
static int run_tool(char *const argv[], const char *cwd, const char *out_path, const char *err_path)
{
        posix_spawn_file_actions_t fa;
        int ret, status;
        pid_t pid;

        if (posix_spawn_file_actions_init(&fa) != 0)
                return -ENOMEM;
        ret = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        if (!ret)
                ret = posix_spawn_file_actions_addopen(&fa, 1, out_path,
                                                       O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (!ret)
                ret = posix_spawn_file_actions_addopen(&fa, 2, err_path,
                                                       O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (!ret)
                ret = posix_spawn_file_actions_addchdir_np(&fa, cwd);
        if (!ret)
                ret = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (ret)
                return -ret;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (!WIFEXITED(status))
                return -EPROTO;
        return WEXITSTATUS(status);
}

/* Run a tool; on failure describe it in log (command, status, stderr). */
static int run_logged(char *const argv[], const char *tmp, const char *out_name, struct sbuf *log)
{
        struct sbuf out = SBUF_INIT, err = SBUF_INIT;
        char *text = NULL;
        size_t len;
        int ret;

        ret = sbuf_addf(&out, "%s/%s", tmp, out_name);
        if (!ret)
                ret = sbuf_addf(&err, "%s/%s.err", tmp, argv[0]);
        if (ret < 0)
                goto out_release;
        ret = run_tool(argv, tmp, out.buf, err.buf);
        if (ret == 0)
                goto out_release;
        /* Where spawning forks first, a missing tool is exit status 127. */
        if (ret == 127)
                ret = -ENOENT;
        sbuf_addf(log, "'%s", argv[0]);
        for (int i = 1; argv[i]; i++)
                sbuf_addf(log, " %s", argv[i]);
        if (ret == -ENOENT)
                sbuf_addf(log, "' could not be run: %s\n", strerror(ENOENT));
        else if (ret < 0)
                sbuf_addf(log, "' failed: %s\n", strerror(-ret));
        else
                sbuf_addf(log, "' exited with status %d\n", ret);
        if (util_read_file(err.buf, &text, &len) == 0 && len)
                sbuf_add(log, text, len);
        free(text);
        ret = ret == -ENOENT ? -ENOENT : -EPROTO;
out_release:
        sbuf_release(&out);
        sbuf_release(&err);
        return ret;
}

/* "  Depends: linux-image-6.1.0-56-cloud-amd64" -> the release. */
static int parse_depends(const char *text, char **release)
{
        const char *p = text;

        while ((p = strstr(p, "Depends: ")) != NULL) {
                const char *name = p + 9, *end = name + strcspn(name, " \t\r\n");
                char *pkg;
                int ret;

                p = end;
                if (strncmp(name, "linux-image-", 12) != 0)
                        continue;
                pkg = strndup(name, (size_t)(end - name));
                if (!pkg)
                        return -ENOMEM;
                ret = kernel_fetch_release_name(pkg, release);
                free(pkg);
                return ret;
        }
        return -ENOENT;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path) < 0 ? -1 : 0;
}

static void remove_tree(const char *path)
{
        nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static bool is_dir(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Fill out->kernel/modules for an unpacked tree at root; -ENOENT if it
 * lacks the kernel or the module directory. */
static int locate(const char *root, const char *release, struct kernel_paths *out)
{
        struct sbuf k = SBUF_INIT, m = SBUF_INIT;
        struct stat st;
        int ret;

        ret = sbuf_addf(&k, "%s/boot/vmlinuz-%s", root, release);
        if (!ret)
                ret = sbuf_addf(&m, "%s/lib/modules/%s", root, release);
        if (!ret && !is_dir(m.buf)) {
                sbuf_reset(&m);
                ret = sbuf_addf(&m, "%s/usr/lib/modules/%s", root, release);
        }
        if (ret < 0)
                goto out_release;
        if (stat(k.buf, &st) != 0 || !S_ISREG(st.st_mode) || !is_dir(m.buf)) {
                ret = -ENOENT;
                goto out_release;
        }
        free(out->kernel);
        free(out->modules);
        out->kernel = sbuf_detach(&k, NULL);
        out->modules = sbuf_detach(&m, NULL);
out_release:
        sbuf_release(&k);
        sbuf_release(&m);
        return ret;
}

static char *find_deb(const char *dir)
{
        struct dirent *de;
        char *found = NULL;
        DIR *d = opendir(dir);

        if (!d)
                return NULL;
        while (!found && (de = readdir(d)) != NULL)
                if (ends_with(de->d_name, ".deb"))
                        found = strdup(de->d_name);
        closedir(d);
        return found;
}

/* Ask apt which release the metapackage depends on. */
static int resolve_default(const char *tmp, char **release, struct sbuf *log)
{
        char *argv[] = {"apt-cache", "depends", KERNEL_FETCH_METAPACKAGE, NULL};
        struct sbuf out = SBUF_INIT;
        char *text = NULL;
        size_t len;
        int ret;

        ret = run_logged(argv, tmp, "apt-cache.out", log);
        if (ret < 0)
                return ret;
        ret = sbuf_addf(&out, "%s/apt-cache.out", tmp);
        if (!ret)
                ret = util_read_file(out.buf, &text, &len);
        sbuf_release(&out);
        if (ret < 0)
                return ret;
        ret = parse_depends(text, release);
        if (ret == -ENOENT) {
                sbuf_addf(log, "'apt-cache depends %s' names no linux-image package:\n%s",
                          KERNEL_FETCH_METAPACKAGE, text);
                ret = -EPROTO;
        }
        free(text);
        return ret;
}

static int read_default(const char *path, char **release)
{
        char *text;
        size_t len;
        int ret;

        ret = util_read_file(path, &text, &len);
        if (ret < 0)
                return ret;
        text[strcspn(text, "\r\n")] = '\0';
        ret = kernel_fetch_release_name(text, release);
        free(text);
        return ret;
}

/* Download and unpack release into final (a directory that must not yet
 * exist), working in tmp. */
static int download(const char *tmp, const char *release, const char *final, struct sbuf *log)
{
        struct sbuf pkg = SBUF_INIT, root = SBUF_INIT, deb = SBUF_INIT;
        struct kernel_paths probe = {0};
        char *deb_name = NULL;
        int ret;

        ret = sbuf_addf(&pkg, "linux-image-%s", release);
        if (!ret)
                ret = sbuf_addf(&root, "%s/root", tmp);
        if (ret < 0)
                goto out_release;
        {
                char *argv[] = {"apt-get", "download", pkg.buf, NULL};
                ret = run_logged(argv, tmp, "apt-get.out", log);
        }
        if (ret < 0)
                goto out_release;
        deb_name = find_deb(tmp);
        if (!deb_name) {
                sbuf_addf(log, "'apt-get download %s' left no .deb file in '%s'\n", pkg.buf, tmp);
                ret = -EPROTO;
                goto out_release;
        }
        ret = sbuf_addf(&deb, "%s/%s", tmp, deb_name);
        if (ret < 0)
                goto out_release;
        {
                char *argv[] = {"dpkg-deb", "-x", deb.buf, root.buf, NULL};
                ret = run_logged(argv, tmp, "dpkg-deb.out", log);
        }
        if (ret < 0)
                goto out_release;
        if (locate(root.buf, release, &probe) < 0) {
                sbuf_addf(log, "package '%s' holds no boot/vmlinuz-%s or lib/modules/%s\n",
                          deb_name, release, release);
                ret = -EPROTO;
                goto out_release;
        }
        if (rename(root.buf, final) < 0) {
                ret = -errno;
                /* Another bootlens won the race: its copy is as good. */
                if ((ret == -EEXIST || ret == -ENOTEMPTY) && locate(final, release, &probe) == 0)
                        ret = 0;
        }
out_release:
        kernel_paths_free(&probe);
        free(deb_name);
        sbuf_release(&pkg);
        sbuf_release(&root);
        sbuf_release(&deb);
        return ret;
}

int kernel_fetch(const struct kernel_fetch_opts *opts, struct kernel_paths *out, struct sbuf *log)
{
        struct sbuf kdir = SBUF_INIT, dflt = SBUF_INIT, final = SBUF_INIT, tmp = SBUF_INIT;
        char *cache = NULL, *release = NULL;
        bool have_tmp = false;
        int ret = 0;

        memset(out, 0, sizeof(*out));
        if (opts->cache_dir)
                cache = strdup(opts->cache_dir);
        else
                ret = kernel_fetch_cache_dir(&cache);
        if (!cache)
                return opts->cache_dir ? -ENOMEM : ret;
        ret = sbuf_addf(&kdir, "%s/kernels", cache);
        if (!ret)
                ret = sbuf_addf(&dflt, "%s/default-cloud-amd64", kdir.buf);
        if (!ret)
                ret = sbuf_addf(&tmp, "%s/tmp.XXXXXX", cache);
        if (!ret)
                ret = util_mkdir_p(kdir.buf, 0755);
        if (ret < 0)
                goto out_release;

        if (opts->version)
                ret = kernel_fetch_release_name(opts->version, &release);
        else if (!opts->refresh)
                ret = read_default(dflt.buf, &release);
        if (ret < 0 && ret != -ENOENT)
                goto out_release;

        if (!release) {
                if (!mkdtemp(tmp.buf)) {
                        ret = -errno;
                        goto out_release;
                }
                have_tmp = true;
                ret = resolve_default(tmp.buf, &release, log);
                if (ret < 0)
                        goto out_release;
                ret = util_write_file_atomic(dflt.buf, release, strlen(release));
                if (ret < 0)
                        goto out_release;
        }
        ret = sbuf_addf(&final, "%s/%s", kdir.buf, release);
        if (ret < 0)
                goto out_release;
        out->cached = locate(final.buf, release, out) == 0;
        if (!out->cached) {
                if (!have_tmp && !mkdtemp(tmp.buf)) {
                        ret = -errno;
                        goto out_release;
                }
                have_tmp = true;
                ret = download(tmp.buf, release, final.buf, log);
                if (!ret)
                        ret = locate(final.buf, release, out);
                if (ret < 0)
                        goto out_release;
        }
        out->release = release;
        release = NULL;
out_release:
        if (have_tmp)
                remove_tree(tmp.buf);
        if (ret < 0)
                kernel_paths_free(out);
        free(release);
        free(cache);
        sbuf_release(&kdir);
        sbuf_release(&dflt);
        sbuf_release(&final);
        sbuf_release(&tmp);
        return ret;
}

void kernel_paths_free(struct kernel_paths *p)
{
        if (!p)
                return;
        free(p->release);
        free(p->kernel);
        free(p->modules);
        memset(p, 0, sizeof(*p));
}
