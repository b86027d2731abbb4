/* Tests of lib/cascade.c: mgn_cascade on hand-computed 3-account cases (linear and
 * square-root impact, insurance fund exhausted), determinism, bad input. */
#include <stdlib.h>
#include "test_util.h"

static mgn_std_tier TIER = { 0, 0.10, 0.05, 0 };
static mgn_position POS[3];
static mgn_balance BAL[3];
static mgn_account ACC[3];
static mgn_std_params SP;
static mgn_account_params PRM;
static const mgn_market MK[1] = { { 100, 0, 0 } };

static void setup3(double c0, double c1, double c2)
{
    double col[3] = { c0, c1, c2 };
    SP.struct_size = sizeof SP;
    mgn_std_preset(MGN_STD_PRESET_DEFAULT, &SP);
    SP.tiers = &TIER;
    SP.n_tiers = 1;
    mgn_account_params_init(&PRM);
    PRM.std = &SP;
    PRM.n_std = 1;
    for (int k = 0; k < 3; k++) {
        mgn_position p = { MGN_PERPETUAL, 0, 0, MGN_LINEAR, 0, 0, 10, 1, 0, 0, 0, 100 };
        mgn_balance b = { MGN_QUOTE, 0, col[k], 0, 0 };
        POS[k] = p;
        BAL[k] = b;
        memset(&ACC[k], 0, sizeof ACC[k]);
        ACC[k].struct_size = sizeof ACC[k];
        ACC[k].pos = &POS[k];
        ACC[k].n_pos = 1;
        ACC[k].bal = &BAL[k];
        ACC[k].n_bal = 1;
        ACC[k].currency = MGN_QUOTE;
    }
}

static mgn_cascade_params cparams(int model, double impact, double pen, double fund)
{
    mgn_cascade_params c;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    c.impact_model = model;
    c.max_rounds = 50;
    c.impact = impact;
    c.penalty_rate = pen;
    c.insurance_fund = fund;
    return c;
}

/* Each account: long 10 @ 100, MM 5%: liquidated when col + 10 (S - 100) < 0.5 S, i.e.
 * S < (1000 - col) / 9.5: 94.737 (col 100), 89.474 (150), 78.947 (250).
 * Shock -6%: S = 94 < 94.737, A goes (equity 40, fee 1% x 940 = 9.4); 10 units sold
 * into depth 200 at impact 1: -5% -> 89.3 < 89.474, B goes (equity 43, fee 8.93);
 * -5% -> 84.835 > 78.947: C survives; round 3 liquidates nothing. */
static void test_hand_linear(void **state)
{
    setup3(100, 150, 250);
    mgn_cascade_params cp = cparams(MGN_IMPACT_LINEAR, 1.0, 0.01, 1000);
    double shock[1] = { -0.06 }, depth[1] = { 200 };
    size_t ws;
    assert_int_equal(mgn_cascade_work_size(&PRM, 1, 3, 1, &ws), MGN_OK);
    void *w = malloc(ws);
    mgn_cascade_round rd[50];
    mgn_cascade_result r;
    mgn_market fin[1];
    assert_int_equal(mgn_cascade(MK, 1, ACC, 3, &PRM, &cp, shock, depth, w, ws, rd, fin, &r), MGN_OK);
    assert_int_equal(r.n_rounds, 2);
    assert_int_equal(r.converged, 1);
    assert_int_equal(r.n_liquidated, 2);
    assert_int_equal(rd[0].n_liquidated, 1);
    assert_close(rd[0].price, 89.3, 1e-14, 0);
    assert_close(rd[0].notional, 940, 1e-14, 0);
    assert_close(rd[0].fees, 9.4, 1e-14, 0);
    assert_close(rd[0].fund, 1009.4, 1e-14, 0);
    assert_close(rd[1].price, 84.835, 1e-14, 0);
    assert_close(rd[1].notional, 893, 1e-14, 0);
    assert_close(rd[1].fees, 8.93, 1e-14, 0);
    assert_close(r.fund, 1018.33, 1e-14, 0);
    assert_close(r.bad_debt, 0, 0, 0);
    assert_close(fin[0].spot, 84.835, 1e-14, 0);
    /* determinism */
    mgn_cascade_round rd2[50];
    mgn_cascade_result r2;
    assert_int_equal(mgn_cascade(MK, 1, ACC, 3, &PRM, &cp, shock, depth, w, ws, rd2, NULL, &r2), MGN_OK);
    assert_memory_equal(rd, rd2, r.n_rounds * sizeof rd[0]);
    assert_memory_equal(&r, &r2, sizeof r);
    free(w);
}

/* Shock -20%: S = 80. A: equity 100 - 200 = -100 (bad debt 100), B: -50; C: 50 >= MM
 * 40. Fund 120 pays A's 100 then 20 of B's 50: 30 uncovered. 20 units sold: -10% ->
 * 72: C's equity 250 - 280 = -30: bad debt 30, uncovered 60; -5% -> 68.4; then none. */
