/* Unit tests of the history store (analyzer/history.c): the schema's
 * versioning and refusals, one transaction per insert, two writers at
 * once, reading back, series order; and history_prepare on the real
 * 5-run session of tests/data/linux-session-5. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "analyzer/history.h"
#include "base/util.h"
#include "guest/vmlinux.h"
#include "scratch.h"

#define MS 1e6

static char dir[] = "/tmp/test_history.XXXXXX";
static char db[256];

static int setup(void **state)
{
        static int k;

        (void)state;
        snprintf(db, sizeof(db), "%s/h%d.db", dir, k++);
        return 0;
}

static char *dupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *dupf(const char *fmt, ...)
{
        va_list ap;
        char *s = NULL;

        va_start(ap, fmt);
        assert_true(vasprintf(&s, fmt, ap) >= 0);
        va_end(ap);
        return s;
}

/* A synthetic entry: nruns runs, total + 2 phases + 2 functions. */
static void make_new(struct history_new *e, const char *sid, const char *variant,
                     const char *created, size_t nruns, double base)
{
        static const char *names[] = {"total", "phase:kernel", "phase:initcalls", "fn:a_init",
                                      "fn:b_init"};
        static const enum compare_kind kinds[] = {COMPARE_TOTAL, COMPARE_PHASE, COMPARE_PHASE,
                                                  COMPARE_FN, COMPARE_FN};
        static const char *phases[] = {NULL, "kernel", "initcalls", "initcalls", "initcalls"};

        memset(e, 0, sizeof(*e));
        e->session_id = strdup(sid);
        e->variant = strdup(variant);
        e->path = strdup("/nowhere/session");
        e->created = strdup(created);
        e->host_cpu = strdup("Test CPU");
        e->qemu_version = strdup("QEMU 7.2");
        e->accel = strdup("tcg");
        e->kernel_version = strdup("6.1.0-27-cloud-amd64");
        e->cmdline = strdup("console=ttyS0");
        e->runs_recorded = nruns + 1;
        e->runs_ok = nruns;
        e->runs = calloc(nruns, sizeof(*e->runs));
        e->nruns = nruns;
        for (size_t i = 0; i < nruns; i++)
                e->runs[i] = (unsigned)(i + 1);
        e->nm = 5;
        e->m = calloc(5, sizeof(*e->m));
        for (size_t k = 0; k < 5; k++) {
                e->m[k].name = strdup(names[k]);
                e->m[k].kind = kinds[k];
                e->m[k].phase = phases[k] ? strdup(phases[k]) : NULL;
                e->m[k].values = calloc(nruns, sizeof(double));
                for (size_t i = 0; i < nruns; i++)
                        e->m[k].values[i] =
                            base / (double)(k + 1) + (double)i * 1000.0 + 0.5 * (k == 4);
        }
        e->nlabels = 1;
        e->labels = calloc(1, sizeof(*e->labels));
        e->labels[0].key = strdup("commit");
        e->labels[0].value = strdup(sid);
}

static void add_label(struct history_new *e, const char *key, const char *value)
{
        e->labels = realloc(e->labels, (e->nlabels + 1) * sizeof(*e->labels));
        e->labels[e->nlabels].key = strdup(key);
        e->labels[e->nlabels].value = strdup(value);
        e->nlabels++;
        /* keep key order */
        for (size_t i = e->nlabels - 1; i > 0 && strcmp(e->labels[i - 1].key, e->labels[i].key) > 0;
             i--) {
                struct history_label t = e->labels[i];

                e->labels[i] = e->labels[i - 1];
                e->labels[i - 1] = t;
        }
}

static struct history *open_ok(bool create)
{
        struct history *h = NULL;
        char err[512];
        int rc = history_open(db, create, &h, err, sizeof(err));

        if (rc)
                fprintf(stderr, "history_open: %d %s\n", rc, err);
        assert_int_equal(rc, 0);
        return h;
}

static void insert_ok(struct history *h, struct history_new *e, size_t n)
{
        char err[512];
        int rc = history_insert(h, e, n, NULL, err, sizeof(err));

        if (rc)
                fprintf(stderr, "history_insert: %d %s\n", rc, err);
        assert_int_equal(rc, 0);
}

static void add_one(struct history *h, const char *sid, const char *created, double base)
{
        struct history_new e;

        make_new(&e, sid, "default", created, 5, base);
        insert_ok(h, &e, 1);
        history_new_free(&e);
}

/* db: a history of one entry, s1, closed. */
static void db_with_one_entry(void)
{
        struct history *h = open_ok(true);

        add_one(h, "s1", "2026-01-01T00:00:00Z", 100 * MS);
        history_close(h);
}

static size_t count_entries(struct history *h)
{
        struct history_entry *v;
        size_t n;

        assert_int_equal(history_list(h, NULL, &v, &n), 0);
        history_entries_free(v, n);
        return n;
}

/* The file's bytes, to compare before and after. */
static char *slurp(const char *path, size_t *len)
{
        char *data = NULL;

        assert_int_equal(util_read_file(path, &data, len), 0);
        return data;
}

static bool exists(const char *path)
{
        return access(path, F_OK) == 0;
}

static void assert_untouched(const char *path, const char *before, size_t blen)
{
        size_t alen;
        char *after = slurp(path, &alen);
        char *wal = dupf("%s-wal", path), *shm = dupf("%s-shm", path);

        assert_int_equal(alen, blen);
        assert_memory_equal(after, before, blen);
        assert_false(exists(wal));
        assert_false(exists(shm));
        free(after);
        free(wal);
        free(shm);
}

static void exec_sql(const char *path, const char *sql)
{
        sqlite3 *s;

        assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
        assert_int_equal(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_close(s), SQLITE_OK);
}

/* ---- opening ---- */

static void test_history_open_creates_and_reopens(void **state)
{
        struct history *h = NULL;
        char err[512];

        (void)state;
        assert_int_equal(history_open(db, false, &h, err, sizeof(err)), -ENOENT);
        assert_null(h);
        assert_false(exists(db));
        {
                char *missing = dupf("%s/no/such/dir/h.db", dir);

                assert_int_equal(history_open(missing, true, &h, err, sizeof(err)), -ENOENT);
                assert_non_null(strstr(err, "cannot open: No such file or directory"));
                free(missing);
        }
        h = open_ok(true);
        assert_int_equal(history_schema_version(h), HISTORY_SCHEMA_VERSION);
        assert_string_equal(history_path(h), db);
        history_close(h);
        assert_true(exists(db));
        h = open_ok(false);
        assert_int_equal(history_schema_version(h), 1);
        history_close(h);
        /* what the file says of itself */
        {
                sqlite3 *s;
                sqlite3_stmt *st;

                assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
                assert_int_equal(sqlite3_prepare_v2(s, "PRAGMA application_id", -1, &st, NULL), 0);
                assert_int_equal(sqlite3_step(st), SQLITE_ROW);
                assert_int_equal((uint32_t)sqlite3_column_int64(st, 0), HISTORY_APPLICATION_ID);
                sqlite3_finalize(st);
                assert_int_equal(sqlite3_prepare_v2(s, "PRAGMA journal_mode", -1, &st, NULL), 0);
                assert_int_equal(sqlite3_step(st), SQLITE_ROW);
                assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
                sqlite3_finalize(st);
                assert_int_equal(sqlite3_prepare_v2(s,
                                                    "SELECT value FROM bootlens_meta WHERE key IN "
                                                    "('kind','schema_version','tool') ORDER BY key",
                                                    -1, &st, NULL),
                                 0);
                assert_int_equal(sqlite3_step(st), SQLITE_ROW);
                assert_string_equal((const char *)sqlite3_column_text(st, 0), "bootlens-history");
                assert_int_equal(sqlite3_step(st), SQLITE_ROW);
                assert_string_equal((const char *)sqlite3_column_text(st, 0), "1");
                sqlite3_finalize(st);
                sqlite3_close(s);
        }
}

