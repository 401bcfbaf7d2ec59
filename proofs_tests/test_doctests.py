"""The docstring examples of the public API run as doctests (and every listed module has some).

The list is the "Public API" table of the README: add a module there and here together.
"""

from __future__ import annotations

import doctest
import importlib

import pytest

PUBLIC_MODULES = [
    "hw7core.props",
    "hw7core.arrays",
    "numerics.montecarlo",
    "derivations.scaled_dot_product",
    "numerics.scaled_dot_product",
    "derivations.matrix_calculus",
    "numerics.matrix_calculus",
    "derivations.linear_autoencoder",
    "derivations.kernel_attention",
    "derivations.attention_cost",
    "numerics.kernel_attention",
    "numerics.attention_cost",
    "numerics.argmax_attention",
    "numerics.regularized_linear_autoencoder",
    # properties' homes (the two that derive Q1(a)/Q3 run through their own test files)
    "hw7.properties.degradation",
    "hw7.properties.gradient_accumulation",
    "hw7.properties.missing_zero_grad",
    "hw7.properties.linear_autoencoder",
    "hw7.properties.regularized_linear_autoencoder",
    "hw7.properties.kernel_attention",
    "hw7.properties.argmax_attention",
    "hw7.properties.attention_cost",
]


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    assert getattr(module, "__all__", None), f"{name} declares no __all__"
    res = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                          verbose=False, report=True)
    assert res.attempted > 0, f"{name} has no docstring example"
    assert res.failed == 0, f"{res.failed} of {res.attempted} examples failed in {name}"
