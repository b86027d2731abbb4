/* Oracle price guards: a robust index from several feeds (MARGIN-MODEL.md section 8;
 * METHODS-REFERENCE.md 3.6: Binance's index drops sources more than 5% from the
 * median). Median of the fresh quotes, a deviation band around it, a quorum.
 * No allocation: at most MGN_ORACLE_MAX_FEEDS quotes are sorted on the stack.
 */
#include <string.h>
#include "account.h"

size_t mgn_sizeof_oracle_params(void) { return sizeof(mgn_oracle_params); }
size_t mgn_sizeof_oracle_result(void) { return sizeof(mgn_oracle_result); }

static void isort(double *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        double t = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1] > t) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = t;
    }
}

/* Median of sorted v[0..n), n >= 1: the middle one, or the mean of the two middle ones
   (computed as a + (b - a) / 2, which cannot overflow for positive prices). */
static double median_sorted(const double *v, size_t n)
{
    if (n % 2)
        return v[n / 2];
    double a = v[n / 2 - 1], b = v[n / 2];
    return a + 0.5 * (b - a);
}

int mgn_oracle_index(const double *price, const double *time, size_t n, double now,
                     const mgn_oracle_params *params, mgn_oracle_result *out)
{
    if (!out || !params || (n > 0 && (!price || !time)))
        return MGN_EINVAL;
    if (n > MGN_ORACLE_MAX_FEEDS)
        return MGN_ERANGE;
    if (!isfinite(now) || !(isfinite(params->max_age) && params->max_age >= 0)
        || !(isfinite(params->max_deviation) && params->max_deviation >= 0)
        || params->min_quorum == 0)
        return MGN_EINVAL;
    double fresh[MGN_ORACLE_MAX_FEEDS], used[MGN_ORACLE_MAX_FEEDS];
    size_t nf = 0, nu = 0, nrej = 0;
    for (size_t i = 0; i < n; i++) {
        double p = price[i], t = time[i];
        if (!(isfinite(p) && p > 0 && isfinite(t))) {
            nrej++;
            continue;
        }
        double age = now - t;
        if (age >= 0 && age <= params->max_age)
            fresh[nf++] = p;
    }
    mgn_oracle_result r;
    memset(&r, 0, sizeof r);
    r.n_fresh = nf;
    r.n_rejected = nrej;
    if (nf == 0 || nf < params->min_quorum) {
        if (nf > 0) {
            isort(fresh, nf);
            r.median_fresh = median_sorted(fresh, nf);
        }
        r.verdict = MGN_ORACLE_STALE;
        *out = r;
        return MGN_OK;
    }
    isort(fresh, nf);
    double m = median_sorted(fresh, nf);
    r.median_fresh = m;
    /* |p - m| <= d m rather than |p / m - 1| <= d: a quote 5% from a round median
       (105 against 100) is in the 5% band, where 105 / 100 - 1 rounds above 0.05 */
    for (size_t i = 0; i < nf; i++)
        if (fabs(fresh[i] - m) <= params->max_deviation * m)
            used[nu++] = fresh[i];
    r.n_used = nu;
    if (nu < params->min_quorum || nu == 0) {
        r.verdict = MGN_ORACLE_DEVIATION;
        *out = r;
        return MGN_OK;
    }
    r.price = median_sorted(used, nu);   /* used[] is sorted: a subsequence of fresh[] */
    r.verdict = MGN_ORACLE_OK;
    *out = r;
    return MGN_OK;
}
