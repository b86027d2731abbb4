/* Tests of lib/standard.c: standard (rule-based) margin per position and per account.
 *
 * Independent references:
 *   - published worked examples and hand-computed values from published rules
 *     (tests/data/standard_published.csv, each row with its source);
 *   - hand-computed strategy cases below (arithmetic in the comments);
 *   - invariants: margin >= 0, IM >= MM, monotone in |quantity| through the tiers,
 *     homogeneous where no tier or size term applies, strategies never above the naive
 *     sum, a vertical credit spread equal to its maximum payout, inverse vs linear
 *     (coin margin * S == quote margin), currency conversion;
 *   - bad input for every argument and struct field: a status and nothing written.
 */
#include <limits.h>
#include <stdlib.h>
#include <float.h>
#include "margin_ref.h"

#define WS_POS 2048
static double g_ws[WS_POS * 16];   /* >= mgn_std_workspace_size(WS_POS), double-aligned */

static mgn_std_params preset(int which)
{
    mgn_std_params p;
    memset(&p, 0, sizeof p);
    p.struct_size = sizeof p;
    assert_int_equal(mgn_std_preset(which, &p), MGN_OK);
    return p;
}

static mgn_position option(int type, double qty, double mult, double K, double T, double vol,
                           int settlement)
{
    mgn_position p;
    memset(&p, 0, sizeof p);
    p.instrument = MGN_OPTION;
    p.option_type = type;
    p.settlement = settlement;
    p.quantity = qty;
    p.multiplier = mult;
    p.strike = K;
    p.expiry = T;
    p.vol = vol;
    return p;
}

static mgn_position delta_one(int instrument, double qty, double mult, double T, int settlement)
{
    mgn_position p;
    memset(&p, 0, sizeof p);
    p.instrument = instrument;
    p.settlement = settlement;
    p.quantity = qty;
    p.multiplier = mult;
    p.expiry = T;
    p.entry_price = 1000;
    return p;
}

static int acct(const mgn_market *m, size_t nm, const mgn_std_params *r, size_t nr,
                const mgn_position *p, size_t n, int cur, double *im, double *mm, double *pim,
                double *pmm, int *ps, int *pp)
{
    size_t need;
    assert_int_equal(mgn_std_workspace_size(n, &need), MGN_OK);
    assert_true(need <= sizeof g_ws);
    return mgn_std_margin(m, nm, r, nr, p, n, cur, g_ws, sizeof g_ws, im, mm, pim, pmm, ps, pp);
}

static double bsm(int type, double S, double K, double T, double r, double q, double v)
{
    double x;
    assert_int_equal(mgn_bs_price(type, S, K, T, r, q, v, &x), MGN_OK);
    return x;
}

/* The vol at which the BSM price (r = q = 0) equals prem, by bisection (the price
   increases with vol). */
static double vol_for(int type, double S, double K, double T, double prem)
{
    double lo = 0, hi = 10;
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (bsm(type, S, K, T, 0, 0, mid) < prem)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

/*---------------------------------------------------------------- published */

static void test_published(void **state)
{
    (void)state;
    FILE *f = fopen("tests/data/standard_published.csv", "r");
    assert_non_null(f);
    char line[1024];
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char pre[32], ins[16], set[16], typ[8], cur[8];
        double S, K, T, prem, qty, mult, im_want, mm_want, tol;
        int n = sscanf(line, "%31[^,],%15[^,],%15[^,],%7[^,],%lf,%lf,%lf,%lf,%lf,%lf,%7[^,],%lf,%lf,%lf",
                       pre, ins, set, typ, &S, &K, &T, &prem, &qty, &mult, cur, &im_want, &mm_want, &tol);
        assert_int_equal(n, 14);
        int which = strcmp(pre, "default") == 0 ? MGN_STD_PRESET_DEFAULT
                  : strcmp(pre, "deribit_btc") == 0 ? MGN_STD_PRESET_DERIBIT_BTC
                  : strcmp(pre, "binance_btcusdt") == 0 ? MGN_STD_PRESET_BINANCE_BTCUSDT
                  : strcmp(pre, "okx_ethusdt") == 0 ? MGN_STD_PRESET_OKX_ETHUSDT
                  : strcmp(pre, "cboe_equity") == 0 ? MGN_STD_PRESET_CBOE_EQUITY
                  : strcmp(pre, "cboe_broad") == 0 ? MGN_STD_PRESET_CBOE_BROAD_INDEX : -1;
        assert_true(which >= 0);
        mgn_std_params r = preset(which);
        mgn_market m = { S, 0, 0 };
        int settle = strcmp(set, "inverse") == 0 ? MGN_INVERSE : MGN_LINEAR;
        mgn_position p;
        if (strcmp(ins, "option") == 0) {
            int ty = strcmp(typ, "call") == 0 ? MGN_CALL : MGN_PUT;
            double vol = vol_for(ty, S, K, T, prem);
            assert_close(bsm(ty, S, K, T, 0, 0, vol), prem, 1e-12, 0);
            p = option(ty, qty, mult, K, T, vol, settle);
        } else {
            p = delta_one(strcmp(ins, "perp") == 0 ? MGN_PERPETUAL : MGN_FUTURE, qty, mult, T, settle);
        }
        int c = strcmp(cur, "coin") == 0 ? 0 : MGN_QUOTE;
        double im = -1, mm = -1;
        assert_int_equal(mgn_std_position_margin(&m, 1, &r, &p, c, &im, &mm), MGN_OK);
        assert_close(im, im_want, 0, tol);
        if (mm_want >= 0)
            assert_close(mm, mm_want, 0, tol);
        /* the account function gives the same for a one-position account */
        double aim, amm;
        assert_int_equal(acct(&m, 1, &r, 1, &p, 1, c, &aim, &amm, NULL, NULL, NULL, NULL), MGN_OK);
        assert_close(aim, im, 1e-15, 0);
        assert_close(amm, mm, 1e-15, 0);
        rows++;
    }
    fclose(f);
    assert_true(rows >= 19);
}

/*---------------------------------------------------------------- presets */

static void test_presets(void **state)
{
    (void)state;
    mgn_std_params d = preset(MGN_STD_PRESET_DEFAULT);
    assert_true(d.im_base == 0.15 && d.im_floor == 0.10 && d.mm_base == 0.075);
    assert_true(d.long_im == 0 && d.long_mm == 0 && d.strategies == 0 && d.reserved == 0);
    mgn_std_params db = preset(MGN_STD_PRESET_DERIBIT_BTC), de = preset(MGN_STD_PRESET_DERIBIT_ETH);
    assert_true(db.mm_put_mark == 0.075 && db.size_im == 0.00005 && db.size_mm == 0.00005);
    assert_true(de.size_im == 0.000004 && de.size_mm == 0.000004);
    assert_true(db.tiers[0].im_rate == 0.02 && db.tiers[0].mm_rate == 0.01);
    mgn_std_params c = preset(MGN_STD_PRESET_CBOE_EQUITY), cb = preset(MGN_STD_PRESET_CBOE_BROAD_INDEX);
    assert_true(c.im_base == 0.20 && cb.im_base == 0.15 && c.put_floor_on_strike == 1);
    assert_true(c.strategies == MGN_STD_PAIR_ALL && c.long_im == 1 && c.long_dated_im == 0.75);
    /* Binance: the table's cum column satisfies the published recursion
       cum_n = floor_n (MMR_n - MMR_{n-1}) + cum_{n-1} exactly */
    mgn_std_params b = preset(MGN_STD_PRESET_BINANCE_BTCUSDT);
    assert_int_equal((int)b.n_tiers, 10);
    for (size_t i = 1; i < b.n_tiers; i++) {
        double cum = b.tiers[i].floor * (b.tiers[i].mm_rate - b.tiers[i - 1].mm_rate) + b.tiers[i - 1].mm_amount;
        assert_close(b.tiers[i].mm_amount, cum, 1e-12, 1e-6);
    }
    assert_close(b.tiers[9].im_rate, 1.0, 0, 0);
    assert_close(b.tiers[0].im_rate, 0.008, 1e-15, 0);
    /* a struct_size this library does not know is refused, nothing written */
    mgn_std_params z;
    memset(&z, 0x5a, sizeof z);
    z.struct_size = sizeof z - 8;
    assert_int_equal(mgn_std_preset(MGN_STD_PRESET_DEFAULT, &z), MGN_EINVAL);
    assert_true(z.struct_size == sizeof z - 8 && z.im_base != 0.15);
    z.struct_size = sizeof z;
    assert_int_equal(mgn_std_preset(7, &z), MGN_EINVAL);
    assert_int_equal(mgn_std_preset(-1, &z), MGN_EINVAL);
    assert_int_equal(mgn_std_preset(0, NULL), MGN_EINVAL);
    assert_true(mgn_sizeof_std_params() == sizeof(mgn_std_params));
    assert_true(mgn_sizeof_std_tier() == sizeof(mgn_std_tier));
}

/*---------------------------------------------------------------- options rules */

