/* Unit tests of the history store's database seam (analyzer/histdb.c):
 * the "?" -> "$N" rewrite a PostgreSQL backend prepares with, and the
 * SQLite backend's calls on a scratch database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/histdb.h"
#include "scratch.h"

static void expect_rewrite(const char *sql, const char *want)
{
        char *out = (char *)"unset";

        assert_int_equal(histdb_rewrite_params(sql, &out), 0);
        assert_non_null(out);
        assert_string_equal(out, want);
        free(out);
}

static void expect_refused(const char *sql)
{
        char *out = (char *)"unset";

        assert_int_equal(histdb_rewrite_params(sql, &out), -EINVAL);
        assert_null(out);
}

static void test_histdb_rewrite_numbers_params(void **state)
{
        (void)state;
        expect_rewrite("SELECT id FROM entries WHERE session_id = ?1 AND variant = ?2",
                       "SELECT id FROM entries WHERE session_id = $1 AND variant = $2");
        expect_rewrite("VALUES (?, ?, ?)", "VALUES ($1, $2, $3)");
        /* a bare ? is one more than the largest so far, as SQLite numbers it */
        expect_rewrite("a = ?3 AND b = ? AND c = ?1", "a = $3 AND b = $4 AND c = $1");
        expect_rewrite("?10,?", "$10,$11");
        expect_rewrite("SELECT count(*) FROM entries", "SELECT count(*) FROM entries");
        expect_rewrite("", "");
}

static void test_histdb_rewrite_skips_quoted_text(void **state)
{
        (void)state;
        expect_rewrite("SELECT '?', \"a?b\" FROM t WHERE x = ?",
                       "SELECT '?', \"a?b\" FROM t WHERE x = $1");
        /* a doubled quote stays inside the string */
        expect_rewrite("SELECT 'it''s ?1' WHERE k = ?1", "SELECT 'it''s ?1' WHERE k = $1");
        expect_rewrite("SELECT 1 -- why?\nWHERE k = ?", "SELECT 1 -- why?\nWHERE k = $1");
        expect_rewrite("SELECT /* ?1 */ ?2", "SELECT /* ?1 */ $2");
        expect_rewrite("SELECT 1 -- ? at the end", "SELECT 1 -- ? at the end");
}

static void test_histdb_rewrite_refuses_bad_sql(void **state)
{
        (void)state;
        expect_refused("SELECT 'open");
        expect_refused("SELECT \"open");
        expect_refused("SELECT /* open");
        expect_refused("SELECT ?0");
        expect_refused("SELECT ?32768");
        expect_refused("SELECT ?123456789012345678901234567890");
}

/* The SQLite backend: an insert's id, a row's columns, NULL, and a
 * UNIQUE violation as -EEXIST. */
static void test_histdb_sqlite_insert_and_read(void **state)
{
        char dir[] = "/tmp/bootlens-histdb-XXXXXX", path[128], err[256] = "";
        struct histdb_stmt *st;
        struct histdb *db;
        bool made = false;
        int64_t id = 0, n = -1;

        (void)state;
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/h.db", dir);
        assert_int_equal(histdb_open(path, false, 1000, &db, &made, err, sizeof(err)), -ENOENT);
        assert_non_null(strstr(err, "no such history"));
        assert_int_equal(histdb_open(path, true, 1000, &db, &made, err, sizeof(err)), 0);
        assert_true(made);
        assert_int_equal(histdb_count_tables(db, &n), 0);
        assert_int_equal(n, 0);
        assert_int_equal(histdb_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, "
                                         "name TEXT NOT NULL UNIQUE, x DOUBLE PRECISION)"),
                         0);
        assert_int_equal(histdb_begin(db, true), 0);
        assert_int_equal(
            histdb_prepare_insert(db, "INSERT INTO t (name, x) VALUES (?1, ?2)", false, &st), 0);
        assert_int_equal(histdb_bind_text(st, 1, "a"), 0);
        assert_int_equal(histdb_bind_double(st, 2, 1.5), 0);
        assert_int_equal(histdb_step_insert(st, &id), 0);
        assert_int_equal(id, 1);
        histdb_reset(st);
        assert_int_equal(histdb_bind_text(st, 1, "b"), 0);
        assert_int_equal(histdb_bind_null(st, 2), 0);
        assert_int_equal(histdb_step_insert(st, &id), 0);
        assert_int_equal(id, 2);
        histdb_reset(st);
        assert_int_equal(histdb_bind_text(st, 1, "a"), 0);
        assert_int_equal(histdb_step_insert(st, &id), -EEXIST);
        histdb_finalize(st);
        assert_int_equal(histdb_commit(db), 0);

        assert_int_equal(histdb_prepare(db, "SELECT id, name, x FROM t ORDER BY id", false, &st),
                         0);
        assert_int_equal(histdb_step(st), HISTDB_ROW);
        assert_int_equal(histdb_column_int64(st, 0), 1);
        assert_string_equal(histdb_column_text(st, 1), "a");
        assert_true(histdb_column_double(st, 2) == 1.5);
        assert_false(histdb_column_is_null(st, 2));
        assert_int_equal(histdb_step(st), HISTDB_ROW);
        assert_null(histdb_column_text(st, 2));
        assert_true(histdb_column_is_null(st, 2));
        assert_int_equal(histdb_step(st), 0);
        histdb_finalize(st);

        assert_int_equal(histdb_count_tables(db, &n), 0);
        assert_true(n >= 1);
        {
                bool has = false;

                assert_int_equal(histdb_has_table(db, "t", &has), 0);
                assert_true(has);
                assert_int_equal(histdb_has_table(db, "nope", &has), 0);
                assert_false(has);
        }
        assert_int_equal(histdb_exec(db, "SELECT * FROM no_such_table"), -EIO);
        assert_non_null(strstr(histdb_errmsg(db), "no_such_table"));
        histdb_close(db);
        histdb_close(NULL);
        scratch_rm_rf(dir);
}

