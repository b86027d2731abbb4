/* Tests of lib/pm.c: the portfolio-margin grid, its add-ons and presets.
 *
 * References: an independent brute-force grid (scenarios rebuilt from the header's
 * definition, every position repriced from scratch, tests/margin_ref.h); SPAN's scan
 * risk for the SPAN preset; published Deribit figures (tests/data/pm_published.csv);
 * hand-worked add-ons; invariants (scaling, opposite positions, contributions summing
 * to the grid loss, coin vs quote).
 */
#include <stdint.h>
#include <stdlib.h>
#include "margin_ref.h"

static double published_tol;   /* tolerance of the last value read */

static double published(const char *name)
{
    FILE *f = fopen("tests/data/pm_published.csv", "r");
    assert_non_null(f);
    char line[512], key[128];
    double v, tol, out = NAN;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        assert_int_equal(sscanf(line, "%127[^,],%lf,%lf", key, &v, &tol), 3);
        if (strcmp(key, name) == 0) {
            out = v;
            published_tol = tol;
        }
    }
    fclose(f);
    assert_false(isnan(out));
    return out;
}

/* Vol states of the header's definition. */
static void ref_vols(const mgn_pm_params *p, double sigma, double T, double *up, double *dn)
{
    double scale = 1;
    if (p->vol_ref_days > 0) {
        double d = T * 365, pw = d < p->vol_ref_days ? p->vol_power_short : p->vol_power_long;
        scale = pow(p->vol_ref_days / (d > p->vol_min_days ? d : p->vol_min_days), pw);
    }
    double a = p->vol_up * scale, b = p->vol_down * scale;
    int rel = p->vol_mode == MGN_PM_VOL_RELATIVE;
    *up = a == 0 ? sigma : (rel ? sigma * (1 + a) : sigma + a);
    *dn = b == 0 ? sigma : (rel ? sigma * (1 - b) : sigma - b);
    if (a != 0) {
        if (*up < p->vol_min_up) *up = p->vol_min_up;
        if (*up < 1e-4) *up = 1e-4;
    }
    if (b != 0 && *dn < 1e-4)
        *dn = 1e-4;
}

/* Brute-force grid loss of underlying u; also the binding index. */
static double ref_grid(const mgn_market *mkt, const mgn_pm_params *p, int u, const mgn_position *pos,
                       int n, int cur, int *bind)
{
    int nv = p->vol_scenarios, nreg = (2 * p->price_steps + 1) * nv;
    double worst = 0;
    *bind = -1;
    for (int k = 0; k < nreg + p->n_extended; k++) {
        double mv, w;
        int vs;
        if (k < nreg) {
            int ip = k / nv, iv = k % nv;
            mv = p->price_range * (ip - p->price_steps) / p->price_steps;
            vs = nv == 1 ? 0 : nv == 2 ? (iv == 0 ? 1 : -1) : 1 - iv;
            w = 1;
        } else {
            mv = p->ext_move[k - nreg];
            vs = p->ext_vol[k - nreg];
            w = p->ext_weight[k - nreg];
        }
        double loss = 0;
        for (int i = 0; i < n; i++) {
            const mgn_position *q = &pos[i];
            if (q->underlying != u)
                continue;
            double up, dn;
            ref_vols(p, q->vol, q->expiry, &up, &dn);
            double sg = vs > 0 ? up : vs < 0 ? dn : q->vol;
            /* reprice with the shocked vol directly */
            const mgn_market *m = &mkt[u];
            double S1 = m->spot * (1 + mv), T1 = q->expiry - p->lookahead > 0 ? q->expiry - p->lookahead : 0;
            double v0 = ref_unit(q, m, m->spot, q->vol, q->expiry), v1 = ref_unit(q, m, S1, sg, T1);
            double pl = q->quantity * q->multiplier * (v1 - v0) * (q->settlement == MGN_INVERSE ? S1 : 1);
            if (cur >= 0)
                pl /= cur == u ? S1 : mkt[cur].spot;
            loss -= pl;
        }
        loss *= w;
        if (loss > worst) {
            worst = loss;
            *bind = k;
        }
    }
    return worst;
}

static void test_presets_published(void **state)
{
    (void)state;
    mgn_pm_params p;
    int n;
    assert_int_equal(mgn_pm_preset_deribit(&p), MGN_OK);
    assert_true(p.struct_size == sizeof p && mgn_sizeof_pm_params() == sizeof p);
    assert_int_equal(mgn_pm_scenario_count(&p, &n), MGN_OK);
    assert_int_equal(n, (int)published("deribit_btc_total_scenarios"));
    assert_int_equal((2 * p.price_steps + 1) * p.vol_scenarios, (int)published("deribit_btc_regular_scenarios"));
    /* the 9 price points are -16%..+16% in 4% steps, including 0 */
    for (int k = 0; k < 27; k++) {
        double mv, w;
        int vs;
        assert_int_equal(mgn_pm_scenario(&p, k, &mv, &vs, &w), MGN_OK);
        assert_close(mv, -0.16 + 0.04 * (k / 3), 1e-15, 1e-16);
        assert_int_equal(vs, 1 - k % 3);
        assert_true(w == 1);
    }
    assert_int_equal(mgn_pm_preset_occ(&p), MGN_OK);
    assert_int_equal(mgn_pm_scenario_count(&p, &n), MGN_OK);
    assert_int_equal(n, (int)published("occ_scenarios"));
    assert_close(p.short_min_abs * 100, published("occ_min_per_100_contract"), 1e-15, 0);
    assert_int_equal(mgn_pm_preset_span(0.1, 0.05, &p), MGN_OK);
    assert_int_equal(mgn_pm_scenario_count(&p, &n), MGN_OK);
    assert_int_equal(n, 16);

    /* Deribit's published IV-change examples through the vol scaling: an option's
       absolute up shock with vol_up = 38%, power 0.3, reference 30 days */
    mgn_pm_params a;
    mgn_pm_preset_deribit(&a);
    a.vol_mode = MGN_PM_VOL_ABSOLUTE;
    a.vol_up = a.vol_down = 0.38;
    a.vol_power_short = a.vol_power_long = 0.3;
    a.vol_min_up = 0;
    a.n_extended = 0;
    a.roll_min = a.roll_rate = a.delta_shock_rate = 0;
    mgn_market m = { 100, 0, 0 };
    for (int d = 0; d < 2; d++) {
        double days = d ? 15 : 30, want = published(d ? "deribit_a_iv_change_15d" : "deribit_a_iv_change_30d");
        mgn_position c = ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 1, 1, 100, days / 365, 0.5);
        mgn_pm_underlying u;
        mgn_pm_result r;
        assert_int_equal(mgn_pm_margin_detail(&m, &a, 1, &c, 1, MGN_QUOTE, &r, &u, NULL), MGN_OK);
        /* a long ATM call loses most with price down and vol down: value at vol 0.5 - shock */
        assert_int_equal(u.binding_vol, -1);
        double v0, v1;
        mgn_bs_price(MGN_CALL, 100, 100, days / 365, 0, 0, 0.5, &v0);
        mgn_bs_price(MGN_CALL, 84, 100, days / 365, 0, 0, 0.5 - want, &v1);
        assert_close(r.grid_loss, v0 - v1, 1e-6, 0);   /* the figure is printed to 1e-6 */
    }
    /* Version B: sqrt(30/15) * 40% = 56.6% */
    double b = published("deribit_b_iv_change_15d");
    assert_close(0.40 * sqrt(30.0 / 15), b, 0, published_tol);
}

