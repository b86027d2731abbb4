/* Tests of lib/oracle.c: mgn_oracle_index (median of fresh quotes, deviation band,
 * quorum) on hand-worked feeds, and bad input. */
#include "test_util.h"

static void test_index(void **state)
{
    mgn_oracle_params p = { 10, 0.05, 3 };
    mgn_oracle_result r;
    /* five feeds, one stale (age 20), one 10% off: median of 100, 101, 102 = 101 */
    double px[5] = { 100, 101, 111, 102, 99 }, tm[5] = { 95, 99, 100, 98, 80 };
    assert_int_equal(mgn_oracle_index(px, tm, 5, 100, &p, &r), MGN_OK);
    assert_int_equal(r.verdict, MGN_ORACLE_OK);
    assert_int_equal(r.n_fresh, 4);
    assert_close(r.median_fresh, 101.5, 0, 0);
    assert_int_equal(r.n_used, 3);
    assert_close(r.price, 101, 0, 0);
    /* even count: mean of the middle two */
    px[2] = 103;
    assert_int_equal(mgn_oracle_index(px, tm, 5, 100, &p, &r), MGN_OK);
    assert_close(r.price, 101.5, 0, 0);
    /* staleness: at now = 106 only two quotes are fresh (ages 7, 6... 98->8, 99->7, 100->6) */
    assert_int_equal(mgn_oracle_index(px, tm, 5, 109, &p, &r), MGN_OK);
    assert_int_equal(r.verdict, MGN_ORACLE_STALE);
    assert_close(r.price, 0, 0, 0);
    /* boundary: age exactly max_age is fresh; a future-dated quote is not */
    double t2[5] = { 90, 90, 90, 101, 101 };
    assert_int_equal(mgn_oracle_index(px, t2, 5, 100, &p, &r), MGN_OK);
    assert_int_equal(r.n_fresh, 3);
    assert_int_equal(r.verdict, MGN_ORACLE_OK);
    /* deviation: three fresh quotes split apart -> fewer than 3 inside the band */
    double p3[3] = { 100, 120, 140 }, t3[3] = { 100, 100, 100 };
    assert_int_equal(mgn_oracle_index(p3, t3, 3, 100, &p, &r), MGN_OK);
    assert_int_equal(r.verdict, MGN_ORACLE_DEVIATION);
    assert_int_equal(r.n_used, 1);
    /* broken feed values are rejected, not fatal */
    double p4[4] = { NAN, 100, 100.5, -3 }, t4[4] = { 100, 100, 100, 100 };
    p.min_quorum = 2;
    assert_int_equal(mgn_oracle_index(p4, t4, 4, 100, &p, &r), MGN_OK);
    assert_int_equal(r.n_rejected, 2);
    assert_int_equal(r.verdict, MGN_ORACLE_OK);
    assert_close(r.price, 100.25, 0, 0);
}

static void test_bad(void **state)
{
    mgn_oracle_params p = { 10, 0.05, 3 };
    mgn_oracle_result keep, r;
    memset(&keep, 0x21, sizeof keep);
    r = keep;
    double px[1] = { 1 }, tm[1] = { 0 };
    assert_int_equal(mgn_oracle_index(NULL, tm, 1, 0, &p, &r), MGN_EINVAL);
    assert_int_equal(mgn_oracle_index(px, NULL, 1, 0, &p, &r), MGN_EINVAL);
    assert_int_equal(mgn_oracle_index(px, tm, 1, NAN, &p, &r), MGN_EINVAL);
    assert_int_equal(mgn_oracle_index(px, tm, 1, 0, NULL, &r), MGN_EINVAL);
    assert_int_equal(mgn_oracle_index(px, tm, MGN_ORACLE_MAX_FEEDS + 1, 0, &p, &r), MGN_ERANGE);
    p.max_age = -1;
    assert_int_equal(mgn_oracle_index(px, tm, 1, 0, &p, &r), MGN_EINVAL);
    p.max_age = 10; p.max_deviation = INFINITY;
    assert_int_equal(mgn_oracle_index(px, tm, 1, 0, &p, &r), MGN_EINVAL);
    p.max_deviation = 0.05; p.min_quorum = 0;
    assert_int_equal(mgn_oracle_index(px, tm, 1, 0, &p, &r), MGN_EINVAL);
    assert_memory_equal(&r, &keep, sizeof r);
    p.min_quorum = 1;
    assert_int_equal(mgn_oracle_index(px, tm, 1, 0, &p, NULL), MGN_EINVAL);
    assert_int_equal(mgn_oracle_index(NULL, NULL, 0, 0, &p, &r), MGN_OK);
    assert_int_equal(r.verdict, MGN_ORACLE_STALE);
}

