/* Tests of lib/ewma.c: RiskMetrics EWMA variance and the dynamic margin range.
 *
 * Independent references: a direct recursion written here in long double, the
 * closed form of the EWMA as a weighted sum (lambda^t seed + (1-lambda) sum
 * lambda^(t-1-j) r_j^2), and the buffer/floor rules of the header checked day by
 * day against a plain re-implementation; test_dynamic_margin_random scans random
 * series and parameters against the header's definitions in long double, with its own
 * normal and Student t quantiles (bisection on erf and the incomplete beta function).
 */
#include <float.h>
#include <stdlib.h>
#include <gsl/gsl_cdf.h>
#include <stdint.h>
#include "test_util.h"

static void test_ewma_recursion(void **state)
{
    (void)state;
    mgn_test_rng g = { 8 };
    size_t n = 1000;
    double *r = malloc(n * sizeof *r), *v = malloc((n + 1) * sizeof *v);
    for (size_t t = 0; t < n; t++) r[t] = mgn_test_range(&g, -0.05, 0.05) * (t > 500 ? 3 : 1);
    assert_int_equal(mgn_ewma_variance(r, n, 0.94, 0.0004, v), MGN_OK);
    long double x = 0.0004L;
    assert_true(v[0] == 0.0004);
    for (size_t t = 0; t < n; t++) {
        x = 0.94L * x + 0.06L * (long double)r[t] * r[t];
        assert_close(v[t + 1], (double)x, 1e-13, 0);
    }
    /* closed form as a weighted sum at t = 50 */
    long double s = powl(0.94L, 50) * 0.0004L;
    for (int j = 0; j < 50; j++) s += 0.06L * powl(0.94L, 49 - j) * r[j] * r[j];
    assert_close(v[50], (double)s, 1e-13, 0);
    /* default seed: mean square */
    double ms = 0;
    for (size_t t = 0; t < n; t++) ms += r[t] * r[t];
    assert_int_equal(mgn_ewma_variance(r, n, 0.97, -1, v), MGN_OK);
    assert_close(v[0], ms / (double)n, 1e-14, 0);
    free(r);
    free(v);
}

/* Plain re-implementation of the header's rule. */
static void ref_dyn(const double *r, size_t n, const mgn_dynmargin_params *p, double *M)
{
    double ms = 0;
    for (size_t t = 0; t < n; t++) ms += r[t] * r[t];
    double v = p->seed_var < 0 ? ms / (double)n : p->seed_var;
    double q = p->tail_df == 0 ? gsl_cdf_ugaussian_Pinv(p->confidence)
                               : gsl_cdf_tdist_Pinv(p->confidence, p->tail_df) * sqrt((p->tail_df - 2) / p->tail_df);
    double k = p->multiplier * q * sqrt(p->horizon_days), prev = 0;
    for (size_t t = 0; t < n; t++) {
        v = p->lambda * v + (1 - p->lambda) * r[t] * r[t];
        double base = k * sqrt(v), fl = 0;
        if (p->floor_lookback) {
            size_t c = t + 1 < p->floor_lookback ? t + 1 : p->floor_lookback;
            double s = 0;
            for (size_t j = t + 1 - c; j <= t; j++) s += r[j] * r[j];
            fl = k * sqrt(s / (double)c);
        }
        double m = base > fl ? base : fl, hi = (1 + p->buffer) * m;
        M[t] = t == 0 ? hi : fmin(fmax(prev, m), hi);
        prev = M[t];
    }
}

static void test_dynamic_margin(void **state)
{
    (void)state;
    mgn_test_rng g = { 21 };
    size_t n = 3000;
    double *r = malloc(n * sizeof *r), *M = malloc(n * sizeof *M), *R = malloc(n * sizeof *R);
    for (size_t t = 0; t < n; t++) {
        double vol = t > 2500 && t < 2600 ? 0.06 : 0.015;   /* a stress episode */
        r[t] = vol * (mgn_test_uniform(&g) + mgn_test_uniform(&g) + mgn_test_uniform(&g) - 1.5) * 2;
    }
    mgn_dynmargin_params p;
    assert_int_equal(mgn_dynmargin_params_init(&p), MGN_OK);
    assert_true(p.struct_size == sizeof p && p.lambda == 0.94 && p.buffer == 0.25 && p.floor_lookback == 2520);
    for (int variant = 0; variant < 4; variant++) {
        mgn_dynmargin_params q = p;
        if (variant == 1) { q.tail_df = 4; q.floor_lookback = 0; }
        if (variant == 2) { q.buffer = 0; q.floor_lookback = 250; q.horizon_days = 5; }
        if (variant == 3) { q.seed_var = 0.001; q.multiplier = 1.2; q.confidence = 0.975; }
        mgn_dynmargin_result res;
        assert_int_equal(mgn_dynamic_margin(r, n, &q, M, &res), MGN_OK);
        ref_dyn(r, n, &q, R);
        for (size_t t = 0; t < n; t++) assert_close(M[t], R[t], 1e-12, 0);
        assert_true(res.price_scan == M[n - 1]);
        assert_true(res.price_scan >= res.margin_scan && res.price_scan <= (1 + q.buffer) * res.margin_scan * (1 + 1e-15));
        assert_true(res.margin_scan >= res.floor_scan && res.margin_scan >= res.base_scan);
        /* the buffer is used during the stress episode: posted range below (1+b) m */
        if (q.buffer > 0) {
            int used = 0;
            for (size_t t = 2501; t < 2520; t++) {
                mgn_dynmargin_result rt;
                assert_int_equal(mgn_dynamic_margin(r, t + 1, &q, NULL, &rt), MGN_OK);
                assert_close(rt.price_scan, M[t], 1e-12, 0);
                used |= rt.in_stress;
                assert_true(rt.buffer_left >= 0 && rt.buffer_left <= q.buffer + 1e-12);
            }
            assert_true(used);
        }
        /* procyclicality is damped: with the buffer the largest one-day jump is smaller */
    }
    /* EWMA part equals mgn_ewma_variance */
    double *v = malloc((n + 1) * sizeof *v);
    mgn_dynmargin_result res;
    assert_int_equal(mgn_ewma_variance(r, n, 0.94, -1, v), MGN_OK);
    assert_int_equal(mgn_dynamic_margin(r, n, &p, NULL, &res), MGN_OK);
    assert_close(res.ewma_vol, sqrt(v[n]), 1e-13, 0);
    assert_close(res.base_scan, gsl_cdf_ugaussian_Pinv(0.99) * sqrt(2.0) * sqrt(v[n]), 1e-13, 0);
    free(v); free(r); free(M); free(R);
}

