"""Q6(c)'s properties and mutant: with zero_grad() once, .grad holds the sum of all step
gradients, and g_s enters θ_T with weight T − s + 1.

>>> from derivations.missing_zero_grad import derive
>>> buffer_is_sum(derive(3))                     # passes silently
"""

from __future__ import annotations

import sympy as sp

from numerics import missing_zero_grad as num

__all__ = ["IDENTITY_TOL", "buffer_is_sum", "weights_are_linear", "buffer_is_last_gradient",
           "numeric_identity", "identity_holds"]

IDENTITY_TOL = 1e-12   # float64: two orders of summation of a handful of gradients


def buffer_is_sum(der):
    """G_t − Σ_{s≤t} g_s = 0 for every t (symbolic)."""
    assert all(x == 0 for x in der.buffer_minus_sum), der.buffer_minus_sum


def weights_are_linear(der):
    """The coefficient of g_s in (θ_0 − θ_T)/lr is T − s + 1 (symbolic)."""
    assert all(der.weights[f"g{s}"] == der.steps - s + 1 for s in range(1, der.steps + 1))


def buffer_is_last_gradient(der):
    """Mutant: the buffer holds only the last gradient (as it would with zero_grad in the loop)."""
    assert all(sp.simplify(b - g) == 0 for b, g in zip(der.buffers, der.grads))


def numeric_identity(seed: int, steps: int | None = None, device=None) -> tuple[float, float]:
    """(buffer vs Σ autograd, buggy loop vs SGD(momentum=1)) float64 errors (the numerics'
    default step counts unless ``steps`` is given); the property: both ≤ IDENTITY_TOL."""
    kw = {} if steps is None else {"steps": steps}
    a = num.accumulation_identity(seed=seed, device=device, **kw)
    b = num.momentum_one_matches(seed=seed, device=device, **kw)
    return a, b


def identity_holds(seed: int, steps: int | None = None, device=None):
    """The numeric property: both identities hold to IDENTITY_TOL."""
    a, b = numeric_identity(seed, steps, device)
    assert a <= IDENTITY_TOL and b <= IDENTITY_TOL, (a, b)
