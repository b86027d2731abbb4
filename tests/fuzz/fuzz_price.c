/*
 * Fuzz target: scalar European prices and Greeks (mgn_bs_*, mgn_black76_*,
 * mgn_inverse_*), plus mgn_strerror on any code.
 * Contract: documented status; MGN_OK gives a finite, non-negative price and finite
 * Greeks, the price of the Greeks call equal to the price call's to 1e-9; a failure
 * leaves the output untouched; the Greeks succeed only where the price does; a second
 * call gives the same bits; a BSM or Black-76 price within the no-arbitrage bounds
 * max(theta (F - K), 0) e^{-rT} <= price <= (call) S e^{-qT} or F e^{-rT}, (put)
 * K e^{-rT}, evaluated in long double from ln(F/K) (its wider exponent range keeps
 * bounds that overflow a double: such a price must be MGN_ERANGE), within the
 * header's accuracy (1e-12 relative, or 1e-12 max(S, K) absolute).
 */
#include "fuzz.h"

static int call_price(int family, int type, const double *a, double *price)
{
    switch (family) {
    case 0: return mgn_bs_price((mgn_option_type)type, a[0], a[1], a[2], a[3], a[4], a[5], price);
    case 1: return mgn_black76_price((mgn_option_type)type, a[0], a[1], a[2], a[3], a[5], price);
    default: return mgn_inverse_price((mgn_option_type)type, a[0], a[1], a[2], a[3], a[4], a[5], price);
    }
}

static int call_greeks(int family, int type, const double *a, mgn_greeks *g)
{
    switch (family) {
    case 0: return mgn_bs_greeks((mgn_option_type)type, a[0], a[1], a[2], a[3], a[4], a[5], g);
    case 1: return mgn_black76_greeks((mgn_option_type)type, a[0], a[1], a[2], a[3], a[5], g);
    default: return mgn_inverse_greeks((mgn_option_type)type, a[0], a[1], a[2], a[3], a[4], a[5], g);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in in = fz_init(data, size);
    int family = (int)(fz_u8(&in) % 3u);
    int type = fz_int(&in, 0, 1);
    double a[6];
    a[0] = fz_pos(&in, 1e-2, 1e5);   /* S or F */
    a[1] = fz_pos(&in, 1e-2, 1e5);   /* K */
    a[2] = fz_u8(&in) < 16 ? 0.0 : fz_pos(&in, 1e-6, 10.0); /* T, exactly 0 at times */
    a[3] = fz_real(&in, -0.02, 0.15); /* r */
    a[4] = fz_real(&in, -0.05, 0.20); /* q */
    a[5] = fz_u8(&in) < 16 ? 0.0 : fz_pos(&in, 1e-2, 4.0); /* sigma, exactly 0 at times */

    FZ_LOG("family %d type %d S/F %.17g K %.17g T %.17g r %.17g q %.17g sigma %.17g\n",
           family, type, a[0], a[1], a[2], a[3], a[4], a[5]);
    double price, price2;
    FZ_FILL(&price, sizeof price);
    FZ_FILL(&price2, sizeof price2);
    int st = call_price(family, type, a, &price);
    FZ_STATUS(st);
    if (st == MGN_OK)
        FZ_ASSERT(isfinite(price) && price >= 0.0);
    else
        FZ_ASSERT(fz_untouched(&price, sizeof price));
    FZ_ASSERT(call_price(family, type, a, &price2) == st);
    FZ_ASSERT(st != MGN_OK || fz_same_bits(&price, &price2, sizeof price));
    if (st == MGN_OK && family < 2) {
        /* ln(F/K) and the discounted strike and forward in long double */
        long double T = a[2], d = ((long double)a[0] - a[1]) / a[1];
        long double lnfk = fabsl(d) < 0.5L ? log1pl(d) : logl((long double)a[0]) - logl(a[1]);
        if (family == 0)
            lnfk += ((long double)a[3] - (long double)a[4]) * T;
        long double kr = (long double)a[1] * expl(-(long double)a[3] * T);
        long double fr = family == 0 ? (long double)a[0] * expl(-(long double)a[4] * T)
                                     : (long double)a[0] * expl(-(long double)a[3] * T);
        long double lo = type == MGN_CALL ? (lnfk > 0 ? -fr * expm1l(-lnfk) : 0)
                                          : (lnfk < 0 ? -kr * expm1l(lnfk) : 0);
        long double hi = type == MGN_CALL ? fr : kr;
        FZ_LOG("bounds %.17Lg %.17Lg\n", lo, hi);
        /* the accuracy of the header: 1e-12 relative, or 1e-12 max(S, K) absolute */
        long double tol = 1e-12L * fmaxl(a[0], a[1]) + 1e-300L;
        if (lo == lo)
            FZ_ASSERT(price >= lo * (1 - 1e-11L) - tol);
        if (hi == hi)
            FZ_ASSERT(price <= hi * (1 + 1e-11L) + tol);
    }

    mgn_greeks g, g2;
    FZ_FILL(&g, sizeof g);
    FZ_FILL(&g2, sizeof g2);
    int sg = call_greeks(family, type, a, &g);
    FZ_STATUS(sg);
    if (sg == MGN_OK) {
        FZ_ASSERT(st == MGN_OK);
        FZ_ASSERT(FZ_STRUCT_FINITE(g));
        /* the Greeks' price is the price, bit for bit */
        FZ_ASSERT(g.price == price);
    } else {
        FZ_ASSERT(fz_untouched(&g, sizeof g));
        /* The Greeks fail where the price fails, or with MGN_ERANGE at the unbounded
           gamma of sigma == 0 at the money. */
        FZ_ASSERT(sg == st || (st == MGN_OK && sg == MGN_ERANGE));
    }
    FZ_ASSERT(call_greeks(family, type, a, &g2) == sg);
    FZ_ASSERT(sg != MGN_OK || fz_same_bits(&g, &g2, sizeof g));

    const char *msg = mgn_strerror(fz_int(&in, 0, 6));
    FZ_ASSERT(msg != NULL && msg[0] != '\0');
    return 0;
}
