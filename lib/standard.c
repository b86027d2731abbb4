/* Standard (rule-based) margin: per position, and per account with recognised option
 * strategies (MARGIN-MODEL.md section 3; the rules are documented in include/margin.h).
 *
 * Sources of the presets (METHODS-REFERENCE.md):
 *   Deribit options (3.2): short call IM = max(0.15 - OTM/S, 0.1) + mark, MM = 0.075 +
 *     mark; short put IM = max(that, MM), MM = max(0.075, 0.075*mark) + mark; in coin
 *     for inverse options, the same shape *S in quote for linear ones (bit.com).
 *     Reproduced at doc.tslab.pro (Deribit margin requirements calculation).
 *   Deribit futures (3.3, "11 January 2022" notice): BTC IM = 2% + size_BTC * 0.005%,
 *     MM = 1% + size_BTC * 0.005%; ETH the same with 0.0004% per ETH.
 *   Binance USD(S)-M (3.6): MM = notional * MMR - cum, cum_n = floor_n (MMR_n - MMR_{n-1})
 *     + cum_{n-1}. The BTCUSDT bracket table is the snapshot of Binance's
 *     leverageBracket response kept in freqtrade's tests (freqtrade/freqtrade
 *     tests/conftest.py, fixture leverage_tiers, "BTC/USDT:USDT"); its cum column
 *     satisfies the recursion exactly (checked in tests/test_standard.c). IM rate =
 *     1 / max leverage of the bracket (the least IM the venue allows).
 *   OKX (3.5: tiers by position size, MMR of the tier): the ETH-USDT table is the
 *     position-tiers API response kept in freqtrade's tests (tests/exchange/test_okx.py,
 *     test_get_maintenance_ratio_and_amt_okx) [UNVERIFIED against OKX's live table].
 *   Cboe strategy-based (2.2): naked short = proceeds + max(20% U - OTM, 10% U (calls) or
 *     10% K (puts)); broad-based index 15%; long <= 9 months 100%, > 9 months 75%;
 *     spreads, straddles and covered calls as in the header. Delta-one positions in the
 *     Cboe presets stand in for the stock: Reg T 50% initial (Cboe Margin Manual) and
 *     25% maintenance (FINRA 4210(c) [UNVERIFIED: from memory]).
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include "standard.h"

/*---------------------------------------------------------------- preset tables */

static const mgn_std_tier tiers_flat_2_1[] = { { 0.0, 0.02, 0.01, 0.0 } };

/* Binance USD(S)-M BTCUSDT: floor (USDT), 1/max leverage, MMR, cum (USDT). */
static const mgn_std_tier tiers_binance_btcusdt[] = {
    { 0.0,         1.0 / 125, 0.004, 0.0 },
    { 50000.0,     1.0 / 100, 0.005, 50.0 },
    { 250000.0,    1.0 / 50,  0.01,  1300.0 },
    { 1000000.0,   1.0 / 20,  0.025, 16300.0 },
    { 7500000.0,   1.0 / 10,  0.05,  203800.0 },
    { 40000000.0,  1.0 / 5,   0.1,   2203800.0 },
    { 100000000.0, 1.0 / 4,   0.125, 4703800.0 },
    { 200000000.0, 1.0 / 3,   0.15,  9703800.0 },
    { 400000000.0, 1.0 / 2,   0.25,  49703800.0 },
    { 600000000.0, 1.0 / 1,   0.5,   199703800.0 },
};

/* OKX ETH-USDT swap: floor (contracts, minSz), imr, mmr; the tier's rate applies to the
   whole position (no maintenance amount). [UNVERIFIED] */
static const mgn_std_tier tiers_okx_ethusdt[] = {
    { 0.0,    0.013, 0.01,  0.0 },
    { 2001.0, 0.02,  0.015, 0.0 },
    { 4001.0, 0.05,  0.02,  0.0 },
};

/* Reg T 50% initial, 25% maintenance for the delta-one stand-in of the stock. */
static const mgn_std_tier tiers_regt[] = { { 0.0, 0.5, 0.25, 0.0 } };

#define NTIERS(a) (sizeof(a) / sizeof((a)[0]))

size_t mgn_sizeof_std_tier(void) { return sizeof(mgn_std_tier); }
size_t mgn_sizeof_std_params(void) { return sizeof(mgn_std_params); }

