#!/usr/bin/env bash
# scripts/readme-figure.sh, which draws the README's figure, works from a
# session already made (the real 5-run session tests/data/linux-session-5):
# it picks the run with the median total, and the figure it writes is an
# SVG that parses, shows the boot's phases and names that run. The same
# session gives the same bytes twice.
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?BOOTLENS_TEST_DATA must name tests/data}"
: "${BOOTLENS_SRC:?BOOTLENS_SRC must name the source tree}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
session=$BOOTLENS_TEST_DATA/linux-session-5
fail=0

for i in 1 2; do
	BOOTLENS=$BOOTLENS BOOTLENS_FIGURE_OUT=$tmp/fig$i.svg \
		bash "$BOOTLENS_SRC/scripts/readme-figure.sh" "$session" >"$tmp/out$i" 2>"$tmp/err$i" || {
		echo "FAIL: readme-figure.sh exited $?:"
		cat "$tmp/err$i"
		exit 1
	}
done
# The median total's run, computed here from the aggregate's own JSON.
want=$("$BOOTLENS" analyze --format json "$session" 2>/dev/null | /usr/bin/python3 -c '
import json, sys
runs = sorted((r["total_ns"], r["run"]) for r in json.load(sys.stdin)["runs"]
              if r.get("in_aggregate") and r.get("total_ns") is not None)
print(runs[(len(runs) - 1) // 2][1])')
if ! grep -q ": run $want of linux-session-5$" "$tmp/out1"; then
	echo "FAIL: readme-figure.sh did not draw run $want (the median total):"
	cat "$tmp/out1"
	fail=1
fi
/usr/bin/python3 - "$tmp/fig1.svg" "$want" <<'PY' || fail=1
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
text = {"".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")}
flat = " ".join(text)
missing = [n for n in ("phases", "initcalls", "qemu", "power-off", "time since QEMU's spawn")
           if n not in flat]
if missing or ("run %s of bootlens demo" % sys.argv[2]) not in flat:
    print("FAIL: the figure lacks", missing or "its title naming run " + sys.argv[2])
    sys.exit(1)
PY
if ! cmp -s "$tmp/fig1.svg" "$tmp/fig2.svg"; then
	echo "FAIL: the same session drew two different SVGs"
	fail=1
fi
[ "$fail" = 0 ] && echo "readme-figure.sh: run $want drawn, SVG parses, deterministic"
exit "$fail"
