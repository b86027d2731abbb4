/* Tests of lib/historical.c (historical simulation, BRW, filtered HS, horizons,
 * stressed period, threads).
 *
 * Independent references: a linear portfolio whose scenario P&L is quantity * S *
 * shock exactly, so HS VaR must equal mgn_var_es of returns computed here by hand
 * (compounded, sqrt-scaled, age-weighted by the BRW formula, filtered by a separate
 * long-double EWMA recursion); full revaluation of an option book against
 * mgn_scenario_pnl on shocks built here; thread counts 1, 2, 3 giving identical bits.
 */
#include <stdlib.h>
#include "test_util.h"

static double *make_returns(size_t nd, size_t nm, uint64_t seed, double vol)
{
    mgn_test_rng g = { seed };
    double *r = malloc(nd * nm * sizeof *r);
    for (size_t i = 0; i < nd * nm; i++)
        r[i] = vol * (mgn_test_uniform(&g) + mgn_test_uniform(&g) + mgn_test_uniform(&g) - 1.5) * 2
               * (i / nm > nd / 2 ? 2 : 1);
    return r;
}

static mgn_position perp(int u, double q)
{
    mgn_position p;
    memset(&p, 0, sizeof p);
    p.instrument = MGN_PERPETUAL; p.underlying = u; p.settlement = MGN_LINEAR;
    p.quantity = q; p.multiplier = 1; p.entry_price = 100;
    return p;
}

static mgn_position opt(int u, int type, double q, double K, double T, double vol)
{
    mgn_position p;
    memset(&p, 0, sizeof p);
    p.instrument = MGN_OPTION; p.underlying = u; p.option_type = type; p.settlement = MGN_LINEAR;
    p.exercise = MGN_EUROPEAN; p.quantity = q; p.multiplier = 1; p.strike = K; p.expiry = T; p.vol = vol;
    return p;
}

static void *ws(size_t nd, size_t ns, size_t nm, const mgn_hs_params *p, size_t *b)
{
    assert_int_equal(mgn_var_historical_work_size(nd, ns, nm, p, b), MGN_OK);
    return malloc(*b);
}

static void test_linear_plain_overlap_sqrt(void **state)
{
    (void)state;
    size_t nd = 500;
    double *r = make_returns(nd, 1, 1, 0.02);
    mgn_market m = { 30000, 0.03, 0 };
    mgn_position p = perp(0, 2.5);
    double *ref = malloc(nd * sizeof *ref);
    for (int method = 0; method < 2; method++)
        for (int h = 1; h <= 10; h += 9) {
            mgn_hs_params hp;
            mgn_hs_params_init(&hp);
            hp.horizon_days = h;
            hp.horizon_method = method;
            size_t n, b;
            assert_int_equal(mgn_hs_scenario_count(nd, &hp, &n), MGN_OK);
            assert_int_equal(n, method == MGN_HORIZON_OVERLAP ? nd - h + 1 : nd);
            for (size_t j = 0; j < n; j++) {
                double s;
                if (method == MGN_HORIZON_OVERLAP) {
                    long double pr = 1;
                    for (int k = 0; k < h; k++) pr *= 1 + (long double)r[j + k];
                    s = (double)(pr - 1);
                } else {
                    s = expm1(sqrt((double)h) * log1p(r[j]));
                }
                ref[j] = 2.5 * 30000 * s;
            }
            double v, e;
            assert_int_equal(mgn_var_es(ref, NULL, n, 0.99, &v, &e), MGN_OK);
            void *w = ws(nd, 0, 1, &hp, &b);
            mgn_var_result res;
            assert_int_equal(mgn_var_historical(&m, 1, &p, 1, r, NULL, nd, NULL, NULL, 0, &hp, w, b, &res), MGN_OK);
            assert_close(res.var, v, 1e-11, 0);
            assert_close(res.es, e, 1e-11, 0);
            assert_true(res.var == res.var_current && res.var_stressed == 0 && res.var_se == 0);
            assert_int_equal(res.n_scenarios, n);
            free(w);
        }
    free(ref);
    free(r);
}

