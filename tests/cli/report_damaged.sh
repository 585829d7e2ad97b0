#!/usr/bin/env bash
# A damaged session still gets its report (exit 0) with the damage among
# the warnings: a copy of tests/data/linux-session-5 where run 3's capture
# is cut in the middle of its dump, run 2's run file is garbage and run
# 4's capture is gone. The page lists the three as damaged (the run file's
# message names the file and line), runs 2 and 4 among the failed runs,
# run 3's analysis warnings with their counts, the aggregate of the
# three runs left, and every figure drawn from them (an inline SVG each,
# run 4's missing capture in their notes). html and md.
# shellcheck source=lib/report.sh
. "${BOOTLENS_SRC:?}/tests/cli/lib/report.sh"
cp -r "$BOOTLENS_TEST_DATA/linux-session-5" "$tmp/s"
head -c 40000 "$BOOTLENS_TEST_DATA/linux-session-5/runs/0003.console" >"$tmp/s/runs/0003.console"
printf 'garbage{{\n' >"$tmp/s/runs/0002.json"
rm "$tmp/s/runs/0004.console"
for fmt in html md; do
	rc=0
	"$BOOTLENS" report --format "$fmt" -o "$tmp/$fmt" "$tmp/s" >"$tmp/out" 2>"$tmp/err" || rc=$?
	[ "$rc" -eq 0 ] || fail "$fmt: report of a damaged session exited $rc: $(cat "$tmp/err")"
	grep -q "run 2: unreadable run file: .*0002.json:1: " "$tmp/err" || fail "$fmt: stderr names no damaged run 2: $(cat "$tmp/err")"
	grep -q "run 3: truncated capture" "$tmp/err" || fail "$fmt: stderr names no truncated run 3"
	grep -q "run 4: cannot read its capture: No such file or directory" "$tmp/err" || fail "$fmt: stderr names no missing capture of run 4"
	grep -q "^report: 4 figures (0 not drawn), 4 gnuplot runs$" "$tmp/out" "$tmp/err" ||
		fail "$fmt: not every figure drawn: $(cat "$tmp/out" "$tmp/err")"
done
check "$tmp/html" "$tmp/md" <<'PY'
import re, sys
import report_check as rc
text, raw, page = rc.check_html(sys.argv[1], ["phases", "distribution", "ecdf", "timeline"])
sec = re.search(r'<section id="sec-warnings">.*?</section>', raw, re.S).group(0)
assert re.search(r"<strong>damaged</strong>: run 2: unreadable run file: [^<]*0002\.json:1: ", sec), sec
assert "<strong>damaged</strong>: run 3: truncated capture: a dump begin line and no end line" in sec
assert re.search(r"<td class=\"name\">the dump is damaged: no end line \(truncated dump\)</td>"
                 r"<td class=\"num\">1</td><td class=\"num\">1</td><td>3</td>", sec), sec
failed = re.search(r'<table id="failed".*?</table>', raw, re.S).group(0)
assert re.search(r"<td class=\"num\">2</td><td>-</td><td>unreadable</td>", failed), failed
assert "no dump within 30 s" in failed
assert "<strong>damaged</strong>: run 4: cannot read its capture: No such file or directory" in sec
assert re.search(r"<td class=\"num\">4</td><td>default</td><td>ok</td><td>cannot read its capture", failed), failed
assert "3 ok runs, 3 failed" in raw
for k in ["phases", "distribution", "ecdf", "timeline"]:
    fig = re.search(r'<figure id="fig-%s".*?</figure>' % k, raw, re.S).group(0)
    assert "<svg" in fig and "figure not drawn" not in fig, k
for k in ["phases", "distribution"]:
    fig = re.search(r'<figure id="fig-%s".*?</figure>' % k, raw, re.S).group(0)
    assert "default: run 4: cannot read its capture: No such file or directory" in fig, k
md = rc.check_md(sys.argv[2])
assert re.search(r"- \*\*damaged\*\*: run 2: unreadable run file: ", md)
assert "- **damaged**: run 3: truncated capture" in md
for k in ["phases", "distribution", "ecdf", "timeline"]:
    assert "![%s](figures/%s.png)" % (k, k) in md, k
    png = open("%s/figures/%s.png" % (sys.argv[2], k), "rb").read()
    assert png[:4] == b"\x89PNG" and len(png) > 5120, k
print("ok")
PY
echo ok
