#!/usr/bin/env bash
# Issue 10 bug 3: clock stitching checks its result against the host
# marks. The real session run with its begin line's tsc_freq= halved, set
# to 3, and doubled: guest TSC 0 would lie before the spawn or after the
# first console byte. analyze says so in a warning naming the TSC
# frequency, leaves qemu and firmware+entry unavailable with a why (table
# and JSON), never prints a negative or inverted stitched phase, and the
# available phases still sum to no more than spawn -> exit.
set -euo pipefail
: "${BOOTLENS:?}" "${BOOTLENS_TEST_DATA:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
for f in 1149920000 3 4599680000; do
	s=$tmp/s$f
	cp -r "$BOOTLENS_TEST_DATA/linux-session" "$s"
	# the begin line is outside the bytes and crc32 of the end line
	sed -i "1s/tsc_freq=2299840000 /tsc_freq=$f /" "$s/runs/0001.console"
	grep -q "tsc_freq=$f " "$s/runs/0001.console" || fail "tsc_freq=$f not planted"
	"$BOOTLENS" analyze --per-run "$s" >"$tmp/t" 2>"$tmp/e" || fail "tsc_freq=$f: exit $?"
	grep -q 'ends before it starts' "$tmp/t" && fail "tsc_freq=$f: an inverted phase: $(cat "$tmp/t")"
	grep -Eq 'guest TSC 0 at -' "$tmp/t" && fail "tsc_freq=$f: guest TSC 0 before the spawn is printed"
	grep -Eq '^  qemu .* unavailable: guest TSC 0 not placed: the TSC frequency' "$tmp/t" ||
		fail "tsc_freq=$f: qemu not unavailable with a why: $(cat "$tmp/t")"
	grep -Eq '^  firmware\+entry .* unavailable: guest TSC 0 not placed' "$tmp/t" ||
		fail "tsc_freq=$f: firmware+entry not unavailable"
	grep -Eq "^  line 1: clock stitching: guest TSC 0 .*tsc_freq=$f Hz.*the TSC frequency is wrong" "$tmp/t" ||
		fail "tsc_freq=$f: no warning naming the TSC frequency"
	grep -q '1 warning in 1 run' "$tmp/e" || fail "tsc_freq=$f: no warning count on stderr"
	"$BOOTLENS" analyze --format json "$s" >"$tmp/j" 2>/dev/null || fail "tsc_freq=$f json: exit $?"
	r='.runs[0]'
	[ "$(jq "$r.stitch.tsc0_ns" "$tmp/j")" = null ] || fail "tsc_freq=$f: tsc0_ns in JSON"
	jq -e "$r.stitch.tsc0_why | test(\"TSC frequency\")" "$tmp/j" >/dev/null || fail "tsc_freq=$f: no tsc0_why"
	jq -e "[$r.phases[] | select(.name == \"qemu\" or .name == \"firmware+entry\") |
		select(.available == false and (.why | test(\"TSC frequency\")))] | length == 2" "$tmp/j" >/dev/null ||
		fail "tsc_freq=$f: JSON phases not unavailable with a why"
	jq -e "$r.warnings | map(select(.message | test(\"clock stitching\"))) | length == 1" "$tmp/j" >/dev/null ||
		fail "tsc_freq=$f: no JSON warning: $(jq -c "$r.warnings" "$tmp/j")"
	jq -e "([$r.phases[] | select(.available) | .duration_ns] | add) <= $r.total_ns" "$tmp/j" >/dev/null ||
		fail "tsc_freq=$f: available phases sum beyond spawn -> exit"
done
# a log whose Run /init lies hours after the dump: late init would end
# after QEMU's exit; unavailable with a warning, the available phases still
# fit inside spawn -> exit
s=$tmp/late
cp -r "$BOOTLENS_TEST_DATA/linux-session" "$s"
sed -i 's/^<6>\[    1.983627\] Run \/init/<6>[ 9999.983627] Run \/init/' "$s/runs/0001.console"
grep -q '9999.983627' "$s/runs/0001.console" || fail "Run /init not moved"
"$BOOTLENS" analyze --per-run "$s" >"$tmp/t" 2>/dev/null || fail "late Run /init: exit $?"
grep -Eq "^  late init .* unavailable: lies outside QEMU's spawn to exit" "$tmp/t" ||
	fail "late init not unavailable: $(sed -n '/^phases/,/total/p' "$tmp/t")"
grep -q "clock stitching: phase late init (initcalls.end -> kernel.run_init) lies outside" "$tmp/t" ||
	fail "no warning for late init"
"$BOOTLENS" analyze --format json "$s" >"$tmp/j" 2>/dev/null
jq -e '.runs[0] | ([.phases[] | select(.available) | .duration_ns] | add) <= .total_ns' "$tmp/j" >/dev/null ||
	fail "late Run /init: available phases sum beyond spawn -> exit"

# the untouched run: no warning, every phase available
"$BOOTLENS" analyze --format json "$BOOTLENS_TEST_DATA/linux-session" >"$tmp/j" 2>/dev/null
jq -e '.runs[0] | (.warnings | length == 0) and ([.phases[] | select(.available | not)] | length == 0)' \
	"$tmp/j" >/dev/null || fail "the real run has a warning or an unavailable phase"
echo "stitch checks: ok"
