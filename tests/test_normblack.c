/* Tests of lib/normblack.c: the normalised Black function b(x, s, theta), the
 * normalised vega, the normal ratio Y(z) = N(z)/phi(z) and erfcx.
 *
 * Independent reference: the closed forms evaluated in 113-bit arithmetic
 * (libquadmath: erfcq, expq), from the same double inputs.  The direct 113-bit
 * formula loses at most ~10 of its 34 digits to cancellation where b > 1e-290, so it
 * is exact to double precision wherever it is used.
 *
 * Asserted (measured on x86-64, gcc 12 -O2, in brackets):
 *   b:    relative error <= 1e-14 wherever b > 1e-290, on the grid x in [-10, 10],
 *         s in [1e-6, 10] [max 8.9e-16], at random points with |x| <= 50,
 *         s in [1e-8, 60] [1.7e-15 over 3e6 points], and across every internal
 *         region boundary;
 *   vega: relative error <= 1e-15 [3.1e-16];
 *   Y:    relative error <= 4e-16 for z <= 1 [1.3e-16, 0.6 eps], erfcx <= 1e-15;
 *   a = 1 + z Y: relative error <= 2e-16 on its table, z in (-31, 0] [1.4e-16],
 *         <= 5e-16 beyond (the asymptotic series) [3.8e-16] and at every table row's
 *         edges;
 *   identities: b(x,s,theta) == b(-x,s,-theta) exactly, put-call parity, the limits
 *   s -> 0 (intrinsic) and s -> inf (e^{theta x/2}), monotonicity in s.
 */
#include <float.h>
#include <stdlib.h>
#include "test_util.h"
#include "qref.h"
#include "normblack.h"

#define NB_TOL 1e-14

/* b(x, s, theta) in 113-bit arithmetic, direct formula. */
static q128 qblack(double x, double s, int theta)
{
    q128 X = x, S = s, h = X / S, t = S / 2;
    return theta * (expq(X / 2) * qcdf(theta * (h + t)) - expq(-X / 2) * qcdf(theta * (h - t)));
}

static q128 qvega(double x, double s)
{
    q128 X = x, S = s, h = X / S, t = S / 2;
    return expq(-(h * h + t * t) / 2) / sqrtq(2 * acosq((q128)-1));
}

/* Y(z) = N(z)/phi(z) = sqrt(pi/2) erfcx(-z/sqrt 2). */
static q128 qratio(double z)
{
    q128 Z = z;
    return sqrtq(acosq((q128)-1) / 2) * erfcq(-Z / sqrtq((q128)2)) * expq(Z * Z / 2);
}

/* Asserts b(x, s, theta) against the reference; returns the relative error (0 when
   the reference is below the tested range). */
static double check_black(double x, double s, int theta)
{
    q128 ref = qblack(x, s, theta);
    double got = mgn__normalised_black(x, s, theta), e;
    if (!(ref > (q128)1e-290))
        return 0.0;
    e = qrelerr(got, ref);
    if (!(e <= NB_TOL)) {
        print_error("b(x=%.17g, s=%.17g, theta=%d) = %.17g, want %.17g (rel err %.3g)\n", x, s,
                    theta, got, (double)ref, e);
        fail();
    }
    return e;
}

/*---------------------------------------------------------------- Y and erfcx */

static void test_ratio_vs_quad(void **state)
{
    (void)state;
    double worst = 0.0;
    for (int i = 0; i <= 40000; ++i) {
        double z = 1.0 - 61.0 * i / 40000.0, e = qrelerr(mgn__norm_ratio(z), qratio(z));
        if (e > worst)
            worst = e;
        assert_true(e <= 4e-16);
    }
    /* very negative z: asymptotic branch, and the limits */
    assert_close(mgn__norm_ratio(-1e10), 1e-10, 4e-16, 0);
    assert_true(mgn__norm_ratio(-INFINITY) == 0.0);
    assert_true(isnan(mgn__norm_ratio(NAN)));
    /* z > 1 through 1/phi(z) - Y(-z): exponent rounding costs ~z^2/2 ulp */
    for (double z = 1.0; z <= 8.0; z += 0.125)
        assert_close(mgn__norm_ratio(z), (double)qratio(z), 1e-14, 0);
    print_message("Y(z), z in [-60, 1]: max relative error %.3g\n", worst);
}

/* Every edge of Y's table intervals, the doubles next to each on both sides, against
   the 113-bit ratio: the two rows on (0, 1], the Mills ratio rows of lib/normal.h (a
   sixteenth of each octave of 1 - z from 1 to 64) and the switch to the asymptotic
   series at z = -63. */
