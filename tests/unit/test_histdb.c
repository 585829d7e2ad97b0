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
#include "analyzer/histdb_pg.h"
#include "analyzer/history.h"
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
        assert_true(histdb_is_pg("user=ci"));
        assert_true(histdb_is_pg("  host = db.example"));
        /* a malformed conninfo is still one (refused when opened), never
         * a file to create */
        assert_true(histdb_is_pg("dbname='unclosed"));
        assert_true(histdb_is_pg("host=db password='open"));
        assert_true(histdb_is_pg("postgresql://ci:pw@[::1/hist"));
        /* a scheme mistyped (no "//", upper case) is a URI libpq refuses,
         * not a file named so */
        assert_true(histdb_is_pg("postgresql:ci@127.0.0.1"));
        assert_true(histdb_is_pg("postgresql:/one-slash"));
        assert_true(histdb_is_pg("POSTGRESQL://ci@db/hist"));
        assert_true(histdb_is_pg("Postgres:x"));
        assert_true(histdb_is_pg("PASSWORD=x"));
        assert_true(histdb_is_pg("Host=db"));
        /* SQLite paths: plain, with '=' after something not a keyword */
        assert_false(histdb_is_pg("/tmp/h.db"));
        assert_false(histdb_is_pg("h.db"));
        assert_false(histdb_is_pg("runs/a=b.db"));
        assert_false(histdb_is_pg("./host=x.db"));
        assert_false(histdb_is_pg("nosuchkey=1"));
        assert_false(histdb_is_pg("a password=x.db"));
        assert_false(histdb_is_pg("postgresql.db"));
        assert_false(histdb_is_pg("./postgresql:x"));
        assert_false(histdb_is_pg(""));
        /* the keywords do not depend on libpq's environment */
        setenv("PGSERVICE", "no_such_service", 1);
        setenv("PGSERVICEFILE", "/nonexistent/pg_service.conf", 1);
        assert_true(histdb_is_pg("dbname=hist"));
        assert_true(histdb_is_pg("service=bootlens"));
        unsetenv("PGSERVICE");
        unsetenv("PGSERVICEFILE");
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
        expect_display("dbname='unclosed", "dbname='unclosed");
        /* a password in a URI (also %-escaped or as a parameter) or a
         * keyword=value string: rendered keyword='value', password=*** */
        expect_display("postgresql://ci:s3cr%40t@db.example:5433/hist",
                       "user='ci' password=*** dbname='hist' host='db.example' port='5433'");
        expect_display("postgres:///hist?host=/run/pg&password=s3cret",
                       "password=*** dbname='hist' host='/run/pg'");
        expect_display("host=db.example password='it\\'s' dbname=hist",
                       "password=*** dbname='hist' host='db.example'");
        expect_display("dbname='o\\'k' password=", "password=*** dbname='o\\'k'");
        expect_display("host=db sslpassword=k3y", "host='db' sslpassword=***");
        /* text libpq cannot parse: every stretch that may be a password
         * masked (a URI's user information, a password's value, quoted to
         * its end), and said malformed */
        expect_display("postgresql://ci:pw@[::1/hist", "postgresql://***@[::1/hist (malformed)");
        expect_display("postgres:/ci:pw@db:5432/hist", "postgres:***@db:5432/hist (malformed)");
        expect_display("POSTGRESQL://ci:pw@db/hist", "POSTGRESQL://***@db/hist (malformed)");
        expect_display("postgresql://h/db?password=pw&bogus",
                       "postgresql://h/db?password=***&bogus (malformed)");
        expect_display("host=db password='it\\'s open", "host=db password=*** (malformed)");
        expect_display("host=db password = s3 bogus", "host=db password = *** bogus (malformed)");
        expect_display("host=db bogus=1 password=s3", "host=db bogus=1 password=*** (malformed)");
        /* "password" in any case (libpq's keywords are lower case: such
         * text does not parse), and more passwords than can be told apart */
        expect_display("host=/x Password=Zs3cr3t", "host=/x Password=*** (malformed)");
        expect_display("PASSWORD=Zs3cr3t", "PASSWORD=*** (malformed)");
        expect_display("postgresql://h/db?Password=Zs3&bogus",
                       "postgresql://h/db?Password=***&bogus (malformed)");
        {
                char many[65 * 12 + 16] = "host=db";

                for (int i = 0; i < 65; i++)
                        strcat(many, " password=p");
                strcat(many, " x");
                expect_display(many, "*** (malformed)");
                assert_true(histdb_has_password(many));
        }
}

