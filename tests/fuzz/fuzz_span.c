/*
 * Fuzz target: SPAN-style margin: mgn_span_scenario, mgn_span_margin,
 * mgn_span_margin_detail, on a decoded book (fuzz_portfolio_book.h) of up to 4
 * markets and 16 positions, one mgn_span_params per market and up to 6 pairs, every
 * field decoded (plausible, or hostile now and then).
 * Contract checked:
 *   - documented status: MGN_EINVAL exactly when the header's validation rules
 *     (restated here) reject an argument; MGN_OK gives a finite result whose margins
 *     are >= 0; a failure leaves *out untouched; same bits on a second call;
 *   - mgn_span_scenario: MGN_OK exactly for valid params and k in 0..15, with the
 *     documented move, vol move and weight; untouched outputs on failure;
 *   - mgn_span_margin_detail (per_mkt and risk each present or NULL) gives the bits
 *     of mgn_span_margin's result; per underlying: every figure finite, scan_risk the
 *     floored maximum of scenario_loss with its first binding scenario,
 *     requirement = max(scan + intra - credit, som), credit <= scan, the remaining
 *     delta no larger than the net delta and of its sign, weighted_price_risk =
 *     scan / |net delta|, n_positions; totals the sums over underlyings; the risk
 *     arrays sum to scenario_loss; a position's risk array is -weight times its P&L
 *     from mgn_scenario_pnl_matrix in the same scenarios (only u moving), and the net
 *     delta the sum of the positions' deltas (mgn_position_greeks);
 *   - NULL pointers with nonzero counts are MGN_EINVAL; n_mkt > INT_MAX is
 *     MGN_ERANGE, and n_pos * 16 doubles overflowing is MGN_ERANGE with risk given.
 */
#include "fuzz_portfolio_book.h"

#define MAX_PAIRS 6
#define NS MGN_SPAN_SCENARIOS

typedef struct span_case {
    fb_book b;
    mgn_span_params prm[FB_MAX_MKT];
    mgn_span_pair pairs[MAX_PAIRS];
    size_t n_pairs;
    int currency;
} span_case;

static const int price_num[14] = { 0, 0, 1, 1, -1, -1, 2, 2, -2, -2, 3, 3, -3, -3 };

static int params_valid(const mgn_span_params *p)
{
    const double f[7] = { p->price_scan, p->vol_scan, p->extreme_mult, p->extreme_cover,
                          p->lookahead, p->som_rate, p->intra_rate };
    for (int i = 0; i < 7; i++)
        if (!(isfinite(f[i]) && f[i] >= 0))
            return 0;
    return p->extreme_cover <= 1 && fmax(1.0, p->extreme_mult) * p->price_scan < 1;
}

static int pairs_valid(const span_case *c)
{
    for (size_t k = 0; k < c->n_pairs; k++) {
        const mgn_span_pair *p = &c->pairs[k];
        if (p->a < 0 || (size_t)p->a >= c->b.n_mkt || p->b < 0 || (size_t)p->b >= c->b.n_mkt
            || p->a == p->b || !(isfinite(p->delta_a) && p->delta_a > 0)
            || !(isfinite(p->delta_b) && p->delta_b > 0)
            || !(isfinite(p->credit_rate) && p->credit_rate >= 0 && p->credit_rate <= 1))
            return 0;
    }
    return 1;
}

static int case_valid(const span_case *c)
{
    for (size_t u = 0; u < c->b.n_mkt; u++)
        if (!params_valid(&c->prm[u]))
            return 0;
    return fb_book_valid(&c->b) && fb_currency_valid(c->currency, c->b.n_mkt) && pairs_valid(c);
}

static int result_ok(const mgn_span_result *r)
{
    return FZ_STRUCT_FINITE(*r) && r->requirement >= 0 && r->scan_risk >= 0
        && r->intra_charge >= 0 && r->inter_credit >= 0 && r->short_option_min >= 0;
}

static int in_pairs(const span_case *c, int u)
{
    for (size_t k = 0; k < c->n_pairs; k++)
        if (c->pairs[k].a == u || c->pairs[k].b == u)
            return 1;
    return 0;
}

/* Factor of a quote amount's conversion to the reporting currency in a scenario of u
   with relative move dS (as the header states). */
static double conv_factor(const span_case *c, size_t u, double dS)
{
    if (c->currency == MGN_QUOTE)
        return 1.0;
    if ((size_t)c->currency == u)
        return 1.0 / (c->b.mkt[u].spot * (1 + dS));
    return 1.0 / c->b.mkt[c->currency].spot;
}

