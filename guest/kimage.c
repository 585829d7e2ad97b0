/* kimage: what a kernel image is, read from its bytes (kimage.h). */
#include "guest/kimage.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* The kimage and the one block its section and symbol names live in. */
struct kimage_priv {
        struct kimage k;
        char *names;
};

/* The state of one ELF parse. */
struct elfp {
        const unsigned char *buf;
        size_t len;
        Elf *elf;
        struct kimage *k;
        char *why;
        size_t whylen;
        size_t nsh;
        size_t shstrndx; /* 0: no section names */
        size_t nsym_cap; /* the symbols counted, that k->symbols has room for */
};

const char *kimage_format_name(enum kimage_format f)
{
        return f == KIMAGE_BZIMAGE ? "bzimage" : "elf";
}

const char *kimage_entry_name(enum kimage_entry e)
{
        switch (e) {
        case KIMAGE_ENTRY_PVH:
                return "pvh";
        case KIMAGE_ENTRY_BZIMAGE:
                return "bzimage";
        case KIMAGE_ENTRY_NONE:
                break;
        }
        return "none";
}

const char *kimage_os_name(enum kimage_os os)
{
        static const char *const names[] = {"unknown", "linux", "netbsd", "freebsd"};

        return (unsigned)os < sizeof(names) / sizeof(names[0]) ? names[os] : "unknown";
}

const char *kimage_class_name(enum kimage_class c)
{
        static const char *const names[] = {"text", "rodata", "data", "bss", "init", "other"};

        return (unsigned)c < KIMAGE_NCLASSES ? names[c] : "other";
}

static enum kimage_class classify(const char *name, const GElf_Shdr *sh)
{
        if (strncmp(name, ".init", 5) == 0 || strncmp(name, ".exit", 5) == 0)
                return KIMAGE_INIT;
        if (sh->sh_type == SHT_NOBITS)
                return KIMAGE_BSS;
        if (sh->sh_flags & SHF_EXECINSTR)
                return KIMAGE_TEXT;
        /* x86 Linux links __ro_after_init data into .rodata, which makes
         * it SHF_WRITE in the file: it is read-only data all the same. */
        if (strncmp(name, ".rodata", 7) == 0 && sh->sh_type == SHT_PROGBITS)
                return KIMAGE_RODATA;
        if (sh->sh_flags & SHF_WRITE)
                return KIMAGE_DATA;
        if (sh->sh_type == SHT_PROGBITS)
                return KIMAGE_RODATA;
        return KIMAGE_OTHER;
}

/* Whether [off, off + size) lies in a buffer of len bytes; *end is where
 * it ends (saturated). */
static bool fits(uint64_t off, uint64_t size, size_t len, uint64_t *end)
{
        *end = size > UINT64_MAX - off ? UINT64_MAX : off + size;
        return off <= len && size <= len - off;
}

static void grow_end(struct kimage *k, uint64_t end)
{
        if (end > k->elf_size)
                k->elf_size = end;
}

/* The ELF header, translated by libelf from the file's byte order, read
 * before elf_memory() so that a truncated table can be named. */
