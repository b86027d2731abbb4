/*
 * Fuzz target: VaR and ES of a P&L sample and their allocation to positions
 * (mgn_var_es, mgn_var_es_contrib_work_size, mgn_var_es_contrib).
 * Contract checked:
 *   - the status is documented, and predicted where the header fixes it: MGN_EINVAL
 *     for NULL pnl/var/es, n == 0, a confidence outside (0, 1) (0, 1, NaN, +-inf),
 *     non-finite P&L, non-finite or negative weights, weights summing to 0;
 *     MGN_ERANGE when the weights' sum overflows; MGN_ERANGE otherwise only where
 *     the tail sums can overflow; workspace NULL / misaligned MGN_EINVAL, too small
 *     MGN_ENOMEM;
 *   - MGN_OK: var and es finite, ES >= VaR, VaR the order statistic of the header
 *     (equal weights: exactly L_(k), k = ceil(N a) with N a snapped; weights: the
 *     first loss whose cumulative weight reaches a W, to the header's 2^-51 W), ES the
 *     Acerbi-Tasche tail mean at that VaR (to rounding);
 *   - a failure leaves every output untouched; a second call gives the same bits;
 *   - mgn_var_es_contrib: var / es are the bits of mgn_var_es of the row sums;
 *     es_contrib sums to es and var_contrib to var (to rounding); incr_var / incr_es
 *     are the bits of var - VaR (es - ES) of the portfolio without the position; the
 *     optional arrays may be NULL.
 * Samples are up to 256 values (mostly up to 32); one input in 256 tiles them into
 * 1025..4096 values so that the sampled-bracket radix selection of lib/var.c runs as
 * well (rarely: the insertion sort of its 1024-point sample dominates such a call).
 */
#include "fuzz.h"

#define MAX_SMALL 256
#define MAX_BIG 4096
#define MAX_POS 8

static double pnl_buf[MAX_BIG], w_buf[MAX_BIG];
static double tot_buf[MAX_SMALL], tmp_buf[MAX_SMALL];

/* Confidence levels: the usual ones, the edges 0 and 1, NaN, out of range. */
static double dec_conf(fz_in *in)
{
    switch (fz_u8(in) % 16u) {
    case 0: return 0.0;
    case 1: return 1.0;
    case 2: return NAN;
    case 3: return fz_special(in, 0.99);
    case 4: return fz_real(in, -1.0, 2.0);
    case 5: return nextafter(1.0, 0.0);
    case 6: return 4.9406564584124654e-324;
    case 7: return 0.5;
    case 8: return 0.99;
    case 9: return 0.975;
    case 10: return 0.95;
    case 11: return 0.999;
    default: return fz_sane(in, 0.0, 1.0);
    }
}

/* One P&L value in the chosen style (5 = a style per value). */
static double dec_value(fz_in *in, unsigned style)
{
    if (style == 5)
        style = fz_u8(in) % 5u;
    switch (style) {
    case 0: return fz_sane(in, -1e3, 1e3);
    case 1: return (double)((int)(fz_u8(in) % 9u) - 4);          /* many ties */
    case 2: return fz_real(in, -1e3, 1e3);                        /* hostile */
    case 3: return fz_sane(in, -1.0, 1.0) * DBL_MAX;              /* huge, finite */
    default: return fz_sane(in, -1.0, 1.0) * 1e-310;              /* subnormal */
    }
}

static double dec_weight(fz_in *in, unsigned style)
{
    if (fz_u8(in) < 40)
        return 0.0;
    switch (style) {
    case 0: return fz_sane(in, 0.0, 10.0);
    case 1: return fz_real(in, 0.0, 10.0);                        /* hostile */
    case 2: return fz_sane(in, 0.5, 1.0) * DBL_MAX;               /* sum overflows */
    default: return fz_sane(in, 0.0, 1.0) * 1e-310;               /* subnormal */
    }
}

/* k and m = N a of the header's equal-weight order statistic. */
static void equal_k(size_t n, double a, size_t *k, double *m)
{
    double x = (double)n * a, r = nearbyint(x);
    if (r >= 1 && fabs(x - r) <= (double)n * 0x1p-51) {
        *m = r;
    } else {
        *m = x;
        r = ceil(x);
        if (r < 1)
            r = 1;
    }
    *k = r >= (double)n ? n : (size_t)r;
}

