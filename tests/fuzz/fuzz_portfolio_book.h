/*
 * A small portfolio decoded from fuzz bytes, shared by the portfolio-margin targets
 * (fuzz_scenario.c, fuzz_span.c, fuzz_pm.c, fuzz_standard.c).
 *
 * Up to FB_MAX_MKT markets and FB_MAX_POS positions of every kind: European and
 * American options, futures and perpetuals, linear and inverse. Each market and each
 * position is either plausible (every field finite, in a normal range; the integer
 * codes still come from fz_int, so now and then out of range) or, one time in four,
 * hostile: its doubles then go through fz_real / fz_pos and so are NaN, infinite,
 * zero, subnormal, negative or huge now and then. Strikes and entry prices are
 * relative to the spot of the position's underlying. American options are decoded
 * only where the pricer is cheap (fb_american_cheap), in half of the books.
 */
#ifndef MGN_FUZZ_PORTFOLIO_BOOK_H
#define MGN_FUZZ_PORTFOLIO_BOOK_H

#include "fuzz.h"

#define FB_MAX_MKT 4
#define FB_MAX_POS 16

typedef struct fb_book {
    size_t n_mkt, n_pos;
    int n_american;
    mgn_market mkt[FB_MAX_MKT];
    mgn_position pos[FB_MAX_POS];
} fb_book;

static inline double fb_real(fz_in *in, int hostile, double lo, double hi)
{
    return hostile ? fz_real(in, lo, hi) : fz_sane(in, lo, hi);
}

static inline double fb_pos(fz_in *in, int hostile, double lo, double hi)
{
    if (hostile)
        return fz_pos(in, lo, hi);
    return lo * pow(hi / lo, fz_u16(in) / 65535.0);
}

/* A duration that is exactly 0 one time in `zero_in_256` / 256. */
static inline double fb_time(fz_in *in, int hostile, unsigned zero_in_256, double lo, double hi)
{
    return fz_u8(in) < zero_in_256 ? 0.0 : fb_pos(in, hostile, lo, hi);
}

static inline void fb_market(fz_in *in, mgn_market *m)
{
    int hostile = fz_u8(in) >= 192;
    m->spot = fb_pos(in, hostile, 1.0, 1e5);
    m->rate = fb_real(in, hostile, -0.05, 0.20);
    m->carry = fb_real(in, hostile, -0.10, 0.30);
}

/* Whether an American option p is in the regime where early exercise is never
   optimal (a put with r <= 0 and q >= r, a call with q <= 0 and r >= q), which
   mgn_american_price values at the cost of a European price. Elsewhere the pricer
   takes from microseconds to milliseconds per call (tens of times more under the
   fuzzing instrumentation), too slow for these targets; its numerics are the
   business of an American pricing target, the portfolio code's handling of
   American exercise (scalar valuation, status propagation, finite-difference
   Greeks) is exercised here all the same. */
static inline int fb_american_cheap(const fb_book *b, const mgn_position *p)
{
    if (p->underlying < 0 || (size_t)p->underlying >= b->n_mkt)
        return 0;
    double r = b->mkt[p->underlying].rate, q = b->mkt[p->underlying].carry;
    return p->option_type == MGN_PUT ? (r <= 0 && q >= r) : (q <= 0 && r >= q);
}

static inline void fb_position(fz_in *in, fb_book *b, int allow_american, mgn_position *p)
{
    int hostile = fz_u8(in) >= 192;
    size_t n_mkt = b->n_mkt;
    p->instrument = fz_int(in, MGN_OPTION, MGN_PERPETUAL);
    p->underlying = fz_int(in, 0, n_mkt > 0 ? (int)n_mkt - 1 : 0);
    p->option_type = fz_int(in, MGN_CALL, MGN_PUT);
    p->settlement = fz_int(in, MGN_LINEAR, MGN_INVERSE);
    unsigned ex = fz_u8(in);
    p->exercise = ex >= 252 ? (int)ex : MGN_EUROPEAN;
    p->reserved = fz_u8(in) >= 252 ? 1 : 0;
    double ref = 100.0;
    if (p->underlying >= 0 && (size_t)p->underlying < n_mkt && isfinite(b->mkt[p->underlying].spot))
        ref = b->mkt[p->underlying].spot;
    p->quantity = fb_real(in, hostile, -50.0, 50.0);
    p->multiplier = fb_pos(in, hostile, 1e-2, 1e2);
    p->strike = ref * fb_pos(in, hostile, 0.3, 3.0);
    p->expiry = fb_time(in, hostile, 24, 1e-3, 3.0);
    p->vol = fz_u8(in) < 16 ? 0.0 : fb_pos(in, hostile, 0.02, 2.0);
    if (ex < 64 && allow_american && p->instrument == MGN_OPTION && fb_american_cheap(b, p)) {
        p->exercise = MGN_AMERICAN;
        b->n_american++;
    }
    p->entry_price = ref * fb_pos(in, hostile, 0.5, 2.0);
}

