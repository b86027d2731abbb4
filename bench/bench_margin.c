/* Margin benchmarks: SPAN on a 1,000-option book over 4 underlyings, scenario P&L
 * per position-scenario from 10^2 to 10^6 position-scenarios, and the portfolio-margin
 * grid (33 price x 3 vol scenarios) on 1,000 options, each margin method also with its
 * full breakdown; the check, value and Greeks of the 1,000-option book; the scenario tables of
 * SPAN and the portfolio-margin grid. Each figure is the median of BENCH_REPS timed
 * passes; a pass repeats the call until it has run for at least 2 ms. One thread. A
 * row's call is made once untimed first: a failure aborts the program, naming the row.
 *
 *   build/bench/bench_margin [reps]
 *   build/bench/bench_margin --ab A.so B.so [reps]
 *
 * The second form compares two builds of the shared library (libmargin.so.1.0.0 of
 * each tree, copied under distinct names) in one process: both are loaded side by
 * side, every row times A and B alternately, one pass each, reps times (the order
 * swapped every other time), and prints the median of each and the median of the
 * ratios B/A. On a shared machine whose speed drifts between runs, that ratio is far
 * steadier than one taken from separate runs.
 */
#include "bench_util.h"
#include <dlfcn.h>
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

/* The functions timed: the library linked in, or the two builds of --ab. */
typedef int (*pnl_fn)(const mgn_market *, size_t, const mgn_position *, size_t,
                      const mgn_shock *, size_t, double, int, double *);
typedef int (*span_fn)(const mgn_market *, const mgn_span_params *, size_t,
                       const mgn_position *, size_t, const mgn_span_pair *, size_t, int,
                       mgn_span_result *);
typedef int (*pm_fn)(const mgn_market *, const mgn_pm_params *, size_t,
                     const mgn_position *, size_t, int, mgn_pm_result *);
typedef int (*span_detail_fn)(const mgn_market *, const mgn_span_params *, size_t,
                              const mgn_position *, size_t, const mgn_span_pair *, size_t, int,
                              mgn_span_result *, mgn_span_underlying *, double *);
typedef int (*pm_detail_fn)(const mgn_market *, const mgn_pm_params *, size_t,
                            const mgn_position *, size_t, int, mgn_pm_result *,
                            mgn_pm_underlying *, double *);
typedef int (*value_fn)(const mgn_market *, size_t, const mgn_position *, size_t, int,
                        double *);
typedef int (*book_greeks_fn)(const mgn_market *, size_t, const mgn_position *, size_t,
                              mgn_net_greeks *);
typedef int (*pos_greeks_fn)(const mgn_market *, size_t, const mgn_position *,
                             mgn_net_greeks *);
typedef int (*span_scen_fn)(const mgn_span_params *, int, double *, double *, double *);
typedef int (*pm_scen_fn)(const mgn_pm_params *, int, double *, int *, double *);
typedef int (*pm_count_fn)(const mgn_pm_params *, int *);
typedef int (*check_fn)(const mgn_market *, size_t, const mgn_position *, size_t, size_t *);
typedef struct {
    pnl_fn pnl;
    span_fn span;
    pm_fn pm;
    pnl_fn pnl_matrix;
    span_detail_fn span_detail;
    pm_detail_fn pm_detail;
    value_fn value;
    book_greeks_fn book_greeks;
    pos_greeks_fn pos_greeks;
    span_scen_fn span_scen;
    pm_scen_fn pm_scen;
    pm_count_fn pm_count;
    check_fn check;
} api_t;
static api_t api[2] = { { mgn_scenario_pnl, mgn_span_margin, mgn_pm_margin,
                          mgn_scenario_pnl_matrix, mgn_span_margin_detail,
                          mgn_pm_margin_detail, mgn_portfolio_value, mgn_portfolio_greeks,
                          mgn_position_greeks, mgn_span_scenario, mgn_pm_scenario,
                          mgn_pm_scenario_count, mgn_portfolio_check } };
static int n_api = 1, cur = 0;

/* The POSIX way to take a function pointer from dlsym: *fn is the pointer's storage. */
static int load_fn(void *h, const char *path, const char *name, void **fn)
{
    *fn = dlsym(h, name);
    if (!*fn)
        fprintf(stderr, "%s: no %s\n", path, name);
    return *fn ? 0 : -1;
}

