/* Brute-force reference valuation for the portfolio, scenario, SPAN and PM tests:
 * every position priced from scratch in every scenario with the public scalar
 * pricers (mgn_bs_price, mgn_american_price) and explicit formulas, straight from
 * MARGIN-MODEL.md sections 1-2, with none of the library's chunking, caching or
 * vector code. */
#ifndef MGN_MARGIN_REF_H
#define MGN_MARGIN_REF_H

#include "test_util.h"

static inline double ref_shock_vol(double s, double dv)
{
    if (dv == 0)
        return s;
    double v = s + dv;
    return v > 1e-4 ? v : 1e-4;
}

/* Unit value (settlement currency) of p at underlying price S, vol sig, time T. */
static inline double ref_unit(const mgn_position *p, const mgn_market *m, double S, double sig, double T)
{
    int inv = p->settlement == MGN_INVERSE;
    if (p->instrument == MGN_OPTION) {
        double v;
        if (T == 0) {
            v = p->option_type == MGN_CALL ? S - p->strike : p->strike - S;
            if (v < 0)
                v = 0;
        } else if (p->exercise == MGN_AMERICAN) {
            assert_int_equal(mgn_american_price((mgn_option_type)p->option_type, S, p->strike, T,
                                                m->rate, m->carry, sig, &v), MGN_OK);
        } else {
            assert_int_equal(mgn_bs_price((mgn_option_type)p->option_type, S, p->strike, T,
                                          m->rate, m->carry, sig, &v), MGN_OK);
        }
        return inv ? v / S : v;
    }
    double F = p->instrument == MGN_FUTURE ? S * exp((m->rate - m->carry) * T) : S;
    return inv ? 1.0 / p->entry_price - 1.0 / F : F - p->entry_price;
}

/* P&L in quote of p when its underlying moves by dS, its vol by dv, dt passes. */
static inline double ref_pnl_quote(const mgn_position *p, const mgn_market *m, double dS, double dv,
                            double dt)
{
    double S1 = m->spot * (1 + dS), T1 = p->expiry - dt > 0 ? p->expiry - dt : 0;
    double v0 = ref_unit(p, m, m->spot, p->vol, p->expiry);
    double v1 = ref_unit(p, m, S1, ref_shock_vol(p->vol, dv), T1);
    double x = p->quantity * p->multiplier * (v1 - v0);
    return p->settlement == MGN_INVERSE ? x * S1 : x;
}

/* Delta in underlying units, MARGIN-MODEL section 4. */
static inline double ref_delta(const mgn_position *p, const mgn_market *m)
{
    double qm = p->quantity * p->multiplier, S = m->spot;
    if (p->instrument == MGN_PERPETUAL)
        return p->settlement == MGN_INVERSE ? qm / S : qm;
    if (p->instrument == MGN_FUTURE)
        return p->settlement == MGN_INVERSE ? qm / S : qm * exp((m->rate - m->carry) * p->expiry);
    if (p->exercise == MGN_EUROPEAN) {
        mgn_greeks g;
        assert_int_equal(mgn_bs_greeks((mgn_option_type)p->option_type, S, p->strike, p->expiry,
                                       m->rate, m->carry, p->vol, &g), MGN_OK);
        return qm * g.delta;
    }
    double h = 1e-3 * S, a, b;
    assert_int_equal(mgn_american_price((mgn_option_type)p->option_type, S + h, p->strike,
                                        p->expiry, m->rate, m->carry, p->vol, &a), MGN_OK);
    assert_int_equal(mgn_american_price((mgn_option_type)p->option_type, S - h, p->strike,
                                        p->expiry, m->rate, m->carry, p->vol, &b), MGN_OK);
    return qm * (a - b) / (2 * h);
}

static inline mgn_position ref_option(int u, int type, int settle, int ex, double qty, double mult,
                               double K, double T, double vol)
{
    mgn_position p = { MGN_OPTION, u, type, settle, ex, 0, qty, mult, K, T, vol, 0 };
    return p;
}

static inline mgn_position ref_future(int u, int settle, double qty, double mult, double T, double entry)
{
    mgn_position p = { MGN_FUTURE, u, 0, settle, 0, 0, qty, mult, 0, T, 0, entry };
    return p;
}

static inline mgn_position ref_perp(int u, int settle, double qty, double mult, double entry)
{
    mgn_position p = { MGN_PERPETUAL, u, 0, settle, 0, 0, qty, mult, 0, 0, 0, entry };
    return p;
}

/* A dated future (future != 0; 0.01 to 1 year) or a perpetual of the random books,
   entered within 20% of S. */
static inline mgn_position ref_random_delta_one(mgn_test_rng *g, int u, int settle, double qty,
                                                double S, int future)
{
    if (future)
        return ref_future(u, settle, qty, settle ? 10 : 1, mgn_test_logrange(g, 0.01, 1.0),
                          S * mgn_test_range(g, 0.8, 1.2));
    return ref_perp(u, settle, qty, settle ? 100 : 0.5, S * mgn_test_range(g, 0.8, 1.2));
}

/* A random mixed book on n_mkt underlyings: European and American options, linear
   and inverse, futures and perpetuals; some options expire inside short lookaheads. */
