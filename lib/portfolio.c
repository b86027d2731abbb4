/* Portfolio model: validation, mark-to-market value, net Greeks, struct sizes.
 *
 * Values and Greeks follow the unit values of lib/portfolio.h. Net Greeks of an
 * underlying are the derivatives of W_q, the value in quote currency of every
 * position on it (coin-settled ones converted at today's index price), and of
 * W_c = W_q / S, the same value in the coin of that underlying.
 */
#include "portfolio.h"

/*---------------------------------------------------------------- validation */

int mgn__check_markets(const mgn_market *mkt, size_t n_mkt)
{
    if (n_mkt > (size_t)INT_MAX)
        return MGN_ERANGE;
    if (n_mkt > 0 && !mkt)
        return MGN_EINVAL;
    for (size_t u = 0; u < n_mkt; u++) {
        const mgn_market *m = &mkt[u];
        if (!(isfinite(m->spot) && m->spot > 0 && isfinite(m->rate) && isfinite(m->carry)))
            return MGN_EINVAL;
    }
    return MGN_OK;
}

int mgn__check_position(const mgn_position *p, size_t n_mkt)
{
    if (p->reserved != 0)
        return MGN_EINVAL;
    if (p->instrument != MGN_OPTION && p->instrument != MGN_FUTURE && p->instrument != MGN_PERPETUAL)
        return MGN_EINVAL;
    if (p->settlement != MGN_LINEAR && p->settlement != MGN_INVERSE)
        return MGN_EINVAL;
    if (p->underlying < 0 || (size_t)p->underlying >= n_mkt)
        return MGN_EINVAL;
    if (!(isfinite(p->quantity) && isfinite(p->multiplier) && isfinite(p->strike)
          && isfinite(p->expiry) && isfinite(p->vol) && isfinite(p->entry_price)))
        return MGN_EINVAL;
    if (!(p->multiplier > 0) || p->expiry < 0 || p->vol < 0)
        return MGN_EINVAL;
    if (p->instrument == MGN_OPTION) {
        if (p->option_type != MGN_CALL && p->option_type != MGN_PUT)
            return MGN_EINVAL;
        if (p->exercise != MGN_EUROPEAN && p->exercise != MGN_AMERICAN)
            return MGN_EINVAL;
        if (!(p->strike > 0))
            return MGN_EINVAL;
    } else if (!(p->entry_price > 0)) {
        return MGN_EINVAL;
    }
    return MGN_OK;
}

int mgn__check_positions(const mgn_position *pos, size_t n_pos, size_t n_mkt)
{
    if (n_pos > 0 && !pos)
        return MGN_EINVAL;
    for (size_t i = 0; i < n_pos; i++)
        if (mgn__check_position(&pos[i], n_mkt) != MGN_OK)
            return MGN_EINVAL;
    return MGN_OK;
}

/*---------------------------------------------------------------- scalar valuation */

static double option_quote_value(const mgn_position *p, const mgn_market *m, double S,
                                 double sigma, double T, int *st)
{
    double v;
    *st = MGN_OK;
    if (p->exercise == MGN_AMERICAN && T > 0) {
        *st = mgn_american_price((mgn_option_type)p->option_type, S, p->strike, T, m->rate,
                                 m->carry, sigma, &v);
        /* a valid position: only a scenario's vol shock overflowing to inf is invalid */
        if (*st == MGN_EINVAL)
            *st = MGN_ERANGE;
        return v;
    }
    v = mgn__bs_price(p->option_type, S, p->strike, T, m->rate, m->carry, sigma);
    if (!isfinite(v))
        *st = MGN_ERANGE;
    return v;
}

int mgn__unit_value(const mgn_position *p, const mgn_market *m, double S, double sigma,
                    double T, double *out)
{
    int st = MGN_OK;
    double v;
    int inv = p->settlement == MGN_INVERSE;
    if (p->instrument == MGN_OPTION) {
        v = option_quote_value(p, m, S, sigma, T, &st);
        if (st != MGN_OK)
            return st;
        if (inv)
            v /= S;
    } else {
        double F = p->instrument == MGN_FUTURE
                 ? S * exp(mgn__carry_exponent(m->rate, m->carry, T)) : S;
        v = inv ? 1.0 / p->entry_price - 1.0 / F : F - p->entry_price;
    }
    if (!isfinite(v))
        return MGN_ERANGE;
    *out = v;
    return MGN_OK;
}

