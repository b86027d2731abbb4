/* Internal declarations of lib/normblack.c (never installed): the normalised Black
   function's building blocks, shared with lib/implied_vol.c.  In the "call" forms
   x <= 0 (out of the money) and s > 0; h = x/s, t = s/2 throughout. */
#ifndef MGN_NORMBLACK_H
#define MGN_NORMBLACK_H

#include "internal.h"

/* Y(z) = N(z)/phi(z) (the Mills ratio of -z), full relative accuracy (1.1 ulp) for
   z <= 1; beyond, 1/phi(z) - Y(-z), +inf for z > ~37.7. */
MGN_INTERNAL double mgn__norm_ratio(double z);

/* a(z) = 1 + z Y(z) = Y'(z) for z <= 0, full relative accuracy (a ~ 1/z^2 for large
   |z|, where 1 + z Y would cancel). */
MGN_INTERNAL double mgn__mills_a(double z);

/* erfcx(u) = exp(u^2) erfc(u) = sqrt(2/pi) Y(-sqrt(2) u), within 2 ulp. */
MGN_INTERNAL double mgn__erfcx(double u);

/* b(x, s) of an out-of-the-money call, x <= 0, s > 0: full relative accuracy. */
MGN_INTERNAL double mgn__nb_call(double x, double s);

/* As mgn__nb_call, and the normalised vega b_s = db/ds in *vega. */
MGN_INTERNAL double mgn__nb_call_vega(double x, double s, double *vega);

/* D = Y(h+t) - Y(h-t) = b / b_s for h = x/s <= 0 < t = s/2, full relative accuracy
   while h + t <= 0.85 (beyond, finite while h + t < 37). */
MGN_INTERNAL double mgn__nb_ratio(double h, double t);

/* Normalised vega b_s = db/ds = exp(-(h^2 + t^2)/2) / sqrt(2 pi), any x, s >= 0,
   full relative accuracy (exponent in double-double). */
MGN_INTERNAL double mgn__normalised_vega(double x, double s);

/* Normalised intrinsic value max(theta (e^{x/2} - e^{-x/2}), 0) = 2 sinh(|x|/2) when
   in the money (theta > 0 call, otherwise put). */
MGN_INTERNAL double mgn__normalised_intrinsic(double x, int theta);

#endif
