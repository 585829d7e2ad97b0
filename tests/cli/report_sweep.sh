#!/usr/bin/env bash
# bootlens report on a sweep session (docs/report.md, "A sweep session"):
# the cumulative and the each fixtures of tests/data/sweep-fig. The HTML
# page (checked as every report: report_check.py) shows the sweep's table
# first, before the aggregate, with every step, its median and saving as
# "bootlens sweep --results" computes them, the broken step with its
# verdict counts and a link to its serial log, the step not compared,
# the overall line; then the waterfall (cumulative) or savings (each)
# figure inline, with its .gp and .dat; the usual figures after it, the
# sweep's not repeated. The Markdown page holds sweepreport_md's table
# and the figure's PNG. Hostile text (a run's reason with < & ' and a
# backquote) is escaped. A session that is no sweep has no sweep section;
# a malformed sweep.json keeps the section with why, and the report.
# shellcheck source=lib/report.sh
. "${BOOTLENS_SRC:?}/tests/cli/lib/report.sh"
command -v "${GNUPLOT:-gnuplot}" >/dev/null || {
	echo "skipped: gnuplot is not installed"
	exit "${BOOTLENS_SKIP_RC:-77}"
}
cp -r "$BOOTLENS_TEST_DATA/sweep-fig/cumulative" "$BOOTLENS_TEST_DATA/sweep-fig/each" "$tmp/"
# hostile text in the broken step's last reason
"$py" - "$tmp/cumulative/runs/0024.json" <<'PY'
import json, sys
p = sys.argv[1]
r = json.load(open(p))
r["reason"] = r["attempts"][0]["reason"] = "panic <script>x</script> & 'q' `touch pwned`"
json.dump(r, open(p, "w"), indent=2)
PY
cd "$tmp"
"$BOOTLENS" report -o "$tmp/c" cumulative >"$tmp/out" 2>"$tmp/err" || fail "report (cumulative) exited $?: $(cat "$tmp/err")"
[ "$(tail -n 1 "$tmp/out")" = "$tmp/c/index.html" ] || fail "the last line is not the page: $(cat "$tmp/out")"
"$BOOTLENS" report -o "$tmp/e" each >/dev/null 2>"$tmp/err" || fail "report (each) exited $?: $(cat "$tmp/err")"
"$BOOTLENS" report --format md -o "$tmp/m" cumulative >/dev/null 2>"$tmp/err" || fail "report --format md exited $?: $(cat "$tmp/err")"
"$BOOTLENS" report -o "$tmp/plain" "$BOOTLENS_TEST_DATA/linux-session-5" >/dev/null 2>&1 || fail "report of a plain session"
[ ! -e "$tmp/pwned" ] || fail "a backquote in a reason ran a command"
# a malformed sweep.json: the section says why, the rest is written
cp -r "$BOOTLENS_TEST_DATA/sweep-fig/each" "$tmp/bad"
printf '{"kind": "bootlens-sweep", "schema_version": 1, "mode": "sideways"}\n' >"$tmp/bad/sweep.json"
"$BOOTLENS" report -o "$tmp/b" bad >/dev/null 2>"$tmp/err" || fail "report of a bad sweep.json exited $?: $(cat "$tmp/err")"
grep -q '<p class="note" id="sweep">no sweep table: .*bad/sweep.json' "$tmp/b/index.html" ||
	fail "a bad sweep.json: no note naming it: $(grep -o 'no sweep table[^<]*' "$tmp/b/index.html")"
grep -q 'id="sec-aggregate"' "$tmp/b/index.html" || fail "a bad sweep.json: no aggregate"
check "$tmp" <<'PY'
import html, re, sys
import report_check as rc
t = sys.argv[1]
minus = "\u2212"

def sweep_rows(raw):
    table = re.search(r'<table id="sweep">.*?</table>', raw, re.S).group(0)
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]:
        cells = [html.unescape(re.sub(r"<[^>]*>", "", c)).strip()
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        rows.append(cells)
    return rows

# cumulative: the table and the waterfall first, then the usual sections
text, raw, page = rc.check_html(t + "/c", ["waterfall", "phases", "distribution", "ecdf", "timeline"])
order = [raw.index(x) for x in ('id="sec-sweep"', 'id="sweep"', 'id="fig-waterfall"',
                                 'id="sec-aggregate"', 'id="sec-figures"', 'id="fig-phases"')]
assert order == sorted(order), "the sweep's table and figure are not first: %s" % order
assert raw.count('id="fig-waterfall"') == 1, "the waterfall shown twice"
assert 'id="fig-savings"' not in raw, "a savings figure for a cumulative sweep"
rows = sweep_rows(raw)
names = [r[0] for r in rows]
assert names == ["base", "no-kprobe-delay", "userinit-boots", "noacpi", "kprobe-delay-back",
                 "overall"], names
by = {r[0]: r for r in rows}
assert by["base"][3:5] == ["5/5", "3581.2"], by["base"]
assert by["no-kprobe-delay"][2:10] == ["base", "5/5", "3540.8", "+40.4", "+38.2 – +42.5", "+1.1%",
                                       "0.2302", "same"], by["no-kprobe-delay"]
assert by["userinit-boots"][5] == "-17.8" and by["userinit-boots"][9].startswith("inconclusive"), by["userinit-boots"]
b = by["noacpi"][5]
assert b.startswith("broken (5 of 5 crash): panic <script>x</script> & 'q' `touch pwned`; serial log 0024.serial"), b
assert "<script>" not in raw and "panic &lt;script&gt;x&lt;/script&gt; &amp; &#39;q&#39;" in raw, "the reason is not escaped"
assert 'href="../cumulative/runs/0024.serial"' in raw, "no link to the broken step's serial log"
assert by["kprobe-delay-back"][5] == "not compared: its reference is broken", by["kprobe-delay-back"]
assert by["overall"][2:6] == ["base", "5/5", "3580.5", "+0.7"], by["overall"]
# the figure inline, its files, its texts
fig = re.search(r'<figure id="fig-waterfall".*?</figure>', raw, re.S).group(0)
for f in ("figures/waterfall.gp", "figures/waterfall.dat", "figures/waterfall.svg"):
    assert 'href="%s"' % f in fig, f
for want in ("no-kprobe-delay", minus + "40.4 ms", "broken", "5 of 5 crash", "3580.5 ms"):
    assert ">%s<" % html.escape(want, quote=False) in fig, want

# each: the savings figure
text, raw, page = rc.check_html(t + "/e", ["savings", "phases", "distribution", "ecdf", "timeline"])
assert 'id="fig-waterfall"' not in raw
rows = sweep_rows(raw)
assert [r[2] for r in rows[1:]] == ["base"] * 4, [r[2] for r in rows]
assert "overall" not in [r[0] for r in rows]
assert raw.index('id="fig-savings"') < raw.index('id="sec-aggregate"')

# md: sweepreport's table and the PNG
md = rc.check_md(t + "/m")
assert md.index("## Sweep: what each knob saves") < md.index("## Aggregate"), "md: no sweep first"
assert "| no-kprobe-delay   |  5/5 |" in md, "md: no sweep table"
assert "![waterfall](figures/waterfall.png)" in md, "md: no waterfall"
assert md.count("![waterfall]") == 1

# a plain session: no sweep section
raw = open(t + "/plain/index.html").read()
assert 'id="sec-sweep"' not in raw and 'fig-waterfall' not in raw
print("report_sweep: ok")
PY