static void test_brw_and_filtered(void **state)
{
    (void)state;
    size_t nd = 400, nm = 2;
    double *r = make_returns(nd, nm, 2, 0.01);
    mgn_hs_params hp;
    mgn_hs_params_init(&hp);
    mgn_shock *sh = malloc(nd * nm * sizeof *sh);
    double *w = malloc(nd * sizeof *w);
    /* BRW weights */
    hp.weighting = MGN_HS_BRW;
    hp.brw_lambda = 0.97;
    assert_int_equal(mgn_hs_scenarios(r, NULL, nd, nm, &hp, sh, w), MGN_OK);
    double sw = 0;
    for (size_t j = 0; j < nd; j++) {
        double age = (double)(nd - j);
        assert_close(w[j], pow(0.97, age - 1) * 0.03 / (1 - pow(0.97, (double)nd)), 1e-12, 0);
        sw += w[j];
    }
    assert_close(sw, 1, 1e-12, 0);
    /* HS with BRW = weighted VaR of the linear P&L */
    mgn_market mk[2] = { { 100, 0, 0 }, { 50, 0, 0 } };
    mgn_position ps[2] = { perp(0, 3), perp(1, -4) };
    double *pl = malloc(nd * sizeof *pl), v, e;
    for (size_t j = 0; j < nd; j++) pl[j] = 300 * r[j * 2] - 200 * r[j * 2 + 1];
    double *wr = malloc(nd * sizeof *wr);
    for (size_t j = 0; j < nd; j++) wr[j] = pow(0.97, (double)(nd - 1 - j));
    assert_int_equal(mgn_var_es(pl, wr, nd, 0.99, &v, &e), MGN_OK);
    size_t b;
    void *wk = ws(nd, 0, nm, &hp, &b);
    mgn_var_result res;
    assert_int_equal(mgn_var_historical(mk, 2, ps, 2, r, NULL, nd, NULL, NULL, 0, &hp, wk, b, &res), MGN_OK);
    assert_close(res.var, v, 1e-10, 0);
    assert_close(res.es, e, 1e-10, 0);
    /* filtered: own long-double EWMA on log returns */
    hp.weighting = MGN_HS_FILTERED;
    hp.ewma_lambda = 0.94;
    assert_int_equal(mgn_hs_scenarios(r, NULL, nd, nm, &hp, sh, w), MGN_OK);
    for (size_t m = 0; m < nm; m++) {
        long double seed = 0, vv;
        for (size_t t = 0; t < nd; t++) seed += log1pl(r[t * nm + m]) * log1pl(r[t * nm + m]);
        seed /= nd;
        vv = seed;
        for (size_t t = 0; t < nd; t++) vv = 0.94L * vv + 0.06L * log1pl(r[t * nm + m]) * log1pl(r[t * nm + m]);
        long double now = sqrtl(vv);
        vv = seed;
        for (size_t t = 0; t < nd; t++) {
            long double l = log1pl(r[t * nm + m]);
            double want = (double)expm1l(l * now / sqrtl(vv));
            assert_close(sh[t * nm + m].price, want, 1e-12, 1e-17);
            vv = 0.94L * vv + 0.06L * l * l;
        }
        assert_true(w[0] == 1.0 / (double)nd);
    }
    /* returns doubled in the second half: filtering scales the calm half up, so the
       filtered VaR exceeds the plain one */
    mgn_var_result plain, filt;
    hp.weighting = 0;
    assert_int_equal(mgn_var_historical(mk, 2, ps, 2, r, NULL, nd, NULL, NULL, 0, &hp, wk, b, &plain), MGN_OK);
    hp.weighting = MGN_HS_FILTERED;
    assert_int_equal(mgn_var_historical(mk, 2, ps, 2, r, NULL, nd, NULL, NULL, 0, &hp, wk, b, &filt), MGN_OK);
    assert_true(filt.var > plain.var);
    hp.weighting = MGN_HS_FILTERED | MGN_HS_BRW;
    assert_int_equal(mgn_var_historical(mk, 2, ps, 2, r, NULL, nd, NULL, NULL, 0, &hp, wk, b, &filt), MGN_OK);
    free(wk); free(pl); free(wr); free(sh); free(w); free(r);
}