static void test_history_open_an_empty_file_counts_as_absent(void **state)
{
        struct history *h = NULL;
        char err[512];
        int fd;

        (void)state;
        fd = open(db, O_CREAT | O_WRONLY, 0644);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(history_open(db, false, &h, err, sizeof(err)), -ENOENT);
        h = open_ok(true);
        history_close(h);
}

static void test_history_open_v1_opens_unchanged(void **state)
{
        struct history *h;
        size_t len;
        char *before;

        (void)state;
        db_with_one_entry();
        before = slurp(db, &len);
        h = open_ok(false);
        assert_int_equal(history_schema_version(h), 1);
        assert_int_equal(count_entries(h), 1);
        history_close(h);
        assert_untouched(db, before, len);
        free(before);
}

static void test_history_open_refuses_a_newer_schema_untouched(void **state)
{
        struct history *h;
        char err[512], *before;
        size_t len;

        (void)state;
        db_with_one_entry();
        exec_sql(db, "UPDATE bootlens_meta SET value = '7' WHERE key = 'schema_version'");
        before = slurp(db, &len);
        h = NULL;
        assert_int_equal(history_open(db, true, &h, err, sizeof(err)), -EPROTO);
        assert_null(h);
        assert_non_null(strstr(err, "history schema version 7, this bootlens knows 1 (upgrade "
                                    "bootlens)"));
        assert_true(strncmp(err, db, strlen(db)) == 0);
        assert_untouched(db, before, len);
        free(before);
}

static void test_history_open_refuses_garbage_and_truncation_untouched(void **state)
{
        struct history *h = NULL;
        char err[512], *before, *whole;
        size_t len, wlen;
        static const char garbage[] = "this is no database at all, not even close to one, "
                                      "but long enough for a header\n"
                                      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

        (void)state;
        assert_int_equal(util_write_file_atomic(db, garbage, sizeof(garbage) - 1), 0);
        before = slurp(db, &len);
        assert_int_equal(history_open(db, true, &h, err, sizeof(err)), -EINVAL);
        assert_null(h);
        assert_non_null(strstr(err, ": not a SQLite database"));
        assert_untouched(db, before, len);
        free(before);
        unlink(db);

        /* a real history cut in half */
        h = open_ok(true);
        for (int i = 0; i < 40; i++) {
                char sid[32];

                snprintf(sid, sizeof(sid), "s%02d", i);
                add_one(h, sid, "2026-01-01T00:00:00Z", 100 * MS);
        }
        history_close(h);
        whole = slurp(db, &wlen);
        assert_true(wlen > 8192);
        assert_int_equal(util_write_file_atomic(db, whole, wlen / 2), 0);
        free(whole);
        before = slurp(db, &len);
        h = NULL;
        assert_int_equal(history_open(db, true, &h, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, ": not a SQLite database"));
        assert_untouched(db, before, len);
        free(before);
}

static void test_history_open_refuses_a_foreign_sqlite_file_untouched(void **state)
{
        struct history *h = NULL;
        char err[512], *before;
        size_t len;

        (void)state;
        exec_sql(db, "CREATE TABLE songs (title TEXT); INSERT INTO songs VALUES ('la');");
        before = slurp(db, &len);
        assert_int_equal(history_open(db, true, &h, err, sizeof(err)), -EINVAL);
        assert_null(h);
        assert_non_null(strstr(err, ": a SQLite database but not a bootlens history "
                                    "(application_id 0x00000000, no table bootlens_meta)"));
        assert_untouched(db, before, len);
        free(before);
        unlink(db);
        /* in WAL mode, with another application's id */
        exec_sql(db, "PRAGMA journal_mode = WAL; PRAGMA application_id = 1234; "
                     "CREATE TABLE songs (title TEXT);");
        before = slurp(db, &len);
        assert_int_equal(history_open(db, false, &h, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "(application_id 0x000004d2, no table bootlens_meta)"));
        assert_untouched(db, before, len);
        free(before);
}

/* ---- adding and reading ---- */

static void test_history_insert_reads_back_every_field(void **state)
{
        struct history *h;
        struct history_new e;
        struct history_entry got, *list;
        struct history_metric *m;
        double *vals;
        size_t n, nv, nl;
        int64_t id = 0;
        char err[256];

        (void)state;
        setenv("SOURCE_DATE_EPOCH", "1767225600", 1); /* 2026-01-01T00:00:00Z */
        h = open_ok(true);
        make_new(&e, "20260101T000000Z-00000001", "default", "2025-12-31T23:00:00Z", 5, 100 * MS);
        add_label(&e, "kernel", "6.1.0-27-cloud-amd64");
        e.m[1].values[2] = NAN; /* run 3 lacks phase:kernel */
        assert_int_equal(history_insert(h, &e, 1, &id, err, sizeof(err)), 0);
        assert_true(id > 0);
        assert_int_equal(history_get(h, "20260101T000000Z-00000001", &got), 0);
        assert_int_equal(got.id, id);
        assert_string_equal(got.session_id, "20260101T000000Z-00000001");
        assert_string_equal(got.variant, "default");
        assert_string_equal(got.path, "/nowhere/session");
        assert_string_equal(got.created, "2025-12-31T23:00:00Z");
        assert_string_equal(got.added, "2026-01-01T00:00:00Z");
        assert_string_equal(got.host_cpu, "Test CPU");
        assert_null(got.host_kernel);
        assert_string_equal(got.qemu_version, "QEMU 7.2");
        assert_string_equal(got.accel, "tcg");
        assert_null(got.kernel_path);
        assert_null(got.kernel_sha256);
        assert_string_equal(got.kernel_version, "6.1.0-27-cloud-amd64");
        assert_string_equal(got.cmdline, "console=ttyS0");
        assert_int_equal(got.runs_recorded, 6);
        assert_int_equal(got.runs_ok, 5);
        assert_int_equal(got.runs_left_out, 0);
        assert_int_equal(got.runs_used, 5);
        assert_int_equal(got.nlabels, 2);
        assert_string_equal(got.labels[0].key, "commit");
        assert_string_equal(got.labels[1].key, "kernel");
        assert_string_equal(history_entry_label(&got, "kernel"), "6.1.0-27-cloud-amd64");
        assert_string_equal(history_entry_label(&got, "session"), "20260101T000000Z-00000001");
        assert_string_equal(history_entry_label(&got, "variant"), "default");
        assert_null(history_entry_label(&got, "branch"));
        history_entry_free(&got);
        {
                struct history_entry byid, bysv;
                char spec[32];

                snprintf(spec, sizeof(spec), "%lld", (long long)id);
                assert_int_equal(history_get(h, spec, &byid), 0);
                assert_int_equal(byid.id, id);
                assert_int_equal(history_get(h, "20260101T000000Z-00000001:default", &bysv), 0);
                assert_int_equal(bysv.id, id);
                assert_int_equal(history_get(h, "20260101T000000Z-00000001:other", &got), -ENOENT);
                assert_int_equal(history_get(h, "999", &got), -ENOENT);
                history_entry_free(&byid);
                history_entry_free(&bysv);
        }

        assert_int_equal(history_entry_metrics(h, id, &m, &n), 0);
        assert_int_equal(n, 5);
        assert_string_equal(m[0].name, "total");
        assert_int_equal(m[0].kind, COMPARE_TOTAL);
        assert_null(m[0].phase);
        assert_int_equal(m[0].s.n, 5);
        assert_true(m[0].s.median == 100 * MS + 2000);
        assert_true(m[0].s.min == 100 * MS);
        assert_true(m[0].s.max == 100 * MS + 4000);
        assert_true(m[0].s.q25 == 100 * MS + 1000);
        assert_true(m[0].s.q75 == 100 * MS + 3000);
        assert_true(m[0].s.ci_lo == 100 * MS && m[0].s.ci_hi == 100 * MS + 4000);
        assert_true(fabs(m[0].s.ci_coverage - 0.9375) < 1e-12);
        assert_string_equal(m[1].name, "phase:kernel");
        assert_string_equal(m[1].phase, "kernel");
        assert_int_equal(m[1].s.n, 4);
        assert_string_equal(m[2].name, "phase:initcalls");
        assert_string_equal(m[3].name, "fn:a_init"); /* the larger median first */
        assert_string_equal(m[3].phase, "initcalls");
        assert_string_equal(m[4].name, "fn:b_init");
        history_metrics_free(m, n);
        assert_int_equal(history_entry_metrics(h, 999, &m, &n), -ENOENT);

        assert_int_equal(history_values(h, id, "phase:kernel", &vals, &nv), 0);
        assert_int_equal(nv, 4);
        assert_true(vals[0] == 50 * MS && vals[2] == 50 * MS + 3000);
        free(vals);
        assert_int_equal(history_values(h, id, "fn:b_init", &vals, &nv), 0);
        assert_int_equal(nv, 5);
        assert_true(vals[0] == 20 * MS + 0.5); /* a fraction survives */
        free(vals);
        assert_int_equal(history_values(h, id, "fn:none", &vals, &nv), 0);
        assert_int_equal(nv, 0);
        assert_null(vals);

        assert_int_equal(history_list(h, NULL, &list, &nl), 0);
        assert_int_equal(nl, 1);
        history_entries_free(list, nl);
        history_new_free(&e);
        history_close(h);
        unsetenv("SOURCE_DATE_EPOCH");
}

