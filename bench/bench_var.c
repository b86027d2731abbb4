/* VaR / ES benchmarks: the order statistic on 1e6 P&L values, historical simulation
 * with full revaluation (1,000 days x 10,000 option positions on 4 underlyings) with 1
 * and 2 threads, Monte Carlo (100,000 paths x 1,000 positions x 4 underlyings) with 1
 * and 2 threads; then, one thread each: the Euler and incremental VaR / ES of a
 * 1,000-scenario x 1,000-position P&L matrix, delta-normal and delta-gamma VaR on 4, 20
 * and 100 factors, the historical scenarios of 1,000 days x 4 underlyings under each
 * weighting, the EWMA variance and the dynamic margin over 10 years of daily returns,
 * the backtests over 250 and 2,500 days and the traffic-light zone. Each figure is the
 * median of the given number of timed runs; a run of a fast call repeats it a fixed
 * number of times and reports the time per call.
 *
 *   build/bench/bench_var [reps]
 */
#include "bench_util.h"
#include "margin.h"

static void print_row(const char *name, double sec, double items, const char *unit,
                      const char *target)
{
    printf("| %-44s | %10.2f | %10.1f %-10s | %-10s |\n", name, sec * 1e3, sec * 1e9 / items, unit,
           target);
}

static double median_of(double *t, int reps) { return bench_median(t, reps); }

static void make_book(mgn_market *mk, size_t nm, mgn_position *ps, size_t np, uint64_t seed)
{
    bench_rng g = { seed };
    for (size_t u = 0; u < nm; u++) {
        mk[u].spot = u == 0 ? 60000 : u == 1 ? 3000 : 100 * (double)(u + 1);
        mk[u].rate = 0.04;
        mk[u].carry = 0;
    }
    for (size_t i = 0; i < np; i++) {
        mgn_position *p = &ps[i];
        memset(p, 0, sizeof *p);
        p->instrument = MGN_OPTION;
        p->underlying = (int)(i % nm);
        p->option_type = bench_uniform(&g) < 0.5 ? MGN_CALL : MGN_PUT;
        p->settlement = i % 5 == 0 ? MGN_INVERSE : MGN_LINEAR;
        p->exercise = MGN_EUROPEAN;
        p->quantity = (bench_uniform(&g) - 0.5) * 20;
        p->multiplier = 1;
        p->strike = mk[p->underlying].spot * bench_logrange(&g, 0.6, 1.6);
        p->expiry = bench_logrange(&g, 2.0 / 365, 1.5);
        p->vol = 0.3 + 0.8 * bench_uniform(&g);
    }
}

/* Stops the benchmark when a call fails: a failing call is never timed. */
static void require_ok(int st, const char *what)
{
    if (st != MGN_OK) {
        fprintf(stderr, "%s failed: %s\n", what, mgn_strerror(st));
        exit(1);
    }
}

/* A standard normal draw (Box-Muller on two uniforms in (0, 1)). */
static double normal_draw(bench_rng *g)
{
    double u1 = bench_uniform(g) * (1 - 0x1p-52) + 0x1p-53, u2 = bench_uniform(g);
    return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
}

/* n daily returns (every stride-th entry of r) of a GARCH(1, 1) with Student-t (4)
   fat tails, long-run daily volatility vol: the volatility clusters and the calm and
   stressed spells that EWMA volatility, filtered HS and the backtests are built for. */
static void garch_returns(bench_rng *g, double *r, size_t n, size_t stride, double vol)
{
    const double alpha = 0.08, beta = 0.9, omega = (1 - alpha - beta) * vol * vol;
    double s2 = vol * vol;
    for (size_t t = 0; t < n; t++) {
        /* a normal over sqrt(chi2_4 / 2): t with 4 degrees of freedom, unit variance */
        double chi = 0;
        for (int k = 0; k < 4; k++) {
            double z = normal_draw(g);
            chi += z * z;
        }
        double x = sqrt(s2) * normal_draw(g) / sqrt(chi / 2);
        r[t * stride] = x < -0.5 ? -0.5 : x;
        s2 = omega + alpha * x * x + beta * s2;
    }
}

/* 4. Euler (component) and incremental VaR / ES of a P&L matrix: 1,000 historical
   scenarios (mgn_hs_scenarios of 1,000 days, 4 underlyings) x 1,000 option positions
   (make_book), each position revalued in each scenario by mgn_scenario_pnl_matrix:
   the attribution step that follows a desk's or a CCP's HS run on a book of that size.
   Per scenario-position. */
