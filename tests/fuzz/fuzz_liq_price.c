/*
 * Fuzz target: liquidation prices (lib/liquidation.c): mgn_liq_price_closed (linear
 * and inverse, with and without tiers), mgn_liq_search_init, mgn_liq_prices_work_size,
 * mgn_liq_prices and mgn_whatif_liq_prices on small accounts of every margin mode.
 * Contract: documented status; NULL pointer arguments give MGN_EINVAL; a wrong
 * struct_size, 0 or absurd counts, a grid outside [2, 1e7] or a bad workspace never
 * give MGN_OK; a failure leaves out untouched; same bits on a second call.
 * Closed form on MGN_OK: finite, price >= 0 and found == (price > 0), tier -1 without
 * tiers and otherwise the tier whose range holds the position at the price, equity -
 * (MM + fee) == 0 at the price and wallet + other + PnL == 0 at the bankruptcy price
 * (to 1e-9 of the terms; the header promises about 1e-12).
 * Root search on MGN_OK: spot and gap are today's price and equity - MM of
 * mgn_account_eval (isolated: the first position to reach its MM), roots in
 * increasing order inside [lo, hi] and only min(n_roots, max_roots) written, the
 * nearest below / above are the roots around the spot with the documented distances.
 * A zero-size future order leaves the search unchanged (mgn_whatif_liq_prices equal
 * to mgn_liq_prices) wherever the header's definitions make it so.
 */
#include "acct_gen.h"

#define MAX_ROOTS 8

/*---------------------------------------------------------------- closed form */

