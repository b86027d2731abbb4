/* Pricing benchmarks: ns per option for every pricing hot path, over 1e6 random
 * options from the accuracy domain (bench_util.h). Each figure is the median of
 * BENCH_REPS timed passes over the whole set, one thread. A call that fails (any status
 * but MGN_OK) in a row that checks it aborts the program with a message.
 *
 *   build/bench/bench_pricing [n_options] [reps]
 */
#include <float.h>
#include "bench_util.h"
#include "margin.h"

#define BENCH_REPS 7

typedef struct {
    const char *name;
    double ns;        /* median ns per item */
    size_t items;
} row;

static void print_row(const row *r, const char *target)
{
    printf("| %-39s | %10.1f | %12.3g | %-10s |\n", r->name, r->ns, 1e9 / r->ns, target);
}

/* Aborts the benchmark when a call failed: its figure would not time the real path. */
static void check(const char *what, int status)
{
    if (status != MGN_OK) {
        fprintf(stderr, "%s failed: %s\n", what, mgn_strerror(status));
        exit(1);
    }
}

/* One row for a function called option by option: reps timed passes over items
   0..count-1 (the loop variable is i), each declaring decl, calling call and adding
   value to the sink; a status other than MGN_OK and also_ok stops the program (check).
   The median pass goes into the table. A macro, so that every row's loop is the
   plain call, as a user's would be (no function pointer in the timed code). */
#define SCALAR_ROW(label, target, name, count, also_ok, decl, call, value)     \
    do {                                                                       \
        for (int k_ = 0; k_ < reps; k_++) {                                    \
            int st_ = MGN_OK;                                                  \
            double t0_ = bench_now(), acc_ = 0;                                \
            for (size_t i = 0; i < (count); i++) {                             \
                decl;                                                          \
                int s_ = (call);                                               \
                if (s_ != MGN_OK && s_ != (also_ok))                           \
                    st_ = s_;                                                  \
                acc_ += (value);                                               \
            }                                                                  \
            bench_sink = acc_;                                                 \
            t[k_] = (bench_now() - t0_) / (double)(count) * 1e9;               \
            check(name, st_);                                                  \
        }                                                                      \
        r = (row){ label, bench_median(t, reps), (count) };                    \
        print_row(&r, target);                                                 \
    } while (0)

/* The scalar BSM price and Greeks rows over an option set (bench_options). */
#define BS_PRICE_ROW(label, target, set)                                       \
    SCALAR_ROW(label, target, "mgn_bs_price", (set).n, MGN_OK, double p = 0,   \
               mgn_bs_price((set).type[i], (set).S[i], (set).K[i], (set).T[i], \
                            (set).r[i], (set).q[i], (set).sigma[i], &p),       \
               p)
#define BS_GREEKS_ROW(label, set)                                              \
    SCALAR_ROW(label, "", "mgn_bs_greeks", (set).n, MGN_OK, mgn_greeks g = { 0 }, \
               mgn_bs_greeks((set).type[i], (set).S[i], (set).K[i], (set).T[i], \
                             (set).r[i], (set).q[i], (set).sigma[i], &g),      \
               g.vega)

