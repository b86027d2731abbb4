/* Tests of lib/historical.c (historical simulation, BRW, filtered HS, horizons,
 * stressed period, threads).
 *
 * Independent references: a linear portfolio whose scenario P&L is quantity * S *
 * shock exactly, so HS VaR must equal mgn_var_es of returns computed here by hand
 * (compounded, sqrt-scaled, age-weighted by the BRW formula, filtered by a separate
 * long-double EWMA recursion); full revaluation of an option book against
 * mgn_scenario_pnl on shocks built here; thread counts 1, 2, 3 giving identical bits;
 * a brute force on random histories, books and parameters (scenarios from the header's
 * definitions in long double, every position repriced from scratch in every scenario,
 * VaR and ES by sorting the losses).
 */
#include <float.h>
#include <stdint.h>
#include <stdlib.h>
#include "margin_ref.h"

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

/*---------------------------------------------------------------- random vs brute force */

enum { RH_MAX_DAYS = 300, RH_MAX_MKT = 4, RH_MAX_POS = 8 };

/* Rounding scale of a shock's log move: each daily term carries a few ulps (log1p,
   the factor sigma_now / sigma_t of two EWMA recursions that round once a day over up
   to 300 days) and the window's sum h more: 1e-13 of the terms' summed magnitude. */
#define RH_SHOCK_REL 1e-13L

/* A normal-ish draw: the sum of four uniforms, centred and scaled to variance 1. */
static double rh_normalish(mgn_test_rng *g)
{
    double s = 0;
    for (int k = 0; k < 4; k++)
        s += mgn_test_uniform(g);
    return (s - 2) * sqrt(3.0);
}

/* n_days x n_mkt daily returns, oldest first: per underlying a daily vol of 0.2% to 8%
   that changes regime on a random day (x 0.25 to x 4, what filtered HS rescales),
   normal-ish log returns, on 2% of days a jump of -30% to +40%, on 3% of days a holiday
   on which nothing moves (exact zeros: tied scenarios), and one underlying in 20 that
   never moves (sigma_t == 0 in the filter). Vol changes, when dv is not NULL: 0.1 to 3
   vol points a day, on 2% of days a jump of -0.3 to +0.5. */
static void rh_draw_history(mgn_test_rng *g, size_t nd, size_t nm, double *ret, double *dv)
{
    double vol[RH_MAX_MKT], regime_factor[RH_MAX_MKT], dvol[RH_MAX_MKT];
    int still[RH_MAX_MKT];
    size_t regime_day = (size_t)(mgn_test_uniform(g) * (double)nd);
    for (size_t m = 0; m < nm; m++) {
        vol[m] = mgn_test_logrange(g, 0.002, 0.08);
        regime_factor[m] = mgn_test_logrange(g, 0.25, 4);
        dvol[m] = mgn_test_logrange(g, 0.001, 0.03);
        still[m] = mgn_test_uniform(g) < 0.05;
    }
    for (size_t t = 0; t < nd; t++) {
        int holiday = mgn_test_uniform(g) < 0.03;
        for (size_t m = 0; m < nm; m++) {
            double r = 0, d = 0;
            if (!holiday && !still[m]) {
                double s = t < regime_day ? vol[m] : vol[m] * regime_factor[m];
                r = mgn_test_uniform(g) < 0.02 ? mgn_test_range(g, -0.3, 0.4)
                                               : expm1(s * rh_normalish(g));
                d = mgn_test_uniform(g) < 0.02 ? mgn_test_range(g, -0.3, 0.5)
                                               : dvol[m] * rh_normalish(g);
            }
            ret[t * nm + m] = r;
            if (dv)
                dv[t * nm + m] = d;
        }
    }
}

/* The scenarios of the header ("Historical simulation with full revaluation") written
   out in long double: l_t = log1p(r_t); filtered, l_t sigma_now / sigma_t with the
   RiskMetrics EWMA sigma^2_{t+1} = lambda sigma^2_t + (1 - lambda) l_t^2 seeded with
   the mean of l^2 (l_t left as it is where sigma_t == 0); overlapping windows: expm1
   of the window's summed l, vol shock the summed dv; sqrt: expm1(sqrt(h) l_t),
   sqrt(h) dv_t. mag and dv_mag get the summed magnitudes of each shock's terms (the
   scale of its rounding), lowest and highest the extreme summed log moves. Returns the
   number of scenarios. */
static size_t rh_ref_shocks(const double *ret, const double *dv, size_t nd, size_t nm, int h,
                            int method, int filtered, double ewma_lambda, mgn_shock *sh,
                            long double *mag, long double *dv_mag, long double *lowest,
                            long double *highest)
{
    long double x[RH_MAX_DAYS];
    int overlap = method == MGN_HORIZON_OVERLAP;
    size_t ns = overlap ? nd - (size_t)h + 1 : nd;
    long double lam = ewma_lambda, sqrt_h = sqrtl((long double)h);
    *lowest = *highest = 0;
    for (size_t m = 0; m < nm; m++) {
        long double seed = 0;
        for (size_t t = 0; t < nd; t++) {
            x[t] = log1pl(ret[t * nm + m]);
            seed += x[t] * x[t];
        }
        seed /= (long double)nd;
        if (filtered) {
            long double v = seed;
            for (size_t t = 0; t < nd; t++)
                v = lam * v + (1 - lam) * x[t] * x[t];
            long double sigma_now = sqrtl(v);
            v = seed;
            for (size_t t = 0; t < nd; t++) {
                long double l = x[t], sigma_t = sqrtl(v);
                if (sigma_t > 0)
                    x[t] = l * sigma_now / sigma_t;
                v = lam * v + (1 - lam) * l * l;
            }
        }
        for (size_t j = 0; j < ns; j++) {
            long double sum = 0, abs_sum = 0, dv_sum = 0, dv_abs = 0;
            if (overlap) {
                for (size_t t = j; t < j + (size_t)h; t++) {
                    long double d = dv ? dv[t * nm + m] : 0;
                    sum += x[t];
                    abs_sum += fabsl(x[t]);
                    dv_sum += d;
                    dv_abs += fabsl(d);
                }
            } else {
                sum = sqrt_h * x[j];
                abs_sum = fabsl(sum);
                dv_sum = sqrt_h * (dv ? dv[j * nm + m] : 0);
                dv_abs = fabsl(dv_sum);
            }
            *lowest = fminl(*lowest, sum);
            *highest = fmaxl(*highest, sum);
            sh[j * nm + m].price = (double)expm1l(sum);
            sh[j * nm + m].vol = (double)dv_sum;
            mag[j * nm + m] = abs_sum;
            dv_mag[j * nm + m] = dv_abs;
        }
    }
    return ns;
}

