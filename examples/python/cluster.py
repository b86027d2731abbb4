"""libmargin on Dask's distributed scheduler, through the ctypes binding (margin.py).

Functions a risk team imports (all take a distributed.Client):

  book_spec(seed, n_accounts, n_pos=10, part_size=100_000, n_mkt=3) -> BookSpec
      A synthetic book described by plain data; partition p is generated ON THE WORKER
      by make_partition(spec, p) from numpy SeedSequence([seed, p]) -- the book never
      passes through the client.  A user's own loader can replace make_partition:
      every function below takes loader=callable(spec, p) -> margin.AccountBook.
  default_markets(n_mkt) -> [margin.Market]
  scatter_markets(client, markets) -> Future   (client.scatter(..., broadcast=True))
  sweep(client, spec, markets, params=None) -> SweepResult
      .frame: dask.dataframe, one row per account (account, equity, im, mm,
      margin_ratio, call_amount, shortfall, status, distance = equity - mm*liq_ratio,
      the money the account can lose before it is liquidatable);
      .margin_calls / .liquidations: pandas frames gathered on the client.
  stress(client, spec, markets, scenarios, params=None) -> pandas.DataFrame
      per scenario (relative shocks per underlying): n_margin_call, n_liquidatable,
      n_bankrupt, total_call, total_shortfall (bad debt).  Sums are exactly rounded
      (Shewchuk partials per partition merged with math.fsum), so the result does
      not depend on the partitioning and equals math.fsum over the whole book.
  mc_var(client, markets, positions, cov, n_paths, n_parts, seed, confidence, ...)
      -> (var, es), bit-identical to margin.var_es on the concatenated P&L of
      mc_partition_pnl(p) for p = 0..n_parts-1 (see mc_var's docstring).
  historical_var(client, spec, markets, returns, confidence=0.99) -> pandas frame
      (account, var, es): margin.var_historical of every account's portfolio.
  cascade(client, spec, markets, shock, depth, params=None, **cascade_fields)
      -> margin.CascadeResult, equal field for field (bit for bit) to
      margin.cascade(markets, whole_book, ...).

Seeds: partition p of a book draws from numpy.random.default_rng(SeedSequence([seed,
p])); Monte Carlo partition p uses the library's seed argument
mc_seed(seed, p) = SeedSequence([seed, p]).generate_state(1, uint64)[0].  Same seed and
partitioning -> same bits, whatever the number of workers or their failures (a task
that is lost with its worker is recomputed from its seed).

Process boundaries: only numpy arrays, pandas frames and plain tuples/namedtuples
cross them; every worker imports margin.py (which loads libmargin.so from
MARGIN_LIBRARY or beside the binding) and builds its ctypes structures locally.
ensure_worker_env() puts this directory on PYTHONPATH (and MARGIN_LIBRARY, if set) so
worker processes spawned afterwards (LocalCluster, dask-worker) can import it.

Memory per partition (n accounts, P positions each): positions 72*n*P bytes, balances
32*n, offsets 16*n, the C account array 56*n, results 88*n, the frame ~80*n; for the
default 100,000 x 10: ~100 MB while a task runs; a persisted book partition (cascade)
keeps the ~76 MB of the book.  The client holds only gathered lists and, for mc_var,
one float64 array of n_paths (the tail proxy, see mc_var).
"""
import collections
import math
import os
import sys

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import margin  # noqa: E402  (loads libmargin.so)

BookSpec = collections.namedtuple("BookSpec", "seed n_accounts n_pos part_size n_mkt")
SweepResult = collections.namedtuple("SweepResult", "frame margin_calls liquidations n_parts")

SPOTS = (60000.0, 3000.0, 150.0, 25.0, 7.0, 1.0)


def ensure_worker_env():
    """Make worker processes started after this call able to import cluster/margin."""
    pp = os.environ.get("PYTHONPATH", "")
    if _HERE not in pp.split(os.pathsep):
        os.environ["PYTHONPATH"] = _HERE + (os.pathsep + pp if pp else "")
    lib = getattr(margin, "_lib_path", None) or os.environ.get("MARGIN_LIBRARY")
    if lib:
        os.environ["MARGIN_LIBRARY"] = lib