static void bench_contrib(int reps, double *t)
{
    size_t nm = 4, np = 1000, nd = 1000, ns;
    mgn_market mk[4];
    mgn_position *ps = malloc(np * sizeof *ps);
    double *ret = malloc(nd * nm * sizeof *ret), *dv = malloc(nd * nm * sizeof *dv);
    mgn_shock *sh = malloc(nd * nm * sizeof *sh);
    double *pnl = malloc(nd * np * sizeof *pnl);
    double *vc = malloc(4 * np * sizeof *vc), *ec = vc + np, *iv = ec + np, *ie = iv + np;
    if (!ps || !ret || !dv || !sh || !pnl || !vc) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    bench_rng g = { 21 };
    make_book(mk, nm, ps, np, 13);
    for (size_t u = 0; u < nm; u++)
        garch_returns(&g, ret + u, nd, nm, u < 2 ? 0.035 : 0.015);
    for (size_t i = 0; i < nd * nm; i++)
        dv[i] = 0.02 * (bench_uniform(&g) - 0.5);
    mgn_hs_params hp;
    mgn_hs_params_init(&hp);
    require_ok(mgn_hs_scenario_count(nd, &hp, &ns), "mgn_hs_scenario_count");
    require_ok(mgn_hs_scenarios(ret, dv, nd, nm, &hp, sh, NULL), "mgn_hs_scenarios");
    require_ok(mgn_scenario_pnl_matrix(mk, nm, ps, np, sh, ns, hp.dt, MGN_QUOTE, pnl),
               "mgn_scenario_pnl_matrix");
    size_t bytes;
    require_ok(mgn_var_es_contrib_work_size(ns, np, &bytes), "mgn_var_es_contrib_work_size");
    void *work = malloc(bytes);
    if (!work) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (int incr = 0; incr <= 1; incr++) {
        double v, e, acc = 0;
        double *ivp = incr ? iv : NULL, *iep = incr ? ie : NULL;
        require_ok(mgn_var_es_contrib(pnl, ns, np, NULL, hp.confidence, work, bytes, &v, &e,
                                      vc, ec, ivp, iep), "mgn_var_es_contrib");
        int st = 0;
        for (int k = 0; k < reps; k++) {
            double t0 = bench_now();
            st |= mgn_var_es_contrib(pnl, ns, np, NULL, hp.confidence, work, bytes, &v, &e,
                                     vc, ec, ivp, iep);
            t[k] = bench_now() - t0;
            acc += e + ec[k] + (incr ? ie[k] : 0);
        }
        require_ok(st, "mgn_var_es_contrib (timed)");
        bench_sink = acc;
        print_row(incr ? "mgn_var_es_contrib 1000x1000, Euler + incr."
                       : "mgn_var_es_contrib 1000x1000, Euler",
                  median_of(t, reps), (double)ns * (double)np, "/scen-pos", "-");
    }
    free(work);
    free(vc);
    free(pnl);
    free(sh);
    free(dv);
    free(ret);
    free(ps);
}

/* 5. Parametric VaR on n = 4 (the four underlyings of the books above), 20 (a
   multi-asset desk's index, rates and FX factors) and 100 factors (a single-stock
   portfolio, or term-structure buckets). Daily covariance of a two-factor correlation
   model (rho = B B' + D, positive semi-definite, loadings up to 0.6) with daily vols of
   1-5%; cash deltas of +-1e5..1e7 and the cash gammas of an option book: a
   diagonal of either sign plus cross-gammas a tenth of its size. Per call; a timed run
   repeats the call so that it lasts one to a few milliseconds. */
