#!/usr/bin/env bash
# bootlens elf on bad input, each built here: a missing file, a directory,
# an ELF truncated at several points, a file that is no kernel, an empty
# or absolute-only kallsyms text under --addr (its own reason, not the
# image's hint), a kallsyms text without --addr (hinted): one line
# "bootlens: elf: FILE: REASON" and exit 2, never a crash (a broken real
# bzImage: tests/integration/elf_debian.sh). --addr - keeps only a pasted
# oops's words within the symbols' range and counts the rest. An ELF
# without a symbol table (the project's binary stripped of .symtab and
# .dynsym) gives a report without symbols and exit 0; --addr against it
# exits 2 with the hint. --addr against the project's own unstripped
# binary gives what nm says: NAME+0xOFF/0xSIZE.
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
expect_error() { # FILE PATTERN CMD...: exit 2, one line naming FILE, matching PATTERN
	local file=$1 pat=$2
	shift 2
	expect_status 2 "$@"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "'$*': not one line: $(cat "$tmp/err")"
	grep -qF -- "bootlens: elf: $file: " "$tmp/err" || fail "'$*': does not name $file: $(cat "$tmp/err")"
	grep -q -- "$pat" "$tmp/err" || fail "'$*': '$(cat "$tmp/err")' does not say '$pat'"
}
command -v objcopy >/dev/null && command -v nm >/dev/null || {
	echo "skipped: objcopy or nm missing (binutils)"
	exit "${BOOTLENS_SKIP_RC:-77}"
}

expect_error "$tmp/none" 'No such file or directory' "$BOOTLENS" elf "$tmp/none"
expect_error "$tmp/none" 'No such file or directory' "$BOOTLENS" elf --addr 0x10 "$tmp/none"
mkdir "$tmp/dir"
expect_error "$tmp/dir" 'Is a directory' "$BOOTLENS" elf "$tmp/dir"
expect_error "$tmp/dir" 'Is a directory' "$BOOTLENS" elf --addr 0x10 "$tmp/dir"
: >"$tmp/empty"
expect_error "$tmp/empty" 'not a kernel image' "$BOOTLENS" elf "$tmp/empty"
printf 'hello, I am no kernel\n%.0s' {1..100} >"$tmp/text"
expect_error "$tmp/text" 'not a kernel image' "$BOOTLENS" elf "$tmp/text"
# Either side of --compare is checked.
expect_error "$tmp/text" 'not a kernel image' "$BOOTLENS" elf "$BOOTLENS" --compare "$tmp/text"

# The project's own binary, truncated: in the ELF header, in the program
# headers, in the middle, just before the section headers' end.
size=$(stat -c %s "$BOOTLENS")
for n in 4 40 100 4096 $((size / 2)) $((size - 1)); do
	head -c "$n" "$BOOTLENS" >"$tmp/trunc-$n"
	expect_error "$tmp/trunc-$n" 'truncated\|malformed' "$BOOTLENS" elf "$tmp/trunc-$n"
done

# No symbol table: a reduced report, exit 0; --addr refuses with the hint.
objcopy --strip-all -R .dynsym -R .dynstr "$BOOTLENS" "$tmp/nosyms"
expect_status 0 "$BOOTLENS" elf "$tmp/nosyms"
grep -q '^no symbol table$' "$tmp/out" || fail "no 'no symbol table' in: $(cat "$tmp/out")"
expect_status 0 "$BOOTLENS" elf --format json "$tmp/nosyms"
grep -q '^  "symtab": null,$' "$tmp/out" || fail "json: symtab is not null"
grep -q '^  "symbols": null$' "$tmp/out" || fail "json: symbols is not null"
expect_error "$tmp/nosyms" 'no symbol table (.*collect --kallsyms' "$BOOTLENS" elf --addr 0x1000 "$tmp/nosyms"

# --addr against the unstripped binary: nm's address and size.
read -r addr size_hex _ < <(nm -S "$BOOTLENS" | awk '$4 == "cmd_elf" {print $1, $2}')
[ -n "$addr" ] || fail "nm finds no cmd_elf in $BOOTLENS"
at=$(printf '0x%x' $((0x$addr)))
off=$(printf '0x%x' $((0x$addr + 4)))
want_size=$(printf '0x%x' $((0x$size_hex)))
expect_status 0 "$BOOTLENS" elf --addr "$addr" --addr "$off" "$BOOTLENS"
grep -qE "^ *$at  cmd_elf\+0x0/$want_size\$" "$tmp/out" ||
	fail "--addr $addr: $(cat "$tmp/out")"
grep -qE "cmd_elf\+0x4/$want_size\$" "$tmp/out" || fail "--addr $off: $(cat "$tmp/out")"
if command -v addr2line >/dev/null; then
	fn=$(addr2line -f -e "$BOOTLENS" "$off" | head -1)
	[ "$fn" = cmd_elf ] || fail "addr2line says $fn for $off"
