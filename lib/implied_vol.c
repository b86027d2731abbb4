/*
 * Implied volatility of European options (BSM on S with yield q, Black-76 on F).
 *
 * The price is reduced to the normalised Black form of lib/normblack.c: with
 * x = ln(F/K) = ln(S/K) + (r - q) T and the normaliser sqrt(F K) e^{-rT} =
 * sqrt(S) sqrt(K) e^{-(r+q)T/2}, an in-the-money option becomes the out-of-the-money
 * one of the other type through parity (its time value price - intrinsic), and
 * b(x, s, theta) = b(-x, s, -theta) turns every case into an out-of-the-money call,
 * x <= 0, 0 < beta < b_max = e^{x/2}.
 *
 * That call is inverted as in Jaeckel, "Let's Be Rational", Wilmott (2015), secs. 4-6
 * (and the 2023 revision of his reference implementation for the upper branch):
 *   - four branches of beta separated by b_l = b(s_l), b_c = b(s_c), b_u = b(s_u),
 *     s_c = sqrt(2|x|) the inflexion point, s_l and s_u the tangent intersections;
 *   - in the two middle branches a rational cubic (Delbourgo & Gregory, "Shape
 *     preserving piecewise rational interpolation", SIAM J. Sci. Stat. Comput. 6, 1985)
 *     through the branch ends with the exact slopes 1/b_s gives s(beta) directly;
 *   - in the lowest branch the small-s asymptotic f = (2 pi/sqrt 27)|x| N(-|x|/(sqrt 3 s))^3
 *     (Jaeckel 2015, eq. 4.38) and in the highest branch f = N(-s/2) are interpolated
 *     as functions of beta and inverted in closed form;
 *   - Householder steps of order 4 ("Householder(3)") on the objective
 *     1/ln b - 1/ln beta (lowest branch), ln(b_max - beta) - ln(b_max - b) (highest
 *     branch, with b_max - b computed without cancellation), b - beta (otherwise),
 *     each step kept inside the branch's bracket.
 * The initial guess is within about 1e-1 (relative, lowest branch; typically 1e-2 to
 * 1e-5) of the root, so two steps reach full precision (measured: two steps in more
 * than 98% of cases, one in the rest); the loop allows at most IV_MAX_ITER steps and
 * stops once a step is below
 * IV_STEP_TOL relative (the error left after a fourth-order step of relative size
 * 2^-17 is of order 1e-20).  Not meeting that within IV_MAX_ITER steps is MGN_ENOCONV.
 *
 * Bounds (API-CORE.md, "Edge cases"): the lower bound is the discounted forward
 * intrinsic max(theta (S e^{-qT} - K e^{-rT}), 0), the upper bound S e^{-qT} (call)
 * or K e^{-rT} (put).  A price within IV_LB_ULPS ulps of a positive lower bound
 * counts as equal to it (the bound itself is only known to that accuracy) and gives
 * sigma = 0.
 */
#include <float.h>
#include <stddef.h>
#include "normblack.h"

#define IV_MAX_ITER 4          /* Householder steps, at most */
#define IV_STEP_TOL 0x1p-17    /* a step below this (relative) means converged */
#define IV_LB_ULPS 4.0         /* tolerance of the lower bound, in DBL_EPSILON units */

#define SQRT_ONE_OVER_THREE 0.57735026918962576451
#define TWO_PI 6.2831853071795864769
#define TWO_PI_OVER_SQRT_27 1.2091995761561452337       /* 2 pi / sqrt(27) */
#define PI_OVER_SIX 0.52359877559829887308

/* ---------------------------------------------------------------- normal helpers */

/* Inverse of N: Wichura, "Algorithm AS 241: The percentage points of the normal
   distribution", Applied Statistics 37(3), 1988 (PPND16, about 1e-16 relative);
   coefficients from that paper: numerator and denominator for |p - 1/2| <= 0.425 in
   r = 0.180625 - (p - 1/2)^2, then for the tails in r = sqrt(-ln p) - 1.6 (r <= 5)
   and r - 5 (internal.h; the batch solver evaluates the same). */
