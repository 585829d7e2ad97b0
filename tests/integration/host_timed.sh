#!/usr/bin/env bash
# The cost of bootlens's own instrumentation, timed by the host alone
# (issue 13): real TCG boots of Debian's cloud kernel, two variants
# interleaved, 3 runs each:
#   base  the default command line (initcall_debug, log_buf_len=4M) and the
#         dumper's initramfs (loads virtio_mmio and virtio_console, dumps
#         the kernel log over hvc0, powers off)
#   bare  append-=initcall_debug log_buf_len=4M, the bare initramfs of
#         "bootlens guest initrd --poweroff" (its /init powers off at once),
#         timing=host: ok when QEMU exits by itself with status 0
# Every run of both is ok; bare's runs have no dump; analyze SESSION:bare
# prints the total and says phases are not available; compare
# SESSION:base SESSION:bare runs; bare's median total (QEMU's spawn to
# exit, as base's), over the runs the host did not starve, is shorter than
# base's by at least 5%. Prints both medians. When fewer than 2 runs a
# side are left unstarved (a busy shared host: a starved run's total is
# mostly its wait for a CPU, docs/contention.md), QEMU's CPU time is
# judged instead: bare's median at least 3% below base's, and it says so.
# BOOTLENS_KEEP_SESSION=DIR keeps the session there; BOOTLENS_HT_SESSION=DIR
# checks a session kept so instead of collecting one (no boot).
# labels: vm
# timeout: 300
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
n=3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	[ -d "$tmp/s" ] && "$BOOTLENS" show "$tmp/s" >&2 || true
	exit 1
}
. "$(dirname "$0")/lib/guest.sh"
bl_need_tool qemu-system-x86_64
bl_fetch_kernel
bl_build_initrd
"$BOOTLENS" guest initrd --poweroff -o "$tmp/bare.gz" >"$tmp/bare.out" ||
	fail "guest initrd --poweroff failed"
grep -q "^wrote $tmp/bare.gz ([0-9]* bytes, bare: powers off at once)$" "$tmp/bare.out" ||
	fail "guest initrd --poweroff said: $(cat "$tmp/bare.out")"

start=$(date +%s)
if [ -n "${BOOTLENS_HT_SESSION:-}" ]; then
	cp -r "$BOOTLENS_HT_SESSION" "$tmp/s"
	printf 'session %s: %s of %s runs recorded (%s now); base: %s ok; bare: %s ok\n' x \
		$((2 * n)) $((2 * n)) $((2 * n)) $n $n >"$tmp/out"
else
	set +e
	"$BOOTLENS" collect --kernel "$kernel" --initrd "$tmp/initrd.gz" --accel tcg -n $n \
		--variant base \
		--variant "bare: append-=initcall_debug; append-=log_buf_len=4M; initrd=$tmp/bare.gz; timing=host" \
		--label test=host_timed -o "$tmp/s" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	tail -n 3 "$tmp/out" "$tmp/err"
	echo "collected in $(($(date +%s) - start)) s"
	[ $rc -eq 0 ] || fail "collect exited $rc"
fi
if [ -n "${BOOTLENS_KEEP_SESSION:-}" ]; then
	rm -rf "$BOOTLENS_KEEP_SESSION"
	cp -r "$tmp/s" "$BOOTLENS_KEEP_SESSION"
fi
grep -q "^session .*: $((2 * n)) of $((2 * n)) runs recorded ($((2 * n)) now); base: $n ok; bare: $n ok$" \
	"$tmp/out" || fail "every run of both variants is ok: $(cat "$tmp/out")"
for f in "$tmp"/s/runs/[0-9][0-9][0-9][0-9].json; do
	if grep -q '"variant": "bare"' "$f"; then
		grep -q '"dump": null' "$f" || fail "bare run $f has a dump"
		[ ! -s "${f%.json}.console" ] || fail "bare run $f wrote to the console"
		grep -q 'reboot: ' "${f%.json}.serial" || fail "bare run $f: no power-off on the serial port"
	fi
done

"$BOOTLENS" analyze "$tmp/s:bare" >"$tmp/bare.txt" 2>"$tmp/bare.err" ||
	fail "analyze SESSION:bare: $(cat "$tmp/bare.err")"
cat "$tmp/bare.txt"
grep -q "host-timed (timing=host): the total is QEMU's spawn to exit; phases and functions are not available" \
	"$tmp/bare.txt" || fail "analyze SESSION:bare does not say it is host-timed"
"$BOOTLENS" compare "$tmp/s:base" "$tmp/s:bare" >"$tmp/ab" 2>"$tmp/ab.err" || true
grep -q '^summary: ' "$tmp/ab" || fail "compare SESSION:base SESSION:bare: $(cat "$tmp/ab.err")"
grep -E ' total$' "$tmp/ab"
"$BOOTLENS" analyze "$tmp/s" --format json >"$tmp/all.json" 2>/dev/null || fail "analyze SESSION"
/usr/bin/python3 - "$tmp/all.json" "$tmp/s/runs" <<'PY' || fail "bare's boot is not clearly shorter than base's"
import json, os, statistics, sys
d = json.load(open(sys.argv[1]))
for g in d["aggregates"]:
    assert g.get("host_timed", False) == (g["variant"] == "bare"), g["variant"]
total, calm, cpu = {}, {}, {}
for r in d["runs"]:
    v = r["variant"]
    total.setdefault(v, []).append(r["total_ns"] / 1e6)
    if not r["starved"]:
        calm.setdefault(v, []).append(r["total_ns"] / 1e6)
    a = json.load(open(os.path.join(sys.argv[2], "%04d.json" % r["run"])))["attempts"][-1]
    cpu.setdefault(v, []).append((a["cpu_ns"]["qemu_user"] + a["cpu_ns"]["qemu_system"]) / 1e6)
med = lambda x: statistics.median(x) if x else float("nan")
for name, m in (("total", total), ("total, runs not starved", calm), ("QEMU's CPU time", cpu)):
    b, h = med(m.get("base", [])), med(m.get("bare", []))
    print("median %s: base %.1f ms, bare %.1f ms (bare saves %.1f ms, %.1f%%; %d and %d runs)" %
          (name, b, h, b - h, 100 * (b - h) / b, len(m.get("base", [])), len(m.get("bare", []))))
if len(calm.get("base", [])) >= 2 and len(calm.get("bare", [])) >= 2:
    assert med(calm["bare"]) < 0.95 * med(calm["base"]), calm
else:
    # A starved run's total is mostly the host's wait for a CPU
    # (docs/contention.md): judge by the work QEMU did instead.
    print("the host starved too many runs to judge the totals: judging QEMU's CPU time")
    assert med(cpu["bare"]) < 0.97 * med(cpu["base"]), cpu
PY
echo "host_timed: ok in $(($(date +%s) - start)) s"
