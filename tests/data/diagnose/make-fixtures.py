#!/usr/bin/python3
"""Write the derived fixtures of tests/data/diagnose (README.md there).

Run from this directory; deterministic. Each fixture is a real capture of
tests/data with the few lines changed that a rule needs as its trigger.
"""
import gzip
import struct

S = "../samples/freebsd15-firecracker-tslog-head.txt"

# freebsd-sinks.txt: the FreeBSD sample's _vprintf calls renamed, so that
# the BSD function names of four rules carry real time: DELAY (calibration,
# busy waits), pci_read_config (bus enumeration), linker_load_file (modules);
# the rest stay _vprintf (console).
rename = {45: "DELAY", 46: "DELAY", 47: "DELAY", 48: "DELAY", 49: "DELAY", 50: "DELAY",
          51: "DELAY", 52: "DELAY", 55: "pci_read_config", 56: "pci_read_config",
          95: "linker_load_file", 96: "linker_load_file"}
out = []
with open(S, encoding="ascii") as f:
    for n, line in enumerate(f, 1):
        if n in rename:
            assert line.rstrip("\n").endswith(" _vprintf"), (n, line)
            line = line.rstrip("\n")[: -len("_vprintf")] + rename[n] + "\n"
        out.append(line)
with open("freebsd-sinks.txt", "w", encoding="ascii") as f:
    f.writelines(out)

# linux-calibrate.log: the real serial console of tests/data/dmesg
# (real-console.log) with its skipped delay-loop calibration made a real
# one ("Calibrating delay loop... N BogoMIPS (lpj=N)", the kernel's
# wording when it calibrates), its time the printk stamps' own.
src = "../dmesg/real-console.log"
with open(src, "rb") as f:
    data = f.read()
old = b"Calibrating delay loop (skipped), value calculated using timer frequency.. "
new = b"Calibrating delay loop... "
assert data.count(old) == 1
with open("linux-calibrate.log", "wb") as f:
    f.write(data.replace(old, new))


# pvh-bzimage.bin: the smallest bzImage bootlens's unwrapper accepts whose
# payload (gzip) is an ELF with a Xen PHYS32_ENTRY note (a PVH entry), and
# nopvh-bzimage.bin, the same without the note: for the bzimage-pvh rule.
def elf(pvh):
    notes = b""
    if pvh:
        notes = struct.pack("<III", 4, 8, 18) + b"Xen\0" + struct.pack("<Q", 0x1000850)
    off = 64 + 56
    eh = bytearray(64)
    eh[0:4] = b"\x7fELF"
    eh[4], eh[5], eh[6] = 2, 1, 1
    struct.pack_into("<HHI", eh, 16, 2, 62, 1)
    struct.pack_into("<Q", eh, 32, 64)
    struct.pack_into("<HHHH", eh, 52, 64, 56, 1, 64)
    ph = struct.pack("<IIQQQQQQ", 4, 0, off, 0, 0, len(notes), len(notes), 4)
    body = bytes(eh) + ph + notes
    return body + bytes(4096 - len(body))


def bzimage(pvh):
    payload = gzip.compress(elf(pvh), mtime=0)
    payload += struct.pack("<I", 4096)
    sects = 4
    setup = bytearray((sects + 1) * 512)
    setup[0x1F1] = sects
    setup[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", setup, 0x206, 0x20F)
    struct.pack_into("<II", setup, 0x248, 0, len(payload))
    return bytes(setup) + payload


for name, pvh in (("pvh-bzimage.bin", True), ("nopvh-bzimage.bin", False)):
    with open(name, "wb") as f:
        f.write(bzimage(pvh))
