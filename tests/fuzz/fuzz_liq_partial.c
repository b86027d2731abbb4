/*
 * Fuzz target: partial liquidation and liquidator economics (lib/liquidation.c):
 * mgn_liq_params_init, mgn_liq_partial_work_size, mgn_liq_partial (every order and
 * target, hostile penalty / buffer / close factor / priority lists, an oracle guard),
 * mgn_liq_economics (on the planned closes and on the whole account), on small
 * accounts of every margin mode.
 * Contract: documented status; NULL pointer arguments give MGN_EINVAL; a wrong
 * struct_size, absurd counts or a bad workspace never give MGN_OK; a guard whose
 * verdict is not MGN_ORACLE_OK never gives MGN_OK (MGN_ESTALE when the rest is valid);
 * a failure leaves out, closes and the economics' scalar outputs untouched; same bits.
 * On MGN_OK: before is mgn_account_eval's result (now 0, no deadline), every figure
 * finite, penalty and notional >= 0 and the sums of the closes; each close a distinct
 * position with a quantity, fraction in (0, close_factor] (1 when full), quantity =
 * fraction * position quantity, penalty = penalty_rate * notional; proportional closes
 * share one fraction; full closes everything; the account is restored or everything
 * was closed; a restored pooled account meets its target; an account that met it
 * before is not touched. Economics: reward = bonus * notional, the flags and their
 * count and notional as defined.
 */
#include "acct_gen.h"

static void decode_lp(fa_world *w, fz_in *in, const mgn_account *a, mgn_liq_params *lp,
                      int *prio, int *bad)
{
    mgn_liq_params d;
    FZ_ASSERT(mgn_liq_params_init(&d) == MGN_OK);
    FZ_ASSERT(d.struct_size == sizeof d && d.order == MGN_LIQ_LARGEST_MM
              && d.target == MGN_LIQ_TARGET_MM && d.buffer == 0.1 && d.penalty_rate == 0.0075
              && d.close_factor == 0.5 && d.priority == NULL && d.n_priority == 0);
    *lp = d;
    lp->struct_size = fa_struct_size(w, in, sizeof *lp, bad);
    lp->order = fa_int(w, in, 0, 2);
    lp->target = fa_int(w, in, 0, 1);
    if (fz_u8(in) < 192) {
        lp->buffer = fa_real(w, in, 0.0, 0.5);
        lp->penalty_rate = fa_real(w, in, 0.0, 0.05);
        lp->close_factor = fa_real(w, in, 0.05, 1.0);
    }
    if (lp->order == MGN_LIQ_GIVEN && a->n_pos <= FA_MAX_POS) {
        /* a prefix of a permutation of the positions */
        size_t n = a->n_pos;
        for (size_t i = 0; i < n; i++)
            prio[i] = (int)i;
        for (size_t i = n; i > 1; i--) {
            size_t j = fz_u8(in) % i;
            int t = prio[i - 1];
            prio[i - 1] = prio[j];
            prio[j] = t;
        }
        lp->n_priority = fz_count(in, n);
        lp->priority = lp->n_priority > 0 || fz_bool(in) ? prio : NULL;
        if (w->hostile && fa_rare(in) && lp->n_priority > 0) {
            switch (fz_u8(in) % 4u) {
            case 0: prio[fz_count(in, lp->n_priority - 1)] = fz_int(in, 0, (int)n); break;
            case 1: lp->priority = NULL; *bad = 1; break;
            case 2: lp->n_priority = n + 1 + fz_count(in, 3); *bad = 1; break;
            default: if (lp->n_priority > 1) { prio[1] = prio[0]; *bad = 1; } break;
            }
        }
    }
}

