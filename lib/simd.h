/* Support shared by the vector kernels (lib/batch.c, lib/scenario.c).
 *
 * The kernels are loops marked MGN_SIMD_LOOP in functions marked MGN_MULTIVERSION.
 * With GCC on x86-64 Linux the loops call glibc's vector math library (libmvec) for
 * exp, log and erfc, and each function is compiled for SSE2, AVX2 and AVX-512F; the
 * version for the running CPU is chosen once at load time, by CPU feature (so AMD
 * processors get the wide versions too). The files holding such loops are compiled
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

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
/* The vector variants exist in libmvec; glibc declares them only under -ffast-math. */
#pragma omp declare simd notinbranch
extern double exp(double);
#pragma omp declare simd notinbranch
extern double log(double);
#pragma omp declare simd notinbranch
extern double erfc(double);
#define MGN_MULTIVERSION __attribute__((target_clones("default", "avx2", "avx512f")))
#define MGN_SIMD_LOOP _Pragma("omp simd")
#define MGN_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define MGN_MULTIVERSION
#define MGN_SIMD_LOOP
#define MGN_ALWAYS_INLINE inline
#endif

static inline int mgn__finite_pos(double v) { return (v > 0) & (v <= DBL_MAX); }
static inline int mgn__finite_any(double v) { return fabs(v) <= DBL_MAX; }

/* European price in the form the kernels share: theta = +1 call / -1 put,
   x = ln(F/K), s = sigma sqrt(T) > 0, Sc = S e^{-qT}, Kr = K e^{-rT}. The out-of-the-
   money side is evaluated directly and the intrinsic added by parity. *bad = 1 when
   the element must be redone by the scalar pricer (mgn__direct_ok_abs fails, or the
   value is not finite). */
static MGN_ALWAYS_INLINE double mgn__black_core(double theta, double x, double s, double Sc,
                                                double Kr, int *bad)
{
    int itm = theta * x > 0;
    double omega = itm ? -theta : theta;
    double d1 = x / s + 0.5 * s, d2 = d1 - s;
    double a = Sc * 0.5 * erfc(-omega * d1 * MGN_SQRT1_2);
    double b = Kr * 0.5 * erfc(-omega * d2 * MGN_SQRT1_2);
    double v = omega * (a - b);
    double big = a > b ? a : b;
    double price = v + (itm ? theta * (Sc - Kr) : 0.0);
    *bad = !(mgn__direct_ok_abs(big, v, d1, Sc > Kr ? Sc : Kr) & mgn__finite_any(price));
    return price;
}

#endif