/* Tolerances of one reference shock: price to RH_SHOCK_REL of its log terms times
   1 + price (the derivative of expm1) plus 2 ulps of the price; vol to 2 (h + 1)
   ulps of its terms' magnitude (h additions in double, or the product by sqrt(h)). */
static long double rh_price_tol(const mgn_shock *want, long double mag)
{
    return (1 + (long double)want->price) * RH_SHOCK_REL * mag
           + 2 * DBL_EPSILON * fabsl((long double)want->price);
}

static long double rh_vol_tol(long double dv_mag, int h)
{
    return 2 * (h + 1) * DBL_EPSILON * dv_mag;
}

/* |got - want| as a fraction of tol (0 when both are 0). */
static double rh_fraction(long double got, long double want, long double tol)
{
    long double d = fabsl(got - want);
    return d == 0 ? 0 : (double)(d / tol);
}

/* Brute-force scenario P&L: every position repriced from scratch in every scenario
   (ref_pnl_quote), converted to the coin of `currency` at its scenario price as
   mgn_scenario_pnl documents, and the error the library may make on it: 1e-12 of each
   position's |P&L| plus its size at the scenario price (mgn_scenario_pnl's accuracy,
   ref_position_size as tests/test_scenario.c holds it), plus what the tolerated
   rounding of the library's own shocks moves it: a relative price error rho of the
   underlying moves the position by at most 2 size rho (|delta| <= e^{|q| T}, < 2 on
   this domain), of the coin by |P&L| rho; a vol error by at most 3 size |dvol|
   (vega <= S e^{|q| T} sqrt(T / 2 pi) <= 2.1 S at 10 years). */
static void rh_ref_losses(const mgn_market *mk, size_t nm, const mgn_position *pos, size_t np,
                          const mgn_shock *sh, const long double *mag,
                          const long double *dv_mag, size_t ns, int h, double dt, int currency,
                          long double *loss, long double *err)
{
    for (size_t s = 0; s < ns; s++) {
        const mgn_shock *row = sh + s * nm;
        double conv = currency < 0 ? 1 : mk[currency].spot * (1 + row[currency].price);
        long double rho_conv = currency < 0 ? 0
            : rh_price_tol(&row[currency], mag[s * nm + (size_t)currency])
              / (1 + (long double)row[currency].price);
        long double pnl = 0, e = 0;
        for (size_t i = 0; i < np; i++) {
            const mgn_position *p = &pos[i];
            size_t u = (size_t)p->underlying;
            const mgn_market *m = &mk[u];
            double want = ref_pnl_quote(p, m, row[u].price, row[u].vol, dt) / conv;
            double size = ref_position_size(p, m, m->spot * (1 + row[u].price), conv);
            long double rho = rh_price_tol(&row[u], mag[s * nm + u])
                              / (1 + (long double)row[u].price);
            long double dvol = rh_vol_tol(dv_mag[s * nm + u], h);
            pnl += want;
            e += 1e-12L * (fabsl((long double)want) + size) + 2 * size * rho
                 + fabsl((long double)want) * rho_conv + 3 * size * dvol;
        }
        loss[s] = -pnl;
        err[s] = e;
    }
}

typedef struct { long double loss, weight; } rh_scenario;

static int rh_worst_first(const void *a, const void *b)
{
    long double x = ((const rh_scenario *)a)->loss, y = ((const rh_scenario *)b)->loss;
    return (x < y) - (x > y);
}

/* VaR and ES by the order statistic of the conventions block, written out: losses
   sorted worst-first, VaR = L_(k) for the first k whose cumulative weight reaches
   a W (within 2^-51 W, which for equal weights is the rule "N a within N 2^-51 of an
   integer counts as it"), ES = (sum_{i<k} w_(i) L_(i) + (a W - sum_{i<k} w_(i))
   L_(k)) / (a W), at least VaR. weights NULL: equal. shift[s] (or NULL) is added to
   loss s: shift_sign -1, 0, +1 gives the figures of the losses moved down, not at
   all or up by their error. */
