/* VaR and Expected Shortfall of a P&L sample (MARGIN-MODEL.md section 6), the
 * component / incremental allocation, and the fixed-chunk thread runner shared by
 * the simulation methods.
 *
 * Order statistic without sorting and without memory: an MSD radix selection on the
 * losses' bit patterns. Each double maps to a 64-bit key whose unsigned order is the
 * numeric order; one pass histograms the next 8 bits of the keys that share the
 * prefix chosen so far (count, weight and weighted loss per bin), the bins are walked
 * from the largest losses down until the cumulative weight reaches a = 1 - c, and
 * every bin passed is folded into the running "weight above" and "loss above" sums.
 * The chosen bin becomes the new prefix. When it holds at most MGN__GATHER keys they
 * are copied to the stack, sorted and walked directly.
 * To skip the first, uninformative bytes (sign and exponent), a deterministic sample
 * of 1024 points (every (n/1024)-th) gives a bracket [lo, hi] of the target; the
 * validation pass also counts the points above hi and inside; when the bracket holds
 * the target the radix passes only look at keys inside it, starting at the first
 * byte where lo and hi differ, else they run over everything. The sample only
 * changes the speed, never the result. At most 9 passes of O(n) (typically 3-4),
 * about 36 KiB of stack, no allocation, exact (no interpolation), and
 * ties are handled exactly because ES only needs the weight and loss strictly above
 * the VaR value plus the VaR value itself.
 */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <pthread.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include "var.h"

#define MGN__TOL 0x1p-51   /* see "reaches" in margin.h */
#define MGN__GATHER 64

static inline uint64_t key_of(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return (u >> 63) ? ~u : (u | 0x8000000000000000ULL);
}

