/*
 * The 113-bit references shared by the tests that check the pricers' accuracy: the
 * normal distribution function and the BSM price (libquadmath, linked into every test
 * program).
 */
#ifndef MGN_TEST_QREF_H
#define MGN_TEST_QREF_H

#include <quadmath.h>
#include "margin.h"

typedef __float128 q128;

static inline q128 qcdf(q128 x) { return ((q128)0.5) * erfcq(-x / sqrtq(((q128)2.0))); }

/* |got - want| / |want| of a double against its 113-bit reference. */
static inline double qrelerr(double got, q128 want)
{
    return (double)fabsq(((q128)got - want) / want);
}

/* BSM price in 113-bit arithmetic, direct closed form (its cancellation costs at most
   a few of its 34 digits over the tested domain). */
static inline q128 qprice(int type, q128 S, q128 K, q128 T, q128 r, q128 q, q128 sigma)
{
    q128 th = type == MGN_CALL ? 1 : -1;
    q128 Sc = S * expq(-q * T), Kr = K * expq(-r * T);
    if (T == 0 || sigma == 0) {
        q128 v = th * (Sc - Kr);
        return v > 0 ? v : 0;
    }
    q128 s = sigma * sqrtq(T);
    q128 d1 = (logq(S / K) + (r - q) * T) / s + s / 2, d2 = d1 - s;
    return th * (Sc * qcdf(th * d1) - Kr * qcdf(th * d2));
}

#endif