const double mgn__as241[6][8] = {
    { 3.3871328727963666080e0, 1.3314166789178437745e+2, 1.9715909503065514427e+3,
      1.3731693765509461125e+4, 4.5921953931549871457e+4, 6.7265770927008700853e+4,
      3.3430575583588128105e+4, 2.5090809287301226727e+3 },
    { 1.0, 4.2313330701600911252e+1, 6.8718700749205790830e+2, 5.3941960214247511077e+3,
      2.1213794301586595867e+4, 3.9307895800092710610e+4, 2.8729085735721942674e+4,
      5.2264952788528545610e+3 },
    { 1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0,
      3.64784832476320460504e0, 1.27045825245236838258e0, 2.41780725177450611770e-1,
      2.27238449892691845833e-2, 7.74545014278341407640e-4 },
    { 1.0, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
      1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4,
      1.05075007164441684324e-9 },
    { 6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0,
      2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
      2.71155556874348757815e-5, 2.01033439929228813265e-7 },
    { 1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
      7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7,
      2.04426310338993978564e-15 },
};

/* AS 241 for the tails: -N^{-1}(p) for p < 0.075 from r = sqrt(-ln p). */
static double inv_norm_tail(double r)
{
    return r <= 5.0 ? mgn__as241_ratio(mgn__as241[2], mgn__as241[3], r - 1.6, 1.0)
                    : mgn__as241_ratio(mgn__as241[4], mgn__as241[5], r - 5.0, 1.0);
}

/* N^{-1}(p), 0 < p < 1 */
static double inv_norm_cdf(double p)
{
    const double q = p - 0.5;
    if (fabs(q) <= 0.425)
        return mgn__as241_ratio(mgn__as241[0], mgn__as241[1], 0.180625 - q * q, q);
    const double z = inv_norm_tail(sqrt(-log(q < 0.0 ? p : 1.0 - p)));
    return q < 0.0 ? -z : z;
}

/* ---------------------------------------------------------------- rational cubic */
/* Delbourgo & Gregory (1985): the rational cubic through (xl, yl), (xr, yr) with end
   slopes dl, dr and control parameter r (r = 3 is the cubic Hermite spline, r -> inf
   linear); the control parameter fitted to a second derivative at one end and raised
   to the minimum that preserves monotonicity and convexity (their eqs. 3.8, 3.18). */

#define RC_MIN (-(1.0 - 0x1p-26))                   /* -(1 - sqrt(eps)) */
#define RC_MAX (2.0 / (DBL_EPSILON * DBL_EPSILON))

static int is_tiny(double v) { return fabs(v) < DBL_MIN; }

/* xl < xr at every call: the interval is a branch of beta (0 < beta < b_l, b_l <= beta
   < b_c, b_u < beta < b_max, or b_c <= beta <= b_u with b_u - b_c > b_max / 50: s_u
   >= s_c + 1.25 and the vega on [s_c, s_u] is at least phi(sqrt(2 pi)) b_max). */
static double rc_eval(double x, double xl, double xr, double yl, double yr, double dl,
                      double dr, double r)
{
    const double h = xr - xl, t = (x - xl) * (1.0 / h);
    if (!(r >= RC_MAX)) {
        const double omt = 1.0 - t, t2 = t * t, omt2 = omt * omt;
        return (yr * t2 * t + (r * yr - h * dr) * t2 * omt + (r * yl + h * dl) * t * omt2
                + yl * omt2 * omt) / (1.0 + (r - 3.0) * t * omt);
    }
    return yr * t + yl * (1.0 - t);
}

static double rc_min_control(double dl, double dr, double s, int prefer_shape)
{
    const int monotonic = dl * s >= 0.0 && dr * s >= 0.0;
    const int convex = dl <= s && s <= dr, concave = dl >= s && s >= dr;
    double r1 = -DBL_MAX, r2 = -DBL_MAX;
    /* neither monotonic nor convex nor concave: r1 = r2 = -DBL_MAX, RC_MIN below */
    if (monotonic)
        r1 = !is_tiny(s) ? (dr + dl) / s : prefer_shape ? RC_MAX : r1;
    if (convex || concave) {
        const double drl = dr - dl, drs = dr - s, sdl = s - dl;
        if (!(is_tiny(sdl) || is_tiny(drs))) {
            const double u = fabs(drl / drs), v = fabs(drl / sdl);
            r2 = u > v ? u : v;
        } else if (prefer_shape) {
            r2 = RC_MAX;
        }
    } else if (monotonic && prefer_shape) {
        r2 = RC_MAX;
    }
    r1 = r1 > r2 ? r1 : r2;
    return r1 > RC_MIN ? r1 : RC_MIN;
}

