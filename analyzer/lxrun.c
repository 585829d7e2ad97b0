/* lxrun: see lxrun.h. */
#include "analyzer/lxrun.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/util.h"

int lxrun_analyse(struct lxrun *r, const char *source, char *buf, size_t len,
                  const struct stitch_host *host, const char *map_text, size_t map_len, char **err)
{
        int rc;

        memset(r, 0, sizeof(*r));
        r->buf = buf;
        r->len = len;
        if (err)
                *err = NULL;
        rc = ev_trace_init(&r->trace, source);
        if (rc < 0)
                return rc;
        rc = dmesg_parse(&r->trace, buf, len, &r->meta);
        if (rc < 0)
                return rc;
        if (host) {
                r->host = *host;
                r->has_host = true;
                stitch_compute(&r->meta, host, &r->stitch);
        }
        r->phases = phases_new();
        if (!r->phases)
                return -ENOMEM;
        if (map_text)
                rc = phases_load_map(r->phases, map_text, map_len, "--phase-map", err);
        else
                rc = phases_load_map(r->phases, stitch_linux_map_for(&r->meta),
                                     strlen(stitch_linux_map_for(&r->meta)), "builtin:linux", err);
        if (rc < 0)
                return rc;
        rc = stitch_set_points(r->phases, &r->meta, host ? &r->stitch : NULL);
        if (rc < 0)
                return rc;
        return analysis_run(&r->analysis, &r->trace, r->phases);
}

int lxrun_from_session(struct lxrun *r, const struct session *s, unsigned run, json_t *run_json,
                       const char *map_text, size_t map_len, char **err)
{
        struct session_run_info info;
        struct stitch_host host = {0};
        uint64_t serial = 0;
        json_t *off;
        char *path = NULL, *buf = NULL;
        size_t len;
        int rc;

        memset(r, 0, sizeof(*r));
        if (err)
                *err = NULL;
        rc = session_run_info(run_json, &info);
        if (rc < 0)
                return rc;
        if (info.final) {
                session_attempt_mark(info.final, "spawn", &host.spawn);
                session_attempt_mark(info.final, "dump_begin", &host.dump_begin);
                session_attempt_mark(info.final, "exit", &host.exit);
                session_attempt_mark(info.final, "first_console_byte", &host.first_byte);
                /* the begin line opened the console: its first byte counts */
                off = json_object_get(json_object_get(info.final, "console_offsets"), "dump_begin");
                if (json_is_integer(off) && json_integer_value(off) == 0)
                        host.begin_first_byte = host.first_byte;
                if (session_attempt_mark(info.final, "first_serial_byte", &serial) == 0 && serial &&
                    (!host.first_byte || serial < host.first_byte))
                        host.first_byte = serial;
        }
        rc = session_run_path(session_dir(s), run, ".console", &path);
        if (rc < 0)
                return rc;
        rc = util_read_file(path, &buf, &len);
        if (rc < 0) {
                free(path);
                return rc;
        }
        rc = lxrun_analyse(r, path, buf, len, host.spawn ? &host : NULL, map_text, map_len, err);
        free(path); /* the trace keeps its own copy of the source name */
        return rc;
}

void lxrun_free(struct lxrun *r)
{
        analysis_free(&r->analysis);
        phases_free(r->phases);
        ev_trace_free(&r->trace);
        free(r->buf);
        memset(r, 0, sizeof(*r));
}
