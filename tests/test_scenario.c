/* Tests of lib/scenario.c: mgn_scenario_pnl and mgn_scenario_pnl_matrix.
 *
 * References: a brute-force revaluation of every position in every scenario with the
 * scalar pricers (tests/margin_ref.h); closed forms (inverse futures
 * q*m*(1/F0 - 1/F1), intrinsic at expiry); identities (zero scenario, opposite
 * positions, scaling, coin vs quote at the scenario price, matrix rows vs totals).
 */
#include <stdint.h>
#include "margin_ref.h"
#include "qref.h"

static const mgn_market MK3[3] = { { 100.0, 0.03, 0.01 }, { 2500.0, 0.0, 0.0 }, { 0.5, -0.01, 0.02 } };

/* Reference P&L of a book in scenario s, in `currency`. */
static double ref_total(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos, size_t n,
                        const mgn_shock *row, double dt, int currency)
{
    double q = 0;
    for (size_t i = 0; i < n; i++) {
        const mgn_shock *sh = &row[pos[i].underlying];
        q += ref_pnl_quote(&pos[i], &mkt[pos[i].underlying], sh->price, sh->vol, dt);
    }
    (void)n_mkt;
    return currency < 0 ? q : q / (mkt[currency].spot * (1 + row[currency].price));
}

static double book_scale(const mgn_market *mkt, const mgn_position *pos, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double S = mkt[pos[i].underlying].spot;
        s += fabs(pos[i].quantity * pos[i].multiplier) * (pos[i].instrument == MGN_OPTION || pos[i].settlement == MGN_LINEAR ? S : 1.0);
    }
    return s;
}

static void test_brute_force(void **state)
{
    (void)state;
    mgn_test_rng g = { 12345 };
    enum { N = 300, NS = 40 };
    static mgn_position pos[N];
    static mgn_shock sh[NS * 3];
    static double pnl[NS], mat[NS * N];
    for (int rep = 0; rep < 4; rep++) {
        size_t n = rep == 0 ? 7 : rep == 1 ? 130 : N;
        ref_random_book(&g, MK3, rep == 3 ? 1 : 3, pos, n, 1);
        for (int k = 0; k < NS * 3; k++) {
            sh[k].price = mgn_test_uniform(&g) < 0.1 ? 0 : mgn_test_range(&g, -0.5, 0.8);
            sh[k].vol = mgn_test_uniform(&g) < 0.2 ? 0 : mgn_test_range(&g, -0.5, 0.5);
        }
        double dt = rep == 2 ? 0 : 0.002 * rep;
        double scale = book_scale(MK3, pos, n);
        for (int cur = -1; cur < 3; cur++) {
            assert_int_equal(mgn_scenario_pnl(MK3, 3, pos, n, sh, NS, dt, cur, pnl), MGN_OK);
            assert_int_equal(mgn_scenario_pnl_matrix(MK3, 3, pos, n, sh, NS, dt, cur, mat), MGN_OK);
            for (int s = 0; s < NS; s++) {
                double want = ref_total(MK3, 3, pos, n, sh + 3 * s, dt, cur);
                double cs = cur < 0 ? scale : scale / (MK3[cur].spot * (1 + sh[3 * s + cur].price));
                assert_close(pnl[s], want, 1e-12, 1e-13 * cs);
                double row = 0;
                for (size_t i = 0; i < n; i++) {
                    const mgn_shock *x = &sh[3 * s + pos[i].underlying];
                    double one = ref_pnl_quote(&pos[i], &MK3[pos[i].underlying], x->price, x->vol, dt);
                    if (cur >= 0)
                        one /= MK3[cur].spot * (1 + sh[3 * s + cur].price);
                    assert_close(mat[(size_t)s * n + i], one, 1e-12, 1e-13 * cs);
                    row += mat[(size_t)s * n + i];
                }
                assert_close(row, pnl[s], 1e-12, 1e-13 * cs);
            }
        }
    }
}

/* Random books (1-60 positions, 1-4 markets) under random scenarios (1-60; moves from
   -95% to +500%, vol shocks from -0.5 to +1), dt up to a year, in quote and in coin:
   every matrix element against the brute force, to 1e-12 relative or 1e-12 of the
   position's size (|quantity x multiplier| x max(S, S1, K), in the result's
   currency), and each scenario's total against the sum of the elements' references. */
static void test_brute_force_random(void **state)
{
    (void)state;
    enum { NP = 60, NS = 60 };
    static mgn_position pos[NP];
    static mgn_shock sh[NS * 4];
    static double mat[NS * NP], pnl[NS];
    mgn_test_rng g = { 0xD1B54A32D192ED03ULL };
    double worst = 0;
    long iters = mgn_test_cases(100);
    for (long it = 0; it < iters; it++) {
        mgn_market mk[4];
        int nm = 1 + (int)(mgn_test_uniform(&g) * 4);
        size_t n = 1 + (size_t)(mgn_test_uniform(&g) * NP), ns = 1 + (size_t)(mgn_test_uniform(&g) * NS);
        ref_wide_book(&g, mk, nm, pos, n);
        for (size_t k = 0; k < ns * (size_t)nm; k++) {
            double y = mgn_test_uniform(&g);
            sh[k].price = y < 0.1 ? 0 : y < 0.8 ? mgn_test_range(&g, -0.5, 0.5) : mgn_test_range(&g, -0.95, 5);
            sh[k].vol = mgn_test_uniform(&g) < 0.2 ? 0 : mgn_test_range(&g, -0.5, 1);
        }
        double y = mgn_test_uniform(&g);
        double dt = y < 0.4 ? 0 : y < 0.8 ? mgn_test_range(&g, 0, 0.01) : mgn_test_range(&g, 0, 1);
        int cur = mgn_test_uniform(&g) < 0.5 ? MGN_QUOTE : (int)(mgn_test_uniform(&g) * nm);
        assert_int_equal(mgn_scenario_pnl_matrix(mk, (size_t)nm, pos, n, sh, ns, dt, cur, mat), MGN_OK);
        assert_int_equal(mgn_scenario_pnl(mk, (size_t)nm, pos, n, sh, ns, dt, cur, pnl), MGN_OK);
        for (size_t s = 0; s < ns; s++) {
            const mgn_shock *row = sh + s * (size_t)nm;
            double conv = cur < 0 ? 1 : mk[cur].spot * (1 + row[cur].price), tot = 0, size = 0;
            for (size_t i = 0; i < n; i++) {
                const mgn_position *p = &pos[i];
                const mgn_market *m = &mk[p->underlying];
                double S1 = m->spot * (1 + row[p->underlying].price);
                double want = ref_pnl_quote(p, m, row[p->underlying].price, row[p->underlying].vol, dt) / conv;
                double one = ref_position_size(p, m, S1, conv);
                double e = fabs(mat[s * n + i] - want) / (1e-12 * (fabs(want) + one));
                if (!(e <= 1)) {
                    print_error("iteration %ld, scenario %zu, position %zu: %.17g, expected %.17g\n",
                                it, s, i, mat[s * n + i], want);
                    fail();
                }
                worst = fmax(worst, e);
                tot += want;
                size += one;
            }
            assert_close(pnl[s], tot, 1e-12, 1e-12 * size);
        }
    }
    print_message("%ld random books: worst element %.3g of the tolerance\n", iters, worst);
}

