/*
 * histreport: reports/histreport.h. Stub: the contract only.
 */
#include "reports/histreport.h"
