/* Tests of lib/portfolio.c: validation, mark-to-market value, net Greeks.
 *
 * References: explicit formulas for each instrument's value (tests/margin_ref.h);
 * every net Greek against central finite differences of mgn_portfolio_value itself
 * (spot, every vol, every expiry bumped); coin Greeks against differences of the
 * value in coin; per-position Greeks summing to the net ones.
 */
#include <float.h>
#include <stdint.h>
#include "margin_ref.h"

static const mgn_market MK[2] = { { 40000, 0.04, 0.01 }, { 150, 0.02, 0.0 } };

static void test_value(void **state)
{
    (void)state;
    mgn_position pos[5] = { ref_option(0, MGN_CALL, MGN_INVERSE, MGN_EUROPEAN, -3, 1, 42000, 0.25, 0.7),
                            ref_option(1, MGN_PUT, MGN_LINEAR, MGN_EUROPEAN, 10, 100, 140, 0.5, 0.3),
                            ref_future(0, MGN_INVERSE, 50, 10, 0.5, 39000),
                            ref_future(1, MGN_LINEAR, -2, 50, 0.25, 151),
                            ref_perp(0, MGN_LINEAR, 0.5, 1, 41000) };
    double c, p;
    mgn_bs_price(MGN_CALL, 40000, 42000, 0.25, 0.04, 0.01, 0.7, &c);
    mgn_bs_price(MGN_PUT, 150, 140, 0.5, 0.02, 0, 0.3, &p);
    double F0 = 40000 * exp(0.03 * 0.5), F1 = 150 * exp(0.02 * 0.25);
    double coin0 = -3 * c / 40000 + 500 * (1 / 39000.0 - 1 / F0);
    double quote = 1000 * p - 100 * (F1 - 151) + 0.5 * (40000 - 41000);
    double v;
    assert_int_equal(mgn_portfolio_value(MK, 2, pos, 5, MGN_QUOTE, &v), MGN_OK);
    assert_close(v, quote + coin0 * 40000, 1e-13, 1e-9);
    assert_int_equal(mgn_portfolio_value(MK, 2, pos, 5, 0, &v), MGN_OK);
    assert_close(v, coin0 + quote / 40000, 1e-13, 1e-14);
    assert_int_equal(mgn_portfolio_value(MK, 2, pos, 5, 1, &v), MGN_OK);
    assert_close(v, (quote + coin0 * 40000) / 150, 1e-13, 1e-12);
    /* inverse future alone: q m (1/entry - 1/F) */
    assert_int_equal(mgn_portfolio_value(MK, 2, &pos[2], 1, 0, &v), MGN_OK);
    assert_close(v, 500 * (1 / 39000.0 - 1 / F0), 1e-14, 0);
    assert_int_equal(mgn_portfolio_value(MK, 2, NULL, 0, MGN_QUOTE, &v), MGN_OK);
    assert_true(v == 0);
}

/* Value in `cur` of the positions on u, with spot, vols and expiries bumped. */
static double value_bumped(const mgn_position *pos, size_t n, int u, double dS, double dv,
                           double dT, int cur)
{
    mgn_market m[2] = { MK[0], MK[1] };
    m[u].spot += dS;
    mgn_position b[64];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (pos[i].underlying != u)
            continue;
        b[k] = pos[i];
        if (b[k].instrument == MGN_OPTION)
            b[k].vol += dv;
        if (b[k].instrument != MGN_PERPETUAL)
            b[k].expiry += dT;
        k++;
    }
    double v;
    assert_int_equal(mgn_portfolio_value(m, 2, b, k, cur, &v), MGN_OK);
    return v;
}

