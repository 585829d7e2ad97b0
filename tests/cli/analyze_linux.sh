#!/usr/bin/env bash
# bootlens analyze on Linux inputs, no VM: kernel logs (a real dmesg with
# level prefixes, a serial console, one without initcall_debug), and a
# real one-run session (tests/data/linux-session) as SESSION and
# SESSION:VARIANT, in table and JSON; the same capture as a FILE and as
# the session's run gives the same phases, initcalls and call trees (one
# pipeline); --unit and --format folded on a session; a session whose run
# is a FreeBSD tslog dump; the errors: an unknown variant, a session with
# no ok run, a file with no kernel log.
set -euo pipefail
: "${BOOTLENS:?}" "${BOOTLENS_TEST_DATA:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
d=$BOOTLENS_TEST_DATA/dmesg
s=$BOOTLENS_TEST_DATA/linux-session

"$BOOTLENS" analyze "$d/real-dmesg-levels.log" >"$tmp/t" || fail "real dmesg: exit $?"
grep -q '^input    linux' "$tmp/t" || fail "real dmesg not read as a Linux log"
grep -Eq '^  initcalls +initcalls.start +initcalls.end +[0-9.]+' "$tmp/t" ||
	fail "no initcalls phase for the real dmesg"
grep -q 'init_kprobe_trace' "$tmp/t" || fail "init_kprobe_trace missing from the top functions"

"$BOOTLENS" analyze "$d/real-console.log" >"$tmp/t" || fail "serial console: exit $?"
grep -q 'con_init' "$tmp/t" || fail "console initcalls on PID 0 missing"

"$BOOTLENS" analyze "$d/no-initcall-debug.log" >"$tmp/t" 2>"$tmp/e" || fail "no initcall_debug: exit $?"
grep -q 'initcall_debug' "$tmp/t" || fail "no note that initcalls need initcall_debug"
grep -Eq '^  kernel +kernel.start +kernel.run_init +[0-9]+\.[0-9]{3} ' "$tmp/t" ||
	fail "no 'kernel' phase (printk 0 -> Run /init) for a log without initcall_debug"
grep -q '^  initcalls ' "$tmp/t" && fail "an initcalls phase without initcall_debug"
rc=0
"$BOOTLENS" analyze --strict "$d/no-initcall-debug.log" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "--strict with the initcall_debug note: exit $rc, want 1"

"$BOOTLENS" analyze --per-run "$s" >"$tmp/t" || fail "session: exit $?"
grep -q '^run 1 (default): ok' "$tmp/t" || fail "session table has no run 1"
for p in qemu firmware+entry 'printk lag' 'early kernel' initcalls 'late init' 'user space' power-off; do
	grep -Eq "^  ${p//+/\\+} +[^ ]+ +[^ ]+ +[0-9]+\.[0-9]{3} " "$tmp/t" || fail "phase '$p' missing or unavailable"
done
grep -Eq '^  total +host.spawn +host.exit +3538\.603 +100\.0$' "$tmp/t" || fail "no total (spawn to QEMU exit)"
grep -q 'uncertainty: console latency' "$tmp/t" || fail "no stitching uncertainty in the footer"
grep -q 'crypto_algapi_init' "$tmp/t" || fail "slowest initcall missing"

"$BOOTLENS" analyze --format json "$s:default" >"$tmp/j" || fail "session json: exit $?"
grep -q '"schema_version": 2' "$tmp/j" || fail "no schema_version"
[ "$(jq '.runs[0].total_ns' "$tmp/j")" = 3538603273 ] || fail "total_ns is not spawn to QEMU exit"
grep -q '"latency_bound_ns": [0-9]' "$tmp/j" || fail "no latency bound in the JSON"
grep -q '"tsc0_ns": 98973789' "$tmp/j" || fail "stitched TSC 0 is not the expected 98973789 ns (anchored at the begin line's first byte)"

