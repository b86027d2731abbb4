/* Bad-input checks shared by the test_bad_input_* tests, and the record they leave
 * for the catalogue of tests/README.md.
 *
 * BAD_STATUS(function, argument, value, want, call) asserts that `call` returns the
 * status `want`. When the environment variable MGN_BAD_INPUT_LOG names a file, every
 * check that passed appends one line to it:
 *     test file <TAB> test function <TAB> function <TAB> argument <TAB> value <TAB> result
 * tests/bad_input_catalogue.py turns those lines into the tables of tests/README.md, so
 * the catalogue lists only checks that really ran.
 *
 * Each test_bad_input_* function starts with BAD_INPUT_BEGIN() (it names the test in
 * the record). Outputs of scalar calls are filled with the byte BAD_FILL before the
 * call and checked unchanged after a failure (BAD_UNTOUCHED).
 */
#ifndef MGN_BAD_INPUT_H
#define MGN_BAD_INPUT_H

#include <float.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "test_util.h"

static const char *bad_input_test = "?";
#define BAD_INPUT_BEGIN() (bad_input_test = __func__)

static inline const char *bad_status_name(int st)
{
    switch (st) {
    case MGN_OK:      return "MGN_OK";
    case MGN_EINVAL:  return "MGN_EINVAL";
    case MGN_ENOSOL:  return "MGN_ENOSOL";
    case MGN_ENOCONV: return "MGN_ENOCONV";
    case MGN_ENOMEM:  return "MGN_ENOMEM";
    case MGN_ERANGE:  return "MGN_ERANGE";
    case MGN_ESTALE:  return "MGN_ESTALE";
    default:          return "(undocumented status)";
    }
}

/* Appends one record (see the top of this file); does nothing without the variable. */
static inline void bad_input_log(const char *fn, const char *arg, const char *value,
                                 const char *result, const char *file)
{
    const char *path = getenv("MGN_BAD_INPUT_LOG");
    if (!path || !*path)
        return;
    FILE *f = fopen(path, "a");
    if (!f)
        return;
    const char *base = strrchr(file, '/');
    fprintf(f, "%s\t%s\t%s\t%s\t%s\t%s\n", base ? base + 1 : file, bad_input_test, fn, arg,
            value, result);
    fclose(f);
}

static inline void bad_input_expect(const char *fn, const char *arg, const char *value, int got,
                                    int want, const char *note, const char *file, int line)
{
    if (got != want) {
        print_error("%s, %s = %s: status %d (%s), expected %s\n", fn, arg, value, got,
                    bad_status_name(got), bad_status_name(want));
        _fail(file, line);
    }
    char result[160];
    snprintf(result, sizeof result, "%s%s%s", bad_status_name(want), note ? ", " : "",
             note ? note : "");
    bad_input_log(fn, arg, value, result, file);
}

#define BAD_STATUS(fn, arg, value, want, call) \
    bad_input_expect((fn), (arg), (value), (call), (want), NULL, __FILE__, __LINE__)
/* The same with a note appended to the status in the record (e.g. what a batch call
   writes into the bad element). */
#define BAD_STATUS_NOTE(fn, arg, value, want, note, call) \
    bad_input_expect((fn), (arg), (value), (call), (want), (note), __FILE__, __LINE__)

/* A record whose result is not a status (functions that return a string or a size). */
#define BAD_NOTE(fn, arg, value, result) bad_input_log((fn), (arg), (value), (result), __FILE__)