/* Quote value W_q of one unit as a function of S (inverse: unit value times S). */
static int unit_quote(const mgn_position *p, const mgn_market *m, double S, double sigma,
                      double T, double *w)
{
    double v;
    int st = mgn__unit_value(p, m, S, sigma, T, &v);
    if (st != MGN_OK)
        return st;
    *w = p->settlement == MGN_INVERSE ? v * S : v;
    return MGN_OK;
}

/* Quote-terms Greeks per unit (value, delta, gamma, vega, theta) of a valid position. */
typedef struct { double value, delta, gamma, vega, theta; } unit_greeks;

static int american_greeks(const mgn_position *p, const mgn_market *m, unit_greeks *g)
{
    double S = m->spot, sig = p->vol, T = p->expiry;
    double v0, vu, vd;
    int st;
    if ((st = unit_quote(p, m, S, sig, T, &v0)) != MGN_OK)
        return st;
    g->value = v0;
    if (T == 0) {                       /* the payoff itself: API-CORE convention */
        double th = p->option_type == MGN_CALL ? 1.0 : -1.0, x = th * (S - p->strike);
        g->delta = S == p->strike ? 0.5 * th : (x > 0 ? th : 0.0);
        g->gamma = g->vega = g->theta = 0;
        return MGN_OK;
    }
    /* Central differences; steps balance truncation against the pricer's 1e-6
       relative accuracy (the pricer's error is smooth in its inputs, but where a step
       crosses one of its scheme switches (lib/american.c, choose_scheme): the value
       then moves by up to that accuracy, and the difference quotient by that over
       the step). */
    double hS = 1e-3 * S;
    if (!isfinite(S + hS))
        return MGN_ERANGE;              /* the step overflows: no valid bumped input */
    if ((st = unit_quote(p, m, S + hS, sig, T, &vu)) != MGN_OK
        || (st = unit_quote(p, m, S - hS, sig, T, &vd)) != MGN_OK)
        return st;
    g->delta = (vu - vd) / (2 * hS);
    g->gamma = (vu - 2 * v0 + vd) / (hS * hS);
    /* An American value rises with sigma and with T: a bump that overflows is the
       upper one in practice; the lower one keeps its check in the same condition. */
    double hv = 1e-3;
    int two_sided_v = sig >= hv;
    if ((st = unit_quote(p, m, S, sig + hv, T, &vu)) != MGN_OK
        || (two_sided_v && (st = unit_quote(p, m, S, sig - hv, T, &vd)) != MGN_OK))
        return st;
    g->vega = two_sided_v ? (vu - vd) / (2 * hv) : (vu - v0) / hv;
    double hT = 1e-3 * T > 1e-6 ? 1e-3 * T : (T < 1e-6 ? T : 1e-6);
    int two_sided_t = isfinite(T + hT);     /* else T near DBL_MAX: one-sided */
    if ((st = unit_quote(p, m, S, sig, T - hT, &vd)) != MGN_OK
        || (two_sided_t && (st = unit_quote(p, m, S, sig, T + hT, &vu)) != MGN_OK))
        return st;
    g->theta = two_sided_t ? -(vu - vd) / (2 * hT) : -(v0 - vd) / hT;
    return MGN_OK;
}

static int unit_greeks_of(const mgn_position *p, const mgn_market *m, unit_greeks *g)
{
    double S = m->spot, b = m->rate - m->carry, T = p->expiry;
    int inv = p->settlement == MGN_INVERSE;
    if (p->instrument == MGN_OPTION) {
        if (p->exercise == MGN_AMERICAN)
            return american_greeks(p, m, g);
        mgn_greeks k;
        int st = mgn__bs_greeks(p->option_type, S, p->strike, T, m->rate, m->carry, p->vol, &k);
        if (st != MGN_OK)
            return st;
        /* inverse: W_q = (V/S) * S = V, the same Greeks */
        g->value = k.price;
        g->delta = k.delta;
        g->gamma = k.gamma;
        g->vega = k.vega;
        g->theta = k.theta;
        return MGN_OK;
    }
    double gT = p->instrument == MGN_FUTURE ? exp(mgn__carry_exponent(m->rate, m->carry, T)) : 1.0;
    double dbdT = p->instrument == MGN_FUTURE ? b : 0.0;   /* d ln F / dT */
    double E = p->entry_price;
    g->gamma = g->vega = 0;
    if (!inv) {                         /* W = S g - E */
        g->value = S * gT - E;
        g->delta = gT;
        g->theta = -S * gT * dbdT;
    } else {                            /* W = (1/E - 1/(S g)) S = S/E - 1/g */
        g->value = S / E - 1.0 / gT;
        g->delta = 1.0 / E;
        g->theta = -dbdT / gT;
    }
    if (!(isfinite(g->value) && isfinite(g->theta)))
        return MGN_ERANGE;
    return MGN_OK;
}

