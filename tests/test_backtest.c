/* Tests of lib/backtest.c: Kupiec POF, Christoffersen independence and conditional
 * coverage, Basel traffic-light zones.
 *
 * Independent references (tests/data/var_backtest_published.csv, with sources):
 *   - MathWorks varbacktest's published cc/cci/pof example (1043 days, 95%);
 *   - a published Kupiec worked example (250 days, 99%, 3 exceptions);
 *   - the BCBS 1996 traffic-light table (zones and cumulative probabilities);
 *   - closed forms of the statistics for x = 0, and a direct binomial sum for the
 *     cumulative probability at other T and c.
 */
#include <stdlib.h>
#include "test_util.h"

/* A series with the given transition counts, first day 0: n01 runs of exceptions,
   n11 of them extended by one more day; requires n10 == n01 (ends in 0). */
static int *series(size_t n, size_t n00, size_t n01, size_t n10, size_t n11)
{
    int *e = calloc(n, sizeof *e);
    size_t t = 1, runs = 0, ext = 0;
    (void)n10;
    /* zeros are spread: each run preceded by a block of zeros */
    size_t zeros_between = n01 ? n00 / n01 : n00;
    for (; runs < n01; runs++) {
        t += zeros_between;
        e[t++] = 1;
        if (ext < n11) { e[t++] = 1; ext++; }
        t++;    /* back to 0 */
    }
    assert_true(t <= n);
    return e;
}

static void test_published(void **state)
{
    (void)state;
    FILE *f = fopen("tests/data/var_backtest_published.csv", "r");
    assert_non_null(f);
    char line[1024];
    int n_series = 0, n_zone = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (strncmp(line, "zone,", 5) == 0) {
            unsigned long T, x;
            double c, cp;
            int z, zone = -1;
            assert_int_equal(sscanf(line + 5, "%lu,%lf,%lu,%d,%lf", &T, &c, &x, &z, &cp), 5);
            double cum = -1;
            assert_int_equal(mgn_backtest_zone(T, x, c, &zone, &cum), MGN_OK);
            assert_int_equal(zone, z);
            assert_close(100 * cum, cp, 0, 0.005 + 1e-9);
            n_zone++;
            continue;
        }
        unsigned long T, n00, n01, n10, n11;
        double c, v[6], tol;
        assert_int_equal(sscanf(line, "%lu,%lf,%lu,%lu,%lu,%lu,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &T, &c,
                                &n00, &n01, &n10, &n11, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tol), 13);
        int *e = series(T, n00, n01, n10, n11);
        mgn_backtest_result r;
        assert_int_equal(mgn_backtest(e, T, c, &r), MGN_OK);
        assert_int_equal(r.n00, n00);
        assert_int_equal(r.n01, n01);
        assert_int_equal(r.n10, n10);
        assert_int_equal(r.n11, n11);
        assert_int_equal(r.n_exceptions, n01 + n11);
        double got[6] = { r.lr_pof, r.p_pof, r.lr_ind, r.p_ind, r.lr_cc, r.p_cc };
        for (int k = 0; k < 6; k++)
            if (v[k] >= 0)
                assert_close(got[k], v[k], 0, tol);
        free(e);
        n_series++;
    }
    fclose(f);
    assert_int_equal(n_series, 1);
    assert_int_equal(n_zone, 5);
}

/* BCBS zones at 250 / 99% for every count, and the binomial rule elsewhere against a
   direct sum. */
static void test_zones(void **state)
{
    (void)state;
    for (size_t x = 0; x <= 250; x++) {
        int z;
        double cp;
        assert_int_equal(mgn_backtest_zone(250, x, 0.99, &z, &cp), MGN_OK);
        assert_int_equal(z, x <= 4 ? MGN_ZONE_GREEN : x <= 9 ? MGN_ZONE_YELLOW : MGN_ZONE_RED);
    }
    static const struct { size_t T; double c; } cs[] = { { 500, 0.95 }, { 1000, 0.99 }, { 250, 0.975 }, { 60, 0.9 } };
    for (int i = 0; i < 4; i++) {
        double p = 1 - cs[i].c, cum = 0;
        for (size_t x = 0; x <= cs[i].T; x++) {
            /* P(X = x) by lgamma */
            double lp = lgamma((double)cs[i].T + 1) - lgamma((double)x + 1) - lgamma((double)(cs[i].T - x) + 1)
                        + (double)x * log(p) + (double)(cs[i].T - x) * log1p(-p);
            cum += exp(lp);
            int z;
            double cp;
            assert_int_equal(mgn_backtest_zone(cs[i].T, x, cs[i].c, &z, &cp), MGN_OK);
            assert_close(cp, cum > 1 ? 1 : cum, 1e-9, 1e-12);
            if (fabs(cum - 0.95) > 1e-9 && fabs(cum - 0.9999) > 1e-9)
                assert_int_equal(z, cum < 0.95 ? 0 : cum < 0.9999 ? 1 : 2);
        }
    }
}