/* Wings, tiny values, zero vol, T = 0 and expiry inside dt: the scalar fix path. */
static void test_edge_options(void **state)
{
    (void)state;
    mgn_market m = { 100, 0.05, 0.0 };
    mgn_position pos[8] = {
        ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 1, 1, 400, 0.05, 0.2),   /* far OTM, tiny */
        ref_option(0, MGN_PUT, MGN_LINEAR, MGN_EUROPEAN, -1, 1, 20, 0.5, 0.3),
        ref_option(0, MGN_CALL, MGN_INVERSE, MGN_EUROPEAN, 2, 1, 90, 0.0, 0.5),    /* T = 0 */
        ref_option(0, MGN_PUT, MGN_LINEAR, MGN_EUROPEAN, 3, 1, 105, 0.01, 0.0),    /* vol 0 */
        ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, -2, 1, 100, 0.004, 0.6), /* expires in dt */
        ref_option(0, MGN_PUT, MGN_INVERSE, MGN_EUROPEAN, 5, 1, 1e-300, 1, 0.5),   /* S/K not normal */
        ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 1, 1, 60, 3, 0.001),     /* deep ITM, low vol */
        ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 1, 1, 100, 1, 1e-4),
    };
    mgn_shock sh[6] = { { 0, 0 }, { 0.3, 0 }, { -0.3, 0.1 }, { 0, -5 }, { 1.5, 0 }, { -0.9, 0.9 } };
    double pnl[6], mat[6 * 8];
    for (int d = 0; d < 2; d++) {
        double dt = d ? 0.005 : 0;
        assert_int_equal(mgn_scenario_pnl(&m, 1, pos, 8, sh, 6, dt, MGN_QUOTE, pnl), MGN_OK);
        assert_int_equal(mgn_scenario_pnl_matrix(&m, 1, pos, 8, sh, 6, dt, MGN_QUOTE, mat), MGN_OK);
        for (int s = 0; s < 6; s++) {
            double tot = 0;
            for (int i = 0; i < 8; i++) {
                double want = ref_pnl_quote(&pos[i], &m, sh[s].price, sh[s].vol, dt);
                assert_close(mat[s * 8 + i], want, 1e-12, 1e-13 * 100);
                tot += want;
            }
            assert_close(pnl[s], tot, 1e-12, 1e-12 * 100);
        }
    }
    /* the option expiring inside dt pays intrinsic at the scenario price */
    assert_int_equal(mgn_scenario_pnl_matrix(&m, 1, pos, 8, sh, 6, 0.005, MGN_QUOTE, mat), MGN_OK);
    double v0;
    assert_int_equal(mgn_bs_price(MGN_CALL, 100, 100, 0.004, 0.05, 0, 0.6, &v0), MGN_OK);
    assert_close(mat[1 * 8 + 4], -2 * (30.0 - v0), 1e-13, 1e-13);
    assert_close(mat[2 * 8 + 4], -2 * (0.0 - v0), 1e-13, 1e-13);
    /* the vol floor: -5 of vol leaves 1e-4 */
    double v1, b0;
    assert_int_equal(mgn_bs_price(MGN_CALL, 100, 100, 0.995, 0.05, 0, 1e-4, &v1), MGN_OK);
    assert_int_equal(mgn_bs_price(MGN_CALL, 100, 100, 1, 0.05, 0, 1e-4, &b0), MGN_OK);
    assert_close(mat[3 * 8 + 7], v1 - b0, 1e-13, 1e-13);
}

static void test_zero_scenario_exact(void **state)
{
    (void)state;
    mgn_test_rng g = { 99 };
    static mgn_position pos[500];
    ref_random_book(&g, MK3, 3, pos, 500, 1);
    mgn_shock zero[3] = { { 0, 0 }, { 0, 0 }, { 0, 0 } };
    double pnl = 1, mat[500];
    for (int cur = -1; cur < 3; cur++) {
        assert_int_equal(mgn_scenario_pnl(MK3, 3, pos, 500, zero, 1, 0.0, cur, &pnl), MGN_OK);
        assert_true(pnl == 0.0);
        assert_int_equal(mgn_scenario_pnl_matrix(MK3, 3, pos, 500, zero, 1, 0.0, cur, mat), MGN_OK);
        for (int i = 0; i < 500; i++)
            assert_true(mat[i] == 0.0);
    }
}

static void test_inverse_future_formula(void **state)
{
    (void)state;
    mgn_market m = { 40000, 0.04, 0.01 };
    mgn_position f = ref_future(0, MGN_INVERSE, -7, 10, 0.25, 38000);
    mgn_position p = ref_perp(0, MGN_INVERSE, 3, 10, 41000);
    mgn_shock sh[3] = { { 0.1, 0 }, { -0.25, 0.3 }, { 0, 0 } };
    double pf[3], pq[3], pp[3];
    double dt = 1.0 / 365;
    assert_int_equal(mgn_scenario_pnl(&m, 1, &f, 1, sh, 3, dt, 0, pf), MGN_OK);
    assert_int_equal(mgn_scenario_pnl(&m, 1, &f, 1, sh, 3, dt, MGN_QUOTE, pq), MGN_OK);
    assert_int_equal(mgn_scenario_pnl(&m, 1, &p, 1, sh, 3, dt, 0, pp), MGN_OK);
    double F0 = 40000 * exp(0.03 * 0.25);
    for (int s = 0; s < 3; s++) {
        double S1 = 40000 * (1 + sh[s].price), F1 = S1 * exp(0.03 * (0.25 - dt));
        /* P&L = value after - value now = q m (1/E - 1/F1) - q m (1/E - 1/F0) */
        double want = -70 * ((1 / 38000.0 - 1 / F1) - (1 / 38000.0 - 1 / F0));
        assert_close(pf[s], want, 1e-12, 1e-18);
        assert_close(pq[s], want * S1, 1e-12, 1e-12);
        assert_close(pp[s], 30 * ((1 / 41000.0 - 1 / S1) - (1 / 41000.0 - 1 / 40000.0)), 1e-12, 1e-18);
    }
    /* value now: q m (1/entry - 1/F) */
    double v;
    assert_int_equal(mgn_portfolio_value(&m, 1, &f, 1, 0, &v), MGN_OK);
    assert_close(v, -70 * (1 / 38000.0 - 1 / F0), 1e-14, 0);
}