static void test_hand_bad_debt(void **state)
{
    setup3(100, 150, 250);
    mgn_cascade_params cp = cparams(MGN_IMPACT_LINEAR, 1.0, 0.01, 120);
    double shock[1] = { -0.2 }, depth[1] = { 200 };
    size_t ws;
    mgn_cascade_work_size(&PRM, 1, 3, 1, &ws);
    void *w = malloc(ws);
    mgn_cascade_round rd[50];
    mgn_cascade_result r;
    assert_int_equal(mgn_cascade(MK, 1, ACC, 3, &PRM, &cp, shock, depth, w, ws, rd, NULL, &r), MGN_OK);
    assert_int_equal(r.n_rounds, 2);
    assert_int_equal(rd[0].n_liquidated, 2);
    assert_close(rd[0].bad_debt, 150, 1e-14, 0);
    assert_close(rd[0].fund, 0, 0, 0);
    assert_close(rd[0].uncovered, 30, 1e-14, 0);
    assert_close(rd[0].price, 72, 1e-14, 0);
    assert_close(rd[1].bad_debt, 30, 1e-12, 0);
    assert_close(rd[1].uncovered, 60, 1e-12, 0);
    assert_close(rd[1].price, 68.4, 1e-14, 0);
    assert_close(r.uncovered, 60, 1e-12, 0);
    /* square root impact: one liquidation of 10 units, depth 200, impact 0.2:
       move -0.2 sqrt(0.05) */
    setup3(100, 150, 250);
    cp = cparams(MGN_IMPACT_SQRT, 0.2, 0, 0);
    shock[0] = -0.06;
    cp.max_rounds = 1;
    assert_int_equal(mgn_cascade(MK, 1, ACC, 3, &PRM, &cp, shock, depth, w, ws, rd, NULL, &r), MGN_OK);
    assert_int_equal(r.n_rounds, 1);
    assert_int_equal(r.converged, 0);
    assert_close(rd[0].price, 94 * (1 - 0.2 * sqrt(0.05)), 1e-14, 0);
    /* bad input */
    mgn_cascade_result keep;
    memset(&keep, 0x11, sizeof keep);
    r = keep;
    double bad_depth[1] = { 0 }, bad_shock[1] = { -1 };
    assert_int_equal(mgn_cascade(MK, 1, ACC, 3, &PRM, &cp, shock, bad_depth, w, ws, rd, NULL, &r), MGN_EINVAL);
    assert_int_equal(mgn_cascade(MK, 1, ACC, 3, &PRM, &cp, bad_shock, depth, w, ws, rd, NULL, &r), MGN_EINVAL);
    mgn_cascade_params b = cp; b.impact = NAN;
    assert_int_equal(mgn_cascade(MK, 1, ACC, 3, &PRM, &b, shock, depth, w, ws, rd, NULL, &r), MGN_EINVAL);
    b = cp; b.max_rounds = 0;
    assert_int_equal(mgn_cascade(MK, 1, ACC, 3, &PRM, &b, shock, depth, w, ws, rd, NULL, &r), MGN_EINVAL);
    b = cp; b.insurance_fund = -1;
    assert_int_equal(mgn_cascade(MK, 1, ACC, 3, &PRM, &b, shock, depth, w, ws, rd, NULL, &r), MGN_EINVAL);
    b = cp; b.report_underlying = 1;
    assert_int_equal(mgn_cascade(MK, 1, ACC, 3, &PRM, &b, shock, depth, w, ws, rd, NULL, &r), MGN_EINVAL);
    b = cp; b.impact_model = 5;
    assert_int_equal(mgn_cascade(MK, 1, ACC, 3, &PRM, &b, shock, depth, w, ws, rd, NULL, &r), MGN_EINVAL);
    POS[1].quantity = INFINITY;
    assert_int_equal(mgn_cascade(MK, 1, ACC, 3, &PRM, &cp, shock, depth, w, ws, rd, NULL, &r), MGN_EINVAL);
    POS[1].quantity = 10;
    assert_int_equal(mgn_cascade(MK, 1, ACC, 3, &PRM, &cp, shock, depth, w, 8, rd, NULL, &r), MGN_ENOMEM);
    assert_int_equal(mgn_cascade(MK, 1, ACC, 3, &PRM, &cp, shock, depth, w, ws, NULL, NULL, &r), MGN_EINVAL);
    /* an impact that pushes the price past DBL_MAX: MGN_ERANGE (it used to report an
       infinite price with MGN_OK) */
    mgn_market huge[1] = { { 1e307, 0, 0 } };
    POS[0].quantity = -10;
    POS[0].entry_price = 5e306;
    shock[0] = 0;
    depth[0] = 1;
    b = cparams(MGN_IMPACT_LINEAR, 100, 0.01, 0);   /* a move of +100 (the clamp) */
    assert_int_equal(mgn_cascade(huge, 1, ACC, 1, &PRM, &b, shock, depth, w, ws, rd, NULL, &r), MGN_ERANGE);
    assert_memory_equal(&r, &keep, sizeof r);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_linear),
        cmocka_unit_test(test_hand_bad_debt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