int mgn_std_preset(int preset, mgn_std_params *out)
{
    if (!out || out->struct_size != sizeof(mgn_std_params))
        return MGN_EINVAL;
    mgn_std_params p;
    memset(&p, 0, sizeof p);
    p.struct_size = sizeof p;
    /* MARGIN-MODEL defaults */
    p.im_base = 0.15;
    p.im_floor = 0.10;
    p.mm_base = 0.075;
    p.tier_basis = MGN_STD_TIER_UNITS;
    p.tiers = tiers_flat_2_1;
    p.n_tiers = 1;
    switch (preset) {
    case MGN_STD_PRESET_DEFAULT:
        break;
    case MGN_STD_PRESET_DERIBIT_BTC:
    case MGN_STD_PRESET_DERIBIT_ETH:
        p.mm_put_mark = 0.075;
        p.size_im = p.size_mm = preset == MGN_STD_PRESET_DERIBIT_BTC ? 0.00005 : 0.000004;
        break;
    case MGN_STD_PRESET_BINANCE_BTCUSDT:
        p.tier_basis = MGN_STD_TIER_QUOTE;
        p.tiers = tiers_binance_btcusdt;
        p.n_tiers = NTIERS(tiers_binance_btcusdt);
        break;
    case MGN_STD_PRESET_OKX_ETHUSDT:
        p.tier_basis = MGN_STD_TIER_CONTRACTS;
        p.tiers = tiers_okx_ethusdt;
        p.n_tiers = NTIERS(tiers_okx_ethusdt);
        break;
    case MGN_STD_PRESET_CBOE_EQUITY:
    case MGN_STD_PRESET_CBOE_BROAD_INDEX:
        p.im_base = preset == MGN_STD_PRESET_CBOE_EQUITY ? 0.20 : 0.15;
        p.im_floor = 0.10;
        p.mm_base = p.im_base;
        p.mm_otm = 1.0;
        p.mm_floor = 0.10;
        p.put_floor_on_strike = 1;
        p.long_im = p.long_mm = 1.0;
        p.long_dated_expiry = 0.75;
        p.long_dated_im = p.long_dated_mm = 0.75;
        p.strategies = MGN_STD_PAIR_ALL;
        p.tier_basis = MGN_STD_TIER_QUOTE;
        p.tiers = tiers_regt;
        p.n_tiers = 1;
        break;
    default:
        return MGN_EINVAL;
    }
    *out = p;
    return MGN_OK;
}

/*---------------------------------------------------------------- validation */

static int fin_nonneg(double x) { return isfinite(x) && x >= 0; }
static int frac01(double x) { return isfinite(x) && x >= 0 && x <= 1; }

/* MGN_OK, MGN_EINVAL or MGN_ERANGE for a rule set. */
static int params_check(const mgn_std_params *p)
{
    if (p->struct_size != sizeof(mgn_std_params))
        return MGN_EINVAL;
    if (!fin_nonneg(p->im_base) || !fin_nonneg(p->im_floor) || !fin_nonneg(p->mm_base)
        || !frac01(p->mm_otm) || !fin_nonneg(p->mm_floor) || !fin_nonneg(p->mm_put_mark)
        || !frac01(p->long_im) || !frac01(p->long_mm) || p->long_mm > p->long_im
        || !fin_nonneg(p->long_dated_expiry) || !frac01(p->long_dated_im)
        || !frac01(p->long_dated_mm) || p->long_dated_mm > p->long_dated_im
        || !fin_nonneg(p->size_im) || !fin_nonneg(p->size_mm))
        return MGN_EINVAL;
    if ((p->put_floor_on_strike != 0 && p->put_floor_on_strike != 1)
        || (p->strategies & ~MGN_STD_PAIR_ALL) != 0
        || (p->tier_basis != MGN_STD_TIER_QUOTE && p->tier_basis != MGN_STD_TIER_UNITS
            && p->tier_basis != MGN_STD_TIER_CONTRACTS)
        || p->reserved != 0)
        return MGN_EINVAL;
    if (p->n_tiers == 0 || p->n_tiers > MGN_STD_MAX_TIERS)
        return MGN_ERANGE;
    if (!p->tiers)
        return MGN_EINVAL;
    const mgn_std_tier *t = p->tiers;
    for (size_t i = 0; i < p->n_tiers; i++) {
        if (!fin_nonneg(t[i].floor) || !frac01(t[i].im_rate) || !frac01(t[i].mm_rate)
            || t[i].mm_rate > t[i].im_rate || !fin_nonneg(t[i].mm_amount))
            return MGN_EINVAL;
        double slack = 1e-9 * (t[i].floor * t[i].mm_rate + t[i].mm_amount);
        if (i == 0) {
            if (t[0].floor != 0 || t[0].mm_amount != 0)
                return MGN_EINVAL;
            continue;
        }
        if (!(t[i].floor > t[i - 1].floor) || t[i].im_rate < t[i - 1].im_rate
            || t[i].mm_rate < t[i - 1].mm_rate)
            return MGN_EINVAL;
        /* MM may not fall when the position crosses into tier i, nor be negative */
        double below = t[i].floor * t[i - 1].mm_rate - t[i - 1].mm_amount;
        double above = t[i].floor * t[i].mm_rate - t[i].mm_amount;
        if (above < below - slack || above < -slack)
            return MGN_EINVAL;
    }
    return MGN_OK;
}

