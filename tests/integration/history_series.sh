#!/usr/bin/env bash
# A real history (issue 14, "Must show"; docs/history.md, "A real
# series"): three Debian cloud kernel versions that the archive offers
# when the test runs, picked now from `apt-cache search` (versions come
# and go): the oldest 6.1, the newest 6.1 and the newest 6.12 (without a
# 6.12, the second newest 6.1). Each is fetched into bootlens's cache
# (`bootlens guest fetch-kernel --version V`: never into the repository),
# gets its own initramfs from its own modules, boots 3 times under TCG,
# and is stored with `history add --label kernel=V`. Then `history trend
# --by kernel` of the total and of the initcalls phase: 3 points in
# version order (strverscmp), a point's median within its runs, and the
# figures (PNG) written; the figures, the tables and the database are
# kept in $BOOTLENS_BUILD/test-output/history_series/ to look at.
# BOOTLENS_SERIES_VERSIONS="V1 V2 V3" names the versions instead; the
# sessions are kept in the output directory (sessions/), and
# BOOTLENS_SERIES_SESSIONS=DIR uses those collected so before (DIR/s-V: no
# boot for V).
# When BOOTLENS_PG_DIR names a running test cluster (ctest starts the
# pg_cluster fixture for this test), the same sessions are also added to a
# database of that PostgreSQL server (no second boot) and the list, the
# trends and the show, kept in pg/ of the output directory, must be the
# SQLite ones byte for byte once the --db text is <DB:NAME> (issue 16;
# docs/history-backends.md, "Both backends in the tests"). Every entry's
# "added" time is the test's start (SOURCE_DATE_EPOCH), the same on both.
# labels: vm history
# timeout: 900
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
# $tmp, fail(), hist_db, hist_pg_up and hist_norm
. "$(dirname "$0")/../cli/lib/history.sh"
. "$(dirname "$0")/lib/guest.sh"
bl_need_tool qemu-system-x86_64
bl_need_tool jq
out=${BOOTLENS_BUILD:-$tmp}/test-output/history_series
rm -rf "$out"
mkdir -p "$out"
db=$out/history.db
hist_alias "$db" DB:history.db
sessions=$out/sessions
mkdir -p "$sessions"
start=$(date +%s)
export SOURCE_DATE_EPOCH=$start

if [ -n "${BOOTLENS_SERIES_VERSIONS:-}" ]; then
	read -r -a versions <<<"$BOOTLENS_SERIES_VERSIONS"
else
	bl_need_tool apt-cache
	apt-cache search '^linux-image-[0-9].*-cloud-amd64$' | awk '{print $1}' | grep -v -- '-dbg' |
		sed 's/^linux-image-//; s/-cloud-amd64$//' | sort -V >"$tmp/avail"
	grep -E '^6\.1\.0-[0-9]+$' "$tmp/avail" >"$tmp/v61" || true
	grep -E '^6\.12\.' "$tmp/avail" >"$tmp/v612" || true
	[ "$(wc -l <"$tmp/v61")" -ge 2 ] || bl_skip "the archive offers fewer than two 6.1 cloud kernels: $(tr '\n' ' ' <"$tmp/avail")"
	versions=("$(head -n 1 "$tmp/v61")" "$(tail -n 1 "$tmp/v61")")
	if [ -s "$tmp/v612" ]; then
		versions+=("$(tail -n 1 "$tmp/v612")")
	else
		[ "$(wc -l <"$tmp/v61")" -ge 3 ] || bl_skip "the archive offers fewer than three cloud kernels"
		versions=("$(head -n 1 "$tmp/v61")" "$(tail -n 2 "$tmp/v61" | head -n 1)" "$(tail -n 1 "$tmp/v61")")
	fi
fi
echo "versions: ${versions[*]} (of $(wc -l <"$tmp/avail" 2>/dev/null || echo given) offered)"
[ "${#versions[@]}" -ge 3 ] || fail "want three versions, got ${versions[*]}"

