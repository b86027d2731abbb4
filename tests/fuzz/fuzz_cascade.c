/*
 * Fuzz target: liquidation cascades (lib/cascade.c): mgn_cascade_work_size and
 * mgn_cascade on up to 8 accounts of <= 4 positions, <= 4 rounds, every margin mode,
 * with hostile shocks, depths, impact coefficients, penalty rates and insurance funds.
 * Contract: documented status; NULL pointer arguments give MGN_EINVAL; a wrong
 * struct_size, reserved field, max_rounds < 1, report_underlying out of range, absurd
 * counts or a bad workspace never give MGN_OK; a failure leaves out untouched; on
 * MGN_OK every figure is finite and >= 0, rounds are recorded until the first round
 * that liquidates nothing (converged) or max_rounds, the totals are the sums of the
 * rounds, the fund is the initial fund plus fees minus the bad debt it covered, the
 * uncovered bad debt is cumulative and at most the bad debt, each round's price and
 * the final prices are finite and positive, round 1 liquidates exactly the accounts
 * that mgn_account_eval puts at MGN_ACCT_LIQUIDATE or worse at the shocked prices;
 * same bits.
 */
#include "acct_gen.h"

#define MAX_ROUNDS 4
#define CASCADE_POS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = fz_init(data, size);
    fa_world w;
    fa_begin(&w, &in);
    w.american_t0 = 1;   /* the liquidated deltas of American options take Greeks */
    fa_params(&w, &in);
    size_t n_acct = fz_count(&in, FA_MAX_ACCT);
    /* clones: every account holds account 0's book with its own leverage, so that the
       impact of one round's liquidations reaches the next accounts */
    int clone = n_acct > 1 && fz_u8(&in) < 128;
    mgn_account base;
    for (size_t k = 0; k < n_acct; k++) {
        if (clone && k > 0) {
            w.acct[k] = base;
            memcpy(w.bal[k], w.bal[0], sizeof w.bal[0]);
            memcpy(w.iso[k], w.iso[0], sizeof w.iso[0]);
            w.acct[k].bal = w.bal[k];
            if (base.isolated)
                w.acct[k].isolated = w.iso[k];
            w.acct_bad[k] = w.acct_bad[0];
        } else {
            fa_account(&w, &in, k, CASCADE_POS, 1);
        }
        if (k == 0)
            base = w.acct[0];
        fa_tune(&w, &in, k);
    }
    FZ_ASSERT(mgn_sizeof_cascade_params() == sizeof(mgn_cascade_params)
              && mgn_sizeof_cascade_round() == sizeof(mgn_cascade_round)
              && mgn_sizeof_cascade_result() == sizeof(mgn_cascade_result));

    int bad = w.prm_bad;
    for (size_t k = 0; k < n_acct; k++)
        bad |= w.acct_bad[k];
    mgn_cascade_params cp;
    memset(&cp, 0, sizeof cp);
    cp.struct_size = fa_struct_size(&w, &in, sizeof cp, &bad);
    cp.impact_model = fa_int(&w, &in, 0, 1);
    cp.max_rounds = 1 + (int)fz_count(&in, MAX_ROUNDS - 1);
    if (w.hostile && fa_rare(&in)) {
        static const int bad_rounds[] = { 0, -1, INT_MIN };
        cp.max_rounds = bad_rounds[fz_u8(&in) % 3u];
        bad = 1;
    }
    cp.impact = fz_u8(&in) < 32 ? 0.0 : fa_real(&w, &in, 0.0, 2.0);
    cp.penalty_rate = fa_real(&w, &in, 0.0, 0.05);
    cp.insurance_fund = fz_u8(&in) < 64 ? 0.0 : fa_pos(&w, &in, 1.0, 1e6);
    cp.report_underlying = fa_int(&w, &in, 0, (int)w.n_mkt - 1);
    if (cp.report_underlying < 0 || (size_t)cp.report_underlying >= w.n_mkt)
        bad = 1;
    if (w.hostile && fa_rare(&in)) {
        cp.reserved = 1;
        bad = 1;
    }
    double shock[FA_MAX_MKT], depth[FA_MAX_MKT];
    for (size_t u = 0; u < w.n_mkt; u++) {
        shock[u] = fz_u8(&in) < 32 ? 0.0 : fa_real(&w, &in, -0.6, 0.6);
        depth[u] = fa_pos(&w, &in, 1.0, 1e4);
    }
    size_t n_mkt = fa_n_mkt_arg(&w, &in, &bad);

    /* work size */
    size_t max_pos = 0;
    for (size_t k = 0; k < n_acct; k++)
        if (w.acct[k].n_pos <= CASCADE_POS && w.acct[k].n_pos > max_pos)
            max_pos = w.acct[k].n_pos;
    size_t need = 0, need2;
    int wst = mgn_cascade_work_size(&w.prm, w.n_mkt, n_acct, max_pos, &need);
    FZ_STATUS(wst);
    FZ_ASSERT(mgn_cascade_work_size(&w.prm, w.n_mkt, n_acct, max_pos, NULL) == MGN_EINVAL);
    FZ_ASSERT(mgn_cascade_work_size(NULL, w.n_mkt, n_acct, max_pos, &need2) == MGN_EINVAL);
    FZ_FILL(&need2, sizeof need2);
    FZ_ASSERT(mgn_cascade_work_size(&w.prm, w.n_mkt, n_acct, fa_absurd(&in), &need2) != MGN_OK);
    FZ_ASSERT(mgn_cascade_work_size(&w.prm, 0, n_acct, max_pos, &need2) != MGN_OK);
    FZ_ASSERT(fz_untouched(&need2, sizeof need2));
    if (mgn_cascade_work_size(&w.prm, w.n_mkt, SIZE_MAX, max_pos, &need2) == MGN_OK)
        FZ_ASSERT(need2 >= need);
    if (wst != MGN_OK)
        need = 0;
    else
        FZ_ASSERT(need > 0 && need % 64 == 0);
    fa_work wk;
    if (!fa_work_get(&w, &in, need, &wk, &bad))
        return 0;
    if (wk.ptr == NULL)
        bad = 1;

    unsigned nul = w.hostile ? fz_u8(&in) % 16u : 0;
    int use_final = fz_bool(&in);
    mgn_cascade_round rounds[MAX_ROUNDS], rounds2[MAX_ROUNDS];
    mgn_market fin[FA_MAX_MKT], fin2[FA_MAX_MKT];
    mgn_cascade_result r, r2;
    FZ_FILL(&r, sizeof r);
    FZ_FILL(&r2, sizeof r2);
    FZ_FILL(rounds, sizeof rounds);
    FZ_FILL(rounds2, sizeof rounds2);
    FZ_FILL(fin, sizeof fin);
    FZ_FILL(fin2, sizeof fin2);
    FZ_LOG("cascade hostile %d n_mkt %zu mode %d method %d n_acct %zu model %d rounds %d "
           "impact %.17g penalty %.17g fund %.17g report %d nul %u need %zu\n", w.hostile, n_mkt,
           w.prm.mode, w.prm.pm_method, n_acct, cp.impact_model, cp.max_rounds, cp.impact,
           cp.penalty_rate, cp.insurance_fund, cp.report_underlying, nul, need);
    for (size_t u = 0; u < w.n_mkt; u++)
        FZ_LOG("  shock %zu %.17g depth %.17g\n", u, shock[u], depth[u]);
