#include "reports/gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"

extern char **environ;

static const struct {
        const char *name, *alias, *ext, *unit;
} terms[] = {
    [GP_SVG] = {"svg", NULL, ".svg", "px"},
    [GP_PNG] = {"pngcairo", "png", ".png", "px"},
    [GP_PDF] = {"pdfcairo", "pdf", ".pdf", "in"},
    [GP_EPS] = {"epscairo", "eps", ".eps", "in"},
    [GP_CAIROLATEX] = {"cairolatex", "latex", ".tex", "in"},
    [GP_DUMB] = {"dumb", NULL, ".txt", "chars"},
};
#define NTERMS (sizeof(terms) / sizeof(terms[0]))

const char *gp_term_name(enum gp_term t)
{
        return (size_t)t < NTERMS ? terms[t].name : "?";
}

const char *gp_term_size_unit(enum gp_term t)
{
        return (size_t)t < NTERMS ? terms[t].unit : "?";
}

int gp_term_parse(const char *name, enum gp_term *t)
{
        for (size_t i = 0; i < NTERMS; i++) {
                if (strcmp(name, terms[i].name) == 0 ||
                    (terms[i].alias && strcmp(name, terms[i].alias) == 0)) {
                        *t = (enum gp_term)i;
                        return 0;
                }
        }
        return -EINVAL;
}

int gp_term_from_path(const char *path, enum gp_term *t)
{
        const char *slash = strrchr(path, '/');
        const char *dot = strrchr(slash ? slash + 1 : path, '.');

        if (!dot)
                return -EINVAL;
        for (size_t i = 0; i < NTERMS; i++) {
                if (strcmp(dot, terms[i].ext) == 0) {
                        *t = (enum gp_term)i;
                        return 0;
                }
        }
        return -EINVAL;
}

static int parse_positive(const char *s, size_t len, double max, double *v)
{
        char num[32];

        if (len == 0 || len >= sizeof(num))
                return -EINVAL;
        memcpy(num, s, len);
        num[len] = '\0';
        if (util_parse_double(num, v) < 0 || !(*v > 0) || *v > max)
                return -EINVAL;
        return 0;
}

int gp_parse_size(const char *s, double *width, double *height)
{
        const char *comma = strchr(s, ',');

        if (!comma || parse_positive(s, (size_t)(comma - s), 20000, width) < 0 ||
            parse_positive(comma + 1, strlen(comma + 1), 20000, height) < 0)
                return -EINVAL;
        return 0;
}

int gp_check_font(const char *s)
{
        const char *comma = strrchr(s, ',');
        size_t namelen = comma ? (size_t)(comma - s) : strlen(s);
        double size;

        if (util_has_control(s, strlen(s)) || namelen > 200)
                return -EINVAL;
        if (comma && parse_positive(comma + 1, strlen(comma + 1), 500, &size) < 0)
                return -EINVAL;
        return 0;
}

double gp_font_size(const struct gp_style *st)
{
        const char *comma = st->font ? strrchr(st->font, ',') : NULL;
        double v;

        if (comma && util_parse_double(comma + 1, &v) == 0 && v > 0)
                return v;
        return 10;
}

void gp_char_size(const struct gp_style *st, double *cw_out, double *lh_out)
{
        double fs = gp_font_size(st), cw, lh;

        switch (st->term) {
        case GP_DUMB:
                cw = lh = 1;
                break;
        case GP_SVG:
        case GP_PNG: /* a character about 0.6 em wide, a line 1.4 em, at 96 px an inch */
                cw = fs * 0.6 * 96 / 72, lh = fs * 1.4 * 96 / 72;
                break;
        default: /* cairolatex: the document's font, taken as 10 pt */
                if (st->term == GP_CAIROLATEX)
                        fs = 10;
                cw = fs * 0.6 / 72, lh = fs * 1.4 / 72;
                break;
        }
        *cw_out = cw, *lh_out = lh;
}

