#!/usr/bin/env bash
# Guest text in the CSV and Markdown exports stays text: a tslog dump whose
# function and thread names hold commas, quotes, '|', backticks, '*' and
# HTML (tests/data/exports/hostile.txt) gives CSV that Python's csv module
# reads back as rows of 10 fields with the names unchanged, and Markdown
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
"$py" - "$tmp/out.csv" "$tmp/out.md" <<'PY'
import csv, re, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
assert rows[0] == "source,run,variant,kind,name,thread,calls,total,self,unit".split(","), rows[0]
assert all(len(r) == 10 for r in rows), [r for r in rows if len(r) != 10]
names = {(r[4], r[5]) for r in rows if r[3] == "function"}
assert ('a,"b"|c `x` <script>&amp;', "kernel") in names, names
assert ("_sleep **bold**", 'evil, "thread" | <b>name</b>') in names, names
md = open(sys.argv[2], encoding="utf-8").read()
assert "<" not in md, "a raw '<' in the Markdown"
for line in md.splitlines():
    if not line.startswith("|"):
        continue
    pipes = len(re.findall(r"(?<!\\)\|", line))
    assert pipes == 6, f"{pipes} unescaped pipes in {line!r}"
assert "a,\"b\"\\|c \\`x\\` &lt;script&gt;&amp;amp;" in md
assert "\\_sleep \\*\\*bold\\*\\*" in md
print("export escaping: csv rows and markdown cells hold the names as text")
PY
