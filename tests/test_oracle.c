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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index),
        cmocka_unit_test(test_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
