/*
 * Fuzz target: implied volatility, mgn_implied_vol and mgn_black76_implied_vol.
 *
 * Two decodings of the price: (a) a raw, possibly hostile value; (b) the price
 * mgn_bs_price (mgn_black76_price) gives for a decoded sigma, so that a vol exists.
 * Contract:
 *   - a documented status, never MGN_ENOCONV ("never expected"); NULL sigma is
 *     MGN_EINVAL;
 *   - MGN_OK gives a finite sigma >= 0 that re-prices to the given price within the
 *     header's accuracy (sigma within 1e-12 relative, or a price within a few ulps:
 *     here 1e-12 of the price, the pricer's own accuracy, plus 1e-12 sigma vega and
 *     the documented rounding of the lower bound), where S, K, S e^{-qT}, K e^{-rT}
 *     are normal numbers (the pricer is the reference); in mode (b) where the price
 *     carries the information (vega * sigma at least 1% of the price) sigma itself
 *     within 1e-9 relative;
 *   - in mode (b) the status is MGN_OK unless the price reaches the upper bound
 *     (MGN_ENOSOL), T == 0 (MGN_EINVAL) or the normalised form or sigma over- or
 *     underflows (MGN_ERANGE); in both modes MGN_ENOSOL only outside the bounds;
 *   - a failure leaves sigma untouched; a second call gives the same bits.
 */
#include "fuzz.h"

static int call_iv(int b76, int type, double S, double K, double T, double r, double q,
                   double price, double *sigma)
{
    if (b76)
        return mgn_black76_implied_vol((mgn_option_type)type, S, K, T, r, price, sigma);
    return mgn_implied_vol((mgn_option_type)type, S, K, T, r, q, price, sigma);
}

