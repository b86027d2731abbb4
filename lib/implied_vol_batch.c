/* Batch implied volatility (mgn_implied_vol_batch, mgn_implied_vol_batch_status).
 *
 * Each call walks the arrays in chunks, with two vectorised passes (compiled like
 * lib/batch.c's kernels, see lib/simd.h) that solve the normalised form of
 * lib/implied_vol.c, the out-of-the-money call b(x, s) = beta with x = -|ln(F/K)| <= 0,
 * total vol s = sigma sqrt(T) and 0 < beta < b_max = e^{x/2}, by a fixed number of
 * branch-free steps:
 *   - the first pass sets up each element's problem itself (its discount factors and
 *     log-moneyness from the vector math library) and keeps the elements whose sigma
 *     that set-up cannot move by more than 5e-13;
 *   - for the others, mgn_implied_vol's own code decides the bounds and special cases
 *     and sets up the normalised problem, which the second pass solves: only the
 *     solver then differs from mgn_implied_vol's, so however ill-conditioned sigma is
 *     in the inputs the results agree with its results to the solver's error;
 *   - mgn_implied_vol's solver takes what neither pass can vouch for (far wings at
 *     small s, very large or small s).
 * On bench_pricing's implied-vol set the passes solve 97.8% of the elements; every
 * status is the scalar one and every sigma within 1e-13 of the scalar one (measured
 * 7.1e-14, tests/test_implied_vol.c and bench/README.md).
 *
 * The solver (solve_v), per element:
 *   - an initial guess: the inflexion point s_c = sqrt(2|x|) splits beta at
 *     b_c = b(s_c); below it the smaller of the tangent at s_c (b is convex there, the
 *     tangent meets beta above the root) and the inverse of Jaeckel's lower map
 *     b ~ (2 pi/sqrt 27) |x| N(-|x|/(sqrt 3 s))^3 ("Let's Be Rational", 2015, eq. 4.38);
 *     above it the larger of the tangent (b is concave) and the inverse of
 *     b_max - b ~ (b_max + 1/b_max) N(-s/2);
 *   - three third-order Householder steps on g = ln y - ln y*, y = b for beta <= b_max/2
 *     and y = b_max - b above, both written y = b' D with b' = e^{x/2} phi(d1) the vega
 *     and D a difference (b) or a sum (b_max - b) of two Mills ratios
 *     M(a) = (1 - N(a))/phi(a), so that ln y = x/2 - d1^2/2 - ln sqrt(2 pi) + ln D
 *     needs no exponential that could underflow and g' = +-1/D. Where s is small and
 *     the two Mills ratios of b nearly cancel, D comes from Taylor's series of M about
 *     the first point (M' = a M - 1, M^(k+1) = a M^(k) + k M^(k-1)).
 *   An element is kept when the last step was below 2^-17 s (after a step of order
 *   four from there the error is far below an ulp) and the rounding of D, of the
 *   exponent and of ln beta moves s by at most 2e-14 relative. The first pass also
 *   takes the bounds as mgn_implied_vol does (the in-the-money time value over the
 *   discounted forward intrinsic, with its cancellation-free form near the money) and
 *   keeps an element only where the condition number of sigma in the inputs (the kappa
 *   of tests/test_implied_vol.c, bounded from above) is small enough that its discount
 *   factors and log-moneyness (libmvec, within 4 ulp) move sigma by at most 5e-13:
 *   kappa (8 + 4|x|) <= 4500.
 */
#include "simd.h"

#define IVB_CHUNK 256
#define IVB_ERR_MAX 2e-14      /* rounding error allowed in s, relative */
/* Bound on kappa (8 + 4|x|): the first pass's discount factors and ln(S/K) (libmvec,
   within 4 ulp) perturb the inputs by up to (8 + 4|x|) eps, which moves sigma by kappa
   times that: at most 5e-13 */
#define IVB_KAPPA_X 4500.0

#ifdef MGN_VECTOR_KERNELS
#pragma omp declare simd notinbranch
extern double cbrt(double);
#pragma omp declare simd notinbranch
extern double expm1(double);
#endif

