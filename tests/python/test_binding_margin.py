"""Tests of the portfolio, SPAN-detail, portfolio-margin and VaR/ES wrappers of the
ctypes binding examples/python/margin.py (stdlib unittest).

    MARGIN_LIBRARY=$PWD/lib/libmargin.so python3 -m unittest discover -s tests/python

Values are checked against numbers computed here independently: the textbook BSM of
test_binding.ref_bs for portfolio values, hand-sorted samples for VaR/ES and their
Euler allocation (MARGIN-MODEL.md section 6: N = 250, c = 0.99 gives
ES = (L1 + L2 + 0.5 L3) / 2.5), the CME scenario order for SPAN, binomial tails for
the traffic light, direct recursions for EWMA and the dynamic margin, exact normal
moments for the delta-gamma cumulants, closed forms of the lognormal tail for Monte
Carlo. Every wrapper is also called with bad input and must raise MarginError with
the right status and mgn_strerror's text. numpy-only paths are skipped (not failed)
without numpy; the list paths run under both interpreters (with numpy, by hiding it
from the binding).
"""

import ctypes
import math
import os
import pickle
import statistics
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples", "python"))

import margin  # noqa: E402
from test_binding import FakeLib, list_mode, ref_bs  # noqa: E402

try:
    import numpy as np
except ImportError:
    np = None

NAN, INF = float("nan"), float("inf")
needs_numpy = unittest.skipUnless(np is not None, "numpy is not installed")
Z99 = statistics.NormalDist().inv_cdf(0.99)


def phi(x):
    return math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def tolist(x):
    """A list (of lists) from a numpy array or a list."""
    return x.tolist() if hasattr(x, "tolist") else [tolist(v) if isinstance(v, (list, tuple))
                                                   else v for v in x]


def assert_close(test, got, want, rel=1e-12, abs_=0.0, msg=None):
    test.assertLessEqual(abs(got - want), max(rel * abs(want), abs_),
                         "%s: %r != %r" % (msg, got, want))


class ErrorChecks:
    """Mixin: assert a call raises MarginError with the given status, its subclass,
    the C function name and mgn_strerror's text."""

    def assertStatus(self, status, fn, *args, **kwargs):
        with self.assertRaises(margin.MarginError) as cm:
            fn(*args, **kwargs)
        err = cm.exception
        self.assertEqual(err.status, status, str(err))
        self.assertIsInstance(err, margin._ERRORS[status])
        self.assertEqual(err.message, margin.strerror(status))
        self.assertIn(margin.strerror(status), str(err))
        return err


# ---------------------------------------------------------------- a sample book

S0, S1 = 60000.0, 3000.0
R0, Q0 = 0.03, 0.01
MKTS = [margin.Market(S0, R0, Q0), margin.Market(S1, 0.02, 0.0)]


def book():
    """Options (linear, inverse, American), a dated future, perpetuals, on two
    underlyings."""
    P = margin.Position
    return [
        P(option_type="call", quantity=-3.0, multiplier=0.1, strike=65000.0, expiry=0.25,
          vol=0.6),
        P(option_type="put", quantity=2.0, multiplier=1.0, strike=55000.0, expiry=0.5,
          vol=0.65),
        P(option_type="call", settlement="inverse", quantity=-5.0, multiplier=1.0,
          strike=62000.0, expiry=0.1, vol=0.55),
        P(instrument="future", quantity=1.5, multiplier=1.0, expiry=0.4, entry_price=59000.0),
        P(instrument="perpetual", quantity=-0.5, multiplier=1.0, entry_price=61000.0),
        P(instrument="perpetual", settlement="inverse", quantity=10.0, multiplier=100.0,
          entry_price=58000.0),
        P(underlying=1, option_type="put", exercise="american", quantity=4.0, multiplier=1.0,
          strike=2800.0, expiry=0.5, vol=0.7),
        P(underlying=1, instrument="future", quantity=4.0, multiplier=1.0, expiry=0.3,
          entry_price=3100.0),
    ]


def ref_value_quote(mkts, p):
    """Independent quote value of one position at today's prices."""
    S, r, q = mkts[p.underlying]
    qm = p.quantity * p.multiplier
    if p.instrument in ("option", 0):
        is_call = p.option_type in ("call", 0)
        if p.exercise in ("american", 1):
            v = margin.american_price(p.option_type, S, p.strike, p.expiry, r, q, p.vol)
        else:
            v = ref_bs(is_call, S, p.strike, p.expiry, r, q, p.vol)
        return qm * v          # inverse: qm * V / S coin, worth qm * V in quote at S
    T = p.expiry if p.instrument in ("future", 1) else 0.0
    F = S * math.exp((r - q) * T)
    if p.settlement in ("inverse", 1):
        return qm * (1 / p.entry_price - 1 / F) * S
    return qm * (F - p.entry_price)


# ---------------------------------------------------------------- portfolio model

class TestPortfolioModel(ErrorChecks, unittest.TestCase):
    def test_portfolio_value_vs_reference(self):
        pos = book()
        want = sum(ref_value_quote(MKTS, p) for p in pos)
        got = margin.portfolio_value(MKTS, pos)
        assert_close(self, got, want, rel=1e-9, abs_=1e-9 * S0)
        for p in pos:
            assert_close(self, margin.portfolio_value(MKTS, [p]), ref_value_quote(MKTS, p),
                         rel=1e-9, abs_=1e-9 * S0, msg=p)
        # in the coin of underlying 0 and 1: quote / S_u
        assert_close(self, margin.portfolio_value(MKTS, pos, currency=0), want / S0, rel=1e-9)
        assert_close(self, margin.portfolio_value(MKTS, pos, currency=1), want / S1, rel=1e-9)
        self.assertEqual(margin.portfolio_value(MKTS, []), 0.0)
        with list_mode():
            self.assertEqual(margin.portfolio_value(MKTS, pos), got)

    def test_position_greeks_vs_bs_greeks(self):
        call = book()[0]
        g = margin.position_greeks(MKTS, call)
        self.assertIsInstance(g, margin.NetGreeks)
        ref = margin.bs_greeks("c", S0, 65000.0, 0.25, R0, Q0, 0.6)
        qm = -0.3
        for f in ("delta", "gamma", "vega", "theta"):
            assert_close(self, getattr(g, f), qm * getattr(ref, f), rel=1e-12, msg=f)
        assert_close(self, g.value, qm * ref_bs(True, S0, 65000.0, 0.25, R0, Q0, 0.6), rel=1e-10)
        # coin terms, as documented in the header
        assert_close(self, g.value_coin, g.value / S0, rel=1e-14)
        assert_close(self, g.delta_coin, (g.delta - g.value_coin) / S0, rel=1e-12)
        assert_close(self, g.gamma_coin, (g.gamma - 2 * g.delta_coin) / S0, rel=1e-12)
        assert_close(self, g.vega_coin, g.vega / S0, rel=1e-14)
        assert_close(self, g.theta_coin, g.theta / S0, rel=1e-14)
        # a linear perpetual: W = q m (S - E), delta q m, the rest 0
        perp = book()[4]
        g = margin.position_greeks(MKTS, perp)
        self.assertEqual((g.delta, g.gamma, g.vega, g.theta), (-0.5, 0.0, 0.0, 0.0))

    def test_delta_vs_finite_difference_of_value(self):
        # independent of the closed forms: central differences of portfolio_value
        pos = [p for p in book() if p.underlying == 0]
        g = margin.portfolio_greeks(MKTS, pos)[0]
        h = 1e-3 * S0

        def value(S):
            return margin.portfolio_value([margin.Market(S, R0, Q0), MKTS[1]], pos)
        fd = (value(S0 + h) - value(S0 - h)) / (2 * h)
        assert_close(self, g.delta, fd, rel=1e-6, abs_=1e-6)
        fd2 = (value(S0 + h) - 2 * value(S0) + value(S0 - h)) / h ** 2
        assert_close(self, g.gamma, fd2, rel=1e-4, abs_=1e-9)
        assert_close(self, g.value, value(S0), rel=1e-12)

    def test_portfolio_greeks_sum_of_positions(self):
        pos = book()
        net = margin.portfolio_greeks(MKTS, pos)
        self.assertEqual(len(net), 2)
        for u in (0, 1):
            parts = [margin.position_greeks(MKTS, p) for p in pos if p.underlying == u]
            for f in margin.NetGreeks._fields:
                want = sum(getattr(x, f) for x in parts)
                assert_close(self, getattr(net[u], f), want, rel=1e-9,
                             abs_=1e-9 * max(abs(getattr(x, f)) for x in parts), msg=(u, f))
        three = MKTS + [margin.Market(100.0)]
        self.assertEqual(margin.portfolio_greeks(three, pos)[2], margin.NetGreeks(*[0.0] * 10))

    def test_scenario_pnl_matrix(self):
        pos = book()
        shocks = [[(0.05, 0.1), (-0.1, -0.05)], [(-0.3, 0.2), (0.2, 0.0)],
                  [(0.0, 0.0), (0.0, 0.0)]]
        mat = margin.scenario_pnl_matrix(MKTS, pos, shocks, dt=1 / 365)
        rows = tolist(mat)
        self.assertEqual((len(rows), len(rows[0])), (3, len(pos)))
        totals = margin.scenario_pnl(MKTS, pos, shocks, dt=1 / 365)
        for row, total in zip(rows, totals):
            assert_close(self, sum(row), total, rel=1e-12, abs_=1e-9)
        for i, p in enumerate(pos):
            col = margin.scenario_pnl(MKTS, [p], shocks, dt=1 / 365)
            for s in range(3):
                assert_close(self, rows[s][i], col[s], rel=1e-12, abs_=1e-12, msg=(s, i))
        # no move, no time: exactly 0
        self.assertEqual(tolist(margin.scenario_pnl_matrix(MKTS, pos, [shocks[2]]))[0],
                         [0.0] * len(pos))
        with list_mode():
            lists = margin.scenario_pnl_matrix(MKTS, pos, shocks, dt=1 / 365)
            self.assertIsInstance(lists, list)
            self.assertEqual(lists, rows)
        # coin of underlying 1
        coin = tolist(margin.scenario_pnl_matrix(MKTS, pos, shocks, dt=1 / 365, currency=1))
        for s, (dp0, dp1) in enumerate(((0.05, -0.1), (-0.3, 0.2), (0.0, 0.0))):
            for i in range(len(pos)):
                assert_close(self, coin[s][i] * S1 * (1 + dp1), rows[s][i], rel=1e-11,
                             abs_=1e-9)

    def test_portfolio_check(self):
        pos = book()
        self.assertIsNone(margin.portfolio_check(MKTS, pos))
        bad = list(pos)
        bad[3] = bad[3]._replace(entry_price=-1.0)
        bad[5] = bad[5]._replace(multiplier=0.0)
        err = self.assertStatus(margin.MGN_EINVAL, margin.portfolio_check, MKTS, bad)
        self.assertEqual(err.first_bad, 3)
        self.assertIn("position 3", str(err))
        for i, change in ((0, {"reserved": 1}), (1, {"vol": NAN}), (2, {"strike": 0.0}),
                          (6, {"underlying": 2}), (7, {"expiry": -1.0}),
                          (0, {"option_type": 7})):
            bad = list(pos)
            bad[i] = bad[i]._replace(**change)
            err = self.assertStatus(margin.MGN_EINVAL, margin.portfolio_check, MKTS, bad)
            self.assertEqual(err.first_bad, i, change)
        # a market is the cause: no position index
        err = self.assertStatus(margin.MGN_EINVAL, margin.portfolio_check,
                                [MKTS[0], margin.Market(-1.0)], pos)
        self.assertIsNone(err.first_bad)

    def test_bad_inputs(self):
        pos = book()
        self.assertStatus(margin.MGN_EINVAL, margin.portfolio_value, MKTS, pos, currency=2)
        self.assertStatus(margin.MGN_EINVAL, margin.portfolio_value,
                          [margin.Market(NAN), MKTS[1]], pos)
        self.assertStatus(margin.MGN_EINVAL, margin.position_greeks, MKTS,
                          pos[0]._replace(underlying=5))
        self.assertStatus(margin.MGN_EINVAL, margin.portfolio_greeks, MKTS,
                          [pos[0]._replace(quantity=INF)])
        self.assertStatus(margin.MGN_EINVAL, margin.scenario_pnl_matrix, MKTS, pos,
                          [[(-1.5, 0.0), (0.0, 0.0)]])
        self.assertStatus(margin.MGN_EINVAL, margin.scenario_pnl_matrix, MKTS, pos,
                          [(0.1, 0.0)] * 3)            # not rows of 2 markets
        self.assertStatus(margin.MGN_EINVAL, margin.scenario_pnl_matrix, MKTS, pos,
                          [[(0.1, 0.0), (0.0, 0.0)]], dt=-1.0)
        # sigma == 0 at F == K: unbounded gamma
        atm = margin.Position(option_type="call", quantity=1.0, strike=S0, expiry=0.5, vol=0.0)
        self.assertStatus(margin.MGN_ERANGE, margin.position_greeks,
                          [margin.Market(S0, 0.0, 0.0)], atm)
        with self.assertRaises(TypeError):
            margin.portfolio_value(MKTS, pos[0])      # a single record is not a sequence