static void test_option_rules(void **state)
{
    (void)state;
    mgn_market m = { 100, 0.03, 0.01 };
    double T = 0.5, v = 0.4, im, mm;
    /* long options: crypto 0; Cboe 100% (<= 9 months), 75% beyond */
    mgn_std_params d = preset(MGN_STD_PRESET_DERIBIT_BTC), c = preset(MGN_STD_PRESET_CBOE_EQUITY);
    mgn_position p = option(MGN_CALL, 3, 10, 110, T, v, MGN_LINEAR);
    assert_int_equal(mgn_std_position_margin(&m, 1, &d, &p, MGN_QUOTE, &im, &mm), MGN_OK);
    assert_true(im == 0 && mm == 0);
    double V = bsm(MGN_CALL, 100, 110, T, 0.03, 0.01, v);
    assert_int_equal(mgn_std_position_margin(&m, 1, &c, &p, MGN_QUOTE, &im, &mm), MGN_OK);
    assert_close(im, 30 * V, 1e-14, 0);
    assert_close(mm, 30 * V, 1e-14, 0);
    p.expiry = 1.0;
    double V1 = bsm(MGN_CALL, 100, 110, 1.0, 0.03, 0.01, v);
    assert_int_equal(mgn_std_position_margin(&m, 1, &c, &p, MGN_QUOTE, &im, &mm), MGN_OK);
    assert_close(im, 0.75 * 30 * V1, 1e-14, 0);
    /* short call, default rules, ITM: OTM = 0: IM = V + 0.15 S, MM = V + 0.075 S */
    mgn_std_params df = preset(MGN_STD_PRESET_DEFAULT);
    p = option(MGN_CALL, -2, 1, 90, T, v, MGN_LINEAR);
    V = bsm(MGN_CALL, 100, 90, T, 0.03, 0.01, v);
    assert_int_equal(mgn_std_position_margin(&m, 1, &df, &p, MGN_QUOTE, &im, &mm), MGN_OK);
    assert_close(im, 2 * (V + 15), 1e-14, 0);
    assert_close(mm, 2 * (V + 7.5), 1e-14, 0);
    /* deep OTM: floor 0.10 S */
    p.strike = 200;
    V = bsm(MGN_CALL, 100, 200, T, 0.03, 0.01, v);
    assert_int_equal(mgn_std_position_margin(&m, 1, &df, &p, MGN_QUOTE, &im, &mm), MGN_OK);
    assert_close(im, 2 * (V + 10), 1e-14, 0);
    /* Cboe put floor on the strike: S 100, K 60: 10% * 60 = 6 > 20 - 40 */
    p = option(MGN_PUT, -1, 100, 60, T, v, MGN_LINEAR);
    V = bsm(MGN_PUT, 100, 60, T, 0.03, 0.01, v);
    assert_int_equal(mgn_std_position_margin(&m, 1, &c, &p, MGN_QUOTE, &im, &mm), MGN_OK);
    assert_close(im, 100 * (V + 6), 1e-14, 0);
    assert_close(mm, im, 0, 0);
    /* expired option (T = 0): mark = intrinsic */
    p = option(MGN_PUT, -1, 1, 120, 0, v, MGN_LINEAR);
    assert_int_equal(mgn_std_position_margin(&m, 1, &df, &p, MGN_QUOTE, &im, &mm), MGN_OK);
    assert_close(im, 20 + 15, 1e-15, 0);
}

/* American exercise: the mark is mgn_american_price. */
static void test_american(void **state)
{
    (void)state;
    mgn_market m = { 100, 0.05, 0 };
    mgn_std_params d = preset(MGN_STD_PRESET_DERIBIT_BTC);
    mgn_position p = option(MGN_PUT, -2, 1, 110, 1.0, 0.3, MGN_LINEAR);
    double im_e, mm_e, im_a, mm_a, Va;
    assert_int_equal(mgn_std_position_margin(&m, 1, &d, &p, MGN_QUOTE, &im_e, &mm_e), MGN_OK);
    p.exercise = MGN_AMERICAN;
    assert_int_equal(mgn_std_position_margin(&m, 1, &d, &p, MGN_QUOTE, &im_a, &mm_a), MGN_OK);
    assert_int_equal(mgn_american_price(MGN_PUT, 100, 110, 1.0, 0.05, 0, 0.3, &Va), MGN_OK);
    /* ITM put, OTM = 0: IM = 2 (V + 15), MM = 2 (V + max(7.5, 0.075 V)) */
    assert_close(im_a, 2 * (Va + 15), 1e-14, 0);
    assert_close(mm_a, 2 * (Va + fmax(7.5, 0.075 * Va)), 1e-14, 0);
    assert_true(im_a >= im_e);
    /* inverse: the same in coin, / S */
    p.settlement = MGN_INVERSE;
    double im_c, mm_c;
    assert_int_equal(mgn_std_position_margin(&m, 1, &d, &p, 0, &im_c, &mm_c), MGN_OK);
    assert_close(im_c * 100, im_a, 1e-14, 0);
    /* a call with q = 0 <= r is never exercised early: the European margin */
    p = option(MGN_CALL, -1, 1, 90, 0.5, 0.4, MGN_LINEAR);
    assert_int_equal(mgn_std_position_margin(&m, 1, &d, &p, MGN_QUOTE, &im_e, &mm_e), MGN_OK);
    p.exercise = MGN_AMERICAN;
    assert_int_equal(mgn_std_position_margin(&m, 1, &d, &p, MGN_QUOTE, &im_a, &mm_a), MGN_OK);
    assert_close(im_a, im_e, 1e-13, 0);
    assert_close(mm_a, mm_e, 1e-13, 0);
}

/*---------------------------------------------------------------- invariants */

static mgn_position random_position(mgn_test_rng *g, int n_mkt)
{
    double u = mgn_test_uniform(g);
    mgn_position p;
    int settle = mgn_test_uniform(g) < 0.5 ? MGN_LINEAR : MGN_INVERSE;
    double q = (mgn_test_uniform(g) < 0.5 ? -1 : 1) * floor(mgn_test_logrange(g, 1, 5000));
    if (u < 0.7) {
        p = option(mgn_test_uniform(g) < 0.5 ? MGN_CALL : MGN_PUT, q, mgn_test_logrange(g, 0.01, 100),
                   mgn_test_logrange(g, 0.3, 3), mgn_test_logrange(g, 0.002, 3),
                   mgn_test_range(g, 0.05, 2), settle);
    } else {
        p = delta_one(u < 0.85 ? MGN_FUTURE : MGN_PERPETUAL, q,
                      settle == MGN_INVERSE ? 10 : mgn_test_logrange(g, 0.01, 10),
                      mgn_test_logrange(g, 0.002, 2), settle);
    }
    p.underlying = (int)(mgn_test_uniform(g) * n_mkt);
    return p;
}

static void test_invariants(void **state)
{
    (void)state;
    mgn_test_rng g = { 0x9e3779b97f4a7c15ULL };
    static const int presets[] = { MGN_STD_PRESET_DEFAULT, MGN_STD_PRESET_DERIBIT_BTC,
                                   MGN_STD_PRESET_DERIBIT_ETH, MGN_STD_PRESET_BINANCE_BTCUSDT,
                                   MGN_STD_PRESET_OKX_ETHUSDT, MGN_STD_PRESET_CBOE_EQUITY,
                                   MGN_STD_PRESET_CBOE_BROAD_INDEX };
    for (int it = 0; it < 20000; it++) {
        mgn_std_params r = preset(presets[it % 7]);
        mgn_market m = { mgn_test_logrange(&g, 1, 1e5), mgn_test_range(&g, -0.01, 0.1),
                         mgn_test_range(&g, -0.02, 0.1) };
        mgn_position p = random_position(&g, 1);
        /* strikes relative to spot */
        p.strike *= m.spot;
        double im, mm, im2, mm2;
        assert_int_equal(mgn_std_position_margin(&m, 1, &r, &p, MGN_QUOTE, &im, &mm), MGN_OK);
        assert_true(im >= 0 && mm >= 0 && im >= mm && isfinite(im));
        /* doubling |quantity|: monotone always; exactly 2x where no tier/size term */
        mgn_position p2 = p;
        p2.quantity *= 2;
        assert_int_equal(mgn_std_position_margin(&m, 1, &r, &p2, MGN_QUOTE, &im2, &mm2), MGN_OK);
        assert_true(im2 >= im && mm2 >= mm);
        int homogeneous = p.instrument == MGN_OPTION || (r.n_tiers == 1 && r.size_im == 0 && r.size_mm == 0);
        if (homogeneous) {
            assert_close(im2, 2 * im, 1e-14, 0);
            assert_close(mm2, 2 * mm, 1e-14, 0);
        }
        /* sign of quantity does not matter for futures */
        if (p.instrument != MGN_OPTION) {
            mgn_position pn = p;
            pn.quantity = -p.quantity;
            double imn, mmn;
            assert_int_equal(mgn_std_position_margin(&m, 1, &r, &pn, MGN_QUOTE, &imn, &mmn), MGN_OK);
            assert_true(imn == im && mmn == mm);
        }
    }
    /* monotone sweep through every tier of each table */
    static const int tiered[] = { MGN_STD_PRESET_BINANCE_BTCUSDT, MGN_STD_PRESET_OKX_ETHUSDT,
                                  MGN_STD_PRESET_DERIBIT_BTC };
    for (int k = 0; k < 3; k++) {
        mgn_std_params r = preset(tiered[k]);
        mgn_market m = { 2000, 0, 0 };
        double pim = 0, pmm = 0;
        for (double q = 0.5; q < 2e7; q *= 1.01) {
            mgn_position p = delta_one(MGN_PERPETUAL, q, 0.1, 0, MGN_LINEAR);
            double im, mm;
            assert_int_equal(mgn_std_position_margin(&m, 1, &r, &p, MGN_QUOTE, &im, &mm), MGN_OK);
            assert_true(im >= pim && mm >= pmm * (1 - 1e-15));
            pim = im;
            pmm = mm;
        }
    }
}

