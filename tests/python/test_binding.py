"""Tests of the ctypes binding examples/python/margin.py (stdlib unittest).

    MARGIN_LIBRARY=$PWD/lib/libmargin.so python3 -m unittest discover -s tests/python

Values are checked against independent numbers: a pure-Python Black-Scholes written
here from the textbook formula, Hull's worked example, put-call parity, finite
differences of the price, implied-vol round trips and binomial-tree references for
American options. The numpy tests are skipped (not failed) where numpy is missing;
the list-based paths are tested under both interpreters (with numpy, by hiding it
from the binding).
"""

import concurrent.futures
import ctypes
import math
import os
import pickle
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "examples", "python"))

import margin  # noqa: E402

try:
    import numpy as np
except ImportError:
    np = None

NAN, INF = float("nan"), float("inf")
needs_numpy = unittest.skipUnless(np is not None, "numpy is not installed")


# ---------------------------------------------------------------- independent reference

def N(x):
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def ref_bs(is_call, S, K, T, r, q, sigma):
    """Textbook BSM (no shared code with the library)."""
    if T == 0:
        return max(S - K, 0.0) if is_call else max(K - S, 0.0)
    F = S * math.exp((r - q) * T)
    if sigma == 0:
        return math.exp(-r * T) * (max(F - K, 0.0) if is_call else max(K - F, 0.0))
    s = sigma * math.sqrt(T)
    d1 = math.log(F / K) / s + 0.5 * s
    d2 = d1 - s
    if is_call:
        return math.exp(-r * T) * (F * N(d1) - K * N(d2))
    return math.exp(-r * T) * (K * N(-d2) - F * N(-d1))


