/* Tests of lib/liquidation.c: closed-form liquidation prices, the root search for any
 * account, partial liquidation and liquidator economics.
 *
 * References: Binance's published worked examples (tests/data/liquidation_binance.csv,
 * read here, not in the library); the defining equation equity - MM - fee = 0 checked
 * at every returned price; METHODS-REFERENCE.md 3.7 closed forms recomputed by hand;
 * roots of option portfolios against an independent dense scan of mgn_account_eval;
 * minimality of partial liquidation by closing 1e-9 less.
 */
#include <stdlib.h>
#include "test_util.h"

static mgn_liq_input base_input(int settlement, double size, double entry, double wallet,
                                double mmr)
{
    mgn_liq_input in;
    memset(&in, 0, sizeof in);
    in.struct_size = sizeof in;
    in.settlement = settlement;
    in.size = size;
    in.entry = entry;
    in.wallet = wallet;
    in.mm_rate = mmr;
    return in;
}

/* equity - (MM + fee) at P, settlement currency, for the no-tier input. */
static double gap_at(const mgn_liq_input *in, double P)
{
    if (in->settlement == MGN_LINEAR) {
        double Q = in->size, aQ = fabs(Q);
        double eq = in->wallet + in->other + Q * (P - in->entry);
        double mm = aQ * P * (in->mm_rate + in->size_mm * aQ + in->fee_rate) - in->mm_amount;
        return eq - mm;
    }
    double N = in->size, n = fabs(N) / P;
    double eq = in->wallet + in->other + N * (1 / in->entry - 1 / P);
    double mm = n * (in->mm_rate + in->size_mm * n + in->fee_rate) - in->mm_amount / P;
    return eq - mm;
}

static void test_binance_published(void **state)
{
    FILE *f = fopen("tests/data/liquidation_binance.csv", "r");
    assert_non_null(f);
    char line[512];
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || strncmp(line, "mode", 4) == 0)
            continue;
        char mode[32];
        double W, tmm, upnl, cum, Q, E, k, want;
        assert_int_equal(sscanf(line, "%31[^,],%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf", mode, &W, &tmm,
                                &upnl, &cum, &Q, &E, &k, &want), 9);
        mgn_liq_input in = base_input(MGN_LINEAR, Q, E, W, k);
        in.mm_amount = cum;
        in.other = upnl - tmm;
        mgn_liq_closed r;
        assert_int_equal(mgn_liq_price_closed(&in, &r), MGN_OK);
        assert_int_equal(r.found, 1);
        assert_close(r.price, want, 0, 0.005 + 1e-9);   /* published to the cent */
        assert_close(gap_at(&in, r.price), 0, 0, 1e-9 * fabs(Q * r.price));
        rows++;
    }
    fclose(f);
    assert_int_equal(rows, 4);
}

/* METHODS-REFERENCE.md 3.7 forms, and the defining equation, random inputs. */
static void test_closed_forms(void **state)
{
    mgn_test_rng g = { 42 };
    for (int t = 0; t < 2000; t++) {
        int inv = t % 2;
        double E = mgn_test_logrange(&g, 10, 1e5);
        double lev = mgn_test_range(&g, 1.5, 100);
        double side = mgn_test_uniform(&g) < 0.5 ? 1 : -1;
        double k = mgn_test_range(&g, 0.001, 0.05);
        mgn_liq_input in;
        if (!inv) {
            double Q = mgn_test_logrange(&g, 0.01, 1000);
            double M = Q * E / lev;
            in = base_input(MGN_LINEAR, side * Q, E, M, k);
            mgn_liq_closed r;
            assert_int_equal(mgn_liq_price_closed(&in, &r), MGN_OK);
            double want = side > 0 ? (Q * E - M) / (Q * (1 - k)) : (M + Q * E) / (Q * (1 + k));
            assert_int_equal(r.found, 1);
            assert_close(r.price, want, 1e-12, 0);
            assert_close(gap_at(&in, r.price), 0, 0, 1e-9 * Q * r.price);
        } else {
            double N = mgn_test_logrange(&g, 10, 1e7);
            double m = N / E / lev;
            in = base_input(MGN_INVERSE, side * N, E, m, k);
            in.fee_rate = t % 4 == 1 ? 0.0005 : 0;
            in.size_mm = t % 8 == 3 ? 0.005 / (N / E) : 0;   /* Deribit-style size add-on */
            mgn_liq_closed r;
            assert_int_equal(mgn_liq_price_closed(&in, &r), MGN_OK);
            if (in.size_mm == 0 && in.fee_rate == 0) {
                double want = side > 0 ? N * (1 + k) / (m + N / E) : N * (1 - k) / (N / E - m);
                assert_close(r.price, want, 1e-12, 0);
            }
            if (!r.found)
                print_error("N %g E %g m %g k %g fee %g sm %g side %g\n", N, E, m, k, in.fee_rate, in.size_mm, side);
            assert_int_equal(r.found, 1);
            assert_close(gap_at(&in, r.price), 0, 0, 1e-9 * N / r.price);
        }
    }
}

