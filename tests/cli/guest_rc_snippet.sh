#!/usr/bin/env bash
# guest/bootlens-rc.sh, the /etc/rc snippet for BSD images, run by a plain
# POSIX sh with a stand-in sysctl(8) that serves the FreeBSD samples: its
# dump must pass 'bootlens guest verify' (crc32=none: bytes checked), carry
# the tslog verbatim, and a changed byte count must be caught.
set -euo pipefail

: "${BOOTLENS:?}" "${BOOTLENS_SRC:?}" "${BOOTLENS_SAMPLES:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

sed -n '/^SMOLFIRE_TSLOG_BEGIN$/,$p' "$BOOTLENS_SAMPLES/freebsd15-firecracker-tslog-head.txt" |
	grep '^0x' >"$tmp/tslog"
sed -n '/^SMOLFIRE_TSLOG_USER_BEGIN$/,/^SMOLFIRE_TSLOG_USER_END$/p' \
	"$BOOTLENS_SAMPLES/freebsd15-firecracker-tslog-tail.txt" | sed '1d;$d' >"$tmp/tslog_user"

cat >"$tmp/run.sh" <<'SH'
sysctl() {
	[ "$1" = -n ] || return 1
	case $2 in
	kern.ostype) echo FreeBSD ;;
	machdep.tsc_freq) echo 2445431964 ;;
	debug.tslog) cat "$T/tslog" ;;
	debug.tslog_user) cat "$T/tslog_user" ;;
	*) return 1 ;;
	esac
}
. "$SRC/guest/bootlens-rc.sh"
BOOTLENS_TMP=$T
bootlens_mark rc-start "$T/console"
bootlens_dump "$T/console.dump"
cat "$T/console.dump" >>"$T/console"
SH
T=$tmp SRC=$BOOTLENS_SRC sh "$tmp/run.sh" || fail "the snippet failed under sh"
ls "$tmp" | grep -q '^bootlens-body' && fail "the snippet left its staging file behind"

"$BOOTLENS" guest verify "$tmp/console" >"$tmp/verify" ||
	{ cat "$tmp/verify" >&2; fail "guest verify rejected the snippet's dump"; }
grep -q '^dump: ok$' "$tmp/verify" || fail "verify did not say ok"
grep -q '^crc32: none' "$tmp/verify" || fail "verify did not say the crc32 went unchecked"
grep -q '^begin: os=freebsd tsc_freq=2445431964 ' "$tmp/verify" || fail "wrong begin line: $(grep begin "$tmp/verify")"
grep -q '^section tslog_user ' "$tmp/verify" || fail "no tslog_user section"
"$BOOTLENS" guest verify --section tslog "$tmp/console" >"$tmp/got"
cmp -s "$tmp/got" "$tmp/tslog" || fail "the tslog section differs from the sysctl value"
head -n 1 "$tmp/console" | grep -q '^@@bootlens mark rc-start uptime_ns=0$' || fail "no marker line"

# One byte more in the body than the end line claims: caught.
sed 's/ENTER hammer_time/ENTER hammer_timeX/' "$tmp/console" >"$tmp/bad"
status=0
"$BOOTLENS" guest verify --quiet "$tmp/bad" || status=$?
[ "$status" -eq 1 ] || fail "a lengthened dump gave exit $status, expected 1"
echo "ok"
