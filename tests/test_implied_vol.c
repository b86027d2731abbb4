/* Tests of lib/implied_vol.c: mgn_implied_vol, mgn_black76_implied_vol and the batch
 * forms.
 *
 * Independent references:
 *   - round trips: a volatility sigma is drawn, the price computed in 113-bit
 *     arithmetic (libquadmath) and rounded to double, and the implied volatility of
 *     that price compared with sigma;
 *   - published prices with the volatilities they were quoted with
 *     (tests/data/implied_vol_published.csv: Hull 2012, Haug 2007), and their exact
 *     implied volatilities computed with mpmath at 50 digits;
 *   - the no-arbitrage bounds computed here from their definitions;
 *   - round trips through the library's own pricers (lib/bs.c).
 *
 * Accuracy criterion.  Every input is exact, but the price is a rounded double (and the
 * library itself computes the forward, the discount factors and the intrinsic value in
 * double), so the implied volatility is determined only to about
 *     eps * kappa,   kappa = (price + S e^{-qT} N(theta d1) (1 + 2|q|T)
 *                              + K e^{-rT} N(theta d2) (1 + 2|r|T)) / (vega * sigma),
 * the condition number of sigma with respect to price, S, K, r, q and T together
 * (|dV/du| |u| / (vega sigma) summed over the inputs u; for T the vega part of
 * theta adds at most 1/2).  Where kappa <= 1000 (vega * sigma at least 1/1000 of
 * the scale of the inputs) the test asserts |sigma_got - sigma| <= 1e-12 sigma.
 * Elsewhere vega is negligible against the price and the test asserts what the
 * header promises there: the 113-bit price at the returned sigma is within
 * 16 eps (price + S e^{-qT} + K e^{-rT}) of the given price.
 * Measured (x86-64, gcc 12 -O2) over 10^6 random cases of the domain below: max
 * relative error 1.7e-13 where kappa <= 1000.
 *
 * Domain of the random round trips: S, K in [0.01, 1e5], K/S in [0.2, 5], T from one
 * day to 10 years (a tenth of the cases exactly one day), sigma in [0.01, 4],
 * r in [-2%, 15%], q in [-5%, 20%], calls and puts; prices below 1e-290 are skipped.
 */
#include <float.h>
#include <quadmath.h>
#include <stdlib.h>
#include "test_util.h"
#define MGN_PLAIN_KERNELS   /* the vector erfcx as a plain function */
#include "simd.h"

typedef __float128 q128;

#define KAPPA_MAX 1000.0
#define IV_TOL 1e-12

static q128 qcdf(q128 z) { return ((q128)0.5) * erfcq(-z / sqrtq((q128)2)); }
static q128 qpdf(q128 z) { return expq(-z * z / 2) / sqrtq(2 * acosq((q128)-1)); }

typedef struct { int type; double S, K, T, r, q; } contract;

/* BSM price in 113-bit arithmetic (sigma = 0: discounted forward intrinsic). */
static q128 qprice(const contract *c, q128 sigma)
{
    q128 th = c->type == MGN_CALL ? 1 : -1, T = c->T;
    q128 A = (q128)c->S * expq(-(q128)c->q * T), B = (q128)c->K * expq(-(q128)c->r * T);
    if (sigma == 0) {
        q128 v = th * (A - B);
        return v > 0 ? v : 0;
    }
    q128 s = sigma * sqrtq(T);
    q128 d1 = (logq((q128)c->S / c->K) + ((q128)c->r - c->q) * T) / s + s / 2, d2 = d1 - s;
    return th * (A * qcdf(th * d1) - B * qcdf(th * d2));
}

/* The condition number kappa of the file comment. */
static double kappa(const contract *c, double sigma, double price)
{
    q128 th = c->type == MGN_CALL ? 1 : -1, T = c->T, sg = sigma;
    q128 A = (q128)c->S * expq(-(q128)c->q * T), B = (q128)c->K * expq(-(q128)c->r * T);
    q128 s = sg * sqrtq(T);
    q128 d1 = (logq((q128)c->S / c->K) + ((q128)c->r - c->q) * T) / s + s / 2, d2 = d1 - s;
    q128 vega = A * qpdf(d1) * sqrtq(T);
    q128 num = (q128)price + A * qcdf(th * d1) * (1 + 2 * fabsq((q128)c->q) * T)
               + B * qcdf(th * d2) * (1 + 2 * fabsq((q128)c->r) * T);
    return (double)(num / (vega * sg));
}

/* Asserts that got (status rc) is the implied volatility of price, the rounded 113-bit
   price of c at sigma (see the file comment). Returns the relative error where kappa
   <= KAPPA_MAX, else -1. */
static double check_result(const contract *c, double sigma, double price, int rc, double got)
{
    if (rc != MGN_OK || !(got >= 0) || !isfinite(got)) {
        print_error("rc %d sigma %.17g for type %d S %.17g K %.17g T %.17g r %.17g q %.17g "
                    "price %.17g (true sigma %.17g)\n", rc, got, c->type, c->S, c->K, c->T, c->r,
                    c->q, price, sigma);
        fail();
    }
    if (kappa(c, sigma, price) <= KAPPA_MAX) {
        double e = fabs(got - sigma) / sigma;
        if (!(e <= IV_TOL)) {
            print_error("sigma %.17g, want %.17g (rel %.3g, kappa %.3g) for type %d S %.17g "
                        "K %.17g T %.17g r %.17g q %.17g price %.17g\n", got, sigma, e,
                        kappa(c, sigma, price), c->type, c->S, c->K, c->T, c->r, c->q, price);
            fail();
        }
        return e;
    } else {
        q128 scale = (q128)price + (q128)c->S * expq(-(q128)c->q * c->T)
                     + (q128)c->K * expq(-(q128)c->r * c->T);
        q128 resid = fabsq(qprice(c, got) - price);
        if (!(resid <= 16 * DBL_EPSILON * scale)) {
            print_error("price at sigma %.17g off by %.3g (scale %.3g) for type %d S %.17g "
                        "K %.17g T %.17g r %.17g q %.17g price %.17g (true sigma %.17g)\n", got,
                        (double)resid, (double)scale, c->type, c->S, c->K, c->T, c->r, c->q,
                        price, sigma);
            fail();
        }
        return -1.0;
    }
}