static void test_closed_tiers_and_nosol(void **state)
{
    /* Binance-style brackets with the cum recursion: the chosen bracket contains the
       price, and equity = MM there */
    mgn_std_tier tiers[3] = { { 0, 0.02, 0.01, 0 }, { 50000, 0.04, 0.02, 0 }, { 250000, 0.1, 0.05, 0 } };
    tiers[1].mm_amount = 50000 * (0.02 - 0.01);
    tiers[2].mm_amount = 250000 * (0.05 - 0.02) + tiers[1].mm_amount;
    for (int s = 0; s < 3; s++) {
        double Q = s == 0 ? 0.5 : s == 1 ? 3 : 20;
        mgn_liq_input in = base_input(MGN_LINEAR, Q, 30000, Q * 30000 * 0.1, 0);
        in.tiers = tiers;
        in.n_tiers = 3;
        in.tier_basis = MGN_STD_TIER_QUOTE;
        mgn_liq_closed r;
        assert_int_equal(mgn_liq_price_closed(&in, &r), MGN_OK);
        assert_int_equal(r.found, 1);
        double N = Q * r.price;
        int k = N >= 250000 ? 2 : N >= 50000 ? 1 : 0;
        assert_int_equal(r.tier, k);
        double mm = N * tiers[k].mm_rate - tiers[k].mm_amount;
        assert_close(in.wallet + Q * (r.price - 30000), mm, 1e-12, 1e-9);
        assert_close(r.mm, mm, 1e-12, 1e-9);
    }
    /* fully collateralised long: no liquidation price, MGN_OK */
    mgn_liq_input in = base_input(MGN_LINEAR, 1, 100, 150, 0.01);
    mgn_liq_closed r;
    assert_int_equal(mgn_liq_price_closed(&in, &r), MGN_OK);
    assert_int_equal(r.found, 0);
    /* bad input, output untouched */
    mgn_liq_closed keep = { 7, 7, 7, 7, 7 };
    double bad[] = { NAN, INFINITY, -INFINITY };
    for (int b = 0; b < 3; b++) {
        double *fields[] = { &in.size, &in.entry, &in.wallet, &in.other, &in.mm_rate,
                             &in.mm_amount, &in.size_mm, &in.fee_rate };
        for (int fi = 0; fi < 8; fi++) {
            mgn_liq_input x = base_input(MGN_LINEAR, 1, 100, 10, 0.01);
            double *fx = (double *)((char *)&x + ((char *)fields[fi] - (char *)&in));
            *fx = bad[b];
            r = keep;
            assert_int_equal(mgn_liq_price_closed(&x, &r), MGN_EINVAL);
            assert_memory_equal(&r, &keep, sizeof r);
        }
    }
    mgn_liq_input x = base_input(MGN_LINEAR, 0, 100, 10, 0.01);
    assert_int_equal(mgn_liq_price_closed(&x, &r), MGN_EINVAL);
    x = base_input(MGN_LINEAR, 1, -100, 10, 0.01);
    assert_int_equal(mgn_liq_price_closed(&x, &r), MGN_EINVAL);
    x = base_input(MGN_LINEAR, 1, 100, -10, 0.01);
    assert_int_equal(mgn_liq_price_closed(&x, &r), MGN_EINVAL);
    x = base_input(MGN_LINEAR, 1, 100, 10, 1.0);
    assert_int_equal(mgn_liq_price_closed(&x, &r), MGN_EINVAL);
    x = base_input(7, 1, 100, 10, 0.01);
    assert_int_equal(mgn_liq_price_closed(&x, &r), MGN_EINVAL);
    x = base_input(MGN_LINEAR, 1, 100, 10, 0.01);
    x.struct_size = 3;
    assert_int_equal(mgn_liq_price_closed(&x, &r), MGN_EINVAL);
    x.struct_size = sizeof x;
    x.n_tiers = 2;   /* tiers NULL */
    assert_int_equal(mgn_liq_price_closed(&x, &r), MGN_EINVAL);
    x.tiers = tiers;
    x.n_tiers = MGN_STD_MAX_TIERS + 1;
    assert_int_equal(mgn_liq_price_closed(&x, &r), MGN_ERANGE);
    assert_int_equal(mgn_liq_price_closed(NULL, &r), MGN_EINVAL);
    assert_int_equal(mgn_liq_price_closed(&x, NULL), MGN_EINVAL);
}

