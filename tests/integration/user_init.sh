#!/usr/bin/env bash
# User space measured too (docs/guest.md, "Measuring user space"): an
# initramfs with the dumper as /init, Debian's static busybox and a small
# rc script as the real init (bootlens guest initrd --add); booted with
# bootlens.init=/sbin/init-real the dumper dumps the kernel log, execs the
# script, which marks its steps (bootlens-mark NAME) and powers off.
# Checks: the runs are ok; each mark is stamped by the host after the dump
# (bootlens show) and comes out of bootlens analyze --format json in order
# with increasing times on both clocks; the step over a known 'sleep 0.2'
# is >= 200 ms on the guest's clock and the host's and the two agree within
# 20 ms; a --phase-map naming mark.NAME points measures it too.
# At most 2 boots (-n 2, no retry); a run lost to a rare TCG hang (timeout)
# is tolerated when the other is ok.
# labels: vm
# timeout: 600
set -euo pipefail

: "${BOOTLENS:?BOOTLENS must name the bootlens binary}"
busybox=${BUSYBOX:-/bin/busybox}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	[ -d "$tmp/s" ] && "$BOOTLENS" show "$tmp/s" >&2 || true
	exit 1
}
. "$(dirname "$0")/lib/guest.sh"
bl_need_tool qemu-system-x86_64
bl_need_tool jq
[ -x "$busybox" ] || bl_skip "no static busybox at $busybox (Debian: apt-get install busybox-static)"

bl_fetch_kernel

# The real init: a few user-space steps, a mark between each.
cat >"$tmp/init-real" <<'RC'
#!/bin/busybox sh
/bin/bootlens-mark rc-start
/bin/busybox mkdir -p /run /var/log
/bin/busybox hostname guest
/bin/busybox mount -t tmpfs tmpfs /run
/bin/bootlens-mark before-sleep
/bin/busybox sleep 0.2
/bin/bootlens-mark after-sleep
/bin/busybox sync
/bin/busybox poweroff -f
RC
chmod 0755 "$tmp/init-real"
bl_build_initrd --add "$busybox:/bin/busybox" --add "$tmp/init-real:/sbin/init-real"

set +e
"$BOOTLENS" collect --kernel "$kernel" --initrd "$tmp/initrd.gz" --accel tcg -n 2 --retries 0 \
	--timeout 60 --append 'bootlens.init=/sbin/init-real' --label test=user_init \
	-o "$tmp/s" >"$tmp/out" 2>&1
rc=$?
set -e
cat "$tmp/out"
[ $rc -eq 0 ] || fail "collect exited $rc"

want="exec-init rc-start before-sleep after-sleep"
ok=0
for j in "$tmp"/s/runs/[0-9][0-9][0-9][0-9].json; do
	r=$((10#$(basename "$j" .json)))
	verdict=$(jq -r .verdict "$j")
	if [ "$verdict" = timeout ]; then
		echo "note: run $r timed out (a TCG hang), not checked" >&2
		continue
	fi
	[ "$verdict" = ok ] || fail "run $r: verdict $verdict ($(jq -r .reason "$j"))"
	ok=$((ok + 1))
	# Host side: every mark stamped after the dump ended, in order.
	a='.attempts[-1]'
	got=$(jq -r "[$a.marks[].name] | join(\" \")" "$j")
	[ "$got" = "$want" ] || fail "run $r: host marks '$got', expected '$want'"
	jq -e "$a as \$a | [\$a.marks[].host_ns] as \$h | \$h == (\$h | sort) and
		\$h[0] >= \$a.host_ns.dump_end and \$h[-1] <= \$a.host_ns.exit and
		all(\$a.marks[]; .offset > \$a.console_offsets.dump_end)" "$j" >/dev/null ||
		fail "run $r: host marks not in order after the dump: $(jq -c "$a.marks" "$j")"
	"$BOOTLENS" show "$tmp/s" --run $r >"$tmp/show" || fail "show --run $r exited $?"
	got=$(awk '$3 == "mark" { printf "%s%s", sep, $4; sep = " " }' "$tmp/show")
	[ "$got" = "$want" ] || fail "run $r: show lists marks '$got', expected '$want'"
done
[ $ok -ge 1 ] || fail "no ok run to check"

# Analysis: the marks as events on both clocks.
"$BOOTLENS" analyze "$tmp/s" --format json >"$tmp/j" || fail "analyze --format json exited $?"
"$BOOTLENS" analyze --per-run "$tmp/s" >"$tmp/t" || fail "analyze exited $?"
grep -q '^  user space marks (ms since Run /init)$' "$tmp/t" || fail "the table has no user space marks"
[ "$(jq '.runs | length' "$tmp/j")" -eq $ok ] || fail "analyze does not list the $ok ok runs"
for i in $(seq 0 $((ok - 1))); do
	run=".runs[$i]"
	got=$(jq -r "[$run.marks[].name] | join(\" \")" "$tmp/j")
	[ "$got" = "$want" ] || fail "analyze run $i: marks '$got', expected '$want'"
	jq -e "[$run.marks[].since_run_init_ns] as \$g | [$run.marks[].host_since_run_init_ns] as \$h |
		all(\$g[], \$h[]; . != null and . > 0) and \$g == (\$g | sort) and \$h == (\$h | sort) and
		all($run.marks[]; .after_dump)" "$tmp/j" >/dev/null ||
		fail "analyze run $i: mark times missing or not increasing: $(jq -c "$run.marks" "$tmp/j")"
	read -r guest host < <(jq -r "$run.marks | map({(.name): .}) | add |
		[.[\"after-sleep\"].since_run_init_ns - .[\"before-sleep\"].since_run_init_ns,
		 .[\"after-sleep\"].host_since_run_init_ns - .[\"before-sleep\"].host_since_run_init_ns] | @tsv" "$tmp/j")
	diff=$((guest > host ? guest - host : host - guest))
	awk -v r="$(jq -r "$run.run" "$tmp/j")" -v g="$guest" -v h="$host" -v d="$diff" 'BEGIN {
		printf "run %s: sleep 0.2 step: guest %.3f ms, host %.3f ms, difference %.3f ms\n",
			r, g / 1e6, h / 1e6, d / 1e6 }'
	[ "$guest" -ge 200000000 ] || fail "analyze run $i: the sleep step is $guest ns on the guest clock, < 200 ms"
	[ "$host" -ge 200000000 ] || fail "analyze run $i: the sleep step is $host ns on the host clock, < 200 ms"
	[ "$diff" -le 20000000 ] || fail "analyze run $i: guest ($guest ns) and host ($host ns) differ by more than 20 ms"
done

# A phase map naming the marks.
printf 'user space: kernel.run_init -> mark.after-sleep\nsleep: mark.before-sleep -> mark.after-sleep\n' >"$tmp/map"
"$BOOTLENS" analyze "$tmp/s" --phase-map "$tmp/map" --format json >"$tmp/p" || fail "analyze --phase-map exited $?"
jq -e '.runs[] | .phases[1].duration_ns >= 200000000 and .phases[0].duration_ns > .phases[1].duration_ns' "$tmp/p" >/dev/null ||
	fail "phases over the marks: $(jq -c '[.runs[].phases]' "$tmp/p")"
echo "ok: $ok runs, marks '$want' on both clocks"
