/* Tests of lib/account.c: account evaluation in the three modes, status boundaries,
 * isolated independence, collateral haircuts, what-if, the largest order and the
 * threaded sweep.
 *
 * References: mgn_portfolio_value + mgn_std_margin / mgn_pm_margin (independent code
 * paths of the library) for equity and margin; hand-set boundary accounts whose equity
 * is exactly IM, MM, MM * liq_ratio or 0; bit-identical sweeps across thread counts.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include "margin_ref.h"

static const mgn_market MK[3] = { { 50000, 0.03, 0.0 }, { 3000, 0.03, 0.01 }, { 150, 0.04, 0.0 } };

static mgn_account acct_of(const mgn_position *pos, size_t n, const mgn_balance *bal, size_t nb,
                           int cur)
{
    mgn_account a;
    memset(&a, 0, sizeof a);
    a.struct_size = sizeof a;
    a.pos = pos;
    a.n_pos = n;
    a.bal = bal;
    a.n_bal = nb;
    a.currency = cur;
    return a;
}

static void random_book(mgn_test_rng *g, mgn_position *pos, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int u = (int)(3 * mgn_test_uniform(g)) % 3;
        double S = MK[u].spot, x = mgn_test_uniform(g);
        mgn_position p;
        memset(&p, 0, sizeof p);
        p.underlying = u;
        p.settlement = mgn_test_uniform(g) < 0.5 ? MGN_LINEAR : MGN_INVERSE;
        p.quantity = mgn_test_range(g, -5, 5);
        if (x < 0.4) {
            p.instrument = MGN_OPTION;
            p.option_type = mgn_test_uniform(g) < 0.5 ? MGN_CALL : MGN_PUT;
            p.multiplier = 1;
            p.strike = S * mgn_test_range(g, 0.6, 1.5);
            p.expiry = mgn_test_range(g, 0.01, 1);
            p.vol = mgn_test_range(g, 0.2, 1.2);
        } else {
            p.instrument = x < 0.7 ? MGN_PERPETUAL : MGN_FUTURE;
            p.multiplier = p.settlement == MGN_INVERSE ? 10 : 1;
            p.expiry = p.instrument == MGN_FUTURE ? mgn_test_range(g, 0.01, 1) : 0;
            p.entry_price = S * mgn_test_range(g, 0.8, 1.2);
        }
        pos[i] = p;
    }
}

static void test_cross_matches_library(void **state)
{
    mgn_test_rng g = { 7 };
    mgn_std_params sp[2];
    sp[0].struct_size = sp[1].struct_size = sizeof sp[0];
    mgn_std_preset(MGN_STD_PRESET_DERIBIT_BTC, &sp[0]);
    mgn_std_preset(MGN_STD_PRESET_BINANCE_BTCUSDT, &sp[1]);
    for (int t = 0; t < 200; t++) {
        mgn_position pos[12];
        random_book(&g, pos, 12);
        mgn_balance bal[2] = { { MGN_QUOTE, 0, 1e5, 0.0, 0 }, { 0, 0, 2.0, 0.1, 0.01 } };
        int cur = t % 3 == 0 ? 0 : MGN_QUOTE;
        mgn_account a = acct_of(pos, 12, bal, 2, cur);
        mgn_account_params prm;
        mgn_account_params_init(&prm);
        prm.std = &sp[t % 2];
        prm.n_std = 1;
        mgn_account_result r;
        mgn_position_result pp[12];
        assert_int_equal(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, pp), MGN_OK);
        double v, im, mm;
        assert_int_equal(mgn_portfolio_value(MK, 3, pos, 12, cur, &v), MGN_OK);
        size_t ws;
        mgn_std_workspace_size(12, &ws);
        void *w = malloc(ws);
        assert_int_equal(mgn_std_margin(MK, 3, prm.std, 1, pos, 12, cur, w, ws, &im, &mm, NULL,
                                        NULL, NULL, NULL), MGN_OK);
        free(w);
        double conv = cur == MGN_QUOTE ? 1.0 : 1.0 / MK[0].spot;
        double h = 0.1 + 0.01 * 2.0;
        double col = 1e5 * conv + 2.0 * (1 - h) * MK[0].spot * conv;
        double scale = (fabs(v) + col + im) * 1e-12;
        assert_close(r.position_value, v, 0, scale);
        assert_close(r.collateral, col, 1e-13, 0);
        assert_close(r.equity, col + v, 0, scale);
        assert_close(r.im, im, 1e-12, 1e-12 * conv);
        assert_close(r.mm, mm, 1e-12, 1e-12 * conv);
        double sim = 0;
        for (int i = 0; i < 12; i++)
            sim += pp[i].im;
        assert_close(sim, im, 1e-12, 1e-12 * conv);
    }
}

/* A perpetual at its entry price (value exactly 0): equity is the collateral. */
static void test_status_boundaries(void **state)
{
    mgn_std_tier tier = { 0, 0.02, 0.01, 0 };
    mgn_std_params sp;
    sp.struct_size = sizeof sp;
    mgn_std_preset(MGN_STD_PRESET_DEFAULT, &sp);
    sp.tiers = &tier;
    sp.n_tiers = 1;
    mgn_position p = { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, 2, 1, 0, 0, 0, 50000 };
    mgn_balance b = { MGN_QUOTE, 0, 0, 0, 0 };
    mgn_account a = acct_of(&p, 1, &b, 1, MGN_QUOTE);
    mgn_account_params prm;
    mgn_account_params_init(&prm);
    prm.std = &sp;
    prm.n_std = 1;
    prm.liq_ratio = 0.8;
    double IM = 100000 * 0.02, MM = 100000 * 0.01;
    struct { double col, now, dl; int want; } cs[] = {
        { IM, 0, INFINITY, MGN_ACCT_OK },
        { nextafter(IM, 0), 0, INFINITY, MGN_ACCT_RESTRICTED },
        { MM, 0, INFINITY, MGN_ACCT_RESTRICTED },
        { nextafter(MM, 0), 0, INFINITY, MGN_ACCT_MARGIN_CALL },
        { nextafter(MM, 0), 5, 5, MGN_ACCT_LIQUIDATE },          /* deadline reached */
        { nextafter(MM, 0), 4.999, 5, MGN_ACCT_MARGIN_CALL },
        { MM, 5, 5, MGN_ACCT_RESTRICTED },                      /* call met: no liquidation */
        { 0.8 * MM, 0, INFINITY, MGN_ACCT_MARGIN_CALL },
        { nextafter(0.8 * MM, 0), 0, INFINITY, MGN_ACCT_LIQUIDATE },
        { 0, 0, INFINITY, MGN_ACCT_LIQUIDATE },
        { -1e-300, 0, INFINITY, MGN_ACCT_BANKRUPT },
    };
    for (size_t k = 0; k < sizeof cs / sizeof cs[0]; k++) {
        b.amount = cs[k].col;
        mgn_account_result r;
        assert_int_equal(mgn_account_eval(MK, 3, &a, &prm, cs[k].now, cs[k].dl, NULL, 0, &r, NULL), MGN_OK);
        if (r.status != cs[k].want)
            print_error("case %zu: status %d want %d\n", k, r.status, cs[k].want);
        assert_int_equal(r.status, cs[k].want);
        assert_close(r.im, IM, 0, 0);
        assert_close(r.mm, MM, 0, 0);
        assert_close(r.call_amount, cs[k].want >= MGN_ACCT_MARGIN_CALL ? IM - cs[k].col : 0, 0, 0);
        assert_close(r.shortfall, cs[k].col < 0 ? -cs[k].col : 0, 0, 0);
        assert_close(r.available, cs[k].col > IM ? cs[k].col - IM : 0, 0, 0);
        assert_close(r.margin_ratio, cs[k].col / MM, 1e-15, 0);
    }
}

