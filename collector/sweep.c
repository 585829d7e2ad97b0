/*
 * sweep's plan and SESSION/sweep.json (collector/sweep.h).
 */
#include "collector/sweep.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* The built-in presets (docs/sweep.md, "The linux-microvm preset"): each
 * knob's about line says what it changes; the order is the cumulative
 * campaign's. */
static const struct sweep_preset_knob linux_microvm[] = {
    {"pvh", "kernel=@vmlinux",
     "PVH entry: QEMU boots the vmlinux unwrapped from the bzImage at its PVH note (no "
     "decompressor)",
     true, false},
    {"notests", "append+=cryptomgr.notests",
     "skip the crypto self-tests of every algorithm registered at boot", false, false},
    {"nocerts", "append+=initcall_blacklist=load_system_certificate_list",
     "do not load the built-in X.509 certificate (module signatures unchecked: a tainted kernel)",
     false, false},
    {"nomitig", "append+=mitigations=off",
     "no Spectre mitigations (retpolines, RSB filling, barriers)", false, false},
    {"nouarts", "append+=8250.nr_uarts=1", "the 8250 driver probes one UART instead of four", false,
     false},
    {"instrumentation",
     "append-=initcall_debug; append-=log_buf_len=4M; initrd=@bare-initrd; timing=host",
     "the cost of bootlens's own instrumentation (initcall_debug, the dumper), host-timed", false,
     true},
};

const struct sweep_preset sweep_presets[] = {
    {"linux-microvm", "Linux guests on QEMU -M microvm (Debian's cloud kernel)", linux_microvm,
     sizeof(linux_microvm) / sizeof(linux_microvm[0])},
    {NULL, NULL, NULL, 0},
};

const char *sweep_mode_name(enum sweep_mode m)
{
        return m == SWEEP_CUMULATIVE ? "cumulative" : "each";
}

int sweep_mode_parse(const char *s, enum sweep_mode *m)
{
        if (!strcmp(s, "each"))
                *m = SWEEP_EACH;
        else if (!strcmp(s, "cumulative"))
                *m = SWEEP_CUMULATIVE;
        else
                return -EINVAL;
        return 0;
}

static char *dup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

/* s without its leading and trailing blanks, malloc'd. */
static char *dup_trimmed(const char *s, size_t n)
{
        while (n && (*s == ' ' || *s == '\t')) {
                s++;
                n--;
        }
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
                n--;
        return strndup(s, n);
}

int sweep_knob_parse(const char *arg, struct sweep_knob *k, char *err, size_t errsize)
{
        const char *colon = strchr(arg, ':');
        int rc;

        memset(k, 0, sizeof(*k));
        if (!colon) {
                snprintf(err, errsize, "knob '%s': expected 'NAME: SPEC'", arg);
                return -EINVAL;
        }
        k->name = dup_trimmed(arg, (size_t)(colon - arg));
        k->spec = dup_trimmed(colon + 1, strlen(colon + 1));
        if (!k->name || !k->spec) {
                rc = -ENOMEM;
                goto out_free;
        }
        if (!strcmp(k->name, SWEEP_BASELINE)) {
                snprintf(err, errsize, "knob '%s': the name '%s' is the baseline's", arg,
                         SWEEP_BASELINE);
                rc = -EINVAL;
                goto out_free;
        }
        if (!k->spec[0]) {
                snprintf(err, errsize, "knob '%s': no SPEC after 'NAME:' (it would change nothing)",
                         k->name);
                rc = -EINVAL;
                goto out_free;
        }
        rc = session_variant_parse(arg, &k->v, err, errsize);
        if (rc == 0)
                return 0;
out_free:
        sweep_knob_free(k);
        return rc;
}

void sweep_knob_free(struct sweep_knob *k)
{
        if (!k)
                return;
        free(k->name);
        free(k->spec);
        free(k->about);
        session_variant_free(&k->v);
        memset(k, 0, sizeof(*k));
}

const struct sweep_preset *sweep_preset_find(const char *name)
{
        for (const struct sweep_preset *p = sweep_presets; p->name; p++)
                if (!strcmp(p->name, name))
                        return p;
        return NULL;
}

/* ---- the plan ---- */

void sweep_plan_free(struct sweep_plan *p)
{
        if (!p)
                return;
        for (size_t i = 0; i < p->nknobs; i++)
                sweep_knob_free(&p->knobs[i]);
        free(p->knobs);
        for (size_t i = 0; i < p->nsteps; i++) {
                free(p->steps[i].variant);
                free(p->steps[i].knob);
        }
        free(p->steps);
        for (size_t i = 0; i < p->nvariants; i++)
                session_variant_free(&p->variants[i]);
        free(p->variants);
        free(p->preset);
        memset(p, 0, sizeof(*p));
}

