/*
 * Decoding of small accounts for the account, liquidation and cascade fuzz targets
 * (tests/fuzz/fuzz_account.c, fuzz_liq_price.c, fuzz_liq_partial.c, fuzz_cascade.c),
 * and the contract checks they share. Include after fuzz.h.
 *
 * A world is up to 4 markets, the evaluation parameters of one margin mode (isolated,
 * cross with or without strategy pairing, portfolio grid or SPAN) and up to
 * FA_MAX_ACCT accounts of up to FA_MAX_POS positions and FA_MAX_BAL balances.
 * The first byte of an input chooses a sane world (every field in its domain, values
 * finite) or a hostile one (fz_real / fz_int / fz_pos everywhere, wrong struct sizes,
 * reserved fields, NULL arrays, absurd counts where rejection is certain); the fuzzer
 * explores both.
 */
#ifndef MGN_FUZZ_ACCT_GEN_H
#define MGN_FUZZ_ACCT_GEN_H

#include "fuzz.h"

#define FA_MAX_MKT 4
#define FA_MAX_POS 8
#define FA_MAX_BAL 4
#define FA_MAX_ACCT 8
#define FA_MAX_TIERS 4

typedef struct fa_world {
    int hostile;                    /* 1: hostile decoding */
    int american_t0;                /* 1: American options expire now (fa_position) */
    mgn_market mkt[FA_MAX_MKT];
    size_t n_mkt;                   /* markets decoded (1..4) */
    mgn_std_tier tiers[FA_MAX_MKT][FA_MAX_TIERS];
    mgn_std_params std[FA_MAX_MKT];
    mgn_pm_params pm[FA_MAX_MKT];
    mgn_span_params span[FA_MAX_MKT];
    mgn_span_pair pairs[2];
    mgn_account_params prm;
    int prm_bad;                    /* a field of prm (or its struct_size) is known bad */
    mgn_position pos[FA_MAX_ACCT][FA_MAX_POS];
    mgn_balance bal[FA_MAX_ACCT][FA_MAX_BAL];
    double iso[FA_MAX_ACCT][FA_MAX_POS];
    mgn_account acct[FA_MAX_ACCT];
    int acct_bad[FA_MAX_ACCT];      /* struct_size wrong or a count absurd */
} fa_world;

/* A byte that is rarely true (about 2%): the place for a deliberately wrong field. */
static inline int fa_rare(fz_in *in) { return fz_u8(in) >= 250; }

static inline int fa_int(const fa_world *w, fz_in *in, int lo, int hi)
{
    if (w->hostile)
        return fz_int(in, lo, hi);
    return lo + (int)(fz_u16(in) % (unsigned)(hi - lo + 1));
}

static inline double fa_real(const fa_world *w, fz_in *in, double lo, double hi)
{
    return w->hostile ? fz_real(in, lo, hi) : fz_sane(in, lo, hi);
}

static inline double fa_pos(const fa_world *w, fz_in *in, double lo, double hi)
{
    if (w->hostile)
        return fz_pos(in, lo, hi);
    return lo * pow(hi / lo, fz_u16(in) / 65535.0);
}

/* struct_size: mostly right; hostile and rarely one of the sizes a wrong binding
   might pass. *bad says whether it is wrong. */
static inline size_t fa_struct_size(const fa_world *w, fz_in *in, size_t right, int *bad)
{
    if (!w->hostile || !fa_rare(in))
        return right;
    size_t s;
    switch (fz_u8(in) % 6u) {
    case 0: s = 0; break;
    case 1: s = right - 1; break;
    case 2: s = right - 8; break;
    case 3: s = right + 8; break;
    case 4: s = SIZE_MAX; break;
    default: s = (size_t)fz_u64(in); break;
    }
    if (s != right)
        *bad = 1;
    return s;
}

/* A count above INT_MAX (every account function rejects it before reading). */
static inline size_t fa_absurd(fz_in *in)
{
    size_t n = fz_absurd_count(in);
    return n > (size_t)INT_MAX ? n : SIZE_MAX;
}