static void test_stressed(void **state)
{
    (void)state;
    size_t nd = 300, ns = 250;
    double *r = make_returns(nd, 1, 3, 0.01), *s = make_returns(ns, 1, 4, 0.05);
    mgn_market m = { 100, 0, 0 };
    mgn_position p = perp(0, 1);
    mgn_hs_params hp;
    mgn_hs_params_init(&hp);
    hp.weighting = MGN_HS_BRW | MGN_HS_FILTERED;     /* not applied to the stressed history */
    size_t b;
    void *w = ws(nd, ns, 1, &hp, &b);
    mgn_var_result a, c;
    assert_int_equal(mgn_var_historical(&m, 1, &p, 1, r, NULL, nd, s, NULL, ns, &hp, w, b, &a), MGN_OK);
    double *pl = malloc(ns * sizeof *pl), v, e;
    for (size_t j = 0; j < ns; j++) pl[j] = 100 * s[j];
    assert_int_equal(mgn_var_es(pl, NULL, ns, 0.99, &v, &e), MGN_OK);
    assert_close(a.var_stressed, v, 1e-11, 0);
    assert_close(a.es_stressed, e, 1e-11, 0);
    assert_true(a.var == fmax(a.var_current, a.var_stressed) && a.es == fmax(a.es_current, a.es_stressed));
    assert_true(a.var == a.var_stressed);
    /* stressed history calmer than current: current wins */
    assert_int_equal(mgn_var_historical(&m, 1, &p, 1, s, NULL, ns, r, NULL, nd, &hp, w, b, &c), MGN_OK);
    assert_true(c.var == c.var_current && c.var_stressed < c.var_current);
    free(pl); free(w); free(r); free(s);
}

/* Option book with vol changes, full revaluation; threads 1/2/3 identical. */
static void test_options_threads_contrib(void **state)
{
    (void)state;
    size_t nd = 700, nm = 2, np = 40;
    double *r = make_returns(nd, nm, 5, 0.03), *dv = make_returns(nd, nm, 6, 0.02);
    mgn_market mk[2] = { { 60000, 0.04, 0 }, { 3000, 0.04, 0.01 } };
    mgn_position *ps = malloc(np * sizeof *ps);
    mgn_test_rng g = { 77 };
    for (size_t i = 0; i < np; i++) {
        int u = (int)(i % 2);
        double S = mk[u].spot;
        ps[i] = opt(u, (int)(i % 3 == 0), mgn_test_range(&g, -5, 5), S * mgn_test_range(&g, 0.7, 1.3),
                    mgn_test_range(&g, 0.02, 1), mgn_test_range(&g, 0.3, 1));
    }
    ps[0].settlement = MGN_INVERSE;
    mgn_hs_params hp;
    mgn_hs_params_init(&hp);
    hp.horizon_days = 2;
    hp.dt = 2.0 / 365;
    size_t b, n;
    void *w = ws(nd, 0, nm, &hp, &b);
    mgn_var_result r1, r2, r3;
    assert_int_equal(mgn_var_historical(mk, nm, ps, np, r, dv, nd, NULL, NULL, 0, &hp, w, b, &r1), MGN_OK);
    hp.threads = 2;
    assert_int_equal(mgn_var_historical(mk, nm, ps, np, r, dv, nd, NULL, NULL, 0, &hp, w, b, &r2), MGN_OK);
    hp.threads = 3;
    assert_int_equal(mgn_var_historical(mk, nm, ps, np, r, dv, nd, NULL, NULL, 0, &hp, w, b, &r3), MGN_OK);
    assert_memory_equal(&r1, &r2, sizeof r1);
    assert_memory_equal(&r1, &r3, sizeof r1);
    /* against mgn_scenario_pnl on shocks built by hand (2-day overlap, summed dv) */
    assert_int_equal(mgn_hs_scenario_count(nd, &hp, &n), MGN_OK);
    mgn_shock *sh = malloc(n * nm * sizeof *sh);
    for (size_t j = 0; j < n; j++)
        for (size_t u = 0; u < nm; u++) {
            sh[j * nm + u].price = (1 + r[j * nm + u]) * (1 + r[(j + 1) * nm + u]) - 1;
            sh[j * nm + u].vol = dv[j * nm + u] + dv[(j + 1) * nm + u];
        }
    double *pl = malloc(n * sizeof *pl), v, e;
    assert_int_equal(mgn_scenario_pnl(mk, nm, ps, np, sh, n, hp.dt, MGN_QUOTE, pl), MGN_OK);
    assert_int_equal(mgn_var_es(pl, NULL, n, 0.99, &v, &e), MGN_OK);
    assert_close(r1.var, v, 1e-9, 1e-9);
    assert_close(r1.es, e, 1e-9, 1e-9);
    /* components from the scenario x position matrix sum to the HS figures */
    double *mat = malloc(n * np * sizeof *mat), *ec = malloc(np * sizeof *ec), cv, ce;
    assert_int_equal(mgn_hs_scenarios(r, dv, nd, nm, &hp, sh, NULL), MGN_OK);
    assert_int_equal(mgn_scenario_pnl_matrix(mk, nm, ps, np, sh, n, hp.dt, MGN_QUOTE, mat), MGN_OK);
    size_t cb;
    assert_int_equal(mgn_var_es_contrib_work_size(n, np, &cb), MGN_OK);
    void *cw = malloc(cb);
    assert_int_equal(mgn_var_es_contrib(mat, n, np, NULL, 0.99, cw, cb, &cv, &ce, NULL, ec, NULL, NULL), MGN_OK);
    double s = 0;
    for (size_t i = 0; i < np; i++) s += ec[i];
    assert_close(s, ce, 1e-10, 1e-9);
    assert_close(ce, r1.es, 1e-9, 1e-9);
    /* coin currency also runs */
    hp.currency = 0;
    assert_int_equal(mgn_var_historical(mk, nm, ps, np, r, dv, nd, NULL, NULL, 0, &hp, w, b, &r2), MGN_OK);
    assert_close(r2.var * 60000, r1.var, 0.2, 0);
    free(cw); free(mat); free(ec); free(pl); free(sh); free(w); free(ps); free(r); free(dv);
}