static void check_closes(const fa_world *w, const mgn_account *a, const mgn_liq_params *lp,
                         const mgn_liq_result *r, const mgn_liq_close *cl)
{
    FZ_ASSERT(r->n_closes <= a->n_pos);
    FZ_ASSERT((r->full == 0 || r->full == 1) && (r->restored == 0 || r->restored == 1));
    FZ_ASSERT(isfinite(r->penalty) && isfinite(r->notional) && r->penalty >= 0
              && r->notional >= 0);
    FZ_ASSERT(r->restored || r->full);
    int seen[FA_MAX_POS] = { 0 };
    double notional = 0, pen = 0, scale = 1e-300;
    size_t n_qty = 0;
    for (size_t i = 0; i < a->n_pos; i++)
        n_qty += a->pos[i].quantity != 0;
    for (size_t k = 0; k < r->n_closes; k++) {
        const mgn_liq_close *c = &cl[k];
        FZ_ASSERT(c->position < a->n_pos && !seen[c->position]);
        seen[c->position] = 1;
        const mgn_position *p = &a->pos[c->position];
        FZ_ASSERT(p->quantity != 0);
        FZ_ASSERT(isfinite(c->quantity) && isfinite(c->fraction) && isfinite(c->price)
                  && isfinite(c->notional) && isfinite(c->penalty));
        FZ_ASSERT(c->fraction > 0 && c->fraction <= 1);
        if (r->full)
            FZ_ASSERT(c->fraction == 1);
        else
            FZ_ASSERT(c->fraction <= lp->close_factor);
        FZ_ASSERT(c->quantity == c->fraction * p->quantity);
        FZ_ASSERT(c->notional >= 0 && c->penalty >= 0);
        FZ_ASSERT(fabs(c->penalty - lp->penalty_rate * c->notional)
                  <= 1e-12 * c->penalty + 1e-300);
        if (lp->order == MGN_LIQ_PROPORTIONAL && !r->full)
            FZ_ASSERT(c->fraction == cl[0].fraction);
        notional += c->notional;
        pen += c->penalty;
        scale += c->penalty;
    }
    FZ_ASSERT(r->notional == notional);
    FZ_ASSERT(fabs(r->penalty - pen) <= 1e-12 * scale);
    if (r->full || (lp->order == MGN_LIQ_PROPORTIONAL && r->n_closes > 0))
        FZ_ASSERT(r->n_closes == n_qty);
    if (w->prm.mode != MGN_MODE_ISOLATED) {
        const mgn_account_result *b = &r->before, *f = &r->after;
        int tgt_im = lp->target == MGN_LIQ_TARGET_IM;
        double Tb = tgt_im ? b->im : b->mm * (1 + lp->buffer);
        double Tf = tgt_im ? f->im : f->mm * (1 + lp->buffer);
        if (b->equity >= Tb && b->equity >= 0)
            FZ_ASSERT(r->n_closes == 0 && !r->full && r->restored);
        if (r->restored)
            FZ_ASSERT(f->equity >= Tf && f->equity >= 0);
    }
}

