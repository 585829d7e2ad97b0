#!/usr/bin/env bash
# timeout: 300
# bootlens plot: every figure kind on every terminal (docs/plot.md), for a
# real session from TCG boots (tests/data/linux-session-5), for the
# FreeBSD sample capture (tests/data/samples) and, for delta, the compare
# fixtures (tests/data/compare/ab:base against ab:new). Checks the files:
# an SVG parses as XML and shows every phase name the figure draws; PNG,
# PDF and EPS have their magic bytes (PNG and PDF more than 5 KB); a
# cairolatex figure is a .tex and a .pdf; dumb is text; the .gp and .dat
# are beside the figure, and gnuplot re-run on the .gp in that directory
# draws a byte-identical SVG; two runs give byte-identical .gp, .dat and
# SVG. Kinds a capture FILE cannot give (ecdf: no host-timed total;
# delta: two sessions) fail with one clear line, exit 2.
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?BOOTLENS_TEST_DATA must name tests/data}"
. "$(dirname "$0")/lib/plot.sh"

plot_need_gnuplot
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
linux=$BOOTLENS_TEST_DATA/linux-session-5
bsd=$BOOTLENS_TEST_DATA/samples/freebsd15-firecracker-tslog-head.txt
ab=$BOOTLENS_TEST_DATA/compare/ab
linux_phases=(qemu firmware+entry "printk lag" "early kernel" initcalls "late init" "user space" power-off)
bsd_phases=(firmware early)
terms=(svg png pdf eps tex txt)

# draw NAME KIND EXT PHASES-VAR INPUT...: draw into $tmp/NAME/fig.EXT and
# check it; PHASES-VAR names the array of phase names the SVG must show
draw() {
	local name=$1 kind=$2 ext=$3 phases=$4 dir=$tmp/$1 f
	shift 4
	mkdir -p "$dir"
	plot_run "$dir" "$BOOTLENS" plot "$kind" "$@" -o "$dir/fig.$ext"
	[ "$rc" = 0 ] || plot_fail "$name: exit $rc: $err"
	plot_check_files "$dir" "$ext" "$name"
	if [ "$ext" = svg ]; then
		local -n want=$phases
		plot_svg_has "$dir/fig.svg" "$name" "${want[@]}"
		plot_rerun_identical "$dir" "$name"
		# a second run, elsewhere: the same bytes
		mkdir -p "$dir.again"
		plot_run "$dir.again" "$BOOTLENS" plot "$kind" "$@" -o "$dir.again/fig.svg"
		[ "$rc" = 0 ] || plot_fail "$name (again): exit $rc: $err"
		for f in fig.gp fig.dat fig.svg; do
			cmp -s "$dir/$f" "$dir.again/$f" || plot_fail "$name: $f differs between two runs"
		done
	fi
}

none=()
for t in "${terms[@]}"; do
	for k in phases distribution; do
		draw "linux-$k-$t" "$k" "$t" linux_phases "$linux"
		draw "bsd-$k-$t" "$k" "$t" bsd_phases "$bsd"
	done
	draw "linux-ecdf-$t" ecdf "$t" none "$linux"
	draw "linux-timeline-$t" timeline "$t" linux_phases "$linux"
	draw "bsd-timeline-$t" timeline "$t" bsd_phases "$bsd"
	draw "linux-timeline-run3-$t" timeline "$t" linux_phases "$linux" --run 3
	draw "delta-$t" delta "$t" linux_phases "$ab:base" "$ab:new"
	draw "mono-phases-$t" phases "$t" linux_phases "$linux" "$ab" --mono
done
for k in distribution ecdf; do
	draw "mono-$k-svg" "$k" svg none "$linux" "$ab" --mono
done
draw mono-delta-svg delta svg linux_phases "$ab:base" "$ab:new" --mono
draw mono-timeline-svg timeline svg linux_phases "$linux" --mono

