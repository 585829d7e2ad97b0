#!/usr/bin/env bash
# Kernel size beside boot time (docs/compare.md "The kernel line",
# docs/history.md "Kernel size"), without a VM: compare/ab with variant
# new given another kernel file and both variants' images as collect
# records them (50.8 MiB -> 54.9 MiB loaded). Checked: compare's table,
# json and md carry the kernel line with the right delta; ab as it is
# (one kernel) prints none; history add stores kernel:loaded and
# kernel:file; show puts them in their own MiB table; trend --metric
# kernel:loaded gives the sizes (bytes in json and csv, MiB in the table); a variant whose kernel was not read
# as an image stores no kernel metric.
set -euo pipefail
. "$(dirname "$0")/lib/history.sh"
ab=$BOOTLENS_TEST_DATA/compare/ab
k=$tmp/k
copy_session "$ab" "$k" kernels "2026-12-01T10:00:00Z"
# (an image's file_size is its kernel file's size: session.json says both)
jq '.variants[0].kernel.size = 14050918 | .variants[1].kernel.size = 11534336 |
	.variants[0].image = {format: "bzimage", entry: "bzimage", file_size: 14050918,
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

# history: the sizes as metrics, in bytes; the table in MiB
db=$tmp/h.db
hrun 0 history add --db "$db" --label kernel=6.1.0-57 "$k:base"
need_out '^stored kernels:base as entry 1 '
hrun 0 history add --db "$db" --label kernel=6.12.57 "$k:new"
hrun 0 history show --db "$db" --format json 1
jq -e '[.metrics[] | select(.name == "kernel:loaded")][0] |
	.kind == "size" and .median_bytes == 53267660 and .n == 8' "$tmp/out" >/dev/null ||
	fail "show json: $(jq -c '.metrics[] | select(.name | startswith("kernel:"))' "$tmp/out")"
jq -e '[.metrics[] | select(.name == "kernel:file")][0].median_bytes == 14050918' "$tmp/out" >/dev/null ||
	fail "show json: kernel:file"
# the show table: the sizes in their own table under a MiB header, not
# under the times' "median ms"
hrun 0 history show --db "$db" 1
need_out '^kernel sizes \(2\)$'
awk '/^kernel sizes/ {k = 1} /^ *n +median ms / && !k {t = 1} /kernel:/ && !k {bad = 1}
	END {exit !(t && !bad)}' "$tmp/out" || fail "show: a size under the ms header: $(cat "$tmp/out")"
awk '/^kernel sizes/ {getline; exit !($0 ~ /^ *n +median MiB +95% CI of median \(MiB\) +IQR \(MiB\) +metric$/)}' \
	"$tmp/out" || fail "show: no MiB header: $(cat "$tmp/out")"
need_out '^ +8 +50\.8  .*kernel:loaded$'
hrun 0 history trend --db "$db" --metric kernel:loaded --by kernel --format json
jq -e '[.points[].median_bytes] == [53267660, 57566822] and .metric_kind == "size"' "$tmp/out" >/dev/null ||
	fail "trend json: $(jq -c '[.points[] | {label, median_bytes}]' "$tmp/out")"
# a size has no noise: the one change of two points is a change point,
# its step exact (no minimum effect, no PELT)
jq -e '(.change_points | length) == 1 and .change_points[0].step_bytes == 4299162 and
	.change_points[0].ci_lo_bytes == 4299162 and .change_points[0].ci_hi_bytes == 4299162' "$tmp/out" >/dev/null ||
	fail "trend json: the size's change point: $(jq -c '.change_points' "$tmp/out")"
hrun 0 history trend --db "$db" --metric kernel:loaded --by kernel --format csv
need_out '^index,label,entry_id,session_id,variant,created,n,median_bytes,'
need_out '^1,6\.12\.57,2,kernels,new,2026-12-01T10:00:00Z,8,57566822,'
hrun 0 history trend --db "$db" --metric kernel:loaded --by kernel
need_out 'median MiB'
need_out '^ +0  6\.1\.0-57 .* 50\.8  \[50\.8, 50\.8\] '
need_out '^.+1  6\.12\.57 .* 54\.9  \[54\.9, 54\.9\] '
hrun 0 history trend --db "$db" --metric kernel:loaded --by kernel --plot "$tmp/k.svg"
grep -q 'kernel:loaded (MiB' "$tmp/k.gp" || fail "the figure's axis is not in MiB: $(grep ylabel "$tmp/k.gp")"
# ab recorded no image: no kernel metric
hrun 0 history add --db "$db" "$ab"
hrun 0 history show --db "$db" --format json 3
jq -e '[.metrics[] | select(.name | startswith("kernel:"))] == []' "$tmp/out" >/dev/null ||
	fail "an entry without an image has kernel metrics"
# the gate never judges a size
hrun 0 history check --db "$db" --format json
! jq -e '.. | strings | select(startswith("kernel:"))' "$tmp/out" >/dev/null ||
	fail "history check judged a kernel size"

# the dashboard draws the kernel's loaded size beside the total
hrun 0 history dashboard --db "$db" -o "$tmp/dash"
grep -q 'alt="kernel:loaded trend"' "$tmp/dash/index.html" || fail "dashboard: no kernel:loaded figure"
ls "$tmp/dash/figures/"*kernel*loaded*.svg >/dev/null 2>&1 || fail "dashboard: no kernel:loaded svg: $(ls "$tmp/dash/figures")"

# sweep: a kernel column when a step boots another kernel (sweep/each's
# step "fast" given the new kernel); the fixture as it is has none
sw=$tmp/sweep
cp -r "$BOOTLENS_TEST_DATA/sweep/each" "$sw"
jq '.variants |= map(.kernel.size = 14050918 | .image = {format: "bzimage", entry: "bzimage", file_size: 14050918,
	loaded_size: 53267660, pvh: true, comp: "lz4", comp_size: 13900000}) |
	.variants[1].kernel.sha256 = "2222222222222222222222222222222222222222222222222222222222222222" |
	.variants[1].image.loaded_size = 57566822' "$BOOTLENS_TEST_DATA/sweep/each/session.json" >"$sw/session.json"