static void rh_ref_var_es(const long double *loss, const long double *shift, int shift_sign,
                          const long double *weights, size_t n, double confidence,
                          long double *var, long double *es)
{
    rh_scenario v[RH_MAX_DAYS];
    long double total = 0;
    for (size_t s = 0; s < n; s++) {
        v[s].loss = loss[s] + (shift ? shift_sign * shift[s] : 0);
        v[s].weight = weights ? weights[s] : 1;
        total += v[s].weight;
    }
    qsort(v, n, sizeof *v, rh_worst_first);
    long double a = 1 - (long double)confidence, target = a * total;
    long double reach = target - total * 0x1p-51L, cum = 0, tail = 0;
    size_t k = 0;
    while (k < n - 1 && !(cum + v[k].weight >= reach)) {
        cum += v[k].weight;
        tail += v[k].weight * v[k].loss;
        k++;
    }
    *var = v[k].loss;
    *es = (tail + (target - cum) * v[k].loss) / target;
    if (*es < *var)
        *es = *var;
}

/* The library's figure against the reference, as a fraction of the tolerance: the
   order statistic and the tail mean are monotone in every loss, so losses each within
   err[s] of the reference's put VaR and ES between the reference's figures of the
   losses moved down and up by err (this also holds when near-tied losses come out in
   another order); 4 ulps on top for the library's own rounding. */
static double rh_tail_fraction(double got, long double want, long double lo, long double hi)
{
    long double tol = (got >= want ? hi - want : want - lo) + 4 * DBL_EPSILON * fabsl(want);
    return rh_fraction(got, want, tol + LDBL_MIN);
}

/* Random histories, books and parameters against the brute force. Drawn: 1-4 markets
   (ref_wide_book's wide domain, or ref_random_book's mixed book with 10% American
   options on spots of 0.05 to 1e5), 1-8 positions, horizons of 1-10 days by both
   methods, n_days from h to 300, vol changes or NULL, every weighting with lambdas in
   (0.8, 0.999), confidence 0.95, 0.975, 0.99 or in (0.8, 0.999), dt 0, h / 365 or up
   to 0.1 year, quote or a coin, an optional stressed history (its own vol changes or
   NULL), 1 or 2 threads. Checked: mgn_hs_scenario_count, and mgn_hs_scenarios' shocks
   and weights (both histories), against the header's definitions; every figure of
   mgn_var_historical against VaR and ES of the brute-force P&L. Filtering can blow a
   jump after a calm spell up beyond what a double holds: a summed log move below -38
   or above +710 must then be MGN_ERANGE from both functions; other moves beyond +-37
   are left out (the boundary of 1 + price rounding to 0 or overflowing, and prices
   near DBL_MAX, belong to the bad-input tests). */
