/*
 * trendplot: reports/trendplot.h. Stub: the contract only.
 */
#include "reports/trendplot.h"