# what the SVGs say besides the phases
plot_svg_has "$tmp/linux-phases-svg/fig.svg" "phases: the group and total" default "total (median) 3558.6 ms" \
	"the bar: the sum of the phases' medians; total (median): the median of the runs' host-timed totals"
plot_svg_has "$tmp/bsd-phases-svg/fig.svg" "phases: the note on a FILE" \
	"freebsd15-firecracker-tslog-head.txt: phases unavailable, left out: vmm, sysinit, rootfs+init, userland"
plot_svg_has "$tmp/linux-ecdf-svg/fig.svg" "ecdf: the variant" default
plot_svg_has "$tmp/linux-timeline-svg/fig.svg" "timeline: the rows, the run and a labelled initcall" \
	phases "initcalls, pid 1" "async 1" "linux-session-5:default, run 1" "initcalls 1518.9 ms" crypto_algapi_init
plot_svg_has "$tmp/linux-timeline-run3-svg/fig.svg" "timeline --run 3: the run" "linux-session-5:default, run 3"
plot_svg_has "$tmp/bsd-timeline-svg/fig.svg" "timeline of a FILE: the thread and its calls" \
	kernel hammer_time mi_startup "freebsd15-firecracker-tslog-head.txt"
plot_svg_has "$tmp/delta-svg/fig.svg" "delta: the verdicts and the slower function" \
	slower faster same inconclusive "fn init_kprobe_trace" "+40.4 ms" "minimum effect" \
	"same: the change is within the minimum effect (0.5 ms or 2% of BASE's median; the shaded band), its CI too; slower, faster: outside it and significant" \
	"change of median boot times: ab:base (BASE) to ab:new (NEW)"
