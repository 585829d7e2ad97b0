/*
 * histdb_pg: the PostgreSQL backend (analyzer/histdb_pg.h), on libpq.
 */
#include "analyzer/histdb_pg.h"

#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/histdb.h"
#include "analyzer/history.h"
#include "base/util.h"

#define PASSWORD_HINT " (give the password in PGPASSWORD, ~/.pgpass or a PGSERVICE file)"

struct histdb_pg {
        PGconn *conn;
        int busy_ms;
        bool writing;        /* inside an immediate transaction */
        unsigned long nstmt; /* names the server-side statements: s1, s2, ... */
        char msg[512];       /* the last error, one line */
};

/* A bound value as text: values[i] points at a caller's string or at
 * num[i] (an int64 or a double formatted here). */
struct histdb_pg_stmt {
        struct histdb_pg *db;
        char name[24];
        int nparams;
        const char **values;
        char (*num)[32];
        PGresult *res; /* of the last run, NULL before the first step */
        int row;
};

/* Keep libpq's message, first line only. */
static void note(struct histdb_pg *db)
{
        const char *m = PQerrorMessage(db->conn);

        snprintf(db->msg, sizeof(db->msg), "%.*s", (int)strcspn(m, "\n"), m);
}

/* A failed result with no SQLSTATE (libpq's own) or none at all, as
 * -errno: a connection lost is -ECONNRESET (-EPIPE when the send
 * failed). */
static int lost_errno(struct histdb_pg *db, int otherwise)
{
        if (strstr(db->msg, "could not send data to server"))
                return -EPIPE;
        if (PQstatus(db->conn) == CONNECTION_BAD ||
            strstr(db->msg, "server closed the connection") ||
            strstr(db->msg, "no connection to the server"))
                return -ECONNRESET;
        return otherwise;
}

/* A failed result as -errno, by its SQLSTATE; keeps the message. */
static int pg_errno(struct histdb_pg *db, const PGresult *res)
{
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

        note(db);
        if (!res)
                return lost_errno(db, -ENOMEM);
        if (!state)
                return lost_errno(db, -EIO);
        if (strcmp(state, "23505") == 0)
                return -EEXIST; /* unique_violation */
        if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
            strcmp(state, "55P03") == 0)
                return -EBUSY; /* serialization, deadlock, lock_not_available */
        if (strncmp(state, "08", 2) == 0)
                return -ECONNRESET; /* connection exception */
        if (strncmp(state, "57P0", 4) == 0)
                return -ECONNRESET; /* admin_shutdown, crash_shutdown, cannot_connect_now */
        if (strcmp(state, "3D000") == 0)
                return -ENXIO; /* invalid_catalog_name */
        if (strncmp(state, "28", 2) == 0)
                return -EACCES;            /* invalid authorization */
        if (strcmp(state, "42501") == 0) { /* insufficient_privilege */
                size_t len = strlen(db->msg);

                snprintf(db->msg + len, sizeof(db->msg) - len, "%s",
                         " (the role must be allowed to create tables in the database's "
                         "schema to set it up, and to write them to add: CREATE DATABASE ... "
                         "OWNER the role, or GRANT CREATE ON SCHEMA public TO it)");
                return -EACCES;
        }
        if (strcmp(state, "53200") == 0)
                return -ENOMEM;
        return lost_errno(db, -EIO);
}

/*
 * A failed connection as -errno, and the hint for the message. libpq
 * gives no SQLSTATE before the connection is made: its first line says
 * (libpq 15's and the server's texts, as tests/pg/history_errors.sh sees
 * them). A server that is not there now (refused, a Unix socket that does
 * not exist: the server is down, a timeout, no route, a name server that
 * does not answer, a server starting or stopping) is one of the errnos of
 * history_unreachable(); a missing database, a role or a password
 * refused, and anything else (a host name that does not exist, a bad
 * option) is not: the runner's --db is wrong, spooling would hide it.
 */
