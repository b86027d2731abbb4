/* Tests of lib/var.c: mgn_var_es (order statistic, Acerbi-Tasche ES, weights) and
 * mgn_var_es_contrib (component and incremental VaR/ES).
 *
 * Independent references:
 *   - samples whose order statistics are known by construction (permutations of 1..N);
 *   - a brute-force reference (full sort, cumulative weights in long double) on random
 *     samples with ties, zero weights, negative and positive losses;
 *   - the exact-integer cases of MARGIN-MODEL.md section 6 (N = 100, 1000, 250 at 99%);
 *   - large normal and Student-t samples (GSL generator) against the analytic VaR and
 *     ES (GSL quantile functions), within a sampling error the test computes;
 *   - weighted samples against the same samples with each point duplicated;
 *   - components summing to the totals, incremental figures against direct removal.
 */
#include <float.h>
#include <stdlib.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "test_util.h"
#include "var.h"   /* mgn__run_chunks, internal */

/*---------------------------------------------------------------- reference */

typedef struct { double L, w; } lw;
static int cmp_desc(const void *a, const void *b)
{
    double x = ((const lw *)a)->L, y = ((const lw *)b)->L;
    return (x < y) - (x > y);
}

/* Brute force: sort losses descending, walk cumulative weight (long double) until it
   reaches a W (relative slack 1e-15 to mirror the documented tolerance on cases that
   are not at a boundary). */
static void ref_var_es(const double *pnl, const double *w, size_t n, double c, double *var,
                       double *es)
{
    lw *v = malloc(n * sizeof *v);
    long double W = 0;
    for (size_t i = 0; i < n; i++) {
        v[i].L = -pnl[i];
        v[i].w = w ? w[i] : 1.0;
        W += v[i].w;
    }
    qsort(v, n, sizeof *v, cmp_desc);
    long double a = 1.0L - (long double)c, target = a * W, cum = 0, s = 0;
    size_t k = 0;
    for (; k < n; k++) {
        if (v[k].w > 0 && cum + v[k].w >= target * (1 - 1e-15L))
            break;
        cum += v[k].w;
        s += (long double)v[k].w * v[k].L;
    }
    if (k == n) k = n - 1;
    *var = v[k].L;
    long double e = (s + (target - cum) * v[k].L) / target;
    *es = (double)e < *var ? *var : (double)e;
    free(v);
}

static void shuffle(double *x, size_t n, mgn_test_rng *g)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(mgn_test_uniform(g) * (double)i);
        double t = x[i - 1]; x[i - 1] = x[j]; x[j] = t;
    }
}

/*---------------------------------------------------------------- tests */

/* Losses are a permutation of 1..N: L_(k) = N - k + 1 exactly. */
static void test_permutation_known_order_statistic(void **state)
{
    (void)state;
    mgn_test_rng g = { 12345 };
    static const struct { size_t n; double c; size_t k; } cases[] = {
        { 100, 0.99, 1 }, { 1000, 0.99, 10 }, { 250, 0.99, 3 }, { 250, 0.975, 7 },
        { 10000, 0.999, 10 }, { 50, 0.99, 1 }, { 1000, 0.95, 50 }, { 500, 0.9, 50 },
        { 7, 0.5, 4 }, { 1, 0.99, 1 }, { 3, 0.01, 3 }, { 1000, 0.999, 1 },
    };
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        size_t n = cases[t].n;
        double *p = malloc(n * sizeof *p);
        for (size_t i = 0; i < n; i++)
            p[i] = -(double)(i + 1);
        shuffle(p, n, &g);
        double var = 0, es = 0;
        assert_int_equal(mgn_var_es(p, NULL, n, cases[t].c, &var, &es), MGN_OK);
        assert_true(var == (double)(n - cases[t].k + 1));
        /* ES: exact A-T with m = N a as a decimal (the intended value) */
        double m = (double)n * (1 - cases[t].c);
        if (fabs(m - nearbyint(m)) < 1e-9) m = nearbyint(m);
        double s = 0;
        for (size_t i = 1; i < cases[t].k; i++)
            s += (double)(n - i + 1);
        double want = (s + (m - (double)(cases[t].k - 1)) * var) / m;
        assert_close(es, want, 1e-13, 0);
        free(p);
    }
}

/* MARGIN-MODEL section 6: N = 250, c = 0.99 gives ES = (L1 + L2 + 0.5 L3) / 2.5. */
static void test_spec_examples(void **state)
{
    (void)state;
    double p[250];
    for (int i = 0; i < 250; i++) p[i] = 0.5 * i;   /* gains */
    p[17] = -10; p[100] = -7; p[200] = -5; p[3] = -4;
    double var, es;
    assert_int_equal(mgn_var_es(p, NULL, 250, 0.99, &var, &es), MGN_OK);
    assert_true(var == 5);
    assert_close(es, (10 + 7 + 0.5 * 5) / 2.5, 1e-15, 0);
    /* N = 100 at 99%: the single worst loss for both. */
    double q[100];
    for (int i = 0; i < 100; i++) q[i] = i;
    q[42] = -3; q[7] = -2;
    assert_int_equal(mgn_var_es(q, NULL, 100, 0.99, &var, &es), MGN_OK);
    assert_true(var == 3 && es == 3);
    /* same with equal explicit weights 0.01 (sum not exactly 1 in binary) and 1 */
    double w[100];
    for (int i = 0; i < 100; i++) w[i] = 0.01;
    assert_int_equal(mgn_var_es(q, w, 100, 0.99, &var, &es), MGN_OK);
    assert_true(var == 3);
    assert_close(es, 3, 1e-13, 0);
    for (int i = 0; i < 100; i++) w[i] = 1;
    assert_int_equal(mgn_var_es(q, w, 100, 0.99, &var, &es), MGN_OK);
    assert_true(var == 3);
    assert_close(es, 3, 1e-13, 0);
    /* N = 1000 at 99%: 10th worst */
    double *r = malloc(1000 * sizeof *r);
    for (int i = 0; i < 1000; i++) r[i] = -(double)i;     /* losses 0..999 */
    assert_int_equal(mgn_var_es(r, NULL, 1000, 0.99, &var, &es), MGN_OK);
    assert_true(var == 990);
    assert_close(es, 994.5, 1e-14, 0);
    free(r);
}