/* Output sentinels. */
#define BAD_FILL 0x5a
static inline void bad_fill(void *p, size_t n) { memset(p, BAD_FILL, n); }
static inline int bad_is_filled(const void *p, size_t n)
{
    const unsigned char *c = (const unsigned char *)p;
    for (size_t i = 0; i < n; i++)
        if (c[i] != BAD_FILL)
            return 0;
    return 1;
}
#define BAD_UNTOUCHED(p, n)                                                     \
    do {                                                                        \
        if (!bad_is_filled((p), (n))) {                                         \
            print_error("output %s written by a failing call\n", #p);           \
            _fail(__FILE__, __LINE__);                                          \
        }                                                                       \
    } while (0)

/* A labelled bad value of a double argument. */
typedef struct { const char *label; double v; } bad_double;

#define BAD_NONFINITE { "NaN", NAN }, { "+inf", INFINITY }, { "-inf", -INFINITY }
/* must be finite */
static const bad_double BAD_D_FINITE[] = { BAD_NONFINITE };
/* must be finite and > 0 */
static const bad_double BAD_D_POSITIVE[] = { BAD_NONFINITE, { "0", 0.0 }, { "-0.0", -0.0 },
                                             { "-1", -1.0 }, { "-1e300", -1e300 } };
/* must be finite and >= 0 */
static const bad_double BAD_D_NONNEG[] = { BAD_NONFINITE, { "-1e-300", -1e-300 }, { "-1", -1.0 },
                                           { "-1e300", -1e300 } };
#define BAD_N(a) (sizeof(a) / sizeof((a)[0]))

/* Absurd counts: far beyond any array a caller could hold, or past INT_MAX where the
   library indexes with int. */
typedef struct { const char *label; size_t v; } bad_size;
static const bad_size BAD_SIZES[] = { { "SIZE_MAX", SIZE_MAX }, { "SIZE_MAX/2", SIZE_MAX / 2 },
                                      { "INT_MAX+1", (size_t)INT_MAX + 1 } };
/* The same counts passed with the array they count NULL: the call must fail before
   reading it (the library cannot check a count against the caller's array). */
static const bad_size BAD_SIZES_NULL[] = { { "SIZE_MAX (array NULL)", SIZE_MAX },
                                           { "SIZE_MAX/2 (array NULL)", SIZE_MAX / 2 },
                                           { "INT_MAX+1 (array NULL)", (size_t)INT_MAX + 1 } };

/*---------------------------------------------------------------- portfolio inputs */

/* Mutation k of a valid market record (all MGN_EINVAL). Returns 0 past the end. */
static inline int bad_market_case(int k, mgn_market *m, const char **field, const char **label)
{
    static const struct { int f; bad_double d; } T[] = {
        { 0, { "NaN", NAN } }, { 0, { "+inf", INFINITY } }, { 0, { "-inf", -INFINITY } },
        { 0, { "0", 0.0 } }, { 0, { "-1", -1.0 } },
        { 1, { "NaN", NAN } }, { 1, { "+inf", INFINITY } }, { 1, { "-inf", -INFINITY } },
        { 2, { "NaN", NAN } }, { 2, { "+inf", INFINITY } }, { 2, { "-inf", -INFINITY } },
    };
    static const char *const names[] = { "spot", "rate", "carry" };
    if (k < 0 || (size_t)k >= BAD_N(T))
        return 0;
    double *slot[3] = { &m->spot, &m->rate, &m->carry };
    *slot[T[k].f] = T[k].d.v;
    *field = names[T[k].f];
    *label = T[k].d.label;
    return 1;
}

/* Mutation k of a valid position record (every one MGN_EINVAL for every function
   that takes positions, see mgn_portfolio_check). *kind says which base record the
   mutation applies to: 0 a European option, 1 a future. Returns 0 past the end. */
enum { BAD_POS_OPTION = 0, BAD_POS_FUTURE = 1 };
static inline int bad_position_case(int k, size_t n_mkt, mgn_position *p, int *kind,
                                    const char **field, const char **label)
{
    typedef struct { int kind; int f; const char *label; double v; } mut;
    /* f: 0 reserved, 1 instrument, 2 settlement, 3 underlying, 4 option_type,
       5 exercise, 6 quantity, 7 multiplier, 8 strike, 9 expiry, 10 vol, 11 entry_price */
    static const mut T[] = {
        { 0, 0, "1", 1 }, { 0, 0, "-1", -1 },
        { 0, 1, "-1", -1 }, { 0, 1, "3", 3 }, { 1, 1, "INT_MAX", INT_MAX },
        { 0, 2, "-1", -1 }, { 1, 2, "2", 2 },
        { 0, 3, "-1", -1 }, { 0, 3, "n_mkt", -2 }, { 1, 3, "INT_MAX", INT_MAX },
        { 0, 4, "-1", -1 }, { 0, 4, "2", 2 },
        { 0, 5, "-1", -1 }, { 0, 5, "2", 2 },
        { 0, 6, "NaN", NAN }, { 0, 6, "+inf", INFINITY }, { 1, 6, "-inf", -INFINITY },
        { 0, 7, "NaN", NAN }, { 0, 7, "+inf", INFINITY }, { 0, 7, "0", 0 },
        { 1, 7, "-1", -1 }, { 1, 7, "-inf", -INFINITY },
        { 0, 8, "NaN", NAN }, { 0, 8, "+inf", INFINITY }, { 0, 8, "0", 0 }, { 0, 8, "-1", -1 },
        { 1, 8, "NaN", NAN },
        { 0, 9, "NaN", NAN }, { 0, 9, "+inf", INFINITY }, { 0, 9, "-1e-9", -1e-9 },
        { 1, 9, "-1", -1 }, { 1, 9, "+inf", INFINITY },
        { 0, 10, "NaN", NAN }, { 0, 10, "+inf", INFINITY }, { 0, 10, "-1e-9", -1e-9 },
        { 1, 10, "NaN", NAN },
        { 0, 11, "NaN", NAN }, { 1, 11, "+inf", INFINITY }, { 1, 11, "0", 0 },
        { 1, 11, "-1", -1 },
    };
    static const char *const names[] = { "reserved", "instrument", "settlement", "underlying",
                                         "option_type", "exercise", "quantity", "multiplier",
                                         "strike", "expiry", "vol", "entry_price" };
    static const char *const kinds[] = { "option", "future" };
    static char buf[64];
    if (k < 0 || (size_t)k >= BAD_N(T))
        return 0;
    const mut *m = &T[k];
    int iv = m->f <= 5 ? (int)m->v : 0;     /* the integer fields; NaN has no int value */
    if (m->f == 3 && m->v == -2)
        iv = (int)n_mkt;             /* one past the last underlying */
    switch (m->f) {
    case 0: p->reserved = iv; break;
    case 1: p->instrument = iv; break;
    case 2: p->settlement = iv; break;
    case 3: p->underlying = iv; break;
    case 4: p->option_type = iv; break;
    case 5: p->exercise = iv; break;
    case 6: p->quantity = m->v; break;
    case 7: p->multiplier = m->v; break;
    case 8: p->strike = m->v; break;
    case 9: p->expiry = m->v; break;
    case 10: p->vol = m->v; break;
    default: p->entry_price = m->v; break;
    }
    *kind = m->kind;
    snprintf(buf, sizeof buf, "%s", names[m->f]);
    *field = buf;
    static char lab[64];
    snprintf(lab, sizeof lab, "%s (%s)", m->label, kinds[m->kind]);
    *label = lab;
    return 1;
}

/* The valid records the mutations start from: a European call on underlying u and a
   linear future on u. */
static inline mgn_position bad_base_option(int u)
{
    mgn_position p = { MGN_OPTION, u, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 0,
                       -2, 1, 100, 0.5, 0.4, 0 };
    return p;
}
static inline mgn_position bad_base_future(int u)
{
    mgn_position p = { MGN_FUTURE, u, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 0,
                       3, 1, 0, 0.25, 0, 95 };
    return p;
}

/* A small valid book: two underlyings; a European call (index 0) and a linear future
   (index 1) on underlying 0, an inverse perpetual on underlying 1 (index 2). */
enum { BAD_NMKT = 2, BAD_NPOS = 3 };
static inline void bad_default_book(mgn_market *mkt, mgn_position *pos)
{
    mkt[0] = (mgn_market){ 100, 0.03, 0.01 };
    mkt[1] = (mgn_market){ 2000, 0.02, 0 };
    pos[0] = bad_base_option(0);
    pos[1] = bad_base_future(0);
    pos[2] = (mgn_position){ MGN_PERPETUAL, 1, MGN_CALL, MGN_INVERSE, MGN_EUROPEAN, 0,
                             -5, 10, 0, 0, 0, 1900 };
}

/* Labelled bad values of an int argument. */
typedef struct { const char *label; int v; } bad_int;
/* A currency argument on a book of BAD_NMKT underlyings. */
static const bad_int BAD_CURRENCY[] = { { "-2", -2 }, { "n_mkt", BAD_NMKT }, { "INT_MAX", INT_MAX },
                                        { "INT_MIN", INT_MIN } };

/*---------------------------------------------------------------- struct fields */

/* A field of a struct argument and its bad values (doubles or ints). */
typedef struct {
    const char *field;
    size_t offset;
    int is_int;
    const bad_double *d;
    const bad_int *i;
    size_t n;
} bad_field;
#define BAD_DFIELD(type, f, list) { #f, offsetof(type, f), 0, (list), NULL, BAD_N(list) }
#define BAD_IFIELD(type, f, list) { #f, offsetof(type, f), 1, NULL, (list), BAD_N(list) }
/* A field of an array member: "ext_move[3]" at offset. */
#define BAD_DFIELD_AT(name, off, list) { (name), (off), 0, (list), NULL, BAD_N(list) }
#define BAD_IFIELD_AT(name, off, list) { (name), (off), 1, NULL, (list), BAD_N(list) }

/* The call under test with a (mutated) copy of the struct argument; as bad_book_call
   it checks its own outputs. */
typedef int (*bad_struct_call)(const void *arg, void *ctx);

/* Each bad value of each field, one at a time in a copy of *good (size bytes, at most
   1024), must give `want`. arg names the argument in the record ("params->"). */
static inline void bad_struct_fields_at(const char *fn, const char *arg, const void *good,
                                        size_t size, const bad_field *fields, size_t n_fields,
                                        int want, bad_struct_call call, void *ctx,
                                        const char *file, int line)
{
    union { unsigned char b[1024]; double d; size_t z; const void *p; } u;
    unsigned char *buf = u.b;
    char name[96];
    assert_true(size <= sizeof u.b);
    memcpy(buf, good, size);
    if (call(buf, ctx) != MGN_OK) {
        print_error("%s: the valid %s fails\n", fn, arg);
        _fail(file, line);
    }
    for (size_t f = 0; f < n_fields; f++)
        for (size_t k = 0; k < fields[f].n; k++) {
            memcpy(buf, good, size);
            const char *label;
            if (fields[f].is_int) {
                memcpy(buf + fields[f].offset, &fields[f].i[k].v, sizeof(int));
                label = fields[f].i[k].label;
            } else {
                memcpy(buf + fields[f].offset, &fields[f].d[k].v, sizeof(double));
                label = fields[f].d[k].label;
            }
            snprintf(name, sizeof name, "%s%s", arg, fields[f].field);
            bad_input_expect(fn, name, label, call(buf, ctx), want, NULL, file, line);
        }
}
#define bad_struct_fields(fn, arg, good, size, fields, call, ctx)                          \
    bad_struct_fields_at((fn), (arg), (good), (size), (fields), BAD_N(fields), MGN_EINVAL, \
                         (call), (ctx), __FILE__, __LINE__)

/* Common bad values of bounded doubles. */
static const bad_double BAD_D_UNIT_CLOSED[] = { BAD_NONFINITE, { "-0.1", -0.1 }, { "1.5", 1.5 } };  /* [0, 1] */
static const bad_double BAD_D_UNIT_HALFOPEN[] = { BAD_NONFINITE, { "-0.1", -0.1 }, { "1", 1 } };   /* [0, 1) */
static const bad_double BAD_D_UNIT_OPEN[] = { BAD_NONFINITE, { "0", 0 }, { "1", 1 }, { "-0.5", -0.5 },
                                              { "1.5", 1.5 } };                                    /* (0, 1) */
static const bad_double BAD_D_UNIT_LEFTOPEN[] = { BAD_NONFINITE, { "0", 0 }, { "-0.5", -0.5 },
                                                  { "1.5", 1.5 } };                                /* (0, 1] */

/* The function under test called on a book: markets (mkt, n_mkt) and positions
   (pos, n_pos); `which` is the index of the position a mutation changed (-1 for a
   market mutation), for functions that take one position. The wrapper fills its
   outputs with BAD_FILL, calls, and on failure checks with BAD_UNTOUCHED whatever
   the header promises to leave untouched. Returns the status. */
typedef int (*bad_book_call)(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                             size_t n_pos, int which, void *ctx);

enum { BAD_BOOK_MAX = 8 };

/* Every market mutation (on market 0) and every position mutation (on the option at
   pos[opt] and the future at pos[fut]) of a valid book must give MGN_EINVAL.
   mkt_arg / pos_arg name the arguments in the record ("mkt[]", "pos[]",
   "acct->pos[]", ...); a NULL mkt_arg skips the market mutations. */
static inline void bad_book_mutations_at(const char *fn, const char *mkt_arg, const char *pos_arg,
                                         bad_book_call call, void *ctx, const mgn_market *mkt,
                                         size_t n_mkt, const mgn_position *pos, size_t n_pos,
                                         int opt, int fut, const char *skip, const char *file,
                                         int line)
{
    mgn_market m[BAD_BOOK_MAX];
    mgn_position p[BAD_BOOK_MAX];
    char arg[160];   /* pos_arg, ".", a field of up to 63 chars */
    const char *field, *label;
    assert_true(n_mkt <= BAD_BOOK_MAX && n_pos <= BAD_BOOK_MAX && n_mkt > 0);
    assert_true(pos[opt].instrument == MGN_OPTION && pos[fut].instrument == MGN_FUTURE);
    /* the unchanged book is valid */
    memcpy(m, mkt, n_mkt * sizeof *m);
    memcpy(p, pos, n_pos * sizeof *p);
    if (call(m, n_mkt, p, n_pos, opt, ctx) != MGN_OK || call(m, n_mkt, p, n_pos, fut, ctx) != MGN_OK) {
        print_error("%s: the valid book fails\n", fn);
        _fail(file, line);
    }
    for (int k = 0; mkt_arg; k++) {
        memcpy(m, mkt, n_mkt * sizeof *m);
        if (!bad_market_case(k, &m[0], &field, &label))
            break;
        snprintf(arg, sizeof arg, "%s.%s", mkt_arg, field);
        bad_input_expect(fn, arg, label, call(m, n_mkt, pos, n_pos, -1, ctx), MGN_EINVAL, NULL,
                         file, line);
    }
    for (int k = 0;; k++) {
        mgn_position probe = pos[opt];
        int kind;
        if (!bad_position_case(k, n_mkt, &probe, &kind, &field, &label))
            break;
        int i = kind == BAD_POS_OPTION ? opt : fut;
        char both[160];
        snprintf(both, sizeof both, "%s %s", field, label);
        if (skip && strcmp(both, skip) == 0)
            continue;
        memcpy(p, pos, n_pos * sizeof *p);
        bad_position_case(k, n_mkt, &p[i], &kind, &field, &label);
        size_t len = strlen(pos_arg);
        int arrow = len >= 2 && strcmp(pos_arg + len - 2, "->") == 0;
        snprintf(arg, sizeof arg, "%s%s%s", pos_arg, arrow ? "" : ".", field);
        bad_input_expect(fn, arg, label, call(mkt, n_mkt, p, n_pos, i, ctx), MGN_EINVAL, NULL,
                         file, line);
    }
}
#define bad_book_mutations(fn, mkt_arg, pos_arg, call, ctx, mkt, n_mkt, pos, n_pos, opt, fut) \
    bad_book_mutations_at((fn), (mkt_arg), (pos_arg), (call), (ctx), (mkt), (n_mkt), (pos),     \
                          (n_pos), (opt), (fut), NULL, __FILE__, __LINE__)
/* The same without the mutation named skip ("field label", e.g. "entry_price 0 (future)"). */
#define bad_book_mutations_except(fn, mkt_arg, pos_arg, call, ctx, mkt, n_mkt, pos, n_pos, opt, \
                                  fut, skip)                                                   \
    bad_book_mutations_at((fn), (mkt_arg), (pos_arg), (call), (ctx), (mkt), (n_mkt), (pos),     \
                          (n_pos), (opt), (fut), (skip), __FILE__, __LINE__)