def book_spec(seed, n_accounts, n_pos=10, part_size=100_000, n_mkt=3):
    return BookSpec(int(seed), int(n_accounts), int(n_pos), int(part_size), int(n_mkt))


def n_parts(spec):
    return (spec.n_accounts + spec.part_size - 1) // spec.part_size


def part_range(spec, p):
    lo = p * spec.part_size
    return lo, min(spec.n_accounts, lo + spec.part_size)


def default_markets(n_mkt=3):
    return [margin.Market(SPOTS[u % len(SPOTS)] * (1 + u // len(SPOTS)), 0.03, 0.0)
            for u in range(n_mkt)]


def make_partition(spec, p):
    """Partition p of the synthetic book (an AccountBook of numpy arrays): every account
    has spec.n_pos positions (linear perpetuals and futures, inverse perpetuals,
    European options) on spec.n_mkt underlyings and one quote balance, sized so that
    a realistic minority is under margin.  Deterministic in (spec.seed, p)."""
    lo, hi = part_range(spec, p)
    n, P, M = hi - lo, spec.n_pos, spec.n_mkt
    rng = np.random.default_rng(np.random.SeedSequence([spec.seed, p]))
    spots = np.array([m.spot for m in default_markets(M)])
    pos = np.zeros(n * P, dtype=margin.position_dtype())
    u = rng.integers(0, M, n * P)
    kind = rng.choice(4, n * P, p=[0.55, 0.2, 0.1, 0.15])
    S = spots[u]
    notional = rng.lognormal(np.log(20000.0), 1.0, n * P)
    qty = notional / S * np.where(rng.random(n * P) < 0.5, -1.0, 1.0)
    pos["underlying"] = u
    pos["multiplier"] = 1.0
    pos["entry_price"] = S * np.exp(rng.normal(0, 0.05, n * P))
    pos["quantity"] = qty
    pos["instrument"] = np.select([kind == 0, kind == 1, kind == 2],
                                  [margin.MGN_PERPETUAL, margin.MGN_FUTURE,
                                   margin.MGN_PERPETUAL], margin.MGN_OPTION)
    pos["expiry"] = np.where(kind == 1, rng.uniform(0.02, 0.5, n * P), 0.0)
    inv = kind == 2
    pos["settlement"] = np.where(inv, margin.MGN_INVERSE, margin.MGN_LINEAR)
    pos["quantity"][inv] = np.round(notional[inv] / 100.0) * 100.0 * np.sign(qty[inv]) + \
        100.0 * np.sign(qty[inv])
    opt = kind == 3
    pos["option_type"] = np.where(opt & (rng.random(n * P) < 0.5), margin.MGN_PUT, margin.MGN_CALL)
    pos["strike"] = np.where(opt, S * rng.uniform(0.8, 1.2, n * P), 0.0)
    pos["expiry"][opt] = rng.uniform(0.02, 0.5, int(opt.sum()))
    pos["vol"] = np.where(opt, rng.uniform(0.4, 0.9, n * P), 0.0)
    pos["entry_price"][opt] = 0.0
    bal = np.zeros(n, dtype=margin.balance_dtype())
    bal["asset"] = margin.MGN_QUOTE
    gross = np.add.reduceat(notional, np.arange(0, n * P, P)) if n else np.zeros(0)
    bal["amount"] = gross * rng.uniform(0.02, 0.4, n)
    off = np.arange(0, n * P + 1, P, dtype=np.int64)
    return margin.AccountBook(pos, off, bal, None, None, margin.MGN_QUOTE)


def book_take(book, idx):
    """Sub-book of the accounts idx (sorted local indices) of an AccountBook."""
    idx = np.asarray(idx, dtype=np.int64)
    po = np.asarray(book.pos_offsets)
    cnt = po[idx + 1] - po[idx]
    rows = np.concatenate([np.arange(po[i], po[i + 1]) for i in idx]) if len(idx) \
        else np.zeros(0, np.int64)
    off = np.concatenate([[0], np.cumsum(cnt)]).astype(np.int64)
    bal = np.asarray(book.balances)
    if book.bal_offsets is not None:
        bo = np.asarray(book.bal_offsets)
        bcnt = bo[idx + 1] - bo[idx]
        brows = np.concatenate([np.arange(bo[i], bo[i + 1]) for i in idx]) if len(idx) \
            else np.zeros(0, np.int64)
        bal, boff = bal[brows], np.concatenate([[0], np.cumsum(bcnt)]).astype(np.int64)
    else:
        bal, boff = (bal[idx] if len(bal) else bal), None
    cur = book.currency
    if np.ndim(cur):
        cur = np.asarray(cur)[idx]
    iso = None if book.isolated is None else np.asarray(book.isolated)[rows]
    return margin.AccountBook(np.asarray(book.positions)[rows], off, bal, boff, iso, cur)


def whole_book(spec, loader=make_partition):
    """The whole book in one process (for the single-process references)."""
    parts = [loader(spec, p) for p in range(n_parts(spec))]
    pos = np.concatenate([b.positions for b in parts])
    off = [np.zeros(1, np.int64)]
    base = 0
    for b in parts:
        off.append(np.asarray(b.pos_offsets)[1:] + base)
        base += len(b.positions)
    return margin.AccountBook(pos, np.concatenate(off), np.concatenate([b.balances for b in parts]),
                              None, None, margin.MGN_QUOTE)


def scatter_markets(client, markets):
    """Broadcast one market snapshot (plain tuples) to every worker, once."""
    return client.scatter([tuple(m) for m in markets], broadcast=True, hash=False)


def _mk(markets):
    return [margin.Market(*m) for m in markets]


def _liq_ratio(params):
    return float(margin._acct_params(params).liq_ratio)


# ------------------------------------------------------------------ sweep

FRAME_COLUMNS = ["account", "equity", "im", "mm", "margin_ratio", "call_amount", "shortfall",
                 "status", "distance"]


def _frame(res, lo, liq_ratio):
    import pandas as pd
    return pd.DataFrame({
        "account": np.arange(lo, lo + len(res), dtype=np.int64),
        "equity": res["equity"], "im": res["im"], "mm": res["mm"],
        "margin_ratio": res["margin_ratio"], "call_amount": res["call_amount"],
        "shortfall": res["shortfall"], "status": res["status"].astype(np.int32),
        "distance": res["equity"] - res["mm"] * liq_ratio})


def sweep_partition(spec, p, markets, params=None, loader=make_partition):
    """Worker task: generate partition p and evaluate it -> pandas frame."""
    book = loader(spec, p)
    res = margin.account_sweep(_mk(markets), book, params, threads=1)
    return _frame(res, part_range(spec, p)[0], _liq_ratio(params))


def _meta():
    import pandas as pd
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
        FRAME_COLUMNS, ["i8", "f8", "f8", "f8", "f8", "f8", "f8", "i4", "f8"])})


