/* Tests of lib/liquidation.c: closed-form liquidation prices, the root search for any
 * account, partial liquidation and liquidator economics.
 *
 * References: Binance's published worked examples (tests/data/liquidation_binance.csv,
 * read here, not in the library); the defining equation equity - MM - fee = 0 checked
 * at every returned price; METHODS-REFERENCE.md 3.7 closed forms recomputed by hand;
 * roots of option portfolios against an independent dense scan of mgn_account_eval;
 * minimality of partial liquidation by closing 1e-9 less.
 */
#include <float.h>
#include <limits.h>
#include <stdlib.h>
#include "margin_ref.h"

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

/* Inputs with no liquidation price because the margin plus fee grows exactly as fast
   as the position's value: the gap equity - MM - fee does not depend on the price. */
static void test_closed_degenerate(void **state)
{
    mgn_liq_closed r;
    /* linear long, mmr + fee = 1: gap = W - Q E for every P, so no crossing */
    mgn_liq_input in = base_input(MGN_LINEAR, 2, 100, 50, 0.5);
    in.fee_rate = 0.5;
    assert_int_equal(mgn_liq_price_closed(&in, &r), MGN_OK);
    assert_int_equal(r.found, 0);
    assert_true(r.price == 0 && r.mm == 0 && r.tier == -1);
    assert_close(gap_at(&in, 80), gap_at(&in, 400), 1e-12, 0);
    /* bankruptcy is still defined: W + Q (P - E) = 0 at P = E - W / Q */
    assert_close(r.bankruptcy, 75, 1e-12, 0);
    /* inverse short, mmr + fee = 1, no size add-on: linear equation with B = 0 */
    in = base_input(MGN_INVERSE, -1000, 50, 5, 0.25);
    in.fee_rate = 0.75;
    assert_int_equal(mgn_liq_price_closed(&in, &r), MGN_OK);
    assert_int_equal(r.found, 0);
    assert_close(gap_at(&in, 10), gap_at(&in, 90), 1e-12, 1e-15);
    /* wallet 5 < |N| / E = 20: bankrupt where N (1/E - 1/P) = -W, P = |N| / (|N|/E - W) */
    assert_close(r.bankruptcy, 1000.0 / 15.0, 1e-12, 0);
    /* the same with a size add-on: quadratic with a negative discriminant (the gap is
       negative everywhere), no price */
    in.size_mm = 1e-4;
    assert_int_equal(mgn_liq_price_closed(&in, &r), MGN_OK);
    assert_int_equal(r.found, 0);
    for (double P = 1; P < 1e6; P *= 3)
        assert_true(gap_at(&in, P) < 0);
}

/* Sizes near and below DBL_MIN (valid input): |Q| (mmr + ...) and N / E are
   subnormal doubles there, with a few significant bits. The price must still solve
   equity = MM + fee to 1e-12 of the terms (the size times a normal price is a normal,
   correctly rounded product, so gap_at is exact enough to check it). */
static void test_closed_subnormal_size(void **state)
{
    (void)state;
    if (mgn_long_double_is_double())    /* the closed forms' extended range (ldbl.h) */
        skip();
    const double sizes[] = { 4.9406564584124654e-324, 3 * 4.9406564584124654e-324,
                             DBL_MIN / 3, DBL_MIN * 1.5 };
    int checked = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (int side = -1; side <= 1; side += 2)
            for (int settle = 0; settle < 2; settle++) {
                double size = side * sizes[i];
                double E = settle == MGN_LINEAR ? 1.0 : 100.0;
                /* a short is liquidated above E with any wallet; a long below E
                   only with a wallet under its notional (linear: |Q| E) */
                double W = side < 0 ? 2.5243548967073807e-29
                                    : (settle == MGN_LINEAR ? 0.5 * sizes[i] * E : 0.0);
                mgn_liq_input in = base_input(settle == 0 ? MGN_LINEAR : MGN_INVERSE, size,
                                              E, W, 0.065206378271152818);
                in.fee_rate = 0.0005;
                mgn_liq_closed r;
                assert_int_equal(mgn_liq_price_closed(&in, &r), MGN_OK);
                if (!r.found)
                    continue;
                double P = r.price, terms;
                if (in.settlement == MGN_LINEAR)
                    terms = W + fabs(size) * E + fabs(size) * P * (1 + in.mm_rate + in.fee_rate);
                else
                    terms = W + fabs(size) / E + fabs(size) / P * (1 + in.mm_rate + in.fee_rate);
                if (!(fabs(gap_at(&in, P)) <= 1e-12 * terms))
                    print_error("size %.17g settle %d: price %.17g gap %.3g of %.3g\n", size,
                                settle, P, gap_at(&in, P), terms);
                assert_true(fabs(gap_at(&in, P)) <= 1e-12 * terms);
                checked++;
            }
    assert_true(checked >= 8);
    /* An inverse short whose N / E overflows a double (3.2e463 coin): bankrupt at
       P = 1 / (1/E + W/N), E to 1e-12, though no double holds the notional in coin. */
    mgn_liq_input in = base_input(MGN_INVERSE, -3.2181210359020679e+163, 1e-300,
                                  4.9406564584124654e-324, 4.9406564584124654e-324);
    in.other = 4.9406564584124654e-324;
    in.mm_amount = 4.9406564584124654e-324;
    in.size_mm = 1.2109559777218281e-05;
    mgn_liq_closed r;
    assert_int_equal(mgn_liq_price_closed(&in, &r), MGN_OK);
    assert_close(r.bankruptcy, 1e-300, 1e-12, 0);
}

/* Tiers by units for an inverse contract (the measure is the coin amount |N| / P),
   tiers that give no price, and an inconsistent table. */
