/* Tests of lib/backtest.c: Kupiec POF, Christoffersen independence and conditional
 * coverage, Basel traffic-light zones.
 *
 * Independent references (tests/data/var_backtest_published.csv, with sources):
 *   - MathWorks varbacktest's published cc/cci/pof example (1043 days, 95%);
 *   - a published Kupiec worked example (250 days, 99%, 3 exceptions);
 *   - the BCBS 1996 traffic-light table (zones and cumulative probabilities);
 *   - closed forms of the statistics for x = 0, and a direct binomial sum for the
 *     cumulative probability at other T and c;
 *   - random sequences, P&L / VaR arrays and (T, x, c) (test_backtest_random) against
 *     the header's definitions in long double, the chi-square tails in closed form and
 *     a long double binomial sum.
 */
#include <stdlib.h>
#include "test_util.h"

/* A series with the given transition counts, first day 0: n01 runs of exceptions,
   n11 of them extended by one more day; requires n10 == n01 (ends in 0). */
static int *series(size_t n, size_t n00, size_t n01, size_t n10, size_t n11)
{
    int *e = calloc(n, sizeof *e);
    size_t t = 1, runs = 0, ext = 0;
    (void)n10;
    /* zeros are spread: each run preceded by a block of zeros */
    size_t zeros_between = n01 ? n00 / n01 : n00;
    for (; runs < n01; runs++) {
        t += zeros_between;
        e[t++] = 1;
        if (ext < n11) { e[t++] = 1; ext++; }
        t++;    /* back to 0 */
    }
    assert_true(t <= n);
    return e;
}

static void test_published(void **state)
{
    (void)state;
    FILE *f = fopen("tests/data/var_backtest_published.csv", "r");
    assert_non_null(f);
    char line[1024];
    int n_series = 0, n_zone = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (strncmp(line, "zone,", 5) == 0) {
            unsigned long T, x;
            double c, cp;
            int z, zone = -1;
            assert_int_equal(sscanf(line + 5, "%lu,%lf,%lu,%d,%lf", &T, &c, &x, &z, &cp), 5);
            double cum = -1;
            assert_int_equal(mgn_backtest_zone(T, x, c, &zone, &cum), MGN_OK);
            assert_int_equal(zone, z);
            assert_close(100 * cum, cp, 0, 0.005 + 1e-9);
            n_zone++;
            continue;
        }
        unsigned long T, n00, n01, n10, n11;
        double c, v[6], tol;
        assert_int_equal(sscanf(line, "%lu,%lf,%lu,%lu,%lu,%lu,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &T, &c,
                                &n00, &n01, &n10, &n11, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tol), 13);
        int *e = series(T, n00, n01, n10, n11);
        mgn_backtest_result r;
        assert_int_equal(mgn_backtest(e, T, c, &r), MGN_OK);
        assert_int_equal(r.n00, n00);
        assert_int_equal(r.n01, n01);
        assert_int_equal(r.n10, n10);
        assert_int_equal(r.n11, n11);
        assert_int_equal(r.n_exceptions, n01 + n11);
        double got[6] = { r.lr_pof, r.p_pof, r.lr_ind, r.p_ind, r.lr_cc, r.p_cc };
        for (int k = 0; k < 6; k++)
            if (v[k] >= 0)
                assert_close(got[k], v[k], 0, tol);
        free(e);
        n_series++;
    }
    fclose(f);
    assert_int_equal(n_series, 1);
    assert_int_equal(n_zone, 5);
}

/* BCBS zones at 250 / 99% for every count, and the binomial rule elsewhere against a
   direct sum. */
static void test_zones(void **state)
{
    (void)state;
    for (size_t x = 0; x <= 250; x++) {
        int z;
        double cp;
        assert_int_equal(mgn_backtest_zone(250, x, 0.99, &z, &cp), MGN_OK);
        assert_int_equal(z, x <= 4 ? MGN_ZONE_GREEN : x <= 9 ? MGN_ZONE_YELLOW : MGN_ZONE_RED);
    }
    static const struct { size_t T; double c; } cs[] = { { 500, 0.95 }, { 1000, 0.99 }, { 250, 0.975 }, { 60, 0.9 } };
    for (int i = 0; i < 4; i++) {
        double p = 1 - cs[i].c, cum = 0;
        for (size_t x = 0; x <= cs[i].T; x++) {
            /* P(X = x) by lgamma */
            double lp = lgamma((double)cs[i].T + 1) - lgamma((double)x + 1) - lgamma((double)(cs[i].T - x) + 1)
                        + (double)x * log(p) + (double)(cs[i].T - x) * log1p(-p);
            cum += exp(lp);
            int z;
            double cp;
            assert_int_equal(mgn_backtest_zone(cs[i].T, x, cs[i].c, &z, &cp), MGN_OK);
            assert_close(cp, cum > 1 ? 1 : cum, 1e-9, 1e-12);
            if (fabs(cum - 0.95) > 1e-9 && fabs(cum - 0.9999) > 1e-9)
                assert_int_equal(z, cum < 0.95 ? 0 : cum < 0.9999 ? 1 : 2);
        }
    }
}