/* The Mills ratio M(a) = (1 - N(a))/phi(a) = sqrt(pi/2) erfcx(a/sqrt 2), a >= 0 */
static MGN_ALWAYS_INLINE double mills_v(double a)
{
    return MGN_SQRT_PI_OVER_2 * mgn__erfcx_all_v(a * MGN_SQRT1_2);
}

/* ... for any a: M(a) = sqrt(2 pi) e^{a^2/2} - M(-a) for a < 0 (a^2/2 kept below 700:
   such elements fail the checks) */
static MGN_ALWAYS_INLINE double mills_any_v(double a)
{
    double m = mills_v(fabs(a)), h = 0.5 * a * a;
    double e = MGN_SQRT_2PI * exp(a < 0 ? (h < 700.0 ? h : 700.0) : 0.0);
    return a < 0 ? e - m : m;
}

/* M(a) - M(a + s) by Taylor's series in s from m0 = M(a): no cancellation between the
   two ratios. 16 terms: for |a| <= 3 and s <= 1/4 the remainder is below 1e-17 of the
   value. (a is clamped for the elements that do not use it.) */
static MGN_ALWAYS_INLINE double mills_diff_v(double a, double m0, double s)
{
    a = fabs(a) <= 3.0 ? a : 3.0;
    double mkm1 = m0, mk = a * m0 - 1.0, fac = s, sum = mk * s;
#pragma GCC unroll 16
    for (int k = 1; k < 16; k++) {
        double mn = a * mk + k * mkm1;
        mkm1 = mk;
        mk = mn;
        fac *= s * (1.0 / (k + 1));
        sum += mk * fac;
    }
    return -sum;
}

/* -N^{-1}(p) for 1e-300 <= p <= 1/2 (Wichura's three pieces, all evaluated) */
static MGN_ALWAYS_INLINE double neg_inv_norm_v(double p)
{
    double q = p - 0.5;
    double central = mgn__as241_ratio(mgn__as241[0], mgn__as241[1], 0.180625 - q * q, -q);
    double r = sqrt(-log(p));
    double t1 = mgn__as241_ratio(mgn__as241[2], mgn__as241[3], r - 1.6, 1.0);
    double t2 = mgn__as241_ratio(mgn__as241[4], mgn__as241[5], r - 5.0, 1.0);
    return fabs(q) <= 0.425 ? central : (r <= 5.0 ? t1 : t2);
}

/* A solve's state after its last step: s; the step that led to it; the relative error
   of s the rounding of y leaves; ln b', D = y/b' and msum = M(-d1) + M(-d2)
   (N(d1)/phi(d1) + N(d2)/phi(d2); meaningful for sg = 1) at the step's start; sg the
   objective's sign. */
typedef struct {
    double s, ds, err, lnbp, D, msum, sg;
} iv_state;

/* One Householder step of order four (Householder 1970; Jaeckel 2015, sec. 5) on
   g = ln y - lt at st->s, with y = b (sg = 1) or b_max - b (sg = -1):
   g' = sg/D, g''/g' = H2 - sg/D, g'''/g' = H3 - 3 sg H2/D + 2/D^2 with b''/b' = H2 =
   h^2/s - s/4 and b'''/b' = H3 = H2^2 - 3 h^2/s^2 - 1/4 (h = x/s). The new s is kept
   within [s/2, 2s + 1]. */