static int market_ok(const mgn_market *m)
{
    return isfinite(m->spot) && m->spot > 0 && isfinite(m->rate) && isfinite(m->carry);
}

static int position_ok(const mgn_position *p, size_t n_mkt)
{
    if (p->reserved != 0 || p->underlying < 0 || (size_t)p->underlying >= n_mkt
        || (p->settlement != MGN_LINEAR && p->settlement != MGN_INVERSE)
        || !isfinite(p->quantity) || !isfinite(p->multiplier) || !(p->multiplier > 0)
        || !isfinite(p->quantity * p->multiplier))
        return 0;
    /* fields the instrument does not use must still be finite (as mgn_portfolio_check) */
    if (!(isfinite(p->strike) && isfinite(p->expiry) && isfinite(p->vol) && isfinite(p->entry_price)))
        return 0;
    switch (p->instrument) {
    case MGN_OPTION:
        return (p->option_type == MGN_CALL || p->option_type == MGN_PUT)
            && (p->exercise == MGN_EUROPEAN || p->exercise == MGN_AMERICAN)
            && isfinite(p->strike) && p->strike > 0 && fin_nonneg(p->expiry)
            && fin_nonneg(p->vol);
    case MGN_FUTURE:
        return fin_nonneg(p->expiry) && fin_nonneg(p->entry_price);
    case MGN_PERPETUAL:
        return fin_nonneg(p->entry_price);
    default:
        return 0;
    }
}

/* Rule set of underlying u: params is an array of n_params structs of
   params->struct_size bytes each (validated equal to sizeof). */
static const mgn_std_params *params_of(const mgn_std_params *params, size_t n_params, int u)
{
    return n_params == 1 ? params : params + u;
}

/*---------------------------------------------------------------- one position */

/* Per-position quantities the account function pairs with. Amounts per unit of
   underlying for options, in quote currency from leg_eval and in the result's
   currency once option_leg_to_currency has run; for futures the position's totals in
   its settlement currency. */
typedef struct {
    double units;   /* options: |q*mult|; futures: size U in underlying units */
    double im, mm;  /* options: per unit (above); futures: total, settlement currency */
    double mark;    /* options: V per unit, as im */
} leg;

void mgn__std_option_unit(const mgn_std_params *r, const mgn_position *p, double S, double V,
                          double *im, double *mm)
{
    double K = p->strike;
    if (p->quantity < 0) {
        int put = p->option_type == MGN_PUT;
        double otm = put ? S - K : K - S;
        if (otm < 0)
            otm = 0;
        double B = put && r->put_floor_on_strike ? K : S;
        double ci = r->im_base * S - otm, cf = r->im_floor * B;
        if (cf > ci) ci = cf;
        if (ci < 0) ci = 0;
        double cm = r->mm_base * S - r->mm_otm * otm, mf = r->mm_floor * B;
        if (mf > cm) cm = mf;
        if (put && r->mm_put_mark * V > cm) cm = r->mm_put_mark * V;
        if (cm < 0) cm = 0;
        *im = V + ci;
        *mm = V + cm;
        if (*mm > *im) *im = *mm;
    } else {
        int dated = r->long_dated_expiry > 0 && p->expiry > r->long_dated_expiry;
        *im = (dated ? r->long_dated_im : r->long_im) * V;
        *mm = (dated ? r->long_dated_mm : r->long_mm) * V;
    }
}