/* Inverse vs linear: the same exposure gives coin margin * S == quote margin. */
static void test_inverse_linear(void **state)
{
    (void)state;
    mgn_test_rng g = { 12345 };
    static const int presets[] = { MGN_STD_PRESET_DEFAULT, MGN_STD_PRESET_DERIBIT_BTC,
                                   MGN_STD_PRESET_BINANCE_BTCUSDT, MGN_STD_PRESET_CBOE_EQUITY };
    for (int it = 0; it < 5000; it++) {
        mgn_std_params r = preset(presets[it % 4]);
        double S = mgn_test_logrange(&g, 100, 1e5);
        mgn_market m = { S, mgn_test_range(&g, 0, 0.1), mgn_test_range(&g, 0, 0.1) };
        double im_l, mm_l, im_i, mm_i;
        if (it % 2) {
            mgn_position p = option(it % 4 < 2 ? MGN_CALL : MGN_PUT, -mgn_test_logrange(&g, 0.1, 100), 1,
                                    S * mgn_test_logrange(&g, 0.2, 5), mgn_test_logrange(&g, 0.01, 2),
                                    mgn_test_range(&g, 0.1, 1.5), MGN_LINEAR);
            assert_int_equal(mgn_std_position_margin(&m, 1, &r, &p, MGN_QUOTE, &im_l, &mm_l), MGN_OK);
            p.settlement = MGN_INVERSE;
            assert_int_equal(mgn_std_position_margin(&m, 1, &r, &p, 0, &im_i, &mm_i), MGN_OK);
        } else {
            /* perpetual: U coins linear vs U * S dollars inverse */
            double U = mgn_test_logrange(&g, 0.01, 5000);
            mgn_position p = delta_one(MGN_PERPETUAL, U, 1, 0, MGN_LINEAR);
            assert_int_equal(mgn_std_position_margin(&m, 1, &r, &p, MGN_QUOTE, &im_l, &mm_l), MGN_OK);
            p = delta_one(MGN_PERPETUAL, U * S / 10, 10, 0, MGN_INVERSE);
            assert_int_equal(mgn_std_position_margin(&m, 1, &r, &p, 0, &im_i, &mm_i), MGN_OK);
        }
        assert_close(im_i * S, im_l, 1e-12, 1e-300);
        assert_close(mm_i * S, mm_l, 1e-12, 1e-300);
    }
    /* a dated inverse future: coin margin * F == the linear quote margin */
    mgn_std_params r = preset(MGN_STD_PRESET_DERIBIT_BTC);
    mgn_market m = { 50000, 0.05, 0.0 };
    double T = 0.5, F = 50000 * exp(0.05 * T), im_l, mm_l, im_i, mm_i;
    mgn_position p = delta_one(MGN_FUTURE, 20, 1, T, MGN_LINEAR);
    assert_int_equal(mgn_std_position_margin(&m, 1, &r, &p, MGN_QUOTE, &im_l, &mm_l), MGN_OK);
    p = delta_one(MGN_FUTURE, 20 * F / 10, 10, T, MGN_INVERSE);
    assert_int_equal(mgn_std_position_margin(&m, 1, &r, &p, 0, &im_i, &mm_i), MGN_OK);
    assert_close(im_i * F, im_l, 1e-13, 0);
    /* 20 BTC: IM rate 2% + 20 * 0.005% = 2.1% */
    assert_close(im_i, 20 * 0.021, 1e-13, 0);
    assert_close(mm_i, 20 * 0.011, 1e-13, 0);
}

/* Conversion to the coin of another underlying and back. */
static void test_currency(void **state)
{
    (void)state;
    mgn_market m[2] = { { 50000, 0.01, 0 }, { 2500, 0.02, 0 } };
    mgn_std_params r = preset(MGN_STD_PRESET_DERIBIT_BTC);
    mgn_position p[3] = { option(MGN_CALL, -3, 1, 55000, 0.1, 0.6, MGN_INVERSE),
                          delta_one(MGN_PERPETUAL, 1000, 10, 0, MGN_INVERSE),
                          option(MGN_PUT, -10, 1, 2300, 0.2, 0.7, MGN_LINEAR) };
    p[2].underlying = 1;
    for (int i = 0; i < 3; i++) {
        double q_im, q_mm, c0_im, c0_mm, c1_im, c1_mm;
        assert_int_equal(mgn_std_position_margin(m, 2, &r, &p[i], MGN_QUOTE, &q_im, &q_mm), MGN_OK);
        assert_int_equal(mgn_std_position_margin(m, 2, &r, &p[i], 0, &c0_im, &c0_mm), MGN_OK);
        assert_int_equal(mgn_std_position_margin(m, 2, &r, &p[i], 1, &c1_im, &c1_mm), MGN_OK);
        assert_close(c0_im * 50000, q_im, 1e-14, 0);
        assert_close(c1_im * 2500, q_im, 1e-14, 0);
        assert_close(c1_mm * 2500, q_mm, 1e-14, 0);
    }
    double a_q, b_q, a_1, b_1;
    assert_int_equal(acct(m, 2, &r, 1, p, 3, MGN_QUOTE, &a_q, &b_q, NULL, NULL, NULL, NULL), MGN_OK);
    assert_int_equal(acct(m, 2, &r, 1, p, 3, 1, &a_1, &b_1, NULL, NULL, NULL, NULL), MGN_OK);
    assert_close(a_1 * 2500, a_q, 1e-14, 0);
    assert_close(b_1 * 2500, b_q, 1e-14, 0);
}

/*---------------------------------------------------------------- strategies */

/* naked IM per unit under Cboe equity rules (r = q = 0) */
static double cboe_naked(int type, double S, double K, double V)
{
    double otm = type == MGN_CALL ? fmax(K - S, 0) : fmax(S - K, 0);
    double floor_ = 0.10 * (type == MGN_CALL ? S : K);
    return V + fmax(0.20 * S - otm, floor_);
}

static void test_vertical(void **state)
{
    (void)state;
    mgn_market m = { 100, 0, 0 };
    double T = 0.25, v = 0.3, im, mm, pim[2], pmm[2];
    int ps[2], pp[2];
    mgn_std_params c = preset(MGN_STD_PRESET_CBOE_EQUITY);
    /* credit call spread: short 100 call, long 110 call, 2 contracts x 100.
       Cboe: long paid in full + strike difference: 200 * (V110 + 10). */
    mgn_position p[2] = { option(MGN_CALL, -2, 100, 100, T, v, MGN_LINEAR),
                          option(MGN_CALL, 2, 100, 110, T, v, MGN_LINEAR) };
    double V100 = bsm(MGN_CALL, 100, 100, T, 0, 0, v), V110 = bsm(MGN_CALL, 100, 110, T, 0, 0, v);
    assert_int_equal(acct(&m, 1, &c, 1, p, 2, MGN_QUOTE, &im, &mm, pim, pmm, ps, pp), MGN_OK);
    assert_close(im, 200 * (V110 + 10), 1e-14, 0);
    assert_close(mm, im, 0, 0);
    assert_true(ps[0] == MGN_STD_VERTICAL && ps[1] == MGN_STD_VERTICAL && pp[0] == 1 && pp[1] == 0);
    assert_close(pim[0] + pim[1], im, 1e-15, 0);
    double naive = 200 * (cboe_naked(MGN_CALL, 100, 100, V100) + V110);
    assert_true(im < naive);
    /* the spread's margin is its maximum payout (strike difference x units) when the
       long leg carries no requirement of its own: crypto rules with spreads on */
    mgn_std_params d = preset(MGN_STD_PRESET_DEFAULT);
    d.strategies = MGN_STD_PAIR_SPREADS;
    assert_int_equal(acct(&m, 1, &d, 1, p, 2, MGN_QUOTE, &im, &mm, NULL, NULL, NULL, NULL), MGN_OK);
    assert_close(im, 200 * 10, 1e-15, 0);
    assert_close(mm, 200 * 10, 1e-15, 0);
    /* in the coin of the underlying (spot 100) the same payout, 2,000 / 100 coins:
       the strike difference converted as the legs are */
    assert_int_equal(acct(&m, 1, &d, 1, p, 2, 0, &im, &mm, NULL, NULL, NULL, NULL), MGN_OK);
    assert_close(im, 20, 1e-15, 0);
    assert_close(mm, 20, 1e-15, 0);
    /* ... and stays below the naive sum when the spread is wide: short 100 / long 200,
       the naked requirement V100 + 15 wins over the width 100 */
    p[1].strike = 200;
    assert_int_equal(acct(&m, 1, &d, 1, p, 2, MGN_QUOTE, &im, &mm, NULL, NULL, NULL, NULL), MGN_OK);
    assert_close(im, 200 * (V100 + 15), 1e-14, 0);
    /* debit put spread: long 110 put, short 100 put: Cboe requirement = the long's cost */
    mgn_position q[2] = { option(MGN_PUT, -1, 100, 100, T, v, MGN_LINEAR),
                          option(MGN_PUT, 1, 100, 110, T, v, MGN_LINEAR) };
    double P110 = bsm(MGN_PUT, 100, 110, T, 0, 0, v);
    assert_int_equal(acct(&m, 1, &c, 1, q, 2, MGN_QUOTE, &im, &mm, NULL, NULL, ps, NULL), MGN_OK);
    assert_close(im, 100 * P110, 1e-14, 0);
    assert_int_equal(ps[0], MGN_STD_VERTICAL);
    /* partial pairing: 3 short, 1 long: 1 unit pair, 2 naked */
    q[0].quantity = -3;
    double P100 = bsm(MGN_PUT, 100, 100, T, 0, 0, v);
    assert_int_equal(acct(&m, 1, &c, 1, q, 2, MGN_QUOTE, &im, &mm, NULL, NULL, ps, pp), MGN_OK);
    assert_close(im, 100 * P110 + 200 * cboe_naked(MGN_PUT, 100, 100, P100), 1e-14, 0);
    assert_true(ps[0] == MGN_STD_NAKED || ps[0] == MGN_STD_VERTICAL);
    assert_int_equal(ps[1], MGN_STD_VERTICAL);
    /* a long leg that expires before the short cannot cover it */
    q[0].quantity = -1;
    q[1].expiry = 0.1;
    assert_int_equal(acct(&m, 1, &c, 1, q, 2, MGN_QUOTE, &im, &mm, NULL, NULL, ps, NULL), MGN_OK);
    assert_int_equal(ps[0], MGN_STD_NAKED);
    double P110s = bsm(MGN_PUT, 100, 110, 0.1, 0, 0, v);
    assert_close(im, 100 * (cboe_naked(MGN_PUT, 100, 100, P100) + P110s), 1e-14, 0);
}

