#!/usr/bin/env bash
# bench_hostile: deep and wide hostile inputs (issue 10). Generates, with
# awk, tslog dumps of N frames on one thread (default 1,000,000):
#   deep   ENTER f0 .. f(N-1), then their EXITs: one N-deep chain
#   open   the same ENTERs and no EXIT: N frames open at dump time
#   wide   one parent with N distinct children, each entered and left
# and times "bootlens analyze --format F" of each (table, json, folded)
# with /usr/bin/time, output to /dev/null. One line per run:
#   CASE FORMAT SECONDS PEAK_RSS_KIB OUTPUT_BYTES INPUT_BYTES EXIT
# The target: time and memory proportional to the input and the output
# (no recursion as deep as the input, nothing quadratic).
# Usage: bench/bench_hostile.sh [BOOTLENS [N]]
set -euo pipefail
bootlens=${1:-build/cli/bootlens}
n=${2:-1000000}
command -v /usr/bin/time >/dev/null || {
	echo "bench_hostile: needs /usr/bin/time (Debian: apt-get install time)" >&2
	exit 2
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "0x1 %d ENTER f%d\n", 1000 + i, i
	for (i = n - 1; i >= 0; i--) printf "0x1 %d EXIT f%d\n", 3 * n + 1000 - i, i }' >"$tmp/deep"
awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "0x1 %d ENTER f%d\n", 1000 + i, i }' >"$tmp/open"
awk -v n="$n" 'BEGIN { print "0x1 10 ENTER root"
	for (i = 0; i < n; i++) printf "0x1 %d ENTER c%d\n0x1 %d EXIT c%d\n", 100 + 2 * i, i, 101 + 2 * i, i
	printf "0x1 %d EXIT root\n", 2 * n + 1000 }' >"$tmp/wide"
echo "# case format seconds peak_rss_kib output_bytes input_bytes exit (N=$n)"
for c in deep open wide; do
	for f in table json folded; do
		rc=0
		/usr/bin/time -f '%e %M' -o "$tmp/time" "$bootlens" analyze --format "$f" "$tmp/$c" 2>/dev/null |
			wc -c >"$tmp/bytes" || rc=$?
		read -r secs kib <"$tmp/time"
		echo "$c $f $secs $kib $(cat "$tmp/bytes") $(stat -c %s "$tmp/$c") $rc"
	done
done
