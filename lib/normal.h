/* Internal declarations of lib/normal.c (never installed): the Mills ratio table the
   normal distribution function (lib/normal.c) and the normalised Black function
   (lib/normblack.c) share. */
#ifndef MGN_NORMAL_H
#define MGN_NORMAL_H

#include <stdint.h>
#include <string.h>
#include "internal.h"

/* R(a) = (1 - N(a)) / phi(a) on a + 1 in [1, 64): row i = 16 k + j covers the j-th
   sixteenth of [2^k, 2^(k+1)); row = { centre c, R's coefficients in (a - c)^0..9
   with the constant term as a double-double (high, low, then c1..c9) }
   (tests/data/gen_normal_table.py). */
#define MGN_MILLS_ROWS 96
#define MGN_MILLS_MAX 63.0      /* the table's end: a < 63 */
MGN_INTERNAL extern const double mgn__mills_rows[MGN_MILLS_ROWS][12];

/* Row i = 16 k + j of such an octave table (rows of 12: centre, then the coefficients
   in (a - centre)^0..9 with the constant term as a double-double) evaluated at a >= 0,
   a + 1 below 2^(n_rows / 16) (NaN for NaN): the row is read off the exponent and the
   top four mantissa bits of a + 1, no branch; c2..c9 by Estrin's scheme, the last
   steps by Horner with the constant term's low part, so that their rounding stays
   below the constant term's. Evaluates the Mills ratio below and a(z) = 1 + z Y(z) in
   lib/normblack.c. */
static inline double mgn__octave_poly(const double (*rows)[12], unsigned n_rows, double a)
{
    const double b = a + 1.0;
    uint64_t bits;
    memcpy(&bits, &b, sizeof bits);
    const unsigned i = (unsigned)(bits >> 48) - 1023u * 16u;
    /* a NaN reads row 0 and stays NaN through the arithmetic */
    const double *c = rows[i < n_rows ? i : 0u];
    const double t = a - c[0], t2 = t * t, t4 = t2 * t2;
    const double e1 = c[4] + c[5] * t, e2 = c[6] + c[7] * t, e3 = c[8] + c[9] * t,
                 e4 = c[10] + c[11] * t;
    return c[1] + (c[2] + t * (c[3] + t * ((e1 + e2 * t2) + (e3 + e4 * t2) * t4)));
}

/* R(a) for 0 <= a < MGN_MILLS_MAX (NaN for NaN), within an ulp (measured 0.6 eps). */
static inline double mgn__mills(double a)
{
    return mgn__octave_poly(mgn__mills_rows, MGN_MILLS_ROWS, a);
}
/* phi(a) = e^{-a^2/2} / sqrt(2 pi) for a >= 0 with the rounding of a^2 taken back
   (Dekker's exact product a^2 = h + l, e^{-h/2} (1 - l/2)): the exponent carries no
   absolute error a^2 eps (lib/normal.c). */
static inline double mgn__norm_pdf_exact(double a)
{
    double h, l;
    mgn__two_prod(a, a, &h, &l);
    const double e = exp(-0.5 * h);
    return MGN_INV_SQRT_2PI * (e - 0.5 * l * e);
}
/* 0.84375 sqrt 2: below it N(-a) = 0.5 erfc(a / sqrt 2) needs no exponential in
   glibc's erfc (lib/normal.c). */
#define MGN_NORM_CENTRE 1.193242693252299

#endif
