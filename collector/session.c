/* session: see session.h. */
#include "collector/session.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/sbuf.h"
#include "base/util.h"

struct session {
        char *dir;
        json_t *meta;
        json_t *variants; /* borrowed from meta */
        json_t *plan;     /* borrowed from meta */
};

/* ---- variants ---- */

static void set_err(char *err, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t size, const char *fmt, ...)
{
        va_list ap;

        if (!err || !size)
                return;
        va_start(ap, fmt);
        vsnprintf(err, size, fmt, ap);
        va_end(ap);
}

static char *trim(char *s)
{
        char *e;

        while (*s == ' ' || *s == '\t')
                s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
                *--e = '\0';
        return s;
}

/* Split words on spaces into v's qemu_args. */
static int add_words(struct session_variant *v, char *s)
{
        for (char *w = strtok(s, " \t"); w; w = strtok(NULL, " \t")) {
                char **a = realloc(v->qemu_args, (v->nqemu_args + 2) * sizeof(*a));

                if (!a)
                        return -ENOMEM;
                v->qemu_args = a;
                a[v->nqemu_args] = strdup(w);
                if (!a[v->nqemu_args])
                        return -ENOMEM;
                a[++v->nqemu_args] = NULL;
        }
        return 0;
}

/* Words joined by single spaces, appended to *dst (malloc'd). */
static int add_append(char **dst, const char *s)
{
        struct sbuf sb = SBUF_INIT;
        char *copy = strdup(s);
        int ret = 0;

        if (!copy)
                return -ENOMEM;
        if (*dst)
                ret = sbuf_adds(&sb, *dst);
        for (char *w = strtok(copy, " \t"); w && ret == 0; w = strtok(NULL, " \t")) {
                if (sb.len)
                        ret = sbuf_addch(&sb, ' ');
                if (ret == 0)
                        ret = sbuf_adds(&sb, w);
        }
        free(copy);
        if (ret < 0) {
                sbuf_release(&sb);
                return ret;
        }
        free(*dst);
        if (sb.len) {
                *dst = sbuf_detach(&sb, NULL);
        } else {
                sbuf_release(&sb); /* may hold a buffer even when empty */
                *dst = strdup("");
        }
        return *dst ? 0 : -ENOMEM;
}

static bool valid_name(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > 63)
                return false;
        for (; *s; s++) {
                char c = *s;
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-'))
                        return false;
        }
        return true;
}

int session_variant_parse(const char *spec, struct session_variant *v, char *err, size_t errsize)
{
        char *copy, *colon, *name, *rest, *saveptr = NULL;
        int ret = 0;

        memset(v, 0, sizeof(*v));
        v->qemu_args = calloc(1, sizeof(char *));
        copy = strdup(spec);
        if (!copy || !v->qemu_args) {
                ret = -ENOMEM;
                goto out;
        }
        colon = strchr(copy, ':');
        rest = colon ? colon + 1 : copy + strlen(copy);
        if (colon)
                *colon = '\0';
        name = trim(copy);
        if (!valid_name(name)) {
                set_err(err, errsize, "variant name '%s' must be 1-63 of A-Z a-z 0-9 . _ -", name);
                ret = -EINVAL;
                goto out;
        }
        v->name = strdup(name);
        if (!v->name) {
                ret = -ENOMEM;
                goto out;
        }
        for (char *item = strtok_r(rest, ";", &saveptr); item;
             item = strtok_r(NULL, ";", &saveptr)) {
                char *kv = trim(item), *val;

                if (!*kv)
                        continue;
                if (strncmp(kv, "append+=", 8) == 0) {
                        ret = add_append(&v->append, kv + 8);
                } else if (strncmp(kv, "append=", 7) == 0) {
                        free(v->append);
                        v->append = NULL;
                        v->append_replace = true;
                        ret = add_append(&v->append, kv + 7);
                } else if (strncmp(kv, "qemu+=", 6) == 0) {
                        ret = add_words(v, kv + 6);
                } else if (strncmp(kv, "kernel=", 7) == 0 || strncmp(kv, "initrd=", 7) == 0) {
                        char **dst = kv[0] == 'k' ? &v->kernel : &v->initrd;

                        val = trim(kv + 7);
                        if (!*val) {
                                set_err(err, errsize, "variant '%s': empty path in '%s'", v->name,
                                        kv);
                                ret = -EINVAL;
                                goto out;
                        }
                        free(*dst);
                        *dst = strdup(val);
                        ret = *dst ? 0 : -ENOMEM;
                } else {
                        set_err(err, errsize,
                                "variant '%s': unknown key in '%s' (expected append+=, "
                                "append=, qemu+=, kernel= or initrd=)",
                                v->name, kv);
                        ret = -EINVAL;
                }
                if (ret < 0)
                        goto out;
        }
out:
        free(copy);
        if (ret < 0)
                session_variant_free(v);
        return ret;
}

