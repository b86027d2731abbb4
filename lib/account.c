/* Accounts: collateral, equity, margin in the three modes, status, what-if checks,
 * the largest order and the multi-threaded sweep (MARGIN-MODEL.md section 7).
 *
 * Fast path. Cross and isolated accounts whose rule sets pair no strategies are sums
 * of per-position figures: each position is priced once (one BSM price per option)
 * and that price feeds both its value and its standard margin. The per-position
 * standard margin below is the formula of mgn_std_margin (lib/standard.c, leg_eval),
 * restated here so that the option is not priced twice; tests/test_account.c checks
 * that the two agree on random books. Nothing is allocated and no workspace is used.
 * Other cases (strategy pairing, portfolio mode) call mgn_std_margin,
 * mgn_pm_margin_detail or mgn_span_margin_detail on a copy of the positions in the
 * caller's workspace.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <string.h>
#include "account.h"
#include "standard.h"
#include "var.h"

size_t mgn_sizeof_balance(void) { return sizeof(mgn_balance); }
size_t mgn_sizeof_account(void) { return sizeof(mgn_account); }
size_t mgn_sizeof_account_params(void) { return sizeof(mgn_account_params); }
size_t mgn_sizeof_account_result(void) { return sizeof(mgn_account_result); }
size_t mgn_sizeof_position_result(void) { return sizeof(mgn_position_result); }
size_t mgn_sizeof_whatif_result(void) { return sizeof(mgn_whatif_result); }

int mgn_account_params_init(mgn_account_params *params)
{
    if (!params)
        return MGN_EINVAL;
    memset(params, 0, sizeof *params);
    params->struct_size = sizeof *params;
    params->mode = MGN_MODE_CROSS;
    params->pm_method = MGN_PM_METHOD_GRID;
    params->pm_im_factor = 1.0;
    params->pm_mm_factor = 0.8;
    params->liq_ratio = 1.0;
    return MGN_OK;
}

/*---------------------------------------------------------------- validation */

int mgn__acct_env_init(mgn__acct_env *env, const mgn_market *mkt, size_t n_mkt,
                       const mgn_account_params *prm)
{
    int st;
    if (!prm || !mkt)
        return MGN_EINVAL;
    if (n_mkt == 0 || n_mkt > MGN__ACCT_MAX_MKT)
        return MGN_ERANGE;
    if ((st = mgn__check_markets(mkt, n_mkt)) != MGN_OK)
        return st;
    if (prm->struct_size != sizeof(mgn_account_params))
        return MGN_EINVAL;
    if (prm->mode != MGN_MODE_ISOLATED && prm->mode != MGN_MODE_CROSS
        && prm->mode != MGN_MODE_PORTFOLIO)
        return MGN_EINVAL;
    if (!(isfinite(prm->liq_ratio) && prm->liq_ratio > 0 && prm->liq_ratio <= 1))
        return MGN_EINVAL;
    env->prm = prm;
    env->n_mkt = n_mkt;
    env->fast = 0;
    if (prm->mode == MGN_MODE_PORTFOLIO) {
        if (!(isfinite(prm->pm_im_factor) && isfinite(prm->pm_mm_factor) && prm->pm_mm_factor > 0
              && prm->pm_mm_factor <= prm->pm_im_factor))
            return MGN_EINVAL;
        if (prm->pm_method == MGN_PM_METHOD_GRID) {
            mgn_pm_result r;
            if (!prm->pm)
                return MGN_EINVAL;
            if ((st = mgn_pm_margin(mkt, prm->pm, n_mkt, NULL, 0, MGN_QUOTE, &r)) != MGN_OK)
                return st;
        } else if (prm->pm_method == MGN_PM_METHOD_SPAN) {
            mgn_span_result r;
            if (!prm->span || (prm->n_pairs > 0 && !prm->pairs))
                return MGN_EINVAL;
            if ((st = mgn_span_margin(mkt, prm->span, n_mkt, NULL, 0, prm->pairs, prm->n_pairs,
                                      MGN_QUOTE, &r)) != MGN_OK)
                return st;
        } else {
            return MGN_EINVAL;
        }
        env->std = NULL;
        env->n_std = 0;
        return MGN_OK;
    }
    if (prm->std) {
        if (prm->n_std != 1 && prm->n_std != n_mkt)
            return MGN_EINVAL;
        env->std = prm->std;
        env->n_std = prm->n_std;
    } else {
        /* cannot fail: a known preset, struct_size set */
        env->std_default.struct_size = sizeof(mgn_std_params);
        (void)mgn_std_preset(MGN_STD_PRESET_DEFAULT, &env->std_default);
        env->std = &env->std_default;
        env->n_std = 1;
    }
    double im, mm;   /* validates the rule sets */
    if ((st = mgn_std_margin(mkt, n_mkt, env->std, env->n_std, NULL, 0, MGN_QUOTE, NULL, 0,
                             &im, &mm, NULL, NULL, NULL, NULL)) != MGN_OK)
        return st;
    int pairing = 0;
    for (size_t k = 0; k < env->n_std; k++)
        if (env->std[k].strategies)
            pairing = 1;
    env->fast = prm->mode == MGN_MODE_ISOLATED || !pairing;
    return MGN_OK;
}