/*---------------------------------------------------------------- accounts */

/* The function under test called on (mkt, n_mkt, acct, params); as bad_book_call it
   fills and checks its own outputs. */
typedef int (*bad_acct_call)(const mgn_market *mkt, size_t n_mkt, const mgn_account *acct,
                             const mgn_account_params *params, void *ctx);

typedef struct {
    bad_acct_call call;
    void *ctx;
    mgn_account acct;
    const mgn_account_params *params;
} bad_acct_tramp;

static inline int bad_acct_book_call(const mgn_market *mkt, size_t n_mkt, const mgn_position *pos,
                                     size_t n_pos, int which, void *ctx)
{
    (void)which;
    bad_acct_tramp *t = (bad_acct_tramp *)ctx;
    mgn_account a = t->acct;
    a.pos = pos;
    a.n_pos = n_pos;
    return t->call(mkt, n_mkt, &a, t->params, t->ctx);
}

/* A valid account on the default book (bad_default_book): a quote balance and a
   balance in the coin of underlying 1, reported in quote. */
static inline mgn_account bad_default_account(const mgn_position *pos, const mgn_balance *bal)
{
    mgn_account a;
    memset(&a, 0, sizeof a);
    a.struct_size = sizeof a;
    a.pos = pos;
    a.n_pos = BAD_NPOS;
    a.bal = bal;
    a.n_bal = 2;
    a.currency = MGN_QUOTE;
    return a;
}
static inline void bad_default_balances(mgn_balance *bal)
{
    bal[0] = (mgn_balance){ MGN_QUOTE, 0, 50000, 0, 0 };
    bal[1] = (mgn_balance){ 1, 0, 2, 0.05, 1e-4 };
}

