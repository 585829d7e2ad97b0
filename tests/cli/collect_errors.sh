#!/usr/bin/env bash
# bootlens collect refuses bad input before booting anything: a missing
# kernel or initrd, a missing QEMU (naming the Debian package), bad
# numbers, an existing session; show refuses what is not a session.
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
# run CMD...: sets rc, out (stdout) and err (stderr)
run() {
	set +e
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}
echo kernel >"$tmp/k"
export FAKE_QEMU_STATE=$tmp

run "$BOOTLENS" collect --kernel "$tmp/missing-vmlinuz" --qemu "$fake" --accel tcg -o "$tmp/s"
[ $rc -eq 2 ] || fail "missing kernel exited $rc, want 2"
[ "$err" = "bootlens: cannot open kernel '$tmp/missing-vmlinuz': No such file or directory" ] ||
	fail "missing kernel said '$err'"
[ ! -e "$tmp/s" ] || fail "a session was created for a missing kernel"

run "$BOOTLENS" collect --kernel "$tmp/k" --initrd "$tmp/no-initrd" --qemu "$fake" -o "$tmp/s"
[ $rc -eq 2 ] || fail "missing initrd exited $rc, want 2"
grep -q "cannot open initrd '$tmp/no-initrd'" <<<"$err" || fail "missing initrd said '$err'"

# An ELF without a PVH note: a warning (QEMU boots it only as multiboot).
run "$BOOTLENS" collect --kernel /bin/true --initrd "$tmp/no-initrd" --qemu "$fake" -o "$tmp/s"
[ $rc -eq 2 ] || fail "missing initrd (ELF kernel) exited $rc, want 2"
grep -q "^bootlens: warning: kernel '/bin/true' is an ELF without a PVH entry note" <<<"$err" ||
	fail "an ELF kernel without a PVH note gave no warning: '$err'"

run "$BOOTLENS" collect --kernel "$tmp/k" --variant "b: kernel=$tmp/nope" --qemu "$fake" -o "$tmp/s"
[ $rc -eq 2 ] || fail "missing variant kernel exited $rc, want 2"
grep -q "cannot open kernel '$tmp/nope'" <<<"$err" || fail "missing variant kernel said '$err'"

# QEMU missing: an explicit path, $BOOTLENS_QEMU, and nothing on PATH.
run "$BOOTLENS" collect --kernel "$tmp/k" --qemu "$tmp/no-qemu" -o "$tmp/s"
[ $rc -eq 2 ] || fail "missing --qemu exited $rc, want 2"
grep -q "cannot find QEMU '$tmp/no-qemu'" <<<"$err" || fail "missing --qemu said '$err'"
grep -q "Debian package qemu-system-x86" <<<"$err" || fail "missing QEMU does not name the package: '$err'"
run env BOOTLENS_QEMU="$tmp/no-qemu" "$BOOTLENS" collect --kernel "$tmp/k" -o "$tmp/s"
[ $rc -eq 2 ] || fail "missing \$BOOTLENS_QEMU exited $rc, want 2"
grep -q "qemu-system-x86" <<<"$err" || fail "missing \$BOOTLENS_QEMU said '$err'"
run env -u BOOTLENS_QEMU PATH="$tmp" "$BOOTLENS" collect --kernel "$tmp/k" -o "$tmp/s"
[ $rc -eq 2 ] || fail "no QEMU on PATH exited $rc, want 2"
[ "$err" = "bootlens: cannot find QEMU 'qemu-system-x86_64': No such file or directory (install the Debian package qemu-system-x86, or give --qemu PATH)" ] ||
	fail "no QEMU on PATH said '$err'"
[ ! -e "$tmp/s" ] || fail "a session was created without QEMU"