static void test_closed_tier_cases(void **state)
{
    mgn_std_tier tiers[3] = { { 0, 0.02, 0.01, 0 }, { 20, 0.04, 0.02, 0 }, { 100, 0.1, 0.05, 0 } };
    tiers[1].mm_amount = 20 * (0.02 - 0.01);
    tiers[2].mm_amount = 100 * (0.05 - 0.02) + tiers[1].mm_amount;
    for (int t = 0; t < 3; t++) {
        /* long inverse, N quote notional, entry 30000: coin amount at P is N / P */
        double N = t == 0 ? 3e5 : t == 1 ? 1.5e6 : 6e6;
        mgn_liq_input in = base_input(MGN_INVERSE, N, 30000, 0.1 * N / 30000, 0);
        in.tiers = tiers;
        in.n_tiers = 3;
        in.tier_basis = MGN_STD_TIER_UNITS;
        mgn_liq_closed r;
        assert_int_equal(mgn_liq_price_closed(&in, &r), MGN_OK);
        assert_int_equal(r.found, 1);
        double n = N / r.price;
        int k = n >= 100 ? 2 : n >= 20 ? 1 : 0;
        assert_int_equal(r.tier, k);
        /* equity = MM at P, MM in coin = n mmr - cum (cum in coin for units) */
        double eq = in.wallet + N * (1 / in.entry - 1 / r.price);
        double mm = n * tiers[k].mm_rate - tiers[k].mm_amount;
        assert_close(eq, mm, 1e-12, 1e-15);
        assert_close(r.mm, mm, 1e-12, 1e-15);
    }
    /* linear long fully collateralised: every tier's candidate is <= 0, not found */
    mgn_std_tier qt[2] = { { 0, 0.02, 0.01, 0 }, { 50, 0.5, 0.4, 80 } };
    mgn_liq_input in = base_input(MGN_LINEAR, 1, 100, 150, 0);
    in.tiers = qt;
    in.n_tiers = 2;
    in.tier_basis = MGN_STD_TIER_QUOTE;
    mgn_liq_closed r, keep;
    assert_int_equal(mgn_liq_price_closed(&in, &r), MGN_OK);
    assert_int_equal(r.found, 0);
    assert_int_equal(r.tier, -1);
    /* wallet 10: tier 0 alone gives P = 90 / 0.99 = 90.9, notional above its cap 50;
       tier 1 (cum 80, not the continuation of tier 0) gives P = (90 - 80) / 0.6 = 16.7,
       below its floor: no tier is consistent */
    in.wallet = 10;
    memset(&keep, 0x3c, sizeof keep);
    r = keep;
    assert_int_equal(mgn_liq_price_closed(&in, &r), MGN_ENOSOL);
    assert_memory_equal(&r, &keep, sizeof r);
    /* with the continuous cum (50 * (0.4 - 0.01) = 19.5) tier 1 is consistent */
    qt[1].mm_amount = 19.5;
    assert_int_equal(mgn_liq_price_closed(&in, &r), MGN_OK);
    assert_int_equal(r.tier, 1);
    assert_close(10 + (r.price - 100), r.price * 0.4 - 19.5, 1e-12, 1e-12);
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

/* A crossing next to DBL_MAX: equity in the coin of u1, 3.15e-301 coins less
   1000 coins of u0 borrowed (5.67e7 of quote), is 0 at S1 = 1.8e308. The search
   between DBL_MAX / 2 and DBL_MAX halves its bracket arithmetically near the end,
   and (safe + neg) / 2 overflowed there: a root of inf was returned with MGN_OK
   (a fuzzing find, tests/fuzz/crashes/liq_price/). */
static void test_roots_next_to_dbl_max(void **state)
{
    (void)state;
    mgn_market m[2] = { { 56677.959449101523, 0.1, 0 }, { DBL_MAX, -0.05, 0.04 } };
    mgn_balance bal[2] = { { 0, 0, -1000, 0, 0 }, { 1, 0, 3.1528161480931759e-301, 0, 0 } };
    mgn_account a = acct_of(NULL, 0, bal, 2);
    a.currency = 1;
    mgn_account_params prm;
    mgn_account_params_init(&prm);
    mgn_liq_search s;
    mgn_liq_search_init(&s);
    s.underlying = 1;
    s.lo = 0.5 * DBL_MAX;
    s.hi = DBL_MAX;
    s.grid = 2;
    size_t ws;
    assert_int_equal(mgn_liq_prices_work_size(&prm, 2, 0, &ws), MGN_OK);
    void *work = malloc(ws);
    assert_non_null(work);
    double roots[4];
    mgn_liq_price_result r;
    assert_int_equal(mgn_liq_prices(m, 2, &a, &prm, &s, work, ws, roots, 4, &r), MGN_OK);
    assert_int_equal(r.n_roots, 1);
    assert_true(r.has_below || r.has_above);       /* (both where the root is the spot) */
    assert_true(isfinite(r.gap) && isfinite(r.below) && isfinite(r.above));
    /* the root: 5.67e7 / 3.15e-301, to the search's accuracy */
    const double want = 1000 * 56677.959449101523 / 3.1528161480931759e-301;
    assert_true(roots[0] >= s.lo && roots[0] <= s.hi);
    assert_close(roots[0], want, 1e-12, 0);
    free(work);
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

/* equity - MM (isolated: the smallest e_i - MM_i over the positions with an MM or a
   negative e_i, else over all, as mgn_liq_prices defines it) of account a on markets m when
   underlying 0 is at S and the others move with it by betas (NULL: they stay). */
static double g_moved(const mgn_market *m0, size_t n_mkt, const double *betas,
                      const mgn_account *a, const mgn_account_params *prm, double S, void *work,
                      size_t ws)
{
    mgn_market m[3];
    mgn_position_result per[8];
    for (size_t v = 0; v < n_mkt; v++) {
        m[v] = m0[v];
        if (v > 0 && betas)
            m[v].spot = m0[v].spot * (1 + betas[v] * (S / m0[0].spot - 1));
    }
    m[0].spot = S;
    mgn_account_result r;
    assert_int_equal(mgn_account_eval(m, n_mkt, a, prm, 0, INFINITY, work, ws, &r,
                                      prm->mode == MGN_MODE_ISOLATED ? per : NULL), MGN_OK);
    if (prm->mode != MGN_MODE_ISOLATED)
        return r.equity - r.mm;
    double g = INFINITY, all = INFINITY;
    for (size_t i = 0; i < a->n_pos; i++) {
        if (a->pos[i].quantity == 0)
            continue;
        all = fmin(all, per[i].equity - per[i].mm);
        if (!(per[i].mm == 0 && per[i].equity >= 0))
            g = fmin(g, per[i].equity - per[i].mm);
    }
    return g < INFINITY ? g : all < INFINITY ? all : r.equity - r.mm;
}

/* Random accounts (1-8 European options, futures and perpetuals over the pricing
   domain on 1-3 markets, tests/margin_ref.h) in cross, isolated and portfolio mode,
   with the other underlyings fixed or moving by random betas, and collateral placing
   today's gap between -0.5 and 1.5 maintenance margins: every returned price has
   equity = MM to 1e-9 of the account's size, lies in a sign change of an independent
   scan of mgn_account_eval on 8 times the search's points, and every sign change of
   that scan holds a returned price unless another lies within one search step of it
   (the documented tangency). */
static void test_roots_random(void **state)
{
    (void)state;
    enum { NP = 8, DENSE = 8 };
    mgn_test_rng g = { 0xB5AD4ECEDA1CE2A9ULL };
    size_t ws;
    mgn_account_params probe;
    mgn_account_params_init(&probe);
    probe.mode = MGN_MODE_PORTFOLIO;
    assert_int_equal(mgn_account_work_size(&probe, 3, NP, &ws), MGN_OK);
    size_t wl;
    assert_int_equal(mgn_liq_prices_work_size(&probe, 3, NP, &wl), MGN_OK);
    ws = ws > wl ? ws : wl;
    void *work = malloc(ws);
    assert_non_null(work);
    long iters = mgn_test_cases(6), checked = 0;
    for (long it = 0; it < iters; it++) {
        mgn_market m[3];
        mgn_position pos[NP];
        mgn_pm_params pm[3];
        double betas[3], iso[NP], roots[64];
        size_t nm = 1 + (size_t)(mgn_test_uniform(&g) * 3), n = 1 + (size_t)(mgn_test_uniform(&g) * NP);
        ref_wide_book(&g, m, (int)nm, pos, n);
        for (size_t i = 0; i < n; i++)
            pos[i].exercise = MGN_EUROPEAN;
        for (size_t v = 0; v < nm; v++) {
            betas[v] = mgn_test_uniform(&g);
            mgn_pm_preset_deribit(&pm[v]);
        }
        mgn_account_params prm;
        mgn_account_params_init(&prm);
        double y = mgn_test_uniform(&g);
        prm.mode = y < 0.4 ? MGN_MODE_CROSS : y < 0.7 ? MGN_MODE_ISOLATED : MGN_MODE_PORTFOLIO;
        prm.pm = pm;
        const double *bt = mgn_test_uniform(&g) < 0.5 ? betas : NULL;
        /* collateral: today's gap a random multiple of the MM */
        mgn_balance bal = { MGN_QUOTE, 0, 0, 0, 0 };
        double size = 0;
        for (size_t i = 0; i < n; i++) {
            iso[i] = 0;
            size += ref_position_size(&pos[i], &m[pos[i].underlying], 10 * m[pos[i].underlying].spot, 1);
        }
        mgn_account a = acct_of(pos, n, &bal, 1);
        a.isolated = iso;
        mgn_account_result r0;
        mgn_position_result per[NP];
        assert_int_equal(mgn_account_eval(m, nm, &a, &prm, 0, INFINITY, work, ws, &r0, per), MGN_OK);
        double k = mgn_test_range(&g, -0.5, 1.5);
        if (prm.mode == MGN_MODE_ISOLATED)
            for (size_t i = 0; i < n; i++)
                iso[i] = fmax(0, per[i].mm - (per[i].equity - iso[i]) + k * per[i].mm);
        else
            bal.amount = r0.mm - r0.equity + k * r0.mm;
        size += fabs(bal.amount);

        mgn_liq_search s;
        mgn_liq_search_init(&s);
        s.betas = bt;
        mgn_liq_price_result res;
        assert_int_equal(mgn_liq_prices(m, nm, &a, &prm, &s, work, ws, roots, 64, &res), MGN_OK);
        assert_true(res.n_roots <= 64);
        double lo = 0.1 * m[0].spot, hi = 10 * m[0].spot, step = pow(hi / lo, 1.0 / (4096 - 1));
        for (size_t i = 0; i < res.n_roots; i++) {
            assert_close(g_moved(m, nm, bt, &a, &prm, roots[i], work, ws), 0, 0, 1e-9 * size);
            if (i)
                assert_true(roots[i] > roots[i - 1]);
        }
        /* the independent scan: its sign changes (xs[c], xe[c]] */
        enum { MAXC = 256 };
        double xs[MAXC], xe[MAXC];
        int hit[MAXC];
        size_t nd = DENSE * 4096, ri = 0, nc = 0;
        double xp = lo, gp = g_moved(m, nm, bt, &a, &prm, lo, work, ws);
        for (size_t j = 1; j < nd; j++) {
            double x = j + 1 == nd ? hi : lo * pow(hi / lo, (double)j / (double)(nd - 1));
            double gx = g_moved(m, nm, bt, &a, &prm, x, work, ws);
            int change = (gp < 0) != (gx < 0);
            if (change) {
                assert_true(nc < MAXC);
                xs[nc] = xp; xe[nc] = x; hit[nc] = 0;
                nc++;
            }
            /* a returned price between xp and x must sit in this sign change */
            for (; ri < res.n_roots && roots[ri] <= x; ri++) {
                if (!(change || gp == 0 || gx == 0)) {
                    print_error("iteration %ld (mode %d): %.17g is no sign change of [%.17g, %.17g]\n",
                                it, prm.mode, roots[ri], xp, x);
                    fail();
                }
                if (change)
                    hit[nc - 1] = 1;
            }
            xp = x;
            gp = gx;
        }
        assert_int_equal(ri, res.n_roots);
        /* a sign change without a returned price: only as one of two within a step */
        for (size_t c = 0; c < nc; c++) {
            int close_pair = (c > 0 && xs[c] / xe[c - 1] <= step * (1 + 1e-9))
                             || (c + 1 < nc && xs[c + 1] / xe[c] <= step * (1 + 1e-9));
            if (!hit[c] && !close_pair) {
                print_error("iteration %ld (mode %d): no price returned in [%.17g, %.17g]\n", it,
                            prm.mode, xs[c], xe[c]);
                fail();
            }
        }
        checked += (long)res.n_roots;
    }
    free(work);
    print_message("%ld random accounts: %ld liquidation prices, each confirmed by the scan\n",
                  iters, checked);
}

/* One rule set: a single tier with these rates. */
static mgn_std_params one_tier(mgn_std_tier *tier)
{
    mgn_std_params sp;
    sp.struct_size = sizeof sp;
    mgn_std_preset(MGN_STD_PRESET_DEFAULT, &sp);
    sp.tiers = tier;
    sp.n_tiers = 1;
    return sp;
}

/* Default account parameters with the one rule set sp. */
static mgn_account_params params_with(const mgn_std_params *sp)
{
    mgn_account_params prm;
    mgn_account_params_init(&prm);
    prm.std = sp;
    prm.n_std = 1;
    return prm;
}

/* Isolated: a short perpetual (-1 @ 100 on 20 of collateral, MM 5% of the notional:
   g = 120 - 1.05 S, 0 at 114.2857...) beside a long put worth exactly 0 (K 50, 1e-4
   years, for S above about 60.2) on no collateral: the put can never reach its MM of
   0 and takes no part; the search finds the perpetual's price alone. (Counted in the
   minimum, the put made g 0 from 60.2 up, the liquidation price was missed and the
   start of that stretch reported instead.) */
static void test_roots_isolated_worthless_long(void **state)
{
    (void)state;
    mgn_std_tier tier = { 0, 0.1, 0.05, 0 };
    mgn_std_params sp = one_tier(&tier);
    mgn_market mk[1] = { { 100, 0, 0 } };
    mgn_position pos[2] = { { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, -1, 1, 0, 0, 0, 100 },
                            opt(MGN_PUT, 1, 50, 1e-4, 0.5) };
    double iso[2] = { 20, 0 }, roots[4];
    mgn_account a = acct_of(pos, 2, NULL, 0);
    a.isolated = iso;
    mgn_account_params prm = params_with(&sp);
    prm.mode = MGN_MODE_ISOLATED;
    mgn_liq_search s;
    mgn_liq_search_init(&s);
    size_t ws;
    assert_int_equal(mgn_liq_prices_work_size(&prm, 1, 2, &ws), MGN_OK);
    void *work = malloc(ws);
    mgn_liq_price_result r;
    assert_int_equal(mgn_liq_prices(mk, 1, &a, &prm, &s, work, ws, roots, 4, &r), MGN_OK);
    assert_int_equal(r.n_roots, 1);
    assert_close(roots[0], 120 / 1.05, 1e-14, 0);
    assert_true(r.has_above && !r.has_below);
    assert_close(r.gap, 15, 1e-14, 0);
    /* cross, no MM rate on short options (their MM is then their mark), no collateral,
       a short put as above: g = -2 x value is < 0 up to where the put's value becomes
       exactly 0 and 0 from there. The crossing is the edge of g < 0 to the last bits
       (it was the first grid point beyond it). */
    mgn_std_params sz = one_tier(&tier);
    sz.mm_base = 0;
    prm = params_with(&sz);
    mgn_balance b0[1] = { { MGN_QUOTE, 0, 0, 0, 0 } };
    pos[1].quantity = -1;
    mgn_account c = acct_of(&pos[1], 1, b0, 1);
    s.lo = 50;
    s.hi = 100;
    assert_int_equal(mgn_liq_prices(mk, 1, &c, &prm, &s, work, ws, roots, 4, &r), MGN_OK);
    assert_int_equal(r.n_roots, 1);
    mgn_account_result e0, e1;
    static char ew[1 << 16];
    mgn_market at = mk[0];
    at.spot = roots[0];
    assert_int_equal(mgn_account_eval(&at, 1, &c, &prm, 0, INFINITY, ew, sizeof ew, &e0, NULL), MGN_OK);
    at.spot = roots[0] * (1 - 8 * DBL_EPSILON);
    assert_int_equal(mgn_account_eval(&at, 1, &c, &prm, 0, INFINITY, ew, sizeof ew, &e1, NULL), MGN_OK);
    assert_true(e0.equity - e0.mm == 0 && e1.equity - e1.mm < 0);
    /* the same edge from a bracket of two points 400 decades apart */
    double edge = roots[0];
    s.lo = 1e-200;
    s.hi = 1e200;
    s.grid = 2;
    assert_int_equal(mgn_liq_prices(mk, 1, &c, &prm, &s, work, ws, roots, 4, &r), MGN_OK);
    assert_int_equal(r.n_roots, 1);
    assert_close(roots[0], edge, 8 * DBL_EPSILON, 0);
    free(work);
}

/* A cross account with one perpetual: the root search equals the closed form. */
static void test_roots_match_closed_form(void **state)
{
    mgn_std_tier tier = { 0, 0.02, 0.01, 0 };
    mgn_std_params sp = one_tier(&tier);
    mgn_position p = { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, 2.5, 1, 0, 0, 0, 48000 };
    mgn_balance bal[1] = { { MGN_QUOTE, 0, 20000, 0, 0 } };
    mgn_account a = acct_of(&p, 1, bal, 1);
    mgn_account_params prm = params_with(&sp);
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

/* Exact zeros of g on scan points, zero-quantity options, duplicate strikes and a
   strike on a grid point. */
static void test_roots_exact_and_duplicates(void **state)
{
    /* a long perpetual 1 @ 100 with wallet 50 and no MM: g(S) = S - 50, exactly 0 at 50;
       a zero-quantity call struck at 50 makes 50 a scan point */
    mgn_std_tier tier = { 0, 0.1, 0, 0 };
    mgn_std_params sp = one_tier(&tier);
    mgn_market mk[1] = { { 100, 0, 0 } };
    mgn_position pos[2] = { { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, 1, 1, 0, 0, 0, 100 },
                            opt(MGN_CALL, 0, 50, 0.1, 0.5) };
    mgn_balance bal[1] = { { MGN_QUOTE, 0, 50, 0, 0 } };
    double iso[2] = { 50, 0 };
    mgn_account a = acct_of(pos, 2, bal, 1);
    mgn_account_params prm = params_with(&sp);
    mgn_liq_search s;
    mgn_liq_search_init(&s);
    s.lo = 20;
    s.hi = 500;
    s.grid = 64;
    size_t ws;
    assert_int_equal(mgn_liq_prices_work_size(&prm, 1, 2, &ws), MGN_OK);
    void *work = malloc(ws);
    double roots[4];
    mgn_liq_price_result r;
    for (int mode = 0; mode < 2; mode++) {
        /* isolated: the wallet is the perpetual's isolated collateral; the option with
           zero quantity does not take part in the minimum */
        prm.mode = mode ? MGN_MODE_ISOLATED : MGN_MODE_CROSS;
        a.isolated = mode ? iso : NULL;
        a.n_bal = mode ? 0 : 1;
        assert_int_equal(mgn_liq_prices(mk, 1, &a, &prm, &s, work, ws, roots, 4, &r), MGN_OK);
        assert_int_equal(r.n_roots, 1);
        assert_true(roots[0] == 50);
        assert_true(r.has_below && !r.has_above);
        assert_true(r.below == 50 && r.gap == 50);
        assert_close(r.below_pct, 50, 1e-15, 0);
        /* the zero at the lower end of the range */
        s.lo = 50;
        assert_int_equal(mgn_liq_prices(mk, 1, &a, &prm, &s, work, ws, roots, 4, &r), MGN_OK);
        assert_int_equal(r.n_roots, 1);
        assert_true(roots[0] == 50);
        s.lo = 20;
    }
    free(work);

    /* short straddle (two strikes equal) plus a zero-quantity option struck exactly on
       a grid point: the same roots as without it, each a zero of g */
    mgn_position st[3] = { opt(MGN_CALL, -10, 50000, 0.1, 0.6), opt(MGN_PUT, -10, 50000, 0.1, 0.6),
                           opt(MGN_PUT, 0, 1, 0.1, 0.6) };
    mgn_balance b2[1] = { { MGN_QUOTE, 0, 500000, 0, 0 } };
    mgn_account_params_init(&prm);
    mgn_liq_search_init(&s);
    s.lo = 10000;
    s.hi = 250000;
    s.grid = 9;
    volatile double vlo = s.lo, vhi = s.hi;   /* the grid's own arithmetic, at run time */
    double ratio = log(vhi / vlo) / (double)(s.grid - 1);
    st[2].strike = vlo * exp(ratio * (double)3);
    assert_int_equal(mgn_liq_prices_work_size(&prm, 2, 3, &ws), MGN_OK);
    work = malloc(ws);
    double r2[8], r3[8];
    mgn_liq_price_result o2, o3;
    a = acct_of(st, 2, b2, 1);
    assert_int_equal(mgn_liq_prices(MK, 2, &a, &prm, &s, work, ws, r2, 8, &o2), MGN_OK);
    a = acct_of(st, 3, b2, 1);
    assert_int_equal(mgn_liq_prices(MK, 2, &a, &prm, &s, work, ws, r3, 8, &o3), MGN_OK);
    assert_int_equal(o2.n_roots, 2);
    assert_int_equal(o3.n_roots, 2);
    assert_memory_equal(r2, r3, 2 * sizeof(double));
    assert_true(r2[0] < 50000 && r2[1] > 50000);
    for (int i = 0; i < 2; i++)
        assert_close(g_at(&a, &prm, r2[i]), 0, 0, 1e-9 * 500000);
    free(work);
}

/* Joint moves through betas: option strikes of other underlyings are mapped onto the
   moved one, and prices that would take another underlying to <= 0 are skipped. */
static void test_roots_beta_outside(void **state)
{
    /* short put on underlying 1 (spot 3000, strike 2500) with beta 2: S_1 <= 0 once
       S_0 <= 25000; the strike maps to S_0 = 50000 (1 + (2500/3000 - 1) / 2) */
    mgn_position pos[1] = { opt(MGN_PUT, -40, 2500, 0.1, 0.8) };
    pos[0].underlying = 1;
    mgn_balance bal[1] = { { MGN_QUOTE, 0, 20000, 0, 0 } };
    mgn_account a = acct_of(pos, 1, bal, 1);
    mgn_account_params prm;
    mgn_account_params_init(&prm);
    double betas[2] = { 7, 2 };   /* betas[underlying] is ignored */
    mgn_liq_search s;
    mgn_liq_search_init(&s);
    s.betas = betas;
    s.lo = 5000;
    s.hi = 100000;
    s.grid = 512;
    size_t ws;
    assert_int_equal(mgn_liq_prices_work_size(&prm, 2, 1, &ws), MGN_OK);
    void *work = malloc(ws);
    double roots[4];
    mgn_liq_price_result r;
    assert_int_equal(mgn_liq_prices(MK, 2, &a, &prm, &s, work, ws, roots, 4, &r), MGN_OK);
    assert_true(r.n_roots >= 1);
    assert_true(r.has_below);
    for (size_t i = 0; i < r.n_roots && i < 4; i++) {
        assert_true(roots[i] > 25000);
        /* equity = MM with both underlyings moved */
        mgn_market m[2] = { MK[0], MK[1] };
        m[0].spot = roots[i];
        m[1].spot = 3000 * (1 + 2 * (roots[i] / 50000 - 1));
        mgn_account_result ar;
        assert_int_equal(mgn_account_eval(m, 2, &a, &prm, 0, INFINITY, NULL, 0, &ar, NULL), MGN_OK);
        assert_close(ar.equity - ar.mm, 0, 0, 1e-9 * 20000);
    }
    free(work);
}

/* Status of the root search for bad calls and overflowing evaluations. */
/* A failure inside a bracket, between two prices that evaluate: portfolio mode (PM grid
 * of moves -10%, 0, +10% only, no add-ons) with IM = MM = 1e300 x requirement on a
 * long 50/100/150 call butterfly (vol 1%, 0.01 years). The requirement, the butterfly's
 * loss on a 10% rise, is 0.1 S q up to 136.4 and q (150 - S) above: 1e300 times it
 * passes DBL_MAX between 125 and 137.5 only. The search evaluates 10, 50, 100, 150 and
 * 300 (ends and strikes) without failure; g changes sign over [100, 150], and Brent's
 * second step (near 134) lands in the overflow. */
static void test_roots_failure_in_bracket(void **state)
{
    double F = 1e300, q = 0.08 * DBL_MAX / F;
    mgn_market mk[1] = { { 100, 0, 0 } };
    mgn_pm_params pm;
    memset(&pm, 0, sizeof pm);
    pm.struct_size = sizeof pm;
    pm.price_range = 0.1;
    pm.price_steps = 1;
    pm.vol_scenarios = 1;
    pm.vol_mode = MGN_PM_VOL_ABSOLUTE;
    mgn_position pos[3] = { opt(MGN_CALL, q, 50, 0.01, 0.01), opt(MGN_CALL, -2 * q, 100, 0.01, 0.01),
                            opt(MGN_CALL, q, 150, 0.01, 0.01) };
    mgn_balance bal[1] = { { MGN_QUOTE, 0, 0.5 * DBL_MAX, 0, 0 } };
    mgn_account a = acct_of(pos, 3, bal, 1);
    mgn_account_params prm;
    mgn_account_params_init(&prm);
    prm.mode = MGN_MODE_PORTFOLIO;
    prm.pm = &pm;
    prm.pm_im_factor = prm.pm_mm_factor = F;
    size_t ws;
    assert_int_equal(mgn_liq_prices_work_size(&prm, 1, 3, &ws), MGN_OK);
    void *work = malloc(ws);
    static const double ok_at[5] = { 10, 50, 100, 150, 300 };
    double g[5];
    for (int k = 0; k < 5; k++) {
        mgn_market m = { ok_at[k], 0, 0 };
        mgn_account_result ar;
        assert_int_equal(mgn_account_eval(&m, 1, &a, &prm, 0, INFINITY, work, ws, &ar, NULL), MGN_OK);
        g[k] = ar.equity - ar.mm;
    }
    assert_true(g[1] > 0 && g[2] < 0 && g[3] > 0 && g[4] > 0);
    mgn_market m130 = { 130, 0, 0 };
    mgn_account_result ar;
    assert_int_equal(mgn_account_eval(&m130, 1, &a, &prm, 0, INFINITY, work, ws, &ar, NULL), MGN_ERANGE);
    mgn_liq_search s;
    mgn_liq_search_init(&s);
    s.lo = 10;
    s.hi = 300;
    s.grid = 2;
    double roots[4], roots_keep[4];
    mgn_liq_price_result r, keep;
    memset(&keep, 0x55, sizeof keep);
    memset(roots_keep, 0x55, sizeof roots_keep);
    r = keep;
    memcpy(roots, roots_keep, sizeof roots);
    assert_int_equal(mgn_liq_prices(mk, 1, &a, &prm, &s, work, ws, roots, 4, &r), MGN_ERANGE);
    assert_memory_equal(&r, &keep, sizeof r);
    /* 0.7e300 x requirement stays finite: the two roots, one on each side of 100 */
    prm.pm_im_factor = prm.pm_mm_factor = 0.7 * F;
    assert_int_equal(mgn_liq_prices(mk, 1, &a, &prm, &s, work, ws, roots, 4, &r), MGN_OK);
    assert_int_equal(r.n_roots, 2);
    assert_true(roots[0] > 50 && roots[0] < 100 && roots[1] > 100 && roots[1] < 150);
    for (int k = 0; k < 2; k++) {
        mgn_market m = { roots[k], 0, 0 };
        assert_int_equal(mgn_account_eval(&m, 1, &a, &prm, 0, INFINITY, work, ws, &ar, NULL), MGN_OK);
        assert_close(ar.equity - ar.mm, 0, 0, 1e-12 * DBL_MAX);
    }
    free(work);
}

static void test_roots_status(void **state)
{
    mgn_position p = { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, 2, 1, 0, 0, 0, 48000 };
    mgn_balance bal[1] = { { MGN_QUOTE, 0, 20000, 0, 0 } };
    mgn_account a = acct_of(&p, 1, bal, 1);
    mgn_account_params prm;
    mgn_account_params_init(&prm);
    mgn_liq_search s;
    assert_int_equal(mgn_liq_search_init(NULL), MGN_EINVAL);
    mgn_liq_search_init(&s);
    size_t ws;
    assert_int_equal(mgn_liq_prices_work_size(&prm, 2, 1, NULL), MGN_EINVAL);
    assert_int_equal(mgn_liq_prices_work_size(&prm, 2, (size_t)INT_MAX, &ws), MGN_ERANGE);
    assert_int_equal(mgn_liq_prices_work_size(NULL, 2, 1, &ws), MGN_EINVAL);
    assert_int_equal(mgn_liq_prices_work_size(&prm, 2, 1, &ws), MGN_OK);
    void *work = malloc(ws);
    double root;
    mgn_liq_price_result r, keep;
    memset(&keep, 0x55, sizeof keep);
    r = keep;
    /* search record: wrong size, reserved field, NULL */
    s.struct_size = 8;
    assert_int_equal(mgn_liq_prices(MK, 2, &a, &prm, &s, work, ws, &root, 1, &r), MGN_EINVAL);
    mgn_liq_search_init(&s);
    s.reserved = 1;
    assert_int_equal(mgn_liq_prices(MK, 2, &a, &prm, &s, work, ws, &root, 1, &r), MGN_EINVAL);
    assert_int_equal(mgn_liq_prices(MK, 2, &a, &prm, NULL, work, ws, &root, 1, &r), MGN_EINVAL);
    mgn_liq_search_init(&s);
    double betas[2] = { 1, NAN };
    s.betas = betas;
    assert_int_equal(mgn_liq_prices(MK, 2, &a, &prm, &s, work, ws, &root, 1, &r), MGN_EINVAL);
    s.betas = NULL;
    /* a bad account */
    mgn_account bad = a;
    bad.reserved = 1;
    assert_int_equal(mgn_liq_prices(MK, 2, &bad, &prm, &s, work, ws, &root, 1, &r), MGN_EINVAL);
    /* an account whose value overflows inside the range (2 x DBL_MAX), and one
       whose value overflows today */
    s.hi = DBL_MAX;
    assert_int_equal(mgn_liq_prices(MK, 2, &a, &prm, &s, work, ws, &root, 1, &r), MGN_ERANGE);
    mgn_liq_search_init(&s);
    mgn_position huge = p;
    huge.quantity = 1e305;
    mgn_account ah = acct_of(&huge, 1, bal, 1);
    assert_int_equal(mgn_liq_prices(MK, 2, &ah, &prm, &s, work, ws, &root, 1, &r), MGN_ERANGE);
    assert_memory_equal(&r, &keep, sizeof r);

    /* what-if: NULL order, bad params, bad account, bad order, an order whose equity
       adjustment overflows */
    mgn_position order = { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, 1, 1, 0, 0, 0, 50000 };
    assert_int_equal(mgn_whatif_liq_prices(MK, 2, &a, &prm, NULL, 0, &s, work, ws, &root, 1, &r),
                     MGN_EINVAL);
    mgn_account_params badp = prm;
    badp.liq_ratio = 2;
    assert_int_equal(mgn_whatif_liq_prices(MK, 2, &a, &badp, &order, 0, &s, work, ws, &root, 1, &r),
                     MGN_EINVAL);
    assert_int_equal(mgn_whatif_liq_prices(MK, 2, &bad, &prm, &order, 0, &s, work, ws, &root, 1, &r),
                     MGN_EINVAL);
    assert_int_equal(mgn_whatif_liq_prices(MK, 2, &a, &prm, &order, -1, &s, work, ws, &root, 1, &r),
                     MGN_EINVAL);
    mgn_position big = order;
    big.quantity = 1e300;
    big.entry_price = 1e300;
    assert_int_equal(mgn_whatif_liq_prices(MK, 2, &a, &prm, &big, 0, &s, work, ws, &root, 1, &r),
                     MGN_ERANGE);
    big.quantity = 1e305;   /* its gain overflows: the adjustment is -inf */
    big.entry_price = 1;
    assert_int_equal(mgn_whatif_liq_prices(MK, 2, &a, &prm, &big, 0, &s, work, ws, &root, 1, &r),
                     MGN_ERANGE);
    assert_memory_equal(&r, &keep, sizeof r);
    /* the order that doubles the position: one root, where the closed form for 3 @
       (2 x 48000 + 50000) / 3 puts it */
    assert_int_equal(mgn_whatif_liq_prices(MK, 2, &a, &prm, &order, 0, &s, work, ws, &root, 1, &r),
                     MGN_OK);
    assert_int_equal(r.n_roots, 1);
    assert_close(g_at(&(mgn_account){ sizeof(mgn_account), (mgn_position[]){ p, order }, 2, bal, 1,
                                      NULL, MGN_QUOTE, 0 }, &prm, root), 0, 0, 1e-9 * 20000);
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
    mgn_account_params prm = params_with(&sp);
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

/* Isolated mode: each position is restored on its own collateral; the close realises
   the mark value into that collateral and the penalty comes out of it. */
static void test_partial_isolated(void **state)
{
    mgn_std_tier tier = { 0, 0.10, 0.05, 0 };
    mgn_std_params sp = one_tier(&tier);
    /* position 0: long 2 @ 52000, spot 50000: e = 8000 - 4000 = 4000 < MM 1.1 x 5000;
       position 1: short 20 @ 2900, spot 3000: e = 6000 - 2000 = 4000 >= 1.1 x 3000;
       position 2: nothing (zero quantity), skipped */
    mgn_position pos[3] = {
        { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, 2, 1, 0, 0, 0, 52000 },
        { MGN_PERPETUAL, 1, 0, MGN_LINEAR, 0, 0, -20, 1, 0, 0, 0, 2900 },
        { MGN_PERPETUAL, 1, 0, MGN_LINEAR, 0, 0, 0, 1, 0, 0, 0, 2900 } };
    double iso[3] = { 8000, 6000, 0 };
    mgn_account a = acct_of(pos, 3, NULL, 0);
    a.isolated = iso;
    mgn_account_params prm;
    mgn_account_params_init(&prm);
    prm.mode = MGN_MODE_ISOLATED;
    prm.std = &sp;
    prm.n_std = 1;
    mgn_liq_params lp;
    mgn_liq_params_init(&lp);
    assert_int_equal(mgn_liq_params_init(NULL), MGN_EINVAL);
    size_t ws;
    assert_int_equal(mgn_liq_partial_work_size(&prm, 2, 3, NULL), MGN_EINVAL);
    assert_int_equal(mgn_liq_partial_work_size(&prm, 2, (size_t)INT_MAX, &ws), MGN_ERANGE);
    assert_int_equal(mgn_liq_partial_work_size(&prm, 2, 3, &ws), MGN_OK);
    void *work = malloc(ws ? ws : 1);
    mgn_liq_close cl[3];
    mgn_liq_result r;
    int prio[3] = { 2, 1, 0 };
    for (int order = 0; order < 3; order++) {
        lp.order = order;
        lp.priority = prio;
        lp.n_priority = 3;
        assert_int_equal(mgn_liq_partial(MK, 2, &a, &prm, &lp, NULL, work, ws, cl, &r), MGN_OK);
        assert_int_equal(r.restored, 1);
        assert_int_equal(r.full, 0);
        if (order == MGN_LIQ_PROPORTIONAL) {
            /* both positions reduced by the same fraction */
            assert_int_equal(r.n_closes, 2);
            assert_close(cl[0].fraction, cl[1].fraction, 1e-15, 0);
            continue;
        }
        /* largest MM first: position 0 alone, 4000 - 750 f >= 5500 (1 - f), f = 1500 / 4750;
           given order (2, 1, 0): position 2 is skipped, position 1 closed up to the
           close factor without restoring the account, then position 0 as above */
        assert_int_equal(r.n_closes, order == MGN_LIQ_GIVEN ? 2 : 1);
        if (order == MGN_LIQ_GIVEN) {
            assert_int_equal(cl[0].position, 1);
            assert_true(cl[0].fraction == lp.close_factor);
        }
        size_t k = r.n_closes - 1;
        assert_int_equal(cl[k].position, 0);
        assert_close(cl[k].fraction, 1500.0 / 4750.0, 1e-12, 0);
        assert_close(cl[k].penalty, 0.0075 * cl[k].fraction * 2 * 50000, 1e-12, 0);
        assert_close(cl[k].quantity, 2 * cl[k].fraction, 1e-15, 0);
        assert_true(cl[k].price == 50000);
    }
    /* the IM target: position 0 needs 4000 - 750 f >= 10000 (1 - f), f = 6000 / 9250 >
       the close factor 0.5: nothing partial restores it, everything is closed */
    lp.order = MGN_LIQ_LARGEST_MM;
    lp.target = MGN_LIQ_TARGET_IM;
    assert_int_equal(mgn_liq_partial(MK, 2, &a, &prm, &lp, NULL, work, ws, cl, &r), MGN_OK);
    assert_int_equal(r.full, 1);
    assert_int_equal(r.n_closes, 2);
    assert_true(r.after.mm == 0 && r.after.im == 0);
    /* with close factor 1 position 0 is closed entirely (that alone does not restore
       the account: position 1 is below its IM 6000 too), then position 1 as needed:
       4000 - 450 f >= 6000 (1 - f), f = 2000 / 5550 */
    lp.close_factor = 1;
    assert_int_equal(mgn_liq_partial(MK, 2, &a, &prm, &lp, NULL, work, ws, cl, &r), MGN_OK);
    assert_int_equal(r.full, 0);
    assert_int_equal(r.restored, 1);
    assert_int_equal(r.n_closes, 2);
    assert_true(cl[0].position == 0 && cl[0].fraction == 1);
    assert_int_equal(cl[1].position, 1);
    assert_close(cl[1].fraction, 2000.0 / 5550.0, 1e-12, 0);
    /* a borrowed pooled balance: the pool stays negative whatever is closed, so the
       account is never restored */
    mgn_balance debt[1] = { { MGN_QUOTE, 0, -100, 0, 0 } };
    mgn_account b = acct_of(pos, 2, debt, 1);
    b.isolated = iso;
    lp.target = MGN_LIQ_TARGET_MM;
    assert_int_equal(mgn_liq_partial(MK, 2, &b, &prm, &lp, NULL, work, ws, cl, &r), MGN_OK);
    assert_int_equal(r.full, 1);
    assert_int_equal(r.restored, 0);
    assert_true(r.after.collateral < 0);
    free(work);
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
    mgn_account_params prm = params_with(&sp);
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
    assert_int_equal(mgn_liq_partial(MK, 2, &a, &prm, NULL, NULL, work, ws, cl, &r), MGN_EINVAL);
    assert_int_equal(mgn_liq_partial(MK, 2, NULL, &prm, &lp, NULL, work, ws, cl, &r), MGN_EINVAL);
    mgn_account_params badp = prm;
    badp.mode = 7;
    assert_int_equal(mgn_liq_partial(MK, 2, &a, &badp, &lp, NULL, work, ws, cl, &r), MGN_EINVAL);
    mgn_account bad = a;
    bad.currency = 5;
    assert_int_equal(mgn_liq_partial(MK, 2, &bad, &prm, &lp, NULL, work, ws, cl, &r), MGN_EINVAL);
    /* a priority naming a position twice */
    mgn_position two[2] = { p, p };
    mgn_account a2 = acct_of(two, 2, bal, 1);
    b = lp; b.order = MGN_LIQ_GIVEN;
    b.priority = prio; b.n_priority = 2; prio[0] = 1; prio[1] = 1;
    assert_int_equal(mgn_liq_partial(MK, 2, &a2, &prm, &b, NULL, work, ws, cl, &r), MGN_EINVAL);
    /* the account's value overflows */
    mgn_position huge = p;
    huge.quantity = 1e305;
    mgn_account ah = acct_of(&huge, 1, bal, 1);
    assert_int_equal(mgn_liq_partial(MK, 2, &ah, &prm, &lp, NULL, work, ws, cl, &r), MGN_ERANGE);
    assert_int_equal(mgn_liq_partial(MK, 2, &a, &prm, &lp, NULL, work, 8, cl, &r), MGN_ENOMEM);
    assert_int_equal(mgn_liq_partial(MK, 2, &a, &prm, &lp, NULL, work, ws, NULL, &r), MGN_EINVAL);
    assert_memory_equal(&r, &keep, sizeof r);
    free(work);
}

/* A position of the smallest subnormal quantity whose closed notional is a normal
   number (spot 1e300): its penalty is penalty_rate * notional, not 0 (the rate times
   the quantity alone underflowed). */
static void test_partial_subnormal_quantity(void **state)
{
    (void)state;
    mgn_market mk[1] = { { 1e300, 0, 0 } };
    mgn_std_tier tier = { 0, 0.02, 0.01, 0 };
    mgn_std_params sp = one_tier(&tier);
    mgn_position pos[2] = { { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, -1, 1, 0, 0, 0, 0.5e300 },
                            { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, 4.9406564584124654e-324, 1,
                              0, 0, 0, 1e300 } };
    mgn_balance bal[1] = { { MGN_QUOTE, 0, 0, 0, 0 } };
    mgn_account a = acct_of(pos, 2, bal, 1);
    mgn_account_params prm = params_with(&sp);
    mgn_liq_params lp;
    mgn_liq_params_init(&lp);
    size_t ws;
    assert_int_equal(mgn_liq_partial_work_size(&prm, 1, 2, &ws), MGN_OK);
    void *work = malloc(ws);
    mgn_liq_close cl[2];
    mgn_liq_result r;
    assert_int_equal(mgn_liq_partial(mk, 1, &a, &prm, &lp, NULL, work, ws, cl, &r), MGN_OK);
    assert_int_equal(r.full, 1);
    assert_int_equal(r.n_closes, 2);
    for (size_t k = 0; k < r.n_closes; k++) {
        assert_true(cl[k].notional > 0);
        assert_close(cl[k].penalty, lp.penalty_rate * cl[k].notional, 1e-15, 0);
    }
    assert_close(cl[1].notional, 4.9406564584124654e-24, 1e-15, 0);
    free(work);
}

/* Penalties whose total overflows: two perpetuals worth 0 at the mark (entry = S), each
 * of notional 0.99 DBL_MAX, penalty rate 0.9. No close restores the account (the
 * penalty only lowers its equity of 0); the partial closes' penalties total
 * 1.782 f DBL_MAX: finite up to close_factor 0.5, overflowing in the scan beyond
 * f = 0.562 with close_factor 1 (proportional, and largest-MM where the second
 * position's scan starts after the first is closed), and in the full close that
 * follows a failed scan with close_factor 0.5. */
static void test_partial_penalty_overflow(void **state)
{
    mgn_std_tier tier = { 0, 0.02, 0.01, 0 };
    mgn_std_params sp = one_tier(&tier);
    double q = 0.99 * DBL_MAX / 50000;
    mgn_position p = { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, q, 1, 0, 0, 0, 50000 };
    mgn_position two[2] = { p, p };
    mgn_balance bal[1] = { { MGN_QUOTE, 0, 0, 0, 0 } };
    mgn_account a = acct_of(two, 2, bal, 1);
    mgn_account_params prm = params_with(&sp);
    mgn_liq_params lp;
    mgn_liq_params_init(&lp);
    size_t ws;
    assert_int_equal(mgn_liq_partial_work_size(&prm, 2, 2, &ws), MGN_OK);
    void *work = malloc(ws);
    mgn_liq_close cl[2], cl_keep[2];
    mgn_liq_result r, keep;
    /* penalty rate 0.4: the full close's penalty 0.792 DBL_MAX is finite, but the
       closed notional, 1.98 DBL_MAX, is not: MGN_ERANGE, nothing written (it was
       once reported as infinite with MGN_OK). One such position alone is fine. */
    lp.penalty_rate = 0.4;
    memset(&keep, 0x5a, sizeof keep);
    memset(cl_keep, 0x5a, sizeof cl_keep);
    mgn_account one = acct_of(two, 1, bal, 1);
    for (int order = MGN_LIQ_PROPORTIONAL; order <= MGN_LIQ_LARGEST_MM; order++) {
        lp.order = order;
        lp.close_factor = 1;
        r = keep;
        memcpy(cl, cl_keep, sizeof cl);
        assert_int_equal(mgn_liq_partial(MK, 2, &a, &prm, &lp, NULL, work, ws, cl, &r),
                         MGN_ERANGE);
        assert_memory_equal(&r, &keep, sizeof r);
        assert_memory_equal(cl, cl_keep, sizeof cl);
        assert_int_equal(mgn_liq_partial(MK, 2, &one, &prm, &lp, NULL, work, ws, cl, &r),
                         MGN_OK);
        assert_int_equal(r.full, 1);
        assert_int_equal(r.restored, 0);
        assert_int_equal(r.n_closes, 1);
        assert_close(r.notional, q * 50000, 1e-14, 0);
        assert_close(r.penalty, 0.4 * q * 50000, 1e-14, 0);
        assert_close(r.after.equity, -r.penalty, 1e-14, 0);
    }
    lp.penalty_rate = 0.9;
    for (int order = MGN_LIQ_PROPORTIONAL; order <= MGN_LIQ_LARGEST_MM; order++)
        for (int half = 0; half < 2; half++) {
            lp.order = order;
            lp.close_factor = half ? 0.5 : 1;
            r = keep;
            memcpy(cl, cl_keep, sizeof cl);
            assert_int_equal(mgn_liq_partial(MK, 2, &a, &prm, &lp, NULL, work, ws, cl, &r),
                             MGN_ERANGE);
            assert_memory_equal(&r, &keep, sizeof r);
            assert_memory_equal(cl, cl_keep, sizeof cl);
        }
    free(work);
}

/*------------------------------------------------------------------ random partial liquidation */

enum { PR_NP = 8 };

/* Closed notional per contract of p in the account currency cur (partial liquidation
   header): |multiplier| S for options and linear futures/perpetuals (underlying
   notional at the index price), multiplier for inverse futures and perpetuals (quote
   notional); quote converts to the coin of cur at its index price. */
static double pr_notional_per_contract(const mgn_market *m, const mgn_position *p, int cur)
{
    double S = m[p->underlying].spot;
    double q = p->instrument != MGN_OPTION && p->settlement == MGN_INVERSE ? p->multiplier
                                                                         : p->multiplier * S;
    return cur == MGN_QUOTE ? q : q / m[cur].spot;
}

/* Mark per unit of a close (mgn_liq_close.price): the option's BSM value in quote, the
   future's F = S e^{(r-q)T}, the perpetual's S. */
static double pr_mark(const mgn_market *m, const mgn_position *p)
{
    const mgn_market *u = &m[p->underlying];
    if (p->instrument == MGN_PERPETUAL)
        return u->spot;
    if (p->instrument == MGN_FUTURE)
        return u->spot * exp((u->rate - u->carry) * p->expiry);
    double V;
    assert_int_equal(mgn_bs_price((mgn_option_type)p->option_type, u->spot, p->strike, p->expiry,
                                  u->rate, u->carry, p->vol, &V), MGN_OK);
    return V;
}

/* The account and what the reference needs to apply closes to it. */
typedef struct {
    const mgn_market *m;
    size_t nm;
    const mgn_account *a;
    const mgn_account_params *prm;
    const mgn_liq_params *lp;
    const double *value;    /* each position's value before (account currency) */
    const double *npc;      /* closed notional per contract (account currency) */
    void *work;
    size_t ws;
} pr_ctx;

/* The account after closing the fraction fr[i] of each position i at the mark, by
   the header's definition: quantities reduced by fr[i] * quantity, the closed part's
   value (fr[i] times the position's value) realised into a cash balance of the
   account currency without haircut, the penalty (penalty_rate x closed notional) paid
   out of it; evaluated by mgn_account_eval. */
static mgn_account_result pr_apply(const pr_ctx *c, const double *fr)
{
    const mgn_account *a = c->a;
    mgn_position q[PR_NP];
    mgn_balance b[4];
    long double cash = 0;
    for (size_t i = 0; i < a->n_pos; i++) {
        q[i] = a->pos[i];
        double dq = fr[i] * a->pos[i].quantity;
        q[i].quantity = a->pos[i].quantity - dq;
        cash += (long double)fr[i] * c->value[i]
                - (long double)c->lp->penalty_rate * (fabs(dq) * c->npc[i]);
    }
    for (size_t k = 0; k < a->n_bal; k++)
        b[k] = a->bal[k];
    mgn_balance cb = { a->currency, 0, (double)cash, 0, 0 };
    b[a->n_bal] = cb;
    mgn_account ac = *a;
    ac.pos = q;
    ac.bal = b;
    ac.n_bal = a->n_bal + 1;
    mgn_account_result r;
    assert_int_equal(mgn_account_eval(c->m, c->nm, &ac, c->prm, 0, INFINITY, c->work, c->ws, &r,
                                      NULL), MGN_OK);
    return r;
}

/* How far the account is past the liquidation target (header: restored when
   equity >= T and equity >= 0, T = MM (1 + buffer) or IM): min(E - T, E), >= 0 when
   restored. */
static double pr_gap(const mgn_account_result *r, const mgn_liq_params *lp)
{
    double T = lp->target == MGN_LIQ_TARGET_IM ? r->im : r->mm * (1 + lp->buffer);
    return fmin(r->equity - T, r->equity);
}

/* |got - want| against tol: fails beyond it, else keeps the worst fraction. */
static void pr_check(double got, double want, double tol, double *worst, long it,
                     const char *what)
{
    double e = fabs(got - want) / tol;
    if (!(e <= 1)) {
        print_error("case %ld: %s = %.17g, expected %.17g (%.3g of the tolerance)\n", it, what,
                    got, want, e);
        fail();
    }
    if (e > *worst)
        *worst = e;
}

/* An account result against the reference's, every figure within tol (account
   currency); the status equal unless the equity lies within tol of a boundary
   (0, MM * liq_ratio, MM, IM), and so the call amount with it; the margin ratio
   within what tol on equity and MM allows. */
static void pr_check_result(const mgn_account_result *got, const mgn_account_result *want,
                            double tol, double liq_ratio, double *worst, long it, const char *what)
{
    char name[64];
#define PR_FIELD(f)                                                     \
    do {                                                                \
        snprintf(name, sizeof name, "%s." #f, what);                    \
        pr_check(got->f, want->f, tol, worst, it, name);                \
    } while (0)
    PR_FIELD(equity);
    PR_FIELD(collateral);
    PR_FIELD(position_value);
    PR_FIELD(im);
    PR_FIELD(mm);
    PR_FIELD(available);
    PR_FIELD(shortfall);
    if (want->mm > tol && got->mm > tol) {
        /* ratio E / MM: d(E/MM) <= (dE + |E/MM| dMM) / MM */
        snprintf(name, sizeof name, "%s.margin_ratio", what);
        pr_check(got->margin_ratio, want->margin_ratio,
                 tol * (1 + fabs(want->margin_ratio)) / want->mm, worst, it, name);
    }
    if (got->status != want->status) {
        double E = want->equity, near = fmin(fmin(fabs(E), fabs(E - want->mm * liq_ratio)),
                                             fmin(fabs(E - want->mm), fabs(E - want->im)));
        if (!(near <= tol)) {
            print_error("case %ld: %s.status %d, expected %d (equity %.17g, IM %.17g, MM %.17g)\n",
                        it, what, got->status, want->status, E, want->im, want->mm);
            fail();
        }
    } else {
        /* the call amount is IM - E from MARGIN_CALL on: compared with equal statuses */
        PR_FIELD(call_amount);
        assert_int_equal(got->n_called, want->n_called);
    }
#undef PR_FIELD
}

/* Random accounts (1-8 European options, futures and perpetuals, linear and inverse,
 * over the pricing domain on 1-3 markets, tests/margin_ref.h; some positions of zero
 * quantity, some twice: ties of MM) in cross mode (the default rule set, a preset, or
 * one preset per market) and portfolio mode (grid or SPAN, random factors), reported
 * in quote or in a coin, with collateral placing the equity somewhat below MM, far
 * below it (bankrupt too), or between MM and above the target; every mgn_liq_params
 * setting (the three orders, random priorities and their prefixes, both targets,
 * buffer 0-0.5, penalty 0-5%, close factor (0, 1]). The reference composes the
 * header's definitions: the returned closes are applied to a copy of the account
 * (quantities reduced, the closed value realised into cash less the penalty, its
 * notional computed here) and the copy is evaluated by mgn_account_eval: out->after
 * and out->before must equal those evaluations, restored must be the target met, the
 * closes must follow the order's rule (which positions, in which order, each at most
 * close_factor, all but the last at the cap, one fraction f for PROPORTIONAL),
 * closing the last position (or f) 1e-9 relative less must not restore the account,
 * and with full = 1 the largest allowed closes (each prefix of the order at the cap,
 * or f = close_factor) must not. Isolated mode, whose target is met position by
 * position, is left to test_partial_isolated. */
static void test_partial_random(void **state)
{
    (void)state;
    mgn_test_rng g = { 0x3C1F7A92E4B05D68ULL };
    mgn_account_params probe;
    mgn_account_params_init(&probe);
    probe.mode = MGN_MODE_PORTFOLIO;
    size_t ws, wp;
    assert_int_equal(mgn_account_work_size(&probe, 3, PR_NP, &ws), MGN_OK);
    probe.pm_method = MGN_PM_METHOD_SPAN;
    assert_int_equal(mgn_account_work_size(&probe, 3, PR_NP, &wp), MGN_OK);
    ws = ws > wp ? ws : wp;
    assert_int_equal(mgn_liq_partial_work_size(&probe, 3, PR_NP, &wp), MGN_OK);
    ws = ws > wp ? ws : wp;
    probe.pm_method = MGN_PM_METHOD_GRID;
    assert_int_equal(mgn_liq_partial_work_size(&probe, 3, PR_NP, &wp), MGN_OK);
    ws = ws > wp ? ws : wp;
    void *work = malloc(ws);
    assert_non_null(work);
    double worst = 0;
    long iters = mgn_test_cases(300);
    long n_full = 0, n_restored = 0, n_none = 0, n_min = 0, n_min_unsure = 0;
    for (long it = 0; it < iters; it++) {
        mgn_market m[3];
        mgn_position pos[PR_NP];
        size_t nm = 1 + (size_t)(mgn_test_uniform(&g) * 3);
        size_t n = 1 + (size_t)(mgn_test_uniform(&g) * PR_NP);
        ref_wide_book(&g, m, (int)nm, pos, n);
        for (size_t i = 0; i < n; i++) {
            pos[i].exercise = MGN_EUROPEAN;
            double x = mgn_test_uniform(&g);
            if (x < 0.08)
                pos[i].quantity = 0;          /* skipped by every order */
            else if (x < 0.2 && i > 0)
                pos[i] = pos[(size_t)(mgn_test_uniform(&g) * (double)i)];  /* MM ties */
        }
        /* account parameters: cross (default, one preset, or one per market) or
           portfolio (grid or SPAN) */
        mgn_account_params prm;
        mgn_account_params_init(&prm);
        mgn_std_params sp[3];
        mgn_pm_params pm[3];
        mgn_span_params span[3];
        ref_random_rule_sets(&g, nm, sp, pm, span);
        double y = mgn_test_uniform(&g);
        if (y < 0.6) {
            prm.mode = MGN_MODE_CROSS;
            double z = mgn_test_uniform(&g);
            if (z < 0.7) {
                prm.std = z < 0.3 ? NULL : sp;
                prm.n_std = 1;
            } else {
                prm.std = sp;
                prm.n_std = nm;
            }
        } else {
            prm.mode = MGN_MODE_PORTFOLIO;
            prm.pm_method = y < 0.85 ? MGN_PM_METHOD_GRID : MGN_PM_METHOD_SPAN;
            prm.pm = pm;
            prm.span = span;
            prm.pm_im_factor = mgn_test_range(&g, 1, 1.5);
            prm.pm_mm_factor = prm.pm_im_factor * mgn_test_range(&g, 0.5, 1);
        }
        prm.liq_ratio = mgn_test_uniform(&g) < 0.5 ? 1 : mgn_test_range(&g, 0.5, 1);
        int cur = mgn_test_uniform(&g) < 0.7 ? MGN_QUOTE : (int)(mgn_test_uniform(&g) * nm);
        double cq = cur == MGN_QUOTE ? 1 : 1 / m[cur].spot;   /* quote -> account currency */
        /* balances: quote cash placing the equity, sometimes a coin with a haircut */
        mgn_balance bal[2] = { { MGN_QUOTE, 0, 0, 0, 0 }, { 0, 0, 0, 0, 0 } };
        size_t nb = 1;
        if (mgn_test_uniform(&g) < 0.3) {
            int u = (int)(mgn_test_uniform(&g) * nm);
            mgn_balance c = { u, 0, mgn_test_logrange(&g, 1e-3, 10), mgn_test_range(&g, 0, 0.3),
                              mgn_test_range(&g, 0, 0.01) };
            bal[nb++] = c;
        }
        mgn_account a = acct_of(pos, n, bal, nb);
        a.currency = cur;
        mgn_account_result r0;
        mgn_position_result per[PR_NP];
        assert_int_equal(mgn_account_eval(m, nm, &a, &prm, 0, INFINITY, work, ws, &r0, per),
                         MGN_OK);
        /* the account's size (as the pricers' absolute accuracy measures it) */
        double size = 0;
        for (size_t i = 0; i < n; i++)
            size += ref_position_size(&pos[i], &m[pos[i].underlying], m[pos[i].underlying].spot,
                                      cur == MGN_QUOTE ? 1 : m[cur].spot);
        double mm = r0.mm > 1e-6 * size ? r0.mm : fmax(1e-3 * size, 1e-300);
        double z = mgn_test_uniform(&g), k = z < 0.5 ? mgn_test_range(&g, -0.3, 0)
                                           : z < 0.7 ? mgn_test_range(&g, -3, -0.3)
                                                     : mgn_test_range(&g, 0, 0.6);
        bal[0].amount = (mm * (1 + k) - r0.equity) / cq;
        assert_int_equal(mgn_account_eval(m, nm, &a, &prm, 0, INFINITY, work, ws, &r0, per),
                         MGN_OK);
        /* liquidation parameters */
        mgn_liq_params lp;
        mgn_liq_params_init(&lp);
        lp.order = (int)(mgn_test_uniform(&g) * 3);
        lp.target = mgn_test_uniform(&g) < 0.3 ? MGN_LIQ_TARGET_IM : MGN_LIQ_TARGET_MM;
        lp.buffer = mgn_test_uniform(&g) < 0.2 ? 0 : mgn_test_range(&g, 0, 0.5);
        lp.penalty_rate = mgn_test_uniform(&g) < 0.15 ? 0 : mgn_test_logrange(&g, 1e-4, 0.05);
        z = mgn_test_uniform(&g);
        lp.close_factor = z < 0.2 ? 1 : z < 0.35 ? 0.5 : 1 - mgn_test_uniform(&g);  /* (0, 1] */
        int prio[PR_NP];
        for (size_t i = 0; i < n; i++)
            prio[i] = (int)i;
        for (size_t i = n; i-- > 1;) {                  /* Fisher-Yates */
            size_t j = (size_t)(mgn_test_uniform(&g) * (double)(i + 1));
            int t = prio[i];
            prio[i] = prio[j];
            prio[j] = t;
        }
        lp.priority = prio;
        lp.n_priority = mgn_test_uniform(&g) < 0.5 ? n : (size_t)(mgn_test_uniform(&g) * (n + 1));

        mgn_liq_close cl[PR_NP];
        mgn_liq_result out;
        mgn_oracle_result guard;                    /* a passing guard decides as none */
        memset(&guard, 0, sizeof guard);
        guard.verdict = MGN_ORACLE_OK;
        const mgn_oracle_result *gp = mgn_test_uniform(&g) < 0.5 ? &guard : NULL;
        assert_int_equal(mgn_liq_partial(m, nm, &a, &prm, &lp, gp, work, ws, cl, &out), MGN_OK);

        /* tolerances: figures within 1e-12 of the account's size (its collateral,
           positions and margins; the pricers' absolute accuracy, and the rounding of
           reduced quantities, are far below); restored / not restored is judged only
           where the gap to the target exceeds 1e-14 of that size (the rounding of
           the two compositions, q - f q here and q (1 - f) in the library, is a few
           ulps of it) */
        double scale = size + fabs(r0.collateral) + fabs(r0.im) + fabs(r0.mm) + 1e-300;
        double tol = 1e-12 * scale, tol_ok = 1e-14 * scale;
        double value[PR_NP], npc[PR_NP], fr[PR_NP];
        for (size_t i = 0; i < n; i++) {
            value[i] = per[i].value;
            npc[i] = pr_notional_per_contract(m, &pos[i], cur);
            fr[i] = 0;
        }
        pr_ctx c = { m, nm, &a, &prm, &lp, value, npc, work, ws };
        double cap = lp.close_factor;
        pr_check_result(&out.before, &r0, tol, prm.liq_ratio, &worst, it, "before");
        double gap0 = pr_gap(&r0, &lp);

        /* every close: a nonzero position, at most once, its own figures */
        int seen[PR_NP] = { 0 };
        double pen = 0, notional = 0;
        for (size_t k2 = 0; k2 < out.n_closes; k2++) {
            const mgn_liq_close *x = &cl[k2];
            assert_true(x->position < n);
            const mgn_position *p = &pos[x->position];
            assert_true(p->quantity != 0);
            assert_int_equal(seen[x->position], 0);
            seen[x->position] = 1;
            assert_true(x->fraction > 0 && x->fraction <= (out.full ? 1 : cap));
            if (out.full)
                assert_true(x->fraction == 1);
            fr[x->position] = x->fraction;
            double qc = x->fraction * p->quantity;
            pr_check(x->quantity, qc, 1e-15 * fabs(qc), &worst, it, "close quantity");
            double mark = pr_mark(m, p);
            /* BSM values to 1e-12 relative or 1e-12 max(S, K) (the pricing header) */
            pr_check(x->price, mark,
                     1e-12 * (fabs(mark) + (p->instrument == MGN_OPTION
                                            ? fmax(m[p->underlying].spot, p->strike) : 0)),
                     &worst, it, "close price");
            double nc = fabs(qc) * npc[x->position];
            pr_check(x->notional, nc, 1e-14 * nc, &worst, it, "close notional");
            pr_check(x->penalty, lp.penalty_rate * nc, 1e-14 * lp.penalty_rate * nc + 1e-300,
                     &worst, it, "close penalty");
            pen += x->penalty;
            notional += x->notional;
        }
        pr_check(out.penalty, pen, 1e-13 * pen + 1e-300, &worst, it, "total penalty");
        pr_check(out.notional, notional, 1e-13 * notional + 1e-300, &worst, it, "total notional");

        /* the account after the closes, by the reference */
        mgn_account_result ra = pr_apply(&c, fr);
        pr_check_result(&out.after, &ra, tol, prm.liq_ratio, &worst, it, "after");
        double gap = pr_gap(&ra, &lp);
        if (fabs(gap) > tol_ok && out.restored != (gap >= 0)) {
            print_error("case %ld: restored %d, but the target gap after is %.17g\n", it,
                        out.restored, gap);
            fail();
        }

        /* the order's rule */
        size_t ord[PR_NP], n_ord = 0;
        if (lp.order == MGN_LIQ_GIVEN) {
            for (size_t k2 = 0; k2 < lp.n_priority; k2++)
                if (pos[prio[k2]].quantity != 0)
                    ord[n_ord++] = (size_t)prio[k2];
        } else if (lp.order == MGN_LIQ_LARGEST_MM) {
            for (size_t i = 0; i < n; i++) {     /* by decreasing MM, ties: lower index */
                if (pos[i].quantity == 0)
                    continue;
                size_t j = n_ord++;
                while (j > 0 && per[ord[j - 1]].mm < per[i].mm) {
                    ord[j] = ord[j - 1];
                    j--;
                }
                ord[j] = i;
            }
        } else {
            for (size_t i = 0; i < n; i++)
                if (pos[i].quantity != 0)
                    ord[n_ord++] = i;
        }
        double trial[PR_NP];
        if (out.n_closes == 0 && !out.full) {
            /* nothing closed: the account met its target already */
            assert_true(gap0 >= -tol_ok);
            n_none++;
        } else if (out.full) {
            /* everything closed (nothing when every quantity is 0); no allowed close
               restores the account */
            n_full++;
            size_t nz = 0;
            for (size_t i = 0; i < n; i++)
                nz += pos[i].quantity != 0;
            assert_int_equal(out.n_closes, nz);
            assert_true(gap0 < tol_ok);
            for (size_t i = 0; i < n; i++)
                trial[i] = 0;
            for (size_t k2 = 0; k2 < n_ord; k2++) {
                trial[ord[k2]] = cap;
                if (lp.order == MGN_LIQ_PROPORTIONAL && k2 + 1 < n_ord)
                    continue;                   /* f = cap for all together */
                mgn_account_result rt = pr_apply(&c, trial);
                if (!(pr_gap(&rt, &lp) < tol_ok)) {
                    print_error("case %ld: full liquidation, but closing the first %zu of the "
                                "order at the cap restores the account (gap %.17g)\n", it,
                                k2 + 1, pr_gap(&rt, &lp));
                    fail();
                }
            }
        } else {
            n_restored++;
            assert_int_equal(out.restored, 1);
            assert_true(gap0 < tol_ok);
            size_t last = out.n_closes - 1;
            for (size_t i = 0; i < n; i++)
                trial[i] = 0;
            if (lp.order == MGN_LIQ_PROPORTIONAL) {
                /* every nonzero position, one fraction f */
                assert_int_equal(out.n_closes, n_ord);
                for (size_t k2 = 0; k2 < out.n_closes; k2++)
                    assert_true(cl[k2].fraction == cl[0].fraction);
                for (size_t k2 = 0; k2 < n_ord; k2++)
                    trial[ord[k2]] = cl[0].fraction * (1 - 1e-9);
            } else {
                /* the order's first positions, all but the last at the cap (1 - (1 - cap)
                   rounds by up to half an ulp of 1) */
                assert_true(out.n_closes <= n_ord);
                for (size_t k2 = 0; k2 < out.n_closes; k2++) {
                    if (cl[k2].position != ord[k2]) {
                        print_error("case %ld: close %zu is of position %zu, the order has %zu\n",
                                    it, k2, cl[k2].position, ord[k2]);
                        fail();
                    }
                    if (k2 < last) {
                        assert_true(fabs(cl[k2].fraction - cap) <= DBL_EPSILON);
                        /* closing the positions so far did not restore the account */
                        trial[ord[k2]] = cl[k2].fraction;
                        mgn_account_result rt = pr_apply(&c, trial);
                        if (!(pr_gap(&rt, &lp) < tol_ok)) {
                            print_error("case %ld: the first %zu closes restore the account "
                                        "already (gap %.17g)\n", it, k2 + 1, pr_gap(&rt, &lp));
                            fail();
                        }
                    }
                }
                trial[cl[last].position] = cl[last].fraction * (1 - 1e-9);
            }
            /* minimality: 1e-9 less of the last close (or of f) does not restore */
            mgn_account_result rl = pr_apply(&c, trial);
            double gl = pr_gap(&rl, &lp);
            if (gl > tol_ok) {
                print_error("case %ld (order %d): closing 1e-9 less still restores the account "
                            "(gap %.17g, tolerance %.3g)\n", it, lp.order, gl, tol_ok);
                fail();
            }
            if (gl >= -tol_ok)
                n_min_unsure++;
            else
                n_min++;
        }
    }
    free(work);
    print_message("%ld random partial liquidations: worst %.3g of the tolerance\n", iters,
                  worst);
    print_message("  %ld restored by a partial close (%ld shown minimal, %ld within rounding "
                  "of the target at 1e-9 less), %ld full, %ld needing none\n", n_restored, n_min,
                  n_min_unsure, n_full, n_none);
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
    assert_int_equal(mgn_liq_economics(NULL, 2, &a, NULL, 0, 0.5, 0.05, 5, rw, un, &nu, &nn), MGN_EINVAL);
    assert_int_equal(mgn_liq_economics(MK, 0, &a, NULL, 0, 0.5, 0.05, 5, rw, un, &nu, &nn), MGN_ERANGE);
    mgn_market badm[2] = { MK[0], { -1, 0, 0 } };
    assert_int_equal(mgn_liq_economics(badm, 2, &a, NULL, 0, 0.5, 0.05, 5, rw, un, &nu, &nn), MGN_EINVAL);
    mgn_account bad = a;
    bad.struct_size = 0;
    assert_int_equal(mgn_liq_economics(MK, 2, &bad, NULL, 0, 0.5, 0.05, 5, rw, un, &nu, &nn), MGN_EINVAL);
    /* given closes (the notional of each): the same verdicts; reward and flags optional */
    mgn_liq_close cl[3];
    memset(cl, 0, sizeof cl);
    cl[0].notional = 25;
    cl[1].notional = 50000;
    cl[2].notional = 0;   /* nothing closed: never unprofitable */
    assert_int_equal(mgn_liq_economics(NULL, 0, NULL, cl, 3, 0, 0.05, 5, NULL, NULL, &nu, &nn), MGN_OK);
    assert_int_equal(nu, 1);
    assert_close(nn, 25, 1e-12, 0);
    cl[2].notional = -1;
    assert_int_equal(mgn_liq_economics(NULL, 0, NULL, cl, 3, 0, 0.05, 5, NULL, NULL, &nu, &nn), MGN_EINVAL);
    /* unprofitable notional summing past DBL_MAX */
    cl[0].notional = cl[1].notional = DBL_MAX;
    cl[2].notional = 0;
    assert_int_equal(mgn_liq_economics(NULL, 0, NULL, cl, 3, 0, 0, 5, NULL, NULL, &nu, &nn), MGN_ERANGE);
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

/*---------------------------------------------------------------- bad input catalogue */
/* Every argument of every function of this file with the bad values of the catalogue
   (tests/README.md, tests/bad_input.h). */
#include "bad_input.h"

static double bad_ws[1 << 16];          /* 512 KB: enough for every mode here */

/*---- mgn_liq_price_closed */

static int bad_call_closed(const void *arg, void *ctx)
{
    (void)ctx;
    mgn_liq_closed out;
    bad_fill(&out, sizeof out);
    int st = mgn_liq_price_closed(arg, &out);
    if (st != MGN_OK)
        BAD_UNTOUCHED(&out, sizeof out);
    return st;
}

static void bad_liq_closed(void)
{
    const char *fn = "mgn_liq_price_closed";
    mgn_liq_input in = base_input(MGN_LINEAR, 2, 30000, 6000, 0.005);
    in.mm_amount = 10;
    in.size_mm = 1e-5;
    in.fee_rate = 5e-4;
    static const bad_int bad_settle[] = { { "-1", -1 }, { "2", 2 }, { "INT_MAX", INT_MAX } };
    static const bad_double bad_size_v[] = { BAD_NONFINITE, { "0", 0 } };
    const bad_field fields[] = {
        BAD_IFIELD(mgn_liq_input, settlement, bad_settle),
        BAD_DFIELD(mgn_liq_input, size, bad_size_v),
        BAD_DFIELD(mgn_liq_input, entry, BAD_D_POSITIVE),
        BAD_DFIELD(mgn_liq_input, wallet, BAD_D_NONNEG),
        BAD_DFIELD(mgn_liq_input, other, BAD_D_FINITE),
        BAD_DFIELD(mgn_liq_input, mm_rate, BAD_D_UNIT_HALFOPEN),
        BAD_DFIELD(mgn_liq_input, mm_amount, BAD_D_NONNEG),
        BAD_DFIELD(mgn_liq_input, size_mm, BAD_D_NONNEG),
        BAD_DFIELD(mgn_liq_input, fee_rate, BAD_D_UNIT_HALFOPEN),
    };
    bad_struct_fields(fn, "in->", &in, sizeof in, fields, bad_call_closed, NULL);
    static const bad_size bad_ss[] = { { "0", 0 }, { "sizeof - 8", sizeof(mgn_liq_input) - 8 },
                                       { "sizeof + 8", sizeof(mgn_liq_input) + 8 }, { "SIZE_MAX", SIZE_MAX } };
    for (size_t k = 0; k < BAD_N(bad_ss); k++) {
        mgn_liq_input x = in;
        x.struct_size = bad_ss[k].v;
        BAD_STATUS(fn, "in->struct_size", bad_ss[k].label, MGN_EINVAL, bad_call_closed(&x, NULL));
    }
    /* tiers */
    mgn_std_tier tiers[2] = { { 0, 0.02, 0.01, 0 }, { 50000, 0.04, 0.02, 500 } };
    in.tiers = tiers;
    in.n_tiers = 2;
    in.tier_basis = MGN_STD_TIER_QUOTE;
    assert_int_equal(bad_call_closed(&in, NULL), MGN_OK);
    {
        mgn_liq_input x = in;
        x.tiers = NULL;
        BAD_STATUS(fn, "in->tiers", "NULL (n_tiers = 2)", MGN_EINVAL, bad_call_closed(&x, NULL));
        static const bad_int bad_basis[] = { { "MGN_STD_TIER_CONTRACTS", MGN_STD_TIER_CONTRACTS }, { "-1", -1 },
                                             { "INT_MAX", INT_MAX } };
        for (size_t k = 0; k < BAD_N(bad_basis); k++) {
            x = in;
            x.tier_basis = bad_basis[k].v;
            BAD_STATUS(fn, "in->tier_basis", bad_basis[k].label, MGN_EINVAL, bad_call_closed(&x, NULL));
        }
        static const bad_size bad_nt[] = { { "MGN_STD_MAX_TIERS+1", MGN_STD_MAX_TIERS + 1 }, { "SIZE_MAX", SIZE_MAX } };
        for (size_t k = 0; k < BAD_N(bad_nt); k++) {
            x = in;
            x.n_tiers = bad_nt[k].v;
            BAD_STATUS(fn, "in->n_tiers", bad_nt[k].label, MGN_ERANGE, bad_call_closed(&x, NULL));
        }
    }
    static const struct { const char *field, *label; int tier, f; double v; } tm[] = {
        { "floor", "NaN", 1, 0, NAN }, { "floor", "-1", 1, 0, -1 }, { "floor", "+inf", 1, 0, INFINITY },
        { "floor", "1 (first tier)", 0, 0, 1 }, { "floor", "0 (not increasing)", 1, 0, 0 },
        { "im_rate", "NaN", 1, 1, NAN }, { "im_rate", "-0.1", 1, 1, -0.1 }, { "im_rate", "1.5", 0, 1, 1.5 },
        { "mm_rate", "NaN", 0, 2, NAN }, { "mm_rate", "-0.1", 0, 2, -0.1 }, { "mm_rate", "1", 1, 2, 1 },
        { "mm_amount", "NaN", 1, 3, NAN }, { "mm_amount", "-1", 1, 3, -1 },
    };
    for (size_t k = 0; k < BAD_N(tm); k++) {
        mgn_std_tier t2[2];
        memcpy(t2, tiers, sizeof t2);
        double *slot[4] = { &t2[tm[k].tier].floor, &t2[tm[k].tier].im_rate, &t2[tm[k].tier].mm_rate,
                            &t2[tm[k].tier].mm_amount };
        *slot[tm[k].f] = tm[k].v;
        mgn_liq_input x = in;
        x.tiers = t2;
        char name[64];
        snprintf(name, sizeof name, "in->tiers[].%s", tm[k].field);
        BAD_STATUS(fn, name, tm[k].label, MGN_EINVAL, bad_call_closed(&x, NULL));
    }
    BAD_STATUS(fn, "in", "NULL", MGN_EINVAL, mgn_liq_price_closed(NULL, &(mgn_liq_closed){ 0 }));
    BAD_STATUS(fn, "out", "NULL", MGN_EINVAL, mgn_liq_price_closed(&in, NULL));
}

/*---- account-level functions */

typedef struct {
    const mgn_liq_search *search;
    void *work;
    size_t work_size;
    size_t max_roots;
    int null_roots, null_out;
    const mgn_position *order;
    double order_col;
    const mgn_liq_params *lp;
    const mgn_oracle_result *guard;
    int null_closes;
    double close_factor, bonus, gas;
    int null_n_unprof, null_unprof_notional;
} bad_liq_args;

static int bad_call_liq_prices(const mgn_market *mkt, size_t n_mkt, const mgn_account *acct,
                               const mgn_account_params *params, void *ctx)
{
    const bad_liq_args *a = ctx;
    mgn_liq_price_result out;
    double roots[8];
    bad_fill(&out, sizeof out);
    bad_fill(roots, sizeof roots);
    int st = a->order
        ? mgn_whatif_liq_prices(mkt, n_mkt, acct, params, a->order, a->order_col, a->search, a->work,
                                a->work_size, a->null_roots ? NULL : roots, a->max_roots,
                                a->null_out ? NULL : &out)
        : mgn_liq_prices(mkt, n_mkt, acct, params, a->search, a->work, a->work_size,
                         a->null_roots ? NULL : roots, a->max_roots, a->null_out ? NULL : &out);
    if (st != MGN_OK) {
        BAD_UNTOUCHED(&out, sizeof out);
        BAD_UNTOUCHED(roots, sizeof roots);
    }
    return st;
}

static int bad_call_partial(const mgn_market *mkt, size_t n_mkt, const mgn_account *acct,
                            const mgn_account_params *params, void *ctx)
{
    const bad_liq_args *a = ctx;
    mgn_liq_result out;
    mgn_liq_close closes[BAD_BOOK_MAX];
    bad_fill(&out, sizeof out);
    bad_fill(closes, sizeof closes);
    int st = mgn_liq_partial(mkt, n_mkt, acct, params, a->lp, a->guard, a->work, a->work_size,
                             a->null_closes ? NULL : closes, a->null_out ? NULL : &out);
    if (st != MGN_OK) {
        BAD_UNTOUCHED(&out, sizeof out);
        BAD_UNTOUCHED(closes, sizeof closes);
    }
    return st;
}

static int bad_call_economics(const mgn_market *mkt, size_t n_mkt, const mgn_account *acct,
                              const mgn_account_params *params, void *ctx)
{
    (void)params;
    const bad_liq_args *a = ctx;
    double reward[BAD_BOOK_MAX], bn;
    int unprof[BAD_BOOK_MAX];
    size_t nb;
    bad_fill(reward, sizeof reward);
    bad_fill(unprof, sizeof unprof);
    bad_fill(&nb, sizeof nb);
    bad_fill(&bn, sizeof bn);
    int st = mgn_liq_economics(mkt, n_mkt, acct, NULL, 0, a->close_factor, a->bonus, a->gas, reward,
                               unprof, a->null_n_unprof ? NULL : &nb,
                               a->null_unprof_notional ? NULL : &bn);
    if (st != MGN_OK) {
        BAD_UNTOUCHED(reward, sizeof reward);
        BAD_UNTOUCHED(unprof, sizeof unprof);
        BAD_UNTOUCHED(&nb, sizeof nb);
        BAD_UNTOUCHED(&bn, sizeof bn);
    }
    return st;
}

/* Workspace arguments of a function that always needs one. */
static void bad_liq_work(const char *fn, bad_acct_call call, const mgn_market *mk,
                         const mgn_account *acct, const mgn_account_params *prm,
                         const bad_liq_args *good, size_t need)
{
    bad_liq_args a = *good;
    a.work = NULL;
    BAD_STATUS(fn, "work", "NULL", MGN_EINVAL, call(mk, BAD_NMKT, acct, prm, &a));
    a.work = (char *)bad_ws + 4;
    BAD_STATUS(fn, "work", "misaligned (work + 4 bytes)", MGN_EINVAL, call(mk, BAD_NMKT, acct, prm, &a));
    a = *good;
    a.work_size = 0;
    BAD_STATUS(fn, "work_size", "0", MGN_ENOMEM, call(mk, BAD_NMKT, acct, prm, &a));
    a.work_size = need - 1;
    BAD_STATUS(fn, "work_size", "need - 1", MGN_ENOMEM, call(mk, BAD_NMKT, acct, prm, &a));
}

static void bad_liq_search(const char *fn, const mgn_market *mk, const mgn_account *acct,
                           const mgn_account_params *prm, const bad_liq_args *good)
{
    const mgn_liq_search *s0 = good->search;
    static const bad_int bad_u[] = { { "-1", -1 }, { "n_mkt", BAD_NMKT }, { "INT_MAX", INT_MAX } };
    static const bad_int bad_res[] = { { "1", 1 }, { "-1", -1 } };
    static const bad_double bad_lohi[] = { BAD_NONFINITE, { "-1", -1 }, { "-1e-300", -1e-300 } };
    const bad_field fields[] = {
        BAD_IFIELD(mgn_liq_search, underlying, bad_u),
        BAD_IFIELD(mgn_liq_search, reserved, bad_res),
        BAD_DFIELD(mgn_liq_search, lo, bad_lohi),
        BAD_DFIELD(mgn_liq_search, hi, bad_lohi),
        BAD_DFIELD(mgn_liq_search, vol, BAD_D_NONNEG),
        BAD_DFIELD(mgn_liq_search, horizon, BAD_D_NONNEG),
    };
    for (size_t f = 0; f < BAD_N(fields); f++)
        for (size_t k = 0; k < fields[f].n; k++) {
            mgn_liq_search s = *s0;
            unsigned char *rec = (unsigned char *)&s;
            if (fields[f].is_int)
                memcpy(rec + fields[f].offset, &fields[f].i[k].v, sizeof(int));
            else
                memcpy(rec + fields[f].offset, &fields[f].d[k].v, sizeof(double));
            bad_liq_args a = *good;
            a.search = &s;
            char name[64];
            snprintf(name, sizeof name, "search->%s", fields[f].field);
            BAD_STATUS(fn, name, fields[f].is_int ? fields[f].i[k].label : fields[f].d[k].label, MGN_EINVAL,
                       bad_call_liq_prices(mk, BAD_NMKT, acct, prm, &a));
        }
    static const bad_size bad_grid[] = { { "0", 0 }, { "1", 1 }, { "10^7+1", 10000001 }, { "SIZE_MAX", SIZE_MAX } };
    static const bad_size bad_ss[] = { { "0", 0 }, { "sizeof - 8", sizeof(mgn_liq_search) - 8 },
                                       { "sizeof + 8", sizeof(mgn_liq_search) + 8 }, { "SIZE_MAX", SIZE_MAX } };
    for (size_t k = 0; k < 4; k++) {
        mgn_liq_search s = *s0;
        bad_liq_args a = *good;
        a.search = &s;
        s.grid = bad_grid[k].v;
        BAD_STATUS(fn, "search->grid", bad_grid[k].label, MGN_EINVAL, bad_call_liq_prices(mk, BAD_NMKT, acct, prm, &a));
        s = *s0;
        s.struct_size = bad_ss[k].v;
        BAD_STATUS(fn, "search->struct_size", bad_ss[k].label, MGN_EINVAL, bad_call_liq_prices(mk, BAD_NMKT, acct, prm, &a));
    }
    {
        mgn_liq_search s = *s0;
        bad_liq_args a = *good;
        a.search = &s;
        s.lo = 150;
        s.hi = 120;
        BAD_STATUS(fn, "search->hi", "120 with lo 150 (hi <= lo)", MGN_EINVAL, bad_call_liq_prices(mk, BAD_NMKT, acct, prm, &a));
        s.hi = 150;
        BAD_STATUS(fn, "search->hi", "150 with lo 150 (hi <= lo)", MGN_EINVAL, bad_call_liq_prices(mk, BAD_NMKT, acct, prm, &a));
        for (size_t k = 0; k < BAD_N(BAD_D_FINITE); k++) {
            double betas[BAD_NMKT] = { 1, BAD_D_FINITE[k].v };
            s = *s0;
            s.betas = betas;
            BAD_STATUS(fn, "search->betas[v]", BAD_D_FINITE[k].label, MGN_EINVAL,
                       bad_call_liq_prices(mk, BAD_NMKT, acct, prm, &a));
        }
        a.search = NULL;
        BAD_STATUS(fn, "search", "NULL", MGN_EINVAL, bad_call_liq_prices(mk, BAD_NMKT, acct, prm, &a));
    }
    bad_liq_args a = *good;
    a.null_roots = 1;
    BAD_STATUS(fn, "roots", "NULL (max_roots = 8)", MGN_EINVAL, bad_call_liq_prices(mk, BAD_NMKT, acct, prm, &a));
    for (size_t s = 0; s < BAD_N(BAD_SIZES); s++) {
        a.max_roots = BAD_SIZES[s].v;
        BAD_STATUS(fn, "max_roots", BAD_SIZES_NULL[s].label, MGN_EINVAL, bad_call_liq_prices(mk, BAD_NMKT, acct, prm, &a));
    }
    a.max_roots = 0;
    BAD_STATUS_NOTE(fn, "max_roots", "0 (roots NULL)", MGN_OK, "roots are counted, not written",
                    bad_call_liq_prices(mk, BAD_NMKT, acct, prm, &a));
    a = *good;
    a.null_out = 1;
    BAD_STATUS(fn, "out", "NULL", MGN_EINVAL, bad_call_liq_prices(mk, BAD_NMKT, acct, prm, &a));
}

static void bad_liq_workspace_size(const char *fn,
                                   int (*ws)(const mgn_account_params *, size_t, size_t, size_t *),
                                   const mgn_account_params *prm)
{
    size_t b;
    bad_fill(&b, sizeof b);
    BAD_STATUS(fn, "params", "NULL", MGN_EINVAL, ws(NULL, BAD_NMKT, 3, &b));
    mgn_account_params p = *prm;
    p.struct_size = 0;
    BAD_STATUS(fn, "params->struct_size", "0", MGN_EINVAL, ws(&p, BAD_NMKT, 3, &b));
    static const bad_int modes[] = { { "-1", -1 }, { "3", 3 }, { "INT_MAX", INT_MAX } };
    for (size_t k = 0; k < BAD_N(modes); k++) {
        p = *prm;
        p.mode = modes[k].v;
        BAD_STATUS(fn, "params->mode", modes[k].label, MGN_EINVAL, ws(&p, BAD_NMKT, 3, &b));
    }
    BAD_STATUS(fn, "n_mkt", "0", MGN_ERANGE, ws(prm, 0, 3, &b));
    for (size_t s = 0; s < BAD_N(BAD_SIZES); s++) {
        BAD_STATUS(fn, "n_mkt", BAD_SIZES[s].label, MGN_ERANGE, ws(prm, BAD_SIZES[s].v, 3, &b));
        BAD_STATUS(fn, "n_pos", BAD_SIZES[s].label, MGN_ERANGE, ws(prm, BAD_NMKT, BAD_SIZES[s].v, &b));
    }
    BAD_UNTOUCHED(&b, sizeof b);
    BAD_STATUS(fn, "bytes", "NULL", MGN_EINVAL, ws(prm, BAD_NMKT, 3, NULL));
}

static void test_bad_input_liquidation(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    bad_liq_closed();

    mgn_market mk[BAD_NMKT];
    mgn_position pos[BAD_NPOS];
    mgn_balance bal[2];
    bad_default_book(mk, pos);
    bad_default_balances(bal);
    mgn_account acct = bad_default_account(pos, bal);
    mgn_account_params prm;
    assert_int_equal(mgn_account_params_init(&prm), MGN_OK);
    mgn_liq_search search;
    assert_int_equal(mgn_liq_search_init(&search), MGN_OK);
    search.grid = 256;
    search.vol = 0.5;
    mgn_position order = bad_base_future(1);
    order.entry_price = 2000;
    mgn_liq_params lp;
    assert_int_equal(mgn_liq_params_init(&lp), MGN_OK);
    size_t need;

    /* mgn_liq_prices and mgn_whatif_liq_prices */
    const bad_liq_args good = { &search, bad_ws, sizeof bad_ws, 8, 0, 0, NULL, 0, &lp, NULL, 0, 0.5, 0.01, 1, 0, 0 };
    assert_int_equal(mgn_liq_prices_work_size(&prm, BAD_NMKT, BAD_NPOS, &need), MGN_OK);
    for (int wi = 0; wi < 2; wi++) {
        const char *fn = wi ? "mgn_whatif_liq_prices" : "mgn_liq_prices";
        bad_liq_args g = good;
        if (wi)
            g.order = &order;
        bad_account_inputs(fn, "acct", bad_call_liq_prices, &g, mk, BAD_NMKT, &acct, &prm, 0);
        bad_liq_search(fn, mk, &acct, &prm, &g);
        bad_liq_work(fn, bad_call_liq_prices, mk, &acct, &prm, &g, need);
        if (!wi)
            continue;
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
            bad_liq_args a = g;
            a.order = &o;
            char arg[96];
            snprintf(arg, sizeof arg, "order->%s", field);
            BAD_STATUS(fn, arg, label, MGN_EINVAL, bad_call_liq_prices(mk, BAD_NMKT, &acct, &prm, &a));
        }
        bad_liq_args a = g;
        mgn_position bo = bad_base_option(0);
        bo.entry_price = -1;
        a.order = &bo;
        BAD_STATUS(fn, "order->entry_price", "-1 (option premium)", MGN_EINVAL,
                   bad_call_liq_prices(mk, BAD_NMKT, &acct, &prm, &a));
        a = g;
        for (size_t k = 0; k < BAD_N(BAD_D_NONNEG); k++) {
            a.order_col = BAD_D_NONNEG[k].v;
            BAD_STATUS(fn, "order_collateral", BAD_D_NONNEG[k].label, MGN_EINVAL,
                       bad_call_liq_prices(mk, BAD_NMKT, &acct, &prm, &a));
        }
        /* the order pointer itself: NULL means mgn_liq_prices in the wrapper, so call directly */
        mgn_liq_price_result out;
        double roots[8];
        BAD_STATUS(fn, "order", "NULL", MGN_EINVAL,
                   mgn_whatif_liq_prices(mk, BAD_NMKT, &acct, &prm, NULL, 0, &search, bad_ws, sizeof bad_ws,
                                         roots, 8, &out));
    }

    /* mgn_liq_partial */
    const char *fn = "mgn_liq_partial";
    assert_int_equal(mgn_liq_partial_work_size(&prm, BAD_NMKT, BAD_NPOS, &need), MGN_OK);
    bad_account_inputs(fn, "acct", bad_call_partial, (void *)&good, mk, BAD_NMKT, &acct, &prm, 0);
    bad_liq_work(fn, bad_call_partial, mk, &acct, &prm, &good, need);
    {
        static const bad_int bad_order[] = { { "-1", -1 }, { "3", 3 }, { "INT_MAX", INT_MAX } };
        static const bad_int bad_target[] = { { "-1", -1 }, { "2", 2 }, { "INT_MIN", INT_MIN } };
        const bad_field fields[] = {
            BAD_IFIELD(mgn_liq_params, order, bad_order),
            BAD_IFIELD(mgn_liq_params, target, bad_target),
            BAD_DFIELD(mgn_liq_params, buffer, BAD_D_NONNEG),
            BAD_DFIELD(mgn_liq_params, penalty_rate, BAD_D_UNIT_HALFOPEN),
            BAD_DFIELD(mgn_liq_params, close_factor, BAD_D_UNIT_LEFTOPEN),
        };
        for (size_t f = 0; f < BAD_N(fields); f++)
            for (size_t k = 0; k < fields[f].n; k++) {
                mgn_liq_params l = lp;
                unsigned char *rec = (unsigned char *)&l;
                if (fields[f].is_int)
                    memcpy(rec + fields[f].offset, &fields[f].i[k].v, sizeof(int));
                else
                    memcpy(rec + fields[f].offset, &fields[f].d[k].v, sizeof(double));
                bad_liq_args a = good;
                a.lp = &l;
                char name[64];
                snprintf(name, sizeof name, "lp->%s", fields[f].field);
                BAD_STATUS(fn, name, fields[f].is_int ? fields[f].i[k].label : fields[f].d[k].label, MGN_EINVAL,
                           bad_call_partial(mk, BAD_NMKT, &acct, &prm, &a));
            }
        static const bad_size bad_ss[] = { { "0", 0 }, { "sizeof - 8", sizeof(mgn_liq_params) - 8 },
                                           { "sizeof + 8", sizeof(mgn_liq_params) + 8 }, { "SIZE_MAX", SIZE_MAX } };
        for (size_t k = 0; k < BAD_N(bad_ss); k++) {
            mgn_liq_params l = lp;
            l.struct_size = bad_ss[k].v;
            bad_liq_args a = good;
            a.lp = &l;
            BAD_STATUS(fn, "lp->struct_size", bad_ss[k].label, MGN_EINVAL, bad_call_partial(mk, BAD_NMKT, &acct, &prm, &a));
        }
        /* the caller's order */
        mgn_liq_params l = lp;
        l.order = MGN_LIQ_GIVEN;
        int prio[4] = { 2, 0, 1, 0 };
        l.priority = prio;
        l.n_priority = 3;
        bad_liq_args a = good;
        a.lp = &l;
        assert_int_equal(bad_call_partial(mk, BAD_NMKT, &acct, &prm, &a), MGN_OK);
        l.n_priority = 4;
        BAD_STATUS(fn, "lp->n_priority", "4 (> n_pos)", MGN_EINVAL, bad_call_partial(mk, BAD_NMKT, &acct, &prm, &a));
        l.n_priority = SIZE_MAX;
        BAD_STATUS(fn, "lp->n_priority", "SIZE_MAX", MGN_EINVAL, bad_call_partial(mk, BAD_NMKT, &acct, &prm, &a));
        l.n_priority = 2;
        l.priority = NULL;
        BAD_STATUS(fn, "lp->priority", "NULL (n_priority = 2)", MGN_EINVAL, bad_call_partial(mk, BAD_NMKT, &acct, &prm, &a));
        l.priority = prio;
        static const struct { const char *label; int v; int at; } bad_p[] = {
            { "-1", -1, 1 }, { "n_pos", BAD_NPOS, 1 }, { "INT_MAX", INT_MAX, 0 }, { "a repeated index", 2, 1 } };
        for (size_t k = 0; k < BAD_N(bad_p); k++) {
            int p2[3] = { 2, 0, 1 };
            p2[bad_p[k].at] = bad_p[k].v;
            l.priority = p2;
            l.n_priority = 3;
            BAD_STATUS(fn, "lp->priority[k]", bad_p[k].label, MGN_EINVAL, bad_call_partial(mk, BAD_NMKT, &acct, &prm, &a));
        }
        a = good;
        a.lp = NULL;
        BAD_STATUS(fn, "lp", "NULL", MGN_EINVAL, bad_call_partial(mk, BAD_NMKT, &acct, &prm, &a));
        /* the oracle guard */
        static const bad_int verdicts[] = { { "MGN_ORACLE_STALE", MGN_ORACLE_STALE },
                                            { "MGN_ORACLE_DEVIATION", MGN_ORACLE_DEVIATION },
                                            { "7 (unknown)", 7 }, { "-1", -1 } };
        for (size_t k = 0; k < BAD_N(verdicts); k++) {
            mgn_oracle_result g;
            memset(&g, 0, sizeof g);
            g.verdict = verdicts[k].v;
            a = good;
            a.guard = &g;
            BAD_STATUS(fn, "guard->verdict", verdicts[k].label, MGN_ESTALE, bad_call_partial(mk, BAD_NMKT, &acct, &prm, &a));
        }
        a = good;
        a.null_closes = 1;
        BAD_STATUS(fn, "closes", "NULL (n_pos = 3)", MGN_EINVAL, bad_call_partial(mk, BAD_NMKT, &acct, &prm, &a));
        a = good;
        a.null_out = 1;
        BAD_STATUS(fn, "out", "NULL", MGN_EINVAL, bad_call_partial(mk, BAD_NMKT, &acct, &prm, &a));
    }

    /* mgn_liq_economics */
    fn = "mgn_liq_economics";
    bad_account_inputs(fn, "acct", bad_call_economics, (void *)&good, mk, BAD_NMKT, &acct, NULL, 0);
    {
        bad_liq_args a = good;
        for (size_t k = 0; k < BAD_N(BAD_D_UNIT_LEFTOPEN); k++) {
            a.close_factor = BAD_D_UNIT_LEFTOPEN[k].v;
            BAD_STATUS(fn, "close_factor", BAD_D_UNIT_LEFTOPEN[k].label, MGN_EINVAL,
                       bad_call_economics(mk, BAD_NMKT, &acct, NULL, &a));
        }
        a = good;
        for (size_t k = 0; k < BAD_N(BAD_D_UNIT_HALFOPEN); k++) {
            a.bonus = BAD_D_UNIT_HALFOPEN[k].v;
            BAD_STATUS(fn, "bonus", BAD_D_UNIT_HALFOPEN[k].label, MGN_EINVAL, bad_call_economics(mk, BAD_NMKT, &acct, NULL, &a));
        }
        a = good;
        for (size_t k = 0; k < BAD_N(BAD_D_NONNEG); k++) {
            a.gas = BAD_D_NONNEG[k].v;
            BAD_STATUS(fn, "gas_cost", BAD_D_NONNEG[k].label, MGN_EINVAL, bad_call_economics(mk, BAD_NMKT, &acct, NULL, &a));
        }
        a = good;
        a.null_n_unprof = 1;
        BAD_STATUS(fn, "n_unprofitable", "NULL", MGN_EINVAL, bad_call_economics(mk, BAD_NMKT, &acct, NULL, &a));
        a = good;
        a.null_unprof_notional = 1;
        BAD_STATUS(fn, "unprofitable_notional", "NULL", MGN_EINVAL, bad_call_economics(mk, BAD_NMKT, &acct, NULL, &a));
        /* planned closes instead of the account */
        mgn_liq_close c[2];
        memset(c, 0, sizeof c);
        c[0].notional = 1000;
        c[1].notional = 50;
        double reward[2], bn;
        int unprof[2];
        size_t nb;
        static const bad_double bad_n[] = { BAD_NONFINITE, { "-1", -1 } };
        for (size_t k = 0; k < BAD_N(bad_n); k++) {
            c[1].notional = bad_n[k].v;
            bad_fill(&nb, sizeof nb);
            BAD_STATUS(fn, "closes[].notional", bad_n[k].label, MGN_EINVAL,
                       mgn_liq_economics(NULL, 0, NULL, c, 2, 0, 0.01, 1, reward, unprof, &nb, &bn));
            BAD_UNTOUCHED(&nb, sizeof nb);
        }
        c[0].notional = c[1].notional = DBL_MAX;
        BAD_STATUS(fn, "closes[].notional", "DBL_MAX twice, both unprofitable (sum overflows)", MGN_ERANGE,
                   mgn_liq_economics(NULL, 0, NULL, c, 2, 0, 0, 1, reward, unprof, &nb, &bn));
        BAD_STATUS_NOTE(fn, "reward, unprofitable", "NULL", MGN_OK, "optional outputs",
                        mgn_liq_economics(mk, BAD_NMKT, &acct, NULL, 0, 0.5, 0.01, 1, NULL, NULL, &nb, &bn));
    }

    /* workspace sizes and initialisers */
    bad_liq_workspace_size("mgn_liq_prices_work_size", mgn_liq_prices_work_size, &prm);
    bad_liq_workspace_size("mgn_liq_partial_work_size", mgn_liq_partial_work_size, &prm);
    BAD_STATUS("mgn_liq_search_init", "s", "NULL", MGN_EINVAL, mgn_liq_search_init(NULL));
    BAD_STATUS("mgn_liq_params_init", "p", "NULL", MGN_EINVAL, mgn_liq_params_init(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binance_published),
        cmocka_unit_test(test_closed_forms),
        cmocka_unit_test(test_closed_tiers_and_nosol),
        cmocka_unit_test(test_closed_degenerate),
        cmocka_unit_test(test_closed_subnormal_size),
        cmocka_unit_test(test_closed_tier_cases),
        cmocka_unit_test(test_roots_option_portfolio),
        cmocka_unit_test(test_roots_next_to_dbl_max),
        cmocka_unit_test(test_roots_random),
        cmocka_unit_test(test_roots_isolated_worthless_long),
        cmocka_unit_test(test_roots_match_closed_form),
        cmocka_unit_test(test_roots_exact_and_duplicates),
        cmocka_unit_test(test_roots_beta_outside),
        cmocka_unit_test(test_roots_failure_in_bracket),
        cmocka_unit_test(test_roots_status),
        cmocka_unit_test(test_partial_minimal),
        cmocka_unit_test(test_partial_isolated),
        cmocka_unit_test(test_partial_full_and_bad),
        cmocka_unit_test(test_partial_penalty_overflow),
        cmocka_unit_test(test_partial_subnormal_quantity),
        cmocka_unit_test(test_partial_random),
        cmocka_unit_test(test_economics),
        cmocka_unit_test(test_bad_input_liquidation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