/* Random samples with ties, zero weights, both signs: against the brute force. */
static void test_vs_sort_random(void **state)
{
    (void)state;
    mgn_test_rng g = { 777 };
    for (long it = 0, iters = mgn_test_cases(400); it < iters; it++) {
        size_t n = 1 + (size_t)(mgn_test_uniform(&g) * (it < 200 ? 300 : 5000));
        double c = mgn_test_range(&g, 0.5, 0.999);
        double *p = malloc(n * sizeof *p), *w = malloc(n * sizeof *w);
        int ties = it % 3 == 0, weighted = it % 2 == 0;
        for (size_t i = 0; i < n; i++) {
            p[i] = mgn_test_range(&g, -1e3, 1e3) * (it % 5 == 0 ? 1e-200 : 1);
            if (ties) p[i] = nearbyint(p[i] / 50) * 50;
            w[i] = weighted ? (mgn_test_uniform(&g) < 0.2 ? 0 : mgn_test_range(&g, 0.1, 3)) : 1;
        }
        w[0] = 1;
        double var = NAN, es = NAN, rv, re;
        assert_int_equal(mgn_var_es(p, weighted ? w : NULL, n, c, &var, &es), MGN_OK);
        ref_var_es(p, weighted ? w : NULL, n, c, &rv, &re);
        assert_true(var == rv);
        assert_close(es, re, 1e-12, 1e-12 * fabs(rv));
        assert_true(es >= var);
        free(p);
        free(w);
    }
}

/* Large samples (> MGN__GATHER keys in deep bins, constant values, -0.0). */
static void test_large_and_degenerate(void **state)
{
    (void)state;
    size_t n = 300000;
    double *p = malloc(n * sizeof *p);
    mgn_test_rng g = { 99 };
    for (size_t i = 0; i < n; i++)
        p[i] = 100.0 + 1e-9 * floor(mgn_test_uniform(&g) * 1000);   /* dense near-ties */
    double var, es, rv, re;
    assert_int_equal(mgn_var_es(p, NULL, n, 0.99, &var, &es), MGN_OK);
    ref_var_es(p, NULL, n, 0.99, &rv, &re);
    assert_true(var == rv);
    /* 1e-12 as above: 3,000 tail values near 100 summed in a different order (under
       valgrind's emulation the two differ by 2e-14) */
    assert_close(es, re, 1e-12, 0);
    /* adversarial for the sample bracket: the sampled points (every (n/1024)-th) are
       all gains, every other point a loss, so the bracket misses the target */
    size_t stride = n / 1024;
    for (size_t i = 0; i < n; i++)
        p[i] = i % stride == 0 ? 1.0 : -1000.0 - (double)(i % 7919);
    assert_int_equal(mgn_var_es(p, NULL, n, 0.99, &var, &es), MGN_OK);
    ref_var_es(p, NULL, n, 0.99, &rv, &re);
    assert_true(var == rv);
    assert_close(es, re, 1e-14, 0);
    double *w = malloc(n * sizeof *w);
    for (size_t i = 0; i < n; i++) w[i] = i % stride == 0 ? 1000.0 : (i % 3 ? 0.0 : 1.0);
    assert_int_equal(mgn_var_es(p, w, n, 0.9, &var, &es), MGN_OK);
    ref_var_es(p, w, n, 0.9, &rv, &re);
    assert_true(var == rv);
    assert_close(es, re, 1e-13, 0);
    free(w);
    for (size_t i = 0; i < n; i++) p[i] = -(double)i;       /* sorted */
    assert_int_equal(mgn_var_es(p, NULL, n, 0.975, &var, &es), MGN_OK);
    assert_true(var == (double)(n - 7500));
    for (size_t i = 0; i < n; i++) p[i] = 5;               /* all equal */
    assert_int_equal(mgn_var_es(p, NULL, n, 0.99, &var, &es), MGN_OK);
    assert_true(var == -5 && es == -5);
    for (size_t i = 0; i < n; i++) p[i] = (i & 1) ? 0.0 : -0.0;
    assert_int_equal(mgn_var_es(p, NULL, n, 0.95, &var, &es), MGN_OK);
    assert_true(var == 0 && es == 0);
    free(p);
}

/* Integer weights against duplicated samples: identical VaR, ES to rounding. */
static void test_weighted_equals_duplicated(void **state)
{
    (void)state;
    mgn_test_rng g = { 4242 };
    for (int it = 0; it < 100; it++) {
        size_t n = 10 + (size_t)(mgn_test_uniform(&g) * 400), m = 0;
        double *p = malloc(n * sizeof *p), *w = malloc(n * sizeof *w), *d = malloc(4 * n * sizeof *d);
        for (size_t i = 0; i < n; i++) {
            p[i] = nearbyint(mgn_test_range(&g, -100, 100));
            w[i] = floor(mgn_test_uniform(&g) * 4);      /* 0..3 */
            for (int j = 0; j < (int)w[i]; j++) d[m++] = p[i];
        }
        if (m == 0) { w[0] = 1; d[m++] = p[0]; }
        static const double cs[] = { 0.9, 0.95, 0.975, 0.99, 0.5 };
        for (int k = 0; k < 5; k++) {
            double v1, e1, v2, e2;
            assert_int_equal(mgn_var_es(p, w, n, cs[k], &v1, &e1), MGN_OK);
            assert_int_equal(mgn_var_es(d, NULL, m, cs[k], &v2, &e2), MGN_OK);
            assert_true(v1 == v2);
            assert_close(e1, e2, 1e-13, 1e-13);
        }
        free(p); free(w); free(d);
    }
    /* exact boundary with integer weights: total 100, c = 0.99 -> the worst point */
    double p[3] = { -1, -2, 3 }, w[3] = { 1, 1, 98 }, v, e;
    assert_int_equal(mgn_var_es(p, w, 3, 0.99, &v, &e), MGN_OK);
    assert_true(v == 2 && e == 2);
}

