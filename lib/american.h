/* Internal declarations of lib/american.c (never installed). */
#ifndef MGN_AMERICAN_H
#define MGN_AMERICAN_H

#include "internal.h"

/* The Gauss-Legendre rule of n points (n in {8, 12, 16, 24, 32, 48}) used by
   mgn_american_price: *x and *w point to the n/2 positive nodes (ascending) and their
   weights, *c to the n values cos(pi/4 (1 + y_k)) over the full rule's nodes y_k in
   ascending order. Returns 0 if there is no such table. Exposed for
   tests/test_american.c, which checks the tables against GSL and libm. */
MGN_INTERNAL int mgn__american_gl_table(int n, const double **x, const double **w,
                                        const double **c);

/* The tabulated barycentric Lagrange weights of the usual scheme: *n Chebyshev
   intervals, *l fixed-point and *p price quadrature points; (*L)[(j (n+1) + i) l + k] is
   the weight of node i at fixed-point point k of node j, (*LT)[(j l + k) 16 + i] the
   same transposed (zero for i > n), (*Lp)[i p + k] that of node i at price point k (see
   the comment above the tables in lib/american.c). Returns 1. Exposed for
   tests/test_american.c, which recomputes them in long double. */
MGN_INTERNAL int mgn__american_lagrange_tables(int *n, int *l, int *p, const double **L,
                                               const double **LT, const double **Lp);

/* The largest difference between the Newton step's Jacobian and central differences
   of the collocation residuals, relative to 1 + |difference quotient|, for the put
   (strike 1) under the scheme choose_scheme picks for T, r, q, sigma at retry
   level 0, 1 or 2 (2: the FP-A form), at the boundary ln(X/B(tau)) = v_scale
   zeta/zeta(T), zeta the collocation variable (sqrt(tau), or its compressed form where
   drift dominates; lib/american.c). HUGE_VAL where a residual is not finite there or
   a row is not its equation's (far from the solution the step towards X replaces it).
   Exposed for tests/test_american.c. */
MGN_INTERNAL double mgn__american_jacobian_error(double T, double r, double q, double sig,
                                                 int level, double v_scale);

/* The same for the double-boundary put (q < r < 0, strike 1): both boundaries
   collocated over [0, te] at ln(K/B) = 2 ln(Y/Y0) = frac ln(K/Y0) zeta/zeta(te),
   Y0 = r/q (frac < 2/3 keeps Y below B). Exposed for tests/test_american.c. */
MGN_INTERNAL double mgn__american_db_jacobian_error(double te, double r, double q, double sig,
                                                    double frac);

#endif