int mgn__acct_check(const mgn_account *a, size_t n_mkt)
{
    if (!a || a->struct_size != sizeof(mgn_account) || a->reserved != 0)
        return MGN_EINVAL;
    if (!mgn__currency_ok(a->currency, n_mkt))
        return MGN_EINVAL;
    if (a->n_pos > MGN__ACCT_MAX_POS || a->n_bal > INT_MAX)
        return MGN_ERANGE;
    if (mgn__check_positions(a->pos, a->n_pos, n_mkt) != MGN_OK)
        return MGN_EINVAL;
    if (a->n_bal > 0 && !a->bal)
        return MGN_EINVAL;
    for (size_t i = 0; i < a->n_bal; i++) {
        const mgn_balance *b = &a->bal[i];
        if (b->reserved != 0 || !mgn__currency_ok(b->asset, n_mkt) || !isfinite(b->amount)
            || !(isfinite(b->haircut) && b->haircut >= 0 && b->haircut <= 1)
            || !(isfinite(b->haircut_slope) && b->haircut_slope >= 0))
            return MGN_EINVAL;
    }
    if (a->isolated)
        for (size_t i = 0; i < a->n_pos; i++)
            if (!(isfinite(a->isolated[i]) && a->isolated[i] >= 0))
                return MGN_EINVAL;
    return MGN_OK;
}

int mgn__order_check(const mgn_position *o, size_t n_mkt)
{
    if (!o || mgn__check_position(o, n_mkt) != MGN_OK)
        return MGN_EINVAL;
    if (o->instrument == MGN_OPTION && !(o->entry_price >= 0))
        return MGN_EINVAL;
    return MGN_OK;
}

static size_t r64(size_t a) { return (a + 63) & ~(size_t)63; }

/* No overflow: n_pos <= MGN__ACCT_MAX_POS and n_mkt <= MGN__ACCT_MAX_MKT (the callers
   check) bound every term; mgn_std_workspace_size fails only beyond them. */
size_t mgn__acct_work_need(const mgn__acct_env *env, size_t n_pos)
{
    if (env->fast)
        return 0;
    size_t n = n_pos + 1;     /* room for an order or a scaled copy */
    size_t need = r64(n * sizeof(mgn_position)) + r64(2 * n * sizeof(double));
    if (env->prm->mode == MGN_MODE_CROSS) {
        size_t ws;
        mgn_std_workspace_size(n, &ws);
        need += r64(ws);
    } else if (env->prm->pm_method == MGN_PM_METHOD_SPAN) {
        need += r64(n * 16 * sizeof(double)) + r64(env->n_mkt * sizeof(mgn_span_underlying));
    } else {
        need += r64(env->n_mkt * sizeof(mgn_pm_underlying));
    }
    return need;
}

int mgn_account_work_size(const mgn_account_params *params, size_t n_mkt, size_t max_pos,
                          size_t *bytes)
{
    if (!params || !bytes || params->struct_size != sizeof(mgn_account_params))
        return MGN_EINVAL;
    if (n_mkt == 0 || n_mkt > MGN__ACCT_MAX_MKT || max_pos > MGN__ACCT_MAX_POS)
        return MGN_ERANGE;
    /* validation of the rule sets needs markets; here only the shape matters */
    mgn__acct_env env;
    memset(&env, 0, sizeof env);
    env.prm = params;
    env.n_mkt = n_mkt;
    if (params->mode == MGN_MODE_ISOLATED) {
        env.fast = 1;
    } else if (params->mode == MGN_MODE_CROSS) {
        int pairing = 0;
        if (params->std) {
            size_t n = params->n_std;
            if (n != 1 && n != n_mkt)
                return MGN_EINVAL;
            for (size_t k = 0; k < n; k++)
                if (params->std[k].strategies)
                    pairing = 1;
        }
        env.fast = !pairing;
    } else if (params->mode != MGN_MODE_PORTFOLIO
               || (params->pm_method != MGN_PM_METHOD_GRID
                   && params->pm_method != MGN_PM_METHOD_SPAN)) {
        return MGN_EINVAL;
    }
    *bytes = mgn__acct_work_need(&env, max_pos);
    return MGN_OK;
}

/*---------------------------------------------------------------- one position */

/* Value and standard margin of a valid position, in account currency; with r == NULL
   the value only (*im = *mm = 0). */