/* The floor's window once a large square has left it: a 100% day followed by 1% days
   (RMS 1% exactly in the last four days; a plain running sum kept the 100% day's
   rounding, 5.5e-14 off), a window of zeros after 1% days (RMS exactly 0), and a tiny
   window after a square 10^6 times its sum (every day's RMS against its own sum). */
static void test_floor_after_large_day(void **state)
{
    (void)state;
    mgn_dynmargin_params p;
    assert_int_equal(mgn_dynmargin_params_init(&p), MGN_OK);
    p.floor_lookback = 4;
    mgn_dynmargin_result res;
    const double jump[5] = { 1.0, 0.01, 0.01, 0.01, 0.01 };
    assert_int_equal(mgn_dynamic_margin(jump, 5, &p, NULL, &res), MGN_OK);
    assert_close(res.long_vol, 0.01, 1e-15, 0);
    const double quiet[7] = { 0.01, 0.01, 0.01, 0, 0, 0, 0 };
    p.lambda = 1e-6;
    assert_int_equal(mgn_dynamic_margin(quiet, 7, &p, NULL, &res), MGN_OK);
    assert_true(res.long_vol == 0 && res.floor_scan == 0);
    assert_true(res.margin_scan == res.base_scan);
    mgn_test_rng g = { 5 };
    enum { N = 600 };
    double r[N];
    for (size_t t = 0; t < N; t++)
        r[t] = t == 40 ? 2e-18 : mgn_test_range(&g, -3e-21, 3e-21);
    p = (mgn_dynmargin_params){ 0 };
    assert_int_equal(mgn_dynmargin_params_init(&p), MGN_OK);
    p.floor_lookback = 430;
    for (size_t n = 420; n <= N; n += 15) {
        assert_int_equal(mgn_dynamic_margin(r, n, &p, NULL, &res), MGN_OK);
        long double sum = 0;
        size_t L = n < 430 ? n : 430;
        for (size_t t = n - L; t < n; t++)
            sum += (long double)r[t] * r[t];
        assert_close(res.long_vol, (double)sqrtl(sum / L), 1e-14, 0);
    }
}