static void test_histdb_is_pg_by_the_db_text(void **state)
{
        (void)state;
        assert_true(histdb_is_pg("postgresql://ci@db.example/hist"));
        assert_true(histdb_is_pg("postgres:///hist?host=/run/pg"));
        assert_true(histdb_is_pg("host=db.example dbname=hist"));
        assert_true(histdb_is_pg("dbname=hist"));
        assert_true(histdb_is_pg("service=bootlens"));
        /* SQLite paths: plain, with '=' but not a conninfo, a malformed
         * conninfo, a conninfo naming nothing to connect to */
        assert_false(histdb_is_pg("/tmp/h.db"));
        assert_false(histdb_is_pg("h.db"));
        assert_false(histdb_is_pg("runs/a=b.db"));
        assert_false(histdb_is_pg("dbname='unclosed"));
        assert_false(histdb_is_pg("nosuchkey=1"));
        assert_false(histdb_is_pg("user=ci"));
        assert_false(histdb_is_pg("postgresql:/one-slash"));
        assert_false(histdb_is_pg(""));
}

static void expect_display(const char *db, const char *want)
{
        char *out = (char *)"unset";

        assert_int_equal(histdb_display(db, &out), 0);
        assert_non_null(out);
        assert_string_equal(out, want);
        free(out);
}

static void test_histdb_display_masks_the_password(void **state)
{
        (void)state;
        /* no password: as given */
        expect_display("/tmp/h.db", "/tmp/h.db");
        expect_display("a password=x.db", "a password=x.db");
        expect_display("postgresql://ci@db.example/hist", "postgresql://ci@db.example/hist");
        expect_display("host=db.example dbname=hist", "host=db.example dbname=hist");
        /* a password in a URI (also %-escaped or as a parameter) or a
         * keyword=value string: rendered keyword='value', password=*** */
        expect_display("postgresql://ci:s3cr%40t@db.example:5433/hist",
                       "user='ci' password=*** dbname='hist' host='db.example' port='5433'");
        expect_display("postgres:///hist?host=/run/pg&password=s3cret",
                       "password=*** dbname='hist' host='/run/pg'");
        expect_display("host=db.example password='it\\'s' dbname=hist",
                       "password=*** dbname='hist' host='db.example'");
        /* a URI libpq cannot parse: all but its scheme masked */
        expect_display("postgresql://ci:pw@[::1/hist", "postgresql://*** (malformed)");
        expect_display("dbname='o\\'k' password=", "password=*** dbname='o\\'k'");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_histdb_rewrite_numbers_params),
            cmocka_unit_test(test_histdb_rewrite_skips_quoted_text),
            cmocka_unit_test(test_histdb_rewrite_refuses_bad_sql),
            cmocka_unit_test(test_histdb_sqlite_insert_and_read),
            cmocka_unit_test(test_histdb_is_pg_by_the_db_text),
            cmocka_unit_test(test_histdb_display_masks_the_password),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
