/*
 * csv: RFC 4180 comma-separated values, the helpers every CSV export
 * shares (analyze's, compare's), and analyze's per-run CSV.
 *
 * Quoting (csv_field): a field is written as it is unless it holds a
 * comma, a double quote, CR or LF (or is empty and quoting is asked); then
 * it is written between double quotes with each double quote doubled, so
 * guest text (a function name, a thread name) can never break a row or add
 * a column. Records end in CRLF, as RFC 4180 says. Nothing else is changed:
 * a field starting with '=' stays as it is (spreadsheets that evaluate it
 * are asked to import as text).
 *
 * The writers here write to a stdio FILE and report a failed write once,
 * at the end (ferror): they return 0, -EIO or -ENOMEM.
 */
#ifndef BOOTLENS_CSV_H
#define BOOTLENS_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzer/run.h"
#include "base/sbuf.h"
#include "reports/aggreport.h"
#include "reports/report.h"

/* One row being written: csv_field() puts the separator before every field
 * but the first; csv_end() ends the record. */
struct csv_row {
        FILE *out;
        bool started;
};

void csv_begin(struct csv_row *row, FILE *out);
/* A field of text (NULL: an empty field), quoted when it must be. */
void csv_field(struct csv_row *row, const char *s);
/* A field printed with printf's fmt (numbers: never quoted). */
void csv_fieldf(struct csv_row *row, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void csv_end(struct csv_row *row);

/* The decimals a time in unit u is written with in CSV and Markdown: ms 6,
 * us 3, ns and cycles 0 (every unit down to one ns). */
int csv_decimals(enum report_unit u);
/* ticks of t's clock as text in unit u (report_unit_for(t, u)), with
 * csv_decimals(u) decimals; and ns (a host time) in u, false when u is
 * cycles (a host time has none). Both write into buf and return it. */
const char *csv_time_text(char *buf, size_t size, const struct ev_trace *t, uint64_t ticks,
                          enum report_unit u);
bool csv_ns_text(char *buf, size_t size, uint64_t ns, enum report_unit u);
/* The duration of an available phase result in its trace's clock. */
uint64_t csv_phase_ticks(const struct phase_result *p);

/* The top (at most top) functions of r by total time, those with a
 * completed activation only, as indices into r's forest funcs, into *out
 * (malloc'd; NULL when there is none): what the CSV and Markdown exports
 * list. Returns the count or -ENOMEM. */
int csv_top_funcs(const struct run *r, size_t top, uint32_t **out);
/* A function's frame as "name" or "name arg", appended to sb. Returns 0 or
 * -ENOMEM. */
int csv_func_name(struct sbuf *sb, const struct ev_trace *t, const struct ct_func *fn);

/*
 * analyze's CSV: one row per metric of a run, under one header line
 * (docs/exports.md):
 *
 *   source,run,variant,kind,name,thread,calls,total,self,unit,
 *   n,present,median,q25,q75,p10,p90,min,max,ci_low,ci_high,ci_coverage,run_ids
 *
 * (the columns after unit are the aggregate's, csv_write_aggregate: empty
 * in a run's rows)
 *
 * source is the input (a FILE's path, a session run's capture); run and
 * variant are the session's (empty for a FILE); kind is "total" (the
 * host's spawn to QEMU exit, when known), "phase" (every phase of the map,
 * in map order: total empty when unavailable) or "function" (the top
 * functions by total time, "name arg", with their thread, calls, total and
 * self time). Times are in unit (report_unit_for() of the trace).
 */
struct csv_run_source {
        const char *source;  /* the input's name */
        unsigned run;        /* 0: not a session run */
        const char *variant; /* NULL for a FILE */
};

/*
 * The aggregate's rows (docs/exports.md), per group (variant) of ar: four
 * count rows (kind "runs", name "ok", "failed", "starved", "left_out", n
 * the count, run_ids the runs), then one row per metric of the table
 * (aggreport_in_table; kind "aggregate", name the metric: "total",
 * "phase:NAME", "fn:NAME", "self:NAME") with n (runs aggregated), present,
 * median, q25, q75, p10, p90, min, max, ci_low, ci_high, ci_coverage (the
 * total, phases and top functions) and run_ids (the outliers). source is
 * the session (empty for FILEs), run, thread, calls, total and self are
 * empty. Times in unit (ns for cycles). Returns 0, -ENOMEM or -EIO.
 */
int csv_write_aggregate(FILE *out, const struct aggreport *ar, enum report_unit unit);

/* The header line. Returns 0 or -EIO. */
int csv_write_header(FILE *out);
/* The rows of r, at most top functions. Returns 0, -ENOMEM or -EIO. */
int csv_write_run(FILE *out, const struct run *r, const struct csv_run_source *src,
                  enum report_unit unit, size_t top);

#endif
