#!/usr/bin/env bash
# Golden tests of `bootlens analyze`. Every tests/data/tslog/NAME.txt is
# analysed in each format and stdout compared byte for byte with NAME.table,
# NAME.json and NAME.folded (JSON without its "tool" line, which carries the
# version). NAME.args holds extra arguments, NAME.rc the expected exit
# status (default 0), NAME.stderr the expected standard error of the table
# run. Linux inputs (tests/data/analyze-linux/README.md): a dmesg file, a
# serial console capture and a session, in table and JSON, from
# tests/data so that every path in them is relative. With UPDATE=1 the
# expected files are rewritten instead (review the diff before committing).
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?BOOTLENS_TEST_DATA must name tests/data}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$BOOTLENS_TEST_DATA/tslog"
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

for input in *.txt; do
	name=${input%.txt}
	args=()
	if [ -f "$name.args" ]; then
		read -r -a args <"$name.args"
	fi
	want_rc=0
	if [ -f "$name.rc" ]; then
		want_rc=$(cat "$name.rc")
	fi
	for fmt in table json folded; do
		set +e
		"$BOOTLENS" analyze --format "$fmt" "${args[@]}" "$input" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		set -e
		checked=$((checked + 1))
		if [ "$rc" -ne "$want_rc" ]; then
			echo "FAIL: $name --format $fmt exited $rc, want $want_rc:"
			cat "$tmp/err"
			failures=$((failures + 1))
		fi
		if [ "$fmt" = table ] && { [ -f "$name.stderr" ] || [ "$want_rc" = 2 ]; }; then
			check "$name.stderr" "$tmp/err" "$name stderr"
		fi
		[ "$want_rc" = 2 ] && continue
		if [ "$fmt" = json ]; then
			grep -v '^  "tool": ' "$tmp/out" >"$tmp/out.json"
			mv "$tmp/out.json" "$tmp/out"
		fi
		check "$name.$fmt" "$tmp/out" "$name --format $fmt"
	done
done
# golden EXPECTED JQ FMT ARG...: analyze --format FMT ARG... exits 0 and
# writes EXPECTED (JSON without its "tool" line, or filtered by JQ when
# JQ is not "-")
golden() {
	local expected=$1 filter=$2 fmt=$3 rc
	shift 3
	set +e
	"$BOOTLENS" analyze --format "$fmt" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	checked=$((checked + 1))
	if [ "$rc" -ne 0 ]; then
		echo "FAIL: $* --format $fmt exited $rc:"
		cat "$tmp/err"
		failures=$((failures + 1))
	fi
	if [ "$fmt" = json ] && [ "$filter" != - ]; then
		jq "$filter" "$tmp/out" >"$tmp/out.json"
		mv "$tmp/out.json" "$tmp/out"
	elif [ "$fmt" = json ]; then
		grep -v '^  "tool": ' "$tmp/out" >"$tmp/out.json"
		mv "$tmp/out.json" "$tmp/out"
	fi
	check "$expected" "$tmp/out" "$* --format $fmt"
}
cd "$BOOTLENS_TEST_DATA"
for spec in dmesg-levels:dmesg/real-dmesg-levels.log serial-console:dmesg/real-console.log \
	session:linux-session; do
	name=${spec%%:*}
	for fmt in table json; do
		golden "analyze-linux/$name.$fmt" - "$fmt" "${spec#*:}"
	done
done
# Aggregates (docs/analyze.md, "Aggregate"): a session of 5 ok runs, a
# failed one and a starved one (linux-session-5/PROVENANCE.md), and FILEs
# of one OS with --aggregate (tslog: their stacks are too different for a
# median folded profile: each is in fewer than half of them). The
# session's JSON golden holds its aggregates only (each run's analysis is
# that of session.json's run, checked above).
for fmt in table json folded; do
	golden "analyze-linux/aggregate-session5.$fmt" '{ok_runs, skipped, aggregates}' "$fmt" \
		linux-session-5
done
# hyperfine (docs/exports.md): the total of each variant's ok runs (the
# starved one in), and a phase of FILEs (which have no host total)
golden analyze-linux/aggregate-session5.hyperfine - hyperfine linux-session-5
golden analyze-linux/serial-console.hyperfine - hyperfine --metric phase:initcalls \
	dmesg/real-console.log
for fmt in table json; do
	golden "analyze-linux/aggregate-bsd-files.$fmt" - "$fmt" --aggregate --tsc-freq 2445431964 \
		tslog/two_threads.txt tslog/recursion.txt tslog/unclosed.txt \
		samples/freebsd15-firecracker-tslog-head.txt samples/freebsd15-firecracker-tslog-tail.txt
done
if [ "${UPDATE:-}" = 1 ]; then
	echo "analyze golden: expected files rewritten"
	exit 0
fi
echo "analyze golden: $((checked - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
