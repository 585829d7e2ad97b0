/*
 * changepoint: where a series of numbers changes level
 * (docs/changepoints.md: the method, why this one, and its detection and
 * false-alarm rates measured on synthetic series).
 *
 * The series is one value per point, in order: a history series' point
 * medians (one per stored session). The model is piecewise constant plus
 * noise; a change point is the index of the first point of a new level.
 *
 * Method: PELT (Killick, Fearnhead & Eckley, JASA 2012), the exact
 * minimiser of
 *     sum over segments of C(segment) + beta * (number of changes)
 * with C the normal change-in-mean cost, C(x[s..t)) = sum (x_i - mean)^2
 * / sigma^2, pruned so that its expected time is linear in n when changes
 * occur throughout (optimal partitioning, the unpruned recursion, is
 * quadratic; cp_op() is kept as the test's reference: all give the same
 * partition). PELT prunes nothing on a long series without a change, so
 * cp_detect runs cp_fpop(): PELT plus FPOP's functional pruning
 * (Maidstone et al., Statistics and Computing 2017), the same optimum,
 * 10,000 points without a change in 23 ms of CPU where PELT's rule alone
 * takes 183 ms (docs/changepoints.md, the time table).
 *
 * sigma, the noise of one point, is estimated robustly from the first
 * differences d_i = x[i+1] - x[i] (a level shift moves one difference
 * only): the differences further than CP_SIGMA_REJECT robust sigmas
 * (1.4826 MAD; 1.2533 mean absolute deviation when the MAD is 0) from
 * their median are left out, and sigma is the root mean square of the
 * others about that median, divided by sqrt(2) and made consistent for
 * the normal truncated there. As robust to steps as the MAD of the
 * differences alone (Fryzlewicz's estimate), and less noisy: on 30
 * points of noise the false alarms that an underestimated sigma raises
 * fall from 8.2% to 5.2% (docs/changepoints.md, "The noise"). Floored at
 * o->sigma_floor so that a deterministic series (-icount, --by guest:
 * sigma 0) does not turn every difference into a change.
 * beta = o->penalty * ln(n) (o->penalty 0: CP_PENALTY_DEFAULT). 2 would be
 * the BIC of one mean and one location per change; 3 is what the study of
 * docs/changepoints.md chose: on noise alone it cuts the series with a
 * false alarm from 15.8% to 4.9% at 30 points and from 4.5% to 0% at 200,
 * while a step of 2 point sigmas is found 81% of the time instead of 84%
 * at 30 points (87% either way at 200).
 *
 * Then the minimum effect, as compare judges a change: a change whose
 * step, |median of the segment after - median of the segment before| (of
 * the point values), is at most max(o->min_abs, o->min_rel * |median
 * before|) is dropped and its two segments merged; repeated, smallest
 * step first, until every remaining step exceeds it.
 *
 * Pure C on libc and libm (no project header but stats.h). Functions
 * return 0 or a negative errno (-EINVAL: bad arguments, NaN in x;
 * -ENOMEM) and never print.
 */
#ifndef BOOTLENS_CHANGEPOINT_H
#define BOOTLENS_CHANGEPOINT_H

#include <stddef.h>

#define CP_PENALTY_DEFAULT 3.0 /* times ln n; docs/changepoints.md says what it gives */
#define CP_MIN_SEG_DEFAULT 2   /* points per segment */
#define CP_SIGMA_REJECT    3.5 /* robust sigmas: differences left out of the sigma estimate */

struct cp_options {
        double penalty;     /* beta = penalty * ln n; 0: CP_PENALTY_DEFAULT */
        double sigma;       /* the noise; 0: estimated as above */
        double sigma_floor; /* least sigma (the series' unit; ns: e.g. 0.25 ms) */
        size_t min_seg;     /* least points per segment; 0: CP_MIN_SEG_DEFAULT */
        double min_abs;     /* minimum effect (the series' unit); 0: none */
        double min_rel;     /* minimum effect relative to the level before; 0: none */
};

/* min_seg CP_MIN_SEG_DEFAULT, penalty CP_PENALTY_DEFAULT, sigma 0,
 * sigma_floor 250000 (0.25 ms in ns), min_abs 500000 and min_rel 0.02
 * (compare's minimum effect, stats_options_default). */
void cp_options_default(struct cp_options *o);

struct cp_result {
        size_t *at; /* change points: index of a new segment's first point, ascending (owned) */
        size_t n;
        double sigma;    /* as used */
        double beta;     /* as used */
        size_t ndropped; /* changes PELT found that the minimum effect dropped */
};
void cp_result_free(struct cp_result *r); /* accepts zeroed */

/* Detect the change points of x[0..n) as described above (r overwritten;
 * cp_result_free it, also on error). o NULL: cp_options_default. n < 2 *
 * min_seg gives none. With no floor and no noise at all (sigma_floor 0, a
 * deterministic series) the mean absolute difference / sqrt(2) stands in
 * for sigma; a constant series has no change. Returns 0; -EINVAL (NaN or
 * infinity in x, a negative or non-finite option, r NULL), -ENOMEM. */
int cp_detect(const double *x, size_t n, const struct cp_options *o, struct cp_result *r);

/* The robust sigma of x[0..n) above (0 when n < 2; NaN when x holds a NaN
 * or infinity, or the scratch copy cannot be allocated). */
double cp_sigma_diff(const double *x, size_t n);

/* The partitions themselves, for tests and reuse: the change points
 * minimising cost/sigma^2 + beta per change with segments of at least
 * min_seg points, into *at (malloc'd, ascending; NULL when *nat is 0).
 * cp_pelt: pruned, linear expected time with changes throughout,
 * quadratic without; cp_fpop: PELT plus functional pruning, near linear
 * either way; cp_op: optimal partitioning, quadratic, the reference. Ties
 * go to the earliest last change in all three. Returns 0; -EINVAL (sigma
 * <= 0, beta < 0, min_seg 0, NaN in x, at or nat NULL), -ENOMEM. */
int cp_pelt(const double *x, size_t n, double sigma, double beta, size_t min_seg, size_t **at,
            size_t *nat);
int cp_op(const double *x, size_t n, double sigma, double beta, size_t min_seg, size_t **at,
          size_t *nat);
int cp_fpop(const double *x, size_t n, double sigma, double beta, size_t min_seg, size_t **at,
            size_t *nat);

#endif