# Usage errors.
for args in "-n x" "-n 0" "--timeout 0" "--retries -1" "--accel xen" "--label novalue" "--label bad\\ key=1" \
	"--variant bad\ name" "--warmup 1e3"; do
	eval "set -- $args"
	run "$BOOTLENS" collect --kernel "$tmp/k" --qemu "$fake" -o "$tmp/s" "$@"
	[ $rc -eq 2 ] || fail "collect $args exited $rc, want 2"
	grep -q '^bootlens: ' <<<"$err" || fail "collect $args said '$err'"
done
run "$BOOTLENS" collect --kernel "$tmp/k" --qemu "$fake"
[ $rc -eq 2 ] || fail "no -o exited $rc, want 2"
run "$BOOTLENS" collect -o "$tmp/s" --qemu "$fake"
[ $rc -eq 2 ] || fail "no --kernel exited $rc, want 2"
run "$BOOTLENS" collect --kernel "$tmp/k" --qemu "$fake" -o "$tmp/s" stray
[ $rc -eq 2 ] || fail "a stray argument exited $rc, want 2"
run "$BOOTLENS" collect --resume -o "$tmp/none"
[ $rc -eq 2 ] || fail "--resume of nothing exited $rc, want 2"
grep -q "no session.json" <<<"$err" || fail "--resume of nothing said '$err'"
run "$BOOTLENS" collect --resume --kernel "$tmp/k" -o "$tmp/none"
[ $rc -eq 2 ] || fail "--resume with --kernel exited $rc, want 2"

# An existing session is never overwritten.
run "$BOOTLENS" collect --kernel "$tmp/k" --qemu "$fake" --accel tcg -n 1 -o "$tmp/s"
[ $rc -eq 0 ] || fail "a good collection exited $rc: $err"
run "$BOOTLENS" collect --kernel "$tmp/k" --qemu "$fake" --accel tcg -n 1 -o "$tmp/s"
[ $rc -eq 2 ] || fail "collecting into an existing session exited $rc, want 2"
grep -q "already holds a session" <<<"$err" || fail "existing session said '$err'"

# --resume refuses a kernel that changed since the session began, and a
# session another collector is working on.
echo other-kernel >"$tmp/k"
run "$BOOTLENS" collect --resume -o "$tmp/s" --qemu "$fake"
[ $rc -eq 2 ] || fail "--resume with a changed kernel exited $rc, want 2"
grep -q "kernel '.*/k' changed since the session began" <<<"$err" || fail "changed kernel said '$err'"
echo kernel >"$tmp/k"
mkdir "$tmp/st-lock"
FAKE_QEMU_STATE=$tmp/st-lock FAKE_QEMU_SCRIPT="ok slow" FAKE_QEMU_DELAY=3 "$BOOTLENS" collect \
	--kernel "$tmp/k" --qemu "$fake" --accel tcg -n 2 -o "$tmp/busy" >/dev/null 2>&1 &
busy=$!
for _ in $(seq 100); do
	[ -f "$tmp/busy/runs/0001.json" ] && break
	sleep 0.05
done
run "$BOOTLENS" collect --resume -o "$tmp/busy" --qemu "$fake"
wait "$busy" || fail "the busy collection failed"
[ $rc -eq 2 ] || fail "--resume of a session in use exited $rc, want 2"
grep -q "another bootlens collect is using it" <<<"$err" || fail "session in use said '$err'"

# show
run "$BOOTLENS" show "$tmp/none"
[ $rc -eq 2 ] || fail "show of nothing exited $rc, want 2"
run "$BOOTLENS" show "$tmp/s" --run 7
[ $rc -eq 2 ] || fail "show of a missing run exited $rc, want 2"
grep -q "has no run 7" <<<"$err" || fail "show of a missing run said '$err'"
run "$BOOTLENS" show "$tmp/s" --raw
[ $rc -eq 2 ] || fail "show --raw without --run exited $rc, want 2"
run "$BOOTLENS" show "$tmp/s:nosuch"
[ $rc -eq 2 ] || fail "show of a missing variant exited $rc, want 2"
echo "ok"