static void test_coin_quote_consistent(void **state)
{
    (void)state;
    mgn_test_rng g = { 7 };
    mgn_position pos[200];
    ref_random_book(&g, MK3, 3, pos, 200, 0);
    mgn_shock sh[5 * 3];
    for (int k = 0; k < 15; k++) {
        sh[k].price = mgn_test_range(&g, -0.3, 0.3);
        sh[k].vol = mgn_test_range(&g, -0.2, 0.2);
    }
    double q[5], c[5];
    assert_int_equal(mgn_scenario_pnl(MK3, 3, pos, 200, sh, 5, 0.01, MGN_QUOTE, q), MGN_OK);
    for (int cur = 0; cur < 3; cur++) {
        assert_int_equal(mgn_scenario_pnl(MK3, 3, pos, 200, sh, 5, 0.01, cur, c), MGN_OK);
        for (int s = 0; s < 5; s++)
            assert_close(c[s] * MK3[cur].spot * (1 + sh[3 * s + cur].price), q[s], 1e-12, 1e-9);
    }
}

static void test_opposite_and_scaling(void **state)
{
    (void)state;
    mgn_test_rng g = { 3 };
    mgn_position pos[400];
    ref_random_book(&g, MK3, 3, pos, 200, 1);
    for (int i = 0; i < 200; i++) {
        pos[200 + i] = pos[i];
        pos[200 + i].quantity = -pos[i].quantity;
    }
    mgn_shock sh[4 * 3];
    for (int k = 0; k < 12; k++) {
        sh[k].price = mgn_test_range(&g, -0.4, 0.4);
        sh[k].vol = mgn_test_range(&g, -0.3, 0.3);
    }
    double a[4], b[4], one[4];
    double scale = book_scale(MK3, pos, 200);
    assert_int_equal(mgn_scenario_pnl(MK3, 3, pos, 400, sh, 4, 0.003, MGN_QUOTE, a), MGN_OK);
    assert_int_equal(mgn_scenario_pnl(MK3, 3, pos, 200, sh, 4, 0.003, MGN_QUOTE, one), MGN_OK);
    for (int s = 0; s < 4; s++)
        assert_close(a[s], 0, 0, 1e-14 * scale);
    for (int i = 0; i < 200; i++)
        pos[i].quantity *= 3.5;
    assert_int_equal(mgn_scenario_pnl(MK3, 3, pos, 200, sh, 4, 0.003, MGN_QUOTE, b), MGN_OK);
    for (int s = 0; s < 4; s++)
        assert_close(b[s], 3.5 * one[s], 1e-12, 1e-13 * scale);
}

/* Small books with many scenarios (valued across scenarios, in blocks of 64 padded
   to 16): brute force, mixed underlyings, coin and quote, zero scenarios inside the
   set, the scalar fix path, and the same bits as scenario-by-scenario calls (which
   value across positions). */
static void test_small_books_many_scenarios(void **state)
{
    (void)state;
    mgn_test_rng g = { 2024 };
    enum { NMAX = 24, SMAX = 150 };
    static mgn_position pos[NMAX];
    static mgn_shock sh[SMAX * 3];
    static double pnl[SMAX], mat[SMAX * NMAX], one[NMAX];
    static const size_t books[] = { 1, 3, 10, 17, 24 };
    static const size_t scens[] = { 16, 37, 100, 150 };
    for (size_t b = 0; b < sizeof books / sizeof *books; b++)
        for (size_t c = 0; c < sizeof scens / sizeof *scens; c++) {
            size_t n = books[b], ns = scens[c];
            int nm = (b + c) % 2 ? 3 : 1;
            ref_random_book(&g, MK3, nm, pos, n, b % 2);
            if (b == 2) {          /* the scalar fix path, across scenarios */
                pos[0] = ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 1, 1, 400, 0.05, 0.2);
                pos[1] = ref_option(0, MGN_PUT, MGN_INVERSE, MGN_EUROPEAN, 5, 1, 1e-300, 1, 0.5);
                pos[2] = ref_option(0, MGN_PUT, MGN_LINEAR, MGN_EUROPEAN, 3, 1, 105, 0.01, 0.0);
                pos[3] = ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, -2, 1, 100, 0.004, 0.6);
                pos[4] = ref_option(0, MGN_CALL, MGN_INVERSE, MGN_EUROPEAN, 2, 1, 90, 0.0, 0.5);
            }
            for (size_t k = 0; k < ns * 3; k++) {
                sh[k].price = mgn_test_uniform(&g) < 0.1 ? 0 : mgn_test_range(&g, -0.5, 0.8);
                sh[k].vol = mgn_test_uniform(&g) < 0.2 ? 0 : mgn_test_range(&g, -0.5, 0.5);
            }
            for (size_t k = 0; k < (size_t)nm; k++)   /* zero scenarios at 0, 17 and ns-1 */
                sh[k] = sh[17 * (size_t)nm + k] = sh[(ns - 1) * (size_t)nm + k] = (mgn_shock){ 0, 0 };
            double scale = book_scale(MK3, pos, n);
            for (int d = 0; d < 2; d++) {
                double dt = d ? 0.003 : 0;
                for (int cur = -1; cur < nm; cur++) {
                    assert_int_equal(mgn_scenario_pnl(MK3, (size_t)nm, pos, n, sh, ns, dt, cur, pnl), MGN_OK);
                    assert_int_equal(mgn_scenario_pnl_matrix(MK3, (size_t)nm, pos, n, sh, ns, dt, cur, mat), MGN_OK);
                    for (size_t s = 0; s < ns; s++) {
                        const mgn_shock *row = sh + (size_t)nm * s;
                        double cs = cur < 0 ? scale : scale / (MK3[cur].spot * (1 + row[cur].price));
                        assert_close(pnl[s], ref_total(MK3, (size_t)nm, pos, n, row, dt, cur), 1e-12, 1e-13 * cs);
                        for (size_t i = 0; i < n; i++) {
                            const mgn_shock *x = &row[pos[i].underlying];
                            double want = ref_pnl_quote(&pos[i], &MK3[pos[i].underlying], x->price, x->vol, dt);
                            if (cur >= 0)
                                want /= MK3[cur].spot * (1 + row[cur].price);
                            assert_close(mat[s * n + i], want, 1e-12, 1e-13 * cs);
                        }
                        if (dt == 0 && (s == 0 || s == 17 || s == ns - 1)) {
                            assert_true(pnl[s] == 0.0);
                            for (size_t i = 0; i < n; i++)
                                assert_true(mat[s * n + i] == 0.0);
                        }
                        /* one scenario per call: the same bits */
                        double p1;
                        assert_int_equal(mgn_scenario_pnl(MK3, (size_t)nm, pos, n, row, 1, dt, cur, &p1), MGN_OK);
                        assert_memory_equal(&p1, &pnl[s], sizeof p1);
                        assert_int_equal(mgn_scenario_pnl_matrix(MK3, (size_t)nm, pos, n, row, 1, dt, cur, one), MGN_OK);
                        assert_memory_equal(one, &mat[s * n], n * sizeof *one);
                    }
                }
            }
        }
}

/* The zero scenario repeated many times on small books (across scenarios) and on a
   large one (across positions): exactly 0 everywhere, in quote and in coin. */
