/*
 * Fuzz target: the portfolio-margin grid: mgn_pm_preset_span, mgn_pm_preset_deribit,
 * mgn_pm_preset_occ, mgn_pm_scenario_count, mgn_pm_scenario, mgn_pm_margin,
 * mgn_pm_margin_detail, on a decoded book (fuzz_portfolio_book.h) of up to 4 markets
 * and 16 positions. Each market's mgn_pm_params starts from a preset (or zeros) and
 * then has a few fields overwritten with decoded values, struct_size and the
 * reserved fields included.
 * Contract checked:
 *   - presets: MGN_EINVAL exactly for NULL or a bad span range (out untouched),
 *     otherwise valid params with the documented scenario counts; the span preset's
 *     scenarios are SPAN's (mgn_span_scenario);
 *   - mgn_pm_scenario_count / mgn_pm_scenario: MGN_OK exactly for valid params (the
 *     header's rules restated here) and k in range, with the documented count, move,
 *     vol state and weight; outputs untouched on failure;
 *   - mgn_pm_margin: MGN_EINVAL exactly for invalid arguments (or MGN_ERANGE first for
 *     an extended move overflowing the price); MGN_OK gives finite margins >= 0; *out
 *     untouched on failure; same bits on a second call;
 *   - mgn_pm_margin_detail (per_mkt and contrib each present or NULL) gives the bits
 *     of mgn_pm_margin's result; per underlying: every figure finite, the binding
 *     scenario and its move, vol state and weight, n_scenarios, n_positions, each
 *     add-on recomputed from its documented formula, requirement = base + add-ons,
 *     net delta = the positions' deltas; the totals are the sums over underlyings;
 *     the contributions sum to the grid loss;
 *   - a span preset used unchanged gives the grid loss of mgn_span_margin's scan risk;
 *   - NULL pointers are MGN_EINVAL; n_mkt > INT_MAX is MGN_ERANGE.
 */
#include <stddef.h>
#include "fuzz_portfolio_book.h"

typedef struct pm_case {
    fb_book b;
    mgn_pm_params prm[FB_MAX_MKT];
    int span_preset[FB_MAX_MKT];      /* params[u] is mgn_pm_preset_span unchanged */
    double span_psr[FB_MAX_MKT], span_vsr[FB_MAX_MKT];
    int currency;
} pm_case;

/*---------------------------------------------------------------- decoding */

typedef struct { size_t off; double lo, hi; } dfield;
typedef struct { size_t off; int lo, hi; } ifield;

#define PO(f) offsetof(mgn_pm_params, f)
static const dfield dfields[] = {
    { PO(price_range), 0.0, 0.9 }, { PO(vol_up), 0.0, 1.0 }, { PO(vol_down), 0.0, 1.0 },
    { PO(vol_ref_days), 0.0, 60.0 }, { PO(vol_power_short), -1.0, 1.0 },
    { PO(vol_power_long), -1.0, 1.0 }, { PO(vol_min_days), 0.0, 10.0 },
    { PO(vol_min_up), 0.0, 1.0 }, { PO(lookahead), 0.0, 0.05 },
    { PO(short_min_rate), 0.0, 0.2 }, { PO(short_min_abs), 0.0, 1.0 },
    { PO(delta_shock_rate), 0.0, 0.2 }, { PO(delta_shock_threshold), 0.0, 1e4 },
    { PO(roll_rate), 0.0, 0.2 }, { PO(roll_min), 0.0, 0.05 }, { PO(conc_depth), 0.0, 100.0 },
    { PO(conc_rate), 0.0, 0.1 },
};
static const ifield ifields[] = {
    { PO(vol_scenarios), 1, 3 }, { PO(vol_mode), 0, 1 }, { PO(n_extended), 0, MGN_PM_MAX_EXTENDED },
    { PO(short_min_per_strike), 0, 1 }, { PO(short_min_mode), 0, 1 }, { PO(reserved), 0, 0 },
    { PO(reserved2), -5, 5 },
};
#define N_DF (sizeof dfields / sizeof dfields[0])
#define N_IF (sizeof ifields / sizeof ifields[0])

