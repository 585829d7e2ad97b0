#!/usr/bin/env bash
# labels: browser
# timeout: 600
# The HTML report in a real browser (issue 12, "Must show"): `bootlens
# report` of the Linux session linux-session-5 and of the comparison
# tests/data/compare/ab:base ab:new, each opened as file://DIR/index.html in
# headless chromium (tests/cli/lib/browser.mjs: Debian's chromium with
# issue 12's flags and a fresh profile). The page must load with no console
# error, no page error, no failed request and no request for anything but
# file: or data: (it needs no network), and hold, in its DOM, what
# docs/report.md promises:
#   - <!DOCTYPE html>, <html lang="en">, <meta charset> UTF-8, no <script>;
#   - table#aggregate (the first input's aggregate: total, a phase, a top
#     function), sections #env, #warnings, #failed, and #compare with two
#     inputs;
#   - one figure#fig-KIND.figure per kind (phases, distribution, ecdf,
#     timeline, and delta with two inputs) with an inline <svg> (gnuplot's,
#     its XML declaration and DOCTYPE stripped) and a <figcaption>, and no
#     other figure; the phases figure names a phase; the files under
#     DIR/figures/: each .svg with its .gp beside it, and .dat files;
#   - every table and figure has an id, and a link <a href="#ID"> to it.
# A full-page screenshot of each report is saved (its path printed) in
# $BOOTLENS_BUILD/test-output/browser_report/, with the reports themselves.
#
# Hostile names (tests/data/inject/, when it exists; else that part says it
# is skipped): the report of each capture there is written from a scratch
# working directory; afterwards no file named CANARY* exists there or in
# the report, the page has no <script> element, and every function name of
# the capture that holds a character HTML, SVG or gnuplot would interpret
# (" ' ` < > & \ $, a newline, system() is read back from the DOM as the
# textContent of an element, exactly: NAME, or "NAME ARG" for a frame with
# an argument, or "fn:NAME" (the aggregate's metric), after a trim of
# surrounding white space; a name with control bytes may show them as
# spaces (docs/exports.md's rule). No text may hold an entity escaped twice
# (&amp;lt;) unless a name holds one. A session's labels must each show as
# KEY=VALUE in the text of an element (the environment's row).
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?BOOTLENS_TEST_DATA must name tests/data}"
: "${BOOTLENS_SRC:?BOOTLENS_SRC must name the source tree}"
: "${BOOTLENS_BUILD:?BOOTLENS_BUILD must name the build tree}"

# shellcheck source=tests/cli/lib/browser.sh
. "$BOOTLENS_SRC/tests/cli/lib/browser.sh"
browser_setup
out=$(browser_outdir browser_report)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0
failed=0
# check: a new check starts; fail MESSAGE: it failed; done_check: count it.
check() {
	checks=$((checks + 1))
	failed=0
}
fail() {
	echo "FAIL: $*"
	failed=1
}
done_check() {
	failures=$((failures + failed))
	failed=0
}

if ! "$BOOTLENS" report --help >/dev/null 2>&1; then
	echo "FAIL: 'bootlens report' does not exist in this build (it is issue 12's report command)"
	exit 1
fi

# report NAME WANT_FIGURES INPUT...: write the report into $out/NAME, open
# it, check it; the inputs are relative to tests/data.
report() {
	local name=$1 kinds=$2 dir rc=0 k n
	shift 2
	dir="$out/$name"
	check
	(cd "$BOOTLENS_TEST_DATA" && "$BOOTLENS" report "$@" -o "$dir") \
		>"$tmp/$name.stdout" 2>"$tmp/$name.stderr" || rc=$?
	if [ "$rc" -ne 0 ] || [ ! -f "$dir/index.html" ]; then
		fail "$name: bootlens report $* -o DIR exited $rc$([ -f "$dir/index.html" ] || echo ', no index.html'):"
		cat "$tmp/$name.stderr"
		done_check
		return
	fi
	n=$(wc -w <<<"$kinds")
	local args=(--url "file://$dir/index.html" --timeout 90
		--expect 'table#aggregate=1' --expect "figure.figure=$n" --expect "figure=$n"
		--expect 'script=0' --expect '#env=1' --expect '#warnings=1' --expect '#failed=1'
		--expect 'table:not([id])=0' --expect 'figure:not([id])=0')
	for k in $kinds; do
		args+=(--expect "figure#fig-$k.figure > svg=1" --expect "figure#fig-$k > figcaption=1")
	done
	if [ "$n" -eq 5 ]; then
		args+=(--expect '#compare=1')
	else
		args+=(--expect '#compare=0')
	fi
	args+=(--attr 'table[id], figure[id]' id --attr 'a[href^="#"]' href
		--attr html lang --attr 'meta[charset]' charset
		--text 'table#aggregate' --text '#fig-phases svg'
		--screenshot "$out/$name.png")
	if ! browser_run "${args[@]}" >"$tmp/$name.json" 2>"$tmp/$name.err"; then
		fail "$name: the report in chromium:"
		cat "$tmp/$name.err"
	fi
	if [ -s "$tmp/$name.json" ] &&
		! node "$BROWSER_CHECK" report "$tmp/$name.json" "$dir" "$n" >"$tmp/$name.check" 2>&1; then
		fail "$name: the page does not hold what docs/report.md promises:"
		cat "$tmp/$name.check"
	fi
	[ ! -f "$out/$name.png" ] || echo "screenshot: $out/$name.png"
	[ "$failed" -eq 1 ] || echo "ok: $name: $(head -n1 "$tmp/$name.check")"
	done_check
}

