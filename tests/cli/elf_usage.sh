#!/usr/bin/env bash
# bootlens elf: --help, and every usage error exits 2 with one line that
# says what was wrong (docs/elf.md, "Exit codes").
set -euo pipefail

: "${BOOTLENS:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
expect_status() { # WANT CMD...
	local want=$1 status=0
	shift
	"$@" >"$tmp/out" 2>"$tmp/err" || status=$?
	[ "$status" -eq "$want" ] || fail "'$*' exited $status, expected $want: $(cat "$tmp/err")"
}
expect_error() { # PATTERN CMD...: exit 2, one line on stderr matching PATTERN, nothing on stdout
	local pat=$1
	shift
	expect_status 2 "$@"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "'$*': not one line: $(cat "$tmp/err")"
	grep -q -- "$pat" "$tmp/err" || fail "'$*': '$(cat "$tmp/err")' does not say '$pat'"
	[ ! -s "$tmp/out" ] || fail "'$*' printed on stdout: $(cat "$tmp/out")"
}

expect_status 0 "$BOOTLENS" elf --help
grep -q '^usage: bootlens elf \[--format table|json|md\] \[--top N\] KERNEL$' "$tmp/out" ||
	fail "elf --help prints no usage"
for opt in --format --top --compare --addr; do
	grep -q -- "^  $opt " "$tmp/out" || fail "elf --help does not describe $opt"
done
expect_status 0 "$BOOTLENS" elf -h
expect_status 0 "$BOOTLENS" help elf
grep -q '^usage: bootlens elf' "$tmp/out" || fail "help elf prints no usage"

expect_error '^bootlens: elf: no KERNEL given' "$BOOTLENS" elf
expect_error "^bootlens: elf: unknown option '--frobnicate'" "$BOOTLENS" elf --frobnicate x
expect_error "^bootlens: elf: unknown --format 'csv' (table, json or md)" \
	"$BOOTLENS" elf --format csv x
expect_error "^bootlens: elf: option '--format' needs a value" "$BOOTLENS" elf x --format
for bad in 0 -1 abc 10x 100001; do
	expect_error "^bootlens: elf: --top wants a number 1..100000, not '$bad'" \
		"$BOOTLENS" elf --top "$bad" x
done
expect_error '^bootlens: elf: one KERNEL or KALLSYMS file, not 2' "$BOOTLENS" elf a b
expect_error '^bootlens: elf: --addr and --compare do not go together' \
	"$BOOTLENS" elf --addr 0x1 --compare a b
for bad in xyz 0x 0x12345678901234567 '' 12g4; do
	expect_error "^bootlens: elf: --addr wants a hex address" "$BOOTLENS" elf --addr "$bad" x
done
# The usage errors are found before any file is read.
expect_error "unknown --format" "$BOOTLENS" elf --format html /nonexistent/kernel
echo "ok: elf usage"
