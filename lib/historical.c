/* Historical simulation with full revaluation: plain, age-weighted (BRW) and
 * filtered (EWMA volatility-scaled) HS, overlapping or sqrt(h)-scaled horizons, and
 * the stressed-period floor (definitions in include/margin.h). */
#include <string.h>
#include "var.h"

size_t mgn_sizeof_hs_params(void) { return sizeof(mgn_hs_params); }

int mgn_hs_params_init(mgn_hs_params *p)
{
    if (!p)
        return MGN_EINVAL;
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    p->confidence = 0.99;
    p->horizon_days = 1;
    p->horizon_method = MGN_HORIZON_OVERLAP;
    p->weighting = 0;
    p->threads = 1;
    p->brw_lambda = 0.99;
    p->ewma_lambda = 0.94;
    p->dt = 1.0 / 365.0;
    p->currency = MGN_QUOTE;
    p->reserved = 0;
    return MGN_OK;
}

static int lam_ok(double l) { return isfinite(l) && l > 0 && l < 1; }

static int params_ok(const mgn_hs_params *p)
{
    return p && p->struct_size == sizeof *p && mgn__conf_ok(p->confidence) && p->horizon_days >= 1
        && (p->horizon_method == MGN_HORIZON_OVERLAP || p->horizon_method == MGN_HORIZON_SQRT)
        && p->weighting >= 0 && p->weighting <= (MGN_HS_BRW | MGN_HS_FILTERED)
        && p->threads >= 1 && p->threads <= MGN__MAX_THREADS && lam_ok(p->brw_lambda)
        && lam_ok(p->ewma_lambda) && isfinite(p->dt) && p->dt >= 0 && p->reserved == 0;
}

static int count(size_t n_days, const mgn_hs_params *p, size_t *n)
{
    size_t h = (size_t)p->horizon_days;
    if (n_days == 0)
        return MGN_EINVAL;
    if (p->horizon_method == MGN_HORIZON_SQRT) {
        *n = n_days;
        return MGN_OK;
    }
    if (n_days < h)
        return MGN_EINVAL;
    *n = n_days - h + 1;
    return MGN_OK;
}

int mgn_hs_scenario_count(size_t n_days, const mgn_hs_params *params, size_t *n_scen)
{
    size_t n;
    if (!params_ok(params) || !n_scen)
        return MGN_EINVAL;
    int st = count(n_days, params, &n);
    if (st == MGN_OK)
        *n_scen = n;
    return st;
}

/* Per-underlying state of the filter: the EWMA variance forecast before the current
   day and the forecast after the last day (FHS only). */
typedef struct {
    double v, now, lam;
    int filtered;
} filt;

static filt filt_start(const double *ret, size_t n_days, size_t n_mkt, size_t m,
                       const mgn_hs_params *p, int weighting)
{
    filt f = { 0, 0, p->ewma_lambda, (weighting & MGN_HS_FILTERED) != 0 };
    if (f.filtered) {
        double seed = 0;
        for (size_t t = 0; t < n_days; t++) {
            double l = log1p(ret[t * n_mkt + m]);
            seed += l * l;
        }
        seed /= (double)n_days;
        double v = seed;
        for (size_t t = 0; t < n_days; t++) {
            double l = log1p(ret[t * n_mkt + m]);
            v = f.lam * v + (1 - f.lam) * (l * l);
        }
        f.v = seed;
        f.now = sqrt(v);
    }
    return f;
}

/* The (filtered) log return of one day; advances the filter by that day. */
static double day_shock(double r, filt *f)
{
    double l = log1p(r), x = l;
    if (f->filtered) {
        double sg = sqrt(f->v);
        if (sg > 0)
            x = l * (f->now / sg);
        f->v = f->lam * f->v + (1 - f->lam) * (l * l);
    }
    return x;
}

/* A summed log move and vol move as a shock: MGN_ERANGE when the price move leaves
   what a double holds (1 + price overflows, or rounds to 0: price > -1 fails). */
static int to_shock(double x, double vol, mgn_shock *out)
{
    double price = expm1(x);
    if (!isfinite(price) || !(price > -1) || !isfinite(vol))
        return MGN_ERANGE;
    out->price = price;
    out->vol = vol;
    return MGN_OK;
}

/* Validates the history (MGN_EINVAL for a return <= -1 or anything non-finite). */
static int history_ok(const double *ret, const double *dv, size_t n_days, size_t n_mkt)
{
    size_t cells;
    if (!mgn__mul_ok(n_days, n_mkt, &cells) || !mgn__mul_ok(cells, sizeof(mgn_shock), &cells))
        return MGN_ERANGE;
    for (size_t i = 0; i < n_days * n_mkt; i++) {
        if (!isfinite(ret[i]) || !(ret[i] > -1))
            return MGN_EINVAL;
        if (dv && !isfinite(dv[i]))
            return MGN_EINVAL;
    }
    return MGN_OK;
}