static void test_greeks_fd(void **state)
{
    (void)state;
    mgn_test_rng g = { 4 };
    mgn_position pos[40];
    for (int rep = 0; rep < 5; rep++) {
        ref_random_book(&g, MK, 2, pos, 40, 0);   /* European: closed-form Greeks */
        for (int i = 0; i < 40; i++)
            if (pos[i].expiry < 0.02)
                pos[i].expiry = 0.02;   /* keep the T bumps inside the domain */
        mgn_net_greeks out[2], one, sum[2];
        memset(sum, 0, sizeof sum);
        assert_int_equal(mgn_portfolio_greeks(MK, 2, pos, 40, out), MGN_OK);
        for (int i = 0; i < 40; i++) {
            assert_int_equal(mgn_position_greeks(MK, 2, &pos[i], &one), MGN_OK);
            mgn_net_greeks *s = &sum[pos[i].underlying];
            s->value += one.value; s->delta += one.delta; s->gamma += one.gamma;
            s->vega += one.vega; s->theta += one.theta; s->delta_coin += one.delta_coin;
        }
        for (int u = 0; u < 2; u++) {
            double S = MK[u].spot, h = 1e-4 * S, hv = 1e-5, hT = 1e-6;
            double scale = 0;
            for (int i = 0; i < 40; i++)
                if (pos[i].underlying == u)
                    scale += fabs(pos[i].quantity * pos[i].multiplier) * S;
            double vq = value_bumped(pos, 40, u, 0, 0, 0, MGN_QUOTE);
            assert_close(out[u].value, vq, 1e-12, 1e-12 * scale);
            double up = value_bumped(pos, 40, u, h, 0, 0, MGN_QUOTE), dn = value_bumped(pos, 40, u, -h, 0, 0, MGN_QUOTE);
            assert_close(out[u].delta, (up - dn) / (2 * h), 1e-5, 1e-7 * scale / S);
            assert_close(out[u].gamma, (up - 2 * vq + dn) / (h * h), 1e-3, 1e-5 * scale / (S * S));
            double vu = value_bumped(pos, 40, u, 0, hv, 0, MGN_QUOTE), vd = value_bumped(pos, 40, u, 0, -hv, 0, MGN_QUOTE);
            assert_close(out[u].vega, (vu - vd) / (2 * hv), 1e-4, 1e-7 * scale);
            double tu = value_bumped(pos, 40, u, 0, 0, hT, MGN_QUOTE), td = value_bumped(pos, 40, u, 0, 0, -hT, MGN_QUOTE);
            assert_close(out[u].theta, -(tu - td) / (2 * hT), 1e-3, 1e-5 * scale);
            /* coin terms: derivatives of the value in coin of u */
            double cq = value_bumped(pos, 40, u, 0, 0, 0, u);
            double cu = value_bumped(pos, 40, u, h, 0, 0, u), cd = value_bumped(pos, 40, u, -h, 0, 0, u);
            assert_close(out[u].value_coin, cq, 1e-12, 1e-12 * scale / S);
            assert_close(out[u].delta_coin, (cu - cd) / (2 * h), 1e-5, 1e-7 * scale / (S * S));
            assert_close(out[u].gamma_coin, (cu - 2 * cq + cd) / (h * h), 1e-3, 1e-5 * scale / (S * S * S));
            assert_close(out[u].vega_coin, out[u].vega / S, 1e-14, 0);
            assert_close(out[u].theta_coin, out[u].theta / S, 1e-14, 0);
            /* per-position Greeks add up */
            assert_close(sum[u].value, out[u].value, 1e-12, 1e-12 * scale);
            assert_close(sum[u].delta, out[u].delta, 1e-12, 1e-12 * scale / S);
            assert_close(sum[u].gamma, out[u].gamma, 1e-12, 1e-12 * scale / (S * S));
            assert_close(sum[u].vega, out[u].vega, 1e-12, 1e-12 * scale);
            assert_close(sum[u].theta, out[u].theta, 1e-12, 1e-12 * scale);
        }
    }
}

/* American options: central differences of mgn_american_price with the library's own
   steps (1e-3 S, 1e-3 vol, 1e-3 T) computed here independently. */
static void test_american_greeks(void **state)
{
    (void)state;
    mgn_market m = { 100, 0.05, 0.0 };
    mgn_position p = ref_option(0, MGN_PUT, MGN_LINEAR, MGN_AMERICAN, -3, 10, 105, 0.5, 0.3);
    mgn_net_greeks g;
    assert_int_equal(mgn_position_greeks(&m, 1, &p, &g), MGN_OK);
    double v0, vu, vd;
#define AP(S_, v_, T_, out) assert_int_equal(mgn_american_price(MGN_PUT, (S_), 105, (T_), 0.05, 0, (v_), (out)), MGN_OK)
    AP(100, 0.3, 0.5, &v0);
    AP(100.1, 0.3, 0.5, &vu);
    AP(99.9, 0.3, 0.5, &vd);
    assert_close(g.value, -30 * v0, 1e-14, 0);
    assert_close(g.delta, -30 * (vu - vd) / 0.2, 1e-9, 1e-12);
    assert_close(g.gamma, -30 * (vu - 2 * v0 + vd) / 0.01, 1e-6, 1e-9);
    AP(100, 0.301, 0.5, &vu);
    AP(100, 0.299, 0.5, &vd);
    assert_close(g.vega, -30 * (vu - vd) / 0.002, 1e-9, 1e-12);
    AP(100, 0.3, 0.5005, &vu);
    AP(100, 0.3, 0.4995, &vd);
    assert_close(g.theta, 30 * (vu - vd) / 0.001, 1e-9, 1e-12);
#undef AP
    /* an American put is worth at least the European one, and its delta is negative */
    mgn_position e = p;
    e.exercise = MGN_EUROPEAN;
    mgn_net_greeks ge;
    assert_int_equal(mgn_position_greeks(&m, 1, &e, &ge), MGN_OK);
    assert_true(g.value <= ge.value + 1e-9);   /* short: more negative */
    assert_true(g.delta > 0);                  /* short put */
}