static void test_deribit_addons_published(void **state)
{
    (void)state;
    /* Version A contingency: +10 calls and -20 puts at one strike -> 0.1 BTC */
    mgn_market m = { 40000, 0, 0 };
    mgn_pm_params p;
    mgn_pm_preset_deribit(&p);
    p.short_min_per_strike = 1;
    p.short_min_rate = 0.01;    /* 0.01 BTC per unit of underlying */
    mgn_position pos[3] = { ref_option(0, MGN_CALL, MGN_INVERSE, MGN_EUROPEAN, 10, 1, 42000, 0.1, 0.6),
                            ref_option(0, MGN_PUT, MGN_INVERSE, MGN_EUROPEAN, -20, 1, 42000, 0.1, 0.6),
                            ref_option(0, MGN_PUT, MGN_INVERSE, MGN_EUROPEAN, 5, 1, 30000, 0.1, 0.6) };
    mgn_pm_result r;
    mgn_pm_underlying u;
    assert_int_equal(mgn_pm_margin_detail(&m, &p, 1, pos, 3, 0, &r, &u, NULL), MGN_OK);
    assert_close(r.short_option_min, published("deribit_a_contingency_btc"), 1e-14, 0);
    assert_close(u.short_units, 10, 0, 0);
    /* without netting per strike: 20 short units */
    p.short_min_per_strike = 0;
    assert_int_equal(mgn_pm_margin_detail(&m, &p, 1, pos, 3, 0, &r, &u, NULL), MGN_OK);
    assert_close(u.short_units, 20, 0, 0);

    /* ETH perpetual roll shock: 0.999487053 ETH * 0.005 */
    mgn_market e = { 2000, 0, 0 };
    mgn_pm_preset_deribit(&p);
    p.roll_min = 0.005;
    mgn_position perp = ref_perp(0, MGN_INVERSE, -0.999487053 * 2000 / 10, 10, 2010);
    assert_int_equal(mgn_pm_margin_detail(&e, &p, 1, &perp, 1, 0, &r, &u, NULL), MGN_OK);
    double want = published("deribit_eth_perp_roll_shock");   /* printed to 9 decimals */
    assert_close(r.roll_shock, want, 0, published_tol);
    assert_close(u.roll_units, 0.999487053, 1e-14, 0);
    /* a dated future: max(0.075 * T, 0.005) */
    mgn_position fut = ref_future(0, MGN_INVERSE, 100, 10, 0.5, 2000);
    assert_int_equal(mgn_pm_margin_detail(&e, &p, 1, &fut, 1, 0, &r, &u, NULL), MGN_OK);
    assert_close(r.roll_shock, 0.5 * 0.075 * 1000.0 / 2000, 1e-14, 0);

    /* delta shock: 10% of the net delta notional beyond 20M USD. 1000 BTC long perp
       at 40000 = 40M: 0.1 * 20M = 2M USD; in BTC / 40000 = 50 */
    mgn_pm_preset_deribit(&p);
    mgn_position big = ref_perp(0, MGN_LINEAR, 1000, 1, 40000);
    assert_int_equal(mgn_pm_margin_detail(&m, &p, 1, &big, 1, MGN_QUOTE, &r, &u, NULL), MGN_OK);
    assert_close(r.delta_shock, 2e6, 1e-14, 0);
    assert_close(u.net_delta, 1000, 0, 0);
    /* grid: -16% of 40M = 6.4M */
    assert_close(r.grid_loss, 6.4e6, 1e-14, 0);
    assert_close(r.roll_shock, 1000 * 40000 * 0.01, 1e-14, 0);
    assert_close(r.requirement, 6.4e6 + 2e6 + 4e5, 1e-14, 0);
    assert_int_equal(mgn_pm_margin_detail(&m, &p, 1, &big, 1, 0, &r, &u, NULL), MGN_OK);
    assert_close(r.delta_shock, 50, 1e-14, 0);
    /* concentration: depth 600 units, 2% per unit beyond: 0.02 * 40000 * 400 */
    p.conc_depth = 600;
    p.conc_rate = 0.02;
    assert_int_equal(mgn_pm_margin_detail(&m, &p, 1, &big, 1, MGN_QUOTE, &r, &u, NULL), MGN_OK);
    assert_close(r.concentration, 0.02 * 40000 * 400, 1e-14, 0);
    assert_close(u.excess_delta, 400, 0, 0);
}

static void test_occ_floor(void **state)
{
    (void)state;
    /* far OTM short put: grid loss tiny, the $0.375 per unit floor binds */
    mgn_market m = { 100, 0.01, 0 };
    mgn_pm_params p;
    mgn_pm_preset_occ(&p);
    mgn_position put = ref_option(0, MGN_PUT, MGN_LINEAR, MGN_EUROPEAN, -3, 100, 50, 0.05, 0.2);
    mgn_pm_result r;
    assert_int_equal(mgn_pm_margin(&m, &p, 1, &put, 1, MGN_QUOTE, &r), MGN_OK);
    assert_close(r.requirement, 3 * 37.5, 1e-14, 0);
    assert_true(r.grid_loss < 1e-6);
    /* ATM short put: the grid binds, the floor does not add */
    put.strike = 100;
    assert_int_equal(mgn_pm_margin(&m, &p, 1, &put, 1, MGN_QUOTE, &r), MGN_OK);
    assert_close(r.requirement, r.grid_loss, 1e-15, 0);
    assert_true(r.grid_loss > 3 * 37.5);
}

static void test_brute_force(void **state)
{
    (void)state;
    mgn_test_rng g = { 31 };
    mgn_market m[3] = { { 100, 0.03, 0.01 }, { 30000, 0.0, 0.0 }, { 2000, 0.05, 0.02 } };
    mgn_pm_params p[3];
    mgn_pm_preset_deribit(&p[0]);
    mgn_pm_preset_occ(&p[1]);
    p[1].vol_scenarios = 2;
    p[1].vol_up = 0.1;
    p[1].vol_down = 0.3;
    p[1].lookahead = 1.0 / 365;
    mgn_pm_preset_deribit(&p[2]);
    p[2].price_steps = 16;
    p[2].vol_mode = MGN_PM_VOL_ABSOLUTE;
    p[2].vol_down = 0.6;
    p[2].lookahead = 2.0 / 365;
    p[2].ext_weight[7] = 0.5;
    static mgn_position pos[300];
    static double contrib[300];
    for (int rep = 0; rep < 4; rep++) {
        int n = rep == 0 ? 6 : 300;
        ref_random_book(&g, m, 3, pos, (size_t)n, 1);
        for (int cur = -1; cur < 3; cur++) {
            mgn_pm_result r;
            mgn_pm_underlying u[3];
            assert_int_equal(mgn_pm_margin_detail(m, p, 3, pos, (size_t)n, cur, &r, u, contrib), MGN_OK);
            double tot = 0;
            for (int k = 0; k < 3; k++) {
                int bind;
                double want = ref_grid(m, &p[k], k, pos, n, cur, &bind);
                double tol = 1e-9 * (want + 1);
                assert_close(u[k].grid_loss, want, 1e-10, tol);
                if (want > tol)
                    assert_int_equal(u[k].binding_scenario, bind);
                double cs = 0, D = 0;
                for (int i = 0; i < n; i++)
                    if (pos[i].underlying == k) {
                        cs += contrib[i];
                        D += ref_delta(&pos[i], &m[k]);
                    }
                assert_close(cs, u[k].grid_loss, 1e-10, tol);
                assert_close(u[k].net_delta, D, 1e-9, 1e-9);
                assert_true(u[k].requirement >= u[k].grid_loss);
                tot += u[k].requirement;
            }
            assert_close(r.requirement, tot, 1e-14, 0);
        }
    }
}