/* Scenario builder on validated arguments (weighting given separately: the stressed
   history is always plain). An overlapping window sums its days in date order. */
static int build(const double *ret, const double *dv, size_t n_days, size_t n_mkt,
                 const mgn_hs_params *p, int weighting, mgn_shock *sh, double *w, size_t *n_out)
{
    size_t n_scen = 0, h = (size_t)p->horizon_days;
    /* cannot fail: every caller has checked n_days with count() (build_dry_run,
       mgn_var_historical_work_size) */
    (void)count(n_days, p, &n_scen);
    int st = history_ok(ret, dv, n_days, n_mkt);
    if (st != MGN_OK)
        return st;
    int overlap = p->horizon_method == MGN_HORIZON_OVERLAP;
    double sh_h = sqrt((double)h);
    if (overlap)
        memset(sh, 0, n_scen * n_mkt * sizeof *sh);
    for (size_t m = 0; m < n_mkt; m++) {
        filt f = filt_start(ret, n_days, n_mkt, m, p, weighting);
        for (size_t t = 0; t < n_days; t++) {
            double x = day_shock(ret[t * n_mkt + m], &f), d = dv ? dv[t * n_mkt + m] : 0;
            if (overlap) {
                size_t j0 = t + 1 >= h ? t + 1 - h : 0, j1 = t < n_scen - 1 ? t : n_scen - 1;
                for (size_t j = j0; j <= j1 && j0 <= t; j++) {
                    sh[j * n_mkt + m].price += x;
                    sh[j * n_mkt + m].vol += d;
                }
            } else {
                sh[t * n_mkt + m].price = sh_h * x;
                sh[t * n_mkt + m].vol = sh_h * d;
            }
        }
    }
    for (size_t i = 0; i < n_scen * n_mkt; i++)
        if ((st = to_shock(sh[i].price, sh[i].vol, &sh[i])) != MGN_OK)
            return st;
    if (w) {
        if (weighting & MGN_HS_BRW) {
            double lb = p->brw_lambda, norm = (1 - lb) / -expm1((double)n_scen * log(lb));
            for (size_t j = 0; j < n_scen; j++)      /* age of scenario j: n_scen - j */
                w[j] = pow(lb, (double)(n_scen - 1 - j)) * norm;
        } else {
            for (size_t j = 0; j < n_scen; j++)
                w[j] = 1.0 / (double)n_scen;
        }
    }
    *n_out = n_scen;
    return MGN_OK;
}

/* build()'s shocks computed one at a time, with the same operations in the same order,
   only to find a failure before the caller's array is written (mgn_hs_scenarios has no
   workspace). Overlapping windows replay their h days from the filter state at the
   window's start: O(n_days h n_mkt), as build() itself. */
static int build_dry_run(const double *ret, const double *dv, size_t n_days, size_t n_mkt,
                         const mgn_hs_params *p, int weighting)
{
    size_t n_scen, h = (size_t)p->horizon_days;
    int st = count(n_days, p, &n_scen);
    if (st != MGN_OK)
        return st;
    if ((st = history_ok(ret, dv, n_days, n_mkt)) != MGN_OK)
        return st;
    int overlap = p->horizon_method == MGN_HORIZON_OVERLAP;
    double sh_h = sqrt((double)h);
    mgn_shock tmp;
    for (size_t m = 0; m < n_mkt; m++) {
        filt f = filt_start(ret, n_days, n_mkt, m, p, weighting);
        for (size_t j = 0; j < n_scen; j++) {
            double x, vol;
            if (overlap) {
                filt g = f;
                x = 0;
                vol = 0;
                for (size_t t = j; t < j + h; t++) {
                    x += day_shock(ret[t * n_mkt + m], &g);
                    vol += dv ? dv[t * n_mkt + m] : 0;
                }
                day_shock(ret[j * n_mkt + m], &f);
            } else {
                x = sh_h * day_shock(ret[j * n_mkt + m], &f);
                vol = sh_h * (dv ? dv[j * n_mkt + m] : 0);
            }
            if ((st = to_shock(x, vol, &tmp)) != MGN_OK)
                return st;
        }
    }
    return MGN_OK;
}

int mgn_hs_scenarios(const double *returns, const double *vol_changes, size_t n_days,
                     size_t n_mkt, const mgn_hs_params *params, mgn_shock *shocks,
                     double *weights)
{
    size_t n;
    if (!returns || !shocks || n_mkt == 0 || !params_ok(params))
        return MGN_EINVAL;
    int st = build_dry_run(returns, vol_changes, n_days, n_mkt, params, params->weighting);
    if (st != MGN_OK)
        return st;
    return build(returns, vol_changes, n_days, n_mkt, params, params->weighting, shocks,
                 weights, &n);
}