static inline void fa_markets(fa_world *w, fz_in *in)
{
    w->n_mkt = 1 + fz_count(in, FA_MAX_MKT - 1);
    for (size_t u = 0; u < w->n_mkt; u++) {
        w->mkt[u].spot = fa_pos(w, in, 1.0, 1e5);
        w->mkt[u].rate = fa_real(w, in, -0.05, 0.10);
        w->mkt[u].carry = fa_real(w, in, -0.05, 0.10);
        FZ_LOG("mkt %zu S %.17g r %.17g q %.17g\n", u, w->mkt[u].spot, w->mkt[u].rate,
               w->mkt[u].carry);
    }
}

static inline double fa_spot_of(const fa_world *w, int u)
{
    if (u >= 0 && (size_t)u < w->n_mkt && isfinite(w->mkt[u].spot) && w->mkt[u].spot > 0)
        return w->mkt[u].spot;
    return 100.0;
}

/* One position (or order). */
static inline void fa_position(fa_world *w, fz_in *in, mgn_position *p, int as_order)
{
    memset(p, 0, sizeof *p);
    p->instrument = fa_int(w, in, 0, 2);
    p->underlying = fa_int(w, in, 0, (int)w->n_mkt - 1);
    p->option_type = fa_int(w, in, 0, 1);
    p->settlement = fa_int(w, in, 0, 1);
    p->exercise = fz_u8(in) >= 224 ? MGN_AMERICAN : MGN_EUROPEAN;
    if (w->hostile && fa_rare(in))
        p->exercise = fz_int(in, 0, 1);
    p->reserved = w->hostile && fa_rare(in) ? fz_int(in, 1, 9) : 0;
    double S = fa_spot_of(w, p->underlying);
    p->quantity = fz_u8(in) < 16 ? 0.0 : fa_real(w, in, -10.0, 10.0);
    p->multiplier = fa_pos(w, in, 0.01, 100.0);
    p->strike = S * fa_pos(w, in, 0.3, 3.0);
    p->expiry = fz_u8(in) < 16 ? 0.0 : fa_pos(w, in, 1e-3, 3.0);
    p->vol = fz_u8(in) < 8 ? 0.0 : fa_pos(w, in, 0.05, 2.0);
    p->entry_price = as_order && p->instrument == MGN_OPTION ? S * fa_pos(w, in, 1e-3, 0.3)
                                                             : S * fa_pos(w, in, 0.5, 2.0);
    if (p->instrument == MGN_OPTION && p->exercise == MGN_AMERICAN) {
        /* An American price off its closed forms costs about 0.2 ms under the
           sanitizers, and the account functions price hundreds of times: expiry 0
           (intrinsic value) or, where no scenario shocks the vol and no Greek is taken,
           vol 0 (the best deterministic exercise) */
        if (w->prm.mode == MGN_MODE_PORTFOLIO || w->american_t0 || fz_bool(in))
            p->expiry = 0;
        else
            p->vol = 0;
    }
}

static inline void fa_std(fa_world *w, fz_in *in, size_t k)
{
    mgn_std_params *s = &w->std[k];
    memset(s, 0, sizeof *s);
    s->struct_size = sizeof *s;
    if (mgn_std_preset((int)(fz_u8(in) % 7u), s) != MGN_OK)
        FZ_ASSERT(0);
    unsigned sel = fz_u8(in);
    if (sel < 64)
        s->strategies = (int)(fz_u8(in) & 7u);
    if (w->hostile && fa_rare(in)) {
        /* one hostile double among im_base .. size_mm, or a hostile int / size */
        double *d[] = { &s->im_base, &s->im_floor, &s->mm_base, &s->mm_otm, &s->mm_floor,
                        &s->mm_put_mark, &s->long_im, &s->long_mm, &s->long_dated_expiry,
                        &s->long_dated_im, &s->long_dated_mm, &s->size_im, &s->size_mm };
        unsigned f = fz_u8(in) % 16u;
        if (f < 13)
            *d[f] = fz_special(in, 0.1);
        else if (f == 13)
            s->struct_size = (size_t)fz_u64(in);
        else if (f == 14)
            s->reserved = 1;
        else
            s->tier_basis = fz_int(in, 0, 2);
    }
    if (fz_u8(in) < 32 && s->n_tiers >= 1 && s->n_tiers <= FA_MAX_TIERS) {
        /* the preset's tiers copied and perturbed */
        for (size_t t = 0; t < s->n_tiers; t++)
            w->tiers[k][t] = s->tiers[t];
        size_t t = fz_count(in, s->n_tiers - 1);
        w->tiers[k][t].mm_amount = fa_real(w, in, 0.0, 100.0);
        if (w->hostile)
            w->tiers[k][t].im_rate = fz_real(in, 0.0, 0.5);
        s->tiers = w->tiers[k];
    }
}