def rel_err(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


GRID = [(t, S, K, T, r, q, v)
        for t in ("call", "put")
        for S in (80.0, 100.0, 125.0)
        for K in (90.0, 100.0, 110.0)
        for T in (0.1, 1.0, 3.0)
        for r, q in ((0.05, 0.0), (-0.01, 0.03))
        for v in (0.15, 0.6)]


# ---------------------------------------------------------------- header parsing

def _header_raw():
    with open(os.path.join(REPO, "include", "margin.h")) as f:
        return f.read()


def _strip_comments(text):
    import re
    return re.sub(r"/\*.*?\*/", " ", text, flags=re.S)


def _header_text():
    return _strip_comments(_header_raw())


def header_sections():
    """[(title, text without comments)] of include/margin.h, split at its section
    banners (a line of '/*====...' followed by ' * Title'); the text before the first
    banner has the title ''."""
    import re
    parts = re.split(r"/\*={10,}[ \t]*\n[ \t]*\*[ \t]*([^\n]*?)[ \t]*\n", _header_raw())
    sections = [("", _strip_comments(parts[0]))]
    for title, text in zip(parts[1::2], parts[2::2]):
        sections.append((title, _strip_comments("/*" + text)))   # the banner's comment
    return sections


def header_defines():
    """{name: int} of the #define MGN_... integer constants of include/margin.h."""
    import re
    return {name: int(value) for name, value in
            re.findall(r"#define\s+(MGN_\w+)\s+\(?(-?\d+)\)?\s*$", _header_text(), flags=re.M)}


def _ctype_of(decl):
    """ctypes type of a C type (no parameter name): 'const double *' -> POINTER(c_double)."""
    import re
    mirrors = {c_name: mirror for c_name, mirror, _ in margin._MIRRORS.values()}
    array = re.match(r"(.*)\[(\d+)\]$", decl)          # "double[16]": a fixed array field
    if array:
        return _ctype_of(array.group(1)) * int(array.group(2))
    base = decl.replace("const", " ").replace("*", " ").split()
    stars = decl.count("*")
    assert len(base) == 1, decl
    base = base[0]
    if base == "char" and stars == 1:
        return ctypes.c_char_p
    if base == "void" and stars == 1:
        return ctypes.c_void_p
    t = {"double": ctypes.c_double, "int": ctypes.c_int, "mgn_option_type": ctypes.c_int,
         "size_t": ctypes.c_size_t, "uint64_t": ctypes.c_uint64}.get(base) or mirrors[base]
    for _ in range(stars):
        t = ctypes.POINTER(t)
    return t


def header_prototypes(exclude_sections=()):
    """{name: (return type, [parameter types])} as C strings, for every MGN_API
    function in include/margin.h (except those of the sections whose title starts
    with one of exclude_sections); _ctype_of turns them into ctypes types."""
    import re
    out = {}
    text = " ".join(body for title, body in header_sections()
                    if not any(title.startswith(x) for x in exclude_sections))
    for ret, name, params in re.findall(r"MGN_API\s+([^;(]*?)\b(mgn_\w+)\s*\(([^)]*)\)\s*;",
                                        text):
        args = []
        if params.strip() != "void":
            for p in params.split(","):
                p = " ".join(p.split())
                m = re.match(r"(.*?[\s*])(\w+)$", p)      # drop the parameter name
                args.append(m.group(1).strip())
        out[name] = (ret.strip(), args)
    return out


def header_structs(exclude_sections=()):
    """{name: [(field, C type)]} of every typedef struct in include/margin.h (except
    those of the sections whose title starts with one of exclude_sections); a fixed
    array field 'double x[MGN_N]' has the type 'double[16]' (macros resolved)."""
    import re
    out = {}
    defines = header_defines()
    text = " ".join(body for title, body in header_sections()
                    if not any(title.startswith(x) for x in exclude_sections))
    for name, body in re.findall(r"typedef\s+struct\s+(mgn_\w+)\s*\{(.*?)\}\s*\1\s*;",
                                 text, flags=re.S):
        fields = []
        for decl in body.split(";"):
            decl = " ".join(decl.split())
            if not decl:
                continue
            m = re.match(r"((?:const\s+)?\w+\s*\**)\s*(.*)$", decl)
            for item in m.group(2).split(","):
                item = item.strip()
                stars = len(item) - len(item.lstrip("*"))
                ctype = m.group(1).strip() + "*" * stars
                item = item.lstrip("*").strip()
                dim = re.match(r"(\w+)\s*\[\s*(\w+)\s*\]$", item)
                if dim:
                    n = dim.group(2)
                    item, ctype = dim.group(1), "%s[%d]" % (ctype, int(defines.get(n, n)))
                fields.append((item, ctype))
        out[name] = fields
    return out


# The functions the binding must always cover: the pricing API and the fixed portfolio
# core of API-CORE.md.
CORE_FUNCTIONS = """mgn_version mgn_version_number mgn_strerror mgn_sizeof_greeks mgn_bs_price
    mgn_bs_greeks mgn_black76_price mgn_black76_greeks mgn_inverse_price mgn_inverse_greeks
    mgn_implied_vol mgn_black76_implied_vol mgn_bs_price_batch mgn_bs_greeks_batch
    mgn_black76_price_batch mgn_black76_greeks_batch mgn_implied_vol_batch
    mgn_implied_vol_batch_status mgn_american_price mgn_scenario_pnl mgn_span_margin
    mgn_var_es""".split()


# Header sections whose functions are not bound yet (by title); test_every_public_
# function_bound fails for an unbound function anywhere else.
UNBOUND_SECTIONS = ()


class list_mode:
    """Context manager hiding numpy from the binding so its list path runs."""

    def __enter__(self):
        self.saved = margin._np
        margin._np = None

    def __exit__(self, *exc):
        margin._np = self.saved
        return False


# ---------------------------------------------------------------- loading and checks

class TestLibrary(unittest.TestCase):
    def test_version(self):
        v = margin.version()
        parts = [int(p) for p in v.split(".")]
        self.assertEqual(len(parts), 3)
        self.assertEqual(parts[0], margin.EXPECTED_MAJOR)
        self.assertEqual(margin.version_number(), parts[0] * 10000 + parts[1] * 100 + parts[2])

    def test_library_info(self):
        info = margin.library_info()
        self.assertTrue(os.path.exists(info["path"]))
        self.assertEqual(info["version"], margin.version())
        self.assertEqual(info["struct_sizes"]["mgn_greeks"], ctypes.sizeof(margin._CGreeks))
        self.assertEqual(info["struct_sizes"]["mgn_greeks"], 80)
        self.assertIsInstance(info["missing"], list)
        if "MARGIN_LIBRARY" in os.environ:
            self.assertEqual(info["path"], os.environ["MARGIN_LIBRARY"])

    def test_sizeof_greeks(self):
        self.assertEqual(margin._fn("mgn_sizeof_greeks")(), ctypes.sizeof(margin._CGreeks))

    def test_bound_signatures_match_header(self):
        # every function the binding declares exists in include/margin.h with the same
        # return and argument types (parsed from the header itself)
        protos = header_prototypes()
        self.assertEqual(sorted(set(margin._PROTOTYPES) - set(protos)), [],
                         "bound functions no longer in the header")
        for name, (restype, argtypes) in margin._PROTOTYPES.items():
            ret, params = protos[name]
            self.assertEqual((_ctype_of(ret), [_ctype_of(p) for p in params]),
                             (restype, argtypes), name)
        for name, fn in margin._funcs.items():      # configured on the loaded library
            self.assertEqual((fn.restype, list(fn.argtypes)), margin._PROTOTYPES[name], name)

    def test_core_functions_bound(self):
        missing = [f for f in CORE_FUNCTIONS if f not in margin._PROTOTYPES]
        self.assertEqual(missing, [])
        protos = header_prototypes()
        self.assertEqual([f for f in CORE_FUNCTIONS if f not in protos], [])

    def test_every_public_function_bound(self):
        # every MGN_API function of the header has a prototype in the binding, except
        # those of the sections listed in UNBOUND_SECTIONS (being written)
        unbound = sorted(set(header_prototypes(UNBOUND_SECTIONS)) - set(margin._PROTOTYPES))
        self.assertEqual(unbound, [], "%d public functions of include/margin.h are not bound "
                         "in examples/python/margin.py" % len(unbound))

    def test_header_sections_parsed(self):
        # the section split must see every function of the header exactly once
        titles = [t for t, _ in header_sections()]
        self.assertIn("Version", titles)
        self.assertIn("Risk-based margin: VaR and Expected Shortfall", titles)
        self.assertEqual(len(titles), len(set(titles)))
        everything = header_prototypes()
        self.assertIn("mgn_dynamic_margin", everything)
        self.assertEqual(header_prototypes(("Version",)),
                         {k: v for k, v in everything.items()
                          if k not in ("mgn_version", "mgn_version_number")})

    def test_struct_mirrors_match_header(self):
        structs = header_structs()
        for size_fn, (c_name, mirror, _) in margin._MIRRORS.items():
            self.assertIn(c_name, structs)
            self.assertEqual(list(mirror._fields_),
                             [(f, _ctype_of(t)) for f, t in structs[c_name]], c_name)
            self.assertEqual(size_fn, "mgn_sizeof_" + c_name[len("mgn_"):])

    def test_every_public_struct_mirrored(self):
        # every struct of the header (outside UNBOUND_SECTIONS) has a ctypes mirror
        # checked at import against its mgn_sizeof_* function
        mirrored = {c_name for c_name, _, _ in margin._MIRRORS.values()}
        self.assertEqual(sorted(set(header_structs(UNBOUND_SECTIONS)) - mirrored), [])

    def test_strerror(self):
        for code in (margin.MGN_OK, margin.MGN_EINVAL, margin.MGN_ENOSOL, margin.MGN_ENOCONV,
                     margin.MGN_ENOMEM, margin.MGN_ERANGE, margin.MGN_ESTALE):
            text = margin.strerror(code)
            self.assertIsInstance(text, str)
            self.assertTrue(text and text != "unknown status", code)
        self.assertEqual(len({margin.strerror(c) for c in range(7)}), 7)
        self.assertEqual(margin.strerror(12345), "unknown status")
        self.assertEqual(margin.strerror(-1), "unknown status")


class FakeLib(dict):
    """Stands in for the configured functions of a library, for _check_library."""

    def __init__(self, number=10000, text=b"1.0.0", greeks=None):
        size = ctypes.sizeof(margin._CGreeks) if greeks is None else greeks
        super().__init__(mgn_version_number=lambda: number, mgn_version=lambda: text,
                         mgn_strerror=lambda s: b"x", mgn_sizeof_greeks=lambda: size)


class TestLibraryCheck(unittest.TestCase):
    def test_real_library_passes(self):
        self.assertEqual(margin._check_library(margin._funcs, "lib"), margin.version())

    def test_fake_good_library_passes(self):
        self.assertEqual(margin._check_library(FakeLib(), "fake"), "1.0.0")
        self.assertEqual(margin._check_library(FakeLib(10203, b"1.2.3"), "fake"), "1.2.3")

    def test_struct_size_mismatch_refused(self):
        with self.assertRaises(ImportError) as cm:
            margin._check_library(FakeLib(greeks=88), "fake.so")
        msg = str(cm.exception)
        self.assertIn("mgn_greeks", msg)
        self.assertIn("88", msg)
        self.assertIn("80", msg)
        # the same through a wrong expected size on the binding's side, real library
        with self.assertRaises(ImportError) as cm:
            margin._check_library(margin._funcs, "lib",
                                  mirrors={"mgn_sizeof_greeks": ("mgn_greeks", 72)})
        self.assertIn("sizeof(mgn_greeks)", str(cm.exception))

    def test_major_mismatch_refused(self):
        with self.assertRaises(ImportError) as cm:
            margin._check_library(FakeLib(20000, b"2.0.0"), "fake.so")
        self.assertIn("2.0.0", str(cm.exception))
        self.assertIn("major version 1", str(cm.exception))
        with self.assertRaises(ImportError):
            margin._check_library(margin._funcs, "lib", expected_major=2)

    def test_inconsistent_version_refused(self):
        with self.assertRaises(ImportError) as cm:
            margin._check_library(FakeLib(10000, b"1.1.0"), "fake.so")
        self.assertIn("inconsistent", str(cm.exception))
        with self.assertRaises(ImportError):
            margin._check_library(FakeLib(10000, b"garbage"), "fake.so")

    def test_missing_required_symbol_refused(self):
        fake = FakeLib()
        del fake["mgn_sizeof_greeks"]
        with self.assertRaises(ImportError) as cm:
            margin._check_library(fake, "fake.so")
        self.assertIn("mgn_sizeof_greeks", str(cm.exception))

    def test_other_struct_sizes_checked_when_exported(self):
        fake = FakeLib()
        fake["mgn_sizeof_position"] = lambda: 64
        with self.assertRaises(ImportError) as cm:
            margin._check_library(fake, "fake.so")
        self.assertIn("sizeof(mgn_position)", str(cm.exception))
        fake["mgn_sizeof_position"] = lambda: ctypes.sizeof(margin._CPosition)
        margin._check_library(fake, "fake.so")

    def test_mirror_sizes(self):
        # the C layouts (plain doubles and ints, no padding surprises on LP64/ILP32)
        sizes = {"_CGreeks": 80, "_CMarket": 24, "_CPosition": 72, "_CShock": 16,
                 "_CSpanParams": 56, "_CSpanPair": 32, "_CSpanResult": 48}
        for name, size in sizes.items():
            self.assertEqual(ctypes.sizeof(getattr(margin, name)), size, name)
        for size_fn, (c_name, mirror, _) in margin._MIRRORS.items():
            if size_fn in margin._funcs:
                self.assertEqual(margin._funcs[size_fn](), ctypes.sizeof(mirror), c_name)

    def test_functions_of_unverified_structs_are_disabled(self):
        funcs = {"mgn_sizeof_greeks": None, "mgn_span_margin": None, "mgn_var_es": None,
                 "mgn_sizeof_market": None, "mgn_sizeof_position": None,
                 "mgn_sizeof_span_pair": None, "mgn_sizeof_span_result": None}
        self.assertEqual(margin._unchecked(funcs), {"mgn_span_margin": ["mgn_sizeof_span_params"]})
        funcs["mgn_scenario_pnl"] = None
        self.assertEqual(sorted(margin._unchecked(funcs)), ["mgn_scenario_pnl", "mgn_span_margin"])
        self.assertEqual(margin._unchecked(funcs)["mgn_scenario_pnl"], ["mgn_sizeof_shock"])
        for name in margin.library_info()["disabled"]:
            with self.assertRaises(NotImplementedError) as cm:
                margin._fn(name)
            self.assertIn("disabled", str(cm.exception))

    def test_missing_optional_symbol_is_not_implemented(self):
        with self.assertRaises(NotImplementedError) as cm:
            margin._fn("mgn_no_such_function")
        self.assertIn("mgn_no_such_function", str(cm.exception))

    def _import_in_subprocess(self, library):
        env = dict(os.environ, MARGIN_LIBRARY=library)
        code = "import sys; sys.path.insert(0, %r); import margin" % os.path.join(
            REPO, "examples", "python")
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, timeout=60)

    def test_import_with_missing_library_is_import_error(self):
        proc = self._import_in_subprocess("/nonexistent/libmargin.so")
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("ImportError", proc.stderr)
        self.assertIn("/nonexistent/libmargin.so", proc.stderr)

    def test_import_with_wrong_library_is_import_error(self):
        import ctypes.util
        libm = ctypes.util.find_library("m") or "libm.so.6"   # a bare soname: dlopen finds it
        proc = self._import_in_subprocess(libm)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("ImportError", proc.stderr)
        self.assertIn("mgn_version", proc.stderr)


# ---------------------------------------------------------------- errors and types