static MGN_ALWAYS_INLINE void iv_step(iv_state *st, double xo, double ax, double lt)
{
    const double s = st->s, sg = st->sg;
    double is = 1.0 / s, h = xo * is, d1 = h + 0.5 * s, d2 = d1 - s;
    double a1 = -sg * d1;
    double m1 = mills_any_v(a1), m2 = mills_v(-d2);
    int taylor = (sg > 0) & (s <= 0.25) & (fabs(a1) <= 3.0);
    double D = taylor ? mills_diff_v(a1, m1, s) : m1 - sg * m2;
    D = D > 1e-300 ? D : 1e-300;
    double lb = 0.5 * xo - 0.5 * d1 * d1 - MGN_LN_SQRT_2PI;
    double p = 1.0 / D;
    double H2 = h * h * is - 0.25 * s, H3 = H2 * H2 - 3.0 * h * h * is * is - 0.25;
    double nu = -sg * (lb + log(D) - lt) * D;
    double h2 = H2 - sg * p, h3 = H3 - 3.0 * sg * p * H2 + 2.0 * p * p;
    /* nu (1 + h2 nu/2) / (1 + nu (h2 + h3 nu/6)); Newton's step nu where that
       denominator is small (far from the root) */
    double den = 1.0 + nu * (h2 + h3 * nu * (1.0 / 6.0));
    int hh = fabs(den) >= 0.25;
    double den_used = hh ? den : 1.0;   /* no division by a small den in any lane */
    double ds = hh ? nu * (1.0 + 0.5 * h2 * nu) / den_used : nu;
    /* s moves by (relative error of y) D / s: D's own error (1e-15 per Mills ratio,
       times a M(a) in the series) and the exponent's (d1^2 + |x| + 1 ulps) */
    double e_exp = 2.3e-16 * (d1 * d1 + ax + 1.0) * D * is;
    st->err = taylor ? 1e-15 * fabs(a1) * m1 + 4.4e-16 + e_exp
                     : 1e-15 * (fabs(m1) + m2) * is + e_exp;
    st->ds = ds;
    st->lnbp = lb;
    st->D = D;
    st->msum = m1 + m2;
    double sn = s + ds;
    sn = sn > 0.5 * s ? sn : 0.5 * s;
    sn = sn < 2.0 * s + 1.0 ? sn : 2.0 * s + 1.0;
    st->s = sn == sn ? sn : s;
}

/* b(-ax, s) = beta solved for s (ax >= 0, 0 < beta < bmax = e^{-ax/2}, ibmax =
   1/bmax): the guess and the three steps of the file comment. */
static MGN_ALWAYS_INLINE iv_state solve_v(double beta, double ax, double bmax, double ibmax)
{
    double xo = -ax;
    /* the initial guess (file comment) */
    double sc = sqrt(2.0 * ax), scs = sc > 1e-3 ? sc : 1e-3;
    double bc = bmax * MGN_INV_SQRT_2PI * (MGN_SQRT_PI_OVER_2 - mills_v(sc));
    int below = beta <= bc;
    double axs = ax > 1e-300 ? ax : 1e-300;
    double z = cbrt(MGN_THREE_SQRT3_OVER_2PI * beta / axs);
    z = z < 0.49 ? z : 0.49;
    double pu = (bmax - beta) / (bmax + ibmax);
    pu = pu < 0.5 ? pu : 0.5;
    pu = pu > 1e-300 ? pu : 1e-300;
    double w = neg_inv_norm_v(below ? z : pu);
    double s_map = below ? axs / (MGN_SQRT_3 * w) : 2.0 * w;
    double s_tan = scs + (beta - bc) * MGN_SQRT_2PI * ibmax;
    double s_pos = s_tan > 0 ? s_tan : s_map;
    double s_lo = s_pos < s_map ? s_pos : s_map, s_hi = s_tan > s_map ? s_tan : s_map;
    double s = below ? s_lo : s_hi;
    double s_min = 1e-4 * (sc + 1e-3);
    s = s > s_min ? s : s_min;

    /* three steps on ln b (beta <= b_max/2) or ln(b_max - b) */
    iv_state st;
    st.s = s < 200.0 ? s : 200.0;
    st.sg = beta <= 0.5 * bmax ? 1.0 : -1.0;
    double lt = log(st.sg > 0 ? beta : bmax - beta);
    iv_step(&st, xo, ax, lt);
    iv_step(&st, xo, ax, lt);
    iv_step(&st, xo, ax, lt);
    return st;
}

/* Whether the solve can be vouched for: its last step below 2^-17 s (after a step of
   order four from there the error is far below an ulp), the rounding within
   IVB_ERR_MAX, s not beyond where the steps were checked. */