int gp_check_size(const struct gp_style *st, char *err, size_t errsize)
{
        double fs = st->term == GP_CAIROLATEX ? 10 : gp_font_size(st), cw, lh;

        if (!st->has_size)
                return 0;
        gp_char_size(st, &cw, &lh);
        if (st->width + 1e-9 >= GP_MIN_COLS * cw && st->height + 1e-9 >= GP_MIN_LINES * lh)
                return 0;
        snprintf(err, errsize,
                 "--size %g,%g is too small for a figure in a %g pt font: at least %g,%g (%s; %d "
                 "characters by %d lines)",
                 st->width, st->height, fs, ceil(GP_MIN_COLS * cw * 100) / 100,
                 ceil(GP_MIN_LINES * lh * 100) / 100, gp_term_size_unit(st->term), GP_MIN_COLS,
                 GP_MIN_LINES);
        return -EINVAL;
}

/* LaTeX's special characters, each with what prints it. */
static const char *latex_escape(char c)
{
        switch (c) {
        case '\\':
                return "\\textbackslash{}";
        case '{':
                return "\\{";
        case '}':
                return "\\}";
        case '$':
                return "\\$";
        case '&':
                return "\\&";
        case '#':
                return "\\#";
        case '^':
                return "\\textasciicircum{}";
        case '_':
                return "\\_";
        case '%':
                return "\\%";
        case '~':
                return "\\textasciitilde{}";
        case '<':
                return "\\textless{}";
        case '>':
                return "\\textgreater{}";
        default:
                return NULL;
        }
}

int gp_strn(struct sbuf *sb, enum gp_term t, const char *s, size_t len)
{
        const unsigned char *p = (const unsigned char *)s;
        int r = sbuf_addch(sb, '\'');

        for (size_t i = 0; r == 0 && i < len;) {
                size_t n = util_utf8_len(p + i, len - i);
                const char *tex = t == GP_CAIROLATEX ? latex_escape((char)p[i]) : NULL;

                if (n == 0 || p[i] < 0x20 || p[i] == 0x7f) {
                        r = sbuf_addf(sb, "\\x%02x", p[i]);
                        i++;
                } else if (p[i] == '\'') {
                        r = sbuf_adds(sb, "''");
                        i++;
                } else if (tex) {
                        r = sbuf_adds(sb, tex);
                        i++;
                } else {
                        r = sbuf_add(sb, s + i, n);
                        i += n;
                }
        }
        return r < 0 ? r : sbuf_addch(sb, '\'');
}

int gp_str(struct sbuf *sb, enum gp_term t, const char *s)
{
        return gp_strn(sb, t, s, strlen(s));
}

void gp_default_size(enum gp_term t, double px_w, double px_h, double *w, double *h)
{
        switch (t) {
        case GP_SVG:
        case GP_PNG:
                *w = px_w, *h = px_h;
                break;
        case GP_DUMB:
                *w = fmax(60, round(px_w / 8)), *h = fmax(20, round(px_h / 16));
                break;
        default:
                *w = round(px_w / 96 * 100) / 100, *h = round(px_h / 96 * 100) / 100;
                break;
        }
}

void gp_figure_size(enum gp_term t, double px_w, double px_h, double *w, double *h)
{
        if (t == GP_DUMB) {
                *w = 80, *h = fmax(20, round(px_h / 16));
                return;
        }
        if (t == GP_PDF || t == GP_EPS || t == GP_CAIROLATEX) {
                /* one text width of a paper, the height in proportion */
                *w = GP_PAPER_WIDTH;
                *h = fmax(2, round(px_h / px_w * GP_PAPER_WIDTH * 100) / 100);
                return;
        }
        gp_default_size(t, px_w, px_h, w, h);
}

