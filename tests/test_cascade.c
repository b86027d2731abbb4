/* Tests of lib/cascade.c: mgn_cascade on hand-computed 3-account cases (linear and
 * square-root impact, insurance fund exhausted), determinism, bad input, overflows. */
#include <stdint.h>
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

/*---------------------------------------------------------------- bad input catalogue */
/* Every argument of both functions with the bad values of the catalogue
   (tests/README.md, tests/bad_input.h). */
#include "bad_input.h"

static double bad_ws[1 << 16];          /* 512 KB: enough for every mode here */

typedef struct {
    const mgn_cascade_params *cp;
    const double *shock, *depth;
    void *work;
    size_t work_size;
    int null_rounds, null_out;
    size_t n_acct;
} bad_cas_args;

static int bad_call_cascade(const mgn_market *mkt, size_t n_mkt, const mgn_account *acct,
                            const mgn_account_params *params, void *ctx)
{
    const bad_cas_args *a = ctx;
    mgn_cascade_round rounds[8];
    mgn_market fin[BAD_BOOK_MAX];
    mgn_cascade_result out;
    bad_fill(&out, sizeof out);
    int st = mgn_cascade(mkt, n_mkt, acct, a->n_acct, params, a->cp, a->shock, a->depth, a->work,
                         a->work_size, a->null_rounds ? NULL : rounds, fin, a->null_out ? NULL : &out);
    if (st != MGN_OK)
        BAD_UNTOUCHED(&out, sizeof out);   /* rounds and final_mkt: unspecified on failure */
    return st;
}

