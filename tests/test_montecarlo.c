/* Tests of lib/montecarlo.c.
 *
 * Independent references: for one long linear position the loss is a monotone
 * function of the log return, so VaR and ES are closed forms of the normal /
 * Student-t quantiles (GSL): VaR = qS (1 - e^{-s z}), ES = qS (1 - e^{s^2/2}
 * Phi(-z - s) / a) for the normal; the delta-normal VaR (lib/parametric.c) of a
 * two-asset linear book with small volatility; the reported standard error against
 * the asymptotic order-statistic formula; bit-identity across runs and thread counts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "margin_ref.h"

static mgn_position perp(int u, double q)
{
    mgn_position p;
    memset(&p, 0, sizeof p);
    p.instrument = MGN_PERPETUAL; p.underlying = u; p.settlement = MGN_LINEAR;
    p.quantity = q; p.multiplier = 1; p.entry_price = 100;
    return p;
}

static void *mc_ws(size_t nm, const mgn_mc_params *p, size_t *b)
{
    assert_int_equal(mgn_var_montecarlo_work_size(nm, p, b), MGN_OK);
    return malloc(*b);
}

static void test_single_linear_closed_form(void **state)
{
    (void)state;
    mgn_market m = { 2000, 0.02, 0 };
    mgn_position p = perp(0, 3);
    double s = 0.05, cov = s * s;
    for (int variant = 0; variant < 4; variant++) {
        mgn_mc_params mp;
        mgn_mc_params_init(&mp);
        mp.n_paths = 200000;
        mp.seed = 1234 + variant;
        mp.antithetic = variant & 1;
        mp.df = variant >= 2 ? 5 : 0;
        size_t b;
        void *w = mc_ws(1, &mp, &b);
        mgn_var_result r;
        assert_int_equal(mgn_var_montecarlo(&m, 1, &p, 1, &cov, &mp, w, b, &r), MGN_OK);
        double a = 0.01, qs = 3 * 2000, vref, eref = NAN;
        if (mp.df == 0) {
            double z = gsl_cdf_ugaussian_Pinv(0.99);
            vref = qs * -expm1(-s * z);
            eref = qs * (1 - exp(s * s / 2) * gsl_cdf_ugaussian_P(-z - s) / a);
        } else {
            double sc = s * sqrt(3.0 / 5.0);
            vref = qs * -expm1(-sc * gsl_cdf_tdist_Pinv(0.99, 5));
        }
        assert_true(r.var_se > 0 && r.es_se > 0);
        assert_close(r.var, vref, 0, 4.5 * r.var_se);
        if (!isnan(eref)) assert_close(r.es, eref, 0, 4.5 * r.es_se);
        /* SE against the asymptotic order-statistic formula (factor 2) */
        if (mp.df == 0 && !mp.antithetic) {
            double z = gsl_cdf_ugaussian_Pinv(0.99), dens = gsl_ran_ugaussian_pdf(z) / (qs * s * exp(-s * z));
            double se = sqrt(a * (1 - a) / (double)mp.n_paths) / dens;
            assert_true(r.var_se > se / 2 && r.var_se < se * 2);
        }
        /* the P&L vector is left at the start of the workspace */
        double v2, e2;
        assert_int_equal(mgn_var_es((double *)w, NULL, mp.n_paths, 0.99, &v2, &e2), MGN_OK);
        assert_true(v2 == r.var && e2 == r.es);
        if (mp.antithetic) {               /* pairs (x, -x): P&L pair sums are qS(e^x + e^-x - 2) >= 0 */
            const double *pl = (const double *)w;
            for (size_t i = 0; i < 1000; i += 2) assert_true(pl[i] + pl[i + 1] >= -1e-9);
        }
        free(w);
    }
}

