/* Tests of lib/span.c: mgn_span_margin, mgn_span_margin_detail, mgn_span_scenario.
 *
 * References:
 *   - the CME scenario table read from tests/data/span_cme_scenarios.csv (not from the
 *     library) drives an independent brute-force SPAN: every position repriced from
 *     scratch in every scenario (tests/margin_ref.h), tiers netted by a quadratic
 *     loop, pairs applied as MARGIN-MODEL.md section 4 words them;
 *   - hand-worked cases: one short call's risk array, an intra-commodity calendar
 *     spread and a chain of inter-commodity spreads (numbers in the comments);
 *   - invariants: margin >= 0, scan of a portfolio <= sum of its positions' scans,
 *     a position plus its opposite has no scan risk, scaling quantities by k scales
 *     every component by k, coin and quote risk arrays agree at the scenario price.
 */
#include <stdint.h>
#include <stdlib.h>
#include "margin_ref.h"

static double tab_price[16], tab_vol[16], tab_cover[16];
static int tab_loaded;

static void load_table(void)
{
    if (tab_loaded)
        return;
    FILE *f = fopen("tests/data/span_cme_scenarios.csv", "r");
    assert_non_null(f);
    char line[256];
    int k = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        int id, num, den = 1;
        double vol, cover;
        char pm[32];
        assert_int_equal(sscanf(line, "%d,%31[^,],%lf,%lf", &id, pm, &vol, &cover), 4);
        if (strchr(pm, '/'))
            assert_int_equal(sscanf(pm, "%d/%d", &num, &den), 2);
        else
            num = atoi(pm);
        assert_int_equal(id, k + 1);
        tab_price[k] = (double)num / den;   /* thirds; extremes +/-2 */
        tab_vol[k] = vol;
        tab_cover[k] = cover;
        k++;
    }
    fclose(f);
    assert_int_equal(k, 16);
    tab_loaded = 1;
}

/* Scenario k of params p from the table. */
static void table_scenario(const mgn_span_params *p, int k, double *dS, double *dv, double *w)
{
    if (k < 14) {
        int num = (int)lround(tab_price[k] * 3);
        *dS = p->price_scan * num / 3.0;
        *dv = tab_vol[k] * p->vol_scan;
        *w = tab_cover[k];
    } else {
        *dS = (tab_price[k] > 0 ? 1 : -1) * (p->extreme_mult * p->price_scan);
        *dv = 0;
        *w = p->extreme_cover;   /* the table's 0.35 is CME's default of this parameter */
    }
}

typedef struct {
    double scan, intra, som, nov, D, credit, R, wpr, req;
    int bind;
} ref_u;

/* Brute-force SPAN of MARGIN-MODEL.md section 4. */
static void ref_span(const mgn_market *mkt, const mgn_span_params *prm, int n_mkt,
                     const mgn_position *pos, int n, const mgn_span_pair *pairs, int n_pairs,
                     int cur, ref_u *u_out, mgn_span_result *r, double *risk)
{
    load_table();
    memset(r, 0, sizeof *r);
    for (int u = 0; u < n_mkt; u++) {
        ref_u *o = &u_out[u];
        memset(o, 0, sizeof *o);
        double sums[16] = { 0 }, S = mkt[u].spot;
        double toc = cur < 0 ? 1 : 1 / mkt[cur].spot;
        double sc = 0, sp = 0, plus = 0, minus = 0;
        for (int i = 0; i < n; i++) {
            const mgn_position *p = &pos[i];
            if (p->underlying != u)
                continue;
            for (int k = 0; k < 16; k++) {
                double dS, dv, w;
                table_scenario(&prm[u], k, &dS, &dv, &w);
                double pl = ref_pnl_quote(p, &mkt[u], dS, dv, prm[u].lookahead);
                if (cur >= 0)
                    pl /= cur == u ? S * (1 + dS) : mkt[cur].spot;
                double loss = -pl * w;
                sums[k] += loss;
                if (risk)
                    risk[i * 16 + k] = loss;
            }
            double qm = p->quantity * p->multiplier;
            if (p->instrument == MGN_OPTION) {
                double v = qm * ref_unit(p, &mkt[u], S, p->vol, p->expiry);
                if (p->settlement == MGN_INVERSE)
                    o->nov += cur == u ? v : v * S * toc;
                else
                    o->nov += v * toc;
                if (qm < 0 && p->option_type == MGN_CALL)
                    sc -= qm;
                if (qm < 0 && p->option_type == MGN_PUT)
                    sp -= qm;
            }
            /* tier net: first position of each tier sums the tier */
            double key = p->instrument == MGN_PERPETUAL ? 0 : p->expiry;
            int first = 1;
            for (int j = 0; j < i && first; j++)
                if (pos[j].underlying == u
                    && (pos[j].instrument == MGN_PERPETUAL ? 0 : pos[j].expiry) == key)
                    first = 0;
            if (first) {
                double net = 0;
                for (int j = i; j < n; j++)
                    if (pos[j].underlying == u
                        && (pos[j].instrument == MGN_PERPETUAL ? 0 : pos[j].expiry) == key)
                        net += ref_delta(&pos[j], &mkt[u]);
                if (net > 0)
                    plus += net;
                else
                    minus -= net;
            }
        }
        o->bind = -1;
        for (int k = 0; k < 16; k++)
            if (sums[k] > o->scan) {
                o->scan = sums[k];
                o->bind = k;
            }
        o->D = plus - minus;
        o->intra = prm[u].intra_rate * S * (plus < minus ? plus : minus) * toc;
        o->som = prm[u].som_rate * S * (sc > sp ? sc : sp) * toc;
        o->wpr = o->D != 0 ? o->scan / fabs(o->D) : 0;
        o->R = o->D;
    }
    for (int k = 0; k < n_pairs; k++) {
        ref_u *A = &u_out[pairs[k].a], *B = &u_out[pairs[k].b];
        if (A->R * B->R >= 0)
            continue;
        double sa = fabs(A->R) / pairs[k].delta_a, sb = fabs(B->R) / pairs[k].delta_b;
        double s = sa < sb ? sa : sb;
        A->credit += pairs[k].credit_rate * s * pairs[k].delta_a * A->wpr;
        B->credit += pairs[k].credit_rate * s * pairs[k].delta_b * B->wpr;
        A->R -= (A->R > 0 ? 1 : -1) * s * pairs[k].delta_a;
        B->R -= (B->R > 0 ? 1 : -1) * s * pairs[k].delta_b;
    }
    for (int u = 0; u < n_mkt; u++) {
        ref_u *o = &u_out[u];
        double a = o->scan + o->intra - o->credit;
        o->req = a > o->som ? a : o->som;
        r->requirement += o->req;
        r->scan_risk += o->scan;
        r->intra_charge += o->intra;
        r->inter_credit += o->credit;
        r->short_option_min += o->som;
        r->net_option_value += o->nov;
    }
}

static void assert_result(const mgn_span_result *got, const mgn_span_result *want, double tol)
{
    assert_close(got->requirement, want->requirement, 1e-10, tol);
    assert_close(got->scan_risk, want->scan_risk, 1e-10, tol);
    assert_close(got->intra_charge, want->intra_charge, 1e-10, tol);
    assert_close(got->inter_credit, want->inter_credit, 1e-10, tol);
    assert_close(got->short_option_min, want->short_option_min, 1e-10, tol);
    assert_close(got->net_option_value, want->net_option_value, 1e-10, tol);
}

