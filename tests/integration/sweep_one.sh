#!/usr/bin/env bash
# bootlens sweep on real boots of Debian's cloud kernel under TCG: one
# knob, the PVH entry (kernel=@vmlinux: the vmlinux sweep unwraps from
# --kernel into SESSION/), at -n 5: 10 boots, about 40 s here. Checks the
# exit status, that stdout holds the JSON alone (collect's progress and
# summary go to stderr), its fields, sweep.json's resolved spec, and the
# table's shape through --results (no boot).
# labels: vm slow
# timeout: 300
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	[ -d "$tmp/s" ] && "$BOOTLENS" show "$tmp/s" >&2 || true
	exit 1
}
. "$(dirname "$0")/lib/guest.sh"
bl_need_tool qemu-system-x86_64
bl_need_tool python3

bl_fetch_kernel
bl_build_initrd
start=$(date +%s)
set +e
"$BOOTLENS" sweep --kernel "$kernel" --initrd "$tmp/initrd.gz" --accel tcg -n 5 \
	--knob 'pvh: kernel=@vmlinux' --format json -o "$tmp/s" >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
tr '\r' '\n' <"$tmp/err" | tail -n 4
echo "swept in $(($(date +%s) - start)) s"
[ $rc -eq 0 ] || { cat "$tmp/out"; fail "sweep exited $rc"; }
grep -q "^session $tmp/s: 10 of 10 runs recorded" "$tmp/err" || fail "collect's summary is not on stderr"
[ -f "$tmp/s/vmlinux" ] || fail "no $tmp/s/vmlinux"

python3 - "$tmp/out" "$tmp/s" <<'PY' || fail "the JSON lacks what it should say"
import json, os, sys
d = json.load(open(sys.argv[1]))  # stdout is the JSON alone
sdir = os.path.realpath(sys.argv[2])
assert d["kind"] == "bootlens-sweep-result" and d["schema_version"] == 1
assert d["mode"] == "each" and d["preset"] is None
base, pvh = d["steps"]
assert base["name"] == "base" and base["status"] == "baseline"
assert base["runs"]["recorded"] == 5 and base["runs"]["ok"] >= 3, base["runs"]
assert pvh["name"] == "pvh" and pvh["against_name"] == "base"
assert pvh["spec"] == "kernel=" + sdir + "/vmlinux", pvh["spec"]
assert pvh["runs"]["recorded"] == 5 and pvh["runs"]["ok"] >= 3, pvh["runs"]
assert not pvh["broken"] and pvh["compared"]
for k in ("median_ns", "saving_ns", "reference_median_ns", "rel", "p_holm"):
    assert isinstance(pvh[k], float), k
lo, hi = pvh["saving_ci_ns"]
assert lo <= pvh["saving_ns"] <= hi
assert pvh["verdict"] in ("faster", "slower", "same", "inconclusive")
assert pvh["phase_moved"]["name"], pvh["phase_moved"]
assert d["statistics"]["alpha"] == 0.01 and d["overall"] is None
s = json.load(open(os.path.join(sys.argv[2], "sweep.json")))
assert s["kind"] == "bootlens-sweep" and [x["variant"] for x in s["steps"]] == ["base", "pvh"]
print("pvh saves %.1f ms [%.1f, %.1f], %s" % (pvh["saving_ns"] / 1e6, lo / 1e6, hi / 1e6,
                                             pvh["verdict"]))
PY

"$BOOTLENS" sweep --results "$tmp/s" >"$tmp/table" || fail "sweep --results exited $?"
cat "$tmp/table"
grep -q "^bootlens sweep: $tmp/s (each): 1 knob, each knob alone against base" "$tmp/table" ||
	fail "the table's first line"
# pvh boots another kernel file (the unwrapped vmlinux): the table gains
# the kernel column (docs/sweep.md), the same loaded bytes as the bzImage's
# payload: +0.0 MiB
grep -Eq '^step +ok/n +median +saving +95% CI +rel +kernel +verdict +phase: function moved most$' "$tmp/table" ||
	fail "the table's header"
grep -Eq '^base +[0-9]/5 +[0-9]+\.[0-9] +- +[0-9]+\.[0-9] MiB +baseline$' "$tmp/table" || fail "the baseline's row"
grep -Eq '^pvh +[0-9]/5 +[0-9]+\.[0-9] +[-+][0-9]+\.[0-9] +[-+][0-9.]+\.\.[-+][0-9.]+ +[-+][0-9.]+% +\+0\.0 MiB +(faster|slower|same|inconclusive) ' "$tmp/table" ||
	fail "pvh's row"
echo "sweep_one: ok"
