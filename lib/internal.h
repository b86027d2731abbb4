/* Shared internal declarations of libmargin (never installed). */
#ifndef MGN_INTERNAL_H
#define MGN_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include "margin.h"

/* Functions shared between library files: hidden from the shared object. */
#define MGN_INTERNAL __attribute__((visibility("hidden")))

/* With GCC on x86-64 Linux the vector kernels are compiled for several instruction
   sets (target_clones) with 'omp simd' loops calling glibc's libmvec (lib/simd.h,
   lib/american.c). -DMGN_PLAIN_KERNELS compiles them as the plain loops every other
   compiler gets: make lint does, for GCC's analyzer, which follows neither. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) \
    && !defined(MGN_PLAIN_KERNELS)
#define MGN_VECTOR_KERNELS 1
#endif

/* An invariant the code keeps that clang's static analyzer cannot see (it forgets what
   it knew of a struct after passing it to a call it does not follow): the analyzer
   assumes cond from there on. Nothing in a real build. */
#ifdef __clang_analyzer__
#define MGN_ANALYZER_ASSUME(cond) do { if (!(cond)) __builtin_unreachable(); } while (0)
#else
#define MGN_ANALYZER_ASSUME(cond) ((void)0)
#endif

#define MGN_SQRT_2PI    2.50662827463100050241576528481   /* sqrt(2 pi) */
#define MGN_INV_SQRT_2PI 0.398942280401432677939946059934 /* 1/sqrt(2 pi) */
#define MGN_SQRT1_2     0.707106781186547524400844362104849039 /* 1/sqrt(2) */
#define MGN_SQRT_PI_OVER_2 1.25331413731550025120788264241  /* sqrt(pi/2) */
#define MGN_LN_SQRT_2PI 0.918938533204672741780329736406    /* ln sqrt(2 pi) */
#define MGN_SQRT_3      1.73205080756887729352744634151     /* sqrt(3) */
#define MGN_THREE_SQRT3_OVER_2PI 0.826993343132688074267 /* 3 sqrt(3) / (2 pi) */

static inline int mgn__finite(double x) { return isfinite(x); }

/* Exact product a*b = *p + *e (Dekker 1971, Veltkamp splitting; fma when the target
   has a fast one). |a|, |b| < 2^995. */
static inline void mgn__two_prod(double a, double b, double *p, double *e)
{
    *p = a * b;
#if defined(FP_FAST_FMA)
    *e = fma(a, b, -*p);
#else
    const double sp = 134217729.0; /* 2^27 + 1 */
    const double ca = sp * a, ah = ca - (ca - a), al = a - ah;
    const double cb = sp * b, bh = cb - (cb - b), bl = b - bh;
    *e = ((ah * bh - *p) + ah * bl + al * bh) + al * bl;
#endif
}

/* Standard normal density, and distribution function with full relative accuracy in
   the lower tail (within 4 eps; lib/normal.c). */
static inline double mgn__norm_pdf(double x) { return MGN_INV_SQRT_2PI * exp(-0.5 * x * x); }
MGN_INTERNAL double mgn__norm_cdf(double z);
/* N(z), and phi(z) in *pdf (within 2 eps: its exponent without the rounding of z^2),
   from the one exponential both need. */
MGN_INTERNAL double mgn__norm_cdf_pdf(double z, double *pdf);

/* Normalised Black function (Jaeckel, "Let's Be Rational", 2015, eq. 2.2):
     b(x, s, theta) = theta * [ e^{x/2} N(theta (x/s + s/2)) - e^{-x/2} N(theta (x/s - s/2)) ]
   with x = ln(F/K), s = sigma sqrt(T), theta = +1 (call) or -1 (put), so that the
   undiscounted Black price is sqrt(F K) * b. Requires s > 0 and finite x, s.
   Full relative accuracy in every region (in-the-money through parity, small s and
   far wings through series), lib/normblack.c. */
MGN_INTERNAL double mgn__normalised_black(double x, double s, int theta);


/* Implied volatility (lib/implied_vol.c), shared with the batch solver
   (lib/implied_vol_batch.c): whether the arguments of mgn_implied_vol are valid; its
   method for valid ones (theta = +1 call, -1 put) in three parts: the bounds and the
   normalised problem b(xo, s) = beta with b's supremum bmax (returns MGN__IV_SOLVE
   with those set, or the final status with *sigma set where MGN_OK: sigma = 0 at the
   lower bound), its solution s, and sigma = s / sqrt(T) with its range checked; and
   the coefficients of Wichura's inverse normal distribution function (AS 241,
   PPND16). */
MGN_INTERNAL int mgn__implied_vol_args_ok(int type, double S, double K, double T, double r,
                                          double q, double price);
#define MGN__IV_SOLVE (-1)
MGN_INTERNAL int mgn__implied_vol_normalise(int theta, double S, double K, double T, double r,
                                            double q, double price, double *beta, double *xo,
                                            double *bmax, double *sigma);