static void test_bad_input(void **state)
{
    (void)state;
    size_t nd = 20, b;
    double *r = make_returns(nd, 1, 9, 0.01);
    mgn_market m = { 100, 0, 0 };
    mgn_position p = perp(0, 1);
    mgn_hs_params hp, q;
    mgn_hs_params_init(&hp);
    void *w = ws(nd, 0, 1, &hp, &b);
    mgn_var_result res;
    memset(&res, 0x42, sizeof res);
    mgn_var_result r0 = res;
    mgn_shock sh[20];
    assert_int_equal(mgn_hs_params_init(NULL), MGN_EINVAL);
    assert_int_equal(mgn_var_historical(&m, 1, &p, 1, NULL, NULL, nd, NULL, NULL, 0, &hp, w, b, &res), MGN_EINVAL);
    assert_int_equal(mgn_var_historical(&m, 1, &p, 1, r, NULL, nd, NULL, NULL, 0, NULL, w, b, &res), MGN_EINVAL);
    assert_int_equal(mgn_var_historical(&m, 1, &p, 1, r, NULL, nd, NULL, NULL, 0, &hp, w, b, NULL), MGN_EINVAL);
    assert_int_equal(mgn_var_historical(&m, 0, &p, 1, r, NULL, nd, NULL, NULL, 0, &hp, w, b, &res), MGN_EINVAL);
    assert_int_equal(mgn_var_historical(&m, 1, &p, 1, r, NULL, 0, NULL, NULL, 0, &hp, w, b, &res), MGN_EINVAL);
    assert_int_equal(mgn_var_historical(&m, 1, &p, 1, r, NULL, nd, NULL, NULL, 5, &hp, w, b, &res), MGN_EINVAL);
    assert_int_equal(mgn_var_historical(&m, 1, &p, 1, r, NULL, nd, NULL, NULL, 0, &hp, NULL, b, &res), MGN_EINVAL);
    assert_int_equal(mgn_var_historical(&m, 1, &p, 1, r, NULL, nd, NULL, NULL, 0, &hp, (char *)w + 1, b - 8, &res), MGN_EINVAL);
    assert_int_equal(mgn_var_historical(&m, 1, &p, 1, r, NULL, nd, NULL, NULL, 0, &hp, w, b - 1, &res), MGN_ENOMEM);
    /* each parameter field */
    for (int k = 0; k < 14; k++) {
        q = hp;
        switch (k) {
        case 0: q.struct_size = 8; break;
        case 1: q.confidence = 1; break;
        case 2: q.confidence = NAN; break;
        case 3: q.horizon_days = 0; break;
        case 4: q.horizon_method = 2; break;
        case 5: q.weighting = 4; break;
        case 6: q.threads = 0; break;
        case 7: q.threads = 257; break;
        case 8: q.brw_lambda = 1; break;
        case 9: q.ewma_lambda = 0; break;
        case 10: q.dt = -1; break;
        case 11: q.dt = INFINITY; break;
        case 12: q.reserved = 1; break;
        case 13: q.horizon_days = 21; break;        /* longer than the history */
        }
        assert_int_equal(mgn_var_historical(&m, 1, &p, 1, r, NULL, nd, NULL, NULL, 0, &q, w, b, &res), MGN_EINVAL);
        assert_int_equal(mgn_hs_scenarios(r, NULL, nd, 1, &q, sh, NULL), MGN_EINVAL);
    }
    q = hp; q.currency = 3;            /* passed through from mgn_scenario_pnl */
    assert_int_equal(mgn_var_historical(&m, 1, &p, 1, r, NULL, nd, NULL, NULL, 0, &q, w, b, &res), MGN_EINVAL);
    mgn_position bad = p; bad.multiplier = -1;
    assert_int_equal(mgn_var_historical(&m, 1, &bad, 1, r, NULL, nd, NULL, NULL, 0, &hp, w, b, &res), MGN_EINVAL);
    for (int k = 0; k < 4; k++) {
        double rr[20];
        memcpy(rr, r, sizeof rr);
        rr[7] = k < 3 ? mgn_test_nonfinite[k] : -1.0;
        assert_int_equal(mgn_var_historical(&m, 1, &p, 1, rr, NULL, nd, NULL, NULL, 0, &hp, w, b, &res), MGN_EINVAL);
        assert_int_equal(mgn_var_historical(&m, 1, &p, 1, r, NULL, nd, rr, NULL, nd, &hp, w, b, &res), MGN_EINVAL);
        if (k < 3) {
            double dv[20] = { 0 };
            dv[3] = mgn_test_nonfinite[k];
            assert_int_equal(mgn_var_historical(&m, 1, &p, 1, r, dv, nd, NULL, NULL, 0, &hp, w, b, &res), MGN_EINVAL);
        }
    }
    assert_memory_equal(&res, &r0, sizeof res);
    size_t n;
    assert_int_equal(mgn_hs_scenario_count(0, &hp, &n), MGN_EINVAL);
    assert_int_equal(mgn_hs_scenario_count(5, &hp, NULL), MGN_EINVAL);
    assert_int_equal(mgn_hs_scenarios(NULL, NULL, nd, 1, &hp, sh, NULL), MGN_EINVAL);
    assert_int_equal(mgn_hs_scenarios(r, NULL, nd, 1, &hp, NULL, NULL), MGN_EINVAL);
    assert_int_equal(mgn_hs_scenarios(r, NULL, nd, 0, &hp, sh, NULL), MGN_EINVAL);
    /* moves beyond a double: a window whose 1 + price overflows or rounds to 0 is
       MGN_ERANGE, with the caller's arrays untouched */
    for (int k = 0; k < 4; k++) {
        double big[20], wt[20];
        for (int i = 0; i < 20; i++)
            big[i] = k % 2 ? -0.999 : 1e30;       /* log moves -6.9 and +69 a day */
        q = hp;
        q.horizon_method = k < 2 ? MGN_HORIZON_SQRT : MGN_HORIZON_OVERLAP;
        q.horizon_days = k < 2 ? 200 : 12;
        memset(sh, 0x5a, sizeof sh);
        memset(wt, 0x5a, sizeof wt);
        mgn_shock sh0[20];
        double wt0[20];
        memcpy(sh0, sh, sizeof sh);
        memcpy(wt0, wt, sizeof wt);
        assert_int_equal(mgn_hs_scenarios(big, NULL, nd, 1, &q, sh, wt), MGN_ERANGE);
        assert_memory_equal(sh, sh0, sizeof sh);
        assert_memory_equal(wt, wt0, sizeof wt);
        void *w2 = ws(nd, 0, 1, &q, &n);
        assert_int_equal(mgn_var_historical(&m, 1, &p, 1, big, NULL, nd, NULL, NULL, 0, &q, w2, n, &res), MGN_ERANGE);
        free(w2);
    }
    assert_memory_equal(&res, &r0, sizeof res);
    assert_int_equal(mgn_var_historical_work_size(nd, 0, 1, &hp, NULL), MGN_EINVAL);
    assert_int_equal(mgn_var_historical_work_size(SIZE_MAX / 8, 0, SIZE_MAX / 8, &hp, &b), MGN_ERANGE);
    assert_int_equal(mgn_sizeof_hs_params(), sizeof(mgn_hs_params));
    free(w);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear_plain_overlap_sqrt),
        cmocka_unit_test(test_brw_and_filtered),
        cmocka_unit_test(test_stressed),
        cmocka_unit_test(test_options_threads_contrib),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests_name("historical", tests, NULL, NULL);
}
