/*
 * gnuplot: what every figure shares (docs/plot.md): the terminals and how
 * an output file names one, the style options (size, font, mono), the
 * quoting of untrusted text into a gnuplot script, the figures' colours,
 * and running gnuplot on a script file.
 *
 * A figure FILE.EXT is drawn by FILE.gp from FILE.dat, both written beside
 * it; the script names them relative to its own directory (gp_run starts
 * gnuplot there), so "cd DIR && gnuplot FILE.gp" draws the figure again,
 * byte for byte. Nothing is ever passed through a shell: gp_run spawns
 * gnuplot with an argv.
 *
 * Text in a script (titles, labels, tic names, file names) goes through
 * gp_str(): a single-quoted gnuplot string, in which gnuplot expands
 * nothing (no backquote command substitution, no @macro, no backslash
 * escapes); a quote is doubled; control characters and bytes that are not
 * UTF-8 are shown as \xNN; for the cairolatex terminal, where text reaches
 * LaTeX, LaTeX's special characters are escaped too. Every figure sets
 * "noenhanced" on its terminal, so hammer_time keeps its underscore.
 *
 * Functions return 0 or a negative errno and never print.
 */
#ifndef BOOTLENS_GNUPLOT_H
#define BOOTLENS_GNUPLOT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/sbuf.h"

enum gp_term {
        GP_SVG = 0,
        GP_PNG,        /* pngcairo */
        GP_PDF,        /* pdfcairo */
        GP_EPS,        /* epscairo */
        GP_CAIROLATEX, /* cairolatex pdf: FILE.tex and FILE.pdf */
        GP_DUMB,
};

/* "svg", "pngcairo", "pdfcairo", "epscairo", "cairolatex", "dumb". */
const char *gp_term_name(enum gp_term t);
/* The terminal named name (as above; "png", "pdf", "eps" accepted too):
 * 0 or -EINVAL. */
int gp_term_parse(const char *name, enum gp_term *t);
/* The terminal path's extension implies: .svg, .png, .pdf, .eps, .tex
 * (cairolatex), .txt (dumb). -EINVAL when there is none of these. */
int gp_term_from_path(const char *path, enum gp_term *t);
/* Whether the terminal's size is in pixels (svg, png), characters (dumb)
 * or inches (the rest). */
const char *gp_term_size_unit(enum gp_term t);

struct gp_style {
        enum gp_term term;
        bool has_size;        /* width, height given (--size); else the figure's default */
        double width, height; /* in gp_term_size_unit(term) */
        const char *font;     /* --font "NAME,SIZE" or "NAME"; NULL: "Sans,10" */
        bool mono;            /* black and white print: greys and fill patterns */
};

/* Parse "--size W,H" (two positive numbers; at most 20000 each) and
 * "--font NAME[,SIZE]" (no control characters, SIZE a positive number):
 * 0 or -EINVAL. */
int gp_parse_size(const char *s, double *width, double *height);
int gp_check_font(const char *s);

/* The style's font size in points (--font's SIZE; 10 without one). */
double gp_font_size(const struct gp_style *st);
/* Whether the style's --size holds a figure: at least GP_MIN_COLS
 * characters by GP_MIN_LINES lines of its font (a character taken as 0.6
 * em wide, a line as 1.4 em; 96 px an inch; cairolatex at 10 pt). 0 (also
 * without --size), or -EINVAL with err saying the least size. */
/* A character's width and a line's height of the style's font in its
 * terminal's unit (1 and 1 for dumb), as gp_check_size takes them. */
void gp_char_size(const struct gp_style *st, double *cw, double *lh);
#define GP_MIN_COLS  30
#define GP_MIN_LINES 10
int gp_check_size(const struct gp_style *st, char *err, size_t errsize);

/* Append s as a gnuplot single-quoted string (with its quotes) for a
 * script drawn on terminal t, as described above. */
int gp_str(struct sbuf *sb, enum gp_term t, const char *s);
/* The same for s[0..len). */
int gp_strn(struct sbuf *sb, enum gp_term t, const char *s, size_t len);
/*
 * Not for tic labels: gnuplot reads an explicit tic label ("set ytics
 * ('label' 0)") as a format of the tic's value, so a guest's '%' breaks
 * the script, and a formatted label is cut near 50 bytes. Name rows with
 * "set label" instead (reports/plot.c does).
 */

