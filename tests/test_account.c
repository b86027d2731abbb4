/* Tests of lib/account.c: account evaluation in the three modes, status boundaries,
 * isolated independence, collateral haircuts, what-if, the largest order and the
 * threaded sweep.
 *
 * References: mgn_portfolio_value + mgn_std_margin / mgn_pm_margin (independent code
 * paths of the library) for equity and margin; hand-set boundary accounts whose equity
 * is exactly IM, MM, MM * liq_ratio or 0; bit-identical sweeps across thread counts;
 * on random accounts in every mode, the header's definitions written out in the test
 * (collateral, values, equity, the per-position split, thresholds and ratios) over the
 * margin functions it names, and the sweep and what-if against mgn_account_eval.
 */
#include <float.h>
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

/* A sweep's fast path prices the options of a group of accounts in one batch call; a
   group also ends after 512 accounts, however few options they hold. 3,000 accounts,
   most with a perpetual only, every 97th with an option too (distinct quantities: a
   price read from another account's slot changes the value): each result as
   mgn_account_eval gives it. */
static void test_sweep_many_accounts_few_options(void **state)
{
    (void)state;
    enum { N = 3000 };
    mgn_position *p = calloc(2 * N, sizeof *p);
    mgn_account *a = calloc(N, sizeof *a);
    mgn_account_result *out = calloc(N, sizeof *out);
    assert_non_null(p);
    assert_non_null(a);
    assert_non_null(out);
    mgn_balance b = { MGN_QUOTE, 0, 1e5, 0, 0 };
    for (size_t k = 0; k < N; k++) {
        mgn_position *q = &p[2 * k];
        q[0].instrument = MGN_PERPETUAL;
        q[0].quantity = 0.1 + 0.001 * (double)k;
        q[0].multiplier = 1;
        q[0].entry_price = 49000;
        q[1].instrument = MGN_OPTION;
        q[1].option_type = k % 2 ? MGN_PUT : MGN_CALL;
        q[1].quantity = -1 - 0.01 * (double)k;
        q[1].multiplier = 1;
        q[1].strike = 40000 + 10 * (double)k;
        q[1].expiry = 0.25;
        q[1].vol = 0.6;
        a[k] = acct_of(q, k % 97 == 0 ? 2 : 1, &b, 1, MGN_QUOTE);
    }
    mgn_account_params prm;
    mgn_account_params_init(&prm);
    assert_int_equal(mgn_account_sweep(MK, 3, a, N, &prm, 0, NULL, 1, NULL, 0, out), MGN_OK);
    for (size_t k = 0; k < N; k++) {
        mgn_account_result e;
        assert_int_equal(mgn_account_eval(MK, 3, &a[k], &prm, 0, INFINITY, NULL, 0, &e, NULL),
                         MGN_OK);
        assert_close(out[k].position_value, e.position_value, 1e-12, 1e-9);
        assert_close(out[k].im, e.im, 1e-12, 1e-9);
        assert_close(out[k].mm, e.mm, 1e-12, 1e-9);
    }
    free(p);
    free(a);
    free(out);
}

/*---------------------------------------------------------------- random accounts */

/* The random accounts of test_eval_random and test_sweep_whatif_random: 1 to 3 markets
   over the pricing domain (tests/margin_ref.h), the rule sets of ref_random_rule_sets
   (a quarter of them with strategy pairing added, a fifth of the grids OCC's) or the
   default, every mode and PM method, SPAN pairs, factors and liq_ratio over their
   ranges, and books of 1 to 8 positions whose collateral puts equity near IM, MM,
   MM * liq_ratio or 0. */
enum { RA_POS = 8, RA_BAL = 5 };

typedef struct {
    mgn_market mkt[3];
    size_t n_mkt;
    mgn_std_params std[3], dflt;
    mgn_pm_params pm[3];
    mgn_span_params span[3];
    mgn_span_pair pairs[2];
    mgn_account_params prm;
    double now;
} ra_rules;

typedef struct {
    mgn_position pos[RA_POS + 1];   /* + 1: room for a what-if order */
    mgn_balance bal[RA_BAL];        /* the last one: cash in the account currency */
    double iso[RA_POS + 1];
    mgn_account a;
    double deadline;
} ra_acct;

/* Expected figures of an account in its currency, each with its tolerance; per
   position its value, equity, IM and MM (pooled modes: the split of the account's). */
typedef struct {
    size_t n;
    long double value[RA_POS + 1], equity[RA_POS + 1], im[RA_POS + 1], mm[RA_POS + 1];
    double tv[RA_POS + 1], te[RA_POS + 1], tm[RA_POS + 1], size[RA_POS + 1];
    long double col, im_total, mm_total;
    double tcol, tim, tmm;
} ra_ref;

typedef struct {
    long decided;        /* statuses checked against the expected figures */
    long near;           /* of them within the tolerance of a threshold (either accepted) */
    long ties[4];        /* exact equity == IM, == MM, == rounded MM * liq_ratio, == 0 */
    long product_ties;   /* equity == the rounded MM * liq_ratio, not the exact product */
    long seen[5], seen_pos[5];
} ra_stats;

static void ra_draw_rules(mgn_test_rng *g, ra_rules *R)
{
    mgn_position none[1];
    R->n_mkt = 1 + (size_t)(mgn_test_uniform(g) * 3);
    ref_wide_book(g, R->mkt, (int)R->n_mkt, none, 0);   /* the markets alone */
    ref_random_rule_sets(g, R->n_mkt, R->std, R->pm, R->span);
    for (size_t u = 0; u < R->n_mkt; u++) {
        if (mgn_test_uniform(g) < 0.25)
            R->std[u].strategies = 1 + (int)(mgn_test_uniform(g) * 7);
        if (mgn_test_uniform(g) < 0.2)
            assert_int_equal(mgn_pm_preset_occ(&R->pm[u]), MGN_OK);
    }
    R->dflt.struct_size = sizeof R->dflt;
    assert_int_equal(mgn_std_preset(MGN_STD_PRESET_DEFAULT, &R->dflt), MGN_OK);
    mgn_account_params *p = &R->prm;
    assert_int_equal(mgn_account_params_init(p), MGN_OK);
    p->mode = (int)(mgn_test_uniform(g) * 3);   /* isolated, cross, portfolio */
    p->pm_method = mgn_test_uniform(g) < 0.5 ? MGN_PM_METHOD_GRID : MGN_PM_METHOD_SPAN;
    if (mgn_test_uniform(g) < 0.8) {            /* else NULL: the default rule set */
        p->std = R->std;
        p->n_std = R->n_mkt == 1 || mgn_test_uniform(g) < 0.4 ? 1 : R->n_mkt;
    }
    p->pm = R->pm;
    p->span = R->span;
    if (R->n_mkt > 1 && mgn_test_uniform(g) < 0.6) {
        p->n_pairs = 1 + (size_t)(mgn_test_uniform(g) * 2);
        for (size_t k = 0; k < p->n_pairs; k++) {
            int a = (int)(mgn_test_uniform(g) * (double)R->n_mkt);
            int b = (a + 1 + (int)(mgn_test_uniform(g) * (double)(R->n_mkt - 1))) % (int)R->n_mkt;
            mgn_span_pair s = { a, b, mgn_test_logrange(g, 0.1, 10), mgn_test_logrange(g, 0.1, 10),
                                mgn_test_uniform(g) };
            R->pairs[k] = s;
        }
        p->pairs = R->pairs;
    }
    if (mgn_test_uniform(g) < 0.75) {           /* else the defaults 1 and 0.8 */
        p->pm_im_factor = mgn_test_range(g, 0.5, 2);
        p->pm_mm_factor = p->pm_im_factor
                        * (mgn_test_uniform(g) < 0.15 ? 1 : mgn_test_range(g, 0.05, 1));
    }
    if (mgn_test_uniform(g) < 0.7)              /* else the default 1 */
        p->liq_ratio = 1 - 0.95 * mgn_test_uniform(g);
    R->now = mgn_test_uniform(g) < 0.5 ? 0 : mgn_test_range(g, -10, 10);
}

