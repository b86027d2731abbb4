/* Batch (structure-of-arrays) European pricing.
 *
 * Each call walks the arrays in chunks. A vectorised pass prices every element of a
 * chunk with the direct out-of-the-money formula (the vector math library supplies
 * exp, log and erfc) and marks the elements it cannot do to full accuracy: invalid
 * input, T == 0, sigma == 0, and out-of-the-money values whose two normal terms
 * cancel too much for full accuracy (mgn__direct_ok). A scalar pass then redoes the marked ones with
 * the scalar functions, so results match them within the documented accuracy.
 *
 * The vector pass is compiled for several instruction sets and the best one for the
 * running CPU is chosen once, at load time (GCC function multi-versioning). The
 * Makefile compiles this file with -fno-trapping-math (the selects in the loops are
 * if-converted only when floating-point operations may be evaluated speculatively;
 * the library never enables traps) and -fno-tree-pre (GCC 12's partial-redundancy
 * elimination puts branches back into the Greeks loop).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "simd.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define MGN_BATCH_CHUNK 256

/* A Greeks output of at least this many bytes is written with streaming
   (non-temporal) stores, as glibc's memcpy does above its cache-size threshold: it
   would not stay in a last-level cache share anyway, and an ordinary store first reads
   each line it fills (bench_pricing's 1e6 options, 80 MB: 0.95-0.97 of the time). Smaller
   outputs stay in cache for the caller. */
#define MGN_STREAM_MIN_BYTES ((size_t)16 << 20)

/* The out-of-the-money value from the Mills ratio M = (1 - N)/phi:
     v = C phi(u) [M(u) - M(u + s)],
   u the larger normal term's distance into the tail (-d1 for a call, d2 for a put),
   s = sigma sqrt(T), C = S e^{-qT} (call) or K e^{-rT} (put). The identity
   S e^{-qT} phi(d1) = K e^{-rT} phi(d2) takes the common factor out of the
   difference (as lib/normblack.c, after Jaeckel, "Let's Be Rational", 2015, sec. 3),
   so the rounding of d1 no longer cancels: the relative error is about
   u^2 eps + 2 A e, A = M(u) / (M(u) - M(u + s)), e <= 8e-16 the error of
   M = sqrt(pi/2) erfcx(z / sqrt 2) (mgn__erfcx_v). done = 1 where 2 <= u <= 36 and
   A <= max(1000, 10 / s), which keeps 2 A e within the batch functions' documented
   max(1e-12, 2e-14 / s): against the 113-bit price over 2 million such elements (u
   from 2 to 36, s from 1e-4 to 2) the error, ln(S/K) rounded once included, stayed
   below 0.64 of that bound. The others go to the scalar pricer. */
MGN_MULTIVERSION
static void wing_kernel(size_t n, mgn__wing_buf *restrict w)
{
MGN_SIMD_LOOP
    for (size_t i = 0; i < n; i++) {
        double th = w->type[i] == MGN_CALL ? 1.0 : -1.0;
        double S = w->S[i], K = w->K[i], T = w->T[i], s = w->sig[i] * sqrt(T);
        double x = log(S / K) + (w->r[i] - w->q[i]) * T;
        double Sc = S * exp(-w->q[i] * T), Kr = K * exp(-w->r[i] * T);
        double C = th > 0 ? Sc : Kr;
        double ss = s > 0 ? s : 1.0;
        double h = x / ss;
        double u = th > 0 ? -(h + 0.5 * ss) : h - 0.5 * ss;
        /* S/K, S e^{-qT} and K e^{-rT} normal: where they are not the scalar pricer
           keeps their bits, or reports the overflow */
        int ok = (s > 0) & (th * x < 0) & (u >= 2.0) & (u <= 36.0) & (S / K >= DBL_MIN)
               & (S / K <= DBL_MAX) & (Sc >= DBL_MIN) & (Sc <= DBL_MAX) & (Kr >= DBL_MIN)
               & (Kr <= DBL_MAX);
        double uu = ok ? u : 2.0;
        double ea = mgn__erfcx_v(uu * MGN_SQRT1_2), eb = mgn__erfcx_v((uu + ss) * MGN_SQRT1_2);
        double D = ea - eb;
        /* phi(u) M(z) = e^{-u^2/2} erfcx(z / sqrt 2) / 2 */
        double v = 0.5 * C * mgn__exp_v(-0.5 * uu * uu) * D;
        w->v[i] = v;
        double amax = 10.0 / ss;
        amax = amax > 1000.0 ? amax : 1000.0;
        w->done[i] = (double)(ok & (ea <= amax * D) & mgn__finite_pos(v));
    }
}