/* Normal and Student-t samples vs analytic values, tolerance from sampling error. */
static void test_known_distributions(void **state)
{
    (void)state;
    const size_t n = 400000;
    double *p = malloc(n * sizeof *p);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 2024);
    static const double cs[] = { 0.95, 0.975, 0.99 };
    for (int dist = 0; dist < 2; dist++) {
        double nu = 5;
        for (size_t i = 0; i < n; i++)
            p[i] = 3.0 * (dist == 0 ? gsl_ran_gaussian(r, 1.0) : gsl_ran_tdist(r, nu)) + 1.0;
        for (int k = 0; k < 3; k++) {
            double c = cs[k], a = 1 - c, q, dens, es_std, var, es;
            if (dist == 0) {
                q = gsl_cdf_ugaussian_Pinv(c);
                dens = gsl_ran_ugaussian_pdf(q);
                es_std = dens / a;
            } else {
                q = gsl_cdf_tdist_Pinv(c, nu);
                dens = gsl_ran_tdist_pdf(q, nu);
                es_std = (nu + q * q) / (nu - 1) * dens / a;
            }
            double want_var = 3 * q - 1, want_es = 3 * es_std - 1;
            /* asymptotic sd of the sample quantile: sqrt(a(1-a)/n)/f(q); of the tail mean
               (Acerbi-Tasche estimator): sqrt((Var(L|tail) + (1-a)(ES-VaR)^2)/(n a)) */
            double se_var = 3 * sqrt(a * (1 - a) / (double)n) / dens;
            assert_int_equal(mgn_var_es(p, NULL, n, c, &var, &es), MGN_OK);
            double m2 = 0; size_t kk = 0;
            for (size_t i = 0; i < n; i++) if (-p[i] >= var) { m2 += (-p[i] - es) * (-p[i] - es); kk++; }
            double se_es = sqrt((m2 / (double)kk + (1 - a) * (es - var) * (es - var)) / ((double)n * a));
            assert_close(var, want_var, 0, 4.5 * se_var);
            assert_close(es, want_es, 0, 4.5 * se_es);
            assert_true(es >= var);
        }
    }
    gsl_rng_free(r);
    free(p);
}

/* The sample bracket misses the target the other way (the sampled points are all the
   losses, too few of them above the sample's guess), non-finite values and negative
   weights at points the sample does not visit. */
static void test_bracket_miss_and_unsampled(void **state)
{
    (void)state;
    size_t n = 100000, stride = n / 1024;
    double *p = malloc(n * sizeof *p), *w = malloc(n * sizeof *w);
    for (size_t i = 0; i < n; i++) {
        p[i] = i % stride == 0 ? -1.0 - (double)(i % 1000) : 1.0 + (double)(i % 13);
        w[i] = 1;
    }
    double var, es, rv, re;
    assert_int_equal(mgn_var_es(p, NULL, n, 0.99, &var, &es), MGN_OK);
    ref_var_es(p, NULL, n, 0.99, &rv, &re);
    assert_true(var == rv);
    assert_close(es, re, 1e-14, 0);
    assert_int_equal(mgn_var_es(p, w, n, 0.99, &var, &es), MGN_OK);
    assert_true(var == rv);
    assert_close(es, re, 1e-13, 0);
    /* n = 2000: the sample is the first 1024 points; index 1500 is checked later */
    var = 7;
    p[1500] = NAN;
    assert_int_equal(mgn_var_es(p, NULL, 2000, 0.99, &var, &es), MGN_EINVAL);
    p[1500] = 0;
    w[1500] = -1;
    assert_int_equal(mgn_var_es(p, w, 2000, 0.99, &var, &es), MGN_EINVAL);
    w[1500] = INFINITY;
    assert_int_equal(mgn_var_es(p, w, 2000, 0.99, &var, &es), MGN_EINVAL);
    assert_true(var == 7);
    free(p);
    free(w);
}

/* The chunk runner's edge cases: no chunk, and a thread count below 1 (run in the
   caller). */
static int count_chunk(void *ctx, size_t c)
{
    ((int *)ctx)[c]++;
    return c == 2 ? MGN_ENOCONV : MGN_OK;
}

static void test_run_chunks_edges(void **state)
{
    (void)state;
    int hits[4] = { 0, 0, 0, 0 };
    assert_int_equal(mgn__run_chunks(0, 2, count_chunk, hits), MGN_OK);
    assert_true(hits[0] == 0);
    assert_int_equal(mgn__run_chunks(4, 0, count_chunk, hits), MGN_ENOCONV);
    assert_true(hits[0] == 1 && hits[1] == 1 && hits[2] == 1 && hits[3] == 0);
}

