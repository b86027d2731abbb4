/*
 * libmargin: option pricing, implied volatility and margin for derivatives risk engines.
 *
 * This header is the whole public API, documented in place. It compiles as C99 and
 * as C++ and includes only <stddef.h> and <stdint.h>.
 *
 * Stability promise
 *   Within one major version (MGN_VERSION_MAJOR, carried in the soname
 *   libmargin.so.MAJOR) every declaration here keeps its name, argument order, types
 *   and struct layout. New functions may be added in minor versions. Status codes
 *   never change meaning; new codes may be added.
 *
 * Conventions (every function)
 *   - Returns int: MGN_OK (0) on success, a nonzero mgn_status on failure.
 *     mgn_strerror() names every code.
 *   - Scalar calls leave every output untouched on failure.
 *   - Batch calls (suffix _batch) never stop half-way: an element with invalid input
 *     gets NaN in its output slot (every field NaN for a struct) and the call returns
 *     MGN_EINVAL after finishing the other elements. n == 0 is valid, does nothing and
 *     the array pointers may then be NULL.
 *   - No function prints, reads files or the environment, allocates in a hot path,
 *     keeps global state or changes the floating-point environment. Every function is
 *     reentrant and thread-safe on distinct outputs; inputs may be shared read-only.
 *   - No NaN or infinity ever leaves a call that returned MGN_OK.
 *   - Working storage of fixed size lives on the stack: about 140 KB for
 *     mgn_scenario_pnl and the VaR simulations that price through it, 110 KB for SPAN
 *     and the portfolio-margin grid, 155 KB for mgn_american_price (measured on x86-64,
 *     GCC 12). Call them on threads with at least 256 KB of stack (musl's default
 *     thread stack, 128 KB, is too small; glibc's is 8 MB).
 *
 * Units (one convention everywhere)
 *   Time in years (ACT/365 is the caller's choice). Rates r and carry/dividend yields q
 *   continuously compounded per year. Volatility per sqrt(year) as a fraction
 *   (0.8 = 80%). Sensitivities per one unit of the raw input: vega per 1.00 of sigma
 *   (not per 1%), rho per 1.00 of r, theta per year of calendar time passing
 *   (theta = -dV/dT). Quantities are signed: + long, - short.
 */
#ifndef MARGIN_H
#define MARGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* MGN_API marks the exported symbols; everything else in the library is hidden. */
#if defined(__GNUC__) || defined(__clang__)
#define MGN_API __attribute__((visibility("default")))
#else
#define MGN_API
#endif

/*======================================================================
 * Version
 *====================================================================*/
#define MGN_VERSION_MAJOR 1
#define MGN_VERSION_MINOR 0
#define MGN_VERSION_PATCH 0
#define MGN_VERSION_NUMBER (MGN_VERSION_MAJOR * 10000 + MGN_VERSION_MINOR * 100 + MGN_VERSION_PATCH)

/* "MAJOR.MINOR.PATCH" of the library actually linked (not of this header). */
MGN_API const char *mgn_version(void);
/* MGN_VERSION_NUMBER of the library actually linked: compare with the macro to detect
   a header/library mismatch at run time. */
MGN_API int mgn_version_number(void);

/*======================================================================
 * Status codes
 *====================================================================*/
typedef enum mgn_status {
    MGN_OK      = 0,
    MGN_EINVAL  = 1,  /* an argument is outside its domain: NaN/inf, sigma < 0, T < 0, K <= 0, S <= 0, NULL pointer */
    MGN_ENOSOL  = 2,  /* no solution exists (e.g. price outside no-arbitrage bounds for implied vol) */
    MGN_ENOCONV = 3,  /* an iteration did not converge */
    MGN_ENOMEM  = 4,  /* allocation failed or caller's workspace too small */
    MGN_ERANGE  = 5,  /* a count or size is out of range / would overflow */
    MGN_ESTALE  = 6   /* a decision refused: the price failed the oracle guards
                         (see mgn_oracle_index) */
} mgn_status;

/* Static English description of a status code; never NULL (unknown codes get
   "unknown status"). */
MGN_API const char *mgn_strerror(int status);

/*======================================================================
 * Struct sizes, for bindings (ctypes, cffi) that mirror the structs below
 *
 * A binding compares sizeof of its own mirror with these and refuses a mismatched
 * library instead of corrupting memory.
 *====================================================================*/
MGN_API size_t mgn_sizeof_greeks(void);

/*======================================================================
 * European options: Black-Scholes-Merton and Black-76
 *
 * Domain: S, F, K > 0 and finite; T >= 0; sigma >= 0; r, q finite. Anything else is
 * MGN_EINVAL. type is MGN_CALL or MGN_PUT.
 *
 * Method: closed forms evaluated in normalised form (Jaeckel, "Let's Be Rational",
 * 2015, sec. 2): an out-of-the-money option is priced directly and an in-the-money
 * one through put-call parity, so the intrinsic part never cancels; normal tails are
 * computed as tails (the density times the Mills ratio, within 4 eps), never as
 * 1 - N(x); where the difference of the two normal terms itself cancels
 * (small sigma*sqrt(T), far from the money) a series in sigma*sqrt(T) of the scaled
 * normal ratio is used instead (Jaeckel 2015, sec. 3.4).
 *
 * Accuracy (measured against a 113-bit reference of the same closed forms over
 * S, K in [0.01, 1e5], K/S in [0.2, 5], T in [1e-6, 10], sigma in [0.01, 4],
 * r in [-2%, 15%], q in [-5%, 20%]; see tests/test_pricing.c): price within
 * 1e-12 relative, or 1e-12 * max(S, K) absolute where the price is near zero;
 * Greeks within 1e-9 on the same terms.
 *
 * Exact edge cases (no NaN, no failure):
 *   T == 0: the payoff. price = intrinsic; delta = 1 (call, S > K), -1 (put, S < K),
 *     0 otherwise, +0.5 / -0.5 at S == K; every other Greek 0.
 *   sigma == 0, T > 0: the sigma -> 0+ limits. price = discounted forward intrinsic;
 *     delta = e^{-qT} 1{F > K} (call), -e^{-qT} 1{F < K} (put); gamma, vega, vanna,
 *     volga = 0; theta, rho, dividend_rho, charm are the derivatives of that
 *     deterministic value. At F == K exactly gamma is unbounded: the Greeks
 *     functions return MGN_ERANGE there (the price functions still succeed).
 *====================================================================*/
typedef enum mgn_option_type { MGN_CALL = 0, MGN_PUT = 1 } mgn_option_type;

/* Units: T in years; r, q continuously compounded per year; sigma per sqrt(year).
   Sensitivities are per one unit of the raw input: vega per 1.00 of sigma (not per 1%),
   rho per 1.00 of r, theta per year of calendar time passing (theta = -dV/dT). */
typedef struct mgn_greeks {
    double price;
    double delta;        /* dV/dS  (Black-76: dV/dF) */
    double gamma;        /* d2V/dS2 (Black-76: d2V/dF2) */
    double vega;         /* dV/dsigma */
    double theta;        /* -dV/dT */
    double rho;          /* dV/dr */
    double dividend_rho; /* dV/dq (Black-76: 0) */
    double vanna;        /* d2V/dS dsigma */
    double volga;        /* d2V/dsigma2 */
    double charm;        /* d(delta)/dt = -d2V/dS dT */
} mgn_greeks;

/* Black-Scholes-Merton, European, continuous dividend/carry yield q.
   V = e^{-rT} [F N(d1) - K N(d2)] (call), F = S e^{(r-q)T}. Theta, rho and
   dividend_rho hold S fixed. The price of mgn_bs_greeks is mgn_bs_price's, bit for bit
   (likewise for the Black-76 and coin-settled pairs below). */
MGN_API int mgn_bs_price (mgn_option_type type, double S, double K, double T,
                          double r, double q, double sigma, double *price);
MGN_API int mgn_bs_greeks(mgn_option_type type, double S, double K, double T,
                          double r, double q, double sigma, mgn_greeks *out);

/* Black-76 on a forward/futures price F, discounted at r. Theta and charm hold F
   fixed (so rho = -T * V); delta and gamma are with respect to F; dividend_rho = 0. */
MGN_API int mgn_black76_price (mgn_option_type type, double F, double K, double T,
                               double r, double sigma, double *price);
MGN_API int mgn_black76_greeks(mgn_option_type type, double F, double K, double T,
                               double r, double sigma, mgn_greeks *out);

/*----------------------------------------------------------------------
 * Inverse (coin-settled) European options, Deribit style
 *
 * An inverse option pays its quote-currency payoff converted to coin at expiry:
 * max(S_T - K, 0) / S_T per unit for a call. Its value in coin today is V_quote / S,
 * with V_quote the BSM value above. These functions return that coin value and the
 * Greeks of V_quote / S with respect to the same raw inputs, in coin:
 *   delta = d(V/S)/dS = delta_q / S - V / S^2            (coin per 1 quote unit of S)
 *   gamma = gamma_q / S - 2 delta_q / S^2 + 2 V / S^3
 *   vega, theta, rho, dividend_rho, volga = the quote Greek / S
 *   vanna = vanna_q / S - vega_q / S^2,  charm = charm_q / S - theta_q / S^2.
 * S * delta = delta_q - V / S is the "premium-adjusted" delta venues quote for
 * coin-settled options. Domain, accuracy and edge cases as mgn_bs_*.
 *--------------------------------------------------------------------*/
MGN_API int mgn_inverse_price (mgn_option_type type, double S, double K, double T,
                               double r, double q, double sigma, double *price_coin);
MGN_API int mgn_inverse_greeks(mgn_option_type type, double S, double K, double T,
                               double r, double q, double sigma, mgn_greeks *out);

/*======================================================================
 * Implied volatility
 *
 * Solves BSM price(sigma) = price for sigma >= 0 (Black-76: on F, discounted at r).
 * Method: the normalised price is inverted with a rational initial guess on the
 * transformed price and at most a fixed small number of third-order Householder
 * steps (after Jaeckel, "Let's Be Rational", 2015); it never loops unbounded.
 * Accuracy: |sigma - true| <= 1e-12 * sigma wherever the price carries that
 * information (vega not negligible against the price), from deep wings to the money,
 * for T from one day to decades; elsewhere a sigma whose price is within a few ulps
 * of the given one.
 *
 * Status:
 *   MGN_OK      price equal to the lower bound (discounted forward intrinsic) gives
 *               sigma = 0.
 *   MGN_ENOSOL  price below the lower bound, or at or above the upper bound
 *               (S e^{-qT} for a call, K e^{-rT} for a put).
 *   MGN_EINVAL  negative or non-finite price, T == 0, invalid S, K, T, r, q, type,
 *               NULL sigma.
 *   MGN_ENOCONV never expected; reported rather than returning an inaccurate sigma.
 *   MGN_ERANGE  valid inputs whose normalised form over- or underflows (e.g. r*T in
 *               the hundreds), or a sigma that would not be finite or would underflow
 *               below DBL_MIN (a positive time value over T near DBL_MAX).
 *====================================================================*/
MGN_API int mgn_implied_vol(mgn_option_type type, double S, double K, double T,
                            double r, double q, double price, double *sigma);
MGN_API int mgn_black76_implied_vol(mgn_option_type type, double F, double K, double T,
                                    double r, double price, double *sigma);

/*======================================================================
 * Batch forms (structure of arrays)
 *
 * n elements; type[i] is MGN_CALL or MGN_PUT (any other value is invalid input). The
 * kernels are vectorised and pick the best instruction set of the running CPU (SSE2,
 * AVX2, AVX-512) at load time. The implied-vol forms solve in vector passes of their
 * own (the normalised price inverted from a closed-form guess by three third-order
 * Householder steps on its logarithm, after Jaeckel, "Let's Be Rational", 2015) every
 * element whose sigma those passes can vouch for, and with mgn_implied_vol's method the
 * others (invalid input, prices at or outside the bounds, the far wings of very short
 * lives); every status is mgn_implied_vol's, and every sigma within 1e-12 relative of
 * its result (measured 7e-14; they may differ in the last digits).
 * Accuracy of prices and Greeks against the scalar
 * functions, with s = sigma sqrt(T) and scale = max(S e^{-qT}, K e^{-rT}): prices within
 * 1e-13 * scale absolute (typically 1e-16 * scale), and within max(1e-12, 2e-14 / s)
 * relative where the value exceeds 1e-13 * scale (a value below DBL_MIN, where the
 * spacing of doubles is 2^-1074, within a few units of that spacing); delta, gamma,
 * vega, theta, rho and dividend_rho within max(1e-10, 5e-15 / s) relative; vanna, volga and charm within
 * max(1e-10, 5e-13 / s) relative to the larger of their value and the size of their
 * terms (the same Greek with |d1| and |d2| raised to at least 1 and every term taken
 * in absolute value: near d2 = 0, d1 d2 = 0 or where charm's terms cancel the value
 * goes to 0, the kernel's rounding does not). So 1e-12 and 1e-10 hold for s >= 0.02
 * (e.g. 30% vol with more than 40 hours to expiry); closer to expiry the difference
 * grows like 1 / s (the kernel rounds log(S/K) once, which moves d1 by about
 * 1e-16 / s and a Greek by |d1| times that, |d1| up to 37 where values are not 0),
 * and for prices in the far wings only the absolute bound holds. The scalar
 * functions keep full relative accuracy everywhere: use them where that matters.
 * (The kernels use the vector math library, within 4 ulp per elementary function.
 * The elements where the direct formula could lose more go, out of the money in the
 * far wings, through a second vector pass on the Mills ratio (W. J. Cody's rational
 * erfcx), and otherwise, or where that pass could lose more, to the scalar method.)
 *
 * Every element is computed; an element with invalid input (or no implied vol) gets
 * NaN (Greeks: all fields NaN) and the call returns MGN_EINVAL (or MGN_ENOSOL when
 * that is the only kind of failure; for the Greeks, MGN_ERANGE where the only
 * failures are the unbounded gamma of sigma == 0, F == K). Where no element is
 * invalid, an element whose scalar call returns MGN_ERANGE (inputs whose products
 * overflow, e.g. r*T) makes the call return MGN_ERANGE. A NULL array with n > 0 is
 * MGN_EINVAL with nothing written. Output arrays must not overlap the inputs.
 *====================================================================*/
MGN_API int mgn_bs_price_batch (size_t n, const int *type, const double *S, const double *K,
                                const double *T, const double *r, const double *q,
                                const double *sigma, double *price);
MGN_API int mgn_bs_greeks_batch(size_t n, const int *type, const double *S, const double *K,
                                const double *T, const double *r, const double *q,
                                const double *sigma, mgn_greeks *out);
MGN_API int mgn_black76_price_batch (size_t n, const int *type, const double *F,
                                     const double *K, const double *T, const double *r,
                                     const double *sigma, double *price);
MGN_API int mgn_black76_greeks_batch(size_t n, const int *type, const double *F,
                                     const double *K, const double *T, const double *r,
                                     const double *sigma, mgn_greeks *out);
MGN_API int mgn_implied_vol_batch(size_t n, const int *type, const double *S, const double *K,
                                  const double *T, const double *r, const double *q,
                                  const double *price, double *sigma);
/* As mgn_implied_vol_batch, and also writes status[i], the status mgn_implied_vol
   would have returned for element i (MGN_ENOSOL for a price below intrinsic or at or
   above the upper bound, MGN_EINVAL for bad input), so a smile fitter knows why each
   quote failed. status may not be NULL when n > 0. */
MGN_API int mgn_implied_vol_batch_status(size_t n, const int *type, const double *S,
                                         const double *K, const double *T, const double *r,
                                         const double *q, const double *price,
                                         double *sigma, int *status);