static int conf_ok(double c) { return isfinite(c) && c > 0 && c < 1; }

#define DENORM_MIN 4.9406564584124654e-324

/* Relative rounding of arithmetic on weight-like quantities no smaller than m:
   subnormal values carry an absolute error of DENORM_MIN. */
static double eps_at(double m)
{
    return DBL_EPSILON + (m > 0 ? 4.0 * DENORM_MIN / m : 0.0);
}

/* Checks mgn_var_es's status and result on valid pointers against the header's
   definition, in O(n) without sorting. */
static void check_var_es(const double *pnl, const double *w, size_t n, double c, int st,
                         double var, double es)
{
    FZ_STATUS(st);
    int bad = n == 0 || !conf_ok(c);
    double W = 0, maxL = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(pnl[i]) || (w && !(isfinite(w[i]) && w[i] >= 0)))
            bad = 1;
        if (fabs(pnl[i]) > maxL)
            maxL = fabs(pnl[i]);
        W += w ? w[i] : 1.0;
    }
    if (bad || (w && !(W > 0))) {
        FZ_ASSERT(st == MGN_EINVAL);
        return;
    }
    if (!isfinite(W)) {
        FZ_ASSERT(st == MGN_ERANGE);
        return;
    }
    double a = 1.0 - c, aw;
    size_t k = 0;
    if (w)
        aw = a * W;
    else
        equal_k(n, a, &k, &aw);
    if (st != MGN_OK) {
        /* Only an overflowing tail sum may fail. */
        int risky = !(maxL * W < DBL_MAX / 8) || !(aw >= DBL_MIN) || !(maxL * W / aw < DBL_MAX / 8);
        FZ_ASSERT(st == MGN_ERANGE && risky);
        return;
    }
    FZ_ASSERT(isfinite(var) && isfinite(es));
    FZ_ASSERT(es >= var);

    /* VaR is a loss of the sample (with positive weight) at the header's rank. */
    int found = 0;
    size_t cnt_gt = 0, cnt_ge = 0;
    double w_gt = 0, w_ge = 0, s_gt = 0, scale = 0;
    for (size_t i = 0; i < n; i++) {
        double L = 0.0 - pnl[i], wi = w ? w[i] : 1.0;
        if (L == var && wi > 0)
            found = 1;
        if (L > var) {
            cnt_gt++;
            w_gt += wi;
            s_gt += wi * L;
        }
        if (L >= var) {
            cnt_ge++;
            w_ge += wi;
            scale += wi * fabs(L);
        }
    }
    FZ_ASSERT(found);
    if (!w) {
        FZ_ASSERT(cnt_gt < k && k <= cnt_ge);
    } else {
        double thr = aw - W * 0x1p-51;
        double slack = 4.0 * (double)(n + 2) * (DBL_EPSILON * W + DENORM_MIN);
        FZ_ASSERT(w_gt < thr + slack && w_ge >= thr - slack);
    }
    /* ES: the tail mean with the VaR atom split (ties exact). */
    double rem = aw - w_gt;
    if (rem < 0)
        rem = 0;
    double ref = (s_gt + rem * var) / aw;
    if (ref < var)
        ref = var;
    double tol = 16.0 * (double)(n + 2) * eps_at(aw) * (scale + W * fabs(var)) / aw
                 + 16.0 * (double)(n + 2) * DENORM_MIN / aw;
    FZ_ASSERT(!(fabs(es - ref) > tol));
}