static inline void fa_pm(fa_world *w, fz_in *in, size_t k)
{
    mgn_pm_params *p = &w->pm[k];
    memset(p, 0, sizeof *p);
    int st;
    switch (fz_u8(in) % 3u) {
    case 0: {
        /* one decode per statement: argument evaluation order is unspecified */
        double price_scan = fa_real(w, in, 0.0, 0.45);
        double vol_scan = fa_real(w, in, 0.0, 0.5);
        st = mgn_pm_preset_span(price_scan, vol_scan, p);
        break;
    }
    case 1: st = mgn_pm_preset_deribit(p); break;
    default: st = mgn_pm_preset_occ(p); break;
    }
    if (st != MGN_OK)
        return;   /* a hostile scan range: rejected preset, params left zero (invalid) */
    /* a coarse grid keeps one evaluation cheap (the scenarios price every option) */
    p->price_steps = fa_int(w, in, 1, 2);
    if (p->n_extended > 2)
        p->n_extended = 2;
    if (fz_u8(in) < 64) {
        p->vol_scenarios = fa_int(w, in, 1, 3);
        p->delta_shock_rate = fa_real(w, in, 0.0, 0.2);
        p->conc_depth = fa_real(w, in, 0.0, 50.0);
        p->conc_rate = fa_real(w, in, 0.0, 0.1);
        p->roll_min = fa_real(w, in, 0.0, 0.05);
    }
    if (w->hostile && fa_rare(in)) {
        double *d[] = { &p->price_range, &p->vol_up, &p->vol_down, &p->vol_ref_days,
                        &p->vol_power_short, &p->vol_min_days, &p->lookahead, &p->ext_move[0],
                        &p->short_min_rate, &p->roll_rate, &p->conc_rate };
        unsigned f = fz_u8(in) % 14u;
        if (f < 11)
            *d[f] = fz_special(in, 0.1);
        else if (f == 11)
            p->struct_size = (size_t)fz_u64(in);
        else if (f == 12)
            p->reserved = 1;
        else
            p->n_extended = fz_int(in, 0, MGN_PM_MAX_EXTENDED);
    }
}

static inline void fa_span(fa_world *w, fz_in *in, size_t k)
{
    mgn_span_params *s = &w->span[k];
    s->price_scan = fa_real(w, in, 0.0, 0.3);
    s->vol_scan = fa_real(w, in, 0.0, 0.5);
    s->extreme_mult = fa_real(w, in, 1.0, 3.0);
    s->extreme_cover = fa_real(w, in, 0.0, 1.0);
    s->lookahead = fa_real(w, in, 0.0, 0.01);
    s->som_rate = fa_real(w, in, 0.0, 0.1);
    s->intra_rate = fa_real(w, in, 0.0, 0.1);
}