static void test_ratio_table_edges(void **state)
{
    (void)state;
    double edges[3 + 6 * 16 + 1];
    int n = 0;
    edges[n++] = 1.0;
    edges[n++] = 0.5;
    edges[n++] = 0.0;
    for (int k = 0; k < 6; ++k)
        for (int j = 1; j <= 16; ++j)
            edges[n++] = 1.0 - ldexp(1.0, k) * (1.0 + j / 16.0);
    edges[n++] = -63.0;
    for (int k = 0; k < n; ++k) {
        double z = nextafter(nextafter(edges[k], 2.0), 2.0);
        for (int step = 0; step < 5; ++step, z = nextafter(z, -INFINITY)) {
            double e = qrelerr(mgn__norm_ratio(z), qratio(z));
            if (!(e <= 4e-16)) {
                print_error("Y(%.17g) off by %.3g relative\n", z, e);
                fail();
            }
        }
    }
}

/* a(z) = 1 + z Y(z) in 113-bit arithmetic: the sum cancels to about 1/z^2, which
   costs the reference at most 11 of its 113 bits for |z| <= 40. */
static q128 qmills_a(double z)
{
    return 1 + (q128)z * qratio(z);
}

static double check_mills_a(double z, double tol)
{
    double e = qrelerr(mgn__mills_a(z), qmills_a(z));
    if (!(e <= tol)) {
        print_error("a(%.17g) = %.17g, want %.17g (rel err %.3g)\n", z, mgn__mills_a(z),
                    (double)qmills_a(z), e);
        fail();
    }
    return e;
}

/* a(z) = 1 + z Y(z) = Y'(z), the normalised Black function's Taylor and difference
   forms' building block: on a grid over [-40, 0] (table to -31, series beyond), at
   every edge of its table rows (a sixteenth of each octave of 1 - z from 1 to 32) and
   the doubles next to each, and at its limits. */
static void test_mills_a(void **state)
{
    (void)state;
    double worst = 0.0;
    for (int i = 0; i <= 40000; ++i) {
        double z = -40.0 * i / 40000.0;
        double e = check_mills_a(z, z > -31.0 ? 2e-16 : 5e-16);   /* table, series */
        worst = e > worst ? e : worst;
    }
    for (int k = 0; k < 5; ++k)
        for (int j = 1; j <= 16; ++j) {
            double z = nextafter(nextafter(1.0 - ldexp(1.0, k) * (1.0 + j / 16.0), 2.0), 2.0);
            for (int step = 0; step < 5; ++step, z = nextafter(z, -INFINITY))
                check_mills_a(z, 5e-16);
        }
    assert_true(mgn__mills_a(0.0) == 1.0 && mgn__mills_a(-0.0) == 1.0);
    assert_close(mgn__mills_a(-1e10), 1e-20, 4e-16, 0);     /* a ~ 1/z^2 */
    assert_true(mgn__mills_a(-INFINITY) == 0.0);
    assert_true(isnan(mgn__mills_a(NAN)));
    print_message("a(z), z in [-40, 0]: max relative error %.3g\n", worst);
}

static void test_erfcx_vs_quad(void **state)
{
    (void)state;
    for (int i = 0; i <= 4000; ++i) {
        double u = -0.7 + 40.7 * i / 4000.0;
        q128 U = u, ref = expq(U * U) * erfcq(U);
        assert_close(mgn__erfcx(u), (double)ref, 1e-15, 0);
    }
    assert_close(mgn__erfcx(0.0), 1.0, 2 * DBL_EPSILON, 0);
    assert_close(mgn__erfcx(1e6), (1.0 - 0.5e-12) / (1e6 * 1.7724538509055160273), 1e-15, 0);
}

/*---------------------------------------------------------------- b vs 113-bit */

static void test_black_grid(void **state)
{
    (void)state;
    const int NX = 241, NS = 241;
    double worst = 0.0;
    for (int i = 0; i < NX; ++i) {
        double x = -10.0 + 20.0 * i / (NX - 1);
        for (int j = 0; j < NS; ++j) {
            double s = exp(log(1e-6) + (log(10.0) - log(1e-6)) * j / (NS - 1));
            double e1 = check_black(x, s, 1), e2 = check_black(x, s, -1);
            worst = fmax(worst, fmax(e1, e2));
        }
    }
    /* x near 0 (cancellation of the intrinsic value, x/s tiny) */
    for (int k = 1; k <= 300; k += 7)
        for (int j = 0; j < 40; ++j) {
            double x = ldexp(1.0, -k), s = exp(log(1e-6) + (log(10.0) - log(1e-6)) * j / 39);
            worst = fmax(worst, check_black(x, s, 1));
            worst = fmax(worst, check_black(-x, s, 1));
            worst = fmax(worst, check_black(x, s, -1));
        }
    print_message("b on the x-s grid: max relative error %.3g\n", worst);
}