class TestPositionLayouts(unittest.TestCase):
    """The documented input layouts of positions: records, ctypes arrays, numpy."""

    def test_ctypes_array_used_as_is(self):
        pos = book()
        arr = margin._c_array(margin._CPosition, pos, margin.Position, "a position", "t")
        self.assertIs(margin._records(margin._CPosition, arr, margin.Position, "", "t"), arr)
        self.assertEqual(margin.portfolio_value(MKTS, arr), margin.portfolio_value(MKTS, pos))
        dicts = [p._asdict() for p in pos]
        self.assertEqual(margin.portfolio_value(MKTS, dicts), margin.portfolio_value(MKTS, pos))

    @needs_numpy
    def test_numpy_structured_arrays(self):
        pos = book()
        want = margin.portfolio_value(MKTS, pos)
        dt = margin.position_dtype()
        self.assertEqual(dt.itemsize, ctypes.sizeof(margin._CPosition))
        exact = np.zeros(len(pos), dtype=dt)
        arr = margin._c_array(margin._CPosition, pos, margin.Position, "a position", "t")
        ctypes.memmove(exact.ctypes.data, arr, ctypes.sizeof(arr))
        self.assertEqual(margin.portfolio_value(MKTS, exact), want)
        # the exact layout is passed without a copy
        c = margin._records(margin._CPosition, exact, margin.Position, "", "t")
        self.assertEqual(ctypes.addressof(c), exact.ctypes.data)
        # a subset of fields, other dtypes, names in the enumerated fields
        names = ["instrument", "underlying", "option_type", "settlement", "exercise",
                 "quantity", "multiplier", "strike", "expiry", "vol", "entry_price"]
        # (object columns mixing names and codes in the enumerated fields)
        loose = np.array([tuple(getattr(p, n) for n in names) for p in pos],
                         dtype=[("instrument", "O"), ("underlying", "i8"),
                                ("option_type", "O"), ("settlement", "O"),
                                ("exercise", "O"), ("quantity", "f4"),
                                ("multiplier", "f8"), ("strike", "f8"), ("expiry", "f8"),
                                ("vol", "f8"), ("entry_price", "f8")])
        loose["quantity"] = [p.quantity for p in pos]    # exactly representable in f4
        self.assertEqual(margin.portfolio_value(MKTS, loose), want)
        perps = [p for p in pos if p.instrument == "perpetual"]
        named = np.array([("perpetual", "inverse" if p.settlement == "inverse" else "linear",
                           p.quantity, p.multiplier, p.entry_price) for p in perps],
                         dtype=[("instrument", "U9"), ("settlement", "U7"), ("quantity", "f8"),
                                ("multiplier", "f8"), ("entry_price", "f8")])
        self.assertEqual(margin.portfolio_value(MKTS, named), margin.portfolio_value(MKTS, perps))
        mk = np.array([tuple(m) for m in MKTS], dtype=[("spot", "f8"), ("rate", "f8"),
                                                       ("carry", "f8")])
        self.assertEqual(margin.portfolio_value(mk, loose), want)
        # the same layouts in the older wrappers
        shocks = [[(0.05, 0.1), (-0.1, -0.05)]]
        self.assertEqual(tolist(margin.scenario_pnl(mk, loose, shocks)),
                         tolist(margin.scenario_pnl(MKTS, pos, shocks)))
        prm = margin.SpanParams(0.1, 0.05)
        self.assertEqual(margin.span_margin(MKTS, prm, exact), margin.span_margin(MKTS, prm, pos))
        std = margin.std_preset()
        self.assertEqual(margin.std_margin(mk, std, loose), margin.std_margin(MKTS, std, pos))
        # a strided (non-contiguous) view of the exact layout
        both = np.zeros(2 * len(pos), dtype=dt)
        both[::2] = exact
        self.assertEqual(margin.portfolio_value(MKTS, both[::2]), want)
        with self.assertRaises(TypeError):
            margin.portfolio_value(MKTS, np.zeros(2, dtype=[("quantity", "f8"),
                                                            ("colour", "f8")]))
        bad = loose.astype([(n, "f8") if n == "underlying" else (n, loose.dtype[n])
                            for n in loose.dtype.names])
        bad["underlying"][0] = 0.5
        with self.assertRaises(margin.InvalidArgumentError):
            margin.portfolio_value(MKTS, bad)
        with self.assertRaises(margin.InvalidArgumentError):
            margin.portfolio_value(MKTS, np.array([("swaption", 1.0)],
                                                  dtype=[("instrument", "U9"),
                                                         ("quantity", "f8")]))


# ---------------------------------------------------------------- SPAN detail

# CME order: k = 0..13 price j/3 of the range with vol +, - alternating; 14, 15 extreme
SPAN_J = [0, 0, 1, 1, -1, -1, 2, 2, -2, -2, 3, 3, -3, -3]


def ref_span_scenarios(prm):
    out = [(prm.price_scan * j / 3, prm.vol_scan if k % 2 == 0 else -prm.vol_scan, 1.0)
           for k, j in enumerate(SPAN_J)]
    out += [(prm.extreme_mult * prm.price_scan, 0.0, prm.extreme_cover),
            (-prm.extreme_mult * prm.price_scan, 0.0, prm.extreme_cover)]
    return out