def sweep_futures(client, spec, markets, params=None, loader=make_partition, retries=3):
    mk = scatter_markets(client, markets)
    return client.map(sweep_partition, [spec] * n_parts(spec), range(n_parts(spec)),
                      markets=mk, params=params, loader=loader, retries=retries,
                      pure=False, key=["sweep-%d-%d" % (spec.seed, p)
                                       for p in range(n_parts(spec))])


def sweep(client, spec, markets, params=None, loader=make_partition, progress=False):
    """Sweep the whole book -> SweepResult(frame, margin_calls, liquidations, n_parts).
    frame is a dask dataframe over the futures (one partition per book partition,
    kept in worker memory); the margin-call (status MARGIN_CALL) and liquidation
    (status >= LIQUIDATE) lists are gathered as pandas frames sorted by account."""
    import dask.dataframe as dd
    futs = sweep_futures(client, spec, markets, params, loader)
    if progress:
        from distributed import progress as _progress
        _progress(futs)
    frame = dd.from_delayed(futs, meta=_meta(), divisions=[part_range(spec, p)[0] for p in
                                                            range(n_parts(spec))]
                            + [spec.n_accounts - 1], verify_meta=False)
    calls = frame[frame.status == margin.MGN_ACCT_MARGIN_CALL].compute()
    liqs = frame[frame.status >= margin.MGN_ACCT_LIQUIDATE].compute()
    return SweepResult(frame, calls.reset_index(drop=True), liqs.reset_index(drop=True),
                       n_parts(spec))


