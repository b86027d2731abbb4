/* Standard-margin benchmarks: ns per position for mgn_std_position_margin and for the
 * account function mgn_std_margin on books of 10 and 1,000 positions (with and
 * without strategy pairing). Each figure is the median of BENCH_REPS timed passes,
 * one thread.
 *
 *   build/bench/bench_standard [reps]
 */
#include "bench_util.h"
#include "margin.h"

#define BENCH_REPS 9

/* A random book on 3 underlyings: 70% options (half sharing a few strikes and
   expiries, so strategies form), 30% futures and perpetuals. */
static void make_book(mgn_position *p, size_t n, const mgn_market *m, bench_rng *g)
{
    for (size_t i = 0; i < n; i++) {
        mgn_position x;
        memset(&x, 0, sizeof x);
        x.underlying = (int)(bench_uniform(g) * 3);
        double S = m[x.underlying].spot;
        double u = bench_uniform(g);
        x.settlement = bench_uniform(g) < 0.5 ? 0 : 1;
        x.quantity = (bench_uniform(g) < 0.5 ? -1 : 1) * floor(bench_logrange(g, 1, 100));
        if (u < 0.7) {
            x.instrument = MGN_OPTION;
            x.option_type = bench_uniform(g) < 0.5 ? MGN_CALL : MGN_PUT;
            x.multiplier = 1;
            x.strike = S * (0.7 + 0.05 * floor(bench_uniform(g) * 12));
            x.expiry = (7 + 7 * floor(bench_uniform(g) * 12)) / 365.0;
            x.vol = 0.3 + 0.7 * bench_uniform(g);
        } else {
            x.instrument = u < 0.85 ? MGN_FUTURE : MGN_PERPETUAL;
            x.multiplier = x.settlement ? 10 : 0.1;
            x.expiry = 0.25;
            x.entry_price = S;
        }
        p[i] = x;
    }
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : BENCH_REPS;
    if (reps < 1 || reps > 64) {
        fprintf(stderr, "usage: %s [reps 1..64]\n", argv[0]);
        return 2;
    }
    const size_t big = 1000, inner_big = 20, small = 10, inner_small = 2000;
    mgn_market m[3] = { { 60000, 0.04, 0.0 }, { 3000, 0.04, 0.0 }, { 150, 0.04, 0.0 } };
    bench_rng g = { 7 };
    mgn_position *book = malloc(big * sizeof *book);
    double *pim = malloc(big * sizeof *pim), *pmm = malloc(big * sizeof *pmm);
    size_t ws_size;
    mgn_std_workspace_size(big, &ws_size);
    void *ws = malloc(ws_size);
    double t[64];
    if (!book || !pim || !pmm || !ws)
        return 1;
    make_book(book, big, m, &g);

    mgn_std_params deribit, cboe;
    deribit.struct_size = cboe.struct_size = sizeof(mgn_std_params);
    mgn_std_preset(MGN_STD_PRESET_DERIBIT_BTC, &deribit);
    mgn_std_preset(MGN_STD_PRESET_CBOE_EQUITY, &cboe);

    bench_print_machine("-O2");
    printf("books of random positions on 3 underlyings (70%% options, 30%% futures/perpetuals); "
           "median of %d passes, one thread\n\n", reps);
    printf("| %-64s | %12s | %14s |\n", "path", "ns/position", "positions/s");
    printf("|%s|%s|%s|\n", "------------------------------------------------------------------",
           "--------------", "----------------");

    struct { const char *name; const mgn_std_params *r; } rules[2] = {
        { "Deribit BTC preset (no pairing)", &deribit }, { "Cboe equity preset (pairing)", &cboe } };

    /* per-position function over the 1,000-position book */
    for (int k = 0; k < reps; k++) {
        double t0 = bench_now(), acc = 0;
        for (size_t j = 0; j < inner_big; j++)
            for (size_t i = 0; i < big; i++) {
                double a = 0, b = 0;
                mgn_std_position_margin(m, 3, &deribit, &book[i], MGN_QUOTE, &a, &b);
                acc += a + b;
            }
        bench_sink = acc;
        t[k] = (bench_now() - t0) / (double)(big * inner_big) * 1e9;
    }
    double ns = bench_median(t, reps);
    printf("| %-64s | %12.1f | %14.3g |\n", "mgn_std_position_margin (Deribit BTC)", ns, 1e9 / ns);

    for (int rr = 0; rr < 2; rr++) {
        for (int sz = 0; sz < 2; sz++) {
            size_t n = sz ? big : small, inner = sz ? inner_big : inner_small;
            for (int k = 0; k < reps; k++) {
                double t0 = bench_now(), acc = 0;
                for (size_t j = 0; j < inner; j++) {
                    /* the small books walk through the big one */
                    const mgn_position *b = book + (sz ? 0 : (j * small) % (big - small));
                    double a = 0, c = 0;
                    mgn_std_margin(m, 3, rules[rr].r, 1, b, n, MGN_QUOTE, ws, ws_size, &a, &c,
                                   pim, pmm, NULL, NULL);
                    acc += a + c;
                }
                bench_sink = acc;
                t[k] = (bench_now() - t0) / (double)(n * inner) * 1e9;
            }
            ns = bench_median(t, reps);
            char name[96];
            snprintf(name, sizeof name, "mgn_std_margin, %zu positions, %s", n, rules[rr].name);
            printf("| %-64s | %12.1f | %14.3g |\n", name, ns, 1e9 / ns);
        }
    }
    free(book); free(pim); free(pmm); free(ws);
    return 0;
}
