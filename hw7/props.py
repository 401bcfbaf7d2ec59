"""Run a Hypothesis property inside the answer-key build and record it as a Check.

The same property functions are used by ``proofs_tests/``; here they run with a
fixed seed (derandomised) so the answer key is reproducible, and a *wrong*
formula fed to the same property must be refuted (the mutation check).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st  # noqa: F401  (re-exported for callers)

from hw7.registry import Check


@dataclass
class PropertyRun:
    examples: int
    passed: bool
    counterexample: Any = None
    error: str = ""


def run_property(prop, strategy, *, max_examples: int = 30, seed: int = 0) -> PropertyRun:
    """Run ``prop(example)`` over ``strategy``; failing = any AssertionError.

    Returns the number of examples tried and, on failure, the shrunk
    counterexample Hypothesis found.
    """
    seen: list = []
    failure: dict = {}

    @settings(max_examples=max_examples, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate, Phase.shrink],
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(strategy)
    def _test(example):
        seen.append(example)
        try:
            prop(example)
        except AssertionError as exc:
            failure["example"] = example
            failure["error"] = str(exc)
            raise

    # derandomize=True uses a seed derived from the test; mix in the run's seed so
    # ``--seed`` changes the examples while staying reproducible.
    _test._hypothesis_internal_use_seed = seed  # type: ignore[attr-defined]
    try:
        _test()
    except AssertionError:
        return PropertyRun(len(seen), False, failure.get("example"), failure.get("error", ""))
    return PropertyRun(len(seen), True)


def property_check(what: str, prop, strategy, *, max_examples: int = 30, seed: int = 0,
                   expect_failure: bool = False) -> Check:
    """A Check for the answer key. ``expect_failure=True`` is the mutation check:
    it passes when Hypothesis *refutes* the property (a wrong formula is caught)."""
    run = run_property(prop, strategy, max_examples=max_examples, seed=seed)
    if expect_failure:
        measured = ({"refuted": True, "counterexample": _jsonable(run.counterexample)}
                    if not run.passed else {"refuted": False, "examples": run.examples})
        return Check("property", what, measured, "refuted by Hypothesis", not run.passed)
    measured = ({"examples": run.examples, "failures": 0} if run.passed
                else {"counterexample": _jsonable(run.counterexample), "error": run.error[:200]})
    return Check("property", what, measured, f"all {max_examples} generated cases", run.passed)


def _jsonable(x):
    if isinstance(x, (int, float, str, bool)) or x is None:
        return x
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    try:
        import numpy as np

        if isinstance(x, np.ndarray):
            return x.tolist()
        if isinstance(x, np.generic):
            return x.item()
    except ImportError:  # pragma: no cover
        pass
    return repr(x)
