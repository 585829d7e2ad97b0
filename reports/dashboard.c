/*
 * dashboard: reports/dashboard.h. Stub: the contract only.
 */
#include "reports/dashboard.h"