/* check_result on the scalar function's implied volatility of the rounded 113-bit price
   of c at sigma; -2 when the price is below the tested range. */
static double check_round_trip(const contract *c, double sigma, int black76)
{
    double price = (double)qprice(c, sigma), got = -1.0;
    if (!(price > 1e-290))
        return -2.0;
    int rc = black76 ? mgn_black76_implied_vol(c->type, c->S, c->K, c->T, c->r, price, &got)
                     : mgn_implied_vol(c->type, c->S, c->K, c->T, c->r, c->q, price, &got);
    return check_result(c, sigma, price, rc, got);
}

static contract random_contract(mgn_test_rng *g, int one_day)
{
    contract c;
    do {
        c.S = mgn_test_logrange(g, 0.01, 1e5);
        c.K = c.S * mgn_test_logrange(g, 0.2, 5.0);
    } while (c.K < 0.01 || c.K > 1e5);
    c.T = one_day ? 1.0 / 365 : mgn_test_logrange(g, 1.0 / 365, 10.0);
    c.r = mgn_test_range(g, -0.02, 0.15);
    c.q = mgn_test_range(g, -0.05, 0.20);
    c.type = mgn_test_uniform(g) < 0.5 ? MGN_CALL : MGN_PUT;
    return c;
}

/*---------------------------------------------------------------- round trips */

static void test_round_trip_random(void **state)
{
    (void)state;
    mgn_test_rng g = { 0x243F6A8885A308D3ULL };
    double worst = 0.0;
    int n = 0;
    for (long i = 0, cases = mgn_test_cases(40000); i < cases; ++i) {
        contract c = random_contract(&g, i % 10 == 0);
        double e = check_round_trip(&c, mgn_test_logrange(&g, 0.01, 4.0), 0);
        if (e >= 0) {
            worst = fmax(worst, e);
            ++n;
        }
    }
    assert_true(n > 15000);
    print_message("random round trip: %d cases with kappa <= %g, max relative error %.3g\n", n,
                  KAPPA_MAX, worst);
}

/* The wings grid: K/S down to 0.2 and up to 5, the extremes of T, sigma, r and q, calls
   and puts, S = 100. Case k of WING_CASES: *c and its sigma. */
static const double wing_ks[] = { 0.2, 0.21, 0.5, 0.9, 0.999, 1.0, 1.001, 1.1, 2.0, 4.8, 5.0 };
static const double wing_Ts[] = { 1.0 / 365, 7.0 / 365, 0.25, 1.0, 10.0 };
static const double wing_sigs[] = { 0.01, 0.03, 0.1, 0.3, 1.0, 2.5, 4.0 };
static const double wing_rq[][2] = { { -0.02, -0.05 }, { 0.15, 0.20 }, { 0.15, -0.05 },
                                     { -0.02, 0.2 }, { 0.0, 0.0 } };
#define N_OF(a) (sizeof a / sizeof a[0])
#define WING_CASES (N_OF(wing_ks) * N_OF(wing_Ts) * N_OF(wing_sigs) * N_OF(wing_rq) * 2)

static double wing_case(size_t k, contract *c)
{
    const int type = (int)(k % 2);
    const size_t e = k / 2 % N_OF(wing_rq), d = k / 2 / N_OF(wing_rq) % N_OF(wing_sigs);
    const size_t t = k / 2 / N_OF(wing_rq) / N_OF(wing_sigs) % N_OF(wing_Ts);
    const size_t a = k / 2 / N_OF(wing_rq) / N_OF(wing_sigs) / N_OF(wing_Ts);
    *c = (contract){ type, 100.0, 100.0 * wing_ks[a], wing_Ts[t], wing_rq[e][0],
                     wing_rq[e][1] };
    return wing_sigs[d];
}

/* Deep wings (the grid above), also at S = 0.01 and K = 1e5 (the domain's ends). */
static void test_round_trip_wings(void **state)
{
    (void)state;
    double worst = 0.0;
    for (size_t k = 0; k < WING_CASES; ++k) {
        contract c;
        const double sigma = wing_case(k, &c), ks = c.K / c.S;
        worst = fmax(worst, check_round_trip(&c, sigma, 0));
        c.S = 0.01; c.K = 0.01 * ks;
        if (c.K >= 0.01)
            worst = fmax(worst, check_round_trip(&c, sigma, 0));
        c.S = 1e5 / ks; c.K = 1e5;
        if (c.S <= 1e5)
            worst = fmax(worst, check_round_trip(&c, sigma, 0));
    }
    print_message("wings: max relative error %.3g (kappa <= %g)\n", worst, KAPPA_MAX);
}

/* The price at the implied volatility of `price` (113-bit) is within `rel` of it. */
static void check_price_round_trip(const contract *c, double price, double rel)
{
    double got = -1;
    assert_int_equal(mgn_implied_vol(c->type, c->S, c->K, c->T, c->r, c->q, price, &got), MGN_OK);
    assert_true(isfinite(got) && got > 0);
    double back = (double)qprice(c, got);
    if (!(fabs(back - price) <= rel * price)) {
        print_error("price %.17g, at sigma %.17g: %.17g\n", price, got, back);
        fail();
    }
}

/* Inputs that reach the rarer branches of the inversion: |x| below 1e-30 (the lowest
   branch's left end lost to rounding), the lowest branch far out of the money where
   the rational interpolation of f turns non-positive (the quadratic fallback), and a
   price within 4e-13 of the upper bound near the money (a degenerate slope in the
   control parameter of the upper-middle interpolation). */
static void test_round_trip_rare_branches(void **state)
{
    (void)state;
    contract c = { MGN_CALL, 1, 1, 1, -4.9870327025290531e-36, 0 };
    check_round_trip(&c, 4.1436901044776507e-19, 0);
    c.r = 3e-33;
    check_round_trip(&c, 1e-17, 0);
    /* x = -618.7: S = 1e200 e^x, K = 1e200, price 6.4e-27 S */
    contract d = { MGN_CALL, 1e200 * exp(-618.72958612596915), 1e200, 1, 0, 0 };
    check_price_round_trip(&d, 6.4177704287542389e-27 * d.S, 1e-12);
    /* x = 3.4e-12, price = intrinsic + (1 - 3.9e-13) of the time value up to S */
    contract e = { MGN_CALL, exp(3.4452081093517641e-12), 1, 1, 0, 0 };
    double lo = e.S - 1;
    double price = lo + 0.99999999999961287 * (e.S - lo);
    double got;
    assert_int_equal(mgn_implied_vol(MGN_CALL, e.S, e.K, 1, 0, 0, price, &got), MGN_OK);
    /* the price is insensitive to sigma there: the residual is what can be asked */
    assert_true(fabs((double)qprice(&e, got) - price) <= 16 * DBL_EPSILON * (e.S + 1));
    assert_true(got > 10);
}