void mgn__wing_pass(mgn__wing_buf *w)
{
    /* padded to a multiple of 16 like every kernel here: no lane runs in a scalar
       remainder loop, whose elementary functions would give other bits */
    size_t n = w->n;
    while (w->n % 16 != 0)
        mgn__wing_add(w, 0, MGN_CALL, 1, 1, 1, 0, 0, 0.2);
    wing_kernel(w->n, w);
    w->n = n;
}

/* Vector pass of the prices: out[i] = price, fix[i] = 1 where the scalar path must
   redo the element. Black-76 callers pass q == r. */
MGN_MULTIVERSION
static void price_kernel(size_t n, const int *restrict type, const double *restrict S,
                         const double *restrict K, const double *restrict T,
                         const double *restrict r, const double *restrict q,
                         const double *restrict sigma, double *restrict out,
                         double *restrict fix)
{
MGN_SIMD_LOOP
    for (size_t i = 0; i < n; i++) {
        int ok = ((type[i] == MGN_CALL) | (type[i] == MGN_PUT)) & mgn__finite_pos(S[i]) & mgn__finite_pos(K[i])
               & mgn__finite_pos(T[i]) & mgn__finite_pos(sigma[i]) & mgn__finite_any(r[i]) & mgn__finite_any(q[i])
               & mgn__finite_any(r[i] * T[i]) & mgn__finite_any(q[i] * T[i]);
        /* r T or q T overflowing: the scalar pricer decides (MGN_ERANGE), although
           (r - q) T may still be finite here. Harmless stand-ins for the lanes the
           scalar pass will redo. */
        double Si = ok ? S[i] : 1.0, Ki = ok ? K[i] : 1.0, Ti = ok ? T[i] : 1.0;
        double ri = ok ? r[i] : 0.0, qi = ok ? q[i] : 0.0, vi = ok ? sigma[i] : 1.0;
        double theta = 1.0 - 2.0 * (type[i] == MGN_PUT);
        double Sc = Si * exp(-qi * Ti), Kr = Ki * exp(-ri * Ti);
        double x = log(Si / Ki) + (ri - qi) * Ti;
        int bad;
        out[i] = mgn__black_core(theta, x, vi * sqrt(Ti), Sc, Kr, &bad);
        fix[i] = (double)((!ok) | bad);
    }
}

/* Vector pass of the Greeks into chunk-local arrays (structure of arrays); the caller
   copies them into the mgn_greeks structs. fix[i]: 0 done, 1 only the price must be
   redone by the scalar method, 2 everything must (invalid input, special cases,
   overflow). */
typedef struct greeks_soa {
    double price[MGN_BATCH_CHUNK], delta[MGN_BATCH_CHUNK], gamma[MGN_BATCH_CHUNK],
           vega[MGN_BATCH_CHUNK], theta[MGN_BATCH_CHUNK], rho[MGN_BATCH_CHUNK],
           drho[MGN_BATCH_CHUNK], vanna[MGN_BATCH_CHUNK], volga[MGN_BATCH_CHUNK],
           charm[MGN_BATCH_CHUNK];
} greeks_soa;