static void test_closed_forms(void **state)
{
    (void)state;
    int e[500] = { 0 };
    mgn_backtest_result r;
    assert_int_equal(mgn_backtest(e, 500, 0.99, &r), MGN_OK);
    assert_close(r.lr_pof, -2 * 500 * log(0.99), 1e-13, 0);
    assert_true(r.lr_ind == 0 && r.p_ind == 1);
    assert_int_equal(r.zone, MGN_ZONE_GREEN);
    /* 5 exceptions, isolated vs clustered: same POF, clustering raises LR_ind */
    for (int i = 0; i < 5; i++) e[50 + 90 * i] = 1;
    mgn_backtest_result iso, clu;
    assert_int_equal(mgn_backtest(e, 500, 0.99, &iso), MGN_OK);
    memset(e, 0, sizeof e);
    for (int i = 0; i < 5; i++) e[200 + i] = 1;
    assert_int_equal(mgn_backtest(e, 500, 0.99, &clu), MGN_OK);
    assert_close(iso.lr_pof, clu.lr_pof, 1e-15, 0);
    assert_close(iso.lr_pof, 0, 0, 1e-12);             /* x/T == p exactly: LR = 0 */
    assert_true(clu.lr_ind > 10 && clu.p_ind < 0.01);
    assert_true(iso.lr_ind < 0.2);
    assert_close(clu.lr_cc, clu.lr_pof + clu.lr_ind, 1e-15, 0);
    /* all exceptions: LR = -2 T ln p */
    for (int i = 0; i < 500; i++) e[i] = 1;
    assert_int_equal(mgn_backtest(e, 500, 0.99, &r), MGN_OK);
    assert_close(r.lr_pof, -2 * 500 * log(0.01), 1e-13, 0);
    assert_int_equal(r.zone, MGN_ZONE_RED);
    /* single observation */
    assert_int_equal(mgn_backtest(e, 1, 0.99, &r), MGN_OK);
    assert_int_equal(r.n00 + r.n01 + r.n10 + r.n11, 0);
    /* exceptions from P&L and VaR: strictly beyond */
    double pnl[4] = { -10, -5, 3, -5.0000001 }, var[4] = { 5, 5, 5, 5 };
    int ex[4] = { 9, 9, 9, 9 };
    assert_int_equal(mgn_backtest_exceptions(pnl, var, 4, ex), MGN_OK);
    assert_true(ex[0] == 1 && ex[1] == 0 && ex[2] == 0 && ex[3] == 1);
}

/* Exception counts that match the model exactly: the likelihood ratios are 0 up to
   rounding, never negative, and the p-values 1. x / T = p for the POF; equal
   transition frequencies pi0 = pi1 = pi for the independence test. */
static void test_exact_fit(void **state)
{
    (void)state;
    static int e[2000];
    const double confs[] = { 0.99, 0.95, 0.9, 0.975, 0.8, 0.75 };
    for (int ci = 0; ci < 6; ci++) {
        int every = (int)(1 / (1 - confs[ci]) + 0.5);   /* one exception in `every` days */
        for (int blocks = 1; blocks <= 20; blocks++) {
            int n = every * blocks;
            for (int t = 0; t < n; t++)
                e[t] = t % every == every - 1;
            mgn_backtest_result r;
            assert_int_equal(mgn_backtest(e, (size_t)n, confs[ci], &r), MGN_OK);
            assert_int_equal(r.n_exceptions, (size_t)blocks);
            assert_true(r.lr_pof >= 0 && r.lr_pof < 1e-9);
            assert_close(r.p_pof, 1, 1e-4, 0);
            assert_true(r.lr_ind >= 0 && r.lr_cc >= r.lr_pof);
        }
    }
    /* transitions n00 = 2, n01 = 1, n10 = 2, n11 = 1: pi0 = pi1 = 1/3, no dependence */
    int dep[7] = { 1, 0, 0, 0, 1, 1, 0 };
    mgn_backtest_result r;
    assert_int_equal(mgn_backtest(dep, 7, 0.5, &r), MGN_OK);
    assert_true(r.n00 == 2 && r.n01 == 1 && r.n10 == 2 && r.n11 == 1);
    assert_true(r.lr_ind >= 0 && r.lr_ind < 1e-12);
    assert_close(r.p_ind, 1, 1e-5, 0);
    /* blocks of exceptions as long as the gaps between them */
    for (int len = 1; len <= 6; len++)
        for (int reps = 2; reps <= 40; reps++) {
            int n = 2 * len * reps;
            for (int t = 0; t < n; t++)
                e[t] = (t / len) % 2;
            mgn_backtest_result r;
            assert_int_equal(mgn_backtest(e, (size_t)n, 0.5, &r), MGN_OK);
            assert_true(r.lr_pof >= 0 && r.lr_pof < 1e-9);
            assert_true(r.lr_ind >= 0);
            assert_int_equal(r.n00 + r.n01 + r.n10 + r.n11, (size_t)n - 1);
        }
}

