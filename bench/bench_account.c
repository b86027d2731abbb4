/* Account benchmarks: the cross-mode sweep of 1,000,000 accounts of 10 positions
 * (mixed perpetuals, futures and options) on 1 and 2 threads, the cost per
 * position-evaluation, a 100,000-account x 50-round cascade, the liquidation-
 * price search of an option account, and the per-account calls of a venue (evaluation,
 * what-if and largest order, partial liquidation and its economics, closed-form
 * liquidation prices, the oracle index). Each figure is the median of BENCH_REPS passes.
 *
 *   build/bench/bench_account [reps]
 */
#include "bench_util.h"
#include "margin.h"

#define BENCH_REPS 5

static const mgn_market MKT[3] = { { 60000, 0.03, 0.0 }, { 3000, 0.03, 0.0 }, { 150, 0.04, 0.01 } };

/* Position i of a book: 40% options (European, strikes 0.7..1.3 x spot, 1 day to
   1 year), 30% perpetuals, 30% futures; half coin-settled; long and short. */
static void make_pos(bench_rng *g, mgn_position *p)
{
    static const double days[8] = { 1, 7, 14, 30, 60, 90, 180, 365 };
    int u = (int)(3 * bench_uniform(g)) % 3;
    double S = MKT[u].spot, x = bench_uniform(g);
    memset(p, 0, sizeof *p);
    p->underlying = u;
    p->settlement = bench_uniform(g) < 0.5 ? MGN_LINEAR : MGN_INVERSE;
    p->quantity = -5 + 10 * bench_uniform(g);
    if (x < 0.4) {
        p->instrument = MGN_OPTION;
        p->option_type = bench_uniform(g) < 0.5 ? MGN_CALL : MGN_PUT;
        p->multiplier = 1;
        p->strike = S * (0.7 + 0.6 * bench_uniform(g));
        p->expiry = days[(int)(8 * bench_uniform(g)) % 8] / 365;
        p->vol = 0.3 + 0.8 * bench_uniform(g);
    } else {
        p->instrument = x < 0.7 ? MGN_PERPETUAL : MGN_FUTURE;
        p->multiplier = p->settlement == MGN_INVERSE ? 10 : 1;
        p->expiry = p->instrument == MGN_FUTURE ? days[(int)(8 * bench_uniform(g)) % 8] / 365 : 0;
        p->entry_price = S * (0.9 + 0.2 * bench_uniform(g));
    }
}

static void row(const char *name, double ns, const char *unit, double total_ms, const char *target)
{
    printf("| %-52s | %10.1f %-14s | %10.1f | %-22s |\n", name, ns, unit, total_ms, target);
}

/*---------------------------------------------------------------- single-account rows
 * The calls a venue makes for one account at a time, between sweeps: the risk screen's
 * evaluation (cross, and portfolio margin on Deribit's grid), the pre-trade check of
 * an order and the largest order the account can take, the liquidation prices shown
 * with an order, the partial liquidation of an account below MM and what liquidators
 * earn from it, the closed-form liquidation price of one contract, and the oracle
 * index the marks come from.
 * Accounts: NPOS positions drawn by make_pos (the sweep's mix: a retail or small
 * desk account on BTC, ETH and SOL) with one quote balance set so that the margin
 * ratio equity / MM is drawn in [3, 20] (healthy accounts taking orders), or in
 * [0.6, 0.95] for the partial liquidations (below MM, still solvent).
 * Orders: buy 1 BTC linear perpetual at 5 bp over the index (the commonest order of a
 * crypto venue); sell 2 BTC calls, 30 days, 10% out of the money, at the mark (writing
 * options is the order a pre-trade check exists for).
 */
#define NPOS 10           /* positions of an account */
#define N_EVAL 10000      /* accounts of the cross evaluation and what-if rows */
#define N_PM 1000         /* of the portfolio-mode evaluation */
#define N_MAXORD 200      /* of the largest-order rows (a search: some 130 evaluations) */
#define N_WLIQ 8          /* of the what-if liquidation prices (4,096-point scan each) */
#define N_UNDER 100       /* underwater accounts of the partial liquidations */
#define N_CLOSED 10000    /* closed-form liquidation inputs */
#define N_FEEDSETS 1000   /* oracle snapshots per feed count */
#define MAX_ROOTS 64

static char single_notes[1024];

static void die(const char *what, int st)
{
    fprintf(stderr, "%s failed with status %d: benchmark aborted\n", what, st);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return p;
}

/* One pass of a row: every call of its input set, statuses checked. */
typedef void (*pass_fn)(const void *ctx);