static void test_isolated_independent(void **state)
{
    mgn_position pos[2] = { { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, 1, 1, 0, 0, 0, 50000 },
                            { MGN_PERPETUAL, 1, 0, MGN_LINEAR, 0, 0, -10, 1, 0, 0, 0, 3000 } };
    double iso[2] = { 2000, 1000 };
    mgn_balance b = { MGN_QUOTE, 0, 500, 0, 0 };
    mgn_account a = acct_of(pos, 2, &b, 1, MGN_QUOTE);
    a.isolated = iso;
    mgn_account_params prm;
    mgn_account_params_init(&prm);
    prm.mode = MGN_MODE_ISOLATED;
    mgn_position_result pp[2], alone;
    mgn_account_result r, r1;
    /* position 0 crashes (-20%): bankrupt on its own; position 1 must not move */
    mgn_market m[3] = { MK[0], MK[1], MK[2] };
    for (int k = 0; k < 5; k++) {
        m[0].spot = MK[0].spot * (1 - 0.05 * k);
        assert_int_equal(mgn_account_eval(m, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, pp), MGN_OK);
        mgn_account a1 = acct_of(&pos[1], 1, NULL, 0, MGN_QUOTE);
        a1.isolated = &iso[1];
        assert_int_equal(mgn_account_eval(m, 3, &a1, &prm, 0, INFINITY, NULL, 0, &r1, &alone), MGN_OK);
        assert_memory_equal(&pp[1], &alone, sizeof alone);
        assert_close(pp[0].equity, 2000 + (m[0].spot - 50000), 1e-12, 1e-9);
        double e0 = pp[0].equity > 0 ? pp[0].equity : 0;
        assert_close(r.equity, 500 + e0 + pp[1].equity, 1e-12, 0);
        assert_close(r.collateral, 500, 0, 0);
    }
    assert_int_equal(pp[0].status, MGN_ACCT_BANKRUPT);   /* -18000 */
    assert_int_equal(pp[1].status, MGN_ACCT_OK);
    assert_int_equal(r.status, MGN_ACCT_BANKRUPT);
    assert_close(r.shortfall, -pp[0].equity, 1e-12, 0);
    /* cross on the same account pools the loss: the same collateral in one pool */
    prm.mode = MGN_MODE_CROSS;
    b.amount = 3500;
    assert_int_equal(mgn_account_eval(m, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, pp), MGN_OK);
    assert_close(r.equity, 3500 + pp[0].value + pp[1].value, 1e-12, 0);
}

static void test_portfolio_mode(void **state)
{
    mgn_test_rng g = { 99 };
    mgn_position pos[10];
    random_book(&g, pos, 10);
    mgn_pm_params pm[3];
    for (int u = 0; u < 3; u++)
        mgn_pm_preset_deribit(&pm[u]);
    mgn_balance b = { MGN_QUOTE, 0, 3e5, 0, 0 };
    mgn_account a = acct_of(pos, 10, &b, 1, MGN_QUOTE);
    mgn_account_params prm;
    mgn_account_params_init(&prm);
    prm.mode = MGN_MODE_PORTFOLIO;
    prm.pm = pm;
    size_t ws;
    assert_int_equal(mgn_account_work_size(&prm, 3, 10, &ws), MGN_OK);
    assert_true(ws > 0);
    void *w = malloc(ws);
    mgn_account_result r, rc;
    mgn_position_result pp[10];
    assert_int_equal(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, w, ws, &r, pp), MGN_OK);
    mgn_pm_result pr;
    assert_int_equal(mgn_pm_margin(MK, pm, 3, pos, 10, MGN_QUOTE, &pr), MGN_OK);
    assert_close(r.im, pr.requirement, 1e-14, 0);
    assert_close(r.mm, 0.8 * pr.requirement, 1e-14, 0);
    assert_int_equal(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, w, 8, &r, pp), MGN_ENOMEM);
    /* SPAN method */
    mgn_span_params sp[3];
    for (int u = 0; u < 3; u++) {
        mgn_span_params s = { 0.15, 0.1, 2, 0.35, 0, 0.01, 0.0 };
        sp[u] = s;
    }
    prm.pm_method = MGN_PM_METHOD_SPAN;
    prm.span = sp;
    prm.pm_im_factor = 1.1;
    prm.pm_mm_factor = 1.0;
    free(w);
    mgn_account_work_size(&prm, 3, 10, &ws);
    w = malloc(ws);
    assert_int_equal(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, w, ws, &r, pp), MGN_OK);
    mgn_span_result sr;
    assert_int_equal(mgn_span_margin(MK, sp, 3, pos, 10, NULL, 0, MGN_QUOTE, &sr), MGN_OK);
    assert_close(r.im, 1.1 * sr.requirement, 1e-14, 0);
    assert_close(r.mm, sr.requirement, 1e-14, 0);
    /* cross on the same account: same equity */
    prm.mode = MGN_MODE_CROSS;
    assert_int_equal(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, NULL, 0, &rc, NULL), MGN_OK);
    assert_close(rc.equity, r.equity, 1e-14, 0);
    free(w);
}

/* The margin ratio after an order of signed size q, minus target. */
static double ratio_gap(const mgn_market *m, size_t nm, const mgn_account *a,
                        const mgn_account_params *prm, mgn_position order, double q,
                        double target, void *work, size_t ws)
{
    mgn_whatif_result r;
    order.quantity = q;
    assert_int_equal(mgn_account_whatif(m, nm, a, prm, &order, 0, 0, INFINITY, work, ws, &r), MGN_OK);
    return r.after.margin_ratio - target;
}

/* Random accounts (up to 8 European options, futures and perpetuals over the pricing
   domain, tests/margin_ref.h; cross or portfolio mode) and random orders (an option at
   a limit within 10% of its value, a future or a perpetual within 2% of its price;
   either side) with random targets: the returned size keeps the ratio at or above the
   target and 1e-9 more breaks it, the smallest size fails where 0 is returned, and the
   largest passes where it is returned. */
static void test_max_order_random(void **state)
{
    (void)state;
    enum { NP = 8 };
    mgn_test_rng g = { 0x7A3C9E1B5D2F4086ULL };
    mgn_account_params probe;
    mgn_account_params_init(&probe);
    probe.mode = MGN_MODE_PORTFOLIO;
    size_t ws;
    assert_int_equal(mgn_whatif_work_size(&probe, 3, NP, &ws), MGN_OK);
    void *work = malloc(ws);
    assert_non_null(work);
    long iters = mgn_test_cases(30), interior = 0;
    for (long it = 0; it < iters; it++) {
        mgn_market m[3];
        mgn_position pos[NP + 1];
        mgn_pm_params pm[3];
        size_t nm = 1 + (size_t)(mgn_test_uniform(&g) * 3), n = (size_t)(mgn_test_uniform(&g) * (NP + 1));
        ref_wide_book(&g, m, (int)nm, pos, n + 1);   /* the last one is the order */
        for (size_t i = 0; i <= n; i++)
            pos[i].exercise = MGN_EUROPEAN;
        for (size_t v = 0; v < nm; v++)
            mgn_pm_preset_deribit(&pm[v]);
        mgn_position order = pos[n];
        const mgn_market *mo = &m[order.underlying];
        if (order.instrument == MGN_OPTION) {
            double V;
            assert_int_equal(mgn_bs_price((mgn_option_type)order.option_type, mo->spot, order.strike,
                                          order.expiry, mo->rate, mo->carry, order.vol, &V), MGN_OK);
            order.entry_price = fmax(V, 1e-8 * mo->spot) * mgn_test_range(&g, 0.9, 1.1);
        } else {
            double F = order.instrument == MGN_FUTURE ? mo->spot * exp((mo->rate - mo->carry) * order.expiry) : mo->spot;
            order.entry_price = F * mgn_test_range(&g, 0.98, 1.02);
        }
        double sign = mgn_test_uniform(&g) < 0.5 ? -1 : 1;
        order.quantity = sign;
        mgn_account_params prm;
        mgn_account_params_init(&prm);
        prm.mode = mgn_test_uniform(&g) < 0.6 ? MGN_MODE_CROSS : MGN_MODE_PORTFOLIO;
        prm.pm = pm;
        mgn_balance bal = { MGN_QUOTE, 0, 0, 0, 0 };
        mgn_account a = acct_of(pos, n, &bal, 1, MGN_QUOTE);
        mgn_account_result r0;
        assert_int_equal(mgn_account_eval(m, nm, &a, &prm, 0, INFINITY, work, ws, &r0, NULL), MGN_OK);
        /* collateral: the MM of the book (or of one order unit) times 1 to 20, beyond
           the book's value */
        double mm1 = r0.mm;
        if (!(mm1 > 0)) {
            mgn_whatif_result w;
            assert_int_equal(mgn_account_whatif(m, nm, &a, &prm, &order, 0, 0, INFINITY, work, ws, &w), MGN_OK);
            mm1 = fmax(w.after.mm, 1e-6 * mo->spot);
        }
        bal.amount = mgn_test_logrange(&g, 1, 20) * mm1 - (r0.equity - r0.collateral);
        double target = mgn_test_range(&g, 1, 5), max_qty = mgn_test_logrange(&g, 1e-3, 1e4), q;
        assert_int_equal(mgn_account_max_order(m, nm, &a, &prm, &order, 0, target, max_qty, work, ws, &q), MGN_OK);
        assert_true(q >= 0 && q <= max_qty);
        if (q == 0) {
            assert_true(ratio_gap(m, nm, &a, &prm, order, sign * max_qty * 0x1p-40, target, work, ws) < 0);
        } else {
            assert_true(ratio_gap(m, nm, &a, &prm, order, sign * q, target, work, ws) >= 0);
            if (q < max_qty) {
                double more = fmin(q * (1 + 1e-9), max_qty);
                if (!(ratio_gap(m, nm, &a, &prm, order, sign * more, target, work, ws) < 0)) {
                    print_error("iteration %ld: %.17g passes beyond the returned %.17g\n", it, more, q);
                    fail();
                }
                interior++;
            }
        }
    }
    free(work);
    print_message("%ld random accounts and orders, %ld limited inside (0, max_qty)\n", iters,
                  interior);
}

