#!/usr/bin/python3
"""Check analyzer/stats.c (through tests/stats/stats_driver) against numpy
and SciPy on seeded random data with ties, sample sizes 2 to 60.

    /usr/bin/python3 reference.py PATH/TO/stats_driver

Prints one line per check with the number of cases and the largest
deviation seen, and exits 1 when a deviation exceeds its tolerance
(docs/statistics.md, "How it is checked"). Exit 77 when numpy or SciPy
cannot be imported (tests/cli/stats_scipy.sh says so first).
"""
import math
import subprocess
import sys

try:
    import numpy as np
    from scipy import stats
    from scipy.special import comb
except ImportError as e:  # pragma: no cover
    print(f"skipped: {e}", file=sys.stderr)
    sys.exit(77)

SEED = 20261201
rng = np.random.default_rng(SEED)
driver = sys.argv[1]
failures = []


def run_driver(lines):
    out = subprocess.run([driver], input="\n".join(lines) + "\n", capture_output=True,
                         text=True, check=True).stdout.splitlines()
    assert len(out) == len(lines), (len(out), len(lines))
    return out


def fmt(xs):
    return " ".join(repr(float(x)) for x in xs)


def sample(n, ties):
    """Boot-time-like durations in ns: log-normal around 300 ms; with ties,
    rounded to a coarse grid so that equal values are common."""
    x = rng.lognormal(math.log(300e6), 0.15, size=n)
    if ties:
        step = rng.choice([5e6, 10e6, 20e6])
        x = np.round(x / step) * step
    return x


def report(name, ncases, maxdev, tol, unit=""):
    ok = maxdev <= tol
    print(f"{'ok  ' if ok else 'FAIL'} {name:<44} cases {ncases:5d}  max deviation "
          f"{maxdev:.3g}{unit}  tolerance {tol:.3g}{unit}")
    if not ok:
        failures.append(name)


def rel(a, b):
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


# ---- type-7 quantiles and the summary (numpy.quantile, method="linear") ----
ps = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1, 0.01, 0.333, 0.999]
lines, refs = [], []
for n in range(1, 61):
    for ties in (False, True, True):
        x = sample(n, ties)
        lines.append(f"quantile {fmt(ps)} : {fmt(x)}")
        refs.append(np.quantile(x, ps))
        lines.append(f"summary : {fmt(x)}")
        q = np.quantile(x, [0.5, 0.25, 0.75, 0.1, 0.9])
        refs.append([n, *q, x.min(), x.max()])
dev = 0.0
for out, ref in zip(run_driver(lines), refs):
    got = [float(v) for v in out.split()]
    dev = max(dev, max(rel(g, r) for g, r in zip(got, ref)))
report("type-7 quantiles, summary vs numpy", len(lines), dev, 1e-12, " rel")

# ---- Mann-Whitney U ----
pairs = [(a, b) for a in range(2, 9) for b in (2, 3, 4, 5, 6, 7, 8, 12, 20, 35, 60)]
pairs += [(int(rng.integers(2, 61)), int(rng.integers(2, 61))) for _ in range(80)]
cases = []
for n1, n2 in pairs:
    cases.append((sample(n1, False), sample(n2, False), False))
    cases.append((sample(n1, True), sample(n2, True), True))
# a few shifted pairs, so that small p-values are exercised too
for n1, n2 in pairs[::4]:
    cases.append((sample(n1, True), sample(n2, True) * 1.15, True))
    cases.append((sample(n1, False), sample(n2, False) * 1.15, False))

lines = []
for x, y, _ in cases:
    for m in ("auto", "exact", "asymptotic"):
        lines.append(f"mwu {m} : {fmt(x)} : {fmt(y)}")
out = iter(run_driver(lines))
dev_u = dev_exact = dev_asym = 0.0
n_exact = n_asym = n_auto = 0
auto_wrong = 0
perm_cases = []
for x, y, ties in cases:
    got = {}
    for m in ("auto", "exact", "asymptotic"):
        line = next(out)
        if line.startswith("error"):
            got[m] = None
            continue
        u, p, exact, t = line.split()
        got[m] = (float(u), float(p), exact == "1", t == "1")
    has_ties = len(np.unique(np.concatenate([x, y]))) < len(x) + len(y)
    ref_asym = stats.mannwhitneyu(x, y, method="asymptotic", use_continuity=True)
    dev_u = max(dev_u, abs(got["asymptotic"][0] - ref_asym.statistic))
    dev_asym = max(dev_asym, rel(got["asymptotic"][1], ref_asym.pvalue))
    n_asym += 1
    # SciPy's "auto": exact when min(n1, n2) <= 8 and there are no ties
    want_exact = min(len(x), len(y)) <= 8 and not has_ties
    auto_wrong += got["auto"][2] != want_exact or got["auto"][3] != has_ties
    n_auto += 1
    if not has_ties and min(len(x), len(y)) <= 8:
        ref = stats.mannwhitneyu(x, y, method="exact")
        dev_u = max(dev_u, abs(got["exact"][0] - ref.statistic))
        dev_exact = max(dev_exact, rel(got["exact"][1], ref.pvalue))
        n_exact += 1
    if has_ties:
        perm_cases.append((x, y, got["auto"][1]))
