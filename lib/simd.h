/* Support shared by the vector kernels (lib/batch.c, lib/scenario.c, lib/implied_vol_batch.c).
 *
 * The kernels are loops marked MGN_SIMD_LOOP in functions marked MGN_MULTIVERSION.
 * With GCC on x86-64 Linux the loops call glibc's vector math library (libmvec) for
 * exp, log and erfc, and each function is compiled for SSE2, AVX2 and AVX-512F; the
 * version for the running CPU is chosen once at load time, by CPU feature (so AMD
 * processors get the wide versions too). Defining MGN_NO_MULTIVERSION keeps only the
 * default version (the coverage build does). The files holding such loops are compiled
 * with -fno-trapping-math -fno-tree-pre (the Makefile's VECTOR_FLAGS): the selects in
 * the loops are if-converted only when floating-point operations may be evaluated
 * speculatively (the library never enables traps), and GCC 12's partial-redundancy
 * elimination puts branches back into long loops. Other compilers get plain loops
 * with the same results up to the last bits of the elementary functions.
 */
#ifndef MGN_SIMD_H
#define MGN_SIMD_H

#include <float.h>
#include "internal.h"

#ifdef MGN_VECTOR_KERNELS
/* The vector variants exist in libmvec; glibc declares them only under -ffast-math. */
#pragma omp declare simd notinbranch
extern double exp(double);
#pragma omp declare simd notinbranch
extern double log(double);
#pragma omp declare simd notinbranch
extern double erfc(double);
#ifdef MGN_NO_MULTIVERSION
#define MGN_MULTIVERSION
#else
#define MGN_MULTIVERSION __attribute__((target_clones("default", "avx2", "avx512f")))
#endif
#define MGN_SIMD_LOOP _Pragma("omp simd")
#define MGN_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define MGN_MULTIVERSION
#define MGN_SIMD_LOOP
#define MGN_ALWAYS_INLINE inline
#endif

/* erfc and exp for the vector loops. libmvec hands the lanes outside its main range
   (for erfc: z < -6 or z > 27; for exp: results near under- or overflow) to the
   scalar functions one by one, which costs more than the whole vector call. These
   keep every lane on the vector path: erfc is 2 below -6 (erfc(-6) = 2 - 2e-17
   rounds to 2) and 0 above 26, exp is 0 below -680 (true values below 1e-295). */
/* Both the clamp and the masks are arithmetic, not selects: with selects GCC proves
   the clamp redundant under the select (or folds the function of the clamp constant)
   and calls the function on the raw argument; fmin/fmax are not inlined. For
   |z| beyond 2^53 the clamped argument may become 0 or NaN, but the mask then zeroes
   it or the element fails the caller's finiteness test and goes to the scalar path. */
static MGN_ALWAYS_INLINE double mgn__erfc_v(double z)
{
    double below = (double)(z < -6.0), above = (double)(z >= 26.0);
    double zc = z + below * (-6.0 - z) + above * (26.0 - z);
    double e = erfc(zc);
    return (e + below * (2.0 - e)) * (1.0 - above);
}
static MGN_ALWAYS_INLINE double mgn__exp_v(double a)
{
    double under = (double)(a <= -680.0);
    double e = exp(a + under * (-680.0 - a));
    return e * (1.0 - under);
}

/* erfcx(y) = e^{y^2} erfc(y) for y >= 0.5: the two rational approximations of
   W. J. Cody, "Rational Chebyshev approximations for the error function", Math.
   Comp. 23 (1969), as in his CALERF (0.5 <= y <= 4, and y > 4 in 1/y^2): relative
   error below 4e-17 in exact arithmetic (checked against mpmath at 40 digits), below
   8e-16 as evaluated here (against libquadmath over [0.5, 30]). Both are evaluated
   and one kept, so the loops stay branch-free. */
static MGN_ALWAYS_INLINE double mgn__erfcx_v(double y)
{
    double xn = 2.15311535474403846e-8 * y, xd = y;
    xn = (xn + 5.64188496988670089e-1) * y; xd = (xd + 1.57449261107098347e1) * y;
    xn = (xn + 8.88314979438837594e0) * y;  xd = (xd + 1.17693950891312499e2) * y;
    xn = (xn + 6.61191906371416295e1) * y;  xd = (xd + 5.37181101862009858e2) * y;
    xn = (xn + 2.98635138197400131e2) * y;  xd = (xd + 1.62138957456669019e3) * y;
    xn = (xn + 8.81952221241769090e2) * y;  xd = (xd + 3.29079923573345963e3) * y;
    xn = (xn + 1.71204761263407058e3) * y;  xd = (xd + 4.36261909014324716e3) * y;
    xn = (xn + 2.05107837782607147e3) * y;  xd = (xd + 3.43936767414372164e3) * y;
    double mid = (xn + 1.23033935479799725e3) / (xd + 1.23033935480374942e3);
    double w = 1.0 / (y * y);
    double pn = 1.63153871373020978e-2 * w, pd = w;
    pn = (pn + 3.05326634961232344e-1) * w; pd = (pd + 2.56852019228982242e0) * w;
    pn = (pn + 3.60344899949804439e-1) * w; pd = (pd + 1.87295284992346725e0) * w;
    pn = (pn + 1.25781726111229246e-1) * w; pd = (pd + 5.27905102951428412e-1) * w;
    pn = (pn + 1.60837851487422766e-2) * w; pd = (pd + 6.05183413124413191e-2) * w;
    double far = (5.6418958354775628695e-1 - w * (pn + 6.58749161529837803e-4)
                                             / (pd + 2.33520497626869185e-3)) / y;
    return y <= 4.0 ? mid : far;
}