static void expect_mask(const char *db, const char *msg, const char *want)
{
        char *out = (char *)"unset";

        assert_int_equal(histdb_mask(db, msg, &out), 0);
        assert_non_null(out);
        assert_string_equal(out, want);
        free(out);
}

/* libpq's messages quote what they could not parse: the password never
 * comes through */
static void test_histdb_mask_hides_the_password_in_messages(void **state)
{
        (void)state;
        expect_mask("postgresql://ci:pw@[::1/hist",
                    "end of string reached when looking for matching \"]\" in IPv6 host address "
                    "in URI: \"postgresql://ci:pw@[::1/hist\"",
                    "end of string reached when looking for matching \"]\" in IPv6 host address "
                    "in URI: \"postgresql://***@[::1/hist (malformed)\"");
        expect_mask("postgresql://h/db?password=s3cr%zz",
                    "invalid percent-encoded token: \"s3cr%zz\"",
                    "invalid percent-encoded token: \"***\"");
        expect_mask("host=db password=s3cret bogus", "missing \"=\" after \"bogus\"",
                    "missing \"=\" after \"bogus\"");
        expect_mask("host=db password=s3cret", "FATAL: password s3cret refused",
                    "FATAL: password *** refused");
        /* no password: the message as it is */
        expect_mask("host=db", "FATAL:  role \"x\" does not exist",
                    "FATAL:  role \"x\" does not exist");
        assert_true(histdb_has_password("host=db password=x"));
        assert_true(histdb_has_password("postgresql://u:p@h/db"));
        assert_true(histdb_has_password("postgresql://u:p@[h/db"));
        assert_false(histdb_has_password("postgresql://u@h/db"));
        assert_false(histdb_has_password("host=db password="));
        assert_false(histdb_has_password("a password=x.db"));
}

static void expect_connect(const char *msg, int want, const char *hint)
{
        const char *h = "unset";

        assert_int_equal(histdb_pg_connect_errno(msg, &h), want);
        assert_non_null(strstr(h, hint));
        assert_int_equal(history_unreachable(want),
                         want == -ECONNREFUSED || want == -ETIMEDOUT || want == -EHOSTUNREACH ||
                             want == -ENETUNREACH || want == -ECONNRESET);
}

/* libpq 15's and the server's first lines (as tests/pg/history_errors.sh
 * provokes them): a server away is unreachable (spooled), a wrong --db,
 * role or password is an error */