static void bench_parametric(int reps, double *t)
{
    static const size_t sizes[3] = { 4, 20, 100 };
    for (int si = 0; si < 3; si++) {
        size_t n = sizes[si];
        double *cov = malloc(n * n * sizeof *cov), *gam = malloc(n * n * sizeof *gam);
        double *delta = malloc(n * sizeof *delta), *vol = malloc(n * sizeof *vol);
        double *load = malloc(2 * n * sizeof *load);
        size_t bytes;
        require_ok(mgn_var_delta_gamma_work_size(n, &bytes), "mgn_var_delta_gamma_work_size");
        void *work = malloc(bytes);
        if (!cov || !gam || !delta || !vol || !load || !work) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
        bench_rng g = { 31 + n };
        for (size_t i = 0; i < n; i++) {
            vol[i] = bench_logrange(&g, 0.01, 0.05);
            load[2 * i] = 0.6 * bench_uniform(&g);
            load[2 * i + 1] = 0.6 * (2 * bench_uniform(&g) - 1);
            delta[i] = (bench_uniform(&g) < 0.5 ? -1 : 1) * bench_logrange(&g, 1e5, 1e7);
        }
        for (size_t i = 0; i < n; i++)
            for (size_t j = i; j < n; j++) {
                double rho = i == j ? 1
                                    : load[2 * i] * load[2 * j]
                                          + load[2 * i + 1] * load[2 * j + 1];
                double gij = (bench_uniform(&g) - 0.5) * 2e7 * (i == j ? 1 : 0.1);
                cov[i * n + j] = cov[j * n + i] = vol[i] * vol[j] * rho;
                gam[i * n + j] = gam[j * n + i] = gij;
            }
        int calls_dn = (int)(200000 / (n * n)), calls_dg = (int)(2000000 / (n * n * n)) + 1;
        double v, e, acc = 0;
        require_ok(mgn_var_delta_normal(delta, cov, n, 0.99, &v, &e), "mgn_var_delta_normal");
        int st = 0;
        for (int k = 0; k < reps; k++) {
            double t0 = bench_now();
            for (int c = 0; c < calls_dn; c++) {
                st |= mgn_var_delta_normal(delta, cov, n, 0.99, &v, &e);
                acc += v;
            }
            t[k] = (bench_now() - t0) / calls_dn;
        }
        require_ok(st, "mgn_var_delta_normal (timed)");
        char name[80];
        snprintf(name, sizeof name, "mgn_var_delta_normal, %zu factors", n);
        print_row(name, median_of(t, reps), 1, "/call", "-");

        mgn_dg_result dg;
        require_ok(mgn_var_delta_gamma(delta, gam, cov, n, 0.99, work, bytes, &dg),
                   "mgn_var_delta_gamma");
        for (int k = 0; k < reps; k++) {
            double t0 = bench_now();
            for (int c = 0; c < calls_dg; c++) {
                st |= mgn_var_delta_gamma(delta, gam, cov, n, 0.99, work, bytes, &dg);
                acc += dg.es;
            }
            t[k] = (bench_now() - t0) / calls_dg;
        }
        require_ok(st, "mgn_var_delta_gamma (timed)");
        bench_sink = acc;
        snprintf(name, sizeof name, "mgn_var_delta_gamma, %zu factors", n);
        print_row(name, median_of(t, reps), 1, "/call", "-");
        free(work);
        free(load);
        free(vol);
        free(delta);
        free(gam);
        free(cov);
    }
}

/* 6. Building the historical scenarios (no revaluation): 1,000 days (four years) of
   GARCH returns and vol changes on 4 underlyings, as the HS row above, one-day
   overlapping windows, under each weighting (equal, BRW age weights, filtered HS with
   its EWMA rescaling, both); weights requested. Per scenario; a timed run makes 10
   calls. */