/* n positions on R's markets: ref_random_book's, or ref_wide_book's moved to these
   markets at the same moneyness (strikes and entries scaled by the ratio of spots);
   American options kept with probability american (else made European). */
static void ra_draw_positions(mgn_test_rng *g, const ra_rules *R, mgn_position *pos, size_t n,
                              double american)
{
    mgn_market tmp[3];
    int wide = mgn_test_uniform(g) < 0.5;
    if (wide)
        ref_wide_book(g, tmp, (int)R->n_mkt, pos, n);
    else
        ref_random_book(g, R->mkt, (int)R->n_mkt, pos, n, 1);
    for (size_t i = 0; i < n; i++) {
        double k = wide ? R->mkt[pos[i].underlying].spot / tmp[pos[i].underlying].spot : 1;
        if (pos[i].instrument == MGN_OPTION)
            pos[i].strike *= k;
        else
            pos[i].entry_price *= k;
        if (pos[i].exercise == MGN_AMERICAN && mgn_test_uniform(g) >= american)
            pos[i].exercise = MGN_EUROPEAN;
    }
}

/* Price of one unit of an asset (MGN_QUOTE, or the coin of underlying u) in the
   account currency cur, at today's index prices. */
static long double ra_price(const mgn_market *m, int asset, int cur)
{
    long double p = asset == MGN_QUOTE ? 1.0L : (long double)m[asset].spot;
    return cur == MGN_QUOTE ? p : p / m[cur].spot;
}

/* Each position's value as the header defines it (mgn_portfolio_value): quantity x
   multiplier x unit value (ref_unit: options at their mark, futures and perpetuals
   against entry, inverse contracts in coin), converted at today's prices. Tolerance
   1e-13 of the value: the header has the account's figures equal mgn_portfolio_value's
   to a few ulps, the scalar pricers ref_unit calls giving the unit values, so only the
   rounding of a few products is left (the sign of a long option's value is exact);
   and DBL_MIN of the size, as values near the subnormal range carry no relative
   precision. */
static void ra_ref_values(const ra_rules *R, const mgn_account *a, ra_ref *ref)
{
    double conv = a->currency == MGN_QUOTE ? 1 : R->mkt[a->currency].spot;
    ref->n = a->n_pos;
    for (size_t i = 0; i < a->n_pos; i++) {
        const mgn_position *p = &a->pos[i];
        const mgn_market *m = &R->mkt[p->underlying];
        double unit = ref_unit(p, m, m->spot, p->vol, p->expiry);
        int asset = p->settlement == MGN_INVERSE ? p->underlying : MGN_QUOTE;
        ref->value[i] = (long double)p->quantity * p->multiplier * unit
                      * ra_price(R->mkt, asset, a->currency);
        ref->size[i] = ref_position_size(p, m, m->spot, conv);
        ref->tv[i] = (double)(1e-13L * fabsl(ref->value[i])) + DBL_MIN * ref->size[i];
    }
}

/* IM and MM by the composition the header gives: isolated, each position's
   mgn_std_position_margin; cross, mgn_std_margin of the book with its split between
   positions; portfolio, pm_im_factor and pm_mm_factor times the requirement of
   mgn_pm_margin (grid) or mgn_span_margin (SPAN), and per position the factors times
   its loss in its underlying's binding scenario. Tolerance 1e-13 of the margins (the
   header: a few ulps), and for futures and perpetuals 1e-15 of the size besides (a
   maintenance amount cancels part of N x rate, up to ~100 times); DBL_MIN of the size
   as for the values. */
static void ra_ref_margins(const ra_rules *R, const mgn_account *a, void *work, size_t ws,
                           ra_ref *ref)
{
    const mgn_account_params *p = &R->prm;
    size_t n = a->n_pos, nm = R->n_mkt;
    int cur = a->currency;
    const mgn_std_params *std = p->std ? p->std : &R->dflt;
    size_t n_std = p->std ? p->n_std : 1;
    double im, mm, pim[RA_POS + 1], pmm[RA_POS + 1];
    if (p->mode == MGN_MODE_ISOLATED) {
        im = mm = 0;
        for (size_t i = 0; i < n; i++) {
            const mgn_std_params *r = n_std == 1 ? std : &std[a->pos[i].underlying];
            assert_int_equal(mgn_std_position_margin(R->mkt, nm, r, &a->pos[i], cur, &pim[i],
                                                     &pmm[i]), MGN_OK);
        }
    } else if (p->mode == MGN_MODE_CROSS) {
        assert_int_equal(mgn_std_margin(R->mkt, nm, std, n_std, a->pos, n, cur, work, ws, &im,
                                        &mm, pim, pmm, NULL, NULL), MGN_OK);
    } else {
        double req;
        if (p->pm_method == MGN_PM_METHOD_GRID) {
            mgn_pm_result r;
            mgn_pm_underlying pu[3];
            assert_int_equal(mgn_pm_margin_detail(R->mkt, p->pm, nm, a->pos, n, cur, &r, pu,
                                                  pim), MGN_OK);
            req = r.requirement;
        } else {
            mgn_span_result r;
            mgn_span_underlying su[3];
            double risk[(RA_POS + 1) * MGN_SPAN_SCENARIOS];
            assert_int_equal(mgn_span_margin_detail(R->mkt, p->span, nm, a->pos, n, p->pairs,
                                                    p->n_pairs, cur, &r, su, risk), MGN_OK);
            req = r.requirement;
            for (size_t i = 0; i < n; i++) {
                int k = su[a->pos[i].underlying].scan_scenario;
                pim[i] = k >= 0 ? risk[i * MGN_SPAN_SCENARIOS + (size_t)k] : 0;
            }
        }
        for (size_t i = 0; i < n; i++)
            pmm[i] = pim[i];
        im = req;
        mm = req;
    }
    long double fi = p->mode == MGN_MODE_PORTFOLIO ? p->pm_im_factor : 1;
    long double fm = p->mode == MGN_MODE_PORTFOLIO ? p->pm_mm_factor : 1;
    ref->im_total = fi * im;
    ref->mm_total = fm * mm;
    ref->tim = 1e-13 * fabsl(ref->im_total);
    ref->tmm = 1e-13 * fabsl(ref->mm_total);
    if (p->mode == MGN_MODE_ISOLATED)
        ref->im_total = ref->mm_total = 0;
    for (size_t i = 0; i < n; i++) {
        ref->im[i] = fi * pim[i];
        ref->mm[i] = fm * pmm[i];
        ref->tm[i] = (double)(1e-13L * (fabsl(ref->im[i]) + fabsl(ref->mm[i])))
                   + (a->pos[i].instrument != MGN_OPTION ? 1e-15 : DBL_MIN) * ref->size[i];
        if (p->mode != MGN_MODE_PORTFOLIO) {
            ref->tim += ref->tm[i];
            ref->tmm += ref->tm[i];
        }
        if (p->mode == MGN_MODE_ISOLATED) {
            ref->im_total += ref->im[i];
            ref->mm_total += ref->mm[i];
        }
    }
}