class TestErrors(unittest.TestCase):
    def test_hierarchy(self):
        for status, cls in ((1, margin.InvalidArgumentError), (2, margin.NoSolutionError),
                            (3, margin.NoConvergenceError), (4, margin.OutOfMemoryError),
                            (5, margin.RangeError)):
            err = margin._error(status, "mgn_x")
            self.assertIsInstance(err, cls)
            self.assertIsInstance(err, margin.MarginError)
            self.assertEqual(err.status, status)
            self.assertEqual(err.message, margin.strerror(status))
            self.assertIn(margin.strerror(status), str(err))
            self.assertIn("mgn_x", str(err))
        self.assertIsInstance(margin._error(1), ValueError)
        self.assertIsInstance(margin._error(4), MemoryError)
        self.assertIs(type(margin._error(99)), margin.MarginError)

    def test_pickle(self):
        err = margin._error(margin.MGN_ENOSOL, "mgn_implied_vol", "detail")
        back = pickle.loads(pickle.dumps(err))
        self.assertIs(type(back), margin.NoSolutionError)
        self.assertEqual((back.status, back.function, back.detail, back.message),
                         (err.status, err.function, err.detail, err.message))
        g = margin.bs_greeks("c", 100, 100, 1, 0.05, 0, 0.2)
        self.assertEqual(pickle.loads(pickle.dumps(g)), g)
        # module functions pickle by reference (what Dask / multiprocessing need)
        self.assertIs(pickle.loads(pickle.dumps(margin.bs_price)), margin.bs_price)

    def test_option_types(self):
        p_call = margin.bs_price(margin.MGN_CALL, 100, 95, 0.5, 0.02, 0.01, 0.3)
        p_put = margin.bs_price(margin.MGN_PUT, 100, 95, 0.5, 0.02, 0.01, 0.3)
        self.assertNotEqual(p_call, p_put)
        for t in ("call", "CALL", "Call", "c", "C", 0, b"call", " call "):
            self.assertEqual(margin.bs_price(t, 100, 95, 0.5, 0.02, 0.01, 0.3), p_call, t)
        for t in ("put", "PUT", "p", "P", 1, margin.MGN_PUT):
            self.assertEqual(margin.bs_price(t, 100, 95, 0.5, 0.02, 0.01, 0.3), p_put, t)
        self.assertEqual((margin.MGN_CALL, margin.MGN_PUT), (0, 1))

    def test_bad_option_types(self):
        for t in ("cal", "", "straddle", 2, -1, 0.5, NAN, None, 2 ** 40):
            with self.assertRaises(margin.InvalidArgumentError, msg=repr(t)) as cm:
                margin.bs_price(t, 100, 95, 0.5, 0.02, 0.01, 0.3)
            self.assertEqual(cm.exception.status, margin.MGN_EINVAL)

    def test_non_numbers_are_type_errors(self):
        with self.assertRaises(TypeError):
            margin.bs_price("c", "100", 95, 0.5, 0.02, 0.01, 0.3)
        with self.assertRaises(TypeError):
            margin.bs_price("c", [100, 101], 95, 0.5, 0.02, 0.01, 0.3)

    def _assert_einval(self, fn, args):
        with self.assertRaises(margin.MarginError) as cm:
            fn(*args)
        self.assertEqual(cm.exception.status, margin.MGN_EINVAL, (fn.__name__, args))
        self.assertIsInstance(cm.exception, margin.InvalidArgumentError)
        self.assertEqual(cm.exception.message, margin.strerror(margin.MGN_EINVAL))

    def test_bad_inputs_every_scalar_function(self):
        # (function, valid arguments after the type, indices of S/F, K, T, sigma-like)
        cases = [
            (margin.bs_price, [100, 100, 1, 0.05, 0.01, 0.2], 6),
            (margin.bs_greeks, [100, 100, 1, 0.05, 0.01, 0.2], 6),
            (margin.inverse_price, [100, 100, 1, 0.05, 0.01, 0.2], 6),
            (margin.inverse_greeks, [100, 100, 1, 0.05, 0.01, 0.2], 6),
            (margin.american_price, [100, 100, 1, 0.05, 0.01, 0.2], 6),
            (margin.black76_price, [100, 100, 1, 0.05, 0.2], 5),
            (margin.black76_greeks, [100, 100, 1, 0.05, 0.2], 5),
            (margin.implied_vol, [100, 100, 1, 0.05, 0.01, 8.0], 6),
            (margin.black76_implied_vol, [100, 100, 1, 0.05, 8.0], 5),
        ]
        for fn, args, nargs in cases:
            self.assertEqual(len(args), nargs)
            fn("call", *args)           # the valid arguments succeed
            self._assert_einval(fn, ["cal"] + args)
            self._assert_einval(fn, [7] + args)
            for i in range(nargs):
                for bad in (NAN, INF, -INF):
                    a = list(args)
                    a[i] = bad
                    self._assert_einval(fn, ["call"] + a)
            for i in (0, 1):            # S or F, K: negative and zero
                for bad in (-1.0, 0.0):
                    a = list(args)
                    a[i] = bad
                    self._assert_einval(fn, ["put"] + a)
            a = list(args)
            a[2] = -0.5                 # T < 0
            self._assert_einval(fn, ["call"] + a)
            a = list(args)
            a[-1] = -0.1                # sigma < 0, or a negative price
            self._assert_einval(fn, ["call"] + a)

    def test_scalar_failure_leaves_nothing_half_done(self):
        # a failure raises; a success right after is unaffected
        with self.assertRaises(margin.InvalidArgumentError):
            margin.bs_greeks("c", NAN, 100, 1, 0.05, 0, 0.2)
        g = margin.bs_greeks("c", 100, 100, 1, 0.05, 0, 0.2)
        self.assertTrue(all(math.isfinite(x) for x in g))


# ---------------------------------------------------------------- European pricing