static void test_bad_input(void **state)
{
    (void)state;
    double p[4] = { 1, -2, 3, -4 }, w[4] = { 1, 1, 1, 1 }, v = 123, e = 456;
    assert_int_equal(mgn_var_es(NULL, NULL, 4, 0.9, &v, &e), MGN_EINVAL);
    assert_int_equal(mgn_var_es(p, NULL, 4, 0.9, NULL, &e), MGN_EINVAL);
    assert_int_equal(mgn_var_es(p, NULL, 4, 0.9, &v, NULL), MGN_EINVAL);
    assert_int_equal(mgn_var_es(p, NULL, 0, 0.9, &v, &e), MGN_EINVAL);
    static const double badc[] = { 0, 1, -0.1, 1.1, NAN, INFINITY, -INFINITY };
    for (int i = 0; i < 7; i++)
        assert_int_equal(mgn_var_es(p, NULL, 4, badc[i], &v, &e), MGN_EINVAL);
    for (int i = 0; i < 3; i++) {
        double q[4] = { 1, -2, 3, -4 }, ww[4] = { 1, 1, 1, 1 };
        q[2] = mgn_test_nonfinite[i];
        assert_int_equal(mgn_var_es(q, NULL, 4, 0.9, &v, &e), MGN_EINVAL);
        ww[1] = mgn_test_nonfinite[i];
        assert_int_equal(mgn_var_es(p, ww, 4, 0.9, &v, &e), MGN_EINVAL);
    }
    w[2] = -1;
    assert_int_equal(mgn_var_es(p, w, 4, 0.9, &v, &e), MGN_EINVAL);
    double z[4] = { 0, 0, 0, 0 };
    assert_int_equal(mgn_var_es(p, z, 4, 0.9, &v, &e), MGN_EINVAL);
    double big[4] = { 1e308, 1e308, 1e308, 1 };
    assert_int_equal(mgn_var_es(p, big, 4, 0.9, &v, &e), MGN_ERANGE);
    double hp[4] = { -1e308, -1e308, -1e308, 0 };               /* tail sum overflows */
    assert_int_equal(mgn_var_es(hp, NULL, 4, 0.3, &v, &e), MGN_ERANGE);
    assert_true(v == 123 && e == 456);
    /* confidence extremes inside (0,1) are fine */
    assert_int_equal(mgn_var_es(p, NULL, 4, 1e-300, &v, &e), MGN_OK);
    assert_true(v == -3);             /* every point in the tail: the best outcome */
    assert_close(e, 0.5, 1e-15, 0);   /* mean loss */
    assert_int_equal(mgn_var_es(p, NULL, 4, 1 - 0x1p-53, &v, &e), MGN_OK);
    assert_true(v == 4 && e == 4);
}

/*---------------------------------------------------------------- components */

static void test_contrib(void **state)
{
    (void)state;
    mgn_test_rng g = { 31337 };
    for (int it = 0; it < 40; it++) {
        size_t ns = 50 + (size_t)(mgn_test_uniform(&g) * 2000), np = 1 + (size_t)(mgn_test_uniform(&g) * 12);
        double *m = malloc(ns * np * sizeof *m), *row = malloc(ns * sizeof *row), *w = malloc(ns * sizeof *w);
        for (size_t s = 0; s < ns; s++) {
            row[s] = 0;
            w[s] = mgn_test_range(&g, 0.5, 2);
            for (size_t p = 0; p < np; p++) {
                m[s * np + p] = mgn_test_range(&g, -10, 10) * (double)(p + 1);
                row[s] += m[s * np + p];
            }
        }
        const double *wp = it % 2 ? w : NULL;
        double c = it % 3 ? 0.99 : 0.9;
        size_t bytes;
        assert_int_equal(mgn_var_es_contrib_work_size(ns, np, &bytes), MGN_OK);
        void *work = malloc(bytes);
        double var, es, vc[16], ec[16], iv[16], ie[16];
        assert_int_equal(mgn_var_es_contrib(m, ns, np, wp, c, work, bytes, &var, &es, vc, ec, iv, ie), MGN_OK);
        double v0, e0;
        assert_int_equal(mgn_var_es(row, wp, ns, c, &v0, &e0), MGN_OK);
        assert_true(var == v0);
        assert_close(es, e0, 1e-13, 1e-13);
        double sv = 0, se = 0;
        for (size_t p = 0; p < np; p++) { sv += vc[p]; se += ec[p]; }
        assert_close(sv, var, 1e-12, 1e-12);
        assert_close(se, es, 1e-12, 1e-12);
        /* incremental: direct removal */
        for (size_t p = 0; p < np; p++) {
            double *r2 = malloc(ns * sizeof *r2), v2, e2;
            for (size_t s = 0; s < ns; s++) {
                r2[s] = 0;
                for (size_t q = 0; q < np; q++) if (q != p) r2[s] += m[s * np + q];
            }
            assert_int_equal(mgn_var_es(r2, wp, ns, c, &v2, &e2), MGN_OK);
            assert_close(iv[p], var - v2, 1e-9, 1e-9);
            assert_close(ie[p], es - e2, 1e-9, 1e-9);
            free(r2);
        }
        /* NULL outputs are skipped */
        assert_int_equal(mgn_var_es_contrib(m, ns, np, wp, c, work, bytes, &var, &es, NULL, NULL, NULL, NULL), MGN_OK);
        /* workspace */
        assert_int_equal(mgn_var_es_contrib(m, ns, np, wp, c, work, bytes - 1, &var, &es, vc, ec, iv, ie), MGN_ENOMEM);
        assert_int_equal(mgn_var_es_contrib(m, ns, np, wp, c, NULL, bytes, &var, &es, vc, ec, iv, ie), MGN_EINVAL);
        assert_int_equal(mgn_var_es_contrib(m, ns, np, wp, c, (char *)work + 1, bytes - 8, &var, &es, vc, ec, iv, ie), MGN_EINVAL);
        free(work); free(m); free(row); free(w);
    }
    /* A single scenario dominating the tail: components are that scenario's losses. */
    double m[4 * 2] = { 1, 1, -5, 2, 3, 3, 0, 0 }, vc[2], ec[2], var, es;
    double work[8];
    assert_int_equal(mgn_var_es_contrib(m, 4, 2, NULL, 0.75, work, sizeof work, &var, &es, vc, ec, NULL, NULL), MGN_OK);
    assert_true(var == 3 && es == 3);
    assert_true(vc[0] == 5 && vc[1] == -2 && ec[0] == 5 && ec[1] == -2);
}