# One pipeline: the run's capture as a FILE gives the session run's
# phases (those not needing host marks), initcalls, kernel facts, threads
# and functions; the host's phases are unavailable there, for want of
# host.spawn, guest.tsc0, printk.zero or host.exit.
"$BOOTLENS" analyze --format json "$s/runs/0001.console" >"$tmp/f" || fail "capture as a FILE: exit $?"
host='select((.from + .to) | test("host\\.|guest\\.tsc0|printk\\.zero") | not)'
for q in "[.phases[] | $host]" .initcalls .kernel .threads .functions .warnings '[.phases[] | {name, from, to}]' \
	'[.marks[] | {name, line, guest_ns, since_run_init_ns, after_dump}]'; do
	a=$(jq -c "$q" "$tmp/f") && b=$(jq -c ".runs[0] | $q" "$tmp/j") || fail "jq $q"
	[ -n "$a" ] && [ "$a" = "$b" ] || fail "FILE and session run differ in $q"
done
[ "$(jq "[.phases[] | $host] | length" "$tmp/f")" -eq 4 ] || fail "not 4 guest-only phases"
[ "$(jq '[.phases[] | select(.available)] | length' "$tmp/f")" -eq 4 ] ||
	fail "a host phase is available without host marks"
[ "$(jq '.stitch' "$tmp/f")" = null ] && [ "$(jq '.total_ns' "$tmp/f")" = null ] ||
	fail "a FILE has stitching or a total"

# Every option on every path: --unit and --top on a session's table,
# folded stacks of a session's runs.
"$BOOTLENS" analyze --per-run --unit us --top 3 "$s" >"$tmp/t" || fail "session --unit us: exit $?"
grep -Eq '^  initcalls +initcalls.start +initcalls.end +1518949\.[0-9]{3} ' "$tmp/t" || fail "--unit us ignored by the session table"
grep -q 'cubictcp_register' "$tmp/t" && ! grep -q 'init_kprobe_trace' "$tmp/t" ||
	fail "--top ignored by the session table (the 3rd slowest initcall missing, or the 4th shown)"
"$BOOTLENS" analyze --format folded "$s" >"$tmp/fold" || fail "session folded: exit $?"
grep -q '^initcalls;crypto_algapi_init 457442$' "$tmp/fold" || fail "no folded stacks of the session run"

rc=0
"$BOOTLENS" analyze "$s:nosuch" >/dev/null 2>"$tmp/e" || rc=$?
[ "$rc" -eq 2 ] || fail "unknown variant: exit $rc, want 2"
grep -q "no variant 'nosuch'" "$tmp/e" || fail "unknown variant: $(cat "$tmp/e")"

mkdir -p "$tmp/empty/runs"
cp "$s/session.json" "$tmp/empty/"
rc=0
"$BOOTLENS" analyze "$tmp/empty" >/dev/null 2>"$tmp/e" || rc=$?
[ "$rc" -eq 1 ] || fail "session with no ok run: exit $rc, want 1"
grep -q 'no ok run' "$tmp/e" || fail "session with no ok run: $(cat "$tmp/e")"

# A session whose run is a FreeBSD tslog dump goes to the tslog analysis.
if [ -n "${BOOTLENS_SAMPLES:-}" ] && [ -f "$BOOTLENS_SAMPLES/freebsd15-firecracker-tslog-head.txt" ]; then
	cp -r "$s" "$tmp/bsd"
	cp "$BOOTLENS_SAMPLES/freebsd15-firecracker-tslog-head.txt" "$tmp/bsd/runs/0001.console"
	"$BOOTLENS" analyze --per-run "$tmp/bsd" >"$tmp/t" 2>/dev/null || fail "BSD session: exit $?"
	grep -q '^run 1 (default): ok' "$tmp/t" || fail "BSD session run not reported"
	grep -q '^input    tslog, os freebsd' "$tmp/t" || fail "BSD session run not analysed as tslog"
	"$BOOTLENS" analyze --format json "$tmp/bsd" >"$tmp/j" 2>/dev/null || fail "BSD session json: exit $?"
	[ "$(jq -r '.runs[0].input.kind' "$tmp/j")" = tslog ] || fail "BSD session run not in the JSON"
fi

printf '@@bootlens v1 begin os=linux\nhello\n' >"$tmp/nolog"
rc=0
"$BOOTLENS" analyze "$tmp/nolog" >/dev/null 2>"$tmp/e" || rc=$?
[ "$rc" -eq 2 ] || fail "no kernel log: exit $rc, want 2"
grep -q 'no kernel log line' "$tmp/e" || fail "no kernel log: $(cat "$tmp/e")"
echo ok
