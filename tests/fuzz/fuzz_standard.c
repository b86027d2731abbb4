/*
 * Fuzz target: standard (rule-based) margin: mgn_std_preset, mgn_std_position_margin,
 * mgn_std_workspace_size, mgn_std_margin, on a decoded book (fuzz_portfolio_book.h)
 * of up to 4 markets and 16 positions. Rule sets start from a preset (struct_size
 * fuzzed before the call), then have a few fields overwritten; tier tables are a
 * preset's or decoded ones (n_tiers up to MGN_STD_MAX_TIERS + 1, or absurd), built
 * valid (floors increasing, rates non-decreasing, Binance's cum recursion) and then
 * perhaps corrupted.
 * Contract checked:
 *   - documented status, in the documented order of the checks (the rules of the
 *     header and lib/standard.c restated here); a failure leaves every output
 *     untouched; same bits on a second call;
 *   - mgn_std_preset: MGN_EINVAL for NULL, an unknown preset or struct_size; a preset
 *     is a valid rule set;
 *   - mgn_std_position_margin: MGN_OK gives finite im >= mm >= 0, and in the coin of
 *     an underlying the quote figures divided by its price (up to rounding);
 *   - mgn_std_margin: MGN_OK gives finite im >= mm >= 0; pos_im, pos_mm finite,
 *     >= 0, summing to the totals; pos_strategy a known code, pos_partner -1 exactly
 *     for naked legs, else another position of the same underlying and settlement;
 *     without strategies every leg is naked and its figures are those of
 *     mgn_std_position_margin; with strategies the IM is no more than the naked sum;
 *     MGN_ENOMEM for a short workspace, MGN_EINVAL for a misaligned one;
 *   - mgn_std_workspace_size: 0 for 0, MGN_ERANGE above INT_MAX;
 *   - NULL pointers are MGN_EINVAL; n_mkt 0 or > INT_MAX, n_pos > INT_MAX and
 *     n_tiers 0 or > MGN_STD_MAX_TIERS are MGN_ERANGE.
 */
#include <stddef.h>
#include "fuzz_portfolio_book.h"

#define MAX_TIERS_DECODED (MGN_STD_MAX_TIERS + 1)

typedef struct std_case {
    fb_book b;
    mgn_std_params prm[FB_MAX_MKT];
    mgn_std_tier tiers[FB_MAX_MKT][MAX_TIERS_DECODED];
    size_t n_params;
    int currency;
} std_case;

/*---------------------------------------------------------------- the rules */

static int fin_nonneg(double x) { return isfinite(x) && x >= 0; }
static int frac01(double x) { return isfinite(x) && x >= 0 && x <= 1; }

/* MGN_OK, MGN_EINVAL or MGN_ERANGE for a rule set, in the order of the checks. */
static int params_status(const mgn_std_params *p)
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
        || (p->strategies & ~MGN_STD_PAIR_ALL) != 0 || p->tier_basis < 0 || p->tier_basis > 2
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
        if (i == 0) {
            if (t[0].floor != 0 || t[0].mm_amount != 0)
                return MGN_EINVAL;
            continue;
        }
        if (!(t[i].floor > t[i - 1].floor) || t[i].im_rate < t[i - 1].im_rate
            || t[i].mm_rate < t[i - 1].mm_rate)
            return MGN_EINVAL;
        /* MM does not fall when the position crosses into tier i (1e-9 slack) */
        double slack = 1e-9 * (t[i].floor * t[i].mm_rate + t[i].mm_amount);
        double below = t[i].floor * t[i - 1].mm_rate - t[i - 1].mm_amount;
        double above = t[i].floor * t[i].mm_rate - t[i].mm_amount;
        if (above < below - slack || above < -slack)
            return MGN_EINVAL;
    }
    return MGN_OK;
}

/* The position rules of the standard margin (header of mgn_std_position_margin). */
static int position_valid(const mgn_position *p, size_t n_mkt)
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
            && isfinite(p->strike) && p->strike > 0 && fin_nonneg(p->expiry) && fin_nonneg(p->vol);
    case MGN_FUTURE:
        return fin_nonneg(p->expiry) && fin_nonneg(p->entry_price);
    case MGN_PERPETUAL:
        return fin_nonneg(p->entry_price);
    default:
        return 0;
    }
}

