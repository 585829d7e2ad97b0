#!/usr/bin/env bash
# Golden tests of `bootlens sweep --results` on the fixture sweep sessions
# of tests/data/sweep (README.md there): every format of each/ (a knob, a
# broken knob, a host-timed knob) and cumulative/ (a step compared against
# a broken one, the overall line), --exclude-starved, compared byte for
# byte with tests/data/sweep/expected/NAME. Then the refusals: a session
# that is no sweep, a malformed sweep.json, options that need a
# collection. With UPDATE=1 the expected files are rewritten instead
# (review the diff first).
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?BOOTLENS_TEST_DATA must name tests/data}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$BOOTLENS_TEST_DATA/sweep"
exp=expected
failures=0

check() { # expected-file actual-file what
	if [ "${UPDATE:-}" = 1 ]; then
		cp "$2" "$1"
		return
	fi
	if [ ! -f "$1" ]; then
		echo "FAIL: $3: no expected file $1 (run with UPDATE=1 to create it)"
		failures=$((failures + 1))
	elif ! cmp -s "$1" "$2"; then
		echo "FAIL: $3 differs from $1:"
		diff -u "$1" "$2" | head -40 || true
		failures=$((failures + 1))
	fi
}

run() { # WANT-RC ARGS... (output in $tmp/out, $tmp/err)
	local want=$1 rc
	shift
	set +e
	NO_COLOR=1 "$BOOTLENS" sweep "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL: sweep $* exited $rc, want $want"
		cat "$tmp/err"
		failures=$((failures + 1))
	fi
}

expect_err() { # TEXT
	if ! grep -qF -- "$1" "$tmp/err"; then
		echo "FAIL: stderr lacks '$1':"
		cat "$tmp/err"
		failures=$((failures + 1))
	fi
}

for s in each cumulative; do
	for f in table json csv md; do
		run 0 --results "$s" --format "$f"
		check "$exp/$s.$f" "$tmp/out" "sweep --results $s --format $f"
		[ -s "$tmp/err" ] && { echo "FAIL: $s $f: stderr not empty:"; cat "$tmp/err"; failures=$((failures + 1)); }
	done
done
run 0 --results each --exclude-starved
check "$exp/each-exclude-starved.table" "$tmp/out" "sweep --results each --exclude-starved"
run 0 --results each --by cpu
check "$exp/each-cpu.table" "$tmp/out" "sweep --results each --by cpu"
run 0 --results cumulative --by cpu --format md
check "$exp/cumulative-cpu.md" "$tmp/out" "sweep --results cumulative --by cpu --format md"
run 0 --results each --by guest
check "$exp/each-guest.table" "$tmp/out" "sweep --results each --by guest"
run 0 --results cumulative --by guest --format json
check "$exp/cumulative-guest.json" "$tmp/out" "sweep --results cumulative --by guest --format json"
run 2 --results each --by wall
expect_err "--by wants total, cpu or guest, not 'wall'"

# --by guest: the medians are those of the runs' kernel.uptime_ns in
# analyze's JSON, the saving their difference
if command -v python3 >/dev/null; then
	run 0 --results each --by guest --format json
	cp "$tmp/out" "$tmp/guest.json"
	for v in base fast; do
		"$BOOTLENS" analyze "each:$v" --format json >"$tmp/$v.json" 2>/dev/null
	done
	python3 - "$tmp/guest.json" "$tmp/base.json" "$tmp/fast.json" <<'PY' || failures=$((failures + 1))
import json, statistics, sys
d = json.load(open(sys.argv[1]))
def uptimes(path):
    out = []
    def walk(x):
        if isinstance(x, dict):
            k = x.get("kernel")
            if isinstance(k, dict) and k.get("uptime_ns") is not None:
                out.append(k["uptime_ns"])
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(json.load(open(path)))
    return out
b, f = uptimes(sys.argv[2]), uptimes(sys.argv[3])
assert len(b) == 8 and len(f) == 8, (b, f)
assert d["basis"] == "guest", d["basis"]
st = {s["name"]: s for s in d["steps"]}
mb, mf = statistics.median(b), statistics.median(f)
assert abs(st["base"]["median_ns"] - mb) < 1, (st["base"]["median_ns"], mb)
assert abs(st["fast"]["median_ns"] - mf) < 1, (st["fast"]["median_ns"], mf)
assert abs(st["fast"]["saving_ns"] - (mb - mf)) < 1, (st["fast"]["saving_ns"], mb - mf)
assert abs(st["fast"]["reference_median_ns"] - mb) < 1
assert st["instrumentation"]["host_timed"] and st["instrumentation"]["compared"]
PY
fi

# --by guest refuses a run whose dump has no uptime (a dumper before it)
cp -r each "$tmp/noup"
sed -i '/^@@bootlens v1 begin /s/ uptime_ns=[0-9]*//' "$tmp/noup/runs/0005.console"
run 2 --results "$tmp/noup" --by guest
expect_err "--by guest needs the dumper's uptime at the dump: run 5 has none"
run 0 --results "$tmp/noup"
run 0 --format=json --results=each
check "$exp/each.json" "$tmp/out" "sweep --format=json --results=each"

# the JSON parses and says what the issue asks for
if command -v python3 >/dev/null; then
	run 0 --results cumulative --format json
	python3 - "$tmp/out" <<'PY' || failures=$((failures + 1))
import json, sys
d = json.load(open(sys.argv[1]))
assert d["kind"] == "bootlens-sweep-result" and d["schema_version"] == 1, d["kind"]
st = {s["name"]: s for s in d["steps"]}
assert st["fast"]["compared"] and st["fast"]["saving_ns"] > 39e6, st["fast"]
assert st["fast"]["phase_moved"]["name"] == "initcalls"
assert st["fast"]["functions_moved"][0]["name"] == "init_kprobe_trace"
assert st["noconsole"]["broken"] and st["noconsole"]["runs"]["crash"] == 8
assert st["noconsole"]["failed_serial"].endswith(".serial")
assert "saving_ns" not in st["noconsole"]
assert st["after"]["against_broken"] and not st["after"]["compared"]
assert d["overall"]["name"] == "overall" and d["overall"]["compared"]
PY
fi

# refusals
run 2 --results "$BOOTLENS_TEST_DATA/compare/ab"
expect_err "sweep.json: No such file or directory (not a sweep session)"
run 2 --results "$tmp/nowhere"
expect_err "is not a bootlens session"
mkdir -p "$tmp/bad/runs"
cp "$BOOTLENS_TEST_DATA/compare/ab/session.json" "$tmp/bad/"
printf '{"kind": "bootlens-sweep", "schema_version": 1, "mode": "each", "steps": [{"variant": "base", "knob": null, "against": 0}, {"variant": "new", "knob": "new", "against": 0}]}' >"$tmp/bad/sweep.json"
run 2 --results "$tmp/bad"
expect_err "$tmp/bad/sweep.json: steps[1].spec: expected a string"
printf '{"kind": "bootlens-sweep", "schema_version": 1, "mode": "each", "steps": [{"variant": "base", "knob": null, "against": 0}, {"variant": "gone", "knob": "gone", "spec": "append+=x", "against": 0}]}' >"$tmp/bad/sweep.json"
run 2 --results "$tmp/bad"
expect_err "steps[1].variant: the session has no variant 'gone'"
run 2 --results each -n 3
expect_err "--results reads a session already collected"
run 2 --results each --knob 'a: append+=x'
expect_err "--results reads a session already collected"
run 2 --results each --format yaml
expect_err "unknown format 'yaml'"

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "sweep_results: ok"