report session "phases distribution ecdf timeline" linux-session-5
report compare "phases distribution ecdf timeline delta" compare/ab:base compare/ab:new

# a 700 px window: the tables scroll inside their div.scroll, the page
# does not (a full-page screenshot is as wide as the page's content, at
# most the window less its scroll bar)
check
if ! browser_run --viewport 700x900 --url "file://$out/session/index.html" --timeout 90 \
	--expect 'div.scroll > table#aggregate=1' --expect 'table:not(div.scroll > table)=0' \
	--screenshot "$out/session-700.png" >"$tmp/narrow.json" 2>"$tmp/narrow.err"; then
	fail "narrow: the report in a 700 px window:"
	cat "$tmp/narrow.err"
elif [ "$(od -An -tu1 -j16 -N4 "$out/session-700.png" | awk '{print $1*16777216+$2*65536+$3*256+$4}')" -gt 700 ]; then
	fail "narrow: the page is wider than a 700 px window (a table or figure overflows): $out/session-700.png"
else
	echo "ok: narrow: 700 px wide, tables scroll in place; screenshot: $out/session-700.png"
fi
done_check

# Hostile names.
inject="$BOOTLENS_TEST_DATA/inject"
if [ ! -d "$inject" ]; then
	echo "SKIP (part): no tests/data/inject/ in this tree: the hostile-name check did not run"
else
	inputs=()
	if [ -f "$inject/session.json" ]; then
		inputs=("$inject")
	else
		for f in "$inject"/*; do
			case "$f" in
			*.md | *.py | *.sh | *.json | *.expected | */expected) ;;
			*) [ -f "$f" ] || [ -f "$f/session.json" ] && inputs+=("$f") ;;
			esac
		done
	fi
	if [ ${#inputs[@]} -eq 0 ]; then
		check
		fail "inject: no capture or session in $inject"
		done_check
	fi
	i=0
	for input in "${inputs[@]}"; do
		i=$((i + 1))
		name="inject-$i"
		dir="$out/$name"
		work="$tmp/cwd-$i"
		mkdir -p "$work"
		check
		"$BOOTLENS" analyze --format json "$input" >"$tmp/$name.analysis.json" 2>/dev/null || true
		rc=0
		(cd "$work" && "$BOOTLENS" report "$input" -o "$dir") >"$tmp/$name.stdout" 2>"$tmp/$name.stderr" || rc=$?
		if [ "$rc" -ne 0 ] || [ ! -f "$dir/index.html" ]; then
			fail "$name: bootlens report $input -o DIR exited $rc:"
			cat "$tmp/$name.stderr"
			done_check
			continue
		fi
		canary=$(find "$work" "$dir" -name 'CANARY*' 2>/dev/null)
		[ -z "$canary" ] || fail "$name: a hostile name ran a command: $canary"
		if ! browser_run --url "file://$dir/index.html" --timeout 90 --expect 'script=0' \
			--text 'body :not(:has(*))' --text 'body svg :not(:has(*))' \
			--screenshot "$out/$name.png" >"$tmp/$name.json" 2>"$tmp/$name.err"; then
			fail "$name: the report of $input in chromium:"
			cat "$tmp/$name.err"
		fi
		[ ! -f "$out/$name.png" ] || echo "screenshot: $out/$name.png"
		if [ ! -s "$tmp/$name.json" ]; then
			done_check
			continue
		fi
		session=()
		[ ! -f "$input/session.json" ] || session=("$input/session.json")
		if ! node "$BROWSER_CHECK" hostile "$tmp/$name.json" "$tmp/$name.analysis.json" \
			"${session[@]}" >"$tmp/$name.check" 2>&1; then
			fail "$name: hostile names of $input:"
			cat "$tmp/$name.check"
		elif [ "$failed" -eq 0 ]; then
			echo "ok: $name: $(head -n1 "$tmp/$name.check")"
		fi
		done_check
	done
fi

echo "browser report: $((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
