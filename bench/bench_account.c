/* Account benchmarks: the cross-mode sweep of 1,000,000 accounts of 10 positions
 * (mixed perpetuals, futures and options) on 1 and 2 threads, the cost per
 * position-evaluation, a 100,000-account x 50-round cascade, and the liquidation-
 * price search of an option account. Each figure is the median of BENCH_REPS passes.
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
    printf("\nsweep statuses: OK %zu, RESTRICTED %zu, MARGIN_CALL %zu, LIQUIDATE %zu, BANKRUPT %zu\n",
           st[0], st[1], st[2], st[3], st[4]);
    free(pos); free(bal); free(ac); free(out);
    return 0;
}