static void test_round_trip_black76(void **state)
{
    (void)state;
    mgn_test_rng g = { 99 };
    for (int i = 0; i < 10000; ++i) {
        contract c = random_contract(&g, i % 10 == 0);
        c.q = c.r; /* Black-76 is BSM with q = r */
        check_round_trip(&c, mgn_test_logrange(&g, 0.01, 4.0), 1);
    }
}

/* Through the library's own pricers: the implied volatility of mgn_bs_price(sigma)
   is sigma (those prices carry a few ulps of their own, so the strict criterion is
   applied where kappa <= 10), and Black-76 agrees with BSM on q = r. */
static void test_round_trip_library_prices(void **state)
{
    (void)state;
    mgn_test_rng g = { 2024 };
    for (int i = 0; i < 10000; ++i) {
        contract c = random_contract(&g, i % 10 == 0);
        double sigma = mgn_test_logrange(&g, 0.01, 4.0), price, got = -1, got76 = -1;
        assert_int_equal(mgn_bs_price(c.type, c.S, c.K, c.T, c.r, c.q, sigma, &price), MGN_OK);
        if (!(price > 1e-290) || price >= (c.type == MGN_CALL ? c.S * exp(-c.q * c.T)
                                                                : c.K * exp(-c.r * c.T)))
            continue;
        assert_int_equal(mgn_implied_vol(c.type, c.S, c.K, c.T, c.r, c.q, price, &got), MGN_OK);
        if (kappa(&c, sigma, price) <= 10)
            assert_close(got, sigma, IV_TOL, 0);
        else {
            double back;
            assert_int_equal(mgn_bs_price(c.type, c.S, c.K, c.T, c.r, c.q, got, &back), MGN_OK);
            assert_close(back, price, 0, 64 * DBL_EPSILON * (price + c.S + c.K));
        }
        /* Black-76 on F with r: same number as BSM with q = r */
        {
            double F = c.S, p76;
            assert_int_equal(mgn_black76_price(c.type, F, c.K, c.T, c.r, sigma, &p76), MGN_OK);
            if (p76 > 1e-290 && p76 < (c.type == MGN_CALL ? F : c.K) * exp(-c.r * c.T)) {
                double gb;
                assert_int_equal(mgn_black76_implied_vol(c.type, F, c.K, c.T, c.r, p76, &got76),
                                 MGN_OK);
                assert_int_equal(mgn_implied_vol(c.type, F, c.K, c.T, c.r, c.r, p76, &gb), MGN_OK);
                assert_true(got76 == gb);
            }
        }
    }
}

/*---------------------------------------------------------------- published values */

/* Number of digits after the decimal point of a number as printed. */
static int decimals(const char *num)
{
    const char *dot = strchr(num, '.');
    return dot ? (int)strspn(dot + 1, "0123456789") : 0;
}

static void test_published(void **state)
{
    (void)state;
    FILE *f = fopen("tests/data/implied_vol_published.csv", "r");
    char line[512];
    int rows = 0;
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        char model[16], type[8], price_s[32], sig_s[32];
        double S, K, T, r, q, price, sig_pub, sig_ref, got = -1;
        contract c;
        if (line[0] == '#' || strncmp(line, "model", 5) == 0)
            continue;
        assert_int_equal(sscanf(line, "%15[^,],%7[^,],%lf,%lf,%lf,%lf,%lf,%31[^,],%31[^,],%lf", model,
                                type, &S, &K, &T, &r, &q, price_s, sig_s, &sig_ref), 10);
        price = strtod(price_s, NULL);
        sig_pub = strtod(sig_s, NULL);
        c.type = strcmp(type, "call") == 0 ? MGN_CALL : MGN_PUT;
        c.S = S; c.K = K; c.T = T; c.r = r; c.q = q;
        if (strcmp(model, "black76") == 0)
            assert_int_equal(mgn_black76_implied_vol(c.type, S, K, T, r, price, &got), MGN_OK);
        else
            assert_int_equal(mgn_implied_vol(c.type, S, K, T, r, q, price, &got), MGN_OK);
        /* the exact implied volatility of the stated price */
        assert_close(got, sig_ref, IV_TOL, 0);
        /* the published volatility, to half a unit of the price's last digit / vega plus
           half a unit of the volatility's own last digit */
        {
            q128 h = (q128)1e-6;
            double vega = (double)((qprice(&c, (q128)sig_pub + h) - qprice(&c, (q128)sig_pub - h)) / (2 * h));
            assert_close(got, sig_pub, 0,
                         (0.5 * pow(10.0, -decimals(price_s)) / vega + 0.5 * pow(10.0, -decimals(sig_s))) * 1.01);
        }
        ++rows;
    }
    fclose(f);
    assert_int_equal(rows, 6);
}

/*---------------------------------------------------------------- bounds */

