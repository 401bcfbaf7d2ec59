"""Run a property inside the answer-key build and record it as a :class:`~hw7.registry.Check`.

The machinery itself is :mod:`hw7core.props` (public, independent of the CLI);
this module only converts its :class:`~hw7core.props.PropertyResult` into the
answer key's ``Check`` record. The properties themselves live in one home per
result (``properties/<result>.py``), imported by both the question glue and the
tests.
"""

from __future__ import annotations

from hw7.registry import Check
from hw7core.props import PropertyResult, jsonable, mutation_check
from hw7core.props import property_check as run_property

__all__ = ["property_check", "as_check", "run_property"]


def as_check(what: str, result: PropertyResult) -> Check:
    """The answer key's record of a property run (or, with ``expect_failure``, a mutation run)."""
    if result.expect_failure:
        measured = ({"refuted": True, "counterexample": jsonable(result.counterexample)}
                    if result.refuted else {"refuted": False, "examples": result.examples})
        return Check("property", what, measured, "refuted by Hypothesis", result.refuted)
    measured = ({"examples": result.examples, "failures": 0} if result.passed
                else {"counterexample": jsonable(result.counterexample),
                      "error": result.error[:200]})
    return Check("property", what, measured, f"all {result.max_examples} generated cases",
                 result.passed)


def property_check(what: str, prop, strategy, *, max_examples: int = 30, seed: int = 0,
                   expect_failure: bool = False) -> Check:
    """A Check for the answer key. ``expect_failure=True`` is the mutation check:
    it passes when Hypothesis *refutes* the property (a wrong formula is caught)."""
    run = mutation_check if expect_failure else run_property
    return as_check(what, run(prop, strategy, max_examples=max_examples, seed=seed))