static inline double val_of(uint64_t k)
{
    uint64_t u = (k >> 63) ? (k & 0x7fffffffffffffffULL) : ~k;
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

double mgn__norm_quantile(double p) { return gsl_cdf_ugaussian_Pinv(p); }

typedef struct {
    size_t   cnt[256];
    double   ws[256];    /* weight per bin (weighted case only) */
    double   ls[256];    /* sum of w * L per bin */
    uint64_t last[256];  /* a key seen in the bin (the key itself when cnt == 1) */
} hist;

/* Histogram of the keys in [klo, khi] that match prefix/mask. Losses are
   L = 0.0 - pnl: this maps -0.0 and +0.0 to +0.0 (one key). */
static void hist_pass(const double *pnl, const double *w, size_t n, uint64_t klo, uint64_t khi,
                      uint64_t prefix, uint64_t mask, int shift, hist *h)
{
    memset(h, 0, sizeof *h);
    if (!w) {
        for (size_t i = 0; i < n; i++) {
            double L = 0.0 - pnl[i];
            uint64_t k = key_of(L);
            if (k < klo || k > khi || (k & mask) != prefix)
                continue;
            unsigned d = (unsigned)(k >> shift) & 255u;
            h->cnt[d]++;
            h->ls[d] += L;
            h->last[d] = k;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            double L = 0.0 - pnl[i];
            uint64_t k = key_of(L);
            if (k < klo || k > khi || (k & mask) != prefix)
                continue;
            unsigned d = (unsigned)(k >> shift) & 255u;
            h->cnt[d]++;
            h->ws[d] += w[i];
            h->ls[d] += w[i] * L;
            h->last[d] = k;
        }
    }
}

/* k and m = N a for equal weights, with N a snapped to an integer within N 2^-51. */
static void equal_k(size_t n, double a, size_t *k, double *m)
{
    double x = (double)n * a, r = nearbyint(x);
    if (r >= 1 && fabs(x - r) <= (double)n * MGN__TOL) {
        *m = r;
    } else {
        *m = x;
        r = ceil(x);   /* >= 1: x = N a >= 2^-53 > 0 */
    }
    *k = r >= (double)n ? n : (size_t)r;
}

typedef struct {
    const double *pnl, *w;
    size_t n, k;             /* k: equal weights */
    double thr;              /* weighted: threshold of "reaches" */
    size_t cnt_above;        /* strictly above the candidates */
    double w_above, s_above;
} sel;

static inline int reaches(const sel *S, size_t cnt, double wt)
{
    return S->w ? (wt > 0 && S->w_above + wt >= S->thr) : (S->cnt_above + cnt >= S->k);
}

#define MGN__SAMPLE 1024

static void insertion_desc(uint64_t *ks, double *ww, size_t m)
{
    for (size_t i = 1; i < m; i++) {
        uint64_t kk = ks[i];
        double wk = ww[i];
        size_t j = i;
        for (; j > 0 && ks[j - 1] < kk; j--) {
            ks[j] = ks[j - 1];
            ww[j] = ww[j - 1];
        }
        ks[j] = kk;
        ww[j] = wk;
    }
}

/* Descending sort of m <= MGN__SAMPLE keys with their weights, stable (equal keys keep
   their order, as the insertion sort of each run leaves them): insertion sort on runs
   of 32, then bottom-up merges, O(m log m) for the 1024-point sample. */
static void sort_desc(uint64_t *ks, double *ww, size_t m)
{
    enum { RUN = 32 };
    if (m <= RUN) {
        insertion_desc(ks, ww, m);
        return;
    }
    uint64_t tk[MGN__SAMPLE];
    double tw[MGN__SAMPLE];
    for (size_t i = 0; i < m; i += RUN)
        insertion_desc(ks + i, ww + i, m - i < RUN ? m - i : RUN);
    uint64_t *sk = ks, *dk = tk;
    double *sw = ww, *dw = tw;
    for (size_t width = RUN; width < m; width *= 2) {
        for (size_t lo = 0; lo < m; lo += 2 * width) {
            size_t mid = lo + width < m ? lo + width : m;
            size_t hi = lo + 2 * width < m ? lo + 2 * width : m;
            size_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi) {
                if (sk[j] > sk[i]) {                  /* the left run wins ties */
                    dk[o] = sk[j];
                    dw[o++] = sw[j++];
                } else {
                    dk[o] = sk[i];
                    dw[o++] = sw[i++];
                }
            }
            for (; i < mid; i++, o++) {
                dk[o] = sk[i];
                dw[o] = sw[i];
            }
            for (; j < hi; j++, o++) {
                dk[o] = sk[j];
                dw[o] = sw[j];
            }
        }
        uint64_t *t = sk;
        sk = dk;
        dk = t;
        double *u = sw;
        sw = dw;
        dw = u;
    }
    if (sk != ks) {
        memcpy(ks, sk, m * sizeof *ks);
        memcpy(ww, sw, m * sizeof *ww);
    }
}

/* Walks m sorted keys (descending) and returns the VaR key; folds the ones passed
   into the above sums. */
static uint64_t walk(sel *S, const uint64_t *ks, const double *ww, size_t m)
{
    size_t jl = 0;                                    /* last element with weight > 0 */
    for (size_t j = 0; j < m; j++)
        if (ww[j] > 0)
            jl = j;
    for (size_t j = 0; j < jl; j++) {
        if (reaches(S, 1, ww[j]))
            return ks[j];
        S->cnt_above++;
        S->w_above += ww[j];
        S->s_above += ww[j] * val_of(ks[j]);
    }
    return ks[jl];
}