void session_variant_free(struct session_variant *v)
{
        if (!v)
                return;
        free(v->name);
        free(v->kernel);
        free(v->initrd);
        free(v->append);
        for (size_t i = 0; v->qemu_args && i < v->nqemu_args; i++)
                free(v->qemu_args[i]);
        free(v->qemu_args);
        memset(v, 0, sizeof(*v));
}

/* ---- reading ---- */

int session_open(const char *dir, struct session **out, char *err, size_t errsize)
{
        struct session *s;
        json_error_t je;
        json_t *sv;
        char *path = NULL;
        int ret;

        s = calloc(1, sizeof(*s));
        if (!s || asprintf(&path, "%s/session.json", dir) < 0) {
                free(s);
                return -ENOMEM;
        }
        s->dir = strdup(dir);
        if (!s->dir) {
                ret = -ENOMEM;
                goto out_fail;
        }
        if (access(path, F_OK) < 0) {
                ret = -errno;
                set_err(err, errsize, "cannot open '%s': %s", path, strerror(errno));
                goto out_fail;
        }
        s->meta = json_load_file(path, 0, &je);
        if (!s->meta) {
                set_err(err, errsize, "%s:%d: %s", path, je.line, je.text);
                ret = -EINVAL;
                goto out_fail;
        }
        sv = json_object_get(s->meta, "schema_version");
        s->variants = json_object_get(s->meta, "variants");
        s->plan = json_object_get(s->meta, "plan");
        if (!json_is_integer(sv) || json_integer_value(sv) != SESSION_SCHEMA_VERSION ||
            !json_is_string(json_object_get(s->meta, "kind")) ||
            strcmp(json_string_value(json_object_get(s->meta, "kind")), SESSION_KIND) != 0) {
                set_err(err, errsize, "'%s' is not a bootlens session (schema_version %d)", path,
                        SESSION_SCHEMA_VERSION);
                ret = -EINVAL;
                goto out_fail;
        }
        if (!json_is_array(s->variants) || json_array_size(s->variants) == 0 ||
            !json_is_array(s->plan)) {
                set_err(err, errsize, "'%s': no variants or no plan", path);
                ret = -EINVAL;
                goto out_fail;
        }
        for (size_t i = 0; i < json_array_size(s->variants); i++) {
                if (!json_is_string(json_object_get(json_array_get(s->variants, i), "name"))) {
                        set_err(err, errsize, "'%s': variant %zu has no name", path, i);
                        ret = -EINVAL;
                        goto out_fail;
                }
        }
        for (size_t i = 0; i < json_array_size(s->plan); i++) {
                json_t *p = json_array_get(s->plan, i);
                json_t *vi = json_object_get(p, "variant");

                if (!json_is_string(vi) || session_variant_index(s, json_string_value(vi)) < 0 ||
                    json_integer_value(json_object_get(p, "run")) != (json_int_t)(i + 1)) {
                        set_err(err, errsize, "'%s': plan entry %zu is malformed", path, i + 1);
                        ret = -EINVAL;
                        goto out_fail;
                }
        }
        free(path);
        *out = s;
        return 0;
out_fail:
        free(path);
        session_free(s);
        return ret;
}

