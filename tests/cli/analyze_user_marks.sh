#!/usr/bin/env bash
# bootlens analyze on a session whose dumper exec'd a real init (busybox sh,
# tests/data/linux-session-userinit/init-real) that printed marks: the
# "user space marks" section in the table, "marks" in the JSON in console
# order on both clocks, and a --phase-map naming mark.NAME points. No VM.
set -euo pipefail

: "${BOOTLENS:?}" "${BOOTLENS_TEST_DATA:?}"
s=$BOOTLENS_TEST_DATA/linux-session-userinit
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

"$BOOTLENS" analyze --per-run "$s" >"$tmp/t" || fail "analyze exited $?"
grep -q '^  user space marks (ms since Run /init)$' "$tmp/t" || fail "no user space marks section: $(cat "$tmp/t")"
for m in exec-init rc-start mounted slept; do
	grep -Eq "^  $m +[0-9]+\.[0-9]{3} +[0-9]+\.[0-9]{3} " "$tmp/t" || fail "mark $m lacks guest and host times"
done
grep -q '^  exec-init .*(after the dump)$' "$tmp/t" || fail "exec-init is not flagged as the first mark after the dump"

"$BOOTLENS" analyze --format json "$s" >"$tmp/j" || fail "analyze --format json exited $?"
names=$(jq -r '[.runs[0].marks[].name] | join(" ")' "$tmp/j")
[ "$names" = "exec-init rc-start mounted slept" ] || fail "marks out of order or missing: $names"
jq -e '[.runs[0].marks[].since_run_init_ns] | . == sort' "$tmp/j" >/dev/null ||
	fail "guest times of the marks do not increase"
jq -e '[.runs[0].marks[].host_since_run_init_ns] | . == sort and all(. != null)' "$tmp/j" >/dev/null ||
	fail "host times of the marks are missing or do not increase"

printf 'sleep: mark.mounted -> mark.slept\n' >"$tmp/map"
"$BOOTLENS" analyze --phase-map "$tmp/map" --format json "$s" >"$tmp/p" || fail "analyze --phase-map exited $?"
ns=$(jq '.runs[0].phases[0].duration_ns' "$tmp/p")
[ "$ns" = 226572905 ] || fail "phase mark.mounted -> mark.slept is $ns ns, expected 226572905"
echo "ok"
