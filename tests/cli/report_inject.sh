#!/usr/bin/env bash
# Guest text stays text in a report: a capture whose function and thread
# names hold quotes, backquotes, system("touch CANARY"), $(touch CANARY),
# @macros, <script>, <b>, &amp; and a carriage return
# (tests/data/report/inject.txt, and the figures' fixture
# tests/data/inject/ when it exists): after "bootlens report" in html and
# md, no CANARY file exists anywhere, the page has no <script> element and
# shows each name literally, its SVG figures are XML, and the Markdown has
# no raw '<'. The delta figure of the hostile session names its slower
# function literally in the SVG.
# shellcheck source=lib/report.sh
. "${BOOTLENS_SRC:?}/tests/cli/lib/report.sh"
mkdir "$tmp/cwd"
cd "$tmp/cwd"
n=0
report() { # NAME ARGS...: html and md
	local name=$1
	shift
	for fmt in html md; do
		"$BOOTLENS" report --format "$fmt" -o "$tmp/$fmt-$name" "$@" >"$tmp/out" 2>"$tmp/err" ||
			fail "$fmt $*: exit $?: $(cat "$tmp/err")"
		n=$((n + 1))
	done
}
report mine "$BOOTLENS_TEST_DATA/report/inject.txt"
if [ -d "$BOOTLENS_TEST_DATA/inject" ]; then
	report tslog "$BOOTLENS_TEST_DATA/inject/hostile-tslog.txt"
	report ab "$BOOTLENS_TEST_DATA/inject/session:base" "$BOOTLENS_TEST_DATA/inject/session:new"
fi
found=$(find "$tmp" "$BOOTLENS_TEST_DATA" -name 'CANARY*' | head -n 1)
[ -z "$found" ] || fail "a canary was made: $found"
check "$tmp" <<'PY'
import os, re, sys
import xml.etree.ElementTree as ET
import report_check as rc
tmp = sys.argv[1]
cases = {
    "mine": (["phases", "distribution", "ecdf", "timeline"],
             ['q"uote it\'s', "back`touch CANARY`tick", 'system("touch CANARY")',
              "<script>alert(1)</script>&amp;", "@CANARY $(touch CANARY) %s"]),
    "tslog": (["phases", "distribution", "ecdf", "timeline"], ['system("touch CANARY")', "<script>"]),
    "ab": (["phases", "distribution", "ecdf", "timeline", "delta"],
           ["it's\"dq\"", "`touch${IFS}CANARY`", 'system("touch_CANARY")',
            "<script>alert(1)</script>&amp;", "@macro\\textbf{x}_y%z"]),
}
for name, (figs, names) in cases.items():
    d = os.path.join(tmp, "html-" + name)
    if not os.path.isdir(d):
        continue
    text, raw, page = rc.check_html(d, figs)
    for n in names:
        assert n in text, (name, "not shown literally", n)
    assert "<script" not in raw.replace("&lt;script", ""), (name, "a raw <script> on the page")
    assert "<b>name" not in raw, name
    # the SVG files beside the page are XML and hold no script either
    svgtext = ""
    for f in os.listdir(d + "/figures"):
        if f.endswith(".svg"):
            svgtext += "".join(ET.parse(d + "/figures/" + f).getroot().itertext())
            assert "<script" not in open(d + "/figures/" + f).read(), f
    if name == "ab":  # the delta figure names the slower function literally
        assert "<script>alert(1)</script>&amp;" in svgtext, "not in the SVG"
    md = rc.check_md(os.path.join(tmp, "md-" + name))
    assert "<" not in md.replace("&lt;", ""), (name, "a raw '<' in the Markdown")
    print("ok:", name)
PY
echo ok