/* Control parameter matching the second derivative d2 at the left (side = 0) or
   right (side = 1) end, but at least the shape-preserving minimum. */
static double rc_control(int side, double xl, double xr, double yl, double yr, double dl,
                         double dr, double d2, int prefer_shape)
{
    const double h = xr - xl, num = 0.5 * h * d2 + (dr - dl);
    const double slope = (yr - yl) / h;
    const double den = side == 0 ? slope - dl : dr - slope;
    double r;
    if (is_tiny(num))
        r = 0.0;
    else if (is_tiny(den))
        r = num > 0.0 ? RC_MAX : RC_MIN;
    else
        r = num / den;
    {
        const double rmin = rc_min_control(dl, dr, slope, prefer_shape);
        return r > rmin ? r : rmin;
    }
}

/* ---------------------------------------------------------------- branch maps */

/* Lowest branch: f = (2 pi/sqrt 27) |x| N(-z)^3, z = |x|/(sqrt(3) s), and its first two
   derivatives with respect to beta at s (Jaeckel 2015, eqs. 4.34-4.37), written with
   N(-z) = phi(z) Y(-z) so that nothing underflows prematurely. */
static void lower_map(double x, double s, double *f, double *fp, double *fpp)
{
    const double ax = fabs(x), is = 1.0 / s, z = SQRT_ONE_OVER_THREE * ax * is, y = z * z;
    const double s2 = s * s, Yz = mgn__norm_ratio(-z);
    const double ey = exp(0.5 * y), es = exp(0.125 * s2);   /* e^{y/2}, e^{s^2/8} */
    const double Phi = MGN_INV_SQRT_2PI * Yz / ey;          /* N(-z) */
    *fpp = PI_OVER_SIX * y * (is * is * is) * Yz * MGN_INV_SQRT_2PI
           * (8.0 * MGN_SQRT_3 * s * ax + (3.0 * s2 * (s2 - 8.0) - 8.0 * x * x) * Yz)
           * (ey * ey * ey) * (es * es);                    /* e^{3y/2 + s^2/4} */
    *fp = y * Yz * Yz * es;                                 /* 2 pi y N(-z)^2 e^{y + s^2/8} */
    *f = TWO_PI_OVER_SQRT_27 * ax * (Phi * Phi * Phi);
}

/* s from f: N(-|x|/(sqrt(3) s)) = p = cbrt(u), u = (3 sqrt 3 / (2 pi)) f / |x|; in the
   tail (p < 0.075) AS 241 needs only sqrt(-ln p) = sqrt(-ln(u)/3), no cube root.
   f > 0 (else the result is NaN, which the caller's bracket turns into s_left). */
static double lower_map_inverse(double x, double f)
{
    const double ax = fabs(x), u = MGN_THREE_SQRT3_OVER_2PI * f / ax;
    double z;
    if (u < 0.075 * 0.075 * 0.075) {
        const double lu = u >= DBL_MIN ? log(u) : log(MGN_THREE_SQRT3_OVER_2PI) + log(f) - log(ax);
        z = inv_norm_tail(sqrt(-lu * (1.0 / 3.0)));
    } else {
        z = -inv_norm_cdf(cbrt(u));
    }
    return ax / (MGN_SQRT_3 * fabs(z));
}

/* Highest branch: f = N(-s/2) and its derivatives with respect to beta. */
static void upper_map(double x, double s, double *f, double *fp, double *fpp)
{
    *f = mgn__norm_cdf(-0.5 * s);   /* lower tail: full relative accuracy */
    if (x == 0.0) {
        *fp = -0.5;
        *fpp = 0.0;
    } else {
        const double w = (x / s) * (x / s);
        *fp = -0.5 * exp(0.5 * w);
        *fpp = MGN_SQRT_PI_OVER_2 * exp(w + 0.125 * s * s) * w / s;
    }
}