static void test_vs_brute_force_random(void **state)
{
    (void)state;
    enum { ND = RH_MAX_DAYS, NM = RH_MAX_MKT };
    static double hist_ret[2][ND * NM], hist_dv[2][ND * NM], lib_w[ND];
    static mgn_shock ref_sh[2][ND * NM], lib_sh[ND * NM];
    static long double mag[2][ND * NM], dv_mag[2][ND * NM], ref_w[ND], loss[ND], err[ND];
    mgn_test_rng g = { 0x9E3779B97F4A7C15ULL };
    double worst_shock = 0, worst_weight = 0, worst_tail = 0;
    long iters = mgn_test_cases(100), n_erange = 0, n_left_out = 0;
    for (long it = 0; it < iters; it++) {
        mgn_market mk[RH_MAX_MKT];
        mgn_position pos[RH_MAX_POS];
        size_t nm = 1 + (size_t)(mgn_test_uniform(&g) * RH_MAX_MKT);
        size_t np = 1 + (size_t)(mgn_test_uniform(&g) * RH_MAX_POS);
        if (mgn_test_uniform(&g) < 0.5) {
            ref_wide_book(&g, mk, (int)nm, pos, np);
        } else {
            for (size_t m = 0; m < nm; m++) {
                mk[m].spot = mgn_test_logrange(&g, 0.05, 1e5);
                mk[m].rate = mgn_test_range(&g, -0.01, 0.1);
                mk[m].carry = mgn_test_range(&g, -0.02, 0.1);
            }
            ref_random_book(&g, mk, (int)nm, pos, np, 1);
        }
        mgn_hs_params hp;
        assert_int_equal(mgn_hs_params_init(&hp), MGN_OK);
        hp.horizon_days = 1 + (int)(mgn_test_uniform(&g) * 10);
        hp.horizon_method = mgn_test_uniform(&g) < 0.5 ? MGN_HORIZON_OVERLAP : MGN_HORIZON_SQRT;
        hp.weighting = (int)(mgn_test_uniform(&g) * 4);
        hp.brw_lambda = mgn_test_range(&g, 0.8, 0.999);
        hp.ewma_lambda = mgn_test_range(&g, 0.8, 0.999);
        static const double levels[] = { 0.95, 0.975, 0.99 };
        int level = (int)(mgn_test_uniform(&g) * 4);
        hp.confidence = level < 3 ? levels[level] : mgn_test_range(&g, 0.8, 0.999);
        double y = mgn_test_uniform(&g);
        hp.dt = y < 0.3 ? 0 : y < 0.6 ? hp.horizon_days / 365.0 : mgn_test_range(&g, 0, 0.1);
        hp.currency = mgn_test_uniform(&g) < 0.5 ? MGN_QUOTE
                                                 : (int)(mgn_test_uniform(&g) * (double)nm);
        hp.threads = mgn_test_uniform(&g) < 0.5 ? 1 : 2;

        /* the two histories, current then the optional stressed one (always equally
           weighted and unfiltered), with their reference scenarios */
        size_t h = (size_t)hp.horizon_days, n_days[2], ns[2] = { 0, 0 };
        int has_dv[2], status[2] = { MGN_OK, MGN_OK }, left_out[2] = { 0, 0 };
        mgn_hs_params hist_params[2] = { hp, hp };
        hist_params[1].weighting = 0;
        for (int k = 0; k < 2; k++) {
            y = mgn_test_uniform(&g);
            n_days[k] = h + (size_t)(mgn_test_uniform(&g) * (y < 0.1 ? 3 : (double)(ND + 1 - h)));
            if (n_days[k] > ND)
                n_days[k] = ND;
            has_dv[k] = mgn_test_uniform(&g) < 0.6;
        }
        if (mgn_test_uniform(&g) < 0.5)
            n_days[1] = 0;
        for (int k = 0; k < 2 && n_days[k] > 0; k++) {
            long double lowest, highest;
            rh_draw_history(&g, n_days[k], nm, hist_ret[k], has_dv[k] ? hist_dv[k] : NULL);
            ns[k] = rh_ref_shocks(hist_ret[k], has_dv[k] ? hist_dv[k] : NULL, n_days[k], nm,
                                  hp.horizon_days, hp.horizon_method,
                                  (hist_params[k].weighting & MGN_HS_FILTERED) != 0,
                                  hp.ewma_lambda, ref_sh[k], mag[k], dv_mag[k], &lowest, &highest);
            if (lowest <= -38 || highest >= 710)
                status[k] = MGN_ERANGE;
            else if (lowest < -37 || highest > 37)
                left_out[k] = 1;
        }
        if ((left_out[0] || left_out[1]) && status[0] == MGN_OK && status[1] == MGN_OK) {
            n_left_out++;
            continue;
        }

        size_t bytes;
        assert_int_equal(mgn_var_historical_work_size(n_days[0], n_days[1], nm, &hp, &bytes),
                         MGN_OK);
        void *work = malloc(bytes);
        mgn_var_result res;
        int st = mgn_var_historical(mk, nm, pos, np, hist_ret[0], has_dv[0] ? hist_dv[0] : NULL,
                                    n_days[0], n_days[1] ? hist_ret[1] : NULL,
                                    n_days[1] && has_dv[1] ? hist_dv[1] : NULL, n_days[1], &hp,
                                    work, bytes, &res);
        free(work);
        if (status[0] != MGN_OK || status[1] != MGN_OK) {
            assert_int_equal(st, MGN_ERANGE);
            n_erange++;
        } else {
            assert_int_equal(st, MGN_OK);
        }

        for (int k = 0; k < 2 && n_days[k] > 0; k++) {
            const double *r = hist_ret[k], *d = has_dv[k] ? hist_dv[k] : NULL;
            const mgn_hs_params *q = &hist_params[k];
            int brw = (q->weighting & MGN_HS_BRW) != 0;
            size_t lib_ns = 0;
            assert_int_equal(mgn_hs_scenario_count(n_days[k], q, &lib_ns), MGN_OK);
            assert_int_equal(lib_ns, ns[k]);
            int st_scen = mgn_hs_scenarios(r, d, n_days[k], nm, q, lib_sh, lib_w);
            if (!left_out[k])
                assert_int_equal(st_scen, status[k]);
            if (status[k] != MGN_OK || st != MGN_OK)
                continue;
            for (size_t i = 0; i < ns[k] * nm; i++) {
                const mgn_shock *want = &ref_sh[k][i];
                double e = fmax(rh_fraction(lib_sh[i].price, want->price,
                                            rh_price_tol(want, mag[k][i])),
                                rh_fraction(lib_sh[i].vol, want->vol,
                                            rh_vol_tol(dv_mag[k][i], hp.horizon_days)));
                if (!(e <= 1)) {
                    print_error("iteration %ld, history %d, shock %zu: (%.17g, %.17g), expected "
                                "(%.17g, %.17g)\n", it, k, i, lib_sh[i].price, lib_sh[i].vol,
                                want->price, want->vol);
                    fail();
                }
                worst_shock = fmax(worst_shock, e);
            }
            /* BRW: the scenario of age i (1 = newest) weighs lambda^(i-1) (1 - lambda) /
               (1 - lambda^N); else 1/N. The library's doubles to 1e-13 relative: pow's and
               the normalisation's few ulps, the latter's log(lambda) multiplied by N. */
            long double lam = hp.brw_lambda;
            for (size_t j = 0; j < ns[k]; j++) {
                ref_w[j] = brw ? powl(lam, (long double)(ns[k] - j - 1)) * (1 - lam)
                                     / (1 - powl(lam, (long double)ns[k]))
                               : 1.0L / (long double)ns[k];
                double e = rh_fraction(lib_w[j], ref_w[j], 1e-13L * ref_w[j]);
                if (!(e <= 1)) {
                    print_error("iteration %ld, history %d, weight %zu: %.17g, expected %.17Lg\n",
                                it, k, j, lib_w[j], ref_w[j]);
                    fail();
                }
                worst_weight = fmax(worst_weight, e);
            }
            rh_ref_losses(mk, nm, pos, np, ref_sh[k], mag[k], dv_mag[k], ns[k],
                          hp.horizon_days, hp.dt, hp.currency, loss, err);
            long double want_var, want_es, var_lo, var_hi, es_lo, es_hi;
            const long double *w = brw ? ref_w : NULL;
            rh_ref_var_es(loss, NULL, 0, w, ns[k], hp.confidence, &want_var, &want_es);
            rh_ref_var_es(loss, err, -1, w, ns[k], hp.confidence, &var_lo, &es_lo);
            rh_ref_var_es(loss, err, +1, w, ns[k], hp.confidence, &var_hi, &es_hi);
            double got_var = k == 0 ? res.var_current : res.var_stressed;
            double got_es = k == 0 ? res.es_current : res.es_stressed;
            double e = fmax(rh_tail_fraction(got_var, want_var, var_lo, var_hi),
                            rh_tail_fraction(got_es, want_es, es_lo, es_hi));
            if (!(e <= 1)) {
                print_error("iteration %ld, history %d: VaR %.17g, ES %.17g, expected %.17Lg in "
                            "[%.17Lg, %.17Lg], %.17Lg in [%.17Lg, %.17Lg]\n", it, k, got_var,
                            got_es, want_var, var_lo, var_hi, want_es, es_lo, es_hi);
                fail();
            }
            worst_tail = fmax(worst_tail, e);
        }
        if (st != MGN_OK)
            continue;
        /* the reported figures: max(current, stressed) with a stressed history */
        assert_int_equal(res.n_scenarios, ns[0]);
        if (n_days[1] > 0) {
            assert_true(res.var == fmax(res.var_current, res.var_stressed));
            assert_true(res.es == fmax(res.es_current, res.es_stressed));
        } else {
            assert_true(res.var == res.var_current && res.es == res.es_current);
            assert_true(res.var_stressed == 0 && res.es_stressed == 0);
        }
        assert_true(res.var_se == 0 && res.es_se == 0);
    }
    double worst = fmax(worst_shock, fmax(worst_weight, worst_tail));
    print_message("%ld random histories: worst %.3g of the tolerance (shocks %.3g, weights %.3g, "
                  "VaR and ES %.3g; %ld MGN_ERANGE as expected, %ld left out)\n", iters, worst,
                  worst_shock, worst_weight, worst_tail, n_erange, n_left_out);
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
    /* shorter than the horizon: no window, but sqrt-scaled one-day scenarios */
    q = hp;
    q.horizon_days = 21;
    assert_int_equal(mgn_hs_scenario_count(nd, &q, &n), MGN_EINVAL);
    q.horizon_method = MGN_HORIZON_SQRT;
    assert_int_equal(mgn_hs_scenario_count(nd, &q, &n), MGN_OK);
    assert_int_equal(n, nd);
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
    /* the scenario table's size overflows: refused before the returns are read */
    assert_int_equal(mgn_hs_scenarios(r, NULL, SIZE_MAX / 8, 16, &hp, sh, NULL), MGN_ERANGE);
    /* a return of 1e300 over a 10-day horizon scaled by sqrt(10): e^(3.16 x 690.8)
       overflows */
    q = hp;
    q.horizon_days = 10;
    q.horizon_method = MGN_HORIZON_SQRT;
    double rr[20];
    memcpy(rr, r, sizeof rr);
    rr[5] = 1e300;
    assert_int_equal(mgn_hs_scenarios(rr, NULL, nd, 1, &q, sh, NULL), MGN_ERANGE);
    size_t bq;
    void *wq = ws(nd, 0, 1, &q, &bq);
    assert_int_equal(mgn_var_historical(&m, 1, &p, 1, rr, NULL, nd, NULL, NULL, 0, &q, wq, bq, &res), MGN_ERANGE);
    assert_memory_equal(&res, &r0, sizeof res);
    free(wq);
    assert_int_equal(mgn_sizeof_hs_params(), sizeof(mgn_hs_params));
    free(w);
    free(r);
}

