#!/bin/bash
# The aggregate's options and cases (docs/analyze.md, "Aggregate") on
# tests/data/linux-session-5 (5 ok runs, run 4 starved, run 6 failed):
# --seed gives the same output for the same input; --exclude-starved
# leaves run 4 out and says so; --per-run adds each run's table after the
# aggregate; a session of two variants gives one aggregate each; several
# SESSION refs give one aggregate each; --aggregate refuses FILEs of two
# OSes and aggregates FILEs of one (their folded stacks are medians; without
# --aggregate, sums).
set -euo pipefail
: "${BOOTLENS:?}" "${BOOTLENS_TEST_DATA:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
s=$BOOTLENS_TEST_DATA/linux-session-5
t=$BOOTLENS_TEST_DATA/tslog

# --seed: same input and seed, same output; the CI draws nothing, so only
# the recorded seed differs with another seed
"$BOOTLENS" analyze --format json --seed 7 "$s" >"$tmp/a" 2>/dev/null || fail "--seed 7: exit $?"
"$BOOTLENS" analyze --format json --seed 7 "$s" >"$tmp/b" 2>/dev/null || fail "--seed 7 again: exit $?"
cmp -s "$tmp/a" "$tmp/b" || fail "--seed 7 twice gives two outputs"
"$BOOTLENS" analyze --format json --seed 8 "$s" >"$tmp/c" 2>/dev/null || fail "--seed 8: exit $?"
[ "$(diff "$tmp/a" "$tmp/c" | grep -c '^[<>]')" = 2 ] || fail "--seed changed more than the seed"
[ "$(jq '.aggregates[0].seed' "$tmp/a")" = 7 ] || fail "seed not recorded"
"$BOOTLENS" analyze --seed x "$s" 2>"$tmp/e" && fail "--seed x accepted"
grep -q -- "--seed wants a number" "$tmp/e" || fail "--seed x: $(cat "$tmp/e")"

# starved: flagged and counted by default, left out on request
"$BOOTLENS" analyze "$s" >"$tmp/t" 2>"$tmp/e" || fail "session: exit $?"
grep -q '^  starved: run 4 (run delay 400.000 ms.*, counted$' "$tmp/t" || fail "run 4 not flagged as starved"
grep -q '1 run starved by the host' "$tmp/e" || fail "stderr does not count the starved run"
grep -Eq '^total +5 ' "$tmp/t" || fail "the starved run is not counted by default"
grep -q '^  failed: run 6 (timeout: no dump within 30 s)$' "$tmp/t" || fail "run 6 not listed as failed"
"$BOOTLENS" analyze --exclude-starved "$s" >"$tmp/t" 2>"$tmp/e" || fail "--exclude-starved: exit $?"
grep -q '4 ok runs, 1 failed, 1 starved by the host (1 left out: --exclude-starved)' "$tmp/t" ||
	fail "--exclude-starved heading: $(head -1 "$tmp/t")"
grep -q ', left out$' "$tmp/t" || fail "run 4 not said to be left out"
grep -Eq '^total +4 ' "$tmp/t" || fail "--exclude-starved still counts run 4"
"$BOOTLENS" analyze --exclude-starved --format json "$s" >"$tmp/j" 2>/dev/null
[ "$(jq '[.runs[] | select(.in_aggregate | not) | .run] | tostring' "$tmp/j")" = '"[4]"' ] ||
	fail "JSON: run 4 is not the one left out"
[ "$(jq '.aggregates[0].starved_left_out' "$tmp/j")" = 1 ] || fail "JSON: starved_left_out"

# --per-run: the aggregate, then each run's own table
"$BOOTLENS" analyze --per-run "$s" >"$tmp/t" 2>/dev/null || fail "--per-run: exit $?"
[ "$(head -1 "$tmp/t" | cut -c1-20)" = "aggregate of session" ] || fail "--per-run: no aggregate first"
[ "$(grep -c '^run [0-9] (default): ok' "$tmp/t")" = 5 ] || fail "--per-run: not 5 run tables"
grep -q '^run 4 (default): ok, starved$' "$tmp/t" || fail "--per-run: run 4 not marked starved"
grep -q '^run 6 (default): timeout: no dump within 30 s, skipped$' "$tmp/t" || fail "--per-run: run 6"