/*======================================================================
 * American options
 *
 * Price with the early-exercise premium included, BSM dynamics with carry q.
 * Method: the exercise boundary of Andersen, Lake and Offengenden, "High-performance
 * American option pricing" (J. Comput. Finance, 2016): their fixed-point system
 * (FP-B) on Chebyshev nodes in sqrt(tau), solved by Newton's method with the exact
 * Jacobian from the QD+ starting boundary, Gauss-Legendre quadrature of the integrals,
 * then the price = European + the early-exercise premium integral. Where Newton's
 * method fails on FP-B (a retry with shorter steps included) their FP-A form is
 * solved instead: at r = 0 with q < 0 and small volatilities FP-B's denominator
 * nearly cancels. Calls are priced
 * through the McDonald-Schroder symmetry C(S, K, r, q) = P(K, S, q, r). Where early
 * exercise is never optimal (a put with r <= 0 and q >= r; a call with q <= 0 and
 * r >= q) the European price is returned exactly. With q < r < 0 (puts) or
 * r < q < 0 (calls) the exercise region has two boundaries (Andersen and Lake,
 * "Fast American option pricing: the double-boundary case", 2021), solved jointly;
 * where a bound on its integral puts that premium below 1e-13 K (the spot many standard
 * deviations from the band r K/q < S < K, or T near 0) the European price is returned
 * without solving. A rate or carry x with |x| T max(1, e^{-rT}) <= 1e-13 (r, T: of the
 * put of the symmetry) is priced as 0, which moves the value by at most 1e-13 K each
 * (the value is Lipschitz in r and q with constant T K max(1, e^{-rT})); where that
 * bound is below 1e-2 K for the rate of a double-boundary put, a double-boundary
 * value farther than it from the value at rate 0 (a failed solve: at small
 * volatilities the lower boundary starts at K r/q, many log units down) is replaced
 * by the value at rate 0.
 * Accuracy: within 1e-6 relative (or 1e-7 * K absolute for prices near zero) of
 * high-resolution references (QuantLib's QdFpAmericanEngine at a scheme finer than
 * its high-precision one; finite differences on 4000 x 8000 grids for the double-
 * boundary cases) for T up to 10 years, sigma from 0.01 to 2, r and q of both signs
 * (tests/test_american.c, tests/data/american_ref.csv; also three scans of about
 * 20,000 random single-boundary options each against the QdFp engine: worst 0.44,
 * 0.52 and 0.82 of that tolerance; 120 double-boundary options against the finite
 * differences: worst 0.44 of it with their uncertainty).
 * The premium integral is taken in parts over long lives at high rates, and split at
 * the crossing time where the drift carries the forward through the exercise
 * boundary during the life (q > r, small volatilities). Where Newton's method fails
 * from its usual start (scattered points, e.g. of a thin band of puts with a carry
 * just below -sigma^2/2 at rates near 0), the boundary is solved again from the
 * solution for a volatility 0.1% or 1% away (continuation).
 * Speed: about 4 us per price (bench/README.md); strongly drift-dominated cases
 * (T (r - q)^2 / sigma^2 > 2) take 15-30 us, the double-boundary case about 65 us
 * at usual volatilities but up to a few milliseconds as sigma nears 0.01 (where the
 * boundaries meet early and their meeting time is found by repeated solves: 1-2 ms
 * measured on the development machine). Every iteration has a fixed bound. Far
 * outside any market (T beyond 1000 years, sigma beyond 10, |r| or |q| beyond 10, i.e.
 * 1000% a year) only the bounds below are promised: each solve gets one attempt,
 * without the retries, and where it fails the European value clamped to the bounds is
 * returned (over the fuzz corpus, 1,570 mostly absurd inputs, the slowest price took
 * 2.4 ms on the development machine and the mean was 0.2 ms).
 * Memory: nothing is allocated; the call uses about 150 KB of stack.
 * Domain and edge cases as mgn_bs_price; sigma == 0 gives the value of the best
 * deterministic exercise time (now, at T, or at t* = ln(qS / (rK)) / (q - r)).
 * Every price lies between that sigma == 0 value V0 and V0 + 2 X max(1, e^{-cT})
 * sqrt(e^{sigma^2 T} - 1) (X, c: spot and carry of a put, strike and rate of a call;
 * Jensen's and Doob's inequalities), and is V0 where that spread is below 1e-13 K: the
 * guarantee below the documented volatilities (sigma < 0.01), where the iteration
 * alone is not accurate.
 *====================================================================*/
MGN_API int mgn_american_price(mgn_option_type type, double S, double K, double T,
                               double r, double q, double sigma, double *price);

/*======================================================================
 * Portfolio model
 *
 * One data model serves every margin method. Plain structs with a fixed layout
 * (bindings check their sizes with the mgn_sizeof_* functions).
 *
 * Conventions:
 *   - Options are priced with BSM on the underlying's market (spot, rate, carry), i.e.
 *     Black-76 on the forward F = spot * exp((rate - carry) * T), with the position's own
 *     mark implied volatility.
 *   - Linear contracts settle in the quote currency: value = quantity * multiplier * price.
 *   - Inverse contracts settle in the underlying coin: an inverse option is worth
 *     quantity * multiplier * V_quote(S) / S coin; an inverse future or perpetual has
 *     multiplier = quote notional per contract and P&L in coin of
 *     quantity * multiplier * (1/entry - 1/price).
 *   - Results are reported in `currency`: MGN_QUOTE, or an underlying index u >= 0 for
 *     the coin of underlying u. Quote amounts convert to coin at the (scenario's) index
 *     price of u; coin amounts of u to quote at that price.
 *====================================================================*/
enum { MGN_OPTION = 0, MGN_FUTURE = 1, MGN_PERPETUAL = 2 };   /* mgn_position.instrument */
enum { MGN_LINEAR = 0, MGN_INVERSE = 1 };                     /* mgn_position.settlement */
enum { MGN_EUROPEAN = 0, MGN_AMERICAN = 1 };                  /* mgn_position.exercise   */
#define MGN_QUOTE (-1)  /* report in the quote currency; an index u >= 0 means the coin of underlying u */
#define MGN_VOL_FLOOR 1e-4  /* shocked implied volatilities never go below this */

typedef struct mgn_market {      /* one per underlying, indexed from 0 */
    double spot;                 /* index price */
    double rate;                 /* r, continuously compounded */
    double carry;                /* q: forward F(T) = spot * exp((rate - carry) * T) */
} mgn_market;

typedef struct mgn_position {
    int    instrument;   /* MGN_OPTION, MGN_FUTURE, MGN_PERPETUAL */
    int    underlying;   /* index into the mgn_market array */
    int    option_type;  /* MGN_CALL / MGN_PUT, options only */
    int    settlement;   /* MGN_LINEAR / MGN_INVERSE */
    int    exercise;     /* MGN_EUROPEAN / MGN_AMERICAN, options only */
    int    reserved;     /* must be 0 */
    double quantity;     /* signed contracts: + long, - short */
    double multiplier;   /* options and linear futures: underlying units per contract;
                            inverse futures and perpetuals: quote-currency notional per contract */
    double strike;       /* options */
    double expiry;       /* years to expiry: options and futures */
    double vol;          /* mark implied volatility: options */
    double entry_price;  /* average entry price: futures and perpetuals */
} mgn_position;

typedef struct mgn_shock {
    double price;        /* relative move: S' = S * (1 + price) */
    double vol;          /* absolute move of every option's vol on that underlying,
                            floored at MGN_VOL_FLOOR (1e-4) */
} mgn_shock;

MGN_API size_t mgn_sizeof_market(void);
MGN_API size_t mgn_sizeof_position(void);
MGN_API size_t mgn_sizeof_shock(void);

/* P&L of the whole portfolio in each of n_scen scenarios, in `currency`.
   shocks is row-major n_scen x n_mkt; dt (years) passes in every scenario.
   Positions settled in another currency are converted at the scenario's price. */
MGN_API int mgn_scenario_pnl(const mgn_market *mkt, size_t n_mkt,
                             const mgn_position *pos, size_t n_pos,
                             const mgn_shock *shocks, size_t n_scen, double dt,
                             int currency, double *pnl);

/* Scenario valuation, exactly (lib/scenario.c; MARGIN-MODEL.md section 2):
 *   - In scenario s underlying u moves to S_u' = S_u * (1 + shocks[s*n_mkt+u].price)
 *     (price > -1) and every option on u gets the vol sigma' = max(sigma + dv,
 *     MGN_VOL_FLOOR) with dv = shocks[s*n_mkt+u].vol; dv == 0 leaves sigma unchanged
 *     (so a scenario with no move, no vol shock and dt == 0 has a P&L of exactly 0).
 *   - Time to expiry becomes max(T - dt, 0); an option at 0 pays its intrinsic value
 *     at S_u' (inverse: divided by S_u'); a future at 0 is worth S_u' - entry.
 *   - P&L of a position = quantity * multiplier * (unit value after - unit value
 *     now) in its settlement currency (unit values as the conventions above: V_quote,
 *     V_quote/S, F - entry, 1/entry - 1/F with F = S e^{(r-q)T}, perpetuals F = S).
 *     Coin P&L of underlying u converts to quote at S_u'; quote converts to the coin
 *     of underlying c at S_c' (S_c' = S_c when that scenario does not move c).
 *   - Accuracy: each European option's value as the batch pricers': within 1e-12
 *     relative of mgn_bs_price, or within 1e-13 of max(S e^{-qT}, K e^{-rT}) absolute
 *     for far-wing values worth less than that; American as mgn_american_price.
 *   - Speed: European options are vectorised across positions (chunks of 128, priced
 *     over blocks of 16 scenarios), across scenarios for few positions, or one lane
 *     per position-scenario for small books, with everything that does not depend on
 *     the scenario computed once per call: about 7-11 ns per position-scenario on one
 *     AVX-512 core for 100 positions and more, 14-19 ns for 10 x 10 (bench/README.md).
 *   - Validation: markets (spot > 0, finite rate and carry), every position (see
 *     mgn_portfolio_check), shocks (finite, price > -1, S*(1+price) finite), dt finite
 *     and >= 0, currency MGN_QUOTE or < n_mkt; NULL arrays with a count > 0 and a NULL
 *     pnl with n_scen > 0 are MGN_EINVAL; n_scen * n_mkt overflowing size_t, or
 *     n_mkt > INT_MAX, is MGN_ERANGE. All checked before anything is written.
 *     n_scen == 0 does nothing. If a value overflows during valuation (only with
 *     extreme inputs) or the American pricer fails, every pnl[s] is set to NaN and
 *     its status (MGN_ERANGE, ...) returned. */

/* P&L of each position in each scenario (a risk array per position):
   pnl[s * n_pos + i] is position i's P&L in scenario s, in `currency`, with the
   conventions and validation of mgn_scenario_pnl. The caller provides n_scen * n_pos
   doubles (MGN_ERANGE if that size overflows). Summing a row gives mgn_scenario_pnl's
   value up to rounding. */
MGN_API int mgn_scenario_pnl_matrix(const mgn_market *mkt, size_t n_mkt,
                                    const mgn_position *pos, size_t n_pos,
                                    const mgn_shock *shocks, size_t n_scen, double dt,
                                    int currency, double *pnl);

/* Validation of a portfolio, as every function above does it. A position is valid when:
 * reserved == 0; instrument, settlement are known codes; 0 <= underlying < n_mkt;
 * quantity, multiplier, strike, expiry, vol, entry_price are all finite (unused ones
 * too); multiplier > 0, expiry >= 0, vol >= 0; options: option_type MGN_CALL/MGN_PUT,
 * exercise MGN_EUROPEAN/MGN_AMERICAN, strike > 0; futures and perpetuals:
 * entry_price > 0 (option_type and exercise are ignored). Markets: spot > 0 and
 * finite, rate and carry finite. Returns MGN_OK, MGN_EINVAL (and the index of the
 * first bad position in *first_bad when first_bad is not NULL and a position is the
 * cause), or MGN_ERANGE for n_mkt > INT_MAX. */
MGN_API int mgn_portfolio_check(const mgn_market *mkt, size_t n_mkt,
                                const mgn_position *pos, size_t n_pos, size_t *first_bad);

/* Mark-to-market value of the portfolio in `currency` at today's prices:
   sum of quantity * multiplier * unit value (options at their value, long +, short -;
   futures and perpetuals at their unrealised P&L against entry_price), coin amounts
   converted at today's index prices. Inverse future: quantity * multiplier *
   (1/entry - 1/F(T)) coin. */
MGN_API int mgn_portfolio_value(const mgn_market *mkt, size_t n_mkt,
                                const mgn_position *pos, size_t n_pos,
                                int currency, double *value);

/* Net Greeks of the positions on one underlying u, in quote terms and in coin terms.
 * W_q(S) is their value in quote (coin-settled positions converted at S itself), W_c
 * = W_q / S the same value in the coin of u. Quote terms are derivatives of W_q,
 * coin terms of W_c, with respect to the same raw inputs (as mgn_inverse_greeks):
 *   delta = dW/dS, gamma = d2W/dS2, vega = dW/dsigma (every option's vol moved
 *   together, per 1.00), theta = -dW/dT (per year, S fixed).
 *   Coin terms: delta_coin = (delta - value_coin)/S, gamma_coin = (gamma -
 *   2 delta_coin)/S, vega_coin = vega/S, theta_coin = theta/S; S * delta_coin is the
 *   premium-adjusted delta in coin units that coin-settled venues show.
 * The quote delta is in units of the underlying. European options use the closed
 * forms (mgn_bs_greeks); American options central differences of mgn_american_price
 * (steps 1e-3 relative in S and T, 1e-3 absolute in sigma, one-sided below it; the
 * prices' error, up to 1e-6 relative, is smooth in the inputs and mostly cancels,
 * except where a step crosses one of the pricer's scheme switches); futures: linear
 * W = qm (S e^{(r-q)T} - E), inverse W = qm (S/E - e^{-(r-q)T}), perpetuals the same
 * with T = 0. An option at T == 0 follows the T == 0 convention of
 * mgn_bs_greeks. MGN_ERANGE where mgn_bs_greeks gives it (sigma == 0, F == K). */
typedef struct mgn_net_greeks {
    double value;       /* W_q, quote */
    double delta;       /* underlying units */
    double gamma;       /* per quote unit of S */
    double vega;        /* quote per 1.00 of vol */
    double theta;       /* quote per year */
    double value_coin;  /* W_c */
    double delta_coin;  /* coin per quote unit of S */
    double gamma_coin;
    double vega_coin;
    double theta_coin;
} mgn_net_greeks;

MGN_API size_t mgn_sizeof_net_greeks(void);

/* Greeks of one position (quantity included) on its underlying. */
MGN_API int mgn_position_greeks(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                                mgn_net_greeks *out);
/* Net Greeks per underlying: out[u] for u = 0..n_mkt-1 (zero where u has no position). */
MGN_API int mgn_portfolio_greeks(const mgn_market *mkt, size_t n_mkt,
                                 const mgn_position *pos, size_t n_pos, mgn_net_greeks *out);

/*======================================================================
 * SPAN-style scenario margin
 *====================================================================*/
/* SPAN-style margin: one mgn_span_params per underlying (combined commodity). */
typedef struct mgn_span_params {
    double price_scan;     /* price scan range, fraction of the index price */
    double vol_scan;       /* volatility scan range, absolute */
    double extreme_mult;   /* extreme move as a multiple of price_scan (CME default 2; some products 3) */
    double extreme_cover;  /* fraction of the extreme-move loss counted (CME default 0.35) */
    double lookahead;      /* years that pass in every scenario */
    double som_rate;       /* short option minimum per short contract, fraction of its underlying notional */
    double intra_rate;     /* charge per unit of delta offset between expiries, fraction of notional */
} mgn_span_params;