static int load_api(api_t *a, const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "%s\n", dlerror());
        return -1;
    }
    return load_fn(h, path, "mgn_scenario_pnl", (void **)&a->pnl)
           || load_fn(h, path, "mgn_span_margin", (void **)&a->span)
           || load_fn(h, path, "mgn_pm_margin", (void **)&a->pm)
           || load_fn(h, path, "mgn_scenario_pnl_matrix", (void **)&a->pnl_matrix)
           || load_fn(h, path, "mgn_span_margin_detail", (void **)&a->span_detail)
           || load_fn(h, path, "mgn_pm_margin_detail", (void **)&a->pm_detail)
           || load_fn(h, path, "mgn_portfolio_value", (void **)&a->value)
           || load_fn(h, path, "mgn_portfolio_greeks", (void **)&a->book_greeks)
           || load_fn(h, path, "mgn_position_greeks", (void **)&a->pos_greeks)
           || load_fn(h, path, "mgn_span_scenario", (void **)&a->span_scen)
           || load_fn(h, path, "mgn_pm_scenario", (void **)&a->pm_scen)
           || load_fn(h, path, "mgn_pm_scenario_count", (void **)&a->pm_count)
           || load_fn(h, path, "mgn_portfolio_check", (void **)&a->check) ? -1 : 0;
}

typedef struct {
    const mgn_market *mkt;
    size_t n_mkt, n_pos, n_scen;
    const mgn_position *pos;
    const mgn_shock *sh;
    double *pnl;
    const mgn_span_params *sp;
    const mgn_pm_params *pp;
    /* optional outputs of the breakdowns, sized for 1,000 positions on 4 underlyings */
    mgn_span_underlying *span_u;
    double *risk;                 /* n_pos * MGN_SPAN_SCENARIOS */
    mgn_pm_underlying *pm_u;
    double *contrib;              /* n_pos */
    mgn_net_greeks *greeks;       /* n_mkt */
    int sweeps;                   /* scenario tables: passes over every underlying's table */
} ctx_t;

static int run_pnl(void *c_)
{
    ctx_t *c = c_;
    return api[cur].pnl(c->mkt, c->n_mkt, c->pos, c->n_pos, c->sh, c->n_scen, 1.0 / 365,
                        MGN_QUOTE, c->pnl);
}

static int run_span(void *c_)
{
    ctx_t *c = c_;
    mgn_span_result r;
    return api[cur].span(c->mkt, c->sp, c->n_mkt, c->pos, c->n_pos, NULL, 0, MGN_QUOTE, &r);
}

static int run_pm(void *c_)
{
    ctx_t *c = c_;
    mgn_pm_result r;
    return api[cur].pm(c->mkt, c->pp, c->n_mkt, c->pos, c->n_pos, MGN_QUOTE, &r);
}

static int run_pnl_matrix(void *c_)
{
    ctx_t *c = c_;
    int st = api[cur].pnl_matrix(c->mkt, c->n_mkt, c->pos, c->n_pos, c->sh, c->n_scen,
                                 1.0 / 365, MGN_QUOTE, c->pnl);
    bench_sink = c->pnl[0];
    return st;
}

static int run_span_detail(void *c_)
{
    ctx_t *c = c_;
    mgn_span_result r = { 0 };
    int st = api[cur].span_detail(c->mkt, c->sp, c->n_mkt, c->pos, c->n_pos, NULL, 0,
                                  MGN_QUOTE, &r, c->span_u, c->risk);
    bench_sink = r.requirement;
    return st;
}

static int run_pm_detail(void *c_)
{
    ctx_t *c = c_;
    mgn_pm_result r = { 0 };
    int st = api[cur].pm_detail(c->mkt, c->pp, c->n_mkt, c->pos, c->n_pos, MGN_QUOTE, &r,
                                c->pm_u, c->contrib);
    bench_sink = r.requirement;
    return st;
}

static int run_value(void *c_)
{
    ctx_t *c = c_;
    double v = 0;
    int st = api[cur].value(c->mkt, c->n_mkt, c->pos, c->n_pos, MGN_QUOTE, &v);
    bench_sink = v;
    return st;
}

