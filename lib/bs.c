/* European options: Black-Scholes-Merton, Black-76 and inverse (coin-settled) forms.
 *
 * Black-76 on F is BSM with S = F and q = r; only rho and dividend_rho differ (rho
 * holds F fixed). The price is evaluated out of the money and, in the money, through
 * put-call parity, so the intrinsic part never cancels. When the two normal terms
 * of the out-of-the-money price cancel (small sigma*sqrt(T), far wings), the
 * normalised Black function of lib/normblack.c takes over.
 *
 * Greeks in the generalised-BSM form with carry b = r - q (Haug, "The Complete Guide
 * to Option Pricing Formulas", 2nd ed., 2007, ch. 2.3).
 */
#include <float.h>
#include "internal.h"
#include "normal.h"

/* (internal.h) Out of line: inlined into the pricer it made the scalar price 4% slower
   (bench_pricing's options, 41 alternations). */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
double mgn__forward_intrinsic(int theta, double S, double K, double T, double r, double q,
                              double eq, double Sc, double Kr)
{
    double carry = mgn__carry_exponent(r, q, T);
    if (fabs(S - K) < 0.5 * K && fabs(carry) < 0.5)
        return theta * eq * ((S - K) - K * expm1(-carry));
    return theta * (Sc - Kr);
}

/* d1, d2 and the distance u of the larger normal term of side omega into its tail */
static inline double otm_distance(int omega, double x, double s, double *d1, double *d2)
{
    *d1 = x / s + 0.5 * s;
    *d2 = *d1 - s;
    double za = omega * *d1, zb = omega * *d2;
    return -(za > zb ? za : zb);
}

#define OTM_NEGLIGIBLE_U 37.0   /* N(-37) = 5.7e-300: nothing to 1e-300 of the notional */

/* Which form the out-of-the-money value takes its normal terms in, from the two
   distances |d1| and |d2| (in either order): the two values of N near the centre
   (both below MGN_NORM_CENTRE) and beyond the Mills ratio's table, the one density
   (shared_density_value) between. otm_value and mgn__bs_greeks ask it alike, so that
   their prices are the same bits. */
enum { TERMS_N, TERMS_SHARED };
static inline int terms_form(double a, double b)
{
    const int centre = a < MGN_NORM_CENTRE && b < MGN_NORM_CENTRE;
    const int in_table = a < MGN_MILLS_MAX && b < MGN_MILLS_MAX;     /* false for NaN */
    if (centre || !in_table)
        return TERMS_N;
    return TERMS_SHARED;
}

/* Normal terms a caller (mgn__bs_greeks) has already, so that the price it gets is the
   same bits as mgn__bs_price's without computing them twice: N(omega d1) and
   N(omega d2) where terms_form is TERMS_N, phi(|d1|), R(|d1|) and R(|d2|) where it is
   TERMS_SHARED. */
typedef struct {
    double n_a, n_b;            /* N(omega d1), N(omega d2) */
    double phi1, r1, r2;        /* phi(|d1|), R(|d1|), R(|d2|) */
} known_terms;

/* The out-of-the-money value v = omega (Sc N(omega d1) - Kr N(omega d2)) of side omega
   from one density. With P = Sc phi(d1) = Kr phi(d2), N(-a) = phi(a) R(a) for a >= 0
   (R = (1 - N) / phi the Mills ratio, lib/normal.h), u the larger term's distance into
   its tail and w = u + s the smaller's:
     u >= 0 (both terms in their tails):   v = P (R(u) - R(w)),
     u < 0 (d1 and d2 either side of 0):   v = C - P (R(-u) + R(w)),
   C = Sc for omega = 1, Kr for omega = -1: one exponential for both terms, where two
   values of N would take one each (the form of Jaeckel, "Let's Be Rational", Wilmott
   2015, sec. 2). Near the centre two erfc, which need no exponential, cost as much,
   and less where a book's branches repeat (the same book valued again): there
   otm_value uses N. Error: the rounding of the ratios (an ulp each), of P and of C,
   about 3 big eps absolute (big the larger term, C for u < 0), amplified by big / v
   where the terms cancel; and the rounding of d1 in phi(d1), about
   |d1| (2.5 |x| / s + 2 s) eps relative, which is common to both terms and so not
   amplified. Direct where that is within MGN_DIRECT_LIMIT eps of v
   or, in the money, small against the intrinsic part (as mgn__direct_ok_itm);
   otherwise the normalised Black function, whose exponent is exact in double-double.
   Out of the money with u > 0 the test is made before any exponential where
   big / v >= (1 + w^2) / (1 + s w) (otm_value below) already fails it.
   kt: the terms the caller has (phi1, r1, r2), or NULL. */
