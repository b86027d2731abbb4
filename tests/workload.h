/* A representative run of the public API on fixed, deterministic inputs, shared by
 * tests/test_fpenv.c (floating-point environment) and tests/test_threads.c
 * (thread safety, thread-count invariance).
 *
 * wl_fix_init() builds read-only inputs once: two underlyings, a mixed book (European
 * and American options, linear and inverse futures and perpetuals), rule sets for
 * every margin method, histories for historical VaR, a covariance for Monte Carlo, and
 * WL_N_ACCT accounts (more than one sweep chunk of 2048, so two threads really split
 * the sweep). Each step of WL_STEPS calls a group of public functions and appends
 * their outputs (raw bytes) and statuses to a wl_buf; two runs are equal when their
 * buffers are equal byte for byte. Every call of a step is expected to return MGN_OK.
 *
 * Sizes are small: the whole run takes a few milliseconds natively, so the tests stay
 * quick under valgrind and ThreadSanitizer too.
 */
#ifndef MGN_TEST_WORKLOAD_H
#define MGN_TEST_WORKLOAD_H

#include <stdlib.h>
#include "test_util.h"

#define WL_N_POS   12
#define WL_N_BATCH 37      /* not a multiple of any vector width: exercises the tails */
#define WL_N_DAYS  300     /* > 256 scenarios: two chunks of the threaded P&L */
#define WL_N_PATHS 1000    /* four chunks of 256 paths */
#define WL_N_ACCT  2100    /* two sweep chunks of 2048 */
#define WL_ACCT_POS 3
#define WL_N_CASC  64

typedef struct {
    mgn_market mkt[2];
    mgn_position pos[WL_N_POS];
    /* batch inputs */
    int type[WL_N_BATCH];
    double S[WL_N_BATCH], K[WL_N_BATCH], T[WL_N_BATCH], r[WL_N_BATCH], q[WL_N_BATCH],
           sigma[WL_N_BATCH], price[WL_N_BATCH];
    /* margin rule sets */
    mgn_std_params std;
    mgn_pm_params pm[2];
    mgn_span_params span[2];
    mgn_span_pair pair;
    /* VaR inputs */
    double returns[WL_N_DAYS * 2], volchg[WL_N_DAYS * 2];
    double cov[4], delta[2], gamma[4];
    double pnl[WL_N_DAYS];
    int exceptions[WL_N_DAYS];
    /* accounts */
    mgn_position *apos;            /* WL_N_ACCT * WL_ACCT_POS */
    mgn_balance *abal;             /* WL_N_ACCT */
    mgn_account *acct;             /* WL_N_ACCT */
    mgn_account_params cross, port;
    /* oracle feeds */
    double feed_price[7], feed_time[7];
} wl_fix;

/* Output of one run: bytes appended in call order. */
typedef struct {
    unsigned char *b;
    size_t n, cap;
} wl_buf;

static void wl_put(wl_buf *o, const void *p, size_t bytes)
{
    if (o->n + bytes > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->n + bytes)
            cap *= 2;
        unsigned char *nb = (unsigned char *)realloc(o->b, cap);
        if (!nb)
            abort();     /* no cmocka assertion here: this may run on a worker thread */
        o->b = nb;
        o->cap = cap;
    }
    memcpy(o->b + o->n, p, bytes);
    o->n += bytes;
}
#define WL_PUT(o, x) wl_put((o), &(x), sizeof(x))

static void wl_buf_free(wl_buf *o)
{
    free(o->b);
    o->b = NULL;
    o->n = o->cap = 0;
}

static mgn_position wl_opt(int u, int type, int ex, int settle, double qty, double K, double T,
                           double vol)
{
    mgn_position p;
    memset(&p, 0, sizeof p);
    p.instrument = MGN_OPTION; p.underlying = u; p.option_type = type; p.settlement = settle;
    p.exercise = ex; p.quantity = qty; p.multiplier = 1; p.strike = K; p.expiry = T;
    p.vol = vol;
    return p;
}

static mgn_position wl_lin(int instr, int u, int settle, double qty, double T, double entry)
{
    mgn_position p;
    memset(&p, 0, sizeof p);
    p.instrument = instr; p.underlying = u; p.settlement = settle; p.quantity = qty;
    p.multiplier = settle == MGN_INVERSE ? 10 : 1; p.expiry = T; p.entry_price = entry;
    return p;
}