/* Collateral as the header defines it: amount x price x (1 - h), h = min(1, haircut +
   haircut_slope x amount) for a positive amount, a negative one counted in full,
   converted at today's prices. Tolerance 1e-14 of the sum of |amount| x price: the
   library rounds h, 1 - h, two products and a sum per balance. */
static void ra_ref_collateral(const ra_rules *R, const mgn_account *a, ra_ref *ref)
{
    long double c = 0, size = 0;
    for (size_t k = 0; k < a->n_bal; k++) {
        const mgn_balance *b = &a->bal[k];
        long double x = b->amount, px = ra_price(R->mkt, b->asset, a->currency);
        if (x > 0) {
            long double h = b->haircut + (long double)b->haircut_slope * x;
            x *= 1 - (h < 1 ? h : 1);
        }
        c += x * px;
        size += fabsl(b->amount * px);
    }
    ref->col = c;
    ref->tcol = (double)(1e-14L * size);
}

/* Equity of each position: its value, plus its isolated collateral in isolated mode
   (the sum rounded once more: 1e-15 of the collateral added to the tolerance). */
static void ra_ref_equity(const ra_rules *R, const mgn_account *a, ra_ref *ref)
{
    for (size_t i = 0; i < ref->n; i++) {
        double c = R->prm.mode == MGN_MODE_ISOLATED && a->isolated ? a->isolated[i] : 0;
        ref->equity[i] = ref->value[i] + c;
        ref->te[i] = ref->tv[i] + 1e-15 * c;
    }
}

/* The status of equity e against im and mm as the header decides it, in this order:
   BANKRUPT e < 0; LIQUIDATE e < mm x liq_ratio, or e < mm and now >= deadline;
   MARGIN_CALL e < mm; RESTRICTED e < im; else OK. below_liq: whether e < mm x
   liq_ratio (passed in, so that the caller decides it exactly). */
static int ra_rule(long double e, long double im, long double mm, int below_liq,
                   const ra_rules *R, double deadline)
{
    if (e < 0)
        return MGN_ACCT_BANKRUPT;
    if (below_liq || (e < mm && R->now >= deadline))
        return MGN_ACCT_LIQUIDATE;
    if (e < mm)
        return MGN_ACCT_MARGIN_CALL;
    if (e < im)
        return MGN_ACCT_RESTRICTED;
    return MGN_ACCT_OK;
}

static int ra_status(long double e, long double im, long double mm, const ra_rules *R,
                     double deadline)
{
    return ra_rule(e, im, mm, e < mm * R->prm.liq_ratio, R, deadline);
}

/* Whether status is one that equity e +/- t can have against im and mm (t covers
   their tolerance too): status falls as equity rises, so these form an interval.
   Counts a near tie where it holds more than one. */
static int ra_status_ok(int status, long double e, long double im, long double mm, double t,
                        const ra_rules *R, double deadline, ra_stats *st, int *lo, int *hi)
{
    *lo = ra_status(e + t, im, mm, R, deadline);
    *hi = ra_status(e - t, im, mm, R, deadline);
    st->decided++;
    if (*lo != *hi)
        st->near++;
    return status >= *lo && status <= *hi;
}

/* The library's status against its own equity, IM and MM, by the header's rule
   exactly: e < mm x liq_ratio is decided on the exact product (fma gives the rounding
   error of mm x liq_ratio); where e is the rounded product but not the exact one,
   either answer is within rounding (counted). */
static void ra_rule_exact(int status, double e, double im, double mm, const ra_rules *R,
                          double deadline, ra_stats *st, long it, const char *what)
{
    double lr = R->prm.liq_ratio, p = mm * lr, err = fma(mm, lr, -p);
    int below = e < p || (e == p && err > 0);
    int want = ra_rule(e, im, mm, below, R, deadline), alt = want;
    if (e == p && err != 0) {
        alt = ra_rule(e, im, mm, !below, R, deadline);
        st->product_ties++;
    }
    if (status != want && status != alt) {
        print_error("case %ld, %s: status %d for equity %.17g, IM %.17g, MM %.17g, "
                    "liq_ratio %.17g, now %g, deadline %g: the rule gives %d\n", it, what,
                    status, e, im, mm, lr, R->now, deadline, want);
        fail();
    }
}

static double ra_frac(double got, long double want, double tol, const char *what, long it,
                      size_t i)
{
    char name[64];
    snprintf(name, sizeof name, "%s[%zu]", what, i);
    return mgn_test_frac(got, want, tol, name, it);
}

/* The margin ratio E / MM within [-DBL_MAX, DBL_MAX], with MM == 0 DBL_MAX (E >= 0)
   or -DBL_MAX, as E and MM move within te and tm: *q within *t, in [*lo, *hi]. Where
   MM is within tm of 0 only the sign is known (beyond the rounding of E): returns 0
   then, with the range alone. */
static long double ra_clamp(long double q)
{
    return q > DBL_MAX ? DBL_MAX : q < -DBL_MAX ? -DBL_MAX : q;
}

static int ra_ratio_range(long double e, double te, long double mm, double tm, long double *q,
                          long double *t, long double *lo, long double *hi)
{
    if (mm > tm) {
        *t = (te + fabsl(e) * tm / (mm - tm)) / mm;
        *lo = ra_clamp(e / mm - *t);
        *hi = ra_clamp(e / mm + *t);
        *q = ra_clamp(e / mm);
        return 1;
    }
    *lo = e - te >= 0 ? (mm + tm > 0 ? ra_clamp((e - te) / (mm + tm)) : DBL_MAX) : -DBL_MAX;
    *hi = e + te < 0 ? (mm + tm > 0 ? ra_clamp((e + te) / (mm + tm)) : -DBL_MAX) : DBL_MAX;
    *q = (*lo + *hi) / 2;       /* not used for a check (the caller learns cond = 0), but */
    *t = (*hi - *lo) / 2;       /* set: the isolated mode takes minima over every position */
    return 0;
}

