"""Q3 confirmed by Monte Carlo: the mean and variance of qᵀk, in numpy and torch.

Every estimate comes with its standard error, so a derived value is accepted when
it lies within ``z_max`` standard errors of the estimate (see :func:`agrees`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from hw7core.device import resolve_device
from hw7core.errors import InputError

# 5 standard errors: a two-sided normal tail of 5.7e-7 per comparison, so a correct
# formula essentially never fails over the few hundred comparisons a run makes,
# while a wrong one (off by a term of order the SE·√n) fails at the sizes used.
Z_MAX = 5.0


@dataclass
class MomentEstimate:
    """Monte Carlo estimate of E[qᵀk] and Var(qᵀk) with standard errors."""

    n: int
    seed: int
    backend: str
    mean: float
    mean_se: float
    var: float
    var_se: float

    def as_dict(self) -> dict:
        return asdict(self)


def _validate(d: int, mu, sigma: float, n: int) -> np.ndarray:
    if not isinstance(d, (int, np.integer)) or d < 1:
        raise InputError(f"dimension d must be a positive integer, got {d!r}")
    if not (isinstance(sigma, (int, float, np.floating)) and math.isfinite(sigma) and sigma > 0):
        raise InputError(f"sigma must be a finite positive number, got {sigma!r}")
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise InputError(f"number of samples n must be an integer >= 2, got {n!r}")
    try:
        raw = np.asarray(mu, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"mu must be a number or a vector of numbers, got {mu!r}") from None
    if raw.ndim > 1 or (raw.ndim == 1 and raw.shape != (d,)):
        raise InputError(f"mu must be a scalar or a vector of length d={d}, got shape {raw.shape}")
    mu_arr = np.broadcast_to(raw, (int(d),)).copy()
    if not np.all(np.isfinite(mu_arr)):
        raise InputError("mu must be finite")
    return mu_arr


def _summarise(x_sum: float, x2_sum: float, x3_sum: float, x4_sum: float, n: int):
    """Mean, variance and their SEs from power sums (float64, computed about a shift)."""
    mean = x_sum / n
    # central moments from raw moments (the caller shifts data so these are well scaled)
    m2 = x2_sum / n - mean**2
    m3 = x3_sum / n - 3 * mean * x2_sum / n + 2 * mean**3
    m4 = x4_sum / n - 4 * mean * x3_sum / n + 6 * mean**2 * x2_sum / n - 3 * mean**4
    del m3
    var = m2 * n / (n - 1)
    mean_se = math.sqrt(var / n)
    # SE of the sample variance: sqrt((μ4 − σ⁴)/n) to leading order.
    var_se = math.sqrt(max(m4 - m2**2, 0.0) / n)
    return mean, mean_se, var, var_se


def dot_moments_numpy(d: int, mu, sigma: float, n: int, seed: int = 0,
                      chunk: int = 65536) -> MomentEstimate:
    """Estimate E[qᵀk], Var(qᵀk) for q, k ~ N(mu, σ²I) in R^d with ``n`` numpy samples."""
    mu_arr = _validate(d, mu, sigma, n)
    rng = np.random.default_rng(seed)
    shift = float(mu_arr @ mu_arr)  # centre power sums near the mean for accuracy
    sums = np.zeros(4)
    done = 0
    while done < n:
        b = min(chunk, n - done)
        q = mu_arr + sigma * rng.standard_normal((b, d))
        k = mu_arr + sigma * rng.standard_normal((b, d))
        x = np.einsum("ij,ij->i", q, k) - shift
        sums += [x.sum(), (x**2).sum(), (x**3).sum(), (x**4).sum()]
        done += b
    mean, mse, var, vse = _summarise(*sums, n)
    return MomentEstimate(int(n), int(seed), "numpy", float(mean + shift), float(mse), float(var), float(vse))


def dot_moments_torch(d: int, mu, sigma: float, n: int, seed: int = 0, device=None,
                      chunk: int = 65536) -> MomentEstimate:
    """The same estimate with torch (float64) on ``device`` (cpu or cuda)."""
    import torch

    mu_arr = _validate(d, mu, sigma, n)
    dev = resolve_device(device)
    gen = torch.Generator(device=dev).manual_seed(int(seed))
    mu_t = torch.as_tensor(mu_arr, dtype=torch.float64, device=dev)
    shift = float(mu_arr @ mu_arr)
    sums = torch.zeros(4, dtype=torch.float64, device=dev)
    done = 0
    while done < n:
        b = min(chunk, n - done)
        q = mu_t + sigma * torch.randn(b, d, generator=gen, dtype=torch.float64, device=dev)
        k = mu_t + sigma * torch.randn(b, d, generator=gen, dtype=torch.float64, device=dev)
        x = (q * k).sum(dim=1) - shift
        sums += torch.stack([x.sum(), (x**2).sum(), (x**3).sum(), (x**4).sum()])
        done += b
    mean, mse, var, vse = _summarise(*[float(v) for v in sums.cpu()], n)
    return MomentEstimate(int(n), int(seed), f"torch:{dev.type}", float(mean + shift), float(mse), float(var), float(vse))


def zscore(estimate: float, se: float, predicted: float) -> float:
    """(estimate − predicted)/SE; ±inf when SE is zero and they differ."""
    diff = estimate - predicted
    if se == 0:
        return 0.0 if diff == 0 else math.copysign(math.inf, diff)
    return diff / se


def agrees(est: MomentEstimate, mean_pred: float, var_pred: float,
           z_max: float = Z_MAX) -> tuple[bool, float, float]:
    """Whether the estimate is within ``z_max`` SEs of both predictions; returns z-scores."""
    zm = zscore(est.mean, est.mean_se, mean_pred)
    zv = zscore(est.var, est.var_se, var_pred)
    return (abs(zm) <= z_max and abs(zv) <= z_max), zm, zv


@dataclass
class SaturationPoint:
    d: int
    scaled: bool
    score_std: float          # std of the attention scores
    max_weight: float         # mean over trials of the largest softmax weight
    jacobian_norm: float      # mean Frobenius norm of ∂softmax/∂scores


def softmax_saturation(dims, n_keys: int = 16, trials: int = 256, seed: int = 0,
                       device=None) -> list[SaturationPoint]:
    """Why the scale matters: softmax(qᵀK) saturates as d grows, softmax(qᵀK/√d) does not.

    For each d, draws ``trials`` queries and ``n_keys`` keys ~ N(0, I_d) and reports
    the score spread, the largest attention weight and the size of the softmax
    Jacobian diag(p) − ppᵀ (the factor every gradient through attention passes).
    """
    import torch

    dev = resolve_device(device)
    gen = torch.Generator(device=dev).manual_seed(int(seed))
    out: list[SaturationPoint] = []
    for dim in dims:
        q = torch.randn(trials, 1, dim, generator=gen, dtype=torch.float64, device=dev)
        keys = torch.randn(trials, n_keys, dim, generator=gen, dtype=torch.float64, device=dev)
        raw = (q * keys).sum(-1)  # (trials, n_keys)
        for scaled in (False, True):
            scores = raw / math.sqrt(dim) if scaled else raw
            p = torch.softmax(scores, dim=-1)
            jac = torch.diag_embed(p) - p.unsqueeze(-1) * p.unsqueeze(-2)
            out.append(SaturationPoint(
                d=int(dim), scaled=scaled, score_std=float(scores.std()),
                max_weight=float(p.max(dim=-1).values.mean()),
                jacobian_norm=float(torch.linalg.matrix_norm(jac).mean()),
            ))
    return out


def plot_saturation(points: list[SaturationPoint], path) -> None:
    """Two panels: largest softmax weight and softmax-Jacobian norm against d."""
    from hw7core.plotting import save_figure, subplots

    fig, axes = subplots(1, 2, figsize=(9, 3.4))
    for scaled, style, label in ((False, "o-", "softmax(qᵀk)"), (True, "s-", "softmax(qᵀk/√d)")):
        pts = [p for p in points if p.scaled == scaled]
        ds = [p.d for p in pts]
        axes[0].plot(ds, [p.max_weight for p in pts], style, label=label)
        axes[1].plot(ds, [p.jacobian_norm for p in pts], style, label=label)
    axes[0].set_ylabel("mean largest attention weight")
    axes[1].set_ylabel("mean ‖∂softmax/∂scores‖_F")
    for ax in axes:
        ax.set_xscale("log", base=2)
        ax.set_xlabel("d")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("Q3: unscaled scores saturate the softmax and shrink its gradient as d grows")
    save_figure(fig, path)


def assert_moments_match(mean_fn, var_fn, d: int, mu: float, sigma: float, n: int,
                         seed: int, backend: str = "numpy", device=None,
                         z_max: float = Z_MAX) -> MomentEstimate:
    """The shared checker: raise AssertionError unless Monte Carlo agrees with the
    formulas ``mean_fn(d, mu, sigma)`` and ``var_fn(d, mu, sigma)`` (shared mean μ·1)
    within ``z_max`` standard errors. Tests feed it derived and deliberately wrong formulas.
    """
    if backend == "numpy":
        est = dot_moments_numpy(d, mu, sigma, n, seed=seed)
    else:
        est = dot_moments_torch(d, mu, sigma, n, seed=seed, device=device)
    ok, zm, zv = agrees(est, float(mean_fn(d, mu, sigma)), float(var_fn(d, mu, sigma)), z_max)
    assert ok, (f"d={d}, mu={mu}, sigma={sigma}: z(mean)={zm:.2f}, z(var)={zv:.2f} "
                f"exceed {z_max} standard errors")
    return est