static void test_bad_input(void **state)
{
    (void)state;
    int e[10] = { 0, 1, 0, 0, 0, 0, 0, 1, 0, 0 };
    mgn_backtest_result r;
    memset(&r, 0x5a, sizeof r);
    mgn_backtest_result r0 = r;
    assert_int_equal(mgn_backtest(NULL, 10, 0.99, &r), MGN_EINVAL);
    assert_int_equal(mgn_backtest(e, 10, 0.99, NULL), MGN_EINVAL);
    assert_int_equal(mgn_backtest(e, 0, 0.99, &r), MGN_EINVAL);
    /* more days than an unsigned int counts: refused before the array is read */
    assert_int_equal(mgn_backtest(e, (size_t)UINT32_MAX + 1, 0.99, &r), MGN_ERANGE);
    static const double badc[] = { 0, 1, -1, 2, NAN, INFINITY };
    for (int i = 0; i < 6; i++)
        assert_int_equal(mgn_backtest(e, 10, badc[i], &r), MGN_EINVAL);
    e[3] = 2;
    assert_int_equal(mgn_backtest(e, 10, 0.99, &r), MGN_EINVAL);
    e[3] = -1;
    assert_int_equal(mgn_backtest(e, 10, 0.99, &r), MGN_EINVAL);
    assert_memory_equal(&r, &r0, sizeof r);
    int z = 7;
    double cp = 8;
    assert_int_equal(mgn_backtest_zone(0, 0, 0.99, &z, &cp), MGN_EINVAL);
    assert_int_equal(mgn_backtest_zone(10, 11, 0.99, &z, &cp), MGN_EINVAL);
    assert_int_equal(mgn_backtest_zone(10, 1, 0.99, NULL, &cp), MGN_EINVAL);
    assert_int_equal(mgn_backtest_zone(10, 1, NAN, &z, &cp), MGN_EINVAL);
    assert_int_equal(mgn_backtest_zone((size_t)UINT32_MAX + 1, 1, 0.99, &z, &cp), MGN_ERANGE);
    assert_true(z == 7 && cp == 8);
    assert_int_equal(mgn_backtest_zone(10, 1, 0.99, &z, NULL), MGN_OK);
    double pnl[2] = { 1, NAN }, var[2] = { 1, 1 };
    int ex[2] = { 5, 5 };
    assert_int_equal(mgn_backtest_exceptions(pnl, var, 2, ex), MGN_EINVAL);
    pnl[1] = 0; var[0] = INFINITY;
    assert_int_equal(mgn_backtest_exceptions(pnl, var, 2, ex), MGN_EINVAL);
    assert_int_equal(mgn_backtest_exceptions(NULL, var, 2, ex), MGN_EINVAL);
    assert_int_equal(mgn_backtest_exceptions(pnl, NULL, 2, ex), MGN_EINVAL);
    assert_int_equal(mgn_backtest_exceptions(pnl, var, 2, NULL), MGN_EINVAL);
    assert_int_equal(mgn_backtest_exceptions(pnl, var, 0, ex), MGN_EINVAL);
    assert_true(ex[0] == 5 && ex[1] == 5);
    assert_int_equal(mgn_sizeof_backtest_result(), sizeof(mgn_backtest_result));
}

/* The documented limit of the cumulative probability: GSL's incomplete beta function
   does not converge for T of a few million with x near the mean (T = 2.5e6, c = 0.5,
   x = T / 2 here): MGN_ERANGE from the zone and from the whole backtest, nothing
   written. A smaller T at the same rate still works. */
