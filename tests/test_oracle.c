/* Tests of lib/oracle.c: mgn_oracle_index (median of fresh quotes, deviation band,
 * quorum) on hand-worked feeds, on random feeds against a brute force of the header
 * (test_index_random), and bad input. */
#include <float.h>
#include "test_util.h"
#include "qref.h"

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
    /* a quote exactly k% from a round median is inside a k% band (105 / 100 - 1 rounds
       above 0.05: the band is |p - m| <= d m) */
    p.min_quorum = 3;
    for (int k = 1; k <= 20; k++) {
        double pk[3] = { 100 - k, 100, 100 + k }, tk[3] = { 100, 100, 100 };
        p.max_deviation = k / 100.0;
        assert_int_equal(mgn_oracle_index(pk, tk, 3, 100, &p, &r), MGN_OK);
        assert_int_equal(r.verdict, MGN_ORACLE_OK);
        assert_int_equal(r.n_used, 3);
        /* and one step beyond the edge is outside it */
        pk[2] = nextafter(100 + k, INFINITY);
        assert_int_equal(mgn_oracle_index(pk, tk, 3, 100, &p, &r), MGN_OK);
        assert_int_equal(r.n_used, 2);
    }
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

/*---------------------------------------------------------------- randomised accuracy */

enum { OR_NMAX = 40, OR_MAX_OUTCOMES = 4096 };

static int or_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of sorted v[0..n), n >= 1: the middle one, or the mean of the two middle ones
   rounded once to double (their sum is exact in 113 bits for prices within a factor
   2^60 of each other, as here). */
static double or_median(const double *v, size_t n)
{
    if (n % 2)
        return v[n / 2];
    return (double)(((q128)v[n / 2 - 1] + (q128)v[n / 2]) / 2);
}

static q128 or_abs(q128 x) { return x < 0 ? -x : x; }

/* One admissible answer of mgn_oracle_index for a feed. */
typedef struct {
    double price, median;
    size_t n_fresh, n_used;
    int verdict;
    int exact;   /* every decision on an edge taken by the exact rule */
    int ties;    /* quotes exactly on the band's edge (kept) */
} or_outcome;

/* Adds the answers for the sorted fresh quotes f[0..nf): the header's band, a quote p
   kept when |p / m - 1| <= max_deviation, i.e. |p - m| <= max_deviation * m (m > 0),
   decided exactly in 113 bits (a product of two doubles; a difference of doubles within
   a factor 2^60). A quote within rounding of the edge (|p - m| and max_deviation * m
   apart by less than 2^-49 (p + m + max_deviation m), but not equal) may be kept or
   dropped: every choice per distinct price is added. Equality is the edge itself, kept. */
static void or_add_band(const double *f, size_t nf, const mgn_oracle_params *p, int exact_fresh,
                        or_outcome *out, size_t *n_out)
{
    double m = nf > 0 ? or_median(f, nf) : 0;
    if (nf == 0 || nf < p->min_quorum) {
        or_outcome o = { 0, m, nf, 0, MGN_ORACLE_STALE, exact_fresh, 0 };
        out[(*n_out)++] = o;
        return;
    }
    q128 width = (q128)p->max_deviation * (q128)m;
    double edge[OR_NMAX];
    int edge_in[OR_NMAX];
    size_t ne = 0;
    int ties = 0;
    for (size_t i = 0; i < nf; i++) {
        q128 dist = or_abs((q128)f[i] - (q128)m);
        ties += dist == width;
        if (dist != width && or_abs(dist - width) <= ((q128)f[i] + m + width) * (q128)0x1p-49
            && (ne == 0 || edge[ne - 1] != f[i])) {
            edge_in[ne] = dist <= width;
            edge[ne++] = f[i];
        }
    }
    assert_true(ne <= 8);
    for (unsigned mask = 0; mask < 1u << ne; mask++) {
        double kept[OR_NMAX];
        size_t nk = 0, e = 0;
        int exact = exact_fresh;
        for (size_t i = 0; i < nf; i++) {
            while (e < ne && edge[e] < f[i])
                e++;
            if (e < ne && edge[e] == f[i]) {
                if (mask >> e & 1)
                    kept[nk++] = f[i];
            } else if (or_abs((q128)f[i] - (q128)m) <= width) {
                kept[nk++] = f[i];
            }
        }
        for (size_t j = 0; j < ne; j++)
            exact &= (int)(mask >> j & 1) == edge_in[j];
        or_outcome o = { 0, m, nf, nk, MGN_ORACLE_DEVIATION, exact, ties };
        if (nk >= p->min_quorum) {
            o.verdict = MGN_ORACLE_OK;
            o.price = or_median(kept, nk);
        }
        assert_true(*n_out < OR_MAX_OUTCOMES);
        out[(*n_out)++] = o;
    }
}