static void fuzz_closed(fa_world *w, fz_in *in)
{
    mgn_liq_input li;
    mgn_std_tier tiers[FA_MAX_TIERS];
    int bad = 0;
    memset(&li, 0, sizeof li);
    li.struct_size = fa_struct_size(w, in, sizeof li, &bad);
    li.settlement = fa_int(w, in, 0, 1);
    li.tier_basis = fa_int(w, in, 0, 1);
    double E = fa_pos(w, in, 1.0, 1e5);
    li.entry = E;
    int inv = li.settlement == MGN_INVERSE;
    li.size = fz_u8(in) < 8 ? 0.0 : inv ? fa_real(w, in, -1e6, 1e6) : fa_real(w, in, -100.0, 100.0);
    li.wallet = inv ? fa_real(w, in, 0.0, 10.0) : fa_real(w, in, 0.0, 1e5);
    li.other = fz_u8(in) < 128 ? 0.0 : inv ? fa_real(w, in, -5.0, 5.0) : fa_real(w, in, -1e4, 1e4);
    li.mm_rate = fa_real(w, in, 0.0, 0.1);
    li.mm_amount = fz_u8(in) < 128 ? 0.0 : fa_real(w, in, 0.0, 1e3);
    li.size_mm = fz_u8(in) < 192 ? 0.0 : fa_real(w, in, 0.0, 1e-4);
    li.fee_rate = fz_u8(in) < 128 ? 0.0 : fa_real(w, in, 0.0, 0.01);
    li.n_tiers = fz_count(in, FA_MAX_TIERS);
    double floor = 0, rate = 0, cum = 0;
    for (size_t t = 0; t < li.n_tiers; t++) {
        /* Binance-like brackets: cum_n = floor_n (mm_n - mm_{n-1}) + cum_{n-1} */
        if (t > 0)
            floor += fa_pos(w, in, 1.0, 1e6);
        double r = rate + fa_real(w, in, 0.0, 0.05);
        cum += floor * (r - rate);
        rate = r;
        tiers[t].floor = floor;
        tiers[t].mm_rate = rate;
        tiers[t].im_rate = 2 * rate;
        tiers[t].mm_amount = fz_u8(in) < 224 ? cum : fa_real(w, in, 0.0, 1e4);
    }
    li.tiers = li.n_tiers > 0 || fz_bool(in) ? tiers : NULL;
    if (w->hostile && fa_rare(in)) {
        switch (fz_u8(in) % 4u) {
        case 0: li.tiers = NULL; break;
        case 1: li.n_tiers = fa_absurd(in); li.tiers = tiers; bad = 1; break;
        case 2: li.tier_basis = MGN_STD_TIER_CONTRACTS; bad |= li.n_tiers > 0; break;
        default: li.tier_basis = fz_int(in, 0, 1); break;
        }
    }
    unsigned nul = w->hostile ? fz_u8(in) % 8u : 0;
    for (size_t t = 0; t < li.n_tiers && t < FA_MAX_TIERS; t++)
        FZ_LOG("tier %zu floor %.17g mm_rate %.17g mm_amount %.17g\n", t, tiers[t].floor,
               tiers[t].mm_rate, tiers[t].mm_amount);
    FZ_LOG("closed settle %d basis %d size %.17g entry %.17g wallet %.17g other %.17g mmr %.17g "
           "cum %.17g size_mm %.17g fee %.17g n_tiers %zu nul %u\n", li.settlement, li.tier_basis,
           li.size, li.entry, li.wallet, li.other, li.mm_rate, li.mm_amount, li.size_mm,
           li.fee_rate, li.n_tiers, nul);
    mgn_liq_closed r, r2;
    FZ_FILL(&r, sizeof r);
    FZ_FILL(&r2, sizeof r2);
    int nulled = nul == 1 || nul == 2;
    int st_ref = nulled ? mgn_liq_price_closed(&li, &r2) : MGN_OK;
    FZ_FILL(&r2, sizeof r2);
    int st = mgn_liq_price_closed(nul == 1 ? NULL : &li, nul == 2 ? NULL : &r);
    FZ_LOG("  -> %d\n", st);
    FZ_STATUS(st);
    if (nulled)
        FA_NULL_STATUS(st, st_ref);
    if (bad)
        FZ_ASSERT(st != MGN_OK);
    if (st != MGN_OK || nulled) {
        FZ_ASSERT(fz_untouched(&r, sizeof r));
        return;
    }
    FZ_LOG("  price %.17g mm %.17g bankruptcy %.17g found %d tier %d\n", r.price, r.mm,
           r.bankruptcy, r.found, r.tier);
    FZ_ASSERT(isfinite(r.price) && isfinite(r.mm) && isfinite(r.bankruptcy));
    FZ_ASSERT(r.price >= 0 && r.bankruptcy >= 0);
    FZ_ASSERT(r.found == (r.price > 0));
    if (li.n_tiers == 0 || !r.found)
        FZ_ASSERT(r.tier == -1);
    else
        FZ_ASSERT(r.tier >= 0 && (size_t)r.tier < li.n_tiers);
    /* The residuals in long double, as the library solves them: with an extreme size
       and entry, Q / E may overflow a double where the price is still a double. */
    long double Q = li.size, aQ = fabsl(Q), W = (long double)li.wallet + li.other;
    if (r.found && !mgn_long_double_is_double()) {     /* the extended format: ldbl.h */
        long double P = r.price, eq, scale;
        /* the scale of the rounding: every term of equity and of MM + fee (which may
           cancel, e.g. a large maintenance amount) */
        double k = r.tier >= 0 ? tiers[r.tier].mm_rate : li.mm_rate;
        double cum = r.tier >= 0 ? tiers[r.tier].mm_amount : li.mm_amount;
        int units = r.tier >= 0 && li.tier_basis == MGN_STD_TIER_UNITS;
        if (inv) {
            long double n = aQ / P;
            eq = W + Q / E - Q / P;   /* 1 / E may overflow where Q / E does not */
            scale = fabsl(li.wallet) + fabsl(li.other) + aQ / E + n + fabsl(r.mm)
                  + n * (k + li.size_mm * n + li.fee_rate) + (units ? cum : cum / P);
        } else {
            eq = W + Q * (P - E);
            scale = fabsl(li.wallet) + fabsl(li.other) + aQ * E + aQ * P + fabsl(r.mm)
                  + aQ * P * (k + li.size_mm * aQ + li.fee_rate) + (units ? cum * P : cum);
        }
        FZ_ASSERT(fabsl(eq - r.mm) <= 1e-9L * scale + 1e-300L);  /* subnormal sizes: absolute */
        if (r.tier >= 0) {
            double m = li.tier_basis == MGN_STD_TIER_UNITS ? (double)(inv ? aQ / P : aQ)
                                                             : (double)(inv ? aQ : aQ * P);
            double lo = tiers[r.tier].floor;
            double hi = (size_t)r.tier + 1 < li.n_tiers ? tiers[r.tier + 1].floor : INFINITY;
            double sl = 1e-9 * (m > 1 ? m : 1);
            FZ_ASSERT(m >= lo - sl && m < hi + sl);
        }
    }
    if (r.bankruptcy > 0 && !mgn_long_double_is_double()) {
        long double P = r.bankruptcy, eq, scale;
        if (inv) {
            eq = W + Q / E - Q / P;
            scale = fabsl(li.wallet) + fabsl(li.other) + aQ / E + aQ / P;
        } else {
            eq = W + Q * (P - E);
            scale = fabsl(li.wallet) + fabsl(li.other) + aQ * E + aQ * P;
        }
        FZ_ASSERT(fabsl(eq) <= 1e-9L * scale + 1e-300L);
    }
    FZ_ASSERT(mgn_liq_price_closed(&li, &r2) == MGN_OK && fz_same_bits(&r, &r2, sizeof r));
}