MGN_INTERNAL int mgn__implied_vol_solve(double beta, double xo, double bmax, double *s);
MGN_INTERNAL int mgn__implied_vol_finish(double s, double T, double *sigma);
MGN_INTERNAL extern const double mgn__as241[6][8];
/* scale num(r) / den(r) for one pair of those rows (degree 7), rounded as
   (scale num) / den; written out so that vector loops inline it */
static inline double mgn__as241_ratio(const double *num, const double *den, double r,
                                      double scale)
{
    double pn = num[7], pd = den[7];
    pn = pn * r + num[6]; pd = pd * r + den[6];
    pn = pn * r + num[5]; pd = pd * r + den[5];
    pn = pn * r + num[4]; pd = pd * r + den[4];
    pn = pn * r + num[3]; pd = pd * r + den[3];
    pn = pn * r + num[2]; pd = pd * r + den[2];
    pn = pn * r + num[1]; pd = pd * r + den[1];
    pn = pn * r + num[0]; pd = pd * r + den[0];
    return scale * pn / pd;
}
/* How many of n elements the batch solver's vector passes solve, the others going to
   mgn_implied_vol's solver or ending at a bound (for the tests) */
MGN_INTERNAL size_t mgn__implied_vol_batch_vector_count(size_t n, const int *type,
                                                        const double *S, const double *K,
                                                        const double *T, const double *r,
                                                        const double *q, const double *price);

#define MGN_LOG_DBL_MAX 709.78271289338397   /* ln DBL_MAX */

/* (r - q) T, the log of the carry factor e^{(r - q) T}: r - q is exact for close r and
   q, where r T - q T would cancel (an absolute error of eps r T); r T - q T where
   r - q overflows (finite r, q of opposite signs near DBL_MAX, small products). Where
   both products overflow with one sign, r T - q T is inf - inf: the overflowed
   (r - q) T keeps the sign of the true exponent (a NaN here made a put whose forward
   is worth nothing next to its discounted strike worth 0 with MGN_OK). */
static inline double mgn__carry_exponent(double r, double q, double T)
{
    double c = (r - q) * T;
    if (isfinite(c))
        return c;
    double d = r * T - q * T;
    return d == d ? d : c;
}

/* ln(S/K) without under- or overflow of the ratio, with full relative accuracy near
   the money. For S, K and q = S/K in [2^-900, 2^900] (q rounded): e = q K - S is a double
   (the remainder of a correctly rounded quotient), computed exactly (q K by Dekker's
   product, its high part minus S exact by Sterbenz), so S/K = q - e/K and
   ln(S/K) = ln q + ln(1 - e/(q K)) = ln q - e/S to far below an ulp (|e/S| <= eps).
   ln q is within an ulp of itself next to 1 as well (glibc), so x keeps its relative
   accuracy there without log1p (which costs twice log) and without a branch on the
   moneyness, which random inputs mispredict. Elsewhere (the exact product could
   over- or underflow, or q itself) near the money log1p((S - K)/K), S - K exact there
   (Sterbenz), and far from it ln q, or log(S) - log(K) where q is not a normal double. */
static inline double mgn__log_ratio(double S, double K)
{
    const double q = S / K;
    if (!(S >= 0x1p-900 && S <= 0x1p900 && K >= 0x1p-900 && K <= 0x1p900
          && q >= 0x1p-900 && q <= 0x1p900)) {
        const double d = S - K;
        if (fabs(d) < 0.5 * K)
            return log1p(d / K);
        return isnormal(q) ? log(q) : log(S) - log(K);
    }
    double p, pe;
    mgn__two_prod(q, K, &p, &pe);
    return log(q) - ((p - S) + pe) / S;
}

/* theta (Sc - Kr), the discounted forward intrinsic value (eq = e^{-qT}, Sc = S eq,
   Kr = K e^{-rT}). Near the money with a small carry as theta eq ((S - K) - K
   expm1(-(r - q) T)), whose terms are of the size of the result (S - K is exact
   there): Sc - Kr cancels to an absolute error of a few ulps of max(Sc, Kr), above
   1e-12 of a short-dated near-the-money price (3e-11 at T = 1e-6, sigma = 0.01). Far
   from the money S - K is not exact and the terms may cancel entirely, and with a
   large carry Sc - Kr does not cancel: there Sc - Kr itself. Used by the pricer and
   as the implied-vol solver's lower bound (lib/bs.c). */
MGN_INTERNAL double mgn__forward_intrinsic(int theta, double S, double K, double T, double r,
                                          double q, double eq, double Sc, double Kr);

/* Whether the direct out-of-the-money value v = |a - b| of two normal terms (the
   larger is big) is accurate to about 1e-13: the rounding of each term, including
   that of its argument d (relative error about d^2 eps in N(d)), is amplified by
   big / v. Otherwise the normalised Black function must be used. */