/*------------------------------------------------------------------ root search */

static mgn_market MK[2] = { { 50000, 0.03, 0.0 }, { 3000, 0.03, 0.0 } };

static mgn_position opt(int type, double q, double K, double T, double vol)
{
    mgn_position p = { MGN_OPTION, 0, type, MGN_LINEAR, MGN_EUROPEAN, 0, q, 1, K, T, vol, 0 };
    return p;
}

static mgn_account acct_of(mgn_position *pos, size_t n, mgn_balance *bal, size_t nb)
{
    mgn_account a;
    memset(&a, 0, sizeof a);
    a.struct_size = sizeof a;
    a.pos = pos;
    a.n_pos = n;
    a.bal = bal;
    a.n_bal = nb;
    a.currency = MGN_QUOTE;
    return a;
}

static double g_at(const mgn_account *a, const mgn_account_params *prm, double S)
{
    mgn_market m[2] = { MK[0], MK[1] };
    m[0].spot = S;
    mgn_account_result r;
    static char work[1 << 16];
    assert_int_equal(mgn_account_eval(m, 2, a, prm, 0, INFINITY, work, sizeof work, &r, NULL), MGN_OK);
    return r.equity - r.mm;
}

static void test_roots_option_portfolio(void **state)
{
    /* short strangle + long wings: equity - MM crosses zero below and above */
    mgn_position pos[4] = { opt(MGN_CALL, -10, 60000, 0.1, 0.6), opt(MGN_PUT, -10, 40000, 0.1, 0.6),
                            opt(MGN_CALL, 10, 70000, 0.1, 0.6), opt(MGN_PUT, 5, 30000, 0.1, 0.6) };
    mgn_balance bal[1] = { { MGN_QUOTE, 0, 150000, 0, 0 } };
    mgn_account a = acct_of(pos, 4, bal, 1);
    mgn_account_params prm;
    mgn_account_params_init(&prm);
    mgn_liq_search s;
    mgn_liq_search_init(&s);
    s.lo = 5000;
    s.hi = 200000;
    s.vol = 0.6;
    size_t ws;
    assert_int_equal(mgn_liq_prices_work_size(&prm, 2, 4, &ws), MGN_OK);
    void *work = malloc(ws);
    double roots[16];
    mgn_liq_price_result r;
    assert_int_equal(mgn_liq_prices(MK, 2, &a, &prm, &s, work, ws, roots, 16, &r), MGN_OK);
    assert_true(r.n_roots >= 2);
    assert_true(r.has_below && r.has_above);
    assert_true(r.gap > 0);
    for (size_t i = 0; i < r.n_roots; i++) {
        double gp = g_at(&a, &prm, roots[i]);
        double scale = 1e-9 * 150000;
        assert_close(gp, 0, 0, scale);
        if (i) assert_true(roots[i] > roots[i - 1]);
    }
    /* independent dense scan: count sign changes on 200,000 points */
    size_t n = 200000, cross = 0;
    double prev = g_at(&a, &prm, s.lo);
    for (size_t i = 1; i < n; i++) {
        double x = s.lo * pow(s.hi / s.lo, (double)i / (n - 1));
        double g = g_at(&a, &prm, x);
        if ((prev < 0) != (g < 0))
            cross++;
        prev = g;
    }
    assert_int_equal(cross, r.n_roots);
    assert_close(r.below_pct, 100 * (1 - r.below / 50000), 1e-12, 0);
    assert_close(r.above_sd, log(r.above / 50000) / (0.6 * sqrt(1.0 / 365)), 1e-12, 0);
    /* no crossing in a range: count 0 with MGN_OK */
    s.lo = 49000;
    s.hi = 51000;
    assert_int_equal(mgn_liq_prices(MK, 2, &a, &prm, &s, work, ws, roots, 16, &r), MGN_OK);
    assert_int_equal(r.n_roots, 0);
    assert_int_equal(r.has_below, 0);
    /* bad input */
    s.lo = NAN;
    assert_int_equal(mgn_liq_prices(MK, 2, &a, &prm, &s, work, ws, roots, 16, &r), MGN_EINVAL);
    s.lo = 60000; s.hi = 50000;
    assert_int_equal(mgn_liq_prices(MK, 2, &a, &prm, &s, work, ws, roots, 16, &r), MGN_EINVAL);
    mgn_liq_search_init(&s);
    s.underlying = 2;
    assert_int_equal(mgn_liq_prices(MK, 2, &a, &prm, &s, work, ws, roots, 16, &r), MGN_EINVAL);
    s.underlying = 0;
    s.grid = 1;
    assert_int_equal(mgn_liq_prices(MK, 2, &a, &prm, &s, work, ws, roots, 16, &r), MGN_EINVAL);
    s.grid = 100;
    assert_int_equal(mgn_liq_prices(MK, 2, &a, &prm, &s, work, 16, roots, 16, &r), MGN_ENOMEM);
    assert_int_equal(mgn_liq_prices(MK, 2, &a, &prm, &s, work, ws, NULL, 16, &r), MGN_EINVAL);
    free(work);
}