static void wl_fix_init(wl_fix *f)
{
    memset(f, 0, sizeof *f);
    mgn_test_rng g = { 20240611 };
    mgn_market m0 = { 50000, 0.03, 0.0 }, m1 = { 3000, 0.03, 0.01 };
    f->mkt[0] = m0;
    f->mkt[1] = m1;
    f->pos[0] = wl_opt(0, MGN_CALL, MGN_EUROPEAN, MGN_LINEAR, -3, 55000, 0.25, 0.6);
    f->pos[1] = wl_opt(0, MGN_PUT, MGN_EUROPEAN, MGN_LINEAR, 2, 45000, 0.25, 0.65);
    f->pos[2] = wl_opt(0, MGN_CALL, MGN_EUROPEAN, MGN_INVERSE, 4, 60000, 0.5, 0.55);
    f->pos[3] = wl_opt(0, MGN_PUT, MGN_AMERICAN, MGN_LINEAR, -1, 48000, 0.1, 0.7);
    f->pos[4] = wl_lin(MGN_FUTURE, 0, MGN_LINEAR, 1.5, 0.3, 49000);
    f->pos[5] = wl_lin(MGN_PERPETUAL, 0, MGN_INVERSE, -200, 0, 51000);
    f->pos[6] = wl_opt(1, MGN_CALL, MGN_EUROPEAN, MGN_LINEAR, -20, 3300, 0.08, 0.8);
    f->pos[7] = wl_opt(1, MGN_PUT, MGN_EUROPEAN, MGN_LINEAR, -15, 2700, 0.08, 0.85);
    f->pos[8] = wl_opt(1, MGN_CALL, MGN_AMERICAN, MGN_LINEAR, 10, 3000, 0.4, 0.75);
    f->pos[9] = wl_lin(MGN_PERPETUAL, 1, MGN_LINEAR, 12, 0, 2900);
    f->pos[10] = wl_lin(MGN_FUTURE, 1, MGN_INVERSE, -50, 0.2, 3100);
    f->pos[11] = wl_opt(1, MGN_PUT, MGN_EUROPEAN, MGN_INVERSE, 30, 2800, 1.0, 0.7);

    for (int i = 0; i < WL_N_BATCH; i++) {
        f->type[i] = i % 2;
        f->S[i] = mgn_test_logrange(&g, 50, 200);
        f->K[i] = f->S[i] * mgn_test_logrange(&g, 0.5, 2);
        f->T[i] = mgn_test_logrange(&g, 1.0 / 365, 5);
        f->r[i] = mgn_test_range(&g, -0.01, 0.08);
        f->q[i] = mgn_test_range(&g, 0, 0.05);
        f->sigma[i] = mgn_test_range(&g, 0.05, 1.5);
        assert_int_equal(mgn_bs_price(f->type[i], f->S[i], f->K[i], f->T[i], f->r[i], f->q[i],
                                      f->sigma[i], &f->price[i]), MGN_OK);
    }

    f->std.struct_size = sizeof f->std;
    assert_int_equal(mgn_std_preset(MGN_STD_PRESET_DERIBIT_BTC, &f->std), MGN_OK);
    f->std.strategies = MGN_STD_PAIR_ALL;
    for (int u = 0; u < 2; u++) {
        assert_int_equal(mgn_pm_preset_deribit(&f->pm[u]), MGN_OK);
        mgn_span_params s = { 0.15, 0.1, 2, 0.35, 1.0 / 365, 0.01, 0.001 };
        f->span[u] = s;
    }
    mgn_span_pair pr = { 0, 1, 1, 15, 0.5 };
    f->pair = pr;

    for (int d = 0; d < WL_N_DAYS; d++) {
        for (int u = 0; u < 2; u++) {
            /* a sum of uniforms: roughly normal, daily vol about 3% */
            double z = -2;
            for (int k = 0; k < 4; k++)
                z += mgn_test_uniform(&g);
            f->returns[d * 2 + u] = 0.03 * 1.7 * z;
            f->volchg[d * 2 + u] = mgn_test_range(&g, -0.02, 0.02);
        }
        f->pnl[d] = 1000 * (mgn_test_uniform(&g) - 0.5);
    }
    f->cov[0] = 0.0009; f->cov[1] = f->cov[2] = 0.0007; f->cov[3] = 0.0012;
    f->delta[0] = 5000; f->delta[1] = -2000;
    f->gamma[0] = -30; f->gamma[1] = f->gamma[2] = 5; f->gamma[3] = -10;

    f->apos = (mgn_position *)malloc(WL_N_ACCT * WL_ACCT_POS * sizeof *f->apos);
    f->abal = (mgn_balance *)malloc(WL_N_ACCT * sizeof *f->abal);
    f->acct = (mgn_account *)malloc(WL_N_ACCT * sizeof *f->acct);
    assert_true(f->apos && f->abal && f->acct);
    for (size_t k = 0; k < WL_N_ACCT; k++) {
        mgn_position *p = f->apos + k * WL_ACCT_POS;
        int u = (int)(k % 2);
        double S = f->mkt[u].spot;
        double qty = mgn_test_range(&g, -3, 3) * (u ? 10 : 1);
        p[0] = wl_lin(k % 3 ? MGN_PERPETUAL : MGN_FUTURE, u, MGN_LINEAR, qty, k % 3 ? 0 : 0.2,
                      S * mgn_test_range(&g, 0.9, 1.1));
        p[1] = wl_opt(u, MGN_CALL, MGN_EUROPEAN, MGN_LINEAR, -qty * mgn_test_range(&g, 0, 1),
                      S * mgn_test_range(&g, 0.8, 1.3), mgn_test_range(&g, 0.02, 0.5),
                      mgn_test_range(&g, 0.4, 1));
        p[2] = wl_opt(1 - u, MGN_PUT, MGN_EUROPEAN, MGN_LINEAR, mgn_test_range(&g, -2, 2),
                      f->mkt[1 - u].spot * mgn_test_range(&g, 0.7, 1.1),
                      mgn_test_range(&g, 0.02, 0.5), mgn_test_range(&g, 0.4, 1));
        mgn_balance b = { MGN_QUOTE, 0, mgn_test_range(&g, 2000, 60000), 0, 0 };
        f->abal[k] = b;
        mgn_account *a = &f->acct[k];
        memset(a, 0, sizeof *a);
        a->struct_size = sizeof *a;
        a->pos = p;
        a->n_pos = WL_ACCT_POS;
        a->bal = &f->abal[k];
        a->n_bal = 1;
        a->currency = MGN_QUOTE;
    }
    assert_int_equal(mgn_account_params_init(&f->cross), MGN_OK);
    assert_int_equal(mgn_account_params_init(&f->port), MGN_OK);
    f->port.mode = MGN_MODE_PORTFOLIO;
    f->port.pm = f->pm;

    for (int i = 0; i < 7; i++) {
        f->feed_price[i] = 50000 * (1 + 0.002 * (i - 3));
        f->feed_time[i] = 100 - i;
    }
    f->feed_price[6] = 80000;    /* an outlier the band drops */
}

