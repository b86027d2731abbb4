/*
 * Fuzz target: accounts (lib/account.c): mgn_account_params_init, mgn_account_work_size,
 * mgn_account_eval, mgn_account_sweep (threads 1; 0, negative and too many rejected),
 * mgn_whatif_work_size, mgn_account_whatif, mgn_account_max_order, under every margin
 * mode (isolated, cross with and without strategy pairing, portfolio grid and SPAN),
 * on up to 4 markets and up to 4 accounts of <= 8 positions and <= 4 balances.
 * Contract: documented status; each NULL pointer argument gives MGN_EINVAL; a wrong
 * struct_size, 0 or absurd n_mkt, absurd counts or a bad workspace never give MGN_OK;
 * on MGN_OK every double is finite, margins and amounts >= 0, the status is the one the
 * header's rule gives for equity, IM, MM (pooled modes; isolated: the worst position's)
 * and the pooled identities hold (equity = collateral + value, available, call amount,
 * shortfall, margin ratio); the collateral is the documented haircut sum, the value
 * mgn_portfolio_value's, per-position records sum to the totals (cross, isolated); a
 * failure leaves out and per_pos untouched; same bits on a second call.
 * Sweep: out[k] agrees with mgn_account_eval of account k (bit-identical with a
 * workspace, within the batch pricer's accuracy without), an invalid account gets NaN
 * and status -1 and the call MGN_EINVAL, a rejected call writes nothing.
 * What-if: before is mgn_account_eval's result, order_im/mm/equity and accept follow
 * their definitions, a zero order changes nothing (isolated: adds its collateral).
 * Max order: 0 <= qty <= max_qty, and the what-if of qty keeps margin_ratio >= target.
 */
#include "acct_gen.h"

static double deadline_of(const fa_world *w, fz_in *in, double now)
{
    switch (fz_u8(in) % 4u) {
    case 0: return INFINITY;
    case 1: return now + fa_real(w, in, -1.0, 1.0);
    case 2: return now;   /* the boundary now >= deadline */
    default: return w->hostile ? fz_special(in, now) : -INFINITY;
    }
}

static int bad_time(double now, double deadline) { return !isfinite(now) || isnan(deadline); }

/* Equity within tol of one of the status boundaries. */
static int near_boundary(double e, double im, double mm, double liq, double tol)
{
    return fabs(e) <= tol || fabs(e - im) <= tol || fabs(e - mm) <= tol
        || fabs(e - mm * liq) <= tol;
}

static double ratio_of(double e, double mm)
{
    if (mm > 0) {
        double q = e / mm;
        return q > DBL_MAX ? DBL_MAX : q < -DBL_MAX ? -DBL_MAX : q;
    }
    return e >= 0 ? DBL_MAX : -DBL_MAX;
}

/* Collateral by the header's formula. */
static void collateral_of(const fa_world *w, const mgn_account *a, double *c, double *scale)
{
    const mgn_market *m = w->mkt;
    int cur = a->currency;
    *c = 0;
    *scale = 1;
    for (size_t i = 0; i < a->n_bal; i++) {
        const mgn_balance *b = &a->bal[i];
        /* price of the asset in quote over that of the account currency (1 for the
           account currency itself, whatever its price) */
        double f = b->asset == cur ? 1.0
                 : (b->asset == MGN_QUOTE ? 1.0 : m[b->asset].spot)
                   / (cur == MGN_QUOTE ? 1.0 : m[cur].spot);
        double amt = b->amount;
        if (amt > 0) {
            double h = b->haircut + b->haircut_slope * amt;
            amt *= 1 - (h < 1 ? h : 1);
        }
        double v = amt * f;
        *c += v;
        *scale += fabs(v);
    }
}