/* The library's ratio: q within t where it is well conditioned (cond), else in
   [lo, hi] (its error then not counted: only its range is known; compared directly,
   since lo + hi may overflow where long double is only double, as under valgrind). */
static double ra_ratio_frac(double got, long double q, long double t, long double lo,
                            long double hi, int cond, long it)
{
    if (cond)
        return mgn_test_frac(got, q, t, "margin_ratio", it);
    if (!(got >= lo && got <= hi)) {
        print_error("case %ld: margin_ratio = %.17g, expected in [%.17Lg, %.17Lg]\n", it, got,
                    lo, hi);
        fail();
    }
    return 0;
}

static void ra_status_fail(long it, const char *what, size_t i, int status, int lo, int hi,
                           long double e, long double im, long double mm)
{
    print_error("case %ld, %s %zu: status %d, expected %d..%d (equity %.17Lg, IM %.17Lg, "
                "MM %.17Lg)\n", it, what, i, status, lo, hi, e, im, mm);
    fail();
}

/* Every field of r (and of pp[0..n), when given) against the expected figures, in the
   pooled modes: equity = collateral + value, the status by the header's thresholds,
   ratio, available, call amount, shortfall and n_called as the header defines them. */
static double ra_check_pool(const ra_rules *R, const ra_ref *ref, double deadline,
                            const mgn_account_result *r, const mgn_position_result *pp,
                            long it, ra_stats *st)
{
    long double pv = 0;
    double tpv = 0, w = 0;
    for (size_t i = 0; i < ref->n; i++) {
        pv += ref->value[i];
        tpv += ref->tv[i];
    }
    long double E = ref->col + pv, IM = ref->im_total, MM = ref->mm_total;
    double tE = ref->tcol + tpv;
    w = fmax(w, ra_frac(r->collateral, ref->col, ref->tcol, "collateral", it, 0));
    w = fmax(w, ra_frac(r->position_value, pv, tpv, "position_value", it, 0));
    w = fmax(w, ra_frac(r->equity, E, tE, "equity", it, 0));
    w = fmax(w, ra_frac(r->im, IM, ref->tim, "im", it, 0));
    w = fmax(w, ra_frac(r->mm, MM, ref->tmm, "mm", it, 0));
    int lo, hi;
    if (!ra_status_ok(r->status, E, IM, MM, tE + fmax(ref->tim, ref->tmm), R, deadline, st, &lo,
                      &hi))
        ra_status_fail(it, "account", 0, r->status, lo, hi, E, IM, MM);
    ra_rule_exact(r->status, r->equity, r->im, r->mm, R, deadline, st, it, "account");
    st->seen[r->status]++;
    long double q, tq, qlo, qhi;
    int cond = ra_ratio_range(E, tE, MM, ref->tmm, &q, &tq, &qlo, &qhi);
    w = fmax(w, ra_ratio_frac(r->margin_ratio, q, tq, qlo, qhi, cond, it));
    w = fmax(w, ra_frac(r->available, E > IM ? E - IM : 0, tE + ref->tim, "available", it, 0));
    int called = r->status >= MGN_ACCT_MARGIN_CALL;
    w = fmax(w, ra_frac(r->call_amount, called ? IM - E : 0, called ? tE + ref->tim : 0,
                        "call_amount", it, 0));
    w = fmax(w, ra_frac(r->shortfall, E < 0 ? -E : 0, tE, "shortfall", it, 0));
    assert_int_equal(r->n_called, called);
    for (size_t i = 0; pp && i < ref->n; i++) {
        w = fmax(w, ra_frac(pp[i].value, ref->value[i], ref->tv[i], "value", it, i));
        w = fmax(w, ra_frac(pp[i].equity, ref->value[i], ref->tv[i], "pos equity", it, i));
        w = fmax(w, ra_frac(pp[i].im, ref->im[i], ref->tm[i], "pos im", it, i));
        w = fmax(w, ra_frac(pp[i].mm, ref->mm[i], ref->tm[i], "pos mm", it, i));
        assert_int_equal(pp[i].status, r->status);
        assert_int_equal(pp[i].reserved, 0);
    }
    return w;
}

/* Isolated mode (the header's definitions): e_i = isolated[i] + value_i with its own
   status; equity = collateral + sum max(e_i, 0); shortfall = sum max(-e_i, 0) +
   max(-collateral, 0); status the worst status_i (BANKRUPT when the collateral is
   negative); ratio min_i e_i / MM_i; available max(collateral, 0) + sum max(e_i - IM_i,
   0); call amount the sum of IM_i - e_i over the positions at MARGIN_CALL or worse.
   Without pp (a sweep's or a what-if's result) the positions' statuses are the
   expected ones; where one of them is within rounding of a threshold only the
   account's status interval is checked. */