/* ---------------------------------------------------------------- iteration */

/* Householder(3) factor: s_{n+1} = s_n + nu (1 + nu h2/2) / (1 + nu (h2 + nu h3/6)),
   nu = -g/g', h2 = g''/g', h3 = g'''/g'. */
static double hh3_factor(double nu, double h2, double h3)
{
    return (1.0 + 0.5 * h2 * nu) / (1.0 + nu * (h2 + h3 * nu * (1.0 / 6.0)));
}

typedef struct {
    double s, s_left, s_right;
    int done;                  /* 1 once a step was below IV_STEP_TOL */
} iv_state;

/* One bracketed step; returns 1 when converged. */
static int iv_step(iv_state *st, double ds)
{
    double s = st->s + ds;
    s = s < st->s_left ? st->s_left : s;
    s = s > st->s_right ? st->s_right : s;
    ds = s - st->s;
    st->s = s;
    st->done = fabs(ds) <= IV_STEP_TOL * s;
    return st->done;
}

/* b''/b' and b'''/b' of b(s) at fixed x (Jaeckel 2015, eqs. 4.8-4.9), from h = x/s, 1/s. */
static void black_h23(double h, double s, double is, double *h2, double *h3)
{
    const double hs = h * is;
    *h2 = h * hs - 0.25 * s;
    *h3 = *h2 * *h2 - 3.0 * hs * hs - 0.25;
}