static void test_delta_normal_linear_book(void **state)
{
    (void)state;
    mgn_market mk[2] = { { 100, 0, 0 }, { 40, 0, 0 } };
    mgn_position ps[2] = { perp(0, 10), perp(1, -15) };
    double s1 = 0.002, s2 = 0.003, rho = 0.6;
    double cov[4] = { s1 * s1, rho * s1 * s2, rho * s1 * s2, s2 * s2 };
    mgn_mc_params mp;
    mgn_mc_params_init(&mp);
    mp.n_paths = 200000;
    mp.seed = 99;
    mp.dt = 0;
    size_t b;
    void *w = mc_ws(2, &mp, &b);
    mgn_var_result r;
    assert_int_equal(mgn_var_montecarlo(mk, 2, ps, 2, cov, &mp, w, b, &r), MGN_OK);
    double d[2] = { 10 * 100, -15 * 40 }, v, e;
    assert_int_equal(mgn_var_delta_normal(d, cov, 2, 0.99, &v, &e), MGN_OK);
    /* nonlinearity of e^x - 1 at 2.3 sigma of 0.3%: < 0.5% of VaR */
    assert_close(r.var, v, 0.005, 4.5 * r.var_se);
    assert_close(r.es, e, 0.005, 4.5 * r.es_se);
    free(w);
}

static void test_determinism_threads(void **state)
{
    (void)state;
    mgn_market mk[2] = { { 60000, 0.04, 0 }, { 3000, 0.04, 0 } };
    mgn_position ps[30];
    mgn_test_rng g = { 3 };
    for (int i = 0; i < 30; i++) {
        memset(&ps[i], 0, sizeof ps[i]);
        ps[i].instrument = MGN_OPTION; ps[i].underlying = i % 2; ps[i].option_type = i % 3 == 0;
        ps[i].settlement = i % 4 == 0 ? MGN_INVERSE : MGN_LINEAR;
        ps[i].quantity = mgn_test_range(&g, -3, 3); ps[i].multiplier = 1;
        ps[i].strike = mk[i % 2].spot * mgn_test_range(&g, 0.8, 1.2);
        ps[i].expiry = mgn_test_range(&g, 0.05, 1); ps[i].vol = mgn_test_range(&g, 0.4, 0.9);
    }
    double cov[4] = { 0.0016, 0.0012, 0.0012, 0.0025 };
    mgn_mc_params mp;
    mgn_mc_params_init(&mp);
    mp.n_paths = 5000;
    mp.seed = 0xdeadbeefcafeULL;
    mp.df = 4;
    mp.antithetic = 1;
    size_t b;
    void *w1 = mc_ws(2, &mp, &b), *w2 = malloc(b);
    mgn_var_result r1, r2, r3;
    assert_int_equal(mgn_var_montecarlo(mk, 2, ps, 30, cov, &mp, w1, b, &r1), MGN_OK);
    mp.threads = 2;
    assert_int_equal(mgn_var_montecarlo(mk, 2, ps, 30, cov, &mp, w2, b, &r2), MGN_OK);
    assert_memory_equal(&r1, &r2, sizeof r1);
    assert_memory_equal(w1, w2, mp.n_paths * sizeof(double));
    mp.threads = 1;
    assert_int_equal(mgn_var_montecarlo(mk, 2, ps, 30, cov, &mp, w2, b, &r3), MGN_OK);
    assert_memory_equal(&r1, &r3, sizeof r1);
    mp.seed++;
    assert_int_equal(mgn_var_montecarlo(mk, 2, ps, 30, cov, &mp, w2, b, &r3), MGN_OK);
    assert_true(r3.var != r1.var);
    mp.currency = 0;                         /* coin-denominated */
    assert_int_equal(mgn_var_montecarlo(mk, 2, ps, 30, cov, &mp, w2, b, &r3), MGN_OK);
    mp.n_batches = 0;
    assert_int_equal(mgn_var_montecarlo(mk, 2, ps, 30, cov, &mp, w2, b, &r3), MGN_OK);
    assert_true(r3.var_se == 0 && r3.es_se == 0);
    free(w1); free(w2);
}

/* Large P&L: a long perpetual of q x 100 with 10% volatility loses about a quarter
   of that in the worst 1% of 1000 paths. Scaled by q = 1e199 (losses of 1e200, whose
   squares overflow) every figure, the standard errors included, scales with q; with
   q = 1.5e306 the nine losses beyond the VaR sum past DBL_MAX: the ES overflows. */