/* A quote amount (weighted or not) below DBL_MIN is rounded to 2^-1074, an absolute
   error the conversion to a coin scales by its factor cf: n such roundings. */
static double subnormal_slack(double cf, double n)
{
    return n * 4.9406564584124654e-324 * cf;
}

/* |a - b| within n roundings of the magnitude m. */
static int close_to(double a, double b, double m, double n)
{
    return fabs(a - b) <= n * DBL_EPSILON * m + 1e-300;
}

static void check_scenario_fn(fz_in *in, const span_case *c)
{
    const mgn_span_params *p = &c->prm[0];
    int k = fz_int(in, 0, NS - 1);
    double dS, dv, w;
    FZ_FILL(&dS, sizeof dS);
    FZ_FILL(&dv, sizeof dv);
    FZ_FILL(&w, sizeof w);
    int st = mgn_span_scenario(p, k, &dS, &dv, &w);
    int valid = params_valid(p) && k >= 0 && k < NS;
    FZ_ASSERT(st == (valid ? MGN_OK : MGN_EINVAL));
    if (st != MGN_OK) {
        FZ_ASSERT(fb_untouched(&dS, sizeof dS) && fb_untouched(&dv, sizeof dv)
                  && fb_untouched(&w, sizeof w));
    } else {
        FZ_ASSERT(isfinite(dS) && isfinite(dv) && isfinite(w) && dS > -1);
        if (k < 14) {
            FZ_ASSERT(dS == p->price_scan * price_num[k] / 3.0);
            FZ_ASSERT(dv == (k % 2 == 0 ? p->vol_scan : -p->vol_scan) && w == 1);
        } else {
            double x = p->extreme_mult * p->price_scan;
            FZ_ASSERT(dS == (k == 14 ? x : -x) && dv == 0 && w == p->extreme_cover);
        }
    }
    int which = (int)(fz_u8(in) % 4u);
    if (which == 0)
        FZ_ASSERT(mgn_span_scenario(NULL, 0, &dS, &dv, &w) == MGN_EINVAL);
    if (which == 1)
        FZ_ASSERT(mgn_span_scenario(p, 0, NULL, &dv, &w) == MGN_EINVAL);
    if (which == 2)
        FZ_ASSERT(mgn_span_scenario(p, 0, &dS, NULL, &w) == MGN_EINVAL);
    if (which == 3)
        FZ_ASSERT(mgn_span_scenario(p, 0, &dS, &dv, NULL) == MGN_EINVAL);
}