static void wl_fix_free(wl_fix *f)
{
    free(f->apos);
    free(f->abal);
    free(f->acct);
}

/* Records the status and remembers the first failure. */
#define WL_CALL(o, st, expr) do { int s_ = (expr); WL_PUT((o), s_); if (s_ != MGN_OK && (st) == MGN_OK) (st) = s_; } while (0)

/*---------------------------------------------------------------- steps
 * threads: the thread count passed to the functions that take one. */

static int wl_scalar(const wl_fix *f, int threads, wl_buf *o)
{
    (void)threads;
    int st = MGN_OK;
    for (int i = 0; i < 8; i++) {
        double p, iv;
        mgn_greeks gk;
        WL_CALL(o, st, mgn_bs_price(f->type[i], f->S[i], f->K[i], f->T[i], f->r[i], f->q[i], f->sigma[i], &p));
        WL_PUT(o, p);
        WL_CALL(o, st, mgn_bs_greeks(f->type[i], f->S[i], f->K[i], f->T[i], f->r[i], f->q[i], f->sigma[i], &gk));
        WL_PUT(o, gk);
        WL_CALL(o, st, mgn_black76_price(f->type[i], f->S[i], f->K[i], f->T[i], f->r[i], f->sigma[i], &p));
        WL_PUT(o, p);
        WL_CALL(o, st, mgn_black76_greeks(f->type[i], f->S[i], f->K[i], f->T[i], f->r[i], f->sigma[i], &gk));
        WL_PUT(o, gk);
        WL_CALL(o, st, mgn_inverse_greeks(f->type[i], f->S[i], f->K[i], f->T[i], f->r[i], f->q[i], f->sigma[i], &gk));
        WL_PUT(o, gk);
        WL_CALL(o, st, mgn_implied_vol(f->type[i], f->S[i], f->K[i], f->T[i], f->r[i], f->q[i], f->price[i], &iv));
        WL_PUT(o, iv);
        WL_CALL(o, st, mgn_black76_implied_vol(f->type[i], f->S[i], f->K[i], f->T[i], f->r[i], p, &iv));
        WL_PUT(o, iv);
    }
    /* edge cases with exact answers: T == 0 and sigma == 0 */
    double p0, p1;
    WL_CALL(o, st, mgn_bs_price(MGN_CALL, 100, 90, 0, 0.01, 0, 0.3, &p0));
    WL_CALL(o, st, mgn_bs_price(MGN_PUT, 100, 110, 1, 0.01, 0, 0, &p1));
    WL_PUT(o, p0);
    WL_PUT(o, p1);
    return st;
}

