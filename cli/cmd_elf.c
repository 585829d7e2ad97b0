/*
 * bootlens elf: a kernel image's size, boot entry and symbols (docs/elf.md).
 *
 *   elf KERNEL                  what the image is and where its size went
 *   elf KERNEL --compare OTHER  the change from KERNEL to OTHER
 *   elf --addr ADDR... FILE     addresses to symbol+offset/size
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/kdiff.h"
#include "analyzer/ksyms.h"
#include "base/util.h"
#include "cli/commands.h"
#include "cli/io.h"
#include "cli/textout.h"
#include "guest/kimage.h"
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

#define ELF_TOP_MAX 100000

struct elf_cli {
        struct elfreport_options ro;
        const char *path, *other;
        const char **addr_texts; /* as given; "-": standard input */
        size_t naddr_texts;
};

/* "bootlens: elf: FILE: REASON", made safe for a terminal; a reason that
 * names the file itself ("FILE:LINE: ...", as ksyms's do) is not prefixed
 * a second time. */
static void elf_error(const char *path, int err, const char *why)
{
        size_t n = strlen(path);

        if (!why || !why[0])
                textout_error("elf: %s: %s", path, strerror(-err));
        else if (strncmp(why, path, n) == 0 && why[n] == ':')
                textout_error("elf: %s", why);
        else
                textout_error("elf: %s: %s", path, why);
}

static int parse_args(int argc, char **argv, struct elf_cli *o)
{
        static const struct option longopts[] = {
            {"format", required_argument, NULL, 'F'},  {"top", required_argument, NULL, 'n'},
            {"compare", required_argument, NULL, 'c'}, {"addr", required_argument, NULL, 'a'},
            {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
        uint64_t top;
        int c;

        o->ro.top = ELFREPORT_TOP;
        o->ro.put_text = textout_puts;
        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
                switch (c) {
                case 'F':
                        if (elfreport_format_parse(optarg, &o->ro.format) < 0) {
                                textout_error("elf: unknown --format '%s' (table, json or md)",
                                              optarg);
                                return BL_EXIT_USAGE;
                        }
                        break;
                case 'n':
                        if (util_parse_u64(optarg, 10, &top) < 0 || top < 1 || top > ELF_TOP_MAX) {
                                textout_error("elf: --top wants a number 1..%d, not '%s'",
                                              ELF_TOP_MAX, optarg);
                                return BL_EXIT_USAGE;
                        }
                        o->ro.top = (size_t)top;
                        break;
                case 'c':
                        o->other = optarg;
                        break;
                case 'a':
                        /* argc bounds the count: the array is sized once. */
                        if (!o->addr_texts) {
                                o->addr_texts = calloc((size_t)argc, sizeof(*o->addr_texts));
                                if (!o->addr_texts) {
                                        bl_error("elf: out of memory");
                                        return BL_EXIT_USAGE;
                                }
                        }
                        o->addr_texts[o->naddr_texts++] = optarg;
                        break;
                case 'h':
                        usage_elf(stdout);
                        return -1;
                case ':':
                        textout_error("elf: option '%s' needs a value", argv[optind - 1]);
                        return BL_EXIT_USAGE;
                default:
                        textout_error("elf: unknown option '%s' (bootlens elf --help)",
                                      argv[optind - 1]);
                        return BL_EXIT_USAGE;
                }
        }
        if (argc - optind == 0) {
                bl_error("elf: no KERNEL given (--help)");
                return BL_EXIT_USAGE;
        }
        if (argc - optind > 1) {
                bl_error("elf: one KERNEL or KALLSYMS file, not %d (--help)", argc - optind);
                return BL_EXIT_USAGE;
        }
        o->path = argv[optind];
        if (o->other && o->naddr_texts) {
                bl_error("elf: --addr and --compare do not go together (--help)");
                return BL_EXIT_USAGE;
        }
        return 0;
}

/* A file that cannot be a kernel before it is read: missing, a directory,
 * not a regular file. 0 or -errno (said). */
static int check_file(const char *path)
{
        struct stat st;

        if (stat(path, &st) < 0) {
                int err = -errno;

                elf_error(path, err, NULL);
                return err;
        }
        if (S_ISDIR(st.st_mode)) {
                elf_error(path, -EISDIR, NULL);
                return -EISDIR;
        }
        return 0;
}

/* Whether a file that is no image reads as a kallsyms text (or one whose
 * addresses are hidden): then "not a kernel image" says to use --addr. */
static bool file_is_kallsyms(const char *path)
{
        struct ksyms *s = NULL;
        int rc = ksyms_load(path, &s, NULL, 0);

        ksyms_free(s);
        return rc == 0 || rc == -EPERM;
}

static int load_image(const char *path, struct kimage **k)
{
        char why[256] = "";
        int rc;

        rc = check_file(path);
        if (rc < 0)
                return rc;
        rc = kimage_load(path, k, why, sizeof(why));
        if (rc == -ENOEXEC && file_is_kallsyms(path)) {
                size_t n = strlen(why);

                snprintf(why + n, sizeof(why) - n, " (a kallsyms text? use --addr)");
        }
        if (rc < 0)
                elf_error(path, rc, why);
        return rc;
}

/* Whether the word w[0..n) looks like a kernel address: 8 or 16 hex
 * digits after an optional 0x, not all zero (a register that holds 0 is
 * not an address). */
static bool address_word(const char *w, size_t n, uint64_t *addr)
{
        char buf[24];

        if (n > 2 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X')) {
                w += 2;
                n -= 2;
        }
        if (n != 8 && n != 16)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isxdigit((unsigned char)w[i]))
                        return false;
        memcpy(buf, w, n);
        buf[n] = '\0';
        return ksyms_parse_addr(buf, addr) == 0 && *addr != 0;
}