/* Every admissible answer by brute force from the header: a quote is broken (counted,
   never used) unless its price is finite and > 0 and its time finite; fresh when
   0 <= now - time <= max_age, the age exact in 113 bits when now and time are within a
   factor 2^60 (else rounded far inside the band below). An age within rounding of
   max_age (2^-51 of itself, but not equal) may be judged either way: every choice per
   distinct time is tried. Returns the count of outcomes and sets *n_broken. */
static size_t or_expected(const double *px, const double *tm, size_t n, double now,
                          const mgn_oracle_params *p, or_outcome *out, size_t *n_broken)
{
    double edge_t[OR_NMAX];
    int edge_fresh[OR_NMAX];
    size_t ne = 0, n_out = 0;
    *n_broken = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(isfinite(px[i]) && px[i] > 0 && isfinite(tm[i]))) {
            ++*n_broken;
            continue;
        }
        q128 age = (q128)now - (q128)tm[i];
        if (age < 0 || age == p->max_age || or_abs(age - p->max_age) > age * (q128)0x1p-51)
            continue;
        size_t j = 0;
        while (j < ne && edge_t[j] != tm[i])
            j++;
        if (j == ne) {
            edge_fresh[ne] = age <= p->max_age;
            edge_t[ne++] = tm[i];
        }
    }
    assert_true(ne <= 4);
    for (unsigned mask = 0; mask < 1u << ne; mask++) {
        double fresh[OR_NMAX];
        size_t nf = 0;
        int exact = 1;
        for (size_t j = 0; j < ne; j++)
            exact &= (int)(mask >> j & 1) == edge_fresh[j];
        for (size_t i = 0; i < n; i++) {
            if (!(isfinite(px[i]) && px[i] > 0 && isfinite(tm[i])))
                continue;
            q128 age = (q128)now - (q128)tm[i];
            size_t j = 0;
            while (j < ne && edge_t[j] != tm[i])
                j++;
            if (j < ne ? (mask >> j & 1) != 0 : age >= 0 && age <= p->max_age)
                fresh[nf++] = px[i];
        }
        qsort(fresh, nf, sizeof *fresh, or_cmp_double);
        or_add_band(fresh, nf, p, exact, out, &n_out);
    }
    return n_out;
}

/* 0 when got == want, 1 when they are adjacent doubles, else a large number. */
static double or_ulps(double got, double want)
{
    if (got == want)
        return 0;
    return got == nextafter(want, INFINITY) || got == nextafter(want, -INFINITY) ? 1 : 1e300;
}

/* A price of a feed around level: a copy of an earlier quote, an outlier 2% to 1000
   times away either side, or one of a cluster of relative width spread; or (when
   step > 0) mostly the level itself or level + j step for j in -32..32: with level 100
   and step 1 prices such as 95 and 105 for a 5% band, with a dyadic level and
   step = level / 64 prices exactly j/64 away from it. */
static double or_draw_price(mgn_test_rng *g, double level, double spread, double step,
                            const double *px, size_t i)
{
    double u = mgn_test_uniform(g);
    if (u < 0.12 && i > 0) {
        double copy = px[(size_t)(mgn_test_uniform(g) * (double)i)];
        if (isfinite(copy) && copy > 0)
            return copy;
    }
    if (step > 0 && u < 0.75)   /* mostly the level itself, so the median is often it */
        return u < 0.45 ? level : level + step * (double)((int)(mgn_test_uniform(g) * 65) - 32);
    if (u < (step > 0 ? 0.85 : 0.3)) {
        double f = mgn_test_uniform(g) < 0.7 ? mgn_test_logrange(g, 1.02, 3)
                                             : mgn_test_logrange(g, 3, 1000);
        return mgn_test_uniform(g) < 0.5 ? level * f : level / f;
    }
    double z = 0;
    for (int k = 0; k < 4; k++)   /* roughly normal, within +-2 */
        z += mgn_test_uniform(g) - 0.5;
    return level * (1 + spread * z);
}

/* A time stamp at `now`: fresh (an age in [0, max_age]), just now, on the staleness edge
   (now - max_age and its neighbours), stale, from the future, or broken (not finite). */
static double or_draw_time(mgn_test_rng *g, double now, double max_age)
{
    double u = mgn_test_uniform(g), edge = now - max_age;
    if (u < 0.5)
        return now - max_age * mgn_test_uniform(g);
    if (u < 0.58)
        return now;
    if (u < 0.7) {
        double v = mgn_test_uniform(g);
        return v < 0.4 ? edge : v < 0.7 ? nextafter(edge, -INFINITY) : nextafter(edge, INFINITY);
    }
    if (u < 0.82) {
        double age = max_age * mgn_test_logrange(g, 1.001, 1e3) + mgn_test_logrange(g, 1e-9, 1e3);
        return isfinite(now - age) ? now - age : -DBL_MAX;
    }
    if (u < 0.96)
        return mgn_test_uniform(g) < 0.3 ? nextafter(now, INFINITY)
                                         : now + mgn_test_logrange(g, 1e-6, 1e3);
    static const double broken[3] = { NAN, INFINITY, -INFINITY };
    return broken[(int)(mgn_test_uniform(g) * 3)];
}

