#!/usr/bin/env bash
# The same Debian cloud kernel booted two ways under TCG, interleaved in one
# session: as the bzImage (Linux boot protocol, its decompressor first) and
# as the vmlinux ELF that "bootlens guest vmlinux" unwraps from it, which
# QEMU enters through its PVH note. Checks: the unwrapped kernel has a PVH
# note; the collector gives the ELF the Linux default command line; every
# ok run of both variants holds a whole dump with at least 100 initcalls;
# each variant has an ok run. Prints both variants' boot times (spawn to
# the dump's begin line) and phases. Four boots (-n 2, two variants).
# labels: vm
# timeout: 600
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
. "$(dirname "$0")/lib/guest.sh"
bl_need_tool qemu-system-x86_64
bl_need_tool jq "scripts/setup.sh installs it"

bl_fetch_kernel
bl_build_initrd
"$BOOTLENS" guest vmlinux "$kernel" -o "$tmp/vmlinux" >"$tmp/vmlinux.out" ||
	fail "bootlens guest vmlinux failed"
cat "$tmp/vmlinux.out"
grep -q '^pvh yes' "$tmp/vmlinux.out" || fail "the unwrapped kernel has no PVH note"

s=$tmp/s
"$BOOTLENS" collect --kernel "$kernel" --initrd "$tmp/initrd.gz" --accel tcg -n 2 --timeout 60 \
	--variant bzimage --variant "pvh: kernel=$tmp/vmlinux" --label test=pvh_boot \
	-o "$s" >"$tmp/collect.out" 2>&1 ||
	fail "bootlens collect failed: $(cat "$tmp/collect.out")"

# The ELF got the Linux defaults, like the bzImage.
for v in bzimage pvh; do
	cmdline=$(jq -r --arg v "$v" '.variants[] | select(.name == $v) | .cmdline' "$s/session.json")
	case "$cmdline" in
	*initcall_debug*console=* | *console=*initcall_debug*) ;;
	*) fail "variant $v: command line '$cmdline' lacks the Linux defaults" ;;
	esac
done

for v in bzimage pvh; do
	"$BOOTLENS" analyze "$s:$v" --format json --top 3 >"$tmp/$v.json" ||
		fail "analyze $s:$v exited $?: $("$BOOTLENS" show "$s" 2>&1)"
	nruns=$(jq '.runs | length' "$tmp/$v.json")
	[ "$nruns" -ge 1 ] || fail "variant $v: no ok run: $("$BOOTLENS" show "$s" 2>&1)"
	for i in $(seq 0 $((nruns - 1))); do
		r=$(jq ".runs[$i]" "$tmp/$v.json")
		run=$(jq -r .run <<<"$r")
		[ "$(jq -r .variant <<<"$r")" = "$v" ] || fail "run $run is not of variant $v"
		console=$s/runs/$(printf %04u "$run").console
		"$BOOTLENS" guest verify --quiet "$console" || fail "variant $v run $run: the dump is not whole"
		count=$(jq .initcalls.count <<<"$r")
		[ "$count" -ge 100 ] || fail "variant $v run $run: $count initcalls (want >= 100)"
	done
done

# Boot times and phases, for a person reading the log.
"$BOOTLENS" show "$s"
for v in bzimage pvh; do
	echo "variant $v: phases (ms) per ok run"
	jq -r '.runs[] | "  run \(.run): " + ([.phases[] | "\(.name) \(if .duration_ns == null then "-" else (.duration_ns / 1e4 | round / 100) end)"] | join(", "))' "$tmp/$v.json"
done
echo "ok: bzimage and pvh variants booted"
