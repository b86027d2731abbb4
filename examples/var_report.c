/*
 * var_report: one-day VaR and Expected Shortfall of the bundled BTC/ETH book by every
 * method of libmargin, side by side; component ES per position; a backtest of
 * rolling VaR against the P&L of the history; the EWMA dynamic-margin scan range.
 *
 *   make examples && build/examples/var_report [book.csv [market.csv [returns.csv]]]
 *
 * Defaults (run from the repository root): examples/data/book.csv, and market.csv and
 * btc_eth_returns.csv beside it. The return history is SYNTHETIC (its header says
 * how it was generated): 500 days of correlated fat-tailed returns with a volatility
 * regime change, so the figures illustrate the methods, not any real market.
 *
 * Measures: VaR at 99% and ES at 97.5% (the Basel FRTB pair, which are about equal
 * for a normal P&L), plus ES at 99% so that VaR <= ES can be read on one level. All
 * amounts in USD for the whole book (every account together); losses positive.
 *
 * The library reads no files: this program parses the CSVs (the same reader as
 * span_margin.c). Every status is checked: a failure prints mgn_strerror() and the
 * program exits non-zero.
 */
#define MAX_DAYS  20000
static const char *prog = "var_report";
#include "book_csv.h"

/* The return history (examples/data/btc_eth_returns.csv). */
typedef struct history {
    size_t n_days;
    double *ret;    /* n_days x n_mkt, oldest first */
    double *dvol;   /* n_days x n_mkt */
} history;

static history H;

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p)
        check(MGN_ENOMEM, "malloc");
    return p;
}

/* Returns file: day, then NAME_return for every market, then NAME_vol_change. */
static char returns_header[512];

static void returns_row(const char *path, int line, char **f, int n)
{
    if (n != 1 + 2 * (int)B.n_mkt)
        bad_line(path, line, "wrong number of columns", NULL);
    if (H.n_days == MAX_DAYS)
        bad_line(path, line, "too many days for this example (MAX_DAYS)", NULL);
    for (size_t u = 0; u < B.n_mkt; u++) {
        double r = number(path, line, "return", f[1 + u], 1);
        double dv = number(path, line, "vol_change", f[1 + B.n_mkt + u], 1);
        if (!(r > -1.0))
            bad_line(path, line, "a return must be > -1, found", f[1 + u]);
        H.ret[H.n_days * B.n_mkt + u] = r;
        H.dvol[H.n_days * B.n_mkt + u] = dv;
    }
    H.n_days++;
}

/*---------------------------------------------------------------- helpers */
static void describe(size_t i, char *buf, size_t size)
{
    const mgn_position *p = &B.pos[i];
    const char *u = B.mkt_name[p->underlying];
    const char *set = p->settlement == MGN_INVERSE ? "inv" : "lin";
    if (p->instrument == MGN_OPTION)
        snprintf(buf, size, "%+g %s %.0fd %.0f %s %s", p->quantity, u, p->expiry * 365.0,
                 p->strike, p->option_type == MGN_CALL ? "call" : "put", set);
    else if (p->instrument == MGN_FUTURE)
        snprintf(buf, size, "%+g %s %.0fd future %s", p->quantity, u, p->expiry * 365.0, set);
    else
        snprintf(buf, size, "%+g %s perpetual %s", p->quantity, u, set);
}

/* Zero-mean covariance of daily returns over days [from, to): the parametric and Monte
   Carlo models assume a zero mean (over one day the mean is noise). log: of log1p(r). */
static void covariance(size_t from, size_t to, int log_returns, double *cov)
{
    const size_t m = B.n_mkt;
    for (size_t i = 0; i < m * m; i++)
        cov[i] = 0.0;
    for (size_t t = from; t < to; t++)
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < m; j++) {
                double a = H.ret[t * m + i], b = H.ret[t * m + j];
                if (log_returns)
                    a = log1p(a), b = log1p(b);
                cov[i * m + j] += a * b;
            }
    for (size_t i = 0; i < m * m; i++)
        cov[i] /= (double)(to - from);
}

