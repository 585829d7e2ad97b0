#!/usr/bin/env bash
# Kernel size beside boot time on real kernels (issue 15; docs/collect.md
# "The kernel image", docs/compare.md "The kernel line", docs/history.md
# "Kernel size"): one collect with two variants on two Debian cloud
# kernels, 6.1.0-57 and a 6.12 of the cache (else 6.1.0-47), each with
# the initramfs of its own modules, 2 runs each under TCG (4 boots).
# Checked: session.json has both images, their loaded sizes equal to the
# sum of the SHF_ALLOC sections readelf finds in the ELF that 'guest
# vmlinux' unwraps (an independent count), and their file sizes to the
# files'; compare prints the kernel line with that delta; history add and
# trend --metric kernel:loaded --by kernel give the two sizes.
# labels: vm
# timeout: 600
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
. "$(dirname "$0")/lib/guest.sh"
bl_need_tool qemu-system-x86_64
bl_need_tool jq
bl_need_tool readelf
unset BOOTLENS_HISTORY GITHUB_SHA CI_COMMIT_SHA GITHUB_REF_NAME CI_COMMIT_REF_NAME GITHUB_JOB CI_JOB_ID

cache=${XDG_CACHE_HOME:-$HOME/.cache}/bootlens/kernels
new=$(cd "$cache" 2>/dev/null && ls -d 6.12.*-cloud-amd64 2>/dev/null | sort -V | tail -n 1 | sed 's/-cloud-amd64$//') || true
[ -n "$new" ] || new=6.1.0-47
versions=(6.1.0-57 "$new")
declare -A kpath
for v in "${versions[@]}"; do
	"$BOOTLENS" guest fetch-kernel --version "$v" >"$tmp/paths" ||
		bl_skip "Debian's kernel $v cannot be had (bootlens guest fetch-kernel --version $v failed)"
	kpath[$v]=$(sed -n 's/^kernel //p' "$tmp/paths")
	modules=$(sed -n 's/^modules //p' "$tmp/paths")
	"$BOOTLENS" guest initrd --modules-from "$modules" -o "$tmp/initrd-$v.gz" >/dev/null ||
		fail "bootlens guest initrd --modules-from $modules failed"
done
old=${versions[0]}
# BOOTLENS_KSIZE_SESSION=DIR keeps the session there, and a session
# already there is used as it is (no boot: for working on the checks)
s=${BOOTLENS_KSIZE_SESSION:-$tmp/s}
: >"$tmp/collect.err"
if [ ! -f "$s/session.json" ]; then
	"$BOOTLENS" collect --kernel "${kpath[$old]}" --initrd "$tmp/initrd-$old.gz" --accel tcg -n 2 \
		--variant "old: kernel=${kpath[$old]}; initrd=$tmp/initrd-$old.gz" \
		--variant "new: kernel=${kpath[$new]}; initrd=$tmp/initrd-$new.gz" \
		-o "$s" >"$tmp/collect.out" 2>"$tmp/collect.err" ||
		fail "collect failed: $(tail -n 5 "$tmp/collect.err")"
fi
! grep -qi 'image' "$tmp/collect.err" || fail "collect said something of the images: $(cat "$tmp/collect.err")"

# the loaded size, counted apart: SHF_ALLOC sections (flag A) of the
# unwrapped ELF, NOBITS included
loaded() {
	local h sum=0
	"$BOOTLENS" guest vmlinux "$1" -o "$tmp/vmlinux" >/dev/null || fail "guest vmlinux $1 failed"
	# "[Nr] Name Type Address Off Size ES Flg Lk Inf Al": Flg is empty
	# (9 fields) for a section without flags
	readelf -SW "$tmp/vmlinux" | awk '/^ *\[ *[0-9]+\]/ { sub(/^ *\[ *[0-9]+\] */, "")
		if (split($0, f, / +/) >= 10 && f[7] ~ /A/) print f[5] }' >"$tmp/sizes"
	[ -s "$tmp/sizes" ] || fail "readelf found no SHF_ALLOC section in the ELF of $1"
	while read -r h; do sum=$((sum + 16#$h)); done <"$tmp/sizes"
	echo "$sum"
}
for i in 0 1; do
	v=${versions[$i]}
	want=$(loaded "${kpath[$v]}")
	size=$(stat -c %s "${kpath[$v]}")
	jq -e --argjson i "$i" --argjson want "$want" --argjson size "$size" '.variants[$i].image |
		.format == "bzimage" and .entry == "bzimage" and .pvh == true and
		.loaded_size == $want and .file_size == $size and (.build_id | length) == 40' \
		"$s/session.json" >/dev/null ||
		fail "variant $i ($v): image $(jq -c ".variants[$i].image" "$s/session.json"), want loaded $want, file $size"
	echo "$v: loaded $want bytes, file $size bytes, $(jq -r ".variants[$i].image.comp" "$s/session.json")"
done
la=$(jq '.variants[0].image.loaded_size' "$s/session.json")
lb=$(jq '.variants[1].image.loaded_size' "$s/session.json")

# compare: the kernel line with that delta
set +e
"$BOOTLENS" compare "$s:old" "$s:new" >"$tmp/cmp" 2>"$tmp/cmp.err"
rc=$?
"$BOOTLENS" compare --format json "$s:old" "$s:new" >"$tmp/cmp.json" 2>>"$tmp/cmp.err"
set -e
[ "$rc" -le 1 ] || fail "compare exited $rc: $(cat "$tmp/cmp.err")"
grep '^kernel  ' "$tmp/cmp" || fail "compare: no kernel line: $(head -8 "$tmp/cmp")"
want_line=$(awk -v a="$la" -v b="$lb" 'BEGIN { m = 1048576; printf "loaded %.1f MiB -> %.1f MiB (%+.1f MiB, %+.1f%%)", a / m, b / m, b / m - a / m, 100 * (b - a) / a }')
grep -qF "kernel  $want_line" "$tmp/cmp" || fail "compare's kernel line is not '$want_line': $(grep '^kernel' "$tmp/cmp")"
jq -e --argjson d "$((lb - la))" '.kernel.loaded_delta == $d' "$tmp/cmp.json" >/dev/null ||
	fail "compare json: loaded_delta $(jq .kernel.loaded_delta "$tmp/cmp.json"), want $((lb - la))"

# history: the two sizes by kernel
db=$tmp/h.db
"$BOOTLENS" history add --db "$db" --label "kernel=$old" "$s:old" >/dev/null
"$BOOTLENS" history add --db "$db" --label "kernel=$new" "$s:new" >/dev/null
"$BOOTLENS" history trend --db "$db" --metric kernel:loaded --by kernel --format json >"$tmp/trend.json"
jq -e --argjson a "$la" --argjson b "$lb" --arg va "$old" --arg vb "$new" \
	'[.points[] | [.label, .median_bytes]] == [[$va, $a], [$vb, $b]]' "$tmp/trend.json" >/dev/null ||
	fail "trend: $(jq -c '[.points[] | [.label, .median_bytes]]' "$tmp/trend.json")"
"$BOOTLENS" history trend --db "$db" --metric kernel:loaded --by kernel
echo "ok: $old -> $new: $want_line"
