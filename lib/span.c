/* SPAN-style scenario margin (MARGIN-MODEL.md section 4).
 *
 * Per underlying u (a combined commodity) the positions on u are valued in the 16
 * CME scenarios with the vector kernels of lib/scenario.c (chunks of MGN__CH
 * European options; American options and delta-one contracts one at a time), the
 * tiers' net deltas are accumulated in a fixed hash table (192 expiries; more are
 * handled by repeated passes over the positions, 64 expiries per pass), and only the
 * figures the inter-commodity step needs are kept per underlying: for every
 * underlying when the caller gives per_mkt, otherwise for the underlyings named in
 * pairs (at most MGN_SPAN_MAX_PAIRED of them, on the stack). Nothing is allocated.
 */
#include <stdint.h>
#include <string.h>
#include "portfolio.h"

#define NS MGN_SPAN_SCENARIOS
#define NTIER 192   /* distinct expiries per underlying held in the table */
#define NTAB 256
#define NPASS 64    /* expiries per pass beyond that */
#define MGN_SPAN_MAX_PAIRED 64

/* The 16 scenarios: price move = PSR * num / 3 (scenarios 15, 16: +/- X * PSR), vol
   move = vol_sign * VSR, weight 1 (extremes: the cover fraction). */
static const int price_num[14] = { 0, 0, 1, 1, -1, -1, 2, 2, -2, -2, 3, 3, -3, -3 };

static void span_scenarios(const mgn_span_params *p, double *dS, double *dv, double *w)
{
    for (int k = 0; k < 14; k++) {
        dS[k] = p->price_scan * price_num[k] / 3.0;
        dv[k] = k % 2 == 0 ? p->vol_scan : -p->vol_scan;
        w[k] = 1.0;
    }
    dS[14] = p->extreme_mult * p->price_scan;
    dS[15] = -(p->extreme_mult * p->price_scan);
    dv[14] = dv[15] = 0;
    w[14] = w[15] = p->extreme_cover;
}

static int params_ok(const mgn_span_params *p);

int mgn_span_scenario(const mgn_span_params *params, int k, double *price_move,
                      double *vol_move, double *weight)
{
    double dS[NS], dv[NS], w[NS];
    if (!params || !price_move || !vol_move || !weight || k < 0 || k >= NS || !params_ok(params))
        return MGN_EINVAL;
    span_scenarios(params, dS, dv, w);
    *price_move = dS[k];
    *vol_move = dv[k];
    *weight = w[k];
    return MGN_OK;
}

size_t mgn_sizeof_span_params(void) { return sizeof(mgn_span_params); }
size_t mgn_sizeof_span_pair(void) { return sizeof(mgn_span_pair); }
size_t mgn_sizeof_span_result(void) { return sizeof(mgn_span_result); }
size_t mgn_sizeof_span_underlying(void) { return sizeof(mgn_span_underlying); }

static int params_ok(const mgn_span_params *p)
{
    if (!(isfinite(p->price_scan) && p->price_scan >= 0 && isfinite(p->vol_scan) && p->vol_scan >= 0
          && isfinite(p->extreme_mult) && p->extreme_mult >= 0 && isfinite(p->extreme_cover)
          && p->extreme_cover >= 0 && p->extreme_cover <= 1 && isfinite(p->lookahead)
          && p->lookahead >= 0 && isfinite(p->som_rate) && p->som_rate >= 0
          && isfinite(p->intra_rate) && p->intra_rate >= 0))
        return 0;
    /* every scenario price must stay > 0 */
    double big = p->extreme_mult > 1 ? p->extreme_mult * p->price_scan : p->price_scan;
    return big < 1;
}

/* Conversion of a quote amount to the reporting currency in scenario k of u, whose
   price there is S_u * f (other coins at today's price). */
static double conv_scen(int currency, int u, const mgn_market *mkt, double f)
{
    if (currency == MGN_QUOTE)
        return 1.0;
    return currency == u ? 1.0 / (mkt[u].spot * f) : 1.0 / mkt[currency].spot;
}

/* Native amount (quote, or coin of u when inv) to the reporting currency today. */
static double conv_today(double a, int inv, int currency, int u, const mgn_market *mkt)
{
    if (inv) {
        if (currency == u)
            return a;
        a *= mkt[u].spot;
    }
    return currency == MGN_QUOTE ? a : a / mkt[currency].spot;
}

