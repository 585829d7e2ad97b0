#!/usr/bin/env bash
# labels: vm
# timeout: 300
# The accelerator probe's cache (docs/collect.md, "The probe cache"), with
# the real guest on a host whose /dev/kvm cannot run it: with a fresh
# BOOTLENS_CACHE_DIR the first "collect --accel auto -n 1" probes (the
# note says why, not "cached", and it takes the probe's time before
# falling back to TCG); the second says "cached" and is at least 5 s
# faster; --no-probe-cache probes again; a garbage cache file is noted and
# survived (probed again, rewritten); --accel tcg never probes.
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_SRC:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
. "$BOOTLENS_SRC/tests/integration/lib/guest.sh"
bl_need_tool qemu-system-x86_64
[ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] || bl_skip "no usable /dev/kvm: --accel auto does not probe here"
bl_fetch_kernel
bl_build_initrd
export BOOTLENS_CACHE_DIR=$tmp/cache
cache=$BOOTLENS_CACHE_DIR/probe-cache.json

# auto NAME [ARGS...]: collect one run with --accel auto; sets ms, the
# time until session.json appeared (it is written once the accelerator is
# chosen: the probe's time, not the boot's, which a loaded host stretches)
auto() {
	local name=$1 t0 pid rc
	shift
	t0=$(date +%s%N)
	"$BOOTLENS" collect --kernel "$kernel" --initrd "$tmp/initrd.gz" -n 1 "$@" -o "$tmp/$name" \
		>"$tmp/$name.out" 2>&1 &
	pid=$!
	while [ ! -e "$tmp/$name/session.json" ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.02
	done
	ms=$((($(date +%s%N) - t0) / 1000000))
	set +e
	wait "$pid"
	rc=$?
	set -e
	[ $rc -eq 0 ] || fail "$name: collect exited $rc: $(cat "$tmp/$name.out")"
	echo "$name: accelerator chosen after $ms ms: $(grep -v '^session' "$tmp/$name.out" | tr '\n' ' ')"
}

auto first
grep -q '"accel": "kvm"' "$tmp/first/session.json" && bl_skip "KVM runs guests on this host: nothing is cached as failing"
grep -q 'kvm does not run a guest here (.*); using tcg' "$tmp/first.out" || fail "first: no note"
! grep -q cached "$tmp/first.out" || fail "first: a fresh cache said cached"
[ -s "$cache" ] || fail "first: no cache file written"
grep -q '"works": false' "$cache" || fail "first: the cache does not say kvm fails: $(cat "$cache")"
first_ms=$ms
[ "$ms" -ge 5000 ] || fail "first: accelerator chosen after $ms ms: did it probe?"
why=$(sed -n 's/.*"accel_note": "\(.*\)",*$/\1/p' "$tmp/first/session.json")
[ -n "$why" ] || fail "first: no accel_note"

auto second
grep -q "kvm does not run a guest here (.*; cached [0-9-]\{10\} in $cache, --no-probe-cache to probe again); using tcg" \
	"$tmp/second.out" || fail "second: the note does not say cached: $(cat "$tmp/second.out")"
grep -q '"accel": "tcg"' "$tmp/second/session.json" || fail "second: not tcg"
[ "$(sed -n 's/.*"accel_note": "\(.*\)",*$/\1/p' "$tmp/second/session.json")" = "$why" ] ||
	fail "second: accel_note is not the cached reason '$why'"
[ $((first_ms - ms)) -ge 5000 ] || fail "second: $ms ms, the first $first_ms ms: the probe was not skipped"

auto again --no-probe-cache
! grep -q cached "$tmp/again.out" || fail "--no-probe-cache: said cached"
grep -q 'kvm does not run a guest here' "$tmp/again.out" || fail "--no-probe-cache: no note"
[ "$ms" -ge 5000 ] || fail "--no-probe-cache: accelerator chosen after $ms ms: did it probe?"

echo 'not { json' >"$cache"
auto garbage
grep -q "ignoring the probe cache: $cache:1: .*; probing again" "$tmp/garbage.out" ||
	fail "garbage: no note: $(cat "$tmp/garbage.out")"
grep -q '"kind": "bootlens-probe-cache"' "$cache" || fail "garbage: the cache was not rewritten"

auto tcg --accel tcg
! grep -q 'guest here\|probe' "$tmp/tcg.out" || fail "--accel tcg probed: $(cat "$tmp/tcg.out")"
echo ok