/* Figures of one underlying against each other and against independent calls. */
static void check_underlying(const span_case *c, size_t u, const mgn_span_underlying *o,
                             const double *risk, int cross)
{
    const fb_book *b = &c->b;
    const double f[10] = { o->requirement, o->scan_risk, o->intra_charge, o->inter_credit,
                           o->short_option_min, o->net_option_value, o->net_delta,
                           o->spread_delta, o->weighted_price_risk, o->remaining_delta };
    for (int k = 0; k < 10; k++)
        if (!isfinite(f[k]))
            FZ_LOG("underlying %zu: figure %d not finite: %g\n", u, k, f[k]);
    FZ_ASSERT(fz_all_finite(f, 10) && fz_all_finite(o->scenario_loss, NS));
    FZ_ASSERT(o->scan_risk >= 0 && o->intra_charge >= 0 && o->inter_credit >= 0
              && o->short_option_min >= 0 && o->spread_delta >= 0 && o->requirement >= 0);
    /* scan risk and its scenario */
    double scan = 0;
    int bind = -1;
    for (int k = 0; k < NS; k++)
        if (o->scenario_loss[k] > scan) {
            scan = o->scenario_loss[k];
            bind = k;
        }
    FZ_ASSERT(o->scan_risk == scan && o->scan_scenario == bind);
    double a = o->scan_risk + o->intra_charge - o->inter_credit;
    FZ_ASSERT(o->requirement == (a > o->short_option_min ? a : o->short_option_min));
    FZ_ASSERT(o->inter_credit <= o->scan_risk);        /* exactly: the header's promise */
    FZ_ASSERT(o->weighted_price_risk == (o->net_delta != 0 ? scan / fabs(o->net_delta) : 0.0));
    FZ_ASSERT(fabs(o->remaining_delta) <= fabs(o->net_delta) && o->remaining_delta * o->net_delta >= 0);
    if (!in_pairs(c, (int)u))
        FZ_ASSERT(o->inter_credit == 0 && o->remaining_delta == o->net_delta);
    int n = 0;
    for (size_t i = 0; i < b->n_pos; i++)
        n += (size_t)b->pos[i].underlying == u;
    FZ_ASSERT(o->n_positions == n);

    /* the risk arrays sum to the scenario losses */
    if (risk) {
        for (int k = 0; k < NS; k++) {
            double s = 0, m = 0;
            for (size_t i = 0; i < b->n_pos; i++)
                if ((size_t)b->pos[i].underlying == u) {
                    s += risk[i * NS + (size_t)k];
                    m += fabs(risk[i * NS + (size_t)k]);
                }
            double dS, dv, wk;
            FZ_ASSERT(mgn_span_scenario(&c->prm[u], k, &dS, &dv, &wk) == MGN_OK);
            double tol = 4.0 * (n + 4) * DBL_EPSILON * m
                       + subnormal_slack(conv_factor(c, u, dS), 2.0 * (n + 1));
            if (!(fabs(s - o->scenario_loss[k]) <= tol + 1e-300))
                FZ_LOG("scenario %d: risk sum %.17g, scenario_loss %.17g\n", k, s,
                       o->scenario_loss[k]);
            FZ_ASSERT(fabs(s - o->scenario_loss[k]) <= tol + 1e-300);
        }
    }
    if (!cross)
        return;

    /* net delta: the positions' deltas (inverse delta-one: quantity * multiplier / S),
       to 1e-9 relative or 1e-12 of the units held (a far-wing delta of 1e-298 may be
       reported as 0) */
    double d = 0, dm = 0, units = 0;
    int have = 1;
    for (size_t i = 0; i < b->n_pos && have; i++) {
        const mgn_position *p = &b->pos[i];
        if ((size_t)p->underlying != u)
            continue;
        double di;
        if (p->instrument != MGN_OPTION && p->settlement == MGN_INVERSE) {
            di = p->quantity * p->multiplier / b->mkt[u].spot;
        } else {
            mgn_net_greeks g;
            have = mgn_position_greeks(b->mkt, b->n_mkt, p, &g) == MGN_OK;
            di = g.delta;
        }
        d += di;
        dm += fabs(di);
        units += fabs(p->quantity * p->multiplier);
    }
    if (have && isfinite(dm))
        FZ_ASSERT(fabs(d - o->net_delta) <= 1e-9 * dm + 1e-12 * units + 1e-300);

    /* risk arrays: -weight * P&L of the scenario matrix, u moving alone */
    if (risk) {
        const mgn_span_params *p = &c->prm[u];
        mgn_shock sh[NS * FB_MAX_MKT];
        double w[NS], mat[NS * FB_MAX_POS];
        memset(sh, 0, sizeof sh);
        for (int k = 0; k < NS; k++) {
            double dS, dv;
            FZ_ASSERT(mgn_span_scenario(p, k, &dS, &dv, &w[k]) == MGN_OK);
            sh[(size_t)k * b->n_mkt + u].price = dS;
            sh[(size_t)k * b->n_mkt + u].vol = dv;
        }
        if (mgn_scenario_pnl_matrix(b->mkt, b->n_mkt, b->pos, b->n_pos, sh, NS, p->lookahead,
                                    c->currency, mat) != MGN_OK)
            return;
        for (size_t i = 0; i < b->n_pos; i++) {
            if ((size_t)b->pos[i].underlying != u)
                continue;
            for (int k = 0; k < NS; k++) {
                double want = -w[k] * mat[(size_t)k * b->n_pos + i];
                double got = risk[i * NS + (size_t)k];
                double cf = conv_factor(c, u, sh[(size_t)k * b->n_mkt + u].price);
                double tol = 8 * DBL_EPSILON * fabs(want) + subnormal_slack(cf, 8);
                if (!(fabs(got - want) <= tol + 1e-300))
                    FZ_LOG("position %zu scenario %d: risk %.17g, -w * matrix %.17g\n", i, k,
                           got, want);
                FZ_ASSERT(fabs(got - want) <= tol + 1e-300);
            }
        }
    }
}