int mgn__std_delta_one(const mgn_std_params *r, const mgn_position *p, double P, double *im,
                       double *mm, double *units)
{
    double qm = fabs(p->quantity * p->multiplier);
    double N = p->settlement == MGN_LINEAR ? qm * P : qm;
    double U = N / P;
    double measure = r->tier_basis == MGN_STD_TIER_QUOTE ? N
                   : r->tier_basis == MGN_STD_TIER_UNITS ? U : fabs(p->quantity);
    if (!isfinite(P) || !(P > 0) || !isfinite(N) || !isfinite(U))
        return MGN_ERANGE;
    size_t k = 0;
    while (k + 1 < r->n_tiers && r->tiers[k + 1].floor <= measure)
        k++;
    const mgn_std_tier *t = &r->tiers[k];
    double amount = r->tier_basis == MGN_STD_TIER_UNITS ? t->mm_amount * P : t->mm_amount;
    double i = N * (t->im_rate + r->size_im * U);
    double m = N * (t->mm_rate + r->size_mm * U) - amount;
    if (m < 0) m = 0;
    if (m > i) i = m;
    if (p->settlement == MGN_INVERSE) {
        i /= P;
        m /= P;
    }
    *im = i;
    *mm = m;
    *units = U;
    return isfinite(i) && isfinite(m) ? MGN_OK : MGN_ERANGE;
}

/* Computes the leg of a valid position. MGN_OK or MGN_ERANGE (overflow). */
static int leg_eval(const mgn_market *m, const mgn_std_params *r, const mgn_position *p, leg *out)
{
    double S = m->spot;
    if (p->instrument == MGN_OPTION) {
        double V;
        if (p->exercise == MGN_AMERICAN) {
            int st = mgn_american_price((mgn_option_type)p->option_type, S, p->strike, p->expiry,
                                        m->rate, m->carry, p->vol, &V);
            if (st != MGN_OK)
                return st == MGN_EINVAL ? MGN_ERANGE : st;
        } else {
            V = mgn__bs_price(p->option_type, S, p->strike, p->expiry, m->rate, m->carry, p->vol);
        }
        if (!isfinite(V))
            return MGN_ERANGE;
        mgn__std_option_unit(r, p, S, V, &out->im, &out->mm);
        out->units = fabs(p->quantity * p->multiplier);
        out->mark = V;
        return isfinite(out->im) && isfinite(out->mm) ? MGN_OK : MGN_ERANGE;
    }
    double P = p->instrument == MGN_PERPETUAL ? S
             : S * exp(mgn__carry_exponent(m->rate, m->carry, p->expiry));
    out->mark = 0;
    return mgn__std_delta_one(r, p, P, &out->im, &out->mm, &out->units);
}

/* An option's quote amount, or a future's settlement amount, in the requested
   currency: coin of u to quote multiplies by S_u, quote to coin of v divides by S_v,
   in that order. A factor 1/S_v or S_u/S_v can be subnormal and would cost the
   figure its bits (the coin margin times S_v is the quote margin up to rounding). */
static double to_currency(const mgn_market *mkt, const mgn_position *p, int currency, double a)
{
    int coin = p->instrument != MGN_OPTION && p->settlement == MGN_INVERSE;
    if (currency == MGN_QUOTE)
        return coin ? a * mkt[p->underlying].spot : a;
    if (coin)
        return currency == p->underlying ? a : a * mkt[p->underlying].spot / mkt[currency].spot;
    return a / mkt[currency].spot;
}

/* An option leg's per-unit amounts in the requested currency. The account pairs and
   splits strategies in that currency: split in quote and converted after, a quote
   amount a few subnormal ulps large (a coin at 1e-323) came out one ulp above its
   legs' naked sum, which 1/S of the coin made a whole unit of it. */
static void option_leg_to_currency(const mgn_market *mkt, const mgn_position *p, int currency,
                                   leg *g)
{
    if (currency == MGN_QUOTE)       /* nothing to convert */
        return;
    g->im = to_currency(mkt, p, currency, g->im);
    g->mm = to_currency(mkt, p, currency, g->mm);
    g->mark = to_currency(mkt, p, currency, g->mark);
}

static int currency_ok(int currency, size_t n_mkt)
{
    return currency == MGN_QUOTE || (currency >= 0 && (size_t)currency < n_mkt);
}

