#!/usr/bin/env bash
# The aggregate in the CSV and Markdown exports (docs/exports.md) holds the
# numbers the table and the JSON show: on tests/data/linux-session-5 and
# on the FreeBSD --aggregate FILEs, the CSV's median of the total (and of
# every phase and top function, read with Python's csv module) is the
# JSON's median_ns and the table's median; the Markdown's median of the
# total is the table's. --per-run adds each ok run's rows before the same
# aggregate rows; --exclude-starved counts run 4 as left out; a failed
# run's reason (session text) is escaped in the Markdown.
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?BOOTLENS_TEST_DATA must name tests/data}"

py=/usr/bin/python3
[ -x "$py" ] || { echo "SKIP: no $py"; exit "${BOOTLENS_SKIP_RC:-77}"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$BOOTLENS_TEST_DATA"
bsd=(--aggregate --tsc-freq 2445431964 tslog/two_threads.txt tslog/recursion.txt tslog/unclosed.txt
	samples/freebsd15-firecracker-tslog-head.txt samples/freebsd15-firecracker-tslog-tail.txt)
for c in s5 bsd; do
	if [ $c = s5 ]; then args=(linux-session-5); else args=("${bsd[@]}"); fi
	for f in csv md json table; do
		"$BOOTLENS" analyze --top 5 --format $f "${args[@]}" >"$tmp/$c.$f" 2>/dev/null
	done
done
"$BOOTLENS" analyze --top 5 --format csv --per-run linux-session-5 >"$tmp/s5-per-run.csv" 2>/dev/null
"$BOOTLENS" analyze --top 5 --format csv --exclude-starved linux-session-5 >"$tmp/s5-ex.csv" 2>/dev/null
# a failed run's reason comes from the session: escaped in the Markdown
cp -r linux-session-5 "$tmp/hostile"
jq '.reason = "hung | <b>*x*</b>\nnext"' linux-session-5/runs/0006.json >"$tmp/hostile/runs/0006.json"
"$BOOTLENS" analyze --format md "$tmp/hostile" >"$tmp/hostile.md" 2>/dev/null
grep -qF -- '- run 6: timeout: hung \| &lt;b&gt;\*x\*&lt;/b&gt; next' "$tmp/hostile.md" ||
	{ echo "FAIL: reason not escaped: $(grep 'run 6' "$tmp/hostile.md")"; exit 1; }
"$py" - "$tmp" <<'PY'
import csv, json, re, sys
d = sys.argv[1]

def rows(name):
    with open(f"{d}/{name}", newline="", encoding="utf-8") as f:
        r = list(csv.DictReader(f))
    return r

def table_medians(name):
    out = {}
    for line in open(f"{d}/{name}", encoding="utf-8"):
        m = re.match(r"^((?:total|phase:|fn:|self:)\S*(?: \S+)*?)\s+(\d+(?:/\d+)?)\s+(\d+\.\d{3})\s", line)
        if m:
            out[m.group(1)] = m.group(3)
    return out

for c in ("s5", "bsd"):
    agg = {r["name"]: r for r in rows(f"{c}.csv") if r["kind"] == "aggregate"}
    js = {m["name"]: m for m in json.load(open(f"{d}/{c}.json"))["aggregates"][0]["metrics"]}
    tab = table_medians(f"{c}.table")
    assert agg, f"{c}: no aggregate rows"
    for name, r in agg.items():
        assert r["unit"] == "ms", r
        if r["present"] == "0":  # FILEs have no total: no value, no statistics
            assert r["median"] == "" and js[name]["present"] == 0, (c, name, r)
            continue
        med = float(r["median"])
        assert abs(med * 1e6 - js[name]["median_ns"]) <= 0.5, (c, name, med, js[name]["median_ns"])
        assert int(r["present"]) == js[name]["present"] and int(r["n"]) == js[name]["runs"], (c, name)
        if name in tab:
            assert f"{med:.3f}" == tab[name], (c, name, med, tab[name])
    assert set(tab) <= set(agg), (c, set(tab) - set(agg))
    if c == "s5":
        assert "total" in agg and tab["total"] == f"{float(agg['total']['median']):.3f}"
        md = open(f"{d}/s5.md", encoding="utf-8").read()
        cells = [l.split("|")[3].strip() for l in md.splitlines() if l.startswith("| total ")]
        assert cells == [tab["total"]], (cells, tab["total"])
        runs = {r["name"]: r for r in rows("s5.csv") if r["kind"] == "runs"}
        assert (runs["ok"]["n"], runs["failed"]["run_ids"], runs["starved"]["run_ids"],
                runs["left_out"]["n"]) == ("5", "6", "4", "0"), runs

# --per-run: each ok run's rows, then the same aggregate rows
per = rows("s5-per-run.csv")
plain = rows("s5.csv")
assert sorted({r["run"] for r in per if r["run"]}) == ["1", "2", "3", "4", "5"]
assert [r for r in per if not r["run"]] == plain, "--per-run changed the aggregate rows"
assert per[-len(plain):] == plain, "--per-run: the aggregate does not come last"

# --exclude-starved: run 4 left out, the total over 4 runs
ex = {(r["kind"], r["name"]): r for r in rows("s5-ex.csv")}
assert ex[("runs", "left_out")]["run_ids"] == "4" and ex[("runs", "ok")]["n"] == "4", ex
assert ex[("aggregate", "total")]["n"] == "4"
print("export aggregate: CSV and Markdown medians are the table's and the JSON's")
PY