struct addrs {
        uint64_t *v;
        char **texts;
        size_t n, cap;
};

static int addrs_add(struct addrs *a, uint64_t v, const char *text, size_t len)
{
        if (a->n == a->cap) {
                size_t cap = a->cap ? 2 * a->cap : 16;
                uint64_t *nv = realloc(a->v, cap * sizeof(*nv));
                char **nt;

                if (!nv)
                        return -ENOMEM;
                a->v = nv;
                nt = realloc(a->texts, cap * sizeof(*nt));
                if (!nt)
                        return -ENOMEM;
                a->texts = nt;
                a->cap = cap;
        }
        a->texts[a->n] = strndup(text, len);
        if (!a->texts[a->n])
                return -ENOMEM;
        a->v[a->n++] = v;
        return 0;
}

static void addrs_free(struct addrs *a)
{
        for (size_t i = 0; i < a->n; i++)
                free(a->texts[i]);
        free(a->texts);
        free(a->v);
}

/* Every address word of standard input within the symbols' range [lo,
 * hi] (a pasted oops's flags, small values, user and direct-map pointers
 * are no kernel symbols; how many were left out is noted). Returns an
 * exit code (errors said). */
static int read_stdin_addrs(struct addrs *a, uint64_t lo, uint64_t hi)
{
        char *buf = NULL;
        size_t len = 0, before = a->n, words = 0;
        uint64_t max, v;
        int rc;

        util_input_limit(&max);
        rc = util_read_fd_max(STDIN_FILENO, (size_t)max, &buf, &len);
        if (rc < 0) {
                elf_error("standard input", rc, NULL);
                return BL_EXIT_USAGE;
        }
        for (size_t i = 0; i < len;) {
                size_t j = i;

                while (j < len && isalnum((unsigned char)buf[j]))
                        j++;
                if (j > i && address_word(buf + i, j - i, &v)) {
                        words++;
                        if (v >= lo && v <= hi && addrs_add(a, v, buf + i, j - i)) {
                                free(buf);
                                bl_error("elf: out of memory");
                                return BL_EXIT_USAGE;
                        }
                }
                i = j == i ? i + 1 : j;
        }
        free(buf);
        if (!words) {
                bl_error("elf: standard input: no address found (8 or 16 hex digits, with or "
                         "without 0x)");
                return BL_EXIT_USAGE;
        }
        if (a->n - before == words)
                return 0;
        if (a->n == before) {
                bl_error("elf: standard input: %zu address word%s, none within the symbols' range "
                         "0x%" PRIx64 "..0x%" PRIx64,
                         words, words == 1 ? "" : "s", lo, hi);
                return BL_EXIT_USAGE;
        }
        bl_error("elf: note: standard input: %zu word%s outside the symbols' range 0x%" PRIx64
                 "..0x%" PRIx64 " left out",
                 words - (a->n - before), words - (a->n - before) == 1 ? "" : "s", lo, hi);
        return 0;
}