static int markets_valid(const fb_book *b)
{
    for (size_t u = 0; u < b->n_mkt; u++)
        if (!fb_market_valid(&b->mkt[u]))
            return 0;
    return 1;
}

/*---------------------------------------------------------------- decoding */

typedef struct { size_t off; double lo, hi; } dfield;
#define SO(f) offsetof(mgn_std_params, f)
static const dfield dfields[] = {
    { SO(im_base), 0.0, 0.3 }, { SO(im_floor), 0.0, 0.2 }, { SO(mm_base), 0.0, 0.2 },
    { SO(mm_otm), 0.0, 1.0 }, { SO(mm_floor), 0.0, 0.2 }, { SO(mm_put_mark), 0.0, 0.2 },
    { SO(long_im), 0.0, 1.0 }, { SO(long_mm), 0.0, 1.0 }, { SO(long_dated_expiry), 0.0, 2.0 },
    { SO(long_dated_im), 0.0, 1.0 }, { SO(long_dated_mm), 0.0, 1.0 }, { SO(size_im), 0.0, 1e-3 },
    { SO(size_mm), 0.0, 1e-3 },
};
#define N_DF (sizeof dfields / sizeof dfields[0])

/* A tier table: valid by construction, perhaps one field overwritten. */
static size_t decode_tiers(fz_in *in, mgn_std_tier *t, int basis)
{
    size_t n = fz_u8(in) < 8 ? fz_count(in, MAX_TIERS_DECODED) : 1 + fz_count(in, 7);
    double floor = 0, im = fz_sane(in, 0.0, 0.05), mm = im * fz_sane(in, 0.0, 1.0), cum = 0;
    double scale = basis == MGN_STD_TIER_QUOTE ? 1e5 : basis == MGN_STD_TIER_UNITS ? 10.0 : 100.0;
    for (size_t i = 0; i < n && i < MAX_TIERS_DECODED; i++) {
        if (i > 0) {
            double mm_prev = mm;
            floor += scale * fb_pos(in, 0, 1e-3, 10.0);
            im += (1 - im) * fz_sane(in, 0.0, 0.3);
            mm += (im - mm) * fz_sane(in, 0.0, 0.5);
            cum += floor * (mm - mm_prev);   /* Binance's cum recursion */
        }
        t[i].floor = floor;
        t[i].im_rate = im;
        t[i].mm_rate = mm;
        t[i].mm_amount = cum;
    }
    if (n > 0 && fz_u8(in) < 32) {
        size_t i = fz_u8(in) % (n < MAX_TIERS_DECODED ? n : MAX_TIERS_DECODED);
        double *f = &t[i].floor + fz_u8(in) % 4u;
        *f = fz_special(in, *f);
    }
    return n;
}

static void decode_params(fz_in *in, std_case *c, size_t u)
{
    mgn_std_params *p = &c->prm[u];
    int preset = fz_int(in, MGN_STD_PRESET_DEFAULT, MGN_STD_PRESET_CBOE_BROAD_INDEX);
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    if (mgn_std_preset(preset, p) != MGN_OK)
        FZ_ASSERT(mgn_std_preset(MGN_STD_PRESET_DEFAULT, p) == MGN_OK);
    size_t n = fz_count(in, 4);
    for (size_t k = 0; k < n; k++) {
        unsigned f = fz_u8(in);
        int h = fz_u8(in) >= 192;
        switch (f % 5u) {
        case 0: case 1: {
            const dfield *d = &dfields[(f / 5u) % N_DF];
            double v = fb_real(in, h, d->lo, d->hi);
            memcpy((char *)p + d->off, &v, sizeof v);
            break;
        }
        case 2:
            switch ((f / 5u) % 5u) {
            case 0: p->put_floor_on_strike = fz_int(in, 0, 1); break;
            case 1: p->strategies = fz_int(in, 0, MGN_STD_PAIR_ALL); break;
            case 2: p->tier_basis = fz_int(in, 0, 2); break;
            case 3: p->reserved = fz_int(in, 0, 0); break;
            default: p->struct_size = fz_u8(in) < 128 ? sizeof *p - 8 : sizeof *p + 8; break;
            }
            break;
        case 3:
            p->n_tiers = decode_tiers(in, c->tiers[u], p->tier_basis);
            p->tiers = c->tiers[u];
            break;
        default:
            if (fz_u8(in) < 128)
                p->tiers = NULL;
            else {   /* beyond the table: only where the count is rejected */
                size_t n = fz_absurd_count(in);
                p->n_tiers = n > MGN_STD_MAX_TIERS ? n : MGN_STD_MAX_TIERS + 1;
            }
            break;
        }
    }
}