/*---------------------------------------------------------------- root search */

static void decode_search(fa_world *w, fz_in *in, mgn_liq_search *s, double *betas, int *bad)
{
    FZ_ASSERT(mgn_liq_search_init(s) == MGN_OK);
    FZ_ASSERT(s->struct_size == sizeof *s && s->grid == 4096 && s->horizon == 1.0 / 365
              && s->underlying == 0 && s->betas == NULL && s->lo == 0 && s->hi == 0);
    s->struct_size = fa_struct_size(w, in, sizeof *s, bad);
    s->underlying = fa_int(w, in, 0, (int)w->n_mkt - 1);
    if (s->underlying < 0 || (size_t)s->underlying >= w->n_mkt)
        *bad = 1;
    if (w->hostile && fa_rare(in)) {
        s->reserved = 1;
        *bad = 1;
    }
    if (fz_u8(in) < 64) {
        for (size_t v = 0; v < w->n_mkt; v++)
            betas[v] = fz_u8(in) < 64 ? 0.0 : fa_real(w, in, -2.0, 2.0);
        s->betas = betas;
    }
    double S = fa_spot_of(w, s->underlying);
    if (fz_u8(in) < 128) {
        s->lo = S * fa_pos(w, in, 0.05, 1.0);
        s->hi = S * fa_pos(w, in, 1.0, 20.0);
    }
    s->grid = 2 + fz_count(in, 14);
    if (w->hostile && fa_rare(in)) {
        static const size_t bad_grid[] = { 0, 1, 10000001, SIZE_MAX };
        s->grid = bad_grid[fz_u8(in) % 4u];
        *bad = 1;
    }
    if (fz_u8(in) < 128) {
        s->vol = fa_real(w, in, 0.0, 2.0);
        s->horizon = fa_real(w, in, 0.0, 1.0);
    }
}