/* Random grids (price range, steps, vol states and modes, expiry scaling, lookahead,
   extended moves) and books over the whole pricing domain (tests/margin_ref.h), in
   quote and in coin: each underlying's grid loss against the brute force, the
   positions' contributions summing to it, the net delta. */
static void test_brute_force_random(void **state)
{
    (void)state;
    enum { NP = 40 };
    static mgn_position pos[NP];
    static double contrib[NP];
    mgn_test_rng g = { 0x2545F4914F6CDD1DULL };
    long iters = mgn_test_cases(40);
    double worst = 0;
    for (long it = 0; it < iters; it++) {
        mgn_market m[3];
        mgn_pm_params p[3];
        int nm = 1 + (int)(mgn_test_uniform(&g) * 3), n = 1 + (int)(mgn_test_uniform(&g) * NP);
        ref_wide_book(&g, m, nm, pos, (size_t)n);
        double big_move = 0, lowest = 0;
        for (int u = 0; u < nm; u++) {
            double y = mgn_test_uniform(&g);
            int st = y < 0.4 ? mgn_pm_preset_deribit(&p[u])
                   : y < 0.7 ? mgn_pm_preset_occ(&p[u])
                             : mgn_pm_preset_span(mgn_test_range(&g, 0.02, 0.3),
                                                  mgn_test_range(&g, 0, 0.5), &p[u]);
            assert_int_equal(st, MGN_OK);
            p[u].price_range = mgn_test_range(&g, 0.01, 0.6);
            p[u].price_steps = 1 + (int)(mgn_test_uniform(&g) * 20);
            p[u].vol_scenarios = 1 + (int)(mgn_test_uniform(&g) * 3);
            p[u].vol_mode = mgn_test_uniform(&g) < 0.5 ? MGN_PM_VOL_ABSOLUTE : MGN_PM_VOL_RELATIVE;
            p[u].vol_up = mgn_test_range(&g, 0, 0.6);
            p[u].vol_down = mgn_test_range(&g, 0, 0.6);
            p[u].vol_ref_days = mgn_test_uniform(&g) < 0.5 ? 0 : mgn_test_range(&g, 1, 90);
            p[u].vol_min_days = mgn_test_range(&g, 0.1, 2);
            p[u].vol_power_short = mgn_test_range(&g, 0, 0.5);
            p[u].vol_power_long = mgn_test_range(&g, 0, 0.5);
            p[u].lookahead = mgn_test_uniform(&g) < 0.5 ? 0 : mgn_test_range(&g, 0, 0.02);
            for (int e = 0; e < p[u].n_extended; e++) {
                big_move = fmax(big_move, p[u].ext_move[e]);
                lowest = fmin(lowest, p[u].ext_move[e]);
            }
            big_move = fmax(big_move, p[u].price_range);
            lowest = fmin(lowest, -p[u].price_range);
        }
        int cur = mgn_test_uniform(&g) < 0.5 ? MGN_QUOTE : (int)(mgn_test_uniform(&g) * nm);
        mgn_pm_result r;
        mgn_pm_underlying u[3];
        assert_int_equal(mgn_pm_margin_detail(m, p, (size_t)nm, pos, (size_t)n, cur, &r, u, contrib), MGN_OK);
        for (int k = 0; k < nm; k++) {
            int bind;
            double want = ref_grid(m, &p[k], k, pos, n, cur, &bind), size = 0, cs = 0, D = 0, units = 0;
            for (int i = 0; i < n; i++)
                if (pos[i].underlying == k) {
                    /* the pricers' absolute accuracy at the largest move (tests/margin_ref.h) */
                    size += ref_position_size(&pos[i], &m[k], m[k].spot * (1 + big_move),
                                              cur < 0 ? 1 : m[cur].spot * (1 + lowest));
                    cs += contrib[i];
                    D += ref_delta(&pos[i], &m[k]);
                    units += 2 * fabs(pos[i].quantity * pos[i].multiplier) * fmax(1, 1 / m[k].spot);
                }
            double tol = 1e-12 * size;
            assert_close(u[k].grid_loss, want, 1e-10, tol);
            worst = fmax(worst, fabs(u[k].grid_loss - want) / (1e-10 * fabs(want) + tol));
            assert_close(cs, u[k].grid_loss, 1e-10, tol);
            assert_close(u[k].net_delta, D, 1e-9, 1e-12 * units);
            assert_true(u[k].requirement >= u[k].grid_loss);
        }
    }
    print_message("%ld random grids and books: worst grid loss %.3g of the tolerance\n", iters,
                  worst);
}

/* The SPAN preset's grid loss is mgn_span_margin's scan risk. */
static void test_span_preset_matches_span(void **state)
{
    (void)state;
    mgn_test_rng g = { 8 };
    mgn_market m[2] = { { 100, 0.03, 0.01 }, { 2500, 0.01, 0.0 } };
    mgn_span_params sp[2] = { { 0.08, 0.06, 2, 0.35, 1.0 / 365, 0, 0 }, { 0.12, 0.1, 2, 0.35, 1.0 / 365, 0, 0 } };
    mgn_pm_params pp[2];
    for (int k = 0; k < 2; k++) {
        mgn_pm_preset_span(sp[k].price_scan, sp[k].vol_scan, &pp[k]);
        pp[k].lookahead = sp[k].lookahead;
    }
    static mgn_position pos[200];
    for (int rep = 0; rep < 3; rep++) {
        ref_random_book(&g, m, 2, pos, 200, 1);
        for (int cur = -1; cur < 2; cur++) {
            mgn_span_result s;
            mgn_pm_result r;
            assert_int_equal(mgn_span_margin(m, sp, 2, pos, 200, NULL, 0, cur, &s), MGN_OK);
            assert_int_equal(mgn_pm_margin(m, pp, 2, pos, 200, cur, &r), MGN_OK);
            assert_close(r.grid_loss, s.scan_risk, 1e-12, 1e-12);
            assert_close(r.requirement, s.scan_risk, 1e-12, 1e-12);
        }
    }
}