static int read_ehdr(struct elfp *p, GElf_Ehdr *eh)
{
        unsigned char cls, data;
        size_t need;
        Elf64_Ehdr e64;
        Elf32_Ehdr e32;
        Elf_Data src = {0}, dst = {0};

        if (p->len < EI_NIDENT) {
                util_whyf(p->why, p->whylen,
                          "truncated ELF: the identification ends at 0x%x, the file at 0x%zx",
                          EI_NIDENT, p->len);
                return -EBADMSG;
        }
        cls = p->buf[EI_CLASS];
        data = p->buf[EI_DATA];
        need = cls == ELFCLASS64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
        if ((cls != ELFCLASS32 && cls != ELFCLASS64) ||
            (data != ELFDATA2LSB && data != ELFDATA2MSB)) {
                util_whyf(p->why, p->whylen,
                          "malformed ELF: class %u, byte order %u (1 or 2 expected)", cls, data);
                return -EBADMSG;
        }
        if (p->len < need) {
                util_whyf(p->why, p->whylen,
                          "truncated ELF: the ELF header ends at 0x%zx, the file at 0x%zx", need,
                          p->len);
                return -EBADMSG;
        }
        src.d_buf = (void *)p->buf;
        src.d_type = ELF_T_EHDR;
        src.d_version = EV_CURRENT;
        src.d_size = need;
        dst.d_buf = cls == ELFCLASS64 ? (void *)&e64 : (void *)&e32;
        dst.d_size = need;
        dst.d_version = EV_CURRENT;
        if (!(cls == ELFCLASS64 ? elf64_xlatetom(&dst, &src, data)
                                : elf32_xlatetom(&dst, &src, data))) {
                util_whyf(p->why, p->whylen, "malformed ELF header: %s", elf_errmsg(-1));
                return -EBADMSG;
        }
        memset(eh, 0, sizeof(*eh));
        if (cls == ELFCLASS64) {
                *eh = e64;
        } else {
                memcpy(eh->e_ident, e32.e_ident, EI_NIDENT);
                eh->e_type = e32.e_type;
                eh->e_machine = e32.e_machine;
                eh->e_version = e32.e_version;
                eh->e_entry = e32.e_entry;
                eh->e_phoff = e32.e_phoff;
                eh->e_shoff = e32.e_shoff;
                eh->e_flags = e32.e_flags;
                eh->e_ehsize = e32.e_ehsize;
                eh->e_phentsize = e32.e_phentsize;
                eh->e_phnum = e32.e_phnum;
                eh->e_shentsize = e32.e_shentsize;
                eh->e_shnum = e32.e_shnum;
                eh->e_shstrndx = e32.e_shstrndx;
        }
        p->k->elf_class = cls == ELFCLASS64 ? 64 : 32;
        p->k->big_endian = data == ELFDATA2MSB;
        p->k->machine = eh->e_machine;
        p->k->e_entry = eh->e_entry;
        grow_end(p->k, need);
        return 0;
}

/* One header table (what: "program" or "section") of size bytes at off. */
static int check_table(struct elfp *p, const char *what, uint64_t off, uint64_t size)
{
        uint64_t end;

        if (!fits(off, size, p->len, &end)) {
                util_whyf(p->why, p->whylen,
                          "truncated ELF: the %s header table ends at 0x%llx, the file at 0x%zx",
                          what, (unsigned long long)end, p->len);
                return -EBADMSG;
        }
        if (size)
                grow_end(p->k, end);
        return 0;
}

/* The program and section header tables lie in the file and have the
 * entry size of the class (the counts: e_phnum and e_shnum, or at least
 * the one entry that holds the extended count). */
static int check_tables(struct elfp *p, const GElf_Ehdr *eh)
{
        size_t phent = p->k->elf_class == 64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
        size_t shent = p->k->elf_class == 64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
        uint64_t nph = eh->e_phnum, nsh = eh->e_shnum;
        int ret;

        if (nph && eh->e_phentsize != phent) {
                util_whyf(p->why, p->whylen, "malformed ELF: e_phentsize %u (%zu expected)",
                          eh->e_phentsize, phent);
                return -EBADMSG;
        }
        if ((nsh || eh->e_shoff) && eh->e_shentsize != shent) {
                util_whyf(p->why, p->whylen, "malformed ELF: e_shentsize %u (%zu expected)",
                          eh->e_shentsize, shent);
                return -EBADMSG;
        }
        if (nph == PN_XNUM)
                nph = 1; /* the rest is checked by libelf with sh_info */
        if (nsh == 0 && eh->e_shoff)
                nsh = 1;
        ret = check_table(p, "program", eh->e_phoff, nph * phent);
        if (ret < 0)
                return ret;
        return check_table(p, "section", eh->e_shoff, nsh * shent);
}

/* A value of n bytes (4 or 8) in the file's byte order. */
static uint64_t desc_value(const unsigned char *d, size_t n, bool be)
{
        uint64_t v = 0;

        for (size_t i = 0; i < n; i++)
                v |= (uint64_t)d[be ? i : n - 1 - i] << 8 * (n - 1 - i);
        return v;
}