class TestSpanDetail(ErrorChecks, unittest.TestCase):
    PRM = [margin.SpanParams(price_scan=0.15, vol_scan=0.1, lookahead=1 / 365, som_rate=0.01,
                             intra_rate=0.002),
           margin.SpanParams(price_scan=0.2, vol_scan=0.12, extreme_mult=3.0,
                             extreme_cover=0.3, som_rate=0.02)]
    PAIRS = [margin.SpanPair(0, 1, 1.0, 20.0, 0.5)]

    def test_span_scenarios_cme_order(self):
        for prm in self.PRM:
            got = margin.span_scenarios(prm)
            self.assertEqual(len(got), margin.MGN_SPAN_SCENARIOS)
            for k, (g, want) in enumerate(zip(got, ref_span_scenarios(prm))):
                self.assertIsInstance(g, margin.SpanScenario)
                for a, b in zip(g, want):
                    assert_close(self, a, b, rel=1e-15, abs_=1e-17, msg=k)
            self.assertEqual(margin.span_scenario(prm, 15), got[15])
        for k in (-1, 16):
            self.assertStatus(margin.MGN_EINVAL, margin.span_scenario, self.PRM[0], k)

    def test_detail_totals_equal_span_margin(self):
        pos = book()
        for pairs in ((), self.PAIRS):
            for currency in (margin.MGN_QUOTE, 0):
                det = margin.span_margin_detail(MKTS, self.PRM, pos, pairs, currency)
                self.assertIsInstance(det, margin.SpanDetail)
                plain = margin.span_margin(MKTS, self.PRM, pos, pairs, currency)
                self.assertEqual(det.result, plain)
                for f in margin.SpanResult._fields:
                    assert_close(self, sum(getattr(u, f) for u in det.per_market),
                                 getattr(plain, f), rel=1e-12, abs_=1e-12, msg=f)
        det = margin.span_margin_detail(MKTS, self.PRM, pos, self.PAIRS)
        self.assertGreater(det.result.inter_credit, 0.0)
        self.assertEqual([u.n_positions for u in det.per_market], [6, 2])

    def test_risk_arrays(self):
        pos = book()
        det = margin.span_margin_detail(MKTS, self.PRM, pos)
        risk = tolist(det.risk)
        self.assertEqual((len(risk), len(risk[0])), (len(pos), 16))
        for u, prm in enumerate(self.PRM):
            under = det.per_market[u]
            self.assertIsInstance(under, margin.SpanUnderlying)
            self.assertEqual(len(under.scenario_loss), 16)
            # scenario_loss = the sum of u's risk arrays; scan = its floored maximum
            for k in range(16):
                assert_close(self, under.scenario_loss[k],
                             sum(risk[i][k] for i, p in enumerate(pos) if p.underlying == u),
                             rel=1e-12, abs_=1e-9, msg=(u, k))
            assert_close(self, under.scan_risk, max(0.0, max(under.scenario_loss)), rel=1e-15)
            self.assertEqual(under.scan_scenario,
                             under.scenario_loss.index(max(under.scenario_loss)))
            # each risk array is -weight * P&L of the position alone, with only u moving
            for i, p in enumerate(pos):
                if p.underlying != u:
                    continue
                shocks = []
                for move, dv, _ in ref_span_scenarios(prm):
                    row = [(0.0, 0.0), (0.0, 0.0)]
                    row[u] = (move, dv)
                    shocks.append(row)
                pnl = margin.scenario_pnl(MKTS, [p], shocks, dt=prm.lookahead)
                for k, (pl, (_, _, w)) in enumerate(zip(pnl, ref_span_scenarios(prm))):
                    assert_close(self, risk[i][k], -w * pl, rel=1e-9, abs_=1e-9, msg=(i, k))
        with list_mode():
            lists = margin.span_margin_detail(MKTS, self.PRM, pos)
            self.assertEqual(lists.risk, risk)
            self.assertEqual(lists.per_market, det.per_market)

    def test_bad_inputs(self):
        pos = book()
        self.assertStatus(margin.MGN_EINVAL, margin.span_margin_detail, MKTS,
                          [self.PRM[0]._replace(price_scan=0.6), self.PRM[1]], pos)
        self.assertStatus(margin.MGN_EINVAL, margin.span_margin_detail, MKTS, self.PRM, pos,
                          [margin.SpanPair(0, 0, 1.0, 1.0, 0.5)])
        self.assertStatus(margin.MGN_EINVAL, margin.span_margin_detail, MKTS, self.PRM, pos,
                          (), 7)
        self.assertStatus(margin.MGN_EINVAL, margin.span_margin_detail, MKTS, self.PRM[:1],
                          pos)

    def test_span_scenario_validates_params(self):
        self.assertStatus(margin.MGN_EINVAL, margin.span_scenario,
                          self.PRM[0]._replace(vol_scan=NAN), 0)


# ---------------------------------------------------------------- portfolio margin

class TestPortfolioMargin(ErrorChecks, unittest.TestCase):
    def test_preset_scenario_counts(self):
        span = margin.pm_preset_span(0.15, 0.1)
        deribit = margin.pm_preset_deribit()
        occ = margin.pm_preset_occ()
        for p in (span, deribit, occ):
            self.assertIsInstance(p, margin.PmParams)
            self.assertEqual(pickle.loads(pickle.dumps(p)), p)
        # 7 price points x 2 vol states + 2 extreme moves
        self.assertEqual(margin.pm_scenario_count(span), 7 * 2 + 2)
        # +-16% in 4 steps: 9 points x 3 vol states + 8 extended moves
        self.assertEqual(margin.pm_scenario_count(deribit), 9 * 3 + 8)
        self.assertEqual(len(deribit.ext_move), 8)
        # +-15% in 5 steps: 11 points, vol unchanged
        self.assertEqual(margin.pm_scenario_count(occ), 11)
        self.assertEqual((occ.short_min_abs, occ.short_min_mode), (0.375, margin.MGN_PM_MIN_FLOOR))
        self.assertEqual(margin.MGN_PM_MAX_SCENARIOS, 403)

    def test_span_preset_is_spans_scenarios(self):
        span = margin.pm_preset_span(0.15, 0.1)
        got = sorted((round(s.price_move, 12), s.vol_state, s.weight)
                     for s in margin.pm_scenarios(span))
        want = sorted((round(m, 12), (dv > 0) - (dv < 0), w)
                      for m, dv, w in ref_span_scenarios(margin.SpanParams(0.15, 0.1)))
        self.assertEqual(got, want)
        # and its grid loss is span_margin's scan risk
        pos = [p for p in book() if p.underlying == 0]
        mk = MKTS[:1]
        pm = margin.pm_margin(mk, span, pos)
        scan = margin.span_margin(mk, margin.SpanParams(0.15, 0.1), pos).scan_risk
        assert_close(self, pm.grid_loss, scan, rel=1e-12)
        assert_close(self, pm.requirement, scan, rel=1e-12)

    def test_regular_grid_order(self):
        p = margin.PmParams(price_range=0.1, price_steps=2, vol_scenarios=3, vol_up=0.1,
                            vol_down=0.05, ext_move=(0.5,), ext_weight=(0.2,), ext_vol=(-1,))
        sc = margin.pm_scenarios(p)
        self.assertEqual(len(sc), 5 * 3 + 1)
        for k, s in enumerate(sc[:15]):
            ip, iv = divmod(k, 3)
            assert_close(self, s.price_move, 0.1 * (ip - 2) / 2, rel=1e-15, abs_=1e-17)
            self.assertEqual((s.vol_state, s.weight), (1 - iv, 1.0))
        self.assertEqual(sc[15], margin.PmScenario(0.5, -1, 0.2))
        self.assertEqual(margin.pm_scenario(p, 15), sc[15])

    def test_future_grid_by_hand(self):
        # long 2 units of a perpetual at S = 100: worst move -10% loses 20
        p = margin.PmParams(price_range=0.1, price_steps=2, vol_scenarios=1)
        perp = margin.Position(instrument="perpetual", quantity=2.0, entry_price=100.0)
        det = margin.pm_margin_detail([margin.Market(100.0)], p, [perp])
        self.assertIsInstance(det, margin.PmDetail)
        assert_close(self, det.result.grid_loss, 20.0, rel=1e-12)
        u = det.per_market[0]
        self.assertIsInstance(u, margin.PmUnderlying)
        self.assertEqual((u.binding_scenario, u.binding_vol, u.n_scenarios, u.n_positions),
                         (0, 0, 5, 1))
        assert_close(self, u.binding_move, -0.1, rel=1e-15)
        assert_close(self, tolist(det.contrib)[0], 20.0, rel=1e-12)
        # Deribit's preset: roll shock of a perpetual = units * S * roll_min (0.01)
        d = margin.pm_margin([margin.Market(100.0)], margin.pm_preset_deribit(), [perp])
        assert_close(self, d.roll_shock, 2.0 * 100.0 * 0.01, rel=1e-12)
        # OCC: short option minimum 0.375 per unit as a floor
        put = margin.Position(option_type="put", quantity=-3.0, multiplier=1.0, strike=20.0,
                              expiry=0.1, vol=0.3)
        o = margin.pm_margin([margin.Market(100.0)], margin.pm_preset_occ(), [put])
        assert_close(self, o.short_option_min, 3 * 0.375, rel=1e-12)
        assert_close(self, o.requirement, max(o.grid_loss, 3 * 0.375), rel=1e-12)

    def test_detail_consistent(self):
        pos = book()
        prm = [margin.pm_preset_deribit(), margin.pm_preset_occ()]
        plain = margin.pm_margin(MKTS, prm, pos)
        det = margin.pm_margin_detail(MKTS, prm, pos)
        self.assertEqual(det.result, plain)
        contrib = tolist(det.contrib)
        self.assertEqual(len(contrib), len(pos))
        for u in (0, 1):
            assert_close(self, sum(c for c, p in zip(contrib, pos) if p.underlying == u),
                         det.per_market[u].grid_loss, rel=1e-12, abs_=1e-9)
        for f in margin.PmResult._fields:
            assert_close(self, sum(getattr(u, f) for u in det.per_market), getattr(plain, f),
                         rel=1e-12, abs_=1e-12, msg=f)
        with list_mode():
            self.assertEqual(margin.pm_margin_detail(MKTS, prm, pos).contrib, contrib)
        # one params for every market, a dict, names in the enumerated fields
        one = margin.pm_margin(MKTS, prm[0], pos)
        self.assertEqual(one, margin.pm_margin(MKTS, prm[0]._asdict(), pos))
        self.assertEqual(margin.pm_margin(MKTS, prm[0]._replace(vol_mode="relative"), pos), one)
        coin = margin.pm_margin(MKTS, prm, pos, currency=1)
        self.assertGreater(coin.requirement, 0)

    def test_bad_inputs(self):
        span = margin.pm_preset_span(0.15, 0.1)
        pos = book()
        self.assertStatus(margin.MGN_EINVAL, margin.pm_preset_span, 0.6, 0.1)
        self.assertStatus(margin.MGN_EINVAL, margin.pm_preset_span, 0.1, NAN)
        self.assertStatus(margin.MGN_EINVAL, margin.pm_scenario_count,
                          span._replace(price_steps=0))
        self.assertStatus(margin.MGN_EINVAL, margin.pm_scenario_count,
                          span._replace(price_steps=margin.MGN_PM_MAX_STEPS + 1))
        self.assertStatus(margin.MGN_EINVAL, margin.pm_scenario_count, span._replace(reserved=1))
        self.assertStatus(margin.MGN_EINVAL, margin.pm_scenario, span, 16)
        self.assertStatus(margin.MGN_EINVAL, margin.pm_scenario, span, -1)
        self.assertStatus(margin.MGN_EINVAL, margin.pm_margin, MKTS,
                          span._replace(ext_move=(-1.5, 0.3)), pos)
        self.assertStatus(margin.MGN_EINVAL, margin.pm_margin, MKTS,
                          span._replace(ext_vol=(2, 0)), pos)
        self.assertStatus(margin.MGN_EINVAL, margin.pm_margin, MKTS, [span], pos)   # 1 of 2
        self.assertStatus(margin.MGN_EINVAL, margin.pm_margin_detail, MKTS,
                          span._replace(vol_mode=5), pos)
        self.assertStatus(margin.MGN_EINVAL, margin.pm_margin, MKTS,
                          span._replace(lookahead=-1.0), pos)
        # the binding's own checks of the extended table
        with self.assertRaises(margin.InvalidArgumentError):
            margin.pm_margin(MKTS, span._replace(ext_weight=(0.35,)), pos)
        with self.assertRaises(margin.InvalidArgumentError):
            margin.pm_margin(MKTS, span._replace(ext_move=(0.1,) * 17, ext_weight=(1.0,) * 17,
                                                 ext_vol=(0,) * 17), pos)
        # the C check of struct_size itself
        c = margin._pm_params_c(span, 1, "t")
        c[0].struct_size = 8
        self.assertEqual(margin._fn("mgn_pm_scenario_count")(c, ctypes.byref(ctypes.c_int())),
                         margin.MGN_EINVAL)


