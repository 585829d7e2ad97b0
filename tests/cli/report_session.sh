#!/usr/bin/env bash
# bootlens report on a real session (tests/data/linux-session-5: five TCG
# boots of Debian's cloud kernel and a timeout): the HTML page (self-
# contained, balanced, every anchor and link resolves, the inline SVGs are
# XML, the four figures of one input present) with the same aggregate as
# "bootlens analyze" prints, the failed run with its reason, the links to
# every capture and to the JSON, which is the analysis JSON of "analyze
# --format json"; then the Markdown report. Checks: tests/cli/lib/report_check.py.
# shellcheck source=lib/report.sh
. "${BOOTLENS_SRC:?}/tests/cli/lib/report.sh"
cd "$BOOTLENS_TEST_DATA"
"$BOOTLENS" report -o "$tmp/html" linux-session-5 >"$tmp/out" 2>"$tmp/err" || fail "report exited $?: $(cat "$tmp/err")"
[ "$(tail -n 1 "$tmp/out")" = "$tmp/html/index.html" ] || fail "the last line is not the page: $(cat "$tmp/out")"
"$BOOTLENS" analyze linux-session-5 >"$tmp/analyze.txt" 2>/dev/null
"$BOOTLENS" analyze --format json linux-session-5 >"$tmp/analyze.json" 2>/dev/null
check "$tmp/html" "$tmp/analyze.txt" "$tmp/analyze.json" <<'PY'
import json, re, sys
import report_check as rc
d = sys.argv[1]
text, raw, page = rc.check_html(d, ["phases", "distribution", "ecdf", "timeline"])
assert 'id="fig-delta"' not in raw, "a delta figure of one input"
# every figure scaled by one factor: shown at its width's share of 1200 px
svgs = re.findall(r'<svg style="width:([0-9.]+)%"\s+width="(\d+)"', raw)
assert len(svgs) == 4, svgs
for share, w in svgs:
    assert abs(float(share) - 100.0 * int(w) / 1200) < 0.01, (share, w)
# the aggregate table: the same lines and numbers as analyze's table
table = re.search(r'<table id="aggregate".*?</table>', raw, re.S).group(0)
rows = re.findall(r"<tr><td class=\"name\">(.*?)</td><td class=\"num\">(.*?)</td><td class=\"num\">(.*?)</td>", table)
import html
want = []
for l in open(sys.argv[2]):
    m = re.match(r"^((?:total|phase:|fn:)\S*(?: \S+)*?) +(\d+(?:/\d+)?) +([0-9.]+) ", l)
    if m:
        want.append(m.groups())
got = [(html.unescape(a), b, c) for a, b, c in rows]
assert len(want) == 29 and got == want, (got, want)
# the failed run, its reason, the links to the captures and the JSON
assert re.search(r"<td class=\"num\">6</td><td>default</td><td>timeout</td><td>no dump within 30 s</td>", raw), "failed run 6"
for run in range(1, 6):
    assert ('%04d.console"' % run) in raw and ('%04d.serial"' % run) in raw, run
assert 'href="linux-session-5.json"' in raw and "session.json\"" in raw
mine = json.load(open(d + "/linux-session-5.json"))
theirs = json.load(open(sys.argv[3]))
mine.pop("tool"), theirs.pop("tool")
assert mine == theirs, "the report's JSON is not analyze's"
# the environment
for want in ("Intel(R) Xeon(R) Processor", "QEMU emulator version 7.2.22", "tcg", "sha256 ",
             "kernel command line"):
    assert want in text, want
assert re.search(r"sha256 [0-9a-f]{64}", text), "no kernel sha256"
print("ok: html")
PY
"$BOOTLENS" report --format md -o "$tmp/md" linux-session-5 >"$tmp/out" 2>"$tmp/err" || fail "report --format md exited $?: $(cat "$tmp/err")"
[ -f "$tmp/md/README.md" ] && [ ! -e "$tmp/md/index.html" ] || fail "md: no README.md, or an index.html too"
check "$tmp/md" <<'PY'
import re, sys
import report_check as rc
md = rc.check_md(sys.argv[1])
for h in ("## Aggregate", "## Figures", "## Environment", "## Warnings and damage", "## Runs and raw captures"):
    assert h in md, h
assert "| total " in md and "fn:crypto\\_algapi\\_init" in md
for m in re.finditer(r"!\[[a-z]+\]\(([^)]+)\)", md):
    assert m.group(1).endswith(".png"), m.group(1)
    png = open(sys.argv[1] + "/" + m.group(1), "rb").read()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000, m.group(1)
print("ok: md")
PY
# a capture FILE (the real FreeBSD sample) beside a session: both
# reported, a note where the comparison would be, delta not drawn
"$BOOTLENS" report -o "$tmp/mixed" samples/freebsd15-firecracker-tslog-tail.txt linux-session-5 >"$tmp/out" 2>"$tmp/err" ||
	fail "report FILE SESSION exited $?: $(cat "$tmp/err")"
check "$tmp/mixed" <<'PY'
import sys
import report_check as rc
text, raw, page = rc.check_html(sys.argv[1], ["phases", "distribution", "ecdf", "timeline", "delta"])
assert "no comparison: a comparison needs two sessions" in text
assert "a capture file: no environment is recorded with it" in text
assert 'id="aggregate-2"' in raw and 'href="freebsd15-firecracker-tslog-tail.txt.json"' in raw
assert "fn:mi_startup" in text or "fn:" in text
print("ok: file")
PY
echo ok
