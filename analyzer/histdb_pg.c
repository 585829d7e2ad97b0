/*
 * histdb_pg: a sketch of the PostgreSQL backend (analyzer/histdb_pg.h);
 * not wired, not linked. Built only with libpq's headers.
 */
#include "analyzer/histdb_pg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/histdb.h"

static void say(char *err, size_t errsize, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *err, size_t errsize, const char *fmt, ...)
{
        va_list ap;

        if (!err || !errsize)
                return;
        va_start(ap, fmt);
        vsnprintf(err, errsize, fmt, ap);
        va_end(ap);
}

#ifdef BOOTLENS_HAVE_LIBPQ

#include <libpq-fe.h>

struct histdb_pg {
        PGconn *conn;
        unsigned long nstmt; /* names the server-side statements: s1, s2, ... */
};

struct histdb_pg_stmt {
        struct histdb_pg *db;
        char name[24];
        int nparams;
        /* next: the bound values as text (libpq's text format), in
         * values[0..nparams), and the PGresult of the last step with its
         * row index */
};

/* A failed result as -errno, by its SQLSTATE. */
static int pg_errno(const PGresult *res)
{
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

        if (!res)
                return -ENOMEM;
        if (!state)
                return -EIO;
        if (strcmp(state, "23505") == 0)
                return -EEXIST; /* unique_violation */
        if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
            strcmp(state, "55P03") == 0)
                return -EBUSY; /* serialization, deadlock, lock_not_available */
        return -EIO;
}

int histdb_pg_open(const char *conninfo, struct histdb_pg **dbp, char *err, size_t errsize)
{
        struct histdb_pg *db;

        *dbp = NULL;
        db = calloc(1, sizeof(*db));
        if (!db)
                return -ENOMEM;
        db->conn = PQconnectdb(conninfo);
        if (!db->conn) {
                free(db);
                return -ENOMEM;
        }
        if (PQstatus(db->conn) != CONNECTION_OK) {
                /* the message ends in a newline: one line without it */
                say(err, errsize, "cannot connect to the history: %.*s",
                    (int)strcspn(PQerrorMessage(db->conn), "\n"), PQerrorMessage(db->conn));
                histdb_pg_close(db);
                return -ECONNREFUSED;
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

int histdb_pg_exec(struct histdb_pg *db, const char *sql, char *err, size_t errsize)
{
        PGresult *res = PQexec(db->conn, sql);
        int rc = 0;

        if (!res ||
            (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)) {
                rc = pg_errno(res);
                say(err, errsize, "%.*s", (int)strcspn(PQerrorMessage(db->conn), "\n"),
                    PQerrorMessage(db->conn));
        }
        PQclear(res);
        return rc;
}

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
        return max; /* a "$1" inside a quoted string overcounts: harmless, untyped */
}

int histdb_pg_prepare(struct histdb_pg *db, const char *sql, struct histdb_pg_stmt **stp, char *err,
                      size_t errsize)
{
        struct histdb_pg_stmt *st;
        PGresult *res;
        char *pg = NULL;
        int rc;

        *stp = NULL;
        rc = histdb_rewrite_params(sql, &pg);
        if (rc < 0) {
                say(err, errsize, "cannot prepare '%.60s': %s", sql, strerror(-rc));
                return rc;
        }
        st = calloc(1, sizeof(*st));
        if (!st) {
                rc = -ENOMEM;
                goto out_free_pg;
        }
        st->db = db;
        st->nparams = count_params(pg);
        snprintf(st->name, sizeof(st->name), "s%lu", ++db->nstmt);
        res = PQprepare(db->conn, st->name, pg, st->nparams, NULL);
        if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
                rc = pg_errno(res);
                say(err, errsize, "cannot prepare '%.60s': %.*s", sql,
                    (int)strcspn(PQerrorMessage(db->conn), "\n"), PQerrorMessage(db->conn));
                free(st);
                st = NULL;
        }
        PQclear(res);
        *stp = st;
out_free_pg:
        free(pg);
        return rc;
}

void histdb_pg_finalize(struct histdb_pg_stmt *st)
{
        char sql[48];

        if (!st)
                return;
        snprintf(sql, sizeof(sql), "DEALLOCATE %s", st->name);
        PQclear(PQexec(st->db->conn, sql));
        free(st);
}

#else /* no libpq: the sketch's calls say so */

int histdb_pg_open(const char *conninfo, struct histdb_pg **db, char *err, size_t errsize)
{
        *db = NULL;
        say(err, errsize, "%s: bootlens was built without libpq", conninfo);
        return -ENOSYS;
}

void histdb_pg_close(struct histdb_pg *db)
{
}

int histdb_pg_exec(struct histdb_pg *db, const char *sql, char *err, size_t errsize)
{
        return -ENOSYS;
}

int histdb_pg_prepare(struct histdb_pg *db, const char *sql, struct histdb_pg_stmt **st, char *err,
                      size_t errsize)
{
        *st = NULL;
        return -ENOSYS;
}

void histdb_pg_finalize(struct histdb_pg_stmt *st)
{
}

#endif
