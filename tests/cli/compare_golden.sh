#!/usr/bin/env bash
# Golden tests of `bootlens compare` on the fixture sessions of
# tests/data/compare (PROVENANCE.md there): every format of ab:base
# against ab:new (init_kprobe_trace 40 ms slower: exit 1), the forced
# comparison with other-qemu (another QEMU version and accelerator) in
# every format that prints the difference, --exclude-starved, and the
# refusal without --force (exit 2), compared byte for byte with
# tests/data/compare/expected/NAME (JSON without its "tool" line, which
# carries the version). Then the exit codes and usage errors. With UPDATE=1
# the expected files are rewritten instead (review the diff first).
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?BOOTLENS_TEST_DATA must name tests/data}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$BOOTLENS_TEST_DATA/compare"
exp=expected
failures=0
checked=0

check() { # expected-file actual-file what
	if [ "${UPDATE:-}" = 1 ]; then
		cp "$2" "$1"
		return
	fi
	checked=$((checked + 1))
	if [ ! -f "$1" ]; then
		echo "FAIL: $3: no expected file $1 (run with UPDATE=1 to create it)"
		failures=$((failures + 1))
	elif ! cmp -s "$1" "$2"; then
		echo "FAIL: $3 differs from $1:"
		diff -u "$1" "$2" | head -40 || true
		failures=$((failures + 1))
	fi
}

golden() { # NAME WANT-RC ARGS...
	local name=$1 want=$2 rc
	shift 2
	set +e
	NO_COLOR= "$BOOTLENS" compare "$@" >"$tmp/$name" 2>"$tmp/$name.stderr"
	rc=$?
	set -e
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL: compare $* exited $rc, want $want"
		cat "$tmp/$name.stderr"
		failures=$((failures + 1))
	fi
	case $name in
	*.json) grep -v '^  "tool": ' "$tmp/$name" >"$tmp/$name.cut" && mv "$tmp/$name.cut" "$tmp/$name" ;;
	esac
	check "$exp/$name" "$tmp/$name" "compare $*"
	if [ -s "$tmp/$name.stderr" ] || [ -f "$exp/$name.stderr" ]; then
		check "$exp/$name.stderr" "$tmp/$name.stderr" "compare $* (stderr)"
	fi
}

mkdir -p "$exp"
for f in table json csv md folded hyperfine; do
	golden "ab.$f" 1 --format $f ab:base ab:new
done
golden ab-side-base.folded 1 --format folded --side base ab:base ab:new
golden ab-side-new.folded 1 --format folded --side new ab:base ab:new
golden side-table.usage 2 --side base ab:base ab:new
golden ab-metric-phase.hyperfine 1 --format hyperfine --metric phase:initcalls ab:base ab:new
golden ab-metric-fn.hyperfine 1 --format hyperfine --metric fn:init_kprobe_trace ab:base ab:new
golden ab-top3-starved.table 1 --top 3 --exclude-starved --seed 7 ab:base ab:new
golden same.table 0 ab:base ab:base
golden refused.table 2 ab:base other-qemu
for f in table json csv md hyperfine; do
	golden "forced.$f" 0 --force --format $f ab:base other-qemu
done

# --side: each side's column of the difffolded lines, lines of 0 us left out.
for side in base new; do
	col=2
	[ "$side" = new ] && col=1
	(cd "$BOOTLENS_TEST_DATA/compare" && "$BOOTLENS" compare --format folded ab:base ab:new) |
		awk -v c=$col '{ v = (c == 2) ? $(NF-1) : $NF; if (v != 0) { NF -= 2; print $0 " " v } }' \
			>"$tmp/proj-$side" || true
	if ! cmp -s "$tmp/proj-$side" "$exp/ab-side-$side.folded"; then
		echo "FAIL: compare --side $side is not the $side column of the difffolded output"
		diff "$tmp/proj-$side" "$exp/ab-side-$side.folded" | head -5
		failures=$((failures + 1))
	fi
done