static void test_zero_scenarios_small_books(void **state)
{
    (void)state;
    mgn_test_rng g = { 5 };
    static mgn_position pos[300];
    static mgn_shock zero[100 * 3];
    static double pnl[100], mat[100 * 300];
    static const size_t books[] = { 1, 5, 16, 40, 300 };
    for (size_t b = 0; b < sizeof books / sizeof *books; b++) {
        ref_random_book(&g, MK3, 3, pos, books[b], 1);
        for (int cur = -1; cur < 3; cur++) {
            assert_int_equal(mgn_scenario_pnl(MK3, 3, pos, books[b], zero, 100, 0.0, cur, pnl), MGN_OK);
            assert_int_equal(mgn_scenario_pnl_matrix(MK3, 3, pos, books[b], zero, 100, 0.0, cur, mat), MGN_OK);
            for (size_t s = 0; s < 100; s++)
                assert_true(pnl[s] == 0.0);
            for (size_t k = 0; k < 100 * books[b]; k++)
                assert_true(mat[k] == 0.0);
        }
    }
}

/* A subnormal spot: its moved spot S (1 + price), rounded to the few bits a
   subnormal has, is the spot the P&L is defined with; here 4.9e-324 * 0.725 rounds
   back to 4.9e-324, so the option (its value normal: carry -81317 over 0.003 years)
   has a P&L of exactly 0, as the scalar prices at the two spots say. */
static void test_subnormal_spot_move(void **state)
{
    (void)state;
    const mgn_market m = { 4.9406564584124654e-324, 0, -81316.853589684906 };
    mgn_position p = ref_option(0, MGN_CALL, MGN_INVERSE, MGN_EUROPEAN, 46.07, 69.68,
                                1.4821969375237396e-323, 0.0030966185178236262, 0.051);
    const mgn_shock sh[2] = { { 0, 0 }, { -0.27529411764705886, 0 } };
    double mat[2], pnl[2];
    assert_true(m.spot * (1 + sh[1].price) == m.spot);
    assert_int_equal(mgn_scenario_pnl_matrix(&m, 1, &p, 1, sh, 2, 0, MGN_QUOTE, mat), MGN_OK);
    assert_int_equal(mgn_scenario_pnl(&m, 1, &p, 1, sh, 2, 0, MGN_QUOTE, pnl), MGN_OK);
    double v;
    assert_int_equal(mgn_bs_price(MGN_CALL, m.spot, p.strike, p.expiry, 0, m.carry, p.vol, &v), MGN_OK);
    assert_true(v > 1e-300);
    for (int k = 0; k < 2; k++)
        assert_true(mat[k] == 0.0 && pnl[k] == 0.0);
}

/* Far-wing values after a move: out-of-the-money options whose larger normal term
   lies u standard deviations into the tail (u from 2 to 36, s = sigma sqrt(T) from
   1e-3 to 1), the values the direct formula cannot take (its terms cancel) and the
   vector pass takes from the Mills ratio, or the scalar pricer where that is not
   accurate enough. Calls on one underlying moved up a million times, puts on the
   other down as much, so the value before the move is negligible and the P&L is the
   far-wing value: within the batch pricers' max(1e-12, 2e-14 / s) relative of the
   113-bit price (the kernels round ln(S/K) once: include/margin.h), in one call for
   the whole book (across positions), and the same bits position by position
   (flattened) and over many scenarios (across scenarios). */
static void test_far_wing_values(void **state)
{
    (void)state;
    static const double us[] = { 2, 2.5, 3, 4, 5, 6.4, 8, 12, 20, 30, 35.9 };
    static const double svals[] = { 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1 };
    enum { NU = 11, NS = 7, N = 2 * NU * NS, NSC = 40 };
    const mgn_market mk[2] = { { 100, 0.03, 0.01 }, { 100, 0.03, 0.01 } };
    const double T = 0.25;
    static mgn_position pos[N];
    static double want[N], mat[N], one[NSC];
    mgn_shock sh[2] = { { 1e6 - 1, 0 }, { 1e-6 - 1, 0 } }, many[2 * NSC];
    /* the moves as the library forms them (1 + (1e-6 - 1) is not 1e-6) */
    const double f[2] = { 1 + sh[0].price, 1 + sh[1].price };
    for (int k = 0; k < NSC; k++) {
        many[2 * k] = sh[0];
        many[2 * k + 1] = sh[1];
    }
    int n = 0;
    for (int a = 0; a < NU; a++)
        for (int b = 0; b < NS; b++)
            for (int u = 0; u < 2; u++, n++) {
                int type = u == 0 ? MGN_CALL : MGN_PUT;
                double s = svals[b], sig = s / sqrt(T);
                double Fa = mk[u].spot * f[u] * exp((mk[u].rate - mk[u].carry) * T);
                /* after the move: d1 = -u (call), d2 = u (put) */
                double x = type == MGN_CALL ? -(s * us[a] + 0.5 * s * s) : s * us[a] + 0.5 * s * s;
                double K = Fa * exp(-x);
                pos[n] = ref_option(u, type, MGN_LINEAR, MGN_EUROPEAN, 1, 1, K, T, sig);
                q128 after = qprice(type, mk[u].spot * f[u], K, T, mk[u].rate, mk[u].carry, sig);
                q128 before = qprice(type, mk[u].spot, K, T, mk[u].rate, mk[u].carry, sig);
                want[n] = (double)(after - before);
            }
    assert_int_equal(mgn_scenario_pnl_matrix(mk, 2, pos, N, sh, 1, 0, MGN_QUOTE, mat), MGN_OK);
    double worst = 0;
    for (int i = 0; i < N; i++) {
        int u = pos[i].underlying;
        double s = pos[i].vol * sqrt(T), tol = fmax(1e-12, 2e-14 / s);
        double sc = fmax(mk[u].spot * f[u] * exp(-mk[u].carry * T), pos[i].strike * exp(-mk[u].rate * T));
        double abs_tol = want[i] < 1e-13 * sc ? 1e-13 * sc : 0;   /* worth less: absolute */
        assert_true(want[i] > 0);
        if (!(fabs(mat[i] - want[i]) <= tol * want[i] + abs_tol))
            print_error("position %d (K %.17g, vol %.17g): %.17g vs %.17g\n", i, pos[i].strike,
                        pos[i].vol, mat[i], want[i]);
        assert_close(mat[i], want[i], tol, abs_tol);
        if (abs_tol == 0)
            worst = fmax(worst, fabs(mat[i] - want[i]) / want[i] / tol);
        double p1;
        assert_int_equal(mgn_scenario_pnl_matrix(mk, 2, &pos[i], 1, sh, 1, 0, MGN_QUOTE, &p1), MGN_OK);
        assert_memory_equal(&p1, &mat[i], sizeof p1);
        assert_int_equal(mgn_scenario_pnl(mk, 2, &pos[i], 1, many, NSC, 0, MGN_QUOTE, one), MGN_OK);
        for (int k = 0; k < NSC; k++)
            assert_memory_equal(&one[k], &mat[i], sizeof one[k]);
    }
    print_message("far-wing values after a move: max error %.3g of the relative bound\n", worst);
    /* A full chunk of them over 40 equal scenarios, valued across positions in blocks
       of scenarios whose far-wing elements outgrow one pass (it is run mid-block):
       every scenario's row and total equal the one-scenario values, bit for bit. */
    static double big[128 * NSC];
    assert_int_equal(mgn_scenario_pnl_matrix(mk, 2, pos, 128, many, NSC, 0, MGN_QUOTE, big), MGN_OK);
    double total = 0;
    for (int i = 0; i < 128; i++)
        total += mat[i];
    for (int k = 0; k < NSC; k++)
        assert_memory_equal(&big[k * 128], mat, 128 * sizeof *mat);
    assert_int_equal(mgn_scenario_pnl(mk, 2, pos, 128, many, NSC, 0, MGN_QUOTE, one), MGN_OK);
    for (int k = 0; k < NSC; k++)
        assert_memory_equal(&one[k], &total, sizeof total);
}

