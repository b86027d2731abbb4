/* Shared helpers for the cmocka tests. */
#ifndef MGN_TEST_UTIL_H
#define MGN_TEST_UTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "margin.h"
#include "ldbl.h"

/* |got - want| <= rel * |want| + abs; on failure prints both values. */
#define assert_close(got, want, rel, abs_tol) \
    mgn_test_assert_close((got), (want), (rel), (abs_tol), #got, __FILE__, __LINE__)

static inline void mgn_test_assert_close(double got, double want, double rel, double abs_tol,
                                         const char *expr, const char *file, int line)
{
    double err = fabs(got - want);
    if (!(err <= rel * fabs(want) + abs_tol)) {
        print_error("%s = %.17g, expected %.17g (err %.3g, rel %.3g)\n", expr, got, want, err,
                    want != 0 ? err / fabs(want) : err);
        _fail(file, line);
    }
}

/* |got - want| as a fraction of tol (tol 0: exact) for the randomised tests' worst-error
   figures; fails above 1, naming the case and the quantity. */
static inline double mgn_test_frac(double got, long double want, long double tol,
                                   const char *what, long it)
{
    long double err = fabsl((long double)got - want);
    double f = err == 0 ? 0 : tol > 0 ? (double)(err / tol) : INFINITY;
    if (!(f <= 1)) {
        print_error("case %ld: %s = %.17g, expected %.17Lg (err %.3Lg, tolerance %.3Lg)\n", it,
                    what, got, want, err, tol);
        fail();
    }
    return f;
}

/* The values every bad-input test tries for a double argument that must be finite. */
static const double mgn_test_nonfinite[] = { NAN, INFINITY, -INFINITY };

/* A deterministic generator for the randomised tests (xorshift64*): tests are
   reproducible bit for bit. */
typedef struct { uint64_t s; } mgn_test_rng;
static inline double mgn_test_uniform(mgn_test_rng *g)
{
    g->s ^= g->s >> 12; g->s ^= g->s << 25; g->s ^= g->s >> 27;
    return (double)((g->s * 2685821657736338717ULL) >> 11) * 0x1.0p-53;
}
static inline double mgn_test_range(mgn_test_rng *g, double lo, double hi)
{
    return lo + (hi - lo) * mgn_test_uniform(g);
}
static inline double mgn_test_logrange(mgn_test_rng *g, double lo, double hi)
{
    return exp(log(lo) + (log(hi) - log(lo)) * mgn_test_uniform(g));
}

/* MGN_TEST_FILTER, a cmocka glob ("*_random"), runs only the tests whose names match. */
static inline void mgn_test_apply_filter(void)
{
    const char *f = getenv("MGN_TEST_FILTER");
    if (f && *f)
        cmocka_set_test_filter(f);
}
#undef cmocka_run_group_tests
#undef cmocka_run_group_tests_name
#define cmocka_run_group_tests_name(name, tests, setup, teardown) \
    (mgn_test_apply_filter(), \
     _cmocka_run_group_tests((name), (tests), sizeof(tests) / sizeof((tests)[0]), (setup), (teardown)))
#define cmocka_run_group_tests(tests, setup, teardown) \
    cmocka_run_group_tests_name(#tests, tests, setup, teardown)

/* Cases of a randomised accuracy test (the tests named *_random): n times
   MGN_TEST_SCALE (an integer from 1 to 100000, default 1; make scan sets it), each
   scaled run drawing the same first n cases and then more. */
static inline long mgn_test_cases(long n)
{
    const char *e = getenv("MGN_TEST_SCALE");
    long k = e ? strtol(e, NULL, 10) : 1;
    return n * (k >= 1 && k <= 100000 ? k : 1);
}

#endif