static void test_delta_one_greeks(void **state)
{
    (void)state;
    /* inverse perpetual: W_q = q m (S/E - 1): delta = q m / E; coin delta = q m / S^2 */
    mgn_position p = ref_perp(0, MGN_INVERSE, 7, 100, 38000);
    mgn_net_greeks g;
    assert_int_equal(mgn_position_greeks(MK, 2, &p, &g), MGN_OK);
    assert_close(g.delta, 700 / 38000.0, 1e-15, 0);
    assert_close(g.delta_coin, 700 / (40000.0 * 40000.0), 1e-14, 0);
    assert_close(g.gamma, 0, 0, 0);
    /* linear future: delta e^{(r-q)T}, theta -q m S (r-q) e^{(r-q)T} */
    mgn_position f = ref_future(1, MGN_LINEAR, 3, 10, 0.5, 149);
    assert_int_equal(mgn_position_greeks(MK, 2, &f, &g), MGN_OK);
    assert_close(g.delta, 30 * exp(0.01), 1e-15, 0);
    assert_close(g.theta, -30 * 150 * 0.02 * exp(0.01), 1e-14, 0);
    /* an expired option: the T == 0 convention */
    mgn_position o = ref_option(1, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 2, 1, 150, 0, 0.5);
    assert_int_equal(mgn_position_greeks(MK, 2, &o, &g), MGN_OK);
    assert_close(g.delta, 1.0, 0, 0);
    /* sigma == 0 at F == K: gamma unbounded, MGN_ERANGE and nothing written */
    mgn_market m0 = { 100, 0, 0 };
    mgn_position z = ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 1, 1, 100, 0.5, 0);
    g.delta = 42;
    assert_int_equal(mgn_position_greeks(&m0, 1, &z, &g), MGN_ERANGE);
    assert_true(g.delta == 42);
}

/* American options at expiry (the payoff and its T == 0 delta convention) and with a
   vol below the 1e-3 step (vega by a one-sided difference). */
static void test_american_edge_greeks(void **state)
{
    (void)state;
    mgn_market m = { 100, 0.05, 0.0 };
    mgn_net_greeks g;
    /* put, 2 contracts x 10: in, at and out of the money at T == 0 */
    double K[3] = { 110, 100, 90 }, want_v[3] = { 10, 0, 0 }, want_d[3] = { -1, -0.5, 0 };
    for (int k = 0; k < 3; k++) {
        mgn_position p = ref_option(0, MGN_PUT, MGN_LINEAR, MGN_AMERICAN, 2, 10, K[k], 0, 0.3);
        assert_int_equal(mgn_position_greeks(&m, 1, &p, &g), MGN_OK);
        assert_close(g.value, 20 * want_v[k], 0, 0);
        assert_close(g.delta, 20 * want_d[k], 0, 0);
        assert_true(g.gamma == 0 && g.vega == 0 && g.theta == 0);
    }
    /* call in the money at expiry: delta +1 per unit */
    mgn_position c = ref_option(0, MGN_CALL, MGN_LINEAR, MGN_AMERICAN, 1, 1, 95, 0, 0.3);
    assert_int_equal(mgn_position_greeks(&m, 1, &c, &g), MGN_OK);
    assert_close(g.value, 5, 0, 0);
    assert_close(g.delta, 1, 0, 0);
    /* vol 5e-4 < 1e-3: vega = (V(sigma + 1e-3) - V(sigma)) / 1e-3 */
    mgn_position p = ref_option(0, MGN_PUT, MGN_LINEAR, MGN_AMERICAN, 1, 1, 100, 0.5, 5e-4);
    m.rate = 0.0;   /* no drift: the value is all time value, smooth in sigma */
    assert_int_equal(mgn_position_greeks(&m, 1, &p, &g), MGN_OK);
    double v0, vu;
    assert_int_equal(mgn_american_price(MGN_PUT, 100, 100, 0.5, 0, 0, 5e-4, &v0), MGN_OK);
    assert_int_equal(mgn_american_price(MGN_PUT, 100, 100, 0.5, 0, 0, 1.5e-3, &vu), MGN_OK);
    assert_close(g.value, v0, 1e-14, 0);
    assert_close(g.vega, (vu - v0) / 1e-3, 1e-9, 1e-12);
    /* ATM vega ~ S sqrt(T / (2 pi)) for small vol */
    assert_close(g.vega, 100 * sqrt(0.5 / (2 * 3.141592653589793)), 1e-3, 0);
}