static MGN_ALWAYS_INLINE int iv_solved(const iv_state *st)
{
    return (fabs(st->ds) <= 0x1p-17 * st->s) & (st->err <= IVB_ERR_MAX) & (st->s <= 150.0);
}

/* The first vector pass: sigma[i], and fix[i] = 1 where the scalar code must take
   element i over (sigma[i] is then meaningless). */
MGN_MULTIVERSION
static void iv_kernel(size_t n, const int *restrict type, const double *restrict S,
                      const double *restrict K, const double *restrict T,
                      const double *restrict r, const double *restrict q,
                      const double *restrict price, double *restrict sigma,
                      double *restrict fix)
{
MGN_SIMD_LOOP
    for (size_t i = 0; i < n; i++) {
        int ok = ((type[i] == MGN_CALL) | (type[i] == MGN_PUT)) & mgn__finite_pos(S[i])
               & mgn__finite_pos(K[i]) & mgn__finite_pos(T[i]) & mgn__finite_any(r[i])
               & mgn__finite_any(q[i]) & mgn__finite_any(r[i] * T[i])
               & mgn__finite_any(q[i] * T[i]) & mgn__finite_pos(price[i]);
        /* harmless stand-ins where the scalar solver decides */
        double Si = ok ? S[i] : 1.0, Ki = ok ? K[i] : 1.0, Ti = ok ? T[i] : 1.0;
        double ri = ok ? r[i] : 0.0, qi = ok ? q[i] : 0.0, pi = ok ? price[i] : 0.1;
        double th = type[i] == MGN_PUT ? -1.0 : 1.0;
        /* exponents beyond +-700 are the scalar solver's (it reports what overflows) */
        double eqa = -qi * Ti, era = -ri * Ti;
        ok &= (fabs(eqa) <= 700.0) & (fabs(era) <= 700.0);
        eqa = fabs(eqa) <= 700.0 ? eqa : 0.0;
        era = fabs(era) <= 700.0 ? era : 0.0;
        double eq = exp(eqa), A = Si * eq, B = Ki * exp(era);
        double c = (ri - qi) * Ti, ratio = Si / Ki;
        ok &= (A >= DBL_MIN) & (A <= DBL_MAX) & (B >= DBL_MIN) & (B <= DBL_MAX)
            & (ratio >= DBL_MIN) & (ratio <= DBL_MAX) & mgn__finite_any(c);
        A = ok ? A : 1.0;
        B = ok ? B : 1.0;
        double x = log(ok ? ratio : 1.0) + (ok ? c : 0.0);
        /* the bounds, as mgn__forward_intrinsic and mgn__implied_vol_normalise take them */
        int near = (fabs(Si - Ki) < 0.5 * Ki) & (fabs(c) < 0.5);
        double em = expm1(near ? -c : 0.0);
        double fi = near ? th * eq * ((Si - Ki) - Ki * em) : th * (A - B);
        int itm = th * x > 0;
        double lower = (itm & (fi > 0)) ? fi : 0.0;
        double tv = pi - lower, big = A > B ? A : B;
        double ax = fabs(x);
        ok &= (pi < (th > 0 ? A : B)) & (tv > (itm ? 64.0 * DBL_EPSILON * big : 0.0))
            & (ax <= 500.0);
        ax += (double)(ax > 500.0) * (500.0 - ax);   /* arithmetic: a select here keeps
                                                        GCC from vectorising the loop */
        double xo = -ax;
        double norm = sqrt(A) * sqrt(B);
        double bmax = exp(0.5 * xo), ibmax = 1.0 / bmax;
        double beta = tv / norm;
        ok &= (beta >= 1e-300) & (beta <= bmax * (1.0 - 1e-9));
        beta = ok ? beta : 0.5 * bmax;

        iv_state st = solve_v(beta, ax, bmax, ibmax);
        double s = st.s;

        /* kappa = (price + A N(theta d1) (1 + 2|q|T) + B N(theta d2) (1 + 2|r|T)) /
           (vega sigma) with vega sigma = sqrt(A B) b' s (b' at the last step's s, a few
           ulps away). Out of the money with beta <= b_max/2, price = sqrt(A B) b' D and
           A N(theta d1) + B N(theta d2) = sqrt(A B) b' msum; elsewhere bounded by A + B. */
        double f = 1.0 + 2.0 * (fabs(qi) + fabs(ri)) * Ti;
        double k_otm = st.D + st.msum * f;
        /* (1/b' beyond e^300: kappa far above the bound anyway) */
        double k_other = (pi + (A + B) * f) / norm
                       * exp(-st.lnbp < 300.0 ? -st.lnbp : 300.0);
        double k_s = ((!itm) & (st.sg > 0)) ? k_otm : k_other;
        int well = k_s * (8.0 + 4.0 * ax) <= IVB_KAPPA_X * s;
        double sig = s / sqrt(Ti);
        sigma[i] = sig;
        fix[i] = (double)!(ok & iv_solved(&st) & well & (sig >= DBL_MIN) & (sig <= DBL_MAX));
    }
}