void session_free(struct session *s)
{
        if (!s)
                return;
        json_decref(s->meta);
        free(s->dir);
        free(s);
}

const char *session_dir(const struct session *s)
{
        return s->dir;
}

json_t *session_meta(const struct session *s)
{
        return s->meta;
}

size_t session_variant_count(const struct session *s)
{
        return json_array_size(s->variants);
}

json_t *session_variant(const struct session *s, size_t i)
{
        return json_array_get(s->variants, i);
}

const char *session_variant_name(const struct session *s, size_t i)
{
        return json_string_value(json_object_get(session_variant(s, i), "name"));
}

const char *session_variant_cmdline(const struct session *s, size_t i)
{
        return json_string_value(json_object_get(session_variant(s, i), "cmdline"));
}

int session_variant_index(const struct session *s, const char *name)
{
        for (size_t i = 0; i < session_variant_count(s); i++) {
                const char *n = session_variant_name(s, i);

                if (n && strcmp(n, name) == 0)
                        return (int)i;
        }
        return -ENOENT;
}

size_t session_planned_runs(const struct session *s)
{
        return json_array_size(s->plan);
}

int session_plan(const struct session *s, unsigned run, size_t *variant, bool *warmup)
{
        json_t *p;
        int vi;

        if (run == 0 || run > session_planned_runs(s))
                return -ENOENT;
        p = json_array_get(s->plan, run - 1);
        vi = session_variant_index(s, json_string_value(json_object_get(p, "variant")));
        if (vi < 0)
                return vi;
        *variant = (size_t)vi;
        *warmup = json_is_true(json_object_get(p, "warmup"));
        return 0;
}

int session_run_path(const char *dir, unsigned run, const char *suffix, char **path)
{
        if (asprintf(path, "%s/runs/%04u%s", dir, run, suffix) < 0)
                return -ENOMEM;
        return 0;
}

bool session_run_done(const struct session *s, unsigned run)
{
        char *path;
        bool done;

        if (session_run_path(s->dir, run, ".json", &path) < 0)
                return false;
        done = access(path, F_OK) == 0;
        free(path);
        return done;
}

static int cmp_unsigned(const void *a, const void *b)
{
        unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

        return (x > y) - (x < y);
}

int session_list_runs(const struct session *s, unsigned **runs)
{
        unsigned *a = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        char *path;
        DIR *d;

        if (asprintf(&path, "%s/runs", s->dir) < 0)
                return -ENOMEM;
        d = opendir(path);
        free(path);
        if (!d) {
                if (errno != ENOENT)
                        return -errno;
                *runs = NULL;
                return 0;
        }
        while ((de = readdir(d))) {
                const char *name = de->d_name;
                size_t len = strlen(name), digits = strspn(name, "0123456789");
                char num[16];
                uint64_t v;

                /* NNNN.json exactly: digits, then ".json", nothing else. */
                if (digits < 4 || digits > 10 || len != digits + 5 ||
                    strcmp(name + digits, ".json") != 0)
                        continue;
                memcpy(num, name, digits);
                num[digits] = '\0';
                if (util_parse_u64(num, 10, &v) < 0 || v == 0 || v > UINT32_MAX)
                        continue;
                if (n == cap) {
                        unsigned *b = realloc(a, (cap ? cap * 2 : 64) * sizeof(*a));

                        if (!b) {
                                free(a);
                                closedir(d);
                                return -ENOMEM;
                        }
                        a = b;
                        cap = cap ? cap * 2 : 64;
                }
                a[n++] = (unsigned)v;
        }
        closedir(d);
        if (n)
                qsort(a, n, sizeof(*a), cmp_unsigned);
        *runs = a;
        return (int)n;
}

