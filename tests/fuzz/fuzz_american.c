/*
 * Fuzz target: the American pricer, mgn_american_price.
 *
 * Contract (include/margin.h, "American options": domain and edge cases as
 * mgn_bs_price):
 *   - a documented status: MGN_OK, MGN_EINVAL exactly where mgn_bs_price gives it
 *     (plus a NULL price), or MGN_ERANGE for an overflow;
 *   - MGN_OK gives a finite price, at least the intrinsic value, at least the
 *     European price (mgn_bs_price) less 1e-12 relative, and at most the value of
 *     receiving the underlying (call: S max(1, e^{-qT})) or the strike (put:
 *     K max(1, e^{-rT})) at the best time, within the pricer's 1e-6 accuracy;
 *   - one input in four: the call-put symmetry C(S, K, r, q) = P(K, S, q, r) the
 *     pricer is built on, within 1e-9 relative (and 16 subnormal units);
 *   - at least the value at sigma = 0 (Jensen: exercising at a fixed time t is worth
 *     at least its deterministic value) and, in the documented domain but for any
 *     sigma <= 2, at most that plus 2 X m sqrt(e^{sigma^2 T} - 1), X = max(S, K),
 *     m = max(1, e^{-rT}, e^{-qT}) (the discounted payoff moves by at most
 *     X m |e^{sigma W_t - sigma^2 t/2} - 1| from its deterministic path; Doob's L2
 *     inequality bounds the mean of that supremum), within the pricer's accuracy;
 *   - in the documented domain, with a rate or carry within 1e-3 of 0: the value at
 *     0 instead, within the Lipschitz bound |V(r) - V(0)| <= |r| T X max(1, e^{-r T})
 *     (X the strike of the put of the symmetry; for the carry the same with q) and the
 *     pricer's accuracy (1e-6 relative, 1e-7 X absolute) on both prices;
 *   - a failure leaves the output untouched; one input in four (other bits of the
 *     selector than the symmetry's): a second call gives the same bits.
 * Speed: the pricer takes microseconds (tens in drift-dominated cases), so the
 * domain is the documented one (T up to 10 years, sigma up to 2) most of the time.
 * Outside it (rates or carries of 1e300, volatilities in the millions, T of
 * millennia) a price can take milliseconds, and those inputs set the pace of a
 * campaign: the second call, which every other target makes on every input, would
 * add half again to each execution, so it samples as the symmetry does.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = fz_init(data, size);
    unsigned sel = fz_u8(&in);
    int null_price = (sel & 0xF0u) == 0xF0u;
    int check_symmetry = (sel & 3u) == 0u;
    int check_repeat = (sel & 0x0Cu) == 0u;
    int type = fz_int(&in, 0, 1);
    double S = fz_pos(&in, 1e-2, 1e5);
    double K = fz_u8(&in) < 192 ? S * fz_pos(&in, 0.5, 2.0) : fz_pos(&in, 1e-2, 1e5);
    double T = fz_u8(&in) < 16 ? 0.0 : fz_pos(&in, 1e-3, 10.0);
    double r = fz_real(&in, -0.02, 0.15);
    double q = fz_real(&in, -0.05, 0.20);
    double sigma = fz_u8(&in) < 16 ? 0.0 : fz_pos(&in, 1e-2, 2.0);

    FZ_LOG("type %d S %.17g K %.17g T %.17g r %.17g q %.17g sigma %.17g\n", type, S, K, T, r,
           q, sigma);

    if (null_price) {
        FZ_ASSERT(mgn_american_price((mgn_option_type)type, S, K, T, r, q, sigma, NULL)
                  == MGN_EINVAL);
        return 0;
    }
    double price, price2;
    FZ_FILL(&price, sizeof price);
    FZ_FILL(&price2, sizeof price2);
    int st = mgn_american_price((mgn_option_type)type, S, K, T, r, q, sigma, &price);
    FZ_LOG("status %d price %.17g\n", st, st == MGN_OK ? price : NAN);
    FZ_STATUS(st);
    FZ_ASSERT(st == MGN_OK || st == MGN_EINVAL || st == MGN_ERANGE);

    double euro;
    int se = mgn_bs_price((mgn_option_type)type, S, K, T, r, q, sigma, &euro);
    FZ_ASSERT((st == MGN_EINVAL) == (se == MGN_EINVAL));
    /* a European value that overflows bounds the American from below: no MGN_OK */
    FZ_ASSERT(se != MGN_ERANGE || st == MGN_ERANGE);

    if (check_repeat)
        FZ_ASSERT(mgn_american_price((mgn_option_type)type, S, K, T, r, q, sigma, &price2)
                  == st);
    if (st != MGN_OK) {
        FZ_ASSERT(fz_untouched(&price, sizeof price) && fz_untouched(&price2, sizeof price2));
        return 0;
    }
    FZ_ASSERT(!check_repeat || fz_same_bits(&price, &price2, sizeof price));
    FZ_ASSERT(isfinite(price) && price >= 0.0);

    double intrinsic = type == MGN_CALL ? S - K : K - S;
    FZ_ASSERT(price >= intrinsic);
    if (se == MGN_OK) {
        FZ_LOG("european %.17g\n", euro);
        FZ_ASSERT(price >= euro - 1e-12 * euro);
    }
    double cap = type == MGN_CALL ? S * fmax(1.0, exp(-q * T)) : K * fmax(1.0, exp(-r * T));
    FZ_ASSERT(price <= cap * (1.0 + 1e-6));

    /* the documented domain of the accuracy promise (and the same for any sigma) */
    int in_domain_any_sigma = S >= 1e-2 && S <= 1e5 && K >= 1e-2 && K <= 1e5 && K / S >= 0.2
                              && K / S <= 5 && T > 0 && T <= 10 && sigma <= 2
                              && fabs(r) <= 0.2 && fabs(q) <= 0.25;
    int in_domain = in_domain_any_sigma && sigma >= 1e-2;
    double det;
    int sd = mgn_american_price((mgn_option_type)type, S, K, T, r, q, 0.0, &det);
    FZ_LOG("at sigma = 0: %d %.17g\n", sd, sd == MGN_OK ? det : NAN);
    FZ_ASSERT(sd == MGN_OK || sd == MGN_ERANGE);
    if (sd == MGN_OK) {
        FZ_ASSERT(price >= det);
        if (in_domain_any_sigma) {
            double X = fmax(S, K), m = fmax(1.0, fmax(exp(-r * T), exp(-q * T)));
            FZ_ASSERT(price <= det + 2 * X * m * sqrt(expm1(sigma * sigma * T))
                                   + 1e-6 * price + 1e-7 * X);
        }
    }
    for (int which = 0; which < 2 && in_domain; which++) {
        double x = which == 0 ? r : q, at0;
        if (!(x != 0 && fabs(x) <= 1e-3))
            continue;
        int s0 = mgn_american_price((mgn_option_type)type, S, K, T, which == 0 ? 0.0 : r,
                                    which == 0 ? q : 0.0, sigma, &at0);
        FZ_LOG("at zero %s: %d %.17g\n", which == 0 ? "rate" : "carry", s0,
               s0 == MGN_OK ? at0 : NAN);
        FZ_ASSERT(s0 == MGN_OK);
        double X = fmax(S, K), dr = fabs(x) * T * X * fmax(1.0, exp(fabs(x) * T));
        FZ_ASSERT(fabs(price - at0) <= dr + 1e-6 * (price + at0) + 2e-7 * X);
    }

    if (check_symmetry) {
        double mirror;
        int sm = mgn_american_price(type == MGN_CALL ? MGN_PUT : MGN_CALL, K, S, T, q, r,
                                    sigma, &mirror);
        FZ_LOG("mirror %d %.17g\n", sm, sm == MGN_OK ? mirror : NAN);
        FZ_ASSERT(sm == MGN_OK);
        /* plus 16 units of the last place of a subnormal: with a subnormal spot and
           strike the European values the two sides clamp to differ by such a unit */
        FZ_ASSERT(fabs(mirror - price) <= 1e-9 * price + 1e-12 * fmax(S, K) + 0x1p-1070);
    }
    return 0;
}