static const struct {
        const char *text, *also;
        int rc;
        const char *hint;
} connect_errors[] = {
    {"database \"", "does not exist", -ENXIO, " (CREATE DATABASE it first)"},
    /* not -ENOENT: that is an empty history, "history add creates one" */
    {"role \"", "does not exist", -EACCES,
     " (the server has no such role: give another user in --db or PGUSER)"},
    {"password authentication failed", NULL, -EACCES, PASSWORD_HINT},
    {"no password supplied", NULL, -EACCES, PASSWORD_HINT},
    {"authentication failed", NULL, -EACCES, ""},
    {"Connection refused", NULL, -ECONNREFUSED, ""},
    {"No such file or directory", NULL, -ECONNREFUSED, ""}, /* the socket: no server */
    {"timeout expired", NULL, -ETIMEDOUT, ""},
    {"Connection timed out", NULL, -ETIMEDOUT, ""},
    {"No route to host", NULL, -EHOSTUNREACH, ""},
    {"Network is unreachable", NULL, -ENETUNREACH, ""},
    {"Temporary failure in name resolution", NULL, -EHOSTUNREACH, ""},
    {"the database system is", NULL, -ECONNREFUSED, ""}, /* starting up, shutting down */
    {"server closed the connection unexpectedly", NULL, -ECONNRESET, ""},
    {"too many clients already", NULL, -ECONNREFUSED, ""}, /* 53300: full for now */
    /* errors of --db itself, known: not asked again by PQping */
    {"could not translate host name", NULL, -EIO, ""},
    {"invalid ", "value", -EIO, ""}, /* an option's value */
};

int histdb_pg_connect_errno(const char *m, const char **hint)
{
        for (size_t i = 0; i < sizeof(connect_errors) / sizeof(connect_errors[0]); i++) {
                if (!strstr(m, connect_errors[i].text) ||
                    (connect_errors[i].also && !strstr(m, connect_errors[i].also)))
                        continue;
                *hint = connect_errors[i].hint;
                return connect_errors[i].rc;
        }
        *hint = NULL; /* a text not known: maybe another lc_messages */
        return -EIO;
}

/* err: "DISPLAY: WHAT: MSG HINT", msg masked (libpq may quote conninfo). */
static int refuse(const char *conninfo, const char *display, const char *what, const char *msg,
                  const char *hint, char *err, size_t errsize)
{
        char *masked = NULL;

        if (histdb_mask(conninfo, msg, &masked) < 0)
                return -ENOMEM;
        util_whyf(err, errsize, "%s: %s: %.*s%s", display, what, (int)strcspn(masked, "\n"), masked,
                  hint);
        free(masked);
        return 0;
}

/* The keywords bootlens gives unless --db or the environment does: a
 * bound on connecting (libpq's default waits forever: a host that accepts
 * and never answers would hang collect), and TCP keepalives so that a
 * server gone silent after connecting is noticed. Before "dbname" in
 * PQconnectdbParams(), so that what the --db text says wins. */
#define CONNECT_TIMEOUT_S "10"

static PGconn *connect_params(const char *conninfo, bool ping, PGPing *pinged)
{
        const char *keys[8], *values[8];
        int n = 0;

        if (!getenv("PGCONNECT_TIMEOUT")) {
                keys[n] = "connect_timeout";
                values[n++] = CONNECT_TIMEOUT_S;
        }
        keys[n] = "keepalives_idle";
        values[n++] = "30";
        keys[n] = "keepalives_interval";
        values[n++] = "10";
        keys[n] = "keepalives_count";
        values[n++] = "3";
        keys[n] = "dbname";
        values[n++] = conninfo;
        keys[n] = NULL;
        values[n] = NULL;
        if (ping) {
                *pinged = PQpingParams(keys, values, 1);
                return NULL;
        }
        return PQconnectdbParams(keys, values, 1);
}

static PGconn *connect_with_defaults(const char *conninfo)
{
        return connect_params(conninfo, false, NULL);
}

/* Whether the server is not there now, asked in a way that does not
 * depend on the language of its messages: PQping says no response (not
 * reached) or reject (starting up, shutting down, too many clients). */
static bool server_away(const char *conninfo)
{
        PGPing p = PQPING_OK;

        connect_params(conninfo, true, &p);
        return p == PQPING_NO_RESPONSE || p == PQPING_REJECT;
}