static void test_bad_input(void **state)
{
    (void)state;
    double r[3] = { 0.01, -0.02, 0.03 }, v[4] = { 9, 9, 9, 9 };
    assert_int_equal(mgn_ewma_variance(NULL, 3, 0.94, -1, v), MGN_EINVAL);
    assert_int_equal(mgn_ewma_variance(r, 3, 0.94, -1, NULL), MGN_EINVAL);
    assert_int_equal(mgn_ewma_variance(r, 0, 0.94, -1, v), MGN_EINVAL);
    static const double badl[] = { 0, 1, -0.5, 1.5, NAN, INFINITY };
    for (int i = 0; i < 6; i++) assert_int_equal(mgn_ewma_variance(r, 3, badl[i], -1, v), MGN_EINVAL);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(mgn_ewma_variance(r, 3, 0.94, mgn_test_nonfinite[i], v), MGN_EINVAL);
        double rr[3] = { 0.01, mgn_test_nonfinite[i], 0 };
        assert_int_equal(mgn_ewma_variance(rr, 3, 0.94, -1, v), MGN_EINVAL);
    }
    assert_true(v[0] == 9 && v[3] == 9);
    /* an overflowing recursion is MGN_ERANGE and leaves the output untouched */
    double big[3] = { 0.01, 1e200, 0.02 };
    assert_int_equal(mgn_ewma_variance(big, 3, 0.94, 1e-4, v), MGN_ERANGE);
    assert_true(v[0] == 9 && v[1] == 9 && v[2] == 9 && v[3] == 9);
    mgn_dynmargin_params p, q;
    mgn_dynmargin_result res;
    memset(&res, 0x11, sizeof res);
    mgn_dynmargin_result r0 = res;
    assert_int_equal(mgn_dynmargin_params_init(NULL), MGN_EINVAL);
    mgn_dynmargin_params_init(&p);
    assert_int_equal(mgn_dynamic_margin(NULL, 3, &p, NULL, &res), MGN_EINVAL);
    assert_int_equal(mgn_dynamic_margin(r, 0, &p, NULL, &res), MGN_EINVAL);
    assert_int_equal(mgn_dynamic_margin(r, 3, NULL, NULL, &res), MGN_EINVAL);
    assert_int_equal(mgn_dynamic_margin(r, 3, &p, NULL, NULL), MGN_EINVAL);
    q = p; q.struct_size = sizeof q - 8;
    assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    q = p; q.lambda = 1;             assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    q = p; q.seed_var = NAN;         assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    q = p; q.confidence = 1;         assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    /* at or below the median the quantile, and every range, would be <= 0 */
    q = p; q.confidence = 0.5;       assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    q = p; q.confidence = 0.01;      assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    q = p; q.horizon_days = 0;       assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    q = p; q.tail_df = 2;            assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    q = p; q.tail_df = 1.5;          assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    q = p; q.multiplier = 0;         assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    q = p; q.buffer = -0.1;          assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    q = p; q.buffer = INFINITY;      assert_int_equal(mgn_dynamic_margin(r, 3, &q, NULL, &res), MGN_EINVAL);
    /* buffer_left stays in [0, buffer] although M / m - 1 rounds */
    for (int k = 0; k <= 255; k++) {
        q = p;
        q.buffer = k / 255.0;
        assert_int_equal(mgn_dynamic_margin(r, 1, &q, NULL, &res), MGN_OK);
        assert_true(res.buffer_left >= 0 && res.buffer_left <= q.buffer);
    }
    memset(&res, 0x11, sizeof res);
    double rr[3] = { 0.01, NAN, 0 };
    assert_int_equal(mgn_dynamic_margin(rr, 3, &p, NULL, &res), MGN_EINVAL);
    assert_memory_equal(&res, &r0, sizeof res);
    /* hostile sizes: squares of returns that overflow (the seed, the recursion with a
       given seed, the dynamic margin's sum of squares), a scan that overflows, and a
       count that cannot be followed by one more variance */
    double huge[3] = { 1e200, 1e200, 0 };
    v[0] = 9;
    assert_int_equal(mgn_ewma_variance(huge, 3, 0.94, -1, v), MGN_ERANGE);
    assert_int_equal(mgn_ewma_variance(huge, 3, 0.94, 1e-4, v), MGN_ERANGE);
    assert_true(v[0] == 9);      /* nothing written */
    assert_int_equal(mgn_ewma_variance(r, SIZE_MAX, 0.94, -1, v), MGN_ERANGE);
    assert_int_equal(mgn_dynamic_margin(huge, 3, &p, NULL, &res), MGN_ERANGE);
    double large[3] = { 1e150, -1e150, 1e150 };
    q = p; q.multiplier = 1e300;
    assert_int_equal(mgn_dynamic_margin(large, 3, &q, NULL, &res), MGN_ERANGE);
    assert_memory_equal(&res, &r0, sizeof res);
    assert_int_equal(mgn_sizeof_dynmargin_params(), sizeof(mgn_dynmargin_params));
    assert_int_equal(mgn_sizeof_dynmargin_result(), sizeof(mgn_dynmargin_result));
}

/*---------------------------------------------------------------- randomised accuracy */

/* Relative tolerance of every figure of mgn_ewma_variance and mgn_dynamic_margin against
   the long double reference below. Each EWMA step rounds two or three times, and the
   previous variance's relative error enters the next one weighted by
   lambda v_t / v_{t+1} <= 1: never amplified, damped by every non-zero return (lambda < 1),
   only carried through a run of zeros. So the error is the sum of the roundings over the
   recursion's memory, min(n, ~1 / (1 - lambda)) steps, of random sign: a few 1e-15 (the
   bound of one ulp per step, 3e-13 for 3000 days, is never approached), plus the seed's
   mean square (n positive terms, the same) and the quantile (~1e-15 where it is well
   conditioned; see test_dynamic_margin_random). The floor's RMS over at most 3000 squares,
   the max, the min and the buffer factor add a few roundings more. */
#define EW_TOL 1e-13

/* A standard normal deviate (Box-Muller). */
static double ew_gauss(mgn_test_rng *g)
{
    double u1 = 1 - mgn_test_uniform(g), u2 = mgn_test_uniform(g);
    return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
}

/* Daily returns r[0..n) in segments: calm, stress (3 to 30 times the calm volatility),
   runs of zero returns, quiet stretches (1e-8 to 1e-2 of it), with occasional jumps of
   5 to 1e4 times the segment's volatility, at a scale from 1e-50 to 1e50 (or a daily
   0.1% to 10%). Where the EWMA variance would decay towards the subnormal range (a
   long run of zeros with a small lambda), a calm day is drawn instead, so that every
   figure is a normal double and its relative error means something; now and then
   the whole series is zero (where a seed decaying as lambda^n stays normal). */
