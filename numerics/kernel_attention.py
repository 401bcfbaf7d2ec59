"""Kernelised (linear) attention, eq. (8) of Q5, in torch — and its O(N²) references.

Shapes follow ``torch.nn.functional.scaled_dot_product_attention``: Q (..., N, D),
K (..., N, D), V (..., N, M) with any leading batch/head dimensions (equal for all
three). Feature maps (row-wise):

* ``"quadratic"`` — the compact symmetric map of the quadratic kernel (qᵀk + 1)²,
  1 + D + D(D+1)/2 entries (Q5(b)(ii)); the default.
* ``"quadratic_full"`` — the full map, 1 + D + D² entries (same kernel).
* ``"elu"`` — elu(x) + 1, the map of Katharopoulos et al. (2020).
* :func:`polynomial_feature_map` ``(p, c)`` — the map of the kernel (qᵀk + c)^p of any
  degree: compact (C(D + p, p) entries, :func:`polynomial_features`) or full
  (Σ_{j≤p} D^j entries, :func:`polynomial_full_features`). Degree 2 with c = 1 is the
  ``"quadratic"`` map (and takes its fast paths); other kernels use the stock-torch
  general path.
* any callable (..., D) -> (..., P); it must produce non-negative features, since a
  negative similarity can make the denominator of eq. (6) vanish (Q5(a)).

The non-causal quadratic case has a fast path (:func:`quadratic_linear_attention`):
it uses the kernel identity (qᵀk + 1)² = (q̃ᵀk̃)² with q̃ = (1, q), so the compact map is
the set of products q̃_a q̃_b (a ≤ b), taken in the "circulant" order of
:func:`circulant_pairs` so that a whole chunk of feature rows is one broadcast multiply
of a strided view of (1, q, 1, q). N is processed in chunks whose feature block stays
in cache for the matrix product that consumes it; [V | 1] gives S and z from one GEMM;
the √2 weights are folded into the (M+1) × P state instead of into every row.

On the CPU the same computation also exists as a fused C kernel
(:func:`native_quadratic_attention`, source ``kernel_attention.c``, compiled on first use
by :mod:`hw7core.native`): each block of rows has its feature products formed in L1 and
consumed at once by a register-blocked product, so φ(Q), φ(K) never reach memory. It is
what ``linear_attention`` uses by default where it is available (``backend="auto"``);
``backend="torch"`` selects the stock-op path, whose matmuls FlopCounterMode counts.
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import itertools
import math
import numbers
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch

from hw7core import native
from hw7core.arrays import check_array, check_size  # check_size: re-exported (public here)
from hw7core.device import resolve_device
from hw7core.errors import InputError

__all__ = [
    "FEATURE_MAPS", "BACKENDS", "feature_map", "quadratic_features", "quadratic_full_features",
    "elu_features", "quadratic_kernel", "polynomial_features", "polynomial_full_features",
    "polynomial_kernel", "polynomial_feature_dim", "PolynomialFeatureMap",
    "polynomial_feature_map", "feature_identity_error", "validate", "linear_attention",
    "quadratic_linear_attention", "native_quadratic_attention", "native_available", "native_unavailable_reason",
    "native_applies", "circulant_pairs", "explicit_kernel_attention", "softmax_attention",
    "roundoff_bound", "random_qkv", "compare_linear_explicit", "naive_kernel_attention",
    "check_size", "check_flag", "RESOLVE_FRACTION",
]

FEATURE_MAPS = ("quadratic", "quadratic_full", "elu")


# --------------------------------------------------------------------- feature maps
def _triu(e: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    iu = torch.triu_indices(e, e, device=device)
    return iu[0], iu[1]


def quadratic_features(x: torch.Tensor) -> torch.Tensor:
    """Compact map: with x̃ = (1, x), entries x̃_a x̃_b (a ≤ b), times √2 off the diagonal."""
    xt = torch.cat([torch.ones_like(x[..., :1]), x], dim=-1)
    a, b = _triu(xt.shape[-1], x.device)
    # build the weights in x's dtype: √2 rounded to float32 would spoil float64 results
    w = torch.full(a.shape, math.sqrt(2.0), dtype=x.dtype, device=x.device)
    w[a == b] = 1.0
    return xt[..., a] * xt[..., b] * w


def quadratic_full_features(x: torch.Tensor) -> torch.Tensor:
    """Full map: 1, √2 x_i, x_i x_j over all ordered pairs (1 + D + D² entries)."""
    outer = (x[..., :, None] * x[..., None, :]).flatten(-2)
    return torch.cat([torch.ones_like(x[..., :1]), math.sqrt(2.0) * x, outer], dim=-1)


def elu_features(x: torch.Tensor) -> torch.Tensor:
    """elu(x) + 1 > 0 (Katharopoulos et al., 2020).

    Written as x + 1 (x > 0), exp(x) (x ≤ 0): ``elu(x) + 1`` computes (exp(x) − 1) + 1,
    which rounds to exactly 0 once exp(x) < ulp(1) (x < −37 in float64, −17 in float32),
    making similarities — and possibly a denominator — vanish.
    """
    return torch.where(x > 0, x + 1.0, torch.exp(torch.clamp(x, max=0.0)))


# ------------------------------------------------------------ polynomial kernels, degree p
MAX_DEGREE = 8      # C(D + p, p) features: already 735 471 at D = 16, p = 8


def _poly_params(degree, offset) -> tuple[int, float]:
    if isinstance(degree, bool) or not isinstance(degree, numbers.Integral):
        raise InputError(f"kernel degree p must be an integer ≥ 1, got {degree!r}")
    if not 1 <= int(degree) <= MAX_DEGREE:
        raise InputError(f"kernel degree p must be an integer in 1..{MAX_DEGREE}, got {int(degree)}")
    if isinstance(offset, bool) or not isinstance(offset, numbers.Real):
        raise InputError(f"kernel offset c must be a number ≥ 0, got {offset!r}")
    c = float(offset)
    if not (math.isfinite(c) and c >= 0):
        raise InputError(f"kernel offset c must be a finite number ≥ 0, got {offset!r}")
    return int(degree), c


@functools.lru_cache(maxsize=64)
def _poly_tables(e: int, degree: int, offset: float) -> tuple[tuple[tuple[int, ...], ...],
                                                                tuple[float, ...]]:
    """Index columns (one tuple per factor) and weights of the compact map over x̃ ∈ R^e.

    Entries are the multisets {a_1 ≤ … ≤ a_p} ⊂ {0, …, e−1} in
    ``itertools.combinations_with_replacement`` order (x̃_0 = 1), weight
    √(p!/Π_a α_a! · c^{α_0}) — the order and weights of
    ``derivations.kernel_attention.compact_features``.
    """
    combos = list(itertools.combinations_with_replacement(range(e), degree))
    weights = []
    for combo in combos:
        mult = math.factorial(degree)
        for a in set(combo):
            mult //= math.factorial(combo.count(a))
        weights.append(math.sqrt(mult * offset ** combo.count(0)))
    return tuple(zip(*combos)), tuple(weights)


def polynomial_feature_dim(d: int, degree: int = 2, *, full: bool = False) -> int:
    """Entries of the degree-p map at width D: C(D + p, p) (compact) or Σ_{j≤p} D^j (full).

    InputError for D < 1 or a bad degree. Source: the homework, Q5(b)(ii).

    >>> polynomial_feature_dim(16, 2), polynomial_feature_dim(16, 3), polynomial_feature_dim(3, 2, full=True)
    (153, 969, 13)
    """
    p, _ = _poly_params(degree, 1.0)
    if isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 1:
        raise InputError(f"width D must be an integer ≥ 1, got {d!r}")
    return sum(int(d) ** j for j in range(p + 1)) if full else math.comb(int(d) + p, p)


def polynomial_features(x: torch.Tensor, degree: int = 2, offset: float = 1.0) -> torch.Tensor:
    """Compact map of the kernel (qᵀk + c)^p, row-wise: (..., D) -> (..., C(D + p, p)).

    With x̃ = (1, x): one entry per multiset {a_1 ≤ … ≤ a_p} ⊂ {0, …, D},
    √(p!/(α_0!⋯α_D!) · c^{α_0}) · x̃_{a_1}⋯x̃_{a_p} (α_a = multiplicity of a), so that
    φ(q)ᵀφ(k) = (qᵀk + c)^p by the multinomial theorem. Same dtype and device as ``x``;
    degree 2, offset 1 gives :func:`quadratic_features` bit for bit. InputError for p not
    an integer in 1..8, or c not a finite number ≥ 0.

    Source: Katharopoulos et al. (2020), eq. (8); the homework, Q5(b)(ii).

    >>> q, k = torch.tensor([0.5, -1.0], dtype=torch.float64), torch.tensor([2.0, 0.25], dtype=torch.float64)
    >>> phi = polynomial_features(torch.stack([q, k]), degree=3, offset=1.0)
    >>> phi.shape
    torch.Size([2, 10])
    >>> float(phi[0] @ phi[1]), float((q @ k + 1) ** 3)
    (5.359375, 5.359375)
    """
    p, c = _poly_params(degree, offset)
    xt = torch.cat([torch.ones_like(x[..., :1]), x], dim=-1)
    cols, w = _poly_tables(xt.shape[-1], p, c)
    f = None
    for col in cols:
        g = xt[..., torch.tensor(col, dtype=torch.long, device=x.device)]
        f = g if f is None else f * g
    # weights in x's dtype: √2 rounded to float32 would spoil float64 results
    return f * torch.tensor(w, dtype=x.dtype, device=x.device)


def polynomial_full_features(x: torch.Tensor, degree: int = 2,
                             offset: float = 1.0) -> torch.Tensor:
    """Full map of (qᵀk + c)^p, row-wise: (..., D) -> (..., Σ_{j≤p} D^j).

    Blocks j = 0 … p of √(C(p, j) c^{p−j}) · x^{⊗j} (tensor powers, row-major), so
    φ(q)ᵀφ(k) = Σ_j C(p, j) c^{p−j} (qᵀk)^j = (qᵀk + c)^p. Degree 2, offset 1 gives
    :func:`quadratic_full_features`. Errors as :func:`polynomial_features`.

    >>> polynomial_full_features(torch.tensor([[2.0, 3.0]]), 2, 1.0).tolist()
    [[1.0, 2.8284270763397217, 4.242640495300293, 4.0, 6.0, 6.0, 9.0]]
    """
    p, c = _poly_params(degree, offset)
    blocks, power = [], torch.ones_like(x[..., :1])
    for j in range(p + 1):
        if j:
            power = (power[..., :, None] * x[..., None, :]).flatten(-2)
        w = math.sqrt(math.comb(p, j) * c ** (p - j))
        blocks.append(power if w == 1.0 else w * power)
    return torch.cat(blocks, dim=-1)


def polynomial_kernel(scores: torch.Tensor, degree: int = 2, offset: float = 1.0) -> torch.Tensor:
    """sim = (qᵀk + c)^p from the dot products ``scores`` (any shape), Q5(b)(i).

    >>> polynomial_kernel(torch.tensor([-1.0, 0.0, 1.0]), 3, 1.0).tolist()
    [0.0, 1.0, 8.0]
    """
    p, c = _poly_params(degree, offset)
    return (scores + c) ** p


@dataclasses.dataclass(frozen=True)
class PolynomialFeatureMap:
    """The feature map of the kernel (qᵀk + c)^p, usable wherever a feature map is taken.

    degree: p (int in 1..8); offset: c (finite, ≥ 0); full: the full (tensor-power) map
    instead of the compact one. Calling it maps (..., D) -> (..., :meth:`dim`). For odd p
    the kernel is negative where qᵀk < −c: attention then only guards the denominator
    (Σ_j sim > 0), as eq. (6) needs. InputError on bad parameters.

    >>> phi = PolynomialFeatureMap(3, 1.0)
    >>> phi.name, phi.dim(4), phi(torch.zeros(2, 4)).shape
    ('polynomial(p=3, c=1)', 35, torch.Size([2, 35]))
    """

    degree: int = 2
    offset: float = 1.0
    full: bool = False

    def __post_init__(self):
        p, c = _poly_params(self.degree, self.offset)
        object.__setattr__(self, "degree", p)
        object.__setattr__(self, "offset", c)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        fn = polynomial_full_features if self.full else polynomial_features
        return fn(x, self.degree, self.offset)

    @property
    def name(self) -> str:
        """E.g. ``polynomial(p=3, c=1)`` (``polynomial_full(...)`` for the full map)."""
        return f"polynomial{'_full' if self.full else ''}(p={self.degree}, c={self.offset:g})"

    def dim(self, d: int) -> int:
        """Number of features at width ``d``."""
        return polynomial_feature_dim(d, self.degree, full=self.full)

    def kernel(self, scores: torch.Tensor) -> torch.Tensor:
        """(scores + c)^p: the similarity this map's features reproduce."""
        return polynomial_kernel(scores, self.degree, self.offset)

    @property
    def is_quadratic(self) -> bool:
        """p = 2 and c = 1: the homework's kernel (the ``"quadratic"`` maps)."""
        return self.degree == 2 and self.offset == 1.0


