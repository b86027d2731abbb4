/* Margin benchmarks: SPAN on a 1,000-option book over 4 underlyings, scenario P&L
 * per position-scenario from 10^2 to 10^6 position-scenarios, and the portfolio-margin
 * grid (33 price x 3 vol scenarios) on 1,000 options. Each figure is the median of
 * BENCH_REPS timed passes; a pass repeats the call until it has run for at least
 * 2 ms. One thread.
 *
 *   build/bench/bench_margin [reps]
 */
#include "bench_util.h"
#include "margin.h"

#define BENCH_REPS 9

static const mgn_market MKT[4] = { { 60000, 0.03, 0.0 }, { 3000, 0.03, 0.0 },
                                   { 150, 0.04, 0.01 }, { 4500, 0.05, 0.015 } };

/* n European options (half inverse) on n_mkt underlyings, strikes 0.6..1.6 x spot,
   vols 20%..120%, mixed long and short; expiries from 12 listed dates (1 day to 1
   year, as a venue lists them), or with listed == 0 each one different (log-uniform
   1 day to 1 year: the worst case for SPAN's tiers). */
static int listed = 1;
static void make_book(mgn_position *pos, size_t n, int n_mkt, uint64_t seed)
{
    static const double days[12] = { 1, 2, 3, 7, 14, 21, 30, 60, 90, 180, 270, 365 };
    bench_rng g = { seed };
    for (size_t i = 0; i < n; i++) {
        int u = (int)(i % (size_t)n_mkt);
        double S = MKT[u].spot;
        mgn_position p = { MGN_OPTION, u, bench_uniform(&g) < 0.5 ? MGN_CALL : MGN_PUT,
                           bench_uniform(&g) < 0.5 ? MGN_LINEAR : MGN_INVERSE, MGN_EUROPEAN, 0,
                           -10 + 20 * bench_uniform(&g), 1.0, S * (0.6 + bench_uniform(&g)),
                           bench_logrange(&g, 1.0 / 365, 1.0), 0.2 + bench_uniform(&g), 0 };
        if (listed)
            p.expiry = days[(size_t)(12 * bench_uniform(&g)) % 12] / 365;
        pos[i] = p;
    }
}

typedef int (*bench_fn)(void *ctx);

/* Median ns per item of fn over reps passes. */
static double time_it(bench_fn fn, void *ctx, double items, int reps)
{
    double t[64];
    for (int k = 0; k < reps; k++) {
        int calls = 0;
        double t0 = bench_now(), t1;
        do {
            if (fn(ctx) != MGN_OK) {
                fprintf(stderr, "call failed\n");
                exit(1);
            }
            calls++;
            t1 = bench_now();
        } while (t1 - t0 < 2e-3);
        t[k] = (t1 - t0) / calls / items * 1e9;
    }
    return bench_median(t, reps);
}

typedef struct {
    const mgn_market *mkt;
    size_t n_mkt, n_pos, n_scen;
    const mgn_position *pos;
    const mgn_shock *sh;
    double *pnl;
    const mgn_span_params *sp;
    const mgn_pm_params *pp;
} ctx_t;

static int run_pnl(void *c_)
{
    ctx_t *c = c_;
    return mgn_scenario_pnl(c->mkt, c->n_mkt, c->pos, c->n_pos, c->sh, c->n_scen, 1.0 / 365,
                            MGN_QUOTE, c->pnl);
}

static int run_span(void *c_)
{
    ctx_t *c = c_;
    mgn_span_result r;
    return mgn_span_margin(c->mkt, c->sp, c->n_mkt, c->pos, c->n_pos, NULL, 0, MGN_QUOTE, &r);
}

static int run_pm(void *c_)
{
    ctx_t *c = c_;
    mgn_pm_result r;
    return mgn_pm_margin(c->mkt, c->pp, c->n_mkt, c->pos, c->n_pos, MGN_QUOTE, &r);
}

