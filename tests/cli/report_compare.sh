#!/usr/bin/env bash
# bootlens report BASE NEW (tests/data/compare/ab: base and new, where new's
# init_kprobe_trace takes 40 ms more): the comparison table as "bootlens
# compare" gives it (every metric's medians, difference, CI, p, verdict, in
# its order), the overall verdict, both aggregates (the first is the main
# table), the five figures with delta, in HTML and in Markdown.
# shellcheck source=lib/report.sh
. "${BOOTLENS_SRC:?}/tests/cli/lib/report.sh"
cd "$BOOTLENS_TEST_DATA"
"$BOOTLENS" report -o "$tmp/html" compare/ab:base compare/ab:new >"$tmp/out" 2>"$tmp/err" || fail "report exited $?: $(cat "$tmp/err")"
rc=0
"$BOOTLENS" compare --format csv compare/ab:base compare/ab:new >"$tmp/compare.csv" || rc=$?
[ "$rc" -eq 1 ] || fail "compare exited $rc, want 1 (slower)"
check "$tmp/html" "$tmp/compare.csv" <<'PY'
import csv, html, re, sys
import report_check as rc
d = sys.argv[1]
text, raw, page = rc.check_html(d, ["phases", "distribution", "ecdf", "timeline", "delta"])
assert 'id="aggregate"' in raw and 'id="aggregate-2"' in raw, "two aggregates"
assert raw.index('id="sec-compare"') < raw.index('id="sec-aggregate"'), "the verdict comes first"
assert re.search(r'Overall: <span class="slower">slower</span>', raw), "overall verdict"
table = re.search(r'<table id="compare">.*?</table>', raw, re.S).group(0)
rows = re.findall(r"<tr><td[^>]*>(.*?)</td>(.*?)</tr>", table)
want = list(csv.DictReader(open(sys.argv[2], newline="")))
assert len(rows) == len(want) == 29, (len(rows), len(want))
for (name, rest), w in zip(rows, want):
    name = re.sub(r"<[^>]+>.*", "", html.unescape(name).replace("phase ", "", 1)).strip()
    assert name == w["name"], (name, w["name"])
    cells = [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", rest)]
    med_a, na, med_b, nb, diff, ci, rel, p, verdict = cells
    assert abs(float(med_a) - float(w["base_median_ns"]) / 1e6) < 0.0006, (name, med_a, w)
    assert abs(float(med_b) - float(w["new_median_ns"]) / 1e6) < 0.0006, (name, med_b, w)
    assert abs(float(diff) - float(w["diff_ns"]) / 1e6) < 0.0006, (name, diff, w)
    assert (na, nb) == (w["base_n"], w["new_n"]), (name, na, nb)
    assert abs(float(p) - float(w["p_holm"])) < 0.00006, (name, p, w["p_holm"])
    assert verdict.split()[0] == w["verdict"], (name, verdict, w["verdict"])
slower = [w["name"] for w in want if w["verdict"] == "slower"]
assert "init_kprobe_trace" in slower, slower
print("ok: html")
PY
"$BOOTLENS" report --format md -o "$tmp/md" compare/ab:base compare/ab:new >"$tmp/out" 2>"$tmp/err" || fail "md exited $?: $(cat "$tmp/err")"
check "$tmp/md" <<'PY'
import sys
import report_check as rc
md = rc.check_md(sys.argv[1])
assert "## Comparison" in md and "Overall: **slower**." in md
assert "init\\_kprobe\\_trace | " in md and "**slower**" in md
assert md.count("### Aggregate of ") == 2
print("ok: md")
PY
echo ok