double mgn__euro_delta(double th, double S, double K, double T, double r, double q,
                      double sigma)
{
    if (T == 0)
        return S == K ? 0.5 * th : (th * (S - K) > 0 ? th : 0.0);
    /* mgn__log_ratio, not log(S / K): the ratio itself overflows for a strike next to
       0 (a subnormal one) against a large spot, and a log of inf would put an option
       whose forward is 0 deep in the money */
    const double s = sigma * sqrt(T), x = mgn__log_ratio(S, K) + mgn__carry_exponent(r, q, T);
    const double eq = exp(-q * T);
    if (s == 0)
        return th * x > 0 ? th * eq : 0.0;
    return th * eq * mgn__norm_cdf(th * (x / s + 0.5 * s));
}

int mgn__position_delta(const mgn_position *p, const mgn_market *m, double *delta)
{
    double qm = p->quantity * p->multiplier, d;
    if (p->instrument != MGN_OPTION && p->settlement == MGN_INVERSE) {
        d = qm / m->spot;
    } else if (p->instrument == MGN_OPTION && p->exercise == MGN_EUROPEAN) {
        d = qm * mgn__euro_delta(p->option_type == MGN_CALL ? 1 : -1, m->spot, p->strike,
                                 p->expiry, m->rate, m->carry, p->vol);
    } else {
        unit_greeks g;
        int st = unit_greeks_of(p, m, &g);
        if (st != MGN_OK)
            return st;
        d = qm * g.delta;
    }
    if (!isfinite(d))
        return MGN_ERANGE;
    *delta = d;
    return MGN_OK;
}

/*---------------------------------------------------------------- public */

size_t mgn_sizeof_market(void) { return sizeof(mgn_market); }
size_t mgn_sizeof_position(void) { return sizeof(mgn_position); }
size_t mgn_sizeof_shock(void) { return sizeof(mgn_shock); }
size_t mgn_sizeof_net_greeks(void) { return sizeof(mgn_net_greeks); }

int mgn_portfolio_check(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                       size_t n_pos, size_t *first_bad)
{
    int st = mgn__check_markets(mkt, n_mkt);
    if (st != MGN_OK)
        return st;
    if (n_pos > 0 && !pos)
        return MGN_EINVAL;
    for (size_t i = 0; i < n_pos; i++)
        if (mgn__check_position(&pos[i], n_mkt) != MGN_OK) {
            if (first_bad)
                *first_bad = i;
            return MGN_EINVAL;
        }
    return MGN_OK;
}

int mgn_portfolio_value(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                        size_t n_pos, int currency, double *value)
{
    int st;
    if (!value)
        return MGN_EINVAL;
    if ((st = mgn__check_markets(mkt, n_mkt)) != MGN_OK)
        return st;
    if (!mgn__currency_ok(currency, n_mkt))
        return MGN_EINVAL;
    if ((st = mgn__check_positions(pos, n_pos, n_mkt)) != MGN_OK)
        return st;
    double quote = 0, coin = 0;   /* coin: inverse positions on the reporting coin */
    for (size_t i = 0; i < n_pos; i++) {
        const mgn_position *p = &pos[i];
        const mgn_market *m = &mkt[p->underlying];
        double v;
        if ((st = mgn__unit_value(p, m, m->spot, p->vol, p->expiry, &v)) != MGN_OK)
            return st;
        double a = p->quantity * p->multiplier * v;
        if (p->settlement == MGN_INVERSE) {
            if (p->underlying == currency)
                coin += a;
            else
                quote += a * m->spot;
        } else {
            quote += a;
        }
    }
    double total = currency == MGN_QUOTE ? quote : coin + quote / mkt[currency].spot;
    if (!isfinite(total))
        return MGN_ERANGE;
    *value = total;
    return MGN_OK;
}

