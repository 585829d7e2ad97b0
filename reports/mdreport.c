/* mdreport: see mdreport.h. */
#include "reports/mdreport.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bootlens_config.h"
#include "reports/compreport.h"
#include "reports/md.h"
#include "reports/sweepreport.h"

struct mdp {
        FILE *out;
        int rc;
};

/* Guest or user text, escaped. */
static void mtext(struct mdp *p, const char *s)
{
        struct sbuf sb = SBUF_INIT;

        if (!p->rc)
                p->rc = md_escape(&sb, s ? s : "unknown");
        if (!p->rc && sb.len)
                fwrite(sb.buf, 1, sb.len, p->out);
        sbuf_release(&sb);
}

/* [text](rel), rel percent-encoded; without rel, the text. */
static void mlink(struct mdp *p, const char *rel, const char *s)
{
        struct sbuf sb = SBUF_INIT;

        if (!rel) {
                mtext(p, s ? s : "-");
                return;
        }
        fputc('[', p->out);
        mtext(p, s ? s : rel);
        fputs("](", p->out);
        if (!p->rc)
                p->rc = htmlreport_href(&sb, rel);
        if (!p->rc && sb.len)
                fwrite(sb.buf, 1, sb.len, p->out);
        fputc(')', p->out);
        sbuf_release(&sb);
}

static const char *base_name(const char *s)
{
        const char *b = strrchr(s, '/');

        return b ? b + 1 : s;
}

/* One figure: the image (or why it is missing), its note and files. */
static void figure(struct mdp *p, const struct htmlreport_figure *f)
{
        const char *kind = plot_kind_name(f->kind);

        fprintf(p->out, "### %s\n\n", kind);
        if (f->missing) {
                fputs("_figure not drawn: ", p->out);
                mtext(p, f->missing);
                fputs("_\n\n", p->out);
                return;
        }
        fprintf(p->out, "![%s](%s)\n\n", kind, f->file); /* our own name */
        for (const char *s = f->note; *s;) {             /* one item a line */
                size_t n = strcspn(s, "\n");
                char *line = strndup(s, n);

                if (!line) {
                        p->rc = -ENOMEM;
                        return;
                }
                if (n) {
                        fputs("- ", p->out);
                        mtext(p, line);
                        fputc('\n', p->out);
                }
                free(line);
                s += n;
                if (*s)
                        s++;
        }
        if (*f->note)
                fputc('\n', p->out);
        fputs("Files:", p->out);
        for (size_t k = 0; k < f->nfiles; k++) {
                fputs(k ? ", " : " ", p->out);
                mlink(p, f->files[k], base_name(f->files[k]));
        }
        fputs("\n\n", p->out);
}

static void figures(struct mdp *p, const struct htmlreport *r)
{
        fputs("## Figures\n\n", p->out);
        for (size_t i = 0; i < r->nfig; i++)
                if (!r->has_sweep || i != r->sweep_fig)
                        figure(p, &r->fig[i]);
}

/* A sweep session: its table (sweepreport_md, as "bootlens sweep
 * --format md") and its figure, first. */
static void sweep(struct mdp *p, const struct htmlreport *r)
{
        if (!r->is_sweep)
                return;
        fputs("## Sweep: what each knob saves\n\n", p->out);
        if (!r->has_sweep) {
                fputs("No sweep table: ", p->out);
                mtext(p, r->sweep_note);
                fputs("\n\n", p->out);
                return;
        }
        if (!p->rc)
                p->rc = sweepreport_md(p->out, &r->sweep, NULL);
        fputc('\n', p->out);
        if (r->sweep_fig < r->nfig)
                figure(p, &r->fig[r->sweep_fig]);
}

