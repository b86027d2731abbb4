#!/usr/bin/env python3
"""Throughput of the account sweep on Dask (examples/python/cluster.py) vs the library.

    MARGIN_LIBRARY=$PWD/lib/libmargin.so /usr/bin/python3 bench/bench_cluster.py \
        [--accounts 5000000] [--positions 10] [--part-size 250000]

Method.  The book (synthetic, cluster.make_partition) is generated once; generation is
not timed.  Single process: margin.account_sweep over the whole book with threads=1 and
threads=2.  Cluster: LocalCluster(n_workers=W, threads_per_worker=1, processes=True),
W = 1 and 2; the partitions are generated on the workers and persisted (futures), then
one sweep task per partition (margin.account_sweep, threads=1, returning the per-account
frame) is timed from submission until every result frame is ready in worker memory
(client.wait), the market snapshot broadcast included.  Overhead = 1 - (2-worker
throughput / single-process 2-thread throughput); per-worker overhead = 1 - (1-worker
throughput / single-process 1-thread throughput).  Projection to M machines of W cores:
T(M) = ceil(parts / (M W)) * t_part + parts * t_sched, t_part the measured per-partition
time on one worker and t_sched the scheduler's per-task cost (measured as the wall time
of 200 no-op tasks / 200); printed for M = 1, 2, 4, 8, 16, 32.
"""
import argparse
import math
import os
import platform
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "examples", "python"))
import numpy as np  # noqa: E402
import cluster as mc  # noqa: E402
import margin  # noqa: E402


def _noop(x):
    return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=5_000_000)
    ap.add_argument("--positions", type=int, default=10)
    ap.add_argument("--part-size", type=int, default=250_000)
    a = ap.parse_args()
    from distributed import Client, LocalCluster, wait
    mc.ensure_worker_env()
    spec = mc.book_spec(1, a.accounts, a.positions, a.part_size)
    mk = mc.default_markets(spec.n_mkt)
    P = mc.n_parts(spec)
    print("machine: %s, %d cpus, python %s; %d accounts x %d positions, %d partitions of %d"
          % (platform.processor() or platform.machine(), os.cpu_count(),
             platform.python_version(), a.accounts, a.positions, P, a.part_size))
    book = mc.whole_book(spec)
    rows = []
    for th in (1, 2):
        t0 = time.perf_counter()
        margin.account_sweep(mk, book, threads=th)
        dt = time.perf_counter() - t0
        rows.append(("library sweep, 1 process, threads=%d" % th, dt, a.accounts / dt))
    del book
    single = {1: rows[0][2], 2: rows[1][2]}
    t_part = t_sched = None
    for W in (1, 2):
        cl = LocalCluster(n_workers=W, threads_per_worker=1, processes=True,
                          dashboard_address=None, host="127.0.0.1", memory_limit=0)
        client = Client(cl)
        try:
            books = [client.submit(mc.make_partition, spec, p, pure=False) for p in range(P)]
            wait(books)
            t0 = time.perf_counter()
            mf = mc.scatter_markets(client, mk)
            futs = [client.submit(lambda b, m, lo: mc._frame(
                margin.account_sweep(mc._mk(m), b, threads=1), lo, 1.0),
                books[p], mf, mc.part_range(spec, p)[0], pure=False) for p in range(P)]
            wait(futs)
            dt = time.perf_counter() - t0
            rows.append(("dask, %d worker%s x 1 thread" % (W, "s" if W > 1 else ""), dt,
                         a.accounts / dt))
            if W == 1:
                t_part = dt / P
                t0 = time.perf_counter()
                wait(client.map(_noop, range(200), pure=False))
                t_sched = (time.perf_counter() - t0) / 200
            del futs, books
        finally:
            client.close()
            cl.close()
    print("\n%-40s %10s %14s" % ("configuration", "seconds", "accounts/s"))
    for name, dt, thr in rows:
        print("%-40s %10.3f %14.0f" % (name, dt, thr))
    d1, d2 = rows[2][2], rows[3][2]
    print("\noverhead, 2 workers vs 1 process 2 threads: %5.1f %%   (target <= 25 %%)"
          % (100 * (1 - d2 / single[2])))
    print("overhead, 1 worker  vs 1 process 1 thread : %5.1f %%" % (100 * (1 - d1 / single[1])))
    print("scaling 1 -> 2 workers: x%.2f" % (d2 / d1))
    print("\nprojection (per-partition %.3f s of %d accounts, scheduler %.2f ms/task, "
          "2 workers per machine):" % (t_part, a.part_size, 1e3 * t_sched))
    for M in (1, 2, 4, 8, 16, 32):
        for n in (a.accounts, 100_000_000):
            parts = math.ceil(n / a.part_size)
            T = math.ceil(parts / (2 * M)) * t_part + parts * t_sched
            print("  %3d machines, %11d accounts: %8.2f s, %12.0f accounts/s" % (M, n, T, n / T))


if __name__ == "__main__":
    main()