static double shared_density_value(int omega, double x, double s, double u, double w,
                                   double d1, double Sc, double Kr, double itm,
                                   const known_terms *kt)
{
    const double a1 = fabs(d1);
    const double x_s = d1 - 0.5 * s;                                    /* x / s */
    const double arg_err = 3.0 + a1 * (2.5 * fabs(x_s) + 2.0 * s);
    if (itm == 0 && u > 0
        && 3.0 * (1.0 + w * w) + arg_err * (1.0 + s * w) > MGN_DIRECT_LIMIT * (1.0 + s * w))
        return sqrt(Sc) * sqrt(Kr) * mgn__normalised_black(x, s, omega);
    /* |u| is |d1| for omega = 1 (w = |d2|), |d2| for omega = -1 (w = |d1|) */
    double P = Sc * (kt ? kt->phi1 : mgn__norm_pdf_exact(a1));
    if (!(P <= DBL_MAX))              /* Sc overflowed (S near DBL_MAX, q < 0): Kr phi(d2) */
        P = Kr * mgn__norm_pdf_exact(fabs(d1 - s));
    const double Ru = kt ? (omega > 0 ? kt->r1 : kt->r2) : mgn__mills(fabs(u));
    const double Rw = kt ? (omega > 0 ? kt->r2 : kt->r1) : mgn__mills(w);
    const double C = omega > 0 ? Sc : Kr, small = P * Rw;
    double big, v;
    if (u >= 0) {
        big = P * Ru;
        v = big - small;
    } else {
        big = C;
        v = C - (P * Ru + small);
    }
    const double err = 3.0 * big + arg_err * v;
    /* small below DBL_MIN has lost bits; an overflowing Sc or Kr gives NaN */
    if ((v > 0) & (small >= DBL_MIN)
        & ((err <= MGN_DIRECT_LIMIT * v) | ((itm > 0) & (err <= 400.0 * itm))))
        return v;
    return sqrt(Sc) * sqrt(Kr) * mgn__normalised_black(x, s, omega);
}

/* Value of the out-of-the-money side omega for log-forward-moneyness x, total vol s,
   discounted spot Sc = S e^{-qT} and discounted strike Kr = K e^{-rT}: the form above
   wherever both distances are inside the Mills ratio's table but not both near the
   centre; there, and beyond the table (s above about 26), its two terms
   Sc N(omega d1) and Kr N(omega d2) from N. Their cancellation big / v is at least
   (1 + (u+s)^2) / (1 + s (u+s)) for u > 0 (z/(1+z^2) < R(z) < 1/z,
   Abramowitz-Stegun 7.1.13); where that already rules the direct formula out, the
   normalised Black function is used without evaluating it first. Where the larger
   term is below 1e-300 of the notional the value is 0 to that accuracy. itm: the
   in-the-money part the value is added to (0 out of the money). kt as above. */
static double otm_value(int omega, double x, double s, double Sc, double Kr, double itm,
                        const known_terms *kt)
{
    double d1, d2;
    double u = otm_distance(omega, x, s, &d1, &d2);
    double za = omega * d1, zb = omega * d2;
    if (u > OTM_NEGLIGIBLE_U)
        return 0.0;
    double w = -(za < zb ? za : zb);          /* the smaller term's distance, u + s */
    if (terms_form(fabs(u), w) == TERMS_SHARED)      /* {|u|, w} = {|d1|, |d2|} */
        return shared_density_value(omega, x, s, u, w, d1, Sc, Kr, itm, kt);
    if (u > 0 && itm == 0) {
        if ((1.0 + u * u) * (1.0 + w * w) > MGN_DIRECT_LIMIT * (1.0 + s * w))
            return sqrt(Sc) * sqrt(Kr) * mgn__normalised_black(x, s, omega);
    }
    double na = kt ? kt->n_a : mgn__norm_cdf(za);
    double nb = kt ? kt->n_b : mgn__norm_cdf(zb);
    double a = Sc * na;
    double b = Kr * nb;
    double v = omega * (a - b);
    double big = a > b ? a : b;
    /* A normal term below DBL_MIN has lost precision (or underflowed to 0) while the
       other factor, at K/S far outside any market, may still make its product
       matter: the direct value is then not trusted. */
    if (mgn__direct_ok(big, v, d1) && na >= DBL_MIN && nb >= DBL_MIN)
        return v;
    if (itm > 0 && mgn__direct_ok_itm(big, v, d1, itm) && na >= DBL_MIN && nb >= DBL_MIN)
        return v;
    /* sqrt(Sc Kr) e^{...} written so that it cannot overflow in the product. */
    return sqrt(Sc) * sqrt(Kr) * mgn__normalised_black(x, s, omega);
}