static void set_d(mgn_pm_params *p, size_t off, double v) { memcpy((char *)p + off, &v, sizeof v); }
static void set_i(mgn_pm_params *p, size_t off, int v) { memcpy((char *)p + off, &v, sizeof v); }

/* One field overwritten: a double, an int, an extended-table entry, price_steps
   (mostly small: 64 steps are 400 scenarios) or struct_size. */
static void mutate(fz_in *in, mgn_pm_params *p)
{
    unsigned f = fz_u8(in);
    int h = fz_u8(in) >= 192;
    switch (f % 6u) {
    case 0: case 1: {
        const dfield *d = &dfields[(f / 6u) % N_DF];
        set_d(p, d->off, fb_real(in, h, d->lo, d->hi));
        break;
    }
    case 2: {
        const ifield *d = &ifields[(f / 6u) % N_IF];
        set_i(p, d->off, fz_int(in, d->lo, d->hi));
        break;
    }
    case 3: {
        int e = (int)(fz_u8(in) % MGN_PM_MAX_EXTENDED);
        p->ext_move[e] = fb_real(in, h, -0.9, 5.0);
        p->ext_weight[e] = fb_real(in, h, 0.0, 1.0);
        p->ext_vol[e] = fz_int(in, -1, 1);
        break;
    }
    case 4:
        p->price_steps = fz_u8(in) < 16 ? fz_int(in, 1, MGN_PM_MAX_STEPS) : 1 + (int)(fz_u8(in) % 6u);
        break;
    default: {
        static const size_t sizes[] = { 0, 8, sizeof(mgn_pm_params) - 8, sizeof(mgn_pm_params) + 8,
                                        SIZE_MAX };
        p->struct_size = sizes[fz_u8(in) % 5u];
        break;
    }
    }
}

static void decode_params(fz_in *in, pm_case *c, size_t u)
{
    mgn_pm_params *p = &c->prm[u];
    unsigned which = fz_u8(in) % 4u;
    c->span_preset[u] = 0;
    if (which == 0) {
        c->span_psr[u] = fz_sane(in, 0.0, 0.45);
        c->span_vsr[u] = fz_sane(in, 0.0, 0.5);
        FZ_ASSERT(mgn_pm_preset_span(c->span_psr[u], c->span_vsr[u], p) == MGN_OK);
        c->span_preset[u] = 1;
    } else if (which == 1) {
        FZ_ASSERT(mgn_pm_preset_deribit(p) == MGN_OK);
    } else if (which == 2) {
        FZ_ASSERT(mgn_pm_preset_occ(p) == MGN_OK);
    } else {
        memset(p, 0, sizeof *p);
        p->struct_size = sizeof *p;
        p->price_steps = 1;
        p->vol_scenarios = 1;
    }
    size_t n = fz_count(in, 4);
    for (size_t k = 0; k < n; k++)
        mutate(in, p);
    if (n > 0 && c->span_preset[u]) {
        /* still unchanged but for the lookahead? */
        mgn_pm_params q;
        mgn_pm_preset_span(c->span_psr[u], c->span_vsr[u], &q);
        q.lookahead = p->lookahead;
        c->span_preset[u] = memcmp(&q, p, sizeof q) == 0;
    }
}

static void log_params(size_t u, const mgn_pm_params *p)
{
    FZ_LOG("  params[%zu] size %zu range %.17g steps %d vs %d mode %d next %d up %.17g dn %.17g "
           "ref %.17g pws %.17g pwl %.17g mind %.17g minup %.17g look %.17g per_strike %d "
           "min_mode %d smr %.17g sma %.17g dsr %.17g dst %.17g roll %.17g rmin %.17g "
           "cdep %.17g crate %.17g res %d %d\n", u, p->struct_size, p->price_range,
           p->price_steps, p->vol_scenarios, p->vol_mode, p->n_extended, p->vol_up, p->vol_down,
           p->vol_ref_days, p->vol_power_short, p->vol_power_long, p->vol_min_days,
           p->vol_min_up, p->lookahead, p->short_min_per_strike, p->short_min_mode,
           p->short_min_rate, p->short_min_abs, p->delta_shock_rate, p->delta_shock_threshold,
           p->roll_rate, p->roll_min, p->conc_depth, p->conc_rate, p->reserved, p->reserved2);
    for (int e = 0; e < p->n_extended && e < MGN_PM_MAX_EXTENDED; e++)
        FZ_LOG("    ext[%d] move %.17g weight %.17g vol %d\n", e, p->ext_move[e],
               p->ext_weight[e], p->ext_vol[e]);
    (void)u;
    (void)p;
}