static void test_zone_no_convergence(void **state)
{
    (void)state;
    enum { T = 2500000 };
    int z = 7;
    double cp = 8;
    assert_int_equal(mgn_backtest_zone(T, T / 2, 0.5, &z, &cp), MGN_ERANGE);
    assert_true(z == 7 && cp == 8);
    assert_int_equal(mgn_backtest_zone(1000, 500, 0.5, &z, &cp), MGN_OK);
    assert_int_equal(z, MGN_ZONE_GREEN);
    assert_close(cp, 0.5 + 0.5 * 0.02522501817836, 1e-9, 0);   /* (1 + P(X = 500)) / 2 */
    int *e = malloc(T * sizeof *e);
    assert_non_null(e);
    for (size_t t = 0; t < T; t++)
        e[t] = (int)(t % 2);
    mgn_backtest_result r;
    memset(&r, 0x5a, sizeof r);
    mgn_backtest_result r0 = r;
    assert_int_equal(mgn_backtest(e, T, 0.5, &r), MGN_ERANGE);
    assert_memory_equal(&r, &r0, sizeof r);
    free(e);
}

/*---------------------------------------------------------------- random accuracy scan */

/* Sum of the likelihood terms n ln q (0 ln q = 0, whatever q), in long double; *mag
   collects sum |n ln q| + n, the scale of their rounding error in double (see
   test_backtest_random). */
static long double ref_loglik(const long double *n, const long double *q, int terms,
                              long double *mag)
{
    long double s = 0;
    for (int k = 0; k < terms; k++)
        if (n[k] > 0) {
            long double t = n[k] * logl(q[k]);
            s += t;
            *mag += fabsl(t) + n[k];
        }
    return s;
}

/* P(X <= x) for X ~ Binomial(T, p), a long double sum of the pmf with its logarithm
   carried from ln P(X = 0) = T ln(1 - p) by ln P(X = k) / P(X = k - 1)
   = ln((T - k + 1) / k) + ln(p / (1 - p)): a relative error of ~k 1e-19 at term k. */
static long double ref_binomial_cdf(size_t T, size_t x, long double p)
{
    long double lp = (long double)T * log1pl(-p), odds = logl(p) - log1pl(-p);
    long double s = expl(lp);
    for (size_t k = 1; k <= x; k++) {
        lp += logl((long double)(T - k + 1) / (long double)k) + odds;
        s += expl(lp);
    }
    return s;
}

/* The tolerance of a cumulative binomial probability P(X <= x) from GSL
   (gsl_cdf_binomial_P, through the incomplete beta function I_{1-p}(T - x, x + 1)):
   its prefactor is the exponential of a sum of logarithms (ln Gamma of T + 1, x + 1,
   T - x; T ln p, T ln(1 - p) at most) of total size up to
   L = ln (T + 1)! + T (|ln p| + |ln(1 - p)|), each rounded to a relative u = 2^-53, so
   P carries a relative error of a few u L (up to 5.1 u L seen over 30,000 draws).
   Tolerance: 1e-14 + 2e-15 L (18 u L) relative, and 1e-300 (subnormal results). */
static long double cum_tol(size_t T, long double p, long double cum)
{
    long double L = lgammal((long double)T + 2) + (long double)T * (fabsl(logl(p))
                                                                  + fabsl(log1pl(-p)));
    return cum * (1e-14L + 2e-15L * L) + 1e-300L;
}

/* Confidences over the documented domain (0, 1): 0.95, 0.975, 0.99, 0.999 (40%),
   uniform in (0.5, 0.9999) (40%), 1 - 1e-8 to 1 - 1e-4 (10%), uniform in
   (0.001, 0.5) (10%). */
static double random_confidence(mgn_test_rng *g)
{
    static const double confs[] = { 0.95, 0.975, 0.99, 0.999 };
    double u = mgn_test_uniform(g);
    return u < 0.4 ? confs[(int)(u * 10)]
         : u < 0.8 ? mgn_test_range(g, 0.5, 0.9999)
         : u < 0.9 ? 1 - mgn_test_logrange(g, 1e-8, 1e-4) : mgn_test_range(g, 0.001, 0.5);
}

/* The zone of a cumulative probability, or -1 within band of a threshold (either
   neighbouring zone is then accepted). */
static int ref_zone(long double cum, long double band)
{
    if (fabsl(cum - 0.95L) <= band || fabsl(cum - 0.9999L) <= band)
        return -1;
    return cum < 0.95L ? MGN_ZONE_GREEN : cum < 0.9999L ? MGN_ZONE_YELLOW : MGN_ZONE_RED;
}

static int zone_ok(int zone, long double cum, long double band)
{
    int want = ref_zone(cum, band);
    if (want >= 0)
        return zone == want;
    return zone == (cum < 0.9L ? MGN_ZONE_GREEN : MGN_ZONE_YELLOW)
           || zone == (cum < 0.9L ? MGN_ZONE_YELLOW : MGN_ZONE_RED);
}

/* The chi-square upper tails in closed form: chi2(1) erfc(sqrt(x/2)), chi2(2) exp(-x/2). */
static long double ref_chi2_q(long double x, int df)
{
    if (x < 0)
        x = 0;
    return df == 1 ? erfcl(sqrtl(x / 2)) : expl(-x / 2);
}