# ---------------------------------------------------------------- VaR and ES

def known_sample(n_pos=3, n=250):
    """A scenario x position matrix whose portfolio losses are a permutation of
    1..n, split unevenly between the positions."""
    order = [(i * 97) % n for i in range(n)]            # 97 is prime to 250
    mat = []
    for s in range(n):
        loss = float(order[s] + 1)
        parts = [loss * 0.5, -loss * 0.25 + (s % 7), loss * 0.75 - (s % 7)][:n_pos]
        parts[-1] += loss - sum(parts)
        mat.append([-x for x in parts])
    return mat


class TestVarEsContrib(ErrorChecks, unittest.TestCase):
    def test_known_sample_by_hand(self):
        mat = known_sample()
        res = margin.var_es_contrib(mat, confidence=0.99)
        self.assertIsInstance(res, margin.VarContrib)
        losses = [-sum(r) for r in mat]
        top = sorted(range(250), key=lambda s: -losses[s])[:3]
        self.assertEqual([round(losses[s]) for s in top], [250, 249, 248])
        # MARGIN-MODEL section 6: VaR = L3, ES = (L1 + L2 + 0.5 L3) / 2.5
        assert_close(self, res.var, 248.0, rel=1e-12)
        assert_close(self, res.es, (250 + 249 + 0.5 * 248) / 2.5, rel=1e-12)
        es_c = tolist(res.es_contrib)
        var_c = tolist(res.var_contrib)
        for p in range(3):
            lp = [-mat[s][p] for s in top]
            assert_close(self, es_c[p], (lp[0] + lp[1] + 0.5 * lp[2]) / 2.5, rel=1e-12,
                         abs_=1e-12, msg=p)
            assert_close(self, var_c[p], lp[2], rel=1e-12, abs_=1e-12, msg=p)
        assert_close(self, sum(es_c), res.es, rel=1e-12)
        assert_close(self, sum(var_c), res.var, rel=1e-12)
        # incremental: total minus the VaR/ES of the book without p (by var_es)
        for p in range(3):
            rest = [sum(v for j, v in enumerate(r) if j != p) for r in mat]
            v, e = margin.var_es(rest, None, 0.99)
            assert_close(self, tolist(res.incr_var)[p], res.var - v, rel=1e-12, abs_=1e-12)
            assert_close(self, tolist(res.incr_es)[p], res.es - e, rel=1e-12, abs_=1e-12)

    def test_weights_lists_and_options(self):
        mat = [[-10.0, 0.0], [-2.0, -3.0], [0.0, 0.0], [5.0, -1.0]]
        w = [1.0, 1.0, 3.0, 5.0]
        res = margin.var_es_contrib(mat, w, 0.8, incremental=False)
        self.assertIsNone(res.incr_var)
        self.assertIsNone(res.incr_es)
        self.assertEqual((res.var, res.es), margin.var_es([sum(r) for r in mat], w, 0.8))
        # a = 0.2: scenario 0 (loss 10, weight 0.1) then scenario 1 (loss 5, 0.1)
        assert_close(self, res.es, (0.1 * 10 + 0.1 * 5) / 0.2, rel=1e-12)
        assert_close(self, tolist(res.es_contrib)[0], (0.1 * 10 + 0.1 * 2) / 0.2, rel=1e-12)
        assert_close(self, tolist(res.es_contrib)[1], (0.1 * 3) / 0.2, rel=1e-12)
        with list_mode():
            lists = margin.var_es_contrib(mat, w, 0.8)
            self.assertIsInstance(lists.es_contrib, list)
            self.assertEqual(lists.es_contrib, tolist(res.es_contrib))
        one = margin.var_es_contrib([-1.0, -2.0, -3.0], confidence=0.5)   # 1-D: one position
        self.assertEqual(len(tolist(one.es_contrib)), 1)
        self.assertGreater(margin.var_es_contrib_work_size(250, 3), 0)

    @needs_numpy
    def test_numpy_matrix(self):
        mat = np.array(known_sample())
        res = margin.var_es_contrib(np.asfortranarray(mat), confidence=0.99)
        self.assertIsInstance(res.es_contrib, np.ndarray)
        self.assertEqual(res, res)      # namedtuple of arrays compares
        ref = margin.var_es_contrib(known_sample(), confidence=0.99)
        np.testing.assert_array_equal(res.es_contrib, ref.es_contrib)

    def test_bad_inputs(self):
        mat = known_sample()
        bad = [list(r) for r in mat]
        bad[7][1] = NAN
        self.assertStatus(margin.MGN_EINVAL, margin.var_es_contrib, bad)
        self.assertStatus(margin.MGN_EINVAL, margin.var_es_contrib, mat, confidence=1.0)
        self.assertStatus(margin.MGN_EINVAL, margin.var_es_contrib, mat, [1.0] * 249)
        self.assertStatus(margin.MGN_EINVAL, margin.var_es_contrib, mat, [-1.0] + [1.0] * 249)
        self.assertStatus(margin.MGN_EINVAL, margin.var_es_contrib, [])
        self.assertStatus(margin.MGN_EINVAL, margin.var_es_contrib_work_size, 0, 3)
        self.assertStatus(margin.MGN_EINVAL, margin.var_es_contrib_work_size, -1, 3)
        with self.assertRaises(ValueError):
            margin.var_es_contrib([[1.0, 2.0], [3.0]])      # ragged


# ---------------------------------------------------------------- historical simulation

def shuffled_returns(n=250):
    """r = (i - 125.5) / 5000 for i = 1..n in a fixed scrambled order."""
    return [((i * 97) % n + 1 - 125.5) / 5000.0 for i in range(n)]