static int pos_eval(const mgn_market *mkt, const mgn_std_params *r, const mgn_position *p,
                    int cur, const double **vcur, double *value, double *im, double *mm)
{
    const mgn_market *m = &mkt[p->underlying];
    double S = m->spot, qm = p->quantity * p->multiplier;
    double cq = cur == MGN_QUOTE ? 1.0 : 1.0 / mkt[cur].spot;
    if (p->instrument == MGN_OPTION) {
        double K = p->strike, T = p->expiry, V;
        if (p->exercise == MGN_AMERICAN && T > 0) {
            int st = mgn_american_price((mgn_option_type)p->option_type, S, K, T, m->rate,
                                        m->carry, p->vol, &V);
            if (st != MGN_OK)
                return st == MGN_EINVAL ? MGN_ERANGE : st;
        } else if (vcur) {
            V = *(*vcur)++;    /* priced by the batch kernel (sweep) */
        } else {
            V = mgn__bs_price(p->option_type, S, K, T, m->rate, m->carry, p->vol);
        }
        if (!isfinite(V))
            return MGN_ERANGE;
        if (p->settlement == MGN_INVERSE)   /* V / S first: qm V underflows where S does */
            *value = qm * (V / S) * mgn__conv_coin(mkt, p->underlying, cur);
        else
            *value = qm * V * cq;
        if (!r) {
            *im = *mm = 0;
            return MGN_OK;
        }
        double ui, um;
        mgn__std_option_unit(r, p, S, V, &ui, &um);
        double units = fabs(qm);
        *im = ui * (units * cq);
        *mm = um * (units * cq);
        return MGN_OK;
    }
    double P = p->instrument == MGN_PERPETUAL ? S : S * exp(mgn__carry_exponent(m->rate, m->carry, p->expiry));
    int inv = p->settlement == MGN_INVERSE;
    double f = inv ? mgn__conv_coin(mkt, p->underlying, cur) : cq;
    *value = qm * (inv ? 1.0 / p->entry_price - 1.0 / P : P - p->entry_price) * f;
    if (!r) {
        *im = *mm = 0;
        return isfinite(P) ? MGN_OK : MGN_ERANGE;
    }
    double ti, tm, units;
    int st = mgn__std_delta_one(r, p, P, &ti, &tm, &units);
    if (st != MGN_OK)
        return st;
    *im = ti * f;
    *mm = tm * f;
    return MGN_OK;
}

void mgn__close_terms(const mgn_market *mkt, const mgn_position *p, int currency, double *mark,
                      double *notional)
{
    const mgn_market *m = &mkt[p->underlying];
    double S = m->spot, cq = mgn__conv_quote(mkt, currency);
    if (p->instrument == MGN_OPTION) {
        double V;
        if (p->exercise == MGN_AMERICAN && p->expiry > 0) {
            if (mgn_american_price((mgn_option_type)p->option_type, S, p->strike, p->expiry,
                                   m->rate, m->carry, p->vol, &V) != MGN_OK)
                V = 0;
        } else {
            V = mgn__bs_price(p->option_type, S, p->strike, p->expiry, m->rate, m->carry, p->vol);
        }
        *mark = V;
        *notional = p->multiplier * S * cq;
        return;
    }
    double P = p->instrument == MGN_PERPETUAL ? S : S * exp(mgn__carry_exponent(m->rate, m->carry, p->expiry));
    *mark = P;
    *notional = p->settlement == MGN_INVERSE ? p->multiplier * cq : p->multiplier * S * cq;
}

/*---------------------------------------------------------------- the account */

static double collateral(const mgn_market *mkt, const mgn_account *a)
{
    double c = 0;
    int cur = a->currency;
    for (size_t i = 0; i < a->n_bal; i++) {
        const mgn_balance *b = &a->bal[i];
        double f = b->asset == MGN_QUOTE ? (cur == MGN_QUOTE ? 1.0 : 1.0 / mkt[cur].spot)
                                         : mgn__conv_coin(mkt, b->asset, cur);
        double amt = b->amount;
        if (amt > 0) {
            double h = b->haircut + b->haircut_slope * amt;
            if (h > 1) h = 1;
            amt *= 1 - h;
        }
        c += amt * f;
    }
    return c;
}

static double ratio_of(double e, double mm)
{
    if (mm > 0) {
        double r = e / mm;
        return r > DBL_MAX ? DBL_MAX : r < -DBL_MAX ? -DBL_MAX : r;
    }
    return e >= 0 ? DBL_MAX : -DBL_MAX;
}

static int result_finite(const mgn_account_result *r)
{
    return isfinite(r->equity) && isfinite(r->collateral) && isfinite(r->position_value)
        && isfinite(r->im) && isfinite(r->mm) && isfinite(r->available)
        && isfinite(r->call_amount) && isfinite(r->shortfall);
}