static double tier_key(const mgn_position *p)
{
    return p->instrument == MGN_PERPETUAL ? 0.0 : p->expiry;
}

/* Net delta per tier: open addressing on the bits of the expiry, at most NTIER
   distinct tiers (then `overflow` and the passes below take over). */
typedef struct {
    int n;
    int overflow;
    unsigned char used[NTAB];
    double key[NTAB], net[NTAB];
} tier_table;

static void tier_reset(tier_table *t)
{
    t->n = 0;
    t->overflow = 0;
    memset(t->used, 0, sizeof t->used);
}

static void tier_add(tier_table *t, double key, double delta)
{
    uint64_t b;
    key += 0.0;                                   /* -0 and +0: one tier */
    memcpy(&b, &key, sizeof b);
    size_t h = (size_t)((b * 0x9E3779B97F4A7C15ULL) >> 56) & (NTAB - 1);
    while (t->used[h]) {
        if (t->key[h] == key) {
            t->net[h] += delta;
            return;
        }
        h = (h + 1) & (NTAB - 1);
    }
    if (t->n == NTIER) {
        t->overflow = 1;
        return;
    }
    t->used[h] = 1;
    t->key[h] = key;
    t->net[h] = delta;
    t->n++;
}

/* Positive and negative sums of the tiers' net deltas of u when the table overflowed:
   passes over the positions, each taking the NPASS smallest expiries above the last. */
static int tiers_by_passes(const mgn_market *mkt, const mgn_position *pos, size_t n_pos,
                           int u, double *plus, double *minus)
{
    double lo = -1.0, keys[NPASS], nets[NPASS];
    *plus = *minus = 0;
    for (;;) {
        int nk = 0;
        for (size_t j = 0; j < n_pos; j++) {
            if (pos[j].underlying != u)
                continue;
            double k = tier_key(&pos[j]);
            if (!(k > lo))
                continue;
            int at = nk;                       /* insertion into the sorted keys */
            while (at > 0 && keys[at - 1] > k)
                at--;
            if (at > 0 && keys[at - 1] == k)
                continue;
            if (at == NPASS)
                continue;
            int last = nk < NPASS ? nk : NPASS - 1;
            for (int i = last; i > at; i--)
                keys[i] = keys[i - 1];
            keys[at] = k;
            if (nk < NPASS)
                nk++;
        }
        if (nk == 0)
            return MGN_OK;
        double hi = keys[nk - 1];
        for (int i = 0; i < nk; i++)
            nets[i] = 0;
        for (size_t j = 0; j < n_pos; j++) {
            if (pos[j].underlying != u)
                continue;
            double k = tier_key(&pos[j]);
            if (!(k > lo && k <= hi))
                continue;
            int a = 0, b = nk - 1;
            while (a < b) {
                int mid = (a + b) / 2;
                if (keys[mid] < k)
                    a = mid + 1;
                else
                    b = mid;
            }
            double d;
            int st = mgn__position_delta(&pos[j], &mkt[u], &d);
            if (st != MGN_OK)
                return st;
            nets[a] += d;
        }
        for (int i = 0; i < nk; i++) {
            if (nets[i] > 0)
                *plus += nets[i];
            else
                *minus -= nets[i];
        }
        lo = hi;
    }
}