static void test_large_pnl(void **state)
{
    (void)state;
    mgn_market m = { 100, 0, 0 };
    double cov = 0.01;
    mgn_mc_params mp;
    mgn_mc_params_init(&mp);
    mp.n_paths = 1000;
    size_t b;
    void *w = mc_ws(1, &mp, &b);
    mgn_var_result r1, rq, keep;
    mgn_position p = perp(0, 1);
    assert_int_equal(mgn_var_montecarlo(&m, 1, &p, 1, &cov, &mp, w, b, &r1), MGN_OK);
    assert_true(r1.var_se > 0 && r1.es_se > 0);
    p = perp(0, 1e199);
    assert_int_equal(mgn_var_montecarlo(&m, 1, &p, 1, &cov, &mp, w, b, &rq), MGN_OK);
    assert_close(rq.var, 1e199 * r1.var, 1e-12, 0);
    assert_close(rq.es, 1e199 * r1.es, 1e-12, 0);
    assert_close(rq.var_se, 1e199 * r1.var_se, 1e-9, 0);
    assert_close(rq.es_se, 1e199 * r1.es_se, 1e-9, 0);
    memset(&keep, 0x5b, sizeof keep);
    rq = keep;
    p = perp(0, 1.5e306);
    assert_int_equal(mgn_var_montecarlo(&m, 1, &p, 1, &cov, &mp, w, b, &rq), MGN_ERANGE);
    assert_memory_equal(&rq, &keep, sizeof rq);
    /* no position: every P&L 0, standard errors 0 */
    assert_int_equal(mgn_var_montecarlo(&m, 1, NULL, 0, &cov, &mp, w, b, &rq), MGN_OK);
    assert_true(rq.var == 0 && rq.es == 0 && rq.var_se == 0 && rq.es_se == 0);
    /* a path count whose work size overflows */
    mp.n_paths = SIZE_MAX / 4;
    assert_int_equal(mgn_var_montecarlo(&m, 1, &p, 1, &cov, &mp, w, b, &rq), MGN_ERANGE);
    free(w);
}

/* Random books, covariances and parameters against the simulation redone in the test
   from the header's description: the same generator, seed and draw order (per path or
   antithetic pair: the n_mkt normals, then W), GSL's Cholesky factor instead of the
   library's, every position repriced from scratch in every path (tests/margin_ref.h),
   the batches cut as documented. Tolerance of a path's P&L: 1e-12 of the sum of its
   positions' sizes (the pricers' absolute accuracy, as in test_scenario.c) plus what
   the factors' rounding moves the shocks by (about 1e-15 relative of x, times the
   size); VaR and ES are order statistics and weighted means of them, so they move
   by no more than the largest path difference; a batch-means error by at most twice
   that. */