/* Median of reps timed passes, after one untimed pass: a failing call aborts the
   program there, before anything is timed, and the inputs are in the caches as in
   the timed passes. */
static double median_pass(pass_fn pass, const void *ctx, int reps)
{
    double t[64];
    pass(ctx);
    for (int r = 0; r < reps; r++) {
        double t0 = bench_now();
        pass(ctx);
        t[r] = bench_now() - t0;
    }
    return bench_median(t, reps);
}

typedef struct {
    const mgn_account *ac;
    size_t n;
    const mgn_account_params *prm;
    void *work;
    size_t ws;
    const mgn_position *order;    /* what-if rows */
    double target, max_qty;       /* largest-order rows */
    double *qty;                  /* n: the largest orders found */
    const mgn_liq_search *search; /* what-if liquidation prices */
    double *roots;                /* MAX_ROOTS */
    const mgn_liq_params *lp;     /* partial liquidation */
    const int *priority;          /* NPOS per account (MGN_LIQ_GIVEN) */
    mgn_liq_close *closes;        /* NPOS per account */
    size_t *n_closes;             /* n */
    int *restored;                /* n */
} acct_ctx;

static void pass_eval(const void *p)
{
    const acct_ctx *c = p;
    double s = 0;
    for (size_t k = 0; k < c->n; k++) {
        mgn_account_result r;
        int st = mgn_account_eval(MKT, 3, &c->ac[k], c->prm, 0, INFINITY, c->work, c->ws, &r,
                                  NULL);
        if (st != MGN_OK)
            die("mgn_account_eval", st);
        s += r.mm;
    }
    bench_sink = s;
}

static void pass_whatif(const void *p)
{
    const acct_ctx *c = p;
    double s = 0;
    for (size_t k = 0; k < c->n; k++) {
        mgn_whatif_result w;
        int st = mgn_account_whatif(MKT, 3, &c->ac[k], c->prm, c->order, 0, 0, INFINITY,
                                    c->work, c->ws, &w);
        if (st != MGN_OK)
            die("mgn_account_whatif", st);
        s += w.after.mm + w.accept;
    }
    bench_sink = s;
}

static void pass_max_order(const void *p)
{
    const acct_ctx *c = p;
    double s = 0;
    for (size_t k = 0; k < c->n; k++) {
        int st = mgn_account_max_order(MKT, 3, &c->ac[k], c->prm, c->order, 0, c->target,
                                       c->max_qty, c->work, c->ws, &c->qty[k]);
        if (st != MGN_OK)
            die("mgn_account_max_order", st);
        s += c->qty[k];
    }
    bench_sink = s;
}

static void pass_whatif_liq(const void *p)
{
    const acct_ctx *c = p;
    double s = 0;
    for (size_t k = 0; k < c->n; k++) {
        mgn_liq_price_result lr;
        int st = mgn_whatif_liq_prices(MKT, 3, &c->ac[k], c->prm, c->order, 0, c->search,
                                       c->work, c->ws, c->roots, MAX_ROOTS, &lr);
        if (st != MGN_OK)
            die("mgn_whatif_liq_prices", st);
        s += lr.below + lr.above + (double)lr.n_roots;
    }
    bench_sink = s;
}

static void pass_partial(const void *p)
{
    const acct_ctx *c = p;
    double s = 0;
    for (size_t k = 0; k < c->n; k++) {
        mgn_liq_params lp = *c->lp;
        if (lp.order == MGN_LIQ_GIVEN) {
            lp.priority = c->priority + k * NPOS;
            lp.n_priority = NPOS;
        }
        mgn_liq_result r;
        int st = mgn_liq_partial(MKT, 3, &c->ac[k], c->prm, &lp, NULL, c->work, c->ws,
                                 c->closes + k * NPOS, &r);
        if (st != MGN_OK)
            die("mgn_liq_partial", st);
        c->n_closes[k] = r.n_closes;
        c->restored[k] = r.restored;
        s += r.penalty;
    }
    bench_sink = s;
}

typedef struct {
    const mgn_account *ac;
    size_t n;
    const mgn_liq_close *closes;  /* NPOS per account; NULL: close_factor of every position */
    const size_t *n_closes;
    int inner;                    /* passes over the n accounts in one timed pass */
} econ_ctx;

