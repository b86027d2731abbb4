/* VaR backtests: Kupiec POF, Christoffersen independence and conditional coverage,
 * Basel traffic-light zones (definitions and sources in include/margin.h). */
#include <limits.h>
#include <gsl/gsl_cdf.h>
#include "var.h"

size_t mgn_sizeof_backtest_result(void) { return sizeof(mgn_backtest_result); }

/* n ln p with 0 ln 0 = 0 (p > 0 whenever n > 0 by construction). */
static double xlogp(double n, double p) { return n > 0 ? n * log(p) : 0.0; }
static double xlog1mp(double n, double p) { return n > 0 ? n * log1p(-p) : 0.0; }

int mgn_backtest_exceptions(const double *pnl, const double *var, size_t n, int *exceptions)
{
    if (n == 0)
        return MGN_EINVAL;
    if (!pnl || !var || !exceptions)
        return MGN_EINVAL;
    for (size_t t = 0; t < n; t++)
        if (!isfinite(pnl[t]) || !isfinite(var[t]))
            return MGN_EINVAL;
    for (size_t t = 0; t < n; t++)
        exceptions[t] = -pnl[t] > var[t];
    return MGN_OK;
}

int mgn_backtest_zone(size_t n_obs, size_t n_exceptions, double confidence, int *zone,
                      double *cum_prob)
{
    if (!zone || n_obs == 0 || n_exceptions > n_obs || !mgn__conf_ok(confidence))
        return MGN_EINVAL;
    if (n_obs > UINT_MAX)
        return MGN_ERANGE;
    double p = 1 - confidence;
    double P = gsl_cdf_binomial_P((unsigned)n_exceptions, p, (unsigned)n_obs);
    if (!isfinite(P))
        return MGN_ERANGE;
    *zone = P < 0.95 ? MGN_ZONE_GREEN : P < 0.9999 ? MGN_ZONE_YELLOW : MGN_ZONE_RED;
    if (cum_prob)
        *cum_prob = P;
    return MGN_OK;
}

static double chisq_q(double x, double df) { return x > 0 ? gsl_cdf_chisq_Q(x, df) : 1.0; }

int mgn_backtest(const int *exceptions, size_t n, double confidence, mgn_backtest_result *out)
{
    if (!exceptions || !out || n == 0 || !mgn__conf_ok(confidence))
        return MGN_EINVAL;
    if (n > UINT_MAX)
        return MGN_ERANGE;
    size_t x = 0, c[2][2] = { { 0, 0 }, { 0, 0 } };
    for (size_t t = 0; t < n; t++) {
        if (exceptions[t] != 0 && exceptions[t] != 1)
            return MGN_EINVAL;
        x += (size_t)exceptions[t];
        if (t > 0)
            c[exceptions[t - 1]][exceptions[t]]++;
    }
    mgn_backtest_result r;
    double p = 1 - confidence, T = (double)n, X = (double)x, ph = X / T;
    /* Kupiec POF */
    double l0 = xlog1mp(T - X, p) + xlogp(X, p);
    double l1 = xlog1mp(T - X, ph) + xlogp(X, ph);
    r.lr_pof = -2 * (l0 - l1);
    if (r.lr_pof < 0)
        r.lr_pof = 0;
    /* Christoffersen independence */
    double n00 = (double)c[0][0], n01 = (double)c[0][1], n10 = (double)c[1][0], n11 = (double)c[1][1];
    double pi0 = n00 + n01 > 0 ? n01 / (n00 + n01) : 0;
    double pi1 = n10 + n11 > 0 ? n11 / (n10 + n11) : 0;
    double tot = n00 + n01 + n10 + n11, pi = tot > 0 ? (n01 + n11) / tot : 0;
    double lr0 = xlog1mp(n00 + n10, pi) + xlogp(n01 + n11, pi);
    double lr1 = xlog1mp(n00, pi0) + xlogp(n01, pi0) + xlog1mp(n10, pi1) + xlogp(n11, pi1);
    r.lr_ind = -2 * (lr0 - lr1);
    if (r.lr_ind < 0)
        r.lr_ind = 0;
    r.lr_cc = r.lr_pof + r.lr_ind;
    r.p_pof = chisq_q(r.lr_pof, 1);
    r.p_ind = chisq_q(r.lr_ind, 1);
    r.p_cc = chisq_q(r.lr_cc, 2);
    r.n_obs = n;
    r.n_exceptions = x;
    r.n00 = c[0][0];
    r.n01 = c[0][1];
    r.n10 = c[1][0];
    r.n11 = c[1][1];
    r.reserved = 0;
    int st = mgn_backtest_zone(n, x, confidence, &r.zone, &r.cum_prob);
    if (st != MGN_OK)
        return st;
    if (!isfinite(r.lr_pof) || !isfinite(r.lr_ind) || !isfinite(r.lr_cc))
        return MGN_ERANGE;
    *out = r;
    return MGN_OK;
}