# ------------------------------------------------------------------ exact sums

def partials(values):
    """Shewchuk's non-overlapping partials of a sequence of floats (exact: they sum to
    the exact total).  fsum(partials of A + partials of B) == fsum(A + B)."""
    ps = []
    for x in values:
        x = float(x)
        i = 0
        for y in ps:
            if abs(x) < abs(y):
                x, y = y, x
            hi = x + y
            lo = y - (hi - x)
            if lo:
                ps[i] = lo
                i += 1
            x = hi
        ps[i:] = [x]
    return ps


def shocked(markets, shock):
    return [margin.Market(m.spot * (1 + s), m.rate, m.carry) for m, s in zip(_mk(markets), shock)]


def stress_partition(spec, p, markets, scenarios, params=None, loader=make_partition):
    """Worker task: every scenario on partition p -> list of per-scenario tuples
    (n_call, n_liq, n_bankrupt, partials(call_amount), partials(shortfall))."""
    book = loader(spec, p)
    out = []
    for shock in scenarios:
        r = margin.account_sweep(shocked(markets, shock), book, params, threads=1)
        st = r["status"]
        ca = r["call_amount"][st == margin.MGN_ACCT_MARGIN_CALL]
        sf = r["shortfall"][r["shortfall"] != 0]
        out.append((int((st == margin.MGN_ACCT_MARGIN_CALL).sum()),
                    int((st >= margin.MGN_ACCT_LIQUIDATE).sum()),
                    int((st == margin.MGN_ACCT_BANKRUPT).sum()),
                    partials(ca), partials(sf)))
    return out


def stress(client, spec, markets, scenarios, params=None, loader=make_partition):
    """Every scenario (a sequence of relative shocks, one per underlying) x every account,
    aggregated per scenario -> pandas frame (scenario, n_margin_call, n_liquidatable,
    n_bankrupt, total_call, total_shortfall).  Sums are exactly rounded."""
    import pandas as pd
    scen = [tuple(float(x) for x in s) for s in scenarios]
    mk = scatter_markets(client, markets)
    sc = client.scatter(scen, broadcast=True, hash=False)
    futs = client.map(stress_partition, [spec] * n_parts(spec), range(n_parts(spec)),
                      markets=mk, scenarios=sc, params=params, loader=loader, retries=3,
                      pure=False)
    parts = client.gather(futs)
    rows = []
    for s in range(len(scen)):
        rows.append((s, sum(pr[s][0] for pr in parts), sum(pr[s][1] for pr in parts),
                     sum(pr[s][2] for pr in parts),
                     math.fsum(x for pr in parts for x in pr[s][3]),
                     math.fsum(x for pr in parts for x in pr[s][4])))
    return pd.DataFrame(rows, columns=["scenario", "n_margin_call", "n_liquidatable",
                                       "n_bankrupt", "total_call", "total_shortfall"])


def stress_reference(book, markets, scenarios, params=None):
    """The single-process stress on a whole book (same columns, math.fsum)."""
    import pandas as pd
    rows = []
    for s, shock in enumerate(scenarios):
        r = margin.account_sweep(shocked(markets, shock), book, params, threads=1)
        st = r["status"]
        rows.append((s, int((st == margin.MGN_ACCT_MARGIN_CALL).sum()),
                     int((st >= margin.MGN_ACCT_LIQUIDATE).sum()),
                     int((st == margin.MGN_ACCT_BANKRUPT).sum()),
                     math.fsum(r["call_amount"][st == margin.MGN_ACCT_MARGIN_CALL]),
                     math.fsum(r["shortfall"])))
    return pd.DataFrame(rows, columns=["scenario", "n_margin_call", "n_liquidatable",
                                       "n_bankrupt", "total_call", "total_shortfall"])