/* Notional of the options (account currency): the scale of the batch pricer's error. */
static double option_notional(const fa_world *w, const mgn_account *a)
{
    /* Divided, not multiplied by 1 / spot: with a subnormal spot the reciprocal is
       infinite and 0 * inf would make the tolerance NaN. */
    double s = 0, ccy = a->currency == MGN_QUOTE ? 1.0 : w->mkt[a->currency].spot;
    for (size_t i = 0; i < a->n_pos; i++) {
        const mgn_position *p = &a->pos[i];
        if (p->instrument == MGN_OPTION && p->quantity != 0) {
            double units = fabs(p->quantity * p->multiplier);
            s += units * w->mkt[p->underlying].spot / ccy + units * p->strike / ccy;
        }
    }
    return s;
}

/* The checks of a successful mgn_account_eval with per-position records pp. */
static void check_per_pos(const fa_world *w, const mgn_account *a, const mgn_account_result *r,
                          const mgn_position_result *pp, double now, double deadline)
{
    const mgn_account_params *p = &w->prm;
    int iso = p->mode == MGN_MODE_ISOLATED, pm = p->mode == MGN_MODE_PORTFOLIO;
    double sv = 0, si = 0, sm = 0, scale = 1 + fabs(r->collateral);
    double eq_pos = 0, short_pos = 0, avail = 0, call = 0, ratio = DBL_MAX;
    int worst = MGN_ACCT_OK, n_called = 0;
    for (size_t i = 0; i < a->n_pos; i++) {
        const mgn_position_result *q = &pp[i];
        FZ_ASSERT(isfinite(q->value) && isfinite(q->equity) && isfinite(q->im)
                  && isfinite(q->mm));
        FZ_ASSERT(q->reserved == 0);
        FZ_ASSERT(q->status >= MGN_ACCT_OK && q->status <= MGN_ACCT_BANKRUPT);
        if (!pm)
            FZ_ASSERT(q->im >= 0 && q->mm >= 0);
        sv += q->value;
        si += q->im;
        sm += q->mm;
        scale += fabs(q->value) + fabs(q->im) + fabs(q->mm) + fabs(q->equity);
        if (iso) {
            double c = a->isolated ? a->isolated[i] : 0.0;
            FZ_ASSERT(q->equity == c + q->value);
            int s = fa_status_of(q->equity, q->im, q->mm, p->liq_ratio, now, deadline);
            FZ_ASSERT(q->status == s);
            if (s > worst) worst = s;
            if (q->equity >= 0) eq_pos += q->equity; else short_pos -= q->equity;
            if (q->equity > q->im) avail += q->equity - q->im;
            if (s >= MGN_ACCT_MARGIN_CALL) {
                call += q->im - q->equity;
                n_called++;
            }
            double rr = ratio_of(q->equity, q->mm);
            if (rr < ratio) ratio = rr;
        } else {
            FZ_ASSERT(q->equity == q->value);
            FZ_ASSERT(q->status == r->status);
        }
    }
    FZ_ASSERT(fa_close(r->position_value, sv, scale, 1e-12));
    if (!pm) {
        FZ_ASSERT(fa_close(r->im, si, scale, 1e-12));
        FZ_ASSERT(fa_close(r->mm, sm, scale, 1e-12));
    }
    if (iso) {
        double col = r->collateral;
        if (col < 0) {
            worst = MGN_ACCT_BANKRUPT;
            short_pos -= col;
        }
        FZ_ASSERT(r->status == worst);
        FZ_ASSERT(r->n_called == n_called);
        FZ_ASSERT(r->margin_ratio == ratio);
        FZ_ASSERT(fa_close(r->equity, col + eq_pos, scale, 1e-12));
        FZ_ASSERT(fa_close(r->shortfall, short_pos, scale, 1e-12));
        FZ_ASSERT(fa_close(r->available, (col > 0 ? col : 0) + avail, scale, 1e-12));
        FZ_ASSERT(fa_close(r->call_amount, call, scale, 1e-12));
    }
}

/* Workspace bytes of the account functions for this account (0 when unknown). */
static size_t eval_need(const fa_world *w, size_t n_pos)
{
    size_t need = 0;
    if (n_pos > FA_MAX_POS)
        n_pos = FA_MAX_POS;
    if (mgn_account_work_size(&w->prm, w->n_mkt, n_pos, &need) != MGN_OK)
        return 0;
    return need;
}