/* A p-value's tolerance: its value over the LR's tolerance interval, 1e-12 of itself
   (GSL's gamma_inc_Q) and 1e-300 (results in the subnormal range). */
static long double p_tol(long double lr, long double lr_tol, int df)
{
    return ref_chi2_q(lr - lr_tol, df) - ref_chi2_q(lr + lr_tol, df)
           + 1e-12L * ref_chi2_q(lr, df) + 1e-300L;
}

/* Random exception sequences against the header's definitions written out in long
   double: transition counts by a plain loop; Kupiec's and Christoffersen's LRs with
   0 ln 0 = 0; p-values by the closed forms of the chi-square tails (ref_chi2_q); the
   traffic light's P(X <= x) by ref_binomial_cdf. Then mgn_backtest_exceptions on random
   P&L / VaR arrays and mgn_backtest_zone on random (T, x, c) up to T = 5000.
   Sequences (T = 1..2000, log-uniform): i.i.d. with a uniform rate, a rate of 1e-4 to
   0.5, or the model's p; two-state Markov chains (clustered when P(1 | 1) > P(1 | 0));
   all zeros; all ones; a single one; alternating. Confidences of random_confidence;
   p = 1 - c as a double (the library's and the definitions' p; exact for c >= 0.5).
   Tolerances: an LR is -2 (l0 - l1) with l0, l1 sums of up to 4 terms n ln q. In
   double each term is within ~2u |n ln q| (the log, the product; u = 2^-53) plus n u
   where q is an estimate count / count (its rounding moves ln q, log1p(-q) by
   u, u q / (1 - q), i.e. n u for either term), the sums and the difference add
   ~5u sum |n ln q|: |l0 - l1| is off by < 8u (sum |n ln q| + sum n) ~ 1e-15 mag.
   The LR near 0 (x / T near p, pi0 near pi1) is all cancellation, so the tolerance is
   1e-12 LR + 2e-15 mag; LR_cc that of both. The p-values: their range over the LR's
   tolerance interval (p_tol; near LR = 0 that is ~sqrt(2 tol / pi), the tail's slope
   being infinite there). cum_prob: cum_tol (the reference is good to ~1e-15 relative);
   the zone exact, but within cum_tol of 0.95 and 0.9999 (T = 1 at c = 0.95, T = 2 at
   c = 0.99 land on them) either neighbouring zone is accepted. */