/* The evaluation parameters: mode, method, rule sets, factors. */
static inline void fa_params(fa_world *w, fz_in *in)
{
    mgn_account_params *p = &w->prm;
    FZ_ASSERT(mgn_account_params_init(p) == MGN_OK);
    FZ_ASSERT(p->struct_size == sizeof *p && p->mode == MGN_MODE_CROSS && p->std == NULL
              && p->pm_im_factor == 1.0 && p->pm_mm_factor == 0.8 && p->liq_ratio == 1.0);
    w->prm_bad = 0;
    p->struct_size = fa_struct_size(w, in, sizeof *p, &w->prm_bad);
    p->mode = fa_int(w, in, 0, 2);
    p->pm_method = fa_int(w, in, 0, 1);
    if (fz_u8(in) & 1) {
        size_t n = fz_u8(in) & 1 ? w->n_mkt : 1;
        for (size_t k = 0; k < n; k++)
            fa_std(w, in, k);
        p->std = w->std;
        p->n_std = w->hostile && fa_rare(in) ? fz_count(in, 9) : n;
    }
    if (fz_u8(in) & 1) {
        for (size_t k = 0; k < w->n_mkt; k++)
            fa_pm(w, in, k);
        p->pm = w->pm;
    } else {
        for (size_t k = 0; k < w->n_mkt; k++)
            FZ_ASSERT(mgn_pm_preset_span(0.1, 0.2, &w->pm[k]) == MGN_OK);
        p->pm = w->pm;
    }
    for (size_t k = 0; k < w->n_mkt; k++)
        fa_span(w, in, k);
    p->span = w->span;
    p->n_pairs = fz_count(in, 2);
    for (size_t k = 0; k < p->n_pairs; k++) {
        w->pairs[k].a = fa_int(w, in, 0, (int)w->n_mkt - 1);
        w->pairs[k].b = fa_int(w, in, 0, (int)w->n_mkt - 1);
        w->pairs[k].delta_a = fa_pos(w, in, 0.1, 10.0);
        w->pairs[k].delta_b = fa_pos(w, in, 0.1, 10.0);
        w->pairs[k].credit_rate = fa_real(w, in, 0.0, 1.0);
    }
    p->pairs = p->n_pairs > 0 || fz_u8(in) & 1 ? w->pairs : NULL;
    if (fz_u8(in) & 1) {
        p->pm_im_factor = fa_pos(w, in, 0.5, 2.0);
        p->pm_mm_factor = p->pm_im_factor * fa_real(w, in, 0.1, 1.0);
    }
    if (fz_u8(in) & 1)
        p->liq_ratio = fa_real(w, in, 0.1, 1.0);
    if (w->hostile && fa_rare(in)) {
        /* NULL where portfolio mode needs a table */
        if (fz_u8(in) & 1) p->pm = NULL; else p->span = NULL;
    }
}

/* Account k with up to max_pos positions. absurd_ok: a count above INT_MAX may be
   decoded (the callers reject it before reading an array). */
static inline void fa_account(fa_world *w, fz_in *in, size_t k, size_t max_pos, int absurd_ok)
{
    mgn_account *a = &w->acct[k];
    memset(a, 0, sizeof *a);
    w->acct_bad[k] = 0;
    a->struct_size = fa_struct_size(w, in, sizeof *a, &w->acct_bad[k]);
    a->n_pos = fz_count(in, max_pos);
    for (size_t i = 0; i < a->n_pos; i++)
        fa_position(w, in, &w->pos[k][i], 0);
    a->pos = w->pos[k];
    a->n_bal = fz_count(in, FA_MAX_BAL);
    for (size_t i = 0; i < a->n_bal; i++) {
        mgn_balance *b = &w->bal[k][i];
        b->asset = fa_int(w, in, -1, (int)w->n_mkt - 1);
        b->reserved = w->hostile && fa_rare(in) ? 1 : 0;
        b->amount = fa_real(w, in, -1e3, 1e5);
        b->haircut = fz_u8(in) < 128 ? 0.0 : fa_real(w, in, 0.0, 1.0);
        b->haircut_slope = fz_u8(in) < 192 ? 0.0 : fa_pos(w, in, 1e-9, 1e-3);
    }
    a->bal = w->bal[k];
    if (fz_u8(in) & 1) {
        for (size_t i = 0; i < a->n_pos; i++)
            w->iso[k][i] = fa_real(w, in, 0.0, 1e4);
        a->isolated = w->iso[k];
    }
    a->currency = fa_int(w, in, -1, (int)w->n_mkt - 1);
    if (w->hostile && fa_rare(in)) {
        switch (fz_u8(in) % 5u) {
        case 0: a->reserved = 1; break;
        case 1: if (a->n_pos > 0) a->pos = NULL; break;
        case 2: if (a->n_bal > 0) a->bal = NULL; break;
        case 3: if (absurd_ok) { a->n_pos = fa_absurd(in); w->acct_bad[k] = 1; } break;
        default: if (absurd_ok) { a->n_bal = fa_absurd(in); w->acct_bad[k] = 1; } break;
        }
    }
}