static const mgn_span_params CME = { 0.08, 0.06, 2.0, 0.35, 1.0 / 365, 0.02, 0.005 };

/*---------------------------------------------------------------- tests */

static void test_scenario_table(void **state)
{
    (void)state;
    load_table();
    mgn_span_params p = CME;
    for (int k = 0; k < 16; k++) {
        double dS, dv, w, eS, ev, ew;
        assert_int_equal(mgn_span_scenario(&p, k, &dS, &dv, &w), MGN_OK);
        table_scenario(&p, k, &eS, &ev, &ew);
        assert_true(dS == eS && dv == ev && w == ew);
    }
    assert_true(tab_cover[14] == p.extreme_cover && tab_price[14] == p.extreme_mult);
    double x = 1;
    assert_int_equal(mgn_span_scenario(&p, 16, &x, &x, &x), MGN_EINVAL);
    assert_int_equal(mgn_span_scenario(&p, -1, &x, &x, &x), MGN_EINVAL);
    assert_int_equal(mgn_span_scenario(NULL, 0, &x, &x, &x), MGN_EINVAL);
    assert_int_equal(mgn_span_scenario(&p, 0, NULL, &x, &x), MGN_EINVAL);
    /* bad parameters: a status, never a NaN scenario */
    mgn_span_params bad = p;
    bad.vol_scan = NAN;
    assert_int_equal(mgn_span_scenario(&bad, 0, &x, &x, &x), MGN_EINVAL);
    bad = p;
    bad.price_scan = -0.1;
    assert_int_equal(mgn_span_scenario(&bad, 2, &x, &x, &x), MGN_EINVAL);
    bad = p;
    bad.extreme_mult = INFINITY;
    assert_int_equal(mgn_span_scenario(&bad, 14, &x, &x, &x), MGN_EINVAL);
    assert_true(x == 1);
}

/* One short call, its 16-value risk array written out by hand:
   S = 100, r = 2%, q = 0, K = 105, T = 0.25, vol 30%; PSR 10%, VSR 5 vol points,
   extremes 2 x PSR at 35%, lookahead 1 day. Loss_k = w_k * (C(S_k, vol_k, T - 1d) - C0)
   for the short call (quantity -1, multiplier 1). */
static void test_one_short_call(void **state)
{
    (void)state;
    mgn_market m = { 100, 0.02, 0 };
    mgn_span_params p = { 0.10, 0.05, 2, 0.35, 1.0 / 365, 0.05, 0.01 };
    mgn_position call = ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, -1, 1, 105, 0.25, 0.30);
    static const double S_k[16] = { 100, 100, 100 + 10.0 / 3, 100 + 10.0 / 3, 100 - 10.0 / 3,
                                     100 - 10.0 / 3, 100 + 20.0 / 3, 100 + 20.0 / 3,
                                     100 - 20.0 / 3, 100 - 20.0 / 3, 110, 110, 90, 90, 120, 80 };
    static const double v_k[16] = { 0.35, 0.25, 0.35, 0.25, 0.35, 0.25, 0.35, 0.25,
                                    0.35, 0.25, 0.35, 0.25, 0.35, 0.25, 0.30, 0.30 };
    double C0, want[16], worst = 0;
    int wk = -1;
    assert_int_equal(mgn_bs_price(MGN_CALL, 100, 105, 0.25, 0.02, 0, 0.30, &C0), MGN_OK);
    for (int k = 0; k < 16; k++) {
        double C;
        assert_int_equal(mgn_bs_price(MGN_CALL, S_k[k], 105, 0.25 - 1.0 / 365, 0.02, 0, v_k[k], &C), MGN_OK);
        want[k] = (k >= 14 ? 0.35 : 1.0) * (C - C0);
        if (want[k] > worst) {
            worst = want[k];
            wk = k;
        }
    }
    /* the worst case is up 3/3 with vol up (scenario 11, index 10): about 5.57 */
    assert_int_equal(wk, 10);
    assert_true(worst > 5.0 && worst < 6.5);
    mgn_span_result r;
    mgn_span_underlying u;
    double risk[16];
    assert_int_equal(mgn_span_margin_detail(&m, &p, 1, &call, 1, NULL, 0, MGN_QUOTE, &r, &u, risk), MGN_OK);
    for (int k = 0; k < 16; k++) {
        assert_close(risk[k], want[k], 1e-12, 1e-13);
        assert_close(u.scenario_loss[k], want[k], 1e-12, 1e-13);
    }
    assert_close(r.scan_risk, worst, 1e-12, 0);
    assert_int_equal(u.scan_scenario, 10);
    assert_close(r.short_option_min, 0.05 * 100 * 1, 1e-15, 0);
    assert_close(r.intra_charge, 0, 0, 0);
    assert_close(r.net_option_value, -C0, 1e-14, 0);
    assert_close(r.requirement, worst, 1e-12, 0);  /* 5.57 > SOM 5 */
    mgn_greeks g;
    mgn_bs_greeks(MGN_CALL, 100, 105, 0.25, 0.02, 0, 0.30, &g);
    assert_close(u.net_delta, -g.delta, 1e-14, 0);
    /* SOM binds when the scan range is small */
    p.price_scan = 0.01;
    assert_int_equal(mgn_span_margin(&m, &p, 1, &call, 1, NULL, 0, MGN_QUOTE, &r), MGN_OK);
    assert_close(r.requirement, 5.0, 1e-15, 0);
}

/* Calendar spread in linear futures on S = 100, r = q = 0 (so F = S, delta = q*m):
   long 10 @ 3 months (+10), short 6 @ 6 months (-6), long 2 perpetuals (tier 0: +2).
   Tiers +2, +10, -6: offset = min(12, 6) = 6, intra = 0.01 * 100 * 6 = 6.
   Net delta +6: scan = 6 * 100 * 10% = 60 at price -3/3 (scenario 13, index 12; the
   extreme -20% counts 6 * 20 * 0.35 = 42). Requirement = 60 + 6 = 66. */
static void test_intra_spread(void **state)
{
    (void)state;
    mgn_market m = { 100, 0, 0 };
    mgn_span_params p = { 0.10, 0.05, 2, 0.35, 0, 0.05, 0.01 };
    mgn_position pos[3] = { ref_future(0, MGN_LINEAR, 10, 1, 0.25, 99),
                            ref_future(0, MGN_LINEAR, -6, 1, 0.5, 101),
                            ref_perp(0, MGN_LINEAR, 2, 1, 100) };
    mgn_span_result r;
    mgn_span_underlying u;
    assert_int_equal(mgn_span_margin_detail(&m, &p, 1, pos, 3, NULL, 0, MGN_QUOTE, &r, &u, NULL), MGN_OK);
    assert_close(r.scan_risk, 60, 1e-14, 0);
    assert_int_equal(u.scan_scenario, 12);
    assert_close(u.scenario_loss[15], 42, 1e-14, 0);
    assert_close(r.intra_charge, 6, 1e-14, 0);
    assert_close(u.spread_delta, 6, 1e-14, 0);
    assert_close(u.net_delta, 6, 1e-14, 0);
    assert_close(r.requirement, 66, 1e-14, 0);
    assert_close(r.short_option_min, 0, 0, 0);
    assert_close(r.net_option_value, 0, 0, 0);
}