struct note_ctx {
        struct kimage *k;
        bool pvh_too;
};

static void set_os(struct kimage *k, enum kimage_os os)
{
        if (k->os == KIMAGE_OS_UNKNOWN)
                k->os = os;
}

static void take_note(const struct vmlinux_note *n, void *arg)
{
        static const char hex[] = "0123456789abcdef";
        struct note_ctx *c = arg;
        struct kimage *k = c->k;

        if (vmlinux_note_owner(n, "Linux"))
                set_os(k, KIMAGE_OS_LINUX);
        else if (vmlinux_note_owner(n, "NetBSD"))
                set_os(k, KIMAGE_OS_NETBSD);
        else if (vmlinux_note_owner(n, "FreeBSD"))
                set_os(k, KIMAGE_OS_FREEBSD);
        else if (vmlinux_note_owner(n, "GNU") && n->type == NT_GNU_BUILD_ID && n->descsz &&
                 !k->build_id[0]) {
                size_t m = n->descsz < (sizeof(k->build_id) - 1) / 2
                               ? n->descsz
                               : (sizeof(k->build_id) - 1) / 2;

                for (size_t i = 0; i < m; i++) {
                        k->build_id[2 * i] = hex[n->desc[i] >> 4];
                        k->build_id[2 * i + 1] = hex[n->desc[i] & 15];
                }
                k->build_id[2 * m] = '\0';
        } else if (vmlinux_note_owner(n, "Xen")) {
                /* XEN_ELFNOTE_GUEST_OS: "linux" */
                if (n->type == 6 && n->descsz >= 5 && memcmp(n->desc, "linux", 5) == 0)
                        set_os(k, KIMAGE_OS_LINUX);
                if (c->pvh_too && !k->pvh && n->type == VMLINUX_XEN_ELFNOTE_PHYS32_ENTRY &&
                    (n->descsz == 4 || n->descsz == 8)) {
                        k->pvh = true;
                        k->pvh_entry = desc_value(n->desc, n->descsz, k->big_endian);
                }
        }
}

static const char *shname(struct elfp *p, const GElf_Shdr *sh)
{
        const char *name = p->shstrndx ? elf_strptr(p->elf, p->shstrndx, sh->sh_name) : NULL;

        return name ? name : "";
}

/* The bytes of a section's name that a message quotes, and the room
 * they take once escaped (util_printable: 4 bytes each, "...", NUL). */
#define LABEL_NAME_MAX 48
#define LABEL_LEN      (4 * LABEL_NAME_MAX + 4)

/* Name a section in a message: its name as printable ASCII (the name is
 * the file's: any bytes), else its index. */
static const char *label(struct elfp *p, size_t i, const GElf_Shdr *sh, char *buf, size_t n)
{
        const char *name = shname(p, sh);

        if (*name)
                return util_printable(buf, n, name, LABEL_NAME_MAX);
        snprintf(buf, n, "[%zu]", i);
        return buf;
}

/* Check one section's bytes against the buffer and, for a symbol table,
 * its entry size and string table. */
static int check_section(struct elfp *p, size_t i, const GElf_Shdr *sh)
{
        char lb[LABEL_LEN];
        uint64_t end;

        if (sh->sh_type != SHT_NOBITS) {
                if (!fits(sh->sh_offset, sh->sh_size, p->len, &end)) {
                        util_whyf(p->why, p->whylen,
                                  "truncated ELF: section %s ends at 0x%llx, the file at 0x%zx",
                                  label(p, i, sh, lb, sizeof(lb)), (unsigned long long)end, p->len);
                        return -EBADMSG;
                }
                grow_end(p->k, end);
        }
        if (sh->sh_type == SHT_SYMTAB || sh->sh_type == SHT_DYNSYM) {
                size_t ent = gelf_fsize(p->elf, ELF_T_SYM, 1, EV_CURRENT);
                GElf_Shdr lsh;
                Elf_Scn *ls;

                if (sh->sh_entsize != ent || sh->sh_size % ent) {
                        util_whyf(
                            p->why, p->whylen,
                            "malformed ELF: symbol table %s has sh_entsize %llu and %llu bytes "
                            "(entries of %zu expected)",
                            label(p, i, sh, lb, sizeof(lb)), (unsigned long long)sh->sh_entsize,
                            (unsigned long long)sh->sh_size, ent);
                        return -EBADMSG;
                }
                ls = sh->sh_link && sh->sh_link < p->nsh ? elf_getscn(p->elf, sh->sh_link) : NULL;
                if (!ls || !gelf_getshdr(ls, &lsh) || lsh.sh_type != SHT_STRTAB) {
                        util_whyf(
                            p->why, p->whylen,
                            "malformed ELF: symbol table %s links to section %u, not a string "
                            "table",
                            label(p, i, sh, lb, sizeof(lb)), sh->sh_link);
                        return -EBADMSG;
                }
        }
        return 0;
}

