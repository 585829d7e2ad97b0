#!/usr/bin/env bash
# A session directory is input like any other (issue 10): resume and show
# check what they read back, never run a path from it, never let its text
# drive the terminal, count what is on disk, and report a failed write.
# Uses the stand-in QEMU.
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?}"
fake=$BOOTLENS_TEST_DATA/collect/fake-qemu
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true
	for p in "$tmp"/state/pid.*; do [ -f "$p" ] && kill -KILL "$(cat "$p")" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
run() { # run CMD...: sets rc, out (stdout) and err (stderr)
	set +e
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}
echo kernel >"$tmp/k"
mkdir "$tmp/state"
export FAKE_QEMU_STATE=$tmp/state
"$BOOTLENS" collect --kernel "$tmp/k" --qemu "$fake" --accel tcg -n 5 -o "$tmp/base" >/dev/null
# fresh NAME: a copy of the 5-run session
fresh() {
	rm -rf "$tmp/$1"
	cp -r "$tmp/base" "$tmp/$1"
}
# edit NAME JQ-FILTER [FILE]: rewrite session.json (or FILE) of NAME
edit() {
	local f=$tmp/$1/${3:-session.json}
	jq "$2" "$f" >"$f.new"
	mv "$f.new" "$f"
}

# Bug 4: an interrupted resume counts the runs on disk (4 of 5, not 1).
t_count() {
fresh count
rm "$tmp/count/runs/0002".*
FAKE_QEMU_SCRIPT=slow FAKE_QEMU_DELAY=30 setsid "$BOOTLENS" collect --resume -o "$tmp/count" \
	--qemu "$fake" >"$tmp/count.out" 2>&1 &
pid=$!
for _ in $(seq 100); do
	[ -n "$(ls "$tmp"/state/pid.* 2>/dev/null | sed -n 6p)" ] && break
	sleep 0.05
done
kill -INT -- "-$pid"
sleep 0.2
kill -INT -- "-$pid"
set +e
wait "$pid"
rc=$?
set -e
pid=
[ $rc -eq 1 ] || fail "an interrupted resume exited $rc, want 1"
grep -q 'session .*: 4 of 5 runs recorded (0 now); default: 4 ok' "$tmp/count.out" ||
	fail "an interrupted resume said: $(cat "$tmp/count.out")"
grep -q 'stopped after 4 of 5 runs' "$tmp/count.out" || fail "no stop line: $(cat "$tmp/count.out")"

}

# Bug 5: settings out of the command line's ranges are refused, naming
# the field; no run is booted or written.
t_settings() {
for bad in 'retries=4294967295' 'timeout_s=-1' 'timeout_s=18446744074' 'timeout_s=86401' 'runs=0.5'; do
	fresh set
	rm "$tmp/set/runs/0003".*
	edit set ".settings.${bad%%=*} = ${bad#*=}"
	run "$BOOTLENS" collect --resume -o "$tmp/set" --qemu "$fake"
	[ $rc -eq 2 ] || fail "resume with settings.$bad exited $rc, want 2"
	grep -q "settings.${bad%%=*} is not" <<<"$err" || fail "settings.$bad: '$err'"
	[ ! -e "$tmp/set/runs/0003.json" ] || fail "settings.$bad: run 3 was written"
done
grep -q 'is not a number from 1 to 86400, as --timeout takes' <<<"$(
	fresh set
	edit set '.settings.timeout_s = 86401'
	"$BOOTLENS" show "$tmp/set" 2>&1 || true
)" || fail "show does not refuse settings.timeout_s 86401"

}