def polynomial_feature_map(degree: int = 2, offset: float = 1.0, *,
                           full: bool = False) -> PolynomialFeatureMap:
    """The feature map of (qᵀk + c)^p, to pass as ``linear_attention(..., feature_map=...)``.

    Source: Katharopoulos et al. (2020), eq. (8); the homework, Q5(b).

    >>> Q = K = torch.eye(3, dtype=torch.float64)
    >>> V = torch.arange(6, dtype=torch.float64).reshape(3, 2)
    >>> out = linear_attention(Q, K, V, feature_map=polynomial_feature_map(3, 1.0))
    >>> torch.allclose(out, explicit_kernel_attention(Q, K, V, feature_map=polynomial_feature_map(3, 1.0)))
    True
    """
    return PolynomialFeatureMap(degree, offset, full)


def feature_identity_error(features: Callable, q: torch.Tensor, k: torch.Tensor,
                           degree: int = 2, offset: float = 1.0
                           ) -> tuple[torch.Tensor, torch.Tensor]:
    """(|φ(q)ᵀφ(k) − (qᵀk + c)^p|, its round-off bound), row by row, both float64.

    q, k: (..., D), same dtype; ``features``: a map (..., D) -> (..., P) claimed to be
    that of (qᵀk + c)^p (e.g. ``polynomial_feature_map(p, c)``). The bound is first order
    in the unit round-off u of the inputs' dtype, relative to the data's scale
    A = (|q|ᵀ|k| + c)^p — which equals Σ_α |φ_α(q) φ_α(k)| exactly for the true map, all
    terms being non-negative: a dot product of P terms, each a product of two features of
    p factors and a weight, is within (P + 2p + 8)·u·A (Higham, *Accuracy and Stability
    of Numerical Algorithms*, §3.1), and the kernel side, qᵀk to D·u·|q|ᵀ|k| then the p-th
    power, within p(D + 2)·u·A. A map whose identity fails exceeds the bound by orders of
    magnitude (the mutation checks). InputError for mismatched shapes or bad (p, c).

    >>> q, k = torch.randn(2, 5, 3, dtype=torch.float64)
    >>> err, bound = feature_identity_error(polynomial_feature_map(3, 1.0), q, k, 3, 1.0)
    >>> bool((err <= bound).all())
    True
    """
    p, c = _poly_params(degree, offset)
    if q.shape != k.shape or q.dim() < 1:
        raise InputError(f"q and k must have the same shape (..., D); got {tuple(q.shape)}, "
                         f"{tuple(k.shape)}")
    fq, fk = features(q), features(k)
    lhs = (fq.double() * fk.double()).sum(-1) if q.dtype == torch.float64 else \
        (fq * fk).sum(-1).double()
    rhs = (((q * k).sum(-1) + c) ** p).double()
    scale = ((q.double().abs() * k.double().abs()).sum(-1) + c) ** p
    u = torch.finfo(q.dtype).eps / 2
    gamma = (fq.shape[-1] + 2 * p + 8 + p * (q.shape[-1] + 2)) * u
    return (lhs - rhs).abs(), gamma * scale