/* A cross account with one perpetual: the root search equals the closed form. */
static void test_roots_match_closed_form(void **state)
{
    mgn_std_tier tier = { 0, 0.02, 0.01, 0 };
    mgn_std_params sp;
    sp.struct_size = sizeof sp;
    mgn_std_preset(MGN_STD_PRESET_DEFAULT, &sp);
    sp.tiers = &tier;
    sp.n_tiers = 1;
    mgn_position p = { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, 2.5, 1, 0, 0, 0, 48000 };
    mgn_balance bal[1] = { { MGN_QUOTE, 0, 20000, 0, 0 } };
    mgn_account a = acct_of(&p, 1, bal, 1);
    mgn_account_params prm;
    mgn_account_params_init(&prm);
    prm.std = &sp;
    prm.n_std = 1;
    mgn_liq_search s;
    mgn_liq_search_init(&s);
    size_t ws;
    mgn_liq_prices_work_size(&prm, 2, 1, &ws);
    void *work = malloc(ws);
    double root;
    mgn_liq_price_result r;
    assert_int_equal(mgn_liq_prices(MK, 2, &a, &prm, &s, work, ws, &root, 1, &r), MGN_OK);
    assert_int_equal(r.n_roots, 1);
    mgn_liq_input in = base_input(MGN_LINEAR, 2.5, 48000, 20000, 0.01);
    mgn_liq_closed c;
    assert_int_equal(mgn_liq_price_closed(&in, &c), MGN_OK);
    assert_close(root, c.price, 1e-12, 0);
    /* joint move: a second perpetual on underlying 1 with beta 1 */
    mgn_position p2[2] = { p, { MGN_PERPETUAL, 1, 0, MGN_LINEAR, 0, 0, 10, 1, 0, 0, 0, 3000 } };
    a = acct_of(p2, 2, bal, 1);
    double betas[2] = { 1, 1 };
    s.betas = betas;
    mgn_liq_prices_work_size(&prm, 2, 2, &ws);
    free(work);
    work = malloc(ws);
    assert_int_equal(mgn_liq_prices(MK, 2, &a, &prm, &s, work, ws, &root, 1, &r), MGN_OK);
    assert_int_equal(r.n_roots, 1);
    /* at the root both move: check equity = MM by hand */
    double x = root / 50000, S1 = 3000 * x;
    double eq = 20000 + 2.5 * (root - 48000) + 10 * (S1 - 3000);
    double mm = 0.01 * (2.5 * root + 10 * S1);
    assert_close(eq, mm, 1e-9, 0);
    free(work);
}

