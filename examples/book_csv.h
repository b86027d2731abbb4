/*
 * The bundled book's CSV reader, shared by the example programs (span_margin.c,
 * var_report.c): examples/data/market.csv (underlyings) and examples/data/book.csv
 * (positions of several accounts). The library reads no files; examples do.
 * Bad input is reported as file:line and the program exits.
 *
 * The including program defines `static const char *prog` (its name, for messages)
 * and may define MAX_MKT, MAX_POS, MAX_ACCT, MAX_FIELD and NAME_LEN before including.
 */
#ifndef BOOK_CSV_H
#define BOOK_CSV_H

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "margin.h"

#ifndef MAX_MKT
#define MAX_MKT   8      /* underlyings in market.csv */
#endif
#ifndef MAX_POS
#define MAX_POS   4096   /* positions in book.csv */
#endif
#ifndef MAX_ACCT
#define MAX_ACCT  64     /* accounts */
#endif
#ifndef MAX_FIELD
#define MAX_FIELD 24     /* columns per line */
#endif
#ifndef NAME_LEN
#define NAME_LEN  32
#endif

/*---------------------------------------------------------------- the book */
typedef struct book {
    size_t n_mkt, n_pos, n_acct;
    mgn_market mkt[MAX_MKT];
    char mkt_name[MAX_MKT][NAME_LEN];
    mgn_position pos[MAX_POS];
    int pos_acct[MAX_POS];                 /* account index of each position */
    int pos_line[MAX_POS];                 /* line of book.csv, for messages */
    char acct_name[MAX_ACCT][NAME_LEN];
} book;

static book B;   /* static: about 400 KB */

/* Report a failed libmargin call and exit. */
static void check(int status, const char *what)
{
    if (status != MGN_OK) {
        fprintf(stderr, "%s: %s failed: %s (status %d)\n", prog, what,
                mgn_strerror(status), status);
        exit(EXIT_FAILURE);
    }
}

/* Report bad input at file:line and exit. */
static void bad_line(const char *path, int line, const char *msg, const char *field)
{
    fprintf(stderr, "%s: %s:%d: %s%s%s%s\n", prog, path, line, msg,
            field ? " '" : "", field ? field : "", field ? "'" : "");
    exit(EXIT_FAILURE);
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* Splits a CSV line in place (no quoting: the files hold none). Returns the count. */
static int split(char *line, char **field, int max)
{
    int n = 0;
    for (char *p = line;;) {
        char *comma = strchr(p, ',');
        if (n == max)
            return max + 1;
        if (comma)
            *comma = '\0';
        field[n++] = trim(p);
        if (!comma)
            return n;
        p = comma + 1;
    }
}

/* A number; '-' or empty reads as 0 unless the column is required. */
static double number(const char *path, int line, const char *col, const char *s, int required)
{
    char *end;
    if (s[0] == '\0' || strcmp(s, "-") == 0) {
        if (required) {
            char msg[96];
            snprintf(msg, sizeof msg, "column %s is required here, found", col);
            bad_line(path, line, msg, s);
        }
        return 0.0;
    }
    double v = strtod(s, &end);
    if (*end != '\0' || !isfinite(v)) {
        char msg[96];
        snprintf(msg, sizeof msg, "column %s: not a number:", col);
        bad_line(path, line, msg, s);
    }
    return v;
}

/* Index of word in list (case-insensitive), or -1. */
static int lookup(const char *word, const char *const *list, int n)
{
    for (int i = 0; i < n; i++) {
        const char *a = word, *b = list[i];
        while (*a && tolower((unsigned char)*a) == tolower((unsigned char)*b))
            a++, b++;
        if (*a == '\0' && *b == '\0')
            return i;
    }
    return -1;
}

/* Reads non-comment lines; the first one must be the header `expect`. Calls row()
   for each data line. */
static void read_csv(const char *path, const char *expect,
                     void (*row)(const char *path, int line, char **f, int n))
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        perror(path);
        exit(EXIT_FAILURE);
    }
    char buf[1024];
    int line = 0, header = 0;
    while (fgets(buf, sizeof buf, fp)) {
        line++;
        if (!strchr(buf, '\n') && !feof(fp))
            bad_line(path, line, "line longer than 1023 characters", NULL);
        char *s = trim(buf);
        if (s[0] == '\0' || s[0] == '#')
            continue;
        if (!header) {
            if (strcmp(s, expect) != 0) {
                fprintf(stderr, "%s: %s:%d: expected the header\n  %s\nfound\n  %s\n", prog,
                        path, line, expect, s);
                exit(EXIT_FAILURE);
            }
            header = 1;
            continue;
        }
        char *f[MAX_FIELD + 1];
        int n = split(s, f, MAX_FIELD);
        row(path, line, f, n);
    }
    if (ferror(fp)) {
        perror(path);
        exit(EXIT_FAILURE);
    }
    fclose(fp);
    if (!header)
        bad_line(path, line, "no header line", NULL);
}

static const char MARKET_HEADER[] = "underlying,spot,rate_pct,carry_pct";
static const char BOOK_HEADER[] = "account,instrument,underlying,type,settlement,exercise,"
                                  "quantity,multiplier,strike,expiry_days,mark_vol_pct,entry_price";

