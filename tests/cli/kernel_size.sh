#!/usr/bin/env bash
# Kernel size beside boot time (docs/compare.md "The kernel line",
# docs/history.md "Kernel size"), without a VM: compare/ab with variant
# new given another kernel file and both variants' images as collect
# records them (50.8 MiB -> 54.9 MiB loaded). Checked: compare's table,
# json and md carry the kernel line with the right delta; ab as it is
# (one kernel) prints none; history add stores kernel:loaded and
# kernel:file; trend --metric kernel:loaded gives the sizes (bytes in
# json and csv, MiB in the table); a variant whose kernel was not read
# as an image stores no kernel metric.
set -euo pipefail
. "$(dirname "$0")/lib/history.sh"
ab=$BOOTLENS_TEST_DATA/compare/ab
k=$tmp/k
copy_session "$ab" "$k" kernels "2026-12-01T10:00:00Z"
jq '.variants[0].image = {format: "bzimage", entry: "bzimage", file_size: 14050918,
	loaded_size: 53267660, build_id: "aa01", pvh: true, comp: "lz4", comp_size: 13900000} |
	.variants[1].kernel.sha256 = "1111111111111111111111111111111111111111111111111111111111111111" |
	.variants[1].image = {format: "bzimage", entry: "bzimage", file_size: 11534336,
	loaded_size: 57566822, build_id: "bb02", pvh: true, comp: "zstd", comp_size: 11400000}' \
	"$k/session.json" >"$tmp/s.json"
mv "$tmp/s.json" "$k/session.json"

line='^kernel  loaded 50\.8 MiB -> 54\.9 MiB \(\+4\.1 MiB, \+8\.1%\), file 13\.4 -> 11\.0 MiB, entry bzimage/pvh$'
hrun 1 compare "$k:base" "$k:new"
need_out "$line"
hrun 1 compare --format json "$k:base" "$k:new"
jq -e '.kernel.loaded_delta == 4299162 and .kernel.file_delta == -2516582 and
	.kernel.base.loaded_size == 53267660 and .kernel.new.comp == "zstd" and
	(.kernel.loaded_delta_pct * 10 | round) == 81' "$tmp/out" >/dev/null ||
	fail "compare json: $(jq -c .kernel "$tmp/out")"
hrun 1 compare --format md "$k:base" "$k:new"
need_out '^\*\*Kernel\*\*: loaded 50\.8 MiB -&gt; 54\.9 MiB \(\+4\.1 MiB, \+8\.1%\), file 13\.4 -&gt; 11\.0 MiB, entry bzimage/pvh$'
# one kernel: nothing new
for f in table json md; do
	hrun 1 compare --format $f "$ab:base" "$ab:new"
	! grep -Eq '^kernel  |"kernel": |\*\*Kernel' "$tmp/out" || fail "ab ($f) shares one kernel, yet a kernel line"
done