static void bench_hs_scenarios(int reps, double *t)
{
    static const int modes[4] = { 0, MGN_HS_BRW, MGN_HS_FILTERED, MGN_HS_BRW | MGN_HS_FILTERED };
    static const char *names[4] = { "equal", "BRW", "filtered", "BRW + filtered" };
    size_t nm = 4, nd = 1000, ns;
    double *ret = malloc(nd * nm * sizeof *ret), *dv = malloc(nd * nm * sizeof *dv);
    double *w = malloc(nd * sizeof *w);
    mgn_shock *sh = malloc(nd * nm * sizeof *sh);
    if (!ret || !dv || !w || !sh) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    bench_rng g = { 41 };
    for (size_t u = 0; u < nm; u++)
        garch_returns(&g, ret + u, nd, nm, u < 2 ? 0.035 : 0.015);
    for (size_t i = 0; i < nd * nm; i++)
        dv[i] = 0.02 * (bench_uniform(&g) - 0.5);
    const int calls = 10;
    for (int mi = 0; mi < 4; mi++) {
        mgn_hs_params hp;
        mgn_hs_params_init(&hp);
        hp.weighting = modes[mi];
        require_ok(mgn_hs_scenario_count(nd, &hp, &ns), "mgn_hs_scenario_count");
        require_ok(mgn_hs_scenarios(ret, dv, nd, nm, &hp, sh, w), "mgn_hs_scenarios");
        int st = 0;
        double acc = 0;
        for (int k = 0; k < reps; k++) {
            double t0 = bench_now();
            for (int c = 0; c < calls; c++) {
                st |= mgn_hs_scenarios(ret, dv, nd, nm, &hp, sh, w);
                acc += sh[ns * nm - 1].price + w[0];
            }
            t[k] = (bench_now() - t0) / calls;
        }
        require_ok(st, "mgn_hs_scenarios (timed)");
        bench_sink = acc;
        char name[80];
        snprintf(name, sizeof name, "mgn_hs_scenarios 1000 d x 4, %s", names[mi]);
        print_row(name, median_of(t, reps), (double)ns, "/scenario", "-");
    }
    free(sh);
    free(w);
    free(dv);
    free(ret);
}

/* 7. EWMA variance and the dynamic (anti-procyclical) margin range over 10 years of
   daily returns, 2,520 days of GARCH returns at 3.5% daily volatility (a crypto
   underlying): the history a CCP keeps for EMIR's 10-year floor. The dynamic margin
   with its defaults (2,520-day floor, no series), with the day-by-day scan_series a
   margin report shows (the recursion then runs twice), and without the floor. Per day;
   a timed run makes 20 calls. */
static void bench_ewma(int reps, double *t)
{
    size_t nd = 2520;
    double *ret = malloc(nd * sizeof *ret), *var = malloc((nd + 1) * sizeof *var);
    double *series = malloc(nd * sizeof *series);
    if (!ret || !var || !series) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    bench_rng g = { 51 };
    garch_returns(&g, ret, nd, 1, 0.035);
    const int calls = 20;
    int st = 0;
    double acc = 0;
    require_ok(mgn_ewma_variance(ret, nd, 0.94, -1, var), "mgn_ewma_variance");
    for (int k = 0; k < reps; k++) {
        double t0 = bench_now();
        for (int c = 0; c < calls; c++) {
            st |= mgn_ewma_variance(ret, nd, 0.94, -1, var);
            acc += var[nd];
        }
        t[k] = (bench_now() - t0) / calls;
    }
    require_ok(st, "mgn_ewma_variance (timed)");
    print_row("mgn_ewma_variance, 2520 days", median_of(t, reps), (double)nd, "/day", "-");

    for (int variant = 0; variant < 3; variant++) {
        mgn_dynmargin_params dp;
        mgn_dynmargin_params_init(&dp);
        if (variant == 2)
            dp.floor_lookback = 0;
        double *dst = variant == 1 ? series : NULL;
        mgn_dynmargin_result dr;
        require_ok(mgn_dynamic_margin(ret, nd, &dp, dst, &dr), "mgn_dynamic_margin");
        for (int k = 0; k < reps; k++) {
            double t0 = bench_now();
            for (int c = 0; c < calls; c++) {
                st |= mgn_dynamic_margin(ret, nd, &dp, dst, &dr);
                acc += dr.price_scan;
            }
            t[k] = (bench_now() - t0) / calls;
        }
        require_ok(st, "mgn_dynamic_margin (timed)");
        print_row(variant == 0   ? "mgn_dynamic_margin 2520 d, 2520-d floor"
                  : variant == 1 ? "mgn_dynamic_margin 2520 d, floor + series"
                                 : "mgn_dynamic_margin 2520 d, no floor",
                  median_of(t, reps), (double)nd, "/day", "-");
    }
    bench_sink = acc;
    free(series);
    free(var);
    free(ret);
}

/* 8. Backtests over 250 days (the Basel one-year window) and 2,500 days (ten years):
   the daily P&L of a GARCH book with Student-t (4) tails against a 99% VaR of that
   t's unit-variance quantile (2.65) times its EWMA volatility forecast: a model a
   little slow to react, so exceptions come near the expected 1%, some in clusters.
   mgn_backtest_exceptions and mgn_backtest per day (a timed run repeats the call
   500,000 / T times); mgn_backtest_zone per call for T days at the expected count, 1%
   of T rounded up (3 and 25). */
