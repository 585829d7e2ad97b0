#!/usr/bin/env bash
# bootlens collect with a stand-in QEMU (tests/data/collect/fake-qemu):
# every verdict, retries of a hang, the session going on after failures,
# raw captures kept verbatim, variants interleaved with their QEMU
# arguments after bootlens's own, and what show prints.
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?}"
data=$BOOTLENS_TEST_DATA/collect
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
field() { # field RUN-JSON PYTHON-ISH-PATH, via jq-less grep: top-level string fields only
	sed -n "s/^  \"$2\": \"\\{0,1\\}\\([^\",]*\\)\"\\{0,1\\},\\{0,1\\}\$/\\1/p" "$1" | head -n 1
}
echo kernel >"$tmp/k"
export FAKE_QEMU_STATE=$tmp/state
mkdir "$tmp/state"

# Six runs, two variants interleaved: a b a b a b.
#   1 a ok | 2 b hang, hang, hang (timeout after 2 retries) | 3 a crash
#   4 b badcrc | 5 a exit1 (crash) | 6 b ok
export FAKE_QEMU_SCRIPT="ok hang hang hang crash badcrc exit1 ok"
set +e
"$BOOTLENS" collect --kernel "$tmp/k" --qemu "$data/fake-qemu" --accel tcg -n 3 --timeout 2 \
	--variant 'a: append+=one=1' --variant 'b: qemu+=-M microvm,rtc=off' \
	-o "$tmp/s" -- -cpu max >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
[ $rc -eq 0 ] || fail "collect exited $rc (both variants have an ok run): $(cat "$tmp/err")"
grep -q '^session .*: 6 of 6 runs recorded (6 now); a: 1 ok; b: 1 ok$' "$tmp/out" ||
	fail "summary line: $(cat "$tmp/out")"
[ "$(cat "$tmp/state/count")" -eq 8 ] || fail "QEMU started $(cat "$tmp/state/count") times, want 8"

verdicts=""
for r in 1 2 3 4 5 6; do
	f=$tmp/s/runs/000$r.json
	[ -f "$f" ] || fail "run $r has no JSON"
	verdicts="$verdicts $(field "$f" variant):$(field "$f" verdict)"
done
[ "$verdicts" = " a:ok b:timeout a:crash b:bad-dump a:crash b:ok" ] ||
	fail "variants and verdicts:$verdicts"

# The hang: three attempts, each killed at its deadline (a collector that
# did not kill would never finish: no wall-clock assertion needed), the
# earlier two kept as .a1/.a2, the serial port showing why.
grep -c '"verdict": "timeout"' "$tmp/s/runs/0002.json" | grep -qx 4 ||
	fail "run 2 does not record three timed-out attempts"
for a in a1 a2; do
	[ -f "$tmp/s/runs/0002.$a.console" ] && [ -f "$tmp/s/runs/0002.$a.serial" ] ||
		fail "run 2 lacks the captures of attempt $a"
	grep -q 'Marking TSC unstable' "$tmp/s/runs/0002.$a.serial" || fail "0002.$a.serial lost its bytes"
done
[ "$(grep -c '"wall_ns": [1-9]' "$tmp/s/runs/0002.json")" -eq 3 ] ||
	fail "run 2's attempts do not each record how long they lasted"
grep -q 'no dump within 2 s' "$tmp/s/runs/0002.json" || fail "run 2 gives no reason"

# The crash: killed by signal 9, the session went on.
grep -q 'qemu killed by signal 9' "$tmp/s/runs/0003.json" || fail "run 3 is not a SIGKILL crash"
grep -q 'qemu exited with status 1 before a dump' "$tmp/s/runs/0005.json" || fail "run 5 reason"
grep -q 'could not load kernel' "$tmp/s/runs/0005.qemu.log" || fail "run 5 lost QEMU's stderr"

