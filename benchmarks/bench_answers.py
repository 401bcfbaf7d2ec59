"""Benchmark: `hw7 answers` wall time and Monte Carlo throughput (numpy vs torch).

Usage: python benchmarks/bench_answers.py [--only QID] [--profile fast|full] [--samples N]

Prints the wall time of a full answer-key build (fast profile by default, into a
temporary folder), the per-section times, and the samples/s of the Q3 Monte Carlo
estimators at d = 64 in numpy and torch (float64, CPU unless --device cuda), measured
in the same run so the ratio is meaningful on a noisy machine.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from hw7 import report
from hw7.registry import Context
from numerics.scaled_dot_product import dot_moments_numpy, dot_moments_torch


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default=None)
    ap.add_argument("--profile", default="fast", choices=["fast", "full"])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--samples", type=int, default=1_000_000)
    ap.add_argument("--d", type=int, default=64)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        key = report.build_into(Context(profile=args.profile, device=args.device, quiet=True),
                                Path(tmp) / "answers", args.only)
        wall = time.perf_counter() - t0
    print(f"hw7 answers --profile {args.profile}: {wall:.2f} s wall "
          f"({len(key['answers'])} answers)")
    for qid, s in key["meta"]["timings_s"].items():
        print(f"  {qid:<18} {s:8.2f} s")

    n, d = args.samples, args.d
    dot_moments_numpy(d, 0.0, 1.0, 10_000, seed=0)  # warm-up
    dot_moments_torch(d, 0.0, 1.0, 10_000, seed=0, device=args.device)
    t0 = time.perf_counter()
    dot_moments_numpy(d, 0.0, 1.0, n, seed=1)
    t_np = time.perf_counter() - t0
    t0 = time.perf_counter()
    dot_moments_torch(d, 0.0, 1.0, n, seed=1, device=args.device)
    t_t = time.perf_counter() - t0
    print(f"Monte Carlo E/Var of qᵀk, d={d}, n={n}, float64:")
    print(f"  numpy: {n / t_np:,.0f} samples/s ({t_np:.2f} s)")
    print(f"  torch ({args.device}): {n / t_t:,.0f} samples/s ({t_t:.2f} s)")
    print(f"  torch/numpy throughput ratio: {t_np / t_t:.2f}")


if __name__ == "__main__":
    main()
