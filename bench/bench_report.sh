#!/usr/bin/env bash
# bench_report: the time of "bootlens report" on a 50-run session (issue
# 12: under 10 s here). The session is made from the five real ok runs of
# tests/data/linux-session-5 (TCG boots of Debian's cloud kernel), copied
# in turn as runs 1..N and renumbered (each run file's "run" and its
# capture names), with session.json's plan and settings.runs set to N.
# Prints the report's own summary line (figures, gnuplot runs started:
# gp_runs()) and the wall time of html and of md, each the best of R runs.
# Usage: bench/bench_report.sh [BOOTLENS [N [R]]]
set -euo pipefail
bootlens=${1:-build/cli/bootlens}
n=${2:-50}
reps=${3:-3}
src=$(cd "$(dirname "$0")/.." && pwd)/tests/data/linux-session-5
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$py" - "$src" "$tmp/s" "$n" <<'PY'
import json, os, shutil, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(dst + "/runs")
s = json.load(open(src + "/session.json"))
s["settings"]["runs"] = n
s["plan"] = [{"run": i, "variant": "default", "warmup": False} for i in range(1, n + 1)]
json.dump(s, open(dst + "/session.json", "w"), indent=2)
for i in range(1, n + 1):
    k = (i - 1) % 5 + 1
    r = json.load(open("%s/runs/%04d.json" % (src, k)))
    r["run"] = i
    for a in r["attempts"]:
        for key, name in list(a.get("files", {}).items()):
            a["files"][key] = name.replace("%04d" % k, "%04d" % i)
    json.dump(r, open("%s/runs/%04d.json" % (dst, i), "w"), indent=2)
    for ext in ("console", "serial"):
        f = "%s/runs/%04d.%s" % (src, k, ext)
        if os.path.exists(f):
            shutil.copy(f, "%s/runs/%04d.%s" % (dst, i, ext))
PY
"$bootlens" analyze "$tmp/s" 2>/dev/null | sed -n 1p
for fmt in html md; do
	best=
	for _ in $(seq "$reps"); do
		rm -rf "$tmp/out"
		t0=$(date +%s.%N)
		"$bootlens" report --format "$fmt" -o "$tmp/out" "$tmp/s" >"$tmp/stdout" 2>"$tmp/stderr"
		t1=$(date +%s.%N)
		t=$(echo "$t1 - $t0" | bc)
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" -eq 1 ]; then best=$t; fi
	done
	printf 'report --format %s, %d runs: %.3f s (best of %d); %s\n' "$fmt" "$n" "$best" "$reps" \
		"$(head -n 1 "$tmp/stdout")"
done