# Stored in an order that is not the version order: the trend sorts them.
order=("${versions[2]}" "${versions[0]}" "${versions[1]}")
for v in "${order[@]}"; do
	if [ -n "${BOOTLENS_SERIES_SESSIONS:-}" ] && [ -f "$BOOTLENS_SERIES_SESSIONS/s-$v/session.json" ]; then
		cp -r "$BOOTLENS_SERIES_SESSIONS/s-$v" "$sessions/s-$v"
		"$BOOTLENS" history add --db "$db" --label "kernel=$v" "$sessions/s-$v" | tee -a "$out/add.txt"
		continue
	fi
	"$BOOTLENS" guest fetch-kernel --version "$v" >"$tmp/paths" ||
		bl_skip "Debian's kernel $v cannot be fetched (bootlens guest fetch-kernel --version $v failed)"
	kernel=$(sed -n 's/^kernel //p' "$tmp/paths")
	modules=$(sed -n 's/^modules //p' "$tmp/paths")
	case $kernel in "${BOOTLENS_SRC:-/nonexistent}"/*) fail "the kernel $v is inside the repository: $kernel" ;; esac
	"$BOOTLENS" guest initrd --modules-from "$modules" -o "$tmp/initrd-$v.gz" >/dev/null ||
		fail "bootlens guest initrd --modules-from $modules failed"
	set +e
	"$BOOTLENS" collect --kernel "$kernel" --initrd "$tmp/initrd-$v.gz" --accel tcg -n 3 \
		--label test=history_series -o "$sessions/s-$v" >"$tmp/collect.out" 2>"$tmp/collect.err"
	rc=$?
	set -e
	tail -n 1 "$tmp/collect.out"
	[ $rc -eq 0 ] || fail "collect of $v exited $rc: $(cat "$tmp/collect.err")"
	"$BOOTLENS" history add --db "$db" --label "kernel=$v" "$sessions/s-$v" | tee -a "$out/add.txt"
done
echo "collected and stored in $(($(date +%s) - start)) s"

# series_history DB DIR: list, trends and show of DB, kept in DIR
series_history() {
	local db=$1 dir=$2
	mkdir -p "$dir"
	hist_alias "$dir" OUT
	"$BOOTLENS" history list --db "$db" | tee "$dir/list.txt"
	for m in total 'phase:initcalls'; do
		name=${m#phase:}
		"$BOOTLENS" history trend --db "$db" --by kernel --metric "$m" --plot "$dir/trend-$name.png" |
			tee "$dir/trend-$name.txt"
		"$BOOTLENS" history trend --db "$db" --by kernel --metric "$m" --format json >"$dir/trend-$name.json"
		got=$(jq -r '.points | map(.label) | join(" ")' "$dir/trend-$name.json")
		[ "$got" = "${versions[*]}" ] || fail "$m: the points are '$got', want '${versions[*]}' (version order)"
		[ "$(jq '.points | length' "$dir/trend-$name.json")" -eq 3 ] || fail "$m: not 3 points"
		jq -e '[.points[] | .n == 3 and .median_ns > 0 and .ci_lo_ns <= .median_ns and .median_ns <= .ci_hi_ns] | all' \
			"$dir/trend-$name.json" >/dev/null || fail "$m: a point is not 3 runs with its median inside its CI"
		[ "$(head -c 8 "$dir/trend-$name.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
			fail "$m: trend-$name.png is not a PNG"
		[ "$(stat -c %s "$dir/trend-$name.png")" -gt 5000 ] || fail "$m: trend-$name.png is nearly empty"
		[ -s "$dir/trend-$name.gp" ] && [ -s "$dir/trend-$name.dat" ] || fail "$m: no .gp or .dat beside the figure"
		echo "figure: $dir/trend-$name.png"
	done
	# the kernel's own version, read from each bzImage, is stored too
	"$BOOTLENS" history show --db "$db" --format json 1 >"$dir/show.json"
	jq -e '.. | objects | select(has("kernel_version")) | .kernel_version | strings' "$dir/show.json" |
		grep -q "${order[0]}" || fail "entry 1's kernel_version does not name ${order[0]}"
}
series_history "$db" "$out"
if hist_pg_up; then
	echo "== the same on PostgreSQL ($BOOTLENS_PG_DIR)"
	pgdb=$(hist_db history.db pg)
	for v in "${order[@]}"; do
		"$BOOTLENS" history add --db "$pgdb" --label "kernel=$v" "$sessions/s-$v" >>"$out/pg-add.txt"
	done
	series_history "$pgdb" "$out/pg"
	for f in list.txt trend-total.txt trend-total.json trend-initcalls.txt trend-initcalls.json show.json; do
		hist_no_secret "$f on PostgreSQL" "$out/pg/$f"
		hist_pw_warning "$f on PostgreSQL" "$out/pg/$f"
		diff -u --label "sqlite $f" --label "pg $f" <(hist_norm "$out/$f") <(hist_norm "$out/pg/$f") >&2 ||
			fail "$f: SQLite and PostgreSQL differ (the diff above)"
	done
	diff -u --label "sqlite add" --label "pg add" "$out/add.txt" "$out/pg-add.txt" >&2 ||
		fail "history add: SQLite and PostgreSQL differ (the diff above)"
	echo "SQLite and PostgreSQL: the same 7 outputs"
else
	echo "history_series: no running test cluster in BOOTLENS_PG_DIR: the history on SQLite alone" >&2
fi
echo "history_series: ok in $(($(date +%s) - start)) s"