static void test_history_insert_twice_is_eexist_and_changes_nothing(void **state)
{
        struct history *h;
        struct history_new e[2];
        char err[512], *before;
        size_t len;

        (void)state;
        db_with_one_entry();
        before = slurp(db, &len);
        h = open_ok(false);
        make_new(&e[0], "s2", "default", "2026-01-02T00:00:00Z", 5, 100 * MS);
        make_new(&e[1], "s1", "default", "2026-01-01T00:00:00Z", 5, 100 * MS);
        assert_int_equal(history_insert(h, e, 2, NULL, err, sizeof(err)), -EEXIST);
        assert_non_null(strstr(err, "session s1 variant default is stored already"));
        assert_int_equal(count_entries(h), 1);
        /* the same pair twice in one batch */
        assert_int_equal(history_insert(h, e, 1, NULL, err, sizeof(err)), 0);
        assert_int_equal(history_insert(h, e, 1, NULL, err, sizeof(err)), -EEXIST);
        history_news_free(NULL, 0);
        history_new_free(&e[0]);
        history_new_free(&e[1]);
        make_new(&e[0], "s3", "default", "2026-01-03T00:00:00Z", 5, 100 * MS);
        make_new(&e[1], "s3", "default", "2026-01-03T00:00:00Z", 5, 100 * MS);
        assert_int_equal(history_insert(h, e, 2, NULL, err, sizeof(err)), -EEXIST);
        assert_int_equal(count_entries(h), 2);
        history_new_free(&e[0]);
        history_new_free(&e[1]);
        history_close(h);
        free(before);
}

static void test_history_insert_failing_half_way_stores_nothing(void **state)
{
        struct history *h;
        struct history_new e[2];
        char **names;
        size_t nn;
        char err[512];

        (void)state;
        h = open_ok(true);
        add_one(h, "s0", "2026-01-01T00:00:00Z", 100 * MS);
        /* the second entry's new metric has only NAN: refused after the first
         * entry and its new metric were written */
        make_new(&e[0], "s1", "default", "2026-01-02T00:00:00Z", 5, 100 * MS);
        free(e[0].m[4].name);
        e[0].m[4].name = strdup("fn:only_in_s1");
        make_new(&e[1], "s2", "default", "2026-01-03T00:00:00Z", 5, 100 * MS);
        for (size_t i = 0; i < 5; i++)
                e[1].m[3].values[i] = NAN;
        assert_int_equal(history_insert(h, e, 2, NULL, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "metric fn:a_init has no value"));
        assert_int_equal(count_entries(h), 1);
        assert_int_equal(history_metric_names(h, NULL, &names, &nn), 0);
        assert_int_equal(nn, 5);
        for (size_t i = 0; i < nn; i++)
                assert_string_not_equal(names[i], "fn:only_in_s1");
        history_names_free(names, nn);
        /* an entry with no run, second */
        e[1].nruns = 0;
        assert_int_equal(history_insert(h, e, 2, NULL, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "no run"));
        assert_int_equal(count_entries(h), 1);
        e[1].nruns = 5;
        history_new_free(&e[0]);
        history_new_free(&e[1]);
        history_close(h);
}