MGN_MULTIVERSION
static void greeks_kernel(size_t n, const int *restrict type, const double *restrict S,
                          const double *restrict K, const double *restrict T,
                          const double *restrict r, const double *restrict q,
                          const double *restrict sigma, greeks_soa *restrict g,
                          double *restrict fix)
{
MGN_SIMD_LOOP
    for (size_t i = 0; i < n; i++) {
        int ok = ((type[i] == MGN_CALL) | (type[i] == MGN_PUT)) & mgn__finite_pos(S[i]) & mgn__finite_pos(K[i])
               & mgn__finite_pos(T[i]) & mgn__finite_pos(sigma[i]) & mgn__finite_any(r[i]) & mgn__finite_any(q[i])
               & mgn__finite_any(r[i] * T[i]) & mgn__finite_any(q[i] * T[i]);
        double Si = ok ? S[i] : 1.0, Ki = ok ? K[i] : 1.0, Ti = ok ? T[i] : 1.0;
        double ri = ok ? r[i] : 0.0, qi = ok ? q[i] : 0.0, vi = ok ? sigma[i] : 1.0;
        double th = 1.0 - 2.0 * (type[i] == MGN_PUT);
        double eq = exp(-qi * Ti), er = exp(-ri * Ti);
        double Sc = Si * eq, Kr = Ki * er;
        double ratio = Si / Ki;
        double x = log(ratio) + (ri - qi) * Ti;
        double sqT = sqrt(Ti), s = vi * sqT;
        double d1 = x / s + 0.5 * s, d2 = d1 - s;
        double n1 = MGN_INV_SQRT_2PI * mgn__exp_v(-0.5 * d1 * d1);
        int bad;
        double N1, N2;                 /* N(th d1), N(th d2) */
        double price = mgn__black_core_n(th, x, s, Sc, Kr, &bad, &N1, &N2);
        double vega = Sc * n1 * sqT;
        double inv_s = 1.0 / s, inv_v = 1.0 / vi;    /* 1/(sigma sqrt T), 1/sigma */
        double en1 = eq * n1;
        g->price[i] = price;
        g->delta[i] = th * eq * N1;
        g->gamma[i] = en1 * inv_s / Si;
        g->vega[i] = vega;
        double theta_t = -0.5 * Sc * n1 * vi * vi * inv_s + th * (qi * Sc * N1 - ri * Kr * N2);
        double volga = vega * d1 * d2 * inv_v;
        /* (r - q)/(sigma sqrt T) - d2/(2T), with 1/(2T) = sigma^2 / (2 s^2) */
        double charm = th * qi * eq * N1
                     - en1 * ((ri - qi) * inv_s - 0.5 * d2 * vi * vi * inv_s * inv_s);
        g->theta[i] = theta_t;
        g->rho[i] = th * Ti * Kr * N2;
        g->drho[i] = -th * Ti * Sc * N1;
        g->vanna[i] = -en1 * d2 * inv_v;
        g->volga[i] = volga;
        g->charm[i] = charm;
        /* 2: the scalar path redoes everything; 1: only the price */
        /* In the money N1, N2 are complements 1 - N(omega d), which lose relative
           accuracy (about eps / N) when small: below 1e-4 the delta, rho and
           dividend_rho would miss 1e-10 relative, so the scalar path redoes them.
           Between |d| = 36 and 38.7 the clamps of mgn__exp_v and mgn__erfc_v make
           phi(d) or N(d) 0 where the scalar functions still have tiny values (below
           1e-282), which times large factors (1/(S s) for a tiny S) can be sizeable
           Greeks: scalar path. Beyond 38.7 the scalar exp and erfc underflow to
           exactly 0 too (exp(-d^2/2) below 2^-1075 from |d| = 38.6), so both paths
           evaluate the same formulas with the same zeros (the far wings, where the
           random-option benchmark has half its elements). */
        int complement_ok = !((th * x > 0) & ((N1 < 1e-4) | (N2 < 1e-4)));
        int tails_ok = ((fabs(d1) <= 36.0) | (fabs(d1) >= 38.7))
                     & ((fabs(d2) <= 36.0) | (fabs(d2) >= 38.7));
        /* x = ln(S/K) here carries an absolute error of about eps (the rounded ratio;
           the scalar path's ln(S/K) is exact near the money), which moves d1 and d2 by
           eps / s: the Greeks proportional to d1 or d2 (vanna, volga, charm) keep
           1e-10 relative only while s |d1| = |x + s^2/2| and s |d2| = |x - s^2/2|
           stay above 1e-4. Closer to those points the scalar path redoes them. */
        int d_ok = (fabs(s * d1) >= 1e-4) & (fabs(s * d2) >= 1e-4);
        /* A ratio S/K outside the normal range has lost bits (subnormal) or is
           infinite: x then carries far more than eps, which the relative accuracy of
           gamma, vega and the others does not absorb (F = DBL_MIN, K = 1e11 with
           s = 54: gamma 2e-8 off, a fuzzing find). The scalar path takes
           log(S) - log(K). */
        int ratio_ok = (ratio >= DBL_MIN) & (ratio <= DBL_MAX);
        int greeks_ok = ok & complement_ok & tails_ok & d_ok & ratio_ok & mgn__finite_any(theta_t) & mgn__finite_any(charm)
                      & mgn__finite_any(volga) & mgn__finite_any(vega) & mgn__finite_any(g->gamma[i])
                      & mgn__finite_any(g->delta[i]) & mgn__finite_any(g->rho[i])
                      & mgn__finite_any(g->drho[i]) & mgn__finite_any(g->vanna[i]);
        fix[i] = greeks_ok ? (double)bad : 2.0;
    }
}