#define CASCADE_CALL(N, RD, FIN, R)                                                       \
    mgn_cascade((N) == 1 ? NULL : w.mkt, n_mkt, (N) == 2 ? NULL : w.acct, n_acct,           \
                (N) == 3 ? NULL : &w.prm, (N) == 4 ? NULL : &cp, (N) == 5 ? NULL : shock,    \
                (N) == 6 ? NULL : depth, wk.ptr, wk.size, (N) == 7 ? NULL : (RD), (FIN),     \
                (N) == 8 ? NULL : (R))
    int nulled = (nul >= 1 && nul <= 8 && nul != 2) || (nul == 2 && n_acct > 0);
    int st_ref = nulled ? CASCADE_CALL(0, rounds2, NULL, &r2) : MGN_OK;
    FZ_FILL(&r2, sizeof r2);
    FZ_FILL(rounds2, sizeof rounds2);
    int st = CASCADE_CALL(nul, rounds, use_final ? fin : NULL, &r);
#undef CASCADE_CALL
    FZ_LOG("  -> %d\n", st);
    FZ_STATUS(st);
    if (nulled)
        FA_NULL_STATUS(st, st_ref);
    if (bad)
        FZ_ASSERT(st != MGN_OK);
    if (st != MGN_OK || nulled) {
        FZ_ASSERT(fz_untouched(&r, sizeof r));
        free(wk.base);
        return 0;
    }
    FZ_LOG("  rounds %zu liquidated %zu notional %.17g bad_debt %.17g fees %.17g fund %.17g "
           "uncovered %.17g converged %d\n", r.n_rounds, r.n_liquidated, r.notional, r.bad_debt,
           r.fees, r.fund, r.uncovered, r.converged);
    FZ_ASSERT(r.n_rounds <= (size_t)cp.max_rounds && r.n_liquidated <= n_acct);
    FZ_ASSERT(r.converged == 0 || r.converged == 1);
    FZ_ASSERT(r.reserved == 0);
    FZ_ASSERT(r.converged ? r.n_rounds < (size_t)cp.max_rounds : r.n_rounds == (size_t)cp.max_rounds);
    FZ_ASSERT(isfinite(r.notional) && isfinite(r.bad_debt) && isfinite(r.fees)
              && isfinite(r.fund) && isfinite(r.uncovered));
    FZ_ASSERT(r.notional >= 0 && r.bad_debt >= 0 && r.fees >= 0 && r.fund >= 0
              && r.uncovered >= 0);
    FZ_ASSERT(r.uncovered <= r.bad_debt * (1 + 1e-12));
    size_t liq = 0;
    double notional = 0, bad_debt = 0, fees = 0, prev_unc = 0;
    for (size_t k = 0; k < r.n_rounds; k++) {
        const mgn_cascade_round *R = &rounds[k];
        FZ_ASSERT(R->n_liquidated > 0);
        FZ_ASSERT(isfinite(R->price) && R->price > 0);
        FZ_ASSERT(isfinite(R->notional) && isfinite(R->bad_debt) && isfinite(R->fees)
                  && isfinite(R->fund) && isfinite(R->uncovered));
        FZ_ASSERT(R->notional >= 0 && R->bad_debt >= 0 && R->fees >= 0 && R->fund >= 0);
        FZ_ASSERT(R->uncovered >= prev_unc);
        prev_unc = R->uncovered;
        liq += R->n_liquidated;
        notional += R->notional;
        bad_debt += R->bad_debt;
        fees += R->fees;
    }
    FZ_ASSERT(fz_untouched(rounds + r.n_rounds, (MAX_ROUNDS - r.n_rounds) * sizeof *rounds));
    FZ_ASSERT(liq == r.n_liquidated && notional == r.notional && bad_debt == r.bad_debt
              && fees == r.fees);
    if (r.n_rounds > 0)
        FZ_ASSERT(rounds[r.n_rounds - 1].fund == r.fund
                  && rounds[r.n_rounds - 1].uncovered == r.uncovered);
    else
        FZ_ASSERT(r.fund == cp.insurance_fund && r.uncovered == 0);
    /* the fund: initial + fees - covered bad debt */
    double covered = r.bad_debt - r.uncovered;
    FZ_ASSERT(fabs(r.fund - (cp.insurance_fund + r.fees - covered))
              <= 1e-9 * (cp.insurance_fund + r.fees + r.bad_debt) + 1e-300);
    if (use_final) {
        for (size_t u = 0; u < w.n_mkt; u++) {
            FZ_ASSERT(isfinite(fin[u].spot) && fin[u].spot > 0);
            FZ_ASSERT(fin[u].rate == w.mkt[u].rate && fin[u].carry == w.mkt[u].carry);
        }
        if (r.n_rounds > 0)
            FZ_ASSERT(fin[cp.report_underlying].spot == rounds[r.n_rounds - 1].price);
    } else {
        FZ_ASSERT(fz_untouched(fin, sizeof fin));
    }
    /* round 1 judges every account at the shocked prices */
    mgn_market shocked[FA_MAX_MKT];
    for (size_t u = 0; u < w.n_mkt; u++) {
        shocked[u] = w.mkt[u];
        shocked[u].spot = w.mkt[u].spot * (1 + shock[u]);
    }
    size_t expect = 0;
    for (size_t k = 0; k < n_acct; k++) {
        size_t en = 0;
        if (mgn_account_work_size(&w.prm, w.n_mkt, w.acct[k].n_pos, &en) != MGN_OK)
            en = 0;
        void *ew = fz_alloc(en);
        mgn_account_result e;
        int es = mgn_account_eval(shocked, w.n_mkt, &w.acct[k], &w.prm, 0.0, INFINITY, ew, en, &e,
                                  NULL);
        free(ew);
        FZ_ASSERT(es == MGN_OK);   /* the cascade evaluated it */
        expect += e.status >= MGN_ACCT_LIQUIDATE;
    }
    FZ_ASSERT(expect == (r.n_rounds > 0 ? rounds[0].n_liquidated : 0));
    /* same bits */
    int st2 = mgn_cascade(w.mkt, n_mkt, w.acct, n_acct, &w.prm, &cp, shock, depth, wk.ptr,
                          wk.size, rounds2, use_final ? fin2 : NULL, &r2);
    FZ_ASSERT(st2 == MGN_OK && fz_same_bits(&r, &r2, sizeof r)
              && fz_same_bits(rounds, rounds2, sizeof rounds) && fz_same_bits(fin, fin2, sizeof fin));
    free(wk.base);
    return 0;
}