/* Inter-commodity spreads, linear perpetuals, r = q = 0, VSR irrelevant:
   A: S 100, PSR 10%, long 10 units: scan 100 (extreme 70), D +10, WPR 10.
   B: S 50, PSR 8%, short 30 units: scan 120, D -30, WPR 4.
   C: S 10, PSR 10%, long 50 units: scan 50, D +50, WPR 1.
   Pair 1 (A, B), deltas 1 : 2, rate 50%: spreads = min(10/1, 30/2) = 10;
     credit A = 0.5*10*1*10 = 50, credit B = 0.5*10*2*4 = 40; R_A = 0, R_B = -10.
   Pair 2 (B, C), 1 : 1, rate 40%: spreads = min(10, 50) = 10;
     credit B += 0.4*10*1*4 = 16, credit C = 0.4*10*1*1 = 4; R_B = 0, R_C = 40.
   Pair 3 (A, C): R_A = 0, nothing.
   Requirements: A 100 - 50 = 50, B 120 - 56 = 64, C 50 - 4 = 46; total 160. */
static void test_inter_spread(void **state)
{
    (void)state;
    mgn_market m[3] = { { 100, 0, 0 }, { 50, 0, 0 }, { 10, 0, 0 } };
    mgn_span_params p[3] = { { 0.10, 0.05, 2, 0.35, 0, 0, 0 }, { 0.08, 0.05, 2, 0.35, 0, 0, 0 },
                             { 0.10, 0.05, 2, 0.35, 0, 0, 0 } };
    mgn_position pos[3] = { ref_perp(0, MGN_LINEAR, 10, 1, 100), ref_perp(1, MGN_LINEAR, -30, 1, 50),
                            ref_perp(2, MGN_LINEAR, 50, 1, 10) };
    mgn_span_pair pr[3] = { { 0, 1, 1, 2, 0.5 }, { 1, 2, 1, 1, 0.4 }, { 0, 2, 1, 1, 0.9 } };
    mgn_span_result r;
    mgn_span_underlying u[3];
    assert_int_equal(mgn_span_margin_detail(m, p, 3, pos, 3, pr, 3, MGN_QUOTE, &r, u, NULL), MGN_OK);
    assert_close(u[0].scan_risk, 100, 1e-14, 0);
    assert_close(u[1].scan_risk, 120, 1e-14, 0);
    assert_close(u[2].scan_risk, 50, 1e-14, 0);
    assert_close(u[0].weighted_price_risk, 10, 1e-14, 0);
    assert_close(u[1].weighted_price_risk, 4, 1e-14, 0);
    assert_close(u[0].inter_credit, 50, 1e-14, 0);
    assert_close(u[1].inter_credit, 56, 1e-14, 0);
    assert_close(u[2].inter_credit, 4, 1e-14, 0);
    assert_true(u[0].remaining_delta == 0 && u[1].remaining_delta == 0);
    assert_close(u[2].remaining_delta, 40, 1e-14, 0);
    assert_close(u[0].requirement, 50, 1e-14, 0);
    assert_close(u[1].requirement, 64, 1e-14, 0);
    assert_close(u[2].requirement, 46, 1e-14, 0);
    assert_close(r.requirement, 160, 1e-14, 0);
    assert_close(r.inter_credit, 110, 1e-14, 0);   /* 50 + 56 + 4 */
    /* mgn_span_margin (no per_mkt) agrees */
    mgn_span_result r2;
    assert_int_equal(mgn_span_margin(m, p, 3, pos, 3, pr, 3, MGN_QUOTE, &r2), MGN_OK);
    assert_result(&r2, &r, 0);
    /* order matters: (B, C) first: spreads = min(30/1, 50/1) = 30, credit B =
       0.4*30*1*4 = 48, C = 0.4*30*1*1 = 12, R_B = 0, R_C = 20; then (A, B) finds
       R_B = 0 and (A, C) two longs: nothing. A 100, B 72, C 38: total 210. */
    mgn_span_pair pr2[3] = { pr[1], pr[0], pr[2] };
    assert_int_equal(mgn_span_margin(m, p, 3, pos, 3, pr2, 3, MGN_QUOTE, &r2), MGN_OK);
    assert_close(r2.requirement, 210, 1e-14, 0);
    assert_close(r2.inter_credit, 60, 1e-14, 0);
    /* same-sign legs form nothing */
    mgn_position same[2] = { pos[0], ref_perp(1, MGN_LINEAR, 30, 1, 50) };
    assert_int_equal(mgn_span_margin(m, p, 3, same, 2, pr, 1, MGN_QUOTE, &r2), MGN_OK);
    assert_close(r2.inter_credit, 0, 0, 0);
}

/* The credit never exceeds the scan risk (the header's promise), also where the
   weighted price risk scan_u / |D_u| lies in the subnormal range and rounds up by a
   third: a scan risk of 3 subnormal ulps over a net delta of -4.03 gives a WPR of one
   ulp (0.74 exactly), and 4.03 units of spread times it 4 ulps of credit. The case
   of a fuzzing find (tests/fuzz/crashes/span/). */
static void test_inter_credit_bounded(void **state)
{
    (void)state;
    const double tiny = 4.9406564584124654e-324;      /* the smallest subnormal */
    mgn_market m[2] = { { 100, 0, 0 }, { tiny, tiny, tiny } };
    mgn_span_params p = { 0.22921568627450978, 0.32745098039215687, 2.2921568627450979,
                          0.65490196078431373, 0.0058554563513255721, 0, 0 };
    mgn_span_params pp[2] = { p, p };
    mgn_position pos[2] = { ref_perp(0, MGN_LINEAR, 10, 1, 100),
                            ref_perp(1, MGN_LINEAR, -19.411764705882351, 0.20762557217846028,
                                     tiny) };
    mgn_span_pair pr = { 0, 1, 0.40903898860933102, 10, 1 };
    mgn_span_result r;
    mgn_span_underlying u[2];
    assert_int_equal(mgn_span_margin_detail(m, pp, 2, pos, 2, &pr, 1, MGN_QUOTE, &r, u, NULL),
                     MGN_OK);
    /* the case is the one described: a subnormal scan risk and WPR, the leg used up */
    assert_true(u[1].scan_risk > 0 && u[1].scan_risk < 8 * tiny);
    assert_true(u[1].weighted_price_risk > 0 && u[1].weighted_price_risk < DBL_MIN);
    assert_true(u[1].remaining_delta == 0);
    for (int k = 0; k < 2; k++) {
        assert_true(u[k].inter_credit <= u[k].scan_risk);
        assert_true(u[k].requirement >= 0);
    }
    assert_true(r.inter_credit <= r.scan_risk);
}

