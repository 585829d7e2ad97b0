#!/usr/bin/env bash
# bootlens plot --exclude-starved: a session whose ok runs were all
# starved (linux-session-5 with every run given run 4's run delay) leaves
# nothing to draw, and every kind says why in one line; --run of a starved
# run is refused, the timeline draws the first ok run not starved.
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?BOOTLENS_TEST_DATA must name tests/data}"
. "$(dirname "$0")/lib/plot.sh"
plot_need_gnuplot

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
linux=$BOOTLENS_TEST_DATA/linux-session-5
cp -r "$linux" "$tmp/st"
/usr/bin/python3 - "$tmp/st" <<'PY'
import glob, json, sys
def walk(o):
    if isinstance(o, dict):
        if 'wall_ns' in o and 'cpu_ns' in o:
            o['sched'] = {"run_delay_ns": 400000000, "on_cpu_ns": 2100000000,
                          "threads": 3, "samples": 68}
        for v in o.values():
            walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
for p in glob.glob(sys.argv[1] + '/runs/*.json'):
    j = json.load(open(p))
    walk(j)
    json.dump(j, open(p, 'w'), indent=4)
PY

for k in phases distribution ecdf timeline; do
	plot_run "$tmp" "$BOOTLENS" plot $k st --exclude-starved -o $k.svg
	plot_expect_error 2 "bootlens: plot: $k: all 5 runs of default left out as starved" "$k, all starved"
done
# without --exclude-starved they are drawn
plot_run "$tmp" "$BOOTLENS" plot phases st -o drawn.svg
[ "$rc" = 0 ] || plot_fail "starved runs not drawn by default: exit $rc: $err"

# linux-session-5's run 4 is starved: --run 4 refused, the first ok run drawn
plot_run "$tmp" "$BOOTLENS" plot timeline "$linux" --exclude-starved --run 4 -o t.svg
plot_expect_error 2 "bootlens: plot: timeline: run 4 of '$linux' was starved by the host: --exclude-starved leaves it out" \
	"timeline --run 4 --exclude-starved"
echo "plot_starved: ok"
