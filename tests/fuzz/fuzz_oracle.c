/*
 * Fuzz target: oracle price guards (lib/oracle.c): mgn_oracle_index with hostile
 * prices, quote times, clocks, ages, deviation bands and quorums, up to 300 feeds
 * (above MGN_ORACLE_MAX_FEEDS: MGN_ERANGE) and absurd counts; its verdict then guards
 * mgn_liq_partial, which must refuse (MGN_ESTALE, outputs untouched) on anything but
 * MGN_ORACLE_OK.
 * Contract: documented status; NULL price/time with n > 0, NULL params or out give
 * MGN_EINVAL (NULL arrays with n == 0 are fine); a failure leaves out untouched; on
 * MGN_OK the counts, the median of the fresh quotes, the verdict and the index are
 * those of the header's definition recomputed here (broken feeds rejected, fresh when
 * 0 <= now - time <= max_age, the band around the median, the quorum), the index is a
 * finite positive price between the smallest and largest quote used, 0 on a failed
 * verdict; the result does not depend on the order of the feeds; same bits.
 */
#include "fuzz.h"

#define MAX_FEEDS 300

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

static double median_sorted(const double *v, size_t n)
{
    if (n % 2)
        return v[n / 2];
    double a = v[n / 2 - 1], b = v[n / 2];
    return a + 0.5 * (b - a);
}

/* The header's definition, recomputed. */
static void expected(const double *price, const double *time, size_t n, double now,
                     const mgn_oracle_params *p, mgn_oracle_result *r)
{
    static double fresh[MAX_FEEDS], used[MAX_FEEDS];
    size_t nf = 0, nu = 0;
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < n; i++) {
        if (!(isfinite(price[i]) && price[i] > 0 && isfinite(time[i]))) {
            r->n_rejected++;
            continue;
        }
        double age = now - time[i];
        if (age >= 0 && age <= p->max_age)
            fresh[nf++] = price[i];
    }
    r->n_fresh = nf;
    if (nf > 0) {
        qsort(fresh, nf, sizeof *fresh, cmp_double);
        r->median_fresh = median_sorted(fresh, nf);
    }
    if (nf == 0 || nf < p->min_quorum) {
        r->verdict = MGN_ORACLE_STALE;
        return;
    }
    double m = r->median_fresh;
    for (size_t i = 0; i < nf; i++)
        if (fabs(fresh[i] - m) <= p->max_deviation * m)     /* the header's band */
            used[nu++] = fresh[i];
    r->n_used = nu;
    if (nu == 0 || nu < p->min_quorum) {
        r->verdict = MGN_ORACLE_DEVIATION;
        return;
    }
    r->price = median_sorted(used, nu);
    r->verdict = MGN_ORACLE_OK;
}