/* max(v, 0) that keeps a NaN (fmax would turn the inf - inf of overflowing S e^{-qT}
   and K e^{-rT} into a price of 0; the NaN makes the caller report MGN_ERANGE) and
   gives +0, not -0, for v = -0. */
static double max0_keep_nan(double v)
{
    return v > 0 ? v : (isnan(v) ? v : 0.0);
}

/* Did S e^{-qT} or K e^{-rT} overflow in its factor e^{-aT} (-a T above ln DBL_MAX)
   although the product is a double (a subnormal spot or strike over a long life)? The
   value would then be computed from an infinite part (an in-the-money put came out as
   0), so mgn__bs_price reports the overflow it is. Asked only where Sc or Kr is
   infinite, after the value: out of line and at the end, the test costs the scalar
   pricer nothing measurable; at the start, before the exponentials, it cost 10%
   (bench_pricing, 8 ns). */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline, cold))
#endif
static int factor_overflowed(double S, double K, double T, double r, double q)
{
    return (-q * T > MGN_LOG_DBL_MAX && log(S) - q * T < MGN_LOG_DBL_MAX)
           || (-r * T > MGN_LOG_DBL_MAX && log(K) - r * T < MGN_LOG_DBL_MAX);
}

/* Sc = S e^{-qT} or Kr = K e^{-rT} infinite through its factor alone (above) */
static inline int infinite_part(double S, double K, double T, double r, double q, double Sc,
                                double Kr)
{
    return !(Sc <= DBL_MAX && Kr <= DBL_MAX) && factor_overflowed(S, K, T, r, q);
}


/* The price once x = ln(F/K), s = sigma sqrt(T) > 0 or 0, e^{-qT}, S e^{-qT} and
   K e^{-rT} are known (mgn__bs_price and mgn__bs_greeks compute them alike); kt as for
   otm_value. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline))  /* a call here costs the pricer what its early exit saves */
#endif
static inline double price_from_parts(int theta, double S, double K, double T, double r,
                                      double q, double x, double s, double eq, double Sc,
                                      double Kr, const known_terms *kt)
{
    double itm = theta * x > 0
                     ? max0_keep_nan(mgn__forward_intrinsic(theta, S, K, T, r, q, eq, Sc, Kr))
                     : 0.0;
    double v = itm;
    if (s != 0) {
        int omega = theta * x > 0 ? -theta : theta;  /* the out-of-the-money side */
        v = otm_value(omega, x, s, Sc, Kr, itm, kt) + itm;
        /* Never above the no-arbitrage bound S e^{-qT} (call) or K e^{-rT} (put): the
           two parts can round past it, next to DBL_MAX even to infinity. (A NaN stays.) */
        double cap = theta > 0 ? Sc : Kr;
        v = v > cap ? cap : v;
    }
    if (infinite_part(S, K, T, r, q, Sc, Kr))
        return NAN;
    return v;
}

double mgn__bs_price(int type, double S, double K, double T, double r, double q, double sigma)
{
    int theta = type == MGN_CALL ? 1 : -1;
    if (T == 0) {
        double v = theta * (S - K);
        return v > 0 ? v : 0.0;
    }
    double x = mgn__log_ratio(S, K) + mgn__carry_exponent(r, q, T);     /* ln(F/K) */
    double s = sigma * sqrt(T);
    /* Far out of the money the value is 0 whatever the discount factors, unless one of
       them overflows (then the full path reports it): decided before the exponentials,
       which short-dated options far from the strike would otherwise pay for nothing. */
    double d1, d2;
    if (s != 0 && !(theta * x > 0) && otm_distance(theta, x, s, &d1, &d2) > OTM_NEGLIGIBLE_U
        && -q * T <= MGN_LOG_DBL_MAX && -r * T <= MGN_LOG_DBL_MAX)
        return 0.0;
    double eq = exp(-q * T);
    return price_from_parts(theta, S, K, T, r, q, x, s, eq, S * eq, K * exp(-r * T), NULL);
}