int mgn_std_position_margin(const mgn_market *mkt, size_t n_mkt, const mgn_std_params *params,
                            const mgn_position *pos, int currency, double *im, double *mm)
{
    if (!mkt || !params || !pos || !im || !mm)
        return MGN_EINVAL;
    if (n_mkt == 0 || n_mkt > INT_MAX)
        return MGN_ERANGE;
    int st = params_check(params);
    if (st != MGN_OK)
        return st;
    for (size_t u = 0; u < n_mkt; u++)
        if (!market_ok(&mkt[u]))
            return MGN_EINVAL;
    if (!currency_ok(currency, n_mkt) || !position_ok(pos, n_mkt))
        return MGN_EINVAL;
    leg g;
    st = leg_eval(&mkt[pos->underlying], params, pos, &g);
    if (st != MGN_OK)
        return st;
    double a, b;
    if (pos->instrument == MGN_OPTION) {     /* per unit in the currency, as mgn_std_margin */
        option_leg_to_currency(mkt, pos, currency, &g);
        a = g.im * g.units;
        b = g.mm * g.units;
    } else {
        a = to_currency(mkt, pos, currency, g.im);
        b = to_currency(mkt, pos, currency, g.mm);
    }
    if (!isfinite(a) || !isfinite(b))
        return MGN_ERANGE;
    *im = a;
    *mm = b;
    return MGN_OK;
}

/*---------------------------------------------------------------- account */

/* One workspace slot per position. */
typedef struct {
    leg    g;
    double rem;          /* units not yet assigned to a strategy */
    double im, mm;       /* attributed totals, currency (options) / settlement (futures) */
    double best_units;   /* units of the largest strategy holding this position */
    double strike;       /* options: the strike in the result's currency (spreads) */
    int    strat, partner;
    int    order;        /* k-th entry: index of the k-th short option visited */
    int    pad;
} item;

int mgn_std_workspace_size(size_t n_pos, size_t *bytes)
{
    if (!bytes)
        return MGN_EINVAL;
    if (n_pos > INT_MAX || n_pos > SIZE_MAX / sizeof(item))
        return MGN_ERANGE;
    *bytes = n_pos * sizeof(item);
    return MGN_OK;
}

/* Heap sort of it[0..n).order by decreasing key (naked IM per unit), ties by index. */
static int before(const item *it, int a, int b)   /* a visited before b */
{
    double ka = it[a].g.im, kb = it[b].g.im;
    return ka > kb || (ka == kb && a < b);
}

static void sift(item *it, int start, int n)
{
    int root = start;
    for (;;) {
        int c = 2 * root + 1;
        if (c >= n)
            return;
        /* max-heap on "visited later" so that the sorted array is in visiting order */
        if (c + 1 < n && before(it, it[c].order, it[c + 1].order))
            c++;
        if (!before(it, it[root].order, it[c].order))
            return;
        int t = it[root].order; it[root].order = it[c].order; it[c].order = t;
        root = c;
    }
}

static void sort_order(item *it, int n)
{
    for (int s = n / 2 - 1; s >= 0; s--)
        sift(it, s, n);
    for (int e = n - 1; e > 0; e--) {
        int t = it[0].order; it[0].order = it[e].order; it[e].order = t;
        sift(it, 0, e);
    }
}

static int is_short_opt(const mgn_position *p) { return p->instrument == MGN_OPTION && p->quantity < 0; }
static int is_long_opt(const mgn_position *p) { return p->instrument == MGN_OPTION && p->quantity > 0; }

/* Records that units u of legs a and b form strategy kind with per-unit requirements
   rim, rmm (in the result's currency), split in proportion to the legs' naked
   requirements. Leg b may be a future (covered): its own margin is unchanged and it
   takes no share. */
static void form(item *it, int a, int b, int kind, double u, double rim, double rmm, int b_fut)
{
    double na = it[a].g.im, nb = b_fut ? 0 : it[b].g.im;
    double ma = it[a].g.mm, mb = b_fut ? 0 : it[b].g.mm;
    double sa = na + nb > 0 ? na / (na + nb) : 0.5, sm = ma + mb > 0 ? ma / (ma + mb) : 0.5;
    if (b_fut) sa = sm = 1;
    it[a].im += u * rim * sa;
    it[a].mm += u * rmm * sm;
    if (!b_fut) {
        it[b].im += u * rim * (1 - sa);
        it[b].mm += u * rmm * (1 - sm);
    }
    it[a].rem -= u;
    it[b].rem -= u;
    if (it[a].rem < 0) it[a].rem = 0;
    if (it[b].rem < 0) it[b].rem = 0;
    if (u > it[a].best_units) { it[a].best_units = u; it[a].strat = kind; it[a].partner = b; }
    if (u > it[b].best_units) { it[b].best_units = u; it[b].strat = kind; it[b].partner = a; }
}

