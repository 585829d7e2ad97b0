# Sourced by the integration scripts (not a test of its own): get the
# guest the way a user would. Needs $BOOTLENS, $tmp and fail().
#
# bl_skip WHY: say why this test cannot run here and exit as skipped
#   (BOOTLENS_SKIP_RC, CTest's SKIP_RETURN_CODE: shown as "Skipped").
# bl_need_tool CMD [HINT]: skip unless CMD is on PATH.
# bl_fetch_kernel: bootlens guest fetch-kernel (cached); sets kernel, modules;
#   skips when Debian's kernel cannot be had (no network, no apt).
# bl_build_initrd [ARGS...]: the dumper's initramfs as $tmp/initrd.gz, with
#   ARGS passed to bootlens guest initrd (e.g. --add SRC:DEST).

bl_skip() {
	echo "skipped: $*" >&2
	exit "${BOOTLENS_SKIP_RC:-77}"
}

bl_need_tool() {
	command -v "$1" >/dev/null || bl_skip "$1 is not installed${2:+ ($2)}"
}

bl_fetch_kernel() {
	"$BOOTLENS" guest fetch-kernel >"$tmp/paths" ||
		bl_skip "Debian's kernel cannot be fetched (bootlens guest fetch-kernel failed)"
	kernel=$(sed -n 's/^kernel //p' "$tmp/paths")
	modules=$(sed -n 's/^modules //p' "$tmp/paths")
}

bl_build_initrd() {
	"$BOOTLENS" guest initrd --modules-from "$modules" "$@" -o "$tmp/initrd.gz" ||
		fail "bootlens guest initrd $* failed"
}
