/*
 * bootlens guest: the guest side's host tools.
 *
 *   guest initrd        build a Linux initramfs carrying the dumper
 *   guest fetch-kernel  download and cache Debian's cloud kernel
 *   guest verify        check a captured console dump's framing
 *   guest vmlinux       unwrap the ELF kernel inside a bzImage (for PVH boots)
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/sbuf.h"
#include "base/util.h"
#include "cli/commands.h"
#include "cli/io.h"
#include "cli/textout.h"
#include "guest/framing.h"
#include "guest/initrd.h"
#include "guest/kernel_fetch.h"
#include "guest/vmlinux.h"

static void usage_initrd(FILE *out)
{
        fprintf(out,
                "usage: bootlens guest initrd --modules-from DIR [--module NAME]...\n"
                "                             [--dumper PATH] [--add SRC:DEST]... -o FILE\n"
                "       bootlens guest initrd --poweroff [--dumper PATH] -o FILE\n\n"
                "Write a gzip-compressed cpio (newc) initramfs: the static dumper as /init,\n"
                "the named kernel modules and their dependencies (read from each module's\n"
                ".modinfo) in load order, and /etc/bootlens/modules listing them. Prints\n"
                "'wrote FILE (N bytes, M modules)' when done. With --poweroff, a bare\n"
                "image whose /init powers the VM off at once: no modules, no dump (for a\n"
                "host-timed variant, timing=host: docs/guest.md).\n\n"
                "  --modules-from DIR  a kernel's module tree (lib/modules/VERSION)\n"
                "  --module NAME       a module to load (repeatable; default: %s",
                initrd_default_modules[0]);
        for (size_t i = 1; i < initrd_default_modules_count; i++)
                fprintf(out, ", %s", initrd_default_modules[i]);
        fprintf(out, ")\n"
                     "                      modules built into the kernel are skipped\n"
                     "  --dumper PATH       the bootlens-dumper binary (default: the one built\n"
                     "                      or installed with bootlens)\n"
                     "  --add SRC:DEST      put the host file SRC into the image at DEST\n"
                     "                      (absolute, no '..'), keeping its mode; repeatable;\n"
                     "                      e.g. a real init for bootlens.init=DEST\n"
                     "  --poweroff          a bare image: /init powers off at once (takes no\n"
                     "                      --modules-from, --module or --add)\n"
                     "  -o, --output FILE   the initramfs to write\n");
}

static void usage_fetch(FILE *out)
{
        fprintf(out,
                "usage: bootlens guest fetch-kernel [--version V] [--refresh]\n\n"
                "Download Debian's cloud kernel with apt-get download, unpack it into\n"
                "$XDG_CACHE_HOME/bootlens (else ~/.cache/bootlens) and print two lines:\n"
                "  kernel PATH    the bzImage\n"
                "  modules PATH   the module tree, .../lib/modules/RELEASE\n"
                "A kernel already in the cache is reused without running apt.\n\n"
                "  --version V  a release (6.1.0-56, 6.1.0-56-cloud-amd64); default: the one\n"
                "               %s depends on\n"
                "  --refresh    ask apt again which release the metapackage names\n",
                KERNEL_FETCH_METAPACKAGE);
}

static void usage_verify(FILE *out)
{
        fprintf(out, "usage: bootlens guest verify [--section NAME] [--quiet] FILE\n\n"
                     "Find the first bootlens dump in a console capture and check its framing\n"
                     "(end line, byte count, crc32). Prints the verdict, the begin line's fields,\n"
                     "the sections and every marker line; exit status 0 if the dump is whole,\n"
                     "1 if not, 2 if the file cannot be read or holds no dump.\n\n"
                     "  --section NAME  print that section's content instead (exit 1 if absent)\n"
                     "  -q, --quiet     print nothing, only set the exit status\n");
}

static void usage_vmlinux(FILE *out)
{
        fprintf(out, "usage: bootlens guest vmlinux BZIMAGE -o VMLINUX\n\n"
                     "Unwrap the ELF kernel that an x86 bzImage carries (boot protocol 2.08 or\n"
                     "later): find the compressed payload named by the setup header, decompress\n"
                     "it (lz4, zstd, xz, lzma, gzip or bzip2), check that it is an ELF image and\n"
                     "write it to VMLINUX. Prints the compression, the sizes, and 'pvh yes' when\n"
                     "the ELF has a PVH entry note (Xen PHYS32_ENTRY), which lets QEMU boot it\n"
                     "directly: bootlens collect --kernel VMLINUX (docs/collect.md). Exit 0, or 2\n"
                     "when BZIMAGE cannot be read or unwrapped, or VMLINUX cannot be written.\n\n"
                     "  -o, --output VMLINUX  the ELF kernel to write\n");
}

void usage_guest(FILE *out)
{
        fprintf(out, "usage: bootlens guest COMMAND [ARGS]\n\n"
                     "  initrd        build a Linux initramfs carrying the dumper\n"
                     "  fetch-kernel  download and cache Debian's cloud kernel\n"
                     "  verify        check the framing of a captured console dump\n"
                     "  vmlinux       unwrap the ELF kernel inside a bzImage (for PVH boots)\n\n"
                     "Run 'bootlens guest COMMAND --help' for details.\n");
}

/* Say why initrd_build_adds() failed (ret < 0). */
static void initrd_error(int ret, const char *dir, const char *out, const char *dumper,
                         const char *bad, const struct initrd_add *adds, long bad_add)
{
        if (bad_add >= 0) {
                const struct initrd_add *a = &adds[bad_add];

                if (ret == -EEXIST)
                        bl_error("guest initrd: cannot add '%s': the image already has '%s'",
                                 a->src, a->dest);
                else if (ret == -ENOTDIR)
                        bl_error("guest initrd: cannot add '%s': a file of the image lies on "
                                 "the way to '%s'",
                                 a->src, a->dest);
                else if (ret == -EINVAL)
                        bl_error("guest initrd: cannot add '%s': not a regular file", a->src);
                else
                        bl_error("guest initrd: cannot add '%s': %s", a->src, strerror(-ret));
        } else if (ret == -ENOENT && bad) {
                bl_error("guest initrd: module '%s' is neither in '%s' nor built in", bad, dir);
        } else if (ret == -ELOOP) {
                bl_error("guest initrd: dependency cycle at module '%s'", bad ? bad : "?");
        } else if (bad) {
                bl_error("cannot read module '%s': %s", bad, strerror(-ret));
        } else {
                bl_error("cannot write initramfs '%s' from '%s' and '%s': %s", out, dir, dumper,
                         strerror(-ret));
        }
}