/* Each position's Euler allocation against the header's formulas written out: the
   VaR from the sort (ref_var_es), the weight above and at it, theta, and the sums per
   position in long double. The P&L are integers (or integers times a power of 2) in
   half the draws, so that row sums are exact and ties at the VaR frequent (theta
   then splits the boundary scenarios' weight); otherwise real numbers. Tolerance:
   1e-13 of the largest |P&L| times the number of scenarios in the sums (their
   rounding in either order). */
static void test_contrib_random(void **state)
{
    (void)state;
    mgn_test_rng g = { 4242 };
    double worst = 0;
    long iters = mgn_test_cases(200);
    for (long it = 0; it < iters; it++) {
        size_t ns = 1 + (size_t)(mgn_test_uniform(&g) * (it % 4 == 0 ? 20 : 600));
        size_t np = 1 + (size_t)(mgn_test_uniform(&g) * 10);
        int ints = it % 2 == 0, weighted = mgn_test_uniform(&g) < 0.5;
        double scale = ldexp(1, (int)mgn_test_range(&g, -60, 60));
        double *m = malloc(ns * np * sizeof *m), *w = malloc(ns * sizeof *w);
        double *L = malloc(ns * sizeof *L), *row = malloc(ns * sizeof *row);
        assert_true(m && w && L && row);
        double maxabs = 0;
        for (size_t s = 0; s < ns; s++) {
            for (size_t p = 0; p < np; p++) {
                double x = ints ? nearbyint(mgn_test_range(&g, -4, 4)) : mgn_test_range(&g, -10, 10);
                m[s * np + p] = x * scale;
                maxabs = fmax(maxabs, fabs(m[s * np + p]));
            }
            w[s] = !weighted ? 1
                 : ints ? (double)(int)(mgn_test_uniform(&g) * 4)
                        : (mgn_test_uniform(&g) < 0.1 ? 0 : mgn_test_range(&g, 0.1, 3));
        }
        w[0] = weighted ? w[0] + 1 : 1;        /* a positive total weight */
        for (size_t s = 0; s < ns; s++) {      /* rows summed in index order, as documented */
            double r = 0;
            for (size_t p = 0; p < np; p++)
                r += m[s * np + p];
            row[s] = r;
            L[s] = -r;
        }
        double c = mgn_test_uniform(&g) < 0.5 ? 0.99 : mgn_test_range(&g, 0.5, 0.999);
        const double *wp = weighted ? w : NULL;
        size_t bytes;
        assert_int_equal(mgn_var_es_contrib_work_size(ns, np, &bytes), MGN_OK);
        void *work = malloc(bytes);
        double var, es, vc[10], ec[10];
        assert_int_equal(mgn_var_es_contrib(m, ns, np, wp, c, work, bytes, &var, &es, vc, ec,
                                            NULL, NULL), MGN_OK);
        double rv, re;
        ref_var_es(row, wp, ns, c, &rv, &re);
        assert_true(var == rv);
        long double W = 0, above = 0, at = 0;
        for (size_t s = 0; s < ns; s++) {
            W += w[s];
            if (L[s] > rv)
                above += w[s];
            else if (L[s] == rv)
                at += w[s];
        }
        long double aW = (1.0L - (long double)c) * W;
        long double theta = at > 0 ? (aW - above) / at : 0;
        double tol = 1e-13 * maxabs * (double)(ns + 1) + 1e-300;   /* all zero: exact */
        for (size_t p = 0; p < np; p++) {
            long double e = 0, v = 0;
            for (size_t s = 0; s < ns; s++) {
                long double l = -(long double)m[s * np + p];
                if (L[s] > rv)
                    e += w[s] * l;
                else if (L[s] == rv) {
                    e += theta * w[s] * l;
                    v += w[s] * l;
                }
            }
            double want_e = (double)(e / aW), want_v = at > 0 ? (double)(v / at) : NAN;
            double err = fmax(fabs(ec[p] - want_e), fabs(vc[p] - want_v)) / tol;
            worst = fmax(worst, err);
            if (!(err <= 1))
                print_error("case %ld position %zu: es %.17g (want %.17g), var %.17g (want "
                            "%.17g)\n", it, p, ec[p], want_e, vc[p], want_v);
            assert_true(err <= 1);
        }
        free(work); free(m); free(w); free(L); free(row);
    }
    print_message("%ld random matrices: worst %.3g of the tolerance\n", iters, worst);
}