class TestEuropean(unittest.TestCase):
    def test_hull_example(self):
        # Hull, Options, Futures and Other Derivatives, Example 15.6 (S=42, K=40, T=0.5,
        # r=10%, sigma=20%): c = 4.76, p = 0.81
        c = margin.bs_price("call", 42, 40, 0.5, 0.10, 0.0, 0.2)
        p = margin.bs_price("put", 42, 40, 0.5, 0.10, 0.0, 0.2)
        self.assertEqual(round(c, 2), 4.76)
        self.assertEqual(round(p, 2), 0.81)
        self.assertLess(abs(c - 4.7594223929), 1e-9)
        self.assertLess(abs(p - 0.8085993729), 1e-9)

    def test_against_reference_formula(self):
        for t, S, K, T, r, q, v in GRID:
            got = margin.bs_price(t, S, K, T, r, q, v)
            want = ref_bs(t == "call", S, K, T, r, q, v)
            self.assertLess(abs(got - want), 1e-12 * max(S, K), (t, S, K, T, r, q, v))

    def test_put_call_parity(self):
        for _, S, K, T, r, q, v in GRID:
            c = margin.bs_price("c", S, K, T, r, q, v)
            p = margin.bs_price("p", S, K, T, r, q, v)
            self.assertAlmostEqual(c - p, S * math.exp(-q * T) - K * math.exp(-r * T),
                                   delta=1e-12 * max(S, K))

    def test_edge_cases(self):
        self.assertEqual(margin.bs_price("c", 110, 100, 0, 0.05, 0, 0.3), 10.0)
        self.assertEqual(margin.bs_price("p", 110, 100, 0, 0.05, 0, 0.3), 0.0)
        g = margin.bs_greeks("c", 100, 100, 0, 0.05, 0, 0.3)
        self.assertEqual((g.price, g.delta, g.gamma, g.vega), (0.0, 0.5, 0.0, 0.0))
        g = margin.bs_greeks("p", 100, 100, 0, 0.05, 0, 0.3)
        self.assertEqual(g.delta, -0.5)
        # sigma == 0: discounted forward intrinsic
        S, K, T, r, q = 100, 90, 2, 0.05, 0.01
        want = S * math.exp(-q * T) - K * math.exp(-r * T)
        self.assertAlmostEqual(margin.bs_price("c", S, K, T, r, q, 0), want, delta=1e-12 * S)
        g = margin.bs_greeks("c", S, K, T, r, q, 0)
        self.assertAlmostEqual(g.delta, math.exp(-q * T), delta=1e-15)
        self.assertEqual((g.gamma, g.vega, g.vanna, g.volga), (0.0, 0.0, 0.0, 0.0))
        # sigma == 0 at F == K: price fine, Greeks MGN_ERANGE
        F_eq_K = 100 * math.exp((0.05 - 0.01) * 1.0)
        self.assertGreaterEqual(margin.bs_price("c", 100, F_eq_K, 1.0, 0.05, 0.01, 0), 0.0)
        with self.assertRaises(margin.RangeError) as cm:
            margin.bs_greeks("c", 100, 100, 1.0, 0.03, 0.03, 0)
        self.assertEqual(cm.exception.status, margin.MGN_ERANGE)

    def _fd_check(self, g, f, S, T, r, q, v, dividend=True):
        """Greeks g against central differences of the price function f."""
        hS, hv, hT, hr = 1e-4 * S, 1e-4, 1e-5, 1e-5

        def V(dS=0.0, dv=0.0, dT=0.0, dr=0.0, dq=0.0):
            return f(S + dS, T + dT, r + dr, q + dq, v + dv)

        fd = {
            "price": V(),
            "delta": (V(dS=hS) - V(dS=-hS)) / (2 * hS),
            "gamma": (V(dS=hS) - 2 * V() + V(dS=-hS)) / hS ** 2,
            "vega": (V(dv=hv) - V(dv=-hv)) / (2 * hv),
            "theta": -(V(dT=hT) - V(dT=-hT)) / (2 * hT),
            "rho": (V(dr=hr) - V(dr=-hr)) / (2 * hr),
            "dividend_rho": (V(dq=hr) - V(dq=-hr)) / (2 * hr) if dividend else 0.0,
            "vanna": (V(dS=hS, dv=hv) - V(dS=hS, dv=-hv) - V(dS=-hS, dv=hv)
                      + V(dS=-hS, dv=-hv)) / (4 * hS * hv),
            "volga": (V(dv=hv) - 2 * V() + V(dv=-hv)) / hv ** 2,
            "charm": -(V(dS=hS, dT=hT) - V(dS=hS, dT=-hT) - V(dS=-hS, dT=hT)
                       + V(dS=-hS, dT=-hT)) / (4 * hS * hT),
        }
        scale = {"price": 1, "delta": 1, "gamma": 1 / S, "vega": S, "theta": S, "rho": S,
                 "dividend_rho": S, "vanna": 1, "volga": S, "charm": 1}
        for name in margin.GREEK_FIELDS:
            got = getattr(g, name)
            tol = 2e-5 * scale[name] * max(1.0, abs(fd[name]) / scale[name])
            self.assertAlmostEqual(got, fd[name], delta=tol,
                                   msg="%s: %r vs fd %r" % (name, got, fd[name]))

    def test_bs_greeks_vs_finite_differences(self):
        for t in ("call", "put"):
            for S, K, T, r, q, v in ((100, 100, 1, 0.05, 0.02, 0.25), (90, 110, 0.4, 0.01, 0.0, 0.5),
                                     (120, 100, 2.5, -0.005, 0.03, 0.8)):
                g = margin.bs_greeks(t, S, K, T, r, q, v)
                self._fd_check(g, lambda S_, T_, r_, q_, v_: margin.bs_price(t, S_, K, T_, r_, q_, v_),
                               S, T, r, q, v)

    def test_black76(self):
        for t in ("call", "put"):
            F, K, T, r, v = 105.0, 100.0, 0.75, 0.04, 0.35
            p = margin.black76_price(t, F, K, T, r, v)
            s = v * math.sqrt(T)
            d1 = math.log(F / K) / s + s / 2
            d2 = d1 - s
            want = math.exp(-r * T) * ((F * N(d1) - K * N(d2)) if t == "call"
                                       else (K * N(-d2) - F * N(-d1)))
            self.assertAlmostEqual(p, want, delta=1e-12 * F)
            # Black-76 is BSM with S = F and q = r
            self.assertAlmostEqual(p, margin.bs_price(t, F, K, T, r, r, v), delta=1e-12 * F)
            g = margin.black76_greeks(t, F, K, T, r, v)
            self.assertEqual(g.dividend_rho, 0.0)
            self.assertAlmostEqual(g.rho, -T * g.price, delta=1e-12 * F)
            self.assertAlmostEqual(g.price, p, delta=1e-12 * F)
            # theta and charm with F held fixed; rho via the discount factor only
            self._fd_check(g, lambda F_, T_, r_, q_, v_: margin.black76_price(t, F_, K, T_, r_, v_),
                           F, T, r, 0.0, v, dividend=False)

    def test_inverse(self):
        for t in ("call", "put"):
            S, K, T, r, q, v = 60000.0, 65000.0, 0.25, 0.0, 0.0, 0.6
            coin = margin.inverse_price(t, S, K, T, r, q, v)
            self.assertAlmostEqual(coin, margin.bs_price(t, S, K, T, r, q, v) / S, delta=1e-15)
            g = margin.inverse_greeks(t, S, K, T, r, q, v)
            b = margin.bs_greeks(t, S, K, T, r, q, v)
            self.assertAlmostEqual(g.price, coin, delta=1e-15)
            self.assertAlmostEqual(g.delta, b.delta / S - b.price / S ** 2, delta=1e-13)
            self.assertAlmostEqual(g.gamma, b.gamma / S - 2 * b.delta / S ** 2
                                   + 2 * b.price / S ** 3, delta=1e-15)
            for name in ("vega", "theta", "rho", "dividend_rho", "volga"):
                self.assertAlmostEqual(getattr(g, name), getattr(b, name) / S,
                                       delta=1e-12 * max(1.0, abs(getattr(b, name) / S)))
            self._fd_check(g, lambda S_, T_, r_, q_, v_: margin.inverse_price(t, S_, K, T_, r_, q_, v_),
                           S, T, r, q, v)


# ---------------------------------------------------------------- implied vol, American

def informative(vega, sigma, price):
    """Whether a price pins its vol down to 1e-12: a relative change of 1e-16 in the
    price moves sigma by 1e-16 * price / (vega * sigma) relative."""
    return vega * sigma > 1e-3 * price