int gp_head(struct sbuf *sb, const struct gp_style *st, const char *what, const char *out_name,
            double default_w, double default_h)
{
        const char *font = st->font ? st->font : "Sans,10";
        double w = st->has_size ? st->width : default_w;
        double h = st->has_size ? st->height : default_h;
        const char *unit =
            st->term == GP_PDF || st->term == GP_EPS || st->term == GP_CAIROLATEX ? "in" : "";
        int r = 0;

        r |=
            sbuf_addf(sb,
                      "# %s: drawn by bootlens (docs/plot.md) from the .dat beside it.\n"
                      "# Restyle freely; draw it again with: gnuplot THIS.gp (in this directory)\n",
                      what);
        r |= sbuf_addf(sb, "set terminal %s", gp_term_name(st->term));
        if (st->term == GP_CAIROLATEX)
                r |= sbuf_adds(sb, " pdf input");
        if (st->term == GP_DUMB) {
                r |= sbuf_addf(sb, " size %.0f,%.0f noenhanced", w, h);
        } else {
                r |= sbuf_addf(sb, " size %g%s,%g%s", w, unit, h, unit);
                /* cairolatex: LaTeX sets the text, in its own font, and the
                 * terminal takes no "noenhanced" (it never enhances) */
                if (st->term != GP_CAIROLATEX) {
                        r |= sbuf_adds(sb, " font ");
                        r |= gp_str(sb, GP_SVG, font);
                        r |= sbuf_adds(sb, " noenhanced");
                }
                /* no "monochrome" for --mono: it would turn the figures' greys
                 * black; gp_color() and gp_fill() give greys and patterns */
                if (st->term == GP_SVG)
                        r |= sbuf_adds(sb, " background rgb 'white'");
        }
        r |= sbuf_adds(sb, "\nset output ");
        r |= gp_str(sb, GP_SVG, out_name);
        r |= sbuf_adds(sb, "\nset encoding utf8\n");
        return r < 0 ? -ENOMEM : 0;
}

/* Okabe-Ito, then Paul Tol's muted scheme (both for the colour-blind) */
static const char *const palette[GP_NCOLORS] = {
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999",
    "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255"};

/* The built-in maps' phases (analyzer/phases.c, stitch.h): Linux's on
 * the Okabe-Ito colours, FreeBSD's and NetBSD's after them. */
static const char *const known_phases[] = {
    "qemu",        "firmware+entry", "printk lag",     "early kernel",
    "initcalls",   "late init",      "user space",     "power-off",
    "vmm",         "firmware",       "early",          "sysinit",
    "rootfs+init", "userland",       "firmware+early", "main",
    "init"};
#define NKNOWN (sizeof(known_phases) / sizeof(known_phases[0]))

size_t gp_phase_index(const char *name, const char *const *names, size_t n)
{
        size_t unknown = 0;

        for (size_t i = 0; i < NKNOWN; i++)
                if (strcmp(name, known_phases[i]) == 0)
                        return i;
        for (size_t i = 0; names && i < n; i++) {
                bool known = false;

                if (strcmp(names[i], name) == 0)
                        return NKNOWN + unknown;
                for (size_t j = 0; j < NKNOWN && !known; j++)
                        known = strcmp(names[i], known_phases[j]) == 0;
                unknown += !known;
        }
        return NKNOWN + unknown;
}
/* mono: even series solid greys (alternating light and dark), odd series
 * black hatches (gnuplot's patterns 4 backslash hatch, 1 crosshatch, 5
 * slash hatch, 2 dense crosshatch; 0 and 8 are empty, 3 solid, 6 and 7
 * print faint), so that neighbours and up to 8 series print apart in
 * black and white */
static const char *const greys[] = {"#A0A0A0", "#000000", "#E8E8E8", "#000000",
                                    "#606060", "#000000", "#FFFFFF", "#000000"};
static const int hatches[] = {4, 1, 5, 2};

const char *gp_color(const struct gp_style *st, size_t k)
{
        return st->mono ? greys[k % 8] : palette[k % GP_NCOLORS];
}

int gp_fill(struct sbuf *sb, const struct gp_style *st, size_t k)
{
        if (st->mono && k % 2)
                return sbuf_addf(sb, "pattern %d border lc rgb 'black'", hatches[(k % 8) / 2]);
        if (st->mono)
                return sbuf_adds(sb, "solid 1.0 border lc rgb 'black'");
        return sbuf_adds(sb, "solid 0.85 border lc rgb '#404040'");
}

const char *gp_verdict_color(const struct gp_style *st, enum gp_verdict_color v)
{
        /* vermillion, bluish green, grey, yellow (Okabe-Ito); mono:
         * black, white, grey, and black for inconclusive's hatch */
        static const char *const color[] = {"#D55E00", "#009E73", "#999999", "#F0E442"};
        static const char *const grey[] = {"#000000", "#FFFFFF", "#A0A0A0", "#000000"};

        if ((size_t)v > GP_INCONCLUSIVE)
                v = GP_INCONCLUSIVE;
        return st->mono ? grey[v] : color[v];
}

static unsigned nruns;

unsigned gp_runs(void)
{
        return nruns;
}