static void test_bounds(void **state)
{
    (void)state;
    const double S = 100, T = 0.75, r = 0.05, q = 0.02;
    const double Ks[] = { 60, 95, 100, 105, 160 };
    for (size_t i = 0; i < sizeof Ks / sizeof Ks[0]; ++i) {
        const double K = Ks[i], A = S * exp(-q * T), B = K * exp(-r * T);
        for (int type = 0; type < 2; ++type) {
            const double lower = type == MGN_CALL ? fmax(A - B, 0) : fmax(B - A, 0);
            const double upper = type == MGN_CALL ? A : B;
            double sig = 42.0, price;
            /* the lower bound itself: sigma = 0 */
            assert_int_equal(mgn_implied_vol(type, S, K, T, r, q, lower, &sig), MGN_OK);
            assert_true(sig == 0.0);
            /* the library's own sigma = 0 price is the same bound */
            assert_int_equal(mgn_bs_price(type, S, K, T, r, q, 0.0, &price), MGN_OK);
            sig = 42.0;
            assert_int_equal(mgn_implied_vol(type, S, K, T, r, q, price, &sig), MGN_OK);
            assert_true(sig == 0.0);
            /* just below the lower bound: no solution, output untouched */
            if (lower > 0) {
                sig = 42.0;
                assert_int_equal(mgn_implied_vol(type, S, K, T, r, q, lower * (1 - 1e-9), &sig),
                                 MGN_ENOSOL);
                assert_true(sig == 42.0);
                /* just above it: a small positive sigma that reproduces the price */
                price = lower * (1 + 1e-9);
                assert_int_equal(mgn_implied_vol(type, S, K, T, r, q, price, &sig), MGN_OK);
                assert_true(sig > 0 && sig < 0.5);
                {
                    contract c = { type, S, K, T, r, q };
                    assert_close((double)qprice(&c, sig), price, 1e-14, 0);
                }
            }
            /* at and above the upper bound: no solution */
            sig = 42.0;
            assert_int_equal(mgn_implied_vol(type, S, K, T, r, q, upper, &sig), MGN_ENOSOL);
            assert_int_equal(mgn_implied_vol(type, S, K, T, r, q, upper * 1.5, &sig), MGN_ENOSOL);
            assert_true(sig == 42.0);
            /* just below the upper bound: a large sigma whose price is the given one */
            price = upper * (1 - 1e-12);
            assert_int_equal(mgn_implied_vol(type, S, K, T, r, q, price, &sig), MGN_OK);
            assert_true(isfinite(sig) && sig > 5);
            {
                contract c = { type, S, K, T, r, q };
                assert_close((double)qprice(&c, sig), price, 1e-14, 0);
            }
            /* one ulp below the upper bound still solves (or is the bound within rounding) */
            price = nextafter(upper, 0);
            sig = 42.0;
            assert_int_equal(mgn_implied_vol(type, S, K, T, r, q, price, &sig), MGN_OK);
            assert_true(isfinite(sig) && sig > 5);
        }
    }
    /* out of the money at price 0: sigma = 0; Black-76 likewise */
    {
        double sig = 1;
        assert_int_equal(mgn_implied_vol(MGN_CALL, 100, 120, 1, 0.01, 0, 0.0, &sig), MGN_OK);
        assert_true(sig == 0.0);
        sig = 1;
        assert_int_equal(mgn_black76_implied_vol(MGN_PUT, 100, 80, 1, 0.01, 0.0, &sig), MGN_OK);
        assert_true(sig == 0.0);
        sig = 1;
        assert_int_equal(mgn_black76_implied_vol(MGN_CALL, 100, 80, 1, 0.01, 100 * exp(-0.01), &sig),
                         MGN_ENOSOL);
        assert_true(sig == 1.0);
    }
    /* At the money forward with a carry of 1 (K about e S, r T about 1): the put is in
       the money by x = ln(F/K) < 0 of a few ulps, but K e^{-rT} - S rounds to -1.1e-16;
       the lower bound is max(that, 0) = 0, and the time value is the whole price. */
    {
        const double S = 1, K = 0x1.5bf0a8b145759p+1, T = 1, r = 0x1.fffffffffffe8p-1, q = 0;
        const contract c = { MGN_PUT, S, K, T, r, q };
        assert_true(log(S / K) + (r - q) * T < 0 && K * exp(-r * T) - S < 0);
        const double prices[] = { 1e-3, 1e-8 };
        for (size_t i = 0; i < 2; ++i) {
            double sig = 42.0;
            assert_int_equal(mgn_implied_vol(MGN_PUT, S, K, T, r, q, prices[i], &sig), MGN_OK);
            assert_true(sig > 0 && sig < 0.01);
            /* to 1e-12, or to the bound's own accuracy (4 ulps of S, as x) */
            assert_close((double)qprice(&c, sig), prices[i], 1e-12, 4 * DBL_EPSILON * S);
        }
        double sig = 42.0;
        assert_int_equal(mgn_implied_vol(MGN_PUT, S, K, T, r, q, 0.0, &sig), MGN_OK);
        assert_true(sig == 0.0);
    }
}

/*---------------------------------------------------------------- bad input */

static void test_bad_inputs(void **state)
{
    (void)state;
    const double good[7] = { 100, 95, 0.5, 0.03, 0.01, 8.0 }; /* S K T r q price */
    const double bad_pos[] = { NAN, INFINITY, -INFINITY, 0.0, -1.0 }; /* S, K, T */
    const double bad_fin[] = { NAN, INFINITY, -INFINITY };           /* r, q */
    const double bad_price[] = { NAN, INFINITY, -INFINITY, -1.0, -1e-300 };
    double v[7], sig;
    /* every double argument of both functions */
    for (int arg = 0; arg < 6; ++arg) {
        const double *bad = arg <= 2 ? bad_pos : arg <= 4 ? bad_fin : bad_price;
        size_t nb = arg <= 2 ? 5 : arg <= 4 ? 3 : 5;
        for (size_t k = 0; k < nb; ++k) {
            memcpy(v, good, sizeof good);
            v[arg] = bad[k];
            for (int type = 0; type < 2; ++type) {
                sig = 123.0;
                assert_int_equal(mgn_implied_vol(type, v[0], v[1], v[2], v[3], v[4], v[5], &sig),
                                 MGN_EINVAL);
                assert_true(sig == 123.0);
                if (arg != 4) { /* Black-76 has no q */
                    sig = 123.0;
                    assert_int_equal(mgn_black76_implied_vol(type, v[0], v[1], v[2], v[3], v[5], &sig),
                                     MGN_EINVAL);
                    assert_true(sig == 123.0);
                }
            }
        }
    }
    /* type outside MGN_CALL / MGN_PUT */
    sig = 123.0;
    assert_int_equal(mgn_implied_vol((mgn_option_type)2, 100, 95, 0.5, 0.03, 0.01, 8, &sig), MGN_EINVAL);
    assert_int_equal(mgn_implied_vol((mgn_option_type)-1, 100, 95, 0.5, 0.03, 0.01, 8, &sig), MGN_EINVAL);
    assert_int_equal(mgn_black76_implied_vol((mgn_option_type)7, 100, 95, 0.5, 0.03, 8, &sig), MGN_EINVAL);
    assert_true(sig == 123.0);
    /* NULL output */
    assert_int_equal(mgn_implied_vol(MGN_CALL, 100, 95, 0.5, 0.03, 0.01, 8, NULL), MGN_EINVAL);
    assert_int_equal(mgn_black76_implied_vol(MGN_CALL, 100, 95, 0.5, 0.03, 8, NULL), MGN_EINVAL);
    /* the good arguments do solve */
    assert_int_equal(mgn_implied_vol(MGN_CALL, 100, 95, 0.5, 0.03, 0.01, 8, &sig), MGN_OK);
    assert_int_equal(mgn_black76_implied_vol(MGN_CALL, 100, 95, 0.5, 0.03, 8, &sig), MGN_OK);
}

