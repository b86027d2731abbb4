/* Internal declarations of lib/american.c (never installed). */
#ifndef MGN_AMERICAN_H
#define MGN_AMERICAN_H

#include "internal.h"

/* The Gauss-Legendre rule of n points (n in {8, 12, 16, 24, 32, 48}) used by
   mgn_american_price: *x and *w point to the n/2 positive nodes (ascending) and their
   weights. Returns 0 if there is no such table. Exposed for tests/test_american.c,
   which checks the tables against GSL. */
MGN_INTERNAL int mgn__american_gl_table(int n, const double **x, const double **w);

#endif