fi
# --addr - takes every address-looking word of standard input.
printf 'RIP: 0010:[<%s>] rax 0000000000000000 r8 0x%s\n' "$addr" "$addr" |
	"$BOOTLENS" elf --addr - "$BOOTLENS" >"$tmp/out"
[ "$(grep -c 'cmd_elf+0x0/' "$tmp/out")" -eq 2 ] || fail "--addr -: $(cat "$tmp/out")"
grep -q '0x0 ' "$tmp/out" && fail "--addr - took the zero register: $(cat "$tmp/out")"
status=0
echo 'no address here: 0010 12345 deadbeefdeadbeef0' | "$BOOTLENS" elf --addr - "$BOOTLENS" \
	>"$tmp/out" 2>"$tmp/err" || status=$?
[ "$status" -eq 2 ] && grep -q 'standard input: no address found' "$tmp/err" ||
	fail "--addr - without an address: $status $(cat "$tmp/err")"

# --addr on a file that is no image gives ksyms's own reason, not the
# image's "use a kallsyms text" hint; elf on a kallsyms text hints --addr.
expect_error "$tmp/empty" 'the file is empty$' "$BOOTLENS" elf --addr 0x10 "$tmp/empty"
printf 'ffffffff81000000 A x\n' >"$tmp/abs.kallsyms"
expect_error "$tmp/abs.kallsyms" 'no symbol in the kallsyms text$' \
	"$BOOTLENS" elf --addr 0x10 "$tmp/abs.kallsyms"
grep -q 'kallsyms text:' "$tmp/err" && fail "--addr on a text hints a kallsyms text: $(cat "$tmp/err")"
printf 'ffffffff81000000 T _text\r\nffffffff81000100 T foo\r\n\r\nffffffff81000200 T bar\r\n' \
	>"$tmp/crlf.kallsyms"
expect_error "$tmp/crlf.kallsyms" 'not a kernel image.*(a kallsyms text? use --addr)$' \
	"$BOOTLENS" elf "$tmp/crlf.kallsyms"
expect_error "$tmp/text" 'not a kernel image' "$BOOTLENS" elf "$tmp/text"
grep -q 'use --addr' "$tmp/err" && fail "a text that is no kallsyms hints --addr: $(cat "$tmp/err")"

# --addr - keeps only the words within the symbols' range (a CRLF text's):
# flags, small values, user and direct-map pointers are left out and
# counted; an explicit --addr is resolved wherever it lies.
printf '%s\n' 'RIP: 0010:[<ffffffff81000104>] EFLAGS: 00010246' \
	'RAX: 0000000000000008 RBX: ffff888003c4d000 RCX: 00007ffd12345678' \
	'RDX: ffffffff81000200 R8: ffffffff81000201' >"$tmp/oops"
status=0
"$BOOTLENS" elf --addr - --addr 0x10 "$tmp/crlf.kallsyms" <"$tmp/oops" >"$tmp/out" 2>"$tmp/err" ||
	status=$?
[ "$status" -eq 0 ] || fail "--addr - on an oops: exit $status: $(cat "$tmp/err")"
[ "$(grep -c '^0x\| 0x' "$tmp/out")" -eq 3 ] || fail "--addr - on an oops: $(cat "$tmp/out")"
grep -q '^0xffffffff81000104  foo+0x4/0x100$' "$tmp/out" || fail "no foo: $(cat "$tmp/out")"
grep -q '^0xffffffff81000200  bar+0x0$' "$tmp/out" || fail "no bar: $(cat "$tmp/out")"
grep -q '^ *0x10  below the first symbol$' "$tmp/out" || fail "explicit 0x10: $(cat "$tmp/out")"
# (ffffffff81000201 lies past bar, the last symbol, whose end is unknown.)
grep -q '00010246\|0000000000000008\|ffff888003c4d000\|00007ffd12345678\|81000201' "$tmp/out" &&
	fail "--addr - kept a word out of range: $(cat "$tmp/out")"
grep -qx "bootlens: elf: note: standard input: 5 words outside the symbols' range 0xffffffff81000000..0xffffffff81000200 left out" \
	"$tmp/err" || fail "--addr - note: $(cat "$tmp/err")"
status=0
echo 'EFLAGS: 00010246' | "$BOOTLENS" elf --addr - "$tmp/crlf.kallsyms" >"$tmp/out" 2>"$tmp/err" ||
	status=$?
[ "$status" -eq 2 ] && grep -q "standard input: 1 address word, none within the symbols' range" "$tmp/err" ||
	fail "--addr - with no word in range: $status $(cat "$tmp/err")"

echo "ok: elf errors"
