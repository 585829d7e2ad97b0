#!/usr/bin/env bash
# Guest text in the CSV and Markdown exports stays text: a tslog dump whose
# function and thread names hold commas, quotes, '|', backticks, '*' and
# HTML (tests/data/exports/hostile.txt) gives CSV that Python's csv module
# reads back as rows of 23 fields (the run's columns and the aggregate's)
# with the names unchanged, also in the aggregate's rows (--aggregate), and
# Markdown
# tables whose every row has exactly its columns' unescaped '|' and no raw
# '<' (GitHub would render it as HTML).
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?BOOTLENS_TEST_DATA must name tests/data}"

py=/usr/bin/python3
[ -x "$py" ] || { echo "SKIP: no $py"; exit "${BOOTLENS_SKIP_RC:-77}"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$BOOTLENS_TEST_DATA"
"$BOOTLENS" analyze --format csv --tsc-freq 1000000000 exports/hostile.txt >"$tmp/out.csv"
"$BOOTLENS" analyze --format md --tsc-freq 1000000000 exports/hostile.txt >"$tmp/out.md"
"$BOOTLENS" analyze --format csv --tsc-freq 1000000000 --aggregate exports/hostile.txt exports/hostile.txt >"$tmp/agg.csv"
"$BOOTLENS" analyze --format md --tsc-freq 1000000000 --aggregate exports/hostile.txt exports/hostile.txt >>"$tmp/out.md"
"$py" - "$tmp/out.csv" "$tmp/out.md" "$tmp/agg.csv" <<'PY'
import csv, re, sys
head = ("source,run,variant,kind,name,thread,calls,total,self,unit,n,present,median,q25,q75,"
        "p10,p90,min,max,ci_low,ci_high,ci_coverage,run_ids").split(",")
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
assert rows[0] == head, rows[0]
assert all(len(r) == 23 for r in rows), [r for r in rows if len(r) != 23]
agg = list(csv.reader(open(sys.argv[3], newline="", encoding="utf-8")))
assert agg[0] == head, agg[0]
assert all(len(r) == 23 for r in agg), [r for r in agg if len(r) != 23]
aggnames = {r[4] for r in agg if r[3] == "aggregate"}
assert 'fn:a,"b"|c `x` <script>&amp;' in aggnames, aggnames
names = {(r[4], r[5]) for r in rows if r[3] == "function"}
assert ('a,"b"|c `x` <script>&amp;', "kernel") in names, names
assert ("_sleep **bold**", 'evil, "thread" | <b>name</b>') in names, names
md = open(sys.argv[2], encoding="utf-8").read()
assert "<" not in md, "a raw '<' in the Markdown"
want = None  # a table's rows have its header's unescaped '|' (6 or 8)
for line in md.splitlines():
    if not line.startswith("|"):
        want = None
        continue
    pipes = len(re.findall(r"(?<!\\)\|", line))
    if want is None:
        want = pipes
        assert want in (6, 8), f"{pipes} unescaped pipes in the header {line!r}"
    assert pipes == want, f"{pipes} unescaped pipes in {line!r}"
assert "fn:a,\"b\"\\|c \\`x\\` &lt;script&gt;&amp;amp;" in md
assert "a,\"b\"\\|c \\`x\\` &lt;script&gt;&amp;amp;" in md
assert "\\_sleep \\*\\*bold\\*\\*" in md
print("export escaping: csv rows and markdown cells hold the names as text")
PY
