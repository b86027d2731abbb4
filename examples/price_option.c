/*
 * price_option: price a small BTC-like option chain with libmargin.
 *
 *   make examples && build/examples/price_option
 *
 * For each expiry and strike, a call and a put: the BSM price and every Greek in the
 * library's units (vega per 1.00 of vol, theta per year; the table shows theta per
 * day), and the value in coin of the same option as an inverse (coin-settled,
 * Deribit-style) contract. Every call's status is checked; a failure prints
 * mgn_strerror() and the program exits non-zero.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "margin.h"

/* Report a failed libmargin call and exit. */
static void check(int status, const char *what)
{
    if (status != MGN_OK) {
        fprintf(stderr, "price_option: %s failed: %s (status %d)\n", what,
                mgn_strerror(status), status);
        exit(EXIT_FAILURE);
    }
}

/* A toy smile: 60% at the money, higher in the wings, flatter with time. */
static double smile(double S, double K, double T)
{
    double m = (K / S - 1.0) / (T > 0 ? sqrt(T) : 1.0);
    return 0.60 + 0.08 * m * m - 0.02 * m;
}

int main(void)
{
    const double S = 60000.0, r = 0.03, q = 0.0;   /* spot, rate, carry (continuous) */
    const double strikes[] = {50000, 55000, 60000, 65000, 70000};
    const int days[] = {7, 30, 90};
    const size_t n_k = sizeof strikes / sizeof strikes[0];
    const size_t n_t = sizeof days / sizeof days[0];

    if (mgn_version_number() / 10000 != MGN_VERSION_MAJOR) {
        fprintf(stderr, "price_option: built against libmargin %d.x, linked with %s\n",
                MGN_VERSION_MAJOR, mgn_version());
        return EXIT_FAILURE;
    }
    printf("libmargin %s: BSM chain, spot %.0f, r = %.2f%%, q = %.2f%%\n",
           mgn_version(), S, 100 * r, 100 * q);
    printf("%-4s %4s %7s %6s %10s %8s %10s %9s %9s %9s %10s %8s %9s %10s %9s\n",
           "type", "days", "strike", "vol", "price", "delta", "gamma", "vega", "theta/d",
           "rho", "div_rho", "vanna", "volga", "charm/d", "coin");

    for (size_t j = 0; j < n_t; j++) {
        double T = days[j] / 365.0;
        for (size_t i = 0; i < n_k; i++) {
            double K = strikes[i], vol = smile(S, K, T);
            for (int type = MGN_CALL; type <= MGN_PUT; type++) {
                mgn_greeks g;
                double coin;
                check(mgn_bs_greeks((mgn_option_type)type, S, K, T, r, q, vol, &g),
                      "mgn_bs_greeks");
                check(mgn_inverse_price((mgn_option_type)type, S, K, T, r, q, vol, &coin),
                      "mgn_inverse_price");
                printf("%-4s %4d %7.0f %5.1f%% %10.2f %8.4f %10.3e %9.2f %9.2f %9.2f "
                       "%10.2f %8.4f %9.0f %10.3e %9.5f\n",
                       type == MGN_CALL ? "call" : "put", days[j], K, 100 * vol, g.price,
                       g.delta, g.gamma, g.vega, g.theta / 365.0, g.rho, g.dividend_rho,
                       g.vanna, g.volga, g.charm / 365.0, coin);
            }
        }
    }

    /* The coin-settled view of one option: value and premium-adjusted delta. */
    {
        mgn_greeks inv;
        double K = 65000.0, T = 30 / 365.0, vol = smile(S, K, T);
        check(mgn_inverse_greeks(MGN_CALL, S, K, T, r, q, vol, &inv), "mgn_inverse_greeks");
        printf("\ninverse 30-day %.0f call: %.6f coin, delta %.3e coin per 1 of S "
               "(premium-adjusted delta S*delta = %.4f)\n", K, inv.price, inv.delta,
               S * inv.delta);
    }

    /* Bad input is a status, never a crash: a negative strike. */
    {
        double price = 0.0;
        int st = mgn_bs_price(MGN_CALL, S, -1.0, 0.25, r, q, 0.6, &price);
        printf("mgn_bs_price with K = -1: status %d, \"%s\"\n", st, mgn_strerror(st));
        if (st != MGN_EINVAL)
            return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