static void test_bad_input_cascade(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    const char *fn = "mgn_cascade";
    mgn_market mk[BAD_NMKT];
    mgn_position pos[BAD_NPOS];
    mgn_balance bal[2];
    bad_default_book(mk, pos);
    bad_default_balances(bal);
    mgn_account acct = bad_default_account(pos, bal);
    mgn_account_params prm;
    assert_int_equal(mgn_account_params_init(&prm), MGN_OK);
    mgn_cascade_params cp = cparams(MGN_IMPACT_SQRT, 0.5, 0.01, 1000);
    cp.max_rounds = 8;
    const double shock[BAD_NMKT] = { -0.1, -0.2 }, depth[BAD_NMKT] = { 1000, 50 };
    size_t need;
    assert_int_equal(mgn_cascade_work_size(&prm, BAD_NMKT, 1, BAD_NPOS, &need), MGN_OK);
    const bad_cas_args good = { &cp, shock, depth, bad_ws, sizeof bad_ws, 0, 0, 1 };
    bad_account_inputs(fn, "accts[]", bad_call_cascade, (void *)&good, mk, BAD_NMKT, &acct, &prm, 0);
    bad_cas_args a = good;
    /* cascade params */
    static const bad_int bad_model[] = { { "-1", -1 }, { "2", 2 }, { "INT_MAX", INT_MAX } };
    static const bad_int bad_rounds[] = { { "0", 0 }, { "-1", -1 }, { "INT_MIN", INT_MIN } };
    static const bad_int bad_rep[] = { { "-1", -1 }, { "n_mkt", BAD_NMKT }, { "INT_MAX", INT_MAX } };
    static const bad_int bad_res[] = { { "1", 1 }, { "-1", -1 } };
    const bad_field fields[] = {
        BAD_IFIELD(mgn_cascade_params, impact_model, bad_model),
        BAD_IFIELD(mgn_cascade_params, max_rounds, bad_rounds),
        BAD_DFIELD(mgn_cascade_params, impact, BAD_D_NONNEG),
        BAD_DFIELD(mgn_cascade_params, penalty_rate, BAD_D_UNIT_HALFOPEN),
        BAD_DFIELD(mgn_cascade_params, insurance_fund, BAD_D_NONNEG),
        BAD_IFIELD(mgn_cascade_params, report_underlying, bad_rep),
        BAD_IFIELD(mgn_cascade_params, reserved, bad_res),
    };
    for (size_t f = 0; f < BAD_N(fields); f++)
        for (size_t k = 0; k < fields[f].n; k++) {
            mgn_cascade_params c = cp;
            unsigned char *rec = (unsigned char *)&c;
            if (fields[f].is_int)
                memcpy(rec + fields[f].offset, &fields[f].i[k].v, sizeof(int));
            else
                memcpy(rec + fields[f].offset, &fields[f].d[k].v, sizeof(double));
            a = good;
            a.cp = &c;
            char name[64];
            snprintf(name, sizeof name, "cp->%s", fields[f].field);
            BAD_STATUS(fn, name, fields[f].is_int ? fields[f].i[k].label : fields[f].d[k].label, MGN_EINVAL,
                       bad_call_cascade(mk, BAD_NMKT, &acct, &prm, &a));
        }
    static const bad_size bad_ss[] = { { "0", 0 }, { "sizeof - 8", sizeof(mgn_cascade_params) - 8 },
                                       { "sizeof + 8", sizeof(mgn_cascade_params) + 8 }, { "SIZE_MAX", SIZE_MAX } };
    for (size_t k = 0; k < BAD_N(bad_ss); k++) {
        mgn_cascade_params c = cp;
        c.struct_size = bad_ss[k].v;
        a = good;
        a.cp = &c;
        BAD_STATUS(fn, "cp->struct_size", bad_ss[k].label, MGN_EINVAL, bad_call_cascade(mk, BAD_NMKT, &acct, &prm, &a));
    }
    a = good;
    a.cp = NULL;
    BAD_STATUS(fn, "cp", "NULL", MGN_EINVAL, bad_call_cascade(mk, BAD_NMKT, &acct, &prm, &a));
    /* shock and depth */
    static const bad_double bad_shock[] = { BAD_NONFINITE, { "-1", -1 }, { "-2", -2 },
                                            { "1e308 (S (1 + shock) overflows)", 1e308 } };
    for (size_t k = 0; k < BAD_N(bad_shock); k++) {
        double s2[BAD_NMKT] = { shock[0], bad_shock[k].v };
        a = good;
        a.shock = s2;
        BAD_STATUS(fn, "shock[u]", bad_shock[k].label, MGN_EINVAL, bad_call_cascade(mk, BAD_NMKT, &acct, &prm, &a));
    }
    for (size_t k = 0; k < BAD_N(BAD_D_POSITIVE); k++) {
        double d2[BAD_NMKT] = { depth[0], BAD_D_POSITIVE[k].v };
        a = good;
        a.depth = d2;
        BAD_STATUS(fn, "depth[u]", BAD_D_POSITIVE[k].label, MGN_EINVAL, bad_call_cascade(mk, BAD_NMKT, &acct, &prm, &a));
    }
    a = good;
    a.shock = NULL;
    BAD_STATUS(fn, "shock", "NULL", MGN_EINVAL, bad_call_cascade(mk, BAD_NMKT, &acct, &prm, &a));
    a = good;
    a.depth = NULL;
    BAD_STATUS(fn, "depth", "NULL", MGN_EINVAL, bad_call_cascade(mk, BAD_NMKT, &acct, &prm, &a));
    /* counts, workspace, outputs */
    a = good;
    for (size_t s = 0; s < BAD_N(BAD_SIZES); s++) {
        a.n_acct = BAD_SIZES[s].v;
        BAD_STATUS(fn, "n_acct", BAD_SIZES_NULL[s].label, MGN_EINVAL, bad_call_cascade(mk, BAD_NMKT, NULL, &prm, &a));
    }
    a.n_acct = 0;
    BAD_STATUS_NOTE(fn, "n_acct", "0 (accts NULL)", MGN_OK, "the shock alone", bad_call_cascade(mk, BAD_NMKT, NULL, &prm, &a));
    a = good;
    a.work = NULL;
    BAD_STATUS(fn, "work", "NULL", MGN_EINVAL, bad_call_cascade(mk, BAD_NMKT, &acct, &prm, &a));
    a.work = (char *)bad_ws + 4;
    BAD_STATUS(fn, "work", "misaligned (work + 4 bytes)", MGN_EINVAL, bad_call_cascade(mk, BAD_NMKT, &acct, &prm, &a));
    a = good;
    a.work_size = 0;
    BAD_STATUS(fn, "work_size", "0", MGN_ENOMEM, bad_call_cascade(mk, BAD_NMKT, &acct, &prm, &a));
    a.work_size = need - 1;
    BAD_STATUS(fn, "work_size", "need - 1", MGN_ENOMEM, bad_call_cascade(mk, BAD_NMKT, &acct, &prm, &a));
    a = good;
    a.null_rounds = 1;
    BAD_STATUS(fn, "rounds", "NULL", MGN_EINVAL, bad_call_cascade(mk, BAD_NMKT, &acct, &prm, &a));
    a = good;
    a.null_out = 1;
    BAD_STATUS(fn, "out", "NULL", MGN_EINVAL, bad_call_cascade(mk, BAD_NMKT, &acct, &prm, &a));
    {
        mgn_cascade_round rounds[8];
        mgn_cascade_result out;
        BAD_STATUS_NOTE(fn, "final_mkt", "NULL", MGN_OK, "optional output",
                        mgn_cascade(mk, BAD_NMKT, &acct, 1, &prm, &cp, shock, depth, bad_ws, sizeof bad_ws,
                                    rounds, NULL, &out));
    }

    /* mgn_cascade_work_size */
    fn = "mgn_cascade_work_size";
    size_t b;
    bad_fill(&b, sizeof b);
    BAD_STATUS(fn, "params", "NULL", MGN_EINVAL, mgn_cascade_work_size(NULL, BAD_NMKT, 1, 3, &b));
    mgn_account_params p = prm;
    p.struct_size = 0;
    BAD_STATUS(fn, "params->struct_size", "0", MGN_EINVAL, mgn_cascade_work_size(&p, BAD_NMKT, 1, 3, &b));
    p = prm;
    p.mode = 3;
    BAD_STATUS(fn, "params->mode", "3", MGN_EINVAL, mgn_cascade_work_size(&p, BAD_NMKT, 1, 3, &b));
    BAD_STATUS(fn, "n_mkt", "0", MGN_ERANGE, mgn_cascade_work_size(&prm, 0, 1, 3, &b));
    for (size_t s = 0; s < BAD_N(BAD_SIZES); s++) {
        BAD_STATUS(fn, "n_mkt", BAD_SIZES[s].label, MGN_ERANGE, mgn_cascade_work_size(&prm, BAD_SIZES[s].v, 1, 3, &b));
        BAD_STATUS(fn, "max_pos", BAD_SIZES[s].label, MGN_ERANGE, mgn_cascade_work_size(&prm, BAD_NMKT, 1, BAD_SIZES[s].v, &b));
    }
    BAD_STATUS(fn, "n_acct", "SIZE_MAX", MGN_ERANGE, mgn_cascade_work_size(&prm, BAD_NMKT, SIZE_MAX, 3, &b));
    BAD_UNTOUCHED(&b, sizeof b);
    BAD_STATUS(fn, "bytes", "NULL", MGN_EINVAL, mgn_cascade_work_size(&prm, BAD_NMKT, 1, 3, NULL));
}