/*------------------------------------------------------------------ partial liquidation */

static void test_partial_minimal(void **state)
{
    mgn_std_tier tier = { 0, 0.10, 0.05, 0 };
    mgn_std_params sp;
    sp.struct_size = sizeof sp;
    mgn_std_preset(MGN_STD_PRESET_DEFAULT, &sp);
    sp.tiers = &tier;
    sp.n_tiers = 1;
    /* three perpetuals, equity just below MM */
    mgn_position pos[3] = {
        { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, 2, 1, 0, 0, 0, 52000 },
        { MGN_PERPETUAL, 1, 0, MGN_LINEAR, 0, 0, -20, 1, 0, 0, 0, 2900 },
        { MGN_FUTURE, 0, 0, MGN_LINEAR, 0, 0, 1, 1, 0, 0.25, 0, 50500 } };
    mgn_balance bal[1] = { { MGN_QUOTE, 0, 15000, 0, 0 } };
    mgn_account a = acct_of(pos, 3, bal, 1);
    mgn_account_params prm;
    mgn_account_params_init(&prm);
    prm.std = &sp;
    prm.n_std = 1;
    mgn_account_result ar;
    assert_int_equal(mgn_account_eval(MK, 2, &a, &prm, 0, INFINITY, NULL, 0, &ar, NULL), MGN_OK);
    assert_true(ar.equity < ar.mm);
    assert_true(ar.equity > 0);
    for (int order = 0; order < 3; order++) {
        mgn_liq_params lp;
        mgn_liq_params_init(&lp);
        lp.order = order;
        int prio[3] = { 2, 0, 1 };
        lp.priority = prio;
        lp.n_priority = 3;
        size_t ws;
        assert_int_equal(mgn_liq_partial_work_size(&prm, 2, 3, &ws), MGN_OK);
        void *work = malloc(ws);
        mgn_liq_close cl[3];
        mgn_liq_result r;
        assert_int_equal(mgn_liq_partial(MK, 2, &a, &prm, &lp, NULL, work, ws, cl, &r), MGN_OK);
        assert_int_equal(r.full, 0);
        assert_int_equal(r.restored, 1);
        assert_true(r.n_closes >= 1);
        assert_true(r.after.equity >= r.after.mm * (1 + lp.buffer));
        double pen = 0;
        for (size_t k = 0; k < r.n_closes; k++) {
            assert_true(cl[k].fraction > 0 && cl[k].fraction <= lp.close_factor);
            pen += cl[k].penalty;
        }
        assert_close(r.penalty, pen, 1e-12, 0);
        assert_close(r.after.equity, ar.equity - pen, 1e-12, 1e-9);
        /* apply the plan by hand (reduced positions, penalty out of the cash) and
           check that 1e-9 less of the last close misses the target */
        for (int less = 0; less < 2; less++) {
            mgn_position q[3] = { pos[0], pos[1], pos[2] };
            double cash = 15000;
            for (size_t k = 0; k < r.n_closes; k++) {
                size_t i = cl[k].position;
                double fr = cl[k].fraction - (less && k + 1 == r.n_closes ? 1e-9 : 0);
                double dq = fr * pos[i].quantity;
                double mark = cl[k].price;
                cash += dq * (mark - pos[i].entry_price);   /* realised at the mark */
                cash -= lp.penalty_rate * fabs(dq) * (pos[i].underlying == 0 ? 50000 : 3000);
                q[i].quantity -= dq;
            }
            mgn_balance b2[1] = { { MGN_QUOTE, 0, cash, 0, 0 } };
            mgn_account a2 = acct_of(q, 3, b2, 1);
            mgn_account_result r2;
            assert_int_equal(mgn_account_eval(MK, 2, &a2, &prm, 0, INFINITY, NULL, 0, &r2, NULL), MGN_OK);
            if (!less) {
                assert_close(r2.equity, r.after.equity, 1e-12, 1e-7);
                assert_close(r2.mm, r.after.mm, 1e-12, 1e-7);
            } else {
                assert_true(r2.equity < r2.mm * (1 + lp.buffer));
            }
        }
        /* stale oracle: no decision */
        mgn_oracle_result guard;
        memset(&guard, 0, sizeof guard);
        guard.verdict = MGN_ORACLE_STALE;
        mgn_liq_result keep = r;
        assert_int_equal(mgn_liq_partial(MK, 2, &a, &prm, &lp, &guard, work, ws, cl, &r), MGN_ESTALE);
        assert_memory_equal(&r, &keep, sizeof r);
        free(work);
    }
}

