/* Portfolio (risk-based) margin grid (MARGIN-MODEL.md section 5) and its presets.
 *
 * Per underlying: a regular grid of price moves x vol states, an extended table of
 * large moves with their own weights, margin = the worst weighted loss, plus add-ons
 * (delta shock, short option minimum, roll shock of futures, concentration). The
 * positions are valued with the vector kernels of lib/scenario.c, as in lib/span.c.
 * Nothing is allocated: per underlying the scenario sums live on the stack (at most
 * MGN_PM_MAX_SCENARIOS) and the per-strike netting of the short option minimum uses
 * a fixed table with a quadratic fallback beyond 64 strikes.
 */
#include <string.h>
#include "portfolio.h"

#define NSTRIKE 64

size_t mgn_sizeof_pm_params(void) { return sizeof(mgn_pm_params); }
size_t mgn_sizeof_pm_result(void) { return sizeof(mgn_pm_result); }
size_t mgn_sizeof_pm_underlying(void) { return sizeof(mgn_pm_underlying); }

/*---------------------------------------------------------------- presets */

static void pm_clear(mgn_pm_params *p)
{
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
}

int mgn_pm_preset_span(double price_scan, double vol_scan, mgn_pm_params *out)
{
    if (!out || !(isfinite(price_scan) && price_scan >= 0 && price_scan * 2 < 1)
        || !(isfinite(vol_scan) && vol_scan >= 0))
        return MGN_EINVAL;
    mgn_pm_params p;
    pm_clear(&p);
    p.price_range = price_scan;
    p.price_steps = 3;
    p.vol_scenarios = 2;
    p.vol_mode = MGN_PM_VOL_ABSOLUTE;
    p.vol_up = p.vol_down = vol_scan;
    p.n_extended = 2;
    p.ext_move[0] = 2 * price_scan;
    p.ext_move[1] = -2 * price_scan;
    p.ext_vol[0] = p.ext_vol[1] = 0;
    p.ext_weight[0] = p.ext_weight[1] = 0.35;
    *out = p;
    return MGN_OK;
}

int mgn_pm_preset_deribit(mgn_pm_params *out)
{
    static const double ext[8] = { -0.66, -0.33, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0 };
    if (!out)
        return MGN_EINVAL;
    mgn_pm_params p;
    pm_clear(&p);
    p.price_range = 0.16;
    p.price_steps = 4;
    p.vol_scenarios = 3;
    p.vol_mode = MGN_PM_VOL_RELATIVE;
    p.vol_up = 0.5;
    p.vol_down = 0.25;
    p.vol_ref_days = 30;
    p.vol_power_short = 0.3;
    p.vol_power_long = 0.13;
    p.vol_min_days = 1;
    p.vol_min_up = 0.5;
    p.n_extended = 8;
    for (int e = 0; e < 8; e++) {
        p.ext_move[e] = ext[e];
        p.ext_vol[e] = 1;
        p.ext_weight[e] = 0.01;
    }
    p.delta_shock_rate = 0.1;
    p.delta_shock_threshold = 20e6;
    p.roll_rate = 0.075;
    p.roll_min = 0.01;
    *out = p;
    return MGN_OK;
}

int mgn_pm_preset_occ(mgn_pm_params *out)
{
    if (!out)
        return MGN_EINVAL;
    mgn_pm_params p;
    pm_clear(&p);
    p.price_range = 0.15;
    p.price_steps = 5;
    p.vol_scenarios = 1;
    p.vol_mode = MGN_PM_VOL_ABSOLUTE;
    p.short_min_abs = 0.375;
    p.short_min_mode = MGN_PM_MIN_FLOOR;
    *out = p;
    return MGN_OK;
}

/*---------------------------------------------------------------- scenarios */

static int pm_count(const mgn_pm_params *p)
{
    return (2 * p->price_steps + 1) * p->vol_scenarios + p->n_extended;
}

