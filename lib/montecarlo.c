/* Monte Carlo VaR/ES with full revaluation: correlated normal or Student-t log returns
 * (own Cholesky, GSL MT19937 in the caller's workspace), antithetic pairs, batch-means
 * standard errors (definitions in include/margin.h). */
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "var.h"

size_t mgn_sizeof_mc_params(void) { return sizeof(mgn_mc_params); }

int mgn_mc_params_init(mgn_mc_params *p)
{
    if (!p)
        return MGN_EINVAL;
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    p->confidence = 0.99;
    p->n_paths = 100000;
    p->seed = 0;
    p->df = 0;
    p->dt = 1.0 / 365.0;
    p->antithetic = 0;
    p->threads = 1;
    p->currency = MGN_QUOTE;
    p->n_batches = 20;
    return MGN_OK;
}

static int params_ok(const mgn_mc_params *p)
{
    if (!p || p->struct_size != sizeof *p || !mgn__conf_ok(p->confidence) || p->n_paths == 0
        || !(isfinite(p->df) && (p->df == 0 || p->df > 2)) || !isfinite(p->dt) || p->dt < 0
        || (p->antithetic != 0 && p->antithetic != 1) || p->threads < 1
        || p->threads > MGN__MAX_THREADS || p->n_batches < 0)
        return 0;
    if (p->antithetic && p->n_paths % 2)
        return 0;
    size_t unit = p->antithetic ? 2 : 1;
    if (p->n_batches >= 2 && (size_t)p->n_batches > p->n_paths / unit)
        return 0;
    return 1;
}

/* Layout: pnl | shocks | L | z | rng state, each 64-byte aligned. */
typedef struct { size_t shocks, L, z, rng, total; } layout;

static int make_layout(size_t n_mkt, size_t n_paths, layout *lo)
{
    size_t a, b, c, d, e, t;
    if (!mgn__mul_ok(n_paths, sizeof(double), &a) || !mgn__round64(a, &a)
        || !mgn__mul_ok(n_paths, n_mkt, &b) || !mgn__mul_ok(b, sizeof(mgn_shock), &b) || !mgn__round64(b, &b)
        || !mgn__mul_ok(n_mkt, n_mkt, &c) || !mgn__mul_ok(c, sizeof(double), &c) || !mgn__round64(c, &c)
        || !mgn__mul_ok(n_mkt, sizeof(double), &d) || !mgn__round64(d, &d)
        || !mgn__round64(gsl_rng_mt19937->size, &e))
        return MGN_ERANGE;
    lo->shocks = a;
    if (!mgn__add_ok(a, b, &t)) return MGN_ERANGE;
    lo->L = t;
    if (!mgn__add_ok(t, c, &t)) return MGN_ERANGE;
    lo->z = t;
    if (!mgn__add_ok(t, d, &t)) return MGN_ERANGE;
    lo->rng = t;
    if (!mgn__add_ok(t, e, &t)) return MGN_ERANGE;
    lo->total = t;
    return MGN_OK;
}

int mgn_var_montecarlo_work_size(size_t n_mkt, const mgn_mc_params *params, size_t *bytes)
{
    layout lo;
    if (!bytes || n_mkt == 0 || !params_ok(params))
        return MGN_EINVAL;
    int st = make_layout(n_mkt, params->n_paths, &lo);
    if (st == MGN_OK)
        *bytes = lo.total;
    return st;
}

/* Cholesky A = L L' (lower, row-major) of a symmetric positive definite matrix;
   MGN_EINVAL when not symmetric (1e-12 relative), not finite, or a pivot is
   <= 1e-14 * max diagonal. */
static int cholesky(const double *A, size_t n, double *L)
{
    double dmax = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double x = A[i * n + j], y = A[j * n + i];
            if (!isfinite(x) || fabs(x - y) > 1e-12 * fmax(fabs(x), fabs(y)))
                return MGN_EINVAL;
            if (i == j && x > dmax)
                dmax = x;
        }
    if (!(dmax > 0))
        return MGN_EINVAL;
    for (size_t j = 0; j < n; j++) {
        double s = A[j * n + j];
        for (size_t k = 0; k < j; k++)
            s -= L[j * n + k] * L[j * n + k];
        if (!(s > 1e-14 * dmax))
            return MGN_EINVAL;
        double d = sqrt(s);
        L[j * n + j] = d;
        for (size_t i = j + 1; i < n; i++) {
            double t = A[i * n + j];
            for (size_t k = 0; k < j; k++)
                t -= L[i * n + k] * L[j * n + k];
            L[i * n + j] = t / d;
        }
        for (size_t i = 0; i < j; i++)
            L[i * n + j] = 0;
    }
    return MGN_OK;
}

