"""Q4: argmax attention in torch, and the experiments behind Q4(b).

Shapes: q (..., L, D) queries, K (..., N, D) keys, V (..., N, M) values, with equal
leading (batch/head) dimensions. Scores are qᵀk_i; the output row is the value of
the highest-scoring key. **Ties go to the lowest key index**, chosen explicitly
(minimum index among the maximal scores), so the result does not depend on the
backend's argmax.
"""

from __future__ import annotations

import math

import torch

from hw7core.arrays import check_array
from hw7core.device import resolve_device
from hw7core.errors import InputError

__all__ = ["argmax_attention", "argmax_weights", "scores_float64", "softmax_attention", "gradients",
           "retrieval_experiment", "temperature_sweep", "plot_retrieval"]


def _validate(q, K, V) -> None:
    for name, t in (("q", q), ("K", K), ("V", V)):
        if not isinstance(t, torch.Tensor):
            raise InputError(f"{name} must be a torch.Tensor, not {type(t).__name__}")
        check_array(t, name, min_ndim=2, allow_empty=True, finite=False)
    if not (q.shape[:-2] == K.shape[:-2] == V.shape[:-2]):
        raise InputError(f"batch dimensions differ: q {tuple(q.shape)}, K {tuple(K.shape)}, "
                         f"V {tuple(V.shape)}")
    if q.shape[-1] != K.shape[-1]:
        raise InputError(f"query and key widths differ: {q.shape[-1]} vs {K.shape[-1]}")
    if K.shape[-2] != V.shape[-2]:
        raise InputError(f"number of keys ({K.shape[-2]}) and values ({V.shape[-2]}) differ")
    if K.shape[-2] == 0:
        raise InputError("no keys: N = 0 (argmax over an empty set)")
    for name, t in (("q", q), ("K", K), ("V", V)):
        if t.numel() and not bool(torch.isfinite(t).all()):
            raise InputError(f"{name} contains NaN or infinite values")