/* (internal.h) Solves b(x, s) = beta for s > 0, x <= 0 finite, 0 < beta < bmax = e^{x/2}. */
int mgn__implied_vol_solve(double beta, double x, double bmax, double *s_out)
{
    const double sc = sqrt(-2.0 * x);
    const double vc = MGN_INV_SQRT_2PI * bmax;          /* b_s(x, s_c) */
    /* b(x, s_c) = b_s(x, s_c) D(-s_c/2, s_c/2): h = x/s_c = -s_c/2, b_s = e^{x/2}/sqrt(2 pi) */
    const double bc = x == 0.0 ? 0.0 : vc * mgn__nb_ratio(-0.5 * sc, 0.5 * sc);
    iv_state st = { 0.0, DBL_MIN, DBL_MAX, 0 };
    int it, branch = 0;                                  /* -1 lowest, +1 highest */

    /* |x| below 1e-20 with a root s below about 1e11 |x| (beta below about 4e10 |x|):
       there b(x, s) = s (phi(x/s) + (x/s) N(x/s)) (1 + O(|x| + s^2)), homogeneous of
       degree one, while the branch bounds (s_l ~ |x|, next to s_c = sqrt(2|x|)) are
       lost to rounding and b'''/b' ~ x^2/s^4 overflows. The problem scaled to
       x = -1e-20 has the same root times the scale, to that relative accuracy. */
    if (x < 0.0 && x > -1e-20) {
        const double scale = -1e-20 / x;
        if (beta * scale < 4e-10) {          /* scaled root below about 1e-9 */
            double s_scaled;
            const int status = mgn__implied_vol_solve(beta * scale, -1e-20, 1.0, &s_scaled);
            if (status == MGN_OK)
                *s_out = s_scaled / scale;
            return status;
        }
    }

    if (beta < bc) {
        const double sl = sc - bc / vc;
        double vl, bl;
        /* |x| below ~1e-30: s_l lost to rounding (possibly to a positive remainder);
           the root, above 1e11 |x| here, is in the middle branch */
        if (!(sl > 0.0) || x > -1e-30) {
            /* sc * beta alone may underflow to 0; b(x, s) <= s/sqrt(2 pi) makes this at
               least 2.5 beta >= 2.5 DBL_MIN, inside the bracket */
            st.s = sc * (beta / bc);
            st.s_right = sc;
            goto middle;
        }
        bl = mgn__nb_call_vega(x, sl, &vl);
        if (beta < bl) {
            double fl, fpl, fppl, f;
            lower_map(x, sl, &fl, &fpl, &fppl);
            {
                const double r = rc_control(1, 0.0, bl, 0.0, fl, 1.0, fpl, fppl, 1);
                f = rc_eval(beta, 0.0, bl, 0.0, fl, 1.0, fpl, r);
            }
            if (!(f > 0.0)) { /* quadratic through f(0) = 0, f'(0) = 1, f(b_l) */
                const double t = beta / bl;
                f = (fl * t + bl * (1.0 - t)) * t;
            }
            st.s = lower_map_inverse(x, f);
            st.s_right = sl;
            branch = -1;
        } else {
            const double r = rc_control(1, bl, bc, sl, sc, 1.0 / vl, 1.0 / vc, 0.0, 0);
            st.s = rc_eval(beta, bl, bc, sl, sc, 1.0 / vl, 1.0 / vc, r);
            st.s_left = sl;
            st.s_right = sc;
        }
    } else {
        const double su = sc + (bmax - bc) / vc;
        double vu;
        const double bu = mgn__nb_call_vega(x, su, &vu);
        if (beta <= bu) {
            const double r = rc_control(0, bc, bu, sc, su, 1.0 / vc, 1.0 / vu, 0.0, 0);
            st.s = rc_eval(beta, bc, bu, sc, su, 1.0 / vc, 1.0 / vu, r);
            st.s_left = sc > 0.0 ? sc : DBL_MIN;
            st.s_right = su;
        } else {
            double fu, fpu, fppu, f = -1.0;
            upper_map(x, su, &fu, &fpu, &fppu);
            if (fabs(fppu) < 0x1p+500) {
                const double r = rc_control(0, bu, bmax, fu, 0.0, fpu, -0.5, fppu, 1);
                f = rc_eval(beta, bu, bmax, fu, 0.0, fpu, -0.5, r);
            }
            if (!(f > 0.0)) { /* quadratic through f(b_u), f(b_max) = 0, f'(b_max) = -1/2 */
                const double h = bmax - bu, t = (beta - bu) / h;
                f = (fu * (1.0 - t) + 0.5 * h * t) * (1.0 - t);
            }
            st.s = -2.0 * inv_norm_cdf(f);
            st.s_left = su;
            if (beta > 0.5 * bmax)
                branch = 1;
        }
    }
    /* the guess is inside its branch but for rounding (or NaN) */
    st.s = st.s > st.s_left ? st.s : st.s_left;
    st.s = st.s < st.s_right ? st.s : st.s_right;

    if (branch < 0) {
        /* g = 1/ln b - 1/ln beta; with lambda = 1/ln b and the ratios of b, b', b'':
           nu = (ln beta - ln b) ln b / ln beta * b/b',
           h2 = b''/b' - b'/b (1 + 2 lambda),
           h3 = b'''/b' + (b'/b)^2 (2 + 6 lambda (1 + lambda)) - (b''/b) 3 (1 + 2 lambda).
           b = b' * (b/b'), ln b' in closed form, so nothing underflows. */
        const double ln_beta = log(beta), i_ln_beta = 1.0 / ln_beta;
        for (it = 0; it < IV_MAX_ITER; ++it) {
            const double s = st.s, is = 1.0 / s, h = x * is, t = 0.5 * s;
            const double bx = mgn__nb_ratio(h, t);
            const double ln_b = log(bx) - 0.5 * (h * h + t * t) - MGN_LN_SQRT_2PI;
            const double inv = 1.0 / (bx * ln_b), bpob = inv * ln_b, lambda = inv * bx;
            const double otl = 1.0 + 2.0 * lambda;
            double bh2, bh3;
            black_h23(h, s, is, &bh2, &bh3);
            {
                const double nu = (ln_beta - ln_b) * ln_b * i_ln_beta * bx;
                const double hh2 = bh2 - bpob * otl;
                const double hh3 = bh3 + bpob * bpob * (2.0 + 6.0 * lambda * (1.0 + lambda))
                                   - bh2 * bpob * 3.0 * otl;
                if (iv_step(&st, nu * hh3_factor(nu, hh2, hh3)))
                    break;
            }
        }
    } else if (branch > 0) {
        /* g = ln(b_max - beta) - ln(b_max - b), g' = b'/(b_max - b) =: gp,
           nu = -g/gp, h2 = b''/b' + gp, h3 = b'''/b' + gp (2 gp + 3 b''/b')
           (Jaeckel, reference implementation 2023), with
           (b_max - b)/b' = Y(-h-t) + Y(h-t) free of cancellation. */
        const double ln_beta_bar = log(bmax - beta);
        for (it = 0; it < IV_MAX_ITER; ++it) {
            const double s = st.s, is = 1.0 / s, h = x * is, t = 0.5 * s;
            const double cbx = mgn__norm_ratio(-(h + t)) + mgn__norm_ratio(h - t);
            const double gp = 1.0 / cbx;
            const double g = ln_beta_bar - (log(cbx) - 0.5 * (h * h + t * t) - MGN_LN_SQRT_2PI);
            double bh2, bh3;
            black_h23(h, s, is, &bh2, &bh3);
            {
                const double nu = -g * cbx;
                const double hh2 = bh2 + gp, hh3 = bh3 + gp * (2.0 * gp + 3.0 * bh2);
                if (iv_step(&st, nu * hh3_factor(nu, hh2, hh3)))
                    break;
            }
        }
    } else {
middle:
        /* g = b - beta: nu = (beta - b)/b', h2 = b''/b', h3 = b'''/b'. */
        for (it = 0; it < IV_MAX_ITER; ++it) {
            const double s = st.s, is = 1.0 / s;
            double v, bh2, bh3, ds;
            const double d = beta - mgn__nb_call_vega(x, s, &v);
            black_h23(x * is, s, is, &bh2, &bh3);
            /* nu (1 + nu h2/2) / (1 + nu (h2 + nu h3/6)) with nu = d/v, one division */
            if (v > 0x1p-500)
                ds = d * (v + 0.5 * bh2 * d) / (v * v + d * (bh2 * v + bh3 * d * (1.0 / 6.0)));
            else {
                const double nu = d / v;
                ds = nu * hh3_factor(nu, bh2, bh3);
            }
            if (!(fabs(ds) <= DBL_MAX)) {
                /* s below about 1e-154 (|x| tiny too): b''/b' ~ 1/s and b'''/b' ~ 1/s^2
                   overflow; the same step from nu h2 and nu^2 h3, which do not. */
                const double nu = d / v, h = x * is, w = nu * is;
                const double nh2 = w * h * h - 0.25 * s * nu;
                const double nh3 = nh2 * nh2 - 3.0 * (w * h) * (w * h) - 0.25 * nu * nu;
                ds = nu * (1.0 + 0.5 * nh2) / (1.0 + nh2 + nh3 * (1.0 / 6.0));
            }
            if (iv_step(&st, ds))
                break;
        }
    }
    if (!st.done || !(st.s > 0.0) || !(st.s < DBL_MAX))
        return MGN_ENOCONV;
    *s_out = st.s;
    return MGN_OK;
}