/* The VaR key among the keys in [klo, khi] (the target is known to lie there). */
static uint64_t radix_select(sel *S, uint64_t klo, uint64_t khi)
{
    int shift = 56;
    while (shift > 0 && ((klo ^ khi) >> shift) == 0)
        shift -= 8;                                  /* bytes shared by the whole range */
    uint64_t mask = shift == 56 ? 0 : ~(uint64_t)0 << (shift + 8);
    uint64_t prefix = klo & mask;
    hist h;
    for (;; shift -= 8) {
        hist_pass(S->pnl, S->w, S->n, klo, khi, prefix, mask, shift, &h);
        int dmin = 0;
        while (dmin < 255 && (h.cnt[dmin] == 0 || (S->w && !(h.ws[dmin] > 0))))
            dmin++;
        int d;
        for (d = 255; d > dmin; d--) {
            if (h.cnt[d] == 0)
                continue;
            if (reaches(S, h.cnt[d], h.ws[d]))
                break;
            S->cnt_above += h.cnt[d];
            S->w_above += h.ws[d];
            S->s_above += h.ls[d];
        }
        prefix |= (uint64_t)d << shift;
        mask |= (uint64_t)255 << shift;
        if (shift == 0)
            return prefix;
        if (h.cnt[d] == 1)
            return h.last[d];
        if (h.cnt[d] <= MGN__GATHER) {
            uint64_t ks[MGN__GATHER];
            double ww[MGN__GATHER];
            size_t m = 0;
            for (size_t i = 0; i < S->n && m < h.cnt[d]; i++) {
                uint64_t kk = key_of(0.0 - S->pnl[i]);
                if (kk >= klo && kk <= khi && (kk & mask) == prefix) {
                    ks[m] = kk;
                    ww[m] = S->w ? S->w[i] : 1.0;
                    m++;
                }
            }
            sort_desc(ks, ww, m);
            return walk(S, ks, ww, m);
        }
    }
}

int mgn__var_es(const double *pnl, const double *w, size_t n, double c, mgn__tail *out)
{
    /* 1. A deterministic sample (every (n/1024)-th point; all of them when n <= 1024). */
    uint64_t sk[MGN__SAMPLE];
    double sw[MGN__SAMPLE];
    if (n == 0)
        return MGN_EINVAL;
    size_t m = n;
    if (m > MGN__SAMPLE)
        m = MGN__SAMPLE;
    size_t stride = n / m;
    double swt = 0;
    for (size_t j = 0; j < m; j++) {
        size_t i = j * stride;
        if (!isfinite(pnl[i]) || (w && !(isfinite(w[i]) && w[i] >= 0)))
            return MGN_EINVAL;
        sk[j] = key_of(0.0 - pnl[i]);
        sw[j] = w ? w[i] : 1.0;
        swt += sw[j];
    }
    sort_desc(sk, sw, m);

    /* 2. Validation and total weight; when sampled, a bracket [klo, khi] of the target
       from the sample, and the count / weight / loss strictly above it. */
    double a = 1.0 - c, W = (double)n;
    uint64_t klo = 0, khi = UINT64_MAX;
    size_t cnt_hi = 0, cnt_in = 0;
    double w_hi = 0, s_hi = 0, w_in = 0;
    int bracket = m < n && swt > 0;
    if (bracket) {
        size_t j = 0;
        double cum = 0, tgt = a * swt;
        while (j + 1 < m && !(sw[j] > 0 && cum + sw[j] >= tgt))
            cum += sw[j++];
        size_t dl = (size_t)(4.0 * sqrt((double)j + 1.0)) + 4;
        khi = j > dl ? sk[j - dl] : UINT64_MAX;
        klo = j + dl < m ? sk[j + dl] : 0;
    }
    if (w)
        W = 0;
    for (size_t i = 0; i < n; i++) {
        double p = pnl[i];
        if (!isfinite(p))
            return MGN_EINVAL;
        double wi = 1.0;
        if (w) {
            wi = w[i];
            if (!isfinite(wi) || wi < 0)
                return MGN_EINVAL;
            W += wi;
        }
        if (bracket) {
            double L = 0.0 - p;
            uint64_t k = key_of(L);
            if (k > khi) {
                cnt_hi++;
                w_hi += wi;
                s_hi += wi * L;
            } else if (k >= klo) {
                cnt_in++;
                w_in += wi;
            }
        }
    }
    if (w) {
        if (!(W > 0))
            return MGN_EINVAL;
        if (!isfinite(W))
            return MGN_ERANGE;
    }

    sel S = { pnl, w, n, 0, 0, 0, 0, 0 };
    double aw;
    if (w) {
        aw = a * W;
        S.thr = aw - W * MGN__TOL;
    } else {
        equal_k(n, a, &S.k, &aw);
    }
    /* 3. Select inside the bracket when it holds the target, else over everything. */
    uint64_t vkey;
    if (bracket && (w ? !(w_hi >= S.thr) && (w_in > 0 && w_hi + w_in >= S.thr)
                      : cnt_hi < S.k && cnt_hi + cnt_in >= S.k)) {
        S.cnt_above = cnt_hi;
        S.w_above = w_hi;
        S.s_above = s_hi;
        vkey = radix_select(&S, klo, khi);
    } else if (m == n) {
        vkey = walk(&S, sk, sw, m);
    } else {
        vkey = radix_select(&S, 0, UINT64_MAX);
    }
    double var = val_of(vkey), es;
    if (w) {
        /* rem >= 0: a weight joins w_above only when the rounded w_above + w stays
           below thr <= aw (reaches()), so w_above < aw */
        double rem = aw - S.w_above;
        es = (S.s_above + rem * var) / aw;
    } else {
        es = (S.s_above + (aw - (double)S.cnt_above) * var) / aw;
    }
    if (!isfinite(es))
        return MGN_ERANGE;
    if (es < var)
        es = var;
    out->var = var;
    out->es = es;
    out->aw = aw;
    return MGN_OK;
}

