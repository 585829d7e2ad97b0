#!/usr/bin/env bash
# Make the one figure the README shows: the timeline of one real boot of
# Debian's cloud kernel, profiled by `bootlens demo` (5 boots; the figure
# is the run with the median total), written to docs/demo-timeline.svg
# (its .gp and .dat are drawn beside it in a temporary directory and not
# kept: `bootlens plot timeline SESSION --run N -o FILE` makes them).
#
#   bash scripts/readme-figure.sh            boot the demo, then draw
#   bash scripts/readme-figure.sh SESSION    draw from a session already made
#
# BOOTLENS_FIGURE_OUT=FILE writes elsewhere (the test does: tests/cli/
# readme_figure.sh). Needs a build (bash scripts/setup.sh). The SVG is the one generated file
# the repository keeps; commit it when it changes.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bootlens=${BOOTLENS:-$here/build/cli/bootlens}
[ -x "$bootlens" ] || { echo "readme-figure.sh: no $bootlens (run bash scripts/setup.sh)" >&2; exit 2; }
case "${1:-}" in
-h | --help)
	sed -n '2,11s/^# \{0,1\}//p' "$0"
	exit 0
	;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ $# -ge 1 ]; then
	session=$(cd "$1" && pwd)
else
	(cd "$work" && "$bootlens" demo >demo.out)
	session=$work/$(tail -n 1 "$work/demo.out")
fi
# The run whose total is the median of the ok runs (the lower middle one
# for an even count), from the session's own analysis.
run=$("$bootlens" analyze --format json "$session" |
	/usr/bin/python3 -c '
import json, sys
doc = json.load(sys.stdin)
runs = [(r["total_ns"], r["run"]) for r in doc["runs"] if r.get("in_aggregate") and r.get("total_ns") is not None]
runs.sort()
print(runs[(len(runs) - 1) // 2][1])')
# Drawn in the work directory under its final name, so that the script
# names its files as they will be kept.
"$bootlens" plot timeline "$session" --run "$run" --title "one boot of Debian's cloud kernel under QEMU -M microvm (TCG), run $run of bootlens demo" \
	-o "$work/demo-timeline.svg"
out=${BOOTLENS_FIGURE_OUT:-$here/docs/demo-timeline.svg}
cp "$work/demo-timeline.svg" "$out"
echo "$out: run $run of $(basename "$session")"
