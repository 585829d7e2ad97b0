#!/usr/bin/env bash
# Linux end to end on Debian's real cloud kernel under TCG (issue 6): three
# boots collected with the dumper's initramfs, analysed as a session.
# Per ok run: at least 100 initcalls; the slowest initcall of the report is
# in the raw log with the same duration; stitched guest TSC 0 after spawn
# and before the first console byte; the kernel-side phases (printk clock,
# kernel.start -> dump.begin) agree with the guest's own uptime at the
# dump within 5%; guest time between the dump's begin line and the
# dumper's poweroff mark agrees with the host's stamps of both (10 ms:
# the console latency of the two lines differs). Then
# "bootlens demo -n 1" (one more boot) prints the aggregate and its
# session path last. Four boots in all.
# labels: vm slow
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

s=$tmp/s
"$BOOTLENS" collect --kernel "$kernel" --initrd "$tmp/initrd.gz" --accel tcg -n 3 --timeout 60 \
	--label test=linux_boot -o "$s" >"$tmp/collect.out" 2>&1 ||
	fail "bootlens collect failed: $(cat "$tmp/collect.out")"

"$BOOTLENS" analyze --per-run "$s" >"$tmp/table.txt" || fail "analyze SESSION (table) exited $?"
grep -Eq '^aggregate of session .*: 3 ok runs' "$tmp/table.txt" || fail "no aggregate of the 3 runs first"
grep -Eq '^phase:initcalls +3 ' "$tmp/table.txt" || fail "no initcalls phase in the aggregate"
"$BOOTLENS" analyze "$s:default" --format json --top 5 >"$tmp/a.json" ||
	fail "analyze SESSION:default --format json exited $?"
nruns=$(jq '.runs | length' "$tmp/a.json")
[ "$nruns" -ge 3 ] || fail "only $nruns ok runs analysed (want 3): $("$BOOTLENS" show "$s" 2>&1)"
grep -q '^  initcalls ' "$tmp/table.txt" || fail "no initcalls phase in the table"
grep -q '^clocks: printk time 0 placed' "$tmp/table.txt" || fail "no stitching footer"

# printk "[ S.UUUUUU]" of a line -> microseconds
usec_of() { sed -E 's/^[^[]*\[ *([0-9]+)\.([0-9]{6})\].*/\1\2/' <<<"$1" | sed 's/^0*//'; }