static void row(const char *name, double ns, const char *unit, double per_call_us, const char *target)
{
    printf("| %-48s | %10.2f %-9s | %10.1f | %12.3g | %-14s |\n", name, ns, unit, per_call_us,
           1e9 / ns, target);
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : BENCH_REPS;
    if (reps < 1 || reps > 64) {
        fprintf(stderr, "usage: %s [reps 1..64]\n", argv[0]);
        return 2;
    }
    size_t maxpos = 10000;
    mgn_position *pos = malloc(maxpos * sizeof *pos);
    mgn_shock *sh = malloc(1000000 * 4 * sizeof *sh);
    double *pnl = malloc(1000000 * sizeof *pnl);
    if (!pos || !sh || !pnl)
        return 1;
    bench_rng g = { 7 };
    for (size_t k = 0; k < 1000000 * 4; k++) {
        sh[k].price = -0.3 + 0.6 * bench_uniform(&g);
        sh[k].vol = -0.2 + 0.4 * bench_uniform(&g);
    }

    bench_print_machine("-O2; vector kernels chosen at load time");
    printf("ISA of the vector kernels here: %s\n",
           __builtin_cpu_supports("avx512f") ? "AVX-512 (avx512f clone)"
           : __builtin_cpu_supports("avx2") ? "AVX2 (avx2 clone)" : "SSE2 (default clone)");
    printf("European options (half coin-settled), median of %d passes, one thread\n\n", reps);
    printf("| %-48s | %20s | %10s | %12s | %-14s |\n", "path", "per item", "us/call", "items/s", "target");
    printf("|%s|%s|%s|%s|%s|\n", "--------------------------------------------------",
           "----------------------", "------------", "--------------", "----------------");

    ctx_t c = { MKT, 4, 0, 0, pos, sh, pnl, NULL, NULL };
    char name[128];

    /* SPAN: 1,000 options on 4 underlyings */
    mgn_span_params sp[4];
    for (int u = 0; u < 4; u++)
        sp[u] = (mgn_span_params){ 0.15, 0.25, 2, 0.35, 1.0 / 365, 0.05, 0.01 };
    make_book(pos, 1000, 4, 11);
    c.n_pos = 1000;
    c.sp = sp;
    double ns = time_it(run_span, &c, 1000, reps);
    row("mgn_span_margin, 1000 options, 4 underlyings", ns, "ns/pos", ns * 1000 / 1e3, "<= 200 us/call");
    listed = 0;
    make_book(pos, 1000, 4, 11);
    ns = time_it(run_span, &c, 1000, reps);
    row("mgn_span_margin, same, 1000 distinct expiries", ns, "ns/pos", ns * 1000 / 1e3, "");
    listed = 1;
    make_book(pos, 1000, 4, 11);

    /* PM grid 33 x 3 on 1,000 options, 4 underlyings */
    mgn_pm_params pp[4];
    for (int u = 0; u < 4; u++) {
        mgn_pm_preset_deribit(&pp[u]);
        pp[u].price_steps = 16;
        pp[u].n_extended = 0;
    }
    c.pp = pp;
    ns = time_it(run_pm, &c, 1000, reps);
    row("mgn_pm_margin 33x3 grid, 1000 opts, 4 und.", ns, "ns/pos", ns * 1000 / 1e3, "<= 2000 us/call");
    make_book(pos, 1000, 1, 11);
    c.n_mkt = 1;
    ns = time_it(run_pm, &c, 1000, reps);
    row("mgn_pm_margin 33x3 grid, 1000 opts, 1 und.", ns, "ns/pos", ns * 1000 / 1e3, "<= 2000 us/call");

    /* scenario P&L: n_pos ~ n_scen ~ sqrt(N), one underlying */
    static const size_t shapes[5][2] = { { 10, 10 }, { 40, 25 }, { 100, 100 }, { 400, 250 }, { 1000, 1000 } };
    for (int s = 0; s < 5; s++) {
        size_t np = shapes[s][0], ns_ = shapes[s][1];
        make_book(pos, np, 1, 3);
        c.n_mkt = 1;
        c.n_pos = np;
        c.n_scen = ns_;
        ns = time_it(run_pnl, &c, (double)(np * ns_), reps);
        snprintf(name, sizeof name, "mgn_scenario_pnl %zu pos x %zu scen (1 und.)", np, ns_);
        row(name, ns, "ns/pos-sc", ns * (double)(np * ns_) / 1e3, "<= 10 ns");
    }
    /* fixed 100 scenarios (a PM grid), 4 interleaved underlyings */
    static const size_t npos4[3] = { 10, 1000, 10000 };
    for (int s = 0; s < 3; s++) {
        make_book(pos, npos4[s], 4, 5);
        c.n_mkt = 4;
        c.n_pos = npos4[s];
        c.n_scen = 100;
        ns = time_it(run_pnl, &c, (double)(npos4[s] * 100), reps);
        snprintf(name, sizeof name, "mgn_scenario_pnl %zu pos x 100 scen (4 und.)", npos4[s]);
        row(name, ns, "ns/pos-sc", ns * (double)(npos4[s] * 100) / 1e3, "<= 10 ns");
    }
    free(pos);
    free(sh);
    free(pnl);
    return 0;
}