static void test_calendar_straddle_covered(void **state)
{
    (void)state;
    mgn_market m = { 100, 0, 0 };
    double v = 0.3, im, mm;
    int ps[3], pp[3];
    mgn_std_params c = preset(MGN_STD_PRESET_CBOE_EQUITY);
    /* calendar: short 100 call 0.25y, long 100 call 0.5y: long cost only */
    mgn_position a[2] = { option(MGN_CALL, -1, 100, 100, 0.25, v, MGN_LINEAR),
                          option(MGN_CALL, 1, 100, 100, 0.5, v, MGN_LINEAR) };
    double L = bsm(MGN_CALL, 100, 100, 0.5, 0, 0, v);
    assert_int_equal(acct(&m, 1, &c, 1, a, 2, MGN_QUOTE, &im, &mm, NULL, NULL, ps, NULL), MGN_OK);
    assert_close(im, 100 * L, 1e-14, 0);
    assert_int_equal(ps[0], MGN_STD_CALENDAR);
    /* diagonal: long 95 call later: strike difference 0 (long strike lower) */
    a[1].strike = 105;
    double L105 = bsm(MGN_CALL, 100, 105, 0.5, 0, 0, v);
    assert_int_equal(acct(&m, 1, &c, 1, a, 2, MGN_QUOTE, &im, &mm, NULL, NULL, ps, NULL), MGN_OK);
    assert_close(im, 100 * (L105 + 5), 1e-14, 0);
    assert_int_equal(ps[0], MGN_STD_DIAGONAL);
    /* short strangle: call 110, put 90: greater naked + other premium */
    mgn_position s[2] = { option(MGN_CALL, -1, 100, 110, 0.25, v, MGN_LINEAR),
                          option(MGN_PUT, -1, 100, 90, 0.25, v, MGN_LINEAR) };
    double C = bsm(MGN_CALL, 100, 110, 0.25, 0, 0, v), P = bsm(MGN_PUT, 100, 90, 0.25, 0, 0, v);
    double nc = cboe_naked(MGN_CALL, 100, 110, C), np = cboe_naked(MGN_PUT, 100, 90, P);
    double want = nc >= np ? nc + P : np + C;
    assert_int_equal(acct(&m, 1, &c, 1, s, 2, MGN_QUOTE, &im, &mm, NULL, NULL, ps, pp), MGN_OK);
    assert_close(im, 100 * want, 1e-14, 0);
    assert_true(ps[0] == MGN_STD_STRANGLE && ps[1] == MGN_STD_STRANGLE && pp[0] == 1);
    s[0].strike = s[1].strike = 100;
    assert_int_equal(acct(&m, 1, &c, 1, s, 2, MGN_QUOTE, &im, &mm, NULL, NULL, ps, NULL), MGN_OK);
    assert_int_equal(ps[0], MGN_STD_STRADDLE);
    /* covered call: short 2 x 100 calls + long 200 units of a perpetual: the call's
       requirement is 0, the perpetual keeps its own 50% / 25% */
    mgn_position cv[3] = { option(MGN_CALL, -2, 100, 105, 0.25, v, MGN_LINEAR),
                           delta_one(MGN_PERPETUAL, 200, 1, 0, MGN_LINEAR),
                           option(MGN_PUT, -1, 100, 95, 0.25, v, MGN_LINEAR) };
    double pim[3], pmm[3];
    double P95 = bsm(MGN_PUT, 100, 95, 0.25, 0, 0, v);
    assert_int_equal(acct(&m, 1, &c, 1, cv, 3, MGN_QUOTE, &im, &mm, pim, pmm, ps, pp), MGN_OK);
    assert_true(ps[0] == MGN_STD_COVERED && pp[0] == 1 && ps[1] == MGN_STD_COVERED);
    assert_true(pim[0] == 0 && pmm[0] == 0);
    assert_close(pim[1], 0.5 * 200 * 100, 1e-15, 0);
    assert_close(pmm[1], 0.25 * 200 * 100, 1e-15, 0);
    assert_int_equal(ps[2], MGN_STD_NAKED);   /* the put has no short call left to pair */
    assert_close(im, 10000 + 100 * cboe_naked(MGN_PUT, 100, 95, P95), 1e-14, 0);
    /* a long perpetual does not cover a short put; a short one does */
    cv[0].option_type = MGN_PUT;
    assert_int_equal(acct(&m, 1, &c, 1, cv, 2, MGN_QUOTE, &im, &mm, NULL, NULL, ps, NULL), MGN_OK);
    assert_int_equal(ps[0], MGN_STD_NAKED);
    cv[1].quantity = -200;
    assert_int_equal(acct(&m, 1, &c, 1, cv, 2, MGN_QUOTE, &im, &mm, NULL, NULL, ps, NULL), MGN_OK);
    assert_int_equal(ps[0], MGN_STD_COVERED);
    /* legs on different underlyings or settlements never pair */
    mgn_market m2[2] = { { 100, 0, 0 }, { 100, 0, 0 } };
    a[1].strike = 100;
    a[1].underlying = 1;
    assert_int_equal(acct(m2, 2, &c, 1, a, 2, MGN_QUOTE, &im, &mm, NULL, NULL, ps, NULL), MGN_OK);
    assert_int_equal(ps[0], MGN_STD_NAKED);
    a[1].underlying = 0;
    a[1].settlement = MGN_INVERSE;
    assert_int_equal(acct(m2, 2, &c, 1, a, 2, MGN_QUOTE, &im, &mm, NULL, NULL, ps, NULL), MGN_OK);
    assert_int_equal(ps[0], MGN_STD_NAKED);
}

/* IM and MM of one position in quote at today's prices, from the formulas of the
   header's standard-margin section, written out here independently of lib/standard.c. */
static void ref_std_position(const mgn_market *m, const mgn_std_params *r, const mgn_position *p,
                             double *im, double *mm)
{
    double S = m->spot, qm = fabs(p->quantity * p->multiplier);
    if (p->instrument == MGN_OPTION) {
        double V = p->expiry == 0 ? fmax(p->option_type == MGN_CALL ? S - p->strike : p->strike - S, 0)
                                  : bsm(p->option_type, S, p->strike, p->expiry, m->rate, m->carry, p->vol);
        if (p->quantity >= 0) {
            int dated = r->long_dated_expiry > 0 && p->expiry > r->long_dated_expiry;
            *im = qm * (dated ? r->long_dated_im : r->long_im) * V;
            *mm = qm * (dated ? r->long_dated_mm : r->long_mm) * V;
            return;
        }
        int call = p->option_type == MGN_CALL;
        double otm = fmax(call ? p->strike - S : S - p->strike, 0);
        double B = !call && r->put_floor_on_strike ? p->strike : S;
        double i1 = V + fmax(fmax(0, r->im_base * S - otm), r->im_floor * B);
        double m1 = V + fmax(fmax(0, r->mm_base * S - r->mm_otm * otm),
                             fmax(r->mm_floor * B, call ? 0 : r->mm_put_mark * V));
        *im = qm * fmax(i1, m1);
        *mm = qm * m1;
        return;
    }
    double P = p->instrument == MGN_FUTURE ? S * exp((m->rate - m->carry) * p->expiry) : S;
    int inv = p->settlement == MGN_INVERSE;
    double N = inv ? qm : qm * P, U = N / P;
    double measure = r->tier_basis == MGN_STD_TIER_QUOTE ? N
                   : r->tier_basis == MGN_STD_TIER_UNITS ? U : fabs(p->quantity);
    size_t t = 0;
    while (t + 1 < r->n_tiers && r->tiers[t + 1].floor <= measure)
        t++;
    const mgn_std_tier *tr = &r->tiers[t];
    double amount = r->tier_basis == MGN_STD_TIER_UNITS ? tr->mm_amount * P : tr->mm_amount;
    double i1 = N * (tr->im_rate + r->size_im * U);
    double m1 = fmax(0, N * (tr->mm_rate + r->size_mm * U) - amount);
    i1 = fmax(i1, m1);
    double to_quote = inv ? S / P : 1;   /* inverse: the coin amount Q / P at S */
    *im = i1 * to_quote;
    *mm = m1 * to_quote;
}

/* mgn_std_position_margin against ref_std_position: random positions over the pricing
   domain (tests/margin_ref.h; European; sizes from 1e-3 to 1e4 contracts so that the
   tiers are crossed) under every preset, in quote and in each coin. */
static void test_position_formula_random(void **state)
{
    (void)state;
    static const int presets[] = { MGN_STD_PRESET_DEFAULT, MGN_STD_PRESET_DERIBIT_BTC,
                                   MGN_STD_PRESET_DERIBIT_ETH, MGN_STD_PRESET_BINANCE_BTCUSDT,
                                   MGN_STD_PRESET_OKX_ETHUSDT, MGN_STD_PRESET_CBOE_EQUITY,
                                   MGN_STD_PRESET_CBOE_BROAD_INDEX };
    mgn_test_rng g = { 0x1B873593CC9E2D51ULL };
    double worst = 0;
    long iters = mgn_test_cases(3000);
    for (long it = 0; it < iters; it++) {
        mgn_market m[3];
        mgn_position p;
        int nm = 1 + (int)(mgn_test_uniform(&g) * 3);
        ref_wide_book(&g, m, nm, &p, 1);
        p.exercise = MGN_EUROPEAN;
        p.quantity = (mgn_test_uniform(&g) < 0.5 ? -1 : 1) * mgn_test_logrange(&g, 1e-3, 1e4);
        mgn_std_params r = preset(presets[it % 7]);
        int cur = mgn_test_uniform(&g) < 0.5 ? MGN_QUOTE : (int)(mgn_test_uniform(&g) * nm);
        double im, mm, rim, rmm;
        assert_int_equal(mgn_std_position_margin(m, (size_t)nm, &r, &p, cur, &im, &mm), MGN_OK);
        ref_std_position(&m[p.underlying], &r, &p, &rim, &rmm);
        double conv = cur < 0 ? 1 : m[cur].spot;
        rim /= conv;
        rmm /= conv;
        double size = ref_position_size(&p, &m[p.underlying], m[p.underlying].spot, conv);
        double e = fmax(fabs(im - rim) / (1e-12 * (rim + size)), fabs(mm - rmm) / (1e-12 * (rmm + size)));
        if (!(e <= 1)) {
            print_error("iteration %ld, preset %d: IM %.17g MM %.17g, expected %.17g %.17g\n", it,
                        presets[it % 7], im, mm, rim, rmm);
            fail();
        }
        worst = fmax(worst, e);
    }
    print_message("%ld random positions: worst %.3g of the tolerance\n", iters, worst);
}

/* Random books: strategies never cost more than the naive sum; the per-position
   parts add up to the totals; the naive total equals the sum of per-position calls;
   the totals do not depend on the order of the positions (naive case). */