static void test_invariants(void **state)
{
    (void)state;
    mgn_test_rng g = { 19 };
    mgn_market m[2] = { { 100, 0.03, 0.01 }, { 30000, 0.0, 0.0 } };
    mgn_pm_params p[2];
    mgn_pm_preset_deribit(&p[0]);
    mgn_pm_preset_deribit(&p[1]);
    p[0].delta_shock_threshold = p[1].delta_shock_threshold = 0;   /* keep it linear */
    p[0].short_min_rate = p[1].short_min_rate = 0.001;
    static mgn_position pos[400];
    for (int rep = 0; rep < 3; rep++) {
        ref_random_book(&g, m, 2, pos, 200, 1);
        mgn_pm_result a, b;
        assert_int_equal(mgn_pm_margin(m, p, 2, pos, 200, MGN_QUOTE, &a), MGN_OK);
        assert_true(a.requirement >= 0 && a.grid_loss >= 0);
        for (int i = 0; i < 200; i++) {
            pos[200 + i] = pos[i];
            pos[200 + i].quantity *= 2.5;
        }
        assert_int_equal(mgn_pm_margin(m, p, 2, pos + 200, 200, MGN_QUOTE, &b), MGN_OK);
        assert_close(b.requirement, 2.5 * a.requirement, 1e-10, 1e-9);
        assert_close(b.grid_loss, 2.5 * a.grid_loss, 1e-10, 1e-9);
        for (int i = 0; i < 200; i++) {
            pos[200 + i] = pos[i];
            pos[200 + i].quantity = -pos[i].quantity;
        }
        p[0].short_min_rate = p[1].short_min_rate = 0;
        p[0].roll_min = p[1].roll_min = p[0].roll_rate = p[1].roll_rate = 0;
        assert_int_equal(mgn_pm_margin(m, p, 2, pos, 400, MGN_QUOTE, &b), MGN_OK);
        assert_close(b.requirement, 0, 0, 1e-9 * (a.grid_loss + 1));
        p[0].short_min_rate = p[1].short_min_rate = 0.001;
        mgn_pm_preset_deribit(&p[0]);
        mgn_pm_preset_deribit(&p[1]);
        p[0].delta_shock_threshold = p[1].delta_shock_threshold = 0;
        p[0].short_min_rate = p[1].short_min_rate = 0.001;
    }
}

static void expect_bad(const mgn_market *m, const mgn_pm_params *p, size_t nm,
                       const mgn_position *pos, size_t np, int cur, int status)
{
    mgn_pm_result r = { 9, 9, 9, 9, 9, 9 };
    assert_int_equal(mgn_pm_margin(m, p, nm, pos, np, cur, &r), status);
    assert_true(r.requirement == 9 && r.grid_loss == 9 && r.concentration == 9);
}

/* Net short units per (strike, expiry) with more strikes than the fixed table holds
   (the grouping by first occurrence), against the sum computed here. */
static void test_per_strike_many(void **state)
{
    (void)state;
    mgn_market m[2] = { { 100, 0.01, 0 }, { 50, 0, 0 } };
    mgn_pm_params p[2];
    mgn_pm_preset_occ(&p[0]);
    mgn_pm_preset_occ(&p[1]);
    p[0].short_min_per_strike = p[1].short_min_per_strike = 1;
    p[0].short_min_abs = p[1].short_min_abs = 1;   /* 1 per unit: short_option_min = units */
    p[0].short_min_mode = p[1].short_min_mode = MGN_PM_MIN_ADD;
    /* strike k: a short call of k % 3 + 1 units and a long put of 1 unit (net short
       k % 3 for k % 3 > 0, flat for k % 3 == 0), plus a future and an option on the
       other underlying that do not count */
    static mgn_position pos[2 * 80 + 2];
    for (int nstrikes = 40; nstrikes <= 80; nstrikes += 40) {
        size_t n = 0;
        double want = 0;
        for (int k = 0; k < nstrikes; k++) {
            double K = 60 + k;
            pos[n++] = ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, -(k % 3 + 1), 1, K, 0.25, 0.3);
            if (k == 7)
                pos[n++] = ref_future(0, MGN_LINEAR, 2, 1, 0.25, 99);
            if (k == 9)
                pos[n++] = ref_option(1, MGN_PUT, MGN_LINEAR, MGN_EUROPEAN, -5, 1, 50, 0.25, 0.3);
            pos[n++] = ref_option(0, MGN_PUT, MGN_LINEAR, MGN_EUROPEAN, 1, 1, K, 0.25, 0.3);
            want += k % 3;
        }
        mgn_pm_result r;
        mgn_pm_underlying u[2];
        assert_int_equal(mgn_pm_margin_detail(m, p, 2, pos, n, MGN_QUOTE, &r, u, NULL), MGN_OK);
        assert_close(u[0].short_units, want, 0, 0);
        assert_close(u[0].short_option_min, want, 1e-15, 0);
        assert_close(u[1].short_units, 5, 0, 0);
    }
}

/* Shocked vols below MGN_VOL_FLOOR are raised to it (relative shocks of a tiny vol),
   and the T == 0 and sigma == 0 deltas of European options. */
static void test_vol_floor_and_degenerate_delta(void **state)
{
    (void)state;
    mgn_market m = { 100, 0, 0 };
    mgn_pm_params p;
    mgn_pm_preset_occ(&p);
    p.price_range = 0;          /* every move 0: only the vol states matter */
    p.vol_scenarios = 2;
    p.vol_mode = MGN_PM_VOL_RELATIVE;
    p.vol_up = 0.5;
    p.vol_down = 0.25;
    p.short_min_abs = 0;
    /* sigma 5e-5: up 7.5e-5 and down 3.75e-5 are both floored at 1e-4 */
    for (int ex = MGN_EUROPEAN; ex <= MGN_AMERICAN; ex++) {
        mgn_position c = ref_option(0, MGN_CALL, MGN_LINEAR, ex, -1, 1, 100, 0.5, 5e-5);
        mgn_pm_result r;
        mgn_pm_underlying u;
        assert_int_equal(mgn_pm_margin_detail(&m, &p, 1, &c, 1, MGN_QUOTE, &r, &u, NULL), MGN_OK);
        double v0, v1;
        assert_int_equal(mgn_bs_price(MGN_CALL, 100, 100, 0.5, 0, 0, 5e-5, &v0), MGN_OK);
        assert_int_equal(mgn_bs_price(MGN_CALL, 100, 100, 0.5, 0, 0, 1e-4, &v1), MGN_OK);
        assert_close(r.grid_loss, v1 - v0, 1e-9, 1e-15);
        assert_int_equal(u.binding_scenario, 0);   /* up first; down ties */
    }
    /* deltas: an expired in-the-money call (+1 per unit) and a zero-vol put whose
       forward is below the strike (-e^{-qT} per unit) */
    mgn_market mq = { 100, 0.01, 0.02 };
    mgn_position pos[2] = { ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 3, 10, 90, 0, 0.3),
                            ref_option(0, MGN_PUT, MGN_LINEAR, MGN_EUROPEAN, 2, 10, 120, 0.5, 0) };
    mgn_pm_preset_occ(&p);
    mgn_pm_result r;
    mgn_pm_underlying u;
    assert_int_equal(mgn_pm_margin_detail(&mq, &p, 1, pos, 2, MGN_QUOTE, &r, &u, NULL), MGN_OK);
    assert_close(u.net_delta, 30 - 20 * exp(-0.02 * 0.5), 1e-15, 0);
    /* an out-of-the-money expired put and a zero-vol call out of the money: 0 */
    pos[0] = ref_option(0, MGN_PUT, MGN_LINEAR, MGN_EUROPEAN, 3, 10, 90, 0, 0.3);
    pos[1] = ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 2, 10, 120, 0.5, 0);
    assert_int_equal(mgn_pm_margin_detail(&mq, &p, 1, pos, 2, MGN_QUOTE, &r, &u, NULL), MGN_OK);
    assert_true(u.net_delta == 0);
}

