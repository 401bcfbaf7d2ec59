"""Property checks and mutation checks: run a Hypothesis property as a function call.

A *property* is a callable ``prop(case)`` that raises ``AssertionError`` when the
case refutes it; a *strategy* generates the cases. :func:`property_check` runs the
property over a derandomised, seeded stream of cases and returns a plain
:class:`PropertyResult`; :func:`mutation_check` feeds the same machinery a
property built around a deliberately *wrong* formula and passes when Hypothesis
refutes it (a check that cannot fail is a defect: the mutation shows it can).

Both run inside a normal program (a derivation script, the answer-key build) as
well as inside pytest; they are independent of the ``hw7`` CLI package (the
answer key's ``hw7.props`` turns these results into ``Check`` records).

A command writes only its own files: these runs keep no example database
(``database=None``), and whatever else Hypothesis stores (its Unicode tables, its cache
of source constants; by default in ``.hypothesis/`` under the current folder) goes to
the toolkit's private cache, ``hypothesis/`` beside ``native/`` (see
:func:`hypothesis_home`), unless ``HYPOTHESIS_STORAGE_DIRECTORY`` says otherwise.

Example (a true property and a mutant of it):

>>> from hypothesis import strategies as st
>>> def square_is_nonnegative(x):
...     assert x * x >= 0
>>> property_check(square_is_nonnegative, st.integers(-10, 10), max_examples=20).passed
True
>>> def cube_is_nonnegative(x):          # the mutant: a wrong claim
...     assert x ** 3 >= 0
>>> res = mutation_check(cube_is_nonnegative, st.integers(-10, 10), max_examples=20)
>>> res.refuted, res.counterexample
(True, -1)
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.strategies import SearchStrategy

__all__ = ["PropertyResult", "property_check", "mutation_check", "holds", "jsonable",
           "hypothesis_home"]


@dataclass(frozen=True)
class PropertyResult:
    """What one run of a property over generated cases found.

    examples: how many cases were tried (Hypothesis stops at the first failure,
        after shrinking it).
    passed: no case raised ``AssertionError``.
    counterexample: the shrunk failing case (None when it passed).
    error: the failing assertion's message ("" when it passed).
    expect_failure: True for a mutation check; then ``refuted`` is what counts.
    max_examples: the budget the run was given.
    seed: the seed the run used (record it to reproduce the cases).
    """

    examples: int
    passed: bool
    counterexample: Any = None
    error: str = ""
    expect_failure: bool = False
    max_examples: int = 0
    seed: int = 0

    @property
    def refuted(self) -> bool:
        """Some case refuted the property (what a mutation check wants)."""
        return not self.passed

    @property
    def ok(self) -> bool:
        """The check succeeded: the property held, or, for a mutation, it was refuted."""
        return self.refuted if self.expect_failure else self.passed


def property_check(prop: Callable[[Any], None], strategy: SearchStrategy, *,
                   max_examples: int = 30, seed: int = 0) -> PropertyResult:
    """Run ``prop(case)`` over cases drawn from ``strategy``; a failure is an AssertionError.

    Derandomised and reproducible: the cases depend only on ``seed`` (passed to
    :func:`hypothesis.seed`), so a recorded seed reproduces the run. Any exception
    other than ``AssertionError`` propagates (it is a bug, not a refutation).

    prop: callable taking one generated case; raises AssertionError to refute.
    strategy: a Hypothesis strategy producing the cases.
    max_examples: the most cases to try (an int ≥ 1).
    seed: an int recorded with the result by callers.

    >>> from hypothesis import strategies as st
    >>> def even_square(n):
    ...     assert (2 * n) ** 2 % 4 == 0
    >>> property_check(even_square, st.integers(), max_examples=10).examples
    10
    """
    with hypothesis_home():
        return _property_check(prop, strategy, max_examples=max_examples, seed=seed)


@contextlib.contextmanager
def hypothesis_home() -> Iterator[str | None]:
    """Hypothesis's storage folder, for the duration of the block: the toolkit's private
    cache ``<cache>/hypothesis`` (``<cache>`` as for :func:`hw7core.native.cache_dir`:
    ``HW7_CACHE_DIR``, else ``$XDG_CACHE_HOME/hw7-verify``, else ``~/.cache/hw7-verify``;
    created 0700), or a private temporary folder removed afterwards when that cache is
    not private, never ``.hypothesis/`` in the current folder. A folder chosen with
    ``HYPOTHESIS_STORAGE_DIRECTORY`` is kept. The previous setting is restored after.
    Yields the folder in use (None when the environment chose it)."""
    import hypothesis.configuration as hc

    from hw7core.native import cache_dir
    from hw7core.private import UntrustedPath, ensure_private_dir, untrusted_dir_reason

    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        yield None
        return
    attr = "__hypothesis_home_directory"
    previous = getattr(hc, attr, None)
    temporary = None
    try:
        want = cache_dir().parent / "hypothesis"
        existing = want
        while not os.path.lexists(existing) and existing != existing.parent:
            existing = existing.parent
        if untrusted_dir_reason(existing):     # create nothing in a folder others can change
            raise UntrustedPath(str(existing))
        home = str(ensure_private_dir(want))
    except (UntrustedPath, OSError):
        home = temporary = tempfile.mkdtemp(prefix="hw7-hypothesis-")
    hc.set_hypothesis_home_dir(home)
    try:
        yield home
    finally:
        hc.set_hypothesis_home_dir(previous)
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)


try:  # Python ≥ 3.11; Hypothesis brings the backport on 3.10
    _ExceptionGroup = BaseExceptionGroup  # noqa: F821
except NameError:  # pragma: no cover
    from exceptiongroup import BaseExceptionGroup as _ExceptionGroup


def _property_check(prop, strategy, *, max_examples: int, seed: int) -> PropertyResult:
    seen: list = []
    failure: dict = {}

    @hypothesis_seed(int(seed))
    @settings(max_examples=int(max_examples), derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate, Phase.shrink],
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(strategy)
    def _run(case):
        seen.append(case)
        try:
            prop(case)
        except AssertionError as exc:
            failure["case"] = case
            failure["error"] = str(exc)
            raise

    try:
        _run()
    except AssertionError:
        return PropertyResult(len(seen), False, failure.get("case"), failure.get("error", ""),
                              max_examples=int(max_examples), seed=int(seed))
    except _ExceptionGroup as group:
        # Hypothesis reports several distinct failures as a group: a refutation too, not a
        # traceback (anything else in the group is a real error and propagates)
        if group.split(AssertionError)[1] is not None:
            raise
        return PropertyResult(len(seen), False, failure.get("case"), failure.get("error", ""),
                              max_examples=int(max_examples), seed=int(seed))
    return PropertyResult(len(seen), True, max_examples=int(max_examples), seed=int(seed))


def mutation_check(wrong_prop: Callable[[Any], None], strategy: SearchStrategy, *,
                   max_examples: int = 30, seed: int = 0) -> PropertyResult:
    """The mutation check: the same property built on a *wrong* formula must be refuted.

    Returns a :class:`PropertyResult` with ``expect_failure=True``; its ``ok`` is
    True when Hypothesis found a counterexample (the checker can tell right from wrong).

    >>> from hypothesis import strategies as st
    >>> def wrong_sum(n):               # claims 1 + ... + n = n²/2
    ...     assert sum(range(n + 1)) * 2 == n * n
    >>> mutation_check(wrong_sum, st.integers(0, 50), max_examples=10).ok
    True
    """
    run = property_check(wrong_prop, strategy, max_examples=max_examples, seed=seed)
    return dataclasses.replace(run, expect_failure=True)


def holds(prop: Callable[[Any], None], case) -> bool:
    """Whether one given case satisfies ``prop`` (no AssertionError), for a fixed case.

    >>> def positive(x):
    ...     assert x > 0
    >>> holds(positive, 3), holds(positive, -3)
    (True, False)
    """
    try:
        prop(case)
    except AssertionError:
        return False
    return True


def jsonable(x):
    """``x`` made JSON-serialisable (numpy arrays and scalars to lists and floats,
    tuples to lists, anything else unknown to its ``repr``).

    >>> import numpy as np
    >>> jsonable((1, np.int64(2), np.arange(2)))
    [1, 2, [0, 1]]
    """
    if isinstance(x, (int, float, str, bool)) or x is None:
        return x
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    try:
        import numpy as np

        if isinstance(x, np.ndarray):
            return x.tolist()
        if isinstance(x, np.generic):
            return x.item()
    except ImportError:  # pragma: no cover
        pass
    return repr(x)