class TestHistorical(ErrorChecks, unittest.TestCase):
    PERP = [margin.Position(instrument="perpetual", quantity=1.0, multiplier=1.0,
                            entry_price=90.0)]
    MK = [margin.Market(100.0)]

    def test_defaults(self):
        p = margin.hs_params()
        self.assertEqual(p, margin.HsParams(0.99, 1, margin.MGN_HORIZON_OVERLAP, 0, 1, 0.99,
                                            0.94, 1 / 365, margin.MGN_QUOTE, 0))
        self.assertEqual(margin.hs_params(confidence=0.975).confidence, 0.975)
        with self.assertRaises(ValueError):
            margin.hs_params(no_such_field=1)

    def test_scenario_count(self):
        self.assertEqual(margin.hs_scenario_count(250), 250)
        self.assertEqual(margin.hs_scenario_count(250, horizon_days=10), 241)
        self.assertEqual(margin.hs_scenario_count(250, {"horizon_days": 10,
                                                        "horizon_method": "sqrt"}), 250)
        self.assertStatus(margin.MGN_EINVAL, margin.hs_scenario_count, 5, horizon_days=10)
        self.assertStatus(margin.MGN_EINVAL, margin.hs_scenario_count, 0)
        self.assertStatus(margin.MGN_EINVAL, margin.hs_scenario_count, 250, horizon_days=0)
        self.assertStatus(margin.MGN_EINVAL, margin.hs_scenario_count, 250, threads=0)

    def test_scenarios_by_hand(self):
        rets = [[0.01, -0.02], [0.03, 0.0], [-0.05, 0.01], [0.02, 0.02]]
        dv = [[0.01, 0.0], [0.0, -0.01], [0.02, 0.0], [0.0, 0.03]]
        shocks, w = margin.hs_scenarios(rets, dv, horizon_days=2)
        shocks = tolist(shocks)
        self.assertEqual(len(shocks), 3)
        for s in range(3):
            for u in range(2):
                price = (1 + rets[s][u]) * (1 + rets[s + 1][u]) - 1
                assert_close(self, shocks[s][u][0], price, rel=1e-14, abs_=1e-17)
                assert_close(self, shocks[s][u][1], dv[s][u] + dv[s + 1][u], rel=1e-14,
                             abs_=1e-17)
        for x in tolist(w):
            assert_close(self, x, 1 / 3, rel=1e-15)
        # sqrt(h) scaling of the log return, and BRW weights (age 1 = newest = last)
        shocks, w = margin.hs_scenarios(rets, None, horizon_days=4, horizon_method="sqrt",
                                        weighting=margin.MGN_HS_BRW, brw_lambda=0.9)
        shocks = tolist(shocks)
        self.assertEqual(len(shocks), 4)
        for s in range(4):
            for u in range(2):
                assert_close(self, shocks[s][u][0], math.expm1(2 * math.log1p(rets[s][u])),
                             rel=1e-14, abs_=1e-17)
                self.assertEqual(shocks[s][u][1], 0.0)
        for s, x in enumerate(tolist(w)):
            age = 4 - s
            assert_close(self, x, 0.9 ** (age - 1) * 0.1 / (1 - 0.9 ** 4), rel=1e-14)
        with list_mode():
            rows, wl = margin.hs_scenarios(rets, None, horizon_days=4, horizon_method="sqrt",
                                           weighting=margin.MGN_HS_BRW, brw_lambda=0.9)
            self.assertIsInstance(rows[0][0], margin.Shock)
            self.assertEqual([[list(sh) for sh in r] for r in rows], shocks)
            self.assertEqual(wl, tolist(w))

    def test_var_of_known_sample(self):
        rets = shuffled_returns()
        res = margin.var_historical(self.MK, self.PERP, rets)
        self.assertIsInstance(res, margin.VarResult)
        # perpetual P&L = 100 r; losses 2.49, 2.47, 2.45, ... (N = 250, c = 0.99)
        L1, L2, L3 = 2.49, 2.47, 2.45
        assert_close(self, res.var, L3, rel=1e-12)
        assert_close(self, res.es, (L1 + L2 + 0.5 * L3) / 2.5, rel=1e-12)
        self.assertEqual((res.var_current, res.es_current), (res.var, res.es))
        self.assertEqual((res.var_stressed, res.es_stressed, res.var_se, res.es_se),
                         (0.0, 0.0, 0.0, 0.0))
        self.assertEqual(res.n_scenarios, 250)
        with list_mode():
            self.assertEqual(margin.var_historical(self.MK, self.PERP, rets), res)
        # a stressed history three times as wide: reported = stressed
        stress = [3 * r for r in rets[:100]]
        st = margin.var_historical(self.MK, self.PERP, rets, stress_returns=stress)
        v, e = margin.var_es([100 * r for r in stress], None, 0.99)
        assert_close(self, st.var_stressed, v, rel=1e-12)
        assert_close(self, st.es_stressed, e, rel=1e-12)
        self.assertEqual((st.var, st.es), (st.var_stressed, st.es_stressed))
        self.assertEqual((st.var_current, st.es_current), (res.var, res.es))
        # a calm stressed period does not lower the figures
        calm = margin.var_historical(self.MK, self.PERP, rets,
                                     stress_returns=[r / 10 for r in rets])
        self.assertEqual((calm.var, calm.es), (res.var, res.es))

    def test_matches_scenarios_revalued(self):
        # var_historical == hs_scenarios -> scenario_pnl -> var_es, options and BRW
        pos = book()
        n = 120
        rets = [[0.03 * math.sin(1.7 * t), 0.04 * math.cos(0.9 * t + 1)] for t in range(n)]
        dv = [[0.01 * math.sin(0.3 * t), -0.01 * math.sin(0.5 * t)] for t in range(n)]
        prm = margin.hs_params(weighting=margin.MGN_HS_BRW | margin.MGN_HS_FILTERED,
                               horizon_days=2, dt=2 / 365, confidence=0.975)
        res = margin.var_historical(MKTS, pos, rets, dv, params=prm)
        shocks, w = margin.hs_scenarios(rets, dv, params=prm)
        pnl = margin.scenario_pnl(MKTS, pos, shocks, dt=2 / 365)
        v, e = margin.var_es(pnl, w, 0.975)
        assert_close(self, res.var, v, rel=1e-9, abs_=1e-9 * S0)
        assert_close(self, res.es, e, rel=1e-9, abs_=1e-9 * S0)
        self.assertEqual(res.n_scenarios, n - 1)
        self.assertEqual(margin.var_historical(MKTS, pos, rets, dv, params=prm, threads=4), res)
        self.assertGreater(margin.var_historical_work_size(n, 0, 2, prm), 0)
        coin = margin.var_historical(MKTS, pos, rets, dv, params=prm, currency=0)
        self.assertGreater(coin.var, 0)

    @needs_numpy
    def test_numpy_inputs(self):
        rets = np.array(shuffled_returns())
        a = margin.var_historical(self.MK, self.PERP, rets)
        b = margin.var_historical(self.MK, self.PERP, rets.reshape(-1, 1)[::-1][::-1])
        self.assertEqual(a, b)
        shocks, w = margin.hs_scenarios(rets.reshape(-1, 1))
        self.assertEqual(shocks.shape, (250, 1, 2))
        self.assertEqual(w.shape, (250,))

    def test_bad_inputs(self):
        rets = shuffled_returns()
        bad = list(rets)
        bad[3] = -1.0
        self.assertStatus(margin.MGN_EINVAL, margin.var_historical, self.MK, self.PERP, bad)
        bad[3] = NAN
        self.assertStatus(margin.MGN_EINVAL, margin.var_historical, self.MK, self.PERP, bad)
        self.assertStatus(margin.MGN_EINVAL, margin.hs_scenarios, bad)
        self.assertStatus(margin.MGN_EINVAL, margin.var_historical, self.MK, self.PERP, rets,
                          confidence=1.5)
        self.assertStatus(margin.MGN_EINVAL, margin.var_historical, self.MK, self.PERP, rets,
                          weighting=4)
        self.assertStatus(margin.MGN_EINVAL, margin.var_historical, self.MK, self.PERP, rets,
                          brw_lambda=1.0)
        self.assertStatus(margin.MGN_EINVAL, margin.var_historical, self.MK, self.PERP, rets,
                          reserved=1)
        self.assertStatus(margin.MGN_EINVAL, margin.var_historical, self.MK, self.PERP, rets,
                          currency=3)
        self.assertStatus(margin.MGN_EINVAL, margin.var_historical, self.MK,
                          [self.PERP[0]._replace(entry_price=0.0)], rets)
        self.assertStatus(margin.MGN_EINVAL, margin.var_historical, MKTS, self.PERP,
                          [[0.01, 0.02, 0.03]])          # 3 columns for 2 markets
        self.assertStatus(margin.MGN_EINVAL, margin.var_historical, self.MK, self.PERP, rets,
                          [0.0] * 10)                    # vol changes of another shape
        self.assertStatus(margin.MGN_EINVAL, margin.var_historical_work_size, 250, 0, 0)
        # a struct_size the library does not know
        c = margin._params_c(margin.HsParams, None, {}, "t")
        c.struct_size += 8
        n = ctypes.c_size_t()
        self.assertEqual(margin._fn("mgn_hs_scenario_count")(250, ctypes.byref(c),
                                                             ctypes.byref(n)),
                         margin.MGN_EINVAL)
        with self.assertRaises(margin.InvalidArgumentError):
            margin.var_historical(self.MK, self.PERP, rets, threads=1.5)
        with self.assertRaises(TypeError):
            margin.var_historical(self.MK, self.PERP, rets, params=[0.99])