static int run_check(void *c_)
{
    ctx_t *c = c_;
    size_t bad = 0;
    int st = api[cur].check(c->mkt, c->n_mkt, c->pos, c->n_pos, &bad);
    bench_sink = (double)bad;
    return st;
}

static int run_book_greeks(void *c_)
{
    ctx_t *c = c_;
    int st = api[cur].book_greeks(c->mkt, c->n_mkt, c->pos, c->n_pos, c->greeks);
    bench_sink = c->greeks[0].delta;
    return st;
}

/* One call per position, as a risk screen lists each position's Greeks. */
static int run_pos_greeks(void *c_)
{
    ctx_t *c = c_;
    double acc = 0;
    for (size_t i = 0; i < c->n_pos; i++) {
        mgn_net_greeks g;
        int st = api[cur].pos_greeks(c->mkt, c->n_mkt, &c->pos[i], &g);
        if (st != MGN_OK)
            return st;
        acc += g.delta;
    }
    bench_sink = acc;
    return MGN_OK;
}

/* The scenario tables, read one scenario per call (as a client lists a risk array's
   or a grid's scenarios): c->sweeps passes over every underlying's scenarios. */
static int run_span_scen(void *c_)
{
    ctx_t *c = c_;
    double acc = 0;
    for (int s = 0; s < c->sweeps; s++)
        for (size_t u = 0; u < c->n_mkt; u++)
            for (int k = 0; k < MGN_SPAN_SCENARIOS; k++) {
                double dS, dv, w;
                int st = api[cur].span_scen(&c->sp[u], k, &dS, &dv, &w);
                if (st != MGN_OK)
                    return st;
                acc += dS + dv + w;
            }
    bench_sink = acc;
    return MGN_OK;
}

static int run_pm_scen(void *c_)
{
    ctx_t *c = c_;
    double acc = 0;
    for (int s = 0; s < c->sweeps; s++)
        for (size_t u = 0; u < c->n_mkt; u++)
            for (int k = 0; k < (int)c->n_scen; k++) {
                double m, w;
                int v;
                int st = api[cur].pm_scen(&c->pp[u], k, &m, &v, &w);
                if (st != MGN_OK)
                    return st;
                acc += m + v + w;
            }
    bench_sink = acc;
    return MGN_OK;
}

static int run_pm_count(void *c_)
{
    ctx_t *c = c_;
    int acc = 0;
    for (int s = 0; s < c->sweeps; s++)
        for (size_t u = 0; u < c->n_mkt; u++) {
            int n = 0;
            int st = api[cur].pm_count(&c->pp[u], &n);
            if (st != MGN_OK)
                return st;
            acc += n;
        }
    bench_sink = acc;
    return MGN_OK;
}

/* One row: the median ns per item of fn, or with --ab the medians of A and B and of
   their ratio. A pass of fn makes `calls` library calls over `items` items (the
   us/call column). */
static double bench_row(const char *name, bench_fn fn, void *ctx, double items,
                        double calls, int reps, const char *unit, const char *target)
{
    for (cur = 0; cur < n_api; cur++) {
        int st = fn(ctx);
        if (st != MGN_OK) {
            fprintf(stderr, "%s%s: %s\n", name, n_api == 1 ? "" : cur == 0 ? " (A)" : " (B)",
                    mgn_strerror(st));
            exit(1);
        }
    }
    cur = 0;
    if (n_api == 1) {
        double ns = time_it(fn, ctx, items, reps), us = ns * items / calls / 1e3;
        printf("| %-48s | %10.2f %-9s | %10.*f | %12.3g | %-14s |\n", name, ns, unit,
               us < 10 ? 3 : 1, us, 1e9 / ns, target);
        return ns;
    }
    double ta[64], tb[64], ratio[64];
    for (int k = 0; k < reps; k++) {
        for (int j = 0; j < 2; j++) {
            cur = (k + j) % 2;
            double t = time_it(fn, ctx, items, 1);
            if (cur == 0)
                ta[k] = t;
            else
                tb[k] = t;
        }
        ratio[k] = tb[k] / ta[k];
    }
    double a = bench_median(ta, reps), b = bench_median(tb, reps);
    printf("| %-48s | %10.2f | %10.2f | %6.3f |\n", name, a, b, bench_median(ratio, reps));
    cur = 0;
    return b;
}