report("Mann-Whitney U statistic vs scipy", n_asym, dev_u, 0)
report("MWU exact p (no ties, min n <= 8) vs scipy", n_exact, dev_exact, 1e-12, " rel")
report("MWU asymptotic p (tie+continuity) vs scipy", n_asym, dev_asym, 1e-9, " rel")
report("MWU auto method choice vs scipy's rule", n_auto, auto_wrong, 0)


# Ties: SciPy's exact method assumes none, so the reference is the exact
# (or, past 10,000 arrangements, a 5,000-resample) permutation test of U.
def u_stat(x, y, axis=-1):
    xy = np.concatenate([x, y], axis=axis)
    r = stats.rankdata(xy, axis=axis)
    n1 = x.shape[axis]
    return r[..., :n1].sum(axis=axis) - n1 * (n1 + 1) / 2


bands = [(2, 4, 0.25), (5, 9, 0.10), (10, 60, 0.05)]  # min n a side: tolerance
devs = [0.0] * len(bands)
counts = [0] * len(bands)
for k, (x, y, p) in enumerate(perm_cases[::2]):
    n1, n2 = len(x), len(y)
    narr = comb(n1 + n2, n1, exact=True)
    res = stats.permutation_test((x, y), u_stat, permutation_type="independent",
                                 vectorized=True, n_resamples=narr if narr <= 10000 else 5000,
                                 alternative="two-sided", random_state=SEED + k)
    for b, (lo, hi, _) in enumerate(bands):
        if lo <= min(n1, n2) <= hi:
            devs[b] = max(devs[b], abs(p - res.pvalue))
            counts[b] += 1
# The normal approximation's own error dominates for small samples (it is
# an approximation of this very distribution, and a coarse one at 2-4 a
# side); past 10 a side it is close, within the Monte Carlo error of 5,000
# resamples (sd <= 0.007).
for (lo, hi, tol), d, c in zip(bands, devs, counts):
    report(f"MWU ties (asymptotic) vs permutation, n {lo}-{hi}", c, d, tol, " abs")

# ---- Holm (statsmodels' definition, textbook implementation) ----