static void ew_draw_returns(mgn_test_rng *g, double *r, size_t n, double lambda)
{
    if (mgn_test_uniform(g) < 0.03 && (double)n * log(lambda) > -400) {
        memset(r, 0, n * sizeof *r);
        return;
    }
    double scale = mgn_test_uniform(g) < 0.6 ? mgn_test_logrange(g, 1e-3, 0.1)
                                              : mgn_test_logrange(g, 1e-50, 1e50);
    double v_est = scale * scale;   /* the EWMA variance, roughly */
    size_t t = 0;
    while (t < n) {
        size_t len = (size_t)mgn_test_logrange(g, 1, 600);
        double kind = mgn_test_uniform(g), vol;
        if (kind < 0.45)
            vol = scale * mgn_test_range(g, 0.5, 1.5);
        else if (kind < 0.7)
            vol = scale * mgn_test_logrange(g, 3, 30);
        else if (kind < 0.85)
            vol = 0;
        else
            vol = scale * mgn_test_logrange(g, 1e-8, 1e-2);
        double jump_rate = mgn_test_uniform(g) < 0.5 ? 0 : mgn_test_logrange(g, 1e-3, 0.1);
        for (size_t j = 0; j < len && t < n; j++, t++) {
            double v = lambda * v_est < 1e-250 ? scale : vol;
            r[t] = v * ew_gauss(g);
            if (v > 0 && mgn_test_uniform(g) < jump_rate)
                r[t] = v * (mgn_test_uniform(g) < 0.5 ? -1 : 1) * mgn_test_logrange(g, 5, 1e4);
            v_est = lambda * v_est + (1 - lambda) * r[t] * r[t];
        }
    }
}

/* Regularised incomplete beta I_x(a, b), x + y = 1 given as both x and y so that
   neither is formed by cancellation: the continued fraction of Numerical Recipes
   (3rd ed., 6.4) by the modified Lentz method, in long double. */
static long double ew_betainc(long double a, long double b, long double x, long double y)
{
    if (x <= 0)
        return 0;
    if (y <= 0)
        return 1;
    if (x > (a + 1) / (a + b + 2))
        return 1 - ew_betainc(b, a, y, x);
    const long double tiny = LDBL_MIN / LDBL_EPSILON;
    long double front = expl(a * logl(x) + b * logl(y) + lgammal(a + b) - lgammal(a)
                             - lgammal(b)) / a;
    long double c = 1, d = 1 - (a + b) * x / (a + 1);
    d = 1 / (fabsl(d) < tiny ? tiny : d);
    long double h = d;
    for (int m = 1; m <= 100000; m++) {
        long double m2 = 2.0L * m;
        long double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
        d = 1 + num * d;
        d = 1 / (fabsl(d) < tiny ? tiny : d);
        c = 1 + num / c;
        c = fabsl(c) < tiny ? tiny : c;
        h *= d * c;
        num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
        d = 1 + num * d;
        d = 1 / (fabsl(d) < tiny ? tiny : d);
        c = 1 + num / c;
        c = fabsl(c) < tiny ? tiny : c;
        long double step = d * c;
        h *= step;
        if (fabsl(step - 1) <= LDBL_EPSILON / 4)
            break;
    }
    return front * h;
}

/* For x >= 0, the probability of (0, x] (upper = 0) or of (x, inf) (upper = 1) under
   the standard normal (df == 0) or Student t with df degrees of freedom:
   normal: erf(x / sqrt 2) / 2 and erfc(x / sqrt 2) / 2; Student t (Abramowitz and
   Stegun 26.7.1 with 26.5.27): I_{x^2/(df+x^2)}(1/2, df/2) / 2 and
   I_{df/(df+x^2)}(df/2, 1/2) / 2. */
static long double ew_half_prob(long double x, double df, int upper)
{
    if (df == 0)
        return (upper ? erfcl(x / sqrtl(2)) : erfl(x / sqrtl(2))) / 2;
    long double nu = df, s = nu + x * x;
    return (upper ? ew_betainc(nu / 2, 0.5L, nu / s, x * x / s)
                  : ew_betainc(0.5L, nu / 2, x * x / s, nu / s)) / 2;
}

/* The header's q: Phi^-1(c), or t_df^-1(c) sqrt((df - 2) / df), by bisection on the
   long double probabilities above until the bracket cannot be halved. The target is
   c - 1/2 (the mass of (0, q]) for c < 0.75 and 1 - c (the tail beyond q) above, both
   exact in long double, so q keeps its relative accuracy next to 0.5 and next to 1.
   Independent of the library's quantiles (GSL's rational approximation for the
   normal; an initial guess refined by Newton steps on GSL's t CDF for Student t):
   only the textbook identities for the CDFs are shared.
   *ulp_move receives |dq / q| for a move of c by one ulp, 1 ulp(c) / (f(x) x) with f
   the density at the unscaled quantile x. */
static long double ew_quantile(double c, double df, double *ulp_move)
{
    int upper = c >= 0.75;
    long double target = upper ? 1 - (long double)c : (long double)c - 0.5L;
    long double lo = 0, hi = 1;
    while (upper ? ew_half_prob(hi, df, 1) > target : ew_half_prob(hi, df, 0) < target) {
        lo = hi;
        hi *= 2;
    }
    for (;;) {
        long double mid = (lo + hi) / 2;
        if (mid <= lo || mid >= hi)
            break;
        if (upper ? ew_half_prob(mid, df, 1) > target : ew_half_prob(mid, df, 0) < target)
            lo = mid;
        else
            hi = mid;
    }
    long double x = (lo + hi) / 2, nu = df, dens;
    if (df == 0)
        dens = expl(-x * x / 2) / sqrtl(2 * 3.14159265358979323846264338327950288L);
    else
        dens = expl(lgammal((nu + 1) / 2) - lgammal(nu / 2)
                    - logl(nu * 3.14159265358979323846264338327950288L) / 2
                    - (nu + 1) / 2 * log1pl(x * x / nu));
    *ulp_move = (double)((nextafter(c, 1) - c) / (dens * x));
    return df == 0 ? x : x * sqrtl((nu - 2) / nu);
}

