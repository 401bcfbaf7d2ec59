"""Q5(c)-(d)'s properties, tolerances and mutants: FlopCounterMode's count of an attention
implementation equals the derived matmul-FLOP polynomial, and the measured growth in N
agrees with the model's exponent.

>>> import functools
>>> from derivations import attention_cost as D
>>> from numerics.kernel_attention import linear_attention, softmax_attention
>>> der = D.derive()
>>> flops_match(softmax_attention, der.softmax.matmul_flops)((1, 2, 5, 3, 4))   # passes silently
>>> from hw7core.props import mutation_check
>>> mutation_check(flops_match(softmax_attention, 2 * D.N**2 * D.D), shape_cases(),
...                max_examples=10).ok
True
"""

from __future__ import annotations

import sympy as sp
import torch
from hypothesis import strategies as st

from derivations import attention_cost as der_mod
from numerics import attention_cost as num

__all__ = ["MEM_EXP_TOL", "TIME_EXP_TOL", "shape_cases", "flops_match"]

# Memory is what torch allocates (deterministic up to allocator rounding): two-sided band.
# Time is the CPU time of the calling thread (one torch thread) with buffers reused between
# calls (numerics.attention_cost.retained_heap): fresh N×N buffers page-faulted on every call
# once fitted N^3.01 for softmax. Cache-level transitions (softmax's scores leave L2/L3 across
# the sweep) and per-call overheads (linear at small N) still bend the curve, so the band is
# wider than memory's — but two-sided: softmax must fit within 2 ± TIME_EXP_TOL, linear
# within 1 ± TIME_EXP_TOL, or the evidence contradicts the claim and the key fails.
MEM_EXP_TOL = 0.15
TIME_EXP_TOL = 0.35


def shape_cases():
    """(batch, heads, N, D, M)."""
    return st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, 48),
                     st.integers(1, 10), st.integers(1, 8))


def flops_match(impl, poly, **kw):
    """FlopCounterMode's count of ``impl`` == batch·heads·poly(N, D, M), exactly (float64
    Q, K, V from :func:`numerics.kernel_attention.random_qkv`, seed 0; ``kw`` go to ``impl``)."""
    f = sp.lambdify((der_mod.N, der_mod.D, der_mod.M), poly)

    def prop(case):
        b, h, n, d, m = case
        Q, K, V = num.random_qkv(n, d, m, heads=h, batch=b, dtype=torch.float64)
        counted = num.counted_flops(impl, Q, K, V, **kw)
        expected = b * h * int(round(f(n, d, m)))
        assert counted == expected, f"counted {counted} != symbolic {expected} at {case}"
    return prop