static void test_closed_forms(void **state)
{
    (void)state;
    int e[500] = { 0 };
    mgn_backtest_result r;
    assert_int_equal(mgn_backtest(e, 500, 0.99, &r), MGN_OK);
    assert_close(r.lr_pof, -2 * 500 * log(0.99), 1e-13, 0);
    assert_true(r.lr_ind == 0 && r.p_ind == 1);
    assert_int_equal(r.zone, MGN_ZONE_GREEN);
    /* 5 exceptions, isolated vs clustered: same POF, clustering raises LR_ind */
    for (int i = 0; i < 5; i++) e[50 + 90 * i] = 1;
    mgn_backtest_result iso, clu;
    assert_int_equal(mgn_backtest(e, 500, 0.99, &iso), MGN_OK);
    memset(e, 0, sizeof e);
    for (int i = 0; i < 5; i++) e[200 + i] = 1;
    assert_int_equal(mgn_backtest(e, 500, 0.99, &clu), MGN_OK);
    assert_close(iso.lr_pof, clu.lr_pof, 1e-15, 0);
    assert_close(iso.lr_pof, 0, 0, 1e-12);             /* x/T == p exactly: LR = 0 */
    assert_true(clu.lr_ind > 10 && clu.p_ind < 0.01);
    assert_true(iso.lr_ind < 0.2);
    assert_close(clu.lr_cc, clu.lr_pof + clu.lr_ind, 1e-15, 0);
    /* all exceptions: LR = -2 T ln p */
    for (int i = 0; i < 500; i++) e[i] = 1;
    assert_int_equal(mgn_backtest(e, 500, 0.99, &r), MGN_OK);
    assert_close(r.lr_pof, -2 * 500 * log(0.01), 1e-13, 0);
    assert_int_equal(r.zone, MGN_ZONE_RED);
    /* single observation */
    assert_int_equal(mgn_backtest(e, 1, 0.99, &r), MGN_OK);
    assert_int_equal(r.n00 + r.n01 + r.n10 + r.n11, 0);
    /* exceptions from P&L and VaR: strictly beyond */
    double pnl[4] = { -10, -5, 3, -5.0000001 }, var[4] = { 5, 5, 5, 5 };
    int ex[4] = { 9, 9, 9, 9 };
    assert_int_equal(mgn_backtest_exceptions(pnl, var, 4, ex), MGN_OK);
    assert_true(ex[0] == 1 && ex[1] == 0 && ex[2] == 0 && ex[3] == 1);
}

/* Exception counts that match the model exactly: the likelihood ratios are 0 up to
   rounding, never negative, and the p-values 1. x / T = p for the POF; equal
   transition frequencies pi0 = pi1 = pi for the independence test. */