static void test_history_list_filters_and_metric_names(void **state)
{
        struct history *h;
        struct history_new e;
        struct history_entry *v;
        struct history_label where[2] = {{"branch", "main"}, {"variant", "default"}};
        struct history_filter f = {where, 1};
        char **names;
        size_t n;

        (void)state;
        h = open_ok(true);
        make_new(&e, "s2", "default", "2026-01-02T00:00:00Z", 3, 100 * MS);
        add_label(&e, "branch", "main");
        insert_ok(h, &e, 1);
        history_new_free(&e);
        make_new(&e, "s1", "default", "2026-01-01T00:00:00Z", 3, 100 * MS);
        add_label(&e, "branch", "dev");
        free(e.m[4].name);
        e.m[4].name = strdup("fn:c_init");
        insert_ok(h, &e, 1);
        history_new_free(&e);
        make_new(&e, "s3", "default", "2026-01-03T00:00:00Z", 3, 100 * MS);
        add_label(&e, "branch", "main");
        insert_ok(h, &e, 1);
        history_new_free(&e);

        assert_int_equal(history_list(h, NULL, &v, &n), 0);
        assert_int_equal(n, 3);
        assert_string_equal(v[0].session_id, "s1"); /* by created */
        assert_string_equal(v[2].session_id, "s3");
        history_entries_free(v, n);
        assert_int_equal(history_list(h, &f, &v, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(v[0].session_id, "s2");
        assert_string_equal(v[1].session_id, "s3");
        history_entries_free(v, n);
        f.nwhere = 2;
        assert_int_equal(history_list(h, &f, &v, &n), 0);
        assert_int_equal(n, 2);
        history_entries_free(v, n);

        assert_int_equal(history_metric_names(h, NULL, &names, &n), 0);
        assert_int_equal(n, 6);
        assert_string_equal(names[0], "total");
        assert_string_equal(names[1], "phase:kernel");
        assert_string_equal(names[2], "phase:initcalls");
        assert_string_equal(names[3], "fn:a_init");
        assert_string_equal(names[4], "fn:b_init");
        assert_string_equal(names[5], "fn:c_init");
        history_names_free(names, n);
        f.nwhere = 1;
        assert_int_equal(history_metric_names(h, &f, &names, &n), 0);
        assert_int_equal(n, 5); /* c_init is only on dev */
        assert_string_equal(names[4], "fn:b_init");
        history_names_free(names, n);
        history_close(h);
}

static void test_history_series_orders_by_version_then_created(void **state)
{
        static const struct {
                const char *sid, *created, *kernel;
        } in[] = {
            {"a", "2026-01-05T00:00:00Z", "6.12.1"},  {"b", "2026-01-01T00:00:00Z", "6.1.0-10"},
            {"c", "2026-01-02T00:00:00Z", "6.1.0-9"}, {"d", "2026-01-04T00:00:00Z", "6.1.0-10"},
            {"e", "2026-01-03T00:00:00Z", "6.1.0-9"}, {"f", "2026-01-06T00:00:00Z", NULL},
        };
        static const char *want[] = {"c", "e", "b", "d", "a"};
        struct history_label where = {"branch", "main"};
        struct history_filter f = {&where, 1};
        struct history *h;
        struct history_series s;
        struct history_new e;

        (void)state;
        h = open_ok(true);
        for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
                make_new(&e, in[i].sid, "default", in[i].created, 3, 100 * MS + (double)i * MS);
                if (in[i].kernel)
                        add_label(&e, "kver", in[i].kernel);
                add_label(&e, "branch", i == 0 ? "dev" : "main");
                if (i == 3) { /* d has no fn:b_init */
                        history_new_free(&e);
                        make_new(&e, in[i].sid, "default", in[i].created, 3, 100 * MS);
                        add_label(&e, "kver", in[i].kernel);
                        add_label(&e, "branch", "main");
                        free(e.m[4].name);
                        e.m[4].name = strdup("fn:d_only");
                }
                insert_ok(h, &e, 1);
                history_new_free(&e);
        }
        assert_int_equal(history_series(h, "total", NULL, "kver", &s), 0);
        assert_int_equal(s.kind, COMPARE_TOTAL);
        assert_int_equal(s.n, 5);
        assert_int_equal(s.nmissing_label, 1);
        assert_int_equal(s.nmissing_metric, 0);
        for (size_t i = 0; i < 5; i++) {
                assert_string_equal(s.v[i].e.session_id, want[i]);
                assert_string_equal(s.v[i].by, history_entry_label(&s.v[i].e, "kver"));
        }
        assert_int_equal(s.v[0].s.n, 3);
        assert_true(s.v[0].s.median == 100 * MS + 2 * MS + 1000);
        history_series_free(&s);

        /* without by: by created */
        assert_int_equal(history_series(h, "fn:b_init", NULL, NULL, &s), 0);
        assert_int_equal(s.kind, COMPARE_FN);
        assert_int_equal(s.n, 5);
        assert_int_equal(s.nmissing_metric, 1);
        assert_string_equal(s.v[0].e.session_id, "b");
        assert_string_equal(s.v[4].e.session_id, "f");
        assert_null(s.v[0].by);
        history_series_free(&s);

        /* filtered */
        assert_int_equal(history_series(h, "fn:b_init", &f, "kver", &s), 0);
        assert_int_equal(s.n, 3); /* c e b; a is dev, d lacks it, f lacks kver */
        assert_int_equal(s.nmissing_metric, 1);
        assert_int_equal(s.nmissing_label, 1);
        assert_string_equal(s.v[2].e.session_id, "b");
        history_series_free(&s);

        assert_int_equal(history_series(h, "phase:none", &f, NULL, &s), 0);
        assert_int_equal(s.n, 0);
        assert_int_equal(s.kind, COMPARE_PHASE);
        assert_int_equal(s.nmissing_metric, 5);
        history_series_free(&s);
        history_close(h);
}

static void test_history_reads_see_what_another_connection_added(void **state)
{
        struct history *a, *b;
        struct history_series s;
        struct history_entry *v;
        size_t n;

        (void)state;
        a = open_ok(true);
        add_one(a, "s1", "2026-01-01T00:00:00Z", 100 * MS);
        assert_int_equal(history_series(a, "total", NULL, NULL, &s), 0);
        assert_int_equal(s.n, 1);
        history_series_free(&s);
        b = open_ok(false);
        add_one(b, "s2", "2026-01-02T00:00:00Z", 100 * MS);
        assert_int_equal(history_series(a, "total", NULL, NULL, &s), 0);
        assert_int_equal(s.n, 2);
        assert_string_equal(s.v[1].e.session_id, "s2");
        history_series_free(&s);
        /* and this connection's own write */
        add_one(a, "s3", "2026-01-03T00:00:00Z", 100 * MS);
        assert_int_equal(history_list(a, NULL, &v, &n), 0);
        assert_int_equal(n, 3);
        /* an entry handed out outlives the connection and can be taken apart */
        history_close(a);
        history_close(b);
        assert_string_equal(v[2].session_id, "s3");
        assert_string_equal(history_entry_label(&v[2], "commit"), "s3");
        history_entry_free(&v[0]);
        history_entry_free(&v[0]); /* zeroed: a second free is harmless */
        history_entries_free(v, n);
}

static void test_history_label_parse(void **state)
{
        struct history_label l;
        char big[1100];

        (void)state;
        assert_int_equal(history_label_parse("commit=abc123", &l), 0);
        assert_string_equal(l.key, "commit");
        assert_string_equal(l.value, "abc123");
        free(l.key);
        free(l.value);
        assert_int_equal(history_label_parse("a.b-c_d=x=y", &l), 0);
        assert_string_equal(l.value, "x=y");
        free(l.key);
        free(l.value);
        assert_int_equal(history_label_parse("k=", &l), 0);
        free(l.key);
        free(l.value);
        assert_int_equal(history_label_parse("=v", &l), -EINVAL);
        assert_int_equal(history_label_parse("novalue", &l), -EINVAL);
        assert_int_equal(history_label_parse("sp ace=v", &l), -EINVAL);
        assert_int_equal(history_label_parse("k=a\nb", &l), -EINVAL);
        memset(big, 'x', sizeof(big));
        big[0] = 'k';
        big[1] = '=';
        big[sizeof(big) - 1] = '\0';
        assert_int_equal(history_label_parse(big, &l), -EINVAL);
}

/* ---- two writers ---- */

static void test_history_insert_waits_for_another_writer(void **state)
{
        struct history *h;
        pid_t pid;
        int status, pipefd[2];
        char c;

        (void)state;
        h = open_ok(true);
        history_close(h);
        assert_int_equal(pipe(pipefd), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) { /* holds a write transaction for 1.5 s */
                sqlite3 *s;

                close(pipefd[0]);
                if (sqlite3_open(db, &s) != SQLITE_OK ||
                    sqlite3_exec(s,
                                 "BEGIN IMMEDIATE; INSERT INTO bootlens_meta VALUES "
                                 "('held', 'yes')",
                                 NULL, NULL, NULL) != SQLITE_OK)
                        _exit(2);
                if (write(pipefd[1], "x", 1) != 1)
                        _exit(3);
                usleep(1500 * 1000);
                _exit(sqlite3_exec(s, "COMMIT", NULL, NULL, NULL) == SQLITE_OK &&
                              sqlite3_close(s) == SQLITE_OK
                          ? 0
                          : 4);
        }
        close(pipefd[1]);
        assert_int_equal(read(pipefd[0], &c, 1), 1); /* the lock is held now */
        close(pipefd[0]);
        {
                uint64_t t0 = util_now_ns();

                h = open_ok(false);
                add_one(h, "waited", "2026-01-01T00:00:00Z", 100 * MS);
                assert_true(util_now_ns() - t0 > 500 * 1000 * 1000ull); /* it did wait */
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_int_equal(count_entries(h), 1);
        history_close(h);
        {
                sqlite3 *s;
                sqlite3_stmt *st;

                assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
                assert_int_equal(sqlite3_prepare_v2(s,
                                                    "SELECT value FROM bootlens_meta WHERE key = "
                                                    "'held'",
                                                    -1, &st, NULL),
                                 0);
                assert_int_equal(sqlite3_step(st), SQLITE_ROW);
                sqlite3_finalize(st);
                sqlite3_close(s);
        }
}

static void test_history_insert_busy_after_the_timeout(void **state)
{
        struct history *h;
        struct history_new e;
        sqlite3 *s;
        char err[512];

        (void)state;
        h = open_ok(true);
        history_close(h);
        setenv("BOOTLENS_HISTORY_BUSY_MS", "100", 1);
        assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
        assert_int_equal(sqlite3_exec(s, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
        h = open_ok(false);
        make_new(&e, "s1", "default", "2026-01-01T00:00:00Z", 3, 100 * MS);
        assert_int_equal(history_insert(h, &e, 1, NULL, err, sizeof(err)), -EBUSY);
        assert_non_null(strstr(err, "locked"));
        sqlite3_exec(s, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close(s);
        insert_ok(h, &e, 1);
        history_new_free(&e);
        history_close(h);
        unsetenv("BOOTLENS_HISTORY_BUSY_MS");
}

static void test_history_two_processes_insert_30_each(void **state)
{
        struct history *h;
        pid_t pid[2];
        int go[2];

        (void)state;
        assert_int_equal(pipe(go), 0);
        for (int c = 0; c < 2; c++) {
                pid[c] = fork();
                assert_true(pid[c] >= 0);
                if (pid[c] == 0) {
                        struct history *hc = NULL;
                        int bad = 0;
                        char x;

                        /* both start when the parent closes the pipe */
                        close(go[1]);
                        if (read(go[0], &x, 1) != 0)
                                _exit(3);

                        /* both may create the missing file at once */
                        char why[512];
                        int rc = history_open(db, true, &hc, why, sizeof(why));

                        if (rc < 0) {
                                fprintf(stderr, "child %d: %d %s\n", c, rc, why);
                                _exit(2);
                        }
                        for (int i = 0; i < 30; i++) {
                                struct history_new e;
                                char sid[32];

                                snprintf(sid, sizeof(sid), "c%d-%02d", c, i);
                                make_new(&e, sid, "default", "2026-01-01T00:00:00Z", 5, 100 * MS);
                                bad += history_insert(hc, &e, 1, NULL, NULL, 0) != 0;
                                history_new_free(&e);
                        }
                        history_close(hc);
                        _exit(bad ? 1 : 0);
                }
        }
        close(go[0]);
        close(go[1]);
        for (int c = 0; c < 2; c++) {
                int status;

                assert_int_equal(waitpid(pid[c], &status, 0), pid[c]);
                assert_true(WIFEXITED(status));
                assert_int_equal(WEXITSTATUS(status), 0);
        }
        h = open_ok(false);
        assert_int_equal(count_entries(h), 60);
        history_close(h);
}

/* ---- a real session ---- */

static void test_history_prepare_reads_the_linux_session(void **state)
{
        struct history_label lab[2] = {{"commit", "abc"}, {"date", "2000-01-01"}};
        struct history_add_options o = {.labels = lab, .nlabels = 2};
        struct history_new *v;
        struct history *h;
        struct history_series s;
        size_t n, nfn = 0, nphase = 0;
        char err[512];
        int rc;

        (void)state;
        rc = history_prepare(BOOTLENS_TEST_DATA "/linux-session-5", &o, &v, &n, err, sizeof(err));
        if (rc)
                fprintf(stderr, "%s\n", err);
        assert_int_equal(rc, 0);
        assert_int_equal(n, 1);
        assert_string_equal(v[0].session_id, "20261125T015804Z-a5973311");
        assert_string_equal(v[0].variant, "default");
        assert_string_equal(v[0].created, "2026-11-25T01:58:04Z");
        assert_true(v[0].path && v[0].path[0] == '/');
        assert_non_null(strstr(v[0].path, "linux-session-5"));
        assert_string_equal(v[0].accel, "tcg");
        assert_int_equal(v[0].nruns, 5);
        assert_int_equal(v[0].runs_ok, 5);
        assert_string_equal(v[0].m[0].name, "total");
        for (size_t i = 0; i < v[0].nm; i++) {
                nfn += v[0].m[i].kind == COMPARE_FN;
                nphase += v[0].m[i].kind == COMPARE_PHASE;
                if (v[0].m[i].kind == COMPARE_FN)
                        for (size_t k = 0; k < 5; k++)
                                assert_false(isnan(v[0].m[i].values[k]));
        }
        assert_true(nphase >= 3);
        assert_int_equal(nfn, HISTORY_TOP_FNS);
        /* labels: the caller's; date the caller's; kernel when the kernel is on disk */
        assert_string_equal(v[0].labels[0].key, "commit");
        for (size_t i = 0; i < v[0].nlabels; i++) {
                if (strcmp(v[0].labels[i].key, "date") == 0)
                        assert_string_equal(v[0].labels[i].value, "2000-01-01");
                if (strcmp(v[0].labels[i].key, "kernel") == 0)
                        assert_string_equal(v[0].labels[i].value, v[0].kernel_version);
                if (i)
                        assert_true(strcmp(v[0].labels[i - 1].key, v[0].labels[i].key) < 0);
        }
        h = open_ok(true);
        insert_ok(h, v, n);
        assert_int_equal(history_series(h, "total", NULL, NULL, &s), 0);
        assert_int_equal(s.n, 1);
        assert_int_equal(s.v[0].s.n, 5);
        assert_true(s.v[0].s.median > 1e9); /* a TCG boot: seconds */
        history_series_free(&s);
        history_close(h);
        history_news_free(v, n);

        o.nlabels = 0;
        o.top = 3;
        assert_int_equal(history_prepare(BOOTLENS_TEST_DATA "/linux-session-5:default", &o, &v, &n,
                                         err, sizeof(err)),
                         0);
        nfn = 0;
        for (size_t i = 0; i < v[0].nm; i++)
                nfn += v[0].m[i].kind == COMPARE_FN;
        assert_int_equal(nfn, 3);
        for (size_t i = 0; i < v[0].nlabels; i++)
                if (strcmp(v[0].labels[i].key, "date") == 0)
                        assert_string_equal(v[0].labels[i].value, "2026-11-25");
        history_news_free(v, n);
        assert_int_equal(history_prepare(BOOTLENS_TEST_DATA "/linux-session-5:nope", &o, &v, &n,
                                         err, sizeof(err)),
                         -ESRCH);
        assert_int_equal(
            history_prepare(BOOTLENS_TEST_DATA "/no-such-session", &o, &v, &n, err, sizeof(err)),
            -ENOENT);
        assert_non_null(strstr(err, "is not a bootlens session"));
}

static void test_history_prepare_gives_one_entry_per_variant(void **state)
{
        struct history_label lab = {"commit", "c0ffee"};
        struct history_add_options o = {.labels = &lab, .nlabels = 1};
        struct history_new *v;
        struct history_entry *list;
        struct history *h;
        size_t n, nl;
        char err[512];
        int rc;

        (void)state;
        rc = history_prepare(BOOTLENS_TEST_DATA "/compare/ab", &o, &v, &n, err, sizeof(err));
        if (rc)
                fprintf(stderr, "%s\n", err);
        assert_int_equal(rc, 0);
        assert_int_equal(n, 2);
        assert_string_equal(v[0].variant, "base");
        assert_string_equal(v[1].variant, "new");
        assert_string_equal(v[0].session_id, v[1].session_id);
        for (size_t i = 0; i < n; i++) {
                assert_true(v[i].nruns > 0);
                assert_int_equal(v[i].nruns, v[i].runs_ok - v[i].runs_left_out);
                assert_string_equal(v[i].labels[0].key, "commit");
                assert_string_equal(v[i].labels[0].value, "c0ffee");
                for (size_t k = 1; k < v[i].nruns; k++)
                        assert_true(v[i].runs[k - 1] < v[i].runs[k]);
        }
        h = open_ok(true);
        insert_ok(h, v, n);
        assert_int_equal(history_list(h, NULL, &list, &nl), 0);
        assert_int_equal(nl, 2);
        history_entries_free(list, nl);
        /* the session again: both variants are there, nothing is added */
        assert_int_equal(history_insert(h, v, n, NULL, err, sizeof(err)), -EEXIST);
        assert_int_equal(count_entries(h), 2);
        history_close(h);
        history_news_free(v, n);
}

/* ---- the kernel's version from its bzImage (guest/vmlinux.h) ---- */

/* A setup header of setup_sects sectors, protocol proto, and the version
 * string str at 0x200 + field. */
static unsigned char *make_setup(unsigned sects, unsigned proto, unsigned field, const char *str,
                                 size_t *len)
{
        unsigned char *p;

        *len = (sects + 1) * 512;
        p = calloc(1, *len);
        p[0x1f1] = (unsigned char)sects;
        memcpy(p + 0x202, "HdrS", 4);
        p[0x206] = (unsigned char)proto;
        p[0x207] = (unsigned char)(proto >> 8);
        p[0x20e] = (unsigned char)field;
        p[0x20f] = (unsigned char)(field >> 8);
        if (str && 0x200 + field + strlen(str) < *len)
                memcpy(p + 0x200 + field, str, strlen(str) + 1);
        return p;
}

static void test_vmlinux_kernel_version_reads_the_first_word(void **state)
{
        unsigned char *p;
        size_t len;
        char *v = (char *)1, why[256];

        (void)state;
        p = make_setup(27, 0x20f, 0x3000,
                       "6.1.0-27-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP "
                       "PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)",
                       &len);
        assert_int_equal(vmlinux_kernel_version(p, len, &v, why, sizeof(why)), 0);
        assert_string_equal(v, "6.1.0-27-cloud-amd64");
        free(v);
        /* a version with no space after it */
        memcpy(p + 0x200 + 0x3000, "6.12.1\0", 7);
        assert_int_equal(vmlinux_kernel_version(p, len, &v, why, sizeof(why)), 0);
        assert_string_equal(v, "6.12.1");
        free(v);
        /* cut before the string ends: no NUL inside the image */
        assert_int_equal(vmlinux_kernel_version(p, 0x200 + 0x3000 + 3, &v, why, sizeof(why)),
                         -ERANGE);
        assert_null(v);
        /* cut inside the header */
        assert_int_equal(vmlinux_kernel_version(p, 0x208, &v, why, sizeof(why)), -ENOEXEC);
        free(p);
}

static void test_vmlinux_kernel_version_refuses_what_is_out_of_bounds(void **state)
{
        unsigned char *p;
        size_t len;
        char *v = NULL, why[256];

        (void)state;
        /* the pointer past the setup code (4 sectors: 2560 bytes) */
        p = make_setup(4, 0x20f, 0x1000, NULL, &len);
        assert_int_equal(vmlinux_kernel_version(p, len, &v, why, sizeof(why)), -ERANGE);
        assert_non_null(strstr(why, "outside the setup code"));
        free(p);
        /* the field 0, an old protocol, no HdrS */
        p = make_setup(4, 0x20f, 0, NULL, &len);
        assert_int_equal(vmlinux_kernel_version(p, len, &v, why, sizeof(why)), -EPROTONOSUPPORT);
        free(p);
        p = make_setup(4, 0x1ff, 0x100, "6.1", &len);
        assert_int_equal(vmlinux_kernel_version(p, len, &v, why, sizeof(why)), -EPROTONOSUPPORT);
        memcpy(p + 0x202, "HdrX", 4);
        assert_int_equal(vmlinux_kernel_version(p, len, &v, why, sizeof(why)), -ENOEXEC);
        free(p);
        /* no NUL before the setup code ends */
        p = make_setup(4, 0x20f, 0x100, NULL, &len);
        memset(p + 0x300, 'x', len - 0x300);
        assert_int_equal(vmlinux_kernel_version(p, len, &v, why, sizeof(why)), -ERANGE);
        free(p);
        /* empty, a control character, a word too long */
        p = make_setup(4, 0x20f, 0x100, " 6.1", &len);
        assert_int_equal(vmlinux_kernel_version(p, len, &v, why, sizeof(why)), -ERANGE);
        memcpy(p + 0x300, "6.1\t\0", 5);
        assert_int_equal(vmlinux_kernel_version(p, len, &v, why, sizeof(why)), -ERANGE);
        memset(p + 0x300, 'x', 200);
        p[0x300 + 200] = '\0';
        assert_int_equal(vmlinux_kernel_version(p, len, &v, why, sizeof(why)), -ERANGE);
        assert_null(v);
        free(p);
        assert_int_equal(vmlinux_kernel_version_file("/nonexistent/vmlinuz", &v, why, sizeof(why)),
                         -ENOENT);
}

/* ---- pushing ---- */

/* The text of the first column of sql's first row on path (malloc'd). */
static char *query_text(const char *path, const char *sql)
{
        sqlite3 *s;
        sqlite3_stmt *st;
        char *out;

        assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(s, sql, -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        out = strdup(sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
        sqlite3_finalize(st);
        assert_int_equal(sqlite3_close(s), SQLITE_OK);
        return out;
}

static struct history *open_path(const char *path)
{
        struct history *h = NULL;
        char err[512];
        int rc = history_open(path, true, &h, err, sizeof(err));

        if (rc)
                fprintf(stderr, "history_open: %d %s\n", rc, err);
        assert_int_equal(rc, 0);
        return h;
}

/* src: s1, s2, s3 (s2 with a run lacking phase:kernel and a label more). */
static void make_source(const char *path)
{
        struct history *h = open_path(path);
        struct history_new e;

        add_one(h, "s1", "2026-01-01T00:00:00Z", 100 * MS);
        make_new(&e, "s2", "default", "2026-01-02T00:00:00Z", 5, 120 * MS);
        e.m[1].values[2] = NAN;
        add_label(&e, "branch", "main");
        insert_ok(h, &e, 1);
        history_new_free(&e);
        add_one(h, "s3", "2026-01-03T00:00:00Z", 90 * MS);
        history_close(h);
}

/* Entry spec of a and b: the same fields, labels, summaries and values. */
static void assert_same_entry(struct history *a, struct history *b, const char *spec)
{
        struct history_entry x, y;
        struct history_metric *mx, *my;
        size_t nx, ny;

        assert_int_equal(history_get(a, spec, &x), 0);
        assert_int_equal(history_get(b, spec, &y), 0);
        assert_string_equal(x.created, y.created);
        assert_string_equal(x.added, y.added);
        assert_string_equal(x.path, y.path);
        assert_string_equal(x.host_cpu, y.host_cpu);
        assert_string_equal(x.kernel_version, y.kernel_version);
        assert_null(y.kernel_sha256);
        assert_int_equal(x.runs_recorded, y.runs_recorded);
        assert_int_equal(x.runs_ok, y.runs_ok);
        assert_int_equal(x.runs_used, y.runs_used);
        assert_int_equal(x.nlabels, y.nlabels);
        for (size_t i = 0; i < x.nlabels; i++) {
                assert_string_equal(x.labels[i].key, y.labels[i].key);
                assert_string_equal(x.labels[i].value, y.labels[i].value);
        }
        assert_int_equal(history_entry_metrics(a, x.id, &mx, &nx), 0);
        assert_int_equal(history_entry_metrics(b, y.id, &my, &ny), 0);
        assert_int_equal(nx, 5);
        assert_int_equal(nx, ny);
        for (size_t i = 0; i < nx; i++) {
                double *vx, *vy;
                size_t kx, ky;

                assert_string_equal(mx[i].name, my[i].name);
                assert_int_equal(mx[i].kind, my[i].kind);
                assert_true((!mx[i].phase && !my[i].phase) ||
                            strcmp(mx[i].phase, my[i].phase) == 0);
                assert_memory_equal(&mx[i].s, &my[i].s, sizeof(mx[i].s));
                assert_int_equal(history_values(a, x.id, mx[i].name, &vx, &kx), 0);
                assert_int_equal(history_values(b, y.id, my[i].name, &vy, &ky), 0);
                assert_int_equal(kx, ky);
                assert_true(kx > 0);
                assert_memory_equal(vx, vy, kx * sizeof(*vx));
                free(vx);
                free(vy);
        }
        history_metrics_free(mx, nx);
        history_metrics_free(my, ny);
        history_entry_free(&x);
        history_entry_free(&y);
}

static void test_history_push_copies_as_stored_and_twice_adds_nothing(void **state)
{
        char *src_path = dupf("%s.src", db), *runs;
        struct history_push_result r;
        struct history *src, *dst;
        struct history_entry e;
        char err[512];

        (void)state;
        make_source(src_path);
        /* dst: an s2 of its own already, and a metric ids will not match */
        dst = open_ok(true);
        add_one(dst, "s2", "2026-01-02T00:00:00Z", 500 * MS);
        src = open_path(src_path);
        assert_int_equal(history_push(dst, src, NULL, &r, err, sizeof(err)), 0);
        assert_int_equal(r.pushed, 2);
        assert_int_equal(r.present, 1);
        assert_int_equal(r.failed, 0);
        assert_int_equal(count_entries(dst), 3);
        assert_same_entry(src, dst, "s1");
        assert_same_entry(src, dst, "s3");
        /* dst's own s2 is its own, untouched */
        assert_int_equal(history_get(dst, "s2", &e), 0);
        assert_int_equal(e.nlabels, 1);
        history_entry_free(&e);
        /* a second push adds nothing */
        assert_int_equal(history_push(dst, src, NULL, &r, err, sizeof(err)), 0);
        assert_int_equal(r.pushed, 0);
        assert_int_equal(r.present, 3);
        assert_int_equal(count_entries(dst), 3);
        history_close(dst);
        /* into an empty history: s2's gap (run 3 without phase:kernel) kept */
        free(src_path);
        src_path = dupf("%s.empty", db);
        dst = open_path(src_path);
        assert_int_equal(history_push(dst, src, NULL, &r, err, sizeof(err)), 0);
        assert_int_equal(r.pushed, 3);
        assert_same_entry(src, dst, "s2");
        history_close(dst);
        runs = query_text(src_path, "SELECT group_concat(v.run, ',') FROM run_values v"
                                    " JOIN metrics m ON m.id = v.metric JOIN entries e"
                                    " ON e.id = v.entry WHERE e.session_id = 's2'"
                                    " AND m.name = 'phase:kernel'");
        assert_string_equal(runs, "1,2,4,5");
        free(runs);
        history_close(src);
        free(src_path);
}

struct failures {
        size_t n;
        char what[512];
};

static void on_failed(void *arg, const struct history_entry *e, int rc, const char *err)
{
        struct failures *f = arg;

        f->n++;
        snprintf(f->what, sizeof(f->what), "%s:%s %d %s", e->session_id, e->variant, rc, err);
}

static void test_history_push_leaves_out_an_entry_the_database_refuses(void **state)
{
        char *src_path = dupf("%s.src", db), *n;
        struct failures f = {0};
        struct history_push_options o = {on_failed, &f};
        struct history_push_result r;
        struct history *src, *dst;
        struct history_entry e;
        char err[512];

        (void)state;
        make_source(src_path);
        dst = open_ok(true);
        history_close(dst);
        /* dst refuses s2's run values: after its row and labels went in */
        exec_sql(db, "CREATE TRIGGER refuse BEFORE INSERT ON run_values"
                     " WHEN (SELECT session_id FROM entries WHERE id = NEW.entry) = 's2'"
                     " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
        dst = open_ok(false);
        src = open_path(src_path);
        assert_int_equal(history_push(dst, src, &o, &r, err, sizeof(err)), -EIO);
        assert_int_equal(r.pushed, 2);
        assert_int_equal(r.present, 0);
        assert_int_equal(r.failed, 1);
        assert_int_equal(f.n, 1);
        assert_non_null(strstr(f.what, "s2:default -5 "));
        assert_non_null(strstr(f.what, "refused by the test"));
        assert_non_null(strstr(err, "refused by the test"));
        assert_int_equal(count_entries(dst), 2);
        assert_int_equal(history_get(dst, "s2", &e), -ENOENT);
        assert_same_entry(src, dst, "s1");
        assert_same_entry(src, dst, "s3");
        history_close(dst);
        /* nothing of s2 left behind: its labels rolled back with it */
        n = query_text(db, "SELECT count(*) FROM labels");
        assert_string_equal(n, "2"); /* s1 and s3 have one each */
        free(n);
        /* the refusal gone, the next push adds s2 alone */
        exec_sql(db, "DROP TRIGGER refuse");
        dst = open_ok(false);
        assert_int_equal(history_push(dst, src, &o, &r, err, sizeof(err)), 0);
        assert_int_equal(r.pushed, 1);
        assert_int_equal(r.present, 2);
        assert_same_entry(src, dst, "s2");
        history_close(dst);
        history_close(src);
        free(src_path);
}

/* ---- batches: more rows than one multi-row INSERT takes ---- */

#define B HISTORY_BATCH_ROWS

/* Run r's value of metric k in a wide entry: with gaps NAN where
 * (k + r) % 7 == 3 (never two runs in a row), else whole for r % 3 (bound
 * as INTEGER) and with a quarter ns otherwise (REAL). */
static double wide_value(size_t k, size_t r, bool gaps)
{
        if (gaps && (k + r) % 7 == 3)
                return NAN;
        return 1e6 * (double)(k + 1) + 1000.0 * (double)r + (r % 3 ? 0.0 : 0.25);
}

/* e: nm functions fn:mKKKK of nruns runs (run numbers 2r + 1) and nlabels
 * labels kKKKK=vKKKK besides make_new()'s commit. */
static void make_wide(struct history_new *e, const char *sid, size_t nm, size_t nruns,
                      size_t nlabels, bool gaps)
{
        make_new(e, sid, "default", "2026-02-01T00:00:00Z", nruns, 100 * MS);
        for (size_t k = 0; k < e->nm; k++) {
                free(e->m[k].name);
                free(e->m[k].phase);
                free(e->m[k].values);
        }
        free(e->m);
        e->nm = nm;
        e->m = calloc(nm, sizeof(*e->m));
        for (size_t r = 0; r < nruns; r++)
                e->runs[r] = (unsigned)(2 * r + 1);
        for (size_t k = 0; k < nm; k++) {
                e->m[k].name = dupf("fn:m%04zu", k);
                e->m[k].kind = COMPARE_FN;
                e->m[k].values = calloc(nruns, sizeof(double));
                for (size_t r = 0; r < nruns; r++)
                        e->m[k].values[r] = wide_value(k, r, gaps);
        }
        for (size_t i = 0; i < nlabels; i++) {
                char key[32], value[32];

                snprintf(key, sizeof(key), "k%04zu", i);
                snprintf(value, sizeof(value), "v%04zu", i);
                add_label(e, key, value);
        }
}

/* Entry sid of h (path: its SQLite file) holds make_wide()'s rows, read
 * back one by one: every value of every metric, its runs, its summary's
 * count and every label; *values: the run values counted. */
static void assert_wide(struct history *h, const char *path, const char *sid, size_t nm,
                        size_t nruns, size_t nlabels, bool gaps, size_t *values)
{
        struct history_entry e;
        struct history_metric *m;
        size_t n, total = 0;
        char *text;

        assert_int_equal(history_get(h, sid, &e), 0);
        assert_int_equal(e.nlabels, nlabels + 1);
        assert_string_equal(e.labels[0].key, "commit");
        for (size_t i = 0; i < nlabels; i++) {
                char key[32], value[32];

                snprintf(key, sizeof(key), "k%04zu", i);
                snprintf(value, sizeof(value), "v%04zu", i);
                assert_string_equal(e.labels[i + 1].key, key);
                assert_string_equal(e.labels[i + 1].value, value);
        }
        assert_int_equal(history_entry_metrics(h, e.id, &m, &n), 0);
        assert_int_equal(n, nm);
        for (size_t k = 0; k < nm; k++) {
                char name[32], *sql, *want = NULL;
                double *v;
                size_t nv, j = 0, kept = 0;

                snprintf(name, sizeof(name), "fn:m%04zu", k);
                assert_int_equal(history_values(h, e.id, name, &v, &nv), 0);
                for (size_t r = 0; r < nruns; r++) {
                        double w = wide_value(k, r, gaps);
                        char *more;

                        if (isnan(w))
                                continue;
                        assert_true(j < nv);
                        assert_true(v[j] == w);
                        j++;
                        more = dupf("%s%s%zu", want ? want : "", want ? "," : "", 2 * r + 1);
                        free(want);
                        want = more;
                }
                assert_int_equal(nv, j);
                sql = dupf("SELECT group_concat(v.run, ',') FROM (SELECT v.run FROM run_values v"
                           " JOIN metrics m ON m.id = v.metric WHERE m.name = '%s' AND v.entry ="
                           " %lld ORDER BY v.run) v",
                           name, (long long)e.id);
                text = query_text(path, sql);
                assert_string_equal(text, want);
                free(text);
                free(sql);
                free(want);
                for (size_t i = 0; i < n; i++)
                        if (strcmp(m[i].name, name) == 0) {
                                assert_int_equal(m[i].s.n, nv);
                                assert_true(m[i].s.min == v[0]);
                                kept++;
                        }
                assert_int_equal(kept, 1);
                total += nv;
                free(v);
        }
        *values = total;
        history_metrics_free(m, n);
        history_entry_free(&e);
}

/* Exactly one batch of run values, a batch and one more, and two batches
 * and a rest of values, summaries and labels at once, with gaps: inserted,
 * read back value by value, pushed into another history and read back
 * there. */
static void test_history_insert_batches_read_back_value_by_value(void **state)
{
        static const struct {
                const char *sid;
                size_t nm, nruns, nlabels;
                bool gaps;
                size_t values; /* 0: more than 2 batches, not a whole number of them */
        } shape[] = {
            {"one-batch", 4, B / 4, 0, false, B},
            {"batch-and-one", 1, B + 1, 0, false, B + 1},
            {"wide", B + 3, 3, B + 1, true, 0},
        };
        char *dst_path = dupf("%s.dst", db);
        struct history_push_result r;
        struct history *h, *dst;
        char err[512];

        (void)state;
        h = open_ok(true);
        for (size_t i = 0; i < sizeof(shape) / sizeof(shape[0]); i++) {
                struct history_new e;
                size_t values;

                make_wide(&e, shape[i].sid, shape[i].nm, shape[i].nruns, shape[i].nlabels,
                          shape[i].gaps);
                insert_ok(h, &e, 1);
                history_new_free(&e);
                assert_wide(h, db, shape[i].sid, shape[i].nm, shape[i].nruns, shape[i].nlabels,
                            shape[i].gaps, &values);
                if (shape[i].values)
                        assert_int_equal(values, shape[i].values);
                else
                        assert_true(values > 2 * B && values % B != 0);
        }
        dst = open_path(dst_path);
        assert_int_equal(history_push(dst, h, NULL, &r, err, sizeof(err)), 0);
        assert_int_equal(r.pushed, 3);
        for (size_t i = 0; i < sizeof(shape) / sizeof(shape[0]); i++) {
                size_t values;

                assert_wide(dst, dst_path, shape[i].sid, shape[i].nm, shape[i].nruns,
                            shape[i].nlabels, shape[i].gaps, &values);
        }
        history_close(dst);
        history_close(h);
        free(dst_path);
}

/* e refused with -EINVAL and msg, nothing stored (h has one entry). */
static void assert_refused(struct history *h, struct history_new *e, const char *msg)
{
        char err[512];

        assert_int_equal(history_insert(h, e, 1, NULL, err, sizeof(err)), -EINVAL);
        if (!strstr(err, msg))
                fprintf(stderr, "want '%s' in '%s'\n", msg, err);
        assert_non_null(strstr(err, msg));
        assert_int_equal(count_entries(h), 1);
}

/* What the database refuses, named as when each row went on its own: the
 * first label or metric in the entry's order that is given twice (a name
 * again, whether its runs overlap the first's or not; a run number twice
 * among a metric's values), or a metric with no value before it. */
static void test_history_insert_names_what_is_given_twice(void **state)
{
        struct history_new e;
        struct history *h;

        (void)state;
        h = open_ok(true);
        add_one(h, "s0", "2026-01-01T00:00:00Z", 100 * MS);
        make_new(&e, "s1", "default", "2026-01-02T00:00:00Z", 5, 100 * MS);
        add_label(&e, "branch", "a");
        add_label(&e, "job", "b");
        add_label(&e, "branch", "c");
        assert_refused(h, &e, "cannot add s1:default: label 'branch' given twice");
        history_new_free(&e);

        /* fn:b_init renamed phase:kernel: the values' keys taken */
        make_new(&e, "s1", "default", "2026-01-02T00:00:00Z", 5, 100 * MS);
        free(e.m[4].name);
        e.m[4].name = strdup("phase:kernel");
        assert_refused(h, &e, "cannot add s1:default: metric phase:kernel given twice");
        /* with runs apart from the first's: the summary's key taken */
        for (size_t r = 0; r < 5; r++) {
                if (r < 3)
                        e.m[4].values[r] = NAN;
                else
                        e.m[1].values[r] = NAN;
        }
        assert_refused(h, &e, "cannot add s1:default: metric phase:kernel given twice");
        /* with no value: that first */
        for (size_t r = 0; r < 5; r++)
                e.m[4].values[r] = NAN;
        assert_refused(h, &e, "cannot add s1:default: metric phase:kernel has no value");
        /* a metric with no value before the one given twice */
        e.m[4].values[0] = 1 * MS;
        for (size_t r = 0; r < 5; r++)
                e.m[2].values[r] = NAN;
        assert_refused(h, &e, "cannot add s1:default: metric phase:initcalls has no value");
        history_new_free(&e);

        /* run 2 twice: the first metric with a value in both */
        make_new(&e, "s1", "default", "2026-01-02T00:00:00Z", 5, 100 * MS);
        e.runs[2] = 2;
        assert_refused(h, &e, "cannot add s1:default: metric total given twice");
        e.m[0].values[1] = NAN;
        assert_refused(h, &e, "cannot add s1:default: metric phase:kernel given twice");
        /* runs out of order but distinct: stored */
        e.runs[2] = 3;
        e.runs[0] = 9;
        insert_ok(h, &e, 1);
        assert_int_equal(count_entries(h), 2);
        history_new_free(&e);
        history_close(h);
}

static int group_setup(void **state)
{
        (void)state;
        return mkdtemp(dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
        (void)state;
        scratch_rm_rf(dir);
        return 0;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup(test_history_open_creates_and_reopens, setup),
            cmocka_unit_test_setup(test_history_open_an_empty_file_counts_as_absent, setup),
            cmocka_unit_test_setup(test_history_open_v1_opens_unchanged, setup),
            cmocka_unit_test_setup(test_history_open_refuses_a_newer_schema_untouched, setup),
            cmocka_unit_test_setup(test_history_open_refuses_garbage_and_truncation_untouched,
                                   setup),
            cmocka_unit_test_setup(test_history_open_refuses_a_foreign_sqlite_file_untouched,
                                   setup),
            cmocka_unit_test_setup(test_history_insert_reads_back_every_field, setup),
            cmocka_unit_test_setup(test_history_insert_twice_is_eexist_and_changes_nothing, setup),
            cmocka_unit_test_setup(test_history_insert_failing_half_way_stores_nothing, setup),
            cmocka_unit_test_setup(test_history_list_filters_and_metric_names, setup),
            cmocka_unit_test_setup(test_history_series_orders_by_version_then_created, setup),
            cmocka_unit_test_setup(test_history_reads_see_what_another_connection_added, setup),
            cmocka_unit_test(test_history_label_parse),
            cmocka_unit_test_setup(test_history_insert_waits_for_another_writer, setup),
            cmocka_unit_test_setup(test_history_insert_busy_after_the_timeout, setup),
            cmocka_unit_test_setup(test_history_two_processes_insert_30_each, setup),
            cmocka_unit_test_setup(test_history_prepare_reads_the_linux_session, setup),
            cmocka_unit_test_setup(test_history_prepare_gives_one_entry_per_variant, setup),
            cmocka_unit_test_setup(test_history_push_copies_as_stored_and_twice_adds_nothing,
                                   setup),
            cmocka_unit_test_setup(test_history_push_leaves_out_an_entry_the_database_refuses,
                                   setup),
            cmocka_unit_test_setup(test_history_insert_batches_read_back_value_by_value, setup),
            cmocka_unit_test_setup(test_history_insert_names_what_is_given_twice, setup),
            cmocka_unit_test(test_vmlinux_kernel_version_reads_the_first_word),
            cmocka_unit_test(test_vmlinux_kernel_version_refuses_what_is_out_of_bounds),
        };

        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