/* ---------------------------------------------------------------- money form */

/* (internal.h) The bounds and the normalised problem of valid arguments. theta = +1
   call, -1 put. */
int mgn__implied_vol_normalise(int theta, double S, double K, double T, double r, double q,
                               double price, double *beta_out, double *xo_out,
                               double *bmax_out, double *sigma)
{
    const double eq = exp(-q * T);
    const double A = S * eq, B = K * exp(-r * T);           /* S e^{-qT}, K e^{-rT} */
    const double upper = theta > 0 ? A : B;
    const double x = mgn__log_ratio(S, K) + mgn__carry_exponent(r, q, T);
    double lower = 0.0, tol = 0.0, tv;

    /* Bounds that overflow cannot be compared with the price (an infinite lower bound
       would pass as the price "at the lower bound", sigma = 0). */
    if (!(isfinite(A) && isfinite(B) && isfinite(x)))
        return MGN_ERANGE;
    if (!(price < upper))
        return MGN_ENOSOL;
    if (theta * x > 0.0) { /* in the money: the time value is the other type's price */
        /* the time value price - lower keeps its relative accuracy (internal.h) */
        lower = mgn__forward_intrinsic(theta, S, K, T, r, q, eq, A, B);
        if (lower < 0.0)
            lower = 0.0;
        /* IV_LB_ULPS ulps of max(A, B); an ulp is at least the smallest subnormal */
        tol = IV_LB_ULPS * fmax(DBL_EPSILON * (A > B ? A : B), 4.9406564584124654e-324);
    }
    tv = price - lower;
    if (tv < -tol)
        return MGN_ENOSOL;
    if (tv <= tol) {
        *sigma = 0.0;
        return MGN_OK;
    }
    const double xo = -fabs(x);          /* out-of-the-money call form */
    /* sqrt(A B); from S, K and the rates only where A or B is not a normal number
       (sqrt(S) sqrt(K) of subnormal S, K would itself be subnormal, imprecise) */
    const double norm = isnormal(A) && isnormal(B) ? sqrt(A) * sqrt(B)
                                                   : sqrt(S) * sqrt(K) * exp(-0.5 * (r + q) * T);
    /* e^{-|x|/2} from sqrt(S/K) e^{(r-q)T/2}, off the critical path of ln(S/K); from
       sqrt(A/B), the same value, where S/K is subnormal (a few significant bits);
       from x itself where both ratios are */
    const double ex2 = isnormal(S / K) ? sqrt(S / K) * exp(0.5 * (r - q) * T)
                     : isnormal(A / B) ? sqrt(A / B) : NAN;
    const double bmax = isnormal(ex2) ? (x < 0.0 ? ex2 : 1.0 / ex2) : exp(0.5 * xo);
    if (!(isfinite(xo) && norm > 0.0 && isfinite(norm) && isfinite(A) && isfinite(B)))
        return MGN_ERANGE;
    double beta = tv / norm;
    if (!(beta >= DBL_MIN)) { /* time value below the normal range: sigma = 0 to
                                 within an absolute DBL_MIN * norm of the price */
        *sigma = 0.0;
        return MGN_OK;
    }
    if (!(beta < bmax)) /* price within rounding of the upper bound */
        beta = bmax * (1.0 - DBL_EPSILON);
    *beta_out = beta;
    *xo_out = xo;
    *bmax_out = bmax;
    return MGN__IV_SOLVE;
}

