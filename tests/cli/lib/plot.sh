# Helpers of the plot_*.sh tests (sourced, not a test): running a command,
# checking a figure's files, reading the text of an SVG.
: "${BOOTLENS_SKIP_RC:=77}"

plot_fail() {
	echo "FAIL: $*" >&2
	exit 1
}

plot_need_gnuplot() {
	if ! command -v "${GNUPLOT:-gnuplot}" >/dev/null; then
		echo "skipped: gnuplot is not installed (apt-get install gnuplot-nox)"
		exit "$BOOTLENS_SKIP_RC"
	fi
}

# plot_run DIR CMD...: run CMD in DIR; sets rc, out (stdout) and err (stderr)
plot_run() {
	local dir=$1
	shift
	set +e
	(cd "$dir" && "$@") >"$dir/.out" 2>"$dir/.err"
	rc=$?
	set -e
	out=$(cat "$dir/.out")
	err=$(cat "$dir/.err")
	rm -f "$dir/.out" "$dir/.err"
}

# plot_expect_error RC LINE WHAT: the last command exited RC with LINE as
# its only line on stderr
plot_expect_error() {
	[ "$rc" = "$1" ] || plot_fail "$3: exit $rc, not $1 (stderr: $err)"
	[ "$err" = "$2" ] || plot_fail "$3: stderr is not the one line expected:
  got:  $err
  want: $2"
}

# plot_size FILE: its size in bytes
plot_size() { stat -c %s "$1"; }

# plot_check_files DIR EXT WHAT: DIR/fig.EXT is what its terminal writes,
# with fig.gp and fig.dat beside it
plot_check_files() {
	local dir=$1 ext=$2 what=$3 f=$1/fig.$2
	[ -s "$dir/fig.gp" ] || plot_fail "$what: no fig.gp beside the figure"
	[ -s "$dir/fig.dat" ] || plot_fail "$what: no fig.dat beside the figure"
	[ -s "$f" ] || plot_fail "$what: no $f"
	case $ext in
	svg) /usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$f" ||
		plot_fail "$what: the SVG does not parse as XML" ;;
	png)
		[ "$(head -c 4 "$f" | od -An -tx1 | tr -d ' ')" = 89504e47 ] || plot_fail "$what: no PNG magic"
		[ "$(plot_size "$f")" -gt 5120 ] || plot_fail "$what: PNG of $(plot_size "$f") bytes" ;;
	pdf)
		[ "$(head -c 4 "$f")" = "%PDF" ] || plot_fail "$what: no PDF magic"
		[ "$(plot_size "$f")" -gt 5120 ] || plot_fail "$what: PDF of $(plot_size "$f") bytes" ;;
	eps) [ "$(head -c 4 "$f")" = "%!PS" ] || plot_fail "$what: no EPS magic" ;;
	tex)
		grep -q 'includegraphics.*{fig}' "$f" || plot_fail "$what: the .tex does not include fig.pdf"
		[ "$(head -c 4 "$dir/fig.pdf")" = "%PDF" ] || plot_fail "$what: no fig.pdf beside fig.tex" ;;
	txt) grep -q '[^[:space:]]' "$f" || plot_fail "$what: the dumb picture is empty" ;;
	esac
}

# plot_svg_texts FILE: every text element's text, one a line (XML-parsed:
# entities decoded, as a viewer shows them)
plot_svg_texts() {
	/usr/bin/python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as E
for el in E.parse(sys.argv[1]).iter():
    if el.tag.rsplit('}', 1)[-1] == 'text':
        t = ''.join(el.itertext()).strip()
        if t:
            print(t.replace('\n', '\\n'))
PY
}

# plot_svg_has FILE WHAT TEXT...: each TEXT is the whole text of an
# element of the SVG
plot_svg_has() {
	local f=$1 what=$2 texts t
	shift 2
	texts=$(plot_svg_texts "$f")
	for t in "$@"; do
		grep -qxF -- "$t" <<<"$texts" || plot_fail "$what: the SVG shows no text '$t' (it shows: $(tr '\n' '|' <<<"$texts"))"
	done
}

# plot_rerun_identical DIR WHAT: gnuplot -d fig.gp in DIR draws fig.svg
# again, byte for byte
plot_rerun_identical() {
	local dir=$1 what=$2
	cp "$dir/fig.svg" "$dir/first.svg"
	(cd "$dir" && "${GNUPLOT:-gnuplot}" -d fig.gp) || plot_fail "$what: gnuplot fig.gp failed"
	cmp -s "$dir/first.svg" "$dir/fig.svg" || plot_fail "$what: gnuplot fig.gp drew another SVG"
	rm -f "$dir/first.svg"
}