static void fuzz_var_es(fz_in *in)
{
    unsigned style = fz_u8(in) % 6u;
    size_t n = fz_count(in, fz_u8(in) % 4u ? 32 : MAX_SMALL);
    for (size_t i = 0; i < n; i++)
        pnl_buf[i] = dec_value(in, style);
    unsigned wstyle = fz_u8(in);
    const double *w = NULL;
    if (wstyle % 5u != 0) {
        for (size_t i = 0; i < n; i++)
            w_buf[i] = dec_weight(in, wstyle % 4u);
        w = w_buf;
    }
    /* Tiling into a large sample: copies shifted by multiples of step. */
    if (n > 0 && fz_u8(in) == 0) {
        size_t big = 1025 + fz_count(in, MAX_BIG - 1025);
        double step = fz_u8(in) < 128 ? 0.0 : fz_real(in, -10.0, 10.0);
        for (size_t i = n; i < big; i++) {
            pnl_buf[i] = pnl_buf[i % n] + (double)(i / n) * step;
            w_buf[i] = w_buf[i % n];
        }
        n = big;
    }
    double c = dec_conf(in);
    unsigned null_sel = fz_u8(in) % 8u;   /* 1..3: one NULL pointer */
    FZ_LOG("var_es n %zu style %u weights %s c %.17g null %u\n", n, style,
           w ? "yes" : "NULL", c, null_sel);
#ifdef FZ_TRACE
    for (size_t i = 0; i < n && i < 300; i++)
        FZ_LOG("  pnl[%zu] %.17g w %.17g\n", i, pnl_buf[i], w ? w[i] : 1.0);
#endif

    double var, es, var2, es2;
    FZ_FILL(&var, sizeof var);
    FZ_FILL(&es, sizeof es);
    if (null_sel >= 1 && null_sel <= 3) {
        int st = mgn_var_es(null_sel == 1 ? NULL : pnl_buf, w, n, c,
                            null_sel == 2 ? NULL : &var, null_sel == 3 ? NULL : &es);
        FZ_ASSERT(st == MGN_EINVAL);
        FZ_ASSERT(fz_untouched(&var, sizeof var) && fz_untouched(&es, sizeof es));
        return;
    }
    int st = mgn_var_es(pnl_buf, w, n, c, &var, &es);
    if (st != MGN_OK)
        FZ_ASSERT(fz_untouched(&var, sizeof var) && fz_untouched(&es, sizeof es));
    check_var_es(pnl_buf, w, n, c, st, var, es);
    FZ_FILL(&var2, sizeof var2);
    FZ_FILL(&es2, sizeof es2);
    FZ_ASSERT(mgn_var_es(pnl_buf, w, n, c, &var2, &es2) == st);
    if (st == MGN_OK)
        FZ_ASSERT(fz_same_bits(&var, &var2, sizeof var) && fz_same_bits(&es, &es2, sizeof es));
}

static void fuzz_work_size(fz_in *in)
{
    size_t n_scen = fz_bool(in) ? fz_absurd_count(in) : fz_count(in, 1000);
    size_t n_pos = fz_bool(in) ? fz_absurd_count(in) : fz_count(in, 1000);
    unsigned null_sel = fz_u8(in) % 4u;
    FZ_LOG("contrib_work_size n_scen %zu n_pos %zu null %u\n", n_scen, n_pos, null_sel);
    size_t bytes;
    FZ_FILL(&bytes, sizeof bytes);
    int st = mgn_var_es_contrib_work_size(n_scen, n_pos, null_sel == 0 ? NULL : &bytes);
    FZ_STATUS(st);
    if (null_sel == 0 || n_scen == 0 || n_pos == 0) {
        FZ_ASSERT(st == MGN_EINVAL);
    } else if (n_pos > SIZE_MAX / n_scen || n_scen > SIZE_MAX / 16) {
        FZ_ASSERT(st == MGN_ERANGE);
    } else {
        FZ_ASSERT(st == MGN_OK && bytes >= 2 * n_scen * sizeof(double));
        return;
    }
    FZ_ASSERT(fz_untouched(&bytes, sizeof bytes));
}