static void fuzz_work_size(const fa_world *w, fz_in *in)
{
    size_t b1, b2;
    FZ_FILL(&b1, sizeof b1);
    FZ_FILL(&b2, sizeof b2);
    int bad = 0;
    size_t n_mkt = fa_n_mkt_arg(w, in, &bad);
    size_t max_pos = fz_count(in, FA_MAX_POS);
    if (w->hostile && fa_rare(in)) {
        max_pos = fa_absurd(in);
        bad = 1;
    }
    unsigned nul = w->hostile ? fz_u8(in) % 8u : 0;
    int which = fz_bool(in);
    int (*fn)(const mgn_account_params *, size_t, size_t, size_t *) =
        which ? mgn_whatif_work_size : mgn_account_work_size;
    int nulled = nul == 1 || nul == 2;
    int st_ref = nulled ? fn(&w->prm, n_mkt, max_pos, &b2) : MGN_OK;
    int st = fn(nul == 1 ? NULL : &w->prm, n_mkt, max_pos, nul == 2 ? NULL : &b1);
    FZ_LOG("work_size(%d) n_mkt %zu max_pos %zu nul %u -> %d\n", which, n_mkt, max_pos, nul, st);
    FZ_STATUS(st);
    if (nulled)
        FA_NULL_STATUS(st, st_ref);
    if (bad || (w->prm_bad && nul == 0))
        FZ_ASSERT(st != MGN_OK);
    if (st != MGN_OK || nul == 1 || nul == 2) {
        FZ_ASSERT(fz_untouched(&b1, sizeof b1));
        return;
    }
    FZ_ASSERT(fn(&w->prm, n_mkt, max_pos, &b2) == MGN_OK && b1 == b2);
    FZ_ASSERT(b1 % 64 == 0);
}