static void span_checks(fz_in *in, const span_case *c)
{
    const fb_book *b = &c->b;
    size_t n_mkt = b->n_mkt, n_pos = b->n_pos;
    const mgn_market *mkt = n_mkt ? b->mkt : NULL;
    const mgn_position *pos = n_pos ? b->pos : NULL;
    const mgn_span_params *prm = n_mkt ? c->prm : NULL;
    const mgn_span_pair *pairs = c->n_pairs ? c->pairs : NULL;
    int valid = case_valid(c);

    mgn_span_result r, r2;
    FZ_FILL(&r, sizeof r);
    FZ_FILL(&r2, sizeof r2);
    int st = mgn_span_margin(mkt, prm, n_mkt, pos, n_pos, pairs, c->n_pairs, c->currency, &r);
    FZ_STATUS(st);
    FZ_ASSERT(valid ? st != MGN_EINVAL : st == MGN_EINVAL);
    if (st == MGN_OK)
        FZ_ASSERT(result_ok(&r));
    else
        FZ_ASSERT(fb_untouched(&r, sizeof r));
    int repeat = fz_u8(in) < 64;
    if (repeat) {
        FZ_ASSERT(mgn_span_margin(mkt, prm, n_mkt, pos, n_pos, pairs, c->n_pairs, c->currency,
                                  &r2) == st);
        FZ_ASSERT(st != MGN_OK || fz_same_bits(&r, &r2, sizeof r));
    }

    /* the detail call, with per_mkt and risk each present or not */
    unsigned sel = fz_u8(in);
    int with_per = (sel & 1u) != 0, with_risk = (sel & 2u) != 0;
    mgn_span_underlying per[FB_MAX_MKT];
    double risk[FB_MAX_POS * NS];
    mgn_span_result rd;
    FZ_FILL(&rd, sizeof rd);
    FZ_FILL(per, sizeof per);
    FZ_FILL(risk, sizeof risk);
    int sd = mgn_span_margin_detail(mkt, prm, n_mkt, pos, n_pos, pairs, c->n_pairs, c->currency,
                                    &rd, with_per ? per : NULL, with_risk ? risk : NULL);
    FZ_ASSERT(sd == st);
    if (sd != MGN_OK) {
        FZ_ASSERT(fb_untouched(&rd, sizeof rd));
    } else {
        FZ_ASSERT(fz_same_bits(&r, &rd, sizeof r));
        FZ_ASSERT(fb_untouched(per + n_mkt, (FB_MAX_MKT - n_mkt) * sizeof per[0]));
        FZ_ASSERT(fb_untouched(risk + n_pos * NS, (FB_MAX_POS - n_pos) * NS * sizeof(double)));
        if (!with_per)
            FZ_ASSERT(fb_untouched(per, sizeof per));
        if (!with_risk)
            FZ_ASSERT(fb_untouched(risk, sizeof risk));
        if (with_risk)
            FZ_ASSERT(fz_all_finite(risk, n_pos * NS));
        if (with_per) {
            size_t cross_u = n_mkt ? fz_u8(in) % n_mkt : 0;
            double s[6] = { 0 }, m[6] = { 0 };
            for (size_t u = 0; u < n_mkt; u++) {
                check_underlying(c, u, &per[u], with_risk ? risk : NULL, u == cross_u);
                const double v[6] = { per[u].requirement, per[u].scan_risk, per[u].intra_charge,
                                      per[u].inter_credit, per[u].short_option_min,
                                      per[u].net_option_value };
                for (int k = 0; k < 6; k++) {
                    s[k] += v[k];
                    m[k] += fabs(v[k]);
                }
            }
            const double *t = (const double *)(const void *)&rd;
            for (int k = 0; k < 6; k++)
                FZ_ASSERT(close_to(t[k], s[k], m[k], 2.0 * (double)(n_mkt + 1)));
        }
    }

    /* NULL pointers */
    int null_sel = (int)(fz_u8(in) % 8u);
    FZ_FILL(&r2, sizeof r2);
    if (null_sel == 1 && n_mkt > 0)
        FZ_ASSERT(mgn_span_margin(NULL, prm, n_mkt, pos, n_pos, pairs, c->n_pairs, c->currency,
                                  &r2) == MGN_EINVAL);
    if (null_sel == 2 && n_mkt > 0)
        FZ_ASSERT(mgn_span_margin(mkt, NULL, n_mkt, pos, n_pos, pairs, c->n_pairs, c->currency,
                                  &r2) == MGN_EINVAL);
    if (null_sel == 3 && n_pos > 0)
        FZ_ASSERT(mgn_span_margin(mkt, prm, n_mkt, NULL, n_pos, pairs, c->n_pairs, c->currency,
                                  &r2) == MGN_EINVAL);
    if (null_sel == 4 && c->n_pairs > 0)
        FZ_ASSERT(mgn_span_margin(mkt, prm, n_mkt, pos, n_pos, NULL, c->n_pairs, c->currency,
                                  &r2) == MGN_EINVAL);
    if (null_sel == 5) {
        FZ_ASSERT(mgn_span_margin(mkt, prm, n_mkt, pos, n_pos, pairs, c->n_pairs, c->currency,
                                  NULL) == MGN_EINVAL);
        FZ_ASSERT(mgn_span_margin_detail(mkt, prm, n_mkt, pos, n_pos, pairs, c->n_pairs,
                                         c->currency, NULL, per, risk) == MGN_EINVAL);
    }
    FZ_ASSERT(fb_untouched(&r2, sizeof r2));

    /* absurd counts */
    unsigned ab = fz_u8(in);
    if (ab < 16) {
        size_t big = fb_absurd_n_mkt(in);
        FZ_LOG("absurd n_mkt %zu\n", big);
        FZ_ASSERT(mgn_span_margin(b->mkt, c->prm, big, b->pos, n_pos, c->pairs, c->n_pairs,
                                  c->currency, &r2) == MGN_ERANGE);
        FZ_ASSERT(mgn_span_margin_detail(b->mkt, c->prm, big, b->pos, n_pos, c->pairs,
                                         c->n_pairs, c->currency, &r2, per, risk) == MGN_ERANGE);
        FZ_ASSERT(fb_untouched(&r2, sizeof r2));
    } else if (ab < 32) {
        size_t big = fz_absurd_count(in);
        FZ_LOG("absurd n_pos %zu\n", big);
        if (big > SIZE_MAX / NS / sizeof(double)) {
            /* rejected before the positions are read, after the other arguments */
            int sa = mgn_span_margin_detail(b->mkt, c->prm, n_mkt, b->pos, big, c->pairs,
                                            c->n_pairs, c->currency, &r2, NULL, risk);
            int others = 1;
            for (size_t u = 0; u < n_mkt; u++)
                others &= fb_market_valid(&b->mkt[u]) && params_valid(&c->prm[u]);
            others &= fb_currency_valid(c->currency, n_mkt);
            FZ_ASSERT(others ? sa == MGN_ERANGE : sa == MGN_EINVAL);
            FZ_ASSERT(fb_untouched(&r2, sizeof r2));
        }
    }
}