/* An explicit --addr ADDR: 0, or -EINVAL (said). */
static int parse_addr_arg(const char *t, uint64_t *v)
{
        if (ksyms_parse_addr(t, v) == 0)
                return 0;
        textout_error("elf: --addr wants a hex address (0xffffffff81000000 or ffffffff81000000), "
                      "not '%s'",
                      t);
        return -EINVAL;
}

/* The addresses of --addr: each explicit one as given, those of standard
 * input within the symbols' range. */
static int collect_addrs(const struct elf_cli *o, const struct ksyms *s, struct addrs *a)
{
        uint64_t v, lo, hi;
        int rc;

        ksyms_range(s, &lo, &hi);
        for (size_t i = 0; i < o->naddr_texts; i++) {
                const char *t = o->addr_texts[i];

                if (strcmp(t, "-") == 0) {
                        rc = read_stdin_addrs(a, lo, hi);
                        if (rc)
                                return rc;
                        continue;
                }
                if (parse_addr_arg(t, &v) < 0)
                        return BL_EXIT_USAGE;
                if (addrs_add(a, v, t, strlen(t))) {
                        bl_error("elf: out of memory");
                        return BL_EXIT_USAGE;
                }
        }
        return 0;
}

/* Whether the file starts as an image (kimage_sniff()): what tells "no
 * symbol table" of an image from ksyms's reason for a text. */
static bool file_is_image(const char *path)
{
        unsigned char head[0x210];
        size_t n;
        FILE *f = fopen(path, "rb");

        if (!f)
                return false;
        n = fread(head, 1, sizeof(head), f);
        fclose(f);
        return kimage_sniff(head, n);
}

static int report_rc(int rc)
{
        if (rc == -ENOMEM)
                bl_error("elf: out of memory");
        else if (rc < 0)
                cli_check_output(stdout, "standard output");
        return rc < 0 ? BL_EXIT_USAGE : BL_EXIT_OK;
}

static int do_addrs(const struct elf_cli *o)
{
        struct addrs a = {0};
        struct ksyms *s = NULL;
        char why[256] = "";
        int rc;

        /* A bad --addr before the file is read. */
        for (size_t i = 0; i < o->naddr_texts; i++) {
                uint64_t v;

                if (strcmp(o->addr_texts[i], "-") && parse_addr_arg(o->addr_texts[i], &v) < 0)
                        return BL_EXIT_USAGE;
        }
        rc = BL_EXIT_USAGE;
        if (check_file(o->path) < 0)
                goto out_free;
        rc = ksyms_load(o->path, &s, why, sizeof(why));
        if (rc == -ENOENT && file_is_image(o->path)) {
                elf_error(o->path, rc,
                          "no symbol table (for a kernel without one, use a kallsyms text: "
                          "bootlens collect --kallsyms keeps one beside each run's dump)");
                rc = BL_EXIT_USAGE;
                goto out_free;
        }
        if (rc < 0) {
                elf_error(o->path, rc, why);
                rc = BL_EXIT_USAGE;
                goto out_free;
        }
        rc = collect_addrs(o, s, &a);
        if (rc)
                goto out_free;
        rc = report_rc(
            elfreport_addrs(stdout, s, o->path, a.v, (const char *const *)a.texts, a.n, &o->ro));
out_free:
        ksyms_free(s);
        addrs_free(&a);
        return rc;
}

static int do_image(const struct elf_cli *o)
{
        struct kimage *k = NULL, *other = NULL;
        struct kdiff *d = NULL;
        int rc = BL_EXIT_USAGE, err;

        if (load_image(o->path, &k) < 0)
                goto out_free;
        if (!o->other) {
                rc = report_rc(elfreport_image(stdout, k, o->path, &o->ro));
                goto out_free;
        }
        if (load_image(o->other, &other) < 0)
                goto out_free;
        err = kdiff_build(k, other, o->ro.top, &d);
        if (err < 0) {
                bl_error("elf: cannot compare: %s", strerror(-err));
                goto out_free;
        }
        rc = report_rc(elfreport_compare(stdout, d, o->path, o->other, &o->ro));
out_free:
        kdiff_free(d);
        kimage_free(other);
        kimage_free(k);
        return rc;
}

int cmd_elf(int argc, char **argv)
{
        struct elf_cli o = {0};
        int rc;

        rc = parse_args(argc, argv, &o);
        if (rc == 0)
                rc = o.naddr_texts ? do_addrs(&o) : do_image(&o);
        else if (rc < 0)
                rc = BL_EXIT_OK; /* --help */
        free(o.addr_texts);
        return rc;
}