static void bench_backtests(int reps, double *t)
{
    static const size_t lengths[2] = { 250, 2500 };
    for (int li = 0; li < 2; li++) {
        size_t n = lengths[li];
        double *pnl = malloc(n * sizeof *pnl), *var = malloc(n * sizeof *var);
        int *exc = malloc(n * sizeof *exc);
        if (!pnl || !var || !exc) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
        bench_rng g = { 61 + n };
        garch_returns(&g, pnl, n, 1, 0.012);
        double s2 = 0.012 * 0.012;
        for (size_t d = 0; d < n; d++) {
            pnl[d] *= 1e7;                    /* a 10-million book */
            var[d] = 2.65 * sqrt(s2) * 1e7;
            s2 = 0.94 * s2 + 0.06 * (pnl[d] / 1e7) * (pnl[d] / 1e7);
        }
        int calls = (int)(500000 / n), st = 0;
        double acc = 0;
        char name[80];
        require_ok(mgn_backtest_exceptions(pnl, var, n, exc), "mgn_backtest_exceptions");
        for (int k = 0; k < reps; k++) {
            double t0 = bench_now();
            for (int c = 0; c < calls; c++) {
                st |= mgn_backtest_exceptions(pnl, var, n, exc);
                acc += exc[n - 1];
            }
            t[k] = (bench_now() - t0) / calls;
        }
        require_ok(st, "mgn_backtest_exceptions (timed)");
        snprintf(name, sizeof name, "mgn_backtest_exceptions, %zu days", n);
        print_row(name, median_of(t, reps), (double)n, "/day", "-");

        mgn_backtest_result br;
        require_ok(mgn_backtest(exc, n, 0.99, &br), "mgn_backtest");
        size_t n_exc = br.n_exceptions;
        for (int k = 0; k < reps; k++) {
            double t0 = bench_now();
            for (int c = 0; c < calls; c++) {
                st |= mgn_backtest(exc, n, 0.99, &br);
                acc += br.p_cc;
            }
            t[k] = (bench_now() - t0) / calls;
        }
        require_ok(st, "mgn_backtest (timed)");
        snprintf(name, sizeof name, "mgn_backtest, %zu days (%zu exceptions)", n, n_exc);
        print_row(name, median_of(t, reps), (double)n, "/day", "-");

        size_t x = (n + 99) / 100;
        int zone, zcalls = 2000;
        double cp;
        require_ok(mgn_backtest_zone(n, x, 0.99, &zone, &cp), "mgn_backtest_zone");
        for (int k = 0; k < reps; k++) {
            double t0 = bench_now();
            for (int c = 0; c < zcalls; c++) {
                st |= mgn_backtest_zone(n, x, 0.99, &zone, &cp);
                acc += cp + zone;
            }
            t[k] = (bench_now() - t0) / zcalls;
        }
        require_ok(st, "mgn_backtest_zone (timed)");
        bench_sink = acc;
        snprintf(name, sizeof name, "mgn_backtest_zone, T = %zu, %zu exceptions", n, x);
        print_row(name, median_of(t, reps), 1, "/call", "-");
        free(exc);
        free(var);
        free(pnl);
    }
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 5;
    if (reps < 1 || reps > 64) {
        fprintf(stderr, "usage: %s [reps 1..64]\n", argv[0]);
        return 2;
    }
    double t[64];
    bench_print_machine("-O2; lib as built by make");
    printf("median of %d runs; 2 threads = the calling thread + 1 POSIX thread\n\n", reps);
    printf("| %-44s | %10s | %21s | %-10s |\n", "path", "ms/call", "ns per item", "target");
    printf("|----------------------------------------------|------------|-----------------------|------------|\n");

    /* 1. mgn_var_es on 1e6 values */
    size_t n = 1000000;
    double *pnl = malloc(n * sizeof *pnl), *w = malloc(n * sizeof *w);
    bench_rng g = { 7 };
    for (size_t i = 0; i < n; i++) {
        double u = bench_uniform(&g) * (1 - 0x1p-52) + 0x1p-53;
        pnl[i] = 1000 * log(u / (1 - u));
        w[i] = 0.5 + bench_uniform(&g);
    }
    double v, e;
    for (int k = 0; k < reps; k++) {
        double t0 = bench_now();
        mgn_var_es(pnl, NULL, n, 0.99, &v, &e);
        t[k] = bench_now() - t0;
    }
    bench_sink = v + e;
    print_row("mgn_var_es, 1e6 values, equal weights", median_of(t, reps), (double)n, "/value", "<= 10 ms");
    for (int k = 0; k < reps; k++) {
        double t0 = bench_now();
        mgn_var_es(pnl, w, n, 0.99, &v, &e);
        t[k] = bench_now() - t0;
    }
    print_row("mgn_var_es, 1e6 values, weighted", median_of(t, reps), (double)n, "/value", "-");
    free(pnl);
    free(w);

    /* 2. Historical simulation */
    size_t nm = 4, np = 10000, nd = 1000;
    mgn_market mk[4];
    mgn_position *ps = malloc(np * sizeof *ps);
    make_book(mk, nm, ps, np, 11);
    double *ret = malloc(nd * nm * sizeof *ret), *dv = malloc(nd * nm * sizeof *dv);
    for (size_t i = 0; i < nd * nm; i++) {
        ret[i] = 0.03 * (bench_uniform(&g) + bench_uniform(&g) + bench_uniform(&g) - 1.5) * 2;
        dv[i] = 0.02 * (bench_uniform(&g) - 0.5);
    }
    mgn_hs_params hp;
    mgn_hs_params_init(&hp);
    size_t bytes;
    if (mgn_var_historical_work_size(nd, 0, nm, &hp, &bytes) != MGN_OK)
        return 1;
    void *work = malloc(bytes);
    mgn_var_result res;
    for (int th = 1; th <= 2; th++) {
        hp.threads = th;
        int st = 0;
        for (int k = 0; k < reps; k++) {
            double t0 = bench_now();
            st |= mgn_var_historical(mk, nm, ps, np, ret, dv, nd, NULL, NULL, 0, &hp, work, bytes, &res);
            t[k] = bench_now() - t0;
        }
        if (st) { fprintf(stderr, "HS failed: %s\n", mgn_strerror(st)); return 1; }
        char name[80];
        snprintf(name, sizeof name, "HS 1000 d x 10000 options, %d thread%s", th, th > 1 ? "s" : "");
        print_row(name, median_of(t, reps), (double)nd * (double)np, "/valuation", th == 2 ? "<= 200 ms" : "-");
    }
    free(work);
    free(ret);
    free(dv);

    /* 3. Monte Carlo */
    size_t npm = 1000;
    make_book(mk, nm, ps, npm, 12);
    double cov[16];
    double vol[4] = { 0.035, 0.045, 0.05, 0.06 };
    for (size_t i = 0; i < 4; i++)
        for (size_t j = 0; j < 4; j++)
            cov[i * 4 + j] = vol[i] * vol[j] * (i == j ? 1 : 0.6);
    mgn_mc_params mp;
    mgn_mc_params_init(&mp);
    mp.n_paths = 100000;
    mp.seed = 42;
    if (mgn_var_montecarlo_work_size(nm, &mp, &bytes) != MGN_OK)
        return 1;
    work = malloc(bytes);
    int mreps = reps < 3 ? reps : 3;
    for (int th = 1; th <= 2; th++) {
        mp.threads = th;
        int st = 0;
        for (int k = 0; k < mreps; k++) {
            double t0 = bench_now();
            st |= mgn_var_montecarlo(mk, nm, ps, npm, cov, &mp, work, bytes, &res);
            t[k] = bench_now() - t0;
        }
        if (st) { fprintf(stderr, "MC failed: %s\n", mgn_strerror(st)); return 1; }
        char name[80];
        snprintf(name, sizeof name, "MC 1e5 paths x 1000 pos x 4 und, %d thread%s", th, th > 1 ? "s" : "");
        print_row(name, median_of(t, mreps), (double)mp.n_paths * (double)npm, "/valuation", th == 2 ? "<= 1 s" : "-");
    }
    free(work);
    free(ps);

    bench_contrib(reps, t);
    bench_parametric(reps, t);
    bench_hs_scenarios(reps, t);
    bench_ewma(reps, t);
    bench_backtests(reps, t);

    printf("\nMC VaR %.6g (se %.3g), ES %.6g (se %.3g)\n", res.var, res.var_se, res.es, res.es_se);
    return 0;
}