static void test_black_random(void **state)
{
    (void)state;
    mgn_test_rng g = { 0x9E3779B97F4A7C15ULL };
    double worst = 0.0;
    for (long i = 0, n = mgn_test_cases(60000); i < n; ++i) {
        double x, s;
        switch (i % 3) {
        case 0: x = mgn_test_range(&g, -50, 50); s = mgn_test_logrange(&g, 1e-8, 60); break;
        case 1: x = mgn_test_range(&g, -2, 2); s = mgn_test_logrange(&g, 1e-4, 13); break;
        default: /* small s far out: |h| = |x|/s in [5, 45] */
            x = mgn_test_range(&g, -10, 10);
            s = fabs(x) / mgn_test_range(&g, 5, 45);
            break;
        }
        worst = fmax(worst, check_black(x, s, i & 1 ? 1 : -1));
    }
    print_message("b at random points: max relative error %.3g\n", worst);
}

/* Points on both sides of every internal switch (lib/normblack.c regions 1-4 and the
   table/series boundaries): h = -10, h + t = -10 + tau, t = tau, h + t = 0.85,
   h + t = -1, and z = h +- t crossing the table knots -16, -4, 1. */
static void test_black_region_boundaries(void **state)
{
    (void)state;
    const double tau = 0.21022410381342863;
    const double hs[] = { -10.0, -9.0, -4.0, -1.0, -0.5, 0.0 };
    const double ts[] = { tau, 0.1, 0.5, 1.0, 2.0 };
    mgn_test_rng g = { 12345 };
    for (int k = 0; k < 4000; ++k) {
        double h, t, d = ldexp(mgn_test_range(&g, -1, 1), -(int)mgn_test_range(&g, 1, 50));
        switch (k % 6) {
        case 0: h = -10.0 + d; t = mgn_test_range(&g, 0.01, 0.5); break;
        case 1: t = mgn_test_range(&g, 0.001, 0.5); h = -10.0 + tau - t + d; break;
        case 2: t = tau + d; h = hs[k / 6 % 6] + mgn_test_range(&g, -1, 0); break;
        case 3: t = mgn_test_range(&g, 0.9, 5); h = 0.85 - t + d; break;
        case 4: t = mgn_test_range(&g, 0.22, 3); h = -1.0 - t + d; break;
        default: {
            const double knots[] = { -16.0, -4.0, 1.0, -10.5 };
            t = ts[k / 6 % 5];
            h = knots[k / 6 % 4] - t + d;
            break;
        }
        }
        if (h > 0)
            h = -h;
        if (!(t > 0))
            continue;
        {
            double s = 2.0 * t, x = h * s;
            check_black(x, s, 1);
            check_black(-x, s, -1);
            check_black(-x, s, 1);
        }
    }
}

/*---------------------------------------------------------------- vega */

static void test_vega(void **state)
{
    (void)state;
    mgn_test_rng g = { 777 };
    double worst = 0.0;
    for (int i = 0; i < 40000; ++i) {
        double x = mgn_test_range(&g, -30, 30), s = mgn_test_logrange(&g, 1e-3, 40);
        q128 ref = qvega(x, s);
        if (ref < (q128)1e-290)
            continue;
        double e = qrelerr(mgn__normalised_vega(x, s), ref);
        worst = fmax(worst, e);
        assert_true(e <= 1e-15);
    }
    assert_true(mgn__normalised_vega(1.0, 0.0) == 0.0);
    assert_true(mgn__normalised_vega(-3.0, 1e-300) == 0.0);
    /* the call and its vega together: equal to the separate functions, and 0 (below
       the smallest subnormal) once h = x/s < -40 */
    for (int i = 0; i < 2000; ++i) {
        double x = -mgn_test_logrange(&g, 1e-3, 700), s = mgn_test_logrange(&g, 1e-2, 20), v;
        double b = mgn__nb_call_vega(x, s, &v);
        if (x / s < -40.0) {
            assert_true(b == 0.0 && v == 0.0);
            assert_true(qblack(x, s, 1) < (q128)0x1p-1074 && qvega(x, s) < (q128)0x1p-1074);
        } else {
            assert_true(b == mgn__nb_call(x, s));
            if (qvega(x, s) > (q128)1e-290)
                assert_true(qrelerr(v, qvega(x, s)) <= 1e-13);
        }
    }
    print_message("vega: max relative error %.3g\n", worst);
}

/*---------------------------------------------------------------- identities, limits */