int mgn_var_es(const double *pnl, const double *weights, size_t n, double confidence,
               double *var, double *es)
{
    if (!pnl || !var || !es || n == 0 || !mgn__conf_ok(confidence))
        return MGN_EINVAL;
    mgn__tail t;
    int st = mgn__var_es(pnl, weights, n, confidence, &t);
    if (st != MGN_OK)
        return st;
    *var = t.var;
    *es = t.es;
    return MGN_OK;
}

size_t mgn_sizeof_var_result(void) { return sizeof(mgn_var_result); }

/*---------------------------------------------------------------- components */

int mgn_var_es_contrib_work_size(size_t n_scen, size_t n_pos, size_t *bytes)
{
    size_t b;
    if (!bytes || n_scen == 0 || n_pos == 0)
        return MGN_EINVAL;
    if (!mgn__mul_ok(n_scen, n_pos, &b) || !mgn__mul_ok(n_scen, 2 * sizeof(double), &b)
        || n_scen > SIZE_MAX / 2)
        return MGN_ERANGE;
    *bytes = b;
    return MGN_OK;
}

int mgn_var_es_contrib(const double *pnl, size_t n_scen, size_t n_pos, const double *weights,
                       double confidence, void *work, size_t work_size, double *var,
                       double *es, double *var_contrib, double *es_contrib,
                       double *incr_var, double *incr_es)
{
    size_t need, cells = 0;
    if (!pnl || !var || !es || n_scen == 0 || n_pos == 0 || !mgn__conf_ok(confidence))
        return MGN_EINVAL;
    int st = mgn_var_es_contrib_work_size(n_scen, n_pos, &need);
    if (st != MGN_OK)
        return st;
    if ((st = mgn__check_work(work, work_size, need)) != MGN_OK)
        return st;
    mgn__mul_ok(n_scen, n_pos, &cells);
    for (size_t i = 0; i < cells; i++)
        if (!isfinite(pnl[i]))
            return MGN_EINVAL;
    double *tot = (double *)work, *tmp = tot + n_scen;
    for (size_t s = 0; s < n_scen; s++) {
        const double *row = pnl + s * n_pos;
        double acc = 0;
        for (size_t p = 0; p < n_pos; p++)
            acc += row[p];
        if (!isfinite(acc))
            return MGN_ERANGE;
        tot[s] = acc;
    }
    mgn__tail t;
    st = mgn__var_es(tot, weights, n_scen, confidence, &t);
    if (st != MGN_OK)
        return st;

    /* Euler allocations: the tie weight and theta, then a dry run of the sums below
       (the same operations in the same order, so the same values) so that an
       allocation that overflows is MGN_ERANGE before any output is written. */
    double w_tie = 0, theta = 0;
    if (var_contrib || es_contrib) {
        double w_above = 0;
        for (size_t s = 0; s < n_scen; s++) {
            double L = 0.0 - tot[s], ws = weights ? weights[s] : 1.0;
            if (L > t.var)
                w_above += ws;
            else if (L == t.var)
                w_tie += ws;
        }
        theta = w_tie > 0 ? (t.aw - w_above) / w_tie : 0;
        if (theta < 0)
            theta = 0;
        for (size_t p = 0; p < n_pos; p++) {
            double ec = 0, vc = 0;
            for (size_t s = 0; s < n_scen; s++) {
                double L = 0.0 - tot[s], ws = weights ? weights[s] : 1.0;
                if (L < t.var || ws == 0)
                    continue;
                ec -= (L > t.var ? ws : theta * ws) / t.aw * pnl[s * n_pos + p];
                if (L == t.var)
                    vc -= ws / w_tie * pnl[s * n_pos + p];
            }
            if ((es_contrib && !isfinite(ec)) || (var_contrib && !isfinite(vc)))
                return MGN_ERANGE;
        }
    }

    /* Incremental figures: the P&L without position p must stay finite, and so must
       every tail sum of it (bounded by max |P&L| times the total weight) and the
       differences from the portfolio's VaR and ES (|VaR|, |ES| of the P&L without p are
       at most that maximum mx); checked before any output is written, so the calls
       below cannot fail. */
    if (incr_var || incr_es) {
        double mx = 0, W = (double)n_scen;
        if (weights) {
            W = 0;
            for (size_t s = 0; s < n_scen; s++)
                W += weights[s];
        }
        for (size_t s = 0; s < n_scen; s++)
            for (size_t p = 0; p < n_pos; p++) {
                double v = fabs(tot[s] - pnl[s * n_pos + p]);
                if (!(v <= DBL_MAX))
                    return MGN_ERANGE;
                if (v > mx)
                    mx = v;
            }
        if (!isfinite(mx * W * 2) || !(fabs(t.var) + mx <= DBL_MAX)
            || !(fabs(t.es) + mx <= DBL_MAX))
            return MGN_ERANGE;
        for (size_t p = 0; p < n_pos; p++) {
            for (size_t s = 0; s < n_scen; s++)
                tmp[s] = tot[s] - pnl[s * n_pos + p];
            mgn__tail tp = { 0, 0, 0 };
            mgn__var_es(tmp, weights, n_scen, confidence, &tp);
            if (incr_var)
                incr_var[p] = t.var - tp.var;
            if (incr_es)
                incr_es[p] = t.es - tp.es;
        }
    }
    if (var_contrib || es_contrib) {
        if (var_contrib)
            memset(var_contrib, 0, n_pos * sizeof *var_contrib);
        if (es_contrib)
            memset(es_contrib, 0, n_pos * sizeof *es_contrib);
        for (size_t s = 0; s < n_scen; s++) {
            double L = 0.0 - tot[s], ws = weights ? weights[s] : 1.0;
            if (L < t.var || ws == 0)
                continue;
            const double *row = pnl + s * n_pos;
            double fe = (L > t.var ? ws : theta * ws) / t.aw;
            if (es_contrib)
                for (size_t p = 0; p < n_pos; p++)
                    es_contrib[p] -= fe * row[p];
            if (var_contrib && L == t.var) {
                double fv = ws / w_tie;
                for (size_t p = 0; p < n_pos; p++)
                    var_contrib[p] -= fv * row[p];
            }
        }
    }
    *var = t.var;
    *es = t.es;
    return MGN_OK;
}