class TestImpliedVol(unittest.TestCase):
    # Where the price carries the information, sigma to 1e-12 relative; elsewhere
    # (deep in the money, tiny time value) any sigma that reprices within a few ulps.
    def test_round_trip(self):
        worst, n_informative = 0.0, 0
        for t, S, K, T, r, q, v in GRID:
            g = margin.bs_greeks(t, S, K, T, r, q, v)
            iv = margin.implied_vol(t, S, K, T, r, q, g.price)
            if informative(g.vega, v, g.price):
                n_informative += 1
                worst = max(worst, rel_err(iv, v))
            else:
                self.assertLess(rel_err(margin.bs_price(t, S, K, T, r, q, iv), g.price), 1e-14)
        self.assertGreater(n_informative, len(GRID) * 3 // 4)
        self.assertLess(worst, 1e-12)

    def test_black76_round_trip(self):
        for t in ("c", "p"):
            for K in (70.0, 100.0, 140.0):
                for v in (0.05, 0.3, 1.5):
                    g = margin.black76_greeks(t, 100.0, K, 1.5, 0.03, v)
                    iv = margin.black76_implied_vol(t, 100.0, K, 1.5, 0.03, g.price)
                    if informative(g.vega, v, g.price):
                        self.assertLess(rel_err(iv, v), 1e-12, (t, K, v))
                    else:
                        self.assertLess(rel_err(margin.black76_price(t, 100.0, K, 1.5, 0.03, iv),
                                                g.price), 1e-14, (t, K, v))

    def test_hull_price_gives_hull_vol(self):
        c = margin.bs_price("c", 42, 40, 0.5, 0.10, 0.0, 0.2)
        self.assertLess(rel_err(margin.implied_vol("c", 42, 40, 0.5, 0.10, 0.0, c), 0.2), 1e-12)

    def test_bounds(self):
        S, K, T, r, q = 100.0, 90.0, 1.0, 0.05, 0.01
        lower = S * math.exp(-q * T) - K * math.exp(-r * T)
        self.assertEqual(margin.implied_vol("c", S, K, T, r, q, lower), 0.0)
        with self.assertRaises(margin.NoSolutionError) as cm:
            margin.implied_vol("c", S, K, T, r, q, lower * 0.99)     # below intrinsic
        self.assertEqual(cm.exception.status, margin.MGN_ENOSOL)
        self.assertEqual(cm.exception.message, margin.strerror(margin.MGN_ENOSOL))
        with self.assertRaises(margin.NoSolutionError):
            margin.implied_vol("c", S, K, T, r, q, S * math.exp(-q * T))   # at the upper bound
        with self.assertRaises(margin.NoSolutionError):
            margin.implied_vol("p", S, K, T, r, q, K * math.exp(-r * T) * 1.01)
        with self.assertRaises(margin.NoSolutionError):
            margin.black76_implied_vol("c", 100, 100, 1, 0.05, 100.0)
        with self.assertRaises(margin.InvalidArgumentError):
            margin.implied_vol("c", S, K, 0.0, r, q, 12.0)          # T == 0
        with self.assertRaises(margin.InvalidArgumentError):
            margin.implied_vol("c", S, K, T, r, q, -1.0)


class TestAmerican(unittest.TestCase):
    # CRR binomial trees (average of n and n+1 steps, n = 5000..20000, extrapolated in
    # 1/n), computed independently of the library.
    REFERENCE = [(("put", 36, 40, 1, 0.06, 0.0, 0.2), 4.486676),
                 (("put", 100, 100, 1, 0.05, 0.0, 0.25), 7.974483),
                 (("call", 100, 100, 1, 0.03, 0.07, 0.3), 10.040503)]

    def test_reference_values(self):
        for args, want in self.REFERENCE:
            self.assertLess(rel_err(margin.american_price(*args), want), 1e-5, args)

    def test_no_early_exercise_call_is_european(self):
        args = ("call", 100, 95, 1.5, 0.05, 0.0, 0.3)
        self.assertAlmostEqual(margin.american_price(*args), margin.bs_price(*args),
                               delta=1e-12 * 100)

    def test_at_least_european(self):
        for t, S, K, T, r, q, v in GRID[::7]:
            self.assertGreaterEqual(margin.american_price(t, S, K, T, r, q, v),
                                    margin.bs_price(t, S, K, T, r, q, v) - 1e-12 * max(S, K))


# ---------------------------------------------------------------- batch: list path

BATCH_TYPES = ["c", "p", "call", 1, "put", 0]
BATCH_K = [80.0, 95.0, 100.0, 105.0, 120.0, 150.0]


class TestBatchLists(unittest.TestCase):
    """Plain Python lists in and out (numpy hidden from the binding, or absent)."""

    def setUp(self):
        self.mode = list_mode()
        self.mode.__enter__()

    def tearDown(self):
        self.mode.__exit__()

    def test_price_batch_matches_scalar(self):
        out = margin.bs_price_batch(BATCH_TYPES, 100.0, BATCH_K, 0.5, 0.03, 0.01, 0.4)
        self.assertIsInstance(out, list)
        for t, K, p in zip(BATCH_TYPES, BATCH_K, out):
            self.assertLess(rel_err(p, margin.bs_price(t, 100.0, K, 0.5, 0.03, 0.01, 0.4)), 1e-12)

    def test_nan_slots_and_status(self):
        K = [100.0, NAN, 100.0, -5.0, 100.0]
        types = ["c", "c", "bogus", "p", "p"]
        out = margin.bs_price_batch(types, 100.0, K, 1.0, 0.0, 0.0, 0.2)
        self.assertEqual([math.isnan(x) for x in out], [False, True, True, True, False])
        out, status = margin.bs_price_batch(types, 100.0, K, 1.0, 0.0, 0.0, 0.2,
                                            return_status=True)
        self.assertEqual(status, margin.MGN_EINVAL)
        with self.assertRaises(margin.InvalidArgumentError) as cm:
            margin.bs_price_batch(types, 100.0, K, 1.0, 0.0, 0.0, 0.2, strict=True)
        self.assertEqual(cm.exception.status, margin.MGN_EINVAL)
        self.assertIn("3 of the batch elements failed", str(cm.exception))
        self.assertTrue(math.isnan(cm.exception.result[1]))
        ok, status = margin.bs_price_batch("c", 100.0, [90, 110], 1.0, 0.0, 0.0, 0.2,
                                           strict=True, return_status=True)
        self.assertEqual(status, margin.MGN_OK)

    def test_greeks_batch(self):
        g = margin.bs_greeks_batch(BATCH_TYPES, 100.0, BATCH_K, 0.5, 0.03, 0.01, 0.4)
        self.assertIsInstance(g, margin.Greeks)
        self.assertIsInstance(g.delta, list)
        for i, (t, K) in enumerate(zip(BATCH_TYPES, BATCH_K)):
            s = margin.bs_greeks(t, 100.0, K, 0.5, 0.03, 0.01, 0.4)
            for f in margin.GREEK_FIELDS:
                self.assertAlmostEqual(getattr(g, f)[i], getattr(s, f),
                                       delta=1e-9 * max(1.0, abs(getattr(s, f))))
        g, status = margin.bs_greeks_batch(["c", "c"], 100.0, [100.0, 100.0], 1.0, 0.03,
                                           0.03, [0.2, 0.0], return_status=True)
        self.assertEqual(status, margin.MGN_ERANGE)
        self.assertTrue(all(math.isnan(getattr(g, f)[1]) for f in margin.GREEK_FIELDS))
        self.assertFalse(any(math.isnan(getattr(g, f)[0]) for f in margin.GREEK_FIELDS))

    def test_black76_batches(self):
        p = margin.black76_price_batch(BATCH_TYPES, 100.0, BATCH_K, 0.5, 0.03, 0.4)
        g = margin.black76_greeks_batch(BATCH_TYPES, 100.0, BATCH_K, 0.5, 0.03, 0.4)
        for i, (t, K) in enumerate(zip(BATCH_TYPES, BATCH_K)):
            want = margin.black76_greeks(t, 100.0, K, 0.5, 0.03, 0.4)
            self.assertLess(rel_err(p[i], want.price), 1e-12)
            self.assertAlmostEqual(g.rho[i], want.rho, delta=1e-9 * max(1, abs(want.rho)))
            self.assertEqual(g.dividend_rho[i], 0.0)

    def test_implied_vol_batch(self):
        S, T, r, q = 100.0, 0.5, 0.03, 0.01
        vols = [0.2, 0.35, 0.5, 0.9, 0.25, 0.3]
        prices = [margin.bs_price(t, S, K, T, r, q, v) for t, K, v in zip(BATCH_TYPES, BATCH_K, vols)]
        types = BATCH_TYPES + ["c", "c", "c"]
        K = BATCH_K + [80.0, 100.0, 100.0]
        lower = S * math.exp(-q * T) - 80.0 * math.exp(-r * T)
        prices += [lower * 0.9, S * 2, NAN]      # below intrinsic, above bound, invalid
        sigma, status = margin.implied_vol_batch(types, S, K, T, r, q, prices)
        self.assertIsInstance(sigma, list)
        self.assertEqual(status, [0] * 6 + [margin.MGN_ENOSOL, margin.MGN_ENOSOL,
                                            margin.MGN_EINVAL])
        for got, want in zip(sigma[:6], vols):
            self.assertLess(rel_err(got, want), 1e-12)
        self.assertTrue(all(math.isnan(x) for x in sigma[6:]))
        sigma, status, overall = margin.implied_vol_batch(types, S, K, T, r, q, prices,
                                                          return_status=True)
        self.assertEqual(overall, margin.MGN_EINVAL)
        plain, overall = margin.implied_vol_batch(types, S, K, T, r, q, prices,
                                                  statuses=False, return_status=True)
        self.assertEqual(overall, margin.MGN_EINVAL)
        self.assertEqual([math.isnan(x) for x in plain], [math.isnan(x) for x in sigma])
        only_nosol = margin.implied_vol_batch("c", S, 80.0, T, r, q, [lower * 0.9, 30.0],
                                              statuses=False, return_status=True)
        self.assertEqual(only_nosol[1], margin.MGN_ENOSOL)
        with self.assertRaises(margin.MarginError) as cm:
            margin.implied_vol_batch(types, S, K, T, r, q, prices, strict=True)
        self.assertIn("3 of the batch elements failed", str(cm.exception))
        self.assertEqual(cm.exception.result[1][6], margin.MGN_ENOSOL)

    def test_broadcasting_and_lengths(self):
        out = margin.bs_price_batch("c", 100.0, 100.0, 1.0, 0.05, 0.0, 0.2)
        self.assertEqual(len(out), 1)
        out = margin.bs_price_batch(["p"], [100.0], BATCH_K, 1.0, 0.05, 0.0, (0.2,))
        self.assertEqual(len(out), len(BATCH_K))
        self.assertEqual(margin.bs_price_batch("c", [], 100, 1, 0, 0, 0.2), [])
        with self.assertRaises(ValueError):
            margin.bs_price_batch("c", [100.0, 101.0], [1.0, 2.0, 3.0], 1, 0, 0, 0.2)
        with self.assertRaises(TypeError):
            margin.bs_price_batch("c", [[100.0, 101.0]], 100.0, 1, 0, 0, 0.2)


# ---------------------------------------------------------------- batch: numpy path

@needs_numpy
class TestBatchNumpy(unittest.TestCase):
    def test_price_batch_shapes_and_values(self):
        K = np.linspace(60.0, 160.0, 11)
        T = np.array([[0.1], [1.0], [4.0]])
        out = margin.bs_price_batch("put", 100.0, K, T, 0.02, 0.01, 0.3)
        self.assertIsInstance(out, np.ndarray)
        self.assertEqual(out.shape, (3, 11))
        self.assertEqual(out.dtype, np.float64)
        for i in range(3):
            for j in range(11):
                want = ref_bs(False, 100.0, K[j], T[i, 0], 0.02, 0.01, 0.3)
                self.assertLess(abs(out[i, j] - want), 1e-12 * 160)
        zero_d = margin.bs_price_batch("c", 100.0, 100.0, 1.0, 0.05, 0.0, 0.2)
        self.assertEqual(zero_d.shape, ())

    def test_large_batch_matches_scalar(self):
        rng = np.random.default_rng(7)
        n = 1000       # several chunks of the C kernels
        types = rng.integers(0, 2, n)
        S = rng.uniform(50, 150, n)
        K = rng.uniform(50, 150, n)
        T = rng.uniform(0.01, 3, n)
        v = rng.uniform(0.05, 1.0, n)
        out = margin.bs_price_batch(types, S, K, T, 0.03, 0.0, v)
        want = np.array([margin.bs_price(int(t), s, k, tt, 0.03, 0.0, vv)
                         for t, s, k, tt, vv in zip(types, S, K, T, v)])
        np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-12 * 150)
        # the list path gives the same numbers
        with list_mode():
            lst = margin.bs_price_batch(types.tolist(), S.tolist(), K.tolist(), T.tolist(),
                                        0.03, 0.0, v.tolist())
        np.testing.assert_array_equal(np.array(lst), out)

    def test_non_contiguous_and_foreign_dtypes(self):
        base = np.linspace(50.0, 150.0, 40)
        K_strided = base[::2]                                   # non-contiguous view
        S_fortran = np.asfortranarray(np.full((4, 5), 100.0))   # Fortran order
        v_bigend = np.full(20, 0.3, dtype=">f8")                # byte-swapped
        T_int = np.ones(20, dtype=np.int64)                     # integers
        types = np.array([0, 1] * 10, dtype=np.int8)
        out = margin.bs_price_batch(types, S_fortran.ravel(order="F"), K_strided, T_int,
                                    0.01, 0.0, v_bigend)
        for i in range(20):
            want = margin.bs_price(int(types[i]), 100.0, K_strided[i], 1.0, 0.01, 0.0, 0.3)
            self.assertLess(rel_err(out[i], want), 1e-12)
        g = margin.bs_greeks_batch("c", S_fortran, 100.0, 1.0, 0.01, 0.0, 0.3)
        self.assertEqual(g.delta.shape, (4, 5))
        self.assertTrue(g.delta.flags["C_CONTIGUOUS"])
        # inputs untouched
        self.assertEqual(K_strided[0], 50.0)

    def test_type_arrays(self):
        K = np.array([90.0, 100.0, 110.0, 120.0])
        a = margin.bs_price_batch(np.array(["c", "put", "CALL", "p"]), 100.0, K, 1, 0.02, 0, 0.2)
        b = margin.bs_price_batch(np.array([0, 1, 0, 1], dtype=np.uint16), 100.0, K, 1, 0.02, 0, 0.2)
        c = margin.bs_price_batch([margin.MGN_CALL, "p", 0, 1], 100.0, K, 1, 0.02, 0, 0.2)
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
        bad, st = margin.bs_price_batch(np.array(["c", "x", 2, 0.5], dtype=object), 100.0, K,
                                        1, 0.02, 0, 0.2, return_status=True)
        self.assertEqual(np.isnan(bad).tolist(), [False, True, True, True])
        self.assertEqual(st, margin.MGN_EINVAL)
        bad = margin.bs_price_batch(np.array([0.0, 1.0, 0.5, np.nan]), 100.0, K, 1, 0.02, 0, 0.2)
        self.assertEqual(np.isnan(bad).tolist(), [False, False, True, True])

    def test_nan_slots_and_strict(self):
        S = np.array([100.0, np.nan, np.inf, -1.0, 0.0, 100.0])
        out, status = margin.bs_price_batch("c", S, 100.0, 1.0, 0.05, 0.0, 0.2,
                                            return_status=True)
        self.assertEqual(np.isnan(out).tolist(), [False, True, True, True, True, False])
        self.assertEqual(status, margin.MGN_EINVAL)
        with self.assertRaises(margin.InvalidArgumentError) as cm:
            margin.bs_price_batch("c", S, 100.0, 1.0, 0.05, 0.0, 0.2, strict=True)
        self.assertIn("4 of the batch elements failed", str(cm.exception))
        np.testing.assert_array_equal(cm.exception.result, out)
        g = margin.bs_greeks_batch("c", S, 100.0, 1.0, 0.05, 0.0, 0.2)
        for f in margin.GREEK_FIELDS:
            self.assertEqual(np.isnan(getattr(g, f)).tolist(), np.isnan(out).tolist(), f)
        with self.assertRaises(margin.InvalidArgumentError):
            margin.bs_greeks_batch("c", S, 100.0, 1.0, 0.05, 0.0, 0.2, strict=True)
        with self.assertRaises(ValueError):   # shapes that do not broadcast
            margin.bs_price_batch("c", np.ones(3), np.ones(4), 1, 0, 0, 0.2)

    def test_empty(self):
        out = margin.bs_price_batch("c", np.empty(0), 100, 1, 0, 0, 0.2)
        self.assertEqual(out.shape, (0,))
        g = margin.bs_greeks_batch("c", np.empty(0), 100, 1, 0, 0, 0.2)
        self.assertEqual(g.gamma.shape, (0,))
        sigma, st = margin.implied_vol_batch("c", np.empty(0), 100, 1, 0, 0, 5.0)
        self.assertEqual((sigma.shape, st.shape), ((0,), (0,)))

    def test_greeks_batch_matches_scalar(self):
        K = np.array([[80.0, 100.0, 125.0], [90.0, 110.0, 140.0]])
        types = np.array([["c", "p", "c"], ["p", "c", "p"]])
        for batch, scalar, extra in ((margin.bs_greeks_batch, margin.bs_greeks, (0.01,)),
                                     (margin.black76_greeks_batch, margin.black76_greeks, ())):
            g = batch(types, 100.0, K, 0.7, 0.04, *extra, 0.45)
            self.assertIsInstance(g, margin.Greeks)
            for i in range(2):
                for j in range(3):
                    s = scalar(str(types[i, j]), 100.0, K[i, j], 0.7, 0.04, *extra, 0.45)
                    for f in margin.GREEK_FIELDS:
                        self.assertAlmostEqual(getattr(g, f)[i, j], getattr(s, f),
                                               delta=1e-9 * max(1.0, abs(getattr(s, f))))
        p = margin.black76_price_batch(types, 100.0, K, 0.7, 0.04, 0.45)
        np.testing.assert_allclose(p, margin.black76_greeks_batch(types, 100.0, K, 0.7, 0.04,
                                                                  0.45).price, rtol=1e-12)

    def test_implied_vol_batch(self):
        K = np.linspace(40.0, 250.0, 43)
        T = np.array([[1 / 365], [0.25], [2.0], [20.0]])
        vols = 0.3 + 0.4 * (np.log(K / 100.0)) ** 2 + 0 * T
        types = np.where(K < 100.0, "p", "c")
        prices = margin.bs_price_batch(types, 100.0, K, T, 0.03, 0.01, vols)
        sigma, status = margin.implied_vol_batch(types, 100.0, K, T, 0.03, 0.01, prices)
        self.assertEqual(sigma.shape, (4, 43))
        self.assertEqual(status.dtype, np.int32)
        # where the price carries the information, full precision; elsewhere a reprice
        vega = margin.bs_greeks_batch(types, 100.0, K, T, 0.03, 0.01, vols).vega
        info = informative(vega, vols, prices)
        self.assertTrue(info.sum() > 100)
        self.assertTrue((status == 0).all())
        err = np.abs(sigma - vols) / vols
        self.assertLess(err[info].max(), 1e-12)
        repriced = margin.bs_price_batch(types, 100.0, K, T, 0.03, 0.01, sigma)
        self.assertLess((np.abs(repriced - prices) / prices)[~info].max(initial=0.0), 1e-14)
        # statuses per quote
        q_prices = np.array([prices[1, 20], 0.5, 1e6, -1.0, np.nan])
        q_types = np.array(["c", "c", "c", "c", "c"])
        q_K = np.array([K[20], 50.0, 100.0, 100.0, 100.0])
        sigma, status = margin.implied_vol_batch(q_types, 100.0, q_K, 0.25, 0.03, 0.01, q_prices)
        self.assertEqual(status.tolist(), [0, margin.MGN_ENOSOL, margin.MGN_ENOSOL,
                                           margin.MGN_EINVAL, margin.MGN_EINVAL])
        self.assertEqual(np.isnan(sigma).tolist(), [False, True, True, True, True])
        plain = margin.implied_vol_batch(q_types, 100.0, q_K, 0.25, 0.03, 0.01, q_prices,
                                         statuses=False)
        np.testing.assert_array_equal(plain, sigma)
        with self.assertRaises(margin.MarginError) as cm:
            margin.implied_vol_batch(q_types, 100.0, q_K, 0.25, 0.03, 0.01, q_prices, strict=True)
        self.assertEqual(cm.exception.status, margin.MGN_EINVAL)