#define MGN_DIRECT_LIMIT 1024.0
static inline int mgn__direct_ok(double big, double v, double d)
{
    return (v > 0) & (big * (1.0 + d * d) <= MGN_DIRECT_LIMIT * v);
}

/* The batch kernels' test: mgn__direct_ok, or, for a far-wing option whose value
   (price, the out-of-the-money value v plus any intrinsic) is worth less than
   1e-13 * scale, scale = max(S e^{-qT}, K e^{-rT}), an absolute error bound (about
   4 eps big (1 + d^2)) below 1e-13 * scale: such values are then accurate to
   1e-13 * scale absolute rather than to full relative precision (both terms
   underflowing to 0 is the extreme case). The absolute test alone is not enough: a
   value above 1e-13 * scale with that absolute error (small s near the money) would
   miss the 1e-12 relative accuracy the batch functions promise. */
static inline int mgn__direct_ok_abs(double big, double v, double d, double price,
                                     double scale)
{
    double amp = big * (1.0 + d * d);
    return (v >= 0) & ((amp <= MGN_DIRECT_LIMIT * v)
                       | ((amp <= 100.0 * scale) & (price <= 1e-13 * scale)));
}

/* In the money, where the price is itm + v (itm the intrinsic part): the rounding
   error of v, about 4 eps big (1 + d^2), need only be small against itm (here below
   5e-14 of it), however much the two terms of v cancel. Shared by the scalar pricer
   and the vector kernels. */
static inline int mgn__direct_ok_itm(double big, double v, double d, double itm)
{
    return (v >= 0) & (big * (1.0 + d * d) <= 100.0 * itm);
}

/* Far wings. The elements a kernel marks for the scalar pricer are gathered (at most
   MGN__WING_N) for one vector pass first, mgn__wing_pass (lib/batch.c): it takes
   the out-of-the-money values of the far wings, where the direct formula's two normal
   terms cancel, which would otherwise each cost a scalar normalised-Black evaluation
   (in short-dated books under large moves, most of the marked elements). Elements
   0..n-1 in, v and done (1 where v is the value, 0 where the scalar pricer must
   decide) out; the pass pads the buffer itself (MGN__WING_N is a multiple of 16). */
#define MGN__WING_N 256     /* >= the largest group a kernel marks; a multiple of 16 */

typedef struct mgn__wing_buf {
    size_t n;
    size_t dst[MGN__WING_N];     /* the caller's lane */
    int type[MGN__WING_N];
    double S[MGN__WING_N], K[MGN__WING_N], T[MGN__WING_N], r[MGN__WING_N];
    double q[MGN__WING_N], sig[MGN__WING_N], v[MGN__WING_N], done[MGN__WING_N];
} mgn__wing_buf;

/* The positions of the marked lanes (fix[i] != 0) among n, in order, without a branch
   per lane (the marks are few and unpredictable). Returns their count. */
static inline size_t mgn__marked(size_t n, const double *fix, unsigned short *at)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        at[k] = (unsigned short)i;
        k += fix[i] != 0;
    }
    return k;
}

static inline void mgn__wing_add(mgn__wing_buf *w, size_t dst, int type, double S, double K,
                                 double T, double r, double q, double sig)
{
    size_t k = w->n++;
    w->dst[k] = dst;
    w->type[k] = type;
    w->S[k] = S;
    w->K[k] = K;
    w->T[k] = T;
    w->r[k] = r;
    w->q[k] = q;
    w->sig[k] = sig;
}

MGN_INTERNAL void mgn__wing_pass(mgn__wing_buf *w);

/* Argument check shared by every European pricer: type MGN_CALL/MGN_PUT, S and K
   finite and > 0, T finite and >= 0, r and q finite, sigma finite and >= 0. */
static inline int mgn__euro_args_ok(int type, double S, double K, double T, double r,
                                    double q, double sigma)
{
    return (type == MGN_CALL || type == MGN_PUT) && isfinite(S) && S > 0 && isfinite(K) && K > 0
        && isfinite(T) && T >= 0 && isfinite(r) && isfinite(q) && isfinite(sigma) && sigma >= 0;
}

/* BSM price and Greeks of valid arguments (lib/bs.c). Black-76 on F is BSM with S = F
   and q = r. The price function returns the value, which is not finite only when the
   inputs overflow (huge T times rates); the Greeks function returns MGN_OK, or
   MGN_ERANGE for the unbounded gamma at sigma == 0, F == K, or an overflow. */
MGN_INTERNAL double mgn__bs_price(int type, double S, double K, double T, double r, double q,
                                  double sigma);
MGN_INTERNAL int mgn__bs_greeks(int type, double S, double K, double T, double r, double q,
                                double sigma, mgn_greeks *g);

#endif