/* Everything of one underlying except the inter-commodity credit. */
static int span_underlying(const mgn_market *mkt, const mgn_span_params *prm, int u,
                           const mgn_position *pos, size_t n_pos, int currency,
                           mgn_span_underlying *o, double *risk)
{
    double dS[NS], dv[NS], w[NS], f[NS], lf[NS], conv[NS], sums[NS];
    span_scenarios(prm, dS, dv, w);
    for (int k = 0; k < NS; k++) {
        f[k] = 1 + dS[k];
        /* kept apart from the weight: their product can be deep in the subnormals
           (a coin priced near DBL_MAX), so amounts take the weight first */
        conv[k] = conv_scen(currency, u, mkt, f[k]);
        sums[k] = 0;
    }
    mgn__log_moves(NS, f, lf);
    const mgn_market *m = &mkt[u];
    double dt = prm->lookahead;
    double short_call = 0, short_put = 0, nov = 0;
    int npos = 0, st;
    tier_table tiers;
    tier_reset(&tiers);

    mgn__chunk c;
    mgn__price_block blk;
    double sig_up[MGN__CH], sig_dn[MGN__CH];
    size_t next = 0;
    for (;;) {
        mgn__chunk_reset(&c);
        /* Collect up to a chunk of European options; value the rest on the way. */
        for (; next < n_pos && c.n < MGN__CH; next++) {
            const mgn_position *p = &pos[next];
            if (p->underlying != u)
                continue;
            npos++;
            double qm = p->quantity * p->multiplier;
            int inv = p->settlement == MGN_INVERSE;
            if (p->instrument == MGN_OPTION) {
                if (qm < 0 && p->option_type == MGN_CALL)
                    short_call -= qm;
                else if (qm < 0)
                    short_put -= qm;
            }
            if (p->instrument == MGN_OPTION && p->exercise == MGN_EUROPEAN) {
                mgn__chunk_add(&c, next, p, m, dt);
                continue;
            }
            double v0, v1, d, T1 = p->expiry > dt ? p->expiry - dt : 0.0;
            if ((st = mgn__unit_value(p, m, m->spot, p->vol, p->expiry, &v0)) != MGN_OK
                || (st = mgn__position_delta(p, m, &d)) != MGN_OK)
                return st;
            if (p->instrument == MGN_OPTION)
                nov += conv_today(qm * v0, inv, currency, u, mkt);
            tier_add(&tiers, tier_key(p), d);
            for (int k = 0; k < NS; k++) {
                double S1 = m->spot * f[k];
                if ((st = mgn__unit_value(p, m, S1, mgn__shock_vol(p->vol, dv[k]), T1, &v1)) != MGN_OK)
                    return st;
                double loss = -(qm * (v1 - v0) * (inv ? S1 : 1.0)) * w[k] * conv[k];
                sums[k] += loss;
                if (risk)
                    risk[next * NS + (size_t)k] = loss;
            }
        }
        if (c.n == 0)
            break;
        if ((st = mgn__chunk_prepare(&c)) != MGN_OK)
            return st;
        for (size_t i = 0; i < c.n; i++) {
            tier_add(&tiers, c.T[i], c.coef[i] * c.delta[i]);
            nov += conv_today(c.coef[i] * c.base[i], c.inv[i] != 0, currency, u, mkt);
        }
        mgn__chunk_vols(&c, prm->vol_scan, sig_up);
        mgn__chunk_vols(&c, -prm->vol_scan, sig_dn);
        for (int k = 0; k < NS; k += MGN__SB) {      /* a block of scenarios at a time */
            int nb = NS - k < MGN__SB ? NS - k : MGN__SB;
            double sb[MGN__SB];
            /* the sum the same way with or without risk arrays: the same margin bits */
            if ((st = mgn__block_losses(&c, &blk, (size_t)nb, f + k, lf + k, dv + k, sig_up,
                                        sig_dn, sb)) != MGN_OK)
                return st;
            for (int j = 0; j < nb; j++) {
                double wk = w[k + j], ck = conv[k + j];
                sums[k + j] += sb[j] * wk * ck;
                if (risk)
                    for (size_t i = 0; i < c.n; i++)
                        risk[c.idx[i] * NS + (size_t)(k + j)] = -blk.price[j][i] * wk * ck;
            }
        }
    }

    double scan = 0;
    int bind = -1;
    for (int k = 0; k < NS; k++) {
        o->scenario_loss[k] = sums[k];
        if (sums[k] > scan) {
            scan = sums[k];
            bind = k;
        }
    }
    double plus = 0, minus = 0;
    if (tiers.overflow) {
        if ((st = tiers_by_passes(mkt, pos, n_pos, u, &plus, &minus)) != MGN_OK)
            return st;
    } else {
        for (int i = 0; i < NTAB; i++) {
            if (!tiers.used[i])
                continue;
            if (tiers.net[i] > 0)
                plus += tiers.net[i];
            else
                minus -= tiers.net[i];
        }
    }
    double offset = plus < minus ? plus : minus;
    double toc = currency == MGN_QUOTE ? 1.0 : 1.0 / mkt[currency].spot;
    o->scan_risk = scan;
    o->scan_scenario = bind;
    o->n_positions = npos;
    o->net_delta = plus - minus;
    o->spread_delta = offset;
    o->intra_charge = prm->intra_rate * m->spot * offset * toc;
    double units = short_call > short_put ? short_call : short_put;
    o->short_option_min = prm->som_rate * m->spot * units * toc;
    o->net_option_value = nov;
    o->weighted_price_risk = o->net_delta != 0 ? scan / fabs(o->net_delta) : 0.0;
    o->remaining_delta = o->net_delta;
    o->inter_credit = 0;
    o->requirement = 0;
    /* The totals' check misses a NaN scenario loss (a scenario's conversion factor
       overflowing times a zero P&L, say: the maximum skips it) and the figures that
       only the breakdown reports. */
    for (int k = 0; k < NS; k++)
        if (!isfinite(sums[k]))
            return MGN_ERANGE;
    if (!(isfinite(o->net_delta) && isfinite(o->spread_delta) && isfinite(o->weighted_price_risk)))
        return MGN_ERANGE;
    return MGN_OK;
}