static int wl_batch(const wl_fix *f, int threads, wl_buf *o)
{
    (void)threads;
    int st = MGN_OK;
    double p[WL_N_BATCH], iv[WL_N_BATCH];
    int ivs[WL_N_BATCH];
    mgn_greeks gk[WL_N_BATCH];
    WL_CALL(o, st, mgn_bs_price_batch(WL_N_BATCH, f->type, f->S, f->K, f->T, f->r, f->q, f->sigma, p));
    WL_PUT(o, p);
    WL_CALL(o, st, mgn_bs_greeks_batch(WL_N_BATCH, f->type, f->S, f->K, f->T, f->r, f->q, f->sigma, gk));
    WL_PUT(o, gk);
    WL_CALL(o, st, mgn_black76_price_batch(WL_N_BATCH, f->type, f->S, f->K, f->T, f->r, f->sigma, p));
    WL_PUT(o, p);
    WL_CALL(o, st, mgn_black76_greeks_batch(WL_N_BATCH, f->type, f->S, f->K, f->T, f->r, f->sigma, gk));
    WL_PUT(o, gk);
    WL_CALL(o, st, mgn_implied_vol_batch(WL_N_BATCH, f->type, f->S, f->K, f->T, f->r, f->q, f->price, iv));
    WL_PUT(o, iv);
    WL_CALL(o, st, mgn_implied_vol_batch_status(WL_N_BATCH, f->type, f->S, f->K, f->T, f->r, f->q, f->price, iv, ivs));
    WL_PUT(o, iv);
    WL_PUT(o, ivs);
    return st;
}

static int wl_american(const wl_fix *f, int threads, wl_buf *o)
{
    (void)f; (void)threads;
    int st = MGN_OK;
    double p[4];
    WL_CALL(o, st, mgn_american_price(MGN_PUT, 100, 110, 0.75, 0.05, 0.01, 0.3, &p[0]));
    WL_CALL(o, st, mgn_american_price(MGN_CALL, 100, 95, 1.0, 0.02, 0.06, 0.25, &p[1]));
    WL_CALL(o, st, mgn_american_price(MGN_PUT, 100, 100, 0.5, -0.01, -0.02, 0.2, &p[2]));  /* two boundaries */
    WL_CALL(o, st, mgn_american_price(MGN_PUT, 100, 105, 2.0, 0.04, 0.0, 0.0, &p[3]));     /* sigma == 0 */
    WL_PUT(o, p);
    return st;
}

static int wl_scenario(const wl_fix *f, int threads, wl_buf *o)
{
    (void)threads;
    int st = MGN_OK;
    mgn_shock sh[2 * 6];
    for (int s = 0; s < 6; s++)
        for (int u = 0; u < 2; u++) {
            sh[s * 2 + u].price = 0.05 * (s - 3) * (u ? 1.3 : 1);
            sh[s * 2 + u].vol = 0.02 * (s % 3 - 1);
        }
    double pnl[6], mat[6 * WL_N_POS], v;
    mgn_net_greeks ng[2];
    WL_CALL(o, st, mgn_scenario_pnl(f->mkt, 2, f->pos, WL_N_POS, sh, 6, 1.0 / 365, MGN_QUOTE, pnl));
    WL_PUT(o, pnl);
    WL_CALL(o, st, mgn_scenario_pnl(f->mkt, 2, f->pos, WL_N_POS, sh, 6, 0, 0, pnl));
    WL_PUT(o, pnl);
    WL_CALL(o, st, mgn_scenario_pnl_matrix(f->mkt, 2, f->pos, WL_N_POS, sh, 6, 1.0 / 365, MGN_QUOTE, mat));
    WL_PUT(o, mat);
    WL_CALL(o, st, mgn_portfolio_value(f->mkt, 2, f->pos, WL_N_POS, MGN_QUOTE, &v));
    WL_PUT(o, v);
    WL_CALL(o, st, mgn_portfolio_greeks(f->mkt, 2, f->pos, WL_N_POS, ng));
    WL_PUT(o, ng);
    return st;
}

static int wl_margin(const wl_fix *f, int threads, wl_buf *o)
{
    (void)threads;
    int st = MGN_OK;
    mgn_span_result sr;
    mgn_span_underlying su[2];
    double risk[WL_N_POS * MGN_SPAN_SCENARIOS];
    WL_CALL(o, st, mgn_span_margin_detail(f->mkt, f->span, 2, f->pos, WL_N_POS, &f->pair, 1, MGN_QUOTE, &sr, su, risk));
    WL_PUT(o, sr);
    WL_PUT(o, su);
    WL_PUT(o, risk);
    mgn_pm_result pr;
    mgn_pm_underlying pu[2];
    double contrib[WL_N_POS];
    WL_CALL(o, st, mgn_pm_margin_detail(f->mkt, f->pm, 2, f->pos, WL_N_POS, MGN_QUOTE, &pr, pu, contrib));
    WL_PUT(o, pr);
    WL_PUT(o, pu);
    WL_PUT(o, contrib);
    size_t wsz = 0;
    WL_CALL(o, st, mgn_std_workspace_size(WL_N_POS, &wsz));
    void *w = malloc(wsz ? wsz : 1);
    double im = 0, mm = 0, pim[WL_N_POS], pmm[WL_N_POS];
    int strat[WL_N_POS], partner[WL_N_POS];
    WL_CALL(o, st, mgn_std_margin(f->mkt, 2, &f->std, 1, f->pos, WL_N_POS, MGN_QUOTE, w, wsz, &im, &mm, pim, pmm, strat, partner));
    free(w);
    WL_PUT(o, im);
    WL_PUT(o, mm);
    WL_PUT(o, pim);
    WL_PUT(o, pmm);
    WL_PUT(o, strat);
    WL_PUT(o, partner);
    return st;
}