static void market_row(const char *path, int line, char **f, int n)
{
    if (n != 4)
        bad_line(path, line, "expected 4 columns: " , MARKET_HEADER);
    if (B.n_mkt == MAX_MKT)
        bad_line(path, line, "too many underlyings for this example (MAX_MKT)", NULL);
    if (strlen(f[0]) == 0 || strlen(f[0]) >= NAME_LEN)
        bad_line(path, line, "bad underlying name", f[0]);
    for (size_t u = 0; u < B.n_mkt; u++)
        if (strcmp(B.mkt_name[u], f[0]) == 0)
            bad_line(path, line, "underlying listed twice:", f[0]);
    mgn_market *m = &B.mkt[B.n_mkt];
    m->spot = number(path, line, "spot", f[1], 1);
    m->rate = number(path, line, "rate_pct", f[2], 1) / 100.0;
    m->carry = number(path, line, "carry_pct", f[3], 1) / 100.0;
    /* the library validates markets too; checking here names the line */
    int st = mgn_portfolio_check(m, 1, NULL, 0, NULL);
    if (st != MGN_OK)
        bad_line(path, line, mgn_strerror(st), "(spot must be > 0, rates finite)");
    strcpy(B.mkt_name[B.n_mkt], f[0]);
    B.n_mkt++;
}

static void book_row(const char *path, int line, char **f, int n)
{
    static const char *const instruments[] = {"option", "future", "perpetual"};
    static const char *const types[] = {"call", "put"};
    static const char *const settlements[] = {"linear", "inverse"};
    static const char *const exercises[] = {"european", "american"};
    if (n != 12)
        bad_line(path, line, "expected the 12 columns of the header", NULL);
    if (B.n_pos == MAX_POS)
        bad_line(path, line, "too many positions for this example (MAX_POS)", NULL);

    mgn_position p;
    memset(&p, 0, sizeof p);
    if ((p.instrument = lookup(f[1], instruments, 3)) < 0)
        bad_line(path, line, "instrument must be option, future or perpetual, found", f[1]);
    int u = -1;
    for (size_t k = 0; k < B.n_mkt; k++)
        if (strcmp(B.mkt_name[k], f[2]) == 0)
            u = (int)k;
    if (u < 0)
        bad_line(path, line, "underlying not in the market file:", f[2]);
    p.underlying = u;
    if ((p.settlement = lookup(f[4], settlements, 2)) < 0)
        bad_line(path, line, "settlement must be linear or inverse, found", f[4]);
    int opt = p.instrument == MGN_OPTION;
    if (opt) {
        int t = lookup(f[3], types, 2), x = lookup(f[5], exercises, 2);
        if (t < 0)
            bad_line(path, line, "an option needs type call or put, found", f[3]);
        if (x < 0)
            bad_line(path, line, "an option needs exercise european or american, found", f[5]);
        p.option_type = t == 0 ? MGN_CALL : MGN_PUT;
        p.exercise = x == 0 ? MGN_EUROPEAN : MGN_AMERICAN;
    }
    p.quantity = number(path, line, "quantity", f[6], 1);
    p.multiplier = number(path, line, "multiplier", f[7], 1);
    p.strike = number(path, line, "strike", f[8], opt);
    p.expiry = number(path, line, "expiry_days", f[9], p.instrument != MGN_PERPETUAL) / 365.0;
    p.vol = number(path, line, "mark_vol_pct", f[10], opt) / 100.0;
    p.entry_price = number(path, line, "entry_price", f[11], !opt);

    /* account */
    if (strlen(f[0]) == 0 || strlen(f[0]) >= NAME_LEN)
        bad_line(path, line, "bad account name", f[0]);
    size_t a = 0;
    while (a < B.n_acct && strcmp(B.acct_name[a], f[0]) != 0)
        a++;
    if (a == B.n_acct) {
        if (B.n_acct == MAX_ACCT)
            bad_line(path, line, "too many accounts for this example (MAX_ACCT)", NULL);
        strcpy(B.acct_name[B.n_acct++], f[0]);
    }
    B.pos[B.n_pos] = p;
    B.pos_acct[B.n_pos] = (int)a;
    B.pos_line[B.n_pos] = line;
    B.n_pos++;
}

/* Checks the linked library's major version, reads both files and validates the
   whole book once with mgn_portfolio_check, naming the first bad position's line.
   Exits on any failure. */
static void load_book(const char *market_path, const char *book_path)
{
    if (mgn_version_number() / 10000 != MGN_VERSION_MAJOR) {
        fprintf(stderr, "%s: built against libmargin %d.x, linked with %s\n", prog,
                MGN_VERSION_MAJOR, mgn_version());
        exit(EXIT_FAILURE);
    }
    read_csv(market_path, MARKET_HEADER, market_row);
    if (B.n_mkt == 0)
        bad_line(market_path, 0, "no market lines", NULL);
    read_csv(book_path, BOOK_HEADER, book_row);
    if (B.n_pos == 0)
        bad_line(book_path, 0, "no positions", NULL);
    size_t bad = (size_t)-1;
    int st = mgn_portfolio_check(B.mkt, B.n_mkt, B.pos, B.n_pos, &bad);
    if (st == MGN_OK)
        return;
    if (bad < B.n_pos)
        fprintf(stderr, "%s: %s:%d: position rejected by mgn_portfolio_check: %s (multiplier "
                "must be > 0, expiry and vol >= 0, options need a strike > 0, futures and "
                "perpetuals an entry price > 0)\n", prog, book_path, B.pos_line[bad],
                mgn_strerror(st));
    else
        fprintf(stderr, "%s: mgn_portfolio_check failed: %s\n", prog, mgn_strerror(st));
    exit(EXIT_FAILURE);
}

#endif