typedef struct mgn_span_pair {   /* inter-commodity spread credit between underlyings a and b */
    int    a, b;
    double delta_a, delta_b;     /* deltas of a and b that form one spread */
    double credit_rate;          /* fraction of the spread's scanning risk credited */
} mgn_span_pair;

typedef struct mgn_span_result {
    double requirement;       /* sum over underlyings of max(scan + intra - inter, som) */
    double scan_risk;         /* sum over underlyings */
    double intra_charge;
    double inter_credit;
    double short_option_min;
    double net_option_value;  /* long option value - short option value */
} mgn_span_result;

MGN_API size_t mgn_sizeof_span_params(void);
MGN_API size_t mgn_sizeof_span_pair(void);
MGN_API size_t mgn_sizeof_span_result(void);

MGN_API int mgn_span_margin(const mgn_market *mkt, const mgn_span_params *params, size_t n_mkt,
                            const mgn_position *pos, size_t n_pos,
                            const mgn_span_pair *pairs, size_t n_pairs,
                            int currency, mgn_span_result *out);

/* What mgn_span_margin computes, exactly (lib/span.c; MARGIN-MODEL.md section 4):
 *   - Scenarios of underlying u, k = 0..15 (CME order): price move PSR * j / 3 with
 *     j = 0, 0, 1, 1, -1, -1, 2, 2, -2, -2, 3, 3, -3, -3 and vol move +VSR, -VSR
 *     alternating (k even: +VSR), weight 1; k = 14, 15: price +X*PSR, -X*PSR, vol
 *     unchanged, weight extreme_cover. Every scenario lets `lookahead` pass and values
 *     the positions as mgn_scenario_pnl does (only u moves).
 *   - Risk array of a position: its 16 weighted losses, -weight * P&L, in `currency`
 *     (P&L converted at the scenario's price of u; another coin at today's price),
 *     for the position as held (quantity included; CME's per-contract array is this
 *     divided by the quantity).
 *   - scan_u = max(0, max_k sum of u's risk arrays); its scenario is the first k
 *     reaching the maximum (-1 when no scenario loses: scan floored at 0).
 *   - Delta of a position (underlying units): quantity * multiplier * dV/dS for
 *     options (the BSM delta of the quote value, for linear and inverse alike;
 *     American: central differences) and linear futures (dF/dS = e^{(r-q)T}) and
 *     perpetuals (1); quantity * multiplier / S for inverse futures and perpetuals.
 *   - Tiers: one per distinct expiry (exact equality), perpetuals in the tier of
 *     expiry 0. offset_u = min(sum of positive tier nets, sum of |negative tier
 *     nets|); intra_u = intra_rate * S_u * offset_u. D_u = sum of the tier nets.
 *   - som_u = som_rate * S_u * max(short call units, short put units), units = sum of
 *     |quantity * multiplier| of u's short calls (puts), European and American.
 *   - WPR_u = scan_u / |D_u| (0 when D_u == 0). Pairs are applied in the order given
 *     with R_u starting at D_u: when R_a and R_b have opposite signs, spreads =
 *     min(|R_a|/delta_a, |R_b|/delta_b); credit_a += credit_rate * spreads * delta_a *
 *     WPR_a (b alike); |R_a| shrinks by spreads * delta_a (the limiting leg to exactly
 *     0). A pair whose legs have the same sign, or a zero, forms nothing.
 *   - requirement_u = max(scan_u + intra_u - credit_u, som_u); totals are sums over u.
 *     With credit_rate <= 1 the credit never exceeds scan_u, so requirement >= 0
 *     (where rounding would carry it past, as for a WPR_u in the subnormal range, it
 *     is bounded at scan_u).
 *   - net_option_value = sum over options of quantity * multiplier * unit value
 *     (long +, short -), converted at today's prices. It is reported, not subtracted:
 *     under premium-style settlement the account needs equity >= requirement, with
 *     the options already counted in equity.
 *   - Currency: scenario losses convert at the scenario's price; intra, som and the
 *     option value (quote amounts) at today's index price of the reporting coin.
 * Validation (MGN_EINVAL unless noted): as mgn_scenario_pnl for markets, positions
 * and currency; params non-NULL when n_mkt > 0, every field finite, price_scan,
 * vol_scan, extreme_mult, lookahead, som_rate, intra_rate >= 0, extreme_cover in
 * [0, 1], and max(1, extreme_mult) * price_scan < 1 (every scenario price > 0);
 * pairs non-NULL when n_pairs > 0, a and b distinct and < n_mkt, delta_a and delta_b
 * finite and > 0, credit_rate in [0, 1]; out non-NULL.
 * Memory: nothing is allocated; more than 64 distinct underlyings named in pairs need
 * the per_mkt array of mgn_span_margin_detail (mgn_span_margin returns MGN_ERANGE).
 * Speed: a 1,000-option book on 4 underlyings takes about 0.16 ms on one AVX-512 core
 * (bench/bench_margin.c). */
#define MGN_SPAN_SCENARIOS 16

/* Breakdown of one underlying (combined commodity), in the reporting currency. */
typedef struct mgn_span_underlying {
    double requirement;         /* max(scan_risk + intra_charge - inter_credit, short_option_min) */
    double scan_risk;           /* max(0, max of scenario_loss) */
    double intra_charge;
    double inter_credit;
    double short_option_min;
    double net_option_value;
    double net_delta;           /* D_u, units of the underlying */
    double spread_delta;        /* offset_u, the delta spread between tiers */
    double weighted_price_risk; /* WPR_u = scan_risk / |net_delta| */
    double remaining_delta;     /* R_u after every pair */
    int    scan_scenario;       /* binding scenario 0..15, or -1 when scan_risk is floored at 0 */
    int    n_positions;         /* positions on this underlying */
    double scenario_loss[MGN_SPAN_SCENARIOS];  /* summed weighted loss per scenario */
} mgn_span_underlying;

MGN_API size_t mgn_sizeof_span_underlying(void);

/* Scenario k (0..15) of these params: relative price move, absolute vol move and the
   weight of its loss. MGN_EINVAL for NULL pointers or k out of range. */
MGN_API int mgn_span_scenario(const mgn_span_params *params, int k, double *price_move,
                              double *vol_move, double *weight);

/* mgn_span_margin with a breakdown. per_mkt (n_mkt records, or NULL) receives each
   underlying's figures; risk (n_pos * 16 doubles, or NULL) each position's risk array,
   risk[i * 16 + k] for position i in scenario k. Both are written during the
   computation: on failure their contents are unspecified (out is untouched).
   MGN_ERANGE when n_pos * 16 doubles overflow size_t. */
MGN_API int mgn_span_margin_detail(const mgn_market *mkt, const mgn_span_params *params,
                                   size_t n_mkt, const mgn_position *pos, size_t n_pos,
                                   const mgn_span_pair *pairs, size_t n_pairs, int currency,
                                   mgn_span_result *out, mgn_span_underlying *per_mkt,
                                   double *risk);

/*======================================================================
 * Standard (rule-based) margin
 *====================================================================*/
/* Rule-based margin of each position, summed per account, with recognised option
 * strategies (MARGIN-MODEL.md section 3). A rule set is plain data, mgn_std_params;
 * mgn_std_preset() fills it for a venue; nothing venue-specific is in the logic.
 *
 * Notation, per unit of underlying (quantity * multiplier units of an option): S the
 * index price of the position's underlying; V the option's mark value in quote
 * currency (BSM on the market with the position's vol, mgn_american_price for
 * American exercise); OTM = max(K - S, 0) for a call, max(S - K, 0) for a put;
 * B = K for a put when put_floor_on_strike is 1, else S.
 *   short option  IM = V + max(0, im_base*S - OTM, im_floor*B)
 *                 MM = V + max(0, mm_base*S - mm_otm*OTM, mm_floor*B, [puts] mm_put_mark*V)
 *                 IM = max(IM, MM)            (Deribit's rule for puts, applied to all)
 *   long option   IM = long_im*V, MM = long_mm*V; when long_dated_expiry > 0 and the
 *                 option's expiry exceeds it, long_dated_im and long_dated_mm instead.
 *   future/perp   price P = S for a perpetual, F = S*exp((rate-carry)*T) for a future;
 *                 notional N = |quantity*multiplier|*P (linear) or |quantity*multiplier|
 *                 (inverse: multiplier is quote notional per contract); size in units
 *                 U = N/P. The tier is the last one whose floor <= the position's
 *                 measure (N for MGN_STD_TIER_QUOTE, U for MGN_STD_TIER_UNITS, |quantity|
 *                 for MGN_STD_TIER_CONTRACTS); then
 *                 IM = N*(im_rate + size_im*U),
 *                 MM = max(0, N*(mm_rate + size_mm*U) - mm_amount'),  IM = max(IM, MM),
 *                 with mm_amount' = mm_amount*P for the UNITS basis (the amount is in
 *                 coin, as on Binance COIN-M) and mm_amount (quote) otherwise.
 *                 A position beyond the last tier's range stays in the last tier.
 * Inverse contracts: an inverse option's margin in coin is the quote amount above / S
 * (identical to the venues' "in BTC" formulas with the mark in coin); an inverse
 * future's margin in coin is the quote amount / P (Deribit: size in BTC * rate).
 *
 * Currency: every result is in `currency`: MGN_QUOTE, or an underlying index v >= 0
 * for the coin of v. Conversion is at today's index prices: quote -> coin of v
 * divides by S_v; coin of u -> quote multiplies by S_u. So for the same exposure the
 * coin margin times S equals the quote margin exactly (up to rounding). An option's
 * per-unit amounts and strike are converted before they are multiplied by its units
 * or paired, so that strategies are formed and split in the currency of the result;
 * a per-unit amount below DBL_MIN in that currency is rounded to the subnormal
 * spacing 2^-1074 per unit (an absolute error below 1e-320 per unit).
 *
 * Strategies (portfolio function only; each enabled by a bit of `strategies`).
 * Legs pair only within one underlying and one settlement; quantities match in
 * underlying units (|quantity*multiplier|; a future's size U above), and a position
 * may be split: part paired, the rest naked. Per matched unit (P_x the mark V of leg x,
 * L(x) the long option's own IM or MM, N(x) a short option's naked IM or MM):
 *   MGN_STD_PAIR_COVERED  short call + long future/perpetual, or short put + short
 *       future/perpetual: the option's requirement is 0 (Cboe: no requirement on a
 *       covered call; the underlying is margined on its own). The future keeps its
 *       own margin in full.
 *   MGN_STD_PAIR_SPREADS  short option + long option of the same type whose expiry is
 *       no earlier (vertical: same expiry; calendar: same strike; diagonal: both
 *       differ): L(long) + D, D = max(K_long - K_short, 0) for calls,
 *       max(K_short - K_long, 0) for puts (credit spread: the strike difference, its
 *       maximum payout; debit spread and calendar: 0, the long pays for itself).
 *   MGN_STD_PAIR_STRADDLES  short call + short put (straddle: same strike, strangle:
 *       different; any expiries, as Cboe's rule): the greater naked requirement plus
 *       the mark of the other side.
 * A strategy's requirement is never above the naive sum of its legs (the minimum of
 * the two is taken) and its MM never above its IM.
 * Greedy order: short options are visited by decreasing naked IM per unit (ties: lower
 * position index); pass 1 covers them with futures/perpetuals (in position order),
 * pass 2 pairs them into spreads, pass 3 pairs short calls with short puts. Passes
 * 2 and 3 take, for each short option, the partner with the largest saving per unit
 * (ties: lower index), repeatedly, while a saving > 0 remains.
 *
 * Sources (see lib/standard.c and tests/data/standard_*.csv for every figure):
 * Deribit option and futures rules (METHODS-REFERENCE.md 3.2, 3.3); Binance USD(S)-M
 * brackets and the maintenance amount (3.6); Cboe strategy-based rules (2.2). */

/* mgn_std_params.tier_basis: what a tier's floor measures. */
enum { MGN_STD_TIER_QUOTE = 0, MGN_STD_TIER_UNITS = 1, MGN_STD_TIER_CONTRACTS = 2 };

/* mgn_std_params.strategies: bit flags of the recognised strategies. */
enum { MGN_STD_PAIR_COVERED = 1, MGN_STD_PAIR_SPREADS = 2, MGN_STD_PAIR_STRADDLES = 4,
       MGN_STD_PAIR_ALL = 7 };

/* Strategy of a leg, written by mgn_std_margin into pos_strategy[i]. */
enum { MGN_STD_NAKED = 0, MGN_STD_COVERED = 1, MGN_STD_VERTICAL = 2, MGN_STD_CALENDAR = 3,
       MGN_STD_DIAGONAL = 4, MGN_STD_STRADDLE = 5, MGN_STD_STRANGLE = 6 };

/* Rule-set presets for mgn_std_preset. */
enum {
    MGN_STD_PRESET_DEFAULT = 0,          /* MARGIN-MODEL section 3: options 0.15/0.10/0.075,
                                            futures one tier IM 2% MM 1%, no strategies */
    MGN_STD_PRESET_DERIBIT_BTC = 1,      /* Deribit standard margin, BTC: options with the
                                            put rule, futures IM 2% / MM 1% + 0.005% per BTC */
    MGN_STD_PRESET_DERIBIT_ETH = 2,      /* as BTC, futures + 0.0004% per ETH */
    MGN_STD_PRESET_BINANCE_BTCUSDT = 3,  /* Binance USD(S)-M BTCUSDT brackets (10 tiers, IM
                                            = 1/max leverage, MM = N*rate - cum) */
    MGN_STD_PRESET_OKX_ETHUSDT = 4,      /* OKX ETH-USDT swap position tiers (3 tiers, in
                                            contracts; no maintenance amount) [UNVERIFIED] */
    MGN_STD_PRESET_CBOE_EQUITY = 5,      /* Cboe strategy-based, equity/narrow index: 20%/10% */
    MGN_STD_PRESET_CBOE_BROAD_INDEX = 6  /* Cboe strategy-based, broad-based index: 15%/10% */
};

/* One tier of a futures/perpetual rate table. Tiers are sorted by floor, the first
   floor is 0, floors strictly increase; rates in [0, 1] and non-decreasing from tier
   to tier; mm_rate <= im_rate; mm_amount >= 0 and such that MM never decreases as
   the position grows (Binance's cum recursion cum_n = floor_n*(mm_n - mm_{n-1}) +
   cum_{n-1} satisfies this exactly; 1e-9 relative slack for rounded tables). */
typedef struct mgn_std_tier {
    double floor;      /* lower bound of the tier, in the params' tier_basis measure */
    double im_rate;    /* initial margin rate (1 / max leverage) */
    double mm_rate;    /* maintenance margin rate */
    double mm_amount;  /* maintenance amount subtracted (Binance "cum"); quote, or coin
                          for MGN_STD_TIER_UNITS */
} mgn_std_tier;

#define MGN_STD_MAX_TIERS 256  /* n_tiers above this is MGN_ERANGE */

/* A rule set. Set struct_size = sizeof(mgn_std_params) (or mgn_sizeof_std_params())
   before calling mgn_std_preset; later versions may append fields and will accept
   this size. Every double must be finite; fractions and rates are >= 0. */