/*---------------------------------------------------------------- checks */

static void check_preset(fz_in *in)
{
    mgn_std_params p, q;
    int preset = fz_int(in, MGN_STD_PRESET_DEFAULT, MGN_STD_PRESET_CBOE_BROAD_INDEX);
    size_t size = fz_u8(in) < 224 ? sizeof p : (fz_u8(in) < 128 ? sizeof p - 8 : 0);
    FZ_FILL(&p, sizeof p);
    p.struct_size = size;
    q = p;
    int st = mgn_std_preset(preset, &p);
    int valid = preset >= MGN_STD_PRESET_DEFAULT && preset <= MGN_STD_PRESET_CBOE_BROAD_INDEX
             && size == sizeof p;
    FZ_ASSERT(st == (valid ? MGN_OK : MGN_EINVAL));
    if (st != MGN_OK) {
        FZ_ASSERT(fz_same_bits(&p, &q, sizeof p));
    } else {
        FZ_ASSERT(params_status(&p) == MGN_OK);
        FZ_ASSERT(p.struct_size == sizeof p);
        mgn_std_params r;
        r.struct_size = sizeof r;
        FZ_ASSERT(mgn_std_preset(preset, &r) == MGN_OK && fz_same_bits(&p, &r, sizeof p));
    }
    FZ_ASSERT(mgn_std_preset(MGN_STD_PRESET_DEFAULT, NULL) == MGN_EINVAL);
}

static void check_workspace(fz_in *in)
{
    size_t bytes;
    FZ_ASSERT(mgn_std_workspace_size(0, &bytes) == MGN_OK && bytes == 0);
    size_t n = fz_count(in, 1000);
    FZ_ASSERT(mgn_std_workspace_size(n, &bytes) == MGN_OK);
    size_t one;
    FZ_ASSERT(mgn_std_workspace_size(1, &one) == MGN_OK && one > 0 && bytes == n * one);
    size_t big = fz_absurd_count(in);
    FZ_FILL(&bytes, sizeof bytes);
    int st = mgn_std_workspace_size(big, &bytes);
    if (big > (size_t)INT_MAX)
        FZ_ASSERT(st == MGN_ERANGE && fb_untouched(&bytes, sizeof bytes));
    else
        FZ_ASSERT(st == MGN_OK && bytes == big * one);
    FZ_ASSERT(mgn_std_workspace_size(1, NULL) == MGN_EINVAL);
}

/* Status of mgn_std_position_margin for the case's rule set of position i. */
static int position_status(const std_case *c, const mgn_std_params *p, const mgn_position *pos)
{
    const fb_book *b = &c->b;
    if (b->n_mkt == 0)
        return MGN_ERANGE;
    int st = params_status(p);
    if (st != MGN_OK)
        return st;
    if (!markets_valid(b) || !fb_currency_valid(c->currency, b->n_mkt)
        || !position_valid(pos, b->n_mkt))
        return MGN_EINVAL;
    return MGN_OK;  /* or MGN_ERANGE on overflow */
}