static void test_exact_fit(void **state)
{
    (void)state;
    static int e[2000];
    const double confs[] = { 0.99, 0.95, 0.9, 0.975, 0.8, 0.75 };
    for (int ci = 0; ci < 6; ci++) {
        int every = (int)(1 / (1 - confs[ci]) + 0.5);   /* one exception in `every` days */
        for (int blocks = 1; blocks <= 20; blocks++) {
            int n = every * blocks;
            for (int t = 0; t < n; t++)
                e[t] = t % every == every - 1;
            mgn_backtest_result r;
            assert_int_equal(mgn_backtest(e, (size_t)n, confs[ci], &r), MGN_OK);
            assert_int_equal(r.n_exceptions, (size_t)blocks);
            assert_true(r.lr_pof >= 0 && r.lr_pof < 1e-9);
            assert_close(r.p_pof, 1, 1e-4, 0);
            assert_true(r.lr_ind >= 0 && r.lr_cc >= r.lr_pof);
        }
    }
    /* transitions n00 = 2, n01 = 1, n10 = 2, n11 = 1: pi0 = pi1 = 1/3, no dependence */
    int dep[7] = { 1, 0, 0, 0, 1, 1, 0 };
    mgn_backtest_result r;
    assert_int_equal(mgn_backtest(dep, 7, 0.5, &r), MGN_OK);
    assert_true(r.n00 == 2 && r.n01 == 1 && r.n10 == 2 && r.n11 == 1);
    assert_true(r.lr_ind >= 0 && r.lr_ind < 1e-12);
    assert_close(r.p_ind, 1, 1e-5, 0);
    /* blocks of exceptions as long as the gaps between them */
    for (int len = 1; len <= 6; len++)
        for (int reps = 2; reps <= 40; reps++) {
            int n = 2 * len * reps;
            for (int t = 0; t < n; t++)
                e[t] = (t / len) % 2;
            mgn_backtest_result r;
            assert_int_equal(mgn_backtest(e, (size_t)n, 0.5, &r), MGN_OK);
            assert_true(r.lr_pof >= 0 && r.lr_pof < 1e-9);
            assert_true(r.lr_ind >= 0);
            assert_int_equal(r.n00 + r.n01 + r.n10 + r.n11, (size_t)n - 1);
        }
}

static void test_bad_input(void **state)
{
    (void)state;
    int e[10] = { 0, 1, 0, 0, 0, 0, 0, 1, 0, 0 };
    mgn_backtest_result r;
    memset(&r, 0x5a, sizeof r);
    mgn_backtest_result r0 = r;
    assert_int_equal(mgn_backtest(NULL, 10, 0.99, &r), MGN_EINVAL);
    assert_int_equal(mgn_backtest(e, 10, 0.99, NULL), MGN_EINVAL);
    assert_int_equal(mgn_backtest(e, 0, 0.99, &r), MGN_EINVAL);
    /* more days than an unsigned int counts: refused before the array is read */
    assert_int_equal(mgn_backtest(e, (size_t)UINT32_MAX + 1, 0.99, &r), MGN_ERANGE);
    static const double badc[] = { 0, 1, -1, 2, NAN, INFINITY };
    for (int i = 0; i < 6; i++)
        assert_int_equal(mgn_backtest(e, 10, badc[i], &r), MGN_EINVAL);
    e[3] = 2;
    assert_int_equal(mgn_backtest(e, 10, 0.99, &r), MGN_EINVAL);
    e[3] = -1;
    assert_int_equal(mgn_backtest(e, 10, 0.99, &r), MGN_EINVAL);
    assert_memory_equal(&r, &r0, sizeof r);
    int z = 7;
    double cp = 8;
    assert_int_equal(mgn_backtest_zone(0, 0, 0.99, &z, &cp), MGN_EINVAL);
    assert_int_equal(mgn_backtest_zone(10, 11, 0.99, &z, &cp), MGN_EINVAL);
    assert_int_equal(mgn_backtest_zone(10, 1, 0.99, NULL, &cp), MGN_EINVAL);
    assert_int_equal(mgn_backtest_zone(10, 1, NAN, &z, &cp), MGN_EINVAL);
    assert_int_equal(mgn_backtest_zone((size_t)UINT32_MAX + 1, 1, 0.99, &z, &cp), MGN_ERANGE);
    assert_true(z == 7 && cp == 8);
    assert_int_equal(mgn_backtest_zone(10, 1, 0.99, &z, NULL), MGN_OK);
    double pnl[2] = { 1, NAN }, var[2] = { 1, 1 };
    int ex[2] = { 5, 5 };
    assert_int_equal(mgn_backtest_exceptions(pnl, var, 2, ex), MGN_EINVAL);
    pnl[1] = 0; var[0] = INFINITY;
    assert_int_equal(mgn_backtest_exceptions(pnl, var, 2, ex), MGN_EINVAL);
    assert_int_equal(mgn_backtest_exceptions(NULL, var, 2, ex), MGN_EINVAL);
    assert_int_equal(mgn_backtest_exceptions(pnl, NULL, 2, ex), MGN_EINVAL);
    assert_int_equal(mgn_backtest_exceptions(pnl, var, 2, NULL), MGN_EINVAL);
    assert_int_equal(mgn_backtest_exceptions(pnl, var, 0, ex), MGN_EINVAL);
    assert_true(ex[0] == 5 && ex[1] == 5);
    assert_int_equal(mgn_sizeof_backtest_result(), sizeof(mgn_backtest_result));
}