/* erfcx(y) for every y >= 0: below 0.5 e^{y^2} (1 - erf(y)) with Cody's (1969) erf
   for |y| <= 0.5 (his first range, as in CALERF) and e^{y^2} from its Taylor series to
   y^24 (remainder below 3e-18 for y^2 <= 1/4); from 0.5 on mgn__erfcx_v. Both
   evaluated and one kept. Relative error 7.8e-16 at most as evaluated, against
   113-bit references over [0, 1005] (tests/test_implied_vol.c). */
static MGN_ALWAYS_INLINE double mgn__erfcx_all_v(double y)
{
    double big = mgn__erfcx_v(y > 0.5 ? y : 0.5);
    double ys = y < 0.5 ? y : 0.5, t = ys * ys;
    double xn = 1.85777706184603153e-1 * t, xd = t;
    xn = (xn + 3.16112374387056560e00) * t; xd = (xd + 2.36012909523441209e01) * t;
    xn = (xn + 1.13864154151050156e02) * t; xd = (xd + 2.44024637934444173e02) * t;
    xn = (xn + 3.77485237685302021e02) * t; xd = (xd + 1.28261652607737228e03) * t;
    double erf = ys * (xn + 3.20937758913846947e03) / (xd + 2.84423683343917062e03);
    double t2 = t * t, t4 = t2 * t2, t8 = t4 * t4;
    double e01 = 1.0 + t, e23 = 0.5 + t * (1.0 / 6), e45 = 1.0 / 24 + t * (1.0 / 120),
           e67 = 1.0 / 720 + t * (1.0 / 5040), e89 = 1.0 / 40320 + t * (1.0 / 362880),
           e1011 = 1.0 / 3628800 + t * (1.0 / 39916800), e12 = 1.0 / 479001600;
    double et = (e01 + e23 * t2) + (e45 + e67 * t2) * t4 + ((e89 + e1011 * t2) + e12 * t4) * t8;
    return y < 0.5 ? et * (1.0 - erf) : big;
}

static inline int mgn__finite_pos(double v) { return (v > 0) & (v <= DBL_MAX); }
static inline int mgn__finite_any(double v) { return fabs(v) <= DBL_MAX; }

/* European price in the form the kernels share: theta = +1 call / -1 put,
   x = ln(F/K), s = sigma sqrt(T) > 0, Sc = S e^{-qT}, Kr = K e^{-rT}. The out-of-the-
   money side omega is evaluated directly and the intrinsic added by parity. *bad = 1
   when the element must be redone by the scalar pricer (mgn__direct_ok_abs fails, or
   the value is not finite). *N1, *N2 receive N(theta d1) and N(theta d2), from the
   same two erfc calls (the in-the-money ones as complements). */
static MGN_ALWAYS_INLINE double mgn__black_core_n(double theta, double x, double s, double Sc,
                                                  double Kr, int *bad, double *N1, double *N2)
{
    int itm = theta * x > 0;
    double omega = itm ? -theta : theta;
    double d1 = x / s + 0.5 * s, d2 = d1 - s;
    double na = 0.5 * mgn__erfc_v(-omega * d1 * MGN_SQRT1_2);
    double nb = 0.5 * mgn__erfc_v(-omega * d2 * MGN_SQRT1_2);
    double a = Sc * na, b = Kr * nb;
    double v = omega * (a - b);
    double big = a > b ? a : b;
    double fwd = itm ? theta * (Sc - Kr) : 0.0;
    double price = v + fwd;
    /* In the money, theta (Sc - Kr) is off by a few ulps of max(Sc, Kr) (the scalar
       pricer avoids that cancellation near the money): for a price below 4e-3 of
       that, more than 1e-12 of the price, so the scalar pricer redoes it. Above that,
       v needs accuracy against fwd only (mgn__direct_ok_itm, as in the scalar pricer). */
    double scale = Sc > Kr ? Sc : Kr;
    int v_ok = mgn__direct_ok_abs(big, v, d1, price, scale) | mgn__direct_ok_itm(big, v, d1, fwd);
    *bad = (!(v_ok & mgn__finite_any(price))) | (itm & (price < 4e-3 * scale));
    *N1 = itm ? 1.0 - na : na;
    *N2 = itm ? 1.0 - nb : nb;
    return price;
}

static MGN_ALWAYS_INLINE double mgn__black_core(double theta, double x, double s, double Sc,
                                                double Kr, int *bad)
{
    double n1, n2;
    return mgn__black_core_n(theta, x, s, Sc, Kr, bad, &n1, &n2);
}

#endif