# The seed: the same seed gives the same output, another seed another CI.
"$BOOTLENS" compare --format csv --seed 5 ab:base ab:new >"$tmp/s5a" || true
"$BOOTLENS" compare --format csv --seed 5 ab:base ab:new >"$tmp/s5b" || true
"$BOOTLENS" compare --format csv --seed 6 ab:base ab:new >"$tmp/s6" || true
checked=$((checked + 1))
cmp -s "$tmp/s5a" "$tmp/s5b" || {
	echo "FAIL: --seed 5 twice gives two outputs"
	failures=$((failures + 1))
}
cmp -s "$tmp/s5a" "$tmp/s6" && {
	echo "FAIL: --seed 5 and --seed 6 give the same CIs"
	failures=$((failures + 1))
}

# Colour: never when stdout is not a terminal, never with NO_COLOR.
checked=$((checked + 1))
if "$BOOTLENS" compare ab:base ab:new | grep -q $'\033'; then
	echo "FAIL: colour written to a pipe"
	failures=$((failures + 1))
fi
if command -v script >/dev/null; then
	checked=$((checked + 1))
	script -qec "\"$BOOTLENS\" compare ab:base ab:new" /dev/null >"$tmp/tty" || true
	grep -q $'\033\\[31mslower' "$tmp/tty" || {
		echo "FAIL: no colour on a terminal"
		failures=$((failures + 1))
	}
	NO_COLOR=1 script -qec "\"$BOOTLENS\" compare ab:base ab:new" /dev/null >"$tmp/tty" || true
	if grep -q $'\033\\[3' "$tmp/tty"; then
		echo "FAIL: colour on a terminal with NO_COLOR"
		failures=$((failures + 1))
	fi
fi

# Usage and input errors: exit 2, one line naming what is wrong.
err() { # WANT-REGEX ARGS...
	local want=$1 rc
	shift
	set +e
	"$BOOTLENS" compare "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	checked=$((checked + 1))
	if [ $rc -ne 2 ] || ! grep -Eq -e "$want" "$tmp/err"; then
		echo "FAIL: compare $* exited $rc with:"
		cat "$tmp/err"
		echo "  (want exit 2 and /$want/)"
		failures=$((failures + 1))
	fi
}
err 'want BASE and NEW' ab:base
err 'want BASE and NEW' ab:base ab:new ab:new
err '--alpha wants' --alpha 1 ab:base ab:new
err '--alpha wants' --alpha x ab:base ab:new
err '--min-effect wants' --min-effect 5 ab:base ab:new
err '--min-effect wants' --min-effect 1ms,2%,3% ab:base ab:new
err '--top wants' --top -1 ab:base ab:new
err '--seed wants' --seed x ab:base ab:new
err 'unknown format' --format xml ab:base ab:new
err '--metric wants' --format hyperfine --metric foo ab:base ab:new
err '--metric is for --format hyperfine' --metric total ab:base ab:new
err "no metric 'fn:nosuch' was compared" --format hyperfine --metric fn:nosuch ab:base ab:new
err "'nosuch' is not a bootlens session" nosuch ab:new
err "has no variant 'nope'" ab:nope ab:new
err "option '--bogus' is unknown" --bogus ab:base ab:new
checked=$((checked + 1))
"$BOOTLENS" compare --help | grep -q '^usage: bootlens compare' || {
	echo "FAIL: compare --help"
	failures=$((failures + 1))
}
# --min-effect: an absolute part alone keeps the relative default and back
"$BOOTLENS" compare --min-effect 50ms ab:base ab:new >"$tmp/me" && rc=0 || rc=$?
checked=$((checked + 1))
[ $rc -eq 0 ] && grep -q 'max(50.000 ms, 2%)' "$tmp/me" || {
	echo "FAIL: --min-effect 50ms: exit $rc, want 0 (40 ms is below the minimum)"
	failures=$((failures + 1))
}

[ "${UPDATE:-}" = 1 ] && {
	echo "expected files rewritten"
	exit 0
}
echo "compare_golden: $checked checks, $failures failures"
[ $failures -eq 0 ]