def holm_ref(p):
    p = np.asarray(p, dtype=float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    adj = np.empty(m)
    run = 0.0
    for k, i in enumerate(order):
        run = max(run, (m - k) * p[i])
        adj[i] = min(run, 1.0)
    return adj


known = [0.01, 0.04, 0.03, 0.005, 0.5, 0.04, 0.0001, 0.2, 1.0, 0.0]
# worked by hand: sorted 0, 1e-4, .005, .01, .03, .04, .04, .2, .5, 1
# times 10..1: 0, 9e-4, .04, .07, .18, .2, .16 -> .2, .6, 1 -> 1, 1
known_adj = [0.07, 0.2, 0.18, 0.04, 1.0, 0.2, 0.0009, 0.6, 1.0, 0.0]
sets = [known] + [list(rng.uniform(0, 0.1, size=int(rng.integers(1, 40))) ** 2) for _ in range(50)]
sets += [[0.5] * 5, [0.0] * 3, [1.0], [0.3, 0.3, 0.001]]
lines = [f"holm : {fmt(s)}" for s in sets]
dev = 0.0
for k, (line, s) in enumerate(zip(run_driver(lines), sets)):
    got = [float(v) for v in line.split()]
    dev = max(dev, max(rel(g, r) for g, r in zip(got, holm_ref(s))))
    if k == 0:
        dev = max(dev, max(rel(g, r) for g, r in zip(got, known_adj)) / 1e3)
report("Holm adjusted p vs textbook implementation", len(sets), dev, 1e-12, " rel")

# ---- the order-statistic CI of the median (exact binomial) ----
lines, refs = [], []
for n in list(range(1, 61)) + [100, 200, 1000, 5001]:
    x = np.sort(sample(n, True))
    lines.append(f"ci_order 0.95 : {fmt(x)}")
    # the largest l with 2 P(K <= l-1) <= 0.05, K ~ Bin(n, 1/2)
    l = 0
    while l + 1 <= n // 2 and 2 * stats.binom.cdf(l, n, 0.5) <= 0.05:
        l += 1
    cov = 1 - 2 * stats.binom.cdf(l - 1, n, 0.5) if l else 1 - 2.0 ** (1 - n)
    refs.append((l, cov, x))
bad = 0
dev = 0.0
for line, (l, cov, x) in zip(run_driver(lines), refs):
    lo_rank, hi_rank, lo, hi, c = line.split()
    want = (l, len(x) + 1 - l) if l else (1, len(x))
    bad += (int(lo_rank), int(hi_rank)) != want
    bad += float(lo) != x[want[0] - 1] or float(hi) != x[want[1] - 1]
    dev = max(dev, abs(float(c) - cov))
report("order-statistic CI ranks vs scipy.stats.binom", len(lines), bad, 0)
report("order-statistic CI coverage vs scipy.stats.binom", len(lines), dev, 1e-12, " abs")

# ---- the bootstrap: reproducible from its seed, close to SciPy's ----
lines = []
data = []
for k in range(6):
    x = np.sort(sample(200, k % 2 == 1))
    y = np.sort(sample(200, k % 2 == 1) * 1.03)
    data.append((x, y))
    lines.append(f"boot 10000 0.95 {k + 1} : {fmt(x)}")
    lines.append(f"bootdiff 10000 0.95 {k + 1} : {fmt(x)} : {fmt(y)}")
first, second = run_driver(lines), run_driver(lines)
report("bootstrap: same seed, same output (bytes)", len(lines), sum(a != b for a, b in
                                                                  zip(first, second)), 0)
other = run_driver([line.replace(" 0.95 ", " 0.95 9", 1) for line in lines])
report("bootstrap: another seed, another output", len(lines),
       sum(a == b for a, b in zip(first, other)), len(lines) // 2)
dev1 = dev2 = 0.0
for k, (x, y) in enumerate(data):
    iqr = np.subtract(*np.quantile(x, [0.75, 0.25]))
    ref1 = stats.bootstrap((x,), np.median, n_resamples=10000, method="percentile",
                           random_state=SEED + k).confidence_interval
    ref2 = stats.bootstrap((x, y), lambda a, b, axis=-1: np.median(b, axis=axis) -
                           np.median(a, axis=axis), n_resamples=10000, method="percentile",
                           random_state=SEED + k).confidence_interval
    g1 = [float(v) for v in first[2 * k].split()[2:4]]
    g2 = [float(v) for v in first[2 * k + 1].split()[2:4]]
    dev1 = max(dev1, abs(g1[0] - ref1.low) / iqr, abs(g1[1] - ref1.high) / iqr)
    dev2 = max(dev2, abs(g2[0] - ref2.low) / iqr, abs(g2[1] - ref2.high) / iqr)
report("bootstrap CI of the median vs scipy (n=200)", len(data), 100 * dev1, 5, "% of IQR")
report("bootstrap CI of the difference vs scipy", len(data), 100 * dev2, 5, "% of IQR")

# ---- outliers: the modified z-score, written again in numpy ----


def outliers_ref(x):
    med = np.median(x)
    mad = np.median(np.abs(x - med))
    if mad > 0:
        z = 0.6745 * (x - med) / mad
    else:
        mean_ad = np.mean(np.abs(x - med))
        z = (x - med) / (1.253314 * mean_ad) if mean_ad > 0 else np.zeros_like(x)
    return np.abs(z) > 3.5


lines, refs = [], []
for n in range(1, 61):
    x = sample(n, True)
    if n % 3 == 0:
        x[0] *= 1.8  # a starved run
    if n % 5 == 0:
        x[:] = x[0]
        x[-1] *= 1.5  # MAD = 0
    lines.append(f"outliers : {fmt(x)}")
    refs.append(outliers_ref(x))
bad = 0
for line, ref in zip(run_driver(lines), refs):
    v = [int(t) for t in line.split()]
    bad += v[0] != int(ref.sum()) or any(bool(a) != bool(b) for a, b in zip(v[1:], ref))
report("outlier flags vs numpy modified z-score", len(lines), bad, 0)

if failures:
    print(f"{len(failures)} check(s) failed: {', '.join(failures)}")
    sys.exit(1)
print("all checks passed")