static int wl_var(const wl_fix *f, int threads, wl_buf *o)
{
    int st = MGN_OK;
    double var = 0, es = 0;
    WL_CALL(o, st, mgn_var_es(f->pnl, NULL, WL_N_DAYS, 0.99, &var, &es));
    WL_PUT(o, var);
    WL_PUT(o, es);
    WL_CALL(o, st, mgn_var_delta_normal(f->delta, f->cov, 2, 0.99, &var, &es));
    WL_PUT(o, var);
    WL_PUT(o, es);
    size_t b = 0;
    WL_CALL(o, st, mgn_var_delta_gamma_work_size(2, &b));
    void *w = malloc(b ? b : 1);
    mgn_dg_result dg;
    memset(&dg, 0, sizeof dg);
    WL_CALL(o, st, mgn_var_delta_gamma(f->delta, f->gamma, f->cov, 2, 0.99, w, b, &dg));
    free(w);
    WL_PUT(o, dg);

    mgn_hs_params hp;
    mgn_hs_params_init(&hp);
    hp.threads = threads;
    hp.weighting = MGN_HS_BRW | MGN_HS_FILTERED;
    mgn_var_result vr;
    memset(&vr, 0, sizeof vr);
    WL_CALL(o, st, mgn_var_historical_work_size(WL_N_DAYS, 0, 2, &hp, &b));
    w = malloc(b ? b : 1);
    WL_CALL(o, st, mgn_var_historical(f->mkt, 2, f->pos, WL_N_POS, f->returns, f->volchg, WL_N_DAYS,
                                      NULL, NULL, 0, &hp, w, b, &vr));
    free(w);
    WL_PUT(o, vr);

    mgn_mc_params mp;
    mgn_mc_params_init(&mp);
    mp.n_paths = WL_N_PATHS;
    mp.seed = 42;
    mp.threads = threads;
    mp.n_batches = 10;
    mp.antithetic = 1;
    memset(&vr, 0, sizeof vr);
    WL_CALL(o, st, mgn_var_montecarlo_work_size(2, &mp, &b));
    w = malloc(b ? b : 1);
    WL_CALL(o, st, mgn_var_montecarlo(f->mkt, 2, f->pos, WL_N_POS, f->cov, &mp, w, b, &vr));
    free(w);
    WL_PUT(o, vr);
    return st;
}

static int wl_timeseries(const wl_fix *f, int threads, wl_buf *o)
{
    (void)threads;
    int st = MGN_OK;
    double v[WL_N_DAYS + 1];    /* n + 1 outputs */
    WL_CALL(o, st, mgn_ewma_variance(f->returns, WL_N_DAYS, 0.94, -1, v));
    WL_PUT(o, v);
    mgn_dynmargin_params dp;
    mgn_dynmargin_params_init(&dp);
    dp.floor_lookback = 250;
    mgn_dynmargin_result dr;
    memset(&dr, 0, sizeof dr);
    double scan[WL_N_DAYS];
    WL_CALL(o, st, mgn_dynamic_margin(f->returns, WL_N_DAYS, &dp, scan, &dr));
    WL_PUT(o, dr);
    WL_PUT(o, scan);
    int exc[WL_N_DAYS];
    double varline[WL_N_DAYS];
    for (int i = 0; i < WL_N_DAYS; i++)
        varline[i] = 480;
    WL_CALL(o, st, mgn_backtest_exceptions(f->pnl, varline, WL_N_DAYS, exc));
    WL_PUT(o, exc);
    mgn_backtest_result br;
    memset(&br, 0, sizeof br);
    WL_CALL(o, st, mgn_backtest(exc, WL_N_DAYS, 0.99, &br));
    WL_PUT(o, br);
    mgn_oracle_params op = { 10, 0.05, 3 };
    mgn_oracle_result orr;
    memset(&orr, 0, sizeof orr);
    WL_CALL(o, st, mgn_oracle_index(f->feed_price, f->feed_time, 7, 101, &op, &orr));
    WL_PUT(o, orr);
    return st;
}

