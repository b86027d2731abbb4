/* liquidation_monitor: a small book of accounts built in code, their margin status
 * under the three modes, liquidation prices, a what-if order, a partial liquidation
 * plan, and a -30% shock cascade, printed as tables.
 *
 *   make examples && build/examples/liquidation_monitor
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "margin.h"

#define NA 6
static const char *STATUS[] = { "OK", "RESTRICTED", "MARGIN_CALL", "LIQUIDATE", "BANKRUPT" };

static mgn_position perp(int u, double q, double entry)
{
    mgn_position p = { MGN_PERPETUAL, u, 0, MGN_LINEAR, 0, 0, q, 1, 0, 0, 0, entry };
    return p;
}
static mgn_position option(int u, int type, double q, double K, double days, double vol)
{
    mgn_position p = { MGN_OPTION, u, type, MGN_LINEAR, MGN_EUROPEAN, 0, q, 1, K, days / 365, vol, 0 };
    return p;
}

static int check(int st, const char *what)
{
    if (st != MGN_OK) {
        fprintf(stderr, "%s: %s\n", what, mgn_strerror(st));
        exit(1);
    }
    return st;
}

/* One side of the liquidation-price table: price, distance in % and in sd, or "-". */
static void side(int has, double price, double pct, double sd, char out[3][16])
{
    if (!has) {
        for (int k = 0; k < 3; k++)
            snprintf(out[k], sizeof out[k], "-");
        return;
    }
    snprintf(out[0], sizeof out[0], "%.0f", price);
    snprintf(out[1], sizeof out[1], "%.2f", pct);
    snprintf(out[2], sizeof out[2], "%.2f", sd);
}