/* The EWMA recursion of the header in long double: v[0] = seed (the mean square of r
   for a negative seed_var), v[t+1] = lambda v[t] + (1 - lambda) r_t^2. */
static void ew_ref_variance(const double *r, size_t n, double lambda, double seed_var,
                            long double *v)
{
    long double seed = seed_var;
    if (seed_var < 0) {
        seed = 0;
        for (size_t t = 0; t < n; t++)
            seed += (long double)r[t] * r[t];
        seed /= n;
    }
    v[0] = seed;
    for (size_t t = 0; t < n; t++)
        v[t + 1] = lambda * v[t] + (1 - (long double)lambda) * ((long double)r[t] * r[t]);
}

/* Today's figures of the header's dynamic margin, in long double. */
typedef struct {
    long double ewma_vol, long_vol, base, floor, m, M, buffer_left;
    int in_stress;
    int stress_unclear;   /* max(M_{n-2}, m) within rounding of (1 + buffer) m: skip the flag */
} ew_ref_result;

/* The header's definitions day by day: base_t from the EWMA, floor_t from the RMS of the
   last min(L, t+1) returns summed afresh every day, m_t, and the buffer recursion M_t
   (written to M[0..n)). v is scratch of n + 1 entries. */
static void ew_ref_dynamic(const double *r, size_t n, const mgn_dynmargin_params *p,
                           long double q, long double *v, long double *M, ew_ref_result *o)
{
    ew_ref_variance(r, n, p->lambda, p->seed_var, v);
    long double k = p->multiplier * q, sh = sqrtl(p->horizon_days);
    long double grow = 1 + (long double)p->buffer, prev = 0, lv = 0, base = 0, flo = 0, m = 0;
    long double held = 0, cap = 0;
    size_t L = p->floor_lookback;
    for (size_t t = 0; t < n; t++) {
        base = k * sqrtl(v[t + 1]) * sh;
        lv = 0;
        if (L > 0) {
            size_t cnt = t + 1 < L ? t + 1 : L;
            long double s = 0;
            for (size_t j = t + 1 - cnt; j <= t; j++)
                s += (long double)r[j] * r[j];
            lv = sqrtl(s / cnt);
        }
        flo = k * lv * sh;
        m = base > flo ? base : flo;
        cap = grow * m;
        held = t == 0 ? cap : (prev > m ? prev : m);
        M[t] = held < cap ? held : cap;
        prev = M[t];
    }
    o->ewma_vol = sqrtl(v[n]);
    o->long_vol = lv;
    o->base = base;
    o->floor = flo;
    o->m = m;
    o->M = prev;
    o->buffer_left = m > 0 ? prev / m - 1 : 0;
    o->in_stress = prev < cap;
    /* M_0 is (1 + buffer) m_0 and with buffer 0 the range is m itself: never in stress */
    o->stress_unclear = n > 1 && p->buffer > 0 && cap > 0
                        && fabsl(held - cap) <= 4 * EW_TOL * cap;
}

/* The worst figure of one case: |got - want| in units of its relative tolerance (a zero
   reference must be met exactly). */
typedef struct {
    double err, got;
    long double want;
    const char *name;
    size_t day;
} ew_worst;

static void ew_check(ew_worst *w, const char *name, size_t day, double got, long double want,
                     double rel_tol)
{
    double e = want == 0 ? (got == 0 ? 0 : INFINITY)
                         : (double)(fabsl(got - want) / (rel_tol * fabsl(want)));
    if (!(e <= w->err)) {
        w->err = e;
        w->got = got;
        w->want = want;
        w->name = name;
        w->day = day;
    }
}