/* An empty variant called name, as session_variant_parse("NAME") gives. */
static int variant_empty(struct session_variant *v, const char *name)
{
        memset(v, 0, sizeof(*v));
        v->name = strdup(name);
        v->qemu_args = calloc(1, sizeof(char *));
        v->append_remove = calloc(1, sizeof(char *));
        if (!v->name || !v->qemu_args || !v->append_remove) {
                session_variant_free(v);
                return -ENOMEM;
        }
        return 0;
}

static int knob_copy(struct sweep_knob *dst, const struct sweep_knob *src)
{
        int rc;

        memset(dst, 0, sizeof(*dst));
        dst->name = strdup(src->name);
        dst->spec = dup_or_null(src->spec);
        dst->about = dup_or_null(src->about);
        if (!dst->name || (src->spec && !dst->spec) || (src->about && !dst->about)) {
                sweep_knob_free(dst);
                return -ENOMEM;
        }
        rc = variant_empty(&dst->v, src->name);
        if (rc == 0)
                rc = session_variant_merge(&dst->v, &src->v);
        if (rc < 0)
                sweep_knob_free(dst);
        return rc;
}

int sweep_plan_build(struct sweep_plan *p, enum sweep_mode mode, const struct sweep_knob *knobs,
                     size_t nknobs, const char *preset, char *err, size_t errsize)
{
        size_t prev = 0; /* cumulative: the last step carried on */
        int rc = 0;

        memset(p, 0, sizeof(*p));
        p->mode = mode;
        if (nknobs == 0) {
                snprintf(err, errsize, "no knob to sweep (give --knob or --preset)");
                return -EINVAL;
        }
        if (nknobs > SWEEP_MAX_KNOBS) {
                snprintf(err, errsize, "%zu knobs: at most %d", nknobs, SWEEP_MAX_KNOBS);
                return -EINVAL;
        }
        for (size_t i = 0; i < nknobs; i++) {
                if (!strcmp(knobs[i].name, SWEEP_BASELINE)) {
                        snprintf(err, errsize, "knob '%s': the name is the baseline's",
                                 knobs[i].name);
                        return -EINVAL;
                }
                for (size_t j = 0; j < i; j++)
                        if (!strcmp(knobs[i].name, knobs[j].name)) {
                                snprintf(err, errsize, "knob '%s' given twice", knobs[i].name);
                                return -EINVAL;
                        }
        }
        p->preset = dup_or_null(preset);
        p->knobs = calloc(nknobs, sizeof(*p->knobs));
        p->steps = calloc(nknobs + 1, sizeof(*p->steps));
        p->variants = calloc(nknobs + 1, sizeof(*p->variants));
        if ((preset && !p->preset) || !p->knobs || !p->steps || !p->variants)
                return -ENOMEM;
        for (size_t i = 0; i < nknobs && rc == 0; i++) {
                rc = knob_copy(&p->knobs[i], &knobs[i]);
                if (rc == 0)
                        p->nknobs++;
        }
        if (rc == 0)
                rc = variant_empty(&p->variants[0], SWEEP_BASELINE);
        if (rc < 0)
                return rc;
        p->nvariants = 1;
        p->steps[0].variant = strdup(SWEEP_BASELINE);
        p->nsteps = 1;
        if (!p->steps[0].variant)
                return -ENOMEM;
        for (size_t i = 0; i < nknobs; i++) {
                const struct sweep_knob *k = &p->knobs[i];
                struct sweep_step *st = &p->steps[i + 1];
                struct session_variant *v = &p->variants[i + 1];
                bool host = k->v.host_timed;
                bool chain = mode == SWEEP_CUMULATIVE && !host;

                st->variant = strdup(k->name);
                st->knob = strdup(k->name);
                p->nsteps++;
                if (!st->variant || !st->knob)
                        return -ENOMEM;
                st->host_timed = host;
                st->against = chain ? prev : 0;
                rc = variant_empty(v, k->name);
                if (rc < 0)
                        return rc;
                p->nvariants++;
                if (chain)
                        rc = session_variant_merge(v, &p->variants[prev]);
                if (rc == 0)
                        rc = session_variant_merge(v, &k->v);
                if (rc < 0)
                        return rc;
                if (chain)
                        prev = i + 1;
        }
        return 0;
}

/* ---- sweep.json ---- */

static json_t *str_or_null(const char *s)
{
        return s ? json_string(s) : json_null();
}

