/* Internal declarations of the account modules (lib/account.c, liquidation.c,
 * oracle.c, cascade.c). Never installed.
 *
 * An evaluation environment (mgn__acct_env) holds the validated parameters of one
 * call: the markets and the rule sets. The core evaluator mgn__acct_eval takes the
 * market array separately, so the root search and the cascade can evaluate the same
 * account at moved prices without validating again.
 */
#ifndef MGN_ACCOUNT_H
#define MGN_ACCOUNT_H

#include <float.h>
#include <limits.h>
#include <stdint.h>
#include "portfolio.h"

/* Largest counts the account functions take: INT_MAX - 1 positions (with an order
   they still fit an int) and INT_MAX markets, lowered where size_t is too narrow for
   the workspaces of that many (never on a 64-bit size_t). Within them no workspace
   size below overflows: 1024 bytes per position and 4096 per market bound them. */
#define MGN__ACCT_MAX_POS ((size_t)INT_MAX - 1 < SIZE_MAX / 1024 ? (size_t)INT_MAX - 1 \
                                                                 : SIZE_MAX / 1024)
#define MGN__ACCT_MAX_MKT ((size_t)INT_MAX < SIZE_MAX / 4096 ? (size_t)INT_MAX : SIZE_MAX / 4096)

typedef struct mgn__acct_env {
    const mgn_account_params *prm;
    const mgn_std_params *std;   /* rule sets (prm->std, or &std_default) */
    size_t n_std;
    mgn_std_params std_default;
    size_t n_mkt;
    int fast;                    /* cross/isolated without strategy pairing: sums of
                                    per-position figures, no workspace */
} mgn__acct_env;

/* Validates params against n_mkt markets (mkt validated too) and fills env.
   Do not copy env by value (env->std may point into it). */
MGN_INTERNAL int mgn__acct_env_init(mgn__acct_env *env, const mgn_market *mkt, size_t n_mkt,
                                    const mgn_account_params *prm);
/* Validates an account (struct, positions, balances, isolated collateral, currency). */
MGN_INTERNAL int mgn__acct_check(const mgn_account *a, size_t n_mkt);
/* Validates one position used as an order. */
MGN_INTERNAL int mgn__order_check(const mgn_position *o, size_t n_mkt);
/* Workspace bytes of mgn__acct_eval for n_pos <= MGN__ACCT_MAX_POS positions and
   env->n_mkt <= MGN__ACCT_MAX_MKT markets (0 on the fast path). */
MGN_INTERNAL size_t mgn__acct_work_need(const mgn__acct_env *env, size_t n_pos);

/* Core evaluation of a validated account on markets mkt (n_mkt = env->n_mkt, valid).
   extra: an additional position (what-if order; NULL for none) with isolated
   collateral extra_iso and an equity adjustment extra_equity (account currency) of
   that position; with extra NULL, extra_equity is added to the pooled collateral
   instead (cash realised by closes). pp: NULL or n_pos (+1 with extra) records.
   qscale: NULL, or per-position factors multiplying quantities (partial liquidation;
   requires the workspace of n_pos + 1 positions when not on the fast path). */
MGN_INTERNAL int mgn__acct_eval(const mgn__acct_env *env, const mgn_market *mkt,
                                const mgn_account *a, const mgn_position *extra,
                                double extra_iso, double extra_equity, const double *qscale,
                                double now, double deadline, void *work, size_t work_size,
                                mgn_account_result *out, mgn_position_result *pp);

/* Equity adjustment of a what-if order (counted before the fill minus its value at the
   mark; see mgn_account_whatif), account currency. */
MGN_INTERNAL int mgn__order_adjust(const mgn_market *mkt, const mgn_position *o, int cur,
                                   double *adj);

/* Status of equity e against im, mm (MARGIN-MODEL.md 7). */
static inline int mgn__acct_status(double e, double im, double mm, double liq_ratio,
                                   double now, double deadline)
{
    if (e < 0) return MGN_ACCT_BANKRUPT;
    if (e < mm * liq_ratio || (e < mm && now >= deadline)) return MGN_ACCT_LIQUIDATE;
    if (e < mm) return MGN_ACCT_MARGIN_CALL;
    if (e < im) return MGN_ACCT_RESTRICTED;
    return MGN_ACCT_OK;
}

/* Mark per unit and closing notional (account currency, per contract of quantity) of
   a valid position: option value (quote per unit of underlying), F, or S. */
MGN_INTERNAL void mgn__close_terms(const mgn_market *mkt, const mgn_position *p, int currency,
                                   double *mark, double *notional_per_contract);

/* Conversion factors to the account currency: from quote, and from the coin of u. */
static inline double mgn__conv_quote(const mgn_market *mkt, int cur)
{
    return cur == MGN_QUOTE ? 1.0 : 1.0 / mkt[cur].spot;
}
static inline double mgn__conv_coin(const mgn_market *mkt, int u, int cur)
{
    return cur == MGN_QUOTE ? mkt[u].spot : cur == u ? 1.0 : mkt[u].spot / mkt[cur].spot;
}

#endif
