/*
 * sweep's plan and SESSION/sweep.json (collector/sweep.h).
 */
#include "collector/sweep.h"

#include <errno.h>
#include <string.h>

const struct sweep_preset sweep_presets[] = {
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

int sweep_knob_parse(const char *arg, struct sweep_knob *k, char *err, size_t errsize)
{
        memset(k, 0, sizeof(*k));
        return -ENOSYS;
}

void sweep_knob_free(struct sweep_knob *k)
{
}

const struct sweep_preset *sweep_preset_find(const char *name)
{
        return NULL;
}

int sweep_plan_build(struct sweep_plan *p, enum sweep_mode mode, const struct sweep_knob *knobs,
                     size_t nknobs, const char *preset, char *err, size_t errsize)
{
        memset(p, 0, sizeof(*p));
        return -ENOSYS;
}

void sweep_plan_free(struct sweep_plan *p)
{
}

int sweep_write(const char *dir, const struct sweep_plan *p)
{
        return -ENOSYS;
}

int sweep_read(const char *dir, struct sweep_plan *p, char *err, size_t errsize)
{
        memset(p, 0, sizeof(*p));
        return -ENOENT;
}