/* Values that overflow: MGN_ERANGE and nothing written. A carry of -1 over 1000
   years makes the forward e^1000 times the spot. */
static void test_overflow(void **state)
{
    (void)state;
    mgn_market m = { 100, 0.0, -1.0 };
    mgn_position pos[3] = { ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 1, 1, 100, 1000, 0.3),
                            ref_option(0, MGN_CALL, MGN_LINEAR, MGN_AMERICAN, 1, 1, 100, 1000, 0.3),
                            ref_future(0, MGN_LINEAR, 1, 1, 1000, 100) };
    for (int k = 0; k < 3; k++) {
        double v = 42;
        mgn_net_greeks g[1];
        g[0].delta = 42;
        int st = mgn_portfolio_value(&m, 1, &pos[k], 1, MGN_QUOTE, &v);
        assert_true(st == MGN_ERANGE || (k == 1 && st != MGN_OK));
        assert_true(v == 42);
        st = mgn_position_greeks(&m, 1, &pos[k], g);
        assert_true(st == MGN_ERANGE || (k == 1 && st != MGN_OK));
        st = mgn_portfolio_greeks(&m, 1, &pos[k], 1, g);
        assert_true(st == MGN_ERANGE || (k == 1 && st != MGN_OK));
        assert_true(g[0].delta == 42);
    }
    /* a finite value whose size overflows once multiplied out */
    mgn_market m1 = { 1e300, 0, 0 };
    mgn_position big = ref_perp(0, MGN_LINEAR, 1e10, 1, 1);
    double v = 42;
    assert_int_equal(mgn_portfolio_value(&m1, 1, &big, 1, MGN_QUOTE, &v), MGN_ERANGE);
    assert_true(v == 42);
    mgn_net_greeks g[40];
    g[0].delta = 42;
    assert_int_equal(mgn_position_greeks(&m1, 1, &big, g), MGN_ERANGE);
    assert_int_equal(mgn_portfolio_greeks(&m1, 1, &big, 1, g), MGN_ERANGE);
    /* the same among 40 underlyings (the two-pass path): nothing written */
    mgn_market many[40];
    for (int k = 0; k < 40; k++)
        many[k] = (mgn_market){ 10.0 + k, 0, 0 };
    many[35].spot = 1e300;
    big.underlying = 35;
    assert_int_equal(mgn_portfolio_greeks(many, 40, &big, 1, g), MGN_ERANGE);
    assert_true(g[0].delta == 42);
    many[35].spot = -1;
    assert_int_equal(mgn_position_greeks(many, 40, &big, g), MGN_EINVAL);
    assert_true(g[0].delta == 42);
}

/* American Greeks by bumped prices at the edge of the double range: a value that is
   finite while a bumped one overflows is MGN_ERANGE with nothing written; a T so
   large that T + h overflows gets the one-sided theta. */