static void test_histdb_pg_connect_errors_map_to_errnos(void **state)
{
        (void)state;
        expect_connect("connection to server on socket \"/tmp/p/.s.PGSQL.5\" failed: No such file "
                       "or directory",
                       -ECONNREFUSED, "");
        expect_connect("connection to server at \"127.0.0.1\", port 1 failed: Connection refused",
                       -ECONNREFUSED, "");
        expect_connect("connection to server at \"10.1.1.1\", port 5432 failed: timeout expired",
                       -ETIMEDOUT, "");
        expect_connect("connection to server at \"10.1.1.1\", port 5432 failed: No route to host",
                       -EHOSTUNREACH, "");
        expect_connect("connection to server at \"10.1.1.1\", port 5432 failed: Network is "
                       "unreachable",
                       -ENETUNREACH, "");
        expect_connect("could not translate host name \"db\" to address: Temporary failure in name "
                       "resolution",
                       -EHOSTUNREACH, "");
        expect_connect("connection to server on socket \"/tmp/p/.s.PGSQL.5\" failed: FATAL:  the "
                       "database system is shutting down",
                       -ECONNREFUSED, "");
        expect_connect("connection to server on socket \"/tmp/p/.s.PGSQL.5\" failed: server closed "
                       "the connection unexpectedly",
                       -ECONNRESET, "");
        /* errors: not spooled */
        expect_connect("connection to server on socket \"/tmp/p/.s.PGSQL.5\" failed: FATAL:  "
                       "database \"nodb\" does not exist",
                       -ENXIO, "CREATE DATABASE");
        expect_connect("connection to server on socket \"/tmp/p/.s.PGSQL.5\" failed: FATAL:  role "
                       "\"nobody\" does not exist",
                       -EACCES, "no such role");
        expect_connect("connection to server on socket \"/tmp/p/.s.PGSQL.5\" failed: FATAL:  "
                       "password authentication failed for user \"ci\"",
                       -EACCES, "PGPASSWORD, ~/.pgpass or a PGSERVICE file");
        expect_connect("connection to server on socket \"/tmp/p/.s.PGSQL.5\" failed: fe_sendauth: "
                       "no password supplied",
                       -EACCES, "PGPASSWORD");
        expect_connect("could not translate host name \"nosuch\" to address: Name or service not "
                       "known",
                       -EIO, "");
        expect_connect("invalid integer value \"x\" for connection option \"port\"", -EIO, "");
        expect_connect(
            "connection to server on socket \"/tmp/p/.s.PGSQL.5\" failed: FATAL:  sorry, "
            "too many clients already",
            -ECONNREFUSED, "");
        /* a text not known (a server in another language): no hint, the
         * open asks PQping */
        {
                const char *h = "unset";

                assert_int_equal(histdb_pg_connect_errno("connection to server on socket \"/x\" "
                                                         "failed: FATAL:  das Datenbanksystem "
                                                         "f\xc3\xa4hrt herunter",
                                                         &h),
                                 -EIO);
                assert_null(h);
        }
        assert_true(history_unreachable(-EPIPE));
        assert_false(history_unreachable(-ENOENT));
        assert_false(history_unreachable(-EINVAL));
}

/* No server needed: a socket that is not there, and text that does not
 * parse, through histdb_open() */
static void test_histdb_open_pg_without_a_server(void **state)
{
        char dir[] = "/tmp/bootlens-histdb-XXXXXX", db[256], err[512] = "";
        struct histdb *h = NULL;
        bool made = false;

        (void)state;
        assert_non_null(mkdtemp(dir));
        snprintf(db, sizeof(db), "postgresql://ci:s3cret@/hist?host=%s&port=5", dir);
        assert_int_equal(histdb_open(db, true, 1000, &h, &made, err, sizeof(err)), -ECONNREFUSED);
        assert_null(h);
        assert_non_null(strstr(err, "password=*** dbname='hist'"));
        assert_non_null(strstr(err, ": cannot connect: connection to server on socket"));
        assert_non_null(strstr(err, "No such file or directory"));
        assert_null(strstr(err, "s3cret"));
        assert_int_equal(
            histdb_open("host=/x password='s3cret", true, 1000, &h, &made, err, sizeof(err)),
            -EINVAL);
        assert_string_equal(err, "host=/x password=*** (malformed): not a valid PostgreSQL "
                                 "connection string: unterminated quoted string in connection "
                                 "info string");
        assert_int_equal(histdb_open("postgresql://ci:s3cret@[::1/hist", true, 1000, &h, &made, err,
                                     sizeof(err)),
                         -EINVAL);
        assert_null(strstr(err, "s3cret"));
        assert_int_equal(access("host=/x password='s3cret", F_OK), -1); /* no file made */
        rmdir(dir);
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
            cmocka_unit_test(test_histdb_mask_hides_the_password_in_messages),
            cmocka_unit_test(test_histdb_pg_connect_errors_map_to_errnos),
            cmocka_unit_test(test_histdb_open_pg_without_a_server),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