int session_load_run(const struct session *s, unsigned run, json_t **out)
{
        json_error_t je;
        char *path;
        json_t *j;

        if (session_run_path(s->dir, run, ".json", &path) < 0)
                return -ENOMEM;
        if (access(path, F_OK) < 0) {
                int e = -errno;

                free(path);
                return e;
        }
        j = json_load_file(path, 0, &je);
        free(path);
        if (!j)
                return -EINVAL;
        if (!json_is_object(j) ||
            json_integer_value(json_object_get(j, "schema_version")) != SESSION_SCHEMA_VERSION) {
                json_decref(j);
                return -EINVAL;
        }
        *out = j;
        return 0;
}

int session_run_info(json_t *run, struct session_run_info *info)
{
        json_t *attempts = json_object_get(run, "attempts");
        json_t *boot = json_object_get(run, "boot_ns");
        const char *reason;

        memset(info, 0, sizeof(*info));
        info->run = (unsigned)json_integer_value(json_object_get(run, "run"));
        info->variant = json_string_value(json_object_get(run, "variant"));
        info->verdict = json_string_value(json_object_get(run, "verdict"));
        reason = json_string_value(json_object_get(run, "reason"));
        info->reason = reason ? reason : "";
        info->warmup = json_is_true(json_object_get(run, "warmup"));
        if (!info->run || !info->variant || !info->verdict || !json_is_array(attempts) ||
            json_array_size(attempts) == 0)
                return -EINVAL;
        info->attempts = (unsigned)json_array_size(attempts);
        info->final = json_array_get(attempts, info->attempts - 1);
        info->boot_ns = json_is_integer(boot) ? (uint64_t)json_integer_value(boot) : 0;
        return 0;
}

int session_attempt_mark(json_t *attempt, const char *name, uint64_t *ns)
{
        json_t *v = json_object_get(json_object_get(attempt, "host_ns"), name);

        if (!json_is_integer(v))
                return -ENOENT;
        *ns = (uint64_t)json_integer_value(v);
        return 0;
}

int session_split_ref(const char *ref, char **dir, char **variant)
{
        const char *colon = strrchr(ref, ':');

        *variant = NULL;
        if (colon && colon[1]) {
                char *left = strndup(ref, (size_t)(colon - ref)), *path;
                bool is_session;

                if (!left || asprintf(&path, "%s/session.json", left) < 0) {
                        free(left);
                        return -ENOMEM;
                }
                is_session = access(path, F_OK) == 0;
                free(path);
                if (is_session) {
                        *variant = strdup(colon + 1);
                        if (!*variant) {
                                free(left);
                                return -ENOMEM;
                        }
                        *dir = left;
                        return 0;
                }
                free(left);
        }
        *dir = strdup(ref);
        return *dir ? 0 : -ENOMEM;
}

/* ---- writing ---- */

static int write_json(const char *path, json_t *j)
{
        char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        struct sbuf sb = SBUF_INIT;
        int ret;

        if (!text)
                return -ENOMEM;
        ret = sbuf_adds(&sb, text);
        if (ret == 0)
                ret = sbuf_addch(&sb, '\n');
        if (ret == 0)
                ret = util_write_file_atomic(path, sb.buf, sb.len);
        sbuf_release(&sb);
        free(text);
        return ret;
}

int session_create(const char *dir, json_t *meta)
{
        char *path, *runs;
        int ret;

        if (asprintf(&path, "%s/session.json", dir) < 0)
                return -ENOMEM;
        if (asprintf(&runs, "%s/runs", dir) < 0) {
                free(path);
                return -ENOMEM;
        }
        if (access(path, F_OK) == 0) {
                ret = -EEXIST;
                goto out;
        }
        ret = util_mkdir_p(runs, 0755);
        if (ret < 0)
                goto out;
        if (!json_object_get(meta, "schema_version"))
                json_object_set_new(meta, "schema_version", json_integer(SESSION_SCHEMA_VERSION));
        if (!json_object_get(meta, "kind"))
                json_object_set_new(meta, "kind", json_string(SESSION_KIND));
        ret = write_json(path, meta);
out:
        free(path);
        free(runs);
        return ret;
}