static void test_backtest_random(void **state)
{
    (void)state;
    mgn_test_rng g = { 0x94D049BB133111EBULL };
    const long double R_LR = 1e-12L, A_LR = 2e-15L;
    static int e[2000];
    double worst = 0;
    long ambiguous = 0, iters = mgn_test_cases(2000);
    for (long it = 0; it < iters; it++) {
        size_t T = (size_t)mgn_test_logrange(&g, 1, 2001);
        if (T > 2000)
            T = 2000;
        double c = random_confidence(&g), p = 1 - c;
        int kind = (int)(mgn_test_uniform(&g) * 8);
        double rate = kind == 0 ? mgn_test_uniform(&g)
                    : kind == 1 ? mgn_test_logrange(&g, 1e-4, 0.5) : p;
        double p01 = mgn_test_logrange(&g, 1e-3, 0.5), p11 = mgn_test_uniform(&g);
        size_t one = (size_t)(mgn_test_uniform(&g) * (double)T);
        int first = mgn_test_uniform(&g) < 0.5;
        for (size_t t = 0; t < T; t++) {
            switch (kind) {
            case 3:     /* Markov chain */
                e[t] = t == 0 ? first : mgn_test_uniform(&g) < (e[t - 1] ? p11 : p01);
                break;
            case 4: e[t] = 0; break;
            case 5: e[t] = 1; break;
            case 6: e[t] = t == one; break;
            case 7: e[t] = (int)((t + (size_t)first) % 2); break;
            default: e[t] = mgn_test_uniform(&g) < rate; break;
            }
        }
        mgn_backtest_result r;
        assert_int_equal(mgn_backtest(e, T, c, &r), MGN_OK);

        size_t x = 0, cnt[2][2] = { { 0, 0 }, { 0, 0 } };
        for (size_t t = 0; t < T; t++) {
            x += (size_t)e[t];
            if (t > 0)
                cnt[e[t - 1]][e[t]]++;
        }
        assert_int_equal(r.n_obs, T);
        assert_int_equal(r.n_exceptions, x);
        assert_true(r.n00 == cnt[0][0] && r.n01 == cnt[0][1] && r.n10 == cnt[1][0]
                    && r.n11 == cnt[1][1]);

        /* Kupiec: l0 = (T-x) ln(1-p) + x ln p, l1 the same at p = x/T */
        long double LT = (long double)T, X = (long double)x, pl = p, ph = X / LT;
        long double mag_pof = 0, mag_ind = 0;
        long double n_pof[2] = { LT - X, X };
        long double q0[2] = { 1 - pl, pl }, q1[2] = { 1 - ph, ph };
        long double lr_pof = -2 * (ref_loglik(n_pof, q0, 2, &mag_pof)
                                   - ref_loglik(n_pof, q1, 2, &mag_pof));
        /* Christoffersen: pi0 = n01/(n00+n01), pi1 = n11/(n10+n11), pi = (n01+n11)/(T-1) */
        long double n00 = (long double)cnt[0][0], n01 = (long double)cnt[0][1];
        long double n10 = (long double)cnt[1][0], n11 = (long double)cnt[1][1];
        long double pi0 = n00 + n01 > 0 ? n01 / (n00 + n01) : 0;
        long double pi1 = n10 + n11 > 0 ? n11 / (n10 + n11) : 0;
        long double pi = T > 1 ? (n01 + n11) / (LT - 1) : 0;
        long double m0[2] = { n00 + n10, n01 + n11 }, r0[2] = { 1 - pi, pi };
        long double m1[4] = { n00, n01, n10, n11 }, r1[4] = { 1 - pi0, pi0, 1 - pi1, pi1 };
        long double lr_ind = -2 * (ref_loglik(m0, r0, 2, &mag_ind)
                                   - ref_loglik(m1, r1, 4, &mag_ind));
        long double tol_pof = R_LR * lr_pof + A_LR * mag_pof;
        long double tol_ind = R_LR * lr_ind + A_LR * mag_ind;
        worst = fmax(worst, mgn_test_frac(r.lr_pof, lr_pof, tol_pof, "LR_pof", it));
        worst = fmax(worst, mgn_test_frac(r.lr_ind, lr_ind, tol_ind, "LR_ind", it));
        worst = fmax(worst, mgn_test_frac(r.lr_cc, lr_pof + lr_ind, tol_pof + tol_ind, "LR_cc",
                                          it));
        worst = fmax(worst, mgn_test_frac(r.p_pof, ref_chi2_q(lr_pof, 1),
                                          p_tol(lr_pof, tol_pof, 1), "p_pof", it));
        worst = fmax(worst, mgn_test_frac(r.p_ind, ref_chi2_q(lr_ind, 1),
                                          p_tol(lr_ind, tol_ind, 1), "p_ind", it));
        worst = fmax(worst, mgn_test_frac(r.p_cc, ref_chi2_q(lr_pof + lr_ind, 2),
                                          p_tol(lr_pof + lr_ind, tol_pof + tol_ind, 2), "p_cc",
                                          it));
        long double cum = ref_binomial_cdf(T, x, pl), tol_cum = cum_tol(T, pl, cum);
        worst = fmax(worst, mgn_test_frac(r.cum_prob, cum, tol_cum, "cum_prob", it));
        ambiguous += ref_zone(cum, tol_cum) < 0;
        if (!zone_ok(r.zone, cum, tol_cum)) {
            print_error("case %ld: zone %d for P(X <= %zu) = %.17Lg (T = %zu, c = %.17g)\n", it,
                        r.zone, x, cum, T, c);
            fail();
        }
    }

    /* mgn_backtest_exceptions: a loss strictly beyond the VaR, -pnl > var; a loss equal
       to it (ties, +-0 included) is no exception. P&L and VaR of random sign and size
       (1e-300 to 1e300, subnormals, 0 and -0), and P&L at, one ulp inside and one ulp
       beyond -VaR. */
    long n_days = 0;
    for (long it = 0, iters2 = mgn_test_cases(300); it < iters2; it++) {
        enum { ND = 200 };
        double pnl[ND], var[ND];
        int exc[ND];
        size_t n = 1 + (size_t)(mgn_test_uniform(&g) * ND);
        for (size_t t = 0; t < n; t++) {
            double u = mgn_test_uniform(&g);
            double sv = mgn_test_uniform(&g) < 0.8 ? 1 : -1;
            double sp = mgn_test_uniform(&g) < 0.5 ? 1 : -1;
            var[t] = u < 0.05 ? 0 : u < 0.1 ? sv * 0x1p-1070 * mgn_test_range(&g, 1, 16)
                   : sv * mgn_test_logrange(&g, 1e-300, 1e300);
            double k = mgn_test_uniform(&g);
            pnl[t] = k < 0.2 ? -var[t]
                   : k < 0.3 ? nextafter(-var[t], -INFINITY)
                   : k < 0.4 ? nextafter(-var[t], INFINITY)
                   : k < 0.45 ? (mgn_test_uniform(&g) < 0.5 ? 0.0 : -0.0)
                   : sp * fabs(var[t]) * mgn_test_logrange(&g, 1e-3, 1e3);
            exc[t] = 7;
        }
        assert_int_equal(mgn_backtest_exceptions(pnl, var, n, exc), MGN_OK);
        for (size_t t = 0; t < n; t++) {
            int want = -(long double)pnl[t] > (long double)var[t];
            if (exc[t] != want) {
                print_error("day %zu: pnl %.17g var %.17g: exception %d, expected %d\n", t,
                            pnl[t], var[t], exc[t], want);
                fail();
            }
        }
        n_days += (long)n;
    }

    /* mgn_backtest_zone: T up to 5000 (log-uniform), x uniform in 0..T or within 3 of
       the binomial's 95% or 99.99% quantile (normal approximation) */
    long n_zone = 0;
    for (long it = 0, iters3 = mgn_test_cases(1000); it < iters3; it++) {
        size_t T = (size_t)mgn_test_logrange(&g, 1, 5001), x;
        if (T > 5000)
            T = 5000;
        double c = random_confidence(&g), p = 1 - c, u = mgn_test_uniform(&g);
        if (u < 0.4) {
            x = (size_t)(mgn_test_uniform(&g) * (double)(T + 1));
        } else {
            double zq = u < 0.7 ? 1.6448536269514722 : 3.7190164854556804;
            double q = (double)T * p + zq * sqrt((double)T * p * (1 - p));
            q = floor(q + mgn_test_range(&g, -3, 4));
            x = q < 0 ? 0 : q > (double)T ? T : (size_t)q;
        }
        if (x > T)
            x = T;
        int zone = -1;
        double cp = -1;
        assert_int_equal(mgn_backtest_zone(T, x, c, &zone, &cp), MGN_OK);
        long double cum = ref_binomial_cdf(T, x, p), tol_cum = cum_tol(T, p, cum);
        worst = fmax(worst, mgn_test_frac(cp, cum, tol_cum, "zone cum_prob", it));
        ambiguous += ref_zone(cum, tol_cum) < 0;
        if (!zone_ok(zone, cum, tol_cum)) {
            print_error("zone case %ld: zone %d for P(X <= %zu) = %.17Lg (T = %zu, c = %.17g)\n",
                        it, zone, x, cum, T, c);
            fail();
        }
        n_zone++;
    }
    print_message("%ld random backtests, %ld days of exceptions, %ld zones (%ld within rounding "
                  "of a zone's threshold): worst %.3g of the tolerance\n", iters, n_days, n_zone,
                  ambiguous, worst);
}