/* What guest initrd was asked for. */
struct initrd_args {
        const char *dir, *out, *dumper;
        const char **names; /* argc of them at most */
        struct initrd_add *adds;
        size_t nnames, nadds;
        bool poweroff;
};

/* Parse guest initrd's arguments into a. Returns -1 to go on, else the
 * exit status (after --help or a usage error). */
static int initrd_args_parse(int argc, char **argv, struct initrd_args *a)
{
        static const struct option opts[] = {
            {"modules-from", required_argument, NULL, 'm'},
            {"module", required_argument, NULL, 'M'},
            {"dumper", required_argument, NULL, 'd'},
            {"output", required_argument, NULL, 'o'},
            {"add", required_argument, NULL, 'a'},
            {"poweroff", no_argument, NULL, 'p'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        int c;

        while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
                switch (c) {
                case 'm':
                        a->dir = optarg;
                        break;
                case 'M':
                        a->names[a->nnames++] = optarg;
                        break;
                case 'd':
                        a->dumper = optarg;
                        break;
                case 'o':
                        a->out = optarg;
                        break;
                case 'a':
                        if (initrd_parse_add(optarg, &a->adds[a->nadds]) < 0) {
                                bl_error("guest initrd: bad --add '%s': want SRC:DEST, DEST an "
                                         "absolute path in the image without '.', '..' or "
                                         "empty components",
                                         optarg);
                                return BL_EXIT_USAGE;
                        }
                        a->nadds++;
                        break;
                case 'p':
                        a->poweroff = true;
                        break;
                case 'h':
                        usage_initrd(stdout);
                        return BL_EXIT_OK;
                default:
                        usage_initrd(stderr);
                        return BL_EXIT_USAGE;
                }
        }
        if (a->poweroff && (a->dir || a->nnames || a->nadds)) {
                bl_error("guest initrd: --poweroff makes a bare image: it takes no %s",
                         a->dir      ? "--modules-from"
                         : a->nnames ? "--module"
                                     : "--add");
                return BL_EXIT_USAGE;
        }
        if (optind < argc || (!a->dir && !a->poweroff) || !a->out) {
                if (optind < argc)
                        bl_error("guest initrd: unexpected argument '%s'", argv[optind]);
                else
                        bl_error("guest initrd: %s is required",
                                 a->dir || a->poweroff ? "-o FILE" : "--modules-from DIR");
                usage_initrd(stderr);
                return BL_EXIT_USAGE;
        }
        return -1;
}

static int guest_initrd(int argc, char **argv)
{
        struct initrd_args a = {0};
        char *found = NULL, *bad = NULL;
        long bad_add = -1;
        struct stat st;
        int ret, rc;

        a.names = calloc((size_t)argc, sizeof(*a.names));
        a.adds = calloc((size_t)argc, sizeof(*a.adds));
        if (!a.names || !a.adds) {
                bl_error("out of memory");
                rc = BL_EXIT_FAIL;
                goto out_free;
        }
        rc = initrd_args_parse(argc, argv, &a);
        if (rc >= 0)
                goto out_free;
        rc = BL_EXIT_USAGE;
        if (!a.dumper) {
                if (initrd_find_dumper(&found) < 0) {
                        bl_error("cannot find bootlens-dumper (build it, or give --dumper PATH "
                                 "or BOOTLENS_DUMPER)");
                        goto out_free;
                }
                a.dumper = found;
        }
        if (a.poweroff) {
                ret = initrd_write_poweroff(a.out, a.dumper);
                if (ret < 0) {
                        bl_error("cannot write initramfs '%s' from '%s': %s", a.out, a.dumper,
                                 strerror(-ret));
                        goto out_free;
                }
                if (stat(a.out, &st) == 0)
                        printf("wrote %s (%lld bytes, bare: powers off at once)\n", a.out,
                               (long long)st.st_size);
                rc = BL_EXIT_OK;
                goto out_free;
        }
        ret = initrd_build_adds(a.dir, a.names, a.nnames, a.dumper, a.adds, a.nadds, a.out, &bad,
                                &bad_add);
        if (ret < 0) {
                initrd_error(ret, a.dir, a.out, a.dumper, bad, a.adds, bad_add);
                goto out_free;
        }
        if (stat(a.out, &st) == 0)
                printf("wrote %s (%lld bytes, %d module%s)\n", a.out, (long long)st.st_size, ret,
                       ret == 1 ? "" : "s");
        else
                printf("wrote %s (%d module%s)\n", a.out, ret, ret == 1 ? "" : "s");
        rc = BL_EXIT_OK;
out_free:
        free(bad);
        free(found);
        free(a.names);
        free(a.adds);
        return rc;
}

static int guest_fetch_kernel(int argc, char **argv)
{
        static const struct option opts[] = {
            {"version", required_argument, NULL, 'v'},
            {"refresh", no_argument, NULL, 'r'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        struct kernel_fetch_opts fo = {0};
        struct kernel_paths kp;
        struct sbuf log = SBUF_INIT;
        int c, ret;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                case 'v':
                        fo.version = optarg;
                        break;
                case 'r':
                        fo.refresh = true;
                        break;
                case 'h':
                        usage_fetch(stdout);
                        return BL_EXIT_OK;
                default:
                        usage_fetch(stderr);
                        return BL_EXIT_USAGE;
                }
        }
        if (optind < argc) {
                bl_error("guest fetch-kernel: unexpected argument '%s'", argv[optind]);
                usage_fetch(stderr);
                return BL_EXIT_USAGE;
        }
        if (fo.version) {
                char *rel;

                if (kernel_fetch_release_name(fo.version, &rel) < 0) {
                        bl_error("guest fetch-kernel: bad --version '%s' (expected e.g. "
                                 "6.1.0-56 or 6.1.0-56-cloud-amd64)",
                                 fo.version);
                        return BL_EXIT_USAGE;
                }
                free(rel);
        }
        ret = kernel_fetch(&fo, &kp, &log);
        if (ret < 0) {
                while (log.len && log.buf[log.len - 1] == '\n')
                        log.buf[--log.len] = '\0';
                if (ret == -EPROTO || (ret == -ENOENT && log.len))
                        bl_error("cannot fetch the kernel: %s", log.buf);
                else
                        bl_error("cannot fetch the kernel: %s", strerror(-ret));
                sbuf_release(&log);
                return BL_EXIT_FAIL;
        }
        printf("kernel %s\nmodules %s\n", kp.kernel, kp.modules);
        kernel_paths_free(&kp);
        sbuf_release(&log);
        return BL_EXIT_OK;
}

/* Every marker line in the capture, inside a dump or not. */
static void print_marks(const char *buf, size_t len)
{
        struct sbuf name = SBUF_INIT;

        for (size_t pos = 0; pos < len;) {
                const char *nl = memchr(buf + pos, '\n', len - pos);
                size_t eol = nl ? (size_t)(nl - buf) : len;
                uint64_t up;

                if (framing_line_kind(buf + pos, eol - pos, NULL, NULL) == FRAMING_LINE_MARK &&
                    sbuf_grow(&name, eol - pos + 1) == 0 &&
                    framing_parse_mark(buf + pos, eol - pos, name.buf, eol - pos + 1, &up) == 0) {
                        fputs("mark ", stdout);
                        textout_write(stdout, name.buf, strlen(name.buf), 0);
                        printf(" uptime_ns=%llu\n", (unsigned long long)up);
                }
                pos = eol + 1;
        }
        sbuf_release(&name);
}

static void print_verdict(const char *buf, size_t len, const struct framing_dump *d)
{
        printf("dump: %s\n", framing_status_str(d->status));
        if (d->status == FRAMING_BAD_BYTES)
                printf("bytes: claimed %llu, found %llu\n", (unsigned long long)d->bytes_claimed,
                       (unsigned long long)d->bytes_actual);
        if (d->status == FRAMING_BAD_CRC)
                printf("crc32: claimed %08x, computed %08x\n", (unsigned)d->crc_claimed,
                       (unsigned)d->crc_actual);
        if (d->status == FRAMING_OK && d->crc_unchecked)
                printf("crc32: none (the writer computed no checksum; byte count checked)\n");
        /* the guest's words, made safe for a terminal */
        fputs("begin: ", stdout);
        textout_write(stdout, buf + d->fields_off, d->fields_len, 0);
        putchar('\n');
        for (unsigned i = 0; i < d->nsections; i++) {
                fputs("section ", stdout);
                textout_write(stdout, d->sections[i].name, d->sections[i].name_len, 0);
                printf(" %zu bytes\n", d->sections[i].len);
        }
        print_marks(buf, len);
}

static int guest_verify(int argc, char **argv)
{
        static const struct option opts[] = {
            {"section", required_argument, NULL, 's'},
            {"quiet", no_argument, NULL, 'q'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        const char *section = NULL, *path;
        struct framing_dump d;
        bool quiet = false;
        char *buf;
        size_t len;
        int c, ret, rc;

        while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
                switch (c) {
                case 's':
                        section = optarg;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 'h':
                        usage_verify(stdout);
                        return BL_EXIT_OK;
                default:
                        usage_verify(stderr);
                        return BL_EXIT_USAGE;
                }
        }
        if (optind + 1 != argc) {
                bl_error("guest verify: expected exactly one FILE");
                usage_verify(stderr);
                return BL_EXIT_USAGE;
        }
        path = argv[optind];
        if (cli_read_input(path, &buf, &len) < 0)
                return BL_EXIT_USAGE;
        ret = framing_parse(buf, len, &d);
        if (ret < 0) {
                if (ret == -ENOENT)
                        bl_error("'%s': no bootlens dump (no '@@bootlens v1 begin' line)", path);
                else
                        bl_error("cannot parse '%s': %s", path, strerror(-ret));
                free(buf);
                return BL_EXIT_USAGE;
        }
        rc = d.status == FRAMING_OK ? BL_EXIT_OK : BL_EXIT_FAIL;
        if (section) {
                const struct framing_section_ref *s = framing_find_section(&d, section);

                if (!s) {
                        bl_error("'%s': the dump has no section '%s'", path, section);
                        rc = BL_EXIT_FAIL;
                } else if (!quiet) {
                        fwrite(buf + s->off, 1, s->len, stdout);
                }
        } else if (!quiet) {
                print_verdict(buf, len, &d);
        }
        /* that the bytes reached stdout whole is checked by main()
         * (cli_finish_stdout) */
        if (d.status != FRAMING_OK && !quiet)
                bl_error("'%s': bad dump: %s", path, framing_status_str(d.status));
        framing_dump_free(&d);
        free(buf);
        return rc;
}

static int guest_vmlinux(int argc, char **argv)
{
        static const struct option opts[] = {
            {"output", required_argument, NULL, 'o'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        const char *in, *out = NULL;
        struct vmlinux_info vi;
        int c, ret;

        while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
                switch (c) {
                case 'o':
                        out = optarg;
                        break;
                case 'h':
                        usage_vmlinux(stdout);
                        return BL_EXIT_OK;
                default:
                        usage_vmlinux(stderr);
                        return BL_EXIT_USAGE;
                }
        }
        if (optind + 1 != argc || !out) {
                bl_error("guest vmlinux: %s", optind + 1 != argc ? "expected exactly one BZIMAGE"
                                                                 : "-o VMLINUX is required");
                usage_vmlinux(stderr);
                return BL_EXIT_USAGE;
        }
        in = argv[optind];
        ret = vmlinux_extract(in, out, &vi);
        if (ret < 0) {
                if (strncmp(vi.why, "cannot ", 7) == 0)
                        bl_error("%s", vi.why);
                else
                        bl_error("cannot unwrap '%s': %s", in, vi.why[0] ? vi.why : strerror(-ret));
                return BL_EXIT_USAGE;
        }
        printf("bzimage %s %llu bytes, boot protocol %u.%02u\n", in,
               (unsigned long long)vi.bzimage_size, vi.bz.protocol >> 8, vi.bz.protocol & 0xff);
        printf("payload %s at 0x%zx, %zu bytes\n", vmlinux_comp_name(vi.bz.comp), vi.bz.payload_off,
               vi.bz.payload_len);
        printf("vmlinux %s %zu bytes (ELF%u, %zu bytes after it)\n", out, vi.vmlinux_size,
               vi.elf.elf_class,
               vi.vmlinux_size > vi.elf.elf_size ? vi.vmlinux_size - vi.elf.elf_size : 0);
        if (vi.elf.pvh)
                printf("pvh yes entry 0x%llx\n", (unsigned long long)vi.elf.pvh_entry);
        else
                printf("pvh no\n");
        return BL_EXIT_OK;
}

static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
} guest_commands[] = {
    {"initrd", guest_initrd},
    {"fetch-kernel", guest_fetch_kernel},
    {"verify", guest_verify},
    {"vmlinux", guest_vmlinux},
};

int cmd_guest(int argc, char **argv)
{
        if (argc < 2) {
                usage_guest(stderr);
                return BL_EXIT_USAGE;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                usage_guest(stdout);
                return BL_EXIT_OK;
        }
        for (size_t i = 0; i < UTIL_ARRAY_SIZE(guest_commands); i++)
                if (strcmp(argv[1], guest_commands[i].name) == 0)
                        return guest_commands[i].fn(argc - 1, argv + 1);
        bl_error("guest: unknown command '%s'; see 'bootlens guest --help'", argv[1]);
        return BL_EXIT_USAGE;
}
