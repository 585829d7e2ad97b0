#!/usr/bin/env bash
# bootlens diagnose on real boots of Debian's cloud kernel under TCG
# (issue 13, "Must show"): a session of 5 runs as collect's defaults boot
# it, diagnosed: at least three findings with a fix, among them the crypto
# self-tests (knob append+=cryptomgr.notests) and the bzImage with a PVH
# entry (knob kernel=@vmlinux); then --verify of the self-tests' knob
# alone (--verify-rules: CI's budget), 8 runs a side: the finding's
# evidence (fn:crypto_algapi_init) must be called faster with its saving's
# CI above zero (compare_ab.sh measured 200-450 ms of self-tests under TCG
# here); the total's saving is printed. About 21 boots. Starved runs stay
# in: with --exclude-starved every run was left out here at a load average
# of 10 and the test could only skip; the initcall's own time moves far
# beyond the host's noise even so (+932 ms [+731, +1693] with every run
# starved, docs/diagnose.md), where the total's CI did not exclude zero
# (+1844.5 ms [-3747.4, +8825.1] at 12.6 s boots).
# labels: vm slow
# timeout: 900
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
bl_fetch_kernel
bl_build_initrd
start=$(date +%s)
"$BOOTLENS" collect --kernel "$kernel" --initrd "$tmp/initrd.gz" --accel tcg -n 5 \
	-o "$tmp/s" >"$tmp/out" 2>"$tmp/err" || { tail -n 5 "$tmp/err"; fail "collect failed"; }

"$BOOTLENS" diagnose --format json "$tmp/s" >"$tmp/d.json" || fail "diagnose exited $?"
"$BOOTLENS" diagnose "$tmp/s" || true
/usr/bin/python3 - "$tmp/d.json" <<'PY' || fail "the diagnosis lacks its findings"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["kind"] == "bootlens-diagnose", d["kind"]
f = {x["rule"]: x for x in d["inputs"][0]["findings"]}
fixed = [x for x in f.values() if x["fix"] and x["rule"] != "outsized"]
assert len(fixed) >= 3, sorted(f)
assert f["self-tests"]["knob"] == "append+=cryptomgr.notests", f["self-tests"]
assert f["bzimage-pvh"]["knob"] == "kernel=@vmlinux", f.get("bzimage-pvh")
assert f["self-tests"]["evidence"]["log"]["text"].find("alg: self-tests") >= 0
print("findings:", ", ".join(sorted(f)))
PY

set +e
"$BOOTLENS" diagnose --verify --verify-rules self-tests --verify-out "$tmp/v" -n 8 \
	--format json "$tmp/s" >"$tmp/v.json" 2>"$tmp/v.err"
rc=$?
set -e
tail -n 12 "$tmp/v.err"
echo "collected and verified in $(($(date +%s) - start)) s"
[ $rc -eq 0 ] || fail "diagnose --verify exited $rc"
set +e
/usr/bin/python3 - "$tmp/v.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = {x["rule"]: x for x in d["inputs"][0]["findings"]}
v = f["self-tests"]["verify"]
if v["ok_runs"] < 6:
    print("host too busy: %d ok runs of the knob" % v["ok_runs"])
    sys.exit(77)
print("self-tests: expected %.1f ms, measured %.1f ms [%.1f, %.1f], %s" % (
    f["self-tests"]["expected_saving_ns"] / 1e6, v["saving_ns"] / 1e6,
    v["saving_lo_ns"] / 1e6, v["saving_hi_ns"] / 1e6, v["verdict"]))
assert v["compared"] and not v["broken"], v
# the finding's own evidence (crypto_algapi_init) must have moved: its
# saving's CI above zero and compare's verdict faster; the total's CI,
# which the host's noise widens most, is printed
e = v["evidence"]
print("evidence %s: %.1f ms [%.1f, %.1f], %s" % (e["metric"], e["saving_ns"] / 1e6,
      e["saving_lo_ns"] / 1e6, e["saving_hi_ns"] / 1e6, e["verdict"]))
assert e["saving_lo_ns"] > 0 and e["verdict"] == "faster", e
for k, x in f.items():
    if k != "self-tests":
        assert x.get("verify") is None, (k, x.get("verify"))
PY
rc=$?
set -e
[ $rc -eq 77 ] && bl_skip "fewer than 6 of the knob's runs were ok: the host is too busy to judge"
[ $rc -eq 0 ] || fail "the self-tests' saving was not confirmed"