static void env(struct mdp *p, const struct htmlreport *r, size_t i)
{
        const struct htmlreport_input *in = &r->in[i];
        const struct htmlreport_input *same = htmlreport_same_session(r, i);
        const struct session_info *si;

        if (same) /* SESSION:base SESSION:new: one environment */
                return;
        char *title = strdup(in->name);

        if (!title) {
                p->rc = -ENOMEM;
                return;
        }
        if (in->is_session && in->rs.variant) /* the session, not its variant */
                title[strlen(title) - strlen(in->rs.variant) - 1] = '\0';
        fputs("### ", p->out);
        mtext(p, title);
        free(title);
        fputs("\n\n", p->out);
        if (!in->sess) {
                fputs("A capture file: no environment is recorded with it.\n\n", p->out);
                return;
        }
        si = session_info(in->sess);
        fputs("| | |\n|---|---|\n| session | ", p->out);
        mtext(p, si->id);
        fputs(" |\n| host CPU | ", p->out);
        mtext(p, si->host.cpu_model);
        fprintf(p->out, " (%ld CPUs) |\n| host kernel | ", si->host.cpus);
        mtext(p, si->host.kernel);
        fputs(" |\n| QEMU | ", p->out);
        mtext(p, si->host.qemu_version);
        fputs(" |\n| accelerator | ", p->out);
        mtext(p, si->host.accel);
        fputs(" |\n", p->out);
        for (size_t v = 0; v < si->nvariants; v++) {
                const struct session_variant_info *vi = &si->variants[v];

                fputs("| variant | **", p->out);
                mtext(p, vi->name);
                fputs("** |\n| guest kernel | ", p->out);
                mtext(p, vi->kernel.path);
                fputs(" (sha256 ", p->out);
                mtext(p, vi->kernel.sha256);
                fputs(") |\n| kernel command line | ", p->out);
                mtext(p, vi->cmdline);
                fputs(" |\n", p->out);
        }
        fputc('\n', p->out);
}

static void warnings(struct mdp *p, const struct htmlreport_input *in)
{
        size_t nlisted = 0;

        fputs("### ", p->out);
        mtext(p, in->name);
        fprintf(p->out, "\n\n%zu warning%s", in->nwarnings + in->nstarved,
                in->nwarnings + in->nstarved == 1 ? "" : "s");
        if (in->nstarved)
                fprintf(p->out,
                        ": %zu run%s starved by the host (listed first) and %zu from the "
                        "analysis",
                        in->nstarved, in->nstarved == 1 ? "" : "s", in->nwarnings);
        else
                fputs(" over the analysed runs", p->out);
        fprintf(p->out, ", %zu distinct (every analysis warning in ", in->nwarns);
        mlink(p, in->json_name, NULL);
        fputs(").\n\n", p->out);
        for (size_t i = 0; i < in->nruns; i++) {
                const struct htmlreport_run *u = &in->runs[i];

                if (!*u->damage)
                        continue;
                nlisted++;
                fputs("- **damaged**: ", p->out);
                if (in->is_session)
                        fprintf(p->out, "run %u: ", u->run);
                mtext(p, u->damage);
                fputc('\n', p->out);
        }
        for (size_t i = 0; i < in->nruns; i++) {
                const struct htmlreport_run *u = &in->runs[i];
                struct sbuf why = SBUF_INIT;

                if (!u->starved)
                        continue;
                nlisted++;
                if (htmlreport_starved_why(&why, u) < 0)
                        p->rc = -ENOMEM;
                fprintf(p->out, "- **starved**: run %u ", u->run);
                mtext(p, u->variant ? u->variant : "");
                fputs(" (", p->out);
                mtext(p, why.buf);
                fprintf(p->out, "), %s\n",
                        u->excluded ? "left out (--exclude-starved)" : "counted in the aggregate");
                sbuf_release(&why);
        }
        if (nlisted)
                fputc('\n', p->out);
        if (!in->nwarns)
                return;
        fputs("| warning | times | runs | which |\n|---|---:|---:|---|\n", p->out);
        for (size_t i = 0; i < in->nwarns && i < HTMLREPORT_MAX_WARNINGS; i++) {
                fputs("| ", p->out);
                mtext(p, in->warns[i].msg);
                fprintf(p->out, " | %zu | %zu | ", in->warns[i].count, in->warns[i].nruns);
                mtext(p, in->warns[i].runs);
                fputs(" |\n", p->out);
        }
        if (in->nwarns > HTMLREPORT_MAX_WARNINGS)
                fprintf(p->out, "\n%zu more distinct warnings, in the JSON.\n",
                        in->nwarns - HTMLREPORT_MAX_WARNINGS);
        fputc('\n', p->out);
}