typedef struct mgn_std_params {
    size_t struct_size;
    /* short options (fractions of the index price S, see above) */
    double im_base;            /* default 0.15 (Cboe 0.20; broad index 0.15) */
    double im_floor;           /* default 0.10 */
    double mm_base;            /* default 0.075 (Cboe: = im_base) */
    double mm_otm;             /* weight of OTM in MM, 0 or 1; default 0 (Cboe 1) */
    double mm_floor;           /* default 0 (Cboe 0.10) */
    double mm_put_mark;        /* short puts: MM charge >= this * V; default 0, Deribit 0.075 */
    /* long options (fractions of the mark V) */
    double long_im;            /* default 0 (premium paid); Cboe 1 (paid in full) */
    double long_mm;            /* default 0; Cboe 1; must be <= long_im */
    double long_dated_expiry;  /* years; 0 disables; Cboe 0.75 (9 months) */
    double long_dated_im;      /* Cboe 0.75 (75% of cost) */
    double long_dated_mm;      /* Cboe 0.75; must be <= long_dated_im */
    /* futures and perpetuals */
    double size_im;            /* rate added per unit of size U; Deribit BTC 0.00005 */
    double size_mm;            /* likewise for MM */
    int    put_floor_on_strike;/* 1: a put's floor is im_floor*K (Cboe), 0: *S */
    int    strategies;         /* MGN_STD_PAIR_* bits; 0 = every position naked */
    int    tier_basis;         /* MGN_STD_TIER_QUOTE, _UNITS or _CONTRACTS */
    int    reserved;           /* must be 0 */
    size_t n_tiers;            /* 1 .. MGN_STD_MAX_TIERS */
    const mgn_std_tier *tiers; /* caller-owned (presets: the library's static tables) */
} mgn_std_params;

MGN_API size_t mgn_sizeof_std_tier(void);
MGN_API size_t mgn_sizeof_std_params(void);

/* Fills *out with a preset rule set (MGN_STD_PRESET_*). out->struct_size must be set
   by the caller to a size this library knows (sizeof(mgn_std_params) today). The
   tier table points to static read-only data of the library.
   MGN_EINVAL: out NULL, unknown preset, unknown struct_size (out untouched). */
MGN_API int mgn_std_preset(int preset, mgn_std_params *out);

/* Margin of one position under rule set *params, no strategy pairing, in `currency`
   (MGN_QUOTE or an underlying index). mkt has n_mkt markets; pos->underlying indexes it.
   Writes *im and *mm (>= 0, im >= mm).
   MGN_EINVAL: NULL pointer, a non-finite or out-of-domain field (spot <= 0; quantity
   not finite; multiplier <= 0; option strike <= 0, expiry < 0, vol < 0; future expiry
   < 0; entry_price < 0 or not finite for futures/perpetuals), unknown instrument,
   settlement, option type or exercise code, reserved != 0, underlying or currency
   outside [0, n_mkt), invalid params (see mgn_std_params and mgn_std_tier).
   MGN_ERANGE: n_mkt 0 or > INT_MAX, n_tiers out of range, a result that overflows.
   Outputs are untouched on failure. */
MGN_API int mgn_std_position_margin(const mgn_market *mkt, size_t n_mkt,
                                    const mgn_std_params *params, const mgn_position *pos,
                                    int currency, double *im, double *mm);

/* Bytes of workspace mgn_std_margin needs for n_pos positions (0 for n_pos 0).
   MGN_ERANGE if n_pos > INT_MAX or the size overflows; MGN_EINVAL if bytes is NULL. */
MGN_API int mgn_std_workspace_size(size_t n_pos, size_t *bytes);

/* Standard margin of a whole account: total IM and MM in `currency`, with the
   strategies of each rule set paired greedily (see above).
   params: n_params rule sets, either 1 (shared by every underlying) or n_mkt (one per
   underlying, params[u] for underlying u; all must have the same struct_size).
   work: at least mgn_std_workspace_size(n_pos) bytes, aligned for double (as malloc
   returns); may be NULL when n_pos == 0.
   Optional outputs (NULL to skip), n_pos elements each: pos_im[i], pos_mm[i] the part
   of the totals attributed to position i (a strategy's requirement is split between
   its two legs in proportion to their naked requirements; the totals are their sums);
   pos_strategy[i] the MGN_STD_* strategy holding most of position i's units (ties:
   the first formed) and pos_partner[i] the other leg of that strategy (-1 if naked).
   n_pos == 0 gives im = mm = 0.
   Status as mgn_std_position_margin, plus: MGN_EINVAL n_params not 1 or n_mkt, pos
   NULL with n_pos > 0, misaligned work; MGN_ENOMEM work_size too small; MGN_ERANGE
   n_pos > INT_MAX. Nothing is written on failure. */
MGN_API int mgn_std_margin(const mgn_market *mkt, size_t n_mkt,
                           const mgn_std_params *params, size_t n_params,
                           const mgn_position *pos, size_t n_pos, int currency,
                           void *work, size_t work_size, double *im, double *mm,
                           double *pos_im, double *pos_mm, int *pos_strategy,
                           int *pos_partner);

/*======================================================================
 * Portfolio (risk-based) margin grid
 *====================================================================*/
/* A configurable scenario grid per underlying u (MARGIN-MODEL.md section 5; lib/pm.c).
 *
 * Scenarios of u, indexed k = 0..n-1 (mgn_pm_scenario gives each):
 *   regular: price index ip = 0..2*price_steps (move = price_range * (ip - price_steps)
 *     / price_steps, so -M..+M with 0 included), and for each the vol states in the
 *     order up, same, down (vol_scenarios 3), up, down (2) or same (1);
 *     k = ip * vol_scenarios + iv; weight 1.
 *   extended: k = regular count + e, e = 0..n_extended-1: move ext_move[e], vol state
 *     ext_vol[e] (-1 down, 0 same, +1 up), weight ext_weight[e].
 * Vol states of an option with mark vol sigma and D = 365 * expiry days (expiry as
 * now, before the lookahead): scale = (vol_ref_days / max(D, vol_min_days))^p with
 * p = vol_power_short when D < vol_ref_days, else vol_power_long (scale = 1 when
 * vol_ref_days == 0); a = vol_up * scale, b = vol_down * scale;
 *   absolute mode: up = sigma + a, down = sigma - b; relative: up = sigma (1 + a),
 *   down = sigma (1 - b); up is at least vol_min_up; both at least MGN_VOL_FLOOR; a
 *   zero a (b) leaves sigma unchanged.
 * Every scenario lets `lookahead` pass; positions are valued as mgn_scenario_pnl does.
 * grid_u = max(0, max_k weight_k * loss_k), loss_k = -(sum of u's P&L in scenario k)
 * in the reporting currency (converted at the scenario's price of u).
 * Add-ons of u (quote amounts converted at today's price of the reporting coin):
 *   D_u = net delta in underlying units (the SPAN definition, see mgn_span_margin);
 *   delta_shock = delta_shock_rate * max(0, |D_u| S - delta_shock_threshold);
 *   short_option_min = units * (short_min_rate * S + short_min_abs), units = sum of
 *     |quantity * multiplier| of short options, or with short_min_per_strike = 1 the
 *     sum of the net short units per (strike, expiry), calls and puts netted;
 *   roll_shock = sum over futures and perpetuals of units * S * max(roll_rate * T,
 *     roll_min), units = |quantity*multiplier| (inverse: / S), T = 0 for perpetuals;
 *   concentration = conc_rate * S * max(0, |D_u| - conc_depth) when conc_depth > 0
 *     (conc_depth: units of the underlying the market absorbs at normal cost).
 * requirement_u = base + delta_shock + roll_shock + concentration, base = grid +
 * short_option_min (MGN_PM_MIN_ADD) or max(grid, short_option_min) (MGN_PM_MIN_FLOOR).
 * Totals are sums over u (no offset between underlyings).
 *
 * Growth: mgn_pm_params carries struct_size, which must be sizeof(mgn_pm_params) of
 * this header (the presets set it; a hand-filled struct must too). Versions that add
 * fields will accept the smaller sizes of older headers.
 * Validation (MGN_EINVAL unless noted): struct_size; reserved == 0; price_range in
 * [0, 1); price_steps 1..MGN_PM_MAX_STEPS; vol_scenarios 1..3; known vol_mode and
 * short_min_mode; short_min_per_strike 0 or 1; n_extended 0..MGN_PM_MAX_EXTENDED;
 * every double finite, the rates, amounts, shocks, days, depth and lookahead >= 0;
 * vol_min_days > 0 when vol_ref_days > 0; ext_move > -1 (S*(1+move) overflowing:
 * MGN_ERANGE); ext_weight >= 0; ext_vol -1..1; markets, positions, currency as
 * mgn_scenario_pnl; out non-NULL.
 * Speed: 33 price x 3 vol scenarios on a 1,000-option book, about 0.8 ms on one
 * AVX-512 core (bench/bench_margin.c). Nothing is allocated.
 */
#define MGN_PM_MAX_STEPS 64
#define MGN_PM_MAX_EXTENDED 16
#define MGN_PM_MAX_SCENARIOS ((2 * MGN_PM_MAX_STEPS + 1) * 3 + MGN_PM_MAX_EXTENDED)
enum { MGN_PM_VOL_ABSOLUTE = 0, MGN_PM_VOL_RELATIVE = 1 };   /* mgn_pm_params.vol_mode */
enum { MGN_PM_MIN_ADD = 0, MGN_PM_MIN_FLOOR = 1 };           /* mgn_pm_params.short_min_mode */

typedef struct mgn_pm_params {
    size_t struct_size;           /* sizeof(mgn_pm_params) */
    /* regular grid */
    double price_range;           /* M, relative */
    int    price_steps;           /* steps per side: 2*price_steps + 1 price points */
    int    vol_scenarios;         /* 1 same; 2 up, down; 3 up, same, down */
    int    vol_mode;              /* MGN_PM_VOL_ABSOLUTE or MGN_PM_VOL_RELATIVE */
    int    n_extended;            /* entries used in ext_* */
    double vol_up;                /* base up shock (absolute vol, or fraction of sigma) */
    double vol_down;              /* base down shock, >= 0, applied downwards */
    double vol_ref_days;          /* expiry scaling reference (e.g. 30); 0 = no scaling */
    double vol_power_short;       /* exponent for expiries shorter than vol_ref_days */
    double vol_power_long;        /* exponent for the others */
    double vol_min_days;          /* days floor in the scaling */
    double vol_min_up;            /* the up-shocked vol is at least this */
    double lookahead;             /* years passing in every scenario */
    /* extended table */
    double ext_move[MGN_PM_MAX_EXTENDED];
    double ext_weight[MGN_PM_MAX_EXTENDED];
    int    ext_vol[MGN_PM_MAX_EXTENDED];      /* -1 down, 0 same, +1 up */
    /* add-ons */
    int    short_min_per_strike;  /* 1: net short units per (strike, expiry) */
    int    short_min_mode;        /* MGN_PM_MIN_ADD or MGN_PM_MIN_FLOOR */
    double short_min_rate;        /* per short unit, fraction of S */
    double short_min_abs;         /* per short unit, quote amount */
    double delta_shock_rate;      /* fraction of the net delta notional beyond the threshold */
    double delta_shock_threshold; /* quote notional |D| S free of the delta shock */
    double roll_rate;             /* futures: annualised move charged, times T */
    double roll_min;              /* futures and perpetuals: minimum move charged */
    double conc_depth;            /* units of the underlying; 0 = no concentration add-on */
    double conc_rate;             /* fraction of S per unit beyond conc_depth */
    int    reserved;              /* must be 0 */
    int    reserved2;             /* ignored (padding) */
} mgn_pm_params;

typedef struct mgn_pm_result {
    double requirement;       /* sum over underlyings */
    double grid_loss;
    double delta_shock;
    double short_option_min;
    double roll_shock;
    double concentration;
} mgn_pm_result;

/* Breakdown of one underlying: each add-on with the quantity that produced it. */
typedef struct mgn_pm_underlying {
    double requirement;
    double grid_loss;         /* worst weighted loss, floored at 0 */
    double delta_shock;
    double short_option_min;
    double roll_shock;
    double concentration;
    double net_delta;         /* D_u (delta shock, concentration) */
    double short_units;       /* units charged by the short option minimum */
    double roll_units;        /* futures and perpetual units charged by the roll shock */
    double excess_delta;      /* |D_u| - conc_depth when positive (concentration) */
    double binding_move;      /* relative price move of the binding scenario */
    double binding_weight;    /* its weight */
    int    binding_vol;       /* its vol state, -1 / 0 / +1 */
    int    binding_scenario;  /* its index k (first of equal maxima), -1 when no scenario loses */
    int    n_scenarios;
    int    n_positions;
} mgn_pm_underlying;

MGN_API size_t mgn_sizeof_pm_params(void);
MGN_API size_t mgn_sizeof_pm_result(void);
MGN_API size_t mgn_sizeof_pm_underlying(void);

/* Presets (each fills every field; adjust afterwards as needed).
 *
 * mgn_pm_preset_span: CME SPAN's 16 scenarios (METHODS-REFERENCE.md 1.1; CME "Risk
 *   Arrays"): +/- 1/3, 2/3, 3/3 of price_scan and 0, each with vol +/- vol_scan
 *   (absolute), and +/- 2 * price_scan at vol unchanged counted at 35%. Its grid loss
 *   equals mgn_span_margin's scan risk with the same ranges. No add-ons (SPAN's own
 *   intra, inter and SOM are in mgn_span_margin). price_scan in [0, 0.5).
 * mgn_pm_preset_deribit: Deribit-like crypto portfolio margin (METHODS-REFERENCE.md
 *   3.4), BTC parameters of the published private/pme/simulate example. Confirmed:
 *   price +/-16% in 4 steps per side (9 points incl. 0); 3 vol states; vol_up 0.5,
 *   vol_down 0.25, min vol for shock up 0.5, powers 0.3 (< 30 days) / 0.13, reference
 *   30 days; extended moves -66%, -33%, +50%, +100%, +200%, +300%, +400%, +500% on vol
 *   up only; roll shock of perpetuals |position| * min_annualised_move (0.01 for BTC);
 *   annualised_move_risk 0.075; delta shock threshold 20,000,000 USD.
 *   Assumed (unconfirmed): the vol shock is relative, sigma (1 +/- shock (30/D)^p)
 *   (third-party description); a days floor of 1; the extended table counted at 1% of
 *   its loss (Deribit applies "a fraction" and a dampener whose arithmetic is not
 *   published; 1% makes it bind only for far out-of-the-money short options); dated
 *   futures' roll shock max(0.075 T, 0.01); the delta shock as 10% (max_delta_shock)
 *   of the net delta notional beyond the threshold. Not modelled: pnl_offset (it
 *   matters only when gains of one currency offset another's losses),
 *   correlation_contingency. Deribit's MM is 0.8 x this requirement (mm_factor).
 * mgn_pm_preset_occ: OCC TIMS-like customer portfolio margin (METHODS-REFERENCE.md
 *   2.1): price +/-15% in 5 steps per side (10 valuation points plus 0), vol
 *   unchanged, minimum $0.375 per unit of underlying per short option ($37.50 per
 *   100-share contract) as a floor. The +/-15% range, the ten points and the $0.375
 *   are from FINRA 4210(g)/Cboe 10.4 as recalled [unverified]; broad indexes use
 *   +6%/-8% (set price_range and an extended table for asymmetry if needed). */
MGN_API int mgn_pm_preset_span(double price_scan, double vol_scan, mgn_pm_params *out);
MGN_API int mgn_pm_preset_deribit(mgn_pm_params *out);
MGN_API int mgn_pm_preset_occ(mgn_pm_params *out);

/* Number of scenarios of a params struct, and scenario k's move, vol state and weight. */
MGN_API int mgn_pm_scenario_count(const mgn_pm_params *params, int *n);
MGN_API int mgn_pm_scenario(const mgn_pm_params *params, int k, double *price_move,
                            int *vol_state, double *weight);

/* Portfolio margin: params is an array of n_mkt (one per underlying). */
MGN_API int mgn_pm_margin(const mgn_market *mkt, const mgn_pm_params *params, size_t n_mkt,
                          const mgn_position *pos, size_t n_pos, int currency,
                          mgn_pm_result *out);

