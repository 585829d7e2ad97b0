/*
 * bootlens elf: a kernel image's size, boot entry and symbols (docs/elf.md).
 *
 *   elf KERNEL                  what the image is and where its size went
 *   elf KERNEL --compare OTHER  the change from KERNEL to OTHER
 *   elf --addr ADDR... FILE     addresses to symbol+offset/size
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "reports/elfreport.h"

void usage_elf(FILE *out)
{
        fprintf(
            out,
            "usage: bootlens elf [--format table|json|md] [--top N] KERNEL\n"
            "       bootlens elf [--format ...] [--top N] KERNEL --compare OTHER\n"
            "       bootlens elf [--format ...] --addr ADDR [--addr ADDR]... KERNEL|KALLSYMS\n\n"
            "Read a kernel image: an ELF kernel (NetBSD, FreeBSD, Linux vmlinux) or a\n"
            "Linux bzImage, whose ELF payload is unwrapped as 'guest vmlinux' does. Says\n"
            "how QEMU's -kernel enters it (a PVH entry note, the bzImage path, or\n"
            "neither), its file and loaded size, the size per section class (text,\n"
            "rodata, data, bss, init, other), its build id, the largest sections and,\n"
            "with a symbol table, the largest functions and objects.\n\n"
            "With --compare, the change from KERNEL to OTHER: per class (adding up to\n"
            "the change in loaded size), per section, and with symbol tables the\n"
            "symbols that grew, shrank, appeared or vanished most.\n\n"
            "With --addr, resolve addresses (a panic's RIP, a stuck boot's registers)\n"
            "to symbol+offset/size against an ELF's symbol table or a /proc/kallsyms\n"
            "text (collect --kallsyms keeps one beside each run's dump). ADDR is hex,\n"
            "with or without 0x; '--addr -' reads every hex address on standard input.\n\n"
            "Exit 0, or 2 for a usage error or a file that cannot be read as a kernel\n"
            "image or kallsyms text (one line naming the file and the reason). An\n"
            "image without a symbol table gives a report without symbols, exit 0.\n\n"
            "  --format FMT    table (default), json or md\n"
            "  --top N         sections and symbols to list (default %d)\n"
            "  --compare OTHER the image to compare KERNEL with\n"
            "  --addr ADDR     an address to resolve (repeatable)\n",
            ELFREPORT_TOP);
}

int cmd_elf(int argc, char **argv)
{
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        usage_elf(stdout);
                        return BL_EXIT_OK;
                }
        }
        bl_error("elf: not implemented yet"); /* TODO(issue 15) */
        return BL_EXIT_USAGE;
}