static void ew_draw_params(mgn_test_rng *g, size_t n, mgn_dynmargin_params *p)
{
    static const double common_conf[] = { 0.95, 0.975, 0.99, 0.995, 0.999 };
    mgn_dynmargin_params_init(p);
    double u = mgn_test_uniform(g);
    p->lambda = u < 0.2 ? (u < 0.1 ? 0.94 : 0.97)
                : u < 0.6 ? mgn_test_range(g, 0.9, 0.999)
                : u < 0.85 ? mgn_test_range(g, 0.01, 0.9)
                : u < 0.95 ? 1 - mgn_test_logrange(g, 1e-6, 1e-3)
                           : mgn_test_logrange(g, 1e-6, 1e-2);
    /* seed_var: negative (any value) selects the mean square; else 0 or a drawn variance */
    u = mgn_test_uniform(g);
    p->seed_var = u < 0.3 ? -1 : u < 0.4 ? -mgn_test_logrange(g, 1e-300, 1e300)
                  : u < 0.5 ? 0 : mgn_test_logrange(g, 1e-6, 1e-1);  /* rescaled later */
    u = mgn_test_uniform(g);
    do {
        p->confidence = u < 0.4 ? common_conf[(int)(mgn_test_uniform(g) * 5)]
                        : u < 0.7 ? mgn_test_range(g, 0.5, 1)
                        : u < 0.85 ? 0.5 + mgn_test_logrange(g, 1e-8, 0.25)
                                   : 1 - mgn_test_logrange(g, 1e-12, 0.25);
    } while (!(p->confidence > 0.5 && p->confidence < 1));
    u = mgn_test_uniform(g);
    p->horizon_days = u < 0.4 ? (double)(1 + (int)(mgn_test_uniform(g) * 10))
                              : mgn_test_logrange(g, 1e-3, 1e3);
    u = mgn_test_uniform(g);
    p->tail_df = u < 0.5 ? 0 : u < 0.6 ? 2 + mgn_test_logrange(g, 1e-6, 1)
                 : u < 0.7 ? (double)(3 + (int)(mgn_test_uniform(g) * 48))
                           : 50 - mgn_test_range(g, 0, 48);
    p->multiplier = mgn_test_uniform(g) < 0.5 ? 1 : mgn_test_logrange(g, 1e-3, 1e3);
    u = mgn_test_uniform(g);
    p->buffer = u < 0.2 ? 0 : u < 0.35 ? 0.25 : u < 0.45 ? 1
                : u < 0.5 ? mgn_test_logrange(g, 1e-12, 1e-3) : mgn_test_uniform(g);
    /* the floor's look-back: none, one day, inside the series, the series, longer */
    u = mgn_test_uniform(g);
    p->floor_lookback = u < 0.15 ? 0 : u < 0.25 ? 1
                        : u < 0.5 ? 1 + (size_t)(mgn_test_uniform(g) * (double)n)
                        : u < 0.7 ? (size_t)mgn_test_logrange(g, 2, 40)
                        : u < 0.75 ? n
                        : u < 0.85 ? n + 1 + (size_t)mgn_test_logrange(g, 1, 3000)
                        : u < 0.95 ? 2520 : SIZE_MAX;
}

/* Random return series and parameters over the whole documented domain: every field
   of the result and every day of the scan series against the header's definitions
   in long double, and mgn_ewma_variance with both seed choices on the same series.
   The figures proportional to k (base, floor, m, M) may also move by what one ulp of the
   confidence moves the quantile: GSL's Student t quantile, which the library uses, is
   accurate to that and no better (up to 4e-6 relative at c = 1 - 1e-12, and 1e-9 at
   c = 0.5 + 1e-8, where one ulp of c moves q by as much); elsewhere the term is far
   below 1e-13. in_stress is compared on the last day unless max(M_{n-2}, m) is within
   4e-13 of (1 + buffer) m, where the rounding of either side decides the flag. */
static void test_dynamic_margin_random(void **state)
{
    (void)state;
    enum { NMAX = 3000 };
    mgn_test_rng g = { 0x9E3779B97F4A7C15ULL };
    /* static: a failing case leaves the test by longjmp, before any free */
    static double r[NMAX], scan[NMAX], var[NMAX + 1];
    static long double vref[NMAX + 1], Mref[NMAX];
    double worst = 0;
    long unclear = 0, stressed = 0;
    long iters = mgn_test_cases(200);
    for (long it = 0; it < iters; it++) {
        double u = mgn_test_uniform(&g);
        size_t n = u < 0.3 ? (size_t)mgn_test_logrange(&g, 1, 30)
                   : u < 0.7 ? (size_t)mgn_test_logrange(&g, 30, NMAX + 1)
                             : (size_t)mgn_test_range(&g, 1000, NMAX + 1);
        mgn_dynmargin_params p;
        ew_draw_params(&g, n, &p);
        ew_draw_returns(&g, r, n, p.lambda);
        double ms = 0;
        for (size_t t = 0; t < n; t++)
            ms += r[t] * r[t];
        ms = ms > 0 ? ms / (double)n : 1;
        if (p.seed_var > 0)   /* a seed from 1e-3 to 1e2 times the series' mean square */
            p.seed_var *= ms * 1e3;
        int with_series = mgn_test_uniform(&g) < 0.5;
        ew_worst w = { 0, 0, 0, "", 0 };

        /* mgn_ewma_variance, with this seed and with the other choice */
        double seeds[2] = { p.seed_var,
                            p.seed_var < 0 ? ms * mgn_test_logrange(&g, 1e-3, 1e2) : -1 };
        for (int s = 0; s < 2; s++) {
            assert_int_equal(mgn_ewma_variance(r, n, p.lambda, seeds[s], var), MGN_OK);
            ew_ref_variance(r, n, p.lambda, seeds[s], vref);
            for (size_t t = 0; t <= n; t++)
                ew_check(&w, s ? "variance[t] (other seed)" : "variance[t]", t, var[t], vref[t],
                         EW_TOL);
        }

        /* mgn_dynamic_margin */
        mgn_dynmargin_result res;
        assert_int_equal(mgn_dynamic_margin(r, n, &p, with_series ? scan : NULL, &res), MGN_OK);
        double q_ulp;
        long double q = ew_quantile(p.confidence, p.tail_df, &q_ulp);
        ew_ref_result ref;
        ew_ref_dynamic(r, n, &p, q, vref, Mref, &ref);
        double tol_k = EW_TOL + q_ulp;
        ew_check(&w, "ewma_vol", n - 1, res.ewma_vol, ref.ewma_vol, EW_TOL);
        ew_check(&w, "long_vol", n - 1, res.long_vol, ref.long_vol, EW_TOL);
        ew_check(&w, "base_scan", n - 1, res.base_scan, ref.base, tol_k);
        ew_check(&w, "floor_scan", n - 1, res.floor_scan, ref.floor, tol_k);
        ew_check(&w, "margin_scan", n - 1, res.margin_scan, ref.m, tol_k);
        ew_check(&w, "price_scan", n - 1, res.price_scan, ref.M, tol_k);
        /* buffer_left = M / m - 1 (k cancels): its error is relative to M / m */
        ew_check(&w, "1 + buffer_left", n - 1, 1 + res.buffer_left, 1 + ref.buffer_left, EW_TOL);
        if (with_series)
            for (size_t t = 0; t < n; t++)
                ew_check(&w, "scan_series[t]", t, scan[t], Mref[t], tol_k);
        if (!(w.err <= 1)) {
            print_error("case %ld: %s, day %zu = %.17g, expected %.17Lg (n %zu, lambda %.17g, "
                        "seed %.17g, c %.17g, h %.17g, df %.17g, mult %.17g, buffer %.17g, "
                        "L %zu)\n", it, w.name, w.day, w.got, w.want, n, p.lambda, p.seed_var,
                        p.confidence, p.horizon_days, p.tail_df, p.multiplier, p.buffer,
                        p.floor_lookback);
            fail();
        }
        worst = fmax(worst, w.err);
        if (with_series)
            assert_true(res.price_scan == scan[n - 1]);
        if (ref.stress_unclear)
            unclear++;
        else {
            if (res.in_stress != ref.in_stress) {
                print_error("case %ld: in_stress %d, expected %d (M %.17Lg, m %.17Lg, buffer "
                            "%.17g)\n", it, res.in_stress, ref.in_stress, ref.M, ref.m, p.buffer);
                fail();
            }
            stressed += ref.in_stress;
        }
    }
    print_message("%ld random return series (%ld ending in stress, %ld stress flags within "
                  "rounding not compared): worst %.3g of the tolerance\n", iters, stressed,
                  unclear, worst);
}