int histdb_pg_open(const char *conninfo, const char *display, int busy_ms, struct histdb_pg **dbp,
                   char *err, size_t errsize)
{
        PQconninfoOption *opts;
        struct histdb_pg *db;
        const char *hint;
        char sql[192], *perr = NULL;
        int rc;

        *dbp = NULL;
        opts = PQconninfoParse(conninfo, &perr);
        if (!opts) {
                rc = perr ? -EINVAL : -ENOMEM;
                if (perr && refuse(conninfo, display, "not a valid PostgreSQL connection string",
                                   perr, "", err, errsize) < 0)
                        rc = -ENOMEM;
                PQfreemem(perr);
                return rc;
        }
        PQconninfoFree(opts);
        db = calloc(1, sizeof(*db));
        if (!db)
                return -ENOMEM;
        db->busy_ms = busy_ms;
        db->conn = connect_with_defaults(conninfo);
        if (!db->conn) {
                free(db);
                return -ENOMEM;
        }
        if (PQstatus(db->conn) != CONNECTION_OK) {
                note(db);
                rc = histdb_pg_connect_errno(db->msg, &hint);
                if (!hint && server_away(conninfo))
                        rc = -ECONNREFUSED; /* a text not known: another lc_messages */
                hint = hint ? hint : "";
                if (refuse(conninfo, display, "cannot connect", db->msg, hint, err, errsize) < 0)
                        rc = -ENOMEM;
                histdb_pg_close(db);
                return rc;
        }
        /* quiet NOTICEs; the lock wait of an immediate begin (0 is "no
         * limit" to PostgreSQL, "no wait" to SQLite: 1 ms); no server- or
         * role-wide statement_timeout cutting the wait for the lock short;
         * doubles read back exactly (any value above 0 is the shortest exact
         * text), also where the role or the server sets extra_float_digits
         * lower */
        snprintf(sql, sizeof(sql),
                 "SET client_min_messages = warning; SET lock_timeout = %d; "
                 "SET statement_timeout = 0; SET extra_float_digits = 3",
                 busy_ms > 0 ? busy_ms : 1);
        rc = histdb_pg_exec(db, sql);
        if (rc < 0) {
                util_whyf(err, errsize, "%s: cannot set up the session: %s", display, db->msg);
                histdb_pg_close(db);
                return rc;
        }
        *dbp = db;
        return 0;
}

void histdb_pg_close(struct histdb_pg *db)
{
        if (!db)
                return;
        PQfinish(db->conn);
        free(db);
}

const char *histdb_pg_errmsg(const struct histdb_pg *db)
{
        return db->msg[0] ? db->msg : "unknown error";
}

int histdb_pg_exec(struct histdb_pg *db, const char *sql)
{
        PGresult *res = PQexec(db->conn, sql);
        int rc = 0;

        if (!res ||
            (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK))
                rc = pg_errno(db, res);
        PQclear(res);
        return rc;
}

int histdb_pg_begin(struct histdb_pg *db, bool immediate)
{
        char sql[128];
        int rc;

        if (!immediate)
                return histdb_pg_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ");
        snprintf(sql, sizeof(sql),
                 "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(%ld)",
                 (long)HISTORY_APPLICATION_ID);
        rc = histdb_pg_exec(db, sql);
        if (rc < 0) {
                PQclear(PQexec(db->conn, "ROLLBACK"));
                return rc;
        }
        db->writing = true;
        return 0;
}

/* A write transaction bumps bootlens_meta's data_version (when the table
 * is there: an empty database's set-up makes it in the same transaction). */
int histdb_pg_commit(struct histdb_pg *db)
{
        int rc = 0;

        if (db->writing)
                rc = histdb_pg_exec(
                    db, "DO $$ BEGIN IF to_regclass('bootlens_meta') IS NOT NULL THEN "
                        "INSERT INTO bootlens_meta (key, value) VALUES ('data_version', '1') "
                        "ON CONFLICT (key) DO UPDATE SET value = "
                        "(bootlens_meta.value::bigint + 1)::text; END IF; END $$");
        db->writing = false;
        if (rc < 0)
                return rc;
        return histdb_pg_exec(db, "COMMIT");
}

