"""Q5 benchmark: quadratic-kernel linear attention vs scaled_dot_product_attention.

    python benchmarks/bench_kernel_attention.py [--n 16384] [--d 16] [--m 16]
        [--repeats 7] [--threads T] [--device cpu] [--fig PATH] [--no-sweep] [--json OUT]

One run, float32, non-causal, one head, seeded inputs of shape (1, 1, N, D). Prints:

* wall time (best of the repeats, and the median) of
  ``numerics.kernel_attention.linear_attention`` (its fast path: the fused C kernel
  where it is available, and the stock-torch path beside it) and of
  ``torch.nn.functional.scaled_dot_product_attention`` on the same inputs, in two
  layouts: (1, 1, N, D) — the normal call, which PyTorch's CPU backend serves with its
  fused flash kernel — and (N, D), which falls to the unfused math path (materialises
  N × N); the speed-up over each. All timings use the same thread count (torch's
  default unless --threads) under ``torch.inference_mode``;
* the symbolic FLOP count (``derivations.attention_cost.linear_cost().flops`` at N, D,
  M), the matmul FLOPs FlopCounterMode counts on the stock-torch path (must equal the
  symbolic matmul polynomial), the plain 2048 × 2048 torch.matmul FLOP rate measured in
  the same run, and efficiency = (symbolic FLOPs / time) / matmul rate for each path;
* accuracy against a float64 explicit O(N²) reference on the first 256 queries;
* a sweep of N: wall time and peak memory of linear and (explicit, eq. 7) softmax
  attention with fitted log-log exponents, optionally drawn to --fig.

Targets (issue 4): ≥ 150× faster than scaled_dot_product_attention, efficiency ≥ 25%,
linear peak-memory exponent ≈ 1 (softmax ≈ 2). Exit status 1 when a target is missed;
the table is printed either way.

Which SDPA call the 150× refers to: the issue calibrates it with "a straightforward
implementation that materialises φ reaches about 75× here". The script times that
straightforward implementation in the same run; on this machine it is ~80× faster than
SDPA on the (N, D) inputs and ~8× faster than the fused (1, 1, N, D) call, so the issue's
figure is the (N, D) call and the target is judged there. The speed-up over the fused
kernel — the stronger baseline — is printed beside it and is far smaller; read both.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

import sympy as sp
import torch

from derivations import attention_cost as der
from numerics import attention_cost as num
from numerics.kernel_attention import (
    explicit_kernel_attention,
    linear_attention,
    native_unavailable_reason,
)

SPEEDUP_TARGET = 150.0
EFFICIENCY_TARGET = 0.25


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=16384)
    ap.add_argument("--d", type=int, default=16)
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fig", default=None, help="write the log-log sweep figure here")
    ap.add_argument("--no-sweep", action="store_true")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    cost = der.linear_cost()
    subs = {der.N: args.n, der.D: args.d, der.M: args.m}
    model_flops = float(cost.flops.subs(subs))
    sym_matmul = int(cost.matmul_flops.subs(subs))
    b = num.benchmark(args.n, args.d, args.m, repeats=args.repeats, seed=args.seed,
                      model_flops=model_flops, device=args.device)

    Q, K, V = num.random_qkv(args.n, args.d, args.m, seed=args.seed, device=args.device)
    with torch.no_grad():
        got = linear_attention(Q, K, V)[..., :256, :].double().cpu()
        ref = explicit_kernel_attention(Q[..., :256, :].double(), K.double(), V.double()).cpu()
    rel = float((got - ref).abs().max() / ref.abs().max())

    print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, "
          f"device {b['device']}, threads {b['threads']}, seed {args.seed}")
    print(f"N = {args.n}, D = {args.d}, M = {args.m}, float32, non-causal, quadratic kernel, "
          f"compact map P = {int(der.compact_dim(args.d))}")
    print()
    r = b["repeats"]
    print(f"{'':38}{'best s':>10}{'median s':>10}{'runs':>6}{'linear is':>12}")
    print(f"{'linear attention (eq. 8), ' + b['backend']:38}{b['linear_s']:10.5f}"
          f"{b['linear_median_s']:10.5f}{r['linear']:6d}")
    if b["backend"] != "torch":
        print(f"{'linear attention (eq. 8), torch':38}{b['linear_torch_s']:10.5f}"
              f"{b['linear_torch_median_s']:10.5f}{r['linear']:6d}")
    else:
        print(f"(native kernel unavailable: {native_unavailable_reason()})")
    print(f"{'SDPA, (1,1,N,D) layout (fused flash)':38}{b['sdpa_4d_s']:10.5f}"
          f"{b['sdpa_4d_median_s']:10.5f}{r['sdpa_4d']:6d}{b['speedup_vs_sdpa_4d']:11.1f}×"
          f"   (medians: {b['speedup_vs_sdpa_4d_medians']:.1f}×)")
    print(f"{'SDPA, (N,D) layout (unfused math)':38}{b['sdpa_2d_s']:10.5f}{'':10}"
          f"{r['sdpa_2d']:6d}{b['speedup_vs_sdpa_2d']:11.1f}×")
    print(f"{'materialised φ (straightforward)':38}{b['materialised_s']:10.5f}"
          f"   — vs SDPA (N,D) {b['materialised_speedup_vs_sdpa_2d']:.0f}×, "
          f"vs fused {b['materialised_speedup_vs_sdpa_4d']:.1f}× (the issue's ≈75× calibration)")
    print()
    print(f"symbolic FLOPs (cost model)      {model_flops:.4e}   = {sp.sstr(cost.flops)}")
    print(f"symbolic matmul FLOPs            {sym_matmul:.4e}")
    print(f"FlopCounterMode matmul FLOPs     {b['counted_matmul_flops']:.4e}   "
          f"{'== symbolic' if b['counted_matmul_flops'] == sym_matmul else '!= symbolic'}"
          "   (stock-torch path)")
    print(f"2048² matmul rate                {b['matmul_flops_per_s'] / 1e9:.1f} GFLOP/s")
    print(f"linear attention rate            {b['linear_flops_per_s'] / 1e9:.1f} GFLOP/s "
          f"({b['backend']})")
    print(f"efficiency                       {100 * b['efficiency']:.1f} % ({b['backend']})")
    if b["backend"] != "torch":
        print(f"efficiency, stock-torch path     {100 * b['efficiency_torch']:.1f} %")
    print(f"max rel. error vs float64 explicit (first 256 queries): {rel:.2e}")

    sweep = None
    if not args.no_sweep:
        sweep = num.sweep({"softmax": [512, 1024, 2048, 4096],
                           "linear": [1024, 2048, 4096, 8192, 16384, 32768, 65536]},
                          d=args.d, m=args.m, repeats=3, seed=args.seed, device=args.device,
                          threads=args.threads)
        print()
        for name in ("softmax", "linear"):
            r = sweep[name]
            print(f"{name:8} time ∝ N^{r['time_exponent'][0]:.2f} (largest N {r['time_fit_ns']}), "
                  f"peak memory ∝ N^{r['mem_exponent'][0]:.2f} "
                  f"(N {[x['N'] for x in r['rows']]})")
        nstar = float(der.derive().crossover.subs({der.D: args.d, der.M: args.m}))
        print(f"measured crossover N = {sweep['measured_crossover']} (of {sweep['common_ns']}); "
              f"FLOP crossover N* = {nstar:.0f}")
        if args.fig:
            num.plot_sweep(sweep, args.fig, crossover=nstar)
            print(f"figure: {args.fig}")

    ok_fast = b["speedup_vs_sdpa_2d"] >= SPEEDUP_TARGET
    ok_eff = b["efficiency"] >= EFFICIENCY_TARGET
    ok_mem = sweep is None or abs(sweep["linear"]["mem_exponent"][0] - 1) < 0.15
    print()
    print(f"target ≥ {SPEEDUP_TARGET:.0f}× vs SDPA on the (N,D) inputs: "
          f"{'met' if ok_fast else 'MISSED'} ({b['speedup_vs_sdpa_2d']:.0f}×); vs the fused "
          f"(1,1,N,D) kernel: {b['speedup_vs_sdpa_4d']:.0f}× (≥ {SPEEDUP_TARGET:.0f}× would "
          f"be {'met' if b['speedup_vs_sdpa_4d'] >= SPEEDUP_TARGET else 'missed'})")
    print(f"target efficiency ≥ {100 * EFFICIENCY_TARGET:.0f}%: {'met' if ok_eff else 'MISSED'} "
          f"({100 * b['efficiency']:.1f}%)")
    if sweep is not None:
        print(f"target linear memory exponent ≈ 1: {'met' if ok_mem else 'MISSED'} "
              f"({sweep['linear']['mem_exponent'][0]:.2f}; softmax "
              f"{sweep['softmax']['mem_exponent'][0]:.2f})")
    if args.json:
        out = {"benchmark": b, "max_rel_error": rel, "sweep": sweep}
        Path(args.json).write_text(json.dumps(out, indent=1, default=str))
    return 0 if (ok_fast and ok_eff and ok_mem) else 1


if __name__ == "__main__":
    sys.exit(main())