static void test_symmetry_and_parity(void **state)
{
    (void)state;
    mgn_test_rng g = { 4242 };
    for (int i = 0; i < 20000; ++i) {
        double x = mgn_test_range(&g, -8, 8), s = mgn_test_logrange(&g, 1e-5, 20);
        double c = mgn__normalised_black(x, s, 1), p = mgn__normalised_black(x, s, -1);
        /* b(x, s, theta) = b(-x, s, -theta) holds exactly by construction */
        assert_true(c == mgn__normalised_black(-x, s, -1));
        assert_true(p == mgn__normalised_black(-x, s, 1));
        /* put-call parity: c - p = e^{x/2} - e^{-x/2} */
        assert_close(c - p, (double)(2 * sinhq((q128)x / 2)), 0, 4 * DBL_EPSILON * fmax(c, p));
        assert_true(c >= 0 && p >= 0);
    }
}

static void test_intrinsic(void **state)
{
    (void)state;
    const double xs[] = { 1e-300, 1e-17, 1e-9, 0.001, 0.5, 1.0, 7.0, 40.0, 600.0 };
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; ++i) {
        double want = (double)(2 * sinhq((q128)xs[i] / 2));
        assert_close(mgn__normalised_intrinsic(xs[i], 1), want, 4 * DBL_EPSILON, 0);
        assert_close(mgn__normalised_intrinsic(-xs[i], -1), want, 4 * DBL_EPSILON, 0);
        assert_true(mgn__normalised_intrinsic(-xs[i], 1) == 0.0);
        assert_true(mgn__normalised_intrinsic(xs[i], -1) == 0.0);
        /* s == 0 is the intrinsic value, and tiny s tends to it */
        assert_true(mgn__normalised_black(xs[i], 0.0, 1) == mgn__normalised_intrinsic(xs[i], 1));
        assert_true(mgn__normalised_black(-xs[i], 0.0, 1) == 0.0);
    }
    assert_true(mgn__normalised_intrinsic(0.0, 1) == 0.0);
    assert_close(mgn__normalised_black(2.0, 1e-9, 1), (double)(2 * sinhq((q128)1)), 2 * DBL_EPSILON, 0);
}

static void test_limits_and_edges(void **state)
{
    (void)state;
    /* s -> inf: b -> b_max = e^{theta x/2} */
    assert_close(mgn__normalised_black(0.3, 200.0, 1), exp(0.15), DBL_EPSILON, 0);
    assert_close(mgn__normalised_black(0.3, 200.0, -1), exp(-0.15), DBL_EPSILON, 0);
    assert_close(mgn__normalised_black(0.0, INFINITY, 1), 1.0, 0, 0);
    /* at the money: b(0, s) = erf(s / (2 sqrt 2)) */
    for (double s = 1e-8; s < 30; s *= 3.7)
        assert_close(mgn__normalised_black(0.0, s, 1), (double)erfq((q128)s / (2 * sqrtq((q128)2))),
                     4 * DBL_EPSILON, 0);
    /* deep out of the money underflows to 0, never NaN */
    assert_true(mgn__normalised_black(-50.0, 1e-3, 1) == 0.0);
    assert_true(mgn__normalised_black(-3000.0, 1e3, 1) == 0.0);
    assert_true(mgn__normalised_black(-1.0, 1e-300, 1) == 0.0);
    assert_true(mgn__normalised_black(-1e-320, 1.0, 1) > 0.38);
    /* far beyond the test grid, still finite and accurate */
    check_black(-1000.0, 100.0, 1);
    check_black(-600.0, 40.0, 1);
    /* NaN in, NaN out */
    assert_true(isnan(mgn__normalised_black(NAN, 1.0, 1)));
    assert_true(isnan(mgn__normalised_black(1.0, NAN, 1)));
    assert_true(isnan(mgn__normalised_black(1.0, -1.0, 1)));
}

static void test_monotone_in_s(void **state)
{
    (void)state;
    const double xs[] = { -6.0, -1.0, -0.01, 0.0, 0.2, 3.0 };
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; ++i) {
        double prev = mgn__normalised_black(xs[i], 1e-4, 1);
        for (double s = 1.01e-4; s < 40; s *= 1.01) {
            double b = mgn__normalised_black(xs[i], s, 1);
            assert_true(b >= prev);
            prev = b;
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ratio_vs_quad),
        cmocka_unit_test(test_ratio_table_edges),
        cmocka_unit_test(test_mills_a),
        cmocka_unit_test(test_erfcx_vs_quad),
        cmocka_unit_test(test_black_grid),
        cmocka_unit_test(test_black_random),
        cmocka_unit_test(test_black_region_boundaries),
        cmocka_unit_test(test_vega),
        cmocka_unit_test(test_symmetry_and_parity),
        cmocka_unit_test(test_intrinsic),
        cmocka_unit_test(test_limits_and_edges),
        cmocka_unit_test(test_monotone_in_s),
    };
    return cmocka_run_group_tests_name("normblack", tests, NULL, NULL);
}