# ---------------------------------------------------------------- parametric

def normal_moments_of_quadratic(a, b):
    """Mean, variance, third and fourth central moments of a z + b z^2, z ~ N(0, 1),
    by expanding the polynomial (E z^n = (n-1)!! for even n)."""
    def ez(n):
        return 0.0 if n % 2 else float(math.prod(range(n - 1, 0, -2)))

    def power(poly, k):            # poly: {degree: coefficient}
        out = {0: 1.0}
        for _ in range(k):
            nxt = {}
            for d1, c1 in out.items():
                for d2, c2 in poly.items():
                    nxt[d1 + d2] = nxt.get(d1 + d2, 0.0) + c1 * c2
            out = nxt
        return out

    mean = b
    centred = {1: a, 2: b, 0: -mean}
    return (mean,) + tuple(sum(c * ez(d) for d, c in power(centred, k).items())
                           for k in (2, 3, 4))


class TestParametric(ErrorChecks, unittest.TestCase):
    DELTA = [1200.0, -800.0]
    COV = [[0.0004, 0.00018], [0.00018, 0.0009]]

    def test_delta_normal(self):
        var, es = margin.var_delta_normal(self.DELTA, self.COV, 0.99)
        d, C = self.DELTA, self.COV
        sigma = math.sqrt(sum(d[i] * C[i][j] * d[j] for i in range(2) for j in range(2)))
        assert_close(self, var, Z99 * sigma, rel=1e-12)
        assert_close(self, es, sigma * phi(Z99) / 0.01, rel=1e-12)
        flat = [x for row in self.COV for x in row]
        self.assertEqual(margin.var_delta_normal(self.DELTA, flat, 0.99), (var, es))
        var975, es975 = margin.var_delta_normal(self.DELTA, self.COV, 0.975)
        z = statistics.NormalDist().inv_cdf(0.975)
        assert_close(self, var975, z * sigma, rel=1e-12)
        with list_mode():
            self.assertEqual(margin.var_delta_normal(self.DELTA, self.COV), (var, es))

    def test_delta_gamma_zero_gamma_is_delta_normal(self):
        res = margin.var_delta_gamma(self.DELTA, [[0.0, 0.0], [0.0, 0.0]], self.COV, 0.99)
        self.assertIsInstance(res, margin.DgResult)
        var, es = margin.var_delta_normal(self.DELTA, self.COV, 0.99)
        assert_close(self, res.var, var, rel=1e-12)
        assert_close(self, res.es, es, rel=1e-12)
        self.assertEqual((res.mean, res.skew, res.kurtosis), (0.0, 0.0, 0.0))

    def test_delta_gamma_one_factor_by_moments(self):
        d, g, s2 = 1500.0, -20000.0, 0.0009
        res = margin.var_delta_gamma([d], [[g]], [[s2]], 0.99)
        s = math.sqrt(s2)
        mean, m2, m3, m4 = normal_moments_of_quadratic(d * s, 0.5 * g * s2)
        skew, kurt = m3 / m2 ** 1.5, m4 / m2 ** 2 - 3.0
        assert_close(self, res.mean, mean, rel=1e-12)
        assert_close(self, res.stdev, math.sqrt(m2), rel=1e-12)
        assert_close(self, res.skew, skew, rel=1e-10)
        assert_close(self, res.kurtosis, kurt, rel=1e-10)
        z = -Z99          # quantile of the P&L at a = 0.01
        zcf = (z + (z * z - 1) * skew / 6 + (z ** 3 - 3 * z) * kurt / 24
               - (2 * z ** 3 - 5 * z) * skew ** 2 / 36)
        assert_close(self, res.var, -(mean + math.sqrt(m2) * zcf), rel=1e-10)
        es = -mean + math.sqrt(m2) * phi(z) / 0.01 * (
            1 + z * skew / 6 + (z * z - 1) * kurt / 24 - (2 * z * z - 1) * skew ** 2 / 36)
        assert_close(self, res.es, es, rel=1e-10)
        self.assertLess(res.skew, 0)        # short gamma: left-skewed P&L
        self.assertGreater(margin.var_delta_gamma_work_size(2), 0)

    def test_bad_inputs(self):
        asym = [[0.0004, 0.0002], [0.0001, 0.0009]]
        self.assertStatus(margin.MGN_EINVAL, margin.var_delta_normal, self.DELTA, asym)
        corr_gt_1 = [[0.0004, 0.001], [0.001, 0.0009]]
        self.assertStatus(margin.MGN_EINVAL, margin.var_delta_normal, self.DELTA, corr_gt_1)
        self.assertStatus(margin.MGN_EINVAL, margin.var_delta_normal, [NAN, 1.0], self.COV)
        self.assertStatus(margin.MGN_EINVAL, margin.var_delta_normal, self.DELTA, self.COV, 0.0)
        self.assertStatus(margin.MGN_EINVAL, margin.var_delta_normal, [], [])
        self.assertStatus(margin.MGN_EINVAL, margin.var_delta_normal, self.DELTA,
                          [[0.0004, 0.0], [0.0, 0.0009], [0.0, 0.0]])     # 3x2
        self.assertStatus(margin.MGN_EINVAL, margin.var_delta_gamma, self.DELTA,
                          [[1.0, 2.0], [0.0, 1.0]], self.COV)           # gamma asymmetric
        self.assertStatus(margin.MGN_EINVAL, margin.var_delta_gamma, self.DELTA,
                          [[1.0, 0.0]], self.COV)
        self.assertStatus(margin.MGN_EINVAL, margin.var_delta_gamma, self.DELTA,
                          [[INF, 0.0], [0.0, 1.0]], self.COV)
        self.assertStatus(margin.MGN_EINVAL, margin.var_delta_gamma_work_size, 0)


# ---------------------------------------------------------------- Monte Carlo

class TestMonteCarlo(ErrorChecks, unittest.TestCase):
    MK = [margin.Market(100.0)]
    PERP = [margin.Position(instrument="perpetual", quantity=1.0, multiplier=1.0,
                            entry_price=100.0)]

    def test_defaults(self):
        self.assertEqual(margin.mc_params(),
                         margin.McParams(0.99, 100000, 0, 0.0, 1 / 365, 0, 1, margin.MGN_QUOTE,
                                         20))

    def test_lognormal_tail(self):
        # P&L = 100 expm1(x), x ~ N(0, s^2): VaR and ES in closed form
        s = 0.02
        res = margin.var_montecarlo(self.MK, self.PERP, [[s * s]], n_paths=200000, seed=11)
        self.assertIsInstance(res, margin.VarResult)
        self.assertEqual(res.n_scenarios, 200000)
        var = -100 * math.expm1(-s * Z99)
        es = 100 * (1 - math.exp(s * s / 2) * statistics.NormalDist().cdf(-Z99 - s) / 0.01)
        self.assertGreater(res.var_se, 0)
        self.assertLess(abs(res.var - var), 5 * res.var_se + 1e-3, (res, var))
        self.assertLess(abs(res.es - es), 5 * res.es_se + 1e-3, (res, es))
        self.assertEqual((res.var_stressed, res.es_stressed), (0.0, 0.0))

    def test_determinism_paths_and_threads(self):
        kw = dict(n_paths=20000, seed=5, antithetic=1)
        a, paths = margin.var_montecarlo(self.MK, self.PERP, [[0.0004]], return_paths=True, **kw)
        self.assertEqual(len(paths), 20000)
        self.assertEqual(margin.var_es(paths, None, 0.99), (a.var, a.es))
        paths = tolist(paths)
        for i in range(0, 200, 2):          # antithetic pairs (x, -x)
            x, y = math.log1p(paths[i] / 100), math.log1p(paths[i + 1] / 100)
            assert_close(self, x, -y, rel=1e-12, abs_=1e-15)
        self.assertEqual(margin.var_montecarlo(self.MK, self.PERP, [[0.0004]], threads=4, **kw),
                         a)
        self.assertEqual(margin.var_montecarlo(self.MK, self.PERP, [[0.0004]],
                                               margin.mc_params(**kw)), a)
        other = margin.var_montecarlo(self.MK, self.PERP, [[0.0004]], n_paths=20000, seed=6)
        self.assertNotEqual(other.var, a.var)
        t = margin.var_montecarlo(self.MK, self.PERP, [[0.0004]], n_paths=20000, df=4.0)
        self.assertGreater(t.var, 0)
        with list_mode():
            _, lp = margin.var_montecarlo(self.MK, self.PERP, [[0.0004]], return_paths=True,
                                          **kw)
            self.assertEqual(lp, paths)
        self.assertGreater(margin.var_montecarlo_work_size(2, n_paths=1000), 8000)

    def test_book(self):
        cov = [[0.0009, 0.0005], [0.0005, 0.0016]]
        res = margin.var_montecarlo(MKTS, book(), cov, n_paths=4000, seed=1, currency=1)
        self.assertGreater(res.es, res.var)

    def test_bad_inputs(self):
        self.assertStatus(margin.MGN_EINVAL, margin.var_montecarlo, self.MK, self.PERP,
                          [[0.0004]], n_paths=1001, antithetic=1)
        self.assertStatus(margin.MGN_EINVAL, margin.var_montecarlo, self.MK, self.PERP,
                          [[0.0004]], df=2.0)
        self.assertStatus(margin.MGN_EINVAL, margin.var_montecarlo, self.MK, self.PERP,
                          [[0.0004]], n_paths=0)
        self.assertStatus(margin.MGN_EINVAL, margin.var_montecarlo, MKTS, self.PERP,
                          [[0.0004, 0.0004], [0.0004, 0.0004]])          # singular
        self.assertStatus(margin.MGN_EINVAL, margin.var_montecarlo, MKTS, self.PERP,
                          [[0.0004, 0.0001], [0.0002, 0.0004]])          # asymmetric
        self.assertStatus(margin.MGN_EINVAL, margin.var_montecarlo, self.MK, self.PERP,
                          [[0.0004]], threads=300)
        self.assertStatus(margin.MGN_EINVAL, margin.var_montecarlo, self.MK, self.PERP,
                          [[0.0004, 0.0]])
        with self.assertRaises(margin.InvalidArgumentError):
            margin.var_montecarlo(self.MK, self.PERP, [[0.0004]], n_paths=-5)
        with self.assertRaises(margin.RangeError):
            margin.var_montecarlo(self.MK, self.PERP, [[0.0004]], seed=2 ** 64)
        self.assertStatus(margin.MGN_EINVAL, margin.var_montecarlo_work_size, 0)