static void test_account_random(void **state)
{
    (void)state;
    mgn_test_rng g = { 777 };
    enum { N = 60 };
    mgn_position p[N];
    double pim[N], pmm[N];
    int ps[N], pp[N];
    mgn_market m[3] = { { 100, 0.02, 0.01 }, { 2000, 0.03, 0 }, { 50000, 0, 0 } };
    for (long it = 0, iters = mgn_test_cases(300); it < iters; it++) {
        int n = 1 + (int)(mgn_test_uniform(&g) * N);
        for (int i = 0; i < n; i++) {
            p[i] = random_position(&g, 3);
            p[i].strike *= m[p[i].underlying].spot;
            /* a few strikes and expiries shared, so that strategies form */
            if (p[i].instrument == MGN_OPTION && mgn_test_uniform(&g) < 0.5) {
                p[i].strike = m[p[i].underlying].spot * (0.8 + 0.1 * floor(mgn_test_uniform(&g) * 5));
                p[i].expiry = 0.25 * (1 + floor(mgn_test_uniform(&g) * 3));
            }
        }
        mgn_std_params r = preset(it % 2 ? MGN_STD_PRESET_CBOE_EQUITY : MGN_STD_PRESET_DERIBIT_BTC);
        r.strategies = MGN_STD_PAIR_ALL;
        mgn_std_params r0 = r;
        r0.strategies = 0;
        int cur = it % 4 == 3 ? 1 : MGN_QUOTE;
        double im, mm, im0, mm0;
        assert_int_equal(acct(m, 3, &r, 1, p, (size_t)n, cur, &im, &mm, pim, pmm, ps, pp), MGN_OK);
        assert_int_equal(acct(m, 3, &r0, 1, p, (size_t)n, cur, &im0, &mm0, NULL, NULL, NULL, NULL), MGN_OK);
        assert_true(im >= 0 && mm >= 0 && im >= mm);
        assert_true(im <= im0 * (1 + 1e-12) && mm <= mm0 * (1 + 1e-12));
        double si = 0, sm = 0, ni = 0, nm = 0;
        for (int i = 0; i < n; i++) {
            si += pim[i];
            sm += pmm[i];
            assert_true(pim[i] >= 0 && pmm[i] >= 0);
            assert_true(ps[i] >= MGN_STD_NAKED && ps[i] <= MGN_STD_STRANGLE);
            assert_true((ps[i] == MGN_STD_NAKED) == (pp[i] < 0));
            double a, b;
            assert_int_equal(mgn_std_position_margin(m, 3, &r, &p[i], cur, &a, &b), MGN_OK);
            ni += a;
            nm += b;
        }
        assert_close(si, im, 1e-12, 0);
        assert_close(sm, mm, 1e-12, 1e-300);
        assert_close(ni, im0, 1e-12, 0);
        assert_close(nm, mm0, 1e-12, 1e-300);
        /* one rule set per underlying gives the same as the shared one */
        mgn_std_params r3[3] = { r, r, r };
        double im3, mm3;
        assert_int_equal(acct(m, 3, r3, 3, p, (size_t)n, cur, &im3, &mm3, NULL, NULL, NULL, NULL), MGN_OK);
        assert_true(im3 == im && mm3 == mm);
    }
}

/*---------------------------------------------------------------- bad input */

static const mgn_std_tier good_tiers[2] = { { 0, 0.02, 0.01, 0 }, { 1000, 0.05, 0.02, 10 } };

static void expect_pos_fail(const mgn_market *m, size_t nm, const mgn_std_params *r,
                            const mgn_position *p, int cur, int status)
{
    double im = 42, mm = 43;
    assert_int_equal(mgn_std_position_margin(m, nm, r, p, cur, &im, &mm), status);
    assert_true(im == 42 && mm == 43);
    double pim[1] = { 44 }, pmm[1] = { 45 };
    int ps[1] = { 46 }, pp[1] = { 47 };
    int st = mgn_std_margin(m, nm, r, 1, p, 1, cur, g_ws, sizeof g_ws, &im, &mm, pim, pmm, ps, pp);
    assert_int_equal(st, status);
    assert_true(im == 42 && mm == 43 && pim[0] == 44 && pmm[0] == 45 && ps[0] == 46 && pp[0] == 47);
}

/* Rule sets per underlying: spreads are recognised where that underlying's rules
   enable them and nowhere else. */
static void test_pairing_per_underlying(void **state)
{
    (void)state;
    mgn_market m[2] = { { 100, 0, 0 }, { 100, 0, 0 } };
    mgn_std_params r[2] = { preset(MGN_STD_PRESET_DEFAULT), preset(MGN_STD_PRESET_DEFAULT) };
    r[0].strategies = MGN_STD_PAIR_SPREADS;
    r[1].strategies = MGN_STD_PAIR_STRADDLES;
    /* the same credit call spread on both underlyings, listed u1 first */
    mgn_position p[4] = { option(MGN_CALL, -2, 100, 100, 0.25, 0.3, MGN_LINEAR),
                          option(MGN_CALL, 2, 100, 110, 0.25, 0.3, MGN_LINEAR),
                          option(MGN_CALL, -2, 100, 100, 0.25, 0.3, MGN_LINEAR),
                          option(MGN_CALL, 2, 100, 110, 0.25, 0.3, MGN_LINEAR) };
    p[0].underlying = p[1].underlying = 1;
    double im, mm, pim[4], pmm[4], im1, mm1;
    int ps[4], pp[4];
    assert_int_equal(acct(m, 2, r, 2, p, 4, MGN_QUOTE, &im, &mm, pim, pmm, ps, pp), MGN_OK);
    assert_true(ps[0] == MGN_STD_NAKED && ps[1] == MGN_STD_NAKED);
    assert_true(ps[2] == MGN_STD_VERTICAL && ps[3] == MGN_STD_VERTICAL && pp[2] == 3);
    /* u0's spread: the strike difference x units; u1's legs: naked, as alone */
    assert_close(pim[2] + pim[3], 200 * 10, 1e-15, 0);
    assert_int_equal(acct(m, 2, r, 2, p, 2, MGN_QUOTE, &im1, &mm1, NULL, NULL, NULL, NULL), MGN_OK);
    r[1].strategies = 0;
    double im0, mm0;
    assert_int_equal(acct(m, 2, r, 2, p, 2, MGN_QUOTE, &im0, &mm0, NULL, NULL, NULL, NULL), MGN_OK);
    assert_close(pim[0] + pim[1], im0, 1e-15, 0);
    assert_close(im1, im0, 0, 0);
    assert_close(im, im0 + 2000, 1e-15, 0);
}

/* An account in the coin of an underlying whose spot is the smallest subnormal: its
   quote amounts are a few ulps large, and a strategy split between its legs in quote
   rounded each share to that grid, one ulp above the naked sum in all: 1,520 coins
   against 1,519. Split in the coin, the strategies stay within rounding of the naked
   sum. (A book found by tests/fuzz/fuzz_standard.c.) */
static void test_coin_of_subnormal_spot(void **state)
{
    (void)state;
    mgn_market m[3] = { { 4.9406564584124654e-324, 0.11176470588235295, -0.097430380712596326 },
                        { 1719.072201858575, 0.0043411917296101304, -0.01999999999999999 },
                        { 10.000000000000002, 0, 0.15812771801327538 } };
    mgn_std_params r = preset(MGN_STD_PRESET_CBOE_BROAD_INDEX);
    const double ulp = 4.9406564584124654e-324;
    mgn_position p[4] = {
        option(MGN_PUT, 14.705882352941174, 3.874675120456132, ulp, 0.05741353423710966,
               0.20549189708923604, MGN_INVERSE),
        option(MGN_PUT, -8.0392156862745097, 94.480334156749336, 3 * ulp, 0.028562146631268055,
               0.13811653738255275, MGN_INVERSE),
        option(MGN_PUT, 26.534676127260241, 0.010045074331872062, 2 * ulp, 0.80245175352470477,
               0.9367381998342541, MGN_INVERSE),
        option(MGN_PUT, -8.0392156862745097, 0.47690444746365218, ulp, 0.17778781329233459,
               0.39368388945732241, MGN_INVERSE) };
    double naked = 0, pi, pm;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(mgn_std_position_margin(m, 3, &r, &p[i], 0, &pi, &pm), MGN_OK);
        naked += pi;
    }
    assert_true(naked > 1000);     /* whole coins: the case is not vacuous */
    double im, mm, pim[4], pmm[4];
    int ps[4], pp[4];
    assert_int_equal(acct(m, 3, &r, 1, p, 4, 0, &im, &mm, pim, pmm, ps, pp), MGN_OK);
    assert_true(ps[1] != MGN_STD_NAKED || ps[3] != MGN_STD_NAKED);
    assert_true(im <= naked * (1 + 1e-12));
    assert_true(mm <= im);
}

/* Values and requirements that overflow: MGN_ERANGE, outputs untouched. */
static void test_overflow(void **state)
{
    (void)state;
    mgn_std_params d = preset(MGN_STD_PRESET_DEFAULT);
    double im = 7, mm = 8;
    /* options worth infinity (forward e^1000 S), European and American */
    mgn_market mc = { 100, 0, -1 };
    for (int ex = MGN_EUROPEAN; ex <= MGN_AMERICAN; ex++) {
        mgn_position o = option(MGN_CALL, -1, 1, 100, 1000, 0.3, MGN_LINEAR);
        o.exercise = ex;
        assert_int_equal(mgn_std_position_margin(&mc, 1, &d, &o, MGN_QUOTE, &im, &mm), MGN_ERANGE);
        assert_int_equal(acct(&mc, 1, &d, 1, &o, 1, MGN_QUOTE, &im, &mm, NULL, NULL, NULL, NULL), MGN_ERANGE);
    }
    /* finite per unit (about 21), infinite for 1e307 units */
    mgn_market m = { 100, 0, 0 };
    mgn_position big = option(MGN_CALL, -1e307, 1, 100, 0.25, 0.3, MGN_LINEAR);
    assert_int_equal(mgn_std_position_margin(&m, 1, &d, &big, MGN_QUOTE, &im, &mm), MGN_ERANGE);
    /* two positions each requiring about 1e308: their sum overflows */
    mgn_position two[2] = { option(MGN_CALL, -5e306, 1, 100, 0.25, 0.3, MGN_LINEAR),
                            option(MGN_CALL, -5e306, 1, 100, 0.25, 0.3, MGN_LINEAR) };
    double a, b;
    assert_int_equal(mgn_std_position_margin(&m, 1, &d, &two[0], MGN_QUOTE, &a, &b), MGN_OK);
    assert_true(a > 0.9e308 && a < DBL_MAX);
    assert_int_equal(acct(&m, 1, &d, 1, two, 2, MGN_QUOTE, &im, &mm, NULL, NULL, NULL, NULL), MGN_ERANGE);
    assert_true(im == 7 && mm == 8);
}