static void test_american_bump_edges(void **state)
{
    (void)state;
    mgn_net_greeks g;
    double v;
    /* put, r = q = -1: value 1e300 e^19 (2 N(-d2) - N(-d1) / 2) ~ 1.2e308; at
       T (1 + 1e-3) the discounted strike 1e300 e^19.019 overflows */
    mgn_market mt = { 0.5e300, -1.0, -1.0 };
    mgn_position pt = ref_option(0, MGN_PUT, MGN_LINEAR, MGN_AMERICAN, 1, 1, 1e300, 19, 0.3);
    assert_int_equal(mgn_portfolio_value(&mt, 1, &pt, 1, MGN_QUOTE, &v), MGN_OK);
    assert_true(isfinite(v) && v > 1e308);
    g.delta = 42;
    assert_int_equal(mgn_position_greeks(&mt, 1, &pt, &g), MGN_ERANGE);
    assert_true(g.delta == 42);
    /* inverse put, S = 0.25, K = 0.5, r = q = -1, T = 709.36: value in coin
       e^709.36 (2 N(-d2) - N(-d1)) = 1.791e308 at sigma 0.07, beyond DBL_MAX at
       sigma + 1e-3 (the spot bumps stay below it) */
    mgn_market ms = { 0.25, -1.0, -1.0 };
    mgn_position ps = ref_option(0, MGN_PUT, MGN_INVERSE, MGN_AMERICAN, 1, 1, 0.5, 709.36, 0.07);
    assert_int_equal(mgn_portfolio_value(&ms, 1, &ps, 1, 0, &v), MGN_OK);
    assert_true(v > 1.78e308 && v < 1.797e308);
    ps.vol = 0.071;
    assert_int_equal(mgn_portfolio_value(&ms, 1, &ps, 1, 0, &v), MGN_ERANGE);
    ps.vol = 0.07;
    g.delta = 42;
    assert_int_equal(mgn_position_greeks(&ms, 1, &ps, &g), MGN_ERANGE);
    assert_true(g.delta == 42);
    /* T = DBL_MAX, r = q = 0: the put is worth K (N(-d2) = 1, N(-d1) = 0) at T and
       T - 1e-3 T, so the one-sided theta is 0, and so are delta, gamma and vega */
    mgn_market m0 = { 100, 0, 0 };
    mgn_position p0 = ref_option(0, MGN_PUT, MGN_LINEAR, MGN_AMERICAN, 1, 1, 100, DBL_MAX, 0.3);
    assert_int_equal(mgn_position_greeks(&m0, 1, &p0, &g), MGN_OK);
    assert_true(g.value == 100);
    assert_true(g.delta == 0 && g.gamma == 0 && g.vega == 0 && g.theta == 0);
}