static void test_brute_force(void **state)
{
    (void)state;
    mgn_test_rng g = { 2024 };
    mgn_market m[3] = { { 100, 0.03, 0.01 }, { 30000, 0.0, 0.0 }, { 2000, 0.05, 0.02 } };
    mgn_span_params p[3] = { CME, { 0.15, 0.10, 3, 0.33, 1.0 / 365, 0.01, 0.002 },
                             { 0.12, 0.08, 2, 0.35, 2.0 / 365, 0.03, 0.01 } };
    mgn_span_pair pr[3] = { { 0, 1, 1, 0.01, 0.6 }, { 2, 1, 10, 1, 0.3 }, { 0, 2, 5, 1, 0.5 } };
    static mgn_position pos[400];
    static double risk[400 * 16], rrisk[400 * 16];
    for (int rep = 0; rep < 6; rep++) {
        int n = rep < 2 ? 5 + rep * 20 : 400;
        ref_random_book(&g, m, 3, pos, (size_t)n, 1);
        for (int cur = -1; cur < 3; cur++) {
            mgn_span_result r, want;
            mgn_span_underlying u[3];
            ref_u ru[3];
            assert_int_equal(mgn_span_margin_detail(m, p, 3, pos, (size_t)n, pr, 3, cur, &r, u, risk), MGN_OK);
            ref_span(m, p, 3, pos, n, pr, 3, cur, ru, &want, rrisk);
            double tol = 1e-9 * (want.scan_risk + fabs(want.net_option_value) + 1);
            assert_result(&r, &want, tol);
            for (int k = 0; k < 3; k++) {
                assert_close(u[k].scan_risk, ru[k].scan, 1e-10, tol);
                if (ru[k].scan > tol)
                    assert_int_equal(u[k].scan_scenario, ru[k].bind);
                assert_close(u[k].net_delta, ru[k].D, 1e-9, 1e-9);
                assert_close(u[k].requirement, ru[k].req, 1e-10, tol);
                assert_true(u[k].requirement >= 0);
            }
            for (int i = 0; i < n * 16; i++)
                assert_close(risk[i], rrisk[i], 1e-10, tol);
            mgn_span_result r2;
            assert_int_equal(mgn_span_margin(m, p, 3, pos, (size_t)n, pr, 3, cur, &r2), MGN_OK);
            assert_result(&r2, &r, 0);
        }
    }
}

/* Random SPAN parameters, pairs and books over the whole pricing domain (tests/
   margin_ref.h), in quote and in coin, against the brute force: totals, each
   underlying's parts, the risk arrays, and the binding scenario's loss. */
static void test_brute_force_random(void **state)
{
    (void)state;
    enum { NP = 60 };
    static mgn_position pos[NP];
    static double risk[NP * 16], rrisk[NP * 16];
    mgn_test_rng g = { 0x9E6C63D0676A9A99ULL };
    long iters = mgn_test_cases(40);
    double worst = 0;
    for (long it = 0; it < iters; it++) {
        mgn_market m[3];
        mgn_span_params p[3];
        mgn_span_pair pr[3];
        int nm = 1 + (int)(mgn_test_uniform(&g) * 3), np = (int)(mgn_test_uniform(&g) * 4) % 4;
        int n = 1 + (int)(mgn_test_uniform(&g) * NP);
        ref_wide_book(&g, m, nm, pos, (size_t)n);
        for (int u = 0; u < nm; u++) {
            double look = mgn_test_uniform(&g);
            p[u] = (mgn_span_params){ mgn_test_range(&g, 0.02, 0.3), mgn_test_range(&g, 0, 0.5),
                                      mgn_test_uniform(&g) < 0.5 ? 2 : 3,
                                      mgn_test_range(&g, 0.2, 0.5),
                                      look < 0.3 ? 0 : look < 0.8 ? 1.0 / 365 : mgn_test_range(&g, 0, 0.05),
                                      mgn_test_range(&g, 0, 0.05), mgn_test_range(&g, 0, 0.02) };
        }
        if (nm < 2)
            np = 0;
        for (int k = 0; k < np; k++) {
            int a = (int)(mgn_test_uniform(&g) * nm), b = (a + 1 + (int)(mgn_test_uniform(&g) * (nm - 1))) % nm;
            pr[k] = (mgn_span_pair){ a, b, mgn_test_logrange(&g, 0.01, 100), mgn_test_logrange(&g, 0.01, 100),
                                     mgn_test_range(&g, 0, 0.9) };
        }
        int cur = mgn_test_uniform(&g) < 0.5 ? MGN_QUOTE : (int)(mgn_test_uniform(&g) * nm);
        mgn_span_result r, want;
        mgn_span_underlying u[3];
        ref_u ru[3];
        assert_int_equal(mgn_span_margin_detail(m, p, (size_t)nm, pos, (size_t)n, pr, (size_t)np, cur, &r, u, risk), MGN_OK);
        ref_span(m, p, nm, pos, n, pr, np, cur, ru, &want, rrisk);
        /* the pricers' absolute accuracy: 1e-12 of each position's size (tests/margin_ref.h)
           at the largest move; plus 1e-9 of the figures themselves */
        double size[NP], book = 0;
        for (int i = 0; i < n; i++) {
            const mgn_market *mu = &m[pos[i].underlying];
            double S1 = mu->spot * (1 + p[pos[i].underlying].extreme_mult * p[pos[i].underlying].price_scan);
            double lo = 1 - p[cur < 0 ? 0 : cur].extreme_mult * p[cur < 0 ? 0 : cur].price_scan;
            size[i] = ref_position_size(&pos[i], mu, S1, cur < 0 ? 1 : m[cur].spot * lo);
            book += size[i];
        }
        double tol = 1e-9 * (want.scan_risk + fabs(want.net_option_value) + want.short_option_min) + 1e-12 * book;
        assert_result(&r, &want, tol);
        for (int k = 0; k < nm; k++) {
            assert_close(u[k].scan_risk, ru[k].scan, 1e-10, tol);
            double units = 0;   /* deltas are at most 2 max(1, 1/S) per unit here */
            for (int i = 0; i < n; i++)
                if (pos[i].underlying == k)
                    units += 2 * fabs(pos[i].quantity * pos[i].multiplier) * fmax(1, 1 / m[k].spot);
            assert_close(u[k].net_delta, ru[k].D, 1e-9, 1e-12 * units);
            assert_close(u[k].requirement, ru[k].req, 1e-10, tol);
            if (ru[k].scan > tol) {   /* the binding scenario's loss is the scan risk */
                double at = 0;
                for (int i = 0; i < n; i++)
                    if (pos[i].underlying == k)
                        at += rrisk[i * 16 + u[k].scan_scenario];
                assert_close(at, ru[k].scan, 1e-10, tol);
            }
        }
        for (int i = 0; i < n * 16; i++) {
            assert_close(risk[i], rrisk[i], 1e-10, 1e-12 * size[i / 16]);
            worst = fmax(worst, fabs(risk[i] - rrisk[i]) / (1e-10 * fabs(rrisk[i]) + 1e-12 * size[i / 16]));
        }
    }
    print_message("%ld random parameter sets, books and pairs: worst risk array element %.3g of "
                  "the tolerance\n", iters, worst);
}