/* mgn_account_eval of account k; returns its status, with r and pp filled. */
static int eval_checked(const fa_world *w, fz_in *in, size_t k, double now, double deadline,
                        mgn_account_result *r, mgn_position_result *pp, int use_pp)
{
    const mgn_account *a = &w->acct[k];
    int bad = w->prm_bad || w->acct_bad[k] || bad_time(now, deadline);
    size_t n_mkt = fa_n_mkt_arg(w, in, &bad);
    fa_work wk;
    if (!fa_work_get(w, in, eval_need(w, a->n_pos), &wk, &bad))
        return -1;
    unsigned nul = w->hostile ? fz_u8(in) % 8u : 0;
    mgn_account_result r2;
    mgn_position_result pp2[FA_MAX_POS];
    FZ_FILL(r, sizeof *r);
    FZ_FILL(&r2, sizeof r2);
    FZ_FILL(pp, sizeof(mgn_position_result) * FA_MAX_POS);
    FZ_FILL(pp2, sizeof pp2);
#define EVAL_CALL(N, R, PP)                                                               \
    mgn_account_eval((N) == 1 ? NULL : w->mkt, n_mkt, (N) == 2 ? NULL : a,                 \
                     (N) == 3 ? NULL : &w->prm, now, deadline, wk.ptr, wk.size,              \
                     (N) == 4 ? NULL : (R), (PP))
    int nulled = nul >= 1 && nul <= 4;
    int st_ref = nulled ? EVAL_CALL(0, &r2, NULL) : MGN_OK;
    FZ_FILL(&r2, sizeof r2);
    int st = EVAL_CALL(nul, r, use_pp ? pp : NULL);
#undef EVAL_CALL
    FZ_LOG("eval acct %zu mode %d method %d n_pos %zu n_bal %zu cur %d now %g dl %g nul %u -> %d\n",
           k, w->prm.mode, w->prm.pm_method, a->n_pos, a->n_bal, a->currency, now, deadline,
           nul, st);
    FZ_STATUS(st);
    if (nulled)
        FA_NULL_STATUS(st, st_ref);
    if (bad)
        FZ_ASSERT(st != MGN_OK);
    if (st != MGN_OK || nulled) {
        FZ_ASSERT(fz_untouched(r, sizeof *r));
        FZ_ASSERT(fz_untouched(pp, sizeof(mgn_position_result) * FA_MAX_POS));
        free(wk.base);
        return st == MGN_OK ? MGN_EINVAL : st;
    }
    FZ_ASSERT(fz_untouched(&pp[a->n_pos], sizeof(mgn_position_result) * (FA_MAX_POS - a->n_pos)));
    fa_check_result(r, &w->prm, now, deadline);
    if (w->prm.mode == MGN_MODE_ISOLATED)
        FZ_ASSERT(r->n_called >= 0 && (size_t)r->n_called <= a->n_pos);
    double c, cs;
    collateral_of(w, a, &c, &cs);
    FZ_ASSERT(fa_close(r->collateral, c, cs, 1e-12));
    if (use_pp) {
        check_per_pos(w, a, r, pp, now, deadline);
        double v, scale = 1 + option_notional(w, a);
        for (size_t i = 0; i < a->n_pos; i++)
            scale += fabs(pp[i].value);
        if (mgn_portfolio_value(w->mkt, w->n_mkt, a->pos, a->n_pos, a->currency, &v) == MGN_OK)
            FZ_ASSERT(fa_close(r->position_value, v, scale, 1e-12));
    }
    /* same bits */
    int st2 = mgn_account_eval(w->mkt, n_mkt, a, &w->prm, now, deadline, wk.ptr, wk.size, &r2,
                               use_pp ? pp2 : NULL);
    FZ_ASSERT(st2 == MGN_OK && fz_same_bits(r, &r2, sizeof r2));
    if (use_pp)
        FZ_ASSERT(fz_same_bits(pp, pp2, sizeof(mgn_position_result) * a->n_pos));
    free(wk.base);
    return MGN_OK;
}