/* A loaded section: within the class's address space (2^32 bytes for
 * ELF32, 2^64 for ELF64), at most KIMAGE_SIZE_MAX bytes, and the loaded
 * size with it at most KIMAGE_SIZE_MAX (NOBITS sizes are the file's word
 * alone: nothing else bounds them). */
static int check_alloc(struct elfp *p, size_t i, const GElf_Shdr *sh)
{
        uint64_t top = p->k->elf_class == 32 ? UINT32_MAX : UINT64_MAX;
        char lb[LABEL_LEN];

        if (sh->sh_size > KIMAGE_SIZE_MAX) {
                util_whyf(p->why, p->whylen,
                          "malformed ELF: section %s has 0x%llx bytes, more than 2^40",
                          label(p, i, sh, lb, sizeof(lb)), (unsigned long long)sh->sh_size);
                return -EBADMSG;
        }
        if (sh->sh_size && (sh->sh_addr > top || sh->sh_size - 1 > top - sh->sh_addr)) {
                util_whyf(p->why, p->whylen,
                          "malformed ELF: section %s at 0x%llx with 0x%llx bytes ends past the "
                          "%u-bit address space",
                          label(p, i, sh, lb, sizeof(lb)), (unsigned long long)sh->sh_addr,
                          (unsigned long long)sh->sh_size, p->k->elf_class);
                return -EBADMSG;
        }
        if (sh->sh_size > KIMAGE_SIZE_MAX - p->k->loaded_size) {
                util_whyf(p->why, p->whylen,
                          "malformed ELF: section %s makes the loaded size exceed 2^40 bytes",
                          label(p, i, sh, lb, sizeof(lb)));
                return -EBADMSG;
        }
        return 0;
}

