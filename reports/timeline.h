/*
 * timeline: one boot on one time axis ("bootlens plot timeline",
 * reports/plot.h, docs/plot.md): the phases on the top row (QEMU start,
 * firmware and entry, the kernel's phases, user space, power-off: what
 * the run's phase map and host marks give), then the functions as a
 * flame chart in time order: for Linux the initcalls, asynchronous ones
 * on rows of their own; for tslog (FreeBSD, NetBSD) every thread's call
 * trees in time order and unmerged, as cperciva's flamechart.pl
 * -flamechart draws them; a label inside a box where it fits.
 *
 * timeline_write() writes the gnuplot script (after gp_head(), which the
 * caller writes) and its data (docs/timeline.md): boxes in the .dat
 * (dat_name, the data file's name relative to the script), one a line,
 * "x_low x_high y_low y_high colour calls what", one block per colour,
 * numbers only; every name (functions, threads, phases, the title) in
 * the script through gp_str(). Times in ms from the boot's zero (QEMU's
 * spawn when the host marks are known, else the trace's zero; Mcycles
 * for a tslog without a TSC frequency), which the axis title names.
 * Calls shorter than a point of the plot are merged with their
 * neighbours into grey boxes or left out. note gets a line ("...\n") for
 * each thing left out or worth knowing: unavailable phases and why, the
 * unknown frequency, calls merged or not drawn, calls open at dump time,
 * probes and function_graph calls not drawn, threads left out, boxes
 * left unlabelled, each counted. The layout (what is short, what fits a
 * label) is computed for the style's size, or without one for
 * timeline_size() (the style's size or the default). The margins are
 * in characters and lines of the font; the note is drawn as labels under
 * the key too, in the labels' font. The same run and style give the same
 * bytes. Returns 0, -EINVAL when the size cannot hold the layout (note's
 * last line then says why, as timeline_size()'s err: call that first) or
 * -ENOMEM (gp, dat and note may hold a part then); never prints.
 */
#ifndef BOOTLENS_TIMELINE_H
#define BOOTLENS_TIMELINE_H

#include "analyzer/run.h"
#include "base/sbuf.h"
#include "reports/gnuplot.h"

/* The figure's default size in pixels for svg in Sans,10 (gp_default_size()
 * converts it to another terminal's unit) for r: 1200 wide, and tall
 * enough for 18 px a row of the phases and functions plus the title, the
 * axis and the key, between 320 and 4000 px. The caller passes it to
 * gp_head() when the style has no size; timeline_write() lays the figure
 * out for the same size. */
void timeline_default_size(const struct run *r, double *px_w, double *px_h);

/*
 * The figure's size in the style's terminal unit (gp_term_size_unit():
 * px, inches, characters), what the caller passes to gp_head(): the
 * style's --size, or without one the default for the style's terminal and
 * font: 1200 px wide on svg and png, 6.5 in (a paper's text width) on
 * pdf, eps and cairolatex, 80 characters on dumb, rows of 1.2 lines of
 * the font (2 on dumb) plus the title, the axis, the key and the note.
 * Returns 0; -EINVAL when the size cannot hold the layout (the plot under
 * 12 characters wide, rows whose names would overlap): err says so in one
 * line, with the least size; -ENOMEM.
 */
int timeline_size(const struct run *r, const char *title, const struct gp_style *st, double *w,
                  double *h, char *err, size_t errsize);

int timeline_write(const struct run *r, const char *title, const struct gp_style *st,
                   const char *dat_name, struct sbuf *gp, struct sbuf *dat, struct sbuf *note);

#endif