/* (internal.h) */
int mgn__implied_vol_finish(double s, double T, double *sigma)
{
    s /= sqrt(T);
    if (!(s < DBL_MAX) || !(s >= DBL_MIN))  /* sigma overflows, or underflows (a total
                                               vol s > 0 over T near DBL_MAX) */
        return MGN_ERANGE;
    *sigma = s;
    return MGN_OK;
}

/* Valid arguments, theta = +1 call, -1 put: the three parts in turn. */
static int implied_vol_core(int theta, double S, double K, double T, double r, double q,
                            double price, double *sigma)
{
    double beta, xo, bmax, s;
    int status = mgn__implied_vol_normalise(theta, S, K, T, r, q, price, &beta, &xo, &bmax,
                                            sigma);
    if (status != MGN__IV_SOLVE)
        return status;
    status = mgn__implied_vol_solve(beta, xo, bmax, &s);
    if (status != MGN_OK)
        return status;
    return mgn__implied_vol_finish(s, T, sigma);
}

/* (internal.h) */
int mgn__implied_vol_args_ok(int type, double S, double K, double T, double r, double q,
                             double price)
{
    return (type == MGN_CALL || type == MGN_PUT) && isfinite(S) && S > 0.0 && isfinite(K)
        && K > 0.0 && isfinite(T) && T > 0.0 && isfinite(r) && isfinite(q) && isfinite(price)
        && price >= 0.0;
}

int mgn_implied_vol(mgn_option_type type, double S, double K, double T, double r, double q,
                    double price, double *sigma)
{
    if (sigma == NULL || !mgn__implied_vol_args_ok((int)type, S, K, T, r, q, price))
        return MGN_EINVAL;
    return implied_vol_core(type == MGN_CALL ? 1 : -1, S, K, T, r, q, price, sigma);
}

int mgn_black76_implied_vol(mgn_option_type type, double F, double K, double T, double r,
                            double price, double *sigma)
{
    /* Black-76 is BSM on S = F with q = r. */
    if (sigma == NULL || !mgn__implied_vol_args_ok((int)type, F, K, T, r, r, price))
        return MGN_EINVAL;
    return implied_vol_core(type == MGN_CALL ? 1 : -1, F, K, T, r, r, price, sigma);
}
