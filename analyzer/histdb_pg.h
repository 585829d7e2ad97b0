/*
 * histdb_pg: a sketch of the PostgreSQL backend of the history store's
 * database seam (analyzer/histdb.h; issue 16). NOT WIRED: nothing calls
 * it, and it is compiled only where libpq's headers are found
 * (BOOTLENS_HAVE_LIBPQ) and never linked into bootlens. What it has:
 * open, exec of a statement list, prepare with the "?" -> "$N" rewrite
 * (histdb_rewrite_params()). What it lacks, and the next session adds
 * (docs/history-backends.md): binds, step, columns, transactions with the
 * advisory lock, RETURNING id, the error mapping, and a histdb.h that
 * chooses a backend by the path ("postgresql://..." vs a file).
 *
 * Functions return 0 or a negative errno, as histdb.h's do; err (errsize
 * bytes, may be NULL) names the database and has libpq's message.
 */
#ifndef BOOTLENS_HISTDB_PG_H
#define BOOTLENS_HISTDB_PG_H

#include <stddef.h>

struct histdb_pg;      /* opaque: one connection (a PGconn) */
struct histdb_pg_stmt; /* opaque: one server-side prepared statement */

/* Connect to conninfo (a libpq URI or key=value string), *db overwritten
 * (histdb_pg_close it). Returns 0, -ECONNREFUSED (no connection: err says
 * why), -ENOMEM, -ENOSYS (built without libpq). */
int histdb_pg_open(const char *conninfo, struct histdb_pg **db, char *err, size_t errsize);
void histdb_pg_close(struct histdb_pg *db); /* accepts NULL */

/* Run sql, one or more statements, no parameter, no row wanted (the
 * simple query protocol runs a list in one implicit transaction).
 * Returns 0, -EIO (err has the server's message), -EBUSY (a lock or
 * serialization failure: SQLSTATE 40001, 40P01, 55P03), -EEXIST (23505). */
int histdb_pg_exec(struct histdb_pg *db, const char *sql, char *err, size_t errsize);

/* Prepare sql (parameters "?N" or "?", rewritten to "$N") as nparams
 * untyped parameters, *st overwritten (histdb_pg_finalize it). Returns 0,
 * -EINVAL (the SQL's quotes or parameters: histdb_rewrite_params()),
 * -EIO, -ENOMEM. */
int histdb_pg_prepare(struct histdb_pg *db, const char *sql, struct histdb_pg_stmt **st, char *err,
                      size_t errsize);
void histdb_pg_finalize(struct histdb_pg_stmt *st); /* accepts NULL */

#endif