/*---------------------------------------------------------------- threads */

typedef struct {
    mgn__chunk_fn fn;
    void *ctx;
    size_t n_chunks, bad_chunk;
    int threads, tid, bad_status;
} worker;

static void *worker_main(void *arg)
{
    worker *wk = (worker *)arg;
    /* cppcheck-suppress uninitvar ; mgn__run_chunks sets up every worker it runs (threads >= 1) */
    for (size_t c = (size_t)wk->tid; c < wk->n_chunks; c += (size_t)wk->threads) {
        int st = wk->fn(wk->ctx, c);
        if (st != MGN_OK) {
            wk->bad_chunk = c;
            wk->bad_status = st;
            break;
        }
    }
    return NULL;
}

int mgn__run_chunks(size_t n_chunks, int threads, mgn__chunk_fn fn, void *ctx)
{
    if (n_chunks == 0)
        return MGN_OK;
    /* at least 1, at most n_chunks and MGN__MAX_THREADS (the callers check that
       bound; here it bounds the arrays below) */
    size_t cap = n_chunks < MGN__MAX_THREADS ? n_chunks : MGN__MAX_THREADS;
    size_t want = threads < 1 ? 1 : (size_t)threads;
    /* cppcheck-suppress knownConditionTrueFalse ; n_chunks >= 1 here (0 returned above), cppcheck takes it for 0 */
    threads = (int)(want < cap ? want : cap);
    worker wk[MGN__MAX_THREADS];
    pthread_t th[MGN__MAX_THREADS];
    int started[MGN__MAX_THREADS];
    for (int t = 0; t < threads; t++) {
        wk[t].fn = fn;
        wk[t].ctx = ctx;
        wk[t].n_chunks = n_chunks;
        wk[t].bad_chunk = SIZE_MAX;
        wk[t].bad_status = MGN_OK;
        wk[t].threads = threads;
        wk[t].tid = t;
        started[t] = 0;
    }
    for (int t = 1; t < threads; t++)
        started[t] = pthread_create(&th[t], NULL, worker_main, &wk[t]) == 0;
    worker_main(&wk[0]);
    for (int t = 1; t < threads; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else
            worker_main(&wk[t]);     /* could not start: run its share here */
    }
    size_t bad = SIZE_MAX;
    int st = MGN_OK;
    for (int t = 0; t < threads; t++)
        if (wk[t].bad_chunk < bad) {
            bad = wk[t].bad_chunk;
            st = wk[t].bad_status;
        }
    return st;
}