/* Small products (n European options x n_scen scenarios of a chunk, a few hundred
   lanes at most) are valued flattened, one lane per (scenario, position). The shapes
   below take that path (the 2 options left over after a chunk of 128 as well); the
   same positions in a book of 128 (across positions) and the same scenarios repeated
   to 200 (across scenarios, or across positions for larger books) must give the same
   bits, and the one-scenario calls the same bits too. Brute force, the scalar fix
   path, zero scenarios, coin and quote, one and three underlyings. */
static void test_flattened_small_products(void **state)
{
    (void)state;
    mgn_test_rng g = { 777 };
    enum { NBIG = 130, SBIG = 200 };
    static mgn_position pos[NBIG];
    static mgn_shock sh[SBIG * 3];
    static double pnl[SBIG], mat[SBIG * NBIG], pnl2[SBIG], mat2[SBIG * NBIG], one[NBIG];
    static const size_t books[] = { 1, 2, 3, 5, 7, 10, 13, 20, 40, 130 };
    static const size_t scens[] = { 2, 3, 5, 10, 25 };
    for (size_t b = 0; b < sizeof books / sizeof *books; b++)
        for (size_t c = 0; c < sizeof scens / sizeof *scens; c++) {
            size_t n = books[b], ns = scens[c];
            if (n == 130 && ns > 3)
                continue;
            int nm = (b + c) % 2 ? 3 : 1;
            ref_random_book(&g, MK3, nm, pos, n, (b + c) % 3 == 0);
            if (n >= 7 && c % 2 == 0) {        /* the scalar fix path */
                pos[0] = ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 1, 1, 400, 0.05, 0.2);
                pos[1] = ref_option(0, MGN_PUT, MGN_INVERSE, MGN_EUROPEAN, 5, 1, 1e-300, 1, 0.5);
                pos[2] = ref_option(0, MGN_PUT, MGN_LINEAR, MGN_EUROPEAN, 3, 1, 105, 0.01, 0.0);
                pos[3] = ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, -2, 1, 100, 0.004, 0.6);
                pos[4] = ref_option(0, MGN_CALL, MGN_INVERSE, MGN_EUROPEAN, 2, 1, 90, 0.0, 0.5);
                pos[5] = ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 1, 1, 60, 3, 0.001);
            }
            for (size_t k = 0; k < ns * (size_t)nm; k++) {
                sh[k].price = mgn_test_uniform(&g) < 0.1 ? 0 : mgn_test_range(&g, -0.5, 0.8);
                sh[k].vol = mgn_test_uniform(&g) < 0.2 ? 0 : mgn_test_range(&g, -0.5, 0.5);
            }
            for (size_t k = 0; k < (size_t)nm; k++)   /* zero scenarios first and last */
                sh[k] = sh[(ns - 1) * (size_t)nm + k] = (mgn_shock){ 0, 0 };
            /* the scenarios repeated to SBIG (across scenarios for the small books) */
            for (size_t k = ns * (size_t)nm; k < SBIG * (size_t)nm; k++)
                sh[k] = sh[k % (ns * (size_t)nm)];
            double scale = book_scale(MK3, pos, n);
            for (int d = 0; d < 2; d++) {
                double dt = d ? 0.003 : 0;
                for (int cur = -1; cur < nm; cur++) {
                    assert_int_equal(mgn_scenario_pnl(MK3, (size_t)nm, pos, n, sh, ns, dt, cur, pnl), MGN_OK);
                    assert_int_equal(mgn_scenario_pnl_matrix(MK3, (size_t)nm, pos, n, sh, ns, dt, cur, mat), MGN_OK);
                    for (size_t s = 0; s < ns; s++) {
                        const mgn_shock *row = sh + (size_t)nm * s;
                        double cs = cur < 0 ? scale : scale / (MK3[cur].spot * (1 + row[cur].price));
                        assert_close(pnl[s], ref_total(MK3, (size_t)nm, pos, n, row, dt, cur), 1e-12, 1e-13 * cs);
                        for (size_t i = 0; i < n; i++) {
                            const mgn_shock *x = &row[pos[i].underlying];
                            double want = ref_pnl_quote(&pos[i], &MK3[pos[i].underlying], x->price, x->vol, dt);
                            if (cur >= 0)
                                want /= MK3[cur].spot * (1 + row[cur].price);
                            assert_close(mat[s * n + i], want, 1e-12, 1e-13 * cs);
                        }
                        if (dt == 0 && (s == 0 || s == ns - 1)) {
                            assert_true(pnl[s] == 0.0);
                            for (size_t i = 0; i < n; i++)
                                assert_true(mat[s * n + i] == 0.0);
                        }
                        /* one scenario per call */
                        double p1;
                        assert_int_equal(mgn_scenario_pnl(MK3, (size_t)nm, pos, n, row, 1, dt, cur, &p1), MGN_OK);
                        assert_memory_equal(&p1, &pnl[s], sizeof p1);
                        assert_int_equal(mgn_scenario_pnl_matrix(MK3, (size_t)nm, pos, n, row, 1, dt, cur, one), MGN_OK);
                        assert_memory_equal(one, &mat[s * n], n * sizeof *one);
                    }
                    /* the same scenarios among SBIG */
                    assert_int_equal(mgn_scenario_pnl(MK3, (size_t)nm, pos, n, sh, SBIG, dt, cur, pnl2), MGN_OK);
                    assert_memory_equal(pnl2, pnl, ns * sizeof *pnl);
                    assert_int_equal(mgn_scenario_pnl_matrix(MK3, (size_t)nm, pos, n, sh, SBIG, dt, cur, mat2), MGN_OK);
                    assert_memory_equal(mat2, mat, ns * n * sizeof *mat);
                    /* the same positions in a book of 128 (filled with copies) */
                    if (n < 128) {
                        for (size_t i = n; i < 128; i++)
                            pos[i] = pos[i % n];
                        assert_int_equal(mgn_scenario_pnl_matrix(MK3, (size_t)nm, pos, 128, sh, ns, dt, cur, mat2), MGN_OK);
                        for (size_t s = 0; s < ns; s++)
                            assert_memory_equal(&mat2[s * 128], &mat[s * n], n * sizeof *mat);
                    }
                }
            }
        }
}