# --mono delta: the whisker drawn black on a white halo (seen on black bars)
grep -q "xerrorbars lc rgb 'white' lw 4" "$tmp/mono-delta-svg/fig.gp" || plot_fail "mono delta: no halo under the whiskers"
grep -q "noenhanced" "$tmp/linux-phases-svg/fig.gp" || plot_fail "phases: no noenhanced in the script"
for f in "$tmp"/*/fig.gp; do
	if grep -qF -e "$tmp" -e "$BOOTLENS_TEST_DATA" "$f"; then
		plot_fail "$f names a path, not base names"
	fi
done

# kinds a capture FILE cannot give: one clear line, exit 2
plot_run "$tmp" "$BOOTLENS" plot ecdf "$bsd" -o "$tmp/e.svg"
plot_expect_error 2 "bootlens: plot: ecdf: no total boot time in the inputs (a capture FILE has no host-timed total; give a session)" "ecdf of a FILE"
plot_run "$tmp" "$BOOTLENS" plot delta "$bsd" "$bsd" -o "$tmp/d.svg"
plot_expect_error 2 "bootlens: plot: delta: wants two sessions (or SESSION:VARIANT), BASE and NEW, as 'bootlens compare'" "delta of FILEs"
plot_run "$tmp" "$BOOTLENS" plot delta "$ab:base" -o "$tmp/d.svg"
plot_expect_error 2 "bootlens: plot: delta: wants two sessions (or SESSION:VARIANT), BASE and NEW, as 'bootlens compare'" "delta of one session"
plot_run "$tmp" "$BOOTLENS" plot timeline "$linux" --run 6 -o "$tmp/t.svg"
plot_expect_error 2 "bootlens: plot: timeline: run 6 of '$linux' is not an ok run (timeout: no dump within 30 s)" "timeline of a failed run"

# dumb on standard output: the picture, and nothing left behind
before=$(ls "${TMPDIR:-/tmp}" | grep -c '^bootlens-plot-' || true)
plot_run "$tmp" "$BOOTLENS" plot phases "$linux" -o -
[ "$rc" = 0 ] || plot_fail "-o -: exit $rc: $err"
grep -q "initcalls" <<<"$out" || plot_fail "-o -: no picture on stdout"
after=$(ls "${TMPDIR:-/tmp}" | grep -c '^bootlens-plot-' || true)
[ "$before" = "$after" ] || plot_fail "-o -: left a temporary directory"
plot_run "$tmp" "$BOOTLENS" plot phases "$linux" -o - --terminal svg
plot_expect_error 2 "bootlens: plot: -o - draws on standard output with --terminal dumb only" "-o - with svg"

# --size in the terminal's unit, --font
plot_run "$tmp" "$BOOTLENS" plot phases "$linux" -o "$tmp/s.pdf" --size 4,2.5 --font "Serif,9"
[ "$rc" = 0 ] || plot_fail "--size on pdf: exit $rc: $err"
grep -q "^set terminal pdfcairo size 4in,2.5in font 'Serif,9' noenhanced" "$tmp/s.gp" ||
	plot_fail "--size 4,2.5 on pdf is not in inches: $(sed -n 3p "$tmp/s.gp")"
plot_run "$tmp" "$BOOTLENS" plot phases "$linux" -o "$tmp/s.txt" --size 100,30
grep -q "^set terminal dumb size 100,30 noenhanced" "$tmp/s.gp" || plot_fail "--size on dumb"

# distribution: every run shown; run 3's total 3718.6 ms is beyond the
# whisker but no MAD outlier (a cross), run 4's 3232.2 ms an outlier (a circle)
grep -qx "0 3718.603273 0" "$tmp/linux-distribution-svg/fig.dat" || plot_fail "distribution: the largest total is not drawn"
grep -qx "0 3232.249278 1" "$tmp/linux-distribution-svg/fig.dat" || plot_fail "distribution: the outlier is not drawn"
plot_svg_has "$tmp/linux-distribution-svg/fig.svg" "distribution: the legend of the points" \
	"every run beyond the whiskers is drawn: circles outliers (modified z-score > 3.5), crosses the other runs"

# paper and terminal sizes: a PDF is one text width (6.5 in) by default;
# one paper column (3.3 x 2 in) draws; dumb is 80 columns wide, its total
# label not in the key
plot_run "$tmp" "$BOOTLENS" plot phases "$linux" -o "$tmp/paper.pdf"
grep -q "^set terminal pdfcairo size 6.5in," "$tmp/paper.gp" || plot_fail "pdf default: $(sed -n 3p "$tmp/paper.gp")"
plot_run "$tmp" "$BOOTLENS" plot phases "$linux" -o "$tmp/col.pdf" --size 3.3,2
[ "$rc" = 0 ] && [ -s "$tmp/col.pdf" ] || plot_fail "phases --size 3.3,2 on pdf: exit $rc: $err"
plot_run "$tmp" "$BOOTLENS" plot phases "$linux" -o -
[ "$(awk '{ if (length($0) > m) m = length($0) } END { print m }' <<<"$(tr -d '\f' <<<"$out")")" -le 80 ] ||
	plot_fail "dumb: wider than 80 columns"
grep -q "total (median) 3558.6 ms *$" <<<"$out" || plot_fail "dumb: the total label runs into something: $out"

# inputs of one name told apart: the shortest path suffix that differs,
# else " (2)" for an input given twice
mkdir -p "$tmp/x1" "$tmp/x2"
cp -r "$linux" "$tmp/x1/sess"
cp -r "$linux" "$tmp/x2/sess"
mkdir -p "$tmp/same"
plot_run "$tmp" "$BOOTLENS" plot phases x1/sess x2/sess -o "$tmp/same/fig.svg"
[ "$rc" = 0 ] || plot_fail "phases x1/sess x2/sess: exit $rc: $err"
plot_svg_has "$tmp/same/fig.svg" "two sessions named sess" "x1/sess:default" "x2/sess:default"
plot_run "$tmp" "$BOOTLENS" plot ecdf "$linux" "$linux" -o "$tmp/same/fig.svg"
plot_svg_has "$tmp/same/fig.svg" "one session given twice" "linux-session-5:default" \
	"linux-session-5 (2):default"

echo "plot_kinds: ok"