/* A 5% liquidation bonus (Aave's usual) against a gas cost of 2 quote units. */
static void pass_economics(const void *p)
{
    const econ_ctx *c = p;
    double s = 0;
    for (int i = 0; i < c->inner; i++)
        for (size_t k = 0; k < c->n; k++) {
            double reward[NPOS], notional;
            int unprofitable[NPOS];
            size_t n_unprofitable;
            int st = mgn_liq_economics(MKT, 3, &c->ac[k], c->closes ? c->closes + k * NPOS : NULL,
                                       c->closes ? c->n_closes[k] : 0, 0.5, 0.05, 2.0, reward,
                                       unprofitable, &n_unprofitable, &notional);
            if (st != MGN_OK)
                die("mgn_liq_economics", st);
            s += notional + (double)n_unprofitable;
        }
    bench_sink = s;
}

typedef struct {
    const mgn_liq_input *in;
    size_t n;
    int inner;
} closed_ctx;

static void pass_closed(const void *p)
{
    const closed_ctx *c = p;
    double s = 0;
    for (int i = 0; i < c->inner; i++)
        for (size_t k = 0; k < c->n; k++) {
            mgn_liq_closed r;
            int st = mgn_liq_price_closed(&c->in[k], &r);
            if (st != MGN_OK)
                die("mgn_liq_price_closed", st);
            s += r.price + r.found;
        }
    bench_sink = s;
}

typedef struct {
    const double *price, *stamp;  /* n_sets snapshots of n_feeds quotes */
    size_t n_feeds, n_sets;
    double now;
    const mgn_oracle_params *op;
    int inner;
    size_t *n_ok;                 /* snapshots with verdict OK in the last pass */
} oracle_ctx;

static void pass_oracle(const void *p)
{
    const oracle_ctx *c = p;
    double s = 0;
    size_t ok = 0;
    for (int i = 0; i < c->inner; i++)
        for (size_t k = 0; k < c->n_sets; k++) {
            mgn_oracle_result o;
            int st = mgn_oracle_index(c->price + k * c->n_feeds, c->stamp + k * c->n_feeds,
                                      c->n_feeds, c->now, c->op, &o);
            if (st != MGN_OK)
                die("mgn_oracle_index", st);
            s += o.price;
            ok += o.verdict == MGN_ORACLE_OK;
        }
    *c->n_ok = ok / (size_t)c->inner;
    bench_sink = s;
}

/* Account k of a set: NPOS positions of make_pos (redrawn until the account has a
   maintenance margin) and a quote balance giving equity = ratio x MM, ratio drawn
   in [lo, hi]. */
static void make_account(bench_rng *g, const mgn_account_params *cross, double lo, double hi,
                         mgn_position *pos, mgn_balance *bal, mgn_account *ac)
{
    mgn_balance b = { MGN_QUOTE, 0, 0, 0, 0 };
    *bal = b;
    memset(ac, 0, sizeof *ac);
    ac->struct_size = sizeof *ac;
    ac->pos = pos;
    ac->n_pos = NPOS;
    ac->bal = bal;
    ac->n_bal = 1;
    ac->currency = MGN_QUOTE;
    mgn_account_result r;
    do {
        for (size_t i = 0; i < NPOS; i++)
            make_pos(g, &pos[i]);
        int st = mgn_account_eval(MKT, 3, ac, cross, 0, INFINITY, NULL, 0, &r, NULL);
        if (st != MGN_OK)
            die("mgn_account_eval (account set-up)", st);
    } while (!(r.mm > 0));
    double ratio = lo + (hi - lo) * bench_uniform(g);
    bal->amount = ratio * r.mm - r.position_value;
}

/* One closed-form input: a linear (USDT-margined) contract on Binance's BTCUSDT
   brackets or a flat rate (0.4-5%, half with OKX's 0.05% liquidation fee), or an
   inverse (coin-margined) one at Deribit's 1% (half with its 0.005% per coin);
   notional 1e3 to 5e6 quote, leverage 2 to 100, entry within 5% of the index, long
   or short, isolated or cross (other P&L - MM within 30% of the wallet). */
