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
# (&amp;lt;) unless a name holds one.
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
	if [ -s "$tmp/$name.json" ] && ! /usr/bin/python3 - "$tmp/$name.json" "$dir" "$n" \
		>"$tmp/$name.check" 2>&1 <<'EOF'; then
import json, os, re, sys
res = json.load(open(sys.argv[1]))
rdir, nfig = sys.argv[2], int(sys.argv[3])
bad = []
attrs = {(a["selector"], a["name"]): a["values"] for a in res["attrs"]}
texts = {t["selector"]: t["texts"] for t in res["texts"]}
if not attrs or not texts:
    sys.exit("the browser run stopped before reading the page")
html = open(os.path.join(rdir, "index.html"), "rb").read()
try:
    text = html.decode("utf-8")
except UnicodeDecodeError as e:
    bad.append(f"index.html is not UTF-8: {e}")
    text = html.decode("utf-8", "replace")
if not re.match(r"\s*<!DOCTYPE html>", text, re.I):
    bad.append("index.html does not start with <!DOCTYPE html>")
if "<?xml" in text or re.search(r"<!DOCTYPE svg", text, re.I):
    bad.append("an inline SVG keeps its XML declaration or DOCTYPE")
if attrs[("html", "lang")] != ["en"]:
    bad.append(f"<html lang> is {attrs[('html', 'lang')]}, want ['en']")
cs = [c.lower() for c in attrs[("meta[charset]", "charset")]]
if cs != ["utf-8"]:
    bad.append(f"<meta charset> is {cs}, want ['utf-8']")
ids = attrs[("table[id], figure[id]", "id")]
links = set(attrs[('a[href^="#"]', "href")])
missing = [i for i in ids if "#" + i not in links]
if missing:
    bad.append(f"no <a href=\"#ID\"> to: {missing}")
agg = "".join(texts["table#aggregate"])
for want in ("total", "initcalls", "crypto_algapi_init"):
    if want not in agg:
        bad.append(f"table#aggregate does not show '{want}'")
svg = "".join(texts["#fig-phases svg"])
if "initcalls" not in svg:
    bad.append("the phases figure does not name the phase 'initcalls'")
figs = os.path.join(rdir, "figures")
files = sorted(os.listdir(figs)) if os.path.isdir(figs) else []
svgs = [f for f in files if f.endswith(".svg")]
if len(svgs) < nfig:
    bad.append(f"{len(svgs)} .svg files under figures/, want {nfig} or more: {files}")
for s in svgs:
    if s[:-4] + ".gp" not in files:
        bad.append(f"figures/{s} has no {s[:-4]}.gp beside it")
if not any(f.endswith(".dat") for f in files):
    bad.append("no .dat file under figures/")
print(f"{len(ids)} tables and figures with an id, each linked" if not missing else "")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
EOF
		fail "$name: the page does not hold what docs/report.md promises:"
		cat "$tmp/$name.check"
	fi
	echo "screenshot: $out/$name.png"
	[ "$failed" -eq 1 ] || echo "ok: $name: $(head -n1 "$tmp/$name.check")"
	done_check
}

report session "phases distribution ecdf timeline" linux-session-5
report compare "phases distribution ecdf timeline delta" compare/ab:base compare/ab:new

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
		echo "screenshot: $out/$name.png"
		if [ ! -s "$tmp/$name.json" ]; then
			done_check
			continue
		fi
		if ! /usr/bin/python3 - "$tmp/$name.json" "$tmp/$name.analysis.json" \
			>"$tmp/$name.check" 2>&1 <<'EOF'; then
import json, re, sys
res = json.load(open(sys.argv[1]))
try:
    analysis = json.load(open(sys.argv[2]))
except ValueError:
    sys.exit("bootlens analyze --format json of the capture is not JSON: no names to look for")
hostile = re.compile(r"[\"'`<>&\\$\n\r]|system\(")
names = set()
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "nodes" and isinstance(v, list):
                # shown as bootlens shows a frame: "NAME ARG" (docs/analyze.md)
                names.update(n["name"] + (" " + n["arg"] if isinstance(n.get("arg"), str) else "")
                             for n in v if isinstance(n.get("name"), str))
            walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
walk(analysis)
names = sorted(n for n in names if hostile.search(n))
if not names:
    sys.exit("the capture's call trees hold no hostile function name")
leaves = [t for e in res["texts"] for t in e["texts"]]
# a table cell names the metric: "fn:NAME" (docs/analyze.md, the aggregate)
shown = set(leaves) | {t.strip() for t in leaves}
shown |= {t[3:] for t in shown if t.startswith("fn:")}
ctl = re.compile(r"[\x00-\x1f\x7f]")
bad = []
for n in names:
    if n not in shown and ctl.sub(" ", n) not in shown:
        bad.append(f"{n!r} is not the text of any element")
twice = [t for t in leaves if re.search(r"&(amp|lt|gt|quot|#[0-9]+|#x[0-9a-f]+);", t, re.I)
         and not any(re.search(r"&\w+;", n) for n in names)]
if twice:
    bad.append(f"text escaped twice: {twice[:3]}")
print(f"{len(names) - len(bad)} of {len(names)} hostile names shown literally")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
EOF
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