static int ws_layout(size_t n_scen, size_t n_mkt, size_t *off_pnl, size_t *off_w, size_t *total)
{
    size_t a, b, c;
    if (!mgn__mul_ok(n_scen, n_mkt, &a) || !mgn__mul_ok(a, sizeof(mgn_shock), &a) || !mgn__round64(a, &a)
        || !mgn__mul_ok(n_scen, sizeof(double), &b) || !mgn__round64(b, &b)
        || !mgn__add_ok(a, b, &c) || !mgn__add_ok(c, b, &c))
        return MGN_ERANGE;
    *off_pnl = a;
    *off_w = a + b;
    *total = c;
    return MGN_OK;
}

int mgn_var_historical_work_size(size_t n_days, size_t n_stress_days, size_t n_mkt,
                                 const mgn_hs_params *params, size_t *bytes)
{
    size_t n1, n2 = 0, op, ow, tot;
    if (!bytes || n_mkt == 0 || !params_ok(params))
        return MGN_EINVAL;
    int st = count(n_days, params, &n1);
    if (st == MGN_OK && n_stress_days > 0)
        st = count(n_stress_days, params, &n2);
    if (st != MGN_OK)
        return st;
    st = ws_layout(n1 > n2 ? n1 : n2, n_mkt, &op, &ow, &tot);
    if (st == MGN_OK)
        *bytes = tot;
    return st;
}

static int one_history(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                       size_t n_pos, const double *ret, const double *dv, size_t n_days,
                       const mgn_hs_params *p, int weighting, char *work, size_t off_pnl,
                       size_t off_w, mgn__tail *t, size_t *n_scen)
{
    mgn_shock *sh = (mgn_shock *)work;
    /* cppcheck-suppress invalidPointerCast ; the aligned workspace holds these arrays */
    double *pnl = (double *)(work + off_pnl), *w = (double *)(work + off_w);
    int st = build(ret, dv, n_days, n_mkt, p, weighting, sh, w, n_scen);
    if (st != MGN_OK)
        return st;
    st = mgn__scenario_pnl_mt(mkt, n_mkt, pos, n_pos, sh, *n_scen, p->dt, p->currency,
                              p->threads, pnl);
    if (st != MGN_OK)
        return st;
    return mgn__var_es(pnl, (weighting & MGN_HS_BRW) ? w : NULL, *n_scen, p->confidence, t);
}

int mgn_var_historical(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos, size_t n_pos,
                       const double *returns, const double *vol_changes, size_t n_days,
                       const double *stress_returns, const double *stress_vol_changes,
                       size_t n_stress_days, const mgn_hs_params *params, void *work,
                       size_t work_size, mgn_var_result *out)
{
    size_t need, n1 = 0, n2 = 0, op, ow, tot;
    if (!returns || !out || n_mkt == 0 || !params_ok(params)
        || (n_stress_days > 0 && !stress_returns))
        return MGN_EINVAL;
    int st = mgn_var_historical_work_size(n_days, n_stress_days, n_mkt, params, &need);
    if (st != MGN_OK)
        return st;
    if ((st = mgn__check_work(work, work_size, need)) != MGN_OK)
        return st;
    count(n_days, params, &n1);
    if (n_stress_days > 0)
        count(n_stress_days, params, &n2);
    ws_layout(n1 > n2 ? n1 : n2, n_mkt, &op, &ow, &tot);
    mgn__tail cur, str = { 0, 0, 0 };
    st = one_history(mkt, n_mkt, pos, n_pos, returns, vol_changes, n_days, params,
                     params->weighting, (char *)work, op, ow, &cur, &n1);
    if (st != MGN_OK)
        return st;
    if (n_stress_days > 0) {
        st = one_history(mkt, n_mkt, pos, n_pos, stress_returns, stress_vol_changes,
                         n_stress_days, params, 0, (char *)work, op, ow, &str, &n2);
        if (st != MGN_OK)
            return st;
    }
    mgn_var_result r;
    memset(&r, 0, sizeof r);
    r.var_current = cur.var;
    r.es_current = cur.es;
    r.var_stressed = str.var;
    r.es_stressed = str.es;
    r.var = cur.var;
    r.es = cur.es;
    if (n_stress_days > 0) {
        r.var = cur.var > str.var ? cur.var : str.var;
        r.es = cur.es > str.es ? cur.es : str.es;
    }
    r.n_scenarios = n1;
    *out = r;
    return MGN_OK;
}
