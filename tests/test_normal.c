/* Tests of lib/normal.c (the normal distribution function of the scalar pricers) and of
 * the log-moneyness mgn__log_ratio (lib/internal.h) that the pricers feed it.
 *
 * Independent reference: 0.5 erfc(-z / sqrt 2) and log(S/K) in 113-bit arithmetic
 * (libquadmath), from the same double inputs.
 *
 * Asserted (measured on x86-64, gcc 12 -O2, in brackets):
 *   N(z): relative error <= 4 eps (8.9e-16) wherever N(z) >= DBL_MIN, z in [-38, 9]
 *         [2.3 eps], on a grid, at random points and at every edge of its table rows;
 *         |N(z) + N(-z) - 1| <= 2^-53; N(0) within an ulp of 1/2; 0 below -40, 1 above
 *         40, NaN for NaN; the density beside it within 2 eps [1.5 eps];
 *   ln(S/K): relative error <= 2 eps for S/K within a few ulps of 1 up to far from it,
 *         S and K from 1e-300 to 1e300 [1.1 eps].
 */
#include <float.h>
#include <stdlib.h>
#include "test_util.h"
#include "qref.h"
#include "internal.h"

#define CDF_TOL (4 * DBL_EPSILON)

/* Asserts N(z) against the reference where N(z) >= DBL_MIN; returns the error. */
static double check_cdf(double z)
{
    q128 ref = qcdf(z);
    if (!(ref >= (q128)DBL_MIN))
        return 0.0;
    double got = mgn__norm_cdf(z), e = qrelerr(got, ref);
    if (!(e <= CDF_TOL)) {
        print_error("N(%.17g) = %.17g, want %.17g (rel err %.3g)\n", z, got, (double)ref, e);
        fail();
    }
    return e;
}

static void test_cdf_grid(void **state)
{
    (void)state;
    double worst = 0.0;
    for (int i = 0; i <= 200000; ++i) {
        double e = check_cdf(-37.5 + 46.5 * i / 200000.0);
        worst = e > worst ? e : worst;
    }
    print_message("N(z), z in [-37.5, 9] (grid): max relative error %.3g (%.2f eps)\n", worst,
                  worst / DBL_EPSILON);
}

static void test_cdf_random(void **state)
{
    (void)state;
    mgn_test_rng g = { 2027 };
    long n = mgn_test_cases(200000);
    double worst = 0.0;
    for (long i = 0; i < n; ++i) {
        /* uniform in [-38, 9], and log-uniform close to 0 */
        double z = (i & 1) ? mgn_test_range(&g, -38.0, 9.0)
                           : (i & 2 ? 1 : -1) * exp(mgn_test_range(&g, log(1e-300), log(1.0)));
        double e = check_cdf(z);
        worst = e > worst ? e : worst;
    }
    print_message("N(z), %ld random z: max relative error %.3g\n", n, worst);
}

/* Each row of the table covers a sixteenth of an octave of |z| + 1 (from 1 to 64): the
   doubles around every edge, on both sides and both signs, against the reference. A
   row read one off (the index from the bits of |z| + 1) costs far more than 4 ulp. */
static void test_cdf_row_edges(void **state)
{
    (void)state;
    for (int k = 0; k < 6; ++k)
        for (int j = 0; j <= 16; ++j) {
            double a = ldexp(1.0, k) * (1.0 + j / 16.0) - 1.0;
            double z = nextafter(nextafter(a, 100.0), 100.0);
            for (int step = 0; step < 5; ++step, z = nextafter(z, 0.0)) {
                check_cdf(-z);
                check_cdf(z);
            }
        }
}

static void test_cdf_identities_and_limits(void **state)
{
    (void)state;
    mgn_test_rng g = { 77 };
    for (int i = 0; i < 100000; ++i) {
        double z = mgn_test_range(&g, -12.0, 12.0);
        double s = mgn__norm_cdf(z) + mgn__norm_cdf(-z);
        assert_close(s, 1.0, DBL_EPSILON / 2, 0);
    }
    assert_close(mgn__norm_cdf(0.0), 0.5, DBL_EPSILON, 0);
    assert_close(mgn__norm_cdf(-0.0), 0.5, DBL_EPSILON, 0);
    assert_true(mgn__norm_cdf(-40.5) == 0.0);
    assert_true(mgn__norm_cdf(-1e300) == 0.0);
    assert_true(mgn__norm_cdf(-INFINITY) == 0.0);
    assert_true(mgn__norm_cdf(40.5) == 1.0);
    assert_true(mgn__norm_cdf(9.0) == 1.0);    /* 1 - 1.1e-19 rounds to 1 */
    assert_true(mgn__norm_cdf(INFINITY) == 1.0);
    assert_true(isnan(mgn__norm_cdf(NAN)));
    assert_true(isnan(mgn__norm_cdf(-NAN)));
    /* the subnormal range: no relative accuracy, no garbage */
    for (double z = -37.6; z >= -40.0; z -= 0.01) {
        double v = mgn__norm_cdf(z);
        assert_true(v >= 0.0 && v < DBL_MIN);
        assert_close(v, (double)qcdf(z), 0.01, 4.9e-324);
    }
    /* monotone across the whole range */
    double prev = 0.0;
    for (double z = -40.0; z <= 9.0; z += 1.0 / 1024) {
        double v = mgn__norm_cdf(z);
        assert_true(v >= prev);
        prev = v;
    }
}