# ------------------------------------------------------------------ Monte Carlo VaR

def mc_seed(seed, p):
    """The library seed of Monte Carlo partition p: SeedSequence([seed, p]) -> uint64."""
    return int(np.random.SeedSequence([int(seed), int(p)]).generate_state(1, np.uint64)[0])


def mc_split(n_paths, n_parts):
    """Paths of each partition: n_paths split as evenly as possible, larger ones first."""
    q, r = divmod(int(n_paths), int(n_parts))
    return [q + (1 if p < r else 0) for p in range(n_parts)]


def mc_partition_pnl(markets, positions, cov, n, seed, p, mc_fields=None):
    """P&L of the n paths of partition p (margin.var_montecarlo, seed mc_seed(seed, p))."""
    f = dict(mc_fields or {})
    f.update(n_paths=int(n), seed=mc_seed(seed, p), threads=1)
    return margin.var_montecarlo(_mk(markets), positions, cov, return_paths=True, **f)[1]


def _pick(pnl, lo, idx):
    idx = np.asarray(idx, dtype=np.int64)
    sel = idx[(idx >= lo) & (idx < lo + len(pnl))]
    return sel, pnl[sel - lo]


def _tail(pnl, lo, loss_floor):
    """Global indices and P&L of the paths whose loss (0 - pnl) >= loss_floor."""
    L = 0.0 - pnl
    i = np.nonzero(L >= loss_floor)[0]
    return i + lo, pnl[i]


_SAMPLE = 1024