/*---------------------------------------------------------------- bad input catalogue */
/* Every argument of every function of this file with the bad values of the catalogue
   (tests/README.md, tests/bad_input.h). */
#include "bad_input.h"

enum { HS_ND = 12 };

typedef struct {
    const double *ret, *dv;
    size_t n_days;
    const double *sret, *sdv;
    size_t n_sdays;
    const mgn_hs_params *params;
    void *work;
    size_t work_size;
    int null_out;
} bad_hs_args;

static int bad_hs_run(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos, size_t n_pos,
                      const bad_hs_args *a)
{
    mgn_var_result out;
    bad_fill(&out, sizeof out);
    int st = mgn_var_historical(mkt, n_mkt, pos, n_pos, a->ret, a->dv, a->n_days, a->sret, a->sdv,
                                a->n_sdays, a->params, a->work, a->work_size,
                                a->null_out ? NULL : &out);
    if (st != MGN_OK)
        BAD_UNTOUCHED(&out, sizeof out);
    return st;
}

static int bad_call_hs_book(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                            size_t n_pos, int which, void *ctx)
{
    (void)which;
    return bad_hs_run(mkt, n_mkt, pos, n_pos, ctx);
}

typedef struct {
    bad_hs_args a;
    const mgn_market *mkt;
    const mgn_position *pos;
    int fn;                 /* 0 var_historical, 1 scenario_count, 2 scenarios, 3 work_size */
} bad_hs_ctx;

static int bad_call_hs_params(const void *arg, void *ctx)
{
    bad_hs_ctx *c = ctx;
    const mgn_hs_params *p = arg;
    size_t n;
    mgn_shock sh[HS_ND * BAD_NMKT];
    double w[HS_ND];
    int st;
    switch (c->fn) {
    case 0: {
        bad_hs_args a = c->a;
        a.params = p;
        return bad_hs_run(c->mkt, BAD_NMKT, c->pos, BAD_NPOS, &a);
    }
    case 1:
        bad_fill(&n, sizeof n);
        st = mgn_hs_scenario_count(HS_ND, p, &n);
        if (st != MGN_OK)
            BAD_UNTOUCHED(&n, sizeof n);
        return st;
    case 2:
        bad_fill(sh, sizeof sh);
        bad_fill(w, sizeof w);
        st = mgn_hs_scenarios(c->a.ret, c->a.dv, HS_ND, BAD_NMKT, p, sh, w);
        if (st != MGN_OK) {
            BAD_UNTOUCHED(sh, sizeof sh);
            BAD_UNTOUCHED(w, sizeof w);
        }
        return st;
    default:
        bad_fill(&n, sizeof n);
        st = mgn_var_historical_work_size(HS_ND, HS_ND, BAD_NMKT, p, &n);
        if (st != MGN_OK)
            BAD_UNTOUCHED(&n, sizeof n);
        return st;
    }
}