static void fill_nan(mgn_greeks *g)
{
    g->price = g->delta = g->gamma = g->vega = g->theta = g->rho = g->dividend_rho =
        g->vanna = g->volga = g->charm = NAN;
}

/* Worst status so far: EINVAL outranks ERANGE. */
static int merge_status(int have, int st)
{
    if (st == MGN_OK || have == MGN_EINVAL)
        return have;
    return st;
}

static int price_batch(size_t n, const int *type, const double *S, const double *K,
                       const double *T, const double *r, const double *q,
                       const double *sigma, double *price)
{
    double fix[MGN_BATCH_CHUNK];
    unsigned short at[MGN_BATCH_CHUNK];
#ifdef __clang_analyzer__
    memset(at, 0, sizeof at);   /* mgn__marked() writes at[0..count) before it is read */
#endif
    mgn__wing_buf w;
    int status = MGN_OK;
    if (n == 0)
        return MGN_OK;
    if (!type || !S || !K || !T || !r || !q || !sigma || !price)
        return MGN_EINVAL;
    for (size_t base = 0; base < n; base += MGN_BATCH_CHUNK) {
        size_t m = n - base;
        if (m > MGN_BATCH_CHUNK)
            m = MGN_BATCH_CHUNK;
        price_kernel(m, type + base, S + base, K + base, T + base, r + base, q + base,
                     sigma + base, price + base, fix);
        /* the marked elements with valid input through the far-wing pass first */
        size_t nm = mgn__marked(m, fix, at);
        w.n = 0;
        for (size_t k = 0; k < nm; k++) {
            size_t j = at[k], i = base + j;
            if (mgn__euro_args_ok(type[i], S[i], K[i], T[i], r[i], q[i], sigma[i]))
                mgn__wing_add(&w, j, type[i], S[i], K[i], T[i], r[i], q[i], sigma[i]);
        }
        mgn__wing_pass(&w);
        for (size_t k = 0; k < w.n; k++)
            if (w.done[k] != 0) {
                price[base + w.dst[k]] = w.v[k];
                fix[w.dst[k]] = 0;
            }
        for (size_t k = 0; k < nm; k++) {
            size_t j = at[k], i = base + j;
            if (!fix[j])
                continue;
            double v;
            int st = mgn_bs_price((mgn_option_type)type[i], S[i], K[i], T[i], r[i], q[i],
                                  sigma[i], &v);
            price[i] = st == MGN_OK ? v : NAN;
            status = merge_status(status, st);
        }
    }
    return status;
}

/* put_greeks streams mgn_greeks as ten consecutive doubles */
typedef char mgn__greeks_layout_check[offsetof(mgn_greeks, delta) == sizeof(double)
                                      && offsetof(mgn_greeks, charm) == 9 * sizeof(double)
                                      && sizeof(mgn_greeks) == 10 * sizeof(double) ? 1 : -1];

/* Element j of the vector pass into *o; stream: with non-temporal stores (o 16-byte
   aligned; the caller fences once at the end). */