/*---------------------------------------------------------------- the rules */

static int params_valid(const mgn_pm_params *p)
{
    if (p->struct_size != sizeof(mgn_pm_params) || p->reserved != 0)
        return 0;
    if (!(isfinite(p->price_range) && p->price_range >= 0 && p->price_range < 1))
        return 0;
    if (p->price_steps < 1 || p->price_steps > MGN_PM_MAX_STEPS || p->vol_scenarios < 1
        || p->vol_scenarios > 3 || (p->vol_mode != 0 && p->vol_mode != 1)
        || (p->short_min_mode != 0 && p->short_min_mode != 1)
        || (p->short_min_per_strike != 0 && p->short_min_per_strike != 1)
        || p->n_extended < 0 || p->n_extended > MGN_PM_MAX_EXTENDED)
        return 0;
    const double nonneg[] = { p->vol_up, p->vol_down, p->vol_ref_days, p->vol_min_days,
                              p->vol_min_up, p->lookahead, p->delta_shock_rate,
                              p->delta_shock_threshold, p->short_min_rate, p->short_min_abs,
                              p->roll_rate, p->roll_min, p->conc_depth, p->conc_rate };
    for (size_t i = 0; i < sizeof nonneg / sizeof nonneg[0]; i++)
        if (!(isfinite(nonneg[i]) && nonneg[i] >= 0))
            return 0;
    if (!isfinite(p->vol_power_short) || !isfinite(p->vol_power_long))
        return 0;
    if (p->vol_ref_days > 0 && !(p->vol_min_days > 0))
        return 0;
    for (int e = 0; e < p->n_extended; e++)
        if (!(isfinite(p->ext_move[e]) && p->ext_move[e] > -1 && isfinite(p->ext_weight[e])
              && p->ext_weight[e] >= 0 && p->ext_vol[e] >= -1 && p->ext_vol[e] <= 1))
            return 0;
    return 1;
}

static int scenario_count(const mgn_pm_params *p)
{
    return (2 * p->price_steps + 1) * p->vol_scenarios + p->n_extended;
}

static void scenario_of(const mgn_pm_params *p, int k, double *move, int *vol, double *w)
{
    int nreg = (2 * p->price_steps + 1) * p->vol_scenarios;
    if (k >= nreg) {
        *move = p->ext_move[k - nreg];
        *vol = p->ext_vol[k - nreg];
        *w = p->ext_weight[k - nreg];
        return;
    }
    int ip = k / p->vol_scenarios, iv = k % p->vol_scenarios, n = p->price_steps;
    static const int states[3][3] = { { 0 }, { 1, -1 }, { 1, 0, -1 } };
    *move = p->price_range * (ip - n) / n;
    *vol = states[p->vol_scenarios - 1][iv];
    *w = 1.0;
}

static int close_to(double a, double b, double m, double n)
{
    return fabs(a - b) <= n * DBL_EPSILON * m + 1e-300;
}

/*---------------------------------------------------------------- checks */