/* A strike next to 0 against a large spot: S/K overflows while ln(S/K) does not. With
   a rate so negative that the forward underflows to 0 (ln F/K = 746 - 2000), the call
   is worth 0 and its delta is 0; ln of the overflowed ratio had it deep in the money,
   a net delta of 20 (a fuzzing find, tests/fuzz/crashes/pm/). */
static void test_delta_overflowing_ratio(void **state)
{
    (void)state;
    mgn_market m = { 1e10, -2e6, 0 };
    mgn_pm_params p;
    mgn_pm_preset_occ(&p);
    for (int k = 0; k < 2; k++) {
        const double sigma = k ? 0.3 : 0;
        mgn_position c = ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 2, 10, 1e-314,
                                    0.001, sigma);
        double v;
        assert_int_equal(mgn_bs_price(MGN_CALL, 1e10, 1e-314, 0.001, -2e6, 0, sigma, &v),
                         MGN_OK);
        assert_true(v == 0);
        mgn_pm_result r;
        mgn_pm_underlying u;
        assert_int_equal(mgn_pm_margin_detail(&m, &p, 1, &c, 1, MGN_QUOTE, &r, &u, NULL),
                         MGN_OK);
        assert_true(u.net_delta == 0);
    }
}

/* A book that loses in no scenario has no binding scenario; its contributions are 0. */
static void test_no_binding_scenario(void **state)
{
    (void)state;
    mgn_market m = { 100, 0, 0 };
    mgn_pm_params p;
    mgn_pm_preset_occ(&p);
    mgn_position pos[2] = { ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 0, 1, 100, 0.5, 0.3),
                            ref_perp(0, MGN_LINEAR, 0, 1, 100) };
    double contrib[2] = { 7, 7 };
    mgn_pm_result r;
    mgn_pm_underlying u;
    assert_int_equal(mgn_pm_margin_detail(&m, &p, 1, pos, 2, MGN_QUOTE, &r, &u, contrib), MGN_OK);
    assert_int_equal(u.binding_scenario, -1);
    assert_true(u.binding_move == 0 && u.binding_vol == 0 && u.binding_weight == 0);
    assert_true(r.grid_loss == 0 && r.requirement == 0);
    assert_true(contrib[0] == 0 && contrib[1] == 0);
}

/* Overflow anywhere (a shocked vol, a value today, a scenario price, the totals):
   MGN_ERANGE and nothing written. */
static void test_overflow(void **state)
{
    (void)state;
    mgn_pm_params p;
    mgn_pm_preset_deribit(&p);
    p.vol_ref_days = 0;
    /* relative up shock (x 1.5) of a vol of 1.7e308 */
    mgn_market m = { 100, 0, 0 };
    for (int ex = MGN_EUROPEAN; ex <= MGN_AMERICAN; ex++) {
        mgn_position o = ref_option(0, MGN_CALL, MGN_LINEAR, ex, -1, 1, 100, 0.5, 1.7e308);
        expect_bad(&m, &p, 1, &o, 1, -1, MGN_ERANGE);
    }
    /* carry -1 over 1000 years: forward e^1000 S */
    mgn_market mc = { 100, 0, -1 };
    mgn_position f = ref_future(0, MGN_LINEAR, 1, 1, 1000, 100);
    mgn_position e = ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 1, 1, 100, 1000, 0.3);
    expect_bad(&mc, &p, 1, &f, 1, -1, MGN_ERANGE);
    expect_bad(&mc, &p, 1, &e, 1, -1, MGN_ERANGE);
    /* spot 1.6e308: today's values are finite, the +16% scenario price is not (no
       extended moves, which are checked up front) */
    p.n_extended = 0;
    mgn_market mh = { 1.6e308, 0, 0 };
    mgn_position perp = ref_perp(0, MGN_LINEAR, 1e-300, 1, 1e308);
    mgn_position call = ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 1e-300, 1, 1e308, 0.5, 0.3);
    expect_bad(&mh, &p, 1, &perp, 1, -1, MGN_ERANGE);
    expect_bad(&mh, &p, 1, &call, 1, -1, MGN_ERANGE);
    /* the same with a zero-size position beside it: its loss there, 0 times an infinite
       move, is NaN, and a NaN scenario must not pass as a scenario without loss */
    for (int inv = 0; inv <= 1; inv++) {
        mgn_position two_p[2] = { ref_perp(0, inv ? MGN_INVERSE : MGN_LINEAR, 1e-300, 1, 1e308),
                                  ref_perp(0, inv ? MGN_INVERSE : MGN_LINEAR, 0, 1, 1e308) };
        expect_bad(&mh, &p, 1, two_p, 1, -1, MGN_ERANGE);
        expect_bad(&mh, &p, 1, two_p, 2, -1, MGN_ERANGE);
    }
    /* each underlying's roll shock is finite (0.9e308), their sum is not */
    mgn_pm_params q[2];
    mgn_pm_preset_occ(&q[0]);
    q[0].price_range = 0;
    q[0].roll_min = 0.9;
    q[1] = q[0];
    mgn_market two[2] = { { 1e308, 0, 0 }, { 1e308, 0, 0 } };
    mgn_position pp[2] = { ref_perp(0, MGN_LINEAR, 1, 1, 1e308), ref_perp(1, MGN_LINEAR, 1, 1, 1e308) };
    mgn_pm_result r;
    mgn_pm_underlying u[2];
    assert_int_equal(mgn_pm_margin_detail(two, q, 2, pp, 1, MGN_QUOTE, &r, u, NULL), MGN_OK);
    assert_close(u[0].roll_shock, 0.9e308, 1e-15, 0);
    expect_bad(two, q, 2, pp, 2, -1, MGN_ERANGE);
}