static const bad_int BAD_HS_HORIZON[] = { { "0", 0 }, { "-1", -1 }, { "INT_MIN", INT_MIN },
                                          { "n_days + 1", HS_ND + 1 } };
static const bad_int BAD_HS_METHOD[] = { { "-1", -1 }, { "2", 2 }, { "INT_MAX", INT_MAX } };
static const bad_int BAD_HS_WEIGHTING[] = { { "-1", -1 }, { "4", 4 }, { "INT_MAX", INT_MAX } };
static const bad_int BAD_HS_THREADS[] = { { "0", 0 }, { "-1", -1 }, { "257", 257 }, { "INT_MAX", INT_MAX } };
static const bad_int BAD_HS_RESERVED[] = { { "1", 1 }, { "-1", -1 } };
static const bad_field BAD_HS_FIELDS[] = {
    BAD_DFIELD(mgn_hs_params, confidence, BAD_D_UNIT_OPEN),
    BAD_IFIELD(mgn_hs_params, horizon_days, BAD_HS_HORIZON),
    BAD_IFIELD(mgn_hs_params, horizon_method, BAD_HS_METHOD),
    BAD_IFIELD(mgn_hs_params, weighting, BAD_HS_WEIGHTING),
    BAD_IFIELD(mgn_hs_params, threads, BAD_HS_THREADS),
    BAD_DFIELD(mgn_hs_params, brw_lambda, BAD_D_UNIT_OPEN),
    BAD_DFIELD(mgn_hs_params, ewma_lambda, BAD_D_UNIT_OPEN),
    BAD_DFIELD(mgn_hs_params, dt, BAD_D_NONNEG),
    BAD_IFIELD(mgn_hs_params, reserved, BAD_HS_RESERVED),
};

static void bad_hs_struct_size(const char *fn, const mgn_hs_params *good, bad_hs_ctx *c)
{
    static const bad_size bad_ss[] = { { "0", 0 }, { "sizeof - 8", sizeof(mgn_hs_params) - 8 },
                                       { "sizeof + 8", sizeof(mgn_hs_params) + 8 },
                                       { "SIZE_MAX", SIZE_MAX } };
    for (size_t k = 0; k < BAD_N(bad_ss); k++) {
        mgn_hs_params p = *good;
        p.struct_size = bad_ss[k].v;
        BAD_STATUS(fn, "params->struct_size", bad_ss[k].label, MGN_EINVAL, bad_call_hs_params(&p, c));
    }
}