static void test_paths_random(void **state)
{
    (void)state;
    mgn_test_rng g = { 0x6d6f6e7465ULL };
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    double worst = 0;
    long iters = mgn_test_cases(40), paths_checked = 0;
    for (long it = 0; it < iters; it++) {
        int n_mkt = 1 + (int)(4 * mgn_test_uniform(&g));
        mgn_market mk[4];
        for (int u = 0; u < n_mkt; u++)
            mk[u] = (mgn_market){ mgn_test_logrange(&g, 1, 1e5), mgn_test_range(&g, -0.02, 0.15),
                                  mgn_test_range(&g, -0.05, 0.2) };
        /* covariance: random correlations (B B' plus a ridge, unit diagonal) times
           horizon volatilities from 0.5% to 50% */
        double B[16], R[16], sd[4], cov[16];
        for (int k = 0; k < n_mkt * n_mkt; k++)
            B[k] = mgn_test_range(&g, -1, 1);
        for (int i = 0; i < n_mkt; i++) {
            sd[i] = mgn_test_logrange(&g, 0.005, 0.5);
            for (int j = 0; j < n_mkt; j++) {
                double d = i == j ? 0.1 : 0;
                for (int k = 0; k < n_mkt; k++)
                    d += B[i * n_mkt + k] * B[j * n_mkt + k];
                R[i * n_mkt + j] = d;
            }
        }
        for (int i = 0; i < n_mkt; i++)
            for (int j = 0; j < n_mkt; j++)
                cov[i * n_mkt + j] = sd[i] * sd[j] * (R[i * n_mkt + j]
                                                      / sqrt(R[i * n_mkt + i] * R[j * n_mkt + j]));
        size_t n_pos = 1 + (size_t)(6 * mgn_test_uniform(&g));
        mgn_position pos[6];
        ref_random_book(&g, mk, n_mkt, pos, n_pos, 1);

        mgn_mc_params mp;
        assert_int_equal(mgn_mc_params_init(&mp), MGN_OK);
        mp.antithetic = mgn_test_uniform(&g) < 0.5;
        mp.n_paths = 2 + (size_t)(400 * mgn_test_uniform(&g));
        if (mp.antithetic)
            mp.n_paths &= ~(size_t)1;
        mp.seed = (uint64_t)(mgn_test_uniform(&g) * 0x1p53) << 11 ^ (uint64_t)it;
        mp.df = mgn_test_uniform(&g) < 0.5 ? 0 : mgn_test_logrange(&g, 2.05, 50);
        mp.dt = mgn_test_uniform(&g) < 0.3 ? 0 : mgn_test_logrange(&g, 1e-4, 0.05);
        mp.confidence = mgn_test_uniform(&g) < 0.5 ? 0.99 : mgn_test_range(&g, 0.8, 0.999);
        mp.threads = 1 + (mgn_test_uniform(&g) < 0.3);
        mp.currency = mgn_test_uniform(&g) < 0.7 ? MGN_QUOTE : (int)(n_mkt * mgn_test_uniform(&g));
        size_t unit = mp.antithetic ? 2 : 1, units = mp.n_paths / unit;
        mp.n_batches = (int)(mgn_test_uniform(&g) * (double)(units < 25 ? units + 1 : 25));
        size_t bytes;
        assert_int_equal(mgn_var_montecarlo_work_size((size_t)n_mkt, &mp, &bytes), MGN_OK);
        void *work = malloc(bytes);
        assert_non_null(work);
        mgn_var_result r;
        assert_int_equal(mgn_var_montecarlo(mk, (size_t)n_mkt, pos, n_pos, cov, &mp, work, bytes,
                                            &r), MGN_OK);
        const double *lib_pnl = (const double *)work;

        /* the paths again */
        double Lf[16];
        memcpy(Lf, cov, sizeof(double) * (size_t)(n_mkt * n_mkt));
        gsl_matrix_view Lv = gsl_matrix_view_array(Lf, (size_t)n_mkt, (size_t)n_mkt);
        assert_int_equal(gsl_linalg_cholesky_decomp1(&Lv.matrix), 0);
        gsl_rng_set(rng, (unsigned long)((uint32_t)mp.seed ^ (uint32_t)(mp.seed >> 32)));
        double *pnl = malloc(mp.n_paths * sizeof *pnl);
        assert_non_null(pnl);
        double tol_max = 0;
        for (size_t i = 0; i < mp.n_paths; i += unit) {
            double z[4], x[4], scale = 1;
            for (int k = 0; k < n_mkt; k++)
                z[k] = gsl_ran_gaussian_ziggurat(rng, 1.0);
            if (mp.df > 0) {
                double W = gsl_ran_chisq(rng, mp.df);
                scale = W > 0 ? sqrt((mp.df - 2) / W) : 1e300;
            }
            for (int u = 0; u < n_mkt; u++) {
                x[u] = 0;
                for (int k = 0; k <= u; k++)
                    x[u] += gsl_matrix_get(&Lv.matrix, (size_t)u, (size_t)k) * z[k];
                x[u] *= scale;
            }
            for (size_t a = 0; a < unit; a++) {
                double dS[4], tol = 0, sum = 0;
                for (int u = 0; u < n_mkt; u++) {
                    double xa = a ? -x[u] : x[u];
                    dS[u] = expm1(xa > 30 ? 30 : xa < -30 ? -30 : xa);
                }
                double conv = mp.currency == MGN_QUOTE
                                  ? 1 : mk[mp.currency].spot * (1 + dS[mp.currency]);
                for (size_t k = 0; k < n_pos; k++) {
                    const mgn_position *p = &pos[k];
                    const mgn_market *m = &mk[p->underlying];
                    double S1 = m->spot * (1 + dS[p->underlying]);
                    sum += ref_pnl_quote(p, m, dS[p->underlying], 0, mp.dt) / conv;
                    double xr = fabs(log1p(dS[p->underlying]));
                    tol += (1e-12 + 4e-15 * (1 + xr)) * ref_position_size(p, m, S1, conv);
                }
                pnl[i + a] = sum;
                tol_max = fmax(tol_max, tol);
                double e = fabs(lib_pnl[i + a] - sum) / tol;
                worst = fmax(worst, e);
                if (!(e <= 1))
                    print_error("book %ld path %zu: %.17g, brute force %.17g\n", it, i + a,
                                lib_pnl[i + a], sum);
                assert_true(e <= 1);
            }
        }
        paths_checked += (long)mp.n_paths;
        double v, es;
        assert_int_equal(mgn_var_es(pnl, NULL, mp.n_paths, mp.confidence, &v, &es), MGN_OK);
        assert_close(r.var, v, 0, tol_max);
        assert_close(r.es, es, 0, tol_max);
        assert_true(r.var_current == r.var && r.es_current == r.es);
        assert_true(r.var_stressed == 0 && r.es_stressed == 0);
        assert_true(r.n_scenarios == mp.n_paths);
        /* batch means: batch b holds units floor(b U / B) .. floor((b + 1) U / B) - 1 */
        int nb = mp.n_batches;
        if (nb >= 2) {
            double sv = 0, sv2 = 0, se = 0, se2 = 0;
            for (int b = 0; b < nb; b++) {
                size_t u0 = (size_t)b * units / (size_t)nb, u1 = (size_t)(b + 1) * units / (size_t)nb;
                double vb, eb;
                assert_int_equal(mgn_var_es(pnl + u0 * unit, NULL, (u1 - u0) * unit,
                                            mp.confidence, &vb, &eb), MGN_OK);
                sv += vb; sv2 += vb * vb; se += eb; se2 += eb * eb;
            }
            double mv = sv / nb, me = se / nb;
            double vv = (sv2 - nb * mv * mv) / (nb - 1), ve = (se2 - nb * me * me) / (nb - 1);
            double var_se = sqrt(fmax(vv, 0) / nb), es_se = sqrt(fmax(ve, 0) / nb);
            /* the sums of squares cancel: allow their rounding as well */
            double slack = 2 * tol_max + 1e-7 * (fabs(mv) + fabs(me) + var_se + es_se);
            assert_close(r.var_se, var_se, 0, slack);
            assert_close(r.es_se, es_se, 0, slack);
        } else {
            assert_true(r.var_se == 0 && r.es_se == 0);
        }
        free(pnl);
        free(work);
    }
    gsl_rng_free(rng);
    print_message("%ld random books (%ld paths): worst %.3g of the tolerance\n", iters,
                  paths_checked, worst);
}