/* The verdict as a guard of mgn_liq_partial on a valid one-position account. */
static void check_guard(const mgn_oracle_result *guard)
{
    mgn_market mkt = { 100.0, 0.0, 0.0 };
    mgn_position pos;
    memset(&pos, 0, sizeof pos);
    pos.instrument = MGN_PERPETUAL;
    pos.settlement = MGN_LINEAR;
    pos.quantity = 10;
    pos.multiplier = 1;
    pos.entry_price = 110;
    mgn_balance bal = { MGN_QUOTE, 0, 110.0, 0.0, 0.0 };   /* equity 10 < MM 10 * 1.1 */
    mgn_account acct;
    memset(&acct, 0, sizeof acct);
    acct.struct_size = sizeof acct;
    acct.pos = &pos;
    acct.n_pos = 1;
    acct.bal = &bal;
    acct.n_bal = 1;
    acct.currency = MGN_QUOTE;
    mgn_account_params prm;
    mgn_liq_params lp;
    FZ_ASSERT(mgn_account_params_init(&prm) == MGN_OK && mgn_liq_params_init(&lp) == MGN_OK);
    size_t need;
    FZ_ASSERT(mgn_liq_partial_work_size(&prm, 1, 1, &need) == MGN_OK);
    void *work = fz_alloc(need);
    if (!work)
        return;
    mgn_liq_close closes[1];
    mgn_liq_result r;
    FZ_FILL(closes, sizeof closes);
    FZ_FILL(&r, sizeof r);
    int st = mgn_liq_partial(&mkt, 1, &acct, &prm, &lp, guard, work, need, closes, &r);
    free(work);
    if (guard->verdict != MGN_ORACLE_OK) {
        FZ_ASSERT(st == MGN_ESTALE);
        FZ_ASSERT(fz_untouched(closes, sizeof closes) && fz_untouched(&r, sizeof r));
    } else {
        FZ_ASSERT(st == MGN_OK && r.n_closes == 1 && r.restored && !r.full);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static double price[MAX_FEEDS], time[MAX_FEEDS], rprice[MAX_FEEDS], rtime[MAX_FEEDS];
    fz_in in = fz_init(data, size);
    FZ_ASSERT(mgn_sizeof_oracle_params() == sizeof(mgn_oracle_params)
              && mgn_sizeof_oracle_result() == sizeof(mgn_oracle_result));
    unsigned shape = fz_u8(&in);
    size_t n = shape < 224 ? fz_count(&in, 16) : fz_count(&in, MAX_FEEDS);
    double now = fz_real(&in, 0.0, 1e6);
    double base = fz_pos(&in, 1e-2, 1e5);
    for (size_t i = 0; i < n; i++) {
        price[i] = fz_u8(&in) < 32 ? fz_special(&in, base) : base * (1 + fz_real(&in, -0.1, 0.1));
        unsigned t = fz_u8(&in);
        time[i] = t < 16 ? now : t < 32 ? fz_special(&in, now) : now - fz_real(&in, -2.0, 30.0);
    }
    mgn_oracle_params p;
    p.max_age = fz_u8(&in) < 16 ? 0.0 : fz_real(&in, 0.0, 30.0);
    p.max_deviation = fz_u8(&in) < 16 ? 0.0 : fz_real(&in, 0.0, 0.2);
    unsigned q = fz_u8(&in);
    p.min_quorum = q < 240 ? fz_count(&in, 6) : q < 248 ? SIZE_MAX : (size_t)fz_u64(&in);
    size_t n_arg = n;
    int absurd = 0;
    if (fz_u8(&in) >= 248) {
        n_arg = fz_absurd_count(&in);
        if (n_arg <= MAX_FEEDS)
            n_arg = SIZE_MAX;
        absurd = 1;
    }
    unsigned nul = fz_u8(&in) % 16u;
    const double *parg = nul == 1 ? NULL : price, *targ = nul == 2 ? NULL : time;
    FZ_LOG("oracle n %zu now %.17g max_age %.17g max_dev %.17g quorum %zu nul %u\n", n_arg, now,
           p.max_age, p.max_deviation, p.min_quorum, nul);
    for (size_t i = 0; i < n; i++)
        FZ_LOG("  feed %zu price %.17g time %.17g\n", i, price[i], time[i]);

    mgn_oracle_result r, r2, e;
    FZ_FILL(&r, sizeof r);
    FZ_FILL(&r2, sizeof r2);
    int st = mgn_oracle_index(parg, targ, n_arg, now, nul == 3 ? NULL : &p, nul == 4 ? NULL : &r);
    FZ_LOG("  -> %d\n", st);
    FZ_STATUS(st);
    int bad_args = !isfinite(now) || !(isfinite(p.max_age) && p.max_age >= 0)
                || !(isfinite(p.max_deviation) && p.max_deviation >= 0) || p.min_quorum == 0;
    int nulled = nul == 3 || nul == 4 || ((nul == 1 || nul == 2) && n_arg > 0);
    if (nulled)
        FZ_ASSERT(st == MGN_EINVAL);
    else if (absurd)
        FZ_ASSERT(st == MGN_ERANGE || (st == MGN_EINVAL && bad_args));
    else if (n_arg > MGN_ORACLE_MAX_FEEDS)
        FZ_ASSERT(st == MGN_ERANGE || (st == MGN_EINVAL && bad_args));
    else
        FZ_ASSERT(st == (bad_args ? MGN_EINVAL : MGN_OK));
    if (st != MGN_OK || nulled) {
        FZ_ASSERT(fz_untouched(&r, sizeof r));
        return 0;
    }
    FZ_LOG("  price %.17g median %.17g fresh %zu used %zu rejected %zu verdict %d\n", r.price,
           r.median_fresh, r.n_fresh, r.n_used, r.n_rejected, r.verdict);
    FZ_ASSERT(r.verdict >= MGN_ORACLE_OK && r.verdict <= MGN_ORACLE_DEVIATION && r.reserved == 0);
    FZ_ASSERT(r.n_fresh + r.n_rejected <= n && r.n_used <= r.n_fresh);
    FZ_ASSERT(isfinite(r.price) && isfinite(r.median_fresh) && r.median_fresh >= 0);
    FZ_ASSERT((r.n_fresh > 0) == (r.median_fresh > 0));
    if (r.verdict == MGN_ORACLE_OK) {
        FZ_ASSERT(r.price > 0 && r.n_used >= p.min_quorum);
        double lo = INFINITY, hi = 0;
        for (size_t i = 0; i < n; i++)
            if (isfinite(price[i]) && price[i] > 0 && isfinite(time[i])
                && now - time[i] >= 0 && now - time[i] <= p.max_age
                && fabs(price[i] - r.median_fresh) <= p.max_deviation * r.median_fresh) {
                if (price[i] < lo) lo = price[i];
                if (price[i] > hi) hi = price[i];
            }
        FZ_ASSERT(r.price >= lo && r.price <= hi);
    } else {
        FZ_ASSERT(r.price == 0);
    }
    expected(price, time, n, now, &p, &e);
    FZ_ASSERT(fz_same_bits(&r, &e, sizeof r));
    /* the order of the feeds does not matter */
    for (size_t i = 0; i < n; i++) {
        rprice[i] = price[n - 1 - i];
        rtime[i] = time[n - 1 - i];
    }
    FZ_ASSERT(mgn_oracle_index(rprice, rtime, n, now, &p, &r2) == MGN_OK);
    FZ_ASSERT(fz_same_bits(&r, &r2, sizeof r));
    FZ_FILL(&r2, sizeof r2);
    FZ_ASSERT(mgn_oracle_index(price, time, n, now, &p, &r2) == MGN_OK);
    FZ_ASSERT(fz_same_bits(&r, &r2, sizeof r));
    check_guard(&r);
    return 0;
}