_MAPS: dict[str, Callable] = {"quadratic": quadratic_features,
                              "quadratic_full": quadratic_full_features,
                              "elu": elu_features}


def feature_map(name_or_fn) -> tuple[str, Callable]:
    """(name, function) for a feature-map name, a :class:`PolynomialFeatureMap` or a callable.

    A polynomial map with p = 2, c = 1 is the named ``"quadratic"`` (``"quadratic_full"``)
    map, so it takes the same paths. InputError for an unknown name.

    >>> feature_map(polynomial_feature_map(2, 1.0))[0], feature_map(polynomial_feature_map(3))[0]
    ('quadratic', 'polynomial(p=3, c=1)')
    """
    if isinstance(name_or_fn, PolynomialFeatureMap):
        if name_or_fn.is_quadratic:
            name = "quadratic_full" if name_or_fn.full else "quadratic"
            return name, _MAPS[name]
        return name_or_fn.name, name_or_fn
    if callable(name_or_fn):
        return getattr(name_or_fn, "__name__", "custom"), name_or_fn
    if name_or_fn not in _MAPS:
        raise InputError(f"unknown feature map {name_or_fn!r}; use one of {', '.join(FEATURE_MAPS)} "
                         "or a callable")
    return name_or_fn, _MAPS[name_or_fn]


def quadratic_kernel(scores: torch.Tensor) -> torch.Tensor:
    """sim = (qᵀk + 1)² from the dot products (Q5(b)(i))."""
    return (scores + 1.0) ** 2


# --------------------------------------------------------------------- validation
def validate(Q, K, V, *, finite: bool = True) -> None:
    """Raise InputError with one line for shape mismatches, N = 0 or non-finite input.

    ``finite=False`` skips the finiteness scan (the fast path checks its output instead
    and only then looks for the offending input, saving three passes over the data).
    """
    for name, t in (("Q", Q), ("K", K), ("V", V)):
        if not isinstance(t, torch.Tensor):
            raise InputError(f"{name} must be a torch.Tensor, not {type(t).__name__}")
        # complex, integer and bool tensors, too few dimensions: one line naming them
        check_array(t, name, min_ndim=2, allow_empty=True, finite=False)
    if not (Q.dtype == K.dtype == V.dtype):
        raise InputError(f"Q, K, V dtypes differ: {Q.dtype}, {K.dtype}, {V.dtype}")
    if not (Q.shape[:-2] == K.shape[:-2] == V.shape[:-2]):
        raise InputError(f"batch/head dimensions differ: Q {tuple(Q.shape)}, K {tuple(K.shape)}, "
                         f"V {tuple(V.shape)}")
    if Q.shape[-1] != K.shape[-1]:
        raise InputError(f"Q and K widths differ: D = {Q.shape[-1]} vs {K.shape[-1]}")
    if K.shape[-2] != V.shape[-2]:
        raise InputError(f"K and V lengths differ: N = {K.shape[-2]} vs {V.shape[-2]}")
    if K.shape[-2] == 0 or Q.shape[-2] == 0:
        raise InputError("empty sequence: N = 0 (attention needs at least one key and query)")
    if Q.shape[-1] == 0 or V.shape[-1] == 0:
        raise InputError(f"zero-width input: D = {Q.shape[-1]}, M = {V.shape[-1]}")
    if finite:
        _check_finite(Q, K, V)


def _check_finite(Q, K, V) -> None:
    for name, t in (("Q", Q), ("K", K), ("V", V)):
        if not _all_finite(t):
            raise InputError(f"{name} contains NaN or infinite values")


def _all_finite(t: torch.Tensor) -> bool:
    # min and max propagate NaN and expose ±inf: one reduction pass instead of isfinite's four
    lo, hi = torch.aminmax(t)
    return bool(torch.isfinite(lo) & torch.isfinite(hi))


def _check_features(name: str, phi: torch.Tensor, which: str, known_psd: bool) -> None:
    if not _all_finite(phi):
        raise InputError(f"feature map {name!r} produced NaN/inf on {which} (inputs too large?)")
    if not known_psd:
        mn = float(phi.min())
        if mn < 0:
            raise InputError(f"feature map {name!r} produced negative values on {which} "
                             f"(min {mn:.3g}): sim could be ≤ 0 and the denominator vanish")


def _check_den(den: torch.Tensor, inputs_check=None, fmap=None) -> None:
    """Denominators must be > 0 and finite. ``inputs_check`` first blames a non-finite input;
    a denominator ≤ 0 is named as such (:func:`_nonpositive_den`, ``fmap`` the map used)."""
    tiny = torch.finfo(den.dtype).tiny
    lo, hi = torch.aminmax(den)
    if not bool((lo > tiny) & torch.isfinite(hi)):   # NaN fails lo > tiny
        if inputs_check is not None:
            inputs_check()
        bad = ~(den > tiny) | ~torch.isfinite(den)
        idx = int(bad.flatten().nonzero()[0])
        if float(den.flatten()[idx]) <= 0:
            raise _nonpositive_den(den, idx, fmap)
        raise InputError(f"attention denominator Σ_j sim(Q_i, K_j) is {float(den.flatten()[idx]):.3g} "
                         f"(not a positive normal number) for query {idx}: output would be non-finite")


def _nonpositive_den(den: torch.Tensor, idx: int, fmap=None) -> InputError:
    """One line for a denominator of eq. (6) that is (resolved to be) ≤ 0 at flat index
    ``idx`` of ``den`` (..., N_q): eq. (6) is undefined there (Q5(a)). ``fmap``: the
    feature map, to say why (an odd-degree polynomial kernel is negative where qᵀk < −c)."""
    pos = [int(x) for x in np.unravel_index(idx, tuple(den.shape))] if den.ndim else [0]
    where = f"row {pos[-1]}" + (f" of batch/head {tuple(pos[:-1])}" if len(pos) > 1 else "")
    if isinstance(fmap, PolynomialFeatureMap) and fmap.degree % 2:
        why = (f"an odd-degree kernel (p = {fmap.degree}) is not positive ((qᵀk + c)^p < 0 "
               f"where qᵀk < −c, here −{fmap.offset:g}); use an even degree or an offset c "
               "larger than −qᵀk for every query and key")
    elif isinstance(fmap, PolynomialFeatureMap) or fmap in ("quadratic", "quadratic_full"):
        why = "the kernel is 0 for every key of this query (qᵀk = −c), so eq. (6) divides by 0"
    else:
        why = ("the similarities of this query sum to ≤ 0, so eq. (6) is undefined (Q5(a)); "
               "use a non-negative similarity")
    return InputError(f"the kernel's normaliser Σ_j sim(q_i, k_j) (eq. (6)'s denominator) is "
                      f"{float(den.flatten()[idx]):.3g} (≤ 0) at {where}: {why}")


def check_flag(name: str, value) -> bool:
    """A switch (causal, fast): True or False, else one-line InputError."""
    if not isinstance(value, (bool, np.bool_)):
        raise InputError(f"{name} must be True or False, got {value!r}")
    return bool(value)


# A row's float computation is kept when the first-order bound on its denominator's error
# is at most this fraction of the denominator (so it is resolved: > 0, and the output's
# error is bounded by the same fraction of V's scale, see _roundoff_guard); otherwise the
# row is recomputed in float64, and where float64 cannot resolve it either, InputError.
RESOLVE_FRACTION = 0.5


def _gamma(p: int, n: int, dtype) -> float:
    """(P + N + 4)·u: the first-order factor of eq. (8)'s nested sums of P + N terms plus
    forming the features and dividing (Higham, *Accuracy and Stability of Numerical
    Algorithms*, §3.1/§3.5)."""
    return (p + n + 4) * torch.finfo(dtype).eps / 2


def _unresolved(den: torch.Tensor, den_abs: torch.Tensor, gamma: float) -> torch.Tensor:
    """Rows whose denominator round-off bound γ·Σ_j|φ(q_i)|ᵀ|φ(k_j)| exceeds
    RESOLVE_FRACTION·den_i, or whose denominator is ≤ the smallest normal or not finite."""
    tiny = torch.finfo(den.dtype).tiny
    return (~(den > tiny) | ~torch.isfinite(den) | ~torch.isfinite(den_abs)
            | (gamma * den_abs > RESOLVE_FRACTION * den))