static void test_bad_input(void **state)
{
    (void)state;
    mgn_market m[1] = { { 100, 0.01, 0 } };
    mgn_pm_params good;
    mgn_pm_preset_deribit(&good);
    mgn_position pos[1] = { ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, -1, 1, 100, 0.5, 0.4) };
    mgn_pm_result r;
    assert_int_equal(mgn_pm_margin(m, &good, 1, pos, 1, MGN_QUOTE, &r), MGN_OK);
    assert_int_equal(mgn_pm_margin(m, &good, 1, pos, 1, MGN_QUOTE, NULL), MGN_EINVAL);
    expect_bad(NULL, &good, 1, pos, 1, -1, MGN_EINVAL);
    expect_bad(m, NULL, 1, pos, 1, -1, MGN_EINVAL);
    expect_bad(m, &good, 1, NULL, 1, -1, MGN_EINVAL);
    expect_bad(m, &good, 1, pos, 1, 1, MGN_EINVAL);
    expect_bad(m, &good, 1, pos, 1, -2, MGN_EINVAL);
    expect_bad(m, &good, (size_t)INT32_MAX + 1, pos, 1, -1, MGN_ERANGE);
    mgn_position bp = pos[0];
    bp.multiplier = -1;
    expect_bad(m, &good, 1, &bp, 1, -1, MGN_EINVAL);
    /* every double field of the params: NaN, inf, negative where it must be >= 0 */
    double *fields[] = { &good.price_range, &good.vol_up, &good.vol_down, &good.vol_ref_days,
                         &good.vol_power_short, &good.vol_power_long, &good.vol_min_days,
                         &good.vol_min_up, &good.lookahead, &good.short_min_rate, &good.short_min_abs,
                         &good.delta_shock_rate, &good.delta_shock_threshold, &good.roll_rate,
                         &good.roll_min, &good.conc_depth, &good.conc_rate, &good.ext_move[0],
                         &good.ext_weight[0] };
    int can_be_negative[] = { 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
        size_t off = (size_t)((char *)fields[f] - (char *)&good);
        double bad[] = { NAN, INFINITY, -INFINITY, -0.5 };
        for (int k = 0; k < 4; k++) {
            if (k == 3 && can_be_negative[f])
                continue;
            mgn_pm_params q = good;
            *(double *)((char *)&q + off) = bad[k];
            expect_bad(m, &q, 1, pos, 1, -1, MGN_EINVAL);
        }
    }
    mgn_pm_params q = good;
    q.struct_size = sizeof q - 8;
    expect_bad(m, &q, 1, pos, 1, -1, MGN_EINVAL);
    q = good; q.price_range = 1.0;       expect_bad(m, &q, 1, pos, 1, -1, MGN_EINVAL);
    q = good; q.price_steps = 0;         expect_bad(m, &q, 1, pos, 1, -1, MGN_EINVAL);
    q = good; q.price_steps = MGN_PM_MAX_STEPS + 1; expect_bad(m, &q, 1, pos, 1, -1, MGN_EINVAL);
    q = good; q.vol_scenarios = 0;       expect_bad(m, &q, 1, pos, 1, -1, MGN_EINVAL);
    q = good; q.vol_scenarios = 4;       expect_bad(m, &q, 1, pos, 1, -1, MGN_EINVAL);
    q = good; q.vol_mode = 2;            expect_bad(m, &q, 1, pos, 1, -1, MGN_EINVAL);
    q = good; q.n_extended = -1;         expect_bad(m, &q, 1, pos, 1, -1, MGN_EINVAL);
    q = good; q.n_extended = MGN_PM_MAX_EXTENDED + 1; expect_bad(m, &q, 1, pos, 1, -1, MGN_EINVAL);
    q = good; q.ext_vol[2] = 2;          expect_bad(m, &q, 1, pos, 1, -1, MGN_EINVAL);
    q = good; q.ext_move[1] = -1;        expect_bad(m, &q, 1, pos, 1, -1, MGN_EINVAL);
    q = good; q.short_min_per_strike = 2; expect_bad(m, &q, 1, pos, 1, -1, MGN_EINVAL);
    q = good; q.short_min_mode = 5;      expect_bad(m, &q, 1, pos, 1, -1, MGN_EINVAL);
    q = good; q.reserved = 1;            expect_bad(m, &q, 1, pos, 1, -1, MGN_EINVAL);
    q = good; q.vol_min_days = 0;        expect_bad(m, &q, 1, pos, 1, -1, MGN_EINVAL);
    mgn_market huge[1] = { { 1e308, 0, 0 } };
    expect_bad(huge, &good, 1, pos, 1, -1, MGN_ERANGE);
    /* presets and scenario queries */
    assert_int_equal(mgn_pm_preset_deribit(NULL), MGN_EINVAL);
    assert_int_equal(mgn_pm_preset_occ(NULL), MGN_EINVAL);
    assert_int_equal(mgn_pm_preset_span(NAN, 0.1, &q), MGN_EINVAL);
    assert_int_equal(mgn_pm_preset_span(0.1, -0.1, &q), MGN_EINVAL);
    assert_int_equal(mgn_pm_preset_span(0.5, 0.1, &q), MGN_EINVAL);
    int n = 3;
    double x = 1, w = 1;
    assert_int_equal(mgn_pm_scenario_count(NULL, &n), MGN_EINVAL);
    assert_int_equal(mgn_pm_scenario(NULL, 0, &x, &n, &w), MGN_EINVAL);
    assert_int_equal(mgn_pm_scenario(&good, 0, NULL, &n, &w), MGN_EINVAL);
    assert_int_equal(mgn_pm_scenario(&good, 35, &x, &n, &w), MGN_EINVAL);
    assert_int_equal(mgn_pm_scenario(&good, -1, &x, &n, &w), MGN_EINVAL);
    assert_true(x == 1 && n == 3 && w == 1);
    assert_true(mgn_sizeof_pm_result() == sizeof(mgn_pm_result));
    assert_true(mgn_sizeof_pm_underlying() == sizeof(mgn_pm_underlying));
}

/*---------------------------------------------------------------- bad input catalogue */
/* Every argument of every function of this file with the bad values of the catalogue
   (tests/README.md, tests/bad_input.h). */
#include "bad_input.h"

typedef struct {
    int detail;                       /* mgn_pm_margin_detail with per_mkt and contrib */
    const mgn_pm_params *params;
    int currency;
    int null_out;
} bad_pm_args;

static int bad_pm_run(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos, size_t n_pos,
                      const bad_pm_args *a)
{
    mgn_pm_result out;
    mgn_pm_underlying per[BAD_BOOK_MAX];
    double contrib[BAD_BOOK_MAX];
    bad_fill(&out, sizeof out);
    mgn_pm_result *o = a->null_out ? NULL : &out;
    int st = a->detail
        ? mgn_pm_margin_detail(mkt, a->params, n_mkt, pos, n_pos, a->currency, o, per, contrib)
        : mgn_pm_margin(mkt, a->params, n_mkt, pos, n_pos, a->currency, o);
    if (st != MGN_OK)
        BAD_UNTOUCHED(&out, sizeof out);
    return st;
}

static int bad_call_pm_book(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                            size_t n_pos, int which, void *ctx)
{
    (void)which;
    return bad_pm_run(mkt, n_mkt, pos, n_pos, ctx);
}

typedef struct {
    bad_pm_args a;
    const mgn_market *mkt;
    const mgn_position *pos;
} bad_pm_ctx;

static int bad_call_pm_params(const void *arg, void *ctx)
{
    bad_pm_ctx *c = ctx;
    mgn_pm_params p[BAD_NMKT];
    p[0] = *(const mgn_pm_params *)arg;
    p[1] = c->a.params[1];
    bad_pm_args a = c->a;
    a.params = p;
    return bad_pm_run(c->mkt, BAD_NMKT, c->pos, BAD_NPOS, &a);
}