static void test_partial_full_and_bad(void **state)
{
    /* penalty above the MM rate: partial closes cannot restore -> full liquidation */
    mgn_std_tier tier = { 0, 0.02, 0.01, 0 };
    mgn_std_params sp;
    sp.struct_size = sizeof sp;
    mgn_std_preset(MGN_STD_PRESET_DEFAULT, &sp);
    sp.tiers = &tier;
    sp.n_tiers = 1;
    mgn_position p = { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, 1, 1, 0, 0, 0, 50400 };
    mgn_balance bal[1] = { { MGN_QUOTE, 0, 880, 0, 0 } };
    mgn_account a = acct_of(&p, 1, bal, 1);
    mgn_account_params prm;
    mgn_account_params_init(&prm);
    prm.std = &sp;
    prm.n_std = 1;
    mgn_liq_params lp;
    mgn_liq_params_init(&lp);
    lp.penalty_rate = 0.05;
    size_t ws;
    mgn_liq_partial_work_size(&prm, 2, 1, &ws);
    void *work = malloc(ws);
    mgn_liq_close cl[1];
    mgn_liq_result r;
    assert_int_equal(mgn_liq_partial(MK, 2, &a, &prm, &lp, NULL, work, ws, cl, &r), MGN_OK);
    assert_int_equal(r.full, 1);
    assert_int_equal(r.n_closes, 1);
    assert_close(cl[0].fraction, 1, 0, 0);
    assert_close(r.after.mm, 0, 0, 0);
    /* bad input: every parameter */
    mgn_liq_result keep;
    memset(&keep, 0x5a, sizeof keep);
    r = keep;
    mgn_liq_params b = lp;
    b.close_factor = 0;
    assert_int_equal(mgn_liq_partial(MK, 2, &a, &prm, &b, NULL, work, ws, cl, &r), MGN_EINVAL);
    b = lp; b.close_factor = NAN;
    assert_int_equal(mgn_liq_partial(MK, 2, &a, &prm, &b, NULL, work, ws, cl, &r), MGN_EINVAL);
    b = lp; b.penalty_rate = -0.1;
    assert_int_equal(mgn_liq_partial(MK, 2, &a, &prm, &b, NULL, work, ws, cl, &r), MGN_EINVAL);
    b = lp; b.buffer = INFINITY;
    assert_int_equal(mgn_liq_partial(MK, 2, &a, &prm, &b, NULL, work, ws, cl, &r), MGN_EINVAL);
    b = lp; b.order = 9;
    assert_int_equal(mgn_liq_partial(MK, 2, &a, &prm, &b, NULL, work, ws, cl, &r), MGN_EINVAL);
    b = lp; b.order = MGN_LIQ_GIVEN;
    int prio[2] = { 0, 0 };
    b.priority = prio; b.n_priority = 1; prio[0] = 5;
    assert_int_equal(mgn_liq_partial(MK, 2, &a, &prm, &b, NULL, work, ws, cl, &r), MGN_EINVAL);
    b.n_priority = 2;
    assert_int_equal(mgn_liq_partial(MK, 2, &a, &prm, &b, NULL, work, ws, cl, &r), MGN_EINVAL);
    b = lp; b.struct_size = 1;
    assert_int_equal(mgn_liq_partial(MK, 2, &a, &prm, &b, NULL, work, ws, cl, &r), MGN_EINVAL);
    assert_int_equal(mgn_liq_partial(MK, 2, &a, &prm, &lp, NULL, work, 8, cl, &r), MGN_ENOMEM);
    assert_int_equal(mgn_liq_partial(MK, 2, &a, &prm, &lp, NULL, work, ws, NULL, &r), MGN_EINVAL);
    assert_memory_equal(&r, &keep, sizeof r);
    free(work);
}