static void finish_pool(mgn_account_result *o, double col, double val, double im, double mm,
                        const mgn_account_params *prm, double now, double deadline)
{
    double e = col + val;
    o->equity = e;
    o->collateral = col;
    o->position_value = val;
    o->im = im;
    o->mm = mm;
    o->status = mgn__acct_status(e, im, mm, prm->liq_ratio, now, deadline);
    o->margin_ratio = ratio_of(e, mm);
    o->available = e > im ? e - im : 0;
    o->call_amount = o->status >= MGN_ACCT_MARGIN_CALL ? im - e : 0;
    o->shortfall = e < 0 ? -e : 0;
    o->n_called = o->status >= MGN_ACCT_MARGIN_CALL;
}

/* The position i of the evaluation (i == n_pos: the extra), scaled by qscale. */
static const mgn_position *pos_at(const mgn_account *a, const mgn_position *extra,
                                  const double *qscale, size_t i, mgn_position *tmp)
{
    const mgn_position *p = i < a->n_pos ? &a->pos[i] : extra;
    if (qscale && i < a->n_pos) {
        *tmp = *p;
        tmp->quantity = p->quantity * qscale[i];
        return tmp;
    }
    return p;
}

static int eval_fast(const mgn__acct_env *env, const mgn_market *mkt, const mgn_account *a,
                     const mgn_position *extra, double extra_iso, double extra_eq,
                     const double *qscale, double now, double deadline,
                     mgn_account_result *out, mgn_position_result *pp, const double **vcur)
{
    const mgn_account_params *prm = env->prm;
    int cur = a->currency, iso = prm->mode == MGN_MODE_ISOLATED;
    size_t n = a->n_pos + (extra != NULL);
    double col = collateral(mkt, a) + (extra ? 0.0 : extra_eq);
    double sv = 0, si = 0, sm = 0;
    /* isolated aggregates */
    double eq_pos = 0, short_pos = 0, avail = 0, call = 0, ratio = DBL_MAX;
    int worst = MGN_ACCT_OK, n_called = 0;
    for (size_t i = 0; i < n; i++) {
        mgn_position tmp;
        const mgn_position *p = pos_at(a, extra, qscale, i, &tmp);
        const mgn_std_params *r = env->n_std == 1 ? env->std : &env->std[p->underlying];
        double v, im, mm;
        int st = pos_eval(mkt, r, p, cur, vcur, &v, &im, &mm);
        if (st != MGN_OK)
            return st;
        double adj = i < a->n_pos ? 0.0 : extra_eq;
        sv += v + adj;
        si += im;
        sm += mm;
        if (iso) {
            double c = i < a->n_pos ? (a->isolated ? a->isolated[i] : 0.0) : extra_iso;
            double e = c + v + adj;
            int s = mgn__acct_status(e, im, mm, prm->liq_ratio, now, deadline);
            if (s > worst) worst = s;
            if (e >= 0) eq_pos += e; else short_pos -= e;
            if (e > im) avail += e - im;
            if (s >= MGN_ACCT_MARGIN_CALL) {
                call += im - e;
                n_called++;
            }
            double rr = ratio_of(e, mm);
            if (rr < ratio) ratio = rr;
            if (pp) {
                pp[i].value = v + adj;
                pp[i].equity = e;
                pp[i].im = im;
                pp[i].mm = mm;
                pp[i].status = s;
                pp[i].reserved = 0;
            }
        } else if (pp) {
            pp[i].value = v + adj;
            pp[i].equity = v + adj;
            pp[i].im = im;
            pp[i].mm = mm;
            pp[i].reserved = 0;
        }
    }
    mgn_account_result o;
    if (iso) {
        o.equity = col + eq_pos;
        o.collateral = col;
        o.position_value = sv;
        o.im = si;
        o.mm = sm;
        if (col < 0) {
            worst = MGN_ACCT_BANKRUPT;
            short_pos -= col;
        }
        o.status = worst;
        o.margin_ratio = ratio;
        o.available = (col > 0 ? col : 0) + avail;
        o.call_amount = call;
        o.shortfall = short_pos;
        o.n_called = n_called;
    } else {
        finish_pool(&o, col, sv, si, sm, prm, now, deadline);
        if (pp)
            for (size_t i = 0; i < n; i++)
                pp[i].status = o.status;
    }
    if (!result_finite(&o))
        return MGN_ERANGE;
    *out = o;
    return MGN_OK;
}