static void check_positions(fz_in *in, const std_case *c)
{
    const fb_book *b = &c->b;
    const mgn_market *mkt = b->mkt;
    for (size_t i = 0; i < b->n_pos; i++) {
        const mgn_position *p = &b->pos[i];
        int u = p->underlying >= 0 && (size_t)p->underlying < b->n_mkt ? p->underlying : 0;
        const mgn_std_params *prm = &c->prm[c->n_params == 1 ? 0 : (size_t)u];
        double im, mm, im2, mm2;
        FZ_FILL(&im, sizeof im);
        FZ_FILL(&mm, sizeof mm);
        FZ_FILL(&im2, sizeof im2);
        FZ_FILL(&mm2, sizeof mm2);
        int want = position_status(c, prm, p);
        int st = mgn_std_position_margin(mkt, b->n_mkt, prm, p, c->currency, &im, &mm);
        FZ_STATUS(st);
        if (want != MGN_OK)
            FZ_ASSERT(st == want);
        else
            FZ_ASSERT(st == MGN_OK || st == MGN_ERANGE);
        if (st == MGN_OK)
            FZ_ASSERT(isfinite(im) && isfinite(mm) && mm >= 0 && im >= mm);
        else
            FZ_ASSERT(fb_untouched(&im, sizeof im) && fb_untouched(&mm, sizeof mm));
        FZ_ASSERT(mgn_std_position_margin(mkt, b->n_mkt, prm, p, c->currency, &im2, &mm2) == st);
        FZ_ASSERT(st != MGN_OK || (fz_same_bits(&im, &im2, sizeof im) && fz_same_bits(&mm, &mm2, sizeof mm)));

        /* the coin of an underlying: the quote figures divided by its price */
        if (st == MGN_OK && c->currency != MGN_QUOTE) {
            FZ_LOG("position %zu: im %.17g mm %.17g in coin %d\n", i, im, mm, c->currency);
            double qi, qm;
            if (mgn_std_position_margin(mkt, b->n_mkt, prm, p, MGN_QUOTE, &qi, &qm) == MGN_OK) {
                FZ_LOG("  quote im %.17g mm %.17g\n", qi, qm);
                double S = mkt[c->currency].spot;
                /* a coin figure below the subnormals' spacing rounds to it, and so does
                   an option's per-unit coin amount, before it is multiplied by the
                   units (include/margin.h, "Currency") */
                double units = p->instrument == MGN_OPTION ? fabs(p->quantity * p->multiplier) : 0;
                double floor = (1 + units) * 1e-322 * S + 1e-300;
                FZ_ASSERT(fabs(im * S - qi) <= 16 * DBL_EPSILON * qi + floor || !isfinite(im * S));
                FZ_ASSERT(fabs(mm * S - qm) <= 16 * DBL_EPSILON * qm + floor || !isfinite(mm * S));
            }
        }
    }
    /* NULL pointers and absurd counts, on the first position */
    if (b->n_pos == 0)
        return;
    const mgn_std_params *prm = &c->prm[0];
    double im, mm;
    FZ_FILL(&im, sizeof im);
    FZ_FILL(&mm, sizeof mm);
    unsigned which = fz_u8(in) % 8u;
    const mgn_position *p = &b->pos[0];
    if (which == 0)
        FZ_ASSERT(mgn_std_position_margin(NULL, b->n_mkt, prm, p, c->currency, &im, &mm) == MGN_EINVAL);
    if (which == 1)
        FZ_ASSERT(mgn_std_position_margin(mkt, b->n_mkt, NULL, p, c->currency, &im, &mm) == MGN_EINVAL);
    if (which == 2)
        FZ_ASSERT(mgn_std_position_margin(mkt, b->n_mkt, prm, NULL, c->currency, &im, &mm) == MGN_EINVAL);
    if (which == 3)
        FZ_ASSERT(mgn_std_position_margin(mkt, b->n_mkt, prm, p, c->currency, NULL, &mm) == MGN_EINVAL);
    if (which == 4)
        FZ_ASSERT(mgn_std_position_margin(mkt, b->n_mkt, prm, p, c->currency, &im, NULL) == MGN_EINVAL);
    if (which == 5)
        FZ_ASSERT(mgn_std_position_margin(mkt, fb_absurd_n_mkt(in), prm, p, c->currency, &im,
                                          &mm) == MGN_ERANGE);
    FZ_ASSERT(fb_untouched(&im, sizeof im) && fb_untouched(&mm, sizeof mm));
}

static int strategy_known(int s) { return s >= MGN_STD_NAKED && s <= MGN_STD_STRANGLE; }