static void check_presets(fz_in *in)
{
    mgn_pm_params p, q;
    double psr = fz_real(in, 0.0, 0.6), vsr = fz_real(in, 0.0, 0.6);
    FZ_LOG("preset_span(%.17g, %.17g)\n", psr, vsr);
    FZ_FILL(&p, sizeof p);
    FZ_FILL(&q, sizeof q);
    int st = mgn_pm_preset_span(psr, vsr, &p);
    int valid = isfinite(psr) && psr >= 0 && psr < 0.5 && isfinite(vsr) && vsr >= 0;
    FZ_ASSERT(st == (valid ? MGN_OK : MGN_EINVAL));
    FZ_ASSERT(mgn_pm_preset_span(psr, vsr, &q) == st);
    if (st != MGN_OK) {
        FZ_ASSERT(fb_untouched(&p, sizeof p));
    } else {
        FZ_ASSERT(fz_same_bits(&p, &q, sizeof p) && params_valid(&p));
        int n;
        FZ_ASSERT(mgn_pm_scenario_count(&p, &n) == MGN_OK && n == MGN_SPAN_SCENARIOS);
        /* the same 16 scenarios as SPAN's (extreme at 2x, counted at 35%) */
        mgn_span_params sp = { psr, vsr, 2.0, 0.35, 0, 0, 0 };
        double pmv[MGN_SPAN_SCENARIOS], pw[MGN_SPAN_SCENARIOS];
        int pv[MGN_SPAN_SCENARIOS];
        for (int j = 0; j < n; j++)
            FZ_ASSERT(mgn_pm_scenario(&p, j, &pmv[j], &pv[j], &pw[j]) == MGN_OK);
        for (int k = 0; k < MGN_SPAN_SCENARIOS; k++) {
            double sm, sv, sw;
            int found = 0;
            FZ_ASSERT(mgn_span_scenario(&sp, k, &sm, &sv, &sw) == MGN_OK);
            for (int j = 0; j < n && !found; j++)
                found = pmv[j] == sm && pw[j] == sw && (double)pv[j] * vsr == sv;
            FZ_ASSERT(found);
        }
    }
    FZ_ASSERT(mgn_pm_preset_span(0.1, 0.1, NULL) == MGN_EINVAL);
    FZ_ASSERT(mgn_pm_preset_deribit(NULL) == MGN_EINVAL);
    FZ_ASSERT(mgn_pm_preset_occ(NULL) == MGN_EINVAL);
    int n;
    FZ_ASSERT(mgn_pm_preset_deribit(&p) == MGN_OK && params_valid(&p));
    FZ_ASSERT(mgn_pm_scenario_count(&p, &n) == MGN_OK && n == 9 * 3 + 8);
    FZ_ASSERT(mgn_pm_preset_occ(&p) == MGN_OK && params_valid(&p));
    FZ_ASSERT(mgn_pm_scenario_count(&p, &n) == MGN_OK && n == 11);
}

static void check_scenarios(fz_in *in, const mgn_pm_params *p)
{
    int valid = params_valid(p);
    int n;
    FZ_FILL(&n, sizeof n);
    int st = mgn_pm_scenario_count(p, &n);
    FZ_ASSERT(st == (valid ? MGN_OK : MGN_EINVAL));
    if (st == MGN_OK)
        FZ_ASSERT(n == scenario_count(p));
    else
        FZ_ASSERT(fb_untouched(&n, sizeof n));
    int hi = valid ? scenario_count(p) : 3;
    for (int rep = 0; rep < 2; rep++) {
        int k = fz_int(in, 0, hi - 1);
        double mv, w;
        int vs;
        FZ_FILL(&mv, sizeof mv);
        FZ_FILL(&vs, sizeof vs);
        FZ_FILL(&w, sizeof w);
        int sk = mgn_pm_scenario(p, k, &mv, &vs, &w);
        FZ_ASSERT(sk == (valid && k >= 0 && k < hi ? MGN_OK : MGN_EINVAL));
        if (sk == MGN_OK) {
            double m2, w2;
            int v2;
            scenario_of(p, k, &m2, &v2, &w2);
            FZ_ASSERT(mv == m2 && vs == v2 && w == w2);
            FZ_ASSERT(isfinite(mv) && mv > -1 && isfinite(w) && w >= 0);
        } else {
            FZ_ASSERT(fb_untouched(&mv, sizeof mv) && fb_untouched(&vs, sizeof vs)
                      && fb_untouched(&w, sizeof w));
        }
    }
    unsigned which = fz_u8(in) % 6u;
    if (which == 0)
        FZ_ASSERT(mgn_pm_scenario_count(NULL, &n) == MGN_EINVAL);
    if (which == 1)
        FZ_ASSERT(mgn_pm_scenario_count(p, NULL) == MGN_EINVAL);
    double mv, w;
    int vs;
    if (which == 2)
        FZ_ASSERT(mgn_pm_scenario(NULL, 0, &mv, &vs, &w) == MGN_EINVAL);
    if (which == 3)
        FZ_ASSERT(mgn_pm_scenario(p, 0, NULL, &vs, &w) == MGN_EINVAL);
    if (which == 4)
        FZ_ASSERT(mgn_pm_scenario(p, 0, &mv, NULL, &w) == MGN_EINVAL);
    if (which == 5)
        FZ_ASSERT(mgn_pm_scenario(p, 0, &mv, &vs, NULL) == MGN_EINVAL);
}