int histdb_pg_rollback(struct histdb_pg *db)
{
        db->writing = false;
        return histdb_pg_exec(db, "ROLLBACK");
}

/* ---- statements ---- */

/* The number of parameters of rewritten sql: the largest $N outside
 * quotes (histdb_rewrite_params() numbers them so). */
static int count_params(const char *pg)
{
        int max = 0;

        for (const char *p = strchr(pg, '$'); p; p = strchr(p + 1, '$')) {
                char *end;
                long n = strtol(p + 1, &end, 10);

                if (end != p + 1 && n > max && n <= 32767)
                        max = (int)n;
        }
        return max; /* a "$1" inside a quoted string overcounts: untyped, refused */
}

int histdb_pg_prepare(struct histdb_pg *db, const char *sql, bool insert,
                      struct histdb_pg_stmt **stp)
{
        struct histdb_pg_stmt *st;
        PGresult *res;
        char *pg = NULL, *full = NULL;
        int rc;

        *stp = NULL;
        rc = histdb_rewrite_params(sql, &pg);
        if (rc < 0) {
                snprintf(db->msg, sizeof(db->msg), "cannot prepare '%.60s': %s", sql,
                         strerror(-rc));
                return rc;
        }
        if (insert && asprintf(&full, "%s RETURNING id", pg) < 0) {
                rc = -ENOMEM;
                goto out_free_pg;
        }
        st = calloc(1, sizeof(*st));
        if (!st) {
                rc = -ENOMEM;
                goto out_free_pg;
        }
        st->db = db;
        st->nparams = count_params(pg);
        st->values = calloc((size_t)st->nparams + 1, sizeof(*st->values));
        st->num = calloc((size_t)st->nparams + 1, sizeof(*st->num));
        if (!st->values || !st->num) {
                rc = -ENOMEM;
                goto out_free_st;
        }
        snprintf(st->name, sizeof(st->name), "s%lu", ++db->nstmt);
        res = PQprepare(db->conn, st->name, full ? full : pg, st->nparams, NULL);
        if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
                rc = pg_errno(db, res);
        PQclear(res);
        if (rc < 0)
                goto out_free_st;
        *stp = st;
        goto out_free_pg;
out_free_st:
        free(st->values);
        free(st->num);
        free(st);
out_free_pg:
        free(full);
        free(pg);
        return rc;
}

void histdb_pg_reset(struct histdb_pg_stmt *st)
{
        PQclear(st->res);
        st->res = NULL;
        st->row = 0;
        for (int i = 0; i < st->nparams; i++)
                st->values[i] = NULL;
}

void histdb_pg_finalize(struct histdb_pg_stmt *st)
{
        char sql[48];

        if (!st)
                return;
        PQclear(st->res);
        snprintf(sql, sizeof(sql), "DEALLOCATE %s", st->name);
        /* in a failed transaction DEALLOCATE fails too; the server drops
         * the statement with the connection */
        if (PQtransactionStatus(st->db->conn) != PQTRANS_INERROR)
                PQclear(PQexec(st->db->conn, sql));
        free(st->values);
        free(st->num);
        free(st);
}

int histdb_pg_bind_text(struct histdb_pg_stmt *st, int i, const char *s)
{
        if (i < 1 || i > st->nparams)
                return -ERANGE;
        st->values[i - 1] = s;
        return 0;
}

int histdb_pg_bind_int64(struct histdb_pg_stmt *st, int i, int64_t v)
{
        if (i < 1 || i > st->nparams)
                return -ERANGE;
        snprintf(st->num[i - 1], sizeof(st->num[i - 1]), "%" PRId64, v);
        st->values[i - 1] = st->num[i - 1];
        return 0;
}

int histdb_pg_bind_double(struct histdb_pg_stmt *st, int i, double v)
{
        if (i < 1 || i > st->nparams)
                return -ERANGE;
        snprintf(st->num[i - 1], sizeof(st->num[i - 1]), "%.17g", v);
        st->values[i - 1] = st->num[i - 1];
        return 0;
}