static void test_bad_input(void **state)
{
    (void)state;
    mgn_market m[2] = { { 100, 0.01, 0 }, { 10, 0, 0 } };
    mgn_std_params r = preset(MGN_STD_PRESET_CBOE_EQUITY);
    r.tiers = good_tiers;
    r.n_tiers = 2;
    mgn_position o = option(MGN_PUT, -1, 100, 90, 0.25, 0.3, MGN_LINEAR);
    mgn_position f = delta_one(MGN_FUTURE, 3, 1, 0.5, MGN_LINEAR);
    double im = 42, mm = 43;
    /* sanity: the good ones succeed */
    assert_int_equal(mgn_std_position_margin(m, 2, &r, &o, MGN_QUOTE, &im, &mm), MGN_OK);
    assert_int_equal(mgn_std_position_margin(m, 2, &r, &f, 1, &im, &mm), MGN_OK);

    /* NULL pointers and counts */
    im = 42; mm = 43;
    assert_int_equal(mgn_std_position_margin(NULL, 2, &r, &o, MGN_QUOTE, &im, &mm), MGN_EINVAL);
    assert_int_equal(mgn_std_position_margin(m, 2, NULL, &o, MGN_QUOTE, &im, &mm), MGN_EINVAL);
    assert_int_equal(mgn_std_position_margin(m, 2, &r, NULL, MGN_QUOTE, &im, &mm), MGN_EINVAL);
    assert_int_equal(mgn_std_position_margin(m, 2, &r, &o, MGN_QUOTE, NULL, &mm), MGN_EINVAL);
    assert_int_equal(mgn_std_position_margin(m, 2, &r, &o, MGN_QUOTE, &im, NULL), MGN_EINVAL);
    assert_int_equal(mgn_std_position_margin(m, 0, &r, &o, MGN_QUOTE, &im, &mm), MGN_ERANGE);
    assert_int_equal(mgn_std_position_margin(m, (size_t)INT_MAX + 1, &r, &o, MGN_QUOTE, &im, &mm), MGN_ERANGE);
    assert_true(im == 42 && mm == 43);
    /* currency */
    expect_pos_fail(m, 2, &r, &o, 2, MGN_EINVAL);
    expect_pos_fail(m, 2, &r, &o, -2, MGN_EINVAL);
    /* market fields */
    for (int k = 0; k < 3; k++) {
        for (int j = 0; j < 3; j++) {
            mgn_market bm[2] = { m[0], m[1] };
            double *fld = j == 0 ? &bm[1].spot : j == 1 ? &bm[1].rate : &bm[1].carry;
            *fld = mgn_test_nonfinite[k];
            expect_pos_fail(bm, 2, &r, &o, MGN_QUOTE, MGN_EINVAL);
        }
    }
    {
        mgn_market bm[2] = { m[0], m[1] };
        bm[0].spot = 0;
        expect_pos_fail(bm, 2, &r, &o, MGN_QUOTE, MGN_EINVAL);
        bm[0].spot = -1;
        expect_pos_fail(bm, 2, &r, &o, MGN_QUOTE, MGN_EINVAL);
    }
    /* position fields */
    mgn_position b;
#define BAD_POS(base, stmt) do { b = (base); stmt; expect_pos_fail(m, 2, &r, &b, MGN_QUOTE, MGN_EINVAL); } while (0)
    BAD_POS(o, b.instrument = 3);
    BAD_POS(o, b.instrument = -1);
    BAD_POS(o, b.underlying = 2);
    BAD_POS(o, b.underlying = -1);
    BAD_POS(o, b.option_type = 2);
    BAD_POS(o, b.settlement = 2);
    BAD_POS(o, b.exercise = 2);
    BAD_POS(o, b.reserved = 1);
    BAD_POS(f, b.reserved = -1);
    BAD_POS(f, b.settlement = -1);
    BAD_POS(o, b.multiplier = 0);
    BAD_POS(o, b.multiplier = -1);
    BAD_POS(o, b.strike = 0);
    BAD_POS(o, b.strike = -5);
    BAD_POS(o, b.expiry = -0.1);
    BAD_POS(o, b.vol = -0.1);
    BAD_POS(f, b.expiry = -1);
    BAD_POS(f, b.entry_price = -1);
    BAD_POS(o, (b.quantity = 1e200, b.multiplier = 1e200));
    for (int k = 0; k < 3; k++) {
        double x = mgn_test_nonfinite[k];
        BAD_POS(o, b.quantity = x);
        BAD_POS(o, b.multiplier = x);
        BAD_POS(o, b.strike = x);
        BAD_POS(o, b.expiry = x);
        BAD_POS(o, b.vol = x);
        BAD_POS(f, b.quantity = x);
        BAD_POS(f, b.multiplier = x);
        BAD_POS(f, b.expiry = x);
        BAD_POS(f, b.entry_price = x);
    }
#undef BAD_POS
    /* params fields */
    mgn_std_params bp;
#define BAD_PAR(stmt, status) do { bp = r; stmt; expect_pos_fail(m, 2, &bp, &o, MGN_QUOTE, status); } while (0)
    BAD_PAR(bp.struct_size = 0, MGN_EINVAL);
    BAD_PAR(bp.struct_size = sizeof bp + 8, MGN_EINVAL);
    double *dfields[] = { &bp.im_base, &bp.im_floor, &bp.mm_base, &bp.mm_otm, &bp.mm_floor,
                          &bp.mm_put_mark, &bp.long_im, &bp.long_mm, &bp.long_dated_expiry,
                          &bp.long_dated_im, &bp.long_dated_mm, &bp.size_im, &bp.size_mm };
    for (size_t j = 0; j < sizeof dfields / sizeof dfields[0]; j++) {
        size_t off = (size_t)((char *)dfields[j] - (char *)&bp);
        for (int k = 0; k < 4; k++) {
            bp = r;
            *(double *)((char *)&bp + off) = k < 3 ? mgn_test_nonfinite[k] : -0.01;
            expect_pos_fail(m, 2, &bp, &o, MGN_QUOTE, MGN_EINVAL);
        }
    }
    BAD_PAR(bp.mm_otm = 1.5, MGN_EINVAL);
    BAD_PAR(bp.long_im = 1.5, MGN_EINVAL);
    BAD_PAR((bp.long_im = 0.5, bp.long_mm = 0.6), MGN_EINVAL);
    BAD_PAR((bp.long_dated_im = 0.5, bp.long_dated_mm = 0.6), MGN_EINVAL);
    BAD_PAR(bp.put_floor_on_strike = 2, MGN_EINVAL);
    BAD_PAR(bp.strategies = 8, MGN_EINVAL);
    BAD_PAR(bp.strategies = -1, MGN_EINVAL);
    BAD_PAR(bp.tier_basis = 3, MGN_EINVAL);
    BAD_PAR(bp.reserved = 1, MGN_EINVAL);
    BAD_PAR(bp.n_tiers = 0, MGN_ERANGE);
    BAD_PAR(bp.n_tiers = MGN_STD_MAX_TIERS + 1, MGN_ERANGE);
    BAD_PAR(bp.tiers = NULL, MGN_EINVAL);
    /* tier tables */
    mgn_std_tier t[2];
#define BAD_TIER(stmt) do { memcpy(t, good_tiers, sizeof t); stmt; bp = r; bp.tiers = t; \
                            expect_pos_fail(m, 2, &bp, &o, MGN_QUOTE, MGN_EINVAL); } while (0)
    BAD_TIER(t[1].floor = 0);             /* not strictly increasing */
    BAD_TIER(t[1].floor = -5);
    BAD_TIER(t[0].floor = 1);             /* first floor must be 0 */
    BAD_TIER(t[0].mm_amount = 1);         /* first amount must be 0 */
    BAD_TIER(t[1].im_rate = 0.01);        /* IM rate falls (and below MM) */
    BAD_TIER(t[1].mm_rate = 0.005);       /* MM rate falls */
    BAD_TIER(t[1].mm_rate = 0.06);        /* MM above IM */
    BAD_TIER(t[1].im_rate = 1.5);
    BAD_TIER(t[1].mm_amount = -1);
    BAD_TIER(t[1].mm_amount = 20);        /* MM would drop at the boundary: 1000*0.02-20 < 10 */
    for (int k = 0; k < 3; k++) {
        double x = mgn_test_nonfinite[k];
        BAD_TIER(t[1].floor = x);
        BAD_TIER(t[1].im_rate = x);
        BAD_TIER(t[1].mm_rate = x);
        BAD_TIER(t[1].mm_amount = x);
    }
#undef BAD_TIER
#undef BAD_PAR
    /* overflow of the forward: ERANGE, nothing written */
    {
        mgn_position big = f;
        big.expiry = 1e10;
        mgn_market mm2[2] = { { 100, 1, 0 }, m[1] };
        expect_pos_fail(mm2, 2, &r, &big, MGN_QUOTE, MGN_ERANGE);
    }

    /* account-only arguments */
    mgn_position two[2] = { o, f };
    double pim[2] = { 1, 2 };
    size_t need;
    assert_int_equal(mgn_std_workspace_size(2, &need), MGN_OK);
    assert_int_equal(mgn_std_workspace_size(2, NULL), MGN_EINVAL);
    assert_int_equal(mgn_std_workspace_size((size_t)INT_MAX + 1, &need), MGN_ERANGE);
    assert_int_equal(mgn_std_workspace_size(SIZE_MAX, &need), MGN_ERANGE);
    size_t z = 7;
    assert_int_equal(mgn_std_workspace_size(0, &z), MGN_OK);
    assert_true(z == 0);
    im = 42; mm = 43;