static inline double clamp30(double x) { return x > 30 ? 30 : x < -30 ? -30 : x; }

int mgn_var_montecarlo(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos, size_t n_pos,
                       const double *cov, const mgn_mc_params *params, void *work,
                       size_t work_size, mgn_var_result *out)
{
    layout lo;
    if (!cov || !out || n_mkt == 0 || !params_ok(params))
        return MGN_EINVAL;
    int st = make_layout(n_mkt, params->n_paths, &lo);
    if (st != MGN_OK)
        return st;
    if ((st = mgn__check_work(work, work_size, lo.total)) != MGN_OK)
        return st;
    char *wb = (char *)work;
    /* cppcheck-suppress invalidPointerCast ; the aligned workspace holds these arrays */
    double *pnl = (double *)wb, *L = (double *)(wb + lo.L), *z = (double *)(wb + lo.z);
    mgn_shock *sh = (mgn_shock *)(wb + lo.shocks);
    st = cholesky(cov, n_mkt, L);
    if (st != MGN_OK)
        return st;

    gsl_rng rng;
    rng.type = gsl_rng_mt19937;
    rng.state = wb + lo.rng;
    gsl_rng_set(&rng, (unsigned long)((uint32_t)params->seed ^ (uint32_t)(params->seed >> 32)));
    size_t N = params->n_paths, step = params->antithetic ? 2 : 1;
    double df = params->df;
    for (size_t i = 0; i < N; i += step) {
        for (size_t k = 0; k < n_mkt; k++)
            z[k] = gsl_ran_gaussian_ziggurat(&rng, 1.0);
        double scale = 1.0;
        if (df > 0) {
            double W = gsl_ran_chisq(&rng, df);
            scale = W > 0 ? sqrt((df - 2) / W) : 1e300;
        }
        mgn_shock *a = sh + i * n_mkt;
        for (size_t u = 0; u < n_mkt; u++) {
            double x = 0;
            for (size_t k = 0; k <= u; k++)
                x += L[u * n_mkt + k] * z[k];
            x *= scale;
            a[u].price = expm1(clamp30(x));
            a[u].vol = 0;
            if (step == 2) {
                a[n_mkt + u].price = expm1(clamp30(-x));
                a[n_mkt + u].vol = 0;
            }
        }
    }
    st = mgn__scenario_pnl_mt(mkt, n_mkt, pos, n_pos, sh, N, params->dt, params->currency,
                              params->threads, pnl);
    if (st != MGN_OK)
        return st;
    mgn__tail t;
    st = mgn__var_es(pnl, NULL, N, params->confidence, &t);
    if (st != MGN_OK)
        return st;
    mgn_var_result r;
    memset(&r, 0, sizeof r);
    r.var = r.var_current = t.var;
    r.es = r.es_current = t.es;
    r.n_scenarios = N;
    int B = params->n_batches;
    if (B >= 2) {
        /* The batch figures are summed relative to the largest |P&L| (every batch VaR
           and ES is within it), so that their squares cannot overflow: with losses
           above about 1e154 the squares of the raw figures would be infinite and
           the variance NaN. */
        double sc = 0;
        for (size_t i = 0; i < N; i++)
            if (fabs(pnl[i]) > sc)
                sc = fabs(pnl[i]);
        if (!(sc > 0))
            sc = 1;
        size_t units = N / step;
        double sv = 0, sv2 = 0, se = 0, se2 = 0;
        for (int b = 0; b < B; b++) {
            size_t u0 = (size_t)((double)b * (double)units / B), u1 = (size_t)((double)(b + 1) * (double)units / B);
            if (b == B - 1)
                u1 = units;
            mgn__tail tb;
            st = mgn__var_es(pnl + u0 * step, NULL, (u1 - u0) * step, params->confidence, &tb);
            if (st != MGN_OK)
                return st;
            double v = tb.var / sc, e = tb.es / sc;
            sv += v;
            sv2 += v * v;
            se += e;
            se2 += e * e;
        }
        double mv = sv / B, me = se / B;
        double vv = (sv2 - B * mv * mv) / (B - 1), ve = (se2 - B * me * me) / (B - 1);
        r.var_se = sc * (sqrt(vv > 0 ? vv : 0) / sqrt((double)B));
        r.es_se = sc * (sqrt(ve > 0 ? ve : 0) / sqrt((double)B));
        if (!isfinite(r.var_se) || !isfinite(r.es_se))
            return MGN_ERANGE;
    }
    *out = r;
    return MGN_OK;
}