/*---------------------------------------------------------------- bad input catalogue */
/* Every argument of every function of this file with the bad values of the catalogue
   (tests/README.md, tests/bad_input.h). */
#include "bad_input.h"

enum { EW_N = 30 };

static int bad_call_dyn(const void *arg, void *ctx)
{
    const double *r = ctx;
    mgn_dynmargin_result out;
    double series[EW_N];
    bad_fill(&out, sizeof out);
    int st = mgn_dynamic_margin(r, EW_N, arg, series, &out);
    if (st != MGN_OK)
        BAD_UNTOUCHED(&out, sizeof out);
    return st;
}

static const bad_double BAD_DYN_DF[] = { BAD_NONFINITE, { "-1", -1 }, { "1", 1 }, { "2", 2 } };
static const bad_field BAD_DYN_FIELDS[] = {
    BAD_DFIELD(mgn_dynmargin_params, lambda, BAD_D_UNIT_OPEN),
    BAD_DFIELD(mgn_dynmargin_params, seed_var, BAD_D_FINITE),
    BAD_DFIELD(mgn_dynmargin_params, confidence, BAD_D_UNIT_OPEN),
    BAD_DFIELD(mgn_dynmargin_params, horizon_days, BAD_D_POSITIVE),
    BAD_DFIELD(mgn_dynmargin_params, tail_df, BAD_DYN_DF),
    BAD_DFIELD(mgn_dynmargin_params, multiplier, BAD_D_POSITIVE),
    BAD_DFIELD(mgn_dynmargin_params, buffer, BAD_D_NONNEG),
};

