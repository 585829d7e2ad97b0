#!/usr/bin/env bash
# timeout: 300
# bootlens plot waterfall SWEEP-SESSION (docs/plot.md, "Sweeps"): the
# cumulative sweep fixture (tests/data/sweep-fig/cumulative) on every
# terminal, and --mono: the figure with fig.gp and fig.dat beside it, the
# SVG parses as XML and shows the step names under the bars, each step's
# change with its CI, the broken step's marker and counts, the final
# total; gnuplot re-run on the .gp draws the same SVG. Hostile text (the
# session directory's name in the title, a run's reason in the note,
# with % ' < & and a backquote) is shown as it is and runs nothing. An
# each sweep, two inputs, a session that is no sweep are refused in one
# line, exit 2.
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?BOOTLENS_TEST_DATA must name tests/data}"
. "$(dirname "$0")/lib/plot.sh"

plot_need_gnuplot
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cum=$BOOTLENS_TEST_DATA/sweep-fig/cumulative
each=$BOOTLENS_TEST_DATA/sweep-fig/each
minus=$'\xe2\x88\x92'

for t in svg png pdf eps tex txt; do
	for mono in "" --mono; do
		d=$tmp/$t$mono
		mkdir -p "$d"
		plot_run "$d" "$BOOTLENS" plot waterfall "$cum" -o "$d/fig.$t" $mono
		[ "$rc" = 0 ] || plot_fail "waterfall $t $mono: exit $rc: $err"
		plot_check_files "$d" "$t" "waterfall $t $mono"
	done
done
svg=$tmp/svg/fig.svg
plot_svg_has "$svg" "waterfall: names, changes, broken, final" \
	"median total boot time, step by step: cumulative (cumulative)" \
	base no-kprobe-delay userinit-boots noacpi kprobe-delay-back final \
	"3581.2 ms" "${minus}40.4 ms" "[${minus}42.5, ${minus}38.2]" "+17.8 ms" \
	"[${minus}308.6, +177.8]" broken "5 of 5 crash" "not compared" "3580.5 ms" \
	"overall ${minus}0.71 ms" "[${minus}2.84, +3.55]" \
	"noacpi: broken (5 of 5 crash): see runs/0024.serial, qemu exited with status 1 before a dump" \
	"kprobe-delay-back: not compared: its reference noacpi is broken"
plot_rerun_identical "$tmp/svg" "waterfall svg"
# the names are labels, never tic labels (a % in a tic label is a format)
grep -q "^set label 'no-kprobe-delay' at first 1, graph 0" "$tmp/svg/fig.gp" ||
	plot_fail "waterfall: the step's name is no label under its bar"
! grep -q 'xtics (' "$tmp/svg/fig.gp" || plot_fail "waterfall: tic labels in the script"
# the .dat holds numbers only
! grep -v '^#' "$tmp/svg/fig.dat" | grep -q '[A-Za-z]' || plot_fail "waterfall: words in the .dat"

# hostile text: a session directory named with % ' < & and a backquote, a
# crash reason holding them (the note names the last failed run's)
hs="$tmp/sw %'<&\`touch pwned\`"
cp -r "$cum" "$hs"
/usr/bin/python3 - "$hs/runs/0024.json" <<'PY'
import json, sys
p = sys.argv[1]
r = json.load(open(p))
r["reason"] = r["attempts"][0]["reason"] = "panic <b>100%</b> 'x' `touch pwned2` $(id)"
json.dump(r, open(p, "w"), indent=2)
PY
mkdir -p "$tmp/h"
plot_run "$tmp/h" "$BOOTLENS" plot waterfall "$hs" -o "$tmp/h/fig.svg"
[ "$rc" = 0 ] || plot_fail "waterfall of a hostile session: exit $rc: $err"
# the notes on standard error too, through the terminal's escaping
grep -qxF "bootlens: plot: note: kprobe-delay-back: not compared: its reference noacpi is broken" \
	<<<"$err" || plot_fail "waterfall: the note is not on standard error: $err"
plot_check_files "$tmp/h" svg "waterfall hostile"
plot_svg_has "$tmp/h/fig.svg" "waterfall: hostile text as it is" \
	"median total boot time, step by step: sw %'<&\`touch pwned\` (cumulative)" \
	"noacpi: broken (5 of 5 crash): see runs/0024.serial, panic <b>100%</b> 'x' \`touch pwned2\` \$(id)"
[ ! -e "$tmp/h/pwned" ] && [ ! -e "$tmp/h/pwned2" ] && [ ! -e pwned2 ] ||
	plot_fail "waterfall: a backquote in a name ran a command"
grep -qF "step by step: sw %''<&\`touch pwned\` (cumulative)'" "$tmp/h/fig.gp" ||
	plot_fail "waterfall: the title is not one single-quoted string, its quote doubled"

# refusals
mkdir -p "$tmp/e"
plot_run "$tmp/e" "$BOOTLENS" plot waterfall "$each" -o fig.svg
plot_expect_error 2 "bootlens: plot: waterfall: 'each' is an each sweep (every knob against the baseline, no chain of steps): try 'bootlens plot savings $each'" "waterfall of an each sweep"
plot_run "$tmp/e" "$BOOTLENS" plot waterfall "$cum" "$each" -o fig.svg
plot_expect_error 2 "bootlens: plot: waterfall wants one sweep session" "waterfall of two inputs"
plot_run "$tmp/e" "$BOOTLENS" plot waterfall "$BOOTLENS_TEST_DATA/linux-session-5" -o fig.svg
[ "$rc" = 2 ] || plot_fail "waterfall of a session that is no sweep: exit $rc"
[ "$(wc -l <<<"$err")" = 1 ] && grep -q "^bootlens: plot: waterfall: .*linux-session-5" <<<"$err" ||
	plot_fail "waterfall of a session that is no sweep: not one line naming it: $err"
echo "plot_waterfall: ok"
