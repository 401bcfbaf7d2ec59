"""Q5(c), Q5(d): measure what the cost model predicts.

* matmul FLOPs with ``torch.utils.flop_counter.FlopCounterMode`` (exact counts),
* wall time and peak allocated memory (``torch.profiler`` memory events on CPU,
  ``torch.cuda.max_memory_allocated`` on CUDA) over a sweep of N,
* fitted exponents of time and memory in N (least squares on log-log),
* the measured crossover length where linear attention becomes faster.

:func:`flops_vs_polynomial` compares a FlopCounterMode count with a cost polynomial of
``derivations.attention_cost`` (any kernel degree p) on seeded random inputs.
"""

from __future__ import annotations

import contextlib
import time

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

from hw7core.device import resolve_device
from hw7core.errors import InputError
from numerics.kernel_attention import (  # random_qkv: the one Q/K/V generator, re-exported
    linear_attention,
    native_applies,
    random_qkv,
    softmax_attention,
)

__all__ = ["IMPLEMENTATIONS", "torch_threads", "random_qkv", "counted_flops",
           "flops_vs_polynomial", "wall_times", "wall_time", "cpu_times", "retained_heap",
           "peak_memory", "fit_exponent", "sweep", "plot_sweep", "matmul_rate", "benchmark"]

IMPLEMENTATIONS = {
    "softmax": lambda Q, K, V, **kw: softmax_attention(Q, K, V, **kw),
    "linear": lambda Q, K, V, **kw: linear_attention(Q, K, V, **kw),
}


@contextlib.contextmanager
def torch_threads(n: int | None):
    """Temporarily set torch's intra-op thread count (None: leave it).

    Timing sweeps run single-threaded by default: on a shared machine an OpenMP team
    waits for its slowest, possibly descheduled, thread at every op, which turned 0.5 ms
    calls into 10–20 ms ones in development; one thread measures the scaling cleanly.
    """
    if n is None:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(old)


def counted_flops(fn, *args, **kwargs) -> int:
    """Total FLOPs ``FlopCounterMode`` counts (matmul-type ops, 2·m·n·k each).

    >>> counted_flops(torch.matmul, torch.ones(2, 3), torch.ones(3, 4))
    48
    """
    with FlopCounterMode(display=False) as fc:
        fn(*args, **kwargs)
    return int(fc.get_total_flops())


def flops_vs_polynomial(impl, poly, n: int, d: int, m: int, *, heads: int = 1, batch: int = 1,
                        dtype=torch.float64, seed: int = 0, device=None,
                        **kwargs) -> tuple[int, int]:
    """(counted, expected) matmul FLOPs of ``impl(Q, K, V, **kwargs)`` on random inputs.

    counted: what ``torch.utils.flop_counter.FlopCounterMode`` counts (2·m·n·k per
    matrix product; it sees torch ops only, so time the stock-torch path, e.g.
    ``linear_attention(..., backend="torch")``); expected: batch · heads · ``poly`` with
    its symbols named N, D, M set to n, d, m (a SymPy expression such as
    ``derivations.attention_cost.linear_cost(degree=3).matmul_flops``). Inputs come from
    :func:`random_qkv` (shapes (batch, heads, n, d|m), ``seed``); ``kwargs`` go to
    ``impl``. InputError for sizes < 1 or a polynomial in other symbols, or whose value
    is not a whole number.

    Source: Katharopoulos et al. (2020), eq. (8); the homework, Q5(c), Q5(d).

    >>> import sympy as sp
    >>> N_, D_, M_ = sp.symbols("N D M")
    >>> flops_vs_polynomial(softmax_attention, 2 * N_**2 * D_ + 2 * N_**2 * M_, 5, 3, 2)
    (250, 250)
    """
    import sympy as sp

    sizes = {"N": n, "D": d, "M": m}
    expr = sp.Integer(poly) if isinstance(poly, int) and not isinstance(poly, bool) else poly
    if not isinstance(expr, sp.Expr):
        raise InputError(f"poly must be a SymPy expression in N, D, M, got {type(poly).__name__}")
    unknown = sorted(s.name for s in expr.free_symbols if s.name not in sizes)
    if unknown:
        raise InputError(f"poly has symbols other than N, D, M: {', '.join(unknown)}")
    val = expr.subs({s: sizes[s.name] for s in expr.free_symbols})
    if not (val.is_Integer or (val.is_Rational and val.q == 1)):
        raise InputError(f"poly at N={n}, D={d}, M={m} is {val}, not a whole number of FLOPs")
    Q, K, V = random_qkv(n, d, m, heads=heads, batch=batch, dtype=dtype, seed=seed, device=device)
    counted = counted_flops(impl, Q, K, V, **kwargs)
    return counted, int(batch) * int(heads) * int(val)