static int bad_call_pm_count(const void *arg, void *ctx)
{
    (void)ctx;
    int n;
    bad_fill(&n, sizeof n);
    int st = mgn_pm_scenario_count(arg, &n);
    if (st != MGN_OK)
        BAD_UNTOUCHED(&n, sizeof n);
    return st;
}

static int bad_call_pm_scenario(const void *arg, void *ctx)
{
    (void)ctx;
    double m, w;
    int v;
    bad_fill(&m, sizeof m);
    bad_fill(&w, sizeof w);
    bad_fill(&v, sizeof v);
    int st = mgn_pm_scenario(arg, 1, &m, &v, &w);
    if (st != MGN_OK) {
        BAD_UNTOUCHED(&m, sizeof m);
        BAD_UNTOUCHED(&v, sizeof v);
        BAD_UNTOUCHED(&w, sizeof w);
    }
    return st;
}

static const bad_double BAD_PM_RANGE[] = { BAD_NONFINITE, { "-0.1", -0.1 }, { "1", 1 }, { "1.5", 1.5 } };
static const bad_int BAD_PM_STEPS[] = { { "0", 0 }, { "-1", -1 }, { "MGN_PM_MAX_STEPS+1", MGN_PM_MAX_STEPS + 1 },
                                        { "INT_MAX", INT_MAX }, { "INT_MIN", INT_MIN } };
static const bad_int BAD_PM_VOLSC[] = { { "0", 0 }, { "4", 4 }, { "-1", -1 } };
static const bad_int BAD_PM_MODE[] = { { "-1", -1 }, { "2", 2 }, { "INT_MAX", INT_MAX } };
static const bad_int BAD_PM_NEXT[] = { { "-1", -1 }, { "MGN_PM_MAX_EXTENDED+1", MGN_PM_MAX_EXTENDED + 1 },
                                       { "INT_MAX", INT_MAX } };
static const bad_int BAD_PM_01[] = { { "-1", -1 }, { "2", 2 } };
static const bad_int BAD_PM_RES[] = { { "1", 1 }, { "-1", -1 } };
static const bad_double BAD_PM_MINDAYS[] = { BAD_NONFINITE, { "-1", -1 }, { "0 (vol_ref_days 30)", 0 } };
static const bad_double BAD_PM_EXTMOVE[] = { BAD_NONFINITE, { "-1", -1 }, { "-2", -2 } };
static const bad_double BAD_PM_EXTW[] = { BAD_NONFINITE, { "-0.1", -0.1 } };
static const bad_int BAD_PM_EXTVOL[] = { { "-2", -2 }, { "2", 2 }, { "INT_MIN", INT_MIN } };
#define PM_EXT_D(name, field, e, list) \
    BAD_DFIELD_AT(name, offsetof(mgn_pm_params, field) + (e) * sizeof(double), list)
static const bad_field BAD_PM_FIELDS[] = {
    BAD_DFIELD(mgn_pm_params, price_range, BAD_PM_RANGE),
    BAD_IFIELD(mgn_pm_params, price_steps, BAD_PM_STEPS),
    BAD_IFIELD(mgn_pm_params, vol_scenarios, BAD_PM_VOLSC),
    BAD_IFIELD(mgn_pm_params, vol_mode, BAD_PM_MODE),
    BAD_IFIELD(mgn_pm_params, n_extended, BAD_PM_NEXT),
    BAD_DFIELD(mgn_pm_params, vol_up, BAD_D_NONNEG),
    BAD_DFIELD(mgn_pm_params, vol_down, BAD_D_NONNEG),
    BAD_DFIELD(mgn_pm_params, vol_ref_days, BAD_D_NONNEG),
    BAD_DFIELD(mgn_pm_params, vol_power_short, BAD_D_FINITE),
    BAD_DFIELD(mgn_pm_params, vol_power_long, BAD_D_FINITE),
    BAD_DFIELD(mgn_pm_params, vol_min_days, BAD_PM_MINDAYS),
    BAD_DFIELD(mgn_pm_params, vol_min_up, BAD_D_NONNEG),
    BAD_DFIELD(mgn_pm_params, lookahead, BAD_D_NONNEG),
    PM_EXT_D("ext_move[0]", ext_move, 0, BAD_PM_EXTMOVE),
    PM_EXT_D("ext_move[7]", ext_move, 7, BAD_PM_EXTMOVE),
    PM_EXT_D("ext_weight[0]", ext_weight, 0, BAD_PM_EXTW),
    PM_EXT_D("ext_weight[7]", ext_weight, 7, BAD_PM_EXTW),
    BAD_IFIELD_AT("ext_vol[0]", offsetof(mgn_pm_params, ext_vol), BAD_PM_EXTVOL),
    BAD_IFIELD_AT("ext_vol[7]", offsetof(mgn_pm_params, ext_vol) + 7 * sizeof(int), BAD_PM_EXTVOL),
    BAD_IFIELD(mgn_pm_params, short_min_per_strike, BAD_PM_01),
    BAD_IFIELD(mgn_pm_params, short_min_mode, BAD_PM_01),
    BAD_DFIELD(mgn_pm_params, short_min_rate, BAD_D_NONNEG),
    BAD_DFIELD(mgn_pm_params, short_min_abs, BAD_D_NONNEG),
    BAD_DFIELD(mgn_pm_params, delta_shock_rate, BAD_D_NONNEG),
    BAD_DFIELD(mgn_pm_params, delta_shock_threshold, BAD_D_NONNEG),
    BAD_DFIELD(mgn_pm_params, roll_rate, BAD_D_NONNEG),
    BAD_DFIELD(mgn_pm_params, roll_min, BAD_D_NONNEG),
    BAD_DFIELD(mgn_pm_params, conc_depth, BAD_D_NONNEG),
    BAD_DFIELD(mgn_pm_params, conc_rate, BAD_D_NONNEG),
    BAD_IFIELD(mgn_pm_params, reserved, BAD_PM_RES),
};

/* struct_size values other than sizeof(mgn_pm_params): MGN_EINVAL for `call`. */
static void bad_pm_struct_size(const char *fn, const char *arg, const mgn_pm_params *good,
                               bad_struct_call call, void *ctx)
{
    static const bad_size bad_ss[] = { { "0", 0 }, { "sizeof - 8", sizeof(mgn_pm_params) - 8 },
                                       { "sizeof + 8", sizeof(mgn_pm_params) + 8 },
                                       { "SIZE_MAX", SIZE_MAX } };
    char name[64];
    snprintf(name, sizeof name, "%sstruct_size", arg);
    for (size_t k = 0; k < BAD_N(bad_ss); k++) {
        mgn_pm_params p = *good;
        p.struct_size = bad_ss[k].v;
        BAD_STATUS(fn, name, bad_ss[k].label, MGN_EINVAL, call(&p, ctx));
    }
}