static void test_invariants(void **state)
{
    (void)state;
    mgn_test_rng g = { 77 };
    mgn_market m[2] = { { 100, 0.03, 0.01 }, { 2500, 0.01, 0.0 } };
    mgn_span_params p[2] = { CME, CME };
    static mgn_position pos[300];
    for (int rep = 0; rep < 5; rep++) {
        ref_random_book(&g, m, 2, pos, 150, 1);
        mgn_span_result all, one, k3;
        assert_int_equal(mgn_span_margin(m, p, 2, pos, 150, NULL, 0, MGN_QUOTE, &all), MGN_OK);
        assert_true(all.requirement >= 0 && all.scan_risk >= 0);
        double sum = 0;
        for (int i = 0; i < 150; i++) {
            assert_int_equal(mgn_span_margin(m, p, 2, &pos[i], 1, NULL, 0, MGN_QUOTE, &one), MGN_OK);
            assert_true(one.requirement >= 0);
            sum += one.scan_risk;
        }
        assert_true(all.scan_risk <= sum * (1 + 1e-12) + 1e-9);
        /* scale by k */
        for (int i = 0; i < 150; i++) {
            pos[150 + i] = pos[i];
            pos[150 + i].quantity *= 3;
        }
        assert_int_equal(mgn_span_margin(m, p, 2, pos + 150, 150, NULL, 0, MGN_QUOTE, &k3), MGN_OK);
        assert_close(k3.requirement, 3 * all.requirement, 1e-10, 1e-9);
        assert_close(k3.scan_risk, 3 * all.scan_risk, 1e-10, 1e-9);
        assert_close(k3.intra_charge, 3 * all.intra_charge, 1e-10, 1e-9);
        assert_close(k3.short_option_min, 3 * all.short_option_min, 1e-10, 1e-9);
        assert_close(k3.net_option_value, 3 * all.net_option_value, 1e-10, 1e-9);
        /* opposite positions: no scan risk, no net delta, no option value */
        for (int i = 0; i < 150; i++) {
            pos[150 + i] = pos[i];
            pos[150 + i].quantity = -pos[i].quantity;
        }
        mgn_span_underlying u[2];
        assert_int_equal(mgn_span_margin_detail(m, p, 2, pos, 300, NULL, 0, MGN_QUOTE, &one, u, NULL), MGN_OK);
        assert_close(one.scan_risk, 0, 0, 1e-10 * (all.scan_risk + 1));
        assert_close(one.intra_charge, 0, 0, 1e-9);
        assert_close(one.net_option_value, 0, 0, 1e-9);
        assert_close(u[0].net_delta, 0, 0, 1e-10);
        assert_true(one.requirement >= 0);
    }
}

/* Coin-settled: the coin risk array times the scenario price equals the quote one;
   an inverse future's risk array is q*m*(1/F0 - 1/F1) coin per scenario. */
static void test_coin_vs_quote(void **state)
{
    (void)state;
    mgn_market m = { 40000, 0.0, 0.0 };
    mgn_span_params p = { 0.15, 0.2, 3, 0.33, 1.0 / 365, 0.1, 0.05 };
    mgn_position pos[3] = { ref_option(0, MGN_PUT, MGN_INVERSE, MGN_EUROPEAN, -5, 1, 35000, 0.1, 0.7),
                            ref_future(0, MGN_INVERSE, 100, 10, 0.2, 39000),
                            ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 2, 0.1, 45000, 0.3, 0.6) };
    double rc[48], rq[48];
    mgn_span_result c, q;
    assert_int_equal(mgn_span_margin_detail(&m, &p, 1, pos, 3, NULL, 0, 0, &c, NULL, rc), MGN_OK);
    assert_int_equal(mgn_span_margin_detail(&m, &p, 1, pos, 3, NULL, 0, MGN_QUOTE, &q, NULL, rq), MGN_OK);
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 16; k++) {
            double dS, dv, w;
            mgn_span_scenario(&p, k, &dS, &dv, &w);
            assert_close(rc[i * 16 + k] * 40000 * (1 + dS), rq[i * 16 + k], 1e-12, 1e-9);
            if (i == 1) {
                double T1 = 0.2 - 1.0 / 365;
                (void)T1;   /* r = q = 0: F = S */
                double want = -w * 1000 * ((1 / 39000.0 - 1 / (40000 * (1 + dS))) - (1 / 39000.0 - 1 / 40000.0));
                assert_close(rc[16 + k], want, 1e-12, 1e-16);
            }
        }
    /* amounts quoted in quote convert at today's price */
    assert_close(c.short_option_min * 40000, q.short_option_min, 1e-14, 0);
    assert_close(c.intra_charge * 40000, q.intra_charge, 1e-14, 0);
    assert_close(c.net_option_value * 40000, q.net_option_value, 1e-13, 0);
}

/* More than 192 distinct expiries on one underlying: the multi-pass tiers. */
static void test_many_tiers(void **state)
{
    (void)state;
    mgn_test_rng g = { 5 };
    mgn_market m = { 100, 0.02, 0.0 };
    mgn_span_params p = CME;
    static mgn_position pos[400];
    int n = 0;
    for (int k = 0; k < 250; k++) {
        double T = 0.005 * (k + 1);
        pos[n++] = ref_future(0, MGN_LINEAR, mgn_test_range(&g, -10, 10), 1, T, 100);
        if (k % 3 == 0)
            pos[n++] = ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, mgn_test_range(&g, -5, 5), 1, 100, T, 0.4);
    }
    pos[n++] = ref_perp(0, MGN_INVERSE, 50, 100, 99);
    pos[n++] = ref_future(0, MGN_LINEAR, 3, 1, 0, 100);     /* expiry 0: the perpetual's tier */
    mgn_span_result r, want;
    ref_u ru;
    assert_int_equal(mgn_span_margin(&m, &p, 1, pos, (size_t)n, NULL, 0, MGN_QUOTE, &r), MGN_OK);
    ref_span(&m, &p, 1, pos, n, NULL, 0, MGN_QUOTE, &ru, &want, NULL);
    assert_result(&r, &want, 1e-9);
    assert_true(r.intra_charge > 0);
}

/* More than 64 underlyings in pairs need per_mkt. */
static void test_many_paired(void **state)
{
    (void)state;
    enum { NM = 70 };
    static mgn_market m[NM];
    static mgn_span_params p[NM];
    static mgn_position pos[NM];
    static mgn_span_pair pr[NM - 1];
    static mgn_span_underlying u[NM];
    static ref_u ru[NM];
    for (int k = 0; k < NM; k++) {
        m[k] = (mgn_market){ 10.0 + k, 0, 0 };
        p[k] = CME;
        pos[k] = ref_perp(k, MGN_LINEAR, k == 0 ? 1000 : -1.0 - k, 1, 10.0 + k);
        if (k > 0)
            pr[k - 1] = (mgn_span_pair){ 0, k, 1, 1, 0.5 };
    }
    mgn_span_result r = { 0 }, want;
    assert_int_equal(mgn_span_margin(m, p, NM, pos, NM, pr, NM - 1, MGN_QUOTE, &r), MGN_ERANGE);
    assert_true(r.requirement == 0);
    assert_int_equal(mgn_span_margin_detail(m, p, NM, pos, NM, pr, NM - 1, MGN_QUOTE, &r, u, NULL), MGN_OK);
    ref_span(m, p, NM, pos, NM, pr, NM - 1, MGN_QUOTE, ru, &want, NULL);
    assert_result(&r, &want, 1e-9);
    assert_true(r.inter_credit > 0);
}

static void expect_bad(const mgn_market *m, const mgn_span_params *p, size_t nm,
                       const mgn_position *pos, size_t np, const mgn_span_pair *pr, size_t npr,
                       int cur, int status)
{
    mgn_span_result r = { 7, 7, 7, 7, 7, 7 };
    assert_int_equal(mgn_span_margin(m, p, nm, pos, np, pr, npr, cur, &r), status);
    assert_true(r.requirement == 7 && r.scan_risk == 7 && r.net_option_value == 7);
    assert_int_equal(mgn_span_margin_detail(m, p, nm, pos, np, pr, npr, cur, &r, NULL, NULL), status);
    assert_true(r.requirement == 7 && r.scan_risk == 7 && r.net_option_value == 7);
}