/* Sums of the contributions, with a bound on their rounding. */
static void check_contrib(const double *pnl, size_t n_scen, size_t n_pos, const double *w,
                          double c, double var, double es, const double *var_contrib,
                          const double *es_contrib, const double *incr_var,
                          const double *incr_es)
{
    double a = 1.0 - c, aw, W = 0;
    size_t k;
    for (size_t s = 0; s < n_scen; s++)
        W += w ? w[s] : 1.0;
    if (w)
        aw = a * W;
    else
        equal_k(n_scen, a, &k, &aw);
    double w_tie = 0, w_above = 0;
    for (size_t s = 0; s < n_scen; s++) {
        double L = 0.0 - tot_buf[s], ws = w ? w[s] : 1.0;
        if (L > var)
            w_above += ws;
        else if (L == var)
            w_tie += ws;
    }
    double theta = w_tie > 0 ? (aw - w_above) / w_tie : 0;
    if (theta < 0)
        theta = 0;
    double es_scale = fabs(es), var_scale = fabs(var), wmin = aw, rows = 0;
    for (size_t s = 0; s < n_scen; s++) {
        double L = 0.0 - tot_buf[s], ws = w ? w[s] : 1.0;
        if (L < var || ws == 0)
            continue;
        double fw = L > var ? ws : theta * ws;
        if (fw > 0)
            wmin = fmin(wmin, fmin(ws, fw));
        double row = 0;
        for (size_t p = 0; p < n_pos; p++)
            row += fabs(pnl[s * n_pos + p]);
        es_scale += fw / aw * row;
        rows += row;
        if (L == var)
            var_scale += ws / w_tie * row;
    }
    double rel = 16.0 * (double)(n_scen + n_pos + 4) * eps_at(wmin), tiny = 1e-300;
    /* a weight factor that underflowed to 0 drops less than DENORM_MIN / aw per unit */
    tiny += 16.0 * (double)(n_scen + 4) * DENORM_MIN / aw * rows;
    double se = 0, sv = 0;
    FZ_LOG("  var %.17g es %.17g aw %.17g theta %.17g w_tie %.17g w_above %.17g\n", var, es, aw, theta, w_tie, w_above);
    for (size_t p = 0; p < n_pos; p++) {
        if (es_contrib)
            se += es_contrib[p];
        if (var_contrib)
            sv += var_contrib[p];
    }
    /* ES was floored at VaR against rounding: either figure is the sum's target. ES
       itself carries the rounding of its tail weight a W - (weight above VaR), which
       counts |VaR| W / (a W) times (check_var_es's bound): where VaR is a gain far
       larger than ES (a confidence so low that the tail holds the gains) that term
       is what separates the sum from ES, the sum being the closer to the exact ES. */
    double es_own = rel * fabs(var) * (W / aw);
    if (es_contrib && isfinite(es_scale))
        FZ_ASSERT(!(fabs(se - es) > rel * es_scale + es_own + tiny)
                  || !(fabs(se - var) > rel * es_scale + es_own + tiny));
    if (var_contrib && isfinite(var_scale))
        FZ_ASSERT(!(fabs(sv - var) > rel * var_scale + tiny));

    if (incr_var || incr_es) {
        for (size_t p = 0; p < n_pos; p++) {
            for (size_t s = 0; s < n_scen; s++)
                tmp_buf[s] = tot_buf[s] - pnl[s * n_pos + p];
            double vp, ep;
            FZ_ASSERT(mgn_var_es(tmp_buf, w, n_scen, c, &vp, &ep) == MGN_OK);
            double iv = var - vp, ie = es - ep;
            if (incr_var)
                FZ_ASSERT(fz_same_bits(&incr_var[p], &iv, sizeof iv));
            if (incr_es)
                FZ_ASSERT(fz_same_bits(&incr_es[p], &ie, sizeof ie));
        }
    }
}

/* 1 when an allocation the caller asked for cannot be represented: the Euler sums of
   the header (computed in the library's order) overflow, or the P&L without a
   position, or the bound on its tail sums (max |P&L| times twice the total weight),
   does. */
