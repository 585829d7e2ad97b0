#!/usr/bin/env bash
# bootlens guest: every subcommand's --help, usage errors (exit 2), and
# 'guest verify' against golden console captures in tests/data/guest/
# (NAME.console in, NAME.verify expected out; exit 0 whole, 1 bad, 2 none).
set -euo pipefail

: "${BOOTLENS:?}" "${BOOTLENS_TEST_DATA:?}"
data=$BOOTLENS_TEST_DATA/guest
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
expect_status() { # WANT CMD...
	local want=$1 status=0
	shift
	"$@" >"$tmp/out" 2>"$tmp/err" || status=$?
	[ "$status" -eq "$want" ] || fail "'$*' exited $status, expected $want: $(cat "$tmp/err")"
}

expect_status 0 "$BOOTLENS" guest --help
grep -q 'fetch-kernel' "$tmp/out" || fail "guest --help does not list fetch-kernel"
for sub in initrd fetch-kernel verify vmlinux; do
	expect_status 0 "$BOOTLENS" guest "$sub" --help
	grep -q "^usage: bootlens guest $sub" "$tmp/out" || fail "guest $sub --help prints no usage"
done
expect_status 2 "$BOOTLENS" guest
expect_status 2 "$BOOTLENS" guest frobnicate
expect_status 2 "$BOOTLENS" guest initrd -o "$tmp/x.gz"
grep -q -- '--modules-from DIR is required' "$tmp/err" || fail "initrd without --modules-from: $(cat "$tmp/err")"
expect_status 2 "$BOOTLENS" guest initrd --modules-from /nonexistent/modules --dumper /bin/sh -o "$tmp/x.gz"
grep -q "/nonexistent/modules" "$tmp/err" || fail "initrd does not name the missing directory"
# --add SRC:DEST (a tree whose default modules are built in needs no kernel)
mkdir "$tmp/mods"
printf 'kernel/drivers/virtio/virtio_mmio.ko\nkernel/drivers/char/virtio_console.ko\n' \
	>"$tmp/mods/modules.builtin"
printf '#!/bin/sh\n' >"$tmp/rc" && chmod 0750 "$tmp/rc"
expect_status 0 "$BOOTLENS" guest initrd --modules-from "$tmp/mods" --dumper /bin/true \
	--add "$tmp/rc:/sbin/init-real" -o "$tmp/x.gz"
zcat "$tmp/x.gz" | cpio -it --quiet 2>/dev/null | grep -qx 'sbin/init-real' ||
	fail "initrd --add: sbin/init-real is not in the image"
# it says what it wrote: one line, the path, its size and the module count
[ "$(cat "$tmp/out")" = "wrote $tmp/x.gz ($(stat -c %s "$tmp/x.gz") bytes, 0 modules)" ] ||
	fail "initrd does not say what it wrote: '$(cat "$tmp/out")'"
[ ! -s "$tmp/err" ] || fail "initrd wrote to stderr: $(cat "$tmp/err")"
expect_status 2 "$BOOTLENS" guest initrd --modules-from "$tmp/mods" --dumper /bin/true \
	--add "$tmp/rc:/sbin/../init" -o "$tmp/y.gz"
grep -q "bad --add '$tmp/rc:/sbin/../init'" "$tmp/err" || fail "initrd --add with '..': $(cat "$tmp/err")"
expect_status 2 "$BOOTLENS" guest initrd --modules-from "$tmp/mods" --dumper /bin/true \
	--add "$tmp/rc:/init" -o "$tmp/y.gz"
grep -q "cannot add '$tmp/rc': the image already has '/init'" "$tmp/err" ||
	fail "initrd --add over /init: $(cat "$tmp/err")"
[ ! -e "$tmp/y.gz" ] || fail "a refused --add left an image behind"
expect_status 2 "$BOOTLENS" guest fetch-kernel --version 'bad version'
expect_status 2 "$BOOTLENS" guest vmlinux "$tmp/nonexistent"
grep -q -- '-o VMLINUX is required' "$tmp/err" || fail "vmlinux without -o: $(cat "$tmp/err")"
expect_status 2 "$BOOTLENS" guest vmlinux "$tmp/nonexistent" -o "$tmp/vmlinux"
grep -q "cannot read '$tmp/nonexistent': No such file or directory" "$tmp/err" ||
	fail "vmlinux of a missing file: $(cat "$tmp/err")"
expect_status 2 "$BOOTLENS" guest vmlinux "$data/good.console" -o "$tmp/vmlinux"
grep -q "cannot unwrap '$data/good.console': no \"HdrS\" setup header signature at 0x202: not a bzImage" "$tmp/err" ||
	fail "vmlinux of a file that is no bzImage: $(cat "$tmp/err")"
[ ! -e "$tmp/vmlinux" ] || fail "a failed guest vmlinux left '$tmp/vmlinux' behind"
expect_status 2 "$BOOTLENS" guest verify
expect_status 2 "$BOOTLENS" guest verify "$tmp/nonexistent.console"
grep -q "cannot open '$tmp/nonexistent.console': No such file or directory" "$tmp/err" ||
	fail "verify of a missing file: $(cat "$tmp/err")"

for name in good bad-crc truncated; do
	want=1
	[ "$name" = good ] && want=0
	expect_status "$want" "$BOOTLENS" guest verify "$data/$name.console"
	diff -u "$data/$name.verify" "$tmp/out" || fail "guest verify $name.console differs from $name.verify"
done
expect_status 2 "$BOOTLENS" guest verify "$data/none.console"
grep -q "no bootlens dump" "$tmp/err" || fail "verify of a capture without a dump: $(cat "$tmp/err")"
expect_status 0 "$BOOTLENS" guest verify --section dmesg "$data/good.console"
diff -u "$data/good.dmesg" "$tmp/out" || fail "--section dmesg differs from good.dmesg"
expect_status 1 "$BOOTLENS" guest verify --section ftrace "$data/good.console"
expect_status 1 "$BOOTLENS" guest verify --quiet "$data/bad-crc.console"
[ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] || fail "--quiet printed something"
echo ok