def scores_float64(q: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """qKᵀ computed in float64, where it cannot overflow for float16/bfloat16/float32 input.

    A product of two float32 (or narrower) numbers is exact in float64 and at most
    (3.4e38)² ≈ 1.2e77, so D of them sum far below float64's 1.8e308: scores that
    overflow to ±inf — or to NaN as inf − inf — in the input dtype (e.g. float16 q·k = 60000
    per row) are finite here and compare correctly. Only float64 input can overflow
    float64 itself; that is named in an InputError, never turned into an inf or NaN score.
    (On a device without float64 — Apple MPS — the scores are computed on the CPU.)
    """
    dev = q.device
    if dev.type == "mps":
        q, K = q.cpu(), K.cpu()
    s = q.to(torch.float64) @ K.to(torch.float64).transpose(-1, -2)
    if s.numel() and not bool(torch.isfinite(s).all()):
        raise InputError("attention scores qᵀk overflow float64 (|q|·|k| > 1.8e308): "
                         "rescale q or K (a positive factor does not change the argmax)")
    return s.to(dev) if dev.type == "mps" else s


def argmax_weights(scores: torch.Tensor, dtype=None) -> tuple[torch.Tensor, torch.Tensor]:
    """(one-hot weights in ``dtype`` (default the scores'), index) of the largest score per
    row; ties → lowest index. NaN scores (no order) are an InputError."""
    if scores.numel() and bool(torch.isnan(scores).any()):
        raise InputError("attention scores contain NaN (inf − inf in qᵀk?): no argmax")
    n = scores.shape[-1]
    is_max = scores == scores.amax(dim=-1, keepdim=True)
    ar = torch.arange(n, device=scores.device)
    idx = torch.where(is_max, ar, n).amin(dim=-1)
    return torch.nn.functional.one_hot(idx, n).to(dtype or scores.dtype), idx


def argmax_attention(q, K, V, *, device=None) -> dict:
    """Q4(a): {'scores', 'weights', 'index', 'output'} for queries ``q``.

    Shapes: q (..., L, D), K (..., N, D), V (..., N, M) → scores (..., L, N) in float64
    (:func:`scores_float64`: no overflow for float16/32 input), weights (..., L, N) one-hot
    in V's dtype, index (..., L), output (..., L, M). Ties go to the lowest key index.
    InputError (one line) for shape mismatches, N = 0, non-floating, complex or non-finite
    input, and float64 scores that overflow.

    >>> import torch
    >>> q = torch.tensor([[300.0, 300.0]], dtype=torch.float16)
    >>> K = torch.tensor([[150.0, 150.0], [200.0, 200.0]], dtype=torch.float16)
    >>> int(argmax_attention(q, K, torch.eye(2, dtype=torch.float16))["index"][0])
    1
    """
    dev = resolve_device(device)
    q, K, V = (t.to(dev) if isinstance(t, torch.Tensor) else t for t in (q, K, V))
    _validate(q, K, V)
    scores = scores_float64(q, K)
    w, idx = argmax_weights(scores, V.dtype)
    return {"scores": scores, "weights": w, "index": idx, "output": w @ V}


def softmax_attention(q, K, V, *, temperature: float = 1.0, device=None) -> torch.Tensor:
    """softmax(qKᵀ/τ) V — the differentiable relative of argmax attention.

    The logits are formed in float64 (:func:`scores_float64`, so float16 scores cannot
    overflow into a NaN softmax) and the result is returned in V's dtype; InputError if
    τ is not a finite number > 0 or qKᵀ/τ overflows float64.
    """
    dev = resolve_device(device)
    q, K, V = (t.to(dev) if isinstance(t, torch.Tensor) else t for t in (q, K, V))
    _validate(q, K, V)
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) \
            or not math.isfinite(temperature) or not temperature > 0:
        raise InputError(f"temperature must be a finite number > 0, got {temperature!r}")
    logits = scores_float64(q, K) / temperature
    if not bool(torch.isfinite(logits).all()):
        raise InputError(f"qKᵀ/τ overflows float64 at temperature {temperature:g}")
    return (torch.softmax(logits, dim=-1) @ V.to(logits.dtype)).to(V.dtype)


def gradients(q, K, V, *, device=None) -> dict:
    """Q4(b): ‖∂L/∂q‖, ‖∂L/∂K‖ for L = Σ output², argmax vs softmax attention (autograd).

    Argmax attention's weights come from an index, so autograd has no path back to q
    or K: the gradients are exactly zero (``materialize_grads``). The finite-difference
    gradient (central, step h) is computed as well: zero too unless the winner changes.
    """
    dev = resolve_device(device)
    res = {}
    for kind in ("argmax", "softmax"):
        qq = q.detach().clone().to(dev).requires_grad_(True)
        kk = K.detach().clone().to(dev).requires_grad_(True)
        # V takes part in the graph so that the loss has one; q and K get no path
        vv = V.detach().clone().to(dev).requires_grad_(True)
        out = (argmax_attention(qq, kk, vv)["output"] if kind == "argmax"
               else softmax_attention(qq, kk, vv))
        loss = (out**2).sum()
        gq, gk = torch.autograd.grad(loss, (qq, kk), allow_unused=True, materialize_grads=True)
        res[kind] = {"grad_q_norm": float(gq.norm()), "grad_K_norm": float(gk.norm())}
    h = 1e-4
    qd = q.detach().to(dev, torch.float64)
    fd = torch.zeros_like(qd)
    flat = fd.view(-1)
    for t in range(qd.numel()):
        e = torch.zeros_like(qd).view(-1)
        e[t] = h
        e = e.view_as(qd)
        lp = (argmax_attention(qd + e, K.double(), V.double())["output"] ** 2).sum()
        lm = (argmax_attention(qd - e, K.double(), V.double())["output"] ** 2).sum()
        flat[t] = (lp - lm) / (2 * h)
    res["argmax"]["fd_grad_q_norm"] = float(fd.norm())
    return res