static int wl_account(const wl_fix *f, int threads, wl_buf *o)
{
    (void)threads;
    int st = MGN_OK;
    mgn_account_result r;
    mgn_position_result pp[WL_ACCT_POS];
    memset(&r, 0, sizeof r);
    memset(pp, 0, sizeof pp);
    WL_CALL(o, st, mgn_account_eval(f->mkt, 2, &f->acct[0], &f->cross, 0, INFINITY, NULL, 0, &r, pp));
    WL_PUT(o, r);
    WL_PUT(o, pp);
    size_t b = 0;
    WL_CALL(o, st, mgn_account_work_size(&f->port, 2, WL_ACCT_POS, &b));
    void *w = malloc(b ? b : 1);
    WL_CALL(o, st, mgn_account_eval(f->mkt, 2, &f->acct[1], &f->port, 0, INFINITY, w, b, &r, pp));
    free(w);
    WL_PUT(o, r);
    WL_PUT(o, pp);
    /* the whole book as one account, for the liquidation price search */
    mgn_account a = f->acct[0];
    a.pos = f->pos;
    a.n_pos = WL_N_POS;
    mgn_balance bal = { MGN_QUOTE, 0, 150000, 0, 0 };
    a.bal = &bal;
    mgn_liq_search s;
    mgn_liq_search_init(&s);
    s.grid = 256;
    s.vol = 0.6;
    WL_CALL(o, st, mgn_liq_prices_work_size(&f->cross, 2, WL_N_POS, &b));
    w = malloc(b ? b : 1);
    double roots[8] = { 0 };
    mgn_liq_price_result lr;
    memset(&lr, 0, sizeof lr);
    WL_CALL(o, st, mgn_liq_prices(f->mkt, 2, &a, &f->cross, &s, w, b, roots, 8, &lr));
    free(w);
    WL_PUT(o, roots);
    WL_PUT(o, lr);
    /* partial liquidation of an account under water: the book with little collateral */
    bal.amount = 20000;
    mgn_liq_params lp;
    mgn_liq_params_init(&lp);
    WL_CALL(o, st, mgn_liq_partial_work_size(&f->cross, 2, WL_N_POS, &b));
    w = malloc(b ? b : 1);
    mgn_liq_close cl[WL_N_POS];
    mgn_liq_result lq;
    memset(cl, 0, sizeof cl);
    memset(&lq, 0, sizeof lq);
    WL_CALL(o, st, mgn_liq_partial(f->mkt, 2, &a, &f->cross, &lp, NULL, w, b, cl, &lq));
    free(w);
    WL_PUT(o, cl);
    WL_PUT(o, lq);
    return st;
}

/* The sweep in cross mode (the vectorised fast path, no workspace) and in portfolio
   mode (per-account evaluation with a per-thread workspace). */
static int wl_sweep(const wl_fix *f, int threads, wl_buf *o)
{
    int st = MGN_OK;
    mgn_account_result *r = (mgn_account_result *)calloc(WL_N_ACCT, sizeof *r);
    if (!r)
        abort();
    WL_CALL(o, st, mgn_account_sweep(f->mkt, 2, f->acct, WL_N_ACCT, &f->cross, 0, NULL, threads, NULL, 0, r));
    wl_put(o, r, WL_N_ACCT * sizeof *r);
    size_t b = 0;
    WL_CALL(o, st, mgn_account_work_size(&f->port, 2, WL_ACCT_POS, &b));
    void *w = malloc(b * (size_t)threads + 1);
    memset(r, 0, WL_N_ACCT * sizeof *r);
    WL_CALL(o, st, mgn_account_sweep(f->mkt, 2, f->acct, WL_N_ACCT, &f->port, 0, NULL, threads, w, b * (size_t)threads, r));
    wl_put(o, r, WL_N_ACCT * sizeof *r);
    free(w);
    free(r);
    return st;
}

static int wl_cascade(const wl_fix *f, int threads, wl_buf *o)
{
    (void)threads;
    int st = MGN_OK;
    mgn_cascade_params cp;
    memset(&cp, 0, sizeof cp);
    cp.struct_size = sizeof cp;
    cp.impact_model = MGN_IMPACT_SQRT;
    cp.max_rounds = 20;
    cp.impact = 0.5;
    cp.penalty_rate = 0.01;
    cp.insurance_fund = 1e5;
    double shock[2] = { -0.25, -0.3 }, depth[2] = { 500, 8000 };
    size_t b = 0;
    WL_CALL(o, st, mgn_cascade_work_size(&f->cross, 2, WL_N_CASC, WL_ACCT_POS, &b));
    void *w = malloc(b ? b : 1);
    mgn_cascade_round rd[20];
    mgn_market fin[2];
    mgn_cascade_result cr;
    memset(rd, 0, sizeof rd);
    memset(fin, 0, sizeof fin);
    memset(&cr, 0, sizeof cr);
    WL_CALL(o, st, mgn_cascade(f->mkt, 2, f->acct, WL_N_CASC, &f->cross, &cp, shock, depth, w, b, rd, fin, &cr));
    free(w);
    WL_PUT(o, cr);
    wl_put(o, rd, cr.n_rounds <= 20 ? cr.n_rounds * sizeof rd[0] : 0);
    WL_PUT(o, fin);
    return st;
}

/* Everything the other steps leave out: the PM and SPAN grid queries and presets,
   single-position functions, plain SPAN and PM margin, contributions to VaR/ES, the
   historical scenario set, the Basel zone, what-if orders, closed-form liquidation
   prices, liquidator economics, the version, status names and struct sizes. */