int histdb_pg_step(struct histdb_pg_stmt *st)
{
        ExecStatusType s;

        if (st->res) {
                st->row++;
                return st->row < PQntuples(st->res) ? HISTDB_ROW : 0;
        }
        st->res = PQexecPrepared(st->db->conn, st->name, st->nparams, st->values, NULL, NULL, 0);
        s = st->res ? PQresultStatus(st->res) : PGRES_FATAL_ERROR;
        if (s == PGRES_COMMAND_OK)
                return 0;
        if (s == PGRES_TUPLES_OK)
                return PQntuples(st->res) > 0 ? HISTDB_ROW : 0;
        return pg_errno(st->db, st->res);
}

int histdb_pg_step_insert(struct histdb_pg_stmt *st, int64_t *id)
{
        int rc = histdb_pg_step(st);

        *id = 0;
        if (rc == HISTDB_ROW) {
                *id = strtoll(PQgetvalue(st->res, 0, 0), NULL, 10);
                rc = 0;
        } else if (rc == 0) {
                rc = -EIO; /* no RETURNING row */
        }
        histdb_pg_reset(st);
        return rc;
}

const char *histdb_pg_column_text(struct histdb_pg_stmt *st, int i)
{
        if (!st->res || st->row >= PQntuples(st->res) || i >= PQnfields(st->res) ||
            PQgetisnull(st->res, st->row, i))
                return NULL;
        return PQgetvalue(st->res, st->row, i);
}

bool histdb_pg_column_is_null(struct histdb_pg_stmt *st, int i)
{
        return !st->res || st->row >= PQntuples(st->res) || i >= PQnfields(st->res) ||
               PQgetisnull(st->res, st->row, i);
}

/* ---- what differs per backend ---- */

/* One integer of a query (0 when no row or NULL). */
static int query_int(struct histdb_pg *db, const char *sql, const char *param, int64_t *v)
{
        PGresult *res = PQexecParams(db->conn, sql, param ? 1 : 0, NULL, &param, NULL, NULL, 0);
        int rc = 0;

        *v = 0;
        if (!res || PQresultStatus(res) != PGRES_TUPLES_OK)
                rc = pg_errno(db, res);
        else if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
                *v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        PQclear(res);
        return rc;
}

/* The integer bootlens_meta holds under key (0 when the table or the
 * row is not there). */
static int meta_int(struct histdb_pg *db, const char *key, int64_t *v)
{
        bool has = false;
        int rc = histdb_pg_has_table(db, "bootlens_meta", &has);

        *v = 0;
        if (rc < 0 || !has)
                return rc;
        return query_int(db, "SELECT value::bigint FROM bootlens_meta WHERE key = $1", key, v);
}

int histdb_pg_application_id(struct histdb_pg *db, int64_t *id)
{
        return meta_int(db, "application_id", id);
}

int histdb_pg_set_application_id(struct histdb_pg *db, uint32_t id)
{
        char sql[160];

        snprintf(sql, sizeof(sql),
                 "INSERT INTO bootlens_meta (key, value) VALUES ('application_id', '%lu') "
                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (unsigned long)id);
        return histdb_pg_exec(db, sql);
}

/* The relations of the current schema, every owner's (information_schema
 * would show only those the role may read). */
#define SCHEMA_RELATIONS                                                                           \
        "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "               \
        "ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND "                        \
        "c.relkind IN ('r', 'p', 'v', 'm', 'f')"

int histdb_pg_count_tables(struct histdb_pg *db, int64_t *n)
{
        return query_int(db, SCHEMA_RELATIONS, NULL, n);
}

int histdb_pg_has_table(struct histdb_pg *db, const char *name, bool *has)
{
        int64_t n = 0;
        int rc = query_int(db, SCHEMA_RELATIONS " AND c.relname = $1", name, &n);

        *has = n > 0;
        return rc;
}

int histdb_pg_data_version(struct histdb_pg *db, int64_t *v)
{
        return meta_int(db, "data_version", v);
}