static void test_economics(void **state)
{
    mgn_position pos[2] = { { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, 0.001, 1, 0, 0, 0, 50000 },
                            { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, -2, 1, 0, 0, 0, 50000 } };
    mgn_account a = acct_of(pos, 2, NULL, 0);
    double rw[2];
    int un[2];
    size_t nu;
    double nn;
    /* notional 0.001*50000*0.5 = 25 -> reward 1.25 < gas 5; 2*50000*0.5 = 50000 -> 2500 */
    assert_int_equal(mgn_liq_economics(MK, 2, &a, NULL, 0, 0.5, 0.05, 5, rw, un, &nu, &nn), MGN_OK);
    assert_close(rw[0], 1.25, 1e-12, 0);
    assert_close(rw[1], 2500, 1e-12, 0);
    assert_int_equal(un[0], 1);
    assert_int_equal(un[1], 0);
    assert_int_equal(nu, 1);
    assert_close(nn, 25, 1e-12, 0);
    assert_int_equal(mgn_liq_economics(MK, 2, &a, NULL, 0, 0.5, NAN, 5, rw, un, &nu, &nn), MGN_EINVAL);
    assert_int_equal(mgn_liq_economics(MK, 2, &a, NULL, 0, 0.5, 0.05, -1, rw, un, &nu, &nn), MGN_EINVAL);
    assert_int_equal(mgn_liq_economics(MK, 2, &a, NULL, 0, 0, 0.05, 5, rw, un, &nu, &nn), MGN_EINVAL);
    assert_int_equal(mgn_liq_economics(MK, 2, NULL, NULL, 0, 0.5, 0.05, 5, rw, un, &nu, &nn), MGN_EINVAL);
    assert_int_equal(mgn_liq_economics(MK, 2, &a, NULL, 0, 0.5, 0.05, 5, rw, un, NULL, &nn), MGN_EINVAL);
    /* a notional that overflows: MGN_ERANGE and nothing written (it used to give an
       infinite reward with MGN_OK) */
    pos[1].multiplier = 1e307;
    rw[0] = rw[1] = -1;
    un[0] = un[1] = -1;
    nu = 7;
    nn = -1;
    assert_int_equal(mgn_liq_economics(MK, 2, &a, NULL, 0, 0.5, 0.05, 5, rw, un, &nu, &nn), MGN_ERANGE);
    assert_true(rw[0] == -1 && rw[1] == -1 && un[0] == -1 && un[1] == -1 && nu == 7 && nn == -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binance_published),
        cmocka_unit_test(test_closed_forms),
        cmocka_unit_test(test_closed_tiers_and_nosol),
        cmocka_unit_test(test_roots_option_portfolio),
        cmocka_unit_test(test_roots_match_closed_form),
        cmocka_unit_test(test_partial_minimal),
        cmocka_unit_test(test_partial_full_and_bad),
        cmocka_unit_test(test_economics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