static int eval_slow(const mgn__acct_env *env, const mgn_market *mkt, const mgn_account *a,
                     const mgn_position *extra, double extra_eq, const double *qscale,
                     double now, double deadline, void *work, size_t work_size,
                     mgn_account_result *out, mgn_position_result *pp)
{
    const mgn_account_params *prm = env->prm;
    int st, cur = a->currency;
    size_t n = a->n_pos + (extra != NULL);
    size_t need = mgn__acct_work_need(env, a->n_pos);
    if (need > 0 && (!work || !mgn__aligned(work)))
        return MGN_EINVAL;
    if (work_size < need)
        return MGN_ENOMEM;
    char *w = (char *)work;
    size_t n1 = a->n_pos + 1;
    mgn_position *pos = (mgn_position *)w;
    w += r64(n1 * sizeof(mgn_position));
    /* cppcheck-suppress invalidPointerCast ; the aligned workspace holds these arrays */
    double *pim = (double *)w, *pmm = pim + n1;
    w += r64(2 * n1 * sizeof(double));
    double sv = 0;
    for (size_t i = 0; i < n; i++) {
        mgn_position tmp;
        pos[i] = *pos_at(a, extra, qscale, i, &tmp);
        double v, d1, d2;
        if ((st = pos_eval(mkt, NULL, &pos[i], cur, NULL, &v, &d1, &d2)) != MGN_OK)
            return st;
        if (i == a->n_pos)
            v += extra_eq;
        sv += v;
        if (pp) {
            pp[i].value = v;
            pp[i].equity = v;
            pp[i].reserved = 0;
        }
    }
    double im, mm;
    if (prm->mode == MGN_MODE_CROSS) {
        size_t ws;
        mgn_std_workspace_size(n, &ws);
        st = mgn_std_margin(mkt, env->n_mkt, env->std, env->n_std, pos, n, cur, w, ws, &im, &mm,
                            pim, pmm, NULL, NULL);
        if (st != MGN_OK)
            return st;
    } else {
        double req;
        if (prm->pm_method == MGN_PM_METHOD_GRID) {
            mgn_pm_result r;
            st = mgn_pm_margin_detail(mkt, prm->pm, env->n_mkt, pos, n, cur, &r,
                                      (mgn_pm_underlying *)w, pim);
            if (st != MGN_OK)
                return st;
            req = r.requirement;
        } else {
            /* cppcheck-suppress invalidPointerCast ; the aligned workspace holds these arrays */
            double *risk = (double *)w;
            mgn_span_underlying *pu = (mgn_span_underlying *)(w + r64(n1 * 16 * sizeof(double)));
            mgn_span_result r;
            st = mgn_span_margin_detail(mkt, prm->span, env->n_mkt, pos, n, prm->pairs,
                                        prm->n_pairs, cur, &r, pu, risk);
            if (st != MGN_OK)
                return st;
            req = r.requirement;
            for (size_t i = 0; i < n; i++) {
                int k = pu[pos[i].underlying].scan_scenario;
                pim[i] = k >= 0 ? risk[i * 16 + (size_t)k] : 0.0;
            }
        }
        im = prm->pm_im_factor * req;
        mm = prm->pm_mm_factor * req;
        for (size_t i = 0; i < n; i++) {
            double c = pim[i];
            pim[i] = prm->pm_im_factor * c;
            pmm[i] = prm->pm_mm_factor * c;
        }
    }
    mgn_account_result o;
    finish_pool(&o, collateral(mkt, a) + (extra ? 0.0 : extra_eq), sv, im, mm, prm, now,
                deadline);
    if (!result_finite(&o))
        return MGN_ERANGE;
    if (pp)
        for (size_t i = 0; i < n; i++) {
            pp[i].im = pim[i];
            pp[i].mm = pmm[i];
            pp[i].status = o.status;
        }
    *out = o;
    return MGN_OK;
}

int mgn__acct_eval(const mgn__acct_env *env, const mgn_market *mkt, const mgn_account *a,
                   const mgn_position *extra, double extra_iso, double extra_equity,
                   const double *qscale, double now, double deadline, void *work,
                   size_t work_size, mgn_account_result *out, mgn_position_result *pp)
{
    if (env->fast)
        return eval_fast(env, mkt, a, extra, extra_iso, extra_equity, qscale, now, deadline,
                         out, pp, NULL);
    return eval_slow(env, mkt, a, extra, extra_equity, qscale, now, deadline, work, work_size,
                     out, pp);
}

static int time_ok(double now, double deadline)
{
    return isfinite(now) && !isnan(deadline);
}