static void fuzz_sweep(const fa_world *w, fz_in *in, size_t n_acct, double now)
{
    int bad = w->prm_bad || !isfinite(now);
    size_t n_mkt = fa_n_mkt_arg(w, in, &bad);
    int threads = 1;
    if (w->hostile && fa_rare(in)) {
        static const int bad_threads[] = { 0, -1, INT_MIN, 257, INT_MAX };
        threads = bad_threads[fz_u8(in) % 5u];
        bad = 1;
    }
    double dls[FA_MAX_ACCT];
    int use_dl = fz_bool(in);
    for (size_t k = 0; k < n_acct; k++)
        dls[k] = use_dl ? deadline_of(w, in, now) : INFINITY;
    size_t max_pos = 0;
    for (size_t k = 0; k < n_acct; k++)
        if (w->acct[k].n_pos <= FA_MAX_POS && w->acct[k].n_pos > max_pos)
            max_pos = w->acct[k].n_pos;
    size_t need = eval_need(w, max_pos);
    fa_work wk;
    int bad_work = 0;
    if (!fa_work_get(w, in, need, &wk, &bad_work))
        return;
    size_t n_arg = n_acct;
    if (fz_u8(in) < 8)
        n_arg = 0;   /* does nothing (the workspace is not looked at) */
    if (n_arg > 0 && bad_work)
        bad = 1;
    unsigned nul = w->hostile ? fz_u8(in) % 8u : 0;
    mgn_account_result out[FA_MAX_ACCT], out2[FA_MAX_ACCT];
    FZ_FILL(out, sizeof out);
    FZ_FILL(out2, sizeof out2);
#define SWEEP_CALL(N, OUT)                                                                \
    mgn_account_sweep((N) == 1 ? NULL : w->mkt, n_mkt, (N) == 2 ? NULL : w->acct, n_arg,    \
                      (N) == 3 ? NULL : &w->prm, now, use_dl ? dls : NULL, threads, wk.ptr,   \
                      wk.size, (N) == 4 ? NULL : (OUT))
    int nulled = nul == 1 || nul == 3 || ((nul == 2 || nul == 4) && n_arg > 0);
    int st_ref = nulled ? SWEEP_CALL(0, out2) : MGN_OK;
    FZ_FILL(out2, sizeof out2);
    int st = SWEEP_CALL(nul, out);
#undef SWEEP_CALL
    FZ_LOG("sweep n_acct %zu threads %d now %g nul %u need %zu -> %d\n", n_arg, threads, now,
           nul, need, st);
    FZ_STATUS(st);
    if (nulled)
        FA_NULL_STATUS(st, st_ref);
    if (bad)
        FZ_ASSERT(st != MGN_OK);
    if (n_arg == 0 || (nul >= 1 && nul <= 4) || (st != MGN_OK && fz_untouched(out, sizeof out))) {
        FZ_ASSERT(fz_untouched(out, sizeof out));
        free(wk.base);
        return;
    }
    /* the batch ran: every account as mgn_account_eval gives it */
    FZ_ASSERT(st == MGN_OK || st == MGN_EINVAL);
    FZ_ASSERT(fz_untouched(&out[n_acct], sizeof(mgn_account_result) * (FA_MAX_ACCT - n_acct)));
    int any_bad = 0;
    for (size_t k = 0; k < n_acct; k++) {
        const mgn_account *a = &w->acct[k];
        const mgn_account_result *o = &out[k];
        mgn_account_result e;
        mgn_position_result pp[FA_MAX_POS];
        int es = MGN_EINVAL;
        if (a->n_pos <= FA_MAX_POS) {
            size_t en = eval_need(w, a->n_pos);
            void *ew = fz_alloc(en);
            es = mgn_account_eval(w->mkt, w->n_mkt, a, &w->prm, now, dls[k], ew, en, &e, pp);
            free(ew);
        }
        FZ_LOG("  acct %zu eval %d sweep status %d\n", k, es, o->status);
        if (es != MGN_OK) {
            any_bad = 1;
            FZ_ASSERT(o->status == -1 && o->n_called == 0);
            FZ_ASSERT(isnan(o->equity) && isnan(o->collateral) && isnan(o->position_value)
                      && isnan(o->im) && isnan(o->mm) && isnan(o->margin_ratio)
                      && isnan(o->available) && isnan(o->call_amount) && isnan(o->shortfall));
            continue;
        }
        FZ_ASSERT(o->status >= 0);
        if (need > 0) {
            FZ_ASSERT(fz_same_bits(o, &e, sizeof e));
            continue;
        }
        double tol = 1e-10 * (fa_scale(&e) + option_notional(w, a));
        for (size_t i = 0; i < a->n_pos; i++)
            tol += 1e-10 * (fabs(pp[i].value) + pp[i].im + pp[i].mm);
        FZ_LOG("  eval  E %.17g col %.17g val %.17g im %.17g mm %.17g\n"
               "  sweep E %.17g col %.17g val %.17g im %.17g mm %.17g tol %g\n", e.equity,
               e.collateral, e.position_value, e.im, e.mm, o->equity, o->collateral,
               o->position_value, o->im, o->mm, tol);
        FZ_ASSERT(fabs(o->equity - e.equity) <= tol && fabs(o->collateral - e.collateral) <= tol);
        FZ_ASSERT(fabs(o->position_value - e.position_value) <= tol);
        FZ_ASSERT(fabs(o->im - e.im) <= tol && fabs(o->mm - e.mm) <= tol);
        FZ_ASSERT(fabs(o->available - e.available) <= 2 * tol);
        FZ_ASSERT(fabs(o->shortfall - e.shortfall) <= 2 * tol);
        fa_check_result(o, &w->prm, now, dls[k]);
        if (o->status != e.status || o->n_called != e.n_called) {
            /* rounding may move an equity across a boundary, nothing more */
            int near = near_boundary(e.equity, e.im, e.mm, w->prm.liq_ratio, tol);
            if (w->prm.mode == MGN_MODE_ISOLATED)
                for (size_t i = 0; i < a->n_pos; i++)
                    near |= near_boundary(pp[i].equity, pp[i].im, pp[i].mm, w->prm.liq_ratio, tol)
                          | (fabs(e.collateral) <= tol);
            FZ_ASSERT(near);
        } else {
            FZ_ASSERT(fabs(o->call_amount - e.call_amount) <= 2 * tol);
        }
    }
    FZ_ASSERT(st == (any_bad ? MGN_EINVAL : MGN_OK));
    /* same bits */
    int st2 = mgn_account_sweep(w->mkt, n_mkt, w->acct, n_arg, &w->prm, now,
                                use_dl ? dls : NULL, threads, wk.ptr, wk.size, out2);
    FZ_ASSERT(st2 == st && fz_same_bits(out, out2, sizeof(mgn_account_result) * n_acct));
    free(wk.base);
}

