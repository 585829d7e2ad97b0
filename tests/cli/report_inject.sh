#!/usr/bin/env bash
# Guest text stays text in a report: a capture whose function and thread
# names hold quotes, backquotes, system("touch CANARY"), $(touch CANARY),
# @macros, <script>, <b>, &amp; and a carriage return
# (tests/data/report/inject.txt, and the figures' fixture
# tests/data/inject/ when it exists): after "bootlens report" in html and
# md, no CANARY file exists anywhere, the page has no <script> element and
# shows each name literally, its SVG figures are XML, and the Markdown has
# no raw '<'.
set -euo pipefail
: "${BOOTLENS:?}" "${BOOTLENS_TEST_DATA:?}" "${BOOTLENS_SRC:?}"
py=/usr/bin/python3
[ -x "$py" ] || { echo "SKIP: no $py"; exit "${BOOTLENS_SKIP_RC:-77}"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
inputs=("$BOOTLENS_TEST_DATA/report/inject.txt")
for f in "$BOOTLENS_TEST_DATA"/inject/*.txt "$BOOTLENS_TEST_DATA"/inject/*.console; do
	[ -f "$f" ] && inputs+=("$f")
done
mkdir "$tmp/cwd"
cd "$tmp/cwd"
for input in "${inputs[@]}"; do
	for fmt in html md; do
		out="$tmp/$fmt-$(basename "$input")"
		"$BOOTLENS" report --format "$fmt" -o "$out" "$input" >"$tmp/out" 2>"$tmp/err" ||
			fail "$fmt $input: exit $?: $(cat "$tmp/err")"
	done
done
found=$(find "$tmp" "$BOOTLENS_TEST_DATA" -name 'CANARY*' | head -n 1)
[ -z "$found" ] || fail "a canary was made: $found"
PYTHONPATH="$BOOTLENS_SRC/tests/cli/lib" "$py" - "$tmp/html-inject.txt" "$tmp/md-inject.txt" <<'PY'
import html, re, sys
import report_check as rc
text, raw, page = rc.check_html(sys.argv[1], ["phases", "distribution", "ecdf", "timeline"])
names = ['q"uote it\'s', "back`touch CANARY`tick", 'system("touch CANARY")',
         "<script>alert(1)</script>&amp;", "@CANARY $(touch CANARY) %s"]
for n in names:
    assert ("fn:" + n) in text, ("not shown literally", n)
assert "<script" not in raw.replace("&lt;script", ""), "a raw <script> on the page"
assert "<b>name" not in raw
# the names in the SVG figures, when drawn, are text too
for m in re.finditer(r"<svg\b.*?</svg>", raw, re.S):
    assert "<script" not in m.group(0)
md = rc.check_md(sys.argv[2])
body = md
assert "<" not in body.replace("&lt;", ""), "a raw '<' in the Markdown"
assert "system(\"touch CANARY\")" in md
print("ok")
PY
echo ok