#define ACC(...) mgn_std_margin(__VA_ARGS__)
    assert_int_equal(ACC(m, 2, &r, 1, two, 2, MGN_QUOTE, g_ws, need - 1, &im, &mm, pim, NULL, NULL, NULL), MGN_ENOMEM);
    assert_int_equal(ACC(m, 2, &r, 1, two, 2, MGN_QUOTE, (char *)g_ws + 1, need, &im, &mm, pim, NULL, NULL, NULL), MGN_EINVAL);
    assert_int_equal(ACC(m, 2, &r, 1, two, 2, MGN_QUOTE, NULL, need, &im, &mm, pim, NULL, NULL, NULL), MGN_EINVAL);
    assert_int_equal(ACC(m, 2, &r, 1, NULL, 2, MGN_QUOTE, g_ws, need, &im, &mm, pim, NULL, NULL, NULL), MGN_EINVAL);
    assert_int_equal(ACC(m, 2, &r, 3, two, 2, MGN_QUOTE, g_ws, need, &im, &mm, pim, NULL, NULL, NULL), MGN_EINVAL);
    assert_int_equal(ACC(m, 2, &r, 0, two, 2, MGN_QUOTE, g_ws, need, &im, &mm, pim, NULL, NULL, NULL), MGN_EINVAL);
    assert_int_equal(ACC(m, 2, NULL, 1, two, 2, MGN_QUOTE, g_ws, need, &im, &mm, pim, NULL, NULL, NULL), MGN_EINVAL);
    assert_int_equal(ACC(NULL, 2, &r, 1, two, 2, MGN_QUOTE, g_ws, need, &im, &mm, pim, NULL, NULL, NULL), MGN_EINVAL);
    assert_int_equal(ACC(m, 2, &r, 1, two, 2, MGN_QUOTE, g_ws, need, NULL, &mm, pim, NULL, NULL, NULL), MGN_EINVAL);
    assert_int_equal(ACC(m, 2, &r, 1, two, 2, MGN_QUOTE, g_ws, need, &im, NULL, pim, NULL, NULL, NULL), MGN_EINVAL);
    assert_int_equal(ACC(m, 0, &r, 1, two, 2, MGN_QUOTE, g_ws, need, &im, &mm, pim, NULL, NULL, NULL), MGN_ERANGE);
    assert_int_equal(ACC(m, 2, &r, 1, two, (size_t)INT_MAX + 1, MGN_QUOTE, g_ws, need, &im, &mm, pim, NULL, NULL, NULL), MGN_ERANGE);
    assert_int_equal(ACC(m, 2, &r, 1, two, 2, 5, g_ws, need, &im, &mm, pim, NULL, NULL, NULL), MGN_EINVAL);
    /* an invalid second rule set of a per-underlying array */
    mgn_std_params rr[2] = { r, r };
    rr[1].reserved = 3;
    assert_int_equal(ACC(m, 2, rr, 2, two, 2, MGN_QUOTE, g_ws, need, &im, &mm, pim, NULL, NULL, NULL), MGN_EINVAL);
    /* the second position invalid: nothing written for the first either */
    two[1].multiplier = NAN;
    assert_int_equal(ACC(m, 2, &r, 1, two, 2, MGN_QUOTE, g_ws, need, &im, &mm, pim, NULL, NULL, NULL), MGN_EINVAL);
    assert_true(im == 42 && mm == 43 && pim[0] == 1 && pim[1] == 2);
    /* n_pos == 0: zero, NULL pointers allowed */
    assert_int_equal(ACC(m, 2, &r, 1, NULL, 0, MGN_QUOTE, NULL, 0, &im, &mm, NULL, NULL, NULL, NULL), MGN_OK);
    assert_true(im == 0 && mm == 0);
#undef ACC
}

/*---------------------------------------------------------------- bad input catalogue */
/* Every argument of every function of this file with the bad values of the catalogue
   (tests/README.md, tests/bad_input.h). */
#include "bad_input.h"

typedef struct {
    int whole;                      /* mgn_std_margin (else mgn_std_position_margin) */
    const mgn_std_params *params;
    size_t n_params;
    int currency;
    void *work;
    size_t work_size;
    int null_im, null_mm;
} bad_std_args;

static int bad_std_run(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                       size_t n_pos, int which, const bad_std_args *a)
{
    double im, mm, pim[BAD_BOOK_MAX], pmm[BAD_BOOK_MAX];
    int strat[BAD_BOOK_MAX], partner[BAD_BOOK_MAX];
    bad_fill(&im, sizeof im);
    bad_fill(&mm, sizeof mm);
    bad_fill(pim, sizeof pim);
    bad_fill(pmm, sizeof pmm);
    bad_fill(strat, sizeof strat);
    bad_fill(partner, sizeof partner);
    double *o_im = a->null_im ? NULL : &im, *o_mm = a->null_mm ? NULL : &mm;
    int st = a->whole
        ? mgn_std_margin(mkt, n_mkt, a->params, a->n_params, pos, n_pos, a->currency, a->work,
                         a->work_size, o_im, o_mm, pim, pmm, strat, partner)
        : mgn_std_position_margin(mkt, n_mkt, a->params, pos ? &pos[which < 0 ? 0 : which] : NULL,
                                  a->currency, o_im, o_mm);
    if (st != MGN_OK) {
        BAD_UNTOUCHED(&im, sizeof im);
        BAD_UNTOUCHED(&mm, sizeof mm);
        BAD_UNTOUCHED(pim, sizeof pim);
        BAD_UNTOUCHED(pmm, sizeof pmm);
        BAD_UNTOUCHED(strat, sizeof strat);
        BAD_UNTOUCHED(partner, sizeof partner);
    }
    return st;
}

static int bad_call_std_book(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                             size_t n_pos, int which, void *ctx)
{
    return bad_std_run(mkt, n_mkt, pos, n_pos, which, ctx);
}

typedef struct {
    bad_std_args a;
    const mgn_market *mkt;
    const mgn_position *pos;
} bad_std_ctx;

static int bad_call_std_params(const void *arg, void *ctx)
{
    bad_std_ctx *c = ctx;
    bad_std_args a = c->a;
    a.params = arg;
    a.n_params = 1;
    return bad_std_run(c->mkt, BAD_NMKT, c->pos, BAD_NPOS, 0, &a);
}

static int bad_call_std_preset(const void *arg, void *ctx)
{
    (void)ctx;
    mgn_std_params p = *(const mgn_std_params *)arg;
    mgn_std_params keep = p;
    int st = mgn_std_preset(MGN_STD_PRESET_DEFAULT, &p);
    if (st != MGN_OK)
        assert_memory_equal(&p, &keep, sizeof p);
    return st;
}

