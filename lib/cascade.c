/* Liquidation cascades (MARGIN-MODEL.md section 8): a price shock, liquidations that
 * move the price through a market-impact function of the liquidated delta, repeated
 * until nothing is liquidatable. Deterministic: one thread, accounts in index order,
 * every account of a round judged at the same prices before the round's impact.
 */
#include <stdint.h>
#include <string.h>
#include "account.h"
#include "var.h"

size_t mgn_sizeof_cascade_params(void) { return sizeof(mgn_cascade_params); }
size_t mgn_sizeof_cascade_round(void) { return sizeof(mgn_cascade_round); }
size_t mgn_sizeof_cascade_result(void) { return sizeof(mgn_cascade_result); }

static size_t r64(size_t a) { return (a + 63) & ~(size_t)63; }

/* Workspace bytes for n_mkt <= MGN__ACCT_MAX_MKT markets, max_pos <= MGN__ACCT_MAX_POS
   and n_acct <= SIZE_MAX / 2 accounts: no overflow (see MGN__ACCT_MAX_POS). */
static size_t need_of(const mgn__acct_env *env, size_t n_mkt, size_t n_acct, size_t max_pos)
{
    size_t ev = mgn__acct_work_need(env, max_pos);
    return r64(n_mkt * sizeof(mgn_market)) + r64(n_mkt * sizeof(double)) + r64(n_acct) + r64(ev);
}

int mgn_cascade_work_size(const mgn_account_params *params, size_t n_mkt, size_t n_acct,
                          size_t max_pos, size_t *bytes)
{
    size_t b;
    if (!bytes)
        return MGN_EINVAL;
    int st = mgn_account_work_size(params, n_mkt, max_pos, &b);
    if (st != MGN_OK)
        return st;
    if (n_acct > SIZE_MAX / 2)
        return MGN_ERANGE;
    mgn__acct_env env;
    memset(&env, 0, sizeof env);
    env.prm = params;
    env.n_mkt = n_mkt;
    env.fast = b == 0;
    *bytes = need_of(&env, n_mkt, n_acct, max_pos);
    return MGN_OK;
}