# ---------------------------------------------------------------- portfolio API

SPAN_SCENARIOS = ([(0.0, +1), (0.0, -1)]
                  + [(sgn * k / 3.0, dv) for k in (1, 2, 3) for sgn in (1, -1) for dv in (1, -1)])


class TestPortfolio(unittest.TestCase):
    def test_var_es_equal_weights(self):
        losses = [float(i) for i in range(1, 251)]
        pnl = [-x for x in reversed(losses)]
        var, es = margin.var_es(pnl, confidence=0.99)      # k = ceil(2.5) = 3
        self.assertEqual(var, 248.0)
        self.assertAlmostEqual(es, (250 + 249 + 0.5 * 248) / 2.5, delta=1e-12 * 250)
        # N = 100 and 1000 at 99%: k = 1 and 10 exactly (1 - 0.99 > 0.01 in binary)
        var, es = margin.var_es([-float(i) for i in range(100)], None, 0.99)
        self.assertEqual((var, es), (99.0, 99.0))
        var, es = margin.var_es([-float(i) for i in range(1000)], None, 0.99)
        self.assertEqual(var, 990.0)
        self.assertAlmostEqual(es, sum(range(990, 1000)) / 10.0, delta=1e-9)
        var, es = margin.var_es([5.0, 6.0, 7.0], None, 0.5)   # only gains: negative
        self.assertLess(var, 0)
        self.assertGreaterEqual(es, var)

    def test_var_es_weights_and_lists(self):
        pnl, w = [-10.0, -5.0, 0.0, 5.0], [1.0, 1.0, 3.0, 5.0]
        var, es = margin.var_es(pnl, w, 0.8)          # a = 0.2 reached at k = 2
        self.assertEqual(var, 5.0)
        self.assertAlmostEqual(es, (0.1 * 10 + 0.1 * 5) / 0.2, delta=1e-12)
        with list_mode():
            self.assertEqual(margin.var_es(pnl, w, 0.8), (var, es))
        if np is not None:
            self.assertEqual(margin.var_es(np.array(pnl)[::-1].copy()[::-1], np.array(w), 0.8),
                             (var, es))

    def test_var_es_bad_inputs(self):
        for c in (0.0, 1.0, -0.5, 1.5, NAN):
            with self.assertRaises(margin.InvalidArgumentError, msg=c):
                margin.var_es([1.0, -2.0], None, c)
        with self.assertRaises(margin.InvalidArgumentError):
            margin.var_es([1.0, NAN], None, 0.99)
        with self.assertRaises(margin.InvalidArgumentError):
            margin.var_es([1.0, -2.0], [1.0, -1.0], 0.99)
        with self.assertRaises(margin.InvalidArgumentError):
            margin.var_es([1.0, -2.0], [1.0], 0.99)

    def test_scenario_pnl_linear_and_inverse(self):
        S, r, q = 60000.0, 0.03, 0.01
        mkts = [margin.Market(S, r, q)]
        shocks = [(0.1, 0.0), margin.Shock(-0.2, 0.05), {"price": 0.0, "vol": 0.0}]
        perp = margin.Position(instrument="perpetual", quantity=2.0, multiplier=1.0,
                               entry_price=55000.0)
        got = margin.scenario_pnl(mkts, [perp], shocks)
        self.assertEqual(len(got), 3)
        for g, want in zip(got, [2 * 0.1 * S, -2 * 0.2 * S, 0.0]):
            self.assertAlmostEqual(g, want, delta=1e-9 * S)
        # a linear dated future over dt: F' - F
        fut = margin.Position(instrument=margin.MGN_FUTURE, quantity=-1.0, multiplier=0.5,
                              expiry=0.5, entry_price=61000.0)
        dt = 7 / 365
        got = margin.scenario_pnl(mkts, [fut], [[(0.05, 0.0)]], dt=dt)
        want = -0.5 * (S * 1.05 * math.exp((r - q) * (0.5 - dt)) - S * math.exp((r - q) * 0.5))
        self.assertAlmostEqual(got[0], want, delta=1e-9 * S)
        # inverse perpetual: coin P&L q*m*(1/S - 1/S'), in quote at the scenario price
        inv = margin.Position(instrument="perpetual", settlement="inverse", quantity=10.0,
                              multiplier=100.0, entry_price=50000.0)
        coin = margin.scenario_pnl(mkts, [inv], [(0.1, 0.0), (-0.1, 0.0)], currency=0)
        quote = margin.scenario_pnl(mkts, [inv], [(0.1, 0.0), (-0.1, 0.0)])
        for c, qt, m in zip(coin, quote, (1.1, 0.9)):
            self.assertAlmostEqual(c, 1000.0 * (1 / S - 1 / (S * m)), delta=1e-15)
            self.assertAlmostEqual(qt, c * S * m, delta=1e-9)

    def test_scenario_pnl_options(self):
        S, r, q = 60000.0, 0.03, 0.01
        mkts = [margin.Market(S, r, q), margin.Market(3000.0, 0.03, 0.0)]
        dt = 1 / 365
        call = margin.Position(instrument="option", underlying=0, option_type="call",
                               quantity=-3.0, multiplier=0.1, strike=65000.0, expiry=0.25,
                               vol=0.6)
        put = margin.Position(instrument="option", underlying=1, option_type="p",
                              exercise="american", quantity=4.0, multiplier=1.0,
                              strike=2800.0, expiry=0.5, vol=0.7)
        shocks = [[(0.05, 0.1), (-0.1, -0.05)], [(-0.3, 0.2), (0.2, -0.9)]]
        got = margin.scenario_pnl(mkts, [call, put], shocks, dt=dt)
        for row, g in zip(shocks, got):
            (dp0, dv0), (dp1, dv1) = row
            want = -3.0 * 0.1 * (margin.bs_price("c", S * (1 + dp0), 65000, 0.25 - dt, r, q, 0.6 + dv0)
                                 - margin.bs_price("c", S, 65000, 0.25, r, q, 0.6))
            want += 4.0 * (margin.american_price("p", 3000 * (1 + dp1), 2800, 0.5 - dt, 0.03, 0.0,
                                                 max(0.7 + dv1, margin.MGN_VOL_FLOOR))
                           - margin.american_price("p", 3000, 2800, 0.5, 0.03, 0.0, 0.7))
            self.assertAlmostEqual(g, want, delta=1e-8 * S)
        if np is not None:
            arr = margin.scenario_pnl(mkts, [call, put], np.array(shocks), dt=dt)
            np.testing.assert_array_equal(arr, got)

    def test_scenario_pnl_bad_inputs(self):
        pos = [margin.Position(instrument="perpetual", quantity=1.0, entry_price=100.0)]
        with self.assertRaises(margin.InvalidArgumentError):
            margin.scenario_pnl([margin.Market(NAN)], pos, [(0.1, 0.0)])
        margin.scenario_pnl([margin.Market(100.0)], pos, [(0.1, 0.0)])     # valid
        with self.assertRaises(margin.InvalidArgumentError):
            margin.scenario_pnl([margin.Market(100.0)], [pos[0]._replace(underlying=3)],
                                [(0.1, 0.0)])
        with self.assertRaises(margin.InvalidArgumentError):
            margin.scenario_pnl([margin.Market(100.0)], [pos[0]._replace(entry_price=NAN)],
                                [(0.1, 0.0)])
        with self.assertRaises(margin.InvalidArgumentError):
            margin.scenario_pnl([margin.Market(100.0)],
                                [margin.Position(instrument="swaption")], [(0.1, 0.0)])
        with self.assertRaises(margin.InvalidArgumentError):
            margin.scenario_pnl([margin.Market(100.0), margin.Market(10.0)], pos,
                                [(0.1, 0.0), (0.1, 0.0), (0.2, 0.0)])
        with self.assertRaises(margin.InvalidArgumentError):
            margin.scenario_pnl([margin.Market(100.0)], pos, [(0.1, 0.0)], dt=-1.0)

    def test_span_future_scan(self):
        mkts = [margin.Market(100.0)]
        prm = margin.SpanParams(price_scan=0.1, vol_scan=0.05)
        fut = margin.Position(instrument="future", quantity=1.0, multiplier=1.0, expiry=0.5,
                              entry_price=100.0)
        res = margin.span_margin(mkts, prm, [fut])
        self.assertIsInstance(res, margin.SpanResult)
        self.assertAlmostEqual(res.scan_risk, 10.0, delta=1e-9)   # -3/3 beats 0.35 * -2
        self.assertAlmostEqual(res.requirement, 10.0, delta=1e-9)
        self.assertEqual((res.intra_charge, res.inter_credit, res.short_option_min,
                          res.net_option_value), (0.0, 0.0, 0.0, 0.0))

    def test_span_options_match_scenarios(self):
        S, r, q = 60000.0, 0.02, 0.0
        mkts = [margin.Market(S, r, q)]
        prm = margin.SpanParams(price_scan=0.15, vol_scan=0.1, lookahead=1 / 365,
                                som_rate=0.01)
        pos = [margin.Position(option_type="call", quantity=-2.0, multiplier=1.0,
                               strike=70000.0, expiry=0.1, vol=0.55),
               margin.Position(option_type="put", quantity=-1.0, multiplier=1.0,
                               strike=50000.0, expiry=0.1, vol=0.65),
               margin.Position(option_type="put", quantity=1.0, multiplier=1.0,
                               strike=45000.0, expiry=0.1, vol=0.7)]
        res = margin.span_margin(mkts, [prm], pos)
        # the 16 scenarios through scenario_pnl, weighted as in MARGIN-MODEL.md section 4
        shocks = [(k * 0.15, dv * 0.1) for k, dv in SPAN_SCENARIOS]
        shocks += [(2 * 0.15, 0.0), (-2 * 0.15, 0.0)]
        pnl = margin.scenario_pnl(mkts, pos, shocks, dt=1 / 365)
        weights = [1.0] * 14 + [0.35, 0.35]
        scan = max(0.0, max(-w * p for w, p in zip(weights, pnl)))
        self.assertAlmostEqual(res.scan_risk, scan, delta=1e-9 * S)
        som = 0.01 * S * max(2.0, 1.0)
        self.assertAlmostEqual(res.short_option_min, som, delta=1e-9 * S)
        self.assertAlmostEqual(res.requirement, max(scan, som), delta=1e-9 * S)
        nov = (-2 * margin.bs_price("c", S, 70000, 0.1, r, q, 0.55)
               - margin.bs_price("p", S, 50000, 0.1, r, q, 0.65)
               + margin.bs_price("p", S, 45000, 0.1, r, q, 0.7))
        self.assertAlmostEqual(res.net_option_value, nov, delta=1e-9 * S)

    def test_span_intra_and_inter(self):
        prm = margin.SpanParams(price_scan=0.1, vol_scan=0.05, intra_rate=0.01)
        cal = [margin.Position(instrument="future", quantity=1.0, expiry=0.25, entry_price=99.0),
               margin.Position(instrument="future", quantity=-1.0, expiry=0.5, entry_price=99.0)]
        res = margin.span_margin([margin.Market(100.0, 0.05, 0.05)], prm, cal)
        self.assertAlmostEqual(res.scan_risk, 0.0, delta=1e-9)
        self.assertAlmostEqual(res.intra_charge, 0.01 * 100.0 * 1.0, delta=1e-12)
        self.assertAlmostEqual(res.requirement, 1.0, delta=1e-9)
        mkts = [margin.Market(100.0), margin.Market(50.0)]
        pos = [margin.Position(instrument="perpetual", underlying=0, quantity=1.0,
                               entry_price=100.0),
               margin.Position(instrument="perpetual", underlying=1, quantity=-2.0,
                               entry_price=50.0)]
        pair = margin.SpanPair(0, 1, 1.0, 2.0, 0.5)
        prm = margin.SpanParams(price_scan=0.1, vol_scan=0.05)
        res = margin.span_margin(mkts, prm, pos, [pair])
        self.assertAlmostEqual(res.scan_risk, 20.0, delta=1e-9)
        self.assertAlmostEqual(res.inter_credit, 10.0, delta=1e-9)
        self.assertAlmostEqual(res.requirement, 10.0, delta=1e-9)
        no_pair = margin.span_margin(mkts, prm, pos)
        self.assertAlmostEqual(no_pair.requirement, 20.0, delta=1e-9)

    def test_span_bad_inputs(self):
        pos = [margin.Position(instrument="perpetual", quantity=1.0, entry_price=100.0)]
        margin.span_margin([margin.Market(100.0)], margin.SpanParams(0.1, 0.05), pos)  # valid
        with self.assertRaises(margin.InvalidArgumentError):
            margin.span_margin([margin.Market(100.0)], margin.SpanParams(-0.1, 0.05), pos)
        with self.assertRaises(margin.InvalidArgumentError):
            margin.span_margin([margin.Market(100.0)], margin.SpanParams(0.1, NAN), pos)
        with self.assertRaises(margin.InvalidArgumentError):
            margin.span_margin([margin.Market(100.0)], [], pos)
        with self.assertRaises(margin.InvalidArgumentError):
            margin.span_margin([margin.Market(100.0)], margin.SpanParams(0.1, 0.05), pos,
                               [margin.SpanPair(0, 5, 1.0, 1.0, 0.5)])

    def test_records_pickle(self):
        for rec in (margin.Market(1.0), margin.Position(quantity=2.0), margin.Shock(0.1),
                    margin.SpanParams(0.1, 0.05), margin.SpanPair(0, 1, 1.0, 2.0, 0.5)):
            self.assertEqual(pickle.loads(pickle.dumps(rec)), rec)