def mc_var(client, markets, positions, cov, n_paths, n_parts, seed, confidence=0.99,
           mc_fields=None, return_stats=False):
    """Monte Carlo VaR/ES of one portfolio over n_paths paths in n_parts partitions.

    Partition p simulates mc_split(n_paths, n_parts)[p] paths with the library seed
    mc_seed(seed, p); its P&L stays in worker memory.  The exact tail merge follows
    mgn_var_es (lib/var.c), which is a function of the P&L at a deterministic sample of
    positions (every N//1024-th of the concatenated vector) and of the values whose
    loss lies at or above a bracket bound klo taken from that sample: (1) the workers
    return the sample points; (2) the client computes klo, khi and the equal-weight k
    (MARGIN-MODEL 6: k = ceil(N(1-c)) snapped) exactly as the library does; (3) each
    partition returns its paths with loss >= klo (its worst losses: about k + 8
    sqrt(k) N/1024 paths in all); (4) the client checks that the bracket holds the
    target (else it gathers every path), places these values at their global
    positions in a proxy vector whose other entries are a gain far below the bracket,
    and calls margin.var_es on it: the library then performs exactly the same
    operations in the same order as on the concatenated P&L, so VaR and ES are equal
    bit for bit.  Equal weights only.  Returns (var, es) [, stats dict]."""
    N = int(n_paths)
    sizes = mc_split(N, n_parts)
    los = np.concatenate([[0], np.cumsum(sizes)])
    pnl = [client.submit(mc_partition_pnl, [tuple(m) for m in markets], positions, cov,
                         sizes[p], seed, p, mc_fields, pure=False, retries=3)
           for p in range(n_parts)]
    m = min(N, _SAMPLE)
    stride = N // m
    a = 1.0 - confidence
    stats = {"n_paths": N, "gathered": 0}
    if m == N:
        full = np.concatenate(client.gather(pnl))
        stats["gathered"] = N
        v, e = margin.var_es(full, confidence=confidence)
        return (v, e, stats) if return_stats else (v, e)
    sidx = np.arange(m, dtype=np.int64) * stride
    picks = client.gather([client.submit(_pick, pnl[p], int(los[p]), sidx, pure=False)
                           for p in range(n_parts)])
    s_val = np.empty(m)
    for sel, val in picks:
        s_val[sel // stride] = val
    sl = np.sort(0.0 - s_val)[::-1]          # sample losses, descending
    j, cum, tgt = 0, 0.0, a * float(m)
    while j + 1 < m and not (cum + 1.0 >= tgt):
        cum += 1.0
        j += 1
    dl = int(4.0 * math.sqrt(j + 1.0)) + 4
    khi = sl[j - dl] if j > dl else math.inf
    fallback = j + dl >= m
    tails = []
    if not fallback:
        klo = sl[j + dl]
        tails = client.gather([client.submit(_tail, pnl[p], int(los[p]), klo, pure=False)
                               for p in range(n_parts)])
        idx = np.concatenate([t[0] for t in tails])
        val = np.concatenate([t[1] for t in tails])
        L = 0.0 - val
        cnt_hi = int((L > khi).sum())
        cnt_in = int(((L >= klo) & (L <= khi)).sum())
        x = N * a
        r = np.rint(x)
        k = r if (r >= 1 and abs(x - r) <= N * 2.0 ** -51) else max(1.0, math.ceil(x))
        k = min(int(k), N)
        fallback = not (cnt_hi < k <= cnt_hi + cnt_in)
    if fallback:
        full = np.concatenate(client.gather(pnl))
        stats["gathered"] = N
    else:
        fill = max(1e300, float(np.max(s_val)) * 2 if np.max(s_val) > 0 else 1e300)
        full = np.full(N, fill)
        full[idx] = val
        full[sidx] = s_val
        stats["gathered"] = len(idx) + m
    for f in pnl:
        f.release()
    v, e = margin.var_es(full, confidence=confidence)
    return (v, e, stats) if return_stats else (v, e)


# ------------------------------------------------------------------ historical VaR

def hvar_partition(spec, p, markets, returns, confidence, loader=make_partition):
    import pandas as pd
    book = loader(spec, p)
    lo = part_range(spec, p)[0]
    off = np.asarray(book.pos_offsets)
    mk = _mk(markets)
    n = len(off) - 1
    var, es = np.empty(n), np.empty(n)
    for k in range(n):
        r = margin.var_historical(mk, book.positions[off[k]:off[k + 1]], returns,
                                  confidence=confidence)
        var[k], es[k] = r.var, r.es
    return pd.DataFrame({"account": np.arange(lo, lo + n, dtype=np.int64), "var": var, "es": es})


def historical_var(client, spec, markets, returns, confidence=0.99, loader=make_partition):
    """Historical VaR/ES (margin.var_historical, full revaluation) of every account's
    portfolio, in parallel; returns (n_days x n_mkt) broadcast once -> pandas frame."""
    import pandas as pd
    mk = scatter_markets(client, markets)
    rt = client.scatter(np.asarray(returns, dtype=np.float64), broadcast=True, hash=False)
    futs = client.map(hvar_partition, [spec] * n_parts(spec), range(n_parts(spec)),
                      markets=mk, returns=rt, confidence=confidence, loader=loader,
                      retries=3, pure=False)
    return pd.concat(client.gather(futs), ignore_index=True)


# ------------------------------------------------------------------ cascades

_SQRT1_2 = 0.707106781186547524400844362104849039


def position_delta(p, m):
    """mgn__position_delta (lib/portfolio.c) in Python, same operations in the same
    order (libm log/exp/erfc through math): underlying units of one position."""
    qm = float(p["quantity"]) * float(p["multiplier"])
    S = m.spot
    if int(p["instrument"]) != margin.MGN_OPTION and int(p["settlement"]) == margin.MGN_INVERSE:
        return qm / S
    if int(p["instrument"]) == margin.MGN_OPTION and int(p["exercise"]) == margin.MGN_EUROPEAN:
        K, T = float(p["strike"]), float(p["expiry"])
        th = 1.0 if int(p["option_type"]) == margin.MGN_CALL else -1.0
        if T == 0:
            x = th * (S - K)
            d = 0.5 * th if S == K else (th if x > 0 else 0.0)
        else:
            s = float(p["vol"]) * math.sqrt(T)
            x = math.log(S / K) + (m.rate - m.carry) * T
            eq = math.exp(-m.carry * T)
            if s == 0:
                d = th * eq if th * x > 0 else 0.0
            else:
                y = th * (x / s + 0.5 * s)
                d = th * eq * (0.5 * math.erfc(-y * _SQRT1_2))
        return d * qm
    if int(p["instrument"]) == margin.MGN_OPTION:      # American: the library's greeks
        pos = margin.Position(*[p[f] for f in margin.Position._fields])
        return margin.position_greeks([m] * (int(p["underlying"]) + 1), pos).delta
    gT = math.exp((m.rate - m.carry) * float(p["expiry"])) \
        if int(p["instrument"]) == margin.MGN_FUTURE else 1.0
    return qm * gT


def _close_notional(p, mk):
    """mgn__close_terms notional per unit, quote currency."""
    S = mk[int(p["underlying"])].spot
    if int(p["instrument"]) != margin.MGN_OPTION and int(p["settlement"]) == margin.MGN_INVERSE:
        return float(p["multiplier"]) * 1.0
    return float(p["multiplier"]) * S * 1.0


def cascade_round(book, markets, dead, params=None):
    """Worker task, one round on one partition: the accounts not in dead (sorted local
    indices) are evaluated at markets; those at LIQUIDATE or BANKRUPT are closed.
    Returns (local indices, equity in quote, notional, n positions, underlyings,
    deltas) of the liquidated accounts, in index order -- the per-account terms of
    mgn_cascade's round, left unsummed so the client can sum them in global order."""
    mk = _mk(markets)
    n = len(book.pos_offsets) - 1
    alive = np.setdiff1d(np.arange(n, dtype=np.int64), np.asarray(dead, dtype=np.int64))
    sub = book_take(book, alive) if len(alive) < n else book
    r = margin.account_sweep(mk, sub, params, threads=1, strict=True)
    # The sweep prices European options with the library's batch kernel, which can differ
    # from the scalar pricer of mgn_account_eval (used by mgn_cascade) in the last ulps.
    # So the sweep only filters: every account within a relative 1e-9 of the
    # liquidation threshold is re-evaluated with margin.account_eval (the scalar
    # mgn__acct_eval, exactly as in lib/cascade.c), which decides and gives the equity.
    lr = _liq_ratio(params)
    thr = r["mm"] * lr
    near = r["equity"] < thr + 1e-9 * (np.abs(r["equity"]) + np.abs(thr) + 1.0)
    near |= r["status"] >= margin.MGN_ACCT_LIQUIDATE
    idx, eq, notl, npos, und, dl = [], [], [], [], [], []
    off = np.asarray(book.pos_offsets)
    cur = book.currency
    bo = None if book.bal_offsets is None else np.asarray(book.bal_offsets)
    for h in np.nonzero(near)[0]:
        k = int(alive[h])
        c = int(np.asarray(cur)[k]) if np.ndim(cur) else int(cur)
        bal = book.balances[bo[k]:bo[k + 1]] if bo is not None else \
            (book.balances[k:k + 1] if len(book.balances) else None)
        iso = None if book.isolated is None else book.isolated[off[k]:off[k + 1]]
        ev = margin.account_eval(mk, margin.Account(book.positions[off[k]:off[k + 1]], bal,
                                                    iso, c), params)
        if ev.status < margin.MGN_ACCT_LIQUIDATE:
            continue
        toq = 1.0 if c == margin.MGN_QUOTE else mk[c].spot
        nt = 0.0
        for i in range(off[k], off[k + 1]):
            p = book.positions[i]
            nt += abs(float(p["quantity"])) * _close_notional(p, mk)
            und.append(int(p["underlying"]))
            dl.append(position_delta(p, mk[int(p["underlying"])]))
        idx.append(k)
        eq.append(float(ev.equity) * toq)
        notl.append(nt)
        npos.append(int(off[k + 1] - off[k]))
    return (np.array(idx, np.int64), np.array(eq), np.array(notl), np.array(npos, np.int64),
            np.array(und, np.int64), np.array(dl))


def cascade(client, spec, markets, shock, depth, params=None, cascade=None, loader=make_partition,
            **cascade_fields):
    """A liquidation cascade over the partitioned book (mgn_cascade's semantics, include/
    margin.h) -> margin.CascadeResult equal to margin.cascade(markets, whole book, ...).

    mgn_cascade cannot be driven round by round (one call runs every round), so the
    round loop is here: the book partitions stay in worker memory; each round every
    partition evaluates its live accounts with the library (account_sweep: the same
    mgn__acct_eval at now=0 and no deadline) and returns the liquidated accounts' terms;
    the client then, in global account order, runs the insurance-fund arithmetic and
    sums the net delta per underlying (the same operations and order as lib/cascade.c,
    so the sums are bit-identical), applies the price impact once and broadcasts the new
    prices.  Stops after a round with no liquidation or after max_rounds."""
    cp = margin._with(margin.CascadeParams, margin.CascadeParams, cascade, cascade_fields,
                      "cascade")
    mk = _mk(markets)
    M = len(mk)
    shock = [float(shock)] * M if np.ndim(shock) == 0 else [float(s) for s in shock]
    depth = [float(depth)] * M if np.ndim(depth) == 0 else [float(d) for d in depth]
    imodel = cp.impact_model if isinstance(cp.impact_model, int) else \
        {"linear": margin.MGN_IMPACT_LINEAR, "sqrt": margin.MGN_IMPACT_SQRT}[cp.impact_model]
    cur = [margin.Market(m.spot * (1 + s), m.rate, m.carry) for m, s in zip(mk, shock)]
    P = n_parts(spec)
    books = [client.submit(loader, spec, p, pure=False, retries=3) for p in range(P)]
    dead = [np.zeros(0, np.int64) for _ in range(P)]
    fund = float(cp.insurance_fund)
    rounds = []
    tot = dict(n_liquidated=0, notional=0.0, bad_debt=0.0, fees=0.0, uncovered=0.0)
    converged = 0
    try:
        for rd in range(int(cp.max_rounds)):
            mf = client.scatter([tuple(m) for m in cur], broadcast=True, hash=False)
            res = client.gather([client.submit(cascade_round, books[p], mf, dead[p], params,
                                               pure=False, retries=3) for p in range(P)])
            D = [0.0] * M
            n_liq, R_not, R_fee, R_bad = 0, 0.0, 0.0, 0.0
            for p, (idx, eq, notl, npos, und, dl) in enumerate(res):
                j = 0
                for a in range(len(idx)):
                    n_liq += 1
                    for _ in range(int(npos[a])):
                        D[int(und[j])] += float(dl[j])
                        j += 1
                    E, notional = float(eq[a]), float(notl[a])
                    fee = cp.penalty_rate * notional
                    if fee > (E if E > 0 else 0):
                        fee = E if E > 0 else 0
                    bad = -E if E < 0 else 0
                    covered = fund + fee if fund + fee < bad else bad
                    fund += fee - covered
                    R_not += notional
                    R_fee += fee
                    R_bad += bad
                    tot["uncovered"] += bad - covered
                if len(idx):
                    dead[p] = np.union1d(dead[p], idx)
            if n_liq == 0:
                converged = 1
                break
            new = list(cur)
            for u in range(M):
                if D[u] == 0:
                    continue
                x = D[u] / depth[u]
                mv = -cp.impact * x if imodel == margin.MGN_IMPACT_LINEAR else \
                    -cp.impact * math.copysign(math.sqrt(abs(x)), x)
                mv = max(mv, -0.99)
                mv = min(mv, 100.0)
                new[u] = margin.Market(cur[u].spot * (1 + mv), cur[u].rate, cur[u].carry)
            cur = new
            rounds.append(margin.CascadeRound(cur[cp.report_underlying].spot, n_liq, R_not,
                                              R_bad, R_fee, fund, tot["uncovered"]))
            tot["n_liquidated"] += n_liq
            tot["notional"] += R_not
            tot["bad_debt"] += R_bad
            tot["fees"] += R_fee
    finally:
        for b in books:
            b.release()
    return margin.CascadeResult(rounds, cur, len(rounds), tot["n_liquidated"], tot["notional"],
                                tot["bad_debt"], tot["fees"], fund, tot["uncovered"], converged)