/*---------------------------------------------------------------- bad input */

static int run(const mgn_market *m, size_t nm, const mgn_position *p, size_t np,
               const mgn_shock *sh, size_t ns, double dt, int cur, double *out, int matrix)
{
    return matrix ? mgn_scenario_pnl_matrix(m, nm, p, np, sh, ns, dt, cur, out)
                  : mgn_scenario_pnl(m, nm, p, np, sh, ns, dt, cur, out);
}

static void expect_bad(const mgn_market *m, size_t nm, const mgn_position *p, size_t np,
                       const mgn_shock *sh, size_t ns, double dt, int cur, int status)
{
    for (int matrix = 0; matrix < 2; matrix++) {
        double out[8] = { 42, 42, 42, 42, 42, 42, 42, 42 };
        assert_int_equal(run(m, nm, p, np, sh, ns, dt, cur, out, matrix), status);
        for (int k = 0; k < 8; k++)
            assert_true(out[k] == 42);
    }
}

/* Runs both forms and expects `status` with every output NaN (a failure found while
   computing), n_out outputs. */
static void expect_nan(const mgn_market *m, size_t nm, const mgn_position *p, size_t np,
                       const mgn_shock *sh, size_t ns, int status)
{
    static double out[4096];
    for (int matrix = 0; matrix < 2; matrix++) {
        size_t n_out = matrix ? ns * np : ns;
        assert_true(n_out <= 4096);
        for (size_t k = 0; k < n_out; k++)
            out[k] = 42;
        assert_int_equal(run(m, nm, p, np, sh, ns, 0, MGN_QUOTE, out, matrix), status);
        for (size_t k = 0; k < n_out; k++)
            assert_true(isnan(out[k]));
    }
}

/* Values that overflow while the P&L is computed: every output NaN, MGN_ERANGE, on
   every path (one scenario per pass, across scenarios, flattened, several
   underlyings, delta-one contracts, the totals). */
static void test_overflow(void **state)
{
    (void)state;
    /* today's value of an option already overflows (forward e^1000 S) */
    mgn_market mc[2] = { { 100, 0, -1 }, { 100, 0, 0 } };
    mgn_position o = ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 1, 1, 100, 1000, 0.3);
    static mgn_shock sh[2 * 300];
    for (size_t k = 0; k < 600; k++)
        sh[k] = (mgn_shock){ k % 2 ? 0.0 : 0.79, 0 };
    expect_nan(mc, 2, &o, 1, sh, 1, MGN_ERANGE);
    /* spot 1e308, carry -1%: finite today, S (1 + 0.79) e^{0.01} overflows in the
       +79% scenario; the other underlying is not moved */
    mgn_market mh[2] = { { 1e308, 0, -0.01 }, { 100, 0, 0 } };
    mgn_position books[3][4];
    size_t nb[3] = { 1, 4, 2 };
    for (int k = 0; k < 4; k++)
        books[1][k] = ref_option(0, k % 2 ? MGN_PUT : MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 1e-300, 1,
                                 1e308 * (1 + 0.1 * k), 1, 0.3);
    books[0][0] = books[1][0];
    books[2][0] = books[1][0];
    books[2][1] = ref_option(1, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 1, 1, 100, 1, 0.3);
    size_t ns[4] = { 1, 3, 40, 300 };
    for (int b = 0; b < 3; b++)
        for (int j = 0; j < 4; j++)
            expect_nan(mh, 2, books[b], nb[b], sh, ns[j], MGN_ERANGE);
    /* delta-one: a future worth infinity today, one worth infinity in a scenario */
    mgn_position f = ref_future(0, MGN_LINEAR, 1, 1, 1000, 100);
    expect_nan(mc, 2, &f, 1, sh, 2, MGN_ERANGE);
    f = ref_future(0, MGN_LINEAR, 1e-300, 1, 1, 1e308);
    expect_nan(mh, 2, &f, 1, sh, 2, MGN_ERANGE);
    /* each position's P&L finite (1e308), their sum not */
    mgn_market m1[2] = { { 1e308, 0, 0 }, { 100, 0, 0 } };
    mgn_position two[2] = { ref_perp(0, MGN_LINEAR, 1.5, 1, 1e308), ref_perp(0, MGN_LINEAR, 1.5, 1, 1e308) };
    mgn_shock up[2] = { { 0.79, 0 }, { 0, 0 } };
    double out[2];
    assert_int_equal(mgn_scenario_pnl_matrix(m1, 2, two, 2, up, 1, 0, MGN_QUOTE, out), MGN_OK);
    assert_close(out[0], 1.5 * 0.79e308, 1e-15, 0);
    assert_int_equal(mgn_scenario_pnl(m1, 2, two, 2, up, 1, 0, MGN_QUOTE, out), MGN_ERANGE);
    assert_true(isnan(out[0]));
}

/* An option whose S / K is not a normal number (here S / K = 1e310 overflows) is
   valued by the scalar pricer throughout: P&L = q (C(S1) - C(S)). */
static void test_extreme_moneyness(void **state)
{
    (void)state;
    mgn_market m[1] = { { 1e300, 0.01, 0 } };
    mgn_position o[2] = { ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 2, 1, 1e-10, 0.5, 0.3),
                          ref_option(0, MGN_PUT, MGN_LINEAR, MGN_EUROPEAN, 2, 1, 1e-10, 0.5, 0.3) };
    mgn_shock sh[3] = { { 0.1, 0 }, { -0.5, 0.2 }, { 0, 0 } };
    double out[6];
    assert_int_equal(mgn_scenario_pnl_matrix(m, 1, o, 2, sh, 3, 0.1, MGN_QUOTE, out), MGN_OK);
    for (int s = 0; s < 3; s++) {
        double c0, c1, p0, p1;
        assert_int_equal(mgn_bs_price(MGN_CALL, 1e300, 1e-10, 0.5, 0.01, 0, 0.3, &c0), MGN_OK);
        assert_int_equal(mgn_bs_price(MGN_CALL, 1e300 * (1 + sh[s].price), 1e-10, 0.4, 0.01, 0,
                                      0.3 + sh[s].vol, &c1), MGN_OK);
        assert_int_equal(mgn_bs_price(MGN_PUT, 1e300, 1e-10, 0.5, 0.01, 0, 0.3, &p0), MGN_OK);
        assert_int_equal(mgn_bs_price(MGN_PUT, 1e300 * (1 + sh[s].price), 1e-10, 0.4, 0.01, 0,
                                      0.3 + sh[s].vol, &p1), MGN_OK);
        assert_close(out[2 * s], 2 * (c1 - c0), 1e-12, 0);
        assert_true(out[2 * s + 1] == 0 && p0 == 0 && p1 == 0);
    }
    /* a matrix with no positions: nothing to write */
    assert_int_equal(mgn_scenario_pnl_matrix(m, 1, o, 0, sh, 3, 0, MGN_QUOTE, out), MGN_OK);
}

