"""Q4's properties and mutants: argmax attention returns the value of the best-scoring key,
ties going to the lowest index.

>>> prop = best_value_property()
>>> prop((0, 2, 3, 5, 4, 2, True))               # (seed, batch, L, N, D, M, tie): passes silently
>>> from hw7core.props import mutation_check
>>> mutation_check(best_value_property(last_index_on_ties), attention_case(),
...                max_examples=20).ok
True
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from numerics import argmax_attention as num

__all__ = ["attention_case", "make_case", "best_value_property", "last_index_on_ties"]


def attention_case():
    """(seed, batch, L, N, D, M, tie): random instances; ``tie`` copies the best key's
    score onto a later key to exercise the tie rule."""
    return st.tuples(st.integers(0, 2**31 - 1), st.integers(1, 3), st.integers(1, 4),
                     st.integers(1, 12), st.integers(1, 6), st.integers(1, 5), st.booleans())


def make_case(case, dtype=torch.float64):
    """(q (batch, L, D), K (batch, N, D), V (batch, N, M)) for an :func:`attention_case`:
    integer-valued q and K in [−3, 3] (ties and scores exact in float64), V ~ N(0, 1);
    with ``tie`` (and N > 1) key N−1 is a copy of key 0."""
    seed, b, l_, n, d, m, tie = case
    g = torch.Generator().manual_seed(seed)
    q = torch.randint(-3, 4, (b, l_, d), generator=g).to(dtype)
    K = torch.randint(-3, 4, (b, n, d), generator=g).to(dtype)
    V = torch.randn(b, n, m, generator=g, dtype=dtype)
    if tie and n > 1:
        K[:, -1] = K[:, 0]           # key N−1 always ties with key 0
    return q, K, V


def best_value_property(attn=num.argmax_attention):
    """The output row equals the value of the best key, ties going to the lowest index."""
    def prop(case):
        q, K, V = make_case(case)
        out = attn(q, K, V)["output"]
        scores = (q @ K.transpose(-1, -2)).numpy()
        for bi in range(q.shape[0]):
            for li in range(q.shape[1]):
                s = scores[bi, li]
                best = int(np.flatnonzero(s == s.max())[0])
                assert np.array_equal(out[bi, li].numpy(), V[bi, best].numpy()), \
                    f"batch {bi} query {li}: expected value of key {best}"
    return prop


def last_index_on_ties(q, K, V):
    """Mutant: ties resolved to the *highest* index (what a careless flip would give)."""
    s = q @ K.transpose(-1, -2)
    idx = s.shape[-1] - 1 - torch.flip(s, dims=[-1]).argmax(dim=-1)
    w = torch.nn.functional.one_hot(idx, s.shape[-1]).to(V.dtype)
    return {"output": w @ V}