/* Half the time, moves account k next to a margin boundary: a balance in the account
   currency (negative: borrowed) or, isolated, each position's collateral is chosen so
   that equity = ratio * MM (or IM) today, ratio in [0.3, 1.5]. Liquidation, status
   boundaries and crossings near the spot are then common instead of rare. */
static inline void fa_tune(fa_world *w, fz_in *in, size_t k)
{
    mgn_account *a = &w->acct[k];
    if (fz_u8(in) >= 128 || w->acct_bad[k] || a->n_pos > FA_MAX_POS || a->n_bal >= FA_MAX_BAL
        || (a->n_bal > 0 && a->bal == NULL))
        return;
    double ratio = fz_sane(in, 0.3, 1.5);
    int on_im = fz_bool(in);
    size_t need = 0;
    if (mgn_account_work_size(&w->prm, w->n_mkt, a->n_pos, &need) != MGN_OK)
        return;
    void *work = fz_alloc(need);
    if (!work)
        return;
    mgn_account_result r;
    mgn_position_result pp[FA_MAX_POS];
    int st = mgn_account_eval(w->mkt, w->n_mkt, a, &w->prm, 0.0, INFINITY, work, need, &r, pp);
    free(work);
    if (st != MGN_OK)
        return;
    if (w->prm.mode == MGN_MODE_ISOLATED) {
        for (size_t i = 0; i < a->n_pos; i++) {
            double c = ratio * (on_im ? pp[i].im : pp[i].mm) - pp[i].value;
            w->iso[k][i] = isfinite(c) && c > 0 ? c : 0.0;
        }
        a->isolated = w->iso[k];
        return;
    }
    double add = ratio * (on_im ? r.im : r.mm) - r.equity;
    if (!isfinite(add))
        return;
    mgn_balance *b = &w->bal[k][a->n_bal];
    b->asset = a->currency;   /* worth its amount in the account currency */
    b->reserved = 0;
    b->amount = add;
    b->haircut = 0;
    b->haircut_slope = 0;
    a->bal = w->bal[k];
    a->n_bal++;
}

/* Start of a world: the hostile flag and the markets. */
static inline void fa_begin(fa_world *w, fz_in *in)
{
    memset(w, 0, sizeof *w);
    w->hostile = fz_u8(in) >= 160;
    (void)fz_u8(in);   /* spare (keeps the byte layout of the kept inputs) */
    fa_markets(w, in);
}

/* n_mkt as passed to a call: the decoded count, or rarely 0 / absurd (rejected). */
static inline size_t fa_n_mkt_arg(const fa_world *w, fz_in *in, int *bad)
{
    if (!w->hostile || !fa_rare(in))
        return w->n_mkt;
    *bad = 1;
    return fz_u8(in) & 1 ? 0 : fa_absurd(in);
}

/* A caller's workspace for a call needing `need` bytes: right, or (hostile) NULL,
   one byte short or misaligned (*bad set when need > 0 makes that a failure). */
typedef struct fa_work {
    void *base;
    void *ptr;
    size_t size;
} fa_work;

