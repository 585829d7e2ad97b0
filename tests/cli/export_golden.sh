#!/usr/bin/env bash
# Golden tests of `bootlens analyze --format csv|md|chrome`: every line
# "NAME ARGS..." of tests/data/exports/inputs is run from tests/data in
# each format and stdout compared byte for byte with exports/NAME.csv,
# NAME.md and NAME.chrome.json (tests/data/exports/README.md). With
# UPDATE=1 the expected files are rewritten instead (review the diff).
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?BOOTLENS_TEST_DATA must name tests/data}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$BOOTLENS_TEST_DATA"
failures=0
checked=0
while read -r name rest; do
	case "$name" in '' | '#'*) continue ;; esac
	read -r -a args <<<"$rest"
	for fmt in csv md chrome; do
		ext=$fmt
		[ "$fmt" = chrome ] && ext=chrome.json
		want="exports/$name.$ext"
		checked=$((checked + 1))
		if ! "$BOOTLENS" analyze --format "$fmt" "${args[@]}" >"$tmp/out" 2>"$tmp/err"; then
			echo "FAIL: $name --format $fmt exited non-zero:"
			cat "$tmp/err"
			failures=$((failures + 1))
			continue
		fi
		if [ "${UPDATE:-}" = 1 ]; then
			cp "$tmp/out" "$want"
		elif [ ! -f "$want" ]; then
			echo "FAIL: $name --format $fmt: no expected file $want (UPDATE=1 creates it)"
			failures=$((failures + 1))
		elif ! cmp -s "$want" "$tmp/out"; then
			echo "FAIL: $name --format $fmt differs from $want:"
			diff -u "$want" "$tmp/out" | head -40 || true
			failures=$((failures + 1))
		fi
	done
done <exports/inputs
if [ "${UPDATE:-}" = 1 ]; then
	echo "export golden: expected files rewritten"
	exit 0
fi
echo "export golden: $((checked - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