/* Sizes and evaluations that overflow, and bad parameters of the accounts. */
static void test_overflow_and_status(void **state)
{
    setup3(100, 150, 250);
    size_t ws;
    assert_int_equal(mgn_cascade_work_size(&PRM, 1, 3, 1, NULL), MGN_EINVAL);
    assert_int_equal(mgn_cascade_work_size(&PRM, 1, SIZE_MAX, 1, &ws), MGN_ERANGE);
    mgn_account_params badp = PRM;
    badp.struct_size = 0;
    assert_int_equal(mgn_cascade_work_size(&badp, 1, 3, 1, &ws), MGN_EINVAL);
    assert_int_equal(mgn_cascade_work_size(&PRM, 1, 3, 1, &ws), MGN_OK);
    void *w = malloc(ws);
    mgn_cascade_params cp = cparams(MGN_IMPACT_LINEAR, 1.0, 0.01, 1000);
    double shock[1] = { -0.06 }, depth[1] = { 200 };
    mgn_cascade_round rd[50];
    mgn_cascade_result r, keep;
    memset(&keep, 0x2b, sizeof keep);
    r = keep;
    badp = PRM;
    badp.liq_ratio = 0;
    assert_int_equal(mgn_cascade(MK, 1, ACC, 3, &badp, &cp, shock, depth, w, ws, rd, NULL, &r), MGN_EINVAL);
    /* two accounts each closing a notional of 1.4e308 in the first round: the round's
       notional overflows */
    POS[0].quantity = POS[1].quantity = 1.5e306;
    assert_int_equal(mgn_cascade(MK, 1, ACC, 3, &PRM, &cp, shock, depth, w, ws, rd, NULL, &r), MGN_ERANGE);
    assert_memory_equal(&r, &keep, sizeof r);
    /* an option that cannot be valued (forward e^1000 S) in an account */
    setup3(100, 150, 250);
    mgn_market mc[1] = { { 100, 0, -1 } };
    mgn_position o = { MGN_OPTION, 0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 0, 1, 1, 100, 1000, 0.3, 0 };
    ACC[2].pos = &o;
    assert_int_equal(mgn_cascade(mc, 1, ACC, 3, &PRM, &cp, shock, depth, w, ws, rd, NULL, &r), MGN_ERANGE);
    assert_memory_equal(&r, &keep, sizeof r);
    free(w);
}