int mgn_account_eval(const mgn_market *mkt, size_t n_mkt, const mgn_account *acct,
                     const mgn_account_params *params, double now, double call_deadline,
                     void *work, size_t work_size, mgn_account_result *out,
                     mgn_position_result *per_pos)
{
    mgn__acct_env env;
    int st;
    if (!out || !acct)
        return MGN_EINVAL;
    if ((st = mgn__acct_env_init(&env, mkt, n_mkt, params)) != MGN_OK)
        return st;
    if ((st = mgn__acct_check(acct, n_mkt)) != MGN_OK)
        return st;
    if (!time_ok(now, call_deadline))
        return MGN_EINVAL;
    mgn_account_result r;
    /* The evaluation writes per_pos as it goes and can still fail after that (an
       overflow in a later position or in the totals): per_pos is filled by a second,
       identical pass once the first one has succeeded, so a failure leaves it untouched. */
    st = mgn__acct_eval(&env, mkt, acct, NULL, 0, 0, NULL, now, call_deadline, work, work_size,
                        &r, NULL);
    if (st == MGN_OK && per_pos)
        st = mgn__acct_eval(&env, mkt, acct, NULL, 0, 0, NULL, now, call_deadline, work,
                            work_size, &r, per_pos);
    if (st != MGN_OK)
        return st;
    *out = r;
    return MGN_OK;
}

/*---------------------------------------------------------------- what-if */

int mgn_whatif_work_size(const mgn_account_params *params, size_t n_mkt, size_t n_pos,
                         size_t *bytes)
{
    return mgn_account_work_size(params, n_mkt, n_pos, bytes);
}

/* Equity adjustment of an order (see the header): counted - value at mark. */
int mgn__order_adjust(const mgn_market *mkt, const mgn_position *o, int cur, double *adj)
{
    double v, d1, d2;
    int st = pos_eval(mkt, NULL, o, cur, NULL, &v, &d1, &d2);
    if (st != MGN_OK)
        return st;
    if (o->instrument != MGN_OPTION) {
        *adj = v > 0 ? -v : 0.0;
    } else if (o->quantity > 0) {
        double cost = o->quantity * o->multiplier * o->entry_price * mgn__conv_quote(mkt, cur);
        double counted = v - cost < 0 ? v - cost : 0.0;
        *adj = counted - v;
    } else {
        *adj = 0.0;
    }
    return isfinite(*adj) ? MGN_OK : MGN_ERANGE;
}

static int whatif_core(const mgn__acct_env *env, const mgn_market *mkt, const mgn_account *a,
                       const mgn_position *order, double order_col, double now, double deadline,
                       void *work, size_t work_size, mgn_whatif_result *out)
{
    int st;
    mgn_whatif_result r;
    memset(&r, 0, sizeof r);
    if ((st = mgn__acct_eval(env, mkt, a, NULL, 0, 0, NULL, now, deadline, work, work_size,
                             &r.before, NULL)) != MGN_OK)
        return st;
    double adj;
    if ((st = mgn__order_adjust(mkt, order, a->currency, &adj)) != MGN_OK)
        return st;
    if ((st = mgn__acct_eval(env, mkt, a, order, order_col, adj, NULL, now, deadline, work,
                             work_size, &r.after, NULL)) != MGN_OK)
        return st;
    r.order_im = r.after.im - r.before.im;
    r.order_mm = r.after.mm - r.before.mm;
    r.order_equity = r.after.position_value - r.before.position_value;
    r.accept = r.after.status == MGN_ACCT_OK
            || (r.after.status <= r.before.status && r.after.mm <= r.before.mm);
    *out = r;
    return MGN_OK;
}

static int order_args_ok(double order_col)
{
    return isfinite(order_col) && order_col >= 0;
}

int mgn_account_whatif(const mgn_market *mkt, size_t n_mkt, const mgn_account *acct,
                       const mgn_account_params *params, const mgn_position *order,
                       double order_collateral, double now, double call_deadline, void *work,
                       size_t work_size, mgn_whatif_result *out)
{
    mgn__acct_env env;
    int st;
    if (!out || !acct || !order)
        return MGN_EINVAL;
    if ((st = mgn__acct_env_init(&env, mkt, n_mkt, params)) != MGN_OK)
        return st;
    if ((st = mgn__acct_check(acct, n_mkt)) != MGN_OK)
        return st;
    if (mgn__order_check(order, n_mkt) != MGN_OK || !order_args_ok(order_collateral)
        || !time_ok(now, call_deadline))
        return MGN_EINVAL;
    return whatif_core(&env, mkt, acct, order, order_collateral, now, call_deadline, work,
                       work_size, out);
}

/* Margin ratio after an order of size q (direction of order). */
static int ratio_after(const mgn__acct_env *env, const mgn_market *mkt, const mgn_account *a,
                       const mgn_position *order, double q, double col, void *work,
                       size_t work_size, double *ratio)
{
    mgn_position o = *order;
    o.quantity = order->quantity > 0 ? q : -q;
    double adj;
    int st = mgn__order_adjust(mkt, &o, a->currency, &adj);
    if (st != MGN_OK)
        return st;
    mgn_account_result r;
    st = mgn__acct_eval(env, mkt, a, &o, col, adj, NULL, 0, INFINITY, work, work_size, &r, NULL);
    if (st != MGN_OK)
        return st;
    *ratio = r.margin_ratio;
    return MGN_OK;
}