def retrieval_experiment(*, n_keys: int = 8, dim: int = 4, steps: int = 200, lr: float = 0.5,
                         seed: int = 0, device=None) -> dict:
    """Q4(b): train a query to retrieve a target value, with softmax vs argmax attention.

    Random unit-norm keys and values (seeded); the target is a key the initial query does *not*
    select. The loss is ‖attention(q) − v_target‖²; plain gradient descent on q.
    Returns the loss histories and how far q moved.
    """
    dev = resolve_device(device)
    g = torch.Generator().manual_seed(seed)
    K = torch.randn(n_keys, dim, generator=g, dtype=torch.float64)
    # unit-norm keys: every key is a vertex of their hull, so each one *can* be retrieved
    K = (K / K.norm(dim=1, keepdim=True)).to(dev)
    V = torch.randn(n_keys, dim, generator=g, dtype=torch.float64).to(dev)
    q0 = torch.randn(1, dim, generator=g, dtype=torch.float64).to(dev)
    start = int(argmax_attention(q0, K, V)["index"][0])
    target = (start + 1) % n_keys
    out = {"seed": seed, "target": target, "initial_index": start}
    for kind in ("softmax", "argmax"):
        q = q0.clone().requires_grad_(True)
        opt = torch.optim.SGD([q], lr=lr)
        hist = []
        for _ in range(steps):
            opt.zero_grad()
            o = (softmax_attention(q, K, V) if kind == "softmax"
                 else argmax_attention(q, K, V)["output"])
            loss = ((o - V[target]) ** 2).sum()
            if loss.requires_grad:
                loss.backward()
            if q.grad is None:           # argmax: no path from the loss back to q
                q.grad = torch.zeros_like(q)
            opt.step()
            hist.append(float(loss.detach()))
        final_idx = int(argmax_attention(q.detach(), K, V)["index"][0])
        out[kind] = {"loss": hist, "q_moved": float((q.detach() - q0).norm()),
                     "retrieves_target": final_idx == target}
    return out


def temperature_sweep(q, K, V, temperatures, *, device=None) -> list[tuple[float, float]]:
    """(τ, max |softmax_τ attention − argmax attention|): → 0 as τ → 0 (unique winner)."""
    a = argmax_attention(q, K, V, device=device)["output"]
    return [(float(t), float((softmax_attention(q, K, V, temperature=t, device=device) - a)
                             .abs().max())) for t in temperatures]


def plot_retrieval(runs: list[dict], sweep: list[tuple[float, float]], path) -> None:
    """Q4(b)'s figure, saved to ``path`` (PNG): left, the loss of each
    :func:`retrieval_experiment` run per SGD step (softmax solid, argmax dashed; log
    scale); right, :func:`temperature_sweep`'s (τ, max |softmax_τ − argmax|) on log-log
    axes (zeros drawn at 1e-17). InputError when there is nothing to draw.
    """
    from hw7core.plotting import save_figure, subplots

    if not runs or not sweep:
        raise InputError("plot_retrieval needs at least one run and one temperature")
    fig, axes = subplots(1, 2, figsize=(10, 3.6))
    for r in runs:
        axes[0].semilogy(r["softmax"]["loss"], color="C0", alpha=0.7)
        axes[0].semilogy(r["argmax"]["loss"], color="C3", alpha=0.7, ls="--")
    axes[0].plot([], [], color="C0", label="softmax attention")
    axes[0].plot([], [], color="C3", ls="--", label="argmax attention")
    axes[0].set_xlabel("SGD step")
    axes[0].set_ylabel("‖attention(q) − v_target‖²")
    axes[0].legend()
    axes[0].set_title("training a query to retrieve a target")
    ts = [t for t, _ in sweep]
    axes[1].loglog(ts, [max(e, 1e-17) for _, e in sweep], "o-")
    axes[1].set_xlabel("softmax temperature τ")
    axes[1].set_ylabel("max |softmax_τ − argmax| (instance)")
    axes[1].set_title("argmax = zero-temperature limit")
    save_figure(fig, path)
