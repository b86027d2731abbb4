/* RiskMetrics EWMA volatility and the dynamic (volatility-scaled, anti-procyclical)
 * margin range (definitions in include/margin.h). */
#include <string.h>
#include <gsl/gsl_cdf.h>
#include "var.h"

size_t mgn_sizeof_dynmargin_params(void) { return sizeof(mgn_dynmargin_params); }
size_t mgn_sizeof_dynmargin_result(void) { return sizeof(mgn_dynmargin_result); }

static int lambda_ok(double l) { return isfinite(l) && l > 0 && l < 1; }

/* Validated inputs: returns finite, lambda in (0,1), seed finite. The recursion runs
   once without storing to find an overflow (MGN_ERANGE with the output untouched),
   then again, with the same operations, into v. */
static int ewma_core(const double *r, size_t n, double lambda, double seed, double *v)
{
    if (seed < 0) {
        double s = 0;
        for (size_t t = 0; t < n; t++)
            s += r[t] * r[t];
        seed = s / (double)n;
    }
    if (!isfinite(seed))
        return MGN_ERANGE;
    double x = seed;
    for (size_t t = 0; t < n; t++) {
        x = lambda * x + (1 - lambda) * (r[t] * r[t]);
        if (!isfinite(x))
            return MGN_ERANGE;
    }
    v[0] = seed;
    for (size_t t = 0; t < n; t++)
        v[t + 1] = lambda * v[t] + (1 - lambda) * (r[t] * r[t]);
    return MGN_OK;
}

int mgn_ewma_variance(const double *returns, size_t n, double lambda, double seed_var,
                      double *variance)
{
    if (!returns || !variance || n == 0 || !lambda_ok(lambda) || !isfinite(seed_var))
        return MGN_EINVAL;
    if (n == SIZE_MAX)
        return MGN_ERANGE;
    for (size_t t = 0; t < n; t++)
        if (!isfinite(returns[t]))
            return MGN_EINVAL;
    /* A square that overflows needs |r| > 1e154, so in practice this cannot fail. */
    return ewma_core(returns, n, lambda, seed_var, variance);
}

int mgn_dynmargin_params_init(mgn_dynmargin_params *p)
{
    if (!p)
        return MGN_EINVAL;
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    p->lambda = 0.94;
    p->seed_var = -1;
    p->confidence = 0.99;
    p->horizon_days = 2;
    p->tail_df = 0;
    p->multiplier = 1;
    p->buffer = 0.25;
    p->floor_lookback = 2520;
    return MGN_OK;
}

/* s + c += x with the rounding error of the addition kept in c (Neumaier, ZAMM 54,
   1974: the error of the larger operand's sum, found exactly by the two subtractions). */
static void compensated_add(double *s, double *c, double x)
{
    double t = *s + x;
    *c += fabs(*s) >= fabs(x) ? (*s - t) + x : (x - t) + *s;
    *s = t;
}

