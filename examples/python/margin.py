"""ctypes binding of libmargin: option pricing, implied volatility and margin.

    import margin
    margin.bs_price('call', S=42, K=40, T=0.5, r=0.10, q=0.0, sigma=0.2)   # 4.7594...
    g = margin.bs_greeks('put', 42, 40, 0.5, 0.10, 0.0, 0.2)              # Greeks(...)
    g.delta, g.vega, g._asdict()
    margin.implied_vol('call', 42, 40, 0.5, 0.10, 0.0, 4.76)
    sigma, status = margin.implied_vol_batch('c', 60000, strikes, 0.25, 0.0, 0.0, prices)

Units and conventions are those of include/margin.h: T in years, r and q continuously
compounded per year, sigma per sqrt(year) as a fraction (0.8 = 80%), Greeks per one
unit of the raw input (vega per 1.00 of sigma, theta per year of time passing).

Option type
    'call' / 'put', 'c' / 'p' (any case), or the integers MGN_CALL (0) / MGN_PUT (1).

Errors
    A scalar function whose C call returns a nonzero status raises MarginError (or the
    subclass for that status: InvalidArgumentError, NoSolutionError,
    NoConvergenceError, OutOfMemoryError, RangeError, StaleError). The exception carries .status
    (the C code), .message (mgn_strerror's text) and .function (the C function).
    InvalidArgumentError is also a ValueError, OutOfMemoryError also a MemoryError.

Batch functions (suffix _batch)
    They take array-likes, broadcast against each other (scalars included), and follow
    the C semantics: every element is computed, an element with invalid input (or no
    implied vol) gets NaN in its output slot, and the call does NOT raise for that.
    Pass strict=True to raise MarginError instead when the C call reports any failing
    element (the exception's .result holds the computed output), or
    return_status=True to get (result, status) with the C function's overall status.
    implied_vol_batch returns (sigma, status) with one status code per element.
    With numpy importable, inputs may be any array-like of any shape and results are
    numpy arrays of the broadcast shape (float64; statuses int32). Without numpy,
    inputs are scalars or 1-D sequences (length-1 sequences and scalars broadcast)
    and results are Python lists (all-scalar input gives lists of length 1).
    The Greeks batch functions return a Greeks namedtuple whose fields are arrays.

Portfolio and margin
    Market, Position, Shock, SpanParams, SpanPair, StdParams, StdTier are namedtuples
    (plain data, picklable; dicts and tuples are accepted too) copied into the C
    structs at each call: scenario_pnl(markets, positions, shocks, dt, currency),
    span_margin(markets, params, positions, pairs, currency) -> SpanResult,
    var_es(pnl, weights, confidence) -> (var, es), std_preset(preset) -> StdParams,
    std_position_margin(...) -> (im, mm), std_margin(...) -> (im, mm) or StdMargin.
    Enumerated fields take the MGN_* integers or names ('option', 'future',
    'perpetual'; 'linear', 'inverse'; 'european', 'american'; 'call', 'put').

    Every function taking markets, positions or other records accepts, for each
    array of them: a sequence of records (namedtuples, dicts or tuples; the design
    used throughout), a numpy structured array whose field names are the C fields
    (missing fields take the record's defaults; position_dtype() is the exact C
    layout, passed without a copy), or a ctypes array of the mirrored struct.
    portfolio_check, portfolio_value, position_greeks, portfolio_greeks ->
    NetGreeks per market, scenario_pnl_matrix -> (n_scen, n_pos) array.
    span_margin_detail -> SpanDetail(result, per_market, risk); span_scenario(s).
    Portfolio margin grid: PmParams (pm_preset_span / _deribit / _occ),
    pm_scenario_count, pm_scenario(s), pm_margin -> PmResult, pm_margin_detail.

VaR, ES, backtests and dynamic margin
    var_es_contrib (component and incremental), hs_scenarios, var_historical,
    var_delta_normal, var_delta_gamma, var_montecarlo -> VarResult / DgResult /
    VarContrib; backtest_exceptions, backtest -> BacktestResult, backtest_zone;
    ewma_variance, dynamic_margin -> DynMarginResult.
    Parameter structs (HsParams, McParams, DynMarginParams) are namedtuples whose
    defaults come from the library's _init functions (hs_params(), mc_params(),
    dynmargin_params()); each wrapper takes params=None, a namedtuple or a dict of
    fields to change, plus keyword overrides: var_montecarlo(mkts, pos, cov,
    n_paths=20000, seed=7). Workspaces are allocated internally from the
    *_work_size functions (also exposed). Array inputs may be numpy arrays of any
    dtype and stride (copied to contiguous float64/int32) or (nested) lists; array
    outputs are numpy arrays (lists, lists of rows, without numpy). A nonzero status
    raises MarginError (subclass per status) with the mgn_strerror text.

Accounts, margin calls and liquidation
    Account(positions, balances, isolated, currency) is plain data (positions in any
    layout above, Balance records); AccountParams (account_params() gives the
    library's defaults: cross mode, default rules) chooses the mode and rule sets.
    account_eval -> AccountResult (status MGN_ACCT_*, ACCOUNT_STATUS_NAMES), with
    per-position results on request; account_sweep evaluates many accounts (a list of
    Account, or an AccountBook of flat position/balance arrays with per-account
    offsets, account_book() packs one) on a thread count, returning a structured
    array of account_result_dtype() (a list of AccountResult without numpy).
    liq_price_closed (closed form, LiqInput -> LiqClosed), liq_prices and
    whatif_liq_prices (every root, LiqSearch -> LiqPrices), account_whatif ->
    WhatifResult, account_max_order, oracle_index -> OracleResult, liq_partial ->
    LiqResult (a guard whose verdict is not OK raises StaleError, MGN_ESTALE),
    liq_economics -> LiqEconomics, cascade -> CascadeResult. Every workspace comes
    from the *_work_size functions (also exposed).

Library loading
    The shared library is found, in this order, at $MARGIN_LIBRARY, at lib/libmargin.so
    of the repository this file lives in (../../lib), or by
    ctypes.util.find_library('margin'). It is loaded when the module is imported; a
    missing library, a different major version or a struct whose size differs from
    this binding's mirror raises ImportError naming what differs. A public function
    the library lacks (an older minor version), or one taking a struct whose size the
    library does not report, raises NotImplementedError when called; library_info()
    lists them. The handle is a module-level global, never stored in an object that
    gets pickled: in another process (a Dask or multiprocessing worker) importing the
    module loads the library there. Every function is safe to call from many threads;
    ctypes releases the GIL during each C call.
"""

import collections
import ctypes
import ctypes.util
import math
import os
import threading

try:
    import numpy as _np
except ImportError:      # the list-based paths below work without numpy
    _np = None

__all__ = [
    "MGN_CALL", "MGN_PUT",
    "MGN_OK", "MGN_EINVAL", "MGN_ENOSOL", "MGN_ENOCONV", "MGN_ENOMEM", "MGN_ERANGE",
    "MarginError", "InvalidArgumentError", "NoSolutionError", "NoConvergenceError",
    "OutOfMemoryError", "RangeError",
    "Greeks", "GREEK_FIELDS",
    "version", "version_number", "strerror", "library_info",
    "bs_price", "bs_greeks", "black76_price", "black76_greeks",
    "inverse_price", "inverse_greeks",
    "implied_vol", "black76_implied_vol", "american_price",
    "bs_price_batch", "bs_greeks_batch", "black76_price_batch", "black76_greeks_batch",
    "implied_vol_batch",
    "MGN_OPTION", "MGN_FUTURE", "MGN_PERPETUAL", "MGN_LINEAR", "MGN_INVERSE",
    "MGN_EUROPEAN", "MGN_AMERICAN", "MGN_QUOTE", "MGN_VOL_FLOOR",
    "Market", "Position", "Shock", "SpanParams", "SpanPair", "SpanResult",
    "scenario_pnl", "span_margin", "var_es",
    "StdTier", "StdParams", "StdMargin",
    "std_preset", "std_position_margin", "std_workspace_size", "std_margin",
    "MGN_STD_TIER_QUOTE", "MGN_STD_TIER_UNITS", "MGN_STD_TIER_CONTRACTS",
    "MGN_STD_PAIR_COVERED", "MGN_STD_PAIR_SPREADS", "MGN_STD_PAIR_STRADDLES",
    "MGN_STD_PAIR_ALL", "MGN_STD_NAKED", "MGN_STD_COVERED", "MGN_STD_VERTICAL",
    "MGN_STD_CALENDAR", "MGN_STD_DIAGONAL", "MGN_STD_STRADDLE", "MGN_STD_STRANGLE",
    "MGN_STD_PRESET_DEFAULT", "MGN_STD_PRESET_DERIBIT_BTC", "MGN_STD_PRESET_DERIBIT_ETH",
    "MGN_STD_PRESET_BINANCE_BTCUSDT", "MGN_STD_PRESET_OKX_ETHUSDT",
    "MGN_STD_PRESET_CBOE_EQUITY", "MGN_STD_PRESET_CBOE_BROAD_INDEX",
    # portfolio model
    "NetGreeks", "position_dtype", "scenario_pnl_matrix", "portfolio_check",
    "portfolio_value", "position_greeks", "portfolio_greeks",
    # SPAN detail
    "MGN_SPAN_SCENARIOS", "SpanUnderlying", "SpanDetail", "SpanScenario",
    "span_scenario", "span_scenarios", "span_margin_detail",
    # portfolio margin grid
    "MGN_PM_MAX_STEPS", "MGN_PM_MAX_EXTENDED", "MGN_PM_MAX_SCENARIOS",
    "MGN_PM_VOL_ABSOLUTE", "MGN_PM_VOL_RELATIVE", "MGN_PM_MIN_ADD", "MGN_PM_MIN_FLOOR",
    "PmParams", "PmResult", "PmUnderlying", "PmDetail", "PmScenario",
    "pm_preset_span", "pm_preset_deribit", "pm_preset_occ", "pm_scenario_count",
    "pm_scenario", "pm_scenarios", "pm_margin", "pm_margin_detail",
    # VaR and ES
    "MGN_HORIZON_OVERLAP", "MGN_HORIZON_SQRT", "MGN_HS_BRW", "MGN_HS_FILTERED",
    "MGN_ZONE_GREEN", "MGN_ZONE_YELLOW", "MGN_ZONE_RED",
    "HsParams", "McParams", "DynMarginParams", "hs_params", "mc_params", "dynmargin_params",
    "VarResult", "DgResult", "VarContrib", "BacktestResult", "DynMarginResult",
    "var_es_contrib_work_size", "var_es_contrib", "hs_scenario_count", "hs_scenarios",
    "var_historical_work_size", "var_historical", "var_delta_normal",
    "var_delta_gamma_work_size", "var_delta_gamma", "var_montecarlo_work_size",
    "var_montecarlo", "backtest_exceptions", "backtest", "backtest_zone", "ewma_variance",
    "dynamic_margin",
    # accounts, margin calls and liquidation
    "MGN_ESTALE", "StaleError",
    "MGN_ACCT_OK", "MGN_ACCT_RESTRICTED", "MGN_ACCT_MARGIN_CALL", "MGN_ACCT_LIQUIDATE",
    "MGN_ACCT_BANKRUPT", "ACCOUNT_STATUS_NAMES", "MGN_MODE_ISOLATED", "MGN_MODE_CROSS",
    "MGN_MODE_PORTFOLIO", "MGN_PM_METHOD_GRID", "MGN_PM_METHOD_SPAN", "MGN_ORACLE_OK",
    "MGN_ORACLE_STALE", "MGN_ORACLE_DEVIATION", "MGN_ORACLE_MAX_FEEDS",
    "MGN_LIQ_PROPORTIONAL", "MGN_LIQ_LARGEST_MM", "MGN_LIQ_GIVEN", "MGN_LIQ_TARGET_MM",
    "MGN_LIQ_TARGET_IM", "MGN_IMPACT_LINEAR", "MGN_IMPACT_SQRT",
    "Balance", "Account", "AccountBook", "AccountParams", "AccountResult", "PositionResult",
    "WhatifResult", "LiqInput", "LiqClosed", "LiqSearch", "LiqPrices", "OracleParams",
    "OracleResult", "LiqParams", "LiqClose", "LiqResult", "LiqEconomics", "CascadeParams",
    "CascadeRound", "CascadeResult",
    "balance_dtype", "account_result_dtype", "account_book", "account_params",
    "account_work_size", "account_eval", "account_sweep", "liq_price_closed", "liq_search",
    "liq_prices_work_size", "liq_prices", "whatif_work_size", "account_whatif",
    "whatif_liq_prices", "account_max_order", "oracle_index", "liq_params",
    "liq_partial_work_size", "liq_partial", "liq_economics", "cascade_work_size", "cascade",
]

#: Major version of the C API this binding mirrors (MGN_VERSION_MAJOR).
EXPECTED_MAJOR = 1

MGN_CALL = 0
MGN_PUT = 1

MGN_OPTION, MGN_FUTURE, MGN_PERPETUAL = 0, 1, 2     # mgn_position.instrument
MGN_LINEAR, MGN_INVERSE = 0, 1                      # mgn_position.settlement
MGN_EUROPEAN, MGN_AMERICAN = 0, 1                   # mgn_position.exercise
MGN_QUOTE = -1          # report in the quote currency (u >= 0: the coin of underlying u)
MGN_VOL_FLOOR = 1e-4    # shocked implied vols never go below this

MGN_OK = 0
MGN_EINVAL = 1
MGN_ENOSOL = 2
MGN_ENOCONV = 3
MGN_ENOMEM = 4
MGN_ERANGE = 5
MGN_ESTALE = 6

_STATUS_NAMES = {MGN_OK: "MGN_OK", MGN_EINVAL: "MGN_EINVAL", MGN_ENOSOL: "MGN_ENOSOL",
                 MGN_ENOCONV: "MGN_ENOCONV", MGN_ENOMEM: "MGN_ENOMEM",
                 MGN_ERANGE: "MGN_ERANGE", MGN_ESTALE: "MGN_ESTALE"}


# ---------------------------------------------------------------------------- structs

class _CGreeks(ctypes.Structure):
    """Mirror of struct mgn_greeks (include/margin.h); field order is the ABI."""
    _fields_ = [
        ("price", ctypes.c_double),
        ("delta", ctypes.c_double),
        ("gamma", ctypes.c_double),
        ("vega", ctypes.c_double),
        ("theta", ctypes.c_double),
        ("rho", ctypes.c_double),
        ("dividend_rho", ctypes.c_double),
        ("vanna", ctypes.c_double),
        ("volga", ctypes.c_double),
        ("charm", ctypes.c_double),
    ]


GREEK_FIELDS = tuple(name for name, _ in _CGreeks._fields_)

Greeks = collections.namedtuple("Greeks", GREEK_FIELDS)
Greeks.__doc__ = """Price and Greeks of one option (floats), or of a batch (arrays).

price; delta = dV/dS (Black-76: dV/dF); gamma = d2V/dS2; vega = dV/dsigma (per 1.00 of
vol); theta = -dV/dT (per year); rho = dV/dr; dividend_rho = dV/dq (Black-76: 0);
vanna = d2V/dS dsigma; volga = d2V/dsigma2; charm = -d2V/dS dT. ._asdict() gives a dict.
"""


class _CMarket(ctypes.Structure):
    """Mirror of struct mgn_market."""
    _fields_ = [("spot", ctypes.c_double), ("rate", ctypes.c_double),
                ("carry", ctypes.c_double)]


class _CPosition(ctypes.Structure):
    """Mirror of struct mgn_position."""
    _fields_ = [("instrument", ctypes.c_int), ("underlying", ctypes.c_int),
                ("option_type", ctypes.c_int), ("settlement", ctypes.c_int),
                ("exercise", ctypes.c_int), ("reserved", ctypes.c_int),
                ("quantity", ctypes.c_double), ("multiplier", ctypes.c_double),
                ("strike", ctypes.c_double), ("expiry", ctypes.c_double),
                ("vol", ctypes.c_double), ("entry_price", ctypes.c_double)]


class _CShock(ctypes.Structure):
    """Mirror of struct mgn_shock."""
    _fields_ = [("price", ctypes.c_double), ("vol", ctypes.c_double)]


class _CSpanParams(ctypes.Structure):
    """Mirror of struct mgn_span_params."""
    _fields_ = [("price_scan", ctypes.c_double), ("vol_scan", ctypes.c_double),
                ("extreme_mult", ctypes.c_double), ("extreme_cover", ctypes.c_double),
                ("lookahead", ctypes.c_double), ("som_rate", ctypes.c_double),
                ("intra_rate", ctypes.c_double)]


class _CSpanPair(ctypes.Structure):
    """Mirror of struct mgn_span_pair."""
    _fields_ = [("a", ctypes.c_int), ("b", ctypes.c_int), ("delta_a", ctypes.c_double),
                ("delta_b", ctypes.c_double), ("credit_rate", ctypes.c_double)]


class _CSpanResult(ctypes.Structure):
    """Mirror of struct mgn_span_result."""
    _fields_ = [("requirement", ctypes.c_double), ("scan_risk", ctypes.c_double),
                ("intra_charge", ctypes.c_double), ("inter_credit", ctypes.c_double),
                ("short_option_min", ctypes.c_double), ("net_option_value", ctypes.c_double)]


class _CStdTier(ctypes.Structure):
    """Mirror of struct mgn_std_tier."""
    _fields_ = [("floor", ctypes.c_double), ("im_rate", ctypes.c_double),
                ("mm_rate", ctypes.c_double), ("mm_amount", ctypes.c_double)]


class _CStdParams(ctypes.Structure):
    """Mirror of struct mgn_std_params (versioned by its leading struct_size)."""
    _fields_ = ([("struct_size", ctypes.c_size_t)]
                + [(name, ctypes.c_double) for name in (
                    "im_base", "im_floor", "mm_base", "mm_otm", "mm_floor", "mm_put_mark",
                    "long_im", "long_mm", "long_dated_expiry", "long_dated_im",
                    "long_dated_mm", "size_im", "size_mm")]
                + [(name, ctypes.c_int) for name in (
                    "put_floor_on_strike", "strategies", "tier_basis", "reserved")]
                + [("n_tiers", ctypes.c_size_t), ("tiers", ctypes.POINTER(_CStdTier))])


class _CNetGreeks(ctypes.Structure):
    """Mirror of struct mgn_net_greeks."""
    _fields_ = [(name, ctypes.c_double) for name in (
        "value", "delta", "gamma", "vega", "theta",
        "value_coin", "delta_coin", "gamma_coin", "vega_coin", "theta_coin")]


MGN_SPAN_SCENARIOS = 16


class _CSpanUnderlying(ctypes.Structure):
    """Mirror of struct mgn_span_underlying."""
    _fields_ = ([(name, ctypes.c_double) for name in (
        "requirement", "scan_risk", "intra_charge", "inter_credit", "short_option_min",
        "net_option_value", "net_delta", "spread_delta", "weighted_price_risk",
        "remaining_delta")]
        + [("scan_scenario", ctypes.c_int), ("n_positions", ctypes.c_int),
           ("scenario_loss", ctypes.c_double * MGN_SPAN_SCENARIOS)])


MGN_PM_MAX_STEPS = 64
MGN_PM_MAX_EXTENDED = 16
MGN_PM_MAX_SCENARIOS = (2 * MGN_PM_MAX_STEPS + 1) * 3 + MGN_PM_MAX_EXTENDED


class _CPmParams(ctypes.Structure):
    """Mirror of struct mgn_pm_params (versioned by its leading struct_size)."""
    _fields_ = ([("struct_size", ctypes.c_size_t), ("price_range", ctypes.c_double)]
                + [(name, ctypes.c_int) for name in (
                    "price_steps", "vol_scenarios", "vol_mode", "n_extended")]
                + [(name, ctypes.c_double) for name in (
                    "vol_up", "vol_down", "vol_ref_days", "vol_power_short",
                    "vol_power_long", "vol_min_days", "vol_min_up", "lookahead")]
                + [("ext_move", ctypes.c_double * MGN_PM_MAX_EXTENDED),
                   ("ext_weight", ctypes.c_double * MGN_PM_MAX_EXTENDED),
                   ("ext_vol", ctypes.c_int * MGN_PM_MAX_EXTENDED),
                   ("short_min_per_strike", ctypes.c_int), ("short_min_mode", ctypes.c_int)]
                + [(name, ctypes.c_double) for name in (
                    "short_min_rate", "short_min_abs", "delta_shock_rate",
                    "delta_shock_threshold", "roll_rate", "roll_min", "conc_depth",
                    "conc_rate")]
                + [("reserved", ctypes.c_int), ("reserved2", ctypes.c_int)])


class _CPmResult(ctypes.Structure):
    """Mirror of struct mgn_pm_result."""
    _fields_ = [(name, ctypes.c_double) for name in (
        "requirement", "grid_loss", "delta_shock", "short_option_min", "roll_shock",
        "concentration")]


class _CPmUnderlying(ctypes.Structure):
    """Mirror of struct mgn_pm_underlying."""
    _fields_ = ([(name, ctypes.c_double) for name in (
        "requirement", "grid_loss", "delta_shock", "short_option_min", "roll_shock",
        "concentration", "net_delta", "short_units", "roll_units", "excess_delta",
        "binding_move", "binding_weight")]
        + [(name, ctypes.c_int) for name in (
            "binding_vol", "binding_scenario", "n_scenarios", "n_positions")])


class _CVarResult(ctypes.Structure):
    """Mirror of struct mgn_var_result."""
    _fields_ = ([(name, ctypes.c_double) for name in (
        "var", "es", "var_current", "es_current", "var_stressed", "es_stressed",
        "var_se", "es_se")] + [("n_scenarios", ctypes.c_size_t)])


class _CHsParams(ctypes.Structure):
    """Mirror of struct mgn_hs_params (versioned by its leading struct_size)."""
    _fields_ = ([("struct_size", ctypes.c_size_t), ("confidence", ctypes.c_double)]
                + [(name, ctypes.c_int) for name in (
                    "horizon_days", "horizon_method", "weighting", "threads")]
                + [(name, ctypes.c_double) for name in ("brw_lambda", "ewma_lambda", "dt")]
                + [("currency", ctypes.c_int), ("reserved", ctypes.c_int)])


class _CDgResult(ctypes.Structure):
    """Mirror of struct mgn_dg_result."""
    _fields_ = [(name, ctypes.c_double) for name in (
        "mean", "stdev", "skew", "kurtosis", "var", "es")]


class _CMcParams(ctypes.Structure):
    """Mirror of struct mgn_mc_params (versioned by its leading struct_size)."""
    _fields_ = [("struct_size", ctypes.c_size_t), ("confidence", ctypes.c_double),
                ("n_paths", ctypes.c_size_t), ("seed", ctypes.c_uint64),
                ("df", ctypes.c_double), ("dt", ctypes.c_double),
                ("antithetic", ctypes.c_int), ("threads", ctypes.c_int),
                ("currency", ctypes.c_int), ("n_batches", ctypes.c_int)]


class _CBacktestResult(ctypes.Structure):
    """Mirror of struct mgn_backtest_result."""
    _fields_ = ([(name, ctypes.c_size_t) for name in (
        "n_obs", "n_exceptions", "n00", "n01", "n10", "n11")]
        + [(name, ctypes.c_double) for name in (
            "lr_pof", "p_pof", "lr_ind", "p_ind", "lr_cc", "p_cc", "cum_prob")]
        + [("zone", ctypes.c_int), ("reserved", ctypes.c_int)])


class _CDynmarginParams(ctypes.Structure):
    """Mirror of struct mgn_dynmargin_params (versioned by its leading struct_size)."""
    _fields_ = ([("struct_size", ctypes.c_size_t)]
                + [(name, ctypes.c_double) for name in (
                    "lambda", "seed_var", "confidence", "horizon_days", "tail_df",
                    "multiplier", "buffer")]
                + [("floor_lookback", ctypes.c_size_t)])


class _CDynmarginResult(ctypes.Structure):
    """Mirror of struct mgn_dynmargin_result."""
    _fields_ = ([(name, ctypes.c_double) for name in (
        "ewma_vol", "long_vol", "base_scan", "floor_scan", "margin_scan", "price_scan",
        "buffer_left")] + [("in_stress", ctypes.c_int), ("reserved", ctypes.c_int)])


# Accounts, margin calls and liquidation (lib/account.c, liquidation.c, oracle.c,
# cascade.c)

class _CBalance(ctypes.Structure):
    """Mirror of struct mgn_balance."""
    _fields_ = [("asset", ctypes.c_int), ("reserved", ctypes.c_int),
                ("amount", ctypes.c_double), ("haircut", ctypes.c_double),
                ("haircut_slope", ctypes.c_double)]