/* Random feeds (0 to 40 quotes: clusters, outliers, copies, round and dyadic prices on
   a band's edge, broken prices and times; fresh, stale, future and edge time stamps on
   clocks around 0, 1.7e9 s and 1.7e12 ms) and parameters (max_age 0 to DBL_MAX,
   max_deviation 0, round, dyadic, random, huge, or equal to a quote's own deviation,
   min_quorum 1 to SIZE_MAX) against the brute force of the header above.
   n_fresh, n_rejected, n_used and the verdict must equal, the medians must equal for an
   odd count and be within 1 ulp of the rounded mean for an even one (the library's
   a + (b - a) / 2 is the rounded mean when b - a is exact, b <= 2a). The header's
   conditions are evaluated exactly; where an age or a deviation is within rounding of
   its limit but not on it, either decision is accepted (how the library rounds
   |p / m - 1| or now - time decides), counted in the message. Exact ties are kept. */
static void test_index_random(void **state)
{
    (void)state;
    mgn_test_rng g = { 0x2545F4914F6CDD1DULL };
    static or_outcome outcomes[OR_MAX_OUTCOMES];
    double worst = 0;
    long verdicts[3] = { 0, 0, 0 }, rounded = 0, own_deviation = 0, band_ties = 0, age_ties = 0;
    long iters = mgn_test_cases(10000);
    for (long it = 0; it < iters; it++) {
        size_t n = (size_t)(mgn_test_uniform(&g) * (OR_NMAX + 1));
        double u = mgn_test_uniform(&g);
        double now = u < 0.2 ? 0 : u < 0.4 ? 1.7e9 + mgn_test_range(&g, 0, 1e6)
                     : u < 0.6 ? floor(1.7e12 + mgn_test_range(&g, 0, 1e9))
                     : u < 0.9 ? mgn_test_range(&g, -1e6, 1e6)
                               : (mgn_test_uniform(&g) < 0.5 ? -1 : 1)
                                     * mgn_test_logrange(&g, 1e-3, 1e15);
        mgn_oracle_params p;
        u = mgn_test_uniform(&g);
        p.max_age = u < 0.1 ? 0 : u < 0.3 ? (double)(1 + (int)(mgn_test_uniform(&g) * 60))
                    : u < 0.8 ? mgn_test_logrange(&g, 1e-3, 1e4)
                    : u < 0.9 ? mgn_test_logrange(&g, 1e-9, 1e-3)
                              : (mgn_test_uniform(&g) < 0.5 ? DBL_MAX : 1e300);
        /* the prices' level: round (10^k, step 1%), dyadic (step 1/64), or any */
        u = mgn_test_uniform(&g);
        double level, step = 0;
        if (u < 0.25) {
            level = pow(10, (int)(mgn_test_uniform(&g) * 9) - 2);
            step = level / 100;
        } else if (u < 0.4) {
            level = ldexp(1 + (int)(mgn_test_uniform(&g) * 255),
                          (int)mgn_test_range(&g, -40, 40));
            step = level / 64;
        } else {
            level = mgn_test_uniform(&g) < 0.5 ? mgn_test_logrange(&g, 1e-2, 1e5)
                                                : mgn_test_logrange(&g, 1e-290, 1e290);
        }
        double spread = mgn_test_logrange(&g, 1e-12, 0.1);
        double px[OR_NMAX], tm[OR_NMAX];
        for (size_t i = 0; i < n; i++) {
            px[i] = or_draw_price(&g, level, spread, step, px, i);
            tm[i] = or_draw_time(&g, now, p.max_age);
            u = mgn_test_uniform(&g);
            if (u < 0.04) {
                static const double broken[6] = { 0, -0.0, -1, NAN, INFINITY, -INFINITY };
                px[i] = broken[(int)(mgn_test_uniform(&g) * 6)];
            } else if (u < 0.06) {
                px[i] = -px[i];
            }
        }
        /* max_deviation, possibly a fresh quote's own deviation from the median (exact,
           or as evaluated in double, or a neighbour of either) */
        double fresh[OR_NMAX];
        size_t nf = 0;
        for (size_t i = 0; i < n; i++)
            if (isfinite(px[i]) && px[i] > 0 && isfinite(tm[i]) && tm[i] <= now
                && now - tm[i] <= p.max_age)
                fresh[nf++] = px[i];
        qsort(fresh, nf, sizeof *fresh, or_cmp_double);
        u = mgn_test_uniform(&g);
        if (step == level / 64 && u < 0.5) {
            /* dyadic prices j/64 away from a dyadic level: exact ties on the edge */
            p.max_deviation = (double)(int)(mgn_test_uniform(&g) * 33) / 64;
        } else if (u < 0.3 && nf > 0) {
            double m = or_median(fresh, nf);
            double q = fresh[(size_t)(mgn_test_uniform(&g) * (double)nf)];
            double v = mgn_test_uniform(&g);
            double d = fabs(v < 0.5 ? (double)(((q128)q - m) / m) : q / m - 1);
            v = mgn_test_uniform(&g);
            p.max_deviation = v < 0.6 ? d : v < 0.8 ? nextafter(d, 0) : nextafter(d, INFINITY);
            own_deviation++;
        } else {
            static const double round_dev[4] = { 0.01, 0.02, 0.05, 0.1 };
            p.max_deviation = u < 0.4 ? 0 : u < 0.5 ? round_dev[(int)(mgn_test_uniform(&g) * 4)]
                              : u < 0.6 ? (double)(int)(mgn_test_uniform(&g) * 33) / 64
                              : u < 0.85 ? mgn_test_logrange(&g, 1e-9, 0.3)
                              : u < 0.95 ? mgn_test_logrange(&g, 0.3, 1e6) : DBL_MAX;
        }
        u = mgn_test_uniform(&g);
        p.min_quorum = u < 0.3 ? 1
                       : u < 0.75 ? 1 + (size_t)(mgn_test_uniform(&g) * (double)(n + 2))
                       : u < 0.85 ? (n > 0 ? n : 1) : u < 0.95 ? nf / 2 + 1 : SIZE_MAX;

        mgn_oracle_result res;
        memset(&res, 0x5A, sizeof res);
        assert_int_equal(mgn_oracle_index(px, tm, n, now, &p, &res), MGN_OK);
        size_t n_broken;
        size_t n_out = or_expected(px, tm, n, now, &p, outcomes, &n_broken);
        /* the admissible outcome closest to the library's answer, and its error */
        double e = 1e300;
        const or_outcome *match = NULL, *exact = NULL;
        for (size_t k = 0; k < n_out; k++) {
            const or_outcome *o = &outcomes[k];
            if (o->exact)
                exact = o;
            if (res.n_fresh != o->n_fresh || res.n_used != o->n_used || res.verdict != o->verdict)
                continue;
            double ek = fmax(or_ulps(res.median_fresh, o->median),
                             or_ulps(res.price, o->price));
            if ((o->n_fresh % 2 && res.median_fresh != o->median)
                || (o->n_used % 2 && res.price != o->price))
                ek = 1e300;
            if (ek < e) {
                e = ek;
                match = o;
            }
        }
        assert_non_null(exact);
        if (!(e <= 1) || res.n_rejected != n_broken) {
            print_error("case %ld: n %zu, now %.17g, max_age %.17g, max_deviation %.17g, "
                        "min_quorum %zu\n", it, n, now, p.max_age, p.max_deviation,
                        p.min_quorum);
            for (size_t i = 0; i < n; i++)
                print_error("  quote %zu: price %.17g time %.17g\n", i, px[i], tm[i]);
            print_error("got      price %.17g median %.17g fresh %zu used %zu rejected %zu "
                        "verdict %d\n", res.price, res.median_fresh, res.n_fresh, res.n_used,
                        res.n_rejected, res.verdict);
            print_error("expected price %.17g median %.17g fresh %zu used %zu rejected %zu "
                        "verdict %d (%zu admissible answers)\n", exact->price, exact->median,
                        exact->n_fresh, exact->n_used, n_broken, exact->verdict, n_out);
            fail();
        }
        worst = fmax(worst, e);
        rounded += !match->exact;
        band_ties += exact->ties > 0;
        for (size_t i = 0; i < n; i++)
            if (isfinite(px[i]) && px[i] > 0 && isfinite(tm[i])
                && (q128)now - (q128)tm[i] == (q128)p.max_age) {
                age_ties++;
                break;
            }
        verdicts[res.verdict]++;
    }
    print_message("%ld random feeds (%ld OK, %ld stale, %ld deviation; a band set to a quote's "
                  "own deviation in %ld, a quote exactly on the band's edge in %ld and aged "
                  "exactly max_age in %ld, an edge decided by rounding in %ld): worst %.3g of "
                  "the tolerance\n", iters, verdicts[MGN_ORACLE_OK], verdicts[MGN_ORACLE_STALE],
                  verdicts[MGN_ORACLE_DEVIATION], own_deviation, band_ties, age_ties, rounded,
                  worst);
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
        cmocka_unit_test(test_index_random),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_bad_input_oracle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
