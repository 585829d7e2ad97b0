/*
 * histdb: the SQLite backend of the history store's database seam
 * (analyzer/histdb.h says what each call does and where PostgreSQL will
 * differ).
 */
#include "analyzer/histdb.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/histdb_pg.h"
#include "base/util.h"

#define SQLITE_HEADER 100

/* One of db and pg is set: the SQLite or the PostgreSQL backend. */
struct histdb {
        struct histdb_pg *pg;
        sqlite3 *db;
        int busy_ms;
        bool corrupt;     /* the last error was NOTADB or CORRUPT */
        sqlite3_stmt *dv; /* PRAGMA data_version, prepared once */
};

struct histdb_stmt {
        struct histdb *db;
        struct histdb_pg_stmt *pg;
        sqlite3_stmt *st;
};

/* An SQLite result code as 0, HISTDB_ROW or -errno; notes corruption. */
static int code(struct histdb *db, int rc)
{
        db->corrupt = (rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT;
        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_DONE:
                return 0;
        case SQLITE_ROW:
                return HISTDB_ROW;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_NOTADB:
                return -EINVAL;
        case SQLITE_CONSTRAINT:
                return (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
                           ? -EEXIST
                           : -EIO;
        default:
                return -EIO;
        }
}

/* ---- opening ---- */

static uint32_t be32(const unsigned char *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool file_nonempty(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && st.st_size > 0;
}

/* What the file holds, judged from its first 100 bytes before SQLite
 * opens it: garbage and a truncated database are refused here, without
 * SQLite ever touching the file. The truncation test (the header's page
 * count against the file's size) is skipped while a -wal file exists: a
 * checkpoint in progress may have written the header first. */
static int check_header(const char *path, char *err, size_t errsize)
{
        unsigned char hdr[SQLITE_HEADER];
        char *wal = NULL;
        struct stat st;
        uint32_t page, pages;
        ssize_t got;
        int fd, rc = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                rc = -errno;
                util_whyf(err, errsize, "%s: %s", path, strerror(-rc));
                return rc;
        }
        got = fstat(fd, &st) == 0 ? util_read_full(fd, hdr, sizeof(hdr)) : -errno;
        close(fd);
        if (got < 0) {
                util_whyf(err, errsize, "%s: %s", path, strerror((int)-got));
                return (int)got;
        }
        if ((size_t)got < sizeof(hdr) || memcmp(hdr, "SQLite format 3", 16) != 0) {
                util_whyf(err, errsize, "%s: not a SQLite database", path);
                return -EINVAL;
        }
        page = (uint32_t)hdr[16] << 8 | hdr[17];
        page = page == 1 ? 65536 : page;
        if (page < 512 || (page & (page - 1)) != 0 || (uint64_t)st.st_size % page != 0) {
                util_whyf(err, errsize,
                          "%s: not a SQLite database (corrupt: %lld bytes, pages of %u)", path,
                          (long long)st.st_size, page);
                return -EINVAL;
        }
        pages = be32(hdr + 28);
        if (pages && be32(hdr + 24) == be32(hdr + 92) &&
            (uint64_t)pages * page > (uint64_t)st.st_size) {
                if (asprintf(&wal, "%s-wal", path) < 0)
                        return -ENOMEM;
                if (access(wal, F_OK) != 0) {
                        util_whyf(
                            err, errsize,
                            "%s: not a SQLite database (truncated: %lld bytes, the header says "
                            "%u pages of %u)",
                            path, (long long)st.st_size, pages, page);
                        rc = -EINVAL;
                }
                free(wal);
        }
        return rc;
}

/* ---- choosing the backend ---- */

/* Whether s starts "KEYWORD =" (spaces allowed) for a keyword libpq
 * knows: a keyword=value conninfo, whether or not the rest parses. */
static bool starts_with_keyword(const char *s)
{
        PQconninfoOption *opts;
        size_t n;
        bool known = false;

        s += strspn(s, " \t\n");
        n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_");
        if (n == 0 || s[n + strspn(s + n, " \t\n")] != '=')
                return false;
        /* every keyword, no default looked up (PQconndefaults() would
         * read the environment and PGSERVICE's file each time) */
        opts = PQconninfoParse("", NULL);
        for (PQconninfoOption *o = opts; o && o->keyword && !known; o++)
                known = strlen(o->keyword) == n && strncasecmp(o->keyword, s, n) == 0;
        PQconninfoFree(opts);
        return known;
}

/* A PostgreSQL URI, or text meant as one: any case of "postgresql:" or
 * "postgres:" (a mistyped "postgresql:host" or "POSTGRESQL://" is refused
 * by libpq's parse, never created as a SQLite file of that name). */
static bool is_uri(const char *s)
{
        return strncasecmp(s, "postgresql:", 11) == 0 || strncasecmp(s, "postgres:", 9) == 0;
}

bool histdb_is_pg(const char *db)
{
        return is_uri(db) || starts_with_keyword(db);
}

/* A stretch of the --db text that may be a password. */
struct span {
        size_t off, len;
};

#define MAX_SPANS 64

/* Where db may hold a password, judged from its text alone (it may not
 * parse), erring on the side of hiding more: in a URI, the user
 * information (from "://", or the scheme's ':' when the "//" is missing,
 * to the last '@') and the value of every query
 * parameter whose name ends in "password"; in a keyword=value string,
 * the value of every keyword ending in "password" (quoted: to the closing
 * quote or the end). "password" in any case. Returns the number of
 * spans, in order; -1 when there are more than MAX_SPANS (then all of db
 * is to be hidden). */
static int secret_spans(const char *db, struct span *sp)
{
        const char *at, *p;
        int n = 0;

        if (is_uri(db)) {
                const char *slashes = strstr(db, "://");
                /* a scheme without "//" (mistyped): from its ':' */
                const char *auth = slashes ? slashes + 3 : strchr(db, ':') + 1;

                at = strrchr(auth, '@');
                if (at && at > auth)
                        sp[n++] = (struct span){(size_t)(auth - db), (size_t)(at - auth)};
                for (p = strcasestr(auth, "password="); p; p = strcasestr(p + 1, "password=")) {
                        const char *v = p + 9;

                        if (at && v < at)
                                continue; /* inside the user information */
                        if (n == MAX_SPANS)
                                return -1;
                        sp[n++] = (struct span){(size_t)(v - db), strcspn(v, "&")};
                }
                return n;
        }
        for (p = strcasestr(db, "password"); p; p = strcasestr(p + 1, "password")) {
                const char *v = p + 8;

                v += strspn(v, " \t\n");
                if (*v != '=')
                        continue;
                v++;
                v += strspn(v, " \t\n");
                if (n == MAX_SPANS)
                        return -1;
                if (*v == '\'') {
                        const char *q = v + 1;

                        while (*q && *q != '\'')
                                q += q[0] == '\\' && q[1] ? 2 : 1;
                        sp[n++] = (struct span){(size_t)(v - db), (size_t)(q - v) + (*q ? 1 : 0)};
                } else {
                        sp[n++] = (struct span){(size_t)(v - db), strcspn(v, " \t\n")};
                }
        }
        return n;
}

bool histdb_has_password(const char *db)
{
        struct span sp[MAX_SPANS];
        PQconninfoOption *opts;
        bool has = false;

        if (!histdb_is_pg(db))
                return false;
        opts = PQconninfoParse(db, NULL);
        if (!opts) {
                int n = secret_spans(db, sp);

                if (n < 0)
                        return true;
                for (int i = 0; i < n; i++)
                        has = has || sp[i].len > 0;
                return has;
        }
        for (PQconninfoOption *o = opts; o->keyword; o++)
                has = has || (strstr(o->keyword, "password") && o->val && o->val[0]);
        PQconninfoFree(opts);
        return has;
}

/* db that libpq cannot parse, its password-like spans shown as ***. */
static int display_malformed(const char *db, char **out)
{
        struct span sp[MAX_SPANS];
        int n = secret_spans(db, sp);
        size_t len = 0, from = 0;
        FILE *f;
        char *buf = NULL;

        if (n < 0) {
                *out = strdup("*** (malformed)");
                return *out ? 0 : -ENOMEM;
        }
        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        for (int i = 0; i < n; i++) {
                fwrite(db + from, 1, sp[i].off - from, f);
                fputs("***", f);
                from = sp[i].off + sp[i].len;
        }
        fputs(db + from, f);
        if (n > 0)
                fputs(" (malformed)", f);
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *out = buf;
        return 0;
}

int histdb_display(const char *db, char **out)
{
        PQconninfoOption *opts;
        bool secret = false;
        size_t len = 0;
        int n = 0;
        FILE *f;
        char *buf = NULL;

        *out = NULL;
        if (!histdb_is_pg(db)) {
                *out = strdup(db);
                return *out ? 0 : -ENOMEM;
        }
        opts = PQconninfoParse(db, NULL);
        if (!opts)
                return display_malformed(db, out);
        for (PQconninfoOption *o = opts; o->keyword; o++)
                secret = secret || (strstr(o->keyword, "password") && o->val);
        if (!secret) {
                PQconninfoFree(opts);
                *out = strdup(db);
                return *out ? 0 : -ENOMEM;
        }
        f = open_memstream(&buf, &len);
        if (!f) {
                PQconninfoFree(opts);
                return -ENOMEM;
        }
        for (PQconninfoOption *o = opts; o->keyword; o++) {
                bool pw = strstr(o->keyword, "password") != NULL;

                if (!o->val || (o->val[0] == '\0' && !pw))
                        continue;
                fprintf(f, "%s%s=", n++ ? " " : "", o->keyword);
                if (pw) {
                        fputs("***", f);
                        continue;
                }
                fputc('\'', f);
                for (const char *c = o->val; *c; c++) {
                        if (*c == '\'' || *c == '\\')
                                fputc('\\', f);
                        fputc(*c, f);
                }
                fputc('\'', f);
        }
        PQconninfoFree(opts);
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *out = buf;
        return 0;
}

/* s with every occurrence of the len bytes at what replaced by with, into
 * *out (malloc'd; s itself freed). Returns 0 or -ENOMEM. */
static int replace_all(char **s, const char *what, size_t len, const char *with)
{
        size_t blen = 0;
        FILE *f;
        char *buf = NULL, *p, *from = *s;

        if (len == 0)
                return 0;
        f = open_memstream(&buf, &blen);
        if (!f)
                return -ENOMEM;
        for (p = memmem(from, strlen(from), what, len); p;
             p = memmem(from, strlen(from), what, len)) {
                fwrite(from, 1, (size_t)(p - from), f);
                fputs(with, f);
                from = p + len;
        }
        fputs(from, f);
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        free(*s);
        *s = buf;
        return 0;
}

int histdb_mask(const char *db, const char *msg, char **out)
{
        struct span sp[MAX_SPANS];
        PQconninfoOption *opts;
        char *shown = NULL, *m;
        int n, rc;

        *out = NULL;
        m = strdup(msg);
        if (!m)
                return -ENOMEM;
        if (!histdb_has_password(db)) {
                *out = m;
                return 0;
        }
        rc = histdb_display(db, &shown);
        if (rc == 0)
                rc = replace_all(&m, db, strlen(db), shown);
        free(shown);
        n = secret_spans(db, sp);
        if (n < 0 && rc == 0) { /* too odd to mask piecewise: the message goes */
                free(m);
                m = strdup("libpq's message left out: it quotes a --db with too many passwords");
                rc = m ? 0 : -ENOMEM;
        }
        for (int i = 0; rc == 0 && i < n; i++)
                rc = replace_all(&m, db + sp[i].off, sp[i].len, "***");
        opts = rc == 0 ? PQconninfoParse(db, NULL) : NULL;
        for (PQconninfoOption *o = opts; o && o->keyword && rc == 0; o++)
                if (strstr(o->keyword, "password") && o->val)
                        rc = replace_all(&m, o->val, strlen(o->val), "***");
        PQconninfoFree(opts);
        if (rc < 0) {
                free(m);
                return rc;
        }
        *out = m;
        return 0;
}

const char *histdb_word(const struct histdb *db, enum histdb_word w)
{
        static const char *const lite[] = {
            [HISTDB_ID] = "INTEGER PRIMARY KEY",
            [HISTDB_REF] = "INTEGER",
            [HISTDB_NO_ROWID] = " WITHOUT ROWID",
        };
        static const char *const pg[] = {
            [HISTDB_ID] = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            [HISTDB_REF] = "BIGINT",
            [HISTDB_NO_ROWID] = "",
        };

        return db->pg ? pg[w] : lite[w];
}

const char *histdb_kind(const struct histdb *db)
{
        return db->pg ? "a PostgreSQL database" : "a SQLite database";
}

int histdb_enable_foreign_keys(struct histdb *db)
{
        return db->pg ? 0 : histdb_exec(db, "PRAGMA foreign_keys = ON");
}

int histdb_open(const char *path, bool create, int busy_ms, struct histdb **dbp, bool *made_new,
                char *err, size_t errsize)
{
        struct histdb *db;
        bool exists;
        char *wal = NULL;
        int rc, flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

        *dbp = NULL;
        *made_new = false;
        if (histdb_is_pg(path)) {
                char *display = NULL;

                db = calloc(1, sizeof(*db));
                rc = db ? histdb_display(path, &display) : -ENOMEM;
                if (rc == 0)
                        rc = histdb_pg_open(path, display, busy_ms, &db->pg, err, errsize);
                free(display);
                if (rc < 0) {
                        free(db);
                        return rc;
                }
                db->busy_ms = busy_ms;
                *dbp = db; /* the database is there: an empty one is "absent" (validate) */
                return 0;
        }
        if (asprintf(&wal, "%s-wal", path) < 0)
                return -ENOMEM;
        /* an empty main file whose WAL has content: a database some
         * connection made and has not yet checkpointed */
        exists = file_nonempty(path) || file_nonempty(wal);
        free(wal);
        if (file_nonempty(path)) {
                rc = check_header(path, err, errsize);
                if (rc < 0)
                        return rc;
        }
        if (!exists && !create) {
                util_whyf(err, errsize, "%s: no such history", path);
                return -ENOENT;
        }
        if (!exists)
                flags |= SQLITE_OPEN_CREATE;
        db = calloc(1, sizeof(*db));
        if (!db)
                return -ENOMEM;
        db->busy_ms = busy_ms;
        rc = sqlite3_open_v2(path, &db->db, flags, NULL);
        if (rc != SQLITE_OK) {
                int os = db->db ? sqlite3_system_errno(db->db) : ENOMEM;

                if (os) {
                        util_whyf(err, errsize, "%s: cannot open: %s", path, strerror(os));
                        rc = -os;
                } else {
                        rc = code(db, rc);
                        util_whyf(err, errsize, "%s: cannot open: %s", path, histdb_errmsg(db));
                        rc = rc < 0 ? rc : -EIO;
                }
                histdb_close(db);
                return rc;
        }
        sqlite3_extended_result_codes(db->db, 1);
        sqlite3_busy_timeout(db->db, busy_ms);
        *made_new = !exists;
        *dbp = db;
        return 0;
}

void histdb_close(struct histdb *db)
{
        if (!db)
                return;
        histdb_pg_close(db->pg);
        sqlite3_finalize(db->dv);
        sqlite3_close(db->db);
        free(db);
}

const char *histdb_errmsg(const struct histdb *db)
{
        if (db->pg)
                return histdb_pg_errmsg(db->pg);
        return db->db ? sqlite3_errmsg(db->db) : "out of memory";
}

bool histdb_corrupt(const struct histdb *db)
{
        return db->corrupt;
}

int histdb_exec(struct histdb *db, const char *sql)
{
        if (db->pg)
                return histdb_pg_exec(db->pg, sql);
        return code(db, sqlite3_exec(db->db, sql, NULL, NULL, NULL));
}

int histdb_begin(struct histdb *db, bool immediate)
{
        if (db->pg)
                return histdb_pg_begin(db->pg, immediate);
        return histdb_exec(db, immediate ? "BEGIN IMMEDIATE" : "BEGIN");
}

int histdb_commit(struct histdb *db)
{
        if (db->pg)
                return histdb_pg_commit(db->pg);
        return histdb_exec(db, "COMMIT");
}

int histdb_rollback(struct histdb *db)
{
        if (db->pg)
                return histdb_pg_rollback(db->pg);
        return histdb_exec(db, "ROLLBACK");
}

/* ---- statements ---- */

int histdb_prepare(struct histdb *db, const char *sql, bool persistent, struct histdb_stmt **stp)
{
        struct histdb_stmt *st = calloc(1, sizeof(*st));
        int rc;

        *stp = NULL;
        if (!st)
                return -ENOMEM;
        st->db = db;
        if (db->pg) {
                rc = histdb_pg_prepare(db->pg, sql, false, &st->pg);
                if (rc < 0)
                        free(st);
                else
                        *stp = st;
                return rc;
        }
        rc = sqlite3_prepare_v3(db->db, sql, -1, persistent ? SQLITE_PREPARE_PERSISTENT : 0,
                                &st->st, NULL);
        if (rc != SQLITE_OK) {
                sqlite3_finalize(st->st);
                free(st);
                rc = code(db, rc);
                return rc < 0 ? rc : -EIO;
        }
        *stp = st;
        return 0;
}

int histdb_prepare_insert(struct histdb *db, const char *sql, bool persistent,
                          struct histdb_stmt **st)
{
        struct histdb_stmt *pst;
        int rc;

        if (!db->pg)
                return histdb_prepare(db, sql, persistent, st); /* the rowid is the id */
        *st = NULL;
        pst = calloc(1, sizeof(*pst));
        if (!pst)
                return -ENOMEM;
        pst->db = db;
        rc = histdb_pg_prepare(db->pg, sql, true, &pst->pg);
        if (rc < 0) {
                free(pst);
                return rc;
        }
        *st = pst;
        return 0;
}

void histdb_reset(struct histdb_stmt *st)
{
        if (st->pg) {
                histdb_pg_reset(st->pg);
                return;
        }
        sqlite3_reset(st->st);
        sqlite3_clear_bindings(st->st);
}

void histdb_finalize(struct histdb_stmt *st)
{
        if (!st)
                return;
        histdb_pg_finalize(st->pg);
        sqlite3_finalize(st->st);
        free(st);
}

int histdb_bind_text(struct histdb_stmt *st, int i, const char *s)
{
        if (st->pg)
                return histdb_pg_bind_text(st->pg, i, s);
        return code(st->db, s ? sqlite3_bind_text(st->st, i, s, -1, SQLITE_STATIC)
                              : sqlite3_bind_null(st->st, i));
}

int histdb_bind_int64(struct histdb_stmt *st, int i, int64_t v)
{
        if (st->pg)
                return histdb_pg_bind_int64(st->pg, i, v);
        return code(st->db, sqlite3_bind_int64(st->st, i, (sqlite3_int64)v));
}

int histdb_bind_double(struct histdb_stmt *st, int i, double v)
{
        if (st->pg)
                return histdb_pg_bind_double(st->pg, i, v);
        return code(st->db, sqlite3_bind_double(st->st, i, v));
}

int histdb_bind_null(struct histdb_stmt *st, int i)
{
        if (st->pg)
                return histdb_pg_bind_text(st->pg, i, NULL);
        return code(st->db, sqlite3_bind_null(st->st, i));
}

int histdb_step(struct histdb_stmt *st)
{
        if (st->pg)
                return histdb_pg_step(st->pg);
        return code(st->db, sqlite3_step(st->st));
}

int histdb_step_insert(struct histdb_stmt *st, int64_t *id)
{
        int rc;

        if (st->pg)
                return histdb_pg_step_insert(st->pg, id);
        rc = histdb_step(st);
        sqlite3_reset(st->st);
        *id = (int64_t)sqlite3_last_insert_rowid(st->db->db);
        return rc == HISTDB_ROW ? -EIO : rc;
}

const char *histdb_column_text(struct histdb_stmt *st, int i)
{
        if (st->pg)
                return histdb_pg_column_text(st->pg, i);
        return (const char *)sqlite3_column_text(st->st, i);
}

int64_t histdb_column_int64(struct histdb_stmt *st, int i)
{
        const char *s;

        if (!st->pg)
                return (int64_t)sqlite3_column_int64(st->st, i);
        s = histdb_pg_column_text(st->pg, i);
        return s ? strtoll(s, NULL, 10) : 0;
}

double histdb_column_double(struct histdb_stmt *st, int i)
{
        const char *s;

        if (!st->pg)
                return sqlite3_column_double(st->st, i);
        s = histdb_pg_column_text(st->pg, i);
        return s ? strtod(s, NULL) : 0;
}

bool histdb_column_is_null(struct histdb_stmt *st, int i)
{
        if (st->pg)
                return histdb_pg_column_is_null(st->pg, i);
        return sqlite3_column_type(st->st, i) == SQLITE_NULL;
}

/* ---- what differs per backend ---- */

/* One integer of a query with no parameter (0 when no row). */
static int query_int(struct histdb *db, const char *sql, int64_t *v)
{
        struct histdb_stmt *st;
        int rc = histdb_prepare(db, sql, false, &st);

        if (rc < 0)
                return rc;
        rc = histdb_step(st);
        *v = rc == HISTDB_ROW ? histdb_column_int64(st, 0) : 0;
        histdb_finalize(st);
        return rc < 0 ? rc : 0;
}

/* PRAGMA journal_mode = WAL. SQLite answers SQLITE_BUSY at once, without
 * its busy handler, while another connection is making the same new
 * file: retry every 10 ms within the busy timeout. */
int histdb_prepare_create(struct histdb *db)
{
        int rc;

        if (db->pg)
                return 0;
        for (int waited = 0;; waited += 10) {
                struct histdb_stmt *st;
                bool wal = false;

                rc = histdb_prepare(db, "PRAGMA journal_mode = WAL", false, &st);
                if (rc < 0)
                        return rc;
                rc = histdb_step(st);
                if (rc == HISTDB_ROW) {
                        const char *mode = histdb_column_text(st, 0);

                        wal = mode && strcmp(mode, "wal") == 0;
                        rc = 0;
                }
                histdb_finalize(st);
                if (rc == 0)
                        return wal ? 0 : -EIO;
                if (rc != -EBUSY || waited >= db->busy_ms)
                        return rc;
                sqlite3_sleep(10);
        }
}

void histdb_created(struct histdb *db)
{
        if (db->pg)
                return;
        sqlite3_wal_checkpoint_v2(db->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

int histdb_application_id(struct histdb *db, int64_t *id)
{
        if (db->pg)
                return histdb_pg_application_id(db->pg, id);
        return query_int(db, "PRAGMA application_id", id);
}

int histdb_set_application_id(struct histdb *db, uint32_t id)
{
        char sql[64];

        if (db->pg)
                return histdb_pg_set_application_id(db->pg, id);
        snprintf(sql, sizeof(sql), "PRAGMA application_id = %ld", (long)id);
        return histdb_exec(db, sql);
}

int histdb_count_tables(struct histdb *db, int64_t *n)
{
        if (db->pg)
                return histdb_pg_count_tables(db->pg, n);
        return query_int(db, "SELECT count(*) FROM sqlite_master", n);
}

int histdb_has_table(struct histdb *db, const char *name, bool *has)
{
        struct histdb_stmt *st;
        int rc;

        if (db->pg)
                return histdb_pg_has_table(db->pg, name, has);
        rc = histdb_prepare(db,
                            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                            false, &st);
        *has = false;
        if (rc < 0)
                return rc;
        rc = histdb_bind_text(st, 1, name);
        if (rc == 0)
                rc = histdb_step(st);
        if (rc == HISTDB_ROW) {
                *has = histdb_column_int64(st, 0) > 0;
                rc = 0;
        }
        histdb_finalize(st);
        return rc;
}

int histdb_data_version(struct histdb *db, int64_t *v)
{
        int rc;

        if (db->pg)
                return histdb_pg_data_version(db->pg, v);
        *v = 0;
        if (!db->dv) {
                rc = sqlite3_prepare_v3(db->db, "PRAGMA data_version", -1,
                                        SQLITE_PREPARE_PERSISTENT, &db->dv, NULL);
                if (rc != SQLITE_OK) {
                        rc = code(db, rc);
                        return rc < 0 ? rc : -EIO;
                }
        }
        rc = code(db, sqlite3_step(db->dv));
        if (rc == HISTDB_ROW)
                *v = (int64_t)sqlite3_column_int64(db->dv, 0);
        sqlite3_reset(db->dv);
        return rc == HISTDB_ROW ? 0 : rc < 0 ? rc : -EIO;
}

/* ---- helpers for backends ---- */

/* The end of the quoted text or comment starting at p (past its closing
 * mark), or NULL when it is not closed. */
static const char *skip_quoted(const char *p)
{
        if (p[0] == '-' && p[1] == '-') {
                const char *nl = strchr(p, '\n');

                return nl ? nl + 1 : p + strlen(p);
        }
        if (p[0] == '/' && p[1] == '*') {
                const char *end = strstr(p + 2, "*/");

                return end ? end + 2 : NULL;
        }
        for (const char *q = p + 1; *q; q++) {
                if (*q != *p)
                        continue;
                if (q[1] != *p)
                        return q + 1;
                q++; /* a doubled quote stands for one */
        }
        return NULL;
}

int histdb_rewrite_params(const char *sql, char **out)
{
        size_t len = strlen(sql), cap, o = 0;
        unsigned long next = 1;
        char *buf;
        const char *p = sql;

        *out = NULL;
        /* "?" -> "$32767" at worst grows each byte to six: bound it */
        cap = len * 6 + 1;
        buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        while (*p) {
                if (*p == '\'' || *p == '"' || (p[0] == '-' && p[1] == '-') ||
                    (p[0] == '/' && p[1] == '*')) {
                        const char *end = skip_quoted(p);

                        if (!end)
                                goto out_inval;
                        memcpy(buf + o, p, (size_t)(end - p));
                        o += (size_t)(end - p);
                        p = end;
                } else if (*p == '?') {
                        unsigned long n = next;
                        int w;

                        p++;
                        if (*p >= '0' && *p <= '9') {
                                n = 0;
                                while (*p >= '0' && *p <= '9' && n <= 32767)
                                        n = n * 10 + (unsigned long)(*p++ - '0');
                        }
                        if (n == 0 || n > 32767)
                                goto out_inval;
                        if (n >= next)
                                next = n + 1;
                        w = snprintf(buf + o, cap - o, "$%lu", n);
                        if (w < 0 || (size_t)w >= cap - o)
                                goto out_inval;
                        o += (size_t)w;
                } else {
                        buf[o++] = *p++;
                }
        }
        buf[o] = '\0';
        *out = buf;
        return 0;
out_inval:
        free(buf);
        return -EINVAL;
}