static void test_bad_input(void **state)
{
    (void)state;
    mgn_market m = { 100, 0, 0 };
    mgn_position p = perp(0, 1);
    double cov = 0.01;
    mgn_mc_params mp, q;
    mgn_mc_params_init(&mp);
    mp.n_paths = 1000;
    size_t b;
    void *w = mc_ws(1, &mp, &b);
    mgn_var_result res;
    memset(&res, 0x24, sizeof res);
    mgn_var_result r0 = res;
    assert_int_equal(mgn_mc_params_init(NULL), MGN_EINVAL);
    assert_int_equal(mgn_var_montecarlo(&m, 1, &p, 1, NULL, &mp, w, b, &res), MGN_EINVAL);
    assert_int_equal(mgn_var_montecarlo(&m, 1, &p, 1, &cov, NULL, w, b, &res), MGN_EINVAL);
    assert_int_equal(mgn_var_montecarlo(&m, 1, &p, 1, &cov, &mp, w, b, NULL), MGN_EINVAL);
    assert_int_equal(mgn_var_montecarlo(&m, 0, &p, 1, &cov, &mp, w, b, &res), MGN_EINVAL);
    assert_int_equal(mgn_var_montecarlo(&m, 1, &p, 1, &cov, &mp, NULL, b, &res), MGN_EINVAL);
    assert_int_equal(mgn_var_montecarlo(&m, 1, &p, 1, &cov, &mp, (char *)w + 2, b - 8, &res), MGN_EINVAL);
    assert_int_equal(mgn_var_montecarlo(&m, 1, &p, 1, &cov, &mp, w, b - 1, &res), MGN_ENOMEM);
    for (int k = 0; k < 15; k++) {
        q = mp;
        switch (k) {
        case 0: q.struct_size = 0; break;
        case 1: q.confidence = 0; break;
        case 2: q.n_paths = 0; break;
        case 3: q.df = 2; break;
        case 4: q.df = 1.5; break;
        case 5: q.df = NAN; break;
        case 6: q.df = -3; break;
        case 7: q.dt = -1; break;
        case 8: q.antithetic = 2; break;
        case 9: q.antithetic = 1; q.n_paths = 999; break;
        case 10: q.threads = 0; break;
        case 11: q.threads = 1000; break;
        case 12: q.n_batches = -1; break;
        case 13: q.n_batches = 1001; break;
        case 14: q.dt = NAN; break;
        }
        assert_int_equal(mgn_var_montecarlo(&m, 1, &p, 1, &cov, &q, w, b, &res), MGN_EINVAL);
        size_t bb;
        assert_int_equal(mgn_var_montecarlo_work_size(1, &q, &bb), MGN_EINVAL);
    }
    /* covariance: not PD, not symmetric, NaN, zero */
    mgn_market mk[2] = { { 100, 0, 0 }, { 50, 0, 0 } };
    mgn_position ps[2] = { perp(0, 1), perp(1, 1) };
    size_t b2;
    void *w2 = mc_ws(2, &mp, &b2);
    double bad[5][4] = { { 0.01, 0.01, 0.01, 0.01 },            /* singular */
                         { 0.01, 0.02, 0.02, 0.01 },            /* indefinite */
                         { 0.01, 0.001, 0.002, 0.01 },          /* asymmetric */
                         { 0.01, NAN, NAN, 0.01 },
                         { 0, 0, 0, 0 } };
    for (int k = 0; k < 5; k++)
        assert_int_equal(mgn_var_montecarlo(mk, 2, ps, 2, bad[k], &mp, w2, b2, &res), MGN_EINVAL);
    q = mp; q.currency = 5;
    assert_int_equal(mgn_var_montecarlo(&m, 1, &p, 1, &cov, &q, w, b, &res), MGN_EINVAL);
    assert_memory_equal(&res, &r0, sizeof res);
    assert_int_equal(mgn_var_montecarlo_work_size(0, &mp, &b), MGN_EINVAL);
    assert_int_equal(mgn_var_montecarlo_work_size(1, &mp, NULL), MGN_EINVAL);
    q = mp; q.n_paths = SIZE_MAX / 4;
    q.n_batches = 0;
    assert_int_equal(mgn_var_montecarlo_work_size(4, &q, &b), MGN_ERANGE);
    assert_int_equal(mgn_sizeof_mc_params(), sizeof(mgn_mc_params));
    free(w); free(w2);
}