static void test_contrib_bad_input(void **state)
{
    (void)state;
    double m[4] = { 1, 2, 3, 4 }, work[8], v = 7, e = 8, vc[2];
    size_t b;
    assert_int_equal(mgn_var_es_contrib_work_size(0, 2, &b), MGN_EINVAL);
    assert_int_equal(mgn_var_es_contrib_work_size(2, 0, &b), MGN_EINVAL);
    assert_int_equal(mgn_var_es_contrib_work_size(2, 2, NULL), MGN_EINVAL);
    assert_int_equal(mgn_var_es_contrib_work_size(SIZE_MAX / 4, 8, &b), MGN_ERANGE);
    assert_int_equal(mgn_var_es_contrib_work_size(SIZE_MAX / 8, 1, &b), MGN_ERANGE);
    assert_int_equal(mgn_var_es_contrib(NULL, 2, 2, NULL, 0.9, work, sizeof work, &v, &e, vc, NULL, NULL, NULL), MGN_EINVAL);
    assert_int_equal(mgn_var_es_contrib(m, 0, 2, NULL, 0.9, work, sizeof work, &v, &e, vc, NULL, NULL, NULL), MGN_EINVAL);
    assert_int_equal(mgn_var_es_contrib(m, 2, 0, NULL, 0.9, work, sizeof work, &v, &e, vc, NULL, NULL, NULL), MGN_EINVAL);
    assert_int_equal(mgn_var_es_contrib(m, 2, 2, NULL, NAN, work, sizeof work, &v, &e, vc, NULL, NULL, NULL), MGN_EINVAL);
    assert_int_equal(mgn_var_es_contrib(m, 2, 2, NULL, 0.9, work, sizeof work, NULL, &e, vc, NULL, NULL, NULL), MGN_EINVAL);
    assert_int_equal(mgn_var_es_contrib(m, 2, 2, NULL, 0.9, work, sizeof work, &v, NULL, vc, NULL, NULL, NULL), MGN_EINVAL);
    double wneg[2] = { 1, -1 };
    assert_int_equal(mgn_var_es_contrib(m, 2, 2, wneg, 0.9, work, sizeof work, &v, &e, vc, NULL, NULL, NULL), MGN_EINVAL);
    double mn[4] = { 1, NAN, 3, 4 };
    assert_int_equal(mgn_var_es_contrib(mn, 2, 2, NULL, 0.9, work, sizeof work, &v, &e, vc, NULL, NULL, NULL), MGN_EINVAL);
    double mo[4] = { 1e308, 1e308, 3, 4 };
    assert_int_equal(mgn_var_es_contrib(mo, 2, 2, NULL, 0.9, work, sizeof work, &v, &e, vc, NULL, NULL, NULL), MGN_ERANGE);
    double mi[4] = { 1e308, -1e308, 3, 4 };     /* tail sums of the incremental P&L overflow */
    assert_int_equal(mgn_var_es_contrib(mi, 2, 2, NULL, 0.9, work, sizeof work, &v, &e, vc, NULL, vc, NULL), MGN_ERANGE);
    double m3[6] = { 1e308, -1e308, 1e308, 3, 4, 5 };   /* total fine, total minus position 1 overflows */
    double vc3[3];
    assert_int_equal(mgn_var_es_contrib(m3, 2, 3, NULL, 0.9, work, sizeof work, &v, &e, NULL, NULL, vc3, NULL), MGN_ERANGE);
    /* a work size that overflows, refused before anything is read */
    assert_int_equal(mgn_var_es_contrib(m, SIZE_MAX / 4, 8, NULL, 0.9, work, sizeof work, &v, &e, NULL, NULL, NULL, NULL), MGN_ERANGE);
    assert_true(v == 7 && e == 8);
    /* var and es finite, but the tail weight factors sum past 1 in subnormal
       arithmetic and the ES allocation of DBL_MAX losses overflows */
    double mx[15], wx[15], big_work[32], ec[1] = { 9 };
    for (int i = 0; i < 15; i++) {
        mx[i] = DBL_MAX;
        wx[i] = i == 13 ? 4e-311 : i == 14 ? 8e-311 : 1e-310;
    }
    assert_int_equal(mgn_var_es_contrib(mx, 15, 1, wx, 0.4, big_work, sizeof big_work, &v, &e, NULL, ec, NULL, NULL), MGN_ERANGE);
    assert_true(v == 7 && e == 8 && ec[0] == 9);
    /* every P&L without a position finite and so its ES, but ES minus that ES
       overflows (-1.4e306 - 1.78e308) for the incremental ES of position 1 */
    double md[4] = { 1.7837033050190293e+308, -1.2349179406174805e+308,
                     -1.7835935808633956e+308, 1.7976931348623157e+308 };
    double wd[2] = { 3.3897917143510305e-311, 3.1137560082397389e-311 }, ie[2] = { 9, 9 };
    assert_int_equal(mgn_var_es_contrib(md, 2, 2, wd, 0.7122453650720989, big_work,
                                        sizeof big_work, &v, &e, NULL, NULL, NULL, ie),
                     MGN_ERANGE);
    assert_true(v == 7 && e == 8 && ie[0] == 9 && ie[1] == 9);
    assert_int_equal(mgn_sizeof_var_result(), sizeof(mgn_var_result));
}

/*---------------------------------------------------------------- bad input catalogue */
/* Every argument of every function of this file with the bad values of the catalogue
   (tests/README.md, tests/bad_input.h). */
#include "bad_input.h"