static void make_liq_input(bench_rng *g, const mgn_std_params *binance, mgn_liq_input *in)
{
    int u = (int)(3 * bench_uniform(g)) % 3;
    double E = MKT[u].spot * (0.95 + 0.1 * bench_uniform(g));
    double notional = bench_logrange(g, 1e3, 5e6), lev = bench_logrange(g, 2, 100);
    double side = bench_uniform(g) < 0.5 ? -1 : 1, kind = bench_uniform(g);
    memset(in, 0, sizeof *in);
    in->struct_size = sizeof *in;
    in->entry = E;
    if (kind < 2.0 / 3) {
        in->settlement = MGN_LINEAR;
        in->size = side * notional / E;
        in->wallet = notional / lev;
        if (kind < 1.0 / 3) {
            in->tiers = binance->tiers;
            in->n_tiers = binance->n_tiers;
            in->tier_basis = binance->tier_basis;
        } else {
            in->mm_rate = bench_logrange(g, 0.004, 0.05);
            in->fee_rate = bench_uniform(g) < 0.5 ? 0.0005 : 0;
        }
    } else {
        in->settlement = MGN_INVERSE;
        in->size = side * notional;
        in->wallet = notional / E / lev;
        in->mm_rate = 0.01;
        in->size_mm = bench_uniform(g) < 0.5 ? 0.00005 : 0;
    }
    if (bench_uniform(g) < 0.5)
        in->other = 0.3 * (2 * bench_uniform(g) - 1) * in->wallet;
}