static int result_ok(const mgn_pm_result *r)
{
    return FZ_STRUCT_FINITE(*r) && r->requirement >= 0 && r->grid_loss >= 0
        && r->delta_shock >= 0 && r->short_option_min >= 0 && r->roll_shock >= 0
        && r->concentration >= 0;
}

/* Short option units of u netted per (strike, expiry), calls and puts together. */
static double short_units_netted(const fb_book *b, size_t u)
{
    double units = 0;
    for (size_t j = 0; j < b->n_pos; j++) {
        const mgn_position *p = &b->pos[j];
        if ((size_t)p->underlying != u || p->instrument != MGN_OPTION)
            continue;
        int first = 1;
        for (size_t i = 0; i < j && first; i++)
            first = !((size_t)b->pos[i].underlying == u && b->pos[i].instrument == MGN_OPTION
                      && b->pos[i].strike == p->strike && b->pos[i].expiry == p->expiry);
        if (!first)
            continue;
        double g = 0;
        for (size_t i = j; i < b->n_pos; i++)
            if ((size_t)b->pos[i].underlying == u && b->pos[i].instrument == MGN_OPTION
                && b->pos[i].strike == p->strike && b->pos[i].expiry == p->expiry)
                g += b->pos[i].quantity * b->pos[i].multiplier;
        if (g < 0)
            units -= g;
    }
    return units;
}