/* Cash delta and gamma of the book per underlying, for the parametric methods:
   delta_u = Delta_u S_u, gamma_uu = Gamma_u S_u^2 (no cross gammas: every position
   has one underlying). */
static void cash_greeks(double *delta, double *gamma)
{
    mgn_net_greeks g[MAX_MKT];
    const size_t m = B.n_mkt;
    check(mgn_portfolio_greeks(B.mkt, m, B.pos, B.n_pos, g), "mgn_portfolio_greeks");
    for (size_t i = 0; i < m * m; i++)
        gamma[i] = 0.0;
    for (size_t u = 0; u < m; u++) {
        double S = B.mkt[u].spot;
        delta[u] = g[u].delta * S;
        gamma[u * m + u] = g[u].gamma * S * S;
    }
}

/* Historical VaR/ES of the book over days [from, to) at confidence c. */
static mgn_var_result hs(size_t from, size_t to, int weighting, double c)
{
    mgn_hs_params hp;
    mgn_var_result res;
    size_t bytes = 0, n = to - from;
    check(mgn_hs_params_init(&hp), "mgn_hs_params_init");
    hp.confidence = c;
    hp.weighting = weighting;
    check(mgn_var_historical_work_size(n, 0, B.n_mkt, &hp, &bytes),
          "mgn_var_historical_work_size");
    void *work = xmalloc(bytes);
    check(mgn_var_historical(B.mkt, B.n_mkt, B.pos, B.n_pos, H.ret + from * B.n_mkt,
                             H.dvol + from * B.n_mkt, n, NULL, NULL, 0, &hp, work, bytes,
                             &res), "mgn_var_historical");
    free(work);
    return res;
}

static mgn_var_result mc(const double *cov, double df, double c)
{
    mgn_mc_params mp;
    mgn_var_result res;
    size_t bytes = 0;
    check(mgn_mc_params_init(&mp), "mgn_mc_params_init");
    mp.confidence = c;
    mp.n_paths = 100000;
    mp.seed = 42;          /* same seed for every level: the same paths */
    mp.df = df;
    mp.antithetic = 1;
    check(mgn_var_montecarlo_work_size(B.n_mkt, &mp, &bytes), "mgn_var_montecarlo_work_size");
    void *work = xmalloc(bytes);
    check(mgn_var_montecarlo(B.mkt, B.n_mkt, B.pos, B.n_pos, cov, &mp, work, bytes, &res),
          "mgn_var_montecarlo");
    free(work);
    return res;
}

typedef struct row {
    const char *method, *note;
    double var99, es975, es99, var_se, es_se;
    int has_se;
} row;

static int sane(const row *r)
{
    return r->var99 <= r->es99 + 1e-9 * fabs(r->es99) && isfinite(r->var99)
           && isfinite(r->es975) && isfinite(r->es99);
}

static const char *zone_name(int z)
{
    return z == MGN_ZONE_GREEN ? "green" : z == MGN_ZONE_YELLOW ? "yellow" : "red";
}

static int cmp_desc(const void *a, const void *b)
{
    const double *x = a, *y = b;   /* pairs (contribution, index) */
    return (x[0] < y[0]) - (x[0] > y[0]);
}