/* The documented limit of the cumulative probability: GSL's incomplete beta function
   does not converge for T of a few million with x near the mean (T = 2.5e6, c = 0.5,
   x = T / 2 here): MGN_ERANGE from the zone and from the whole backtest, nothing
   written. A smaller T at the same rate still works. */
static void test_zone_no_convergence(void **state)
{
    (void)state;
    enum { T = 2500000 };
    int z = 7;
    double cp = 8;
    assert_int_equal(mgn_backtest_zone(T, T / 2, 0.5, &z, &cp), MGN_ERANGE);
    assert_true(z == 7 && cp == 8);
    assert_int_equal(mgn_backtest_zone(1000, 500, 0.5, &z, &cp), MGN_OK);
    assert_int_equal(z, MGN_ZONE_GREEN);
    assert_close(cp, 0.5 + 0.5 * 0.02522501817836, 1e-9, 0);   /* (1 + P(X = 500)) / 2 */
    int *e = malloc(T * sizeof *e);
    assert_non_null(e);
    for (size_t t = 0; t < T; t++)
        e[t] = (int)(t % 2);
    mgn_backtest_result r;
    memset(&r, 0x5a, sizeof r);
    mgn_backtest_result r0 = r;
    assert_int_equal(mgn_backtest(e, T, 0.5, &r), MGN_ERANGE);
    assert_memory_equal(&r, &r0, sizeof r);
    free(e);
}

/*---------------------------------------------------------------- bad input catalogue */
/* Every argument of every function of this file with the bad values of the catalogue
   (tests/README.md, tests/bad_input.h). */
#include "bad_input.h"