# Resume never runs host.qemu_binary: it finds QEMU as collect does.
t_qemu() {
fresh qemu
rm "$tmp/qemu/runs/0005".*
printf '#!/bin/sh\ntouch %s/pwned\nexec %s "$@"\n' "$tmp" "$fake" >"$tmp/evil"
chmod +x "$tmp/evil"
edit qemu ".host.qemu_binary = \"$tmp/evil\""
mkdir "$tmp/bin"
ln -s "$fake" "$tmp/bin/qemu-system-x86_64"
run env -u BOOTLENS_QEMU PATH="$tmp/bin:$PATH" "$BOOTLENS" collect --resume -o "$tmp/qemu"
[ $rc -eq 0 ] || fail "resume with PATH's QEMU exited $rc: $err"
[ ! -e "$tmp/pwned" ] || fail "resume ran the session's host.qemu_binary"
grep -q "resuming with QEMU '$tmp/bin/qemu-system-x86_64'; the session recorded '$tmp/evil'" <<<"$out" ||
	fail "no note of the other QEMU: $out"
fresh accel
rm "$tmp/accel/runs/0005".*
edit accel '.host.accel = "tcg,thread=single"'
run "$BOOTLENS" collect --resume -o "$tmp/accel" --qemu "$fake"
[ $rc -eq 2 ] && grep -q 'host.accel is not one of' <<<"$err" || fail "host.accel 'tcg,...': $rc $err"

}

# show: escape sequences from session.json and the captures never reach
# the terminal raw; a missing string is "unknown", never "(null)".
t_escape() {
fresh esc
edit esc '.labels.x = "\u001b]0;owned\u0007" | .host.cpu_model = null | .variants[0].cmdline = "a\u009bb\r"'
edit esc '.reason = "\u001b[2J"' runs/0001.json
run "$BOOTLENS" show "$tmp/esc"
[ $rc -eq 0 ] || fail "show exited $rc: $err"
! grep -q $'\x1b\|\x07\|\r' "$tmp/out" && ! grep -q $'\xc2\x9b' "$tmp/out" || fail "show printed control bytes"
grep -qF 'label   x=\x1b]0;owned\x07' <<<"$out" || fail "no escaped label: $out"
grep -qF 'cmdline: a\xc2\x9bb\x0d' <<<"$out" || fail "no escaped C1 control: $out"
grep -qF '\x1b[2J' <<<"$out" || fail "no escaped reason: $out"
! grep -q '(null)' <<<"$out" || fail "show printed (null): $out"
grep -q '^host    unknown, ' <<<"$out" || fail "a missing cpu_model is not 'unknown': $out"
run "$BOOTLENS" show "$tmp/esc" --run 1
grep -qF 'verdict ok: \x1b[2J' <<<"$out" || fail "show --run: $out"
printf 'x\033]0;owned\007y\r\n' >"$tmp/esc/runs/0001.console"
run "$BOOTLENS" show "$tmp/esc" --run 1 --raw
cmp -s "$tmp/out" "$tmp/esc/runs/0001.console" || fail "--raw to a file is not verbatim"
script -qec "$BOOTLENS show $tmp/esc --run 1 --raw" /dev/null >"$tmp/tty" </dev/null
grep -qF 'x\x1b]0;owned\x07y' "$tmp/tty" || fail "--raw on a terminal: $(cat -v "$tmp/tty")"

}

# A negative boot_ns is refused at reading, naming the field.
t_boot_ns() {
fresh neg
edit neg '.boot_ns = -1' runs/0001.json
run "$BOOTLENS" show "$tmp/neg" --run 1
[ $rc -eq 2 ] && grep -q 'boot_ns is not a non-negative integer' <<<"$err" ||
	fail "negative boot_ns: rc $rc, $out $err"
run "$BOOTLENS" show "$tmp/neg"
! grep -q 18446744073709 <<<"$out" || fail "show listed a negative boot_ns as $out"
grep -q '0001.json.: boot_ns is not a non-negative integer' <<<"$err" || fail "list: $err"

}