/* Every bad value of the market snapshot, the account (its fields, positions,
   balances and isolated collateral) and the account params: MGN_EINVAL, or MGN_ERANGE
   for n_mkt 0 and absurd counts (mgn_account_eval's status list). acct and params
   must be valid, params in cross mode (or NULL for a function without params); acct
   on the default book. batch: the function
   evaluates many accounts (mgn_account_sweep) and reports any invalid account as
   MGN_EINVAL. */
static inline void bad_account_inputs_at(const char *fn, const char *acct_arg, bad_acct_call call,
                                         void *ctx, const mgn_market *mkt, size_t n_mkt,
                                         const mgn_account *acct,
                                         const mgn_account_params *params, int batch,
                                         const char *file, int line)
{
    char arg[96];
    const char *field, *label;
    mgn_market m[BAD_BOOK_MAX];
    assert_true(n_mkt == BAD_NMKT && acct->n_pos == BAD_NPOS && acct->n_bal == 2);
#define EXPECT(a, l, want, expr) bad_input_expect(fn, (a), (l), (expr), (want), NULL, file, line)
    if (call(mkt, n_mkt, acct, params, ctx) != MGN_OK) {
        print_error("%s: the valid account fails\n", fn);
        _fail(file, line);
    }
    /* markets */
    for (int k = 0;; k++) {
        memcpy(m, mkt, n_mkt * sizeof *m);
        if (!bad_market_case(k, &m[0], &field, &label))
            break;
        snprintf(arg, sizeof arg, "mkt[].%s", field);
        EXPECT(arg, label, MGN_EINVAL, call(m, n_mkt, acct, params, ctx));
    }
    EXPECT("mkt", "NULL", MGN_EINVAL, call(NULL, n_mkt, acct, params, ctx));
    EXPECT("n_mkt", "0", MGN_ERANGE, call(mkt, 0, acct, params, ctx));
    for (size_t s = 0; s < BAD_N(BAD_SIZES); s++)
        EXPECT("n_mkt", BAD_SIZES[s].label, MGN_ERANGE, call(mkt, BAD_SIZES[s].v, acct, params, ctx));
    /* the account record */
    EXPECT(acct_arg, "NULL", MGN_EINVAL, call(mkt, n_mkt, NULL, params, ctx));
    {
        static const bad_size ss[] = { { "0", 0 }, { "sizeof - 8", sizeof(mgn_account) - 8 },
                                       { "sizeof + 8", sizeof(mgn_account) + 8 }, { "SIZE_MAX", SIZE_MAX } };
        snprintf(arg, sizeof arg, "%s->struct_size", acct_arg);
        for (size_t k = 0; k < BAD_N(ss); k++) {
            mgn_account a = *acct;
            a.struct_size = ss[k].v;
            EXPECT(arg, ss[k].label, MGN_EINVAL, call(mkt, n_mkt, &a, params, ctx));
        }
        mgn_account a = *acct;
        a.reserved = 1;
        snprintf(arg, sizeof arg, "%s->reserved", acct_arg);
        EXPECT(arg, "1", MGN_EINVAL, call(mkt, n_mkt, &a, params, ctx));
        snprintf(arg, sizeof arg, "%s->currency", acct_arg);
        for (size_t k = 0; k < BAD_N(BAD_CURRENCY); k++) {
            a = *acct;
            a.currency = BAD_CURRENCY[k].v;
            EXPECT(arg, BAD_CURRENCY[k].label, MGN_EINVAL, call(mkt, n_mkt, &a, params, ctx));
        }
        for (size_t s = 0; s < BAD_N(BAD_SIZES); s++) {
            a = *acct;
            a.n_pos = BAD_SIZES[s].v;
            snprintf(arg, sizeof arg, "%s->n_pos", acct_arg);
            EXPECT(arg, BAD_SIZES[s].label, batch ? MGN_EINVAL : MGN_ERANGE,
                   call(mkt, n_mkt, &a, params, ctx));
            a = *acct;
            a.n_bal = BAD_SIZES[s].v;
            snprintf(arg, sizeof arg, "%s->n_bal", acct_arg);
            EXPECT(arg, BAD_SIZES[s].label, batch ? MGN_EINVAL : MGN_ERANGE,
                   call(mkt, n_mkt, &a, params, ctx));
        }
        a = *acct;
        a.pos = NULL;
        snprintf(arg, sizeof arg, "%s->pos", acct_arg);
        EXPECT(arg, "NULL (n_pos = 3)", MGN_EINVAL, call(mkt, n_mkt, &a, params, ctx));
        a = *acct;
        a.bal = NULL;
        snprintf(arg, sizeof arg, "%s->bal", acct_arg);
        EXPECT(arg, "NULL (n_bal = 2)", MGN_EINVAL, call(mkt, n_mkt, &a, params, ctx));
    }
    /* positions */
    {
        bad_acct_tramp t = { call, ctx, *acct, params };
        snprintf(arg, sizeof arg, "%s->pos[]", acct_arg);
        bad_book_mutations_at(fn, NULL, arg, bad_acct_book_call, &t, mkt, n_mkt, acct->pos,
                              acct->n_pos, 0, 1, NULL, file, line);
    }
    /* balances */
    {
        static const bad_int asset[] = { { "-2", -2 }, { "n_mkt", BAD_NMKT }, { "INT_MAX", INT_MAX } };
        static const bad_int res[] = { { "1", 1 }, { "-1", -1 } };
        const bad_field bf[] = {
            BAD_IFIELD(mgn_balance, asset, asset), BAD_IFIELD(mgn_balance, reserved, res),
            BAD_DFIELD(mgn_balance, amount, BAD_D_FINITE),
            BAD_DFIELD(mgn_balance, haircut, BAD_D_UNIT_CLOSED),
            BAD_DFIELD(mgn_balance, haircut_slope, BAD_D_NONNEG),
        };
        for (size_t f = 0; f < BAD_N(bf); f++)
            for (size_t k = 0; k < bf[f].n; k++) {
                mgn_balance b[2] = { acct->bal[0], acct->bal[1] };
                unsigned char *rec = (unsigned char *)&b[1];
                if (bf[f].is_int)
                    memcpy(rec + bf[f].offset, &bf[f].i[k].v, sizeof(int));
                else
                    memcpy(rec + bf[f].offset, &bf[f].d[k].v, sizeof(double));
                mgn_account a = *acct;
                a.bal = b;
                snprintf(arg, sizeof arg, "%s->bal[].%s", acct_arg, bf[f].field);
                EXPECT(arg, bf[f].is_int ? bf[f].i[k].label : bf[f].d[k].label, MGN_EINVAL,
                       call(mkt, n_mkt, &a, params, ctx));
            }
    }
    /* isolated collateral, in isolated mode (validated whenever present) */
    {
        mgn_account_params iso;
        const mgn_account_params *ip = NULL;
        if (params) {
            iso = *params;
            iso.mode = MGN_MODE_ISOLATED;
            ip = &iso;
        }
        double col[BAD_NPOS] = { 100, 100, 100 };
        mgn_account a = *acct;
        a.isolated = col;
        if (call(mkt, n_mkt, &a, ip, ctx) != MGN_OK) {
            print_error("%s: the valid isolated account fails\n", fn);
            _fail(file, line);
        }
        static const bad_double bad_col[] = { BAD_NONFINITE, { "-1", -1 }, { "-1e-300", -1e-300 } };
        snprintf(arg, sizeof arg, "%s->isolated[i]", acct_arg);
        for (size_t k = 0; k < BAD_N(bad_col); k++) {
            col[1] = bad_col[k].v;
            EXPECT(arg, bad_col[k].label, MGN_EINVAL, call(mkt, n_mkt, &a, ip, ctx));
        }
    }
    /* params (functions without params pass NULL and skip this) */
    if (params) {
        EXPECT("params", "NULL", MGN_EINVAL, call(mkt, n_mkt, acct, NULL, ctx));
        static const bad_size ss[] = { { "0", 0 }, { "sizeof - 8", sizeof(mgn_account_params) - 8 },
                                       { "sizeof + 8", sizeof(mgn_account_params) + 8 }, { "SIZE_MAX", SIZE_MAX } };
        for (size_t k = 0; k < BAD_N(ss); k++) {
            mgn_account_params p = *params;
            p.struct_size = ss[k].v;
            EXPECT("params->struct_size", ss[k].label, MGN_EINVAL, call(mkt, n_mkt, acct, &p, ctx));
        }
        static const bad_int modes[] = { { "-1", -1 }, { "3", 3 }, { "INT_MAX", INT_MAX } };
        for (size_t k = 0; k < BAD_N(modes); k++) {
            mgn_account_params p = *params;
            p.mode = modes[k].v;
            EXPECT("params->mode", modes[k].label, MGN_EINVAL, call(mkt, n_mkt, acct, &p, ctx));
        }
        for (size_t k = 0; k < BAD_N(BAD_D_UNIT_LEFTOPEN); k++) {
            mgn_account_params p = *params;
            p.liq_ratio = BAD_D_UNIT_LEFTOPEN[k].v;
            EXPECT("params->liq_ratio", BAD_D_UNIT_LEFTOPEN[k].label, MGN_EINVAL,
                   call(mkt, n_mkt, acct, &p, ctx));
        }
        /* cross mode: the standard rule sets */
        mgn_std_params sp[2];
        sp[0].struct_size = sizeof sp[0];
        assert_int_equal(mgn_std_preset(MGN_STD_PRESET_DERIBIT_BTC, &sp[0]), MGN_OK);
        sp[1] = sp[0];
        static const bad_size nstd[] = { { "0", 0 }, { "3 (neither 1 nor n_mkt)", 3 }, { "SIZE_MAX", SIZE_MAX } };
        for (size_t k = 0; k < BAD_N(nstd); k++) {
            mgn_account_params p = *params;
            p.std = sp;
            p.n_std = nstd[k].v;
            EXPECT("params->n_std", nstd[k].label, MGN_EINVAL, call(mkt, n_mkt, acct, &p, ctx));
        }
        {
            mgn_std_params bad = sp[0];
            bad.im_base = NAN;
            mgn_account_params p = *params;
            p.std = &bad;
            p.n_std = 1;
            EXPECT("params->std[]", "a rule set with im_base NaN", MGN_EINVAL, call(mkt, n_mkt, acct, &p, ctx));
            bad = sp[0];
            bad.n_tiers = 0;
            EXPECT("params->std[]", "a rule set with n_tiers 0", MGN_ERANGE, call(mkt, n_mkt, acct, &p, ctx));
        }
        /* portfolio mode */
        mgn_pm_params pm[BAD_NMKT];
        mgn_span_params sn[BAD_NMKT];
        for (size_t u = 0; u < BAD_NMKT; u++) {
            assert_int_equal(mgn_pm_preset_occ(&pm[u]), MGN_OK);
            sn[u] = (mgn_span_params){ 0.1, 0.05, 2, 0.35, 0, 0.01, 0 };
        }
        mgn_account_params pp = *params;
        pp.mode = MGN_MODE_PORTFOLIO;
        pp.pm = pm;
        pp.span = sn;
        if (call(mkt, n_mkt, acct, &pp, ctx) != MGN_OK) {
            print_error("%s: the valid portfolio-mode params fail\n", fn);
            _fail(file, line);
        }
        static const bad_int methods[] = { { "-1", -1 }, { "2", 2 }, { "INT_MAX", INT_MAX } };
        for (size_t k = 0; k < BAD_N(methods); k++) {
            mgn_account_params p = pp;
            p.pm_method = methods[k].v;
            EXPECT("params->pm_method", methods[k].label, MGN_EINVAL, call(mkt, n_mkt, acct, &p, ctx));
        }
        static const bad_double factors[] = { BAD_NONFINITE, { "0", 0 }, { "-1", -1 },
                                              { "1.5 (> pm_im_factor 1)", 1.5 } };
        for (size_t k = 0; k < BAD_N(factors); k++) {
            mgn_account_params p = pp;
            p.pm_mm_factor = factors[k].v;
            EXPECT("params->pm_mm_factor", factors[k].label, MGN_EINVAL, call(mkt, n_mkt, acct, &p, ctx));
            if (k < 3) {
                p = pp;
                p.pm_im_factor = factors[k].v;
                EXPECT("params->pm_im_factor", factors[k].label, MGN_EINVAL, call(mkt, n_mkt, acct, &p, ctx));
            }
        }
        {
            mgn_account_params p = pp;
            p.pm = NULL;
            EXPECT("params->pm", "NULL (portfolio mode, grid)", MGN_EINVAL, call(mkt, n_mkt, acct, &p, ctx));
            mgn_pm_params bpm[BAD_NMKT] = { pm[0], pm[1] };
            bpm[1].price_range = NAN;
            p.pm = bpm;
            EXPECT("params->pm[]", "price_range NaN", MGN_EINVAL, call(mkt, n_mkt, acct, &p, ctx));
            p = pp;
            p.pm_method = MGN_PM_METHOD_SPAN;
            p.span = NULL;
            EXPECT("params->span", "NULL (portfolio mode, SPAN)", MGN_EINVAL, call(mkt, n_mkt, acct, &p, ctx));
            mgn_span_params bsn[BAD_NMKT] = { sn[0], sn[1] };
            bsn[0].extreme_cover = 2;
            p.span = bsn;
            EXPECT("params->span[]", "extreme_cover 2", MGN_EINVAL, call(mkt, n_mkt, acct, &p, ctx));
            p.span = sn;
            p.pairs = NULL;
            p.n_pairs = 1;
            EXPECT("params->pairs", "NULL (n_pairs = 1)", MGN_EINVAL, call(mkt, n_mkt, acct, &p, ctx));
            const mgn_span_pair bad_pair = { 0, 0, 1, 1, 0.5 };
            p.pairs = &bad_pair;
            EXPECT("params->pairs[]", "a == b", MGN_EINVAL, call(mkt, n_mkt, acct, &p, ctx));
        }
    }
#undef EXPECT
}
#define bad_account_inputs(fn, acct_arg, call, ctx, mkt, n_mkt, acct, params, batch)       \
    bad_account_inputs_at((fn), (acct_arg), (call), (ctx), (mkt), (n_mkt), (acct), (params), \
                          (batch), __FILE__, __LINE__)

#endif