/*---------------------------------------------------------------- bad input catalogue */
/* Every argument of every function of this file with the bad values of the catalogue
   (tests/README.md, tests/bad_input.h). */
#include "bad_input.h"

typedef struct {
    const double *cov;
    const mgn_mc_params *params;
    void *work;
    size_t work_size;
    int null_out;
} bad_mc_args;

static int bad_mc_run(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos, size_t n_pos,
                      const bad_mc_args *a)
{
    mgn_var_result out;
    bad_fill(&out, sizeof out);
    int st = mgn_var_montecarlo(mkt, n_mkt, pos, n_pos, a->cov, a->params, a->work, a->work_size,
                                a->null_out ? NULL : &out);
    if (st != MGN_OK)
        BAD_UNTOUCHED(&out, sizeof out);
    return st;
}

static int bad_call_mc_book(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                            size_t n_pos, int which, void *ctx)
{
    (void)which;
    return bad_mc_run(mkt, n_mkt, pos, n_pos, ctx);
}

typedef struct {
    bad_mc_args a;
    const mgn_market *mkt;
    const mgn_position *pos;
    int work_size_fn;
} bad_mc_ctx;

static int bad_call_mc_params(const void *arg, void *ctx)
{
    bad_mc_ctx *c = ctx;
    if (c->work_size_fn) {
        size_t b;
        bad_fill(&b, sizeof b);
        int st = mgn_var_montecarlo_work_size(2, arg, &b);
        if (st != MGN_OK)
            BAD_UNTOUCHED(&b, sizeof b);
        return st;
    }
    bad_mc_args a = c->a;
    a.params = arg;
    return bad_mc_run(c->mkt, BAD_NMKT, c->pos, BAD_NPOS, &a);
}