static int read_sections(struct elfp *p, size_t *names_len)
{
        struct kimage *k = p->k;
        Elf_Scn *scn;
        GElf_Shdr sh;
        int ret;

        if (elf_getshdrnum(p->elf, &p->nsh) != 0) {
                util_whyf(p->why, p->whylen, "malformed ELF: no section count (%s)",
                          elf_errmsg(-1));
                return -EBADMSG;
        }
        /* e_shstrndx 0 (SHN_UNDEF): no section names, which is legal (the
         * names are "" then). */
        if (p->nsh > 1 && elf_getshdrstrndx(p->elf, &p->shstrndx) == 0 && p->shstrndx) {
                scn = p->shstrndx < p->nsh ? elf_getscn(p->elf, p->shstrndx) : NULL;
                if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type != SHT_STRTAB) {
                        util_whyf(
                            p->why, p->whylen,
                            "malformed ELF: e_shstrndx %zu is not a string table (%zu sections)",
                            p->shstrndx, p->nsh);
                        return -EBADMSG;
                }
                /* Its own bounds first: the other sections are named from it. */
                p->shstrndx = 0;
                ret = check_section(p, elf_ndxscn(scn), &sh);
                if (ret < 0)
                        return ret;
                p->shstrndx = elf_ndxscn(scn);
        } else {
                p->shstrndx = 0;
        }
        if (p->nsh > 1) {
                k->sections = calloc(p->nsh - 1, sizeof(*k->sections));
                if (!k->sections)
                        return -ENOMEM;
        }
        for (size_t i = 1; i < p->nsh; i++) {
                struct kimage_section *s = &k->sections[k->nsections];
                const char *name;

                scn = elf_getscn(p->elf, i);
                if (!scn || !gelf_getshdr(scn, &sh)) {
                        util_whyf(p->why, p->whylen, "malformed ELF: section header %zu: %s", i,
                                  elf_errmsg(-1));
                        return -EBADMSG;
                }
                ret = check_section(p, i, &sh);
                if (ret < 0)
                        return ret;
                name = shname(p, &sh);
                if (sh.sh_flags & SHF_ALLOC) {
                        ret = check_alloc(p, i, &sh);
                        if (ret < 0)
                                return ret;
                }
                *names_len += strlen(name) + 1;
                s->addr = sh.sh_addr;
                s->offset = sh.sh_offset;
                s->size = sh.sh_size;
                s->type = sh.sh_type;
                s->flags = sh.sh_flags;
                s->alloc = sh.sh_flags & SHF_ALLOC;
                s->cls = s->alloc ? classify(name, &sh) : KIMAGE_OTHER;
                k->nsections++;
                if (s->alloc) {
                        k->loaded_size += sh.sh_size;
                        k->class_size[s->cls] += sh.sh_size;
                } else if (sh.sh_type != SHT_NOBITS) {
                        k->unloaded_size += sh.sh_size;
                }
                if (sh.sh_type == SHT_NOTE) {
                        struct note_ctx c = {k, true};

                        vmlinux_note_walk(elf_getdata(scn, NULL), take_note, &c);
                }
        }
        return 0;
}

static const char *const ptype_names[] = {
    "PT_NULL", "PT_LOAD", "PT_DYNAMIC", "PT_INTERP", "PT_NOTE", "PT_SHLIB", "PT_PHDR", "PT_TLS",
};

/* Without section headers, the loaded size is the PT_LOAD segments'
 * p_memsz (kimage.h), bounded as a section's is. */
static int add_segment(struct elfp *p, size_t i, const GElf_Phdr *ph)
{
        uint64_t top = p->k->elf_class == 32 ? UINT32_MAX : UINT64_MAX;
        struct kimage *k = p->k;

        if (ph->p_filesz > ph->p_memsz) {
                util_whyf(p->why, p->whylen,
                          "malformed ELF: segment %zu (PT_LOAD) has p_filesz 0x%llx above p_memsz "
                          "0x%llx",
                          i, (unsigned long long)ph->p_filesz, (unsigned long long)ph->p_memsz);
                return -EBADMSG;
        }
        if (ph->p_memsz > KIMAGE_SIZE_MAX - k->loaded_size) {
                util_whyf(p->why, p->whylen,
                          "malformed ELF: segment %zu (PT_LOAD) makes the loaded size exceed 2^40 "
                          "bytes",
                          i);
                return -EBADMSG;
        }
        if (ph->p_memsz && (ph->p_vaddr > top || ph->p_memsz - 1 > top - ph->p_vaddr)) {
                util_whyf(p->why, p->whylen,
                          "malformed ELF: segment %zu (PT_LOAD) at 0x%llx with 0x%llx bytes ends "
                          "past the %u-bit address space",
                          i, (unsigned long long)ph->p_vaddr, (unsigned long long)ph->p_memsz,
                          k->elf_class);
                return -EBADMSG;
        }
        k->loaded_size += ph->p_memsz;
        if (ph->p_flags & PF_X) {
                k->class_size[KIMAGE_TEXT] += ph->p_memsz;
        } else if (ph->p_flags & PF_W) {
                k->class_size[KIMAGE_DATA] += ph->p_filesz;
                k->class_size[KIMAGE_BSS] += ph->p_memsz - ph->p_filesz;
        } else {
                k->class_size[KIMAGE_RODATA] += ph->p_memsz;
        }
        return 0;
}