class TestStandardMargin(unittest.TestCase):
    S = 100.0

    def mk(self):
        return [margin.Market(self.S, 0.0, 0.0)]

    def test_presets(self):
        d = margin.std_preset()
        self.assertIsInstance(d, margin.StdParams)
        self.assertEqual((d.im_base, d.im_floor, d.mm_base), (0.15, 0.10, 0.075))
        self.assertEqual(d.strategies, 0)
        self.assertEqual(d.tiers, (margin.StdTier(0.0, 0.02, 0.01, 0.0),))
        for preset in range(7):
            p = margin.std_preset(preset)
            self.assertGreaterEqual(len(p.tiers), 1, preset)
            self.assertEqual(p.tiers[0].floor, 0.0, preset)
            self.assertEqual(pickle.loads(pickle.dumps(p)), p)
        self.assertEqual(len(margin.std_preset(margin.MGN_STD_PRESET_BINANCE_BTCUSDT).tiers), 10)
        with self.assertRaises(margin.InvalidArgumentError):
            margin.std_preset(99)

    def test_short_call_and_futures(self):
        d = margin.std_preset()
        call = margin.Position(option_type="call", quantity=-2.0, multiplier=1.0,
                               strike=110.0, expiry=0.5, vol=0.5)
        V = margin.bs_price("c", self.S, 110.0, 0.5, 0.0, 0.0, 0.5)
        im, mm = margin.std_position_margin(self.mk(), d, call)
        self.assertAlmostEqual(im, 2 * (V + max(0.0, 15.0 - 10.0, 10.0)), delta=1e-12 * self.S)
        self.assertAlmostEqual(mm, 2 * (V + 7.5), delta=1e-12 * self.S)
        long_call = call._replace(quantity=2.0)
        self.assertEqual(margin.std_position_margin(self.mk(), d, long_call), (0.0, 0.0))
        perp = margin.Position(instrument="perpetual", quantity=3.0, multiplier=1.0,
                               entry_price=90.0)
        im, mm = margin.std_position_margin(self.mk(), d, perp)
        self.assertAlmostEqual(im, 0.02 * 300.0, delta=1e-12)
        self.assertAlmostEqual(mm, 0.01 * 300.0, delta=1e-12)
        inv = margin.Position(instrument="perpetual", settlement="inverse", quantity=10.0,
                              multiplier=100.0, entry_price=90.0)
        im_q, mm_q = margin.std_position_margin(self.mk(), d, inv)
        im_c, mm_c = margin.std_position_margin(self.mk(), d, inv, currency=0)
        self.assertAlmostEqual(im_q, 0.02 * 1000.0, delta=1e-12)
        self.assertAlmostEqual(im_c * self.S, im_q, delta=1e-12)
        self.assertAlmostEqual(mm_c * self.S, mm_q, delta=1e-12)

    def test_account_sum_and_covered_call(self):
        d = margin.std_preset()
        call = margin.Position(option_type="call", quantity=-1.0, multiplier=1.0,
                               strike=110.0, expiry=0.5, vol=0.5)
        perp = margin.Position(instrument="perpetual", quantity=1.0, multiplier=1.0,
                               entry_price=100.0)
        naked = [margin.std_position_margin(self.mk(), d, p) for p in (call, perp)]
        im, mm = margin.std_margin(self.mk(), d, [call, perp])
        self.assertAlmostEqual(im, naked[0][0] + naked[1][0], delta=1e-12 * self.S)
        self.assertAlmostEqual(mm, naked[0][1] + naked[1][1], delta=1e-12 * self.S)
        res = margin.std_margin(self.mk(), [d], [call, perp], details=True)
        self.assertIsInstance(res, margin.StdMargin)
        self.assertEqual(res.pos_strategy, [margin.MGN_STD_NAKED] * 2)
        self.assertEqual(res.pos_partner, [-1, -1])
        self.assertAlmostEqual(sum(res.pos_im), res.im, delta=1e-12 * self.S)
        covered = d._replace(strategies=margin.MGN_STD_PAIR_ALL)
        res = margin.std_margin(self.mk(), covered, [call, perp], details=True)
        self.assertAlmostEqual(res.im, naked[1][0], delta=1e-12 * self.S)   # option: 0
        self.assertEqual(res.pos_strategy[0], margin.MGN_STD_COVERED)
        self.assertEqual(res.pos_partner[0], 1)
        self.assertEqual(margin.std_margin(self.mk(), d, []), (0.0, 0.0))

    def test_workspace_and_bad_inputs(self):
        self.assertEqual(margin.std_workspace_size(0), 0)
        self.assertGreater(margin.std_workspace_size(10), 0)
        with self.assertRaises(margin.InvalidArgumentError):
            margin.std_workspace_size(-1)
        d = margin.std_preset()
        perp = margin.Position(instrument="perpetual", quantity=1.0, multiplier=1.0,
                               entry_price=100.0)
        with self.assertRaises(margin.InvalidArgumentError):
            margin.std_position_margin(self.mk(), d, perp._replace(reserved=1))
        with self.assertRaises(margin.InvalidArgumentError):
            margin.std_position_margin(self.mk(), d._replace(im_base=NAN), perp)
        with self.assertRaises(margin.InvalidArgumentError):
            margin.std_position_margin(self.mk(), d, perp, currency=3)
        with self.assertRaises(margin.InvalidArgumentError):
            margin.std_margin(self.mk(), [d, d], [perp])      # n_params neither 1 nor n_mkt
        with self.assertRaises(margin.InvalidArgumentError):
            margin.std_position_margin(self.mk(), d, perp._replace(instrument="bond"))


class TestConcurrency(unittest.TestCase):
    def test_worker_processes_load_the_library_themselves(self):
        # what a Dask or multiprocessing worker does: unpickle a reference to a module
        # function, import the module (loading the library there) and call it
        import multiprocessing
        args = ("c", 42.0, 40.0, 0.5, 0.10, 0.0, 0.2)
        ctx = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
            got = list(pool.map(margin.bs_price, *zip(args, args)))
            greeks = pool.submit(margin.bs_greeks, *args).result()
        self.assertEqual(got, [margin.bs_price(*args)] * 2)
        self.assertEqual(greeks, margin.bs_greeks(*args))


class TestThreads(unittest.TestCase):
    def test_concurrent_calls_agree(self):
        args = [("c" if i % 2 else "p", 100.0, 60.0 + i, 0.5 + i / 100, 0.02, 0.0, 0.3)
                for i in range(200)]
        serial = [margin.bs_greeks(*a) for a in args]
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            parallel = list(pool.map(lambda a: margin.bs_greeks(*a), args))
        self.assertEqual(serial, parallel)


if __name__ == "__main__":
    unittest.main()