def _unresolvable(idx: int, den: float, bound: float) -> InputError:
    if not (math.isfinite(den) and math.isfinite(bound)):
        return InputError(f"linear attention overflowed float64 for query {idx} (denominator "
                          f"{den:.3g}, its round-off bound {bound:.3g}); rescale Q and K")
    return InputError(f"attention denominator Σ_j sim(Q_i, K_j) for query {idx} cannot be "
                      f"resolved even in float64: {den:.3g} with a round-off bound of "
                      f"{bound:.3g} (the similarities cancel, qᵀk ≈ −1); rescale Q and K")


def _quadratic_abs_den(q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Σ_j |φ(q_i)|ᵀ|φ(k_j)| = Σ_j (|q̃_i|ᵀ|k̃_j|)² for the quadratic map, in float64, as the
    quadratic form |q̃_i|ᵀ G |q̃_i| with G = Σ_j |k̃_j||k̃_j|ᵀ (q̃ = (1, q)): O(N·D²), no φ.
    q (n_q, D), k (N, D) -> (n_q,)."""
    qa = torch.cat([torch.ones_like(q[:, :1]), q], dim=-1).double().abs()
    ka = torch.cat([torch.ones_like(k[:, :1]), k], dim=-1).double().abs()
    G = ka.T @ ka
    return ((qa @ G) * qa).sum(-1)


def _quadratic_float64_rows(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor):
    """(numerator, denominator) of eq. (8) for the rows q, in float64 (the fallback)."""
    fq, fk = quadratic_features(q.double()), quadratic_features(k.double())
    v1 = torch.cat([v.double(), torch.ones_like(v[:, :1], dtype=torch.float64)], dim=-1)
    nd = fq @ (fk.T @ v1)
    return nd[:, :-1], nd[:, -1]


def _guard_fast(Q, K, V, q3, k3, v3, out_t, den, out_finite: bool) -> None:
    """The fast paths' (torch and native alike) check of their result, fixing it in place.

    ``out_t`` (H, ≥M, N_q) and ``den`` (H, N_q) are a fast path's outputs for the heads
    q3, k3, v3. A NaN/inf input is named first. Then every row whose denominator the
    input dtype cannot resolve — bound γ·Σ_j(|q̃_i|ᵀ|k̃_j|)² > RESOLVE_FRACTION·den_i,
    den_i ≤ 0, or a non-finite value (float32 overflow) — is recomputed in float64 and
    written back rounded to the dtype; rows float64 cannot resolve are an InputError.
    The screen costs O(N·D): by Cauchy–Schwarz (|q̃|ᵀ|k̃|)² ≤ ‖q̃‖²‖k̃‖², so only rows it
    flags get the exact bound (:func:`_quadratic_abs_den`). Both backends call this with
    their own den, so they agree: the float32 case that cancels (Q = [[1e4, 1e4]],
    K = [[1, −1.0001], [1, −1.00005]], V = [[0], [1]], exact ≈ 1.0) once gave −0.034 on
    the torch path and "denominator is 0" from the native kernel.
    """
    dt = out_t.dtype
    H, nq = den.shape
    nk, d, m = k3.shape[1], k3.shape[2], v3.shape[2]
    e = d + 1
    gamma = _gamma(e * (e + 1) // 2, nk, dt)
    if not out_finite:
        _check_finite(Q, K, V)          # names a NaN/inf input before anything else
    with torch.no_grad():
        kf = k3.reshape(H, -1)
        # Σ_j ‖k̃_j‖² (a norm, not a matmul: FlopCounterMode counts only eq. (8)'s products)
        kn = nk + torch.linalg.vector_norm(kf, dim=-1, keepdim=True) ** 2      # (H, 1)
        if out_finite:
            # one global screen first (‖q_i‖² ≤ D·max|Q|²): three reductions and one
            # transfer to Python — in the usual case the guard's whole cost
            lo_d, hi_d = torch.aminmax(den)
            lo_q, hi_q = torch.aminmax(q3)
            lo_d, hi_d, lo_q, hi_q, kmax = torch.stack(
                [lo_d, hi_d, lo_q, hi_q, kn.max()]).double().tolist()
            qmax = 1.0 + d * max(abs(lo_q), abs(hi_q)) ** 2
            if (math.isfinite(hi_d) and lo_d > torch.finfo(dt).tiny
                    and gamma * qmax * kmax <= RESOLVE_FRACTION * lo_d):
                return
        if not _all_finite(den):
            _check_finite(Q, K, V)      # a NaN/inf in Q or K reaches every denominator
        qn = 1.0 + torch.linalg.vector_norm(q3, dim=-1) ** 2                    # (H, nq)
        flag = _unresolved(den, qn * kn, gamma)
        if not out_finite:
            flag |= ~torch.isfinite(out_t[:, :m]).all(dim=1)
        if not bool(flag.any()):
            return
        g64 = _gamma(e * (e + 1) // 2, nk, torch.float64)
        for h in range(H):
            rows = flag[h].nonzero().flatten()
            if rows.numel() == 0:
                continue
            qa = _quadratic_abs_den(q3[h, rows], k3[h])
            if dt != torch.float64:
                need = _unresolved(den[h, rows].double(), qa, gamma)
                if not out_finite:
                    need |= ~torch.isfinite(out_t[h, :m, rows]).all(dim=0)
                rows, qa = rows[need], qa[need]
                if rows.numel() == 0:
                    continue
                num64, den64 = _quadratic_float64_rows(q3[h, rows], k3[h], v3[h])
            else:
                den64 = den[h, rows]
                num64 = None
            bad = _unresolved(den64, qa, g64)
            if bool(bad.any()):
                i = int(bad.nonzero()[0])
                raise _unresolvable(int(rows[i]), float(den64[i]), g64 * float(qa[i]))
            if num64 is not None:
                out_t[h, :m, rows] = (num64 / den64[:, None]).T.to(dt)
    if dt == torch.float64 and not out_finite and not _all_finite(out_t[:, :m]):
        raise InputError("linear attention overflowed (non-finite output from finite inputs); "
                         "rescale Q and K")


# --------------------------------------------------------------------- linear attention
BACKENDS = ("auto", "native", "torch")


def _select_map(feature_map_name, fmap) -> tuple[str, Callable]:
    """(name, function) from the ``feature_map_name``/``feature_map`` pair (one of them)."""
    if fmap is not None and feature_map_name is not None:
        raise InputError("give feature_map or feature_map_name, not both")
    return feature_map(fmap if fmap is not None else
                       (feature_map_name if feature_map_name is not None else "quadratic"))


def linear_attention(Q, K, V, *, feature_map_name=None, causal: bool = False,
                     chunk: int = 256, fast: bool = True, backend: str = "auto",
                     device=None, feature_map=None) -> torch.Tensor:
    """Kernelised attention by eq. (8), V′_i = φ(Q_i)ᵀ S / φ(Q_i)ᵀ z (Q5(b)(iii), Q5(d)).

    Non-causal: S = Σ_j φ(K_j)V_jᵀ, z = Σ_j φ(K_j). Causal: the sums run over j ≤ i,
    computed block by block (``chunk`` rows): a masked product inside the block plus
    the prefix state of the earlier blocks. The denominator is guarded: it must be > 0
    and finite, else InputError.

    The non-causal quadratic case without autograd takes a fast path (``fast=True``):
    ``backend="native"`` is the fused C kernel (:func:`native_quadratic_attention`, CPU,
    float32/float64), ``"torch"`` the stock-op path (:func:`quadratic_linear_attention`,
    whose matrix products ``FlopCounterMode`` can count), ``"auto"`` the native kernel
    where it applies and is available, else the torch path.

    ``feature_map`` (or, equivalently, ``feature_map_name``; default ``"quadratic"``) is a
    name of FEATURE_MAPS, a :func:`polynomial_feature_map` (p, c) or a callable. A
    polynomial map of p = 2, c = 1 is the quadratic map and takes its fast paths; other
    degrees run the general stock-torch path below (the fused C kernel is quadratic
    only), whose matmuls FlopCounterMode counts: 4·N·P·(M+1) with P the map's width.
    Polynomial features may be negative (√2·x_i, odd powers); what eq. (6) needs, a
    positive denominator, is guarded as for every map.

    Q (..., N_q, D), K (..., N, D), V (..., N, M) -> (..., N_q, M), same dtype and device.
    Source: Katharopoulos et al. (2020), eq. (8); the homework, Q5(b)(iii), Q5(d).
    """
    if backend not in BACKENDS:
        raise InputError(f"unknown backend {backend!r}: use one of {', '.join(BACKENDS)}")
    chunk = check_size("chunk", chunk)
    causal, fast = check_flag("causal", causal), check_flag("fast", fast)
    dev = resolve_device(device)
    Q, K, V = (t.to(dev) if isinstance(t, torch.Tensor) else t for t in (Q, K, V))
    validate(Q, K, V, finite=False)
    name, fn = _select_map(feature_map_name, feature_map)
    needs_grad = torch.is_grad_enabled() and any(t.requires_grad for t in (Q, K, V))
    if name == "quadratic" and fast and not causal and not needs_grad:
        # inference path; with autograd the general path below keeps φ(Q), φ(K) for backprop
        if backend == "native" or (backend == "auto" and native_applies(Q)):
            return native_quadratic_attention(Q, K, V, device=dev)
        return quadratic_linear_attention(Q, K, V, device=dev)
    if backend == "native":
        raise InputError("backend='native' covers only the non-causal quadratic map without "
                         "autograd (fast=True)")
    _check_finite(Q, K, V)
    # φᵀφ = (qᵀk+1)² ≥ 0; for a polynomial map the features' signs say nothing (the
    # kernel's sign is that of (qᵀk + c)^p): the denominator guard below is what applies
    known_psd = name in ("quadratic", "quadratic_full") or isinstance(fn, PolynomialFeatureMap)
    fq, fk = fn(Q), fn(K)
    _check_features(name, fq, "Q", known_psd)
    _check_features(name, fk, "K", known_psd)
    if not causal:
        # [S | z] = φ(K)ᵀ[V | 1] and [numerator | denominator] = φ(Q)[S | z]
        v1 = torch.cat([V, torch.ones_like(V[..., :1])], dim=-1)
        nd = fq @ (fk.transpose(-1, -2) @ v1)
        num, den = nd[..., :-1], nd[..., -1]
    else:
        if Q.shape[-2] != K.shape[-2]:
            raise InputError(f"causal attention needs as many queries as keys: "
                             f"{Q.shape[-2]} vs {K.shape[-2]}")
        n = Q.shape[-2]
        S = fk.new_zeros(*fk.shape[:-2], fk.shape[-1], V.shape[-1])
        z = fk.new_zeros(*fk.shape[:-2], fk.shape[-1])
        nums, dens = [], []
        for s in range(0, n, chunk):
            e = min(s + chunk, n)
            qb, kb, vb = fq[..., s:e, :], fk[..., s:e, :], V[..., s:e, :]
            a = torch.tril(qb @ kb.transpose(-1, -2))          # sims inside the block, j ≤ i
            nums.append(a @ vb + qb @ S)
            dens.append(a.sum(-1) + (qb @ z.unsqueeze(-1)).squeeze(-1))
            S = S + kb.transpose(-1, -2) @ vb
            z = z + kb.sum(dim=-2)
        num, den = torch.cat(nums, dim=-2), torch.cat(dens, dim=-1)
    # round-off: Σ_j |φ(q_i)|ᵀ|φ(k_j)| (over j ≤ i when causal) bounds what the sums lose
    with torch.no_grad():
        fka = fk.abs()
        ka = torch.cumsum(fka, dim=-2) if causal else fka.sum(-2, keepdim=True)
        den_abs = (fq.abs() * ka).sum(-1)
        flag = _unresolved(den, den_abs, _gamma(fq.shape[-1], K.shape[-2], den.dtype))
    if bool(flag.any()):
        if den.dtype == torch.float64:
            i = int(flag.flatten().nonzero()[0])
            bound = _gamma(fq.shape[-1], K.shape[-2], torch.float64) * float(den_abs.flatten()[i])
            if float(den.flatten()[i]) <= -bound:   # resolved: the normaliser is negative
                raise _nonpositive_den(den, i, fn if isinstance(fn, PolynomialFeatureMap) else name)
            raise _unresolvable(i, float(den.flatten()[i]), bound)
        # the rows the dtype cannot resolve, from the same computation in float64
        out64 = linear_attention(Q.double(), K.double(), V.double(), causal=causal, chunk=chunk,
                                 fast=False, feature_map=fn if feature_map is not None else None,
                                 feature_map_name=(None if feature_map is not None
                                                   else (feature_map_name or "quadratic")))
        safe = torch.where(flag, torch.ones_like(den), den)
        return torch.where(flag.unsqueeze(-1), out64.to(den.dtype), num / safe.unsqueeze(-1))
    return num / den.unsqueeze(-1)


def circulant_pairs(e: int) -> list[tuple[int, int]]:
    """The unordered index pairs {a, b} of x̃ ∈ R^e in the fast path's feature order.

    Offset class t = 0, 1, …, ⌈e/2⌉ − 1 holds the pairs (a, (a + t) mod e), a = 0 … e−1
    (the diagonal for t = 0); for even e the last class t = e/2 keeps only a < e/2
    (the other half repeats it). Every pair a ≤ b appears exactly once, so there are
    e(e+1)/2 = P of them: the entries of the compact map in another order. Offsets
    of one class are a window of the doubled vector (x̃, x̃), so a whole class — for odd e
    all classes at once — is one strided multiply.
    """
    full = (e + 1) // 2 if e % 2 else e // 2
    pairs = [(a, (a + t) % e) for t in range(full) for a in range(e)]
    if e % 2 == 0:
        pairs += [(a, a + e // 2) for a in range(e // 2)]
    return pairs


_tls = threading.local()


def _workspace(key, make):
    """Per-thread work buffers of the fast path, kept between calls with the same key.

    Fresh multi-megabyte buffers on every call cost page faults (the CPU allocator hands
    large blocks back to the OS), which in development took as long as the products.
    """
    ws = getattr(_tls, "ws", None)
    if ws is None or ws[0] != key:
        # ordinary tensors even under inference_mode: they are written in place later,
        # possibly outside it
        with torch.inference_mode(False):
            ws = (key, make())
        _tls.ws = ws
    return ws[1]


def _make_workspace(dt, dev, c, e, m):
    P = e * (e + 1) // 2
    fk = torch.empty(c, P, dtype=dt, device=dev)        # φ(K) rows of one chunk
    fq = torch.empty(P, c, dtype=dt, device=dev)        # φ(Q)ᵀ of one chunk
    kb = torch.empty(c, 2, e, dtype=dt, device=dev)     # (1, k, 1, k) rows of one chunk
    kb[:, :, 0] = 1.0                                   # only the k parts are written later
    vb = torch.empty(c, m + 1, dtype=dt, device=dev)    # [V | 1] rows of one chunk
    vb[:, m] = 1.0
    qb = torch.empty(2, e, c, dtype=dt, device=dev)     # (1, q, 1, q)ᵀ of one chunk
    qb[:, 0] = 1.0
    rb = torch.empty(m + 1, c, dtype=dt, device=dev)    # [numerator; denominator]ᵀ
    return fk, fq, kb, vb, qb, rb


def quadratic_linear_attention(Q, K, V, *, chunk: int | None = None,
                               device=None) -> torch.Tensor:
    """Fast non-causal linear attention with the compact quadratic map (see module doc).

    With x̃ = (1, x), (qᵀk + 1)² = (q̃ᵀk̃)² = Σ_{a≤b} w_ab (q̃_a q̃_b)(k̃_a k̃_b), w = 1 on the
    diagonal and 2 off it: the compact map with its √2 weights moved into the state.
    The features are the products of :func:`circulant_pairs` (P = (D+1)(D+2)/2 of
    them), each chunk of rows built by one broadcast multiply of a strided view of
    (1, x, 1, x) — no per-pair loop, the block stays in cache for the product that
    consumes it. Keys: row layout, stateᵀ += [V | 1]ᵀ φ(K) (one GEMM gives S and z).
    Queries: transposed layout, [numerator; denominator] = [S | z]ᵀ φ(Q)ᵀ.

    Matmul FLOPs: 2·N·P·(M+1) for the state plus 2·N·P·(M+1) for the queries — the
    polynomial ``derivations.attention_cost.linear_cost().matmul_flops``. Inputs are
    checked for shape up front and for finiteness through the denominators and the
    output (a NaN/inf input always reaches them; the message then names the input).
    The result is a transposed view of an (..., M, N) buffer (call ``.contiguous()``
    if a row-major copy is needed).
    """
    dev = resolve_device(device)
    Q, K, V = (t.to(dev) for t in (Q, K, V))
    validate(Q, K, V, finite=False)   # shapes; finiteness is judged on the output below
    lead = Q.shape[:-2]
    nq, nk, d, m = Q.shape[-2], K.shape[-2], Q.shape[-1], V.shape[-1]
    q3, k3, v3 = (t.reshape(-1, t.shape[-2], t.shape[-1]) for t in (Q, K, V))
    dt = Q.dtype
    e = d + 1
    # offset classes done by the strided multiply; for even e one half class more
    T = (e + 1) // 2 if e % 2 else e // 2
    P = e * (e + 1) // 2
    F = e * T                                   # features from the strided multiply
    h2 = e // 2 if e % 2 == 0 else 0             # rest: pairs (a, a + e/2), a < e/2
    w2 = torch.full((P,), 2.0, dtype=dt, device=dev)   # (√2)² folded into the state
    w2[:e] = 1.0                                       # t = 0: the diagonal a = b
    # rows per chunk: measured (N = 16384, D = 16, 2 threads) 4.2 ms at 2048, 3.3 ms at 8192 —
    # per-op dispatch and thread hand-off cost more here than keeping the block in L2
    c = check_size("chunk", chunk, allow_none=True) or 8192
    c = min(c, max(nq, nk))
    fk, fq, kb, vb, qb, rb = _workspace((dt, dev, c, e, m), lambda: _make_workspace(
        dt, dev, c, e, m))
    kb2, qb2 = kb.view(c, 2 * e), qb.view(2 * e, c)
    den = torch.empty(q3.shape[0], nq, dtype=dt, device=dev)
    # the result is written as (M, N) per head and returned as a transposed view: the
    # division lands in its final place, no transposing copy
    out_t = torch.empty(q3.shape[0], m, nq, dtype=dt, device=dev)
    for h in range(q3.shape[0]):
        stt = torch.zeros(m + 1, P, dtype=dt, device=dev)   # [S | z]ᵀ
        for s in range(0, nk, c):
            n = min(c, nk - s)
            kb2[:n, 1:e].copy_(k3[h, s:s + n])
            kb2[:n, e + 1:].copy_(kb2[:n, 1:e])               # a plain copy beats a broadcast one
            vb[:n, :m].copy_(v3[h, s:s + n])
            x = kb2[:n]
            f = fk[:n]
            # f[j, t·e + a] = x̃_a · x̃_{a+t}: x̃ broadcast over t times a sliding window
            torch.mul(x[:, None, :e], x.as_strided((n, T, e), (2 * e, 1, 1)),
                      out=f[:, :F].view(n, T, e))
            if h2:
                torch.mul(x[:, :h2], x[:, h2:e], out=f[:, F:])
            torch.addmm(stt, vb[:n].T, f, out=stt)
        stt.mul_(w2)
        for s in range(0, nq, c):
            n = min(c, nq - s)
            qb[:, 1:, :n].copy_(q3[h, s:s + n].T)
            x = qb2[:, :n]
            f = fq[:, :n]
            torch.mul(x[None, :e], x.as_strided((T, e, n), (c, c, 1)),
                      out=f[:F].view(T, e, n))
            if h2:
                torch.mul(x[:h2], x[h2:e], out=f[F:])
            r = rb[:, :n]
            torch.mm(stt, f, out=r)
            # divided while the block is in cache; denominators checked once at the end
            torch.div(r[:m], r[m:], out=out_t[h, :, s:s + n])
            den[h, s:s + n].copy_(r[m])
    _guard_fast(Q, K, V, q3, k3, v3, out_t, den, _all_finite(out_t))
    return out_t.transpose(-1, -2).reshape(*lead, nq, m)


# --------------------------------------------------------------------- native kernel
_NATIVE_SOURCE = Path(__file__).with_suffix(".c")
# below this many rows per thread a hand-off to the pool costs more than it saves
MIN_ROWS_PER_THREAD = 1024
_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_pool_pid = 0
_configured: dict[int, ctypes.CDLL] = {}   # libraries whose ctypes signatures are set


_NATIVE_SYMBOLS = ("hw7_qla_lanes",) + tuple(
    f"hw7_qla_{f}_{suf}" for f in ("key", "query", "pairs_padded", "state") for suf in ("f32", "f64"))


def _native_lib():
    # a cached library lacking any of these (or hw7_qla_abi() != 2) is rebuilt, never used
    lib = native.load(_NATIVE_SOURCE, symbols=_NATIVE_SYMBOLS, abi=("hw7_qla_abi", 2))
    if lib is not None and id(lib) not in _configured:
        ptr, long_ = ctypes.c_void_p, ctypes.c_long
        lib.hw7_qla_abi.restype = long_
        if lib.hw7_qla_abi() != 2:
            return None
        for suf in ("f32", "f64"):
            key, query = getattr(lib, f"hw7_qla_key_{suf}"), getattr(lib, f"hw7_qla_query_{suf}")
            key.argtypes = [ptr, ptr, long_, long_, long_, ptr, ptr]
            query.argtypes = [ptr, ptr, ptr, long_, long_, long_, ptr, long_, ptr]
            key.restype = query.restype = ctypes.c_int
            pp = getattr(lib, f"hw7_qla_pairs_padded_{suf}")
            pp.restype, pp.argtypes = long_, [long_]
            state = getattr(lib, f"hw7_qla_state_{suf}")
            state.restype = None
            state.argtypes = [ptr, ptr, long_, long_, long_, long_, ptr, ptr, ptr]
        lib.hw7_qla_lanes.restype, lib.hw7_qla_lanes.argtypes = long_, [long_]
        _configured[id(lib)] = lib
    return lib


def native_available() -> bool:
    """Whether the fused C kernel is built and loadable here (builds it on first call)."""
    return _native_lib() is not None


def native_unavailable_reason() -> str | None:
    """One line on why :func:`native_available` is False (None when it is True)."""
    return None if native_available() else native.unavailable_reason(_NATIVE_SOURCE)


def native_applies(Q: torch.Tensor) -> bool:
    """The native kernel handles CPU float32/float64 tensors, when it is available."""
    return (Q.device.type == "cpu" and Q.dtype in (torch.float32, torch.float64)
            and native_available())


def _thread_pool(n: int) -> ThreadPoolExecutor:
    # the workers only make ctypes calls (which release the GIL), never torch ops, so the
    # OpenMP threads torch uses are not multiplied
    global _pool, _pool_size, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_size < n or _pool_pid != os.getpid():
            if _pool is not None and _pool_pid == os.getpid():
                _pool.shutdown(wait=False)    # queued calls still finish
            # (a forked child inherits the pool object but not its threads: a new pool)
            _pool = ThreadPoolExecutor(n, thread_name_prefix="hw7-attention")
            _pool_size, _pool_pid = n, os.getpid()
        return _pool


@functools.lru_cache(maxsize=64)
def _pair_weights(e: int, padded: int, dt) -> torch.Tensor:
    # a-major pairs a ≤ b: the diagonal (a, a) sits at Σ_{a' < a} (e − a'); w = 1 there, 2
    # elsewhere (the √2² of the compact map); 0 on the padding pairs
    with torch.inference_mode(False):
        w = torch.zeros(padded, dtype=dt)
        w[: e * (e + 1) // 2] = 2.0
        w[[a * e - a * (a - 1) // 2 for a in range(e)]] = 1.0
    return w


# status bits of the C kernels (2, a bad denominator, _check_den finds from den itself)
_NO_MEMORY, _NONFINITE_OUTPUT = 1, 4


def _run(tasks, workers: int) -> int:
    """Call every (fn, args) task over ``workers`` threads (this one included); OR of statuses."""
    if workers <= 1 or len(tasks) <= 1:
        codes = _run_serial(tasks)
    else:
        # the calling thread runs the first share itself: one hand-off fewer to wait for
        pool = _thread_pool(workers - 1)
        share = -(-len(tasks) // workers)
        futures = [pool.submit(_run_serial, tasks[i:i + share])
                   for i in range(share, len(tasks), share)]
        codes = _run_serial(tasks[:share]) + [c for f in futures for c in f.result()]
    status = 0
    for c in codes:
        status |= c
    if status & _NO_MEMORY:
        raise MemoryError("native linear-attention kernel could not allocate its work buffer")
    return status


def _run_serial(tasks) -> list[int]:
    return [fn(*args) for fn, args in tasks]


def _split(n: int, parts: int) -> list[tuple[int, int]]:
    return [(i * n // parts, (i + 1) * n // parts) for i in range(parts)]


def _parts(rows: int, heads: int, threads: int) -> int:
    """Row ranges per head: one when the heads alone fill the threads, else up to one per
    thread with at least MIN_ROWS_PER_THREAD rows each."""
    if heads >= threads:
        return 1
    return max(1, min(threads, rows // MIN_ROWS_PER_THREAD))


def native_quadratic_attention(Q, K, V, *, threads: int | None = None,
                               device=None) -> torch.Tensor:
    """Fast non-causal linear attention with the compact quadratic map, in fused C (Q5(d)).

    Same result as :func:`quadratic_linear_attention` (to round-off): S, z and the outputs
    of eq. (8) with (qᵀk + 1)² = Σ_{a≤b} w_ab (q̃_a q̃_b)(k̃_a k̃_b), but each block of 32
    (float32) or 16 (float64) rows has its P feature products formed in L1 and consumed at
    once by a register-blocked product (see ``kernel_attention.c``): φ(Q), φ(K) never
    reach memory, the cost that dominates the stock-op path. Rows (and heads) are split
    over ``threads`` threads (default ``torch.get_num_threads()``); each key thread keeps
    a partial state, summed before the queries. CPU, float32/float64; InputError if the
    kernel is unavailable (``native_unavailable_reason()`` says why). Inputs are checked
    as in :func:`quadratic_linear_attention`.
    """
    dev = resolve_device(device)
    Q, K, V = (t.to(dev) for t in (Q, K, V))
    validate(Q, K, V, finite=False)
    if dev.type != "cpu":
        raise InputError(f"the native kernel runs on the CPU; got {dev.type} tensors "
                         "(use backend='torch')")
    if Q.dtype not in (torch.float32, torch.float64):
        raise InputError(f"the native kernel handles float32/float64; got {Q.dtype}")
    lib = _native_lib()
    if lib is None:
        raise InputError(f"native kernel unavailable: {native.unavailable_reason(_NATIVE_SOURCE)}")
    n_threads = check_size("threads", threads, allow_none=True) or max(1, torch.get_num_threads())
    lead = Q.shape[:-2]
    nq, nk, d, m = Q.shape[-2], K.shape[-2], Q.shape[-1], V.shape[-1]
    q3, k3, v3 = (t.reshape(-1, t.shape[-2], t.shape[-1]).contiguous() for t in (Q, K, V))
    H, dt = q3.shape[0], Q.dtype
    suf = "f32" if dt == torch.float32 else "f64"
    fns = [getattr(lib, f"hw7_qla_{f}_{suf}") for f in ("key", "query", "state", "pairs_padded")]
    key_fn, query_fn, state_fn, pairs_fn = fns
    size = q3.element_size()
    vl = int(lib.hw7_qla_lanes(size))
    mb = -(-m // vl)
    width = mb * vl
    if width != m:          # values padded with zero columns to whole vectors
        vp = torch.zeros(H, nk, width, dtype=dt)
        vp[..., :m] = v3
        v3 = vp
    e = d + 1
    Pp = int(pairs_fn(d))
    # keys: each (head, row range) task adds into its own partial state, Sᵀ and z
    kparts = _parts(nk, H, n_threads)
    St_part = torch.zeros(H, kparts, width, Pp, dtype=dt)
    z_part = torch.zeros(H, kparts, Pp, dtype=dt)
    qp, kp, vp_, sp, zp = (t.data_ptr() for t in (q3, k3, v3, St_part, z_part))
    tasks = [(key_fn, (kp + (h * nk + lo) * d * size, vp_ + (h * nk + lo) * width * size,
                       hi - lo, d, mb, sp + (h * kparts + i) * width * Pp * size,
                       zp + (h * kparts + i) * Pp * size))
             for h in range(H) for i, (lo, hi) in enumerate(_split(nk, kparts))]
    _run(tasks, n_threads)
    S = torch.empty(H, Pp, width, dtype=dt)
    z = torch.empty(H, Pp, dtype=dt)
    w = _pair_weights(e, Pp, dt)          # a name keeps it alive while C reads it
    state_fn(sp, zp, H, kparts, width, Pp, w.data_ptr(), S.data_ptr(), z.data_ptr())
    # outputs written as (M, N) per head (the kernel's natural layout, as in the torch path)
    # and returned as a transposed view
    out_t = torch.empty(H, width, nq, dtype=dt)
    den = torch.empty(H, nq, dtype=dt)
    op, dp, Sp, zq = out_t.data_ptr(), den.data_ptr(), S.data_ptr(), z.data_ptr()
    qparts = _parts(nq, H, n_threads)
    tasks = [(query_fn, (qp + (h * nq + lo) * d * size, Sp + h * Pp * width * size,
                         zq + h * Pp * size, hi - lo, d, mb, op + (h * width * nq + lo) * size,
                         nq, dp + (h * nq + lo) * size))
             for h in range(H) for lo, hi in _split(nq, qparts)]
    # the kernel flags bad denominators and non-finite outputs itself, so the normal case
    # needs no extra pass over the data (and no torch reduction between the C calls)
    status = _run(tasks, n_threads)
    _guard_fast(Q, K, V, q3, k3, v3, out_t, den, not status & _NONFINITE_OUTPUT)
    return out_t[:, :m].transpose(-1, -2).reshape(*lead, nq, m)


# --------------------------------------------------------------------- random inputs
def random_qkv(n: int, d: int, m: int, *, heads: int = 1, batch: int = 1,
               dtype=torch.float32, seed: int = 0, device=None):
    """Seeded Q, K, V of shape (batch, heads, n, d|m), in ``dtype`` on ``device``.

    Q and K have entries N(0, 1/d) (which keeps (qᵀk+1)² tame), V entries N(0, 1); drawn
    on the CPU from ``torch.Generator().manual_seed(seed)`` in the order Q, K, V, so a
    seed gives the same tensors on every device. InputError for a size < 1 or a dtype
    that is not floating point.

    >>> Q, K, V = random_qkv(5, 3, 2, heads=2, dtype=torch.float64, seed=1)
    >>> tuple(Q.shape), tuple(V.shape), Q.dtype
    ((1, 2, 5, 3), (1, 2, 5, 2), torch.float64)
    """
    n, d, m = check_size("n", n), check_size("d", d), check_size("m", m)
    heads, batch = check_size("heads", heads), check_size("batch", batch)
    if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise InputError(f"dtype must be a torch floating-point dtype, got {dtype!r}")
    dev = resolve_device(device)
    g = torch.Generator().manual_seed(seed)
    Q = torch.randn(batch, heads, n, d, generator=g, dtype=dtype) / math.sqrt(d)
    K = torch.randn(batch, heads, n, d, generator=g, dtype=dtype) / math.sqrt(d)
    V = torch.randn(batch, heads, n, m, generator=g, dtype=dtype)
    return Q.to(dev), K.to(dev), V.to(dev)



def compare_linear_explicit(cases, *, seed: int = 0, chunk: int = 32,
                            device=None) -> list[float]:
    """Q5(b): the largest error of eq. (8) (:func:`linear_attention`) against eq. (6)
    (:func:`explicit_kernel_attention`), relative to the largest |eq. (6)| entry, float64,
    for each case (batch, heads, N, D, M, feature map, causal) on :func:`random_qkv`
    ``(N, D, M, heads=heads, batch=batch, dtype=torch.float64, seed=seed)``.

    >>> [e < 1e-12 for e in compare_linear_explicit([(1, 2, 20, 3, 2, "quadratic", True)])]
    [True]
    """
    out = []
    for case in cases:
        if not (isinstance(case, (tuple, list)) and len(case) == 7):
            raise InputError("each case is (batch, heads, N, D, M, feature map, causal), got "
                             f"{case!r}"[:200])
        b, h, n, d, m, fmap, causal = case
        Q, K, V = random_qkv(n, d, m, heads=h, batch=b, dtype=torch.float64, seed=seed)
        lin = linear_attention(Q, K, V, feature_map_name=fmap, causal=causal, chunk=chunk,
                               device=device)
        ref = explicit_kernel_attention(Q, K, V, feature_map_name=fmap, causal=causal,
                                        device=device)
        out.append(float(((lin - ref).abs().max() / ref.abs().max()).cpu()))
    return out


# --------------------------------------------------------------------- O(N²) references
def explicit_kernel_attention(Q, K, V, *, feature_map_name=None, causal: bool = False,
                              device=None, feature_map=None) -> torch.Tensor:
    """Eq. (6) directly: the N × N similarity matrix, weighted average of V.

    For the quadratic maps the similarity is (QKᵀ + 1)², for a
    :func:`polynomial_feature_map` (QKᵀ + c)^p (the kernel itself, no φ); for other maps
    φ(Q)φ(K)ᵀ. ``feature_map``/``feature_map_name`` as in :func:`linear_attention`.
    Q (..., N_q, D), K (..., N, D), V (..., N, M) -> (..., N_q, M); the O(N²) reference.

    >>> Q = K = torch.eye(2, dtype=torch.float64)
    >>> V = torch.tensor([[1.0], [3.0]], dtype=torch.float64)
    >>> explicit_kernel_attention(Q, K, V, feature_map=polynomial_feature_map(3, 1.0)).tolist()
    [[1.2222222222222223], [2.7777777777777777]]
    """
    dev = resolve_device(device)
    Q, K, V = (t.to(dev) for t in (Q, K, V))
    validate(Q, K, V)
    name, fn = _select_map(feature_map_name, feature_map)
    if isinstance(fn, PolynomialFeatureMap):
        sim = fn.kernel(Q @ K.transpose(-1, -2))
    elif name in ("quadratic", "quadratic_full"):
        sim = quadratic_kernel(Q @ K.transpose(-1, -2))
    else:
        fq, fk = fn(Q), fn(K)
        _check_features(name, fq, "Q", False)
        _check_features(name, fk, "K", False)
        sim = fq @ fk.transpose(-1, -2)
    if causal:
        sim = torch.tril(sim)
    den = sim.sum(-1)
    _check_den(den, fmap=fn if isinstance(fn, PolynomialFeatureMap) else name)
    return (sim @ V) / den.unsqueeze(-1)


def roundoff_bound(Q, K, V, fmap, causal: bool, dtype) -> torch.Tensor:
    """First-order bound on |eq. (8) evaluated in ``dtype`` − exact|, per output entry (Q5(b)).

    Q (..., N, D), K (..., N, D), V (..., N, M), any floating dtype (evaluated in
    float64); ``fmap``: a feature-map name, :class:`PolynomialFeatureMap` or callable (as
    in :func:`linear_attention`); ``dtype``: the floating dtype whose round-off is bounded
    (its unit round-off u). Returns a float64 tensor (..., N, M) in the units of V.

    Eq. (8) computes φ(q_i)ᵀ(Σ_j φ(k_j) v_jᵀ) and φ(q_i)ᵀ(Σ_j φ(k_j)): nested sums of
    P + N terms, so each computed value is within γ = (P + N + p + 2)·u (p + 2 for forming
    the features — p factors and a weight — and the division; p = 2 for the quadratic and
    elu maps, the map's degree for a polynomial map) of the sums of the absolute terms
    (Higham, *Accuracy and Stability of Numerical Algorithms*, §3.1/§3.5):
        |δnum_im| ≤ γ Σ_j A_ij |v_jm|,   |δden_i| ≤ γ Σ_j A_ij,   A_ij = |φ(q_i)|ᵀ|φ(k_j)|,
    and out = num/den gives |δout_im| ≤ γ (Σ_j A_ij |v_jm| + |out_im| Σ_j A_ij) / den_i.
    A_ij ≥ sim_ij, with equality for non-negative maps (elu + 1). For the quadratic kernel
    near qᵀk = −1 the features cancel: sim → 0 while A does not, and float32 loses digits
    there by necessity — the bound says how many. The factor 2 covers the float64
    reference's own round-off, which obeys the same bound in float64. Where eq. (6) is
    undefined (den_i = 0) the bound is infinite or NaN. InputError for mismatched shapes,
    an unknown map or a non-floating ``dtype``.

    >>> g = torch.Generator().manual_seed(0)
    >>> Q, K, V = (torch.randn(1, 6, 3, generator=g, dtype=torch.float64) for _ in range(3))
    >>> bound = roundoff_bound(Q, K, V, "elu", False, torch.float32)
    >>> bound.shape, bound.dtype
    (torch.Size([1, 6, 3]), torch.float64)
    >>> got = linear_attention(Q.float(), K.float(), V.float(), feature_map_name="elu")
    >>> ref = explicit_kernel_attention(Q, K, V, feature_map_name="elu")
    >>> bool(((got.double() - ref).abs() <= bound).all())
    True
    """
    validate(Q, K, V, finite=False)
    if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise InputError(f"dtype must be a floating torch dtype; got {dtype!r}")
    _, f = feature_map(fmap)
    fq, fk = f(Q.double()), f(K.double())
    A = fq.abs() @ fk.abs().transpose(-1, -2)
    S = fq @ fk.transpose(-1, -2)
    if causal:
        keep = torch.ones(S.shape[-2:], dtype=torch.bool, device=S.device).tril()
        A, S = A * keep, S * keep
    den = S.sum(-1, keepdim=True)
    out = (S @ V.double()) / den
    u = torch.finfo(dtype).eps / 2
    deg = fmap.degree if isinstance(fmap, PolynomialFeatureMap) else 2
    gamma = (fq.shape[-1] + K.shape[-2] + deg + 2) * u
    return 2 * gamma * (A @ V.double().abs() + out.abs() * A.sum(-1, keepdim=True)) / den


def naive_kernel_attention(sims: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
    """Eq. (6) from given similarities with no guard, as Q5(a) warns against:
    (sims @ V) / Σ_j sims, sims (..., N_q, N), V (..., N, M) -> (..., N_q, M). Where a
    query's Σ_j sim is 0 the result is inf or NaN: this is the failure shown, not a
    routine for results (:func:`explicit_kernel_attention` refuses such queries).

    >>> sims = torch.tensor([[1.0, -1.0]], dtype=torch.float64)
    >>> naive_kernel_attention(sims, torch.tensor([[1.0], [2.0]], dtype=torch.float64))
    tensor([[-inf]], dtype=torch.float64)
    """
    with torch.no_grad():
        return (sims @ V) / sims.sum(-1, keepdim=True)


def softmax_attention(Q, K, V, *, causal: bool = False, device=None) -> torch.Tensor:
    """Eq. (5)/(7): softmax(QKᵀ/√D) V, materialising the N × N scores."""
    dev = resolve_device(device)
    Q, K, V = (t.to(dev) for t in (Q, K, V))
    validate(Q, K, V)
    scores = (Q @ K.transpose(-1, -2)) / math.sqrt(Q.shape[-1])
    if causal:
        n = scores.shape[-1]
        mask = torch.ones(scores.shape[-2], n, dtype=torch.bool, device=dev).tril()
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ V