static int all_finite(const mgn_greeks *g)
{
    return isfinite(g->price) && isfinite(g->delta) && isfinite(g->gamma) && isfinite(g->vega)
        && isfinite(g->theta) && isfinite(g->rho) && isfinite(g->dividend_rho)
        && isfinite(g->vanna) && isfinite(g->volga) && isfinite(g->charm);
}

int mgn__bs_greeks(int type, double S, double K, double T, double r, double q, double sigma,
                   mgn_greeks *g)
{
    int theta = type == MGN_CALL ? 1 : -1;
    mgn_greeks o = {0};
    if (T == 0) {                     /* the payoff itself (a convention, no limit) */
        double v = theta * (S - K);
        o.price = v > 0 ? v : 0.0;
        o.delta = S == K ? 0.5 * theta : (v > 0 ? theta : 0.0);
        *g = o;
        return MGN_OK;
    }
    double eq = exp(-q * T), er = exp(-r * T);
    double Sc = S * eq, Kr = K * er;
    double x = mgn__log_ratio(S, K) + mgn__carry_exponent(r, q, T);
    double s = sigma * sqrt(T);
    if (s == 0) {                     /* sigma -> 0+: deterministic forward payoff */
        if (x == 0)
            return MGN_ERANGE;        /* gamma is a Dirac mass at F == K */
        if (theta * x > 0) {
            o.price = max0_keep_nan(mgn__forward_intrinsic(theta, S, K, T, r, q, eq, Sc, Kr));
            o.delta = theta * eq;
            o.theta = -theta * (-q * Sc + r * Kr);
            o.rho = theta * T * Kr;
            o.dividend_rho = -theta * T * Sc;
            o.charm = theta * q * eq;
        }
        if (!all_finite(&o) || infinite_part(S, K, T, r, q, Sc, Kr))
            return MGN_ERANGE;
        *g = o;
        return MGN_OK;
    }
    double sqT = sqrt(T);
    double d1 = x / s + 0.5 * s, d2 = d1 - s;
    /* One normal tail per d, t = N(-|d|), gives N(theta d): t for theta d <= 0, 1 - t
       (at least 1/2, so accurate) above; and the price takes its normal terms from
       here (known_terms): the same bits as mgn__bs_price's, none computed twice. */
    const int omega = theta * x > 0 ? -theta : theta;
    const double a1 = fabs(d1), a2 = fabs(d2);
    double n1, t1, t2;
    known_terms kt = { 0, 0, 0, 0, 0 };
    if (terms_form(a1, a2) == TERMS_N) {
        t1 = mgn__norm_cdf_pdf(-a1, &n1);
        t2 = mgn__norm_cdf(-a2);
        kt.n_a = omega * d1 > 0 ? 1.0 - t1 : t1;
        kt.n_b = omega * d2 > 0 ? 1.0 - t2 : t2;
    } else {                          /* t = phi(|d|) R(|d|) (lib/normal.h) */
        n1 = mgn__norm_pdf_exact(a1);
        kt.phi1 = n1;
        kt.r1 = mgn__mills(a1);
        kt.r2 = mgn__mills(a2);
        t1 = n1 * kt.r1;
        /* phi(d2) = phi(d1) Sc / Kr, or its own exponential where that ratio is not
           made of normal numbers */
        const double P = Sc * n1;
        double n2 = P / Kr;
        if (!(P >= DBL_MIN && n2 >= DBL_MIN && n2 <= DBL_MAX))
            n2 = mgn__norm_pdf_exact(a2);
        t2 = n2 * kt.r2;
    }
    const double N1 = theta * d1 > 0 ? 1.0 - t1 : t1, N2 = theta * d2 > 0 ? 1.0 - t2 : t2;
    o.price = price_from_parts(theta, S, K, T, r, q, x, s, eq, Sc, Kr, &kt);
    o.delta = theta * eq * N1;
    o.gamma = eq * n1 / s / S;   /* not / (S * s): that product underflows to 0 for a
                                    subnormal S, and 0 / 0 would fail a zero gamma */
    o.vega = Sc * n1 * sqT;
    o.theta = -Sc * n1 * sigma / (2 * sqT) + theta * (q * Sc * N1 - r * Kr * N2);
    o.rho = theta * T * Kr * N2;
    o.dividend_rho = -theta * T * Sc * N1;
    o.vanna = -eq * n1 * d2 / sigma;
    o.volga = o.vega * d1 * d2 / sigma;
    /* charm = -d(delta)/dT, with d(d1)/dT = b/(sigma sqrt T) - d2/(2T), b = r - q */
    o.charm = theta * q * eq * N1 - eq * n1 * ((r - q) / (sigma * sqT) - d2 / (2 * T));
    if (!all_finite(&o) || infinite_part(S, K, T, r, q, Sc, Kr))
        return MGN_ERANGE;            /* (as mgn__bs_price) */
    *g = o;
    return MGN_OK;
}

