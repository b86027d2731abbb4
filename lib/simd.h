/* Support shared by the vector kernels (lib/batch.c, lib/scenario.c).
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