static const bad_double BAD_MC_DF[] = { BAD_NONFINITE, { "-1", -1 }, { "1", 1 }, { "2", 2 } };
static const bad_int BAD_MC_ANTI[] = { { "-1", -1 }, { "2", 2 } };
static const bad_int BAD_MC_THREADS[] = { { "0", 0 }, { "-1", -1 }, { "257", 257 }, { "INT_MAX", INT_MAX } };
static const bad_int BAD_MC_BATCHES[] = { { "-1", -1 }, { "INT_MIN", INT_MIN }, { "201 (> n_paths)", 201 } };
static const bad_field BAD_MC_FIELDS[] = {
    BAD_DFIELD(mgn_mc_params, confidence, BAD_D_UNIT_OPEN),
    BAD_DFIELD(mgn_mc_params, df, BAD_MC_DF),
    BAD_DFIELD(mgn_mc_params, dt, BAD_D_NONNEG),
    BAD_IFIELD(mgn_mc_params, antithetic, BAD_MC_ANTI),
    BAD_IFIELD(mgn_mc_params, threads, BAD_MC_THREADS),
    BAD_IFIELD(mgn_mc_params, n_batches, BAD_MC_BATCHES),
};

static void bad_mc_sizes(const char *fn, const mgn_mc_params *good, bad_mc_ctx *c)
{
    static const bad_size bad_ss[] = { { "0", 0 }, { "sizeof - 8", sizeof(mgn_mc_params) - 8 },
                                       { "sizeof + 8", sizeof(mgn_mc_params) + 8 },
                                       { "SIZE_MAX", SIZE_MAX } };
    for (size_t k = 0; k < BAD_N(bad_ss); k++) {
        mgn_mc_params p = *good;
        p.struct_size = bad_ss[k].v;
        BAD_STATUS(fn, "params->struct_size", bad_ss[k].label, MGN_EINVAL, bad_call_mc_params(&p, c));
    }
    mgn_mc_params p = *good;
    p.n_paths = 0;
    BAD_STATUS(fn, "params->n_paths", "0", MGN_EINVAL, bad_call_mc_params(&p, c));
    p.n_paths = 201;
    p.antithetic = 1;
    p.n_batches = 0;
    BAD_STATUS(fn, "params->n_paths", "201 (odd, antithetic)", MGN_EINVAL, bad_call_mc_params(&p, c));
    p = *good;
    p.n_paths = SIZE_MAX;
    p.n_batches = 0;
    BAD_STATUS(fn, "params->n_paths", "SIZE_MAX", MGN_ERANGE, bad_call_mc_params(&p, c));
    p.n_paths = SIZE_MAX / 2;
    BAD_STATUS(fn, "params->n_paths", "SIZE_MAX/2", MGN_ERANGE, bad_call_mc_params(&p, c));
}

