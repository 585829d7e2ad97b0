/*
 * md: Markdown (GitHub Flavored) for a pull-request comment: the helpers
 * every Markdown export shares (analyze's, compare's), and analyze's
 * per-run Markdown.
 *
 * Escaping (md_escape): guest text in a table cell or a heading shows as
 * the text it is, never as markup: '\\', '`', '|', '*', '_', '[', ']' and
 * '~' get a backslash (a '|' would end the cell, the others start code,
 * emphasis, links or strike-through); '<', '>' and '&' become &lt; &gt;
 * &amp; (GitHub renders inline HTML); CR, LF, tab and the other control
 * bytes become a space (a newline would end the table's row).
 *
 * Tables (struct md_table): the cells of every row are kept, escaped, and
 * written with each column padded to its widest cell (counted in UTF-8
 * characters), left- or right-aligned as the header says (the alignment
 * row: "---" or "--:"), so the text reads as a table before it is
 * rendered too.
 */
#ifndef BOOTLENS_MD_H
#define BOOTLENS_MD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "analyzer/run.h"
#include "base/sbuf.h"
#include "reports/aggreport.h"
#include "reports/report.h"

/* Append s escaped (see above) to sb. Returns 0 or -ENOMEM. */
int md_escape(struct sbuf *sb, const char *s);

/* Write s escaped (md_escape()) to out. Returns 0 or -ENOMEM. */
int md_puts(FILE *out, const char *s);

struct md_table; /* opaque */

/* A table of ncols columns (1..64), headers[k] its column headers (plain
 * text, escaped like cells), right[k] whether column k is right-aligned
 * (numbers); right may be NULL (all left). NULL on -ENOMEM or a bad ncols. */
struct md_table *md_table_new(size_t ncols, const char *const *headers, const bool *right);
void md_table_free(struct md_table *t); /* accepts NULL */
/* Add a row of ncols cells (plain text, escaped here; NULL: empty).
 * Returns 0 or -ENOMEM. */
int md_table_add(struct md_table *t, const char *const *cells);
/* Write the table (header, alignment row, rows). Returns 0 or -EIO. */
int md_table_write(FILE *out, const struct md_table *t);

/*
 * analyze's Markdown of one run (docs/exports.md): a heading "### LABEL",
 * the host's total when known, a table of the phases (phase, from, to,
 * time, note: why a phase is unavailable) and a table of the top functions
 * by total time (function, thread, calls, total, self). Times in unit
 * (report_unit_for() of the trace). Returns 0, -ENOMEM or -EIO.
 */
int md_write_run(FILE *out, const struct run *r, const char *label, enum report_unit unit,
                 size_t top);

/*
 * The aggregate as Markdown (docs/exports.md), per group (variant) of ar:
 * a heading "### Aggregate of SESSION, variant V" ("of N files"), a line
 * counting the ok, failed and starved runs, one table (metric, n, median,
 * IQR, p10–p90, 95% CI, outliers (runs)) of the total, the phases and the
 * first ar->top fn: metrics, then the failed runs (verdict: reason) and
 * the starved ones as lists. Times in unit (ns for cycles), 3 decimals in
 * ms, none in us and ns. Returns 0, -ENOMEM or -EIO.
 */
int md_write_aggregate(FILE *out, const struct aggreport *ar, enum report_unit unit);

#endif