static void finish_underlying(mgn_span_underlying *o)
{
    /* The pairs use up at most |D_u| of delta, so the credits sum to at most
       max(credit_rate) scan_u <= scan_u. Rounding can carry the sum an ulp or two past
       that, and a WPR in the subnormal range (a scan risk next to 0 over a net delta
       above 1) is rounded to a multiple of the smallest subnormal, by a third of
       itself and more: the bound is kept here, as the header promises. */
    if (o->inter_credit > o->scan_risk)
        o->inter_credit = o->scan_risk;
    double a = o->scan_risk + o->intra_charge - o->inter_credit;
    o->requirement = a > o->short_option_min ? a : o->short_option_min;
}

static void add_total(mgn_span_result *r, const mgn_span_underlying *o)
{
    r->requirement += o->requirement;
    r->scan_risk += o->scan_risk;
    r->intra_charge += o->intra_charge;
    r->inter_credit += o->inter_credit;
    r->short_option_min += o->short_option_min;
    r->net_option_value += o->net_option_value;
}

static int finite_result(const mgn_span_result *r)
{
    return isfinite(r->requirement) && isfinite(r->scan_risk) && isfinite(r->intra_charge)
        && isfinite(r->inter_credit) && isfinite(r->short_option_min)
        && isfinite(r->net_option_value);
}

static int in_pairs(const mgn_span_pair *pairs, size_t n_pairs, int u)
{
    for (size_t k = 0; k < n_pairs; k++)
        if (pairs[k].a == u || pairs[k].b == u)
            return 1;
    return 0;
}

/* The pairs, in order (MARGIN-MODEL.md section 4). */
static void apply_pair(const mgn_span_pair *pr, mgn_span_underlying *A, mgn_span_underlying *B)
{
    double Ra = A->remaining_delta, Rb = B->remaining_delta;
    if (!((Ra > 0 && Rb < 0) || (Ra < 0 && Rb > 0)))
        return;
    double na = fabs(Ra) / pr->delta_a, nb = fabs(Rb) / pr->delta_b;
    double spreads = na < nb ? na : nb;
    A->inter_credit += pr->credit_rate * spreads * pr->delta_a * A->weighted_price_risk;
    B->inter_credit += pr->credit_rate * spreads * pr->delta_b * B->weighted_price_risk;
    /* the limiting leg is used up exactly */
    A->remaining_delta = na <= nb ? 0.0 : Ra - (Ra > 0 ? 1 : -1) * spreads * pr->delta_a;
    B->remaining_delta = nb <= na ? 0.0 : Rb - (Rb > 0 ? 1 : -1) * spreads * pr->delta_b;
}