# two variants: one aggregate each, in order of first appearance
cp -r "$s" "$tmp/two"
jq '.settings.runs = 3 | .variants += [.variants[0] | .name = "b"] | .plan |= map(if .run >= 4 then .variant = "b" else . end)' \
	"$s/session.json" >"$tmp/two/session.json"
for r in 4 5 6; do
	jq '.variant = "b"' "$s/runs/000$r.json" >"$tmp/two/runs/000$r.json"
done
"$BOOTLENS" analyze "$tmp/two" >"$tmp/t" 2>/dev/null || fail "two variants: exit $?"
grep -q 'variant default: 3 ok runs; times in ms$' "$tmp/t" || fail "two variants: default's aggregate"
grep -q 'variant b: 2 ok runs, 1 failed, 1 starved by the host; times in ms$' "$tmp/t" ||
	fail "two variants: b's aggregate"
"$BOOTLENS" analyze "$tmp/two:b" >"$tmp/t" 2>/dev/null || fail "SESSION:b: exit $?"
[ "$(grep -c '^aggregate of' "$tmp/t")" = 1 ] || fail "SESSION:b gives more than b's aggregate"
"$BOOTLENS" analyze "$s" "$tmp/two:b" >"$tmp/t" 2>/dev/null || fail "two refs: exit $?"
[ "$(grep -c '^aggregate of' "$tmp/t")" = 2 ] || fail "two refs: not two aggregates"

# a failed run's reason comes from the session: escaped on the terminal
jq '.reason = "hung\u001b[2J"' "$tmp/two/runs/0006.json" >"$tmp/r6"
mv "$tmp/r6" "$tmp/two/runs/0006.json"
"$BOOTLENS" analyze "$tmp/two" >"$tmp/t" 2>/dev/null || fail "escaped reason: exit $?"
grep -q 'failed: run 6 (timeout: hung\\x1b\[2J)$' "$tmp/t" || fail "reason not escaped: $(grep 'run 6' "$tmp/t" | od -c | head -3)"

# FILEs: --aggregate of one OS only; median folded stacks
"$BOOTLENS" analyze --aggregate "$t/two_threads.txt" "$t/netbsd.txt" >/dev/null 2>"$tmp/e" && fail "two OSes aggregated"
grep -q "takes captures of one OS: '.*two_threads.txt' is freebsd, '.*netbsd.txt' is netbsd" "$tmp/e" ||
	fail "two OSes: $(cat "$tmp/e")"
"$BOOTLENS" analyze --format folded --unit ns --tsc-freq 2000000000 "$t/two_threads.txt" "$t/two_threads.txt" \
	"$t/recursion.txt" >"$tmp/sum" 2>/dev/null
"$BOOTLENS" analyze --format folded --unit ns --tsc-freq 2000000000 --aggregate "$t/two_threads.txt" "$t/two_threads.txt" \
	"$t/recursion.txt" >"$tmp/med" 2>/dev/null
"$BOOTLENS" analyze --format folded --unit ns --tsc-freq 2000000000 "$t/two_threads.txt" >"$tmp/one" 2>/dev/null
cmp -s "$tmp/med" "$tmp/one" || fail "median of (A, A, B) is not A's stacks: $(diff "$tmp/one" "$tmp/med")"
cmp -s "$tmp/sum" "$tmp/med" && fail "folded FILEs without --aggregate are not summed"
"$BOOTLENS" analyze --aggregate "$t/two_threads.txt" "$t/recursion.txt" >"$tmp/t" 2>/dev/null
grep -q '^aggregate of 2 files: 2 ok runs; times in ms$' "$tmp/t" || fail "FILEs aggregate heading"
echo "analyze aggregate: ok"
