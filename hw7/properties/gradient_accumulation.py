"""Q6(b)'s properties and mutant: accumulating (b, a) chunks reproduces the batch-32 gradient
exactly for per-sample models and not for BatchNorm in training mode.

>>> separable_is_exact((0, 4))                 # (seed, width): passes silently
"""

from __future__ import annotations

import torch
from hypothesis import strategies as st
from torch import nn

from numerics import gradient_accumulation as num

__all__ = ["EXACT", "BROKEN", "worst", "mlp", "batch", "cases", "separable_is_exact",
           "batchnorm_is_not_exact", "missing_division"]

# float64 round-off is ~1e-16 per operation; 32 chunks stay far below EXACT, while a
# real coupling (BatchNorm statistics) moves the gradient by far more than BROKEN.
EXACT = 1e-10
BROKEN = 1e-6


def worst(errs: dict) -> float:
    """Largest relative gradient error among the (b, a) pairs that ran (strings: torch raised)."""
    return max(v for v in errs.values() if isinstance(v, float))


def mlp(seed: int, width: int, batchnorm: bool):
    torch.manual_seed(seed)
    norm = nn.BatchNorm1d(width) if batchnorm else nn.LayerNorm(width)
    return nn.Sequential(nn.Linear(5, width), norm, nn.ReLU(), nn.Linear(width, 3)).double().train()


def batch(seed: int):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(32, 5, generator=g, dtype=torch.float64),
            torch.randint(0, 3, (32,), generator=g))


def cases():
    """(seed, width)."""
    return st.tuples(st.integers(0, 10_000), st.integers(2, 16))


def separable_is_exact(case, divide: bool = True):
    seed, width = case
    errs = num.accumulation_errors(mlp(seed, width, False), *batch(seed), divide=divide)
    assert worst(errs) <= EXACT, worst(errs)


def batchnorm_is_not_exact(case):
    seed, width = case
    errs = num.accumulation_errors(mlp(seed, width, True), *batch(seed))
    assert isinstance(errs[(1, 32)], str)          # batch 1 with BatchNorm1d: torch raises
    assert worst(errs) > BROKEN, worst(errs)


def missing_division(case):
    """Mutant: the loop that forgets to divide each chunk's loss by a."""
    separable_is_exact(case, divide=False)