static void test_whatif_and_max_order(void **state)
{
    mgn_position pos[1] = { { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, 1, 1, 0, 0, 0, 50000 } };
    mgn_balance b = { MGN_QUOTE, 0, 20000, 0, 0 };
    mgn_account a = acct_of(pos, 1, &b, 1, MGN_QUOTE);
    mgn_account_params prm;
    mgn_account_params_init(&prm);
    /* short call: premium not counted; equity falls by the mark value */
    mgn_position o = { MGN_OPTION, 0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 0, -2, 1, 55000, 0.1, 0.6, 3000 };
    mgn_whatif_result r;
    assert_int_equal(mgn_account_whatif(MK, 3, &a, &prm, &o, 0, 0, INFINITY, NULL, 0, &r), MGN_OK);
    double V;
    mgn_bs_price(MGN_CALL, 50000, 55000, 0.1, 0.03, 0.0, 0.6, &V);
    assert_close(r.order_equity, -2 * V, 1e-12, 0);
    assert_close(r.after.equity, r.before.equity - 2 * V, 1e-12, 0);
    double im, mm;
    mgn_std_params dp;
    dp.struct_size = sizeof dp;
    mgn_std_preset(MGN_STD_PRESET_DEFAULT, &dp);
    assert_int_equal(mgn_std_position_margin(MK, 3, &dp, &o, MGN_QUOTE, &im, &mm), MGN_OK);
    assert_close(r.order_im, im, 1e-12, 1e-9);
    assert_close(r.order_mm, mm, 1e-12, 1e-9);
    /* long option bought above the mark: the excess counts as a loss */
    o.quantity = 1;
    o.entry_price = V + 100;
    assert_int_equal(mgn_account_whatif(MK, 3, &a, &prm, &o, 0, 0, INFINITY, NULL, 0, &r), MGN_OK);
    assert_close(r.order_equity, -100, 1e-9, 1e-9);
    /* futures order at a favourable limit: the gain does not count */
    mgn_position f = { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, 1, 1, 0, 0, 0, 49000 };
    assert_int_equal(mgn_account_whatif(MK, 3, &a, &prm, &f, 0, 0, INFINITY, NULL, 0, &r), MGN_OK);
    assert_close(r.order_equity, 0, 0, 1e-9);
    assert_int_equal(r.accept, 1);
    f.entry_price = 51000;
    assert_int_equal(mgn_account_whatif(MK, 3, &a, &prm, &f, 0, 0, INFINITY, NULL, 0, &r), MGN_OK);
    assert_close(r.order_equity, -1000, 1e-12, 0);
    /* largest perpetual order keeping equity / MM >= 5 */
    f.entry_price = 50000;
    double q;
    assert_int_equal(mgn_account_max_order(MK, 3, &a, &prm, &f, 0, 5.0, 1000, NULL, 0, &q), MGN_OK);
    /* MM = 0.01 * 50000 * (1 + q): 20000 / (500 (1 + q)) = 5 -> q = 7 */
    assert_close(q, 7, 1e-11, 0);
    mgn_whatif_result r1, r2;
    f.quantity = q;
    mgn_account_whatif(MK, 3, &a, &prm, &f, 0, 0, INFINITY, NULL, 0, &r1);
    f.quantity = q * (1 + 1e-9);
    mgn_account_whatif(MK, 3, &a, &prm, &f, 0, 0, INFINITY, NULL, 0, &r2);
    assert_true(r1.after.margin_ratio >= 5);
    assert_true(r2.after.margin_ratio < 5);
    /* liquidation price after the order */
    mgn_liq_search s;
    mgn_liq_search_init(&s);
    size_t ws;
    mgn_liq_prices_work_size(&prm, 3, 2, &ws);
    void *w = malloc(ws);
    double root;
    mgn_liq_price_result lr;
    f.quantity = 1;
    assert_int_equal(mgn_whatif_liq_prices(MK, 3, &a, &prm, &f, 0, &s, w, ws, &root, 1, &lr), MGN_OK);
    assert_int_equal(lr.n_roots, 1);
    /* 20000 + 2 (P - 50000) = 0.01 * 2 P */
    assert_close(root, 80000.0 / 1.98, 1e-12, 0);
    free(w);
    /* bad input */
    mgn_whatif_result keep;
    memset(&keep, 0x33, sizeof keep);
    r = keep;
    f.entry_price = NAN;
    assert_int_equal(mgn_account_whatif(MK, 3, &a, &prm, &f, 0, 0, INFINITY, NULL, 0, &r), MGN_EINVAL);
    f.entry_price = 50000;
    assert_int_equal(mgn_account_whatif(MK, 3, &a, &prm, &f, -1, 0, INFINITY, NULL, 0, &r), MGN_EINVAL);
    assert_int_equal(mgn_account_whatif(MK, 3, &a, &prm, &f, 0, NAN, INFINITY, NULL, 0, &r), MGN_EINVAL);
    assert_int_equal(mgn_account_whatif(MK, 3, &a, &prm, NULL, 0, 0, INFINITY, NULL, 0, &r), MGN_EINVAL);
    assert_memory_equal(&r, &keep, sizeof r);
    assert_int_equal(mgn_account_max_order(MK, 3, &a, &prm, &f, 0, 0, 1000, NULL, 0, &q), MGN_EINVAL);
    assert_int_equal(mgn_account_max_order(MK, 3, &a, &prm, &f, 0, 5, INFINITY, NULL, 0, &q), MGN_EINVAL);
}