/* With a breakdown: per_mkt (n_mkt records, or NULL) and contrib (n_pos doubles, or
   NULL): each position's weighted loss in its underlying's binding scenario (0 when
   no scenario loses); they sum to the grid loss of that underlying. Both are written
   during the computation: on failure their contents are unspecified (out untouched).
   With contrib, MGN_ERANGE also where one position's loss overflows although the
   underlying's total, whose terms cancel, does not (mgn_pm_margin then succeeds). */
MGN_API int mgn_pm_margin_detail(const mgn_market *mkt, const mgn_pm_params *params,
                                 size_t n_mkt, const mgn_position *pos, size_t n_pos,
                                 int currency, mgn_pm_result *out,
                                 mgn_pm_underlying *per_mkt, double *contrib);

/*======================================================================
 * Risk-based margin: VaR and Expected Shortfall
 *====================================================================*/
/* VaR and ES of a P&L sample at confidence c in (0,1); weights NULL means equal.
   Both are reported as positive losses (see MARGIN-MODEL.md section 6). */
MGN_API int mgn_var_es(const double *pnl, const double *weights, size_t n,
                       double confidence, double *var, double *es);

/*----------------------------------------------------------------------
 * Conventions of this section (lib/var.c, historical.c, parametric.c,
 * montecarlo.c, backtest.c, ewma.c)
 *
 *   - confidence c is in (0, 1); a = 1 - c. Losses are L = -P&L.
 *   - mgn_var_es's order statistic: with losses sorted worst-first and weights
 *     normalised, VaR = L_(k) for the first k whose cumulative weight reaches a;
 *     ES = (sum_{i<k} w_(i) L_(i) + (a - sum_{i<k} w_(i)) L_(k)) / a (Acerbi-Tasche;
 *     ties at L_(k) are handled exactly, the result does not depend on their order).
 *     "Reaches" is decided so that the rounding of c cannot move k: equal weights
 *     give k = ceil(N a) where N a within N * 2^-51 of an integer counts as that
 *     integer (N = 100, c = 0.99 gives k = 1; N = 1000 gives k = 10; N = 250 gives
 *     ES = (L_(1) + L_(2) + 0.5 L_(3)) / 2.5); with weights, a cumulative weight
 *     within 2^-51 of the total weight below a W counts as reaching it. This is the
 *     exact-rational reading of MARGIN-MODEL.md section 6; QuantLib's percentile()
 *     picks k + 1 in exactly those cases (METHODS-REFERENCE.md 4.1).
 *   - ES >= VaR always (enforced against rounding). Both may be negative when even
 *     the tail is a gain; callers floor margin at 0.
 *   - Workspaces: a `void *work` of `work_size` bytes, at least the size the
 *     matching _work_size function reports, aligned for double (any malloc result).
 *     Too small: MGN_ENOMEM; misaligned or NULL with a nonzero need: MGN_EINVAL.
 *   - Parameter structs start with `size_t struct_size`, set by their _init
 *     function (which also fills the defaults); a struct_size other than this
 *     library's sizeof is MGN_EINVAL, so a mismatched binding fails cleanly.
 *   - threads: 1 (default) computes everything in the calling thread; n > 1 uses
 *     n - 1 extra POSIX threads for the duration of the call only (none are kept).
 *     Work is split into fixed chunks of scenarios whatever the thread count, so
 *     results are bit-identical for every thread count. If a thread cannot be
 *     created its share runs in the calling thread. threads must be in [1, 256].
 *--------------------------------------------------------------------*/

/* Result of the simulation methods (historical and Monte Carlo). */
typedef struct mgn_var_result {
    double var, es;                  /* reported: max(current, stressed) when a stressed
                                        history is given, else the current figures */
    double var_current, es_current;  /* from the current history / the simulated paths */
    double var_stressed, es_stressed;/* from the stressed history; 0 when none */
    double var_se, es_se;            /* Monte Carlo standard errors (batch means); 0 for HS */
    size_t n_scenarios;              /* current scenarios (HS) or paths (MC) */
} mgn_var_result;

MGN_API size_t mgn_sizeof_var_result(void);

/*----------------------------------------------------------------------
 * Component and incremental VaR / ES (lib/var.c)
 *
 * pnl is a scenario x position matrix, row-major n_scen x n_pos (P&L of position p
 * in scenario s at pnl[s * n_pos + p], e.g. from mgn_scenario_pnl called per
 * position); weights (n_scen, NULL = equal) as in mgn_var_es. The portfolio P&L of
 * scenario s is the row sum (positions added in index order); var and es are
 * mgn_var_es of it.
 *
 *   es_contrib[p]  = (sum over scenarios with L_s > VaR of w_s l_sp
 *                     + theta * sum over scenarios with L_s == VaR of w_s l_sp) / (a W),
 *                    theta = (a W - weight above VaR) / (weight at VaR), l = -pnl:
 *                    the Euler allocation of ES; sum_p es_contrib[p] = es (to rounding).
 *   var_contrib[p] = weighted mean of l_sp over the scenarios whose loss equals VaR
 *                    (the Euler allocation at the VaR scenario; sums to var). It rests
 *                    on one scenario and is therefore noisy: es_contrib is the stable
 *                    allocation for margin attribution.
 *   incr_var[p], incr_es[p] = VaR (ES) of the portfolio minus VaR (ES) of the portfolio
 *                    without position p (what the position adds; these do not sum to
 *                    the total). Cost: one mgn_var_es per position.
 * Any of the four arrays (n_pos each) may be NULL to skip it.
 * Errors: NULL pnl/var/es, n_scen or n_pos 0, non-finite P&L, bad weights or
 * confidence: MGN_EINVAL; workspace as in the conventions above; a requested
 * allocation or incremental figure that would overflow a double (P&L near DBL_MAX):
 * MGN_ERANGE, nothing written.
 *--------------------------------------------------------------------*/
MGN_API int mgn_var_es_contrib_work_size(size_t n_scen, size_t n_pos, size_t *bytes);
MGN_API int mgn_var_es_contrib(const double *pnl, size_t n_scen, size_t n_pos,
                               const double *weights, double confidence,
                               void *work, size_t work_size, double *var, double *es,
                               double *var_contrib, double *es_contrib,
                               double *incr_var, double *incr_es);

/*----------------------------------------------------------------------
 * Historical simulation with full revaluation (lib/historical.c)
 *
 * returns: n_days x n_mkt row-major simple daily price returns, OLDEST FIRST (row
 * n_days - 1 is the most recent day), each > -1 and finite. vol_changes: same shape,
 * absolute daily changes of implied vol per underlying, or NULL (vol unchanged).
 *
 * Scenarios (one per historical window, in date order):
 *   MGN_HORIZON_OVERLAP: n_days - h + 1 overlapping h-day windows; price shock of a
 *     window = prod (1 + r) - 1 (computed as expm1 of the summed log1p returns), vol
 *     shock = sum of the daily vol changes.
 *   MGN_HORIZON_SQRT: n_days one-day scenarios scaled to h days: price shock
 *     expm1(sqrt(h) * log1p(r)) (scaling the log return keeps prices positive), vol
 *     shock sqrt(h) * dv.
 * Weighting flags (MGN_HS_BRW | MGN_HS_FILTERED may be combined):
 *   MGN_HS_BRW: age weights (Boudoukh, Richardson, Whitelaw 1998): the scenario of age
 *     i (1 = newest) weighs lambda^(i-1) (1 - lambda) / (1 - lambda^N), N scenarios.
 *   MGN_HS_FILTERED: filtered / volatility-scaled HS (Hull and White 1998): per
 *     underlying, the daily log return l_t = log1p(r_t) is rescaled to
 *     l_t * sigma_now / sigma_t, with the RiskMetrics EWMA (mgn_ewma_variance)
 *     sigma^2_{t+1} = lambda sigma^2_t + (1 - lambda) l_t^2, seeded with
 *     sigma^2_0 = the mean of l^2 over the whole history; sigma_t is the forecast
 *     made before day t and sigma_now the forecast after the last day. Where
 *     sigma_t == 0 the return is left as it is. Vol changes are not rescaled.
 * Stressed period (optional second history, e.g. a 12-month stress window): scenarios
 * built the same way but always equally weighted and unfiltered (its own volatility
 * is the point); the reported VaR and ES are max(current, stressed) (stressed-VaR
 * floor in the spirit of EMIR Art. 28 and Eurex Prisma's stress period).
 *
 * Each scenario is revalued with mgn_scenario_pnl (dt = params.dt, in
 * params.currency); VaR and ES are mgn_var_es of the resulting P&L (with the BRW
 * weights when chosen). A scenario whose price move a double cannot hold (1 + price
 * overflows or rounds to 0, e.g. a summed log return beyond +709 or -37) or whose vol
 * move overflows is MGN_ERANGE.
 *--------------------------------------------------------------------*/
enum { MGN_HORIZON_OVERLAP = 0, MGN_HORIZON_SQRT = 1 };   /* mgn_hs_params.horizon_method */
enum { MGN_HS_BRW = 1, MGN_HS_FILTERED = 2 };             /* mgn_hs_params.weighting flags; 0 = equal */

typedef struct mgn_hs_params {
    size_t struct_size;    /* sizeof(mgn_hs_params), set by mgn_hs_params_init */
    double confidence;     /* default 0.99 */
    int    horizon_days;   /* h >= 1; default 1 */
    int    horizon_method; /* MGN_HORIZON_OVERLAP (default) or MGN_HORIZON_SQRT */
    int    weighting;      /* 0 (default, equal), MGN_HS_BRW, MGN_HS_FILTERED, or both */
    int    threads;        /* default 1 */
    double brw_lambda;     /* BRW decay in (0, 1); default 0.99 */
    double ewma_lambda;    /* FHS decay in (0, 1); default 0.94 (RiskMetrics daily) */
    double dt;             /* years that pass in every scenario; default 1/365 (set it to
                              h/365 when you change horizon_days) */
    int    currency;       /* MGN_QUOTE (default) or an underlying index */
    int    reserved;       /* must be 0 */
} mgn_hs_params;

MGN_API size_t mgn_sizeof_hs_params(void);
/* Fills the defaults above. */
MGN_API int mgn_hs_params_init(mgn_hs_params *params);
/* Number of current-period scenarios for n_days of history: n_days - h + 1
   (MGN_HORIZON_OVERLAP; MGN_EINVAL if the history is shorter than the horizon) or
   n_days (MGN_HORIZON_SQRT, one-day scenarios: any n_days >= 1). */
MGN_API int mgn_hs_scenario_count(size_t n_days, const mgn_hs_params *params, size_t *n_scen);
/* Builds the scenarios without revaluing: shocks (n_scen x n_mkt, row-major, date
   order) and, if weights is not NULL, their weights (normalised to sum 1; equal
   unless MGN_HS_BRW). Use it to feed a scenario x position P&L matrix to
   mgn_var_es_contrib. No workspace, no allocation. */
MGN_API int mgn_hs_scenarios(const double *returns, const double *vol_changes,
                             size_t n_days, size_t n_mkt, const mgn_hs_params *params,
                             mgn_shock *shocks, double *weights);
/* Workspace of mgn_var_historical: the shocks, P&L and weights of the longer of the
   two histories (n_stress_days may be 0). */
MGN_API int mgn_var_historical_work_size(size_t n_days, size_t n_stress_days, size_t n_mkt,
                                         const mgn_hs_params *params, size_t *bytes);
/* Historical-simulation VaR and ES of the portfolio (pos, n_pos) on the market
   (mkt, n_mkt). stress_returns / stress_vol_changes / n_stress_days: the optional
   stressed history (NULL, NULL, 0 for none). Errors of mgn_scenario_pnl (invalid
   positions or markets) are passed through. */
MGN_API int mgn_var_historical(const mgn_market *mkt, size_t n_mkt,
                               const mgn_position *pos, size_t n_pos,
                               const double *returns, const double *vol_changes, size_t n_days,
                               const double *stress_returns, const double *stress_vol_changes,
                               size_t n_stress_days, const mgn_hs_params *params,
                               void *work, size_t work_size, mgn_var_result *out);

/*----------------------------------------------------------------------
 * Parametric VaR and ES (lib/parametric.c)
 *
 * Risk factors x ~ N(0, cov) are the relative price moves of n underlyings over the
 * horizon (cov: n x n row-major, symmetric, for that horizon; scale a daily matrix by
 * h yourself). delta[i] = dP/dx_i and gamma[i*n+j] = d2P/dx_i dx_j are sensitivities
 * of the portfolio P&L to those moves, i.e. cash Greeks: delta_i = Delta_i S_i and
 * gamma_ij = Gamma_ij S_i S_j with Delta, Gamma the net Greeks per unit of the
 * underlying prices. Zero mean.
 *
 * Delta-normal: sigma^2 = delta' cov delta; VaR = z_c sigma, ES = sigma phi(z_c) / a
 * (METHODS-REFERENCE.md 4.5), z_c = Phi^-1(c) (gsl_cdf_ugaussian_Pinv).
 *
 * Delta-gamma with Cornish-Fisher: P&L = delta'x + 1/2 x'Gx. Its cumulants are exact
 * (Mathai and Provost, "Quadratic Forms in Random Variables", 1992, Thm 3.2b.2;
 * Britten-Jones and Schaefer, Review of Finance 3, 1999; Jaschke, J. Risk 4(4), 2002),
 * with M = G cov:
 *   mean = tr(M)/2,  var = delta'cov delta + tr(M^2)/2,
 *   k3 = 3 delta'cov G cov delta + tr(M^3),  k4 = 12 delta'cov (G cov)^2 delta + 3 tr(M^4);
 *   skew = k3 / var^1.5, excess kurtosis = k4 / var^2.
 * P&L quantile at a: mean + stdev * z_cf with z = Phi^-1(a) and
 *   z_cf = z + (z^2-1) S/6 + (z^3-3z) K/24 - (2z^3-5z) S^2/36 (Cornish-Fisher);
 * VaR = -(mean + stdev z_cf). ES = -(tail mean of that quantile function over
 * (0, a)) = -mean + stdev phi(z)/a * [1 + z S/6 + (z^2-1) K/24 - (2z^2-1) S^2/36]
 * (closed form of the truncated normal moments). The expansion is an approximation;
 * it is reliable for moderate skew and kurtosis (|S| < ~1, K < ~6) and should be
 * checked against full revaluation elsewhere (the CF quantile can even become
 * non-monotone for extreme S, K). ES is reported as max(ES, VaR): for extreme S, K
 * the expansion's ES can fall below its VaR, and the floor then decides it.
 *
 * Validation: n >= 1; every entry finite; cov and gamma symmetric (to 1e-12
 * relative); cov diagonal >= 0 and |cov_ij| <= sqrt(cov_ii cov_jj) (1e-12 slack);
 * positive semi-definiteness is not verified beyond that, but a negative P&L
 * variance is MGN_EINVAL. A zero variance gives VaR = ES = -mean.
 *--------------------------------------------------------------------*/
typedef struct mgn_dg_result {
    double mean, stdev;     /* of the P&L */
    double skew, kurtosis;  /* skewness and EXCESS kurtosis of the P&L */
    double var, es;         /* positive losses */
} mgn_dg_result;

MGN_API size_t mgn_sizeof_dg_result(void);
MGN_API int mgn_var_delta_normal(const double *delta, const double *cov, size_t n,
                                 double confidence, double *var, double *es);
MGN_API int mgn_var_delta_gamma_work_size(size_t n, size_t *bytes);
MGN_API int mgn_var_delta_gamma(const double *delta, const double *gamma, const double *cov,
                                size_t n, double confidence, void *work, size_t work_size,
                                mgn_dg_result *out);