static int read_segments(struct elfp *p)
{
        size_t nph;

        /* No section (the header table absent, or index 0 alone). */
        p->k->from_segments = p->k->nsections == 0;

        if (elf_getphdrnum(p->elf, &nph) != 0) {
                util_whyf(p->why, p->whylen, "malformed ELF: no program header count (%s)",
                          elf_errmsg(-1));
                return -EBADMSG;
        }
        for (size_t i = 0; i < nph; i++) {
                struct note_ctx c = {p->k, true};
                uint64_t end;
                GElf_Phdr ph;

                if (!gelf_getphdr(p->elf, (int)i, &ph)) {
                        util_whyf(p->why, p->whylen, "malformed ELF: program header %zu: %s", i,
                                  elf_errmsg(-1));
                        return -EBADMSG;
                }
                if (!fits(ph.p_offset, ph.p_filesz, p->len, &end)) {
                        util_whyf(
                            p->why, p->whylen,
                            "truncated ELF: segment %zu (%s) ends at 0x%llx, the file at 0x%zx", i,
                            ph.p_type < UTIL_ARRAY_SIZE(ptype_names) ? ptype_names[ph.p_type]
                                                                     : "PT_?",
                            (unsigned long long)end, p->len);
                        return -EBADMSG;
                }
                grow_end(p->k, end);
                if (ph.p_type == PT_LOAD && p->k->from_segments) {
                        int ret = add_segment(p, i, &ph);

                        if (ret < 0)
                                return ret;
                }
                if (ph.p_type != PT_NOTE || ph.p_filesz == 0)
                        continue;
                vmlinux_note_walk(elf_getdata_rawchunk(p->elf, (int64_t)ph.p_offset, ph.p_filesz,
                                                       ph.p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR),
                                  take_note, &c);
        }
        return 0;
}

static int cmp_sym(const void *a, const void *b)
{
        const struct kimage_symbol *x = a, *y = b;

        if (x->addr != y->addr)
                return x->addr < y->addr ? -1 : 1;
        return strcmp(x->name, y->name);
}

/* The symbol table to read: .symtab, else .dynsym; NULL: none. */
static Elf_Scn *find_symtab(struct elfp *p, GElf_Shdr *sh)
{
        Elf_Scn *dyn = NULL, *scn = NULL;
        GElf_Shdr dsh;

        while ((scn = elf_nextscn(p->elf, scn)) != NULL) {
                if (!gelf_getshdr(scn, sh))
                        continue;
                if (sh->sh_type == SHT_SYMTAB)
                        return scn;
                if (sh->sh_type == SHT_DYNSYM && !dyn) {
                        dyn = scn;
                        dsh = *sh;
                }
        }
        if (dyn)
                *sh = dsh;
        return dyn;
}

static bool wanted(const GElf_Sym *sym)
{
        int t = GELF_ST_TYPE(sym->st_info);

        return (t == STT_FUNC || t == STT_OBJECT) && sym->st_shndx != SHN_UNDEF &&
               sym->st_shndx != SHN_ABS && sym->st_shndx != SHN_COMMON;
}

static int read_symbols(struct elfp *p, Elf_Data **datap, GElf_Shdr *shp, size_t *names_len)
{
        struct kimage *k = p->k;
        Elf_Scn *scn = find_symtab(p, shp);
        size_t n, count = 0;
        Elf_Data *d;

        *datap = NULL;
        if (!scn)
                return 0;
        k->has_symtab = true;
        k->symtab = shp->sh_type == SHT_SYMTAB ? ".symtab" : ".dynsym";
        d = elf_getdata(scn, NULL);
        if (!d || !shp->sh_size)
                return 0;
        n = d->d_size / shp->sh_entsize;
        for (size_t i = 0; i < n; i++) {
                GElf_Sym sym;
                const char *name;

                if (!gelf_getsym(d, (int)i, &sym) || !wanted(&sym))
                        continue;
                name = elf_strptr(p->elf, shp->sh_link, sym.st_name);
                count++;
                *names_len += (name ? strlen(name) : 0) + 1;
        }
        if (count) {
                k->symbols = calloc(count, sizeof(*k->symbols));
                if (!k->symbols)
                        return -ENOMEM;
        }
        p->nsym_cap = count;
        *datap = d;
        return 0;
}