static void add_greeks(mgn_net_greeks *o, const unit_greeks *g, double qm, double S)
{
    double w = qm * g->value, d = qm * g->delta, ga = qm * g->gamma;
    double vc = w / S, dc = (d - vc) / S;
    o->value += w;
    o->delta += d;
    o->gamma += ga;
    o->vega += qm * g->vega;
    o->theta += qm * g->theta;
    o->value_coin += vc;
    o->delta_coin += dc;
    o->gamma_coin += (ga - 2 * dc) / S;
    o->vega_coin += qm * g->vega / S;
    o->theta_coin += qm * g->theta / S;
}

static int greeks_finite(const mgn_net_greeks *o)
{
    return isfinite(o->value) && isfinite(o->delta) && isfinite(o->gamma) && isfinite(o->vega)
        && isfinite(o->theta) && isfinite(o->value_coin) && isfinite(o->delta_coin)
        && isfinite(o->gamma_coin) && isfinite(o->vega_coin) && isfinite(o->theta_coin);
}

int mgn_position_greeks(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                        mgn_net_greeks *out)
{
    int st;
    if (!pos || !out)
        return MGN_EINVAL;
    if ((st = mgn__check_markets(mkt, n_mkt)) != MGN_OK)
        return st;
    if (mgn__check_position(pos, n_mkt) != MGN_OK)
        return MGN_EINVAL;
    const mgn_market *m = &mkt[pos->underlying];
    unit_greeks g;
    if ((st = unit_greeks_of(pos, m, &g)) != MGN_OK)
        return st;
    mgn_net_greeks o = {0};
    add_greeks(&o, &g, pos->quantity * pos->multiplier, m->spot);
    if (!greeks_finite(&o))
        return MGN_ERANGE;
    *out = o;
    return MGN_OK;
}

/* Net Greeks of underlyings u0..u0+nb-1 into acc[0..nb). */
static int accumulate(const mgn_market *mkt, const mgn_position *pos, size_t n_pos, size_t u0,
                      size_t nb, mgn_net_greeks *acc)
{
    for (size_t k = 0; k < nb; k++)
        acc[k] = (mgn_net_greeks){0};
    for (size_t i = 0; i < n_pos; i++) {
        size_t u = (size_t)pos[i].underlying;
        if (u < u0 || u >= u0 + nb)
            continue;
        unit_greeks g;
        int st = unit_greeks_of(&pos[i], &mkt[u], &g);
        if (st != MGN_OK)
            return st;
        add_greeks(&acc[u - u0], &g, pos[i].quantity * pos[i].multiplier, mkt[u].spot);
    }
    for (size_t k = 0; k < nb; k++)
        if (!greeks_finite(&acc[k]))
            return MGN_ERANGE;
    return MGN_OK;
}

int mgn_portfolio_greeks(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                         size_t n_pos, mgn_net_greeks *out)
{
    enum { BLK = 32 };
    mgn_net_greeks acc[BLK];
    int st;
    if ((st = mgn__check_markets(mkt, n_mkt)) != MGN_OK)
        return st;
    if (n_mkt > 0 && !out)
        return MGN_EINVAL;
    if ((st = mgn__check_positions(pos, n_pos, n_mkt)) != MGN_OK)
        return st;
    if (n_mkt <= BLK) {
        if ((st = accumulate(mkt, pos, n_pos, 0, n_mkt, acc)) != MGN_OK)
            return st;
        for (size_t k = 0; k < n_mkt; k++)
            out[k] = acc[k];
        return MGN_OK;
    }
    /* Many underlyings: a checking pass first, so that out is written only on
       success; the writing pass repeats the same sums in the same order. */
    for (size_t u0 = 0; u0 < n_mkt; u0 += BLK)
        if ((st = accumulate(mkt, pos, n_pos, u0, n_mkt - u0 < BLK ? n_mkt - u0 : BLK, acc)) != MGN_OK)
            return st;
    for (size_t u0 = 0; u0 < n_mkt; u0 += BLK) {
        size_t nb = n_mkt - u0;
        if (nb > BLK)
            nb = BLK;
        accumulate(mkt, pos, n_pos, u0, nb, acc);
        for (size_t k = 0; k < nb; k++)
            out[u0 + k] = acc[k];
    }
    return MGN_OK;
}