static int alloc_overflows(const double *pnl, size_t n_scen, size_t n_pos, const double *w,
                           double c, double var, double es, int want_vc, int want_ec, int incr)
{
    double a = 1.0 - c, aw, W = 0;
    size_t k;
    for (size_t s = 0; s < n_scen; s++)
        W += w ? w[s] : 1.0;
    if (w)
        aw = a * W;
    else
        equal_k(n_scen, a, &k, &aw);
    if (incr) {
        double mx = 0;
        for (size_t s = 0; s < n_scen; s++)
            for (size_t p = 0; p < n_pos; p++) {
                double v = fabs(tot_buf[s] - pnl[s * n_pos + p]);
                if (!(v <= DBL_MAX))
                    return 1;
                mx = v > mx ? v : mx;
            }
        if (!isfinite(mx * W * 2) || !(fabs(var) + mx <= DBL_MAX) || !(fabs(es) + mx <= DBL_MAX))
            return 1;
    }
    if (want_vc || want_ec) {
        double w_tie = 0, w_above = 0;
        for (size_t s = 0; s < n_scen; s++) {
            double L = 0.0 - tot_buf[s], ws = w ? w[s] : 1.0;
            if (L > var)
                w_above += ws;
            else if (L == var)
                w_tie += ws;
        }
        double theta = w_tie > 0 ? (aw - w_above) / w_tie : 0;
        if (theta < 0)
            theta = 0;
        for (size_t p = 0; p < n_pos; p++) {
            double ec = 0, vc = 0;
            for (size_t s = 0; s < n_scen; s++) {
                double L = 0.0 - tot_buf[s], ws = w ? w[s] : 1.0;
                if (L < var || ws == 0)
                    continue;
                ec -= (L > var ? ws : theta * ws) / aw * pnl[s * n_pos + p];
                if (L == var)
                    vc -= ws / w_tie * pnl[s * n_pos + p];
            }
            if ((want_ec && !isfinite(ec)) || (want_vc && !isfinite(vc)))
                return 1;
        }
    }
    return 0;
}