/* Valid but extreme inputs: never a NaN, never an unbounded loop; a status from the
   documented set, and OK only with a finite sigma >= 0. */
static void test_extreme_inputs(void **state)
{
    (void)state;
    const double Ss[] = { 1e-300, 1e-8, 1, 1e8, 1e300 };
    const double Ts[] = { 1e-12, 1e-6, 1, 100, 1e4 };
    const double rs[] = { -0.5, 0, 0.3, 5 };
    const double fr[] = { 0, 1e-300, 1e-12, 0.01, 0.3, 0.9, 0.999999, 1 - 1e-15 };
    for (size_t a = 0; a < 5; ++a)
        for (size_t b = 0; b < 5; ++b)
            for (size_t t = 0; t < 5; ++t)
                for (size_t k = 0; k < 4; ++k)
                    for (size_t f = 0; f < sizeof fr / sizeof fr[0]; ++f)
                        for (int type = 0; type < 2; ++type) {
                            double S = Ss[a], K = Ss[b], T = Ts[t], r = rs[k], q = -rs[k] / 2;
                            double A = S * exp(-q * T), B = K * exp(-r * T);
                            double lo = type == MGN_CALL ? fmax(A - B, 0) : fmax(B - A, 0);
                            double up = type == MGN_CALL ? A : B;
                            double price = lo + fr[f] * (up - lo), sig = -7;
                            int rc;
                            if (!isfinite(price))
                                continue;
                            rc = mgn_implied_vol(type, S, K, T, r, q, price, &sig);
                            assert_true(rc == MGN_OK || rc == MGN_ENOSOL || rc == MGN_ENOCONV
                                        || rc == MGN_ERANGE);
                            if (rc == MGN_OK)
                                assert_true(isfinite(sig) && sig >= 0);
                            else
                                assert_true(sig == -7);
                        }
}

/*---------------------------------------------------------------- batch */