static void test_bad_input_standard(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    mgn_market mk[BAD_NMKT];
    mgn_position pos[BAD_NPOS];
    bad_default_book(mk, pos);
    mgn_std_params rules = preset(MGN_STD_PRESET_CBOE_EQUITY);
    rules.size_im = 0.00005;
    mgn_std_tier tiers[2] = { { 0, 0.02, 0.01, 0 }, { 1000, 0.05, 0.02, 10 } };
    rules.tiers = tiers;
    rules.n_tiers = 2;
    static double work[BAD_BOOK_MAX * 32];
    size_t need;
    assert_int_equal(mgn_std_workspace_size(BAD_NPOS, &need), MGN_OK);
    assert_true(need <= sizeof work);

    static const bad_double bad_frac[] = { BAD_NONFINITE, { "-0.1", -0.1 }, { "1.5", 1.5 } };
    static const bad_int bad_01[] = { { "-1", -1 }, { "2", 2 }, { "INT_MAX", INT_MAX } };
    static const bad_int bad_strat[] = { { "8", 8 }, { "-1", -1 }, { "INT_MIN", INT_MIN } };
    static const bad_int bad_basis[] = { { "-1", -1 }, { "3", 3 }, { "INT_MAX", INT_MAX } };
    static const bad_int bad_reserved[] = { { "1", 1 }, { "-1", -1 } };
    const bad_field fields[] = {
        BAD_DFIELD(mgn_std_params, im_base, BAD_D_NONNEG),
        BAD_DFIELD(mgn_std_params, im_floor, BAD_D_NONNEG),
        BAD_DFIELD(mgn_std_params, mm_base, BAD_D_NONNEG),
        BAD_DFIELD(mgn_std_params, mm_otm, bad_frac),
        BAD_DFIELD(mgn_std_params, mm_floor, BAD_D_NONNEG),
        BAD_DFIELD(mgn_std_params, mm_put_mark, BAD_D_NONNEG),
        BAD_DFIELD(mgn_std_params, long_im, bad_frac),
        BAD_DFIELD(mgn_std_params, long_mm, bad_frac),
        BAD_DFIELD(mgn_std_params, long_dated_expiry, BAD_D_NONNEG),
        BAD_DFIELD(mgn_std_params, long_dated_im, bad_frac),
        BAD_DFIELD(mgn_std_params, long_dated_mm, bad_frac),
        BAD_DFIELD(mgn_std_params, size_im, BAD_D_NONNEG),
        BAD_DFIELD(mgn_std_params, size_mm, BAD_D_NONNEG),
        BAD_IFIELD(mgn_std_params, put_floor_on_strike, bad_01),
        BAD_IFIELD(mgn_std_params, strategies, bad_strat),
        BAD_IFIELD(mgn_std_params, tier_basis, bad_basis),
        BAD_IFIELD(mgn_std_params, reserved, bad_reserved),
    };
    for (int whole = 0; whole < 2; whole++) {
        const char *fn = whole ? "mgn_std_margin" : "mgn_std_position_margin";
        const bad_std_args good = { whole, &rules, 1, MGN_QUOTE, work, sizeof work, 0, 0 };
        bad_std_args a = good;
        const char *pos_arg = whole ? "pos[]" : "pos->";
        bad_book_mutations_except(fn, "mkt[]", pos_arg, bad_call_std_book, &a, mk, BAD_NMKT, pos,
                                  BAD_NPOS, 0, 1, "entry_price 0 (future)");
        /* the entry price of a future does not enter its margin: 0 is accepted */
        {
            mgn_position p0[BAD_NPOS];
            memcpy(p0, pos, sizeof p0);
            p0[1].entry_price = 0;
            BAD_STATUS_NOTE(fn, whole ? "pos[].entry_price" : "pos->entry_price", "0 (future)", MGN_OK,
                            "documented: only entry_price < 0 is invalid",
                            bad_std_run(mk, BAD_NMKT, p0, BAD_NPOS, 1, &a));
        }
        BAD_STATUS(fn, "mkt", "NULL", MGN_EINVAL, bad_std_run(NULL, BAD_NMKT, pos, BAD_NPOS, 0, &a));
        BAD_STATUS(fn, "n_mkt", "0", MGN_ERANGE, bad_std_run(mk, 0, pos, BAD_NPOS, 0, &a));
        for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
            BAD_STATUS(fn, "n_mkt", BAD_SIZES[s].label, MGN_ERANGE,
                       bad_std_run(mk, BAD_SIZES[s].v, pos, BAD_NPOS, 0, &a));
        a.params = NULL;
        BAD_STATUS(fn, "params", "NULL", MGN_EINVAL, bad_std_run(mk, BAD_NMKT, pos, BAD_NPOS, 0, &a));
        a = good;
        bad_std_ctx c = { good, mk, pos };
        bad_struct_fields(fn, whole ? "params[]." : "params->", &rules, sizeof rules, fields,
                          bad_call_std_params, &c);
        const char *pa = whole ? "params[]." : "params->";
        char name[64];
        /* long_mm above long_im, long_dated_mm above long_dated_im */
        {
            mgn_std_params r = rules;
            r.long_im = 0.5;
            r.long_mm = 0.6;
            snprintf(name, sizeof name, "%slong_mm", pa);
            BAD_STATUS(fn, name, "0.6 > long_im 0.5", MGN_EINVAL, bad_call_std_params(&r, &c));
            r = rules;
            r.long_dated_im = 0.5;
            r.long_dated_mm = 0.6;
            snprintf(name, sizeof name, "%slong_dated_mm", pa);
            BAD_STATUS(fn, name, "0.6 > long_dated_im 0.5", MGN_EINVAL, bad_call_std_params(&r, &c));
        }
        /* struct_size */
        static const bad_size bad_ss[] = { { "0", 0 }, { "sizeof - 8", sizeof(mgn_std_params) - 8 },
                                           { "sizeof + 8", sizeof(mgn_std_params) + 8 },
                                           { "SIZE_MAX", SIZE_MAX } };
        for (size_t k = 0; k < BAD_N(bad_ss); k++) {
            mgn_std_params r = rules;
            r.struct_size = bad_ss[k].v;
            snprintf(name, sizeof name, "%sstruct_size", pa);
            BAD_STATUS(fn, name, bad_ss[k].label, MGN_EINVAL, bad_call_std_params(&r, &c));
        }
        /* the tier table */
        static const bad_size bad_nt[] = { { "0", 0 }, { "MGN_STD_MAX_TIERS+1", MGN_STD_MAX_TIERS + 1 },
                                           { "SIZE_MAX", SIZE_MAX } };
        for (size_t k = 0; k < BAD_N(bad_nt); k++) {
            mgn_std_params r = rules;
            r.n_tiers = bad_nt[k].v;
            snprintf(name, sizeof name, "%sn_tiers", pa);
            BAD_STATUS(fn, name, bad_nt[k].label, MGN_ERANGE, bad_call_std_params(&r, &c));
        }
        {
            mgn_std_params r = rules;
            r.tiers = NULL;
            snprintf(name, sizeof name, "%stiers", pa);
            BAD_STATUS(fn, name, "NULL (n_tiers = 2)", MGN_EINVAL, bad_call_std_params(&r, &c));
        }
        static const struct { const char *field; const char *label; int tier, f; double v; } tm[] = {
            { "floor", "NaN", 1, 0, NAN }, { "floor", "+inf", 1, 0, INFINITY },
            { "floor", "-1", 1, 0, -1 }, { "floor", "1 (first tier)", 0, 0, 1 },
            { "floor", "0 (not increasing)", 1, 0, 0 },
            { "im_rate", "NaN", 0, 1, NAN }, { "im_rate", "-0.1", 1, 1, -0.1 },
            { "im_rate", "1.5", 1, 1, 1.5 }, { "im_rate", "0.015 (decreasing)", 1, 1, 0.015 },
            { "mm_rate", "NaN", 0, 2, NAN }, { "mm_rate", "-0.1", 0, 2, -0.1 },
            { "mm_rate", "0.03 (> im_rate)", 0, 2, 0.03 }, { "mm_rate", "0.005 (decreasing)", 1, 2, 0.005 },
            { "mm_amount", "NaN", 1, 3, NAN }, { "mm_amount", "-1", 1, 3, -1 },
            { "mm_amount", "1 (first tier)", 0, 3, 1 },
            { "mm_amount", "100 (MM falls into the tier)", 1, 3, 100 },
        };
        for (size_t k = 0; k < BAD_N(tm); k++) {
            mgn_std_tier t2[2];
            memcpy(t2, tiers, sizeof t2);
            double *slot[4] = { &t2[tm[k].tier].floor, &t2[tm[k].tier].im_rate,
                                &t2[tm[k].tier].mm_rate, &t2[tm[k].tier].mm_amount };
            *slot[tm[k].f] = tm[k].v;
            mgn_std_params r = rules;
            r.tiers = t2;
            snprintf(name, sizeof name, "%stiers[].%s", pa, tm[k].field);
            BAD_STATUS(fn, name, tm[k].label, MGN_EINVAL, bad_call_std_params(&r, &c));
        }
        a = good;
        for (size_t k = 0; k < BAD_N(BAD_CURRENCY); k++) {
            a.currency = BAD_CURRENCY[k].v;
            BAD_STATUS(fn, "currency", BAD_CURRENCY[k].label, MGN_EINVAL,
                       bad_std_run(mk, BAD_NMKT, pos, BAD_NPOS, 0, &a));
        }
        a = good;
        a.null_im = 1;
        BAD_STATUS(fn, "im", "NULL", MGN_EINVAL, bad_std_run(mk, BAD_NMKT, pos, BAD_NPOS, 0, &a));
        a = good;
        a.null_mm = 1;
        BAD_STATUS(fn, "mm", "NULL", MGN_EINVAL, bad_std_run(mk, BAD_NMKT, pos, BAD_NPOS, 0, &a));
        a = good;
        if (!whole) {
            BAD_STATUS(fn, "pos", "NULL", MGN_EINVAL, bad_std_run(mk, BAD_NMKT, NULL, 0, -1, &a));
            continue;
        }
        /* mgn_std_margin only */
        BAD_STATUS(fn, "pos", "NULL (n_pos = 3)", MGN_EINVAL, bad_std_run(mk, BAD_NMKT, NULL, BAD_NPOS, 0, &a));
        for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
            BAD_STATUS(fn, "n_pos", BAD_SIZES[s].label, MGN_ERANGE,
                       bad_std_run(mk, BAD_NMKT, pos, BAD_SIZES[s].v, 0, &a));
        static const bad_size bad_np[] = { { "0", 0 }, { "3 (neither 1 nor n_mkt)", 3 },
                                           { "SIZE_MAX", SIZE_MAX } };
        mgn_std_params two[2] = { rules, rules };
        a.params = two;
        for (size_t k = 0; k < BAD_N(bad_np); k++) {
            a.n_params = bad_np[k].v;
            BAD_STATUS(fn, "n_params", bad_np[k].label, MGN_EINVAL, bad_std_run(mk, BAD_NMKT, pos, BAD_NPOS, 0, &a));
        }
        a = good;
        a.work = NULL;
        BAD_STATUS(fn, "work", "NULL (n_pos = 3)", MGN_EINVAL, bad_std_run(mk, BAD_NMKT, pos, BAD_NPOS, 0, &a));
        a.work = (char *)work + 1;
        BAD_STATUS(fn, "work", "misaligned (work + 1 byte)", MGN_EINVAL, bad_std_run(mk, BAD_NMKT, pos, BAD_NPOS, 0, &a));
        a = good;
        static const bad_size bad_ws[] = { { "0", 0 }, { "need - 1", 0 } };
        for (size_t k = 0; k < BAD_N(bad_ws); k++) {
            a.work_size = k ? need - 1 : 0;
            BAD_STATUS(fn, "work_size", bad_ws[k].label, MGN_ENOMEM, bad_std_run(mk, BAD_NMKT, pos, BAD_NPOS, 0, &a));
        }
    }
    /* mgn_std_preset */
    {
        const char *fn = "mgn_std_preset";
        mgn_std_params p;
        memset(&p, 0, sizeof p);
        p.struct_size = sizeof p;
        static const bad_int bad_preset[] = { { "-1", -1 }, { "7", 7 }, { "INT_MAX", INT_MAX }, { "INT_MIN", INT_MIN } };
        for (size_t k = 0; k < BAD_N(bad_preset); k++) {
            mgn_std_params q = p;
            BAD_STATUS(fn, "preset", bad_preset[k].label, MGN_EINVAL, mgn_std_preset(bad_preset[k].v, &q));
            assert_memory_equal(&q, &p, sizeof p);
        }
        BAD_STATUS(fn, "out", "NULL", MGN_EINVAL, mgn_std_preset(MGN_STD_PRESET_DEFAULT, NULL));
        static const bad_size bad_ss[] = { { "0", 0 }, { "sizeof - 8", sizeof(mgn_std_params) - 8 },
                                           { "sizeof + 8", sizeof(mgn_std_params) + 8 },
                                           { "SIZE_MAX", SIZE_MAX } };
        for (size_t k = 0; k < BAD_N(bad_ss); k++) {
            mgn_std_params q = p;
            q.struct_size = bad_ss[k].v;
            BAD_STATUS(fn, "out->struct_size", bad_ss[k].label, MGN_EINVAL, bad_call_std_preset(&q, NULL));
        }
    }
    /* mgn_std_workspace_size */
    {
        const char *fn = "mgn_std_workspace_size";
        size_t b;
        BAD_STATUS(fn, "bytes", "NULL", MGN_EINVAL, mgn_std_workspace_size(3, NULL));
        for (size_t s = 0; s < BAD_N(BAD_SIZES); s++) {
            bad_fill(&b, sizeof b);
            BAD_STATUS(fn, "n_pos", BAD_SIZES[s].label, MGN_ERANGE, mgn_std_workspace_size(BAD_SIZES[s].v, &b));
            BAD_UNTOUCHED(&b, sizeof b);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published),
        cmocka_unit_test(test_presets),
        cmocka_unit_test(test_option_rules),
        cmocka_unit_test(test_american),
        cmocka_unit_test(test_invariants),
        cmocka_unit_test(test_inverse_linear),
        cmocka_unit_test(test_currency),
        cmocka_unit_test(test_vertical),
        cmocka_unit_test(test_calendar_straddle_covered),
        cmocka_unit_test(test_position_formula_random),
        cmocka_unit_test(test_account_random),
        cmocka_unit_test(test_pairing_per_underlying),
        cmocka_unit_test(test_coin_of_subnormal_spot),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_bad_input_standard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
