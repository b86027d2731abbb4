/*
 * implied_vol: recover a volatility smile from quoted option prices with libmargin.
 *
 *   make examples && build/examples/implied_vol
 *
 * The quotes are built from a known smile (out-of-the-money puts below the forward,
 * calls above it, as a venue's book would show them), priced with
 * mgn_bs_price_batch, then inverted in one call to mgn_implied_vol_batch_status,
 * which also says why a quote has no implied vol. Three bad quotes are appended: a
 * call below its intrinsic value, a call above the upper bound (worth more than the
 * underlying) and a quote with no price (NaN). The program prints strike, price,
 * implied vol and the status text of every quote, and exits non-zero if a good quote
 * is not recovered to 1e-12 or a bad one gets an unexpected status.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "margin.h"

#define N_SMILE 11
#define N_BAD 3
#define N (N_SMILE + N_BAD)

/* The smile the quotes come from: total variance rising in the wings, skewed. */
static double true_vol(double F, double K, double T)
{
    double k = log(K / F) / sqrt(T);
    return 0.55 + 0.10 * k * k - 0.05 * k;
}

int main(void)
{
    const double S = 60000.0, r = 0.03, q = 0.0, T = 30 / 365.0;
    const double F = S * exp((r - q) * T);
    int type[N];
    double Sv[N], K[N], Tv[N], rv[N], qv[N], vol[N], price[N], iv[N];
    int status[N], expect[N];
    const char *note[N] = {0};
    int bad = 0;

    for (int i = 0; i < N; i++) {
        Sv[i] = S; Tv[i] = T; rv[i] = r; qv[i] = q;
        expect[i] = MGN_OK;
    }
    for (int i = 0; i < N_SMILE; i++) {
        K[i] = 40000.0 + 4000.0 * i;                    /* 40000 .. 80000 */
        type[i] = K[i] < F ? MGN_PUT : MGN_CALL;        /* out of the money */
        vol[i] = true_vol(F, K[i], T);
    }
    int st = mgn_bs_price_batch(N_SMILE, type, Sv, K, Tv, rv, qv, vol, price);
    if (st != MGN_OK) {
        fprintf(stderr, "implied_vol: mgn_bs_price_batch failed: %s\n", mgn_strerror(st));
        return EXIT_FAILURE;
    }

    /* A call quoted below intrinsic: no vol gives a price under the discounted
       forward intrinsic. */
    int b = N_SMILE;
    type[b] = MGN_CALL; K[b] = 50000.0; vol[b] = NAN;
    price[b] = 0.95 * (S * exp(-q * T) - K[b] * exp(-r * T));
    expect[b] = MGN_ENOSOL;
    note[b] = " (quote below intrinsic)";
    /* A call quoted above the upper bound S e^{-qT}: worth more than the coin. */
    b++;
    type[b] = MGN_CALL; K[b] = 70000.0; vol[b] = NAN;
    price[b] = 1.01 * S * exp(-q * T);
    expect[b] = MGN_ENOSOL;
    note[b] = " (quote above the upper bound S e^-qT)";
    /* No price at all. */
    b++;
    type[b] = MGN_PUT; K[b] = 60000.0; vol[b] = NAN;
    price[b] = NAN;
    expect[b] = MGN_EINVAL;
    note[b] = " (no price)";

    st = mgn_implied_vol_batch_status(N, type, Sv, K, Tv, rv, qv, price, iv, status);

    printf("libmargin %s: implied vols of %d quotes, spot %.0f, forward %.2f, %.0f days\n",
           mgn_version(), N, S, F, T * 365);
    printf("%-4s %8s %12s %10s %10s %10s  %s\n", "type", "strike", "price", "true vol",
           "implied", "rel.err", "status");
    for (int i = 0; i < N; i++) {
        double err = isnan(vol[i]) ? NAN : fabs(iv[i] - vol[i]) / vol[i];
        char tv[32] = "-", im[32] = "-", er[32] = "-";
        if (!isnan(vol[i]))
            snprintf(tv, sizeof tv, "%.4f%%", 100 * vol[i]);
        if (!isnan(iv[i]))
            snprintf(im, sizeof im, "%.4f%%", 100 * iv[i]);
        if (!isnan(err))
            snprintf(er, sizeof er, "%.1e", err);
        printf("%-4s %8.0f %12.4f %10s %10s %10s  %s%s\n", type[i] == MGN_CALL ? "call" : "put",
               K[i], price[i], tv, im, er, mgn_strerror(status[i]), note[i] ? note[i] : "");
        if (status[i] != expect[i]) {
            fprintf(stderr, "implied_vol: quote %d: status %d, expected %d\n", i, status[i],
                    expect[i]);
            bad = 1;
        } else if (status[i] == MGN_OK && !(err <= 1e-12)) {
            fprintf(stderr, "implied_vol: quote %d: relative error %.3e\n", i, err);
            bad = 1;
        } else if (status[i] != MGN_OK && !isnan(iv[i])) {
            fprintf(stderr, "implied_vol: quote %d failed but its slot is not NaN\n", i);
            bad = 1;
        }
    }
    /* The call's own status: the worst kind of failure among the quotes. */
    printf("mgn_implied_vol_batch_status returned %d: %s\n", st, mgn_strerror(st));
    if (st != MGN_EINVAL)
        bad = 1;
    return bad ? EXIT_FAILURE : EXIT_SUCCESS;
}
