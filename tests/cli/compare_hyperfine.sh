#!/usr/bin/env bash
# compare --format hyperfine against Debian's hyperfine, the reference:
# hyperfine --runs 2 --export-json once, then every key of its result (and
# of the document) must be in ours with the same JSON type (a number, a
# list of numbers, a string), and ours must hold no result key hyperfine
# lacks but bootlens_environment_differences (written only with --force).
# The same for analyze --format hyperfine (one result a variant or FILE),
# and analyze refuses a FILE's total (it has none) with exit 2.
# Skipped without hyperfine (apt-get install hyperfine).
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?BOOTLENS_TEST_DATA must name tests/data}"
command -v hyperfine >/dev/null || {
	echo "skipped: hyperfine is not installed" >&2
	exit "${BOOTLENS_SKIP_RC:-77}"
}
[ -x /usr/bin/python3 ] || {
	echo "skipped: no /usr/bin/python3" >&2
	exit "${BOOTLENS_SKIP_RC:-77}"
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
hyperfine --runs 2 --export-json "$tmp/ref.json" true >/dev/null 2>&1
# one run: hyperfine's stddev is null (a FILE's result has one time)
hyperfine --runs 1 --export-json "$tmp/ref1.json" true >/dev/null 2>&1
cd "$BOOTLENS_TEST_DATA/compare"
"$BOOTLENS" compare --format hyperfine ab:base ab:new >"$tmp/total.json" || [ $? -eq 1 ]
"$BOOTLENS" compare --format hyperfine --metric fn:init_kprobe_trace ab:base ab:new \
	>"$tmp/fn.json" || [ $? -eq 1 ]
"$BOOTLENS" compare --format hyperfine --force ab:base other-qemu >"$tmp/forced.json" 2>/dev/null
cd "$BOOTLENS_TEST_DATA"
"$BOOTLENS" analyze --format hyperfine linux-session-5 >"$tmp/a-total.json" 2>/dev/null
"$BOOTLENS" analyze --format hyperfine --metric fn:acpi_init --exclude-starved linux-session-5 \
	>"$tmp/a-fn.json" 2>/dev/null
"$BOOTLENS" analyze --format hyperfine --metric phase:initcalls dmesg/real-console.log \
	dmesg/real-dmesg-levels.log >"$tmp/a-files.json"
rc=0
"$BOOTLENS" analyze --format hyperfine dmesg/real-console.log >/dev/null 2>"$tmp/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "no host total" "$tmp/err" || {
	echo "FAIL: analyze --format hyperfine of a FILE's total: exit $rc, $(cat "$tmp/err")"
	exit 1
}
/usr/bin/python3 - "$tmp/ref.json" "$tmp/ref1.json" "$tmp/total.json:2" "$tmp/fn.json:2" "$tmp/forced.json:2" \
	"$tmp/a-total.json:1" "$tmp/a-fn.json:1" "$tmp/a-files.json:2" <<'PY'
import json, sys

def kind(v):
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "list of " + (kind(v[0]) if v else "nothing")
    if v is None:
        return "null"
    return "object"

ref = json.load(open(sys.argv[1]))
rr = ref["results"][0]
rr1 = json.load(open(sys.argv[2]))["results"][0]
for arg in sys.argv[3:]:
    path, want = arg.rsplit(":", 1)
    ours = json.load(open(path))
    assert set(ours) == set(ref), (path, set(ours), set(ref))
    assert len(ours["results"]) == int(want), path
    for r in ours["results"]:
        extra = set(r) - set(rr) - {"bootlens_environment_differences"}
        missing = set(rr) - set(r)
        assert not extra and not missing, (path, "extra", extra, "missing", missing)
        want = rr1 if len(r["times"]) == 1 else rr
        for k in want:
            assert kind(r[k]) == kind(want[k]), (path, k, kind(r[k]), kind(want[k]))
        assert len(r["times"]) == len(r["exit_codes"]), path
        assert r["min"] <= r["median"] <= r["max"], path
        assert abs(r["mean"] - sum(r["times"]) / len(r["times"])) < 1e-9, path
print("hyperfine fields:", ", ".join(sorted(rr)))
PY
echo "compare_hyperfine: ok"