/* The density that mgn__norm_cdf_pdf returns beside N(z): within 2 eps of phi(z) (its
   exponent without the rounding of z^2) wherever phi(z) >= DBL_MIN, and N(z) the same
   bits as mgn__norm_cdf. */
static void test_pdf(void **state)
{
    (void)state;
    double worst = 0.0;
    for (int i = 0; i <= 200000; ++i) {
        double z = -38.5 + 77.0 * i / 200000.0, pdf;
        double n = mgn__norm_cdf_pdf(z, &pdf);
        assert_true(n == mgn__norm_cdf(z));
        q128 Z = z, ref = expq(-Z * Z / 2) / sqrtq(2 * acosq((q128)-1));
        if (ref < (q128)DBL_MIN)
            continue;
        double e = qrelerr(pdf, ref);
        worst = e > worst ? e : worst;
        if (!(e <= 2 * DBL_EPSILON)) {
            print_error("phi(%.17g) = %.17g, want %.17g (rel err %.3g)\n", z, pdf, (double)ref, e);
            fail();
        }
    }
    print_message("phi(z), z in [-38.5, 38.5]: max relative error %.3g\n", worst);
    double pdf = 1.0;
    assert_true(mgn__norm_cdf_pdf(40.5, &pdf) == 1.0 && pdf == 0.0);
    pdf = 1.0;
    assert_true(mgn__norm_cdf_pdf(-INFINITY, &pdf) == 0.0 && pdf == 0.0);
    assert_true(isnan(mgn__norm_cdf_pdf(NAN, &pdf)) && isnan(pdf));
    assert_true(mgn__norm_cdf_pdf(0.0, &pdf) == mgn__norm_cdf(0.0));
    assert_close(pdf, 0.398942280401432677939946059934, DBL_EPSILON, 0);
}

/*---------------------------------------------------------------- ln(S/K) */

static double check_log_ratio(double S, double K)
{
    q128 ref = logq((q128)S / (q128)K);
    if (ref == 0)
        return mgn__log_ratio(S, K) == 0.0 ? 0.0 : (fail(), 1.0);
    double got = mgn__log_ratio(S, K), e = qrelerr(got, ref);
    if (!(e <= 2 * DBL_EPSILON)) {
        print_error("ln(%.17g / %.17g) = %.17g, want %.17g (rel err %.3g)\n", S, K, got,
                    (double)ref, e);
        fail();
    }
    return e;
}

static void test_log_ratio_random(void **state)
{
    (void)state;
    mgn_test_rng g = { 31 };
    double worst = 0.0;
    long n = mgn_test_cases(200000);
    for (long i = 0; i < n; ++i) {
        /* S across the magnitudes, including beyond the exact-product range (2^+-900) */
        double S = exp(mgn_test_range(&g, log(1e-300), log(1e300)));
        double K;
        switch (i % 4) {
        case 0:   /* a few ulps from S */
            K = S;
            for (int k = (int)mgn_test_range(&g, -6, 7); k != 0; k += k > 0 ? -1 : 1)
                K = nextafter(K, k > 0 ? INFINITY : 0.0);
            break;
        case 1:   /* near the money */
            K = S * (1.0 + mgn_test_range(&g, -1e-6, 1e-6));
            break;
        case 2:   /* inside and outside the log1p band of the other branch */
            K = S * exp(mgn_test_range(&g, -1.0, 1.0));
            break;
        default:  /* far */
            K = S * exp(mgn_test_range(&g, -30.0, 30.0));
            break;
        }
        if (!(K >= DBL_MIN && K <= DBL_MAX))
            continue;
        double e = check_log_ratio(S, K);
        worst = e > worst ? e : worst;
    }
    print_message("ln(S/K), %ld pairs: max relative error %.3g\n", n, worst);
    assert_true(mgn__log_ratio(3.0, 3.0) == 0.0);
    /* S and K inside the exact product's range, their ratio not: overflowing (a
       fuzzing find: ln of an infinite ratio), next to DBL_MAX (the splitting of the
       exact product overflowed), past 2^900 and 2^-900, subnormal, underflowing */
    static const double pairs[][2] = {
        { 3.4111089582301264e+168, 4.252799761946266e-183 },
        { 3.7332969572779817e+130, 2.7689538218945706e-178 },
        { 0x1p450, 0x1p-451 }, { 0x1p-451, 0x1p450 }, { 1e-200, 1e110 }, { 1e-200, 1e150 },
        { 1e-300, 1e10 }, { 1e300, 1e-10 }, { 0x1p900, 1.0 }, { 1.0, 0x1p900 },
    };
    for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; ++k) {
        check_log_ratio(pairs[k][0], pairs[k][1]);
        check_log_ratio(pairs[k][1], pairs[k][0]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cdf_grid),
        cmocka_unit_test(test_cdf_random),
        cmocka_unit_test(test_cdf_row_edges),
        cmocka_unit_test(test_cdf_identities_and_limits),
        cmocka_unit_test(test_pdf),
        cmocka_unit_test(test_log_ratio_random),
    };
    return cmocka_run_group_tests_name("normal", tests, NULL, NULL);
}