/* Keep the first line gnuplot wrote that says what went wrong. */
static void first_error(const char *text, char *err, size_t errsize)
{
        const char *line = text, *best = NULL;

        while (*line) {
                const char *end = strchr(line, '\n');
                size_t len = end ? (size_t)(end - line) : strlen(line);

                if (len && !best)
                        best = line;
                if (len && (strstr(line, "rror") || strstr(line, "arning"))) {
                        best = line;
                        break;
                }
                line = end ? end + 1 : line + len;
        }
        if (!best)
                best = "it failed";
        size_t len = strcspn(best, "\n");
        if (len > 300)
                len = 300;
        snprintf(err, errsize, "gnuplot: %.*s", (int)len, best);
        for (char *p = err; *p; p++) {
                if ((unsigned char)*p < 0x20)
                        *p = ' ';
        }
}

/* Whether gnuplot's output holds a line that is not a warning: gnuplot
 * prints a warning as "... warning: ..." and goes on; any other line
 * with "rror" is a failure, and so is output without any warning. */
static bool gp_has_error(const char *text)
{
        bool warned = false, other = false;

        for (const char *line = text ? text : ""; *line;) {
                const char *end = strchr(line, '\n');
                size_t len = end ? (size_t)(end - line) : strlen(line);
                char buf[512];

                snprintf(buf, sizeof(buf), "%.*s", (int)(len < 511 ? len : 511), line);
                if (strcasestr(buf, "warning"))
                        warned = true;
                else if (strstr(buf, "rror"))
                        other = true;
                line = end ? end + 1 : line + len;
        }
        return other || (!warned && text && *text);
}

int gp_run(const char *dir, const char *script, unsigned timeout_s, char *err, size_t errsize)
{
        const char *bin = getenv("GNUPLOT");
        char *argv[] = {(char *)(bin && *bin ? bin : "gnuplot"), "-d", (char *)script, NULL};
        posix_spawn_file_actions_t fa;
        struct sbuf out = SBUF_INIT;
        uint64_t deadline = util_now_ns() + (uint64_t)(timeout_s ? timeout_s : 60) * 1000000000u;
        int pipefd[2], status = 0, ret = 0;
        bool timed_out = false;
        pid_t pid;

        if (errsize)
                err[0] = '\0';
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
        posix_spawn_file_actions_addchdir_np(&fa, dir);
        ret = -posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(pipefd[1]);
        if (ret < 0) {
                close(pipefd[0]);
                if (ret == -ENOENT)
                        snprintf(err, errsize,
                                 "cannot run %s: not installed (apt-get install gnuplot-nox)",
                                 argv[0]);
                else
                        snprintf(err, errsize, "cannot run %s: %s", argv[0], strerror(-ret));
                return ret;
        }
        nruns++;
        for (;;) {
                char buf[4096];
                uint64_t now = util_now_ns();
                struct pollfd p = {.fd = pipefd[0], .events = POLLIN};
                int left = now >= deadline ? 0 : (int)((deadline - now) / 1000000 + 1);
                ssize_t n;

                if (left == 0) {
                        timed_out = true;
                        kill(pid, SIGKILL);
                        break;
                }
                if (poll(&p, 1, left) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
                        continue;
                n = read(pipefd[0], buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                /* keep the first 64 KiB: enough for the first error */
                if (out.len < 65536 && sbuf_add(&out, buf, (size_t)n) < 0)
                        break;
        }
        close(pipefd[0]);
        while (waitpid(pid, &status, 0) < 0) {
                if (errno != EINTR) {
                        status = -1;
                        break;
                }
        }
        if (timed_out) {
                snprintf(err, errsize, "gnuplot did not finish within %u s (killed)",
                         timeout_s ? timeout_s : 60);
                ret = -ETIMEDOUT;
        } else if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !out.len) {
                /* a posix_spawn that forks (under valgrind, say) reports a
                 * failed exec as the child's 127 */
                snprintf(err, errsize, "cannot run %s: not installed (apt-get install gnuplot-nox)",
                         argv[0]);
                ret = -ENOENT;
        } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || gp_has_error(out.buf)) {
                first_error(out.buf, err, errsize);
                ret = -EIO;
        } else if (out.len) {
                /* exit 0 and only warnings: drawn; the first warning for
                 * the caller's note */
                first_error(out.buf, err, errsize);
        }
        sbuf_release(&out);
        return ret;
}
