/* VaR / ES benchmarks: the order statistic on 1e6 P&L values, historical simulation
 * with full revaluation (1,000 days x 10,000 option positions on 4 underlyings) with 1
 * and 2 threads, Monte Carlo (100,000 paths x 1,000 positions x 4 underlyings) with 1
 * and 2 threads. Each figure is the median of the given number of timed runs.
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
    printf("\nMC VaR %.6g (se %.3g), ES %.6g (se %.3g)\n", res.var, res.var_se, res.es, res.es_se);
    free(work);
    free(ps);
    return 0;
}