/*---------------------------------------------------------------- bad input catalogue */
/* Every argument with the bad values of the catalogue (tests/README.md,
   tests/bad_input.h). */
#include "bad_input.h"

static void test_bad_input_oracle(void **state)
{
    (void)state;
    BAD_INPUT_BEGIN();
    const char *fn = "mgn_oracle_index";
    const mgn_oracle_params p = { 10, 0.05, 2 };
    double px[4] = { 100, 101, 99, 100.5 }, tm[4] = { 95, 99, 100, 98 };
    mgn_oracle_result r;
#define OR_CALL(pr, t, n, now, prm, want, arg, label)                                 \
    do {                                                                              \
        bad_fill(&r, sizeof r);                                                       \
        BAD_STATUS(fn, arg, label, want, mgn_oracle_index(pr, t, n, now, prm, &r));   \
        BAD_UNTOUCHED(&r, sizeof r);                                                  \
    } while (0)
    OR_CALL(NULL, tm, 4, 100, &p, MGN_EINVAL, "price", "NULL (n = 4)");
    OR_CALL(px, NULL, 4, 100, &p, MGN_EINVAL, "time", "NULL (n = 4)");
    OR_CALL(px, tm, MGN_ORACLE_MAX_FEEDS + 1, 100, &p, MGN_ERANGE, "n", "MGN_ORACLE_MAX_FEEDS+1");
    for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
        OR_CALL(px, tm, BAD_SIZES[s].v, 100, &p, MGN_ERANGE, "n", BAD_SIZES[s].label);
    for (size_t k = 0; k < BAD_N(BAD_D_FINITE); k++)
        OR_CALL(px, tm, 4, BAD_D_FINITE[k].v, &p, MGN_EINVAL, "now", BAD_D_FINITE[k].label);
    for (size_t k = 0; k < BAD_N(BAD_D_NONNEG); k++) {
        mgn_oracle_params q = p;
        q.max_age = BAD_D_NONNEG[k].v;
        OR_CALL(px, tm, 4, 100, &q, MGN_EINVAL, "params->max_age", BAD_D_NONNEG[k].label);
        q = p;
        q.max_deviation = BAD_D_NONNEG[k].v;
        OR_CALL(px, tm, 4, 100, &q, MGN_EINVAL, "params->max_deviation", BAD_D_NONNEG[k].label);
    }
    {
        mgn_oracle_params q = p;
        q.min_quorum = 0;
        OR_CALL(px, tm, 4, 100, &q, MGN_EINVAL, "params->min_quorum", "0");
    }
    OR_CALL(px, tm, 4, 100, NULL, MGN_EINVAL, "params", "NULL");
    BAD_STATUS(fn, "out", "NULL", MGN_EINVAL, mgn_oracle_index(px, tm, 4, 100, &p, NULL));
#undef OR_CALL
    /* broken feeds are an answer, not an error: counted in n_rejected, never used */
    static const bad_double bad_px[] = { BAD_NONFINITE, { "0", 0 }, { "-1", -1 } };
    for (size_t k = 0; k < BAD_N(bad_px); k++) {
        double p2[4], t2[4];
        memcpy(p2, px, sizeof p2);
        memcpy(t2, tm, sizeof t2);
        p2[1] = bad_px[k].v;
        BAD_STATUS_NOTE(fn, "price[i]", bad_px[k].label, MGN_OK, "the feed counted in n_rejected, never used",
                        mgn_oracle_index(p2, tm, 4, 100, &p, &r));
        assert_int_equal(r.n_rejected, 1);
        assert_int_equal(r.n_fresh, 3);
        if (k < 3) {
            t2[2] = bad_px[k].v;
            BAD_STATUS_NOTE(fn, "time[i]", bad_px[k].label, MGN_OK, "the feed counted in n_rejected, never used",
                            mgn_oracle_index(px, t2, 4, 100, &p, &r));
            assert_int_equal(r.n_rejected, 1);
        }
    }
    {
        double t2[4];
        memcpy(t2, tm, sizeof t2);
        t2[0] = 1e300;    /* from the future: not fresh */
        BAD_STATUS_NOTE(fn, "time[i]", "1e300 (after now)", MGN_OK, "the quote is not fresh",
                        mgn_oracle_index(px, t2, 4, 100, &p, &r));
        assert_int_equal(r.n_fresh, 3);
    }
    BAD_STATUS_NOTE(fn, "n", "0 (price and time NULL)", MGN_OK, "verdict MGN_ORACLE_STALE",
                    mgn_oracle_index(NULL, NULL, 0, 100, &p, &r));
    assert_int_equal(r.verdict, MGN_ORACLE_STALE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_bad_input_oracle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