/*---------------------------------------------------------------- bad input catalogue */
/* Every argument of every function of this file with the bad values of the catalogue
   (tests/README.md, tests/bad_input.h). */
#include "bad_input.h"

static void test_bad_input_backtest(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    enum { N = 10 };
    const double pnl[N] = { 1, -2, 3, -5, 0.5, -0.1, 2, -3, 1, -1 };
    const double var[N] = { 2, 2, 2, 2, 2, 2, 2, 2, 2, 2 };
    int exc[N];
    /* mgn_backtest_exceptions */
    const char *fn = "mgn_backtest_exceptions";
#define EXC_CALL(p, v, n, e, arg, label)                                              \
    do {                                                                              \
        bad_fill(exc, sizeof exc);                                                    \
        BAD_STATUS(fn, arg, label, MGN_EINVAL, mgn_backtest_exceptions(p, v, n, e));  \
        BAD_UNTOUCHED(exc, sizeof exc);                                               \
    } while (0)
    EXC_CALL(NULL, var, N, exc, "pnl", "NULL");
    EXC_CALL(pnl, NULL, N, exc, "var", "NULL");
    BAD_STATUS(fn, "exceptions", "NULL", MGN_EINVAL, mgn_backtest_exceptions(pnl, var, N, NULL));
    EXC_CALL(pnl, var, 0, exc, "n", "0");
    for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
        EXC_CALL(NULL, NULL, BAD_SIZES[s].v, exc, "n", BAD_SIZES_NULL[s].label);
    for (size_t k = 0; k < BAD_N(BAD_D_FINITE); k++) {
        double p2[N], v2[N];
        memcpy(p2, pnl, sizeof p2);
        memcpy(v2, var, sizeof v2);
        p2[N - 1] = BAD_D_FINITE[k].v;
        v2[3] = BAD_D_FINITE[k].v;
        EXC_CALL(p2, var, N, exc, "pnl[i]", BAD_D_FINITE[k].label);
        EXC_CALL(pnl, v2, N, exc, "var[i]", BAD_D_FINITE[k].label);
    }
#undef EXC_CALL
    /* mgn_backtest */
    fn = "mgn_backtest";
    assert_int_equal(mgn_backtest_exceptions(pnl, var, N, exc), MGN_OK);
    mgn_backtest_result r;
#define BT_CALL(e, n, c, o, want, arg, label)                               \
    do {                                                                    \
        bad_fill(&r, sizeof r);                                             \
        BAD_STATUS(fn, arg, label, want, mgn_backtest(e, n, c, o));         \
        BAD_UNTOUCHED(&r, sizeof r);                                        \
    } while (0)
    BT_CALL(NULL, N, 0.99, &r, MGN_EINVAL, "exceptions", "NULL");
    static const bad_int bad_e[] = { { "2", 2 }, { "-1", -1 }, { "INT_MAX", INT_MAX }, { "INT_MIN", INT_MIN } };
    for (size_t k = 0; k < BAD_N(bad_e); k++) {
        int e2[N];
        memcpy(e2, exc, sizeof e2);
        e2[4] = bad_e[k].v;
        BT_CALL(e2, N, 0.99, &r, MGN_EINVAL, "exceptions[i]", bad_e[k].label);
    }
    BT_CALL(exc, 0, 0.99, &r, MGN_EINVAL, "n", "0");
    BT_CALL(exc, SIZE_MAX, 0.99, &r, MGN_ERANGE, "n", "SIZE_MAX (> UINT_MAX)");
    BT_CALL(exc, SIZE_MAX / 2, 0.99, &r, MGN_ERANGE, "n", "SIZE_MAX/2 (> UINT_MAX)");
    BT_CALL(NULL, (size_t)INT_MAX + 1, 0.99, &r, MGN_EINVAL, "n", "INT_MAX+1 (exceptions NULL)");
    for (size_t k = 0; k < BAD_N(BAD_D_UNIT_OPEN); k++)
        BT_CALL(exc, N, BAD_D_UNIT_OPEN[k].v, &r, MGN_EINVAL, "confidence", BAD_D_UNIT_OPEN[k].label);
    BAD_STATUS(fn, "out", "NULL", MGN_EINVAL, mgn_backtest(exc, N, 0.99, NULL));
#undef BT_CALL
    /* mgn_backtest_zone */
    fn = "mgn_backtest_zone";
    int zone;
    double cp;
#define ZONE_CALL(no, ne, c, z, want, arg, label)                                   \
    do {                                                                            \
        bad_fill(&zone, sizeof zone);                                               \
        bad_fill(&cp, sizeof cp);                                                   \
        BAD_STATUS(fn, arg, label, want, mgn_backtest_zone(no, ne, c, z, &cp));     \
        BAD_UNTOUCHED(&zone, sizeof zone);                                          \
        BAD_UNTOUCHED(&cp, sizeof cp);                                              \
    } while (0)
    ZONE_CALL(0, 0, 0.99, &zone, MGN_EINVAL, "n_obs", "0");
    ZONE_CALL(SIZE_MAX, 3, 0.99, &zone, MGN_ERANGE, "n_obs", "SIZE_MAX (> UINT_MAX)");
    ZONE_CALL(SIZE_MAX / 2, 3, 0.99, &zone, MGN_ERANGE, "n_obs", "SIZE_MAX/2 (> UINT_MAX)");
    ZONE_CALL(250, 251, 0.99, &zone, MGN_EINVAL, "n_exceptions", "n_obs + 1");
    ZONE_CALL(250, SIZE_MAX, 0.99, &zone, MGN_EINVAL, "n_exceptions", "SIZE_MAX");
    for (size_t k = 0; k < BAD_N(BAD_D_UNIT_OPEN); k++)
        ZONE_CALL(250, 3, BAD_D_UNIT_OPEN[k].v, &zone, MGN_EINVAL, "confidence", BAD_D_UNIT_OPEN[k].label);
    ZONE_CALL(250, 3, 0.99, NULL, MGN_EINVAL, "zone", "NULL");
    BAD_STATUS_NOTE(fn, "cum_prob", "NULL", MGN_OK, "optional output", mgn_backtest_zone(250, 3, 0.99, &zone, NULL));
#undef ZONE_CALL
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published),
        cmocka_unit_test(test_zones),
        cmocka_unit_test(test_closed_forms),
        cmocka_unit_test(test_exact_fit),
        cmocka_unit_test(test_backtest_random),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_zone_no_convergence),
        cmocka_unit_test(test_bad_input_backtest),
    };
    return cmocka_run_group_tests_name("backtest", tests, NULL, NULL);
}