static double ra_check_isolated(const ra_rules *R, const ra_ref *ref, double deadline,
                                const mgn_account_result *r, const mgn_position_result *pp,
                                long it, ra_stats *st)
{
    long double pv = 0, eq = ref->col, shortf = ref->col < 0 ? -ref->col : 0;
    long double avail = ref->col > 0 ? ref->col : 0, call = 0;
    double tpv = 0, tsum = ref->tcol, tcall = 0, w = 0;
    /* min_i e_i / MM_i: within the largest tolerance of the min of the expected ones */
    long double qmin = DBL_MAX, tq = 0, qlo = DBL_MAX, qhi = DBL_MAX;
    int cond = 1;
    /* the balances' part: BANKRUPT below 0, either where within rounding of it */
    int lo_all = ref->col + ref->tcol < 0 ? MGN_ACCT_BANKRUPT : MGN_ACCT_OK;
    int hi_all = ref->col - ref->tcol < 0 ? MGN_ACCT_BANKRUPT : MGN_ACCT_OK;
    int worst = lo_all == hi_all ? lo_all : r->collateral < 0 ? MGN_ACCT_BANKRUPT : MGN_ACCT_OK;
    int amb = 0, n_called = 0;
    for (size_t i = 0; i < ref->n; i++) {
        long double e = ref->equity[i], im = ref->im[i], mm = ref->mm[i];
        double te = ref->te[i];
        pv += ref->value[i];
        tpv += ref->tv[i];
        tsum += te;
        if (e > 0) eq += e; else shortf -= e;
        if (e > im) avail += e - im;
        int lo, hi, s;
        if (pp) {
            w = fmax(w, ra_frac(pp[i].value, ref->value[i], ref->tv[i], "value", it, i));
            w = fmax(w, ra_frac(pp[i].equity, e, te, "pos equity", it, i));
            w = fmax(w, ra_frac(pp[i].im, im, ref->tm[i], "pos im", it, i));
            w = fmax(w, ra_frac(pp[i].mm, mm, ref->tm[i], "pos mm", it, i));
            assert_int_equal(pp[i].reserved, 0);
            if (!ra_status_ok(pp[i].status, e, im, mm, te + ref->tm[i], R, deadline, st, &lo, &hi))
                ra_status_fail(it, "position", i, pp[i].status, lo, hi, e, im, mm);
            ra_rule_exact(pp[i].status, pp[i].equity, pp[i].im, pp[i].mm, R, deadline, st, it,
                          "position");
            s = pp[i].status;
            st->seen_pos[s]++;
        } else {
            ra_status_ok(0, e, im, mm, te + ref->tm[i], R, deadline, st, &lo, &hi);
            amb |= lo != hi;
            s = hi;
        }
        if (lo > lo_all) lo_all = lo;
        if (hi > hi_all) hi_all = hi;
        if (s > worst) worst = s;
        if (s >= MGN_ACCT_MARGIN_CALL) {
            call += im - e;
            tcall += te + ref->tm[i];
            n_called++;
        }
        long double q, t, lo_q, hi_q;
        cond &= ra_ratio_range(e, te, mm, ref->tm[i], &q, &t, &lo_q, &hi_q);
        qmin = fminl(qmin, q);
        tq = fmaxl(tq, t);
        qlo = fminl(qlo, lo_q);
        qhi = fminl(qhi, hi_q);
    }
    w = fmax(w, ra_frac(r->collateral, ref->col, ref->tcol, "collateral", it, 0));
    w = fmax(w, ra_frac(r->position_value, pv, tpv, "position_value", it, 0));
    w = fmax(w, ra_frac(r->equity, eq, tsum, "equity", it, 0));
    w = fmax(w, ra_frac(r->im, ref->im_total, ref->tim, "im", it, 0));
    w = fmax(w, ra_frac(r->mm, ref->mm_total, ref->tmm, "mm", it, 0));
    w = fmax(w, ra_frac(r->shortfall, shortf, tsum, "shortfall", it, 0));
    w = fmax(w, ra_frac(r->available, avail, tsum + ref->tim, "available", it, 0));
    w = fmax(w, ra_ratio_frac(r->margin_ratio, qmin, tq, qlo, qhi, cond, it));
    if (r->status < lo_all || r->status > hi_all)
        ra_status_fail(it, "account", 0, r->status, lo_all, hi_all, eq, ref->im_total,
                       ref->mm_total);
    if (!amb) {
        assert_int_equal(r->status, worst);
        assert_int_equal(r->n_called, n_called);
        w = fmax(w, ra_frac(r->call_amount, call, tcall, "call_amount", it, 0));
    }
    if (pp) {   /* the account's status from the library's own figures, exactly */
        int s = r->collateral < 0 ? MGN_ACCT_BANKRUPT : MGN_ACCT_OK;
        for (size_t i = 0; i < ref->n; i++)
            if (pp[i].status > s) s = pp[i].status;
        assert_int_equal(r->status, s);
    }
    st->seen[r->status]++;
    return w;
}

static double ra_check(const ra_rules *R, const ra_ref *ref, double deadline,
                       const mgn_account_result *r, const mgn_position_result *pp, long it,
                       ra_stats *st)
{
    if (R->prm.mode == MGN_MODE_ISOLATED)
        return ra_check_isolated(R, ref, deadline, r, pp, it, st);
    return ra_check_pool(R, ref, deadline, r, pp, it, st);
}

/* Equity near a threshold: IM, MM, MM x liq_ratio (relative offsets 1e-16 to 30%,
   either side, or none), 0 (offsets of the scale), or anywhere in [-0.5, 3] scales. */
static long double ra_near_threshold(mgn_test_rng *g, long double im, long double mm,
                                     const ra_rules *R, long double scale)
{
    double x = mgn_test_uniform(g), d = mgn_test_uniform(g) < 0.1 ? 0
                                       : (mgn_test_uniform(g) < 0.5 ? -1 : 1)
                                         * mgn_test_logrange(g, 1e-16, 0.3);
    if (x < 0.25)
        return im * (1 + d);
    if (x < 0.45)
        return mm * (1 + d);
    if (x < 0.65)
        return mm * R->prm.liq_ratio * (1 + d);
    if (x < 0.8)
        return scale * d;
    return scale * mgn_test_range(g, -0.5, 3);
}

/* A random account on R's markets: 1 to 8 positions, quote or coin currency, up to 4
   balances in quote and coins (haircuts 0, 1 or between, size add-ons that reach the
   cap, some borrowed, some 0) and a cash balance in the account currency, and in
   isolated mode each position's collateral (or none: NULL), drawn so that equity
   (each position's, isolated) lands near a threshold; ref gets the expected figures. */
static void ra_draw_account(mgn_test_rng *g, const ra_rules *R, double american, ra_acct *A,
                            void *work, size_t ws, ra_ref *ref)
{
    size_t n = 1 + (size_t)(mgn_test_uniform(g) * RA_POS), nm = R->n_mkt;
    ra_draw_positions(g, R, A->pos, n, american);
    int cur = mgn_test_uniform(g) < 0.5 ? MGN_QUOTE : (int)(mgn_test_uniform(g) * (double)nm);
    A->a = acct_of(A->pos, n, A->bal, 0, cur);
    ra_ref_values(R, &A->a, ref);
    ra_ref_margins(R, &A->a, work, ws, ref);
    long double size = 0, value = 0;
    for (size_t i = 0; i < n; i++) {
        size += ref->size[i];
        value += ref->value[i];
    }
    long double scale = fmaxl(fabsl(ref->im_total), 0.01L * size);
    size_t nb = (size_t)(mgn_test_uniform(g) * RA_BAL);
    for (size_t k = 0; k < nb; k++) {
        mgn_balance *b = &A->bal[k];
        b->asset = mgn_test_uniform(g) < 0.4 ? MGN_QUOTE : (int)(mgn_test_uniform(g) * (double)nm);
        b->reserved = 0;
        b->amount = (double)(scale * mgn_test_logrange(g, 1e-3, 2)
                             / ra_price(R->mkt, b->asset, cur));
        double x = mgn_test_uniform(g);
        if (x < 0.15)
            b->amount = -b->amount / 3;
        else if (x < 0.2)
            b->amount = 0;
        x = mgn_test_uniform(g);
        b->haircut = x < 0.3 ? 0 : x < 0.35 ? 1 : mgn_test_uniform(g);
        b->haircut_slope = mgn_test_uniform(g) < 0.5 || b->amount == 0 ? 0
                         : mgn_test_logrange(g, 1e-6, 2) / fabs(b->amount);
    }
    A->a.n_bal = nb;
    ra_ref_collateral(R, &A->a, ref);   /* the balances before the cash */
    mgn_balance cash = { cur, 0, 0, 0, 0 };
    if (R->prm.mode != MGN_MODE_ISOLATED) {
        long double e = ra_near_threshold(g, ref->im_total, ref->mm_total, R, scale);
        cash.amount = (double)(e - value - ref->col);
        A->a.isolated = NULL;
    } else {
        double x = mgn_test_uniform(g);
        cash.amount = (double)(x < 0.1 ? -ref->col - scale * mgn_test_logrange(g, 1e-16, 1)
                               : x < 0.15 ? -ref->col : scale * mgn_test_logrange(g, 1e-3, 1));
        A->a.isolated = mgn_test_uniform(g) < 0.1 ? NULL : A->iso;
        for (size_t i = 0; i < n; i++) {
            long double pscale = fmaxl(ref->im[i], 0.01L * ref->size[i]);
            long double e = ra_near_threshold(g, ref->im[i], ref->mm[i], R, pscale);
            A->iso[i] = e > ref->value[i] ? (double)(e - ref->value[i]) : 0;
        }
    }
    A->bal[nb] = cash;
    A->a.n_bal = nb + 1;
    ra_ref_collateral(R, &A->a, ref);
    ra_ref_equity(R, &A->a, ref);
    double x = mgn_test_uniform(g);   /* a margin call's deadline, reached or not */
    A->deadline = x < 0.5 ? INFINITY : x < 0.65 ? R->now : x < 0.8 ? R->now - 1 : R->now + 1;
}