static double dmin(double a, double b) { return a < b ? a : b; }

/* Spread requirement per unit (IM when mm == 0, else MM) of short s and long l, in the
   result's currency. */
static void spread_req(const item *it, const mgn_position *pos, int s, int l, double *rim,
                       double *rmm)
{
    double d = pos[s].option_type == MGN_CALL ? it[l].strike - it[s].strike
                                              : it[s].strike - it[l].strike;
    if (d < 0) d = 0;
    *rim = dmin(it[l].g.im + d, it[s].g.im + it[l].g.im);
    *rmm = dmin(dmin(it[l].g.mm + d, it[s].g.mm + it[l].g.mm), *rim);
}

static void straddle_req(const item *it, int c, int p, double *rim, double *rmm)
{
    double i = it[c].g.im >= it[p].g.im ? it[c].g.im + it[p].g.mark : it[p].g.im + it[c].g.mark;
    double m = it[c].g.mm >= it[p].g.mm ? it[c].g.mm + it[p].g.mark : it[p].g.mm + it[c].g.mark;
    *rim = dmin(i, it[c].g.im + it[p].g.im);
    *rmm = dmin(dmin(m, it[c].g.mm + it[p].g.mm), *rim);
}

static int same_book(const mgn_position *a, const mgn_position *b)
{
    return a->underlying == b->underlying && a->settlement == b->settlement;
}