/* Roots and nearest crossings of a successful search. */
static void check_search(const fa_world *w, const mgn_liq_search *s,
                         const mgn_liq_price_result *r, const double *roots, size_t max_roots)
{
    double S0 = w->mkt[s->underlying].spot;
    FZ_ASSERT(r->spot == S0);
    FZ_ASSERT(isfinite(r->gap) && isfinite(r->below) && isfinite(r->above));
    FZ_ASSERT(isfinite(r->below_pct) && isfinite(r->above_pct) && isfinite(r->below_sd)
              && isfinite(r->above_sd));
    FZ_ASSERT(r->below_pct >= 0 && r->above_pct >= 0 && r->below_sd >= 0 && r->above_sd >= 0);
    FZ_ASSERT((r->has_below == 0 || r->has_below == 1) && (r->has_above == 0 || r->has_above == 1));
    double lo = s->lo > 0 ? s->lo : 0.1 * S0, hi = s->hi > 0 ? s->hi : 10 * S0;
    size_t nw = r->n_roots < max_roots ? r->n_roots : max_roots;
    for (size_t i = 0; i < nw; i++) {
        FZ_ASSERT(isfinite(roots[i]) && roots[i] >= lo && roots[i] <= hi);
        if (i > 0)
            FZ_ASSERT(roots[i] > roots[i - 1]);
    }
    FZ_ASSERT(fz_untouched(roots + nw, (MAX_ROOTS - nw) * sizeof(double)));
    if (r->n_roots == 0)
        FZ_ASSERT(!r->has_below && !r->has_above);
    double sd = s->vol * sqrt(s->horizon);
    if (r->has_below) {
        FZ_ASSERT(r->below > 0 && r->below <= S0);
        FZ_ASSERT(r->below_pct == fmin(100 * fabs(r->below / S0 - 1), DBL_MAX));
        FZ_ASSERT(r->below_sd == (sd > 0 ? fmin(fabs(log(r->below / S0)) / sd, DBL_MAX) : 0));
    } else {
        FZ_ASSERT(r->below == 0 && r->below_pct == 0 && r->below_sd == 0);
    }
    if (r->has_above) {
        FZ_ASSERT(r->above >= S0);
        FZ_ASSERT(r->above_pct == fmin(100 * fabs(r->above / S0 - 1), DBL_MAX));
        FZ_ASSERT(r->above_sd == (sd > 0 ? fmin(fabs(log(r->above / S0)) / sd, DBL_MAX) : 0));
    } else {
        FZ_ASSERT(r->above == 0 && r->above_pct == 0 && r->above_sd == 0);
    }
    if (r->n_roots <= max_roots) {
        /* every root written: the nearest ones are among them */
        int hb = 0, ha = 0;
        double b = 0, a = 0;
        for (size_t i = 0; i < nw; i++) {
            if (roots[i] <= S0) { b = roots[i]; hb = 1; }
            if (roots[i] >= S0 && !ha) { a = roots[i]; ha = 1; }
        }
        FZ_ASSERT(hb == r->has_below && ha == r->has_above);
        FZ_ASSERT(b == r->below && a == r->above);
    }
}

/* g today from mgn_account_eval: equity - MM, or (isolated) the smallest e_i - MM_i of
   the positions with a quantity and with an MM or a negative e_i, else of all with a
   quantity (equity - MM where there is none). */
static int gap_of(const fa_world *w, double *gap)
{
    const mgn_account *a = &w->acct[0];
    size_t need = 0;
    if (mgn_account_work_size(&w->prm, w->n_mkt, a->n_pos, &need) != MGN_OK)
        return -1;
    void *work = fz_alloc(need);
    mgn_account_result r;
    mgn_position_result pp[FA_MAX_POS];
    int st = mgn_account_eval(w->mkt, w->n_mkt, a, &w->prm, 0.0, INFINITY, work, need, &r, pp);
    free(work);
    if (st != MGN_OK)
        return st;
    double v = r.equity - r.mm;
    if (w->prm.mode == MGN_MODE_ISOLATED) {
        double call = INFINITY, all = INFINITY;
        for (size_t i = 0; i < a->n_pos; i++) {
            if (a->pos[i].quantity == 0)
                continue;
            all = fmin(all, pp[i].equity - pp[i].mm);
            if (!(pp[i].mm == 0 && pp[i].equity >= 0))
                call = fmin(call, pp[i].equity - pp[i].mm);
        }
        v = call < INFINITY ? call : all < INFINITY ? all : v;
    }
    *gap = v;
    return MGN_OK;
}

static int any_quantity(const mgn_account *a)
{
    for (size_t i = 0; i < a->n_pos; i++)
        if (a->pos[i].quantity != 0)
            return 1;
    return 0;
}