static void test_check_and_bad_input(void **state)
{
    (void)state;
    mgn_position pos[3] = { ref_option(0, MGN_CALL, MGN_INVERSE, MGN_EUROPEAN, -3, 1, 42000, 0.25, 0.7),
                            ref_future(1, MGN_LINEAR, -2, 50, 0.25, 151),
                            ref_perp(0, MGN_LINEAR, 1, 1, 41000) };
    size_t bad = 99;
    assert_int_equal(mgn_portfolio_check(MK, 2, pos, 3, &bad), MGN_OK);
    assert_true(bad == 99);
    pos[2].entry_price = 0;
    assert_int_equal(mgn_portfolio_check(MK, 2, pos, 3, &bad), MGN_EINVAL);
    assert_true(bad == 2);
    assert_int_equal(mgn_portfolio_check(MK, 2, pos, 3, NULL), MGN_EINVAL);
    pos[2].entry_price = 41000;
    pos[1].reserved = 1;
    assert_int_equal(mgn_portfolio_check(MK, 2, pos, 3, &bad), MGN_EINVAL);
    assert_true(bad == 1);
    pos[1].reserved = 0;
    assert_int_equal(mgn_portfolio_check(NULL, 2, pos, 3, &bad), MGN_EINVAL);
    assert_int_equal(mgn_portfolio_check(MK, 2, NULL, 3, &bad), MGN_EINVAL);
    assert_int_equal(mgn_portfolio_check(MK, 2, NULL, 0, &bad), MGN_OK);
    assert_int_equal(mgn_portfolio_check(MK, (size_t)INT32_MAX + 1, pos, 3, &bad), MGN_ERANGE);

    double v = 42;
    mgn_net_greeks g[2];
    g[0].delta = 42;
    assert_int_equal(mgn_portfolio_value(MK, 2, pos, 3, MGN_QUOTE, NULL), MGN_EINVAL);
    assert_int_equal(mgn_portfolio_value(MK, 2, pos, 3, 2, &v), MGN_EINVAL);
    assert_int_equal(mgn_portfolio_value(MK, 2, pos, 3, -2, &v), MGN_EINVAL);
    assert_int_equal(mgn_portfolio_value(MK, 2, NULL, 3, -1, &v), MGN_EINVAL);
    assert_int_equal(mgn_portfolio_greeks(MK, 2, pos, 3, NULL), MGN_EINVAL);
    assert_int_equal(mgn_position_greeks(MK, 2, NULL, g), MGN_EINVAL);
    assert_int_equal(mgn_position_greeks(MK, 2, pos, NULL), MGN_EINVAL);
    for (int k = 0; k < 3; k++) {
        mgn_position b[3] = { pos[0], pos[1], pos[2] };
        b[k].quantity = mgn_test_nonfinite[k];
        assert_int_equal(mgn_portfolio_value(MK, 2, b, 3, -1, &v), MGN_EINVAL);
        assert_int_equal(mgn_portfolio_greeks(MK, 2, b, 3, g), MGN_EINVAL);
        assert_int_equal(mgn_position_greeks(MK, 2, &b[k], g), MGN_EINVAL);
        mgn_market bm[2] = { MK[0], MK[1] };
        bm[1].spot = mgn_test_nonfinite[k];
        assert_int_equal(mgn_portfolio_value(bm, 2, pos, 3, -1, &v), MGN_EINVAL);
        assert_int_equal(mgn_portfolio_greeks(bm, 2, pos, 3, g), MGN_EINVAL);
    }
    mgn_position b = pos[0];
    b.underlying = 5;
    assert_int_equal(mgn_position_greeks(MK, 2, &b, g), MGN_EINVAL);
    assert_true(v == 42 && g[0].delta == 42);
    /* many underlyings (the two-pass path) */
    static mgn_market mm[70];
    static mgn_position pp[70];
    static mgn_net_greeks go[70];
    for (int k = 0; k < 70; k++) {
        mm[k] = (mgn_market){ 10.0 + k, 0.01, 0 };
        pp[k] = ref_perp(k, MGN_LINEAR, k, 1, 10);
    }
    assert_int_equal(mgn_portfolio_greeks(mm, 70, pp, 70, go), MGN_OK);
    for (int k = 0; k < 70; k++)
        assert_close(go[k].delta, k, 0, 0);
    assert_true(mgn_sizeof_market() == sizeof(mgn_market));
    assert_true(mgn_sizeof_position() == sizeof(mgn_position));
    assert_true(mgn_sizeof_shock() == sizeof(mgn_shock));
    assert_true(mgn_sizeof_net_greeks() == sizeof(mgn_net_greeks));
}

/*---------------------------------------------------------------- bad input catalogue */
/* Every argument of every function of this file with the bad values of the catalogue
   (tests/README.md, tests/bad_input.h). */
#include "bad_input.h"

static int bad_call_check(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                          size_t n_pos, int which, void *ctx)
{
    (void)ctx;
    size_t first_bad;
    bad_fill(&first_bad, sizeof first_bad);
    int st = mgn_portfolio_check(mkt, n_mkt, pos, n_pos, &first_bad);
    if (st != MGN_OK && which >= 0)
        assert_int_equal(first_bad, (size_t)which);   /* names the bad position */
    if (st != MGN_OK && which < 0)
        BAD_UNTOUCHED(&first_bad, sizeof first_bad);
    return st;
}

static int bad_call_value(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                          size_t n_pos, int which, void *ctx)
{
    (void)which; (void)ctx;
    double v;
    bad_fill(&v, sizeof v);
    int st = mgn_portfolio_value(mkt, n_mkt, pos, n_pos, MGN_QUOTE, &v);
    if (st != MGN_OK)
        BAD_UNTOUCHED(&v, sizeof v);
    return st;
}

static int bad_call_position_greeks(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                                    size_t n_pos, int which, void *ctx)
{
    (void)n_pos; (void)ctx;
    mgn_net_greeks g;
    bad_fill(&g, sizeof g);
    int st = mgn_position_greeks(mkt, n_mkt, &pos[which < 0 ? 0 : which], &g);
    if (st != MGN_OK)
        BAD_UNTOUCHED(&g, sizeof g);
    return st;
}

static int bad_call_portfolio_greeks(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                                     size_t n_pos, int which, void *ctx)
{
    (void)which; (void)ctx;
    mgn_net_greeks g[BAD_BOOK_MAX];
    bad_fill(g, sizeof g);
    int st = mgn_portfolio_greeks(mkt, n_mkt, pos, n_pos, g);
    if (st != MGN_OK)
        BAD_UNTOUCHED(g, sizeof g);
    return st;
}

