#!/usr/bin/env bash
# timeout: 300
# bootlens plot on hostile names (tests/data/inject, README.md there): a
# capture whose function names and file name hold quotes, backquotes,
# system("touch CANARY"), $(...), <script>, &, @macros and LaTeX
# specials, and a session whose initcall names and labels do. After every
# kind on every terminal (and a hostile output name), no file CANARY
# exists anywhere on this file system, the SVGs show the names literally
# (XML-parsed text compared with the names), the cairolatex text is
# escaped for LaTeX, and a session naming a variant with a quote or a
# newline is refused in one line (the session reader allows 1-63 of
# A-Z a-z 0-9 . _ -).
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?BOOTLENS_TEST_DATA must name tests/data}"
. "$(dirname "$0")/lib/plot.sh"

plot_need_gnuplot
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
inj=$BOOTLENS_TEST_DATA/inject
touch "$tmp/.start"
capname="it's \"q\" \`touch CANARY\` \$(touch CANARY) <b>&amp; 50%.txt"
cp "$inj/hostile-tslog.txt" "$tmp/$capname"
cp -r "$inj/session" "$tmp/sess"
terms=(svg png pdf eps tex txt)

for t in "${terms[@]}"; do
	for k in phases distribution ecdf timeline delta; do
		mkdir -p "$tmp/f-$k-$t" "$tmp/s-$k-$t"
		# the capture (ecdf and delta refuse a FILE: exit 2, checked in plot_kinds.sh)
		plot_run "$tmp/f-$k-$t" "$BOOTLENS" plot "$k" "../$capname" -o "fig.$t"
		case $k in phases | distribution)
			[ "$rc" = 0 ] || plot_fail "$k $t of the capture: exit $rc: $err" ;;
		esac
		if [ "$k" = delta ]; then
			plot_run "$tmp/s-$k-$t" "$BOOTLENS" plot delta ../sess:base ../sess:new -o "fig.$t"
		else
			plot_run "$tmp/s-$k-$t" "$BOOTLENS" plot "$k" ../sess -o "fig.$t"
		fi
		[ "$rc" = 0 ] || plot_fail "$k $t of the session: exit $rc: $err"
	done
done
# the timeline of the capture wide enough to label every call
mkdir "$tmp/f-timeline-wide"
plot_run "$tmp/f-timeline-wide" "$BOOTLENS" plot timeline "../$capname" -o fig.svg --size 6000,600
[ "$rc" = 0 ] || plot_fail "wide timeline of the capture: exit $rc: $err"
# a hostile output name, and --title
mkdir "$tmp/o"
plot_run "$tmp/o" "$BOOTLENS" plot phases "../$capname" -o "o'\`touch CANARY\`\$(touch CANARY).svg" \
	--title "t'\`touch CANARY\`"
[ "$rc" = 0 ] || plot_fail "hostile output name: exit $rc: $err"
[ -s "$tmp/o/o'\`touch CANARY\`\$(touch CANARY).gp" ] || plot_fail "hostile output name: no .gp"

canary=$(find / -xdev -name CANARY -newer "$tmp/.start" 2>/dev/null || true)
[ -z "$canary" ] || plot_fail "a CANARY file was made: $canary"

# the SVGs show the names literally
plot_svg_has "$tmp/s-delta-svg/fig.svg" "delta of the hostile session" \
	"fn it's\"dq\"" "fn \`touch\${IFS}CANARY\`" "fn system(\"touch_CANARY\")" \
	"fn <script>alert(1)</script>&amp;" "fn @macro\\textbf{x}_y%z"
plot_svg_has "$tmp/f-phases-svg/fig.svg" "phases of the hostile capture" \
	"$capname" "$capname: phases unavailable, left out: vmm, userland" firmware early sysinit rootfs+init
plot_svg_has "$tmp/f-distribution-svg/fig.svg" "distribution of the hostile capture" firmware sysinit
plot_svg_has "$tmp/f-timeline-wide/fig.svg" "timeline of the hostile capture" \
	"$capname" "it's" '"double" quoted' '`touch CANARY`' 'system("touch CANARY")' \
	"SYSINIT <script>alert(1)</script>" "SYSINIT a&b &amp;" "SYSINIT @macro" \
	'SYSINIT $(touch CANARY)' 'SYSINIT \textbf{x}_%y 50%' firmware early sysinit rootfs+init
plot_svg_has "$tmp/s-timeline-svg/fig.svg" "timeline of the hostile session" "it's\"dq\"" "sess:base, run 1"
plot_svg_has "$tmp/o/o'\`touch CANARY\`\$(touch CANARY).svg" "--title" "t'\`touch CANARY\`"
# enhanced text would have made a subscript of "_y" and dropped the braces
grep -q '@macro\\textbf{x}_y%z' "$tmp/s-delta-svg/fig.svg" || plot_fail "delta: the name is not verbatim in the SVG"
# cairolatex: LaTeX's specials escaped
grep -qF '\textless{}script\textgreater{}alert(1)\textless{}/script\textgreater{}\&amp;' \
	"$tmp/s-delta-tex/fig.tex" || plot_fail "delta on cairolatex: <script> not escaped for LaTeX"
grep -qF '@macro\textbackslash{}textbf\{x\}\_y\%z' "$tmp/s-delta-tex/fig.tex" ||
	plot_fail "delta on cairolatex: LaTeX specials not escaped"
# no guest text in a .dat: numbers and comments only
for f in "$tmp"/*/fig.dat; do
	if grep -v '^#' "$f" | grep -q '[^-0-9. e+]'; then
		plot_fail "$f holds more than numbers"
	fi
done

# a hostile variant name is refused by the session reader, in one line
for name in "a'b" "new
line"; do
	rm -rf "$tmp/bad"
	cp -r "$inj/session" "$tmp/bad"
	/usr/bin/python3 - "$tmp/bad/session.json" "$name" <<'PY'
import json, sys
p, name = sys.argv[1], sys.argv[2]
s = json.load(open(p))
s["variants"][0]["name"] = name
for e in s["plan"]:
    if e["variant"] == "base":
        e["variant"] = name
json.dump(s, open(p, "w"), indent=2)
PY
	plot_run "$tmp" "$BOOTLENS" plot phases "$tmp/bad" -o "$tmp/bad.svg"
	[ "$rc" = 2 ] || plot_fail "hostile variant name: exit $rc, not 2"
	[ "$(wc -l <<<"$err")" = 1 ] || plot_fail "hostile variant name: not one line: $err"
	grep -q "the name must be 1-63 of A-Z a-z 0-9 . _ -" <<<"$err" ||
		plot_fail "hostile variant name: unclear message: $err"
done
canary=$(find / -xdev -name CANARY -newer "$tmp/.start" 2>/dev/null || true)
[ -z "$canary" ] || plot_fail "a CANARY file was made: $canary"
echo "plot_injection: ok"