/* Moves *x (the cash, or an isolated collateral, on which *got increases) until the
   library's *got is exactly target; a few steps, each re-evaluating. Returns whether
   it got there. */
static int ra_hit(const ra_rules *R, ra_acct *A, double *x, const double *got, double target,
                  double lower, void *work, size_t ws, mgn_account_result *r,
                  mgn_position_result *pp)
{
    for (int k = 0;; k++) {
        assert_int_equal(mgn_account_eval(R->mkt, R->n_mkt, &A->a, &R->prm, R->now, A->deadline,
                                          work, ws, r, pp), MGN_OK);
        if (*got == target)
            return 1;
        double step = *x + (target - *got);
        if (step == *x)
            step = nextafter(*x, target > *got ? INFINITY : -INFINITY);
        if (step < lower || k == 9)
            return 0;   /* r and pp are those of *x */
        *x = step;
    }
}

/* The largest workspace the random accounts need: every mode and portfolio method,
   with a pairing rule set, and mgn_std_margin's own. */
static size_t ra_work_size(void)
{
    mgn_account_params probe;
    size_t ws = 0, need;
    for (int mode = 0; mode < 3; mode++)
        for (int method = 0; method < 2; method++) {
            mgn_std_params pair;
            pair.struct_size = sizeof pair;
            assert_int_equal(mgn_std_preset(MGN_STD_PRESET_CBOE_EQUITY, &pair), MGN_OK);
            mgn_account_params_init(&probe);
            probe.mode = mode;
            probe.pm_method = method;
            probe.std = &pair;
            probe.n_std = 1;
            assert_int_equal(mgn_account_work_size(&probe, 3, RA_POS + 1, &need), MGN_OK);
            ws = need > ws ? need : ws;
        }
    assert_int_equal(mgn_std_workspace_size(RA_POS + 1, &need), MGN_OK);
    return need > ws ? need : ws;
}

/* Random accounts in every mode (see ra_draw_account) evaluated by mgn_account_eval
   against the header's definitions written out above: collateral, each position's
   value, equity, the requirements by composition with the margin functions the header
   names, the status by its thresholds (either neighbour where equity is within the
   tolerance of one: counted), ratio, available, call amount, shortfall, n_called and
   every per-position record. In a third of the cases the cash (or a position's
   isolated collateral, or the balances' sum) is then moved until the library's own
   equity is exactly at IM, MM, the rounded MM x liq_ratio or 0, where the status must
   follow the header's boundaries exactly (E == IM is OK, E == MM is RESTRICTED, E == 0
   is not bankrupt). */
static void test_eval_random(void **state)
{
    (void)state;
    mgn_test_rng g = { 0x5C1E7A3D92B04F61ULL };
    size_t ws = ra_work_size();
    void *work = malloc(ws);
    assert_non_null(work);
    ra_stats st;
    memset(&st, 0, sizeof st);
    double worst = 0;
    long iters = mgn_test_cases(800), tie_tries = 0;
    for (long it = 0; it < iters; it++) {
        ra_rules R;
        ra_acct A;
        ra_ref ref;
        ra_draw_rules(&g, &R);
        ra_draw_account(&g, &R, 0.25, &A, work, ws, &ref);
        mgn_account_result r;
        mgn_position_result pp[RA_POS + 1];
        assert_int_equal(mgn_account_eval(R.mkt, R.n_mkt, &A.a, &R.prm, R.now, A.deadline, work,
                                          ws, &r, pp), MGN_OK);
        worst = fmax(worst, ra_check(&R, &ref, A.deadline, &r, pp, it, &st));
        if (mgn_test_uniform(&g) >= 1.0 / 3)
            continue;
        /* an exact tie: the library's equity (a position's, isolated) at a threshold */
        int kind = (int)(mgn_test_uniform(&g) * 4), hit;
        tie_tries++;
        if (R.prm.mode != MGN_MODE_ISOLATED) {
            double t = kind == 0 ? r.im : kind == 1 ? r.mm : kind == 2 ? r.mm * R.prm.liq_ratio : 0;
            double *cash = &A.bal[A.a.n_bal - 1].amount;
            hit = ra_hit(&R, &A, cash, &r.equity, t, -INFINITY, work, ws, &r, pp);
        } else if (A.a.isolated && mgn_test_uniform(&g) < 0.8) {
            size_t j = (size_t)(mgn_test_uniform(&g) * (double)A.a.n_pos);
            double t = kind == 0 ? pp[j].im : kind == 1 ? pp[j].mm
                     : kind == 2 ? pp[j].mm * R.prm.liq_ratio : 0;
            A.iso[j] = fmax(0, t - pp[j].value);
            hit = ra_hit(&R, &A, &A.iso[j], &pp[j].equity, t, 0, work, ws, &r, pp);
        } else {   /* the balances summing to exactly 0 */
            kind = 3;
            double *cash = &A.bal[A.a.n_bal - 1].amount;
            hit = ra_hit(&R, &A, cash, &r.collateral, 0, -INFINITY, work, ws, &r, pp);
        }
        st.ties[kind] += hit;
        ra_ref_collateral(&R, &A.a, &ref);
        ra_ref_equity(&R, &A.a, &ref);
        worst = fmax(worst, ra_check(&R, &ref, A.deadline, &r, pp, it, &st));
    }
    free(work);
    for (int s = 0; s < 5; s++)   /* every status occurs, pooled and per isolated position */
        assert_true(st.seen[s] > 0 && st.seen_pos[s] > 0);
    print_message("%ld random accounts: worst %.3g of the tolerance\n", iters, worst);
    print_message("  statuses %ld/%ld/%ld/%ld/%ld (isolated positions %ld/%ld/%ld/%ld/%ld), "
                  "%ld of %ld within the tolerance of a threshold; exact ties constructed %ld of "
                  "%ld (IM %ld, MM %ld, MM x liq_ratio %ld, 0 %ld), %ld at a rounded product\n",
                  st.seen[0], st.seen[1], st.seen[2], st.seen[3], st.seen[4], st.seen_pos[0],
                  st.seen_pos[1], st.seen_pos[2], st.seen_pos[3], st.seen_pos[4], st.near,
                  st.decided,
                  st.ties[0] + st.ties[1] + st.ties[2] + st.ties[3], tie_tries, st.ties[0],
                  st.ties[1], st.ties[2], st.ties[3], st.product_ties);
}