static int whatif_call(const fa_world *w, const mgn_position *order, double order_col,
                       double now, double deadline, mgn_whatif_result *r)
{
    size_t need = 0;
    const mgn_account *a = &w->acct[0];
    if (mgn_whatif_work_size(&w->prm, w->n_mkt, a->n_pos, &need) != MGN_OK)
        need = 0;
    void *work = fz_alloc(need);
    int st = mgn_account_whatif(w->mkt, w->n_mkt, a, &w->prm, order, order_col, now, deadline,
                                work, need, r);
    free(work);
    return st;
}

static void fuzz_whatif(const fa_world *w, fz_in *in, const mgn_position *order, double now,
                        double deadline, int eval_st, const mgn_account_result *eval_r)
{
    const mgn_account *a = &w->acct[0];
    double order_col = fz_u8(in) < 64 ? 0.0 : fa_real(w, in, 0.0, 1e4);
    int bad = w->prm_bad || w->acct_bad[0] || bad_time(now, deadline)
           || !(isfinite(order_col) && order_col >= 0);
    size_t n_mkt = fa_n_mkt_arg(w, in, &bad);
    size_t need = 0;
    if (a->n_pos <= FA_MAX_POS && mgn_whatif_work_size(&w->prm, w->n_mkt, a->n_pos, &need) != MGN_OK)
        need = 0;
    fa_work wk;
    if (!fa_work_get(w, in, need, &wk, &bad))
        return;
    unsigned nul = w->hostile ? fz_u8(in) % 8u : 0;
    mgn_whatif_result r, r2;
    FZ_FILL(&r, sizeof r);
    FZ_FILL(&r2, sizeof r2);
#define WHATIF_CALL(N, R)                                                                 \
    mgn_account_whatif((N) == 1 ? NULL : w->mkt, n_mkt, (N) == 2 ? NULL : a,               \
                       (N) == 3 ? NULL : &w->prm, (N) == 4 ? NULL : order, order_col, now,   \
                       deadline, wk.ptr, wk.size, (N) == 5 ? NULL : (R))
    int nulled = nul >= 1 && nul <= 5;
    int st_ref = nulled ? WHATIF_CALL(0, &r2) : MGN_OK;
    FZ_FILL(&r2, sizeof r2);
    int st = WHATIF_CALL(nul, &r);
#undef WHATIF_CALL
    FZ_LOG("whatif order inst %d u %d type %d settle %d q %.17g m %.17g K %.17g T %.17g vol %.17g "
           "entry %.17g col %.17g nul %u -> %d\n", order->instrument, order->underlying,
           order->option_type, order->settlement, order->quantity, order->multiplier,
           order->strike, order->expiry, order->vol, order->entry_price, order_col, nul, st);
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
    FZ_ASSERT(eval_st != -2);   /* the account alone failed: so must the what-if */
    fa_check_result(&r.before, &w->prm, now, deadline);
    fa_check_result(&r.after, &w->prm, now, deadline);
    /* before is the account as mgn_account_eval gives it */
        if (eval_st == MGN_OK && n_mkt == w->n_mkt)
        FZ_ASSERT(memcmp(&r.before, eval_r, sizeof r.before) == 0);
    FZ_ASSERT(isfinite(r.order_im) && isfinite(r.order_mm) && isfinite(r.order_equity));
    FZ_ASSERT(r.order_im == r.after.im - r.before.im);
    FZ_ASSERT(r.order_mm == r.after.mm - r.before.mm);
    FZ_ASSERT(r.order_equity == r.after.position_value - r.before.position_value);
    FZ_ASSERT(r.accept == (r.after.status == MGN_ACCT_OK
                           || (r.after.status <= r.before.status && r.after.mm <= r.before.mm)));
    FZ_ASSERT(r.reserved == 0);
    if (order->quantity == 0) {
        /* a zero order adds nothing (isolated: its own collateral, at status OK) */
        double add = w->prm.mode == MGN_MODE_ISOLATED ? order_col : 0.0;
        double tol = 1e-12 * fa_scale(&r.before) + 1e-12 * add;
        FZ_ASSERT(fa_close(r.after.equity, r.before.equity + add, 1, tol));
        FZ_ASSERT(r.after.im == r.before.im && r.after.mm == r.before.mm);
        FZ_ASSERT(r.after.position_value == r.before.position_value);
        FZ_ASSERT(r.after.status == r.before.status);
    }
    int st2 = mgn_account_whatif(w->mkt, n_mkt, a, &w->prm, order, order_col, now, deadline,
                                 wk.ptr, wk.size, &r2);
    FZ_ASSERT(st2 == MGN_OK && fz_same_bits(&r, &r2, sizeof r));
    free(wk.base);
}