int session_lock(const char *dir, int *fd)
{
        char *path;
        int f;

        if (asprintf(&path, "%s/.lock", dir) < 0)
                return -ENOMEM;
        f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        free(path);
        if (f < 0)
                return -errno;
        if (flock(f, LOCK_EX | LOCK_NB) < 0) {
                int e = errno == EWOULDBLOCK ? -EBUSY : -errno;

                close(f);
                return e;
        }
        *fd = f;
        return 0;
}

int session_clean_temp(const char *dir)
{
        struct dirent *de;
        char *path;
        int n = 0;
        DIR *d;

        if (asprintf(&path, "%s/runs", dir) < 0)
                return -ENOMEM;
        d = opendir(path);
        if (!d) {
                int e = errno == ENOENT ? 0 : -errno;

                free(path);
                return e;
        }
        while ((de = readdir(d))) {
                if (strstr(de->d_name, ".tmp.") && unlinkat(dirfd(d), de->d_name, 0) == 0)
                        n++;
        }
        closedir(d);
        free(path);
        return n;
}

int session_write_capture(const char *dir, unsigned run, const char *suffix, const void *data,
                          size_t len)
{
        char *path;
        int ret;

        ret = session_run_path(dir, run, suffix, &path);
        if (ret < 0)
                return ret;
        ret = util_write_file_atomic(path, data ? data : "", len);
        free(path);
        return ret;
}

int session_write_run(const char *dir, unsigned run, json_t *run_json)
{
        char *path;
        int ret;

        ret = session_run_path(dir, run, ".json", &path);
        if (ret < 0)
                return ret;
        if (!json_object_get(run_json, "schema_version"))
                json_object_set_new(run_json, "schema_version",
                                    json_integer(SESSION_SCHEMA_VERSION));
        if (!json_object_get(run_json, "kind"))
                json_object_set_new(run_json, "kind", json_string(SESSION_RUN_KIND));
        ret = write_json(path, run_json);
        free(path);
        return ret;
}

/* ---- helpers ---- */

int session_file_sha256(const char *path, char hex[65], uint64_t *size)
{
        unsigned char md[EVP_MAX_MD_SIZE], buf[65536];
        unsigned mdlen = 0;
        uint64_t total = 0;
        EVP_MD_CTX *ctx;
        int fd, ret = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ctx = EVP_MD_CTX_new();
        if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
                ret = -ENOMEM;
                goto out;
        }
        for (;;) {
                ssize_t n = util_read_full(fd, buf, sizeof(buf));

                if (n < 0) {
                        ret = (int)n;
                        goto out;
                }
                if (n == 0)
                        break;
                EVP_DigestUpdate(ctx, buf, (size_t)n);
                total += (uint64_t)n;
        }
        EVP_DigestFinal_ex(ctx, md, &mdlen);
        for (unsigned i = 0; i < mdlen && i < 32; i++)
                snprintf(hex + 2 * i, 3, "%02x", md[i]);
        hex[64] = '\0';
        *size = total;
out:
        EVP_MD_CTX_free(ctx);
        close(fd);
        return ret;
}

void session_new_id(char id[32])
{
        uint32_t rnd = 0;
        time_t t = time(NULL);
        struct tm tm;
        char stamp[20];

        if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
                rnd = (uint32_t)(util_now_ns() ^ ((uint64_t)getpid() << 16));
        gmtime_r(&t, &tm);
        if (strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
                stamp[0] = '\0';
        snprintf(id, 32, "%.16s-%08x", stamp, rnd);
}
