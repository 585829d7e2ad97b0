#!/usr/bin/env bash
# Issue 10 bug 1 (analysis side): clock values at and above 2^63 never
# wrap. A tslog EXIT at 2^63 + 1000 made the boot last 0 cycles; one at
# 2^64 - 2 printed 18446744073709551616 (no 64-bit value); tsc_now=2^64-1
# made userland "end before it starts". Whichever layer refuses such a
# value (the parser or the analysis), analyze says so on that line and
# prints only true numbers.
set -euo pipefail
: "${BOOTLENS:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
for v in 9223372036854776808 18446744073709551614; do
	printf '0x1 1000 ENTER a\n0x1 %s EXIT a\n' "$v" >"$tmp/big"
	"$BOOTLENS" analyze "$tmp/big" >"$tmp/t" 2>/dev/null || fail "$v: exit $?"
	grep -q '^boot     0 cycles' "$tmp/t" && fail "$v: the boot lasted 0 cycles"
	grep -q '18446744073709551616' "$tmp/t" && fail "$v: printed 2^64"
	grep -Eq '^  line 2: .*(range|2\^63|too large|beyond)' "$tmp/t" ||
		fail "$v: no warning on line 2: $(sed -n '/^warnings/,$p' "$tmp/t")"
	"$BOOTLENS" analyze --format json "$tmp/big" >"$tmp/j" 2>/dev/null || fail "$v json: exit $?"
	jq -e '[.. | numbers | select(. < 0)] | length == 0' "$tmp/j" >/dev/null ||
		fail "$v: a negative number in the JSON"
	jq -e '.boot.span_cycles != 0' "$tmp/j" >/dev/null || fail "$v: JSON span 0"
done
# the exact difference is printed, not a double's rounding
printf '0x1 1000 ENTER a\n0x1 9223372036854775807 EXIT a\n' >"$tmp/max"
"$BOOTLENS" analyze "$tmp/max" >"$tmp/t" 2>/dev/null
grep -q '^boot     9223372036854775807 cycles' "$tmp/t" || fail "max: $(grep '^boot' "$tmp/t")"
grep -Eq '^ +9223372036854774807 +9223372036854774807 ' "$tmp/t" || fail "max: the function's time is not exact"
printf '@@bootlens v1 begin os=freebsd tsc_freq=1000000000 tsc_now=18446744073709551615\n0x1 1000 ENTER a\n0x1 2000 EXIT a\n' >"$tmp/now"
"$BOOTLENS" analyze "$tmp/now" >"$tmp/t" 2>/dev/null || fail "tsc_now: exit $?"
grep -q 'ends before it starts' "$tmp/t" && fail "tsc_now=2^64-1: a phase ends before it starts"
grep -Eq '^  line 1: .*tsc_now' "$tmp/t" || fail "tsc_now=2^64-1: no warning naming it"
# folded stacks: a cycle count exactly; one that adds up beyond 64 bits
# over merged inputs is left out with a warning, never wrapped
printf '0x1 0 ENTER a\n0x1 9223372036854775807 EXIT a\n' >"$tmp/half"
"$BOOTLENS" analyze --format folded "$tmp/half" >"$tmp/f" 2>/dev/null
[ "$(cat "$tmp/f")" = "kernel;a 9223372036854775807" ] || fail "folded: '$(cat "$tmp/f")'"
"$BOOTLENS" analyze --format folded "$tmp/half" "$tmp/half" "$tmp/half" >"$tmp/f" 2>"$tmp/e"
[ "$(cat "$tmp/f")" = "" ] || fail "folded over 64 bits: '$(cat "$tmp/f")'"
grep -q '1 stack left out: its cycles add up beyond 64 bits' "$tmp/e" || fail "folded: no warning: $(cat "$tmp/e")"
echo "clock range: ok"