set +e
"$BOOTLENS" sweep --results "$sw" >"$tmp/out" 2>"$tmp/err"
"$BOOTLENS" sweep --results "$sw" --format json >"$tmp/out.json" 2>>"$tmp/err"
"$BOOTLENS" sweep --results "$BOOTLENS_TEST_DATA/sweep/each" >"$tmp/plain" 2>>"$tmp/err"
set -e
grep -Eq '^step +ok/n +median +saving +95% CI +rel +kernel +verdict' "$tmp/out" || fail "sweep: no kernel column: $(head -12 "$tmp/out")"
grep -Eq '^base .* 50\.8 MiB ' "$tmp/out" || fail "sweep: base's size: $(cat "$tmp/out")"
grep -Eq '^fast .* \+4\.1 MiB ' "$tmp/out" || fail "sweep: fast's delta: $(cat "$tmp/out")"
grep -Eq '^noconsole .* \+0\.0 MiB ' "$tmp/out" || fail "sweep: noconsole's delta: $(cat "$tmp/out")"
jq -e '.steps[1].kernel.loaded_size == 57566822' "$tmp/out.json" >/dev/null || fail "sweep json: no kernel"
! grep -q 'kernel' "$tmp/plain" || fail "sweep: one kernel, yet a kernel column"

# analyze: the variants' kernels after the aggregate (k: two kernels;
# ab: one, nothing said)
hrun 0 analyze "$k"
need_out '^kernels \(the variants boot different kernel files\)$'
need_out '^  base: loaded 50\.8 MiB, file 13\.4 MiB, entry bzimage/pvh$'
need_out '^  new: loaded 50\.8 MiB -> 54\.9 MiB \(\+4\.1 MiB, \+8\.1%\), file 13\.4 -> 11\.0 MiB, entry bzimage/pvh against base$'
hrun 0 analyze --format json "$k"
jq -e '[.kernels[].image.loaded_size] == [53267660, 57566822]' "$tmp/out" >/dev/null || fail "analyze json: kernels"
hrun 0 analyze "$ab"
! grep -q '^kernels' "$tmp/out" || fail "analyze: one kernel, yet a kernels section"
hrun 0 analyze --format json "$ab"
jq -e 'has("kernels") | not' "$tmp/out" >/dev/null || fail "analyze json: one kernel, yet kernels"

# report: the kernel line in the comparison, the kernel per step of a sweep
hrun 0 report -o "$tmp/rep" "$k:base" "$k:new"
grep -q '<p class="meta" id="compare-kernel"><strong>kernel</strong> loaded 50.8 MiB -&gt; 54.9 MiB (+4.1 MiB, +8.1%), file 13.4 -&gt; 11.0 MiB, entry bzimage/pvh</p>' \
	"$tmp/rep/index.html" || fail "report: no kernel line: $(grep -o '<p[^>]*compare-kernel.*' "$tmp/rep/index.html")"
hrun 0 report -o "$tmp/rep-ab" "$ab:base" "$ab:new"
! grep -q 'compare-kernel' "$tmp/rep-ab/index.html" || fail "report: one kernel, yet a kernel line"
hrun 0 report -o "$tmp/rep-sweep" "$sw"
grep -q 'id="sweep-kernel"><strong>kernel</strong> (loaded size; each step against its reference): base 50.8 MiB; fast +4.1 MiB; ' \
	"$tmp/rep-sweep/index.html" || fail "report: sweep kernel: $(grep -o '<p[^>]*sweep-kernel.*' "$tmp/rep-sweep/index.html")"