static void fuzz_economics(fa_world *w, fz_in *in, const mgn_account *a, const mgn_liq_close *cl,
                           size_t n_cl, int have_closes)
{
    double cf = fa_real(w, in, 0.05, 1.0);
    double bonus = fa_real(w, in, 0.0, 0.2);
    double gas = fz_u8(in) < 64 ? 0.0 : fa_pos(w, in, 1e-3, 1e3);
    mgn_liq_close mine[FA_MAX_POS];
    const mgn_liq_close *closes = have_closes && fz_bool(in) ? mine : NULL;
    int bad = !(isfinite(bonus) && bonus >= 0 && bonus < 1) || !(isfinite(gas) && gas >= 0);
    size_t n = 0;
    if (closes) {
        memcpy(mine, cl, n_cl * sizeof *cl);
        n = n_cl;
        if (w->hostile && fa_rare(in) && n > 0) {
            mine[fz_count(in, n - 1)].notional = fz_special(in, 1.0);
        }
    } else {
        if (!(isfinite(cf) && cf > 0 && cf <= 1))
            bad = 1;
        if (w->acct_bad[0])
            bad = 1;
        n = a->n_pos <= FA_MAX_POS ? a->n_pos : 0;
    }
    unsigned nul = w->hostile ? fz_u8(in) % 8u : 0;
    double reward[FA_MAX_POS], reward2[FA_MAX_POS];
    int unprof[FA_MAX_POS], unprof2[FA_MAX_POS];
    size_t n_un, n_un2;
    double un_notional, un_notional2;
    FZ_FILL(reward, sizeof reward);
    FZ_FILL(unprof, sizeof unprof);
    FZ_FILL(&n_un, sizeof n_un);
    FZ_FILL(&un_notional, sizeof un_notional);
    int use_reward = fz_u8(in) < 192, use_unprof = fz_u8(in) < 192;
#define ECON_CALL(N, RW, UN, NU, UNN)                                                     \
    mgn_liq_economics((N) == 1 ? NULL : w->mkt, w->n_mkt, (N) == 2 ? NULL : a, closes, n_cl, \
                      cf, bonus, gas, use_reward ? (RW) : NULL, use_unprof ? (UN) : NULL,     \
                      (N) == 3 ? NULL : (NU), (N) == 4 ? NULL : (UNN))
    int nulled = nul == 3 || nul == 4 || (!closes && (nul == 1 || nul == 2));
    int st_ref = nulled ? ECON_CALL(0, reward2, unprof2, &n_un2, &un_notional2) : MGN_OK;
    int st = ECON_CALL(nul, reward, unprof, &n_un, &un_notional);
#undef ECON_CALL
    FZ_LOG("economics closes %d n %zu cf %.17g bonus %.17g gas %.17g nul %u -> %d\n",
           closes != NULL, n, cf, bonus, gas, nul, st);
    FZ_STATUS(st);
    if (nulled)
        FA_NULL_STATUS(st, st_ref);
    if (bad)
        FZ_ASSERT(st != MGN_OK);
    if (st != MGN_OK || nulled) {
        FZ_ASSERT(fz_untouched(&n_un, sizeof n_un) && fz_untouched(&un_notional, sizeof un_notional));
        return;
    }
    FZ_ASSERT(n_un <= n && isfinite(un_notional) && un_notional >= 0);
    FZ_ASSERT(fz_untouched(reward + n, (FA_MAX_POS - n) * sizeof(double)));
    FZ_ASSERT(fz_untouched(unprof + n, (FA_MAX_POS - n) * sizeof(int)));
    if (use_reward && use_unprof) {
        size_t cnt = 0;
        double sum = 0;
        for (size_t i = 0; i < n; i++) {
            FZ_ASSERT(isfinite(reward[i]) && reward[i] >= 0);
            FZ_ASSERT(unprof[i] == 0 || unprof[i] == 1);
            if (closes)
                FZ_ASSERT(reward[i] == bonus * closes[i].notional);
            if (unprof[i]) {
                FZ_ASSERT(reward[i] < gas);
                cnt++;
                if (closes)
                    sum += closes[i].notional;
            } else {
                /* a close worth nothing is not flagged */
                FZ_ASSERT(reward[i] >= gas || reward[i] == 0);
                if (closes)
                    FZ_ASSERT(closes[i].notional == 0 || reward[i] >= gas);
            }
        }
        FZ_ASSERT(cnt == n_un);
        if (closes)
            FZ_ASSERT(sum == un_notional);
    }
    /* same bits */
    FZ_FILL(reward2, sizeof reward2);
    FZ_FILL(unprof2, sizeof unprof2);
    int st2 = mgn_liq_economics(w->mkt, w->n_mkt, a, closes, n_cl, cf, bonus, gas,
                                use_reward ? reward2 : NULL, use_unprof ? unprof2 : NULL,
                                &n_un2, &un_notional2);
    FZ_ASSERT(st2 == MGN_OK && n_un2 == n_un && fz_same_bits(&un_notional, &un_notional2, sizeof un_notional));
    FZ_ASSERT(fz_same_bits(reward, reward2, sizeof reward) && fz_same_bits(unprof, unprof2, sizeof unprof));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = fz_init(data, size);
    fa_world w;
    fa_begin(&w, &in);
    fa_params(&w, &in);
    /* the search closes position after position, each on a scan and a bisection of
       about a hundred evaluations; the portfolio modes value every scenario */
    fa_account(&w, &in, 0, w.prm.mode == MGN_MODE_PORTFOLIO ? 3 : FA_MAX_POS, 1);
    fa_tune(&w, &in, 0);
    const mgn_account *a = &w.acct[0];
    FZ_LOG("hostile %d n_mkt %zu mode %d method %d n_pos %zu n_bal %zu cur %d\n", w.hostile,
           w.n_mkt, w.prm.mode, w.prm.pm_method, a->n_pos, a->n_bal, a->currency);
    FZ_ASSERT(mgn_liq_params_init(NULL) == MGN_EINVAL);
    FZ_ASSERT(mgn_sizeof_liq_params() == sizeof(mgn_liq_params)
              && mgn_sizeof_liq_close() == sizeof(mgn_liq_close)
              && mgn_sizeof_liq_result() == sizeof(mgn_liq_result));

    int bad = w.prm_bad || w.acct_bad[0];
    mgn_liq_params lp;
    int prio[FA_MAX_POS];
    decode_lp(&w, &in, a, &lp, prio, &bad);
    mgn_oracle_result guard;
    memset(&guard, 0, sizeof guard);
    int use_guard = fz_bool(&in);
    guard.verdict = fz_u8(&in) < 192 ? MGN_ORACLE_OK : fa_int(&w, &in, 0, 2);
    guard.price = 100;
    int stale = use_guard && guard.verdict != MGN_ORACLE_OK;
    size_t n_mkt = fa_n_mkt_arg(&w, &in, &bad);

    /* work size */
    size_t n_pos_ws = a->n_pos <= FA_MAX_POS ? a->n_pos : FA_MAX_POS;
    size_t need = 0, need2;
    int wst = mgn_liq_partial_work_size(&w.prm, w.n_mkt, n_pos_ws, &need);
    FZ_STATUS(wst);
    FZ_ASSERT(mgn_liq_partial_work_size(&w.prm, w.n_mkt, n_pos_ws, NULL) == MGN_EINVAL);
    FZ_ASSERT(mgn_liq_partial_work_size(NULL, w.n_mkt, n_pos_ws, &need2) == MGN_EINVAL);
    FZ_FILL(&need2, sizeof need2);
    FZ_ASSERT(mgn_liq_partial_work_size(&w.prm, w.n_mkt, fa_absurd(&in), &need2) != MGN_OK);
    FZ_ASSERT(mgn_liq_partial_work_size(&w.prm, 0, n_pos_ws, &need2) != MGN_OK);
    FZ_ASSERT(fz_untouched(&need2, sizeof need2));
    if (wst != MGN_OK)
        need = 0;
    else
        FZ_ASSERT(need > 0 && need % 64 == 0);
    fa_work wk;
    if (!fa_work_get(&w, &in, need, &wk, &bad))
        return 0;
    if (wk.ptr == NULL)
        bad = 1;

    unsigned nul = w.hostile ? fz_u8(&in) % 8u : 0;
    mgn_liq_close closes[FA_MAX_POS], closes2[FA_MAX_POS];
    mgn_liq_result r, r2;
    FZ_FILL(closes, sizeof closes);
    FZ_FILL(closes2, sizeof closes2);
    FZ_FILL(&r, sizeof r);
    FZ_FILL(&r2, sizeof r2);
    FZ_LOG("partial order %d target %d buffer %.17g penalty %.17g cf %.17g n_prio %zu guard %d "
           "verdict %d nul %u need %zu\n", lp.order, lp.target, lp.buffer, lp.penalty_rate,
           lp.close_factor, lp.n_priority, use_guard, guard.verdict, nul, need);
#define PARTIAL_CALL(N, CL, R)                                                            \
    mgn_liq_partial((N) == 1 ? NULL : w.mkt, n_mkt, (N) == 2 ? NULL : a,                   \
                    (N) == 3 ? NULL : &w.prm, (N) == 4 ? NULL : &lp, use_guard ? &guard : NULL, \
                    wk.ptr, wk.size, (N) == 5 ? NULL : (CL), (N) == 6 ? NULL : (R))
    int nulled = (nul >= 1 && nul <= 4) || nul == 6 || (nul == 5 && a->n_pos > 0);
    int st_ref = nulled ? PARTIAL_CALL(0, closes2, &r2) : MGN_OK;
    FZ_FILL(closes2, sizeof closes2);
    FZ_FILL(&r2, sizeof r2);
    int st = PARTIAL_CALL(nul, closes, &r);
#undef PARTIAL_CALL
    FZ_LOG("  -> %d\n", st);
    FZ_STATUS(st);
    if (nulled)
        FA_NULL_STATUS(st, st_ref);
    if (bad || stale)
        FZ_ASSERT(st != MGN_OK);
    if (st == MGN_ESTALE)
        FZ_ASSERT(stale);
    if (st != MGN_OK || nulled) {
        FZ_ASSERT(fz_untouched(&r, sizeof r) && fz_untouched(closes, sizeof closes));
        free(wk.base);
        if (!nulled)
            fuzz_economics(&w, &in, a, closes, 0, 0);
        return 0;
    }
    FZ_LOG("  n_closes %zu full %d restored %d penalty %.17g notional %.17g\n", r.n_closes,
           r.full, r.restored, r.penalty, r.notional);
    fa_check_result(&r.before, &w.prm, 0.0, INFINITY);
    fa_check_result(&r.after, &w.prm, 0.0, INFINITY);
    {
        size_t en = 0;
        if (mgn_account_work_size(&w.prm, w.n_mkt, a->n_pos, &en) != MGN_OK)
            en = 0;
        void *ew = fz_alloc(en);
        mgn_account_result e;
        FZ_ASSERT(mgn_account_eval(w.mkt, w.n_mkt, a, &w.prm, 0.0, INFINITY, ew, en, &e, NULL)
                  == MGN_OK);
        FZ_ASSERT(memcmp(&e, &r.before, sizeof e) == 0);
        free(ew);
    }
    check_closes(&w, a, &lp, &r, closes);
    FZ_ASSERT(fz_untouched(closes + r.n_closes, (FA_MAX_POS - r.n_closes) * sizeof *closes));
    int st2 = mgn_liq_partial(w.mkt, n_mkt, a, &w.prm, &lp, use_guard ? &guard : NULL, wk.ptr,
                              wk.size, closes2, &r2);
    FZ_ASSERT(st2 == MGN_OK && fz_same_bits(&r, &r2, sizeof r)
              && fz_same_bits(closes, closes2, sizeof closes));
    free(wk.base);
    fuzz_economics(&w, &in, a, closes, r.n_closes, 1);
    return 0;
}