static void fuzz_search(fa_world *w, fz_in *in)
{
    const mgn_account *a = &w->acct[0];
    mgn_liq_search s;
    double betas[FA_MAX_MKT];
    int bad_search = 0;
    decode_search(w, in, &s, betas, &bad_search);
    mgn_position order;
    fa_position(w, in, &order, 1);
    double order_col = fz_u8(in) < 128 ? 0.0 : fa_real(w, in, 0.0, 1e4);
    int whatif = fz_bool(in);
    int bad = w->prm_bad || w->acct_bad[0] || bad_search;
    if (whatif && !(isfinite(order_col) && order_col >= 0))
        bad = 1;
    size_t n_mkt = fa_n_mkt_arg(w, in, &bad);

    /* work size */
    size_t need = 0, need2;
    size_t n_pos_ws = a->n_pos <= FA_MAX_POS ? a->n_pos : FA_MAX_POS;
    int wst = mgn_liq_prices_work_size(&w->prm, w->n_mkt, n_pos_ws, &need);
    FZ_STATUS(wst);
    FZ_ASSERT(mgn_liq_prices_work_size(&w->prm, w->n_mkt, n_pos_ws, NULL) == MGN_EINVAL);
    FZ_ASSERT(mgn_liq_prices_work_size(NULL, w->n_mkt, n_pos_ws, &need2) == MGN_EINVAL);
    FZ_FILL(&need2, sizeof need2);
    FZ_ASSERT(mgn_liq_prices_work_size(&w->prm, w->n_mkt, fa_absurd(in), &need2) != MGN_OK);
    FZ_ASSERT(mgn_liq_prices_work_size(&w->prm, 0, n_pos_ws, &need2) != MGN_OK);
    FZ_ASSERT(fz_untouched(&need2, sizeof need2));
    if (wst != MGN_OK) {
        FZ_ASSERT(w->prm_bad || wst == MGN_EINVAL);
        need = 0;
    } else {
        FZ_ASSERT(need > 0 && need % 64 == 0);
    }
    fa_work wk;
    if (!fa_work_get(w, in, need, &wk, &bad))
        return;
    if (wk.ptr == NULL)
        bad = 1;   /* the search always needs its workspace */

    size_t max_roots = fz_count(in, MAX_ROOTS);
    double roots[MAX_ROOTS], roots2[MAX_ROOTS];
    double *roots_arg = max_roots > 0 || fz_bool(in) ? roots : NULL;
    unsigned nul = w->hostile ? fz_u8(in) % 8u : 0;
    if (nul == 6 && max_roots > 0)
        roots_arg = NULL;   /* NULL roots with a capacity */
    mgn_liq_price_result r, r2;
    FZ_FILL(&r, sizeof r);
    FZ_FILL(&r2, sizeof r2);
    FZ_FILL(roots, sizeof roots);
    FZ_FILL(roots2, sizeof roots2);
    FZ_LOG("search whatif %d u %d betas %d lo %.17g hi %.17g grid %zu vol %.17g horizon %.17g "
           "max_roots %zu nul %u need %zu\n", whatif, s.underlying, s.betas != NULL, s.lo, s.hi,
           s.grid, s.vol, s.horizon, max_roots, nul, need);
#define SEARCH_CALL(N, ROOTS, R)                                                          \
    (whatif ? mgn_whatif_liq_prices((N) == 1 ? NULL : w->mkt, n_mkt, (N) == 2 ? NULL : a,  \
                                    (N) == 3 ? NULL : &w->prm, (N) == 7 ? NULL : &order,     \
                                    order_col, (N) == 4 ? NULL : &s, wk.ptr, wk.size,        \
                                    (ROOTS), max_roots, (N) == 5 ? NULL : (R))               \
            : mgn_liq_prices((N) == 1 ? NULL : w->mkt, n_mkt, (N) == 2 ? NULL : a,          \
                             (N) == 3 ? NULL : &w->prm, (N) == 4 ? NULL : &s, wk.ptr,        \
                             wk.size, (ROOTS), max_roots, (N) == 5 ? NULL : (R)))
    int nulled = (nul >= 1 && nul <= 5) || (nul == 6 && max_roots > 0) || (nul == 7 && whatif);
    int st_ref = nulled ? SEARCH_CALL(0, max_roots > 0 ? roots2 : NULL, &r2) : MGN_OK;
    FZ_FILL(&r2, sizeof r2);
    FZ_FILL(roots2, sizeof roots2);
    int st = SEARCH_CALL(nul, roots_arg, &r);
#undef SEARCH_CALL
    FZ_LOG("  -> %d\n", st);
    FZ_STATUS(st);
    if (nulled)
        FA_NULL_STATUS(st, st_ref);
    if (bad)
        FZ_ASSERT(st != MGN_OK);
    if (st != MGN_OK || nulled) {
        FZ_ASSERT(fz_untouched(&r, sizeof r));
        free(wk.base);
        return;
    }
    FZ_LOG("  n_roots %zu gap %.17g below %.17g above %.17g\n", r.n_roots, r.gap, r.below,
           r.above);
    check_search(w, &s, &r, roots, max_roots);
    double gap = 0;
    int gst = gap_of(w, &gap);
    FZ_LOG("  account now: status %d gap %.17g\n", gst, gap);
    FZ_ASSERT(gst == MGN_OK || gst == -1);
    if (!whatif && gst == MGN_OK)
        FZ_ASSERT(r.gap == gap);
    /* same bits */
    if (whatif)
        st = mgn_whatif_liq_prices(w->mkt, n_mkt, a, &w->prm, &order, order_col, &s, wk.ptr,
                                   wk.size, roots_arg ? roots2 : NULL, max_roots, &r2);
    else
        st = mgn_liq_prices(w->mkt, n_mkt, a, &w->prm, &s, wk.ptr, wk.size,
                            roots_arg ? roots2 : NULL, max_roots, &r2);
    FZ_ASSERT(st == MGN_OK && fz_same_bits(&r, &r2, sizeof r)
              && fz_same_bits(roots, roots2, sizeof roots));
    /* a zero-size future order adds no kink and no value: the search is unchanged
       (isolated mode: as long as a position with a quantity decides g) */
    if (whatif && order.quantity == 0 && order.instrument != MGN_OPTION
        && (w->prm.mode != MGN_MODE_ISOLATED || any_quantity(a))) {
        FZ_FILL(roots2, sizeof roots2);
        st = mgn_liq_prices(w->mkt, n_mkt, a, &w->prm, &s, wk.ptr, wk.size,
                            roots_arg ? roots2 : NULL, max_roots, &r2);
        FZ_ASSERT(st == MGN_OK);
        FZ_ASSERT(r2.n_roots == r.n_roots && r2.gap == r.gap && r2.below == r.below
                  && r2.above == r.above && r2.has_below == r.has_below
                  && r2.has_above == r.has_above);
        size_t nw = r.n_roots < max_roots ? r.n_roots : max_roots;
        for (size_t i = 0; i < nw; i++)
            FZ_ASSERT(roots[i] == roots2[i]);
    }
    free(wk.base);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = fz_init(data, size);
    fa_world w;
    fa_begin(&w, &in);
    FZ_ASSERT(mgn_liq_search_init(NULL) == MGN_EINVAL);
    FZ_ASSERT(mgn_sizeof_liq_input() == sizeof(mgn_liq_input)
              && mgn_sizeof_liq_closed() == sizeof(mgn_liq_closed)
              && mgn_sizeof_liq_search() == sizeof(mgn_liq_search)
              && mgn_sizeof_liq_price_result() == sizeof(mgn_liq_price_result));
    if (fz_u8(&in) < 96) {
        fuzz_closed(&w, &in);
        return 0;
    }
    fa_params(&w, &in);
    fa_account(&w, &in, 0, FA_MAX_POS, 1);
    fa_tune(&w, &in, 0);
    FZ_LOG("hostile %d n_mkt %zu mode %d method %d n_pos %zu n_bal %zu cur %d\n", w.hostile,
           w.n_mkt, w.prm.mode, w.prm.pm_method, w.acct[0].n_pos, w.acct[0].n_bal,
           w.acct[0].currency);
    fuzz_search(&w, &in);
    return 0;
}