static void single_account_rows(int reps)
{
    bench_rng g = { 4242 };
    mgn_account_params cross;
    mgn_account_params_init(&cross);
    mgn_position *pos = xmalloc(N_EVAL * NPOS * sizeof *pos);
    mgn_balance *bal = xmalloc(N_EVAL * sizeof *bal), *ubal = xmalloc(N_UNDER * sizeof *ubal);
    mgn_account *ac = xmalloc(N_EVAL * sizeof *ac), *under = xmalloc(N_UNDER * sizeof *under);
    for (size_t k = 0; k < N_EVAL; k++)
        make_account(&g, &cross, 3, 20, pos + k * NPOS, &bal[k], &ac[k]);
    /* the underwater accounts: positions of their own, equity 0.6 to 0.95 x MM */
    mgn_position *upos = xmalloc(N_UNDER * NPOS * sizeof *upos);
    for (size_t k = 0; k < N_UNDER; k++)
        make_account(&g, &cross, 0.6, 0.95, upos + k * NPOS, &ubal[k], &under[k]);
    char name[128];
    int st;
    double m;

    /* evaluation, cross (no workspace: the default rule set pairs no strategies) */
    acct_ctx c;
    memset(&c, 0, sizeof c);
    c.ac = ac;
    c.n = N_EVAL;
    c.prm = &cross;
    if ((st = mgn_account_work_size(&cross, 3, NPOS, &c.ws)) != MGN_OK)
        die("mgn_account_work_size", st);
    c.work = c.ws ? xmalloc(c.ws) : NULL;
    m = median_pass(pass_eval, &c, reps);
    row("mgn_account_eval, 10 pos, cross", m * 1e9 / N_EVAL, "ns/account", m * 1e3, "-");
    row("  per position", m * 1e9 / (N_EVAL * NPOS), "ns/position", m * 1e3, "-");
    free(c.work);

    /* evaluation, portfolio mode: Deribit's grid (9 prices x 3 vols + 8 extended
       moves) on each of the 3 underlyings */
    mgn_pm_params pm[3];
    for (int u = 0; u < 3; u++)
        if ((st = mgn_pm_preset_deribit(&pm[u])) != MGN_OK)
            die("mgn_pm_preset_deribit", st);
    mgn_account_params port = cross;
    port.mode = MGN_MODE_PORTFOLIO;
    port.pm = pm;
    c.n = N_PM;
    c.prm = &port;
    if ((st = mgn_account_work_size(&port, 3, NPOS, &c.ws)) != MGN_OK)
        die("mgn_account_work_size", st);
    c.work = c.ws ? xmalloc(c.ws) : NULL;
    m = median_pass(pass_eval, &c, reps);
    row("mgn_account_eval, 10 pos, portfolio (Deribit grid)", m * 1e9 / N_PM, "ns/account",
        m * 1e3, "-");
    row("  per position", m * 1e9 / (N_PM * NPOS), "ns/position", m * 1e3, "-");
    free(c.work);

    /* what-if and largest order, cross */
    double V;
    if ((st = mgn_bs_price(MGN_CALL, MKT[0].spot, 1.1 * MKT[0].spot, 30.0 / 365, MKT[0].rate,
                           MKT[0].carry, 0.6, &V)) != MGN_OK)
        die("mgn_bs_price", st);
    mgn_position perp = { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, 1, 1, 0, 0, 0,
                          MKT[0].spot * 1.0005 };
    mgn_position call = { MGN_OPTION, 0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 0, -2, 1,
                          1.1 * MKT[0].spot, 30.0 / 365, 0.6, V };
    const mgn_position *orders[2] = { &perp, &call };
    const char *order_name[2] = { "perpetual", "option" };
    c.prm = &cross;
    if ((st = mgn_whatif_work_size(&cross, 3, NPOS, &c.ws)) != MGN_OK)
        die("mgn_whatif_work_size", st);
    c.work = c.ws ? xmalloc(c.ws) : NULL;
    c.n = N_EVAL;
    for (int o = 0; o < 2; o++) {
        c.order = orders[o];
        m = median_pass(pass_whatif, &c, reps);
        snprintf(name, sizeof name, "mgn_account_whatif, 10 pos + %s order", order_name[o]);
        row(name, m * 1e9 / N_EVAL, "ns/call", m * 1e3, "-");
    }
    /* largest order keeping equity >= 2 x MM, searched up to 1000 BTC */
    double *qty = xmalloc(N_MAXORD * sizeof *qty);
    size_t inside[2] = { 0, 0 };
    c.n = N_MAXORD;
    c.target = 2;
    c.max_qty = 1000;
    c.qty = qty;
    for (int o = 0; o < 2; o++) {
        c.order = orders[o];
        m = median_pass(pass_max_order, &c, reps);
        snprintf(name, sizeof name, "mgn_account_max_order, 10 pos, %s order", order_name[o]);
        row(name, m * 1e6 / N_MAXORD, "us/call", m * 1e3, "-");
        for (size_t k = 0; k < N_MAXORD; k++)
            inside[o] += qty[k] > 0 && qty[k] < c.max_qty;
    }
    free(c.work);

    /* liquidation prices of BTC after the perpetual order: default search (4,096
       points over 0.1x to 10x the index, plus the strikes) */
    mgn_liq_search s;
    mgn_liq_search_init(&s);
    s.vol = 0.6;
    double roots[MAX_ROOTS];
    if ((st = mgn_liq_prices_work_size(&cross, 3, NPOS, &c.ws)) != MGN_OK)
        die("mgn_liq_prices_work_size", st);
    c.work = c.ws ? xmalloc(c.ws) : NULL;
    c.n = N_WLIQ;
    c.order = &perp;
    c.search = &s;
    c.roots = roots;
    m = median_pass(pass_whatif_liq, &c, reps);
    row("mgn_whatif_liq_prices, 10 pos + perpetual order", m * 1e6 / N_WLIQ, "us/call",
        m * 1e3, "-");
    free(c.work);

    /* closed-form liquidation price: 10,000 varied contracts, 5 times a pass */
    mgn_std_params binance;
    binance.struct_size = sizeof binance;
    if ((st = mgn_std_preset(MGN_STD_PRESET_BINANCE_BTCUSDT, &binance)) != MGN_OK)
        die("mgn_std_preset", st);
    mgn_liq_input *in = xmalloc(N_CLOSED * sizeof *in);
    for (size_t k = 0; k < N_CLOSED; k++)
        make_liq_input(&g, &binance, &in[k]);
    closed_ctx cc = { in, N_CLOSED, 5 };
    m = median_pass(pass_closed, &cc, reps);
    row("mgn_liq_price_closed, 10,000 varied contracts", m * 1e9 / (N_CLOSED * cc.inner),
        "ns/call", m * 1e3, "-");
    free(in);

    /* partial liquidation of the underwater accounts under the three orders (default
       target MM x 1.1, penalty 0.75%, close factor 0.5); the given order closes the
       delta-one positions first, then the options, each in index order */
    int *prio = xmalloc(N_UNDER * NPOS * sizeof *prio);
    for (size_t k = 0; k < N_UNDER; k++) {
        int *pk = prio + k * NPOS, n = 0;
        for (int options = 0; options < 2; options++)
            for (int i = 0; i < NPOS; i++)
                if ((upos[k * NPOS + i].instrument == MGN_OPTION) == options)
                    pk[n++] = i;
    }
    mgn_liq_close *closes = xmalloc(N_UNDER * NPOS * sizeof *closes);
    mgn_liq_close *plans = xmalloc(N_UNDER * NPOS * sizeof *plans);
    size_t *n_closes = xmalloc(N_UNDER * sizeof *n_closes);
    size_t *n_plan = xmalloc(N_UNDER * sizeof *n_plan);
    int *restored = xmalloc(N_UNDER * sizeof *restored);
    mgn_liq_params lp;
    mgn_liq_params_init(&lp);
    if ((st = mgn_liq_partial_work_size(&cross, 3, NPOS, &c.ws)) != MGN_OK)
        die("mgn_liq_partial_work_size", st);
    c.work = c.ws ? xmalloc(c.ws) : NULL;
    c.ac = under;
    c.n = N_UNDER;
    c.lp = &lp;
    c.priority = prio;
    c.closes = closes;
    c.n_closes = n_closes;
    c.restored = restored;
    static const char *const liq_order_name[3] = { "proportional", "largest MM first",
                                                   "given order" };
    size_t n_restored[3] = { 0 }, closes_total[3] = { 0 };
    for (int o = 0; o < 3; o++) {
        lp.order = o;
        m = median_pass(pass_partial, &c, reps);
        snprintf(name, sizeof name, "mgn_liq_partial, 10 pos below MM, %s", liq_order_name[o]);
        row(name, m * 1e6 / N_UNDER, "us/call", m * 1e3, "-");
        for (size_t k = 0; k < N_UNDER; k++) {
            n_restored[o] += (size_t)restored[k];
            closes_total[o] += n_closes[k];
        }
        if (o == MGN_LIQ_PROPORTIONAL) {   /* every position cut: the economics' plans */
            memcpy(plans, closes, N_UNDER * NPOS * sizeof *plans);
            memcpy(n_plan, n_closes, N_UNDER * sizeof *n_plan);
        }
    }
    free(c.work);

    /* liquidator economics of the proportional plans (10 closes each), and of the
       default plan (close factor of every position) */
    econ_ctx ec = { under, N_UNDER, plans, n_plan, 2000 };
    m = median_pass(pass_economics, &ec, reps);
    row("mgn_liq_economics, 10 closes", m * 1e9 / (N_UNDER * ec.inner), "ns/call", m * 1e3,
        "-");
    ec.closes = NULL;
    ec.inner = 200;
    m = median_pass(pass_economics, &ec, reps);
    row("mgn_liq_economics, no plan (0.5 x 10 positions)", m * 1e9 / (N_UNDER * ec.inner),
        "ns/call", m * 1e3, "-");

    /* oracle index: snapshots of 5, 10 and 40 feeds (an exchange index's sources, an
       aggregator's publishers); quotes within 0.1% of each other and 0 to 3 s old, 10%
       stale (30 s to 5 min), 5% off by 6% to 20% (a broken source); max age 10 s,
       band 5% (Binance), quorum a majority */
    static const size_t n_feeds[3] = { 5, 10, 40 };
    size_t n_ok[3];
    double *price = xmalloc(N_FEEDSETS * 40 * sizeof *price);
    double *stamp = xmalloc(N_FEEDSETS * 40 * sizeof *stamp), now = 1e6;
    for (int f = 0; f < 3; f++) {
        size_t nf = n_feeds[f];
        for (size_t k = 0; k < N_FEEDSETS; k++) {
            double S = MKT[k % 3].spot;
            for (size_t i = 0; i < nf; i++) {
                double x = bench_uniform(&g), y = bench_uniform(&g);
                price[k * nf + i] = S * (1 + 0.001 * (2 * bench_uniform(&g) - 1));
                if (x < 0.05)
                    price[k * nf + i] = S * (1 + (y < 0.5 ? -1 : 1) * (0.06 + 0.14 * y));
                stamp[k * nf + i] = now - (x > 0.9 ? 30 + 270 * y : 3 * bench_uniform(&g));
            }
        }
        mgn_oracle_params op = { 10, 0.05, nf / 2 + 1 };
        oracle_ctx oc = { price, stamp, nf, N_FEEDSETS, now, &op, nf < 40 ? 200 : 10, &n_ok[f] };
        m = median_pass(pass_oracle, &oc, reps);
        snprintf(name, sizeof name, "mgn_oracle_index, %zu feeds", nf);
        row(name, m * 1e9 / (N_FEEDSETS * oc.inner), "ns/call", m * 1e3, "-");
    }
    free(price);
    free(stamp);

    snprintf(single_notes, sizeof single_notes,
             "largest order (equity >= 2 x MM, up to 1000): inside (0, 1000) for %zu/%d "
             "accounts (perpetual), %zu/%d (option)\n"
             "partial liquidation: restored %zu/%d, %zu/%d, %zu/%d accounts; closes per call "
             "%.1f, %.1f, %.1f (proportional, largest MM, given)\n"
             "oracle verdict OK: %zu, %zu, %zu of %d snapshots (5, 10, 40 feeds)\n",
             inside[0], N_MAXORD, inside[1], N_MAXORD, n_restored[0], N_UNDER, n_restored[1],
             N_UNDER, n_restored[2], N_UNDER, (double)closes_total[0] / N_UNDER,
             (double)closes_total[1] / N_UNDER, (double)closes_total[2] / N_UNDER, n_ok[0],
             n_ok[1], n_ok[2], N_FEEDSETS);
    free(prio); free(closes); free(plans); free(n_closes); free(n_plan); free(restored);
    free(qty); free(upos); free(under); free(ubal); free(ac); free(bal); free(pos);
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : BENCH_REPS;
    if (reps < 1 || reps > 64) {
        fprintf(stderr, "usage: %s [reps 1..64]\n", argv[0]);
        return 1;
    }
    bench_print_machine("-std=c99 -O2 (library), see Makefile");
    size_t NA = 1000000, NP = 10;
    mgn_position *pos = malloc(NA * NP * sizeof *pos);
    mgn_balance *bal = malloc(NA * sizeof *bal);
    mgn_account *ac = malloc(NA * sizeof *ac);
    mgn_account_result *out = malloc(NA * sizeof *out);
    if (!pos || !bal || !ac || !out) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    bench_rng g = { 12345 };
    for (size_t k = 0; k < NA; k++) {
        for (size_t i = 0; i < NP; i++)
            make_pos(&g, &pos[k * NP + i]);
        mgn_balance b = { MGN_QUOTE, 0, 2e5 * bench_uniform(&g), 0, 0 };
        bal[k] = b;
        mgn_account a;
        memset(&a, 0, sizeof a);
        a.struct_size = sizeof a;
        a.pos = pos + k * NP;
        a.n_pos = NP;
        a.bal = &bal[k];
        a.n_bal = 1;
        a.currency = MGN_QUOTE;
        ac[k] = a;
    }
    mgn_account_params prm;
    mgn_account_params_init(&prm);
    printf("median of %d passes\n\n", reps);
    printf("| %-52s | %25s | %10s | %-22s |\n", "path", "per item", "total ms", "target");
    printf("|------------------------------------------------------|---------------------------|------------|------------------------|\n");
    double t[64], t1 = 0;
    for (int th = 1; th <= 2; th++) {
        for (int r = 0; r < reps; r++) {
            double t0 = bench_now();
            if (mgn_account_sweep(MKT, 3, ac, NA, &prm, 0, NULL, th, NULL, 0, out) != MGN_OK) {
                fprintf(stderr, "sweep failed\n");
                return 1;
            }
            t[r] = bench_now() - t0;
        }
        double m = bench_median(t, reps);
        if (th == 1)
            t1 = m;
        char name[128];
        snprintf(name, sizeof name, "sweep 1e6 accounts x 10 pos, cross, %d thread%s", th,
                 th > 1 ? "s" : "");
        row(name, m * 1e9 / (double)NA, "ns/account", m * 1e3, th == 1 ? "-" : "<= 1000 ms (2 cores)");
    }
    row("  per position-evaluation, 1 thread", t1 * 1e9 / (double)(NA * NP), "ns/position",
        t1 * 1e3, "<= 50 ns");
    size_t st[5] = { 0 };
    for (size_t k = 0; k < NA; k++)
        st[out[k].status]++;

    /* cascade: 100,000 accounts of 4 delta-one positions, long-biased and leveraged,
       50 rounds forced by a small impact (max_rounds 50; the count run is printed) */
    size_t NC = 100000, NPC = 4;
    bench_rng g2 = { 777 };
    for (size_t k = 0; k < NC; k++) {
        for (size_t i = 0; i < NPC; i++) {
            mgn_position *p = &pos[k * NPC + i];
            make_pos(&g2, p);
            if (p->instrument == MGN_OPTION) {
                p->instrument = MGN_PERPETUAL;
                p->multiplier = p->settlement == MGN_INVERSE ? 10 : 1;
                p->expiry = 0;
                p->strike = 0;
                p->vol = 0;
                p->entry_price = MKT[p->underlying].spot;
            }
            p->quantity = fabs(p->quantity);
        }
        double notional = 0;
        for (size_t i = 0; i < NPC; i++) {
            mgn_position *p = &pos[k * NPC + i];
            notional += p->quantity * p->multiplier * (p->settlement == MGN_INVERSE ? 1 : MKT[p->underlying].spot);
        }
        mgn_balance b = { MGN_QUOTE, 0, notional * (0.02 + 0.3 * bench_uniform(&g2)), 0, 0 };
        bal[k] = b;
        ac[k].pos = pos + k * NPC;
        ac[k].n_pos = NPC;
        ac[k].bal = &bal[k];
    }
    mgn_cascade_params cp;
    memset(&cp, 0, sizeof cp);
    cp.struct_size = sizeof cp;
    cp.impact_model = MGN_IMPACT_SQRT;
    cp.max_rounds = 50;
    cp.impact = 0.002;
    cp.penalty_rate = 0.005;
    cp.insurance_fund = 1e7;
    double shock[3] = { -0.05, -0.05, -0.05 }, depth[3] = { 5e4, 1e6, 1e7 };
    size_t ws;
    mgn_cascade_work_size(&prm, 3, NC, NPC, &ws);
    void *w = malloc(ws);
    mgn_cascade_round rounds[50];
    mgn_cascade_result cr;
    for (int r = 0; r < reps; r++) {
        double t0 = bench_now();
        if (mgn_cascade(MKT, 3, ac, NC, &prm, &cp, shock, depth, w, ws, rounds, NULL, &cr) != MGN_OK) {
            fprintf(stderr, "cascade failed\n");
            return 1;
        }
        t[r] = bench_now() - t0;
    }
    double m = bench_median(t, reps);
    char name[128];
    snprintf(name, sizeof name, "cascade 1e5 accounts x 4 pos, %zu rounds run", cr.n_rounds);
    row(name, m * 1e9 / (double)(NC * (cr.n_rounds + 1)), "ns/acct-round", m * 1e3,
        "<= 1000 ms (50 rounds)");
    /* the same, forced through 50 rounds: every account judged in every round
       (no liquidation threshold reachable: impact 0 and a tiny shock) */
    cp.impact = 0;
    double small[3] = { -1e-9, 0, 0 };
    for (size_t k = 0; k < NC; k++)
        bal[k].amount = 1e9;
    /* nothing liquidates: the loop stops after round 1, so time 50 calls of 1 round */
    cp.max_rounds = 1;
    for (int r = 0; r < reps; r++) {
        double t0 = bench_now();
        for (int k = 0; k < 50; k++)
            mgn_cascade(MKT, 3, ac, NC, &prm, &cp, small, depth, w, ws, rounds, NULL, &cr);
        t[r] = bench_now() - t0;
    }
    m = bench_median(t, reps);
    row("cascade 1e5 accounts x 4 pos, 50 full rounds", m * 1e9 / (double)(NC * 50),
        "ns/acct-round", m * 1e3, "<= 1000 ms");
    free(w);

    /* liquidation-price search: 20 options + 2 perpetuals on one underlying */
    mgn_position op[22];
    bench_rng g3 = { 99 };
    for (int i = 0; i < 22; i++) {
        make_pos(&g3, &op[i]);
        op[i].underlying = 0;
        if (i < 20) {
            op[i].instrument = MGN_OPTION;
            op[i].option_type = i % 2;
            op[i].multiplier = 1;
            op[i].strike = 60000 * (0.7 + 0.03 * i);
            op[i].expiry = 30.0 / 365;
            op[i].vol = 0.6;
            op[i].entry_price = 0;
        } else {
            op[i].instrument = MGN_PERPETUAL;
            op[i].multiplier = 1;
            op[i].entry_price = 60000;
            op[i].expiry = 0;
        }
    }
    mgn_balance ob = { MGN_QUOTE, 0, 5e5, 0, 0 };
    mgn_account oa = ac[0];
    oa.pos = op;
    oa.n_pos = 22;
    oa.bal = &ob;
    oa.n_bal = 1;
    mgn_liq_search s;
    mgn_liq_search_init(&s);
    mgn_liq_prices_work_size(&prm, 3, 22, &ws);
    w = malloc(ws);
    double roots[64];
    mgn_liq_price_result lr;
    for (int r = 0; r < reps; r++) {
        double t0 = bench_now();
        if (mgn_liq_prices(MKT, 3, &oa, &prm, &s, w, ws, roots, 64, &lr) != MGN_OK) {
            fprintf(stderr, "search failed\n");
            return 1;
        }
        t[r] = bench_now() - t0;
    }
    m = bench_median(t, reps);
    snprintf(name, sizeof name, "liq. price search, 22-pos option account (%zu roots)", lr.n_roots);
    row(name, m * 1e6, "us/search", m * 1e3, "-");
    free(w);
    single_account_rows(reps);
    printf("\nsweep statuses: OK %zu, RESTRICTED %zu, MARGIN_CALL %zu, LIQUIDATE %zu, BANKRUPT %zu\n",
           st[0], st[1], st[2], st[3], st[4]);
    printf("%s", single_notes);
    free(pos); free(bal); free(ac); free(out);
    return 0;
}