static void check_underlying(const pm_case *c, size_t u, const mgn_pm_underlying *o,
                             const double *contrib)
{
    const fb_book *b = &c->b;
    const mgn_pm_params *p = &c->prm[u];
    const mgn_market *m = &b->mkt[u];
    const double f[12] = { o->requirement, o->grid_loss, o->delta_shock, o->short_option_min,
                           o->roll_shock, o->concentration, o->net_delta, o->short_units,
                           o->roll_units, o->excess_delta, o->binding_move, o->binding_weight };
    for (int k = 0; k < 12; k++)
        if (!isfinite(f[k]))
            FZ_LOG("underlying %zu: figure %d not finite: %g\n", u, k, f[k]);
    FZ_ASSERT(fz_all_finite(f, 12));
    FZ_ASSERT(o->grid_loss >= 0 && o->delta_shock >= 0 && o->short_option_min >= 0
              && o->roll_shock >= 0 && o->concentration >= 0 && o->short_units >= 0
              && o->roll_units >= 0 && o->excess_delta >= 0);
    FZ_ASSERT(o->n_scenarios == scenario_count(p));
    int n = 0;
    for (size_t i = 0; i < b->n_pos; i++)
        n += (size_t)b->pos[i].underlying == u;
    FZ_ASSERT(o->n_positions == n);

    /* binding scenario */
    FZ_ASSERT(o->binding_scenario >= -1 && o->binding_scenario < o->n_scenarios);
    if (o->binding_scenario < 0) {
        FZ_ASSERT(o->grid_loss == 0 && o->binding_move == 0 && o->binding_vol == 0
                  && o->binding_weight == 0);
    } else {
        double mv, w;
        int vs;
        scenario_of(p, o->binding_scenario, &mv, &vs, &w);
        FZ_ASSERT(o->grid_loss > 0 && o->binding_move == mv && o->binding_vol == vs
                  && o->binding_weight == w);
    }

    /* add-ons, from their formulas */
    double toc = c->currency == MGN_QUOTE ? 1.0 : 1.0 / b->mkt[c->currency].spot;
    double S = m->spot, D = o->net_delta, notional = fabs(D) * S;
    double ds = notional > p->delta_shock_threshold
              ? p->delta_shock_rate * (notional - p->delta_shock_threshold) : 0.0;
    FZ_ASSERT(o->delta_shock == ds * toc);
    double excess = p->conc_depth > 0 && fabs(D) > p->conc_depth ? fabs(D) - p->conc_depth : 0.0;
    FZ_ASSERT(o->excess_delta == excess);
    FZ_ASSERT(o->concentration == p->conc_rate * S * excess * toc);
    FZ_ASSERT(o->short_option_min == o->short_units * (p->short_min_rate * S + p->short_min_abs) * toc);
    double su = 0, sm = 0, ru = 0, rs = 0, rm = 0;
    for (size_t i = 0; i < b->n_pos; i++) {
        const mgn_position *q = &b->pos[i];
        if ((size_t)q->underlying != u)
            continue;
        double qm = q->quantity * q->multiplier;
        if (q->instrument == MGN_OPTION) {
            if (qm < 0)
                su -= qm;
        } else {
            double units = q->settlement == MGN_INVERSE ? fabs(qm) / S : fabs(qm);
            double T = q->instrument == MGN_FUTURE ? q->expiry : 0.0;
            double rate = fmax(p->roll_rate * T, p->roll_min);
            ru += units;
            rs += units * S * rate;
            rm += fabs(units * S * rate);
        }
        sm += fabs(qm);
    }
    if (p->short_min_per_strike)
        su = short_units_netted(b, u);
    FZ_ASSERT(close_to(o->short_units, su, sm, 4.0 * (n + 2)));
    FZ_ASSERT(close_to(o->roll_units, ru, ru, 4.0 * (n + 2)));
    FZ_ASSERT(close_to(o->roll_shock, rs * toc, rm * toc, 4.0 * (n + 4)));
    double base = p->short_min_mode == MGN_PM_MIN_FLOOR
                ? (o->grid_loss > o->short_option_min ? o->grid_loss : o->short_option_min)
                : o->grid_loss + o->short_option_min;
    FZ_ASSERT(o->requirement == base + o->delta_shock + o->roll_shock + o->concentration);

    /* contributions: the binding scenario's weighted loss of each position */
    if (contrib) {
        double s = 0, a = 0;
        for (size_t i = 0; i < b->n_pos; i++)
            if ((size_t)b->pos[i].underlying == u) {
                s += contrib[i];
                a += fabs(contrib[i]);
                if (o->binding_scenario < 0)
                    FZ_ASSERT(contrib[i] == 0);
            }
        /* quote amounts below DBL_MIN round to 2^-1074, scaled by the conversion */
        double cf = c->currency == MGN_QUOTE ? 1.0
                  : (size_t)c->currency == u ? 1.0 / (S * (1 + o->binding_move))
                  : 1.0 / b->mkt[c->currency].spot;
        double tol = 4.0 * (n + 4) * DBL_EPSILON * a + 2.0 * (n + 1) * 4.9406564584124654e-324 * cf;
        FZ_ASSERT(fabs(s - o->grid_loss) <= tol + 1e-300);
    }

    /* net delta: the positions' deltas, as in fuzz_span.c */
    double d = 0, dm = 0, units = 0;
    int have = 1;
    for (size_t i = 0; i < b->n_pos && have; i++) {
        const mgn_position *q = &b->pos[i];
        if ((size_t)q->underlying != u)
            continue;
        double di;
        if (q->instrument != MGN_OPTION && q->settlement == MGN_INVERSE) {
            di = q->quantity * q->multiplier / S;
        } else {
            mgn_net_greeks g;
            have = mgn_position_greeks(b->mkt, b->n_mkt, q, &g) == MGN_OK;
            di = g.delta;
        }
        d += di;
        dm += fabs(di);
        units += fabs(q->quantity * q->multiplier);
    }
    if (have && isfinite(dm))
        FZ_ASSERT(fabs(d - D) <= 1e-9 * dm + 1e-12 * units + 1e-300);
}