static void put_greeks(mgn_greeks *o, const greeks_soa *g, size_t j, int stream)
{
#if defined(__SSE2__)
    if (stream) {
        double *d = &o->price;   /* the ten doubles of mgn_greeks in order, no padding */
        _mm_stream_pd(d, _mm_set_pd(g->delta[j], g->price[j]));
        _mm_stream_pd(d + 2, _mm_set_pd(g->vega[j], g->gamma[j]));
        _mm_stream_pd(d + 4, _mm_set_pd(g->rho[j], g->theta[j]));
        _mm_stream_pd(d + 6, _mm_set_pd(g->vanna[j], g->drho[j]));
        _mm_stream_pd(d + 8, _mm_set_pd(g->charm[j], g->volga[j]));
        return;
    }
#else
    (void)stream;
#endif
    o->price = g->price[j];
    o->delta = g->delta[j];
    o->gamma = g->gamma[j];
    o->vega = g->vega[j];
    o->theta = g->theta[j];
    o->rho = g->rho[j];
    o->dividend_rho = g->drho[j];
    o->vanna = g->vanna[j];
    o->volga = g->volga[j];
    o->charm = g->charm[j];
}

static int greeks_batch(size_t n, const int *type, const double *S, const double *K,
                        const double *T, const double *r, const double *q,
                        const double *sigma, mgn_greeks *out, int black76)
{
    greeks_soa g;
    double fix[MGN_BATCH_CHUNK];
    int status = MGN_OK;
    if (n == 0)
        return MGN_OK;
    if (!type || !S || !K || !T || !r || !q || !sigma || !out)
        return MGN_EINVAL;
#if defined(__SSE2__)
    const int stream = n >= MGN_STREAM_MIN_BYTES / sizeof *out && ((uintptr_t)out & 15) == 0;
#else
    const int stream = 0;
#endif
    for (size_t base = 0; base < n; base += MGN_BATCH_CHUNK) {
        size_t m = n - base;
        if (m > MGN_BATCH_CHUNK)
            m = MGN_BATCH_CHUNK;
        greeks_kernel(m, type + base, S + base, K + base, T + base, r + base, q + base,
                      sigma + base, &g, fix);
        for (size_t j = 0; j < m; j++) {
            size_t i = base + j;
            mgn_greeks *o = &out[i];
            if (fix[j] == 1) {          /* Greeks fine, the price needs the scalar method */
                g.price[j] = mgn__bs_price(type[i], S[i], K[i], T[i], r[i], q[i], sigma[i]);
                fix[j] = isfinite(g.price[j]) ? 0 : 2;
            }
            if (fix[j]) {
                int st = mgn__euro_args_ok(type[i], S[i], K[i], T[i], r[i], q[i], sigma[i])
                       ? mgn__bs_greeks(type[i], S[i], K[i], T[i], r[i], q[i], sigma[i], o)
                       : MGN_EINVAL;
                if (st != MGN_OK) {
                    fill_nan(o);
                    status = merge_status(status, st);
                    continue;
                }
                if (black76) {            /* F held fixed: rho = -T V */
                    o->rho = -T[i] * o->price;
                    o->dividend_rho = 0.0;
                }
            } else if (black76) {
                g.rho[j] = -T[i] * g.price[j];
                g.drho[j] = 0.0;
            }
            if (black76 && !isfinite(fix[j] ? o->rho : g.rho[j])) {   /* T V overflows */
                fill_nan(o);
                status = merge_status(status, MGN_ERANGE);
                continue;
            }
            if (!fix[j])
                put_greeks(o, &g, j, stream);
        }
    }
#if defined(__SSE2__)
    if (stream)
        _mm_sfence();   /* the streamed lines visible before the caller reads them */
#endif
    return status;
}

/*---------------------------------------------------------------- public */

int mgn_bs_price_batch(size_t n, const int *type, const double *S, const double *K,
                       const double *T, const double *r, const double *q,
                       const double *sigma, double *price)
{
    return price_batch(n, type, S, K, T, r, q, sigma, price);
}

int mgn_black76_price_batch(size_t n, const int *type, const double *F, const double *K,
                            const double *T, const double *r, const double *sigma,
                            double *price)
{
    return price_batch(n, type, F, K, T, r, r, sigma, price);
}

int mgn_bs_greeks_batch(size_t n, const int *type, const double *S, const double *K,
                        const double *T, const double *r, const double *q,
                        const double *sigma, mgn_greeks *out)
{
    return greeks_batch(n, type, S, K, T, r, q, sigma, out, 0);
}

int mgn_black76_greeks_batch(size_t n, const int *type, const double *F, const double *K,
                             const double *T, const double *r, const double *sigma,
                             mgn_greeks *out)
{
    return greeks_batch(n, type, F, K, T, r, r, sigma, out, 1);
}
