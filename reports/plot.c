#include "reports/plot.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Not drawn yet: the figures engineer replaces this. */
static const char *const kind_names[PLOT_NKINDS] = {"phases", "distribution", "ecdf", "timeline",
                                                    "delta"};

const char *plot_kind_name(enum plot_kind k)
{
        return (size_t)k < PLOT_NKINDS ? kind_names[k] : "?";
}

int plot_kind_parse(const char *name, enum plot_kind *k)
{
        for (size_t i = 0; i < PLOT_NKINDS; i++) {
                if (strcmp(name, kind_names[i]) == 0) {
                        *k = (enum plot_kind)i;
                        return 0;
                }
        }
        return -EINVAL;
}

int plot_data_load(struct plot_data *d, const char *const *inputs, size_t n,
                   const struct plot_load_options *o, char *err, size_t errsize)
{
        (void)inputs, (void)n, (void)o;
        memset(d, 0, sizeof(*d));
        snprintf(err, errsize, "not implemented");
        return -ENOSYS;
}

void plot_data_free(struct plot_data *d)
{
        (void)d;
}

int plot_draw(const struct plot_data *d, enum plot_kind k, const char *out_path,
              const struct plot_options *o, struct plot_result *res, char *err, size_t errsize)
{
        (void)d, (void)k, (void)out_path, (void)o;
        memset(res, 0, sizeof(*res));
        snprintf(err, errsize, "not implemented");
        return -ENOSYS;
}

void plot_result_free(struct plot_result *res)
{
        (void)res;
}