/* Every round finite, their sum not: A (1.5e306 long) goes at the shocked 94 with a
 * notional of 1.41e308; B, with enough collateral to survive 94 (its threshold is
 * 93.68), goes after the impact (-10%: 84.6) with 1.269e308: the total overflows. */
static void test_total_overflow(void **state)
{
    setup3(100, 1.65e307, 250);
    POS[0].quantity = POS[1].quantity = 1.5e306;
    mgn_cascade_params cp = cparams(MGN_IMPACT_LINEAR, 1.0, 0.01, 1000);
    double shock[1] = { -0.06 }, depth[1] = { 1.5e307 };
    size_t ws;
    assert_int_equal(mgn_cascade_work_size(&PRM, 1, 3, 1, &ws), MGN_OK);
    void *w = malloc(ws);
    mgn_cascade_round rd[50];
    mgn_cascade_result r, keep;
    cp.max_rounds = 1;
    assert_int_equal(mgn_cascade(MK, 1, ACC, 3, &PRM, &cp, shock, depth, w, ws, rd, NULL, &r), MGN_OK);
    assert_int_equal(r.n_rounds, 1);
    assert_int_equal(r.n_liquidated, 1);
    assert_close(rd[0].notional, 1.5e306 * 94, 1e-14, 0);
    assert_close(rd[0].price, 84.6, 1e-14, 0);
    memset(&keep, 0x2b, sizeof keep);
    r = keep;
    cp.max_rounds = 2;
    assert_int_equal(mgn_cascade(MK, 1, ACC, 3, &PRM, &cp, shock, depth, w, ws, rd, NULL, &r), MGN_ERANGE);
    assert_memory_equal(&r, &keep, sizeof r);
    cp.max_rounds = 50;
    assert_int_equal(mgn_cascade(MK, 1, ACC, 3, &PRM, &cp, shock, depth, w, ws, rd, NULL, &r), MGN_ERANGE);
    assert_memory_equal(&r, &keep, sizeof r);
    free(w);
}

/* A liquidated account whose delta overflows: an inverse future of 1e10 contracts at a
 * spot of 1e-300 is worth 1e310 coins of delta, while its size in coins at the forward
 * (e^46 above the spot), its value (entry at the forward) and its margin are finite. */
static void test_delta_overflow(void **state)
{
    setup3(100, 150, 250);
    mgn_market m[1] = { { 1e-300, 0, -46 } };
    mgn_position p = { MGN_FUTURE, 0, 0, MGN_INVERSE, 0, 0, 1e10, 1, 0, 1, 0, 0 };
    p.entry_price = 1e-300 * exp(46.0);
    POS[0] = p;
    BAL[0].amount = -1;
    mgn_account_result ar;
    assert_int_equal(mgn_account_eval(m, 1, &ACC[0], &PRM, 0, INFINITY, NULL, 0, &ar, NULL), MGN_OK);
    assert_int_equal(ar.status, MGN_ACCT_BANKRUPT);
    mgn_cascade_params cp = cparams(MGN_IMPACT_LINEAR, 1.0, 0.01, 1000);
    double shock[1] = { 0 }, depth[1] = { 1 };
    size_t ws;
    assert_int_equal(mgn_cascade_work_size(&PRM, 1, 1, 1, &ws), MGN_OK);
    void *w = malloc(ws);
    mgn_cascade_round rd[50];
    mgn_cascade_result r, keep;
    memset(&keep, 0x2b, sizeof keep);
    r = keep;
    assert_int_equal(mgn_cascade(m, 1, ACC, 1, &PRM, &cp, shock, depth, w, ws, rd, NULL, &r), MGN_ERANGE);
    assert_memory_equal(&r, &keep, sizeof r);
    /* 1e7 contracts: a delta of 1e307, the cascade runs */
    POS[0].quantity = 1e7;
    assert_int_equal(mgn_cascade(m, 1, ACC, 1, &PRM, &cp, shock, depth, w, ws, rd, NULL, &r), MGN_OK);
    assert_int_equal(r.n_liquidated, 1);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_linear),
        cmocka_unit_test(test_hand_bad_debt),
        cmocka_unit_test(test_bad_input_cascade),
        cmocka_unit_test(test_overflow_and_status),
        cmocka_unit_test(test_total_overflow),
        cmocka_unit_test(test_delta_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
