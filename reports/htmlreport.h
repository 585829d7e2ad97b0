/*
 * htmlreport: "bootlens report INPUT... -o DIR" (docs/report.md): one
 * directory that holds everything a reader needs to look at a set of
 * boots without bootlens and without a network.
 *
 * htmlreport_build() gathers the report once, whatever its format:
 *  - every input (a session, SESSION:VARIANT, or a capture FILE) read and
 *    analysed through the one pipeline (sessreport.h for a session, with
 *    SESSREPORT_JSON: its analysis JSON is written as DIR/NAME.json on the
 *    way, the aggregate kept, every analysed run's warnings collected;
 *    json.h for a FILE); each session's session.json (session_info():
 *    host, QEMU, accelerator, kernel and its sha256, the command line per
 *    variant); every recorded run with its verdict, reason and links to
 *    its captures, a run file that does not read with the session
 *    module's message;
 *  - the comparison of the first two inputs when there are exactly two
 *    sessions (compare.h, as "bootlens compare": refused environments are
 *    shown, not refused);
 *  - for a sweep session (the first input; collector/sweep.h), what each
 *    knob saved (analyzer/savings.h) and its figure (plot_savings_draw:
 *    waterfall when cumulative, savings when each), shown first;
 *  - the figures (plot.h: plot_data_load() once, plot_draw() per kind:
 *    phases, distribution, ecdf, timeline, and delta with two inputs)
 *    into DIR/figures/KIND.svg (html) or KIND.png (md), each with its .gp
 *    and .dat; a kind that cannot be drawn is kept with why (missing).
 * Damage inside an input (an unreadable run file, a capture that holds
 * nothing, a truncated dump) is part of the report, never an error.
 *
 * htmlreport_write() renders it as one HTML page (DIR/index.html: inline
 * CSS, inline SVG figures, no script, nothing fetched); mdreport_write()
 * (reports/mdreport.h) as Markdown. All text from guests, users and file
 * names goes through htmlreport_escape() (element text and attribute
 * values) and htmlreport_href() (a relative URL, percent-encoded).
 *
 * Functions return 0 or a negative errno and never print.
 */
#ifndef BOOTLENS_HTMLREPORT_H
#define BOOTLENS_HTMLREPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzer/compare.h"
#include "analyzer/run.h"
#include "analyzer/runset.h"
#include "analyzer/savings.h"
#include "base/sbuf.h"
#include "collector/session.h"
#include "reports/aggreport.h"
#include "reports/plot.h"

enum htmlreport_format {
        HTMLREPORT_HTML = 0, /* DIR/index.html, SVG figures */
        HTMLREPORT_MD,       /* DIR/README.md, PNG figures */
};

/* One warning text of an input's analysed runs, with how often it came. */
struct htmlreport_warning {
        char *msg;     /* the analysis's text (owned) */
        size_t count;  /* times it was given, over every run */
        char *runs;    /* "1, 3, 5" (sessions) or the FILE (owned) */
        size_t nruns;  /* distinct runs that gave it */
        unsigned last; /* the last run added (to count runs once) */
};

/* One recorded run of a session input (a FILE input: its one run). */
struct htmlreport_run {
        unsigned run;
        char *variant, *verdict, *reason; /* owned; NULL when the run file is unreadable */
        bool readable;
        bool analysed; /* ok and analysed into the aggregate (or left out: starved) */
        bool failed;   /* listed among the failed runs of its aggregate */
        bool starved;  /* the host starved it (docs/contention.md), as analyze lists it */
        bool excluded; /* starved and left out (--exclude-starved) */
        uint64_t run_delay_ns, wall_ns; /* when starved: its run delay and wall time */
        size_t nwarnings;               /* its analysis's warnings */
        char *damage;                   /* why it is damaged ("" none; owned) */
        char *console_rel; /* relative URL from DIR of its capture; NULL: none on disk */
        char *serial_rel;  /* of its serial log; NULL: none */
};

struct htmlreport_input {
        char *arg; /* as given (owned) */
        bool is_session;
        char *name;      /* a short name: the directory's or file's base name[:VARIANT] */
        char *json_name; /* the analysis JSON in DIR (owned) */
        char *dir_rel;   /* relative URL from DIR to the session directory or FILE */
        char *session_json_rel;
        struct session *sess;        /* sessions: session.json (NULL: a FILE) */
        struct runset rs;            /* sessions (agg's strings point into it) */
        struct aggreport agg;        /* one group per variant; a FILE: one group of one run */
        struct htmlreport_run *runs; /* the runs of its variant (SESSION:VARIANT) or all */
        size_t nruns, nstarved;
        struct htmlreport_warning *warns;
        size_t nwarns, nwarnings; /* distinct texts, and warnings in all */
        size_t warns_cap;
        size_t *warns_index; /* open addressing on the text: 1 + index, 0 free (owned) */
        size_t index_cap;    /* a power of two, at least twice nwarns */
};

