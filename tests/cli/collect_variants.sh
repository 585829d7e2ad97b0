#!/usr/bin/env bash
# Variants' append-= and timing=host with a stand-in QEMU
# (tests/data/collect/fake-qemu), no VM: the command line append-= makes
# (session.json, show), a word the line lacks refused at collect time
# (exit 2, nothing written), a host-timed variant whose QEMU exits 0
# without a dump judged ok (the same boot of a dump-timed variant is a
# crash), session.json's host_timed, and --resume judging the rest of a
# host-timed variant's runs the same way (host_timed read back).
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
verdict() { sed -n 's/^  "verdict": "\([a-z-]*\)",$/\1/p' "$1"; }
# A stand-in bzImage (the "HdrS" magic at 0x202): collect gives it the
# default Linux command line.
head -c 514 /dev/zero >"$tmp/k"
printf 'HdrS' >>"$tmp/k"
head -c 64 /dev/zero >>"$tmp/k"
export FAKE_QEMU_STATE=$tmp/state
mkdir "$tmp/state"
collect() { "$BOOTLENS" collect --kernel "$tmp/k" --qemu "$data/fake-qemu" --accel tcg "$@"; }

# 1. A word append-= names that the line lacks: exit 2, no session.
set +e
collect -n 1 --variant 'x: append-=quite' -o "$tmp/typo" >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
[ $rc -eq 2 ] || fail "append-= of an absent word exited $rc, want 2: $(cat "$tmp/err")"
grep -q "^bootlens: --variant 'x: append-=quite': 'quite' is not in the command line 'console=ttyS0 quiet initcall_debug log_buf_len=4M panic=-1 reboot=t" "$tmp/err" ||
	fail "the error names the variant, the word and the line: $(cat "$tmp/err")"
[ ! -e "$tmp/typo/session.json" ] || fail "a refused variant left a session.json"
[ ! -e "$tmp/state/count" ] || fail "a refused variant booted QEMU"
# tsc_early_khz is no word of the line (tsc_early_khz=N is)
set +e
collect -n 1 --variant 'x: append-=tsc_early_khz' -o "$tmp/typo" >/dev/null 2>"$tmp/err"
rc=$?
set -e
[ $rc -eq 2 ] || fail "append-=tsc_early_khz exited $rc, want 2"
grep -q "'tsc_early_khz' is not in the command line" "$tmp/err" || fail "$(cat "$tmp/err")"

# 2. loud (append-=quiet, every occurrence) and bare (host-timed), with
# base; plan: base loud bare base loud bare, bare's boots powering off
# without a dump.
export FAKE_QEMU_SCRIPT="ok ok poweroff ok ok poweroff"
set +e
collect -n 2 --append 'quiet x=1' --variant 'base' --variant 'loud: append-=quiet' \
	--variant 'bare: append-=initcall_debug log_buf_len=4M; timing=host' \
	-o "$tmp/s" >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
[ $rc -eq 0 ] || fail "collect exited $rc: $(cat "$tmp/err")"
grep -q '^session .*: 6 of 6 runs recorded (6 now); base: 2 ok; loud: 2 ok; bare: 2 ok$' "$tmp/out" ||
	fail "summary: $(cat "$tmp/out")"
j=$tmp/s/session.json
grep -q '"cmdline": "console=ttyS0 quiet initcall_debug log_buf_len=4M panic=-1 reboot=t.* quiet x=1"' "$j" ||
	fail "base keeps the default line and --append: $(grep cmdline "$j")"
grep -q '"cmdline": "console=ttyS0 initcall_debug log_buf_len=4M panic=-1 reboot=t[^"]* x=1"' "$j" ||
	fail "loud drops quiet twice (the default's and --append's): $(grep cmdline "$j")"
grep -q '"cmdline": "console=ttyS0 quiet panic=-1 reboot=t[^"]* quiet x=1"' "$j" ||
	fail "bare drops initcall_debug and log_buf_len=4M: $(grep cmdline "$j")"
[ "$(grep -c '"host_timed": true' "$j")" -eq 1 ] || fail "host_timed once, for bare: $(cat "$j")"
[ "$(grep -c '"host_timed"' "$j")" -eq 1 ] || fail "host_timed absent for the others"
python3 - "$j" <<'PY' || fail "host_timed is bare's"
import json, sys
v = {x["name"]: x.get("host_timed", False) for x in json.load(open(sys.argv[1]))["variants"]}
assert v == {"base": False, "loud": False, "bare": True}, v
PY
"$BOOTLENS" show "$tmp/s" >"$tmp/show"
grep -q "^        cmdline: console=ttyS0 initcall_debug" "$tmp/show" || fail "show: $(cat "$tmp/show")"
for r in 3 6; do
	[ "$(verdict "$tmp/s/runs/000$r.json")" = ok ] || fail "bare run $r: $(cat "$tmp/s/runs/000$r.json")"
	grep -q '"dump": null' "$tmp/s/runs/000$r.json" || fail "bare run $r has no dump"
done

# 3. The same power-off for a dump-timed variant is a crash.
rm -f "$tmp/state/count"
export FAKE_QEMU_SCRIPT="poweroff"
set +e
collect -n 1 --retries 0 --variant 'dumped' -o "$tmp/c" >/dev/null 2>&1
set -e
[ "$(verdict "$tmp/c/runs/0001.json")" = crash ] || fail "dump-timed power-off: $(cat "$tmp/c/runs/0001.json")"
grep -q 'exited with status 0 before a dump' "$tmp/c/runs/0001.json" || fail "its reason"

# 4. --resume: host_timed comes back from session.json. The last two runs
# (loud, bare) are removed and booted again, bare's as a power-off.
rm "$tmp/s/runs/0005."* "$tmp/s/runs/0006."*
rm -f "$tmp/state/count"
export FAKE_QEMU_SCRIPT="ok poweroff"
set +e
"$BOOTLENS" collect --resume --qemu "$data/fake-qemu" -o "$tmp/s" >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
[ $rc -eq 0 ] || fail "resume exited $rc: $(cat "$tmp/err")"
[ "$(cat "$tmp/state/count")" -eq 2 ] || fail "resume booted $(cat "$tmp/state/count") times, want 2"
[ "$(verdict "$tmp/s/runs/0006.json")" = ok ] || fail "resumed bare run: $(cat "$tmp/s/runs/0006.json")"
grep -q '"variant": "bare"' "$tmp/s/runs/0006.json" || fail "run 6 is bare's"

# 5. analyze the session: bare's total alone, every variant analysed.
"$BOOTLENS" analyze "$tmp/s:bare" >"$tmp/an" 2>"$tmp/err" || fail "analyze :bare: $(cat "$tmp/err")"
grep -q "phases and functions are not available" "$tmp/an" || fail "analyze :bare: $(cat "$tmp/an")"
echo ok
