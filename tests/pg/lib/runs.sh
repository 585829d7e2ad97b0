# Sourced (not a test of its own) by tests/pg/history_batches.sh and
# bench/bench_history_backends.sh: sessions of more runs than a fixture has.
#
# cycle_runs SRC DEST N: DEST a session of N runs, SRC's five runs (0001
# to 0005) cycled (run r is SRC's run (r - 1) % 5 + 1 renumbered, its
# files renamed), session.json SRC's with settings.runs N and a plan of N
# runs of variant default. Needs jq.
cycle_runs() {
	local src=$1 dest=$2 n=$3 r from to
	mkdir -p "$dest/runs"
	for r in $(seq "$n"); do
		from=$(printf %04d $(((r - 1) % 5 + 1)))
		to=$(printf %04d "$r")
		cp "$src/runs/$from.console" "$dest/runs/$to.console"
		cp "$src/runs/$from.serial" "$dest/runs/$to.serial"
		jq --argjson r "$r" --arg to "$to" \
			'.run = $r | .attempts |= map(.files |= with_entries(.value |= sub("^[0-9]{4}"; $to)))' \
			"$src/runs/$from.json" >"$dest/runs/$to.json"
	done
	jq --argjson n "$n" '.settings.runs = $n | .plan = [range(1; $n + 1) | {run: ., variant: "default", warmup: false}]' \
		"$src/session.json" >"$dest/session.json"
}