int sweep_write(const char *dir, const struct sweep_plan *p)
{
        json_t *root = json_object(), *steps = json_array();
        char *path = NULL, *text = NULL;
        int rc = -ENOMEM;

        if (!root || !steps)
                goto out;
        if (json_object_set_new(root, "kind", json_string(SWEEP_KIND)) ||
            json_object_set_new(root, "schema_version", json_integer(SWEEP_SCHEMA_VERSION)) ||
            json_object_set_new(root, "mode", json_string(sweep_mode_name(p->mode))) ||
            json_object_set_new(root, "preset", str_or_null(p->preset)))
                goto out;
        for (size_t i = 0; i < p->nsteps; i++) {
                const struct sweep_step *st = &p->steps[i];
                const struct sweep_knob *k = NULL;
                json_t *o = json_object();

                for (size_t j = 0; st->knob && j < p->nknobs; j++)
                        if (!strcmp(p->knobs[j].name, st->knob))
                                k = &p->knobs[j];
                if (!o || json_array_append_new(steps, o) ||
                    json_object_set_new(o, "variant", json_string(st->variant)) ||
                    json_object_set_new(o, "knob", str_or_null(st->knob)) ||
                    json_object_set_new(o, "spec", str_or_null(k ? k->spec : NULL)) ||
                    json_object_set_new(o, "about", str_or_null(k ? k->about : NULL)) ||
                    json_object_set_new(o, "against", json_integer((json_int_t)st->against)) ||
                    json_object_set_new(o, "host_timed", json_boolean(st->host_timed)))
                        goto out;
        }
        if (json_object_set(root, "steps", steps))
                goto out;
        text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!text || asprintf(&path, "%s/%s", dir, SWEEP_FILE) < 0) {
                path = NULL;
                goto out;
        }
        {
                size_t n = strlen(text);
                char *t = realloc(text, n + 2);

                if (!t)
                        goto out;
                text = t;
                text[n] = '\n';
                text[n + 1] = '\0';
                rc = util_write_file_atomic(path, text, n + 1);
        }
out:
        free(text);
        free(path);
        json_decref(steps);
        json_decref(root);
        return rc;
}

/* A string field of o: required, or null/absent as NULL. */
static int get_str(json_t *o, const char *key, bool required, const char **out)
{
        json_t *v = json_object_get(o, key);

        *out = NULL;
        if (v && json_is_string(v)) {
                *out = json_string_value(v);
                return 0;
        }
        if ((!v || json_is_null(v)) && !required)
                return 0;
        return -EINVAL;
}

/* A variant name as session_variant_parse() accepts it. */
static bool valid_name(const char *s)
{
        struct session_variant v;
        bool same;

        if (strchr(s, ':') || strchr(s, ';') || session_variant_parse(s, &v, NULL, 0) < 0)
                return false;
        same = strcmp(v.name, s) == 0; /* the parse trims blanks */
        session_variant_free(&v);
        return same;
}

/* Step i of the steps array into p->steps[i] (and a knob). */
static int read_step(struct sweep_plan *p, json_t *o, size_t i, const char *path,
                     const struct session *sess, char *err, size_t errsize)
{
        const char *variant, *knob, *spec, *about;
        struct sweep_step *st = &p->steps[i];
        json_t *against = json_object_get(o, "against");
        json_t *host = json_object_get(o, "host_timed");

        if (!json_is_object(o)) {
                snprintf(err, errsize, "%s: steps[%zu] is not an object", path, i);
                return -EINVAL;
        }
        if (get_str(o, "variant", true, &variant) < 0 || !valid_name(variant)) {
                snprintf(err, errsize, "%s: steps[%zu].variant: expected a variant name", path, i);
                return -EINVAL;
        }
        if (get_str(o, "knob", false, &knob) < 0 || (i > 0 && !knob) || (i == 0 && knob) ||
            (knob && (!valid_name(knob) || !strcmp(knob, SWEEP_BASELINE)))) {
                snprintf(err, errsize, "%s: steps[%zu].knob: expected %s", path, i,
                         i ? "a knob name other than \"base\"" : "null (the baseline)");
                return -EINVAL;
        }
        if (get_str(o, "spec", false, &spec) < 0 || (knob && !spec)) {
                snprintf(err, errsize, "%s: steps[%zu].spec: expected a string", path, i);
                return -EINVAL;
        }
        if (get_str(o, "about", false, &about) < 0) {
                snprintf(err, errsize, "%s: steps[%zu].about: expected a string or null", path, i);
                return -EINVAL;
        }
        if (!json_is_integer(against) || json_integer_value(against) < 0 ||
            (i == 0 && json_integer_value(against) != 0) ||
            (i > 0 && (size_t)json_integer_value(against) >= i)) {
                snprintf(err, errsize, "%s: steps[%zu].against: expected a step before it%s", path,
                         i, i ? "" : " (0 for the baseline)");
                return -EINVAL;
        }
        if (host && !json_is_boolean(host)) {
                snprintf(err, errsize, "%s: steps[%zu].host_timed: expected true or false", path,
                         i);
                return -EINVAL;
        }
        if (sess && session_variant_index(sess, variant) < 0) {
                snprintf(err, errsize, "%s: steps[%zu].variant: the session has no variant '%s'",
                         path, i, variant);
                return -EINVAL;
        }
        for (size_t j = 0; j < i; j++)
                if (!strcmp(p->steps[j].variant, variant)) {
                        snprintf(err, errsize, "%s: steps[%zu].variant: '%s' is step %zu's", path,
                                 i, variant, j);
                        return -EINVAL;
                }
        st->variant = strdup(variant);
        st->knob = dup_or_null(knob);
        st->against = (size_t)json_integer_value(against);
        st->host_timed = host && json_is_true(host);
        p->nsteps++;
        if (!st->variant || (knob && !st->knob))
                return -ENOMEM;
        if (knob) {
                struct sweep_knob *k = &p->knobs[p->nknobs];

                k->name = strdup(knob);
                k->spec = strdup(spec);
                k->about = dup_or_null(about);
                p->nknobs++;
                if (!k->name || !k->spec || (about && !k->about))
                        return -ENOMEM;
        }
        return 0;
}