int mgn_span_margin_detail(const mgn_market *mkt, const mgn_span_params *params, size_t n_mkt,
                           const mgn_position *pos, size_t n_pos,
                           const mgn_span_pair *pairs, size_t n_pairs, int currency,
                           mgn_span_result *out, mgn_span_underlying *per_mkt, double *risk)
{
    int st;
    if (!out)
        return MGN_EINVAL;
    if ((st = mgn__check_markets(mkt, n_mkt)) != MGN_OK)
        return st;
    if (n_mkt > 0 && !params)
        return MGN_EINVAL;
    for (size_t u = 0; u < n_mkt; u++)
        if (!params_ok(&params[u]))
            return MGN_EINVAL;
    if (!mgn__currency_ok(currency, n_mkt))
        return MGN_EINVAL;
    if (risk && n_pos > SIZE_MAX / NS / sizeof(double))
        return MGN_ERANGE;
    if ((st = mgn__check_positions(pos, n_pos, n_mkt)) != MGN_OK)
        return st;
    if (n_pairs > 0 && !pairs)
        return MGN_EINVAL;
    for (size_t k = 0; k < n_pairs; k++) {
        const mgn_span_pair *pr = &pairs[k];
        if (pr->a < 0 || (size_t)pr->a >= n_mkt || pr->b < 0 || (size_t)pr->b >= n_mkt
            || pr->a == pr->b || !(isfinite(pr->delta_a) && pr->delta_a > 0)
            || !(isfinite(pr->delta_b) && pr->delta_b > 0)
            || !(isfinite(pr->credit_rate) && pr->credit_rate >= 0 && pr->credit_rate <= 1))
            return MGN_EINVAL;
    }

    /* Underlyings named in pairs keep their figures until the credits are known. */
    mgn_span_underlying slot[MGN_SPAN_MAX_PAIRED];
    int slot_u[MGN_SPAN_MAX_PAIRED];
    int n_slot = 0;
    if (!per_mkt) {
        for (size_t u = 0; u < n_mkt; u++)
            if (in_pairs(pairs, n_pairs, (int)u) && n_slot++ == MGN_SPAN_MAX_PAIRED)
                return MGN_ERANGE;
        n_slot = 0;
    }

    /* Without per_mkt nothing is written before success; with it, per_mkt and risk
       are the workspace and their contents are unspecified on failure. */
    mgn_span_result r = {0};
    mgn_span_underlying one;
    for (size_t u = 0; u < n_mkt; u++) {
        int paired = in_pairs(pairs, n_pairs, (int)u);
        /* cppcheck-suppress uninitvar ; span_underlying only writes *o (one is output space) */
        mgn_span_underlying *o = per_mkt ? &per_mkt[u] : paired ? &slot[n_slot] : &one;
        if (!per_mkt && paired)
            slot_u[n_slot++] = (int)u;
        if ((st = span_underlying(mkt, &params[u], (int)u, pos, n_pos, currency, o, risk)) != MGN_OK)
            return st;
        if (!paired) {
            finish_underlying(o);
            add_total(&r, o);
        }
    }
    for (size_t k = 0; k < n_pairs; k++) {
        mgn_span_underlying *A = NULL, *B = NULL;
        if (per_mkt) {
            A = &per_mkt[pairs[k].a];
            B = &per_mkt[pairs[k].b];
        } else {
            for (int i = 0; i < n_slot; i++) {
                if (slot_u[i] == pairs[k].a)
                    A = &slot[i];
                if (slot_u[i] == pairs[k].b)
                    B = &slot[i];
            }
        }
        apply_pair(&pairs[k], A, B);
    }
    for (size_t u = 0; u < n_mkt; u++) {
        if (!in_pairs(pairs, n_pairs, (int)u))
            continue;
        mgn_span_underlying *o = NULL;
        if (per_mkt)
            o = &per_mkt[u];
        else
            for (int i = 0; i < n_slot; i++)
                if (slot_u[i] == (int)u)
                    o = &slot[i];
        finish_underlying(o);
        add_total(&r, o);
    }
    if (!finite_result(&r))
        return MGN_ERANGE;
    *out = r;
    return MGN_OK;
}

int mgn_span_margin(const mgn_market *mkt, const mgn_span_params *params, size_t n_mkt,
                    const mgn_position *pos, size_t n_pos, const mgn_span_pair *pairs,
                    size_t n_pairs, int currency, mgn_span_result *out)
{
    return mgn_span_margin_detail(mkt, params, n_mkt, pos, n_pos, pairs, n_pairs, currency, out,
                                  NULL, NULL);
}