# The wrong CRC: bad-dump, the raw bytes kept verbatim.
grep -q 'crc32 mismatch' "$tmp/s/runs/0004.json" || fail "run 4 reason"
cmp -s "$tmp/s/runs/0004.console" "$data/badcrc.console" || fail "run 4's console is not verbatim"
"$BOOTLENS" show "$tmp/s" --run 4 --raw >"$tmp/raw4"
cmp -s "$tmp/raw4" "$data/badcrc.console" || fail "show --raw is not verbatim"
cmp -s "$tmp/s/runs/0001.console" "$data/good.console" || fail "run 1's console is not verbatim"
"$BOOTLENS" show "$tmp/s" --run 2 --attempt 1 --serial | grep -q 'Marking TSC unstable' ||
	fail "show --attempt 1 --serial"

# Host marks and console offsets of the ok run.
for m in spawn first_console_byte dump_begin dump_end exit; do
	grep -q "\"$m\": [0-9]" "$tmp/s/runs/0001.json" || fail "run 1 lacks host mark $m"
done
grep -q '"name": "poweroff"' "$tmp/s/runs/0001.json" || fail "run 1 lacks the poweroff mark"

# Argv: bootlens's own first, then the variant's, then the user's.
args=$(tr '\n' ' ' <"$tmp/state/argv.2")
[[ $args == *"-chardev socket,id=blser,fd="*" -serial chardev:blser -M microvm,rtc=off -cpu max "* ]] ||
	fail "variant b's argv: $args"
args=$(tr '\n' ' ' <"$tmp/state/argv.1")
[[ $args == "-M microvm -accel tcg "*" -append one=1 "*"-cpu max " ]] || fail "variant a's argv: $args"
grep -q '"cmdline": "one=1"' "$tmp/s/session.json" || fail "session.json lacks a's cmdline"
grep -q '"sha256": "[0-9a-f]\{64\}"' "$tmp/s/session.json" || fail "session.json lacks the kernel sha256"
grep -q '"session_id": ' "$tmp/s/session.json" || fail "session.json lacks session_id"

# show lists every run with variant, verdict, attempts, boot time and run
# delay ("-" on a host without schedstat files).
"$BOOTLENS" show "$tmp/s" >"$tmp/show"
grep -Eq '^ +2  b +timeout +3 +- +(-|[0-9]+\.[0-9]) +(starved: run delay [0-9]+% of wall time; )?attempt 1 timeout; attempt 2 timeout; no dump within 2 s$' "$tmp/show" ||
	fail "show's line for run 2: $(grep '^ *2 ' "$tmp/show")"
grep -Eq '^ +1  a +ok +1 +[0-9]+\.[0-9]' "$tmp/show" || fail "show's line for run 1"
[ "$("$BOOTLENS" show "$tmp/s:b" | grep -Ec '^ +[0-9]+  ')" -eq 3 ] || fail "show SESSION:b lists other runs"

# No ok run for a variant: exit 1.
rm -rf "$tmp/state" && mkdir "$tmp/state"
export FAKE_QEMU_SCRIPT="ok badcrc"
set +e
"$BOOTLENS" collect --kernel "$tmp/k" --qemu "$data/fake-qemu" --accel tcg -n 1 \
	--variant a --variant b -o "$tmp/s2" >/dev/null 2>"$tmp/err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "a variant without an ok run exited $rc, want 1"
grep -q "variant 'b' has no ok run" "$tmp/err" || fail "no-ok message: $(cat "$tmp/err")"

# Warm-ups come first, are stored with verdict warmup, --no-interleave groups.
rm -rf "$tmp/state" && mkdir "$tmp/state"
export FAKE_QEMU_SCRIPT=ok
"$BOOTLENS" collect --kernel "$tmp/k" --qemu "$data/fake-qemu" --accel tcg -n 2 --warmup 1 \
	--no-interleave --variant a --variant b -o "$tmp/s3" >/dev/null
verdicts=""
for r in 1 2 3 4 5 6; do
	f=$tmp/s3/runs/000$r.json
	verdicts="$verdicts $(field "$f" variant):$(field "$f" verdict)"
done
[ "$verdicts" = " a:warmup a:ok a:ok b:warmup b:ok b:ok" ] || fail "warm-up plan:$verdicts"
echo ok
