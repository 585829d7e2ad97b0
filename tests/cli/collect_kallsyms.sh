#!/usr/bin/env bash
# collect --kallsyms with a stand-in QEMU (tests/data/collect/fake-qemu):
# bootlens.kallsyms=1 on every variant's recorded command line and on
# QEMU's -append; a run whose dump has a kallsyms section keeps it
# verbatim as runs/NNNN.kallsyms, a run without one (or with a damaged
# dump) has none; show lists the file. Then the analyzers ignore the
# section: a real capture with a kallsyms section added
# (tests/data/kallsyms/with-kallsyms.console) analyses to the same numbers
# as without it (only the count of console lines differs).
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?}"
data=$BOOTLENS_TEST_DATA/collect
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
command -v jq >/dev/null || {
	echo "skipped: jq is not installed" >&2
	exit "${BOOTLENS_SKIP_RC:-77}"
}
echo kernel >"$tmp/k"
export FAKE_QEMU_STATE=$tmp/state
mkdir "$tmp/state"

# run 1 a: kallsyms | run 2 b: ok (no section) | run 3 a: badcrc | run 4 b: kallsyms
export FAKE_QEMU_SCRIPT="kallsyms ok badcrc kallsyms"
"$BOOTLENS" collect --kernel "$tmp/k" --qemu "$data/fake-qemu" --accel tcg -n 2 --timeout 5 \
	--retries 0 --kallsyms --variant 'a: append+=one=1' --variant 'b:' \
	-o "$tmp/s" >"$tmp/out" 2>"$tmp/err" || fail "collect exited $?: $(cat "$tmp/err")"

for n in 1 2 3 4; do
	grep -q -- "bootlens.kallsyms=1" "$tmp/state/argv.$n" || fail "QEMU start $n: no bootlens.kallsyms=1 in argv"
done
for v in a b; do
	jq -e --arg v "$v" '.variants[] | select(.name == $v) | .cmdline | test("(^| )bootlens\\.kallsyms=1$")' \
		"$tmp/s/session.json" >/dev/null || fail "variant $v: the recorded cmdline lacks bootlens.kallsyms=1"
done
sed -n '/^@@bootlens section kallsyms$/,/^@@bootlens section /p' "$data/kallsyms.console" |
	sed '1d;$d' >"$tmp/want"
[ -s "$tmp/want" ] || fail "test data: no kallsyms section in kallsyms.console"
for n in 0001 0004; do
	[ -f "$tmp/s/runs/$n.kallsyms" ] || fail "run $n: no runs/$n.kallsyms"
	cmp -s "$tmp/s/runs/$n.kallsyms" "$tmp/want" || fail "run $n: runs/$n.kallsyms is not the section verbatim"
done
for n in 0002 0003; do
	[ ! -e "$tmp/s/runs/$n.kallsyms" ] || fail "run $n: a kallsyms file without a (whole) section"
done
ls "$tmp/s/runs" | grep -q '\.tmp' && fail "a temporary file was left behind"

# Without --kallsyms: no such word.
export FAKE_QEMU_SCRIPT="ok"
rm -rf "$tmp/state"/*
"$BOOTLENS" collect --kernel "$tmp/k" --qemu "$data/fake-qemu" --accel tcg -n 1 --timeout 5 \
	-o "$tmp/s2" >"$tmp/out2" 2>"$tmp/err2" || fail "collect (plain) exited $?: $(cat "$tmp/err2")"
grep -q -- "bootlens.kallsyms" "$tmp/state/argv.1" && fail "bootlens.kallsyms=1 without --kallsyms"

# A --kallsyms session is no measurement: collect refuses --history with
# it before booting anything; history add leaves its variant out (a
# warning) and refuses it when named.
rm -rf "$tmp/state"/*
set +e
"$BOOTLENS" collect --kernel "$tmp/k" --qemu "$data/fake-qemu" --accel tcg -n 1 --timeout 5 \
	--kallsyms --history "$tmp/h.db" -o "$tmp/s3" >"$tmp/out3" 2>"$tmp/err3"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "collect --kallsyms --history exited $rc, not 2"
grep -q -- '--kallsyms with --history' "$tmp/err3" || fail "collect --kallsyms --history: $(cat "$tmp/err3")"
[ -e "$tmp/state/argv.1" ] && fail "collect --kallsyms --history booted"
[ -e "$tmp/h.db" ] && fail "collect --kallsyms --history created the database"
set +e
"$BOOTLENS" history add --db "$tmp/h.db" "$tmp/s" >"$tmp/out4" 2>"$tmp/err4"
rc=$?
set -e
# both variants left out: nothing to store
[ "$rc" -eq 2 ] || fail "history add of the --kallsyms session exited $rc, not 2: $(cat "$tmp/err4")"
[ "$(grep -c "was collected with --kallsyms" "$tmp/err4")" -eq 2 ] ||
	fail "history add: not one warning per variant: $(cat "$tmp/err4")"
grep -q "^stored" "$tmp/out4" && fail "history add stored a --kallsyms variant: $(cat "$tmp/out4")"
set +e
"$BOOTLENS" history add --db "$tmp/h.db" "$tmp/s:a" >"$tmp/out5" 2>"$tmp/err5"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "history add SESSION:VARIANT of a --kallsyms session exited $rc, not 2"
grep -q "power-off phase and its total" "$tmp/err5" || fail "history add SESSION:VARIANT: $(cat "$tmp/err5")"

# The analyzers ignore the section.
plain=$BOOTLENS_TEST_DATA/linux-session/runs/0001.console
with=$BOOTLENS_TEST_DATA/kallsyms/with-kallsyms.console
"$BOOTLENS" guest verify "$with" | grep -q '^section kallsyms ' || fail "test data: with-kallsyms.console has no kallsyms section"
norm='del(.source, .input.lines, .input.end_marker_line) | walk(if type == "object" then del(.line) else . end)'
"$BOOTLENS" analyze --format json "$plain" | jq -S "$norm" >"$tmp/plain.json"
"$BOOTLENS" analyze --format json "$with" | jq -S "$norm" >"$tmp/with.json"
[ "$(jq '.initcalls.count' "$tmp/plain.json")" -gt 100 ] || fail "the plain capture has no initcalls"
diff -u "$tmp/plain.json" "$tmp/with.json" >"$tmp/diff" ||
	fail "analyze differs with a kallsyms section: $(head -20 "$tmp/diff")"
echo ok