static void pm_checks(fz_in *in, const pm_case *c)
{
    const fb_book *b = &c->b;
    size_t n_mkt = b->n_mkt, n_pos = b->n_pos;
    const mgn_market *mkt = n_mkt ? b->mkt : NULL;
    const mgn_position *pos = n_pos ? b->pos : NULL;
    const mgn_pm_params *prm = n_mkt ? c->prm : NULL;
    int valid = fb_book_valid(b) && fb_currency_valid(c->currency, n_mkt), ovf = 0;
    int markets = 1;
    for (size_t u = 0; u < n_mkt; u++)
        markets &= fb_market_valid(&b->mkt[u]);
    for (size_t u = 0; u < n_mkt; u++) {
        const mgn_pm_params *p = &c->prm[u];
        if (!params_valid(p)) {
            valid = 0;
            continue;
        }
        for (int e = 0; e < p->n_extended; e++) {
            double S1 = b->mkt[u].spot * (1 + p->ext_move[e]);
            ovf |= markets && !(isfinite(S1) && S1 > 0);
        }
    }

    mgn_pm_result r, r2;
    FZ_FILL(&r, sizeof r);
    FZ_FILL(&r2, sizeof r2);
    int st = mgn_pm_margin(mkt, prm, n_mkt, pos, n_pos, c->currency, &r);
    FZ_STATUS(st);
    if (!valid)
        FZ_ASSERT(st == MGN_EINVAL || (ovf && st == MGN_ERANGE));
    else
        FZ_ASSERT(st != MGN_EINVAL && (!ovf || st == MGN_ERANGE));
    if (st == MGN_OK)
        FZ_ASSERT(result_ok(&r));
    else
        FZ_ASSERT(fb_untouched(&r, sizeof r));
    if (fz_u8(in) < 64) {
        FZ_ASSERT(mgn_pm_margin(mkt, prm, n_mkt, pos, n_pos, c->currency, &r2) == st);
        FZ_ASSERT(st != MGN_OK || fz_same_bits(&r, &r2, sizeof r));
    }

    unsigned sel = fz_u8(in);
    int with_per = (sel & 1u) != 0, with_contrib = (sel & 2u) != 0;
    mgn_pm_underlying per[FB_MAX_MKT];
    double contrib[FB_MAX_POS];
    mgn_pm_result rd;
    FZ_FILL(&rd, sizeof rd);
    FZ_FILL(per, sizeof per);
    FZ_FILL(contrib, sizeof contrib);
    int sd = mgn_pm_margin_detail(mkt, prm, n_mkt, pos, n_pos, c->currency, &rd,
                                  with_per ? per : NULL, with_contrib ? contrib : NULL);
    /* with contrib, one position's loss may overflow where the total does not */
    FZ_ASSERT(sd == st || (with_contrib && st == MGN_OK && sd == MGN_ERANGE));
    if (sd != MGN_OK) {
        FZ_ASSERT(fb_untouched(&rd, sizeof rd));
    } else {
        FZ_ASSERT(fz_same_bits(&r, &rd, sizeof r));
        FZ_ASSERT(fb_untouched(per + n_mkt, (FB_MAX_MKT - n_mkt) * sizeof per[0]));
        FZ_ASSERT(fb_untouched(contrib + n_pos, (FB_MAX_POS - n_pos) * sizeof(double)));
        if (!with_per)
            FZ_ASSERT(fb_untouched(per, sizeof per));
        if (!with_contrib)
            FZ_ASSERT(fb_untouched(contrib, sizeof contrib));
        else
            FZ_ASSERT(fz_all_finite(contrib, n_pos));
        if (with_per) {
            double s[6] = { 0 };
            for (size_t u = 0; u < n_mkt; u++) {
                check_underlying(c, u, &per[u], with_contrib ? contrib : NULL);
                const double v[6] = { per[u].requirement, per[u].grid_loss, per[u].delta_shock,
                                      per[u].short_option_min, per[u].roll_shock,
                                      per[u].concentration };
                for (int k = 0; k < 6; k++)
                    s[k] += v[k];
            }
            const double *t = (const double *)(const void *)&rd;
            for (int k = 0; k < 6; k++)
                FZ_ASSERT(close_to(t[k], s[k], s[k], 2.0 * (double)(n_mkt + 1)));

            /* span presets used unchanged: the grid loss is SPAN's scan risk */
            int all_span = n_mkt > 0;
            for (size_t u = 0; u < n_mkt; u++)
                all_span &= c->span_preset[u];
            if (all_span) {
                mgn_span_params sp[FB_MAX_MKT];
                mgn_span_underlying sper[FB_MAX_MKT];
                mgn_span_result sr;
                for (size_t u = 0; u < n_mkt; u++) {
                    mgn_span_params q = { c->span_psr[u], c->span_vsr[u], 2.0, 0.35,
                                          c->prm[u].lookahead, 0, 0 };
                    sp[u] = q;
                }
                if (mgn_span_margin_detail(b->mkt, sp, n_mkt, b->pos, n_pos, NULL, 0,
                                           c->currency, &sr, sper, NULL) == MGN_OK)
                    for (size_t u = 0; u < n_mkt; u++) {
                        if (!close_to(per[u].grid_loss, sper[u].scan_risk, sper[u].scan_risk, 4))
                            FZ_LOG("underlying %zu: grid %.17g span scan %.17g\n", u,
                                   per[u].grid_loss, sper[u].scan_risk);
                        FZ_ASSERT(close_to(per[u].grid_loss, sper[u].scan_risk,
                                           sper[u].scan_risk, 4));
                    }
            }
        }
    }

    /* NULL pointers */
    unsigned null_sel = fz_u8(in) % 8u;
    FZ_FILL(&r2, sizeof r2);
    if (null_sel == 1 && n_mkt > 0)
        FZ_ASSERT(mgn_pm_margin(NULL, prm, n_mkt, pos, n_pos, c->currency, &r2) == MGN_EINVAL);
    if (null_sel == 2 && n_mkt > 0)
        FZ_ASSERT(mgn_pm_margin(mkt, NULL, n_mkt, pos, n_pos, c->currency, &r2) == MGN_EINVAL);
    if (null_sel == 3 && n_pos > 0) {
        int sn = mgn_pm_margin(mkt, prm, n_mkt, NULL, n_pos, c->currency, &r2);
        FZ_ASSERT(sn == MGN_EINVAL || (ovf && sn == MGN_ERANGE));
    }
    if (null_sel == 4) {
        FZ_ASSERT(mgn_pm_margin(mkt, prm, n_mkt, pos, n_pos, c->currency, NULL) == MGN_EINVAL);
        FZ_ASSERT(mgn_pm_margin_detail(mkt, prm, n_mkt, pos, n_pos, c->currency, NULL, per,
                                       contrib) == MGN_EINVAL);
    }
    FZ_ASSERT(fb_untouched(&r2, sizeof r2));

    /* absurd count */
    if (fz_u8(in) < 16) {
        size_t big = fb_absurd_n_mkt(in);
        FZ_LOG("absurd n_mkt %zu\n", big);
        FZ_ASSERT(mgn_pm_margin(b->mkt, c->prm, big, b->pos, n_pos, c->currency, &r2) == MGN_ERANGE);
        FZ_ASSERT(mgn_pm_margin_detail(b->mkt, c->prm, big, b->pos, n_pos, c->currency, &r2,
                                       per, contrib) == MGN_ERANGE);
        FZ_ASSERT(fb_untouched(&r2, sizeof r2));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = fz_init(data, size);
    pm_case c;
    memset(&c, 0, sizeof c);
    fb_book_decode(&in, &c.b, FB_MAX_MKT, FB_MAX_POS);
    for (size_t u = 0; u < (c.b.n_mkt ? c.b.n_mkt : 1); u++)
        decode_params(&in, &c, u);
    c.currency = fb_currency(&in, c.b.n_mkt);

    fb_book_log(&c.b);
    for (size_t u = 0; u < (c.b.n_mkt ? c.b.n_mkt : 1); u++)
        log_params(u, &c.prm[u]);
    FZ_LOG("currency %d\n", c.currency);

    check_presets(&in);
    check_scenarios(&in, &c.prm[0]);
    pm_checks(&in, &c);
    return 0;
}