static void decode_params(fz_in *in, mgn_span_params *p)
{
    int h = fz_u8(in) >= 192;
    p->price_scan = fz_u8(in) < 16 ? 0.0 : fb_real(in, h, 0.0, 0.35);
    p->vol_scan = fz_u8(in) < 16 ? 0.0 : fb_real(in, h, 0.0, 0.5);
    p->extreme_mult = fb_real(in, h, 0.0, 3.5);
    p->extreme_cover = fb_real(in, h, 0.0, 1.0);
    p->lookahead = fb_time(in, h, 96, 1e-4, 0.05);
    p->som_rate = fb_real(in, h, 0.0, 0.2);
    p->intra_rate = fb_real(in, h, 0.0, 0.05);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = fz_init(data, size);
    span_case c;
    memset(&c, 0, sizeof c);
    fb_book_decode(&in, &c.b, FB_MAX_MKT, FB_MAX_POS);
    /* at least one rule set, read by mgn_span_scenario */
    for (size_t u = 0; u < (c.b.n_mkt ? c.b.n_mkt : 1); u++)
        decode_params(&in, &c.prm[u]);
    c.n_pairs = fz_count(&in, MAX_PAIRS);
    for (size_t k = 0; k < c.n_pairs; k++) {
        mgn_span_pair *p = &c.pairs[k];
        int h = fz_u8(&in) >= 224;
        int hi = c.b.n_mkt > 0 ? (int)c.b.n_mkt - 1 : 0;
        p->a = fz_int(&in, 0, hi);
        p->b = fz_int(&in, 0, hi);
        p->delta_a = fb_pos(&in, h, 0.1, 10.0);
        p->delta_b = fb_pos(&in, h, 0.1, 10.0);
        p->credit_rate = fb_real(&in, h, 0.0, 1.0);
    }
    c.currency = fb_currency(&in, c.b.n_mkt);

    fb_book_log(&c.b);
    for (size_t u = 0; u < (c.b.n_mkt ? c.b.n_mkt : 1); u++)
        FZ_LOG("  params[%zu] psr %.17g vsr %.17g xm %.17g xc %.17g look %.17g som %.17g "
               "intra %.17g\n", u, c.prm[u].price_scan, c.prm[u].vol_scan, c.prm[u].extreme_mult,
               c.prm[u].extreme_cover, c.prm[u].lookahead, c.prm[u].som_rate,
               c.prm[u].intra_rate);
    for (size_t k = 0; k < c.n_pairs; k++)
        FZ_LOG("  pair[%zu] a %d b %d da %.17g db %.17g credit %.17g\n", k, c.pairs[k].a,
               c.pairs[k].b, c.pairs[k].delta_a, c.pairs[k].delta_b, c.pairs[k].credit_rate);
    FZ_LOG("currency %d\n", c.currency);

    check_scenario_fn(&in, &c);
    span_checks(&in, &c);
    return 0;
}