static int call_price(int b76, int type, double S, double K, double T, double r, double q,
                      double sigma, double *price)
{
    if (b76)
        return mgn_black76_price((mgn_option_type)type, S, K, T, r, sigma, price);
    return mgn_bs_price((mgn_option_type)type, S, K, T, r, q, sigma, price);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = fz_init(data, size);
    unsigned sel = fz_u8(&in);
    int b76 = (int)(sel & 1u);
    int from_sigma = (sel & 2u) != 0;     /* mode (b) */
    int null_sigma = (sel & 0xF0u) == 0xF0u;
    int type = fz_int(&in, 0, 1);
    double S = fz_pos(&in, 1e-2, 1e5);
    double K = fz_u8(&in) < 192 ? S * fz_pos(&in, 0.2, 5.0) : fz_pos(&in, 1e-2, 1e5);
    double T = fz_u8(&in) < 8 ? 0.0 : fz_pos(&in, 1.0 / 365.0, 30.0);
    double r = fz_real(&in, -0.02, 0.15);
    double q = b76 ? r : fz_real(&in, -0.05, 0.20);
    double sigma0 = NAN, price;
    if (from_sigma) {
        sigma0 = fz_u8(&in) < 8 ? 0.0 : fz_pos(&in, 1e-3, 5.0);
        if (call_price(b76, type, S, K, T, r, q, sigma0, &price) != MGN_OK)
            return 0;   /* no price to invert */
    } else {
        price = fz_pos(&in, 1e-10, 1e5);
    }

    FZ_LOG("b76 %d mode %c type %d S %.17g K %.17g T %.17g r %.17g q %.17g sigma0 %.17g "
           "price %.17g\n", b76, from_sigma ? 'b' : 'a', type, S, K, T, r, q, sigma0, price);

    double sigma, sigma2;
    FZ_FILL(&sigma, sizeof sigma);
    FZ_FILL(&sigma2, sizeof sigma2);
    if (null_sigma) {
        FZ_ASSERT(call_iv(b76, type, S, K, T, r, q, price, NULL) == MGN_EINVAL);
        return 0;
    }
    int st = call_iv(b76, type, S, K, T, r, q, price, &sigma);
    FZ_LOG("status %d sigma %.17g\n", st, st == MGN_OK ? sigma : NAN);
    FZ_STATUS(st);
    FZ_ASSERT(st != MGN_ENOCONV);
    FZ_ASSERT(call_iv(b76, type, S, K, T, r, q, price, &sigma2) == st);
    if (st != MGN_OK) {
        FZ_ASSERT(fz_untouched(&sigma, sizeof sigma) && fz_untouched(&sigma2, sizeof sigma2));
    } else {
        FZ_ASSERT(isfinite(sigma) && sigma >= 0.0);
        FZ_ASSERT(fz_same_bits(&sigma, &sigma2, sizeof sigma));
    }

    /* the bounds of the header, to judge the statuses of mode (b) and the round trip */
    double A = S * exp(-q * T), B = K * exp(-r * T);
    double upper = type == MGN_CALL ? A : B;
    double norm = sqrt(S) * sqrt(K) * exp(-0.5 * (r + q) * T);
    int overflow = !(isfinite(A) && isfinite(B) && isfinite(norm) && norm > 0.0
                     && isfinite(log(S) - log(K) + (r - q) * T));

    double intrinsic = fmax(type == MGN_CALL ? A - B : B - A, 0.0);
    /* in the money: theta x > 0, x = ln(S/K) + (r - q) T, ln(S/K) exact near the money */
    double x = (fabs(S - K) < 0.5 * K ? log1p((S - K) / K) : log(S) - log(K)) + (r - q) * T;
    int itm = (type == MGN_CALL ? x : -x) > 0.0;
    /* rounding of the bounds: a few ulps of max(A, B) (at least subnormal ones), the
       rounding of q T and r T carried into A and B by the exponential (|q T| ulps of A:
       460 ulps at q T = 460, where A - B cancels), and S DBL_MIN (K DBL_MIN) where
       e^{-qT} (e^{-rT}) is not a normal number */
    double bound_tol = 8.0 * DBL_EPSILON * fmax(A, B) + 8.0 * 4.9406564584124654e-324
                     + 2.0 * DBL_EPSILON * (fabs(q * T) * A + fabs(r * T) * B)
                     + (isnormal(exp(-q * T)) ? 0.0 : S * DBL_MIN)
                     + (isnormal(exp(-r * T)) ? 0.0 : K * DBL_MIN);
    /* no solution only outside the bounds; a solution only inside them */
    if (st == MGN_ENOSOL)
        FZ_ASSERT(price >= upper * (1.0 - 1e-12) || price <= intrinsic + bound_tol);
    if (st == MGN_OK)
        FZ_ASSERT(price < upper * (1.0 + 1e-12) + bound_tol && price >= intrinsic - bound_tol);
    if (from_sigma) {
        if (T == 0.0)
            FZ_ASSERT(st == MGN_EINVAL);
        else if (st == MGN_ENOSOL)
            FZ_ASSERT(price >= upper * (1.0 - 1e-12));
        else if (st == MGN_ERANGE)    /* or a sigma near underflow */
            FZ_ASSERT(overflow || A == 0.0 || B == 0.0 || sigma0 < 1e8 * DBL_MIN);
        else
            FZ_ASSERT(st == MGN_OK);
    }
    if (st != MGN_OK)
        return 0;

    /* round trip: the sigma found re-prices to the given price */
    double back;
    int sb = call_price(b76, type, S, K, T, r, q, sigma, &back);
    FZ_LOG("re-priced %d %.17g (diff %.3g)\n", sb, back, back - price);
    FZ_ASSERT(sb == MGN_OK);
    /* the pricer's 1e-12 (and its 0 for values below 1e-299 of the notional), the
       solver's 1e-12 in sigma (1e-12 sigma vega in price), the rounding of an
       in-the-money lower bound, the solver's DBL_MIN * norm floor, a few units of
       the subnormal range, and the rounding of q T and r T in the pricer's A and B
       (as bound_tol: the solver takes ln(F/K) = ln(S/K) + (r - q) T without it, so
       where |q T| is in the hundreds the two see forwards 1e-13 apart) */
    /* sigma vega = S e^{-qT} phi(d1) sigma sqrt(T), in an order that does not overflow */
    double total_vol = sigma * sqrt(T), d1 = x / total_vol + 0.5 * total_vol;
    double sigma_vega = total_vol > 0.0 ? A * (exp(-0.5 * d1 * d1) * 0.3989422804014327 * total_vol)
                                        : 0.0;
    double tol = 1e-12 * price + 1e-12 * sigma_vega
               + (itm ? 8.0 * DBL_EPSILON * fmax(A, B) : 0.0)
               + (back == 0.0 ? 1e-299 * fmax(A, B) : 0.0) + DBL_MIN * norm
               + 4.0 * 4.9406564584124654e-324
               + 2.0 * DBL_EPSILON * (fabs(q * T) * A + fabs(r * T) * B);
    /* Only where S, K, e^{-qT}, e^{-rT} and their products are normal numbers:
       otherwise the pricer used as the reference works with an underflowed exponential
       or with subnormals of a few significant bits (it only promises 1e-12 * max(S, K)
       absolute), and a price of a few subnormal units cannot be matched to any relative
       accuracy. */
    int pricer_exact = isnormal(A) && isnormal(B) && isnormal(S) && isnormal(K)
                       && isnormal(exp(-q * T)) && isnormal(exp(-r * T));
    if (pricer_exact)
        FZ_ASSERT(fabs(back - price) <= tol);

    /* mode (b), a well-conditioned price: sigma itself. Not for normalised prices
       near the underflow threshold: below DBL_MIN * norm the solver documents
       sigma = 0 (to within that absolute amount of the price); nor for subnormal
       prices, which carry fewer than 53 bits; nor for an in-the-money time value
       within the rounding of the lower bound (a few ulps of max(A, B)), which is a
       price "equal to the lower bound", sigma = 0. */
    int above_bound = !itm || price - intrinsic > 64.0 * DBL_EPSILON * fmax(A, B);
    if (from_sigma && sigma0 > 0.0 && price > 1e-300 * norm && price >= 1e-290 && above_bound
        && pricer_exact) {
        mgn_greeks g;
        int sg = b76 ? mgn_black76_greeks((mgn_option_type)type, S, K, T, r, sigma0, &g)
                     : mgn_bs_greeks((mgn_option_type)type, S, K, T, r, q, sigma0, &g);
        if (sg == MGN_OK && price > 0.0 && g.vega * sigma0 >= 0.01 * price) {
            FZ_LOG("vega %.17g sigma diff %.3g\n", g.vega, (sigma - sigma0) / sigma0);
            FZ_ASSERT(fabs(sigma - sigma0) <= 1e-9 * sigma0);
        }
    }
    return 0;
}