static void runs(struct mdp *p, const struct htmlreport_input *in)
{
        fputs("### ", p->out);
        mtext(p, in->name);
        fputs("\n\nAnalysis JSON: ", p->out);
        mlink(p, in->json_name, NULL);
        if (in->session_json_rel) {
                fputs("; ", p->out);
                mlink(p, in->session_json_rel, "session.json");
        }
        fputs("\n\n| run | variant | verdict | why | warnings | console | serial |\n"
              "|---:|---|---|---|---:|---|---|\n",
              p->out);
        for (size_t i = 0; i < in->nruns; i++) {
                const struct htmlreport_run *u = &in->runs[i];

                fprintf(p->out, "| %u | ", u->run);
                mtext(p, u->variant ? u->variant : "-");
                fputs(" | ", p->out);
                mtext(p, u->verdict ? u->verdict : "unreadable");
                if (u->starved)
                        fprintf(p->out, ", **starved** (run delay %.3f ms%s)",
                                (double)u->run_delay_ns / 1e6, u->excluded ? ", left out" : "");
                fputs(" | ", p->out);
                mtext(p, *u->damage ? u->damage : u->reason && *u->reason ? u->reason : "");
                if (u->analysed)
                        fprintf(p->out, " | %zu | ", u->nwarnings);
                else
                        fputs(" | - | ", p->out);
                mlink(p, u->console_rel, u->console_rel ? base_name(u->console_rel) : "none");
                fputs(" | ", p->out);
                mlink(p, u->serial_rel, u->serial_rel ? base_name(u->serial_rel) : "none");
                fputs(" |\n", p->out);
        }
        fputc('\n', p->out);
}

int mdreport_write(FILE *out, const struct htmlreport *r)
{
        struct mdp p = {.out = out};

        fputs("# bootlens report\n\n", out);
        for (size_t i = 0; i < r->n; i++) {
                fputs(r->n == 2 ? (i ? "- new: " : "- base: ") : "- input: ", out);
                mlink(&p, r->in[i].dir_rel, r->in[i].arg);
                fputs(r->in[i].is_session ? " (session)\n" : " (capture file)\n", out);
        }
        fprintf(out, "\nbootlens %s", BOOTLENS_VERSION);
        if (*r->generated_from) {
                fputs("; generated by: ", out);
                mtext(&p, r->generated_from);
        }
        fputs(".\n\n", out);
        if (r->n == 2) {
                fputs("## Comparison\n\n", out);
                if (r->has_compare) {
                        fprintf(out, "Overall: **%s**.\n\n", htmlreport_overall(&r->cmp));
                        if (!p.rc)
                                p.rc = compreport_md(out, &r->cmp, NULL);
                        fputc('\n', out);
                } else {
                        fputs("No comparison: ", out);
                        mtext(&p, r->compare_note);
                        fputs("\n\n", out);
                }
        }
        sweep(&p, r);
        fputs("## Aggregate\n\n", out);
        for (size_t i = 0; i < r->n && !p.rc; i++) {
                p.rc = md_write_aggregate(out, &r->in[i].agg, REPORT_MS);
                fputc('\n', out);
        }
        figures(&p, r);
        fputs("## Environment\n\n", out);
        for (size_t i = 0; i < r->n; i++)
                env(&p, r, i);
        fputs("## Warnings and damage\n\n", out);
        for (size_t i = 0; i < r->n; i++)
                warnings(&p, &r->in[i]);
        fputs("## Runs and raw captures\n\n", out);
        for (size_t i = 0; i < r->n; i++)
                runs(&p, &r->in[i]);
        if (!p.rc && (fflush(out) != 0 || ferror(out)))
                p.rc = -EIO;
        return p.rc;
}
