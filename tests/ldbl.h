/* Whether long double arithmetic carries more than double's precision and range at run
 * time. It does natively on x86-64 (the 80-bit extended format), but not under
 * valgrind, which emulates it in double precision, nor where long double is double.
 * There the tests skip the checks whose reference needs the extended format, and those
 * of lib/liquidation.c's closed forms for sizes near DBL_MIN, which rely on it (as its
 * comment says: where long double is double, the results are those of double
 * arithmetic). Shared by the unit tests (test_util.h) and the fuzz targets (fuzz.h). */
#ifndef MGN_TEST_LDBL_H
#define MGN_TEST_LDBL_H

#include <float.h>

/* The spacing of long doubles next to 1 as the arithmetic actually carried out sees
   it: LDBL_EPSILON natively, DBL_EPSILON under valgrind or where long double is
   double. */
static inline long double mgn_long_double_ulp(void)
{
    volatile long double ulp = 1;
    while (1 + ulp / 2 != 1)
        ulp /= 2;
    return ulp;
}

static inline int mgn_long_double_is_double(void)
{
    return mgn_long_double_ulp() >= DBL_EPSILON;
}

#endif