static void test_bad_input_historical(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    mgn_market mk[BAD_NMKT];
    mgn_position pos[BAD_NPOS];
    bad_default_book(mk, pos);
    double ret[HS_ND * BAD_NMKT], dv[HS_ND * BAD_NMKT];
    for (int i = 0; i < HS_ND * BAD_NMKT; i++) {
        ret[i] = 0.01 * ((i * 5) % 7 - 3);
        dv[i] = 0.002 * ((i * 3) % 5 - 2);
    }
    mgn_hs_params hp;
    assert_int_equal(mgn_hs_params_init(&hp), MGN_OK);
    hp.weighting = MGN_HS_BRW | MGN_HS_FILTERED;
    hp.horizon_days = 2;
    static double work[1024];
    size_t need;
    assert_int_equal(mgn_var_historical_work_size(HS_ND, HS_ND, BAD_NMKT, &hp, &need), MGN_OK);
    assert_true(need <= sizeof work);
    const bad_hs_args good = { ret, dv, HS_ND, ret, dv, HS_ND, &hp, work, sizeof work, 0 };

    /* mgn_var_historical */
    const char *fn = "mgn_var_historical";
    bad_hs_args a = good;
    bad_book_mutations(fn, "mkt[]", "pos[]", bad_call_hs_book, &a, mk, BAD_NMKT, pos, BAD_NPOS, 0, 1);
    BAD_STATUS(fn, "mkt", "NULL (n_mkt = 2)", MGN_EINVAL, bad_hs_run(NULL, BAD_NMKT, pos, BAD_NPOS, &a));
    BAD_STATUS(fn, "n_mkt", "0", MGN_EINVAL, bad_hs_run(mk, 0, pos, BAD_NPOS, &a));
    for (size_t s = 0; s < 2; s++)      /* n_days * n_mkt shocks overflow: before any read */
        BAD_STATUS(fn, "n_mkt", BAD_SIZES[s].label, MGN_ERANGE, bad_hs_run(mk, BAD_SIZES[s].v, pos, BAD_NPOS, &a));
    BAD_STATUS(fn, "pos", "NULL (n_pos = 3)", MGN_EINVAL, bad_hs_run(mk, BAD_NMKT, NULL, BAD_NPOS, &a));
    for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
        BAD_STATUS(fn, "n_pos", BAD_SIZES_NULL[s].label, MGN_EINVAL, bad_hs_run(mk, BAD_NMKT, NULL, BAD_SIZES[s].v, &a));
    bad_hs_ctx c = { good, mk, pos, 0 };
    bad_struct_fields(fn, "params->", &hp, sizeof hp, BAD_HS_FIELDS, bad_call_hs_params, &c);
    bad_hs_struct_size(fn, &hp, &c);
    for (size_t k = 0; k < BAD_N(BAD_CURRENCY); k++) {
        mgn_hs_params p = hp;
        p.currency = BAD_CURRENCY[k].v;
        BAD_STATUS(fn, "params->currency", BAD_CURRENCY[k].label, MGN_EINVAL, bad_call_hs_params(&p, &c));
    }
    a.params = NULL;
    BAD_STATUS(fn, "params", "NULL", MGN_EINVAL, bad_hs_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    /* the histories */
    static const bad_double bad_ret[] = { BAD_NONFINITE, { "-1", -1 }, { "-2", -2 } };
    for (int stress = 0; stress < 2; stress++) {
        const char *rn = stress ? "stress_returns[i]" : "returns[i]";
        const char *vn = stress ? "stress_vol_changes[i]" : "vol_changes[i]";
        for (size_t k = 0; k < BAD_N(bad_ret); k++) {
            double r2[HS_ND * BAD_NMKT];
            memcpy(r2, ret, sizeof r2);
            r2[9] = bad_ret[k].v;
            a = good;
            *(stress ? &a.sret : &a.ret) = r2;
            BAD_STATUS(fn, rn, bad_ret[k].label, MGN_EINVAL, bad_hs_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
            if (k < 3) {
                double d2[HS_ND * BAD_NMKT];
                memcpy(d2, dv, sizeof d2);
                d2[4] = bad_ret[k].v;
                a = good;
                *(stress ? &a.sdv : &a.dv) = d2;
                BAD_STATUS(fn, vn, bad_ret[k].label, MGN_EINVAL, bad_hs_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
            }
        }
        double r2[HS_ND * BAD_NMKT];
        memcpy(r2, ret, sizeof r2);
        r2[10] = r2[12] = 1e300;       /* two consecutive days of underlying 0: the 2-day move overflows */
        a = good;
        *(stress ? &a.sret : &a.ret) = r2;
        BAD_STATUS(fn, rn, "1e300 on two consecutive days (horizon 2)", MGN_ERANGE,
                   bad_hs_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    }
    a = good;
    a.ret = NULL;
    BAD_STATUS(fn, "returns", "NULL", MGN_EINVAL, bad_hs_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    a = good;
    a.sret = NULL;
    BAD_STATUS(fn, "stress_returns", "NULL (n_stress_days = 12)", MGN_EINVAL, bad_hs_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    a = good;
    a.n_days = 0;
    BAD_STATUS(fn, "n_days", "0", MGN_EINVAL, bad_hs_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    a.n_days = 1;
    BAD_STATUS(fn, "n_days", "1 (< horizon_days 2)", MGN_EINVAL, bad_hs_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    for (size_t s = 0; s < 2; s++) {
        a.n_days = BAD_SIZES[s].v;
        BAD_STATUS(fn, "n_days", BAD_SIZES[s].label, MGN_ERANGE, bad_hs_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    }
    a = good;
    a.n_sdays = 1;
    BAD_STATUS(fn, "n_stress_days", "1 (< horizon_days 2)", MGN_EINVAL, bad_hs_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    for (size_t s = 0; s < 2; s++) {
        a.n_sdays = BAD_SIZES[s].v;
        BAD_STATUS(fn, "n_stress_days", BAD_SIZES[s].label, MGN_ERANGE, bad_hs_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    }
    a = good;
    a.work = NULL;
    BAD_STATUS(fn, "work", "NULL", MGN_EINVAL, bad_hs_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    a.work = (char *)work + 4;
    BAD_STATUS(fn, "work", "misaligned (work + 4 bytes)", MGN_EINVAL, bad_hs_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    a = good;
    a.work_size = 0;
    BAD_STATUS(fn, "work_size", "0", MGN_ENOMEM, bad_hs_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    a.work_size = need - 1;
    BAD_STATUS(fn, "work_size", "need - 1", MGN_ENOMEM, bad_hs_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    a = good;
    a.null_out = 1;
    BAD_STATUS(fn, "out", "NULL", MGN_EINVAL, bad_hs_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));

    /* mgn_hs_scenario_count */
    fn = "mgn_hs_scenario_count";
    c.fn = 1;
    bad_struct_fields(fn, "params->", &hp, sizeof hp, BAD_HS_FIELDS, bad_call_hs_params, &c);
    bad_hs_struct_size(fn, &hp, &c);
    size_t n;
    bad_fill(&n, sizeof n);
    BAD_STATUS(fn, "params", "NULL", MGN_EINVAL, mgn_hs_scenario_count(HS_ND, NULL, &n));
    BAD_STATUS(fn, "n_days", "0", MGN_EINVAL, mgn_hs_scenario_count(0, &hp, &n));
    BAD_STATUS(fn, "n_days", "1 (< horizon_days 2)", MGN_EINVAL, mgn_hs_scenario_count(1, &hp, &n));
    BAD_UNTOUCHED(&n, sizeof n);
    BAD_STATUS(fn, "n_scen", "NULL", MGN_EINVAL, mgn_hs_scenario_count(HS_ND, &hp, NULL));

    /* mgn_hs_scenarios */
    fn = "mgn_hs_scenarios";
    c.fn = 2;
    bad_struct_fields(fn, "params->", &hp, sizeof hp, BAD_HS_FIELDS, bad_call_hs_params, &c);
    bad_hs_struct_size(fn, &hp, &c);
    mgn_shock sh[HS_ND * BAD_NMKT];
    double w[HS_ND];
#define HS_SCEN(r, d, nd, nm, p, s, wt, want, arg, label)                               \
    do {                                                                                \
        bad_fill(sh, sizeof sh);                                                        \
        bad_fill(w, sizeof w);                                                          \
        BAD_STATUS(fn, arg, label, want, mgn_hs_scenarios(r, d, nd, nm, p, s, wt));     \
        BAD_UNTOUCHED(sh, sizeof sh);                                                   \
        BAD_UNTOUCHED(w, sizeof w);                                                     \
    } while (0)
    HS_SCEN(NULL, dv, HS_ND, BAD_NMKT, &hp, sh, w, MGN_EINVAL, "returns", "NULL");
    for (size_t k = 0; k < BAD_N(bad_ret); k++) {
        double r2[HS_ND * BAD_NMKT];
        memcpy(r2, ret, sizeof r2);
        r2[9] = bad_ret[k].v;
        HS_SCEN(r2, dv, HS_ND, BAD_NMKT, &hp, sh, w, MGN_EINVAL, "returns[i]", bad_ret[k].label);
        if (k < 3) {
            double d2[HS_ND * BAD_NMKT];
            memcpy(d2, dv, sizeof d2);
            d2[4] = bad_ret[k].v;
            HS_SCEN(ret, d2, HS_ND, BAD_NMKT, &hp, sh, w, MGN_EINVAL, "vol_changes[i]", bad_ret[k].label);
        }
    }
    HS_SCEN(ret, dv, 0, BAD_NMKT, &hp, sh, w, MGN_EINVAL, "n_days", "0");
    HS_SCEN(ret, dv, 1, BAD_NMKT, &hp, sh, w, MGN_EINVAL, "n_days", "1 (< horizon_days 2)");
    for (size_t s = 0; s < 2; s++) {
        HS_SCEN(ret, dv, BAD_SIZES[s].v, BAD_NMKT, &hp, sh, w, MGN_ERANGE, "n_days", BAD_SIZES[s].label);
        HS_SCEN(ret, dv, HS_ND, BAD_SIZES[s].v, &hp, sh, w, MGN_ERANGE, "n_mkt", BAD_SIZES[s].label);
    }
    HS_SCEN(ret, dv, HS_ND, 0, &hp, sh, w, MGN_EINVAL, "n_mkt", "0");
    HS_SCEN(ret, dv, HS_ND, BAD_NMKT, NULL, sh, w, MGN_EINVAL, "params", "NULL");
    HS_SCEN(ret, dv, HS_ND, BAD_NMKT, &hp, NULL, w, MGN_EINVAL, "shocks", "NULL");
    BAD_STATUS_NOTE(fn, "weights", "NULL", MGN_OK, "optional output",
                    mgn_hs_scenarios(ret, dv, HS_ND, BAD_NMKT, &hp, sh, NULL));
#undef HS_SCEN

    /* mgn_var_historical_work_size */
    fn = "mgn_var_historical_work_size";
    c.fn = 3;
    bad_struct_fields(fn, "params->", &hp, sizeof hp, BAD_HS_FIELDS, bad_call_hs_params, &c);
    bad_hs_struct_size(fn, &hp, &c);
    bad_fill(&n, sizeof n);
    BAD_STATUS(fn, "params", "NULL", MGN_EINVAL, mgn_var_historical_work_size(HS_ND, 0, BAD_NMKT, NULL, &n));
    BAD_STATUS(fn, "n_days", "0", MGN_EINVAL, mgn_var_historical_work_size(0, 0, BAD_NMKT, &hp, &n));
    BAD_STATUS(fn, "n_days", "1 (< horizon_days 2)", MGN_EINVAL, mgn_var_historical_work_size(1, 0, BAD_NMKT, &hp, &n));
    BAD_STATUS(fn, "n_stress_days", "1 (< horizon_days 2)", MGN_EINVAL,
               mgn_var_historical_work_size(HS_ND, 1, BAD_NMKT, &hp, &n));
    BAD_STATUS(fn, "n_mkt", "0", MGN_EINVAL, mgn_var_historical_work_size(HS_ND, 0, 0, &hp, &n));
    for (size_t s = 0; s < 2; s++) {
        BAD_STATUS(fn, "n_days", BAD_SIZES[s].label, MGN_ERANGE,
                   mgn_var_historical_work_size(BAD_SIZES[s].v, 0, BAD_NMKT, &hp, &n));
        BAD_STATUS(fn, "n_stress_days", BAD_SIZES[s].label, MGN_ERANGE,
                   mgn_var_historical_work_size(HS_ND, BAD_SIZES[s].v, BAD_NMKT, &hp, &n));
        BAD_STATUS(fn, "n_mkt", BAD_SIZES[s].label, MGN_ERANGE,
                   mgn_var_historical_work_size(HS_ND, 0, BAD_SIZES[s].v, &hp, &n));
    }
    BAD_UNTOUCHED(&n, sizeof n);
    BAD_STATUS(fn, "bytes", "NULL", MGN_EINVAL, mgn_var_historical_work_size(HS_ND, 0, BAD_NMKT, &hp, NULL));

    BAD_STATUS("mgn_hs_params_init", "params", "NULL", MGN_EINVAL, mgn_hs_params_init(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear_plain_overlap_sqrt),
        cmocka_unit_test(test_brw_and_filtered),
        cmocka_unit_test(test_stressed),
        cmocka_unit_test(test_options_threads_contrib),
        cmocka_unit_test(test_vs_brute_force_random),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_bad_input_historical),
    };
    return cmocka_run_group_tests_name("historical", tests, NULL, NULL);
}