/*---------------------------------------------------------------- public */

int mgn_bs_price(mgn_option_type type, double S, double K, double T, double r, double q,
                 double sigma, double *price)
{
    if (!price || !mgn__euro_args_ok((int)type, S, K, T, r, q, sigma))
        return MGN_EINVAL;
    double v = mgn__bs_price((int)type, S, K, T, r, q, sigma);
    if (!isfinite(v))
        return MGN_ERANGE;
    *price = v;
    return MGN_OK;
}

int mgn_bs_greeks(mgn_option_type type, double S, double K, double T, double r, double q,
                  double sigma, mgn_greeks *out)
{
    if (!out || !mgn__euro_args_ok((int)type, S, K, T, r, q, sigma))
        return MGN_EINVAL;
    return mgn__bs_greeks((int)type, S, K, T, r, q, sigma, out);
}

int mgn_black76_price(mgn_option_type type, double F, double K, double T, double r,
                      double sigma, double *price)
{
    return mgn_bs_price(type, F, K, T, r, r, sigma, price);
}

int mgn_black76_greeks(mgn_option_type type, double F, double K, double T, double r,
                       double sigma, mgn_greeks *out)
{
    mgn_greeks g;
    if (!out || !mgn__euro_args_ok((int)type, F, K, T, r, r, sigma))
        return MGN_EINVAL;
    int st = mgn__bs_greeks((int)type, F, K, T, r, r, sigma, &g);
    if (st != MGN_OK)
        return st;
    /* With F held fixed, d/dr acts only on the discount factor: rho = -T V. */
    g.rho = -T * g.price;
    g.dividend_rho = 0.0;
    if (!isfinite(g.rho))       /* T V overflows */
        return MGN_ERANGE;
    *out = g;
    return MGN_OK;
}

int mgn_inverse_price(mgn_option_type type, double S, double K, double T, double r, double q,
                      double sigma, double *price_coin)
{
    double v;
    if (!price_coin)
        return MGN_EINVAL;
    int st = mgn_bs_price(type, S, K, T, r, q, sigma, &v);
    if (st != MGN_OK)
        return st;
    v /= S;
    if (!isfinite(v))   /* S so small (subnormal) that the coin value overflows */
        return MGN_ERANGE;
    *price_coin = v;
    return MGN_OK;
}

int mgn_inverse_greeks(mgn_option_type type, double S, double K, double T, double r, double q,
                       double sigma, mgn_greeks *out)
{
    mgn_greeks g, c;
    if (!out)
        return MGN_EINVAL;
    int st = mgn_bs_greeks(type, S, K, T, r, q, sigma, &g);
    if (st != MGN_OK)
        return st;
    /* Derivatives of V/S: the quotient rule in S, plain division elsewhere. The value
       divided as mgn_inverse_price divides it: the same bits. */
    double iS = 1.0 / S;
    c.price = g.price / S;
    c.delta = (g.delta - c.price) * iS;
    c.gamma = (g.gamma - 2.0 * c.delta) * iS;
    c.vega = g.vega * iS;
    c.theta = g.theta * iS;
    c.rho = g.rho * iS;
    c.dividend_rho = g.dividend_rho * iS;
    c.vanna = (g.vanna - c.vega) * iS;
    c.volga = g.volga * iS;
    c.charm = (g.charm - c.theta) * iS;
    if (!all_finite(&c))
        return MGN_ERANGE;
    *out = c;
    return MGN_OK;
}