/*
 * Append the script's head: a comment naming what drew it and how to draw
 * it again, "set terminal" with the style's size (default_w, default_h in
 * the terminal's unit when the style has none: the caller converts with
 * gp_default_size), font and "noenhanced", "set output" with the figure's
 * base name (out_name, relative: gp_run runs in its directory), and
 * "set encoding utf8". what: "bootlens plot phases" and the like.
 */
int gp_head(struct sbuf *sb, const struct gp_style *st, const char *what, const char *out_name,
            double default_w, double default_h);
/* A figure's default size px_w x px_h (pixels, as on svg) in t's unit:
 * pixels for svg and png, inches at 96 px per inch for pdf, eps and
 * cairolatex, characters for dumb (8 x 16 px a character, at least 60 x 20). */
void gp_default_size(enum gp_term t, double px_w, double px_h, double *w, double *h);

/* As gp_default_size, for a figure of plot.c's (phases, distribution,
 * ecdf, delta): pdf, eps and cairolatex one paper text width
 * (GP_PAPER_WIDTH, 6.5 in) wide, the height in proportion (at least 2 in);
 * dumb 80 columns wide (an 80-column terminal); svg and png as above. */
#define GP_PAPER_WIDTH 6.5
void gp_figure_size(enum gp_term t, double px_w, double px_h, double *w, double *h);

/* The figures' colours (Okabe-Ito, then Paul Tol's muted: readable by
 * the colour-blind), as "#RRGGBB": series k (k wraps at GP_NCOLORS, 16). In mono, the colour
 * gp_fill()'s style is drawn in: for even k a solid grey (#A0A0A0, #E8E8E8, #606060, #FFFFFF), for
 * odd k black (its hatch's lines). */
const char *gp_color(const struct gp_style *st, size_t k);
#define GP_NCOLORS 16
/*
 * The colour index (for gp_color, gp_fill) of the phase named name, the
 * same in every figure: the built-in maps' phases have fixed indices
 * (Linux's qemu .. power-off 0..7, the Okabe-Ito colours; FreeBSD's vmm,
 * firmware, early, sysinit, rootfs+init, userland 8..13; NetBSD's
 * firmware+early, main, init 14..16); a name of no built-in map (a
 * --phase-map's) gets 17 + its rank among such names in names[0..n)
 * (the figure's phases in first-seen order; NULL: 17). Distinct names
 * get distinct colours up to 16 (gp_color wraps; in --mono at 8).
 */
size_t gp_phase_index(const char *name, const char *const *names, size_t n);

/* A fill style for series k, to go with "fc rgb gp_color(k)": "solid
 * 0.85 border lc rgb '#404040'"; in mono, for even k "solid 1.0 border lc
 * rgb 'black'", for odd k "pattern N border lc rgb 'black'", N of 4, 1,
 * 5, 2 (backslash hatch, crosshatch, slash hatch, dense crosshatch): 8 series print
 * apart in black and white, neighbours always one solid, one hatched. */
int gp_fill(struct sbuf *sb, const struct gp_style *st, size_t k);

enum gp_verdict_color {
        GP_SLOWER = 0,   /* vermillion #D55E00; mono: solid black */
        GP_FASTER,       /* bluish green #009E73; mono: solid white */
        GP_SAME,         /* grey #999999; mono: solid grey #A0A0A0 */
        GP_INCONCLUSIVE, /* yellow #F0E442; mono: black (drawn as a crosshatch) */
};
/* The verdict's colour; in mono, the colour of its fill (GP_INCONCLUSIVE:
 * of its crosshatch's lines, "fs pattern 1"). */
const char *gp_verdict_color(const struct gp_style *st, enum gp_verdict_color v);

/*
 * Run "gnuplot -d SCRIPT" (no initialisation file, so the figure does not
 * depend on the user's ~/.gnuplot) with dir as its working directory,
 * stdin and stdout on /dev/null, killed after timeout_s seconds (0: 60).
 * Returns 0 when gnuplot exited 0 and printed no error: when it printed
 * warnings only ("...: warning: ..."; the figure is drawn), err holds the
 * first, "gnuplot: ... warning: ...", for the caller's note (else err is
 * ""); -ENOENT when
 * gnuplot is not installed; -EIO when it failed (err: its first error
 * line, "gnuplot: ..."), -ETIMEDOUT, or another -errno of spawning it.
 * GNUPLOT (environment) names another binary.
 */
int gp_run(const char *dir, const char *script, unsigned timeout_s, char *err, size_t errsize);

/* How many times gp_run started gnuplot in this process (for reports that
 * say what they cost). */
unsigned gp_runs(void);

#endif