/*----------------------------------------------------------------------
 * Monte Carlo with full revaluation (lib/montecarlo.c)
 *
 * cov (n_mkt x n_mkt, row-major) is the covariance of the underlyings' LOG returns
 * over the horizon; it must be symmetric (1e-12 relative) and positive definite:
 * it is factored by our own Cholesky, and a pivot <= 1e-14 * max diagonal is
 * MGN_EINVAL (not positive definite; add a small ridge for singular matrices). GSL's
 * error handler is never reached.
 * Path i: x = L z (normal), or x = L z sqrt((df - 2) / W), W ~ chi2(df), for Student-t
 * (df > 2): a multivariate t scaled so that its covariance is exactly cov. Price
 * shock expm1(x_u) per underlying (x clamped to [-30, 30]), vol unchanged, dt passes.
 * Antithetic: paths come in pairs (x, -x) sharing W; n_paths must then be even.
 * Random numbers: gsl_rng_mt19937 seeded with (seed mod 2^32) XOR (seed >> 32) (GSL
 * maps 0 to 4357), normals by gsl_ran_gaussian_ziggurat, W by gsl_ran_chisq; all
 * drawn in the calling thread in path order (per path, or per antithetic pair: the
 * n_mkt normals z_0..z_{n_mkt-1}, then W), so the same seed gives the same bits
 * whatever the thread count. The generator state lives in the workspace.
 * Standard errors: batch means. The U units (paths, or antithetic pairs kept
 * together) are cut into n_batches contiguous batches, batch b holding units
 * floor(b U / B) to floor((b + 1) U / B) - 1 (B = n_batches, at most U: MGN_EINVAL
 * otherwise); var_se = s / sqrt(B), s the sample standard deviation (divisor B - 1)
 * of the batches' VaRs, likewise es_se. n_batches 0 or 1: no standard error (0).
 * Default 20.
 * After the call the first n_paths doubles of the workspace hold the path P&L.
 *--------------------------------------------------------------------*/
typedef struct mgn_mc_params {
    size_t   struct_size;  /* sizeof(mgn_mc_params), set by mgn_mc_params_init */
    double   confidence;   /* default 0.99 */
    size_t   n_paths;      /* default 100000 */
    uint64_t seed;         /* default 0 */
    double   df;           /* 0 (default): normal; > 2: Student-t degrees of freedom */
    double   dt;           /* years that pass in every path; default 1/365 */
    int      antithetic;   /* 0 (default) or 1 */
    int      threads;      /* default 1 */
    int      currency;     /* MGN_QUOTE (default) or an underlying index */
    int      n_batches;    /* batch-means standard errors; default 20, 0 = none */
} mgn_mc_params;

MGN_API size_t mgn_sizeof_mc_params(void);
MGN_API int mgn_mc_params_init(mgn_mc_params *params);
MGN_API int mgn_var_montecarlo_work_size(size_t n_mkt, const mgn_mc_params *params,
                                         size_t *bytes);
MGN_API int mgn_var_montecarlo(const mgn_market *mkt, size_t n_mkt,
                               const mgn_position *pos, size_t n_pos,
                               const double *cov, const mgn_mc_params *params,
                               void *work, size_t work_size, mgn_var_result *out);

/*----------------------------------------------------------------------
 * Backtests (lib/backtest.c)
 *
 * exceptions[t] is 1 when the loss of day t exceeded that day's VaR, else 0 (any
 * other value is MGN_EINVAL); n >= 1 days in date order; p = 1 - c.
 *   Kupiec POF (1995): LR = -2 ln[ (1-p)^(T-x) p^x / ((1-x/T)^(T-x) (x/T)^x) ] ~ chi2(1).
 *   Christoffersen (1998) independence: from the transition counts n_ij of the
 *     T - 1 consecutive pairs, pi0 = n01/(n00+n01), pi1 = n11/(n10+n11),
 *     pi = (n01+n11)/(T-1); LR_ind = -2 ln[ (1-pi)^(n00+n10) pi^(n01+n11) /
 *     ((1-pi0)^n00 pi0^n01 (1-pi1)^n10 pi1^n11) ] ~ chi2(1).
 *   Conditional coverage: LR_cc = LR_pof + LR_ind ~ chi2(2).
 *   0 ln 0 = 0 throughout; p-values are chi-square upper tails (gsl_cdf_chisq_Q).
 *   These are the definitions of MATLAB's varbacktest pof/cci/cc, whose published
 *   example tests/test_backtest.c reproduces.
 * Traffic light (BCBS, "Supervisory framework for the use of backtesting", 1996):
 *   with X ~ Binomial(T, p) and x exceptions, cum_prob = P(X <= x); green when
 *   cum_prob < 0.95, yellow when < 0.9999, red otherwise. For T = 250, c = 0.99 this
 *   is the Basel table: green 0-4, yellow 5-9, red >= 10; the same rule gives the
 *   zones for any T and c. cum_prob comes from GSL's binomial distribution function
 *   (the incomplete beta function): its relative error is a few u L, u = 2^-53 and
 *   L = ln (T + 1)! + T (|ln p| + |ln(1 - p)|) (measured: at most 5.1 u L, 3.7e-12,
 *   over T <= 2000); a cum_prob within that of 0.95 or 0.9999 may fall in either zone
 *   (exactly at the threshold it takes the higher one: T = 1 at c = 0.95 is yellow).
 *   T must fit in an unsigned int (MGN_ERANGE otherwise);
 *   from T of a few million on, x near the mean can also give MGN_ERANGE (GSL's
 *   incomplete beta function does not converge there).
 *--------------------------------------------------------------------*/
enum { MGN_ZONE_GREEN = 0, MGN_ZONE_YELLOW = 1, MGN_ZONE_RED = 2 };

typedef struct mgn_backtest_result {
    size_t n_obs, n_exceptions;
    size_t n00, n01, n10, n11;   /* transitions: n01 = no exception followed by one */
    double lr_pof, p_pof;        /* Kupiec proportion of failures */
    double lr_ind, p_ind;        /* Christoffersen independence */
    double lr_cc, p_cc;          /* conditional coverage */
    double cum_prob;             /* P(X <= n_exceptions) under the model */
    int    zone;                 /* MGN_ZONE_GREEN / YELLOW / RED */
    int    reserved;
} mgn_backtest_result;

MGN_API size_t mgn_sizeof_backtest_result(void);
/* exceptions[t] = 1 when -pnl[t] > var[t] (a loss strictly beyond the VaR), else 0. */
MGN_API int mgn_backtest_exceptions(const double *pnl, const double *var, size_t n,
                                    int *exceptions);
MGN_API int mgn_backtest(const int *exceptions, size_t n, double confidence,
                         mgn_backtest_result *out);
MGN_API int mgn_backtest_zone(size_t n_obs, size_t n_exceptions, double confidence,
                              int *zone, double *cum_prob);

/*----------------------------------------------------------------------
 * EWMA volatility and dynamic margin (lib/ewma.c)
 *
 * mgn_ewma_variance: RiskMetrics (Technical Document, 4th ed., 1996, ch. 5)
 *   variance[0] = seed; variance[t+1] = lambda variance[t] + (1 - lambda) r_t^2,
 *   t = 0..n-1 (n + 1 outputs; variance[n] is the forecast for the next day).
 *   seed_var >= 0 is used as given; a negative seed_var selects the default, the
 *   mean of r_t^2 over the series. lambda in (0, 1) (0.94 for daily data).
 *
 * mgn_dynamic_margin: a price scan range (fraction of the price) that follows
 * volatility, with EMIR Art. 28 anti-procyclicality tools (Delegated Reg. (EU)
 * 153/2013; METHODS-REFERENCE.md 4.7), over daily returns r_0..r_{n-1} oldest first:
 *   k       = multiplier * q, q = Phi^-1(c) (tail_df == 0) or the Student-t quantile
 *             scaled to unit variance, t_df^-1(c) sqrt((df-2)/df) (tail_df > 2);
 *   base_t  = k * sqrt(variance[t+1]) * sqrt(horizon_days)   (EWMA after day t);
 *   floor_t = k * RMS(r over the last min(floor_lookback, t+1) days) * sqrt(horizon_days)
 *             (option c: not lower than a long, e.g. 10-year, look-back; 0 = no floor);
 *   m_t     = max(base_t, floor_t);
 *   M_0 = (1 + buffer) m_0, M_t = min(max(M_{t-1}, m_t), (1 + buffer) m_t)
 *             (option a: a buffer of e.g. 25% on top of the margin, drawn down, not
 *             added to, when the calculated margin rises and rebuilt as it falls: the
 *             posted range moves only when it would leave [m_t, (1 + buffer) m_t]).
 * The result is today's (t = n - 1) values; price_scan = M_{n-1} feeds
 * mgn_span_params.price_scan or a portfolio-margin grid's largest move.
 * scan_series (n entries, may be NULL) receives M_t for every day.
 *--------------------------------------------------------------------*/
typedef struct mgn_dynmargin_params {
    size_t struct_size;     /* sizeof(mgn_dynmargin_params), set by mgn_dynmargin_params_init */
    double lambda;          /* EWMA decay in (0, 1); default 0.94 */
    double seed_var;        /* as mgn_ewma_variance; default -1 (mean square) */
    double confidence;      /* in (0.5, 1); default 0.99 */
    double horizon_days;    /* margin period of risk in days, > 0; default 2 */
    double tail_df;         /* 0 (default) normal, or > 2: Student-t tail */
    double multiplier;      /* extra factor > 0; default 1 */
    double buffer;          /* APC buffer >= 0; default 0.25 */
    size_t floor_lookback;  /* days of the floor's look-back; default 2520 (10 years); 0 = none */
} mgn_dynmargin_params;

typedef struct mgn_dynmargin_result {
    double ewma_vol;        /* daily volatility forecast after the last day */
    double long_vol;        /* RMS daily return over the floor look-back (0 if none) */
    double base_scan;       /* k * ewma_vol * sqrt(h) */
    double floor_scan;      /* k * long_vol * sqrt(h) */
    double margin_scan;     /* m = max(base_scan, floor_scan) */
    double price_scan;      /* M: with the buffer, the range to use */
    double buffer_left;     /* price_scan / margin_scan - 1, in [0, buffer] (0 if m == 0) */
    int    in_stress;       /* 1 when part of the buffer is being used (M < (1+buffer) m) */
    int    reserved;
} mgn_dynmargin_result;

MGN_API size_t mgn_sizeof_dynmargin_params(void);
MGN_API size_t mgn_sizeof_dynmargin_result(void);
MGN_API int mgn_ewma_variance(const double *returns, size_t n, double lambda, double seed_var,
                              double *variance);
MGN_API int mgn_dynmargin_params_init(mgn_dynmargin_params *params);
MGN_API int mgn_dynamic_margin(const double *returns, size_t n,
                               const mgn_dynmargin_params *params, double *scan_series,
                               mgn_dynmargin_result *out);

/*======================================================================
 * Accounts, margin calls and liquidation
 * (lib/account.c, lib/liquidation.c,
 * lib/oracle.c, lib/cascade.c; MARGIN-MODEL.md sections 7 and 8).
 *
 * Design: an account is plain data, mgn_account, pointing to caller-owned arrays of
 * positions and collateral balances. The engine never copies or owns them, so a
 * venue updates a position or a balance in place and re-evaluates at once. Parameters
 * of the evaluation (mode, rule sets, factors) are a separate struct, so one account
 * can be evaluated under every mode (capital-efficiency comparison) without change.
 *
 * Currency: every amount of an account result is in the account's currency
 * (mgn_account.currency: MGN_QUOTE or the coin of an underlying u), converted at
 * today's index prices as the rest of the library does.
 *
 * Collateral (MARGIN-MODEL.md 7): balance b of asset a (MGN_QUOTE, or the coin of
 * underlying u) is worth amount * price_a * (1 - h) in quote, price_a = 1 or S_u, with
 * the haircut h = min(1, haircut + haircut_slope * amount) for a positive amount (the
 * haircut grows with the size of the balance); a negative amount (a borrowed balance)
 * is a liability counted in full, without haircut.
 *
 * Equity = collateral + value of the positions (options at their value, long +,
 * short -; futures and perpetuals at their unrealised P&L), as mgn_portfolio_value.
 *
 * Modes (mgn_account_params.mode):
 *   MGN_MODE_CROSS      one pool; IM and MM are mgn_std_margin of all positions
 *                       (strategy pairing as the rule set asks).
 *   MGN_MODE_ISOLATED   position i has its own collateral isolated[i] (account
 *                       currency); it is evaluated alone: e_i = isolated[i] + value_i,
 *                       IM_i, MM_i its standard margin, status_i from e_i. A loss of one
 *                       position never touches another or the balances. Account figures:
 *                       equity = collateral + sum max(e_i, 0); IM, MM = sums; shortfall
 *                       = sum max(-e_i, 0) (+ max(-collateral, 0)); status = the worst
 *                       status_i (and BANKRUPT when the balances are negative);
 *                       margin_ratio = min_i e_i / MM_i; available = max(collateral, 0)
 *                       + sum max(e_i - IM_i, 0); call_amount = sum over the called
 *                       positions of IM_i - e_i.
 *   MGN_MODE_PORTFOLIO  IM = pm_im_factor * R, MM = pm_mm_factor * R with R the
 *                       requirement of mgn_pm_margin (pm_method MGN_PM_METHOD_GRID) or
 *                       mgn_span_margin (MGN_PM_METHOD_SPAN) over the whole account.
 *
 * Status (MARGIN-MODEL.md 7), decided in this order on equity E:
 *   MGN_ACCT_BANKRUPT     E < 0; shortfall = -E is bad debt
 *   MGN_ACCT_LIQUIDATE    E < MM * liq_ratio, or E < MM and now >= call_deadline
 *   MGN_ACCT_MARGIN_CALL  E < MM; call_amount = IM - E
 *   MGN_ACCT_RESTRICTED   E < IM (reduce-only)
 *   MGN_ACCT_OK           E >= IM
 * (with the default liq_ratio 1, the crypto convention, an account below MM is
 * liquidated at once; TradFi callers set liq_ratio < 1, e.g. 0.8, and a deadline.)
 * Boundaries are exact: E == IM is OK, E == MM is RESTRICTED, E == 0 is not bankrupt.
 *
 * Accuracy: as the valuation and margin functions used (mgn_bs_price,
 * mgn_std_margin, mgn_pm_margin, mgn_span_margin): cross and isolated results equal
 * mgn_portfolio_value + mgn_std_margin to a few ulps (tests/test_account.c).
 * Speed: cross or isolated mode without strategy pairing prices each option once
 * (its value and its standard margin share the price), with no workspace and no
 * allocation; see mgn_account_sweep for measured figures.
 *====================================================================*/

/* Status of an account (mgn_account_result.status). -1 marks an invalid account in a
   sweep. */
enum { MGN_ACCT_OK = 0, MGN_ACCT_RESTRICTED = 1, MGN_ACCT_MARGIN_CALL = 2,
       MGN_ACCT_LIQUIDATE = 3, MGN_ACCT_BANKRUPT = 4 };
/* mgn_account_params.mode */
enum { MGN_MODE_ISOLATED = 0, MGN_MODE_CROSS = 1, MGN_MODE_PORTFOLIO = 2 };
/* mgn_account_params.pm_method */
enum { MGN_PM_METHOD_GRID = 0, MGN_PM_METHOD_SPAN = 1 };

typedef struct mgn_balance {
    int    asset;          /* MGN_QUOTE, or an underlying index u: the coin of u */
    int    reserved;       /* must be 0 */
    double amount;         /* units of the asset, signed (negative: borrowed) */
    double haircut;        /* [0, 1]: fraction of the value not counted */
    double haircut_slope;  /* >= 0: haircut added per unit of amount (size add-on) */
} mgn_balance;