/* Scenario k: relative move, vol state (-1 down, 0 same, +1 up), weight. */
static void pm_scenario(const mgn_pm_params *p, int k, double *move, int *vol, double *w)
{
    int nreg = (2 * p->price_steps + 1) * p->vol_scenarios;
    if (k >= nreg) {
        int e = k - nreg;
        *move = p->ext_move[e];
        *vol = p->ext_vol[e];
        *w = p->ext_weight[e];
        return;
    }
    int ip = k / p->vol_scenarios, iv = k % p->vol_scenarios;
    int n = p->price_steps;
    *move = p->price_range * (ip - n) / n;
    *vol = p->vol_scenarios == 1 ? 0 : p->vol_scenarios == 2 ? (iv == 0 ? 1 : -1) : 1 - iv;
    *w = 1.0;
}

static int pm_params_ok(const mgn_pm_params *p)
{
    if (p->struct_size != sizeof(mgn_pm_params))
        return 0;
    if (!(isfinite(p->price_range) && p->price_range >= 0 && p->price_range < 1))
        return 0;
    if (p->price_steps < 1 || p->price_steps > MGN_PM_MAX_STEPS)
        return 0;
    if (p->vol_scenarios < 1 || p->vol_scenarios > 3)
        return 0;
    if (p->vol_mode != MGN_PM_VOL_ABSOLUTE && p->vol_mode != MGN_PM_VOL_RELATIVE)
        return 0;
    if (p->n_extended < 0 || p->n_extended > MGN_PM_MAX_EXTENDED)
        return 0;
    if (p->short_min_per_strike != 0 && p->short_min_per_strike != 1)
        return 0;
    if (p->short_min_mode != MGN_PM_MIN_ADD && p->short_min_mode != MGN_PM_MIN_FLOOR)
        return 0;
    if (p->reserved != 0)
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

int mgn_pm_scenario(const mgn_pm_params *params, int k, double *price_move, int *vol_state,
                    double *weight)
{
    if (!params || !price_move || !vol_state || !weight || !pm_params_ok(params))
        return MGN_EINVAL;
    if (k < 0 || k >= pm_count(params))
        return MGN_EINVAL;
    double m, w;
    int v;
    pm_scenario(params, k, &m, &v, &w);
    *price_move = m;
    *vol_state = v;
    *weight = w;
    return MGN_OK;
}

int mgn_pm_scenario_count(const mgn_pm_params *params, int *n)
{
    if (!params || !n || !pm_params_ok(params))
        return MGN_EINVAL;
    *n = pm_count(params);
    return MGN_OK;
}

/* Shocked vols of an option with mark vol sigma and T years to expiry. */
static void pm_vols(const mgn_pm_params *p, double sigma, double T, double *up, double *dn)
{
    double scale = 1.0;
    if (p->vol_ref_days > 0) {
        double days = T * 365.0;
        double pw = days < p->vol_ref_days ? p->vol_power_short : p->vol_power_long;
        if (days < p->vol_min_days)
            days = p->vol_min_days;
        scale = pow(p->vol_ref_days / days, pw);
    }
    double su = p->vol_up * scale, sd = p->vol_down * scale;
    double u = sigma, d = sigma;
    if (su != 0)
        u = p->vol_mode == MGN_PM_VOL_RELATIVE ? sigma * (1 + su) : sigma + su;
    if (sd != 0)
        d = p->vol_mode == MGN_PM_VOL_RELATIVE ? sigma * (1 - sd) : sigma - sd;
    if (su != 0 && u < p->vol_min_up)
        u = p->vol_min_up;
    if (su != 0 && u < MGN_VOL_FLOOR)
        u = MGN_VOL_FLOOR;
    if (sd != 0 && d < MGN_VOL_FLOOR)
        d = MGN_VOL_FLOOR;
    *up = u;
    *dn = d;
}

/*---------------------------------------------------------------- margin */

static double conv_scen(int currency, int u, const mgn_market *mkt, double f)
{
    if (currency == MGN_QUOTE)
        return 1.0;
    return currency == u ? 1.0 / (mkt[u].spot * f) : 1.0 / mkt[currency].spot;
}

/* Short option units of u netted per (strike, expiry), calls and puts together. */
static double short_units_per_strike(const mgn_position *pos, size_t n_pos, int u)
{
    double key_k[NSTRIKE], key_t[NSTRIKE], net[NSTRIKE];
    int nk = 0, overflow = 0;
    for (size_t j = 0; j < n_pos; j++) {
        const mgn_position *p = &pos[j];
        if (p->underlying != u || p->instrument != MGN_OPTION)
            continue;
        int i = 0;
        while (i < nk && !(key_k[i] == p->strike && key_t[i] == p->expiry))
            i++;
        if (i == nk) {
            if (nk == NSTRIKE) {
                overflow = 1;
                break;
            }
            key_k[nk] = p->strike;
            key_t[nk] = p->expiry;
            net[nk++] = 0;
        }
        net[i] += p->quantity * p->multiplier;
    }
    double units = 0;
    if (!overflow) {
        for (int i = 0; i < nk; i++)
            if (net[i] < 0)
                units -= net[i];
        return units;
    }
    /* Many strikes: each group summed once, at its first position. */
    for (size_t j = 0; j < n_pos; j++) {
        const mgn_position *p = &pos[j];
        if (p->underlying != u || p->instrument != MGN_OPTION)
            continue;
        int first = 1;
        for (size_t i = 0; i < j && first; i++)
            first = !(pos[i].underlying == u && pos[i].instrument == MGN_OPTION
                      && pos[i].strike == p->strike && pos[i].expiry == p->expiry);
        if (!first)
            continue;
        double g = 0;
        for (size_t i = j; i < n_pos; i++)
            if (pos[i].underlying == u && pos[i].instrument == MGN_OPTION
                && pos[i].strike == p->strike && pos[i].expiry == p->expiry)
                g += pos[i].quantity * pos[i].multiplier;
        if (g < 0)
            units -= g;
    }
    return units;
}

/* Weighted losses of u's positions: sums[k] over every scenario, or (only >= 0) the
   loss of each position in that one scenario into contrib[]. */
static int pm_losses(const mgn_market *mkt, const mgn_pm_params *prm, int u,
                     const mgn_position *pos, size_t n_pos, int currency, double *sums,
                     int only, double *contrib)
{
    int ns = pm_count(prm), k0 = only >= 0 ? only : 0, k1 = only >= 0 ? only + 1 : ns;
    double f[MGN_PM_MAX_SCENARIOS], lf[MGN_PM_MAX_SCENARIOS], conv[MGN_PM_MAX_SCENARIOS];
    double wt[MGN_PM_MAX_SCENARIOS];
    double vs[MGN_PM_MAX_SCENARIOS];       /* sign of the vol shift */
    for (int k = k0; k < k1; k++) {
        double mv;
        int v;
        pm_scenario(prm, k, &mv, &v, &wt[k]);
        vs[k] = v;
        f[k] = 1 + mv;
        /* apart from the weight, as in lib/span.c: their product can be deep in the
           subnormals, so amounts take the weight first */
        conv[k] = conv_scen(currency, u, mkt, f[k]);
        if (sums)
            sums[k] = 0;
    }
    mgn__log_moves((size_t)(k1 - k0), f + k0, lf + k0);
    const mgn_market *m = &mkt[u];
    double dt = prm->lookahead;
    int st;
    mgn__chunk c;
    mgn__price_block blk;
    double sig_up[MGN__CH], sig_dn[MGN__CH];
    size_t next = 0;
    for (;;) {
        mgn__chunk_reset(&c);
        for (; next < n_pos && c.n < MGN__CH; next++) {
            const mgn_position *p = &pos[next];
            if (p->underlying != u)
                continue;
            if (p->instrument == MGN_OPTION && p->exercise == MGN_EUROPEAN) {
                mgn__chunk_add(&c, next, p, m, dt);
                continue;
            }
            int inv = p->settlement == MGN_INVERSE;
            double qm = p->quantity * p->multiplier, v0, v1, up, dn;
            double T1 = p->expiry > dt ? p->expiry - dt : 0.0;
            pm_vols(prm, p->vol, p->expiry, &up, &dn);
            if (!isfinite(up) || !isfinite(dn))
                return MGN_ERANGE;
            if ((st = mgn__unit_value(p, m, m->spot, p->vol, p->expiry, &v0)) != MGN_OK)
                return st;
            for (int k = k0; k < k1; k++) {
                double S1 = m->spot * f[k], sg = vs[k] > 0 ? up : vs[k] < 0 ? dn : p->vol;
                if ((st = mgn__unit_value(p, m, S1, sg, T1, &v1)) != MGN_OK)
                    return st;
                double loss = -(qm * (v1 - v0) * (inv ? S1 : 1.0)) * wt[k] * conv[k];
                if (sums)
                    sums[k] += loss;
                if (contrib)            /* finite: pm_underlying found the sum of the
                                           same losses in this scenario finite */
                    contrib[next] = loss;
            }
        }
        if (c.n == 0)
            return MGN_OK;
        if ((st = mgn__chunk_prepare(&c)) != MGN_OK)
            return st;
        for (size_t i = 0; i < c.n16; i++) {
            if (i < c.n) {
                pm_vols(prm, c.sig[i], c.T[i], &sig_up[i], &sig_dn[i]);
                if (!isfinite(sig_up[i]) || !isfinite(sig_dn[i]))
                    return MGN_ERANGE;
            } else {
                sig_up[i] = sig_dn[i] = c.sig[i];
            }
        }
        for (int k = k0; k < k1; k += MGN__SB) {     /* a block of scenarios at a time */
            int nb = k1 - k < MGN__SB ? k1 - k : MGN__SB;
            double sb[MGN__SB];
            if ((st = mgn__block_losses(&c, &blk, (size_t)nb, f + k, lf + k, vs + k, sig_up,
                                        sig_dn, sb)) != MGN_OK)
                return st;
            for (int j = 0; j < nb; j++) {
                if (sums)
                    sums[k + j] += sb[j] * wt[k + j] * conv[k + j];
                /* a position's loss can overflow where the chunk's sum, whose terms
                   cancel, does not */
                if (contrib)
                    for (size_t i = 0; i < c.n; i++) {
                        double loss = -blk.price[j][i] * wt[k + j] * conv[k + j];
                        if (!isfinite(loss))
                            return MGN_ERANGE;
                        contrib[c.idx[i]] = loss;
                    }
            }
        }
    }
}

static int pm_underlying(const mgn_market *mkt, const mgn_pm_params *prm, int u,
                         const mgn_position *pos, size_t n_pos, int currency,
                         mgn_pm_underlying *o, double *contrib)
{
    double sums[MGN_PM_MAX_SCENARIOS];
    int st, ns = pm_count(prm);
    const mgn_market *m = &mkt[u];
    if ((st = pm_losses(mkt, prm, u, pos, n_pos, currency, sums, -1, NULL)) != MGN_OK)
        return st;
    /* As in lib/span.c: the maximum below would skip a NaN scenario loss (a zero
       quantity times an overflowed move, or two infinite losses cancelling). */
    for (int k = 0; k < ns; k++)
        if (!isfinite(sums[k]))
            return MGN_ERANGE;
    double grid = 0;
    int bind = -1;
    for (int k = 0; k < ns; k++)
        if (sums[k] > grid) {
            grid = sums[k];
            bind = k;
        }
    if (contrib) {
        if (bind >= 0) {
            /* the evaluations of the call above, for scenario bind only; fails only
               where one position's loss overflows */
            if ((st = pm_losses(mkt, prm, u, pos, n_pos, currency, NULL, bind, contrib))
                != MGN_OK)
                return st;
        } else {
            for (size_t j = 0; j < n_pos; j++)
                if (pos[j].underlying == u)
                    contrib[j] = 0;
        }
    }
    /* add-ons (quote amounts, converted at today's price) */
    double D = 0, short_units = 0, roll_units = 0, roll = 0;
    int npos = 0;
    for (size_t j = 0; j < n_pos; j++) {
        const mgn_position *p = &pos[j];
        if (p->underlying != u)
            continue;
        npos++;
        double d, qm = p->quantity * p->multiplier;
        if ((st = mgn__position_delta(p, m, &d)) != MGN_OK)
            return st;
        D += d;
        if (p->instrument == MGN_OPTION) {
            if (qm < 0)
                short_units -= qm;
        } else {
            double units = p->settlement == MGN_INVERSE ? fabs(qm) / m->spot : fabs(qm);
            double T = p->instrument == MGN_FUTURE ? p->expiry : 0.0;
            double rate = prm->roll_rate * T > prm->roll_min ? prm->roll_rate * T : prm->roll_min;
            roll_units += units;
            roll += units * m->spot * rate;
        }
    }
    if (prm->short_min_per_strike)
        short_units = short_units_per_strike(pos, n_pos, u);
    double toc = currency == MGN_QUOTE ? 1.0 : 1.0 / mkt[currency].spot;
    double notional = fabs(D) * m->spot;
    double ds = notional > prm->delta_shock_threshold
              ? prm->delta_shock_rate * (notional - prm->delta_shock_threshold) : 0.0;
    double excess = prm->conc_depth > 0 && fabs(D) > prm->conc_depth ? fabs(D) - prm->conc_depth : 0.0;
    o->grid_loss = grid;
    o->delta_shock = ds * toc;
    o->short_option_min = short_units * (prm->short_min_rate * m->spot + prm->short_min_abs) * toc;
    o->roll_shock = roll * toc;
    o->concentration = prm->conc_rate * m->spot * excess * toc;
    o->net_delta = D;
    o->short_units = short_units;
    o->roll_units = roll_units;
    o->excess_delta = excess;
    o->binding_scenario = bind;
    o->n_scenarios = ns;
    o->n_positions = npos;
    if (bind >= 0) {
        pm_scenario(prm, bind, &o->binding_move, &o->binding_vol, &o->binding_weight);
    } else {
        o->binding_move = 0;
        o->binding_vol = 0;
        o->binding_weight = 0;
    }
    double base = prm->short_min_mode == MGN_PM_MIN_FLOOR
                ? (grid > o->short_option_min ? grid : o->short_option_min)
                : grid + o->short_option_min;
    o->requirement = base + o->delta_shock + o->roll_shock + o->concentration;
    /* Every figure finite: an inverse contract's units (notional / spot) overflow for a
       spot near DBL_MIN while the charges on them, times the spot again, do not. */
    if (!(isfinite(o->requirement) && isfinite(o->net_delta) && isfinite(o->short_units)
          && isfinite(o->roll_units) && isfinite(o->excess_delta)))
        return MGN_ERANGE;
    return MGN_OK;
}

int mgn_pm_margin_detail(const mgn_market *mkt, const mgn_pm_params *params, size_t n_mkt,
                         const mgn_position *pos, size_t n_pos, int currency,
                         mgn_pm_result *out, mgn_pm_underlying *per_mkt, double *contrib)
{
    int st;
    if (!out)
        return MGN_EINVAL;
    if ((st = mgn__check_markets(mkt, n_mkt)) != MGN_OK)
        return st;
    if (n_mkt > 0 && !params)
        return MGN_EINVAL;
    for (size_t u = 0; u < n_mkt; u++) {
        const mgn_pm_params *p = &params[u];
        if (!pm_params_ok(p))
            return MGN_EINVAL;
        for (int e = 0; e < p->n_extended; e++) {
            double S1 = mkt[u].spot * (1 + p->ext_move[e]);
            if (!(isfinite(S1) && S1 > 0))
                return MGN_ERANGE;
        }
    }
    if (!mgn__currency_ok(currency, n_mkt))
        return MGN_EINVAL;
    if ((st = mgn__check_positions(pos, n_pos, n_mkt)) != MGN_OK)
        return st;
    mgn_pm_result r = {0};
    for (size_t u = 0; u < n_mkt; u++) {
        /* cppcheck-suppress uninitvar ; pm_underlying only writes *o (one is output space) */
        mgn_pm_underlying one, *o = per_mkt ? &per_mkt[u] : &one;
        if ((st = pm_underlying(mkt, &params[u], (int)u, pos, n_pos, currency, o, contrib)) != MGN_OK)
            return st;
        r.requirement += o->requirement;
        r.grid_loss += o->grid_loss;
        r.delta_shock += o->delta_shock;
        r.short_option_min += o->short_option_min;
        r.roll_shock += o->roll_shock;
        r.concentration += o->concentration;
    }
    if (!(isfinite(r.requirement) && isfinite(r.grid_loss) && isfinite(r.delta_shock)
          && isfinite(r.short_option_min) && isfinite(r.roll_shock) && isfinite(r.concentration)))
        return MGN_ERANGE;
    *out = r;
    return MGN_OK;
}

int mgn_pm_margin(const mgn_market *mkt, const mgn_pm_params *params, size_t n_mkt,
                  const mgn_position *pos, size_t n_pos, int currency, mgn_pm_result *out)
{
    return mgn_pm_margin_detail(mkt, params, n_mkt, pos, n_pos, currency, out, NULL, NULL);
}
