#!/usr/bin/env bash
# bootlens plot's errors: each is one clear line naming what is wrong,
# exit 2 (usage or input error); --help exits 0. gnuplot missing
# (GNUPLOT=/nonexistent) is an error too, after the script and data were
# written (they draw the figure once gnuplot is installed).
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?BOOTLENS_TEST_DATA must name tests/data}"
. "$(dirname "$0")/lib/plot.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
linux=$BOOTLENS_TEST_DATA/linux-session-5

check() { # WANT-LINE ARGS...
	local want=$1
	shift
	plot_run "$tmp" "$BOOTLENS" plot "$@"
	plot_expect_error 2 "$want" "plot $*"
}

check "bootlens: plot: cannot open '$tmp/none': No such file or directory" phases "$tmp/none" -o x.svg
check "bootlens: plot: session '$linux' has no variant 'nosuch'" phases "$linux:nosuch" -o x.svg
check "bootlens: plot: --size wants W,H (two positive numbers up to 20000), not '0,3'" \
	phases "$linux" -o x.svg --size 0,3
check "bootlens: plot: --size wants W,H (two positive numbers up to 20000), not '800x600'" \
	phases "$linux" -o x.svg --size 800x600
check "bootlens: plot: --font wants NAME or NAME,SIZE (SIZE a positive number), not 'Sans,x'" \
	phases "$linux" -o x.svg --font Sans,x
check "bootlens: plot: unknown kind 'bars' (phases, distribution, ecdf, timeline, delta, waterfall or savings)" \
	bars "$linux" -o x.svg
check "bootlens: plot: unknown terminal 'x11' (svg, pngcairo, pdfcairo, epscairo, cairolatex or dumb)" \
	phases "$linux" -o x.svg --terminal x11
check "bootlens: plot: cannot tell the terminal from 'x.jpg' (.svg, .png, .pdf, .eps, .tex or .txt; or give --terminal)" \
	phases "$linux" -o x.jpg
check "bootlens: plot: want -o FILE (the figure; '-' with dumb draws on standard output)" phases "$linux"
check "bootlens: plot: --run is for the timeline" phases "$linux" -o x.svg --run 2
check "bootlens: plot: --run wants a run number, not 'two'" timeline "$linux" -o x.svg --run two
check "bootlens: plot: timeline: --run N wants a session (a capture is one run)" \
	timeline "$BOOTLENS_TEST_DATA/samples/freebsd15-firecracker-tslog-head.txt" -o x.svg --run 2
check "bootlens: plot: 'x.dat': the figure would overwrite its own .gp or .dat" \
	phases "$linux" -o x.dat --terminal svg
check "bootlens: plot: cannot write '$tmp/no/dir/x.dat': No such file or directory" \
	phases "$linux" -o "$tmp/no/dir/x.svg"
printf 'no records here\n' >"$tmp/empty.txt"
check "bootlens: plot: 'empty.txt': no tslog record and no kernel log line (1 lines read)" \
	phases empty.txt -o x.svg
mkdir "$tmp/notasession"
check "bootlens: plot: 'notasession' is a directory without session.json: not a session" \
	phases notasession -o x.svg
ab=$BOOTLENS_TEST_DATA/compare/ab
check "bootlens: plot: timeline: run 1 is of variant base, not new" timeline "$ab:new" -o x.svg --run 1
check "bootlens: plot: timeline: no run 99 in '$linux' (runs 1-6)" timeline "$linux" -o x.svg --run 99
check "bootlens: plot: --size 10,10 is too small for a figure in a 10 pt font: at least 240,186.67 (px; 30 characters by 10 lines)" \
	phases "$linux" -o x.svg --size 10,10
check "bootlens: plot: --size 3,1.5 is too small for a figure in a 10 pt font: at least 2.5,1.95 (in; 30 characters by 10 lines)" \
	phases "$linux" -o x.pdf --size 3,1.5
# an unknown option: its line and where to look, not the whole usage
plot_run "$tmp" "$BOOTLENS" plot phases "$linux" -o x.svg --bogus
plot_expect_error 2 "bootlens: plot: option '--bogus' is unknown or needs a value
try 'bootlens plot --help'" "plot --bogus"

# gnuplot missing: one line, exit 2; the script and data are there
export GNUPLOT=/nonexistent/gnuplot
check "bootlens: plot: cannot run /nonexistent/gnuplot: not installed (apt-get install gnuplot-nox)" \
	phases "$linux" -o nognuplot.svg
unset GNUPLOT
[ -s "$tmp/nognuplot.gp" ] && [ -s "$tmp/nognuplot.dat" ] || plot_fail "no script and data without gnuplot"
[ ! -e "$tmp/nognuplot.svg" ] || plot_fail "a figure without gnuplot"

# --tsc-freq and --phase-map as analyze has them
bsd=$BOOTLENS_TEST_DATA/samples/freebsd15-firecracker-tslog-head.txt
check "bootlens: plot: --tsc-freq wants a positive number of Hz, not 'x'" phases "$bsd" -o x.svg --tsc-freq x
printf 'junk\n' >"$tmp/bad.map"
check "bootlens: plot: bad.map:1: expected 'NAME: EVENT -> EVENT'" phases "$bsd" -o x.svg --phase-map bad.map
printf 'mine: ENTER hammer_time -> ENTER mi_startup\n' >"$tmp/my.map"
plot_run "$tmp" "$BOOTLENS" plot phases "$bsd" -o map.svg --phase-map my.map --tsc-freq 3000000000
[ "$rc" = 0 ] || plot_fail "--phase-map: exit $rc: $err"
plot_svg_has "$tmp/map.svg" "--phase-map: its phase drawn" mine

# gnuplot's warnings are notes (exit 0, the figure drawn), not errors
plot_run "$tmp" "$BOOTLENS" plot phases "$linux" -o warn.png --font Serif,16
[ "$rc" = 0 ] && [ -s "$tmp/warn.png" ] || plot_fail "a gnuplot warning made exit $rc ($err)"
# cairolatex takes the document's font: --font is said to be unused
plot_run "$tmp" "$BOOTLENS" plot phases "$linux" -o fig.tex --font Serif,9
[ "$rc" = 0 ] && grep -qx "bootlens: warning: plot: --font is not for cairolatex: LaTeX sets the text in the document's font (the font given is not used)" <<<"$err" ||
	plot_fail "cairolatex --font: exit $rc, $err"

# a usage error prints where to look after its line; --help prints it on stdout
plot_run "$tmp" "$BOOTLENS" plot phases
[ "$rc" = 2 ] || plot_fail "plot KIND without INPUT: exit $rc"
[ "$(head -1 <<<"$err")" = "bootlens: plot: want KIND and at least one INPUT" ] ||
	plot_fail "plot KIND without INPUT: $err"
plot_run "$tmp" "$BOOTLENS" plot --help
[ "$rc" = 0 ] && grep -q '^usage: bootlens plot KIND INPUT... -o FILE' <<<"$out" || plot_fail "--help"
plot_run "$tmp" "$BOOTLENS" help plot
[ "$rc" = 0 ] && grep -q '^usage: bootlens plot' <<<"$out" || plot_fail "help plot"
echo "plot_errors: ok"