# ---------------------------------------------------------------- backtests

def binom_cdf(x, n, p):
    return sum(math.comb(n, k) * p ** k * (1 - p) ** (n - k) for k in range(x + 1))


def xlogy(x, y):
    return 0.0 if x == 0 else x * math.log(y)


class TestBacktest(ErrorChecks, unittest.TestCase):
    def test_zone_boundaries(self):
        zones = {4: margin.MGN_ZONE_GREEN, 5: margin.MGN_ZONE_YELLOW,
                 9: margin.MGN_ZONE_YELLOW, 10: margin.MGN_ZONE_RED}
        for x, zone in zones.items():
            z, cum = margin.backtest_zone(250, x, 0.99)
            self.assertEqual(z, zone, x)
            assert_close(self, cum, binom_cdf(x, 250, 0.01), rel=1e-10, msg=x)
        self.assertEqual(margin.backtest_zone(250, 0)[0], margin.MGN_ZONE_GREEN)
        self.assertEqual(margin.backtest_zone(250, 250)[0], margin.MGN_ZONE_RED)

    def test_backtest_by_formula(self):
        for x in (4, 5, 9, 10):
            exc = [0] * 250
            for i in range(x):
                exc[(i * 53 + 7) % 250] = 1
            exc[100] = exc[101] = 1 if x >= 9 else exc[100]   # a cluster for the 9 and 10
            x = sum(exc)
            res = margin.backtest(exc, 0.99)
            self.assertIsInstance(res, margin.BacktestResult)
            self.assertEqual((res.n_obs, res.n_exceptions), (250, x))
            n = {(a, b): sum(1 for t in range(249) if (exc[t], exc[t + 1]) == (a, b))
                 for a in (0, 1) for b in (0, 1)}
            self.assertEqual((res.n00, res.n01, res.n10, res.n11),
                             (n[0, 0], n[0, 1], n[1, 0], n[1, 1]))
            p, T = 0.01, 250
            lr_pof = -2 * (xlogy(T - x, 1 - p) + xlogy(x, p)
                           - xlogy(T - x, 1 - x / T) - xlogy(x, x / T))
            assert_close(self, res.lr_pof, lr_pof, rel=1e-10, abs_=1e-12)
            assert_close(self, res.p_pof, math.erfc(math.sqrt(lr_pof / 2)), rel=1e-9)
            pi0 = n[0, 1] / (n[0, 0] + n[0, 1])
            pi1 = n[1, 1] / (n[1, 0] + n[1, 1]) if n[1, 0] + n[1, 1] else 0.0
            pi = (n[0, 1] + n[1, 1]) / 249
            lr_ind = -2 * (xlogy(n[0, 0] + n[1, 0], 1 - pi) + xlogy(n[0, 1] + n[1, 1], pi)
                           - xlogy(n[0, 0], 1 - pi0) - xlogy(n[0, 1], pi0)
                           - xlogy(n[1, 0], 1 - pi1) - xlogy(n[1, 1], pi1))
            assert_close(self, res.lr_ind, lr_ind, rel=1e-9, abs_=1e-12)
            assert_close(self, res.lr_cc, lr_pof + lr_ind, rel=1e-9, abs_=1e-12)
            assert_close(self, res.p_cc, math.exp(-(lr_pof + lr_ind) / 2), rel=1e-9)
            zone, cum = margin.backtest_zone(250, x, 0.99)
            self.assertEqual((res.zone, res.cum_prob), (zone, cum))
        with list_mode():
            self.assertEqual(margin.backtest(exc), res)

    def test_exceptions(self):
        pnl = [-2.0, -2.0000001, 5.0, -10.0, 0.0]
        var = [2.0, 2.0, 1.0, 9.0, 0.0]
        self.assertEqual(tolist(margin.backtest_exceptions(pnl, var)), [0, 1, 0, 1, 0])
        with list_mode():
            self.assertEqual(margin.backtest_exceptions(pnl, var), [0, 1, 0, 1, 0])

    @needs_numpy
    def test_numpy(self):
        exc = np.zeros(250, dtype=bool)
        exc[[3, 50, 90, 150, 200]] = True
        self.assertEqual(margin.backtest(exc).n_exceptions, 5)
        self.assertEqual(margin.backtest(exc.astype(np.float64)).zone, margin.MGN_ZONE_YELLOW)
        out = margin.backtest_exceptions(np.array([-3.0, 1.0]), np.array([2.0, 2.0]))
        self.assertEqual(out.dtype, np.int32)

    def test_bad_inputs(self):
        self.assertStatus(margin.MGN_EINVAL, margin.backtest, [0, 1, 2])
        self.assertStatus(margin.MGN_EINVAL, margin.backtest, [0, 1, -1])
        self.assertStatus(margin.MGN_EINVAL, margin.backtest, [])
        self.assertStatus(margin.MGN_EINVAL, margin.backtest, [0, 1], 1.0)
        with self.assertRaises(margin.InvalidArgumentError):
            margin.backtest([0, 0.5])
        self.assertStatus(margin.MGN_EINVAL, margin.backtest_zone, 10, 11)
        self.assertStatus(margin.MGN_EINVAL, margin.backtest_zone, 250, 3, NAN)
        self.assertStatus(margin.MGN_ERANGE, margin.backtest_zone, 2 ** 40, 3)
        self.assertStatus(margin.MGN_EINVAL, margin.backtest_exceptions, [1.0], [NAN])
        self.assertStatus(margin.MGN_EINVAL, margin.backtest_exceptions, [1.0, 2.0], [1.0])


# ---------------------------------------------------------------- EWMA and dynamic margin

def regime_returns():
    """60 daily returns: calm, a volatile stretch, calm again."""
    out = []
    for t in range(60):
        scale = 0.04 if 20 <= t < 35 else 0.01
        out.append(scale * math.sin(2.3 * t + 0.4))
    return out


def ref_dynamic(rets, lam=0.94, seed=-1.0, c=0.99, h=2.0, mult=1.0, buf=0.25, L=2520, q=None):
    """Direct transcription of the header's recursion (no shared code)."""
    n = len(rets)
    v = seed if seed >= 0 else sum(r * r for r in rets) / n
    k = mult * (q if q is not None else statistics.NormalDist().inv_cdf(c)) * math.sqrt(h)
    series, M = [], None
    for t in range(n):
        v = lam * v + (1 - lam) * rets[t] ** 2
        base = k * math.sqrt(v)
        if L:
            window = rets[max(0, t + 1 - L):t + 1]
            long_vol = math.sqrt(sum(r * r for r in window) / len(window))
        else:
            long_vol = 0.0
        flo = k * long_vol
        m = max(base, flo)
        M = (1 + buf) * m if M is None else min(max(M, m), (1 + buf) * m)
        series.append(M)
    return dict(ewma_vol=math.sqrt(v), long_vol=long_vol, base_scan=base, floor_scan=flo,
                margin_scan=m, price_scan=M, buffer_left=M / m - 1 if m else 0.0,
                in_stress=int(M < (1 + buf) * m)), series