int mgn_account_max_order(const mgn_market *mkt, size_t n_mkt, const mgn_account *acct,
                          const mgn_account_params *params, const mgn_position *order,
                          double order_collateral, double target_ratio, double max_qty,
                          void *work, size_t work_size, double *qty)
{
    mgn__acct_env env;
    int st;
    if (!qty || !acct || !order)
        return MGN_EINVAL;
    if ((st = mgn__acct_env_init(&env, mkt, n_mkt, params)) != MGN_OK)
        return st;
    if ((st = mgn__acct_check(acct, n_mkt)) != MGN_OK)
        return st;
    if (mgn__order_check(order, n_mkt) != MGN_OK || !order_args_ok(order_collateral)
        || order->quantity == 0 || !(isfinite(target_ratio) && target_ratio > 0)
        || !(isfinite(max_qty) && max_qty > 0))
        return MGN_EINVAL;
#define H(q, res) do {                                                                  \
        double r_;                                                                      \
        st = ratio_after(&env, mkt, acct, order, (q), order_collateral, work, work_size,  \
                         &r_);                                                          \
        if (st != MGN_OK)                                                               \
            return st;                                                                  \
        (res) = r_ >= target_ratio;                                                     \
    } while (0)
    int good;
    double q = ldexp(max_qty, -40);
    if (q == 0)
        q = nextafter(0.0, 1.0);   /* a subnormal max_qty: 2^-40 of it underflows, and
                                      doubling 0 would never reach max_qty */
    H(q, good);
    if (!good) {
        *qty = 0;
        return MGN_OK;
    }
    double bad_q = 0;
    while (q < max_qty) {
        double q2 = 2 * q < max_qty ? 2 * q : max_qty;
        H(q2, good);
        if (!good) {
            /* scan the bracket for the first failing size */
            double step = (q2 - q) / 64, a = q;
            for (int k = 1; k <= 64; k++) {
                double x = k == 64 ? q2 : q + step * k;
                H(x, good);
                if (!good) {
                    bad_q = x;
                    break;
                }
                a = x;
            }
            q = a;
            break;
        }
        q = q2;
    }
    if (bad_q == 0) {
        *qty = q;     /* no failing size up to max_qty */
        return MGN_OK;
    }
    double lo = q, hi = bad_q;
    for (int it = 0; it < 200 && hi - lo > 1e-12 * hi; it++) {
        double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi)
            break;
        H(mid, good);
        if (good) lo = mid; else hi = mid;
    }
#undef H
    *qty = lo;
    return MGN_OK;
}

/*---------------------------------------------------------------- sweep */

#define SWEEP_CHUNK 2048

typedef struct {
    const mgn__acct_env *env;
    const mgn_market *mkt;
    const mgn_account *accts;
    size_t n_acct;
    double now;
    const double *deadlines;
    int threads;
    char *work;
    size_t per_thread;
    mgn_account_result *out;
} sweep_ctx;

static void nan_result(mgn_account_result *r)
{
    r->equity = r->collateral = r->position_value = r->im = r->mm = NAN;
    r->margin_ratio = r->available = r->call_amount = r->shortfall = NAN;
    r->status = -1;
    r->n_called = 0;
}

/* European options (priced by the batch kernel in the sweep). */
static int batch_priced(const mgn_position *p)
{
    return p->instrument == MGN_OPTION && !(p->exercise == MGN_AMERICAN && p->expiry > 0);
}

#define GCAP 512   /* options priced per batch call, and accounts per group */

typedef struct {
    int    ty[GCAP];
    double S[GCAP], K[GCAP], T[GCAP], r[GCAP], q[GCAP], sg[GCAP], V[GCAP];
    unsigned short first[GCAP];  /* account g0 + j's first price: V[first[j]] */
} sweep_batch;

static void sweep_eval_one(sweep_ctx *x, size_t k, void *w, const double **vcur)
{
    const mgn_account *a = &x->accts[k];
    double dl = x->deadlines ? x->deadlines[k] : INFINITY;
    mgn_account_result r;
    int st;
    if (vcur)
        st = eval_fast(x->env, x->mkt, a, NULL, 0, 0, NULL, x->now, dl, &r, NULL, vcur);
    else
        st = mgn__acct_eval(x->env, x->mkt, a, NULL, 0, 0, NULL, x->now, dl, w, x->per_thread,
                            &r, NULL);
    if (st != MGN_OK)
        nan_result(&r);
    x->out[k] = r;
}

/* Fast path: the options of a group of accounts are priced by one call of the
   vectorised pricer, then each account is evaluated with those prices. */