static void fuzz_max_order(const fa_world *w, fz_in *in, const mgn_position *order0)
{
    const mgn_account *a = &w->acct[0];
    mgn_position order = *order0;
    double order_col = fz_u8(in) < 64 ? 0.0 : fa_real(w, in, 0.0, 1e4);
    double target = fa_pos(w, in, 0.5, 5.0);
    double max_qty = fa_pos(w, in, 0.01, 100.0);
    int bad = w->prm_bad || w->acct_bad[0] || !(isfinite(order_col) && order_col >= 0)
           || !(isfinite(target) && target > 0) || !(isfinite(max_qty) && max_qty > 0)
           || order.quantity == 0;
    size_t n_mkt = fa_n_mkt_arg(w, in, &bad);
    size_t need = 0;
    if (a->n_pos <= FA_MAX_POS && mgn_whatif_work_size(&w->prm, w->n_mkt, a->n_pos, &need) != MGN_OK)
        need = 0;
    fa_work wk;
    if (!fa_work_get(w, in, need, &wk, &bad))
        return;
    unsigned nul = w->hostile ? fz_u8(in) % 8u : 0;
    double qty, qty2;
    FZ_FILL(&qty, sizeof qty);
    FZ_FILL(&qty2, sizeof qty2);
    FZ_LOG("max_order q %.17g col %.17g target %.17g max_qty %.17g nul %u\n", order.quantity,
           order_col, target, max_qty, nul);
#define MAX_CALL(N, Q)                                                                    \
    mgn_account_max_order((N) == 1 ? NULL : w->mkt, n_mkt, (N) == 2 ? NULL : a,            \
                          (N) == 3 ? NULL : &w->prm, (N) == 4 ? NULL : &order, order_col,    \
                          target, max_qty, wk.ptr, wk.size, (N) == 5 ? NULL : (Q))
    int nulled = nul >= 1 && nul <= 5;
    int st_ref = nulled ? MAX_CALL(0, &qty2) : MGN_OK;
    FZ_FILL(&qty2, sizeof qty2);
    int st = MAX_CALL(nul, &qty);
#undef MAX_CALL
    FZ_LOG("  -> %d qty %.17g\n", st, st == MGN_OK ? qty : 0.0);
    FZ_STATUS(st);
    if (nulled)
        FA_NULL_STATUS(st, st_ref);
    if (bad)
        FZ_ASSERT(st != MGN_OK);
    if (st != MGN_OK || nulled) {
        FZ_ASSERT(fz_untouched(&qty, sizeof qty));
        free(wk.base);
        return;
    }
    FZ_ASSERT(isfinite(qty) && qty >= 0 && qty <= max_qty);
    int st2 = mgn_account_max_order(w->mkt, n_mkt, a, &w->prm, &order, order_col, target, max_qty,
                                    wk.ptr, wk.size, &qty2);
    FZ_ASSERT(st2 == MGN_OK && fz_same_bits(&qty, &qty2, sizeof qty));
    free(wk.base);
    if (qty > 0) {
        /* the answer keeps the ratio at the target */
        mgn_whatif_result r;
        order.quantity = order0->quantity > 0 ? qty : -qty;
        if (whatif_call(w, &order, order_col, 0.0, INFINITY, &r) == MGN_OK)
            FZ_ASSERT(r.after.margin_ratio >= target);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = fz_init(data, size);
    fa_world w;
    fa_begin(&w, &in);
    fa_params(&w, &in);
    unsigned sel = fz_u8(&in);
    size_t n_acct = 1 + fz_count(&in, 3);
    for (size_t k = 0; k < n_acct; k++) {
        fa_account(&w, &in, k, FA_MAX_POS, 1);
        fa_tune(&w, &in, k);
    }
    double now = fa_real(&w, &in, 0.0, 100.0);
    double deadline = deadline_of(&w, &in, now);
    mgn_position order;
    fa_position(&w, &in, &order, 1);
    FZ_LOG("hostile %d n_mkt %zu mode %d method %d std %p n_std %zu n_acct %zu sel %u\n",
           w.hostile, w.n_mkt, w.prm.mode, w.prm.pm_method, (const void *)w.prm.std, w.prm.n_std,
           n_acct, sel);

    FZ_ASSERT(mgn_account_params_init(NULL) == MGN_EINVAL);
    FZ_ASSERT(mgn_sizeof_account() == sizeof(mgn_account)
              && mgn_sizeof_account_params() == sizeof(mgn_account_params)
              && mgn_sizeof_account_result() == sizeof(mgn_account_result)
              && mgn_sizeof_position_result() == sizeof(mgn_position_result)
              && mgn_sizeof_balance() == sizeof(mgn_balance)
              && mgn_sizeof_whatif_result() == sizeof(mgn_whatif_result));

    fuzz_work_size(&w, &in);
    mgn_account_result r;
    mgn_position_result pp[FA_MAX_POS];
    int use_pp = fz_bool(&in);
    int est = eval_checked(&w, &in, 0, now, deadline, &r, pp, use_pp);
    fuzz_sweep(&w, &in, n_acct, now);
    /* the account evaluated with plain arguments: the reference of the what-if's
       before (-1: not evaluated, -2: it failed) */
    mgn_account_result ref;
    int ref_st = -1;
    if (w.acct[0].n_pos <= FA_MAX_POS && !bad_time(now, deadline)) {
        size_t need = eval_need(&w, w.acct[0].n_pos);
        void *work = fz_alloc(need);
        ref_st = mgn_account_eval(w.mkt, w.n_mkt, &w.acct[0], &w.prm, now, deadline, work, need,
                                  &ref, NULL);
        free(work);
        if (est == MGN_OK)
            FZ_ASSERT(ref_st == MGN_OK && memcmp(&ref, &r, sizeof r) == 0);
        if (ref_st != MGN_OK)
            ref_st = -2;
    }
    fuzz_whatif(&w, &in, &order, now, deadline, ref_st, &ref);
    /* max_order evaluates the account up to a few hundred times */
    if ((sel & 7u) == 0)
        fuzz_max_order(&w, &in, &order);
    return 0;
}