static void test_bad_input_ewma(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    double r[EW_N], v[EW_N + 1];
    for (int i = 0; i < EW_N; i++)
        r[i] = 0.01 * ((i * 7) % 9 - 4);
    /* mgn_ewma_variance */
    const char *fn = "mgn_ewma_variance";
#define EW_CALL(ret, n, lam, seed, out, want, arg, label)                               \
    do {                                                                                \
        bad_fill(v, sizeof v);                                                          \
        BAD_STATUS(fn, arg, label, want, mgn_ewma_variance(ret, n, lam, seed, out));    \
        BAD_UNTOUCHED(v, sizeof v);                                                     \
    } while (0)
    EW_CALL(NULL, EW_N, 0.94, -1, v, MGN_EINVAL, "returns", "NULL");
    for (size_t k = 0; k < BAD_N(BAD_D_FINITE); k++) {
        double r2[EW_N];
        memcpy(r2, r, sizeof r2);
        r2[EW_N - 2] = BAD_D_FINITE[k].v;
        EW_CALL(r2, EW_N, 0.94, -1, v, MGN_EINVAL, "returns[i]", BAD_D_FINITE[k].label);
        EW_CALL(r, EW_N, 0.94, BAD_D_FINITE[k].v, v, MGN_EINVAL, "seed_var", BAD_D_FINITE[k].label);
    }
    {   /* squares that overflow: the recursion is not finite (the output holds the partial recursion) */
        double r2[EW_N];
        memcpy(r2, r, sizeof r2);
        r2[5] = 1e200;
        BAD_STATUS(fn, "returns[i]", "1e200 (square overflows)", MGN_ERANGE, mgn_ewma_variance(r2, EW_N, 0.94, -1, v));
        BAD_STATUS(fn, "seed_var", "DBL_MAX with lambda 0.99 (stays finite)", MGN_OK,
                   mgn_ewma_variance(r, EW_N, 0.99, DBL_MAX, v));
    }
    EW_CALL(r, 0, 0.94, -1, v, MGN_EINVAL, "n", "0");
    EW_CALL(r, SIZE_MAX, 0.94, -1, v, MGN_ERANGE, "n", "SIZE_MAX (n + 1 outputs overflow)");
    EW_CALL(NULL, SIZE_MAX / 2, 0.94, -1, v, MGN_EINVAL, "n", "SIZE_MAX/2 (returns NULL)");
    EW_CALL(NULL, (size_t)INT_MAX + 1, 0.94, -1, v, MGN_EINVAL, "n", "INT_MAX+1 (returns NULL)");
    for (size_t k = 0; k < BAD_N(BAD_D_UNIT_OPEN); k++)
        EW_CALL(r, EW_N, BAD_D_UNIT_OPEN[k].v, -1, v, MGN_EINVAL, "lambda", BAD_D_UNIT_OPEN[k].label);
    BAD_STATUS(fn, "variance", "NULL", MGN_EINVAL, mgn_ewma_variance(r, EW_N, 0.94, -1, NULL));
#undef EW_CALL

    /* mgn_dynamic_margin */
    fn = "mgn_dynamic_margin";
    mgn_dynmargin_params p;
    assert_int_equal(mgn_dynmargin_params_init(&p), MGN_OK);
    p.tail_df = 5;
    p.floor_lookback = 10;
    bad_struct_fields(fn, "params->", &p, sizeof p, BAD_DYN_FIELDS, bad_call_dyn, r);
    static const bad_size bad_ss[] = { { "0", 0 }, { "sizeof - 8", sizeof(mgn_dynmargin_params) - 8 },
                                       { "sizeof + 8", sizeof(mgn_dynmargin_params) + 8 },
                                       { "SIZE_MAX", SIZE_MAX } };
    for (size_t k = 0; k < BAD_N(bad_ss); k++) {
        mgn_dynmargin_params q = p;
        q.struct_size = bad_ss[k].v;
        BAD_STATUS(fn, "params->struct_size", bad_ss[k].label, MGN_EINVAL, bad_call_dyn(&q, r));
    }
    {
        mgn_dynmargin_params q = p;
        q.floor_lookback = SIZE_MAX;
        BAD_STATUS_NOTE(fn, "params->floor_lookback", "SIZE_MAX", MGN_OK, "the whole series",
                        bad_call_dyn(&q, r));
    }
    mgn_dynmargin_result out;
    double series[EW_N];
#define DYN_CALL(ret, n, prm, out_p, want, arg, label)                                  \
    do {                                                                                \
        bad_fill(&out, sizeof out);                                                     \
        BAD_STATUS(fn, arg, label, want, mgn_dynamic_margin(ret, n, prm, series, out_p)); \
        BAD_UNTOUCHED(&out, sizeof out);                                                \
    } while (0)
    DYN_CALL(NULL, EW_N, &p, &out, MGN_EINVAL, "returns", "NULL");
    for (size_t k = 0; k < BAD_N(BAD_D_FINITE); k++) {
        double r2[EW_N];
        memcpy(r2, r, sizeof r2);
        r2[7] = BAD_D_FINITE[k].v;
        DYN_CALL(r2, EW_N, &p, &out, MGN_EINVAL, "returns[i]", BAD_D_FINITE[k].label);
    }
    {
        double r2[EW_N];
        memcpy(r2, r, sizeof r2);
        r2[7] = 1e200;
        DYN_CALL(r2, EW_N, &p, &out, MGN_ERANGE, "returns[i]", "1e200 (square overflows)");
    }
    DYN_CALL(r, 0, &p, &out, MGN_EINVAL, "n", "0");
    for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
        DYN_CALL(NULL, BAD_SIZES[s].v, &p, &out, MGN_EINVAL, "n", BAD_SIZES_NULL[s].label);
    DYN_CALL(r, EW_N, NULL, &out, MGN_EINVAL, "params", "NULL");
    BAD_STATUS(fn, "out", "NULL", MGN_EINVAL, mgn_dynamic_margin(r, EW_N, &p, series, NULL));
    BAD_STATUS_NOTE(fn, "scan_series", "NULL", MGN_OK, "optional output", mgn_dynamic_margin(r, EW_N, &p, NULL, &out));
#undef DYN_CALL
    BAD_STATUS("mgn_dynmargin_params_init", "params", "NULL", MGN_EINVAL, mgn_dynmargin_params_init(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ewma_recursion),
        cmocka_unit_test(test_dynamic_margin),
        cmocka_unit_test(test_dynamic_margin_random),
        cmocka_unit_test(test_floor_after_large_day),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_bad_input_ewma),
    };
    return cmocka_run_group_tests_name("ewma", tests, NULL, NULL);
}
