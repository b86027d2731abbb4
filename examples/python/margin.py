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
    NoConvergenceError, OutOfMemoryError, RangeError). The exception carries .status
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

_STATUS_NAMES = {MGN_OK: "MGN_OK", MGN_EINVAL: "MGN_EINVAL", MGN_ENOSOL: "MGN_ENOSOL",
                 MGN_ENOCONV: "MGN_ENOCONV", MGN_ENOMEM: "MGN_ENOMEM",
                 MGN_ERANGE: "MGN_ERANGE"}


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
}
#: Structs that carry a leading struct_size: a newer library may have appended fields
#: and accepts this binding's (smaller) size, so its size may be larger, not smaller.
_VERSIONED = {"mgn_std_params"}


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


_ERRORS = {MGN_EINVAL: InvalidArgumentError, MGN_ENOSOL: NoSolutionError,
           MGN_ENOCONV: NoConvergenceError, MGN_ENOMEM: OutOfMemoryError,
           MGN_ERANGE: RangeError}


def _error(status, function=None, detail=None):
    return _ERRORS.get(int(status), MarginError)(status, function, detail)


# ---------------------------------------------------------------------------- loading

_c_double_p = ctypes.POINTER(ctypes.c_double)
_c_int_p = ctypes.POINTER(ctypes.c_int)
_c_greeks_p = ctypes.POINTER(_CGreeks)
_d = ctypes.c_double
_i = ctypes.c_int
_n = ctypes.c_size_t

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
    is NaN wherever status[i] != MGN_OK.
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
    mkt = _c_array(_CMarket, markets, Market, "a market", fn)
    pos = _c_array(_CPosition, positions, Position, "a position", fn)
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
    mkt = _c_array(_CMarket, markets, Market, "a market", fn)
    if isinstance(params, (SpanParams, dict)):
        params = [params] * len(mkt)
    prm = _c_array(_CSpanParams, params, SpanParams, "SPAN parameters", fn)
    if len(prm) != len(mkt):
        raise InvalidArgumentError(MGN_EINVAL, fn, "%d SPAN parameter sets for %d markets"
                                   % (len(prm), len(mkt)))
    pos = _c_array(_CPosition, positions, Position, "a position", fn)
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
    mkt = _c_array(_CMarket, markets, Market, "a market", fn)
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
    mkt = _c_array(_CMarket, markets, Market, "a market", fn)
    prm, keep = _std_params_c(params, fn)
    pos = _c_array(_CPosition, positions, Position, "a position", fn)
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


# Load at import so a missing or mismatched library is an ImportError here.
_load()