# A run file that is not the planned run: refused (show, resume); a
# stray run outside the plan: warned about and ignored.
t_plan() {
fresh plan
edit plan '.run = 3' runs/0002.json
run "$BOOTLENS" show "$tmp/plan" --run 2
[ $rc -eq 2 ] && grep -q 'run is 3, its file name says 2' <<<"$err" || fail "run 3 as 0002: $rc $err"
rm "$tmp/plan/runs/0005".*
run "$BOOTLENS" collect --resume -o "$tmp/plan" --qemu "$fake"
[ $rc -eq 2 ] && grep -q '0002.json.: run is 3, its file name says 2 (move it away' <<<"$err" ||
	fail "resume over a misnumbered run: $rc $err"
[ ! -e "$tmp/plan/runs/0005.json" ] || fail "resume booted over a misnumbered run"
fresh var
edit var '.variant = "other"' runs/0004.json
run "$BOOTLENS" show "$tmp/var" --run 4
[ $rc -eq 2 ] && grep -q "run 4 is of variant 'other', the plan says 'default'" <<<"$err" ||
	fail "variant other: $rc $err"
	# the message quotes the file's text: escaped too
	edit var '.variant = "o\u001b[2Jx"' runs/0004.json
	run "$BOOTLENS" show "$tmp/var" --run 4
	grep -qF "run 4 is of variant 'o\x1b[2Jx'" <<<"$err" && ! grep -q $'\x1b' "$tmp/err" ||
		fail "an escape sequence in a message: $(cat -v "$tmp/err")"
fresh stray
cp "$tmp/stray/runs/0001.json" "$tmp/stray/runs/0099.json"
run "$BOOTLENS" show "$tmp/stray"
grep -q "0099.json' is not in the plan (runs 1 to 5): ignored" <<<"$err" || fail "stray: $err"
! grep -q '^ *99 ' <<<"$out" || fail "the stray run was listed: $out"
rm "$tmp/stray/runs/0005".*
run "$BOOTLENS" collect --resume -o "$tmp/stray" --qemu "$fake"
[ $rc -eq 0 ] && grep -q '5 of 5 runs recorded' <<<"$out" && grep -q '0099.json. is not in the plan' <<<"$err" ||
	fail "resume with a stray run: $rc $out $err"

}

# Bug 6: a failed write to stdout is an error that names it.
t_devfull() {
for args in "" "--run 1" "--run 1 --raw"; do
	set +e
	"$BOOTLENS" show "$tmp/base" $args >/dev/full 2>"$tmp/err"
	rc=$?
	set -e
	[ $rc -eq 1 ] || fail "show $args >/dev/full exited $rc, want 1"
	grep -q '^bootlens: cannot write to standard output: No space left on device$' "$tmp/err" ||
		fail "show $args >/dev/full said: $(cat "$tmp/err")"
done
# a capture larger than stdio's buffer: the same message (the errno kept)
fresh big
head -c 200000 /dev/urandom >"$tmp/big/runs/0001.console"
set +e
"$BOOTLENS" show "$tmp/big" --run 1 --raw >/dev/full 2>"$tmp/err"
rc=$?
set -e
[ $rc -eq 1 ] && grep -q '^bootlens: cannot write to standard output: No space left on device$' "$tmp/err" ||
	fail "a 200 kB capture >/dev/full: $rc $(cat "$tmp/err")"
set +e
"$BOOTLENS" collect --kernel "$tmp/k" --qemu "$fake" --accel tcg -n 1 -o "$tmp/full" >/dev/full 2>"$tmp/err"
rc=$?
set -e
[ $rc -eq 1 ] && grep -q 'cannot write to standard output: No space left on device' "$tmp/err" ||
	fail "collect >/dev/full: $rc $(cat "$tmp/err")"
}

# SESSION_HOSTILE_ONLY="count qemu" runs only those (e.g. on an older tree).
for t in ${SESSION_HOSTILE_ONLY:-count settings qemu escape boot_ns plan devfull}; do
	"t_$t"
	echo "ok: $t"
done