/* Markets, then positions (at most max_mkt and max_pos of them). */
static inline void fb_book_decode(fz_in *in, fb_book *b, size_t max_mkt, size_t max_pos)
{
    int allow_american = fz_u8(in) < 128;
    b->n_american = 0;
    b->n_mkt = fz_count(in, max_mkt);
    b->n_pos = fz_count(in, max_pos);
    for (size_t u = 0; u < b->n_mkt; u++)
        fb_market(in, &b->mkt[u]);
    for (size_t i = 0; i < b->n_pos; i++)
        fb_position(in, b, allow_american, &b->pos[i]);
}

/* MGN_QUOTE half the time, else an underlying, now and then an invalid index. */
static inline int fb_currency(fz_in *in, size_t n_mkt)
{
    unsigned s = fz_u8(in);
    if (s < 128 || (n_mkt == 0 && s < 248))
        return MGN_QUOTE;
    if (s < 248)
        return (int)(s % n_mkt);
    return fz_int(in, -2, (int)n_mkt);
}

static inline void fb_book_log(const fb_book *b)
{
    FZ_LOG("n_mkt %zu n_pos %zu\n", b->n_mkt, b->n_pos);
    for (size_t u = 0; u < b->n_mkt; u++)
        FZ_LOG("  mkt[%zu] spot %.17g rate %.17g carry %.17g\n", u, b->mkt[u].spot,
               b->mkt[u].rate, b->mkt[u].carry);
    for (size_t i = 0; i < b->n_pos; i++) {
        const mgn_position *p = &b->pos[i];
        FZ_LOG("  pos[%zu] inst %d u %d type %d settle %d ex %d res %d qty %.17g mult %.17g "
               "K %.17g T %.17g vol %.17g entry %.17g\n", i, p->instrument, p->underlying,
               p->option_type, p->settlement, p->exercise, p->reserved, p->quantity,
               p->multiplier, p->strike, p->expiry, p->vol, p->entry_price);
        (void)p;
    }
    (void)b;
}

/* Independent check of a position (mgn_portfolio_check's rules, restated). */
static inline int fb_position_valid(const mgn_position *p, size_t n_mkt)
{
    if (p->reserved != 0 || p->underlying < 0 || (size_t)p->underlying >= n_mkt)
        return 0;
    if (p->instrument != MGN_OPTION && p->instrument != MGN_FUTURE && p->instrument != MGN_PERPETUAL)
        return 0;
    if (p->settlement != MGN_LINEAR && p->settlement != MGN_INVERSE)
        return 0;
    if (!(isfinite(p->quantity) && isfinite(p->multiplier) && isfinite(p->strike)
          && isfinite(p->expiry) && isfinite(p->vol) && isfinite(p->entry_price)))
        return 0;
    if (!(p->multiplier > 0 && p->expiry >= 0 && p->vol >= 0))
        return 0;
    if (p->instrument == MGN_OPTION)
        return (p->option_type == MGN_CALL || p->option_type == MGN_PUT)
            && (p->exercise == MGN_EUROPEAN || p->exercise == MGN_AMERICAN) && p->strike > 0;
    return p->entry_price > 0;
}

static inline int fb_market_valid(const mgn_market *m)
{
    return isfinite(m->spot) && m->spot > 0 && isfinite(m->rate) && isfinite(m->carry);
}

/* Markets and positions all valid (as mgn_portfolio_check). */
static inline int fb_book_valid(const fb_book *b)
{
    for (size_t u = 0; u < b->n_mkt; u++)
        if (!fb_market_valid(&b->mkt[u]))
            return 0;
    for (size_t i = 0; i < b->n_pos; i++)
        if (!fb_position_valid(&b->pos[i], b->n_mkt))
            return 0;
    return 1;
}

static inline int fb_currency_valid(int currency, size_t n_mkt)
{
    return currency == MGN_QUOTE || (currency >= 0 && (size_t)currency < n_mkt);
}

/* An n_mkt above INT_MAX (rejected with MGN_ERANGE before any array is read). */
static inline size_t fb_absurd_n_mkt(fz_in *in)
{
    size_t n = fz_absurd_count(in);
    return n > (size_t)INT_MAX ? n : SIZE_MAX;
}

/* fz_untouched through memcmp: the byte loop of fz_untouched, instrumented for
   coverage, costs more than the library calls on arrays of a few kB. */
#define FB_SENTINEL_BYTES 4096
static inline int fb_untouched(const void *ptr, size_t bytes)
{
    static unsigned char sentinel[FB_SENTINEL_BYTES];
    if (sentinel[0] != FZ_FILL_BYTE)
        memset(sentinel, FZ_FILL_BYTE, sizeof sentinel);
    const unsigned char *p = (const unsigned char *)ptr;
    while (bytes > 0) {
        size_t k = bytes < FB_SENTINEL_BYTES ? bytes : FB_SENTINEL_BYTES;
        if (memcmp(p, sentinel, k) != 0)
            return 0;
        p += k;
        bytes -= k;
    }
    return 1;
}

/* Bits of doubles equal, treating the arrays as raw memory. */
static inline int fb_bits_equal(const double *a, const double *b, size_t n)
{
    return fz_same_bits(a, b, n * sizeof(double));
}

#endif
