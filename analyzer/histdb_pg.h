/*
 * histdb_pg: the PostgreSQL backend of the history store's database seam
 * (analyzer/histdb.h; issue 16), through libpq. histdb.c dispatches to it
 * when the --db text names a PostgreSQL database (histdb_is_pg()); every
 * call here has the contract of the histdb_* call of the same name.
 *
 * What differs from SQLite (docs/history-backends.md): "?N" rewritten to
 * "$N" at prepare, values bound as text (int64 in %lld, doubles in %.17g
 * so that they round-trip) and sent at the first step with
 * PQexecPrepared, later steps walk the PGresult; an immediate transaction
 * is BEGIN + pg_advisory_xact_lock(HISTORY_APPLICATION_ID) under
 * lock_timeout = the busy timeout; the application id and a data_version
 * counter are rows of bootlens_meta; errors mapped from SQLSTATE.
 */
#ifndef BOOTLENS_HISTDB_PG_H
#define BOOTLENS_HISTDB_PG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct histdb_pg;      /* opaque: one connection (a PGconn) */
struct histdb_pg_stmt; /* opaque: one server-side prepared statement */

/* Connect to conninfo (a libpq URI or key=value string), *db overwritten
 * (histdb_pg_close it); err names the database by display (the conninfo,
 * password masked), and libpq's text with any password in it masked
 * (histdb_mask()). Returns 0; a server not there now: -ECONNREFUSED
 * (refused, no socket, starting or stopping), -ETIMEDOUT, -EHOSTUNREACH,
 * -ENETUNREACH, -ECONNRESET (history_unreachable()); else -EINVAL
 * (conninfo does not parse), -ENXIO (no such database: not -ENOENT,
 * which is an empty one), -EACCES (a role or password refused), -ENOMEM,
 * -EIO (the rest: a host name unknown, a bad option value). After the
 * connection, a call that loses it returns -ECONNRESET (or -EPIPE). */
int histdb_pg_open(const char *conninfo, const char *display, int busy_ms, struct histdb_pg **db,
                   char *err, size_t errsize);
/* What a failed connection's message m (libpq's first line) says, as
 * histdb_pg_open() returns it; *hint: what to add to the message ("" or
 * " (...)", static), NULL when m is not a text this knows (-EIO; the
 * open then asks PQping whether the server is there, as the server's
 * messages follow its lc_messages). */
int histdb_pg_connect_errno(const char *m, const char **hint);
void histdb_pg_close(struct histdb_pg *db); /* accepts NULL */
const char *histdb_pg_errmsg(const struct histdb_pg *db);

int histdb_pg_exec(struct histdb_pg *db, const char *sql);
int histdb_pg_begin(struct histdb_pg *db, bool immediate);
int histdb_pg_commit(struct histdb_pg *db);
int histdb_pg_rollback(struct histdb_pg *db);

/* insert: append " RETURNING id" (histdb_prepare_insert()). */
int histdb_pg_prepare(struct histdb_pg *db, const char *sql, bool insert,
                      struct histdb_pg_stmt **st);
void histdb_pg_reset(struct histdb_pg_stmt *st);
void histdb_pg_finalize(struct histdb_pg_stmt *st); /* accepts NULL */
int histdb_pg_bind_text(struct histdb_pg_stmt *st, int i, const char *s);
int histdb_pg_bind_int64(struct histdb_pg_stmt *st, int i, int64_t v);
int histdb_pg_bind_double(struct histdb_pg_stmt *st, int i, double v);
int histdb_pg_step(struct histdb_pg_stmt *st);
int histdb_pg_step_insert(struct histdb_pg_stmt *st, int64_t *id);
const char *histdb_pg_column_text(struct histdb_pg_stmt *st, int i);
bool histdb_pg_column_is_null(struct histdb_pg_stmt *st, int i);

int histdb_pg_application_id(struct histdb_pg *db, int64_t *id);
int histdb_pg_set_application_id(struct histdb_pg *db, uint32_t id);
int histdb_pg_count_tables(struct histdb_pg *db, int64_t *n);
int histdb_pg_has_table(struct histdb_pg *db, const char *name, bool *has);
int histdb_pg_data_version(struct histdb_pg *db, int64_t *v);

#endif