typedef struct {
    const mgn_market *mkt;
    size_t n_mkt;
    const mgn_position *pos;
    size_t n_pos;
    const mgn_shock *shocks;
    size_t n_scen;
    double dt;
    int currency;
    double *pnl;
} pnl_job;

static int pnl_chunk(void *ctx, size_t c)
{
    const pnl_job *j = (const pnl_job *)ctx;
    size_t s0 = c * MGN__PNL_CHUNK, m = j->n_scen - s0;
    if (m > MGN__PNL_CHUNK)
        m = MGN__PNL_CHUNK;
    return mgn_scenario_pnl(j->mkt, j->n_mkt, j->pos, j->n_pos, j->shocks + s0 * j->n_mkt, m,
                            j->dt, j->currency, j->pnl + s0);
}

int mgn__scenario_pnl_mt(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                         size_t n_pos, const mgn_shock *shocks, size_t n_scen, double dt,
                         int currency, int threads, double *pnl)
{
    pnl_job j = { mkt, n_mkt, pos, n_pos, shocks, n_scen, dt, currency, pnl };
    size_t n_chunks = n_scen / MGN__PNL_CHUNK + (n_scen % MGN__PNL_CHUNK != 0);
    return mgn__run_chunks(n_chunks, threads, pnl_chunk, &j);
}
