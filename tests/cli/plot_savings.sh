#!/usr/bin/env bash
# timeout: 300
# bootlens plot savings SWEEP-SESSION (docs/plot.md, "Sweeps"): the each
# and the cumulative sweep fixtures (tests/data/sweep-fig) on every
# terminal and --mono: fig.gp and fig.dat beside the figure, the SVG
# parses as XML and shows every knob with its saving and CI, sorted by
# saving (descending), the broken knob last as "broken (5 of 5 crash)";
# -o - draws dumb on standard output; hostile text in the title and the
# note is shown as it is; two inputs and a session that is no sweep are
# refused in one line, exit 2. A host-timed knob (tests/data/sweep/each) says so.
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
		plot_run "$d" "$BOOTLENS" plot savings "$each" -o "$d/fig.$t" $mono
		[ "$rc" = 0 ] || plot_fail "savings $t $mono: exit $rc: $err"
		plot_check_files "$d" "$t" "savings $t $mono"
	done
done
plot_svg_has "$tmp/svg/fig.svg" "savings (each): knobs, savings, broken" \
	"what each knob saves alone: each (each)" \
	no-kprobe-delay userinit-boots kprobe-delay-back noacpi \
	"40.4 ms [38.2, 42.5] (1.1%)" "22.6 ms [${minus}137.4, 348.9] (0.6%)" \
	"0.71 ms [${minus}3.55, 2.84] (0.0%)" "broken (5 of 5 crash)" \
	"saving (ms): the reference's median total - the knob's; > 0: faster"
plot_rerun_identical "$tmp/svg" "savings svg"
# sorted by saving, descending; the broken knob last
order=$(sed -n "s/^set label '\([^']*\)' at graph 0, first \([0-9]*\) right.*/\2 \1/p" "$tmp/svg/fig.gp" |
	sort -n | cut -d' ' -f2 | tr '\n' ' ')
[ "$order" = "no-kprobe-delay userinit-boots kprobe-delay-back noacpi " ] ||
	plot_fail "savings: rows not sorted by saving, broken last: $order"
! grep -q 'ytics (' "$tmp/svg/fig.gp" || plot_fail "savings: tic labels in the script"
! grep -v '^#' "$tmp/svg/fig.dat" | grep -q '[A-Za-z]' || plot_fail "savings: words in the .dat"

# cumulative: each step against the one before
mkdir -p "$tmp/c"
plot_run "$tmp/c" "$BOOTLENS" plot savings "$cum" -o "$tmp/c/fig.svg"
[ "$rc" = 0 ] || plot_fail "savings of a cumulative sweep: exit $rc: $err"
plot_svg_has "$tmp/c/fig.svg" "savings (cumulative)" \
	"what each step saved against the one before: cumulative (cumulative)" \
	"40.4 ms [38.2, 42.5] (1.1%)" "${minus}17.8 ms [${minus}177.8, 308.6] (${minus}0.5%)" \
	"not compared: noacpi is broken" "broken (5 of 5 crash)"

# a host-timed knob (tests/data/sweep/each, the sweep command's fixture)
if [ -d "$BOOTLENS_TEST_DATA/sweep/each" ]; then
	mkdir -p "$tmp/ht"
	plot_run "$tmp/ht" "$BOOTLENS" plot savings "$BOOTLENS_TEST_DATA/sweep/each" -o "$tmp/ht/fig.svg"
	[ "$rc" = 0 ] || plot_fail "savings of sweep/each: exit $rc: $err"
	plot_svg_has "$tmp/ht/fig.svg" "savings: the host-timed knob" "instrumentation (host-timed)" \
		"broken (8 of 8 crash)"
fi

# -o -: dumb on standard output
mkdir -p "$tmp/o"
plot_run "$tmp/o" "$BOOTLENS" plot savings "$each" -o -
[ "$rc" = 0 ] || plot_fail "savings -o -: exit $rc: $err"
grep -q "no-kprobe-delay" <<<"$out" || plot_fail "savings -o -: no knob on standard output"
[ -z "$(ls "$tmp/o")" ] || plot_fail "savings -o -: files left in the working directory"

# hostile text: the session's name and the last failed run's reason
hs="$tmp/sw %'<&\`touch pwned\`"
cp -r "$each" "$hs"
/usr/bin/python3 - "$hs/runs/0024.json" <<'PY'
import json, sys
p = sys.argv[1]
r = json.load(open(p))
r["reason"] = r["attempts"][0]["reason"] = "panic <b>100%</b> 'x' `touch pwned2`"
json.dump(r, open(p, "w"), indent=2)
PY
mkdir -p "$tmp/h"
plot_run "$tmp/h" "$BOOTLENS" plot savings "$hs" -o "$tmp/h/fig.svg"
[ "$rc" = 0 ] || plot_fail "savings of a hostile session: exit $rc: $err"
plot_svg_has "$tmp/h/fig.svg" "savings: hostile text as it is" \
	"what each knob saves alone: sw %'<&\`touch pwned\` (each)" \
	"noacpi: broken (5 of 5 crash): see runs/0024.serial, panic <b>100%</b> 'x' \`touch pwned2\`"
[ ! -e "$tmp/h/pwned" ] && [ ! -e "$tmp/h/pwned2" ] || plot_fail "savings: a backquote ran a command"

# --by guest: the guest's clock at the dump, the host-timed knob left out
# and said (tests/data/sweep/each: real Linux dumps with uptime_ns)
if [ -d "$BOOTLENS_TEST_DATA/sweep/each" ]; then
	mkdir -p "$tmp/g"
	plot_run "$tmp/g" "$BOOTLENS" plot savings "$BOOTLENS_TEST_DATA/sweep/each" --by guest -o "$tmp/g/fig.svg"
	[ "$rc" = 0 ] || plot_fail "savings --by guest: exit $rc: $err"
	grep -q "median guest time at the dump - the knob" "$tmp/g/fig.gp" ||
		plot_fail "savings --by guest: the axis does not name the guest's clock"
	grep -q "instrumentation: host-timed, not on the guest's clock: left out" <<<"$err" ||
		plot_fail "savings --by guest: the host-timed knob not said left out: $err"
	! grep -q "instrumentation (host-timed)" "$tmp/g/fig.gp" ||
		plot_fail "savings --by guest: the host-timed knob drawn"
fi

# refusals
mkdir -p "$tmp/e"
plot_run "$tmp/e" "$BOOTLENS" plot phases "$each" --by guest -o fig.svg
plot_expect_error 2 "bootlens: plot: --by is for the sweep figures (waterfall, savings)" "--by on phases"
plot_run "$tmp/e" "$BOOTLENS" plot savings "$each" --by wall -o fig.svg
plot_expect_error 2 "bootlens: plot: --by wants total, cpu or guest, not 'wall'" "--by wall"
plot_run "$tmp/e" "$BOOTLENS" plot savings "$cum" "$each" -o fig.svg
plot_expect_error 2 "bootlens: plot: savings wants one sweep session" "savings of two inputs"
plot_run "$tmp/e" "$BOOTLENS" plot savings "$tmp/none" -o fig.svg
[ "$rc" = 2 ] && [ "$(wc -l <<<"$err")" = 1 ] && grep -q "^bootlens: plot: savings: .*none" <<<"$err" ||
	plot_fail "savings of no session: exit $rc, not one line naming it: $err"
echo "plot_savings: ok"