/* The second vector pass, over the elements the first left whose normalised problem
   mgn_implied_vol's own code has set up (beta, xo, bmax): only the solver differs from
   mgn_implied_vol's, so the results are within the solver's error (2e-14) of its
   results however ill-conditioned sigma is in the inputs. s[i], and fix[i] = 1 where
   mgn_implied_vol's solver must redo element i. n a multiple of 16 (padded). */
MGN_MULTIVERSION
static void iv_norm_kernel(size_t n, const double *restrict beta, const double *restrict xo,
                           const double *restrict bmax, double *restrict s_out,
                           double *restrict fix)
{
MGN_SIMD_LOOP
    for (size_t i = 0; i < n; i++) {
        double ax = -xo[i];
        int ok = (ax >= 0.0) & (ax <= 500.0) & (beta[i] >= 1e-300)
               & (beta[i] <= bmax[i] * (1.0 - 1e-9)) & (bmax[i] > 0.0);
        double bm = ok ? bmax[i] : 0.6065306597126334;       /* stand-ins: x = -1 */
        double ax_c = ok ? ax : 1.0, b = ok ? beta[i] : 0.3;
        iv_state st = solve_v(b, ax_c, bm, 1.0 / bm);
        s_out[i] = st.s;
        fix[i] = (double)!(ok & iv_solved(&st));
    }
}

/* The elements of a chunk for the second pass. */
typedef struct {
    size_t n;
    size_t at[IVB_CHUNK + 16];
    double beta[IVB_CHUNK + 16], xo[IVB_CHUNK + 16], bmax[IVB_CHUNK + 16];
    double s[IVB_CHUNK + 16], fix[IVB_CHUNK + 16];
} iv_norm_buf;

/* Element i's result: sigma[i], status[i] when wanted, and the failures seen. */
typedef struct { int inval, nosol, range, noconv; } iv_tally;

static void put_result(size_t i, int st, double v, double *sigma, int *status, iv_tally *t)
{
    sigma[i] = st == MGN_OK ? v : NAN;
    if (status)
        status[i] = st;
    t->inval |= st == MGN_EINVAL;
    t->nosol |= st == MGN_ENOSOL;
    t->range |= st == MGN_ERANGE;
    t->noconv |= st == MGN_ENOCONV;
}

/* solved (may be NULL): incremented by the number of elements the vector passes
   solved */
