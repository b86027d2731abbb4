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

static inline int mgn_long_double_is_double(void)
{
    volatile long double one = 1, tiny = LDBL_EPSILON;
    return LDBL_MANT_DIG <= DBL_MANT_DIG || one + tiny == one;
}

#endif