static void sweep_fast_range(sweep_ctx *x, size_t lo, size_t hi)
{
    sweep_batch b;
    size_t k = lo;
    while (k < hi) {
        size_t g0 = k, n = 0;
        for (; k < hi; k++) {
            const mgn_account *a = &x->accts[k];
            double dl = x->deadlines ? x->deadlines[k] : INFINITY;
            if (isnan(dl) || mgn__acct_check(a, x->env->n_mkt) != MGN_OK)
                break;
            size_t m = 0;
            for (size_t i = 0; i < a->n_pos; i++)
                m += batch_priced(&a->pos[i]);
            if (n + m > GCAP || k - g0 == GCAP)
                break;
            b.first[k - g0] = (unsigned short)n;
            for (size_t i = 0; i < a->n_pos; i++) {
                const mgn_position *p = &a->pos[i];
                if (!batch_priced(p))
                    continue;
                const mgn_market *mm = &x->mkt[p->underlying];
                b.ty[n] = p->option_type;
                b.S[n] = mm->spot;
                b.K[n] = p->strike;
                b.T[n] = p->expiry;
                b.r[n] = mm->rate;
                b.q[n] = mm->carry;
                b.sg[n] = p->vol;
                n++;
            }
        }
        if (n > 0)
            mgn_bs_price_batch(n, b.ty, b.S, b.K, b.T, b.r, b.q, b.sg, b.V);
        for (size_t j = g0; j < k; j++) {
            /* each account from its own first price: one whose evaluation fails (an
               overflow) stops before reading all of its prices */
            const double *cur = b.V + b.first[j - g0];
            sweep_eval_one(x, j, NULL, &cur);
        }
        if (k < hi && k == g0) {
            /* invalid account, or more than GCAP options: the scalar path */
            const mgn_account *a = &x->accts[k];
            double dl = x->deadlines ? x->deadlines[k] : INFINITY;
            if (isnan(dl) || mgn__acct_check(a, x->env->n_mkt) != MGN_OK)
                nan_result(&x->out[k]);
            else
                sweep_eval_one(x, k, NULL, NULL);
            k++;
        }
    }
}

static int sweep_chunk(void *vctx, size_t c)
{
    sweep_ctx *x = (sweep_ctx *)vctx;
    size_t lo = c * SWEEP_CHUNK, hi = lo + SWEEP_CHUNK;
    if (hi > x->n_acct)
        hi = x->n_acct;
    if (x->env->fast) {
        sweep_fast_range(x, lo, hi);
        return MGN_OK;
    }
    void *w = x->work + (c % (size_t)x->threads) * x->per_thread;
    for (size_t k = lo; k < hi; k++) {
        const mgn_account *a = &x->accts[k];
        double dl = x->deadlines ? x->deadlines[k] : INFINITY;
        if (isnan(dl) || mgn__acct_check(a, x->env->n_mkt) != MGN_OK)
            nan_result(&x->out[k]);
        else
            sweep_eval_one(x, k, w, NULL);
    }
    return MGN_OK;
}

int mgn_account_sweep(const mgn_market *mkt, size_t n_mkt, const mgn_account *accts,
                      size_t n_acct, const mgn_account_params *params, double now,
                      const double *call_deadlines, int threads, void *work, size_t work_size,
                      mgn_account_result *out)
{
    mgn__acct_env env;
    int st;
    if ((st = mgn__acct_env_init(&env, mkt, n_mkt, params)) != MGN_OK)
        return st;
    if (threads < 1 || threads > 256 || !isfinite(now))
        return MGN_EINVAL;
    if (n_acct == 0)
        return MGN_OK;
    if (!accts || !out)
        return MGN_EINVAL;
    size_t per = 0;
    if (!env.fast) {
        size_t max_pos = 0;
        for (size_t k = 0; k < n_acct; k++)
            if (accts[k].n_pos > max_pos && accts[k].n_pos <= MGN__ACCT_MAX_POS)
                max_pos = accts[k].n_pos;
        per = r64(mgn__acct_work_need(&env, max_pos));
        /* per * threads overflows only where size_t is narrower than 64 bits */
        st = per > SIZE_MAX / (size_t)threads ? MGN_ERANGE
           : mgn__check_work(work, work_size, per * (size_t)threads);
        if (st != MGN_OK)
            return st;
    }
    sweep_ctx x = { &env, mkt, accts, n_acct, now, call_deadlines, threads, (char *)work, per, out };
    size_t n_chunks = (n_acct + SWEEP_CHUNK - 1) / SWEEP_CHUNK;
    mgn__run_chunks(n_chunks, threads, sweep_chunk, &x);
    for (size_t k = 0; k < n_acct; k++)
        if (out[k].status < 0)
            return MGN_EINVAL;
    return MGN_OK;
}
