#!/usr/bin/env bash
# analyzer/stats.c checked against an independent implementation: numpy's
# quantiles, SciPy's Mann-Whitney U, permutation test, binomial and
# bootstrap, and a textbook Holm, on seeded random data with ties and
# sample sizes 2 to 60 (tests/stats/reference.py; docs/statistics.md,
# "How it is checked"). Debian's python3-scipy and python3-numpy, through
# /usr/bin/python3: the python3 first on PATH may not see Debian's modules.
# Skipped (77) when they are missing.
# timeout: 300
set -euo pipefail

src=${BOOTLENS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${BOOTLENS_BUILD:-$src/build}
driver=$build/tests/stats_driver
py=/usr/bin/python3

if ! [ -x "$py" ] || ! "$py" -c 'import numpy, scipy.stats' 2>/dev/null; then
	echo "skipped: $py cannot import numpy and scipy (apt-get install python3-scipy python3-numpy)" >&2
	exit "${BOOTLENS_SKIP_RC:-77}"
fi
if ! [ -x "$driver" ]; then
	echo "stats_scipy: no driver at $driver (build the stats_driver target)" >&2
	exit 1
fi
"$py" -c 'import numpy, scipy; print("numpy", numpy.__version__, "scipy", scipy.__version__)'
exec "$py" "$src/tests/stats/reference.py" "$driver"