static int wl_rest(const wl_fix *f, int threads, wl_buf *o)
{
    (void)threads;
    int st = MGN_OK;
    /* grids and presets */
    mgn_pm_params pp;
    int n = 0, vs = 0, k;
    double mv = 0, vm = 0, wt = 0;
    memset(&pp, 0, sizeof pp);
    WL_CALL(o, st, mgn_pm_preset_span(0.15, 0.25, &pp));
    WL_PUT(o, pp);
    WL_CALL(o, st, mgn_pm_preset_occ(&pp));
    WL_PUT(o, pp);
    WL_CALL(o, st, mgn_pm_scenario_count(&f->pm[0], &n));
    WL_PUT(o, n);
    for (k = 0; k < n && k < 40; k++) {
        WL_CALL(o, st, mgn_pm_scenario(&f->pm[0], k, &mv, &vs, &wt));
        WL_PUT(o, mv); WL_PUT(o, vs); WL_PUT(o, wt);
    }
    for (k = 0; k < MGN_SPAN_SCENARIOS; k++) {
        WL_CALL(o, st, mgn_span_scenario(&f->span[0], k, &mv, &vm, &wt));
        WL_PUT(o, mv); WL_PUT(o, vm); WL_PUT(o, wt);
    }
    /* single positions, plain SPAN and PM */
    size_t bad = 0;
    WL_CALL(o, st, mgn_portfolio_check(f->mkt, 2, f->pos, WL_N_POS, &bad));
    mgn_net_greeks ng;
    double im = 0, mm = 0;
    for (int i = 0; i < WL_N_POS; i++) {
        WL_CALL(o, st, mgn_position_greeks(f->mkt, 2, &f->pos[i], &ng));
        WL_PUT(o, ng);
        WL_CALL(o, st, mgn_std_position_margin(f->mkt, 2, &f->std, &f->pos[i], MGN_QUOTE, &im, &mm));
        WL_PUT(o, im); WL_PUT(o, mm);
    }
    mgn_span_result sr;
    mgn_pm_result pr;
    memset(&sr, 0, sizeof sr);
    memset(&pr, 0, sizeof pr);
    WL_CALL(o, st, mgn_span_margin(f->mkt, f->span, 2, f->pos, WL_N_POS, &f->pair, 1, MGN_QUOTE, &sr));
    WL_PUT(o, sr);
    WL_CALL(o, st, mgn_pm_margin(f->mkt, f->pm, 2, f->pos, WL_N_POS, MGN_QUOTE, &pr));
    WL_PUT(o, pr);
    /* contributions: the P&L matrix of a few historical days */
    enum { NS = 40 };
    mgn_shock sh[NS * 2];
    double wts[NS], mat[NS * WL_N_POS];
    mgn_hs_params hp;
    size_t nsc = 0, b = 0;
    mgn_hs_params_init(&hp);
    WL_CALL(o, st, mgn_hs_scenario_count(NS, &hp, &nsc));
    WL_PUT(o, nsc);
    WL_CALL(o, st, mgn_hs_scenarios(f->returns, f->volchg, NS, 2, &hp, sh, wts));
    WL_PUT(o, sh); WL_PUT(o, wts);
    WL_CALL(o, st, mgn_scenario_pnl_matrix(f->mkt, 2, f->pos, WL_N_POS, sh, NS, 1.0 / 365, MGN_QUOTE, mat));
    WL_CALL(o, st, mgn_var_es_contrib_work_size(NS, WL_N_POS, &b));
    void *w = malloc(b ? b : 1);
    double var = 0, es = 0, vc[WL_N_POS], ec[WL_N_POS], iv[WL_N_POS], ie[WL_N_POS];
    WL_CALL(o, st, mgn_var_es_contrib(mat, NS, WL_N_POS, NULL, 0.95, w, b, &var, &es, vc, ec, iv, ie));
    free(w);
    WL_PUT(o, var); WL_PUT(o, es); WL_PUT(o, vc); WL_PUT(o, ec); WL_PUT(o, iv); WL_PUT(o, ie);
    int zone = 0;
    double cum = 0;
    WL_CALL(o, st, mgn_backtest_zone(250, 6, 0.99, &zone, &cum));
    WL_PUT(o, zone); WL_PUT(o, cum);
    /* what-if orders on the first account */
    mgn_position order = wl_lin(MGN_PERPETUAL, 0, MGN_LINEAR, 0.5, 0, 50000);
    WL_CALL(o, st, mgn_whatif_work_size(&f->cross, 2, WL_ACCT_POS, &b));
    w = malloc(b ? b : 1);
    mgn_whatif_result wr;
    memset(&wr, 0, sizeof wr);
    WL_CALL(o, st, mgn_account_whatif(f->mkt, 2, &f->acct[0], &f->cross, &order, 0, 0, INFINITY, w, b, &wr));
    WL_PUT(o, wr);
    double qty = 0;
    WL_CALL(o, st, mgn_account_max_order(f->mkt, 2, &f->acct[0], &f->cross, &order, 0, 1.5, 100, w, b, &qty));
    WL_PUT(o, qty);
    free(w);
    mgn_liq_search srch;
    mgn_liq_search_init(&srch);
    srch.grid = 64;
    WL_CALL(o, st, mgn_liq_prices_work_size(&f->cross, 2, WL_ACCT_POS, &b));
    w = malloc(b ? b : 1);
    double roots[4] = { 0 };
    mgn_liq_price_result lr;
    memset(&lr, 0, sizeof lr);
    WL_CALL(o, st, mgn_whatif_liq_prices(f->mkt, 2, &f->acct[0], &f->cross, &order, 0, &srch, w, b, roots, 4, &lr));
    free(w);
    WL_PUT(o, roots); WL_PUT(o, lr);
    /* closed-form liquidation price of a linear long, and liquidator economics */
    mgn_liq_input li;
    memset(&li, 0, sizeof li);
    li.struct_size = sizeof li;
    li.settlement = MGN_LINEAR;
    li.size = 2; li.entry = 50000; li.wallet = 10000; li.mm_rate = 0.005;
    mgn_liq_closed lc;
    memset(&lc, 0, sizeof lc);
    WL_CALL(o, st, mgn_liq_price_closed(&li, &lc));
    WL_PUT(o, lc);
    double reward[WL_ACCT_POS], unot = 0;
    int unprof[WL_ACCT_POS];
    size_t nun = 0;
    WL_CALL(o, st, mgn_liq_economics(f->mkt, 2, &f->acct[0], NULL, 0, 0.5, 0.05, 1.0, reward, unprof, &nun, &unot));
    WL_PUT(o, reward); WL_PUT(o, unprof); WL_PUT(o, nun); WL_PUT(o, unot);
    /* version, status names, struct sizes */
    int vn = mgn_version_number();
    WL_PUT(o, vn);
    wl_put(o, mgn_version(), strlen(mgn_version()));
    for (int c = -1; c <= 7; c++)
        wl_put(o, mgn_strerror(c), strlen(mgn_strerror(c)));
    size_t sizes[] = {
        mgn_sizeof_greeks(), mgn_sizeof_market(), mgn_sizeof_position(), mgn_sizeof_shock(),
        mgn_sizeof_net_greeks(), mgn_sizeof_span_params(), mgn_sizeof_span_pair(),
        mgn_sizeof_span_result(), mgn_sizeof_span_underlying(), mgn_sizeof_std_tier(),
        mgn_sizeof_std_params(), mgn_sizeof_pm_params(), mgn_sizeof_pm_result(),
        mgn_sizeof_pm_underlying(), mgn_sizeof_var_result(), mgn_sizeof_hs_params(),
        mgn_sizeof_dg_result(), mgn_sizeof_mc_params(), mgn_sizeof_backtest_result(),
        mgn_sizeof_dynmargin_params(), mgn_sizeof_dynmargin_result(), mgn_sizeof_balance(),
        mgn_sizeof_account(), mgn_sizeof_account_params(), mgn_sizeof_account_result(),
        mgn_sizeof_position_result(), mgn_sizeof_liq_input(), mgn_sizeof_liq_closed(),
        mgn_sizeof_liq_search(), mgn_sizeof_liq_price_result(), mgn_sizeof_whatif_result(),
        mgn_sizeof_oracle_params(), mgn_sizeof_oracle_result(), mgn_sizeof_liq_params(),
        mgn_sizeof_liq_close(), mgn_sizeof_liq_result(), mgn_sizeof_cascade_params(),
        mgn_sizeof_cascade_round(), mgn_sizeof_cascade_result()
    };
    WL_PUT(o, sizes);
    return st;
}