struct htmlreport_figure {
        enum plot_kind kind;
        char *file;    /* relative to DIR: "figures/phases.svg" (owned) */
        char *svg;     /* html: the figure inline (no XML declaration; ids prefixed) */
        double svg_w;  /* its width in px (the svg's width attribute; 0: unknown) */
        char *note;    /* plot_draw's note ("" when none; owned) */
        char *missing; /* not drawn: why (owned); NULL when drawn */
        char **files;  /* what was written, relative to DIR (owned) */
        size_t nfiles;
};

struct htmlreport {
        enum htmlreport_format fmt;
        char *dir;            /* DIR (owned) */
        char *generated_from; /* the command line (owned) */
        struct htmlreport_input *in;
        size_t n;
        struct htmlreport_figure fig[PLOT_NKINDS];
        size_t nfig;
        bool has_compare; /* cmp is set */
        struct compare cmp;
        char *compare_note; /* why there is no comparison, or "" (owned) */
        size_t top;
        unsigned gp_runs; /* gnuplot runs started for the figures */
        /* the first input, when it is a whole sweep session (collector/
         * sweep.h: sweep_read() reads its sweep.json): what each knob
         * saved (savings_analyse(), as "bootlens sweep" computes it) and
         * its figure, fig[sweep_fig] (waterfall for a cumulative sweep,
         * savings for an each one) */
        bool is_sweep;  /* sweep.json read */
        bool has_sweep; /* sweep is set */
        struct savings sweep;
        char *sweep_note;    /* why a sweep session has no table ("" none; owned) */
        char **sweep_serial; /* per step: the relative URL of failed_serial, or NULL (owned) */
        size_t sweep_fig;    /* index into fig; SIZE_MAX: none */
};

struct htmlreport_options {
        enum htmlreport_format fmt;
        const char *const *inputs;
        size_t n;                      /* 1..HTMLREPORT_MAX_INPUTS */
        const char *dir;               /* created when missing */
        const char *generated_from;    /* shown in the header; NULL: none */
        size_t top;                    /* functions in the tables (0: 20) */
        const struct run_options *run; /* NULL: detection and built-in maps */
        bool exclude_starved;
        const struct compare_options *compare; /* NULL: compare's defaults */
};

#define HTMLREPORT_MAX_INPUTS 16
/* Distinct warning texts listed per input (the rest are counted; every
 * one is in the input's JSON). */
#define HTMLREPORT_MAX_WARNINGS 100

/*
 * Gather the report of o->inputs into r (overwritten; htmlreport_free it,
 * also on error), writing DIR/NAME.json per input and the figures' files under DIR/figures.
 * Returns 0; -ENOENT or -EINVAL when an input is no readable session nor
 * a readable FILE (err names it and says why; a directory without
 * session.json is said to be one); -ENODATA when a FILE holds nothing to
 * analyse; -EINVAL for a bad phase map (o->run->map; err: its message,
 * FILE:LINE); -ENOTDIR when DIR exists and is not a directory;
 * -errno of creating DIR or writing a file (err names it); -ENOMEM.
 */
int htmlreport_build(struct htmlreport *r, const struct htmlreport_options *o, char *err,
                     size_t errsize);

/* The page (UTF-8 HTML5) to out. Returns 0, -ENOMEM or -EIO. */
int htmlreport_write(FILE *out, const struct htmlreport *r);

void htmlreport_free(struct htmlreport *r); /* accepts a zeroed one */

/* The earlier input of r that reads the same session directory as input
 * i (SESSION:base and SESSION:new), or NULL: its environment is shown
 * once. */
const struct htmlreport_input *htmlreport_same_session(const struct htmlreport *r, size_t i);

/* Append why run u counts as starved: "run delay 400.000 ms of 3558.603
 * ms, over 5% and 10 ms: docs/contention.md" (the words of analyze's
 * table, aggreport_starved_why). Returns 0 or -ENOMEM. */
int htmlreport_starved_why(struct sbuf *sb, const struct htmlreport_run *u);

/* Append s escaped for HTML text and attribute values: & < > " ' become
 * entities; control characters other than tab and newline (C0, DEL, C1)
 * and bytes that are not UTF-8 (util_utf8_len) become U+FFFD. NULL is "".
 * Returns 0 or -ENOMEM. */
int htmlreport_escape(struct sbuf *sb, const char *s);
/* Append the relative path s as a URL for href: every byte but
 * A-Z a-z 0-9 - . _ ~ / percent-encoded. Returns 0 or -ENOMEM. */
int htmlreport_href(struct sbuf *sb, const char *s);

/* The verdict over every metric compared: "slower" when one got
 * significantly slower (compare exits 1), else "faster" when one got
 * faster, else "same" when every metric is the same, else
 * "inconclusive". */
const char *htmlreport_overall(const struct compare *c);

#endif