static void test_bad_input_var_es(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    const char *fn = "mgn_var_es";
    enum { N = 8 };
    const double good[N] = { -3, 1, 2, -7, 0.5, 4, -1, 2.5 };
    double pnl[N], w[N], var, es;
    for (int i = 0; i < N; i++)
        w[i] = 1 + i;
#define VAR_CALL(p, wt, n, c, pv, pe, want, arg, label)                              \
    do {                                                                            \
        bad_fill(&var, sizeof var);                                                 \
        bad_fill(&es, sizeof es);                                                   \
        BAD_STATUS(fn, arg, label, want, mgn_var_es(p, wt, n, c, pv, pe));          \
        BAD_UNTOUCHED(&var, sizeof var);                                            \
        BAD_UNTOUCHED(&es, sizeof es);                                              \
    } while (0)
    VAR_CALL(NULL, NULL, N, 0.9, &var, &es, MGN_EINVAL, "pnl", "NULL (n = 8)");
    for (size_t k = 0; k < BAD_N(BAD_D_FINITE); k++) {
        memcpy(pnl, good, sizeof pnl);
        pnl[5] = BAD_D_FINITE[k].v;
        VAR_CALL(pnl, NULL, N, 0.9, &var, &es, MGN_EINVAL, "pnl[i]", BAD_D_FINITE[k].label);
        VAR_CALL(pnl, w, N, 0.9, &var, &es, MGN_EINVAL, "pnl[i]", BAD_D_FINITE[k].label);
    }
    {   /* losses so large that the tail sum overflows: N a = 2.5 at c = 0.99, n = 250 */
        static double huge[250];
        for (int i = 0; i < 250; i++)
            huge[i] = -DBL_MAX;
        VAR_CALL(huge, NULL, 250, 0.99, &var, &es, MGN_ERANGE, "pnl[i]", "-DBL_MAX (every element, n = 250)");
    }
    memcpy(pnl, good, sizeof pnl);
    static const bad_double bad_w[] = { BAD_NONFINITE, { "-1", -1 }, { "-1e-300", -1e-300 } };
    for (size_t k = 0; k < BAD_N(bad_w); k++) {
        double w2[N];
        memcpy(w2, w, sizeof w2);
        w2[3] = bad_w[k].v;
        VAR_CALL(pnl, w2, N, 0.9, &var, &es, MGN_EINVAL, "weights[i]", bad_w[k].label);
    }
    {
        double z[N] = { 0 };
        VAR_CALL(pnl, z, N, 0.9, &var, &es, MGN_EINVAL, "weights", "all 0");
        double big[N];
        for (int i = 0; i < N; i++)
            big[i] = DBL_MAX;
        VAR_CALL(pnl, big, N, 0.9, &var, &es, MGN_ERANGE, "weights", "DBL_MAX each (sum overflows)");
    }
    VAR_CALL(pnl, NULL, 0, 0.9, &var, &es, MGN_EINVAL, "n", "0");
    for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
        VAR_CALL(NULL, NULL, BAD_SIZES[s].v, 0.9, &var, &es, MGN_EINVAL, "n", BAD_SIZES_NULL[s].label);
    for (size_t k = 0; k < BAD_N(BAD_D_UNIT_OPEN); k++)
        VAR_CALL(pnl, NULL, N, BAD_D_UNIT_OPEN[k].v, &var, &es, MGN_EINVAL, "confidence",
                 BAD_D_UNIT_OPEN[k].label);
    VAR_CALL(pnl, NULL, N, 0.9, NULL, &es, MGN_EINVAL, "var", "NULL");
    VAR_CALL(pnl, NULL, N, 0.9, &var, NULL, MGN_EINVAL, "es", "NULL");
#undef VAR_CALL
}

typedef struct {
    const double *pnl;
    size_t n_scen, n_pos;
    const double *weights;
    double confidence;
    void *work;
    size_t work_size;
    int null_var, null_es;
} bad_contrib_args;

static int bad_contrib_run(const bad_contrib_args *a)
{
    double var, es, vc[4], ec[4], iv[4], ie[4];
    bad_fill(&var, sizeof var);
    bad_fill(&es, sizeof es);
    bad_fill(vc, sizeof vc);
    bad_fill(ec, sizeof ec);
    bad_fill(iv, sizeof iv);
    bad_fill(ie, sizeof ie);
    int st = mgn_var_es_contrib(a->pnl, a->n_scen, a->n_pos, a->weights, a->confidence, a->work,
                                a->work_size, a->null_var ? NULL : &var, a->null_es ? NULL : &es,
                                vc, ec, iv, ie);
    if (st != MGN_OK) {
        BAD_UNTOUCHED(&var, sizeof var);
        BAD_UNTOUCHED(&es, sizeof es);
        BAD_UNTOUCHED(vc, sizeof vc);
        BAD_UNTOUCHED(ec, sizeof ec);
        BAD_UNTOUCHED(iv, sizeof iv);
        BAD_UNTOUCHED(ie, sizeof ie);
    }
    return st;
}