/* The batch pricer's documented accuracy against the scalar one (include/margin.h,
   batch forms: 1e-13 x max(S e^{-qT}, K e^{-rT}) per unit) as an amount of position p
   in the account currency cur; 0 for what the sweep does not price with it. */
static double ra_batch_tol(const ra_rules *R, const mgn_position *p, int cur)
{
    if (p->instrument != MGN_OPTION || (p->exercise == MGN_AMERICAN && p->expiry > 0))
        return 0;
    const mgn_market *m = &R->mkt[p->underlying];
    double scale = fmax(m->spot * exp(-m->carry * p->expiry),
                        p->strike * exp(-m->rate * p->expiry));
    return 1e-13 * scale * fabs(p->quantity * p->multiplier)
         / (cur == MGN_QUOTE ? 1 : R->mkt[cur].spot);
}

/* Expected figures taken from a library evaluation (r, pp) of account a: each amount
   within rel of itself (sums rounded in another order; DBL_MIN of the size near the
   subnormal range), plus (batch) the batch
   pricer's accuracy on an option's value and twice it on its margins (a short
   option's IM holds V once, its MM up to 1 + mm_put_mark times). */
static void ra_ref_from_eval(const ra_rules *R, const mgn_account *a,
                             const mgn_account_result *r, const mgn_position_result *pp,
                             double rel, int batch, ra_ref *ref)
{
    double conv = a->currency == MGN_QUOTE ? 1 : R->mkt[a->currency].spot;
    ref->n = a->n_pos;
    ref->col = r->collateral;
    ref->tcol = rel * fabs(r->collateral);
    ref->im_total = r->im;
    ref->mm_total = r->mm;
    ref->tim = rel * fabs(r->im);
    ref->tmm = rel * fabs(r->mm);
    for (size_t i = 0; i < a->n_pos; i++) {
        const mgn_position *p = &a->pos[i];
        double tb = batch ? ra_batch_tol(R, p, a->currency) : 0;
        ref->size[i] = ref_position_size(p, &R->mkt[p->underlying], R->mkt[p->underlying].spot,
                                         conv);
        ref->value[i] = pp[i].value;
        ref->equity[i] = pp[i].equity;
        ref->im[i] = pp[i].im;
        ref->mm[i] = pp[i].mm;
        ref->tv[i] = tb + rel * fabs(pp[i].value) + DBL_MIN * ref->size[i];
        ref->te[i] = ref->tv[i] + rel * fabs(pp[i].equity);
        ref->tm[i] = 2 * tb + rel * (fabs(pp[i].im) + fabs(pp[i].mm)) + DBL_MIN * ref->size[i];
        ref->tim += ref->tm[i];
        ref->tmm += ref->tm[i];
    }
}

/* An order on R's markets (ref_random_book's position) at a limit of 0.8 to 1.2 times
   its mark (a fifth at the mark): an option's premium against its quote value, a
   future's or a perpetual's price against F or S. */
static void ra_draw_order(mgn_test_rng *g, const ra_rules *R, mgn_position *o)
{
    ref_random_book(g, R->mkt, (int)R->n_mkt, o, 1, 1);
    const mgn_market *m = &R->mkt[o->underlying];
    double x = mgn_test_uniform(g) < 0.2 ? 1 : mgn_test_range(g, 0.8, 1.2);
    if (o->instrument == MGN_OPTION) {
        mgn_position lin = *o;
        lin.settlement = MGN_LINEAR;
        o->entry_price = x * ref_unit(&lin, m, m->spot, o->vol, o->expiry);
    } else {
        o->entry_price = x * (o->instrument == MGN_FUTURE
                              ? m->spot * exp((m->rate - m->carry) * o->expiry) : m->spot);
    }
}

/* The equity the header counts for an order before its fill, account currency, from
   its value v as a position (the limit as entry): futures and perpetuals min(0, their
   unrealised P&L); a long option min(0, Q (V - limit)) (the premium paid against its
   mark value); a short option its mark liability -|Q| V. *paid: Q x limit. */
static long double ra_order_counted(const ra_rules *R, const mgn_position *o, long double v,
                                    int cur, long double *paid)
{
    *paid = (long double)o->quantity * o->multiplier * o->entry_price
          * ra_price(R->mkt, MGN_QUOTE, cur);
    if (o->instrument != MGN_OPTION)
        return v < 0 ? v : 0;
    if (o->quantity < 0)
        return v;
    return v - *paid < 0 ? v - *paid : 0;
}

/* Batches of the random accounts of test_eval_random (a tenth of their American options
   kept; 1 to 100 accounts, or in one batch of 24 2,049 to 3,048 so that two threads
   split them; per-account call deadlines or none) under one
   set of params: mgn_account_sweep on 1 and 2 threads bit for bit the same, and each
   account's result that of mgn_account_eval, bit for bit except where the header lets
   the sweep price European options with the batch pricer (the no-workspace path):
   there within that pricer's accuracy, the status the same but within it of a
   threshold. Then random orders (options at limits around their value, futures and
   perpetuals around their price, either side; isolated collateral of their own):
   mgn_account_whatif's before is mgn_account_eval's result bit for bit, its after that
   of the account with the order appended, the order's value replaced by the equity the
   header counts before the fill, up to rounding; order_im, order_mm, order_equity and
   accept as the header defines them. */