static void test_sweep_threads(void **state)
{
    size_t n = 5000, np = 10;
    mgn_position *pos = malloc(n * np * sizeof *pos);
    mgn_balance *bal = malloc(n * sizeof *bal);
    mgn_account *ac = malloc(n * sizeof *ac);
    mgn_account_result *o1 = malloc(n * sizeof *o1), *o2 = malloc(n * sizeof *o2);
    mgn_test_rng g = { 3 };
    random_book(&g, pos, n * np);
    for (size_t k = 0; k < n; k++) {
        mgn_balance b = { MGN_QUOTE, 0, mgn_test_range(&g, 0, 4e5), 0, 0 };
        bal[k] = b;
        ac[k] = acct_of(pos + k * np, np, &bal[k], 1, MGN_QUOTE);
    }
    mgn_account_params prm;
    mgn_account_params_init(&prm);
    assert_int_equal(mgn_account_sweep(MK, 3, ac, n, &prm, 0, NULL, 1, NULL, 0, o1), MGN_OK);
    assert_int_equal(mgn_account_sweep(MK, 3, ac, n, &prm, 0, NULL, 2, NULL, 0, o2), MGN_OK);
    assert_memory_equal(o1, o2, n * sizeof *o1);
    int seen[5] = { 0 };
    for (size_t k = 0; k < n; k += 97) {
        mgn_account_result r;
        assert_int_equal(mgn_account_eval(MK, 3, &ac[k], &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_OK);
        /* the sweep prices options with the batch kernel: within 1e-12 relative */
        double sc = 1e-12 * (fabs(r.collateral) + fabs(r.position_value) + r.im + 1);
        assert_close(o1[k].equity, r.equity, 0, sc);
        assert_close(o1[k].im, r.im, 0, sc);
        assert_close(o1[k].mm, r.mm, 0, sc);
        if (fabs(r.equity - r.im) > sc && fabs(r.equity - r.mm) > sc && fabs(r.equity) > sc)
            assert_int_equal(o1[k].status, r.status);
    }
    for (size_t k = 0; k < n; k++)
        seen[o1[k].status]++;
    assert_true(seen[0] > 0 && seen[4] > 0);
    /* one invalid account: NaN there, the rest computed, MGN_EINVAL */
    pos[3 * np + 2].vol = NAN;
    assert_int_equal(mgn_account_sweep(MK, 3, ac, n, &prm, 0, NULL, 2, NULL, 0, o2), MGN_EINVAL);
    assert_int_equal(o2[3].status, -1);
    assert_true(isnan(o2[3].equity));
    assert_memory_equal(&o2[4], &o1[4], sizeof *o1);
    assert_int_equal(mgn_account_sweep(MK, 3, ac, n, &prm, 0, NULL, 0, NULL, 0, o2), MGN_EINVAL);
    assert_int_equal(mgn_account_sweep(MK, 3, ac, n, &prm, 0, NULL, 257, NULL, 0, o2), MGN_EINVAL);
    assert_int_equal(mgn_account_sweep(MK, 3, NULL, n, &prm, 0, NULL, 1, NULL, 0, o2), MGN_EINVAL);
    free(pos); free(bal); free(ac); free(o1); free(o2);
}

/* Portfolio mode: validation of its rule sets, the workspace, what-if and sweeps on
   the workspace path, and overflows in the margin models. */
static void test_portfolio_mode_paths(void **state)
{
    mgn_position pos[2] = { { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, 1, 1, 0, 0, 0, 49000 },
                            { MGN_OPTION, 1, MGN_PUT, MGN_LINEAR, MGN_EUROPEAN, 0, -2, 1, 2800, 0.1, 0.7, 0 } };
    mgn_balance b = { MGN_QUOTE, 0, 30000, 0, 0 };
    mgn_account a = acct_of(pos, 2, &b, 1, MGN_QUOTE);
    mgn_pm_params pm[3];
    for (int u = 0; u < 3; u++)
        mgn_pm_preset_deribit(&pm[u]);
    mgn_span_params sp[3];
    for (int u = 0; u < 3; u++)
        sp[u] = (mgn_span_params){ 0.15, 0.1, 2, 0.35, 0, 0.01, 0.0 };
    mgn_account_params prm;
    mgn_account_params_init(&prm);
    assert_int_equal(mgn_account_params_init(NULL), MGN_EINVAL);
    prm.mode = MGN_MODE_PORTFOLIO;
    prm.pm = pm;
    size_t ws;
    assert_int_equal(mgn_account_work_size(&prm, 3, 3, &ws), MGN_OK);
    char *w = malloc(ws + 64);
    mgn_account_result r, keep;
    memset(&keep, 0x21, sizeof keep);
    r = keep;
    /* the workspace: NULL, misaligned, short */
    assert_int_equal(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
    assert_int_equal(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, w + 1, ws, &r, NULL), MGN_EINVAL);
    size_t ws2;
    assert_int_equal(mgn_account_work_size(&prm, 3, 2, &ws2), MGN_OK);
    assert_int_equal(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, w, ws2 - 1, &r, NULL), MGN_ENOMEM);
    /* rule sets: a bad PM grid, SPAN without params or pairs, an unknown method */
    mgn_pm_params badpm[3] = { pm[0], pm[1], pm[2] };
    badpm[2].price_steps = 0;
    prm.pm = badpm;
    assert_int_equal(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, w, ws, &r, NULL), MGN_EINVAL);
    prm.pm = pm;
    prm.pm_method = MGN_PM_METHOD_SPAN;
    assert_int_equal(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, w, ws, &r, NULL), MGN_EINVAL);
    prm.span = sp;
    prm.n_pairs = 1;
    assert_int_equal(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, w, ws, &r, NULL), MGN_EINVAL);
    prm.n_pairs = 0;
    mgn_span_params badsp[3] = { sp[0], sp[1], sp[2] };
    badsp[1].vol_scan = NAN;
    prm.span = badsp;
    assert_int_equal(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, w, ws, &r, NULL), MGN_EINVAL);
    prm.span = sp;
    prm.pm_method = 9;
    assert_int_equal(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, w, ws, &r, NULL), MGN_EINVAL);
    assert_int_equal(mgn_account_work_size(&prm, 3, 3, &ws), MGN_EINVAL);
    /* IM = factor x requirement overflows */
    prm.pm_method = MGN_PM_METHOD_GRID;
    prm.pm_im_factor = 1e308;
    assert_int_equal(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, w, ws, &r, NULL), MGN_ERANGE);
    assert_memory_equal(&r, &keep, sizeof r);
    prm.pm_im_factor = 1;

    /* what-if on the workspace path: after = the account with the order as a position
       (a perpetual bought at the mark: no equity adjustment) */
    mgn_position order = { MGN_PERPETUAL, 1, 0, MGN_LINEAR, 0, 0, -3, 1, 0, 0, 0, 3000 };
    mgn_whatif_result wr;
    for (int method = MGN_PM_METHOD_GRID; method <= MGN_PM_METHOD_SPAN; method++) {
        prm.pm_method = method;
        assert_int_equal(mgn_account_work_size(&prm, 3, 3, &ws), MGN_OK);
        /* sizes: absurd counts are MGN_ERANGE with bytes untouched; the largest count
           accepted (INT_MAX - 1 positions, INT_MAX markets) has a size that does not
           wrap: at least a position record and (SPAN) 16 risk doubles per position */
        size_t big_ws = 7;
        assert_int_equal(mgn_account_work_size(&prm, 3, (size_t)INT_MAX, &big_ws), MGN_ERANGE);
        assert_int_equal(mgn_account_work_size(&prm, 3, SIZE_MAX, &big_ws), MGN_ERANGE);
        assert_int_equal(mgn_account_work_size(&prm, (size_t)INT_MAX + 1, 3, &big_ws), MGN_ERANGE);
        assert_int_equal(mgn_account_work_size(&prm, SIZE_MAX, 3, &big_ws), MGN_ERANGE);
        assert_int_equal(big_ws, 7);
        assert_int_equal(mgn_account_work_size(&prm, (size_t)INT_MAX, (size_t)INT_MAX - 1, &big_ws),
                         MGN_OK);
        size_t per_pos = sizeof(mgn_position) + (method == MGN_PM_METHOD_SPAN ? 16 * sizeof(double) : 0);
        assert_true(big_ws >= (size_t)INT_MAX * per_pos);
        assert_true(big_ws > ws);
        free(w);
        w = malloc(ws);
        assert_int_equal(mgn_account_whatif(MK, 3, &a, &prm, &order, 0, 0, INFINITY, w, ws, &wr), MGN_OK);
        mgn_position with[3] = { pos[0], pos[1], order };
        mgn_account a3 = acct_of(with, 3, &b, 1, MGN_QUOTE);
        mgn_account_result r3;
        assert_int_equal(mgn_account_eval(MK, 3, &a3, &prm, 0, INFINITY, w, ws, &r3, NULL), MGN_OK);
        assert_close(wr.after.im, r3.im, 1e-12, 1e-9);
        assert_close(wr.after.equity, r3.equity, 1e-12, 1e-9);
        assert_close(wr.order_equity, 0, 0, 1e-9);
        /* sweep on the workspace path: the same figures as mgn_account_eval; an
           invalid account and one whose margin overflows get NaN, MGN_EINVAL */
        mgn_account accts[3] = { a, a3, a };
        mgn_position huge = pos[0];
        huge.quantity = 1e305;
        huge.entry_price = 5e4;
        accts[2].pos = &huge;
        accts[2].n_pos = 1;
        mgn_account_result out[3];
        size_t ws3;
        assert_int_equal(mgn_account_work_size(&prm, 3, 3, &ws3), MGN_OK);
        char *w2 = malloc(2 * ws3);
        assert_int_equal(mgn_account_sweep(MK, 3, accts, 2, &prm, 0, NULL, 2, w2, 2 * ws3, out), MGN_OK);
        assert_memory_equal(&out[1], &r3, sizeof r3);
        assert_int_equal(mgn_account_sweep(MK, 3, accts, 3, &prm, 0, NULL, 2, w2, 2 * ws3, out), MGN_EINVAL);
        assert_int_equal(out[2].status, -1);
        assert_true(isnan(out[2].equity) && isnan(out[2].mm));
        assert_memory_equal(&out[1], &r3, sizeof r3);
        accts[2] = a;
        accts[2].reserved = 1;
        assert_int_equal(mgn_account_sweep(MK, 3, accts, 3, &prm, 0, NULL, 1, w2, ws3, out), MGN_EINVAL);
        assert_int_equal(out[2].status, -1);
        assert_int_equal(mgn_account_sweep(MK, 3, accts, 2, &prm, 0, NULL, 2, NULL, 0, out), MGN_EINVAL);
        assert_int_equal(mgn_account_sweep(MK, 3, accts, 2, &prm, 0, NULL, 2, w2 + 4, 2 * ws3, out), MGN_EINVAL);
        assert_int_equal(mgn_account_sweep(MK, 3, accts, 2, &prm, 0, NULL, 2, w2, 2 * ws3 - 1, out), MGN_ENOMEM);
        free(w2);
    }
    /* scenario prices overflow in either model (spot 1.6e308, +15% or more) */
    mgn_market big[3] = { { 1.6e308, 0, 0 }, MK[1], MK[2] };
    mgn_position tiny = { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, 1e-300, 1, 0, 0, 0, 1e308 };
    mgn_account at = acct_of(&tiny, 1, &b, 1, MGN_QUOTE);
    for (int u = 0; u < 3; u++)
        pm[u].n_extended = 0;
    for (int method = MGN_PM_METHOD_GRID; method <= MGN_PM_METHOD_SPAN; method++) {
        prm.pm_method = method;
        if (method == MGN_PM_METHOD_SPAN)
            sp[0].price_scan = 0.1;   /* extreme moves of 20% stay below 1 */
        r = keep;
        /* validation of the rule sets alone passes (no position); the book fails */
        assert_int_equal(mgn_account_eval(big, 3, &at, &prm, 0, INFINITY, w, ws, &r, NULL), MGN_ERANGE);
        assert_memory_equal(&r, &keep, sizeof r);
    }
    /* a position whose value overflows */
    mgn_position hv = tiny;
    hv.quantity = 1e305;
    hv.entry_price = 1;
    mgn_account ah = acct_of(&hv, 1, &b, 1, MGN_QUOTE);
    assert_int_equal(mgn_account_eval(MK, 3, &ah, &prm, 0, INFINITY, w, ws, &r, NULL), MGN_ERANGE);
    assert_memory_equal(&r, &keep, sizeof r);
    /* an option that cannot be valued (forward e^1000 S) */
    mgn_market mc[3] = { { 100, 0, -1 }, MK[1], MK[2] };
    mgn_position ov = { MGN_OPTION, 0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 0, 1, 1, 100, 1000, 0.3, 0 };
    mgn_account ao = acct_of(&ov, 1, &b, 1, MGN_QUOTE);
    assert_int_equal(mgn_account_eval(mc, 3, &ao, &prm, 0, INFINITY, w, ws, &r, NULL), MGN_ERANGE);
    /* cross mode with strategy pairing (the workspace path): the standard margin of an
       overflowing book fails */
    mgn_std_params std;
    std.struct_size = sizeof std;
    mgn_std_preset(MGN_STD_PRESET_DEFAULT, &std);
    std.strategies = 1;
    mgn_account_params cp;
    mgn_account_params_init(&cp);
    cp.std = &std;
    cp.n_std = 1;
    assert_int_equal(mgn_account_work_size(&cp, 3, 1, &ws), MGN_OK);
    assert_true(ws > 0);
    free(w);
    w = malloc(ws);
    assert_int_equal(mgn_account_eval(MK, 3, &ah, &cp, 0, INFINITY, w, ws, &r, NULL), MGN_ERANGE);
    assert_memory_equal(&r, &keep, sizeof r);
    free(w);
}