int mgn_cascade(const mgn_market *mkt, size_t n_mkt, const mgn_account *accts, size_t n_acct,
                const mgn_account_params *params, const mgn_cascade_params *cp,
                const double *shock, const double *depth, void *work, size_t work_size,
                mgn_cascade_round *rounds, mgn_market *final_mkt, mgn_cascade_result *out)
{
    mgn__acct_env env;
    int st;
    if (!out || !cp || !shock || !depth || !rounds || (n_acct > 0 && !accts))
        return MGN_EINVAL;
    if ((st = mgn__acct_env_init(&env, mkt, n_mkt, params)) != MGN_OK)
        return st;
    if (cp->struct_size != sizeof(mgn_cascade_params) || cp->reserved != 0
        || (cp->impact_model != MGN_IMPACT_LINEAR && cp->impact_model != MGN_IMPACT_SQRT)
        || cp->max_rounds < 1 || !(isfinite(cp->impact) && cp->impact >= 0)
        || !(isfinite(cp->penalty_rate) && cp->penalty_rate >= 0 && cp->penalty_rate < 1)
        || !(isfinite(cp->insurance_fund) && cp->insurance_fund >= 0)
        || cp->report_underlying < 0 || (size_t)cp->report_underlying >= n_mkt)
        return MGN_EINVAL;
    for (size_t u = 0; u < n_mkt; u++) {
        double s1 = mkt[u].spot * (1 + shock[u]);
        if (!isfinite(shock[u]) || !(shock[u] > -1) || !isfinite(s1) || !(s1 > 0)
            || !(isfinite(depth[u]) && depth[u] > 0))
            return MGN_EINVAL;
    }
    size_t max_pos = 0;
    for (size_t k = 0; k < n_acct; k++) {
        if ((st = mgn__acct_check(&accts[k], n_mkt)) != MGN_OK)
            return st;
        if (accts[k].n_pos > max_pos)
            max_pos = accts[k].n_pos;
    }
    /* n_acct accounts of sizeof(mgn_account) > 2 bytes are in memory: n_acct < SIZE_MAX / 2 */
    size_t need = need_of(&env, n_mkt, n_acct, max_pos);
    if ((st = mgn__check_work(work, work_size, need)) != MGN_OK)
        return st;
    char *w = (char *)work;
    mgn_market *mk = (mgn_market *)w;   w += r64(n_mkt * sizeof(mgn_market));
    /* cppcheck-suppress invalidPointerCast ; the aligned workspace holds these arrays */
    double *D = (double *)w;            w += r64(n_mkt * sizeof(double));
    unsigned char *dead = (unsigned char *)w; w += r64(n_acct);
    void *ev = w;
    size_t ev_size = work_size - (size_t)(w - (char *)work);
    memset(dead, 0, n_acct);
    for (size_t u = 0; u < n_mkt; u++) {
        mk[u] = mkt[u];
        mk[u].spot = mkt[u].spot * (1 + shock[u]);
    }
    mgn_cascade_result res;
    memset(&res, 0, sizeof res);
    double fund = cp->insurance_fund;
    for (int rd = 0; rd < cp->max_rounds; rd++) {
        mgn_cascade_round R;
        memset(&R, 0, sizeof R);
        for (size_t u = 0; u < n_mkt; u++)
            D[u] = 0;
        for (size_t k = 0; k < n_acct; k++) {
            if (dead[k])
                continue;
            const mgn_account *a = &accts[k];
            mgn_account_result r;
            if ((st = mgn__acct_eval(&env, mk, a, NULL, 0, 0, NULL, 0, INFINITY, ev, ev_size, &r,
                                     NULL)) != MGN_OK)
                return st;
            if (r.status < MGN_ACCT_LIQUIDATE)
                continue;
            dead[k] = 1;
            R.n_liquidated++;
            double toq = a->currency == MGN_QUOTE ? 1.0 : mk[a->currency].spot;
            double E = r.equity * toq, notional = 0;
            for (size_t i = 0; i < a->n_pos; i++) {
                const mgn_position *p = &a->pos[i];
                double mark, npc, d;
                mgn__close_terms(mk, p, MGN_QUOTE, &mark, &npc);
                notional += fabs(p->quantity) * npc;
                if ((st = mgn__position_delta(p, &mk[p->underlying], &d)) != MGN_OK)
                    return st;
                D[p->underlying] += d;
            }
            double fee = cp->penalty_rate * notional;
            if (fee > (E > 0 ? E : 0))
                fee = E > 0 ? E : 0;
            double bad = E < 0 ? -E : 0, covered = fund + fee < bad ? fund + fee : bad;
            fund += fee - covered;
            R.notional += notional;
            R.fees += fee;
            R.bad_debt += bad;
            res.uncovered += bad - covered;
        }
        if (R.n_liquidated == 0) {
            res.converged = 1;
            break;
        }
        for (size_t u = 0; u < n_mkt; u++) {
            if (D[u] == 0)
                continue;
            double x = D[u] / depth[u];
            double mv = cp->impact_model == MGN_IMPACT_LINEAR ? -cp->impact * x
                      : -cp->impact * copysign(sqrt(fabs(x)), x);
            if (mv < -0.99) mv = -0.99;
            if (mv > 100) mv = 100;
            mk[u].spot *= 1 + mv;
            /* repeated impact can push a price out of the doubles (overflow, underflow
               to 0), and a NaN delta sum (inf - inf) gives a NaN move */
            if (!(isfinite(mk[u].spot) && mk[u].spot > 0))
                return MGN_ERANGE;
        }
        R.price = mk[cp->report_underlying].spot;
        R.fund = fund;
        R.uncovered = res.uncovered;
        if (!(isfinite(R.notional) && isfinite(R.bad_debt) && isfinite(R.fees) && isfinite(fund)
              && isfinite(res.uncovered)))
            return MGN_ERANGE;
        rounds[res.n_rounds++] = R;
        res.n_liquidated += R.n_liquidated;
        res.notional += R.notional;
        res.bad_debt += R.bad_debt;
        res.fees += R.fees;
    }
    res.fund = fund;
    if (!(isfinite(res.notional) && isfinite(res.bad_debt) && isfinite(res.fees)))
        return MGN_ERANGE;   /* finite rounds whose sum overflows */
    if (final_mkt)
        for (size_t u = 0; u < n_mkt; u++)
            final_mkt[u] = mk[u];
    *out = res;
    return MGN_OK;
}