static void test_batch(void **state)
{
    (void)state;
    enum { N = 7 };
    int type[N] = { MGN_CALL, MGN_PUT, MGN_CALL, 5, MGN_PUT, MGN_CALL, MGN_PUT };
    double S[N] = { 100, 100, NAN, 100, 100, 100, 50 };
    double K[N] = { 95, 110, 100, 100, 100, 100, 60 };
    double T[N] = { 0.5, 1, 1, 1, 0, 2, 0.1 };
    double r[N] = { 0.03, 0.01, 0.01, 0.01, 0.01, 0.02, 0.0 };
    double q[N] = { 0.0, 0.02, 0.0, 0.0, 0.0, 0.01, 0.0 };
    double P[N] = { 9, 12, 5, 5, 5, 500, 10.5 }; /* [5]: above S e^{-qT}, [6]: put with K-S = 10 */
    double sig[N], want[N];
    int st[N];
    /* scalar results for comparison */
    for (int i = 0; i < N; ++i) {
        want[i] = NAN;
        if (type[i] == MGN_CALL || type[i] == MGN_PUT)
            (void)mgn_implied_vol(type[i], S[i], K[i], T[i], r[i], q[i], P[i], &want[i]);
    }
    assert_int_equal(mgn_implied_vol_batch_status(N, type, S, K, T, r, q, P, sig, st), MGN_EINVAL);
    {
        const int want_st[N] = { MGN_OK, MGN_OK, MGN_EINVAL, MGN_EINVAL, MGN_EINVAL, MGN_ENOSOL, MGN_OK };
        for (int i = 0; i < N; ++i) {
            assert_int_equal(st[i], want_st[i]);
            if (st[i] == MGN_OK)
                assert_close(sig[i], want[i], 1e-12, 0);
            else
                assert_true(isnan(sig[i]));
        }
    }
    for (int i = 0; i < N; ++i)
        sig[i] = 0;
    assert_int_equal(mgn_implied_vol_batch(N, type, S, K, T, r, q, P, sig), MGN_EINVAL);
    assert_close(sig[0], want[0], 1e-12, 0);
    assert_true(isnan(sig[2]) && isnan(sig[3]) && isnan(sig[5]));
    /* only "no solution" failures: MGN_ENOSOL */
    assert_int_equal(mgn_implied_vol_batch(2, type + 5, S + 5, K + 5, T + 5, r + 5, q + 5, P + 5, sig),
                     MGN_ENOSOL);
    assert_true(isnan(sig[0]));
    assert_close(sig[1], want[6], 1e-12, 0);
    /* all good: MGN_OK */
    assert_int_equal(mgn_implied_vol_batch(2, type, S, K, T, r, q, P, sig), MGN_OK);
    assert_close(sig[0], want[0], 1e-12, 0);
    assert_close(sig[1], want[1], 1e-12, 0);
    /* n == 0 with NULL pointers */
    assert_int_equal(mgn_implied_vol_batch(0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), MGN_OK);
    assert_int_equal(mgn_implied_vol_batch_status(0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                     MGN_OK);
    /* a NULL array with n > 0: MGN_EINVAL, nothing written */
    {
        const void *arrays[8] = { type, S, K, T, r, q, P, sig };
        for (int k = 0; k < 8; ++k) {
            double out[N];
            int sts[N];
            for (int i = 0; i < N; ++i) {
                out[i] = 77;
                sts[i] = 77;
            }
            const int *ty = k == 0 ? NULL : type;
            const double *a[6];
            for (int j = 0; j < 6; ++j)
                a[j] = k == j + 1 ? NULL : (const double *)arrays[j + 1];
            assert_int_equal(mgn_implied_vol_batch(N, ty, a[0], a[1], a[2], a[3], a[4], a[5],
                                                   k == 7 ? NULL : out), MGN_EINVAL);
            assert_int_equal(mgn_implied_vol_batch_status(N, ty, a[0], a[1], a[2], a[3], a[4], a[5],
                                                          k == 7 ? NULL : out, sts), MGN_EINVAL);
            for (int i = 0; i < N; ++i)
                assert_true(out[i] == 77 && sts[i] == 77);
        }
        /* NULL status with n > 0 */
        for (int i = 0; i < N; ++i)
            sig[i] = 77;
        assert_int_equal(mgn_implied_vol_batch_status(N, type, S, K, T, r, q, P, sig, NULL), MGN_EINVAL);
        for (int i = 0; i < N; ++i)
            assert_true(sig[i] == 77);
    }
}

/* The batch forms solve most elements in vector passes of their own
   (lib/implied_vol_batch.c): every status is the scalar one, every value meets the
   accuracy contract of the file comment and is within 1e-12 of the scalar value. The
   cases: the random round trips' domain (a tenth one day), and the wings grid of
   test_round_trip_wings. */
typedef struct {
    size_t n;
    contract *c;
    double *sigma, *P, *S, *K, *T, *r, *q, *got;
    int *type, *st;
} iv_cases;

static void cases_add(iv_cases *b, contract c, double sigma)
{
    double price = (double)qprice(&c, sigma);
    if (!(price > 1e-290))
        return;
    size_t i = b->n++;
    b->c[i] = c;
    b->sigma[i] = sigma;
    b->P[i] = price;
    b->type[i] = c.type; b->S[i] = c.S; b->K[i] = c.K; b->T[i] = c.T; b->r[i] = c.r;
    b->q[i] = c.q;
}

static void cases_alloc(iv_cases *b, size_t cap)
{
    b->n = 0;
    b->c = malloc(cap * sizeof *b->c);
    double *m = malloc(8 * cap * sizeof *m);
    b->type = malloc(2 * cap * sizeof *b->type);
    assert_non_null(b->c); assert_non_null(m); assert_non_null(b->type);
    b->sigma = m; b->P = m + cap; b->S = m + 2 * cap; b->K = m + 3 * cap; b->T = m + 4 * cap;
    b->r = m + 5 * cap; b->q = m + 6 * cap; b->got = m + 7 * cap; b->st = b->type + cap;
}

static void cases_free(iv_cases *b)
{
    free(b->c); free(b->sigma); free(b->type);
}

static void test_batch_round_trip_random(void **state)
{
    (void)state;
    long random_cases = mgn_test_cases(40000);
    iv_cases b;
    cases_alloc(&b, (size_t)random_cases + WING_CASES);
    mgn_test_rng g = { 0x13198A2E03707344ULL };
    for (long i = 0; i < random_cases; ++i) {
        contract c = random_contract(&g, i % 10 == 0);
        cases_add(&b, c, mgn_test_logrange(&g, 0.01, 4.0));
    }
    for (size_t k = 0; k < WING_CASES; ++k) {
        contract c;
        const double sigma = wing_case(k, &c);
        cases_add(&b, c, sigma);
    }
    assert_int_equal(mgn_implied_vol_batch_status(b.n, b.type, b.S, b.K, b.T, b.r, b.q, b.P,
                                                  b.got, b.st), MGN_OK);
    double worst = 0, worst_vs_scalar = 0;
    size_t checked = 0;
    for (size_t i = 0; i < b.n; ++i) {
        double e = check_result(&b.c[i], b.sigma[i], b.P[i], b.st[i], b.got[i]);
        /* within 1e-12 of mgn_implied_vol's sigma, however ill-conditioned */
        double v = NAN;
        assert_int_equal(mgn_implied_vol(b.type[i], b.S[i], b.K[i], b.T[i], b.r[i], b.q[i],
                                         b.P[i], &v), MGN_OK);
        double d = v > 0 ? fabs(b.got[i] - v) / v : (b.got[i] == v ? 0.0 : INFINITY);
        if (!(d <= IV_TOL))
            print_error("batch %.17g, mgn_implied_vol %.17g for type %d S %.17g K %.17g "
                        "T %.17g r %.17g q %.17g price %.17g\n", b.got[i], v, b.type[i], b.S[i],
                        b.K[i], b.T[i], b.r[i], b.q[i], b.P[i]);
        assert_true(d <= IV_TOL);
        worst_vs_scalar = fmax(worst_vs_scalar, d);
        if (e < 0)
            continue;
        worst = fmax(worst, e);
        checked++;
    }
    assert_true(checked > 15000);
    /* and the vector passes solved most of them (the others cost a scalar solve) */
    size_t vec = mgn__implied_vol_batch_vector_count(b.n, b.type, b.S, b.K, b.T, b.r, b.q, b.P);
    print_message("batch round trip: %zu cases (%zu by the vector passes), %zu with kappa <= %g: "
                  "max relative error %.3g; all within %.3g of mgn_implied_vol\n", b.n, vec,
                  checked, KAPPA_MAX, worst, worst_vs_scalar);
    assert_true(vec >= b.n * 3 / 5);   /* 68% measured: the far wings of one-day
                                          options are the scalar solver's */
    cases_free(&b);
}

/* Statuses and values as mgn_implied_vol's on the random domain, and with prices that
   have no solution, lie at a bound or are not valid mixed in. */
static void test_batch_matches_scalar(void **state)
{
    (void)state;
    enum { N = 2000 };
    static int type[N], st[N];
    static double S[N], K[N], T[N], r[N], q[N], P[N], sig[N];
    mgn_test_rng g = { 31337 };
    for (int i = 0; i < N; ++i) {
        contract c = random_contract(&g, 0);
        type[i] = c.type; S[i] = c.S; K[i] = c.K; T[i] = c.T; r[i] = c.r; q[i] = c.q;
        P[i] = (double)qprice(&c, mgn_test_logrange(&g, 0.01, 4.0));
        switch (i % 50) {
        case 1: P[i] = (double)qprice(&c, 0); break;              /* the lower bound */
        case 2: P[i] = 0.5 * (double)qprice(&c, 0); break;        /* below it */
        case 3: P[i] = S[i] * exp(-q[i] * T[i]) * 1.5; break;     /* above the upper one */
        case 4: P[i] = -1; break;
        default: break;
        }
    }
    (void)mgn_implied_vol_batch_status(N, type, S, K, T, r, q, P, sig, st);
    for (int i = 0; i < N; ++i) {
        double v = NAN;
        int rc = mgn_implied_vol(type[i], S[i], K[i], T[i], r[i], q[i], P[i], &v);
        assert_int_equal(rc, st[i]);
        if (rc == MGN_OK) {
            assert_close(sig[i], v, IV_TOL, 0);
        } else {
            assert_true(isnan(sig[i]));
        }
    }
}

/* The solvers' constants (lib/internal.h) against their 113-bit values: within 2^-53
   relative, as rounding a correct decimal expansion gives (3 sqrt(3)/(2 pi) was once
   1e-14 off, which moved the lowest branch's initial guess). */
static void test_constants(void **state)
{
    (void)state;
    const q128 pi = acosq((q128)-1);
    const struct { double got; q128 want; } c[] = {
        { MGN_THREE_SQRT3_OVER_2PI, 3 * sqrtq((q128)3) / (2 * pi) },
        { MGN_SQRT_3, sqrtq((q128)3) },
        { MGN_LN_SQRT_2PI, logq(2 * pi) / 2 },
        { MGN_SQRT_PI_OVER_2, sqrtq(pi / 2) },
        { MGN_SQRT_2PI, sqrtq(2 * pi) },
        { MGN_INV_SQRT_2PI, 1 / sqrtq(2 * pi) },
        { MGN_SQRT1_2, 1 / sqrtq((q128)2) },
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        assert_true(fabsq((q128)c[i].got - c[i].want) <= 0.5 * DBL_EPSILON * fabsq(c[i].want));
}

/* erfcx(y) of the vector pass (lib/simd.h, three ranges) against 113-bit references. */
static void test_batch_erfcx(void **state)
{
    (void)state;
    double worst = 0;
    for (int i = 0; i <= 60000; ++i) {
        double y = i < 20000 ? i * (1.0 / 20000) : (i < 40000 ? 1 + (i - 20000) * (4.0 / 20000)
                                                             : 5 + (i - 40000) * (1e3 / 20000));
        q128 ref = expq((q128)y * y) * erfcq((q128)y);
        double e = fabs((double)(((q128)mgn__erfcx_all_v(y) - ref) / ref));
        worst = fmax(worst, e);
    }
    print_message("vector erfcx: max relative error %.3g over [0, 1005]\n", worst);
    assert_true(worst <= 1e-15);
}

/*---------------------------------------------------------------- bad input catalogue */
/* Every argument of every function of this file with the bad values of the catalogue
   (tests/README.md, tests/bad_input.h). */
#include "bad_input.h"

/* which 0: mgn_implied_vol, 1: mgn_black76_implied_vol; a = S/F K T r q price. */
static int iv_call(int which, int type, const double *a, double *sigma)
{
    return which == 0 ? mgn_implied_vol(type, a[0], a[1], a[2], a[3], a[4], a[5], sigma)
                      : mgn_black76_implied_vol(type, a[0], a[1], a[2], a[3], a[5], sigma);
}

static const bad_double *iv_bad_values(int arg, size_t *n)
{
    switch (arg) {
    case 0: case 1: case 2: *n = BAD_N(BAD_D_POSITIVE); return BAD_D_POSITIVE;
    case 5: *n = BAD_N(BAD_D_NONNEG); return BAD_D_NONNEG;
    default: *n = BAD_N(BAD_D_FINITE); return BAD_D_FINITE;
    }
}

static void test_bad_input_implied_vol_scalar(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    static const char *const fns[2] = { "mgn_implied_vol", "mgn_black76_implied_vol" };
    const double good[6] = { 100, 90, 0.5, 0.03, 0.01, 14 };  /* S K T r q price (a call) */
    for (int which = 0; which < 2; which++) {
        const char *fn = fns[which];
        const char *names[6] = { which ? "F" : "S", "K", "T", "r", "q", "price" };
        double sig;
        for (int arg = 0; arg < 6; arg++) {
            if (which == 1 && arg == 4)
                continue;
            size_t nv;
            const bad_double *v = iv_bad_values(arg, &nv);
            for (size_t k = 0; k < nv; k++) {
                double a[6];
                memcpy(a, good, sizeof a);
                a[arg] = v[k].v;
                bad_fill(&sig, sizeof sig);
                BAD_STATUS(fn, names[arg], v[k].label, MGN_EINVAL, iv_call(which, MGN_CALL, a, &sig));
                BAD_UNTOUCHED(&sig, sizeof sig);
            }
        }
        static const struct { const char *label; int v; } bad_type[] = {
            { "-1", -1 }, { "2", 2 }, { "INT_MAX", INT_MAX }, { "INT_MIN", INT_MIN } };
        for (size_t k = 0; k < BAD_N(bad_type); k++) {
            bad_fill(&sig, sizeof sig);
            BAD_STATUS(fn, "type", bad_type[k].label, MGN_EINVAL, iv_call(which, bad_type[k].v, good, &sig));
            BAD_UNTOUCHED(&sig, sizeof sig);
        }
        BAD_STATUS(fn, "sigma", "NULL", MGN_EINVAL, iv_call(which, MGN_CALL, good, NULL));
        /* prices without a solution */
        static const bad_double no_sol[] = { { "1e300 (above the upper bound)", 1e300 },
                                             { "DBL_MAX", DBL_MAX },
                                             { "1 (call below intrinsic)", 1 } };
        for (size_t k = 0; k < BAD_N(no_sol); k++) {
            double a[6];
            memcpy(a, good, sizeof a);
            a[5] = no_sol[k].v;
            bad_fill(&sig, sizeof sig);
            BAD_STATUS(fn, "price", no_sol[k].label, MGN_ENOSOL, iv_call(which, MGN_CALL, a, &sig));
            BAD_UNTOUCHED(&sig, sizeof sig);
        }
        /* bounds that overflow: r T so negative that K e^{-rT} (and for Black-76 the
           discounted forward) is infinite */
        double a[6];
        memcpy(a, good, sizeof a);
        a[3] = -1e300;
        bad_fill(&sig, sizeof sig);
        BAD_STATUS(fn, "r", "-1e300 (bounds overflow)", MGN_ERANGE,
                   iv_call(which, which ? MGN_CALL : MGN_PUT, a, &sig));
        BAD_UNTOUCHED(&sig, sizeof sig);
        if (which == 0) {
            memcpy(a, good, sizeof a);
            a[4] = -1e300;
            bad_fill(&sig, sizeof sig);
            BAD_STATUS(fn, "q", "-1e300 (bounds overflow)", MGN_ERANGE, iv_call(0, MGN_CALL, a, &sig));
            BAD_UNTOUCHED(&sig, sizeof sig);
        }
    }
}

static int iv_batch_call(int with_status, size_t n, const int *type, const double *const *a,
                         double *sigma, int *status)
{
    return with_status
        ? mgn_implied_vol_batch_status(n, type, a[0], a[1], a[2], a[3], a[4], a[5], sigma, status)
        : mgn_implied_vol_batch(n, type, a[0], a[1], a[2], a[3], a[4], a[5], sigma);
}

static void test_bad_input_implied_vol_batch(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    static const char *const fns[2] = { "mgn_implied_vol_batch", "mgn_implied_vol_batch_status" };
    static const char *const names[6] = { "S", "K", "T", "r", "q", "price" };
    enum { NE = 3 };
    const double good[6] = { 100, 90, 0.5, 0.03, 0.01, 14 };
    for (int ws = 0; ws < 2; ws++) {
        const char *fn = fns[ws];
        int type[NE] = { MGN_CALL, MGN_CALL, MGN_CALL };
        double arr[6][NE];
        for (int j = 0; j < 6; j++)
            for (int i = 0; i < NE; i++)
                arr[j][i] = good[j];
        const double *a[6] = { arr[0], arr[1], arr[2], arr[3], arr[4], arr[5] };
        double sig[NE];
        int st[NE];
        BAD_STATUS_NOTE(fn, "n", "0 (every array NULL)", MGN_OK, "nothing written",
                        iv_batch_call(ws, 0, NULL, (const double *const[6]){ 0 }, NULL, NULL));
        for (int j = -1; j <= 7; j++) {      /* -1 type, 0..5 inputs, 6 sigma, 7 status */
            if (j == 7 && !ws)
                continue;
            const double *b[6];
            memcpy(b, a, sizeof b);
            if (j >= 0 && j < 6)
                b[j] = NULL;
            const char *name = j == -1 ? "type" : j == 6 ? "sigma" : j == 7 ? "status" : names[j];
            bad_fill(sig, sizeof sig);
            bad_fill(st, sizeof st);
            BAD_STATUS_NOTE(fn, name, "NULL (n = 3)", MGN_EINVAL, "nothing written",
                            iv_batch_call(ws, NE, j == -1 ? NULL : type, b, j == 6 ? NULL : sig,
                                          j == 7 ? NULL : st));
            BAD_UNTOUCHED(sig, sizeof sig);
            BAD_UNTOUCHED(st, sizeof st);
            for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
                BAD_STATUS(fn, "n", BAD_SIZES_NULL[s].label, MGN_EINVAL,
                           iv_batch_call(ws, BAD_SIZES[s].v, j == -1 ? NULL : type, b,
                                         j == 6 ? NULL : sig, j == 7 ? NULL : st));
        }
        char arg_name[32];
        const char *note = ws ? "NaN and status[i] = MGN_EINVAL in that element, the others solved"
                              : "NaN in that element, the others solved";
        for (int j = 0; j < 6; j++) {
            size_t nv;
            const bad_double *v = iv_bad_values(j, &nv);
            snprintf(arg_name, sizeof arg_name, "%s[i]", names[j]);
            for (size_t k = 0; k < nv; k++) {
                arr[j][1] = v[k].v;
                BAD_STATUS_NOTE(fn, arg_name, v[k].label, MGN_EINVAL, note,
                                iv_batch_call(ws, NE, type, a, sig, st));
                arr[j][1] = good[j];
                assert_true(isnan(sig[1]) && isfinite(sig[0]) && isfinite(sig[2]));
                if (ws)
                    assert_true(st[1] == MGN_EINVAL && st[0] == MGN_OK && st[2] == MGN_OK);
            }
        }
        static const struct { const char *label; int v; } bad_type[] = {
            { "-1", -1 }, { "2", 2 }, { "INT_MAX", INT_MAX }, { "INT_MIN", INT_MIN } };
        for (size_t k = 0; k < BAD_N(bad_type); k++) {
            type[1] = bad_type[k].v;
            BAD_STATUS_NOTE(fn, "type[i]", bad_type[k].label, MGN_EINVAL, note,
                            iv_batch_call(ws, NE, type, a, sig, st));
            assert_true(isnan(sig[1]) && isfinite(sig[0]) && isfinite(sig[2]));
            if (ws)
                assert_true(st[1] == MGN_EINVAL);
        }
        type[1] = MGN_CALL;
        /* a price without a solution, the only failure: MGN_ENOSOL */
        arr[5][1] = 1e300;
        BAD_STATUS_NOTE(fn, "price[i]", "1e300 (above the upper bound)", MGN_ENOSOL,
                        ws ? "NaN and status[i] = MGN_ENOSOL in that element" : "NaN in that element",
                        iv_batch_call(ws, NE, type, a, sig, st));
        assert_true(isnan(sig[1]) && isfinite(sig[0]) && isfinite(sig[2]));
        if (ws)
            assert_true(st[1] == MGN_ENOSOL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_random),
        cmocka_unit_test(test_round_trip_wings),
        cmocka_unit_test(test_round_trip_rare_branches),
        cmocka_unit_test(test_round_trip_black76),
        cmocka_unit_test(test_round_trip_library_prices),
        cmocka_unit_test(test_published),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_extreme_inputs),
        cmocka_unit_test(test_batch),
        cmocka_unit_test(test_batch_round_trip_random),
        cmocka_unit_test(test_batch_matches_scalar),
        cmocka_unit_test(test_batch_erfcx),
        cmocka_unit_test(test_constants),
        cmocka_unit_test(test_bad_input_implied_vol_scalar),
        cmocka_unit_test(test_bad_input_implied_vol_batch),
    };
    return cmocka_run_group_tests_name("implied_vol", tests, NULL, NULL);
}