static int batch(size_t n, const int *type, const double *S, const double *K,
                 const double *T, const double *r, const double *q, const double *price,
                 double *sigma, int *status, size_t *solved)
{
    double fix[IVB_CHUNK];
    iv_norm_buf nb;
    iv_tally t = { 0, 0, 0, 0 };
    if (n == 0)
        return MGN_OK;
    if (!type || !S || !K || !T || !r || !q || !price || !sigma)
        return MGN_EINVAL;
    for (size_t base = 0; base < n; base += IVB_CHUNK) {
        size_t m = n - base;
        if (m > IVB_CHUNK)
            m = IVB_CHUNK;
        iv_kernel(m, type + base, S + base, K + base, T + base, r + base, q + base,
                  price + base, sigma + base, fix);
        /* the others: bounds and special cases as mgn_implied_vol decides them, and the
           normalised problems of the rest for the second pass */
        nb.n = 0;
        for (size_t j = 0; j < m; j++) {
            size_t i = base + j;
            if (fix[j] == 0) {
                if (status)
                    status[i] = MGN_OK;
                if (solved)
                    ++*solved;
                continue;
            }
            double v = NAN, b = 0, xo = 0, bm = 0;
            int st = MGN_EINVAL;
            if (mgn__implied_vol_args_ok(type[i], S[i], K[i], T[i], r[i], q[i], price[i]))
                st = mgn__implied_vol_normalise(type[i] == MGN_CALL ? 1 : -1, S[i], K[i], T[i],
                                                r[i], q[i], price[i], &b, &xo, &bm, &v);
            if (st != MGN__IV_SOLVE) {
                put_result(i, st, v, sigma, status, &t);
                continue;
            }
            size_t k = nb.n++;
            nb.at[k] = i;
            nb.beta[k] = b;
            nb.xo[k] = xo;
            nb.bmax[k] = bm;
        }
        if (nb.n == 0)
            continue;
        size_t padded = (nb.n + 15) / 16 * 16;
        for (size_t k = nb.n; k < padded; k++)      /* invalid: the kernel's stand-ins */
            nb.beta[k] = nb.xo[k] = nb.bmax[k] = 0.0;
        iv_norm_kernel(padded, nb.beta, nb.xo, nb.bmax, nb.s, nb.fix);
        for (size_t k = 0; k < nb.n; k++) {
            size_t i = nb.at[k];
            double s = nb.s[k], v = NAN;
            int st = nb.fix[k] == 0 ? MGN_OK
                                    : mgn__implied_vol_solve(nb.beta[k], nb.xo[k], nb.bmax[k], &s);
            if (solved && nb.fix[k] == 0)
                ++*solved;
            if (st == MGN_OK)
                st = mgn__implied_vol_finish(s, T[i], &v);
            put_result(i, st, v, sigma, status, &t);
        }
    }
    /* MGN_ENOSOL only when it is the only kind of failure; an element's MGN_ERANGE
       (or MGN_ENOCONV) is reported as such, not as another code. */
    if (t.inval)
        return MGN_EINVAL;
    if (t.range)
        return MGN_ERANGE;
    if (t.noconv)
        return MGN_ENOCONV;
    return t.nosol ? MGN_ENOSOL : MGN_OK;
}

/* (internal.h) How many of n elements the vector passes solve (tests). */
size_t mgn__implied_vol_batch_vector_count(size_t n, const int *type, const double *S,
                                           const double *K, const double *T, const double *r,
                                           const double *q, const double *price)
{
    double sigma[IVB_CHUNK];
    size_t solved = 0;
    for (size_t base = 0; base < n; base += IVB_CHUNK) {
        size_t m = n - base;
        if (m > IVB_CHUNK)
            m = IVB_CHUNK;
        (void)batch(m, type + base, S + base, K + base, T + base, r + base, q + base,
                    price + base, sigma, NULL, &solved);
    }
    return solved;
}

/*---------------------------------------------------------------- public */

int mgn_implied_vol_batch(size_t n, const int *type, const double *S, const double *K,
                          const double *T, const double *r, const double *q,
                          const double *price, double *sigma)
{
    return batch(n, type, S, K, T, r, q, price, sigma, NULL, NULL);
}

int mgn_implied_vol_batch_status(size_t n, const int *type, const double *S, const double *K,
                                 const double *T, const double *r, const double *q,
                                 const double *price, double *sigma, int *status)
{
    if (n > 0 && status == NULL)
        return MGN_EINVAL;
    return batch(n, type, S, K, T, r, q, price, sigma, status, NULL);
}
