"""Monte Carlo agreement in standard-error units: one z-score for every result.

A derived value is *confirmed* by a Monte Carlo estimate when it lies within
``Z_MAX`` standard errors of it. Every result (Q1(a) masking moments, Q3 dot-product
moments, Q6(a) signal gains) uses these two functions rather than its own copy.

>>> round(zscore(10.3, 0.1, 10.0), 9)
3.0
>>> within(10.3, 0.1, 10.0), within(10.6, 0.1, 10.0)
(True, False)
"""

from __future__ import annotations

import math

from hw7core.errors import InputError

__all__ = ["Z_MAX", "zscore", "within"]

# 5 standard errors: a two-sided normal tail of 5.7e-7 per comparison, so a correct
# formula essentially never fails over the few hundred comparisons a run makes,
# while a wrong one (off by a term of order the SE·√n) fails at the sizes used.
Z_MAX = 5.0


def zscore(estimate: float, se: float, predicted: float) -> float:
    """(estimate − predicted)/se, unitless; ±inf when se is 0 and they differ, 0 when equal.

    estimate: the Monte Carlo estimate; se: its standard error (≥ 0, same units);
    predicted: the derived value being confirmed.
    """
    if not (se >= 0):   # negative or NaN: not a standard error
        raise InputError(f"a standard error must be a number ≥ 0, got {se!r}")
    diff = estimate - predicted
    if se == 0:
        return 0.0 if diff == 0 else math.copysign(math.inf, diff)
    return diff / se


def within(estimate: float, se: float, predicted: float, z_max: float = Z_MAX) -> bool:
    """Whether ``predicted`` lies within ``z_max`` standard errors of ``estimate``."""
    return abs(zscore(estimate, se, predicted)) <= z_max