/* The multi-pass tiers with positions of another underlying interleaved, expired
   European options (delta at expiry: 1 in the money, 1/2 at the strike, 0 out), and
   overflowing values today and in a scenario. */
static void test_tiers_expired_overflow(void **state)
{
    (void)state;
    mgn_market m[2] = { { 100, 0.02, 0.0 }, { 40, 0, 0 } };
    mgn_span_params p[2] = { CME, CME };
    static mgn_position pos[600];
    int n = 0;
    for (int k = 0; k < 250; k++) {
        double T = 0.004 * (k + 1);
        pos[n++] = ref_future(0, MGN_LINEAR, k % 7 - 3, 1, T, 100);
        pos[n++] = ref_future(1, MGN_LINEAR, k % 5 - 2, 1, T, 40);
    }
    mgn_span_result r, want;
    ref_u ru[2];
    assert_int_equal(mgn_span_margin(m, p, 2, pos, (size_t)n, NULL, 0, MGN_QUOTE, &r), MGN_OK);
    ref_span(m, p, 2, pos, n, NULL, 0, MGN_QUOTE, ru, &want, NULL);
    assert_result(&r, &want, 1e-9);

    /* expired options: 3 x (+1) + 2 x (+1/2) + 5 x 0 for calls, puts with the sign */
    mgn_position ex[4] = { ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 3, 1, 90, 0, 0.3),
                           ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 2, 1, 100, 0, 0.3),
                           ref_option(0, MGN_PUT, MGN_LINEAR, MGN_EUROPEAN, 5, 1, 90, 0, 0.3),
                           ref_option(0, MGN_PUT, MGN_LINEAR, MGN_EUROPEAN, 4, 1, 110, 0, 0.3) };
    mgn_span_underlying u[2];
    assert_int_equal(mgn_span_margin_detail(m, p, 2, ex, 4, NULL, 0, MGN_QUOTE, &r, u, NULL), MGN_OK);
    assert_close(u[0].net_delta, 3 + 1 - 4, 0, 1e-15);
    ref_span(m, p, 2, ex, 4, NULL, 0, MGN_QUOTE, ru, &want, NULL);
    assert_result(&r, &want, 1e-9);

    /* an option worth infinity today (forward e^1000 S), and one finite today whose
       value in the +2 x scan scenario overflows (spot 1e308, carry -1%) */
    mgn_market mc[2] = { { 100, 0, -1 }, m[1] };
    mgn_position o = ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 1, 1, 100, 1000, 0.3);
    expect_bad(mc, p, 2, &o, 1, NULL, 0, MGN_QUOTE, MGN_ERANGE);
    mgn_market mh[2] = { { 1.6e308, 0, -0.01 }, m[1] };
    o = ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 1e-300, 1, 1.6e308, 1, 0.3);
    expect_bad(mh, p, 2, &o, 1, NULL, 0, MGN_QUOTE, MGN_ERANGE);

    /* expired options whose S / K overflows (scalar valuation): the call's delta is 1
       per unit, the put's 0 */
    mgn_market mx[1] = { { 1e300, 0, 0 } };
    mgn_position xo[2] = { ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 2, 1, 1e-10, 0, 0.3),
                           ref_option(0, MGN_PUT, MGN_LINEAR, MGN_EUROPEAN, 3, 1, 1e-10, 0, 0.3) };
    assert_int_equal(mgn_span_margin_detail(mx, p, 1, xo, 2, NULL, 0, MGN_QUOTE, &r, u, NULL), MGN_OK);
    assert_close(u[0].net_delta, 2, 0, 0);
    assert_close(u[0].net_option_value, 2 * (1e300 - 1e-10), 1e-15, 0);

    /* a European option whose size q m = 1e300 x 1e10 overflows, after 250 futures of
       distinct expiries (the passes compute its delta again) and after 10 (the table):
       MGN_ERANGE both ways */
    static mgn_position big[251];
    for (int k = 0; k < 250; k++)
        big[k] = ref_future(0, MGN_LINEAR, 1, 1, 0.004 * (k + 1), 100);
    big[250] = ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 1e300, 1e10, 100, 0.5, 0.3);
    expect_bad(m, p, 2, big, 251, NULL, 0, MGN_QUOTE, MGN_ERANGE);
    big[10] = big[250];
    expect_bad(m, p, 2, big, 11, NULL, 0, MGN_QUOTE, MGN_ERANGE);
}

static void test_bad_input(void **state)
{
    (void)state;
    mgn_market m[2] = { { 100, 0.01, 0 }, { 50, 0, 0 } };
    mgn_span_params p[2] = { CME, CME };
    mgn_position pos[2] = { ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, -1, 1, 100, 0.5, 0.4),
                            ref_perp(1, MGN_INVERSE, -1, 10, 49) };
    mgn_span_pair pr = { 0, 1, 1, 2, 0.5 };
    mgn_span_result r;
    assert_int_equal(mgn_span_margin(m, p, 2, pos, 2, &pr, 1, MGN_QUOTE, &r), MGN_OK);
    assert_int_equal(mgn_span_margin(m, p, 2, pos, 2, &pr, 1, MGN_QUOTE, NULL), MGN_EINVAL);
    expect_bad(NULL, p, 2, pos, 2, &pr, 1, -1, MGN_EINVAL);
    expect_bad(m, NULL, 2, pos, 2, &pr, 1, -1, MGN_EINVAL);
    expect_bad(m, p, 2, NULL, 2, &pr, 1, -1, MGN_EINVAL);
    expect_bad(m, p, 2, pos, 2, NULL, 1, -1, MGN_EINVAL);
    expect_bad(m, p, 2, pos, 2, &pr, 1, 2, MGN_EINVAL);
    expect_bad(m, p, 2, pos, 2, &pr, 1, -2, MGN_EINVAL);
    expect_bad(m, p, (size_t)INT32_MAX + 1, pos, 2, &pr, 1, -1, MGN_ERANGE);
    double risk[32];
    assert_int_equal(mgn_span_margin_detail(m, p, 2, pos, SIZE_MAX / 8, &pr, 1, -1, &r, NULL, risk), MGN_ERANGE);
    /* every params field */
    for (int f = 0; f < 7; f++) {
        double bad[] = { NAN, INFINITY, -INFINITY, -0.01 };
        for (int k = 0; k < 4; k++) {
            mgn_span_params q[2] = { CME, CME };
            double *fld = &q[1].price_scan + f;
            *fld = bad[k];
            expect_bad(m, q, 2, pos, 2, &pr, 1, -1, MGN_EINVAL);
        }
    }
    {
        mgn_span_params q[2] = { CME, CME };
        q[0].extreme_cover = 1.01;
        expect_bad(m, q, 2, pos, 2, &pr, 1, -1, MGN_EINVAL);
        q[0] = CME;
        q[0].price_scan = 0.4;
        q[0].extreme_mult = 3;   /* -120%: a negative price */
        expect_bad(m, q, 2, pos, 2, &pr, 1, -1, MGN_EINVAL);
        q[0].extreme_mult = 0.5;
        q[0].price_scan = 1.0;
        expect_bad(m, q, 2, pos, 2, &pr, 1, -1, MGN_EINVAL);
    }
    /* every pair field */
    mgn_span_pair bp[12];
    int nb = 0;
    bp[nb] = pr; bp[nb++].a = 2;
    bp[nb] = pr; bp[nb++].a = -1;
    bp[nb] = pr; bp[nb++].b = 5;
    bp[nb] = pr; bp[nb++].b = 0;      /* a == b */
    bp[nb] = pr; bp[nb++].delta_a = 0;
    bp[nb] = pr; bp[nb++].delta_a = NAN;
    bp[nb] = pr; bp[nb++].delta_b = -1;
    bp[nb] = pr; bp[nb++].delta_b = INFINITY;
    bp[nb] = pr; bp[nb++].credit_rate = 1.5;
    bp[nb] = pr; bp[nb++].credit_rate = -0.1;
    bp[nb] = pr; bp[nb++].credit_rate = NAN;
    for (int k = 0; k < nb; k++)
        expect_bad(m, p, 2, pos, 2, &bp[k], 1, -1, MGN_EINVAL);
    /* positions and markets (the full field-by-field list is in test_scenario.c) */
    mgn_position bpos[2] = { pos[0], pos[1] };
    bpos[0].vol = NAN;
    expect_bad(m, p, 2, bpos, 2, &pr, 1, -1, MGN_EINVAL);
    bpos[0] = pos[0];
    bpos[0].reserved = 3;
    expect_bad(m, p, 2, bpos, 2, &pr, 1, -1, MGN_EINVAL);
    bpos[0] = pos[0];
    bpos[1].underlying = 2;
    expect_bad(m, p, 2, bpos, 2, &pr, 1, -1, MGN_EINVAL);
    mgn_market bm[2] = { m[0], { -1, 0, 0 } };
    expect_bad(bm, p, 2, pos, 2, &pr, 1, -1, MGN_EINVAL);
    /* empty */
    assert_int_equal(mgn_span_margin(NULL, NULL, 0, NULL, 0, NULL, 0, MGN_QUOTE, &r), MGN_OK);
    assert_true(r.requirement == 0);
    assert_true(mgn_sizeof_span_params() == sizeof(mgn_span_params));
    assert_true(mgn_sizeof_span_pair() == sizeof(mgn_span_pair));
    assert_true(mgn_sizeof_span_result() == sizeof(mgn_span_result));
    assert_true(mgn_sizeof_span_underlying() == sizeof(mgn_span_underlying));
}