class _CAccount(ctypes.Structure):
    """Mirror of struct mgn_account (struct_size must equal the library's: accounts
    are passed in arrays)."""
    _fields_ = [("struct_size", ctypes.c_size_t), ("pos", ctypes.POINTER(_CPosition)),
                ("n_pos", ctypes.c_size_t), ("bal", ctypes.POINTER(_CBalance)),
                ("n_bal", ctypes.c_size_t), ("isolated", ctypes.POINTER(ctypes.c_double)),
                ("currency", ctypes.c_int), ("reserved", ctypes.c_int)]


class _CAccountParams(ctypes.Structure):
    """Mirror of struct mgn_account_params (leading struct_size)."""
    _fields_ = [("struct_size", ctypes.c_size_t), ("mode", ctypes.c_int),
                ("pm_method", ctypes.c_int), ("std", ctypes.POINTER(_CStdParams)),
                ("n_std", ctypes.c_size_t), ("pm", ctypes.POINTER(_CPmParams)),
                ("span", ctypes.POINTER(_CSpanParams)), ("pairs", ctypes.POINTER(_CSpanPair)),
                ("n_pairs", ctypes.c_size_t), ("pm_im_factor", ctypes.c_double),
                ("pm_mm_factor", ctypes.c_double), ("liq_ratio", ctypes.c_double)]


class _CAccountResult(ctypes.Structure):
    """Mirror of struct mgn_account_result."""
    _fields_ = ([(name, ctypes.c_double) for name in (
        "equity", "collateral", "position_value", "im", "mm", "margin_ratio", "available",
        "call_amount", "shortfall")]
        + [("status", ctypes.c_int), ("n_called", ctypes.c_int)])


class _CPositionResult(ctypes.Structure):
    """Mirror of struct mgn_position_result."""
    _fields_ = ([(name, ctypes.c_double) for name in ("value", "equity", "im", "mm")]
                + [("status", ctypes.c_int), ("reserved", ctypes.c_int)])


class _CLiqInput(ctypes.Structure):
    """Mirror of struct mgn_liq_input (leading struct_size)."""
    _fields_ = ([("struct_size", ctypes.c_size_t), ("settlement", ctypes.c_int),
                 ("tier_basis", ctypes.c_int)]
                + [(name, ctypes.c_double) for name in (
                    "size", "entry", "wallet", "other", "mm_rate", "mm_amount", "size_mm",
                    "fee_rate")]
                + [("tiers", ctypes.POINTER(_CStdTier)), ("n_tiers", ctypes.c_size_t)])


class _CLiqClosed(ctypes.Structure):
    """Mirror of struct mgn_liq_closed."""
    _fields_ = [("price", ctypes.c_double), ("mm", ctypes.c_double),
                ("bankruptcy", ctypes.c_double), ("found", ctypes.c_int),
                ("tier", ctypes.c_int)]


class _CLiqSearch(ctypes.Structure):
    """Mirror of struct mgn_liq_search (leading struct_size)."""
    _fields_ = [("struct_size", ctypes.c_size_t), ("underlying", ctypes.c_int),
                ("reserved", ctypes.c_int), ("betas", ctypes.POINTER(ctypes.c_double)),
                ("lo", ctypes.c_double), ("hi", ctypes.c_double), ("grid", ctypes.c_size_t),
                ("vol", ctypes.c_double), ("horizon", ctypes.c_double)]


class _CLiqPriceResult(ctypes.Structure):
    """Mirror of struct mgn_liq_price_result."""
    _fields_ = ([("n_roots", ctypes.c_size_t)]
                + [(name, ctypes.c_double) for name in (
                    "spot", "gap", "below", "above", "below_pct", "above_pct", "below_sd",
                    "above_sd")]
                + [("has_below", ctypes.c_int), ("has_above", ctypes.c_int)])


class _CWhatifResult(ctypes.Structure):
    """Mirror of struct mgn_whatif_result."""
    _fields_ = [("before", _CAccountResult), ("after", _CAccountResult),
                ("order_im", ctypes.c_double), ("order_mm", ctypes.c_double),
                ("order_equity", ctypes.c_double), ("accept", ctypes.c_int),
                ("reserved", ctypes.c_int)]


MGN_ORACLE_MAX_FEEDS = 256


class _COracleParams(ctypes.Structure):
    """Mirror of struct mgn_oracle_params."""
    _fields_ = [("max_age", ctypes.c_double), ("max_deviation", ctypes.c_double),
                ("min_quorum", ctypes.c_size_t)]


class _COracleResult(ctypes.Structure):
    """Mirror of struct mgn_oracle_result."""
    _fields_ = [("price", ctypes.c_double), ("median_fresh", ctypes.c_double),
                ("n_fresh", ctypes.c_size_t), ("n_used", ctypes.c_size_t),
                ("n_rejected", ctypes.c_size_t), ("verdict", ctypes.c_int),
                ("reserved", ctypes.c_int)]


class _CLiqParams(ctypes.Structure):
    """Mirror of struct mgn_liq_params (leading struct_size)."""
    _fields_ = [("struct_size", ctypes.c_size_t), ("order", ctypes.c_int),
                ("target", ctypes.c_int), ("buffer", ctypes.c_double),
                ("penalty_rate", ctypes.c_double), ("close_factor", ctypes.c_double),
                ("priority", ctypes.POINTER(ctypes.c_int)), ("n_priority", ctypes.c_size_t)]


class _CLiqClose(ctypes.Structure):
    """Mirror of struct mgn_liq_close."""
    _fields_ = ([("position", ctypes.c_size_t)]
                + [(name, ctypes.c_double) for name in (
                    "quantity", "fraction", "price", "notional", "penalty")])


class _CLiqResult(ctypes.Structure):
    """Mirror of struct mgn_liq_result."""
    _fields_ = [("before", _CAccountResult), ("after", _CAccountResult),
                ("penalty", ctypes.c_double), ("notional", ctypes.c_double),
                ("n_closes", ctypes.c_size_t), ("full", ctypes.c_int),
                ("restored", ctypes.c_int)]


class _CCascadeParams(ctypes.Structure):
    """Mirror of struct mgn_cascade_params (leading struct_size)."""
    _fields_ = [("struct_size", ctypes.c_size_t), ("impact_model", ctypes.c_int),
                ("max_rounds", ctypes.c_int), ("impact", ctypes.c_double),
                ("penalty_rate", ctypes.c_double), ("insurance_fund", ctypes.c_double),
                ("report_underlying", ctypes.c_int), ("reserved", ctypes.c_int)]


class _CCascadeRound(ctypes.Structure):
    """Mirror of struct mgn_cascade_round."""
    _fields_ = [("price", ctypes.c_double), ("n_liquidated", ctypes.c_size_t),
                ("notional", ctypes.c_double), ("bad_debt", ctypes.c_double),
                ("fees", ctypes.c_double), ("fund", ctypes.c_double),
                ("uncovered", ctypes.c_double)]


class _CCascadeResult(ctypes.Structure):
    """Mirror of struct mgn_cascade_result."""
    _fields_ = ([("n_rounds", ctypes.c_size_t), ("n_liquidated", ctypes.c_size_t)]
                + [(name, ctypes.c_double) for name in (
                    "notional", "bad_debt", "fees", "fund", "uncovered")]
                + [("converged", ctypes.c_int), ("reserved", ctypes.c_int)])


# The functions that take accounts (mgn_account, mgn_balance, mgn_account_params).
_ACCOUNT_USERS = ("mgn_account_eval", "mgn_account_sweep", "mgn_liq_prices",
                  "mgn_account_whatif", "mgn_whatif_liq_prices", "mgn_account_max_order",
                  "mgn_liq_partial", "mgn_liq_economics", "mgn_cascade")

#: The mirrored structs, checked at load against the library's size functions:
#: C size function -> (C type name, mirror, C functions that take the struct).
#: mgn_sizeof_greeks is required; a library that lacks another size function has the
#: functions using that struct disabled (they raise NotImplementedError).
_MIRRORS = {
    "mgn_sizeof_greeks": ("mgn_greeks", _CGreeks, ()),
    "mgn_sizeof_market": ("mgn_market", _CMarket,
                          ("mgn_scenario_pnl", "mgn_span_margin", "mgn_std_position_margin",
                           "mgn_std_margin")),
    "mgn_sizeof_position": ("mgn_position", _CPosition,
                            ("mgn_scenario_pnl", "mgn_span_margin", "mgn_std_position_margin",
                             "mgn_std_margin")),
    "mgn_sizeof_shock": ("mgn_shock", _CShock, ("mgn_scenario_pnl",)),
    "mgn_sizeof_span_params": ("mgn_span_params", _CSpanParams, ("mgn_span_margin",)),
    "mgn_sizeof_span_pair": ("mgn_span_pair", _CSpanPair, ("mgn_span_margin",)),
    "mgn_sizeof_span_result": ("mgn_span_result", _CSpanResult, ("mgn_span_margin",)),
    "mgn_sizeof_std_tier": ("mgn_std_tier", _CStdTier,
                            ("mgn_std_preset", "mgn_std_position_margin", "mgn_std_margin")),
    "mgn_sizeof_std_params": ("mgn_std_params", _CStdParams,
                              ("mgn_std_preset", "mgn_std_position_margin", "mgn_std_margin")),
    "mgn_sizeof_net_greeks": ("mgn_net_greeks", _CNetGreeks,
                              ("mgn_position_greeks", "mgn_portfolio_greeks")),
    "mgn_sizeof_span_underlying": ("mgn_span_underlying", _CSpanUnderlying,
                                   ("mgn_span_margin_detail",)),
    "mgn_sizeof_pm_params": ("mgn_pm_params", _CPmParams,
                             ("mgn_pm_preset_span", "mgn_pm_preset_deribit", "mgn_pm_preset_occ",
                              "mgn_pm_scenario_count", "mgn_pm_scenario", "mgn_pm_margin",
                              "mgn_pm_margin_detail")),
    "mgn_sizeof_pm_result": ("mgn_pm_result", _CPmResult,
                             ("mgn_pm_margin", "mgn_pm_margin_detail")),
    "mgn_sizeof_pm_underlying": ("mgn_pm_underlying", _CPmUnderlying,
                                 ("mgn_pm_margin_detail",)),
    "mgn_sizeof_var_result": ("mgn_var_result", _CVarResult,
                              ("mgn_var_historical", "mgn_var_montecarlo")),
    "mgn_sizeof_hs_params": ("mgn_hs_params", _CHsParams,
                             ("mgn_hs_params_init", "mgn_hs_scenario_count", "mgn_hs_scenarios",
                              "mgn_var_historical_work_size", "mgn_var_historical")),
    "mgn_sizeof_dg_result": ("mgn_dg_result", _CDgResult, ("mgn_var_delta_gamma",)),
    "mgn_sizeof_mc_params": ("mgn_mc_params", _CMcParams,
                             ("mgn_mc_params_init", "mgn_var_montecarlo_work_size",
                              "mgn_var_montecarlo")),
    "mgn_sizeof_backtest_result": ("mgn_backtest_result", _CBacktestResult,
                                   ("mgn_backtest",)),
    "mgn_sizeof_dynmargin_params": ("mgn_dynmargin_params", _CDynmarginParams,
                                    ("mgn_dynmargin_params_init", "mgn_dynamic_margin")),
    "mgn_sizeof_dynmargin_result": ("mgn_dynmargin_result", _CDynmarginResult,
                                    ("mgn_dynamic_margin",)),
    # accounts, margin calls and liquidation
    "mgn_sizeof_balance": ("mgn_balance", _CBalance, _ACCOUNT_USERS),
    "mgn_sizeof_account": ("mgn_account", _CAccount, _ACCOUNT_USERS),
    "mgn_sizeof_account_params": ("mgn_account_params", _CAccountParams,
                                  ("mgn_account_params_init", "mgn_account_work_size",
                                   "mgn_whatif_work_size", "mgn_liq_prices_work_size",
                                   "mgn_liq_partial_work_size", "mgn_cascade_work_size")
                                  + _ACCOUNT_USERS),
    "mgn_sizeof_account_result": ("mgn_account_result", _CAccountResult,
                                  ("mgn_account_eval", "mgn_account_sweep",
                                   "mgn_account_whatif", "mgn_liq_partial")),
    "mgn_sizeof_position_result": ("mgn_position_result", _CPositionResult,
                                   ("mgn_account_eval",)),
    "mgn_sizeof_liq_input": ("mgn_liq_input", _CLiqInput, ("mgn_liq_price_closed",)),
    "mgn_sizeof_liq_closed": ("mgn_liq_closed", _CLiqClosed, ("mgn_liq_price_closed",)),
    "mgn_sizeof_liq_search": ("mgn_liq_search", _CLiqSearch,
                              ("mgn_liq_search_init", "mgn_liq_prices",
                               "mgn_whatif_liq_prices")),
    "mgn_sizeof_liq_price_result": ("mgn_liq_price_result", _CLiqPriceResult,
                                    ("mgn_liq_prices", "mgn_whatif_liq_prices")),
    "mgn_sizeof_whatif_result": ("mgn_whatif_result", _CWhatifResult,
                                 ("mgn_account_whatif",)),
    "mgn_sizeof_oracle_params": ("mgn_oracle_params", _COracleParams, ("mgn_oracle_index",)),
    "mgn_sizeof_oracle_result": ("mgn_oracle_result", _COracleResult,
                                 ("mgn_oracle_index", "mgn_liq_partial")),
    "mgn_sizeof_liq_params": ("mgn_liq_params", _CLiqParams,
                              ("mgn_liq_params_init", "mgn_liq_partial")),
    "mgn_sizeof_liq_close": ("mgn_liq_close", _CLiqClose,
                             ("mgn_liq_partial", "mgn_liq_economics")),
    "mgn_sizeof_liq_result": ("mgn_liq_result", _CLiqResult, ("mgn_liq_partial",)),
    "mgn_sizeof_cascade_params": ("mgn_cascade_params", _CCascadeParams, ("mgn_cascade",)),
    "mgn_sizeof_cascade_round": ("mgn_cascade_round", _CCascadeRound, ("mgn_cascade",)),
    "mgn_sizeof_cascade_result": ("mgn_cascade_result", _CCascadeResult, ("mgn_cascade",)),
}
# mgn_position and mgn_market are taken by every portfolio and VaR function that
# revalues positions; mgn_shock by the scenario builders and the P&L matrix.
for _size_fn, _users in (
        ("mgn_sizeof_market", ("mgn_scenario_pnl_matrix", "mgn_portfolio_check",
                               "mgn_portfolio_value", "mgn_position_greeks",
                               "mgn_portfolio_greeks", "mgn_span_margin_detail",
                               "mgn_pm_margin", "mgn_pm_margin_detail", "mgn_var_historical",
                               "mgn_var_montecarlo")),
        ("mgn_sizeof_position", ("mgn_scenario_pnl_matrix", "mgn_portfolio_check",
                                 "mgn_portfolio_value", "mgn_position_greeks",
                                 "mgn_portfolio_greeks", "mgn_span_margin_detail",
                                 "mgn_pm_margin", "mgn_pm_margin_detail", "mgn_var_historical",
                                 "mgn_var_montecarlo")),
        ("mgn_sizeof_shock", ("mgn_scenario_pnl_matrix", "mgn_hs_scenarios")),
        ("mgn_sizeof_span_params", ("mgn_span_margin_detail", "mgn_span_scenario")),
        ("mgn_sizeof_span_pair", ("mgn_span_margin_detail",)),
        ("mgn_sizeof_span_result", ("mgn_span_margin_detail",)),
        ("mgn_sizeof_market", _ACCOUNT_USERS),
        ("mgn_sizeof_position", _ACCOUNT_USERS),
        ("mgn_sizeof_std_params", ("mgn_account_params_init",) + _ACCOUNT_USERS),
        ("mgn_sizeof_std_tier", ("mgn_liq_price_closed",) + _ACCOUNT_USERS),
        ("mgn_sizeof_pm_params", ("mgn_account_params_init",) + _ACCOUNT_USERS),
        ("mgn_sizeof_span_params", ("mgn_account_params_init",) + _ACCOUNT_USERS),
        ("mgn_sizeof_span_pair", ("mgn_account_params_init",) + _ACCOUNT_USERS)):
    _c, _m, _u = _MIRRORS[_size_fn]
    _MIRRORS[_size_fn] = (_c, _m, _u + _users)
del _size_fn, _users, _c, _m, _u

#: Structs that carry a leading struct_size: a newer library may have appended fields
#: and accepts this binding's (smaller) size, so its size may be larger, not smaller.
#: (A library that insists on its own size answers MGN_EINVAL: a clean failure.)
#: mgn_account is not among them: accounts are passed in arrays (mgn_account_sweep,
#: mgn_cascade), whose stride must be the library's.
_VERSIONED = {"mgn_std_params", "mgn_pm_params", "mgn_hs_params", "mgn_mc_params",
              "mgn_dynmargin_params", "mgn_account_params", "mgn_liq_input",
              "mgn_liq_search", "mgn_liq_params", "mgn_cascade_params"}


# ---------------------------------------------------------------------------- errors

class MarginError(Exception):
    """A libmargin call returned a nonzero status.

    Attributes: status (int, the mgn_status code), message (mgn_strerror text),
    function (name of the C function, or None), detail (extra text, or None),
    result (batch calls with strict=True: the computed output, NaN in failed slots).
    """

    def __init__(self, status, function=None, detail=None, message=None):
        status = int(status)
        if message is None:
            message = _strerror_text(status)
        super().__init__(status, function, detail, message)
        self.status = status
        self.function = function
        self.detail = detail
        self.message = message

    @property
    def status_name(self):
        """The C name of the status code, e.g. 'MGN_EINVAL'."""
        return _STATUS_NAMES.get(self.status, "status %d" % self.status)

    def __str__(self):
        text = "%s (%s)" % (self.message, self.status_name)
        if self.function:
            text = "%s: %s" % (self.function, text)
        if self.detail:
            text = "%s: %s" % (text, self.detail)
        return text


class InvalidArgumentError(MarginError, ValueError):
    """MGN_EINVAL: an argument is outside its domain (NaN/inf, negative, zero, bad type)."""


class NoSolutionError(MarginError):
    """MGN_ENOSOL: no solution exists (e.g. price outside the no-arbitrage bounds)."""


class NoConvergenceError(MarginError):
    """MGN_ENOCONV: an iteration did not converge."""


class OutOfMemoryError(MarginError, MemoryError):
    """MGN_ENOMEM: allocation failed or a workspace is too small."""


class RangeError(MarginError):
    """MGN_ERANGE: a count, size or result is out of range (e.g. unbounded gamma)."""


class StaleError(MarginError):
    """MGN_ESTALE: a decision refused because the price failed the oracle guards (a
    guard whose verdict is not MGN_ORACLE_OK, see oracle_index and liq_partial)."""


_ERRORS = {MGN_EINVAL: InvalidArgumentError, MGN_ENOSOL: NoSolutionError,
           MGN_ENOCONV: NoConvergenceError, MGN_ENOMEM: OutOfMemoryError,
           MGN_ERANGE: RangeError, MGN_ESTALE: StaleError}


def _error(status, function=None, detail=None):
    return _ERRORS.get(int(status), MarginError)(status, function, detail)


# ---------------------------------------------------------------------------- loading

_c_double_p = ctypes.POINTER(ctypes.c_double)
_c_int_p = ctypes.POINTER(ctypes.c_int)
_c_greeks_p = ctypes.POINTER(_CGreeks)
_d = ctypes.c_double
_i = ctypes.c_int
_n = ctypes.c_size_t
_c_size_p = ctypes.POINTER(ctypes.c_size_t)
_c_market_p = ctypes.POINTER(_CMarket)
_c_position_p = ctypes.POINTER(_CPosition)
_c_shock_p = ctypes.POINTER(_CShock)
_c_pm_params_p = ctypes.POINTER(_CPmParams)
_c_hs_params_p = ctypes.POINTER(_CHsParams)
_c_mc_params_p = ctypes.POINTER(_CMcParams)
_c_dyn_params_p = ctypes.POINTER(_CDynmarginParams)
_c_var_result_p = ctypes.POINTER(_CVarResult)
_c_account_p = ctypes.POINTER(_CAccount)
_c_acct_params_p = ctypes.POINTER(_CAccountParams)
_c_acct_result_p = ctypes.POINTER(_CAccountResult)
_c_liq_search_p = ctypes.POINTER(_CLiqSearch)
_c_liq_price_result_p = ctypes.POINTER(_CLiqPriceResult)
_c_oracle_result_p = ctypes.POINTER(_COracleResult)
_c_liq_params_p = ctypes.POINTER(_CLiqParams)
_c_liq_close_p = ctypes.POINTER(_CLiqClose)