typedef struct mgn_account {
    size_t              struct_size; /* sizeof(mgn_account) */
    const mgn_position *pos;         /* n_pos positions (caller-owned) */
    size_t              n_pos;
    const mgn_balance  *bal;         /* n_bal balances (caller-owned) */
    size_t              n_bal;
    const double       *isolated;    /* MGN_MODE_ISOLATED: collateral of each position in
                                        the account currency, >= 0; NULL = all 0.
                                        Ignored in the other modes. */
    int                 currency;    /* MGN_QUOTE or an underlying index */
    int                 reserved;    /* must be 0 */
} mgn_account;

typedef struct mgn_account_params {
    size_t struct_size;            /* sizeof(mgn_account_params), set by _init */
    int    mode;                   /* MGN_MODE_*; default MGN_MODE_CROSS */
    int    pm_method;              /* MGN_PM_METHOD_GRID (default) or _SPAN */
    const mgn_std_params *std;     /* cross and isolated: 1 or n_mkt rule sets; default
                                      NULL: the library's MGN_STD_PRESET_DEFAULT */
    size_t n_std;                  /* 1 or n_mkt (ignored when std is NULL) */
    const mgn_pm_params *pm;       /* portfolio, grid: n_mkt params (required) */
    const mgn_span_params *span;   /* portfolio, SPAN: n_mkt params (required) */
    const mgn_span_pair *pairs;    /* SPAN inter-commodity pairs, may be NULL */
    size_t n_pairs;
    double pm_im_factor;           /* IM = factor * requirement; default 1 */
    double pm_mm_factor;           /* MM = factor * requirement; default 0.8 (Deribit
                                      mm_factor, METHODS-REFERENCE.md 3.4); in (0, im] */
    double liq_ratio;              /* (0, 1]; default 1 (liquidate at MM) */
} mgn_account_params;

typedef struct mgn_account_result {
    double equity;        /* collateral + positions' value (isolated: see above) */
    double collateral;    /* haircut value of the balances */
    double position_value;/* value of the positions (options + unrealised P&L) */
    double im, mm;
    double margin_ratio;  /* equity / MM within [-DBL_MAX, DBL_MAX]; with MM == 0,
                             DBL_MAX (equity >= 0) or -DBL_MAX (equity < 0); never
                             NaN or inf */
    double available;     /* free collateral: max(0, equity - IM) (isolated: above) */
    double call_amount;   /* IM - equity when status >= MARGIN_CALL, else 0 */
    double shortfall;     /* bad debt: max(0, -equity) (isolated: above) */
    int    status;        /* MGN_ACCT_*; -1 for an invalid account in a sweep */
    int    n_called;      /* isolated: positions at MARGIN_CALL or worse; else 0/1 */
} mgn_account_result;

/* Per position (optional output of mgn_account_eval): its value and margin in the
   account currency. Cross: standard margin attributed to the position (strategies
   split between legs); portfolio: IM/MM factor times the position's loss in its
   underlying's binding scenario (may be negative: a hedge); isolated: its own. */
typedef struct mgn_position_result {
    double value;         /* quantity * multiplier * unit value, account currency */
    double equity;        /* isolated: isolated[i] + value; other modes: value */
    double im, mm;
    int    status;        /* isolated: the position's status; other modes: the account's */
    int    reserved;
} mgn_position_result;

MGN_API size_t mgn_sizeof_balance(void);
MGN_API size_t mgn_sizeof_account(void);
MGN_API size_t mgn_sizeof_account_params(void);
MGN_API size_t mgn_sizeof_account_result(void);
MGN_API size_t mgn_sizeof_position_result(void);

/* Fills the defaults above (mode cross, default standard rule set). */
MGN_API int mgn_account_params_init(mgn_account_params *params);

/* Bytes of workspace the account functions need for accounts of up to max_pos
   positions on n_mkt underlyings under these params (0 for cross/isolated without
   strategy pairing: pass work NULL). The what-if, root-search, partial-liquidation
   and cascade functions have their own _work_size functions. Only what decides the
   size is checked here (mode, PM method, the number of standard rule sets); the rest
   of the params is validated by the call that uses the workspace. MGN_EINVAL for NULL
   pointers, an unknown mode or method, or a rule-set count other than 1 or n_mkt;
   MGN_ERANGE when the size overflows. */
MGN_API int mgn_account_work_size(const mgn_account_params *params, size_t n_mkt,
                                  size_t max_pos, size_t *bytes);

/* Evaluates one account against one market snapshot.
 *   now, call_deadline: the caller's clock (any unit, same for both; finite now;
 *   call_deadline may be +INFINITY: no margin call open).
 *   per_pos: NULL, or n_pos records.
 * Status: MGN_EINVAL (NULL out/account/mkt, struct_size, any field of the account,
 * its positions (mgn_portfolio_check) or balances, an isolated collateral < 0 or not
 * finite, currency, params, non-finite now or NaN deadline), MGN_ERANGE (n_mkt 0 or
 * > INT_MAX, an overflow), MGN_ENOMEM (work_size too small), or a status of
 * mgn_std_margin / mgn_pm_margin / mgn_span_margin. Outputs untouched on failure. */
MGN_API int mgn_account_eval(const mgn_market *mkt, size_t n_mkt, const mgn_account *acct,
                             const mgn_account_params *params, double now,
                             double call_deadline, void *work, size_t work_size,
                             mgn_account_result *out, mgn_position_result *per_pos);

/* Sweep: n_acct accounts against one market snapshot, out[k] for account k.
 * call_deadlines: NULL (no call open anywhere) or n_acct values. threads in [1, 256]:
 * 1 runs in the calling thread; n > 1 starts n - 1 POSIX threads for the duration of
 * the call (none kept); accounts are split in fixed contiguous blocks, each account
 * evaluated as mgn_account_eval does except that, on the no-workspace path, the
 * European options of up to 512 consecutive accounts are priced by one call of
 * mgn_bs_price_batch (so figures agree with mgn_account_eval to 1e-12 relative, the
 * batch pricer's accuracy); groups never cross a block, so out is bit-identical for
 * every thread count. work: threads * mgn_account_work_size(params, n_mkt, max n_pos)
 * bytes (NULL when that is 0); a thread that cannot be created has its block run in
 * the calling thread.
 * Batch semantics: every account is evaluated; an invalid one gets every double of
 * out[k] NaN and status -1, and the call returns MGN_EINVAL after the others.
 * Speed (bench/bench_account.c, AMD EPYC VM, gcc 12 -O2, shared machine): 1,000,000
 * accounts of 10 positions (40% options, 30% perpetuals, 30% futures), cross mode:
 * 0.29 s on 2 threads (target 1 s) and 48 ns per position on one thread (target
 * 50 ns) on a quiet machine; 0.62 s and 76 ns were measured while other jobs ran. */
MGN_API int mgn_account_sweep(const mgn_market *mkt, size_t n_mkt, const mgn_account *accts,
                              size_t n_acct, const mgn_account_params *params, double now,
                              const double *call_deadlines, int threads, void *work,
                              size_t work_size, mgn_account_result *out);

/*----------------------------------------------------------------------
 * Liquidation prices (lib/liquidation.c)
 *
 * Closed form for one linear or inverse perpetual/future (METHODS-REFERENCE.md 3.5-3.7).
 * Solves wallet + other + PnL(P) = MM(P) + fee_rate * notional(P) for the price P of
 * the contract (the mark at which the venue liquidates), with
 *   linear  (size = signed quantity in underlying units Q, entry E, quote):
 *     PnL = Q (P - E),  notional = |Q| P,  MM = |Q| P (mmr + size_mm |Q|) - cum
 *     => P = (wallet + other + cum - Q E) / (|Q| (mmr + size_mm |Q| + fee_rate) - Q)
 *     (Binance USD(S)-M: LP = (WB - TMM1 + UPNL1 + cum - side Q EP) / (Q MMR - side Q),
 *     with other = UPNL1 - TMM1 for cross and 0 for isolated);
 *   inverse (size = signed quote notional N, wallet and amounts in coin):
 *     PnL = N (1/E - 1/P),  notional = |N| / P coin,  MM = |N|/P (mmr + size_mm |N|/P) - cum
 *     => with x = 1/P: size_mm N^2 x^2 + (|N| (mmr + fee_rate) + N) x
 *        - (wallet + other + cum + N/E) = 0, the positive root (Deribit-style size
 *     scaling makes it quadratic; with size_mm = 0, P = |N| (mmr + fee + side) /
 *     (wallet + other + cum + N/E) as OKX's and Section 3.7's inverse formulas).
 * Tiers: when n_tiers > 0 the mmr and cum of the tier containing the position at P
 * are used (tier_basis MGN_STD_TIER_QUOTE: notional in quote |Q| P or |N|;
 * MGN_STD_TIER_UNITS: units |Q| or |N| / P, cum then in coin for linear contracts as
 * mgn_std_params documents); each tier's candidate is tried and the one whose P falls
 * in its own range is returned (Binance: "if the computed price falls in a different
 * bracket, recompute with that bracket"); else mm_rate/mm_amount are used.
 * found = 0 (MGN_OK) when no positive price solves it: e.g. a long whose collateral
 * covers the whole notional (Binance shows "--"), or when the solution is below DBL_MIN
 * (a subnormal price carries no precision).
 * Accuracy: equity - MM - fee at the returned price is 0 to about 1e-12 relative.
 * Status: MGN_EINVAL for NULL pointers, struct_size, non-finite or out-of-domain
 * fields (size 0, entry <= 0, rates outside [0, 1), negative amounts), invalid tiers
 * (as mgn_std_params), tier_basis CONTRACTS; MGN_ENOSOL when no tier's price is
 * consistent with its range (an inconsistent table).
 *--------------------------------------------------------------------*/
typedef struct mgn_liq_input {
    size_t struct_size;      /* sizeof(mgn_liq_input) */
    int    settlement;       /* MGN_LINEAR or MGN_INVERSE */
    int    tier_basis;       /* MGN_STD_TIER_QUOTE or MGN_STD_TIER_UNITS (with tiers) */
    double size;             /* signed: linear underlying units; inverse quote notional */
    double entry;            /* entry price, > 0 */
    double wallet;           /* isolated margin or cross wallet balance (settlement ccy) */
    double other;            /* cross: other positions' unrealised P&L minus their MM */
    double mm_rate;          /* without tiers: maintenance margin rate */
    double mm_amount;        /* without tiers: maintenance amount (cum), >= 0 */
    double size_mm;          /* MM rate added per unit of size (Deribit 0.00005/BTC) */
    double fee_rate;         /* liquidation fee counted with MM (OKX), fraction of notional */
    const mgn_std_tier *tiers;  /* optional tier table (mgn_std_tier), caller-owned */
    size_t n_tiers;          /* 0 = use mm_rate, mm_amount */
} mgn_liq_input;

typedef struct mgn_liq_closed {
    double price;            /* liquidation price (0 when found == 0) */
    double mm;               /* MM + fee at that price, settlement currency */
    double bankruptcy;       /* price where wallet + other + PnL = 0 (0 if none) */
    int    found;            /* 1 when a positive price exists */
    int    tier;             /* index of the tier used (-1 without tiers) */
} mgn_liq_closed;

MGN_API size_t mgn_sizeof_liq_input(void);
MGN_API size_t mgn_sizeof_liq_closed(void);
MGN_API int mgn_liq_price_closed(const mgn_liq_input *in, mgn_liq_closed *out);

/* Every price of one underlying at which an account's equity equals its MM (all else
 * fixed), for any account (options included), in any mode.
 * The moved underlying is `underlying`; with betas (n_mkt values, NULL = none) every
 * other underlying v moves with it jointly: S_v = S_v0 * (1 + betas[v] * (S/S_u0 - 1))
 * (betas[underlying] is ignored); prices where some S_v <= 0 are outside the search.
 * g(S) = equity - MM (isolated mode: min_i (e_i - MM_i), the first position to reach
 * its MM, over the positions with a quantity that have an MM or a negative e_i: a long
 * option on its own collateral never reaches its MM of 0; with none of them, over all
 * positions with a quantity; with none at all, the account's equity - MM) is scanned
 * on `grid` points log-spaced over [lo, hi] plus every option strike in range
 * (standard margin and expiry payoffs kink there); each sign change, and each grid
 * point where g == 0, is a crossing, refined with GSL's Brent solver
 * (gsl_root_fsolver_brent, run in the workspace: no allocation; the bracket is
 * verified first so GSL's error handler is never reached) to the last bits. Where g
 * is 0 over a stretch and turns negative (equity at exactly MM there, then below it:
 * E == MM is no margin call), the end of the stretch is a crossing too, found by
 * bisection on g < 0 to the last bits, as is the start of a stretch entered from below.
 * Two crossings closer than one grid step can be missed (a tangency); the default
 * 4096 points over a 100x range is a step of 0.11%.
 * Outputs: roots (capacity max_roots, may be NULL when 0) the crossings in increasing
 * order (written during the scan: on failure their contents are unspecified, out is
 * untouched); out->n_roots the number found (> max_roots: only max_roots written); the
 * nearest below and above today's price S_u0 with distances in percent
 * 100 |P/S0 - 1| and in standard deviations |ln(P/S0)| / (vol sqrt(horizon)) (0
 * when vol == 0; a distance above DBL_MAX, e.g. of a subnormal vol, is DBL_MAX).
 * n_roots == 0 with MGN_OK means no liquidation price in the range.
 * Status: MGN_EINVAL (bad account/params as mgn_account_eval, underlying out of range,
 * lo <= 0, hi <= lo, non-finite lo, hi, vol, horizon, vol or horizon < 0 (lo and hi
 * after the defaults: 0.1 x or 10 x an extreme spot may underflow or overflow), a non-finite
 * beta, grid < 2 or > 10^7, NULL out), MGN_ENOMEM (workspace), MGN_ENOCONV (Brent
 * did not reach the tolerance in 200 iterations), or an evaluation status. */
typedef struct mgn_liq_search {
    size_t struct_size;      /* sizeof(mgn_liq_search), set by _init */
    int    underlying;       /* index of the moved underlying; default 0 */
    int    reserved;
    const double *betas;     /* NULL (default) or n_mkt betas of a joint move */
    double lo, hi;           /* price range; default 0 = 0.1 x and 10 x today's price */
    size_t grid;             /* scan points; default 4096 */
    double vol;              /* annualised vol for the distance in sd; default 0 */
    double horizon;          /* years for the sd; default 1/365 */
} mgn_liq_search;

typedef struct mgn_liq_price_result {
    size_t n_roots;
    double spot;             /* today's price of the moved underlying */
    double gap;              /* g today: equity - MM (isolated: as g above) */
    double below, above;     /* nearest crossing below / above spot (0 if none) */
    double below_pct, above_pct, below_sd, above_sd;
    int    has_below, has_above;
} mgn_liq_price_result;

MGN_API size_t mgn_sizeof_liq_search(void);
MGN_API size_t mgn_sizeof_liq_price_result(void);
MGN_API int mgn_liq_search_init(mgn_liq_search *s);
MGN_API int mgn_liq_prices_work_size(const mgn_account_params *params, size_t n_mkt,
                                     size_t n_pos, size_t *bytes);
MGN_API int mgn_liq_prices(const mgn_market *mkt, size_t n_mkt, const mgn_account *acct,
                           const mgn_account_params *params, const mgn_liq_search *search,
                           void *work, size_t work_size, double *roots, size_t max_roots,
                           mgn_liq_price_result *out);

