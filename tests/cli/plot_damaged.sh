#!/usr/bin/env bash
# bootlens plot on a damaged session (plot.h: damage inside a session is
# a failed run of its group): a copy of tests/data/linux-session-5 whose
# run 4 capture is gone and whose run 2 run file is garbage. Every kind
# is drawn (exit 0) from the runs left, the note names run 4's missing
# capture on stderr and in the SVG, the timeline draws the first ok run
# and refuses --run 4 (not an ok run) in one line; with every capture
# gone, one line and exit 2.
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?BOOTLENS_TEST_DATA must name tests/data}"
. "$(dirname "$0")/lib/plot.sh"

plot_need_gnuplot
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$BOOTLENS_TEST_DATA/linux-session-5" "$tmp/s"
rm "$tmp/s/runs/0004.console"
printf 'garbage{{\n' >"$tmp/s/runs/0002.json"
damage="default: run 4: cannot read its capture: No such file or directory"

for k in phases distribution ecdf timeline; do
	mkdir -p "$tmp/$k"
	plot_run "$tmp/$k" "$BOOTLENS" plot "$k" "$tmp/s" -o "$tmp/$k/fig.svg"
	[ "$rc" = 0 ] || plot_fail "$k of a damaged session: exit $rc: $err"
	plot_check_files "$tmp/$k" svg "$k"
done
for k in phases distribution ecdf; do
	plot_run "$tmp/$k" "$BOOTLENS" plot "$k" "$tmp/s" -o "$tmp/$k/fig.svg"
	grep -qxF "bootlens: plot: note: $damage" <<<"$err" || plot_fail "$k: stderr names no damage: $err"
done
plot_svg_has "$tmp/phases/fig.svg" "phases of a damaged session" "$damage" \
	"default: 3 failed runs left out (3 ok)"
plot_svg_has "$tmp/timeline/fig.svg" "timeline of a damaged session" "s:default, run 1"
plot_run "$tmp" "$BOOTLENS" plot timeline "$tmp/s" --run 4 -o "$tmp/t4.svg"
plot_expect_error 2 "bootlens: plot: timeline: run 4 of '$tmp/s' is not an ok run (cannot read its capture: No such file or directory)" "timeline --run 4"

# every capture gone: nothing to draw, one line, exit 2
rm "$tmp/s/runs/"*.console
plot_run "$tmp" "$BOOTLENS" plot phases "$tmp/s" -o "$tmp/none.svg"
plot_expect_error 2 "bootlens: plot: phases: no phase is available in the inputs" "no capture left"
plot_run "$tmp" "$BOOTLENS" plot timeline "$tmp/s" -o "$tmp/none.svg"
plot_expect_error 2 "bootlens: plot: timeline: no ok run in '$tmp/s'" "timeline, no capture left"
# a truncated capture FILE (a real console cut at 40 KB): drawn, the note says so
head -c 40000 "$BOOTLENS_TEST_DATA/linux-session-5/runs/0001.console" >"$tmp/trunc.console"
plot_run "$tmp" "$BOOTLENS" plot phases trunc.console -o trunc.svg
[ "$rc" = 0 ] || plot_fail "truncated capture: exit $rc: $err"
grep -qx "bootlens: plot: note: trunc.console: dump truncated (no end marker): its phases may be short" <<<"$err" ||
	plot_fail "truncated capture: no note of it: $err"
echo "plot_damaged: ok"