static void test_bad_input(void **state)
{
    (void)state;
    mgn_market m[2] = { { 100, 0.01, 0 }, { 50, 0, 0 } };
    mgn_position good[2] = { ref_option(0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 1, 1, 100, 0.5, 0.4),
                             ref_future(1, MGN_INVERSE, -1, 10, 0.5, 49) };
    mgn_shock sh[4] = { { 0.1, 0.1 }, { -0.1, 0 }, { 0, 0 }, { 0.2, -0.1 } };
    double out[4];
    assert_int_equal(mgn_scenario_pnl(m, 2, good, 2, sh, 2, 0.01, MGN_QUOTE, out), MGN_OK);
    assert_int_equal(mgn_scenario_pnl_matrix(m, 2, good, 2, sh, 2, 0.01, 1, out), MGN_OK);

    /* NULL pointers */
    expect_bad(NULL, 2, good, 2, sh, 2, 0, -1, MGN_EINVAL);
    expect_bad(m, 2, NULL, 2, sh, 2, 0, -1, MGN_EINVAL);
    expect_bad(m, 2, good, 2, NULL, 2, 0, -1, MGN_EINVAL);
    assert_int_equal(mgn_scenario_pnl(m, 2, good, 2, sh, 2, 0, -1, NULL), MGN_EINVAL);
    assert_int_equal(mgn_scenario_pnl_matrix(m, 2, good, 2, sh, 2, 0, -1, NULL), MGN_EINVAL);
    /* dt, currency */
    for (int k = 0; k < 3; k++)
        expect_bad(m, 2, good, 2, sh, 2, mgn_test_nonfinite[k], -1, MGN_EINVAL);
    expect_bad(m, 2, good, 2, sh, 2, -1e-9, -1, MGN_EINVAL);
    expect_bad(m, 2, good, 2, sh, 2, 0, -2, MGN_EINVAL);
    expect_bad(m, 2, good, 2, sh, 2, 0, 2, MGN_EINVAL);
    /* absurd counts */
    expect_bad(m, (size_t)INT32_MAX + 1, good, 2, sh, 2, 0, -1, MGN_ERANGE);
    expect_bad(m, 2, good, 2, sh, SIZE_MAX / 2 + 2, 0, -1, MGN_ERANGE);
    assert_int_equal(mgn_scenario_pnl_matrix(m, 2, good, 2, sh, SIZE_MAX / 8, 0, -1, out), MGN_ERANGE);
    assert_int_equal(mgn_scenario_pnl(m, 1, good, 1, sh, SIZE_MAX / 8 + 1, 0, -1, out), MGN_ERANGE);
    /* markets */
    for (int k = 0; k < 3; k++) {
        mgn_market b[2] = { m[0], m[1] };
        b[1].spot = mgn_test_nonfinite[k];
        expect_bad(b, 2, good, 2, sh, 2, 0, -1, MGN_EINVAL);
        b[1] = m[1];
        b[0].rate = mgn_test_nonfinite[k];
        expect_bad(b, 2, good, 2, sh, 2, 0, -1, MGN_EINVAL);
        b[0] = m[0];
        b[0].carry = mgn_test_nonfinite[k];
        expect_bad(b, 2, good, 2, sh, 2, 0, -1, MGN_EINVAL);
    }
    {
        mgn_market b[2] = { m[0], { 0, 0, 0 } };
        expect_bad(b, 2, good, 2, sh, 2, 0, -1, MGN_EINVAL);
        b[1].spot = -5;
        expect_bad(b, 2, good, 2, sh, 2, 0, -1, MGN_EINVAL);
    }
    /* shocks */
    for (int k = 0; k < 3; k++) {
        mgn_shock b[4] = { sh[0], sh[1], sh[2], sh[3] };
        b[3].price = mgn_test_nonfinite[k];
        expect_bad(m, 2, good, 2, b, 2, 0, -1, MGN_EINVAL);
        b[3] = sh[3];
        b[2].vol = mgn_test_nonfinite[k];
        expect_bad(m, 2, good, 2, b, 2, 0, -1, MGN_EINVAL);
    }
    {
        mgn_shock b[4] = { sh[0], sh[1], sh[2], { -1, 0 } };
        expect_bad(m, 2, good, 2, b, 2, 0, -1, MGN_EINVAL);
        b[3].price = -3;
        expect_bad(m, 2, good, 2, b, 2, 0, -1, MGN_EINVAL);
        mgn_market big[2] = { m[0], { 1e308, 0, 0 } };
        b[3].price = 10;
        expect_bad(big, 2, good, 2, b, 2, 0, -1, MGN_ERANGE);
    }
    /* every field of a position */
    for (int which = 0; which < 2; which++) {
        mgn_position base = good[which];
        mgn_position bad[40];
        int nb = 0;
        for (int k = 0; k < 3; k++) {
            double x = mgn_test_nonfinite[k];
            bad[nb] = base; bad[nb++].quantity = x;
            bad[nb] = base; bad[nb++].multiplier = x;
            bad[nb] = base; bad[nb++].strike = x;
            bad[nb] = base; bad[nb++].expiry = x;
            bad[nb] = base; bad[nb++].vol = x;
            bad[nb] = base; bad[nb++].entry_price = x;
        }
        bad[nb] = base; bad[nb++].multiplier = 0;
        bad[nb] = base; bad[nb++].multiplier = -1;
        bad[nb] = base; bad[nb++].expiry = -1e-9;
        bad[nb] = base; bad[nb++].vol = -0.1;
        bad[nb] = base; bad[nb++].underlying = 2;
        bad[nb] = base; bad[nb++].underlying = -1;
        bad[nb] = base; bad[nb++].reserved = 1;
        bad[nb] = base; bad[nb++].instrument = 3;
        bad[nb] = base; bad[nb++].instrument = -1;
        bad[nb] = base; bad[nb++].settlement = 2;
        if (which == 0) {
            bad[nb] = base; bad[nb++].strike = 0;
            bad[nb] = base; bad[nb++].strike = -100;
            bad[nb] = base; bad[nb++].option_type = 2;
            bad[nb] = base; bad[nb++].exercise = 2;
        } else {
            bad[nb] = base; bad[nb++].entry_price = 0;
            bad[nb] = base; bad[nb++].entry_price = -5;
        }
        for (int k = 0; k < nb; k++) {
            mgn_position two[2] = { good[0], good[1] };
            two[which] = bad[k];
            expect_bad(m, 2, two, 2, sh, 2, 0, -1, MGN_EINVAL);
        }
    }
    /* n_scen == 0: nothing to do, NULLs allowed for the outputs */
    assert_int_equal(mgn_scenario_pnl(m, 2, good, 2, NULL, 0, 0, -1, NULL), MGN_OK);
    /* empty book: zeros */
    out[0] = out[1] = 5;
    assert_int_equal(mgn_scenario_pnl(m, 2, NULL, 0, sh, 2, 0, -1, out), MGN_OK);
    assert_true(out[0] == 0 && out[1] == 0);
}