/*---------------------------------------------------------------- main */
int main(int argc, char **argv)
{
    const char *book_path = argc > 1 ? argv[1] : "examples/data/book.csv";
    char market_path[1024], returns_path[1024];
    const char *slash = strrchr(book_path, '/');
    int dir = slash ? (int)(slash - book_path + 1) : 0;
    snprintf(market_path, sizeof market_path, "%.*smarket.csv", dir, book_path);
    snprintf(returns_path, sizeof returns_path, "%.*sbtc_eth_returns.csv", dir, book_path);
    if (argc > 2)
        snprintf(market_path, sizeof market_path, "%s", argv[2]);
    if (argc > 3)
        snprintf(returns_path, sizeof returns_path, "%s", argv[3]);
    if (argc > 4) {
        fprintf(stderr, "usage: %s [book.csv [market.csv [returns.csv]]]\n", argv[0]);
        return EXIT_FAILURE;
    }
    load_book(market_path, book_path);
    /* the history's header names every market, returns first */
    {
        size_t len = (size_t)snprintf(returns_header, sizeof returns_header, "day");
        for (int part = 0; part < 2; part++)
            for (size_t u = 0; u < B.n_mkt && len < sizeof returns_header; u++)
                len += (size_t)snprintf(returns_header + len, sizeof returns_header - len,
                                        ",%s_%s", B.mkt_name[u], part ? "vol_change" : "return");
        H.ret = xmalloc(MAX_DAYS * B.n_mkt * sizeof(double));
        H.dvol = xmalloc(MAX_DAYS * B.n_mkt * sizeof(double));
        read_csv(returns_path, returns_header, returns_row);
    }
    const size_t m = B.n_mkt, N = H.n_days, P = B.n_pos;
    const size_t WINDOW = 250;               /* backtest: rolling one-year window */
    if (N < WINDOW + 20) {
        fprintf(stderr, "%s: %s: need at least %zu days of history, found %zu\n", prog,
                returns_path, WINDOW + 20, N);
        return EXIT_FAILURE;
    }

    double value;
    check(mgn_portfolio_value(B.mkt, m, B.pos, P, MGN_QUOTE, &value), "mgn_portfolio_value");
    printf("libmargin %s - one-day VaR and ES of %s: %zu positions, %zu accounts, "
           "value %.0f USD\n", mgn_version(), book_path, P, B.n_acct, value);
    printf("history: %s, %zu days (SYNTHETIC); daily vol, whole history / last 60 days:",
           returns_path, N);
    for (size_t u = 0; u < m; u++) {
        double s_all = 0, s_60 = 0;
        for (size_t t = 0; t < N; t++)
            s_all += H.ret[t * m + u] * H.ret[t * m + u];
        for (size_t t = N - 60; t < N; t++)
            s_60 += H.ret[t * m + u] * H.ret[t * m + u];
        printf("%s %s %.2f%% / %.2f%%", u ? "," : "", B.mkt_name[u], 100 * sqrt(s_all / N),
               100 * sqrt(s_60 / 60));
    }
    printf("\n");

    /*------------------------------------------------------------ 1. every method */
    double *cov = xmalloc(m * m * sizeof(double));
    double *cov_log = xmalloc(m * m * sizeof(double));
    double delta[MAX_MKT], *gamma = xmalloc(m * m * sizeof(double));
    covariance(0, N, 0, cov);
    covariance(0, N, 1, cov_log);
    cash_greeks(delta, gamma);

    row rows[8];
    int nr = 0;
    char note_hs[64], note_dg[80];
    snprintf(note_hs, sizeof note_hs, "%zu scenarios, full revaluation", N);
    {
        static const struct { const char *name, *note; int w; } hs_kind[3] = {
            {"historical (HS)", NULL, 0},
            {"HS age-weighted", "BRW, lambda 0.99", MGN_HS_BRW},
            {"filtered HS", "EWMA vol rescaling, lambda 0.94", MGN_HS_FILTERED}};
        for (int k = 0; k < 3; k++) {
            row *r = &rows[nr++];
            memset(r, 0, sizeof *r);
            r->method = hs_kind[k].name;
            r->note = hs_kind[k].note ? hs_kind[k].note : note_hs;
            r->var99 = hs(0, N, hs_kind[k].w, 0.99).var;
            r->es975 = hs(0, N, hs_kind[k].w, 0.975).es;
            r->es99 = hs(0, N, hs_kind[k].w, 0.99).es;
        }
    }
    {
        row *r = &rows[nr++];
        double v, e;
        memset(r, 0, sizeof *r);
        r->method = "delta-normal";
        r->note = "cash deltas, covariance of the history";
        check(mgn_var_delta_normal(delta, cov, m, 0.99, &r->var99, &e), "mgn_var_delta_normal");
        check(mgn_var_delta_normal(delta, cov, m, 0.975, &v, &r->es975), "mgn_var_delta_normal");
        check(mgn_var_delta_normal(delta, cov, m, 0.99, &v, &r->es99), "mgn_var_delta_normal");
    }
    {
        row *r = &rows[nr++];
        size_t bytes = 0;
        mgn_dg_result d99, d975;
        check(mgn_var_delta_gamma_work_size(m, &bytes), "mgn_var_delta_gamma_work_size");
        void *work = xmalloc(bytes);
        check(mgn_var_delta_gamma(delta, gamma, cov, m, 0.99, work, bytes, &d99),
              "mgn_var_delta_gamma");
        check(mgn_var_delta_gamma(delta, gamma, cov, m, 0.975, work, bytes, &d975),
              "mgn_var_delta_gamma");
        free(work);
        memset(r, 0, sizeof *r);
        r->method = "delta-gamma CF";
        snprintf(note_dg, sizeof note_dg, "Cornish-Fisher, skew %.2f, excess kurt %.2f",
                 d99.skew, d99.kurtosis);
        r->note = note_dg;
        r->var99 = d99.var;
        r->es975 = d975.es;
        r->es99 = d99.es;
    }
    for (int k = 0; k < 2; k++) {
        row *r = &rows[nr++];
        double df = k ? 4.0 : 0.0;
        mgn_var_result a = mc(cov_log, df, 0.99), b = mc(cov_log, df, 0.975);
        memset(r, 0, sizeof *r);
        r->method = k ? "Monte Carlo t(4)" : "Monte Carlo normal";
        r->note = "100k antithetic paths, seed 42";
        r->var99 = a.var;
        r->es99 = a.es;
        r->es975 = b.es;
        r->var_se = a.var_se;
        r->es_se = b.es_se;
        r->has_se = 1;
    }

    printf("\n1. One-day VaR and ES of the whole book, USD (losses positive)\n");
    printf("  %-19s %11s %11s %11s %9s %9s  %s\n", "method", "VaR 99%", "ES 97.5%", "ES 99%",
           "VaR s.e.", "ES97.5 se", "model");
    int all_sane = 1;
    for (int i = 0; i < nr; i++) {
        const row *r = &rows[i];
        char se1[16] = "-", se2[16] = "-";
        if (r->has_se) {
            snprintf(se1, sizeof se1, "%.0f", r->var_se);
            snprintf(se2, sizeof se2, "%.0f", r->es_se);
        }
        printf("  %-19s %11.0f %11.0f %11.0f %9s %9s  %s%s\n", r->method, r->var99, r->es975,
               r->es99, se1, se2, r->note, sane(r) ? "" : "  [VaR > ES?]");
        all_sane &= sane(r);
    }
    printf("  (parametric methods ignore the one-day time decay and the implied-vol moves that\n"
           "   the historical methods revalue; Monte Carlo keeps vols fixed, lets one day pass)\n");

    /*------------------------------------------------------------ 2. component ES */
    {
        mgn_hs_params hp;
        size_t n_scen = 0, bytes = 0;
        check(mgn_hs_params_init(&hp), "mgn_hs_params_init");
        hp.confidence = 0.975;
        check(mgn_hs_scenario_count(N, &hp, &n_scen), "mgn_hs_scenario_count");
        mgn_shock *shocks = xmalloc(n_scen * m * sizeof *shocks);
        double *pnl = xmalloc(n_scen * P * sizeof(double));
        double *es_c = xmalloc(P * sizeof(double)), *incr = xmalloc(P * sizeof(double));
        double *order = xmalloc(2 * P * sizeof(double));
        double var, es;
        check(mgn_hs_scenarios(H.ret, H.dvol, N, m, &hp, shocks, NULL), "mgn_hs_scenarios");
        check(mgn_scenario_pnl_matrix(B.mkt, m, B.pos, P, shocks, n_scen, hp.dt, MGN_QUOTE, pnl),
              "mgn_scenario_pnl_matrix");
        check(mgn_var_es_contrib_work_size(n_scen, P, &bytes), "mgn_var_es_contrib_work_size");
        void *work = xmalloc(bytes);
        check(mgn_var_es_contrib(pnl, n_scen, P, NULL, 0.975, work, bytes, &var, &es, NULL,
                                 es_c, NULL, incr), "mgn_var_es_contrib");
        double sum = 0;
        for (size_t i = 0; i < P; i++) {
            sum += es_c[i];
            order[2 * i] = es_c[i];
            order[2 * i + 1] = (double)i;
        }
        qsort(order, P, 2 * sizeof(double), cmp_desc);
        printf("\n2. Component ES 97.5%% (historical, Euler allocation): top contributors\n");
        printf("  %-13s %-30s %12s %7s %14s\n", "account", "position", "ES contr USD",
               "share", "incremental ES");
        size_t top = P < 8 ? P : 8;
        for (size_t k = 0; k < top; k++) {
            size_t i = (size_t)order[2 * k + 1];
            char d[64];
            describe(i, d, sizeof d);
            printf("  %-13s %-30s %12.0f %6.1f%% %14.0f\n", B.acct_name[B.pos_acct[i]], d,
                   es_c[i], 100 * es_c[i] / es, incr[i]);
        }
        printf("  ... %zu positions in all; the biggest hedge (most negative): ", P);
        {
            size_t i = (size_t)order[2 * (P - 1) + 1];
            char d[64];
            describe(i, d, sizeof d);
            printf("%s %s, %.0f USD\n", B.acct_name[B.pos_acct[i]], d, es_c[i]);
        }
        printf("  contributions sum to %.0f USD = ES 97.5%% %.0f USD (difference %.1e)\n", sum,
               es, sum - es);
        if (fabs(sum - es) > 1e-6 * fabs(es) + 1e-6)
            all_sane = 0;
        free(shocks), free(pnl), free(es_c), free(incr), free(order), free(work);
    }

    /*------------------------------------------------------------ 3. backtest */
    {
        const size_t T = N - WINDOW;     /* test days WINDOW..N-1 */
        double *pnl = xmalloc(T * sizeof(double));
        double *var_hs = xmalloc(T * sizeof(double)), *var_fhs = xmalloc(T * sizeof(double));
        double *var_dn = xmalloc(T * sizeof(double));
        int *exc = xmalloc(T * sizeof(int));
        double *covw = xmalloc(m * m * sizeof(double));
        mgn_shock *shock = xmalloc(m * sizeof *shock);
        /* realised P&L of today's book under each day's move (a hypothetical-P&L
           backtest: the book is held fixed, one day passes) */
        for (size_t k = 0; k < T; k++) {
            size_t t = WINDOW + k;
            for (size_t u = 0; u < m; u++) {
                shock[u].price = H.ret[t * m + u];
                shock[u].vol = H.dvol[t * m + u];
            }
            check(mgn_scenario_pnl(B.mkt, m, B.pos, P, shock, 1, 1.0 / 365.0, MGN_QUOTE,
                                   &pnl[k]), "mgn_scenario_pnl");
            var_hs[k] = hs(t - WINDOW, t, 0, 0.99).var;
            var_fhs[k] = hs(t - WINDOW, t, MGN_HS_FILTERED, 0.99).var;
            double e;
            covariance(t - WINDOW, t, 0, covw);
            check(mgn_var_delta_normal(delta, covw, m, 0.99, &var_dn[k], &e),
                  "mgn_var_delta_normal");
        }
        printf("\n3. Backtest: VaR 99%% from the previous %zu days vs the P&L of each of the "
               "last %zu days\n", WINDOW, T);
        printf("  %-19s %5s %10s %8s %9s %10s %9s  %s\n", "model", "days", "exceptions",
               "expected", "Kupiec p", "Christ. p", "cc p", "Basel zone (cum. prob.)");
        const char *names[3] = {"historical (HS)", "filtered HS", "delta-normal"};
        double *vars[3] = {var_hs, var_fhs, var_dn};
        for (int k = 0; k < 3; k++) {
            mgn_backtest_result bt;
            check(mgn_backtest_exceptions(pnl, vars[k], T, exc), "mgn_backtest_exceptions");
            check(mgn_backtest(exc, T, 0.99, &bt), "mgn_backtest");
            printf("  %-19s %5zu %10zu %8.1f %9.4f %10.4f %9.4f  %s (%.6f)\n", names[k],
                   bt.n_obs, bt.n_exceptions, 0.01 * (double)T, bt.p_pof, bt.p_ind, bt.p_cc,
                   zone_name(bt.zone), bt.cum_prob);
            if (!(bt.p_pof >= 0 && bt.p_pof <= 1 && bt.p_ind >= 0 && bt.p_ind <= 1
                  && bt.p_cc >= 0 && bt.p_cc <= 1))
                all_sane = 0;
        }
        printf("  (p-values: small = reject the model; the history's volatility triples on "
               "day 300: HS with\n   equal weights reacts slowly, filtered HS rescales to "
               "the current EWMA volatility)\n");
        free(pnl), free(var_hs), free(var_fhs), free(var_dn), free(exc), free(covw), free(shock);
    }

    /*------------------------------------------------------------ 4. dynamic margin */
    {
        mgn_dynmargin_params dp;
        check(mgn_dynmargin_params_init(&dp), "mgn_dynmargin_params_init");
        printf("\n4. EWMA dynamic margin: price scan range, %.0f%% over %.0f days, lambda %.2f, "
               "APC buffer %.0f%%, floor over the whole history\n", 100 * dp.confidence,
               dp.horizon_days, dp.lambda, 100 * dp.buffer);
        printf("  %-4s %10s %10s %10s %10s %10s %11s %11s %9s\n", "und", "EWMA vol/d",
               "long vol/d", "base scan", "floor scan", "margin", "scan (+buf)", "buffer left",
               "stressed");
        double *series = xmalloc(N * sizeof(double)), *r = xmalloc(N * sizeof(double));
        for (size_t u = 0; u < m; u++) {
            mgn_dynmargin_result res;
            for (size_t t = 0; t < N; t++)
                r[t] = H.ret[t * m + u];
            check(mgn_dynamic_margin(r, N, &dp, series, &res), "mgn_dynamic_margin");
            double lo = series[0], hi = series[0];
            for (size_t t = 1; t < N; t++) {
                lo = series[t] < lo ? series[t] : lo;
                hi = series[t] > hi ? series[t] : hi;
            }
            printf("  %-4s %9.2f%% %9.2f%% %9.2f%% %9.2f%% %9.2f%% %10.2f%% %10.1f%% %9s"
                   "   (range over the history %.1f%%..%.1f%%)\n", B.mkt_name[u],
                   100 * res.ewma_vol, 100 * res.long_vol, 100 * res.base_scan,
                   100 * res.floor_scan, 100 * res.margin_scan, 100 * res.price_scan,
                   100 * res.buffer_left, res.in_stress ? "yes" : "no", 100 * lo, 100 * hi);
        }
        printf("  (span_margin uses static scans of 15%% BTC and 20%% ETH for comparison)\n");
        free(series), free(r);
    }

    free(cov), free(cov_log), free(gamma), free(H.ret), free(H.dvol);
    if (!all_sane) {
        fprintf(stderr, "%s: a figure failed its sanity check (marked above)\n", prog);
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