static void test_bad_input_portfolio(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    mgn_market mk[BAD_NMKT];
    mgn_position pos[BAD_NPOS];
    bad_default_book(mk, pos);
    static const struct { const char *fn; bad_book_call call; } fns[] = {
        { "mgn_portfolio_check", bad_call_check },
        { "mgn_portfolio_value", bad_call_value },
        { "mgn_position_greeks", bad_call_position_greeks },
        { "mgn_portfolio_greeks", bad_call_portfolio_greeks },
    };
    for (size_t f = 0; f < BAD_N(fns); f++) {
        const char *fn = fns[f].fn;
        int single = fns[f].call == bad_call_position_greeks;
        bad_book_mutations(fn, "mkt[]", single ? "pos->" : "pos[]", fns[f].call, NULL, mk,
                           BAD_NMKT, pos, BAD_NPOS, 0, 1);
        BAD_STATUS(fn, "mkt", "NULL (n_mkt = 2)", MGN_EINVAL,
                   fns[f].call(NULL, BAD_NMKT, pos, BAD_NPOS, -1, NULL));
        BAD_STATUS(fn, "n_mkt", "0 (positions on underlying 0)", MGN_EINVAL,
                   fns[f].call(mk, 0, pos, BAD_NPOS, 0, NULL));
        for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
            BAD_STATUS(fn, "n_mkt", BAD_SIZES[s].label, MGN_ERANGE,
                       fns[f].call(mk, BAD_SIZES[s].v, pos, BAD_NPOS, -1, NULL));
        if (!single) {
            BAD_STATUS(fn, "pos", "NULL (n_pos = 3)", MGN_EINVAL,
                       fns[f].call(mk, BAD_NMKT, NULL, BAD_NPOS, -1, NULL));
            for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
                BAD_STATUS(fn, "n_pos", BAD_SIZES_NULL[s].label, MGN_EINVAL,
                           fns[f].call(mk, BAD_NMKT, NULL, BAD_SIZES[s].v, -1, NULL));
            BAD_STATUS_NOTE(fn, "n_pos", "0 (pos NULL)", MGN_OK, "an empty book",
                            fns[f].call(mk, BAD_NMKT, NULL, 0, -1, NULL));
        }
    }
    /* outputs */
    double v;
    mgn_net_greeks g[BAD_NMKT];
    BAD_STATUS_NOTE("mgn_portfolio_check", "first_bad", "NULL (a bad position)", MGN_EINVAL,
                    "first_bad is optional", mgn_portfolio_check(mk, BAD_NMKT, (mgn_position[]){ { 0 } }, 1, NULL));
    BAD_STATUS("mgn_portfolio_value", "value", "NULL", MGN_EINVAL,
               mgn_portfolio_value(mk, BAD_NMKT, pos, BAD_NPOS, MGN_QUOTE, NULL));
    for (size_t k = 0; k < BAD_N(BAD_CURRENCY); k++) {
        bad_fill(&v, sizeof v);
        BAD_STATUS("mgn_portfolio_value", "currency", BAD_CURRENCY[k].label, MGN_EINVAL,
                   mgn_portfolio_value(mk, BAD_NMKT, pos, BAD_NPOS, BAD_CURRENCY[k].v, &v));
        BAD_UNTOUCHED(&v, sizeof v);
    }
    BAD_STATUS("mgn_position_greeks", "pos", "NULL", MGN_EINVAL,
               mgn_position_greeks(mk, BAD_NMKT, NULL, g));
    BAD_STATUS("mgn_position_greeks", "out", "NULL", MGN_EINVAL,
               mgn_position_greeks(mk, BAD_NMKT, pos, NULL));
    BAD_STATUS("mgn_portfolio_greeks", "out", "NULL (n_mkt = 2)", MGN_EINVAL,
               mgn_portfolio_greeks(mk, BAD_NMKT, pos, BAD_NPOS, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value),
        cmocka_unit_test(test_greeks_fd),
        cmocka_unit_test(test_american_greeks),
        cmocka_unit_test(test_delta_one_greeks),
        cmocka_unit_test(test_american_edge_greeks),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_american_bump_edges),
        cmocka_unit_test(test_check_and_bad_input),
        cmocka_unit_test(test_bad_input_portfolio),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