static void test_sweep_whatif_random(void **state)
{
    (void)state;
    mgn_test_rng g = { 0xD3A5F0971C2B6E48ULL };
    size_t ws = ra_work_size();
    void *work = malloc(2 * ws);   /* also the sweep's, two threads */
    assert_non_null(work);
    ra_stats st;
    memset(&st, 0, sizeof st);
    double worst = 0;
    long iters = mgn_test_cases(24), n_accts = 0, n_batched = 0, n_orders = 0;
    for (long it = 0; it < iters; it++) {
        ra_rules R;
        ra_draw_rules(&g, &R);
        size_t na = it % 24 == 23 ? 2049 + (size_t)(mgn_test_uniform(&g) * 1000)
                                  : 1 + (size_t)(mgn_test_uniform(&g) * 100);
        ra_acct *A = malloc(na * sizeof *A);
        mgn_account *accts = malloc(na * sizeof *accts);
        double *dl = malloc(na * sizeof *dl);
        mgn_account_result *o1 = malloc(na * sizeof *o1), *o2 = malloc(na * sizeof *o2);
        assert_true(A && accts && dl && o1 && o2);
        for (size_t k = 0; k < na; k++) {
            ra_ref ref;
            ra_draw_account(&g, &R, 0.1, &A[k], work, ws, &ref);
            accts[k] = A[k].a;
            dl[k] = A[k].deadline;
        }
        const double *dls = mgn_test_uniform(&g) < 0.7 ? dl : NULL;
        size_t sweep_need;
        assert_int_equal(mgn_account_work_size(&R.prm, R.n_mkt, RA_POS, &sweep_need), MGN_OK);
        assert_true(2 * sweep_need <= 2 * ws);
        void *sw = sweep_need ? work : NULL;
        assert_int_equal(mgn_account_sweep(R.mkt, R.n_mkt, accts, na, &R.prm, R.now, dls, 1, sw,
                                           sweep_need, o1), MGN_OK);
        assert_int_equal(mgn_account_sweep(R.mkt, R.n_mkt, accts, na, &R.prm, R.now, dls, 2, sw,
                                           2 * sweep_need, o2), MGN_OK);
        assert_memory_equal(o1, o2, na * sizeof *o1);
        size_t order_every = na > 200 ? 50 : 1;
        for (size_t k = 0; k < na; k++) {
            const mgn_account *a = &A[k].a;
            double d = dls ? dls[k] : INFINITY;
            mgn_account_result e;
            mgn_position_result pp[RA_POS + 1];
            assert_int_equal(mgn_account_eval(R.mkt, R.n_mkt, a, &R.prm, R.now, d, work, ws, &e,
                                              pp), MGN_OK);
            int european = 0;
            for (size_t i = 0; i < a->n_pos; i++)
                european |= a->pos[i].instrument == MGN_OPTION
                         && a->pos[i].exercise == MGN_EUROPEAN;
            if (sweep_need == 0 && european) {
                ra_ref ref;
                ra_ref_from_eval(&R, a, &e, pp, 1e-14, 1, &ref);
                worst = fmax(worst, ra_check(&R, &ref, d, &o1[k], NULL, it, &st));
                n_batched++;
            } else if (memcmp(&o1[k], &e, sizeof e) != 0) {
                print_error("case %ld, account %zu: the sweep's result is not "
                            "mgn_account_eval's (equity %.17g against %.17g)\n", it, k,
                            o1[k].equity, e.equity);
                fail();
            }
            n_accts++;
            if (k % order_every != 0)
                continue;
            /* what-if: the order, and the account with it appended */
            ra_acct *X = &A[k];
            size_t n = a->n_pos;
            ra_draw_order(&g, &R, &X->pos[n]);
            double ocol = mgn_test_uniform(&g) < 0.3 ? 0
                        : mgn_test_logrange(&g, 1e-3, 1) * 0.2
                          * ref_position_size(&X->pos[n], &R.mkt[X->pos[n].underlying],
                                              R.mkt[X->pos[n].underlying].spot,
                                              a->currency == MGN_QUOTE ? 1
                                              : R.mkt[a->currency].spot);
            size_t wneed;
            assert_int_equal(mgn_whatif_work_size(&R.prm, R.n_mkt, n, &wneed), MGN_OK);
            assert_true(wneed <= ws);
            mgn_whatif_result wr;
            assert_int_equal(mgn_account_whatif(R.mkt, R.n_mkt, a, &R.prm, &X->pos[n], ocol, R.now,
                                                d, wneed ? work : NULL, wneed, &wr), MGN_OK);
            assert_memory_equal(&wr.before, &e, sizeof e);
            mgn_account with = *a;
            with.n_pos = n + 1;
            if (!a->isolated)
                memset(X->iso, 0, sizeof X->iso);
            X->iso[n] = ocol;
            with.isolated = X->iso;
            mgn_account_result ea;
            assert_int_equal(mgn_account_eval(R.mkt, R.n_mkt, &with, &R.prm, R.now, d, work, ws,
                                              &ea, pp), MGN_OK);
            ra_ref ref;
            ra_ref_from_eval(&R, &with, &ea, pp, 1e-14, 0, &ref);
            long double paid;
            long double counted = ra_order_counted(&R, &X->pos[n], ref.value[n], a->currency,
                                                   &paid);
            ref.equity[n] += counted - ref.value[n];
            ref.value[n] = counted;
            ref.tv[n] += 1e-14 * fabsl(paid);
            ref.te[n] += 1e-14 * fabsl(paid);
            worst = fmax(worst, ra_check(&R, &ref, d, &wr.after, NULL, it, &st));
            double tsum = 0;
            for (size_t i = 0; i <= n; i++)
                tsum += ref.tv[i];
            worst = fmax(worst, ra_frac(wr.order_equity, counted, tsum, "order_equity", it, k));
            ra_frac(wr.order_im, wr.after.im - wr.before.im, 0, "order_im", it, k);
            ra_frac(wr.order_mm, wr.after.mm - wr.before.mm, 0, "order_mm", it, k);
            int accept = wr.after.status == MGN_ACCT_OK
                      || (wr.after.status <= wr.before.status && wr.after.mm <= wr.before.mm);
            assert_int_equal(wr.accept, accept);
            assert_int_equal(wr.reserved, 0);
            n_orders++;
        }
        free(A);
        free(accts);
        free(dl);
        free(o1);
        free(o2);
    }
    free(work);
    print_message("%ld random accounts in %ld sweeps (%ld with batch-priced options) and %ld "
                  "orders: worst %.3g of the tolerance\n", n_accts, iters, n_batched, n_orders,
                  worst);
    print_message("  statuses %ld/%ld/%ld/%ld/%ld, %ld of %ld within the tolerance of a "
                  "threshold\n", st.seen[0], st.seen[1], st.seen[2], st.seen[3], st.seen[4],
                  st.near, st.decided);
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
        cmocka_unit_test(test_eval_random),
        cmocka_unit_test(test_sweep_whatif_random),
        cmocka_unit_test(test_sweep_threads),
        cmocka_unit_test(test_portfolio_mode_paths),
        cmocka_unit_test(test_overflow_and_order_status),
        cmocka_unit_test(test_sweep_large_account),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_bad_input_account),
        cmocka_unit_test(test_failure_untouched),
        cmocka_unit_test(test_sweep_after_failing_account),
        cmocka_unit_test(test_sweep_many_accounts_few_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