class TestEwmaDynamicMargin(ErrorChecks, unittest.TestCase):
    def test_ewma_vs_recursion(self):
        rets = regime_returns()
        for lam, seed in ((0.94, -1.0), (0.97, 0.0004), (0.5, 0.0)):
            got = tolist(margin.ewma_variance(rets, lam, seed))
            self.assertEqual(len(got), len(rets) + 1)
            v = seed if seed >= 0 else sum(r * r for r in rets) / len(rets)
            want = [v]
            for r in rets:
                v = lam * v + (1 - lam) * r * r
                want.append(v)
            for t, (g, w) in enumerate(zip(got, want)):
                assert_close(self, g, w, rel=1e-13, abs_=1e-300, msg=(lam, t))
        with list_mode():
            self.assertEqual(margin.ewma_variance(rets), tolist(margin.ewma_variance(rets)))

    def test_dynamic_margin_vs_recursion(self):
        rets = regime_returns()
        for kw in ({}, {"floor_lookback": 20}, {"floor_lookback": 0, "buffer": 0.0},
                   {"lambda_": 0.9, "horizon_days": 5.0, "multiplier": 1.5, "buffer": 0.4,
                    "floor_lookback": 7, "seed_var": 0.0001, "confidence": 0.995}):
            res, series = margin.dynamic_margin(rets, series=True, **kw)
            self.assertIsInstance(res, margin.DynMarginResult)
            ref, ref_series = ref_dynamic(
                rets, lam=kw.get("lambda_", 0.94), seed=kw.get("seed_var", -1.0),
                c=kw.get("confidence", 0.99), h=kw.get("horizon_days", 2.0),
                mult=kw.get("multiplier", 1.0), buf=kw.get("buffer", 0.25),
                L=kw.get("floor_lookback", 2520))
            for f, want in ref.items():
                if f == "in_stress":
                    self.assertEqual(res.in_stress, want, kw)
                else:
                    assert_close(self, getattr(res, f), want, rel=1e-12, abs_=1e-15,
                                 msg=(kw, f))
            for t, (g, w) in enumerate(zip(tolist(series), ref_series)):
                assert_close(self, g, w, rel=1e-12, msg=(kw, t))
        # without series, through a params namedtuple or a dict
        plain = margin.dynamic_margin(rets)
        self.assertEqual(plain, margin.dynamic_margin(rets, margin.dynmargin_params()))
        self.assertEqual(margin.dynamic_margin(rets, {"buffer": 0.1}),
                         margin.dynamic_margin(rets, buffer=0.1))
        with list_mode():
            self.assertEqual(margin.dynamic_margin(rets), plain)

    def test_student_t_tail(self):
        rets = regime_returns()
        normal = margin.dynamic_margin(rets, floor_lookback=0)
        t5 = margin.dynamic_margin(rets, floor_lookback=0, tail_df=5.0)
        # t_5^-1(0.99) = 3.36493 (tables), scaled to unit variance by sqrt(3/5)
        assert_close(self, t5.base_scan / normal.base_scan,
                     3.364929998 * math.sqrt(3 / 5) / Z99, rel=1e-7)

    def test_defaults_and_bad_inputs(self):
        self.assertEqual(margin.dynmargin_params(),
                         margin.DynMarginParams(0.94, -1.0, 0.99, 2.0, 0.0, 1.0, 0.25, 2520))
        rets = regime_returns()
        self.assertStatus(margin.MGN_EINVAL, margin.ewma_variance, rets, 1.0)
        self.assertStatus(margin.MGN_EINVAL, margin.ewma_variance, rets, 0.0)
        self.assertStatus(margin.MGN_EINVAL, margin.ewma_variance, rets + [NAN])
        self.assertStatus(margin.MGN_EINVAL, margin.ewma_variance, rets, 0.94, NAN)
        for kw in ({"lambda_": 1.0}, {"buffer": -0.1}, {"horizon_days": 0.0},
                   {"tail_df": 2.0}, {"multiplier": 0.0}, {"confidence": 1.0},
                   {"seed_var": INF}):
            self.assertStatus(margin.MGN_EINVAL, margin.dynamic_margin, rets, **kw)
        self.assertStatus(margin.MGN_EINVAL, margin.dynamic_margin, [])
        self.assertStatus(margin.MGN_EINVAL, margin.dynamic_margin, [0.01, INF])
        with self.assertRaises(margin.InvalidArgumentError):
            margin.dynamic_margin(rets, floor_lookback=-1)
        with self.assertRaises(ValueError):
            margin.dynamic_margin(rets, lamda=0.9)          # misspelt field


# ---------------------------------------------------------------- binding metadata

NEW_FUNCTIONS = """mgn_portfolio_check mgn_portfolio_value mgn_position_greeks
    mgn_portfolio_greeks mgn_scenario_pnl_matrix mgn_span_margin_detail mgn_span_scenario
    mgn_pm_preset_span mgn_pm_preset_deribit mgn_pm_preset_occ mgn_pm_scenario_count
    mgn_pm_scenario mgn_pm_margin mgn_pm_margin_detail mgn_var_es_contrib_work_size
    mgn_var_es_contrib mgn_hs_params_init mgn_hs_scenario_count mgn_hs_scenarios
    mgn_var_historical_work_size mgn_var_historical mgn_var_delta_normal
    mgn_var_delta_gamma_work_size mgn_var_delta_gamma mgn_mc_params_init
    mgn_var_montecarlo_work_size mgn_var_montecarlo mgn_backtest_exceptions mgn_backtest
    mgn_backtest_zone mgn_ewma_variance mgn_dynmargin_params_init
    mgn_dynamic_margin""".split()


class TestBindingMetadata(unittest.TestCase):
    def test_new_functions_bound_and_called(self):
        for name in NEW_FUNCTIONS:
            self.assertIn(name, margin._PROTOTYPES)
            self.assertIn(name, margin._funcs, name)
        # every size function of a mirrored struct is bound and in _MIRRORS
        for size_fn in margin._MIRRORS:
            self.assertIn(size_fn, margin._PROTOTYPES)
        # the public wrapper of each (by its docstring naming the C function)
        docs = " ".join(getattr(margin, n).__doc__ or "" for n in margin.__all__
                        if callable(getattr(margin, n)))
        for name in NEW_FUNCTIONS:
            if not name.endswith("_init"):
                self.assertIn(name, docs)

    @unittest.skipUnless(ctypes.sizeof(ctypes.c_size_t) == 8, "LP64 sizes")
    def test_mirror_sizes_lp64(self):
        sizes = {"_CNetGreeks": 80, "_CSpanUnderlying": 216, "_CPmParams": 496,
                 "_CPmResult": 48, "_CPmUnderlying": 112, "_CVarResult": 72,
                 "_CHsParams": 64, "_CDgResult": 48, "_CMcParams": 64,
                 "_CBacktestResult": 112, "_CDynmarginParams": 72, "_CDynmarginResult": 64}
        for name, size in sizes.items():
            self.assertEqual(ctypes.sizeof(getattr(margin, name)), size, name)

    def test_versioned_structs_may_grow(self):
        for size_fn, c_name, mirror in (("mgn_sizeof_pm_params", "mgn_pm_params",
                                         margin._CPmParams),
                                        ("mgn_sizeof_hs_params", "mgn_hs_params",
                                         margin._CHsParams),
                                        ("mgn_sizeof_mc_params", "mgn_mc_params",
                                         margin._CMcParams),
                                        ("mgn_sizeof_dynmargin_params", "mgn_dynmargin_params",
                                         margin._CDynmarginParams)):
            self.assertIn(c_name, margin._VERSIONED)
            fake = FakeLib()
            fake[size_fn] = lambda: ctypes.sizeof(mirror) + 16       # a newer library
            margin._check_library(fake, "fake.so")
            fake[size_fn] = lambda: ctypes.sizeof(mirror) - 8        # an older one
            with self.assertRaises(ImportError) as cm:
                margin._check_library(fake, "fake.so")
            self.assertIn("sizeof(%s)" % c_name, str(cm.exception))
        fake = FakeLib()
        fake["mgn_sizeof_var_result"] = lambda: ctypes.sizeof(margin._CVarResult) + 8
        with self.assertRaises(ImportError):      # a result struct may not grow
            margin._check_library(fake, "fake.so")

    def test_functions_of_unverified_structs_are_disabled(self):
        funcs = {name: None for name in NEW_FUNCTIONS}
        funcs.update({name: None for name in margin._MIRRORS})
        self.assertEqual(margin._unchecked(funcs), {})
        del funcs["mgn_sizeof_pm_params"]
        del funcs["mgn_sizeof_hs_params"]
        off = margin._unchecked(funcs)
        self.assertEqual(sorted(off), sorted(
            ["mgn_pm_preset_span", "mgn_pm_preset_deribit", "mgn_pm_preset_occ",
             "mgn_pm_scenario_count", "mgn_pm_scenario", "mgn_pm_margin",
             "mgn_pm_margin_detail", "mgn_hs_params_init", "mgn_hs_scenario_count",
             "mgn_hs_scenarios", "mgn_var_historical_work_size", "mgn_var_historical"]))
        del funcs["mgn_sizeof_position"]
        self.assertIn("mgn_var_montecarlo", margin._unchecked(funcs))
        self.assertIn("mgn_portfolio_value", margin._unchecked(funcs))

    def test_param_init_gets_room_for_a_larger_library_struct(self):
        # _param_defaults allocates max(binding, library) bytes for the _init call
        saved = dict(margin._funcs)
        written = []

        def fake_size():
            return ctypes.sizeof(margin._CHsParams) + 64

        def fake_init(ptr):
            addr = ctypes.cast(ptr, ctypes.c_void_p).value
            ctypes.memset(addr, 0, fake_size())             # would overflow a 64-byte buffer
            saved["mgn_hs_params_init"](ptr)
            written.append(addr)
            return margin.MGN_OK
        try:
            margin._funcs["mgn_sizeof_hs_params"] = fake_size
            margin._funcs["mgn_hs_params_init"] = fake_init
            self.assertEqual(margin.hs_params().confidence, 0.99)
        finally:
            margin._funcs.clear()
            margin._funcs.update(saved)
        self.assertEqual(len(written), 1)


if __name__ == "__main__":
    unittest.main()