def wall_times(fn, *, repeats: int = 3, device=None, warmup: bool = True) -> list[float]:
    """Wall-clock seconds of ``repeats`` calls after one warm-up (synchronised on CUDA)."""
    if repeats < 1:
        raise InputError(f"repeats must be ≥ 1, got {repeats}")
    dev = resolve_device(device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    if warmup:
        fn()
        sync()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        sync()
        out.append(time.perf_counter() - t0)
    return out


def cpu_times(fn, *, repeats: int = 3, warmup: bool = True) -> list[float]:
    """CPU seconds the *calling thread* spends in each of ``repeats`` calls (after one
    warm-up), from ``time.thread_time``.

    With one torch thread (the sweep's default) and the native kernel's work on the
    calling thread, this is the computation's own time: unlike wall time it does not
    count the moments the thread waits descheduled on a shared machine, which at a load
    of several processes per core dominated millisecond calls. Page faults and other
    kernel work done for the call still count (see :func:`retained_heap`).
    """
    if repeats < 1:
        raise InputError(f"repeats must be ≥ 1, got {repeats}")
    if warmup:
        fn()
    out = []
    for _ in range(repeats):
        t0 = time.thread_time()
        fn()
        out.append(time.thread_time() - t0)
    return out


@contextlib.contextmanager
def retained_heap():
    """Keep freed memory mapped between calls while timing (glibc; elsewhere a no-op).

    By default glibc serves every large allocation (an N × N score matrix: 4 MB at
    N = 1024, 64 MB at 4096) with a fresh ``mmap`` and unmaps it on free, so each call
    page-faults its buffers anew — kernel time proportional to the bytes touched, which
    a log-log fit of time against N reads as arithmetic (the key once printed "time ∝
    N^3.01" beside O(N²(D + M))). Inside this context large blocks come from the heap
    (``M_MMAP_MAX`` = 0) and freed memory is not returned (``M_TRIM_THRESHOLD`` = 2 GiB),
    so after the warm-up call the same pages are reused, already touched — as in any
    long-running program. On exit glibc's defaults are set again and the retained memory
    is handed back (``malloc_trim``). Uses the C library already loaded in this process
    (``ctypes.CDLL(None)``); nothing is loaded from a file.
    """
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        mallopt, trim = libc.mallopt, libc.malloc_trim
    except (OSError, AttributeError):
        yield False
        return
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4
    ok = bool(mallopt(M_MMAP_MAX, 0)) and bool(mallopt(M_TRIM_THRESHOLD, 2**31 - 1))
    try:
        yield ok
    finally:
        mallopt(M_MMAP_MAX, 65536)             # glibc's DEFAULT_MMAP_MAX
        mallopt(M_TRIM_THRESHOLD, 128 * 1024)  # glibc's DEFAULT_TRIM_THRESHOLD
        trim(0)


def wall_time(fn, *, repeats: int = 3, device=None) -> float:
    """Best of ``repeats`` wall-clock seconds after one warm-up (synchronised on CUDA)."""
    return min(wall_times(fn, repeats=repeats, device=device))


def peak_memory(fn, *, device=None) -> int:
    """Peak bytes allocated by torch while ``fn`` runs (beyond what existed before).

    CPU: replays the profiler's allocation/free events in time order; CUDA: the
    allocator's peak statistic.
    """
    dev = resolve_device(device)
    if dev.type == "cuda":
        torch.cuda.synchronize()
        base = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        fn()
        torch.cuda.synchronize()
        return int(torch.cuda.max_memory_allocated() - base)
    from torch.profiler import ProfilerActivity, profile

    from hw7core.native_stderr import silenced_native_stderr

    # kineto prints "USDT: profiler_start/stop" on fd 2 for every profile; not errors
    with silenced_native_stderr(), profile(activities=[ProfilerActivity.CPU],
                                           profile_memory=True) as prof:
        fn()
    events = sorted(prof.events(), key=lambda e: e.time_range.start)
    cur = peak = 0
    for e in events:
        # op events carry their own allocations; "[memory]" events carry frees
        delta = e.cpu_memory_usage if e.name == "[memory]" else e.self_cpu_memory_usage
        cur += delta
        peak = max(peak, cur)
    return int(peak)


def fit_exponent(ns, ys) -> tuple[float, float]:
    """Least-squares slope and intercept of log y against log N."""
    ns, ys = np.asarray(ns, float), np.asarray(ys, float)
    if len(ns) < 2 or np.any(ns <= 0) or np.any(ys <= 0):
        raise InputError("need at least two positive (N, value) points to fit an exponent")
    slope, icpt = np.polyfit(np.log(ns), np.log(ys), 1)
    return float(slope), float(icpt)


def _both_clocks(call, reps: int, dev) -> tuple[list[float], list[float]]:
    """(wall seconds, calling-thread CPU seconds) of each of ``reps`` calls, synchronised
    on CUDA — one loop, so both clocks see the same calls."""
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    walls, cpus = [], []
    for _ in range(reps):
        w0, c0 = time.perf_counter(), time.thread_time()
        call()
        sync()
        cpus.append(time.thread_time() - c0)
        walls.append(time.perf_counter() - w0)
    return walls, cpus


def sweep(ns: dict, *, d: int = 16, m: int = 16, repeats: int = 3, seed: int = 0, device=None,
          threads: int | None = 1, progress=lambda it, desc="": it) -> dict:
    """Time and peak memory of softmax (eq. 7) and linear (eq. 8) attention over N.

    ``ns`` maps an implementation name ("softmax", "linear") to its N values (softmax
    is kept to sizes whose N × N scores fit comfortably in memory). Time: inference (no
    autograd), measured with :func:`retained_heap` (buffers reused, not page-faulted
    afresh every call). On the CPU the exponent is fitted to the calling thread's CPU
    time (:func:`cpu_times`; one torch thread), which a busy shared machine does not
    inflate; on CUDA to synchronised wall time. Wall time is recorded beside it. Memory:
    peak allocated during a forward pass with autograd on, so all that backprop keeps is
    alive (the homework's definition). Returns, per implementation, the rows, the clock
    the time fit used (``time_key``) and the fitted (slope, intercept) of log time and
    log peak memory against log N; time is fitted on the three largest N, where the
    asymptotic term dominates fixed per-call overheads.

    ``threads``: torch's intra-op threads while timing (default 1; None leaves the setting).
    """
    with torch_threads(threads):
        out = _sweep(ns, d=d, m=m, repeats=repeats, seed=seed, device=device, progress=progress)
    out["threads"] = threads or torch.get_num_threads()
    return out


def _sweep(ns: dict, *, d: int, m: int, repeats: int, seed: int, device, progress) -> dict:
    """The work of :func:`sweep` (see its docstring)."""
    dev = resolve_device(device)
    cpu_clock = dev.type == "cpu"
    out = {"d": d, "m": m, "seed": seed, "device": str(dev),
           "time_clock": ("CPU time of the calling thread" if cpu_clock
                          else "synchronised wall time")}
    for name, n_list in ns.items():
        fn = IMPLEMENTATIONS[name]
        rows, heap_kept = [], False
        for n in progress(list(n_list), desc=f"{name} sweep"):
            Q, K, V = random_qkv(n, d, m, seed=seed, device=dev)
            def call(fn=fn, a=(Q, K, V)):
                return fn(*a, device=dev)

            with torch.no_grad(), retained_heap() as retained:
                # repeats for up to ~0.25 s per N (at least ``repeats``, at most 50): the best
                # of a few is at the mercy of one busy moment on a shared CPU — for CPU time
                # too, since memory bandwidth is shared (softmax's N×N passes at N = 4096
                # took 45–58 ms in one run vs another with 3 repeats)
                first = wall_time(call, repeats=1, device=dev)
                reps = int(min(50, max(repeats, 0.25 // max(first, 1e-6))))
                walls, cpus = _both_clocks(call, reps, dev)
                t = min(first, *walls)
                c = min(cpus) if cpu_clock else None
                heap_kept = retained
            # memory as Q5(c) defines it: a forward pass with autograd on, so everything
            # kept for backpropagation is alive at the peak
            Qg, Kg, Vg = (x.detach().clone().requires_grad_(True) for x in (Q, K, V))
            b = peak_memory(lambda fn=fn, a=(Qg, Kg, Vg): fn(*a, device=dev), device=dev)
            rows.append({"N": int(n), "s": t, "cpu_s": c, "bytes": b})
        tail = rows[-3:]
        key = "cpu_s" if cpu_clock else "s"
        out[name] = {"rows": rows, "time_key": key, "heap_retained": bool(heap_kept),
                     "time_exponent": fit_exponent([r["N"] for r in tail], [r[key] for r in tail]),
                     "mem_exponent": fit_exponent([r["N"] for r in rows],
                                                  [r["bytes"] for r in rows]),
                     "time_fit_ns": [r["N"] for r in tail]}
    if "softmax" in out and "linear" in out:
        ts = {r["N"]: r["s"] for r in out["softmax"]["rows"]}
        tl = {r["N"]: r["s"] for r in out["linear"]["rows"]}
        common = sorted(set(ts) & set(tl))
        out["common_ns"] = common
        # smallest common N from which linear stays faster for the rest of the sweep
        out["measured_crossover"] = next(
            (n for n in common if all(tl[c] < ts[c] for c in common if c >= n)), None)
    return out


def plot_sweep(result: dict, path, *, crossover: float | None = None) -> None:
    """Log-log time and memory against N with the fitted lines."""
    from hw7core.plotting import save_figure, subplots

    fig, axes = subplots(1, 2, figsize=(10, 4))
    tlabel = "CPU time [s]" if result.get("time_clock", "").startswith("CPU") else "wall time [s]"
    for ax, key, label in ((axes[0], "s", tlabel), (axes[1], "bytes", "peak memory [bytes]")):
        for name, colour in (("softmax", "C3"), ("linear", "C0")):
            if name not in result:
                continue
            rows = result[name]["rows"]
            if key == "s":
                rows = [{**r, "s": r[result[name].get("time_key", "s")]} for r in rows]
            ns = np.array([r["N"] for r in rows], float)
            ys = np.array([r[key] for r in rows], float)
            slope, icpt = result[name]["time_exponent" if key == "s" else "mem_exponent"]
            fit_ns = np.array(result[name]["time_fit_ns"], float) if key == "s" else ns
            ax.loglog(ns, ys, "o", color=colour, label=f"{name} (measured)")
            ax.loglog(fit_ns, np.exp(icpt) * fit_ns**slope, "-", color=colour,
                      label=f"{name} fit: ∝ N^{slope:.2f}")
        if key == "s" and crossover is not None and crossover > 0:
            ax.axvline(crossover, color="grey", ls="--", label=f"FLOP crossover N*≈{crossover:.0f}")
        ax.set_xlabel("N (sequence length)")
        ax.set_ylabel(label)
        ax.legend(fontsize=7)
        ax.grid(True, which="both", alpha=0.3)
    fig.suptitle(f"softmax vs quadratic-kernel linear attention, D={result['d']}, "
                 f"M={result['m']} ({result['device']})")
    save_figure(fig, path)


def _square_matmul(size: int, dev):
    g = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=g).to(dev)
    b = torch.randn(size, size, generator=g).to(dev)
    return lambda: a @ b


def matmul_rate(size: int = 2048, *, repeats: int = 3, device=None) -> float:
    """FLOP/s of a plain size × size float32 torch.matmul (2·size³ FLOPs)."""
    dev = resolve_device(device)
    return 2.0 * size**3 / wall_time(_square_matmul(size, dev), repeats=repeats, device=dev)


def benchmark(n: int = 16384, d: int = 16, m: int = 16, *, repeats: int = 5, seed: int = 0,
              model_flops: float | None = None, device=None, threads: int | None = None) -> dict:
    """Q5(d) performance: quadratic-kernel linear attention vs scaled_dot_product_attention.

    float32, non-causal, one head, all timings under ``torch.inference_mode`` with the same
    thread count. Linear attention is timed with the native kernel where it applies
    (``backend`` in the result) and with the stock-op path (``linear_torch_s``). SDPA is
    timed on the (1, 1, N, D) layout (the normal call; on CPU its fused flash kernel) and
    on the (N, D) layout (the unfused math path, which materialises the N × N scores).
    Efficiency = (model FLOPs / time) / matmul FLOP rate, both measured here.
    ``model_flops`` defaults to the matmul FLOPs FlopCounterMode counts for the stock-op
    path (it cannot see inside the native kernel).

    ``threads``: torch's intra-op threads while timing (None leaves the setting).
    """
    with torch_threads(threads):
        return _benchmark(n, d, m, repeats=repeats, seed=seed, model_flops=model_flops,
                          device=device)


def _benchmark(n, d, m, *, repeats, seed, model_flops, device) -> dict:
    """The work of :func:`benchmark` (see its docstring)."""
    dev = resolve_device(device)
    Q, K, V = random_qkv(n, d, m, seed=seed, device=dev)
    sdpa = torch.nn.functional.scaled_dot_product_attention
    q2, k2, v2 = Q[0, 0], K[0, 0], V[0, 0]
    backend = "native" if native_applies(Q) else "torch"
    with torch.inference_mode():
        # best of many: the linear pass is short, so a quiet moment on a shared CPU is likely;
        # the medians are reported too, since a best of 30 favours the short call
        lin = wall_times(lambda: linear_attention(Q, K, V, backend=backend, device=dev),
                         repeats=max(repeats, 30), device=dev)
        # the stock-op path as well (the same when the native kernel is unavailable)
        lin_torch = (lin if backend == "torch" else
                     wall_times(lambda: linear_attention(Q, K, V, backend="torch", device=dev),
                                repeats=max(repeats, 30), device=dev))
        s4 = wall_times(lambda: sdpa(Q, K, V), repeats=max(1, repeats), device=dev)
        s2 = wall_times(lambda: sdpa(q2, k2, v2), repeats=1, device=dev)
        # the calibration point: the straightforward implementation that materialises
        # φ(Q), φ(K) in full (1 + D + D² columns) and multiplies — linear_attention's general
        # path with the full map — timed in the same run so the speed-up it gets says which
        # SDPA call the "about 75×" refers to
        naive = wall_times(lambda: linear_attention(Q, K, V, feature_map_name="quadratic_full",
                                                    device=dev),
                           repeats=max(1, repeats), device=dev)
        rate = 2.0 * 2048**3 / wall_time(_square_matmul(2048, dev), repeats=max(repeats, 10),
                                         device=dev)
    t_lin, t_sdpa4, t_sdpa2 = min(lin), min(s4), min(s2)
    # FlopCounterMode sees torch ops only: the count is the stock-op path's
    counted = counted_flops(linear_attention, Q, K, V, backend="torch", device=dev)
    flops = float(model_flops if model_flops is not None else counted)
    return {"N": n, "D": d, "M": m, "seed": seed, "device": str(dev),
            "threads": torch.get_num_threads(), "backend": backend,
            "linear_s": t_lin, "sdpa_4d_s": t_sdpa4, "sdpa_2d_s": t_sdpa2,
            "linear_torch_s": min(lin_torch),
            "linear_torch_median_s": float(np.median(lin_torch)),
            "efficiency_torch": flops / min(lin_torch) / rate,
            "linear_median_s": float(np.median(lin)), "sdpa_4d_median_s": float(np.median(s4)),
            "repeats": {"linear": len(lin), "sdpa_4d": len(s4), "sdpa_2d": len(s2)},
            "speedup_vs_sdpa_4d": t_sdpa4 / t_lin, "speedup_vs_sdpa_2d": t_sdpa2 / t_lin,
            "speedup_vs_sdpa_4d_medians": float(np.median(s4) / np.median(lin)),
            "materialised_s": min(naive),
            "materialised_speedup_vs_sdpa_4d": t_sdpa4 / min(naive),
            "materialised_speedup_vs_sdpa_2d": t_sdpa2 / min(naive),
            "matmul_flops_per_s": rate, "model_flops": flops, "counted_matmul_flops": counted,
            "linear_flops_per_s": flops / t_lin, "efficiency": flops / t_lin / rate}