/* Copy name to *at, within end; "" when it does not fit (it always does:
 * the block was sized by the same names). */
static char *put_name(char **at, const char *end, const char *name)
{
        size_t l = strlen(name) + 1;
        char *s = *at;

        if (l > (size_t)(end - s))
                return (char *)"";
        memcpy(s, name, l);
        *at += l;
        return s;
}

/* Copy the section and symbol names into one block. */
static int fill_names(struct elfp *p, struct kimage_priv *kp, size_t names_len, Elf_Data *symd,
                      const GElf_Shdr *symsh)
{
        struct kimage *k = p->k;
        char *at, *end;
        size_t n, i = 0;

        kp->names = malloc(names_len ? names_len : 1);
        if (!kp->names)
                return -ENOMEM;
        at = kp->names;
        end = at + names_len;
        for (Elf_Scn *scn = NULL; (scn = elf_nextscn(p->elf, scn)) != NULL && i < k->nsections;) {
                GElf_Shdr sh;
                const char *name = gelf_getshdr(scn, &sh) ? shname(p, &sh) : "";

                k->sections[i++].name = put_name(&at, end, name);
        }
        if (!symd)
                return 0;
        n = symd->d_size / symsh->sh_entsize;
        for (size_t j = 0; j < n && k->nsymbols < p->nsym_cap; j++) {
                struct kimage_symbol *s;
                const char *name;
                GElf_Sym sym;

                if (!gelf_getsym(symd, (int)j, &sym) || !wanted(&sym))
                        continue;
                s = &k->symbols[k->nsymbols];
                name = elf_strptr(p->elf, symsh->sh_link, sym.st_name);
                if (!name)
                        name = "";
                s->name = put_name(&at, end, name);
                s->addr = sym.st_value;
                s->size = sym.st_size <= KIMAGE_SIZE_MAX ? sym.st_size : 0;
                s->kind =
                    GELF_ST_TYPE(sym.st_info) == STT_FUNC ? KIMAGE_SYM_FUNC : KIMAGE_SYM_OBJECT;
                s->global = GELF_ST_BIND(sym.st_info) == STB_GLOBAL ||
                            GELF_ST_BIND(sym.st_info) == STB_WEAK;
                if (strcmp(name, "linux_banner") == 0)
                        set_os(k, KIMAGE_OS_LINUX);
                k->nsymbols++;
        }
        if (k->nsymbols > 1)
                qsort(k->symbols, k->nsymbols, sizeof(*k->symbols), cmp_sym);
        return 0;
}

/* The ELF in buf[0..len) into kp. */
static int parse_elf(const unsigned char *buf, size_t len, struct kimage_priv *kp, char *why,
                     size_t whylen)
{
        struct elfp p = {.buf = buf, .len = len, .k = &kp->k, .why = why, .whylen = whylen};
        size_t names_len = 0;
        Elf_Data *symd = NULL;
        GElf_Shdr symsh;
        GElf_Ehdr eh;
        int ret;

        if (elf_version(EV_CURRENT) == EV_NONE) {
                util_whyf(why, whylen, "libelf: %s", elf_errmsg(-1));
                return -ENOTSUP;
        }
        ret = read_ehdr(&p, &eh);
        if (ret < 0)
                return ret;
        ret = check_tables(&p, &eh);
        if (ret < 0)
                return ret;
        p.elf = elf_memory((char *)buf, len);
        if (!p.elf || elf_kind(p.elf) != ELF_K_ELF) {
                util_whyf(why, whylen, "malformed ELF: %s", elf_errmsg(-1));
                ret = -EBADMSG;
                goto out_end;
        }
        ret = read_sections(&p, &names_len);
        if (ret < 0)
                goto out_end;
        ret = read_segments(&p);
        if (ret < 0)
                goto out_end;
        ret = read_symbols(&p, &symd, &symsh, &names_len);
        if (ret < 0)
                goto out_end;
        ret = fill_names(&p, kp, names_len, symd, &symsh);
        if (ret < 0)
                goto out_end;
        kp->k.entry = kp->k.pvh ? KIMAGE_ENTRY_PVH : KIMAGE_ENTRY_NONE;
out_end:
        elf_end(p.elf);
        return ret;
}

