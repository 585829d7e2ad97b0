#!/usr/bin/env bash
# `bootlens analyze` on the real FreeBSD 15 captures in ../shared/samples:
# every tslog line accounted for, the head truncated, hammer_time's total,
# the tail's unmatched EXITs, open _sleep frames and user-space section.
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_SAMPLES:?BOOTLENS_SAMPLES must name shared/samples}"

fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head=$BOOTLENS_SAMPLES/freebsd15-firecracker-tslog-head.txt
tail=$BOOTLENS_SAMPLES/freebsd15-firecracker-tslog-tail.txt

# --- head: table
"$BOOTLENS" analyze "$head" >"$tmp/head.table" 2>"$tmp/head.err" || fail "head exited $?"
lines=$(wc -l <"$head")
records=$(grep -cE '^0x[0-9a-f]+ [0-9]+ (ENTER|EXIT|THREAD|EVENT) ' "$head")
grep -qx "lines    $lines read, $records tslog, $((lines - records)) skipped (2 markers, 0 all-zero process rows, 0 malformed)" "$tmp/head.table" ||
	fail "head: not every line accounted for: $(grep '^lines' "$tmp/head.table")"
grep -q '^clock    TSC at 2445431964 Hz (from the capture); times in ms$' "$tmp/head.table" ||
	fail "head: frequency not taken from the META line"
grep -q '^dump     TRUNCATED: begin marker at line 8 and no end marker; ENTER mi_startup at line 61 and no EXIT start_init$' "$tmp/head.table" ||
	fail "head: not reported truncated: $(grep '^dump' "$tmp/head.table")"
# top by total: hammer_time 5.675 ms, one call, on the boot thread
grep -Eq '^ +5\.675 +0\.295 +[0-9.]+ +1  kernel +hammer_time$' "$tmp/head.table" ||
	fail "head: hammer_time total is not 5.675 ms: $(grep 'hammer_time$' "$tmp/head.table")"
grep -q "warning: $head: 2 warnings" "$tmp/head.err" || fail "head: warnings not counted on stderr"

# --- head: json, raw cycles and ns
"$BOOTLENS" analyze --format json "$head" >"$tmp/head.json" 2>/dev/null
# in "functions": name, arg, calls, self_cycles, self_ns, total_cycles
grep -A6 '^      "name": "hammer_time",$' "$tmp/head.json" | grep -q '"total_cycles": 13877804,' ||
	fail "head json: hammer_time total_cycles is not 13877804"
grep -q '"schema_version": 2' "$tmp/head.json" || fail "head json: no schema_version"

# --- head: folded stacks obey the format (one stack a line, ';' frames, space, integer)
"$BOOTLENS" analyze --format folded "$head" >"$tmp/head.folded" 2>/dev/null
[ -s "$tmp/head.folded" ] || fail "head folded: empty"
if grep -vE '^[^;]+(;[^;]+)* [0-9]+$' "$tmp/head.folded"; then
	fail "head folded: the lines above break the format"
fi
[ "$(cut -d' ' -f1- "$tmp/head.folded" | sed 's/ [0-9]*$//' | sort | uniq -d)" = "" ] ||
	fail "head folded: a stack is listed twice"
grep -qx 'kernel;hammer_time 295' "$tmp/head.folded" || fail "head folded: kernel;hammer_time"

# --- --strict: the truncation warnings make it exit 1
set +e
"$BOOTLENS" analyze --strict "$head" >/dev/null 2>&1
rc=$?
set -e
[ $rc -eq 1 ] || fail "head --strict exited $rc, want 1"

# --- tail
"$BOOTLENS" analyze --tsc-freq 2445431964 "$tail" >"$tmp/tail.table" 2>"$tmp/tail.err" || fail "tail exited $?"
lines=$(wc -l <"$tail")
tslog=$(grep -cE '^0x[0-9a-f]+ [0-9]+ (ENTER|EXIT|THREAD|EVENT) |^[0-9]+ [0-9]+ [0-9]+ [0-9]+ ".*" ".*"$' "$tail")
grep -q "^lines    $lines read, $tslog tslog, $((lines - tslog)) skipped" "$tmp/tail.table" ||
	fail "tail: not every line accounted for: $(grep '^lines' "$tmp/tail.table")"
grep -q '^unmatched EXIT (4)$' "$tmp/tail.table" || fail "tail: the leading EXITs are not unmatched"
for l in 1 6 7 12; do
	grep -Eq "^ +$l  .* (vm_phys_finish_init|_sleep)$" "$tmp/tail.table" || fail "tail: no unmatched EXIT at line $l"
done
sed -n '/^open at dump time/,/^$/p' "$tmp/tail.table" >"$tmp/open"
[ "$(grep -c ' _sleep$' "$tmp/open")" -eq 2 ] || fail "tail: _sleep frames not open at dump time: $(cat "$tmp/open")"
grep -Eq '^ +15 +1 +[0-9.]+ +- +- +/etc/rc$' "$tmp/tail.table" || fail "tail: pid 15 /etc/rc missing"
children=$(grep -cE '^ +[0-9]+ +15 ' "$tmp/tail.table")
[ "$children" -eq 16 ] || fail "tail: /etc/rc has $children children, want 16"
grep -q '^dump     complete$' "$tmp/tail.table" || fail "tail: wrongly judged truncated"

# --- several files: analysed in turn
"$BOOTLENS" analyze "$head" "$tail" >"$tmp/both" 2>/dev/null || fail "two files exited $?"
[ "$(grep -c '^bootlens analyze ' "$tmp/both")" -eq 2 ] || fail "two files: not two reports"
echo "analyze samples: ok"
