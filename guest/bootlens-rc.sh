# bootlens-rc.sh: frame the kernel's tslog onto the console from /etc/rc,
# for NetBSD/FreeBSD images that have no compiled bootlens-dumper. POSIX sh
# and sysctl(8) only. Paste it near the end of /etc/rc (or source it) and
# call:
#
#   bootlens_mark rc-start          # anywhere: "@@bootlens mark rc-start"
#   bootlens_dump [DEVICE]          # default /dev/console
#   bootlens_poweroff               # halt -p (NetBSD: poweroff)
#
# What it can and cannot do, compared with bootlens-dumper (docs/guest.md):
# - It writes the same framing (docs/framing.md), but with "crc32=none":
#   POSIX cksum(1) computes a different CRC than zlib's crc32, and sh
#   cannot compute one in reasonable time. The host still checks the byte
#   count and the section count; a dump with a flipped byte passes.
# - The body is staged in a file ($BOOTLENS_TMP, default /tmp) to count its
#   bytes before the end line; a read-only root with no writable /tmp
#   cannot use it. Set BOOTLENS_TMP to a tmpfs (e.g. /dev/shm, /var/run).
# - tsc_now=0 (sh cannot read the TSC) and uptime_ns=0 (no nanosecond
#   clock): the host cannot stitch guest time 0 to its timeline exactly;
#   it falls back to the arrival time of the begin line.
# - If the device is a tty, output processing is switched off with
#   'stty -opost' (restored afterwards) so that \n is not sent as \r\n,
#   which would break the byte count. Without stty(1), use a raw console.
# - Section contents end with the newline sysctl -n adds; a value that
#   already ended in one gets an empty line, which parsers skip.

bootlens_mark() {
	echo "@@bootlens mark $1 uptime_ns=0" >"${2:-/dev/console}"
}

bootlens_dump() {
	_bl_out=${1:-/dev/console}
	_bl_body=${BOOTLENS_TMP:-/tmp}/bootlens-body.$$
	_bl_os=$(sysctl -n kern.ostype 2>/dev/null | tr 'A-Z' 'a-z')
	_bl_freq=$(sysctl -n machdep.tsc_freq 2>/dev/null || echo 0)
	_bl_n=0
	: >"$_bl_body" || return 1
	for _bl_s in tslog tslog_user; do
		if sysctl -n "debug.$_bl_s" >"$_bl_body.s" 2>/dev/null; then
			echo "@@bootlens section $_bl_s" >>"$_bl_body"
			cat "$_bl_body.s" >>"$_bl_body"
			# Each section ends in a newline (sysctl -n adds one).
			_bl_n=$((_bl_n + 1))
		fi
	done
	rm -f "$_bl_body.s"
	_bl_bytes=$(wc -c <"$_bl_body" | tr -d ' ')
	_bl_tty=
	if [ -c "$_bl_out" ] && _bl_tty=$(stty -g <"$_bl_out" 2>/dev/null); then
		stty -opost <"$_bl_out"
	fi
	{
		echo "@@bootlens v1 begin os=${_bl_os:-bsd} tsc_freq=${_bl_freq:-0}" \
			"tsc_freq_src=sysctl tsc_now=0 uptime_ns=0 console=${_bl_out##*/} dumper=rc"
		cat "$_bl_body"
		echo "@@bootlens end sections=$_bl_n bytes=$_bl_bytes crc32=none"
	} >"$_bl_out"
	[ -n "$_bl_tty" ] && stty "$_bl_tty" <"$_bl_out"
	rm -f "$_bl_body"
}

bootlens_poweroff() {
	case $(uname -s) in
	NetBSD) poweroff ;;
	*) halt -p ;;
	esac
}
