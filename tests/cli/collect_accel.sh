#!/usr/bin/env bash
# bootlens collect chooses a hardware accelerator only when it runs a
# guest, with a stand-in QEMU that reports "KVM internal error": --accel
# auto falls back to TCG saying why in one line, --accel kvm fails with
# exit 1. Also: the progress line appears on a terminal only.
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?}"
fake=$BOOTLENS_TEST_DATA/collect/fake-qemu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
echo kernel >"$tmp/k"
# A fresh probe cache: every start below probes (collect_probe_cache.sh
# tests the cache).
export BOOTLENS_CACHE_DIR=$tmp/cache
kvm_usable=no
if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then kvm_usable=yes; fi

# auto: the probe (first start) says KVM internal error, the run is ok.
# Without a usable /dev/kvm there is no probe: the first start is the run.
script="kvmerror ok"
[ $kvm_usable = yes ] || script=ok
mkdir "$tmp/st1"
# (That the probe does not wait for its timeout on a KVM internal error is
# test_runner's test_runner_run_kvm_internal_error_is_crash_at_once: no
# wall-clock assertion here.)
FAKE_QEMU_STATE=$tmp/st1 FAKE_QEMU_SCRIPT=$script "$BOOTLENS" collect --kernel "$tmp/k" \
	--qemu "$fake" -n 1 -o "$tmp/auto" >"$tmp/out" 2>"$tmp/err" ||
	fail "--accel auto exited $?: $(cat "$tmp/err")"
grep -q '"accel": "tcg"' "$tmp/auto/session.json" || fail "auto did not fall back to tcg"
grep -q '"accel_requested": "auto"' "$tmp/auto/session.json" || fail "accel_requested is not auto"
if [ $kvm_usable = yes ]; then
	grep -q -- '-accel.kvm' <(tr '\n' ' ' <"$tmp/st1/argv.1" | sed 's/ /./g') ||
		fail "the probe did not use kvm: $(cat "$tmp/st1/argv.1")"
	[ "$(grep -c 'does not run a guest here' "$tmp/out")" -eq 1 ] ||
		fail "auto did not say in one line why: $(cat "$tmp/out")"
	grep -q 'kvm does not run a guest here (qemu reported "KVM internal error"); using tcg' "$tmp/out" ||
		grep -q 'KVM internal error' "$tmp/out" || fail "the line does not name the error: $(cat "$tmp/out")"
	grep -q '"accel_note": ".*KVM internal error' "$tmp/auto/session.json" || fail "no accel_note"
fi
grep -q -- '-accel.tcg' <(tr '\n' '.' <"$tmp/st1/argv.$(cat "$tmp/st1/count")") ||
	fail "the run did not use tcg"

# kvm: fails clearly, creates no session.
mkdir "$tmp/st2"
set +e
FAKE_QEMU_STATE=$tmp/st2 FAKE_QEMU_SCRIPT="kvmerror" "$BOOTLENS" collect --kernel "$tmp/k" \
	--qemu "$fake" -n 1 --accel kvm -o "$tmp/kvm" >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "--accel kvm exited $rc, want 1"
grep -q '^bootlens: --accel kvm: .*; use --accel tcg$' "$tmp/err" || fail "--accel kvm said: $(cat "$tmp/err")"
[ ! -e "$tmp/kvm/session.json" ] || fail "--accel kvm created a session"

# Progress: none when stdout is not a terminal; a line on one.
mkdir "$tmp/st3"
FAKE_QEMU_STATE=$tmp/st3 "$BOOTLENS" collect --kernel "$tmp/k" --qemu "$fake" --accel tcg -n 2 \
	-o "$tmp/quiet" >"$tmp/out" 2>&1
! grep -q $'\r' "$tmp/out" || fail "progress written to a file"
# script(1) gives collect a terminal; without it this check cannot run:
# the test then ends as skipped (77), not passed.
if ! command -v script >/dev/null; then
	echo "skipped: script(1) is not installed: progress on a terminal not checked" >&2
	exit "${BOOTLENS_SKIP_RC:-77}"
fi
mkdir "$tmp/st4"
FAKE_QEMU_STATE=$tmp/st4 script -qec "'$BOOTLENS' collect --kernel '$tmp/k' --qemu '$fake' \
	--accel tcg -n 2 -o '$tmp/tty'" /dev/null </dev/null >"$tmp/out" 2>&1 ||
	fail "collect on a terminal failed: $(cat "$tmp/out")"
grep -q 'run 2/2  default  last 0\.[0-9]* s  failures 0' "$tmp/out" ||
	fail "no progress line on a terminal: $(cat -v "$tmp/out")"
echo ok