for i in $(seq 0 $((nruns - 1))); do
	r=$(jq ".runs[$i]" "$tmp/a.json")
	run=$(jq -r .run <<<"$r")
	nnnn=$(printf %04u "$run")
	console=$s/runs/$nnnn.console
	runjson=$s/runs/$nnnn.json

	count=$(jq .initcalls.count <<<"$r")
	[ "$count" -ge 100 ] || fail "run $run: $count initcalls (want >= 100)"

	# The slowest initcall: same duration in the raw log, either the
	# kernel's "after N usecs" or (while ktime ran on jiffies) the
	# distance between its two printk timestamps.
	name=$(jq -r '.initcalls.slowest[0].name' <<<"$r")
	ns=$(jq '.initcalls.slowest[0].total_ns' <<<"$r")
	grep -qF "$name" "$tmp/table.txt" || fail "run $run: slowest initcall $name not in the table"
	sym=${name%% *}
	ret=$(grep -a -m1 -E "\] initcall $sym\+0x[0-9a-f]+/0x[0-9a-f]+.* returned" "$console") ||
		fail "run $run: no 'initcall $sym' line in $console"
	call=$(grep -a -m1 -E "\] calling  $sym\+0x[0-9a-f]+/0x[0-9a-f]+" "$console") ||
		fail "run $run: no 'calling  $sym' line in $console"
	usecs=$(sed -E 's/.* after ([0-9]+) usecs.*/\1/' <<<"$ret")
	delta=$(($(usec_of "$ret") - $(usec_of "$call")))
	if [ "$ns" -ne $((usecs * 1000)) ] && [ "$ns" -ne $((delta * 1000)) ]; then
		fail "run $run: $name lasts $ns ns in the report, the log says $usecs usecs ($delta us between its lines)"
	fi

	# Stitching: guest TSC 0 after spawn, before the first console byte.
	tsc0=$(jq .stitch.tsc0_ns <<<"$r")
	spawn=$(jq .attempts[-1].host_ns.spawn "$runjson")
	first=$(jq '[.attempts[-1].host_ns.first_console_byte, .attempts[-1].host_ns.first_serial_byte] | map(select(. != null)) | min' "$runjson")
	[ "$tsc0" != null ] || fail "run $run: no stitched guest TSC 0"
	[ "$tsc0" -gt 0 ] || fail "run $run: guest TSC 0 at $tsc0 ns, not after spawn"
	[ $((spawn + tsc0)) -lt "$first" ] ||
		fail "run $run: guest TSC 0 at +$tsc0 ns, not before the first console byte at +$((first - spawn)) ns"

	# Kernel-side phases (printk clock) against the guest's uptime at the dump.
	kside=$(jq '[.phases[] | select(.name == "early kernel" or .name == "initcalls" or .name == "late init" or .name == "user space") | .duration_ns] | add' <<<"$r")
	uptime=$(jq .kernel.uptime_ns <<<"$r")
	diff=$((kside > uptime ? kside - uptime : uptime - kside))
	[ $((diff * 100)) -le $((uptime * 5)) ] ||
		fail "run $run: kernel-side phases sum to $kside ns, the guest's uptime at the dump is $uptime ns (> 5% apart)"

	# Guest time between two marks (dump begin, poweroff) against host stamps.
	g=$(($(jq '.attempts[-1].marks[] | select(.name == "poweroff") | .uptime_ns' "$runjson") - uptime))
	h=$(($(jq '.attempts[-1].marks[] | select(.name == "poweroff") | .host_ns' "$runjson") - $(jq .attempts[-1].host_ns.dump_begin "$runjson")))
	# Console latency differs between the two lines (measured here: the
	# begin line arrives 1-2 ms later than the mark, more on a busy host).
	# When both lines came in one read (h = 0: the collector was not
	# scheduled while the guest wrote the dump, seen once in 7 full suites
	# with g = 11 ms), the host has no span to check against: say so.
	d=$((g > h ? g - h : h - g))
	if [ "$h" -eq 0 ]; then
		echo "run $run: dump begin and poweroff mark arrived in one read: host span not checked"
	else
		[ "$d" -le 10000000 ] ||
			fail "run $run: dump begin -> poweroff mark: guest $g ns, host $h ns (more than 10 ms apart)"
	fi
	echo "run $run: $count initcalls; slowest $name $ns ns; TSC 0 at +$tsc0 ns; kernel side $kside ns vs uptime $uptime ns; marks guest $g ns host $h ns"
done

# The demo, one boot: a phase table, its report, and the session path on the last line.
mkdir "$tmp/demo"
(cd "$tmp/demo" && "$BOOTLENS" demo -n 1 --accel tcg >"$tmp/demo.out" 2>&1) ||
	fail "bootlens demo exited $?: $(cat "$tmp/demo.out")"
last=$(tail -n 1 "$tmp/demo.out")
case "$last" in bootlens-demo-*) ;; *) fail "demo's last line is not its session: '$last'" ;; esac
[ -f "$tmp/demo/$last/session.json" ] || fail "demo session $last has no session.json"
grep -q '^aggregate of session ' "$tmp/demo.out" || fail "demo printed no aggregate"
grep -q '^phase:initcalls ' "$tmp/demo.out" || fail "demo printed no phase line"
grep -q '^fn:' "$tmp/demo.out" || fail "demo printed no slowest initcalls"
# ... and its report's index.html on the line before the last (docs/report.md).
index=$(tail -n 2 "$tmp/demo.out" | head -n 1)
[ "$index" = "$last/report/index.html" ] || fail "demo's line before the last is not its report: '$index'"
grep -q '<table id="aggregate"' "$tmp/demo/$index" || fail "demo's report has no aggregate table"
echo "ok: $nruns runs checked; demo session $last"