static void test_bad_input_var_contrib(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    const char *fn = "mgn_var_es_contrib";
    enum { NS = 6, NP = 3 };
    double pnl[NS * NP];
    for (int i = 0; i < NS * NP; i++)
        pnl[i] = (double)((i * 7) % 11) - 5;
    double w[NS] = { 1, 2, 1, 3, 1, 1 };
    static double work[64];
    size_t need;
    assert_int_equal(mgn_var_es_contrib_work_size(NS, NP, &need), MGN_OK);
    assert_true(need <= sizeof work);
    const bad_contrib_args good = { pnl, NS, NP, w, 0.8, work, sizeof work, 0, 0 };
    bad_contrib_args a = good;
    assert_int_equal(bad_contrib_run(&a), MGN_OK);
    a.pnl = NULL;
    BAD_STATUS(fn, "pnl", "NULL", MGN_EINVAL, bad_contrib_run(&a));
    for (size_t k = 0; k < BAD_N(BAD_D_FINITE); k++) {
        double p2[NS * NP];
        memcpy(p2, pnl, sizeof p2);
        p2[7] = BAD_D_FINITE[k].v;
        a = good;
        a.pnl = p2;
        BAD_STATUS(fn, "pnl[i]", BAD_D_FINITE[k].label, MGN_EINVAL, bad_contrib_run(&a));
    }
    {
        double p2[NS * NP];
        memcpy(p2, pnl, sizeof p2);
        p2[3] = p2[4] = DBL_MAX;              /* the row sum of scenario 1 overflows */
        a = good;
        a.pnl = p2;
        BAD_STATUS(fn, "pnl[i]", "DBL_MAX twice in a row (row sum overflows)", MGN_ERANGE, bad_contrib_run(&a));
    }
    a = good;
    a.n_scen = 0;
    BAD_STATUS(fn, "n_scen", "0", MGN_EINVAL, bad_contrib_run(&a));
    /* sizes that overflow are MGN_ERANGE; a workspace too small for a large n_scen is
       MGN_ENOMEM (both checked before pnl is read) */
    for (size_t s = 0; s < BAD_N(BAD_SIZES); s++) {
        a.n_scen = BAD_SIZES[s].v;
        int overflow = BAD_SIZES[s].v > SIZE_MAX / 16;
        BAD_STATUS(fn, "n_scen", overflow ? BAD_SIZES[s].label : "INT_MAX+1 (more than work holds)",
                   overflow ? MGN_ERANGE : MGN_ENOMEM, bad_contrib_run(&a));
    }
    a = good;
    a.n_pos = 0;
    BAD_STATUS(fn, "n_pos", "0", MGN_EINVAL, bad_contrib_run(&a));
    a.n_pos = SIZE_MAX;
    BAD_STATUS(fn, "n_pos", "SIZE_MAX", MGN_ERANGE, bad_contrib_run(&a));
    a.n_pos = SIZE_MAX / 2;
    BAD_STATUS(fn, "n_pos", "SIZE_MAX/2", MGN_ERANGE, bad_contrib_run(&a));
    a.n_pos = (size_t)INT_MAX + 1;
    a.pnl = NULL;
    BAD_STATUS(fn, "n_pos", "INT_MAX+1 (pnl NULL)", MGN_EINVAL, bad_contrib_run(&a));
    static const bad_double bad_w[] = { BAD_NONFINITE, { "-1", -1 } };
    for (size_t k = 0; k < BAD_N(bad_w); k++) {
        double w2[NS];
        memcpy(w2, w, sizeof w2);
        w2[2] = bad_w[k].v;
        a = good;
        a.weights = w2;
        BAD_STATUS(fn, "weights[i]", bad_w[k].label, MGN_EINVAL, bad_contrib_run(&a));
    }
    {
        double z[NS] = { 0 };
        a = good;
        a.weights = z;
        BAD_STATUS(fn, "weights", "all 0", MGN_EINVAL, bad_contrib_run(&a));
    }
    a = good;
    for (size_t k = 0; k < BAD_N(BAD_D_UNIT_OPEN); k++) {
        a.confidence = BAD_D_UNIT_OPEN[k].v;
        BAD_STATUS(fn, "confidence", BAD_D_UNIT_OPEN[k].label, MGN_EINVAL, bad_contrib_run(&a));
    }
    a = good;
    a.work = NULL;
    BAD_STATUS(fn, "work", "NULL", MGN_EINVAL, bad_contrib_run(&a));
    a.work = (char *)work + 4;
    BAD_STATUS(fn, "work", "misaligned (work + 4 bytes)", MGN_EINVAL, bad_contrib_run(&a));
    a = good;
    a.work_size = 0;
    BAD_STATUS(fn, "work_size", "0", MGN_ENOMEM, bad_contrib_run(&a));
    a.work_size = need - 1;
    BAD_STATUS(fn, "work_size", "need - 1", MGN_ENOMEM, bad_contrib_run(&a));
    a = good;
    a.null_var = 1;
    BAD_STATUS(fn, "var", "NULL", MGN_EINVAL, bad_contrib_run(&a));
    a = good;
    a.null_es = 1;
    BAD_STATUS(fn, "es", "NULL", MGN_EINVAL, bad_contrib_run(&a));
    double var, es;
    BAD_STATUS_NOTE(fn, "var_contrib, es_contrib, incr_var, incr_es", "NULL", MGN_OK, "optional outputs",
                    mgn_var_es_contrib(pnl, NS, NP, w, 0.8, work, sizeof work, &var, &es, NULL, NULL, NULL, NULL));

    /* the workspace size */
    fn = "mgn_var_es_contrib_work_size";
    size_t b;
    BAD_STATUS(fn, "bytes", "NULL", MGN_EINVAL, mgn_var_es_contrib_work_size(NS, NP, NULL));
    bad_fill(&b, sizeof b);
    BAD_STATUS(fn, "n_scen", "0", MGN_EINVAL, mgn_var_es_contrib_work_size(0, NP, &b));
    BAD_STATUS(fn, "n_pos", "0", MGN_EINVAL, mgn_var_es_contrib_work_size(NS, 0, &b));
    for (size_t s = 0; s < 2; s++) {     /* SIZE_MAX, SIZE_MAX/2: the sizes overflow */
        BAD_STATUS(fn, "n_scen", BAD_SIZES[s].label, MGN_ERANGE, mgn_var_es_contrib_work_size(BAD_SIZES[s].v, NP, &b));
        BAD_STATUS(fn, "n_pos", BAD_SIZES[s].label, MGN_ERANGE, mgn_var_es_contrib_work_size(NS, BAD_SIZES[s].v, &b));
    }
    BAD_UNTOUCHED(&b, sizeof b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_permutation_known_order_statistic),
        cmocka_unit_test(test_spec_examples),
        cmocka_unit_test(test_vs_sort_random),
        cmocka_unit_test(test_large_and_degenerate),
        cmocka_unit_test(test_weighted_equals_duplicated),
        cmocka_unit_test(test_known_distributions),
        cmocka_unit_test(test_bracket_miss_and_unsampled),
        cmocka_unit_test(test_run_chunks_edges),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_contrib),
        cmocka_unit_test(test_contrib_random),
        cmocka_unit_test(test_contrib_bad_input),
        cmocka_unit_test(test_bad_input_var_es),
        cmocka_unit_test(test_bad_input_var_contrib),
    };
    return cmocka_run_group_tests_name("var", tests, NULL, NULL);
}
