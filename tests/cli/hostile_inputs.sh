#!/usr/bin/env bash
# Hostile inputs (issue 10): clock values at or above 2^63 are refused with
# a warning naming the line (bug 1); the end line's numbers and shape are
# checked exactly, whatever the command (bug 2); an input larger than the
# input limit stops with a message naming the limit, a read error is not
# "cannot open" (bug 7); a failed write to the output is an error (bug 6).
set -euo pipefail
: "${BOOTLENS:?}"
tmp=$(mktemp -d)
mnt=
cleanup() {
	[ -n "$mnt" ] && umount "$mnt" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
run() { # CMD...: stdout in $tmp/out, stderr in $tmp/err, exit status in $rc
	rc=0
	"$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
}
has() { # FILE TEXT what
	grep -qF -- "$2" "$1" || fail "$3: no '$2' in $(basename "$1"): $(head -c 600 "$1")"
}
hasnt() {
	! grep -qF -- "$2" "$1" || fail "$3: '$2' in $(basename "$1")"
}
cd "$tmp"

# a framed FreeBSD tslog dump with crc32=none: dump BEGIN-FIELDS [END-FIELDS]
dump() {
	local body
	body=$'@@bootlens section tslog\n0xfffff80003a01000 1000 ENTER hammer_time\n0xfffff80003a01000 2000 ENTER mi_startup\n0xfffff80003a01000 3000 ENTER start_init\n0xfffff80003a01000 4000 EXIT start_init\n'
	printf '@@bootlens v1 begin %s\n%s' "$1" "$body"
	printf '@@bootlens end %s\n' "${2:-sections=1 bytes=${#body} crc32=none}"
}

# ---- bug 1: clock values at or above 2^63 ----
printf '0x1 1000 ENTER a\n0x1 9223372036854776808 EXIT a\n' >big
run "$BOOTLENS" analyze big
[ "$rc" = 0 ] || fail "analyze big exited $rc"
has out "line 2: tslog timestamp out of range" "2^63+1000"
hasnt out "boot     0 cycles" "2^63+1000"
printf '0x1 1000 ENTER a\n0x1 18446744073709551614 EXIT a\n' >big2
run "$BOOTLENS" analyze big2
has out "line 2: tslog timestamp out of range" "2^64-2"
hasnt out "18446744073709551616" "2^64-2"
dump "os=freebsd tsc_freq=1000000000 tsc_now=18446744073709551615" >tscnow.console
run "$BOOTLENS" analyze tscnow.console
has out "line 1: bad tsc_now field 'tsc_now=18446744073709551615' ignored" "tsc_now=2^64-1"
hasnt out "ends before it starts" "tsc_now=2^64-1"

# ---- bug 2: the end line, exactly ----
body_len=$(dump "os=freebsd" | sed -n '2,6p' | wc -c)
for end in "sections=4294967297 bytes=$body_len crc32=none" \
	"sections=4294967300 bytes=$body_len crc32=none" \
	"sections=1 bytes=$body_len crc32=ABCDEF01" \
	"sections=1 bytes=$body_len crc32=0c5f1e6" \
	"sections=1 bytes=$body_len crc32=none "; do
	dump "os=freebsd tsc_freq=1000000000" "$end" >end.console
	run "$BOOTLENS" guest verify end.console
	[ "$rc" = 1 ] || fail "guest verify with '$end' exited $rc, want 1"
	has out "dump: malformed end line" "guest verify with '$end'"
	run "$BOOTLENS" analyze end.console
	has out "line 1: the dump is damaged: malformed end line" "analyze with '$end'"
done
dump "os=freebsd tsc_freq=1000000000" >good.console
run "$BOOTLENS" guest verify good.console
[ "$rc" = 0 ] || fail "guest verify good.console exited $rc: $(cat err)"
head -c -1 good.console >nonl.console # the end line without its newline
run "$BOOTLENS" guest verify nonl.console
has out "dump: malformed end line" "an end line without its newline"

# guest words reach the terminal made safe (ESC as \x1b, as show does: cli/textout.h)
dump $'os=freebsd kernel=\e]0;owned\a' >esc.console
printf '@@bootlens mark x\e[2Jy uptime_ns=5\n' >>esc.console
run "$BOOTLENS" guest verify esc.console
if grep -q $'\e' out; then fail "guest verify printed an escape byte: $(cat -v out)"; fi
has out 'begin: os=freebsd kernel=\x1b]0;owned\x07' "guest verify of an escape in a field"
has out 'mark x\x1b[2Jy uptime_ns=5' "guest verify of an escape in a mark"

# ---- bug 7: the input limit ----
run "$BOOTLENS" guest verify /dev/zero
[ "$rc" = 2 ] || fail "guest verify /dev/zero exited $rc, want 2"
has err "bootlens: '/dev/zero' is larger than the input limit of 256 MiB (set BOOTLENS_MAX_INPUT to raise it)" "guest verify /dev/zero"
BOOTLENS_MAX_INPUT=100 run "$BOOTLENS" guest verify good.console
[ "$rc" = 2 ] || fail "BOOTLENS_MAX_INPUT=100 exited $rc, want 2"
has err "is larger than the input limit of 100 bytes" "BOOTLENS_MAX_INPUT=100"
BOOTLENS_MAX_INPUT=1K run "$BOOTLENS" guest verify good.console
[ "$rc" = 0 ] || fail "BOOTLENS_MAX_INPUT=1K exited $rc: $(cat err)"
BOOTLENS_MAX_INPUT=lots run "$BOOTLENS" guest verify good.console
[ "$rc" = 2 ] || fail "BOOTLENS_MAX_INPUT=lots exited $rc, want 2"
has err "BOOTLENS_MAX_INPUT='lots' is not a size" "BOOTLENS_MAX_INPUT=lots"
run "$BOOTLENS" guest verify "$tmp"
[ "$rc" = 2 ] || fail "guest verify DIR exited $rc, want 2"
has err "cannot read '$tmp': Is a directory" "guest verify DIR"
BOOTLENS_MAX_INPUT=1M run "$BOOTLENS" analyze /dev/zero
[ "$rc" = 2 ] || fail "analyze /dev/zero exited $rc, want 2"

# ---- bug 6: a failed write is an error ----
for args in "good.console" "--section tslog good.console"; do
	rc=0
	# shellcheck disable=SC2086
	"$BOOTLENS" guest verify $args >/dev/full 2>err || rc=$?
	[ "$rc" != 0 ] || fail "guest verify $args >/dev/full exited 0"
	has err "cannot write to standard output: No space left on device" "guest verify $args >/dev/full"
done
rc=0
"$BOOTLENS" version >/dev/full 2>err || rc=$?
[ "$rc" != 0 ] || fail "version >/dev/full exited 0"
# stdout closed: an error when something was to be printed, none otherwise
rc=0
"$BOOTLENS" version >&- 2>err || rc=$?
[ "$rc" != 0 ] || fail "version >&- exited 0"
rc=0
"$BOOTLENS" guest verify --quiet good.console >&- 2>err || rc=$?
[ "$rc" = 0 ] || fail "guest verify --quiet >&- exited $rc: $(cat err)"
# a small file system that fills up (root only)
if [ "$(id -u)" = 0 ] && mkdir small && mount -t tmpfs -o size=64k tmpfs small 2>/dev/null; then
	mnt=$tmp/small
	{
		printf '@@bootlens v1 begin os=linux\n'
		body=$(for i in $(seq 1000 3999); do printf '<6>[    0.%06d] line %d padding padding padding\n' "$i" "$i"; done)
		body=$'@@bootlens section dmesg\n'"$body"$'\n'
		printf '%s' "$body"
		printf '@@bootlens end sections=1 bytes=%d crc32=none\n' "$(printf '%s' "$body" | wc -c)"
	} >bigdump.console
	rc=0
	"$BOOTLENS" guest verify --section dmesg bigdump.console >small/dmesg.txt 2>err || rc=$?
	[ "$rc" != 0 ] || fail "guest verify --section dmesg to a full tmpfs exited 0"
	has err "cannot write to standard output ('$tmp/small/dmesg.txt'): No space left on device" "a full tmpfs"
	umount small && mnt=
else
	echo "SKIP: the full tmpfs case (needs root and mount)"
fi

[ "$failures" = 0 ] || exit 1
echo "hostile_inputs: ok"