static void test_bad_input_pm(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    mgn_market mk[BAD_NMKT];
    mgn_position pos[BAD_NPOS];
    bad_default_book(mk, pos);
    mgn_pm_params prm[BAD_NMKT];
    assert_int_equal(mgn_pm_preset_deribit(&prm[0]), MGN_OK);   /* every feature in use */
    prm[0].conc_depth = 10;
    prm[0].conc_rate = 0.01;
    assert_int_equal(mgn_pm_preset_occ(&prm[1]), MGN_OK);
    for (int detail = 0; detail < 2; detail++) {
        const char *fn = detail ? "mgn_pm_margin_detail" : "mgn_pm_margin";
        const bad_pm_args good = { detail, prm, MGN_QUOTE, 0 };
        bad_pm_args a = good;
        bad_book_mutations(fn, "mkt[]", "pos[]", bad_call_pm_book, &a, mk, BAD_NMKT, pos, BAD_NPOS, 0, 1);
        BAD_STATUS(fn, "mkt", "NULL (n_mkt = 2)", MGN_EINVAL, bad_pm_run(NULL, BAD_NMKT, pos, BAD_NPOS, &a));
        BAD_STATUS(fn, "n_mkt", "0 (positions on underlying 0)", MGN_EINVAL, bad_pm_run(mk, 0, pos, BAD_NPOS, &a));
        for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
            BAD_STATUS(fn, "n_mkt", BAD_SIZES[s].label, MGN_ERANGE, bad_pm_run(mk, BAD_SIZES[s].v, pos, BAD_NPOS, &a));
        BAD_STATUS(fn, "pos", "NULL (n_pos = 3)", MGN_EINVAL, bad_pm_run(mk, BAD_NMKT, NULL, BAD_NPOS, &a));
        for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
            BAD_STATUS(fn, "n_pos", BAD_SIZES_NULL[s].label, MGN_EINVAL, bad_pm_run(mk, BAD_NMKT, NULL, BAD_SIZES[s].v, &a));
        a.params = NULL;
        BAD_STATUS(fn, "params", "NULL (n_mkt = 2)", MGN_EINVAL, bad_pm_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
        bad_pm_ctx c = { good, mk, pos };
        bad_struct_fields(fn, "params[].", &prm[0], sizeof prm[0], BAD_PM_FIELDS, bad_call_pm_params, &c);
        bad_pm_struct_size(fn, "params[].", &prm[0], bad_call_pm_params, &c);
        {
            mgn_pm_params p = prm[0];
            p.ext_move[2] = 1e308;        /* spot * (1 + 1e308) overflows */
            BAD_STATUS(fn, "params[].ext_move[2]", "1e308 (S (1 + move) overflows)", MGN_ERANGE,
                       bad_call_pm_params(&p, &c));
        }
        a = good;
        for (size_t k = 0; k < BAD_N(BAD_CURRENCY); k++) {
            a.currency = BAD_CURRENCY[k].v;
            BAD_STATUS(fn, "currency", BAD_CURRENCY[k].label, MGN_EINVAL, bad_pm_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
        }
        a = good;
        a.null_out = 1;
        BAD_STATUS(fn, "out", "NULL", MGN_EINVAL, bad_pm_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    }
    /* scenario count and scenario */
    bad_struct_fields("mgn_pm_scenario_count", "params->", &prm[0], sizeof prm[0], BAD_PM_FIELDS,
                      bad_call_pm_count, NULL);
    bad_pm_struct_size("mgn_pm_scenario_count", "params->", &prm[0], bad_call_pm_count, NULL);
    int n;
    BAD_STATUS("mgn_pm_scenario_count", "params", "NULL", MGN_EINVAL, mgn_pm_scenario_count(NULL, &n));
    BAD_STATUS("mgn_pm_scenario_count", "n", "NULL", MGN_EINVAL, mgn_pm_scenario_count(&prm[0], NULL));
    const char *fn = "mgn_pm_scenario";
    bad_struct_fields(fn, "params->", &prm[0], sizeof prm[0], BAD_PM_FIELDS, bad_call_pm_scenario, NULL);
    bad_pm_struct_size(fn, "params->", &prm[0], bad_call_pm_scenario, NULL);
    double m, w;
    int v;
    assert_int_equal(mgn_pm_scenario_count(&prm[0], &n), MGN_OK);
    const bad_int bad_k[] = { { "-1", -1 }, { "count", n }, { "INT_MAX", INT_MAX }, { "INT_MIN", INT_MIN } };
    for (size_t k = 0; k < BAD_N(bad_k); k++) {
        bad_fill(&m, sizeof m);
        BAD_STATUS(fn, "k", bad_k[k].label, MGN_EINVAL, mgn_pm_scenario(&prm[0], bad_k[k].v, &m, &v, &w));
        BAD_UNTOUCHED(&m, sizeof m);
    }
    BAD_STATUS(fn, "params", "NULL", MGN_EINVAL, mgn_pm_scenario(NULL, 0, &m, &v, &w));
    BAD_STATUS(fn, "price_move", "NULL", MGN_EINVAL, mgn_pm_scenario(&prm[0], 0, NULL, &v, &w));
    BAD_STATUS(fn, "vol_state", "NULL", MGN_EINVAL, mgn_pm_scenario(&prm[0], 0, &m, NULL, &w));
    BAD_STATUS(fn, "weight", "NULL", MGN_EINVAL, mgn_pm_scenario(&prm[0], 0, &m, &v, NULL));
    /* presets */
    mgn_pm_params p;
    static const bad_double bad_scan[] = { BAD_NONFINITE, { "-1e-300", -1e-300 }, { "-1", -1 },
                                           { "0.5", 0.5 }, { "1", 1 } };
    for (size_t k = 0; k < BAD_N(bad_scan); k++) {
        bad_fill(&p, sizeof p);
        BAD_STATUS("mgn_pm_preset_span", "price_scan", bad_scan[k].label, MGN_EINVAL,
                   mgn_pm_preset_span(bad_scan[k].v, 0.1, &p));
        BAD_UNTOUCHED(&p, sizeof p);
    }
    for (size_t k = 0; k < BAD_N(BAD_D_NONNEG); k++) {
        bad_fill(&p, sizeof p);
        BAD_STATUS("mgn_pm_preset_span", "vol_scan", BAD_D_NONNEG[k].label, MGN_EINVAL,
                   mgn_pm_preset_span(0.1, BAD_D_NONNEG[k].v, &p));
        BAD_UNTOUCHED(&p, sizeof p);
    }
    BAD_STATUS("mgn_pm_preset_span", "out", "NULL", MGN_EINVAL, mgn_pm_preset_span(0.1, 0.1, NULL));
    BAD_STATUS("mgn_pm_preset_deribit", "out", "NULL", MGN_EINVAL, mgn_pm_preset_deribit(NULL));
    BAD_STATUS("mgn_pm_preset_occ", "out", "NULL", MGN_EINVAL, mgn_pm_preset_occ(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_presets_published),
        cmocka_unit_test(test_deribit_addons_published),
        cmocka_unit_test(test_occ_floor),
        cmocka_unit_test(test_brute_force),
        cmocka_unit_test(test_brute_force_random),
        cmocka_unit_test(test_span_preset_matches_span),
        cmocka_unit_test(test_invariants),
        cmocka_unit_test(test_per_strike_many),
        cmocka_unit_test(test_vol_floor_and_degenerate_delta),
        cmocka_unit_test(test_delta_overflowing_ratio),
        cmocka_unit_test(test_no_binding_scenario),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_bad_input_pm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