static void check_account(fz_in *in, const std_case *c)
{
    const fb_book *b = &c->b;
    size_t n_mkt = b->n_mkt, n_pos = b->n_pos;
    static double work[4096];       /* aligned for double, far more than 16 items need */
    size_t need;
    FZ_ASSERT(mgn_std_workspace_size(n_pos, &need) == MGN_OK && need <= sizeof work);
    unsigned ws = fz_u8(in);
    size_t work_size = ws < 16 && need > 0 ? need - 1 : need + (ws & 7u);
    int misaligned = ws >= 16 && ws < 24 && n_pos > 0;
    void *w = misaligned ? (void *)((char *)work + 4) : (void *)work;
    int outs = (int)fz_u8(in);
    double im, mm, im2, mm2, pim[FB_MAX_POS], pmm[FB_MAX_POS];
    int pst[FB_MAX_POS], ppa[FB_MAX_POS];
    FZ_FILL(&im, sizeof im);
    FZ_FILL(&mm, sizeof mm);
    FZ_FILL(pim, sizeof pim);
    FZ_FILL(pmm, sizeof pmm);
    FZ_FILL(pst, sizeof pst);
    FZ_FILL(ppa, sizeof ppa);
    double *opim = outs & 1 ? pim : NULL, *opmm = outs & 2 ? pmm : NULL;
    int *opst = outs & 4 ? pst : NULL, *oppa = outs & 8 ? ppa : NULL;
    const mgn_position *pos = n_pos ? b->pos : NULL;
    FZ_LOG("account: n_params %zu work_size %zu (need %zu) misaligned %d outs %d\n", c->n_params,
           work_size, need, misaligned, outs);

    /* the status the checks give, in their order */
    int want = MGN_OK, maybe_erange = 0;
    if (n_mkt == 0) {
        want = MGN_ERANGE;
    } else if (c->n_params != 1 && c->n_params != n_mkt) {
        want = MGN_EINVAL;
    } else {
        for (size_t k = 0; k < c->n_params && want == MGN_OK; k++)
            want = params_status(&c->prm[k]);
        if (want == MGN_OK && (!markets_valid(b) || !fb_currency_valid(c->currency, n_mkt)))
            want = MGN_EINVAL;
        for (size_t i = 0; i < n_pos && want == MGN_OK; i++)
            if (!position_valid(&b->pos[i], n_mkt))
                want = MGN_EINVAL;
        if (want == MGN_OK && n_pos > 0) {
            if (work_size < need)
                want = MGN_ENOMEM;
            else if (misaligned)
                want = MGN_EINVAL;
            else
                maybe_erange = 1;
        }
    }
    int st = mgn_std_margin(b->mkt, n_mkt, c->prm, c->n_params, pos, n_pos, c->currency, w,
                            work_size, &im, &mm, opim, opmm, opst, oppa);
    FZ_STATUS(st);
    FZ_ASSERT(st == want || (maybe_erange && st == MGN_ERANGE));
    if (st != MGN_OK) {
        FZ_ASSERT(fb_untouched(&im, sizeof im) && fb_untouched(&mm, sizeof mm));
        FZ_ASSERT(fb_untouched(pim, sizeof pim) && fb_untouched(pmm, sizeof pmm)
                  && fb_untouched(pst, sizeof pst) && fb_untouched(ppa, sizeof ppa));
    } else {
        FZ_ASSERT(isfinite(im) && isfinite(mm) && mm >= 0 && im >= mm);
        if (n_pos == 0)
            FZ_ASSERT(im == 0 && mm == 0);
        FZ_ASSERT(fb_untouched(pim + n_pos, (FB_MAX_POS - n_pos) * sizeof(double)));
        if (!opim)
            FZ_ASSERT(fb_untouched(pim, sizeof pim));
        if (!opst)
            FZ_ASSERT(fb_untouched(pst, sizeof pst));
        /* a second call for the optional outputs the first one skipped */
        double xim[FB_MAX_POS], xmm[FB_MAX_POS];
        int xst[FB_MAX_POS], xpa[FB_MAX_POS];
        FZ_ASSERT(mgn_std_margin(b->mkt, n_mkt, c->prm, c->n_params, pos, n_pos, c->currency, w,
                                 work_size, &im2, &mm2, xim, xmm, xst, xpa) == MGN_OK);
        FZ_ASSERT(fz_same_bits(&im, &im2, sizeof im) && fz_same_bits(&mm, &mm2, sizeof mm));
        FZ_ASSERT(!opim || fb_bits_equal(pim, xim, n_pos));
        FZ_ASSERT(!opmm || fb_bits_equal(pmm, xmm, n_pos));
        FZ_ASSERT(!opst || fz_same_bits(pst, xst, n_pos * sizeof(int)));
        FZ_ASSERT(!oppa || fz_same_bits(ppa, xpa, n_pos * sizeof(int)));
        FZ_ASSERT(fz_all_finite(xim, n_pos) && fz_all_finite(xmm, n_pos));
        double sim = 0, smm = 0, naked = 0, aim = 0;
        int any_strategies = 0, naked_ok = 1;
        for (size_t i = 0; i < n_pos; i++) {
            const mgn_position *p = &b->pos[i];
            const mgn_std_params *prm = &c->prm[c->n_params == 1 ? 0 : (size_t)p->underlying];
            FZ_ASSERT(xim[i] >= 0 && xmm[i] >= 0);
            sim += xim[i];
            smm += xmm[i];
            aim += fabs(xim[i]);
            FZ_ASSERT(strategy_known(xst[i]));
            FZ_ASSERT((xst[i] == MGN_STD_NAKED) == (xpa[i] == -1));
            if (xpa[i] != -1) {
                FZ_ASSERT(xpa[i] >= 0 && (size_t)xpa[i] < n_pos && (size_t)xpa[i] != i);
                const mgn_position *q = &b->pos[xpa[i]];
                FZ_ASSERT(q->underlying == p->underlying && q->settlement == p->settlement);
                FZ_ASSERT(prm->strategies != 0);
                if (xst[i] == MGN_STD_COVERED)
                    FZ_ASSERT((p->instrument == MGN_OPTION) != (q->instrument == MGN_OPTION));
                else
                    FZ_ASSERT(p->instrument == MGN_OPTION && q->instrument == MGN_OPTION);
            }
            any_strategies |= prm->strategies != 0;
            double pi, pm;
            if (mgn_std_position_margin(b->mkt, n_mkt, prm, p, c->currency, &pi, &pm) == MGN_OK) {
                naked += pi;
                if (prm->strategies == 0) {
                    FZ_ASSERT(xst[i] == MGN_STD_NAKED);
                    FZ_ASSERT(fabs(xim[i] - pi) <= 8 * DBL_EPSILON * pi + 1e-300);
                    FZ_ASSERT(fabs(xmm[i] - pm) <= 8 * DBL_EPSILON * pm + 1e-300);
                }
            } else {
                naked_ok = 0;
            }
        }
        FZ_ASSERT(fabs(sim - im) <= 2 * (double)(n_pos + 1) * DBL_EPSILON * aim + 1e-300);
        FZ_ASSERT(mm <= smm * (1 + 2 * (double)(n_pos + 1) * DBL_EPSILON) + 1e-300);
        if (naked_ok && isfinite(naked))
            FZ_ASSERT(im <= naked * (1 + 1e-12) + 1e-300 || !any_strategies);
    }

    /* NULL pointers and absurd counts */
    FZ_FILL(&im, sizeof im);
    unsigned which = fz_u8(in) % 10u;
    if (which == 0)
        FZ_ASSERT(mgn_std_margin(NULL, n_mkt, c->prm, c->n_params, pos, n_pos, c->currency, w,
                                 work_size, &im, &mm, NULL, NULL, NULL, NULL) == MGN_EINVAL);
    if (which == 1)
        FZ_ASSERT(mgn_std_margin(b->mkt, n_mkt, NULL, c->n_params, pos, n_pos, c->currency, w,
                                 work_size, &im, &mm, NULL, NULL, NULL, NULL) == MGN_EINVAL);
    if (which == 2 && n_pos > 0)
        FZ_ASSERT(mgn_std_margin(b->mkt, n_mkt, c->prm, c->n_params, NULL, n_pos, c->currency,
                                 w, work_size, &im, &mm, NULL, NULL, NULL, NULL) == MGN_EINVAL);
    if (which == 3 && n_pos > 0)
        FZ_ASSERT(mgn_std_margin(b->mkt, n_mkt, c->prm, c->n_params, pos, n_pos, c->currency,
                                 NULL, work_size, &im, &mm, NULL, NULL, NULL, NULL) == MGN_EINVAL);
    if (which == 4)
        FZ_ASSERT(mgn_std_margin(b->mkt, n_mkt, c->prm, c->n_params, pos, n_pos, c->currency, w,
                                 work_size, NULL, &mm, NULL, NULL, NULL, NULL) == MGN_EINVAL);
    if (which == 5)
        FZ_ASSERT(mgn_std_margin(b->mkt, n_mkt, c->prm, c->n_params, pos, n_pos, c->currency, w,
                                 work_size, &im, NULL, NULL, NULL, NULL, NULL) == MGN_EINVAL);
    if (which == 6)
        FZ_ASSERT(mgn_std_margin(b->mkt, fb_absurd_n_mkt(in), c->prm, c->n_params, b->pos, n_pos,
                                 c->currency, work, work_size, &im, &mm, NULL, NULL, NULL,
                                 NULL) == MGN_ERANGE);
    if (which == 7) {
        size_t big = fz_absurd_count(in);
        if (big > (size_t)INT_MAX)
            FZ_ASSERT(mgn_std_margin(b->mkt, n_mkt, c->prm, c->n_params, b->pos, big,
                                     c->currency, work, work_size, &im, &mm, NULL, NULL, NULL,
                                     NULL) == MGN_ERANGE);
    }
    FZ_ASSERT(fb_untouched(&im, sizeof im));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = fz_init(data, size);
    std_case c;
    memset(&c, 0, sizeof c);
    fb_book_decode(&in, &c.b, FB_MAX_MKT, FB_MAX_POS);
    unsigned np = fz_u8(&in);
    c.n_params = np < 96 ? 1 : np < 240 ? c.b.n_mkt : (size_t)(np % 6u);
    for (size_t u = 0; u < FB_MAX_MKT; u++)
        if (u < (c.n_params > 0 ? c.n_params : 1))
            decode_params(&in, &c, u);
        else
            c.prm[u] = c.prm[0];
    c.currency = fb_currency(&in, c.b.n_mkt);

    fb_book_log(&c.b);
    for (size_t u = 0; u < (c.n_params > 0 ? c.n_params : 1) && u < FB_MAX_MKT; u++) {
        const mgn_std_params *p = &c.prm[u];
        FZ_LOG("  params[%zu] size %zu ib %.17g if %.17g mb %.17g motm %.17g mf %.17g mpm %.17g "
               "li %.17g lm %.17g lde %.17g ldi %.17g ldm %.17g si %.17g sm %.17g pfs %d strat %d "
               "basis %d res %d n_tiers %zu tiers %p\n", u, p->struct_size, p->im_base,
               p->im_floor, p->mm_base, p->mm_otm, p->mm_floor, p->mm_put_mark, p->long_im,
               p->long_mm, p->long_dated_expiry, p->long_dated_im, p->long_dated_mm, p->size_im,
               p->size_mm, p->put_floor_on_strike, p->strategies, p->tier_basis, p->reserved,
               p->n_tiers, (const void *)p->tiers);
        for (size_t k = 0; p->tiers && p->n_tiers <= MGN_STD_MAX_TIERS && k < p->n_tiers && k < 16; k++)
            FZ_LOG("    tier[%zu] floor %.17g im %.17g mm %.17g amount %.17g\n", k,
                   p->tiers[k].floor, p->tiers[k].im_rate, p->tiers[k].mm_rate,
                   p->tiers[k].mm_amount);
        (void)p;
    }
    FZ_LOG("n_params %zu currency %d\n", c.n_params, c.currency);

    check_preset(&in);
    check_workspace(&in);
    check_positions(&in, &c);
    check_account(&in, &c);
    return 0;
}