static void test_bad_input_montecarlo(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    mgn_market mk[BAD_NMKT];
    mgn_position pos[BAD_NPOS];
    bad_default_book(mk, pos);
    const double cov[4] = { 4e-4, 1e-4, 1e-4, 9e-4 };
    mgn_mc_params mp;
    assert_int_equal(mgn_mc_params_init(&mp), MGN_OK);
    mp.n_paths = 200;
    mp.n_batches = 4;
    mp.df = 5;
    size_t need;
    assert_int_equal(mgn_var_montecarlo_work_size(BAD_NMKT, &mp, &need), MGN_OK);
    void *work = malloc(need);
    assert_non_null(work);
    const char *fn = "mgn_var_montecarlo";
    const bad_mc_args good = { cov, &mp, work, need, 0 };
    bad_mc_args a = good;
    bad_book_mutations(fn, "mkt[]", "pos[]", bad_call_mc_book, &a, mk, BAD_NMKT, pos, BAD_NPOS, 0, 1);
    BAD_STATUS(fn, "mkt", "NULL (n_mkt = 2)", MGN_EINVAL, bad_mc_run(NULL, BAD_NMKT, pos, BAD_NPOS, &a));
    BAD_STATUS(fn, "n_mkt", "0", MGN_EINVAL, bad_mc_run(mk, 0, pos, BAD_NPOS, &a));
    for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)      /* n_mkt^2 overflows the workspace size */
        BAD_STATUS(fn, "n_mkt", BAD_SIZES[s].label, MGN_ERANGE, bad_mc_run(mk, BAD_SIZES[s].v, pos, BAD_NPOS, &a));
    BAD_STATUS(fn, "pos", "NULL (n_pos = 3)", MGN_EINVAL, bad_mc_run(mk, BAD_NMKT, NULL, BAD_NPOS, &a));
    for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
        BAD_STATUS(fn, "n_pos", BAD_SIZES_NULL[s].label, MGN_EINVAL, bad_mc_run(mk, BAD_NMKT, NULL, BAD_SIZES[s].v, &a));
    a.cov = NULL;
    BAD_STATUS(fn, "cov", "NULL", MGN_EINVAL, bad_mc_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    for (size_t k = 0; k < BAD_N(BAD_D_FINITE); k++) {
        double c2[4] = { cov[0], BAD_D_FINITE[k].v, BAD_D_FINITE[k].v, cov[3] };
        a.cov = c2;
        BAD_STATUS(fn, "cov[i]", BAD_D_FINITE[k].label, MGN_EINVAL, bad_mc_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    }
    {
        const double asym[4] = { 4e-4, 1e-4, 1.1e-4, 9e-4 }, neg[4] = { -4e-4, 0, 0, 9e-4 },
                     sing[4] = { 4e-4, 6e-4, 6e-4, 9e-4 }, zero[4] = { 0 };
        a.cov = asym;
        BAD_STATUS(fn, "cov", "not symmetric", MGN_EINVAL, bad_mc_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
        a.cov = neg;
        BAD_STATUS(fn, "cov", "negative diagonal", MGN_EINVAL, bad_mc_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
        a.cov = sing;
        BAD_STATUS(fn, "cov", "singular (correlation 1)", MGN_EINVAL, bad_mc_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
        a.cov = zero;
        BAD_STATUS(fn, "cov", "all 0", MGN_EINVAL, bad_mc_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    }
    a = good;
    a.params = NULL;
    BAD_STATUS(fn, "params", "NULL", MGN_EINVAL, bad_mc_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    bad_mc_ctx c = { good, mk, pos, 0 };
    bad_struct_fields(fn, "params->", &mp, sizeof mp, BAD_MC_FIELDS, bad_call_mc_params, &c);
    bad_mc_sizes(fn, &mp, &c);
    for (size_t k = 0; k < BAD_N(BAD_CURRENCY); k++) {
        mgn_mc_params p = mp;
        p.currency = BAD_CURRENCY[k].v;
        BAD_STATUS(fn, "params->currency", BAD_CURRENCY[k].label, MGN_EINVAL, bad_call_mc_params(&p, &c));
    }
    a = good;
    a.work = NULL;
    BAD_STATUS(fn, "work", "NULL", MGN_EINVAL, bad_mc_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    a.work = (char *)work + 4;
    BAD_STATUS(fn, "work", "misaligned (work + 4 bytes)", MGN_EINVAL, bad_mc_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    a = good;
    a.work_size = 0;
    BAD_STATUS(fn, "work_size", "0", MGN_ENOMEM, bad_mc_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    a.work_size = need - 1;
    BAD_STATUS(fn, "work_size", "need - 1", MGN_ENOMEM, bad_mc_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    a = good;
    a.null_out = 1;
    BAD_STATUS(fn, "out", "NULL", MGN_EINVAL, bad_mc_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));

    fn = "mgn_var_montecarlo_work_size";
    c.work_size_fn = 1;
    bad_struct_fields(fn, "params->", &mp, sizeof mp, BAD_MC_FIELDS, bad_call_mc_params, &c);
    bad_mc_sizes(fn, &mp, &c);
    size_t b;
    bad_fill(&b, sizeof b);
    BAD_STATUS(fn, "n_mkt", "0", MGN_EINVAL, mgn_var_montecarlo_work_size(0, &mp, &b));
    for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
        BAD_STATUS(fn, "n_mkt", BAD_SIZES[s].label, MGN_ERANGE, mgn_var_montecarlo_work_size(BAD_SIZES[s].v, &mp, &b));
    BAD_STATUS(fn, "params", "NULL", MGN_EINVAL, mgn_var_montecarlo_work_size(2, NULL, &b));
    BAD_UNTOUCHED(&b, sizeof b);
    BAD_STATUS(fn, "bytes", "NULL", MGN_EINVAL, mgn_var_montecarlo_work_size(2, &mp, NULL));
    BAD_STATUS("mgn_mc_params_init", "params", "NULL", MGN_EINVAL, mgn_mc_params_init(NULL));
    free(work);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_linear_closed_form),
        cmocka_unit_test(test_delta_normal_linear_book),
        cmocka_unit_test(test_determinism_threads),
        cmocka_unit_test(test_large_pnl),
        cmocka_unit_test(test_paths_random),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_bad_input_montecarlo),
    };
    return cmocka_run_group_tests_name("montecarlo", tests, NULL, NULL);
}
