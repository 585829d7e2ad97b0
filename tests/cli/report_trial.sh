#!/usr/bin/env bash
# bootlens report, what a new user's trial found (issue 12): the starved
# run of tests/data/linux-session-5 (run 4) listed among the warnings with
# its run delay and marked in the runs table, in html and md alike; a
# one-run group shows no CI ("-"); --tsc-freq and --phase-map reach the
# analysis and the figures; the Markdown of SESSION:base SESSION:new puts
# the comparison first, shows the session's environment once (html too)
# and each variant's runs only; the page's tables scroll in a narrow
# window, names are not broken mid-word, and the footer does not claim
# that the captures are in the report's directory.
# shellcheck source=lib/report.sh
. "${BOOTLENS_SRC:?}/tests/cli/lib/report.sh"
cd "$BOOTLENS_TEST_DATA"
run() { # DIR ARGS...
	local d=$1
	shift
	"$BOOTLENS" report -o "$tmp/$d" "$@" >"$tmp/out" 2>"$tmp/err" || fail "report $* exited $?: $(cat "$tmp/err")"
}
run html linux-session-5
run md --format md linux-session-5
check "$tmp/html/index.html" "$tmp/md/README.md" <<'PY'
import re, sys
html, md = open(sys.argv[1]).read(), open(sys.argv[2]).read()
why = "run delay 400.000 ms of 3558.603 ms, over 5% and 10 ms: docs/contention.md"
assert ('<strong class="starved">starved</strong>: run 4 default (%s), counted in the aggregate' % why) in html, "html: no starved line"
assert "1 warning: 1 run starved by the host (listed first) and 0 from the analysis" in html, "html: the starved run is not counted"
row = re.search(r'<tr><td class="num">4</td><td>default</td><td>ok, <strong class="starved">starved</strong> \(run delay 400\.000 ms\)</td>', html)
assert row, "html: run 4 not marked starved in the runs table"
assert html.count('class="starved">starved</strong>') == 2, "html: a run marked starved that is not"
assert ("- **starved**: run 4 default (%s), counted in the aggregate" % why) in md, "md: no starved line"
assert "1 warning: 1 run starved by the host (listed first) and 0 from the analysis" in md, "md: the starved run is not counted"
assert "| 4 | default | ok, **starved** (run delay 400.000 ms) |" in md, "md: run 4 not marked starved"
# layout: every table in a horizontal scroller, names never broken mid-word
assert html.count("<table") == html.count('<div class="scroll"><table'), "a table outside div.scroll"
assert "div.scroll{overflow-x:auto" in html and "break-all" not in html
assert re.search(r"td\.name\{[^}]*white-space:nowrap", html), "names may wrap"
assert "everything on this page is in this directory" not in html
assert "the links to the raw captures and session.json point into the input" in html
print("ok: starved, layout")
PY
# a capture FILE: one run, so no interval; --tsc-freq is the analysis's
run file --tsc-freq 1000000000 samples/freebsd15-firecracker-tslog-tail.txt
run filemd --format md --tsc-freq 1000000000 samples/freebsd15-firecracker-tslog-tail.txt
check "$tmp/file" "$tmp/filemd/README.md" <<'PY'
import json, re, sys
d = sys.argv[1]
html, md = open(d + "/index.html").read(), open(sys.argv[2]).read()
rows = re.findall(r'<tr><td class="name">[^<]*</td>((?:<td[^>]*>[^<]*</td>)+)</tr>', html.split('id="aggregate"')[1].split("</table>")[0])
assert rows and all('<td class="num">-</td><td></td>' in r for r in rows), "html: a one-run CI shown"
assert "(0.0%)" not in html and "(0.0%)" not in md
j = json.load(open(d + "/freebsd15-firecracker-tslog-tail.txt.json"))
assert '"freq_source": "option"' in json.dumps(j) and '"freq_hz": 1000000000' in json.dumps(j), "--tsc-freq not passed"
print("ok: one run, --tsc-freq")
PY
# --phase-map: analyze's map reaches the tables and the figures
printf 'mine: guest.tsc0 -> ENTER mi_startup\n' >"$tmp/mine.map"
run map --phase-map "$tmp/mine.map" samples/freebsd15-firecracker-tslog-head.txt
grep -q '<tr><td class="name">phase:mine</td><td class="num">1</td><td class="num">11.449</td>' "$tmp/map/index.html" ||
	fail "--phase-map: no phase 'mine' of 11.449 ms in the aggregate"
grep -q '>mine<' "$tmp/map/figures/phases.svg" || fail "--phase-map: phase 'mine' not in the phases figure"
! grep -q 'phase:firmware' "$tmp/map/index.html" || fail "--phase-map: the built-in map's phases are still there"
# two variants of one session, in Markdown
run ab --format md compare/ab:base compare/ab:new
check "$tmp/ab/README.md" <<'PY'
import re, sys
md = open(sys.argv[1]).read()
assert md.index("## Comparison") < md.index("## Aggregate") < md.index("## Figures"), "md: the comparison is not first"
env = md.split("## Environment")[1].split("\n## ")[0]
assert env.count("\n### ") == 1 and env.count("| variant |") == 2, "md: the environment is not shown once"
assert "\n### ab\n" in env, "md: the environment is not headed by the session's name"
runs = md.split("## Runs and raw captures")[1]
base, new = runs.split("### ab:new")
base_rows = re.findall(r"^\| \d+ \| (\w+) \|", base, re.M)
new_rows = re.findall(r"^\| \d+ \| (\w+) \|", new, re.M)
assert base_rows and set(base_rows) == {"base"}, base_rows
assert new_rows and set(new_rows) == {"new"}, new_rows
print("ok: md of two variants")
PY
run abhtml compare/ab:base compare/ab:new
check "$tmp/abhtml/index.html" <<'PY'
import sys
html = open(sys.argv[1]).read()
assert html.count('class="env"') == 1 and "the same session as ab:base: its environment is above" in html, "html: the environment twice"
assert html.count("<tr><td class=\"num\">2</td><td>base") == 0, "html: a new run listed under ab:base"
print("ok: html of two variants")
PY
echo ok
