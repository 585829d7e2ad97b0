/* libpq links and behaves as the PostgreSQL history backend of issue 16 will
 * rely on, without a server: its version, the parse of a URI and of a
 * key=value string (the password the masking will hide), a malformed URI
 * refused with a message, and a connection to a socket that is not there
 * failing with libpq's own error. Skipped when the build found no libpq
 * (pkg-config libpq: Debian's libpq-dev, which scripts/setup.sh installs).
 * The same calls against a real server: tests/pg/ (label pg). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "skip.h"

#ifdef BOOTLENS_HAVE_LIBPQ
#include <libpq-fe.h>

/* The value of keyword in a PQconninfoParse() result, or NULL. */
static const char *opt_value(const PQconninfoOption *opts, const char *keyword)
{
        const PQconninfoOption *o;

        for (o = opts; o->keyword; o++) {
                if (strcmp(o->keyword, keyword) == 0)
                        return o->val;
        }
        return NULL;
}

static void test_pq_link_version_is_15_or_later(void **state)
{
        (void)state;
        assert_true(PQlibVersion() >= 150000);
        assert_int_equal(PQisthreadsafe(), 1);
}

static void test_pq_link_parses_uri_with_socket_directory(void **state)
{
        const char *uri = "postgresql://ci:s%3Acret@%2Ftmp%2Fbl-pg:5433/boots?connect_timeout=5";
        char *err = NULL;
        PQconninfoOption *opts;

        (void)state;
        opts = PQconninfoParse(uri, &err);
        assert_non_null(opts);
        assert_null(err);
        assert_string_equal(opt_value(opts, "host"), "/tmp/bl-pg");
        assert_string_equal(opt_value(opts, "port"), "5433");
        assert_string_equal(opt_value(opts, "dbname"), "boots");
        assert_string_equal(opt_value(opts, "user"), "ci");
        assert_string_equal(opt_value(opts, "password"), "s:cret");
        assert_string_equal(opt_value(opts, "connect_timeout"), "5");
        assert_null(opt_value(opts, "sslmode"));
        PQconninfoFree(opts);
}

static void test_pq_link_parses_keyword_value_string(void **state)
{
        char *err = NULL;
        PQconninfoOption *opts;

        (void)state;
        opts = PQconninfoParse("host=/tmp/x dbname='my db'", &err);
        assert_non_null(opts);
        assert_string_equal(opt_value(opts, "host"), "/tmp/x");
        assert_string_equal(opt_value(opts, "dbname"), "my db");
        assert_null(opt_value(opts, "user"));
        /* libpq's conninfo quoting: a backslash escapes a quote */
        PQconninfoFree(opts);
        opts = PQconninfoParse("password='it\\'s'", &err);
        assert_non_null(opts);
        assert_string_equal(opt_value(opts, "password"), "it's");
        PQconninfoFree(opts);
}

static void test_pq_link_refuses_malformed_uri(void **state)
{
        char *err = NULL;
        PQconninfoOption *opts;

        (void)state;
        opts = PQconninfoParse("postgresql://[::1/db", &err);
        assert_null(opts);
        assert_non_null(err);
        assert_non_null(strstr(err, "looking for matching \"]\" in IPv6 host address"));
        PQfreemem(err);
        err = NULL;
        opts = PQconninfoParse("host=/tmp/x nosuchkeyword=1", &err);
        assert_null(opts);
        assert_non_null(err);
        assert_non_null(strstr(err, "invalid connection option \"nosuchkeyword\""));
        PQfreemem(err);
}

static void test_pq_link_missing_socket_fails_with_libpq_error(void **state)
{
        PGconn *conn;

        (void)state;
        conn = PQconnectdb("host=/nonexistent-bootlens-pg port=1 dbname=x connect_timeout=2");
        assert_non_null(conn);
        assert_int_equal(PQstatus(conn), CONNECTION_BAD);
        assert_non_null(strstr(PQerrorMessage(conn),
                               "connection to server on socket "
                               "\"/nonexistent-bootlens-pg/.s.PGSQL.1\" failed: "
                               "No such file or directory"));
        PQfinish(conn);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_pq_link_version_is_15_or_later),
            cmocka_unit_test(test_pq_link_parses_uri_with_socket_directory),
            cmocka_unit_test(test_pq_link_parses_keyword_value_string),
            cmocka_unit_test(test_pq_link_refuses_malformed_uri),
            cmocka_unit_test(test_pq_link_missing_socket_fails_with_libpq_error),
        };

        return test_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
#else
int main(void)
{
        test_skip_all("the build found no libpq (pkg-config libpq: scripts/setup.sh installs "
                      "libpq-dev)");
        return 0;
}
#endif