static inline int fa_work_get(const fa_world *w, fz_in *in, size_t need, fa_work *wk, int *bad)
{
    wk->base = fz_alloc(need + 64);
    if (!wk->base)
        return 0;
    wk->ptr = wk->base;
    wk->size = need;
    if (w->hostile && fa_rare(in)) {
        switch (fz_u8(in) % 3u) {
        case 0: wk->ptr = NULL; break;
        case 1: if (need > 0) wk->size = need - 1; break;
        default: wk->ptr = (char *)wk->base + 1; break;
        }
        if (need > 0)
            *bad = 1;
    }
    return 1;
}

/*---------------------------------------------------------------- checks */

/* A call with a NULL pointer argument: MGN_EINVAL when the same call without it
   (status st_ref) succeeds; otherwise a failure (another bad argument may be found
   first: the order of the checks is not part of the contract). */
#define FA_NULL_STATUS(st, st_ref) \
    FZ_ASSERT((st_ref) == MGN_OK ? (st) == MGN_EINVAL : (st) != MGN_OK)

static inline int fa_status_of(double e, double im, double mm, double liq_ratio, double now,
                               double deadline)
{
    if (e < 0) return MGN_ACCT_BANKRUPT;
    if (e < mm * liq_ratio || (e < mm && now >= deadline)) return MGN_ACCT_LIQUIDATE;
    if (e < mm) return MGN_ACCT_MARGIN_CALL;
    if (e < im) return MGN_ACCT_RESTRICTED;
    return MGN_ACCT_OK;
}

static inline int fa_close(double a, double b, double scale, double rel)
{
    return fabs(a - b) <= rel * scale + 1e-300;
}

/* Every double of an account result finite, margins and amounts non-negative, the
   status in range, and the pooled-mode identities of the header. */
static inline void fa_check_result(const mgn_account_result *r, const mgn_account_params *p,
                                   double now, double deadline)
{
    FZ_ASSERT(isfinite(r->equity) && isfinite(r->collateral) && isfinite(r->position_value));
    FZ_ASSERT(isfinite(r->im) && isfinite(r->mm) && isfinite(r->margin_ratio));
    FZ_ASSERT(isfinite(r->available) && isfinite(r->call_amount) && isfinite(r->shortfall));
    FZ_ASSERT(r->im >= 0 && r->mm >= 0 && r->available >= 0 && r->shortfall >= 0);
    FZ_ASSERT(r->call_amount >= 0);
    FZ_ASSERT(r->status >= MGN_ACCT_OK && r->status <= MGN_ACCT_BANKRUPT);
    FZ_ASSERT(r->n_called >= 0);
    if (r->mm == 0)
        FZ_ASSERT(fabs(r->margin_ratio) == DBL_MAX);
    if (p->mode == MGN_MODE_ISOLATED)
        return;
    double e = r->equity;
    FZ_ASSERT(e == r->collateral + r->position_value);
    FZ_ASSERT(r->status == fa_status_of(e, r->im, r->mm, p->liq_ratio, now, deadline));
    FZ_ASSERT(r->available == (e > r->im ? e - r->im : 0));
    FZ_ASSERT(r->shortfall == (e < 0 ? -e : 0));
    FZ_ASSERT(r->call_amount == (r->status >= MGN_ACCT_MARGIN_CALL ? r->im - e : 0));
    FZ_ASSERT(r->n_called == (r->status >= MGN_ACCT_MARGIN_CALL));
    if (r->mm > 0) {
        double q = e / r->mm;
        if (q > DBL_MAX) q = DBL_MAX;
        if (q < -DBL_MAX) q = -DBL_MAX;
        FZ_ASSERT(r->margin_ratio == q);
    } else {
        FZ_ASSERT(r->margin_ratio == (e >= 0 ? DBL_MAX : -DBL_MAX));
    }
}

/* Sum of the magnitudes of the result's parts: the scale of its rounding. */
static inline double fa_scale(const mgn_account_result *r)
{
    return fabs(r->collateral) + fabs(r->position_value) + r->im + r->mm + 1.0;
}

#endif