# Every public function of include/margin.h: name -> (restype, argtypes).
# mgn_option_type is an enum: an int in the C ABI.
_PROTOTYPES = {
    "mgn_version": (ctypes.c_char_p, []),
    "mgn_version_number": (_i, []),
    "mgn_strerror": (ctypes.c_char_p, [_i]),
    "mgn_sizeof_greeks": (_n, []),
    "mgn_bs_price": (_i, [_i, _d, _d, _d, _d, _d, _d, _c_double_p]),
    "mgn_bs_greeks": (_i, [_i, _d, _d, _d, _d, _d, _d, _c_greeks_p]),
    "mgn_black76_price": (_i, [_i, _d, _d, _d, _d, _d, _c_double_p]),
    "mgn_black76_greeks": (_i, [_i, _d, _d, _d, _d, _d, _c_greeks_p]),
    "mgn_inverse_price": (_i, [_i, _d, _d, _d, _d, _d, _d, _c_double_p]),
    "mgn_inverse_greeks": (_i, [_i, _d, _d, _d, _d, _d, _d, _c_greeks_p]),
    "mgn_implied_vol": (_i, [_i, _d, _d, _d, _d, _d, _d, _c_double_p]),
    "mgn_black76_implied_vol": (_i, [_i, _d, _d, _d, _d, _d, _c_double_p]),
    "mgn_bs_price_batch": (_i, [_n, _c_int_p] + [_c_double_p] * 6 + [_c_double_p]),
    "mgn_bs_greeks_batch": (_i, [_n, _c_int_p] + [_c_double_p] * 6 + [_c_greeks_p]),
    "mgn_black76_price_batch": (_i, [_n, _c_int_p] + [_c_double_p] * 5 + [_c_double_p]),
    "mgn_black76_greeks_batch": (_i, [_n, _c_int_p] + [_c_double_p] * 5 + [_c_greeks_p]),
    "mgn_implied_vol_batch": (_i, [_n, _c_int_p] + [_c_double_p] * 6 + [_c_double_p]),
    "mgn_implied_vol_batch_status": (_i, [_n, _c_int_p] + [_c_double_p] * 6
                                     + [_c_double_p, _c_int_p]),
    "mgn_american_price": (_i, [_i, _d, _d, _d, _d, _d, _d, _c_double_p]),
    "mgn_sizeof_market": (_n, []),
    "mgn_sizeof_position": (_n, []),
    "mgn_sizeof_shock": (_n, []),
    "mgn_sizeof_span_params": (_n, []),
    "mgn_sizeof_span_pair": (_n, []),
    "mgn_sizeof_span_result": (_n, []),
    "mgn_scenario_pnl": (_i, [ctypes.POINTER(_CMarket), _n, ctypes.POINTER(_CPosition), _n,
                              ctypes.POINTER(_CShock), _n, _d, _i, _c_double_p]),
    "mgn_span_margin": (_i, [ctypes.POINTER(_CMarket), ctypes.POINTER(_CSpanParams), _n,
                             ctypes.POINTER(_CPosition), _n, ctypes.POINTER(_CSpanPair), _n,
                             _i, ctypes.POINTER(_CSpanResult)]),
    "mgn_var_es": (_i, [_c_double_p, _c_double_p, _n, _d, _c_double_p, _c_double_p]),
    "mgn_sizeof_std_tier": (_n, []),
    "mgn_sizeof_std_params": (_n, []),
    "mgn_std_preset": (_i, [_i, ctypes.POINTER(_CStdParams)]),
    "mgn_std_position_margin": (_i, [ctypes.POINTER(_CMarket), _n, ctypes.POINTER(_CStdParams),
                                     ctypes.POINTER(_CPosition), _i, _c_double_p,
                                     _c_double_p]),
    "mgn_std_workspace_size": (_i, [_n, ctypes.POINTER(ctypes.c_size_t)]),
    "mgn_std_margin": (_i, [ctypes.POINTER(_CMarket), _n, ctypes.POINTER(_CStdParams), _n,
                            ctypes.POINTER(_CPosition), _n, _i, ctypes.c_void_p, _n,
                            _c_double_p, _c_double_p, _c_double_p, _c_double_p, _c_int_p,
                            _c_int_p]),
    # portfolio model
    "mgn_sizeof_net_greeks": (_n, []),
    "mgn_scenario_pnl_matrix": (_i, [_c_market_p, _n, _c_position_p, _n, _c_shock_p, _n, _d,
                                     _i, _c_double_p]),
    "mgn_portfolio_check": (_i, [_c_market_p, _n, _c_position_p, _n, _c_size_p]),
    "mgn_portfolio_value": (_i, [_c_market_p, _n, _c_position_p, _n, _i, _c_double_p]),
    "mgn_position_greeks": (_i, [_c_market_p, _n, _c_position_p,
                                 ctypes.POINTER(_CNetGreeks)]),
    "mgn_portfolio_greeks": (_i, [_c_market_p, _n, _c_position_p, _n,
                                  ctypes.POINTER(_CNetGreeks)]),
    # SPAN detail
    "mgn_sizeof_span_underlying": (_n, []),
    "mgn_span_scenario": (_i, [ctypes.POINTER(_CSpanParams), _i, _c_double_p, _c_double_p,
                               _c_double_p]),
    "mgn_span_margin_detail": (_i, [_c_market_p, ctypes.POINTER(_CSpanParams), _n,
                                    _c_position_p, _n, ctypes.POINTER(_CSpanPair), _n, _i,
                                    ctypes.POINTER(_CSpanResult),
                                    ctypes.POINTER(_CSpanUnderlying), _c_double_p]),
    # portfolio margin grid
    "mgn_sizeof_pm_params": (_n, []),
    "mgn_sizeof_pm_result": (_n, []),
    "mgn_sizeof_pm_underlying": (_n, []),
    "mgn_pm_preset_span": (_i, [_d, _d, _c_pm_params_p]),
    "mgn_pm_preset_deribit": (_i, [_c_pm_params_p]),
    "mgn_pm_preset_occ": (_i, [_c_pm_params_p]),
    "mgn_pm_scenario_count": (_i, [_c_pm_params_p, _c_int_p]),
    "mgn_pm_scenario": (_i, [_c_pm_params_p, _i, _c_double_p, _c_int_p, _c_double_p]),
    "mgn_pm_margin": (_i, [_c_market_p, _c_pm_params_p, _n, _c_position_p, _n, _i,
                           ctypes.POINTER(_CPmResult)]),
    "mgn_pm_margin_detail": (_i, [_c_market_p, _c_pm_params_p, _n, _c_position_p, _n, _i,
                                  ctypes.POINTER(_CPmResult), ctypes.POINTER(_CPmUnderlying),
                                  _c_double_p]),
    # VaR and ES
    "mgn_sizeof_var_result": (_n, []),
    "mgn_var_es_contrib_work_size": (_i, [_n, _n, _c_size_p]),
    "mgn_var_es_contrib": (_i, [_c_double_p, _n, _n, _c_double_p, _d, ctypes.c_void_p, _n,
                                _c_double_p, _c_double_p, _c_double_p, _c_double_p,
                                _c_double_p, _c_double_p]),
    "mgn_sizeof_hs_params": (_n, []),
    "mgn_hs_params_init": (_i, [_c_hs_params_p]),
    "mgn_hs_scenario_count": (_i, [_n, _c_hs_params_p, _c_size_p]),
    "mgn_hs_scenarios": (_i, [_c_double_p, _c_double_p, _n, _n, _c_hs_params_p, _c_shock_p,
                              _c_double_p]),
    "mgn_var_historical_work_size": (_i, [_n, _n, _n, _c_hs_params_p, _c_size_p]),
    "mgn_var_historical": (_i, [_c_market_p, _n, _c_position_p, _n, _c_double_p, _c_double_p,
                                _n, _c_double_p, _c_double_p, _n, _c_hs_params_p,
                                ctypes.c_void_p, _n, _c_var_result_p]),
    "mgn_sizeof_dg_result": (_n, []),
    "mgn_var_delta_normal": (_i, [_c_double_p, _c_double_p, _n, _d, _c_double_p,
                                  _c_double_p]),
    "mgn_var_delta_gamma_work_size": (_i, [_n, _c_size_p]),
    "mgn_var_delta_gamma": (_i, [_c_double_p, _c_double_p, _c_double_p, _n, _d,
                                 ctypes.c_void_p, _n, ctypes.POINTER(_CDgResult)]),
    "mgn_sizeof_mc_params": (_n, []),
    "mgn_mc_params_init": (_i, [_c_mc_params_p]),
    "mgn_var_montecarlo_work_size": (_i, [_n, _c_mc_params_p, _c_size_p]),
    "mgn_var_montecarlo": (_i, [_c_market_p, _n, _c_position_p, _n, _c_double_p,
                                _c_mc_params_p, ctypes.c_void_p, _n, _c_var_result_p]),
    "mgn_sizeof_backtest_result": (_n, []),
    "mgn_backtest_exceptions": (_i, [_c_double_p, _c_double_p, _n, _c_int_p]),
    "mgn_backtest": (_i, [_c_int_p, _n, _d, ctypes.POINTER(_CBacktestResult)]),
    "mgn_backtest_zone": (_i, [_n, _n, _d, _c_int_p, _c_double_p]),
    "mgn_sizeof_dynmargin_params": (_n, []),
    "mgn_sizeof_dynmargin_result": (_n, []),
    "mgn_ewma_variance": (_i, [_c_double_p, _n, _d, _d, _c_double_p]),
    "mgn_dynmargin_params_init": (_i, [_c_dyn_params_p]),
    "mgn_dynamic_margin": (_i, [_c_double_p, _n, _c_dyn_params_p, _c_double_p,
                                ctypes.POINTER(_CDynmarginResult)]),
    # accounts, margin calls and liquidation
    "mgn_sizeof_balance": (_n, []),
    "mgn_sizeof_account": (_n, []),
    "mgn_sizeof_account_params": (_n, []),
    "mgn_sizeof_account_result": (_n, []),
    "mgn_sizeof_position_result": (_n, []),
    "mgn_account_params_init": (_i, [_c_acct_params_p]),
    "mgn_account_work_size": (_i, [_c_acct_params_p, _n, _n, _c_size_p]),
    "mgn_account_eval": (_i, [_c_market_p, _n, _c_account_p, _c_acct_params_p, _d, _d,
                              ctypes.c_void_p, _n, _c_acct_result_p,
                              ctypes.POINTER(_CPositionResult)]),
    "mgn_account_sweep": (_i, [_c_market_p, _n, _c_account_p, _n, _c_acct_params_p, _d,
                               _c_double_p, _i, ctypes.c_void_p, _n, _c_acct_result_p]),
    "mgn_sizeof_liq_input": (_n, []),
    "mgn_sizeof_liq_closed": (_n, []),
    "mgn_liq_price_closed": (_i, [ctypes.POINTER(_CLiqInput), ctypes.POINTER(_CLiqClosed)]),
    "mgn_sizeof_liq_search": (_n, []),
    "mgn_sizeof_liq_price_result": (_n, []),
    "mgn_liq_search_init": (_i, [_c_liq_search_p]),
    "mgn_liq_prices_work_size": (_i, [_c_acct_params_p, _n, _n, _c_size_p]),
    "mgn_liq_prices": (_i, [_c_market_p, _n, _c_account_p, _c_acct_params_p, _c_liq_search_p,
                            ctypes.c_void_p, _n, _c_double_p, _n, _c_liq_price_result_p]),
    "mgn_sizeof_whatif_result": (_n, []),
    "mgn_whatif_work_size": (_i, [_c_acct_params_p, _n, _n, _c_size_p]),
    "mgn_account_whatif": (_i, [_c_market_p, _n, _c_account_p, _c_acct_params_p,
                                _c_position_p, _d, _d, _d, ctypes.c_void_p, _n,
                                ctypes.POINTER(_CWhatifResult)]),
    "mgn_whatif_liq_prices": (_i, [_c_market_p, _n, _c_account_p, _c_acct_params_p,
                                   _c_position_p, _d, _c_liq_search_p, ctypes.c_void_p, _n,
                                   _c_double_p, _n, _c_liq_price_result_p]),
    "mgn_account_max_order": (_i, [_c_market_p, _n, _c_account_p, _c_acct_params_p,
                                   _c_position_p, _d, _d, _d, ctypes.c_void_p, _n,
                                   _c_double_p]),
    "mgn_sizeof_oracle_params": (_n, []),
    "mgn_sizeof_oracle_result": (_n, []),
    "mgn_oracle_index": (_i, [_c_double_p, _c_double_p, _n, _d,
                              ctypes.POINTER(_COracleParams), _c_oracle_result_p]),
    "mgn_sizeof_liq_params": (_n, []),
    "mgn_sizeof_liq_close": (_n, []),
    "mgn_sizeof_liq_result": (_n, []),
    "mgn_liq_params_init": (_i, [_c_liq_params_p]),
    "mgn_liq_partial_work_size": (_i, [_c_acct_params_p, _n, _n, _c_size_p]),
    "mgn_liq_partial": (_i, [_c_market_p, _n, _c_account_p, _c_acct_params_p, _c_liq_params_p,
                             _c_oracle_result_p, ctypes.c_void_p, _n, _c_liq_close_p,
                             ctypes.POINTER(_CLiqResult)]),
    "mgn_liq_economics": (_i, [_c_market_p, _n, _c_account_p, _c_liq_close_p, _n, _d, _d, _d,
                               _c_double_p, _c_int_p, _c_size_p, _c_double_p]),
    "mgn_sizeof_cascade_params": (_n, []),
    "mgn_sizeof_cascade_round": (_n, []),
    "mgn_sizeof_cascade_result": (_n, []),
    "mgn_cascade_work_size": (_i, [_c_acct_params_p, _n, _n, _n, _c_size_p]),
    "mgn_cascade": (_i, [_c_market_p, _n, _c_account_p, _n, _c_acct_params_p,
                         ctypes.POINTER(_CCascadeParams), _c_double_p, _c_double_p,
                         ctypes.c_void_p, _n, ctypes.POINTER(_CCascadeRound), _c_market_p,
                         ctypes.POINTER(_CCascadeResult)]),
}

# Needed to check the library at all; a library without them is refused.
_REQUIRED = ("mgn_version", "mgn_version_number", "mgn_strerror", "mgn_sizeof_greeks")

_lock = threading.Lock()
_lib = None          # the ctypes.CDLL, loaded once per process
_lib_path = None
_funcs = {}          # C name -> configured ctypes function
_missing = ()        # C names this library does not export (older minor versions)
_disabled = {}       # C names exported but not callable: struct sizes not verifiable


def _candidate_paths():
    """Where the library is looked for, in order: yields (path, origin)."""
    env = os.environ.get("MARGIN_LIBRARY")
    if env:   # an explicit choice: no silent fallback to another copy
        yield env, "$MARGIN_LIBRARY"      # a path, or a bare soname for dlopen
        return
    here = os.path.dirname(os.path.abspath(__file__))
    yield (os.path.normpath(os.path.join(here, "..", "..", "lib", "libmargin.so")),
           "the repository's lib/")
    found = ctypes.util.find_library("margin")     # runs ldconfig: only if needed
    if found:
        yield found, "find_library('margin')"
    else:
        yield "libmargin.so", "find_library('margin') found nothing; dlopen search"


def _open_library():
    tried = []
    for path, origin in _candidate_paths():
        if os.sep in path and not os.path.exists(path):
            tried.append("%s (%s): no such file" % (path, origin))
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as exc:
            tried.append("%s (%s): %s" % (path, origin, exc))
    raise ImportError("cannot load the libmargin shared library; set MARGIN_LIBRARY to the "
                      "path of libmargin.so or build it with `make`. Tried: "
                      + "; ".join(tried))


def _configure(lib):
    """Declare restype/argtypes of every public function the library exports.

    Returns (funcs, missing): the configured functions by name and the names absent.
    """
    funcs, missing = {}, []
    for name, (restype, argtypes) in _PROTOTYPES.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype = restype
        fn.argtypes = argtypes
        funcs[name] = fn
    return funcs, tuple(missing)


def _check_library(funcs, path="libmargin", expected_major=EXPECTED_MAJOR, mirrors=None):
    """Refuse a library this binding cannot safely call: raises ImportError.

    funcs maps C names to callables (the configured ctypes functions, or fakes in
    tests). mirrors maps each C size function to (C type name, ctypes mirror or an
    int size, ...); it defaults to every struct this binding mirrors. A size function
    the library does not export is skipped here (see _unchecked). Returns the
    library's version string.
    """
    if mirrors is None:
        mirrors = _MIRRORS
    absent = [name for name in _REQUIRED if name not in funcs]
    if absent:
        raise ImportError("%s is not a usable libmargin: it does not export %s"
                          % (path, ", ".join(absent)))
    number = int(funcs["mgn_version_number"]())
    text = funcs["mgn_version"]()
    text = text.decode("ascii", "replace") if isinstance(text, bytes) else str(text)
    major = number // 10000
    if major != expected_major:
        raise ImportError("%s is libmargin %s (version number %d, major %d); this binding "
                          "needs major version %d" % (path, text, number, major,
                                                      expected_major))
    try:
        parts = [int(p) for p in text.split(".")]
        from_text = parts[0] * 10000 + parts[1] * 100 + parts[2]
    except (ValueError, IndexError):
        from_text = None
    if len(text.split(".")) != 3 or from_text != number:
        raise ImportError("%s reports inconsistent versions: mgn_version() = %r but "
                          "mgn_version_number() = %d" % (path, text, number))
    for size_fn, (c_name, mirror) in ((k, v[:2]) for k, v in mirrors.items()):
        if size_fn not in funcs:
            continue
        ours = mirror if isinstance(mirror, int) else ctypes.sizeof(mirror)
        theirs = int(funcs[size_fn]())
        if theirs != ours and not (c_name in _VERSIONED and theirs > ours):
            raise ImportError("%s: sizeof(%s) is %d bytes in the library (%s()) but %d in "
                              "this binding's mirror; the binding and libmargin %s do not "
                              "match" % (path, c_name, theirs, size_fn, ours, text))
    return text


def _unchecked(funcs):
    """C functions taking a struct whose size the library cannot report: disabled.

    Returns {function: [size functions the library lacks]}."""
    out = {}
    for size_fn, (_, _, users) in _MIRRORS.items():
        if size_fn not in funcs:
            for user in users:
                if user in funcs:
                    out.setdefault(user, []).append(size_fn)
    return out


def _load():
    """Load, configure and check the library once per process; returns the CDLL."""
    global _lib, _lib_path, _funcs, _missing, _disabled
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is None:
            lib, path = _open_library()
            funcs, missing = _configure(lib)
            _check_library(funcs, path)
            disabled = _unchecked(funcs)
            for name in disabled:
                del funcs[name]
            _funcs, _missing, _disabled, _lib_path = funcs, missing, disabled, path
            _lib = lib
    return _lib


def _fn(name):
    """The configured ctypes function `name` (loading the library on first use)."""
    if _lib is None:
        _load()
    try:
        return _funcs[name]
    except KeyError:
        if name in _disabled:
            raise NotImplementedError(
                "%s is disabled: the loaded libmargin %s (%s) does not export %s, so the "
                "binding cannot verify the layout of the structs it takes"
                % (name, version(), _lib_path, ", ".join(_disabled[name]))) from None
        raise NotImplementedError("%s is not exported by the loaded libmargin %s (%s)"
                                  % (name, version(), _lib_path)) from None


def _call(name, *args):
    status = _fn(name)(*args)
    if status != MGN_OK:
        raise _error(status, name)


def _strerror_text(status):
    try:
        return _fn("mgn_strerror")(int(status)).decode("ascii", "replace")
    except (ImportError, NotImplementedError, OverflowError, ctypes.ArgumentError):
        return "status %d" % int(status)


# ---------------------------------------------------------------------------- library info

def version():
    """Version string "MAJOR.MINOR.PATCH" of the loaded library (mgn_version)."""
    return _fn("mgn_version")().decode("ascii")


def version_number():
    """MAJOR*10000 + MINOR*100 + PATCH of the loaded library (mgn_version_number)."""
    return int(_fn("mgn_version_number")())


def strerror(status):
    """English description of a status code (mgn_strerror); never fails."""
    return _fn("mgn_strerror")(int(status)).decode("ascii", "replace")


def library_info():
    """Dict describing the loaded library: path, version, version_number, the struct
    sizes it reports, the public functions it does not export ('missing') and those it
    exports but the binding will not call because a struct size cannot be verified
    ('disabled'); calling either raises NotImplementedError."""
    _load()
    return {"path": _lib_path, "version": version(), "version_number": version_number(),
            "struct_sizes": {c_name: int(_funcs[fn]()) for fn, (c_name, _, _) in
                             _MIRRORS.items() if fn in _funcs},
            "missing": list(_missing), "disabled": sorted(_disabled)}


# ---------------------------------------------------------------------------- arguments

_TYPE_NAMES = {"call": MGN_CALL, "c": MGN_CALL, "put": MGN_PUT, "p": MGN_PUT}