int mgn_std_margin(const mgn_market *mkt, size_t n_mkt, const mgn_std_params *params,
                   size_t n_params, const mgn_position *pos, size_t n_pos, int currency,
                   void *work, size_t work_size, double *im, double *mm, double *pos_im,
                   double *pos_mm, int *pos_strategy, int *pos_partner)
{
    if (!mkt || !params || !im || !mm || (n_pos > 0 && (!pos || !work)))
        return MGN_EINVAL;
    if (n_mkt == 0 || n_mkt > INT_MAX || n_pos > INT_MAX)
        return MGN_ERANGE;
    if (n_params != 1 && n_params != n_mkt)
        return MGN_EINVAL;
    for (size_t k = 0; k < n_params; k++) {
        int st = params_check(&params[k]);
        if (st != MGN_OK)
            return st;
    }
    for (size_t u = 0; u < n_mkt; u++)
        if (!market_ok(&mkt[u]))
            return MGN_EINVAL;
    if (!currency_ok(currency, n_mkt))
        return MGN_EINVAL;
    for (size_t i = 0; i < n_pos; i++)
        if (!position_ok(&pos[i], n_mkt))
            return MGN_EINVAL;
    if (n_pos == 0) {
        *im = *mm = 0;
        return MGN_OK;
    }
    size_t need;
    mgn_std_workspace_size(n_pos, &need);
    if (work_size < need)
        return MGN_ENOMEM;
    if ((uintptr_t)work % sizeof(double) != 0)
        return MGN_EINVAL;
    item *it = (item *)work;
    int n = (int)n_pos, ns = 0, any_pairing = 0;

    for (int i = 0; i < n; i++) {
        const mgn_std_params *r = params_of(params, n_params, pos[i].underlying);
        int st = leg_eval(&mkt[pos[i].underlying], r, &pos[i], &it[i].g);
        if (st != MGN_OK)
            return st;
        it[i].strike = pos[i].strike;
        if (pos[i].instrument == MGN_OPTION) {
            option_leg_to_currency(mkt, &pos[i], currency, &it[i].g);
            it[i].strike = to_currency(mkt, &pos[i], currency, pos[i].strike);
        }
        it[i].rem = it[i].g.units;
        it[i].im = it[i].mm = 0;
        it[i].best_units = 0;
        it[i].strat = MGN_STD_NAKED;
        it[i].partner = -1;
        it[i].pad = 0;
        if (r->strategies)
            any_pairing = 1;
        if (is_short_opt(&pos[i]) && r->strategies)
            it[ns++].order = i;
    }

    if (any_pairing && ns > 0) {
        sort_order(it, ns);
        /* pass 1: covered calls and puts */
        for (int k = 0; k < ns; k++) {
            int s = it[k].order;
            if (!(params_of(params, n_params, pos[s].underlying)->strategies & MGN_STD_PAIR_COVERED))
                continue;
            double want = pos[s].option_type == MGN_CALL ? 1.0 : -1.0;
            for (int f = 0; f < n && it[s].rem > 0; f++) {
                if (pos[f].instrument == MGN_OPTION || !same_book(&pos[s], &pos[f])
                    || !(pos[f].quantity * want > 0) || !(it[f].rem > 0))
                    continue;
                form(it, s, f, MGN_STD_COVERED, dmin(it[s].rem, it[f].rem), 0, 0, 1);
            }
        }
        /* pass 2: vertical, calendar and diagonal spreads */
        for (int k = 0; k < ns; k++) {
            int s = it[k].order;
            if (!(params_of(params, n_params, pos[s].underlying)->strategies & MGN_STD_PAIR_SPREADS))
                continue;
            while (it[s].rem > 0) {
                int best = -1;
                double best_save = 0, bi = 0, bm = 0;
                for (int l = 0; l < n; l++) {
                    if (!is_long_opt(&pos[l]) || !(it[l].rem > 0) || !same_book(&pos[s], &pos[l])
                        || pos[l].option_type != pos[s].option_type
                        || pos[l].expiry < pos[s].expiry)
                        continue;
                    double ri, rm;
                    spread_req(it, pos, s, l, &ri, &rm);
                    double save = it[s].g.im + it[l].g.im - ri;
                    if (save > best_save) {
                        best_save = save; best = l; bi = ri; bm = rm;
                    }
                }
                if (best < 0)
                    break;
                int kind = pos[best].expiry == pos[s].expiry ? MGN_STD_VERTICAL
                         : pos[best].strike == pos[s].strike ? MGN_STD_CALENDAR : MGN_STD_DIAGONAL;
                form(it, s, best, kind, dmin(it[s].rem, it[best].rem), bi, bm, 0);
            }
        }
        /* pass 3: straddles and strangles (short call with short put) */
        for (int k = 0; k < ns; k++) {
            int c = it[k].order;
            if (pos[c].option_type != MGN_CALL
                || !(params_of(params, n_params, pos[c].underlying)->strategies & MGN_STD_PAIR_STRADDLES))
                continue;
            while (it[c].rem > 0) {
                int best = -1;
                double best_save = 0, bi = 0, bm = 0;
                for (int p = 0; p < n; p++) {
                    if (!is_short_opt(&pos[p]) || pos[p].option_type != MGN_PUT
                        || !(it[p].rem > 0) || !same_book(&pos[c], &pos[p]))
                        continue;
                    double ri, rm;
                    straddle_req(it, c, p, &ri, &rm);
                    double save = it[c].g.im + it[p].g.im - ri;
                    if (save > best_save) {
                        best_save = save; best = p; bi = ri; bm = rm;
                    }
                }
                if (best < 0)
                    break;
                int kind = pos[best].strike == pos[c].strike ? MGN_STD_STRADDLE : MGN_STD_STRANGLE;
                form(it, c, best, kind, dmin(it[c].rem, it[best].rem), bi, bm, 0);
            }
        }
    }

    /* naked remainders, conversion, totals */
    double tim = 0, tmm = 0;
    for (int i = 0; i < n; i++) {
        double a, b;
        if (pos[i].instrument == MGN_OPTION) {
            a = it[i].im + it[i].rem * it[i].g.im;     /* in the currency already */
            b = it[i].mm + it[i].rem * it[i].g.mm;
        } else {
            a = to_currency(mkt, &pos[i], currency, it[i].g.im);
            b = to_currency(mkt, &pos[i], currency, it[i].g.mm);
        }
        it[i].im = a;
        it[i].mm = b;
        tim += a;
        tmm += b;
    }
    if (!isfinite(tim) || !isfinite(tmm))
        return MGN_ERANGE;
    for (int i = 0; i < n; i++) {
        if (pos_im) pos_im[i] = it[i].im;
        if (pos_mm) pos_mm[i] = it[i].mm;
        if (pos_strategy) pos_strategy[i] = it[i].strat;
        if (pos_partner) pos_partner[i] = it[i].partner;
    }
    *im = tim;
    *mm = tmm > tim ? tim : tmm;
    return MGN_OK;
}