static inline void ref_random_book(mgn_test_rng *g, const mgn_market *mkt, int n_mkt, mgn_position *pos,
                            size_t n, int american)
{
    for (size_t i = 0; i < n; i++) {
        int u = (int)(mgn_test_uniform(g) * n_mkt);
        double S = mkt[u].spot, x = mgn_test_uniform(g);
        int settle = mgn_test_uniform(g) < 0.5 ? MGN_LINEAR : MGN_INVERSE;
        double qty = mgn_test_range(g, -20, 20);
        if (x < 0.75) {
            int ex = american && mgn_test_uniform(g) < 0.1 ? MGN_AMERICAN : MGN_EUROPEAN;
            double T = mgn_test_uniform(g) < 0.05 ? mgn_test_range(g, 0, 0.003)
                                                  : mgn_test_logrange(g, 0.005, 2.0);
            pos[i] = ref_option(u, mgn_test_uniform(g) < 0.5 ? MGN_CALL : MGN_PUT, settle, ex, qty,
                                mgn_test_logrange(g, 0.1, 10), S * mgn_test_logrange(g, 0.5, 2.0), T,
                                mgn_test_range(g, 0.1, 1.5));
        } else {
            pos[i] = ref_random_delta_one(g, u, settle, qty, S, x < 0.9);
        }
    }
}

/* The size of p at the scenario price S1, against which the pricers' absolute accuracy
   (1e-12 of max(S, K) per unit) is measured: |quantity x multiplier| x max(S, S1, K)
   for options (F instead of S for futures; S1 / entry for delta-one inverse
   contracts), divided by conv (1 in quote, the coin's price in coin). */
static inline double ref_position_size(const mgn_position *p, const mgn_market *m, double S1,
                                       double conv)
{
    double big = fmax(fmax(m->spot, S1), p->instrument == MGN_OPTION ? p->strike : 0);
    if (p->instrument != MGN_OPTION && p->settlement == MGN_INVERSE)
        big = S1 / p->entry_price;
    else if (p->instrument == MGN_FUTURE)
        big *= exp(fabs(m->rate - m->carry) * p->expiry);
    return fabs(p->quantity * p->multiplier) * big / conv;
}

/* A random book over the whole pricing domain on n_mkt random markets (spot 0.01 to
   1e5, rate -2% to 15%, carry -5% to 20%): strikes 0.2 to 5 times spot, T from 1e-6
   to 10 years (and 5% inside [0, 0.003]), vols 0.01 to 4 (American options, 3%, to
   2), futures and perpetuals; linear and inverse. */
static inline void ref_wide_book(mgn_test_rng *g, mgn_market *mk, int n_mkt, mgn_position *pos,
                                 size_t n)
{
    for (int u = 0; u < n_mkt; u++) {
        mk[u].spot = mgn_test_logrange(g, 1e-2, 1e5);
        mk[u].rate = mgn_test_range(g, -0.02, 0.15);
        mk[u].carry = mgn_test_range(g, -0.05, 0.2);
    }
    for (size_t i = 0; i < n; i++) {
        int u = (int)(mgn_test_uniform(g) * n_mkt);
        double S = mk[u].spot, x = mgn_test_uniform(g);
        int settle = mgn_test_uniform(g) < 0.5 ? MGN_LINEAR : MGN_INVERSE;
        double qty = mgn_test_range(g, -20, 20);
        if (x < 0.75) {
            int ex = mgn_test_uniform(g) < 0.03 ? MGN_AMERICAN : MGN_EUROPEAN;
            double T = mgn_test_uniform(g) < 0.05 ? mgn_test_range(g, 0, 0.003)
                                                 : mgn_test_logrange(g, 1e-6, 10);
            double vol = mgn_test_logrange(g, 0.01, ex == MGN_AMERICAN ? 2 : 4);
            pos[i] = ref_option(u, mgn_test_uniform(g) < 0.5 ? MGN_CALL : MGN_PUT, settle, ex,
                                qty, mgn_test_logrange(g, 0.1, 10),
                                S * mgn_test_logrange(g, 0.2, 5), T, vol);
        } else {
            pos[i] = ref_random_delta_one(g, u, settle, qty, S, x < 0.9);
        }
    }
}

/* Per market of n, the random account tests' rule sets: one of the 7 standard-margin
   presets, the Deribit portfolio-margin grid and SPAN parameters drawn over their
   ranges. */
static inline void ref_random_rule_sets(mgn_test_rng *g, size_t n, mgn_std_params *sp,
                                        mgn_pm_params *pm, mgn_span_params *span)
{
    for (size_t u = 0; u < n; u++) {
        sp[u].struct_size = sizeof sp[u];
        assert_int_equal(mgn_std_preset((int)(mgn_test_uniform(g) * 7), &sp[u]), MGN_OK);
        mgn_pm_preset_deribit(&pm[u]);
        mgn_span_params s = { mgn_test_range(g, 0.05, 0.3), mgn_test_range(g, 0, 0.3),
                              mgn_test_range(g, 1, 3), mgn_test_range(g, 0, 1),
                              mgn_test_range(g, 0, 0.02), mgn_test_range(g, 0, 0.05),
                              mgn_test_range(g, 0, 0.01) };
        span[u] = s;
    }
}

#endif