int main(int argc, char **argv)
{
    int a = 1;
    if (argc > 3 && strcmp(argv[1], "--ab") == 0) {
        if (load_api(&api[0], argv[2]) != 0 || load_api(&api[1], argv[3]) != 0)
            return 1;
        n_api = 2;
        a = 4;
    }
    int reps = argc > a ? atoi(argv[a]) : (n_api == 2 ? 21 : BENCH_REPS);
    if (reps < 1 || reps > 64) {
        fprintf(stderr, "usage: %s [--ab A.so B.so] [reps 1..64]\n", argv[0]);
        return 2;
    }
    size_t maxpos = 10000;
    mgn_position *pos = malloc(maxpos * sizeof *pos);
    mgn_shock *sh = malloc(1000000 * 4 * sizeof *sh);
    double *pnl = malloc(1000000 * sizeof *pnl);
    mgn_span_underlying span_u[4];
    mgn_pm_underlying pm_u[4];
    mgn_net_greeks greeks[4];
    double *risk = malloc(1000 * MGN_SPAN_SCENARIOS * sizeof *risk);
    double *contrib = malloc(1000 * sizeof *contrib);
    if (!pos || !sh || !pnl || !risk || !contrib)
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
    if (n_api == 2) {
        printf("A = %s, B = %s; ns per item\n\n", argv[2], argv[3]);
        printf("| %-48s | %10s | %10s | %6s |\n", "path", "A", "B", "B / A");
        printf("|%s|%s|%s|%s|\n", "--------------------------------------------------",
               "-----------:", "-----------:", "-------:");
    } else {
        printf("| %-48s | %20s | %10s | %12s | %-14s |\n", "path", "per item", "us/call",
               "items/s", "target");
        printf("|%s|%s|%s|%s|%s|\n", "--------------------------------------------------",
               "----------------------", "------------", "--------------", "----------------");
    }

    ctx_t c = { MKT, 4, 0, 0, pos, sh, pnl, NULL, NULL, span_u, risk, pm_u, contrib, greeks,
                1 };
    char name[128];

    /* SPAN: 1,000 options on 4 underlyings. Each plain call is followed by its
       breakdown on the same book with every optional output (the per-underlying
       records and the 1,000 x 16 risk arrays, what a clearing house publishes). */
    mgn_span_params sp[4];
    for (int u = 0; u < 4; u++)
        sp[u] = (mgn_span_params){ 0.15, 0.25, 2, 0.35, 1.0 / 365, 0.05, 0.01 };
    make_book(pos, 1000, 4, 11);
    c.n_pos = 1000;
    c.sp = sp;
    bench_row("mgn_span_margin, 1000 options, 4 underlyings", run_span, &c, 1000, 1, reps,
              "ns/pos", "<= 200 us/call");
    bench_row("mgn_span_margin_detail, same, all outputs", run_span_detail, &c, 1000, 1, reps,
              "ns/pos", "");
    listed = 0;
    make_book(pos, 1000, 4, 11);
    bench_row("mgn_span_margin, same, 1000 distinct expiries", run_span, &c, 1000, 1, reps,
              "ns/pos", "");
    bench_row("mgn_span_margin_detail, same, all outputs", run_span_detail, &c, 1000, 1, reps,
              "ns/pos", "");
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
    bench_row("mgn_pm_margin 33x3 grid, 1000 opts, 4 und.", run_pm, &c, 1000, 1, reps,
              "ns/pos", "<= 2000 us/call");
    bench_row("mgn_pm_margin_detail, same, all outputs", run_pm_detail, &c, 1000, 1, reps,
              "ns/pos", "");
    make_book(pos, 1000, 1, 11);
    c.n_mkt = 1;
    bench_row("mgn_pm_margin 33x3 grid, 1000 opts, 1 und.", run_pm, &c, 1000, 1, reps,
              "ns/pos", "<= 2000 us/call");
    bench_row("mgn_pm_margin_detail, same, all outputs", run_pm_detail, &c, 1000, 1, reps,
              "ns/pos", "");

    /* scenario P&L: n_pos ~ n_scen ~ sqrt(N), one underlying */
    static const size_t shapes[5][2] = { { 10, 10 }, { 40, 25 }, { 100, 100 }, { 400, 250 },
                                         { 1000, 1000 } };
    for (int s = 0; s < 5; s++) {
        size_t np = shapes[s][0], ns_ = shapes[s][1];
        make_book(pos, np, 1, 3);
        c.n_mkt = 1;
        c.n_pos = np;
        c.n_scen = ns_;
        snprintf(name, sizeof name, "mgn_scenario_pnl %zu pos x %zu scen (1 und.)", np, ns_);
        bench_row(name, run_pnl, &c, (double)(np * ns_), 1, reps, "ns/pos-sc", "<= 10 ns");
        /* the risk array of every position (a PM grid of 100 scenarios on 100 positions;
           a desk's 1,000 stress scenarios on 1,000): the same call, every P&L kept */
        if (np == ns_ && (np == 100 || np == 1000)) {
            snprintf(name, sizeof name, "mgn_scenario_pnl_matrix %zu pos x %zu scen", np, ns_);
            bench_row(name, run_pnl_matrix, &c, (double)(np * ns_), 1, reps, "ns/pos-sc", "");
        }
    }
    /* fixed 100 scenarios (a PM grid), 4 interleaved underlyings */
    static const size_t npos4[3] = { 10, 1000, 10000 };
    for (int s = 0; s < 3; s++) {
        make_book(pos, npos4[s], 4, 5);
        c.n_mkt = 4;
        c.n_pos = npos4[s];
        c.n_scen = 100;
        snprintf(name, sizeof name, "mgn_scenario_pnl %zu pos x 100 scen (4 und.)", npos4[s]);
        bench_row(name, run_pnl, &c, (double)(npos4[s] * 100), 1, reps, "ns/pos-sc",
                  "<= 10 ns");
    }

    /* Value and Greeks of the SPAN rows' book (1,000 options, 4 underlyings: a market
       maker's book across BTC, ETH and two index underlyings), per position: the whole
       book in one call, and one call per position as a risk screen shows them. */
    make_book(pos, 1000, 4, 11);
    c.n_mkt = 4;
    c.n_pos = 1000;
    bench_row("mgn_portfolio_check, 1000 opts, 4 und.", run_check, &c, 1000, 1, reps, "ns/pos",
              "");
    bench_row("mgn_portfolio_value, 1000 opts, 4 und.", run_value, &c, 1000, 1, reps, "ns/pos",
              "");
    bench_row("mgn_portfolio_greeks, 1000 opts, 4 und.", run_book_greeks, &c, 1000, 1, reps,
              "ns/pos", "");
    bench_row("mgn_position_greeks, each of 1000 opts, 4 und.", run_pos_greeks, &c, 1000, 1000,
              reps, "ns/pos", "");

    /* The scenario tables, per call: SPAN's 16 scenarios of the SPAN rows' parameters
       for the 4 underlyings, and the Deribit preset's grid (9 price x 3 vol states and
       8 extended moves: both kinds of scenario) for 4 underlyings. Each pass makes
       a few hundred calls, so that reading the clock does not count. */
    double calls;
    c.sweeps = 4;
    calls = c.sweeps * 4.0 * MGN_SPAN_SCENARIOS;
    bench_row("mgn_span_scenario, 16 scen. x 4 und.", run_span_scen, &c, calls, calls, reps,
              "ns/call", "");
    mgn_pm_params deribit[4];
    int n_deribit = 0;
    for (int u = 0; u < 4; u++)
        if (mgn_pm_preset_deribit(&deribit[u]) != MGN_OK
            || mgn_pm_scenario_count(&deribit[u], &n_deribit) != MGN_OK) {
            fprintf(stderr, "mgn_pm_preset_deribit failed\n");
            return 1;
        }
    c.pp = deribit;
    c.n_scen = (size_t)n_deribit;
    calls = c.sweeps * 4.0 * n_deribit;
    snprintf(name, sizeof name, "mgn_pm_scenario, Deribit preset (%d) x 4 und.", n_deribit);
    bench_row(name, run_pm_scen, &c, calls, calls, reps, "ns/call", "");
    c.sweeps = 64;
    calls = c.sweeps * 4.0;
    bench_row("mgn_pm_scenario_count, Deribit preset, 4 und.", run_pm_count, &c, calls, calls,
              reps, "ns/call", "");
    free(pos);
    free(sh);
    free(pnl);
    free(risk);
    free(contrib);
    return 0;
}