typedef struct {
    const char *name;
    int (*fn)(const wl_fix *f, int threads, wl_buf *o);
} wl_step;

static const wl_step WL_STEPS[] = {
    { "scalar pricing, Greeks, implied vol", wl_scalar },
    { "batch pricing, Greeks, implied vol", wl_batch },
    { "American", wl_american },
    { "scenario P&L, value, Greeks", wl_scenario },
    { "SPAN, PM, standard margin", wl_margin },
    { "VaR/ES: empirical, delta-normal, delta-gamma, historical, Monte Carlo", wl_var },
    { "EWMA, dynamic margin, backtest, oracle", wl_timeseries },
    { "account eval, liquidation prices, partial liquidation", wl_account },
    { "account sweep (cross, portfolio)", wl_sweep },
    { "cascade", wl_cascade },
    { "grids, presets, single positions, contributions, what-if, closed forms, sizes", wl_rest },
};
#define WL_N_STEPS (sizeof WL_STEPS / sizeof WL_STEPS[0])

/* Every step in order into one buffer; returns the first failing status. */
static int wl_run_all(const wl_fix *f, int threads, wl_buf *o)
{
    int st = MGN_OK;
    for (size_t i = 0; i < WL_N_STEPS; i++) {
        int s = WL_STEPS[i].fn(f, threads, o);
        if (s != MGN_OK && st == MGN_OK)
            st = s;
    }
    return st;
}

#endif