static void fuzz_contrib(fz_in *in)
{
    size_t n_pos = fz_count(in, MAX_POS);
    size_t n_scen = fz_count(in, 64);
    if (n_pos > 0 && n_scen * n_pos > MAX_SMALL)
        n_scen = MAX_SMALL / n_pos;
    unsigned style = fz_u8(in) % 6u;
    size_t cells = n_scen * n_pos;
    for (size_t i = 0; i < cells; i++)
        pnl_buf[i] = dec_value(in, style);
    unsigned wstyle = fz_u8(in);
    const double *w = NULL;
    if (wstyle % 3u == 0) {
        for (size_t s = 0; s < n_scen; s++)
            w_buf[s] = dec_weight(in, (wstyle >> 2) % 4u);
        w = w_buf;
    }
    double c = dec_conf(in);
    unsigned opt = fz_u8(in);             /* bit i: output array i given */
    unsigned work_sel = fz_u8(in) % 8u;   /* 0 NULL, 1 misaligned, 2 short, else enough */
    unsigned null_sel = fz_u8(in) % 8u;   /* 1..3: pnl / var / es NULL */
    FZ_LOG("contrib n_scen %zu n_pos %zu style %u weights %s c %.17g opt %u work %u null %u\n",
           n_scen, n_pos, style, w ? "yes" : "NULL", c, opt & 15u, work_sel, null_sel);
#ifdef FZ_TRACE
    for (size_t s = 0; s < n_scen; s++) {
        FZ_LOG("  scen %zu w %.17g:", s, w ? w[s] : 1.0);
        for (size_t p = 0; p < n_pos; p++)
            FZ_LOG(" %.17g", pnl_buf[s * n_pos + p]);
        FZ_LOG("\n");
    }
#endif

    size_t need = 0;
    int st_ws = mgn_var_es_contrib_work_size(n_scen, n_pos, &need);
    FZ_ASSERT(st_ws == ((n_scen == 0 || n_pos == 0) ? MGN_EINVAL : MGN_OK));
    size_t alloc = need + 2 * sizeof(double);
    char *buf = fz_alloc(alloc);
    if (!buf)
        return;
    void *work = buf;
    size_t work_size = need;
    int work_st = MGN_OK;
    if (work_sel == 0) {
        work = NULL;
        work_st = MGN_EINVAL;
    } else if (work_sel == 1) {
        work = buf + 1;
        work_st = MGN_EINVAL;
    } else if (work_sel == 2) {
        work_size = need - 1 - fz_count(in, need > 0 ? need - 1 : 0);
        work_st = MGN_ENOMEM;
    } else if (work_sel == 3) {
        work_size = alloc;
    }

    double outs[4][MAX_POS], outs2[4][MAX_POS];
    double *arr[4], *arr2[4];
    FZ_FILL(outs, sizeof outs);
    FZ_FILL(outs2, sizeof outs2);
    for (int i = 0; i < 4; i++) {
        arr[i] = (opt >> i) & 1u ? outs[i] : NULL;
        arr2[i] = (opt >> i) & 1u ? outs2[i] : NULL;
    }
    double var, es, var2, es2;
    FZ_FILL(&var, sizeof var);
    FZ_FILL(&es, sizeof es);
    FZ_FILL(&var2, sizeof var2);
    FZ_FILL(&es2, sizeof es2);
    int st = mgn_var_es_contrib(null_sel == 1 ? NULL : pnl_buf, n_scen, n_pos, w, c, work,
                                work_size, null_sel == 2 ? NULL : &var,
                                null_sel == 3 ? NULL : &es, arr[0], arr[1], arr[2], arr[3]);
    FZ_STATUS(st);

    /* The expected status, in the order of the header's checks. */
    int plain_st = MGN_OK, row_bad = 0, cell_bad = 0;
    double pv = 0, pe = 0;
    for (size_t i = 0; i < cells; i++)
        if (!isfinite(pnl_buf[i]))
            cell_bad = 1;
    for (size_t s = 0; s < n_scen; s++) {
        double acc = 0;
        for (size_t p = 0; p < n_pos; p++)
            acc += pnl_buf[s * n_pos + p];
        tot_buf[s] = acc;
        if (!isfinite(acc))
            row_bad = 1;
    }
    if ((null_sel >= 1 && null_sel <= 3) || n_scen == 0 || n_pos == 0 || !conf_ok(c)) {
        FZ_ASSERT(st == MGN_EINVAL);
    } else if (work_st != MGN_OK) {
        FZ_ASSERT(st == work_st);
    } else if (cell_bad) {
        FZ_ASSERT(st == MGN_EINVAL);
    } else if (row_bad) {
        FZ_ASSERT(st == MGN_ERANGE);
    } else {
        plain_st = mgn_var_es(tot_buf, w, n_scen, c, &pv, &pe);
        /* The allocations may overflow where the plain call does not. */
        FZ_ASSERT(st == plain_st || (plain_st == MGN_OK && st == MGN_ERANGE
                                     && alloc_overflows(pnl_buf, n_scen, n_pos, w, c, pv, pe,
                                                        arr[0] != NULL, arr[1] != NULL,
                                                        arr[2] || arr[3])));
    }
    if (st != MGN_OK) {
        FZ_ASSERT(fz_untouched(&var, sizeof var) && fz_untouched(&es, sizeof es));
        FZ_ASSERT(fz_untouched(outs, sizeof outs));
    } else {
        FZ_ASSERT(fz_same_bits(&var, &pv, sizeof var) && fz_same_bits(&es, &pe, sizeof es));
        FZ_ASSERT(es >= var);
        for (int i = 0; i < 4; i++) {
            if (arr[i])
                FZ_ASSERT(fz_all_finite(arr[i], n_pos));
            else
                FZ_ASSERT(fz_untouched(outs[i], sizeof outs[i]));
        }
        check_contrib(pnl_buf, n_scen, n_pos, w, c, var, es, arr[0], arr[1], arr[2], arr[3]);
    }
    int st2 = mgn_var_es_contrib(null_sel == 1 ? NULL : pnl_buf, n_scen, n_pos, w, c, work,
                                 work_size, null_sel == 2 ? NULL : &var2,
                                 null_sel == 3 ? NULL : &es2, arr2[0], arr2[1], arr2[2], arr2[3]);
    FZ_ASSERT(st2 == st);
    if (st == MGN_OK) {
        FZ_ASSERT(fz_same_bits(&var, &var2, sizeof var) && fz_same_bits(&es, &es2, sizeof es));
        FZ_ASSERT(fz_same_bits(outs, outs2, sizeof outs));
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = fz_init(data, size);
    switch (fz_u8(&in) % 4u) {
    case 0:
    case 1: fuzz_var_es(&in); break;
    case 2: fuzz_contrib(&in); break;
    default: fuzz_work_size(&in); break;
    }
    return 0;
}
