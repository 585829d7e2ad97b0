# Sourced by the integration scripts (not a test of its own): get the
# guest the way a user would. Needs $BOOTLENS, $tmp and fail().
#
# bl_fetch_kernel: bootlens guest fetch-kernel (cached); sets kernel, modules.
# bl_build_initrd [ARGS...]: the dumper's initramfs as $tmp/initrd.gz, with
#   ARGS passed to bootlens guest initrd (e.g. --add SRC:DEST).

bl_fetch_kernel() {
	"$BOOTLENS" guest fetch-kernel >"$tmp/paths" || fail "bootlens guest fetch-kernel failed"
	kernel=$(sed -n 's/^kernel //p' "$tmp/paths")
	modules=$(sed -n 's/^modules //p' "$tmp/paths")
}

bl_build_initrd() {
	"$BOOTLENS" guest initrd --modules-from "$modules" "$@" -o "$tmp/initrd.gz" ||
		fail "bootlens guest initrd $* failed"
}