/*---------------------------------------------------------------- bad input catalogue */
/* Every argument of both functions with the bad values of the catalogue
   (tests/README.md, tests/bad_input.h). */
#include "bad_input.h"

enum { BAD_NSCEN = 2 };

typedef struct {
    int matrix;
    const mgn_shock *shocks;
    size_t n_scen;
    double dt;
    int currency;
    int null_pnl;
} bad_scen_args;

static int bad_scen_run(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                        size_t n_pos, const bad_scen_args *a)
{
    double pnl[BAD_NSCEN * BAD_BOOK_MAX];
    bad_fill(pnl, sizeof pnl);
    double *out = a->null_pnl ? NULL : pnl;
    int st = a->matrix
        ? mgn_scenario_pnl_matrix(mkt, n_mkt, pos, n_pos, a->shocks, a->n_scen, a->dt, a->currency, out)
        : mgn_scenario_pnl(mkt, n_mkt, pos, n_pos, a->shocks, a->n_scen, a->dt, a->currency, out);
    if (st != MGN_OK)
        BAD_UNTOUCHED(pnl, sizeof pnl);   /* every bad input is caught before writing */
    return st;
}

static int bad_call_scen(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                         size_t n_pos, int which, void *ctx)
{
    (void)which;
    return bad_scen_run(mkt, n_mkt, pos, n_pos, ctx);
}

static void test_bad_input_scenario(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    mgn_market mk[BAD_NMKT];
    mgn_position pos[BAD_NPOS];
    bad_default_book(mk, pos);
    mgn_shock sh[BAD_NSCEN * BAD_NMKT] = { { 0.1, 0.05 }, { -0.1, 0 }, { -0.2, -0.1 }, { 0.3, 0 } };
    for (int matrix = 0; matrix < 2; matrix++) {
        const char *fn = matrix ? "mgn_scenario_pnl_matrix" : "mgn_scenario_pnl";
        const bad_scen_args good = { matrix, sh, BAD_NSCEN, 1.0 / 365, MGN_QUOTE, 0 };
        bad_scen_args a = good;
        bad_book_mutations(fn, "mkt[]", "pos[]", bad_call_scen, &a, mk, BAD_NMKT, pos, BAD_NPOS, 0, 1);
        BAD_STATUS(fn, "mkt", "NULL (n_mkt = 2)", MGN_EINVAL, bad_scen_run(NULL, BAD_NMKT, pos, BAD_NPOS, &a));
        BAD_STATUS(fn, "n_mkt", "0 (positions on underlying 0)", MGN_EINVAL,
                   bad_scen_run(mk, 0, pos, BAD_NPOS, &a));
        for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
            BAD_STATUS(fn, "n_mkt", BAD_SIZES[s].label, MGN_ERANGE,
                       bad_scen_run(mk, BAD_SIZES[s].v, pos, BAD_NPOS, &a));
        BAD_STATUS(fn, "pos", "NULL (n_pos = 3)", MGN_EINVAL, bad_scen_run(mk, BAD_NMKT, NULL, BAD_NPOS, &a));
        for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
            BAD_STATUS(fn, "n_pos", BAD_SIZES_NULL[s].label, MGN_EINVAL,
                       bad_scen_run(mk, BAD_NMKT, NULL, BAD_SIZES[s].v, &a));
        /* shocks */
        a.shocks = NULL;
        BAD_STATUS(fn, "shocks", "NULL (n_scen = 2)", MGN_EINVAL, bad_scen_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
        a = good;
        static const bad_double bad_price[] = { BAD_NONFINITE, { "-1", -1 }, { "-2", -2 },
                                                { "-1e300", -1e300 } };
        for (size_t k = 0; k < BAD_N(bad_price); k++) {
            mgn_shock s2[BAD_NSCEN * BAD_NMKT];
            memcpy(s2, sh, sizeof s2);
            s2[3].price = bad_price[k].v;
            a.shocks = s2;
            BAD_STATUS(fn, "shocks[].price", bad_price[k].label, MGN_EINVAL,
                       bad_scen_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
            if (k < 3) {
                s2[3].price = 0;
                s2[3].vol = bad_price[k].v;
                BAD_STATUS(fn, "shocks[].vol", bad_price[k].label, MGN_EINVAL,
                           bad_scen_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
            }
            s2[3] = sh[3];
            s2[1].price = 1e308;          /* spot 2000 * (1 + 1e308) overflows */
            BAD_STATUS(fn, "shocks[].price", "1e308 (S (1 + price) overflows)", MGN_ERANGE,
                       bad_scen_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
        }
        a = good;
        /* n_scen: absurd counts overflow the output size; with shocks NULL, EINVAL */
        a.n_scen = SIZE_MAX;
        BAD_STATUS(fn, "n_scen", "SIZE_MAX", MGN_ERANGE, bad_scen_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
        a.n_scen = SIZE_MAX / 2;
        BAD_STATUS(fn, "n_scen", "SIZE_MAX/2", MGN_ERANGE, bad_scen_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
        a.n_scen = (size_t)INT_MAX + 1;
        a.shocks = NULL;
        BAD_STATUS(fn, "n_scen", "INT_MAX+1 (shocks NULL)", MGN_EINVAL,
                   bad_scen_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
        a = good;
        a.n_scen = 0;
        a.shocks = NULL;
        a.null_pnl = 1;
        BAD_STATUS_NOTE(fn, "n_scen", "0 (shocks and pnl NULL)", MGN_OK, "nothing written",
                        bad_scen_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
        a = good;
        for (size_t k = 0; k < BAD_N(BAD_D_NONNEG); k++) {
            a.dt = BAD_D_NONNEG[k].v;
            BAD_STATUS(fn, "dt", BAD_D_NONNEG[k].label, MGN_EINVAL, bad_scen_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
        }
        a = good;
        for (size_t k = 0; k < BAD_N(BAD_CURRENCY); k++) {
            a.currency = BAD_CURRENCY[k].v;
            BAD_STATUS(fn, "currency", BAD_CURRENCY[k].label, MGN_EINVAL,
                       bad_scen_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
        }
        a = good;
        a.null_pnl = 1;
        BAD_STATUS(fn, "pnl", "NULL (n_scen = 2)", MGN_EINVAL, bad_scen_run(mk, BAD_NMKT, pos, BAD_NPOS, &a));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_brute_force),
        cmocka_unit_test(test_brute_force_random),
        cmocka_unit_test(test_edge_options),
        cmocka_unit_test(test_zero_scenario_exact),
        cmocka_unit_test(test_small_books_many_scenarios),
        cmocka_unit_test(test_zero_scenarios_small_books),
        cmocka_unit_test(test_flattened_small_products),
        cmocka_unit_test(test_far_wing_values),
        cmocka_unit_test(test_subnormal_spot_move),
        cmocka_unit_test(test_inverse_future_formula),
        cmocka_unit_test(test_coin_quote_consistent),
        cmocka_unit_test(test_opposite_and_scaling),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_extreme_moneyness),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_bad_input_scenario),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