int sweep_read(const char *dir, struct sweep_plan *p, char *err, size_t errsize)
{
        struct session *sess = NULL;
        json_t *root = NULL, *steps, *v;
        json_error_t jerr;
        char *path = NULL, *data = NULL;
        const char *mode, *preset;
        size_t len;
        int rc;

        memset(p, 0, sizeof(*p));
        if (asprintf(&path, "%s/%s", dir, SWEEP_FILE) < 0)
                return -ENOMEM;
        rc = util_read_file(path, &data, &len);
        if (rc < 0) {
                snprintf(err, errsize, "%s: %s%s", path, strerror(-rc),
                         rc == -ENOENT ? " (not a sweep session)" : "");
                goto out;
        }
        root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!root) {
                snprintf(err, errsize, "%s:%d: %s", path, jerr.line, jerr.text);
                rc = -EINVAL;
                goto out;
        }
        rc = -EINVAL;
        if (!json_is_object(root)) {
                snprintf(err, errsize, "%s: not a JSON object", path);
                goto out;
        }
        if (get_str(root, "kind", true, &mode) < 0 || strcmp(mode, SWEEP_KIND)) {
                snprintf(err, errsize, "%s: kind: expected \"%s\"", path, SWEEP_KIND);
                goto out;
        }
        v = json_object_get(root, "schema_version");
        if (!json_is_integer(v) || json_integer_value(v) != SWEEP_SCHEMA_VERSION) {
                snprintf(err, errsize, "%s: schema_version: expected %d", path,
                         SWEEP_SCHEMA_VERSION);
                goto out;
        }
        if (get_str(root, "mode", true, &mode) < 0 || sweep_mode_parse(mode, &p->mode) < 0) {
                snprintf(err, errsize, "%s: mode: expected \"each\" or \"cumulative\"", path);
                goto out;
        }
        if (get_str(root, "preset", false, &preset) < 0) {
                snprintf(err, errsize, "%s: preset: expected a string or null", path);
                goto out;
        }
        steps = json_object_get(root, "steps");
        if (!json_is_array(steps) || json_array_size(steps) < 2 ||
            json_array_size(steps) > SWEEP_MAX_KNOBS + 1) {
                snprintf(err, errsize, "%s: steps: expected an array of 2 to %d steps", path,
                         SWEEP_MAX_KNOBS + 1);
                goto out;
        }
        rc = session_open(dir, &sess, NULL, 0);
        if (rc == -ENOMEM)
                goto out;
        if (rc < 0)
                sess = NULL; /* the steps are read; the caller opens the session itself */
        rc = -ENOMEM;
        p->preset = dup_or_null(preset);
        p->steps = calloc(json_array_size(steps), sizeof(*p->steps));
        p->knobs = calloc(json_array_size(steps), sizeof(*p->knobs));
        if ((preset && !p->preset) || !p->steps || !p->knobs)
                goto out;
        rc = 0;
        for (size_t i = 0; i < json_array_size(steps) && rc == 0; i++)
                rc = read_step(p, json_array_get(steps, i), i, path, sess, err, errsize);
out:
        if (rc < 0)
                sweep_plan_free(p);
        session_free(sess);
        json_decref(root);
        free(data);
        free(path);
        return rc;
}