def _type_code(value):
    """MGN_CALL/MGN_PUT for a valid option type, else None."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if isinstance(value, str):
        return _TYPE_NAMES.get(value.strip().lower())
    try:
        as_int = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if as_int != value:          # 0.5, nan ...
        return None
    return as_int if as_int in (MGN_CALL, MGN_PUT) else None


def _scalar_type(value, function):
    code = _type_code(value)
    if code is None:
        raise InvalidArgumentError(MGN_EINVAL, function,
                                   "option type %r: use 'call'/'put', 'c'/'p' or "
                                   "MGN_CALL/MGN_PUT (0/1)" % (value,))
    return code


def _f(value, name):
    """A Python float for a ctypes double argument (never a string)."""
    if isinstance(value, (str, bytes)):
        raise TypeError("%s must be a number, not %s" % (name, type(value).__name__))
    try:
        return float(value)
    except TypeError:
        raise TypeError("%s must be a real number, not %s (use the _batch functions for "
                        "arrays)" % (name, type(value).__name__)) from None


def _greeks_of(c):
    return Greeks(*(getattr(c, f) for f in GREEK_FIELDS))


# ---------------------------------------------------------------------------- scalar API

def bs_price(type, S, K, T, r, q, sigma):
    """Black-Scholes-Merton price of a European option (mgn_bs_price).

    type 'call'/'put' (or 'c'/'p', 0/1); S spot > 0; K strike > 0; T years >= 0;
    r, q continuously compounded rate and dividend/carry yield; sigma >= 0.
    T == 0 gives the payoff; sigma == 0 the discounted forward intrinsic.
    Raises InvalidArgumentError (MGN_EINVAL) for arguments outside that domain.
    """
    fn = "mgn_bs_price"
    out = ctypes.c_double()
    _call(fn, _scalar_type(type, fn), _f(S, "S"), _f(K, "K"), _f(T, "T"), _f(r, "r"),
          _f(q, "q"), _f(sigma, "sigma"), ctypes.byref(out))
    return out.value


def bs_greeks(type, S, K, T, r, q, sigma):
    """Price and the nine Greeks of a BSM European option (mgn_bs_greeks) -> Greeks.

    Arguments as bs_price. Theta, rho and dividend_rho hold S fixed. Raises
    RangeError (MGN_ERANGE) for sigma == 0 with F == K (gamma unbounded).
    """
    fn = "mgn_bs_greeks"
    out = _CGreeks()
    _call(fn, _scalar_type(type, fn), _f(S, "S"), _f(K, "K"), _f(T, "T"), _f(r, "r"),
          _f(q, "q"), _f(sigma, "sigma"), ctypes.byref(out))
    return _greeks_of(out)


def black76_price(type, F, K, T, r, sigma):
    """Black-76 price of a European option on a forward/futures price F, discounted at r
    (mgn_black76_price)."""
    fn = "mgn_black76_price"
    out = ctypes.c_double()
    _call(fn, _scalar_type(type, fn), _f(F, "F"), _f(K, "K"), _f(T, "T"), _f(r, "r"),
          _f(sigma, "sigma"), ctypes.byref(out))
    return out.value


def black76_greeks(type, F, K, T, r, sigma):
    """Black-76 price and Greeks (mgn_black76_greeks) -> Greeks.

    delta and gamma are with respect to F; theta and charm hold F fixed, so
    rho = -T * price; dividend_rho = 0.
    """
    fn = "mgn_black76_greeks"
    out = _CGreeks()
    _call(fn, _scalar_type(type, fn), _f(F, "F"), _f(K, "K"), _f(T, "T"), _f(r, "r"),
          _f(sigma, "sigma"), ctypes.byref(out))
    return _greeks_of(out)


def inverse_price(type, S, K, T, r, q, sigma):
    """Value in coin of an inverse (coin-settled, Deribit-style) European option:
    the BSM value divided by S (mgn_inverse_price). Arguments as bs_price."""
    fn = "mgn_inverse_price"
    out = ctypes.c_double()
    _call(fn, _scalar_type(type, fn), _f(S, "S"), _f(K, "K"), _f(T, "T"), _f(r, "r"),
          _f(q, "q"), _f(sigma, "sigma"), ctypes.byref(out))
    return out.value


def inverse_greeks(type, S, K, T, r, q, sigma):
    """Greeks of the coin value V/S of an inverse option, in coin (mgn_inverse_greeks)
    -> Greeks. S * delta is the premium-adjusted delta venues quote."""
    fn = "mgn_inverse_greeks"
    out = _CGreeks()
    _call(fn, _scalar_type(type, fn), _f(S, "S"), _f(K, "K"), _f(T, "T"), _f(r, "r"),
          _f(q, "q"), _f(sigma, "sigma"), ctypes.byref(out))
    return _greeks_of(out)


def implied_vol(type, S, K, T, r, q, price):
    """BSM implied volatility of a European option price (mgn_implied_vol).

    Returns sigma >= 0 (0 for a price equal to the discounted forward intrinsic).
    Raises NoSolutionError (MGN_ENOSOL) for a price below that lower bound or at or
    above the upper bound (S e^{-qT} call, K e^{-rT} put); InvalidArgumentError for a
    negative or non-finite price, T == 0, or invalid S, K, T, r, q, type.
    """
    fn = "mgn_implied_vol"
    out = ctypes.c_double()
    _call(fn, _scalar_type(type, fn), _f(S, "S"), _f(K, "K"), _f(T, "T"), _f(r, "r"),
          _f(q, "q"), _f(price, "price"), ctypes.byref(out))
    return out.value


def black76_implied_vol(type, F, K, T, r, price):
    """Black-76 implied volatility on a forward F, discounted at r
    (mgn_black76_implied_vol). Statuses as implied_vol."""
    fn = "mgn_black76_implied_vol"
    out = ctypes.c_double()
    _call(fn, _scalar_type(type, fn), _f(F, "F"), _f(K, "K"), _f(T, "T"), _f(r, "r"),
          _f(price, "price"), ctypes.byref(out))
    return out.value


def american_price(type, S, K, T, r, q, sigma):
    """Price of an American option, early-exercise premium included
    (mgn_american_price). Arguments and domain as bs_price; sigma == 0 gives the value
    of the best deterministic exercise time."""
    fn = "mgn_american_price"
    out = ctypes.c_double()
    _call(fn, _scalar_type(type, fn), _f(S, "S"), _f(K, "K"), _f(T, "T"), _f(r, "r"),
          _f(q, "q"), _f(sigma, "sigma"), ctypes.byref(out))
    return out.value


# ---------------------------------------------------------------------------- batch plumbing
#
# A batch call turns its inputs into contiguous native arrays (numpy: float64 and
# int32 copies where needed, broadcast to one shape; lists: ctypes arrays), keeps
# them referenced in locals for the duration of the C call and allocates fresh
# outputs, so no output ever overlaps an input.

def _np_types(value):
    arr = _np.asarray(value)
    if arr.dtype.kind in "US" and not isinstance(value, _np.ndarray):
        arr = _np.asarray(value, dtype=object)    # ['c', 0, 1] must not become '0', '1'
    if arr.dtype.kind in "USO":
        codes = [_type_code(v) for v in arr.ravel()]
        return _np.array([-1 if c is None else c for c in codes],
                         dtype=_np.int32).reshape(arr.shape)
    if arr.dtype.kind in "biuf":
        return _np.where(arr == MGN_CALL, MGN_CALL,
                         _np.where(arr == MGN_PUT, MGN_PUT, -1)).astype(_np.int32)
    raise TypeError("option types must be strings or integers, not %s" % arr.dtype)


def _np_prepare(type, values):
    """numpy path: (shape, int32 types, [float64 arrays]) flattened, contiguous."""
    types = _np_types(type)
    floats = [_np.asarray(v, dtype=_np.float64) for v in values]
    arrays = _np.broadcast_arrays(types, *floats)
    shape = arrays[0].shape
    types = _np.require(arrays[0].ravel(), dtype=_np.int32, requirements=["C", "A"])
    floats = [_np.require(a.ravel(), dtype=_np.float64, requirements=["C", "A"])
              for a in arrays[1:]]
    return shape, types, floats


def _np_ptr(arr, ptype):
    return arr.ctypes.data_as(ptype)


def _is_sequence(value):
    if isinstance(value, (str, bytes)):
        return False
    return hasattr(value, "__len__") and hasattr(value, "__getitem__") or \
        hasattr(value, "__iter__")


def _list_prepare(type, values):
    """List path (no numpy): (n, ctypes int array, [ctypes double arrays])."""
    seqs = [list(v) if _is_sequence(v) else None for v in [type] + list(values)]
    lengths = set(len(s) for s in seqs if s is not None and len(s) != 1)
    if len(lengths) > 1:
        raise ValueError("batch inputs have different lengths %s (scalars and length-1 "
                         "sequences broadcast)" % sorted(lengths))
    n = lengths.pop() if lengths else 1

    def expand(value, seq):
        if seq is None:
            return [value] * n
        return seq * n if len(seq) == 1 else seq

    raw_types = expand(type, seqs[0])
    codes = [_type_code(t) for t in raw_types]
    c_types = (ctypes.c_int * n)(*[-1 if c is None else c for c in codes])
    c_floats = []
    for value, seq in zip(values, seqs[1:]):
        items = expand(value, seq)
        try:
            floats = [_f(x, "batch input") for x in items]
        except TypeError:
            raise TypeError("without numpy, batch inputs must be scalars or 1-D sequences "
                            "of numbers") from None
        c_floats.append((ctypes.c_double * n)(*floats))
    return n, c_types, c_floats


def _finish(name, status, result, strict, return_status, failed):
    if strict and status != MGN_OK:
        err = _error(status, name, "%d of the batch elements failed" % failed())
        err.result = result
        raise err
    return (result, status) if return_status else result


def _count_nan(values):
    if _np is not None and isinstance(values, _np.ndarray):
        return int(_np.isnan(values).sum())
    return sum(1 for v in values if math.isnan(v))


def _price_batch(name, type, values, strict, return_status):
    fn = _fn(name)
    if _np is not None:
        shape, types, floats = _np_prepare(type, values)
        out = _np.empty(types.size, dtype=_np.float64)
        status = fn(types.size, _np_ptr(types, _c_int_p),
                    *[_np_ptr(a, _c_double_p) for a in floats], _np_ptr(out, _c_double_p))
        result = out.reshape(shape)
    else:
        n, types, floats = _list_prepare(type, values)
        out = (ctypes.c_double * n)()
        status = fn(n, types, *floats, out)
        result = list(out)
    return _finish(name, status, result, strict, return_status,
                   lambda: _count_nan(result))


_greeks_dtype = None


def _greeks_np_dtype():
    global _greeks_dtype
    if _greeks_dtype is None:
        _greeks_dtype = _np.dtype({
            "names": list(GREEK_FIELDS),
            "formats": [_np.float64] * len(GREEK_FIELDS),
            "offsets": [getattr(_CGreeks, f).offset for f in GREEK_FIELDS],
            "itemsize": ctypes.sizeof(_CGreeks)})
    return _greeks_dtype


def _greeks_batch(name, type, values, strict, return_status):
    fn = _fn(name)
    if _np is not None:
        shape, types, floats = _np_prepare(type, values)
        out = _np.empty(types.size, dtype=_greeks_np_dtype())
        status = fn(types.size, _np_ptr(types, _c_int_p),
                    *[_np_ptr(a, _c_double_p) for a in floats], _np_ptr(out, _c_greeks_p))
        result = Greeks(*(_np.ascontiguousarray(out[f]).reshape(shape)
                          for f in GREEK_FIELDS))
    else:
        n, types, floats = _list_prepare(type, values)
        out = (_CGreeks * n)()
        status = fn(n, types, *floats, out)
        result = Greeks(*([getattr(g, f) for g in out] for f in GREEK_FIELDS))
    return _finish(name, status, result, strict, return_status,
                   lambda: _count_nan(result.price))


# ---------------------------------------------------------------------------- batch API

def bs_price_batch(type, S, K, T, r, q, sigma, strict=False, return_status=False):
    """BSM prices of many options (mgn_bs_price_batch).

    Each argument is a scalar or an array-like; they broadcast together. Returns an
    array of prices (a list without numpy); an invalid element gives NaN in its slot
    and does not raise unless strict=True. return_status=True returns
    (prices, status) with the C call's overall status (MGN_EINVAL if any element was
    invalid). Option types may be strings or 0/1; an unknown type is an invalid
    element.
    """
    return _price_batch("mgn_bs_price_batch", type, (S, K, T, r, q, sigma), strict,
                        return_status)


def bs_greeks_batch(type, S, K, T, r, q, sigma, strict=False, return_status=False):
    """BSM prices and Greeks of many options (mgn_bs_greeks_batch) -> Greeks of arrays.

    Broadcasting, NaN slots, strict and return_status as bs_price_batch; an invalid
    element has every field NaN; the status is MGN_ERANGE where the only failures
    are the unbounded gamma of sigma == 0, F == K.
    """
    return _greeks_batch("mgn_bs_greeks_batch", type, (S, K, T, r, q, sigma), strict,
                         return_status)


def black76_price_batch(type, F, K, T, r, sigma, strict=False, return_status=False):
    """Black-76 prices of many options (mgn_black76_price_batch); as bs_price_batch."""
    return _price_batch("mgn_black76_price_batch", type, (F, K, T, r, sigma), strict,
                        return_status)


def black76_greeks_batch(type, F, K, T, r, sigma, strict=False, return_status=False):
    """Black-76 prices and Greeks of many options (mgn_black76_greeks_batch) ->
    Greeks of arrays; as bs_greeks_batch."""
    return _greeks_batch("mgn_black76_greeks_batch", type, (F, K, T, r, sigma), strict,
                         return_status)


def implied_vol_batch(type, S, K, T, r, q, price, strict=False, statuses=True,
                      return_status=False):
    """BSM implied vols of many option prices.

    Default (statuses=True, mgn_implied_vol_batch_status): returns (sigma, status),
    two arrays (lists without numpy) of the broadcast shape; status[i] is the code
    implied_vol would have returned for element i (MGN_ENOSOL for a price below
    intrinsic or at or above the upper bound, MGN_EINVAL for bad input) and sigma[i]
    is NaN wherever status[i] != MGN_OK. The library solves most elements in
    vector passes: sigma[i] is within 1e-12 relative of implied_vol's result.
    return_status=True appends the C call's overall status: (sigma, status, overall).
    statuses=False (mgn_implied_vol_batch) returns only sigma, or (sigma, overall)
    with return_status=True.
    strict=True raises MarginError (its .result is what would have been returned)
    when any element failed.
    """
    values = (S, K, T, r, q, price)
    if not statuses:
        return _price_batch("mgn_implied_vol_batch", type, values, strict, return_status)
    name = "mgn_implied_vol_batch_status"
    fn = _fn(name)
    if _np is not None:
        shape, types, floats = _np_prepare(type, values)
        sigma = _np.empty(types.size, dtype=_np.float64)
        codes = _np.empty(types.size, dtype=_np.int32)
        status = fn(types.size, _np_ptr(types, _c_int_p),
                    *[_np_ptr(a, _c_double_p) for a in floats],
                    _np_ptr(sigma, _c_double_p), _np_ptr(codes, _c_int_p))
        result = (sigma.reshape(shape), codes.reshape(shape))
        failed = lambda: int(_np.count_nonzero(codes))   # noqa: E731
    else:
        n, types, floats = _list_prepare(type, values)
        sigma = (ctypes.c_double * n)()
        codes = (ctypes.c_int * n)()
        status = fn(n, types, *floats, sigma, codes)
        result = (list(sigma), list(codes))
        failed = lambda: sum(1 for c in result[1] if c)   # noqa: E731
    if return_status:
        result = result + (status,)
    return _finish(name, status, result, strict, False, failed)


# ---------------------------------------------------------------------------- portfolio API
#
# Plain namedtuples (picklable, no ctypes inside) describe markets, positions, shocks
# and SPAN parameters; they are copied into the mirrored C structs at each call.

Market = collections.namedtuple("Market", "spot rate carry", defaults=(0.0, 0.0))
Market.__doc__ = """One underlying (mgn_market): index price, rate r and carry q, so that
F(T) = spot * exp((rate - carry) * T). Indexed from 0 in the order given."""

Position = collections.namedtuple(
    "Position", "instrument underlying option_type settlement exercise reserved quantity "
                "multiplier strike expiry vol entry_price",
    defaults=(MGN_OPTION, 0, MGN_CALL, MGN_LINEAR, MGN_EUROPEAN, 0, 0.0, 1.0, 0.0, 0.0, 0.0,
              0.0))
Position.__doc__ = """One position (mgn_position), fields in the C order, all with defaults
(give them by keyword). instrument 'option'/'future'/'perpetual' or MGN_OPTION/...;
option_type 'call'/'put' or 0/1; settlement 'linear'/'inverse'; exercise
'european'/'american'; quantity signed (+ long, - short); multiplier (options and linear
futures: underlying units per contract; inverse futures and perpetuals: quote notional
per contract); strike, expiry (years) and vol (mark implied vol) for options;
entry_price for futures and perpetuals."""

Shock = collections.namedtuple("Shock", "price vol", defaults=(0.0, 0.0))
Shock.__doc__ = """A scenario move of one underlying (mgn_shock): relative price move
(S' = S * (1 + price)) and absolute move of every option's vol (floored at
MGN_VOL_FLOOR)."""

SpanParams = collections.namedtuple(
    "SpanParams", "price_scan vol_scan extreme_mult extreme_cover lookahead som_rate "
                  "intra_rate", defaults=(2.0, 0.35, 0.0, 0.0, 0.0))
SpanParams.__doc__ = """SPAN parameters of one underlying (mgn_span_params): price scan
range (fraction of the index price), vol scan range (absolute), extreme move multiple
(default 2) and cover (default 0.35), lookahead (years), short option minimum rate,
intra-commodity spread rate."""

SpanPair = collections.namedtuple("SpanPair", "a b delta_a delta_b credit_rate")
SpanPair.__doc__ = """Inter-commodity spread credit between underlyings a and b
(mgn_span_pair)."""

SpanResult = collections.namedtuple("SpanResult", [f for f, _ in _CSpanResult._fields_])
SpanResult.__doc__ = """Result of span_margin (mgn_span_result): requirement (sum over
underlyings of max(scan + intra - inter, som)), scan_risk, intra_charge, inter_credit,
short_option_min, net_option_value."""

_ENUM_NAMES = {
    "instrument": {"option": MGN_OPTION, "future": MGN_FUTURE, "perpetual": MGN_PERPETUAL,
                   "perp": MGN_PERPETUAL},
    "settlement": {"linear": MGN_LINEAR, "inverse": MGN_INVERSE},
    "exercise": {"european": MGN_EUROPEAN, "american": MGN_AMERICAN},
}


def _record(value, cls, what):
    """A namedtuple of class cls from an instance, a dict or a tuple."""
    if isinstance(value, cls):
        return value
    if isinstance(value, dict):
        return cls(**value)
    try:
        return cls(*value)
    except TypeError:
        raise TypeError("%s must be a %s, a dict or a tuple, not %r"
                        % (what, cls.__name__, value)) from None


def _int_field(value, field, function):
    if field == "option_type":
        code = _type_code(value)
        if code is None and not isinstance(value, (str, bytes)):
            code = -1 if isinstance(value, float) else value
    elif isinstance(value, (str, bytes)):
        name = value.decode() if isinstance(value, bytes) else value
        code = _ENUM_NAMES.get(field, {}).get(name.strip().lower())
    else:
        code = value
    if code is None or isinstance(code, float) or not -2 ** 31 <= int(code) < 2 ** 31:
        raise InvalidArgumentError(MGN_EINVAL, function, "%s = %r" % (field, value))
    return int(code)


def _c_array(ctype, records, cls, what, function):
    """ctypes array of struct ctype from a sequence of records."""
    records = [_record(v, cls, what) for v in records]
    arr = (ctype * len(records))()
    for c, rec in zip(arr, records):
        for (field, ftype), value in zip(ctype._fields_, rec):
            if ftype is ctypes.c_int:
                setattr(c, field, _int_field(value, field, function))
            else:
                setattr(c, field, _f(value, field))
    return arr


def _shock_pairs(shocks):
    """Flatten shocks (rows of Shock/(price, vol), or an (n_scen, n_mkt, 2) array)."""
    if _np is not None and isinstance(shocks, _np.ndarray):
        return [tuple(p) for p in _np.asarray(shocks, dtype=_np.float64).reshape(-1, 2)]
    out = []

    def walk(x):
        if isinstance(x, (Shock, dict)) or (_is_sequence(x) and len(x) == 2 and
                                              not any(_is_sequence(v) for v in x)):
            out.append(_record(x, Shock, "a shock"))
        elif _is_sequence(x):
            for item in x:
                walk(item)
        else:
            raise TypeError("shocks must be Shock/(price, vol) records, in rows of one per "
                            "market; got %r" % (x,))
    walk(shocks)
    return out


def scenario_pnl(markets, positions, shocks, dt=0.0, currency=MGN_QUOTE):
    """P&L of a portfolio in each scenario (mgn_scenario_pnl).

    markets: sequence of Market (or dicts/tuples), one per underlying.
    positions: sequence of Position (or dicts/tuples).
    shocks: n_scen rows of n_mkt Shock/(price, vol) each, row-major (a flat sequence
    when there is one market), or an array of shape (n_scen, n_mkt, 2).
    dt: years that pass in every scenario. currency: MGN_QUOTE (-1) or an underlying
    index u for the coin of u. Returns the n_scen P&Ls (numpy array, or a list).
    Raises MarginError on a nonzero status.
    """
    fn = "mgn_scenario_pnl"
    c_fn = _fn(fn)
    mkt = _records(_CMarket, markets, Market, "a market", fn)
    pos = _records(_CPosition, positions, Position, "a position", fn)
    pairs = _shock_pairs(shocks)
    n_mkt = len(mkt)
    if n_mkt == 0 or len(pairs) % n_mkt:
        raise InvalidArgumentError(MGN_EINVAL, fn, "%d shocks do not form rows of %d markets"
                                   % (len(pairs), n_mkt))
    n_scen = len(pairs) // n_mkt
    shk = _c_array(_CShock, pairs, Shock, "a shock", fn)
    out = (ctypes.c_double * n_scen)()
    status = c_fn(mkt, n_mkt, pos, len(pos), shk, n_scen, _f(dt, "dt"),
                  _int_field(currency, "currency", fn), out)
    if status != MGN_OK:
        raise _error(status, fn)
    return _np.array(out, dtype=_np.float64) if _np is not None else list(out)


def span_margin(markets, params, positions, pairs=(), currency=MGN_QUOTE):
    """SPAN-style margin of a portfolio (mgn_span_margin) -> SpanResult.

    markets: sequence of Market; params: one SpanParams per market (a single
    SpanParams applies to every market); positions: sequence of Position; pairs:
    SpanPair inter-commodity credits, taken in order; currency: MGN_QUOTE or an
    underlying index. Raises MarginError on a nonzero status.
    """
    fn = "mgn_span_margin"
    c_fn = _fn(fn)
    mkt = _records(_CMarket, markets, Market, "a market", fn)
    if isinstance(params, (SpanParams, dict)):
        params = [params] * len(mkt)
    prm = _c_array(_CSpanParams, params, SpanParams, "SPAN parameters", fn)
    if len(prm) != len(mkt):
        raise InvalidArgumentError(MGN_EINVAL, fn, "%d SPAN parameter sets for %d markets"
                                   % (len(prm), len(mkt)))
    pos = _records(_CPosition, positions, Position, "a position", fn)
    prs = _c_array(_CSpanPair, pairs, SpanPair, "a SPAN pair", fn)
    out = _CSpanResult()
    status = c_fn(mkt, prm, len(mkt), pos, len(pos), prs, len(prs),
                  _int_field(currency, "currency", fn), ctypes.byref(out))
    if status != MGN_OK:
        raise _error(status, fn)
    return SpanResult(*(getattr(out, f) for f in SpanResult._fields))


def var_es(pnl, weights=None, confidence=0.99):
    """Value at risk and expected shortfall of a P&L sample (mgn_var_es) -> (var, es).

    pnl: array-like of scenario P&Ls (gains positive); weights: None for equal
    weights, else one non-negative weight per scenario (normalised by the library);
    confidence in (0, 1). Both results are losses (positive for a loss); ES is the
    Acerbi-Tasche expected shortfall. Raises MarginError on a nonzero status.
    """
    fn = "mgn_var_es"
    c_fn = _fn(fn)

    def doubles(values, what):
        if _np is not None:
            arr = _np.require(_np.asarray(values, dtype=_np.float64).ravel(),
                              dtype=_np.float64, requirements=["C", "A"])
            return arr, arr.size, _np_ptr(arr, _c_double_p)
        values = [_f(v, what) for v in values]
        arr = (ctypes.c_double * len(values))(*values)
        return arr, len(values), arr

    keep_p, n, p_ptr = doubles(pnl, "pnl")
    w_ptr = None
    if weights is not None:
        keep_w, n_w, w_ptr = doubles(weights, "weights")
        if n_w != n:
            raise InvalidArgumentError(MGN_EINVAL, fn, "%d weights for %d P&Ls" % (n_w, n))
    var, es = ctypes.c_double(), ctypes.c_double()
    status = c_fn(p_ptr, w_ptr, n, _f(confidence, "confidence"), ctypes.byref(var),
                  ctypes.byref(es))
    if status != MGN_OK:
        raise _error(status, fn)
    return var.value, es.value


# ---------------------------------------------------------------------------- standard margin

MGN_STD_TIER_QUOTE, MGN_STD_TIER_UNITS, MGN_STD_TIER_CONTRACTS = 0, 1, 2
MGN_STD_PAIR_COVERED, MGN_STD_PAIR_SPREADS, MGN_STD_PAIR_STRADDLES = 1, 2, 4
MGN_STD_PAIR_ALL = 7
(MGN_STD_NAKED, MGN_STD_COVERED, MGN_STD_VERTICAL, MGN_STD_CALENDAR, MGN_STD_DIAGONAL,
 MGN_STD_STRADDLE, MGN_STD_STRANGLE) = range(7)
(MGN_STD_PRESET_DEFAULT, MGN_STD_PRESET_DERIBIT_BTC, MGN_STD_PRESET_DERIBIT_ETH,
 MGN_STD_PRESET_BINANCE_BTCUSDT, MGN_STD_PRESET_OKX_ETHUSDT, MGN_STD_PRESET_CBOE_EQUITY,
 MGN_STD_PRESET_CBOE_BROAD_INDEX) = range(7)

StdTier = collections.namedtuple("StdTier", "floor im_rate mm_rate mm_amount",
                                 defaults=(0.0,))
StdTier.__doc__ = """One tier of a futures/perpetual rate table (mgn_std_tier)."""

_STD_FIELDS = [f for f, _ in _CStdParams._fields_
               if f not in ("struct_size", "n_tiers", "tiers")]
StdParams = collections.namedtuple("StdParams", _STD_FIELDS + ["tiers"])
StdParams.__doc__ = """A standard-margin rule set (mgn_std_params) as plain data: the
fields of the C struct in order (struct_size and the tier pointer are handled by the
binding) and tiers, a tuple of StdTier. Get one from std_preset() and change fields
with ._replace(...)."""

StdMargin = collections.namedtuple("StdMargin", "im mm pos_im pos_mm pos_strategy pos_partner")
StdMargin.__doc__ = """Result of std_margin(..., details=True): account IM and MM, and per
position its share of them, its strategy (MGN_STD_*) and the other leg (-1 if naked)."""


def _std_params_c(params, function):
    """(ctypes array of mgn_std_params, objects to keep alive) from StdParams."""
    params = [params] if isinstance(params, StdParams) else list(params)
    arr = (_CStdParams * len(params))()
    keep = [arr]
    for c, p in zip(arr, params):
        p = _record(p, StdParams, "a StdParams")
        c.struct_size = ctypes.sizeof(_CStdParams)
        for field in _STD_FIELDS:
            value = getattr(p, field)
            if dict(_CStdParams._fields_)[field] is ctypes.c_int:
                setattr(c, field, _int_field(value, field, function))
            else:
                setattr(c, field, _f(value, field))
        tiers = _c_array(_CStdTier, p.tiers, StdTier, "a StdTier", function)
        keep.append(tiers)
        c.n_tiers = len(tiers)
        c.tiers = ctypes.cast(tiers, ctypes.POINTER(_CStdTier)) if len(tiers) else None
    return arr, keep


def std_preset(preset=MGN_STD_PRESET_DEFAULT):
    """A preset rule set (mgn_std_preset), MGN_STD_PRESET_* -> StdParams."""
    fn = "mgn_std_preset"
    c_fn = _fn(fn)
    out = _CStdParams()
    out.struct_size = ctypes.sizeof(_CStdParams)
    status = c_fn(_int_field(preset, "preset", fn), ctypes.byref(out))
    if status != MGN_OK:
        raise _error(status, fn)
    tiers = tuple(StdTier(*(getattr(out.tiers[i], f) for f, _ in _CStdTier._fields_))
                  for i in range(out.n_tiers))
    return StdParams(*(getattr(out, f) for f in _STD_FIELDS), tiers=tiers)


def std_position_margin(markets, params, position, currency=MGN_QUOTE):
    """Standard margin of one position, no strategy pairing (mgn_std_position_margin)
    -> (im, mm) in `currency` (MGN_QUOTE or an underlying index)."""
    fn = "mgn_std_position_margin"
    c_fn = _fn(fn)
    mkt = _records(_CMarket, markets, Market, "a market", fn)
    prm, keep = _std_params_c(params, fn)
    pos = _c_array(_CPosition, [position], Position, "a position", fn)
    im, mm = ctypes.c_double(), ctypes.c_double()
    status = c_fn(mkt, len(mkt), prm, pos, _int_field(currency, "currency", fn),
                  ctypes.byref(im), ctypes.byref(mm))
    del keep
    if status != MGN_OK:
        raise _error(status, fn)
    return im.value, mm.value


def std_workspace_size(n_pos):
    """Bytes of workspace mgn_std_margin needs for n_pos positions
    (mgn_std_workspace_size); std_margin allocates it itself."""
    fn = "mgn_std_workspace_size"
    out = ctypes.c_size_t()
    if isinstance(n_pos, bool) or int(n_pos) != n_pos or n_pos < 0:
        raise InvalidArgumentError(MGN_EINVAL, fn, "n_pos = %r" % (n_pos,))
    if n_pos >= 2 ** (8 * ctypes.sizeof(ctypes.c_size_t)):
        raise RangeError(MGN_ERANGE, fn, "n_pos = %r" % (n_pos,))
    _call(fn, int(n_pos), ctypes.byref(out))
    return out.value


def std_margin(markets, params, positions, currency=MGN_QUOTE, details=False):
    """Standard margin of an account with strategy pairing (mgn_std_margin).

    params: one StdParams for every underlying, or one per market. Returns (im, mm),
    or with details=True a StdMargin with the per-position shares, strategies and
    partners (lists). The workspace is allocated here.
    """
    fn = "mgn_std_margin"
    c_fn = _fn(fn)
    mkt = _records(_CMarket, markets, Market, "a market", fn)
    prm, keep = _std_params_c(params, fn)
    pos = _records(_CPosition, positions, Position, "a position", fn)
    n = len(pos)
    size = std_workspace_size(n)
    work = (ctypes.c_double * ((size + 7) // 8))()      # aligned for double
    im, mm = ctypes.c_double(), ctypes.c_double()
    if details:
        p_im, p_mm = (ctypes.c_double * n)(), (ctypes.c_double * n)()
        p_st, p_pa = (ctypes.c_int * n)(), (ctypes.c_int * n)()
    else:
        p_im = p_mm = p_st = p_pa = None
    status = c_fn(mkt, len(mkt), prm, len(prm), pos, n, _int_field(currency, "currency", fn),
                  ctypes.cast(work, ctypes.c_void_p) if size else None, size,
                  ctypes.byref(im), ctypes.byref(mm), p_im, p_mm, p_st, p_pa)
    del keep
    if status != MGN_OK:
        raise _error(status, fn)
    if not details:
        return im.value, mm.value
    return StdMargin(im.value, mm.value, list(p_im), list(p_mm), list(p_st), list(p_pa))


# ---------------------------------------------------------------------------- arrays and records
#
# Shared plumbing of the portfolio, margin and VaR wrappers below. Array inputs are
# copied to contiguous float64 (int32) buffers: numpy arrays of any dtype/stride, or
# (nested) lists; matrices are row-major. Outputs are numpy arrays with numpy, lists
# (lists of rows for matrices) without. Workspaces are allocated here from the C
# *_work_size functions, as double arrays (aligned for double).

def _size(value, name, function):
    """A Python int for a size_t argument: MGN_EINVAL for a negative or non-integral
    value, MGN_ERANGE beyond size_t."""
    try:
        ok = not isinstance(value, (bool, str, bytes)) and int(value) == value
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok or value < 0:
        raise InvalidArgumentError(MGN_EINVAL, function, "%s = %r" % (name, value))
    if value >= 2 ** (8 * ctypes.sizeof(ctypes.c_size_t)):
        raise RangeError(MGN_ERANGE, function, "%s = %r" % (name, value))
    return int(value)


def _flatten(values):
    """Row-major flattening of a (nested) sequence of numbers: (flat list, shape)."""
    if not _is_sequence(values):
        return [values], ()
    items = list(values)
    if items and all(_is_sequence(v) for v in items):
        rows = [_flatten(v) for v in items]
        shapes = set(shape for _, shape in rows)
        if len(shapes) != 1:
            raise ValueError("ragged nested sequence: rows of shapes %s" % sorted(shapes))
        return [x for flat, _ in rows for x in flat], (len(items),) + shapes.pop()
    return items, (len(items),)


def _doubles(values, what):
    """(buffer to keep alive, n, double pointer) of array-like values, flattened."""
    if _np is not None:
        arr = _np.ascontiguousarray(_np.asarray(values, dtype=_np.float64).ravel())
        return arr, arr.size, arr.ctypes.data_as(_c_double_p)
    flat, _ = _flatten(values)
    arr = (ctypes.c_double * len(flat))(*[_f(v, what) for v in flat])
    return arr, len(flat), arr


def _matrix(values, what, function, cols=None):
    """Row-major float64 matrix: (buffer, rows, cols, double pointer).

    2-D input gives its own shape (its width must equal cols when cols is given);
    1-D input is cut into rows of cols values (one column when cols is None).
    """
    if _np is not None:
        arr = _np.asarray(values, dtype=_np.float64)
        shape = arr.shape
        arr = _np.ascontiguousarray(arr.ravel())
        keep, ptr = arr, arr.ctypes.data_as(_c_double_p)
    else:
        flat, shape = _flatten(values)
        keep = ptr = (ctypes.c_double * len(flat))(*[_f(v, what) for v in flat])
    size = len(keep)
    if len(shape) == 2:
        rows, width = shape
        if cols is not None and width != cols:
            raise InvalidArgumentError(MGN_EINVAL, function, "%s has %d columns, not %d"
                                       % (what, width, cols))
    elif len(shape) == 1:
        width = 1 if cols is None else cols
        if width == 0 or size % width:
            raise InvalidArgumentError(MGN_EINVAL, function, "%d values of %s do not form "
                                       "rows of %d" % (size, what, width))
        rows = size // width
    else:
        raise InvalidArgumentError(MGN_EINVAL, function, "%s must be 1-D or 2-D, not of "
                                   "shape %s" % (what, shape))
    return keep, rows, width, ptr


def _ints(values, what, function):
    """(buffer, n, int pointer) of integral array-like values (bools allowed); a
    non-integral or out-of-range value is MGN_EINVAL."""
    if _np is not None:
        arr = _np.asarray(values).ravel()
        if arr.dtype.kind not in "biuf" and arr.size:
            raise TypeError("%s must be integers, not %s" % (what, arr.dtype))
        wide = arr.astype(_np.float64)
        if arr.size and not (_np.all(_np.isfinite(wide)) and _np.all(wide == _np.round(wide))
                             and _np.all(_np.abs(wide) < 2 ** 31)):
            raise InvalidArgumentError(MGN_EINVAL, function, "%s must be integers" % what)
        arr = _np.ascontiguousarray(arr.astype(_np.int32))
        return arr, arr.size, arr.ctypes.data_as(_c_int_p)
    flat, _ = _flatten(values)
    out = []
    for v in flat:
        try:
            ok = not isinstance(v, (str, bytes)) and int(v) == v and abs(v) < 2 ** 31
        except (TypeError, ValueError, OverflowError):
            ok = False
        if not ok:
            raise InvalidArgumentError(MGN_EINVAL, function, "%s: %r is not an integer"
                                       % (what, v))
        out.append(int(v))
    arr = (ctypes.c_int * len(out))(*out)
    return arr, len(out), arr


def _out_doubles(n):
    """A fresh output buffer of n doubles: (buffer, pointer)."""
    if _np is not None:
        arr = _np.zeros(n, dtype=_np.float64)
        return arr, arr.ctypes.data_as(_c_double_p)
    arr = (ctypes.c_double * n)()
    return arr, arr


def _vector(buf):
    return buf if _np is not None and isinstance(buf, _np.ndarray) else list(buf)


def _rows(buf, rows, cols):
    if _np is not None and isinstance(buf, _np.ndarray):
        return buf.reshape(rows, cols)
    return [list(buf[i * cols:(i + 1) * cols]) for i in range(rows)]


def _workspace(size):
    """(buffer, void pointer) of at least size bytes aligned for double; (None, None)
    for 0."""
    if not size:
        return None, None
    buf = (ctypes.c_double * ((size + 7) // 8))()
    return buf, ctypes.cast(buf, ctypes.c_void_p)


def _tuple_of(c, cls, rename=None):
    """namedtuple cls from a ctypes struct (array fields become tuples)."""
    values = []
    for field in cls._fields:
        v = getattr(c, (rename or {}).get(field, field))
        values.append(tuple(v) if isinstance(v, ctypes.Array) else v)
    return cls(*values)


def _result_type(name, cstruct, doc, skip=("reserved",)):
    cls = collections.namedtuple(name, [f for f, _ in cstruct._fields_ if f not in skip])
    cls.__doc__ = doc
    return cls


_np_struct_dtypes = {}


def _struct_np_dtype(ctype):
    """numpy dtype with the exact layout of a ctypes struct of int and double fields."""
    dt = _np_struct_dtypes.get(ctype)
    if dt is None:
        kinds = {ctypes.c_int: _np.int32, ctypes.c_double: _np.float64}
        dt = _np.dtype({"names": [f for f, _ in ctype._fields_],
                        "formats": [kinds[t] for _, t in ctype._fields_],
                        "offsets": [getattr(ctype, f).offset for f, _ in ctype._fields_],
                        "itemsize": ctypes.sizeof(ctype)})
        _np_struct_dtypes[ctype] = dt
    return dt


def position_dtype():
    """numpy structured dtype with the exact layout of mgn_position (requires numpy).

    An array of this dtype (C-contiguous, writable) is passed to the library without
    any copy; a structured array with a subset of the fields (any numeric dtypes,
    names such as 'call' or 'perpetual' in the enumerated fields) is converted.
    """
    if _np is None:
        raise ImportError("position_dtype() needs numpy")
    return _struct_np_dtype(_CPosition)


def _np_int_column(col, field, function):
    if col.dtype.kind in "USO":
        return _np.array([_int_field(v, field, function) for v in col], dtype=_np.int32)
    wide = col.astype(_np.float64)
    if col.size and not (_np.all(_np.isfinite(wide)) and _np.all(wide == _np.round(wide))
                         and _np.all(_np.abs(wide) < 2 ** 31)):
        raise InvalidArgumentError(MGN_EINVAL, function, "%s must hold integers or names"
                                   % field)
    return col.astype(_np.int32)


def _c_array_from_numpy(ctype, arr, cls, what, function):
    arr = arr.ravel()
    dt = _struct_np_dtype(ctype)
    if arr.dtype == dt:
        if not (arr.flags["C_CONTIGUOUS"] and arr.flags["WRITEABLE"]):
            arr = arr.copy()
        return (ctype * arr.size).from_buffer(arr) if arr.size else (ctype * 0)()
    names = arr.dtype.names
    fields = [f for f, _ in ctype._fields_]
    unknown = [n for n in names if n not in fields]
    if unknown:
        raise TypeError("%s: a structured array of %s records has unknown fields %s"
                        % (function, cls.__name__, ", ".join(unknown)))
    out = _np.zeros(arr.size, dtype=dt)
    for field, ftype in ctype._fields_:
        if field not in names:
            if field not in cls._field_defaults:
                raise TypeError("%s: a structured array of %s records needs the field %r"
                                % (function, cls.__name__, field))
            default = cls._field_defaults[field]
            out[field] = (_int_field(default, field, function) if ftype is ctypes.c_int
                          else default)
        elif ftype is ctypes.c_int:
            out[field] = _np_int_column(arr[field], field, function)
        else:
            out[field] = arr[field].astype(_np.float64)
    return (ctype * out.size).from_buffer(out) if out.size else (ctype * 0)()


def _records(ctype, records, cls, what, function):
    """ctypes array of struct ctype: from a ctypes array of it (used as is), a numpy
    structured array (fields by name, missing ones at their defaults) or a sequence
    of records (namedtuples, dicts or tuples). A single record is not a sequence."""
    if isinstance(records, ctypes.Array) and records._type_ is ctype:
        return records
    if isinstance(records, ctype):
        return (ctype * 1)(records)
    if _np is not None and isinstance(records, _np.ndarray) and records.dtype.names:
        return _c_array_from_numpy(ctype, records, cls, what, function)
    if isinstance(records, (cls, dict)):
        raise TypeError("%s: pass a sequence of %s records, not a single one"
                        % (function, cls.__name__))
    return _c_array(ctype, records, cls, what, function)


def _portfolio(markets, positions, function):
    return (_records(_CMarket, markets, Market, "a market", function),
            _records(_CPosition, positions, Position, "a position", function))


def _shocks_c(shocks, n_mkt, function):
    """(ctypes shock array, n_scen) from the shock layouts scenario_pnl accepts."""
    if isinstance(shocks, ctypes.Array) and shocks._type_ is _CShock:
        shk = shocks
    else:
        shk = _c_array(_CShock, _shock_pairs(shocks), Shock, "a shock", function)
    if n_mkt == 0 or len(shk) % n_mkt:
        raise InvalidArgumentError(MGN_EINVAL, function, "%d shocks do not form rows of %d "
                                   "markets" % (len(shk), n_mkt))
    return shk, len(shk) // n_mkt


def _currency(value, function):
    return _int_field(value, "currency", function)


def _check(status, function, **attrs):
    if status != MGN_OK:
        err = _error(status, function)
        for k, v in attrs.items():
            setattr(err, k, v)
        raise err


# ---------------------------------------------------------------------------- portfolio model

NetGreeks = _result_type("NetGreeks", _CNetGreeks, """Net Greeks of positions on one
underlying (mgn_net_greeks): value (quote), delta (underlying units), gamma, vega (per
1.00 of vol), theta (per year), and the same in the coin of the underlying: value_coin,
delta_coin, gamma_coin, vega_coin, theta_coin.""")


def scenario_pnl_matrix(markets, positions, shocks, dt=0.0, currency=MGN_QUOTE):
    """P&L of each position in each scenario (mgn_scenario_pnl_matrix).

    Arguments as scenario_pnl. Returns an (n_scen, n_pos) array (a list of n_scen
    rows without numpy); row s summed is scenario_pnl's value for s up to rounding.
    """
    fn = "mgn_scenario_pnl_matrix"
    c_fn = _fn(fn)
    mkt, pos = _portfolio(markets, positions, fn)
    shk, n_scen = _shocks_c(shocks, len(mkt), fn)
    out, ptr = _out_doubles(n_scen * len(pos))
    _check(c_fn(mkt, len(mkt), pos, len(pos), shk, n_scen, _f(dt, "dt"),
                _currency(currency, fn), ptr), fn)
    return _rows(out, n_scen, len(pos))


def portfolio_check(markets, positions):
    """Validate markets and positions as every portfolio function does
    (mgn_portfolio_check). Returns None when valid; raises InvalidArgumentError whose
    .first_bad is the index of the first invalid position (None when a market is the
    cause), or RangeError for too many markets."""
    fn = "mgn_portfolio_check"
    c_fn = _fn(fn)
    mkt, pos = _portfolio(markets, positions, fn)
    sentinel = 2 ** (8 * ctypes.sizeof(ctypes.c_size_t)) - 1
    bad = ctypes.c_size_t(sentinel)
    status = c_fn(mkt, len(mkt), pos, len(pos), ctypes.byref(bad))
    first_bad = bad.value if bad.value != sentinel else None
    if status != MGN_OK:
        err = _error(status, fn, None if first_bad is None else "position %d" % first_bad)
        err.first_bad = first_bad
        raise err


def portfolio_value(markets, positions, currency=MGN_QUOTE):
    """Mark-to-market value of the portfolio at today's prices (mgn_portfolio_value):
    options at quantity * multiplier * value, futures and perpetuals at their
    unrealised P&L against entry_price; in `currency` (MGN_QUOTE or an underlying
    index)."""
    fn = "mgn_portfolio_value"
    c_fn = _fn(fn)
    mkt, pos = _portfolio(markets, positions, fn)
    out = ctypes.c_double()
    _check(c_fn(mkt, len(mkt), pos, len(pos), _currency(currency, fn), ctypes.byref(out)), fn)
    return out.value


def position_greeks(markets, position):
    """Greeks of one position, quantity included, on its underlying
    (mgn_position_greeks) -> NetGreeks. position: one Position (dict or tuple)."""
    fn = "mgn_position_greeks"
    c_fn = _fn(fn)
    mkt = _records(_CMarket, markets, Market, "a market", fn)
    pos = _c_array(_CPosition, [position], Position, "a position", fn)
    out = _CNetGreeks()
    _check(c_fn(mkt, len(mkt), pos, ctypes.byref(out)), fn)
    return _tuple_of(out, NetGreeks)


def portfolio_greeks(markets, positions):
    """Net Greeks per underlying (mgn_portfolio_greeks) -> list of NetGreeks, one per
    market (all zero where an underlying has no position)."""
    fn = "mgn_portfolio_greeks"
    c_fn = _fn(fn)
    mkt, pos = _portfolio(markets, positions, fn)
    out = (_CNetGreeks * len(mkt))()
    _check(c_fn(mkt, len(mkt), pos, len(pos), out), fn)
    return [_tuple_of(g, NetGreeks) for g in out]


# ---------------------------------------------------------------------------- SPAN detail

SpanUnderlying = _result_type("SpanUnderlying", _CSpanUnderlying, """SPAN breakdown of one
underlying (mgn_span_underlying): requirement, scan_risk, intra_charge, inter_credit,
short_option_min, net_option_value, net_delta, spread_delta, weighted_price_risk,
remaining_delta, scan_scenario (0..15, -1 when no scenario loses), n_positions and
scenario_loss (tuple of the 16 summed weighted losses).""")

SpanDetail = collections.namedtuple("SpanDetail", "result per_market risk")
SpanDetail.__doc__ = """Result of span_margin_detail: result (SpanResult, the totals),
per_market (list of SpanUnderlying, one per market) and risk, each position's risk
array: an (n_pos, 16) array (list of rows without numpy), risk[i][k] the weighted loss
of position i in scenario k."""

SpanScenario = collections.namedtuple("SpanScenario", "price_move vol_move weight")
SpanScenario.__doc__ = """One SPAN scenario: relative price move, absolute vol move and
the weight of its loss."""


def _span_params_c(params, n_mkt, function):
    if isinstance(params, (SpanParams, dict)):
        params = [params] * n_mkt
    prm = _records(_CSpanParams, params, SpanParams, "SPAN parameters", function)
    if len(prm) != n_mkt:
        raise InvalidArgumentError(MGN_EINVAL, function, "%d SPAN parameter sets for %d "
                                   "markets" % (len(prm), n_mkt))
    return prm


def span_scenario(params, k):
    """Scenario k (0..15) of SPAN parameters (mgn_span_scenario) -> SpanScenario."""
    fn = "mgn_span_scenario"
    c_fn = _fn(fn)
    prm = _c_array(_CSpanParams, [params], SpanParams, "SPAN parameters", fn)
    move, vol, weight = ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    _check(c_fn(prm, _int_field(k, "k", fn), ctypes.byref(move), ctypes.byref(vol),
                ctypes.byref(weight)), fn)
    return SpanScenario(move.value, vol.value, weight.value)


def span_scenarios(params):
    """The 16 SPAN scenarios of params, in CME order: list of SpanScenario."""
    return [span_scenario(params, k) for k in range(MGN_SPAN_SCENARIOS)]


def span_margin_detail(markets, params, positions, pairs=(), currency=MGN_QUOTE):
    """span_margin with a breakdown (mgn_span_margin_detail) -> SpanDetail.

    Arguments as span_margin. Returns the totals, the figures of each underlying and
    every position's 16-scenario risk array. Raises MarginError on a nonzero status.
    """
    fn = "mgn_span_margin_detail"
    c_fn = _fn(fn)
    mkt, pos = _portfolio(markets, positions, fn)
    prm = _span_params_c(params, len(mkt), fn)
    prs = _records(_CSpanPair, pairs, SpanPair, "a SPAN pair", fn)
    out = _CSpanResult()
    per = (_CSpanUnderlying * len(mkt))()
    risk, risk_p = _out_doubles(len(pos) * MGN_SPAN_SCENARIOS)
    _check(c_fn(mkt, prm, len(mkt), pos, len(pos), prs, len(prs), _currency(currency, fn),
                ctypes.byref(out), per, risk_p), fn)
    return SpanDetail(_tuple_of(out, SpanResult), [_tuple_of(u, SpanUnderlying) for u in per],
                      _rows(risk, len(pos), MGN_SPAN_SCENARIOS))


# ---------------------------------------------------------------------------- portfolio margin

MGN_PM_VOL_ABSOLUTE, MGN_PM_VOL_RELATIVE = 0, 1
MGN_PM_MIN_ADD, MGN_PM_MIN_FLOOR = 0, 1

_PM_FIELDS = [f for f, _ in _CPmParams._fields_ if f not in ("struct_size", "n_extended")]
_PM_DEFAULTS = dict.fromkeys(_PM_FIELDS, 0.0)
_PM_DEFAULTS.update(price_steps=1, vol_scenarios=1, vol_mode=MGN_PM_VOL_ABSOLUTE,
                    ext_move=(), ext_weight=(), ext_vol=(), short_min_per_strike=0,
                    short_min_mode=MGN_PM_MIN_ADD, reserved=0, reserved2=0)
PmParams = collections.namedtuple("PmParams", _PM_FIELDS,
                                  defaults=[_PM_DEFAULTS[f] for f in _PM_FIELDS])
PmParams.__doc__ = """A portfolio-margin grid (mgn_pm_params) as plain data: the fields of
the C struct in order, except struct_size (set by the binding) and n_extended, which is
len(ext_move): ext_move, ext_weight and ext_vol are tuples of equal length (at most
MGN_PM_MAX_EXTENDED). Get one from pm_preset_span / pm_preset_deribit / pm_preset_occ
and change fields with ._replace(...); every field has a default (a one-step grid with
no vol states, no add-ons). vol_mode takes 'absolute'/'relative' too, short_min_mode
'add'/'floor'."""

PmResult = _result_type("PmResult", _CPmResult, """Portfolio margin totals (mgn_pm_result):
requirement, grid_loss, delta_shock, short_option_min, roll_shock, concentration.""")

PmUnderlying = _result_type("PmUnderlying", _CPmUnderlying, """Portfolio margin breakdown of
one underlying (mgn_pm_underlying): requirement and each add-on, net_delta, short_units,
roll_units, excess_delta, and the binding scenario: binding_move, binding_weight,
binding_vol (-1/0/+1), binding_scenario (-1 when no scenario loses); n_scenarios,
n_positions.""")

PmDetail = collections.namedtuple("PmDetail", "result per_market contrib")
PmDetail.__doc__ = """Result of pm_margin_detail: result (PmResult), per_market (list of
PmUnderlying) and contrib (one value per position: its weighted loss in its
underlying's binding scenario; they sum to that underlying's grid loss)."""

PmScenario = collections.namedtuple("PmScenario", "price_move vol_state weight")
PmScenario.__doc__ = """One grid scenario: relative price move, vol state (-1 down, 0 same,
+1 up) and weight."""


def _pm_from_c(c):
    n = max(0, min(int(c.n_extended), MGN_PM_MAX_EXTENDED))
    values = {}
    for field in _PM_FIELDS:
        v = getattr(c, field)
        values[field] = tuple(v[:n]) if isinstance(v, ctypes.Array) else v
    return PmParams(**values)


def _pm_params_c(params, n_mkt, function):
    """ctypes array of mgn_pm_params: one PmParams (or dict) for every market, or one
    per market."""
    if isinstance(params, (PmParams, dict)):
        params = [params] * n_mkt
    params = list(params)
    arr = (_CPmParams * len(params))()
    for c, p in zip(arr, params):
        p = _record(p, PmParams, "a PmParams")
        c.struct_size = ctypes.sizeof(_CPmParams)
        ext = [list(p.ext_move), list(p.ext_weight), list(p.ext_vol)]
        if len(set(map(len, ext))) != 1 or len(ext[0]) > MGN_PM_MAX_EXTENDED:
            raise InvalidArgumentError(MGN_EINVAL, function, "ext_move, ext_weight, ext_vol "
                                       "must have one equal length <= %d, not %s"
                                       % (MGN_PM_MAX_EXTENDED, [len(e) for e in ext]))
        c.n_extended = len(ext[0])
        for field, ftype in _CPmParams._fields_:
            if field in ("struct_size", "n_extended"):
                continue
            value = getattr(p, field)
            if field in ("ext_move", "ext_weight"):
                for i, v in enumerate(value):
                    getattr(c, field)[i] = _f(v, field)
            elif field == "ext_vol":
                for i, v in enumerate(value):
                    c.ext_vol[i] = _int_field(v, field, function)
            elif ftype is ctypes.c_int:
                setattr(c, field, _int_field(value, field, function))
            else:
                setattr(c, field, _f(value, field))
    if len(arr) != n_mkt:
        raise InvalidArgumentError(MGN_EINVAL, function, "%d PmParams for %d markets"
                                   % (len(arr), n_mkt))
    return arr


def pm_preset_span(price_scan, vol_scan):
    """CME SPAN's 16 scenarios as a grid (mgn_pm_preset_span) -> PmParams: its grid
    loss equals span_margin's scan risk for the same ranges. price_scan in [0, 0.5)."""
    fn = "mgn_pm_preset_span"
    out = _CPmParams()
    _call(fn, _f(price_scan, "price_scan"), _f(vol_scan, "vol_scan"), ctypes.byref(out))
    return _pm_from_c(out)


def pm_preset_deribit():
    """Deribit-like crypto portfolio margin grid, BTC parameters
    (mgn_pm_preset_deribit) -> PmParams (see include/margin.h for what is confirmed
    and what is assumed)."""
    out = _CPmParams()
    _call("mgn_pm_preset_deribit", ctypes.byref(out))
    return _pm_from_c(out)


def pm_preset_occ():
    """OCC TIMS-like customer portfolio margin grid (mgn_pm_preset_occ) -> PmParams."""
    out = _CPmParams()
    _call("mgn_pm_preset_occ", ctypes.byref(out))
    return _pm_from_c(out)


def pm_scenario_count(params):
    """Number of scenarios of a grid (mgn_pm_scenario_count); MGN_EINVAL if params are
    invalid."""
    fn = "mgn_pm_scenario_count"
    prm = _pm_params_c(params, 1, fn)
    n = ctypes.c_int()
    _call(fn, prm, ctypes.byref(n))
    return n.value


def pm_scenario(params, k):
    """Scenario k of a grid (mgn_pm_scenario) -> PmScenario(price_move, vol_state,
    weight)."""
    fn = "mgn_pm_scenario"
    prm = _pm_params_c(params, 1, fn)
    move, vol, weight = ctypes.c_double(), ctypes.c_int(), ctypes.c_double()
    _call(fn, prm, _int_field(k, "k", fn), ctypes.byref(move), ctypes.byref(vol),
          ctypes.byref(weight))
    return PmScenario(move.value, vol.value, weight.value)


def pm_scenarios(params):
    """Every scenario of a grid, in index order: list of PmScenario."""
    return [pm_scenario(params, k) for k in range(pm_scenario_count(params))]


def pm_margin(markets, params, positions, currency=MGN_QUOTE):
    """Portfolio (risk-based) margin on a scenario grid (mgn_pm_margin) -> PmResult.

    params: one PmParams (or dict) for every market, or a sequence of one per market;
    positions as span_margin. Raises MarginError on a nonzero status.
    """
    fn = "mgn_pm_margin"
    c_fn = _fn(fn)
    mkt, pos = _portfolio(markets, positions, fn)
    prm = _pm_params_c(params, len(mkt), fn)
    out = _CPmResult()
    _check(c_fn(mkt, prm, len(mkt), pos, len(pos), _currency(currency, fn),
                ctypes.byref(out)), fn)
    return _tuple_of(out, PmResult)


def pm_margin_detail(markets, params, positions, currency=MGN_QUOTE):
    """pm_margin with a breakdown (mgn_pm_margin_detail) -> PmDetail(result,
    per_market, contrib)."""
    fn = "mgn_pm_margin_detail"
    c_fn = _fn(fn)
    mkt, pos = _portfolio(markets, positions, fn)
    prm = _pm_params_c(params, len(mkt), fn)
    out = _CPmResult()
    per = (_CPmUnderlying * len(mkt))()
    contrib, contrib_p = _out_doubles(len(pos))
    _check(c_fn(mkt, prm, len(mkt), pos, len(pos), _currency(currency, fn),
                ctypes.byref(out), per, contrib_p), fn)
    return PmDetail(_tuple_of(out, PmResult), [_tuple_of(u, PmUnderlying) for u in per],
                    _vector(contrib))


# ---------------------------------------------------------------------------- parameter structs
#
# HsParams, McParams and DynMarginParams are namedtuples of the C fields except
# struct_size. Their defaults come from the library's _init function (hs_params(),
# mc_params(), dynmargin_params()). The wrappers take params=None (the defaults), a
# namedtuple, or a dict of fields to change, and keyword overrides on top.

MGN_HORIZON_OVERLAP, MGN_HORIZON_SQRT = 0, 1
MGN_HS_BRW, MGN_HS_FILTERED = 1, 2
MGN_ZONE_GREEN, MGN_ZONE_YELLOW, MGN_ZONE_RED = 0, 1, 2

_ENUM_NAMES.update({
    "horizon_method": {"overlap": MGN_HORIZON_OVERLAP, "sqrt": MGN_HORIZON_SQRT},
    "vol_mode": {"absolute": MGN_PM_VOL_ABSOLUTE, "relative": MGN_PM_VOL_RELATIVE},
    "short_min_mode": {"add": MGN_PM_MIN_ADD, "floor": MGN_PM_MIN_FLOOR},
    "weighting": {"equal": 0, "brw": MGN_HS_BRW, "filtered": MGN_HS_FILTERED,
                  "brw+filtered": MGN_HS_BRW | MGN_HS_FILTERED},
})

# Python names of C fields that are Python keywords.
_PY_NAMES = {"lambda": "lambda_"}


def _params_type(name, cstruct, doc):
    cls = collections.namedtuple(name, [_PY_NAMES.get(f, f) for f, _ in cstruct._fields_
                                        if f != "struct_size"])
    cls.__doc__ = doc
    return cls


HsParams = _params_type("HsParams", _CHsParams, """Historical-simulation parameters
(mgn_hs_params): confidence, horizon_days, horizon_method (MGN_HORIZON_OVERLAP /
MGN_HORIZON_SQRT or 'overlap'/'sqrt'), weighting (0, MGN_HS_BRW, MGN_HS_FILTERED or
both), threads, brw_lambda, ewma_lambda, dt (years per scenario), currency, reserved.
hs_params() gives the library's defaults.""")

McParams = _params_type("McParams", _CMcParams, """Monte Carlo parameters (mgn_mc_params):
confidence, n_paths, seed, df (0 normal, > 2 Student-t), dt, antithetic, threads,
currency, n_batches. mc_params() gives the library's defaults.""")

DynMarginParams = _params_type("DynMarginParams", _CDynmarginParams, """Dynamic margin
parameters (mgn_dynmargin_params): lambda_ (the C field lambda), seed_var, confidence,
horizon_days, tail_df, multiplier, buffer, floor_lookback. dynmargin_params() gives
the library's defaults.""")

# namedtuple -> (C struct, _init function, size function)
_PARAM_STRUCTS = {
    HsParams: (_CHsParams, "mgn_hs_params_init", "mgn_sizeof_hs_params"),
    McParams: (_CMcParams, "mgn_mc_params_init", "mgn_sizeof_mc_params"),
    DynMarginParams: (_CDynmarginParams, "mgn_dynmargin_params_init",
                      "mgn_sizeof_dynmargin_params"),
}


def _unsigned(value, field, function, bits):
    try:
        ok = not isinstance(value, (bool, str, bytes)) and int(value) == value
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok or value < 0:
        raise InvalidArgumentError(MGN_EINVAL, function, "%s = %r" % (field, value))
    if value >= 2 ** bits:
        raise RangeError(MGN_ERANGE, function, "%s = %r" % (field, value))
    return int(value)


def _param_defaults(cls):
    cstruct, init, size_fn = _PARAM_STRUCTS[cls]
    c_init = _fn(init)
    # a newer library may fill a larger struct: give it room, read our fields only
    size = max(ctypes.sizeof(cstruct), int(_fn(size_fn)()))
    buf = (ctypes.c_double * ((size + 7) // 8))()
    _check(c_init(ctypes.cast(buf, ctypes.POINTER(cstruct))), init)
    c = cstruct.from_buffer(buf)
    return cls(*(getattr(c, f) for f, _ in cstruct._fields_ if f != "struct_size"))


def _param_value(cls, params, overrides):
    if params is None:
        p = _param_defaults(cls)
    elif isinstance(params, cls):
        p = params
    elif isinstance(params, dict):
        p = _param_defaults(cls)._replace(**params)
    else:
        raise TypeError("params must be a %s, a dict of fields or None, not %r"
                        % (cls.__name__, params))
    return p._replace(**overrides) if overrides else p


def _params_c(cls, params, overrides, function):
    """The C struct of a parameter namedtuple (struct_size = this binding's size)."""
    p = _param_value(cls, params, overrides)
    cstruct = _PARAM_STRUCTS[cls][0]
    c = cstruct()
    c.struct_size = ctypes.sizeof(cstruct)
    for (field, ftype), value in zip(cstruct._fields_[1:], p):
        if ftype is ctypes.c_int:
            setattr(c, field, _int_field(value, field, function))
        elif ftype is ctypes.c_double:
            setattr(c, field, _f(value, field))
        else:
            setattr(c, field, _unsigned(value, field, function, 8 * ctypes.sizeof(ftype)))
    return c


def hs_params(**fields):
    """Default historical-simulation parameters (mgn_hs_params_init) -> HsParams, with
    the given fields changed."""
    return _param_value(HsParams, None, fields)


def mc_params(**fields):
    """Default Monte Carlo parameters (mgn_mc_params_init) -> McParams, with the given
    fields changed."""
    return _param_value(McParams, None, fields)


def dynmargin_params(**fields):
    """Default dynamic-margin parameters (mgn_dynmargin_params_init) ->
    DynMarginParams, with the given fields changed (lambda_ for the C field lambda)."""
    return _param_value(DynMarginParams, None, fields)


# ---------------------------------------------------------------------------- VaR and ES

VarResult = _result_type("VarResult", _CVarResult, """VaR and ES of a simulation method
(mgn_var_result): var, es (reported: max of current and stressed when a stressed
history is given), var_current, es_current, var_stressed, es_stressed, var_se, es_se
(Monte Carlo batch-means standard errors; 0 for HS), n_scenarios.""")

DgResult = _result_type("DgResult", _CDgResult, """Delta-gamma (Cornish-Fisher) VaR
(mgn_dg_result): mean, stdev, skew, kurtosis (excess) of the P&L, var, es.""")

VarContrib = collections.namedtuple("VarContrib",
                                    "var es var_contrib es_contrib incr_var incr_es")
VarContrib.__doc__ = """Result of var_es_contrib: portfolio var and es, and per position
the Euler allocations var_contrib and es_contrib (they sum to var and es) and the
incremental incr_var and incr_es (None when not requested)."""

BacktestResult = _result_type("BacktestResult", _CBacktestResult, """VaR backtest
(mgn_backtest_result): n_obs, n_exceptions, transition counts n00, n01, n10, n11,
Kupiec lr_pof / p_pof, Christoffersen lr_ind / p_ind, conditional coverage lr_cc /
p_cc, cum_prob = P(X <= n_exceptions), zone (MGN_ZONE_GREEN / YELLOW / RED).""")

DynMarginResult = _result_type("DynMarginResult", _CDynmarginResult, """Dynamic margin
(mgn_dynmargin_result): ewma_vol, long_vol, base_scan, floor_scan, margin_scan,
price_scan (the range to use), buffer_left, in_stress.""")


def var_es_contrib_work_size(n_scen, n_pos):
    """Bytes of workspace mgn_var_es_contrib needs (mgn_var_es_contrib_work_size);
    var_es_contrib allocates it itself."""
    fn = "mgn_var_es_contrib_work_size"
    out = ctypes.c_size_t()
    _call(fn, _size(n_scen, "n_scen", fn), _size(n_pos, "n_pos", fn), ctypes.byref(out))
    return out.value


def var_es_contrib(pnl, weights=None, confidence=0.99, incremental=True):
    """Component and incremental VaR/ES (mgn_var_es_contrib) -> VarContrib.

    pnl: scenario x position P&L matrix, shape (n_scen, n_pos) (e.g. from
    scenario_pnl_matrix; a 1-D sequence is one position); weights: None (equal) or
    one per scenario; incremental=False skips the incremental figures (one var_es per
    position). Per-position arrays are numpy arrays (lists without numpy).
    """
    fn = "mgn_var_es_contrib"
    c_fn = _fn(fn)
    keep_p, n_scen, n_pos, p_ptr = _matrix(pnl, "pnl", fn)
    w_ptr = None
    if weights is not None:
        keep_w, n_w, w_ptr = _doubles(weights, "weights")
        if n_w != n_scen:
            raise InvalidArgumentError(MGN_EINVAL, fn, "%d weights for %d scenarios"
                                       % (n_w, n_scen))
    size = var_es_contrib_work_size(n_scen, n_pos) if n_scen and n_pos else 0
    work, work_p = _workspace(size)
    var, es = ctypes.c_double(), ctypes.c_double()
    outs = [_out_doubles(n_pos) for _ in range(4 if incremental else 2)]
    ptrs = [p for _, p in outs] + [None] * (4 - len(outs))
    _check(c_fn(p_ptr, n_scen, n_pos, w_ptr, _f(confidence, "confidence"), work_p, size,
                ctypes.byref(var), ctypes.byref(es), *ptrs), fn)
    arrays = [_vector(b) for b, _ in outs] + [None] * (4 - len(outs))
    return VarContrib(var.value, es.value, *arrays)


def hs_scenario_count(n_days, params=None, **fields):
    """Number of current-period HS scenarios for n_days of history
    (mgn_hs_scenario_count)."""
    fn = "mgn_hs_scenario_count"
    prm = _params_c(HsParams, params, fields, fn)
    out = ctypes.c_size_t()
    _call(fn, _size(n_days, "n_days", fn), ctypes.byref(prm), ctypes.byref(out))
    return out.value


def _history(returns, vol_changes, n_mkt, what, function):
    """(buffers, n_days, n_mkt, returns pointer, vol_changes pointer)."""
    keep_r, n_days, n_mkt, r_ptr = _matrix(returns, what, function, n_mkt)
    keep_v = v_ptr = None
    if vol_changes is not None:
        keep_v, n_v, m_v, v_ptr = _matrix(vol_changes, what + " vol changes", function, n_mkt)
        if (n_v, m_v) != (n_days, n_mkt):
            raise InvalidArgumentError(MGN_EINVAL, function, "vol changes of shape %s for "
                                       "returns of shape %s" % ((n_v, m_v), (n_days, n_mkt)))
    return (keep_r, keep_v), n_days, n_mkt, r_ptr, v_ptr


def hs_scenarios(returns, vol_changes=None, params=None, **fields):
    """Historical scenarios without revaluation (mgn_hs_scenarios) -> (shocks, weights).

    returns: (n_days, n_mkt) simple daily returns, oldest first (1-D: one market);
    vol_changes: the same shape or None. shocks: an (n_scen, n_mkt, 2) array of
    (price, vol) (without numpy, n_scen rows of n_mkt Shock), ready for scenario_pnl
    and scenario_pnl_matrix; weights: n_scen weights summing to 1.
    """
    fn = "mgn_hs_scenarios"
    c_fn = _fn(fn)
    prm = _params_c(HsParams, params, fields, fn)
    keep, n_days, n_mkt, r_ptr, v_ptr = _history(returns, vol_changes, None, "returns", fn)
    n_scen = hs_scenario_count(n_days, _param_value(HsParams, params, fields))
    shocks, s_ptr = _out_doubles(n_scen * n_mkt * 2)
    weights, w_ptr = _out_doubles(n_scen)
    _check(c_fn(r_ptr, v_ptr, n_days, n_mkt, ctypes.byref(prm),
                ctypes.cast(s_ptr, _c_shock_p), w_ptr), fn)
    if _np is not None:
        return shocks.reshape(n_scen, n_mkt, 2), weights
    rows = [[Shock(shocks[2 * (s * n_mkt + u)], shocks[2 * (s * n_mkt + u) + 1])
             for u in range(n_mkt)] for s in range(n_scen)]
    return rows, list(weights)


def var_historical_work_size(n_days, n_stress_days, n_mkt, params=None, **fields):
    """Bytes of workspace mgn_var_historical needs (mgn_var_historical_work_size);
    var_historical allocates it itself."""
    fn = "mgn_var_historical_work_size"
    prm = _params_c(HsParams, params, fields, fn)
    out = ctypes.c_size_t()
    _call(fn, _size(n_days, "n_days", fn), _size(n_stress_days, "n_stress_days", fn),
          _size(n_mkt, "n_mkt", fn), ctypes.byref(prm), ctypes.byref(out))
    return out.value


def var_historical(markets, positions, returns, vol_changes=None, stress_returns=None,
                   stress_vol_changes=None, params=None, **fields):
    """Historical-simulation VaR and ES with full revaluation (mgn_var_historical)
    -> VarResult.

    returns / vol_changes: (n_days, n_mkt) histories, oldest first (1-D with one
    market); stress_returns / stress_vol_changes: the optional stressed history.
    params: HsParams, a dict of fields to change, or None; keyword arguments change
    fields too, e.g. var_historical(mkts, pos, rets, confidence=0.975,
    weighting=MGN_HS_BRW).
    """
    fn = "mgn_var_historical"
    c_fn = _fn(fn)
    mkt, pos = _portfolio(markets, positions, fn)
    prm = _params_c(HsParams, params, fields, fn)
    keep, n_days, n_mkt, r_ptr, v_ptr = _history(returns, vol_changes, len(mkt), "returns",
                                                 fn)
    keep_s, n_stress, sr_ptr, sv_ptr = None, 0, None, None
    if stress_returns is not None:
        keep_s, n_stress, _, sr_ptr, sv_ptr = _history(stress_returns, stress_vol_changes,
                                                       len(mkt), "stress returns", fn)
    elif stress_vol_changes is not None:
        raise InvalidArgumentError(MGN_EINVAL, fn, "stress vol changes without stress returns")
    size = ctypes.c_size_t()
    _check(_fn("mgn_var_historical_work_size")(n_days, n_stress, len(mkt), ctypes.byref(prm),
                                               ctypes.byref(size)), fn)
    work, work_p = _workspace(size.value)
    out = _CVarResult()
    _check(c_fn(mkt, len(mkt), pos, len(pos), r_ptr, v_ptr, n_days, sr_ptr, sv_ptr, n_stress,
                ctypes.byref(prm), work_p, size.value, ctypes.byref(out)), fn)
    return _tuple_of(out, VarResult)


def var_delta_normal(delta, cov, confidence=0.99):
    """Delta-normal VaR and ES (mgn_var_delta_normal) -> (var, es).

    delta: n cash deltas dP/dx_i; cov: n x n covariance of the relative moves over the
    horizon (2-D, or flat row-major).
    """
    fn = "mgn_var_delta_normal"
    c_fn = _fn(fn)
    keep_d, n, d_ptr = _doubles(delta, "delta")
    keep_c, rows, cols, c_ptr = _matrix(cov, "cov", fn, n)
    if rows != n:
        raise InvalidArgumentError(MGN_EINVAL, fn, "cov is %dx%d for %d deltas"
                                   % (rows, cols, n))
    var, es = ctypes.c_double(), ctypes.c_double()
    _check(c_fn(d_ptr, c_ptr, n, _f(confidence, "confidence"), ctypes.byref(var),
                ctypes.byref(es)), fn)
    return var.value, es.value


def var_delta_gamma_work_size(n):
    """Bytes of workspace mgn_var_delta_gamma needs (mgn_var_delta_gamma_work_size);
    var_delta_gamma allocates it itself."""
    fn = "mgn_var_delta_gamma_work_size"
    out = ctypes.c_size_t()
    _call(fn, _size(n, "n", fn), ctypes.byref(out))
    return out.value


def var_delta_gamma(delta, gamma, cov, confidence=0.99):
    """Delta-gamma VaR and ES with the Cornish-Fisher expansion (mgn_var_delta_gamma)
    -> DgResult. delta: n cash deltas; gamma and cov: n x n (2-D or flat)."""
    fn = "mgn_var_delta_gamma"
    c_fn = _fn(fn)
    keep_d, n, d_ptr = _doubles(delta, "delta")
    mats = []
    for what, m in (("gamma", gamma), ("cov", cov)):
        keep, rows, cols, ptr = _matrix(m, what, fn, n)
        if rows != n:
            raise InvalidArgumentError(MGN_EINVAL, fn, "%s is %dx%d for %d deltas"
                                       % (what, rows, cols, n))
        mats.append((keep, ptr))
    size = var_delta_gamma_work_size(n) if n else 0
    work, work_p = _workspace(size)
    out = _CDgResult()
    _check(c_fn(d_ptr, mats[0][1], mats[1][1], n, _f(confidence, "confidence"), work_p, size,
                ctypes.byref(out)), fn)
    return _tuple_of(out, DgResult)


def var_montecarlo_work_size(n_mkt, params=None, **fields):
    """Bytes of workspace mgn_var_montecarlo needs (mgn_var_montecarlo_work_size);
    var_montecarlo allocates it itself."""
    fn = "mgn_var_montecarlo_work_size"
    prm = _params_c(McParams, params, fields, fn)
    out = ctypes.c_size_t()
    _call(fn, _size(n_mkt, "n_mkt", fn), ctypes.byref(prm), ctypes.byref(out))
    return out.value


def var_montecarlo(markets, positions, cov, params=None, return_paths=False, **fields):
    """Monte Carlo VaR and ES with full revaluation (mgn_var_montecarlo) -> VarResult.

    cov: n_mkt x n_mkt covariance of the log returns over the horizon (positive
    definite). params: McParams, a dict or None; keywords change fields (n_paths,
    seed, df, antithetic, ...). return_paths=True returns (VarResult, path P&L array),
    the n_paths simulated P&Ls in path order. Same seed, same bits.
    """
    fn = "mgn_var_montecarlo"
    c_fn = _fn(fn)
    mkt, pos = _portfolio(markets, positions, fn)
    prm = _params_c(McParams, params, fields, fn)
    keep_c, rows, cols, c_ptr = _matrix(cov, "cov", fn, len(mkt))
    if rows != len(mkt):
        raise InvalidArgumentError(MGN_EINVAL, fn, "cov is %dx%d for %d markets"
                                   % (rows, cols, len(mkt)))
    size = ctypes.c_size_t()
    _check(_fn("mgn_var_montecarlo_work_size")(len(mkt), ctypes.byref(prm),
                                               ctypes.byref(size)), fn)
    work, work_p = _workspace(size.value)
    out = _CVarResult()
    _check(c_fn(mkt, len(mkt), pos, len(pos), c_ptr, ctypes.byref(prm), work_p, size.value,
                ctypes.byref(out)), fn)
    result = _tuple_of(out, VarResult)
    if not return_paths:
        return result
    paths = work[:prm.n_paths]
    return result, (_np.array(paths, dtype=_np.float64) if _np is not None else paths)


# ---------------------------------------------------------------------------- backtests, EWMA

def backtest_exceptions(pnl, var):
    """Exception indicators (mgn_backtest_exceptions): 1 where -pnl[t] > var[t], else
    0. Returns an int32 array (a list without numpy)."""
    fn = "mgn_backtest_exceptions"
    c_fn = _fn(fn)
    keep_p, n, p_ptr = _doubles(pnl, "pnl")
    keep_v, n_v, v_ptr = _doubles(var, "var")
    if n_v != n:
        raise InvalidArgumentError(MGN_EINVAL, fn, "%d VaRs for %d P&Ls" % (n_v, n))
    if _np is not None:
        out = _np.zeros(n, dtype=_np.int32)
        o_ptr = out.ctypes.data_as(_c_int_p)
    else:
        out = o_ptr = (ctypes.c_int * n)()
    _check(c_fn(p_ptr, v_ptr, n, o_ptr), fn)
    return _vector(out)


def backtest(exceptions, confidence=0.99):
    """Kupiec, Christoffersen and traffic-light backtest of a VaR model
    (mgn_backtest) -> BacktestResult. exceptions: 0/1 per day, oldest first."""
    fn = "mgn_backtest"
    c_fn = _fn(fn)
    keep, n, ptr = _ints(exceptions, "exceptions", fn)
    out = _CBacktestResult()
    _check(c_fn(ptr, n, _f(confidence, "confidence"), ctypes.byref(out)), fn)
    return _tuple_of(out, BacktestResult)


def backtest_zone(n_obs, n_exceptions, confidence=0.99):
    """Basel traffic-light zone (mgn_backtest_zone) -> (zone, cum_prob): zone
    MGN_ZONE_GREEN / YELLOW / RED, cum_prob = P(X <= n_exceptions)."""
    fn = "mgn_backtest_zone"
    zone, cum = ctypes.c_int(), ctypes.c_double()
    _call(fn, _size(n_obs, "n_obs", fn), _size(n_exceptions, "n_exceptions", fn),
          _f(confidence, "confidence"), ctypes.byref(zone), ctypes.byref(cum))
    return zone.value, cum.value


def ewma_variance(returns, lambda_=0.94, seed_var=-1.0):
    """RiskMetrics EWMA variance (mgn_ewma_variance): n + 1 values, variance[0] the
    seed (seed_var, or the mean square return when seed_var < 0) and variance[t+1] =
    lambda_ variance[t] + (1 - lambda_) r_t^2; the last is the next day's forecast."""
    fn = "mgn_ewma_variance"
    c_fn = _fn(fn)
    keep, n, ptr = _doubles(returns, "returns")
    out, o_ptr = _out_doubles(n + 1)
    _check(c_fn(ptr, n, _f(lambda_, "lambda_"), _f(seed_var, "seed_var"), o_ptr), fn)
    return _vector(out)


def dynamic_margin(returns, params=None, series=False, **fields):
    """Volatility-following price scan range with EMIR anti-procyclicality buffer and
    floor (mgn_dynamic_margin) -> DynMarginResult, or (DynMarginResult, scan series)
    with series=True (the posted range M_t of every day).

    returns: daily returns, oldest first. params: DynMarginParams, a dict or None;
    keywords change fields (lambda_, confidence, horizon_days, buffer, ...).
    """
    fn = "mgn_dynamic_margin"
    c_fn = _fn(fn)
    prm = _params_c(DynMarginParams, params, fields, fn)
    keep, n, ptr = _doubles(returns, "returns")
    scan, s_ptr = _out_doubles(n) if series else (None, None)
    out = _CDynmarginResult()
    _check(c_fn(ptr, n, ctypes.byref(prm), s_ptr, ctypes.byref(out)), fn)
    result = _tuple_of(out, DynMarginResult)
    return (result, _vector(scan)) if series else result


# ---------------------------------------------------------------------------- accounts
#
# An account is plain data: Account(positions, balances, isolated, currency), with the
# positions in any layout the portfolio functions accept and balances as Balance
# records. Parameters (AccountParams, LiqSearch, LiqParams) are namedtuples whose
# defaults come from the library's _init functions; the pointers inside the C structs
# (rule sets, grids, betas, priorities) are Python values here and are copied into
# C arrays at each call. Many accounts (account_sweep, cascade) are a sequence of
# Account, or an AccountBook: every position in one array with per-account offsets.

MGN_ACCT_OK, MGN_ACCT_RESTRICTED, MGN_ACCT_MARGIN_CALL, MGN_ACCT_LIQUIDATE, \
    MGN_ACCT_BANKRUPT = range(5)
#: Names of the MGN_ACCT_* codes, indexed by code.
ACCOUNT_STATUS_NAMES = ("OK", "RESTRICTED", "MARGIN_CALL", "LIQUIDATE", "BANKRUPT")
MGN_MODE_ISOLATED, MGN_MODE_CROSS, MGN_MODE_PORTFOLIO = 0, 1, 2
MGN_PM_METHOD_GRID, MGN_PM_METHOD_SPAN = 0, 1
MGN_ORACLE_OK, MGN_ORACLE_STALE, MGN_ORACLE_DEVIATION = 0, 1, 2
MGN_LIQ_PROPORTIONAL, MGN_LIQ_LARGEST_MM, MGN_LIQ_GIVEN = 0, 1, 2
MGN_LIQ_TARGET_MM, MGN_LIQ_TARGET_IM = 0, 1
MGN_IMPACT_LINEAR, MGN_IMPACT_SQRT = 0, 1

_ENUM_NAMES.update({
    "mode": {"isolated": MGN_MODE_ISOLATED, "cross": MGN_MODE_CROSS,
             "portfolio": MGN_MODE_PORTFOLIO},
    "pm_method": {"grid": MGN_PM_METHOD_GRID, "span": MGN_PM_METHOD_SPAN},
    "asset": {"quote": MGN_QUOTE},
    "currency": {"quote": MGN_QUOTE},
    "order": {"proportional": MGN_LIQ_PROPORTIONAL, "largest_mm": MGN_LIQ_LARGEST_MM,
              "given": MGN_LIQ_GIVEN},
    "target": {"mm": MGN_LIQ_TARGET_MM, "im": MGN_LIQ_TARGET_IM},
    "impact_model": {"linear": MGN_IMPACT_LINEAR, "sqrt": MGN_IMPACT_SQRT},
    "tier_basis": {"quote": MGN_STD_TIER_QUOTE, "units": MGN_STD_TIER_UNITS,
                   "contracts": MGN_STD_TIER_CONTRACTS},
})

Balance = collections.namedtuple("Balance", "asset reserved amount haircut haircut_slope",
                                 defaults=(MGN_QUOTE, 0, 0.0, 0.0, 0.0))
Balance.__doc__ = """One collateral balance (mgn_balance), fields in the C order (give them by
keyword): asset (MGN_QUOTE / 'quote', or an underlying index u: the coin of u), amount
(signed; negative = borrowed, a liability without haircut), haircut in [0, 1] and
haircut_slope >= 0 (haircut added per unit of amount). Worth amount * price * (1 -
min(1, haircut + haircut_slope * amount)) in quote."""

Account = collections.namedtuple("Account", "positions balances isolated currency",
                                 defaults=((), None, MGN_QUOTE))
Account.__doc__ = """One account (mgn_account) as plain data: positions (a sequence of
Position, a numpy structured array such as one of position_dtype(), or a ctypes array),
balances (a sequence of Balance, or a structured array of balance_dtype()), isolated
(None, or one isolated collateral >= 0 per position in the account currency: used in
MGN_MODE_ISOLATED) and currency (MGN_QUOTE or an underlying index). Copied into the C
structs at each call (a numpy array of position_dtype() is used without a copy)."""

AccountBook = collections.namedtuple(
    "AccountBook", "positions pos_offsets balances bal_offsets isolated currency",
    defaults=((), None, None, MGN_QUOTE))
AccountBook.__doc__ = """Many accounts in flat arrays, for account_sweep and cascade:
positions of every account in one array (ideally a numpy array of position_dtype(),
passed without a copy), account k owning positions[pos_offsets[k]:pos_offsets[k+1]]
(pos_offsets: n_acct + 1 non-decreasing integers from 0 to len(positions));
balances likewise with bal_offsets (bal_offsets None: no balances, or exactly one per
account when len(balances) == n_acct); isolated None or one value per position (flat,
aligned with positions); currency one value for all or one per account.
account_book(accounts) packs a sequence of Account."""

AccountParams = collections.namedtuple(
    "AccountParams", "mode pm_method std pm span pairs pm_im_factor pm_mm_factor liq_ratio")
AccountParams.__doc__ = """How accounts are evaluated (mgn_account_params): mode
(MGN_MODE_ISOLATED / _CROSS / _PORTFOLIO or 'isolated'/'cross'/'portfolio'), pm_method
(MGN_PM_METHOD_GRID / _SPAN or 'grid'/'span'), std (None: the library's default rule
set; a StdParams for every underlying or one per market), pm (portfolio grid: a
PmParams for every market, or one per market), span (portfolio SPAN: SpanParams, one
or one per market), pairs (SpanPair credits), pm_im_factor, pm_mm_factor, liq_ratio.
account_params() gives the library's defaults (cross, default rules, 1, 0.8, 1)."""

AccountResult = _result_type("AccountResult", _CAccountResult, """Evaluation of one account
(mgn_account_result), in the account currency: equity, collateral (haircut value of the
balances), position_value, im, mm, margin_ratio (equity / MM; DBL_MAX when MM == 0),
available, call_amount, shortfall (bad debt), status (MGN_ACCT_*; -1 for an invalid
account of a sweep; ACCOUNT_STATUS_NAMES[status] names it), n_called.""")

PositionResult = _result_type("PositionResult", _CPositionResult, """One position of an
evaluated account (mgn_position_result): value, equity (isolated: collateral + value),
im, mm (its share or its own margin) and status (isolated: its own).""")

WhatifResult = _result_type("WhatifResult", _CWhatifResult, """Pre-trade check
(mgn_whatif_result): before and after (AccountResult), order_im, order_mm (added by the
order), order_equity (equity counted for the order before its fill) and accept (1 when
the order is acceptable).""")

LiqInput = collections.namedtuple(
    "LiqInput", "settlement tier_basis size entry wallet other mm_rate mm_amount size_mm "
                "fee_rate tiers",
    defaults=(MGN_LINEAR, MGN_STD_TIER_QUOTE, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, ()))
LiqInput.__doc__ = """Input of the closed-form liquidation price (mgn_liq_input), fields in
the C order except struct_size and n_tiers (len(tiers)): settlement ('linear' /
'inverse'), tier_basis (with tiers), size (signed: linear underlying units; inverse
quote notional), entry, wallet, other (cross: other positions' unrealised P&L minus
their MM), mm_rate, mm_amount (cum), size_mm, fee_rate, tiers (StdTier records)."""

LiqClosed = _result_type("LiqClosed", _CLiqClosed, """Closed-form liquidation price
(mgn_liq_closed): price (0 when found == 0), mm (MM + fee at that price), bankruptcy
price (0 if none), found, tier (-1 without tiers).""")

LiqSearch = collections.namedtuple("LiqSearch", "underlying betas lo hi grid vol horizon")
LiqSearch.__doc__ = """Liquidation-price search (mgn_liq_search): underlying (moved),
betas (None, or one beta per market for a joint move), lo, hi (0: 0.1x and 10x today's
price), grid (scan points), vol and horizon (years) for the distances in standard
deviations. liq_search() gives the library's defaults."""

LiqPrices = collections.namedtuple("LiqPrices", ["roots"] + [f for f, _ in
                                                              _CLiqPriceResult._fields_])
LiqPrices.__doc__ = """Liquidation prices of an account (mgn_liq_price_result and the roots):
roots (every crossing of equity - MM in the range, increasing: numpy array, list without
numpy), n_roots, spot, gap (equity - MM today; isolated: min over the positions that
have an MM or a negative equity), below,
above (nearest crossings, 0 if none), below_pct, above_pct, below_sd, above_sd,
has_below, has_above."""

OracleParams = collections.namedtuple("OracleParams", "max_age max_deviation min_quorum",
                                      defaults=(0.05, 1))
OracleParams.__doc__ = """Oracle guards (mgn_oracle_params): max_age (staleness limit, the
caller's time unit), max_deviation (band around the median, relative; default 0.05 as
Binance's index), min_quorum (quotes needed, >= 1; default 1)."""

OracleResult = _result_type("OracleResult", _COracleResult, """A robust index
(mgn_oracle_result): price (0 unless verdict is MGN_ORACLE_OK), median_fresh, n_fresh,
n_used, n_rejected, verdict (MGN_ORACLE_OK / _STALE / _DEVIATION). Pass it as guard to
liq_partial.""")

LiqParams = collections.namedtuple("LiqParams",
                                   "order target buffer penalty_rate close_factor priority")
LiqParams.__doc__ = """Partial liquidation (mgn_liq_params): order (MGN_LIQ_PROPORTIONAL /
_LARGEST_MM / _GIVEN or 'proportional'/'largest_mm'/'given'), target (MGN_LIQ_TARGET_MM
/ _IM or 'mm'/'im'), buffer, penalty_rate, close_factor, priority (position indices for
MGN_LIQ_GIVEN). liq_params() gives the library's defaults."""

LiqClose = _result_type("LiqClose", _CLiqClose, """One close of a liquidation plan
(mgn_liq_close): position (index), quantity (signed like the position), fraction,
price (mark per unit), notional and penalty (account currency).""")

LiqResult = collections.namedtuple("LiqResult", ["closes"] + [f for f, _ in
                                                               _CLiqResult._fields_])
LiqResult.__doc__ = """A partial liquidation plan (mgn_liq_result and the closes): closes
(list of LiqClose), before, after (AccountResult; after is net of the penalty), penalty,
notional, n_closes, full (1: everything closed), restored (1: the target is met)."""

LiqEconomics = collections.namedtuple("LiqEconomics",
                                      "reward unprofitable n_unprofitable "
                                      "unprofitable_notional")
LiqEconomics.__doc__ = """Liquidator economics (mgn_liq_economics): reward and unprofitable
(0/1) per close (numpy arrays; lists without numpy), n_unprofitable and
unprofitable_notional."""

CascadeParams = collections.namedtuple(
    "CascadeParams", "impact_model max_rounds impact penalty_rate insurance_fund "
                     "report_underlying", defaults=(MGN_IMPACT_LINEAR, 50, 0.0, 0.0, 0.0, 0))
CascadeParams.__doc__ = """Cascade simulation (mgn_cascade_params): impact_model
(MGN_IMPACT_LINEAR / _SQRT or 'linear'/'sqrt'), max_rounds (>= 1), impact (>= 0),
penalty_rate (paid to the insurance fund), insurance_fund (quote), report_underlying.
The defaults (linear, 50 rounds, no impact, no penalty, no fund, underlying 0) are the
binding's: the C struct has no _init function."""

CascadeRound = _result_type("CascadeRound", _CCascadeRound, """One round of a cascade
(mgn_cascade_round): price of report_underlying after the round, n_liquidated,
notional, bad_debt, fees, fund (left), uncovered (cumulative).""")

CascadeResult = collections.namedtuple(
    "CascadeResult", ["rounds", "final_markets"] + [f for f, _ in _CCascadeResult._fields_
                                                   if f != "reserved"])
CascadeResult.__doc__ = """A cascade (mgn_cascade_result, rounds, final prices): rounds (list
of CascadeRound), final_markets (list of Market), n_rounds, n_liquidated, notional,
bad_debt, fees, fund, uncovered, converged (1: stopped because nothing was
liquidatable)."""


def balance_dtype():
    """numpy structured dtype with the exact layout of mgn_balance (requires numpy)."""
    if _np is None:
        raise ImportError("balance_dtype() needs numpy")
    return _struct_np_dtype(_CBalance)


def account_result_dtype():
    """numpy structured dtype with the exact layout of mgn_account_result (requires
    numpy): account_sweep returns an array of it."""
    if _np is None:
        raise ImportError("account_result_dtype() needs numpy")
    return _struct_np_dtype(_CAccountResult)


def _init_struct(cstruct, init, size_fn):
    """A ctypes struct filled by the library's _init function (with room for a larger
    struct of a newer library)."""
    size = max(ctypes.sizeof(cstruct), int(_fn(size_fn)()))
    buf = (ctypes.c_double * ((size + 7) // 8))()
    _check(_fn(init)(ctypes.cast(buf, ctypes.POINTER(cstruct))), init)
    return cstruct.from_buffer(buf)


def _with(cls, defaults, params, overrides, what):
    """A namedtuple cls: params (None: defaults, a cls, or a dict of fields to change)
    with keyword overrides."""
    if params is None:
        p = defaults()
    elif isinstance(params, cls):
        p = params
    elif isinstance(params, dict):
        p = defaults()._replace(**params)
    else:
        raise TypeError("%s must be a %s, a dict of fields or None, not %r"
                        % (what, cls.__name__, params))
    return p._replace(**overrides) if overrides else p


def account_params(**fields):
    """Default account parameters (mgn_account_params_init) -> AccountParams, with the
    given fields changed: account_params(mode='portfolio', pm=pm_preset_deribit())."""
    c = _init_struct(_CAccountParams, "mgn_account_params_init", "mgn_sizeof_account_params")
    p = AccountParams(c.mode, c.pm_method, None, None, None, (), c.pm_im_factor,
                      c.pm_mm_factor, c.liq_ratio)
    return p._replace(**fields) if fields else p


def _acct_params(params):
    return _with(AccountParams, account_params, params, None, "params")


def _account_params_c(params, n_mkt, function):
    """(mgn_account_params, objects to keep alive) from AccountParams, a dict or None."""
    p = _acct_params(params)
    c = _CAccountParams()
    keep = []
    c.struct_size = ctypes.sizeof(_CAccountParams)
    c.mode = _int_field(p.mode, "mode", function)
    c.pm_method = _int_field(p.pm_method, "pm_method", function)
    if p.std is not None:
        std, k = _std_params_c([p.std] if isinstance(p.std, (StdParams, dict)) else p.std,
                               function)
        keep += [std, k]
        c.std = ctypes.cast(std, ctypes.POINTER(_CStdParams))
        c.n_std = len(std)
    if p.pm is not None:
        pm = _pm_params_c(p.pm, n_mkt, function)
        keep.append(pm)
        c.pm = ctypes.cast(pm, ctypes.POINTER(_CPmParams))
    if p.span is not None:
        span = _span_params_c(p.span, n_mkt, function)
        keep.append(span)
        c.span = ctypes.cast(span, ctypes.POINTER(_CSpanParams))
    pairs = _records(_CSpanPair, p.pairs or (), SpanPair, "a SPAN pair", function)
    keep.append(pairs)
    if len(pairs):
        c.pairs = ctypes.cast(pairs, ctypes.POINTER(_CSpanPair))
    c.n_pairs = len(pairs)
    c.pm_im_factor = _f(p.pm_im_factor, "pm_im_factor")
    c.pm_mm_factor = _f(p.pm_mm_factor, "pm_mm_factor")
    c.liq_ratio = _f(p.liq_ratio, "liq_ratio")
    return c, keep


def _account_c(account, function):
    """(mgn_account, objects to keep alive) from an Account (dict or tuple)."""
    if isinstance(account, _CAccount):
        return account, []
    a = _record(account, Account, "an account")
    pos = _records(_CPosition, a.positions, Position, "a position", function)
    bal = _records(_CBalance, a.balances if a.balances is not None else (), Balance,
                   "a balance", function)
    c = _CAccount()
    c.struct_size = ctypes.sizeof(_CAccount)
    c.pos = ctypes.cast(pos, _c_position_p)
    c.n_pos = len(pos)
    c.bal = ctypes.cast(bal, ctypes.POINTER(_CBalance))
    c.n_bal = len(bal)
    keep = [pos, bal]
    if a.isolated is not None:
        iso, n_iso, iso_p = _doubles(a.isolated, "isolated")
        if n_iso != len(pos):
            raise InvalidArgumentError(MGN_EINVAL, function, "%d isolated collaterals for "
                                       "%d positions" % (n_iso, len(pos)))
        keep.append(iso)
        c.isolated = iso_p
    c.currency = _currency(a.currency, function)
    return c, keep


def _offsets(values, n_items, what, function):
    """Validated CSR offsets as a list of ints (or an int64 numpy array)."""
    if _np is not None:
        off = _np.asarray(values)
        if off.ndim != 1 or off.size < 1 or off.dtype.kind not in "iu":
            raise InvalidArgumentError(MGN_EINVAL, function, "%s must be a 1-D array of "
                                       "n_accounts + 1 integers" % what)
        off = off.astype(_np.int64)
        if off[0] != 0 or off[-1] != n_items or _np.any(_np.diff(off) < 0):
            raise InvalidArgumentError(MGN_EINVAL, function, "%s must rise from 0 to %d"
                                       % (what, n_items))
        return off
    off = [int(v) for v in values]
    if not off or off[0] != 0 or off[-1] != n_items or \
            any(b < a for a, b in zip(off, off[1:])):
        raise InvalidArgumentError(MGN_EINVAL, function, "%s must rise from 0 to %d"
                                   % (what, n_items))
    return off


def account_book(accounts):
    """Pack a sequence of Account into one AccountBook (numpy arrays of position_dtype()
    and balance_dtype() with numpy, lists without). Accounts with isolated collateral
    and accounts without it may be mixed (missing ones count 0)."""
    accounts = [_record(a, Account, "an account") for a in accounts]
    pos, bal, iso, pos_off, bal_off, cur = [], [], [], [0], [0], []
    any_iso = any(a.isolated is not None for a in accounts)
    for a in accounts:
        p = list(_records(_CPosition, a.positions, Position, "a position", "account_book"))
        b = list(_records(_CBalance, a.balances or (), Balance, "a balance", "account_book"))
        pos += p
        bal += b
        if any_iso:
            iso += (list(_flatten(a.isolated)[0]) if a.isolated is not None else [0.0] * len(p))
        pos_off.append(len(pos))
        bal_off.append(len(bal))
        cur.append(_currency(a.currency, "account_book"))
    if _np is not None:
        pos_arr = _np.zeros(len(pos), dtype=position_dtype())
        if pos:
            pos_arr[:] = _np.frombuffer((_CPosition * len(pos))(*pos), dtype=pos_arr.dtype)
        bal_arr = _np.zeros(len(bal), dtype=balance_dtype())
        if bal:
            bal_arr[:] = _np.frombuffer((_CBalance * len(bal))(*bal), dtype=bal_arr.dtype)
        return AccountBook(pos_arr, _np.array(pos_off, dtype=_np.int64), bal_arr,
                           _np.array(bal_off, dtype=_np.int64),
                           _np.array(iso, dtype=_np.float64) if any_iso else None,
                           _np.array(cur, dtype=_np.int32))
    as_pos = [Position(*(getattr(c, f) for f, _ in _CPosition._fields_)) for c in pos]
    as_bal = [Balance(*(getattr(c, f) for f, _ in _CBalance._fields_)) for c in bal]
    return AccountBook(as_pos, pos_off, as_bal, bal_off, iso if any_iso else None, cur)


def _book_c(book, function):
    """(ctypes array of mgn_account, keep, max n_pos) from an AccountBook."""
    pos = _records(_CPosition, book.positions, Position, "a position", function)
    if book.pos_offsets is None:
        raise InvalidArgumentError(MGN_EINVAL, function, "an AccountBook needs pos_offsets")
    poff = _offsets(book.pos_offsets, len(pos), "pos_offsets", function)
    n_acct = len(poff) - 1
    bal = _records(_CBalance, book.balances if book.balances is not None else (), Balance,
                   "a balance", function)
    if book.bal_offsets is not None:
        boff = _offsets(book.bal_offsets, len(bal), "bal_offsets", function)
        if len(boff) != n_acct + 1:
            raise InvalidArgumentError(MGN_EINVAL, function, "bal_offsets has %d entries for "
                                       "%d accounts" % (len(boff), n_acct))
    elif len(bal) in (0, n_acct):
        boff = list(range(0, len(bal) + 1)) if len(bal) else [0] * (n_acct + 1)
        if _np is not None:
            boff = _np.array(boff, dtype=_np.int64)
    else:
        raise InvalidArgumentError(MGN_EINVAL, function, "%d balances for %d accounts need "
                                   "bal_offsets" % (len(bal), n_acct))
    keep = [pos, bal]
    iso_addr = None
    if book.isolated is not None:
        iso, n_iso, iso_p = _doubles(book.isolated, "isolated")
        if n_iso != len(pos):
            raise InvalidArgumentError(MGN_EINVAL, function, "%d isolated collaterals for %d "
                                       "positions" % (n_iso, len(pos)))
        keep.append(iso)
        iso_addr = ctypes.cast(iso_p, ctypes.c_void_p).value
    cur = book.currency
    pos_addr = ctypes.addressof(pos)
    bal_addr = ctypes.addressof(bal)
    sp, sb = ctypes.sizeof(_CPosition), ctypes.sizeof(_CBalance)
    if _np is not None:
        fields = [f for f, _ in _CAccount._fields_]
        kinds = {"currency": _np.int32, "reserved": _np.int32}
        dt = _np.dtype({"names": fields,
                        "formats": [kinds.get(f, _np.uintp) for f in fields],
                        "offsets": [getattr(_CAccount, f).offset for f in fields],
                        "itemsize": ctypes.sizeof(_CAccount)})
        arr = _np.zeros(n_acct, dtype=dt)
        poff = _np.asarray(poff, dtype=_np.int64)
        boff = _np.asarray(boff, dtype=_np.int64)
        arr["struct_size"] = ctypes.sizeof(_CAccount)
        arr["pos"] = pos_addr + sp * poff[:-1].astype(_np.uint64)
        arr["n_pos"] = _np.diff(poff)
        arr["bal"] = bal_addr + sb * boff[:-1].astype(_np.uint64)
        arr["n_bal"] = _np.diff(boff)
        if iso_addr is not None:
            arr["isolated"] = iso_addr + 8 * poff[:-1].astype(_np.uint64)
        if isinstance(cur, (str, bytes)) or not _is_sequence(cur):
            arr["currency"] = _currency(cur, function)
        else:
            cur = _np.asarray(cur)
            arr["currency"] = (_np_int_column(cur.ravel(), "currency", function)
                               if cur.size == n_acct else _bad_currency(function, n_acct))
        keep.append(arr)
        accts = (_CAccount * n_acct).from_buffer(arr) if n_acct else (_CAccount * 0)()
        max_pos = int(_np.diff(poff).max()) if n_acct else 0
        return accts, keep, max_pos
    if isinstance(cur, (str, bytes)) or not _is_sequence(cur):
        cur = [cur] * n_acct
    cur = list(cur)
    if len(cur) != n_acct:
        _bad_currency(function, n_acct)
    accts = (_CAccount * n_acct)()
    for k, c in enumerate(accts):
        c.struct_size = ctypes.sizeof(_CAccount)
        c.pos = ctypes.cast(pos_addr + sp * poff[k], _c_position_p)
        c.n_pos = poff[k + 1] - poff[k]
        c.bal = ctypes.cast(bal_addr + sb * boff[k], ctypes.POINTER(_CBalance))
        c.n_bal = boff[k + 1] - boff[k]
        if iso_addr is not None:
            c.isolated = ctypes.cast(iso_addr + 8 * poff[k], _c_double_p)
        c.currency = _currency(cur[k], function)
    max_pos = max((poff[k + 1] - poff[k] for k in range(n_acct)), default=0)
    return accts, keep, max_pos


def _bad_currency(function, n_acct):
    raise InvalidArgumentError(MGN_EINVAL, function, "currency must be one value or one per "
                               "account (%d)" % n_acct)


def _accounts_c(accounts, function):
    """(ctypes array of mgn_account, keep, max n_pos) from an AccountBook, a ctypes
    array of the mirror, or a sequence of Account."""
    if isinstance(accounts, AccountBook):
        return _book_c(accounts, function)
    if isinstance(accounts, ctypes.Array) and accounts._type_ is _CAccount:
        return accounts, [], max((int(a.n_pos) for a in accounts), default=0)
    if isinstance(accounts, (Account, dict)):
        raise TypeError("%s: pass a sequence of Account records or an AccountBook, not a "
                        "single account" % function)
    built = [_account_c(a, function) for a in accounts]
    arr = (_CAccount * len(built))(*[c for c, _ in built])
    return arr, [k for _, k in built], max((int(c.n_pos) for c, _ in built), default=0)


def _work_size(name, params_c, *sizes):
    out = ctypes.c_size_t()
    _check(_fn(name)(ctypes.byref(params_c), *sizes, ctypes.byref(out)), name)
    return out.value


def account_work_size(n_mkt, max_pos, params=None):
    """Bytes of workspace the account functions need for accounts of up to max_pos
    positions on n_mkt underlyings (mgn_account_work_size); 0 for cross/isolated
    without strategy pairing. The wrappers allocate it themselves."""
    fn = "mgn_account_work_size"
    n_mkt = _size(n_mkt, "n_mkt", fn)
    prm, keep = _account_params_c(params, n_mkt, fn)
    return _work_size(fn, prm, n_mkt, _size(max_pos, "max_pos", fn))


def account_eval(markets, account, params=None, now=0.0, call_deadline=math.inf,
                 per_position=False):
    """Evaluate one account against one market snapshot (mgn_account_eval)
    -> AccountResult, or (AccountResult, [PositionResult]) with per_position=True.

    markets: sequence of Market; account: Account; params: AccountParams, a dict of
    fields to change, or None (cross mode, default rules). now and call_deadline: the
    caller's clock (call_deadline inf: no margin call open). The workspace is
    allocated from mgn_account_work_size. Raises MarginError on a nonzero status.
    """
    fn = "mgn_account_eval"
    c_fn = _fn(fn)
    mkt = _records(_CMarket, markets, Market, "a market", fn)
    acct, keep_a = _account_c(account, fn)
    prm, keep_p = _account_params_c(params, len(mkt), fn)
    size = _work_size("mgn_account_work_size", prm, len(mkt), acct.n_pos) if len(mkt) else 0
    work, work_p = _workspace(size)
    out = _CAccountResult()
    per = (_CPositionResult * acct.n_pos)() if per_position else None
    _check(c_fn(mkt, len(mkt), ctypes.byref(acct), ctypes.byref(prm), _f(now, "now"),
                _f(call_deadline, "call_deadline"), work_p, size, ctypes.byref(out), per), fn)
    result = _tuple_of(out, AccountResult)
    if per_position:
        return result, [_tuple_of(p, PositionResult) for p in per]
    return result


def account_sweep(markets, accounts, params=None, now=0.0, call_deadlines=None, threads=1,
                  strict=False, return_status=False):
    """Evaluate many accounts against one market snapshot (mgn_account_sweep).

    accounts: a sequence of Account, or an AccountBook (flat arrays with offsets: the
    fast path for large books; positions of position_dtype() are not copied).
    call_deadlines: None or one per account. threads: 1..256 (the C call releases the
    GIL; results are bit-identical for every thread count). The workspace (threads x
    mgn_account_work_size) is allocated here.
    Returns a numpy structured array of account_result_dtype() (res['equity'],
    res['status'], ...), or a list of AccountResult without numpy. Batch semantics:
    an invalid account gets NaN fields and status -1 and the others are evaluated;
    strict=True raises MarginError (with .result) instead, return_status=True returns
    (result, status). A failure before any account is evaluated (bad params, markets)
    always raises.
    """
    fn = "mgn_account_sweep"
    c_fn = _fn(fn)
    mkt = _records(_CMarket, markets, Market, "a market", fn)
    accts, keep_a, max_pos = _accounts_c(accounts, fn)
    n = len(accts)
    prm, keep_p = _account_params_c(params, len(mkt), fn)
    threads = _int_field(threads, "threads", fn)
    size = (_work_size("mgn_account_work_size", prm, len(mkt), max_pos) if len(mkt) else 0)
    total = size * threads if 1 <= threads <= 256 else 0
    work, work_p = _workspace(total)
    d_ptr = None
    if call_deadlines is not None:
        keep_d, n_d, d_ptr = _doubles(call_deadlines, "call_deadlines")
        if n_d != n:
            raise InvalidArgumentError(MGN_EINVAL, fn, "%d call deadlines for %d accounts"
                                       % (n_d, n))
    sentinel = -2
    if _np is not None:
        out = _np.zeros(n, dtype=account_result_dtype())
        out["status"] = sentinel
        out_p = out.ctypes.data_as(_c_acct_result_p)
    else:
        out = out_p = (_CAccountResult * n)()
        for r in out:
            r.status = sentinel
    status = c_fn(mkt, len(mkt), accts, n, ctypes.byref(prm), _f(now, "now"), d_ptr, threads,
                  work_p, total, out_p)
    statuses = list(out["status"]) if _np is not None else [r.status for r in out]
    if status != MGN_OK and (n == 0 or sentinel in statuses):
        raise _error(status, fn)         # nothing evaluated: not a batch failure
    result = out if _np is not None else [_tuple_of(r, AccountResult) for r in out]
    return _finish(fn, status, result, strict, return_status,
                   lambda: sum(1 for s in statuses if s == -1))


# ---------------------------------------------------------------------------- liquidation prices

def liq_price_closed(input=None, **fields):
    """Closed-form liquidation price of one linear or inverse perpetual/future
    (mgn_liq_price_closed) -> LiqClosed.

    input: a LiqInput (or dict), or None; keyword arguments set fields:
    liq_price_closed(size=1.0, entry=60000, wallet=6000, mm_rate=0.005). found == 0
    (price 0) when no positive price solves it. Raises MarginError on bad input
    (MGN_EINVAL) or an inconsistent tier table (MGN_ENOSOL).
    """
    fn = "mgn_liq_price_closed"
    c_fn = _fn(fn)
    p = _with(LiqInput, LiqInput, input, fields, "input")
    c = _CLiqInput()
    c.struct_size = ctypes.sizeof(_CLiqInput)
    c.settlement = _int_field(p.settlement, "settlement", fn)
    c.tier_basis = _int_field(p.tier_basis, "tier_basis", fn)
    for f in ("size", "entry", "wallet", "other", "mm_rate", "mm_amount", "size_mm",
              "fee_rate"):
        setattr(c, f, _f(getattr(p, f), f))
    tiers = _records(_CStdTier, p.tiers or (), StdTier, "a StdTier", fn)
    if len(tiers):
        c.tiers = ctypes.cast(tiers, ctypes.POINTER(_CStdTier))
    c.n_tiers = len(tiers)
    out = _CLiqClosed()
    _check(c_fn(ctypes.byref(c), ctypes.byref(out)), fn)
    return _tuple_of(out, LiqClosed)


def liq_search(**fields):
    """Default liquidation-price search (mgn_liq_search_init) -> LiqSearch, with the
    given fields changed."""
    c = _init_struct(_CLiqSearch, "mgn_liq_search_init", "mgn_sizeof_liq_search")
    p = LiqSearch(c.underlying, None, c.lo, c.hi, c.grid, c.vol, c.horizon)
    return p._replace(**fields) if fields else p


def _liq_search_c(search, fields, n_mkt, function):
    p = _with(LiqSearch, liq_search, search, fields, "search")
    c = _CLiqSearch()
    c.struct_size = ctypes.sizeof(_CLiqSearch)
    c.underlying = _int_field(p.underlying, "underlying", function)
    keep = None
    if p.betas is not None:
        keep, n_b, b_ptr = _doubles(p.betas, "betas")
        if n_b != n_mkt:
            raise InvalidArgumentError(MGN_EINVAL, function, "%d betas for %d markets"
                                       % (n_b, n_mkt))
        c.betas = b_ptr
    c.lo, c.hi = _f(p.lo, "lo"), _f(p.hi, "hi")
    c.grid = _unsigned(p.grid, "grid", function, 8 * ctypes.sizeof(ctypes.c_size_t))
    c.vol, c.horizon = _f(p.vol, "vol"), _f(p.horizon, "horizon")
    return c, keep


def _roots_call(call, max_roots):
    """Run a root search with room for max_roots roots (None: all of them, calling
    again with more room when needed) -> LiqPrices."""
    cap = 64 if max_roots is None else _size(max_roots, "max_roots", "liq_prices")
    while True:
        roots, r_ptr = _out_doubles(cap)
        out = _CLiqPriceResult()
        call(r_ptr if cap else None, cap, out)
        if max_roots is not None or out.n_roots <= cap:
            break
        cap = out.n_roots
    got = min(out.n_roots, cap)
    return LiqPrices(_vector(roots[:got]), *(getattr(out, f) for f, _ in
                                            _CLiqPriceResult._fields_))


def liq_prices_work_size(n_mkt, n_pos, params=None):
    """Bytes of workspace mgn_liq_prices needs (mgn_liq_prices_work_size); the
    wrappers allocate it themselves."""
    fn = "mgn_liq_prices_work_size"
    n_mkt = _size(n_mkt, "n_mkt", fn)
    prm, keep = _account_params_c(params, n_mkt, fn)
    return _work_size(fn, prm, n_mkt, _size(n_pos, "n_pos", fn))


def liq_prices(markets, account, params=None, search=None, max_roots=None, **search_fields):
    """Every price of one underlying at which the account's equity equals its MM
    (mgn_liq_prices) -> LiqPrices.

    search: LiqSearch, a dict or None; keywords change its fields (underlying=1,
    vol=0.6, lo=..., hi=..., betas=[...]). max_roots None returns every root found;
    an integer caps how many are written (n_roots still counts them all).
    """
    fn = "mgn_liq_prices"
    c_fn = _fn(fn)
    mkt = _records(_CMarket, markets, Market, "a market", fn)
    acct, keep_a = _account_c(account, fn)
    prm, keep_p = _account_params_c(params, len(mkt), fn)
    srch, keep_s = _liq_search_c(search, search_fields, len(mkt), fn)
    size = _work_size("mgn_liq_prices_work_size", prm, len(mkt), acct.n_pos) if len(mkt) else 0
    work, work_p = _workspace(size)

    def call(r_ptr, cap, out):
        _check(c_fn(mkt, len(mkt), ctypes.byref(acct), ctypes.byref(prm), ctypes.byref(srch),
                    work_p, size, r_ptr, cap, ctypes.byref(out)), fn)
    return _roots_call(call, max_roots)


# ---------------------------------------------------------------------------- what-if

def whatif_work_size(n_mkt, n_pos, params=None):
    """Bytes of workspace mgn_account_whatif and mgn_account_max_order need
    (mgn_whatif_work_size); the wrappers allocate it themselves."""
    fn = "mgn_whatif_work_size"
    n_mkt = _size(n_mkt, "n_mkt", fn)
    prm, keep = _account_params_c(params, n_mkt, fn)
    return _work_size(fn, prm, n_mkt, _size(n_pos, "n_pos", fn))


def _order_c(order, function):
    return _c_array(_CPosition, [order], Position, "an order", function)


def account_whatif(markets, account, order, params=None, order_collateral=0.0, now=0.0,
                   call_deadline=math.inf):
    """Pre-trade check of one order (mgn_account_whatif) -> WhatifResult.

    order: a Position (dict or tuple) whose quantity is signed (+ buy) and whose
    entry_price is the limit (futures/perpetuals: fill price; options: premium per
    unit, > 0). order_collateral: its isolated collateral (isolated mode).
    """
    fn = "mgn_account_whatif"
    c_fn = _fn(fn)
    mkt = _records(_CMarket, markets, Market, "a market", fn)
    acct, keep_a = _account_c(account, fn)
    prm, keep_p = _account_params_c(params, len(mkt), fn)
    o = _order_c(order, fn)
    size = _work_size("mgn_whatif_work_size", prm, len(mkt), acct.n_pos) if len(mkt) else 0
    work, work_p = _workspace(size)
    out = _CWhatifResult()
    _check(c_fn(mkt, len(mkt), ctypes.byref(acct), ctypes.byref(prm), o,
                _f(order_collateral, "order_collateral"), _f(now, "now"),
                _f(call_deadline, "call_deadline"), work_p, size, ctypes.byref(out)), fn)
    return WhatifResult(_tuple_of(out.before, AccountResult),
                        _tuple_of(out.after, AccountResult), out.order_im, out.order_mm,
                        out.order_equity, out.accept)


def whatif_liq_prices(markets, account, order, params=None, order_collateral=0.0,
                      search=None, max_roots=None, **search_fields):
    """Liquidation prices the account would have after the order, filled at its limit
    (mgn_whatif_liq_prices) -> LiqPrices. Arguments as account_whatif and
    liq_prices."""
    fn = "mgn_whatif_liq_prices"
    c_fn = _fn(fn)
    mkt = _records(_CMarket, markets, Market, "a market", fn)
    acct, keep_a = _account_c(account, fn)
    prm, keep_p = _account_params_c(params, len(mkt), fn)
    o = _order_c(order, fn)
    srch, keep_s = _liq_search_c(search, search_fields, len(mkt), fn)
    size = _work_size("mgn_liq_prices_work_size", prm, len(mkt), acct.n_pos) if len(mkt) else 0
    work, work_p = _workspace(size)
    oc = _f(order_collateral, "order_collateral")

    def call(r_ptr, cap, out):
        _check(c_fn(mkt, len(mkt), ctypes.byref(acct), ctypes.byref(prm), o, oc,
                    ctypes.byref(srch), work_p, size, r_ptr, cap, ctypes.byref(out)), fn)
    return _roots_call(call, max_roots)


def account_max_order(markets, account, order, target_ratio, max_qty, params=None,
                      order_collateral=0.0):
    """The largest order size on one instrument keeping equity / MM >= target_ratio
    after the order (mgn_account_max_order). order gives the instrument, limit and
    direction (sign of quantity); sizes are searched in (0, max_qty]. Returns the
    size (0 when even the smallest fails, max_qty when none fails)."""
    fn = "mgn_account_max_order"
    c_fn = _fn(fn)
    mkt = _records(_CMarket, markets, Market, "a market", fn)
    acct, keep_a = _account_c(account, fn)
    prm, keep_p = _account_params_c(params, len(mkt), fn)
    o = _order_c(order, fn)
    size = _work_size("mgn_whatif_work_size", prm, len(mkt), acct.n_pos) if len(mkt) else 0
    work, work_p = _workspace(size)
    qty = ctypes.c_double()
    _check(c_fn(mkt, len(mkt), ctypes.byref(acct), ctypes.byref(prm), o,
                _f(order_collateral, "order_collateral"), _f(target_ratio, "target_ratio"),
                _f(max_qty, "max_qty"), work_p, size, ctypes.byref(qty)), fn)
    return qty.value


# ---------------------------------------------------------------------------- oracle guards

def oracle_index(prices, times, now, params=None, **fields):
    """A robust index from several feeds (mgn_oracle_index) -> OracleResult.

    prices, times: one quote and its time per feed (the caller's clock); now: the
    current time. params: OracleParams or a dict; keywords set fields:
    oracle_index(p, t, now, max_age=5, max_deviation=0.05, min_quorum=2). A failed
    verdict (MGN_ORACLE_STALE / _DEVIATION) is an answer, not an error; liq_partial
    with that result as guard raises StaleError.
    """
    fn = "mgn_oracle_index"
    c_fn = _fn(fn)
    if params is None:
        p = OracleParams(**fields)
    else:
        p = _with(OracleParams, OracleParams, params, fields, "params")
    c = _COracleParams(_f(p.max_age, "max_age"), _f(p.max_deviation, "max_deviation"),
                       _unsigned(p.min_quorum, "min_quorum", fn,
                                 8 * ctypes.sizeof(ctypes.c_size_t)))
    keep_p, n, p_ptr = _doubles(prices, "prices")
    keep_t, n_t, t_ptr = _doubles(times, "times")
    if n_t != n:
        raise InvalidArgumentError(MGN_EINVAL, fn, "%d times for %d prices" % (n_t, n))
    out = _COracleResult()
    _check(c_fn(p_ptr, t_ptr, n, _f(now, "now"), ctypes.byref(c), ctypes.byref(out)), fn)
    return _tuple_of(out, OracleResult)


# ---------------------------------------------------------------------------- partial liquidation

def liq_params(**fields):
    """Default partial-liquidation parameters (mgn_liq_params_init) -> LiqParams, with
    the given fields changed."""
    c = _init_struct(_CLiqParams, "mgn_liq_params_init", "mgn_sizeof_liq_params")
    p = LiqParams(c.order, c.target, c.buffer, c.penalty_rate, c.close_factor, ())
    return p._replace(**fields) if fields else p


def liq_partial_work_size(n_mkt, n_pos, params=None):
    """Bytes of workspace mgn_liq_partial needs (mgn_liq_partial_work_size);
    liq_partial allocates it itself."""
    fn = "mgn_liq_partial_work_size"
    n_mkt = _size(n_mkt, "n_mkt", fn)
    prm, keep = _account_params_c(params, n_mkt, fn)
    return _work_size(fn, prm, n_mkt, _size(n_pos, "n_pos", fn))


def _guard_c(guard, function):
    if guard is None:
        return None
    g = _record(guard, OracleResult, "a guard")
    c = _COracleResult()
    c.price, c.median_fresh = _f(g.price, "price"), _f(g.median_fresh, "median_fresh")
    bits = 8 * ctypes.sizeof(ctypes.c_size_t)
    for f in ("n_fresh", "n_used", "n_rejected"):
        setattr(c, f, _unsigned(getattr(g, f), f, function, bits))
    c.verdict = _int_field(g.verdict, "verdict", function)
    return c


def liq_partial(markets, account, params=None, liq=None, guard=None, **liq_fields):
    """The smallest partial liquidation restoring the account (mgn_liq_partial)
    -> LiqResult (closes, before, after, penalty, notional, n_closes, full, restored).

    params: AccountParams (how the account is evaluated); liq: LiqParams, a dict or
    None, keywords change its fields (order='proportional', close_factor=0.25,
    priority=[2, 0, 1], ...). guard: None, or an OracleResult from oracle_index: a
    verdict other than MGN_ORACLE_OK raises StaleError and decides nothing.
    """
    fn = "mgn_liq_partial"
    c_fn = _fn(fn)
    mkt = _records(_CMarket, markets, Market, "a market", fn)
    acct, keep_a = _account_c(account, fn)
    prm, keep_p = _account_params_c(params, len(mkt), fn)
    lp = _with(LiqParams, liq_params, liq, liq_fields, "liq")
    c = _CLiqParams()
    c.struct_size = ctypes.sizeof(_CLiqParams)
    c.order = _int_field(lp.order, "order", fn)
    c.target = _int_field(lp.target, "target", fn)
    c.buffer = _f(lp.buffer, "buffer")
    c.penalty_rate = _f(lp.penalty_rate, "penalty_rate")
    c.close_factor = _f(lp.close_factor, "close_factor")
    keep_pr = None
    if lp.priority is not None and len(lp.priority):
        keep_pr, n_pr, pr_ptr = _ints(lp.priority, "priority", fn)
        c.priority, c.n_priority = pr_ptr, n_pr
    g = _guard_c(guard, fn)
    size = (_work_size("mgn_liq_partial_work_size", prm, len(mkt), acct.n_pos)
            if len(mkt) else 0)
    work, work_p = _workspace(size)
    closes = (_CLiqClose * max(1, acct.n_pos))()
    out = _CLiqResult()
    _check(c_fn(mkt, len(mkt), ctypes.byref(acct), ctypes.byref(prm), ctypes.byref(c),
                ctypes.byref(g) if g is not None else None, work_p, size, closes,
                ctypes.byref(out)), fn)
    return LiqResult([_tuple_of(closes[i], LiqClose) for i in range(out.n_closes)],
                     _tuple_of(out.before, AccountResult), _tuple_of(out.after, AccountResult),
                     out.penalty, out.notional, out.n_closes, out.full, out.restored)


def liq_economics(markets, account, closes=None, close_factor=0.5, bonus=0.0, gas_cost=0.0):
    """Liquidator economics (mgn_liq_economics) -> LiqEconomics.

    closes: a liquidation plan (a LiqResult or a list of LiqClose), or None for
    close_factor of every position. reward = bonus * notional per close; a close whose
    reward is below gas_cost (account currency) is unprofitable (bad debt in a crash).
    """
    fn = "mgn_liq_economics"
    c_fn = _fn(fn)
    mkt = _records(_CMarket, markets, Market, "a market", fn)
    acct, keep_a = _account_c(account, fn)
    if isinstance(closes, LiqResult):
        closes = closes.closes
    if closes is None:
        cl, n_cl, n = None, 0, acct.n_pos
    else:
        recs = [_record(x, LiqClose, "a LiqClose") for x in closes]
        cl = (_CLiqClose * len(recs))()
        bits = 8 * ctypes.sizeof(ctypes.c_size_t)
        for c, r in zip(cl, recs):
            c.position = _unsigned(r.position, "position", fn, bits)
            for f in ("quantity", "fraction", "price", "notional", "penalty"):
                setattr(c, f, _f(getattr(r, f), f))
        n_cl = n = len(recs)
    reward, r_ptr = _out_doubles(n)
    if _np is not None:
        unprof = _np.zeros(n, dtype=_np.int32)
        u_ptr = unprof.ctypes.data_as(_c_int_p)
    else:
        unprof = u_ptr = (ctypes.c_int * n)()
    n_unprof, unprof_notional = ctypes.c_size_t(), ctypes.c_double()
    _check(c_fn(mkt, len(mkt), ctypes.byref(acct), cl, n_cl, _f(close_factor, "close_factor"),
                _f(bonus, "bonus"), _f(gas_cost, "gas_cost"), r_ptr, u_ptr,
                ctypes.byref(n_unprof), ctypes.byref(unprof_notional)), fn)
    return LiqEconomics(_vector(reward), _vector(unprof), n_unprof.value,
                        unprof_notional.value)


# ---------------------------------------------------------------------------- cascades

def cascade_work_size(n_mkt, n_acct, max_pos, params=None):
    """Bytes of workspace mgn_cascade needs (mgn_cascade_work_size); cascade allocates
    it itself."""
    fn = "mgn_cascade_work_size"
    n_mkt = _size(n_mkt, "n_mkt", fn)
    prm, keep = _account_params_c(params, n_mkt, fn)
    return _work_size(fn, prm, n_mkt, _size(n_acct, "n_acct", fn), _size(max_pos, "max_pos",
                                                                         fn))


def cascade(markets, accounts, shock, depth, params=None, cascade=None, **cascade_fields):
    """A liquidation cascade (mgn_cascade) -> CascadeResult (rounds, final_markets,
    n_rounds, n_liquidated, notional, bad_debt, fees, fund, uncovered, converged).

    accounts: a sequence of Account or an AccountBook; shock: relative move of each
    underlying (one value for all, or one per market); depth: market depth of each
    underlying (> 0; one value or one per market); params: AccountParams; cascade:
    CascadeParams, a dict or None, keywords change its fields (impact_model='sqrt',
    impact=0.05, max_rounds=20, penalty_rate=0.0075, insurance_fund=5000).
    """
    fn = "mgn_cascade"
    c_fn = _fn(fn)
    mkt = _records(_CMarket, markets, Market, "a market", fn)
    n_mkt = len(mkt)
    accts, keep_a, max_pos = _accounts_c(accounts, fn)
    prm, keep_p = _account_params_c(params, n_mkt, fn)
    cp = _with(CascadeParams, CascadeParams, cascade, cascade_fields, "cascade")
    c = _CCascadeParams()
    c.struct_size = ctypes.sizeof(_CCascadeParams)
    c.impact_model = _int_field(cp.impact_model, "impact_model", fn)
    c.max_rounds = _int_field(cp.max_rounds, "max_rounds", fn)
    c.impact = _f(cp.impact, "impact")
    c.penalty_rate = _f(cp.penalty_rate, "penalty_rate")
    c.insurance_fund = _f(cp.insurance_fund, "insurance_fund")
    c.report_underlying = _int_field(cp.report_underlying, "report_underlying", fn)
    vecs = []
    for what, v in (("shock", shock), ("depth", depth)):
        if not _is_sequence(v) or (_np is not None and _np.ndim(v) == 0):
            v = [v] * n_mkt
        keep, n_v, ptr = _doubles(v, what)
        if n_v != n_mkt:
            raise InvalidArgumentError(MGN_EINVAL, fn, "%d %s values for %d markets"
                                       % (n_v, what, n_mkt))
        vecs.append((keep, ptr))
    size = _work_size("mgn_cascade_work_size", prm, n_mkt, len(accts), max_pos) if n_mkt else 0
    work, work_p = _workspace(size)
    rounds = (_CCascadeRound * max(1, c.max_rounds))()
    final = (_CMarket * n_mkt)()
    out = _CCascadeResult()
    _check(c_fn(mkt, n_mkt, accts, len(accts), ctypes.byref(prm), ctypes.byref(c),
                vecs[0][1], vecs[1][1], work_p, size, rounds, final, ctypes.byref(out)), fn)
    return CascadeResult([_tuple_of(rounds[r], CascadeRound) for r in range(out.n_rounds)],
                         [Market(m.spot, m.rate, m.carry) for m in final],
                         *(getattr(out, f) for f in CascadeResult._fields[2:]))


# Load at import so a missing or mismatched library is an ImportError here.
_load()