static void test_bad_input_backtest(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    enum { N = 10 };
    const double pnl[N] = { 1, -2, 3, -5, 0.5, -0.1, 2, -3, 1, -1 };
    const double var[N] = { 2, 2, 2, 2, 2, 2, 2, 2, 2, 2 };
    int exc[N];
    /* mgn_backtest_exceptions */
    const char *fn = "mgn_backtest_exceptions";
#define EXC_CALL(p, v, n, e, arg, label)                                              \
    do {                                                                              \
        bad_fill(exc, sizeof exc);                                                    \
        BAD_STATUS(fn, arg, label, MGN_EINVAL, mgn_backtest_exceptions(p, v, n, e));  \
        BAD_UNTOUCHED(exc, sizeof exc);                                               \
    } while (0)
    EXC_CALL(NULL, var, N, exc, "pnl", "NULL");
    EXC_CALL(pnl, NULL, N, exc, "var", "NULL");
    BAD_STATUS(fn, "exceptions", "NULL", MGN_EINVAL, mgn_backtest_exceptions(pnl, var, N, NULL));
    EXC_CALL(pnl, var, 0, exc, "n", "0");
    for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
        EXC_CALL(NULL, NULL, BAD_SIZES[s].v, exc, "n", BAD_SIZES_NULL[s].label);
    for (size_t k = 0; k < BAD_N(BAD_D_FINITE); k++) {
        double p2[N], v2[N];
        memcpy(p2, pnl, sizeof p2);
        memcpy(v2, var, sizeof v2);
        p2[N - 1] = BAD_D_FINITE[k].v;
        v2[3] = BAD_D_FINITE[k].v;
        EXC_CALL(p2, var, N, exc, "pnl[i]", BAD_D_FINITE[k].label);
        EXC_CALL(pnl, v2, N, exc, "var[i]", BAD_D_FINITE[k].label);
    }
#undef EXC_CALL
    /* mgn_backtest */
    fn = "mgn_backtest";
    assert_int_equal(mgn_backtest_exceptions(pnl, var, N, exc), MGN_OK);
    mgn_backtest_result r;
#define BT_CALL(e, n, c, o, want, arg, label)                               \
    do {                                                                    \
        bad_fill(&r, sizeof r);                                             \
        BAD_STATUS(fn, arg, label, want, mgn_backtest(e, n, c, o));         \
        BAD_UNTOUCHED(&r, sizeof r);                                        \
    } while (0)
    BT_CALL(NULL, N, 0.99, &r, MGN_EINVAL, "exceptions", "NULL");
    static const bad_int bad_e[] = { { "2", 2 }, { "-1", -1 }, { "INT_MAX", INT_MAX }, { "INT_MIN", INT_MIN } };
    for (size_t k = 0; k < BAD_N(bad_e); k++) {
        int e2[N];
        memcpy(e2, exc, sizeof e2);
        e2[4] = bad_e[k].v;
        BT_CALL(e2, N, 0.99, &r, MGN_EINVAL, "exceptions[i]", bad_e[k].label);
    }
    BT_CALL(exc, 0, 0.99, &r, MGN_EINVAL, "n", "0");
    BT_CALL(exc, SIZE_MAX, 0.99, &r, MGN_ERANGE, "n", "SIZE_MAX (> UINT_MAX)");
    BT_CALL(exc, SIZE_MAX / 2, 0.99, &r, MGN_ERANGE, "n", "SIZE_MAX/2 (> UINT_MAX)");
    BT_CALL(NULL, (size_t)INT_MAX + 1, 0.99, &r, MGN_EINVAL, "n", "INT_MAX+1 (exceptions NULL)");
    for (size_t k = 0; k < BAD_N(BAD_D_UNIT_OPEN); k++)
        BT_CALL(exc, N, BAD_D_UNIT_OPEN[k].v, &r, MGN_EINVAL, "confidence", BAD_D_UNIT_OPEN[k].label);
    BAD_STATUS(fn, "out", "NULL", MGN_EINVAL, mgn_backtest(exc, N, 0.99, NULL));
#undef BT_CALL
    /* mgn_backtest_zone */
    fn = "mgn_backtest_zone";
    int zone;
    double cp;
#define ZONE_CALL(no, ne, c, z, want, arg, label)                                   \
    do {                                                                            \
        bad_fill(&zone, sizeof zone);                                               \
        bad_fill(&cp, sizeof cp);                                                   \
        BAD_STATUS(fn, arg, label, want, mgn_backtest_zone(no, ne, c, z, &cp));     \
        BAD_UNTOUCHED(&zone, sizeof zone);                                          \
        BAD_UNTOUCHED(&cp, sizeof cp);                                              \
    } while (0)
    ZONE_CALL(0, 0, 0.99, &zone, MGN_EINVAL, "n_obs", "0");
    ZONE_CALL(SIZE_MAX, 3, 0.99, &zone, MGN_ERANGE, "n_obs", "SIZE_MAX (> UINT_MAX)");
    ZONE_CALL(SIZE_MAX / 2, 3, 0.99, &zone, MGN_ERANGE, "n_obs", "SIZE_MAX/2 (> UINT_MAX)");
    ZONE_CALL(250, 251, 0.99, &zone, MGN_EINVAL, "n_exceptions", "n_obs + 1");
    ZONE_CALL(250, SIZE_MAX, 0.99, &zone, MGN_EINVAL, "n_exceptions", "SIZE_MAX");
    for (size_t k = 0; k < BAD_N(BAD_D_UNIT_OPEN); k++)
        ZONE_CALL(250, 3, BAD_D_UNIT_OPEN[k].v, &zone, MGN_EINVAL, "confidence", BAD_D_UNIT_OPEN[k].label);
    ZONE_CALL(250, 3, 0.99, NULL, MGN_EINVAL, "zone", "NULL");
    BAD_STATUS_NOTE(fn, "cum_prob", "NULL", MGN_OK, "optional output", mgn_backtest_zone(250, 3, 0.99, &zone, NULL));
#undef ZONE_CALL
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published),
        cmocka_unit_test(test_zones),
        cmocka_unit_test(test_closed_forms),
        cmocka_unit_test(test_exact_fit),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_zone_no_convergence),
        cmocka_unit_test(test_bad_input_backtest),
    };
    return cmocka_run_group_tests_name("backtest", tests, NULL, NULL);
}