int main(void)
{
    mgn_market mkt[2] = { { 60000, 0.03, 0.0 }, { 3000, 0.03, 0.0 } };
    /* six accounts: leveraged longs, a hedged book, short option sellers */
    static mgn_position pos[NA][4];
    static mgn_balance bal[NA][2];
    size_t npos[NA] = { 1, 2, 4, 3, 2, 1 };
    pos[0][0] = perp(0, 2, 61000);
    pos[1][0] = perp(0, 1, 58000); pos[1][1] = perp(1, -10, 3100);
    pos[2][0] = option(0, MGN_CALL, -5, 70000, 30, 0.55); pos[2][1] = option(0, MGN_PUT, -5, 50000, 30, 0.6);
    pos[2][2] = option(0, MGN_CALL, 5, 80000, 30, 0.55); pos[2][3] = option(0, MGN_PUT, 5, 40000, 30, 0.65);
    pos[3][0] = perp(0, 3, 60500); pos[3][1] = option(0, MGN_PUT, 3, 55000, 60, 0.6);
    pos[3][2] = option(0, MGN_CALL, -3, 70000, 60, 0.55);
    pos[4][0] = perp(1, 40, 3050); pos[4][1] = option(1, MGN_PUT, -20, 2800, 14, 0.7);
    pos[5][0] = perp(0, -1.5, 59000);
    double cash[NA] = { 14000, 9000, 60000, 30000, 16000, 10000 };
    mgn_account acct[NA];
    for (int k = 0; k < NA; k++) {
        mgn_balance b0 = { MGN_QUOTE, 0, cash[k], 0, 0 };
        mgn_balance b1 = { 0, 0, 0.1 * k, 0.05, 0.001 };   /* some BTC collateral, haircut */
        bal[k][0] = b0;
        bal[k][1] = b1;
        memset(&acct[k], 0, sizeof acct[k]);
        acct[k].struct_size = sizeof acct[k];
        acct[k].pos = pos[k];
        acct[k].n_pos = npos[k];
        acct[k].bal = bal[k];
        acct[k].n_bal = 2;
        acct[k].currency = MGN_QUOTE;
    }
    mgn_std_params deribit;
    deribit.struct_size = sizeof deribit;
    check(mgn_std_preset(MGN_STD_PRESET_DERIBIT_BTC, &deribit), "preset");
    mgn_pm_params pm[2];
    mgn_pm_preset_deribit(&pm[0]);
    mgn_pm_preset_deribit(&pm[1]);
    mgn_account_params cross, port;
    mgn_account_params_init(&cross);
    cross.std = &deribit;
    cross.n_std = 1;
    port = cross;
    port.mode = MGN_MODE_PORTFOLIO;
    port.pm = pm;
    size_t ws, ws2, ws3;
    check(mgn_account_work_size(&port, 2, 4, &ws), "work size");
    check(mgn_liq_prices_work_size(&cross, 2, 5, &ws2), "work size");
    check(mgn_liq_partial_work_size(&cross, 2, 4, &ws3), "work size");
    if (ws2 > ws) ws = ws2;
    if (ws3 > ws) ws = ws3;
    void *work = malloc(ws);

    printf("Accounts at BTC %.0f, ETH %.0f (USD; cross = standard margin, Deribit rules;\n"
           "portfolio = Deribit-like PM grid, MM = 0.8 x requirement)\n\n", mkt[0].spot, mkt[1].spot);
    printf("| acct | equity    | cross IM  | cross MM  | status      | PM IM     | PM MM     | PM status   |\n");
    printf("|------|-----------|-----------|-----------|-------------|-----------|-----------|-------------|\n");
    for (int k = 0; k < NA; k++) {
        mgn_account_result c, p;
        check(mgn_account_eval(mkt, 2, &acct[k], &cross, 0, INFINITY, NULL, 0, &c, NULL), "eval");
        check(mgn_account_eval(mkt, 2, &acct[k], &port, 0, INFINITY, work, ws, &p, NULL), "eval");
        printf("| %4d | %9.0f | %9.0f | %9.0f | %-11s | %9.0f | %9.0f | %-11s |\n", k, c.equity,
               c.im, c.mm, STATUS[c.status], p.im, p.mm, STATUS[p.status]);
    }

    printf("\nLiquidation prices of BTC (cross, 0.1x..10x spot, distance in 1-day sd at 60%% vol)\n\n");
    printf("| acct | below     | dist %%  | sd     | above     | dist %%  | sd     | roots |\n");
    printf("|------|-----------|---------|--------|-----------|---------|--------|-------|\n");
    mgn_liq_search s;
    mgn_liq_search_init(&s);
    s.vol = 0.6;
    double roots[16];
    for (int k = 0; k < NA; k++) {
        mgn_liq_price_result r;
        check(mgn_liq_prices(mkt, 2, &acct[k], &cross, &s, work, ws, roots, 16, &r), "liq prices");
        char b[3][16], a[3][16];
        side(r.has_below, r.below, r.below_pct, r.below_sd, b);
        side(r.has_above, r.above, r.above_pct, r.above_sd, a);
        printf("| %4d | %9s | %7s | %6s | %9s | %7s | %6s | %5zu |\n", k, b[0], b[1], b[2],
               a[0], a[1], a[2], r.n_roots);
    }

    /* what-if: account 0 wants to buy 1 more BTC perpetual at 60,100 */
    mgn_position order = perp(0, 1, 60100);
    mgn_whatif_result wi;
    check(mgn_account_whatif(mkt, 2, &acct[0], &cross, &order, 0, 0, INFINITY, NULL, 0, &wi), "whatif");
    mgn_liq_price_result lr;
    check(mgn_whatif_liq_prices(mkt, 2, &acct[0], &cross, &order, 0, &s, work, ws, roots, 16, &lr), "whatif liq");
    double qmax;
    check(mgn_account_max_order(mkt, 2, &acct[0], &cross, &order, 0, 2.0, 100, NULL, 0, &qmax), "max order");
    printf("\nWhat-if, account 0 buys 1 BTC-PERP at 60,100: IM %.0f -> %.0f, status %s -> %s, %s;\n"
           "liquidation price after %.0f; largest buy keeping equity/MM >= 2: %.4f BTC\n",
           wi.before.im, wi.after.im, STATUS[wi.before.status], STATUS[wi.after.status],
           wi.accept ? "accepted" : "rejected", lr.below, qmax);

    /* partial liquidation plan for the weakest account at a -8% move */
    mgn_market m8[2] = { mkt[0], mkt[1] };
    m8[0].spot *= 0.735;
    mgn_liq_params lp;
    mgn_liq_params_init(&lp);
    mgn_liq_close cl[4];
    mgn_liq_result plan;
    check(mgn_liq_partial(m8, 2, &acct[1], &cross, &lp, NULL, work, ws, cl, &plan), "partial");
    printf("\nBTC -26.5%%: account 1 is %s (equity %.0f, MM %.0f); plan (largest MM first, 50%% cap,"
           " 0.75%% penalty):\n", STATUS[plan.before.status], plan.before.equity, plan.before.mm);
    for (size_t i = 0; i < plan.n_closes; i++)
        printf("  close %.4f of position %zu (%.1f%%) at %.2f, notional %.0f, penalty %.2f\n",
               cl[i].quantity, cl[i].position, 100 * cl[i].fraction, cl[i].price, cl[i].notional,
               cl[i].penalty);
    printf("  after: equity %.0f, MM %.0f, status %s%s\n", plan.after.equity, plan.after.mm,
           STATUS[plan.after.status], plan.full ? " (full liquidation)" : "");

    /* cascade: -30% on both underlyings, square-root impact */
    mgn_cascade_params cp;
    memset(&cp, 0, sizeof cp);
    cp.struct_size = sizeof cp;
    cp.impact_model = MGN_IMPACT_SQRT;
    cp.max_rounds = 20;
    cp.impact = 0.05;
    cp.penalty_rate = 0.0075;
    cp.insurance_fund = 5000;
    double shock[2] = { -0.30, -0.30 }, depth[2] = { 50, 500 };
    size_t wc;
    check(mgn_cascade_work_size(&cross, 2, NA, 4, &wc), "cascade ws");
    void *w2 = malloc(wc);
    mgn_cascade_round rd[20];
    mgn_cascade_result cr;
    check(mgn_cascade(mkt, 2, acct, NA, &cross, &cp, shock, depth, w2, wc, rd, NULL, &cr), "cascade");
    printf("\nCascade after a -30%% shock (sqrt impact 0.05, depth 50 BTC / 500 ETH, fund 5,000)\n\n");
    printf("| round | BTC price | liquidated | notional  | bad debt | fees   | fund left |\n");
    printf("|-------|-----------|------------|-----------|----------|--------|-----------|\n");
    for (size_t r = 0; r < cr.n_rounds; r++)
        printf("| %5zu | %9.0f | %10zu | %9.0f | %8.0f | %6.0f | %9.0f |\n", r + 1, rd[r].price,
               rd[r].n_liquidated, rd[r].notional, rd[r].bad_debt, rd[r].fees, rd[r].fund);
    printf("\n%zu accounts liquidated, bad debt %.0f, uncovered %.0f, %s\n", cr.n_liquidated,
           cr.bad_debt, cr.uncovered, cr.converged ? "converged" : "round limit reached");
    free(work);
    free(w2);
    return 0;
}