/*----------------------------------------------------------------------
 * Pre-trade (what-if) checks (lib/account.c)
 *
 * The order is a position record: instrument, underlying, option fields, multiplier,
 * quantity (signed, + buy) and the limit price in entry_price (futures/perpetuals:
 * the fill price; options: the premium per unit of underlying, in quote, > 0). It is
 * added to the account as a position of its own (hedge-mode accounting: it is not
 * netted against an existing position; evaluate a reduction by passing the reduced
 * account). The account is not copied in cross and isolated modes (its arrays are
 * read, the order evaluated beside them); portfolio mode and strategy pairing copy
 * the positions into the workspace.
 * Equity before the fill counts the order's losses, never its gains:
 *   futures/perpetuals min(0, Q (F - limit)) (unrealised P&L at the mark);
 *   long option        min(0, Q (V - limit)) (premium paid against mark value);
 *   short option       -|Q| V: the mark liability, the premium not yet received is
 *                      not collateral (Q = quantity * multiplier, V the mark value).
 * Isolated mode: the order gets isolated collateral order_collateral (account ccy).
 * out_after: the account after the order; accept = 1 when its status is OK (equity
 * >= IM after), or when the order does not worsen the status and MM does not grow
 * (a reducing trade in a restricted account).
 *--------------------------------------------------------------------*/
typedef struct mgn_whatif_result {
    mgn_account_result before, after;
    double order_im, order_mm;   /* IM and MM added by the order (after - before) */
    double order_equity;         /* equity counted for the order before its fill */
    int    accept;
    int    reserved;
} mgn_whatif_result;

MGN_API size_t mgn_sizeof_whatif_result(void);
MGN_API int mgn_whatif_work_size(const mgn_account_params *params, size_t n_mkt,
                                 size_t n_pos, size_t *bytes);
MGN_API int mgn_account_whatif(const mgn_market *mkt, size_t n_mkt, const mgn_account *acct,
                               const mgn_account_params *params, const mgn_position *order,
                               double order_collateral, double now, double call_deadline,
                               void *work, size_t work_size, mgn_whatif_result *out);

/* Liquidation prices the account would have after the order (limit price as entry):
   mgn_liq_prices on the account plus the order; the order's equity adjustment (see
   mgn_account_whatif) is fixed at today's prices. Workspace: mgn_liq_prices_work_size
   with the account's n_pos (room for the order is included). */
MGN_API int mgn_whatif_liq_prices(const mgn_market *mkt, size_t n_mkt, const mgn_account *acct,
                                  const mgn_account_params *params, const mgn_position *order,
                                  double order_collateral, const mgn_liq_search *search,
                                  void *work, size_t work_size, double *roots,
                                  size_t max_roots, mgn_liq_price_result *out);

/* The largest order size on one instrument that keeps the margin ratio (equity / MM)
 * at or above target_ratio after the order. order gives the instrument, the limit and
 * the direction (sign of quantity; |quantity| is ignored); sizes are searched in
 * (0, max_qty]. h(q) = ratio after an order of q minus target need not be monotone:
 * sizes are bracketed by doubling from max_qty * 2^-40, then by a scan of 64 steps
 * inside the first failing bracket, then bisected to 1e-12 relative, so the answer is
 * the end of the first run of accepted sizes: every scanned size up to it passes.
 * *qty = 0 when even the smallest size fails; max_qty when no size fails.
 * Status as mgn_account_whatif plus MGN_EINVAL for target_ratio or max_qty not finite
 * and > 0. Workspace: mgn_whatif_work_size. */
MGN_API int mgn_account_max_order(const mgn_market *mkt, size_t n_mkt, const mgn_account *acct,
                                  const mgn_account_params *params, const mgn_position *order,
                                  double order_collateral, double target_ratio, double max_qty,
                                  void *work, size_t work_size, double *qty);

/*----------------------------------------------------------------------
 * Oracle price guards (lib/oracle.c)
 *
 * A robust index from n feeds (price[i] > 0 quoted at time[i], the caller's clock):
 * a quote is fresh when 0 <= now - time[i] <= max_age; quotes with a non-finite or
 * non-positive price, or a non-finite time, are rejected as broken feeds (counted,
 * never used). m = median of the fresh quotes (for an even count the mean of the two
 * middle ones); quotes with |p - m| > max_deviation * m (computed so: a quote exactly
 * 5% from a round median, 105 against 100, is kept at 0.05) are dropped (Binance's
 * index drops sources more than 5% from the median); the index is the median of the
 * rest, and n_used their count (0 when STALE). Verdict (out->verdict):
 *   MGN_ORACLE_OK         at least min_quorum quotes remain
 *   MGN_ORACLE_STALE      fewer than min_quorum fresh quotes
 *   MGN_ORACLE_DEVIATION  enough fresh quotes, but fewer than min_quorum within the band
 * A failed verdict still returns MGN_OK (it is an answer), with price = 0. Functions
 * that take a verdict (mgn_liq_partial) refuse to liquidate on anything but
 * MGN_ORACLE_OK and return MGN_ESTALE.
 * Status: MGN_EINVAL (NULL pointers with n > 0, NULL out, non-finite now, max_age < 0,
 * max_deviation < 0, min_quorum 0), MGN_ERANGE (n > MGN_ORACLE_MAX_FEEDS).
 *--------------------------------------------------------------------*/
#define MGN_ORACLE_MAX_FEEDS 256
enum { MGN_ORACLE_OK = 0, MGN_ORACLE_STALE = 1, MGN_ORACLE_DEVIATION = 2 };

typedef struct mgn_oracle_params {
    double max_age;          /* staleness limit, caller's time unit */
    double max_deviation;    /* band around the median, relative (Binance 0.05) */
    size_t min_quorum;       /* quotes needed, >= 1 */
} mgn_oracle_params;

typedef struct mgn_oracle_result {
    double price;            /* the index (0 unless verdict OK) */
    double median_fresh;     /* median of the fresh quotes (0 if none) */
    size_t n_fresh, n_used, n_rejected;
    int    verdict;          /* MGN_ORACLE_* */
    int    reserved;
} mgn_oracle_result;

MGN_API size_t mgn_sizeof_oracle_params(void);
MGN_API size_t mgn_sizeof_oracle_result(void);
MGN_API int mgn_oracle_index(const double *price, const double *time, size_t n, double now,
                             const mgn_oracle_params *params, mgn_oracle_result *out);

/*----------------------------------------------------------------------
 * Partial liquidation and liquidator economics (lib/liquidation.c)
 *
 * Positions are closed at the mark (the close realises the mark value, so only the
 * penalty changes equity): penalty = penalty_rate * closed notional, the notional of
 * a close being |dq * multiplier| * S (options, linear delta-one: underlying notional)
 * or |dq * multiplier| (inverse futures and perpetuals: quote notional), in the
 * account currency. The target T(q) is MM * (1 + buffer) (MGN_LIQ_TARGET_MM) or IM
 * (MGN_LIQ_TARGET_IM), recomputed for the reduced account; the account is restored
 * when equity - penalty >= T and equity - penalty >= 0. In isolated mode the test is
 * per position: each position's equity (on its isolated collateral, which receives
 * what its close realises less its penalty) >= its own T and >= 0, and the cross
 * collateral >= 0.
 * Orders (each position closed at most close_factor of its quantity in one round):
 *   MGN_LIQ_PROPORTIONAL  every position reduced by the same fraction f <= close_factor:
 *     the smallest f that restores the account;
 *   MGN_LIQ_LARGEST_MM    positions by decreasing MM contribution (ties: lower index);
 *   MGN_LIQ_GIVEN         the caller's order (priority: n_pos indices, a permutation
 *                         or a prefix of positions to use);
 *     each position in turn closed up to close_factor, the last one only as much as
 *     needed.
 * Minimality: the fraction of the last position touched (or f) is the first point
 * where the account is restored on a 64-step scan of [0, cap], bisected to 1e-15
 * relative: closing 1e-9 less does not restore it. When no allowed close restores
 * it, everything is closed (full = 1). Positions with zero quantity are skipped.
 * Guard: when guard is not NULL and guard->verdict != MGN_ORACLE_OK, nothing is
 * decided: MGN_ESTALE, outputs untouched.
 * closes: capacity n_pos records; out->n_closes used. MGN_ERANGE where a result
 * overflows (the accounts' values, or a closed notional beyond DBL_MAX), with closes
 * and out untouched.
 *--------------------------------------------------------------------*/
enum { MGN_LIQ_PROPORTIONAL = 0, MGN_LIQ_LARGEST_MM = 1, MGN_LIQ_GIVEN = 2 };
enum { MGN_LIQ_TARGET_MM = 0, MGN_LIQ_TARGET_IM = 1 };

typedef struct mgn_liq_params {
    size_t struct_size;      /* sizeof(mgn_liq_params), set by _init */
    int    order;            /* MGN_LIQ_*; default MGN_LIQ_LARGEST_MM */
    int    target;           /* MGN_LIQ_TARGET_*; default MGN_LIQ_TARGET_MM */
    double buffer;           /* >= 0; default 0.1 (MM * 1.1) */
    double penalty_rate;     /* [0, 1); default 0.0075 (Deribit BTC futures 0.75%) */
    double close_factor;     /* (0, 1]; default 0.5 (Aave v3 DEFAULT_LIQUIDATION_CLOSE_FACTOR) */
    const int *priority;     /* MGN_LIQ_GIVEN: n_priority position indices */
    size_t n_priority;
} mgn_liq_params;

typedef struct mgn_liq_close {
    size_t position;         /* index in the account */
    double quantity;         /* contracts closed, signed like the position */
    double fraction;         /* of the position's quantity */
    double price;            /* mark per unit: option value (quote), future F, perpetual S */
    double notional;         /* account currency */
    double penalty;          /* account currency */
} mgn_liq_close;

typedef struct mgn_liq_result {
    mgn_account_result before, after;  /* after: equity net of the penalty, margins of
                                          the reduced positions */
    double penalty, notional;          /* totals */
    size_t n_closes;
    int    full;                       /* 1: everything closed (nothing partial worked) */
    int    restored;                   /* 1: the target is met after */
} mgn_liq_result;

MGN_API size_t mgn_sizeof_liq_params(void);
MGN_API size_t mgn_sizeof_liq_close(void);
MGN_API size_t mgn_sizeof_liq_result(void);
MGN_API int mgn_liq_params_init(mgn_liq_params *p);
MGN_API int mgn_liq_partial_work_size(const mgn_account_params *params, size_t n_mkt,
                                      size_t n_pos, size_t *bytes);
MGN_API int mgn_liq_partial(const mgn_market *mkt, size_t n_mkt, const mgn_account *acct,
                            const mgn_account_params *params, const mgn_liq_params *lp,
                            const mgn_oracle_result *guard, void *work, size_t work_size,
                            mgn_liq_close *closes, mgn_liq_result *out);

/* Liquidator economics: reward of closing the planned closes (or, with closes NULL,
 * close_factor of every position of the account) = bonus * notional; a close whose
 * reward is below gas_cost (account currency) is flagged unprofitable[i] = 1: nobody
 * will liquidate it and it becomes bad debt in a crash. reward and unprofitable have
 * n entries (n = n_closes, or the account's n_pos); either may be NULL.
 * *n_unprofitable and *unprofitable_notional summarise. bonus in [0, 1), gas_cost >= 0.
 * MGN_ERANGE when a notional or their total overflows; nothing is written on failure. */
MGN_API int mgn_liq_economics(const mgn_market *mkt, size_t n_mkt, const mgn_account *acct,
                              const mgn_liq_close *closes, size_t n_closes,
                              double close_factor, double bonus, double gas_cost,
                              double *reward, int *unprofitable, size_t *n_unprofitable,
                              double *unprofitable_notional);

/*----------------------------------------------------------------------
 * Liquidation cascades (lib/cascade.c)
 *
 * n_acct accounts on shared underlyings. Round 0 applies shock[u] (relative) to every
 * underlying (S_u <- S_u (1 + shock[u])). Then each round: every account not yet
 * liquidated is evaluated (mgn_account_eval with params); those at MGN_ACCT_LIQUIDATE
 * or BANKRUPT are closed in full at the round's prices; their net delta (underlying
 * units, signed: options by their BSM delta, linear futures e^{(r-q)T} per unit,
 * inverse delta-one N/S with N = quantity x multiplier; MARGIN-MODEL.md section 4)
 * is sold (longs) or bought (shorts) into the market, which moves each underlying by
 *   linear:      dS/S = -impact * D_u / depth[u]
 *   square root: dS/S = -impact * sign(D_u) sqrt(|D_u| / depth[u])
 * (D_u the net delta liquidated; the move is clamped to [-0.99, +100]). The
 * insurance fund (quote) receives penalty_rate * notional (the closed positions'
 * notional as mgn_liq_partial defines it, in quote) from each liquidated account's
 * remaining equity (at most that equity) and pays its bad debt (-equity, converted
 * to quote); when it is exhausted the rest is reported as uncovered.
 * The simulation stops after a round that liquidates nothing (not recorded in
 * rounds or n_rounds), or after max_rounds.
 * rounds[r] (capacity max_rounds) records round r+1; rounds and final_mkt (the prices
 * at the end, may be NULL) are written during the simulation, their contents are
 * unspecified on failure (out is untouched). Deterministic (one thread;
 * accounts in index order). Speed: bench/bench_account.c (100,000 accounts x 50
 * rounds, target <= 1 s).
 * Status: as mgn_account_eval for accounts and params (an invalid account fails the
 * call: nothing is simulated), MGN_EINVAL for NULL or non-finite shock / depth (> 0),
 * impact < 0, penalty_rate outside [0, 1), fund < 0, max_rounds < 1, report_underlying
 * out of range; MGN_ENOMEM for the workspace; MGN_ERANGE when the impact pushes a price
 * out of the doubles (overflow, or underflow to 0) or a total overflows.
 *--------------------------------------------------------------------*/
enum { MGN_IMPACT_LINEAR = 0, MGN_IMPACT_SQRT = 1 };

typedef struct mgn_cascade_params {
    size_t struct_size;      /* sizeof(mgn_cascade_params) */
    int    impact_model;     /* MGN_IMPACT_LINEAR or MGN_IMPACT_SQRT */
    int    max_rounds;       /* >= 1 */
    double impact;           /* coefficient >= 0 */
    double penalty_rate;     /* fee to the insurance fund, fraction of notional */
    double insurance_fund;   /* initial fund, quote, >= 0 */
    int    report_underlying;/* underlying whose price rounds[].price reports */
    int    reserved;
} mgn_cascade_params;

typedef struct mgn_cascade_round {
    double price;            /* price of report_underlying after the round's impact */
    size_t n_liquidated;
    double notional;         /* liquidated notional, quote */
    double bad_debt;         /* quote */
    double fees;             /* paid into the fund, quote */
    double fund;             /* fund left after the round */
    double uncovered;        /* bad debt the fund could not absorb (cumulative) */
} mgn_cascade_round;

typedef struct mgn_cascade_result {
    size_t n_rounds;         /* rounds recorded */
    size_t n_liquidated;     /* accounts, total */
    double notional, bad_debt, fees, fund, uncovered;
    int    converged;        /* 1: stopped because nothing was liquidatable */
    int    reserved;
} mgn_cascade_result;

MGN_API size_t mgn_sizeof_cascade_params(void);
MGN_API size_t mgn_sizeof_cascade_round(void);
MGN_API size_t mgn_sizeof_cascade_result(void);
MGN_API int mgn_cascade_work_size(const mgn_account_params *params, size_t n_mkt,
                                  size_t n_acct, size_t max_pos, size_t *bytes);
MGN_API int mgn_cascade(const mgn_market *mkt, size_t n_mkt, const mgn_account *accts,
                        size_t n_acct, const mgn_account_params *params,
                        const mgn_cascade_params *cp, const double *shock,
                        const double *depth, void *work, size_t work_size,
                        mgn_cascade_round *rounds, mgn_market *final_mkt,
                        mgn_cascade_result *out);

#ifdef __cplusplus
}
#endif

#endif /* MARGIN_H */