/* Overflow on the no-workspace path, in what-if and in the largest-order search, and
   failures of the checks in front of them. */
static void test_overflow_and_order_status(void **state)
{
    mgn_market mc[3] = { { 100, 0, -1 }, MK[1], MK[2] };   /* forward e^1000 S at T = 1000 */
    mgn_position o = { MGN_OPTION, 0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 0, 1, 1, 100, 1000, 0.3, 0 };
    mgn_balance b = { MGN_QUOTE, 0, 1e6, 0, 0 };
    mgn_account a = acct_of(&o, 1, &b, 1, MGN_QUOTE);
    mgn_account_params prm;
    mgn_account_params_init(&prm);
    mgn_account_result r, keep;
    memset(&keep, 0x12, sizeof keep);
    r = keep;
    for (int ex = MGN_EUROPEAN; ex <= MGN_AMERICAN; ex++) {
        o.exercise = ex;
        assert_int_equal(mgn_account_eval(mc, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_ERANGE);
        assert_memory_equal(&r, &keep, sizeof r);
    }
    /* liquidator economics value an American option it cannot price at 0: the notional
       is still |q| x close factor x multiplier x S */
    size_t nu;
    double nn, rw;
    assert_int_equal(mgn_liq_economics(mc, 3, &a, NULL, 0, 0.5, 0.01, 1, &rw, NULL, &nu, &nn), MGN_OK);
    assert_close(rw, 0.01 * 0.5 * 100, 1e-15, 0);

    /* what-if: the account, the order adjustment and the account after the order each
       overflowing in turn */
    mgn_position p = { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, 1, 1, 0, 0, 0, 50000 };
    mgn_account good = acct_of(&p, 1, &b, 1, MGN_QUOTE);
    mgn_position f = p;
    mgn_whatif_result wr, wkeep;
    memset(&wkeep, 0x34, sizeof wkeep);
    wr = wkeep;
    mgn_account bad_now = a;   /* the overflowing option */
    o.exercise = MGN_EUROPEAN;
    assert_int_equal(mgn_account_whatif(mc, 3, &bad_now, &prm, &f, 0, 0, INFINITY, NULL, 0, &wr), MGN_ERANGE);
    mgn_position gain = p;
    gain.quantity = 1e305;
    gain.entry_price = 1;   /* unrealised gain q (S - limit) overflows */
    assert_int_equal(mgn_account_whatif(MK, 3, &good, &prm, &gain, 0, 0, INFINITY, NULL, 0, &wr), MGN_ERANGE);
    mgn_position vast = p;
    vast.quantity = 1e305;  /* at the mark: no adjustment, but its margin overflows */
    assert_int_equal(mgn_account_whatif(MK, 3, &good, &prm, &vast, 0, 0, INFINITY, NULL, 0, &wr), MGN_ERANGE);
    mgn_account_params badp = prm;
    badp.struct_size = 0;
    assert_int_equal(mgn_account_whatif(MK, 3, &good, &badp, &f, 0, 0, INFINITY, NULL, 0, &wr), MGN_EINVAL);
    o.exercise = MGN_AMERICAN;   /* an order that cannot be valued */
    assert_int_equal(mgn_account_whatif(mc, 3, &good, &prm, &o, 0, 0, INFINITY, NULL, 0, &wr), MGN_ERANGE);
    mgn_account bada = good;
    bada.currency = 3;
    assert_int_equal(mgn_account_whatif(MK, 3, &bada, &prm, &f, 0, 0, INFINITY, NULL, 0, &wr), MGN_EINVAL);
    assert_memory_equal(&wr, &wkeep, sizeof wr);

    /* largest order: NULL, bad params, bad account, an order whose adjustment
       overflows, and one whose IM overflows while the margin ratio still passes (MM
       rate 1e-10) */
    double q = 42;
    assert_int_equal(mgn_account_max_order(MK, 3, &good, &prm, &f, 0, 5, 10, NULL, 0, NULL), MGN_EINVAL);
    assert_int_equal(mgn_account_max_order(MK, 3, &good, &badp, &f, 0, 5, 10, NULL, 0, &q), MGN_EINVAL);
    assert_int_equal(mgn_account_max_order(MK, 3, &bada, &prm, &f, 0, 5, 10, NULL, 0, &q), MGN_EINVAL);
    /* on an underlying at 1e20 the gain of the first size tried (1e305 x 2^-40)
       overflows */
    mgn_market mh[3] = { { 1e20, 0, 0 }, MK[1], MK[2] };
    assert_int_equal(mgn_account_max_order(mh, 3, &good, &prm, &gain, 0, 5, 1e305, NULL, 0, &q), MGN_ERANGE);
    mgn_std_tier tier = { 0, 0.5, 1e-10, 0 };
    mgn_std_params sp;
    sp.struct_size = sizeof sp;
    mgn_std_preset(MGN_STD_PRESET_DEFAULT, &sp);
    sp.tiers = &tier;
    sp.n_tiers = 1;
    mgn_account_params lp = prm;
    lp.std = &sp;
    lp.n_std = 1;
    mgn_balance rich = { MGN_QUOTE, 0, 1e308, 0, 0 };
    mgn_account ar = acct_of(&p, 1, &rich, 1, MGN_QUOTE);
    assert_int_equal(mgn_account_max_order(MK, 3, &ar, &lp, &f, 0, 5, 1e305, NULL, 0, &q), MGN_ERANGE);
    assert_true(q == 42);
    /* the rule sets' count must be 1 or n_mkt for the workspace size too */
    size_t ws;
    lp.n_std = 2;
    assert_int_equal(mgn_account_work_size(&lp, 3, 1, &ws), MGN_EINVAL);
}

/* The sweep's fast path for an account with more options than one batch call takes
   (512): evaluated alone, exactly as mgn_account_eval. */
static void test_sweep_large_account(void **state)
{
    size_t np = 800;
    mgn_position *pos = malloc(np * sizeof *pos);
    mgn_test_rng g = { 5 };
    random_book(&g, pos, np);
    for (size_t i = 0; i < np; i++)
        if (i % 4 != 0) {   /* 600 options at least */
            pos[i].instrument = MGN_OPTION;
            pos[i].option_type = MGN_PUT;
            pos[i].exercise = MGN_EUROPEAN;
            pos[i].multiplier = 1;
            pos[i].strike = MK[pos[i].underlying].spot;
            pos[i].expiry = 0.5;
            pos[i].vol = 0.5;
            pos[i].entry_price = 0;
        }
    size_t nopt = 0;
    for (size_t i = 0; i < np; i++)
        nopt += pos[i].instrument == MGN_OPTION;
    assert_true(nopt > 512);
    mgn_balance b = { MGN_QUOTE, 0, 1e6, 0, 0 };
    mgn_account ac[3] = { acct_of(pos, 10, &b, 1, MGN_QUOTE), acct_of(pos, np, &b, 1, MGN_QUOTE),
                          acct_of(pos + 10, 10, &b, 1, MGN_QUOTE) };
    mgn_account_params prm;
    mgn_account_params_init(&prm);
    mgn_account_result out[3], r;
    assert_int_equal(mgn_account_sweep(MK, 3, ac, 3, &prm, 0, NULL, 1, NULL, 0, out), MGN_OK);
    assert_int_equal(mgn_account_eval(MK, 3, &ac[1], &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_OK);
    assert_memory_equal(&out[1], &r, sizeof r);
    for (int k = 0; k < 3; k += 2) {
        assert_int_equal(mgn_account_eval(MK, 3, &ac[k], &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_OK);
        assert_close(out[k].equity, r.equity, 1e-12, 1e-9);
        assert_close(out[k].mm, r.mm, 1e-12, 1e-9);
    }
    /* an account whose evaluation overflows in the batch group: NaN, MGN_EINVAL */
    mgn_position hv = { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, 1e305, 1, 0, 0, 0, 1 };
    ac[1] = acct_of(&hv, 1, &b, 1, MGN_QUOTE);
    assert_int_equal(mgn_account_sweep(MK, 3, ac, 3, &prm, 0, NULL, 1, NULL, 0, out), MGN_EINVAL);
    assert_int_equal(out[1].status, -1);
    assert_true(isnan(out[1].equity));
    assert_true(out[0].status >= 0 && out[2].status >= 0);
    free(pos);
}

static void test_bad_input(void **state)
{
    mgn_position p = { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, 1, 1, 0, 0, 0, 50000 };
    mgn_balance b = { 0, 0, 1, 0.1, 0 };
    double iso[1] = { 10 };
    mgn_account a = acct_of(&p, 1, &b, 1, MGN_QUOTE);
    mgn_account_params prm;
    mgn_account_params_init(&prm);
    mgn_account_result keep, r;
    memset(&keep, 0x44, sizeof keep);
    r = keep;
#define BAD(expr, want) do { assert_int_equal((expr), (want)); assert_memory_equal(&r, &keep, sizeof r); } while (0)
    for (int k = 0; k < 3; k++) {
        double x = mgn_test_nonfinite[k];
        mgn_position q = p; q.quantity = x; a.pos = &q;
        BAD(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
        q = p; q.entry_price = x;
        BAD(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
        q = p; q.multiplier = x;
        BAD(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
        q = p; q.vol = x;
        BAD(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
        a.pos = &p;
        mgn_balance c = b; c.amount = x; a.bal = &c;
        BAD(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
        c = b; c.haircut = x;
        BAD(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
        c = b; c.haircut_slope = x;
        BAD(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
        a.bal = &b;
        mgn_account_params q2 = prm; q2.liq_ratio = x;
        BAD(mgn_account_eval(MK, 3, &a, &q2, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
        mgn_market m[3] = { MK[0], MK[1], MK[2] };
        m[1].rate = x;
        BAD(mgn_account_eval(m, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
        iso[0] = x;
        a.isolated = iso;
        q2 = prm; q2.mode = MGN_MODE_ISOLATED;
        BAD(mgn_account_eval(MK, 3, &a, &q2, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
        a.isolated = NULL;
    }
    BAD(mgn_account_eval(MK, 3, &a, &prm, NAN, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
    BAD(mgn_account_eval(MK, 3, &a, &prm, 0, NAN, NULL, 0, &r, NULL), MGN_EINVAL);
    mgn_position q = p; q.underlying = 3; a.pos = &q;
    BAD(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
    q = p; q.underlying = -1;
    BAD(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
    q = p; q.reserved = 1;
    BAD(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
    q = p; q.entry_price = -1;
    BAD(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
    a.pos = &p;
    mgn_balance c = b; c.asset = 3; a.bal = &c;
    BAD(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
    c = b; c.haircut = 1.5;
    BAD(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
    c = b; c.haircut_slope = -1;
    BAD(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
    a.bal = NULL;
    BAD(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
    a.bal = &b;
    a.n_pos = (size_t)-1;
    BAD(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_ERANGE);
    a.n_pos = 1;
    a.currency = 5;
    BAD(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
    a.currency = MGN_QUOTE;
    a.struct_size = 4;
    BAD(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
    a.struct_size = sizeof a;
    mgn_account_params q2 = prm;
    q2.mode = 7;
    BAD(mgn_account_eval(MK, 3, &a, &q2, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
    q2 = prm; q2.struct_size = 1;
    BAD(mgn_account_eval(MK, 3, &a, &q2, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
    q2 = prm; q2.liq_ratio = 1.5;
    BAD(mgn_account_eval(MK, 3, &a, &q2, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
    q2 = prm; q2.mode = MGN_MODE_PORTFOLIO;   /* pm NULL */
    BAD(mgn_account_eval(MK, 3, &a, &q2, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
    mgn_std_params sp;
    sp.struct_size = sizeof sp;
    mgn_std_preset(MGN_STD_PRESET_DEFAULT, &sp);
    sp.im_base = NAN;
    q2 = prm; q2.std = &sp; q2.n_std = 1;
    BAD(mgn_account_eval(MK, 3, &a, &q2, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
    q2.n_std = 2;
    BAD(mgn_account_eval(MK, 3, &a, &q2, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
    BAD(mgn_account_eval(NULL, 3, &a, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
    BAD(mgn_account_eval(MK, 0, &a, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_ERANGE);
    BAD(mgn_account_eval(MK, 3, NULL, &prm, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
    BAD(mgn_account_eval(MK, 3, &a, NULL, 0, INFINITY, NULL, 0, &r, NULL), MGN_EINVAL);
    assert_int_equal(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, NULL, 0, NULL, NULL), MGN_EINVAL);
#undef BAD
    assert_int_equal(mgn_sizeof_account(), sizeof(mgn_account));
    assert_int_equal(mgn_sizeof_balance(), sizeof(mgn_balance));
    assert_int_equal(mgn_sizeof_account_params(), sizeof(mgn_account_params));
    assert_int_equal(mgn_sizeof_account_result(), sizeof(mgn_account_result));
}

/*---------------------------------------------------------------- bad input catalogue */
/* Every argument of every function of this file with the bad values of the catalogue
   (tests/README.md, tests/bad_input.h). */
#include "bad_input.h"

static double bad_ws[1 << 16];          /* 512 KB: enough for every mode here */

typedef struct {
    double now, deadline;
    void *work;
    size_t work_size;
    int null_out;
    const mgn_position *order;       /* what-if and max order */
    double order_col, target, max_qty;
    int threads;                     /* sweep */
    const double *deadlines;
} bad_acct_args;

static const bad_acct_args BAD_ACCT_GOOD = { 0, INFINITY, bad_ws, sizeof bad_ws, 0, NULL, 0, 1.5, 10, 1, NULL };

static int bad_call_eval(const mgn_market *mkt, size_t n_mkt, const mgn_account *acct,
                         const mgn_account_params *params, void *ctx)
{
    const bad_acct_args *a = ctx;
    mgn_account_result out;
    mgn_position_result per[BAD_BOOK_MAX];
    bad_fill(&out, sizeof out);
    int st = mgn_account_eval(mkt, n_mkt, acct, params, a->now, a->deadline, a->work, a->work_size,
                              a->null_out ? NULL : &out, per);
    if (st != MGN_OK)
        BAD_UNTOUCHED(&out, sizeof out);
    return st;
}

static int bad_call_whatif(const mgn_market *mkt, size_t n_mkt, const mgn_account *acct,
                           const mgn_account_params *params, void *ctx)
{
    const bad_acct_args *a = ctx;
    mgn_whatif_result out;
    bad_fill(&out, sizeof out);
    int st = mgn_account_whatif(mkt, n_mkt, acct, params, a->order, a->order_col, a->now, a->deadline,
                                a->work, a->work_size, a->null_out ? NULL : &out);
    if (st != MGN_OK)
        BAD_UNTOUCHED(&out, sizeof out);
    return st;
}

static int bad_call_max_order(const mgn_market *mkt, size_t n_mkt, const mgn_account *acct,
                              const mgn_account_params *params, void *ctx)
{
    const bad_acct_args *a = ctx;
    double q;
    bad_fill(&q, sizeof q);
    int st = mgn_account_max_order(mkt, n_mkt, acct, params, a->order, a->order_col, a->target,
                                   a->max_qty, a->work, a->work_size, a->null_out ? NULL : &q);
    if (st != MGN_OK)
        BAD_UNTOUCHED(&q, sizeof q);
    return st;
}

/* The sweep evaluates the account between two valid ones: an invalid account gets NaN
   and status -1 in its slot and the others are evaluated; invalid shared arguments
   leave out untouched. */
static int bad_call_sweep(const mgn_market *mkt, size_t n_mkt, const mgn_account *acct,
                          const mgn_account_params *params, void *ctx)
{
    const bad_acct_args *a = ctx;
    static mgn_position pos[BAD_NPOS];
    static mgn_balance bal[2];
    mgn_market mk0[BAD_NMKT];
    bad_default_book(mk0, pos);
    bad_default_balances(bal);
    mgn_account ok = bad_default_account(pos, bal);
    mgn_account accts[3] = { ok, acct ? *acct : ok, ok };
    mgn_account_result out[3];
    bad_fill(out, sizeof out);
    int st = mgn_account_sweep(mkt, n_mkt, acct ? accts : NULL, 3, params, a->now, a->deadlines,
                               a->threads, a->work, a->work_size, a->null_out ? NULL : out);
    if (st != MGN_OK && !bad_is_filled(out, sizeof out)) {
        /* an element failed: the batch contract */
        assert_int_equal(st, MGN_EINVAL);
        assert_int_equal(out[1].status, -1);
        assert_true(isnan(out[1].equity) && isnan(out[1].im) && isnan(out[1].margin_ratio));
        assert_true(out[0].status >= 0 && isfinite(out[0].equity));
        assert_true(out[2].status >= 0 && isfinite(out[2].equity));
    }
    return st;
}

static void bad_time_and_work(const char *fn, bad_acct_call call, const mgn_market *mk,
                              const mgn_account *acct, const mgn_account_params *prm,
                              const bad_acct_args *good, int has_deadline)
{
    bad_acct_args a = *good;
    for (size_t k = 0; k < BAD_N(BAD_D_FINITE) && call != bad_call_max_order; k++) {
        a = *good;
        a.now = BAD_D_FINITE[k].v;
        BAD_STATUS(fn, "now", BAD_D_FINITE[k].label, MGN_EINVAL, call(mk, BAD_NMKT, acct, prm, &a));
    }
    if (has_deadline) {
        a = *good;
        a.deadline = NAN;
        BAD_STATUS(fn, "call_deadline", "NaN", MGN_EINVAL, call(mk, BAD_NMKT, acct, prm, &a));
        a.deadline = -INFINITY;
        BAD_STATUS_NOTE(fn, "call_deadline", "-inf", MGN_OK, "a call already past its deadline",
                        call(mk, BAD_NMKT, acct, prm, &a));
    }
    /* a mode that needs the workspace: portfolio margin */
    mgn_pm_params pm[BAD_NMKT];
    assert_int_equal(mgn_pm_preset_occ(&pm[0]), MGN_OK);
    pm[1] = pm[0];
    mgn_account_params pp = *prm;
    pp.mode = MGN_MODE_PORTFOLIO;
    pp.pm = pm;
    size_t need;
    assert_int_equal(mgn_account_work_size(&pp, BAD_NMKT, BAD_NPOS, &need), MGN_OK);
    assert_true(need > 0);
    a = *good;
    a.work = NULL;
    BAD_STATUS(fn, "work", "NULL (portfolio mode)", MGN_EINVAL, call(mk, BAD_NMKT, acct, &pp, &a));
    a.work = (char *)bad_ws + 4;
    BAD_STATUS(fn, "work", "misaligned (work + 4 bytes)", MGN_EINVAL, call(mk, BAD_NMKT, acct, &pp, &a));
    a = *good;
    a.work_size = 0;
    BAD_STATUS(fn, "work_size", "0 (portfolio mode)", MGN_ENOMEM, call(mk, BAD_NMKT, acct, &pp, &a));
    a.work_size = need / 2;
    BAD_STATUS(fn, "work_size", "half the need", MGN_ENOMEM, call(mk, BAD_NMKT, acct, &pp, &a));
    a = *good;
    a.null_out = 1;
    BAD_STATUS(fn, call == bad_call_max_order ? "qty" : "out", "NULL", MGN_EINVAL,
               call(mk, BAD_NMKT, acct, prm, &a));
}

static void bad_order(const char *fn, bad_acct_call call, const mgn_market *mk,
                      const mgn_account *acct, const mgn_account_params *prm,
                      const bad_acct_args *good)
{
    /* the order: every field of a position record */
    static mgn_position book[BAD_NPOS];
    mgn_market m[BAD_NMKT];
    bad_default_book(m, book);
    for (int k = 0;; k++) {
        const char *field, *label;
        int kind;
        mgn_position o = bad_base_option(0);
        if (!bad_position_case(k, BAD_NMKT, &o, &kind, &field, &label))
            break;
        if (kind == BAD_POS_FUTURE) {
            o = bad_base_future(0);
            bad_position_case(k, BAD_NMKT, &o, &kind, &field, &label);
        }
        bad_acct_args a = *good;
        a.order = &o;
        char arg[96];
        snprintf(arg, sizeof arg, "order->%s", field);
        BAD_STATUS(fn, arg, label, MGN_EINVAL, call(mk, BAD_NMKT, acct, prm, &a));
    }
    bad_acct_args a = *good;
    mgn_position o = bad_base_option(0);
    o.entry_price = -1;
    a.order = &o;
    BAD_STATUS(fn, "order->entry_price", "-1 (option premium)", MGN_EINVAL, call(mk, BAD_NMKT, acct, prm, &a));
    a.order = NULL;
    BAD_STATUS(fn, "order", "NULL", MGN_EINVAL, call(mk, BAD_NMKT, acct, prm, &a));
    a = *good;
    for (size_t k = 0; k < BAD_N(BAD_D_NONNEG); k++) {
        a.order_col = BAD_D_NONNEG[k].v;
        BAD_STATUS(fn, "order_collateral", BAD_D_NONNEG[k].label, MGN_EINVAL, call(mk, BAD_NMKT, acct, prm, &a));
    }
}

static void test_bad_input_account(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    mgn_market mk[BAD_NMKT];
    mgn_position pos[BAD_NPOS];
    mgn_balance bal[2];
    bad_default_book(mk, pos);
    bad_default_balances(bal);
    mgn_account acct = bad_default_account(pos, bal);
    mgn_account_params prm;
    assert_int_equal(mgn_account_params_init(&prm), MGN_OK);
    mgn_position order = bad_base_future(1);
    order.entry_price = 2000;
    bad_acct_args good = BAD_ACCT_GOOD;
    good.order = &order;

    /* mgn_account_eval */
    bad_account_inputs("mgn_account_eval", "acct", bad_call_eval, &good, mk, BAD_NMKT, &acct, &prm, 0);
    bad_time_and_work("mgn_account_eval", bad_call_eval, mk, &acct, &prm, &good, 1);
    {
        mgn_account_result r;
        BAD_STATUS_NOTE("mgn_account_eval", "per_pos", "NULL", MGN_OK, "optional output",
                        mgn_account_eval(mk, BAD_NMKT, &acct, &prm, 0, INFINITY, NULL, 0, &r, NULL));
    }

    /* mgn_account_whatif */
    bad_account_inputs("mgn_account_whatif", "acct", bad_call_whatif, &good, mk, BAD_NMKT, &acct, &prm, 0);
    bad_time_and_work("mgn_account_whatif", bad_call_whatif, mk, &acct, &prm, &good, 1);
    bad_order("mgn_account_whatif", bad_call_whatif, mk, &acct, &prm, &good);

    /* mgn_account_max_order */
    const char *fn = "mgn_account_max_order";
    bad_account_inputs(fn, "acct", bad_call_max_order, &good, mk, BAD_NMKT, &acct, &prm, 0);
    bad_time_and_work(fn, bad_call_max_order, mk, &acct, &prm, &good, 0);
    bad_order(fn, bad_call_max_order, mk, &acct, &prm, &good);
    {
        bad_acct_args a = good;
        mgn_position o = order;
        o.quantity = 0;
        a.order = &o;
        BAD_STATUS(fn, "order->quantity", "0 (no direction)", MGN_EINVAL, bad_call_max_order(mk, BAD_NMKT, &acct, &prm, &a));
        for (size_t k = 0; k < BAD_N(BAD_D_POSITIVE); k++) {
            a = good;
            a.target = BAD_D_POSITIVE[k].v;
            BAD_STATUS(fn, "target_ratio", BAD_D_POSITIVE[k].label, MGN_EINVAL,
                       bad_call_max_order(mk, BAD_NMKT, &acct, &prm, &a));
            a = good;
            a.max_qty = BAD_D_POSITIVE[k].v;
            BAD_STATUS(fn, "max_qty", BAD_D_POSITIVE[k].label, MGN_EINVAL,
                       bad_call_max_order(mk, BAD_NMKT, &acct, &prm, &a));
        }
    }

    /* mgn_account_sweep */
    fn = "mgn_account_sweep";
    bad_account_inputs(fn, "accts[]", bad_call_sweep, &good, mk, BAD_NMKT, &acct, &prm, 1);
    bad_time_and_work(fn, bad_call_sweep, mk, &acct, &prm, &good, 0);
    {
        bad_acct_args a = good;
        static const bad_int bad_threads[] = { { "0", 0 }, { "-1", -1 }, { "257", 257 }, { "INT_MAX", INT_MAX },
                                               { "INT_MIN", INT_MIN } };
        for (size_t k = 0; k < BAD_N(bad_threads); k++) {
            a.threads = bad_threads[k].v;
            BAD_STATUS(fn, "threads", bad_threads[k].label, MGN_EINVAL, bad_call_sweep(mk, BAD_NMKT, &acct, &prm, &a));
        }
        a = good;
        const double dl[3] = { INFINITY, NAN, 5 };
        a.deadlines = dl;
        BAD_STATUS_NOTE(fn, "call_deadlines[k]", "NaN", MGN_EINVAL, "that account NaN with status -1, the others evaluated",
                        bad_call_sweep(mk, BAD_NMKT, &acct, &prm, &a));
        mgn_account_result out[1];
        bad_fill(out, sizeof out);
        BAD_STATUS_NOTE(fn, "n_acct", "0 (accts and out NULL)", MGN_OK, "nothing written",
                        mgn_account_sweep(mk, BAD_NMKT, NULL, 0, &prm, 0, NULL, 1, NULL, 0, NULL));
        for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
            BAD_STATUS(fn, "n_acct", BAD_SIZES_NULL[s].label, MGN_EINVAL,
                       mgn_account_sweep(mk, BAD_NMKT, NULL, BAD_SIZES[s].v, &prm, 0, NULL, 1, NULL, 0, out));
        BAD_UNTOUCHED(out, sizeof out);
    }

    /* work sizes */
    static const char *const wfn[2] = { "mgn_account_work_size", "mgn_whatif_work_size" };
    for (int w = 0; w < 2; w++) {
        fn = wfn[w];
        int (*ws)(const mgn_account_params *, size_t, size_t, size_t *) =
            w ? mgn_whatif_work_size : mgn_account_work_size;
        const char *count = w ? "n_pos" : "max_pos";
        size_t b;
        bad_fill(&b, sizeof b);
        BAD_STATUS(fn, "params", "NULL", MGN_EINVAL, ws(NULL, BAD_NMKT, 3, &b));
        BAD_STATUS(fn, "bytes", "NULL", MGN_EINVAL, ws(&prm, BAD_NMKT, 3, NULL));
        mgn_account_params p = prm;
        p.struct_size = 0;
        BAD_STATUS(fn, "params->struct_size", "0", MGN_EINVAL, ws(&p, BAD_NMKT, 3, &b));
        p.struct_size = SIZE_MAX;
        BAD_STATUS(fn, "params->struct_size", "SIZE_MAX", MGN_EINVAL, ws(&p, BAD_NMKT, 3, &b));
        static const bad_int modes[] = { { "-1", -1 }, { "3", 3 }, { "INT_MAX", INT_MAX } };
        for (size_t k = 0; k < BAD_N(modes); k++) {
            p = prm;
            p.mode = modes[k].v;
            BAD_STATUS(fn, "params->mode", modes[k].label, MGN_EINVAL, ws(&p, BAD_NMKT, 3, &b));
            p = prm;
            p.mode = MGN_MODE_PORTFOLIO;
            p.pm_method = modes[k].v;
            BAD_STATUS(fn, "params->pm_method", modes[k].label, MGN_EINVAL, ws(&p, BAD_NMKT, 3, &b));
        }
        mgn_std_params sp;
        sp.struct_size = sizeof sp;
        assert_int_equal(mgn_std_preset(MGN_STD_PRESET_DEFAULT, &sp), MGN_OK);
        p = prm;
        p.std = &sp;
        p.n_std = 3;
        BAD_STATUS(fn, "params->n_std", "3 (neither 1 nor n_mkt)", MGN_EINVAL, ws(&p, BAD_NMKT, 3, &b));
        p.n_std = SIZE_MAX;
        BAD_STATUS(fn, "params->n_std", "SIZE_MAX", MGN_EINVAL, ws(&p, BAD_NMKT, 3, &b));
        BAD_STATUS(fn, "n_mkt", "0", MGN_ERANGE, ws(&prm, 0, 3, &b));
        for (size_t s = 0; s < BAD_N(BAD_SIZES); s++) {
            BAD_STATUS(fn, "n_mkt", BAD_SIZES[s].label, MGN_ERANGE, ws(&prm, BAD_SIZES[s].v, 3, &b));
            BAD_STATUS(fn, count, BAD_SIZES[s].label, MGN_ERANGE, ws(&prm, BAD_NMKT, BAD_SIZES[s].v, &b));
        }
        BAD_UNTOUCHED(&b, sizeof b);
    }
    BAD_STATUS("mgn_account_params_init", "params", "NULL", MGN_EINVAL, mgn_account_params_init(NULL));
}

/* An overflow found after some per-position records were computed (a position whose
   value is not finite, in every mode that fills per_pos as it goes) leaves out and
   per_pos untouched; a subnormal max_qty still gives an answer. */
static void test_failure_untouched(void **state)
{
    (void)state;
    mgn_position p[2];
    memset(p, 0, sizeof p);
    for (int i = 0; i < 2; i++) {
        p[i].instrument = MGN_OPTION;
        p[i].option_type = MGN_CALL;
        p[i].quantity = 10;
        p[i].multiplier = 1;
        p[i].strike = 50000;
        p[i].expiry = 0.5;
        p[i].vol = 0.5;
    }
    p[1].multiplier = 1e307;   /* value 10 * 1e307 * V overflows */
    mgn_account a = acct_of(p, 2, NULL, 0, MGN_QUOTE);
    mgn_account_params prm;
    mgn_account_params_init(&prm);
    mgn_pm_params pm[3];
    for (int u = 0; u < 3; u++)
        mgn_pm_preset_deribit(&pm[u]);
    prm.pm = pm;
    for (int mode = 0; mode < 3; mode++) {
        prm.mode = mode;
        size_t need;
        assert_int_equal(mgn_account_work_size(&prm, 3, 2, &need), MGN_OK);
        void *work = need ? malloc(need) : NULL;
        mgn_account_result r, keep;
        mgn_position_result pp[2], pkeep[2];
        memset(&keep, 0x5a, sizeof keep);
        memset(pkeep, 0x5a, sizeof pkeep);
        r = keep;
        memcpy(pp, pkeep, sizeof pp);
        assert_int_equal(mgn_account_eval(MK, 3, &a, &prm, 0, INFINITY, work, need, &r, pp),
                         MGN_ERANGE);
        assert_memory_equal(&r, &keep, sizeof r);
        assert_memory_equal(pp, pkeep, sizeof pp);
        free(work);
    }
    prm.mode = MGN_MODE_CROSS;
    mgn_position order = p[0];
    order.instrument = MGN_PERPETUAL;
    order.entry_price = 50000;
    a.n_pos = 1;
    double qty = -1;
    assert_int_equal(mgn_account_max_order(MK, 3, &a, &prm, &order, 0, 1.0, 1e-310, NULL, 0, &qty),
                     MGN_OK);
    assert_true(qty >= 0 && qty <= 1e-310);
}

/* An account whose evaluation fails part-way (an overflow after its first option) in
   a sweep: the next account still gets its own option prices (it used to read the
   prices the failed account had not consumed). */
static void test_sweep_after_failing_account(void **state)
{
    (void)state;
    mgn_position p[3];
    memset(p, 0, sizeof p);
    for (int i = 0; i < 3; i++) {
        p[i].instrument = MGN_OPTION;
        p[i].option_type = i == 2 ? MGN_PUT : MGN_CALL;
        p[i].quantity = -1 - i;   /* distinct: a misread price changes the total */
        p[i].multiplier = 1;
        p[i].strike = 50000 * (0.8 + 0.2 * i);
        p[i].expiry = 0.25;
        p[i].vol = 0.6;
    }
    mgn_position bad[3] = { p[0], p[1], p[2] };
    bad[0].instrument = MGN_PERPETUAL;   /* its notional overflows: the account fails at */
    bad[0].multiplier = 1e307;           /* position 0, before its two options */
    bad[0].entry_price = 50000;
    mgn_balance b = { MGN_QUOTE, 0, 1e5, 0, 0 };
    mgn_account a[2] = { acct_of(bad, 3, &b, 1, MGN_QUOTE), acct_of(p, 3, &b, 1, MGN_QUOTE) };
    mgn_account_params prm;
    mgn_account_params_init(&prm);
    for (int mode = 0; mode < 2; mode++) {
        prm.mode = mode;
        mgn_account_result out[2], e;
        assert_int_equal(mgn_account_sweep(MK, 3, a, 2, &prm, 0, NULL, 1, NULL, 0, out), MGN_EINVAL);
        assert_int_equal(out[0].status, -1);
        assert_int_equal(mgn_account_eval(MK, 3, &a[1], &prm, 0, INFINITY, NULL, 0, &e, NULL), MGN_OK);
        assert_close(out[1].position_value, e.position_value, 1e-12, 1e-9);
        assert_close(out[1].im, e.im, 1e-12, 1e-9);
        assert_close(out[1].mm, e.mm, 1e-12, 1e-9);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cross_matches_library),
        cmocka_unit_test(test_status_boundaries),
        cmocka_unit_test(test_isolated_independent),
        cmocka_unit_test(test_portfolio_mode),
        cmocka_unit_test(test_whatif_and_max_order),
        cmocka_unit_test(test_max_order_random),
        cmocka_unit_test(test_sweep_threads),
        cmocka_unit_test(test_portfolio_mode_paths),
        cmocka_unit_test(test_overflow_and_order_status),
        cmocka_unit_test(test_sweep_large_account),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_bad_input_account),
        cmocka_unit_test(test_failure_untouched),
        cmocka_unit_test(test_sweep_after_failing_account),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