static int parse_bzimage(const void *buf, size_t len, struct kimage_priv *kp, char *why,
                         size_t whylen)
{
        struct kimage *k = &kp->k;
        struct vmlinux_info info;
        void *elf = NULL;
        size_t elf_len = 0;
        int ret;

        ret = vmlinux_extract_mem(buf, len, &elf, &elf_len, &info);
        if (ret < 0) {
                util_whyf(why, whylen, "%s", info.why);
                /* A payload past the end of the file is a cut bzImage; an
                 * unwrapped payload that is no ELF, a corrupt one. */
                return ret == -ERANGE || ret == -ENOEXEC ? -EBADMSG : ret;
        }
        k->boot_protocol = info.bz.protocol;
        k->comp = info.bz.comp;
        k->comp_size = info.bz.payload_len;
        if (vmlinux_kernel_version(buf, len, &k->kernel_version, NULL, 0) < 0)
                k->kernel_version = NULL;
        ret = parse_elf(elf, elf_len, kp, why, whylen);
        free(elf);
        if (ret < 0)
                return ret;
        k->format = KIMAGE_BZIMAGE;
        k->entry = KIMAGE_ENTRY_BZIMAGE;
        return 0;
}

int kimage_parse(const void *buf, size_t len, struct kimage **out, char *why, size_t whylen)
{
        const unsigned char *p = buf;
        struct kimage_priv *kp;
        int ret;

        *out = NULL;
        if (why && whylen)
                why[0] = '\0';
        if (len == 0) {
                util_whyf(why, whylen, "not a kernel image: the file is empty");
                return -ENOEXEC;
        }
        if (!kimage_sniff(buf, len)) {
                util_whyf(
                    why, whylen,
                    "not a kernel image: neither an ELF (no \\177ELF magic) nor a bzImage (no "
                    "\"HdrS\" at 0x202)");
                return -ENOEXEC;
        }
        kp = calloc(1, sizeof(*kp));
        if (!kp) {
                util_whyf(why, whylen, "out of memory");
                return -ENOMEM;
        }
        kp->k.file_size = len;
        if (len >= SELFMAG && memcmp(p, ELFMAG, SELFMAG) == 0)
                ret = parse_elf(p, len, kp, why, whylen);
        else
                ret = parse_bzimage(p, len, kp, why, whylen);
        if (ret < 0) {
                if (why && whylen && !why[0])
                        util_whyf(why, whylen, "%s", strerror(-ret));
                kimage_free(&kp->k);
                return ret;
        }
        *out = &kp->k;
        return 0;
}

int kimage_load(const char *path, struct kimage **out, char *why, size_t whylen)
{
        char *buf;
        size_t len;
        int ret;

        *out = NULL;
        ret = util_read_file_max(path, VMLINUX_MAX_SIZE, &buf, &len);
        if (ret == -EFBIG) {
                util_whyf(why, whylen, "'%s' is larger than %zu MiB: not a kernel image", path,
                          VMLINUX_MAX_SIZE >> 20);
                return ret;
        }
        if (ret < 0) {
                util_whyf(why, whylen, "cannot read '%s': %s", path, strerror(-ret));
                return ret;
        }
        ret = kimage_parse(buf, len, out, why, whylen);
        free(buf);
        return ret;
}

void kimage_free(struct kimage *k)
{
        struct kimage_priv *kp = (struct kimage_priv *)k;

        if (!k)
                return;
        free(kp->names);
        free(k->sections);
        free(k->symbols);
        free(k->kernel_version);
        free(kp);
}

bool kimage_sniff(const void *buf, size_t len)
{
        const unsigned char *p = buf;

        if (len >= 4 && memcmp(p, "\177ELF", 4) == 0)
                return true;
        return len >= 0x206 && memcmp(p + 0x202, "HdrS", 4) == 0;
}