/* Exits when an option set could not be allocated. */
static void need(int made)
{
    if (made != 0) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    int reps = argc > 2 ? atoi(argv[2]) : BENCH_REPS;
    if (n < 1000 || reps < 1) {
        fprintf(stderr, "usage: %s [n_options >= 1000] [reps >= 1]\n", argv[0]);
        return 2;
    }
    bench_options o;
    need(bench_options_make(&o, n, 42));
    double *price = malloc(n * sizeof *price), *iv = malloc(n * sizeof *iv);
    mgn_greeks *gk = malloc(n * sizeof *gk);
    int *ivst = malloc(n * sizeof *ivst);
    double t[64];
    if (!price || !iv || !gk || !ivst)
        return 1;
    if (reps > 64)
        reps = 64;

    bench_print_machine("-O2; vector kernels chosen at load time");
    printf("ISA of the batch kernels here: %s\n",
           __builtin_cpu_supports("avx512f") ? "AVX-512 (avx512f clone)"
           : __builtin_cpu_supports("avx2") ? "AVX2 (avx2 clone)" : "SSE2 (default clone)");
    printf("%zu random options, median of %d passes, one thread\n\n", n, reps);
    printf("| %-39s | %10s | %12s | %-10s |\n", "path", "ns/option", "options/s", "target");
    printf("|%s|%s|%s|%s|\n", "-----------------------------------------", "------------",
           "--------------", "------------");

    row r;
    BS_PRICE_ROW("mgn_bs_price (scalar)", "<= 45", o);

    /* The same options in the order of a listed chain (by expiry, type and moneyness
       K/S), where consecutive options take the same branches: what pricing a venue's
       chain option by option costs, against the random order above. */
    bench_options ch;
    need(bench_options_chain_order(&o, &ch));
    BS_PRICE_ROW("mgn_bs_price (scalar, chain order)", "", ch);
    bench_options_free(&ch);

    /* Options around the money as a venue lists them (bench_options_listed): where
       margin, account and risk-screen books have theirs. */
    bench_options ls;
    need(bench_options_listed(&ls, n, 43));
    BS_PRICE_ROW("mgn_bs_price (scalar, listed strikes)", "", ls);
    BS_GREEKS_ROW("mgn_bs_greeks (scalar, listed strikes)", ls);
    bench_options_free(&ls);

    BS_GREEKS_ROW("mgn_bs_greeks (scalar, price + 10)", o);

    /* Coin-settled (inverse) options, as Deribit lists them, on the same random set:
       the BSM value and Greeks converted to coin (V / S and its derivatives). */
    SCALAR_ROW("mgn_inverse_price (scalar)", "", "mgn_inverse_price", n, MGN_OK, double p = 0,
               mgn_inverse_price(o.type[i], o.S[i], o.K[i], o.T[i], o.r[i], o.q[i],
                                 o.sigma[i], &p),
               p);
    SCALAR_ROW("mgn_inverse_greeks (scalar, price + 10)", "", "mgn_inverse_greeks", n, MGN_OK,
               mgn_greeks g = { 0 },
               mgn_inverse_greeks(o.type[i], o.S[i], o.K[i], o.T[i], o.r[i], o.q[i],
                                  o.sigma[i], &g),
               g.vega);

    for (int k = 0; k < reps; k++) {
        double t0 = bench_now();
        mgn_bs_price_batch(n, o.type, o.S, o.K, o.T, o.r, o.q, o.sigma, price);
        t[k] = (bench_now() - t0) / (double)n * 1e9;
    }
    r = (row){ "mgn_bs_price_batch", bench_median(t, reps), n };
    print_row(&r, "<= 12");

    for (int k = 0; k < reps; k++) {
        double t0 = bench_now();
        mgn_bs_greeks_batch(n, o.type, o.S, o.K, o.T, o.r, o.q, o.sigma, gk);
        t[k] = (bench_now() - t0) / (double)n * 1e9;
    }
    r = (row){ "mgn_bs_greeks_batch (price + 10)", bench_median(t, reps), n };
    print_row(&r, "<= 30");

    /* Black-76 batch on the same options quoted on their forwards F = S e^{(r-q)T}
       (futures options; the forwards computed outside the timed region). */
    double *fwd = malloc(n * sizeof *fwd);
    if (!fwd)
        return 1;
    for (size_t i = 0; i < n; i++)
        fwd[i] = o.S[i] * exp((o.r[i] - o.q[i]) * o.T[i]);
    for (int k = 0; k < reps; k++) {
        double t0 = bench_now();
        int st = mgn_black76_price_batch(n, o.type, fwd, o.K, o.T, o.r, o.sigma, price);
        t[k] = (bench_now() - t0) / (double)n * 1e9;
        check("mgn_black76_price_batch", st);
        bench_sink = price[n / 2];
    }
    r = (row){ "mgn_black76_price_batch", bench_median(t, reps), n };
    print_row(&r, "");

    for (int k = 0; k < reps; k++) {
        double t0 = bench_now();
        int st = mgn_black76_greeks_batch(n, o.type, fwd, o.K, o.T, o.r, o.sigma, gk);
        t[k] = (bench_now() - t0) / (double)n * 1e9;
        check("mgn_black76_greeks_batch", st);
        bench_sink = gk[n / 2].vega;
    }
    r = (row){ "mgn_black76_greeks_batch (price + 10)", bench_median(t, reps), n };
    print_row(&r, "");

    /* the scalar Black-76 forms on the same forwards */
    SCALAR_ROW("mgn_black76_price (scalar)", "", "mgn_black76_price", n, MGN_OK, double p = 0,
               mgn_black76_price(o.type[i], fwd[i], o.K[i], o.T[i], o.r[i], o.sigma[i], &p), p);
    SCALAR_ROW("mgn_black76_greeks (scalar, price + 10)", "", "mgn_black76_greeks", n, MGN_OK,
               mgn_greeks g = { 0 },
               mgn_black76_greeks(o.type[i], fwd[i], o.K[i], o.T[i], o.r[i], o.sigma[i], &g),
               g.vega);

    /* Implied vol: options with T >= 1 day whose price carries the vol (the price
       exceeds its lower bound by more than 1e-12 relative). */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double T = o.T[i] < 1.0 / 365 ? 1.0 / 365 + o.T[i] * 100 : o.T[i];
        double p, lo;
        mgn_bs_price(o.type[i], o.S[i], o.K[i], T, o.r[i], o.q[i], o.sigma[i], &p);
        mgn_bs_price(o.type[i], o.S[i], o.K[i], T, o.r[i], o.q[i], 0, &lo);
        if (p > lo * (1 + 1e-12) + 1e-300) {
            o.type[m] = o.type[i]; o.S[m] = o.S[i]; o.K[m] = o.K[i]; o.T[m] = T;
            o.r[m] = o.r[i]; o.q[m] = o.q[i]; o.sigma[m] = o.sigma[i]; price[m] = p;
            m++;
        }
    }
    SCALAR_ROW("mgn_implied_vol (scalar)", "<= 200", "mgn_implied_vol", m, MGN_ENOSOL,
               double v = 0,
               mgn_implied_vol(o.type[i], o.S[i], o.K[i], o.T[i], o.r[i], o.q[i], price[i], &v),
               v);

    /* The batch forms on the same options (a chain's quotes inverted in one call);
       the second also writes each element's status, and its results are the ones
       whose accuracy is reported below. */
    for (int k = 0; k < reps; k++) {
        double t0 = bench_now();
        int st = mgn_implied_vol_batch(m, o.type, o.S, o.K, o.T, o.r, o.q, price, iv);
        t[k] = (bench_now() - t0) / (double)m * 1e9;
        check("mgn_implied_vol_batch", st);
        bench_sink = iv[m / 2];
    }
    r = (row){ "mgn_implied_vol_batch", bench_median(t, reps), m };
    print_row(&r, "<= 200");

    for (int k = 0; k < reps; k++) {
        double t0 = bench_now();
        int st = mgn_implied_vol_batch_status(m, o.type, o.S, o.K, o.T, o.r, o.q, price, iv,
                                              ivst);
        t[k] = (bench_now() - t0) / (double)m * 1e9;
        check("mgn_implied_vol_batch_status", st);
        bench_sink = iv[m / 2];
    }
    r = (row){ "mgn_implied_vol_batch_status", bench_median(t, reps), m };
    print_row(&r, "");

    /* Black-76 on the same options' forwards: S e^{-qT} = F e^{-rT}, so the same prices
       carry the same vols */
    for (size_t i = 0; i < m; i++)
        fwd[i] = o.S[i] * exp((o.r[i] - o.q[i]) * o.T[i]);
    SCALAR_ROW("mgn_black76_implied_vol (scalar)", "", "mgn_black76_implied_vol", m,
               MGN_ENOSOL, double v = 0,
               mgn_black76_implied_vol(o.type[i], fwd[i], o.K[i], o.T[i], o.r[i], price[i], &v),
               v);
    free(fwd);

    /* accuracy of the batch run (mgn_implied_vol_batch_status), against the contract of
       tests/test_implied_vol.c: within 1e-12 relative where the condition number of
       sigma in the inputs, kappa = (price + S e^{-qT} N(theta d1) (1 + 2|q|T)
       + K e^{-rT} N(theta d2) (1 + 2|r|T)) / (vega sigma), is at most 1000 (from the
       Greeks: S e^{-qT} N(theta d1) = S |delta|, K e^{-rT} N(theta d2) = |rho| / T);
       elsewhere the error in units of kappa eps */
    size_t checked = 0, within = 0, other = 0, failed = 0;
    double worst = 0, worst_kappa = 0;
    for (size_t i = 0; i < m; i++) {
        mgn_greeks g;
        if (mgn_bs_greeks(o.type[i], o.S[i], o.K[i], o.T[i], o.r[i], o.q[i], o.sigma[i], &g)
            != MGN_OK)
            continue;
        double T = o.T[i];
        double kappa = (price[i] + o.S[i] * fabs(g.delta) * (1 + 2 * fabs(o.q[i]) * T)
                        + fabs(g.rho) / T * (1 + 2 * fabs(o.r[i]) * T))
                     / (g.vega * o.sigma[i]);
        double e = fabs(iv[i] - o.sigma[i]) / o.sigma[i];
        if (ivst[i] != MGN_OK) {
            failed++;
            continue;
        }
        if (kappa <= 1000) {
            checked++;
            within += e <= 1e-12;
            worst = e > worst ? e : worst;
        } else {
            other++;
            if (e / (kappa * DBL_EPSILON) > worst_kappa)
                worst_kappa = e / (kappa * DBL_EPSILON);
        }
    }

    /* American: T up to 10 years, sigma up to 2. The cost depends strongly on the
       regime (never exercised early: 0.1 us; drift-dominated and double-boundary
       cases: 15-65 us), so besides the mean over the set each option is timed alone
       and the median reported. */
    size_t na = n / 100;
    for (size_t i = 0; i < na; i++) {
        if (o.sigma[i] > 2) o.sigma[i] = 2;
    }
    double *one = malloc(na * sizeof *one);
    if (!one)
        return 1;
    for (int k = 0; k < reps; k++) {
        double t0 = bench_now(), acc = 0;
        for (size_t i = 0; i < na; i++) {
            double p = 0;
            mgn_american_price(o.type[i], o.S[i], o.K[i], o.T[i], o.r[i], o.q[i], o.sigma[i], &p);
            acc += p;
        }
        bench_sink = acc;
        t[k] = (bench_now() - t0) / (double)na * 1e9;
    }
    r = (row){ "mgn_american_price (mean)", bench_median(t, reps), na };
    print_row(&r, "");
    for (size_t i = 0; i < na; i++) {
        double best = INFINITY;
        for (int k = 0; k < 3; k++) {
            double p = 0, t0 = bench_now();
            mgn_american_price(o.type[i], o.S[i], o.K[i], o.T[i], o.r[i], o.q[i], o.sigma[i], &p);
            double dt = bench_now() - t0;
            bench_sink = p;
            if (dt < best) best = dt;
        }
        one[i] = best * 1e9;
    }
    r = (row){ "mgn_american_price (median)", bench_median(one, (int)na), na };
    print_row(&r, "<= 5000");
    free(one);

    printf("\nimplied vol accuracy (batch) in this run: %zu of %zu options with kappa <= 1000 "
           "within 1e-12 relative (worst %.3g); the other %zu within %.3g kappa eps; %zu failed\n",
           within, checked, worst, other, worst_kappa, failed);
    free(price); free(iv); free(gk); free(ivst);
    bench_options_free(&o);
    return 0;
}