/*---------------------------------------------------------------- bad input catalogue */
/* Every argument of every function of this file with the bad values of the catalogue
   (tests/README.md, tests/bad_input.h). */
#include "bad_input.h"

typedef struct {
    int detail;                      /* mgn_span_margin_detail with per_mkt and risk */
    const mgn_span_params *params;
    const mgn_span_pair *pairs;
    size_t n_pairs;
    int currency;
    int null_out;
} bad_span_args;

static int bad_span_run(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                        size_t n_pos, const bad_span_args *a)
{
    mgn_span_result out;
    mgn_span_underlying per[BAD_BOOK_MAX];
    double risk[BAD_BOOK_MAX * MGN_SPAN_SCENARIOS];
    bad_fill(&out, sizeof out);
    mgn_span_result *o = a->null_out ? NULL : &out;
    int st = a->detail
        ? mgn_span_margin_detail(mkt, a->params, n_mkt, pos, n_pos, a->pairs, a->n_pairs,
                                 a->currency, o, per, risk)
        : mgn_span_margin(mkt, a->params, n_mkt, pos, n_pos, a->pairs, a->n_pairs, a->currency, o);
    if (st != MGN_OK)
        BAD_UNTOUCHED(&out, sizeof out);
    return st;
}

static int bad_call_span_book(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                              size_t n_pos, int which, void *ctx)
{
    (void)which;
    return bad_span_run(mkt, n_mkt, pos, n_pos, ctx);
}

typedef struct {
    bad_span_args a;
    const mgn_market *mkt;
    const mgn_position *pos;
} bad_span_ctx;

static int bad_call_span_params(const void *arg, void *ctx)
{
    bad_span_ctx *c = ctx;
    mgn_span_params p[BAD_NMKT] = { *(const mgn_span_params *)arg, c->a.params[1] };
    bad_span_args a = c->a;
    a.params = p;
    return bad_span_run(c->mkt, BAD_NMKT, c->pos, BAD_NPOS, &a);
}

static int bad_call_span_pair(const void *arg, void *ctx)
{
    bad_span_ctx *c = ctx;
    bad_span_args a = c->a;
    a.pairs = arg;
    a.n_pairs = 1;
    return bad_span_run(c->mkt, BAD_NMKT, c->pos, BAD_NPOS, &a);
}

static int bad_call_span_scenario(const void *arg, void *ctx)
{
    (void)ctx;
    double d[3];
    bad_fill(d, sizeof d);
    int st = mgn_span_scenario(arg, 3, &d[0], &d[1], &d[2]);
    if (st != MGN_OK)
        BAD_UNTOUCHED(d, sizeof d);
    return st;
}

static const bad_double BAD_SPAN_SCAN[] = { BAD_NONFINITE, { "-1e-300", -1e-300 }, { "-1", -1 },
                                            { "1 (scenario prices <= 0)", 1 },
                                            { "0.5 with extreme_mult 2", 0.5 } };
static const bad_field BAD_SPAN_FIELDS[] = {
    BAD_DFIELD(mgn_span_params, price_scan, BAD_SPAN_SCAN),
    BAD_DFIELD(mgn_span_params, vol_scan, BAD_D_NONNEG),
    BAD_DFIELD(mgn_span_params, extreme_mult, BAD_D_NONNEG),
    BAD_DFIELD(mgn_span_params, extreme_cover, BAD_D_UNIT_CLOSED),
    BAD_DFIELD(mgn_span_params, lookahead, BAD_D_NONNEG),
    BAD_DFIELD(mgn_span_params, som_rate, BAD_D_NONNEG),
    BAD_DFIELD(mgn_span_params, intra_rate, BAD_D_NONNEG),
};

