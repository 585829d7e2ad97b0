#!/bin/bash
# The aggregate of a session (docs/analyze.md, "Aggregate") against numpy:
# on tests/data/linux-session-5 (5 ok runs, linux-session-5/PROVENANCE.md),
# every metric's presence count, median, q25, q75, p10, p90, min and max
# recomputed with numpy.quantile (type 7, numpy's default) from each run's
# own analysis in the same JSON document: its total_ns, its phases'
# duration_ns and its initcalls (--top 1000 lists all of them). Skipped
# (77) without Debian's numpy (called through /usr/bin/python3).
set -euo pipefail
: "${BOOTLENS:?}" "${BOOTLENS_TEST_DATA:?}"
py=/usr/bin/python3
if ! [ -x "$py" ] || ! "$py" -c 'import numpy' 2>/dev/null; then
	echo "aggregate numpy: no numpy for /usr/bin/python3, skipped"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$BOOTLENS" analyze --format json --top 1000 "$BOOTLENS_TEST_DATA/linux-session-5" \
	>"$tmp/j" 2>/dev/null
"$py" - "$tmp/j" <<'PY'
import json, sys
import numpy as np

doc = json.load(open(sys.argv[1]))
runs = [r for r in doc["runs"] if r["in_aggregate"]]
values = {}
for r in runs:
    vals = {}
    if r.get("total_ns") is not None:
        vals["total"] = r["total_ns"]
    for p in r["phases"]:
        if p["available"] and p.get("duration_ns") is not None:
            vals["phase:" + p["name"]] = p["duration_ns"]
    for ic in r["initcalls"]["slowest"]:
        k = "fn:" + ic["name"]
        vals[k] = vals.get(k, 0) + ic["total_ns"]
    for k, v in vals.items():
        values.setdefault(k, []).append(float(v))
agg = doc["aggregates"][0]
checked = bad = 0
for m in agg["metrics"]:
    if m["name"] not in values:
        continue
    x = np.array(values[m["name"]])
    checked += 1
    if m["runs"] != len(runs) or m["present"] != len(x):
        print("FAIL: %s: present %d/%d, numpy %d/%d" % (m["name"], m["present"], m["runs"], len(x), len(runs)))
        bad += 1
        continue
    for key, p in (("median_ns", .5), ("q25_ns", .25), ("q75_ns", .75), ("p10_ns", .1),
                   ("p90_ns", .9), ("min_ns", 0), ("max_ns", 1)):
        want = float(np.quantile(x, p))
        if m[key] != want:
            print("FAIL: %s %s: %r, numpy %r" % (m["name"], key, m[key], want))
            bad += 1
if checked < 500:
    print("FAIL: only %d metrics checked" % checked)
    bad += 1
print("aggregate numpy: %d metrics of %d runs checked, %d differences" % (checked, len(runs), bad))
sys.exit(1 if bad else 0)
PY