int mgn_dynamic_margin(const double *returns, size_t n, const mgn_dynmargin_params *p,
                       double *scan_series, mgn_dynmargin_result *out)
{
    if (!returns || !p || !out || n == 0 || p->struct_size != sizeof *p)
        return MGN_EINVAL;
    /* confidence <= 0.5 would make the quantile, and with it every range, <= 0 */
    if (!lambda_ok(p->lambda) || !isfinite(p->seed_var) || !mgn__conf_ok(p->confidence)
        || !(p->confidence > 0.5)
        || !(isfinite(p->horizon_days) && p->horizon_days > 0)
        || !(isfinite(p->tail_df) && (p->tail_df == 0 || p->tail_df > 2))
        || !(isfinite(p->multiplier) && p->multiplier > 0)
        || !(isfinite(p->buffer) && p->buffer >= 0))
        return MGN_EINVAL;
    double seed = p->seed_var, ss = 0;
    for (size_t t = 0; t < n; t++) {
        if (!isfinite(returns[t]))
            return MGN_EINVAL;
        ss += returns[t] * returns[t];
    }
    if (!isfinite(ss))
        return MGN_ERANGE;
    if (seed < 0)
        seed = ss / (double)n;
    /* Unit-variance Student t quantile; beyond 1e20 degrees of freedom it equals the
       normal one to double precision (the gap is O(1/df)), and GSL's t quantile
       returns NaN for df near DBL_MAX. Taken from the upper tail 1 - c, exact for
       c > 0.5: GSL's lower-tail inverse at c lost up to 1.8e-7 relative near c = 1
       (c = 1 - 4e-12, df = 31.8). */
    double q = p->tail_df == 0 || p->tail_df > 1e20
                   ? mgn__norm_quantile(p->confidence)
                   : gsl_cdf_tdist_Qinv(1 - p->confidence, p->tail_df)
                         * sqrt((p->tail_df - 2) / p->tail_df);
    double k = p->multiplier * q * sqrt(p->horizon_days), b = p->buffer;
    if (!isfinite(k))
        return MGN_ERANGE;
    size_t L = p->floor_lookback;
    double v = 0, M = 0, base = 0, flo = 0, m = 0, lv = 0;
    /* With a scan series the recursion runs twice, the first time without storing,
       so that an overflow leaves the caller's series untouched. */
    for (int pass = scan_series ? 0 : 1; pass < 2; pass++) {
        double *dst = pass ? scan_series : NULL, win = 0, comp = 0, peak = 0;
        v = seed; M = base = flo = m = lv = 0;
        for (size_t t = 0; t < n; t++) {
            double r2 = returns[t] * returns[t];
            v = p->lambda * v + (1 - p->lambda) * r2;
            base = k * sqrt(v);
            if (L > 0) {
                /* RMS over the last min(L, t+1) returns from a running window sum. A
                   plain running sum keeps the rounding of every large square that has
                   left the window (1% days after a 100% day came out 5.5e-14 off,
                   after a 10,000% day 3.5e-9; a window of zeros gave a nonzero
                   floor), so the sum is compensated (compensated_add), and summed
                   afresh, compensated too, every L days and whenever it falls below
                   2^-20 of its peak since the last such sum, where even the
                   compensation's own rounding would show. */
                compensated_add(&win, &comp, r2);
                if (t >= L)
                    compensated_add(&win, &comp, -(returns[t - L] * returns[t - L]));
                peak = win > peak ? win : peak;
                double w = win + comp;
                if ((t + 1) % L == 0 || !(w >= 0x1p-20 * peak)) {
                    win = comp = 0;
                    for (size_t j = t + 1 - (t + 1 < L ? t + 1 : L); j <= t; j++)
                        compensated_add(&win, &comp, returns[j] * returns[j]);
                    w = peak = win + comp;
                }
                size_t cnt = t + 1 < L ? t + 1 : L;
                lv = sqrt(w / (double)cnt);
                flo = k * lv;
            }
            m = base > flo ? base : flo;
            double hi = (1 + b) * m;
            if (t == 0)
                M = hi;
            else {
                M = M > m ? M : m;
                M = M < hi ? M : hi;
            }
            if (!isfinite(M))
                return MGN_ERANGE;
            if (dst)
                dst[t] = M;
        }
    }
    out->ewma_vol = sqrt(v);
    out->long_vol = lv;
    out->base_scan = base;
    out->floor_scan = flo;
    out->margin_scan = m;
    out->price_scan = M;
    /* M >= m exactly (M is max(M, m) or (1 + b) m >= m), so M / m - 1 >= 0; it can
       round just above buffer when M sits on (1 + b) m */
    out->buffer_left = m > 0 ? M / m - 1 : 0;
    if (out->buffer_left > b)
        out->buffer_left = b;
    out->in_stress = M < (1 + b) * m;
    out->reserved = 0;
    return MGN_OK;
}