static void test_bad_input_span(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    mgn_market mk[BAD_NMKT];
    mgn_position pos[BAD_NPOS];
    bad_default_book(mk, pos);
    const mgn_span_params prm[BAD_NMKT] = { CME, CME };
    const mgn_span_pair pair = { 0, 1, 1.0, 0.05, 0.5 };
    static const bad_int bad_index[] = { { "-1", -1 }, { "n_mkt", BAD_NMKT }, { "INT_MAX", INT_MAX },
                                         { "INT_MIN", INT_MIN } };
    static const bad_int same_a[] = { { "b (a == b)", 1 } };
    static const bad_double bad_credit[] = { BAD_NONFINITE, { "-0.1", -0.1 }, { "1.5", 1.5 } };
    const bad_field pair_fields[] = {
        BAD_IFIELD(mgn_span_pair, a, bad_index), BAD_IFIELD(mgn_span_pair, a, same_a),
        BAD_IFIELD(mgn_span_pair, b, bad_index),
        BAD_DFIELD(mgn_span_pair, delta_a, BAD_D_POSITIVE),
        BAD_DFIELD(mgn_span_pair, delta_b, BAD_D_POSITIVE),
        BAD_DFIELD(mgn_span_pair, credit_rate, bad_credit),
    };
    for (int detail = 0; detail < 2; detail++) {
        const char *fn = detail ? "mgn_span_margin_detail" : "mgn_span_margin";
        const bad_span_args good = { detail, prm, &pair, 1, MGN_QUOTE, 0 };
        bad_span_args a = good;
        bad_book_mutations(fn, "mkt[]", "pos[]", bad_call_span_book, &a, mk, BAD_NMKT, pos, BAD_NPOS, 0, 1);
        BAD_STATUS(fn, "mkt", "NULL (n_mkt = 2)", MGN_EINVAL, bad_span_run(NULL, BAD_NMKT, pos, BAD_NPOS, &a));
        for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
            BAD_STATUS(fn, "n_mkt", BAD_SIZES[s].label, MGN_ERANGE,
                       bad_span_run(mk, BAD_SIZES[s].v, pos, BAD_NPOS, &a));
        a.pairs = NULL;
        a.n_pairs = 0;
        BAD_STATUS(fn, "n_mkt", "0 (positions on underlying 0)", MGN_EINVAL,
                   bad_span_run(mk, 0, pos, BAD_NPOS, &a));
        a = good;
        BAD_STATUS(fn, "pos", "NULL (n_pos = 3)", MGN_EINVAL, bad_span_run(mk, BAD_NMKT, NULL, BAD_NPOS, &a));
        for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
            BAD_STATUS(fn, "n_pos", BAD_SIZES_NULL[s].label,
                       detail && BAD_SIZES[s].v > SIZE_MAX / 16 / sizeof(double) ? MGN_ERANGE : MGN_EINVAL,
                       bad_span_run(mk, BAD_NMKT, NULL, BAD_SIZES[s].v, &a));
        if (detail) {     /* n_pos * 16 doubles of risk overflow: rejected before pos is read */
            BAD_STATUS(fn, "n_pos", "SIZE_MAX (risk not NULL)", MGN_ERANGE,
                       bad_span_run(mk, BAD_NMKT, pos, SIZE_MAX, &a));
            BAD_STATUS(fn, "n_pos", "SIZE_MAX/2 (risk not NULL)", MGN_ERANGE,
                       bad_span_run(mk, BAD_NMKT, pos, SIZE_MAX / 2, &a));
        }
        a.params = NULL;
        BAD_STATUS(fn, "params", "NULL (n_mkt = 2)", MGN_EINVAL, bad_span_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
        a = good;
        bad_span_ctx c = { good, mk, pos };
        bad_struct_fields(fn, "params[].", &prm[0], sizeof prm[0], BAD_SPAN_FIELDS, bad_call_span_params, &c);
        bad_struct_fields(fn, "pairs[].", &pair, sizeof pair, pair_fields, bad_call_span_pair, &c);
        a.pairs = NULL;
        BAD_STATUS(fn, "pairs", "NULL (n_pairs = 1)", MGN_EINVAL, bad_span_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
        for (size_t s = 0; s < BAD_N(BAD_SIZES); s++) {
            a.n_pairs = BAD_SIZES[s].v;
            BAD_STATUS(fn, "n_pairs", BAD_SIZES_NULL[s].label, MGN_EINVAL,
                       bad_span_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
        }
        a = good;
        for (size_t k = 0; k < BAD_N(BAD_CURRENCY); k++) {
            a.currency = BAD_CURRENCY[k].v;
            BAD_STATUS(fn, "currency", BAD_CURRENCY[k].label, MGN_EINVAL,
                       bad_span_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
        }
        a = good;
        a.null_out = 1;
        BAD_STATUS(fn, "out", "NULL", MGN_EINVAL, bad_span_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    }
    /* more than 64 paired underlyings need per_mkt */
    {
        enum { NM = 66 };
        static mgn_market m66[NM];
        static mgn_span_params p66[NM];
        static mgn_span_pair pr66[NM / 2];
        for (int u = 0; u < NM; u++) {
            m66[u] = (mgn_market){ 100, 0, 0 };
            p66[u] = CME;
        }
        for (int k = 0; k < NM / 2; k++)
            pr66[k] = (mgn_span_pair){ 2 * k, 2 * k + 1, 1, 1, 0.5 };
        static mgn_span_underlying per66[NM];
        mgn_span_result r;
        bad_fill(&r, sizeof r);
        BAD_STATUS("mgn_span_margin", "pairs", "33 pairs naming 66 underlyings", MGN_ERANGE,
                   mgn_span_margin(m66, p66, NM, NULL, 0, pr66, NM / 2, MGN_QUOTE, &r));
        BAD_UNTOUCHED(&r, sizeof r);
        BAD_STATUS("mgn_span_margin_detail", "per_mkt", "NULL with 66 paired underlyings", MGN_ERANGE,
                   mgn_span_margin_detail(m66, p66, NM, NULL, 0, pr66, NM / 2, MGN_QUOTE, &r, NULL, NULL));
        BAD_UNTOUCHED(&r, sizeof r);
        BAD_STATUS_NOTE("mgn_span_margin_detail", "per_mkt", "66 records with 66 paired underlyings",
                        MGN_OK, "per_mkt lifts the limit",
                        mgn_span_margin_detail(m66, p66, NM, NULL, 0, pr66, NM / 2, MGN_QUOTE, &r, per66, NULL));
    }
    /* mgn_span_scenario */
    const char *fn = "mgn_span_scenario";
    bad_struct_fields(fn, "params->", &prm[0], sizeof prm[0], BAD_SPAN_FIELDS, bad_call_span_scenario, NULL);
    double d[3];
    BAD_STATUS(fn, "params", "NULL", MGN_EINVAL, mgn_span_scenario(NULL, 0, &d[0], &d[1], &d[2]));
    static const bad_int bad_k[] = { { "-1", -1 }, { "16", 16 }, { "INT_MAX", INT_MAX }, { "INT_MIN", INT_MIN } };
    for (size_t k = 0; k < BAD_N(bad_k); k++) {
        bad_fill(d, sizeof d);
        BAD_STATUS(fn, "k", bad_k[k].label, MGN_EINVAL, mgn_span_scenario(&prm[0], bad_k[k].v, &d[0], &d[1], &d[2]));
        BAD_UNTOUCHED(d, sizeof d);
    }
    bad_fill(d, sizeof d);
    BAD_STATUS(fn, "price_move", "NULL", MGN_EINVAL, mgn_span_scenario(&prm[0], 0, NULL, &d[1], &d[2]));
    BAD_STATUS(fn, "vol_move", "NULL", MGN_EINVAL, mgn_span_scenario(&prm[0], 0, &d[0], NULL, &d[2]));
    BAD_STATUS(fn, "weight", "NULL", MGN_EINVAL, mgn_span_scenario(&prm[0], 0, &d[0], &d[1], NULL));
    BAD_UNTOUCHED(d, sizeof d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenario_table),
        cmocka_unit_test(test_one_short_call),
        cmocka_unit_test(test_intra_spread),
        cmocka_unit_test(test_inter_spread),
        cmocka_unit_test(test_inter_credit_bounded),
        cmocka_unit_test(test_brute_force),
        cmocka_unit_test(test_brute_force_random),
        cmocka_unit_test(test_invariants),
        cmocka_unit_test(test_coin_vs_quote),
        cmocka_unit_test(test_many_tiers),
        cmocka_unit_test(test_many_paired),
        cmocka_unit_test(test_tiers_expired_overflow),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_bad_input_span),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
